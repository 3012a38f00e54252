/*
 * ipcbench: measures the tutorial's claim IPC-FASTEST ("shared memory is the
 * fastest IPC") between two processes, against pipes, UNIX socketpairs,
 * System V and POSIX message queues, and against this machine's limits
 * (memcpy bandwidth of one core, cache-line round trip between two cores).
 *
 * Modules:
 *   ipcbench.c       options, the interleaved plan, statistics, outputs
 *   bench_util.c     clock, checksum, message pattern, CPU placement
 *   bench_proc.c     the two-process driver, cleanup on error and signals
 *   bench_shm.c      shared memory rings (System V, file, anonymous) with
 *                    spin or futex waiting
 *   bench_kernel.c   pipe, socketpair, System V and POSIX message queues
 *   bench_limits.c   memcpy bandwidth, cache-line ping-pong
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- utilities (bench_util.c) ----------------------------------------- */

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC is one clock for all
 * CPUs, so the two processes' readings compare). */
uint64_t bench_now_ns(void);

/*
 * Messages are windows of one random pattern at BENCH_VARIANTS different
 * offsets: consecutive messages differ (a stale, torn or shifted message
 * fails its checksum) while the sender still does one plain copy.  The count
 * is odd so that no ring of a power-of-two number of slots holds the same
 * variant again in the same slot.
 */
#define BENCH_VARIANTS 7
#define BENCH_LINE 64 /* alignment of slots and message variants */

struct bench_pattern {
	unsigned char *buf; /* size + BENCH_VARIANTS * BENCH_LINE bytes */
	size_t size;
	uint64_t sum[BENCH_VARIANTS]; /* expected checksum of each variant */
};
void bench_pattern_init(struct bench_pattern *p, size_t size);
void bench_pattern_free(struct bench_pattern *p);
static inline const unsigned char *bench_variant(const struct bench_pattern *p,
						 uint64_t i)
{
	return p->buf + (i % BENCH_VARIANTS) * BENCH_LINE;
}
static inline uint64_t bench_expect(const struct bench_pattern *p, uint64_t i)
{
	return p->sum[i % BENCH_VARIANTS];
}
/* Position-sensitive sum of every byte of the message. */
uint64_t bench_cksum(const void *buf, size_t n);

/* Let the other core run: a pause hint inside a spin loop. */
static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}
/* One step of a spin wait: pause, and yield the CPU now and then, so that
 * a spinner whose peer was preempted (a shared or one-CPU machine) does
 * not burn its whole time slice. */
void bench_spin_step(unsigned *spins);

/* Two CPUs to pin the processes to: cpu[0] for the parent, cpu[1] for the
 * child.  Returns the number of distinct CPUs found (1 or 2). */
int bench_pick_cpus(int cpu[2]);
void bench_pin(int cpu); /* pin the calling process; warns on failure */

/* --verbose: say what each run does (and which queue ids it makes). */
extern bool bench_verbose;

void bench_die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
void *bench_xmalloc(size_t n);

/* ---- the two-process driver (bench_proc.c) ----------------------------- */

enum bench_measure { BENCH_TP, BENCH_LAT };

/*
 * What a mechanism provides; its channel (both directions) is opaque.
 * dir 0 is parent to child, dir 1 the reverse.  recv returns the received
 * message, in place (shared memory) or in a private buffer (kernel
 * mechanisms), and recv_done gives the space back.  A "nodata" mechanism
 * (the cache-line ping-pong) carries no payload: recv returns NULL when the
 * signal it saw is not the one expected.  close runs in both processes;
 * owner is true in the parent, which removes what is shared.
 */
struct bench_mech {
	const char *name;   /* "sysv-spin", "pipe", ... */
	const char *family; /* "shm", "kernel" or "limit" */
	const char *sync;   /* "spin", "futex" or "kernel" */
	const char *label;  /* words for the report */
	void *(*open)(const struct bench_mech *m, size_t size,
		      enum bench_measure what);
	void (*send)(void *c, int dir, const void *msg, size_t size);
	const void *(*recv)(void *c, int dir, size_t size);
	void (*recv_done)(void *c, int dir);
	void (*close)(void *c, bool owner);
	/* How often this process slept waiting (futex waits); may be NULL. */
	uint64_t (*sleeps)(void *c);
	int backing; /* shm: enum bench_backing; kernel: its kind */
	bool spin;   /* shm: spin (true) or futex (false) */
	bool nodata;
};

/* One run of one mechanism: warm messages, then count timed ones. */
struct bench_run {
	uint64_t elapsed_ns; /* throughput: first timed send to last check */
	float *samples;	     /* latency: count round-trip times, ns */
	uint64_t verified;   /* messages whose checksum was checked */
	uint64_t bad;	     /* of which wrong */
	/* timed part: times the parent (sender) and child slept waiting */
	uint64_t sleeps_parent, sleeps_child;
	float line_rtt_ns; /* a cache line's round trip just before the run */
};

/* CPU placement for both processes, set once (-1: none). */
void bench_proc_set_cpus(int parent_cpu, int child_cpu);
/* Seconds after which a run is declared hung and the program exits. */
void bench_proc_set_timeout(unsigned seconds);
void bench_proc_install_signals(void);

/* Fork the child, run, collect.  samples (latency) has room for count. */
void bench_run_mech(const struct bench_mech *m, const struct bench_pattern *pat,
		    enum bench_measure what, uint64_t warm, uint64_t count,
		    struct bench_run *out);

/* Cleanup registry: live System V message queues (a queue cannot be
 * removed while in use) are removed if we are interrupted. */
void bench_reg_msqid(int id);
void bench_unreg_msqid(int id);
void bench_cleanup_all(void); /* from signal handlers too */
/* Hold the signals that end the program around a name's short life (from
 * its creation to its unlink), so no interruption leaves it behind. */
void bench_hold_signals(sigset_t *old);
void bench_release_signals(const sigset_t *old);

/* ---- mechanisms -------------------------------------------------------- */

enum bench_backing { BACK_SYSV, BACK_FILE, BACK_ANON };
extern const struct bench_mech bench_shm_mechs[];
extern const size_t bench_shm_nmechs;
extern const struct bench_mech bench_kernel_mechs[];
extern const size_t bench_kernel_nmechs;
/* Bytes of buffering a shared memory ring gets (at least two slots). */
#define BENCH_RING_BYTES (64 * 1024)
/* Where file-backed mappings live (probe.json names its file system). */
const char *bench_file_dir(void);
/* Limits the kernel mechanisms work within, for the report. */
struct bench_kernel_limits {
	long pipe_buf; /* F_GETPIPE_SZ */
	long sock_sndbuf;
	long msgmax, msgmnb; /* System V */
	long mq_msgsize, mq_maxmsg;
};
void bench_kernel_limits(struct bench_kernel_limits *l);

/* ---- limits (bench_limits.c) ------------------------------------------- */

/* memcpy of one message, count times, on the parent's core: ns elapsed.
 * The copy's result is checked (bad counts wrong copies). */
uint64_t bench_memcpy_run(const struct bench_pattern *pat, uint64_t warm,
			  uint64_t count, uint64_t *bad);
/* One cache line bounced between the two processes, each spinning on it:
 * a "nodata" mechanism for the latency driver. */
extern const struct bench_mech bench_cacheline_mech;

#endif
