"""TAP: one test point per case and file system, SKIP and TODO directives,
a YAML diagnostic block per point.  Version 13 by default (what `prove` and
kselftest-style consumers read); 14 on request."""
import json
import re

from . import probe as probe_mod
from . import teach

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _line(text):
    """One line, no control characters."""
    return CONTROL.sub("?", " ".join((text or "").split()))


def _desc(text, version):
    # '#' starts a directive; TAP 14 escapes it and '\' with a backslash,
    # TAP 13 consumers do not unescape, so there it is replaced.
    text = _line(text)
    if version >= 14:
        return text.replace("\\", "\\\\").replace("#", "\\#")
    return text.replace("#", "No.")


def _scalar(value):
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    # A JSON string is a YAML double-quoted scalar.
    return json.dumps(CONTROL.sub("?", str(value)), ensure_ascii=False)


def _yaml(fields, indent="  "):
    out = []
    for key, value in fields:
        if isinstance(value, list):
            if not value:
                continue
            out.append("%s%s:" % (indent, key))
            for v in value:
                out.append("%s  - %s" % (indent, _scalar(v)))
        elif isinstance(value, dict):
            out.append("%s%s:" % (indent, key))
            out.extend(_yaml(list(value.items()), indent + "  "))
        else:
            out.append("%s%s: %s" % (indent, key, _scalar(value)))
    return out


def directive(p):
    """The TAP directive for a point, or ''."""
    if p.outcome == "skip":
        return "SKIP %s" % _line(p.reason or "skipped")
    if p.outcome == "xfail":
        if p.expectation is not None:
            return "TODO expected failure (%s): %s" % (
                p.expectation.id, _line(p.expectation.explanation))
        return "TODO expected failure: %s" % _line(p.reason)
    return ""


def point_fields(p, claims):
    c = p.case
    claim = claims.get(c.claim) if c.claim else None
    fields = [("case", c.id)]
    if p.fs_type is not None:
        fields += [("fs", p.fs_type), ("dir", p.fs_dir)]
    fields += [("claim", c.claim), ("class", c.cls),
               ("result", p.raw), ("outcome", p.outcome)]
    if c.descr:
        fields.append(("checks", c.descr))
    if claim is not None:
        fields.append(("tutorial", claim.get("words")))
        fields.append(("statement", claim.get("statement")))
        if claim.get("erratum"):
            fields.append(("erratum", claim["erratum"]))
    if p.outcome in ("fail", "broken", "xfail") and p.reason:
        f = p.failure or {}
        fields.append(("message", _line(f.get("what") or p.reason)))
        if f.get("expected") is not None:
            fields.append(("expected", f["expected"]))
            fields.append(("observed", f["observed"]))
        if p.lesson and p.lesson.get("check"):
            fields.append(("check", p.lesson["check"]))
        fields.append(("why", teach.why(claim, c.cls, p.outcome, p.expectation)))
    elif p.outcome == "xpass":
        fields.append(("message", "known deviation %s did not happen: the "
                       "case passed here" % p.expectation.id))
    elif p.outcome == "skip":
        fields.append(("reason", _line(p.reason)))
    if p.expectation is not None:
        e = p.expectation
        fields.append(("deviation", {"id": e.id,
                                     "explanation": e.explanation,
                                     "reference": e.reference,
                                     "applies": e.summary()}))
    fields.append(("duration_ms", round((p.seconds or 0) * 1000, 3)))
    return fields


def write(run, claims, version=13):
    pts = list(run.points())
    lines = ["TAP version %d" % version, "1..%d" % len(pts)]
    # The environment, as diagnostics every consumer passes over.
    lines += ["# %s: %s" % (_line(k), _line(v))
              for k, v in probe_mod.describe(run.probe)]
    for i, p in enumerate(pts, 1):
        ok = p.outcome in ("pass", "skip")
        d = directive(p)
        desc = _desc(p.id, version)
        if p.outcome == "xpass":
            # Red, as ATF and Kyua have it: no directive, words only.
            desc += " - known deviation %s did not happen" % \
                p.expectation.id
        line = "%s %d - %s" % ("ok" if ok else "not ok", i, desc)
        if d:
            line += " # " + d
        lines.append(line)
        lines.append("  ---")
        lines.extend(_yaml(point_fields(p, claims)))
        lines.append("  ...")
    return "\n".join(lines) + "\n"
