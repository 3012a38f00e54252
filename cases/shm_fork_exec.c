/*
 * EXT-FORK-EXEC (beyond the tutorial): System V attachments across fork,
 * exec and exit.  A fork child inherits its parent's attachments, at the
 * same addresses (shm_nattch counts it); exec and exit detach.
 *
 * The exec case re-executes this very program (found through
 * /proc/self/exe) with "--sc-exec-probe": a constructor catches that
 * argument before ATF's main, reports that the new image runs, and waits to
 * be released -- so the case can read shmid_ds while the exec'd process is
 * alive, proving the detach came from exec and not from exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

#define PROBE_ARG "--sc-exec-probe"

/* The exec'd image: "prog --sc-exec-probe READY_FD HOLD_FD". */
__attribute__((constructor)) static void exec_probe(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[1], PROBE_ARG) != 0)
		return;
	int ready = atoi(argv[2]), hold = atoi(argv[3]);
	char c = 'R';
	if (write(ready, &c, 1) != 1)
		_exit(2);
	/* Until the case releases us (or goes away: end of pipe). */
	struct pollfd pfd = {.fd = hold, .events = POLLIN};
	_exit(poll(&pfd, 1, 2 * SC_TIMEOUT_MS) == 1 ? 0 : 3);
}

struct fork_arg {
	int id;
	char *p;
	struct sc_event ready, go;
};

static void inheriting_child(void *arg)
{
	struct fork_arg *a = arg;
	SC_CHECK_EQ(a->p[0], 'P',
		    "byte 0 read by the fork child at the parent's attach "
		    "address");
	a->p[1] = 'C';
	sc_event_post(&a->ready);
	sc_event_wait(&a->go, 0, "the parent's go");
}

/* Detects: an attachment that a fork child does not inherit at the same
 * address, or that is a private copy in either direction. */
SC_CASE(fork_child_inherits_attachment, EXT_FORK_EXEC, SC_POSIX,
	"A fork child has its parent's attachment at the same address: it "
	"reads the parent's data there, and the parent sees its writes")
{
	struct fork_arg a;
	a.id = sc_shm_new(sc_page_size(), 0600);
	a.p = sc_shm_at(a.id, NULL, 0);
	a.p[0] = 'P';
	sc_event_init(&a.ready);
	sc_event_init(&a.go);
	pid_t pid = sc_spawn(inheriting_child, &a);
	sc_event_wait(&a.ready, pid, "the fork child's read and write");
	SC_CHECK_EQ(a.p[1], 'C',
		    "byte 1 written by the fork child, read by the parent");
	sc_event_post(&a.go);
	sc_wait_ok(pid);
	sc_shm_dt(a.p);
}

/* Detects: a fork child's inherited attachment not counted in shm_nattch, or
 * not uncounted when the child exits. */
SC_CASE(fork_child_counts_in_nattch, EXT_FORK_EXEC, SC_POSIX,
	"shm_nattch counts a fork child's inherited attachment: 1 before the "
	"fork, 2 while the child lives, 1 after it exits")
{
	struct fork_arg a;
	a.id = sc_shm_new(sc_page_size(), 0600);
	a.p = sc_shm_at(a.id, NULL, 0);
	a.p[0] = 'P';
	sc_event_init(&a.ready);
	sc_event_init(&a.go);
	struct shmid_ds ds;
	sc_shm_stat(a.id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch before the fork");
	pid_t pid = sc_spawn(inheriting_child, &a);
	sc_event_wait(&a.ready, pid, "the fork child");
	sc_shm_stat(a.id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 2, "shm_nattch while the fork child lives");
	sc_event_post(&a.go);
	sc_wait_ok(pid);
	sc_shm_stat(a.id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch after the fork child exited");
	a.p[0] = 'Q'; /* the parent's attachment is untouched */
	sc_shm_dt(a.p);
}

/* Detects: a fork that Linux does not record as an attach by the parent:
 * shm_nattch, shm_lpid or shm_atime unchanged by it. */
SC_CASE(fork_sets_lpid_and_atime_to_forking_parent, EXT_FORK_EXEC, SC_OBSERVED,
	"Linux counts fork as an attach made by the parent: shm_lpid becomes "
	"the forking parent's pid and shm_atime the time of the fork")
{
	struct sc_actor a, d, b;
	sc_actor_init(&a, "A, the forking parent");
	sc_actor_init(&d, "D, A's fork child");
	sc_actor_init(&b, "B, who attached and detached last");
	sc_actor_start(&a, NULL);
	sc_actor_start(&b, NULL);
	sc_shm_role(getpid(), "O, the observer");
	int id = sc_shm_new(sc_page_size(), 0600);
	sc_actor_shmat(&a, id, 0);
	sc_actor_shmat(&b, id, 0);
	sc_actor_shmdt(&b);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_PID(ds.shm_lpid, b.pid, "shm_lpid before the fork");
	/* The fork in a later second than A's attach. */
	time_t t0 = sc_wait_next_second(ds.shm_atime);
	sc_actor_fork(&a, &d);
	time_t t1 = time(NULL);
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 2, "shm_nattch after A forked D");
	SC_CHECK_PID(ds.shm_lpid, a.pid, "shm_lpid after A forked D");
	SC_CHECK_TIME(ds.shm_atime, t0, t1, "shm_atime after A forked D");
	sc_actor_exit(&d);
	sc_actor_exit(&a);
	sc_actor_exit(&b);
}

/* Detects: an exit that does not detach: shm_nattch not dropping, shm_lpid
 * not the exiting process, shm_dtime not the exit's time. */
SC_CASE(exit_detaches_attachment, EXT_FORK_EXEC, SC_POSIX,
	"A process that exits attached is detached by the exit: shm_nattch "
	"drops, shm_lpid is its pid, shm_dtime the time of the exit")
{
	struct sc_actor a;
	sc_actor_init(&a, "A, exits attached");
	sc_actor_start(&a, NULL);
	int id = sc_shm_new(sc_page_size(), 0600);
	sc_actor_shmat(&a, id, 0);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch with A attached");
	pid_t pid = a.pid;
	time_t t0 = time(NULL);
	sc_actor_exit(&a);
	time_t t1 = time(NULL);
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0, "shm_nattch after A exited attached");
	SC_CHECK_PID(ds.shm_lpid, pid, "shm_lpid after A exited attached");
	SC_CHECK_TIME(ds.shm_dtime, t0, t1, "shm_dtime after A exited");
}

struct exec_arg {
	int id;
	struct sc_event ready, hold; /* raw bytes: they cross the exec */
	char self[PATH_MAX];
};

static void exec_child(void *p)
{
	struct exec_arg *e = p;
	sc_shm_at(e->id, NULL, 0);
	char c = 'A';
	if (write(e->ready.fd[1], &c, 1) != 1)
		SC_FAIL("harness: write: %s", sc_errno_name(errno));
	/* Exec only once the parent has seen the attachment counted. */
	sc_event_wait(&e->hold, 0, "the parent's go to exec");
	/* Only these two survive the exec. */
	SC_CHECK_OK(fcntl(e->ready.fd[1], F_SETFD, 0));
	SC_CHECK_OK(fcntl(e->hold.fd[0], F_SETFD, 0));
	char rfd[16], hfd[16];
	snprintf(rfd, sizeof rfd, "%d", e->ready.fd[1]);
	snprintf(hfd, sizeof hfd, "%d", e->hold.fd[0]);
	char *argv[] = {e->self, PROBE_ARG, rfd, hfd, NULL};
	execv(e->self, argv);
	SC_FAIL("execv(%s): %s", e->self, sc_errno_name(errno));
}

/* Detects: an exec that keeps the attachment: shm_nattch not 0 while the new
 * image runs, or shm_lpid or shm_dtime not set by the exec. */
SC_CASE(exec_detaches_attachment, EXT_FORK_EXEC, SC_POSIX,
	"exec detaches the process's attachments: while the new image runs, "
	"shm_nattch is 0 and shm_lpid is the exec'ing process")
{
	static struct exec_arg e;
	ssize_t n = readlink("/proc/self/exe", e.self, sizeof e.self - 1);
	if (n <= 0)
		SC_SKIP("cannot find this program: readlink(/proc/self/exe) "
			"failed with %s",
			sc_errno_name(errno));
	e.self[n] = '\0';
	e.id = sc_shm_new(sc_page_size(), 0600);
	sc_event_init(&e.ready);
	sc_event_init(&e.hold);
	pid_t pid = sc_spawn(exec_child, &e);
	sc_shm_role(pid, "X, attaches then execs");
	char c = sc_event_wait(&e.ready, pid, "the child's attach");
	SC_CHECK_EQ(c, 'A', "first byte from the child");
	struct shmid_ds ds;
	sc_shm_stat(e.id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch with the child attached");
	time_t t0 = time(NULL);
	sc_event_post(&e.hold);
	c = sc_event_wait(&e.ready, pid, "the exec'd image to run");
	time_t t1 = time(NULL);
	SC_CHECK_EQ(c, 'R', "byte from the exec'd image");
	sc_shm_stat(e.id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0,
		    "shm_nattch while the exec'd image runs (not exited)");
	SC_CHECK_PID(ds.shm_lpid, pid, "shm_lpid after the exec");
	SC_CHECK_TIME(ds.shm_dtime, t0, t1, "shm_dtime after the exec");
	SC_CHECK(!sc_ended(pid),
		 "the exec'd process: expected it still running when shmid_ds "
		 "was read, observed it had ended");
	sc_event_post(&e.hold);
	sc_wait_ok(pid);
	sc_event_close(&e.ready);
	sc_event_close(&e.hold);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, fork_child_inherits_attachment);
	SC_ADD(tp, fork_child_counts_in_nattch);
	SC_ADD(tp, fork_sets_lpid_and_atime_to_forking_parent);
	SC_ADD(tp, exit_detaches_attachment);
	SC_ADD(tp, exec_detaches_attachment);
	return atf_no_error();
}
