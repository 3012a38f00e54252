/*
 * Flags beyond the tutorial's list, on Linux: PROT_WRITE alone (POSIX lets
 * an implementation grant read access with write access; x86 and arm64 do:
 * a write-only mapping is readable), MAP_NORESERVE (no swap reserved; the
 * pages are ordinary zero pages) and MAP_POPULATE (the pages are faulted
 * in by mmap itself, also for a file shorter than the mapping).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

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
 * everywhere). */
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

/* Detects MAP_NORESERVE refused, or its pages not ordinary zero-filled
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

/* Detects MAP_POPULATE ignored: the pages are not there until touched. */
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

/* Detects MAP_POPULATE refused (or raising SIGBUS at mmap) when the file
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

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, write_only_mapping_is_readable);
	SC_ADD(tp, noreserve_mapping_is_zero_filled_and_writable);
	SC_ADD(tp, populate_faults_pages_in_at_mmap);
	SC_ADD(tp, populate_on_file_shorter_than_mapping_succeeds);
	return atf_no_error();
}
