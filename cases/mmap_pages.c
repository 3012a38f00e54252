/*
 * MMAP-PAGES: mappings are made of whole pages.
 * MMAP-OFFSET: the file offset must be a multiple of the page size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"

static void touch_byte(void *p)
{
	*(volatile char *)p = 1;
}

SC_CASE(length_below_page_maps_whole_page, MMAP_PAGES, SC_LINUX,
	"A length below one page maps one whole page, all of it usable")
{
	size_t page = sc_page_size();
	char *p = mmap(NULL, 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	/* Every byte of the page is there: write the last one, read it. */
	p[page - 1] = 'z';
	SC_CHECK_EQ(p[page - 1], 'z',
		    "byte at offset page-1 of a 1-byte mapping");
	/* mincore fails with ENOMEM on unmapped memory: the whole page is. */
	unsigned char vec[1];
	SC_CHECK_OK(mincore(p, page, vec));
	SC_CHECK_OK(munmap(p, 1));
}

static void touch_next_page(void *arg)
{
	touch_byte((char *)arg + sc_page_size());
}

SC_CASE(
    page_after_short_mapping_is_not_mapped, MMAP_PAGES, SC_LINUX,
    "The page after a one-page mapping made from a short length is not mapped")
{
	size_t page = sc_page_size();
	/* Reserve two pages, then map one short length over the first, so
	 * the second is known to be unmapped (not some other mapping). */
	char *area =
	    mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(area);
	SC_CHECK_OK(munmap(area + page, page));
	char *p = mmap(area, page / 2, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	struct sc_outcome o = sc_expect_signal(touch_next_page, p, SIGSEGV,
					       "write one page past a mapping "
					       "of half a page");
	SC_CHECK_EQ(o.fault_code, SEGV_MAPERR,
		    "si_code of the fault (SEGV_MAPERR = no mapping there)");
	SC_CHECK_OK(munmap(p, page));
}

SC_CASE(munmap_partial_page_unmaps_whole_page, MMAP_PAGES, SC_LINUX,
	"munmap of a length below one page removes the whole page")
{
	size_t page = sc_page_size();
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(munmap(p, 1));
	unsigned char vec[1];
	SC_CHECK_ERRNO(mincore(p, page, vec), ENOMEM);
	/* the second page is untouched by munmap of one byte */
	SC_CHECK_OK(mincore(p + page, page, vec));
	SC_CHECK_OK(munmap(p + page, page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, length_below_page_maps_whole_page);
	SC_ADD(tp, page_after_short_mapping_is_not_mapped);
	SC_ADD(tp, munmap_partial_page_unmaps_whole_page);
	return atf_no_error();
}
