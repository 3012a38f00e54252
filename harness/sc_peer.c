/* Parent-side waits on a child's events that keep the child's verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "sc_peer.h"

void sc_event_child_posts(struct sc_event *ev)
{
	if (ev->fd[1] >= 0) {
		close(ev->fd[1]);
		ev->fd[1] = -1;
	}
}

static long sc_peer_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sc_event_wait_child(struct sc_event *ev, pid_t pid, const char *what)
{
	struct pollfd pfd = {.fd = ev->fd[0], .events = POLLIN};
	long deadline = sc_peer_now_ms() + SC_TIMEOUT_MS;
	for (;;) {
		long left = deadline - sc_peer_now_ms();
		if (left <= 0)
			SC_FAIL("timed out after %d ms waiting for %s",
				SC_TIMEOUT_MS, what);
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			SC_FAIL("harness: poll: %s", sc_errno_name(errno));
		if (r > 0)
			break;
	}
	char c;
	ssize_t n = read(ev->fd[0], &c, 1);
	if (n == 1)
		return;
	/* End of pipe: the child is gone; its own reason comes first. */
	sc_wait_ok(pid);
	SC_FAIL("waiting for %s: the child process exited without it (%s)",
		what, n == 0 ? "end of pipe" : sc_errno_name(errno));
}

void sc_event_release(struct sc_event *ev)
{
	for (int i = 0; i < 2; i++)
		if (ev->fd[i] >= 0) {
			close(ev->fd[i]);
			ev->fd[i] = -1;
		}
}

void sc_peer_start(struct sc_peer *pr, const char *path, size_t len,
		   unsigned char *p)
{
	pr->path = path;
	pr->len = len;
	pr->p = p;
	sc_event_init(&pr->ready);
	sc_event_init(&pr->written);
	sc_event_init(&pr->checked);
}

void sc_peer_finish(struct sc_peer *pr, pid_t pid)
{
	sc_wait_ok(pid);
	sc_event_release(&pr->ready);
	sc_event_release(&pr->written);
	sc_event_release(&pr->checked);
}
