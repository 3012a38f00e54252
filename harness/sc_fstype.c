/*
 * The name of a file system as the suite reports it, shared by the case
 * library (each per-file-system point) and sc-probe: statfs's magic number
 * in words, or mount(8)'s name where the magic cannot tell (ext2, ext3 and
 * ext4 share 0xEF53; a 9p share answers with its host's magic; erofs and
 * others have no name in sc_fs_type_name's table).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sc_core.h"

#define SC_MAGIC_EXT 0xEF53UL

/* The mountinfo line of the mount holding dir: the one whose device number
 * (field 3, MAJOR:MINOR) is dir's.  Its type (the first field after " - ")
 * into type, its super options (the third) into opts.  false if none. */
bool sc_fs_mountinfo(const char *dir, char *type, size_t tlen, char *opts,
		     size_t olen)
{
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return false;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	char line[8192];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned int maj, min;
		if (sscanf(line, "%*d %*d %u:%u", &maj, &min) != 2 ||
		    makedev(maj, min) != sb.st_dev)
			continue;
		char *sep = strstr(line, " - ");
		char t[64], o[4096];
		if (sep && sscanf(sep + 3, "%63s %*s %4095s", t, o) == 2) {
			snprintf(type, tlen, "%s", t);
			snprintf(opts, olen, "%s", o);
			found = true;
		}
	}
	fclose(f);
	return found;
}

const char *sc_fsinfo_type(const char *dir, unsigned long magic)
{
	static char buf[64];
	char opts[4096];
	const char *name = sc_fs_type_name(magic);
	/* Only where the magic number is ambiguous or unnamed: "fuse" stays
	 * "fuse" (not "fuse.bindfs"), so expectations name it once. */
	if ((magic == SC_MAGIC_EXT || strncmp(name, "fs-0x", 5) == 0) &&
	    sc_fs_mountinfo(dir, buf, sizeof buf, opts, sizeof opts))
		return buf;
	return name;
}
