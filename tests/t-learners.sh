#!/bin/bash
# tests/t-learners.sh: what the tutorial's readers get.
#   - every claim's statement and erratum, every case's description, every
#     report text and every fault in Chinese as well as English (nothing
#     ships in one language only);
#   - summary and explain in Chinese with --lang zh;
#   - the HTML report and the matrix page in headless Chromium at 390 px (a
#     phone) and 1400 px: nothing wider than the viewport, the language
#     switch shows one language and hides the other; the check itself is
#     shown to catch a page that is too wide;
#   - ci/break: a demonstration under a fault, marked as such in every
#     format, with the failing check's line marked in the case's source,
#     and refused by the matrix.
# Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=${SHMCONFORM_BUILD:-$top/build}
tool=reports/shmreport.py
fx=tests/reports/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-learners.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/tally.sh
. "$top/tests/tally.sh"

# ---- both languages, everywhere -----------------------------------------
check "claims.json and the report texts in Chinese and English (claims, errata, every case)" \
	python3 - <<'EOF'
import json, sys
sys.path.insert(0, "reports")
from shmrep import i18n, sources
data = json.load(open("claims.json", encoding="utf-8"))
declared = sources.scan("cases")
assert declared, "no case found in cases/"
gaps = i18n.missing(data, declared)
for g in gaps:
    print(g)
sys.exit(1 if gaps else 0)
EOF
sed -n 's/^FAULT(\([a-z0-9_]*\),.*/\1/p' tests/faults/faults.def | sort >"$work/faults.en"
grep -v '^#' tests/faults/faults.zh | awk -F'\t' '$2 != "" { print $1 }' | sort >"$work/faults.zh"
check "every fault of tests/faults/faults.def has its Chinese line in faults.zh" \
	diff "$work/faults.en" "$work/faults.zh"

ci/break --list --markdown >"$work/faults.md"
if diff <(sed -n '/^| fault |/,$p' docs/learners.md) "$work/faults.md" >"$work/out"; then
	ok "docs/learners.md lists every fault, one line each, in both languages"
else
	not_ok "docs/learners.md's fault table is stale (ci/break --list --markdown)" "$work/out"
fi

python3 $tool explain MMAP-EOF-LOST --lang zh >"$work/explain.txt" 2>&1
if grep -q '^精确表述 ' "$work/explain.txt" && grep -q '勘误' "$work/explain.txt" &&
	grep -q '写在文件末尾之后' "$work/explain.txt"; then
	ok "explain --lang zh: the claim's statement and erratum in Chinese"
else
	not_ok "explain --lang zh" "$work/explain.txt"
fi
python3 $tool summary --results $fx/real --lang zh >"$work/sum.txt" 2>&1
if head -n 1 "$work/sum.txt" | grep -qE '^shmconform：[0-9]+ 通过，[0-9]+ 失败，[0-9]+ 跳过$'; then
	ok "summary --lang zh"
else
	not_ok "summary --lang zh" "$work/sum.txt"
fi

# ---- the pages in Chromium, at a phone's width and a desktop's ----------
browser=$(command -v chromium || command -v chromium-browser || true)
python3 $tool html --results $fx/real -o "$work/real.html"
python3 $tool html --results $fx/synthetic --claims $fx/claims.json \
	--cases tests/reports/fixture-src -o "$work/synthetic.html"
python3 $tool matrix $fx/synthetic $fx/real $fx/other-env/results.json \
	--html "$work/matrix.html" >/dev/null
printf '<!DOCTYPE html><html><body><div style="width:2000px">too wide</div></body></html>\n' \
	>"$work/wide.html"
if [ -z "$browser" ]; then
	not_ok "headless Chromium (Debian's chromium) is not installed"
else
	layout() { python3 tests/reports/check_layout.py "$browser" "$@"; }
	for page in real synthetic matrix; do
		for w in 390 1400; do
			check "$page page at $w px: nothing wider than the viewport" \
				layout "$work/$page.html" "$w"
		done
	done
	check "language switch at 390 px: Chinese shown, English hidden" \
		layout "$work/real.html" 390 --lang zh
	check "language switch back: English shown, Chinese hidden" \
		layout "$work/real.html" 1400 --lang en
	if layout "$work/wide.html" 390 >"$work/out" 2>&1; then
		not_ok "the layout check catches a page 2000 px wide" "$work/out"
	else
		ok "the layout check catches a page 2000 px wide"
	fi
fi

# ---- a demonstration under a fault --------------------------------------
res=$work/results
if SHMCONFORM_RESULTS=$res SHMCONFORM_BUILD=$build ci/run-suite --break mmap_len0_accepted \
	>"$work/break.log" 2>&1; then
	d=$res/demo/mmap_len0_accepted
	if grep -q 'id="demonstration"' "$d/report.html" &&
		grep -q '^# DEMONSTRATION' "$d/results.tap" &&
		grep -q '<!-- DEMONSTRATION' "$d/results.junit.xml" &&
		grep -q '"demonstration"' "$d/results.json" &&
		grep -A1 '^shmconform: ' "$work/break.log" | grep -q '^DEMONSTRATION under fault'; then
		ok "ci/run-suite --break: a demonstration, said in every format"
	else
		not_ok "ci/run-suite --break: demonstration marks" "$work/break.log"
	fi
	if grep -q 'FAIL  cases/mmap_return:length_zero_fails_with_einval' "$work/break.log" &&
		grep -q '<span class="hit"' "$d/report.html"; then
		ok "ci/run-suite --break: the fault's failing assertion, its line marked in the source"
	else
		not_ok "ci/run-suite --break: failing assertion and marked line" "$work/break.log"
	fi
	if python3 $tool matrix "$d/results.json" "$fx/real" >"$work/out" 2>&1; then
		not_ok "the matrix refuses a demonstration" "$work/out"
	else
		ok "the matrix refuses a demonstration"
	fi
	if [ ! -e "$res/results.json" ] && [ ! -e "$res/kyua.db" ]; then
		ok "a demonstration writes nothing among a real run's results"
	else
		not_ok "a demonstration writes nothing among a real run's results"
	fi
else
	not_ok "ci/run-suite --break mmap_len0_accepted" "$work/break.log"
fi

tally
