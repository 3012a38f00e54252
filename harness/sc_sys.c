/* System geometry, names for numbers, configuration. */
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

const char *sc_errno_name(int err)
{
	static __thread char buf[32];
	const char *n = err ? strerrorname_np(err) : "0";
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno %d", err);
	return buf;
}

const char *sc_signal_name(int sig)
{
	static __thread char buf[32];
	const char *n = sigabbrev_np(sig);
	if (n)
		snprintf(buf, sizeof buf, "SIG%s", n);
	else
		snprintf(buf, sizeof buf, "signal %d", sig);
	return buf;
}

const char *sc_si_code_name(int sig, int code)
{
	static __thread char buf[32];
	if (sig == SIGSEGV) {
		switch (code) {
		case SEGV_MAPERR:
			return "SEGV_MAPERR";
		case SEGV_ACCERR:
			return "SEGV_ACCERR";
#ifdef SEGV_PKUERR
		case SEGV_PKUERR:
			return "SEGV_PKUERR";
#endif
		}
	} else if (sig == SIGBUS) {
		switch (code) {
		case BUS_ADRALN:
			return "BUS_ADRALN";
		case BUS_ADRERR:
			return "BUS_ADRERR";
		case BUS_OBJERR:
			return "BUS_OBJERR";
		}
	} else if (sig == SIGILL) {
		switch (code) {
		case ILL_ILLOPC:
			return "ILL_ILLOPC";
		case ILL_PRVOPC:
			return "ILL_PRVOPC";
		}
	}
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_TKILL:
		return "SI_TKILL";
	}
	snprintf(buf, sizeof buf, "si_code %d", code);
	return buf;
}

const char *sc_fs_type_name(unsigned long magic)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} names[] = {
	    {0x01021994UL, "tmpfs"},   {0xEF53UL, "ext4"},
	    {0x58465342UL, "xfs"},     {0x9123683EUL, "btrfs"},
	    {0x794C7630UL, "overlay"}, {0x01021997UL, "9p"},
	    {0x6969UL, "nfs"},	       {0x65735546UL, "fuse"},
	    {0x2FC12FC1UL, "zfs"},     {0x858458F6UL, "ramfs"},
	    {0xF2F52010UL, "f2fs"},    {0x4d44UL, "vfat"},
	    {0x62656572UL, "sysfs"},   {0x73717368UL, "squashfs"},
	    {0x01161970UL, "gfs2"},    {0xFF534D42UL, "cifs"},
	    {0x5346414FUL, "afs"},     {0x0BD00BD0UL, "lustre"},
	    {0x00C0FFEEUL, "hostfs"}, /* user-mode Linux's host files */
	};
	static __thread char buf[32];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].magic == magic)
			return names[i].name;
	snprintf(buf, sizeof buf, "fs-0x%lx", magic);
	return buf;
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
