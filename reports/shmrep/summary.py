"""The short human summary ci/run-suite ends with."""
import re

from . import probe as probe_mod
from . import teach


def first_sentence(text, limit=110):
    """Up to the first '. ' before a capital letter, at most limit chars."""
    text = " ".join((text or "").split())
    m = re.search(r"\.\s+(?=[A-Z])", text)
    if m:
        text = text[:m.start() + 1]
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def write(run, claims, outputs=None):
    n = run.counts()
    red = n["fail"] + n["broken"] + n["xpass"]
    lines = ["shmconform: %d passed, %d failed, %d skipped"
             % (n["pass"], red, n["skip"]),
             "  %d xfail (known deviations), %d xpass (expectations that did "
             "not happen), %d broken; %d checks in %d cases%s; on %s" % (
                 n["xfail"], n["xpass"], n["broken"], sum(n.values()),
                 len(run.cases), ", %.1f s" % run.seconds
                 if run.seconds else "", probe_mod.short(run.probe))]
    for p in run.points():
        if p.outcome not in ("fail", "broken", "xpass"):
            continue
        tag = {"fail": "FAIL ", "broken": "BROKEN", "xpass": "XPASS"}[
            p.outcome]
        if p.outcome == "xpass":
            lines.append("%s %s: passed, but known deviation %s says it "
                         "fails here: fixed, or the entry is stale"
                         % (tag, p.id, p.expectation.id))
            continue
        lines.append("%s %s: %s" % (tag, p.id, teach.one_line(p)))
        c = p.case
        claim = claims.get(c.claim) if c.claim else None
        if claim is not None:
            lines.append("       lesson: %s [%s]: %s%s" % (
                c.claim, c.cls or "?", first_sentence(claim.get("statement")),
                " (the tutorial is wrong here: erratum)"
                if claim.get("erratum") else ""))
    if outputs:
        lines.append("reports: " + " ".join(outputs))
    return "\n".join(lines) + "\n"
