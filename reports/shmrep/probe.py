"""The environment a run saw (reports/FORMAT.md, probe object): read it and
say it in words for the reports.  Only sc-probe (tools/tl_probe.c) inspects
the environment; this module never does."""
import json
import os
import re
import subprocess

from .errors import UserError, read_json

FORMAT = "shmconform-probe"
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
# Integers above 2^53 are written as decimal strings (reports/FORMAT.md).
EXACT_MAX = 1 << 53
_DIGITS = re.compile(r"-?[0-9]+\Z")


def normalize(value):
    """The probe with its big integers (decimal strings) as ints again."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, str) and _DIGITS.match(value) and \
            abs(int(value)) > EXACT_MAX:
        return int(value)
    return value


def canonical(value):
    """The probe as the format writes it: integers above 2^53 as decimal
    strings (older probes wrote them as numbers)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and \
            abs(value) > EXACT_MAX:
        return str(value)
    return value


def load(path):
    data = read_json(path, "probe")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("%s is not a shmconform probe (no \"format\": \"%s\")"
                        % (path, FORMAT))
    # In the written form (an export writes it on unchanged; older probes
    # wrote big integers as numbers); the functions below normalize what
    # they show.
    return canonical(data)


def default_sc_probe():
    build = os.environ.get("SHMCONFORM_BUILD") or os.path.join(TOP, "build")
    return os.path.join(build, "tools", "sc-probe")


def run_sc_probe(sc_probe=None, fs=None, timeout=60):
    """sc-probe's JSON text, checked to be a probe object."""
    sc_probe = sc_probe or default_sc_probe()
    cmd = [sc_probe] + (["--fs", fs] if fs else [])
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              check=False)
    except FileNotFoundError:
        raise UserError("%s not found: build it (ci/build) or name it with "
                        "--sc-probe" % sc_probe)
    except (OSError, subprocess.SubprocessError) as e:
        raise UserError("%s failed: %s" % (sc_probe, e))
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip()
        raise UserError("%s failed (exit %d)%s" % (
            sc_probe, done.returncode, ": " + why if why else ""))
    try:
        data = json.loads(text)
    except ValueError as e:
        raise UserError("%s printed no JSON: %s" % (sc_probe, e))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("%s printed no probe object" % sc_probe)
    return text


# ---- for the reports ------------------------------------------------------

def facts(probe):
    """What expectations match on."""
    p = probe or {}
    k = p.get("kernel") or {}
    sb = p.get("sandbox") or {}
    tags = set(sb.get("tags") or [])
    if sb.get("kind"):
        tags.add(sb["kind"])
    return {"release": k.get("release"), "machine": k.get("machine"),
            "sandbox": sb.get("kind"), "sandbox_tags": tags,
            "runtime": (p.get("runtime") or {}).get("name")}


def label(probe):
    """A short name for the environment: '6.18.44-fc-v595 x86_64 vm'."""
    if not probe:
        return "unknown environment"
    k = probe.get("kernel") or {}
    sb = (probe.get("sandbox") or {}).get("kind") or "?"
    parts = [k.get("release") or "?", k.get("machine") or "?"]
    if sb != "none":
        parts.append(sb)
    return " ".join(parts)


def short(probe):
    """One line: kernel, architecture, page size, SHMLBA, sandbox, fs, and
    (probes that record them) runtime, missing capabilities, seccomp."""
    if not probe:
        return "environment unknown (no probe recorded)"
    probe = normalize(probe)
    k = probe.get("kernel") or {}
    fs = ", ".join("%s %s%s" % (f.get("type") or "?", f.get("dir"),
                                " (read-only)" if f.get("read_only") else "")
                   for f in probe.get("filesystems") or [])
    line = "kernel %s %s; page size %s; SHMLBA %s; sandbox %s; file " \
        "systems: %s" % (k.get("release", "?"), k.get("machine", "?"),
                         probe.get("page_size"), probe.get("shmlba"),
                         (probe.get("sandbox") or {}).get("kind", "?"),
                         fs or "none recorded")
    rt = probe.get("runtime")
    if rt:
        line += "; runtime %s" % rt.get("name")
    eff = (probe.get("capabilities") or {}).get("effective")
    if eff and eff.get("lacks") is not None:
        line += "; capabilities: %s" % _caps_words(eff)
    sc = probe.get("seccomp") or {}
    if sc.get("mode_name") and sc.get("mode_name") != "disabled":
        line += "; seccomp %s" % _seccomp_words(sc)
    return line


def _caps_words(capset):
    """'all', 'none', 'all but CAP_SYS_ADMIN, CAP_IPC_OWNER' or the list."""
    have, lacks = capset.get("names") or [], capset.get("lacks") or []
    if not have:
        return "none"
    if not lacks:
        return "all"
    if len(lacks) <= len(have):
        return "all but " + ", ".join(lacks)
    return ", ".join(have)


def _seccomp_words(sc):
    words = sc.get("mode_name") or "unknown"
    if sc.get("filters"):
        words += " (%d filter%s)" % (sc["filters"],
                                     "" if sc["filters"] == 1 else "s")
    return words


def _idmap_words(entries):
    if not entries:
        return "none"
    return ", ".join("%s->%s (%s)" % (e.get("inside"), e.get("outside"),
                                      e.get("count")) for e in entries)


def _size(n):
    if isinstance(n, str) and n.isdigit():
        n = int(n)  # written as a string beyond 2^53 (reports/FORMAT.md)
    if not isinstance(n, int):
        return str(n)
    if n >= 1 << 60:
        return "%d (no practical limit)" % n
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return "%d (%.1f %s)" % (n, n / (1 << shift), unit)
    return str(n)


def describe(probe):
    """[(what, value), ...] in words, for every report."""
    if not probe:
        return [("environment", "unknown: no probe was recorded with this "
                 "run (probe.json missing)")]
    probe = normalize(probe)
    rows = []
    k = probe.get("kernel") or {}
    rows.append(("kernel", "%s %s (%s)" % (k.get("sysname", "?"),
                                           k.get("release", "?"),
                                           k.get("version", "?"))))
    rows.append(("architecture", k.get("machine", "?")))
    if probe.get("libc"):
        rows.append(("C library", probe["libc"]))
    rows.append(("page size", _size(probe.get("page_size"))))
    rows.append(("SHMLBA", _size(probe.get("shmlba"))
                 if probe.get("shmlba") is not None else "not probed"))
    ipc = probe.get("ipc_info")
    sysctl = probe.get("sysctl") or {}
    if ipc:
        rows.append(("shmmax / shmall / shmmni (IPC_INFO)", "%s / %s pages "
                     "/ %s" % (_size(ipc.get("shmmax")), ipc.get("shmall"),
                               ipc.get("shmmni"))))
    else:
        rows.append(("shmmax / shmall / shmmni (sysctl)", "%s / %s pages / %s"
                     % (_size(sysctl.get("shmmax")), sysctl.get("shmall"),
                        sysctl.get("shmmni"))))
    rows.append(("kernel.shm_rmid_forced",
                 str(sysctl.get("shm_rmid_forced", "unknown"))))
    for fs in probe.get("filesystems") or []:
        rows.append(("file system %s" % fs.get("dir"), _fs_words(fs)))
    ds = probe.get("dev_shm") or {}
    if ds.get("present") is False:
        rows.append(("/dev/shm", "absent"))
    elif ds:
        rows.append(("/dev/shm", "%s, size %s%s" % (
            ds.get("type") or "?", _size(ds.get("size_bytes")),
            # probes that record read_only also mean their free space
            ", free %s" % _size(ds.get("free_bytes"))
            if "read_only" in ds else "")))
    ns = probe.get("namespaces") or {}
    for name in ("ipc", "user"):
        n = ns.get(name)
        if n:
            init = {True: "initial", False: "NOT the initial one",
                    None: "unknown"}[n.get("initial")]
            extra = ", uid_map %s" % n["uid_map"] if n.get("uid_map") else ""
            rows.append(("%s namespace" % name, "%s (%s%s)"
                         % (n.get("id"), init, extra)))
    sb = probe.get("sandbox") or {}
    rows.append(("sandbox", "%s%s" % (
        sb.get("kind", "unknown"),
        " (%s)" % "; ".join(sb["evidence"]) if sb.get("evidence") else "")))
    rows += _newer_rows(probe)
    rows.append(("probed by", "%s at %s" % (probe.get("producer", "?"),
                                            probe.get("time", "?"))))
    return rows


def _newer_rows(probe):
    """Runtime, capabilities, seccomp, user namespace and cgroup: rows only
    for the probes that record them (older probes did not)."""
    rows = []
    rt = probe.get("runtime")
    if rt:
        rows.append(("runtime", "%s (%s; decided by: %s)" % (
            rt.get("name"), rt.get("type"), rt.get("decided_by"))))
    caps = probe.get("capabilities") or {}
    for which in ("effective", "permitted", "bounding"):
        c = caps.get(which)
        if c:
            rows.append(("capabilities, %s" % which, "%s: %s" % (
                c.get("hex"), _caps_words(c))))
    sc = probe.get("seccomp")
    if sc:
        rows.append(("seccomp", _seccomp_words(sc) + (
            ", no_new_privs" if sc.get("no_new_privs") else "")))
    un = probe.get("user_namespace")
    if un:
        rows.append(("user namespace mapping", "uid %s; gid %s" % (
            _idmap_words(un.get("uid_map")),
            _idmap_words(un.get("gid_map")))))
    cg = probe.get("cgroup")
    if cg:
        if cg.get("memory_limit_bytes") is not None:
            lim = _size(cg["memory_limit_bytes"])
        else:
            lim = "none (%s)" % (cg.get("memory_limit") or "not found")
        rows.append(("cgroup memory limit", "%s, cgroup v%s %s" % (
            lim, cg.get("version") or "?",
            cg.get("memory_limit_file") or cg.get("path") or "")))
    return rows


def _fs_words(fs):
    if fs.get("error"):
        return fs["error"]
    words = fs.get("type") or "?"
    if fs.get("mount_point"):
        words += ", mounted on %s (%s) with %s" % (
            fs["mount_point"], fs.get("mount_source", "?"),
            fs.get("mount_options", "?"))
        if fs.get("super_options"):
            words += "; %s" % fs["super_options"]
    if fs.get("size_bytes") is not None:
        words += ", size %s" % _size(fs["size_bytes"])
    if "read_only" in fs:  # probes that record it
        words += ", free %s, %s" % (
            _size(fs.get("free_bytes")),
            {True: "read-only", False: "writable"}.get(fs["read_only"],
                                                       "writable?"))
    if fs.get("notes"):
        words += "; " + "; ".join(fs["notes"])
    return words
