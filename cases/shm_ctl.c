/*
 * SHMCTL: IPC_STAT, IPC_SET and IPC_RMID, and their EINVAL errors.  IPC_RMID
 * marks a segment: attached processes keep using it, it is destroyed after
 * the last detach, its key is released at once.  (EPERM and who may call
 * IPC_SET/IPC_RMID are in shm_perm.c.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

/* Detects: IPC_STAT that reports a wrong key, size, mode or attach count. */
SC_CASE(ipc_stat_reports_key_size_mode, SHMCTL, SC_POSIX,
	"IPC_STAT copies the segment's key, size, mode and attach count into "
	"the caller's shmid_ds")
{
	size_t size = sc_page_size() + 3;
	key_t key;
	int id = sc_shm_new_keyed(size, 0640, &key);
	char *p = sc_shm_at(id, NULL, 0);
	struct shmid_ds ds;
	memset(&ds, 0xFF, sizeof ds); /* nothing left over can look right */
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_perm.__key, key, "shm_perm.__key");
	SC_CHECK_EQ(ds.shm_segsz, size, "shm_segsz");
	SC_CHECK(ds.shm_perm.mode == 0640,
		 "shm_perm.mode: expected 0640, observed 0%o",
		 (unsigned)ds.shm_perm.mode);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch with one attach");
	sc_shm_dt(p);
}

/* A user other than ours to give a segment to (IPC_SET needs no privilege
 * for that, only a uid that exists in this user namespace): the
 * unprivileged user, or root when we are that user. */
static void other_user(uid_t *uid, gid_t *gid)
{
	const char *names[] = {sc_config("unprivileged_user", "nobody"),
			       "nobody", "root"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct passwd *pw = getpwnam(names[i]);
		if (!pw || pw->pw_uid == geteuid() || pw->pw_gid == getegid() ||
		    !sc_priv_uid_mapped(pw->pw_uid) ||
		    !sc_priv_gid_mapped(pw->pw_gid))
			continue;
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return;
	}
	SC_SKIP("no user other than this process's own (uid %d) is known "
		"and mapped here to give the segment to",
		(int)geteuid());
}

/* Detects: IPC_SET that does not change uid, gid or mode, or that also
 * changes cuid, cgid or the size. */
SC_CASE(ipc_set_changes_uid_gid_mode, SHMCTL, SC_POSIX,
	"IPC_SET sets shm_perm.uid, gid and mode; cuid, cgid and the size "
	"stay")
{
	uid_t uid;
	gid_t gid;
	other_user(&uid, &gid);
	size_t size = sc_page_size();
	int id = sc_shm_new(size, 0600);
	sc_shm_set(id, uid, gid, 0604);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_perm.uid, uid, "shm_perm.uid after IPC_SET");
	SC_CHECK_EQ(ds.shm_perm.gid, gid, "shm_perm.gid after IPC_SET");
	SC_CHECK(ds.shm_perm.mode == 0604,
		 "shm_perm.mode after IPC_SET of 0604: expected 0604, "
		 "observed 0%o",
		 (unsigned)ds.shm_perm.mode);
	SC_CHECK_EQ(ds.shm_perm.cuid, geteuid(),
		    "shm_perm.cuid after IPC_SET (the creator stays)");
	SC_CHECK_EQ(ds.shm_perm.cgid, getegid(),
		    "shm_perm.cgid after IPC_SET (the creator stays)");
	SC_CHECK_EQ(ds.shm_segsz, size, "shm_segsz after IPC_SET");
}

/* Detects: IPC_SET that stores SHM_DEST, SHM_LOCKED or set-id bits from the
 * caller's mode (a SHM_DEST bit that hides the key). */
SC_CASE(ipc_set_changes_only_low_nine_mode_bits, SHMCTL, SC_POSIX,
	"IPC_SET takes only the low nine bits of mode: SHM_DEST, SHM_LOCKED "
	"and set-id bits passed in are ignored")
{
	key_t key;
	int id = sc_shm_new_keyed(sc_page_size(), 0600, &key);
	/* 01000 is SHM_DEST and 02000 SHM_LOCKED in Linux's mode field. */
	sc_shm_set(id, geteuid(), getegid(), 07640);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK(ds.shm_perm.mode == 0640,
		 "shm_perm.mode after IPC_SET of 07640: expected 0640, "
		 "observed 0%o",
		 (unsigned)ds.shm_perm.mode);
	/* Not marked for destruction: the key still finds it. */
	SC_CHECK_EQ(shmget(key, 0, 0), id,
		    "shmget of the key after IPC_SET with the SHM_DEST bit");
}

/* Detects: IPC_SET that leaves shm_ctime at the creation time or sets
 * another time. */
SC_CASE(ipc_set_updates_ctime, SHMCTL, SC_POSIX,
	"IPC_SET sets shm_ctime to the time of the call")
{
	int id = sc_shm_new(sc_page_size(), 0600);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	time_t created = ds.shm_ctime;
	/* A later second, so that a ctime left at creation shows. */
	time_t t0 = sc_wait_next_second(created);
	sc_shm_set(id, geteuid(), getegid(), 0640);
	time_t t1 = time(NULL);
	sc_shm_stat(id, &ds);
	sc_note("shm_ctime at creation: %lld", (long long)created);
	SC_CHECK_TIME(ds.shm_ctime, t0, t1, "shm_ctime after IPC_SET");
}

/* Detects: IPC_RMID of an unattached segment that leaves it findable by id,
 * by key or in /proc/sysvipc/shm. */
SC_CASE(rmid_unattached_segment_is_destroyed_at_once, SHMCTL, SC_POSIX,
	"IPC_RMID of a segment nobody has attached destroys it at once: id "
	"and key find nothing")
{
	key_t key;
	int id = sc_shm_new_keyed(sc_page_size(), 0600, &key);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	struct shmid_ds ds;
	SC_CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);
	SC_CHECK_SHMGET_ERRNO(key, 0, 0, ENOENT);
	SC_CHECK_EQ(sc_shm_proc_field(id, "shmid"), -1,
		    "lines for the id in /proc/sysvipc/shm (-1: none)");
}

/* Detects: IPC_RMID that takes the memory away from processes still
 * attached, or stops their writes reaching each other. */
SC_CASE(rmid_keeps_attached_memory_usable, SHMCTL, SC_LINUX,
	"After IPC_RMID, processes still attached keep reading and writing "
	"the segment and see each other's writes")
{
	size_t size = 3 * sc_page_size();
	struct sc_actor a, b;
	sc_actor_init(&a, "A, an attacher");
	sc_actor_init(&b, "B, another attacher");
	sc_actor_start(&a, NULL);
	sc_actor_start(&b, NULL);
	int id = sc_shm_new(size, 0600);
	sc_actor_shmat(&a, id, 0);
	sc_actor_shmat(&b, id, 0);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	sc_actor_fill(&a, 0, size, 7);
	sc_actor_verify(&b, 0, size, 7,
			"data A wrote after IPC_RMID of the segment");
	sc_actor_fill(&b, size / 2, size / 2, 8);
	sc_actor_verify(&a, size / 2, size / 2, 8,
			"data B wrote after IPC_RMID of the segment");
	sc_actor_exit(&a);
	sc_actor_exit(&b);
}

/* Detects: a removed segment destroyed before its last detach, or surviving
 * the last one (shmdt or exit). */
SC_CASE(rmid_destroys_segment_after_last_detach, SHMCTL, SC_LINUX,
	"An attached segment removed with IPC_RMID lives on until the last "
	"process detaches (shmdt or exit), then is gone")
{
	struct sc_actor a, b;
	sc_actor_init(&a, "A, detaches with shmdt");
	sc_actor_init(&b, "B, detaches by exiting");
	sc_actor_start(&a, NULL);
	sc_actor_start(&b, NULL);
	int id = sc_shm_new(sc_page_size(), 0600);
	sc_actor_shmat(&a, id, 0);
	sc_actor_shmat(&b, id, 0);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 2, "shm_nattch just after IPC_RMID");
	sc_actor_shmdt(&a);
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1,
		    "shm_nattch after A's shmdt (B still attached)");
	sc_actor_exit(&b);
	SC_CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);
	sc_actor_exit(&a);
}

/* Detects: an attached, removed segment whose IPC_STAT lacks SHM_DEST or
 * still shows its key (or SHM_DEST before removal). */
SC_CASE(rmid_marks_attached_segment_dest, SHMCTL, SC_LINUX,
	"IPC_STAT of an attached segment after IPC_RMID shows SHM_DEST in "
	"shm_perm.mode and the key IPC_PRIVATE")
{
	key_t key;
	int id = sc_shm_new_keyed(sc_page_size(), 0600, &key);
	char *p = sc_shm_at(id, NULL, 0);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK(!(ds.shm_perm.mode & SHM_DEST),
		 "shm_perm.mode before IPC_RMID: expected no SHM_DEST (01000), "
		 "observed 0%o",
		 (unsigned)ds.shm_perm.mode);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	sc_shm_stat(id, &ds);
	SC_CHECK(ds.shm_perm.mode & SHM_DEST,
		 "shm_perm.mode after IPC_RMID: expected SHM_DEST (01000) "
		 "set, observed 0%o",
		 (unsigned)ds.shm_perm.mode);
	SC_CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE,
		    "shm_perm.__key after IPC_RMID");
	sc_shm_dt(p);
}

/* Detects: a key that still finds a removed but attached segment, or cannot
 * make a new one, or the new segment reusing the old id. */
SC_CASE(rmid_releases_key_at_once, SHMCTL, SC_LINUX,
	"IPC_RMID releases the key at once, while the segment is still "
	"attached: the key finds nothing, and can make a new segment")
{
	size_t page = sc_page_size();
	key_t key;
	int id = sc_shm_new_keyed(page, 0600, &key);
	char *p = sc_shm_at(id, NULL, 0);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	SC_CHECK_SHMGET_ERRNO(key, 0, 0, ENOENT);
	int fresh = shmget(key, page, IPC_CREAT | IPC_EXCL | 0600);
	if (fresh >= 0)
		sc_shm_track(fresh, key, getpid());
	SC_CHECK(fresh >= 0,
		 "shmget(old key, IPC_CREAT|IPC_EXCL) after IPC_RMID while "
		 "attached: expected a new segment, observed failure with %s",
		 sc_errno_name(errno));
	SC_CHECK(fresh != id,
		 "the new segment under the old key: expected an id other "
		 "than %d, observed the same",
		 id);
	p[0] = 'o'; /* the old segment is still there for its attacher */
	SC_CHECK_EQ(p[0], 'o', "byte written to the removed segment");
	sc_shm_dt(p);
}

/* Detects: IPC_STAT, IPC_SET or IPC_RMID of id -1 or of a removed segment
 * that succeeds or fails with another errno than EINVAL. */
SC_CASE(bad_id_fails_einval, SHMCTL, SC_POSIX,
	"IPC_STAT, IPC_SET and IPC_RMID of an id that names no segment (-1, "
	"a removed one) fail with EINVAL")
{
	int gone = sc_shm_new(sc_page_size(), 0600);
	SC_CHECK_OK(shmctl(gone, IPC_RMID, NULL));
	int ids[] = {-1, gone};
	for (int i = 0; i < 2; i++) {
		struct shmid_ds ds;
		memset(&ds, 0, sizeof ds);
		ds.shm_perm.uid = geteuid();
		ds.shm_perm.gid = getegid();
		ds.shm_perm.mode = 0600;
		SC_CHECK_ERRNO(shmctl(ids[i], IPC_STAT, &ds), EINVAL);
		SC_CHECK_ERRNO(shmctl(ids[i], IPC_SET, &ds), EINVAL);
		SC_CHECK_ERRNO(shmctl(ids[i], IPC_RMID, NULL), EINVAL);
	}
}

/* Detects: an unknown shmctl command that is accepted, fails with another
 * errno than EINVAL, or harms the segment. */
SC_CASE(bad_command_fails_einval, SHMCTL, SC_POSIX,
	"shmctl with a command that does not exist fails with EINVAL")
{
	int id = sc_shm_new(sc_page_size(), 0600);
	struct shmid_ds ds;
	SC_CHECK_ERRNO(shmctl(id, 0x7f, &ds), EINVAL);
	SC_CHECK_ERRNO(shmctl(id, -1, &ds), EINVAL);
	SC_CHECK(sc_shm_exists(id),
		 "the segment after the bad commands: expected it to exist, "
		 "observed it gone");
}

/* Detects: IPC_STAT that "succeeds" writing through a pointer that maps
 * nothing, IPC_SET that reads one, or another errno than EFAULT; or a
 * refused IPC_SET that changed the segment all the same. */
SC_CASE(ipc_stat_and_ipc_set_with_unmapped_buffer_fail_with_efault, SHMCTL,
	SC_LINUX,
	"IPC_STAT and IPC_SET with a buffer pointer to an unmapped page fail "
	"with EFAULT and leave the segment as it was")
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: it reports the unmapped buffer as the "
			"case's own error before the kernel sees it");
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	/* A page just unmapped: nothing is there (one thread, no mmap
	 * between). */
	void *hole =
	    mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(hole);
	SC_CHECK_OK(munmap(hole, page));
	SC_CHECK_ERRNO(shmctl(id, IPC_STAT, (struct shmid_ds *)hole), EFAULT);
	SC_CHECK_ERRNO(shmctl(id, IPC_SET, (struct shmid_ds *)hole), EFAULT);
	struct shmid_ds ds;
	SC_CHECK_OK(shmctl(id, IPC_STAT, &ds));
	SC_CHECK_EQ(ds.shm_perm.mode & 0777, 0600,
		    "shm_perm.mode after the refused IPC_SET");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, ipc_stat_reports_key_size_mode);
	SC_ADD(tp, ipc_set_changes_uid_gid_mode);
	SC_ADD(tp, ipc_set_changes_only_low_nine_mode_bits);
	SC_ADD(tp, ipc_set_updates_ctime);
	SC_ADD(tp, rmid_unattached_segment_is_destroyed_at_once);
	SC_ADD(tp, rmid_keeps_attached_memory_usable);
	SC_ADD(tp, rmid_destroys_segment_after_last_detach);
	SC_ADD(tp, rmid_marks_attached_segment_dest);
	SC_ADD(tp, rmid_releases_key_at_once);
	SC_ADD(tp, bad_id_fails_einval);
	SC_ADD(tp, bad_command_fails_einval);
	SC_ADD(tp, ipc_stat_and_ipc_set_with_unmapped_buffer_fail_with_efault);
	return atf_no_error();
}
