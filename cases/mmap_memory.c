/*
 * MMAP-IS-MEMORY: a file mapping is memory: the C library's memory and
 * string functions work on it, and what they write is in the file.
 *
 * Every range used crosses the boundary between the mapping's two pages.
 * Written results are read back from the file by a new descriptor after
 * munmap and close; read-only functions are checked against the bytes
 * pread(2) finds in the file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

static unsigned char *map_shared_rw(int fd, size_t len)
{
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	return p;
}

static void *xmalloc(size_t n)
{
	void *b = malloc(n);
	if (!b)
		SC_FAIL("out of memory for %zu bytes", n);
	return b;
}

static void unmap_close(void *p, size_t len, int fd)
{
	SC_CHECK_OK(munmap(p, len));
	SC_CHECK_OK(close(fd));
}

/* Put a C string (with its NUL) into the file at off with pwrite(2). */
static void pwrite_string(int fd, const char *s, size_t off)
{
	size_t n = strlen(s) + 1;
	SC_CHECK_EQ(pwrite(fd, s, n, (off_t)off), (long long)n,
		    "pwrite(2) of the test string: bytes written");
}

static const char text[] = "shmconform: a C string in a mapped file";

/* Detects: memcpy's stores into a mapping not reaching the file. */
SC_FS_CASE(memcpy_into_mapping_reaches_file, MMAP_IS_MEMORY, SC_POSIX,
	   "memcpy into a MAP_SHARED mapping puts the bytes into the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	size_t off = page / 2, len = page;
	unsigned char *src = xmalloc(len);
	sc_fill_mark(src, off, len);
	memcpy(p + off, src, len);
	free(src);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_FILE(path, (off_t)off, SC_WANT_MARK_AT(off), len,
		      "the file where memcpy wrote through the mapping");
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), off,
		      "the file before the memcpy range (untouched)");
}

/* Detects: memcpy out of a mapping not returning the file's bytes. */
SC_FS_CASE(memcpy_from_mapping_copies_file_content, MMAP_IS_MEMORY, SC_POSIX,
	   "memcpy out of a mapping copies exactly the file's bytes")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	size_t off = page / 2 + 3, len = page;
	unsigned char *dst = xmalloc(len);
	memcpy(dst, p + off, len);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_FILE(path, (off_t)off, SC_WANT_BYTES(dst), len,
		      "the file's bytes against what memcpy copied out of "
		      "the mapping");
	free(dst);
}

/* Detects: memset's (vector) stores into a mapping not reaching the file. */
SC_FS_CASE(memset_on_mapping_reaches_file, MMAP_IS_MEMORY, SC_POSIX,
	   "memset on a MAP_SHARED mapping sets the bytes in the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	/* 0: the file's pattern has no zero byte, so every byte changes. */
	size_t off = page / 2 + 1, len = page + 7;
	memset(p + off, 0, len);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_FILE(path, (off_t)off, SC_WANT_ZEROS, len,
		      "the file where memset(0) wrote through the mapping");
	SC_CHECK_FILE(path, (off_t)(off + len), SC_WANT_PATTERN_AT(off + len),
		      2 * page - off - len,
		      "the file after the memset range (untouched)");
}

/* Detects: memmove within a mapping going wrong or not reaching the file. */
SC_FS_CASE(memmove_within_mapping_reaches_file, MMAP_IS_MEMORY, SC_POSIX,
	   "memmove between overlapping ranges of a MAP_SHARED mapping puts "
	   "the moved bytes into the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	size_t from = page / 2, shift = 24, len = page;
	memmove(p + from + shift, p + from, len);
	unmap_close(p, 2 * page, fd);
	/* Bytes from+shift.. now hold the file's old bytes from.. */
	SC_CHECK_FILE(path, (off_t)(from + shift), SC_WANT_PATTERN_AT(from),
		      len, "the file where memmove moved bytes 24 up");
	SC_CHECK_FILE(path, (off_t)from, SC_WANT_PATTERN_AT(from), shift,
		      "the file below the moved range (untouched)");
}

/* Detects: strcpy into a mapping not reaching the file, or losing the NUL. */
SC_FS_CASE(strcpy_into_mapping_reaches_file, MMAP_IS_MEMORY, SC_POSIX,
	   "strcpy into a MAP_SHARED mapping writes the string and its NUL "
	   "into the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	size_t off = page - 10;
	/* Through a pointer the compiler cannot see into: with the constant
	 * string itself it would inline the copy and never call strcpy. */
	const char *volatile src = text;
	strcpy((char *)p + off, src);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_FILE(path, (off_t)off, SC_WANT_BYTES(text), sizeof text,
		      "the file where strcpy wrote the string (with its NUL)");
	SC_CHECK_FILE(path, (off_t)(off + sizeof text),
		      SC_WANT_PATTERN_AT(off + sizeof text), 8,
		      "the file after the string's NUL (untouched)");
}

/* Detects: strlen on a mapping reading other bytes than the file's. */
SC_FS_CASE(strlen_on_mapping_measures_string_in_file, MMAP_IS_MEMORY, SC_POSIX,
	   "strlen on a mapping gives the length of the string stored in the "
	   "file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	size_t off = page - 10;
	pwrite_string(fd, text, off);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	size_t n = strlen((const char *)p + off);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_EQ(n, strlen(text),
		    "strlen of the mapping at the string pwrite(2) put in "
		    "the file");
}

/* Detects: strcmp on a mapping comparing other bytes than the file's. */
SC_FS_CASE(strcmp_on_mapping_compares_string_in_file, MMAP_IS_MEMORY, SC_POSIX,
	   "strcmp on a mapping finds the file's string equal to itself and "
	   "orders it against others")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	size_t off = page - 10;
	pwrite_string(fd, text, off);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	const char *m = (const char *)p + off;
	/* Differ from text in its last character (on the second page). */
	char above[sizeof text], below[sizeof text];
	memcpy(above, text, sizeof text);
	memcpy(below, text, sizeof text);
	above[sizeof text - 2]++;
	below[sizeof text - 2]--;
	int eq = strcmp(m, text), lt = strcmp(m, above), gt = strcmp(m, below);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_EQ(eq, 0, "strcmp(mapping, the same string)");
	SC_CHECK(lt < 0,
		 "strcmp(mapping, string one greater in its last character): "
		 "expected < 0, observed %d",
		 lt);
	SC_CHECK(gt > 0,
		 "strcmp(mapping, string one less in its last character): "
		 "expected > 0, observed %d",
		 gt);
}

/* Detects: memcmp on a mapping comparing other bytes than the file's. */
SC_FS_CASE(memcmp_on_mapping_compares_file_content, MMAP_IS_MEMORY, SC_POSIX,
	   "memcmp finds a mapping equal to the file's bytes read by pread(2), "
	   "and finds a one-byte difference")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *file = xmalloc(2 * page);
	sc_pread_all(fd, file, 2 * page, 0);
	unsigned char *p = map_shared_rw(fd, 2 * page);
	int eq = memcmp(p, file, 2 * page);
	/* One byte greater, far into the second page. */
	size_t k = page + page / 2;
	file[k]++;
	int lt = memcmp(p, file, 2 * page);
	free(file);
	unmap_close(p, 2 * page, fd);
	SC_CHECK_EQ(eq, 0, "memcmp(mapping, the file's bytes by pread)");
	SC_CHECK(lt < 0,
		 "memcmp(mapping, the file's bytes with byte %zu one "
		 "greater): expected < 0, observed %d",
		 k, lt);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, memcpy_into_mapping_reaches_file);
	SC_ADD(tp, memcpy_from_mapping_copies_file_content);
	SC_ADD(tp, memset_on_mapping_reaches_file);
	SC_ADD(tp, memmove_within_mapping_reaches_file);
	SC_ADD(tp, strcpy_into_mapping_reaches_file);
	SC_ADD(tp, strlen_on_mapping_measures_string_in_file);
	SC_ADD(tp, strcmp_on_mapping_compares_string_in_file);
	SC_ADD(tp, memcmp_on_mapping_compares_file_content);
	return atf_no_error();
}
