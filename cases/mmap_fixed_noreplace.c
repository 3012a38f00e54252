/*
 * MAP-FIXED's safe variant, MAP_FIXED_NOREPLACE (Linux 4.17; EEXIST for a
 * partial overlap from 4.19): "exactly at addr" without the replacing.  It
 * maps exactly where asked when the range is free, and refuses (EEXIST)
 * as soon as any page of the range is taken, leaving what is there intact.
 * Valgrind does not know the flag (it takes it as a hint): the cases skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"

static void need_noreplace(void)
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: it does not know MAP_FIXED_NOREPLACE "
			"and places the mapping elsewhere, as a hint");
}

/* A free, page-aligned range of n pages: reserved, then released. */
static char *free_range(size_t n)
{
	size_t len = n * sc_page_size();
	char *p =
	    mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, len));
	return p;
}

static void *noreplace(void *addr, size_t len)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
}

/* Detects MAP_FIXED_NOREPLACE taken as a mere hint on a free range (the
 * mapping elsewhere), as kernels before 4.17 do. */
SC_CASE(noreplace_on_free_range_maps_exactly_there, MAP_FIXED, SC_LINUX,
	"MAP_FIXED_NOREPLACE on a free page-aligned range maps exactly at "
	"addr")
{
	need_noreplace();
	size_t page = sc_page_size();
	char *want = free_range(2);
	char *p = noreplace(want + page, page);
	SC_CHECK_MAP(p);
	SC_CHECK_PTR_EQ(
	    p, want + page,
	    "address MAP_FIXED_NOREPLACE returned for a free range");
	SC_CHECK_OK(munmap(p, page));
}

/* Detects a partial overlap (the first, the last or a middle page taken)
 * that is allowed to replace the taken page. */
SC_CASE(noreplace_on_partly_taken_range_fails_with_eexist, MAP_FIXED, SC_LINUX,
	"MAP_FIXED_NOREPLACE over a range whose first, last or middle page "
	"is mapped fails with EEXIST and leaves that page intact")
{
	need_noreplace();
	size_t page = sc_page_size();
	char *base = free_range(5);
	/* page 2 is taken; ranges [1,3), [2,4) and [1,4) each hold it */
	char *taken = mmap(base + 2 * page, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(taken);
	taken[0] = 0x5A;
	SC_CHECK_MAP_ERRNO(base + page, 2 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0, EEXIST);
	SC_CHECK_MAP_ERRNO(base + 2 * page, 2 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0, EEXIST);
	SC_CHECK_MAP_ERRNO(base + page, 3 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0, EEXIST);
	SC_CHECK_EQ(taken[0], 0x5A, "the taken page's byte after the refusals");
	SC_CHECK_OK(munmap(taken, page));
}

/* Detects ranges that only touch a mapping (end to start) refused as if
 * they overlapped it. */
SC_CASE(noreplace_adjacent_to_mapping_succeeds, MAP_FIXED, SC_LINUX,
	"MAP_FIXED_NOREPLACE of the pages just before and just after a "
	"mapping succeeds")
{
	need_noreplace();
	size_t page = sc_page_size();
	char *base = free_range(3);
	char *mid = mmap(base + page, page, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(mid);
	char *before = noreplace(base, page);
	SC_CHECK_MAP(before);
	char *after = noreplace(base + 2 * page, page);
	SC_CHECK_MAP(after);
	SC_CHECK_PTR_EQ(before, base, "the page before the mapping");
	SC_CHECK_PTR_EQ(after, base + 2 * page, "the page after the mapping");
	SC_CHECK_OK(munmap(base, 3 * page));
}

/* Detects MAP_FIXED winning when both flags are given (the caller asked
 * for no replacing). */
SC_CASE(noreplace_with_fixed_still_fails_with_eexist, MAP_FIXED, SC_LINUX,
	"MAP_FIXED_NOREPLACE|MAP_FIXED over a mapping fails with EEXIST: "
	"NOREPLACE wins")
{
	need_noreplace();
	size_t page = sc_page_size();
	char *old = mmap(NULL, page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(old);
	old[0] = 0x5A;
	SC_CHECK_MAP_ERRNO(old, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			       MAP_FIXED_NOREPLACE,
			   -1, 0, EEXIST);
	SC_CHECK_EQ(old[0], 0x5A, "the old page's byte");
	SC_CHECK_OK(munmap(old, page));
}

/* Detects an unaligned address rounded (as a hint would be) instead of
 * refused like MAP_FIXED's. */
SC_CASE(noreplace_unaligned_addr_fails_with_einval, MAP_FIXED, SC_LINUX,
	"MAP_FIXED_NOREPLACE with an address that is not page-aligned fails "
	"with EINVAL")
{
	need_noreplace();
	char *base = free_range(2);
	SC_CHECK_MAP_ERRNO(base + 1, sc_page_size(), PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0, EINVAL);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, noreplace_on_free_range_maps_exactly_there);
	SC_ADD(tp, noreplace_on_partly_taken_range_fails_with_eexist);
	SC_ADD(tp, noreplace_adjacent_to_mapping_succeeds);
	SC_ADD(tp, noreplace_with_fixed_still_fails_with_eexist);
	SC_ADD(tp, noreplace_unaligned_addr_fails_with_einval);
	return atf_no_error();
}
