/* Parent-side waits on a child's events that keep the child's verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "sc_internal.h"
#include "sc_peer.h"

void sc_event_child_posts(struct sc_event *ev)
{
	if (ev->fd[1] >= 0) {
		close(ev->fd[1]);
		ev->fd[1] = -1;
	}
}

void sc_event_wait_child(struct sc_event *ev, pid_t pid, const char *what)
{
	sc_wait_readable(ev->fd[0], what);
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
