/*
 * SHM-PERSIST: a System V segment lives in the kernel, not in a process: it
 * and its data outlive every process that created or attached it, until
 * IPC_RMID.  Proven the hard way: the creator and every attacher exit (and
 * are reaped), the case's own process never attaches, and then a process
 * started afterwards finds the segment by its key with the data intact.
 *
 * Where the environment breaks the claim the case fails and names the
 * cause: kernel.shm_rmid_forced=1 destroys a segment once its creator is
 * gone and nothing is attached.  (A segment also dies with its IPC
 * namespace, e.g. when a container exits: the namespace is in the notes.)
 *
 * Also here, for tests/t-sysv-leaks.sh only: a case that holds segments and
 * hangs until Kyua's timeout or a SIGKILL ends it, listed only when the
 * environment variable SHMCONFORM_SELFTEST_HANG=<timeout seconds> is set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

static void note_environment(int forced)
{
	char ns[64] = "?";
	ssize_t n = readlink("/proc/self/ns/ipc", ns, sizeof ns - 1);
	if (n > 0)
		ns[n] = '\0';
	sc_note("kernel.shm_rmid_forced = %d (/proc/sys/kernel/"
		"shm_rmid_forced; -1: unreadable); IPC namespace %s",
		forced, ns);
}

/* The segment must still be found by key: explain why if it is not. */
static int find_again(struct sc_actor *f, key_t key, int id, int forced,
		      const char *gone)
{
	int err;
	int found = sc_actor_shmget_try(f, key, 0, 0, &err);
	if (found >= 0)
		return found;
	if (forced == 1)
		SC_FAIL("the claim does not hold on this system: the segment "
			"(key 0x%08x, id %d) was destroyed after %s -- "
			"shmget(key) in a new process failed with %s -- "
			"because kernel.shm_rmid_forced = 1 here, which "
			"destroys every segment whose creator is gone once no "
			"process is attached",
			(unsigned)key, id, gone, sc_errno_name(err));
	SC_FAIL("shmget(key 0x%08x, 0, 0) in a new process after %s: "
		"expected the segment (id %d), observed failure with %s "
		"(kernel.shm_rmid_forced = %d)",
		(unsigned)key, gone, id, sc_errno_name(err), forced);
}

static void check_gone(pid_t pid, const char *role)
{
	SC_CHECK(kill(pid, 0) != 0 && errno == ESRCH,
		 "%s (pid %d): expected no such process any more, observed "
		 "it alive",
		 role, (int)pid);
}

/* Detects: a segment or its data lost when its creator or its last attacher
 * exits (not found by key, other id, data changed). */
SC_CASE(segment_and_data_outlive_every_process, SHM_PERSIST, SC_POSIX,
	"A segment and its data outlive the creator and every attacher: "
	"after all have exited, a new process finds it by key, data intact")
{
	int forced = sc_shm_rmid_forced();
	note_environment(forced);
	size_t size = 3 * sc_page_size() + 17;
	size_t half = size / 2;
	struct sc_actor c, b, f;
	sc_actor_init(&c, "C, the creator");
	sc_actor_init(&b, "B, an attacher");
	sc_actor_init(&f, "F, a process started after the others exited");
	sc_actor_start(&c, NULL);
	sc_actor_start(&b, NULL);

	/* C creates, attaches and writes; B attaches, checks, writes. */
	key_t key;
	int id = sc_actor_shmget_unique(&c, size, 0600, &key);
	sc_actor_shmat(&c, id, 0);
	sc_actor_fill(&c, 0, size, 11);
	sc_actor_shmat(&b, id, 0);
	sc_actor_verify(&b, 0, size, 11, "C's data");
	sc_actor_fill(&b, half, size - half, 12);
	/* Both exit attached: the creator first, then the last attacher. */
	pid_t cpid = c.pid, bpid = b.pid;
	sc_actor_exit(&c);
	sc_actor_exit(&b);
	check_gone(cpid, c.role);
	check_gone(bpid, b.role);

	sc_actor_start(&f, NULL);
	int found = find_again(&f, key, id, forced,
			       "its creator and its last attacher exited");
	SC_CHECK_EQ(found, id,
		    "the id shmget(key) finds after every process "
		    "exited");
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0, "shm_nattch with every attacher gone");
	SC_CHECK_PID(ds.shm_cpid, cpid, "shm_cpid of the surviving segment");
	sc_actor_shmat(&f, id, SHM_RDONLY);
	sc_actor_verify(&f, 0, half, 11,
			"C's data, after every process "
			"exited");
	sc_actor_verify(&f, half, size - half, 12,
			"B's data, after every process exited");
	sc_actor_exit(&f);
}

/* Detects: a segment removed when its creator exits without ever attaching
 * it. */
SC_CASE(segment_outlives_creator_that_never_attached, SHM_PERSIST, SC_POSIX,
	"A segment its creator never attached outlives the creator: a new "
	"process finds it by key")
{
	int forced = sc_shm_rmid_forced();
	note_environment(forced);
	struct sc_actor c, f;
	sc_actor_init(&c, "C, the creator");
	sc_actor_init(&f, "F, a process started after C exited");
	sc_actor_start(&c, NULL);
	key_t key;
	int id = sc_actor_shmget_unique(&c, sc_page_size(), 0600, &key);
	pid_t cpid = c.pid;
	sc_actor_exit(&c);
	check_gone(cpid, c.role);
	sc_actor_start(&f, NULL);
	int found = find_again(&f, key, id, forced, "its creator exited");
	SC_CHECK_EQ(found, id, "the id shmget(key) finds after C exited");
	sc_actor_exit(&f);
}

/* ---- test-only: a case that hangs holding segments --------------------- */

static const char *hang_seconds(void)
{
	const char *s = getenv("SHMCONFORM_SELFTEST_HANG");
	return s && atoi(s) > 0 ? s : NULL;
}

static void hold_and_sleep(void *arg)
{
	int *ids = arg;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sc_shm_at(ids[0], NULL, 0);
	sc_shm_at(ids[1], NULL, 0);
	sleep((unsigned)atoi(hang_seconds()) * 3);
}

ATF_TC_WITH_CLEANUP(selftest_hang_holding_segments);
ATF_TC_HEAD(selftest_hang_holding_segments, tc)
{
	sc_head(tc, SC_CLAIM_SHM_PERSIST, SC_OBSERVED,
		"Self-test only (SHMCONFORM_SELFTEST_HANG): holds segments and "
		"hangs until its timeout; its cleanup must remove them",
		false);
	atf_tc_set_md_var(tc, "timeout", "%s", hang_seconds());
}
ATF_TC_CLEANUP(selftest_hang_holding_segments, tc)
{
	sc_cleanup_case(tc);
}
ATF_TC_BODY(selftest_hang_holding_segments, tc)
{
	sc_begin(tc, "selftest_hang_holding_segments", SC_CLAIM_SHM_PERSIST,
		 SC_OBSERVED);
	key_t key;
	static int ids[2];
	ids[0] = sc_shm_new(sc_page_size(), 0600);
	ids[1] = sc_shm_new_keyed(sc_page_size(), 0600, &key);
	sc_shm_at(ids[0], NULL, 0);
	sc_shm_at(ids[1], NULL, 0);
	pid_t child = sc_spawn(hold_and_sleep, ids);
	printf("selftest: holding segments %d and %d (key 0x%08x), child "
	       "%d\n",
	       ids[0], ids[1], (unsigned)key, (int)child);
	fflush(stdout);
	/* Bounded even without Kyua: three times the timeout. */
	sleep((unsigned)atoi(hang_seconds()) * 3);
	SC_FAIL("self-test case was not ended by its %s s timeout",
		hang_seconds());
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, segment_and_data_outlive_every_process);
	SC_ADD(tp, segment_outlives_creator_that_never_attached);
	if (hang_seconds())
		SC_ADD(tp, selftest_hang_holding_segments);
	return atf_no_error();
}
