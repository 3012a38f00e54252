#!/bin/bash
# tests/t-selftest.sh: every case can fail.
#
# 1. Runs the suite under Kyua with the fault library preloaded but no fault
#    selected: every case must pass or skip (the library is transparent).
# 2. For each fault in tests/faults/faults.def (libshmconform-faults.so,
#    SHMCONFORM_FAULT=<name>), runs the programs holding cases of the
#    fault's target claim and requires at least one case of that claim to
#    FAIL (not a harness failure, not a broken program).
# 3. Requires every case that passes in step 1 to be among the cases some
#    fault of its own claim made fail: a case no fault can make fail is
#    a case that may check nothing.
# Prints the table fault -> target claim -> cases that caught it.
#
# How the fault gets into the cases: Kyua passes its environment (LD_PRELOAD
# included) to test programs, but preloading Kyua itself would fault Kyua
# too.  So the runs use a build root of wrapper scripts that exec the real
# programs with LD_PRELOAD set: only the case programs, their children and
# what they exec carry the fault, and the harness knows nothing of it.
# Each run has its own IPC namespace when possible (a fault may break the
# bookkeeping that removes segments: they die with the namespace) and its
# own harness state directory, swept afterwards without the fault.
#
# Environment: SHMCONFORM_BUILD (build dir, default build/), SHMCONFORM_FS
# (file systems, default the temporary directory's), SHMCONFORM_FAULTS
# (only these faults, space-separated), SHMCONFORM_SELFTEST_JOBS (faults
# run at once, default 3), SHMCONFORM_KEEP=1 (keep the work directory).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
lib=$build/tests/faults/libshmconform-faults.so
def=$top/tests/faults/faults.def
jobs=${SHMCONFORM_SELFTEST_JOBS:-3}
# One file system is enough to show a case catches a fault (the faults are
# injected above the kernel, the same on every file system).
fs=${SHMCONFORM_FS:-${TMPDIR:-/tmp}}
t0=$(date +%s)

die() {
	echo "t-selftest: $*" >&2
	exit 1
}

SHMCONFORM_BUILD=$build "$top/ci/build" || die "the build failed"
[ -f "$lib" ] || die "$lib was not built (tests/CMakeLists.txt)"
[ -x "$build/tools/sc-sweep" ] || die "$build/tools/sc-sweep missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/sc-selftest.XXXXXX") || die "mktemp failed"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	"$top/ci/hugepages" restore
	if [ "${SHMCONFORM_KEEP:-0}" = 1 ]; then
		echo "t-selftest: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
# Huge pages for the EXT-HUGETLB cases (as root; given back by cleanup).
"$top/ci/hugepages" reserve

# ---- the cases and their claims (from the programs' own metadata) -------
: >"$work/claims.tsv"
mkdir -p "$work/root/cases"
for src in "$top"/cases/*.c; do
	prog=$(basename "$src" .c)
	real=$build/cases/$prog
	# Kyua loads every program the Kyuafile names: each gets a wrapper.
	# shellcheck disable=SC2016 # the $ are for the wrapper to expand
	printf '#!/bin/sh\nLD_PRELOAD="%s${LD_PRELOAD:+:$LD_PRELOAD}" exec "%s" "$@"\n' \
		"$lib" "$real" >"$work/root/cases/$prog"
	chmod +x "$work/root/cases/$prog"
	[ -x "$real" ] || die "$real was not built"
	"$real" -l | awk -v p="cases/$prog" '
		/^ident: / { id = $2 }
		/^X-claim: / { print p ":" id "\t" $2 }' >>"$work/claims.tsv"
done
[ -s "$work/claims.tsv" ] || die "no cases found under $top/cases"

# Programs with a case of one of the claims "A|B".
programs_for() {
	awk -F'\t' -v want="$1" '
		BEGIN { n = split(want, c, "|"); for (i = 1; i <= n; i++) t[c[i]] = 1 }
		($2 in t) { sub(/:.*/, "", $1); if (!seen[$1]++) print $1 }' \
		"$work/claims.tsv"
}

ns=""
if [ "$(id -u)" -eq 0 ] && unshare --ipc true 2>/dev/null; then
	ns="unshare --ipc"
fi

# run NAME FAULT PROGRAMS...: one Kyua run with SHMCONFORM_FAULT=FAULT.
run() {
	name=$1 fault=$2
	shift 2
	d=$work/runs/$name
	mkdir -p "$d"
	# world-writable like the default one: cases also run as nobody
	mkdir -m 1777 "$d/state"
	# shellcheck disable=SC2086 # $ns is a command prefix or nothing
	SHMCONFORM_FAULT=$fault SHMCONFORM_FAULT_LOG=$d/injected \
		SHMCONFORM_STATE=$d/state \
		$ns timeout 900 kyua --logfile=/dev/null -v parallelism=2 \
		-v test_suites.shmconform.fs="$fs" \
		test --kyuafile="$top/Kyuafile" --build-root="$work/root" \
		--results-file="$d/kyua.db" "$@" >"$d/kyua.log" 2>&1
	echo $? >"$d/rc"
	kyua --logfile=/dev/null report --results-file="$d/kyua.db" \
		--results-filter=failed,broken >"$d/report.txt" 2>&1
	# Whatever the faulted run left in its ledgers goes, fault-free.
	SHMCONFORM_STATE=$d/state "$build/tools/sc-sweep" >/dev/null 2>&1
	rm -rf "$d/state"
}

# Lines "case<TAB>verdict<TAB>reason" from a Kyua report.
verdicts() {
	sed -n 's/^\(cases\/[^ ]*\)  ->  \(failed\|broken\): \(.*\)  \[[0-9.]*s\]$/\1\t\2\t\3/p' \
		"$work/runs/$1/report.txt"
}

# ---- 1. no fault: everything passes or skips ----------------------------
echo "t-selftest: baseline (fault library loaded, no fault) on $fs"
run baseline none
rc=$(cat "$work/runs/baseline/rc")
if [ "$rc" -gt 1 ] || ! [ -s "$work/runs/baseline/injected" ]; then
	cat "$work/runs/baseline/kyua.log" >&2
	die "the baseline Kyua run did not work (exit $rc)"
fi
# A case that fails without a fault shows nothing by failing with one: it
# catches nothing.  Known deviations of this environment
# (deviations/*.json, applied by reports/shmreport.py as
# ci/run-suite does) are expected failures; any other failure is named and
# fails the self-test at the end.
verdicts baseline | cut -f1 >"$work/baseline-failed"
unexpected=$work/baseline-failed
if [ -s "$work/baseline-failed" ] && [ -f "$top/reports/shmreport.py" ]; then
	b=$work/runs/baseline
	python3 "$top/reports/shmreport.py" probe \
		--sc-probe "$build/tools/sc-probe" --fs "$fs" \
		-o "$b/probe.json" >/dev/null 2>&1 &&
		python3 "$top/reports/shmreport.py" summary \
			--results "$b/kyua.db" --claims "$top/claims.json" \
			>"$b/summary.txt" 2>&1 &&
		sed -n 's/^\(FAIL\|BROKEN\) *\(cases\/[^ :]*:[^ :]*\).*/\2/p' \
			"$b/summary.txt" | sort -u >"$work/baseline-unexpected" &&
		unexpected=$work/baseline-unexpected
	xfail=$(comm -23 <(sort "$work/baseline-failed") "$unexpected")
	[ -z "$xfail" ] || echo "    baseline: known deviations (expected" \
		"failures, they catch nothing): $(paste -sd' ' <<<"$xfail")"
fi
if [ -s "$unexpected" ]; then
	echo "t-selftest: FAIL: without any fault these cases do not pass:" >&2
	verdicts baseline | grep -F -f "$unexpected" | sed 's/^/    /' >&2
fi
grep -E '^[0-9]+/[0-9]+ passed' "$work/runs/baseline/kyua.log" |
	sed 's/^/    baseline: /'

# ---- 2. each fault ------------------------------------------------------
faults=$(sed -n 's/^FAULT(\([a-z0-9_]*\), *"\([^"]*\)".*/\1 \2/p' "$def")
[ -n "$faults" ] || die "no faults in $def"
if [ -n "${SHMCONFORM_FAULTS:-}" ]; then
	faults=$(echo "$faults" | awk -v only=" $SHMCONFORM_FAULTS " \
		'index(only, " " $1 " ")')
fi
echo "t-selftest: $(echo "$faults" | wc -l) faults, $jobs at a time"
while read -r fault claims; do
	progs=$(programs_for "$claims")
	[ -n "$progs" ] || continue # no case yet for the claim: reported below
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	# shellcheck disable=SC2086 # one word per program
	run "$fault" "$fault" $progs &
done <<<"$faults"
wait

# ---- the table ----------------------------------------------------------
uncaught=0
caught=0
printf '\n%-32s %-20s %-9s %s\n' FAULT "TARGET CLAIM" RESULT "CAUGHT BY (target claim's cases)"
while read -r fault claims; do
	d=$work/runs/$fault
	result=caught
	by=""
	if [ -z "$(programs_for "$claims")" ]; then
		result=NO-CASE
		by="no case of $claims exists"
	elif ! [ -s "$d/injected" ]; then
		result=ERROR
		by="the fault library never ran (Kyua exit $(cat "$d/rc"))"
	else
		by=$(verdicts "$fault" | awk -F'\t' -v want="$claims" '
			BEGIN { n = split(want, c, "|"); for (i = 1; i <= n; i++) t[c[i]] = 1 }
			FILENAME == ARGV[1] { claim[$1] = $2; next }
			FILENAME == ARGV[2] { bad[$1] = 1; next }
			$2 == "failed" && ($1 in claim) && (claim[$1] in t) &&
			    !($1 in bad) &&
			    $3 !~ /harness:/ { sub(/^cases\//, "", $1); print $1 }' \
			"$work/claims.tsv" "$work/baseline-failed" - | paste -sd' ')
		if [ -z "$by" ]; then
			result=MISSED
			others=$(verdicts "$fault" | wc -l)
			by="no $claims case failed ($others other failures/broken)"
			# A target case that failed only in the harness's own
			# bookkeeping noticed something, but says nothing true.
			h=$(verdicts "$fault" | awk -F'\t' '$2 == "failed" &&
				$3 ~ /harness:/ { sub(/^cases\//, "", $1); print $1 }' |
				grep -Fx -f <(awk -F'\t' -v want="$claims" '
					BEGIN { n = split(want, c, "|"); for (i = 1; i <= n; i++) t[c[i]] = 1 }
					($2 in t) { sub(/^cases\//, "", $1); print $1 }' \
					"$work/claims.tsv") | paste -sd' ')
			if [ -n "$h" ]; then
				result=HARNESS
				by="only harness failures in $claims cases: $h"
			fi
		fi
	fi
	if [ "$result" = caught ]; then
		caught=$((caught + 1))
		# shellcheck disable=SC2086 # one word per case
		printf '%s\n' $by >>"$work/caught-cases"
	else
		uncaught=$((uncaught + 1))
	fi
	printf '%-32s %-20s %-9s %s\n' "$fault" "$claims" "$result" "$by"
done <<<"$faults"

# MISSED: no case of the claim checks that behaviour.  HARNESS: a case of
# the claim failed, but in the harness's bookkeeping, not in its check.
# Failures outside the target claim, and broken programs, for the record.
echo
for d in "$work"/runs/*/; do
	n=$(basename "$d")
	[ "$n" = baseline ] && continue
	b=$(verdicts "$n" | awk -F'\t' '$2 == "broken" { print $1 }' | paste -sd' ')
	[ -z "$b" ] || echo "note: under $n these programs/cases were broken (not counted): $b"
done

# ---- every case can fail -------------------------------------------------
# A fault counts for the cases of its own target claims only: a case that
# fails solely under some other claim's fault shows nothing about its own
# behaviour.  Every case that passes without a fault must be among the
# catchers of some fault (a subset run, SHMCONFORM_FAULTS, cannot say).
uncaught_cases=0
if [ -z "${SHMCONFORM_FAULTS:-}" ]; then
	kyua --logfile=/dev/null report \
		--results-file="$work/runs/baseline/kyua.db" \
		--results-filter=passed |
		sed -n 's/^cases\/\([^ ]*\)  ->  passed.*/\1/p' |
		sort -u >"$work/baseline-passed"
	touch "$work/caught-cases"
	comm -23 "$work/baseline-passed" <(sort -u "$work/caught-cases") \
		>"$work/cases-uncaught"
	uncaught_cases=$(wc -l <"$work/cases-uncaught")
	echo
	echo "t-selftest: $(wc -l <"$work/baseline-passed") cases pass" \
		"without a fault; $uncaught_cases of them fail under no fault of" \
		"their own claim"
	sed 's/^/    no fault catches: /' "$work/cases-uncaught"
fi

echo
nbase=$(wc -l <"$unexpected")
echo "t-selftest: $caught faults caught, $uncaught not caught," \
	"$nbase cases failing unexpectedly without a fault ($(($(date +%s) - t0))s)"
if [ "$nbase" -ne 0 ]; then
	echo "t-selftest: FAIL: cases fail with no fault injected:" \
		"$(paste -sd' ' "$unexpected")" >&2
	exit 1
fi
if [ "$uncaught" -ne 0 ]; then
	echo "t-selftest: FAIL: a fault no case of its claim catches means that" \
		"claim's cases do not check that behaviour" >&2
	exit 1
fi
if [ "$uncaught_cases" -ne 0 ]; then
	echo "t-selftest: FAIL: a case no fault of its claim makes fail cannot" \
		"be shown to check anything: give its behaviour a fault" \
		"(tests/faults/faults.def)" >&2
	exit 1
fi
exit 0
