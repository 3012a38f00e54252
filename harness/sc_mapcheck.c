/* Byte-range and file-content checks for the file-backed mapping cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_mapcheck.h"

unsigned char sc_mark(size_t i)
{
	/* sc_pattern is 1..251: its complement differs and is never 0. */
	return (unsigned char)~sc_pattern(i);
}

void sc_fill_mark(void *dst, size_t off, size_t len)
{
	unsigned char *d = dst;
	for (size_t k = 0; k < len; k++)
		d[k] = sc_mark(off + k);
}

static unsigned char sc_want_at(const struct sc_want *w, size_t k)
{
	switch (w->kind) {
	case SC_WANT_BUF:
		return ((const unsigned char *)w->buf)[k];
	case SC_WANT_PATTERN:
		return sc_pattern(w->base + k);
	case SC_WANT_MARK:
		return sc_mark(w->base + k);
	case SC_WANT_ZERO:
		break;
	}
	return 0;
}

void sc_check_mem(const char *file, int line, const void *observed,
		  struct sc_want want, size_t len, const char *what)
{
	const unsigned char *obs = observed;
	size_t first = len, last = 0, ndiff = 0;
	for (size_t k = 0; k < len; k++) {
		if (obs[k] != sc_want_at(&want, k)) {
			if (first == len)
				first = k;
			last = k;
			ndiff++;
		}
	}
	if (!ndiff)
		return;
	char seen[64] = "";
	for (size_t k = first, n = 0; k < len && n < 8; k++, n++) {
		size_t u = strlen(seen);
		snprintf(seen + u, sizeof seen - u, "%s%02x", n ? " " : "",
			 obs[k]);
	}
	sc_fail(file, line,
		"%s: expected 0x%02x at byte %zu, observed 0x%02x (bytes from "
		"there: %s); %zu of %zu bytes differ, at bytes %zu..%zu",
		what, sc_want_at(&want, first), first, obs[first], seen, ndiff,
		len, first, last);
}

int sc_open_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		SC_FAIL("open(%s): expected success, observed %s", path,
			sc_errno_name(errno));
	return fd;
}

off_t sc_path_size(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		SC_FAIL("stat(%s): expected success, observed %s", path,
			sc_errno_name(errno));
	return sb.st_size;
}

void sc_check_file(const char *file, int line, const char *path, off_t off,
		   struct sc_want want, size_t len, const char *what)
{
	int fd = sc_open_path(path, O_RDONLY);
	off_t size = sc_file_size(fd);
	if (size < off + (off_t)len) {
		close(fd);
		sc_fail(file, line,
			"%s: expected the file to hold bytes %lld..%lld, "
			"observed a file of %lld bytes",
			what, (long long)off,
			(long long)off + (long long)len - 1, (long long)size);
	}
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf)
		SC_FAIL("out of memory for %zu bytes", len);
	sc_pread_all(fd, buf, len, off);
	close(fd);
	/* Byte numbers in the message count from off: say where that is. */
	char where[700];
	snprintf(where, sizeof where, "%s [file bytes %lld..%lld]", what,
		 (long long)off, (long long)off + (long long)len - 1);
	/* A failed check ends the process: the buffer goes with it. */
	sc_check_mem(file, line, buf, want, len, where);
	free(buf);
}

struct sc_file_check {
	const char *file;
	int line;
	const char *path;
	off_t off;
	struct sc_want want;
	size_t len;
	const char *what;
};

static void sc_file_check_child(void *arg)
{
	const struct sc_file_check *c = arg;
	char what[512];
	snprintf(what, sizeof what, "%s (read by separate process %d)", c->what,
		 (int)getpid());
	sc_check_file(c->file, c->line, c->path, c->off, c->want, c->len, what);
}

void sc_check_file_elsewhere(const char *file, int line, const char *path,
			     off_t off, struct sc_want want, size_t len,
			     const char *what)
{
	struct sc_file_check c = {file, line, path, off, want, len, what};
	sc_run(sc_file_check_child, &c);
}
