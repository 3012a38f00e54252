"""The shmconform results format (reports/FORMAT.md): read and write."""
import json

from .errors import UserError, read_json
from .model import RESULTS, Case, Run

FORMAT = "shmconform-results"
# The largest integer every JSON reader holds exactly (JavaScript's
# JSON.parse and jq 1.6 read numbers as IEEE doubles).
SAFE_INT = 2 ** 53 - 1


def portable(obj):
    """obj with every integer beyond +-(2^53 - 1) as its decimal string
    (reports/FORMAT.md): shmmax and shmall are often 2^64 - 2^24 - 1."""
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return str(obj) if abs(obj) > SAFE_INT else obj
    if isinstance(obj, dict):
        return {k: portable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [portable(v) for v in obj]
    return obj


def dumps_portable(obj, indent=1):
    """JSON text of obj as every report writes it."""
    return json.dumps(portable(obj), indent=indent, ensure_ascii=False) + \
        "\n"


def _get(case, meta, key, *md_names):
    if case.get(key) is not None:
        return case[key]
    for n in md_names:
        if meta.get(n) is not None:
            return meta[n]
    return None


def from_dict(data, path):
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("%s is not a shmconform results file (no \"format\": "
                        "\"%s\")" % (path, FORMAT))
    if data.get("version") != 1:
        raise UserError("%s: results format version %r is not supported "
                        "(this tool reads version 1)"
                        % (path, data.get("version")))
    run = data.get("run") or {}
    cases = []
    if not isinstance(data.get("cases"), list):
        raise UserError("%s: \"cases\" must be a list" % path)
    for i, c in enumerate(data["cases"]):
        where = "%s: case %d" % (path, i + 1)
        if not isinstance(c, dict):
            raise UserError("%s is not an object" % where)
        meta = c.get("metadata") or {}
        for key in ("program", "name", "result"):
            if not isinstance(c.get(key), str):
                raise UserError("%s: \"%s\" missing or not a string"
                                % (where, key))
        if c["result"] not in RESULTS:
            raise UserError("%s (%s:%s): unknown result %r (one of %s)"
                            % (where, c["program"], c["name"], c["result"],
                               ", ".join(RESULTS)))
        fs = c.get("fs")
        if fs is not None:
            if not isinstance(fs, list) or not all(
                    isinstance(p, dict) and p.get("verdict") in
                    ("pass", "fail", "skip") for p in fs):
                raise UserError("%s: \"fs\" must be a list of "
                                "{verdict: pass|fail|skip, ...}" % where)
        per_fs = _get(c, meta, "per_fs", "X-per-fs", "per-fs")
        if isinstance(per_fs, str):
            per_fs = per_fs == "yes"
        if fs is None and c.get("stdout") is None:
            fs = []
        cases.append(Case(
            program=c["program"], name=c["name"], result=c["result"],
            reason=c.get("reason") or "",
            claim=_get(c, meta, "claim", "X-claim", "claim"),
            cls=_get(c, meta, "class", "X-class", "class"),
            per_fs=bool(per_fs),
            descr=_get(c, meta, "descr", "descr", "description") or "",
            started=c.get("started"), seconds=c.get("seconds"),
            fs=fs, stdout=c.get("stdout") or "",
            stderr=c.get("stderr") or "",
            truncated=bool(c.get("truncated"))))
    probe = data.get("probe")
    out = Run(cases, probe=probe if isinstance(probe, dict) else None,
              started=run.get("started"), seconds=run.get("seconds"),
              producer=run.get("producer") or "", label=run.get("label"),
              source=path)
    out.demonstration = data.get("demonstration")  # ci/break's runs
    return out


def load(path):
    data = read_json(path, "results")
    return from_dict(data, path)


def to_dict(run):
    """The run as a results file (raw observations, no expectations)."""
    cases = []
    for c in run.cases:
        cases.append({
            "program": c.program, "name": c.name, "claim": c.claim,
            "class": c.cls, "per_fs": c.per_fs, "descr": c.descr,
            "result": c.result, "reason": c.reason, "started": c.started,
            "seconds": c.seconds,
            "fs": [dict(p) for p in c.fs],
            "stdout": c.stdout, "stderr": c.stderr,
            "truncated": c.truncated,
        })
    return {
        "format": FORMAT, "version": 1,
        "run": {"started": run.started, "seconds": run.seconds,
                "producer": run.producer, "label": run.label},
        "probe": run.probe,
        "cases": cases,
    }


def dumps(run):
    return dumps_portable(to_dict(run))
