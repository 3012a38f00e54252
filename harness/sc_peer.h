/*
 * The other process of a two-process file scenario (the mmap_private and
 * mmap_shared cases): the file it opens, the mapping under test (fork
 * cases), and the events that order the two.  Its waits are sc_event_wait
 * with the peer's pid: a peer that fails before it posts ends the case at
 * once with its own reason.
 */
#ifndef SC_PEER_H
#define SC_PEER_H

#include <sys/types.h>

#include "sc.h"

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
#define sc_peer_finish(pr, pid) sc_peer_finish_at(SC_FILE, __LINE__, pr, pid)
void sc_peer_finish_at(const char *file, int line, struct sc_peer *pr,
		       pid_t pid);

#endif
