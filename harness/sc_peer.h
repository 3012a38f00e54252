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

#endif
