"""explain: a claim or a case in words, with its results in given runs."""
import re
import textwrap

from . import i18n
from . import probe as probe_mod
from . import teach
from .errors import UserError


def _cols(text):
    """Terminal columns: a CJK character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(label, width=11):
    return label + " " * max(0, width - _cols(label))


def _wrap(label, text, width=78, lang="en"):
    if text is None:
        return ["%s %s" % (_pad(label), "(none)")]
    if lang == "zh":
        # Chinese has no spaces to break at: break by width (a CJK
        # character takes two columns).
        return _wrap_cjk(label, str(text), width)
    return textwrap.wrap(str(text), width, initial_indent="%-11s " % label,
                         subsequent_indent=" " * 12) or ["%-11s" % label]


# What _wrap_cjk breaks between: a run of characters that are neither CJK
# (two columns, as _cols counts them) nor spaces (a word, an identifier, a
# number), or else one character.
_CHUNK = re.compile("[^\\s\u2e81-\U0010ffff]+|.", re.S)
# Punctuation a line should not start with, and should not end with.
_NO_START = set("，。、；：？！）》」』】…,.;:?!)]}")
_NO_END = set("（《「『【")


def _carried(cur, chunk):
    """How many of the line's last chunks go to the next line with chunk:
    opening punctuation just before it, and when chunk is closing
    punctuation, back to a chunk that may start a line (0: none can go
    and leave the line something)."""
    n, need = len(cur), chunk[0] in _NO_START
    while (n > 2 and not cur[n - 1].isspace() and
           (need or cur[n - 1][-1] in _NO_END)):
        n -= 1
        need = cur[n][0] in _NO_START
    return 0 if need else len(cur) - n


def _wrap_cjk(label, text, width):
    """Lines of at most width columns.  A line may break between any two
    CJK characters or at a space, but not inside a run of other characters
    unless that run alone is longer than a line, nor just before closing
    punctuation or just after opening punctuation when the neighbouring
    chunk can go along to the next line."""
    lines, cur = [], [_pad(label) + " "]

    def cols(chunks):
        return sum(_cols(c) for c in chunks)

    def newline(*chunks):
        lines.append("".join(cur).rstrip())
        cur[:] = [" " * 12] + list(chunks)

    for chunk in _CHUNK.findall(text):
        if chunk.isspace():
            if cols(cur) + 1 > width:
                newline()
            elif not (lines and len(cur) == 1):  # no space to start a line
                cur.append(" ")
            continue
        if cols(cur) + _cols(chunk) <= width:
            cur.append(chunk)
            continue
        k = _carried(cur, chunk)
        if k and 12 + cols(cur[-k:]) + _cols(chunk) <= width:
            moved = cur[-k:]
            del cur[-k:]
            newline(*moved, chunk)
        elif 12 + _cols(chunk) <= width:
            newline(chunk)
        else:  # longer than a line by itself: break it where it must
            for ch in chunk:
                if cols(cur) + _cols(ch) > width:
                    newline()
                cur.append(ch)
    lines.append("".join(cur).rstrip())
    return lines


def _claim_lines(claim, claims, lang="en"):
    lines = ["%s  (%s%s)" % (claim["id"], claim.get("section", "?"),
                             i18n.t("x-beyond", lang)
                             if claim.get("extension") else "")]
    lines += _wrap(i18n.t("x-tutorial", lang), claim.get("words") or
                   i18n.t("x-not-in-tutorial", lang), lang=lang)
    lines += _wrap(i18n.t("x-statement", lang),
                   i18n.claim_text(claim, "statement", lang), lang=lang)
    lines += _wrap(i18n.t("x-erratum", lang),
                   i18n.claim_text(claim, "erratum", lang) or
                   i18n.t("x-no-erratum", lang), lang=lang)
    return lines


def _point_words(p, lang="en"):
    where = i18n.t("on", lang) % p.fs_label if p.fs_type else ""
    words = i18n.t(p.outcome, lang)
    detail = ""
    if p.outcome in ("fail", "broken", "xfail"):
        detail = ": " + teach.one_line(p)
    elif p.outcome == "skip" and p.reason:
        detail = ": " + p.reason
    if p.expectation is not None:
        detail += i18n.t("x-expectation", lang) % (p.expectation.id,
                                                   p.expectation.explanation)
    return "%s%s%s" % (words, where, detail)


def _case_lines(info, runs, labels, claims, lang="en"):
    lines = ["", "case %s:%s  [%s%s]" % (
        info["program"], info["name"], info.get("class") or "?",
        i18n.t("x-per-fs", lang) if info.get("per_fs") else "")]
    cid = "%s:%s" % (info["program"], info["name"])
    descr = i18n.case_text(claims.get(info.get("claim") or ""), cid,
                           info.get("descr"), lang)
    lines += _wrap("  " + i18n.t("x-checks", lang),
                   descr or i18n.t("x-no-descr", lang), lang=lang)
    if info.get("source"):
        lines.append("  %s %s" % (_pad(i18n.t("x-source", lang), 9),
                                  info["source"]))
    for run, label in zip(runs, labels):
        found = [c for c in run.cases if c.id == cid]
        if not found:
            lines.append("  %s: %s" % (label, i18n.t("x-not-run", lang)))
            continue
        for p in found[0].points:
            lines += textwrap.wrap(_point_words(p, lang), 78,
                                   initial_indent="  %s: " % label,
                                   subsequent_indent=" " * 6)
    return lines


def explain(ident, claims, runs, declared, lang="en"):
    """Text for a claim ID, a case name or program:case, in lang."""
    labels = [i18n.t("x-run", lang) % (i + 1, r.label or
                                       probe_mod.label(r.probe))
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
        lines = _claim_lines(claim, claims, lang)
        if runs:
            pts = [p for r in runs for c in r.cases
                   if c.claim == claim["id"] for p in c.points]
            lines.append("%s %s" % (_pad(i18n.t("x-verdict", lang)), i18n.t(
                teach.claim_verdict(pts), lang)))
        lines.append("")
        if not mine and claim.get("measured_by"):
            lines.append(i18n.t("measured", lang) % claim["measured_by"])
        elif not mine:
            lines.append(i18n.t("x-no-case", lang))
        else:
            lines.append(i18n.t("x-n-cases", lang) % len(mine) if lang == "zh"
                         else "%d case%s it:" % (len(mine), " checks" if
                                                 len(mine) == 1 else
                                                 "s check"))
        for info in mine:
            lines += _case_lines(info, runs, labels, claims, lang)
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
            lines += _claim_lines(c, claims, lang)
        elif info.get("claim"):
            lines.append("%s  (not in %s)" % (info["claim"], claims.path))
        lines += _case_lines(info, runs, labels, claims, lang)
        lines.append("")
    return "\n".join(lines)
