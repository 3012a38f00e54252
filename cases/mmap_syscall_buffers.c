/*
 * A mapping handed to a system call as its buffer.  MMAP-IS-MEMORY: the
 * kernel takes the mapping like any memory, even a mapping of the very
 * file it reads or writes (no deadlock on the file's own pages).
 * MMAP-BEYOND-FILE: a page wholly past end-of-file that a system call
 * touches is a failed copy (EFAULT), not a signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

/* Detects: a kernel that refuses (or deadlocks on) I/O whose buffer is a
 * mapping of the same file. */
SC_FS_CASE(pread_and_pwrite_with_mapping_of_same_file_as_buffer, MMAP_IS_MEMORY,
	   SC_LINUX,
	   "pread of a file's page 0 into its own mapping of page 1, and "
	   "pwrite from the mapping to page 2, copy the bytes")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_EQ(pread(fd, p + page, page, 0), page,
		    "bytes pread into the file's own mapping");
	SC_CHECK_MEM(p + page, SC_WANT_PATTERN_AT(0), page,
		     "page 1 of the mapping after pread of page 0 into it");
	SC_CHECK_EQ(pwrite(fd, p, page, (off_t)(2 * page)), page,
		    "bytes pwritten from the file's own mapping");
	SC_CHECK_MEM(p + 2 * page, SC_WANT_PATTERN_AT(0), page,
		     "page 2 of the mapping after pwrite of page 0 there");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a page past EOF that a system call reads as data (zeros), or
 * that kills the caller with SIGBUS instead of failing the call. */
SC_FS_CASE(write_from_page_beyond_eof_fails_with_efault, MMAP_BEYOND_FILE,
	   SC_LINUX,
	   "write(2) whose buffer is a mapped page wholly past end-of-file "
	   "fails with EFAULT, and no signal is raised")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, page, path);
	unsigned char *p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	int out = sc_tmpfile(fs, 0, NULL);
	SC_CHECK_ERRNO(write(out, p + page, 16), EFAULT);
	SC_CHECK_EQ(sc_file_size(out), 0, "size of the file written to");
	SC_CHECK_OK(close(out));
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a kernel that refuses (or deadlocks on) read(2)/write(2) at the
 * file position whose buffer is a mapping of the same file (gVisor
 * SelfRead, SelfWrite), or moves the position wrongly. */
SC_FS_CASE(read_and_write_with_mapping_of_same_file_as_buffer, MMAP_IS_MEMORY,
	   SC_LINUX,
	   "read(2) at position 0 into the file's own mapping of page 1, and "
	   "write(2) at position two pages from the mapping's page 0, copy "
	   "the bytes and advance the position")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 3 * page, NULL);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(lseek(fd, 0, SEEK_SET));
	SC_CHECK_EQ(read(fd, p + page, page), page,
		    "bytes read(2) into the file's own mapping");
	SC_CHECK_EQ(lseek(fd, 0, SEEK_CUR), page, "file position after read");
	SC_CHECK_MEM(p + page, SC_WANT_PATTERN_AT(0), page,
		     "page 1 of the mapping after read(2) of page 0 into it");
	SC_CHECK_OK(lseek(fd, (off_t)(2 * page), SEEK_SET));
	SC_CHECK_EQ(write(fd, p, page), page,
		    "bytes written by write(2) from the file's own mapping");
	SC_CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3 * page,
		    "file position after write");
	SC_CHECK_MEM(p + 2 * page, SC_WANT_PATTERN_AT(0), page,
		     "page 2 of the mapping after write(2) of page 0 there");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_OK(close(fd));
}

/* Records Linux's rule: an AF_UNIX stream write copies the bytes into the
 * socket's buffer before it returns (no page loaning as NetBSD's
 * mmap_loan tests; zero-copy exists only with MSG_ZEROCOPY on TCP/UDP).
 * Detects: data sent from a mapping that changes with later writes to the
 * mapping before the peer reads it. */
SC_FS_CASE(socket_write_from_mapping_sends_bytes_as_they_were, MMAP_IS_MEMORY,
	   SC_LINUX,
	   "Bytes written to a socketpair from a MAP_SHARED file mapping are "
	   "received as they were at write(2), though the mapping is "
	   "overwritten before the peer reads them")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	int sv[2];
	SC_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	SC_CHECK_EQ(write(sv[0], p, page), page,
		    "bytes written to the socket from the mapping");
	sc_fill_mark(p, 0, page);
	static unsigned char buf[65536];
	SC_CHECK(page <= sizeof buf, "page size %zu above the buffer", page);
	size_t got = 0;
	while (got < page) {
		ssize_t n = read(sv[1], buf + got, page - got);
		SC_CHECK_OK(n);
		SC_CHECK(n > 0, "the socket ended after %zu of %zu bytes", got,
			 page);
		got += (size_t)n;
	}
	SC_CHECK_MEM(buf, SC_WANT_PATTERN_AT(0), page,
		     "bytes received (the file's bytes at the write, not the "
		     "later marks)");
	SC_CHECK_OK(close(sv[0]));
	SC_CHECK_OK(close(sv[1]));
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, pread_and_pwrite_with_mapping_of_same_file_as_buffer);
	SC_ADD(tp, write_from_page_beyond_eof_fails_with_efault);
	SC_ADD(tp, read_and_write_with_mapping_of_same_file_as_buffer);
	SC_ADD(tp, socket_write_from_mapping_sends_bytes_as_they_were);
	return atf_no_error();
}
