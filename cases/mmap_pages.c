/*
 * MMAP-PAGES: mappings are made of whole pages: a length below a page maps
 * the whole page, the next page stays unmapped, munmap works in pages.
 * (POSIX: "the implementation shall include, in any mapping operation, any
 * partial page"; munmap removes "entire pages containing any part" of the
 * range.)  The offset rule is MMAP-OFFSET, in mmap_offset.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_vgquiet.h"

static void touch_byte(void *p)
{
	*(volatile char *)p = 1;
}

/* Write the last byte of the page at p and read it back. */
static void write_read_last_byte(void *arg)
{
	volatile char *p = arg;
	size_t page = sc_page_size();
	p[page - 1] = 'z';
	SC_CHECK_EQ(p[page - 1], 'z',
		    "byte at offset page-1 of a 1-byte mapping");
}

/* Detects: a mapping cut to the length asked for: the rest of its page
 * missing or unusable. */
SC_CASE(length_below_page_maps_whole_page, MMAP_PAGES, SC_POSIX,
	"A length below one page maps one whole page, all of it usable")
{
	size_t page = sc_page_size();
	char *p = mmap(NULL, 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	/* Every byte of the page is there: write the last one, read it, in
	 * a child, so that a page that is not usable fails the case with the
	 * signal's name instead of crashing it. */
	sc_wait_ok(sc_spawn_crashing(write_read_last_byte, p));
	/* mincore fails with ENOMEM on unmapped memory: the whole page is. */
	unsigned char vec[1];
	SC_CHECK_OK(mincore(p, page, vec));
	SC_CHECK_OK(munmap(p, 1));
}

static void touch_next_page(void *arg)
{
	sc_vg_quiet_begin(); /* the touch is meant to fault: no end */
	touch_byte((char *)arg + sc_page_size());
}

/* Detects: a short mapping that takes more than its one page. */
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

/* Detects: munmap that leaves the rest of a partly unmapped page mapped, or
 * that removes more than the pages the range touches. */
SC_CASE(munmap_partial_page_unmaps_whole_page, MMAP_PAGES, SC_POSIX,
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

/* Detects: a file mapping of a short length that shows only len bytes of
 * the file (the rest of the page zero or missing). */
SC_FS_CASE(file_mapping_below_page_shows_whole_page_of_file, MMAP_PAGES,
	   SC_POSIX,
	   "A file mapping of 10 bytes shows the file's whole first page")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 2 * page, NULL);
	const unsigned char *p = mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "the first page of a 10-byte file mapping (the file's "
		     "bytes)");
	SC_CHECK_OK(munmap((void *)p, 10));
	SC_CHECK_OK(close(fd));
}

/* Detects: a length of one page plus one byte that maps one page (the
 * byte lost) or three (rounding too far). */
SC_CASE(length_just_above_page_maps_two_whole_pages, MMAP_PAGES, SC_POSIX,
	"A length of one page plus one byte maps exactly two whole pages")
{
	size_t page = sc_page_size();
	/* Reserve three pages and free the third, so it is known to be
	 * unmapped (not another mapping that happens to follow). */
	char *area =
	    mmap(NULL, 3 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(area);
	SC_CHECK_OK(munmap(area + 2 * page, page));
	char *p = mmap(area, page + 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SC_CHECK_MAP(p);
	p[2 * page - 1] = 'z';
	SC_CHECK_EQ(p[2 * page - 1], 'z',
		    "last byte of the second page of a page+1 mapping");
	unsigned char vec[2];
	SC_CHECK_OK(mincore(p, 2 * page, vec));
	SC_CHECK_ERRNO(mincore(p + 2 * page, page, vec), ENOMEM);
	SC_CHECK_OK(munmap(p, page + 1));
}

/* Detects: a shared file mapping whose bytes past len (in its last page)
 * are not the file's: the tutorial's "shared memory is whole pages". */
SC_FS_CASE(short_shared_mapping_writes_whole_page_to_file, MMAP_PAGES, SC_POSIX,
	   "Through a MAP_SHARED mapping of 1 byte, a write to the last byte "
	   "of its page reaches the file")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[page - 1] = 0;
	unsigned char b;
	sc_pread_all(fd, &b, 1, (off_t)(page - 1));
	SC_CHECK_EQ(b, 0,
		    "file byte page-1, read(2) after writing 0 there through "
		    "a 1-byte shared mapping");
	SC_CHECK_OK(munmap(p, 1));
	SC_CHECK_OK(close(fd));
}

/* Detects: munmap that accepts an address inside a page (rounding it, and
 * so removing bytes before addr). */
SC_CASE(munmap_unaligned_addr_fails_with_einval, MMAP_PAGES, SC_POSIX,
	"munmap of an address that is not page-aligned fails with EINVAL "
	"and removes nothing")
{
	size_t page = sc_page_size();
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_ERRNO(munmap(p + 1, page), EINVAL);
	unsigned char vec[2];
	SC_CHECK_OK(mincore(p, 2 * page, vec));
	SC_CHECK_OK(munmap(p, 2 * page));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, length_below_page_maps_whole_page);
	SC_ADD(tp, page_after_short_mapping_is_not_mapped);
	SC_ADD(tp, munmap_partial_page_unmaps_whole_page);
	SC_ADD(tp, file_mapping_below_page_shows_whole_page_of_file);
	SC_ADD(tp, length_just_above_page_maps_two_whole_pages);
	SC_ADD(tp, short_shared_mapping_writes_whole_page_to_file);
	SC_ADD(tp, munmap_unaligned_addr_fails_with_einval);
	return atf_no_error();
}
