/*
 * The ledger's undo side (ATF-free, in libsc_core): reading a ledger and
 * removing what it lists, and the sweep that does so for runs whose process
 * is gone.  The writing side (sc_files.c) belongs to the case library; the
 * format is described there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_core.h"

const char *sc_state_dir(void)
{
	const char *d = getenv("SHMCONFORM_STATE");
	return d && *d ? d : "/tmp/shmconform-state";
}

/* State letter (R, S, Z...) and start time of process pid, from
 * /proc/PID/stat; false if there is no such process. */
bool sc_proc_stat(pid_t pid, char *state, unsigned long long *start)
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
void sc_proc_identity(pid_t pid, char *buf, size_t len)
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
bool sc_shm_identity(int id, long long *key, int *cpid)
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

/* The creator's uid of segment id, from /proc/sysvipc/shm (IPC_STAT may
 * be refused); -1 if it cannot be read. */
static long long sc_shm_cuid(int id)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f)
		return -1;
	char line[512];
	long long cuid = -1;
	/* key shmid perms size cpid lpid nattch uid gid cuid ... */
	while (cuid < 0 && fgets(line, sizeof line, f)) {
		int i;
		long long c;
		if (sscanf(line, "%*d %d %*o %*u %*d %*d %*u %*u %*u %lld", &i,
			   &c) == 2 &&
		    i == id)
			cuid = c;
	}
	fclose(f);
	return cuid;
}

unsigned long long sc_capeff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	char line[256];
	unsigned long long eff = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff;
}

bool sc_rmid_as_creator(int id)
{
	long long cuid = sc_shm_cuid(id);
	if (cuid < 0 || !((sc_capeff() >> 7) & 1)) /* CAP_SETUID */
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* Only syscalls here: this may run at exit, after a failure. */
		if (setresuid((uid_t)cuid, (uid_t)cuid, (uid_t)cuid) != 0)
			_exit(2);
		_exit(shmctl(id, IPC_RMID, NULL) == 0 ? 0 : 1);
	}
	/* Bounded: one system call's work, 5 s at most. */
	int st = 0;
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (r < 0 && errno != EINTR)
			return false;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return false;
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
		return errno == EPERM && sc_rmid_as_creator(id);
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
