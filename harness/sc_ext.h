/*
 * Helpers for the extension cases (POSIX shm, memfd, huge pages): the
 * running kernel's version, for behaviour that changed between releases,
 * and the huge page pool a hugetlb case may use.
 */
#ifndef SC_EXT_H
#define SC_EXT_H

#include <stdbool.h>
#include <stddef.h>

#include "sc.h"

/* uname's release ("6.18.44-fc-v1045") and its first two numbers. */
const char *sc_kernel_release(void);
/* Is the running kernel major.minor or later?  (false if unparsable) */
bool sc_kernel_at_least(int major, int minor);
/* Is it exactly major.minor (any patch level)? */
bool sc_kernel_is(int major, int minor);

/* The number in a /proc/sys file ("vm/memfd_noexec"), or def if the file
 * is missing or holds no number. */
long sc_sysctl_long(const char *name, long def);

/* The default huge page size in bytes (Hugepagesize in /proc/meminfo),
 * 0 if the kernel has no hugetlb support. */
size_t sc_huge_page_size(void);
/* HugePages_Free from /proc/meminfo (-1 if absent). */
long sc_huge_pages_free(void);
/* The huge pages this process has mapped (HugetlbPages of
 * /proc/self/status, in pages; -1 if absent): unlike HugePages_Free, no
 * other process changes it, so two runs at once cannot disturb a check. */
long sc_huge_pages_mine(void);
/*
 * Skip the case unless n huge pages of the default size are free, naming
 * what is missing (no hugetlb support; vm.nr_hugepages too small, and how
 * ci/run-suite reserves them).  Returns the huge page size.
 */
size_t sc_huge_need(long n);

/* A number of /proc/self/status ("VmLck", "VmSize": kB), -1 if absent. */
long sc_self_status(const char *name);

#endif
