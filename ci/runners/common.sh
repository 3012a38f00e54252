#!/bin/sh
# shellcheck shell=sh
# Sourced by every ci/runners/* script: where things are, how a runner
# reports.  A runner is called as
#   ci/runners/NAME OUTDIR [VARIANT...]
# and writes OUTDIR/<env>.json (a shmconform results file, reports/FORMAT.md)
# and OUTDIR/<env>.log for each environment it ran.  Exit status: 0 when it
# ran (whatever the cases said), 77 when this machine cannot host the
# environment (the reason on stderr), anything else on a runner error.
#
# Environment:
#   SHMCONFORM_BUILD   the built suite (default: build/)
#   SHMCONFORM_CACHE   downloaded kernels and images
#                      (default: ~/.cache/shmconform)
#   SHMCONFORM_FILTER  run only the cases matching this glob (sc-run -f)
#   SHMCONFORM_JOBS    cases at once inside an environment (default: 2)

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${SHMCONFORM_BUILD:-$top/build}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")

# shellcheck disable=SC2034 # used by the runners that download
cache=${SHMCONFORM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/shmconform}
scrun=$build/tools/sc-run
runner=$(basename "$0")
jobs=${SHMCONFORM_JOBS:-2}

say() { echo "$runner: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}
die() {
	say "ERROR: $*"
	exit 2
}

# The arguments every sc-run gets: -j, and the filter if any.
scrun_args() {
	set -- -j "$jobs"
	[ -n "${SHMCONFORM_FILTER:-}" ] && set -- "$@" -f "$SHMCONFORM_FILTER"
	printf '%s\n' "$@"
}

need_suite() {
	[ -x "$scrun" ] || die "no $scrun: build the suite first (ci/build)"
	[ -d "$build/cases" ] || die "no $build/cases"
}

# check_results FILE: the file exists and is a results file (python3 is on
# the host: the guest needs none).
check_results() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "shmconform-results", "not a results file"
assert d["cases"], "no case"
' "$1" || {
		say "ERROR: $1 is not a valid results file"
		return 1
	}
}

# mk_tmp: a private temporary directory in $tmp, removed when the runner
# exits (not in a subshell: the trap must belong to the runner).
mk_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmconform-runner.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the path is fixed
	trap "rm -rf '$tmp'" EXIT
	trap 'exit 130' INT TERM
}

# ---- Debian packages of other releases, downloaded once into the cache ----
# The runners keep their own apt sources and lists under $cache/apt (the
# system's apt configuration is left alone): bullseye, bookworm, trixie, sid.
apt_private() {
	_tool=$1
	shift
	"$_tool" -q -o Dir::Etc::sourcelist="$cache/apt/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::lists="$cache/apt/lists" \
		-o Dir::Cache="$cache/apt/cache" -o APT::Get::List-Cleanup=0 \
		-o APT::Architectures="$deb_arches" "$@"
}
# amd64 for the kernels; the others for the cross-built cases (qemu-user)
deb_arches=amd64,arm64,mips64el

# deb_update: the package lists, fetched at most once a day (and again when
# the sources change).
deb_update() {
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"
	for _s in bullseye bookworm trixie sid; do
		echo "deb [arch=$deb_arches signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $_s main"
	done >"$cache/apt/sources.new"
	if cmp -s "$cache/apt/sources.new" "$cache/apt/sources.list" &&
		[ -n "$(find "$cache/apt/updated" -mmin -1440 2>/dev/null)" ]; then
		return 0
	fi
	mv "$cache/apt/sources.new" "$cache/apt/sources.list"
	apt_private apt-get update >"$cache/apt/update.log" 2>&1 ||
		{ say "apt-get update failed: $(tail -n 3 "$cache/apt/update.log")"; return 1; }
	touch "$cache/apt/updated"
}

# deb_fetch SUITE PACKAGE[:ARCH]: print the path of PACKAGE's .deb from
# SUITE, downloading it the first time.  Serialised: runners share the cache.
deb_fetch() {
	mkdir -p "$cache/debs/$1"
	(
		flock 9
		_name=${2%%:*}
		_arch=amd64
		case $2 in *:*) _arch=${2#*:} ;; esac
		_find() { find "$cache/debs/$1" \( -name "${_name}_*_${_arch}.deb" -o -name "${_name}_*_all.deb" \) | head -n 1; }
		_have=$(_find "$1")
		if [ -z "$_have" ]; then
			deb_update || exit 1
			(cd "$cache/debs/$1" && apt_private apt-get download "$_name:$_arch/$1") \
				>"$cache/debs/$1/$_name.log" 2>&1 ||
				{ say "cannot download $2 from $1: $(tail -n 2 "$cache/debs/$1/$_name.log")"; exit 1; }
			_have=$(_find "$1")
		fi
		echo "$_have"
	) 9>"$cache/debs/.lock"
}

# deb_depends SUITE PACKAGE PREFIX: the first dependency of PACKAGE (as
# SUITE has it) whose name starts with PREFIX (a metapackage's kernel).
deb_depends() {
	deb_update >/dev/null || return 1
	_v=$(apt_private apt-cache madison "$2" | awk -v s="$1/" '$0 ~ s {print $3; exit}')
	[ -n "$_v" ] || return 1
	apt_private apt-cache show "$2=$_v" |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed 's/^ *//; s/ .*//' | grep "^$3" | head -n 1
}

# deb_unpack DEB DIR: DEB's files under DIR (once).
deb_unpack() {
	[ -e "$2/.unpacked-$(basename "$1")" ] && return 0
	mkdir -p "$2"
	dpkg-deb -x "$1" "$2" && touch "$2/.unpacked-$(basename "$1")"
}
