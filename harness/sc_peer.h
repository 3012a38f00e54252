/*
 * Waiting for a child's event without losing the child's own verdict.
 * sc_event_wait in the parent only times out when the child fails before it
 * posts (the parent holds the write end too); these let the child's failure
 * message become the case's at once.
 */
#ifndef SC_PEER_H
#define SC_PEER_H

#include <sys/types.h>

#include "sc.h"

/* Call in the parent after sc_spawn, for an event only the child posts:
 * drops the parent's write end, so the child's exit reads as end of pipe. */
void sc_event_child_posts(struct sc_event *ev);

/* Wait (bounded) for the child pid to post ev.  If the child ends first,
 * its failure or skip is passed up; if it exited cleanly without posting,
 * the case fails saying so. */
void sc_event_wait_child(struct sc_event *ev, pid_t pid, const char *what);

/* Close whichever ends of ev are still open (after sc_event_child_posts,
 * instead of sc_event_close). */
void sc_event_release(struct sc_event *ev);

/* The other process of a two-process file scenario: the file it opens, the
 * mapping under test (fork cases), and the events that order the two. */
struct sc_peer {
	const char *path;
	size_t len;
	unsigned char *p;
	struct sc_event ready;	 /* the peer has its own view of the file */
	struct sc_event written; /* the writer has written */
	struct sc_event checked; /* the checker has checked */
};
void sc_peer_start(struct sc_peer *pr, const char *path, size_t len,
		   unsigned char *p);
/* Wait for the peer pid to end cleanly (its verdict passes up), then close
 * the events. */
void sc_peer_finish(struct sc_peer *pr, pid_t pid);

#endif
