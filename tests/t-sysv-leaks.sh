#!/bin/bash
# tests/t-sysv-leaks.sh: the System V cases (cases/shm_*) leave no segment
# behind, whatever ends them, and runs do not disturb each other.
#
#   1 normal      one Kyua run: its verdicts are the reference; afterwards
#                 ipcs -m is empty and no harness ledger is left.
#   2 timeout     only the test-only case shm_persist:selftest_hang_holding_
#                 segments (listed when SHMCONFORM_SELFTEST_HANG=<seconds>):
#                 it holds two segments, one attached by a child too, and
#                 hangs; seen holding them, it must end "broken" by Kyua's
#                 3 s timeout, and its cleanup routine must leave ipcs -m
#                 empty and no ledger.
#   3 SIGKILL     the whole System V suite plus the hanging case (60 s
#                 timeout); once the hanging case holds its segments, Kyua
#                 and every process under it get SIGKILL.  What they leave
#                 (segments, ledgers) is listed: there must be some, or the
#                 kill proved nothing.
#   4 next run    without any sweep first: the same verdicts as run 1; then
#                 sc-sweep (as ci/run-suite does before and after a run)
#                 leaves ipcs -m empty and no ledger.
#   5 concurrent  two runs at the same time: each gives run 1's verdicts;
#                 ipcs -m empty and no ledger afterwards.
# After every scenario no process of the case programs may be left.
#
# As root it all runs in an IPC, PID and mount namespace of its own
# (unshare): ipcs -m then shows exactly what these runs made, no other run on
# the machine can add to it, and the sweep cannot touch anyone else's
# segments.  Without root the host's segments are compared before and after
# (only keys 0 and 0x5c......, the ones the suite uses), and another run at
# the same time could show up.  The harness state directory is private.
#
# Environment: SHMCONFORM_BUILD (default build/), SHMCONFORM_KEEP=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}

die() {
	echo "t-sysv-leaks: $*" >&2
	exit 1
}

# ---- inside: the scenarios ----------------------------------------------
failures=0
fail() {
	echo "t-sysv-leaks: FAIL: $*"
	failures=$((failures + 1))
}

# Segments as "id key cpid" lines, the suite's keys only outside a
# namespace of our own.
segments() {
	awk -v all="$isolated" 'NR > 1 {
		key = $1 + 0
		if (all == "yes" || key == 0 || int(key / 16777216) == 92)
			print $2, sprintf("0x%08x", key), $5 }' /proc/sysvipc/shm |
		sort
}

# Segments that are new since the baseline.
new_segments() {
	segments | comm -13 "$work/baseline" -
}

ledgers() {
	find "$SHMCONFORM_STATE" -type f -name 'ledger.*' 2>/dev/null
}

# Processes still running one of the System V case programs.
strays() {
	ps -e -o pid=,args= | awk -v p="$build/cases/shm_" 'index($2, p) == 1'
}

# kyua_run DB [FILTER...]: one Kyua run over the System V programs.
kyua_run() {
	local db=$1
	shift
	[ $# -gt 0 ] || set -- "${progs[@]}"
	kyua --logfile=/dev/null -v parallelism=2 test \
		--kyuafile="$top/Kyuafile" --build-root="$build" \
		--results-file="$db" "$@" >"$db.log" 2>&1
}

# verdicts DB: "prog:case verdict" lines.
verdicts() {
	kyua report --results-file="$1" \
		--results-filter=passed,skipped,xfail,broken,failed |
		awk '$2 == "->" { v = $3; sub(/:$/, "", v); print $1, v }' |
		sort
}

# clean WHEN: nothing of ours may be left.
clean() {
	local left
	left=$(new_segments)
	if [ -n "$left" ] && [ "$isolated" = no ]; then
		# On the host other software's segments come and go: only
		# what is still there a moment later counts.
		sleep 2
		left=$(new_segments | comm -12 - <(echo "$left"))
	fi
	[ -z "$left" ] || fail "$1: segments left in ipcs -m (id key cpid):" \
		"$(echo "$left" | tr '\n' ';')"
	left=$(ledgers)
	[ -z "$left" ] || fail "$1: ledgers left: $left"
	left=$(strays)
	[ -z "$left" ] || fail "$1: processes left: $left"
}

# same_as_reference NAME DB
same_as_reference() {
	verdicts "$2" >"$2.verdicts"
	if ! diff -u "$work/reference" "$2.verdicts" >"$2.diff"; then
		fail "$1: verdicts differ from the reference run:"
		sed 's/^/    /' "$2.diff"
	fi
}

# descendants PID: every process below PID.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# kill_tree PID: stop PID and everything under it (until no new process
# appears), then SIGKILL them all: a kill "part way", nothing gets to clean.
kill_tree() {
	local all="$1" prev="" p
	while [ "$all" != "$prev" ]; do
		prev=$all
		# shellcheck disable=SC2086 # a list of pids
		kill -STOP $all 2>/dev/null
		# shellcheck disable=SC2046 # one pid per word
		all=$(printf '%s\n' "$1" $(descendants "$1") | sort -u | tr '\n' ' ')
	done
	for p in $all; do
		kill -KILL "$p" 2>/dev/null
	done
	wait "$1" 2>/dev/null
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# The hanging case holds its two segments: the ledger of its body process
# lists them.
hang_holds() {
	local pid
	for pid in $(ps -e -o pid=,args= |
		awk '/selftest_hang_holding_segments/ && !/awk/ { print $1 }'); do
		[ -f "$SHMCONFORM_STATE/ledger.$pid" ] &&
			[ "$(grep -c '^shm ' "$SHMCONFORM_STATE/ledger.$pid")" -ge 2 ] &&
			return 0
	done
	return 1
}

inside() {
	work=$1 isolated=$2
	export SHMCONFORM_STATE=$work/state TMPDIR=$work/tmp
	mkdir -p "$TMPDIR"
	progs=()
	for src in "$top"/cases/shm_*.c; do
		[ -e "$src" ] && progs+=("cases/$(basename "$src" .c)")
	done
	[ "${#progs[@]}" -gt 0 ] || die "no cases/shm_*.c"
	segments >"$work/baseline"
	[ "$isolated" = no ] || [ ! -s "$work/baseline" ] ||
		die "a fresh IPC namespace has segments?"

	# 1 normal
	kyua_run "$work/r1.db"
	verdicts "$work/r1.db" >"$work/reference"
	n=$(wc -l <"$work/reference")
	[ "$n" -gt 0 ] || die "run 1 gave no verdicts: $(cat "$work/r1.db.log")"
	grep -q ' broken$' "$work/reference" &&
		fail "run 1: broken cases: $(grep ' broken$' "$work/reference" | tr '\n' ';')"
	echo "1 normal: $n cases: $(awk '{print $2}' "$work/reference" | sort | uniq -c | tr -s ' \n' ' ')"
	clean "after the normal run"

	# 2 timeout
	SHMCONFORM_SELFTEST_HANG=3 kyua_run "$work/r2.db" \
		cases/shm_persist:selftest_hang_holding_segments &
	k=$!
	held=no
	wait_for 20 hang_holds && held=yes
	seen=$(new_segments | wc -l)
	wait "$k"
	v=$(verdicts "$work/r2.db")
	why=$(kyua report --results-file="$work/r2.db" --verbose 2>/dev/null |
		grep -m1 '^Result:')
	echo "2 timeout: held its segments: $held ($seen in ipcs -m while it" \
		"ran); verdict: $v; $why"
	if [ "$held" != yes ] || [ "$seen" -lt 2 ]; then
		fail "timeout run: the hanging case never held its segments"
	fi
	case $why in
	*"timed out"*) ;;
	*) fail "timeout run: expected a Kyua timeout, observed: $why" ;;
	esac
	clean "after the run whose case timed out"

	# 3 SIGKILL part way
	SHMCONFORM_SELFTEST_HANG=60 kyua_run "$work/r3.db" "${progs[@]}" &
	k=$!
	if wait_for 60 hang_holds; then
		kill_tree "$k"
	else
		kill_tree "$k"
		fail "kill run: the hanging case never held its segments"
	fi
	left=$(new_segments)
	nled=$(ledgers | wc -l)
	echo "3 SIGKILL: left $(echo "$left" | grep -c .) segment(s) and" \
		"$nled ledger(s):"
	while IFS= read -r line; do
		echo "    $line"
	done <<<"$left"
	if [ -z "$left" ] || [ "$nled" -eq 0 ]; then
		fail "kill run: nothing was left: the kill proved nothing"
	fi
	left=$(strays)
	[ -z "$left" ] || fail "kill run: processes survived SIGKILL: $left"

	# 4 the next run, before any sweep
	kyua_run "$work/r4.db"
	same_as_reference "the run after the kill" "$work/r4.db"
	swept=$("$build/tools/sc-sweep")
	echo "4 next run: verdicts as run 1; then: ${swept:-sc-sweep removed nothing}"
	clean "after the next run and sc-sweep"

	# 5 two runs at once
	kyua_run "$work/r5a.db" &
	a=$!
	kyua_run "$work/r5b.db" &
	b=$!
	wait "$a" "$b"
	same_as_reference "concurrent run A" "$work/r5a.db"
	same_as_reference "concurrent run B" "$work/r5b.db"
	echo "5 concurrent: both runs gave run 1's verdicts"
	clean "after two concurrent runs"

	echo "$failures" >"$work/failures"
}

if [ "${1:-}" = --inside ]; then
	inside "$2" "$3"
	exit 0
fi

# ---- outside ------------------------------------------------------------
SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-sysv-leaks.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "${SHMCONFORM_KEEP:-0}" = 1 ]; then
		echo "t-sysv-leaks: results kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
t0=$(date +%s)
ns=(unshare --ipc --pid --fork --mount --mount-proc --propagation private)
if [ "$(id -u)" -eq 0 ] && "${ns[@]}" true 2>/dev/null; then
	"${ns[@]}" bash "$0" --inside "$work" yes
else
	echo "t-sysv-leaks: warning: no namespaces here (needs root): other" \
		"runs at the same time may show up as leaks" >&2
	bash "$0" --inside "$work" no
fi
[ -f "$work/failures" ] || die "the scenarios did not complete"
n=$(cat "$work/failures")
echo "t-sysv-leaks: 5 scenarios in $(($(date +%s) - t0))s, $n failure(s)"
[ "$n" -eq 0 ]
