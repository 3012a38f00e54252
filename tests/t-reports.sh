#!/bin/sh
# t-reports: the report tools (reports/shmreport.py) on fixed results files
# (tests/reports/fixtures, real Kyua runs; see its README):
#   - golden files per format (TAP 13/14, JUnit, HTML, summary, export,
#     matrix, differences, explain, errors), with python3 and, when
#     present, Python 3.9;
#   - TAP read by prove and by Debian's python3-tap;
#   - JUnit read by Debian's python3-junitparser and xmllint, structure as
#     CI servers document it, and no environment variable in it;
#   - the HTML opened in headless Chromium: what a learner must see is
#     really printed (PDF -> text), nothing is fetched, no script;
#   - one-line errors for a missing or corrupt results file, an unknown
#     claim, a malformed deviations registry;
#   - sc-probe's JSON, when the build has it.
# UPDATE_GOLDEN=1 tests/t-reports.sh rewrites the golden files.
# Ends with "N passed, N failed"; exits 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
fx=tests/reports/fixtures
gold=tests/reports/golden
tool=reports/shmreport.py
syspy=/usr/bin/python3 # Debian's python3-* packages are visible to it only
build=${SHMCONFORM_BUILD:-$top/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-reports.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# shellcheck source=tests/tally.sh
. "$top/tests/tally.sh"

# The fixtures' own claims and deviations: goldens do not move when the
# project's claims.json or deviations/ grow.
FX="--claims $fx/claims.json --deviations $fx/deviations.json"

# gen PYTHON DIR: every golden output, made with PYTHON into DIR.
gen() {
	py=$1
	d=$2
	mkdir -p "$d"
	syn=$fx/synthetic
	# shellcheck disable=SC2086 # $FX is two options
	{
		$py $tool tap --results $syn $FX -o "$d/synthetic.tap"
		$py $tool tap --results $syn $FX --tap-version 14 \
			-o "$d/synthetic.tap14"
		$py $tool junit --results $syn $FX -o "$d/synthetic.junit.xml"
		$py $tool html --results $syn $FX --cases tests/reports/fixture-src \
			-o "$d/synthetic.html"
		$py $tool summary --results $syn $FX -o "$d/synthetic.summary"
		$py $tool export --results $syn/kyua.db $FX \
			-o "$d/synthetic.results.json"
		$py $tool tap --results $fx/real $FX -o "$d/real.tap"
		$py $tool junit --results $fx/real $FX -o "$d/real.junit.xml"
		$py $tool html --results $fx/real $FX --cases tests/reports/fixture-src \
			-o "$d/real.html"
		$py $tool summary --results $fx/real $FX -o "$d/real.summary"
		$py $tool matrix $FX $syn $fx/real $fx/other-env/results.json \
			--html "$d/matrix.html" --md "$d/matrix.md"
		$py $tool matrix $FX --by case $syn $fx/other-env/results.json \
			--label "this machine" --md "$d/matrix-by-case.md"
		$py $tool differences $FX --label host $syn \
			$fx/other-env/results.json --md "$d/differences.md"
		$py $tool explain $FX --cases tests/reports/fixture-src \
			MAP-SHARED $syn $fx/other-env/results.json >"$d/explain-claim.txt"
		$py $tool explain $FX --cases tests/reports/fixture-src \
			fixture_fails_with_erratum $syn >"$d/explain-case.txt"
	} >"$d/gen.log" 2>&1
	errors "$py" >"$d/errors.txt" 2>&1
	rm -f "$d/gen.log"
}

# errors PYTHON: each bad input's message and exit status, one per line.
errors() {
	py=$1
	e=$work/bad
	mkdir -p "$e"
	printf 'not a database at all\n' >"$e/garbage.db"
	head -c 2048 "$fx/synthetic/kyua.db" >"$e/truncated.db"
	printf '{"format": "shmconform-results", "version": 1, "cases": [' \
		>"$e/cut.json"
	printf '{"format": "shmconform-results", "version": 1, "cases": [{"program": "p", "name": "n", "result": "exploded"}]}' \
		>"$e/badresult.json"
	: >"$e/empty.db"
	dv='{"format": "shmconform-deviations", "version": 1, "deviations": ['
	ok1='"id": "a", "kind": "kernel", "case": "x", "explanation": "r", "evidence": "e"'
	printf '%s' "$dv" >"$e/x-json.json"
	printf '%s{%s, "kernal": "5"}]}' "$dv" "$ok1" >"$e/x-field.json"
	printf '%s{%s, "kernel": "about 5"}]}' "$dv" "$ok1" >"$e/x-range.json"
	printf '%s{"id": "a", "kind": "kernel", "case": "x", "evidence": "e"}]}' "$dv" >"$e/x-reason.json"
	printf '%s{%s, "claim": "NO-SUCH-CLAIM"}]}' "$dv" "$ok1" >"$e/x-claim.json"
	printf '%s{%s, "verdict": "xfail"}]}' "$dv" "$ok1" >"$e/x-verdict.json"
	printf '%s{%s, "kind": "weather"}]}' "$dv" "$(echo "$ok1" | sed 's/"kind": "kernel", //')" >"$e/x-kind.json"
	mkdir -p "$e/dup"
	printf '%s{%s}]}' "$dv" "$ok1" >"$e/dup/one.json"
	printf '%s{%s}]}' "$dv" "$ok1" >"$e/dup/two.json"
	for args in "summary --results $e/nonexistent.db" \
		"summary --results $e/garbage.db" \
		"summary --results $e/truncated.db" \
		"summary --results $e/empty.db" \
		"summary --results $e/cut.json" \
		"summary --results $e/badresult.json" \
		"summary --results $e" \
		"explain NO-SUCH-CLAIM $fx/synthetic" \
		"check-deviations $e/nonexistent.json" \
		"check-deviations $e/x-json.json" \
		"check-deviations $e/x-field.json" \
		"check-deviations $e/x-range.json" \
		"check-deviations $e/x-reason.json" \
		"check-deviations $e/x-claim.json" \
		"check-deviations $e/x-verdict.json" \
		"check-deviations $e/x-kind.json" \
		"check-deviations $e/dup" \
		"all --results $fx/synthetic/kyua.db --deviations $e/x-field.json --out $e/o"; do
		# shellcheck disable=SC2086 # args are words
		$py $tool $args --claims $fx/claims.json >"$e/stdout" 2>"$e/stderr"
		rc=$?
		printf '%s => exit %d: %s\n' "$(echo "$args" | cut -d' ' -f1)" \
			"$rc" "$(cat "$e/stdout" "$e/stderr")" | sed "s|$e|BAD|g"
	done
}

# ---- golden files -------------------------------------------------------
gen python3 "$work/py3"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	rm -rf "$gold"
	mkdir -p "$gold"
	cp "$work"/py3/* "$gold"/
	echo "golden files rewritten in $gold"
fi
for f in "$gold"/*; do
	n=$(basename "$f")
	if diff -u "$f" "$work/py3/$n" >"$work/diff"; then
		ok "golden $n"
	else
		not_ok "golden $n (UPDATE_GOLDEN=1 rewrites after a deliberate change)" "$work/diff"
	fi
done
# The tools run on any python3 >= 3.9: the same output from 3.9.
py39=""
for p in /root/.pyenv/versions/3.9*/bin/python3.9 python3.9; do
	# (a pyenv shim answers 'command -v' but may not run: ask it)
	if "$p" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
		py39=$p
		break
	fi
done
if [ -n "$py39" ]; then
	gen "$py39" "$work/py39"
	check "python 3.9 writes the same files ($py39)" diff -r "$work/py3" "$work/py39"
else
	check "python 3.9 syntax (no 3.9 interpreter here)" python3 -c '
import ast, glob, sys
for f in glob.glob("reports/*.py") + glob.glob("reports/shmrep/*.py"):
    ast.parse(open(f).read(), f, feature_version=(3, 9))'
fi

# ---- one-line errors ----------------------------------------------------
if grep -q Traceback "$work/py3/errors.txt"; then
	not_ok "errors are one line, never a traceback" "$work/py3/errors.txt"
elif [ "$(grep -c '=> exit 2: shmreport: ' "$work/py3/errors.txt")" -ne \
	"$(wc -l <"$work/py3/errors.txt")" ]; then
	not_ok "every bad input: exit 2 and one 'shmreport: ...' line" "$work/py3/errors.txt"
else
	ok "bad inputs: $(wc -l <"$work/py3/errors.txt") one-line errors, exit 2"
fi

# ---- TAP: independent consumers -----------------------------------------
r=$work/py3
# synthetic + fixture deviations: 3 pass, 4 not ok (2 fail + 1 broken +
# 1 unexpected pass, red as in ATF), 3 skip, 2 TODO failing (xfail).
check "TAP 13 read by python3-tap" $syspy tests/reports/check_tap.py "$r/synthetic.tap" 3 4 3 2 0
check "TAP 14 read by python3-tap" $syspy tests/reports/check_tap.py "$r/synthetic.tap14" 3 4 3 2 0
prove -e cat "$r/synthetic.tap" >"$work/prove" 2>&1
if grep -q 'Tests=12' "$work/prove" && grep -q 'Failed: 4)' "$work/prove" &&
	! grep -q 'TODO passed' "$work/prove" && ! grep -qi 'parse error' "$work/prove"; then
	ok "TAP 13 read by prove: 12 tests, 4 failed, no TODO passed"
else
	not_ok "TAP 13 read by prove" "$work/prove"
fi
real_n=$(grep -c '^ok ' "$r/real.tap")
if prove -e cat "$r/real.tap" >"$work/prove" 2>&1 &&
	grep -q 'All tests successful' "$work/prove"; then
	ok "TAP of the real run read by prove: all $real_n successful"
else
	not_ok "TAP of the real run read by prove" "$work/prove"
fi

# ---- JUnit ---------------------------------------------------------------
check "JUnit well-formed (xmllint)" xmllint --noout "$r/synthetic.junit.xml" "$r/real.junit.xml"
# failures: 2 + 1 unexpected pass; skipped: 3 skips + 2 expected failures.
check "JUnit: junit-10.xsd's rules, read by python3-junitparser" $syspy tests/reports/check_junit.py "$r/synthetic.junit.xml" 3 1 5 12 2
check "JUnit of the real run: junit-10.xsd's rules, junitparser" $syspy tests/reports/check_junit.py "$r/real.junit.xml" 0 0 0 "$real_n" 0
# The checker must catch what the schema rejects (what this suite once
# wrote): properties in a testcase, skipped and timestamp on testsuites.
sed -e '0,/<testcase \([^>]*\)>/s//<testcase \1><properties><property name="claim" value="X"\/><\/properties>/' \
	-e 's/<testsuites \([^>]*\)>/<testsuites skipped="1" timestamp="now" \1>/' \
	"$r/synthetic.junit.xml" >"$work/bad.junit.xml"
if $syspy tests/reports/check_junit.py "$work/bad.junit.xml" 3 1 5 12 2 >"$work/out" 2>&1; then
	not_ok "the junit-10.xsd checker rejects a file the schema rejects" "$work/out"
elif grep -q '<properties> may not stand inside <testcase>' "$work/out" &&
	grep -q 'attribute skipped not allowed on <testsuites>' "$work/out" &&
	grep -q 'attribute timestamp not allowed on <testsuites>' "$work/out"; then
	ok "the junit-10.xsd checker rejects properties in a testcase, skipped/timestamp on testsuites"
else
	not_ok "the junit-10.xsd checker names each violation" "$work/out"
fi
# Kyua recorded the environment (a fake secret among it): kyua's own JUnit
# leaks it, ours must not.
kyua report-junit --results-file="$fx/synthetic/kyua.db" \
	--output="$work/kyua-junit.xml" >/dev/null 2>&1
if ! grep -q fixture-secret-never-in-reports "$work/kyua-junit.xml"; then
	not_ok "the fixture's fake secret is in kyua report-junit's output (it should be, to make the next test mean something)"
elif grep -rl -e fixture-secret -e SHMCONFORM_FIXTURE_SECRET "$r" >"$work/out"; then
	not_ok "no environment variable in our reports" "$work/out"
else
	ok "no environment variable in our reports (kyua report-junit leaks it)"
fi

# ---- HTML in headless Chromium ------------------------------------------
html=$r/synthetic.html
if grep -qiE '<script|<link|src="http|url\(http|@import' "$html"; then
	not_ok "HTML self-contained: no script, no fetched resource"
else
	ok "HTML self-contained: no script, no fetched resource"
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	not_ok "headless Chromium (Debian's chromium) is not installed: ci/setup installs it from ci/packages.d/reports.txt"
else
	chrome() { # chrome ARGS...: headless, no network, fresh profile
		profile=$(mktemp -d "$work/chrome.XXXXXX")
		timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
			--disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync \
			--user-data-dir="$profile" "$@" 2>>"$work/chrome.log"
	}
	chrome --dump-dom "file://$html" >"$work/dom.html"
	chrome --no-pdf-header-footer --print-to-pdf="$work/report.pdf" \
		"file://$html" >/dev/null
	chrome --hide-scrollbars --window-size=1200,1600 \
		--screenshot="$work/report.png" "file://$html" >/dev/null
	# Reading order, all white space dropped: layout and line breaks differ
	# between fonts, the words do not.
	pdftotext "$work/report.pdf" - 2>>"$work/chrome.log" | tr -d ' \t\n' \
		>"$work/report.txt"
	missing=""
	# What a learner must see: the verdicts, the tutorial's words (Chinese)
	# beside the precise statement, the erratum, and for a failure the
	# expected and observed values and why it matters.
	for want in "what the tutorial gets right" "The tutorial says" "Precisely" \
		"变动是共享的，变动会写回到文件" "Changes are seen by every process" \
		"Erratum: the tutorial is wrong here" "Expected" "Observed" \
		"4097" "4096" "Why it matters" "expected failure" "unexpected pass" \
		"BROKEN" "skip" "ext4" "tmpfs" "fixture-tmpfs-only-on-ext4" \
		"Environment" "SHMLBA" "shm_rmid_forced" "sandbox"; do
		w=$(printf '%s' "$want" | tr -d ' ')
		grep -qiF -- "$w" "$work/report.txt" ||
			missing="$missing [$want]"
	done
	if [ ! -s "$work/dom.html" ] || ! grep -q 'id="claim-MAP-SHARED"' "$work/dom.html"; then
		not_ok "HTML opened in Chromium (--dump-dom)" "$work/chrome.log"
	else
		ok "HTML opened in Chromium (--dump-dom)"
	fi
	if [ -n "$missing" ]; then
		not_ok "Chromium prints what a learner must see; missing:$missing" "$work/chrome.log"
	else
		ok "Chromium prints what a learner must see (PDF text: words, statement, erratum, expected/observed, why)"
	fi
	size=$(wc -c <"$work/report.png" 2>/dev/null || echo 0)
	if [ "$size" -gt 20000 ]; then
		ok "Chromium screenshot of the report ($size bytes)"
	else
		not_ok "Chromium screenshot of the report ($size bytes)" "$work/chrome.log"
	fi
	[ -z "${KEEP_SCREENSHOT:-}" ] || cp "$work/report.png" "$KEEP_SCREENSHOT"
fi

# ---- failures as data ---------------------------------------------------
# fixtures/records: the synthetic run with the harness's records
# (shmconform-check lines) and every "expected X, observed Y" of its prose
# reworded.  The reports read the records: the summary is the same, and the
# TAP differs only where it quotes Kyua's raw reason.
rec=$fx/records
# shellcheck disable=SC2086
python3 $tool summary --results $rec $FX -o "$work/rec.summary"
check "records: a reworded run summarises the same (kyua.db)" diff -u "$r/synthetic.summary" "$work/rec.summary"
# shellcheck disable=SC2086
python3 $tool export --results $rec $FX -o "$work/rec.json"
# shellcheck disable=SC2086
python3 $tool summary --results "$work/rec.json" $FX -o "$work/rec-json.summary"
check "records: the same from a results file (as sc-run writes)" diff -u "$r/synthetic.summary" "$work/rec-json.summary"
# shellcheck disable=SC2086
python3 $tool tap --results $rec $FX -o "$work/rec.tap"
if diff "$r/synthetic.tap" "$work/rec.tap" | grep '^[<>]' | grep -v -- '-- wanted\|: expected 2, observed 1$' >"$work/out"; then
	not_ok "records: TAP differs from the unreworded run only in Kyua's raw reason" "$work/out"
else
	ok "records: TAP differs from the unreworded run only in Kyua's raw reason"
fi
# shellcheck disable=SC2086
python3 $tool junit --results $rec $FX -o "$work/rec.junit.xml"
# shellcheck disable=SC2086
python3 $tool html --results $rec $FX -o "$work/rec.html"
if grep -q 'shmconform-check:' "$work/rec.junit.xml" "$work/rec.html" "$work/rec.tap"; then
	not_ok "records never shown as text"
else
	ok "records never shown as text (JUnit, HTML, TAP)"
fi

# ---- writes are atomic --------------------------------------------------
# A write that fails (here: the file-size limit, as a full disk would) leaves
# the old report whole and no temporary file.
aw=$work/atomic
mkdir -p "$aw"
echo "the old report" >"$aw/report.html"
# shellcheck disable=SC2086
(ulimit -f 4 && python3 $tool html --results $fx/synthetic $FX -o "$aw/report.html") >"$work/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && [ "$(cat "$aw/report.html")" = "the old report" ] &&
	[ "$(ls -A "$aw")" = report.html ] && grep -q '^shmreport: cannot write' "$work/out"; then
	ok "a failed write leaves the old report whole, no temporary file, one-line error"
else
	ls -A "$aw" >>"$work/out"
	not_ok "a failed write (exit $rc) leaves the old report whole" "$work/out"
fi

# ---- round trip, exit status, matrix ------------------------------------
# shellcheck disable=SC2086
python3 $tool tap --results "$r/synthetic.results.json" $FX -o "$work/rt.tap"
check "export -> JSON -> TAP equals TAP from kyua.db" diff -u "$r/synthetic.tap" "$work/rt.tap"
# shellcheck disable=SC2086
python3 $tool all --results "$fx/real/kyua.db" $FX --out "$work/all-real" --elapsed 1.5 >"$work/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -s "$work/all-real/report.html" ] && [ -s "$work/all-real/results.tap" ] &&
	[ -s "$work/all-real/results.junit.xml" ] && [ -s "$work/all-real/results.json" ] &&
	head -n 1 "$work/out" | grep -qE '^shmconform: [0-9]+ passed, 0 failed, [0-9]+ skipped$'; then
	ok "all: a green run exits 0, writes four files, summary first line"
else
	not_ok "all on a green run (exit $rc)" "$work/out"
fi
# shellcheck disable=SC2086
python3 $tool all --results "$fx/synthetic/kyua.db" $FX --out "$work/all-syn" >"$work/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^FAIL  cases/fixture_cases:fixture_fails_with_erratum: page size, fixture comparison: expected 4097, observed 4096$' "$work/out" &&
	grep -q '^       lesson: MMAP-RETURN \[POSIX\]' "$work/out"; then
	ok "all: unexpected failures exit 1 and are listed with their lesson"
else
	not_ok "all on a red run (exit $rc)" "$work/out"
fi
if grep -q '≠' "$r/matrix.md" && grep -q 'class="diff"' "$r/matrix.html" &&
	grep -q '(#map-shared-in-e2)' "$r/matrix.md" &&
	grep -q '<a href="#d-MAP-SHARED-E2">' "$r/matrix.html" &&
	grep -q 'id="d-MAP-SHARED-E2"' "$r/matrix.html"; then
	ok "matrix: differences marked, every cell links to its detail"
else
	not_ok "matrix: differences marked, every cell links to its detail"
fi

# ---- the C probe ---------------------------------------------------------
if [ -x "$build/tools/sc-probe" ]; then
	"$build/tools/sc-probe" --fs "/dev/shm:${TMPDIR:-/tmp}" >"$work/probe.json"
	check "sc-probe: JSON with page size, SHMLBA, IPC_INFO, fs, namespaces, sandbox" python3 -c '
import json, os, sys
p = json.load(open(sys.argv[1]))
assert p["format"] == "shmconform-probe", p.get("format")
assert p["page_size"] == os.sysconf("SC_PAGESIZE"), p["page_size"]
assert p["shmlba"] and p["shmlba"] % p["page_size"] == 0, p["shmlba"]
# integers above 2^53 are decimal strings (reports/FORMAT.md)
assert p["ipc_info"]["shmmni"] > 0 and int(p["ipc_info"]["shmmax"]) > 0
for v in (p["ipc_info"]["shmmax"], p["sysctl"]["shmmax"]):
    assert isinstance(v, int) and v <= 1 << 53 or \
        isinstance(v, str) and int(v) > 1 << 53, v
assert p["runtime"]["name"] and p["runtime"]["decided_by"], p["runtime"]
assert p["capabilities"]["effective"]["hex"] == [l.split()[1] for l in
    open("/proc/self/status") if l.startswith("CapEff:")][0]
assert p["seccomp"]["mode"] in (0, 1, 2), p["seccomp"]
assert p["user_namespace"]["uid_map"][0]["count"] > 0
assert "memory_limit_bytes" in p["cgroup"]
assert p["filesystems"][0]["read_only"] is False
assert p["filesystems"][0]["options"]["rw"] is True
assert p["kernel"]["release"] == os.uname().release
assert [f["dir"] for f in p["filesystems"]] == sys.argv[2].split(":")
assert p["filesystems"][0]["type"] == "tmpfs", p["filesystems"][0]
assert p["namespaces"]["ipc"]["id"].startswith("ipc:[")
assert p["sandbox"]["kind"] in ("gvisor", "wsl1", "wsl2", "uml", "container", "vm", "none")
' "$work/probe.json" "/dev/shm:${TMPDIR:-/tmp}"
	# The schema is the contract with every reader (Debian's jsonschema,
	# via /usr/bin/python3: the python3 first on PATH may lack it).
	check "sc-probe output valid against reports/schema/probe.schema.json" \
		/usr/bin/python3 -c '
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema missing (ci/packages.d/tools.txt: run ci/setup)")
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    errs = sorted(v.iter_errors(json.load(open(path))), key=str)
    for e in errs[:5]:
        print("%s: %s at %s" % (path, e.message, "/".join(map(str, e.absolute_path))))
    assert not errs, "%d schema errors" % len(errs)
' "$top/reports/schema/probe.schema.json" "$work/probe.json"
	# ... and so is what sc-run embeds, and what shmreport.py probe writes.
	"$build/tools/sc-run" -q -o "$work/sc-run.json" -f nothing-matches \
		"$build/cases/mmap_pages" 2>/dev/null
	python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["probe"], open(sys.argv[2], "w"))' \
		"$work/sc-run.json" "$work/sc-run-probe.json"
	python3 "$top/reports/shmreport.py" probe --sc-probe "$build/tools/sc-probe" \
		-o "$work/shmreport-probe.json"
	check "sc-run's and shmreport.py probe's probe objects valid too" \
		/usr/bin/python3 -c '
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
for path in sys.argv[2:]:
    errs = list(v.iter_errors(json.load(open(path))))
    assert not errs, "%s: %s" % (path, errs[0].message)
' "$top/reports/schema/probe.schema.json" "$work/sc-run-probe.json" "$work/shmreport-probe.json"
else
	echo "skip sc-probe: not built in $build"
fi

tally
