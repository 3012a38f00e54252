#!/bin/sh
# shellcheck shell=sh disable=SC2034,SC2154 # common.sh sets; runners use
# Sourced by the container runners (docker, podman, lxc, nspawn, bwrap)
# after common.sh: the root file system they run the suite in, and the
# bookkeeping that makes sure nothing they start outlives them.
#
# The root file system is a tarball built with mmdebstrap from the Debian
# archive (no image registry is reachable here), of the same release as
# this machine, holding exactly the packages that own the shared libraries
# the suite's programs link (libc6, libatf-c-1): the prebuilt suite is
# bind-mounted read-only, never built inside.  It is cached under
# $cache/rootfs/ and rebuilt when its inputs change: the key hashes the
# mmdebstrap command line (release, variant, packages, options).

# The suite inside a container: the build directory is mounted here, and
# sc-run is found at the same place relative to it as outside.
suite_dir=/suite
scrun_in=$suite_dir/${scrun#"$build"/}

# rootfs_packages: the Debian packages owning the shared libraries of
# sc-run, sc-probe and the case programs (one line, sorted).
rootfs_packages() {
	# shellcheck disable=SC2046 # one argument per program
	ldd "$scrun" "$(dirname "$scrun")"/sc-probe $(find "$build/cases" -maxdepth 1 -type f -perm -u+x) 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
		while read -r lib; do
			dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null
		done | sed 's/:.*//; s/:[a-z0-9]*$//' | sort -u | tr '\n' ',' | sed 's/,$//'
}

# rootfs_tar: print the path of the cached root file system tarball,
# building it the first time (serialised: runners share the cache).
rootfs_tar() {
	command -v mmdebstrap >/dev/null || {
		say "no mmdebstrap (Debian package mmdebstrap): cannot build a root file system"
		return 1
	}
	_rel=$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release 2>/dev/null | tr -d "\"")
	[ -n "$_rel" ] || _rel=bookworm
	_pkgs=$(rootfs_packages)
	[ -n "$_pkgs" ] || _pkgs=libc6,libatf-c-1
	# Essential packages (a shell, coreutils) for looking around inside;
	# no documentation.
	set -- --variant=essential --include="$_pkgs" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		"$_rel" - http://deb.debian.org/debian
	_key=$(printf '%s\n' "mmdebstrap $(mmdebstrap --version 2>/dev/null)" "$@" |
		sha256sum | cut -c1-16)
	_tar=$cache/rootfs/debian-$_rel-$_key.tar
	mkdir -p "$cache/rootfs"
	(
		flock 9
		if ! [ -s "$_tar" ]; then
			say "building $_tar: mmdebstrap $*"
			_t0=$(date +%s)
			mmdebstrap "$@" >"$_tar.tmp" 2>"$_tar.log" || {
				say "mmdebstrap failed: $(tail -n 3 "$_tar.log")"
				rm -f "$_tar.tmp"
				exit 1
			}
			mv "$_tar.tmp" "$_tar"
			say "built in $(($(date +%s) - _t0))s"
		fi
	) 9>"$cache/rootfs/.lock" >&2 || return 1
	echo "$_tar"
}

# ---- what a runner started, undone when it exits -----------------------
# Every runner registers an undo command for each thing it starts (a
# container, a daemon, a mount); on exit, also on Ctrl-C or a kill, they
# run newest first, then the private temporary directory goes.  A watchdog
# process does the same if the runner itself is killed with SIGKILL.
# on_exit CMD: run CMD (a shell command line) when the runner exits.
on_exit() {
	printf '%s\n' "$1" >>"$tmp/.undo"
}
run_undo() {
	[ -f "$tmp/.undo" ] || return 0
	# newest first
	sed -n '1!G;h;$p' "$tmp/.undo" >"$tmp/.undo.rev"
	rm -f "$tmp/.undo"
	while IFS= read -r _cmd; do
		sh -c "$_cmd" >/dev/null 2>&1 || :
	done <"$tmp/.undo.rev"
}
# mk_run_tmp: mk_tmp, whose exit also undoes what on_exit registered; and
# the watchdog.  Sets run_id (unique on this machine: pid and random).
mk_run_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-$runner.XXXXXX")
	run_id=$$-$(basename "$tmp" | sed 's/.*\.//' | tr '[:upper:]' '[:lower:]')
	_self=$$
	# The watchdog ignores Ctrl-C (the runner's trap does the work) and
	# acts only if the runner vanishes without running it.
	(
		trap '' INT TERM HUP
		while kill -0 "$_self" 2>/dev/null; do sleep 1; done
		[ -d "$tmp" ] || exit 0
		run_undo
		rm -rf "$tmp"
	) >/dev/null 2>&1 </dev/null &
	watchdog=$!
	# shellcheck disable=SC2064 # expand now: the paths are fixed
	trap "run_undo; rm -rf '$tmp'; kill $watchdog 2>/dev/null" EXIT
	trap 'exit 130' INT TERM HUP
}

# ---- the suite in a container (docker and podman: one command line) -------
# The runner defines C (its client, a function) and ctr_cli (the same as
# a command line for on_exit), and has $image.
# ctr_suite ENV FS FLAGS...: run sc-run in a container made with
# FLAGS (and sc-run's own arguments $scrun_extra); results on its standard
# output into $tmp/ENV.json, its standard error into OUTDIR/ENV.log (after
# what the runtime says of the container).  With SHMCONFORM_FAULT set, the
# cases run with that fault injected (tests/faults, as t-selftest does).
scrun_extra=""
ctr_suite() {
	_env=$1 _fs=$2
	shift 2
	_name=shmconform-$_env-$run_id
	on_exit "$ctr_cli rm -f '$_name'"
	if [ -n "${SHMCONFORM_FAULT:-}" ]; then
		set -- "$@" -e "SHMCONFORM_FAULT=$SHMCONFORM_FAULT" \
			-e "LD_PRELOAD=$suite_dir/tests/faults/libshmconform-faults.so"
	fi
	set -f # $scrun_extra holds a filter glob
	# shellcheck disable=SC2046,SC2086 # one argument per line / word
	C create --name "$_name" --label "shmconform.run=$run_id" \
		--network=none "$@" -v "$build:$suite_dir:ro" "$image" \
		"$scrun_in" $(scrun_args) $scrun_extra -e "$_env" -v "fs=$_fs" \
		-o - "$suite_dir/cases" >/dev/null 2>"$out/$_env.log" || {
		set +f
		return 2
	}
	set +f
	{
		echo "# $runner create $*"
		C inspect -f 'IpcMode={{.HostConfig.IpcMode}} ShmSize={{.HostConfig.ShmSize}} CapAdd={{.HostConfig.CapAdd}} CapDrop={{.HostConfig.CapDrop}} User={{.Config.User}} ReadonlyRootfs={{.HostConfig.ReadonlyRootfs}} SecurityOpt={{.HostConfig.SecurityOpt}}' "$_name"
	} >"$out/$_env.log" 2>&1
	_st=0
	# In the background: a signal to the runner is acted on at once (the
	# shell runs its trap only when the foreground command ends).
	C start -a "$_name" >"$tmp/$_env.json" 2>>"$out/$_env.log" &
	wait $! || _st=$?
	C rm -f "$_name" >/dev/null 2>&1 || :
	return "$_st"
}

# ctr_result ENV ST: keep ENV's results if sc-run gave some (exit 0 or 1).
ctr_result() {
	# sc-run: 0 all passed, 1 some case failed (a result), 2 its error
	if [ "$2" -gt 1 ] || ! [ -s "$tmp/$1.json" ]; then
		say "ERROR $1: $runner/sc-run exit $2; $(tail -n 3 "$out/$1.log")"
		return 1
	fi
	cp "$tmp/$1.json" "$out/$1.json"
	check_results "$out/$1.json"
}

