/*
 * EXT-LIMITS and SHMCTL's informational commands: IPC_INFO (the limits),
 * SHM_INFO (what is in use), SHM_STAT (a segment by its kernel index), and
 * SHMMNI enforced; SHM_STAT_ANY (Linux 4.17) ignoring read permission;
 * kernel.shm_next_id naming an id in use.  Counting segments needs a namespace
 * nobody else uses: those cases run in a child in a new IPC namespace
 * (CAP_SYS_ADMIN; they skip without it), where the limits are the namespace's
 * own and every segment dies with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_priv.h"

static void enter_new_ipc_namespace(void)
{
	if (unshare(CLONE_NEWIPC) != 0)
		SC_SKIP("cannot make a new IPC namespace (unshare(CLONE_NEWIPC)"
			": %s): needs CAP_SYS_ADMIN",
			sc_errno_name(errno));
}

/* /proc/sys/kernel/NAME of this process's IPC namespace. */
static unsigned long long proc_limit(const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
	FILE *f = fopen(path, "re");
	if (!f)
		SC_SKIP("cannot read %s (%s)", path, sc_errno_name(errno));
	unsigned long long v = 0;
	int n = fscanf(f, "%llu", &v);
	fclose(f);
	SC_CHECK(n == 1, "%s does not hold a number", path);
	return v;
}

/* Detects: IPC_INFO reporting limits other than the ones in force (a
 * program sizing its segments from it would be refused). */
SC_CASE(ipc_info_reports_limits_in_force, EXT_LIMITS, SC_LINUX,
	"IPC_INFO gives shmmin 1 and the shmmax, shmall and shmmni of "
	"/proc/sys/kernel")
{
	struct shminfo si;
	SC_CHECK_OK(shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&si));
	SC_CHECK_EQ(si.shmmin, 1, "shminfo.shmmin");
	SC_CHECK_EQ(si.shmmax, proc_limit("shmmax"),
		    "shminfo.shmmax against /proc/sys/kernel/shmmax");
	SC_CHECK_EQ(si.shmall, proc_limit("shmall"),
		    "shminfo.shmall against /proc/sys/kernel/shmall");
	SC_CHECK_EQ(si.shmmni, proc_limit("shmmni"),
		    "shminfo.shmmni against /proc/sys/kernel/shmmni");
}

static int make_segment(size_t size)
{
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	SC_CHECK_OK(id);
	return id;
}

static struct shm_info shm_info_now(int *highest)
{
	struct shm_info si;
	int rv = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si);
	SC_CHECK_OK(rv);
	if (highest)
		*highest = rv;
	return si;
}

static void count_in_new_namespace(void *arg)
{
	(void)arg;
	enter_new_ipc_namespace();
	size_t page = sc_page_size();
	SC_CHECK_EQ(shm_info_now(NULL).used_ids, 0,
		    "SHM_INFO used_ids in a new IPC namespace");
	int a = make_segment(3 * page + 1), b = make_segment(page);
	struct shm_info si = shm_info_now(NULL);
	SC_CHECK_EQ(si.used_ids, 2, "used_ids after making two segments");
	SC_CHECK_EQ(si.shm_tot, 4 + 1,
		    "shm_tot (pages) of segments of 3 pages + 1 byte and 1 "
		    "page");
	SC_CHECK_EQ(si.shm_rss, 0, "shm_rss before any page is touched");
	char *p = shmat(a, NULL, 0);
	SC_CHECK_MAP(p);
	p[0] = 1;
	SC_CHECK_EQ(shm_info_now(NULL).shm_rss, 1,
		    "shm_rss after touching one page");
	SC_CHECK_OK(shmdt(p));
	SC_CHECK_OK(shmctl(a, IPC_RMID, NULL));
	si = shm_info_now(NULL);
	SC_CHECK_EQ(si.used_ids, 1, "used_ids after removing one");
	SC_CHECK_EQ(si.shm_tot, 1, "shm_tot after removing the 4-page one");
	SC_CHECK_OK(shmctl(b, IPC_RMID, NULL));
}

/* Detects: SHM_INFO counts that do not follow segments being made, used
 * and removed (ipcs -u shows them). */
SC_CASE(shm_info_counts_follow_segments, EXT_LIMITS, SC_LINUX,
	"SHM_INFO's used_ids, shm_tot and shm_rss follow segments made, "
	"touched and removed (in a new IPC namespace)")
{
	sc_run(count_in_new_namespace, NULL);
}

/* The id the next segment gets: (sequence 3 << 15) | index 2, so that id
 * and index differ (a fresh namespace hands out ids equal to indexes). */
#define NEXT_ID ((3 << 15) | 2)

/* kernel.shm_next_id of this IPC namespace: write v (skips, saying why,
 * where it cannot be written), read it back. */
static void set_next_id(int v)
{
	FILE *f = fopen("/proc/sys/kernel/shm_next_id", "we");
	if (!f || fprintf(f, "%d\n", v) < 0 || fclose(f) != 0)
		SC_SKIP(
		    "cannot set kernel.shm_next_id in the new IPC "
		    "namespace (%s: %s)",
		    sc_errno_name(errno),
		    errno == EROFS ? "/proc/sys is mounted read-only here, "
				     "as container runtimes mount it"
		    : errno == ENOENT
			? "the kernel needs CONFIG_CHECKPOINT_RESTORE for it"
			: "the kernel refuses it");
}

static int get_next_id(void)
{
	int next = 0;
	FILE *f = fopen("/proc/sys/kernel/shm_next_id", "re");
	SC_CHECK(f && fscanf(f, "%d", &next) == 1,
		 "cannot read kernel.shm_next_id back");
	fclose(f);
	return next;
}

static void stat_by_index(void *arg)
{
	(void)arg;
	enter_new_ipc_namespace();
	set_next_id(NEXT_ID);
	int id = make_segment(sc_page_size() + 7);
	SC_CHECK_EQ(id, NEXT_ID,
		    "id of the segment made after setting "
		    "kernel.shm_next_id");
	SC_CHECK_EQ(get_next_id(), -1,
		    "kernel.shm_next_id after use (back to -1)");
	int highest;
	shm_info_now(&highest);
	SC_CHECK_EQ(highest, NEXT_ID & 0x7fff,
		    "highest index SHM_INFO returned (the id's low 15 bits)");
	struct shmid_ds by_index, by_id;
	int rv = shmctl(highest, SHM_STAT, &by_index);
	SC_CHECK_OK(rv);
	SC_CHECK_EQ(rv, id, "id SHM_STAT returned for the index");
	SC_CHECK_OK(shmctl(id, IPC_STAT, &by_id));
	SC_CHECK_EQ(by_index.shm_segsz, by_id.shm_segsz,
		    "shm_segsz by SHM_STAT against IPC_STAT");
	SC_CHECK_EQ(by_index.shm_cpid, by_id.shm_cpid,
		    "shm_cpid by SHM_STAT against IPC_STAT");
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	SC_CHECK_ERRNO(shmctl(highest, SHM_STAT, &by_index), EINVAL);
}

/* Detects: SHM_STAT (what ipcs uses to list segments) naming another
 * segment than the index's, or finding one after its removal; and
 * kernel.shm_next_id (checkpoint/restore) not giving the id asked. */
SC_CASE(shm_stat_by_index_gives_the_segments_id_and_data, SHMCTL, SC_LINUX,
	"With kernel.shm_next_id set, the next segment gets that id; SHM_STAT "
	"of its index gives that id and IPC_STAT's data, and EINVAL after "
	"IPC_RMID")
{
	sc_run(stat_by_index, NULL);
}

static void next_id_in_use(void *arg)
{
	(void)arg;
	enter_new_ipc_namespace();
	set_next_id(NEXT_ID);
	int first = make_segment(sc_page_size());
	SC_CHECK_EQ(first, NEXT_ID,
		    "id of the first segment made after setting "
		    "kernel.shm_next_id");
	/* Ask again for the id now in use. */
	set_next_id(NEXT_ID);
	int second = make_segment(2 * sc_page_size());
	sc_note("kernel.shm_next_id %d twice: first segment %d, second %d",
		NEXT_ID, first, second);
	SC_CHECK(second != first,
		 "shmget with kernel.shm_next_id naming the id in use: "
		 "expected another id, observed %d again",
		 second);
	/* The kernel takes the lowest free index at or above the one asked,
	 * with the sequence number asked (ipc_idr_alloc). */
	SC_CHECK_EQ(second, NEXT_ID + 1,
		    "id of the second segment (the next free index, same "
		    "sequence)");
	SC_CHECK_EQ(get_next_id(), -1,
		    "kernel.shm_next_id after the second use (back to -1)");
	struct shmid_ds a, b;
	SC_CHECK_OK(shmctl(first, IPC_STAT, &a));
	SC_CHECK_OK(shmctl(second, IPC_STAT, &b));
	SC_CHECK_EQ(a.shm_segsz, sc_page_size(),
		    "shm_segsz of the first segment (one page), unchanged");
	SC_CHECK_EQ(b.shm_segsz, 2 * sc_page_size(),
		    "shm_segsz of the second segment (two pages)");
	SC_CHECK_OK(shmctl(first, IPC_RMID, NULL));
	SC_CHECK_OK(shmctl(second, IPC_RMID, NULL));
}

/* Detects: kernel.shm_next_id (checkpoint/restore) naming an id in use
 * making shmget fail, or hand out the id of the existing segment. */
SC_CASE(shm_next_id_in_use_gives_another_id, SHMGET, SC_LINUX,
	"With kernel.shm_next_id naming an id in use, shmget makes a new "
	"segment with the next free index and the sysctl returns to -1 (in a "
	"new IPC namespace)")
{
	sc_run(next_id_in_use, NULL);
}

struct stat_any {
	struct sc_priv_user u;
	int id, index;
	struct shmid_ds by_id; /* IPC_STAT, by the privileged creator */
};

static void stat_any_unprivileged(void *arg)
{
	struct stat_any *sa = arg;
	sc_priv_drop(&sa->u);
	struct shmid_ds ds;
	/* SHM_STAT checks read permission like IPC_STAT: mode 0 refuses. */
	SC_CHECK_ERRNO(shmctl(sa->index, SHM_STAT, &ds), EACCES);
	/* Zeroed first: valgrind does not know that SHM_STAT_ANY fills the
	 * buffer (the kernel's values are compared all the same). */
	memset(&ds, 0, sizeof ds);
	int rv = shmctl(sa->index, SHM_STAT_ANY, &ds);
	SC_CHECK_OK(rv);
	SC_CHECK_EQ(rv, sa->id, "id SHM_STAT_ANY returned for the index");
	SC_CHECK_EQ(ds.shm_perm.__key, sa->by_id.shm_perm.__key,
		    "key by SHM_STAT_ANY against IPC_STAT");
	SC_CHECK_EQ(ds.shm_perm.uid, sa->by_id.shm_perm.uid,
		    "shm_perm.uid by SHM_STAT_ANY against IPC_STAT");
	SC_CHECK_EQ(ds.shm_perm.mode, sa->by_id.shm_perm.mode,
		    "shm_perm.mode by SHM_STAT_ANY against IPC_STAT");
	SC_CHECK_EQ(ds.shm_segsz, sa->by_id.shm_segsz,
		    "shm_segsz by SHM_STAT_ANY against IPC_STAT");
	SC_CHECK_EQ(ds.shm_cpid, sa->by_id.shm_cpid,
		    "shm_cpid by SHM_STAT_ANY against IPC_STAT");
	SC_CHECK_EQ(ds.shm_nattch, sa->by_id.shm_nattch,
		    "shm_nattch by SHM_STAT_ANY against IPC_STAT");
}

static void stat_any_in_new_namespace(void *arg)
{
	struct stat_any *sa = arg;
	enter_new_ipc_namespace();
	/* In a fresh namespace ids equal indexes; the sequence number that
	 * makes them differ grows at each new segment on older kernels, only
	 * when the cyclic index allocation wraps (after 64 or so) on newer
	 * ones: make and remove segments until the id is not the index. */
	for (int tries = 0;; tries++) {
		/* Mode 0, owned by this (privileged) process: the
		 * unprivileged user may not read it. */
		sa->id = shmget(IPC_PRIVATE, sc_page_size() + 5, IPC_CREAT | 0);
		SC_CHECK_OK(sa->id);
		shm_info_now(&sa->index);
		if (sa->id != sa->index)
			break;
		SC_CHECK(tries < 1000,
			 "1000 segments made and removed: every id equal to "
			 "its index (%d)",
			 sa->index);
		SC_CHECK_OK(shmctl(sa->id, IPC_RMID, NULL));
	}
	SC_CHECK_OK(shmctl(sa->id, IPC_STAT, &sa->by_id));
	struct shmid_ds ds; /* only the call's result is used */
	int rv = shmctl(sa->index, SHM_STAT_ANY, &ds);
	if (rv < 0 && errno == EINVAL && !sc_kernel_at_least(4, 17))
		SC_SKIP("SHM_STAT_ANY is Linux 4.17+; kernel %s refuses it "
			"with EINVAL",
			sc_kernel_release());
	SC_CHECK_OK(rv);
	sc_note("segment %d (index %d), mode 0, owner uid %d; the probe runs "
		"as %s (uid %d)",
		sa->id, sa->index, (int)sa->by_id.shm_perm.uid, sa->u.name,
		(int)sa->u.uid);
	sc_run(stat_any_unprivileged, sa);
	SC_CHECK_OK(shmctl(sa->id, IPC_RMID, NULL));
}

/* Detects: SHM_STAT_ANY (what ipcs -a uses since 4.17) checking read
 * permission as SHM_STAT does, or naming another segment than the
 * index's. */
SC_CASE(shm_stat_any_reads_segment_without_read_permission, SHMCTL, SC_LINUX,
	"For an unprivileged process, SHM_STAT of a mode-0 segment of another "
	"user fails with EACCES while SHM_STAT_ANY returns its id and "
	"IPC_STAT's data (Linux 4.17+, in a new IPC namespace)")
{
	struct stat_any sa;
	sc_priv_other_user(&sa.u, "the segment's owner must be another user "
				  "than the child");
	sc_run(stat_any_in_new_namespace, &sa);
}

static void fill_to_shmmni(void *arg)
{
	(void)arg;
	enter_new_ipc_namespace();
	FILE *f = fopen("/proc/sys/kernel/shmmni", "we");
	if (!f || fprintf(f, "3\n") < 0 || fclose(f) != 0)
		SC_SKIP("cannot set kernel.shmmni in the new IPC namespace "
			"(%s)",
			sc_errno_name(errno));
	SC_CHECK_EQ(proc_limit("shmmni"), 3, "kernel.shmmni after setting");
	for (int i = 0; i < 3; i++)
		make_segment(sc_page_size());
	SC_CHECK_ERRNO(shmget(IPC_PRIVATE, sc_page_size(), IPC_CREAT | 0600),
		       ENOSPC);
}

/* Detects: SHMMNI not enforced (a namespace could exhaust the kernel's
 * segment table). */
SC_CASE(shmget_beyond_shmmni_fails_with_enospc, EXT_LIMITS, SC_LINUX,
	"With kernel.shmmni 3 and three segments, shmget of a fourth fails "
	"with ENOSPC (in a new IPC namespace)")
{
	sc_run(fill_to_shmmni, NULL);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, ipc_info_reports_limits_in_force);
	SC_ADD(tp, shm_info_counts_follow_segments);
	SC_ADD(tp, shm_stat_by_index_gives_the_segments_id_and_data);
	SC_ADD(tp, shmget_beyond_shmmni_fails_with_enospc);
	SC_ADD(tp, shm_next_id_in_use_gives_another_id);
	SC_ADD(tp, shm_stat_any_reads_segment_without_read_permission);
	return atf_no_error();
}
