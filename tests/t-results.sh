#!/bin/bash
# t-results: what ci/run-suite leaves in results/, checked with the tools CI
# users have (issue 12):
#   - a secret in the environment of ci/run-suite is in no file under
#     results/ (kyua.db included, read as bytes); Kyua ran with only the
#     variables ci/run-suite lists (kyua_env);
#   - results.json and probe.json validate against their JSON Schemas
#     (reports/schema/, Debian's python3-jsonschema): integers beyond 2^53
#     are strings; node's JSON.parse reads them exactly;
#   - the deviations registry validates against its schema;
#   - Kyua-native verdicts equal ci/run-suite's: kyua report, kyua
#     report-junit, sc-run and shmreport give every case the same verdict,
#     the known deviations of this machine as expected failures; and with
#     env=shmconform-selftest (deviations/selftest.json) a known deviation
#     that does not happen is a failure in all of them;
#   - the JUnit of the real run keeps junit-10.xsd's rules;
#   - TAP 13 read by prove and by node's tap-parser, TAP 14 by tap-parser.
# Runs the suite once (about 20 s here).  Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=${SHMCONFORM_BUILD:-$top/build}
scrun=$build/tools/sc-run
syspy=/usr/bin/python3      # Debian's python3-* packages are visible to it only
tool=reports/shmreport.py
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-results.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# shellcheck source=tests/tally.sh
. "$top/tests/tally.sh"

# ---- one run of the suite, with a secret in its environment -------------
secret=s3cr3t-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
res=$work/results
SHMCONFORM_TEST_SECRET=$secret SHMCONFORM_RESULTS=$res \
	"$top/ci/run-suite" >"$work/suite.out" 2>&1
rc=$?
if [ "$rc" -gt 1 ] || ! [ -s "$res/kyua.db" ] || ! [ -s "$res/results.json" ]; then
	not_ok "ci/run-suite ran (exit $rc)" "$work/suite.out"
	tally
	exit 1
fi
ok "ci/run-suite ran (exit $rc): $(head -n 1 "$work/suite.out")"

# ---- nothing of the environment ----------------------------------------
if grep -rla -- "$secret" "$res" >"$work/out"; then
	not_ok "the secret of ci/run-suite's environment is in results/" "$work/out"
else
	ok "a secret in ci/run-suite's environment is in no file of results/ ($(find "$res" -type f | wc -l) files, kyua.db as bytes)"
fi
# Kyua recorded only what ci/run-suite lists, and no working directory of
# the caller.
allowed=$(sed -n 's/^kyua_env="\(.*\)"$/\1/p' ci/lib/kyua-env.sh)
check "kyua.db holds only the variables of ci/lib/kyua-env.sh's kyua_env, cwd /" python3 - "$res/kyua.db" "$allowed LANG" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
names = {n for n, in db.execute("SELECT var_name FROM env_vars")}
extra = names - set(sys.argv[2].split())
assert not extra, "unlisted variables recorded: %s" % sorted(extra)
cwd = {c for c, in db.execute("SELECT cwd FROM contexts")}
assert cwd == {"/"}, cwd
print("recorded: %s" % " ".join(sorted(names)))
PY

# ---- JSON Schemas, integers ---------------------------------------------
check "results.json, probe.json and deviations/ valid by their JSON Schemas" $syspy - "$res" <<'PY'
import glob, json, os, sys
import jsonschema
res = sys.argv[1]
V = jsonschema.Draft202012Validator
def schema(name):
    s = json.load(open(os.path.join("reports", "schema", name)))
    V.check_schema(s)
    return V(s)
def valid(v, path):
    errs = sorted(v.iter_errors(json.load(open(path))), key=str)
    for e in errs[:5]:
        print("%s: %s at %s" % (path, e.message[:200], list(e.absolute_path)))
    return not errs
results = schema("results.schema.json")
ok = valid(results, os.path.join(res, "results.json"))
# probe.json: its own schema when the tree has one, the results schema's
# portable-number rule always.
portable = V({"$schema": results.schema["$schema"],
             "$defs": results.schema["$defs"], "$ref": "#/$defs/portable"})
ok &= valid(portable, os.path.join(res, "probe.json"))
if os.path.exists("reports/schema/probe.schema.json"):
    ok &= valid(schema("probe.schema.json"), os.path.join(res, "probe.json"))
dev = schema("deviations.schema.json")
for f in sorted(glob.glob("deviations/*.json")):
    ok &= valid(dev, f)
# the schema is not vacuous: a number beyond 2^53 is refused
bad = json.load(open(os.path.join(res, "results.json")))
bad["probe"] = dict(bad["probe"] or {}, format="shmconform-probe",
                    ipc_info={"shmmax": 18446744073692774399})
if not list(results.iter_errors(bad)):
    print("the schema accepts shmmax 18446744073692774399 as a number")
    ok = False
sys.exit(0 if ok else 1)
PY
if command -v node >/dev/null; then
	check "node's JSON.parse reads shmmax exactly (a string beyond 2^53)" node -e '
const fs = require("fs");
const want = fs.readFileSync("/proc/sys/kernel/shmmax", "utf8").trim();
for (const f of process.argv.slice(1)) {
  const d = JSON.parse(fs.readFileSync(f, "utf8"));
  const p = d.format === "shmconform-probe" ? d : d.probe;
  const got = String(p.sysctl.shmmax);
  if (got !== want) { console.log(f + ": shmmax " + got + ", the kernel says " + want); process.exit(1); }
}' "$res/results.json" "$res/probe.json"
else
	not_ok "node is not installed (ci/packages.d/results.txt lists nodejs)"
fi

# ---- the same verdicts in Kyua, sc-run and the reports --------------------
# verdicts_of_reports RUN [LABEL]: "case<TAB>kyua verdict" as the reports
# judge each case from its points.
verdicts_of_reports() {
	python3 - "$@" <<'PY'
import sys
sys.path.insert(0, "reports")
from shmrep import deviations, runs
run = runs.load(sys.argv[1], None, sys.argv[2] if len(sys.argv) > 2 else None)
deviations.load("deviations").apply(run)
for c in run.cases:
    o = {p.outcome for p in c.points}
    v = ("broken" if "broken" in o else
         "failed" if o & {"fail", "xpass"} else
         "expected_failure" if "xfail" in o else
         "passed" if "pass" in o else "skipped")
    print("%s:%s\t%s" % (c.program.rsplit("/", 1)[-1], c.name, v))
PY
}
verdicts_of_kyua() { # verdicts_of_kyua DB: every case, as kyua report says
	kyua report --results-file="$1" \
		--results-filter=passed,skipped,xfail,broken,failed 2>/dev/null |
		sed -n 's/^cases\/\([^ ]*\)  ->  \([a-z_]*\).*/\1\t\2/p' | sort
}
verdicts_of_scrun() { # verdicts_of_scrun JSON: sc-run's own verdicts
	python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print("%s:%s\t%s" % (c["program"].rsplit("/", 1)[-1], c["name"], c["result"]))' "$1" | sort
}
verdicts_of_kyua "$res/kyua.db" >"$work/v.kyua"
verdicts_of_reports "$res/kyua.db" | sort >"$work/v.reports"
n_cases=$(wc -l <"$work/v.kyua")
n_xfail=$(grep -c 'expected_failure$' "$work/v.kyua")
if [ "$n_cases" -gt 0 ] && diff -u "$work/v.kyua" "$work/v.reports" >"$work/out"; then
	ok "kyua report and ci/run-suite's reports agree on all $n_cases cases ($n_xfail expected failures in Kyua itself)"
else
	not_ok "kyua report and the reports disagree" "$work/out"
fi
fs=${TMPDIR:-/tmp}:/dev/shm
# The huge pages ci/run-suite reserved for Kyua's run, for sc-run's too.
ci/hugepages reserve 2>/dev/null
"$scrun" -o "$work/sc-run.json" -v "fs=$fs" "$build/cases" >/dev/null 2>&1
ci/hugepages restore 2>/dev/null
verdicts_of_scrun "$work/sc-run.json" >"$work/v.scrun"
if [ -s "$work/v.scrun" ] && diff -u "$work/v.kyua" "$work/v.scrun" >"$work/out"; then
	ok "sc-run agrees with Kyua on all $(wc -l <"$work/v.scrun") cases"
else
	not_ok "sc-run and Kyua disagree" "$work/out"
fi
# kyua report-junit: Kyua's own JUnit, the expected failures as passes with
# their details, no failure element where ours has none.
kyua report-junit --results-file="$res/kyua.db" --output="$work/kyua.junit.xml" >/dev/null 2>&1
k_fail=$(grep -c '<failure\|<error' "$work/kyua.junit.xml")
k_xfail=$(grep -c 'Expected failure result details' "$work/kyua.junit.xml")
o_fail=$(grep -c '<failure\|<error' "$res/results.junit.xml")
o_xfail=$(grep -c '<skipped type="xfail"' "$res/results.junit.xml")
if [ "$k_fail" -eq "$o_fail" ] && [ "$k_xfail" -eq "$n_xfail" ] && [ "$o_xfail" -ge "$n_xfail" ]; then
	ok "kyua report-junit: $k_fail failures, $k_xfail expected failures; ours: $o_fail failures, $o_xfail XFAIL points"
else
	not_ok "kyua report-junit ($k_fail failures, $k_xfail expected) vs ours ($o_fail failures, $o_xfail XFAIL points)"
fi
# A known deviation that does not happen (deviations/selftest.json, active
# with env=shmconform-selftest): a failure in Kyua, sc-run and the reports.
sel=$work/selftest
mkdir -p "$sel"
kyua --logfile=/dev/null -v test_suites.shmconform.env=shmconform-selftest \
	-v "test_suites.shmconform.fs=$fs" test --kyuafile=Kyuafile \
	--build-root="$build" --results-file="$sel/kyua.db" cases/mmap_pages >/dev/null 2>&1
cp "$res/probe.json" "$sel/"
"$scrun" -o "$sel/sc-run.json" -v env=shmconform-selftest -v "fs=$fs" \
	"$build/cases/mmap_pages" >/dev/null 2>&1
verdicts_of_kyua "$sel/kyua.db" >"$sel/v.kyua"
verdicts_of_reports "$sel/kyua.db" | sort >"$sel/v.reports"
verdicts_of_scrun "$sel/sc-run.json" >"$sel/v.scrun"
python3 $tool summary --results "$sel" >"$sel/summary" 2>&1
if [ "$(grep -c 'failed$' "$sel/v.kyua")" -eq 2 ] &&
	diff -u "$sel/v.kyua" "$sel/v.reports" >"$work/out" &&
	diff -u "$sel/v.kyua" "$sel/v.scrun" >>"$work/out" &&
	[ "$(grep -c '^XPASS ' "$sel/summary")" -eq 2 ]; then
	ok "a known deviation that did not happen: failed in kyua report, sc-run and the reports (2 XPASS)"
else
	cat "$sel/summary" >>"$work/out"
	not_ok "a known deviation that did not happen, reported alike" "$work/out"
fi

# ---- JUnit and TAP of the real run ---------------------------------------
check "JUnit of the real run keeps junit-10.xsd's rules" $syspy tests/reports/check_junit.py \
	"$res/results.junit.xml" 0 0 "$(grep -c '<skipped' "$res/results.junit.xml")" \
	"$(grep -c '<testcase ' "$res/results.junit.xml")" "$o_xfail"
prove -e cat "$res/results.tap" >"$work/prove" 2>&1
if grep -q 'All tests successful' "$work/prove" && ! grep -qi 'parse error\|unknown TAP' "$work/prove"; then
	ok "TAP 13 read by prove: $(grep -o 'Tests=[0-9]*' "$work/prove")"
else
	not_ok "TAP 13 read by prove" "$work/prove"
fi
if head -n 1 "$res/results.tap" | grep -qx 'TAP version 13'; then
	ok "TAP 13 by default"
else
	not_ok "TAP 13 by default: $(head -n 1 "$res/results.tap")"
fi
python3 $tool tap --tap-version 14 --results "$res" -o "$work/results.tap14"
node_dir=$work/node
mkdir -p "$node_dir"
if ! command -v npm >/dev/null; then
	echo "skip tap-parser: no npm here"
elif ! (cd "$node_dir" && timeout 120 npm install --no-audit --no-fund \
	--loglevel=error tap-parser >"$work/npm.log" 2>&1); then
	echo "skip tap-parser: npm install failed (no registry?): $(tail -n 1 "$work/npm.log")"
else
	cat >"$node_dir/read.cjs" <<'JS'
const m = require("tap-parser");
const Parser = m.Parser || m;
const text = require("fs").readFileSync(process.argv[2], "utf8");
let extra = 0;
const p = new Parser(r => {
  const bad = (r.failures || []).filter(f => f.tapError || !f.todo);
  console.log(JSON.stringify({ok: r.ok, count: r.count, plan: r.plan.end,
    skip: r.skip, todo: r.todo, extra, problems: bad.length}));
  process.exit(r.ok && r.count === r.plan.end && !extra && !bad.length ? 0 : 1);
});
p.on("extra", () => { extra++; });
p.end(text);
JS
	check "TAP 13 read by node's tap-parser: every line TAP, all ok" node "$node_dir/read.cjs" "$res/results.tap"
	check "TAP 14 (on request) read by node's tap-parser" node "$node_dir/read.cjs" "$work/results.tap14"
fi

"$build/tools/sc-sweep" >/dev/null 2>&1
tally
