/*
 * SHMAT and SHMCTL at their edges: attaching an id that names nothing,
 * the protection an attachment may take afterwards (mprotect), attaching a
 * removed segment that is still in use, IPC_RMID repeated, SHM_REMAP at
 * address 0, munmap of part of an attachment, and SHM_LOCK (by the owner,
 * and refused to an unprivileged process that does not own the segment).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_priv.h"
#include "sc_shm.h"

/* Detects: shmat of an id that names no segment (never made, or removed)
 * attaching something, or failing with another errno. */
SC_CASE(shmat_of_invalid_id_fails_with_einval, SHMAT, SC_POSIX,
	"shmat of id -1, and of the id of a removed segment, fails with "
	"EINVAL")
{
	SC_CHECK_SHMAT_ERRNO(-1, NULL, 0, EINVAL);
	int id = sc_shm_new(sc_page_size(), 0600);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	SC_CHECK_SHMAT_ERRNO(id, NULL, 0, EINVAL);
}

/* Detects: a SHM_RDONLY attachment that mprotect can make writable (the
 * read-only promise, and the permission check behind it, undone). */
SC_CASE(rdonly_attach_cannot_be_made_writable, SHMAT, SC_LINUX,
	"mprotect(PROT_READ|PROT_WRITE) of a SHM_RDONLY attachment fails with "
	"EACCES")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	void *p = sc_shm_at(id, NULL, SHM_RDONLY);
	SC_CHECK_ERRNO(mprotect(p, page, PROT_READ | PROT_WRITE), EACCES);
	sc_shm_dt(p);
}

/* Detects: a read-write attachment whose protection cannot be lowered and
 * raised again (it was attached with write permission). */
SC_CASE(rw_attach_can_be_made_read_only_and_writable_again, SHMAT, SC_LINUX,
	"A read-write attachment can be mprotect()ed to PROT_READ and back to "
	"PROT_READ|PROT_WRITE, and then takes writes")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	unsigned char *p = sc_shm_at(id, NULL, 0);
	SC_CHECK_OK(mprotect(p, page, PROT_READ));
	SC_CHECK_OK(mprotect(p, page, PROT_READ | PROT_WRITE));
	p[0] = 0x5A;
	SC_CHECK_EQ(p[0], 0x5A, "byte written after raising the protection");
	sc_shm_dt(p);
}

/* Records Linux's rule: a segment marked for destruction (SHM_DEST) but
 * still attached can be attached again by its id.  Detects: shmat of a
 * removed but still attached segment refused (EIDRM or EINVAL), which
 * programs relying on Linux's rule would hit. */
SC_CASE(removed_segment_still_attached_can_be_attached_by_id, SHMCTL, SC_LINUX,
	"After IPC_RMID of a segment that is still attached, shmat by its id "
	"succeeds and shows the same memory")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	unsigned char *p = sc_shm_at(id, NULL, 0);
	p[0] = 0x5A;
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	unsigned char *q = shmat(id, NULL, 0);
	SC_CHECK_MAP(q);
	SC_CHECK_EQ(q[0], 0x5A, "byte 0 through the second attachment");
	sc_shm_dt(q);
	sc_shm_dt(p);
}

/* Detects: a second IPC_RMID that destroys a segment still attached (or is
 * refused: the id still names it). */
SC_CASE(repeated_rmid_keeps_attached_segment, SHMCTL, SC_LINUX,
	"A second IPC_RMID of a segment still attached succeeds and does not "
	"destroy it: the memory stays usable, shm_nattch 1")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	unsigned char *p = sc_shm_at(id, NULL, 0);
	p[0] = 0x5A;
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1, "shm_nattch after two IPC_RMID");
	SC_CHECK_EQ(p[0], 0x5A, "byte 0 after two IPC_RMID");
	sc_shm_dt(p);
}

/* Detects: SHM_REMAP honoured at address 0 (the CVE-2017-5669 hole: a
 * mapping of page 0). */
SC_CASE(remap_at_address_rounded_to_zero_fails_with_einval, SHMAT, SC_LINUX,
	"shmat with SHM_RND|SHM_REMAP at an address below SHMLBA (rounded "
	"down to 0) fails with EINVAL")
{
	int id = sc_shm_new(sc_page_size(), 0600);
	SC_CHECK_SHMAT_ERRNO(id, (void *)(sc_shmlba() - 1), SHM_RND | SHM_REMAP,
			     EINVAL);
}

/* Detects: munmap refused on part of an attachment, or a later shmdt that
 * does not detach the rest (nattch would stay up for ever). */
SC_CASE(munmap_of_part_of_attachment_then_shmdt_detaches_rest, SHMDT, SC_LINUX,
	"munmap of the first page of a two-page attachment succeeds; shmdt "
	"of its address then detaches the second page (shm_nattch 0)")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(2 * page, 0600);
	unsigned char *p = sc_shm_at(id, NULL, 0);
	SC_CHECK_OK(munmap(p, page));
	unsigned char vec[1];
	SC_CHECK_ERRNO(mincore(p, page, vec), ENOMEM);
	SC_CHECK_OK(mincore(p + page, page, vec));
	SC_CHECK_OK(shmdt(p));
	SC_CHECK_ERRNO(mincore(p + page, page, vec), ENOMEM);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0, "shm_nattch after munmap and shmdt");
}

/* Detects: SHM_LOCK / SHM_UNLOCK not recorded in shm_perm.mode. */
SC_CASE(shm_lock_and_unlock_set_and_clear_shm_locked, SHMCTL, SC_LINUX,
	"SHM_LOCK sets SHM_LOCKED in shm_perm.mode and SHM_UNLOCK clears it")
{
	int id = sc_shm_new(sc_page_size(), 0600);
	if (shmctl(id, SHM_LOCK, NULL) != 0) {
		if (errno == EPERM || errno == ENOMEM)
			SC_SKIP("SHM_LOCK refused (%s): needs CAP_IPC_LOCK or "
				"RLIMIT_MEMLOCK room",
				sc_errno_name(errno));
		sc_fail_errno(SC_FILE, __LINE__, "shmctl(SHM_LOCK)", errno);
	}
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, SHM_LOCKED,
		    "SHM_LOCKED bit of shm_perm.mode after SHM_LOCK");
	SC_CHECK_OK(shmctl(id, SHM_UNLOCK, NULL));
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, 0,
		    "SHM_LOCKED bit of shm_perm.mode after SHM_UNLOCK");
}

/* CAP_IPC_LOCK by number (linux/capability.h): it lets anyone lock. */
#define CAP_IPC_LOCK_NR 14

struct lock_probe {
	int id;
	uid_t owner; /* owner and creator of the segment */
	struct sc_priv_user u;
};

static void lock_as_non_owner(void *arg)
{
	struct lock_probe *lp = arg;
	sc_priv_drop(&lp->u);
	if (sc_priv_has_cap(CAP_IPC_LOCK_NR))
		SC_SKIP("the unprivileged child kept CAP_IPC_LOCK, which "
			"allows SHM_LOCK to anyone");
	sc_note("the child runs as %s (uid %d) without CAP_IPC_LOCK; the "
		"segment's owner and creator are uid %d",
		lp->u.name, (int)geteuid(), (int)lp->owner);
	SC_CHECK_ERRNO(shmctl(lp->id, SHM_LOCK, NULL), EPERM);
	SC_CHECK_ERRNO(shmctl(lp->id, SHM_UNLOCK, NULL), EPERM);
}

/* Detects: SHM_LOCK / SHM_UNLOCK allowed to a process that neither owns
 * nor created the segment and lacks CAP_IPC_LOCK (anyone could pin other
 * users' memory, or unpin what they locked). */
SC_CASE(shm_lock_by_unprivileged_non_owner_fails_eperm, SHMCTL, SC_LINUX,
	"SHM_LOCK and SHM_UNLOCK by a process that is neither owner nor "
	"creator and lacks CAP_IPC_LOCK fail with EPERM, even with mode 0666")
{
	struct lock_probe lp;
	sc_priv_other_user(&lp.u, "the segment's owner and creator must be "
				  "another user than the child");
	/* Mode 0666: the refusal is about ownership, not the mode bits. */
	lp.id = sc_shm_new(sc_page_size(), 0666);
	lp.owner = geteuid();
	sc_run(lock_as_non_owner, &lp);
	struct shmid_ds ds;
	sc_shm_stat(lp.id, &ds);
	SC_CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, 0,
		    "SHM_LOCKED bit of shm_perm.mode after the refused "
		    "SHM_LOCK");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, shmat_of_invalid_id_fails_with_einval);
	SC_ADD(tp, rdonly_attach_cannot_be_made_writable);
	SC_ADD(tp, rw_attach_can_be_made_read_only_and_writable_again);
	SC_ADD(tp, removed_segment_still_attached_can_be_attached_by_id);
	SC_ADD(tp, repeated_rmid_keeps_attached_segment);
	SC_ADD(tp, remap_at_address_rounded_to_zero_fails_with_einval);
	SC_ADD(tp, munmap_of_part_of_attachment_then_shmdt_detaches_rest);
	SC_ADD(tp, shm_lock_and_unlock_set_and_clear_shm_locked);
	SC_ADD(tp, shm_lock_by_unprivileged_non_owner_fails_eperm);
	return atf_no_error();
}
