/*
 * libshmconform-faults: fault selection, the real functions, the table of
 * what the process mapped, and the interposers that are neither mmap nor
 * System V (memory functions, prctl/syscall for seccomp, exit).
 */
#include "faults_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum fm_fault fm_fault = F_none;
struct fm_real fm_real;
struct fm_map fm_maps[FM_MAX_MAPS];

static const char *const fm_names[F_COUNT] = {
    "none",
#define FAULT(name, claim, descr) #name,
#include "faults.def"
#undef FAULT
};

static bool fm_resolved;

#define FM_RESOLVE(name) (*(void **)&fm_real.name = dlsym(RTLD_NEXT, #name))

static void fm_resolve(void)
{
	static bool resolving;
	if (fm_resolved || resolving)
		return;
	resolving = true;
	FM_RESOLVE(mmap);
	FM_RESOLVE(munmap);
	FM_RESOLVE(msync);
	FM_RESOLVE(mprotect);
	FM_RESOLVE(ftruncate);
	FM_RESOLVE(shmget);
	FM_RESOLVE(shmat);
	FM_RESOLVE(shmdt);
	FM_RESOLVE(shmctl);
	FM_RESOLVE(prctl);
	FM_RESOLVE(syscall);
	FM_RESOLVE(exit);
	FM_RESOLVE(_exit);
	FM_RESOLVE(memcpy);
	FM_RESOLVE(memmove);
	FM_RESOLVE(memset);
	FM_RESOLVE(strcpy);
	FM_RESOLVE(strncpy);
	FM_RESOLVE(stpcpy);
	FM_RESOLVE(unshare);
	FM_RESOLVE(sigaction);
	FM_RESOLVE(pwrite);
	fm_resolved = true;
	resolving = false;
}

__attribute__((constructor)) void fm_init(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	fm_resolve();
	const char *want = getenv("SHMCONFORM_FAULT");
	if (!want || !*want)
		return;
	int found = -1;
	for (int i = 0; i < F_COUNT; i++)
		if (strcmp(fm_names[i], want) == 0)
			found = i;
	if (found < 0) {
		/* A typo must not pass for a fault that nothing caught. */
		fprintf(stderr,
			"libshmconform-faults: unknown fault "
			"SHMCONFORM_FAULT=%s\n",
			want);
		fm_real._exit(125);
		__builtin_unreachable();
	}
	fm_fault = (enum fm_fault)found;
	/* Proof for the self-test that the fault was live in this program. */
	const char *log = getenv("SHMCONFORM_FAULT_LOG");
	if (log && *log) {
		int fd =
		    open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char line[256];
			int n = snprintf(line, sizeof line, "%d %s %s\n",
					 (int)getpid(), want,
					 program_invocation_short_name);
			if (n > 0 && write(fd, line, (size_t)n) < 0) {
				/* the self-test then says no proof */
			}
			close(fd);
		}
	}
}

/* ---- helpers ----------------------------------------------------------- */

size_t fm_page(void)
{
	static size_t page;
	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

size_t fm_round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

void fm_copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
}

void fm_fill(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
}

void fm_fill_mapping(void *addr, size_t len, int prot, int c)
{
	if (!(prot & PROT_WRITE) &&
	    fm_real.mprotect(addr, len, PROT_READ | PROT_WRITE) != 0)
		return;
	fm_fill(addr, c, len);
	if (!(prot & PROT_WRITE))
		fm_real.mprotect(addr, len, prot);
}

size_t fm_pread_upto(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n =
		    pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

bool fm_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	size_t put = 0;
	while (put < len) {
		ssize_t n = pwrite(fd, (const char *)buf + put, len - put,
				   off + (off_t)put);
		if (n <= 0)
			return false;
		put += (size_t)n;
	}
	return true;
}

off_t fm_fd_size(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 ? sb.st_size : -1;
}

/* ---- the table of mappings --------------------------------------------- */

struct fm_map *fm_track(void *addr, size_t len, enum fm_kind kind)
{
	for (int i = 0; i < FM_MAX_MAPS; i++) {
		struct fm_map *m = &fm_maps[i];
		if (m->inuse)
			continue;
		*m = (struct fm_map){.addr = addr,
				     .len = fm_round_up(len, fm_page()),
				     .kind = kind,
				     .fd = -1,
				     .shmid = -1,
				     .inuse = true};
		return m;
	}
	return NULL; /* full: the fault then misses this one */
}

void fm_untrack(struct fm_map *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->inuse = false;
}

struct fm_map *fm_find(const void *a)
{
	const char *p = a;
	for (int i = 0; i < FM_MAX_MAPS; i++) {
		struct fm_map *m = &fm_maps[i];
		if (m->inuse && p >= m->addr && p < m->addr + m->len)
			return m;
	}
	return NULL;
}

struct fm_map *fm_next_overlap(const void *a, size_t len, int *i)
{
	const char *p = a;
	for (; *i < FM_MAX_MAPS; (*i)++) {
		struct fm_map *m = &fm_maps[*i];
		if (m->inuse && p < m->addr + m->len && m->addr < p + len) {
			(*i)++;
			return m;
		}
	}
	return NULL;
}

void fm_unshare(struct fm_map *m)
{
	size_t len = m->len;
	if (m->kind == FM_FILE && m->fd >= 0) {
		/* Only the pages holding file data can be read. */
		off_t size = fm_fd_size(m->fd);
		size_t data = size > m->off ? (size_t)(size - m->off) : 0;
		if (fm_round_up(data, fm_page()) < len)
			len = fm_round_up(data, fm_page());
	}
	if (!(m->prot & PROT_READ) || len == 0)
		return;
	void *tmp = fm_real.mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED)
		return;
	fm_copy(tmp, m->addr, len);
	int prot = m->prot ? m->prot : PROT_READ;
	if (fm_real.mmap(m->addr, m->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) != MAP_FAILED) {
		fm_copy(m->addr, tmp, len);
		fm_real.mprotect(m->addr, m->len, prot);
		m->shared = false;
	}
	fm_real.munmap(tmp, len);
}

/* ---- memory functions (MMAP-IS-MEMORY) --------------------------------- */

/* Does the fault swallow a memory function's access to p? */
static bool fm_bypassed(const void *p)
{
	if (fm_fault != F_memfuncs_bypass_mapping)
		return false;
	const struct fm_map *m = fm_find(p);
	return m && m->kind == FM_FILE;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	if (fm_bypassed(dst))
		return dst;
	if (fm_bypassed(src)) {
		fm_fill(dst, 0xEE, n);
		return dst;
	}
	if (!fm_real.memcpy) {
		fm_copy(dst, src, n);
		return dst;
	}
	return fm_real.memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	if (fm_bypassed(dst))
		return dst;
	if (fm_bypassed(src)) {
		fm_fill(dst, 0xEE, n);
		return dst;
	}
	if (!fm_real.memmove) {
		/* only before the constructor: a backward-safe copy */
		unsigned char *d = dst;
		const unsigned char *s = src;
		if (d < s)
			fm_copy(d, s, n);
		else
			while (n--)
				d[n] = s[n];
		return dst;
	}
	return fm_real.memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	if (fm_bypassed(dst))
		return dst;
	if (!fm_real.memset) {
		fm_fill(dst, c, n);
		return dst;
	}
	return fm_real.memset(dst, c, n);
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	if (fm_bypassed(dst))
		return dst;
	fm_resolve();
	return fm_real.strcpy(dst, src);
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	if (fm_bypassed(dst))
		return dst;
	fm_resolve();
	return fm_real.strncpy(dst, src, n);
}

char *stpcpy(char *restrict dst, const char *restrict src)
{
	if (fm_bypassed(dst))
		return dst + strlen(src);
	fm_resolve();
	return fm_real.stpcpy(dst, src);
}

/* ---- seccomp (NO-SYSCALL) ---------------------------------------------- */

/* The process asks for strict mode: returns true if the fault answers
 * instead of the kernel (with *rv). */
static bool fm_strict_mode(long *rv)
{
	if (fm_fault == F_seccomp_not_applied) {
		*rv = 0;
		return true;
	}
	if (fm_fault == F_strict_unshares_memory)
		for (int i = 0; i < FM_MAX_MAPS; i++)
			if (fm_maps[i].inuse && fm_maps[i].shared)
				fm_unshare(&fm_maps[i]);
	return false;
}

int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long);
	unsigned long a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long);
	unsigned long a5 = va_arg(ap, unsigned long);
	va_end(ap);
	fm_init();
	long rv;
	if (option == PR_SET_SECCOMP && a2 == SECCOMP_MODE_STRICT &&
	    fm_strict_mode(&rv))
		return (int)rv;
	return fm_real.prctl(option, a2, a3, a4, a5);
}

long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	fm_init();
	long rv;
	if (((number == SYS_seccomp && a[0] == SECCOMP_SET_MODE_STRICT) ||
	     (number == SYS_prctl && a[0] == PR_SET_SECCOMP &&
	      a[1] == SECCOMP_MODE_STRICT)) &&
	    fm_strict_mode(&rv))
		return rv;
	return fm_real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- process exit (SHM-PERSIST) ---------------------------------------- */

void fm_shm_at_exit(void); /* faults_shm.c */

void exit(int status)
{
	fm_init();
	fm_shm_at_exit();
	fm_c3_at_exit();
	fm_real.exit(status);
	__builtin_unreachable();
}

void _exit(int status)
{
	fm_init();
	fm_shm_at_exit();
	fm_c3_at_exit();
	fm_real._exit(status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	_exit(status);
}
