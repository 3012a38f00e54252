"""The teaching report: one self-contained HTML file (no network, no
JavaScript) that a learner reads claim by claim."""
import os
from html import escape

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
td.case { font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: .85rem; word-break: break-all; width: 28%; }
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
@media print { details { display: none; } article.claim { break-inside: avoid; } }
"""

OUTCOME_WORDS = {"pass": "pass", "fail": "FAIL", "skip": "skip",
                 "xfail": "expected failure", "xpass": "unexpected pass",
                 "broken": "BROKEN"}


def e(text):
    return escape(str(text if text is not None else ""))


def badge(kind, words=None):
    return '<span class="badge v-%s">%s</span>' % (
        kind, e(words or OUTCOME_WORDS.get(kind) or
                teach.VERDICT_WORDS.get(kind, kind)))


def anchor(text):
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def _lesson(p, claims, with_claim=True):
    c = p.case
    claim = claims.get(c.claim) if c.claim else None
    f = p.failure or {}
    kind = p.outcome if p.outcome in ("xfail", "broken") else "fail"
    where = " on %s" % p.fs_label if p.fs_type else ""
    out = ['<div class="lesson %s" id="lesson-%s">' % (kind, anchor(p.id)),
           '<div class="title">%s <span class="mono">%s</span>%s</div>'
           % (badge(p.outcome), e(c.id), e(where))]
    if c.descr:
        out.append("<p><b>What the case checks:</b> %s</p>" % e(c.descr))
    if f.get("expected") is not None:
        what = f.get("what") or ""
        if what:
            out.append('<p><b>Looked at:</b> <code>%s</code></p>' % e(what))
        out.append('<div class="eo"><div class="exp"><h4>Expected</h4>'
                   '<p>%s</p></div><div class="obs"><h4>Observed</h4>'
                   '<p>%s</p></div></div>' % (e(f["expected"]),
                                              e(f["observed"])))
    else:
        out.append('<div class="eo"><div class="obs" style="grid-column:'
                   '1 / 3"><h4>Observed</h4><p>%s</p></div></div>'
                   % e(f.get("message") or p.reason or "no reason given"))
    out.append("<p><b>Why it matters:</b> %s</p>" % e(
        teach.why(claim, c.cls, p.outcome, p.expectation)))
    if p.expectation is not None:
        x = p.expectation
        out.append("<p><b>Known deviation</b> <span class=\"mono\">%s</span>"
                   " (%s): %s Reference: %s</p>" % (
                       e(x.id), e(x.summary()), e(x.explanation),
                       _link(x.reference)))
    if with_claim and claim is not None:
        out.append('<p><b>Claim</b> <a href="#claim-%s">%s</a>: %s</p>'
                   % (anchor(c.claim), e(c.claim), e(claim.get("statement"))))
    if p.lesson:
        if p.lesson.get("check"):
            out.append("<p><b>Check:</b> <code>%s</code></p>"
                       % e(p.lesson["check"]))
        if p.lesson.get("context"):
            out.append("<p><b>Context:</b></p><pre>%s</pre>"
                       % e("\n".join(p.lesson["context"])))
    if c.human_stderr.strip():
        out.append("<details><summary>The case's full output "
                   "(stderr)</summary><pre>%s</pre></details>"
                   % e(c.human_stderr[-16384:]))
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
            extra = ' <a href="#lesson-%s">why</a>' % anchor(p.id)
        elif p.outcome == "xpass":
            extra = ' <span class="why-skip">expectation %s did not ' \
                    'happen: stale?</span>' % e(p.expectation.id)
        out.append("<div>%s<span class=\"mono\">%s</span>%s</div>"
                   % (badge(p.outcome), label, extra))
    out.append("</td>")
    return "".join(out)


def _cases_table(cases):
    out = ['<table><thead><tr><th>Case</th><th>What it checks</th>'
           '<th>Class</th><th>Result</th></tr></thead><tbody>']
    for c in cases:
        out.append('<tr id="case-%s"><td class="case">%s</td><td>%s</td>'
                   '<td>%s</td>%s</tr>' % (
                       anchor(c.id), e(c.id), e(c.descr), e(c.cls or "?"),
                       _points_cell(c)))
    out.append("</tbody></table>")
    return "\n".join(out)


def _claim_article(claim, cases, claims):
    pts = [p for c in cases for p in c.points]
    v = teach.claim_verdict(pts)
    cid = claim["id"]
    classes = sorted({c.cls for c in cases if c.cls})
    tags = "".join(' <span class="tag">%s</span>' % e(k) for k in classes)
    if claim.get("extension"):
        tags += ' <span class="tag">beyond the tutorial</span>'
    n_ok = sum(1 for p in pts if p.outcome in ("pass", "xpass"))
    out = ['<article class="claim %s" id="claim-%s">' % (v, anchor(cid)),
           '<h3>%s %s%s</h3>' % (e(cid), badge(v), tags)]
    if pts:
        out.append('<p class="lead">%d case%s, %d of %d checks passed.</p>'
                   % (len(cases), "" if len(cases) == 1 else "s", n_ok,
                      len(pts)))
    words = claim.get("words")
    out.append('<div class="sayings"><div class="saying"><h4>The tutorial '
               'says</h4>%s</div><div class="saying"><h4>Precisely</h4>'
               '<p>%s</p></div></div>' % (
                   '<p class="words" lang="zh-CN">%s</p>' % e(words)
                   if words else "<p><i>Not in the tutorial: the suite "
                   "adds this claim.</i></p>", e(claim.get("statement"))))
    if claim.get("erratum"):
        out.append('<div class="erratum"><strong>Erratum: the tutorial is '
                   'wrong here.</strong> %s</div>' % e(claim["erratum"]))
    if cases:
        out.append(_cases_table(cases))
        for p in pts:
            if p.outcome in ("fail", "broken", "xfail"):
                out.append(_lesson(p, claims, with_claim=False))
    elif claim.get("measured_by"):
        out.append("<p><i>Measured, not tested: %s.</i></p>"
                   % e(claim["measured_by"]))
    else:
        out.append("<p><i>No case checks this claim yet.</i></p>")
    out.append("</article>")
    return "\n".join(out)


LEGEND = [
    ("pass", "the system behaves as the precise statement says."),
    ("FAIL", "it does not: the lesson under the claim says what was "
     "expected, what was observed and why it matters."),
    ("expected failure", "a failure this environment is known for (an "
     "entry of the deviations registry, with its explanation and "
     "reference), or one the case itself declares; not counted as red."),
    ("unexpected pass", "a known deviation that did not happen: the "
     "system was fixed or the registry entry is stale; red, as in ATF."),
    ("skip", "the environment cannot run the check (the reason says why); "
     "nothing was verified."),
    ("BROKEN", "the case could not finish (crash, timeout): nothing was "
     "verified."),
    ("POSIX / Linux / observed", "the class of a case: required by POSIX, "
     "documented Linux behaviour, or what Linux does where POSIX leaves it "
     "open."),
]


def write(run, claims, expectations=None, title="shmconform"):
    env = probe_mod.label(run.probe)
    n = run.counts()
    by_claim = {}
    for c in run.cases:
        by_claim.setdefault(c.claim, []).append(c)
    known = [cid for cid in claims.order]
    verdicts = {cid: teach.claim_verdict(
        [p for c in by_claim.get(cid, []) for p in c.points]) for cid in known}
    vcount = {}
    for v in verdicts.values():
        vcount[v] = vcount.get(v, 0) + 1
    rank = {"fail": 0, "broken": 1, "xfail": 2}
    failing = sorted((p for p in run.points() if p.outcome in rank),
                     key=lambda p: rank[p.outcome])
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>',
           '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, '
           'initial-scale=1">',
           '<title>%s report: %s</title>' % (e(title), e(env)),
           '<style>%s</style>' % CSS, '</head>', '<body>', '<header>',
           '<h1>Shared memory on %s: what the tutorial gets right</h1>'
           % e(env),
           '<p class="lead">Each claim of the tutorial (Linux系统编程 day04: '
           '共享内存) was checked on this system by small test cases. For '
           'each claim: the tutorial\'s words, the precise statement, where '
           'the tutorial is wrong (errata), and what every case observed.'
           '</p>',
           '<p class="lead">Run started %s; %d cases, %d checks%s; results '
           'by %s.</p>' % (
               e(run.started or "at an unknown time"), len(run.cases),
               sum(n.values()), ", %.1f s" % run.seconds
               if run.seconds else "", e(run.producer or "?")),
           '<div class="counts">']
    for k in ("pass", "fail", "skip", "xfail", "xpass", "broken"):
        out.append('<div class="count">%s<b>%d</b></div>' % (badge(k), n[k]))
    out.append("</div>")
    red = n["fail"] + n["broken"]
    out.append('<p class="overall">%s</p>' % e(
        "Of %d claims: %d hold here, %d fail, %d deviate as expected, "
        "%d only skipped, %d have no case yet. %s" % (
            len(known), vcount.get("holds", 0) + vcount.get("stale", 0),
            vcount.get("fails", 0), vcount.get("deviates", 0),
            vcount.get("skipped", 0), vcount.get("untested", 0),
            "Nothing failed unexpectedly." if not red else
            "%d check%s failed unexpectedly: see below." % (
                red, "" if red == 1 else "s"))))
    out.append("</header><main>")
    out.append('<nav><h2>Claims</h2><ul>')
    for cid in known:
        out.append('<li><a href="#claim-%s">%s</a> %s</li>' % (
            anchor(cid), e(cid), badge(verdicts[cid])))
    out.append('</ul><p><a href="#failures">Failures and their lessons</a> '
               '· <a href="#environment">Environment</a> · '
               '<a href="#legend">How to read this report</a></p></nav>')

    out.append('<section id="failures"><h2>What failed, and what it '
               'teaches</h2>')
    if failing:
        out.append("<p>Every failure, expected or not, in one line; follow "
                   "<i>lesson</i> for what was expected, what was observed "
                   "and why it matters.</p>")
        out.append('<table><thead><tr><th>Result</th><th>Case</th>'
                   '<th>Expected / observed</th><th>Claim</th></tr></thead>'
                   '<tbody>')
        for p in failing:
            c = p.case
            out.append('<tr><td>%s</td><td class="case">%s%s</td><td>%s '
                       '<a href="#lesson-%s">lesson</a></td><td>%s</td></tr>'
                       % (badge(p.outcome), e(c.id),
                          e(" on " + p.fs_label) if p.fs_type else "",
                          e(teach.short(p)), anchor(p.id),
                          '<a href="#claim-%s">%s</a>' % (
                              anchor(c.claim), e(c.claim))
                          if c.claim in claims.by_id else e(c.claim or "")))
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing failed: every check passed or was "
                   "skipped with a reason.</p>")
    out.append("</section>")

    for sec, members in claims.sections():
        out.append('<section><h2>%s</h2>' % e(_section_title(sec)))
        for claim in members:
            out.append(_claim_article(claim, by_claim.get(claim["id"], []),
                                      claims))
        out.append("</section>")
    other = [c for cid, cs in sorted(by_claim.items(), key=lambda x:
                                     str(x[0]))
             if cid not in claims.by_id for c in cs]
    if other:
        out.append('<section id="other"><h2>Cases outside the claims '
                   'registry</h2>')
        out.append(_cases_table(other))
        for c in other:
            for p in c.points:
                if p.outcome in ("fail", "broken", "xfail"):
                    out.append(_lesson(p, claims))
        out.append("</section>")

    used = expectations.used([run]) if expectations else []
    out.append('<section id="expectations"><h2>Expectations used</h2>')
    if used:
        out.append("<p>Known deviations of this environment (from %s) that "
                   "matched a case in this run:</p><ul>" % e(
                       expectations.path))
        for x in used:
            hits = [p.outcome for p in run.points() if p.expectation is x]
            if not {"xfail", "xpass"} & set(hits):
                continue
            n_x, n_p = hits.count("xfail"), hits.count("xpass")
            seen = "%s %d check%s" % (badge("xfail"), n_x,
                                      "" if n_x == 1 else "s")
            if n_p:
                seen += ", %s %d: this deviation did not happen there, " \
                        "the entry may be stale" % (badge("xpass"), n_p)
            out.append("<li><span class=\"mono\">%s</span> (%s): %s "
                       "Reference: %s%s<br>%s</li>" % (
                           e(x.id), e(x.summary()), e(x.explanation),
                           _link(x.reference),
                           " Evidence: %s" % e(x.evidence)
                           if x.evidence else "", seen))
        out.append("</ul>")
    else:
        out.append("<p>No expectation matched: every verdict above is the "
                   "raw observation.</p>")
    out.append("</section>")

    out.append('<section id="environment"><h2>Environment</h2>'
               '<dl class="env">')
    for k, v in probe_mod.describe(run.probe):
        out.append("<dt>%s</dt><dd>%s</dd>" % (e(k), e(v)))
    out.append("</dl></section>")
    out.append('<section id="legend" class="legend"><h2>How to read this '
               'report</h2><dl>')
    for k, v in LEGEND:
        out.append("<dt>%s</dt><dd>%s</dd>" % (e(k), e(v)))
    out.append("</dl></section></main>")
    out.append("<footer>shmconform · results: %s · %s</footer>" % (
        e(os.path.basename(run.source or "")), e(teach.count_words(n))))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


SECTION_TITLES = {
    "general": "General claims",
    "mmap": "mmap and munmap",
    "msync": "msync",
    "sysv": "System V shared memory (shmget, shmat, shmdt, shmctl)",
    "extension": "Beyond the tutorial",
}


def _section_title(sec):
    return SECTION_TITLES.get(sec, sec)
