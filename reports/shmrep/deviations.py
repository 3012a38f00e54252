"""The one registry of known deviations (deviations/*.json, documented in
deviations/README.md) and its one matcher.

The same entries serve a single run (a matching failure is an expected
failure, xfail; a pass where an entry says the case fails is an unexpected
pass, xpass, which is red as in ATF) and the matrix (an entry explains a
difference between environments).  harness/gen_deviations.py compiles the
same files into the case library, so `kyua test` reaches the same verdicts
(harness/sc_expect.c mirrors Deviation.applies and .covers)."""
import fnmatch
import glob
import os
import re

from . import probe as probe_mod
from .errors import UserError, read_json

FORMAT = "shmconform-deviations"
KINDS = ("kernel", "file system", "sandbox", "emulation", "configuration",
         "harness")
VERDICTS = ("pass", "fail", "skip", "broken")
REQUIRED = ("id", "kind", "explanation", "evidence")
FIELDS = set(REQUIRED) | {"case", "claim", "fs", "env", "kernel", "verdict",
                          "match", "reference", "strict"}
ID = re.compile(r"^[a-z0-9][a-z0-9.]*(?:-[a-z0-9.]+)*$")
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
        op = m.group(1) or "=="
        out.append(("==" if op == "=" else op,
                    tuple(int(x) for x in m.group(2).split("."))))
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
              "==": c == 0, "!=": c != 0}[op]
        if not ok:
            return False
    return True


def _strings(d, key, where, allowed=None):
    """A string or a non-empty list of strings, as a list (None if
    absent)."""
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or \
            not all(isinstance(x, str) and x for x in v):
        raise UserError("%s: \"%s\" must be a string or a list of strings"
                        % (where, key))
    if allowed is not None:
        bad = [x for x in v if x not in allowed]
        if bad:
            raise UserError("%s: \"%s\" may be %s, not %s" % (
                where, key, ", ".join(allowed), ", ".join(bad)))
    return v


class Deviation:
    def __init__(self, d, where, claims=None):
        if not isinstance(d, dict):
            raise UserError("%s is not an object" % where)
        unknown = set(d) - FIELDS
        if unknown:
            raise UserError("%s: unknown field %s (known: %s)" % (
                where, ", ".join(sorted(unknown)), ", ".join(sorted(FIELDS))))
        for key in REQUIRED:
            if not isinstance(d.get(key), str) or not d[key].strip():
                raise UserError("%s: \"%s\" is required (a non-empty string)"
                                % (where, key))
        self.id = d["id"]
        where = "%s (%s)" % (where, self.id)
        if not ID.match(self.id):
            raise UserError("%s: \"id\" must be kebab-case" % where)
        self.kind = d["kind"]
        if self.kind not in KINDS:
            raise UserError("%s: \"kind\" must be one of %s"
                            % (where, ", ".join(KINDS)))
        for key in ("case", "claim", "env", "kernel", "reference"):
            if d.get(key) is not None and not isinstance(d[key], str):
                raise UserError("%s: \"%s\" must be a string" % (where, key))
        self.case = d.get("case") or "*"
        self.claim = d.get("claim")
        if claims is not None and self.claim and claims.by_id and \
                self.claim not in claims.by_id:
            raise UserError("%s: unknown claim %s" % (where, self.claim))
        self.env = d.get("env")
        self.kernel = d.get("kernel")
        self.kernel_range = None
        if self.kernel is not None:
            try:
                self.kernel_range = parse_range(self.kernel)
            except ValueError as e:
                raise UserError("%s: %s" % (where, e)) from None
        self.fs = _strings(d, "fs", where)
        self.verdicts = _strings(d, "verdict", where, VERDICTS) or ["fail"]
        self.match = _strings(d, "match", where)
        # Does the entry predict the failure (a pass is then stale), or only
        # explain it when it happens?  Default: an expectation of a single
        # run (no env) predicts; an explanation of the matrix (env) not.
        self.strict = d.get("strict", self.env is None)
        if not isinstance(self.strict, bool):
            raise UserError("%s: \"strict\" must be true or false" % where)
        self.explanation = d["explanation"]
        self.reference = d.get("reference") or ""
        self.evidence = d["evidence"]
        self.source = where

    @property
    def expects_failure(self):
        """A prediction of a failure: a pass where it applies is an
        unexpected pass."""
        return self.strict and "fail" in self.verdicts and \
            "pass" not in self.verdicts

    def applies(self, case_id, claim, fs_type, env, release):
        """Does this entry describe this case (on this file system) in this
        environment, whatever its verdict?"""
        if not fnmatch.fnmatchcase(case_id, self.case):
            return False
        if self.claim is not None and self.claim != claim:
            return False
        if self.env is not None and not (
                env is not None and fnmatch.fnmatchcase(env, self.env)):
            return False
        if self.kernel_range is not None and \
                not in_range(release, self.kernel_range):
            return False
        if self.fs is not None and not (
                fs_type is not None and
                any(fnmatch.fnmatchcase(fs_type, f) for f in self.fs)):
            return False
        return True

    def covers(self, verdict, reason):
        """Does the entry say this verdict (with this reason) is seen?"""
        if verdict not in self.verdicts:
            return False
        return self.match is None or any(m in (reason or "")
                                         for m in self.match)

    def summary(self):
        """Where it applies, in words."""
        parts = []
        for key in ("env", "kernel", "fs"):
            v = getattr(self, key)
            if v is not None:
                parts.append("%s %s" % (key, v if isinstance(v, str)
                                        else "|".join(v)))
        return ", ".join(parts) or "everywhere"


class Registry:
    def __init__(self, entries, path):
        self.entries = entries
        self.path = path

    def find(self, case_id, claim, fs_type, env, release, verdict, reason):
        """The first entry that covers this observation, or None."""
        for e in self.entries:
            if e.applies(case_id, claim, fs_type, env, release) and \
                    e.covers(verdict, reason):
                return e
        return None

    def stale(self, case_id, claim, fs_type, env, release):
        """The first entry expecting a failure where a pass was seen."""
        for e in self.entries:
            if e.expects_failure and \
                    e.applies(case_id, claim, fs_type, env, release):
                return e
        return None

    def apply(self, run):
        """Outcomes of a run's points: xfail for a failure the registry
        (or the case itself) expects, xpass for a pass where an entry
        expects a failure; every other point keeps its raw verdict and
        gets the entry that explains it, if any.  The environment's name
        is the run's label."""
        release = probe_mod.facts(run.probe)["release"]
        env = run.label
        for p in run.points():
            c = p.case
            p.outcome, p.expectation = p.raw, None
            args = (c.id, c.claim, p.fs_type, env, release)
            e = self.find(*args, p.raw, p.reason)
            if p.raw in ("fail", "broken"):
                if e is not None and p.raw in e.verdicts:
                    p.outcome, p.expectation = "xfail", e
                elif c.declared_xfail:
                    p.outcome = "xfail"  # atf_tc_expect_fail in the case
            elif p.raw == "pass":
                # The case itself said so (its record): it knew the
                # environment's name when the reports may not.
                stale = self._of_record(c, p) or self.stale(*args)
                if stale is not None:
                    p.outcome, p.expectation = "xpass", stale
                elif e is not None:
                    p.expectation = e
            elif e is not None:
                p.expectation = e
        run.expectations_applied = True
        return run

    def _of_record(self, case, point):
        for r in case.records["xpass"]:
            if r.get("fs_type") == point.fs_type and \
                    r.get("fs_dir") == point.fs_dir:
                rid = str(r.get("deviation"))
                return next((e for e in self.entries if e.id == rid), None) \
                    or Deviation({"id": rid, "kind": "harness",
                                  "explanation": "an entry of the registry "
                                  "the case was built with",
                                  "evidence": "the case's record"},
                                 "the case's record")
        return None

    def used(self, runs):
        seen = []
        for r in runs:
            for p in r.points():
                if p.expectation is not None and p.expectation not in seen:
                    seen.append(p.expectation)
        return seen


def none():
    return Registry([], None)


def _load_file(path, claims):
    data = read_json(path, "deviations", column=True)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("deviations file %s: no \"format\": \"%s\""
                        % (path, FORMAT))
    if data.get("version") != 1:
        raise UserError("deviations file %s: version %r is not supported "
                        "(this tool reads version 1)"
                        % (path, data.get("version")))
    items = data.get("deviations")
    if not isinstance(items, list):
        raise UserError("deviations file %s: \"deviations\" must be a list"
                        % path)
    return [Deviation(d, "deviations file %s: entry %d" % (path, i + 1),
                      claims) for i, d in enumerate(items)]


def load(path, claims=None):
    """Every deviations/*.json of a directory (in name order), or one
    file."""
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.json")))
    elif os.path.exists(path):
        files = [path]
    else:
        raise UserError("deviations file not found: %s" % path)
    entries = []
    ids = {}
    for f in files:
        for e in _load_file(f, claims):
            if e.id in ids:
                raise UserError("%s: duplicate id %s (also in %s)"
                                % (e.source, e.id, ids[e.id]))
            ids[e.id] = f
            entries.append(e)
    return Registry(entries, path)
