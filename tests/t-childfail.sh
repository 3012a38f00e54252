#!/bin/bash
# tests/t-childfail.sh: a child's failure ends its case at once, with the
# child's own reason, and every failure is also a check record.
#
# 1. With a fault that kills the child before it posts the event its parent
#    waits for (shared_dontfork: the inherited shared mapping is gone, the
#    child's first store is a SIGSEGV), the case fails in well under a
#    second (asserted: < 2 s; the wait bound is 20 s) and its reason is the
#    child's end, not "timed out".
# 2. The failure is on stderr as exactly one "shmconform-check: {json}" line
#    (reports/FORMAT.md, "Check records"): valid JSON, every member, the
#    reason equal to the case's result; errno checks carry errno names,
#    per-fs cases one record per failing file system and one skip record per
#    skipped one; a passing case writes none.
# The case programs run directly (ATF's -r result file), with the fault
# library preloaded, a private state directory and temporary directory.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
lib=$build/tests/faults/libshmconform-faults.so
py=/usr/bin/python3
pass=0
fail=0

die() {
	echo "t-childfail: $*" >&2
	exit 1
}
ok() {
	echo "ok   $*"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $*"
	fail=$((fail + 1))
}

SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
[ -f "$lib" ] || die "$lib was not built"
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-childfail.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
mkdir -m 1777 "$work/state"
mkdir "$work/tmp"
export SHMCONFORM_STATE=$work/state TMPDIR=$work/tmp

# run NAME FAULT PROGRAM CASE [ATF-ARGS...]: result in $work/NAME.result,
# stderr in $work/NAME.err, elapsed milliseconds in $work/NAME.ms.
run() {
	local name=$1 fault=$2 prog=$3 case=$4
	shift 4
	local t0 t1
	t0=$(date +%s%N)
	(cd "$work/tmp" && SHMCONFORM_FAULT=$fault LD_PRELOAD=$lib \
		timeout 120 "$build/cases/$prog" -r "$work/$name.result" "$@" \
		"$case" >"$work/$name.out" 2>"$work/$name.err")
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$work/$name.ms"
}

# records NAME TAG: the JSON objects of stderr's TAG lines, one a line.
records() {
	sed -n "s/^$2: //p" "$work/$1.err"
}

# ---- 1. a child that dies before it posts ------------------------------
for pc in mmap_anon:anonymous_shared_is_shared_with_forked_child \
	shm_fork_exec:fork_child_inherits_attachment \
	shm_fork_exec:fork_child_counts_in_nattch; do
	prog=${pc%%:*} case=${pc#*:}
	run "$case" shared_dontfork "$prog" "$case"
	ms=$(cat "$work/$case.ms")
	res=$(cat "$work/$case.result" 2>/dev/null)
	if [[ $res != failed:* ]]; then
		bad "$pc with the child killed before it posts: expected failed, observed '$res'"
	elif [[ $res == *"timed out"* || $res == *"did not finish in time"* ]]; then
		bad "$pc: the reason is the harness's timeout, not the child's ($ms ms): $res"
	elif [[ $res != *"killed by SIGSEGV"* ]]; then
		bad "$pc: the reason does not name the child's end (SIGSEGV): $res"
	elif [ "$ms" -ge 2000 ]; then
		bad "$pc: took $ms ms (expected < 2000)"
	else
		ok "$pc: the child's SIGSEGV ends the case in $ms ms: ${res#failed: }"
	fi
	# Its record: the child's end, as data.
	n=$(records "$case" shmconform-check | wc -l)
	if [ "$n" -ne 1 ]; then
		bad "$pc: expected 1 shmconform-check line, observed $n"
	elif records "$case" shmconform-check | "$py" -c '
import json, sys
r = json.loads(sys.stdin.readline())
res = open(sys.argv[1]).read().strip()
keys = {"claim", "class", "case", "fs_type", "fs_dir", "check", "expected",
        "observed", "errno_expected", "errno_observed", "signal_expected",
        "signal_observed", "file", "line", "reason"}
assert keys <= set(r), keys - set(r)
assert r["case"] == sys.argv[2], r["case"]
assert r["signal_observed"] == "SIGSEGV", r["signal_observed"]
assert r["expected"] == "exit status 0", r["expected"]
assert "failed: " + r["reason"] == res, (r["reason"], res)
assert isinstance(r["line"], int) and r["file"].endswith(".c")
' "$work/$case.result" "$case"; then
		ok "$pc: one check record, valid, signal_observed SIGSEGV, reason as the result's"
	else
		bad "$pc: its check record is wrong: $(records "$case" shmconform-check)"
	fi
done

# A child that skips before it posts (no privilege for a new IPC
# namespace): the skip is the case's at once, with the child's reason.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$work" # nobody passes through to its directory
	chmod 1777 "$work/tmp"
	t0=$(date +%s%N)
	(cd "$work/tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout 120 "$build/cases/ipc_namespace" -r "$work/tmp/skip.result" \
		segment_outlives_creator_while_its_namespace_lives \
		>/dev/null 2>"$work/skip.err")
	ms=$((($(date +%s%N) - t0) / 1000000))
	res=$(cat "$work/tmp/skip.result" 2>/dev/null)
	rm -f "$work/tmp/skip.result"
	if [[ $res == "skipped: cannot make a new IPC namespace"* ]] &&
		[ "$ms" -lt 2000 ] && [ "$(records skip shmconform-skip | wc -l)" -eq 1 ]; then
		ok "a child's skip before it posts is the case's in $ms ms, one skip record: $res"
	else
		bad "a child's skip before it posts: '$res' after $ms ms; records: $(records skip shmconform-skip)"
	fi
	chmod 700 "$work/tmp" "$work"
fi

# ---- 2. records of errno checks and of per-fs cases ---------------------
run errno mmap_errno_swapped mmap_return bad_fd_fails_with_ebadf
if records errno shmconform-check | "$py" -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
assert len(rs) == 1, len(rs)
r = rs[0]
assert (r["errno_expected"], r["errno_observed"]) == ("EBADF", "EINVAL"), r
assert r["file"] == "mmap_return.c" and r["claim"] == "MMAP-RETURN", r
assert r["class"] == "POSIX" and r["fs_type"] is None, r
assert r["check"].startswith("mmap("), r["check"]
assert r["expected"] == "failure with EBADF", r["expected"]
'; then
	ok "an errno check's record carries both errno names, the call and its line"
else
	bad "errno record: $(records errno shmconform-check)"
fi

fsl=$work/tmp:/dev/shm:$work/absent
run perfs mmap_errno_swapped mmap_return write_only_fd_fails_with_eacces -v fs="$fsl"
if "$py" -c '
import json, sys
err = open(sys.argv[1]).read().splitlines()
checks = [json.loads(l.split(": ", 1)[1]) for l in err if l.startswith("shmconform-check: ")]
skips = [json.loads(l.split(": ", 1)[1]) for l in err if l.startswith("shmconform-skip: ")]
dirs = [r["fs_dir"] for r in checks]
assert dirs == sys.argv[2].split(":")[:2], dirs
assert all(r["errno_observed"] == "EPERM" for r in checks), checks
assert [s["fs_dir"] for s in skips] == [sys.argv[2].split(":")[2]], skips
assert skips[0]["fs_type"] == "absent" and "statfs" in skips[0]["reason"]
' "$work/perfs.err" "$fsl"; then
	ok "a per-fs case: one check record per failing file system, one skip record per skipped one"
else
	bad "per-fs records: $(grep '^shmconform-' "$work/perfs.err")"
fi

run clean none mmap_anon anonymous_shared_is_shared_with_forked_child
if [ "$(cat "$work/clean.result")" = passed ] &&
	! grep -q '^shmconform-' "$work/clean.err"; then
	ok "without a fault the case passes in $(cat "$work/clean.ms") ms and writes no record"
else
	bad "without a fault: $(cat "$work/clean.result"); $(grep '^shmconform-' "$work/clean.err")"
fi

left=$(find "$work/state" "$work/tmp" -mindepth 1 ! -name 'shmconform.ledger' 2>/dev/null)
if [ -z "$left" ]; then
	ok "nothing left in the state and temporary directories"
else
	bad "left behind: $left"
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
