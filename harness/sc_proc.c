/* Children, bounded waits, crash reports, and pipe-based synchronisation. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_internal.h"

/* Children of this process not yet reaped, with their report pipes. */
#define SC_MAX_CHILDREN 64
static struct {
	pid_t pid;
	int report_fd;
} sc_children[SC_MAX_CHILDREN];

static void sc_fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* Async-signal-safe: record the fault for the parent, then die by
	 * the same signal (pending until the handler returns). */
	char buf[1 + sizeof(struct sc_sigrec)];
	struct sc_sigrec r = {sig, si->si_code, si->si_addr};
	buf[0] = SC_REC_SIGNAL;
	memcpy(buf + 1, &r, sizeof r);
	if (write(sc_st.report_fd, buf, sizeof buf) < 0) {
		/* the parent still sees the signal */
	}
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static pid_t sc_spawn_impl(void (*fn)(void *), void *arg, bool crashing)
{
	int slot = -1;
	for (int i = 0; i < SC_MAX_CHILDREN; i++)
		if (sc_children[i].pid == 0) {
			slot = i;
			break;
		}
	if (slot < 0)
		SC_FAIL("harness: more than %d children at once",
			SC_MAX_CHILDREN);
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		SC_FAIL("harness: pipe2: %s", sc_errno_name(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		SC_FAIL("harness: fork: %s", sc_errno_name(errno));
	if (pid == 0) {
		close(p[0]);
		/* A child's children are its own to wait for. */
		memset(sc_children, 0, sizeof sc_children);
		sc_st.in_child = true;
		sc_st.report_fd = p[1];
		if (crashing) {
			struct rlimit no_core = {0, 0};
			setrlimit(RLIMIT_CORE, &no_core);
		}
		struct sigaction sa = {.sa_sigaction = sc_fault_handler,
				       .sa_flags = SA_SIGINFO};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		sigaction(SIGILL, &sa, NULL);
		sigaction(SIGFPE, &sa, NULL);
		fn(arg);
		sc_kill_children(); /* no grandchild outlives its parent */
		fflush(NULL);
		_exit(0);
	}
	close(p[1]);
	sc_children[slot].pid = pid;
	sc_children[slot].report_fd = p[0];
	return pid;
}

pid_t sc_spawn(void (*fn)(void *), void *arg)
{
	return sc_spawn_impl(fn, arg, false);
}

pid_t sc_spawn_crashing(void (*fn)(void *), void *arg)
{
	return sc_spawn_impl(fn, arg, true);
}

bool sc_in_child(void)
{
	return sc_st.in_child;
}

static int sc_slot_of(pid_t pid)
{
	for (int i = 0; i < SC_MAX_CHILDREN; i++)
		if (sc_children[i].pid == pid)
			return i;
	return -1;
}

static void sc_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static long sc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read every record the child sent (it is gone: no blocking). */
static void sc_read_reports(int fd, struct sc_outcome *o)
{
	char buf[2048];
	ssize_t n;
	size_t len = 0;
	while (len < sizeof buf - 1 &&
	       (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	size_t i = 0;
	while (i < len) {
		char type = buf[i++];
		if (type == SC_REC_SIGNAL &&
		    i + sizeof(struct sc_sigrec) <= len) {
			struct sc_sigrec r;
			memcpy(&r, buf + i, sizeof r);
			o->fault_code = r.code;
			o->fault_addr = r.addr;
			i += sizeof r;
		} else if (type == SC_REC_FAIL || type == SC_REC_SKIP) {
			if (type == SC_REC_FAIL)
				o->failed = true;
			else
				o->skipped = true;
			snprintf(o->msg, sizeof o->msg, "%s", buf + i);
			i = len;
		} else {
			break;
		}
	}
}

struct sc_outcome sc_wait(pid_t pid, int timeout_ms)
{
	struct sc_outcome o = {.fault_code = -1};
	int slot = sc_slot_of(pid);
	long deadline = sc_now_ms() + timeout_ms;
	int status = 0, delay = 1;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		if (sc_now_ms() >= deadline) {
			o.timed_out = true;
			kill(pid, SIGKILL);
			r = waitpid(pid, &status, 0);
			break;
		}
		sc_sleep_ms(delay);
		if (delay < 20)
			delay *= 2;
	}
	if (r < 0)
		SC_FAIL("harness: waitpid(%d): %s", (int)pid,
			sc_errno_name(errno));
	if (WIFEXITED(status)) {
		o.exited = !o.timed_out;
		o.status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		o.signo = o.timed_out ? 0 : WTERMSIG(status);
	}
	if (slot >= 0) {
		sc_read_reports(sc_children[slot].report_fd, &o);
		close(sc_children[slot].report_fd);
		sc_children[slot].pid = 0;
	}
	return o;
}

const char *sc_outcome_str(const struct sc_outcome *o)
{
	static __thread char buf[1500];
	if (o->timed_out)
		snprintf(buf, sizeof buf,
			 "did not finish in time and was killed (timeout)");
	else if (o->failed)
		snprintf(buf, sizeof buf, "failed: %s", o->msg);
	else if (o->skipped)
		snprintf(buf, sizeof buf, "skipped: %s", o->msg);
	else if (o->exited)
		snprintf(buf, sizeof buf, "exited normally with status %d",
			 o->status);
	else if (o->fault_code != -1)
		snprintf(buf, sizeof buf, "was killed by %s (%s at %p)",
			 sc_signal_name(o->signo),
			 sc_si_code_name(o->signo, o->fault_code),
			 o->fault_addr);
	else
		snprintf(buf, sizeof buf, "was killed by %s",
			 sc_signal_name(o->signo));
	return buf;
}

/* The child's own verdict, if it gave one, becomes the case's. */
static void sc_take_verdict(const struct sc_outcome *o)
{
	if (o->failed)
		sc_fail_reason(o->msg);
	if (o->skipped)
		sc_skip_reason(o->msg);
}

void sc_pass_up_at(const char *file, int line, const struct sc_outcome *o,
		   const char *who)
{
	sc_take_verdict(o);
	if (!o->exited || o->status != 0)
		sc_fail_outcome(file, line, o, who, 0);
}

void sc_wait_ok_at(const char *file, int line, pid_t pid)
{
	struct sc_outcome o = sc_wait(pid, SC_TIMEOUT_MS);
	sc_pass_up_at(file, line, &o,
		      "a child process was expected to finish its part; it");
}

void sc_run_at(const char *file, int line, void (*fn)(void *), void *arg)
{
	sc_wait_ok_at(file, line, sc_spawn(fn, arg));
}

struct sc_outcome sc_expect_signal_at(const char *file, int line,
				      void (*fn)(void *), void *arg, int signo,
				      const char *what)
{
	struct sc_outcome o =
	    sc_wait(sc_spawn_crashing(fn, arg), SC_TIMEOUT_MS);
	sc_take_verdict(&o);
	if (o.signo != signo)
		sc_fail_outcome(file, line, &o, what, signo);
	return o;
}

bool sc_ended(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
		return si.si_pid == pid;
	if (errno != ECHILD)
		return false;
	/* Not our child (an actor's fork), or reaped already. */
	char state;
	unsigned long long start;
	if (!sc_proc_stat(pid, &state, &start))
		return kill(pid, 0) != 0 && errno == ESRCH;
	return state == 'Z' || state == 'X';
}

void sc_kill_children(void)
{
	for (int i = 0; i < SC_MAX_CHILDREN; i++) {
		if (sc_children[i].pid == 0)
			continue;
		kill(sc_children[i].pid, SIGKILL);
		waitpid(sc_children[i].pid, NULL, 0);
		close(sc_children[i].report_fd);
		sc_children[i].pid = 0;
	}
}

/* ---- the one wait, and events and channels built on it ----------------- */

/* Is fd readable (or at its end) now? */
static bool sc_readable_now(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, 0) > 0;
}

bool sc_await_either(const char *file, int line, int fd, pid_t pid,
		     const char *what)
{
	/* A child's report pipe turns readable when it fails, skips or
	 * crashes: that wakes us at once.  A child killed outright is seen
	 * by sc_ended within a slice (at most 16 ms). */
	int slot = pid > 0 ? sc_slot_of(pid) : -1;
	struct pollfd pfd[2] = {
	    {.fd = fd, .events = POLLIN},
	    {.fd = slot >= 0 ? sc_children[slot].report_fd : -1,
	     .events = POLLIN},
	};
	long deadline = sc_now_ms() + SC_TIMEOUT_MS;
	int slice = 1;
	for (;;) {
		long left = deadline - sc_now_ms();
		if (left <= 0)
			sc_fail(file, line,
				"timed out after %d ms waiting for %s",
				SC_TIMEOUT_MS, what);
		int ms = pid > 0 && slice < left ? slice : (int)left;
		int r = poll(pfd, 2, ms);
		if (r < 0 && errno != EINTR)
			SC_FAIL("harness: poll: %s", sc_errno_name(errno));
		if (r > 0 && pfd[0].revents)
			return true;
		/* Its end of the report pipe closes at exec too: only a
		 * record on it means the child is ending. */
		if (pfd[1].revents && !(pfd[1].revents & POLLIN))
			pfd[1].fd = -1;
		if (pid > 0 && (pfd[1].revents & POLLIN || sc_ended(pid)))
			/* What it sent just before it ended still counts. */
			return sc_readable_now(fd);
		if (slice < 16)
			slice *= 2;
	}
}

void sc_await_at(const char *file, int line, int fd, pid_t pid,
		 const char *what)
{
	if (sc_await_either(file, line, fd, pid, what))
		return;
	char who[300];
	snprintf(who, sizeof who, "waiting for %s: the process (pid %d)", what,
		 (int)pid);
	if (sc_slot_of(pid) >= 0) {
		struct sc_outcome o = sc_wait(pid, SC_TIMEOUT_MS);
		sc_pass_up_at(file, line, &o, who);
	}
	sc_fail(file, line, "%s ended without it", who);
}

static void sc_pipe(int fd[2])
{
	if (pipe2(fd, O_CLOEXEC) != 0)
		SC_FAIL("harness: pipe2: %s", sc_errno_name(errno));
}

static void sc_close_pair(int fd[2])
{
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0) {
			close(fd[i]);
			fd[i] = -1;
		}
}

void sc_event_init(struct sc_event *ev)
{
	sc_pipe(ev->fd);
}

void sc_event_post(struct sc_event *ev)
{
	char c = 1;
	if (write(ev->fd[1], &c, 1) != 1)
		SC_FAIL("harness: event post: %s", sc_errno_name(errno));
}

char sc_event_wait_at(const char *file, int line, struct sc_event *ev,
		      pid_t poster, const char *what)
{
	char c;
	sc_await_at(file, line, ev->fd[0], poster, what);
	ssize_t n = read(ev->fd[0], &c, 1);
	if (n != 1)
		sc_fail(file, line,
			"waiting for %s: the other process went away (%s)",
			what, n == 0 ? "end of pipe" : sc_errno_name(errno));
	return c;
}

void sc_event_close(struct sc_event *ev)
{
	sc_close_pair(ev->fd);
}

void sc_chan_init(struct sc_chan *ch)
{
	sc_pipe(ch->fd);
}

void sc_chan_send(struct sc_chan *ch, const void *buf, size_t len)
{
	if (write(ch->fd[1], buf, len) != (ssize_t)len)
		SC_FAIL("harness: channel send: %s", sc_errno_name(errno));
}

void sc_chan_recv_at(const char *file, int line, struct sc_chan *ch,
		     pid_t sender, void *buf, size_t len, const char *what)
{
	size_t got = 0;
	while (got < len) {
		sc_await_at(file, line, ch->fd[0], sender, what);
		ssize_t n = read(ch->fd[0], (char *)buf + got, len - got);
		if (n <= 0)
			sc_fail(file, line,
				"waiting for %s: the other process went away",
				what);
		got += (size_t)n;
	}
}

void sc_chan_close(struct sc_chan *ch)
{
	sc_close_pair(ch->fd);
}
