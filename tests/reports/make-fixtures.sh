#!/bin/sh
# Regenerate the report tools' fixtures from real Kyua runs.  Run by hand
# (the fixtures are committed; tests/t-reports.sh only reads them):
#   tests/reports/make-fixtures.sh [BUILD_DIR]
# Writes tests/reports/fixtures/:
#   synthetic/kyua.db  fixture-src/fixture_cases.c run on the real harness
#                      (pass, fail, skip, expected failure, broken, per-fs)
#   real/kyua.db       a few of the suite's own programs, as they ran here
#   */probe.json       what build/tools/sc-probe saw
# The Kyua files are scrubbed: the environment Kyua records (every variable
# of the shell) is replaced by a fixed, harmless set plus one fake secret
# that the JUnit test checks never leaks; build paths become /build.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SHMCONFORM_BUILD:-$top/build}}
out=$top/tests/reports/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-fixtures.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Only what the fixtures need (other programs may be half-written).
cmake --build "$build" -j "$(nproc)" --target sc sc-probe sc-sweep \
	mmap_pages mmap_shared >/dev/null

# 1. The synthetic program, on the harness library of the build.
mkdir -p "$work/suite/cases" "$work/ext"
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
cc -std=gnu11 -Wall -Wextra -Werror -I"$top/harness" -I"$build/harness" \
	-o "$work/suite/cases/fixture_cases" \
	"$top/tests/reports/fixture-src/fixture_cases.c" \
	"$build/harness/libsc.a" "$build/harness/libsc_core.a" \
	$(pkg-config --cflags --libs atf-c)
kyuafiles() { # kyuafiles DIR PROGRAM...: a suite DIR running cases/PROGRAMs
	dir=$1
	shift
	mkdir -p "$dir/cases"
	printf 'syntax(2)\ntest_suite("shmconform")\ninclude("cases/Kyuafile")\n' \
		>"$dir/Kyuafile"
	printf 'syntax(2)\ntest_suite("shmconform")\n' >"$dir/cases/Kyuafile"
	for p in "$@"; do
		printf 'atf_test_program{name="%s"}\n' "$p" >>"$dir/cases/Kyuafile"
	done
}
kyuafiles "$work/suite" fixture_cases
# Three file systems: tmpfs, the temporary directory's, and one absent.
kyua --logfile=/dev/null \
	-v test_suites.shmconform.fs="/dev/shm:$work/ext:/nonexistent-fs" \
	test --kyuafile="$work/suite/Kyuafile" --build-root="$work/suite" \
	--results-file="$work/synthetic.db" >/dev/null || [ $? -eq 1 ]

# 2. A few real programs of the suite (whatever they are today).
kyuafiles "$work/real" mmap_pages mmap_shared
kyua --logfile=/dev/null \
	-v test_suites.shmconform.fs="/dev/shm:${TMPDIR:-/tmp}" \
	test --kyuafile="$work/real/Kyuafile" --build-root="$build" \
	--results-file="$work/real.db" >/dev/null || [ $? -eq 1 ]
"$build/tools/sc-sweep"

for name in synthetic real; do
	mkdir -p "$out/$name"
	python3 - "$work/$name.db" "$work" "$build" <<'PY'
import sqlite3, sys
db, work, build = sys.argv[1:4]
c = sqlite3.connect(db)
c.execute("DELETE FROM env_vars")
c.executemany("INSERT INTO env_vars VALUES (?, ?)", [
    ("HOME", "/root"), ("LANG", "C.UTF-8"), ("PATH", "/usr/bin:/bin"),
    ("SHMCONFORM_FIXTURE_SECRET", "fixture-secret-never-in-reports")])
for col in ("absolute_path", "root"):
    for old in (work + "/suite", work, build):
        c.execute("UPDATE test_programs SET %s = replace(%s, ?, '/build')"
                  % (col, col), (old,))
c.execute("UPDATE contexts SET cwd = '/build'")
c.commit()
c.execute("VACUUM")
c.close()
PY
	cp "$work/$name.db" "$out/$name/kyua.db"
	"$build/tools/sc-probe" --fs "/dev/shm:${TMPDIR:-/tmp}" \
		>"$out/$name/probe.json"
done
# records/: the synthetic run with failures as data (constructed).
python3 "$top/tests/reports/make-records-fixture.py"
echo "fixtures written to $out"
