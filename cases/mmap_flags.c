/*
 * Flags beyond the tutorial's list, on Linux: PROT_WRITE alone (POSIX lets
 * an implementation grant read access with write access; x86 and arm64 do:
 * a write-only mapping is readable), MAP_NORESERVE (no swap reserved; the
 * pages are ordinary zero pages) and MAP_POPULATE (the pages are faulted
 * in by mmap itself, also for a file shorter than the mapping).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_mapcheck.h"
#include "sc_priv.h"

static void write_then_read(void *arg)
{
	volatile unsigned char *p = arg;
	p[0] = 0x5A;
	SC_CHECK_EQ(p[0], 0x5A, "byte read back from a PROT_WRITE mapping");
	SC_CHECK_EQ(p[sc_page_size()], 0,
		    "byte of the untouched second page, read first");
}

/* Records that on this CPU write permission brings read permission (a
 * program that maps PROT_WRITE alone and reads works here, not
 * everywhere).  Detects: a PROT_WRITE-only mapping that faults on read
 * (a CPU or sandbox that enforces write-only pages). */
SC_CASE(write_only_mapping_is_readable, MMAP_PROT, SC_OBSERVED,
	"A PROT_WRITE-only anonymous mapping can be read, before and after a "
	"write")
{
	size_t page = sc_page_size();
	void *p = mmap(NULL, 2 * page, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	SC_CHECK_MAP(p);
	sc_run(write_then_read, p);
	SC_CHECK_OK(munmap(p, 2 * page));
}

/* Detects: MAP_NORESERVE refused, or its pages not ordinary zero-filled
 * memory. */
SC_CASE(noreserve_mapping_is_zero_filled_and_writable, MAP_ANON, SC_LINUX,
	"A MAP_NORESERVE anonymous mapping is accepted, reads zeros and "
	"keeps writes")
{
	size_t page = sc_page_size();
	unsigned char *p =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, 2 * page, "a new MAP_NORESERVE mapping");
	p[page] = 0x5A;
	SC_CHECK_EQ(p[page], 0x5A, "byte written to the second page");
	SC_CHECK_OK(munmap(p, 2 * page));
}

/* Detects: MAP_POPULATE ignored: the pages are not there until touched. */
SC_CASE(populate_faults_pages_in_at_mmap, MAP_ANON, SC_LINUX,
	"MAP_POPULATE makes every page of an anonymous mapping resident at "
	"mmap time (mincore)")
{
	size_t page = sc_page_size();
	void *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	SC_CHECK_MAP(p);
	unsigned char vec[4];
	SC_CHECK_OK(mincore(p, 4 * page, vec));
	int resident = 0;
	for (int i = 0; i < 4; i++)
		resident += vec[i] & 1;
	SC_CHECK_EQ(resident, 4,
		    "pages resident right after mmap with "
		    "MAP_POPULATE, of 4");
	SC_CHECK_OK(munmap(p, 4 * page));
}

/* Detects: MAP_POPULATE refused (or raising SIGBUS at mmap) when the file
 * ends before the mapping does. */
SC_FS_CASE(populate_on_file_shorter_than_mapping_succeeds, MMAP_BEYOND_FILE,
	   SC_LINUX,
	   "MAP_POPULATE of three pages of a one-page file succeeds and the "
	   "file's page reads its data")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "the file's page in a MAP_POPULATE mapping");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: MAP_LOCKED accepted but ignored: the pages are not locked
 * (VmLck unchanged) or not made resident. */
SC_CASE(map_locked_locks_the_pages, MAP_ANON, SC_LINUX,
	"A MAP_LOCKED anonymous mapping is accepted, its pages are resident "
	"at once and VmLck of /proc/self/status grows by its size")
{
	size_t page = sc_page_size();
	size_t len = 4 * page;
	long before = sc_self_status("VmLck");
	if (before < 0)
		SC_SKIP("no VmLck line in /proc/self/status to read");
	struct rlimit rl;
	SC_CHECK_OK(getrlimit(RLIMIT_MEMLOCK, &rl));
	/* mlock_future_ok asks capable(): the initial namespace's */
	bool lock = sc_priv_capable(SC_CAP_IPC_LOCK);
	if (!lock && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)before * 1024 + len)
		SC_SKIP("RLIMIT_MEMLOCK (%ju bytes) has no room for %zu more "
			"locked bytes (%ld kB locked) and CAP_IPC_LOCK is "
			"not effective in the initial user namespace",
			(uintmax_t)rl.rlim_cur, len, before);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	SC_CHECK_MAP(p);
	long after = sc_self_status("VmLck");
	unsigned char vec[4];
	SC_CHECK_OK(mincore(p, len, vec));
	SC_CHECK_OK(munmap(p, len));
	SC_CHECK_EQ(after - before, (long)(len / 1024),
		    "growth of VmLck (kB) after mmap of a MAP_LOCKED mapping");
	for (int i = 0; i < 4; i++)
		SC_CHECK(vec[i] & 1,
			 "page %d of a MAP_LOCKED mapping, right after mmap: "
			 "expected resident (mincore), observed not",
			 i);
}

/* Detects: MAP_STACK refused (a libc or sandbox that does not know it;
 * pthread_create passes it for every thread stack). */
SC_CASE(map_stack_is_accepted, MAP_ANON, SC_LINUX,
	"A MAP_STACK anonymous mapping is accepted, reads zeros and keeps "
	"writes")
{
	size_t page = sc_page_size();
	unsigned char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, 4 * page, "a new MAP_STACK mapping");
	p[4 * page - 1] = 0x5A;
	SC_CHECK_EQ(p[4 * page - 1], 0x5A, "last byte, written and read");
	SC_CHECK_OK(munmap(p, 4 * page));
}

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08 /* Linux 6.11: a mapping type, like MAP_PRIVATE */
#endif

/* Detects: MAP_DROPPABLE refused where the kernel has it, accepted for a
 * file (it is anonymous memory only) or by a kernel before it, or a
 * droppable mapping that does not read zeros or keep a write while memory
 * is plentiful.  What it is for, pages dropped instead of swapped under
 * memory pressure, is not provoked here (docs/coverage.md row 54). */
SC_CASE(map_droppable_maps_anonymous_memory_from_6_11, MAP_ANON, SC_LINUX,
	"MAP_DROPPABLE|MAP_ANONYMOUS maps zero-filled memory that keeps "
	"writes from Linux 6.11 (EINVAL before); MAP_DROPPABLE of a file "
	"fails with EINVAL")
{
	if (sizeof(void *) != 8)
		SC_SKIP("a 32-bit process: MAP_DROPPABLE needs a 64-bit kernel "
			"and process (ENOTSUPP there)");
	size_t page = sc_page_size();
	bool has = sc_kernel_at_least(6, 11);
	unsigned char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	int err = errno;
	if (!has) {
		if (p != MAP_FAILED)
			SC_CHECK_OK(munmap(p, page));
		SC_CHECK(p == MAP_FAILED && err == EINVAL,
			 "MAP_DROPPABLE on kernel %s (before 6.11): expected "
			 "EINVAL, observed %s",
			 sc_kernel_release(),
			 p == MAP_FAILED ? sc_errno_name(err) : "a mapping");
		return;
	}
	SC_CHECK(p != MAP_FAILED,
		 "MAP_DROPPABLE|MAP_ANONYMOUS on kernel %s (6.11 and later): "
		 "expected a mapping, observed %s",
		 sc_kernel_release(), sc_errno_name(err));
	SC_CHECK_MEM(p, SC_WANT_ZEROS, page, "a new MAP_DROPPABLE mapping");
	p[page - 1] = 0x5A;
	SC_CHECK_EQ(p[page - 1], 0x5A, "last byte, written and read");
	SC_CHECK_OK(munmap(p, page));
	int fd = memfd_create("shmconform-droppable", MFD_CLOEXEC);
	SC_CHECK_OK(fd);
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE, MAP_DROPPABLE,
			   fd, 0, EINVAL);
	SC_CHECK_OK(close(fd));
}

/* The start of the mapping of /proc/self/maps holding address a, or 0. */
static uintptr_t vma_start(uintptr_t a)
{
	FILE *f = fopen("/proc/self/maps", "re");
	SC_CHECK(f != NULL, "opening /proc/self/maps: %s",
		 sc_errno_name(errno));
	char line[512];
	uintptr_t found = 0;
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2 &&
		    lo <= a && a < hi) {
			found = lo;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * A MAP_GROWSDOWN mapping of 4 pages at the top of a reserved range of
 * pages pages; the range's first page is left mapped with prot below (the
 * mapping the stack grows towards), the pages between are free.  The
 * kernel (mm/mmap.c, expand_downwards) refuses to grow a stack to within
 * stack_guard_gap (256 pages by default) of an accessible mapping below
 * it; a PROT_NONE one does not count.
 */
struct grows {
	unsigned char *base; /* the reserved range */
	unsigned char *top;  /* the MAP_GROWSDOWN mapping: 4 pages */
	size_t pages;
};

static struct grows growsdown_below(size_t pages, int prot_below)
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: memcheck does not follow a "
			"MAP_GROWSDOWN mapping's growth (it reports the touch "
			"of the page below as an invalid write)");
	size_t page = sc_page_size();
	struct grows g = {.pages = pages};
	g.base = mmap(NULL, pages * page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(g.base);
	SC_CHECK_OK(mprotect(g.base, page, prot_below));
	SC_CHECK_OK(munmap(g.base + page, (pages - 1) * page));
	g.top = mmap(
	    g.base + (pages - 4) * page, 4 * page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	SC_CHECK_MAP(g.top);
	SC_CHECK_PTR_EQ(vma_start((uintptr_t)g.top), g.top,
			"start of the new MAP_GROWSDOWN mapping "
			"(/proc/self/maps)");
	return g;
}

static void touch_below(void *arg)
{
	volatile unsigned char *below =
	    ((struct grows *)arg)->top - sc_page_size();
	below[0] = 0x5A;
	SC_CHECK_EQ(below[0], 0x5A, "byte written below the mapping");
	SC_CHECK_EQ(below[1], 0, "next byte of the new page (zero-filled)");
}

static void grow_and_check(void *arg)
{
	struct grows *g = arg;
	size_t page = sc_page_size();
	touch_below(g);
	SC_CHECK_PTR_EQ(vma_start((uintptr_t)g->top - page), g->top - page,
			"start of the MAP_GROWSDOWN mapping after a touch of "
			"the page below it (/proc/self/maps)");
}

/* Detects: a MAP_GROWSDOWN mapping that does not grow (SIGSEGV on the
 * page below it although nothing accessible is near), or that was made
 * larger than asked. */
SC_CASE(growsdown_mapping_grows_when_page_below_is_touched, MAP_ANON, SC_LINUX,
	"A MAP_GROWSDOWN mapping grows by a page when the page just below it "
	"is touched, where nothing accessible lies within stack_guard_gap "
	"below")
{
	size_t page = sc_page_size();
	struct grows g = growsdown_below(64, PROT_NONE);
	/* In a child: a mapping that does not grow kills it, not the case. */
	sc_wait_ok(sc_spawn_crashing(grow_and_check, &g));
	SC_CHECK_OK(munmap(g.base, g.pages * page));
}

/* Detects: a stack that grows right up to the mapping below it (no
 * stack_guard_gap: the 2017 "Stack Clash" hole). */
SC_CASE(growsdown_stops_short_of_accessible_mapping_below, MAP_ANON, SC_LINUX,
	"A MAP_GROWSDOWN mapping does not grow to within stack_guard_gap of "
	"an accessible mapping below it: touching the page below raises "
	"SIGSEGV")
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "re");
	if (f) {
		if (!fgets(cmdline, sizeof cmdline, f))
			cmdline[0] = '\0';
		fclose(f);
	}
	if (strstr(cmdline, "stack_guard_gap="))
		SC_SKIP("the kernel was booted with its own stack_guard_gap "
			"(/proc/cmdline): the case assumes the default, 256 "
			"pages");
	size_t page = sc_page_size();
	/* 10 free pages between the PROT_READ page and the stack's new
	 * page: well inside the default gap. */
	struct grows g = growsdown_below(16, PROT_READ);
	sc_expect_signal(touch_below, &g, SIGSEGV,
			 "a write to the page below a MAP_GROWSDOWN mapping "
			 "with a PROT_READ mapping 10 pages below that");
	SC_CHECK_OK(munmap(g.base, g.pages * page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, write_only_mapping_is_readable);
	SC_ADD(tp, noreserve_mapping_is_zero_filled_and_writable);
	SC_ADD(tp, populate_faults_pages_in_at_mmap);
	SC_ADD(tp, populate_on_file_shorter_than_mapping_succeeds);
	SC_ADD(tp, map_locked_locks_the_pages);
	SC_ADD(tp, map_stack_is_accepted);
	SC_ADD(tp, map_droppable_maps_anonymous_memory_from_6_11);
	SC_ADD(tp, growsdown_mapping_grows_when_page_below_is_touched);
	SC_ADD(tp, growsdown_stops_short_of_accessible_mapping_below);
	return atf_no_error();
}
