"""JUnit XML for CI servers (Jenkins, GitLab, GitHub reporters).

testsuites > testsuite (one per test program) > testcase (one per case and
file system).  failure = unexpected failure, error = broken case, skipped =
skipped or expected failure (type="xfail"); claim, class and outcome are
testcase properties.  Never an environment dump: only the probe's few facts
are written, never the process environment (kyua report-junit writes every
variable, secrets included)."""
import re

from . import probe as probe_mod
from . import teach

INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd"
                     "\U00010000-\U0010ffff]")


def esc(text, attr=False):
    text = INVALID.sub("?", str(text if text is not None else ""))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">",
                                                                  "&gt;")
    if attr:
        text = text.replace('"', "&quot;").replace("\n", "&#10;") \
            .replace("\t", "&#9;").replace("\r", "&#13;")
    return text


def _attrs(pairs):
    return "".join(' %s="%s"' % (k, esc(v, True)) for k, v in pairs
                   if v is not None)


def _secs(x):
    return "%.3f" % (x or 0.0)


def _classname(program):
    return program.replace("/", ".")


def _body(p, claims):
    """The failure's text: the lesson a learner reads."""
    c = p.case
    claim = claims.get(c.claim) if c.claim else None
    f = p.failure or {}
    lines = [p.reason, ""]
    if f.get("expected") is not None:
        lines += ["expected   %s" % f["expected"],
                  "observed   %s" % f["observed"]]
    if claim:
        lines.append("claim      %s [%s]" % (c.claim, c.cls))
        if claim.get("words"):
            lines.append("tutorial   %s" % claim["words"])
        lines.append("statement  %s" % claim.get("statement", ""))
        if claim.get("erratum"):
            lines.append("erratum    %s" % claim["erratum"])
    if p.lesson and p.lesson.get("check"):
        lines.append("check      %s" % p.lesson["check"])
    if p.lesson and p.lesson.get("context"):
        lines.append("context    %s" % "\n           ".join(
            p.lesson["context"]))
    lines.append("why        %s" % teach.why(claim, c.cls, p.outcome, p.expectation))
    if p.expectation is not None:
        e = p.expectation
        lines.append("expected failure: %s (%s; %s)" % (e.id, e.reason,
                                                         e.reference))
    return "\n".join(lines)


def _testcase(p, claims):
    c = p.case
    name = c.name if p.fs_type is None else "%s [%s %s]" % (
        c.name, p.fs_type, p.fs_dir)
    out = ['    <testcase%s>' % _attrs([
        ("classname", _classname(c.program)), ("name", name),
        ("time", _secs(p.seconds))])]
    props = [("claim", c.claim), ("class", c.cls), ("result", p.raw),
             ("outcome", p.outcome)]
    if p.fs_type is not None:
        props += [("fs", p.fs_type), ("dir", p.fs_dir)]
    if c.descr:
        props.append(("checks", c.descr))
    if p.expectation is not None:
        props += [("expectation", p.expectation.id),
                  ("expectation.reference", p.expectation.reference)]
    out.append("      <properties>")
    out.extend('        <property%s/>' % _attrs([("name", k), ("value", v)])
               for k, v in props if v is not None)
    out.append("      </properties>")
    msg = teach.one_line(p)
    if p.outcome == "fail":
        out.append('      <failure%s>%s</failure>' % (_attrs([
            ("message", msg), ("type", "%s [%s]" % (c.claim, c.cls))]),
            esc(_body(p, claims))))
    elif p.outcome == "broken":
        out.append('      <error%s>%s</error>' % (_attrs([
            ("message", p.reason or "broken"), ("type", "broken")]),
            esc(_body(p, claims))))
    elif p.outcome == "skip":
        out.append('      <skipped%s/>' % _attrs([
            ("message", p.reason or "skipped")]))
    elif p.outcome == "xfail":
        why = p.expectation.reason if p.expectation else p.reason
        out.append('      <skipped%s>%s</skipped>' % (_attrs([
            ("type", "xfail"),
            ("message", "expected failure: %s (observed: %s)" % (why, msg))]),
            esc(_body(p, claims))))
    elif p.outcome == "xpass":
        e = p.expectation
        out.append('      <system-out>%s</system-out>' % esc(
            "unexpected pass: expectation %s (%s) did not happen; the "
            "entry may be stale: %s" % (e.id, e.reason, e.reference)))
    if p.outcome in ("fail", "broken") and c.stderr:
        out.append('      <system-err>%s</system-err>' % esc(
            c.stderr[-8192:]))
    out.append("    </testcase>")
    return out


def _counts(points):
    n = {"tests": len(points), "failures": 0, "errors": 0, "skipped": 0}
    for p in points:
        if p.outcome == "fail":
            n["failures"] += 1
        elif p.outcome == "broken":
            n["errors"] += 1
        elif p.outcome in ("skip", "xfail"):
            n["skipped"] += 1
    return n


def write(run, claims, name="shmconform"):
    programs = []
    for c in run.cases:
        if not programs or programs[-1][0] != c.program:
            programs.append((c.program, []))
        programs[-1][1].extend(c.points)
    allp = list(run.points())
    total = _counts(allp)
    elapsed = run.seconds if run.seconds is not None else \
        sum(p.seconds or 0 for p in allp)
    facts = [("kernel.release", ((run.probe or {}).get("kernel") or {})
              .get("release")),
             ("kernel.machine", ((run.probe or {}).get("kernel") or {})
              .get("machine")),
             ("sandbox", ((run.probe or {}).get("sandbox") or {}).get("kind")),
             ("page_size", (run.probe or {}).get("page_size")),
             ("shmlba", (run.probe or {}).get("shmlba")),
             ("environment", probe_mod.label(run.probe)),
             ("producer", run.producer)]
    # The probe in words (never the process environment).
    facts += [("probe." + re.sub(r"[^a-z0-9]+", "_", k.lower()).strip("_"),
               v) for k, v in probe_mod.describe(run.probe)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites%s>' % _attrs([
               ("name", name), ("tests", total["tests"]),
               ("failures", total["failures"]), ("errors", total["errors"]),
               ("skipped", total["skipped"]), ("time", _secs(elapsed)),
               ("timestamp", run.started)])]
    for i, (prog, pts) in enumerate(programs):
        n = _counts(pts)
        started = min((p.case.started for p in pts if p.case.started),
                      default=run.started)
        out.append('  <testsuite%s>' % _attrs([
            ("name", "%s.%s" % (name, _classname(prog))),
            ("tests", n["tests"]), ("failures", n["failures"]),
            ("errors", n["errors"]), ("skipped", n["skipped"]),
            ("time", _secs(sum(p.seconds or 0 for p in pts))),
            ("timestamp", started), ("id", i), ("package", name),
            ("hostname", (run.probe or {}).get("hostname") or "unknown")]))
        out.append("    <properties>")
        out.extend('      <property%s/>' % _attrs([("name", k),
                                                   ("value", v)])
                   for k, v in facts if v is not None)
        out.append("    </properties>")
        for p in pts:
            out.extend(_testcase(p, claims))
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
