/*
 * MAP-SHARED for a file that no longer has a name: a mapping holds its
 * file, so after unlink and close the data stays reachable through the
 * mapping, writes keep reaching the (nameless) file, and msync works.
 * (POSIX mmap: the mapping adds a reference to the file that close does
 * not remove.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

/* Detects a file destroyed with its name and last descriptor while
 * mapped (the mapping would then read zeros, stale data, or fault). */
SC_FS_CASE(mapping_keeps_unlinked_closed_file_alive, MAP_SHARED, SC_POSIX,
	   "After unlink and close, a MAP_SHARED mapping still reads the "
	   "file's data, takes writes, and msync of it succeeds")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	/* A dup reads the nameless file back at the end; the descriptor
	 * the mapping was made from is closed. */
	int keep;
	SC_CHECK_OK(keep = fcntl(fd, F_DUPFD_CLOEXEC, 0));
	SC_CHECK_OK(unlink(path));
	SC_CHECK_OK(close(fd));
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), 2 * page,
		     "the mapping after unlink and close");
	sc_fill_mark(p, 0, page);
	SC_CHECK_OK(msync(p, 2 * page, MS_SYNC));
	struct stat sb;
	SC_CHECK_OK(fstat(keep, &sb));
	SC_CHECK_EQ(sb.st_nlink, 0, "st_nlink of the unlinked file");
	static unsigned char buf[65536];
	SC_CHECK(page <= sizeof buf, "page size %zu above the buffer", page);
	sc_pread_all(keep, buf, page, 0);
	SC_CHECK_MEM(buf, SC_WANT_MARK_AT(0), page,
		     "read(2) of the nameless file after writing through the "
		     "mapping and MS_SYNC");
	SC_CHECK_OK(close(keep));
	SC_CHECK_OK(munmap(p, 2 * page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, mapping_keeps_unlinked_closed_file_alive);
	return atf_no_error();
}
