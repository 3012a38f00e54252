/*
 * sc-probe: print, as one JSON object, the environment a run sees (the
 * probe object of reports/FORMAT.md; the code is tl_probe.c).
 *
 *   sc-probe [--fs DIR:DIR...]     (default: $TMPDIR or /tmp, and /dev/shm)
 *
 * C because SHMLBA and IPC_INFO exist only for C, and because runners in
 * guests without Python embed this output in their results.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tl_probe.h"

static int usage(void)
{
	fputs("usage: sc-probe [--fs DIR:DIR...]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	char deflist[PATH_MAX + 16];
	const char *fslist = tl_probe_default_fs(deflist, sizeof deflist);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fs") == 0 && i + 1 < argc)
			fslist = argv[++i];
		else if (strncmp(argv[i], "--fs=", 5) == 0)
			fslist = argv[i] + 5;
		else
			return usage();
	}
	if (tl_probe_write(stdout, fslist, "sc-probe") != 0) {
		perror("sc-probe");
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
