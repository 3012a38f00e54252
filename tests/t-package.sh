#!/bin/sh
# t-package: the Debian package builds (ci/build-package: dpkg-buildpackage
# -us -uc -b from a copy of the clone) with no lintian error, holds the
# installed suite, and depends on what the suite runs with.  About 25 s.
# The package's own tests (autopkgtest) are ci/autopkgtest: minutes.
# Ends with "N passed, N failed"; exits 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-package.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# shellcheck source=tests/tally.sh
. "$top/tests/tally.sh"

if "$top/ci/build-package" "$work/out" >"$work/log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b, no lintian error"
else
	not_ok "the package does not build, or lintian finds errors" "$work/log"
	tally
	exit
fi
deb=$(ls "$work"/out/shmconform_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/files"
missing=""
for f in /usr/bin/shmconform /usr/tests/shmconform/Kyuafile \
	/usr/tests/shmconform/cases/Kyuafile /usr/tests/shmconform/cases/mmap_pages \
	/usr/libexec/shmconform/sc-run /usr/libexec/shmconform/sc-probe \
	/usr/libexec/shmconform/sc-sweep /usr/share/shmconform/claims.json \
	/usr/share/shmconform/reports/shmreport.py /usr/share/man/man1/shmconform.1.gz; do
	grep -qx "$f" "$work/files" || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "the package holds the installed suite"; else
	not_ok "the package lacks:$missing"
fi
# As many test programs as the clone has cases/*.c.
n_src=$(find "$top/cases" -maxdepth 1 -name '*.c' | wc -l)
n_pkg=$(grep -c '^/usr/tests/shmconform/cases/[a-z0-9_][a-z0-9_]*$' "$work/files")
if [ "$n_src" = "$n_pkg" ]; then ok "all $n_src test programs packaged"; else
	not_ok "$n_pkg test programs packaged, $n_src in cases/"
fi
depends=$(dpkg-deb -f "$deb" Depends)
bad=""
for d in kyua python3 libatf-c; do
	echo "$depends" | grep -q "$d" || bad="$bad $d"
done
if [ -z "$bad" ]; then ok "Depends: $depends"; else
	not_ok "Depends lacks$bad: $depends"
fi
if grep -q "$top" "$work/files"; then not_ok "a packaged path names the clone"; fi

tally
