"""JUnit XML for CI servers (Jenkins, GitLab, GitHub reporters).

testsuites > testsuite (one per test program) > testcase (one per case and
file system), valid against the Jenkins xunit plugin's junit-10.xsd (whose
rules tests/reports/check_junit.py checks).  failure = unexpected failure or
unexpected pass (type="xpass"), error = broken case, skipped = skipped or
expected failure (type="xfail", text "XFAIL: ..."); claim, class and file
system in each testcase's system-out; the probe once, as the properties of
a first testsuite "shmconform.environment" with no tests.  Never an
environment dump: only the probe's few facts are written, never the process
environment (kyua report-junit writes every variable, secrets included)."""
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
        lines.append("known deviation: %s (%s; %s)" % (
            e.id, e.explanation, e.reference or "no reference"))
    return "\n".join(lines)


def _facts(p):
    """Claim, class and file system of a point: the testcase's system-out
    (the schema allows no properties in a testcase)."""
    c = p.case
    lines = ["claim %s [%s]" % (c.claim or "(none)", c.cls or "?")]
    if p.fs_type is not None:
        lines.append("file system %s %s" % (p.fs_type, p.fs_dir))
    if c.descr:
        lines.append("checks %s" % c.descr)
    lines.append("outcome %s (observed %s)" % (p.outcome, p.raw))
    if p.expectation is not None:
        lines.append("deviation %s: %s" % (p.expectation.id,
                                           p.expectation.explanation))
    return "\n".join(lines)


def _testcase(p, claims):
    c = p.case
    name = c.name if p.fs_type is None else "%s [%s %s]" % (
        c.name, p.fs_type, p.fs_dir)
    out = ['    <testcase%s>' % _attrs([
        ("classname", _classname(c.program)), ("name", name),
        ("time", _secs(p.seconds))])]
    msg = teach.one_line(p)
    kind = "%s [%s]" % (c.claim, c.cls)
    # The reason is the element's text too: GitLab shows only the text.
    if p.outcome == "fail":
        out.append('      <failure%s>%s</failure>' % (_attrs([
            ("message", msg), ("type", kind)]), esc(_body(p, claims))))
    elif p.outcome == "broken":
        out.append('      <error%s>%s</error>' % (_attrs([
            ("message", p.reason or "broken"), ("type", "broken")]),
            esc(_body(p, claims))))
    elif p.outcome == "skip":
        why = p.reason or "skipped"
        out.append('      <skipped%s>%s</skipped>' % (_attrs([
            ("message", why)]), esc("SKIP: " + why)))
    elif p.outcome == "xfail":
        # pytest's convention: a skip whose type and text say XFAIL, so a
        # known deviation is visible and not red.
        e = p.expectation
        why = "known deviation %s" % e.id if e else "declared by the case"
        out.append('      <skipped%s>%s</skipped>' % (_attrs([
            ("type", "xfail"),
            ("message", "expected failure (%s): %s" % (why, msg))]),
            esc("XFAIL: %s\n\n%s" % (msg, _body(p, claims)))))
    elif p.outcome == "xpass":
        # Red, as ATF has it (expect_fail, then pass) and pytest's strict
        # xfail: the registry entry is stale, or the system was fixed.
        e = p.expectation
        text = ("known deviation %s did not happen: the case passed here "
                "(%s; %s)" % (e.id, e.explanation, e.reference or
                              "no reference"))
        out.append('      <failure%s>%s</failure>' % (_attrs([
            ("message", "unexpected pass: known deviation %s did not "
             "happen" % e.id), ("type", "xpass")]), esc("XPASS: " + text)))
    out.append('      <system-out>%s</system-out>' % esc(_facts(p)))
    if p.outcome in ("fail", "broken") and c.human_stderr.strip():
        out.append('      <system-err>%s</system-err>' % esc(
            c.human_stderr[-8192:]))
    out.append("    </testcase>")
    return out


def _counts(points):
    n = {"tests": len(points), "failures": 0, "errors": 0, "skipped": 0}
    for p in points:
        if p.outcome in ("fail", "xpass"):
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
               ("time", _secs(elapsed))])]
    # The probe, once per file: a testsuite of no tests holding it.
    out.append('  <testsuite%s>' % _attrs([
        ("name", "%s.environment" % name), ("tests", 0), ("failures", 0),
        ("errors", 0), ("skipped", 0), ("time", _secs(0)),
        ("timestamp", run.started), ("package", name)]))
    out.append("    <properties>")
    out.extend('      <property%s/>' % _attrs([("name", k), ("value", v)])
               for k, v in facts if v is not None)
    out.append("    </properties>")
    out.append("  </testsuite>")
    for i, (prog, pts) in enumerate(programs):
        n = _counts(pts)
        started = min((p.case.started for p in pts if p.case.started),
                      default=run.started)
        out.append('  <testsuite%s>' % _attrs([
            ("name", "%s.%s" % (name, _classname(prog))),
            ("tests", n["tests"]), ("failures", n["failures"]),
            ("errors", n["errors"]), ("skipped", n["skipped"]),
            ("time", _secs(sum(p.seconds or 0 for p in pts))),
            ("timestamp", started), ("id", i + 1), ("package", name),
            ("hostname", (run.probe or {}).get("hostname") or "unknown")]))
        for p in pts:
            out.extend(_testcase(p, claims))
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
