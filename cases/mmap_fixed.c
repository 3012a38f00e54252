/*
 * MAP-FIXED: the mapping is placed exactly at addr, and replaces whatever
 * was mapped in that range (whole pages), and nothing outside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"

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
	SC_ADD(tp, files_remapped_at_swapped_addresses_show_their_own_bytes);
	return atf_no_error();
}
