/*
 * MMAP-RETURN: mmap returns the mapped address; on failure MAP_FAILED, which
 * is (void *)-1 (a pointer, not the integer -1), with errno set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

/* A descriptor number that is certainly not open. */
static int closed_fd(void)
{
	int fd;
	SC_CHECK_OK(fd = open("/dev/null", O_RDONLY | O_CLOEXEC));
	SC_CHECK_OK(close(fd));
	return fd;
}

/* Detects: an mmap that returns something other than the place where the
 * file's bytes are (e.g. 0 for success, as a system call returning int). */
SC_FS_CASE(success_returns_address_of_file_data, MMAP_RETURN, SC_POSIX,
	   "A successful mmap returns the address at which the file's bytes "
	   "are mapped")
{
	size_t page = sc_page_size(), len = 2 * page;
	int fd = sc_tmpfile(fs, len, NULL);
	unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK(p != NULL, "mmap returned NULL for a successful mapping");
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), len,
		     "the bytes at the returned address (the file's, from "
		     "offset 0)");
	SC_CHECK_OK(munmap(p, len));
	SC_CHECK_OK(close(fd));
}

/* Detects: a failure reported by another value (NULL, 0) than MAP_FAILED:
 * code testing `p == MAP_FAILED` would then take a failure for success. */
SC_CASE(failure_returns_map_failed, MMAP_RETURN, SC_POSIX,
	"A failed mmap returns MAP_FAILED")
{
	int fd = closed_fd();
	void *p = mmap(NULL, sc_page_size(), PROT_READ, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED && p != NULL)
		munmap(p, sc_page_size());
	SC_CHECK_PTR_EQ(p, MAP_FAILED,
			"mmap on a closed descriptor: return value");
}

/* Detects: a libc whose MAP_FAILED is not (void *)-1 (the tutorial's "-1"
 * only holds as a pointer: all bits set, not NULL, not the int -1). */
SC_CASE(map_failed_is_pointer_minus_one, MMAP_RETURN, SC_LINUX,
	"The failure value is (void *)-1: a pointer with all bits set")
{
	int fd = closed_fd();
	void *p = mmap(NULL, sc_page_size(), PROT_READ, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED)
		munmap(p, sc_page_size());
	SC_CHECK((uintptr_t)p == UINTPTR_MAX,
		 "mmap on a closed descriptor returned, as an integer: "
		 "expected %#jx (all bits "
		 "set), observed %#jx",
		 (uintmax_t)UINTPTR_MAX, (uintmax_t)(uintptr_t)p);
}

/* Detects: a kernel that accepts a descriptor that is not open (or maps
 * something else for it) instead of failing with EBADF. */
SC_CASE(bad_fd_fails_with_ebadf, MMAP_RETURN, SC_POSIX,
	"A descriptor that is not open (without MAP_ANONYMOUS) fails with "
	"EBADF")
{
	size_t page = sc_page_size();
	int fd = closed_fd();
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ, MAP_SHARED, fd, 0, EBADF);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ, MAP_SHARED, -1, 0, EBADF);
}

/* Detects: a kernel that maps a file through a descriptor without read
 * access: POSIX needs read access whatever prot asks for. */
SC_FS_CASE(write_only_fd_fails_with_eacces, MMAP_RETURN, SC_POSIX,
	   "A descriptor not open for reading fails with EACCES, even for "
	   "PROT_WRITE alone")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int rw = sc_tmpfile(fs, page, path);
	int wr;
	SC_CHECK_OK(wr = open(path, O_WRONLY | O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_WRITE, MAP_SHARED, wr, 0, EACCES);
	SC_CHECK_OK(close(wr));
	SC_CHECK_OK(close(rw));
}

/* Detects: a kernel that returns some mapping (or a pointer) for length 0
 * instead of EINVAL (the rule since POSIX.1-2008, Linux 2.6.12). */
SC_CASE(length_zero_fails_with_einval, MMAP_RETURN, SC_POSIX,
	"A length of 0 fails with EINVAL")
{
	SC_CHECK_MAP_ERRNO(NULL, 0, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, EINVAL);
}

/* Detects: a kernel that picks a default mapping type when flags name
 * neither MAP_SHARED nor MAP_PRIVATE (a common slip: MAP_ANONYMOUS alone). */
SC_CASE(neither_shared_nor_private_fails_with_einval, MMAP_RETURN, SC_POSIX,
	"flags with neither MAP_SHARED nor MAP_PRIVATE fail with EINVAL")
{
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ | PROT_WRITE,
			   MAP_ANONYMOUS, -1, 0, EINVAL);
}

/* Detects: a kernel without MAP_SHARED_VALIDATE (before 4.15: EINVAL) or one
 * that gives the "both" combination private semantics. */
SC_FS_CASE(shared_and_private_together_map_shared_validate, MMAP_RETURN,
	   SC_LINUX,
	   "MAP_SHARED|MAP_PRIVATE on a file is MAP_SHARED_VALIDATE: it "
	   "succeeds and writes reach the file")
{
	size_t page = sc_page_size();
	SC_CHECK_EQ(MAP_SHARED | MAP_PRIVATE, MAP_SHARED_VALIDATE,
		    "MAP_SHARED|MAP_PRIVATE compared with MAP_SHARED_VALIDATE");
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	p[7] = 0;
	unsigned char b;
	sc_pread_all(fd, &b, 1, 7);
	SC_CHECK_EQ(b, 0,
		    "byte 7 read(2) from the file after writing 0 through a "
		    "MAP_SHARED|MAP_PRIVATE mapping (shared: 0; private: the "
		    "file's old byte)");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/*
 * Records that the "both flags are MAP_SHARED_VALIDATE" reading stops at
 * files: an anonymous mapping rejects the combination on this kernel.
 *
 * Detects: an anonymous mapping with both MAP_SHARED and MAP_PRIVATE
 * accepted instead of EINVAL.
 */
SC_CASE(shared_and_private_together_anonymous_fails_with_einval, MMAP_RETURN,
	SC_OBSERVED,
	"MAP_SHARED|MAP_PRIVATE with MAP_ANONYMOUS fails with EINVAL")
{
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			   EINVAL);
}

/* Detects: a kernel that maps a pipe (or fails it with another errno than
 * the one POSIX gives for a file type mmap does not support). */
SC_CASE(pipe_fd_fails_with_enodev, MMAP_RETURN, SC_POSIX,
	"A descriptor of a file type that cannot be mapped (a pipe) fails "
	"with ENODEV")
{
	int fds[2];
	SC_CHECK_OK(pipe2(fds, O_CLOEXEC));
	SC_CHECK_MAP_ERRNO(NULL, sc_page_size(), PROT_READ, MAP_PRIVATE, fds[0],
			   0, ENODEV);
	SC_CHECK_OK(close(fds[0]));
	SC_CHECK_OK(close(fds[1]));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, success_returns_address_of_file_data);
	SC_ADD(tp, failure_returns_map_failed);
	SC_ADD(tp, map_failed_is_pointer_minus_one);
	SC_ADD(tp, bad_fd_fails_with_ebadf);
	SC_ADD(tp, write_only_fd_fails_with_eacces);
	SC_ADD(tp, length_zero_fails_with_einval);
	SC_ADD(tp, neither_shared_nor_private_fails_with_einval);
	SC_ADD(tp, shared_and_private_together_map_shared_validate);
	SC_ADD(tp, shared_and_private_together_anonymous_fails_with_einval);
	SC_ADD(tp, pipe_fd_fails_with_enodev);
	return atf_no_error();
}
