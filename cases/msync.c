/*
 * MSYNC: msync(addr, len, flags) writes a MAP_SHARED mapping's changes to
 * the file's storage.  MS_ASYNC, MS_SYNC and MS_INVALIDATE are accepted;
 * EINVAL for MS_SYNC with MS_ASYNC, an unknown flag, an address that is not
 * page-aligned; ENOMEM for a range that is not (all) mapped; EBUSY for
 * MS_INVALIDATE over locked memory.  After MS_SYNC the data is in the file
 * and on storage (the kernel no longer holds the page dirty), while Linux's
 * MS_ASYNC writes nothing; read(2) sees the data even before msync (one
 * page cache): msync is about durability, not visibility.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_pageflags.h"
#include "sc_vgquiet.h"

#define SPAN 64
static size_t span_off(void)
{
	return sc_page_size() - SPAN / 2;
}

/* A two-page file mapped MAP_SHARED, with sc_mark bytes written across
 * the page boundary (so there is something to synchronise). */
static unsigned char *map_written(const struct sc_fs *fs, int *fd, char *path)
{
	size_t page = sc_page_size();
	*fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	return p;
}

static void unmap_close(unsigned char *p, int fd)
{
	SC_CHECK_OK(munmap(p, 2 * sc_page_size()));
	SC_CHECK_OK(close(fd));
}

/* ---- flags accepted ---------------------------------------------------- */

/* Detects: MS_ASYNC rejected. */
SC_FS_CASE(ms_async_accepted, MSYNC, SC_POSIX,
	   "msync(MS_ASYNC) of a written MAP_SHARED mapping returns 0")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_ASYNC));
	unmap_close(p, fd);
}

/* Detects: MS_SYNC rejected or failing. */
SC_FS_CASE(ms_sync_accepted, MSYNC, SC_POSIX,
	   "msync(MS_SYNC) of a written MAP_SHARED mapping returns 0")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_SYNC));
	unmap_close(p, fd);
}

/* Detects: MS_INVALIDATE rejected with MS_SYNC. */
SC_FS_CASE(ms_invalidate_with_ms_sync_accepted, MSYNC, SC_POSIX,
	   "msync(MS_SYNC | MS_INVALIDATE) of a written MAP_SHARED mapping "
	   "returns 0 and keeps the data")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_SYNC | MS_INVALIDATE));
	/* Invalidating drops no change of the caller's own. */
	SC_CHECK_MEM(p + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the mapping after msync(MS_SYNC | MS_INVALIDATE)");
	unmap_close(p, fd);
}

/* Detects: MS_INVALIDATE alone rejected (Linux documents it accepted). */
SC_FS_CASE(ms_invalidate_alone_accepted, MSYNC, SC_LINUX,
	   "msync(MS_INVALIDATE) with neither MS_SYNC nor MS_ASYNC returns 0 "
	   "on Linux")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_INVALIDATE));
	unmap_close(p, fd);
}

/* ---- errors ------------------------------------------------------------ */

/* Detects: contradictory flags accepted. */
SC_FS_CASE(ms_sync_with_ms_async_fails_einval, MSYNC, SC_POSIX,
	   "msync(MS_SYNC | MS_ASYNC) fails with EINVAL")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_ERRNO(msync(p, 2 * sc_page_size(), MS_SYNC | MS_ASYNC),
		       EINVAL);
	unmap_close(p, fd);
}

/* Detects: unknown flag bits ignored instead of refused. */
SC_FS_CASE(unknown_flag_fails_einval, MSYNC, SC_POSIX,
	   "msync with MS_SYNC and a flag bit that is none of MS_ASYNC, "
	   "MS_SYNC, MS_INVALIDATE fails with EINVAL")
{
	int known = MS_ASYNC | MS_SYNC | MS_INVALIDATE;
	int unknown = 1;
	while (unknown & known)
		unknown <<= 1;
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	sc_note("unknown flag bit used: 0x%x (known flags: 0x%x)", unknown,
		known);
	SC_CHECK_ERRNO(msync(p, 2 * sc_page_size(), MS_SYNC | unknown), EINVAL);
	unmap_close(p, fd);
}

/* Detects: an unaligned address rounded down instead of refused. */
SC_FS_CASE(unaligned_address_fails_einval, MSYNC, SC_POSIX,
	   "msync of an address one byte past a page boundary fails with "
	   "EINVAL")
{
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_ERRNO(msync(p + 1, sc_page_size(), MS_SYNC), EINVAL);
	unmap_close(p, fd);
}

/* msync over memory deliberately not (all) mapped: valgrind would report
 * the call itself, which is the point of the case. */
static int msync_unmapped(void *addr, size_t len, int flags)
{
	sc_vg_quiet_begin();
	int rv = msync(addr, len, flags);
	int err = errno;
	sc_vg_quiet_end();
	errno = err;
	return rv;
}

/* Detects: msync of memory that is not mapped reported as success. */
SC_FS_CASE(unmapped_range_fails_enomem, MSYNC, SC_POSIX,
	   "msync of a range with nothing mapped fails with ENOMEM")
{
	size_t page = sc_page_size();
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	SC_CHECK_OK(munmap(p, 2 * page));
	/* Nothing maps here now: this process makes no other mapping. */
	SC_CHECK_ERRNO(msync_unmapped(p, 2 * page, MS_SYNC), ENOMEM);
	SC_CHECK_OK(close(fd));
}

/* Detects: a hole inside the range skipped silently. */
SC_FS_CASE(range_with_unmapped_page_fails_enomem, MSYNC, SC_POSIX,
	   "msync of three pages whose middle page is not mapped fails with "
	   "ENOMEM")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = sc_mark(0);
	SC_CHECK_OK(munmap(p + page, page));
	SC_CHECK_ERRNO(msync_unmapped(p, 3 * page, MS_SYNC), ENOMEM);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(munmap(p + 2 * page, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: MS_INVALIDATE over locked pages accepted. */
SC_FS_CASE(ms_invalidate_on_locked_range_fails_ebusy, MSYNC, SC_POSIX,
	   "msync(MS_SYNC | MS_INVALIDATE) of mlock()ed pages fails with "
	   "EBUSY")
{
	size_t page = sc_page_size();
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	if (mlock(p, page) != 0)
		SC_SKIP("mlock of one page failed with %s (RLIMIT_MEMLOCK or "
			"privilege): cannot lock the range",
			sc_errno_name(errno));
	SC_CHECK_ERRNO(msync(p, page, MS_SYNC | MS_INVALIDATE), EBUSY);
	SC_CHECK_OK(munlock(p, page));
	unmap_close(p, fd);
}

/* ---- the data ---------------------------------------------------------- */

/* Detects: MS_SYNC returning before the data is in the file. */
SC_FS_CASE(ms_sync_data_in_file_read_by_new_descriptor, MSYNC, SC_POSIX,
	   "After msync(MS_SYNC) the bytes written through the mapping are "
	   "read from the file by a new descriptor")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = map_written(fs, &fd, path);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_SYNC));
	SC_CHECK_FILE(path, (off_t)span_off(), SC_WANT_MARK_AT(span_off()),
		      SPAN,
		      "the file by a new descriptor after msync(MS_SYNC)");
	unmap_close(p, fd);
}

/* Detects: MS_SYNC'd data visible only to the writing process. */
SC_FS_CASE(ms_sync_data_read_by_other_process, MSYNC, SC_POSIX,
	   "After msync(MS_SYNC) a separate process reads the bytes written "
	   "through the mapping from the file")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = map_written(fs, &fd, path);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), MS_SYNC));
	SC_CHECK_FILE_ELSEWHERE(path, (off_t)span_off(),
				SC_WANT_MARK_AT(span_off()), SPAN,
				"the file after msync(MS_SYNC)");
	unmap_close(p, fd);
}

/* Detects: read(2) not seeing mapped writes until msync. */
SC_FS_CASE(read_sees_write_before_msync, MSYNC, SC_OBSERVED,
	   "read(2) by a new descriptor sees bytes written through a "
	   "MAP_SHARED mapping before any msync (Linux: one page cache)")
{
	int fd;
	char path[PATH_MAX];
	unsigned char *p = map_written(fs, &fd, path);
	SC_CHECK_FILE(path, (off_t)span_off(), SC_WANT_MARK_AT(span_off()),
		      SPAN,
		      "pread(2) by a new descriptor right after the write, no "
		      "msync");
	unmap_close(p, fd);
}

/* The page's dirty/writeback state, or a skip saying why it is unknown. */
static uint64_t page_state(const void *addr)
{
	uint64_t flags;
	char why[256];
	if (sc_page_flags(addr, &flags, why, sizeof why) != 0)
		SC_SKIP("cannot read the page's kernel flags: %s", why);
	return flags & (SC_KPF_DIRTY | SC_KPF_WRITEBACK);
}

/* Write a page of a file on storage, check the kernel holds it dirty, msync
 * it with flags; returns its dirty/writeback state after. */
static uint64_t page_state_after_msync(const struct sc_fs *fs, int flags)
{
	if (!sc_fs_has_storage(fs))
		SC_SKIP("%s keeps files only in memory: there is no storage "
			"for msync to write to",
			fs->type);
	int fd;
	unsigned char *p = map_written(fs, &fd, NULL);
	unsigned char *pg = p + sc_page_size(); /* written at its start */
	uint64_t before = page_state(pg);
	if (!(before & SC_KPF_DIRTY))
		SC_SKIP("the written page was already clean before msync "
			"(flags 0x%llx): the kernel wrote it back first, so "
			"msync's effect cannot be seen",
			(unsigned long long)before);
	SC_CHECK_OK(msync(p, 2 * sc_page_size(), flags));
	uint64_t after = page_state(pg);
	unmap_close(p, fd);
	return after;
}

/* Detects: MS_SYNC returning before the page is written to storage. */
SC_FS_CASE(ms_sync_writes_dirty_page_to_storage, MSYNC, SC_POSIX,
	   "After msync(MS_SYNC) the written page is no longer dirty nor "
	   "under writeback (seen in /proc/kpageflags)")
{
	uint64_t after = page_state_after_msync(fs, MS_SYNC);
	SC_CHECK(after == 0,
		 "the page's kernel state after msync(MS_SYNC): expected "
		 "clean (no DIRTY, no WRITEBACK), observed%s%s",
		 after & SC_KPF_DIRTY ? " DIRTY" : "",
		 after & SC_KPF_WRITEBACK ? " WRITEBACK" : "");
}

/* Detects: MS_ASYNC writing or starting writeback (pre-2.6.19 Linux). */
SC_FS_CASE(ms_async_leaves_page_dirty, MSYNC, SC_LINUX,
	   "msync(MS_ASYNC) writes nothing: the written page stays dirty and "
	   "not under writeback (Linux >= 2.6.19: MS_ASYNC is a no-op)")
{
	uint64_t after = page_state_after_msync(fs, MS_ASYNC);
	SC_CHECK(after == SC_KPF_DIRTY,
		 "the page's kernel state after msync(MS_ASYNC): expected "
		 "DIRTY only, observed%s%s%s",
		 after & SC_KPF_DIRTY ? " DIRTY" : "",
		 after & SC_KPF_WRITEBACK ? " WRITEBACK" : "",
		 after ? "" : " clean");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, ms_async_accepted);
	SC_ADD(tp, ms_sync_accepted);
	SC_ADD(tp, ms_invalidate_with_ms_sync_accepted);
	SC_ADD(tp, ms_invalidate_alone_accepted);
	SC_ADD(tp, ms_sync_with_ms_async_fails_einval);
	SC_ADD(tp, unknown_flag_fails_einval);
	SC_ADD(tp, unaligned_address_fails_einval);
	SC_ADD(tp, unmapped_range_fails_enomem);
	SC_ADD(tp, range_with_unmapped_page_fails_enomem);
	SC_ADD(tp, ms_invalidate_on_locked_range_fails_ebusy);
	SC_ADD(tp, ms_sync_data_in_file_read_by_new_descriptor);
	SC_ADD(tp, ms_sync_data_read_by_other_process);
	SC_ADD(tp, read_sees_write_before_msync);
	SC_ADD(tp, ms_sync_writes_dirty_page_to_storage);
	SC_ADD(tp, ms_async_leaves_page_dirty);
	return atf_no_error();
}
