"""The results of one run, whatever produced them: cases, and the test points
the reports show (one per case, or one per case and file system)."""
import re

from . import lesson

# Kyua's verdicts.
RESULTS = ("passed", "failed", "skipped", "expected_failure", "broken")

# A point's raw verdict (what the run observed) and, once expectations are
# applied, its outcome: pass, fail, skip, xfail, xpass, broken.
RAW_OF_RESULT = {
    "passed": "pass",
    "failed": "fail",
    "skipped": "skip",
    "expected_failure": "xfail",
    "broken": "broken",
}
OUTCOMES = ("pass", "fail", "skip", "xfail", "xpass", "broken")

FS_LINE = re.compile(r"^shmconform-fs:\t(pass|fail|skip)\t([^\t]*)\t([^\t]*)\t?(.*)$")


def parse_fs_lines(stdout):
    """The per-file-system verdicts an SC_FS_CASE printed on stdout."""
    points = []
    for line in (stdout or "").splitlines():
        m = FS_LINE.match(line)
        if m:
            points.append({"verdict": m.group(1), "type": m.group(2),
                           "dir": m.group(3), "reason": m.group(4)})
    return points


class Case:
    """One test case as run: Kyua's verdict plus what the harness printed."""

    def __init__(self, program, name, result, reason="", claim=None,
                 cls=None, per_fs=False, descr="", started=None,
                 seconds=None, fs=None, stdout="", stderr="",
                 truncated=False):
        if result not in RESULTS:
            raise ValueError("unknown result %r" % result)
        self.program = program
        self.name = name
        self.result = result
        self.reason = reason or ""
        self.claim = claim
        self.cls = cls
        self.per_fs = per_fs
        self.descr = descr or ""
        self.started = started
        self.seconds = seconds
        self.fs = fs if fs is not None else parse_fs_lines(stdout)
        self.stdout = stdout or ""
        self.stderr = stderr or ""
        self.truncated = truncated
        self.lessons = lesson.parse_blocks(self.stderr)
        self.points = self._points()

    @property
    def id(self):
        return "%s:%s" % (self.program, self.name)

    def _points(self):
        pts = []
        raw = RAW_OF_RESULT[self.result]
        for fs in self.fs:
            verdict = fs["verdict"]
            if verdict == "fail" and raw == "xfail":
                verdict = "xfail"  # the case declared the failure expected
            pts.append(Point(self, verdict, fs.get("reason", ""),
                             fs.get("type"), fs.get("dir")))
        if not pts:
            pts.append(Point(self, raw, self.reason))
        elif raw in ("fail", "broken", "xfail") and \
                not any(p.raw in ("fail", "broken", "xfail") for p in pts):
            # The aggregate failed for a reason no file system shows
            # (a timeout, a crash of the parent): keep it visible.
            pts.append(Point(self, raw, self.reason))
        share = (self.seconds or 0.0) / len(pts)
        for p in pts:
            p.seconds = share
        return pts


class Point:
    """One test point: a case, or a case on one file system."""

    def __init__(self, case, raw, reason, fs_type=None, fs_dir=None):
        self.case = case
        self.raw = raw
        self.reason = reason or ""
        self.fs_type = fs_type
        self.fs_dir = fs_dir
        self.seconds = 0.0
        self.outcome = raw  # until expectations are applied
        self.expectation = None
        self.failure = lesson.parse_reason(self.reason) \
            if raw in ("fail", "broken", "xfail") else None
        self.lesson = None
        if raw in ("fail", "broken", "xfail"):
            self.lesson = case.lessons.get((fs_type, fs_dir))
            if self.lesson is None and fs_type is None and \
                    len(case.lessons) == 1:
                self.lesson = next(iter(case.lessons.values()))

    @property
    def id(self):
        """Stable name: program:case, plus [fstype dir] per file system."""
        if self.fs_type is None:
            return self.case.id
        return "%s [%s %s]" % (self.case.id, self.fs_type, self.fs_dir)

    @property
    def fs_label(self):
        return None if self.fs_type is None else \
            "%s %s" % (self.fs_type, self.fs_dir)


class Run:
    """One run: its probe (environment), cases, and where it came from."""

    def __init__(self, cases, probe=None, started=None, seconds=None,
                 producer="", label=None, source=""):
        self.cases = sorted(cases, key=lambda c: (c.program, c.name))
        self.probe = probe
        self.started = started
        self.seconds = seconds
        self.producer = producer
        self.label = label
        self.source = source
        self.expectations_applied = False

    def points(self):
        for c in self.cases:
            yield from c.points

    def counts(self):
        n = dict.fromkeys(OUTCOMES, 0)
        for p in self.points():
            n[p.outcome] += 1
        return n

    def unexpected(self):
        """Points that make the run red: failures and broken cases."""
        return [p for p in self.points() if p.outcome in ("fail", "broken")]
