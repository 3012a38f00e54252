#!/bin/sh
# tests/t-tools.sh: the tools stand beside the case library, not in it.
#   - build/harness/libsc.a (what cases link) holds no tool object;
#   - build/tools/sc-run, sc-probe, sc-sweep do not load libatf-c, and the
#     ATF-free core they link (libsc_core.a) references no atf_ symbol;
#   - no symbol is defined both by the case library and by the tools'
#     library (libtl.a): one name, one meaning.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
[ -x "$build/tools/sc-run" ] || SHMCONFORM_BUILD=$build "$top/ci/build" || exit 2
passed=0 failed=0
ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}
bad() {
	echo "FAIL $1"
	failed=$((failed + 1))
}

objs=$(ar t "$build/harness/libsc.a")
tools=$(echo "$objs" | grep -E 'runner|probe|sweep|_main|^tl_' || true)
if [ -z "$tools" ] && echo "$objs" | grep -q '^sc_case'; then
	ok "libsc.a: case library only ($(echo "$objs" | wc -l) objects)"
else
	bad "libsc.a holds tool objects: $tools"
fi

for t in sc-run sc-probe sc-sweep; do
	if ! [ -x "$build/tools/$t" ]; then
		bad "$t: not built in $build/tools"
	elif ldd "$build/tools/$t" | grep -q atf; then
		bad "$t loads atf-c: $(ldd "$build/tools/$t" | grep atf)"
	else
		ok "$t: no libatf-c"
	fi
done

atf=$(nm -u "$build/harness/libsc_core.a" | grep -w 'U atf_.*' || true)
if [ -z "$atf" ]; then
	ok "libsc_core.a: no atf_ symbol referenced"
else
	bad "libsc_core.a references atf-c: $atf"
fi

defined() { nm --defined-only -g "$1" | awk 'NF == 3 { print $3 }' | sort -u; }
both=$(defined "$build/harness/libsc.a" >"$build/.t-tools.sc" &&
	defined "$build/tools/libtl.a" | comm -12 "$build/.t-tools.sc" -)
rm -f "$build/.t-tools.sc"
if [ -z "$both" ]; then
	ok "no symbol defined by both libsc.a and libtl.a"
else
	bad "defined by both libsc.a and libtl.a: $both"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
