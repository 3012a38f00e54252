/* Names for numbers (ATF-free, in libsc_core): errno, signals, si_code,
 * file-system magic numbers. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sc_core.h"

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
