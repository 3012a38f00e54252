/* sc-sweep: remove the leftovers of shmconform runs whose process is gone
 * (killed runs); never touches a run that is still alive. */
#include <stdio.h>

#include "sc_core.h"

int main(void)
{
	int n = sc_sweep_stale();
	if (n > 0)
		printf("sc-sweep: removed %d item(s) left by killed runs\n", n);
	return 0;
}
