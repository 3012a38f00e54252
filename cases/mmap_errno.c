/*
 * MMAP-RETURN, the rest of its errors: which errno each kind of refused
 * mmap sets (the tutorial says only "returns -1").  The common ones are in
 * mmap_return.c; these are the descriptor kinds that cannot be mapped, the
 * unknown MAP_SHARED_VALIDATE flag, and offsets and lengths too large.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"

/* A flag bit no kernel defines for mmap (between MAP_FIXED_NOREPLACE and
 * the MAP_HUGE_ size field). */
#define SC_MAP_UNKNOWN 0x200000

/* Detects MAP_SHARED_VALIDATE that ignores flags it does not know (the
 * point of it: a caller asking for MAP_SYNC must learn it is not given). */
SC_FS_CASE(shared_validate_unknown_flag_fails_with_eopnotsupp, MMAP_RETURN,
	   SC_LINUX,
	   "MAP_SHARED_VALIDATE with an unknown flag bit fails with EOPNOTSUPP")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ,
			   MAP_SHARED_VALIDATE | SC_MAP_UNKNOWN, fd, 0,
			   EOPNOTSUPP);
	SC_CHECK_OK(close(fd));
}

/* Records the other half of the rule: plain MAP_SHARED ignores the same
 * unknown bit (the legacy behaviour MAP_SHARED_VALIDATE exists beside). */
SC_FS_CASE(plain_shared_ignores_unknown_flag, MMAP_RETURN, SC_LINUX,
	   "Plain MAP_SHARED with the same unknown flag bit succeeds (it is "
	   "ignored)")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	void *p =
	    mmap(NULL, page, PROT_READ, MAP_SHARED | SC_MAP_UNKNOWN, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects a directory mapped (or refused with another errno than the one
 * POSIX gives for a file type mmap does not support). */
SC_CASE(directory_fd_fails_with_enodev, MMAP_RETURN, SC_POSIX,
	"A descriptor of a directory fails with ENODEV")
{
	int fd;
	SC_CHECK_OK(fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ, MAP_PRIVATE, fd, 0,
			   ENODEV);
	SC_CHECK_OK(close(fd));
}

/* Detects a character device without an mmap method that is mapped (or
 * refused with another errno). */
SC_CASE(character_device_without_mmap_fails_with_enodev, MMAP_RETURN, SC_LINUX,
	"A descriptor of /dev/urandom (no mmap method) fails with "
	"ENODEV")
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SC_SKIP("no /dev/urandom here (%s)", sc_errno_name(errno));
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ, MAP_SHARED, fd, 0,
			   ENODEV);
	SC_CHECK_OK(close(fd));
}

/* Detects the check order reversed: the write end of a pipe is first not
 * open for reading (EACCES), before its type is looked at. */
SC_CASE(pipe_write_end_fails_with_eacces, MMAP_RETURN, SC_LINUX,
	"The write end of a pipe (not open for reading) fails with EACCES, "
	"not ENODEV")
{
	int fds[2];
	SC_CHECK_OK(pipe2(fds, O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ, MAP_SHARED, fds[1],
			   0, EACCES);
	SC_CHECK_OK(close(fds[0]));
	SC_CHECK_OK(close(fds[1]));
}

/* Detects an O_PATH descriptor (which grants no I/O at all) that maps. */
SC_FS_CASE(o_path_fd_fails_with_ebadf, MMAP_RETURN, SC_LINUX,
	   "An O_PATH descriptor of a regular file fails with EBADF")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int rw = sc_tmpfile(fs, page, path);
	int fd;
	SC_CHECK_OK(fd = open(path, O_PATH | O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0, EBADF);
	SC_CHECK_OK(close(fd));
	SC_CHECK_OK(close(rw));
}

/* Detects the read-access rule applied to MAP_SHARED only: a descriptor
 * not open for reading cannot back a private copy either (NetBSD lets
 * PROT_WRITE|MAP_PRIVATE through; Linux and POSIX do not). */
SC_FS_CASE(write_only_fd_private_mapping_fails_with_eacces, MMAP_RETURN,
	   SC_POSIX,
	   "A descriptor opened O_WRONLY fails with EACCES for MAP_PRIVATE, "
	   "PROT_READ or PROT_WRITE")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int rw = sc_tmpfile(fs, page, path);
	int wr;
	SC_CHECK_OK(wr = open(path, O_WRONLY | O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ, MAP_PRIVATE, wr, 0, EACCES);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_WRITE, MAP_PRIVATE, wr, 0, EACCES);
	SC_CHECK_OK(close(wr));
	SC_CHECK_OK(close(rw));
}

/* Detects an offset + length past the largest off_t that wraps round to
 * a small offset and maps the wrong bytes. */
SC_FS_CASE(range_past_largest_offset_fails_with_eoverflow, MMAP_RETURN,
	   SC_POSIX,
	   "An offset whose range ends past the largest off_t fails with "
	   "EOVERFLOW; the page below the last one still maps")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	off_t last = (off_t)((uint64_t)INT64_MAX & ~(uint64_t)(page - 1));
	SC_CHECK_MAP_ERRNO(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, last,
			   EOVERFLOW);
	void *p =
	    mmap(NULL, page, PROT_READ, MAP_SHARED, fd, last - (off_t)page);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects a negative offset taken as a huge positive one (or as 0). */
SC_FS_CASE(negative_offset_fails_with_eoverflow, MMAP_RETURN, SC_LINUX,
	   "A negative (page-aligned) offset on a file fails with EOVERFLOW")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ, MAP_SHARED, fd, -(off_t)page,
			   EOVERFLOW);
	SC_CHECK_OK(close(fd));
}

/* Detects a length that wraps round to a small one when rounded up to
 * whole pages (and maps a page for a request of 2^64 - 1 bytes). */
SC_CASE(length_that_wraps_when_rounded_fails_with_enomem, MMAP_RETURN, SC_LINUX,
	"A length that rounds up past the end of the address space fails "
	"with ENOMEM")
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: its mmap wrapper answers EINVAL for "
			"lengths it cannot place, before the kernel sees them");
	SC_CHECK_MAP_ERRNO(NULL, SIZE_MAX - sc_page_size() + 2, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, ENOMEM);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, shared_validate_unknown_flag_fails_with_eopnotsupp);
	SC_ADD(tp, plain_shared_ignores_unknown_flag);
	SC_ADD(tp, directory_fd_fails_with_enodev);
	SC_ADD(tp, character_device_without_mmap_fails_with_enodev);
	SC_ADD(tp, pipe_write_end_fails_with_eacces);
	SC_ADD(tp, o_path_fd_fails_with_ebadf);
	SC_ADD(tp, write_only_fd_private_mapping_fails_with_eacces);
	SC_ADD(tp, range_past_largest_offset_fails_with_eoverflow);
	SC_ADD(tp, negative_offset_fails_with_eoverflow);
	SC_ADD(tp, length_that_wraps_when_rounded_fails_with_enomem);
	return atf_no_error();
}
