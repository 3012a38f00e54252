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

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, null_addr_gets_page_aligned_address);
	SC_ADD(tp, unaligned_free_hint_moves_to_nearby_page_boundary);
	SC_ADD(tp, free_aligned_hint_is_used_exactly);
	SC_ADD(tp, hint_on_existing_mapping_does_not_replace_it);
	SC_ADD(tp, fixed_unaligned_addr_fails_with_einval);
	return atf_no_error();
}
