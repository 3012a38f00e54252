/*
 * sc-run's engine: run ATF test programs without Kyua (inside a guest, a
 * sandbox, a namespace), the way Kyua would, and keep every result.
 *
 * A case goes through: list (prog -l) -> body (prog -r RESULT CASE, in a
 * private work directory, its own process group, a timeout) -> cleanup
 * (prog CASE:cleanup, same directory) -> verdict.  The verdict follows
 * Kyua's rules for combining the ATF result file with the exit status.
 */
#ifndef TL_RUNNER_H
#define TL_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tl_util.h"

/* Kyua's verdicts, in Kyua's words. */
enum tl_verdict {
	TL_V_PASSED,
	TL_V_FAILED,
	TL_V_SKIPPED,
	TL_V_XFAIL, /* expected_failure */
	TL_V_BROKEN,
	TL_V_COUNT
};
const char *tl_verdict_name(enum tl_verdict v);

struct tl_kv {
	char *key;
	char *val;
};

/* One per-file-system line "shmconform-fs:\t<verdict>\t<type>\t<dir>\t<why>"
 * that TL_FS_CASE cases print on stdout. */
struct tl_fsline {
	char *verdict;
	char *type;
	char *dir;
	char *reason;
};

/* How one process (body or cleanup) ended. */
struct tl_exit {
	bool ran;	/* it was started */
	bool timed_out; /* killed (its whole process group) at the deadline */
	bool exited;
	int status; /* exit status if exited */
	int signo;  /* terminating signal otherwise */
	bool core;  /* and it dumped core */
	double seconds;
};

struct tl_rcase {
	char *program; /* path as given */
	char *name;    /* ident; "__test_cases_list__" if listing broke */
	struct tl_kv *md;
	size_t n_md;
	bool has_cleanup;
	bool sc_harness; /* a shmconform case (X-claim): see tl_ended */
	int timeout_s;

	enum tl_verdict verdict;
	char *reason;	  /* Kyua-style reason (empty for passed) */
	char *atf_result; /* the raw first line of the result file, or NULL */
	struct tl_exit body, cleanup;
	char *out, *err;       /* body's stdout and stderr (capped) */
	char *cl_out, *cl_err; /* cleanup's */
	bool out_truncated, err_truncated;
	struct tl_fsline *fs;
	size_t n_fs;
	char started[32]; /* ISO 8601 UTC */
};

struct tl_runopts {
	const char *const *vars; /* "name=value" passed as -v to every case */
	size_t n_vars;
	int jobs;	       /* cases at once */
	int default_timeout_s; /* when a case names none (Kyua: 300) */
	double timeout_scale;  /* multiply every timeout (slow emulation) */
	const char *work_root; /* where the private directories go */
	bool keep_work;	       /* leave work directories for inspection */
	const char *filter;    /* run only cases whose name matches (glob) */
	size_t capture_limit;  /* bytes of stdout/stderr kept per case */
	bool verbose;	       /* one line per case on stderr */
	/* Run every test program through this command (an emulator such as
	 * qemu-aarch64): argv is wrapper..., program, arguments. */
	char *const *wrapper;
	size_t n_wrapper;
};

struct tl_run {
	struct tl_rcase *cases;
	size_t n_cases;
	char started[32];
	double seconds;
	char *environment; /* label given by the caller (-e) */
	char *probe_json;  /* a JSON object describing the system */
	const struct tl_runopts *opts;
};

/* Add the cases of one test program (prog -l); on a listing failure adds
 * one broken case for the program.  Returns 0, or -1 on a fatal error. */
int tl_runner_list(struct tl_run *run, const char *program,
		   const struct tl_runopts *opts);
/* Run every listed case; returns the number that failed or broke. */
int tl_runner_execute(struct tl_run *run, const struct tl_runopts *opts);
/* Counts per verdict. */
void tl_runner_count(const struct tl_run *run, size_t counts[TL_V_COUNT]);
void tl_runner_free(struct tl_run *run);

/* Metadata value of a case, or NULL. */
const char *tl_rcase_md(const struct tl_rcase *c, const char *key);

/* Write the run in the report tools' JSON format (tl_results.c); path
 * NULL or "-": standard output. */
int tl_runner_write_json(const struct tl_run *run, const char *path);

/* The probe object (JSON text) for file systems fs (NULL: the default):
 * probe_cmd's output when given (run through the wrapper: a cross-built
 * sc-probe), else, or when it fails, the built-in probe (tl_probe.c).
 * NULL when probe_cmd is "none". */
char *tl_runner_probe(const char *probe_cmd, const char *fs, double timeout_s,
		      const struct tl_runopts *opts);

/* argv for running prog through opts' wrapper: wrapper..., prog, then
 * room for extra more arguments and a NULL (caller frees the array). */
char **tl_wrapped_argv(const struct tl_runopts *opts, const char *prog,
		       size_t extra, size_t *argc);

#endif
