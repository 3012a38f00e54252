/* System geometry and configuration (names for numbers: sc_names.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SC_HAVE_VALGRIND_H 1
#endif
#endif

#include "sc_internal.h"

size_t sc_page_size(void)
{
	static size_t page;
	if (page == 0) {
		long v = sysconf(_SC_PAGESIZE);
		if (v <= 0)
			SC_FAIL("sysconf(_SC_PAGESIZE) failed: %s",
				sc_errno_name(errno));
		page = (size_t)v;
	}
	return page;
}

size_t sc_shmlba(void)
{
	/* glibc defines SHMLBA per architecture; on most it is the page size
	 * (a function call), on MIPS/SPARC/LoongArch a larger constant. */
	return (size_t)SHMLBA;
}

size_t sc_round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

const char *sc_class_name(enum sc_class cls)
{
	switch (cls) {
	case SC_POSIX:
		return "POSIX";
	case SC_LINUX:
		return "Linux";
	case SC_OBSERVED:
		return "observed";
	}
	return "?";
}

bool sc_running_on_valgrind(void)
{
#ifdef SC_HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
#endif
}

const char *sc_config(const char *name, const char *def)
{
	if (sc_st.tc && atf_tc_has_config_var(sc_st.tc, name))
		return atf_tc_get_config_var(sc_st.tc, name);
	return def;
}
