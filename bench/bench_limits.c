/*
 * This machine's limits, measured in the same run as the mechanisms:
 *   - memcpy bandwidth of one core, message by message (the cost of the one
 *     copy a shared memory sender makes, with nothing else around it);
 *   - the round trip of one cache line between the two processes, each
 *     spinning on it (the least any notification between two cores costs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipcbench.h"

uint64_t bench_memcpy_run(const struct bench_pattern *pat, uint64_t warm,
			  uint64_t count, uint64_t *bad)
{
	size_t size = pat->size;
	unsigned char *dst = aligned_alloc(
	    BENCH_LINE, (size + BENCH_LINE - 1) / BENCH_LINE * BENCH_LINE);
	if (dst == NULL)
		bench_die("out of memory");
	uint64_t t0 = 0;
	for (uint64_t i = 0; i < warm + count; i++) {
		if (i == warm)
			t0 = bench_now_ns();
		memcpy(dst, bench_variant(pat, i), size);
		/* The copy must happen every time: tell the compiler dst is
		 * read here, so no copy can be merged or dropped. */
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	uint64_t t1 = bench_now_ns();
	*bad = bench_cksum(dst, size) != bench_expect(pat, warm + count - 1);
	free(dst);
	return t1 - t0;
}

/* ---- cache-line ping-pong ---------------------------------------------- */

struct cl_chan {
	uint64_t *line; /* one shared, line-aligned word */
	uint64_t seen;	/* the last value this process wrote or saw */
};

static void *cl_open(const struct bench_mech *m, size_t size,
		     enum bench_measure what)
{
	(void)m;
	(void)size;
	(void)what;
	struct cl_chan *c = bench_xmalloc(sizeof(*c));
	c->line =
	    mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->line == MAP_FAILED)
		bench_die("mmap: %s", strerror(errno));
	*c->line = 0;
	c->seen = 0;
	return c;
}

/* The two processes take turns: each writes the next number and waits
 * for the one after it. */
static void cl_send(void *cv, int dir, const void *msg, size_t size)
{
	struct cl_chan *c = cv;
	(void)dir;
	(void)msg;
	(void)size;
	__atomic_store_n(c->line, ++c->seen, __ATOMIC_RELEASE);
}

static const void *cl_recv(void *cv, int dir, size_t size)
{
	struct cl_chan *c = cv;
	(void)dir;
	(void)size;
	uint64_t v;
	unsigned n = 0;
	while ((v = __atomic_load_n(c->line, __ATOMIC_ACQUIRE)) == c->seen)
		bench_spin_step(&n);
	bool ok = v == c->seen + 1;
	c->seen = v;
	return ok ? c : NULL;
}

static void cl_recv_done(void *cv, int dir)
{
	(void)cv;
	(void)dir;
}

static void cl_close(void *cv, bool owner)
{
	struct cl_chan *c = cv;
	(void)owner;
	munmap(c->line, (size_t)sysconf(_SC_PAGESIZE));
	free(c);
}

const struct bench_mech bench_cacheline_mech = {
    .name = "cacheline",
    .family = "limit",
    .sync = "spin",
    .label = "one cache line, both spinning",
    .open = cl_open,
    .send = cl_send,
    .recv = cl_recv,
    .recv_done = cl_recv_done,
    .close = cl_close,
    .nodata = true,
};
