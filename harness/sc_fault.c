/* Deliberate faults: keep memcheck quiet about the access under test. */
#include "sc_fault.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SC_FAULT_HAVE_VALGRIND_H 1
#endif
#endif

void sc_fault_expected(void)
{
#ifdef SC_FAULT_HAVE_VALGRIND_H
	/* A client request: a no-op instruction sequence outside valgrind.
	 * The child dies of the fault, so reporting is never re-enabled. */
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
}
