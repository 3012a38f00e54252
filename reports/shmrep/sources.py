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


def _block_end(text, i):
    """Index just past the brace block that opens at text[i] == '{',
    skipping string and character literals and comments."""
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


class Sources:
    """The code of every case (cases/*.c), for the report to show beside
    each result: a case's body from its SC_CASE line to its closing brace,
    and any line of a case file (where a failing check stands in a helper).
    """

    def __init__(self, cases_dir):
        self.dir = cases_dir
        self._text = {}
        self._bodies = {}
        if not cases_dir or not os.path.isdir(cases_dir):
            return
        for path in sorted(glob.glob(os.path.join(cases_dir, "*.c"))):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            name = os.path.basename(path)
            self._text[name] = text.split("\n")
            prog = "cases/" + name[:-2]
            for m in DECL.finditer(text):
                brace = text.find("{", m.end())
                if brace < 0:
                    continue
                end = _block_end(text, brace)
                first = text.count("\n", 0, m.start()) + 1
                lines = text[m.start():end].split("\n")
                # The comment just above the case (its "Detects:") too.
                above = self._text[name]
                while first > 1 and above[first - 2].lstrip().startswith(
                        ("/*", "*", "//")):
                    first -= 1
                    lines.insert(0, above[first - 1])
                self._bodies[(prog, m.group(2))] = {
                    "file": name, "start": first, "lines": lines}

    def body(self, program, name):
        return self._bodies.get((program, name))

    def lines(self, filename):
        return self._text.get(filename, [])
