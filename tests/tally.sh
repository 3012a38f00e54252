#!/bin/sh
# shellcheck shell=sh
# Sourced by tests/t-*.sh: the tally every test ends with ("N passed, N
# failed").  Needs $work (a scratch directory).
passed=0
failed=0
ok() { # ok NAME
	passed=$((passed + 1))
	echo "ok   $1"
}
not_ok() { # not_ok NAME [FILE]: FILE's first lines say why
	failed=$((failed + 1))
	echo "FAIL $1"
	[ -z "${2:-}" ] || sed 's/^/     /' "$2" | head -n 40
}
check() { # check NAME COMMAND...: passes when the command exits 0
	name=$1
	shift
	# shellcheck disable=SC2154 # $work: the sourcing test's scratch directory
	if "$@" >"$work/out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$work/out"
	fi
}
tally() { # the last line, and the exit status
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
