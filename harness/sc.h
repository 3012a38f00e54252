/*
 * shmconform harness: what every case program links.
 *
 * A case is declared with SC_CASE (runs once) or SC_FS_CASE (runs once per
 * file system the user names).  Checks use the SC_CHECK_* macros: a failed
 * check ends the case with a one-line reason "CLAIM-ID [class] ...: expected
 * X, observed Y" and writes the lesson (tutorial's words, precise statement,
 * erratum) to stderr, with the same failure as data beside it: one line
 * "shmconform-check: {json}" (a skip: "shmconform-skip: {json}"; see
 * reports/FORMAT.md, "Check records").  Checks work the same in forked
 * children: the child sends its failure to the parent, which fails the case
 * with it.  Every wait on another process is sc_await (or sc_event_wait,
 * sc_chan_recv, sc_wait_ok built on it): a child that ends first ends the
 * case at once with the child's own verdict, never with a timeout.
 * Register every case with SC_ADD: the build checks (cases/check_cases.py).
 */
#ifndef SC_H
#define SC_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <atf-c.h>

#include "sc_claims_gen.h"
#include "sc_core.h"

/* Source file names in messages, without the build's directories. */
#ifdef __FILE_NAME__
#define SC_FILE __FILE_NAME__
#else
#define SC_FILE __FILE__
#endif

/* ---- claims registry (generated from claims.json) ---------------------- */

struct sc_claim {
	const char *id;	       /* "MMAP-PAGES" */
	const char *words;     /* the tutorial's own words, or NULL */
	const char *statement; /* the precise statement to verify */
	const char *erratum;   /* where the tutorial is wrong, or NULL */
	int extension;	       /* beyond the tutorial */
};
extern const struct sc_claim sc_claims[SC_CLAIM_COUNT];

enum sc_class { SC_POSIX, SC_LINUX, SC_OBSERVED };
const char *sc_class_name(enum sc_class cls);

/* ---- system geometry --------------------------------------------------- */

size_t sc_page_size(void); /* sysconf(_SC_PAGESIZE), never a literal */
size_t sc_shmlba(void);	   /* SHMLBA as this system defines it */
size_t sc_round_up(size_t n, size_t to);

/* ---- names for numbers ------------------------------------------------- */

/* sc_errno_name(EINVAL) "EINVAL", sc_signal_name, sc_si_code_name,
 * sc_fs_type_name(statfs f_type) "tmpfs": in sc_core.h (no ATF). */

/* ---- case declaration -------------------------------------------------- */

struct sc_fs {
	const char *dir;  /* directory the user named */
	const char *type; /* "tmpfs", "ext4", ... from statfs */
};

/* Called by the macros below; not by cases. */
void sc_head(atf_tc_t *tc, enum sc_claim_id claim, enum sc_class cls,
	     const char *descr, bool per_fs);
void sc_begin(const atf_tc_t *tc, const char *name, enum sc_claim_id claim,
	      enum sc_class cls);
void sc_end(void);
void sc_cleanup_case(const atf_tc_t *tc);
void sc_run_per_fs(void (*body)(const struct sc_fs *fs));

/*
 * SC_CASE(name, CLAIM, class, "what it claims") { body }
 * CLAIM is the claim ID from claims.json with '-' written '_' (MMAP_PAGES);
 * an unknown ID does not compile.
 */
#define SC_CASE(name, claim, cls, descr)                                       \
	ATF_TC_WITH_CLEANUP(name);                                             \
	ATF_TC_HEAD(name, tc)                                                  \
	{                                                                      \
		sc_head(tc, SC_CLAIM_##claim, cls, descr, false);              \
	}                                                                      \
	ATF_TC_CLEANUP(name, tc)                                               \
	{                                                                      \
		sc_cleanup_case(tc);                                           \
	}                                                                      \
	static void sc_body_##name(void);                                      \
	ATF_TC_BODY(name, tc)                                                  \
	{                                                                      \
		sc_begin(tc, #name, SC_CLAIM_##claim, cls);                    \
		sc_body_##name();                                              \
		sc_end();                                                      \
	}                                                                      \
	static void sc_body_##name(void)

/*
 * SC_FS_CASE(name, CLAIM, class, "what it claims") { body using fs }
 * The body runs once per file system (Kyua variable "fs", a colon-separated
 * list of directories; default: $TMPDIR and /dev/shm), each in its own child.
 * Every file system's verdict is printed on stdout as a line
 *   shmconform-fs: <pass|fail|skip> <type> <dir> <reason>
 * and the case fails if any fails, skips if all skip, else passes.
 */
#define SC_FS_CASE(name, claim, cls, descr)                                    \
	ATF_TC_WITH_CLEANUP(name);                                             \
	ATF_TC_HEAD(name, tc)                                                  \
	{                                                                      \
		sc_head(tc, SC_CLAIM_##claim, cls, descr, true);               \
	}                                                                      \
	ATF_TC_CLEANUP(name, tc)                                               \
	{                                                                      \
		sc_cleanup_case(tc);                                           \
	}                                                                      \
	static void sc_fsbody_##name(const struct sc_fs *fs);                  \
	ATF_TC_BODY(name, tc)                                                  \
	{                                                                      \
		sc_begin(tc, #name, SC_CLAIM_##claim, cls);                    \
		sc_run_per_fs(sc_fsbody_##name);                               \
		sc_end();                                                      \
	}                                                                      \
	static void sc_fsbody_##name(const struct sc_fs *fs)

#define SC_ADD(tp, name) ATF_TP_ADD_TC(tp, name)

/* ---- verdicts and checks ----------------------------------------------- */

/* End the case (or the child's part of it) as failed / skipped. */
void sc_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void sc_skip(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
/* Add a line of context to the lesson printed if the case fails. */
void sc_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define SC_FAIL(...) sc_fail(SC_FILE, __LINE__, __VA_ARGS__)
#define SC_SKIP(...) sc_skip(__VA_ARGS__)

/* cond must hold; what says in words what was expected. */
#define SC_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond))                                                   \
			SC_FAIL(__VA_ARGS__);                                  \
	} while (0)

/* Integer equality: "what: expected E, observed O". */
#define SC_CHECK_EQ(observed, expected, what)                                  \
	sc_check_eq(SC_FILE, __LINE__, (long long)(observed),                  \
		    (long long)(expected), what)
void sc_check_eq(const char *file, int line, long long observed,
		 long long expected, const char *what);

/* Pointer equality, printed in hex. */
#define SC_CHECK_PTR_EQ(observed, expected, what)                              \
	sc_check_ptr_eq(SC_FILE, __LINE__, (const void *)(observed),           \
			(const void *)(expected), what)
void sc_check_ptr_eq(const char *file, int line, const void *observed,
		     const void *expected, const char *what);

/* A call that returns -1 on failure must succeed: SC_CHECK_OK(fd = open(..)) */
#define SC_CHECK_OK(expr)                                                      \
	do {                                                                   \
		if ((expr) == -1)                                              \
			sc_fail_errno(SC_FILE, __LINE__, #expr, errno);        \
	} while (0)
/* mmap/shmat style: must not return MAP_FAILED / (void *)-1. */
#define SC_CHECK_MAP(expr)                                                     \
	do {                                                                   \
		if ((void *)(expr) == (void *)-1)                              \
			sc_fail_errno(SC_FILE, __LINE__, #expr, errno);        \
	} while (0)
void sc_fail_errno(const char *file, int line, const char *call, int err)
    __attribute__((noreturn));

/*
 * A call must fail with errno err.  For int-returning calls the failure
 * value is -1; for mmap/shmat it is (void *)-1.  On success the call's
 * result is undone by the caller if needed (see sc_expect_map_errno).
 */
#define SC_CHECK_ERRNO(expr, err)                                              \
	do {                                                                   \
		errno = 0;                                                     \
		long long sc_rv_ = (long long)(expr);                          \
		sc_check_errno(SC_FILE, __LINE__, #expr, sc_rv_ == -1, errno,  \
			       err);                                           \
	} while (0)
void sc_check_errno(const char *file, int line, const char *call, bool failed,
		    int observed, int expected);
/* mmap must fail with err; if it succeeds, the mapping is removed first. */
#define SC_CHECK_MAP_ERRNO(addr, len, prot, flags, fd, off, err)               \
	sc_check_map_errno(SC_FILE, __LINE__,                                  \
			   "mmap(" #addr ", " #len ", " #prot ", " #flags      \
			   ", " #fd ", " #off ")",                             \
			   addr, len, prot, flags, fd, off, err)
void sc_check_map_errno(const char *file, int line, const char *call,
			void *addr, size_t len, int prot, int flags, int fd,
			off_t off, int err);

/* ---- processes --------------------------------------------------------- */

/* Default bound on every wait (generous: valgrind is slow). */
#define SC_TIMEOUT_MS 20000

struct sc_outcome {
	bool timed_out; /* killed by the harness after the timeout */
	bool exited;	/* exited normally with status */
	int status;
	int signo;	  /* killed by this signal (0 if exited) */
	int fault_code;	  /* SIGSEGV/SIGBUS/SIGILL/SIGFPE: the fault's si_code,
			     -1 if unknown */
	void *fault_addr; /* and its si_addr */
	bool failed;	  /* the child failed a check (reason in msg) */
	bool skipped;	  /* the child skipped (reason in msg) */
	char msg[1400];
};

/* Describe an outcome in words: "killed by SIGSEGV (SEGV_ACCERR at 0x..)". */
const char *sc_outcome_str(const struct sc_outcome *o);

/*
 * Fork a child that runs fn(arg) and then exits 0.  Checks in the child
 * report to the parent.  The child catches SIGSEGV, SIGBUS, SIGILL and
 * SIGFPE only to record si_code and si_addr, then dies by the same signal.
 * Children are killed when the case ends.
 */
pid_t sc_spawn(void (*fn)(void *), void *arg);
/* Like sc_spawn, for a child meant to crash: no core dump (RLIMIT_CORE 0). */
pid_t sc_spawn_crashing(void (*fn)(void *), void *arg);
/* Wait for a spawned child, at most timeout_ms; kill it (SIGKILL) after. */
struct sc_outcome sc_wait(pid_t pid, int timeout_ms);
/* Has the process pid ended?  (Not reaped: sc_wait still gets a child's
 * verdict.)  For a child of this process, and by /proc for others. */
bool sc_ended(pid_t pid);
/* A child's outcome becomes the case's: its failure or skip passes up as
 * it is; anything but a clean exit fails "who <outcome>". */
#define sc_pass_up(o, who) sc_pass_up_at(SC_FILE, __LINE__, o, who)
void sc_pass_up_at(const char *file, int line, const struct sc_outcome *o,
		   const char *who);
/* Wait; fail the case if the child did not exit 0 (passing on its
 * failure or skip). */
#define sc_wait_ok(pid) sc_wait_ok_at(SC_FILE, __LINE__, pid)
void sc_wait_ok_at(const char *file, int line, pid_t pid);
/* Run fn in a child and wait for it to exit 0 (failures pass up). */
#define sc_run(fn, arg) sc_run_at(SC_FILE, __LINE__, fn, arg)
void sc_run_at(const char *file, int line, void (*fn)(void *), void *arg);
/* Run fn in a crashing child; it must die by signo.  what names the access.
 * Returns the outcome (fault_code, fault_addr) for further checks. */
#define sc_expect_signal(fn, arg, signo, what)                                 \
	sc_expect_signal_at(SC_FILE, __LINE__, fn, arg, signo, what)
struct sc_outcome sc_expect_signal_at(const char *file, int line,
				      void (*fn)(void *), void *arg, int signo,
				      const char *what);
/* Are we in a child spawned by the harness? */
bool sc_in_child(void);

/* ---- waiting for another process (pipes: never the memory under test) -- */

/*
 * The one wait: until fd is readable or the process pid ends, whichever
 * comes first.  If pid ends first, its verdict is the case's at once (its
 * failure or skip passes up; a clean exit fails "... ended without it"),
 * never a timeout.  Bounded: after SC_TIMEOUT_MS the case fails "timed
 * out ... waiting for what".  pid is the process that makes fd readable
 * (the child that posts); 0 when there is none to watch: a child waiting
 * for the case's process, which kills it if it fails.
 */
#define sc_await(fd, pid, what) sc_await_at(SC_FILE, __LINE__, fd, pid, what)
void sc_await_at(const char *file, int line, int fd, pid_t pid,
		 const char *what);

/* An event one process posts and another waits for (sc_await). */
struct sc_event {
	int fd[2];
};
void sc_event_init(struct sc_event *ev);
void sc_event_post(struct sc_event *ev);
/* Returns the byte posted (sc_event_post sends 1; a process that writes
 * fd[1] itself, as an exec'd image does, may send another). */
#define sc_event_wait(ev, poster, what)                                        \
	sc_event_wait_at(SC_FILE, __LINE__, ev, poster, what)
char sc_event_wait_at(const char *file, int line, struct sc_event *ev,
		      pid_t poster, const char *what);
void sc_event_close(struct sc_event *ev);

/* Send / receive a small value between processes (a pipe, sc_await). */
struct sc_chan {
	int fd[2];
};
void sc_chan_init(struct sc_chan *ch);
void sc_chan_send(struct sc_chan *ch, const void *buf, size_t len);
#define sc_chan_recv(ch, sender, buf, len, what)                               \
	sc_chan_recv_at(SC_FILE, __LINE__, ch, sender, buf, len, what)
void sc_chan_recv_at(const char *file, int line, struct sc_chan *ch,
		     pid_t sender, void *buf, size_t len, const char *what);
void sc_chan_close(struct sc_chan *ch);

/* ---- temporary files and names (all cleaned up, also on failure) ------- */

/* A private directory on fs (created on first use, removed at the end). */
const char *sc_fs_dir(const struct sc_fs *fs);
/* Create a file of size bytes (filled with pattern, byte i = pattern(i))
 * in the private directory on fs; returns an fd opened O_RDWR.  path may be
 * NULL; else it receives the file's path (PATH_MAX). */
int sc_tmpfile(const struct sc_fs *fs, size_t size, char *path);
/* The byte at offset i of sc_tmpfile's content: never 0, so zeros show. */
unsigned char sc_pattern(size_t i);
/* A file of size bytes holding the pattern, opened O_RDONLY: made by
 * sc_tmpfile on a writable file system; on a read-only one (statvfs
 * ST_RDONLY) the image's fixture DIR/SC_FIXTURE_DIR/pattern.SIZE, which
 * ci/runners/fs writes for SIZE = 1, 2 and 4 pages; skips if it is absent. */
#define SC_FIXTURE_DIR "shmconform-fixtures"
int sc_rofile(const struct sc_fs *fs, size_t size, char *path);
/* fs is mounted read-only (statvfs ST_RDONLY). */
bool sc_fs_readonly(const struct sc_fs *fs);
/* Skip the case with the reason "read-only file system" if fs is. */
void sc_fs_require_writable(const struct sc_fs *fs);
/* fs keeps files somewhere other than memory (false: tmpfs, ramfs), so
 * that writeback and msync have storage to reach. */
bool sc_fs_has_storage(const struct sc_fs *fs);
/* Called by a failed check with its errno: inside a per-fs body, EINVAL on
 * a file system that refuses every shared writable mapping (probed on a
 * new file) skips the case with that reason instead of failing it. */
void sc_fs_check_unsupported(int err);
/* The file's size by fstat; fails the case on error. */
off_t sc_file_size(int fd);
/* pread exactly len bytes at off; fails the case on error or short read. */
void sc_pread_all(int fd, void *buf, size_t len, off_t off);

/* The System V segment id is removed (IPC_RMID) when the case ends, also
 * after a failure, a timeout or a kill (the next run's sweep).  The ledger
 * is private to the case's user (0600): a child that dropped privileges
 * cannot write it, so its parent tracks what it makes (sc_shm_track). */
void sc_track_shmid(int shmid);
/* The same, returning false (errno set) instead of failing the case: for a
 * call that was meant to fail, whose own failure must be the one reported
 * (a privilege-dropped child cannot write the case's ledger). */
bool sc_try_track_shmid(int shmid);
/* A random key in the suite's range (0x5C......: recognisable in ipcs,
 * never IPC_PRIVATE).  Random is not unique: create with IPC_EXCL and draw
 * again on EEXIST, as sc_shmget_unique does. */
key_t sc_random_key(void);
/* Create a segment (IPC_CREAT|IPC_EXCL|mode) under a random key that no
 * other software or concurrent run holds (EEXIST: try another), tracked
 * for cleanup.  Returns its id and, if key is not NULL, its key; -1 with
 * errno on any error but EEXIST. */
int sc_shmget_unique(size_t size, int mode, key_t *key);

/* A POSIX shm name, unique to this run, removed at the end; skips the
 * case where there is no /dev/shm (shm_open needs it). */
const char *sc_shm_name(void);

/* sc_sweep_stale(): remove what killed runs left (sc_core.h). */

/* ---- the clock ---------------------------------------------------------- */

/* Wait until time() is past t (at most one second boundary, never a fixed
 * sleep) and return time(): makes "later" visible in fields that count whole
 * seconds (shm_atime, shm_dtime, shm_ctime). */
time_t sc_wait_next_second(time_t t);

/* ---- environment ------------------------------------------------------- */

bool sc_running_on_valgrind(void);
/* A config variable from Kyua (-v name=value), or def. */
const char *sc_config(const char *name, const char *def);

#endif
