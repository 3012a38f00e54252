/*
 * What a file system under test is and can do, as the per-file-system
 * cases need to know it:
 *   - its name (sc_fsinfo_type, in the core: sc_fstype.c, which the probe
 *     shares);
 *   - whether it is mounted read-only (statvfs ST_RDONLY): a case that
 *     writes a file skips there with the reason "read-only file system";
 *   - whether it keeps files anywhere but in memory (tmpfs, ramfs);
 *   - the fixture files a read-only image carries, so that the cases about
 *     reading a file through a mapping run there too (sc_rofile);
 *   - whether it supports shared writable mappings at all (a checked call
 *     that failed with EINVAL on one that does not is a skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sc_internal.h"

bool sc_fs_readonly(const struct sc_fs *fs)
{
	struct statvfs sv;
	return statvfs(fs->dir, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

void sc_fs_require_writable(const struct sc_fs *fs)
{
	if (sc_fs_readonly(fs))
		SC_SKIP("read-only file system: %s (%s) is mounted read-only "
			"(statvfs ST_RDONLY) and this case writes a file there",
			fs->dir, fs->type);
}

/* Memory-only types; an overlay's files live on its upper layer, so an
 * overlay is judged by the file system of its upperdir (mount option). */
static bool sc_type_has_storage(const char *type)
{
	return strcmp(type, "tmpfs") != 0 && strcmp(type, "ramfs") != 0;
}

bool sc_fs_has_storage(const struct sc_fs *fs)
{
	char type[64], opts[4096];
	if (strcmp(fs->type, "overlay") != 0 ||
	    !sc_fs_mountinfo(fs->dir, type, sizeof type, opts, sizeof opts))
		return sc_type_has_storage(fs->type);
	char *up = strstr(opts, "upperdir=");
	struct statfs sfs;
	if (!up)
		return true; /* lower layers only: read-only */
	up += strlen("upperdir=");
	up[strcspn(up, ",")] = '\0';
	if (statfs(up, &sfs) != 0)
		return true;
	return sc_type_has_storage(
	    sc_fsinfo_type(up, (unsigned long)sfs.f_type));
}

/* The fixture of size bytes in a read-only image, checked byte by byte:
 * a wrong fixture is the harness's error, never the file system's. */
static int sc_ro_fixture(const struct sc_fs *fs, size_t size, char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s/" SC_FIXTURE_DIR "/pattern.%zu", fs->dir,
		 size);
	int fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SC_SKIP("read-only file system: %s (%s) is mounted read-only "
			"and has no fixture file %s (%s; ci/runners/fs puts "
			"them in its read-only images)",
			fs->dir, fs->type, buf, sc_errno_name(errno));
	if (sc_file_size(fd) != (off_t)size)
		SC_FAIL("harness: fixture %s holds %lld bytes, not %zu", buf,
			(long long)sc_file_size(fd), size);
	unsigned char chunk[4096];
	for (size_t off = 0; off < size;) {
		size_t n =
		    size - off < sizeof chunk ? size - off : sizeof chunk;
		sc_pread_all(fd, chunk, n, (off_t)off);
		for (size_t i = 0; i < n; i++)
			if (chunk[i] != sc_pattern(off + i))
				SC_FAIL("harness: fixture %s: byte %zu is %u, "
					"not the pattern's %u",
					buf, off + i, chunk[i],
					sc_pattern(off + i));
		off += n;
	}
	if (path)
		snprintf(path, PATH_MAX, "%s", buf);
	return fd;
}

int sc_rofile(const struct sc_fs *fs, size_t size, char *path)
{
	if (sc_fs_readonly(fs))
		return sc_ro_fixture(fs, size, path);
	char buf[PATH_MAX];
	int rw = sc_tmpfile(fs, size, buf);
	int ro = open(buf, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		SC_FAIL("harness: open %s O_RDONLY: %s", buf,
			sc_errno_name(errno));
	close(rw);
	if (path)
		snprintf(path, PATH_MAX, "%s", buf);
	return ro;
}

void sc_fs_check_unsupported(int err)
{
	static bool probing;
	const struct sc_fs *fs = sc_st.fs;
	if (err != EINVAL || !fs || probing)
		return;
	probing = true;
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, page, NULL);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	probing = false;
	if (p != MAP_FAILED) {
		munmap(p, page);
		return;
	}
	if (e == EINVAL)
		SC_SKIP(
		    "%s %s does not support shared writable mappings: "
		    "mmap(PROT_READ|PROT_WRITE, MAP_SHARED) of a new file "
		    "there fails with EINVAL (9p with cache=none maps files "
		    "read-only), and this case's call failed with EINVAL",
		    fs->type, fs->dir);
}
