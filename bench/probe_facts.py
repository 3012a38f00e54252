"""The environment of a benchmark run, from sc-probe's probe.json beside
ipcbench.json (ci/bench writes it): ipcbench measures, it does not inspect
the environment (reports/FORMAT.md, probe object)."""
import json
import os


def merge(doc, results_path):
    """Fill doc's machine.kernel, machine.virtual and params.file_fs from
    the probe beside results_path; say "unknown" without one."""
    path = os.path.join(os.path.dirname(results_path) or ".", "probe.json")
    try:
        with open(path) as f:
            probe = json.load(f)
    except (OSError, ValueError):
        probe = None
    m, p = doc["machine"], doc["params"]
    if not isinstance(probe, dict) or probe.get("format") != \
            "shmconform-probe":
        m.setdefault("kernel", "unknown kernel (no probe.json)")
        m.setdefault("virtual", False)
        p.setdefault("file_fs", "unknown")
        return doc
    k = probe.get("kernel") or {}
    m["kernel"] = "%s %s" % (k.get("sysname", "?"), k.get("release", "?"))
    m["virtual"] = bool((probe.get("sandbox") or {}).get("vm"))
    fss = probe.get("filesystems") or []
    same = [f for f in fss if f.get("dir") == p.get("file_dir")]
    p["file_fs"] = ((same or fss or [{}])[0]).get("type") or "unknown"
    doc["probe"] = probe
    return doc
