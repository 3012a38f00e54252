/*
 * The two-process driver: one run of one mechanism forks a child, exchanges
 * messages with it and collects what it measured.  Also what must be
 * removed when the program is interrupted: live message queues (a queue
 * cannot be removed while in use), names in the short window between their
 * creation and their unlink, and the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcbench.h"

/* ---- cleanup registry -------------------------------------------------- */

#define REG_MAX 8
static volatile sig_atomic_t reg_msq[REG_MAX]; /* 0: free, else id + 1 */
static volatile pid_t child_pid = -1;

void bench_reg_msqid(int id)
{
	for (int i = 0; i < REG_MAX; i++)
		if (reg_msq[i] == 0) {
			reg_msq[i] = id + 1;
			return;
		}
	bench_die("too many live message queues");
}

void bench_unreg_msqid(int id)
{
	for (int i = 0; i < REG_MAX; i++)
		if (reg_msq[i] == id + 1)
			reg_msq[i] = 0;
}

/*
 * Called from signal handlers: kill(2) is async-signal-safe; msgctl(2) is
 * not on POSIX's list but is a bare system call in glibc, so it is safe in
 * practice.
 */
void bench_cleanup_all(void)
{
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	for (int i = 0; i < REG_MAX; i++)
		if (reg_msq[i] != 0) {
			msgctl((int)reg_msq[i] - 1, IPC_RMID, NULL);
			reg_msq[i] = 0;
		}
}

static const int end_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM};
#define N_END_SIGS (sizeof(end_sigs) / sizeof(end_sigs[0]))

void bench_hold_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < N_END_SIGS; i++)
		sigaddset(&set, end_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void bench_release_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* ---- signals and the watchdog ------------------------------------------ */

static unsigned run_timeout = 60;
static int cpus[2] = {-1, -1};
static char run_desc[96];

void bench_proc_set_cpus(int parent_cpu, int child_cpu)
{
	cpus[0] = parent_cpu;
	cpus[1] = child_cpu;
}

void bench_proc_set_timeout(unsigned seconds)
{
	run_timeout = seconds;
}

static void say(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

static void on_signal(int sig)
{
	bench_cleanup_all();
	if (sig == SIGALRM) {
		say("ipcbench: a run took too long, stopped: ");
		say(run_desc);
		say("\n");
		_exit(3);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void bench_proc_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_END_SIGS; i++)
		sigaction(end_sigs[i], &sa, NULL);
	/* A dead peer shows as EPIPE, reported, not as a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- one run ----------------------------------------------------------- */

struct child_report {
	uint64_t t_end; /* throughput: when the last message was checked */
	uint64_t verified, bad;
	uint64_t sleeps; /* in the timed part */
};

static uint64_t sleeps(const struct bench_mech *m, void *c)
{
	return m->sleeps != NULL ? m->sleeps(c) : 0;
}

static bool check(const struct bench_mech *m, const struct bench_pattern *pat,
		  const void *msg, uint64_t i)
{
	if (m->nodata)
		return msg != NULL;
	return bench_cksum(msg, pat->size) == bench_expect(pat, i);
}

static void put(int fd, const void *buf, size_t n)
{
	if (write(fd, buf, n) != (ssize_t)n)
		bench_die("control pipe write: %s", strerror(errno));
}

static void get(int fd, void *buf, size_t n, const char *what)
{
	ssize_t r;
	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)n)
		bench_die("%s: the child did not report (%s)", what,
			  r < 0 ? strerror(errno) : "it exited");
}

/*
 * Before each run, a short cache-line ping-pong between the two processes
 * (PROBE round trips, well under a millisecond): where the two CPUs sit
 * relative to each other can change while we run (a virtual machine's CPUs
 * are moved by the host), and each run records the placement it had.
 */
#define PROBE 200

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static void probe(uint64_t *line, bool parent, float *rtt)
{
	uint64_t prev = bench_now_ns();
	float s[PROBE];
	for (uint64_t i = 0; i < PROBE; i++) {
		unsigned n = 0;
		if (parent)
			__atomic_store_n(line, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(line, __ATOMIC_ACQUIRE) <
		       2 * i + 1 + parent)
			bench_spin_step(&n);
		if (!parent)
			__atomic_store_n(line, 2 * i + 2, __ATOMIC_RELEASE);
		uint64_t now = bench_now_ns();
		s[i] = (float)(now - prev);
		prev = now;
	}
	if (rtt == NULL)
		return;
	qsort(s, PROBE, sizeof(s[0]), cmp_float);
	*rtt = s[PROBE / 2];
}

/* The reply to request i is variant i + 3: not the request echoed back. */
#define REPLY(i) ((i) + 3)

static void child_main(const struct bench_mech *m, void *c,
		       const struct bench_pattern *pat, enum bench_measure what,
		       uint64_t warm, uint64_t count, int ctl)
{
	struct child_report rep = {0, 0, 0, 0};
	size_t size = pat->size;
	uint64_t total = warm + count, slept = 0;
	for (uint64_t i = 0; i < total; i++) {
		if (i == warm)
			slept = sleeps(m, c);
		if (what == BENCH_TP && i == warm) {
			char ready = 'r';
			put(ctl, &ready, 1);
		}
		const void *msg = m->recv(c, 0, size);
		rep.verified++;
		if (!check(m, pat, msg, i))
			rep.bad++;
		m->recv_done(c, 0);
		if (what == BENCH_LAT)
			m->send(c, 1, bench_variant(pat, REPLY(i)), size);
	}
	rep.t_end = bench_now_ns();
	rep.sleeps = sleeps(m, c) - slept;
	put(ctl, &rep, sizeof(rep));
}

void bench_run_mech(const struct bench_mech *m, const struct bench_pattern *pat,
		    enum bench_measure what, uint64_t warm, uint64_t count,
		    struct bench_run *out)
{
	size_t size = pat->size;
	snprintf(run_desc, sizeof(run_desc), "%s, %zu B, %s", m->name, size,
		 what == BENCH_TP ? "throughput" : "latency");
	void *c = m->open(m, size, what);
	uint64_t *line =
	    mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (line == MAP_FAILED)
		bench_die("mmap: %s", strerror(errno));
	*line = 0;
	int ctl[2];
	if (pipe2(ctl, O_CLOEXEC) != 0)
		bench_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		child_pid = -1;
		/* If the parent is killed outright, its child still removes
		 * the live queues (its SIGTERM handler) and goes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		alarm(0);
		close(ctl[0]);
		bench_pin(cpus[1]);
		probe(line, false, NULL);
		child_main(m, c, pat, what, warm, count, ctl[1]);
		m->close(c, false);
		_exit(0);
	}
	child_pid = pid;
	close(ctl[1]);
	alarm(run_timeout);
	probe(line, true, &out->line_rtt_ns);
	munmap(line, (size_t)sysconf(_SC_PAGESIZE));

	uint64_t total = warm + count;
	uint64_t verified = 0, bad = 0, t0 = 0, prev = 0, slept = 0;
	for (uint64_t i = 0; i < total; i++) {
		if (i == warm)
			slept = sleeps(m, c);
		if (what == BENCH_TP) {
			if (i == warm) {
				char ready;
				get(ctl[0], &ready, 1, run_desc);
				t0 = bench_now_ns();
			}
			m->send(c, 0, bench_variant(pat, i), size);
			continue;
		}
		/* Latency: one clock reading per round trip, each sample the
		 * time from one reading to the next. */
		if (i == warm)
			prev = bench_now_ns();
		m->send(c, 0, bench_variant(pat, i), size);
		const void *msg = m->recv(c, 1, size);
		verified++;
		if (!check(m, pat, msg, REPLY(i)))
			bad++;
		m->recv_done(c, 1);
		if (i >= warm) {
			uint64_t now = bench_now_ns();
			out->samples[i - warm] = (float)(now - prev);
			prev = now;
		}
	}
	out->sleeps_parent = sleeps(m, c) - slept;
	struct child_report rep;
	get(ctl[0], &rep, sizeof(rep), run_desc);
	out->sleeps_child = rep.sleeps;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	child_pid = -1;
	alarm(0);
	close(ctl[0]);
	m->close(c, true);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bench_die("%s: the child ended badly (status %d)", run_desc,
			  st);
	out->elapsed_ns = what == BENCH_TP ? rep.t_end - t0 : 0;
	out->verified = verified + rep.verified;
	out->bad = bad + rep.bad;
}
