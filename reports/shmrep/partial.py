"""An interrupted run: the cases that had finished, read from Kyua's output
when its results file has none (Kyua keeps them in one transaction, lost
when it is killed).  Its reports say it is partial (marks.partial)."""
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
