#!/bin/sh
# t-install: the installed suite, as a distribution or a kernel CI lab has
# it.  `cmake --install` to a temporary prefix, which is then moved (any
# prefix works, nothing refers back to this clone), and from there:
#   - no installed file names the source tree or the build tree;
#   - Kyua lists the same cases from $prefix/tests/shmconform/Kyuafile as
#     from the clone's Kyuafile, and runs a few of them;
#   - `shmconform run` gives the same verdicts for them as the clone's suite
#     and writes every report ci/run-suite writes;
#   - every `shmconform COMMAND --help` works.
# Ends with "N passed, N failed"; exits 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-install.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# shellcheck source=tests/tally.sh
. "$top/tests/tally.sh"

# A few quick programs: pages, System V segments, a file-backed one.
progs="cases/mmap_pages cases/shm_get cases/msync"

SHMCONFORM_BUILD=$build "$top/ci/build" || exit 2
check "cmake --install to a temporary prefix" \
	cmake --install "$build" --prefix "$work/first"
mv "$work/first" "$work/prefix"
p=$work/prefix

if grep -rlF -e "$top" -e "$build" "$p" >"$work/refs"; then
	not_ok "installed files name the clone ($top) or the build" "$work/refs"
else
	ok "no installed file names the clone or the build"
fi
for f in bin/shmconform tests/shmconform/Kyuafile tests/shmconform/cases/Kyuafile \
	tests/shmconform/cases/mmap_pages libexec/shmconform/sc-run \
	libexec/shmconform/sc-probe libexec/shmconform/sc-sweep \
	share/shmconform/claims.json share/shmconform/reports/shmreport.py; do
	[ -e "$p/$f" ] || not_ok "installed: $f is missing"
done

# Kyua from elsewhere than the clone, with only the installed tree.
cd "$work" || exit 2
kyua list -k "$top/Kyuafile" --build-root="$build" | sort >"$work/list.clone"
kyua list -k "$p/tests/shmconform/Kyuafile" | sort >"$work/list.installed"
if [ -s "$work/list.clone" ] && cmp -s "$work/list.clone" "$work/list.installed"; then
	ok "the installed Kyuafile lists the clone's $(wc -l <"$work/list.clone") cases"
else
	diff "$work/list.clone" "$work/list.installed" >"$work/out"
	not_ok "the installed Kyuafile lists other cases than the clone's" "$work/out"
fi
# shellcheck disable=SC2086 # the programs are words
check "kyua test -k \$prefix/tests/shmconform/Kyuafile $progs" \
	kyua --logfile=/dev/null test -k "$p/tests/shmconform/Kyuafile" \
	--results-file="$work/installed-kyua.db" $progs

# shmconform run, beside the clone's suite on the same programs.
# shellcheck disable=SC2086
check "shmconform run $progs" "$p/bin/shmconform" run -r "$work/run" $progs
for f in kyua.db probe.json results.tap results.junit.xml report.html results.json; do
	[ -s "$work/run/$f" ] || not_ok "shmconform run wrote no $f"
done
mkdir -p "$work/clone"
# shellcheck disable=SC2086
kyua --logfile=/dev/null test -k "$top/Kyuafile" --build-root="$build" \
	--results-file="$work/clone/kyua.db" $progs >/dev/null 2>&1
cp "$work/run/probe.json" "$work/clone/"
python3 "$top/reports/shmreport.py" export --results "$work/clone/kyua.db" \
	-o "$work/clone/results.json"
verdicts() { # verdicts RESULTS.JSON: program:case fs verdict, one a line
	python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    for f in c["fs"] or [{"type": "-", "verdict": c["result"]}]:
        print(c["program"] + ":" + c["name"], f["type"], f["verdict"])' "$1" | sort
}
verdicts "$work/clone/results.json" >"$work/v.clone"
verdicts "$work/run/results.json" >"$work/v.installed"
if [ -s "$work/v.clone" ] && cmp -s "$work/v.clone" "$work/v.installed"; then
	ok "shmconform run: the clone's verdicts ($(wc -l <"$work/v.clone") case x fs)"
else
	diff "$work/v.clone" "$work/v.installed" >"$work/out"
	not_ok "shmconform run: other verdicts than the clone's" "$work/out"
fi

for c in run report explain probe matrix; do
	check "shmconform $c --help" "$p/bin/shmconform" "$c" --help
done
check "shmconform explain MMAP-PAGES (the installed claims and sources)" \
	"$p/bin/shmconform" explain MMAP-PAGES
"$p/libexec/shmconform/sc-sweep" >/dev/null 2>&1 || true

tally
