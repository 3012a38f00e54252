/* Harness-private state shared between its modules; cases never include it. */
#ifndef SC_INTERNAL_H
#define SC_INTERNAL_H

#include "sc.h"

/* Exit status of a child that reported a failure or a skip on its pipe. */
#define SC_EXIT_REPORTED 99

/* Report records a child writes to its parent: one type byte, then text. */
#define SC_REC_FAIL 'F'
#define SC_REC_SKIP 'S'
#define SC_REC_SIGNAL 'G' /* followed by struct sc_sigrec */

struct sc_sigrec {
	int signo;
	int code;
	void *addr;
};

struct sc_state {
	const atf_tc_t *tc;
	const char *case_name;
	enum sc_claim_id claim;
	enum sc_class cls;
	bool begun;
	pid_t top_pid;		/* the case's body process */
	bool in_child;		/* this process was made by sc_spawn */
	int report_fd;		/* in a child: where failures go */
	const struct sc_fs *fs; /* set while a per-fs body runs */
	char notes[2048];
};
extern struct sc_state sc_st;

/* Fail / skip with a reason already phrased (a child's, passed up):
 * no new lesson, no new record. */
void sc_fail_reason(const char *reason) __attribute__((noreturn));
void sc_skip_reason(const char *reason) __attribute__((noreturn));

/* What a failed check compared, for its record (reports/FORMAT.md, "Check
 * records").  NULL / 0: not known or not relevant. */
struct sc_check {
	const char *check; /* the check's words: "shm_nattch after fork" */
	const char *expected, *observed;
	int errno_expected, errno_observed;
	int signal_expected, signal_observed;
};
/* Fail: the lesson on stderr, the record beside it, the one-line reason.
 * c NULL: split from the message ("WHAT: expected E, observed O"). */
void sc_fail_check(const char *file, int line, const struct sc_check *c,
		   const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
/* Fail with "CHECK: expected E, observed O" from c's own fields. */
void sc_fail_compared(const char *file, int line, const struct sc_check *c)
    __attribute__((noreturn));
/* Fail because a child ended as o says: "who <outcome>", or if signo is
 * not 0, "who: expected the process to be killed by signo, ...". */
void sc_fail_outcome(const char *file, int line, const struct sc_outcome *o,
		     const char *who, int signo) __attribute__((noreturn));

/* The one wait, without passing a verdict up: true when fd is readable
 * (or at its end), false when pid ended first; fails the case after
 * SC_TIMEOUT_MS (naming file and line, the wait's).  pid 0: fd alone. */
bool sc_await_either(const char *file, int line, int fd, pid_t pid,
		     const char *what);
/* State letter and start time of process pid from /proc/PID/stat; false
 * if there is no such process (or no /proc). */
bool sc_proc_stat(pid_t pid, char *state, unsigned long long *start);
/* Kill and reap every child this process spawned (at the end of a case). */
void sc_kill_children(void);
/* Remove everything in this case's ledger; delete the ledger. */
void sc_ledger_release(void);
/* The ledger path the case writes; created on first use. */
const char *sc_ledger_path(void);
/* Append one line to the ledger; the try form returns false (errno set)
 * instead of failing the case. */
void sc_ledger_add(const char *kind, const char *what);
bool sc_ledger_try_add(const char *kind, const char *what);
/* Remember where the ledger is, for the cleanup routine (in the cwd). */
void sc_ledger_mark_cwd(void);

#endif
