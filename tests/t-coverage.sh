#!/bin/bash
# tests/t-coverage.sh: docs/coverage.md, the catalogue of behaviours and
# the cases that check them, cannot go stale.
#
# Checks, from the sources alone (no build): every row is numbered in
# order and says **yes**, **partial** or **none**; a partial or none row
# says why (text after " — "); a yes or partial row names at least one
# case; every `program:case` named exists as SC_CASE/SC_FS_CASE(case, ...)
# in cases/program.c; every case of cases/*.c is named somewhere in the
# file; the counts of section 3 (total, per status, per area) are those of
# the rows.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 - "$top/docs/coverage.md" "$top/cases" <<'PY'
import glob
import os
import re
import sys

doc_path, cases_dir = sys.argv[1], sys.argv[2]
doc = open(doc_path, encoding="utf-8").read()
errors = []

cases = set()
for src in sorted(glob.glob(os.path.join(cases_dir, "*.c"))):
    prog = os.path.basename(src)[:-2]
    text = open(src, encoding="utf-8").read()
    for name in re.findall(r"\bSC_(?:FS_)?CASE\(\s*(\w+)\s*,", text):
        cases.add(prog + ":" + name)

row_re = re.compile(r"^\| (\d+) \| (.+) \| (.*) \| (.*) \|$")
status_re = re.compile(r"^\*\*(yes|partial|none)\*\*(.*)$")
named = set()
expected_n = 1
counts = {"yes": 0, "partial": 0, "none": 0}
areas = []
for lineno, line in enumerate(doc.splitlines(), 1):
    if line.startswith("### "):
        areas.append([line[4:].strip(), 0, 0, 0, 0])
        continue
    m = row_re.match(line)
    if not m or not areas:
        continue
    n, cell = int(m.group(1)), m.group(4)
    where = "docs/coverage.md:%d (row %d)" % (lineno, n)
    if n != expected_n:
        errors.append("%s: expected row %d" % (where, expected_n))
    expected_n = n + 1
    s = status_re.match(cell)
    if not s:
        errors.append("%s: status is not **yes**, **partial** or **none**: %s"
                      % (where, cell[:60]))
        continue
    status, rest = s.group(1), s.group(2)
    refs = re.findall(r"`([a-z0-9_]+:[a-z0-9_]+)`", rest)
    if status in ("yes", "partial") and not refs:
        errors.append("%s: a %s row names no case" % (where, status))
    if status in ("partial", "none"):
        why = rest.split(" — ", 1)
        if len(why) < 2 or len(why[1].strip()) < 8:
            errors.append("%s: a %s row must say why after ' — '"
                          % (where, status))
    for ref in refs:
        named.add(ref)
        if ref not in cases:
            errors.append("%s: no case %s in cases/%s.c"
                          % (where, ref, ref.split(":")[0]))
    counts[status] += 1
    a = areas[-1]
    a[1] += 1
    a[{"yes": 2, "partial": 3, "none": 4}[status]] += 1

for case in sorted(cases - named):
    errors.append("case %s is named in no row of docs/coverage.md" % case)

total = sum(counts.values())
m = re.search(r"Behaviours in the catalogue: \*\*(\d+)\*\*", doc)
if not m or int(m.group(1)) != total:
    errors.append("section 3 says %s behaviours, the rows are %d"
                  % (m.group(1) if m else "no number of", total))
m = re.search(r"\*\*(\d+) yes\*\*, \*\*(\d+) partial\*\*, \*\*(\d+) none\*\*",
              doc)
if not m or tuple(map(int, m.groups())) != (counts["yes"], counts["partial"],
                                              counts["none"]):
    errors.append("section 3's yes/partial/none are not the rows' %d/%d/%d"
                  % (counts["yes"], counts["partial"], counts["none"]))
for name, *nums in areas:
    row = "| %s | %d | %d | %d | %d |" % (name, *nums)
    if row not in doc:
        errors.append("section 3 has no line %s" % row)

for e in errors:
    print("t-coverage: FAIL: " + e, file=sys.stderr)
if errors:
    sys.exit(1)
print("t-coverage: %d behaviours (%d yes, %d partial, %d none), %d cases, "
      "all named and all existing" % (total, counts["yes"], counts["partial"],
                                      counts["none"], len(cases)))
PY
