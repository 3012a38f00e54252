/* The kernel's version and the huge page pool, for the extension cases. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "sc_ext.h"

const char *sc_kernel_release(void)
{
	static struct utsname u;
	if (!u.release[0] && uname(&u) != 0)
		snprintf(u.release, sizeof u.release, "unknown");
	return u.release;
}

static bool sc_kernel_version(int *major, int *minor)
{
	return sscanf(sc_kernel_release(), "%d.%d", major, minor) == 2;
}

bool sc_kernel_at_least(int major, int minor)
{
	int ma, mi;
	if (!sc_kernel_version(&ma, &mi))
		return false;
	return ma > major || (ma == major && mi >= minor);
}

bool sc_kernel_is(int major, int minor)
{
	int ma, mi;
	return sc_kernel_version(&ma, &mi) && ma == major && mi == minor;
}

long sc_sysctl_long(const char *name, long def)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/sys/%s", name);
	FILE *f = fopen(path, "re");
	long v = def;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = def;
		fclose(f);
	}
	return v;
}

/* A "Name:  value" line of /proc/meminfo; -1 if absent. */
/* The number of "NAME: N" in a /proc file (-1 if absent). */
static long sc_proc_number(const char *file, const char *name)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[128];
	long v = -1;
	size_t n = strlen(name);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			sscanf(line + n + 1, "%ld", &v);
			break;
		}
	fclose(f);
	return v;
}

static long sc_meminfo(const char *name)
{
	return sc_proc_number("/proc/meminfo", name);
}

long sc_huge_pages_mine(void)
{
	size_t hps = sc_huge_page_size();
	long kb = sc_proc_number("/proc/self/status", "HugetlbPages");
	return hps && kb >= 0 ? (long)((size_t)kb * 1024 / hps) : -1;
}

size_t sc_huge_page_size(void)
{
	long kb = sc_meminfo("Hugepagesize");
	return kb > 0 ? (size_t)kb * 1024 : 0;
}

long sc_huge_pages_free(void)
{
	return sc_meminfo("HugePages_Free");
}

size_t sc_huge_need(long n)
{
	size_t hps = sc_huge_page_size();
	if (hps == 0)
		SC_SKIP("no huge page support in this kernel (no Hugepagesize "
			"in /proc/meminfo)");
	long free_pages = sc_huge_pages_free();
	if (free_pages < n)
		SC_SKIP("%ld free huge pages of %zu kB, %ld needed: "
			"vm.nr_hugepages is too small here (ci/run-suite "
			"reserves them when it runs as root: ci/hugepages)",
			free_pages, hps / 1024, n);
	return hps;
}

long sc_self_status(const char *name)
{
	return sc_proc_number("/proc/self/status", name);
}
