/*
 * Everything with a name that a case creates, and the ledger that makes sure
 * none of it outlives the case: temp directories, System V segments, POSIX
 * shm names.  Each case's body process owns a ledger file in the state
 * directory ($SHMCONFORM_STATE, default /tmp/shmconform-state) named after
 * its pid; every item is written there before or as it is created.  The
 * ledger is undone at the end of the body (also on failure: atexit), by the
 * case's cleanup routine (after a timeout), and by the sweep of a later run
 * (after a kill) once the owning process is gone.
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
#include "sc_priv.h"

static const char *sc_state_dir(void)
{
	const char *d = getenv("SHMCONFORM_STATE");
	return d && *d ? d : "/tmp/shmconform-state";
}

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

/* The identity of a process as the sweep judges it: its start time (so a
 * reused pid is not taken for the owner), its IPC namespace (a sweep in
 * another cannot see, so must not judge, our segments) and its PID
 * namespace (where its pid means something). */
/* State letter (R, S, Z...) and start time of process pid, from
 * /proc/PID/stat; false if there is no such process. */
static bool sc_proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof stat - 1, f);
	stat[n] = '\0';
	fclose(f);
	/* Fields 3 (state) and 22 (starttime); the command (field 2) may
	 * hold spaces, so count from its closing parenthesis. */
	char *p = strrchr(stat, ')');
	return p && sscanf(p + 2,
			   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			   "%*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			   state, start) == 2;
}

/* The identity of a process as the sweep judges it: its start time (so a
 * reused pid is not taken for the owner), its IPC namespace (a sweep in
 * another cannot see, so must not judge, our segments) and its PID
 * namespace (where its pid means something). */
static void sc_proc_identity(pid_t pid, char *buf, size_t len)
{
	char state, ipc[64] = "?", pidns[64] = "?";
	unsigned long long start = 0;
	if (!sc_proc_stat(pid, &state, &start))
		start = 0;
	ssize_t n = readlink("/proc/self/ns/ipc", ipc, sizeof ipc - 1);
	ipc[n > 0 ? n : 1] = '\0';
	n = readlink("/proc/self/ns/pid", pidns, sizeof pidns - 1);
	pidns[n > 0 ? n : 1] = '\0';
	snprintf(buf, len, "%d %llu %s %s", (int)pid, start, ipc, pidns);
}

bool sc_ledger_try_add(const char *kind, const char *what)
{
	char line[PATH_MAX + 64];
	int n = snprintf(line, sizeof line, "%s %s\n", kind, what);
	int fd = -1;
	/* An empty state directory is removed at the end of each case, so
	 * another run may remove it between our mkdir and open: retry. */
	for (int i = 0; i < 100 && fd < 0; i++) {
		if (mkdir(sc_state_dir(), 01777) == 0)
			chmod(sc_state_dir(), 01777);
		fd = open(sc_ledger_path(),
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 && errno != ENOENT)
			break;
	}
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

static int sc_rm_one(const char *path, const struct stat *sb, int flag,
		     struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Key and creator of segment id, also where IPC_STAT is refused (a mode
 * that denies even its creator read access): /proc/sysvipc/shm lists every
 * segment of the IPC namespace.  False if there is no such segment. */
static bool sc_shm_identity(int id, long long *key, int *cpid)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) == 0) {
		*key = (long long)ds.shm_perm.__key;
		*cpid = (int)ds.shm_cpid;
		return true;
	}
	if (errno != EACCES)
		return false;
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	/* columns: key shmid perms size cpid ... */
	while (!found && fgets(line, sizeof line, f)) {
		long long k;
		int i, c;
		if (sscanf(line, "%lld %d %*o %*u %d", &k, &i, &c) == 3 &&
		    i == id) {
			*key = k;
			*cpid = c;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Undo one ledger line; returns 1 if something was removed. */
static int sc_undo(const char *kind, const char *what)
{
	if (strcmp(kind, "dir") == 0) {
		/* Only our own private directories, whatever a line says. */
		const char *base = strrchr(what, '/');
		struct stat sb;
		if (!base || strncmp(base + 1, "shmconform.", 11) != 0 ||
		    lstat(what, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
		    sb.st_uid != geteuid())
			return 0;
		nftw(what, sc_rm_one, 16, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	if (strcmp(kind, "shm") == 0) {
		/* "id key cpid": remove only the segment we made, never one
		 * that later reused the id. */
		int id, cpid, now_cpid;
		long long key, now_key;
		if (sscanf(what, "%d %lld %d", &id, &key, &cpid) != 3)
			return 0;
		if (!sc_shm_identity(id, &now_key, &now_cpid))
			return 0;
		if (now_key != key || now_cpid != cpid)
			return 0;
		/* IPC_RMID needs ownership, not read permission; without
		 * CAP_SYS_ADMIN a segment a dropped child made is removed as
		 * its creator. */
		if (shmctl(id, IPC_RMID, NULL) == 0)
			return 1;
		return errno == EPERM && sc_priv_rmid_as_creator(id);
	}
	if (strcmp(kind, "name") == 0)
		return shm_unlink(what) == 0;
	return 0;
}

int sc_ledger_process(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	/* The state directory is shared, like /tmp: act only on ledgers
	 * written by our own user, never on lines someone else planted. */
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || sb.st_uid != geteuid()) {
		fclose(f);
		return 0;
	}
	int removed = 0;
	char line[PATH_MAX + 64];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		removed += sc_undo(line, sp + 1);
	}
	fclose(f);
	unlink(path);
	return removed;
}

void sc_ledger_release(void)
{
	if (!sc_ledger[0])
		return;
	sc_ledger_process(sc_ledger);
	/* Nothing left for a cleanup routine to do; and leave no state
	 * directory behind once no run uses it (fails while one does). */
	unlink("shmconform.ledger");
	rmdir(sc_state_dir());
}

/* Is the run that owns this ledger gone?  Judged by its owner line:
 * "owner PID STARTTIME IPCNS PIDNS".  A ledger of another IPC or PID
 * namespace is not ours to judge. */
static bool sc_ledger_is_stale(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[256], mine[200], ns[128] = "", my_ns[128] = "";
	int pid = 0;
	unsigned long long start = 0, now_start = 0;
	/* ns: "ipc:[N] pid:[M]", compared as one string */
	bool parsed =
	    fgets(line, sizeof line, f) &&
	    sscanf(line, "owner %d %llu %127[^\n]", &pid, &start, ns) == 3;
	fclose(f);
	if (!parsed)
		return false; /* being written, or not ours: leave it */
	sc_proc_identity(getpid(), mine, sizeof mine);
	sscanf(mine, "%*d %*u %127[^\n]", my_ns);
	if (strcmp(ns, my_ns) != 0)
		return false;
	char state;
	if (!sc_proc_stat(pid, &state, &now_start))
		return kill(pid, 0) != 0 && errno == ESRCH;
	/* A zombie is a finished run whose parent has not reaped it (a
	 * killed Kyua's orphans, under an init that does not reap); a live
	 * process is the owner unless its pid was reused. */
	return state == 'Z' || state == 'X' || now_start != start;
}

int sc_sweep_stale(void)
{
	DIR *d = opendir(sc_state_dir());
	if (!d)
		return 0;
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		int pid;
		if (sscanf(e->d_name, "ledger.%d", &pid) != 1)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", sc_state_dir(), e->d_name);
		if (sc_ledger_is_stale(path))
			removed += sc_ledger_process(path);
	}
	closedir(d);
	return removed;
}

/* ---- temporary files --------------------------------------------------- */

const char *sc_fs_dir(const struct sc_fs *fs)
{
	static char dir[PATH_MAX];
	static const struct sc_fs *made_for;
	if (made_for == fs && dir[0])
		return dir;
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
	unsigned int r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned int)getpid();
	snprintf(name, sizeof name, "/shmconform.%d.%08x", (int)getpid(), r);
	sc_ledger_add("name", name);
	return name;
}
