"""The words every report uses to teach: why a failure matters, a one-line
lesson, verdicts of a claim across its cases."""

WHY_CLASS = {
    "POSIX": "POSIX requires this, so portable programs rely on it: here "
             "the system does not conform.",
    "Linux": "Linux documents this (man-pages) beyond POSIX: programs "
             "written for Linux rely on it, and this environment behaves "
             "differently from Linux.",
    "observed": "POSIX leaves this unspecified; the suite records what "
                "Linux does. A different result is not wrong, but code "
                "that assumed Linux's behaviour will misbehave here.",
}


def why(claim, cls, outcome="fail", expectation=None):
    """Why a failure of this class matters, in words for a learner."""
    if outcome == "broken":
        return ("The case could not finish (it crashed, timed out or its "
                "result was unreadable): the claim was not checked; the "
                "reason says what went wrong.")
    text = WHY_CLASS.get(cls or "", "The suite checks this behaviour.")
    if outcome == "xfail":
        text = ("A known deviation of this environment (expectation %s). "
                % expectation.id if expectation is not None else
                "The case itself declares this failure expected. ") + text
    if claim and claim.get("erratum"):
        text += " The tutorial is wrong on this point; see the erratum."
    return text


def one_line(p):
    """'what: expected X, observed Y' or the reason, for summaries."""
    f = p.failure or {}
    if f.get("expected") is not None:
        what = f.get("what") or ""
        return "%sexpected %s, observed %s" % (
            what + ": " if what else "", f["expected"], f["observed"])
    return (f.get("message") or p.reason or p.outcome).strip()


def short(p, limit=150):
    """'expected X, observed Y' alone (no 'what'), cut to limit chars."""
    f = p.failure or {}
    if f.get("expected") is not None:
        text = "expected %s, observed %s" % (f["expected"], f["observed"])
    else:
        text = (f.get("message") or p.reason or p.outcome).strip()
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


VERDICT_WORDS = {
    "fails": "fails here",
    "deviates": "known deviation",
    "holds": "holds",
    "stale": "holds (expectation stale)",
    "skipped": "not checked (skipped)",
    "untested": "no case yet",
}


def claim_verdict(points):
    """One verdict for a claim (or a cell) from its points' outcomes."""
    outs = {p.outcome for p in points}
    if not outs:
        return "untested"
    if outs & {"fail", "broken"}:
        return "fails"
    if "xfail" in outs:
        return "deviates"
    if "xpass" in outs:
        return "stale"
    if "pass" in outs:
        return "holds"
    return "skipped"


def count_words(n):
    """'3 passed, 1 failed, ...' from Run.counts()."""
    return ", ".join("%d %s" % (n[k], w) for k, w in (
        ("pass", "passed"), ("fail", "failed"), ("skip", "skipped"),
        ("xfail", "xfail"), ("xpass", "xpass"), ("broken", "broken")))
