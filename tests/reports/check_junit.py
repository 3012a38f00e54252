"""Check a JUnit file two ways:

1. the rules of the Jenkins xunit plugin's junit-10.xsd (the schema it
   validates every file against, skipping a file that fails), written out
   here as a table (which element may hold which children and attributes,
   which attributes are required, the time pattern), so the test needs no
   network and no copy of the schema;
2. read by an independent reader (Debian's python3-junitparser): counts per
   testsuite and in total, a message and a text for every failure, error and
   skip (GitLab shows the text only), claim and class in every testcase's
   system-out, the probe once.

  /usr/bin/python3 check_junit.py FILE FAILURES ERRORS SKIPPED TESTS [XFAIL]"""
import re
import sys
import xml.etree.ElementTree as ET

from junitparser import Error, Failure, JUnitXml, Skipped

# junit-10.xsd, element by element: allowed children, allowed attributes,
# required attributes.  Text is allowed (mixed or xs:string) only where
# TEXT says so; everything else holds elements and white space only.
RERUN = ({"stackTrace", "system-out", "system-err"}, {"message", "type"},
         {"type"})
RULES = {
    "testsuites": ({"testsuite"}, {"name", "time", "tests", "failures",
                                   "errors"}, set()),
    "testsuite": ({"testsuite", "properties", "testcase", "system-out",
                   "system-err"},
                  {"name", "tests", "failures", "errors", "group", "time",
                   "skipped", "timestamp", "hostname", "id", "package",
                   "file", "log", "url"},
                  {"name", "tests", "failures", "errors"}),
    "properties": ({"property"}, set(), set()),
    "property": (set(), {"name", "value"}, {"name", "value"}),
    "testcase": ({"skipped", "error", "failure", "rerunFailure",
                  "rerunError", "flakyFailure", "flakyError", "system-out",
                  "system-err"}, {"name", "time", "classname", "group"},
                 {"name"}),
    "failure": (set(), {"type", "message"}, set()),
    "error": (set(), {"type", "message"}, set()),
    "skipped": (set(), {"type", "message"}, set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
    "stackTrace": (set(), set(), set()),
    "rerunFailure": RERUN, "rerunError": RERUN, "flakyFailure": RERUN,
    "flakyError": RERUN,
}
TEXT = {"failure", "error", "skipped", "system-out", "system-err",
        "stackTrace", "rerunFailure", "rerunError", "flakyFailure",
        "flakyError"}
# SUREFIRE_TIME, the type of testsuite/@time and testsuites/@time.
SUREFIRE_TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*"
                           r"(\.[0-9]*)?$")
TIMED = {"testsuites", "testsuite"}


def schema_problems(root):
    out = []
    if root.tag != "testsuites":
        # the schema also allows a lone <testsuite>; this suite writes
        # <testsuites>, so anything else is a regression
        out.append("root element is <%s>, not <testsuites>" % root.tag)

    def walk(el, where):
        rule = RULES.get(el.tag)
        if rule is None:
            out.append("%s: element <%s> is not in junit-10.xsd"
                       % (where, el.tag))
            return
        children, attrs, required = rule
        for a in el.attrib:
            if a not in attrs:
                out.append("%s: attribute %s not allowed on <%s>"
                           % (where, a, el.tag))
        for a in required:
            if a not in el.attrib:
                out.append("%s: <%s> lacks required attribute %s"
                           % (where, el.tag, a))
        if el.tag in TIMED and "time" in el.attrib and \
                not SUREFIRE_TIME.match(el.get("time")):
            out.append("%s: time=%r does not match SUREFIRE_TIME"
                       % (where, el.get("time")))
        if el.tag not in TEXT:
            texts = [el.text] + [c.tail for c in el]
            if any(t and t.strip() for t in texts):
                out.append("%s: text inside <%s>, which holds elements "
                           "only" % (where, el.tag))
        for i, c in enumerate(el):
            w = "%s/%s[%d]" % (where, c.tag, i + 1)
            if c.tag not in children:
                out.append("%s: <%s> may not stand inside <%s>"
                           % (w, c.tag, el.tag))
            walk(c, w)

    walk(root, root.tag)
    return out


def main(argv):
    path = argv[1]
    want = dict(zip(("failures", "errors", "skipped", "tests", "xfail"),
                    (int(x) for x in argv[2:7])))
    root = ET.parse(path).getroot()
    problems = schema_problems(root)

    def need(cond, what):
        if not cond:
            problems.append(what)

    xml = JUnitXml.fromfile(path)
    got = {"failures": 0, "errors": 0, "skipped": 0, "tests": 0, "xfail": 0}
    n_suites = 0
    n_props = sum(1 for s in root.iter("testsuite")
                  if s.find("properties") is not None)
    for suite in xml:
        n_suites += 1
        counted = {"failures": 0, "errors": 0, "skipped": 0, "tests": 0}
        for case in suite:
            counted["tests"] += 1
            need(bool(case.classname) and bool(case.name) and
                 case.time is not None,
                 "testcase lacks classname/name/time: %s" % case.name)
            out = case.system_out or ""
            need(re.search(r"^claim \S+ \[\w+\]$", out, re.M) is not None,
                 "testcase %s: no 'claim ID [class]' line in system-out"
                 % case.name)
            if "[" in case.name:
                need("\nfile system " in out,
                     "testcase %s: per file system, but no 'file system' "
                     "line in system-out" % case.name)
            for r in case.result:
                text = (r.text or "").strip()
                need(bool(r.message) and bool(text),
                     "%s of %s lacks message or text" % (r._tag, case.name))
                if isinstance(r, Failure):
                    counted["failures"] += 1
                elif isinstance(r, Error):
                    counted["errors"] += 1
                elif isinstance(r, Skipped):
                    counted["skipped"] += 1
                    xfail = r.type == "xfail"
                    got["xfail"] += xfail
                    need(text.startswith("XFAIL: " if xfail else "SKIP: "),
                         "skipped %s: text does not say XFAIL or SKIP"
                         % case.name)
        for k in counted:
            need(int(getattr(suite, k)) == counted[k],
                 "testsuite %s says %s=%s, its testcases %d"
                 % (suite.name, k, getattr(suite, k), counted[k]))
            got[k] += counted[k]
    need(n_props == 1, "the probe's properties in %d testsuites (want 1)"
         % n_props)
    for k in want:
        need(got[k] == want[k], "%s: expected %d, read %d"
             % (k, want[k], got[k]))
        if k in ("failures", "errors", "tests"):
            need(int(root.get(k)) == got[k], "testsuites %s=%s, testcases "
                 "%d" % (k, root.get(k), got[k]))
    if problems:
        for p in problems:
            print("junit: %s" % p)
        return 1
    print("junit: valid by junit-10.xsd's rules; %d suites, %s read by "
          "junitparser" % (n_suites, got))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
