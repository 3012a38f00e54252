/*
 * MMAP-ADDR: addr NULL lets the kernel choose; the result is page-aligned;
 * without MAP_FIXED a given address is only a hint; with MAP_FIXED an
 * address that is not page-aligned fails with EINVAL.
 *
 * Hints need a known-free range: reserve one with a PROT_NONE mapping and
 * unmap it, so nothing else of ours sits there (cases are single-threaded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"

/* The start of a free range of pages pages. */
static char *free_range(size_t pages)
{
	size_t len = pages * sc_page_size();
	char *p =
	    mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, len));
	return p;
}

/* Detects: a kernel choice that is not on a page boundary (or is NULL). */
SC_CASE(null_addr_gets_page_aligned_address, MMAP_ADDR, SC_LINUX,
	"With addr NULL the kernel chooses a page-aligned, non-NULL address, "
	"whatever the length")
{
	size_t page = sc_page_size();
	const size_t lens[] = {1, page - 1, page, page + 1, 3 * page + 5};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		char *p = mmap(NULL, lens[i], PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		SC_CHECK_MAP(p);
		uintptr_t a = (uintptr_t)p;
		SC_CHECK(p != NULL && a % page == 0,
			 "mmap(NULL, %zu, ...) returned %p: expected a "
			 "non-NULL multiple of the page size %zu, observed "
			 "%zu bytes past a page boundary",
			 lens[i], (void *)p, page, (size_t)(a % page));
		SC_CHECK_OK(munmap(p, lens[i]));
	}
}

/* Detects: a hint honoured to the byte (an unaligned mapping) or moved far
 * away although the pages around it are free. */
SC_CASE(unaligned_free_hint_moves_to_nearby_page_boundary, MMAP_ADDR, SC_LINUX,
	"An unaligned hint in a free range is moved to a nearby page "
	"boundary (the page holding it or the next one)")
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: its mmap wrapper refuses every "
			"unaligned addr with EINVAL, hint or not (the kernel "
			"does not)");
	size_t page = sc_page_size();
	char *base = free_range(8);
	char *hint = base + 3 * page + page / 3;
	char *down = base + 3 * page, *up = base + 4 * page;
	char *p = mmap(hint, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	munmap(p, page);
	SC_CHECK(p == down || p == up,
		 "mmap(hint %p) in a free range: expected %p (rounded down) "
		 "or %p (rounded up), observed %p",
		 (void *)hint, (void *)down, (void *)up, (void *)p);
	printf("observed: an unaligned hint is rounded %s to a page "
	       "boundary\n",
	       p == down ? "down" : "up");
}

/* Detects: a kernel that ignores hints even where the range is free. */
SC_CASE(free_aligned_hint_is_used_exactly, MMAP_ADDR, SC_LINUX,
	"A page-aligned hint whose range is free is where the mapping goes")
{
	size_t page = sc_page_size();
	char *base = free_range(8);
	char *hint = base + 2 * page;
	char *p = mmap(hint, 3 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	munmap(p, 3 * page);
	SC_CHECK_PTR_EQ(p, hint, "mapping placed for a free aligned hint");
}

/* Detects: a hint treated like MAP_FIXED: the existing mapping clobbered. */
SC_CASE(hint_on_existing_mapping_does_not_replace_it, MMAP_ADDR, SC_POSIX,
	"Without MAP_FIXED, a hint on an existing mapping is not followed: "
	"the mapping goes elsewhere and the old one keeps its data")
{
	size_t page = sc_page_size();
	unsigned char *old = mmap(NULL, page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(old);
	memset(old, 0x5A, page);
	unsigned char *p = mmap(old, page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	if (p != old)
		SC_CHECK_OK(munmap(p, page));
	SC_CHECK(p != old,
		 "mmap with the hint %p, where a mapping exists, without "
		 "MAP_FIXED: expected another address, observed the hint "
		 "itself (the old mapping replaced)",
		 (void *)old);
	for (size_t i = 0; i < page; i++)
		SC_CHECK(old[i] == 0x5A,
			 "byte %zu of the existing mapping after mmap with it "
			 "as hint: expected 0x5a, observed 0x%02x",
			 i, old[i]);
	SC_CHECK_OK(munmap(old, page));
}

/* Detects: the tutorial's reading "an unaligned address is aligned for
 * you": with MAP_FIXED it must be refused, not rounded. */
SC_CASE(fixed_unaligned_addr_fails_with_einval, MMAP_ADDR, SC_POSIX,
	"With MAP_FIXED, an address that is not page-aligned fails with "
	"EINVAL")
{
	size_t page = sc_page_size();
	char *base = free_range(4);
	SC_CHECK_MAP_ERRNO(base + page + 1, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			   EINVAL);
	SC_CHECK_MAP_ERRNO(base + page + page / 2, page, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
			   EINVAL);
}

/* Write and read back the first and last byte of a new mapping p of len
 * bytes: it is usable memory, wherever the kernel put it. */
static void check_usable(unsigned char *p, size_t len, const char *what)
{
	size_t page = sc_page_size();
	SC_CHECK((uintptr_t)p % page == 0,
		 "%s: expected a page-aligned address, observed %p", what,
		 (void *)p);
	p[0] = 0x5A;
	p[len - 1] = 0xA5;
	SC_CHECK(p[0] == 0x5A && p[len - 1] == 0xA5,
		 "%s at %p: expected the bytes written (0x5a, 0xa5) back, "
		 "observed 0x%02x, 0x%02x",
		 what, (void *)p, p[0], p[len - 1]);
}

/* Detects: a hint the kernel cannot use (the last page of the address
 * space, page 0 or 1 below vm.mmap_min_addr, an address beyond the user
 * address space) that makes mmap fail, as if MAP_FIXED had been given. */
SC_CASE(odd_hints_without_fixed_still_give_usable_mapping, MMAP_ADDR, SC_POSIX,
	"Without MAP_FIXED, odd hints (the last page of the address space, 0, "
	"one page, 64 KiB, very high addresses) still give a usable mapping "
	"somewhere")
{
	size_t page = sc_page_size();
	size_t len = 2 * page;
	const uintptr_t hints[] = {
	    (uintptr_t)0 - page,	       /* -1 rounded down to a page */
	    0,				       /* NULL */
	    page,			       /* page 1: below mmap_min_addr */
	    (uintptr_t)16 * page,	       /* still low */
	    UINTPTR_MAX / 2 + 1 - 2 * page,    /* top of the lower half */
	    UINTPTR_MAX / 4 * 3 / page * page, /* kernel half (64-bit) */
	};
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "mmap with the hint %#jx",
			 (uintmax_t)hints[i]);
		/* valgrind's mmap wrapper refuses a hint whose range wraps
		 * round the address space with EINVAL (the kernel ignores
		 * it): that one hint is the kernel's alone. */
		if (sc_running_on_valgrind() && hints[i] > UINTPTR_MAX - len) {
			printf("not checked under valgrind: %s\n", what);
			continue;
		}
		unsigned char *p =
		    mmap((void *)hints[i], len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			SC_FAIL("%s, without MAP_FIXED: expected a mapping "
				"somewhere (a hint is only a hint), observed "
				"MAP_FAILED with %s",
				what, sc_errno_name(errno));
		check_usable(p, len, what);
		SC_CHECK_OK(munmap(p, len));
	}
}

/* Detects: MAP_32BIT ignored: the mapping lands anywhere (above 4 GiB on
 * x86-64, where the kernel places mappings by default). */
SC_CASE(map_32bit_places_mapping_in_first_two_gib, MMAP_ADDR, SC_LINUX,
	"On x86-64, MAP_32BIT places the mapping in the first 2 GiB of the "
	"address space (so below 4 GiB)")
{
#if defined(__x86_64__)
	size_t page = sc_page_size();
	size_t len = 4 * page;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	SC_CHECK_MAP(p);
	uintptr_t end = (uintptr_t)p + len;
	SC_CHECK(end <= (uintptr_t)1 << 31,
		 "end of a MAP_32BIT mapping of %zu bytes: expected at most "
		 "0x80000000 (2 GiB, man mmap), observed %#jx",
		 len, (uintmax_t)end);
	check_usable(p, len, "a MAP_32BIT mapping");
	SC_CHECK_OK(munmap(p, len));
#else
	SC_SKIP("MAP_32BIT is x86-64's flag: this architecture has none");
#endif
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, null_addr_gets_page_aligned_address);
	SC_ADD(tp, unaligned_free_hint_moves_to_nearby_page_boundary);
	SC_ADD(tp, free_aligned_hint_is_used_exactly);
	SC_ADD(tp, hint_on_existing_mapping_does_not_replace_it);
	SC_ADD(tp, fixed_unaligned_addr_fails_with_einval);
	SC_ADD(tp, odd_hints_without_fixed_still_give_usable_mapping);
	SC_ADD(tp, map_32bit_places_mapping_in_first_two_gib);
	return atf_no_error();
}
