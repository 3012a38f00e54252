/* Small helpers the tools share: memory, time, files, child processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tl_util.h"

/* Out of memory: say which tool and what, and give up (exit 2). */
static void __attribute__((noreturn)) oom(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(errno));
	exit(2);
}

char *tl_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		oom("strdup");
	return d;
}

void *tl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom("realloc");
	return q;
}

char *tl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom("vasprintf");
	return s;
}

double tl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tl_iso_now(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Read a whole file (at most max bytes); NULL if it cannot be opened. */
char *tl_slurp(const char *path, size_t max, bool *truncated)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t len = 0, cap = 4096;
	char *buf = tl_xrealloc(NULL, cap);
	bool cut = false;
	for (;;) {
		if (len + 1 >= cap)
			buf = tl_xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= max) {
			len = max;
			cut = true;
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (truncated)
		*truncated = cut;
	return buf;
}

static int rm_open(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)ftw;
	/* A case may leave a read-only directory: its entries could not go. */
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, 0700);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* remove what can be removed; never stop half-way */
}

void tl_rm_rf(const char *path)
{
	nftw(path, rm_open, 32, FTW_PHYS | FTW_MOUNT);
	nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- capturing a helper's output ------------------------------------- */

char *tl_capture(char *const argv[], double timeout_s, int *status)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(pfd[1], 1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	size_t len = 0, cap = 8192;
	char *buf = tl_xrealloc(NULL, cap);
	double deadline = tl_now() + timeout_s;
	bool killed = false;
	for (;;) {
		double left = deadline - tl_now();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (len + 1 >= cap)
			buf = tl_xrealloc(buf, cap *= 2);
		ssize_t n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= TL_CAPTURE_MAX)
			break;
	}
	close(pfd[0]);
	buf[len] = '\0';
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	kill(-pid, SIGKILL); /* anything it left behind */
	if (status)
		*status = st;
	if (killed) {
		free(buf);
		return NULL;
	}
	return buf;
}
