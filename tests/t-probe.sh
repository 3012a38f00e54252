#!/bin/sh
# tests/t-probe.sh: sc-probe tells environments apart, and says how.
#
# Each scenario runs build/tools/sc-probe somewhere else and checks what it
# says there (runtime and its decided_by, capabilities, user-namespace map,
# read-only and FUSE file systems):
#   host        as ci/run-suite sees this machine: a runtime with a reason
#   unshare     unshare -Urpf: "namespaces", a one-line uid map, a
#               non-initial user namespace
#   podman      a private /run holding .containerenv: "podman"
#   nspawn      a private /run holding systemd/container: "systemd-nspawn"
#   docker      /.dockerenv plus /etc/hostname bound from .../containers/ID/
#               (only where this machine's root has a /.dockerenv)
#   bwrap       bubblewrap with its own PID namespace: "bwrap"
#   capsh       CAP_SYS_ADMIN dropped: the effective set lacks it
#   read-only   a read-only bind mount: read_only true, option ro
#   fuse        a bindfs (FUSE) mount: type fuse, its options and notes
# Every mount is made in a private mount namespace (unshare -m) and undone
# before it ends; the FUSE daemon is unmounted, so it exits.  Without root
# or unshare the scenarios that need them are skipped, each with its reason.
# (The probe's schema and values on the host: tests/t-reports.sh.)
# The sh -c scripts get their paths as $0, $1...: single quotes on purpose.
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
probe=$build/tools/sc-probe
[ -x "$probe" ] || SHMCONFORM_BUILD=$build "$top/ci/build" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-tprobe.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
passed=0 failed=0 skipped=0

ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}
bad() {
	echo "FAIL $1"
	[ -s "$work/err" ] && sed 's/^/     /' "$work/err" | head -n 20
	failed=$((failed + 1))
}
skip() {
	echo "skip $1"
	skipped=$((skipped + 1))
}

# check NAME PYTHON-EXPR -- CMD...: run CMD (which prints a probe object);
# the expression, on the object p, must be true.
check() {
	name=$1 expr=$2
	shift 3
	if ! "$@" >"$work/p.json" 2>"$work/err"; then
		bad "$name: $* failed"
		return
	fi
	if python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
if not eval("(%s)" % sys.argv[2]):
    sys.exit("not true: %s\nruntime %s\n" % (sys.argv[2], p.get("runtime")))
' "$work/p.json" "$expr" 2>"$work/err"; then
		ok "$name"
	else
		bad "$name"
	fi
}

check "host: a runtime and how it was decided" \
	'p["runtime"]["name"] and p["runtime"]["decided_by"]' -- "$probe"

can_unshare=no
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	can_unshare=yes
fi
if unshare -Urpf --mount-proc true 2>/dev/null; then
	check "unshare -Urpf: runtime namespaces, uid map 0->$(id -u) (1)" \
		'p["runtime"]["name"] == "namespaces" and
p["user_namespace"]["initial"] is False and
p["user_namespace"]["uid_map"] == [{"inside": 0, "outside": '"$(id -u)"', "count": 1}]' \
		-- unshare -Urpf --mount-proc "$probe"
else
	skip "unshare -Urpf: user namespaces refused here"
fi

if [ "$can_unshare" = yes ]; then
	# A private /run (tmpfs, in this mount namespace only) with a marker.
	check "podman's /run/.containerenv: runtime podman" \
		'p["runtime"]["name"] == "podman" and ".containerenv" in p["runtime"]["decided_by"]' \
		-- unshare -mpf --mount-proc sh -c \
		'mount -t tmpfs tmpfs /run && : >/run/.containerenv && exec "$0"' "$probe"
	check "nspawn's /run/systemd/container: runtime systemd-nspawn" \
		'p["runtime"]["name"] == "systemd-nspawn"' \
		-- unshare -mpf --mount-proc sh -c \
		'mount -t tmpfs tmpfs /run && mkdir /run/systemd &&
		echo systemd-nspawn >/run/systemd/container && exec "$0"' "$probe"
	if [ -e /.dockerenv ]; then
		mkdir -p "$work/docker/containers/0123abcd"
		echo fake >"$work/docker/containers/0123abcd/hostname"
		check "/.dockerenv and /etc/hostname from containers/ID: runtime docker" \
			'p["runtime"]["name"] == "docker" and "/etc/hostname" in p["runtime"]["decided_by"]' \
			-- unshare -mpf --mount-proc sh -c \
			'mount --bind "$1" /etc/hostname && exec "$0"' "$probe" \
			"$work/docker/containers/0123abcd/hostname"
		check "/.dockerenv alone (an image's leftover): not docker" \
			'p["runtime"]["name"] != "docker"' \
			-- unshare -mpf --mount-proc "$probe"
	else
		skip "docker markers: this machine's root has no /.dockerenv to weigh"
	fi
	mkdir "$work/ro"
	check "read-only bind mount: read_only true, option ro" \
		'p["filesystems"][0]["read_only"] is True and p["filesystems"][0]["options"].get("ro") is True' \
		-- unshare -m sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		exec "$0" --fs "$1"' "$probe" "$work/ro"
	if command -v bindfs >/dev/null && [ -c /dev/fuse ]; then
		mkdir "$work/src" "$work/mnt"
		# The daemon exits once its mount is gone: unmounted before the
		# namespace ends, also when the probe fails.
		# (bindfs names no subtype: the mount table says just "fuse")
		check "bindfs (FUSE): type fuse, its options, FUSE and writeback notes" \
			'p["filesystems"][0]["type"] == "fuse" and
p["filesystems"][0]["options"].get("allow_other") is True and
any(n.startswith("FUSE file system") for n in p["filesystems"][0]["notes"]) and
any("writeback" in n for n in p["filesystems"][0]["notes"])' \
			-- unshare -m sh -c \
			'bindfs "$2" "$1" || exit 1; "$0" --fs "$1"; rc=$?;
			umount "$1"; exit $rc' "$probe" "$work/mnt" "$work/src"
	else
		skip "FUSE: no bindfs (Debian package bindfs) or no /dev/fuse"
	fi
else
	skip "marker, mount and FUSE scenarios: need root and unshare -m"
fi

if command -v bwrap >/dev/null && bwrap --unshare-pid --dev-bind / / true 2>/dev/null; then
	check "bubblewrap: runtime bwrap" 'p["runtime"]["name"] == "bwrap"' \
		-- bwrap --unshare-pid --dev-bind / / --proc /proc "$probe"
else
	skip "bubblewrap: no bwrap, or it cannot make a PID namespace here"
fi

if command -v capsh >/dev/null && [ "$(id -u)" = 0 ] &&
	grep -q '^CapEff:.*[1-9a-f]' /proc/self/status; then
	check "CAP_SYS_ADMIN dropped: the effective set lacks it" \
		'"CAP_SYS_ADMIN" in p["capabilities"]["effective"]["lacks"] and
"CAP_SYS_ADMIN" not in p["capabilities"]["bounding"]["names"]' \
		-- capsh --drop=cap_sys_admin -- -c 'exec "$0"' "$probe"
else
	skip "capabilities: need root with capabilities and capsh (libcap2-bin)"
fi

# Nothing of ours is left mounted.
if grep -q "shmconform-tprobe" /proc/self/mountinfo; then
	bad "a scenario's mount survived: $(grep shmconform-tprobe /proc/self/mountinfo)"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
