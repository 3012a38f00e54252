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

/* Fail with a reason already phrased (a child's), without a new lesson. */
void sc_fail_reason(const char *reason) __attribute__((noreturn));
/* Wait until fd is readable, at most SC_TIMEOUT_MS; fails the case with
 * "timed out ... waiting for what" after that. */
void sc_wait_readable(int fd, const char *what);
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
