"""What a failure teaches: the one-line reason and the lesson block the
harness writes to stderr (see harness/sc_case.c)."""
import re

# "CLAIM-ID [class] on <fstype> <dir>: <message>"
REASON = re.compile(
    r"^(?P<claim>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*) \[(?P<cls>[A-Za-z]+)\]"
    r"(?: on (?P<fstype>\S+) (?P<dir>[^:]*))?: (?P<msg>.*)$", re.S)

HEADER = re.compile(r"^=== shmconform: (?P<case>\S+) failed"
                    r"(?: on (?P<fstype>\S+) (?P<dir>.*))?$")
FIELDS = ("claim", "tutorial", "statement", "erratum", "check", "failed")


def split_expected(msg):
    """'what: expected X, observed Y' -> (what, X, Y); (msg, None, None) when
    the message is not in that form."""
    i = msg.rfind(": expected ")
    if i < 0:
        if msg.startswith("expected "):
            i, what = -2, ""
        else:
            return msg, None, None
    else:
        what = msg[:i]
    rest = msg[i + len(": expected "):]
    j = rest.find(", observed ")
    if j < 0:
        return msg, None, None
    return what, rest[:j], rest[j + len(", observed "):]


def parse_reason(reason):
    """The parts of a failure's one-line reason (missing parts are None)."""
    reason = (reason or "").strip()
    out = {"claim": None, "class": None, "fs_type": None, "fs_dir": None,
           "message": reason, "what": reason, "expected": None,
           "observed": None}
    # Several file systems' failures are joined by "; " in the aggregate:
    # the first is the one a single point carries.
    m = REASON.match(reason)
    if not m:
        # Kyua's expected failures read "<why expected>: <the failure>".
        m = next((x for x in (REASON.match(reason[i + 2:]) for i in
                              range(len(reason)) if reason.startswith(
                                  ": ", i)) if x), None)
    if m:
        out.update(claim=m.group("claim"), fs_type=m.group("fstype"),
                   fs_dir=m.group("dir"), message=m.group("msg"))
        out["class"] = m.group("cls")
    what, exp, obs = split_expected(out["message"])
    out.update(what=what, expected=exp, observed=obs)
    return out


def parse_blocks(stderr):
    """Lesson blocks keyed by (fstype, dir), or None for a case that is not
    per file system.  Each block: claim, tutorial, statement, erratum, check,
    failed, context (the lines after 'context')."""
    blocks = {}
    cur = None
    in_context = False
    for line in (stderr or "").splitlines():
        m = HEADER.match(line)
        if m:
            key = (m.group("fstype"), m.group("dir")) \
                if m.group("fstype") else None
            cur = {"case": m.group("case"), "context": []}
            blocks.setdefault(key, cur)
            in_context = False
            continue
        if cur is None:
            continue
        if in_context:
            if line.strip() == "":
                cur = None
            else:
                cur["context"].append(line)
            continue
        if line.strip() == "":
            cur = None
            continue
        if line == "context":
            in_context = True
            continue
        key, _, val = line.partition(" ")
        if key in FIELDS:
            cur[key] = val.strip()
    return blocks
