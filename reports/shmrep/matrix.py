"""The conformance matrix: claims (or cases) x environments, merged from any
number of runs, as HTML and Markdown; rows whose environments disagree are
highlighted, and every cell links to its detail."""
import re
from html import escape

from . import probe as probe_mod
from . import teach
from .html import CSS, anchor, badge, cid

CELL_WORDS = {"holds": "holds", "fails": "FAILS", "deviates": "xfail",
              "stale": "xpass", "skipped": "skip", "untested": "-"}


def _e(text):
    return escape(str(text if text is not None else ""))


class Matrix:
    def __init__(self, runs, claims, by="claim"):
        self.runs = runs
        self.claims = claims
        self.by = by
        self.labels = []
        seen = {}
        for r in runs:
            lab = r.label or probe_mod.label(r.probe)
            seen[lab] = seen.get(lab, 0) + 1
            self.labels.append(lab if seen[lab] == 1 else
                               "%s #%d" % (lab, seen[lab]))
        self.cols = ["E%d" % (i + 1) for i in range(len(runs))]
        rows = self._rows()
        self.rows = [r for r in rows if any(r[2])]
        self.empty = [r[0] for r in rows if not any(r[2])]

    def _rows(self):
        """[(key, title, [points per run])]"""
        keys = []
        if self.by == "claim":
            keys = list(self.claims.order)
            extra = sorted({c.claim or "(no claim)" for r in self.runs
                            for c in r.cases} - set(keys))
            keys += extra
            keyof = (lambda c: c.claim or "(no claim)")
        else:
            keys = sorted({c.id for r in self.runs for c in r.cases})
            keyof = (lambda c: c.id)
        rows = []
        for k in keys:
            cells = [[p for c in r.cases if keyof(c) == k for p in c.points]
                     for r in self.runs]
            if self.by == "claim" and k not in self.claims.by_id and \
                    not any(cells):
                continue
            rows.append((k, k, cells))
        return rows

    @staticmethod
    def verdict(points):
        return teach.claim_verdict(points)

    def differs(self, cells):
        vs = {self.verdict(c) for c in cells if c}
        return len(vs) > 1

    @staticmethod
    def cell_text(points):
        v = teach.claim_verdict(points)
        if not points:
            return "-"
        ok = sum(1 for p in points if p.outcome in ("pass", "xpass"))
        return "%s %d/%d" % (CELL_WORDS[v], ok, len(points))

    def detail_id(self, key, j):
        return "d-%s-%s" % (anchor(key), self.cols[j])


def _point_line(p):
    where = " on %s" % p.fs_label if p.fs_type else ""
    text = "%s%s" % (p.case.id, where)
    if p.outcome in ("fail", "broken", "xfail"):
        text += ": " + teach.one_line(p)
    elif p.outcome == "skip" and p.reason:
        text += ": " + p.reason
    if p.expectation is not None:
        text += " [expectation %s]" % p.expectation.id
    return text


def write_html(m):
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>',
           '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, '
           'initial-scale=1">',
           '<title>shmconform conformance matrix</title>',
           '<style>%s\n.matrix td, .matrix th { text-align: center; }\n'
           '.matrix td.key { text-align: left; }\n'
           'tr.diff { background: #fff8c5; }\n'
           'tr.diff td.key::after { content: " \\2260"; color: #9a6700;'
           ' font-weight: 700; }\n'
           '.detail { border-top: 1px solid var(--line); padding: .4rem 0; }'
           '\n</style>' % CSS, '</head>', '<body>', '<header>',
           '<h1>Conformance matrix: %d %s x %d environment%s</h1>' % (
               len(m.rows), "claims" if m.by == "claim" else "cases",
               len(m.runs), "" if len(m.runs) == 1 else "s"),
           '<p class="lead">Each cell: the verdict of the %s in that '
           'environment and how many of its checks passed. Rows where the '
           'environments disagree are highlighted (&#8800;). Every cell '
           'links to its detail below.</p>' % m.by,
           '</header><main>', '<h2>Environments</h2><dl class="env">']
    for j, r in enumerate(m.runs):
        facts = probe_mod.short(r.probe)
        out.append('<dt id="env-%s">%s</dt><dd>%s<br><span class="tag">%s'
                   '</span> %s</dd>' % (
                       m.cols[j], m.cols[j], _e(m.labels[j]),
                       _e(teach.count_words(r.counts())), _e(facts)))
    out.append('</dl><h2>Matrix</h2><div class="scroll"><table class="matrix">'
               '<thead><tr>'
               '<th>%s</th>' % ("Claim" if m.by == "claim" else "Case"))
    for j, lab in enumerate(m.labels):
        out.append('<th title="%s"><a href="#env-%s">%s</a></th>'
                   % (_e(lab), m.cols[j], m.cols[j]))
    out.append("</tr></thead><tbody>")
    ndiff = 0
    for key, title, cells in m.rows:
        diff = m.differs(cells)
        ndiff += diff
        out.append('<tr%s><td class="key">%s</td>' % (
            ' class="diff"' if diff else "", cid(title)))
        for j, pts in enumerate(cells):
            if not pts:
                out.append('<td title="no case in this run">-</td>')
                continue
            out.append('<td><a href="#%s">%s</a></td>' % (
                m.detail_id(key, j), badge(m.verdict(pts),
                                           m.cell_text(pts))))
        out.append("</tr>")
    out.append("</tbody></table></div>")
    out.append("<p>%d row%s differ between environments.</p>" % (
        ndiff, "" if ndiff == 1 else "s"))
    if m.empty:
        out.append("<p>No case in any of these runs for: %s.</p>"
                   % _e(", ".join(m.empty)))
    out.append("<h2>Details</h2>")
    for key, title, cells in m.rows:
        claim = m.claims.get(key)
        for j, pts in enumerate(cells):
            if not pts:
                continue
            out.append('<div class="detail" id="%s"><h3>%s in %s (%s) %s'
                       '</h3>' % (m.detail_id(key, j), cid(title), m.cols[j],
                                  _e(m.labels[j]),
                                  badge(m.verdict(pts), m.cell_text(pts))))
            if claim is not None:
                out.append("<p>%s</p>" % _e(claim.get("statement")))
            out.append("<ul>%s</ul>" % "".join(
                "<li>%s %s</li>" % (badge(p.outcome), _e(_point_line(p)))
                for p in pts))
            out.append("</div>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _md_slug(text):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to
    hyphens."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_md(m):
    out = ["# shmconform conformance matrix", "",
           "Each cell: the verdict in that environment and how many checks "
           "passed; **bold** rows (marked ≠) differ between environments. "
           "Cells link to their detail below.", "", "## Environments", ""]
    for j, r in enumerate(m.runs):
        out.append("- **%s**: %s (%s)" % (m.cols[j], _md(m.labels[j]),
                                          teach.count_words(r.counts())))
    out += ["", "## Matrix", "",
            "| %s | %s | differs |" % ("Claim" if m.by == "claim" else "Case",
                                      " | ".join(m.cols)),
            "|---|%s---|" % ("---|" * len(m.cols))]
    for key, title, cells in m.rows:
        diff = m.differs(cells)
        row = []
        for j, pts in enumerate(cells):
            if not pts:
                row.append("-")
                continue
            text = m.cell_text(pts)
            link = "[%s](#%s)" % (text, _md_slug("%s in %s" % (key,
                                                              m.cols[j])))
            row.append("**%s**" % link if diff else link)
        out.append("| %s | %s | %s |" % (
            "**%s**" % _md(title) if diff else _md(title), " | ".join(row),
            "≠" if diff else ""))
    if m.empty:
        out += ["", "No case in any of these runs for: %s."
                % ", ".join(m.empty)]
    out += ["", "## Details", ""]
    for key, title, cells in m.rows:
        for j, pts in enumerate(cells):
            if not pts:
                continue
            out.append("### %s in %s" % (key, m.cols[j]))
            out.append("")
            out.append("%s: %s" % (_md(m.labels[j]), m.cell_text(pts)))
            out.append("")
            for p in pts:
                out.append("- %s %s" % (p.outcome, _md(_point_line(p))))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
