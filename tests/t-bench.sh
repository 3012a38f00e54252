#!/bin/sh
# The IPC-FASTEST benchmark in quick mode, for correctness only (no test
# here asserts a timing):
#   1. ci/bench --quick: every mechanism delivers intact data at every size,
#      the JSON, CSV, table, verdict and plot are there and parse;
#   2. nothing is left behind: no System V queue it made, no file;
#   3. interrupted (SIGINT) in the middle of a run: same;
#   4. valgrind (memcheck, children included) is clean.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-tbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# sh runs no EXIT trap when a signal ends it (ci/test interrupted): exit.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
fail() {
	echo "t-bench: FAIL: $*" >&2
	exit 1
}

# Each System V queue id a run made (ipcbench --verbose names them) must
# be gone: ids carry a sequence number, so another's new queue never
# takes an old id soon.
queues_gone() { # queues_gone LOG
	ids=$(sed -n 's/^ipcbench: System V queue id \([0-9]*\)$/\1/p' "$1")
	[ -n "$ids" ] || fail "$1: no System V queue was made"
	for id in $ids; do
		if awk -v id="$id" 'NR > 1 && $2 == id { f = 1 } END { exit !f }' \
			/proc/sysvipc/msg; then
			fail "System V queue $id outlived its run"
		fi
	done
}
no_files() { # no_files DIR: file-backed mappings were unlinked
	for f in "$1"/shmconform-bench-*; do
		[ ! -e "$f" ] || fail "a mapped file was left: $f"
	done
}

# 1. quick mode through the user's command.
mkdir "$tmp/files"
TMPDIR=$tmp/files SHMCONFORM_RESULTS=$tmp/res \
	"$top/ci/bench" --quick --verbose >"$tmp/quick.out" 2>"$tmp/quick.err" ||
	{
		cat "$tmp/quick.out" "$tmp/quick.err" >&2
		fail "ci/bench --quick"
	}
res=$tmp/res/bench
python3 "$top/bench/report.py" --check "$res/ipcbench.json"
python3 - "$res" <<'PY'
import csv, json, os, sys
res = sys.argv[1]
doc = json.load(open(os.path.join(res, "ipcbench.json")))
mechs = {"memcpy", "cacheline", "sysv-spin", "sysv-futex", "file-spin",
         "file-futex", "anon-spin", "anon-futex", "pipe", "socketpair",
         "sysv-mq", "posix-mq"}
rows = list(csv.DictReader(open(os.path.join(res, "ipcbench.csv"))))
seen = {r["mech"] for r in rows}
assert seen == mechs, "CSV mechanisms: %s" % sorted(seen ^ mechs)
assert len(rows) == len(doc["results"]), "CSV and JSON disagree"
sizes = doc["params"]["sizes"]
assert 100 in sizes and max(sizes) >= 1 << 20, sizes
for r in rows:
    assert int(r["bad"]) == 0 and int(r["verified"]) > 0, r
    if r["family"] == "shm":
        float(r["frac_memcpy"]), float(r["frac_floor"])
png = open(os.path.join(res, "ipcbench.png"), "rb").read(8)
assert png == b"\x89PNG\r\n\x1a\n", "ipcbench.png is not a PNG"
verdict = open(os.path.join(res, "verdict.md")).read()
assert "IPC-FASTEST" in verdict and "Quick mode" in verdict
table = open(os.path.join(res, "table.txt")).read()
assert "Ratios" in table and "sysv-spin / pipe" in table
print("t-bench: outputs parse; %d rows, no message corrupted" % len(rows))
PY
queues_gone "$tmp/quick.err"
no_files "$tmp/files"
echo "t-bench: quick mode clean"

# 2. SIGINT in the middle: the handler removes the live queue and the
# child.  The queue mechanism runs first and long (--only, full mode).
TMPDIR=$tmp/files "$build/bench/ipcbench" --out "$tmp/int" --verbose \
	--only sysv-mq,file-spin --target-ms 200 2>"$tmp/int.err" &
pid=$!
i=0
until grep -q 'System V queue id' "$tmp/int.err" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "the run made no queue in 10 s"
	sleep 0.1
done
sleep 0.3
kids=$(pgrep -P "$pid" || true)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "an interrupted run reported success"
queues_gone "$tmp/int.err"
no_files "$tmp/files"
# The handler SIGKILLs the child; give the kernel a moment to end it (a
# zombie waiting for init to reap it is ended too).
for k in $kids; do
	i=0
	while [ -d "/proc/$k" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$k/status" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || fail "child $k outlived the interrupted run"
		sleep 0.1
	done
done
echo "t-bench: interrupted run clean"

# 3. valgrind, the forked children included; sizes that take several
# chunks through every kernel mechanism and are no multiple of a line.
if command -v valgrind >/dev/null; then
	valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --track-fds=no \
		"$build/bench/ipcbench" --quick --out "$tmp/vg" \
		--sizes 100,70000 --timeout 600 >"$tmp/vg.log" 2>&1 || {
		cat "$tmp/vg.log" >&2
		fail "valgrind"
	}
	if grep -q '^==[0-9]*==' "$tmp/vg.log"; then
		cat "$tmp/vg.log" >&2
		fail "valgrind reported"
	fi
	echo "t-bench: valgrind clean"
fi
echo "t-bench: ok"
