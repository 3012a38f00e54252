"""Read a Kyua results file (SQLite, Kyua 0.13/0.14 schema)."""
import datetime
import sqlite3

from .errors import UserError
from .model import RESULTS, Case, Run

EXCERPT = 64 * 1024  # bytes of stdout/stderr kept per case


def iso(usec):
    if usec is None:
        return None
    t = datetime.datetime.fromtimestamp(usec / 1e6, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(blob):
    if blob is None:
        return ""
    if isinstance(blob, str):
        return blob
    return bytes(blob[:EXCERPT]).decode("utf-8", "replace")


def _md(props, *names):
    """A custom metadata property: Kyua 0.13/0.14 store X-foo as
    custom.foo (older ones as custom.X-foo)."""
    for n in names:
        for key in ("custom." + n, "custom.X-" + n, "X-" + n, n):
            if key in props:
                return props[key]
    return None


def load(path, probe=None):
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise UserError("results file not found: %s" % path) from None
    except OSError as e:
        raise UserError("cannot read results file %s: %s"
                        % (path, e.strerror)) from None
    if head != b"SQLite format 3\0":
        raise UserError("%s is not a Kyua results file (not SQLite)" % path)
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            return _read(db, path, probe)
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise UserError("%s is not a readable Kyua results file: %s"
                        % (path, e)) from None


def _read(db, path, probe):
    tables = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    need = {"test_programs", "test_cases", "test_results", "metadatas"}
    if not need <= tables:
        raise UserError("%s is not a Kyua results file (missing tables: %s)"
                        % (path, ", ".join(sorted(need - tables))))
    md = {}
    for mid, name, value in db.execute(
            "SELECT metadata_id, property_name, property_value "
            "FROM metadatas"):
        md.setdefault(mid, {})[name] = value
    files = {}
    if {"test_case_files", "files"} <= tables:
        for tcid, fname, contents in db.execute(
                "SELECT f.test_case_id, f.file_name, c.contents "
                "FROM test_case_files f JOIN files c USING (file_id)"):
            files[(tcid, fname)] = contents
    cases = []
    rows = db.execute(
        "SELECT c.test_case_id, p.relative_path, c.name, c.metadata_id, "
        "r.result_type, r.result_reason, r.start_time, r.end_time "
        "FROM test_cases c JOIN test_programs p USING (test_program_id) "
        "LEFT JOIN test_results r USING (test_case_id)")
    first = None
    last = None
    for tcid, prog, name, mid, result, reason, start, end in rows:
        if result is None:
            continue  # listed but never run (an interrupted run)
        if result not in RESULTS:
            raise UserError("%s: case %s:%s has an unknown result type %r"
                            % (path, prog, name, result))
        props = md.get(mid, {})
        out_blob = files.get((tcid, "__STDOUT__"))
        err_blob = files.get((tcid, "__STDERR__"))
        truncated = any(b is not None and len(b) > EXCERPT
                        for b in (out_blob, err_blob))
        seconds = (end - start) / 1e6 if start and end else None
        if start:
            first = start if first is None else min(first, start)
        if end:
            last = end if last is None else max(last, end)
        cases.append(Case(
            program=prog, name=name, result=result, reason=reason or "",
            claim=_md(props, "claim"), cls=_md(props, "class"),
            per_fs=(_md(props, "per-fs") or "no") == "yes",
            descr=props.get("description") or "",
            started=iso(start), seconds=seconds,
            stdout=_text(out_blob), stderr=_text(err_blob),
            truncated=truncated))
    producer = "kyua"
    if "metadata" in tables:
        row = db.execute("SELECT schema_version FROM metadata").fetchone()
        if row:
            producer = "kyua (results schema %d)" % row[0]
    return Run(cases, probe=probe, started=iso(first),
               seconds=(last - first) / 1e6 if first and last else None,
               producer=producer, source=path)
