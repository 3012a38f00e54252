/*
 * The environment probe: the one piece of shmconform that inspects the
 * environment (kernel, limits, file systems, namespaces, capabilities,
 * seccomp, cgroup, runtime).  Its object is the "probe" of reports/FORMAT.md
 * (schema: reports/schema/probe.schema.json).
 */
#ifndef TL_PROBE_H
#define TL_PROBE_H

#include <stddef.h>
#include <stdio.h>

/* "$TMPDIR:/dev/shm" (or /tmp:/dev/shm): the file systems cases use when
 * the run names none. */
const char *tl_probe_default_fs(char *buf, size_t len);
/* Write the probe object for the colon-separated directories fslist;
 * producer names the tool ("sc-probe", "sc-run").  0, or -1 on error. */
int tl_probe_write(FILE *f, const char *fslist, const char *producer);
/* The same, as a string (caller frees); NULL on error. */
char *tl_probe_string(const char *fslist, const char *producer);

#endif
