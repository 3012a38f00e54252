/* Two-process file scenarios: their events (see sc_peer.h). */
#include "sc_peer.h"

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

void sc_peer_finish_at(const char *file, int line, struct sc_peer *pr,
		       pid_t pid)
{
	sc_wait_ok_at(file, line, pid);
	sc_event_close(&pr->ready);
	sc_event_close(&pr->written);
	sc_event_close(&pr->checked);
}
