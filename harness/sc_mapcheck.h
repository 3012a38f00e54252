/*
 * Checks for file-backed mapping cases: byte ranges compared with the first
 * difference named, the file read back through a descriptor of its own (in
 * this process or in a separate one), and the file's size by path.
 *
 * Expected bytes are one of: sc_pattern (what sc_tmpfile wrote), sc_mark
 * (what cases write over it: every byte differs from the pattern, none is
 * 0), zeros, or a caller's buffer.
 */
#ifndef SC_MAPCHECK_H
#define SC_MAPCHECK_H

#include <stddef.h>
#include <sys/types.h>

#include "sc.h"

/* A byte unlike sc_pattern(i) and never 0. */
unsigned char sc_mark(size_t i);
/* dst[k] = sc_mark(off + k) for k < len, one byte store at a time. */
void sc_fill_mark(void *dst, size_t off, size_t len);

enum sc_want_kind { SC_WANT_BUF, SC_WANT_ZERO, SC_WANT_PATTERN, SC_WANT_MARK };
struct sc_want {
	enum sc_want_kind kind;
	const void *buf; /* SC_WANT_BUF */
	size_t base;	 /* SC_WANT_PATTERN/MARK: byte k is f(base + k) */
};
#define SC_WANT_BYTES(b) ((struct sc_want){.kind = SC_WANT_BUF, .buf = (b)})
#define SC_WANT_ZEROS ((struct sc_want){.kind = SC_WANT_ZERO})
#define SC_WANT_PATTERN_AT(off)                                                \
	((struct sc_want){.kind = SC_WANT_PATTERN, .base = (off)})
#define SC_WANT_MARK_AT(off)                                                   \
	((struct sc_want){.kind = SC_WANT_MARK, .base = (off)})

/* len bytes of memory at observed must be as wanted; the failure names the
 * first differing byte, both values, the bytes from there, and how many
 * differ. */
#define SC_CHECK_MEM(observed, want, len, what)                                \
	sc_check_mem(SC_FILE, __LINE__, observed, want, len, what)
void sc_check_mem(const char *file, int line, const void *observed,
		  struct sc_want want, size_t len, const char *what);

/*
 * Open path afresh (O_RDONLY), pread len bytes at off and check them.  A
 * file too short to hold them fails with its size.  The descriptor is the
 * check's own, never the one a mapping under test was made from.
 */
#define SC_CHECK_FILE(path, off, want, len, what)                              \
	sc_check_file(SC_FILE, __LINE__, path, off, want, len, what)
void sc_check_file(const char *file, int line, const char *path, off_t off,
		   struct sc_want want, size_t len, const char *what);

/* The same check made by a separate process, which maps nothing and reads
 * the file by its own descriptor. */
#define SC_CHECK_FILE_ELSEWHERE(path, off, want, len, what)                    \
	sc_check_file_elsewhere(SC_FILE, __LINE__, path, off, want, len, what)
void sc_check_file_elsewhere(const char *file, int line, const char *path,
			     off_t off, struct sc_want want, size_t len,
			     const char *what);

/* The file's size by stat(path). */
off_t sc_path_size(const char *path);

/* open(path, flags | O_CLOEXEC), failing the case on error. */
int sc_open_path(const char *path, int flags);

#endif
