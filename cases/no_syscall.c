/*
 * NO-SYSCALL: once the mapping exists, data moves through it with plain
 * loads and stores, no system calls.  Shown with a child in seccomp strict
 * mode, where any system call but read, write, exit and sigreturn kills it
 * with SIGKILL, and which has closed every descriptor first, so read and
 * write have nothing to act on: the mapping is its only channel.
 *
 * The exchange itself is synchronised through the shared memory (atomic
 * sequence numbers): it is the behaviour under test, and the child can use
 * nothing else.  Every wait of the parent is bounded; the child spins until
 * the parent ends the exchange or the harness kills it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"

#define MSG_LEN 1000 /* bytes per message: any size, not a page */
#define ROUNDS 200
#define SEQ_DONE 0xFFFFFFFFu

enum { ST_START, ST_READY, ST_SETUP_FAILED };

/* The shared page(s): parent writes in[] and seq = 2r+1; the child answers
 * in out[] and seq = 2r+2. */
struct exchange {
	_Atomic unsigned state; /* ST_* */
	_Atomic int setup_errno;
	_Atomic unsigned seq;
	unsigned char in[MSG_LEN];
	unsigned char out[MSG_LEN];
};

static unsigned char transform(unsigned char b, unsigned round)
{
	return (unsigned char)(b * 7u + round + 1u);
}

/*
 * End the calling thread with SYS_exit.  Raw syscall() because the libc
 * way out, _exit(), is exit_group(2), which strict mode forbids (SIGKILL);
 * exit(2) of the only thread ends the process with status 0.
 */
static void __attribute__((noreturn)) strict_exit(int status)
{
	for (;;)
		syscall(SYS_exit, status);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Check the environment in the parent: skips say why strict mode cannot
 * be shown here. */
static void require_strict_mode(void)
{
	if (sc_running_on_valgrind())
		SC_SKIP("running under valgrind, which makes system calls on "
			"the program's behalf: seccomp strict mode would kill "
			"it");
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (mode == -1 && errno == EINVAL)
		SC_SKIP("this kernel has no seccomp (prctl PR_GET_SECCOMP: "
			"EINVAL)");
	if (mode == 2)
		SC_SKIP("this process already runs under a seccomp filter "
			"(a container runtime's?): strict mode cannot be "
			"added to it");
	SC_CHECK(mode == 0,
		 "prctl(PR_GET_SECCOMP): expected 0, observed %d (%s)", mode,
		 mode == -1 ? sc_errno_name(errno) : "a mode");
}

static void strict_child(void *arg)
{
	struct exchange *x = arg;
	/* Close every descriptor (the harness's report pipe too: from here
	 * on the mapping is the only way to say anything). */
	if (close_range(0, ~0u, 0) != 0) {
		/* kernels before 5.9: one by one */
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 0; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) {
		atomic_store(&x->setup_errno, errno);
		atomic_store(&x->state, ST_SETUP_FAILED);
		_exit(1); /* not in strict mode: exit_group is allowed */
	}
	atomic_store(&x->state, ST_READY);
	/* No system call from here on: loads, stores, arithmetic. */
	for (unsigned r = 0;; r++) {
		unsigned s;
		while ((s = atomic_load(&x->seq)) != 2 * r + 1 && s != SEQ_DONE)
			cpu_relax();
		if (s == SEQ_DONE)
			strict_exit(0);
		for (size_t i = 0; i < MSG_LEN; i++)
			x->out[i] = transform(x->in[i], r);
		atomic_store(&x->seq, 2 * r + 2);
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until cond(x) holds; false if the deadline passes or the child
 * ends first. */
static bool wait_until(struct exchange *x, bool (*cond)(struct exchange *),
		       long deadline, pid_t pid)
{
	while (!cond(x)) {
		if (now_ms() > deadline || sc_ended(pid))
			return cond(x);
		sched_yield();
	}
	return true;
}

static bool child_settled(struct exchange *x)
{
	return atomic_load(&x->state) != ST_START;
}

/* Is pid in seccomp strict mode?  ("Seccomp: 1" in /proc/PID/status.) */
static bool in_strict_mode(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	bool strict = false;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Seccomp:", 8) == 0)
			strict = atoi(line + 8) == SECCOMP_MODE_STRICT;
	if (f)
		fclose(f);
	return strict;
}

/* The child stores ST_READY right after prctl returns: once the kernel
 * says it is in strict mode, that store is due at once.  Missing for this
 * long, it went somewhere the parent cannot see (not through the mapping),
 * and waiting for the deadline would only delay the verdict. */
#define STRICT_GRACE_MS 3000

/* Wait until the child settles (true); false if the deadline passes, the
 * child ends, or it is in strict mode and its store never shows
 * (*unseen set). */
static bool wait_settled(struct exchange *x, long deadline, pid_t pid,
			 bool *unseen)
{
	long strict_since = 0;
	*unseen = false;
	for (unsigned i = 0; !child_settled(x); i++) {
		if (now_ms() > deadline || sc_ended(pid))
			return child_settled(x);
		if (i % 1024 == 0 && !strict_since && in_strict_mode(pid))
			strict_since = now_ms();
		if (strict_since && now_ms() - strict_since > STRICT_GRACE_MS) {
			*unseen = !child_settled(x);
			return !*unseen;
		}
		sched_yield();
	}
	return true;
}

static unsigned want_seq;
static bool reply_came(struct exchange *x)
{
	return atomic_load(&x->seq) == want_seq;
}

/* Describe how the child ended, for a failure message. */
static const char *child_end(pid_t pid)
{
	struct sc_outcome o = sc_wait(pid, 1000);
	if (o.signo == SIGKILL && !o.timed_out)
		return "was killed by SIGKILL: strict mode's answer to a "
		       "system call other than read, write, exit or sigreturn";
	return sc_outcome_str(&o);
}

/* Detects: data that does not cross a shared mapping without system calls:
 * the child killed for making one, or replies missing or wrong. */
SC_CASE(strict_seccomp_child_exchanges_data_through_mapping, NO_SYSCALL,
	SC_LINUX,
	"A child in seccomp strict mode, with no open descriptor, exchanges "
	"data with its parent through a MAP_SHARED mapping")
{
	require_strict_mode();
	size_t len = sc_round_up(sizeof(struct exchange), sc_page_size());
	struct exchange *x = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(x);
	pid_t pid = sc_spawn(strict_child, x);
	long deadline = now_ms() + SC_TIMEOUT_MS;
	bool unseen;
	if (!wait_settled(x, deadline, pid, &unseen) && unseen)
		SC_FAIL("the child's store of its state after entering strict "
			"mode: expected it in the shared mapping, observed "
			"nothing there %d ms after /proc/%d/status showed it "
			"in strict mode (its stores no longer reach the "
			"parent)",
			STRICT_GRACE_MS, (int)pid);
	if (!child_settled(x))
		SC_FAIL("the child did not report entering strict mode "
			"(waited up to %d ms): it %s",
			SC_TIMEOUT_MS, child_end(pid));
	if (atomic_load(&x->state) == ST_SETUP_FAILED) {
		int err = atomic_load(&x->setup_errno);
		sc_wait(pid, SC_TIMEOUT_MS);
		if (err == EINVAL)
			SC_SKIP("prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) "
				"failed with EINVAL: strict mode is not "
				"available here");
		SC_FAIL("the child could not close its descriptors or enter "
			"strict mode: %s",
			sc_errno_name(err));
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < MSG_LEN; i++)
			x->in[i] = (unsigned char)(i * 13u + r);
		want_seq = 2 * r + 2;
		atomic_store(&x->seq, 2 * r + 1);
		if (!wait_until(x, reply_came, deadline, pid))
			SC_FAIL("round %u of %d: no reply through the mapping "
				"(seq %u, expected %u); the child %s",
				r, ROUNDS, atomic_load(&x->seq), want_seq,
				child_end(pid));
		for (size_t i = 0; i < MSG_LEN; i++)
			SC_CHECK(x->out[i] == transform(x->in[i], r),
				 "round %u, reply byte %zu: expected 0x%02x, "
				 "observed 0x%02x",
				 r, i, transform(x->in[i], r), x->out[i]);
	}
	atomic_store(&x->seq, SEQ_DONE);
	struct sc_outcome o = sc_wait(pid, SC_TIMEOUT_MS);
	SC_CHECK(o.exited && o.status == 0,
		 "after %d rounds, the strict-mode child: expected exit "
		 "status 0 (by exit(2)), observed that it %s%s",
		 ROUNDS, sc_outcome_str(&o),
		 o.signo == SIGKILL && !o.timed_out
		     ? " (strict mode's answer to a forbidden system call)"
		     : "");
	printf("%d round trips of %d bytes each way with no system call in "
	       "the child\n",
	       ROUNDS, MSG_LEN);
	SC_CHECK_OK(munmap(x, len));
}

static void strict_then_getppid(void *arg)
{
	_Atomic unsigned *stage = arg;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) {
		if (errno == EINVAL)
			SC_SKIP("prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) "
				"failed with EINVAL: strict mode is not "
				"available here");
		SC_FAIL("prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT): %s",
			sc_errno_name(errno));
	}
	atomic_store(stage, 1);
	(void)getppid(); /* a system call strict mode forbids */
	atomic_store(stage, 2);
	strict_exit(0);
}

/* Detects: a strict mode that is not enforced: then the exchange above
 * would prove nothing. */
SC_CASE(strict_seccomp_kills_child_on_other_syscall, NO_SYSCALL, SC_LINUX,
	"A child in seccomp strict mode is killed by SIGKILL at its first "
	"system call other than read, write, exit or sigreturn")
{
	require_strict_mode();
	size_t page = sc_page_size();
	_Atomic unsigned *stage = mmap(NULL, page, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(stage);
	sc_expect_signal(strict_then_getppid, (void *)stage, SIGKILL,
			 "getppid() in seccomp strict mode");
	SC_CHECK_EQ(atomic_load(stage), 1,
		    "stage the child reached (1: in strict mode, before "
		    "getppid; 2: after it)");
	SC_CHECK_OK(munmap((void *)stage, page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, strict_seccomp_child_exchanges_data_through_mapping);
	SC_ADD(tp, strict_seccomp_kills_child_on_other_syscall);
	return atf_no_error();
}
