"""Read a TAP file with an independent consumer (Debian's python3-tap) and
check its counts, directives and YAML blocks.

  /usr/bin/python3 check_tap.py FILE PASS FAIL SKIP TODO_FAIL TODO_PASS"""
import sys

from tap.parser import Parser

path = sys.argv[1]
want = [int(x) for x in sys.argv[2:7]]
got = [0, 0, 0, 0, 0]
plan = None
version = None
problems = []
n = 0
with open(path, encoding="utf-8") as f:
    for line in Parser().parse(f):
        if line.category == "version":
            version = line.version
        elif line.category == "plan":
            plan = line.expected_tests
        elif line.category == "unknown":
            pass
        elif line.category == "test":
            n += 1
            if line.number != n:
                problems.append("test %d numbered %s" % (n, line.number))
            y = line.yaml_block
            if not isinstance(y, dict) or not y.get("case") or \
                    "claim" not in y or "class" not in y:
                problems.append("test %d: YAML block missing or without "
                                "case/claim/class: %r" % (n, y))
            if line.todo:
                got[4 if line.ok else 3] += 1
            elif line.skip:
                got[2] += 1
                if not line.directive.reason:
                    problems.append("test %d: SKIP without reason" % n)
            elif line.ok:
                got[0] += 1
            else:
                got[1] += 1
                if not (y or {}).get("message"):
                    problems.append("test %d: failure without message" % n)
if plan != n:
    problems.append("plan 1..%s but %d tests" % (plan, n))
if got != want:
    problems.append("pass/fail/skip/todo-fail/todo-pass: expected %s, read %s"
                    % (want, got))
if problems:
    for p in problems:
        print("tap: %s" % p)
    sys.exit(1)
print("tap: version %s, %d tests, pass/fail/skip/todo/todo-passed %s, "
      "every YAML block read" % (version, n, got))
