"""Every case of the suite, for `explain` without a run: name, claim, class
and description, as the built test programs list them (ATF's `PROGRAM -l`
metadata: X-claim, X-class, X-per-fs, descr).  Only without a build are
the SC_CASE / SC_FS_CASE declarations of cases/*.c read instead."""
import glob
import os
import re
import subprocess

DECL = re.compile(
    r"\bSC_(FS_)?CASE\(\s*(\w+)\s*,\s*(\w+)\s*,\s*SC_(\w+)\s*,\s*"
    r"((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", re.S)
STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")
CLASSES = {"POSIX": "POSIX", "LINUX": "Linux", "OBSERVED": "observed"}


def listed(build_cases):
    """The cases of every built program in build_cases (ATF's -l)."""
    out = []
    for path in sorted(glob.glob(os.path.join(build_cases, "*"))):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        try:
            text = subprocess.run([path, "-l"], capture_output=True,
                                  timeout=30, check=True).stdout.decode(
                                      "utf-8", "replace")
        except (OSError, subprocess.SubprocessError):
            continue
        prog = "cases/" + os.path.basename(path)
        for block in text.split("\n\n"):
            md = dict(line.split(": ", 1) for line in block.splitlines()
                      if ": " in line)
            if "ident" not in md:
                continue
            out.append({"program": prog, "name": md["ident"],
                        "claim": md.get("X-claim"),
                        "class": md.get("X-class"),
                        "per_fs": md.get("X-per-fs") == "yes",
                        "descr": md.get("descr", "")})
    return out


def scan(cases_dir):
    """[{program, name, claim, class, per_fs, descr[, source]}, ...]: the
    built programs of a directory, or (no program there) its sources."""
    out = []
    if not cases_dir or not os.path.isdir(cases_dir):
        return out
    if not glob.glob(os.path.join(cases_dir, "*.c")):
        return listed(cases_dir)
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
