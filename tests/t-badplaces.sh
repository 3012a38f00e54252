#!/bin/bash
# tests/t-badplaces.sh: ci/run-suite in a bad place says so in one line (exit
# 2), never with a traceback or make's noise (docs/interrupts.md):
#   1. a results directory and a build directory that cannot be written;
#   2. Kyua missing, not root (as the user nobody, Kyua off the PATH);
#   3. a full disk while the reports are written (a tmpfs just big enough
#      for Kyua's results, in a mount namespace of its own): the reports
#      written are whole, no temporary file stays.
# 2 and 3 need root (to become nobody; to mount); without it they are
# skipped, and say so.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# Under ci/test, the runs here share its build directory through its
# lock (fd 9, inherited); each uses a results directory of its own.
fails=0
say() { echo "t-badplaces: $*"; }
fail() {
	say "FAIL: $*" >&2
	fails=$((fails + 1))
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-badplaces.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# one_line WHAT PATTERN CMD...: CMD exits 2 with one line matching PATTERN.
one_line() {
	local what=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qE "$pattern" <<<"$out"; then
		say "ok   $what: $out"
	else
		fail "$what: exit $rc, expected 2 and one line /$pattern/; output:"
		while IFS= read -r l; do echo "    $l"; done <<<"$out" >&2
	fi
}

one_line "results directory not writable" "^ci/run-suite: cannot write the results directory" \
	env SHMCONFORM_RESULTS=/proc/version/results "$top/ci/run-suite"
one_line "build directory not writable" "^ci/run-suite: cannot write the build directory" \
	env SHMCONFORM_BUILD=/proc/version/build "$top/ci/run-suite"

if [ "$(id -u)" -ne 0 ]; then
	say "SKIP the missing tool and the full disk: need root (to become" \
		"another user, to mount a small tmpfs)"
	exit $((fails > 0))
fi

# 2. Kyua missing, not root: every command but kyua on the PATH.
mkdir -p "$tmp/bin" "$tmp/nobody"
for f in /usr/bin/* /usr/sbin/*; do
	[ "${f##*/}" = kyua ] || ln -sf "$f" "$tmp/bin/${f##*/}" 2>/dev/null
done
chown nobody "$tmp/nobody"
chmod 755 "$tmp"
one_line "kyua missing, not root" "^ci/run-suite: kyua is not installed" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	env PATH="$tmp/bin" SHMCONFORM_BUILD="$tmp/nobody/build" \
	SHMCONFORM_RESULTS="$tmp/nobody/results" "$top/ci/run-suite"

# 3. A full disk while the reports are written: first a normal run, for the
# sizes; then a tmpfs with room for Kyua's files and the TAP, not the rest.
SHMCONFORM_RESULTS="$tmp/normal" "$top/ci/run-suite" >/dev/null 2>&1
kb=$(du -sk "$tmp/normal/kyua.db" "$tmp/normal/kyua.log" \
	"$tmp/normal/probe.json" "$tmp/normal/results.tap" | awk '{ s += $1 } END { print s + 64 }')
mkdir -p "$tmp/full"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private bash -c '
	mount -t tmpfs -o "size=$4k" shmconform-full "$1" || exit 3
	SHMCONFORM_RESULTS=$1 "$2/ci/run-suite" >"$3/full.out" 2>&1
	echo $? >"$3/full.rc"
	ls -A "$1" >"$3/full.ls"
	for f in "$1"/results.json "$1"/results.junit.xml "$1"/results.tap; do
		[ -e "$f" ] && cp "$f" "$3/"
	done
	umount "$1"' sh "$tmp/full" "$top" "$tmp" "$kb"
rc=$(cat "$tmp/full.rc" 2>/dev/null || echo none)
# Kyua's summary line and the report tool's one line of error.
err=$(grep -v '^shmconform: \|^  [0-9]* xfail\|^reports: \|^partial' "$tmp/full.out")
if [ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q 'No space left on device' <<<"$err"; then
	say "ok   full disk ($kb KiB): $err"
else
	fail "full disk ($kb KiB): exit $rc; output:"
	sed 's/^/    /' "$tmp/full.out" >&2
fi
if grep -q '\.tmp$' "$tmp/full.ls"; then
	fail "a temporary file stayed: $(grep '\.tmp$' "$tmp/full.ls")"
fi
# What was written is whole.
[ ! -e "$tmp/results.json" ] || /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/results.json" ||
	fail "results.json is not whole"
[ ! -e "$tmp/results.junit.xml" ] || /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$tmp/results.junit.xml" ||
	fail "results.junit.xml is not whole"
[ ! -e "$tmp/results.tap" ] || grep -q '^1\.\.[0-9]' "$tmp/results.tap" || fail "results.tap has no plan"
say "full disk: left $(tr '\n' ' ' <"$tmp/full.ls")"
exit $((fails > 0))
