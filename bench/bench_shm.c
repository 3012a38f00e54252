/*
 * Shared memory channels: one single-producer single-consumer ring of
 * message slots per direction, in a System V segment, a MAP_SHARED file
 * mapping or a MAP_SHARED anonymous mapping.  The sender copies its message
 * into a slot (one copy); the receiver checks it in place (no copy: what
 * shared memory is for) and then frees the slot.
 *
 * A side that must wait (ring empty, or full) either spins on the other
 * side's counter, or sleeps on it with a futex.  The futex side announces
 * it sleeps in a flag, so the other side makes the wake-up system call only
 * when someone sleeps: what every blocking lock built on a futex does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcbench.h"

/* 128 bytes: a cache line and the one the adjacent-line prefetcher pairs
 * with it, so the two sides' counters never share a line. */
#define CTL_ALIGN 128

struct ring_ctl {
	uint32_t head __attribute__((aligned(CTL_ALIGN))); /* messages sent */
	uint32_t tail __attribute__((aligned(CTL_ALIGN))); /* freed */
	uint32_t cons_waits __attribute__((aligned(CTL_ALIGN)));
	uint32_t prod_waits __attribute__((aligned(CTL_ALIGN)));
};

struct ring {
	struct ring_ctl *ctl;
	unsigned char *slots;
	size_t stride;
	uint32_t nslots;
	uint32_t head, tail; /* this process's copy of its own counter */
	/* The other side's counter as last read: the producer reads tail
	 * only when the ring looks full, the consumer head only when it looks
	 * empty, so the counters' lines do not bounce for every message. */
	uint32_t seen;
};

struct shm_chan {
	void *base;
	size_t len;
	int backing;
	bool spin;
	uint64_t sleeps; /* futex waits by this process */
	struct ring ring[2];
};

/*
 * glibc has no futex() wrapper (the futex is the kernel primitive under
 * every blocking lock, not an API for programs), so the raw system call is
 * the only way to reach it.  No FUTEX_PRIVATE_FLAG: the word is shared
 * between processes.
 */
static void futex_wait(uint32_t *word, uint32_t val)
{
	if (syscall(SYS_futex, word, FUTEX_WAIT, val, NULL, NULL, 0) != 0 &&
	    errno != EAGAIN && errno != EINTR)
		bench_die("futex wait: %s", strerror(errno));
}

static void futex_wake(uint32_t *word)
{
	if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
		bench_die("futex wake: %s", strerror(errno));
}

/* Wait until *word is no longer old. */
static void wait_change(struct shm_chan *c, uint32_t *word, uint32_t old,
			uint32_t *waits)
{
	if (c->spin) {
		unsigned n = 0;
		while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == old)
			bench_spin_step(&n);
		return;
	}
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == old) {
		/* Announce, then look again: with both sides sequentially
		 * consistent, either we see the new value or the other side
		 * sees the flag and wakes us (FUTEX_WAIT itself returns at
		 * once if the word changed in between). */
		__atomic_store_n(waits, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != old)
			break;
		c->sleeps++;
		futex_wait(word, old);
	}
	__atomic_store_n(waits, 0, __ATOMIC_RELAXED);
}

/* Publish a new counter value and wake the other side if it sleeps. */
static void publish(uint32_t *word, uint32_t val, uint32_t *waits, bool spin)
{
	if (spin) {
		__atomic_store_n(word, val, __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(word, val, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(waits, __ATOMIC_SEQ_CST))
		futex_wake(word);
}

static void shm_send(void *cv, int dir, const void *msg, size_t size)
{
	struct shm_chan *c = cv;
	struct ring *r = &c->ring[dir];
	while (r->head - r->seen >= r->nslots) {
		uint32_t t = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
		if (r->head - t < r->nslots) {
			r->seen = t;
			break;
		}
		wait_change(c, &r->ctl->tail, t, &r->ctl->prod_waits);
		r->seen = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
	}
	memcpy(r->slots + (size_t)(r->head % r->nslots) * r->stride, msg, size);
	r->head++;
	publish(&r->ctl->head, r->head, &r->ctl->cons_waits, c->spin);
}

static const void *shm_recv(void *cv, int dir, size_t size)
{
	struct shm_chan *c = cv;
	struct ring *r = &c->ring[dir];
	(void)size;
	if (r->seen == r->tail) {
		wait_change(c, &r->ctl->head, r->tail, &r->ctl->cons_waits);
		r->seen = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
	}
	return r->slots + (size_t)(r->tail % r->nslots) * r->stride;
}

static void shm_recv_done(void *cv, int dir)
{
	struct shm_chan *c = cv;
	struct ring *r = &c->ring[dir];
	r->tail++;
	publish(&r->ctl->tail, r->tail, &r->ctl->prod_waits, c->spin);
}

const char *bench_file_dir(void)
{
	const char *d = getenv("TMPDIR");
	return d != NULL && *d != '\0' ? d : "/tmp";
}

static void *map_file(size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/shmconform-bench-XXXXXX",
		 bench_file_dir());
	/* Unlinked as soon as it exists, with signals held in between: no
	 * interruption can leave the name behind. */
	sigset_t old;
	bench_hold_signals(&old);
	int fd = mkstemp(path);
	int err = errno;
	if (fd >= 0)
		unlink(path);
	bench_release_signals(&old);
	if (fd < 0)
		bench_die("mkstemp in %s: %s", bench_file_dir(), strerror(err));
	if (ftruncate(fd, (off_t)len) != 0)
		bench_die("ftruncate %zu: %s", len, strerror(errno));
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bench_die("mmap of a file: %s", strerror(errno));
	close(fd);
	return p;
}

static void *map_sysv(size_t len)
{
	int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (id < 0)
		bench_die("shmget %zu: %s", len, strerror(errno));
	void *p = shmat(id, NULL, 0);
	int err = errno;
	/* Marked for removal at once: it lives while attached (the child
	 * inherits the attachment), so nothing can outlive the processes. */
	shmctl(id, IPC_RMID, NULL);
	if (p == (void *)-1)
		bench_die("shmat: %s", strerror(err));
	return p;
}

static void *shm_open_chan(const struct bench_mech *m, size_t size,
			   enum bench_measure what)
{
	struct shm_chan *c = bench_xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->spin = m->spin;
	c->backing = m->backing;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t stride = (size + BENCH_LINE - 1) / BENCH_LINE * BENCH_LINE;
	/* Throughput: a pipe's worth of buffering (at least two slots, so
	 * one is filled while the other is read); latency: one message. */
	uint32_t n0 = 1;
	if (what == BENCH_TP)
		n0 = stride * 2 > BENCH_RING_BYTES
			 ? 2
			 : (uint32_t)(BENCH_RING_BYTES / stride);
	uint32_t nslots[2] = {n0, 1};
	size_t off = 2 * sizeof(struct ring_ctl);
	off = (off + page - 1) / page * page;
	size_t slots_off[2];
	for (int d = 0; d < 2; d++) {
		slots_off[d] = off;
		off += (size_t)nslots[d] * stride;
		off = (off + page - 1) / page * page;
	}
	c->len = off;
	switch (m->backing) {
	case BACK_SYSV:
		c->base = map_sysv(c->len);
		break;
	case BACK_FILE:
		c->base = map_file(c->len);
		break;
	default:
		c->base = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (c->base == MAP_FAILED)
			bench_die("mmap anonymous shared: %s", strerror(errno));
	}
	/* Allocate every page now, not in the timed part. */
	memset(c->base, 0, c->len);
	for (int d = 0; d < 2; d++) {
		struct ring *r = &c->ring[d];
		r->ctl = (struct ring_ctl *)c->base + d;
		r->slots = (unsigned char *)c->base + slots_off[d];
		r->stride = stride;
		r->nslots = nslots[d];
	}
	return c;
}

static void shm_close(void *cv, bool owner)
{
	struct shm_chan *c = cv;
	(void)owner; /* nothing has a name: the last detach frees it all */
	if (c->backing == BACK_SYSV)
		shmdt(c->base);
	else
		munmap(c->base, c->len);
	free(c);
}

static uint64_t shm_sleeps(void *cv)
{
	return ((struct shm_chan *)cv)->sleeps;
}

#define SHM_MECH(nm, back, sp, lab)                                            \
	{                                                                      \
		.name = nm, .family = "shm", .sync = sp ? "spin" : "futex",    \
		.label = lab, .open = shm_open_chan, .send = shm_send,         \
		.recv = shm_recv, .recv_done = shm_recv_done,                  \
		.close = shm_close, .sleeps = shm_sleeps, .backing = back,     \
		.spin = sp,                                                    \
	}

const struct bench_mech bench_shm_mechs[] = {
    SHM_MECH("sysv-spin", BACK_SYSV, true, "System V shm, spinning"),
    SHM_MECH("sysv-futex", BACK_SYSV, false, "System V shm, futex"),
    SHM_MECH("file-spin", BACK_FILE, true, "MAP_SHARED file, spinning"),
    SHM_MECH("file-futex", BACK_FILE, false, "MAP_SHARED file, futex"),
    SHM_MECH("anon-spin", BACK_ANON, true, "MAP_SHARED anonymous, spinning"),
    SHM_MECH("anon-futex", BACK_ANON, false, "MAP_SHARED anonymous, futex"),
};
const size_t bench_shm_nmechs =
    sizeof(bench_shm_mechs) / sizeof(bench_shm_mechs[0]);
