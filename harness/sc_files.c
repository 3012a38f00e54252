/*
 * Everything with a name that a case creates, and the ledger that makes sure
 * none of it outlives the case: temp directories, System V segments, POSIX
 * shm names.  Each case's body process owns a ledger file in the state
 * directory ($SHMCONFORM_STATE, default /tmp/shmconform-state) named after
 * its pid; every item is written there before or as it is created.  The
 * ledger is undone at the end of the body (also on failure: atexit), by the
 * case's cleanup routine (after a timeout), and by the sweep of a later run
 * (after a kill) once the owning process is gone.  The state directory
 * itself is created on first use and never removed by a run: a case that
 * removed it while another was about to open its ledger there made that
 * other case fail (ENOENT).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_internal.h"

static char sc_ledger[PATH_MAX];

const char *sc_ledger_path(void)
{
	if (!sc_ledger[0]) {
		/* The directory is made by sc_ledger_add, world-writable and
		 * sticky like /tmp: runs of different users share it. */
		snprintf(sc_ledger, sizeof sc_ledger, "%s/ledger.%d",
			 sc_state_dir(),
			 (int)(sc_st.top_pid ? sc_st.top_pid : getpid()));
	}
	return sc_ledger;
}

void sc_ledger_mark_cwd(void)
{
	/* The cleanup routine runs in the same work directory. */
	FILE *f = fopen("shmconform.ledger", "w");
	if (f) {
		fprintf(f, "%s\n", sc_ledger_path());
		fclose(f);
	}
}

bool sc_ledger_try_add(const char *kind, const char *what)
{
	char line[PATH_MAX + 64];
	int n = snprintf(line, sizeof line, "%s %s\n", kind, what);
	/* The state directory is shared by every run and never removed by
	 * one (only its own ledger is): once it exists, nothing can take it
	 * away between this mkdir and the open, so there is nothing to retry.
	 */
	if (mkdir(sc_state_dir(), 01777) == 0)
		chmod(sc_state_dir(), 01777);
	int fd = open(sc_ledger_path(),
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	struct stat sb;
	bool ok = fstat(fd, &sb) == 0 && sb.st_uid == geteuid();
	if (!ok)
		errno = EPERM; /* someone else's file: never write into it */
	if (ok && sb.st_size == 0) {
		char owner[160], id[128];
		sc_proc_identity(sc_st.top_pid ? sc_st.top_pid : getpid(), id,
				 sizeof id);
		int m = snprintf(owner, sizeof owner, "owner %s\n", id);
		ok = write(fd, owner, (size_t)m) == m;
	}
	/* One write with O_APPEND: children append without tearing lines. */
	if (ok)
		ok = write(fd, line, (size_t)n) == n;
	int saved = errno;
	close(fd);
	errno = saved;
	return ok;
}

void sc_ledger_add(const char *kind, const char *what)
{
	if (!sc_ledger_try_add(kind, what))
		SC_FAIL("harness: cannot write the ledger %s (%s %s): %s",
			sc_ledger_path(), kind, what, sc_errno_name(errno));
}

void sc_ledger_release(void)
{
	if (!sc_ledger[0])
		return;
	sc_ledger_process(sc_ledger);
	/* Nothing left for a cleanup routine to do.  The state directory
	 * stays, like /tmp itself: removing it when it looks empty raced a
	 * concurrent case between its mkdir and its open (ENOENT). */
	unlink("shmconform.ledger");
}

/* ---- temporary files --------------------------------------------------- */

const char *sc_fs_dir(const struct sc_fs *fs)
{
	static char dir[PATH_MAX];
	static const struct sc_fs *made_for;
	if (made_for == fs && dir[0])
		return dir;
	sc_fs_require_writable(fs);
	/* The ledger line goes first, so a kill between the two leaks
	 * nothing; the name carries the pid for people reading ls. */
	unsigned int r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned int)getpid() * 2654435761u;
	snprintf(dir, sizeof dir, "%s/shmconform.%d.%08x", fs->dir,
		 (int)getpid(), r);
	sc_ledger_add("dir", dir);
	if (mkdir(dir, 0700) != 0) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			SC_SKIP("cannot create a directory in %s (%s): this "
				"file system is not writable here",
				fs->dir, sc_errno_name(errno));
		SC_FAIL("harness: mkdir %s: %s", dir, sc_errno_name(errno));
	}
	made_for = fs;
	return dir;
}

unsigned char sc_pattern(size_t i)
{
	return (unsigned char)(i % 251 + 1);
}

int sc_tmpfile(const struct sc_fs *fs, size_t size, char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s/f.XXXXXX", sc_fs_dir(fs));
	int fd = mkostemp(buf, O_CLOEXEC);
	if (fd < 0)
		SC_FAIL("harness: mkostemp in %s: %s", sc_fs_dir(fs),
			sc_errno_name(errno));
	unsigned char chunk[4096];
	for (size_t off = 0; off < size;) {
		size_t n =
		    size - off < sizeof chunk ? size - off : sizeof chunk;
		for (size_t i = 0; i < n; i++)
			chunk[i] = sc_pattern(off + i);
		ssize_t w = write(fd, chunk, n);
		if (w <= 0) {
			if (w < 0 && errno == ENOSPC)
				SC_SKIP(
				    "%s is full (ENOSPC) writing a %zu-byte "
				    "test file",
				    fs->dir, size);
			SC_FAIL("harness: write test file: %s",
				sc_errno_name(errno));
		}
		off += (size_t)w;
	}
	if (path)
		snprintf(path, PATH_MAX, "%s", buf);
	return fd;
}

off_t sc_file_size(int fd)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		SC_FAIL("fstat: %s", sc_errno_name(errno));
	return sb.st_size;
}

void sc_pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n =
		    pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0)
			SC_FAIL("pread: %s", sc_errno_name(errno));
		if (n == 0)
			SC_FAIL("pread at offset %lld: expected %zu bytes, "
				"observed end of file after %zu",
				(long long)off, len, got);
		got += (size_t)n;
	}
}

/* ---- System V and POSIX names ------------------------------------------ */

bool sc_try_track_shmid(int shmid)
{
	long long key;
	int cpid;
	if (!sc_shm_identity(shmid, &key, &cpid))
		return false;
	char what[96];
	snprintf(what, sizeof what, "%d %lld %d", shmid, key, cpid);
	return sc_ledger_try_add("shm", what);
}

void sc_track_shmid(int shmid)
{
	if (!sc_try_track_shmid(shmid))
		SC_FAIL("harness: cannot track segment %d for its cleanup: %s",
			shmid, sc_errno_name(errno));
}

key_t sc_random_key(void)
{
	static unsigned int fallback;
	unsigned int r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned int)getpid() * 2654435761u + fallback++;
	return (key_t)(0x5C000000u | (r & 0x00FFFFFFu));
}

int sc_shmget_unique(size_t size, int mode, key_t *key)
{
	for (int tries = 0; tries < 64; tries++) {
		key_t k = sc_random_key();
		int id = shmget(k, size, IPC_CREAT | IPC_EXCL | mode);
		if (id >= 0) {
			sc_track_shmid(id);
			if (key)
				*key = k;
			return id;
		}
		if (errno != EEXIST)
			return -1;
	}
	SC_FAIL("harness: 64 random keys all existed (EEXIST)");
}

const char *sc_shm_name(void)
{
	static __thread char name[64];
	/* glibc's shm_open is open(2) in /dev/shm: without it (an LXC
	 * application container has none) there is no POSIX shared memory
	 * to check, and every shm_open says ENOENT. */
	struct stat sb;
	if (stat("/dev/shm", &sb) != 0 || !S_ISDIR(sb.st_mode))
		SC_SKIP("no /dev/shm here (%s): POSIX shared memory (shm_open) "
			"needs that directory",
			sc_errno_name(errno ? errno : ENOTDIR));
	unsigned int r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned int)getpid();
	snprintf(name, sizeof name, "/shmconform.%d.%08x", (int)getpid(), r);
	sc_ledger_add("name", name);
	return name;
}
