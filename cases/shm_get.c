/*
 * SHMGET: shmget creates or opens a System V segment; its errors; what a new
 * segment holds; its size and mode.  (Permission enforcement, which needs
 * an unprivileged user, is in shm_perm.c.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

/* shmget that must create: tracked; fails with the errno otherwise. */
static int get_new(key_t key, size_t size, int flg)
{
	int id = shmget(key, size, flg);
	if (id < 0)
		SC_FAIL("shmget(key 0x%08x, size %zu, %s): expected a new "
			"segment, observed failure with %s",
			(unsigned)key, size, sc_shm_flg_str(flg),
			sc_errno_name(errno));
	sc_shm_track(id, key, getpid());
	return id;
}

/* Detects: IPC_PRIVATE that returns an existing segment, fails with EEXIST,
 * or makes a segment with a key or creator other than IPC_PRIVATE and the
 * caller. */
SC_CASE(ipc_private_always_creates_new_segment, SHMGET, SC_POSIX,
	"IPC_PRIVATE creates a new segment on every call, with or without "
	"IPC_CREAT, and never fails with EEXIST")
{
	size_t page = sc_page_size();
	int ids[3];
	ids[0] = get_new(IPC_PRIVATE, page, 0600);
	ids[1] = get_new(IPC_PRIVATE, page, 0600);
	ids[2] = get_new(IPC_PRIVATE, page, IPC_CREAT | IPC_EXCL | 0600);
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			SC_CHECK(
			    ids[i] != ids[j],
			    "shmget(IPC_PRIVATE) calls %d and %d: expected "
			    "two different segments, observed the same id "
			    "%d",
			    i + 1, j + 1, ids[i]);
	for (int i = 0; i < 3; i++) {
		struct shmid_ds ds;
		sc_shm_stat(ids[i], &ds);
		SC_CHECK_PID(ds.shm_cpid, getpid(),
			     "shm_cpid of an IPC_PRIVATE segment just made");
		SC_CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE,
			    "shm_perm.__key of an IPC_PRIVATE segment");
	}
}

/* Detects: IPC_CREAT|IPC_EXCL on a key in use that returns the segment (or
 * fails otherwise) instead of EEXIST. */
SC_CASE(creat_excl_on_existing_key_fails_eexist, SHMGET, SC_POSIX,
	"IPC_CREAT|IPC_EXCL on a key that has a segment fails with EEXIST")
{
	key_t key;
	size_t page = sc_page_size();
	sc_shm_new_keyed(page, 0600, &key);
	SC_CHECK_SHMGET_ERRNO(key, page, IPC_CREAT | IPC_EXCL | 0600, EEXIST);
	/* Whatever size and mode are asked: the key alone decides. */
	SC_CHECK_SHMGET_ERRNO(key, 1, IPC_CREAT | IPC_EXCL, EEXIST);
}

/* Detects: shmget of an existing key, with or without IPC_CREAT, that fails
 * or returns an id other than the segment's. */
SC_CASE(creat_on_existing_key_opens_it, SHMGET, SC_POSIX,
	"shmget of an existing key, with IPC_CREAT or without, returns the "
	"existing segment's id")
{
	key_t key;
	size_t page = sc_page_size();
	int id = sc_shm_new_keyed(page, 0600, &key);
	int again = shmget(key, page, IPC_CREAT | 0600);
	SC_CHECK_EQ(again, id,
		    "shmget(key, page, IPC_CREAT|0600) of an "
		    "existing key: the id");
	SC_CHECK_EQ(shmget(key, 0, 0), id,
		    "shmget(key, 0, 0) of an existing key: the id");
}

/* Detects: shmget of an unused key without IPC_CREAT that creates a segment
 * or fails with another errno than ENOENT. */
SC_CASE(missing_key_without_creat_fails_enoent, SHMGET, SC_POSIX,
	"shmget of a key that has no segment, without IPC_CREAT, fails with "
	"ENOENT and creates nothing")
{
	size_t page = sc_page_size();
	for (int tries = 0; tries < 16; tries++) {
		key_t key = sc_random_key();
		errno = 0;
		int id = shmget(key, page, 0600);
		if (id < 0) {
			SC_CHECK(errno == ENOENT,
				 "shmget(key 0x%08x, %zu, 0600) of a key with "
				 "no segment: expected failure with ENOENT, "
				 "observed failure with %s",
				 (unsigned)key, page, sc_errno_name(errno));
			return;
		}
		/* It found something: ours (wrongly created) or a segment
		 * someone else holds under this random key. */
		struct shmid_ds ds;
		sc_shm_stat(id, &ds);
		if (ds.shm_cpid == getpid()) {
			sc_shm_track(id, key, getpid());
			SC_FAIL("shmget(key 0x%08x, %zu, 0600) without "
				"IPC_CREAT: expected failure with ENOENT, "
				"observed a new segment (id %d) created by "
				"this process",
				(unsigned)key, page, id);
		}
	}
	SC_FAIL("harness: 16 random keys all had segments of other users");
}

/* Detects: a new segment of size 0 created (or refused with another errno
 * than EINVAL). */
SC_CASE(size_zero_for_new_segment_fails_einval, SHMGET, SC_LINUX,
	"Creating a segment of size 0 fails with EINVAL (Linux's SHMMIN is "
	"1)")
{
	SC_CHECK_SHMGET_ERRNO(IPC_PRIVATE, 0, IPC_CREAT | 0600, EINVAL);
}

/* Detects: a segment larger than SHMMAX created, or refused with another
 * errno than EINVAL. */
SC_CASE(size_above_shmmax_fails_einval, SHMGET, SC_POSIX,
	"Creating a segment larger than SHMMAX fails with EINVAL")
{
	unsigned long shmmax = sc_shm_shmmax();
	if (shmmax >= (unsigned long)SIZE_MAX)
		SC_SKIP("SHMMAX is %lu, the largest size_t: no size is above "
			"it",
			shmmax);
	sc_note("SHMMAX (shmctl IPC_INFO) = %lu", shmmax);
	SC_CHECK_SHMGET_ERRNO(IPC_PRIVATE, (size_t)shmmax + 1, IPC_CREAT | 0600,
			      EINVAL);
}

/* Detects: shmget that opens an existing segment for more than its size
 * (even within its last page), or refuses sizes up to it. */
SC_CASE(size_above_existing_segment_fails_einval, SHMGET, SC_POSIX,
	"shmget of an existing key with a size above the segment's size "
	"fails with EINVAL, even within its last page; up to the size it "
	"opens it")
{
	size_t page = sc_page_size();
	size_t size = page + page / 2;
	key_t key;
	int id = sc_shm_new_keyed(size, 0600, &key);
	SC_CHECK_EQ(shmget(key, size, 0600), id,
		    "shmget(key, the segment's own size, 0600): the id");
	SC_CHECK_EQ(shmget(key, 1, 0600), id, "shmget(key, 1, 0600): the id");
	/* size + 1 still fits in the pages the segment occupies: the bound
	 * is shm_segsz, not the memory. */
	SC_CHECK_SHMGET_ERRNO(key, size + 1, 0600, EINVAL);
	SC_CHECK_SHMGET_ERRNO(key, 2 * page, IPC_CREAT | 0600, EINVAL);
}

/* Detects: a new segment that is not all zeros, such as one handed a removed
 * segment's old contents. */
SC_CASE(new_segment_is_zero_filled, SHMGET, SC_POSIX,
	"A new segment reads as zeros, all of its pages, also after a "
	"removed segment's memory was filled")
{
	size_t page = sc_page_size();
	size_t pages = 16;
	/* Dirty memory first, so recycled pages would show if not cleared. */
	int old = sc_shm_new(pages * page, 0600);
	char *o = sc_shm_at(old, NULL, 0);
	memset(o, 0xA5, pages * page);
	SC_CHECK_OK(shmctl(old, IPC_RMID, NULL));
	sc_shm_dt(o);

	size_t size = pages * page - page / 2;
	int id = sc_shm_new(size, 0600);
	const unsigned char *p = sc_shm_at(id, NULL, SHM_RDONLY);
	/* The whole pages, the tail past shm_segsz included. */
	for (size_t i = 0; i < pages * page; i++)
		if (p[i] != 0)
			SC_FAIL("byte %zu of a new %zu-byte segment: expected "
				"0, observed 0x%02x",
				i, size, p[i]);
	sc_shm_dt(p);
}

/* Detects: shm_segsz rounded (to pages) or otherwise not the size asked for. */
SC_CASE(segsz_is_size_requested, SHMGET, SC_POSIX,
	"shm_segsz is the size asked for, not rounded to pages")
{
	size_t page = sc_page_size();
	size_t sizes[] = {1, page - 1, page, page + 1, 3 * page + 7};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int id = sc_shm_new(sizes[i], 0600);
		struct shmid_ds ds;
		sc_shm_stat(id, &ds);
		char what[96];
		snprintf(what, sizeof what,
			 "shm_segsz of a segment created with size %zu",
			 sizes[i]);
		SC_CHECK_EQ(ds.shm_segsz, sizes[i], what);
		SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	}
}

static void touch(void *p)
{
	*(volatile char *)p = 1;
}

/* Detects: an attach of a page+1-byte segment that is not two whole usable
 * pages, or that maps a page more after them. */
SC_CASE(attached_memory_is_whole_pages, SHMGET, SC_LINUX,
	"A segment of page+1 bytes attaches as two whole pages, all usable, "
	"and no more")
{
	size_t page = sc_page_size();
	size_t lba = sc_shmlba();
	size_t size = page + 1;
	int id = sc_shm_new(size, 0600);
	/* Three reserved pages at an SHMLBA multiple; attach over the first
	 * two.  The third stays PROT_NONE: a longer attach would replace
	 * it and the touch below would succeed. */
	char *r = mmap(NULL, 3 * page + lba, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(r);
	char *at = (char *)sc_round_up((uintptr_t)r, lba);
	if (at > r)
		SC_CHECK_OK(munmap(r, (size_t)(at - r)));
	SC_CHECK_OK(munmap(at, 2 * page));
	char *p = sc_shm_at(id, at, 0);
	SC_CHECK_PTR_EQ(p, at, "shmat at a free SHMLBA-aligned address");
	p[2 * page - 1] = 'z';
	SC_CHECK_EQ(p[2 * page - 1], 'z',
		    "last byte of the second page of a page+1-byte segment");
	struct sc_outcome o =
	    sc_expect_signal(touch, p + 2 * page, SIGSEGV,
			     "write to the page after a page+1-byte segment");
	(void)o;
	sc_shm_dt(p);
	SC_CHECK_OK(munmap(at + 2 * page, page));
	size_t rest = (size_t)(r + 3 * page + lba - (at + 3 * page));
	if (rest)
		SC_CHECK_OK(munmap(at + 3 * page, rest));
}

/* Detects: a new segment's shm_perm.mode that is not the low nine bits of
 * shmflg (IPC_CREAT or IPC_EXCL bits kept, bits lost). */
SC_CASE(mode_is_low_nine_bits_of_shmflg, SHMGET, SC_POSIX,
	"shm_perm.mode of a new segment is the low nine bits of shmflg, and "
	"nothing of IPC_CREAT or IPC_EXCL")
{
	/* Without CAP_IPC_OWNER a mode the creator cannot read could not be
	 * read back (or cleaned up): only modes with the owner's read bit. */
	bool any = sc_priv_has_cap(SC_CAP_IPC_OWNER);
	int modes[] = {0400, 0640, 0777, 0444, 0421, 0000, 0155, 0202};
	size_t page = sc_page_size();
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (!any && !(modes[i] & 0400))
			continue;
		int id =
		    get_new(IPC_PRIVATE, page, IPC_CREAT | IPC_EXCL | modes[i]);
		struct shmid_ds ds;
		sc_shm_stat(id, &ds);
		SC_CHECK(ds.shm_perm.mode == (unsigned)modes[i],
			 "shm_perm.mode after shmflg %s: expected 0%o, "
			 "observed 0%o",
			 sc_shm_flg_str(IPC_CREAT | IPC_EXCL | modes[i]),
			 (unsigned)modes[i], (unsigned)ds.shm_perm.mode);
		SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	}
}

/* Detects: a segment mode masked by the process's umask, as a file's would
 * be. */
SC_CASE(mode_is_not_masked_by_umask, SHMGET, SC_POSIX,
	"Unlike a file's mode, a segment's mode is not masked by the umask")
{
	mode_t old = umask(0077);
	int id = shmget(IPC_PRIVATE, sc_page_size(), IPC_CREAT | 0666);
	int err = errno;
	umask(old);
	if (id >= 0)
		sc_shm_track(id, IPC_PRIVATE, getpid());
	SC_CHECK(id >= 0, "shmget(IPC_PRIVATE, page, IPC_CREAT|0666): %s",
		 sc_errno_name(err));
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK((ds.shm_perm.mode & 0777) == 0666,
		 "shm_perm.mode after umask 077 and shmflg IPC_CREAT|0666: "
		 "expected 0666, observed 0%o (0600 would be the umask "
		 "applied)",
		 (unsigned)(ds.shm_perm.mode & 0777));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, ipc_private_always_creates_new_segment);
	SC_ADD(tp, creat_excl_on_existing_key_fails_eexist);
	SC_ADD(tp, creat_on_existing_key_opens_it);
	SC_ADD(tp, missing_key_without_creat_fails_enoent);
	SC_ADD(tp, size_zero_for_new_segment_fails_einval);
	SC_ADD(tp, size_above_shmmax_fails_einval);
	SC_ADD(tp, size_above_existing_segment_fails_einval);
	SC_ADD(tp, new_segment_is_zero_filled);
	SC_ADD(tp, segsz_is_size_requested);
	SC_ADD(tp, attached_memory_is_whole_pages);
	SC_ADD(tp, mode_is_low_nine_bits_of_shmflg);
	SC_ADD(tp, mode_is_not_masked_by_umask);
	return atf_no_error();
}
