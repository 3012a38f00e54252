/*
 * MAP-ANON: an anonymous mapping has no file: fd and offset are ignored
 * (portable code passes -1 and 0), the memory is zero-filled, with
 * MAP_SHARED it is shared with children across fork, and an unrelated
 * process has no name by which to reach it (with one privileged exception
 * on Linux: /proc/PID/map_files).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

static const char marker[] = "shmconform anonymous marker";

/* Map, dirty and unmap memory, so the next mapping could reuse its pages:
 * zero-fill must hold for recycled memory too. */
static void dirty_and_release(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	SC_CHECK_MAP(p);
	memset(p, 0xA5, len);
	SC_CHECK_OK(munmap(p, len));
}

/* Detects: private anonymous memory handed out with stale contents. */
SC_CASE(anonymous_private_memory_is_zero_filled, MAP_ANON, SC_LINUX,
	"A new MAP_PRIVATE|MAP_ANONYMOUS mapping reads as zeros")
{
	size_t len = 8 * sc_page_size();
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	dirty_and_release(len, flags);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, len, "new private anonymous mapping");
	SC_CHECK_OK(munmap(p, len));
}

/* Detects: shared anonymous memory (shmem-backed on Linux) handed out with
 * stale contents. */
SC_CASE(anonymous_shared_memory_is_zero_filled, MAP_ANON, SC_LINUX,
	"A new MAP_SHARED|MAP_ANONYMOUS mapping reads as zeros")
{
	size_t len = 8 * sc_page_size();
	int flags = MAP_SHARED | MAP_ANONYMOUS;
	dirty_and_release(len, flags);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, len, "new shared anonymous mapping");
	SC_CHECK_OK(munmap(p, len));
}

/* Detects: a kernel that looks at fd with MAP_ANONYMOUS: here it is a file
 * opened read-only, so a file mapping would fail with EACCES (shared and
 * writable) or show the file's bytes ("\177ELF"). */
SC_CASE(anonymous_ignores_fd, MAP_ANON, SC_LINUX,
	"With MAP_ANONYMOUS the fd argument is ignored, even an open file's")
{
	size_t page = sc_page_size();
	int fd;
	SC_CHECK_OK(fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	unsigned char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, page,
		     "MAP_SHARED|MAP_ANONYMOUS mapping made with the fd of a "
		     "program file (anonymous: zeros, not the file's bytes)");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a kernel that applies a page-aligned offset to anonymous memory
 * (or rejects it); man-pages only say the offset "should be zero". */
SC_CASE(anonymous_ignores_page_aligned_offset, MAP_ANON, SC_OBSERVED,
	"With MAP_ANONYMOUS a nonzero page-aligned offset is accepted and "
	"changes nothing")
{
	size_t page = sc_page_size();
	const int types[] = {MAP_PRIVATE, MAP_SHARED};
	for (size_t i = 0; i < 2; i++) {
		unsigned char *p =
		    mmap(NULL, page, PROT_READ | PROT_WRITE,
			 types[i] | MAP_ANONYMOUS, -1, (off_t)(3 * page));
		SC_CHECK_MAP(p);
		SC_CHECK_MEM(p, SC_WANT_ZEROS, page,
			     "anonymous mapping made with offset 3 pages");
		SC_CHECK_OK(munmap(p, page));
	}
}

/*
 * Records where "offset is ignored" stops: Linux still checks that it is
 * page-aligned before it looks at MAP_ANONYMOUS.
 *
 * Detects: an unaligned offset accepted with MAP_ANONYMOUS (the offset not
 * checked at all).
 */
SC_CASE(anonymous_unaligned_offset_fails_with_einval, MAP_ANON, SC_OBSERVED,
	"With MAP_ANONYMOUS an offset that is not page-aligned still fails "
	"with EINVAL")
{
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 1, EINVAL);
}

/* ---- sharing with a child ---------------------------------------------- */

struct fork_share {
	volatile unsigned char *mem;
	struct sc_event child_wrote, parent_wrote;
};

static void fork_share_child(void *arg)
{
	struct fork_share *s = arg;
	s->mem[1] = 0xC1;
	sc_event_post(&s->child_wrote);
	sc_event_wait(&s->parent_wrote, 0, "the parent's write after fork");
	SC_CHECK_EQ(s->mem[2], 0xB2,
		    "byte the parent wrote after fork, read by the child");
}

/* Detects: MAP_SHARED|MAP_ANONYMOUS memory that fork copies instead of
 * sharing (writes after fork invisible to the other process). */
SC_CASE(anonymous_shared_is_shared_with_forked_child, MAP_ANON, SC_LINUX,
	"A MAP_SHARED|MAP_ANONYMOUS mapping is shared with a child across "
	"fork: each sees the other's writes made after fork")
{
	size_t page = sc_page_size();
	struct fork_share s;
	s.mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(s.mem);
	sc_event_init(&s.child_wrote);
	sc_event_init(&s.parent_wrote);
	pid_t pid = sc_spawn(fork_share_child, &s);
	sc_event_wait(&s.child_wrote, pid, "the child's write");
	SC_CHECK_EQ(s.mem[1], 0xC1,
		    "byte the child wrote after fork, read by the parent");
	s.mem[2] = 0xB2;
	sc_event_post(&s.parent_wrote);
	sc_wait_ok(pid);
	sc_event_close(&s.child_wrote);
	sc_event_close(&s.parent_wrote);
	SC_CHECK_OK(munmap((void *)s.mem, page));
}

/* ---- no name for an unrelated process ---------------------------------- */

/* A process forked before the mapping exists: it inherits nothing of it,
 * like an unrelated process; it learns only the address range. */
struct outsider {
	struct sc_chan range; /* parent -> child: uintptr_t start, end */
	pid_t parent;
};

static void recv_range(struct outsider *o, uintptr_t r[2])
{
	sc_chan_recv(&o->range, 0, r, 2 * sizeof r[0],
		     "the address range of the parent's mapping");
}

/* The pathname column of the parent's /proc maps line for r, or fail. */
static void maps_pathname(pid_t pid, const uintptr_t r[2], char *out,
			  size_t outlen)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		SC_FAIL("fopen %s: %s", path, sc_errno_name(errno));
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		/* compared as numbers: the kernel zero-pads short addresses */
		uintmax_t start, end;
		found = sscanf(line, "%jx-%jx", &start, &end) == 2 &&
			start == r[0] && end == r[1];
	}
	fclose(f);
	SC_CHECK(found, "%s: expected a line for %#jx-%#jx, found none", path,
		 (uintmax_t)r[0], (uintmax_t)r[1]);
	line[strcspn(line, "\n")] = '\0';
	/* address perms offset dev inode pathname: skip five fields */
	char *p = line;
	for (int field = 0; field < 5; field++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	snprintf(out, outlen, "%s", p);
}

static void outsider_by_path(void *arg)
{
	struct outsider *o = arg;
	uintptr_t r[2];
	recv_range(o, r);
	size_t len = r[1] - r[0];
	char name[PATH_MAX];
	maps_pathname(o->parent, r, name, sizeof name);
	printf("the parent's /proc/PID/maps names the mapping \"%s\"\n", name);
	if (name[0] == '\0')
		return; /* no name at all */
	/* Linux shows shared anonymous memory as "/dev/zero (deleted)":
	 * a deleted file, which no path reaches.  Try the path anyway. */
	const char *gone = " (deleted)";
	size_t n = strlen(name), g = strlen(gone);
	SC_CHECK(n > g && strcmp(name + n - g, gone) == 0,
		 "pathname of the parent's anonymous mapping: expected none "
		 "or a deleted file (\"... (deleted)\"), observed \"%s\"",
		 name);
	name[n - g] = '\0';
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* the name reaches nothing */
	const unsigned char *q = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (q == MAP_FAILED)
		return;
	bool reached = memcmp(q, marker, sizeof marker) == 0;
	munmap((void *)q, len);
	SC_CHECK(!reached,
		 "mapping \"%s\" (the name /proc shows for the parent's "
		 "anonymous memory): expected other memory, observed the "
		 "parent's marker",
		 name);
}

/* Map shared anonymous memory holding the marker; tell the outsider. */
static unsigned char *map_for_outsider(struct outsider *o, size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	memcpy(p, marker, sizeof marker);
	uintptr_t r[2] = {(uintptr_t)p, (uintptr_t)p + len};
	sc_chan_send(&o->range, r, sizeof r);
	return p;
}

/* Detects: shared anonymous memory that a process which did not inherit it
 * can reach through the file name /proc shows for it. */
SC_CASE(unrelated_process_cannot_reach_it_by_name, MAP_ANON, SC_LINUX,
	"A process that did not inherit a MAP_SHARED|MAP_ANONYMOUS mapping "
	"cannot reach it by the name /proc shows (/dev/zero (deleted))")
{
	size_t len = 2 * sc_page_size();
	struct outsider o = {.parent = getpid()};
	sc_chan_init(&o.range);
	pid_t pid = sc_spawn(outsider_by_path, &o);
	unsigned char *p = map_for_outsider(&o, len);
	sc_wait_ok(pid);
	sc_chan_close(&o.range);
	SC_CHECK_OK(munmap(p, len));
}

static void outsider_by_map_files(void *arg)
{
	struct outsider *o = arg;
	uintptr_t r[2];
	recv_range(o, r);
	size_t len = r[1] - r[0];
	char dir[64], path[128];
	snprintf(dir, sizeof dir, "/proc/%d/map_files", (int)o->parent);
	if (access(dir, F_OK) != 0)
		SC_SKIP("%s does not exist here (%s): kernels before 4.3 "
			"without CONFIG_CHECKPOINT_RESTORE, or a sandbox's "
			"/proc, have no such name",
			dir, sc_errno_name(errno));
	snprintf(path, sizeof path, "%s/%jx-%jx", dir, (uintmax_t)r[0],
		 (uintmax_t)r[1]);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EPERM || errno == EACCES))
		SC_SKIP("opening %s needs CAP_SYS_ADMIN or "
			"CAP_CHECKPOINT_RESTORE (%s): without them no name "
			"reaches the mapping",
			path, sc_errno_name(errno));
	if (fd < 0)
		SC_FAIL("open %s: expected success or EPERM, observed %s", path,
			sc_errno_name(errno));
	unsigned char *q =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(q);
	SC_CHECK_OK(close(fd));
	SC_CHECK(memcmp(q, marker, sizeof marker) == 0,
		 "mapping %s: expected the parent's marker \"%s\", observed "
		 "other bytes (first 0x%02x)",
		 path, marker, q[0]);
	q[len - 1] = 0x7E; /* a reply the parent must see */
	SC_CHECK_OK(munmap(q, len));
}

/*
 * Records the exception to "no name": with CAP_SYS_ADMIN (or
 * CAP_CHECKPOINT_RESTORE) a process that did not inherit the mapping opens
 * it through /proc/PID/map_files and shares it.
 *
 * Detects: a privileged process that cannot open another process's anonymous
 * shared mapping through /proc/PID/map_files, or that gets a copy instead of
 * the shared memory.
 */
SC_CASE(privileged_process_reaches_it_through_proc_map_files, MAP_ANON,
	SC_LINUX,
	"A privileged process reaches another's MAP_SHARED|MAP_ANONYMOUS "
	"mapping through /proc/PID/map_files/START-END, both ways")
{
	size_t len = 2 * sc_page_size();
	struct outsider o = {.parent = getpid()};
	sc_chan_init(&o.range);
	pid_t pid = sc_spawn(outsider_by_map_files, &o);
	unsigned char *p = map_for_outsider(&o, len);
	sc_wait_ok(pid);
	SC_CHECK_EQ(p[len - 1], 0x7E,
		    "last byte of the mapping after the outsider wrote 0x7e "
		    "there through map_files");
	sc_chan_close(&o.range);
	SC_CHECK_OK(munmap(p, len));
}

/* ---- /dev/zero: anonymous memory by a file name ------------------------ */

static int open_dev_zero(void)
{
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		SC_SKIP("cannot open /dev/zero read-write (%s): no such device "
			"here",
			sc_errno_name(errno));
	return fd;
}

/* Detects: a /dev/zero mapping (shared or private, of a length that is not
 * a page multiple) that is refused or does not read as zeros. */
SC_CASE(dev_zero_maps_shared_and_private_reading_zeros, MAP_ANON, SC_LINUX,
	"/dev/zero maps MAP_SHARED and MAP_PRIVATE, also for a length of one "
	"page and 100 bytes, and every byte of the pages reads 0")
{
	size_t page = sc_page_size();
	size_t len = page + 100, whole = 2 * page;
	int fd = open_dev_zero();
	unsigned char *s =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(s);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(s, SC_WANT_ZEROS, whole,
		     "MAP_SHARED mapping of /dev/zero (both pages)");
	SC_CHECK_MEM(p, SC_WANT_ZEROS, whole,
		     "MAP_PRIVATE mapping of /dev/zero (both pages)");
	SC_CHECK_OK(munmap(s, len));
	SC_CHECK_OK(munmap(p, len));
	SC_CHECK_OK(close(fd));
}

/* Detects: /dev/zero acting as one file: a second mapping (of the same
 * descriptor) or a new one after munmap showing a mapping's writes (gVisor
 * MapDevZeroNoPersistence, MapDevZeroSharedFdNoPersistence). */
SC_CASE(dev_zero_mappings_of_one_fd_are_independent, MAP_ANON, SC_LINUX,
	"Two MAP_SHARED mappings of one /dev/zero descriptor are separate "
	"memory: bytes written in one are not in the other, nor in a mapping "
	"made after munmap")
{
	size_t page = sc_page_size();
	int fd = open_dev_zero();
	unsigned char *a =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(a);
	memset(a, 0x5C, page);
	unsigned char *b =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(b);
	SC_CHECK_MEM(b, SC_WANT_ZEROS, page,
		     "a second MAP_SHARED mapping of the /dev/zero descriptor "
		     "after writing 0x5C into the first");
	memset(b, 0x3A, page);
	SC_CHECK_EQ(a[0], 0x5C,
		    "byte 0 of the first mapping after writing "
		    "0x3A into the second");
	SC_CHECK_OK(munmap(a, page));
	a = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(a);
	SC_CHECK_MEM(a, SC_WANT_ZEROS, page,
		     "a new MAP_SHARED mapping of /dev/zero after munmap of "
		     "one holding 0x5C");
	SC_CHECK_OK(munmap(a, page));
	SC_CHECK_OK(munmap(b, page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, anonymous_private_memory_is_zero_filled);
	SC_ADD(tp, anonymous_shared_memory_is_zero_filled);
	SC_ADD(tp, anonymous_ignores_fd);
	SC_ADD(tp, anonymous_ignores_page_aligned_offset);
	SC_ADD(tp, anonymous_unaligned_offset_fails_with_einval);
	SC_ADD(tp, anonymous_shared_is_shared_with_forked_child);
	SC_ADD(tp, unrelated_process_cannot_reach_it_by_name);
	SC_ADD(tp, privileged_process_reaches_it_through_proc_map_files);
	SC_ADD(tp, dev_zero_maps_shared_and_private_reading_zeros);
	SC_ADD(tp, dev_zero_mappings_of_one_fd_are_independent);
	return atf_no_error();
}
