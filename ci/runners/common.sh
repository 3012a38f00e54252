#!/bin/sh
# shellcheck shell=sh
# Sourced by every ci/runners/* script: where things are, how a runner
# reports.  A runner is called as
#   ci/runners/NAME OUTDIR [VARIANT...]
# and writes OUTDIR/<env>.json (a shmconform results file, reports/FORMAT.md)
# and OUTDIR/<env>.log for each environment it ran.  Exit status: 0 when it
# ran (whatever the cases said), 77 when this machine cannot host the
# environment (the reason on stderr), anything else on a runner error.
#
# Environment:
#   SHMCONFORM_BUILD   the built suite (default: build/)
#   SHMCONFORM_CACHE   downloaded kernels and images
#                      (default: ~/.cache/shmconform)
#   SHMCONFORM_FILTER  run only the cases matching this glob (sc-run -f)
#   SHMCONFORM_JOBS    cases at once inside an environment (default: 2)

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")

# shellcheck disable=SC2034 # used by the runners that download
cache=${SHMCONFORM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/shmconform}
scrun=$build/harness/sc-run
runner=$(basename "$0")
jobs=${SHMCONFORM_JOBS:-2}

say() { echo "$runner: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}
die() {
	say "ERROR: $*"
	exit 2
}

# The arguments every sc-run gets: -j, and the filter if any.
scrun_args() {
	set -- -j "$jobs"
	[ -n "${SHMCONFORM_FILTER:-}" ] && set -- "$@" -f "$SHMCONFORM_FILTER"
	printf '%s\n' "$@"
}

need_suite() {
	[ -x "$scrun" ] || die "no $scrun: build the suite first (ci/build)"
	[ -d "$build/cases" ] || die "no $build/cases"
}

# check_results FILE: the file exists and is a results file (python3 is on
# the host: the guest needs none).
check_results() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "shmconform-results", "not a results file"
assert d["cases"], "no case"
' "$1" || {
		say "ERROR: $1 is not a valid results file"
		return 1
	}
}

# mk_tmp: a private temporary directory in $tmp, removed when the runner
# exits (not in a subshell: the trap must belong to the runner).
mk_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-runner.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the path is fixed
	trap "rm -rf '$tmp'" EXIT
	trap 'exit 130' INT TERM
}
