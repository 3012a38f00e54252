/*
 * The kernel's own flags for the page behind an address (Linux:
 * /proc/self/pagemap gives the page frame, /proc/kpageflags its flags; both
 * need CAP_SYS_ADMIN).  Lets a case see whether a file page is dirty, i.e.
 * not yet written to storage, which no portable call can tell.
 */
#ifndef SC_PAGEFLAGS_H
#define SC_PAGEFLAGS_H

#include <stddef.h>
#include <stdint.h>

/* Bits of a /proc/kpageflags entry (Documentation/admin-guide/mm/pagemap). */
#define SC_KPF_UPTODATE (UINT64_C(1) << 3)
#define SC_KPF_DIRTY (UINT64_C(1) << 4)
#define SC_KPF_WRITEBACK (UINT64_C(1) << 8)

/*
 * The flags of the page mapped at addr (touch it first: an absent page has
 * none).  Returns 0 with *flags set, or -1 with why saying what this system
 * does not allow (the caller skips with it).
 */
int sc_page_flags(const void *addr, uint64_t *flags, char *why, size_t whylen);

#endif
