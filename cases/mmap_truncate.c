/*
 * MMAP-BEYOND-FILE, from the other side: the file shrinks under a mapping.
 * The tutorial's rule "pages wholly past end-of-file raise SIGBUS" holds
 * for pages that were file data a moment ago: ftruncate to a smaller size
 * cuts them from every mapping (shared or private), growing the file back
 * gives zeros, never the old bytes; a cut inside a page zeroes the rest of
 * it.  (POSIX mmap: references beyond the end of the object raise SIGBUS;
 * the partial page at the end is zero-filled.)
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_vgquiet.h"

struct at {
	unsigned char *p;
	size_t off;
};

static void read_at(void *arg)
{
	const struct at *a = arg;
	sc_vg_quiet_begin(); /* the access is meant to fault: no end */
	(void)*(volatile unsigned char *)(a->p + a->off);
}

static void write_at(void *arg)
{
	const struct at *a = arg;
	sc_vg_quiet_begin();
	*(volatile unsigned char *)(a->p + a->off) = 0;
}

/* A three-page file (the pattern) mapped whole, then cut to one page. */
static unsigned char *map_then_cut(const struct sc_fs *fs, int flags, int *fd)
{
	size_t page = sc_page_size();
	*fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, flags, *fd, 0);
	SC_CHECK_MAP(p);
	/* Fault every page in first: the cut must remove live pages. */
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), 3 * page,
		     "the mapping before the cut (the file's bytes)");
	SC_CHECK_OK(ftruncate(*fd, (off_t)page));
	return p;
}

/* Detects: a kernel that keeps serving pages that are no longer part of
 * the file (reads of stale data instead of SIGBUS). */
SC_FS_CASE(read_of_page_cut_by_shrink_raises_sigbus, MMAP_BEYOND_FILE, SC_POSIX,
	   "After ftruncate shrinks a mapped file from three pages to one, a "
	   "read of the shared mapping's third page raises SIGBUS")
{
	size_t page = sc_page_size();
	int fd;
	unsigned char *p = map_then_cut(fs, MAP_SHARED, &fd);
	struct at a = {p, 2 * page + 8};
	sc_expect_signal(read_at, &a, SIGBUS,
			 "read of a shared mapping's page cut by ftruncate");
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "the first page, still in the file");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: stores into cut pages that are accepted (and lost) instead of
 * raising SIGBUS. */
SC_FS_CASE(write_to_page_cut_by_shrink_raises_sigbus, MMAP_BEYOND_FILE,
	   SC_POSIX,
	   "After ftruncate shrinks a mapped file to one page, a write to the "
	   "shared mapping's second page raises SIGBUS")
{
	size_t page = sc_page_size();
	int fd;
	unsigned char *p = map_then_cut(fs, MAP_SHARED, &fd);
	struct at a = {p, page + 8};
	sc_expect_signal(write_at, &a, SIGBUS,
			 "write to a shared mapping's page cut by ftruncate");
	SC_CHECK_EQ(sc_file_size(fd), page, "st_size after the write");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Records that on Linux a private page, even one already copied by a
 * write, is cut too: its copy goes with the file page (gVisor's
 * TruncateAfterCOWBreak).  Detects: a private copy that survives the
 * truncation and stays readable past the new end of file. */
SC_FS_CASE(private_copy_of_page_cut_by_shrink_raises_sigbus, MMAP_BEYOND_FILE,
	   SC_LINUX,
	   "A MAP_PRIVATE page written before ftruncate cuts it raises SIGBUS "
	   "afterwards, like an unwritten one")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	p[2 * page] = 0; /* copy-on-write: page 2 is now private */
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	struct at a = {p, 2 * page + 8};
	sc_expect_signal(read_at, &a, SIGBUS,
			 "read of a private page copied before ftruncate "
			 "cut the file page under it");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: old data coming back when a file grows again after a cut (the
 * cut pages must have been freed: POSIX ftruncate extends with zeros). */
SC_FS_CASE(truncate_down_then_up_reads_zeros, MMAP_BEYOND_FILE, SC_POSIX,
	   "After ftruncate to one page and back to three, the mapping and "
	   "read(2) show zeros in the two pages, not the old bytes")
{
	size_t page = sc_page_size();
	int fd;
	unsigned char *p = map_then_cut(fs, MAP_SHARED, &fd);
	SC_CHECK_OK(ftruncate(fd, (off_t)(3 * page)));
	SC_CHECK_MEM(p + page, SC_WANT_ZEROS, 2 * page,
		     "the mapping's pages 1-2 after shrinking and growing "
		     "back");
	static unsigned char buf[2 * 65536];
	SC_CHECK(2 * page <= sizeof buf, "page size %zu above the buffer",
		 page);
	sc_pread_all(fd, buf, 2 * page, (off_t)page);
	SC_CHECK_MEM(buf, SC_WANT_ZEROS, 2 * page,
		     "read(2) of pages 1-2 after shrinking and growing back");
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "page 0, kept by both ftruncates");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a cut inside a page that leaves the old bytes visible past the
 * new end (POSIX: the partial last page reads zeros past EOF). */
SC_FS_CASE(truncate_mid_page_zeroes_rest_of_page, MMAP_BEYOND_FILE, SC_POSIX,
	   "ftruncate to half a page keeps the first half in the mapping and "
	   "zeroes the rest of the page")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page, "the page before the cut");
	SC_CHECK_OK(ftruncate(fd, (off_t)(page / 2)));
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page / 2,
		     "the first half page, kept");
	SC_CHECK_MEM(p + page / 2, SC_WANT_ZEROS, page / 2,
		     "the second half page, past the new end of file");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: mmap refusing an offset past EOF, or serving such a page. */
SC_FS_CASE(mapping_starting_beyond_eof_succeeds_and_raises_sigbus,
	   MMAP_BEYOND_FILE, SC_POSIX,
	   "A mapping made at an offset two pages past the end of a one-page "
	   "file succeeds; touching it raises SIGBUS")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, (off_t)(2 * page));
	SC_CHECK_MAP(p);
	struct at a = {p, 0};
	sc_expect_signal(read_at, &a, SIGBUS,
			 "read of a mapping made wholly beyond end of file");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: pages still served (old bytes or zeros) after the file they map
 * was truncated to nothing, or a size other than 0 after it. */
SC_FS_CASE(truncate_to_zero_makes_mapping_raise_sigbus, MMAP_BEYOND_FILE,
	   SC_POSIX,
	   "After ftruncate of a mapped two-page file to 0, st_size is 0 and "
	   "a read of the shared mapping's first page raises SIGBUS")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 2 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), 2 * page,
		     "the mapping before the cut (the file's bytes)");
	SC_CHECK_OK(ftruncate(fd, 0));
	SC_CHECK_EQ(sc_file_size(fd), 0, "st_size after ftruncate to 0");
	struct at a = {p, 8};
	sc_expect_signal(read_at, &a, SIGBUS,
			 "read of a shared mapping of a file truncated to 0");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, read_of_page_cut_by_shrink_raises_sigbus);
	SC_ADD(tp, write_to_page_cut_by_shrink_raises_sigbus);
	SC_ADD(tp, private_copy_of_page_cut_by_shrink_raises_sigbus);
	SC_ADD(tp, truncate_down_then_up_reads_zeros);
	SC_ADD(tp, truncate_mid_page_zeroes_rest_of_page);
	SC_ADD(tp, mapping_starting_beyond_eof_succeeds_and_raises_sigbus);
	SC_ADD(tp, truncate_to_zero_makes_mapping_raise_sigbus);
	return atf_no_error();
}
