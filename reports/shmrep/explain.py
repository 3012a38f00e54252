"""explain: a claim or a case in words, with its results in given runs."""
import textwrap

from . import probe as probe_mod
from . import teach
from .errors import UserError


def _wrap(label, text, width=78):
    if text is None:
        return ["%-11s %s" % (label, "(none)")]
    return textwrap.wrap(str(text), width, initial_indent="%-11s " % label,
                         subsequent_indent=" " * 12) or ["%-11s" % label]


def _claim_lines(claim, claims):
    lines = ["%s  (%s%s)" % (claim["id"], claim.get("section", "?"),
                             ", beyond the tutorial"
                             if claim.get("extension") else "")]
    lines += _wrap("tutorial", claim.get("words") or
                   "(not in the tutorial: the suite adds this claim)")
    lines += _wrap("statement", claim.get("statement"))
    lines += _wrap("erratum", claim.get("erratum") or
                   "none: the tutorial is right here")
    return lines


def _point_words(p):
    where = " on %s" % p.fs_label if p.fs_type else ""
    words = {"pass": "pass", "fail": "FAIL", "skip": "skip",
             "xfail": "expected failure", "xpass": "unexpected pass",
             "broken": "BROKEN"}[p.outcome]
    detail = ""
    if p.outcome in ("fail", "broken", "xfail"):
        detail = ": " + teach.one_line(p)
    elif p.outcome == "skip" and p.reason:
        detail = ": " + p.reason
    if p.expectation is not None:
        detail += " [expectation %s: %s]" % (p.expectation.id,
                                             p.expectation.explanation)
    return "%s%s%s" % (words, where, detail)


def _case_lines(info, runs, labels):
    lines = ["", "case %s:%s  [%s%s]" % (
        info["program"], info["name"], info.get("class") or "?",
        ", per file system" if info.get("per_fs") else "")]
    lines += _wrap("  checks", info.get("descr") or "(no description)")
    if info.get("source"):
        lines.append("  source    %s" % info["source"])
    cid = "%s:%s" % (info["program"], info["name"])
    for run, label in zip(runs, labels):
        found = [c for c in run.cases if c.id == cid]
        if not found:
            lines.append("  %s: not run" % label)
            continue
        for p in found[0].points:
            lines += textwrap.wrap(_point_words(p), 78,
                                   initial_indent="  %s: " % label,
                                   subsequent_indent=" " * 6)
    return lines


def explain(ident, claims, runs, declared):
    """Text for a claim ID, a case name or program:case."""
    labels = ["run %d (%s)" % (i + 1, r.label or probe_mod.label(r.probe))
              for i, r in enumerate(runs)]
    cases = {}
    for d in declared:
        cases["%s:%s" % (d["program"], d["name"])] = dict(d)
    for r in runs:
        for c in r.cases:
            info = cases.setdefault(c.id, {"program": c.program,
                                           "name": c.name})
            for key, val in (("claim", c.claim), ("class", c.cls),
                             ("per_fs", c.per_fs), ("descr", c.descr)):
                if val and not info.get(key):
                    info[key] = val
    claim = claims.get(ident) or claims.get(ident.upper())
    if claim is not None:
        mine = [i for k, i in sorted(cases.items())
                if i.get("claim") == claim["id"]]
        lines = _claim_lines(claim, claims)
        if runs:
            pts = [p for r in runs for c in r.cases
                   if c.claim == claim["id"] for p in c.points]
            lines.append("verdict     %s" % teach.VERDICT_WORDS[
                teach.claim_verdict(pts)])
        lines.append("")
        if not mine and claim.get("measured_by"):
            lines.append("Measured, not tested: %s." % claim["measured_by"])
        elif not mine:
            lines.append("No case checks it yet.")
        else:
            lines.append("%d case%s it:" % (
                len(mine), " checks" if len(mine) == 1 else "s check"))
        for info in mine:
            lines += _case_lines(info, runs, labels)
        return "\n".join(lines) + "\n"
    hits = [i for k, i in sorted(cases.items())
            if k == ident or i["name"] == ident]
    if not hits:
        raise UserError("unknown claim or case %r: not a claim ID in %s, nor "
                        "a case in the given runs or the case sources (try a "
                        "claim such as %s, or a case name)" % (
                            ident, claims.path,
                            claims.order[0] if claims.order else "MMAP-PAGES"))
    lines = []
    for info in hits:
        c = claims.get(info.get("claim") or "")
        if c is not None:
            lines += _claim_lines(c, claims)
        elif info.get("claim"):
            lines.append("%s  (not in %s)" % (info["claim"], claims.path))
        lines += _case_lines(info, runs, labels)
        lines.append("")
    return "\n".join(lines)
