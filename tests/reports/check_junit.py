"""Read a JUnit file with an independent reader (Debian's
python3-junitparser) and check the structure CI servers document:
testsuites/testsuite with name, tests, failures, errors, skipped and time;
testcase with classname, name and time; failure/error with message and text.

  /usr/bin/python3 check_junit.py FILE FAILURES ERRORS SKIPPED TESTS"""
import sys
import xml.etree.ElementTree as ET

from junitparser import Error, Failure, JUnitXml, Skipped

path = sys.argv[1]
want = dict(zip(("failures", "errors", "skipped", "tests"),
                (int(x) for x in sys.argv[2:6])))
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


xml = JUnitXml.fromfile(path)
root = ET.parse(path).getroot()
need(root.tag == "testsuites", "root element is <%s>" % root.tag)
for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
    need(root.get(attr) is not None, "testsuites lacks %s" % attr)
got = {"failures": 0, "errors": 0, "skipped": 0, "tests": 0}
n_suites = 0
for suite in xml:
    n_suites += 1
    for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
        need(getattr(suite, attr) is not None,
             "testsuite %s lacks %s" % (suite.name, attr))
    counted = {"failures": 0, "errors": 0, "skipped": 0, "tests": 0}
    for case in suite:
        counted["tests"] += 1
        need(bool(case.classname) and bool(case.name) and
             case.time is not None,
             "testcase lacks classname/name/time: %s" % case.name)
        for r in case.result:
            if isinstance(r, (Failure, Error)):
                need(bool(r.message) and bool((r.text or "").strip()),
                     "%s of %s lacks message or text" % (r._tag, case.name))
                counted["failures" if isinstance(r, Failure)
                        else "errors"] += 1
            elif isinstance(r, Skipped):
                counted["skipped"] += 1
                need(bool(r.message), "skipped %s lacks a message"
                     % case.name)
    for k in counted:
        need(int(getattr(suite, k)) == counted[k],
             "testsuite %s says %s=%s, its testcases %d"
             % (suite.name, k, getattr(suite, k), counted[k]))
        got[k] += counted[k]
for k in want:
    need(got[k] == want[k], "%s: expected %d, read %d" % (k, want[k], got[k]))
    need(int(root.get(k)) == got[k], "testsuites %s=%s, testcases %d"
         % (k, root.get(k), got[k]))
# Claim and class are properties of every testcase.
for tc in root.iter("testcase"):
    names = {p.get("name") for p in tc.iter("property")}
    need({"claim", "class", "outcome"} <= names,
         "testcase %s lacks claim/class/outcome properties" % tc.get("name"))
if problems:
    for p in problems:
        print("junit: %s" % p)
    sys.exit(1)
print("junit: %d suites, %s read by junitparser" % (n_suites, got))
