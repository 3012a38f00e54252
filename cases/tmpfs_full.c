/*
 * EXT-LIMITS (beyond the tutorial): what a full tmpfs — a container's small
 * /dev/shm — does to shared memory.  A MAP_SHARED mapping of a sparse file
 * may be far larger than the file system; its pages are allocated when
 * first written, so the first write that finds the file system full cannot
 * fail like write(2) does (ENOSPC): the process gets SIGBUS.
 *
 * POSIX specifies SIGBUS only for pages beyond the end of the object; for
 * a full file system it leaves the outcome open, so the SIGBUS here is
 * what Linux is observed to do (class observed).
 *
 * Two cases mount their own small tmpfs in a private mount namespace of a
 * child (so nothing the machine uses fills up, and the mount vanishes with
 * the child); they need the privilege to do so and skip without it.  The
 * third fills /dev/shm itself, only where it is a container's small one
 * (docker --shm-size): a machine's /dev/shm is never filled.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sc.h"

/* The tmpfs holds this many pages; the file and the mapping are larger. */
#define TMPFS_PAGES 16
#define FILE_PAGES (4 * TMPFS_PAGES)

struct small_tmpfs {
	char dir[PATH_MAX]; /* mount point (empty outside the child) */
	char file[PATH_MAX + 8];
	struct sc_chan where; /* the child tells where it mapped the file */
};

static void small_tmpfs_init(struct small_tmpfs *t)
{
	const char *tmp = getenv("TMPDIR");
	struct sc_fs where = {.dir = tmp && *tmp ? tmp : "/tmp", .type = "?"};
	snprintf(t->dir, sizeof t->dir, "%s", sc_fs_dir(&where));
	snprintf(t->file, sizeof t->file, "%s/f", t->dir);
}

/* In the child: a private mount namespace with a tmpfs of TMPFS_PAGES
 * pages on t->dir, and a sparse file of FILE_PAGES pages in it. */
static int small_tmpfs_enter(const struct small_tmpfs *t)
{
	if (unshare(CLONE_NEWNS) != 0)
		SC_SKIP("cannot make a private mount namespace to mount a "
			"small tmpfs in (unshare(CLONE_NEWNS): %s): needs "
			"CAP_SYS_ADMIN",
			sc_errno_name(errno));
	/* Keep the mount from propagating back to the machine's namespace. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
		SC_SKIP("cannot make the mounts private (%s)",
			sc_errno_name(errno));
	char opts[64];
	snprintf(opts, sizeof opts, "size=%zu,mode=0700",
		 TMPFS_PAGES * sc_page_size());
	if (mount("shmconform", t->dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) !=
	    0)
		SC_SKIP("cannot mount a small tmpfs (%s): %s", opts,
			sc_errno_name(errno));
	int fd = open(t->file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	SC_CHECK_OK(fd);
	SC_CHECK_OK(ftruncate(fd, (off_t)(FILE_PAGES * sc_page_size())));
	return fd;
}

static void write_pages_until_full(void *arg)
{
	struct small_tmpfs *t = arg;
	size_t page = sc_page_size(), len = FILE_PAGES * page;
	int fd = small_tmpfs_enter(t);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	sc_chan_send(&t->where, &p, sizeof p);
	/* One byte per page, in order: the first page the file system
	 * cannot hold is where the SIGBUS comes. */
	for (size_t off = 0; off < len; off += page)
		((volatile unsigned char *)p)[off] = 0x5C;
}

/* Detects: a write fault on a full tmpfs that is not reported to the
 * writer (data silently dropped) or is reported as some other signal. */
SC_CASE(write_through_mapping_to_full_tmpfs_raises_sigbus, EXT_LIMITS,
	SC_OBSERVED,
	"Writing through a MAP_SHARED mapping of a sparse file past what a "
	"full tmpfs can hold raises SIGBUS (as in a container's small "
	"/dev/shm)")
{
	struct small_tmpfs t;
	small_tmpfs_init(&t);
	sc_note("a tmpfs of %d pages, a sparse file and a MAP_SHARED mapping "
		"of %d pages, one byte written per page in order",
		TMPFS_PAGES, FILE_PAGES);
	sc_chan_init(&t.where);
	struct sc_outcome o =
	    sc_expect_signal(write_pages_until_full, &t, SIGBUS,
			     "writing page after page through the mapping");
	SC_CHECK_EQ(o.fault_code, BUS_ADRERR,
		    "si_code of the SIGBUS (BUS_ADRERR: no memory for that "
		    "page)");
	unsigned char *p;
	sc_chan_recv(&t.where, 0, &p, sizeof p, "the child's mapping address");
	sc_chan_close(&t.where);
	/* Not before the tmpfs could be full, and not after it must be. */
	size_t at =
	    (size_t)((unsigned char *)o.fault_addr - p) / sc_page_size();
	sc_note("the SIGBUS came at page %zu of the mapping", at);
	SC_CHECK(o.fault_addr >= (void *)p && at >= 1 && at <= TMPFS_PAGES,
		 "page of the mapping where the SIGBUS came: expected one of "
		 "1..%d (the tmpfs holds %d), observed %p, page %zd",
		 TMPFS_PAGES, TMPFS_PAGES, o.fault_addr,
		 (ssize_t)(((unsigned char *)o.fault_addr - p) /
			   (ssize_t)sc_page_size()));
}

static void write_until_full(void *arg)
{
	const struct small_tmpfs *t = arg;
	size_t page = sc_page_size();
	int fd = small_tmpfs_enter(t);
	unsigned char *buf = calloc(1, page);
	SC_CHECK(buf != NULL, "calloc of one page: expected memory");
	size_t pages = 0;
	while (pages < FILE_PAGES &&
	       pwrite(fd, buf, page, (off_t)(pages * page)) == (ssize_t)page)
		pages++;
	SC_CHECK(
	    pages < FILE_PAGES,
	    "write(2) of %d pages into a tmpfs of %d pages: expected it to "
	    "stop, observed all written",
	    FILE_PAGES, TMPFS_PAGES);
	SC_CHECK(pages <= TMPFS_PAGES,
		 "pages written before the tmpfs was full: expected at most "
		 "%d, observed %zu",
		 TMPFS_PAGES, pages);
	/* The file system is full now: a byte in a new page must fail. */
	SC_CHECK_ERRNO(pwrite(fd, buf, 1, (off_t)((FILE_PAGES - 1) * page)),
		       ENOSPC);
	free(buf);
}

/* Detects: write(2) on a full tmpfs not reporting ENOSPC — the contrast
 * that makes the mapping's SIGBUS a lesson: the same failure, by signal. */
SC_CASE(write_syscall_to_full_tmpfs_fails_with_enospc, EXT_LIMITS, SC_POSIX,
	"write(2) past what a full tmpfs can hold fails with ENOSPC, where a "
	"mapping gets SIGBUS")
{
	struct small_tmpfs t;
	small_tmpfs_init(&t);
	sc_run(write_until_full, &t);
}

/* /dev/shm is filled only when it is this small (a container's, made with
 * a small --shm-size); larger, it is a machine's, which other programs use. */
#define SMALL_DEV_SHM (8UL << 20)

struct dev_shm_fill {
	int fd;
	size_t len; /* the mapping: twice what /dev/shm has free */
	struct sc_chan where;
};

static void write_dev_shm_until_full(void *arg)
{
	struct dev_shm_fill *d = arg;
	size_t page = sc_page_size();
	unsigned char *p =
	    mmap(NULL, d->len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	SC_CHECK_MAP(p);
	sc_chan_send(&d->where, &p, sizeof p);
	for (size_t off = 0; off < d->len; off += page)
		((volatile unsigned char *)p)[off] = 0x5C;
}

/* Detects: a container's small /dev/shm whose exhaustion is not reported
 * to a process writing through a mapping (data silently lost), or is
 * reported as another signal. */
SC_CASE(write_through_mapping_fills_small_dev_shm_with_sigbus, EXT_LIMITS,
	SC_OBSERVED,
	"Where /dev/shm is a container's small tmpfs, writing through a "
	"MAP_SHARED mapping of a sparse file there past its free space "
	"raises SIGBUS")
{
	struct statvfs sv;
	if (statvfs("/dev/shm", &sv) != 0)
		SC_SKIP("no /dev/shm here (statvfs: %s)", sc_errno_name(errno));
	size_t size = (size_t)sv.f_blocks * sv.f_frsize;
	size_t avail = (size_t)sv.f_bavail * sv.f_frsize;
	if (size > SMALL_DEV_SHM)
		SC_SKIP("/dev/shm holds %zu KiB, more than a container's small "
			"one (%lu KiB at most): filling the machine's would "
			"disturb other programs",
			size >> 10, SMALL_DEV_SHM >> 10);
	struct sc_fs shm = {.dir = "/dev/shm", .type = "tmpfs"};
	struct dev_shm_fill d = {
	    .len = sc_round_up(2 * avail + 1, sc_page_size())};
	d.fd = sc_tmpfile(&shm, 0, NULL);
	SC_CHECK_OK(ftruncate(d.fd, (off_t)d.len));
	sc_note("/dev/shm: %zu KiB, %zu KiB free; a sparse file and a "
		"MAP_SHARED mapping of %zu KiB, one byte written per page",
		size >> 10, avail >> 10, d.len >> 10);
	sc_chan_init(&d.where);
	struct sc_outcome o =
	    sc_expect_signal(write_dev_shm_until_full, &d, SIGBUS,
			     "writing page after page through the mapping");
	unsigned char *p;
	sc_chan_recv(&d.where, 0, &p, sizeof p, "the child's mapping address");
	sc_chan_close(&d.where);
	size_t at = (size_t)((unsigned char *)o.fault_addr - p);
	SC_CHECK(o.fault_addr >= (void *)p && at <= avail + sc_page_size(),
		 "offset of the SIGBUS in the mapping: expected at most the "
		 "%zu bytes /dev/shm had free, observed %p (offset %zd)",
		 avail, o.fault_addr,
		 (ssize_t)((unsigned char *)o.fault_addr - p));
	/* Give the space back at once: the container's other programs. */
	SC_CHECK_OK(ftruncate(d.fd, 0));
	SC_CHECK_OK(close(d.fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, write_through_mapping_to_full_tmpfs_raises_sigbus);
	SC_ADD(tp, write_syscall_to_full_tmpfs_fails_with_enospc);
	SC_ADD(tp, write_through_mapping_fills_small_dev_shm_with_sigbus);
	return atf_no_error();
}
