/*
 * Faults of the second round of huge page cases (cases/hugetlb.c): explicit
 * size selection, the pool's ENOMEM for System V, IPC_EXCL on a huge key,
 * unaligned hugetlbfs offsets, private copy-on-write and the freeing of a
 * removed huge segment.  The interposers of faults_mmap.c, faults_shm.c
 * and faults_ext2.c call these fm_h2_* hooks first.
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/vfs.h>

#define H2_SIZE_BITS (0x3fU << 26) /* MAP_/MFD_/SHM_HUGE_SHIFT 26 */
#define H2_HUGETLBFS_MAGIC 0x958458f6
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

static bool h2_on_hugetlbfs(int fd, size_t *hps)
{
	struct statfs sf;
	if (fd < 0 || fstatfs(fd, &sf) != 0 ||
	    (unsigned long)sf.f_type != H2_HUGETLBFS_MAGIC)
		return false;
	*hps = (size_t)sf.f_bsize;
	return true;
}

bool fm_h2_mmap_args(int *flags, int fd, off_t *off)
{
	size_t hps;
	bool anon = *flags & MAP_ANONYMOUS;
	bool huge = anon ? (*flags & MAP_HUGETLB) : h2_on_hugetlbfs(fd, &hps);
	switch (fm_fault) {
	case F_huge_size_selection_ignored:
		if (anon && (*flags & MAP_HUGETLB) &&
		    ((unsigned)*flags & H2_SIZE_BITS))
			*flags &= ~(MAP_HUGETLB | (int)H2_SIZE_BITS);
		break;
	case F_hugetlb_unaligned_offset_rounded:
		if (!anon && huge && (size_t)*off % hps != 0)
			*off -= (off_t)((size_t)*off % hps);
		break;
	case F_hugetlb_private_is_shared:
		if (huge && (*flags & MAP_TYPE) == MAP_PRIVATE)
			*flags = (*flags & ~MAP_TYPE) | MAP_SHARED;
		break;
	default:
		break;
	}
	return true;
}

unsigned int fm_h2_memfd_flags(unsigned int flags)
{
	if (fm_fault == F_huge_size_selection_ignored &&
	    (flags & MFD_HUGETLB) && (flags & H2_SIZE_BITS))
		flags &= ~(MFD_HUGETLB | H2_SIZE_BITS);
	return flags;
}

/* Huge segments whose IPC_RMID waits for this process's exit (at most a
 * few: a case makes one). */
static int h2_deferred[8];
static int h2_ndeferred;

static void h2_remove_deferred(void)
{
	for (int i = 0; i < h2_ndeferred; i++)
		fm_real.shmctl(h2_deferred[i], IPC_RMID, NULL);
	h2_ndeferred = 0;
}

/* Huge segments made by this process (by id). */
static int h2_huge_ids[64];
static int h2_nhuge;

static bool h2_is_huge(int id)
{
	for (int i = 0; i < h2_nhuge; i++)
		if (h2_huge_ids[i] == id)
			return true;
	return false;
}

bool fm_h2_shmget(int *ret, key_t key, size_t size, int flg)
{
	if (!(flg & SHM_HUGETLB))
		return false;
	switch (fm_fault) {
	case F_huge_excl_ignored:
		if (key != IPC_PRIVATE && (flg & IPC_EXCL)) {
			*ret = fm_real.shmget(key, size, flg & ~IPC_EXCL);
			return true;
		}
		return false;
	case F_shm_huge_nomem_as_enospc:
		*ret = fm_real.shmget(key, size, flg);
		if (*ret < 0 && errno == ENOMEM)
			errno = ENOSPC;
		return true;
	case F_huge_rmid_deferred:
		*ret = fm_real.shmget(key, size, flg);
		if (*ret >= 0 && h2_nhuge < 64)
			h2_huge_ids[h2_nhuge++] = *ret;
		return true;
	case F_huge_size_selection_ignored:
		if (!((unsigned)flg & H2_SIZE_BITS))
			return false;
		*ret = fm_real.shmget(key, size,
				      flg & ~(SHM_HUGETLB | (int)H2_SIZE_BITS));
		return true;
	default:
		return false;
	}
}

bool fm_h2_shmctl(int *ret, int id, int cmd)
{
	if (fm_fault != F_huge_rmid_deferred || cmd != IPC_RMID ||
	    !h2_is_huge(id) || h2_ndeferred >= 8)
		return false;
	/* The bug: a removed huge segment kept while its creator lives (its
	 * pages with it); removed for real when this process exits, so the
	 * self-test leaks nothing. */
	if (h2_ndeferred == 0)
		atexit(h2_remove_deferred);
	h2_deferred[h2_ndeferred++] = id;
	*ret = 0;
	return true;
}
