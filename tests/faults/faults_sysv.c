/*
 * libshmconform-faults: System V faults of the coverage round (issue #13):
 * shm_nattch after an mprotect split, SHM_LOCK's EPERM, SHM_STAT_ANY's
 * permission, kernel.shm_next_id naming an id in use, attachments across
 * unshare(CLONE_NEWIPC).  The interposers of faults_shm.c, faults_mmap.c
 * and faults_ext.c call the fm_sv_* hooks.
 */
#include "faults_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

/* Segments whose attachment this process split with mprotect (inherited
 * by forked children, as the attachment is). */
#define SV_MAX_SPLIT 64
static int sv_split[SV_MAX_SPLIT];
static int sv_nsplit;

static bool sv_was_split(int id)
{
	for (int i = 0; i < sv_nsplit; i++)
		if (sv_split[i] == id)
			return true;
	return false;
}

void fm_sv_mprotect(void *addr, size_t len, int ret)
{
	if (fm_fault != F_shm_split_nattch_leak || ret != 0)
		return;
	struct fm_map *m = fm_find(addr);
	/* Only a part of the attachment: a split. */
	if (!m || m->kind != FM_SHM || len >= m->len)
		return;
	if (!sv_was_split(m->shmid) && sv_nsplit < SV_MAX_SPLIT)
		sv_split[sv_nsplit++] = m->shmid;
}

/* kernel.shm_next_id of this IPC namespace, -1 if unset or unreadable. */
static int sv_next_id(void)
{
	int fd = open("/proc/sys/kernel/shm_next_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (int)strtol(buf, NULL, 10);
}

bool fm_sv_shmget(int *ret, key_t key, size_t size, int flg)
{
	(void)size;
	if (fm_fault != F_shm_next_id_in_use_eexist)
		return false;
	if (key != IPC_PRIVATE && !(flg & IPC_CREAT))
		return false;
	int saved = errno;
	int next = sv_next_id();
	struct shmid_ds ds;
	bool in_use = next >= 0 && fm_real.shmctl(next, IPC_STAT, &ds) == 0;
	errno = saved;
	if (!in_use)
		return false;
	/* As a kernel that refuses the id asked instead of the next one. */
	errno = EEXIST;
	*ret = -1;
	return true;
}

bool fm_sv_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf)
{
	switch (fm_fault) {
	case F_shm_split_nattch_leak:
		if (cmd != IPC_STAT || !sv_was_split(id))
			return false;
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret == 0)
			buf->shm_nattch++; /* one piece's detach not counted */
		return true;
	case F_shm_lock_eperm_hidden:
		if (cmd != SHM_LOCK && cmd != SHM_UNLOCK)
			return false;
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret != 0 && errno == EPERM)
			*ret = 0; /* and nothing changes */
		return true;
	case F_shmctl_bad_buffer_ignored:
		if (cmd != IPC_STAT && cmd != IPC_SET)
			return false;
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret != 0 && errno == EFAULT)
			*ret = 0; /* nothing read, nothing written */
		return true;
	case F_shm_stat_any_needs_read:
		if (cmd != SHM_STAT_ANY)
			return false;
		*ret = fm_real.shmctl(id, SHM_STAT, buf);
		return true;
	default:
		return false;
	}
}

void fm_sv_unshare(int flags)
{
	if (fm_fault != F_unshare_ipc_drops_attachments ||
	    !(flags & CLONE_NEWIPC))
		return;
	/* As a kernel that lets the old namespace's segments go with it:
	 * every attachment becomes fresh anonymous memory (zeros). */
	for (int i = 0; i < FM_MAX_MAPS; i++) {
		struct fm_map *m = &fm_maps[i];
		if (!m->inuse || m->kind != FM_SHM)
			continue;
		fm_real.mmap(m->addr, m->len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
}
