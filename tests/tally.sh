#!/bin/sh
# shellcheck shell=sh
# tests/tally.sh: sourced by a tests/t-*.sh (after setting tname=NAME).  Gives it a private
# work directory ($work, removed on exit), the tallies and the verdict
# lines ci/test reads:
#   ok NAME, not_ok NAME [FILE], check NAME COMMAND..., finish
# (finish prints "N passed, N failed" and exits 1 on any failure).
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-${tname:?set tname before sourcing tests/tally.sh}.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok   $1"
}
not_ok() {
	failed=$((failed + 1))
	echo "FAIL $1"
	[ -z "${2:-}" ] || sed 's/^/     /' "$2" | head -n 40
}
check() { # check NAME COMMAND...: passes when the command exits 0
	_name=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then ok "$_name"; else not_ok "$_name" "$work/check.out"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
