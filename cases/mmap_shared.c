/*
 * MAP-SHARED: a write through a MAP_SHARED mapping is seen by every process
 * mapping the file and by read(2), and reaches the file.
 *
 * Every write here puts sc_mark bytes over the file's sc_pattern bytes, so
 * each written byte is a visible change; the range written crosses a page
 * boundary, so two pages are involved.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_peer.h"

/* The range written: the last 32 bytes of page 0, the first 32 of page 1. */
#define SPAN 64
static size_t span_off(void)
{
	return sc_page_size() - SPAN / 2;
}

static unsigned char *map_shared_rw(int fd, size_t len)
{
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	return p;
}

/* Maps the file by its own descriptor before the write, checks after. */
static void peer_maps_file(void *arg)
{
	struct sc_peer *pr = arg;
	int fd = sc_open_path(pr->path, O_RDONLY);
	unsigned char *q = mmap(NULL, pr->len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(q);
	size_t off = span_off();
	/* The file's own bytes first: a change later is the writer's. */
	SC_CHECK_MEM(q + off, SC_WANT_PATTERN_AT(off), SPAN,
		     "the peer's own MAP_SHARED mapping, before the write");
	sc_event_post(&pr->ready);
	sc_event_wait(&pr->written, 0, "the write through the other mapping");
	SC_CHECK_MEM(q + off, SC_WANT_MARK_AT(off), SPAN,
		     "the peer's own MAP_SHARED mapping of the file, after "
		     "another process wrote through its MAP_SHARED mapping");
	SC_CHECK_OK(munmap(q, pr->len));
	SC_CHECK_OK(close(fd));
}

/* Detects: a MAP_SHARED write that stays private to the writer's mapping. */
SC_FS_CASE(write_seen_by_other_process_mapping_file, MAP_SHARED, SC_POSIX,
	   "A write through a MAP_SHARED mapping shows in another process's "
	   "own MAP_SHARED mapping of the file, without msync")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, NULL);
	pid_t pid = sc_spawn(peer_maps_file, &pr);
	sc_event_wait(&pr.ready, pid, "the peer to map the file");
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	sc_event_post(&pr.written);
	sc_peer_finish(&pr, pid);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Opens the file before the write, read(2)s it after; maps nothing. */
static void peer_reads_file(void *arg)
{
	struct sc_peer *pr = arg;
	int fd = sc_open_path(pr->path, O_RDONLY);
	size_t off = span_off();
	unsigned char buf[SPAN];
	sc_event_post(&pr->ready);
	sc_event_wait(&pr->written, 0, "the write through the mapping");
	sc_pread_all(fd, buf, SPAN, (off_t)off);
	SC_CHECK_MEM(buf, SC_WANT_MARK_AT(off), SPAN,
		     "pread(2) by another process of the bytes just written "
		     "through a MAP_SHARED mapping, no msync");
	SC_CHECK_OK(close(fd));
}

/* Detects: read(2) not seeing mapped writes until msync. */
SC_FS_CASE(write_seen_by_read_in_other_process_before_msync, MAP_SHARED,
	   SC_OBSERVED,
	   "read(2) in another process sees a MAP_SHARED write at once, "
	   "before any msync (Linux: one page cache)")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, NULL);
	pid_t pid = sc_spawn(peer_reads_file, &pr);
	sc_event_wait(&pr.ready, pid, "the reader to open the file");
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	sc_event_post(&pr.written);
	sc_peer_finish(&pr, pid);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: munmap or close discarding a MAP_SHARED mapping's changes. */
SC_FS_CASE(write_reaches_file_after_munmap_and_close, MAP_SHARED, SC_POSIX,
	   "Bytes written through a MAP_SHARED mapping are in the file after "
	   "munmap and close, read by a new descriptor")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, (off_t)span_off(), SC_WANT_MARK_AT(span_off()),
		      SPAN,
		      "the file, read by a new descriptor after munmap and "
		      "close, where the mapping was written");
	/* Nothing else changed: the bytes around the write are the file's. */
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), span_off(),
		      "the file before the written range");
	SC_CHECK_EQ(sc_path_size(path), 2 * page, "file size in bytes");
}

/* Detects: changes readable only by the writing process. */
SC_FS_CASE(write_reaches_file_read_by_separate_process, MAP_SHARED, SC_POSIX,
	   "Bytes written through a MAP_SHARED mapping are read from the file "
	   "by a separate process after munmap and close")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE_ELSEWHERE(path, (off_t)span_off(),
				SC_WANT_MARK_AT(span_off()), SPAN,
				"the file where a MAP_SHARED mapping was "
				"written (then unmapped and closed)");
}

/* Detects: a mapping made at a file offset writing to the wrong place. */
SC_FS_CASE(write_at_mapping_offset_reaches_same_file_offset, MAP_SHARED,
	   SC_POSIX,
	   "Byte k of a MAP_SHARED mapping made at file offset one page "
	   "lands at file offset one page + k")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 3 * page, path);
	unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, (off_t)page);
	SC_CHECK_MAP(p);
	/* Mapping bytes span_off.. are file bytes page + span_off.. */
	size_t foff = page + span_off();
	sc_fill_mark(p + span_off(), foff, SPAN);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, (off_t)foff, SC_WANT_MARK_AT(foff), SPAN,
		      "the file at offset page + k after writing mapping "
		      "byte k of a mapping made at offset page");
	SC_CHECK_FILE(path, (off_t)span_off(), SC_WANT_PATTERN_AT(span_off()),
		      SPAN, "the file at offset k (must be untouched)");
}

/* Detects: a mapping that keeps showing its old copy after write(2). */
SC_FS_CASE(file_write_seen_through_existing_mapping, MAP_SHARED, SC_OBSERVED,
	   "pwrite(2) to the file shows at once in an existing MAP_SHARED "
	   "mapping (Linux: one page cache)")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	/* Fault the pages in first, so the mapping has a view to go stale. */
	SC_CHECK_MEM(p + span_off(), SC_WANT_PATTERN_AT(span_off()), SPAN,
		     "the mapping before pwrite");
	unsigned char buf[SPAN];
	sc_fill_mark(buf, span_off(), SPAN);
	int wfd = sc_open_path(path, O_WRONLY);
	SC_CHECK_EQ(pwrite(wfd, buf, SPAN, (off_t)span_off()), SPAN,
		    "pwrite(2) return value (bytes written)");
	SC_CHECK_OK(close(wfd));
	SC_CHECK_MEM(p + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the MAP_SHARED mapping after pwrite(2) to the file by "
		     "another descriptor");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: writes lost or misplaced somewhere in a large shared mapping
 * (gVisor Bug38498194, LTP mmap21): every byte of 4 MiB is checked. */
SC_FS_CASE(four_mib_written_through_mapping_read_back_by_read, MAP_SHARED,
	   SC_POSIX,
	   "Every byte of a 4 MiB file written through a MAP_SHARED mapping "
	   "is read back by read(2) after munmap")
{
	enum { MIB4 = 4 << 20, CHUNK = 1 << 16 };
	struct statvfs sv;
	sc_fs_require_writable(fs);
	/* f_blocks 0: no size limit (ramfs) */
	if (statvfs(fs->dir, &sv) == 0 && sv.f_blocks != 0 &&
	    (unsigned long long)sv.f_bavail * sv.f_frsize < 2ULL * MIB4)
		SC_SKIP("%s has less than 8 MiB free: the case writes a 4 MiB "
			"file",
			fs->dir);
	int fd = sc_tmpfile(fs, MIB4, NULL);
	unsigned char *p = map_shared_rw(fd, MIB4);
	sc_fill_mark(p, 0, MIB4);
	SC_CHECK_OK(munmap(p, MIB4));
	SC_CHECK_OK(lseek(fd, 0, SEEK_SET));
	static unsigned char buf[CHUNK];
	for (size_t off = 0; off < MIB4; off += CHUNK) {
		SC_CHECK_EQ(read(fd, buf, CHUNK), CHUNK, "bytes read(2)");
		SC_CHECK_MEM(buf, SC_WANT_MARK_AT(off), CHUNK,
			     "read(2) of the 4 MiB file written through the "
			     "mapping");
	}
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, write_seen_by_other_process_mapping_file);
	SC_ADD(tp, write_seen_by_read_in_other_process_before_msync);
	SC_ADD(tp, write_reaches_file_after_munmap_and_close);
	SC_ADD(tp, write_reaches_file_read_by_separate_process);
	SC_ADD(tp, write_at_mapping_offset_reaches_same_file_offset);
	SC_ADD(tp, file_write_seen_through_existing_mapping);
	SC_ADD(tp, four_mib_written_through_mapping_read_back_by_read);
	return atf_no_error();
}
