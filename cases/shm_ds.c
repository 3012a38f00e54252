/*
 * SHMID-DS: what each field of struct shmid_ds records, proven across
 * processes.  One scripted scenario, run by the case's process O (the
 * observer: it never attaches, it only reads shmid_ds between steps):
 *
 *   1 create   C creates the segment (mode 0640), then exits
 *   2 attach   A attaches
 *   3 fork     A forks D, which inherits the attachment
 *   4 detach   D detaches with shmdt (D never called shmat)
 *   5 attach   B, an unrelated process, attaches
 *   6 exit     A exits without shmdt (exit detaches)
 *   7 detach   B detaches with shmdt
 *   8 stat     O reads shmid_ds (an IPC_STAT changes nothing)
 *   9 set      O changes the mode with IPC_SET
 *
 * Every step is bracketed by time() before and after; a case that must show
 * which event a time belongs to waits for the next second before that step
 * (sc_wait_next_second: until time() ticks, at most one boundary per case;
 * a case that needs two runs the scenario twice at once).  Errata checked here:
 * shm_ctime is the last change (IPC_SET), not only creation; shm_lpid is the
 * last shmat or shmdt, not only the last detach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"
#include "sc_priv.h"
#include "sc_shm.h"

enum step {
	S_CREATE,
	S_ATTACH_A,
	S_FORK_D,
	S_DETACH_D,
	S_ATTACH_B,
	S_EXIT_A,
	S_DETACH_B,
	S_STAT_O,
	S_SET_O,
	S_COUNT
};

static const char *const step_name[S_COUNT] = {
    "step 1 (C creates, then exits)",
    "step 2 (A attaches)",
    "step 3 (A forks D, which inherits the attach)",
    "step 4 (D detaches with shmdt)",
    "step 5 (B attaches)",
    "step 6 (A exits without shmdt)",
    "step 7 (B detaches with shmdt)",
    "step 8 (O reads shmid_ds with IPC_STAT)",
    "step 9 (O changes the mode with IPC_SET)",
};

#define BIT(s) (1u << (s))

struct script {
	int id;
	size_t size;
	pid_t c, a, d, b;
	uid_t c_uid;
	gid_t c_gid;
	bool c_dropped;
	struct shmid_ds ds[S_COUNT];
	time_t lo[S_COUNT], hi[S_COUNT];
	int done; /* steps run */
};

/* Read shmid_ds after step s (and leave a line of context). */
static void snap(struct script *sc, enum step s, time_t lo)
{
	sc->lo[s] = lo;
	sc->hi[s] = time(NULL);
	sc_shm_stat(sc->id, &sc->ds[s]);
	const struct shmid_ds *d = &sc->ds[s];
	sc_note("%s in [%lld, %lld]: nattch %lu cpid %d lpid %d atime %lld "
		"dtime %lld ctime %lld mode 0%o",
		step_name[s], (long long)lo, (long long)sc->hi[s],
		(unsigned long)d->shm_nattch, (int)d->shm_cpid,
		(int)d->shm_lpid, (long long)d->shm_atime,
		(long long)d->shm_dtime, (long long)d->shm_ctime,
		(unsigned)d->shm_perm.mode);
	sc->done = (int)s + 1;
}

/* time() at the start of step s: after the next second if asked. */
static time_t start(const struct script *sc, enum step s, unsigned waits)
{
	time_t now = time(NULL);
	if (waits & BIT(s))
		return sc_wait_next_second(s > 0 ? sc->hi[s - 1] : now);
	return now;
}

/*
 * Run the scenario up to and including step last.  waits: the steps to
 * begin in a new second.  drop_creator: C runs as an unprivileged user
 * when that is possible here.
 */
static void run(struct script *sc, enum step last, unsigned waits,
		bool drop_creator)
{
	memset(sc, 0, sizeof *sc);
	sc->size = sc_page_size() + 100;
	struct sc_actor c, a, d, b;
	sc_actor_init(&c, "C, the creator");
	sc_actor_init(&d, "D, A's fork child, the detacher");
	sc_actor_init(&a, "A, the attacher");
	sc_actor_init(&b, "B, the second attacher");
	sc_shm_role(getpid(), "O, the observer");

	struct sc_priv_user u;
	char why[512] = "";
	sc->c_uid = geteuid();
	sc->c_gid = getegid();
	/* C's segment (0640) is "other" to A, B and O: they attach and read
	 * it only with CAP_IPC_OWNER; O's IPC_SET (step 9) of a segment it
	 * neither owns nor created needs CAP_SYS_ADMIN. */
	if (!sc_priv_has_cap(SC_CAP_IPC_OWNER))
		snprintf(why, sizeof why,
			 "this process lacks CAP_IPC_OWNER (to attach and read "
			 "a segment of another user)");
	else if (last >= S_SET_O && !sc_priv_has_cap(SC_CAP_SYS_ADMIN))
		snprintf(why, sizeof why,
			 "this process lacks CAP_SYS_ADMIN (to IPC_SET a "
			 "segment of another user)");
	if (drop_creator && !why[0] && sc_priv_can_switch() &&
	    sc_priv_target_try(&u, why, sizeof why)) {
		sc->c_dropped = true;
		sc->c_uid = u.uid;
		sc->c_gid = u.gid;
	} else if (drop_creator) {
		sc_note("C runs as this process's user: %s",
			why[0] || sc_priv_can_switch()
			    ? why
			    : "no CAP_SETUID and CAP_SETGID to run it as "
			      "another user");
	}
	sc_actor_start(&c, sc->c_dropped ? &u : NULL);
	sc_actor_start(&a, NULL); /* after d's init: a forks it */
	sc_actor_start(&b, NULL);
	sc->c = c.pid;
	sc->a = a.pid;
	sc->b = b.pid;

	time_t lo = start(sc, S_CREATE, waits);
	sc->id = sc_actor_shmget(&c, IPC_PRIVATE, sc->size, IPC_CREAT | 0640);
	/* C never attached: its exit changes nothing but who is alive. */
	sc_actor_exit(&c);
	snap(sc, S_CREATE, lo);
	if (last == S_CREATE)
		goto out;

	lo = start(sc, S_ATTACH_A, waits);
	sc_actor_shmat(&a, sc->id, 0);
	snap(sc, S_ATTACH_A, lo);
	if (last == S_ATTACH_A)
		goto out;

	lo = start(sc, S_FORK_D, waits);
	sc_actor_fork(&a, &d);
	sc->d = d.pid;
	snap(sc, S_FORK_D, lo);
	if (last == S_FORK_D)
		goto out;

	lo = start(sc, S_DETACH_D, waits);
	sc_actor_shmdt(&d);
	snap(sc, S_DETACH_D, lo);
	/* D holds nothing now: its exit changes nothing. */
	sc_actor_exit(&d);
	if (last == S_DETACH_D)
		goto out;

	lo = start(sc, S_ATTACH_B, waits);
	sc_actor_shmat(&b, sc->id, 0);
	snap(sc, S_ATTACH_B, lo);
	if (last == S_ATTACH_B)
		goto out;

	lo = start(sc, S_EXIT_A, waits);
	sc_actor_exit(&a);
	snap(sc, S_EXIT_A, lo);
	if (last == S_EXIT_A)
		goto out;

	lo = start(sc, S_DETACH_B, waits);
	sc_actor_shmdt(&b);
	snap(sc, S_DETACH_B, lo);
	if (last == S_DETACH_B)
		goto out;

	lo = start(sc, S_STAT_O, waits);
	struct shmid_ds tmp;
	sc_shm_stat(sc->id, &tmp);
	snap(sc, S_STAT_O, lo);
	if (last == S_STAT_O)
		goto out;

	lo = start(sc, S_SET_O, waits);
	sc_shm_set(sc->id, sc->c_uid, sc->c_gid, 0600);
	snap(sc, S_SET_O, lo);
out:
	if (b.started)
		sc_actor_exit(&b);
	if (a.started)
		sc_actor_exit(&a);
}

static void what(char *buf, size_t len, const char *field, enum step s)
{
	snprintf(buf, len, "%s after %s", field, step_name[s]);
}

/* ---- the columns of the script ------------------------------------------
 * Each check_* verifies one field at every step run, against who did what
 * when. */

static void check_cpid(const struct script *sc)
{
	char w[160];
	for (int s = 0; s < sc->done; s++) {
		what(w, sizeof w, "shm_cpid", (enum step)s);
		SC_CHECK_PID(sc->ds[s].shm_cpid, sc->c, w);
	}
}

static void check_lpid(const struct script *sc, bool attaches, bool detaches,
		       bool others)
{
	/* Who called shmat or shmdt last; the fork (step 3) is checked in
	 * shm_fork_exec.c, and steps after it do not depend on it. */
	const pid_t last[S_COUNT] = {0,	    sc->a, -1,	  sc->d, sc->b,
				     sc->a, sc->b, sc->b, sc->b};
	const bool is_at[S_COUNT] = {false, true,  false, false, true,
				     false, false, false, false};
	const bool is_dt[S_COUNT] = {false, false, false, true, false,
				     true,  true,  false, false};
	char w[160];
	for (int s = 0; s < sc->done; s++) {
		if (last[s] < 0)
			continue;
		bool want = (is_at[s] && attaches) || (is_dt[s] && detaches) ||
			    (!is_at[s] && !is_dt[s] && others);
		if (!want)
			continue;
		what(w, sizeof w, "shm_lpid", (enum step)s);
		SC_CHECK_PID(sc->ds[s].shm_lpid, last[s], w);
	}
}

static void check_nattch(const struct script *sc)
{
	const unsigned long n[S_COUNT] = {0, 1, 2, 1, 2, 1, 0, 0, 0};
	char w[160];
	for (int s = 0; s < sc->done; s++) {
		what(w, sizeof w, "shm_nattch", (enum step)s);
		SC_CHECK_EQ(sc->ds[s].shm_nattch, n[s], w);
	}
}

/* A time field: set by the steps in sets (within their bracket), 0 before
 * the first, unchanged by every other step.  If fork_may_set, step 3 may
 * set it or not (Linux runs the child's attach as an attach: see
 * shm_fork_exec.c); later steps compare with its value. */
static void check_time(const struct script *sc, const char *field,
		       size_t offset, unsigned sets, bool zero_first,
		       bool fork_may_set)
{
	char w[160];
	bool seen = !zero_first;
	for (int s = 0; s < sc->done; s++) {
		time_t t = *(const time_t *)((const char *)&sc->ds[s] + offset);
		what(w, sizeof w, field, (enum step)s);
		if (sets & BIT(s)) {
			SC_CHECK_TIME(t, sc->lo[s], sc->hi[s], w);
			seen = true;
		} else if (s == S_FORK_D && fork_may_set) {
			continue;
		} else if (!seen) {
			SC_CHECK_EQ(t, 0, w);
		} else {
			time_t prev =
			    *(const time_t *)((const char *)&sc->ds[s - 1] +
					      offset);
			if (t != prev)
				SC_FAIL(
				    "%s: expected %lld, unchanged since the "
				    "step before, observed %lld",
				    w, (long long)prev, (long long)t);
		}
	}
}

static void check_atime(const struct script *sc)
{
	check_time(sc, "shm_atime", offsetof(struct shmid_ds, shm_atime),
		   BIT(S_ATTACH_A) | BIT(S_ATTACH_B), true, true);
}

static void check_dtime(const struct script *sc)
{
	check_time(sc, "shm_dtime", offsetof(struct shmid_ds, shm_dtime),
		   BIT(S_DETACH_D) | BIT(S_EXIT_A) | BIT(S_DETACH_B), true,
		   false);
}

static void check_ctime(const struct script *sc)
{
	check_time(sc, "shm_ctime", offsetof(struct shmid_ds, shm_ctime),
		   BIT(S_CREATE) | BIT(S_SET_O), false, false);
}

static void check_perm(const struct script *sc)
{
	char w[160];
	for (int s = 0; s < sc->done; s++) {
		const struct ipc_perm *p = &sc->ds[s].shm_perm;
		what(w, sizeof w, "shm_perm.cuid (C's euid)", (enum step)s);
		SC_CHECK_EQ(p->cuid, sc->c_uid, w);
		what(w, sizeof w, "shm_perm.uid (C's euid)", (enum step)s);
		SC_CHECK_EQ(p->uid, sc->c_uid, w);
		what(w, sizeof w, "shm_perm.cgid (C's egid)", (enum step)s);
		SC_CHECK_EQ(p->cgid, sc->c_gid, w);
		what(w, sizeof w, "shm_perm.gid (C's egid)", (enum step)s);
		SC_CHECK_EQ(p->gid, sc->c_gid, w);
		unsigned mode = s == S_SET_O ? 0600 : 0640;
		SC_CHECK(p->mode == mode,
			 "shm_perm.mode after %s: expected 0%o, observed 0%o",
			 step_name[s], mode, (unsigned)p->mode);
	}
}

static void check_segsz(const struct script *sc)
{
	char w[160];
	for (int s = 0; s < sc->done; s++) {
		what(w, sizeof w, "shm_segsz", (enum step)s);
		SC_CHECK_EQ(sc->ds[s].shm_segsz, sc->size, w);
	}
}

/*
 * A check that needs two second boundaries in one scenario: the scenario
 * runs twice at the same time, in two children, each waiting at one of
 * them, so the case waits for one boundary, not two.  Each run checks; a
 * failure in either is the case's.
 */
struct half {
	void (*check)(const struct script *sc);
	unsigned waits;
};

static void run_half(void *arg)
{
	const struct half *h = arg;
	struct script sc;
	run(&sc, S_SET_O, h->waits, false);
	h->check(&sc);
}

static void run_twice_at_once(void (*check)(const struct script *sc),
			      unsigned waits1, unsigned waits2)
{
	struct half h1 = {check, waits1}, h2 = {check, waits2};
	pid_t p1 = sc_spawn(run_half, &h1);
	pid_t p2 = sc_spawn(run_half, &h2);
	sc_wait_ok(p1);
	sc_wait_ok(p2);
}

/* ---- cases ------------------------------------------------------------- */

/* Detects: any shmid_ds field (segsz, perm, cpid, lpid, nattch, atime,
 * dtime, ctime) that does not follow who did what at one of the script's
 * steps. */
SC_CASE(bookkeeping_follows_creator_attacher_detacher, SHMID_DS, SC_POSIX,
	"Across creator C, attacher A, detacher D (A's fork child), second "
	"attacher B and observer O, every shmid_ds field follows who did "
	"what when")
{
	struct script sc;
	run(&sc, S_SET_O, 0, true);
	check_segsz(&sc);
	check_perm(&sc);
	check_cpid(&sc);
	check_lpid(&sc, true, true, true);
	check_nattch(&sc);
	check_atime(&sc);
	check_dtime(&sc);
	check_ctime(&sc);
}

/* Detects: a new segment whose shm_nattch, shm_lpid, shm_atime or shm_dtime
 * is not 0. */
SC_CASE(new_segment_has_no_attach_history, SHMID_DS, SC_POSIX,
	"A new segment has shm_nattch, shm_lpid, shm_atime and shm_dtime 0")
{
	struct script sc;
	run(&sc, S_CREATE, 0, false);
	SC_CHECK_EQ(sc.ds[S_CREATE].shm_nattch, 0,
		    "shm_nattch of a new segment");
	SC_CHECK_PID(sc.ds[S_CREATE].shm_lpid, 0, "shm_lpid of a new segment");
	SC_CHECK_EQ(sc.ds[S_CREATE].shm_atime, 0, "shm_atime of a new segment");
	SC_CHECK_EQ(sc.ds[S_CREATE].shm_dtime, 0, "shm_dtime of a new segment");
}

/* Detects: shm_cpid that is not the creator's pid at any step, also after
 * the creator exited. */
SC_CASE(cpid_is_creator_after_it_exits, SHMID_DS, SC_POSIX,
	"shm_cpid is the creating process's pid, also after it exited and "
	"others attached and detached")
{
	struct script sc;
	run(&sc, S_SET_O, 0, false);
	check_cpid(&sc);
}

/* Detects: shm_lpid not set by shmat (the tutorial's reading: only detaches
 * set it). */
SC_CASE(lpid_is_last_shmat_caller, SHMID_DS, SC_POSIX,
	"Erratum: shm_lpid is set by shmat too: after an attach it is the "
	"attacher's pid, not the last detacher's")
{
	struct script sc;
	run(&sc, S_ATTACH_B, 0, false);
	check_lpid(&sc, true, false, false);
}

/* Detects: shm_lpid after a detach (shmdt, or exit) that is not the
 * detaching process. */
SC_CASE(lpid_is_last_shmdt_caller, SHMID_DS, SC_POSIX,
	"shm_lpid after a detach (shmdt, or exit) is the pid of the process "
	"that detached")
{
	struct script sc;
	run(&sc, S_DETACH_B, 0, false);
	check_lpid(&sc, false, true, false);
}

/* Detects: shm_lpid moved by another process's IPC_STAT or IPC_SET. */
SC_CASE(lpid_unchanged_by_stat_and_set, SHMID_DS, SC_POSIX,
	"IPC_STAT and IPC_SET by another process leave shm_lpid alone")
{
	struct script sc;
	run(&sc, S_SET_O, 0, false);
	check_lpid(&sc, false, false, true);
}

/* Detects: shm_nattch that misses an attach, fork, detach or exit of some
 * process. */
SC_CASE(nattch_counts_attachments_of_all_processes, SHMID_DS, SC_POSIX,
	"shm_nattch counts the attachments of all processes: shmat, fork, "
	"shmdt and exit move it")
{
	struct script sc;
	run(&sc, S_SET_O, 0, false);
	check_nattch(&sc);
}

/* Detects: shm_atime not moved by a later attach, or moved by a detach. */
SC_CASE(atime_is_last_attach_time, SHMID_DS, SC_POSIX,
	"shm_atime is the time of the last shmat (a later attach moves it), "
	"untouched by detaches")
{
	/* B's attach in a later second than A's shows "last"; B's detach in
	 * a later second than B's attach shows detaching leaves it. */
	run_twice_at_once(check_atime, BIT(S_ATTACH_B), BIT(S_DETACH_B));
}

/* Detects: shm_dtime not moved by a detach (shmdt or exit), or moved by an
 * attach. */
SC_CASE(dtime_is_last_detach_time, SHMID_DS, SC_POSIX,
	"shm_dtime is the time of the last detach (shmdt or exit), untouched "
	"by attaches")
{
	/* D's detach sets dtime from 0.  B's attach in a later second than
	 * D's detach shows an attach leaves dtime and A's exit moves it; B's
	 * detach in a later second than A's exit shows it moves it again. */
	run_twice_at_once(check_dtime, BIT(S_ATTACH_B), BIT(S_DETACH_B));
}

/* Detects: shm_ctime moved by an attach, detach or IPC_STAT. */
SC_CASE(ctime_unchanged_by_attach_and_detach, SHMID_DS, SC_POSIX,
	"shm_ctime, set at creation, is not moved by attaches, detaches or "
	"IPC_STAT")
{
	struct script sc;
	/* Everything after creation happens in a later second: any step
	 * that moved shm_ctime would show. */
	run(&sc, S_STAT_O, BIT(S_ATTACH_A), false);
	check_ctime(&sc);
}

/* Detects: shm_ctime not moved by IPC_SET (the tutorial's reading: creation
 * time only). */
SC_CASE(ctime_is_last_change_time, SHMID_DS, SC_POSIX,
	"Erratum: shm_ctime is the time of the last change -- an IPC_SET "
	"moves it -- not only the creation time")
{
	struct script sc;
	run(&sc, S_SET_O, BIT(S_SET_O), false);
	SC_CHECK_TIME(sc.ds[S_CREATE].shm_ctime, sc.lo[S_CREATE],
		      sc.hi[S_CREATE], "shm_ctime after step 1 (creation)");
	SC_CHECK_TIME(sc.ds[S_SET_O].shm_ctime, sc.lo[S_SET_O], sc.hi[S_SET_O],
		      "shm_ctime after step 9 (IPC_SET)");
}

/* Detects: shm_perm.cuid, uid, cgid or gid (or mode) that is not the
 * creator's effective ids (and the mode it asked), at any step. */
SC_CASE(perm_ids_are_creators_effective_ids, SHMID_DS, SC_POSIX,
	"shm_perm.cuid/uid and cgid/gid are the creator's effective ids (C "
	"runs as an unprivileged user when possible), whoever reads them")
{
	struct script sc;
	run(&sc, S_STAT_O, 0, true);
	if (!sc.c_dropped)
		sc_note("C ran as the observer's own user: the ids cannot be "
			"told apart from the observer's");
	check_perm(&sc);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, bookkeeping_follows_creator_attacher_detacher);
	SC_ADD(tp, new_segment_has_no_attach_history);
	SC_ADD(tp, cpid_is_creator_after_it_exits);
	SC_ADD(tp, lpid_is_last_shmat_caller);
	SC_ADD(tp, lpid_is_last_shmdt_caller);
	SC_ADD(tp, lpid_unchanged_by_stat_and_set);
	SC_ADD(tp, nattch_counts_attachments_of_all_processes);
	SC_ADD(tp, atime_is_last_attach_time);
	SC_ADD(tp, dtime_is_last_detach_time);
	SC_ADD(tp, ctime_unchanged_by_attach_and_detach);
	SC_ADD(tp, ctime_is_last_change_time);
	SC_ADD(tp, perm_ids_are_creators_effective_ids);
	return atf_no_error();
}
