/*
 * libshmconform-faults: System V shared memory (shmget, shmat, shmdt,
 * shmctl) and what happens to segments at exit.
 */
#include "faults_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

/* Small per-process tables; a full table only makes a fault miss. */
#define FM_MAX_IDS 256

static struct {
	int id;
	pid_t creator;
} fm_created[FM_MAX_IDS]; /* segments this process created */
static int fm_ncreated;

static struct {
	key_t key;
	int id;
} fm_removed[FM_MAX_IDS]; /* keys whose segment IPC_RMID removed */
static int fm_nremoved;

static struct {
	int id;
	time_t ctime;
} fm_ctimes[FM_MAX_IDS]; /* shm_ctime before the first IPC_SET */
static int fm_nctimes;

static int fm_last_private = -1;

static int fm_stat(int id, struct shmid_ds *ds)
{
	return fm_real.shmctl(id, IPC_STAT, ds);
}

/* Will shmget(key, .., flg) create a new segment? (asked before it runs) */
static bool fm_will_create(key_t key, int flg)
{
	if (key == IPC_PRIVATE)
		return true;
	if (!(flg & IPC_CREAT))
		return false;
	int saved = errno;
	bool absent = fm_real.shmget(key, 0, 0) < 0 && errno == ENOENT;
	errno = saved;
	return absent;
}

static bool fm_needs_newness(void)
{
	switch (fm_fault) {
	case F_shmget_not_zeroed:
	case F_segments_die_with_creator:
	case F_shmget_mode_ignored:
	case F_shmget_size0_accepted:
	case F_shmget_private_reuses:
		return true;
	default:
		return false;
	}
}

/* Write c over the whole segment through a temporary attachment. */
static void fm_fill_segment(int id, int c)
{
	struct shmid_ds ds;
	if (fm_stat(id, &ds) != 0)
		return;
	void *p = fm_real.shmat(id, NULL, 0);
	if (p == (void *)-1)
		return;
	fm_fill(p, c, ds.shm_segsz);
	fm_real.shmdt(p);
}

/* The id of the segment with this key, from /proc (no permission needed). */
static int fm_id_of_key(key_t key)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f)
		return -1;
	char line[512];
	int id = -1;
	while (id < 0 && fgets(line, sizeof line, f)) {
		long long k;
		int i;
		if (sscanf(line, "%lld %d", &k, &i) == 2 && (key_t)k == key)
			id = i;
	}
	fclose(f);
	return id;
}

int shmget(key_t key, size_t size, int flg)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.shmget(key, size, flg);
	int x;
	if (fm_sv_shmget(&x, key, size, flg) ||
	    fm_x_shmget(&x, key, size, flg) || fm_c3_shmget(&x, key, size, flg))
		return x;
	if (fm_fault == F_rmid_key_late && key != IPC_PRIVATE)
		for (int i = 0; i < fm_nremoved; i++)
			if (fm_removed[i].key == key) {
				if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) {
					errno = EEXIST;
					return -1;
				}
				return fm_removed[i].id;
			}
	bool creating = fm_needs_newness() && fm_will_create(key, flg);
	if (creating && fm_fault == F_shmget_private_reuses &&
	    key == IPC_PRIVATE && fm_last_private >= 0) {
		struct shmid_ds ds;
		if (fm_stat(fm_last_private, &ds) == 0 &&
		    !(ds.shm_perm.mode & SHM_DEST) && ds.shm_segsz >= size)
			return fm_last_private;
	}
	if (creating && fm_fault == F_shmget_size0_accepted && size == 0)
		size = 1;
	if (creating && fm_fault == F_shmget_mode_ignored)
		flg = (flg & ~0777) | 0666;

	int id = fm_real.shmget(key, size, flg);
	if (id < 0) {
		int err = errno;
		if (fm_fault == F_shmget_excl_ignored && err == EEXIST &&
		    (flg & IPC_EXCL))
			id = fm_real.shmget(key, size, flg & ~IPC_EXCL);
		else if (fm_fault == F_shmget_perm_not_checked &&
			 err == EACCES && key != IPC_PRIVATE)
			id = fm_id_of_key(key);
		else if (fm_fault == F_shmget_bigger_accepted &&
			 err == EINVAL && key != IPC_PRIVATE && size > 0)
			id = fm_real.shmget(key, 0,
					    flg & ~(IPC_CREAT | IPC_EXCL));
		if (id < 0) {
			if (fm_fault == F_shmget_errno_swapped) {
				if (err == ENOENT)
					err = EINVAL;
				else if (err == EINVAL)
					err = ENOENT;
				else if (err == EEXIST)
					err = EACCES;
			}
			errno = err;
			return -1;
		}
	}
	if (creating) {
		if (fm_fault == F_shmget_not_zeroed)
			fm_fill_segment(id, 0xA5);
		if (fm_fault == F_segments_die_with_creator &&
		    fm_ncreated < FM_MAX_IDS) {
			fm_created[fm_ncreated].id = id;
			fm_created[fm_ncreated].creator = getpid();
			fm_ncreated++;
		}
		if (key == IPC_PRIVATE)
			fm_last_private = id;
	}
	return id;
}

void *shmat(int id, const void *addr, int flg)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.shmat(id, addr, flg);
	void *x;
	if (fm_x_shmat(&x, id, addr, flg) || fm_c3_shmat(&x, id, addr, flg))
		return x;
	uintptr_t lba = (uintptr_t)SHMLBA, a = (uintptr_t)addr;
	bool wanted_ro = flg & SHM_RDONLY;
	switch (fm_fault) {
	case F_shmat_rnd_ignored:
		flg &= ~SHM_RND;
		break;
	case F_shmat_rnd_rounds_up:
		if ((flg & SHM_RND) && a % lba) {
			addr = (const void *)((a + lba - 1) / lba * lba);
			flg &= ~SHM_RND;
		}
		break;
	case F_shmat_unaligned_accepted:
		if (!(flg & SHM_RND) && a % lba)
			addr = (const void *)(a - a % lba);
		break;
	case F_shmat_rdonly_ignored:
		flg &= ~SHM_RDONLY;
		break;
	default:
		break;
	}
	if (fm_fault == F_shmat_rdonly_needs_write && (flg & SHM_RDONLY)) {
		/* ask the kernel whether a read-write attach would be allowed
		 */
		void *probe =
		    fm_real.shmat(id, NULL, flg & ~(SHM_RDONLY | SHM_RND));
		if (probe == (void *)-1 && errno == EACCES)
			return probe;
		if (probe != (void *)-1)
			fm_real.shmdt(probe);
	}
	void *p = fm_real.shmat(id, addr, flg);
	if (p == (void *)-1 && errno == EACCES && !(flg & SHM_RDONLY) &&
	    ((fm_fault == F_shmat_rdonly_ignored && wanted_ro) ||
	     fm_fault == F_shmat_rw_without_write_perm)) {
		flg |= SHM_RDONLY;
		p = fm_real.shmat(id, addr, flg);
	}
	if (p == (void *)-1)
		return p;
	struct shmid_ds ds;
	size_t size = fm_stat(id, &ds) == 0 ? ds.shm_segsz : fm_page();
	if (fm_fault == F_shared_dontfork)
		madvise(p, fm_round_up(size, fm_page()), MADV_DONTFORK);
	struct fm_map *m = fm_track(p, size, FM_SHM);
	if (m) {
		m->shmid = id;
		m->shared = true;
		m->prot =
		    (flg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	}
	return p;
}

static struct fm_map *fm_attachment(const void *addr)
{
	struct fm_map *m = fm_find(addr);
	return m && m->kind == FM_SHM && m->addr == addr ? m : NULL;
}

int shmdt(const void *addr)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.shmdt(addr);
	int x;
	if (fm_x_shmdt(&x, addr))
		return x;
	struct fm_map *m = fm_attachment(addr);
	struct shmid_ds ds;
	if (fm_fault == F_shmdt_noop && m)
		return 0;
	if (fm_fault == F_data_lost_at_last_detach && m &&
	    fm_stat(m->shmid, &ds) == 0 && ds.shm_nattch == 1) {
		if (m->prot & PROT_WRITE)
			fm_fill(m->addr, 0, ds.shm_segsz);
		else
			fm_fill_segment(m->shmid, 0);
	}
	int rv = fm_real.shmdt(addr);
	if (rv != 0) {
		if (fm_fault == F_shmdt_bad_addr_accepted && errno == EINVAL)
			return 0;
		return rv;
	}
	if (m) {
		if (fm_fault == F_shmdt_frees && fm_stat(m->shmid, &ds) == 0 &&
		    ds.shm_nattch == 0)
			fm_real.shmctl(m->shmid, IPC_RMID, NULL);
		fm_untrack(m);
	}
	return 0;
}

static bool fm_known_cmd(int cmd)
{
	switch (cmd) {
	case IPC_STAT:
	case IPC_SET:
	case IPC_RMID:
	case IPC_INFO:
	case SHM_INFO:
	case SHM_STAT:
	case SHM_STAT_ANY:
	case SHM_LOCK:
	case SHM_UNLOCK:
		return true;
	default:
		return false;
	}
}

static void fm_stat_faults(int id, struct shmid_ds *ds)
{
	switch (fm_fault) {
	case F_ds_cpid_lpid_swapped: {
		pid_t t = ds->shm_cpid;
		ds->shm_cpid = ds->shm_lpid;
		ds->shm_lpid = t;
		break;
	}
	case F_ds_lpid_detach_only:
		if (ds->shm_dtime == 0)
			ds->shm_lpid = 0;
		break;
	case F_ds_nattch_zero:
		ds->shm_nattch = 0;
		break;
	case F_ds_times_not_updated:
		ds->shm_atime = 0;
		ds->shm_dtime = 0;
		break;
	case F_ds_segsz_rounded:
		ds->shm_segsz = fm_round_up(ds->shm_segsz, fm_page());
		break;
	case F_ds_cuid_follows_uid:
		ds->shm_perm.cuid = ds->shm_perm.uid;
		ds->shm_perm.cgid = ds->shm_perm.gid;
		break;
	case F_set_ctime_not_updated:
		for (int i = 0; i < fm_nctimes; i++)
			if (fm_ctimes[i].id == id)
				ds->shm_ctime = fm_ctimes[i].ctime;
		break;
	default:
		break;
	}
}

/* IPC_RMID went through: what the faults make of it. */
static void fm_removed_faults(int id, key_t key)
{
	if (fm_fault == F_rmid_key_late && key != IPC_PRIVATE &&
	    fm_nremoved < FM_MAX_IDS) {
		fm_removed[fm_nremoved].key = key;
		fm_removed[fm_nremoved].id = id;
		fm_nremoved++;
	}
	if (fm_fault == F_rmid_destroys_now)
		for (int i = 0; i < FM_MAX_MAPS; i++) {
			struct fm_map *m = &fm_maps[i];
			if (!m->inuse || m->kind != FM_SHM || m->shmid != id)
				continue;
			/* the memory is gone: fresh zero pages instead */
			fm_real.mmap(m->addr, m->len, PROT_READ | PROT_WRITE,
				     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
				     -1, 0);
			fm_untrack(m);
		}
	for (int i = 0; i < fm_ncreated; i++)
		if (fm_created[i].id == id)
			fm_created[i].id = -1;
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.shmctl(id, cmd, buf);
	int x;
	if (fm_sv_shmctl(&x, id, cmd, buf) || fm_x_shmctl(&x, id, cmd, buf) ||
	    fm_c3_shmctl(&x, id, cmd, buf))
		return x;
	struct shmid_ds ds;
	int rv;
	if (!fm_known_cmd(cmd) && fm_fault == F_bad_cmd_accepted)
		return 0;
	switch (cmd) {
	case IPC_SET:
		if (fm_fault == F_set_ignored) {
			rv = fm_stat(id, &ds); /* a bad id still fails */
			break;
		}
		if (fm_fault == F_set_ctime_not_updated &&
		    fm_stat(id, &ds) == 0 && fm_nctimes < FM_MAX_IDS) {
			bool known = false;
			for (int i = 0; i < fm_nctimes; i++)
				known |= fm_ctimes[i].id == id;
			if (!known) {
				fm_ctimes[fm_nctimes].id = id;
				fm_ctimes[fm_nctimes].ctime = ds.shm_ctime;
				fm_nctimes++;
			}
		}
		rv = fm_real.shmctl(id, cmd, buf);
		if (rv != 0 && errno == EPERM && fm_fault == F_set_eperm_hidden)
			rv = 0;
		break;
	case IPC_RMID: {
		key_t key =
		    fm_stat(id, &ds) == 0 ? ds.shm_perm.__key : IPC_PRIVATE;
		rv = fm_real.shmctl(id, cmd, buf);
		if (rv == 0)
			fm_removed_faults(id, key);
		break;
	}
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		rv = fm_real.shmctl(id, cmd, buf);
		if (rv >= 0 && buf)
			fm_stat_faults(cmd == IPC_STAT ? id : rv, buf);
		break;
	default:
		rv = fm_real.shmctl(id, cmd, buf);
		break;
	}
	if (rv < 0 && errno == EINVAL && fm_fault == F_bad_id_errno &&
	    fm_known_cmd(cmd))
		errno = EIDRM;
	return rv;
}

/* Called by the exit interposers (faults_core.c). */
void fm_shm_at_exit(void)
{
	if (fm_fault != F_segments_die_with_creator)
		return;
	for (int i = 0; i < fm_ncreated; i++)
		if (fm_created[i].id >= 0 && fm_created[i].creator == getpid())
			fm_real.shmctl(fm_created[i].id, IPC_RMID, NULL);
}
