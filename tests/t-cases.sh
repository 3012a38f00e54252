#!/bin/bash
# tests/t-cases.sh: what the compiler cannot check in the cases' sources
# (cases/check_cases.py): every case is registered, every case has a
# "Detects:" comment, and README's counts (its marker line
# "<!-- counts: cases=N programs=M -->" and the prose "N cases in M
# programs" of that paragraph) are the code's.  Each check is also shown to
# catch a planted fault, so a pass means something.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
check=$top/cases/check_cases.py
py=/usr/bin/python3
pass=0
fail=0
ok() {
	echo "ok   $*"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $*"
	fail=$((fail + 1))
}
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-cases.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
srcs=("$top"/cases/*.c)

for what in registered detects; do
	if "$py" "$check" "$what" "${srcs[@]}" 2>"$work/$what.err"; then
		ok "$what: all ${#srcs[@]} case programs"
	else
		bad "$what:"
		sed 's/^/    /' "$work/$what.err"
	fi
done
if "$py" "$check" counts "$top/README.md" "${srcs[@]}" 2>"$work/counts.err"; then
	ok "README counts: $(cat "$work/counts.err")"
else
	bad "README counts:"
	sed 's/^/    /' "$work/counts.err"
fi

# ---- the checks catch what they are for ---------------------------------
cat >"$work/planted.c" <<'C'
/* Detects: nothing; it is planted. */
SC_CASE(declared_and_added, MMAP_PAGES, SC_POSIX, "x") {}

SC_CASE(declared_never_added, MMAP_PAGES, SC_POSIX, "x") {}
ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, declared_and_added);
	/* SC_ADD(tp, declared_never_added); a comment registers nothing */
	return atf_no_error();
}
C
if ! "$py" "$check" registered "$work/planted.c" 2>"$work/p.err" &&
	grep -q "declared_never_added is declared but never registered" "$work/p.err" &&
	! grep -q "declared_and_added" "$work/p.err"; then
	ok "a case declared but not added is caught (and only it)"
else
	bad "planted unregistered case not caught: $(cat "$work/p.err")"
fi
if ! "$py" "$check" detects "$work/planted.c" 2>"$work/d.err" &&
	grep -q "declared_never_added has no 'Detects:'" "$work/d.err" &&
	! grep -q "declared_and_added" "$work/d.err"; then
	ok "a case without a Detects: comment is caught (and only it)"
else
	bad "planted case without Detects: not caught: $(cat "$work/d.err")"
fi
n=$(grep -c '^SC_\(FS_\)\?CASE(' "${srcs[@]}" | awk -F: '{ s += $2 } END { print s }')
printf 'x\n\n<!-- counts: cases=%d programs=%d -->\nThe suite: %d cases in 99 programs.\n\ny\n' \
	"$n" "${#srcs[@]}" "$n" >"$work/README.md"
if ! "$py" "$check" counts "$work/README.md" "${srcs[@]}" 2>"$work/c.err" &&
	grep -q "the prose says '$n cases in 99 programs'" "$work/c.err"; then
	ok "a stale count in README's prose is caught"
else
	bad "planted stale README count not caught: $(cat "$work/c.err")"
fi
sed -i "s/99 programs/${#srcs[@]} programs/; s/cases=$n /cases=$((n + 1)) /" "$work/README.md"
if ! "$py" "$check" counts "$work/README.md" "${srcs[@]}" 2>"$work/c.err" &&
	grep -q "the marker says cases=$((n + 1))" "$work/c.err"; then
	ok "a stale count on README's marker line is caught"
else
	bad "planted stale marker not caught: $(cat "$work/c.err")"
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
