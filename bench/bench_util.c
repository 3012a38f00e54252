/* Clock, checksum, message pattern, CPU placement, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

bool bench_verbose;

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/*
 * Four independent 128-bit lanes of 64-bit sums (GCC vector extensions,
 * plain SSE2 on x86-64) keep the check faster than the copy it follows,
 * so verifying does not hide the mechanism's cost; the running sum of lane
 * a (e) makes the result depend on the order of 64-byte blocks too.
 */
typedef uint64_t v2u64 __attribute__((vector_size(16)));

static inline void cksum_block(const unsigned char *p, v2u64 *a, v2u64 *b,
			       v2u64 *c, v2u64 *d, v2u64 *e)
{
	v2u64 w0, w1, w2, w3;
	memcpy(&w0, p, 16);
	memcpy(&w1, p + 16, 16);
	memcpy(&w2, p + 32, 16);
	memcpy(&w3, p + 48, 16);
	*a += w0;
	*b += w1;
	*c += w2;
	*d += w3;
	*e += *a;
}

uint64_t bench_cksum(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	v2u64 a = {0, 0}, b = a, c = a, d = a, e = a;
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		cksum_block(p + i, &a, &b, &c, &d, &e);
	if (i < n) {
		/* The tail as one more block, zero-padded: a byte loop here
		 * would cost more than copying a small message. */
		unsigned char last[64] = {0};
		memcpy(last, p + i, n - i);
		cksum_block(last, &a, &b, &c, &d, &e);
	}
	return n * 0x9e3779b97f4a7c15u + rotl(a[0], 5) + rotl(a[1], 9) +
	       rotl(b[0], 17) + rotl(b[1], 23) + rotl(c[0], 29) +
	       rotl(c[1], 37) + rotl(d[0], 41) + rotl(d[1], 47) +
	       rotl(e[0], 53) + rotl(e[1], 59);
}

void bench_pattern_init(struct bench_pattern *p, size_t size)
{
	size_t len = size + BENCH_VARIANTS * BENCH_LINE;
	len = (len + BENCH_LINE - 1) / BENCH_LINE * BENCH_LINE;
	p->buf = aligned_alloc(BENCH_LINE, len);
	if (p->buf == NULL)
		bench_die("out of memory for a %zu-byte pattern", len);
	p->size = size;
	/* xorshift64*: a fixed seed, so every run sends the same bytes. */
	uint64_t x = 0x2545f4914f6cdd1du ^ size;
	for (size_t i = 0; i < len; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		uint64_t v = x * 0x2545f4914f6cdd1du;
		memcpy(p->buf + i, &v, 8);
	}
	for (int k = 0; k < BENCH_VARIANTS; k++)
		p->sum[k] = bench_cksum(p->buf + (size_t)k * BENCH_LINE, size);
}

void bench_pattern_free(struct bench_pattern *p)
{
	free(p->buf);
	p->buf = NULL;
}

void bench_spin_step(unsigned *spins)
{
	bench_cpu_relax();
	/* About 100 us of pausing between yields: rare enough not to matter
	 * while the peer runs, often enough when it does not. */
	if (++*spins % 4096 == 0)
		sched_yield();
}

int bench_pick_cpus(int cpu[2])
{
	cpu_set_t set;
	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	int n = 0;
	for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	if (n == 1)
		cpu[1] = cpu[0];
	return n;
}

void bench_pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fprintf(stderr, "ipcbench: warning: cannot pin to CPU %d: %s\n",
			cpu, strerror(errno));
}

void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ipcbench[%ld]: ", (long)getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	bench_cleanup_all();
	/* _exit: a forked child must not flush the parent's stdio buffers. */
	_exit(2);
}

void *bench_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		bench_die("out of memory (%zu bytes)", n);
	return p;
}
