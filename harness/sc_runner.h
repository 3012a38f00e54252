/*
 * sc-run's engine: run ATF test programs without Kyua (inside a guest, a
 * sandbox, a namespace), the way Kyua would, and keep every result.
 *
 * A case goes through: list (prog -l) -> body (prog -r RESULT CASE, in a
 * private work directory, its own process group, a timeout) -> cleanup
 * (prog CASE:cleanup, same directory) -> verdict.  The verdict follows
 * Kyua's rules for combining the ATF result file with the exit status.
 */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Kyua's verdicts, in Kyua's words. */
enum sc_verdict {
	SC_V_PASSED,
	SC_V_FAILED,
	SC_V_SKIPPED,
	SC_V_XFAIL, /* expected_failure */
	SC_V_BROKEN,
	SC_V_COUNT
};
const char *sc_verdict_name(enum sc_verdict v);

struct sc_kv {
	char *key;
	char *val;
};

/* One per-file-system line "shmconform-fs:\t<verdict>\t<type>\t<dir>\t<why>"
 * that SC_FS_CASE cases print on stdout. */
struct sc_fsline {
	char *verdict;
	char *type;
	char *dir;
	char *reason;
};

/* How one process (body or cleanup) ended. */
struct sc_exit {
	bool ran;	/* it was started */
	bool timed_out; /* killed (its whole process group) at the deadline */
	bool exited;
	int status; /* exit status if exited */
	int signo;  /* terminating signal otherwise */
	bool core;  /* and it dumped core */
	double seconds;
};

struct sc_rcase {
	char *program; /* path as given */
	char *name;    /* ident; "__test_cases_list__" if listing broke */
	struct sc_kv *md;
	size_t n_md;
	bool has_cleanup;
	bool sc_harness; /* a shmconform case (X-claim): see sc_ended */
	int timeout_s;

	enum sc_verdict verdict;
	char *reason;	  /* Kyua-style reason (empty for passed) */
	char *atf_result; /* the raw first line of the result file, or NULL */
	struct sc_exit body, cleanup;
	char *out, *err;       /* body's stdout and stderr (capped) */
	char *cl_out, *cl_err; /* cleanup's */
	bool out_truncated, err_truncated;
	struct sc_fsline *fs;
	size_t n_fs;
	char started[32]; /* ISO 8601 UTC */
};

struct sc_runopts {
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

struct sc_run {
	struct sc_rcase *cases;
	size_t n_cases;
	char started[32];
	double seconds;
	char *environment; /* label given by the caller (-e) */
	char *probe_json;  /* a JSON object describing the system */
	const struct sc_runopts *opts;
};

/* Add the cases of one test program (prog -l); on a listing failure adds
 * one broken case for the program.  Returns 0, or -1 on a fatal error. */
int sc_runner_list(struct sc_run *run, const char *program,
		   const struct sc_runopts *opts);
/* Run every listed case; returns the number that failed or broke. */
int sc_runner_execute(struct sc_run *run, const struct sc_runopts *opts);
/* Counts per verdict. */
void sc_runner_count(const struct sc_run *run, size_t counts[SC_V_COUNT]);
void sc_runner_free(struct sc_run *run);

/* Metadata value of a case, or NULL. */
const char *sc_rcase_md(const struct sc_rcase *c, const char *key);

/* Write the run in the report tools' JSON format (sc_runner_json.c). */
int sc_runner_write_json(const struct sc_run *run, const char *path);
/* A JSON object describing this system: the probe program's output (run
 * with --fs FS when fs is not NULL), else what the runner can see itself.
 * Never NULL. */
char *sc_runner_probe(const char *probe_cmd, const char *fs, double timeout_s,
		      const struct sc_runopts *opts);

/* Small helpers shared by the runner's modules. */
char *sc_xstrdup(const char *s);
void *sc_xrealloc(void *p, size_t n);
/* argv for running prog through opts' wrapper: wrapper..., prog, then
 * room for extra more arguments and a NULL (caller frees the array). */
char **sc_wrapped_argv(const struct sc_runopts *opts, const char *prog,
		       size_t extra, size_t *argc);
/* Run argv (argv[0] searched in PATH) with stdout captured (stdin /dev/null,
 * stderr dropped), at most timeout_s seconds; returns the output
 * (NUL-terminated) or NULL. */
char *sc_capture(char *const argv[], double timeout_s, int *status);

#endif
