/*
 * MMAP-PAGES, munmap's side ("munmap also works in whole pages"): the
 * errors of a range that is not whole pages of the address space, a range
 * with nothing mapped, and what touching an unmapped page does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_vgquiet.h"

/* Detects munmap of length 0 taken as success (POSIX: EINVAL). */
SC_CASE(munmap_length_zero_fails_with_einval, MMAP_PAGES, SC_POSIX,
	"munmap with length 0 fails with EINVAL and removes nothing")
{
	size_t page = sc_page_size();
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_ERRNO(munmap(p, 0), EINVAL);
	unsigned char vec[1];
	SC_CHECK_OK(mincore(p, page, vec));
	SC_CHECK_OK(munmap(p, page));
}

/* Detects a range beyond the user address space, or one whose length
 * wraps round the top, taken as success. */
SC_CASE(munmap_outside_address_space_fails_with_einval, MMAP_PAGES, SC_POSIX,
	"munmap of the last page of the address space, or of a length that "
	"wraps past its end, fails with EINVAL")
{
	size_t page = sc_page_size();
	uintptr_t top = UINTPTR_MAX & ~(uintptr_t)(page - 1);
	sc_vg_quiet_begin();
	SC_CHECK_ERRNO(munmap((void *)top, page), EINVAL);
	SC_CHECK_ERRNO(munmap((void *)(uintptr_t)page, SIZE_MAX - page),
		       EINVAL);
	sc_vg_quiet_end();
}

/* Detects munmap of a free range reported as an error (POSIX: nothing
 * mapped there is not an error). */
SC_CASE(munmap_of_unmapped_range_succeeds, MMAP_PAGES, SC_POSIX,
	"munmap of a page-aligned range with nothing mapped succeeds")
{
	size_t page = sc_page_size();
	char *p =
	    mmap(NULL, 3 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p + page, page));
	SC_CHECK_OK(munmap(p + page, page)); /* nothing there now */
	unsigned char vec[1];
	SC_CHECK_OK(mincore(p, page, vec));
	SC_CHECK_OK(mincore(p + 2 * page, page, vec));
	SC_CHECK_OK(munmap(p, 3 * page));
}

static void read_unmapped(void *arg)
{
	sc_vg_quiet_begin(); /* the access is meant to fault: no end */
	(void)*(volatile unsigned char *)arg;
}

/* Detects an unmapped page of a used mapping that still serves the old
 * data (munmap that only pretends). */
SC_CASE(touching_unmapped_page_of_used_mapping_raises_sigsegv, MMAP_PAGES,
	SC_POSIX,
	"After munmap of the middle page of a written shared mapping, a read "
	"there raises SIGSEGV (SEGV_MAPERR); the other pages keep their data")
{
	size_t page = sc_page_size();
	unsigned char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	p[0] = 1;
	p[page] = 2;
	p[2 * page] = 3;
	SC_CHECK_OK(munmap(p + page, page));
	struct sc_outcome o = sc_expect_signal(
	    read_unmapped, p + page, SIGSEGV, "read of the page just unmapped");
	SC_CHECK_EQ(o.fault_code, SEGV_MAPERR,
		    "si_code of the fault (SEGV_MAPERR = nothing mapped)");
	SC_CHECK_EQ(p[0] + p[2 * page], 1 + 3,
		    "bytes of the first and last pages, summed");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(munmap(p + 2 * page, page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, munmap_length_zero_fails_with_einval);
	SC_ADD(tp, munmap_outside_address_space_fails_with_einval);
	SC_ADD(tp, munmap_of_unmapped_range_succeeds);
	SC_ADD(tp, touching_unmapped_page_of_used_mapping_raises_sigsegv);
	return atf_no_error();
}
