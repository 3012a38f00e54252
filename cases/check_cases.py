#!/usr/bin/env python3
"""What the compiler cannot see in a case program's source.

  check_cases.py registered FILE.c...
      Every case a file declares (SC_CASE, SC_FS_CASE, ATF_TC,
      ATF_TC_WITH_CLEANUP) is registered in it (SC_ADD, ATF_TP_ADD_TC),
      and every registration names a declared case.  The build runs this
      for each program (cases/CMakeLists.txt): a case declared but never
      added compiles and never runs, so the build fails instead.
  check_cases.py detects FILE.c...
      Every SC_CASE / SC_FS_CASE has a comment right before it with a
      "Detects:" line saying what failure it detects.
  check_cases.py counts README.md FILE.c...
      The counts README states on its marker line
          <!-- counts: cases=N programs=M -->
      and in the prose of the same paragraph ("N cases in M programs")
      equal the code's: N cases declared with SC_CASE / SC_FS_CASE, M case
      programs (one per cases/*.c).  Without a marker line: a note, not an
      error.

One line per problem on stderr; exit status 1 if there is any.
"""
import re
import sys

DECL = re.compile(
    r"^\s*(?:SC_CASE|SC_FS_CASE|ATF_TC|ATF_TC_WITH_CLEANUP)\(\s*(\w+)", re.M)
SC_DECL = re.compile(r"^\s*(SC_CASE|SC_FS_CASE)\(\s*(\w+)", re.M)
ADD = re.compile(r"\b(?:SC_ADD|ATF_TP_ADD_TC)\(\s*\w+\s*,\s*(\w+)\s*\)")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
COMMENT_BEFORE = re.compile(r"/\*((?:(?!\*/).)*)\*/\s*$", re.S)
MARKER = re.compile(r"<!--\s*counts:\s*cases=(\d+)\s+programs=(\d+)\s*-->")
PROSE = re.compile(r"(\d+) cases in (\d+) programs")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def registered(files):
    problems = []
    for path in files:
        code = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                           read(path))
        declared = {m.group(1): m.start() for m in DECL.finditer(code)}
        added = {m.group(1) for m in ADD.finditer(code)}
        for name, pos in declared.items():
            if name not in added:
                problems.append(
                    f"{path}:{line_of(code, pos)}: case {name} is declared "
                    f"but never registered: add SC_ADD(tp, {name}) to "
                    f"ATF_TP_ADD_TCS")
        for name in sorted(added - set(declared)):
            problems.append(f"{path}: SC_ADD of {name}, which this file "
                            f"does not declare")
    return problems


def detects(files):
    problems = []
    for path in files:
        text = read(path)
        for m in SC_DECL.finditer(text):
            c = COMMENT_BEFORE.search(text, 0, m.start())
            if not c or "Detects:" not in c.group(1):
                problems.append(
                    f"{path}:{line_of(text, m.start())}: case {m.group(2)} "
                    f"has no 'Detects:' comment right before it (what "
                    f"failure does it detect?)")
    return problems


def counts(readme, files):
    cases = sum(len(SC_DECL.findall(read(p))) for p in files)
    programs = len(files)
    text = read(readme)
    m = MARKER.search(text)
    if not m:
        print(f"check_cases: note: {readme} has no counts marker "
              f"(<!-- counts: cases={cases} programs={programs} -->); "
              f"the code has {cases} cases in {programs} programs",
              file=sys.stderr)
        return []
    problems = []
    stated = (int(m.group(1)), int(m.group(2)))
    where = f"{readme}:{line_of(text, m.start())}"
    if stated != (cases, programs):
        problems.append(
            f"{where}: the marker says cases={stated[0]} programs="
            f"{stated[1]}; the code has cases={cases} programs={programs}")
    # The prose of the marker's paragraph says the same numbers.
    start = text.rfind("\n\n", 0, m.start()) + 1
    end = text.find("\n\n", m.end())
    para = text[start:end if end >= 0 else len(text)]
    prose = PROSE.findall(para)
    if not prose:
        problems.append(f"{where}: no 'N cases in M programs' in the "
                        f"marker's paragraph")
    for n, p in prose:
        if (int(n), int(p)) != (cases, programs):
            problems.append(
                f"{where}: the prose says '{n} cases in {p} programs'; the "
                f"code has {cases} cases in {programs} programs")
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("registered", "detects", "counts"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "counts":
        problems = counts(argv[2], argv[3:])
    else:
        problems = {"registered": registered,
                    "detects": detects}[argv[1]](argv[2:])
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
