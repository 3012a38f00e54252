"""The teaching report: one self-contained HTML file (no network, no
JavaScript) that a learner reads claim by claim, in English or Chinese
(switched in place by two radio buttons and CSS), on a phone or a desktop,
with the code of every case beside its result."""
import os
from html import escape

from . import i18n
from . import probe as probe_mod
from . import teach

CSS = """
:root { --pass:#1a7f37; --fail:#c62828; --xfail:#9a6700; --xpass:#8250df;
  --skip:#6e7781; --broken:#7f1d1d; --line:#d0d7de; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans",
  "Noto Sans CJK SC", sans-serif; color:#1f2328; margin:0; }
main, header, footer { max-width: 70rem; margin: 0 auto; padding: 0 1.2rem; }
header { padding-top: 1.2rem; }
h1 { font-size: 1.7rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--line);
  padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.15rem; margin: 0 0 .5rem; }
a { color: #0550ae; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: .9em; }
pre { background: var(--soft); padding: .6rem; overflow-x: auto;
  white-space: pre-wrap; word-break: break-word; }
.lead { font-size: 1.05rem; color: #424a53; margin: .2rem 0 .8rem; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: .6rem 0; }
.count { border: 1px solid var(--line); border-radius: .4rem;
  padding: .3rem .7rem; min-width: 6.5rem; }
.count b { display: block; font-size: 1.5rem; }
.badge { display: inline-block; border-radius: 1rem; padding: 0 .6rem;
  font-size: .85rem; font-weight: 600; color: #fff; white-space: nowrap; }
.v-pass, .v-holds { background: var(--pass); }
.v-fail, .v-fails { background: var(--fail); }
.v-xfail, .v-deviates { background: var(--xfail); }
.v-xpass, .v-stale { background: var(--xpass); }
.v-skip, .v-skipped, .v-untested { background: var(--skip); }
.v-broken { background: var(--broken); }
.tag { display: inline-block; border: 1px solid var(--line);
  border-radius: .3rem; padding: 0 .35rem; font-size: .8rem; color:#424a53; }
.overall { font-size: 1.1rem; font-weight: 600; }
nav ul { columns: 3 15rem; padding-left: 1.1rem; margin: .3rem 0; }
nav li { break-inside: avoid; }
article.claim { border: 1px solid var(--line); border-radius: .5rem;
  padding: .9rem 1rem; margin: 1rem 0; }
article.claim.fails { border-left: 6px solid var(--fail); }
article.claim.deviates { border-left: 6px solid var(--xfail); }
article.claim.holds { border-left: 6px solid var(--pass); }
.sayings { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
@media (max-width: 50rem) { .sayings { grid-template-columns: 1fr; } }
.saying { background: var(--soft); border-radius: .4rem; padding: .5rem .7rem; }
.saying h4, .lesson h4 { margin: 0 0 .2rem; font-size: .8rem;
  text-transform: uppercase; letter-spacing: .04em; color: #57606a; }
.saying p { margin: 0; }
.words { font-size: 1.05rem; }
.erratum { border: 2px solid var(--xfail); background: #fff8c5;
  border-radius: .4rem; padding: .5rem .7rem; margin-top: .7rem; }
.erratum strong { color: #7d4e00; }
table { border-collapse: collapse; width: 100%; margin-top: .7rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .4rem;
  text-align: left; vertical-align: top; }
th { background: var(--soft); font-size: .85rem; }
td.case, .cid { font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: .85rem; overflow-wrap: anywhere; }
td.case { width: 28%; }
.points div { margin: .1rem 0; }
.why-skip { color: #57606a; font-size: .85rem; }
.lesson { border: 2px solid var(--fail); border-radius: .5rem;
  padding: .7rem .9rem; margin: .8rem 0; background: #fff; }
.lesson.xfail { border-color: var(--xfail); }
.lesson.broken { border-color: var(--broken); }
.lesson .title { font-weight: 600; margin-bottom: .4rem; }
.eo { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem;
  margin: .4rem 0; }
.eo div { border-radius: .4rem; padding: .4rem .6rem; }
.eo .exp { background: #dafbe1; } .eo .obs { background: #ffebe9; }
.eo p { margin: 0; font-weight: 600; word-break: break-word; }
dl.env { display: grid; grid-template-columns: max-content 1fr;
  gap: .2rem 1rem; }
dl.env dt { font-weight: 600; } dl.env dd { margin: 0; word-break: break-word; }
.legend dt { font-weight: 600; margin-top: .4rem; }
.legend dd { margin-left: 1.2rem; }
footer { color: #57606a; font-size: .85rem; padding: 2rem 1.2rem; }
h1, h3, .lesson .title, dd, td, li, p { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
/* The language switch: two radio buttons before the page, no script. */
input.langsel { position: absolute; opacity: 0; pointer-events: none; }
.langbar { float: right; margin-top: .4rem; font-size: .9rem; }
.langbar label { border: 1px solid var(--line); border-radius: .3rem;
  padding: .1rem .5rem; cursor: pointer; }
#lang-en:checked ~ .page .t:lang(zh), #lang-zh:checked ~ .page .t:lang(en)
  { display: none; }
#lang-en:checked ~ .page label[for=lang-en],
#lang-zh:checked ~ .page label[for=lang-zh] { background: var(--soft);
  font-weight: 600; }
.demo { border: 3px dashed var(--xpass); background: #fbefff;
  border-radius: .5rem; padding: .6rem .9rem; margin: .8rem 0;
  font-weight: 600; }
pre.src { white-space: pre; overflow-x: auto; font-size: .8rem;
  line-height: 1.35; }
pre.src .hit { background: #ffebe9; display: inline-block; min-width: 100%;
  font-weight: 700; }
/* A phone: tables become cards, one cell a line. */
@media (max-width: 40rem) {
  main, header, footer { padding: 0 .6rem; }
  .eo { grid-template-columns: 1fr; }
  .eo .obs[style] { grid-column: auto !important; }
  table.cards, table.cards tbody, table.cards tr, table.cards td
    { display: block; width: auto; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid var(--line); border-radius: .4rem;
    margin: .5rem 0; padding: .3rem .5rem; }
  table.cards td { border: 0; padding: .15rem 0; }
  td.case { width: auto; }
  dl.env { grid-template-columns: 1fr; }
  dl.env dd { margin-bottom: .4rem; }
}
@media print { details { display: none; } article.claim { break-inside: avoid; } }
"""

def e(text):
    return escape(str(text if text is not None else ""))


def T(key, *args):
    """The report's text for key in both languages, switched by CSS."""
    return B(i18n.t(key, "en") % args if args else i18n.t(key, "en"),
             i18n.t(key, "zh") % args if args else i18n.t(key, "zh"))


def B(en, zh):
    """Two texts (already plain text) as spans the language switch shows
    one of; one span when both are the same."""
    if zh is None or zh == en:
        return e(en)
    return ('<span class="t" lang="en">%s</span><span class="t" '
            'lang="zh-Hans">%s</span>' % (e(en), e(zh)))


def cid(text):
    """A case or point name that breaks at its underscores, colons and
    slashes on a narrow screen, never inside a word."""
    out = e(text)
    for ch in ("_", ":", "/"):
        out = out.replace(ch, ch + "<wbr>")
    return out


def badge(kind, words=None):
    if words is not None:
        inner = e(words)
    elif kind in i18n.TEXT:
        inner = T(kind)
    else:
        inner = e(kind)
    return '<span class="badge v-%s">%s</span>' % (kind, inner)


def anchor(text):
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def _claim_of(claims, c):
    return claims.get(c.claim) if c.claim else None


def _descr(claims, c):
    claim = _claim_of(claims, c)
    return B(c.descr, i18n.case_text(claim, c.id, c.descr, "zh"))


def fail_location(p):
    """(file, line) of the check that failed: from the harness's check
    record, else from the lesson block's "check FILE:LINE"."""
    f = p.failure or {}
    if f.get("file") and f.get("line"):
        try:
            return os.path.basename(str(f["file"])), int(f["line"])
        except (TypeError, ValueError):
            pass
    check = (p.lesson or {}).get("check") or ""
    name, _, line = check.rpartition(":")
    if name and line.isdigit():
        return os.path.basename(name), int(line)
    return None


def _source(p, src):
    """The case's body with the failing line marked; if the check that
    failed is in a helper outside the body, that part of the file too."""
    if src is None:
        return ""
    body = src.body(p.case.program, p.case.name)
    if body is None:
        return ""
    loc = fail_location(p) if p.outcome in ("fail", "xfail", "broken") \
        else None
    hit = loc[1] if loc and loc[0] == body["file"] else None
    out = ['<details class="source"%s><summary>%s <span class="mono">%s:%d'
           '</span></summary>' % (" open" if hit else "", T("source"),
                                  e(body["file"]), body["start"])]
    out.append(_numbered(body["lines"], body["start"], hit))
    if hit is not None and not body["start"] <= hit < body["start"] + len(
            body["lines"]):
        lines = src.lines(body["file"])
        lo = max(1, hit - 8)
        out.append("<p>%s <span class=\"mono\">%s:%d</span></p>" % (
            T("source-helper"), e(body["file"]), hit))
        out.append(_numbered(lines[lo - 1:hit + 3], lo, hit))
    out.append("</details>")
    return "\n".join(out)


def _numbered(lines, first, hit):
    rows = []
    for i, text in enumerate(lines):
        n = first + i
        row = "%4d  %s" % (n, e(text))
        if n == hit:
            row = '<span class="hit" title="%s">%s</span>' % (
                e(i18n.t("failing-line")), row)
        rows.append(row)
    return '<pre class="src">%s</pre>' % "\n".join(rows)


def _lesson(p, claims, src=None, with_claim=True):
    c = p.case
    claim = _claim_of(claims, c)
    f = p.failure or {}
    kind = p.outcome if p.outcome in ("xfail", "broken") else "fail"
    where = T("on", p.fs_label) if p.fs_type else ""
    out = ['<div class="lesson %s" id="lesson-%s">' % (kind, anchor(p.id)),
           '<div class="title">%s <span class="cid">%s</span>%s</div>'
           % (badge(p.outcome), cid(c.id), where)]
    if c.descr:
        out.append("<p><b>%s</b> %s</p>" % (T("checks-label"),
                                            _descr(claims, c)))
    if f.get("expected") is not None:
        what = f.get("what") or f.get("check") or ""
        if what:
            out.append('<p><b>%s</b> <code>%s</code></p>'
                       % (T("looked-at"), e(what)))
        out.append('<div class="eo"><div class="exp"><h4>%s</h4>'
                   '<p>%s</p></div><div class="obs"><h4>%s</h4>'
                   '<p>%s</p></div></div>' % (
                       T("expected"), e(f["expected"]), T("observed-h"),
                       e(f["observed"])))
    else:
        out.append('<div class="eo"><div class="obs" style="grid-column:'
                   '1 / 3"><h4>%s</h4><p>%s</p></div></div>' % (
                       T("observed-h"), e(f.get("message") or p.reason) or
                       T("no-reason")))
    out.append("<p><b>%s</b> %s</p>" % (T("why-matters"), B(
        teach.why(claim, c.cls, p.outcome, p.expectation, "en"),
        teach.why(claim, c.cls, p.outcome, p.expectation, "zh"))))
    if p.expectation is not None:
        x = p.expectation
        out.append("<p><b>%s</b> <span class=\"mono\">%s</span>"
                   " (%s): %s %s %s</p>" % (
                       T("known-deviation"), e(x.id), e(x.summary()),
                       e(x.explanation), T("reference"), _link(x.reference)))
    if with_claim and claim is not None:
        out.append('<p><b>%s</b> <a href="#claim-%s">%s</a>: %s</p>' % (
            T("claim-label"), anchor(c.claim), e(c.claim),
            B(claim.get("statement"), i18n.claim_text(claim, "statement",
                                                      "zh"))))
    if p.lesson:
        if p.lesson.get("check"):
            out.append("<p><b>%s</b> <code>%s</code></p>"
                       % (T("check-label"), e(p.lesson["check"])))
        if p.lesson.get("context"):
            out.append("<p><b>%s</b></p><pre>%s</pre>"
                       % (T("context"), e("\n".join(p.lesson["context"]))))
    out.append(_source(p, src))
    if c.human_stderr.strip():
        out.append("<details><summary>%s</summary><pre>%s</pre></details>"
                   % (T("stderr"), e(c.human_stderr[-16384:])))
    out.append("</div>")
    return "\n".join(out)


def _link(ref):
    if ref.startswith(("http://", "https://")):
        return '<a href="%s">%s</a>' % (e(ref), e(ref))
    return e(ref)


def _points_cell(c):
    out = ['<td class="points">']
    for p in c.points:
        label = " %s" % e(p.fs_label) if p.fs_type else ""
        extra = ""
        if p.outcome == "skip" and p.reason:
            extra = ' <span class="why-skip">%s</span>' % e(p.reason)
        elif p.outcome in ("fail", "broken", "xfail"):
            extra = ' <a href="#lesson-%s">%s</a>' % (anchor(p.id), T("why"))
        elif p.outcome == "xpass":
            extra = ' <span class="why-skip">%s</span>' % T(
                "skip-stale", p.expectation.id)
        out.append("<div>%s<span class=\"mono\">%s</span>%s</div>"
                   % (badge(p.outcome), label, extra))
    out.append("</td>")
    return "".join(out)


def _cases_table(cases, claims, src=None):
    out = ['<table class="cards"><thead><tr><th>%s</th><th>%s</th>'
           '<th>%s</th><th>%s</th></tr></thead><tbody>' % (
               T("col-case"), T("col-checks"), T("col-class"),
               T("col-result"))]
    for c in cases:
        failing = any(p.outcome in ("fail", "broken", "xfail")
                      for p in c.points)
        code = "" if failing or src is None else _source(c.points[0], src)
        out.append('<tr id="case-%s"><td class="case">%s</td><td>%s%s</td>'
                   '<td>%s</td>%s</tr>' % (
                       anchor(c.id), cid(c.id), _descr(claims, c), code,
                       T(c.cls) if c.cls in i18n.TEXT else e(c.cls or "?"),
                       _points_cell(c)))
    out.append("</tbody></table>")
    return "\n".join(out)


def _claim_article(claim, cases, claims, src=None):
    pts = [p for c in cases for p in c.points]
    v = teach.claim_verdict(pts)
    ident = claim["id"]
    classes = sorted({c.cls for c in cases if c.cls})
    tags = "".join(' <span class="tag">%s</span>' % T(k) for k in classes)
    if claim.get("extension"):
        tags += ' <span class="tag">%s</span>' % T("beyond")
    n_ok = sum(1 for p in pts if p.outcome in ("pass", "xpass"))
    out = ['<article class="claim %s" id="claim-%s">' % (v, anchor(ident)),
           '<h3>%s %s%s</h3>' % (e(ident), badge(v), tags)]
    if pts:
        out.append('<p class="lead">%s</p>' % B(
            "%d case%s, %d of %d checks passed." % (
                len(cases), "" if len(cases) == 1 else "s", n_ok, len(pts)),
            i18n.t("n-cases", "zh") % (len(cases), n_ok, len(pts))))
    words = claim.get("words")
    out.append('<div class="sayings"><div class="saying"><h4>%s</h4>%s</div>'
               '<div class="saying"><h4>%s</h4><p>%s</p></div></div>' % (
                   T("tutorial-says"),
                   '<p class="words" lang="zh-CN">%s</p>' % e(words)
                   if words else "<p><i>%s</i></p>" % T("not-in-tutorial"),
                   T("precisely"),
                   B(claim.get("statement"),
                     i18n.claim_text(claim, "statement", "zh"))))
    if claim.get("erratum"):
        out.append('<div class="erratum"><strong>%s</strong> %s</div>' % (
            T("erratum"), B(claim["erratum"],
                            i18n.claim_text(claim, "erratum", "zh"))))
    if cases:
        out.append(_cases_table(cases, claims, src))
        for p in pts:
            if p.outcome in ("fail", "broken", "xfail"):
                out.append(_lesson(p, claims, src, with_claim=False))
    elif claim.get("measured_by"):
        out.append("<p><i>%s</i></p>" % T("measured", claim["measured_by"]))
    else:
        out.append("<p><i>%s</i></p>" % T("no-case"))
    out.append("</article>")
    return "\n".join(out)


LEGEND = [("pass", "lg-pass"), ("fail", "lg-fail"), ("xfail", "lg-xfail"),
          ("xpass", "lg-xpass"), ("skip", "lg-skip"),
          ("broken", "lg-broken"), ("lg-class-k", "lg-class")]


def write(run, claims, expectations=None, title="shmconform", src=None,
          lang="en", demo=None):
    """The report; lang is the language shown first, demo (fault name,
    what it breaks) marks a demonstration run."""
    env = probe_mod.label(run.probe)
    n = run.counts()
    by_claim = {}
    for c in run.cases:
        by_claim.setdefault(c.claim, []).append(c)
    known = [ident for ident in claims.order]
    verdicts = {ident: teach.claim_verdict(
        [p for c in by_claim.get(ident, []) for p in c.points])
        for ident in known}
    vcount = {}
    for v in verdicts.values():
        vcount[v] = vcount.get(v, 0) + 1
    rank = {"fail": 0, "broken": 1, "xfail": 2}
    failing = sorted((p for p in run.points() if p.outcome in rank),
                     key=lambda p: rank[p.outcome])
    checked = ' checked' if lang != "zh" else ''
    out = ['<!DOCTYPE html>', '<html lang="%s">' % i18n.HTML_LANG[lang],
           '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, '
           'initial-scale=1">',
           '<title>%s%s report: %s</title>' % (
               "DEMONSTRATION " if demo else "", e(title), e(env)),
           '<style>%s</style>' % CSS, '</head>', '<body>',
           '<input type="radio" name="lang" id="lang-en" class="langsel"%s>'
           % checked,
           '<input type="radio" name="lang" id="lang-zh" class="langsel"%s>'
           % ("" if checked else " checked"),
           '<div class="page">', '<header>',
           '<div class="langbar">%s: <label for="lang-en" lang="en">English'
           '</label> <label for="lang-zh" lang="zh-Hans">中文</label></div>'
           % T("lang-switch"),
           '<h1>%s</h1>' % T("title", env)]
    if demo:
        out.append('<p class="demo" id="demonstration">%s</p>' % T(
            "demo-banner", demo[0], demo[1]))
    out += ['<p class="lead">%s</p>' % T("lead"),
            '<p class="lead">%s</p>' % B(
                i18n.t("run-line", "en") % (
                    run.started or i18n.t("unknown-time", "en"),
                    len(run.cases), sum(n.values()),
                    ", %.1f s" % run.seconds if run.seconds else "",
                    run.producer or "?"),
                i18n.t("run-line", "zh") % (
                    run.started or i18n.t("unknown-time", "zh"),
                    len(run.cases), sum(n.values()),
                    "，%.1f 秒" % run.seconds if run.seconds else "",
                    run.producer or "?")),
            '<div class="counts">']
    for k in ("pass", "fail", "skip", "xfail", "xpass", "broken"):
        out.append('<div class="count">%s<b>%d</b></div>' % (badge(k), n[k]))
    out.append("</div>")
    red = n["fail"] + n["broken"]
    counts = (len(known), vcount.get("holds", 0) + vcount.get("stale", 0),
              vcount.get("fails", 0), vcount.get("deviates", 0),
              vcount.get("skipped", 0), vcount.get("untested", 0))
    out.append('<p class="overall">%s %s</p>' % (
        T("overall", *counts),
        T("nothing-red") if not red else B(
            "%d check%s failed unexpectedly: see below." % (
                red, "" if red == 1 else "s"),
            i18n.t("some-red", "zh") % red)))
    out.append("</header><main>")
    out.append('<nav><h2>%s</h2><ul>' % T("claims"))
    for ident in known:
        out.append('<li><a href="#claim-%s">%s</a> %s</li>' % (
            anchor(ident), e(ident), badge(verdicts[ident])))
    out.append('</ul><p><a href="#failures">%s</a> · <a href="#environment">'
               '%s</a> · <a href="#legend">%s</a></p></nav>' % (
                   T("nav-failures"), T("nav-environment"),
                   T("nav-legend")))

    out.append('<section id="failures"><h2>%s</h2>' % T("failures-h"))
    if failing:
        out.append("<p>%s</p>" % T("failures-p"))
        out.append('<table class="cards"><thead><tr><th>%s</th><th>%s</th>'
                   '<th>%s</th><th>%s</th></tr></thead><tbody>' % (
                       T("col-result"), T("col-case"), T("col-eo"),
                       T("col-claim")))
        for p in failing:
            c = p.case
            out.append('<tr><td>%s</td><td class="case">%s%s</td><td>%s '
                       '<a href="#lesson-%s">%s</a></td><td>%s</td></tr>'
                       % (badge(p.outcome), cid(c.id),
                          T("on", p.fs_label) if p.fs_type else "",
                          e(teach.short(p)), anchor(p.id), T("lesson"),
                          '<a href="#claim-%s">%s</a>' % (
                              anchor(c.claim), e(c.claim))
                          if c.claim in claims.by_id else e(c.claim or "")))
        out.append("</tbody></table>")
    else:
        out.append("<p>%s</p>" % T("nothing-failed"))
    out.append("</section>")

    for sec, members in claims.sections():
        if demo:  # a demonstration shows the claims it ran, no others
            members = [c for c in members if by_claim.get(c["id"])]
            if not members:
                continue
        out.append('<section><h2>%s</h2>' % _section_title(sec))
        for claim in members:
            out.append(_claim_article(claim, by_claim.get(claim["id"], []),
                                      claims, src))
        out.append("</section>")
    other = [c for ident, cs in sorted(by_claim.items(), key=lambda x:
                                       str(x[0]))
             if ident not in claims.by_id for c in cs]
    if other:
        out.append('<section id="other"><h2>%s</h2>' % T("other-cases"))
        out.append(_cases_table(other, claims, src))
        for c in other:
            for p in c.points:
                if p.outcome in ("fail", "broken", "xfail"):
                    out.append(_lesson(p, claims, src))
        out.append("</section>")

    used = expectations.used([run]) if expectations else []
    out.append('<section id="expectations"><h2>%s</h2>' % T("exp-h"))
    if used:
        out.append("<p>%s</p><ul>" % T("exp-p", expectations.path))
        for x in used:
            hits = [p.outcome for p in run.points() if p.expectation is x]
            if not {"xfail", "xpass"} & set(hits):
                continue
            n_x, n_p = hits.count("xfail"), hits.count("xpass")
            seen = "%s %d" % (badge("xfail"), n_x)
            if n_p:
                seen += ", %s %d: %s" % (badge("xpass"), n_p,
                                         T("exp-stale"))
            out.append("<li><span class=\"mono\">%s</span> (%s): %s "
                       "%s %s%s<br>%s</li>" % (
                           e(x.id), e(x.summary()), e(x.explanation),
                           T("reference"), _link(x.reference),
                           " %s %s" % (T("evidence"), e(x.evidence))
                           if x.evidence else "", seen))
        out.append("</ul>")
    else:
        out.append("<p>%s</p>" % T("exp-none"))
    out.append("</section>")

    out.append('<section id="environment"><h2>%s</h2><dl class="env">'
               % T("env-h"))
    for k, v in probe_mod.describe(run.probe):
        out.append("<dt>%s</dt><dd>%s</dd>" % (e(k), e(v)))
    out.append("</dl></section>")
    out.append('<section id="legend" class="legend"><h2>%s</h2><dl>'
               % T("legend-h"))
    for k, v in LEGEND:
        out.append("<dt>%s</dt><dd>%s</dd>" % (T(k), T(v)))
    out.append("</dl></section></main>")
    out.append("<footer>shmconform · results: %s · %s</footer>" % (
        e(os.path.basename(run.source or "")), e(teach.count_words(n))))
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def _section_title(sec):
    key = "sec-" + str(sec)
    return T(key) if key in i18n.TEXT else e(sec)
