"""The short human summary ci/run-suite ends with."""
import re

from . import i18n
from . import probe as probe_mod
from . import teach


def first_sentence(text, limit=110):
    """Up to the first '. ' before a capital letter, at most limit chars."""
    text = " ".join((text or "").split())
    m = re.search(r"\.\s+(?=[A-Z])", text)
    if m:
        text = text[:m.start() + 1]
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def first_sentence_zh(text, limit=80):
    """Up to the first '。' (or '：'), at most limit chars."""
    text = " ".join((text or "").split())
    i = text.find("。")
    if i >= 0:
        text = text[:i + 1]
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def write(run, claims, outputs=None, lang="en", demo=None):
    """The summary, in English (what CI logs show) or Chinese (lang "zh").
    A demonstration (demo: fault name, what it breaks) says so on its
    second line."""
    n = run.counts()
    red = n["fail"] + n["broken"] + n["xpass"]
    lines = [i18n.t("sum-head", lang) % (n["pass"], red, n["skip"]),
             i18n.t("sum-line2", lang) % (
                 n["xfail"], n["xpass"], n["broken"], sum(n.values()),
                 len(run.cases), (", %.1f s" if lang != "zh" else
                                  "，%.1f 秒") % run.seconds
                 if run.seconds else "", probe_mod.short(run.probe))]
    if demo:
        lines.insert(1, i18n.t("sum-demo", lang) % demo[0])
    for p in run.points():
        if p.outcome not in ("fail", "broken", "xpass"):
            continue
        tag = {"fail": "FAIL ", "broken": "BROKEN", "xpass": "XPASS"}[
            p.outcome]
        if p.outcome == "xpass":
            lines.append("%s %s: %s" % (tag, p.id, i18n.t("sum-xpass", lang)
                                        % p.expectation.id))
            continue
        lines.append("%s %s: %s" % (tag, p.id, teach.one_line(p)))
        c = p.case
        claim = claims.get(c.claim) if c.claim else None
        if claim is not None:
            cut = first_sentence_zh if lang == "zh" else first_sentence
            lines.append("       %s: %s [%s]: %s%s" % (
                i18n.t("sum-lesson", lang), c.claim, c.cls or "?",
                cut(i18n.claim_text(claim, "statement", lang)),
                i18n.t("sum-erratum", lang) if claim.get("erratum") else ""))
    if outputs:
        lines.append("%s: %s" % (i18n.t("sum-reports", lang),
                                 " ".join(outputs)))
    return "\n".join(lines) + "\n"
