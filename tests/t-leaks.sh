#!/bin/bash
# tests/t-leaks.sh: a whole suite run leaves nothing behind.
#
# Snapshots System V segments (ipcs -m), POSIX shm names (/dev/shm), the
# huge page pool (vm.nr_hugepages, HugePages_Free), the
# temporary directory's shmconform* entries, the harness state directory and
# processes before the suite runs under Kyua, and again after: anything new
# is a leak, named with its details.  No sweep runs in between (ci/run-suite
# sweeps after its run, which would hide exactly these leaks).
#
# As root the run gets namespaces of its own (IPC, mount, PID) with a fresh
# /dev/shm, a private TMPDIR and state directory (on the same file system
# as /tmp), and its own /proc: other runs on the machine can neither add to nor hide what
# this run leaves, and a stray process shows in its PID namespace.  Without
# them (not root, or unshare refused) the snapshots are of the host, and
# another run at the same time could show up as a false leak.
# (SysV leak scenarios with timeouts and SIGKILL: tests/t-sysv-leaks.sh.)
#
# Environment: SHMCONFORM_BUILD (default build/), SHMCONFORM_KEEP=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}

die() {
	echo "t-leaks: $*" >&2
	exit 1
}

# ---- inside: snapshot, run, snapshot ------------------------------------
# snapshot FILE: one line per item that could leak.
snapshot() {
	# Processes first, from this shell itself (no pipeline): then the only
	# extra process is ps.  On the host only the case programs count
	# (other processes come and go).
	ps -e -o pid=,args= >"$1.ps"
	{
		ipcs -m | awk '$1 ~ /^0x/ { print "sysv-segment key=" $1 " id=" $2 " owner=" $3 " perms=" $4 " bytes=" $5 " nattch=" $6 }'
		find /dev/shm -mindepth 1 -maxdepth 1 | sed 's|^|dev-shm |'
		# huge pages: the pool's size and what is free in it
		awk '$1 == "HugePages_Total:" || $1 == "HugePages_Free:" {
			printf "huge-pages %s %s\n", $1, $2 }' /proc/meminfo
		echo "vm.nr_hugepages $(cat /proc/sys/vm/nr_hugepages 2>/dev/null)"
		find "${TMPDIR:-/tmp}" /tmp -mindepth 1 -maxdepth 1 \
			-name 'shmconform*' ! -name 'shmconform-state' |
			sed 's|^|tmp |'
		find "${SHMCONFORM_STATE:-/tmp/shmconform-state}" -type f 2>/dev/null |
			sed 's|^|ledger |'
		awk -v me="$$" -v all="$isolated" -v cases="$build/cases/" '
			$1 != me && $2 != "ps" &&
			    (all == "yes" || index($0, cases)) { print "process " $0 }' "$1.ps"
	} | sort >"$1"
}

if [ "${1:-}" = --inside ]; then
	out=$2 isolated=$3
	if [ "$isolated" = yes ]; then
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm || exit 3
		# A private temporary directory and state directory, not a new
		# /tmp: the checkout itself may live under /tmp.
		export TMPDIR="$out/tmp" SHMCONFORM_STATE="$out/state"
	fi
	snapshot "$out/before"
	fs=${TMPDIR:-/tmp}:/dev/shm
	kyua --logfile=/dev/null -v parallelism="$(nproc)" \
		-v test_suites.shmconform.fs="$fs" \
		test --kyuafile="$top/Kyuafile" --build-root="$build" \
		--results-file="$out/kyua.db" >"$out/kyua.log" 2>&1
	echo $? >"$out/rc"
	snapshot "$out/after"
	# What the leftover ledgers list (they say which case made what).
	for f in "${SHMCONFORM_STATE:-/tmp/shmconform-state}"/*; do
		[ -f "$f" ] && sed "s|^|$f: |" "$f"
	done >"$out/ledgers" 2>/dev/null
	exit 0
fi

# ---- outside ------------------------------------------------------------
SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
out=$(mktemp -d "$build/t-leaks.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "${SHMCONFORM_KEEP:-0}" = 1 ]; then
		echo "t-leaks: results kept in $out"
	else
		rm -rf "$out"
	fi
}
trap cleanup EXIT
mkdir -p "$out/tmp"
chmod 1777 "$out/tmp"

t0=$(date +%s)
isolated=no
if [ "$(id -u)" -eq 0 ] &&
	unshare --ipc --mount --pid --fork --mount-proc --propagation private true 2>/dev/null; then
	isolated=yes
	unshare --ipc --mount --pid --fork --mount-proc --propagation private \
		bash "$0" --inside "$out" yes
else
	echo "t-leaks: warning: no namespaces here (needs root): other runs" \
		"at the same time may show up as leaks" >&2
	bash "$0" --inside "$out" no
fi
[ -f "$out/rc" ] || die "the run inside the namespaces did not complete"
rc=$(cat "$out/rc")
if [ "$rc" -gt 1 ]; then
	cat "$out/kyua.log" >&2
	die "kyua failed (exit $rc)"
fi
summary=$(grep -E '^[0-9]+/[0-9]+ passed' "$out/kyua.log")
echo "t-leaks: suite ran (isolated: $isolated) in $(($(date +%s) - t0))s: $summary"

new=$(comm -13 "$out/before" "$out/after")
if [ -n "$new" ]; then
	echo "t-leaks: FAIL: the suite left these behind:" >&2
	while IFS= read -r line; do
		echo "    $line"
	done <<<"$new" >&2
	sed 's/^/    /' "$out/ledgers" >&2
	[ "$isolated" = yes ] ||
		SHMCONFORM_STATE="" "$build/harness/sc-sweep" >/dev/null 2>&1
	exit 1
fi
echo "t-leaks: nothing left behind (SysV segments, /dev/shm, huge pages," \
	"shmconform* temp files, ledgers, processes)"
