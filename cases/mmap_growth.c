/*
 * MMAP-NO-GROWTH: mapping a file, writing through the mapping, msync and
 * munmap never change the file's size.
 *
 * The file is one page and 100 bytes: its last page is partial, so the
 * writes below also cover the bytes past end-of-file that the mapping
 * makes addressable (the most likely place for a size change).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

#define TAIL 100

static size_t file_size(void)
{
	return sc_page_size() + TAIL;
}

/* The size by the descriptor and by the name: both must be unchanged. */
static void check_size(int fd, const char *path, const char *when)
{
	char what[200];
	snprintf(what, sizeof what, "file size in bytes by fstat, %s", when);
	SC_CHECK_EQ(sc_file_size(fd), file_size(), what);
	snprintf(what, sizeof what, "file size in bytes by stat(path), %s",
		 when);
	SC_CHECK_EQ(sc_path_size(path), file_size(), what);
}

/* Map the two pages that hold the file's bytes (the second partially). */
static unsigned char *map_file(int fd)
{
	unsigned char *p = mmap(NULL, 2 * sc_page_size(),
				PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	return p;
}

/* Every addressable byte, past end-of-file in the last page included. */
static void write_all(unsigned char *p)
{
	sc_fill_mark(p, 0, 2 * sc_page_size());
}

/* Detects: mmap extending the file to the mapping's length. */
SC_FS_CASE(mmap_leaves_file_size_unchanged, MMAP_NO_GROWTH, SC_POSIX,
	   "mmap of a length beyond end-of-file leaves the file's size "
	   "unchanged")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	check_size(fd, path, "after mmap of 3 pages");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a store past end-of-file in the last page growing the file. */
SC_FS_CASE(writing_through_mapping_leaves_file_size_unchanged, MMAP_NO_GROWTH,
	   SC_POSIX,
	   "Writing every byte of a mapping, past end-of-file in the last page "
	   "included, leaves the file's size unchanged")
{
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p = map_file(fd);
	write_all(p);
	check_size(fd, path, "after writing the whole mapping");
	SC_CHECK_OK(munmap(p, 2 * sc_page_size()));
	SC_CHECK_OK(close(fd));
}

/* Detects: msync writing back the whole last page and the size with it. */
SC_FS_CASE(msync_leaves_file_size_unchanged, MMAP_NO_GROWTH, SC_POSIX,
	   "msync(MS_SYNC) after writing past end-of-file in the last page "
	   "leaves the file's size unchanged")
{
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p = map_file(fd);
	write_all(p);
	check_size(fd, path, "after writing, before msync");
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_SYNC));
	check_size(fd, path, "after msync(MS_SYNC)");
	SC_CHECK_OK(munmap(p, 2 * sc_page_size()));
	SC_CHECK_OK(close(fd));
}

/* Detects: munmap writing back the whole last page and the size with it. */
SC_FS_CASE(munmap_leaves_file_size_unchanged, MMAP_NO_GROWTH, SC_POSIX,
	   "munmap after writing past end-of-file in the last page leaves the "
	   "file's size unchanged")
{
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, file_size(), path);
	unsigned char *p = map_file(fd);
	write_all(p);
	check_size(fd, path, "after writing, before munmap");
	SC_CHECK_OK(munmap(p, 2 * sc_page_size()));
	check_size(fd, path, "after munmap");
	SC_CHECK_OK(close(fd));
	SC_CHECK_EQ(sc_path_size(path), file_size(),
		    "file size in bytes by stat(path), after munmap and "
		    "close");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, mmap_leaves_file_size_unchanged);
	SC_ADD(tp, writing_through_mapping_leaves_file_size_unchanged);
	SC_ADD(tp, msync_leaves_file_size_unchanged);
	SC_ADD(tp, munmap_leaves_file_size_unchanged);
	return atf_no_error();
}
