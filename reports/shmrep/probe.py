"""The environment a run saw (reports/FORMAT.md, probe object): load it,
collect it (build/harness/sc-probe, or what Python can read alone), and say
it in words for the reports."""
import datetime
import json
import os
import platform
import subprocess

from .errors import UserError, read_json

FORMAT = "shmconform-probe"


def load(path):
    data = read_json(path, "probe")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError("%s is not a shmconform probe (no \"format\": \"%s\")"
                        % (path, FORMAT))
    return data


def collect(sc_probe=None, fs=None, timeout=30):
    """Run sc-probe; if it is missing or fails, probe from Python alone."""
    note = None
    if sc_probe:
        cmd = [sc_probe] + (["--fs", fs] if fs else [])
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, timeout=timeout,
                                 check=True).stdout
            data = json.loads(out.decode("utf-8", "replace"))
            if isinstance(data, dict) and data.get("format") == FORMAT:
                return data
            note = "sc-probe printed no probe object"
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            note = "sc-probe failed: %s" % e
    data = python_probe(fs)
    if note:
        data["note"] = note
    return data


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _num(text):
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _mount_of(path):
    """(mount point, fstype, source, options, super options) by device."""
    try:
        real = os.path.realpath(path)
        dev = os.stat(real).st_dev
    except OSError:
        return None
    want = "%d:%d" % (os.major(dev), os.minor(dev))
    best = None
    for line in (_read("/proc/self/mountinfo") or "").splitlines():
        left, _, right = line.partition(" - ")
        f = left.split()
        r = right.split()
        if len(f) < 6 or len(r) < 3 or f[2] != want:
            continue
        point = f[4].replace("\\040", " ")
        if point != "/" and not (real == point or
                                 real.startswith(point + "/")):
            continue
        if best is None or len(point) >= len(best[0]):
            best = (point, r[0], r[1], f[5], r[2])
    return best


def _fs(path):
    out = {"dir": path}
    try:
        st = os.statvfs(path)
    except OSError as e:
        out.update(type=None, error="cannot probe %s: %s" % (path,
                                                             e.strerror))
        return out
    m = _mount_of(path)
    # Without statfs(2)'s magic number, the mount's type is the best name.
    out["type"] = m[1] if m else None
    if m:
        out.update(mount_point=m[0], mount_fstype=m[1], mount_source=m[2],
                   mount_options=m[3], super_options=m[4])
    out.update(size_bytes=st.f_blocks * st.f_frsize,
               free_bytes=st.f_bavail * st.f_frsize, error=None)
    return out


INITIAL_NS = {"ipc": 0xEFFFFFFF, "uts": 0xEFFFFFFE, "user": 0xEFFFFFFD,
              "pid": 0xEFFFFFFC, "cgroup": 0xEFFFFFFB, "time": 0xEFFFFFFA}


def python_probe(fs=None):
    """What Python reads without C: no SHMLBA, no IPC_INFO (sysctls stand
    in), file-system types from the mount table."""
    u = os.uname()
    if fs is None:
        fs = "%s:/dev/shm" % (os.environ.get("TMPDIR") or "/tmp")
    ns = {}
    for name in ("ipc", "uts", "user", "pid", "cgroup", "time", "mnt",
                 "net"):
        try:
            link = os.readlink("/proc/self/ns/" + name)
            ino = os.stat("/proc/self/ns/" + name).st_ino
        except OSError:
            continue
        ns[name] = {"id": link, "initial": (ino == INITIAL_NS[name])
                    if name in INITIAL_NS else None}
    if "user" in ns:
        umap = _read("/proc/self/uid_map")
        if umap:
            ns["user"]["uid_map"] = " ".join(umap.split()[:3])
    sysctl = {}
    for key, path in (("shmmax", "kernel/shmmax"), ("shmall", "kernel/shmall"),
                      ("shmmni", "kernel/shmmni"),
                      ("shm_rmid_forced", "kernel/shm_rmid_forced"),
                      ("shm_next_id", "kernel/shm_next_id"),
                      ("overcommit_memory", "vm/overcommit_memory")):
        sysctl[key] = _num(_read("/proc/sys/" + path))
    try:
        page = os.sysconf("SC_PAGESIZE")
    except (ValueError, OSError):
        page = None
    libc = platform.libc_ver()
    return {
        "format": FORMAT, "version": 1, "producer": "shmreport.py",
        "time": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hostname": u.nodename,
        "kernel": {"sysname": u.sysname, "release": u.release,
                   "version": u.version, "machine": u.machine},
        "libc": " ".join(libc) if libc[0] else None,
        "page_size": page, "shmlba": None, "ipc_info": None,
        "shm_info": None, "sysctl": sysctl,
        "filesystems": [_fs(d) for d in fs.split(":") if d],
        "dev_shm": dict(_fs("/dev/shm"), present=os.path.exists("/dev/shm")),
        "namespaces": ns, "uid": os.getuid(), "euid": os.geteuid(),
        "sandbox": _sandbox(u, ns),
    }


def _sandbox(u, ns):
    """The same signs sc-probe weighs (reports/FORMAT.md)."""
    ev = []
    tags = []
    rel = u.release.lower()
    if "gvisor" in rel or u.version == "#1 SMP Sun Jan 10 15:06:54 PST 2016":
        tags.append("gvisor")
        ev.append("kernel release/version is gVisor's")
    if "Microsoft" in u.release:
        tags.append("wsl1")
        ev.append("kernel release %s (WSL 1)" % u.release)
    elif "microsoft" in rel:
        tags.append("wsl2")
        ev.append("kernel release %s (WSL 2)" % u.release)
    cpuinfo = _read("/proc/cpuinfo") or ""
    if "User Mode Linux" in cpuinfo:
        tags.append("uml")
        ev.append("/proc/cpuinfo says User Mode Linux")
    pid_init = ns.get("pid", {}).get("initial")
    user_init = ns.get("user", {}).get("initial")
    container = pid_init is False or user_init is False
    if container:
        ev.append("non-initial PID or user namespace")
    if os.path.exists("/run/.containerenv"):
        container = True
        ev.append("/run/.containerenv present")
    cg = _read("/proc/self/cgroup") or ""
    for mark in ("docker", "kubepods", "lxc", "containerd", "libpod"):
        if mark in cg:
            container = True
            ev.append("/proc/self/cgroup names %s" % mark)
            break
    if os.path.exists("/.dockerenv"):
        if pid_init and user_init and not container:
            ev.append("/.dockerenv present but the namespaces are the "
                      "initial ones: an image marker, not a container")
        else:
            container = True
            ev.append("/.dockerenv present")
    if container:
        tags.append("container")
    vm = " hypervisor" in cpuinfo
    hyper = None
    if vm:
        ev.append("cpu flag hypervisor")
    if "firecracker" in (_read("/proc/cmdline") or ""):
        vm, hyper = True, "firecracker"
        ev.append("/proc/cmdline names firecracker")
    if vm:
        tags.append("vm")
    if hyper:
        tags.append(hyper)
    order = ("gvisor", "wsl2", "wsl1", "uml", "container", "vm")
    kind = next((k for k in order if k in tags), "none")
    return {"kind": kind, "tags": tags, "gvisor": "gvisor" in tags,
            "wsl": "wsl1" in tags or "wsl2" in tags, "uml": "uml" in tags,
            "container": container, "vm": vm, "evidence": ev}


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
            "sandbox": sb.get("kind"), "sandbox_tags": tags}


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
    """One line: kernel, architecture, page size, SHMLBA, sandbox, fs."""
    if not probe:
        return "environment unknown (no probe recorded)"
    k = probe.get("kernel") or {}
    fs = ", ".join("%s %s" % (f.get("type") or "?", f.get("dir"))
                   for f in probe.get("filesystems") or [])
    return "kernel %s %s; page size %s; SHMLBA %s; sandbox %s; file " \
        "systems: %s" % (k.get("release", "?"), k.get("machine", "?"),
                         probe.get("page_size"), probe.get("shmlba"),
                         (probe.get("sandbox") or {}).get("kind", "?"),
                         fs or "none recorded")


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
        rows.append(("/dev/shm", "%s, size %s" % (
            ds.get("type") or "?", _size(ds.get("size_bytes")))))
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
    rows.append(("probed by", "%s at %s" % (probe.get("producer", "?"),
                                            probe.get("time", "?"))))
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
    return words
