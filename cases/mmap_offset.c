/*
 * MMAP-OFFSET: the offset selects where in the file the mapping starts; it
 * must be a multiple of the page size, else EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

/* Detects: a kernel that rounds an unaligned offset (mapping other bytes
 * than asked for) instead of refusing it. */
SC_FS_CASE(unaligned_offset_fails_with_einval, MMAP_OFFSET, SC_POSIX,
	   "An offset that is not a multiple of the page size fails with "
	   "EINVAL (also a 512-byte sector multiple)")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 4 * page, NULL);
	const size_t offs[] = {1,	 512,	   page / 2,
			       page - 1, page + 1, 2 * page + 512};
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		errno = 0;
		void *p =
		    mmap(NULL, page, PROT_READ, MAP_SHARED, fd, (off_t)offs[i]);
		int err = errno;
		if (p != MAP_FAILED)
			munmap(p, page);
		SC_CHECK(p == MAP_FAILED && err == EINVAL,
			 "mmap with offset %zu (page size %zu): expected "
			 "failure with EINVAL, observed %s%s",
			 offs[i], page, p == MAP_FAILED ? "failure with " : "",
			 p == MAP_FAILED ? sc_errno_name(err) : "success");
	}
	SC_CHECK_OK(close(fd));
}

/* Detects: an offset ignored or misapplied (data from the wrong place). */
SC_FS_CASE(page_multiple_offset_maps_file_from_that_offset, MMAP_OFFSET,
	   SC_POSIX,
	   "An offset of k pages maps the file's bytes from offset k pages "
	   "on")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 5 * page, NULL);
	for (size_t k = 1; k <= 3; k++) {
		size_t off = k * page;
		const unsigned char *p =
		    mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, (off_t)off);
		SC_CHECK_MAP(p);
		char what[96];
		snprintf(what, sizeof what,
			 "mapping made with offset %zu (the file's bytes from "
			 "there)",
			 off);
		SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(off), 2 * page, what);
		SC_CHECK_OK(munmap((void *)p, 2 * page));
	}
	SC_CHECK_OK(close(fd));
}

/* Detects: an implementation that adds the descriptor's file position (as
 * read(2) would use it) to the offset. */
SC_FS_CASE(offset_counts_from_file_start_not_file_position, MMAP_OFFSET,
	   SC_POSIX,
	   "The offset counts from the start of the file, whatever the "
	   "descriptor's file position")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	SC_CHECK_OK(lseek(fd, (off_t)page, SEEK_SET));
	const unsigned char *p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "mapping made with offset 0 while the file position is "
		     "one page (the file's bytes from offset 0)");
	SC_CHECK_OK(munmap((void *)p, page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, unaligned_offset_fails_with_einval);
	SC_ADD(tp, page_multiple_offset_maps_file_from_that_offset);
	SC_ADD(tp, offset_counts_from_file_start_not_file_position);
	return atf_no_error();
}
