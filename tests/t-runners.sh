#!/bin/sh
# t-runners: the kyua-less runner and the environments every CI run covers.
#   1. sc-run on a fake ATF program: each of Kyua's verdicts (passed,
#      failed, skipped, expected_failure, broken by timeout, crash and
#      cleanup), per-fs lines, process-group kill, valgrind clean
#   2. sc-run on the built suite: every listed case has a result
#   3. an IPC namespace (ci/runners/ns ipc), gVisor (ci/runners/gvisor
#      overlay), one user-mode Linux kernel (ci/runners/uml 6.1), Docker's
#      defaults (ci/runners/docker default) and two Docker containers
#      sharing one IPC namespace (ci/runners/docker shared-ipc): the
#      results come back and say where they ran
#   4. the GitHub workflow and the LAVA definitions pass their validators
# An environment this machine cannot host is skipped with its reason.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
[ -x "$build/tools/sc-run" ] || SHMCONFORM_BUILD=$build "$top/ci/build" || exit 2
scrun=$build/tools/sc-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-t-runners.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# sh runs no EXIT trap when a signal ends it (ci/test interrupted): exit.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok   $*"
}
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# json FILE PYTHON-EXPRESSION: evaluate on the loaded results (as d)
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- 1. sc-run against Kyua's rules, on a fake program (atf-sh) ---------
cat >"$tmp/fake" <<'FAKE'
#! /usr/bin/env atf-sh
atf_test_case ok
ok_body() { echo out; }
atf_test_case bad
bad_body() { atf_fail "expected 1, observed 2"; }
atf_test_case skip
skip_body() { atf_skip "no such thing"; }
atf_test_case xfail
xfail_body() { atf_expect_fail "known"; atf_fail "x"; }
atf_test_case slow
slow_head() { atf_set timeout 1; }
slow_body() { ps -o pgid= $$ >"$SC_T_PIDFILE"; sleep 60 & sleep 60; }
atf_test_case crash
crash_body() { kill -SEGV $$; }
atf_test_case clean cleanup
clean_body() { touch here; }
clean_cleanup() { test -f here && exit 3; }
atf_test_case fsl
fsl_body() { printf 'shmconform-fs:\tpass\ttmpfs\t/dev/shm\t\n'; printf 'shmconform-fs:\tfail\text4\t/tmp\tX: expected 1, observed 2\n'; atf_fail "X: expected 1, observed 2"; }
atf_test_case cfg
cfg_body() { atf_check_equal "$(atf_config_get fs)" /x:/y; atf_check_equal "$HOME" "$(pwd)"; }
atf_init_test_cases() { for c in ok bad skip xfail slow crash clean fsl cfg; do atf_add_test_case $c; done; }
FAKE
chmod +x "$tmp/fake"
export SC_T_PIDFILE="$tmp/slow.pid"
if command -v atf-sh >/dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=9 "$scrun" -q -j3 -P none -v fs=/x:/y \
		-o "$tmp/fake.json" "$tmp/fake" 2>"$tmp/fake.log"
	st=$?
	if [ "$st" -eq 1 ]; then
		ok "sc-run exit 1 when a case failed; valgrind clean"
	else
		bad "sc-run under valgrind: exit $st (9: valgrind errors): $(cat "$tmp/fake.log")"
	fi
	want="ok=passed: bad=failed:expected 1, observed 2 skip=skipped:no such thing xfail=expected_failure:known: x slow=broken:Test case body timed out crash=broken:Premature exit; test case received signal 11 clean=broken:Test case cleanup did not terminate successfully fsl=failed:X: expected 1, observed 2 cfg=passed:"
	got=$(json "$tmp/fake.json" '" ".join("%s=%s:%s" % (c["name"], c["result"], c["reason"].replace(" (core dumped)", "")) for c in d["cases"])')
	if [ "$got" = "$want" ]; then
		ok "sc-run verdicts match Kyua's"
	else
		bad "sc-run verdicts: expected [$want], observed [$got]"
	fi
	fs=$(json "$tmp/fake.json" '[(f["verdict"], f["type"], f["dir"]) for c in d["cases"] if c["name"] == "fsl" for f in c["fs"]]')
	if [ "$fs" = "[('pass', 'tmpfs', '/dev/shm'), ('fail', 'ext4', '/tmp')]" ]; then
		ok "per-file-system lines parsed"
	else
		bad "per-fs lines: $fs"
	fi
	pid=$(tr -d " " <"$tmp/slow.pid" 2>/dev/null)
	# Zombies not yet reaped by init do not count: they are dead.
	live=$(ps -e -o pgid=,stat= | awk -v g="${pid:-0}" '$1 == g && $2 !~ /^Z/' | wc -l)
	if [ -z "$pid" ] || [ "$live" -gt 0 ]; then
		bad "the timed-out case's process group ${pid:-?} survived ($live live)"
	else
		ok "timed-out case's process group killed"
	fi
else
	echo "SKIP sc-run verdicts: no atf-sh (package atf-sh)"
fi

# ---- 2. the built suite ----------------------------------------------------
"$scrun" -q -j2 -o "$tmp/suite.json" "$build/cases" 2>"$tmp/suite.log"
st=$?
listed=0
for p in "$build"/cases/*; do
	if ! [ -f "$p" ] || ! [ -x "$p" ]; then continue; fi
	listed=$((listed + $("$p" -l | grep -c '^ident: ')))
done
n=$(json "$tmp/suite.json" 'len(d["cases"])' 2>/dev/null || echo none)
if [ "$st" -le 1 ] && [ "$n" = "$listed" ]; then
	ok "sc-run ran the suite: $n cases, $(tail -n 1 "$tmp/suite.log")"
else
	bad "sc-run on the suite: exit $st, $n results for $listed listed cases"
fi

# ---- 3. environments ---------------------------------------------------------
# env_run NAME CHECK RUNNER VARIANT: run a runner, then check its results
env_run() {
	name=$1 check=$2
	t0=$(date +%s)
	SHMCONFORM_BUILD=$build "$3" "$tmp/out" "$4" >"$tmp/$name.runner.log" 2>&1
	st=$?
	if [ "$st" -eq 77 ]; then
		echo "SKIP $name: $(grep -h SKIP "$tmp/$name.runner.log" | tail -n 1)"
		return
	fi
	res="$tmp/out/$name.json"
	if [ "$st" -ne 0 ] || ! [ -f "$res" ]; then
		bad "$name: runner exit $st: $(tail -n 5 "$tmp/$name.runner.log")"
		return
	fi
	where=$(json "$res" "$check" 2>&1)
	case $where in
	True*) ok "$name: $(json "$res" 'len(d["cases"])') results back in $(($(date +%s) - t0))s ($(tail -n 1 "$tmp/out/$name.log"))" ;;
	*) bad "$name: results do not show the environment: $where" ;;
	esac
}
ns_ipc_check='d["probe"]["namespaces"]["ipc"]["initial"] is False'
env_run ns-ipc "$ns_ipc_check" "$top/ci/runners/ns" ipc
env_run gvisor-overlay 'd["probe"]["sandbox"]["kind"] == "gvisor"' \
	"$top/ci/runners/gvisor" overlay
env_run uml-6.1 'd["probe"]["kernel"]["release"].startswith("6.1.") and d["probe"]["sandbox"]["kind"] == "uml"' \
	"$top/ci/runners/uml" 6.1
# Docker: the first run builds the root file system (mmdebstrap), later
# ones take it from the cache.
env_run docker-default 'd["probe"]["sandbox"]["kind"] == "container" and d["probe"]["namespaces"]["ipc"]["initial"] is False' \
	"$top/ci/runners/docker" default
# The pair: the find role's three cases pass (the creator's container had
# exited), and the create role made what they found.
env_run docker-shared-ipc-find 'sorted(c["result"] for c in d["cases"]) == ["passed"] * 3 and d["probe"]["namespaces"]["ipc"]["initial"] is False' \
	"$top/ci/runners/docker" shared-ipc
if [ -f "$tmp/out/docker-shared-ipc-create.json" ]; then
	made=$(json "$tmp/out/docker-shared-ipc-create.json" 'sorted(c["result"] for c in d["cases"])')
	if [ "$made" = "['passed', 'passed', 'passed']" ]; then
		ok "docker-shared-ipc-create: the segments and the /dev/shm object made"
	else
		bad "docker-shared-ipc-create: $made"
	fi
	if grep -q "no process is in" "$tmp/docker-shared-ipc-find.runner.log"; then
		ok "docker-shared-ipc: no process left in the namespace after both containers"
	else
		bad "docker-shared-ipc: $(tail -n 2 "$tmp/docker-shared-ipc-find.runner.log")"
	fi
fi
# Cleanup with the privileges the run has: in the host's IPC namespace
# (--ipc=host), as a root without CAP_IPC_OWNER and CAP_SYS_ADMIN, the
# permission cases fail (IPC_SET does nothing: fault set_ignored) with
# segments made by their unprivileged children; none may be left.
nobody_segs() { awk 'NR > 1 && ($8 == 65534 || $10 == 65534) {print $2}' /proc/sysvipc/shm | sort; }
if [ -x "$build/tests/faults/libshmconform-faults.so" ] || [ -f "$build/tests/faults/libshmconform-faults.so" ]; then
	nobody_segs >"$tmp/segs.before"
	SHMCONFORM_BUILD=$build SHMCONFORM_FILTER='shm_perm:*' SHMCONFORM_FAULT=set_ignored \
		"$top/ci/runners/docker" "$tmp/fault" ipc-host >"$tmp/fault.runner.log" 2>&1
	st=$?
	nobody_segs >"$tmp/segs.after"
	new=$(comm -13 "$tmp/segs.before" "$tmp/segs.after" | tr '\n' ' ')
	if [ "$st" -eq 77 ]; then
		echo "SKIP docker-ipc-host cleanup: $(grep -h SKIP "$tmp/fault.runner.log" | tail -n 1)"
	elif [ "$st" -ne 0 ] || ! [ -f "$tmp/fault/docker-ipc-host.json" ]; then
		bad "docker-ipc-host with a fault: runner exit $st: $(tail -n 3 "$tmp/fault.runner.log")"
	elif [ "$(json "$tmp/fault/docker-ipc-host.json" 'sum(c["result"] == "failed" for c in d["cases"])')" = 0 ]; then
		bad "docker-ipc-host with the fault set_ignored: no shm_perm case failed"
	elif [ -n "$new" ]; then
		bad "docker-ipc-host: failed cases left segments of nobody in the host's namespace: $new"
	else
		ok "docker-ipc-host: failed permission cases left no segment in the host's IPC namespace"
	fi
fi

# ---- 4. the CI definitions for other systems -------------------------------
for v in "$top/ci/github/validate" "$top/ci/lava/validate"; do
	if "$v" >"$tmp/validate.log" 2>&1; then
		ok "$(tail -n 1 "$tmp/validate.log")"
	else
		bad "${v#"$top"/}: $(tail -n 5 "$tmp/validate.log")"
	fi
done

# The environments leave the machine as they found it: runsc gives its
# stdio to its unprivileged user, which must never be the host's /dev/null.
if [ "$(stat -c '%U %F' /dev/null)" = "root character special file" ]; then
	ok "/dev/null still root's character device"
else
	bad "/dev/null changed: $(ls -l /dev/null)"
fi

# Nothing of the environments survives them.
left=$(pgrep -f 'linux\.uml|runsc-sandbox|runsc-gofer|shmconform-docker\.' 2>/dev/null | head -n 3)
if [ -z "$left" ]; then
	ok "no guest, sandbox or container daemon process left"
else
	bad "processes left: $left"
fi
mnt=$(findmnt -rn -o TARGET | grep -c 'shmconform-docker\.')
if [ "$mnt" -eq 0 ]; then
	ok "no container mount left"
else
	bad "$mnt container mounts left: $(findmnt -rn -o TARGET | grep 'shmconform-docker\.' | head -n 3)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
