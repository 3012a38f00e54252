/*
 * MMAP-BEYOND-FILE: a mapping may be longer than its file, but only the
 * pages holding file data are usable: the rest of the last partial page
 * reads as zeros, and touching a page wholly beyond end-of-file raises
 * SIGBUS.  Once the file grows (ftruncate or write), those pages work and
 * what is written there reaches the file.
 *
 * The file is one page and 100 bytes; the mapping is three pages: page 0
 * full, page 1 partial (100 file bytes, then zeros), page 2 wholly beyond
 * end-of-file.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

#define TAIL 100
/* Touch page 2 this far in, so a fault address that is only the page's
 * start does not pass for the right one. */
#define INTO 8

static size_t file_size(void)
{
	return sc_page_size() + TAIL;
}

static unsigned char *map_three_pages(int fd)
{
	unsigned char *p = mmap(NULL, 3 * sc_page_size(),
				PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	return p;
}

/* Detects: mmap refusing a length beyond the file (e.g. ENXIO). */
SC_FS_CASE(mapping_longer_than_file_succeeds, MMAP_BEYOND_FILE, SC_POSIX,
	   "mmap of three pages of a file of one page and 100 bytes succeeds "
	   "and maps all three pages")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	SC_CHECK_EQ((uintptr_t)p % page, 0,
		    "mapping address modulo the page size");
	/* mincore fails with ENOMEM on any page not mapped. */
	unsigned char vec[3];
	SC_CHECK_OK(mincore(p, 3 * page, vec));
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: stale or uninitialised bytes past end-of-file in the last page. */
SC_FS_CASE(partial_last_page_reads_zeros_past_eof, MMAP_BEYOND_FILE, SC_POSIX,
	   "In the last, partial page the bytes up to end-of-file are the "
	   "file's and the rest of the page reads as zeros")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), file_size(),
		     "the mapping up to end-of-file (the file's bytes)");
	SC_CHECK_MEM(p + file_size(), SC_WANT_ZEROS, 2 * page - file_size(),
		     "the mapping from end-of-file to the end of its page");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

static void read_byte(void *addr)
{
	(void)*(volatile unsigned char *)addr;
}

static void write_byte(void *addr)
{
	*(volatile unsigned char *)addr = 0x5a;
}

/* Detects: a read beyond the file's pages not faulting, or at another addr. */
SC_FS_CASE(read_of_page_beyond_eof_raises_sigbus, MMAP_BEYOND_FILE, SC_POSIX,
	   "Reading a mapped page wholly beyond end-of-file raises SIGBUS at "
	   "the address read")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	unsigned char *at = p + 2 * page + INTO;
	struct sc_outcome o = sc_expect_signal(
	    read_byte, at, SIGBUS,
	    "read one byte of page 2, wholly beyond end-of-file");
	SC_CHECK_PTR_EQ(o.fault_addr, at, "si_addr of the SIGBUS");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a write beyond the file's pages accepted instead of SIGBUS. */
SC_FS_CASE(write_to_page_beyond_eof_raises_sigbus, MMAP_BEYOND_FILE, SC_POSIX,
	   "Writing a mapped page wholly beyond end-of-file raises SIGBUS at "
	   "the address written, and the file keeps its size")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	unsigned char *at = p + 2 * page + INTO;
	struct sc_outcome o = sc_expect_signal(
	    write_byte, at, SIGBUS,
	    "write one byte of page 2, wholly beyond end-of-file");
	SC_CHECK_PTR_EQ(o.fault_addr, at, "si_addr of the SIGBUS");
	SC_CHECK_EQ(sc_file_size(fd), file_size(),
		    "file size in bytes after the faulting write");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: the SIGBUS carrying another si_code (BUS_OBJERR, SI_KERNEL). */
SC_FS_CASE(sigbus_beyond_eof_is_bus_adrerr, MMAP_BEYOND_FILE, SC_LINUX,
	   "The SIGBUS of an access beyond end-of-file has si_code BUS_ADRERR "
	   "(nonexistent address)")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	struct sc_outcome o =
	    sc_expect_signal(read_byte, p + 2 * page + INTO, SIGBUS,
			     "read one byte of page 2, wholly beyond "
			     "end-of-file");
	SC_CHECK(o.fault_code == BUS_ADRERR,
		 "si_code of the SIGBUS: expected BUS_ADRERR (%d), observed "
		 "%s (%d)",
		 BUS_ADRERR, sc_si_code_name(SIGBUS, o.fault_code),
		 o.fault_code);
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

struct grown {
	unsigned char *p;
	size_t page;
};

/* In a child, so that a SIGBUS is reported as such: page 2 reads as zeros
 * (new file space) and takes a write. */
static void use_page_two(void *arg)
{
	struct grown *g = arg;
	unsigned char *two = g->p + 2 * g->page;
	SC_CHECK_MEM(two, SC_WANT_ZEROS, g->page - 1,
		     "page 2 after the file grew over it (new file space)");
	sc_fill_mark(two, 2 * g->page, g->page);
	SC_CHECK_MEM(two, SC_WANT_MARK_AT(2 * g->page), g->page,
		     "page 2 read back after writing it");
}

/* Detects: pages still faulting after ftruncate made them part of the file. */
SC_FS_CASE(pages_beyond_eof_usable_after_ftruncate, MMAP_BEYOND_FILE, SC_POSIX,
	   "After ftruncate grows the file to three pages, page 2 of the "
	   "existing mapping reads zeros and takes writes")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, file_size(), NULL);
	unsigned char *p = map_three_pages(fd);
	SC_CHECK_OK(ftruncate(fd, (off_t)(3 * page)));
	struct grown g = {p, page};
	sc_run(use_page_two, &g);
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: writes to pages the file grew over not reaching the file. */
SC_FS_CASE(write_beyond_old_eof_reaches_file_after_ftruncate, MMAP_BEYOND_FILE,
	   SC_POSIX,
	   "After ftruncate grows the file, bytes written through the mapping "
	   "beyond the old end-of-file are in the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p = map_three_pages(fd);
	SC_CHECK_OK(ftruncate(fd, (off_t)(3 * page)));
	struct grown g = {p, page};
	sc_run(use_page_two, &g);
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, (off_t)(2 * page), SC_WANT_MARK_AT(2 * page), page,
		      "the file's page 2, written through the mapping after "
		      "ftruncate grew the file (new descriptor, after munmap "
		      "and close)");
	SC_CHECK_FILE_ELSEWHERE(path, (off_t)(2 * page),
				SC_WANT_MARK_AT(2 * page), page,
				"the file's page 2, written through the "
				"mapping after ftruncate grew the file");
}

/* Detects: pages still faulting after write(2) made them part of the file. */
SC_FS_CASE(pages_beyond_eof_usable_after_write_extends_file, MMAP_BEYOND_FILE,
	   SC_POSIX,
	   "After pwrite(2) of the last byte of page 2 extends the file, page "
	   "2 of the existing mapping reads zeros and takes writes")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p = map_three_pages(fd);
	unsigned char last = sc_mark(3 * page - 1);
	SC_CHECK_EQ(pwrite(fd, &last, 1, (off_t)(3 * page - 1)), 1,
		    "pwrite(2) of one byte at 3 pages - 1: bytes written");
	struct grown g = {p, page};
	sc_run(use_page_two, &g);
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, (off_t)(2 * page), SC_WANT_MARK_AT(2 * page), page,
		      "the file's page 2, written through the mapping after "
		      "pwrite(2) extended the file");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, mapping_longer_than_file_succeeds);
	SC_ADD(tp, partial_last_page_reads_zeros_past_eof);
	SC_ADD(tp, read_of_page_beyond_eof_raises_sigbus);
	SC_ADD(tp, write_to_page_beyond_eof_raises_sigbus);
	SC_ADD(tp, sigbus_beyond_eof_is_bus_adrerr);
	SC_ADD(tp, pages_beyond_eof_usable_after_ftruncate);
	SC_ADD(tp, write_beyond_old_eof_reaches_file_after_ftruncate);
	SC_ADD(tp, pages_beyond_eof_usable_after_write_extends_file);
	return atf_no_error();
}
