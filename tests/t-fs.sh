#!/bin/sh
# t-fs: the fs family of the matrix (ci/runners/fs) on every CI run.
#   1. overlayfs on ext4 (a container's root): the whole suite runs there,
#      every per-fs point names overlay, and every failure is a known
#      deviation of deviations/ (the reports' own matcher)
#      (a CI job on overlay is as green as one on ext4)
#   2. a read-only squashfs image: the read-only mapping cases run and
#      pass, the writing cases skip with "read-only file system"
#   3. a full file system during the cases (overlay on an 8 KiB tmpfs):
#      the cases' results, not a broken run
#   4. a missing tool: a skipped environment (77) with the reason
#   5. Ctrl-C, SIGTERM and SIGKILL of the runner's process group: nothing
#      left mounted, attached or running; the next run sweeps the rest
# After each: no loop device, mount or directory of the run is left.
# Needs CAP_SYS_ADMIN (mounts); skipped with the reason otherwise.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
[ -x "$build/harness/sc-run" ] || SHMCONFORM_BUILD=$build "$top/ci/build" || exit 2
export SHMCONFORM_BUILD="$build"
runner=$top/ci/runners/fs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-fs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
base=${TMPDIR:-/tmp}
passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok   $*"
}
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}
capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
if [ $((0x$capeff >> 21 & 1)) -ne 1 ]; then
	echo "SKIP: needs CAP_SYS_ADMIN to mount file systems"
	echo "0 passed, 0 failed"
	exit 0
fi

# System V segments before this test (none may stay: the runner's IPC
# namespace takes them with it, even after a SIGKILL).
ipcs -m | awk '$1 ~ /^0x/ { print $2 }' | sort >"$tmp/segments.before"
# leftovers: System V segments, loop devices, mounts, FUSE daemons and
# directories of fs runs
leftovers() {
	{
		ipcs -m | awk '$1 ~ /^0x/ { print $2 }' | sort |
			comm -13 "$tmp/segments.before" - | sed 's/^/System V segment /'
		losetup -rn -O BACK-FILE 2>/dev/null | grep "$base/shmconform-fs\." || true
		cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -o "$base/shmconform-fs\.[^ ]*" | sort -u || true
		pgrep -a -f "$base/shmconform-fs\." || true
		ls -d "$base"/shmconform-fs.* 2>/dev/null || true
	} | head -n 5
}
# verdict WHAT COMMAND...: ok or bad with the command's output
verdict() {
	_what=$1
	shift
	if "$@" >"$tmp/check" 2>&1; then
		ok "$_what: $(cat "$tmp/check")"
	else
		bad "$_what: $(cat "$tmp/check")"
	fi
}
check_clean() { # check_clean WHAT
	l=$(leftovers)
	if [ -z "$l" ]; then ok "$1: nothing left"; else bad "$1: left behind: $l"; fi
}

# ---- 1. overlayfs on ext4 -------------------------------------------------
t0=$(date +%s)
st=0
"$runner" "$tmp/out" overlay-ext4 2>"$tmp/r.log" || st=$?
res=$tmp/out/fs-overlay-ext4.json
if [ "$st" -eq 77 ]; then
	ok "overlay-ext4: skipped here: $(tail -n 1 "$tmp/r.log")"
elif [ "$st" -ne 0 ] || ! [ -f "$res" ]; then
	bad "overlay-ext4: runner exit $st: $(tail -n 3 "$tmp/r.log")"
else
	ok "overlay-ext4: the suite ran ($(($(date +%s) - t0))s)"
	# Every failed per-fs point must be covered by a known deviation (no
	# "env", or an env matching the run's): case glob, fs, match.
	verdict overlay-ext4 python3 - "$res" "$top" <<'PY'
import sys
sys.path.insert(0, sys.argv[2] + "/reports")
from shmrep import claims, deviations, runs  # the one loader and matcher
run = runs.load(sys.argv[1], label="fs-overlay-ext4")
reg = deviations.load(sys.argv[2] + "/deviations",
                      claims.load(sys.argv[2] + "/claims.json"))
reg.apply(run)
pts = [p for p in run.points() if p.fs_type is not None]
types = {p.fs_type for p in pts}
assert types == {"overlay"}, "per-fs points on %s, not overlay" % types
bad = ["%s: %s" % (p.id, p.reason[:200]) for p in pts
       if p.outcome in ("fail", "broken")]
if bad:
    print("%d failures without a known deviation: %s" % (len(bad), "; ".join(bad)))
    sys.exit(1)
n = sum(1 for p in pts if p.outcome == "xfail")
print("%d failed points, each a known deviation of overlay" % n)
PY
fi
check_clean overlay-ext4

# ---- 2. read-only squashfs ------------------------------------------------
st=0
"$runner" "$tmp/out" squashfs 2>"$tmp/r.log" || st=$?
res=$tmp/out/fs-squashfs.json
if [ "$st" -eq 77 ]; then
	ok "squashfs: skipped here: $(tail -n 1 "$tmp/r.log")"
elif [ "$st" -ne 0 ] || ! [ -f "$res" ]; then
	bad "squashfs: runner exit $st: $(tail -n 3 "$tmp/r.log")"
else
	verdict squashfs python3 - "$res" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ro = {"read_only_mapping_reads_file_data", "shared_write_on_read_only_fd_fails_with_eacces",
      "private_write_on_read_only_fd_succeeds"}
bad = []
for c in d["cases"]:
    for p in c["fs"]:
        if c["name"] in ro and p["verdict"] != "pass":
            bad.append("%s: %s %s" % (c["name"], p["verdict"], p["reason"]))
        if c["name"] not in ro and p["verdict"] != "skip":
            bad.append("%s: %s, not skipped" % (c["name"], p["verdict"]))
        if p["verdict"] == "skip" and "read-only file system" not in p["reason"]:
            bad.append("%s: skipped for another reason: %s" % (c["name"], p["reason"]))
if bad:
    print("; ".join(bad[:5]))
    sys.exit(1)
print("the 3 read-only cases pass, the others skip: read-only file system")
PY
fi
check_clean squashfs

# ---- 3. a full file system during the cases -------------------------------
st=0
SHMCONFORM_FS_TMPFS_SIZE=8k SHMCONFORM_FILTER='mmap_*' "$runner" "$tmp/full" overlay-tmpfs 2>"$tmp/r.log" || st=$?
if [ "$st" -eq 77 ]; then
	ok "full: skipped here: $(tail -n 1 "$tmp/r.log")"
elif [ "$st" -eq 0 ] && grep -q "is full (ENOSPC" "$tmp/full/fs-overlay-tmpfs.log"; then
	ok "full: an 8 KiB tmpfs under overlay filled during the cases: their results, the run complete"
else
	bad "full: runner exit $st, or no case saw the full file system: $(tail -n 3 "$tmp/r.log")"
fi
check_clean full

# ---- 4. a missing tool ----------------------------------------------------
st=0
PATH=/usr/bin:/bin "$runner" "$tmp/out" xfs 2>"$tmp/r.log" || st=$?
if [ "$st" -eq 77 ] && grep -q "SKIP.*no mkfs.xfs (Debian package xfsprogs)" "$tmp/r.log"; then
	ok "missing tool: skipped: $(grep SKIP "$tmp/r.log" | tail -n 1)"
else
	bad "missing tool: exit $st: $(tail -n 2 "$tmp/r.log")"
fi
check_clean "missing tool"

# ---- 5. interrupted runs --------------------------------------------------
# The runner in a session of its own, signalled as a terminal would signal
# its process group, 3 s into its run (python: SIGINT not ignored, as it
# is for a background job of a non-interactive shell).
for sig in INT TERM KILL; do
	python3 - "$runner" "$tmp/int" "$sig" <<'PY' >"$tmp/check" 2>&1
import os, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], sys.argv[2], "fuse-writeback"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(3)
os.killpg(p.pid, getattr(signal, "SIG" + sys.argv[3]))
p.wait(timeout=60)
time.sleep(0.5)  # the kernel ends the namespace's processes and mounts
PY
	l=$(leftovers | grep -v "^$base/shmconform-fs\.[0-9]*\.[A-Za-z0-9]*$")
	if [ -z "$l" ]; then
		ok "SIG$sig: nothing mounted, attached or running"
	else
		bad "SIG$sig: left: $l $(cat "$tmp/check")"
	fi
	"$runner" --sweep >/dev/null 2>&1
	check_clean "SIG$sig, then the next run's sweep"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
