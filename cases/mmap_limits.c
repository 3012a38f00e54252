/*
 * EXT-LIMITS for mmap and munmap: the per-process limits that make them
 * fail.  RLIMIT_AS (the address space: mmap beyond it fails with ENOMEM,
 * POSIX setrlimit), vm.max_map_count (the number of mappings: a munmap
 * that must split one fails with ENOMEM at the limit, man munmap) and
 * RLIMIT_MEMLOCK with mlockall(MCL_FUTURE) (every later mapping is locked:
 * one beyond the limit fails with EAGAIN, man mmap).
 *
 * Each runs in a child, which lowers its own limits (setrlimit) and never
 * touches a sysctl: nothing machine-wide changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_priv.h"

/* Above this vm.max_map_count the split case would take too long. */
#define SC_MAX_MAP_COUNT_CASE 262144

/* Set the soft limit only (the hard one stays: it can be set back);
 * returns the old soft limit. */
static rlim_t set_limit(int resource, const char *name, rlim_t v)
{
	struct rlimit rl;
	SC_CHECK_OK(getrlimit(resource, &rl));
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = v;
	if (setrlimit(resource, &rl) != 0)
		SC_FAIL("setrlimit(%s, soft %ju): %s", name, (uintmax_t)v,
			sc_errno_name(errno));
	return old;
}

static void as_limit_child(void *arg)
{
	(void)arg;
	size_t mib = 1024 * 1024;
	long vm_kb = sc_self_status("VmSize");
	if (vm_kb <= 0)
		SC_SKIP("no VmSize line in /proc/self/status to read");
	/* 4 MiB of room above what the child already has. */
	rlim_t limit = (rlim_t)vm_kb * 1024 + 4 * mib;
	rlim_t old = set_limit(RLIMIT_AS, "RLIMIT_AS", limit);
	sc_note("RLIMIT_AS set to %ju bytes, VmSize was %ld kB",
		(uintmax_t)limit, vm_kb);
	void *small = mmap(NULL, 1 * mib, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int small_err = errno;
	void *big = mmap(NULL, 8 * mib, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int big_err = errno;
	/* Room again for whatever reporting needs. */
	if (big != MAP_FAILED)
		munmap(big, 8 * mib);
	if (small != MAP_FAILED)
		munmap(small, 1 * mib);
	set_limit(RLIMIT_AS, "RLIMIT_AS", old);
	SC_CHECK(small != MAP_FAILED,
		 "mmap of 1 MiB with 4 MiB left under RLIMIT_AS: expected "
		 "success, observed MAP_FAILED with %s",
		 sc_errno_name(small_err));
	SC_CHECK(big == MAP_FAILED && big_err == ENOMEM,
		 "mmap of 8 MiB with 4 MiB left under RLIMIT_AS: expected "
		 "MAP_FAILED with ENOMEM, observed %s",
		 big == MAP_FAILED ? sc_errno_name(big_err) : "a mapping");
}

/* Detects: RLIMIT_AS not enforced by mmap (a sandbox that accepts the
 * limit and ignores it), another errno, or a limit so strict it refuses
 * mappings that fit. */
SC_CASE(mmap_beyond_rlimit_as_fails_with_enomem, EXT_LIMITS, SC_POSIX,
	"With RLIMIT_AS 4 MiB above the address space in use, mmap of 1 MiB "
	"succeeds and mmap of 8 MiB fails with ENOMEM")
{
	sc_run(as_limit_child, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A reservation split into vm.max_map_count mappings (see reach_max). */
struct at_max {
	unsigned char *r; /* the reservation */
	size_t len;
	size_t pages;
	size_t k;    /* r + k pages .. the end is one PROT_READ mapping */
	int err;     /* the errno of the refused split (ENOMEM expected) */
	double took; /* seconds to get there */
};

/*
 * Reserve max + 64 pages PROT_READ (nothing committed) and mprotect every
 * other page PROT_NONE, two more mappings a call, until the kernel
 * refuses a split: then the process holds exactly vm.max_map_count
 * mappings (split_vma refuses at map_count >= max; a refused mprotect
 * may have made one of its two splits).
 */
static struct at_max reach_max(long max)
{
	size_t page = sc_page_size();
	struct at_max a = {.pages = (size_t)max + 64};
	a.len = a.pages * page;
	a.r = mmap(NULL, a.len, PROT_READ,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a.r == MAP_FAILED)
		SC_SKIP("cannot reserve %zu bytes of address space for %zu "
			"mappings: %s",
			a.len, a.pages, sc_errno_name(errno));
	double t0 = now_s();
	for (a.k = 1; a.k + 2 < a.pages; a.k += 2)
		if (mprotect(a.r + a.k * page, page, PROT_NONE) != 0) {
			a.err = errno;
			break;
		}
	a.took = now_s() - t0;
	return a;
}

/* Give the mappings back (before any check: reporting may map). */
static void release_max(const struct at_max *a, long max)
{
	SC_CHECK_OK(munmap(a->r, a->len));
	sc_note("vm.max_map_count %ld, %zu mprotect calls, %.3f s", max,
		a->k / 2 + 1, a->took);
	SC_CHECK(a->err == ENOMEM,
		 "mprotect splitting a mapping of %zu pages every other page: "
		 "expected ENOMEM at vm.max_map_count (%ld), observed %s "
		 "after %zu calls",
		 a->pages, max, a->err ? sc_errno_name(a->err) : "no failure",
		 a->k / 2);
	printf("observed: %zu mprotect calls reached vm.max_map_count %ld "
	       "in %.3f s\n",
	       a->k / 2 + 1, max, a->took);
}

static void munmap_at_max_child(void *arg)
{
	long max = *(const long *)arg;
	size_t page = sc_page_size();
	struct at_max a = reach_max(max);
	int unmap_rv = -1, unmap_err = 0, trim_rv = -1;
	unsigned char *mid = a.r + (a.k + 2) * page;
	/* mid lies inside the reservation only then */
	bool tried = a.err == ENOMEM && a.k + 4 < a.pages;
	if (tried) {
		errno = 0;
		unmap_rv = munmap(mid, page);
		unmap_err = errno;
		/* The last page of that mapping: no split, so allowed. */
		trim_rv = munmap(a.r + a.len - page, page);
	}
	unsigned char still = tried && unmap_rv == -1 ? mid[0] : 0;
	release_max(&a, max);
	SC_CHECK(unmap_rv == -1 && unmap_err == ENOMEM,
		 "munmap of a page in the middle of a mapping, with "
		 "vm.max_map_count (%ld) mappings: expected -1 with ENOMEM "
		 "(the split would exceed the limit), observed %s",
		 max,
		 unmap_rv == 0 ? "0 (unmapped)" : sc_errno_name(unmap_err));
	SC_CHECK_EQ(still, 0,
		    "the page munmap refused to unmap, read (still mapped)");
	SC_CHECK_EQ(trim_rv, 0,
		    "munmap of the last page of that mapping (no split)");
}

static void mmap_at_max_child(void *arg)
{
	long max = *(const long *)arg;
	size_t page = sc_page_size();
	/* New mappings of one memfd page at offset 0: two of them never
	 * merge into one (the file offsets do not follow on), so each is a
	 * mapping more. */
	int fd;
	SC_CHECK_OK(fd = memfd_create("sc-map-count", MFD_CLOEXEC));
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	struct at_max a = reach_max(max);
	void *m[2] = {MAP_FAILED, MAP_FAILED};
	int err[2] = {0, 0};
	for (int i = 0; i < 2 && a.err == ENOMEM; i++) {
		errno = 0;
		m[i] = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
		err[i] = errno;
		if (m[i] == MAP_FAILED)
			break;
	}
	for (int i = 0; i < 2; i++)
		if (m[i] != MAP_FAILED)
			SC_CHECK_OK(munmap(m[i], page));
	release_max(&a, max);
	SC_CHECK_OK(close(fd));
	/* Linux's do_mmap refuses when map_count > max: one mapping over
	 * the limit is still made, the next is refused. */
	int refused = m[0] == MAP_FAILED ? 0 : 1;
	SC_CHECK(m[refused] == MAP_FAILED && err[refused] == ENOMEM,
		 "mmap number %d of a new mapping with vm.max_map_count (%ld) "
		 "mappings: expected MAP_FAILED with ENOMEM, observed %s",
		 refused + 1, max,
		 m[refused] == MAP_FAILED
		     ? sc_errno_name(err[refused])
		     : "a mapping (the limit not enforced)");
	printf("observed: at vm.max_map_count, mmap number %d was refused "
	       "with ENOMEM\n",
	       refused + 1);
}

/* vm.max_map_count, or skip where reaching it is no quick case. */
static long max_map_count_or_skip(void)
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind (which tracks every mapping itself): "
			"tens of thousands of mprotect splits through it are "
			"no quick case");
	long max = sc_sysctl_long("vm/max_map_count", -1);
	if (max < 0)
		SC_SKIP("no /proc/sys/vm/max_map_count to read");
	if (max > SC_MAX_MAP_COUNT_CASE)
		SC_SKIP("vm.max_map_count is %ld (above %d): reaching it "
			"would take too long",
			max, SC_MAX_MAP_COUNT_CASE);
	if ((size_t)max * sc_page_size() > SIZE_MAX / 4)
		SC_SKIP("vm.max_map_count %ld pages would not fit in a "
			"quarter of this address space",
			max);
	return max;
}

/* Detects: a munmap that splits a mapping past vm.max_map_count (the
 * limit not enforced), or refuses it with another errno. */
SC_CASE(munmap_splitting_a_mapping_at_max_map_count_fails_with_enomem,
	EXT_LIMITS, SC_LINUX,
	"With vm.max_map_count mappings, munmap of a page in the middle of "
	"a mapping fails with ENOMEM and leaves it mapped; unmapping its last "
	"page (no split) succeeds")
{
	long max = max_map_count_or_skip();
	sc_run(munmap_at_max_child, &max);
}

/* Detects: new mappings made without bound past vm.max_map_count, or
 * refused with another errno than ENOMEM. */
SC_CASE(mmap_past_max_map_count_fails_with_enomem, EXT_LIMITS, SC_LINUX,
	"With vm.max_map_count mappings, mmap of a new mapping fails with "
	"ENOMEM at the latest one mapping later (Linux refuses once "
	"map_count is above the limit)")
{
	long max = max_map_count_or_skip();
	sc_run(mmap_at_max_child, &max);
}

static void mlock_future_child(void *arg)
{
	(void)arg;
	sc_priv_drop_cap(SC_CAP_IPC_LOCK,
			 "the kernel would lock beyond RLIMIT_MEMLOCK");
	size_t page = sc_page_size();
	long locked_kb = sc_self_status("VmLck");
	if (locked_kb < 0)
		SC_SKIP("no VmLck line in /proc/self/status: the locked memory "
			"the limit already counts is unknown");
	if (locked_kb != 0)
		SC_SKIP("the child already holds locked memory (VmLck %ld "
			"kB): the limit's room is unknown",
			locked_kb);
	/* Room for 4 pages; then a mapping of 64 pages cannot be locked. */
	set_limit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 4 * page);
	/* With room in RLIMIT_MEMLOCK only a seccomp filter says EPERM
	 * (systemd-nspawn's @memlock group). */
	int rv = mlockall(MCL_FUTURE);
	int lock_err = errno;
	if (rv != 0 && lock_err == EPERM && sc_self_status("Seccomp") == 2)
		SC_SKIP("mlockall(MCL_FUTURE) fails with EPERM under a seccomp "
			"filter (Seccomp: 2) although RLIMIT_MEMLOCK has room: "
			"the filter denies it");
	SC_CHECK(rv == 0,
		 "mlockall(MCL_FUTURE) with RLIMIT_MEMLOCK 4 pages: "
		 "expected success, observed %s",
		 sc_errno_name(lock_err));
	void *small = mmap(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int small_err = errno;
	errno = 0;
	void *big = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int big_err = errno;
	/* Unlock before anything (reporting) maps more. */
	SC_CHECK_OK(munlockall());
	if (big != MAP_FAILED)
		munmap(big, 64 * page);
	if (small != MAP_FAILED)
		munmap(small, page);
	SC_CHECK(small != MAP_FAILED,
		 "mmap of one page after mlockall(MCL_FUTURE) with "
		 "RLIMIT_MEMLOCK 4 pages: expected success, observed "
		 "MAP_FAILED with %s",
		 sc_errno_name(small_err));
	SC_CHECK(big == MAP_FAILED && big_err == EAGAIN,
		 "mmap of 64 pages after mlockall(MCL_FUTURE) with "
		 "RLIMIT_MEMLOCK 4 pages, without CAP_IPC_LOCK: expected "
		 "MAP_FAILED with EAGAIN, observed %s",
		 big == MAP_FAILED ? sc_errno_name(big_err) : "a mapping");
}

/* Detects: mlockall(MCL_FUTURE) that does not apply to later mappings, or
 * RLIMIT_MEMLOCK not enforced on them (or another errno than EAGAIN). */
SC_CASE(mlockall_future_mmap_beyond_rlimit_memlock_fails_with_eagain,
	EXT_LIMITS, SC_LINUX,
	"After mlockall(MCL_FUTURE) with RLIMIT_MEMLOCK 4 pages, a process "
	"without CAP_IPC_LOCK maps one page and fails with EAGAIN to map 64")
{
	sc_run(mlock_future_child, NULL);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, mmap_beyond_rlimit_as_fails_with_enomem);
	SC_ADD(tp,
	       munmap_splitting_a_mapping_at_max_map_count_fails_with_enomem);
	SC_ADD(tp,
	       mlockall_future_mmap_beyond_rlimit_memlock_fails_with_eagain);
	SC_ADD(tp, mmap_past_max_map_count_fails_with_enomem);
	return atf_no_error();
}
