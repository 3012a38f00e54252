"""The results of one run, whatever produced them: cases, and the test points
the reports show (one per case, or one per case and file system).  The one
loader of results: kyuadb.py and jsonfmt.py only read their files into
Case objects; every verdict is mapped here."""
import json
import re

from . import lesson

# Kyua's verdicts.
RESULTS = ("passed", "failed", "skipped", "expected_failure", "broken")

# A point's raw verdict (what the run observed: an expected failure is a
# failure) and, once the deviations registry is applied, its outcome: pass,
# fail, skip, xfail, xpass, broken.
RAW_OF_RESULT = {
    "passed": "pass",
    "failed": "fail",
    "skipped": "skip",
    "expected_failure": "fail",
    "broken": "broken",
}
OUTCOMES = ("pass", "fail", "skip", "xfail", "xpass", "broken")

FS_LINE = re.compile(r"^shmconform-fs:\t(pass|fail|skip)\t([^\t]*)\t([^\t]*)\t?(.*)$")


# The harness's records (reports/FORMAT.md): one JSON object per line.
RECORD = re.compile(r"^shmconform-(check|skip|xpass): (\{.*\})\s*$")


def parse_records(*texts):
    """{"check": [...], "skip": [...], "xpass": [...]} from the lines the
    harness wrote; a line that is not valid JSON is ignored (a truncated
    excerpt)."""
    out = {"check": [], "skip": [], "xpass": []}
    for text in texts:
        for line in (text or "").splitlines():
            m = RECORD.match(line)
            if not m:
                continue
            try:
                rec = json.loads(m.group(2))
            except ValueError:
                continue
            if isinstance(rec, dict):
                out[m.group(1)].append(rec)
    return out


def _of_fs(records, fs_type, fs_dir):
    """The first record for this file system (or for the case alone)."""
    for r in records:
        if r.get("fs_type") == fs_type and (
                fs_type is None or r.get("fs_dir") == fs_dir):
            return r
    if fs_type is None and len(records) == 1:
        return records[0]
    return None


def failure_of_record(rec):
    """A check record as the reports' failure dict (the keys parse_reason
    gives, plus errno names, file and line)."""
    what = rec.get("check") or ""
    exp, obs = rec.get("expected"), rec.get("observed")
    if exp is not None:
        msg = "%s: expected %s, observed %s" % (what, exp, obs) if what \
            else "expected %s, observed %s" % (exp, obs)
    else:
        msg = what or rec.get("reason") or ""
    return {"claim": rec.get("claim"), "class": rec.get("class"),
            "fs_type": rec.get("fs_type"), "fs_dir": rec.get("fs_dir"),
            "message": msg, "what": what,
            "expected": None if exp is None else str(exp),
            "observed": None if obs is None else str(obs),
            "errno_expected": rec.get("errno_expected"),
            "errno_observed": rec.get("errno_observed"),
            "file": rec.get("file"), "line": rec.get("line")}


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
        self.declared_xfail = result == "expected_failure"
        self.records = parse_records(self.stdout, self.stderr)
        self.lessons = lesson.parse_blocks(self.stderr)
        self.points = self._points()

    @property
    def id(self):
        return "%s:%s" % (self.program, self.name)

    @property
    def human_stderr(self):
        """stderr without the records (machine lines) the harness wrote."""
        return "".join(ln for ln in self.stderr.splitlines(True)
                       if not RECORD.match(ln))

    def _points(self):
        pts = []
        raw = RAW_OF_RESULT[self.result]
        xpass = self.records["xpass"]
        for fs in self.fs:
            pts.append(Point(self, fs["verdict"], fs.get("reason", ""),
                             fs.get("type"), fs.get("dir")))
        if not pts:
            if raw == "fail" and xpass:
                # The harness failed the case because a known deviation
                # did not happen: what it observed is a pass.
                raw = "pass"
            pts.append(Point(self, raw, "" if raw == "pass" else
                             self.reason))
        elif raw in ("fail", "broken") and not xpass and \
                not any(p.raw in ("fail", "broken") for p in pts):
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
        self.failure = None
        self.lesson = None
        self.record = None
        if raw == "skip":
            self.record = _of_fs(case.records["skip"], fs_type, fs_dir)
        if raw in ("fail", "broken"):
            # The harness's record when it wrote one; the prose of older
            # results (parsed) otherwise.
            self.record = _of_fs(case.records["check"], fs_type, fs_dir)
            self.failure = failure_of_record(self.record) if self.record \
                else lesson.parse_reason(self.reason)
            self.lesson = case.lessons.get((fs_type, fs_dir))
            if self.lesson is None and fs_type is None and \
                    len(case.lessons) == 1:
                self.lesson = next(iter(case.lessons.values()))
            if self.record is not None and self.record.get("file"):
                self.lesson = dict(self.lesson or {}, check="%s:%s" % (
                    self.record["file"], self.record.get("line")))

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
        """Points that make the run red: failures, broken cases, and known
        deviations that did not happen (as ATF: expect_fail, then pass)."""
        return [p for p in self.points()
                if p.outcome in ("fail", "broken", "xpass")]
