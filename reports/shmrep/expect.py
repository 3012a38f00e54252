"""Expectations: known deviations of an environment, applied to a run's raw
observations (expectations/README.md documents the file).

A failure that an entry matches becomes an expected failure (xfail); a pass
that an entry matches becomes an unexpected pass (xpass), so stale entries
show up."""
import fnmatch
import re

from . import probe as probe_mod
from .errors import UserError, read_json

FORMAT = "shmconform-expectations"
FIELDS = {"id", "case", "claim", "kernel", "fs", "sandbox", "arch",
          "verdicts", "match", "reason", "reference", "evidence"}
VERDICTS = ("fail", "broken")
RANGE = re.compile(r"^\s*(>=|<=|==|!=|>|<|=)?\s*(\d+(?:\.\d+)*)\s*$")


def version_tuple(text):
    m = re.match(r"\s*(\d+(?:\.\d+)*)", text or "")
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _cmp(a, b):
    n = max(len(a), len(b))
    a = a + (0,) * (n - len(a))
    b = b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def parse_range(text):
    """'>=5.4, <6.1' -> [(op, version), ...]; raises ValueError."""
    out = []
    for part in re.split(r"[,\s]+(?=[<>=!\d])", text.strip()):
        if not part.strip():
            continue
        m = RANGE.match(part)
        if not m:
            raise ValueError("bad kernel range part %r (write e.g. "
                             "\">=5.4, <6.1\")" % part)
        out.append((m.group(1) or "==", tuple(int(x) for x in
                                              m.group(2).split("."))))
    if not out:
        raise ValueError("empty kernel range")
    return out


def in_range(release, rng):
    v = version_tuple(release)
    if v is None:
        return False
    for op, want in rng:
        c = _cmp(v, want)
        ok = {">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0,
              "==": c == 0, "=": c == 0, "!=": c != 0}[op]
        if not ok:
            return False
    return True


class Expectation:
    def __init__(self, d, where, claims=None):
        unknown = set(d) - FIELDS
        if unknown:
            raise UserError("%s: unknown field %s (known: %s)" % (
                where, ", ".join(sorted(unknown)), ", ".join(sorted(FIELDS))))
        for key in ("id", "reason", "reference"):
            if not isinstance(d.get(key), str) or not d[key].strip():
                raise UserError("%s: \"%s\" is required (a non-empty string)"
                                % (where, key))
        self.id = d["id"]
        if "case" not in d and "claim" not in d:
            raise UserError("%s (%s): give \"case\" or \"claim\" (or both)"
                            % (where, self.id))
        self.case = self._str(d, "case", where)
        self.claim = self._str(d, "claim", where)
        if claims is not None and self.claim and claims.by_id and \
                self.claim not in claims.by_id:
            raise UserError("%s (%s): unknown claim %s" % (where, self.id,
                                                          self.claim))
        self.kernel = self._str(d, "kernel", where)
        self.kernel_range = None
        if self.kernel is not None:
            try:
                self.kernel_range = parse_range(self.kernel)
            except ValueError as e:
                raise UserError("%s (%s): %s" % (where, self.id, e)) from None
        self.fs = self._list(d, "fs", where)
        self.sandbox = self._list(d, "sandbox", where)
        self.arch = self._list(d, "arch", where)
        self.verdicts = self._list(d, "verdicts", where) or ["fail"]
        bad = [v for v in self.verdicts if v not in VERDICTS]
        if bad:
            raise UserError("%s (%s): verdicts may be %s, not %s"
                            % (where, self.id, " or ".join(VERDICTS),
                               ", ".join(bad)))
        self.match = self._str(d, "match", where)
        self.match_re = None
        if self.match is not None:
            try:
                self.match_re = re.compile(self.match)
            except re.error as e:
                raise UserError("%s (%s): bad \"match\" regular expression: "
                                "%s" % (where, self.id, e)) from None
        self.reason = d["reason"]
        self.reference = d["reference"]
        self.evidence = self._str(d, "evidence", where) or ""

    def _str(self, d, key, where):
        v = d.get(key)
        if v is not None and not isinstance(v, str):
            raise UserError("%s (%s): \"%s\" must be a string"
                            % (where, d.get("id"), key))
        return v

    def _list(self, d, key, where):
        v = d.get(key)
        if v is None:
            return None
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not v or \
                not all(isinstance(x, str) for x in v):
            raise UserError("%s (%s): \"%s\" must be a string or a list of "
                            "strings" % (where, self.id, key))
        return v

    def applies_to(self, point, facts):
        """Does this entry describe point in this environment (ignoring
        the verdict)?"""
        c = point.case
        if self.case is not None and not (
                fnmatch.fnmatchcase(c.id, self.case) or
                fnmatch.fnmatchcase(c.name, self.case)):
            return False
        if self.claim is not None and self.claim != c.claim:
            return False
        if self.kernel_range is not None and \
                not in_range(facts["release"], self.kernel_range):
            return False
        if self.arch is not None and not any(
                fnmatch.fnmatchcase(facts["machine"] or "", a)
                for a in self.arch):
            return False
        if self.sandbox is not None and not any(
                s in facts["sandbox_tags"] for s in self.sandbox):
            return False
        if self.fs is not None and point.fs_type not in self.fs:
            return False
        return True

    def matches_failure(self, point):
        if point.raw not in self.verdicts:
            return False
        return self.match_re is None or bool(self.match_re.search(
            point.reason))

    def summary(self):
        """Where it applies, in words."""
        parts = []
        for key in ("kernel", "fs", "sandbox", "arch"):
            v = getattr(self, key)
            if v is not None:
                parts.append("%s %s" % (key, v if isinstance(v, str)
                                        else "|".join(v)))
        return ", ".join(parts) or "everywhere"


class Expectations:
    def __init__(self, entries, path):
        self.entries = entries
        self.path = path

    def apply(self, run):
        """Turn matched failures into xfail and matched passes into xpass."""
        facts = probe_mod.facts(run.probe)
        for p in run.points():
            p.outcome = p.raw
            p.expectation = None
            if p.raw not in ("pass", "fail", "broken"):
                continue
            for e in self.entries:
                if not e.applies_to(p, facts):
                    continue
                if p.raw == "pass":
                    p.outcome, p.expectation = "xpass", e
                    break
                if e.matches_failure(p):
                    p.outcome, p.expectation = "xfail", e
                    break
        run.expectations_applied = True
        return run

    def used(self, runs):
        seen = []
        for r in runs:
            for p in r.points():
                if p.expectation is not None and p.expectation not in seen:
                    seen.append(p.expectation)
        return seen


def none():
    return Expectations([], None)


def load(path, claims=None):
    data = read_json(path, "expectations", column=True)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("expectations file %s: no \"format\": \"%s\""
                        % (path, FORMAT))
    if data.get("version") != 1:
        raise UserError("expectations file %s: version %r is not supported "
                        "(this tool reads version 1)"
                        % (path, data.get("version")))
    items = data.get("expectations")
    if not isinstance(items, list):
        raise UserError("expectations file %s: \"expectations\" must be a "
                        "list" % path)
    entries = []
    ids = set()
    for i, d in enumerate(items):
        where = "expectations file %s: entry %d" % (path, i + 1)
        if not isinstance(d, dict):
            raise UserError("%s is not an object" % where)
        e = Expectation(d, where, claims)
        if e.id in ids:
            raise UserError("%s: duplicate id %s" % (where, e.id))
        ids.add(e.id)
        entries.append(e)
    return Expectations(entries, path)
