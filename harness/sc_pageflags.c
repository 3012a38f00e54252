/* Page flags through /proc/self/pagemap and /proc/kpageflags (Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "sc.h"
#include "sc_pageflags.h"

/* pagemap entry: bit 63 page present, bits 0-54 the page frame number. */
#define SC_PM_PRESENT (UINT64_C(1) << 63)
#define SC_PM_PFN_MASK ((UINT64_C(1) << 55) - 1)

static int sc_read_u64(const char *path, off_t off, uint64_t *v, char *why,
		       size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s (%s)", path,
			 sc_errno_name(errno));
		return -1;
	}
	ssize_t n = pread(fd, v, sizeof *v, off);
	int err = errno;
	close(fd);
	if (n != (ssize_t)sizeof *v) {
		snprintf(why, whylen, "cannot read %s at %lld (%s)", path,
			 (long long)off,
			 n < 0 ? sc_errno_name(err) : "short read");
		return -1;
	}
	return 0;
}

int sc_page_flags(const void *addr, uint64_t *flags, char *why, size_t whylen)
{
	uint64_t vpn = (uint64_t)(uintptr_t)addr / sc_page_size();
	uint64_t ent;
	if (sc_read_u64("/proc/self/pagemap", (off_t)(vpn * sizeof ent), &ent,
			why, whylen) != 0)
		return -1;
	if (!(ent & SC_PM_PRESENT)) {
		snprintf(why, whylen,
			 "the page at %p is not present in memory "
			 "(pagemap entry 0x%llx)",
			 addr, (unsigned long long)ent);
		return -1;
	}
	uint64_t pfn = ent & SC_PM_PFN_MASK;
	if (pfn == 0) {
		/* The kernel hides frame numbers without CAP_SYS_ADMIN. */
		snprintf(why, whylen,
			 "/proc/self/pagemap hides page frame numbers from "
			 "this process (needs CAP_SYS_ADMIN)");
		return -1;
	}
	return sc_read_u64("/proc/kpageflags", (off_t)(pfn * sizeof *flags),
			   flags, why, whylen);
}
