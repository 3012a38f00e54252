/* Waiting for the clock: the one wait the System V time fields need. */
#define _GNU_SOURCE
#include <time.h>

#include "sc.h"

time_t sc_wait_next_second(time_t t)
{
	/* Sleep to just past the precise clock's next second, then poll:
	 * time() (the kernel's coarse clock, the one shm_atime, shm_dtime
	 * and shm_ctime use) may trail the precise clock by a tick.  Never a
	 * fixed second: at most one boundary, ~1 s from now at worst. */
	for (int i = 0; i < 2000; i++) {
		time_t now = time(NULL);
		if (now > t)
			return now;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long ns = 1000000L; /* the coarse clock's tick: ~1-4 ms */
		if (i == 0 && ts.tv_sec == t)
			ns = 1000000000L - ts.tv_nsec + 200000L;
		if (ns >= 1000000000L)
			ns = 999999999L;
		struct timespec d = {0, ns};
		nanosleep(&d, NULL);
	}
	SC_FAIL("harness: time() did not pass %lld within 2 s", (long long)t);
}
