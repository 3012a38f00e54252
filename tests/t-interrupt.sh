#!/bin/bash
# tests/t-interrupt.sh: an interrupted or overlapping ci/run-suite leaves
# nothing behind and says what happened (docs/interrupts.md).
#
# In namespaces of its own (IPC, mount with a fresh /dev/shm, PID), with its
# own build, results, temporary and state directories, so that other runs
# on the machine neither disturb it nor are disturbed:
#   1. interrupts ci/run-suite at >= 20 moments spread over the build (a
#      fresh build directory), the cases and the reports, with SIGINT to
#      its process group (a terminal's Ctrl-C), SIGTERM or SIGHUP to it;
#      after each exit checks: it ended within a few seconds, with status
#      128+signal (unless it had already finished), and left no System V
#      segment, /dev/shm name, shmconform* temporary file, ledger, temporary
#      report file, mount or process; an interrupt during the cases leaves
#      reports marked partial in all four formats;
#   2. SIGKILLs the whole process group during the cases; the next normal
#      run must pass as the first one did, and leave nothing;
#   3. starts a second run in the same directories during a first: the
#      second stops at once (exit 75) with one line naming the first, and
#      the first ends as a normal run does.
# Times are printed, never asserted, except "ended within 15 s".
# Needs root (namespaces); otherwise it says so and skips.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# ci/test holds the clone's locks on fds 8 and 9: this test's runs use
# directories of their own and must not inherit them.
exec 8>&- 9>&-

say() { echo "t-interrupt: $*"; }
fails=0
fail() {
	say "FAIL: $*" >&2
	fails=$((fails + 1))
}

# snapshot FILE: what a run could leave behind, one line per item.
snapshot() {
	# Processes first, from this shell itself (no pipeline): then the only
	# other process is ps.
	ps -e -o pid=,args= >"$1.ps"
	{
		ipcs -m | awk '$1 ~ /^0x/ { print "sysv-segment key=" $1 " id=" $2 " owner=" $3 }'
		find /dev/shm -mindepth 1 -maxdepth 1 | sed 's|^|dev-shm |'
		find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'shmconform*' | sed 's|^|tmp |'
		find "$SHMCONFORM_STATE" -type f 2>/dev/null | sed 's|^|ledger |'
		find "$results" "$build" -maxdepth 1 \( -name '*.tmp' -o -name '.build.err' \
			-o -name 'report.err' -o -name 'core*' \) 2>/dev/null | sed 's|^|temp |'
		findmnt -rn -o TARGET | sed 's|^|mount |'
		losetup -a 2>/dev/null | sed 's|^|loop |'
		# PID 1 is this shell.
		awk '$1 != 1 && $2 != "ps" { print "process " $0 }' "$1.ps"
	} | sort >"$1"
}

# start [ENV=VALUE...]: ci/run-suite in a process group of its own, SIGINT
# not ignored (as from a terminal); sets run (its pid) and t0.
start() {
	setsid env --default-signal=INT "$top/ci/run-suite" >"$work/out" 2>&1 &
	run=$!
	t0=$(date +%s.%N)
}

# wait_for FILE [PATTERN]: until FILE exists (and holds PATTERN), bounded.
wait_for() {
	for _ in $(seq 600); do
		if [ -e "$1" ] && { [ -z "${2:-}" ] || grep -qE "$2" "$1"; }; then
			return 0
		fi
		kill -0 "$run" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# finish TIME [BOUND]: wait at most BOUND (15) s for the run; sets rc and
# took (seconds since TIME: the signal, or the start).
finish() {
	local ts=$1 bound=${2:-15}
	for _ in $(seq $((bound * 20))); do
		kill -0 "$run" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$run" 2>/dev/null; then
		fail "ci/run-suite did not end within $bound s"
		kill -KILL -- -"$run" 2>/dev/null
	fi
	wait "$run"
	rc=$?
	took=$(echo "$(date +%s.%N) $ts" | awk '{ printf "%.2f", $1 - $2 }')
}

# check WHAT: nothing new since the baseline.
check_clean() {
	snapshot "$work/after"
	local new
	new=$(comm -13 "$work/baseline" "$work/after")
	if [ -n "$new" ]; then
		fail "$1 left behind:"
		while IFS= read -r l; do echo "    $l"; done <<<"$new" >&2
		# Clean up for the next moments (a sweep, then the rest).
		"$build/harness/sc-sweep" >/dev/null 2>&1
		pkill -KILL -s "$run" 2>/dev/null
	fi
}

check_partial() {
	if ! grep -q '"partial": true' "$results/results.json" 2>/dev/null ||
		! grep -q '^Bail out! partial run' "$results/results.tap" ||
		! grep -q 'shmconform.partial' "$results/results.junit.xml" ||
		! grep -q 'class="partial"' "$results/report.html"; then
		fail "$1: the reports are not all there and marked partial"
	fi
}

# interrupt PHASE DELAY SIGNAL: one moment.
moments=0
interrupt() {
	local phase=$1 delay=$2 sig=$3 ts
	rm -f "$results/kyua.log" # the phase is known by this run's files
	start
	case $phase in
	build) : ;;
	cases) wait_for "$results/kyua.log" ;;
	reports) wait_for "$results/kyua.log" '^[0-9]+/[0-9]+ passed' ;;
	esac
	sleep "$delay"
	ts=$(date +%s.%N)
	if [ "$sig" = INT ]; then
		kill -INT -- -"$run" 2>/dev/null
	else
		kill -"$sig" "$run" 2>/dev/null
	fi
	finish "$ts"
	local want
	want=$((128 + $(kill -l "$sig")))
	local line
	line=$(grep -m1 'interrupted by' "$work/out")
	printf '  %-7s +%-5s SIG%-4s exit %3s after %5s s  %s\n' "$phase" "$delay" \
		"$sig" "$rc" "$took" "${line#ci/run-suite: }"
	[ "$rc" -le 1 ] || moments=$((moments + 1))
	if [ "$rc" -le 1 ]; then
		say "  (the run had finished before the signal: not counted)"
	elif [ "$rc" -ne "$want" ]; then
		fail "$phase +$delay SIG$sig: exit $rc, expected $want; output:"
		sed 's/^/    /' "$work/out" >&2
	elif grep -q 'during the cases' "$work/out"; then
		check_partial "$phase +$delay SIG$sig"
	fi
	check_clean "$phase +$delay SIG$sig"
}

# normal NAME: a whole run; it must end as the first did.
normal() {
	local ts
	start
	ts=$t0
	finish "$ts" 600
	local summary
	summary=$(grep -m1 '^shmconform: ' "$work/out")
	say "normal run ($1): exit $rc in $took s: $summary"
	if [ -z "${want_summary:-}" ]; then
		want_summary=$summary want_rc=$rc
		[ "$rc" -le 1 ] || {
			sed 's/^/    /' "$work/out" >&2
			fail "the normal run failed (exit $rc)"
		}
	elif [ "$summary" != "$want_summary" ] || [ "$rc" != "$want_rc" ]; then
		fail "$1: exit $rc, '$summary'; the first normal run: exit $want_rc, '$want_summary'"
	fi
	check_clean "normal run ($1)"
}

# ---- inside the namespaces -----------------------------------------------
if [ "${1:-}" = --inside ]; then
	work=$2
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm || exit 3
	export TMPDIR=$work/tmp SHMCONFORM_STATE=$work/state
	export SHMCONFORM_BUILD=$work/build SHMCONFORM_RESULTS=$work/results
	build=$SHMCONFORM_BUILD results=$SHMCONFORM_RESULTS
	mkdir -p "$TMPDIR" && chmod 1777 "$TMPDIR"
	snapshot "$work/baseline"
	T0=$(date +%s)

	say "1. interrupts during the build (a fresh build directory each)"
	sigs=(INT TERM HUP)
	i=0
	for d in 0.1 0.5 1 2 3.5; do
		rm -rf "$build" "$results"
		interrupt build "$d" "${sigs[i % 3]}"
		i=$((i + 1))
	done
	normal first
	say "2. interrupts during the cases"
	for d in 0 0.05 0.1 0.2 0.3 0.5 0.7 0.9 1.2 1.5; do
		interrupt cases "$d" "${sigs[i % 3]}"
		i=$((i + 1))
	done
	say "3. interrupts during the reports"
	for d in 0 0.05 0.1 0.2 0.3 0.45; do
		interrupt reports "$d" "${sigs[i % 3]}"
		i=$((i + 1))
	done

	say "4. SIGKILL of the whole group during the cases, then a normal run"
	rm -f "$results/kyua.log"
	start
	wait_for "$results/kyua.log"
	sleep 0.5
	kill -KILL -- -"$run"
	wait "$run" 2>/dev/null
	sleep 0.5 # what the parent-death signal stops
	normal "after SIGKILL"

	say "5. a second run in the same directories"
	rm -f "$results/kyua.log"
	start
	first=$run
	wait_for "$results/kyua.log"
	second_out=$(setsid env --default-signal=INT "$top/ci/run-suite" 2>&1)
	second_rc=$?
	say "  second run: exit $second_rc: $second_out"
	if [ "$second_rc" -ne 75 ] || [ "$(wc -l <<<"$second_out")" -ne 1 ] ||
		! grep -q "pid $first (ci/run-suite), since" <<<"$second_out"; then
		fail "the second run did not stop at once with one line naming pid $first"
	fi
	finish "$t0" 600
	summary=$(grep -m1 '^shmconform: ' "$work/out")
	if [ "$summary" != "$want_summary" ] || [ "$rc" != "$want_rc" ]; then
		fail "the first run was disturbed: exit $rc, '$summary'"
	fi
	say "  first run, undisturbed: exit $rc: $summary"
	check_clean "the overlapping runs"

	say "$moments interrupted moments in $(($(date +%s) - T0)) s"
	[ "$moments" -ge 20 ] || fail "only $moments of the moments came before the run ended"
	exit $((fails > 0))
fi

# ---- outside ------------------------------------------------------------
if [ "$(id -u)" -ne 0 ] ||
	! unshare --ipc --mount --pid --fork --mount-proc --propagation private true 2>/dev/null; then
	say "SKIP: needs root and namespaces (IPC, mount, PID) to check what an" \
		"interrupted run leaves without confusing it with other runs"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/t-interrupt.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
unshare --ipc --mount --pid --fork --mount-proc --propagation private \
	bash "$0" --inside "$work"
