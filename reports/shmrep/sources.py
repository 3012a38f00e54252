"""What the case sources declare (cases/*.c): name, claim, class and
description of every SC_CASE / SC_FS_CASE, for `explain` without a run."""
import glob
import os
import re

DECL = re.compile(
    r"\bSC_(FS_)?CASE\(\s*(\w+)\s*,\s*(\w+)\s*,\s*SC_(\w+)\s*,\s*"
    r"((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", re.S)
STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")
CLASSES = {"POSIX": "POSIX", "LINUX": "Linux", "OBSERVED": "observed"}


def scan(cases_dir):
    """[{program, name, claim, class, per_fs, descr, source}, ...]"""
    out = []
    if not cases_dir or not os.path.isdir(cases_dir):
        return out
    for path in sorted(glob.glob(os.path.join(cases_dir, "*.c"))):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        prog = "cases/" + os.path.basename(path)[:-2]
        for m in DECL.finditer(text):
            descr = "".join(s.replace('\\"', '"') for s in
                            STRING.findall(m.group(5)))
            out.append({
                "program": prog, "name": m.group(2),
                "claim": m.group(3).replace("_", "-"),
                "class": CLASSES.get(m.group(4), m.group(4)),
                "per_fs": bool(m.group(1)), "descr": descr,
                "source": "%s:%d" % (os.path.relpath(path, os.path.dirname(
                    cases_dir.rstrip("/")) or "."),
                    text.count("\n", 0, m.start()) + 1),
            })
    return out
