#!/bin/bash
# tests/t-valgrind.sh: every case of every cases/* program is memcheck-clean,
# its children and what it execs included, and leaks nothing.
#
# Each case runs directly through the ATF interface, in a work directory of
# its own as Kyua would give it:
#   valgrind ... PROG -r RESULT -v fs=DIRS CASE          (the body)
#   valgrind ... PROG -r RESULT CASE:cleanup             (its cleanup)
# The body undoes what it made itself (the harness ledger) and removes its
# marker file; the cleanup part runs only when the marker is still there,
# i.e. when it has something to do.
# under memcheck with --trace-children=yes, --leak-check=full and
# definite/indirect leaks counted as errors; every process writes its own
# log, and any error or definite/indirect leak in any of them fails the test.
# "Possibly lost" blocks are listed but do not fail it: memcheck reports
# them for interior pointers, which a process that exits still holds.
# Only libatf-c's own leaks are suppressed (tests/valgrind.supp, each entry
# says why).  A case that fails under valgrind must fail without it too
# (then it is the suite's failure, reported by ci/run-suite, not a valgrind
# finding); a case that skips under valgrind (seccomp strict mode) is fine.
#
# Environment: SHMCONFORM_BUILD (default build/), SHMCONFORM_FS (default the
# temporary directory and /dev/shm), SHMCONFORM_VALGRIND_JOBS (cases at once,
# default 2), SHMCONFORM_CASES (only these "prog:case" or "prog" words),
# SHMCONFORM_KEEP=1 (keep the logs).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
fs=${SHMCONFORM_FS:-${TMPDIR:-/tmp}:/dev/shm}
jobs=${SHMCONFORM_VALGRIND_JOBS:-2}
supp=$top/tests/valgrind.supp
t0=$(date +%s)

die() {
	echo "t-valgrind: $*" >&2
	exit 1
}

command -v valgrind >/dev/null || die "valgrind is not installed (ci/setup)"
SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
[ -f "$supp" ] || die "$supp missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/sc-valgrind.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "${SHMCONFORM_KEEP:-0}" = 1 ]; then
		echo "t-valgrind: logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
state=$work/state # the harness ledgers of these runs, and only these
mkdir -m 1777 "$state" # cases also run as nobody

# ---- every case ----------------------------------------------------------
: >"$work/cases"
for src in "$top"/cases/*.c; do
	prog=$(basename "$src" .c)
	[ -x "$build/cases/$prog" ] || die "$build/cases/$prog was not built"
	"$build/cases/$prog" -l | sed -n "s/^ident: /$prog /p" >>"$work/cases"
done
if [ -n "${SHMCONFORM_CASES:-}" ]; then
	awk -v only=" $SHMCONFORM_CASES " \
		'index(only, " " $1 ":" $2 " ") || index(only, " " $1 " ")' \
		"$work/cases" >"$work/cases.only"
	mv "$work/cases.only" "$work/cases"
fi
total=$(wc -l <"$work/cases")
[ "$total" -gt 0 ] || die "no cases found"

vg=(valgrind --tool=memcheck --trace-children=yes --leak-check=full
	"--show-leak-kinds=definite,indirect,possible"
	"--errors-for-leak-kinds=definite,indirect" --error-exitcode=97
	--suppressions="$supp")

# run PROG CASE: body and cleanup under valgrind, in a fresh work directory.
run() {
	d=$work/runs/$1.$2
	mkdir -p "$d/work"
	(
		cd "$d/work" || exit 2
		export HOME="$d/work" TMPDIR="$d/work" SHMCONFORM_STATE="$state"
		export __RUNNING_INSIDE_ATF_RUN=internal-yes-value
		timeout 900 "${vg[@]}" --log-file="$d/body.%p.log" \
			"$build/cases/$1" -r "$d/result" -v fs="$fs" "$2" \
			>"$d/stdout" 2>"$d/stderr"
		echo $? >"$d/rc"
		# The body undoes its own ledger and removes the marker; only
		# when it could not (killed, timed out) has the cleanup work.
		if [ -e shmconform.ledger ]; then
			timeout 300 "${vg[@]}" --log-file="$d/cleanup.%p.log" \
				"$build/cases/$1" -r "$d/cresult" "$2:cleanup" \
				>>"$d/stdout" 2>>"$d/stderr"
		fi
	)
}

echo "t-valgrind: $total cases, $jobs at a time, fs=$fs"
while read -r prog case; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run "$prog" "$case" &
done <"$work/cases"
wait
elapsed=$(($(date +%s) - t0))

# ---- the verdicts --------------------------------------------------------
# Error kinds memcheck reports; a leak record names its kind.
errpat='Invalid (read|write|free)|Conditional jump|uninitialised|Syscall param|Mismatched free|overlap|Argument .* of function|are (definitely|indirectly) lost in loss record'
# Errors in one log.  A process a case meant to crash (killed by SIGSEGV or
# SIGBUS) reports the access that killed it as its last invalid read or
# write: that one is the point of the case, not an error; any other is.
log_errors() {
	awk -v pat="$errpat" '
		$0 ~ pat { n++; if ($0 ~ /Invalid (read|write)/) rw++ }
		/Process terminating with default action of signal (11|7) / { crashed = 1 }
		END { if (crashed && rw) n--; print n + 0 }' "$1"
}
bad=0
skipped=0
possible=0
while read -r prog case; do
	d=$work/runs/$prog.$case
	result=$(head -n1 "$d/result" 2>/dev/null || echo "no result file")
	why=""
	errs=0
	for log in "$d"/body.*.log "$d"/cleanup.*.log; do
		[ -e "$log" ] && errs=$((errs + $(log_errors "$log")))
	done
	if [ "$errs" -gt 0 ]; then
		why="memcheck errors or leaks: $errs"
	elif [ "$(cat "$d/rc")" = 124 ]; then
		why="timed out under valgrind"
	fi
	case $result in
	passed) ;;
	skipped*) skipped=$((skipped + 1)) ;;
	failed* | "no result file" | broken*)
		# Does it fail without valgrind too?
		nd=$d/native
		mkdir -p "$nd"
		(cd "$nd" && HOME=$nd TMPDIR=$nd SHMCONFORM_STATE=$state \
			__RUNNING_INSIDE_ATF_RUN=internal-yes-value \
			timeout 300 "$build/cases/$prog" -r "$nd/result" \
			-v fs="$fs" "$case" >/dev/null 2>&1)
		native=$(head -n1 "$nd/result" 2>/dev/null || echo "no result file")
		case $native in
		passed | skipped*)
			why="${why:+$why; }fails only under valgrind: $result" ;;
		*)
			echo "note: $prog:$case fails without valgrind too (a recorded deviation or a suite failure, ci/run-suite reports it; not valgrind's): $native" ;;
		esac
		;;
	esac
	p=$(cat "$d"/body.*.log "$d"/cleanup.*.log 2>/dev/null |
		grep -c 'are possibly lost in loss record')
	if [ "$p" -gt 0 ]; then
		possible=$((possible + 1))
		echo "note: $prog:$case: $p possibly-lost records (not counted)"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "FAIL $prog:$case: $why"
		for log in "$d"/body.*.log "$d"/cleanup.*.log; do
			[ -e "$log" ] || continue
			[ "$(log_errors "$log")" -gt 0 ] || continue
			echo "    --- $(basename "$log")"
			grep -E -A12 "$errpat" "$log" | head -n 40 | sed 's/^/    /'
		done
	fi
done <"$work/cases"

# The ledgers must all be gone: every case undid what it made.
left=$(find "$state" -type f 2>/dev/null | wc -l)
if [ "$left" -ne 0 ]; then
	echo "FAIL: $left ledger(s) left in the state directory:"
	find "$state" -type f -exec sh -c 'echo "    $1:"; sed "s/^/        /" "$1"' _ {} \;
	SHMCONFORM_STATE=$state "$build/tools/sc-sweep" >/dev/null 2>&1
	bad=$((bad + 1))
fi

echo "t-valgrind: $total cases ($skipped skipped) in ${elapsed}s:" \
	"$bad failing, $possible with possibly-lost blocks"
[ "$bad" -eq 0 ] || die "not valgrind-clean"
echo "t-valgrind: clean"
