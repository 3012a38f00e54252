"""The words every report uses to teach: why a failure matters, a one-line
lesson, verdicts of a claim across its cases."""

from . import i18n


def why(claim, cls, outcome="fail", expectation=None, lang="en"):
    """Why a failure of this class matters, in words for a learner."""
    if outcome == "broken":
        return i18n.t("why-broken", lang)
    key = "why-" + cls if cls in ("POSIX", "Linux", "observed") else \
        "why-other"
    text = i18n.t(key, lang)
    if outcome == "xfail":
        text = (i18n.t("why-xfail-known", lang) % expectation.id
                if expectation is not None else
                i18n.t("why-xfail-declared", lang)) + text
    if claim and claim.get("erratum"):
        text += i18n.t("why-erratum", lang)
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


VERDICT_WORDS = {k: i18n.t(k) for k in (
    "fails", "deviates", "holds", "stale", "skipped", "untested")}


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
