#!/bin/bash
# tests/t-posix-leaks.sh: the extension cases leave no POSIX shm name, no
# huge page and no ledger behind, whatever ends them, and
# vm.nr_hugepages gets its value back.
#
#   1 normal    cases/posix_shm, memfd and hugetlb under Kyua, with huge
#               pages reserved by ci/hugepages as ci/run-suite does: no
#               shmconform name in /dev/shm, no ledger, HugePages_Free back
#               to what it was, and after ci/hugepages restore,
#               vm.nr_hugepages back to its old value.
#   2 timeout   the test-only case posix_shm:selftest_hang_holding_names
#               (SHMCONFORM_SELFTEST_HANG=<seconds>) holds two names and
#               hangs: it must end "broken" by Kyua's 3 s timeout and its
#               cleanup must remove the names.
#   3 SIGKILL   the hanging case again (60 s timeout), Kyua and everything
#               under it killed by SIGKILL once the names exist (every
#               process of the test's PID namespace): the names must be
#               left (or the kill proved nothing), and sc-sweep, as the next
#               ci/run-suite runs it, must remove them.
#   4 huge pages a shell that reserves huge pages and is killed by SIGKILL
#               (as a killed ci/run-suite would be): vm.nr_hugepages stays
#               raised with a record left; ci/hugepages restore, as the
#               next ci/run-suite runs it first, gives the old value back.
#               And one that exits through its EXIT trap restores at once.
#
# Needs root (a mount, PID and IPC namespace with a /dev/shm of its own,
# and vm.nr_hugepages); skips otherwise.  The harness state directory is
# private.  Environment: SHMCONFORM_BUILD (default build/), SHMCONFORM_KEEP=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
sweep=$build/tools/sc-sweep
knob=/proc/sys/vm/nr_hugepages

die() {
	echo "t-posix-leaks: $*" >&2
	exit 1
}

failures=0
fail() {
	echo "t-posix-leaks: FAIL: $*"
	failures=$((failures + 1))
}

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

names() { find /dev/shm -mindepth 1 -maxdepth 1 -name 'shmconform*' | sort; }
ledgers() { find "$SHMCONFORM_STATE" -type f -name 'ledger.*' 2>/dev/null; }

kyua_run() {
	local db=$1
	shift
	kyua --logfile=/dev/null -v parallelism=2 test \
		--kyuafile="$top/Kyuafile" --build-root="$build" \
		--results-file="$db" "$@" >"$db.log" 2>&1
}

verdict_of() {
	kyua report --results-file="$1" --results-filter=passed,skipped,xfail,broken,failed |
		awk -v c="$2" '$1 == c { v = $3; sub(/:$/, "", v); print v }'
}

# clean WHEN: no name, no ledger left.
clean() {
	local left
	left=$(names)
	[ -z "$left" ] || fail "$1: names left in /dev/shm: $(echo "$left" | tr '\n' ' ')"
	left=$(ledgers)
	[ -z "$left" ] || fail "$1: ledgers left: $left"
}

holds_two_names() {
	[ "$(names | wc -l)" -ge 2 ]
}

# wait_for SECONDS COMMAND...
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

inside() {
	work=$1
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm || die "cannot mount /dev/shm"
	export SHMCONFORM_STATE=$work/state TMPDIR=$work/tmp
	mkdir -p "$TMPDIR"

	# 1 normal
	free0=$(meminfo HugePages_Free)
	old=$(cat "$knob")
	"$top/ci/hugepages" reserve 2>"$work/reserve.log"
	kyua_run "$work/r1.db" cases/posix_shm cases/memfd cases/hugetlb
	summary=$(grep -E '^[0-9]+/[0-9]+ passed' "$work/r1.db.log")
	grep -q 'broken' "$work/r1.db.log" && fail "run 1: broken cases"
	ran=$(verdict_of "$work/r1.db" \
		cases/hugetlb:map_hugetlb_takes_a_pool_page_zero_filled)
	echo "1 normal: $summary (hugetlb: $ran; $(cat "$work/reserve.log"))"
	clean "after the normal run"
	"$top/ci/hugepages" restore 2>/dev/null
	[ "$(meminfo HugePages_Free)" = "$free0" ] ||
		fail "after the normal run: HugePages_Free $(meminfo HugePages_Free), was $free0"
	[ "$(cat "$knob")" = "$old" ] ||
		fail "after restore: vm.nr_hugepages $(cat "$knob"), was $old"

	# 2 timeout
	SHMCONFORM_SELFTEST_HANG=3 kyua_run "$work/r2.db" \
		cases/posix_shm:selftest_hang_holding_names &
	k=$!
	held=no
	wait_for 20 holds_two_names && held=yes
	wait "$k"
	v=$(verdict_of "$work/r2.db" cases/posix_shm:selftest_hang_holding_names)
	echo "2 timeout: names held: $held, verdict: $v"
	[ "$held" = yes ] || fail "timeout: the hanging case never held its names"
	[ "$v" = broken ] || fail "timeout: verdict $v, expected broken (timed out)"
	clean "after the timeout"

	# 3 SIGKILL: every process of this PID namespace but this shell (the
	# run and all it started: Kyua puts cases in sessions of their own)
	# stopped, then killed: nothing gets to clean up
	SHMCONFORM_SELFTEST_HANG=60 kyua --logfile=/dev/null test \
		--kyuafile="$top/Kyuafile" --build-root="$build" \
		--results-file="$work/r3.db" \
		cases/posix_shm:selftest_hang_holding_names >/dev/null 2>&1 &
	sid=$!
	held=no
	wait_for 20 holds_two_names && held=yes
	ps -e -o pid= >"$work/pids"
	pids=$(awk -v me="$$" '$1 != me' "$work/pids")
	# shellcheck disable=SC2086 # a list of pids
	kill -STOP $pids 2>/dev/null
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	wait "$sid" 2>/dev/null
	left=$(names | wc -l)
	echo "3 SIGKILL: names held: $held, left by the kill: $left"
	[ "$left" -ge 2 ] || fail "SIGKILL: nothing was left: the kill proved nothing"
	"$sweep" >/dev/null
	clean "after the SIGKILL and the next run's sweep"

	# 4 huge pages: a killed reserver, and one that exits normally
	old=$(cat "$knob")
	{ sh -c '"$1/ci/hugepages" reserve 2>/dev/null; kill -KILL $$' sh "$top"; } 2>/dev/null
	raised=$(cat "$knob")
	"$top/ci/hugepages" restore 2>/dev/null
	echo "4 huge pages: killed reserver left vm.nr_hugepages $raised (was $old);" \
		"after the next run's restore: $(cat "$knob")"
	[ "$(cat "$knob")" = "$old" ] ||
		fail "huge pages: vm.nr_hugepages $(cat "$knob") after restore, was $old"
	[ -z "$("$top/ci/hugepages" status)" ] || fail "huge pages: the record is left"
	sh -c '"$1/ci/hugepages" reserve 2>/dev/null
		trap "\"$1/ci/hugepages\" restore 2>/dev/null" EXIT; exit 1' sh "$top"
	[ "$(cat "$knob")" = "$old" ] ||
		fail "huge pages: the EXIT trap left vm.nr_hugepages $(cat "$knob"), was $old"

	echo "$failures" >"$work/failures"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! unshare --ipc --mount --pid --fork --mount-proc \
	--propagation private true 2>/dev/null; then
	echo "t-posix-leaks: skipped: needs root (namespaces, a private /dev/shm," \
		"vm.nr_hugepages)"
	exit 0
fi
SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
work=$(mktemp -d "$build/t-posix-leaks.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "${SHMCONFORM_KEEP:-0}" = 1 ]; then
		echo "t-posix-leaks: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
t0=$(date +%s)
unshare --ipc --mount --pid --fork --mount-proc --propagation private \
	bash "$0" --inside "$work"
[ -f "$work/failures" ] || die "the scenarios did not complete"
n=$(cat "$work/failures")
if [ "$n" -ne 0 ]; then
	echo "t-posix-leaks: $n failure(s) ($(($(date +%s) - t0))s)"
	exit 1
fi
echo "t-posix-leaks: nothing left behind: POSIX names, ledgers, huge pages," \
	"vm.nr_hugepages ($(($(date +%s) - t0))s)"
