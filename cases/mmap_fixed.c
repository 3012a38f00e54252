/*
 * MAP-FIXED: the mapping is placed exactly at addr, and replaces whatever
 * was mapped in that range (whole pages), and nothing outside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_mapcheck.h"
#include "sc_priv.h"

/* Fail unless len bytes at p all equal v; what names the range. */
static void check_all(const unsigned char *p, size_t len, unsigned char v,
		      const char *what)
{
	for (size_t i = 0; i < len; i++)
		SC_CHECK(p[i] == v,
			 "%s, byte %zu: expected 0x%02x, observed 0x%02x", what,
			 i, v, p[i]);
}

/* A mapping of pages pages, page k filled with the byte fill[k]. */
static unsigned char *filled_pages(size_t pages, const unsigned char *fill)
{
	size_t page = sc_page_size();
	unsigned char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	for (size_t k = 0; k < pages; k++)
		memset(p + k * page, fill[k], page);
	return p;
}

/* Detects: MAP_FIXED treated as a hint: the mapping placed elsewhere. */
SC_CASE(fixed_places_mapping_exactly_at_addr, MAP_FIXED, SC_POSIX,
	"With MAP_FIXED the mapping is placed exactly at addr")
{
	size_t page = sc_page_size();
	char *base =
	    mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(base);
	SC_CHECK_OK(munmap(base, 4 * page));
	char *want = base + page;
	char *p = mmap(want, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_PTR_EQ(p, want, "address returned by mmap with MAP_FIXED");
	/* and the memory there is usable: it is the new mapping */
	want[2 * page - 1] = 'x';
	SC_CHECK_EQ(want[2 * page - 1], 'x',
		    "last byte of the MAP_FIXED mapping, written and read");
	SC_CHECK_OK(munmap(p, 2 * page));
}

/* Detects: MAP_FIXED that refuses an occupied range, moves away from it, or
 * leaves the old contents in place. */
SC_CASE(fixed_replaces_existing_mapping, MAP_FIXED, SC_POSIX,
	"MAP_FIXED over an existing mapping replaces it: the old data is gone")
{
	size_t page = sc_page_size();
	const unsigned char fill[] = {0x5A};
	unsigned char *old = filled_pages(1, fill);
	unsigned char *p = mmap(old, page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_PTR_EQ(p, old, "address returned by MAP_FIXED over a mapping");
	check_all(p, page, 0,
		  "the page after MAP_FIXED of fresh anonymous memory over "
		  "a page of 0x5a (new mapping: zeros)");
	SC_CHECK_OK(munmap(p, page));
}

/* Detects: MAP_FIXED that replaces more than its range (the whole old
 * mapping, or neighbouring pages). */
SC_CASE(fixed_replaces_only_pages_in_its_range, MAP_FIXED, SC_POSIX,
	"MAP_FIXED over the middle page of a mapping leaves the pages on "
	"either side untouched")
{
	size_t page = sc_page_size();
	const unsigned char fill[] = {'a', 'b', 'c'};
	unsigned char *old = filled_pages(3, fill);
	unsigned char *p = mmap(old + page, page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_PTR_EQ(p, old + page,
			"address returned by MAP_FIXED over the middle page");
	check_all(old, page, 'a', "first page (before the replaced one)");
	check_all(old + page, page, 0, "middle page (replaced: zeros)");
	check_all(old + 2 * page, page, 'c',
		  "third page (after the replaced one)");
	SC_CHECK_OK(munmap(old, 3 * page));
}

/* Detects: MAP_FIXED with a short length that replaces only len bytes of
 * the page (or none of it): mappings are made of whole pages. */
SC_CASE(fixed_short_length_replaces_whole_page, MAP_FIXED, SC_POSIX,
	"MAP_FIXED with a length below a page replaces that whole page")
{
	size_t page = sc_page_size();
	const unsigned char fill[] = {0x5A, 0x5B};
	unsigned char *old = filled_pages(2, fill);
	unsigned char *p = mmap(old, page / 4, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	check_all(old, page, 0,
		  "first page after MAP_FIXED of a quarter page over it "
		  "(whole page replaced: zeros)");
	check_all(old + page, page, 0x5B, "second page (outside the range)");
	SC_CHECK_OK(munmap(old, 2 * page));
}

/* Detects: a kernel whose MAP_FIXED_NOREPLACE clobbers, or that falls back
 * to a hint (older than Linux 4.17: another address comes back). */
SC_CASE(fixed_noreplace_refuses_existing_mapping_with_eexist, MAP_FIXED,
	SC_LINUX,
	"MAP_FIXED_NOREPLACE, the safe variant, fails with EEXIST where a "
	"mapping exists and leaves it intact")
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: it does not know MAP_FIXED_NOREPLACE "
			"and places the mapping elsewhere, as a hint");
	size_t page = sc_page_size();
	const unsigned char fill[] = {0x5A};
	unsigned char *old = filled_pages(1, fill);
	SC_CHECK_MAP_ERRNO(old, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0, EEXIST);
	check_all(old, page, 0x5A,
		  "the existing page after the refused MAP_FIXED_NOREPLACE");
	SC_CHECK_OK(munmap(old, page));
}

/* vm.mmap_min_addr, or skip where the kernel has no such sysctl. */
static long mmap_min_addr(void)
{
	long min = sc_sysctl_long("vm/mmap_min_addr", -1);
	if (min < 0)
		SC_SKIP("no /proc/sys/vm/mmap_min_addr to read: the rule for "
			"page 0 is unknown here");
	return min;
}

/* SELinux adds its own check for the low pages (mmap_zero). */
static bool selinux_enforcing(void)
{
	FILE *f = fopen("/sys/fs/selinux/enforce", "re");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}

static void fixed_low_pages_refused(void *arg)
{
	long min = *(const long *)arg;
	sc_priv_drop_cap(SC_CAP_SYS_RAWIO, "the kernel would allow page 0");
	size_t page = sc_page_size();
	sc_note("vm.mmap_min_addr is %ld; the process has no CAP_SYS_RAWIO",
		min);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			   EPERM);
	/* The last page below the limit is refused too. */
	uintptr_t last = ((uintptr_t)min - 1) / page * page;
	if (last > 0)
		SC_CHECK_MAP_ERRNO((void *)last, page, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				   0, EPERM);
}

/* Detects: page 0 (and the pages below vm.mmap_min_addr) mapped for an
 * unprivileged process, the hole that turns a kernel NULL dereference
 * into an exploit; or refused with another errno than EPERM. */
SC_CASE(fixed_below_mmap_min_addr_without_cap_sys_rawio_fails_with_eperm,
	MAP_FIXED, SC_LINUX,
	"MAP_FIXED at address 0, or at any page below vm.mmap_min_addr, fails "
	"with EPERM for a process without CAP_SYS_RAWIO")
{
	long min = mmap_min_addr();
	if (min == 0)
		SC_SKIP("vm.mmap_min_addr is 0 here: any process may map page "
			"0 (fixed_at_page_zero_succeeds_where_allowed checks "
			"that)");
	sc_run(fixed_low_pages_refused, &min);
}

/* Detects: page 0 refused although the rule allows it (CAP_SYS_RAWIO, or
 * vm.mmap_min_addr 0), or "mapped" somewhere else than at 0. */
SC_CASE(fixed_at_page_zero_succeeds_where_allowed, MAP_FIXED, SC_LINUX,
	"MAP_FIXED at address 0 succeeds, and maps page 0, for a process "
	"with CAP_SYS_RAWIO or where vm.mmap_min_addr is 0")
{
	long min = mmap_min_addr();
	/* The kernel asks capable(CAP_SYS_RAWIO): the initial user
	 * namespace's, not a container's own. */
	bool rawio = sc_priv_capable(SC_CAP_SYS_RAWIO);
	if (min > 0 && !rawio)
		SC_SKIP("vm.mmap_min_addr is %ld and CAP_SYS_RAWIO is not "
			"effective in the initial user namespace: page 0 is "
			"refused here "
			"(fixed_below_mmap_min_addr_without_cap_sys_rawio_"
			"fails_with_eperm checks that)",
			min);
	if (selinux_enforcing())
		SC_SKIP("SELinux is enforcing: its memprotect mmap_zero "
			"permission decides about page 0, beyond "
			"vm.mmap_min_addr and CAP_SYS_RAWIO");
	sc_note("vm.mmap_min_addr is %ld; CAP_SYS_RAWIO %s", min,
		rawio ? "effective" : "not effective");
	size_t page = sc_page_size();
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		SC_FAIL("mmap(NULL, %zu, ..., MAP_FIXED): expected page 0 "
			"mapped, observed MAP_FAILED with %s",
			page, sc_errno_name(errno));
	SC_CHECK_PTR_EQ(p, NULL, "address returned by MAP_FIXED at 0");
	/* Read page 0 through the kernel (a pipe), not by a NULL
	 * dereference the compiler may turn into a trap. */
	int fds[2];
	SC_CHECK_OK(pipe2(fds, O_CLOEXEC));
	unsigned char buf[16];
	SC_CHECK_EQ(write(fds[1], p, sizeof buf), sizeof buf,
		    "bytes of page 0 written into a pipe");
	SC_CHECK_EQ(read(fds[0], buf, sizeof buf), sizeof buf,
		    "bytes read back from the pipe");
	for (size_t i = 0; i < sizeof buf; i++)
		SC_CHECK_EQ(buf[i], 0, "byte of the new page 0 (zero-filled)");
	SC_CHECK_OK(close(fds[0]));
	SC_CHECK_OK(close(fds[1]));
	SC_CHECK_OK(munmap(p, page));
}

/* Detects: a MAP_FIXED range beyond the user address space accepted
 * (placed elsewhere, or wrapped round), or refused with another errno. */
SC_CASE(fixed_range_past_user_address_space_fails_with_enomem, MAP_FIXED,
	SC_POSIX,
	"MAP_FIXED at a range above the top of the user address space, or one "
	"that runs past the end of the address space, fails with ENOMEM")
{
	/* A 32-bit process on a 64-bit kernel has user space up to
	 * 0xFFFFE000: the last pages are not above it there. */
	if (sizeof(void *) != 8)
		SC_SKIP("a 32-bit process: its user address space may reach "
			"the last pages");
	size_t page = sc_page_size();
	/* The last pages of the address space: above TASK_SIZE on 64-bit
	 * Linux (the kernel's half). */
	char *top = (char *)((uintptr_t)0 - 16 * page);
	SC_CHECK_MAP_ERRNO(top, 4 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			   ENOMEM);
	/* valgrind's mmap wrapper answers a range that wraps round with
	 * EINVAL itself, before the kernel sees it. */
	if (sc_running_on_valgrind()) {
		printf("not checked under valgrind: a MAP_FIXED range that "
		       "wraps round the address space\n");
		return;
	}
	char *wrap = (char *)((uintptr_t)0 - 2 * page);
	SC_CHECK_MAP_ERRNO(wrap, 4 * page, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			   ENOMEM);
}

/* Detects: a stale translation (TLB) after munmap: a MAP_FIXED mapping at
 * an address just freed that shows the old file there, or lands elsewhere
 * (LTP mmap19). */
SC_FS_CASE(files_remapped_at_swapped_addresses_show_their_own_bytes, MAP_FIXED,
	   SC_POSIX,
	   "Two files mapped at a and b, unmapped, then mapped again with "
	   "MAP_FIXED at b and a: each address shows the file now mapped "
	   "there")
{
	size_t page = sc_page_size();
	int fa = sc_tmpfile(fs, page, NULL);
	int fb = sc_tmpfile(fs, page, NULL);
	static unsigned char mark[65536];
	SC_CHECK(page <= sizeof mark, "page size %zu above the buffer", page);
	sc_fill_mark(mark, 0, page);
	SC_CHECK_EQ(pwrite(fb, mark, page, 0), page, "bytes pwritten to b");
	unsigned char *a = mmap(NULL, page, PROT_READ, MAP_SHARED, fa, 0);
	SC_CHECK_MAP(a);
	unsigned char *b = mmap(NULL, page, PROT_READ, MAP_SHARED, fb, 0);
	SC_CHECK_MAP(b);
	/* touched first: the translations exist before the swap */
	SC_CHECK_MEM(a, SC_WANT_PATTERN_AT(0), page, "file A at address a");
	SC_CHECK_MEM(b, SC_WANT_MARK_AT(0), page, "file B at address b");
	SC_CHECK_OK(munmap(a, page));
	SC_CHECK_OK(munmap(b, page));
	SC_CHECK_PTR_EQ(mmap(b, page, PROT_READ, MAP_SHARED | MAP_FIXED, fa, 0),
			b, "MAP_FIXED mapping of file A at b");
	SC_CHECK_PTR_EQ(mmap(a, page, PROT_READ, MAP_SHARED | MAP_FIXED, fb, 0),
			a, "MAP_FIXED mapping of file B at a");
	SC_CHECK_MEM(b, SC_WANT_PATTERN_AT(0), page,
		     "address b, now file A's mapping");
	SC_CHECK_MEM(a, SC_WANT_MARK_AT(0), page,
		     "address a, now file B's mapping");
	SC_CHECK_OK(munmap(a, page));
	SC_CHECK_OK(munmap(b, page));
	SC_CHECK_OK(close(fa));
	SC_CHECK_OK(close(fb));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, fixed_places_mapping_exactly_at_addr);
	SC_ADD(tp, fixed_replaces_existing_mapping);
	SC_ADD(tp, fixed_replaces_only_pages_in_its_range);
	SC_ADD(tp, fixed_short_length_replaces_whole_page);
	SC_ADD(tp, fixed_noreplace_refuses_existing_mapping_with_eexist);
	SC_ADD(
	    tp,
	    fixed_below_mmap_min_addr_without_cap_sys_rawio_fails_with_eperm);
	SC_ADD(tp, fixed_at_page_zero_succeeds_where_allowed);
	SC_ADD(tp, fixed_range_past_user_address_space_fails_with_enomem);
	SC_ADD(tp, files_remapped_at_swapped_addresses_show_their_own_bytes);
	return atf_no_error();
}
