#!/usr/bin/env python3
"""Every difference between environments, and why.

  differences.py --explanations differences.json [--explanations F]...
                 [--md FILE] RESULTS.json...

Compares shmconform results files (reports/FORMAT.md) of one suite run in
several environments.  For each case the reference outcome is the host's
(the environment labelled "host"), else the most common one.  Every
environment whose outcome differs, one file system at a time for per-fs
cases, is a difference; each must match an explanation in the
explanations file (ci/runners/differences.json):

  {"format": "shmconform-differences", "version": 1, "explanations": [
    {"id": "...", "kind": "kernel|file system|sandbox|emulation|
                           configuration|harness",
     "env": "uml-5.10", "case": "cases/mmap_shared:write_*",
     "fs": "hostfs", "verdict": "fail", "match": "regex on the reason",
     "explanation": "why, in words", "evidence": "what shows it"}]}

env, case and fs are shell globs ("*" when absent); verdict is pass, fail,
skip or broken ("*" when absent).  Explanations do not change results (no
expectation is applied): they say what a difference is.  Writes a Markdown
table; exits 1 when a difference has no explanation.  Python >= 3.9,
standard library only.

An explanations file may also be a deviations file (deviations/*.json,
format "shmconform-deviations"): its entries explain too, "fs" being a list
and "match" a substring.
"""
import argparse
import collections
import fnmatch
import json
import os
import re
import sys

KINDS = ("kernel", "file system", "sandbox", "emulation", "configuration",
         "harness")
# the harness's names for file systems it does not know (fs-0xMAGIC)
FS_ALIASES = {"fs-0xc0ffee": "hostfs"}


def load(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if d.get("format") != "shmconform-results":
        raise SystemExit("%s: not a shmconform results file" % path)
    run = d.get("run") or {}
    label = run.get("label") or os.path.splitext(os.path.basename(path))[0]
    return label, d


def load_explanations(path):
    with open(path, encoding="utf-8") as f:
        ex = json.load(f)
    if ex.get("format") == "shmconform-differences":
        return ex.get("explanations", [])
    if ex.get("format") != "shmconform-deviations":
        raise SystemExit("%s: not a differences or deviations file" % path)
    out = []
    for d in ex.get("deviations", []):
        e = dict(d)
        fs = d.get("fs") or ["*"]
        e["fs"] = fs if isinstance(fs, str) else None
        e["fs_list"] = [fs] if isinstance(fs, str) else fs
        e["verdict"] = d.get("verdict", "fail")
        if d.get("match"):
            e["match"] = re.escape(d["match"])
        out.append(e)
    return out


def verdict(result):
    return {"passed": "pass", "failed": "fail", "skipped": "skip",
            "expected_failure": "fail", "broken": "broken"}.get(result,
                                                               result)


def outcomes(d):
    """case -> {"result": v, "points": {fstype: (v, reason)}, "reason"}"""
    out = {}
    for c in d.get("cases", []):
        key = "%s:%s" % (c.get("program"), c.get("name"))
        points = {}
        for p in c.get("fs") or []:
            t = FS_ALIASES.get(p.get("type"), p.get("type"))
            # one point per type; a failure on any dir of the type wins
            old = points.get(t)
            if old is None or old[0] == "pass":
                points[t] = (p.get("verdict"), p.get("reason") or "")
        out[key] = {"result": verdict(c.get("result")),
                    "reason": c.get("reason") or "", "points": points}
    return out


RANK = {"pass": 0, "skip": 1, "fail": 2, "broken": 3}


def differences(runs):
    """[(case, env, fs, verdict, reason, reference)]

    A case's reference is the host's outcome (else the most common).  For
    per-fs cases each file-system type is compared with the host's point of
    that type; a type the host has not (overlay, 9p, hostfs) with the
    host's best point, so that a skip every environment shares (msync on
    tmpfs) is no difference and a sandbox's own file system is compared
    with a real one."""
    cases = sorted({k for _, o in runs for k in o})
    diffs = []
    for case in cases:
        have = [(env, o[case]) for env, o in runs if case in o]
        host = next((oc for env, oc in have if env == "host"), None)
        if host is not None:
            ref = host["result"]
        else:
            ref = collections.Counter(oc["result"] for _, oc in have
                                      ).most_common(1)[0][0]
        ref_points = host["points"] if host else {}
        best = min((v for v, _ in ref_points.values()),
                   key=lambda v: RANK.get(v, 9), default="pass")
        for env, oc in have:
            if env == "host":
                continue
            bad_points = []
            for t, (v, r) in oc["points"].items():
                want = ref_points[t][0] if t in ref_points else best
                if v != want:
                    bad_points.append((t, v, r, want))
            if bad_points:
                for t, v, r, want in bad_points:
                    diffs.append((case, env, t, v, r, want))
            elif oc["result"] != ref and not oc["points"]:
                diffs.append((case, env, "-", oc["result"], oc["reason"],
                              ref))
            elif oc["result"] != ref:
                # the points agree but the verdict differs: a crash or a
                # timeout of the case's parent
                diffs.append((case, env, "-", oc["result"], oc["reason"],
                              ref))
    return diffs


def explain(diff, expls):
    case, env, fs, v, reason, _ = diff
    for e in expls:
        if not fnmatch.fnmatchcase(env, e.get("env", "*")):
            continue
        if not fnmatch.fnmatchcase(case, e.get("case", "*")):
            continue
        if not any(fnmatch.fnmatchcase(fs, g)
                   for g in e.get("fs_list") or [e.get("fs") or "*"]):
            continue
        if e.get("verdict", "*") not in ("*", v):
            continue
        if e.get("match") and not re.search(e["match"], reason):
            continue
        return e
    return None


def cell(text, limit=300):
    text = " ".join((text or "").split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--explanations", required=True, action="append")
    ap.add_argument("--md", help="write the Markdown here (default: stdout)")
    ap.add_argument("results", nargs="+")
    a = ap.parse_args(argv)
    expls = [e for p in a.explanations for e in load_explanations(p)]
    for e in expls:
        if e.get("kind") not in KINDS:
            raise SystemExit("explanation %s: kind must be one of %s"
                             % (e.get("id"), ", ".join(KINDS)))
    runs = []
    for p in a.results:
        label, d = load(p)
        runs.append((label, outcomes(d)))
    runs.sort(key=lambda r: (r[0] != "host", r[0]))
    diffs = differences(runs)
    lines = ["# Differences between environments", "",
             "Environments: " + ", ".join(r[0] for r in runs) + ".", "",
             "Reference outcome of a case: the host's, else the most "
             "common.  Each row is an environment (and file system) "
             "whose outcome differs, with what explains it "
             "(ci/runners/differences.json).", ""]
    unexplained = 0
    used = collections.Counter()
    if diffs:
        lines += ["| case | environment | fs | outcome (reference) | kind |"
                  " explanation | reason seen |",
                  "|---|---|---|---|---|---|---|"]
    for d in diffs:
        e = explain(d, expls)
        case, env, fs, v, reason, ref = d
        if e:
            used[e["id"]] += 1
            kind, words = e["kind"], "[%s](#%s)" % (e["id"], e["id"])
        else:
            unexplained += 1
            kind, words = "**UNEXPLAINED**", "no explanation matches"
        lines.append("| %s | %s | %s | %s (%s) | %s | %s | %s |" % (
            case, env, fs, v, ref, kind, words, cell(reason)))
    if not diffs:
        lines.append("No difference: every case has the same outcome in "
                     "every environment.")
    seen = [e for e in expls if used[e["id"]]]
    if seen:
        lines += ["", "## Explanations", ""]
    for e in seen:
        lines += ['### %s' % e["id"], "", "Kind: %s. %s" % (
            e["kind"], " ".join(e["explanation"].split())), ""]
        if e.get("evidence"):
            lines += ["Evidence: " + " ".join(e["evidence"].split()), ""]
    lines += ["", "%d differences, %d explained, %d unexplained." % (
        len(diffs), len(diffs) - unexplained, unexplained)]
    text = "\n".join(lines) + "\n"
    if a.md and a.md != "-":
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print("differences: %d, unexplained: %d" % (len(diffs), unexplained),
          file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
