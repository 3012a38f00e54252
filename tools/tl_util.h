/* Small helpers the tools share (tl_util.c).  The x-forms exit(2) when
 * memory runs out: a tool without memory has nothing useful left to do. */
#ifndef TL_UTIL_H
#define TL_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Output of a captured helper, and of a case, kept at most (bytes). */
#define TL_CAPTURE_MAX (8u << 20)

char *tl_xstrdup(const char *s); /* NULL gives "" */
void *tl_xrealloc(void *p, size_t n);
char *tl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double tl_now(void);	       /* CLOCK_MONOTONIC, seconds */
void tl_iso_now(char buf[32]); /* "2026-12-01T10:00:00Z" */

/* A whole file (at most max bytes, NUL-terminated); NULL if it cannot be
 * opened.  truncated (may be NULL) says whether max cut it. */
char *tl_slurp(const char *path, size_t max, bool *truncated);
/* Remove a tree, whatever its modes; never crosses a mount. */
void tl_rm_rf(const char *path);

/* Run argv (argv[0] searched in PATH) with stdout captured (stdin /dev/null,
 * stderr dropped), at most timeout_s seconds; returns the output
 * (NUL-terminated) or NULL on a timeout or failure to start. */
char *tl_capture(char *const argv[], double timeout_s, int *status);

#endif
