/*
 * Permissions of System V segments, checked by a process that really is
 * unprivileged: as root, each check runs in a forked child that drops to
 * the unprivileged user (Kyua variable unprivileged_user, default nobody)
 * and proves it lost CAP_IPC_OWNER and CAP_SYS_ADMIN; as an ordinary user
 * the child is that user.  Cases that need a segment owned by someone else
 * skip (saying why) when this process cannot switch users.
 *
 * SHMGET: the nine mode bits are enforced like a file's (owner, group,
 * other -- the first class that matches decides); SHMAT: SHM_RDONLY needs
 * only read permission, a read-write attach needs write too; SHMCTL: only
 * the owner, the creator or a privileged process may IPC_SET or IPC_RMID
 * (EPERM), IPC_STAT needs read permission.  Also which checks the kernel
 * makes before the permission check (EINVAL wins over EACCES).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_priv.h"
#include "sc_shm.h"

enum cls { OWNER, GROUP, OTHER };
static const char *const cls_name[] = {"owner", "group", "other"};

struct ctx {
	int id;
	key_t key;
	size_t size;
	struct sc_priv_user u;
	enum cls cls;
	int mode;
	uid_t case_uid; /* the case's own ids, for a child that gives */
	gid_t case_gid; /* the segment it created back to the case */
};

static void need_switch(const char *why)
{
	if (!sc_priv_can_switch())
		SC_SKIP("needs CAP_SETUID and CAP_SETGID to run a child as "
			"another user, which this process (uid %d) lacks: %s",
			(int)geteuid(), why);
}

/* Give the segment to the class: the unprivileged user u is then its
 * owner, in its group, or neither (the creator is this process). */
static void give(struct ctx *c, enum cls cls, int mode)
{
	c->cls = cls;
	c->mode = mode;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (cls == OWNER)
		uid = c->u.uid;
	else if (cls == GROUP)
		gid = c->u.gid;
	if (cls != OWNER || uid != geteuid()) {
		/* The creator's ids match too: they must not be u's. */
		if (c->u.uid == geteuid() || c->u.gid == getegid())
			SC_SKIP("the unprivileged user %s shares this "
				"process's uid or gid",
				c->u.name);
	}
	sc_shm_set(c->id, uid, gid, mode);
}

/* A segment of this process (keyed), with data, for user u to probe. */
static void setup(struct ctx *c, enum cls cls, int mode)
{
	memset(c, 0, sizeof *c);
	if (cls != OWNER)
		need_switch("the group and other classes need a segment "
			    "owned by another user");
	sc_priv_target(&c->u);
	c->size = 2 * sc_page_size();
	c->id = sc_shm_new_keyed(c->size, 0600, &c->key);
	unsigned char *p = sc_shm_at(c->id, NULL, 0);
	for (size_t i = 0; i < c->size; i++)
		p[i] = sc_shm_pattern(i, 5);
	sc_shm_dt(p);
	give(c, cls, mode);
}

struct run_arg {
	struct ctx *c;
	void (*fn)(struct ctx *c);
};

static void unprivileged_child(void *p)
{
	struct run_arg *r = p;
	sc_priv_drop(&r->c->u);
	r->fn(r->c);
}

/*
 * Run fn as the unprivileged user.  The segment is left as fn left it:
 * this process is its creator, which may always IPC_SET and IPC_RMID it,
 * and the cleanup needs no read permission.
 */
static void as_user(struct ctx *c, void (*fn)(struct ctx *c))
{
	struct run_arg r = {c, fn};
	struct sc_outcome o =
	    sc_wait(sc_spawn(unprivileged_child, &r), SC_TIMEOUT_MS);
	char who[128];
	snprintf(who, sizeof who, "the child running as %s", c->u.name);
	sc_pass_up(&o, who);
}

/*
 * Where the probes attach: a free address rather than NULL.  The kernel
 * checks permission the same way; but valgrind's shmat wrapper sizes a
 * NULL attach with IPC_STAT first, and when the user may not read the
 * segment it fails the call with EINVAL before the kernel can say EACCES.
 */
static char *probe_addr(const struct ctx *c)
{
	return sc_shm_free_area(c->size, sc_shmlba());
}

/* Attach read-write and read-only; each must give err (0: succeed). */
static void attach_as(struct ctx *c, int rw_err, int ro_err)
{
	int flgs[2] = {0, SHM_RDONLY};
	int errs[2] = {rw_err, ro_err};
	for (int i = 0; i < 2; i++) {
		errno = 0;
		void *p = shmat(c->id, probe_addr(c), flgs[i]);
		int err = p == (void *)-1 ? errno : 0;
		if (p != (void *)-1)
			shmdt(p);
		SC_CHECK(err == errs[i],
			 "shmat(id, free address, %s) by %s (uid %d) in the %s "
			 "class "
			 "of mode 0%o: expected %s, observed %s",
			 flgs[i] ? "SHM_RDONLY" : "0", c->u.name, (int)c->u.uid,
			 cls_name[c->cls], (unsigned)c->mode,
			 errs[i] ? sc_errno_name(errs[i]) : "success",
			 err ? sc_errno_name(err) : "success");
	}
}

static void denied_both(struct ctx *c)
{
	attach_as(c, EACCES, EACCES);
}

static void allowed_both(struct ctx *c)
{
	attach_as(c, 0, 0);
}

/* Detects: permission for the owner decided by the group or other bits, not
 * the owner bits. */
SC_CASE(owner_class_uses_owner_bits, SHMGET, SC_POSIX,
	"For the segment's owner only the owner bits count: mode 0066 "
	"refuses the owner (EACCES) though group and other may; 0600 grants")
{
	struct ctx c;
	setup(&c, OWNER, 0066);
	as_user(&c, denied_both);
	give(&c, OWNER, 0600);
	as_user(&c, allowed_both);
}

/* Detects: permission for a group member decided by the other or owner bits,
 * not the group bits. */
SC_CASE(group_class_uses_group_bits, SHMGET, SC_POSIX,
	"For a member of the segment's group only the group bits count: mode "
	"0606 refuses it (EACCES) though other may; 0060 grants")
{
	struct ctx c;
	setup(&c, GROUP, 0606);
	as_user(&c, denied_both);
	give(&c, GROUP, 0060);
	as_user(&c, allowed_both);
}

/* Detects: permission for a user outside owner and group decided by the
 * owner or group bits, not the other bits. */
SC_CASE(other_class_uses_other_bits, SHMGET, SC_POSIX,
	"For a user neither owner nor in the group only the other bits "
	"count: mode 0660 refuses it (EACCES); 0006 grants")
{
	struct ctx c;
	setup(&c, OTHER, 0660);
	as_user(&c, denied_both);
	give(&c, OTHER, 0006);
	as_user(&c, allowed_both);
}

static void shmget_write_only(struct ctx *c)
{
	SC_CHECK_SHMGET_ERRNO(c->key, 0, 0400, EACCES);
	SC_CHECK_SHMGET_ERRNO(c->key, 0, 0600, EACCES);
	SC_CHECK_EQ(shmget(c->key, 0, 0200), c->id,
		    "shmget(key, 0, 0200) asking only the granted write bit: "
		    "the id");
}

/* Detects: shmget of an existing key that grants mode bits shmflg asks for
 * and the segment does not give (no EACCES). */
SC_CASE(shmget_without_requested_permission_fails_eacces, SHMGET, SC_POSIX,
	"shmget of an existing key fails with EACCES when the mode bits it "
	"asks for (in shmflg) are not granted")
{
	struct ctx c;
	setup(&c, OWNER, 0200);
	as_user(&c, shmget_write_only);
}

static void shmget_asks_nothing(struct ctx *c)
{
	SC_CHECK_EQ(shmget(c->key, 0, 0), c->id,
		    "shmget(key, 0, 0) of a mode-0000 segment: the id");
	SC_CHECK_SHMAT_ERRNO(c->id, probe_addr(c), SHM_RDONLY, EACCES);
}

/* Detects: shmget with no mode bits refused for a mode-0000 segment, or the
 * attach after it allowed. */
SC_CASE(shmget_asking_no_mode_bits_is_not_refused, SHMGET, SC_POSIX,
	"shmget with no mode bits in shmflg asks for no permission: it "
	"returns the id of a mode-0000 segment; the attach is refused")
{
	struct ctx c;
	setup(&c, OWNER, 0000);
	as_user(&c, shmget_asks_nothing);
}

static void read_only_attach_reads(struct ctx *c)
{
	const unsigned char *p = shmat(c->id, NULL, SHM_RDONLY);
	SC_CHECK(p != (void *)-1,
		 "shmat(id, NULL, SHM_RDONLY) by %s with mode 0%o (read "
		 "only): expected success, observed failure with %s",
		 c->u.name, (unsigned)c->mode, sc_errno_name(errno));
	for (size_t i = 0; i < c->size; i++)
		if (p[i] != sc_shm_pattern(i, 5))
			SC_FAIL("byte %zu read through the SHM_RDONLY attach: "
				"expected 0x%02x, observed 0x%02x",
				i, sc_shm_pattern(i, 5), p[i]);
	sc_shm_dt(p);
}

/* Detects: a SHM_RDONLY attach of a read-only (0400) segment refused, or not
 * showing its data. */
SC_CASE(rdonly_attach_needs_only_read_permission, SHMAT, SC_POSIX,
	"SHM_RDONLY attaches a segment the user may only read (mode 0400), "
	"and reads its data")
{
	struct ctx c;
	setup(&c, OWNER, 0400);
	as_user(&c, read_only_attach_reads);
}

static void rw_refused(struct ctx *c)
{
	SC_CHECK_SHMAT_ERRNO(c->id, probe_addr(c), 0, EACCES);
}

/* Detects: a read-write attach without write permission allowed (or made
 * read-only) instead of EACCES. */
SC_CASE(rw_attach_without_write_permission_fails_eacces, SHMAT, SC_POSIX,
	"A read-write attach of a segment the user may only read (mode 0400) "
	"fails with EACCES")
{
	struct ctx c;
	setup(&c, OWNER, 0400);
	as_user(&c, rw_refused);
}

static void ro_refused(struct ctx *c)
{
	SC_CHECK_SHMAT_ERRNO(c->id, probe_addr(c), SHM_RDONLY, EACCES);
}

/* Detects: a SHM_RDONLY attach without read permission (mode 0200) allowed
 * instead of EACCES. */
SC_CASE(rdonly_attach_without_read_permission_fails_eacces, SHMAT, SC_POSIX,
	"SHM_RDONLY of a segment the user may only write (mode 0200) fails "
	"with EACCES")
{
	struct ctx c;
	setup(&c, OWNER, 0200);
	as_user(&c, ro_refused);
}

static void stat_refused(struct ctx *c)
{
	struct shmid_ds ds;
	SC_CHECK_ERRNO(shmctl(c->id, IPC_STAT, &ds), EACCES);
}

/* Detects: IPC_STAT allowed to the owner of a segment without read
 * permission (mode 0200). */
SC_CASE(ipc_stat_without_read_permission_fails_eacces, SHMCTL, SC_POSIX,
	"IPC_STAT needs read permission: the owner of a mode-0200 segment "
	"gets EACCES")
{
	struct ctx c;
	setup(&c, OWNER, 0200);
	as_user(&c, stat_refused);
}

static void set_refused(struct ctx *c)
{
	struct shmid_ds ds;
	memset(&ds, 0, sizeof ds);
	ds.shm_perm.uid = c->u.uid;
	ds.shm_perm.gid = c->u.gid;
	ds.shm_perm.mode = 0666;
	SC_CHECK_ERRNO(shmctl(c->id, IPC_SET, &ds), EPERM);
}

/* Detects: IPC_SET by a user who is neither owner nor creator allowed (or
 * silently ignored), or failing with another errno than EPERM. */
SC_CASE(ipc_set_by_non_owner_fails_eperm, SHMCTL, SC_POSIX,
	"IPC_SET by a user who is neither owner nor creator fails with "
	"EPERM, even with every mode bit granted (0666)")
{
	struct ctx c;
	setup(&c, OTHER, 0666);
	as_user(&c, set_refused);
	struct shmid_ds ds;
	sc_shm_stat(c.id, &ds);
	SC_CHECK_EQ(ds.shm_perm.uid, geteuid(),
		    "shm_perm.uid after the refused IPC_SET");
}

static void rmid_refused(struct ctx *c)
{
	SC_CHECK_ERRNO(shmctl(c->id, IPC_RMID, NULL), EPERM);
}

/* Detects: IPC_RMID by a user who is neither owner nor creator allowed, or
 * the segment gone after the refusal. */
SC_CASE(ipc_rmid_by_non_owner_fails_eperm, SHMCTL, SC_POSIX,
	"IPC_RMID by a user who is neither owner nor creator fails with "
	"EPERM, even with every mode bit granted (0666)")
{
	struct ctx c;
	setup(&c, OTHER, 0666);
	as_user(&c, rmid_refused);
	SC_CHECK(sc_shm_exists(c.id),
		 "the segment after a refused IPC_RMID: expected it to exist, "
		 "observed it gone");
}

static void set_mode_0640(struct ctx *c)
{
	struct shmid_ds ds;
	memset(&ds, 0, sizeof ds);
	ds.shm_perm.uid = c->u.uid;
	ds.shm_perm.gid = c->u.gid;
	ds.shm_perm.mode = 0640;
	SC_CHECK_OK(shmctl(c->id, IPC_SET, &ds));
	/* Read back by the owner, who may (0640): the case's process may
	 * not without CAP_IPC_OWNER, being neither owner nor in the group. */
	sc_shm_stat(c->id, &ds);
	SC_CHECK(ds.shm_perm.mode == 0640,
		 "shm_perm.mode after the owner's IPC_SET of 0640: observed "
		 "0%o",
		 (unsigned)ds.shm_perm.mode);
}

/* Detects: IPC_SET refused to the owner of a segment someone else created,
 * or not applied. */
SC_CASE(ipc_set_by_owner_not_creator_succeeds, SHMCTL, SC_POSIX,
	"The owner (shm_perm.uid) may IPC_SET a segment someone else created")
{
	need_switch("the owner must be another user than the creator");
	struct ctx c;
	setup(&c, OWNER, 0600);
	as_user(&c, set_mode_0640);
}

static void rmid_ok(struct ctx *c)
{
	SC_CHECK_OK(shmctl(c->id, IPC_RMID, NULL));
}

/* Detects: IPC_RMID refused to the owner of a segment someone else created,
 * or leaving the segment in place. */
SC_CASE(ipc_rmid_by_owner_not_creator_succeeds, SHMCTL, SC_POSIX,
	"The owner (shm_perm.uid) may IPC_RMID a segment someone else "
	"created")
{
	need_switch("the owner must be another user than the creator");
	struct ctx c;
	setup(&c, OWNER, 0600);
	as_user(&c, rmid_ok);
	SC_CHECK(!sc_shm_exists(c.id),
		 "the segment after its owner's IPC_RMID: expected it gone, "
		 "observed it still there");
}

/* ---- the creator as the unprivileged user ----------------------------- */

static struct sc_chan created;

static void create_as_user(struct ctx *c)
{
	int id = shmget(IPC_PRIVATE, c->size, IPC_CREAT | 0600);
	SC_CHECK(id >= 0, "shmget(IPC_PRIVATE) by %s: %s", c->u.name,
		 sc_errno_name(errno));
	sc_chan_send(&created, &id, sizeof id);
	/* The creator gives it away: this process may not without
	 * CAP_SYS_ADMIN, being neither its owner nor its creator. */
	sc_shm_set(id, c->case_uid, c->case_gid, 0000);
}

/* A segment created by the unprivileged user, then given to this process
 * with mode bits that grant its creator nothing.  Tracked as soon as its
 * id is known, also when the creator then fails: the cleanup removes it
 * as its creator if need be. */
static void setup_created_by_user(struct ctx *c)
{
	memset(c, 0, sizeof *c);
	need_switch("the creator must be another user than the owner");
	sc_priv_target(&c->u);
	c->size = sc_page_size();
	c->case_uid = geteuid();
	c->case_gid = getegid();
	sc_chan_init(&created);
	struct run_arg r = {c, create_as_user};
	pid_t pid = sc_spawn(unprivileged_child, &r);
	struct sc_outcome o = sc_wait(pid, SC_TIMEOUT_MS);
	struct pollfd sent = {.fd = created.fd[0], .events = POLLIN};
	bool have_id = poll(&sent, 1, 0) == 1;
	if (have_id) {
		sc_chan_recv(&created, pid, &c->id, sizeof c->id,
			     "the id of the segment the user created");
		sc_shm_track(c->id, IPC_PRIVATE, pid);
	}
	sc_chan_close(&created);
	sc_pass_up(&o, "the child creating a segment as the user");
	if (!have_id)
		SC_FAIL("the child creating a segment as %s exited without "
			"sending its id",
			c->u.name);
	c->mode = 0000;
	c->cls = OTHER;
	/* Mode 0000: IPC_STAT is refused without CAP_IPC_OWNER; the list
	 * in /proc needs no permission. */
	SC_CHECK_EQ(sc_shm_proc_field(c->id, "cuid"), (long long)c->u.uid,
		    "cuid of the segment the user created (/proc/sysvipc/shm)");
}

static void set_by_creator(struct ctx *c)
{
	struct shmid_ds ds;
	memset(&ds, 0, sizeof ds);
	ds.shm_perm.uid = c->case_uid;
	ds.shm_perm.gid = c->case_gid;
	ds.shm_perm.mode = 0604;
	SC_CHECK_OK(shmctl(c->id, IPC_SET, &ds));
}

/* Detects: IPC_SET refused to a segment's creator once it gave the segment
 * to another owner, or not applied. */
SC_CASE(ipc_set_by_creator_not_owner_succeeds, SHMCTL, SC_POSIX,
	"The creator (shm_perm.cuid) may IPC_SET its segment after giving it "
	"to another owner, whatever the mode")
{
	struct ctx c;
	setup_created_by_user(&c);
	as_user(&c, set_by_creator);
	struct shmid_ds ds;
	sc_shm_stat(c.id, &ds);
	SC_CHECK(ds.shm_perm.mode == 0604,
		 "shm_perm.mode after the creator's IPC_SET of 0604: observed "
		 "0%o",
		 (unsigned)ds.shm_perm.mode);
}

/* Detects: IPC_RMID refused to a segment's creator once it gave the segment
 * to another owner, or leaving it in place. */
SC_CASE(ipc_rmid_by_creator_not_owner_succeeds, SHMCTL, SC_POSIX,
	"The creator (shm_perm.cuid) may IPC_RMID its segment after giving "
	"it to another owner, whatever the mode")
{
	struct ctx c;
	setup_created_by_user(&c);
	as_user(&c, rmid_ok);
	SC_CHECK(!sc_shm_exists(c.id),
		 "the segment after its creator's IPC_RMID: expected it gone, "
		 "observed it still there");
}

/* Detects: CAP_IPC_OWNER and CAP_SYS_ADMIN that do not let a process attach
 * another user's mode-0000 segment, IPC_SET or IPC_RMID it. */
SC_CASE(privileged_process_bypasses_mode_and_ownership, SHMCTL, SC_LINUX,
	"A process with CAP_IPC_OWNER and CAP_SYS_ADMIN attaches a mode-0000 "
	"segment of another user, and may IPC_SET and IPC_RMID it")
{
	sc_priv_need_cap(SC_CAP_IPC_OWNER, "the attach of a mode-0000 segment "
					   "is the bypass shown");
	sc_priv_need_cap(SC_CAP_SYS_ADMIN,
			 "IPC_SET and IPC_RMID by neither owner nor "
			 "creator are the bypass shown");
	struct ctx c;
	setup_created_by_user(&c);
	/* Back to the user: now this process is neither creator nor owner,
	 * and the mode grants nothing. */
	sc_shm_set(c.id, c.u.uid, c.u.gid, 0000);
	char *p = sc_shm_at(c.id, NULL, 0);
	p[0] = 'r';
	sc_shm_dt(p);
	sc_shm_set(c.id, c.u.uid, c.u.gid, 0000);
	SC_CHECK_OK(shmctl(c.id, IPC_RMID, NULL));
	SC_CHECK(!sc_shm_exists(c.id),
		 "the segment after a privileged IPC_RMID: expected it gone, "
		 "observed it still there");
}

/* ---- what the kernel checks before permissions ------------------------- */

static void oversize_shmget(struct ctx *c)
{
	SC_CHECK_SHMGET_ERRNO(c->key, c->size + 1, 0600, EINVAL);
}

/* Detects: a permission check made before the size check (EACCES for an
 * oversized request on a mode-0000 segment). */
SC_CASE(shmget_size_check_precedes_permission_check, SHMGET, SC_OBSERVED,
	"shmget asking a mode-0000 segment for more than its size fails "
	"with EINVAL, not EACCES: the size is checked first")
{
	struct ctx c;
	setup(&c, OWNER, 0000);
	as_user(&c, oversize_shmget);
}

static void misaligned_shmat(struct ctx *c)
{
	char *at = sc_shm_free_area(c->size, sc_shmlba());
	SC_CHECK_SHMAT_ERRNO(c->id, at + 1, 0, EINVAL);
}

/* Detects: a permission check made before the address check (EACCES for a
 * misaligned shmat of a mode-0000 segment). */
SC_CASE(shmat_address_check_precedes_permission_check, SHMAT, SC_OBSERVED,
	"shmat of a mode-0000 segment at a misaligned address fails with "
	"EINVAL, not EACCES: the address is checked first")
{
	struct ctx c;
	setup(&c, OWNER, 0000);
	as_user(&c, misaligned_shmat);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, owner_class_uses_owner_bits);
	SC_ADD(tp, group_class_uses_group_bits);
	SC_ADD(tp, other_class_uses_other_bits);
	SC_ADD(tp, shmget_without_requested_permission_fails_eacces);
	SC_ADD(tp, shmget_asking_no_mode_bits_is_not_refused);
	SC_ADD(tp, rdonly_attach_needs_only_read_permission);
	SC_ADD(tp, rw_attach_without_write_permission_fails_eacces);
	SC_ADD(tp, rdonly_attach_without_read_permission_fails_eacces);
	SC_ADD(tp, ipc_stat_without_read_permission_fails_eacces);
	SC_ADD(tp, ipc_set_by_non_owner_fails_eperm);
	SC_ADD(tp, ipc_rmid_by_non_owner_fails_eperm);
	SC_ADD(tp, ipc_set_by_owner_not_creator_succeeds);
	SC_ADD(tp, ipc_rmid_by_owner_not_creator_succeeds);
	SC_ADD(tp, ipc_set_by_creator_not_owner_succeeds);
	SC_ADD(tp, ipc_rmid_by_creator_not_owner_succeeds);
	SC_ADD(tp, privileged_process_bypasses_mode_and_ownership);
	SC_ADD(tp, shmget_size_check_precedes_permission_check);
	SC_ADD(tp, shmat_address_check_precedes_permission_check);
	return atf_no_error();
}
