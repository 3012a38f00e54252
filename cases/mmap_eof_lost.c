/*
 * MMAP-EOF-LOST: bytes written through a mapping past end-of-file (in the
 * last, partial page) never become file data: not by msync, munmap or
 * close; and when the file is later extended, the extended range reads as
 * zeros (POSIX ftruncate: "as if it were zero-filled"; write: a gap reads
 * as zeros), whatever had been written there through a mapping.  POSIX
 * mmap adds: "The system shall always zero-fill any partial page at the end
 * of an object", so a later mapping does not see them either (Linux's
 * mmap(2) BUGS: the data stays in the page cache and "subsequent mappings
 * may see the modified content"; msync first helps on some file systems,
 * not on tmpfs).
 *
 * Every case: a file of one page and 100 bytes, a two-page MAP_SHARED
 * mapping, sc_mark bytes written from end-of-file to the end of page 1.
 * The variants differ in what happens next.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

#define TAIL 100

static size_t eof(void)
{
	return sc_page_size() + TAIL;
}

static size_t map_len(void)
{
	return 2 * sc_page_size();
}

/* The file, its mapping, and the bytes past end-of-file written. */
static unsigned char *write_past_eof(const struct sc_fs *fs, int *fd,
				     char *path)
{
	*fd = sc_tmpfile(fs, eof(), path);
	unsigned char *p =
	    mmap(NULL, map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p + eof(), eof(), map_len() - eof());
	/* The bytes are there in memory: what follows is about the file. */
	SC_CHECK_MEM(p + eof(), SC_WANT_MARK_AT(eof()), map_len() - eof(),
		     "the mapping past end-of-file right after writing it");
	return p;
}

/* The file still ends at the old end-of-file, with its own bytes. */
static void check_not_in_file(const char *path, const char *when)
{
	char what[256];
	snprintf(what, sizeof what, "file size in bytes (stat), %s", when);
	SC_CHECK_EQ(sc_path_size(path), eof(), what);
	int fd = sc_open_path(path, O_RDONLY);
	unsigned char c;
	snprintf(what, sizeof what,
		 "pread(2) of 1 byte at end-of-file (%zu) by a new descriptor, "
		 "%s: bytes read",
		 eof(), when);
	SC_CHECK_EQ(pread(fd, &c, 1, (off_t)eof()), 0, what);
	SC_CHECK_OK(close(fd));
	snprintf(what, sizeof what, "the file's own bytes 0..%zu, %s",
		 eof() - 1, when);
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), eof(), what);
}

/* How many of len bytes at b are the sc_mark bytes written from file
 * offset off: says whether a failure shows the mapping's own bytes. */
static size_t count_marks(const unsigned char *b, size_t off, size_t len)
{
	size_t n = 0;
	for (size_t k = 0; k < len; k++)
		n += b[k] == sc_mark(off + k);
	return n;
}

/* The bytes from end-of-file to the end of its page must all be zero. */
static void check_tail_zeros(const unsigned char *tail, const char *where)
{
	size_t len = map_len() - eof();
	char what[400];
	snprintf(what, sizeof what,
		 "%s, bytes %zu..%zu (the old end-of-file to the end of its "
		 "page, written through the mapping) [bytes below count from "
		 "%zu; %zu of the %zu are the very bytes the mapping wrote]",
		 where, eof(), map_len() - 1, eof(),
		 count_marks(tail, eof(), len), len);
	SC_CHECK_MEM(tail, SC_WANT_ZEROS, len, what);
}

/* After the file grew to two pages: the old tail must read as zeros. */
static void check_extension_zeros(const char *path, size_t size,
				  const char *how)
{
	char what[320];
	snprintf(what, sizeof what, "file size in bytes after %s", how);
	SC_CHECK_EQ(sc_path_size(path), size, what);
	unsigned char tail[65536];
	size_t len = map_len() - eof();
	if (len > sizeof tail)
		SC_SKIP("pages of %zu bytes: larger than this case's buffer",
			sc_page_size());
	int fd = sc_open_path(path, O_RDONLY);
	sc_pread_all(fd, tail, len, (off_t)eof());
	SC_CHECK_OK(close(fd));
	snprintf(what, sizeof what,
		 "the file read by a new descriptor after %s", how);
	check_tail_zeros(tail, what);
}

/* Detects: msync writing the whole last page, size included. */
SC_FS_CASE(bytes_past_eof_not_in_file_after_msync, MMAP_EOF_LOST, SC_POSIX,
	   "After msync(MS_SYNC), bytes written past end-of-file are not in "
	   "the file: same size, read(2) finds end-of-file")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(msync(p, map_len(), MS_SYNC));
	check_not_in_file(path, "after msync(MS_SYNC)");
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
}

/* Detects: munmap writing the whole last page, size included. */
SC_FS_CASE(bytes_past_eof_not_in_file_after_munmap, MMAP_EOF_LOST, SC_POSIX,
	   "After munmap, bytes written past end-of-file are not in the file: "
	   "same size, read(2) finds end-of-file")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	check_not_in_file(path, "after munmap");
	SC_CHECK_OK(close(fd));
}

/* Detects: the last close writing the whole last page, size included. */
SC_FS_CASE(bytes_past_eof_not_in_file_after_close, MMAP_EOF_LOST, SC_POSIX,
	   "After munmap and close, bytes written past end-of-file are not in "
	   "the file: same size, read(2) finds end-of-file")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
	check_not_in_file(path, "after munmap and close");
}

/* Detects: ftruncate exposing bytes a live mapping wrote past EOF. */
SC_FS_CASE(ftruncate_extension_reads_zeros_while_mapped, MMAP_EOF_LOST,
	   SC_POSIX,
	   "ftruncate growing the file while the mapping lives: the range "
	   "written past the old end-of-file reads as zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(ftruncate(fd, (off_t)map_len()));
	check_extension_zeros(path, map_len(),
			      "ftruncate to 2 pages, mapping alive, "
			      "no msync");
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
}

/* Detects: ftruncate exposing them after msync, mapping alive. */
SC_FS_CASE(ftruncate_extension_reads_zeros_after_msync_while_mapped,
	   MMAP_EOF_LOST, SC_POSIX,
	   "ftruncate growing the file after msync(MS_SYNC), mapping alive: "
	   "the range written past the old end-of-file reads as zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(msync(p, map_len(), MS_SYNC));
	SC_CHECK_OK(ftruncate(fd, (off_t)map_len()));
	check_extension_zeros(path, map_len(),
			      "msync(MS_SYNC), then ftruncate to 2 "
			      "pages, mapping alive");
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
}

/* Detects: ftruncate exposing them after munmap (kept in the page cache). */
SC_FS_CASE(ftruncate_extension_reads_zeros_after_munmap, MMAP_EOF_LOST,
	   SC_POSIX,
	   "ftruncate growing the file after munmap: the range written past "
	   "the old end-of-file reads as zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(ftruncate(fd, (off_t)map_len()));
	check_extension_zeros(path, map_len(),
			      "munmap, then ftruncate to 2 pages");
	SC_CHECK_OK(close(fd));
}

/* Detects: ftruncate exposing them after munmap and the last close. */
SC_FS_CASE(ftruncate_extension_reads_zeros_after_munmap_and_close,
	   MMAP_EOF_LOST, SC_POSIX,
	   "ftruncate by a new descriptor after munmap and close: the range "
	   "written past the old end-of-file reads as zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
	fd = sc_open_path(path, O_RDWR);
	SC_CHECK_OK(ftruncate(fd, (off_t)map_len()));
	SC_CHECK_OK(close(fd));
	check_extension_zeros(path, map_len(),
			      "munmap and close, then ftruncate to 2 "
			      "pages by a new descriptor");
}

/* Detects: write(2) past EOF leaving the mapping's bytes in its gap. */
SC_FS_CASE(write_extension_gap_reads_zeros_while_mapped, MMAP_EOF_LOST,
	   SC_POSIX,
	   "pwrite(2) one byte at 2 pages while the mapping lives: the gap, "
	   "written past the old end-of-file through the mapping, reads as "
	   "zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	unsigned char c = 1;
	SC_CHECK_EQ(pwrite(fd, &c, 1, (off_t)map_len()), 1,
		    "pwrite(2) of 1 byte at 2 pages: bytes written");
	check_extension_zeros(path, map_len() + 1,
			      "pwrite(2) at 2 pages, mapping alive");
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
}

/* Detects: write(2)'s gap showing them after munmap and close. */
SC_FS_CASE(write_extension_gap_reads_zeros_after_munmap_and_close,
	   MMAP_EOF_LOST, SC_POSIX,
	   "pwrite(2) one byte at 2 pages by a new descriptor after munmap and "
	   "close: the gap reads as zeros")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
	fd = sc_open_path(path, O_WRONLY);
	unsigned char c = 1;
	SC_CHECK_EQ(pwrite(fd, &c, 1, (off_t)map_len()), 1,
		    "pwrite(2) of 1 byte at 2 pages: bytes written");
	SC_CHECK_OK(close(fd));
	check_extension_zeros(path, map_len() + 1,
			      "munmap and close, then pwrite(2) at 2 "
			      "pages by a new descriptor");
}

struct later {
	const char *path;
	const char *where; /* what the writer did before */
};

static void map_and_check_tail(void *arg)
{
	const struct later *l = arg;
	int fd = sc_open_path(l->path, O_RDONLY);
	unsigned char *q = mmap(NULL, map_len(), PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(q);
	check_tail_zeros(q + eof(), l->where);
	SC_CHECK_OK(munmap(q, map_len()));
	SC_CHECK_OK(close(fd));
}

/* Detects: a later mapping's last page not zero-filled past EOF. */
SC_FS_CASE(bytes_past_eof_not_seen_by_later_mapping, MMAP_EOF_LOST, SC_POSIX,
	   "A process that maps the file after the writer unmapped and closed "
	   "it sees zeros past end-of-file in the last page")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
	struct later l = {path, "a new mapping by a separate process, after "
				"the writer's munmap and close"};
	sc_run(map_and_check_tail, &l);
}

/* Detects: the same when the writer ran msync before munmap. */
SC_FS_CASE(bytes_past_eof_not_seen_by_later_mapping_after_msync, MMAP_EOF_LOST,
	   SC_POSIX,
	   "A process that maps the file after the writer's msync(MS_SYNC), "
	   "munmap and close sees zeros past end-of-file in the last page")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = write_past_eof(fs, &fd, path);
	SC_CHECK_OK(msync(p, map_len(), MS_SYNC));
	SC_CHECK_OK(munmap(p, map_len()));
	SC_CHECK_OK(close(fd));
	struct later l = {path, "a new mapping by a separate process, after "
				"the writer's msync(MS_SYNC), munmap and "
				"close"};
	sc_run(map_and_check_tail, &l);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, bytes_past_eof_not_in_file_after_msync);
	SC_ADD(tp, bytes_past_eof_not_in_file_after_munmap);
	SC_ADD(tp, bytes_past_eof_not_in_file_after_close);
	SC_ADD(tp, ftruncate_extension_reads_zeros_while_mapped);
	SC_ADD(tp, ftruncate_extension_reads_zeros_after_msync_while_mapped);
	SC_ADD(tp, ftruncate_extension_reads_zeros_after_munmap);
	SC_ADD(tp, ftruncate_extension_reads_zeros_after_munmap_and_close);
	SC_ADD(tp, write_extension_gap_reads_zeros_while_mapped);
	SC_ADD(tp, write_extension_gap_reads_zeros_after_munmap_and_close);
	SC_ADD(tp, bytes_past_eof_not_seen_by_later_mapping);
	SC_ADD(tp, bytes_past_eof_not_seen_by_later_mapping_after_msync);
	return atf_no_error();
}
