"""An interrupted run: its reports say it is partial, and the cases that had
finished can be read from Kyua's output when its results file has none
(Kyua keeps them in one transaction, lost when it is killed).

The marks are added to the finished text of each format, so they do not
depend on how each writer lays it out:
  results.json       top-level "partial": true and "partial_reason"
  TAP                a comment, and a "Bail out!" line at the end
  JUnit              a property shmconform.partial among the environment's
                     (junit-10.xsd allows none directly in <testsuites>)
  HTML               a banner at the top of the body
"""
import html as html_mod
import json
import re

from .model import Case, Run

# "cases/prog:name  ->  result[: reason]  [1.234s]" (kyua test's output)
KYUA_LINE = re.compile(r"^(\S+):(\S+)\s+->\s+(passed|failed|skipped|"
                       r"expected_failure|broken)(?::\s*(.*?))?"
                       r"\s+\[([0-9.]+)s\]$")


def cases_from_kyua_log(path):
    """The cases kyua test reported finished, from its output."""
    cases = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return cases
    for line in lines:
        m = KYUA_LINE.match(line)
        if m:
            cases.append(Case(program=m.group(1), name=m.group(2),
                              result=m.group(3), reason=m.group(4) or "",
                              seconds=float(m.group(5)), fs=[]))
    return cases


def run_from_kyua_log(path):
    return Run(cases_from_kyua_log(path), producer="kyua (its output: the "
               "run was interrupted)", source=path)


def mark(name, text, reason):
    """text of report file name, marked as a partial run."""
    words = "partial run: %s; only the cases that finished are here" % reason
    if name.endswith(".json"):
        data = json.loads(text)
        data["partial"] = True
        data["partial_reason"] = reason
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if name.endswith(".tap"):
        return text + "# %s\nBail out! %s\n" % (words, words)
    if name.endswith(".xml"):
        prop = ('      <property name="shmconform.partial" value="%s"/>'
                % html_mod.escape(words))
        return re.sub(r"(<properties>)", lambda m: m.group(1) + "\n" + prop,
                      text, count=1)
    if name.endswith(".html"):
        banner = ('<p class="partial" style="background:#fdd;padding:1em;'
                  'font-weight:bold">%s</p>' % html_mod.escape(
                      words[0].upper() + words[1:]))
        return re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + "\n"
                      + banner, text, count=1)
    return text
