/* Silence valgrind around one deliberate bad-memory system call. */
#include "sc_vgquiet.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SC_VGQ_HAVE 1
#endif
#endif

void sc_vg_quiet_begin(void)
{
#ifdef SC_VGQ_HAVE
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
}

void sc_vg_quiet_end(void)
{
#ifdef SC_VGQ_HAVE
	VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}
