/* System V shared memory helpers and actors (see sc_shm.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_internal.h"
#include "sc_shm.h"

/* ---- segments ---------------------------------------------------------- */

/*
 * The ledger line the harness's cleanup reads ("id key cpid"), written
 * without IPC_STAT: a segment whose mode denies its creator read access
 * (a permission case run unprivileged) must be tracked too.
 */
void sc_shm_track(int id, key_t key, pid_t cpid)
{
	char what[96];
	snprintf(what, sizeof what, "%d %lld %d", id, (long long)key,
		 (int)cpid);
	sc_ledger_add("shm", what);
}

const char *sc_shm_flg_str(int flg)
{
	static char bufs[2][64];
	static int next;
	char *b = bufs[next++ % 2];
	snprintf(
	    b, sizeof bufs[0], "%s%s%s%s0%o",
	    flg & IPC_CREAT ? "IPC_CREAT|" : "",
	    flg & IPC_EXCL ? "IPC_EXCL|" : "",
	    flg & SHM_RDONLY ? "SHM_RDONLY|" : "",
	    flg & SHM_RND ? "SHM_RND|" : "",
	    (unsigned)(flg & ~(IPC_CREAT | IPC_EXCL | SHM_RDONLY | SHM_RND)));
	return b;
}

/* call was to fail (return fails, "failure" or "(void *)-1") with err;
 * it failed with observed, or succeeded (observed 0) as success says.  The
 * message and record of SC_CHECK_SHM*_ERRNO. */
static void __attribute__((noreturn))
sc_shm_fail_errno(const char *file, int line, const char *call,
		  const char *fails, int err, int observed, const char *success)
{
	char e[64], o[96];
	snprintf(e, sizeof e, "%s with %s", fails, sc_errno_name(err));
	if (observed)
		snprintf(o, sizeof o, "failure with %s",
			 sc_errno_name(observed));
	else
		snprintf(o, sizeof o, "%s", success);
	struct sc_check c = {.check = call,
			     .expected = e,
			     .observed = o,
			     .errno_expected = err,
			     .errno_observed = observed};
	sc_fail_compared(file, line, &c);
}

void sc_shm_check_get_errno(const char *file, int line, key_t key, size_t size,
			    int flg, int err)
{
	errno = 0;
	int id = shmget(key, size, flg);
	int saved = errno;
	char call[128];
	if (key == IPC_PRIVATE)
		snprintf(call, sizeof call, "shmget(IPC_PRIVATE, size %zu, %s)",
			 size, sc_shm_flg_str(flg));
	else
		snprintf(call, sizeof call, "shmget(key 0x%08x, size %zu, %s)",
			 (unsigned)key, size, sc_shm_flg_str(flg));
	if (id >= 0) {
		/* The unexpected success is the finding; tracking what it made
		 * may be impossible here (a child without privileges cannot
		 * write the case's ledger): say so, but report the finding. */
		bool tracked = sc_try_track_shmid(id);
		char o[96];
		snprintf(o, sizeof o, "success (id %d%s)", id,
			 tracked ? "" : "; not tracked for cleanup");
		sc_shm_fail_errno(file, line, call, "failure", err, 0, o);
	}
	if (saved != err)
		sc_shm_fail_errno(file, line, call, "failure", err, saved,
				  NULL);
}

void sc_shm_check_at_errno(const char *file, int line, int id, const void *addr,
			   int flg, int err)
{
	errno = 0;
	void *p = shmat(id, addr, flg);
	int saved = errno;
	char call[128];
	snprintf(call, sizeof call, "shmat(%d, %p, %s)", id, addr,
		 sc_shm_flg_str(flg));
	if (p != (void *)-1) {
		shmdt(p);
		char o[64];
		snprintf(o, sizeof o, "success (attached at %p)", p);
		sc_shm_fail_errno(file, line, call, "(void *)-1", err, 0, o);
	}
	if (saved != err)
		sc_shm_fail_errno(file, line, call, "failure", err, saved,
				  NULL);
}

unsigned long sc_shm_shmmax(void)
{
	struct shminfo info;
	if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0)
		SC_FAIL("shmctl(0, IPC_INFO): %s", sc_errno_name(errno));
	return info.shmmax;
}

int sc_shm_new(size_t size, int mode)
{
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | mode);
	if (id < 0)
		SC_FAIL("shmget(IPC_PRIVATE, %zu, IPC_CREAT|0%o): expected a "
			"new segment, observed failure with %s",
			size, (unsigned)mode, sc_errno_name(errno));
	sc_shm_track(id, IPC_PRIVATE, getpid());
	return id;
}

int sc_shm_new_keyed(size_t size, int mode, key_t *key)
{
	int id = sc_shmget_unique(size, mode, key);
	if (id < 0)
		SC_FAIL("shmget(<unique key>, %zu, IPC_CREAT|IPC_EXCL|0%o): "
			"expected a new segment, observed failure with %s",
			size, (unsigned)mode, sc_errno_name(errno));
	return id;
}

void sc_shm_stat(int id, struct shmid_ds *ds)
{
	if (shmctl(id, IPC_STAT, ds) != 0)
		SC_FAIL("shmctl(%d, IPC_STAT): expected success, observed "
			"failure with %s",
			id, sc_errno_name(errno));
}

bool sc_shm_exists(int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) == 0)
		return true;
	if (errno == EINVAL || errno == EIDRM)
		return false;
	if (errno == EACCES)
		return true; /* there, only not readable by us */
	SC_FAIL("shmctl(%d, IPC_STAT): expected success or EINVAL, observed "
		"failure with %s",
		id, sc_errno_name(errno));
}

void sc_shm_set(int id, uid_t uid, gid_t gid, int mode)
{
	/* IPC_SET reads only uid, gid and mode: no IPC_STAT needed (it
	 * would need read permission). */
	struct shmid_ds ds;
	memset(&ds, 0, sizeof ds);
	ds.shm_perm.uid = uid;
	ds.shm_perm.gid = gid;
	ds.shm_perm.mode = (unsigned short)mode;
	if (shmctl(id, IPC_SET, &ds) != 0)
		SC_FAIL("shmctl(%d, IPC_SET, uid %d gid %d mode 0%o): "
			"expected success, observed failure with %s",
			id, (int)uid, (int)gid, (unsigned)mode,
			sc_errno_name(errno));
}

void *sc_shm_at(int id, const void *addr, int flg)
{
	void *p = shmat(id, addr, flg);
	if (p == (void *)-1)
		SC_FAIL("shmat(%d, %p, 0%o): expected success, observed "
			"failure with %s",
			id, addr, (unsigned)flg, sc_errno_name(errno));
	return p;
}

void sc_shm_dt(const void *addr)
{
	if (shmdt(addr) != 0)
		SC_FAIL("shmdt(%p): expected success, observed failure with %s",
			addr, sc_errno_name(errno));
}

char *sc_shm_free_area(size_t len, size_t align)
{
	size_t span = len + align;
	char *p =
	    mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		SC_FAIL("harness: reserving %zu bytes: %s", span,
			sc_errno_name(errno));
	char *aligned = (char *)sc_round_up((uintptr_t)p, align);
	if (munmap(p, span) != 0)
		SC_FAIL("harness: munmap: %s", sc_errno_name(errno));
	return aligned;
}

int sc_shm_rmid_forced(void)
{
	FILE *f = fopen("/proc/sys/kernel/shm_rmid_forced", "re");
	if (!f)
		return -1;
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

long long sc_shm_proc_field(int id, const char *col)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f)
		return -1;
	char line[1024];
	int want = -1, idcol = -1;
	long long result = -1;
	if (fgets(line, sizeof line, f)) {
		int i = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save), i++) {
			if (strcmp(t, col) == 0)
				want = i;
			if (strcmp(t, "shmid") == 0)
				idcol = i;
		}
	}
	while (want >= 0 && idcol >= 0 && fgets(line, sizeof line, f)) {
		long long v[32];
		int n = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " \t\n", &save); t && n < 32;
		     t = strtok_r(NULL, " \t\n", &save))
			v[n++] = strtoll(t, NULL, 10);
		if (n > want && n > idcol && v[idcol] == id) {
			result = v[want];
			break;
		}
	}
	fclose(f);
	return result;
}

/* ---- naming processes -------------------------------------------------- */

#define SC_SHM_ROLES 16
static struct {
	pid_t pid;
	const char *role;
} sc_shm_roles[SC_SHM_ROLES];

void sc_shm_role(pid_t pid, const char *role)
{
	for (int i = 0; i < SC_SHM_ROLES; i++)
		if (sc_shm_roles[i].pid == 0 || sc_shm_roles[i].pid == pid) {
			sc_shm_roles[i].pid = pid;
			sc_shm_roles[i].role = role;
			return;
		}
}

const char *sc_shm_who(pid_t pid)
{
	static char bufs[4][96];
	static int next;
	char *b = bufs[next++ % 4];
	const char *role = NULL;
	for (int i = 0; i < SC_SHM_ROLES; i++)
		if (sc_shm_roles[i].pid == pid && pid != 0)
			role = sc_shm_roles[i].role;
	if (pid == 0)
		role = "no process";
	if (!role && pid == getpid())
		role = "the process reading shmid_ds";
	snprintf(b, sizeof bufs[0], "%d (%s)", (int)pid,
		 role ? role : "not a process of this case");
	return b;
}

void sc_shm_check_pid(const char *file, int line, pid_t observed,
		      pid_t expected, const char *what)
{
	if (observed != expected)
		sc_fail(file, line, "%s: expected %s, observed %s", what,
			sc_shm_who(expected), sc_shm_who(observed));
}

void sc_shm_check_time(const char *file, int line, long long observed,
		       long long lo, long long hi, const char *what)
{
	if (observed >= lo && observed <= hi)
		return;
	if (observed == 0)
		sc_fail(file, line,
			"%s: expected a time in [%lld, %lld] (time() before "
			"and after the event), observed 0 (never)",
			what, lo, hi);
	sc_fail(file, line,
		"%s: expected a time in [%lld, %lld] (time() before and after "
		"the event), observed %lld (%+lld s from the start)",
		what, lo, hi, observed, observed - lo);
}

/* ---- actors ------------------------------------------------------------ */

enum {
	SC_OP_GET = 'g',
	SC_OP_AT = 'a',
	SC_OP_DT = 'd',
	SC_OP_FORK = 'f',
	SC_OP_REAP = 'r',
	SC_OP_FILL = 'w',
	SC_OP_VERIFY = 'v',
	SC_OP_EXIT = 'x',
};

struct sc_actor_cmd {
	char op;
	int id;
	int flg;
	long long key;
	size_t size, off, len;
	unsigned seed;
	struct sc_actor *child; /* valid in the actor: it is a fork of us */
};

struct sc_actor_res {
	long long rv;
	int err;
	pid_t pid;
	uintptr_t addr;
	unsigned char seen, want;
};

unsigned char sc_shm_pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i + seed * 7u + i / 251) % 251 + 1);
}

static void sc_actor_main(void *arg)
{
	struct sc_actor *a = arg;
	if (a->drop)
		sc_priv_drop(a->drop);
	/* Dies with its parent: a killed case leaves no actor attached.
	 * (After the drop: changing credentials clears this setting.) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		struct sc_actor_cmd c;
		struct sc_actor_res r = {0};
		sc_chan_recv(&a->cmd, 0, &c, sizeof c, "the next command");
		r.pid = getpid();
		errno = 0;
		switch (c.op) {
		case SC_OP_GET:
			r.rv = shmget((key_t)c.key, c.size, c.flg);
			break;
		case SC_OP_AT: {
			void *p = shmat(c.id, NULL, c.flg);
			r.rv = p == (void *)-1 ? -1 : 0;
			if (p != (void *)-1)
				a->addr = p;
			r.addr = (uintptr_t)p;
			break;
		}
		case SC_OP_DT:
			r.rv = shmdt(a->addr);
			r.addr = (uintptr_t)a->addr;
			break;
		case SC_OP_FORK:
			/* The child inherits the attachment: and knows it. */
			c.child->addr = a->addr;
			c.child->forked = 0;
			a->forked = sc_spawn(sc_actor_main, c.child);
			r.rv = a->forked;
			break;
		case SC_OP_REAP:
			sc_wait_ok(a->forked);
			a->forked = 0;
			break;
		case SC_OP_FILL:
			for (size_t i = c.off; i < c.off + c.len; i++)
				a->addr[i] = (char)sc_shm_pattern(i, c.seed);
			break;
		case SC_OP_VERIFY:
			r.rv = -1;
			for (size_t i = c.off; i < c.off + c.len; i++) {
				unsigned char want = sc_shm_pattern(i, c.seed);
				if ((unsigned char)a->addr[i] != want) {
					r.rv = (long long)i;
					r.seen = (unsigned char)a->addr[i];
					r.want = want;
					break;
				}
			}
			break;
		case SC_OP_EXIT:
			/* Exit with every attachment still in place. */
			return;
		}
		r.err = errno;
		sc_chan_send(&a->reply, &r, sizeof r);
	}
}

void sc_actor_init(struct sc_actor *a, const char *role)
{
	memset(a, 0, sizeof *a);
	a->role = role;
	sc_chan_init(&a->cmd);
	sc_chan_init(&a->reply);
}

void sc_actor_start(struct sc_actor *a, const struct sc_priv_user *drop)
{
	a->drop = drop;
	a->pid = sc_spawn(sc_actor_main, a);
	a->started = true;
	sc_shm_role(a->pid, a->role);
}

static struct sc_actor_res
sc_actor_call(struct sc_actor *a, struct sc_actor_cmd *c, const char *what)
{
	struct sc_actor_res r;
	if (!a->started)
		SC_FAIL("harness misuse: actor %s was never started", a->role);
	sc_chan_send(&a->cmd, c, sizeof *c);
	/* If the actor ends before it replies (a failed check, a skip, a
	 * crash), its own verdict becomes the case's at once. */
	char doing[256];
	snprintf(doing, sizeof doing, "%s (pid %d) to do %s", a->role,
		 (int)a->pid, what);
	if (a->parent && !sc_await_either(SC_FILE, __LINE__, a->reply.fd[0],
					  a->pid, doing)) {
		/* Not our child: the actor that forked it reaps it, and its
		 * verdict passes up through that one. */
		struct sc_actor_cmd reap = {.op = SC_OP_REAP};
		sc_actor_call(a->parent, &reap, "the reaping of its child");
		SC_FAIL("%s (pid %d) exited before it did %s", a->role,
			(int)a->pid, what);
	}
	sc_chan_recv(&a->reply, a->parent ? 0 : a->pid, &r, sizeof r, doing);
	return r;
}

int sc_actor_shmget_try(struct sc_actor *a, key_t key, size_t size, int flg,
			int *err)
{
	struct sc_actor_cmd c = {
	    .op = SC_OP_GET, .key = key, .size = size, .flg = flg};
	struct sc_actor_res r = sc_actor_call(a, &c, "shmget");
	*err = r.err;
	/* Tracked here: the actor may be another user, who cannot write the
	 * case's ledger.  (An existing segment's line names the wrong
	 * creator: the cleanup leaves that one alone.) */
	if (r.rv >= 0 && (flg & IPC_CREAT))
		sc_shm_track((int)r.rv, key, r.pid);
	return (int)r.rv;
}

int sc_actor_shmget(struct sc_actor *a, key_t key, size_t size, int flg)
{
	int err;
	int id = sc_actor_shmget_try(a, key, size, flg, &err);
	if (id < 0)
		SC_FAIL("%s: shmget(0x%x, %zu, %s) in pid %d: expected "
			"success, observed failure with %s",
			a->role, (unsigned)key, size, sc_shm_flg_str(flg),
			(int)a->pid, sc_errno_name(err));
	return id;
}

int sc_actor_shmget_unique(struct sc_actor *a, size_t size, int mode,
			   key_t *key)
{
	for (int tries = 0; tries < 64; tries++) {
		key_t k = sc_random_key();
		int err;
		int id = sc_actor_shmget_try(a, k, size,
					     IPC_CREAT | IPC_EXCL | mode, &err);
		if (id >= 0) {
			*key = k;
			return id;
		}
		if (err != EEXIST)
			SC_FAIL("%s: shmget(0x%08x, %zu, IPC_CREAT|IPC_EXCL|"
				"0%o): expected a new segment, observed "
				"failure with %s",
				a->role, (unsigned)k, size, (unsigned)mode,
				sc_errno_name(err));
	}
	SC_FAIL("harness: 64 random keys all existed (EEXIST)");
}

char *sc_actor_shmat(struct sc_actor *a, int id, int flg)
{
	struct sc_actor_cmd c = {.op = SC_OP_AT, .id = id, .flg = flg};
	struct sc_actor_res r = sc_actor_call(a, &c, "shmat");
	if (r.rv < 0)
		SC_FAIL("%s: shmat(%d, NULL, 0%o) in pid %d: expected "
			"success, observed failure with %s",
			a->role, id, (unsigned)flg, (int)r.pid,
			sc_errno_name(r.err));
	return (char *)r.addr;
}

void sc_actor_shmdt(struct sc_actor *a)
{
	struct sc_actor_cmd c = {.op = SC_OP_DT};
	struct sc_actor_res r = sc_actor_call(a, &c, "shmdt");
	if (r.rv < 0)
		SC_FAIL("%s: shmdt(%p) in pid %d: expected success, observed "
			"failure with %s",
			a->role, (void *)r.addr, (int)r.pid,
			sc_errno_name(r.err));
}

void sc_actor_fork(struct sc_actor *a, struct sc_actor *child)
{
	struct sc_actor_cmd c = {.op = SC_OP_FORK, .child = child};
	struct sc_actor_res r = sc_actor_call(a, &c, "fork");
	child->pid = (pid_t)r.rv;
	child->parent = a;
	child->started = true;
	sc_shm_role(child->pid, child->role);
}

void sc_actor_fill(struct sc_actor *a, size_t off, size_t len, unsigned seed)
{
	struct sc_actor_cmd c = {
	    .op = SC_OP_FILL, .off = off, .len = len, .seed = seed};
	sc_actor_call(a, &c, "a write into the segment");
}

void sc_actor_verify(struct sc_actor *a, size_t off, size_t len, unsigned seed,
		     const char *what)
{
	struct sc_actor_cmd c = {
	    .op = SC_OP_VERIFY, .off = off, .len = len, .seed = seed};
	struct sc_actor_res r = sc_actor_call(a, &c, "a read of the segment");
	if (r.rv >= 0)
		SC_FAIL("%s, read by %s: expected byte 0x%02x at offset %lld, "
			"observed 0x%02x",
			what, a->role, r.want, r.rv, r.seen);
}

void sc_actor_exit(struct sc_actor *a)
{
	struct sc_actor_cmd c = {.op = SC_OP_EXIT};
	sc_chan_send(&a->cmd, &c, sizeof c);
	if (a->parent) {
		/* Its parent reaps it (and passes up its verdict). */
		struct sc_actor_cmd reap = {.op = SC_OP_REAP};
		sc_actor_call(a->parent, &reap, "the reaping of its child");
	} else {
		struct sc_outcome o = sc_wait(a->pid, SC_TIMEOUT_MS);
		char who[160];
		snprintf(who, sizeof who, "%s (pid %d) was told to exit; it",
			 a->role, (int)a->pid);
		sc_pass_up(&o, who);
	}
	a->started = false;
}
