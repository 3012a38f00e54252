#!/bin/sh
# ci/lib/runctl.sh: sourced by ci/run-suite, ci/test and ci/run-matrix so that
# a run can be interrupted at any moment and two runs never share a
# directory (docs/interrupts.md says why it is done this way).
#
#   sc_lock FD DIR       this run alone uses DIR: flock on DIR/.shmconform.lock
#                        (held through FD; the kernel drops it when the run
#                        dies, so a killed run never blocks).  A second run
#                        stops at once, exit 75, with one line naming the
#                        first (pid, since when).  A child run that inherited
#                        FD from its parent run (ci/test -> ci/run-suite)
#                        shares the parent's lock.
#   sc_step HOW CMD...   run CMD in a session of its own (a terminal's Ctrl-C
#                        reaches only this script, which stops CMD the way
#                        CMD survives), wait for it, return its status.  HOW:
#                          kill    SIGKILL to CMD, then to its whole session
#                                  (Kyua: it crashes on INT, TERM and HUP)
#                          term    SIGTERM to every process of the session
#                                  (make deletes its half-written target)
#                          int     SIGINT to CMD (Python: finally-clauses run)
#                          nested  SIGTERM to CMD, a ci/ script with its own
#                                  handling; it keeps this run's locks
#                        and, once CMD has ended (at most 5 s), SIGTERM then
#                        SIGKILL to what is left of its session.  If we are
#                        SIGKILLed, CMD gets SIGTERM (parent-death signal).
#   sc_writable DIR WHAT mkdir -p DIR and check it can be written (one line
#                        and exit 2 if not)
# On SIGINT, SIGTERM or SIGHUP the running step is stopped; the caller's
# sc_on_interrupt (if defined) then runs (its sc_steps run unless a second
# signal comes), and the script exits 128+signal.
sc_me=${sc_me:-ci/$(basename "$0")}
sc_signal=""
sc_signals=0 # how many came
sc_phase=run
sc_child=""
sc_how=term

# The script's own stderr, whatever a step's output is redirected to.
exec 7>&2
sc_say() { echo "$sc_me: $*" >&7; }

sc_writable() { # sc_writable DIR WHAT
	if ! mkdir -p "$1" 2>/dev/null || ! [ -d "$1" ] || ! [ -w "$1" ] ||
		! : >"$1/.shmconform.probe" 2>/dev/null; then
		sc_say "cannot write the $2 directory $1 (set SHMCONFORM_${3:-X} to" \
			"another directory)"
		exit 2
	fi
	rm -f "$1/.shmconform.probe"
}

sc_lock() { # sc_lock FD DIR
	sc_lockfile=$(cd "$2" && pwd -P)/.shmconform.lock
	# Inherited from the run that started us: its lock is ours.
	[ "$(readlink "/proc/$$/fd/$1" 2>/dev/null)" = "$sc_lockfile" ] && return 0
	if ! eval "exec $1>>\"\$sc_lockfile\"" 2>/dev/null; then
		sc_say "cannot write the lock file $sc_lockfile"
		exit 2
	fi
	if ! flock -n "$1"; then
		sc_say "another run is using $2: $(cat "$sc_lockfile" 2>/dev/null ||
			echo 'unknown run'); not starting (wait for it, or set" \
			"SHMCONFORM_BUILD and SHMCONFORM_RESULTS to other directories)"
		exit 75
	fi
	echo "pid $$ ($sc_me), since $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$sc_lockfile"
}

# The processes under $1 (Kyua runs each case in a session of its own).
sc_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			want[root] = 1
			do {
				more = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) {
						want[p] = 1
						more = 1
					}
			} while (more)
			for (p in want)
				if (p != root) print p
		}'
}

# The live processes of the sessions $@ (zombies do not count).  Only by
# session: a pid reused by another program is not in one of these.
sc_members() {
	ps -e -o pid=,sid=,stat= | awk -v s=" $* " \
		'$3 !~ /^Z/ && index(s, " " $2 " ") { print $1 }'
}

# Wait up to $1 tenths of a second for the sessions $2... to end.
sc_wait_gone() {
	sc_n=0
	sc_t=$1
	shift
	while [ "$sc_n" -lt "$sc_t" ] && [ -n "$(sc_members "$@")" ]; do
		sleep 0.1
		sc_n=$((sc_n + 1))
	done
	[ -z "$(sc_members "$@")" ]
}

# Is process $1 alive (a zombie, our child not yet waited for, is not)?
sc_running() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
}

# Stop the step whose session is $1, the way HOW ($2) says; give the step up
# to 5 s to end by itself (its own cleanup); then what is left of its
# session and of the sessions under it (Kyua gives each case its own):
# SIGTERM, and 1 s later SIGKILL.  kill: SIGKILL to all at once.
sc_stop_session() {
	if [ "$2" = kill ]; then
		kill -STOP "$1" 2>/dev/null || : # starts nothing while read
	fi
	sc_sessions="$1 $(sc_descendants "$1" | tr '\n' ' ')"
	case $2 in
	kill) kill -KILL "$1" 2>/dev/null || : ;;
	term) pkill -TERM -s "$1" 2>/dev/null || : ;;
	int) kill -INT "$1" 2>/dev/null || : ;;
	nested) kill -TERM "$1" 2>/dev/null || : ;;
	esac
	if [ "$2" != kill ]; then
		sc_n=0
		while [ "$sc_n" -lt 50 ] && sc_running "$1"; do
			sleep 0.1
			sc_n=$((sc_n + 1))
		done
		# shellcheck disable=SC2046,SC2086 # one pid, one session per word
		kill -TERM $(sc_members $sc_sessions) 2>/dev/null || :
		# shellcheck disable=SC2086
		sc_wait_gone 10 $sc_sessions || :
	fi
	# shellcheck disable=SC2046,SC2086
	kill -KILL $(sc_members $sc_sessions) 2>/dev/null || :
	# shellcheck disable=SC2086
	sc_wait_gone 20 $sc_sessions || sc_say "warning: processes of" \
		"session $1 did not end: $(sc_members $sc_sessions | tr '\n' ' ')"
}

sc_trap() { # the handler of INT, TERM and HUP
	sc_signals=$((sc_signals + 1))
	if [ -z "$sc_signal" ]; then
		sc_signal=$1
	elif [ "$sc_phase" = interrupting ]; then
		sc_phase=aborted # a second signal: stop cleaning up at leisure
	fi
	[ -z "$sc_child" ] || sc_stop_session "$sc_child" "$sc_how"
}
trap 'sc_trap INT' INT
trap 'sc_trap TERM' TERM
trap 'sc_trap HUP' HUP

sc_exit_interrupted() {
	[ "$sc_phase" = run ] || return 0
	sc_phase=interrupting
	if command -v sc_on_interrupt >/dev/null 2>&1; then
		sc_on_interrupt
	fi
	case $sc_signal in
	HUP) exit 129 ;;
	INT) exit 130 ;;
	*) exit 143 ;;
	esac
}

# A background job of a non-interactive shell ignores SIGINT: env gives it
# back.  No core file from a crash (Kyua's) in the results directory.
sc_launch() {
	exec setsid env --default-signal=INT,QUIT prlimit --core=0 \
		setpriv --pdeathsig TERM "$@"
}

sc_step() { # sc_step HOW [--out FILE | --err FILE] CMD...
	sc_how=$1
	shift
	sc_seen=$sc_signals
	# fds 4, 5 and 6: the step's stdin (a background job would get
	# /dev/null), stdout and stderr
	exec 4<&0
	case $1 in
	--out) exec 5>"$2" 6>&5 && shift 2 ;;
	--err) exec 5>&1 6>"$2" && shift 2 ;;
	*) exec 5>&1 6>&2 ;;
	esac
	# Not after a signal, except the cleanup steps of sc_on_interrupt.
	if [ -n "$sc_signal" ] && [ "$sc_phase" != interrupting ]; then
		sc_exit_interrupted
		return 1
	fi
	if [ "$sc_how" = nested ]; then # it shares this run's locks
		sc_launch "$@" <&4 >&5 2>&6 4<&- 5>&- 6>&- 7>&- &
	else
		sc_launch "$@" <&4 >&5 2>&6 4<&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	fi
	sc_child=$!
	exec 4<&- 5>&- 6>&-
	# A signal just before $! was known: stop the step now.
	[ "$sc_signals" = "$sc_seen" ] || sc_stop_session "$sc_child" "$sc_how"
	while :; do
		sc_rc=0
		wait "$sc_child" || sc_rc=$?
		# A trap ended the wait early: wait for the step to be stopped.
		if [ -n "$sc_signal" ] && kill -0 "$sc_child" 2>/dev/null; then
			continue
		fi
		break
	done
	[ -z "$(sc_members "$sc_child")" ] || sc_stop_session "$sc_child" kill
	sc_child=""
	[ -z "$sc_signal" ] || sc_exit_interrupted
	return "$sc_rc"
}
