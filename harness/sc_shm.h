/*
 * System V shared memory helpers for the shm_* cases: segments that are
 * always cleaned up, checks that name the processes involved, and "actors":
 * child processes that create, attach, detach, fork and exit on command, so
 * that a case can prove what each field of shmid_ds records when creator,
 * attacher, detacher and observer are different processes.
 */
#ifndef SC_SHM_H
#define SC_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

#include "sc.h"
#include "sc_priv.h"

/* ---- segments (every one tracked: removed when the case ends) ---------- */

/* A new IPC_PRIVATE segment; fails the case on error. */
int sc_shm_new(size_t size, int mode);
/* A new segment under a key no one else uses; fails the case on error. */
int sc_shm_new_keyed(size_t size, int mode, key_t *key);
/* Record a segment made by a raw shmget (key as passed, creator cpid) so
 * the case's cleanup removes it; needs no permission on it. */
void sc_shm_track(int id, key_t key, pid_t cpid);
/* shmget flags in words: "IPC_CREAT|IPC_EXCL|0600". */
const char *sc_shm_flg_str(int flg);
/* shmget must fail with err; a segment it makes instead is tracked. */
#define SC_CHECK_SHMGET_ERRNO(key, size, flg, err)                             \
	sc_shm_check_get_errno(SC_FILE, __LINE__, key, size, flg, err)
void sc_shm_check_get_errno(const char *file, int line, key_t key, size_t size,
			    int flg, int err);
/* shmat must fail with err; an attachment it makes instead is undone. */
#define SC_CHECK_SHMAT_ERRNO(id, addr, flg, err)                               \
	sc_shm_check_at_errno(SC_FILE, __LINE__, id, addr, flg, err)
void sc_shm_check_at_errno(const char *file, int line, int id, const void *addr,
			   int flg, int err);
/* shmctl(IPC_INFO)'s shmmax: the largest segment this IPC namespace
 * allows. */
unsigned long sc_shm_shmmax(void);
/* IPC_STAT; fails the case on error. */
void sc_shm_stat(int id, struct shmid_ds *ds);
/* Does IPC_STAT find the segment?  (false on EINVAL/EIDRM; fails the case
 * on any other error) */
bool sc_shm_exists(int id);
/* IPC_SET of owner and mode (the low nine bits); fails the case on error. */
void sc_shm_set(int id, uid_t uid, gid_t gid, int mode);
/* shmat / shmdt; fail the case on error. */
void *sc_shm_at(int id, const void *addr, int flg);
void sc_shm_dt(const void *addr);

/* A free range of len bytes whose start is a multiple of align (both
 * multiples of the page size): reserved with mmap, then released, so a
 * fixed-address shmat can use it. */
char *sc_shm_free_area(size_t len, size_t align);

/* kernel.shm_rmid_forced: 0 or 1, -1 if it cannot be read. */
int sc_shm_rmid_forced(void);

/* The column named col (as in its header: "rss", "nattch"...) of the
 * segment's line in /proc/sysvipc/shm; -1 if absent. */
long long sc_shm_proc_field(int id, const char *col);

/* ---- naming processes in messages -------------------------------------- */

/* Remember that pid plays role ("A, the attacher"). */
void sc_shm_role(pid_t pid, const char *role);
/* "1234 (A, the attacher)", "0 (no process)", "77 (not a process of this
 * case)"; a few calls may appear in one message. */
const char *sc_shm_who(pid_t pid);

#define SC_CHECK_PID(observed, expected, what)                                 \
	sc_shm_check_pid(SC_FILE, __LINE__, (pid_t)(observed),                 \
			 (pid_t)(expected), what)
void sc_shm_check_pid(const char *file, int line, pid_t observed,
		      pid_t expected, const char *what);

/* observed must lie in [lo, hi] (time() read before and after the event). */
#define SC_CHECK_TIME(observed, lo, hi, what)                                  \
	sc_shm_check_time(SC_FILE, __LINE__, (long long)(observed),            \
			  (long long)(lo), (long long)(hi), what)
void sc_shm_check_time(const char *file, int line, long long observed,
		       long long lo, long long hi, const char *what);

/* ---- actors ------------------------------------------------------------ */

struct sc_actor {
	const char *role; /* "A, the attacher" */
	pid_t pid;
	struct sc_chan cmd, reply;
	const struct sc_priv_user *drop; /* become this user first, or NULL */
	struct sc_actor *parent;	 /* the actor that forked it, or NULL */
	/* the actor's own state, in its process */
	char *addr;   /* its last attach */
	pid_t forked; /* its forked actor */
	bool started;
};

/* Make the pipes.  An actor that another actor will fork must be
 * initialised before that other actor starts (it inherits the pipes). */
void sc_actor_init(struct sc_actor *a, const char *role);
/* Run it as a child of this process (optionally as the user drop). */
void sc_actor_start(struct sc_actor *a, const struct sc_priv_user *drop);

/* Each call returns when the actor has done it; failures fail the case
 * with the actor's role, pid and the errno name. */
int sc_actor_shmget(struct sc_actor *a, key_t key, size_t size, int flg);
/* The same, returning -1 with the actor's errno in *err instead. */
int sc_actor_shmget_try(struct sc_actor *a, key_t key, size_t size, int flg,
			int *err);
/* The actor creates a segment under a key no one else uses (tracked). */
int sc_actor_shmget_unique(struct sc_actor *a, size_t size, int mode,
			   key_t *key);
char *sc_actor_shmat(struct sc_actor *a, int id, int flg);
void sc_actor_shmdt(struct sc_actor *a);
/* a forks child, which inherits a's attachments and obeys like an actor. */
void sc_actor_fork(struct sc_actor *a, struct sc_actor *child);
/* Fill / verify len bytes at off of the actor's last attach with a pattern
 * (seed picks it; never a zero byte, so zeros show). */
void sc_actor_fill(struct sc_actor *a, size_t off, size_t len, unsigned seed);
void sc_actor_verify(struct sc_actor *a, size_t off, size_t len, unsigned seed,
		     const char *what);
/* The actor exits without detaching anything; returns once it is gone
 * (reaped), so the kernel has run its exit-time detach. */
void sc_actor_exit(struct sc_actor *a);

/* The pattern byte sc_actor_fill writes at offset i. */
unsigned char sc_shm_pattern(size_t i, unsigned seed);

#endif
