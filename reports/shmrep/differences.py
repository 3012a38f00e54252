"""Every difference between environments, and the registry entry that
explains it (what ci/run-matrix writes as differences.md).

For each case the reference outcome is the host's (the run labelled
"host"), else the most common one.  Every environment whose outcome
differs, one file-system type at a time for per-fs cases, is a difference;
each must be explained by an entry of the deviations registry (the same
matcher as a single run's expectations, deviations.py).  Verdicts compared
are the observed ones (an expected failure is a failure)."""
import collections

from . import probe as probe_mod
from .model import RAW_OF_RESULT

# The harness's names for file systems it once did not know (fs-0xMAGIC).
FS_ALIASES = {"fs-0xc0ffee": "hostfs"}
RANK = {"pass": 0, "skip": 1, "fail": 2, "broken": 3}


def outcomes(run):
    """case id -> {"result": v, "reason": r, "points": {fstype: (v,
    reason)}}"""
    out = {}
    for c in run.cases:
        points = {}
        for p in c.points:
            if p.fs_type is None:
                continue
            t = FS_ALIASES.get(p.fs_type, p.fs_type)
            # one point per type; a failure on any dir of the type wins
            old = points.get(t)
            if old is None or old[0] == "pass":
                points[t] = (p.raw, p.reason)
        result = RAW_OF_RESULT[c.result]
        if c.records["xpass"] and not any(
                p.raw in ("fail", "broken") for p in c.points):
            # failed only because a known deviation did not happen: what
            # was observed is a pass
            result = "pass"
        out[c.id] = {"result": result, "reason": c.reason, "points": points}
    return out


def differences(runs):
    """[(case_id, run, fs, verdict, reason, reference verdict)]"""
    table = [(r, outcomes(r)) for r in runs]
    keys = sorted({k for _, o in table for k in o})
    diffs = []
    for key in keys:
        have = [(r, o[key]) for r, o in table if key in o]
        host = next((oc for r, oc in have if r.label == "host"), None)
        if host is not None:
            ref = host["result"]
        else:
            ref = collections.Counter(oc["result"] for _, oc in have
                                      ).most_common(1)[0][0]
        ref_points = host["points"] if host else {}
        best = min((v for v, _ in ref_points.values()),
                   key=lambda v: RANK.get(v, 9), default="pass")
        for r, oc in have:
            if r.label == "host":
                continue
            bad = [(t, v, why, ref_points[t][0] if t in ref_points
                    else best)
                   for t, (v, why) in sorted(oc["points"].items())
                   if v != (ref_points[t][0] if t in ref_points else best)]
            if bad:
                diffs.extend((key, r, t, v, why, want)
                             for t, v, why, want in bad)
            elif oc["result"] != ref:
                # no file system differs: the verdict of the case itself
                # (not per fs, or a crash or timeout of its parent)
                diffs.append((key, r, "-", oc["result"], oc["reason"], ref))
    return diffs


def _cell(text, limit=300):
    text = " ".join((text or "").split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def write_md(runs, registry):
    """(Markdown, number unexplained)."""
    runs = sorted(runs, key=lambda r: (r.label != "host", r.label or ""))
    diffs = differences(runs)
    lines = ["# Differences between environments", "",
             "Environments: " + ", ".join(r.label or "?" for r in runs) +
             ".", "",
             "Reference outcome of a case: the host's, else the most "
             "common.  Each row is an environment (and file system) "
             "whose outcome differs, with the entry of the deviations "
             "registry (deviations/*.json) that explains it.", ""]
    unexplained = 0
    used = collections.OrderedDict()
    if diffs:
        lines += ["| case | environment | fs | outcome (reference) | kind |"
                  " explanation | reason seen |",
                  "|---|---|---|---|---|---|---|"]
    for key, r, fs, v, reason, ref in diffs:
        c = next((c for c in r.cases if c.id == key), None)
        release = probe_mod.facts(r.probe)["release"]
        e = registry.find(key, c.claim if c else None,
                          None if fs == "-" else fs, r.label, release, v,
                          reason)
        if e:
            used[e.id] = e
            kind, words = e.kind, "[%s](#%s)" % (e.id, e.id)
        else:
            unexplained += 1
            kind, words = "**UNEXPLAINED**", "no explanation matches"
        lines.append("| %s | %s | %s | %s (%s) | %s | %s | %s |" % (
            key, r.label, fs, v, ref, kind, words, _cell(reason)))
    if not diffs:
        lines.append("No difference: every case has the same outcome in "
                     "every environment.")
    if used:
        lines += ["", "## Explanations", ""]
    for e in used.values():
        lines += ["### %s" % e.id, "", "Kind: %s. %s" % (
            e.kind, " ".join(e.explanation.split())), ""]
        lines += ["Evidence: " + " ".join(e.evidence.split()), ""]
    lines += ["", "%d differences, %d explained, %d unexplained." % (
        len(diffs), len(diffs) - unexplained, unexplained)]
    return "\n".join(lines) + "\n", unexplained

