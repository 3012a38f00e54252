/*
 * MSYNC on every kind of mapping and range: flags 0, anonymous, private
 * and read-only mappings, part of a mapping with an unaligned length, an
 * empty range, and the file times msync updates.  (POSIX: st_ctime and
 * st_mtime of a file written through a MAP_SHARED mapping are marked for
 * update no later than the next msync with MS_SYNC or MS_ASYNC.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"
#include "sc_vgquiet.h"

/* Detects flags 0 refused (Linux takes it as MS_ASYNC; POSIX requires
 * one of MS_SYNC or MS_ASYNC, so portable code never relies on it). */
SC_FS_CASE(flags_zero_accepted, MSYNC, SC_LINUX,
	   "msync with flags 0 of a written shared file mapping succeeds")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 0;
	SC_CHECK_OK(msync(p, page, 0));
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects msync refused for mappings with nothing to write back. */
SC_FS_CASE(msync_of_anonymous_private_and_read_only_mappings_succeeds, MSYNC,
	   SC_LINUX,
	   "MS_SYNC of an anonymous, a MAP_PRIVATE file and a PROT_READ "
	   "shared file mapping succeeds")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	void *anon = mmap(NULL, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(anon);
	unsigned char *priv =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(priv);
	priv[0] = 0;
	void *ro = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(ro);
	SC_CHECK_OK(msync(anon, page, MS_SYNC));
	SC_CHECK_OK(msync(priv, page, MS_SYNC));
	SC_CHECK_OK(msync(ro, page, MS_SYNC));
	SC_CHECK_OK(munmap(anon, page));
	SC_CHECK_OK(munmap(priv, page));
	SC_CHECK_OK(munmap(ro, page));
	SC_CHECK_OK(close(fd));
}

/* Detects an unaligned length refused instead of rounded up to whole
 * pages (POSIX leaves the length free; only addr must be aligned). */
SC_FS_CASE(part_of_mapping_with_unaligned_length_succeeds, MSYNC, SC_POSIX,
	   "MS_SYNC of the second page of a mapping, with a length of 10 "
	   "bytes, succeeds")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[page] = 0;
	SC_CHECK_OK(msync(p + page, 10, MS_SYNC));
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects an empty range at an unmapped address refused with ENOMEM
 * (Linux checks nothing for length 0). */
SC_CASE(zero_length_at_unmapped_address_succeeds, MSYNC, SC_LINUX,
	"msync of length 0 at an unmapped page-aligned address succeeds")
{
	size_t page = sc_page_size();
	char *p =
	    mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, page));
	sc_vg_quiet_begin();
	int rv = msync(p, 0, MS_SYNC);
	int err = errno;
	sc_vg_quiet_end();
	if (rv != 0)
		sc_fail_errno(SC_FILE, __LINE__, "msync(unmapped, 0, MS_SYNC)",
			      err);
}

/* Detects a write through a mapping that msync does not record in the
 * file's times (backup and build tools would miss the change). */
SC_FS_CASE(msync_after_write_through_mapping_updates_mtime, MSYNC, SC_POSIX,
	   "After a write through a MAP_SHARED mapping and MS_SYNC, the file's "
	   "st_mtime is no older than the write")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	/* Set the times an hour back: "updated" is then seen at once,
	 * without waiting for the clock.  (st_ctime cannot be set back, so
	 * its update is not observable this way: not checked.) */
	struct timespec old[2] = {{time(NULL) - 3600, 0},
				  {time(NULL) - 3600, 0}};
	SC_CHECK_OK(futimens(fd, old));
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	struct timespec before;
	SC_CHECK_OK(clock_gettime(CLOCK_REALTIME, &before));
	p[0] = 0;
	SC_CHECK_OK(msync(p, page, MS_SYNC));
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	/* File times may be coarse (one tick of the kernel's clock): allow
	 * a second below the time read before the write. */
	SC_CHECK(sb.st_mtim.tv_sec >= before.tv_sec - 1,
		 "st_mtime after write and MS_SYNC: expected at least %lld "
		 "(the write's time, less 1 s), observed %lld (set to %lld "
		 "before)",
		 (long long)before.tv_sec - 1, (long long)sb.st_mtim.tv_sec,
		 (long long)old[1].tv_sec);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, flags_zero_accepted);
	SC_ADD(tp, msync_of_anonymous_private_and_read_only_mappings_succeeds);
	SC_ADD(tp, part_of_mapping_with_unaligned_length_succeeds);
	SC_ADD(tp, zero_length_at_unmapped_address_succeeds);
	SC_ADD(tp, msync_after_write_through_mapping_updates_mtime);
	return atf_no_error();
}
