/*
 * SHMAT: where shmat attaches a segment (NULL, an exact address, SHM_RND's
 * rounding down to SHMLBA) and what SHM_RDONLY does.  SHMLBA and the page
 * size come from the system: on MIPS, SPARC or LoongArch SHMLBA is larger
 * than the page, and pages may be larger than 4 KiB.  (The permission side
 * of SHM_RDONLY is in shm_perm.c.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

/* Detects: a kernel-chosen attach address that is not page-aligned, a second
 * attach at the same address, or two attaches that are not the same memory. */
SC_CASE(null_address_lets_kernel_choose, SHMAT, SC_POSIX,
	"shmat(id, NULL, 0) attaches at an address the kernel chooses: "
	"page-aligned, usable, and the same memory as another attach")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(2 * page, 0600);
	char *p = shmat(id, NULL, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_EQ((uintptr_t)p % page, 0,
		    "shmat(NULL) address modulo the page size");
	sc_note("kernel chose %p (modulo SHMLBA %zu: %zu)", (void *)p,
		sc_shmlba(), (size_t)((uintptr_t)p % sc_shmlba()));
	/* A second attach is a different address for the same memory. */
	char *q = sc_shm_at(id, NULL, 0);
	SC_CHECK(q != p,
		 "a second shmat(NULL): expected another address, observed "
		 "%p again",
		 (void *)p);
	p[page + 5] = 'k';
	SC_CHECK_EQ(q[page + 5], 'k',
		    "byte written through one attach, read through another");
	sc_shm_dt(q);
	sc_shm_dt(p);
}

/* Detects: a shmat that ignores a free, SHMLBA-aligned shmaddr and attaches
 * elsewhere. */
SC_CASE(aligned_address_attaches_exactly_there, SHMAT, SC_POSIX,
	"shmat at a free SHMLBA-aligned address attaches exactly there")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	char *want = sc_shm_free_area(page, sc_shmlba());
	char *p = sc_shm_at(id, want, 0);
	SC_CHECK_PTR_EQ(p, want, "shmat(id, free SHMLBA-aligned address, 0)");
	p[0] = 1;
	sc_shm_dt(p);
}

/* Detects: an unaligned shmaddr accepted without SHM_RND (rounded or used as
 * given) instead of EINVAL. */
SC_CASE(unaligned_address_without_rnd_fails_einval, SHMAT, SC_POSIX,
	"shmat at an address that is not page-aligned (so not SHMLBA-"
	"aligned), without SHM_RND, fails with EINVAL")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	char *base = sc_shm_free_area(2 * page, sc_shmlba());
	size_t offs[] = {1, page / 2, page - 1};
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
		SC_CHECK_SHMAT_ERRNO(id, base + offs[i], 0, EINVAL);
}

/* Detects: where SHMLBA exceeds the page, a page-aligned but not SHMLBA-
 * aligned shmaddr accepted without SHM_RND. */
SC_CASE(page_aligned_address_not_shmlba_aligned_fails_einval, SHMAT,
	SC_OBSERVED,
	"Where SHMLBA is larger than the page, a page-aligned address that is "
	"not an SHMLBA multiple fails with EINVAL without SHM_RND")
{
	size_t page = sc_page_size(), lba = sc_shmlba();
	if (lba <= page)
		SC_SKIP("SHMLBA (%zu) equals the page size (%zu) here: every "
			"page-aligned address is SHMLBA-aligned",
			lba, page);
	int id = sc_shm_new(page, 0600);
	char *base = sc_shm_free_area(2 * lba, lba);
	for (size_t off = page; off < lba; off += page)
		SC_CHECK_SHMAT_ERRNO(id, base + off, 0, EINVAL);
}

/* Detects: SHM_RND that is ignored (EINVAL), rounds up, or lands anywhere
 * but shmaddr - shmaddr % SHMLBA. */
SC_CASE(rnd_rounds_address_down_to_shmlba_multiple, SHMAT, SC_POSIX,
	"With SHM_RND, shmat attaches at shmaddr - (shmaddr % SHMLBA)")
{
	size_t page = sc_page_size(), lba = sc_shmlba();
	int id = sc_shm_new(page, 0600);
	/* Offsets inside one SHMLBA unit: not page-aligned ones, and where
	 * SHMLBA > page also page-aligned ones that SHMLBA does not
	 * divide. */
	size_t offs[8];
	size_t n = 0;
	offs[n++] = 0;
	offs[n++] = 1;
	offs[n++] = page / 2 + 3;
	offs[n++] = lba - 1;
	if (lba > page) {
		offs[n++] = page;
		offs[n++] = lba - page;
		offs[n++] = lba / 2 + 1;
	}
	for (size_t i = 0; i < n; i++) {
		/* Two SHMLBA units free: the rounded address and the one
		 * asked for are both inside. */
		char *base = sc_shm_free_area(2 * lba, lba);
		char *ask = base + lba + offs[i];
		char *want = ask - ((uintptr_t)ask % lba);
		char *p = shmat(id, ask, SHM_RND);
		SC_CHECK(p != (void *)-1,
			 "shmat(id, %p, SHM_RND) (SHMLBA %zu): expected "
			 "success at %p, observed failure with %s",
			 (void *)ask, lba, (void *)want, sc_errno_name(errno));
		if (p != want) {
			shmdt(p);
			SC_FAIL("shmat(id, %p, SHM_RND) with SHMLBA %zu: "
				"expected %p = shmaddr - shmaddr %% SHMLBA, "
				"observed %p",
				(void *)ask, lba, (void *)want, (void *)p);
		}
		p[0] = 1;
		sc_shm_dt(p);
	}
}

static void write_byte(void *p)
{
	*(volatile char *)p = 'w';
}

/* Detects: a SHM_RDONLY attach that can be written, or whose refused write
 * changes the segment or faults with another signal or si_code. */
SC_CASE(rdonly_attach_write_raises_sigsegv, SHMAT, SC_LINUX,
	"Writing through a SHM_RDONLY attach raises SIGSEGV (SEGV_ACCERR) "
	"and changes nothing")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	char *rw = sc_shm_at(id, NULL, 0);
	rw[10] = 'r';
	char *ro = sc_shm_at(id, NULL, SHM_RDONLY);
	struct sc_outcome o = sc_expect_signal(write_byte, ro + 10, SIGSEGV,
					       "write through a SHM_RDONLY "
					       "attach");
	SC_CHECK(o.fault_code == SEGV_ACCERR,
		 "si_code of the fault: expected SEGV_ACCERR (mapped, no write "
		 "access), observed %s",
		 sc_si_code_name(SIGSEGV, o.fault_code));
	SC_CHECK_EQ(rw[10], 'r', "the byte after the refused write");
	sc_shm_dt(ro);
	sc_shm_dt(rw);
}

/* Detects: a SHM_RDONLY attach that does not read the segment's data or
 * misses a later write through another attach. */
SC_CASE(rdonly_attach_reads_segment, SHMAT, SC_POSIX,
	"A SHM_RDONLY attach reads the segment, including what another "
	"attach writes afterwards")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(2 * page, 0600);
	char *rw = sc_shm_at(id, NULL, 0);
	const volatile char *ro = sc_shm_at(id, NULL, SHM_RDONLY);
	rw[0] = 'a';
	SC_CHECK_EQ(ro[0], 'a', "byte 0 read through the SHM_RDONLY attach");
	rw[2 * page - 1] = 'b';
	SC_CHECK_EQ(ro[2 * page - 1], 'b',
		    "last byte read through the SHM_RDONLY attach");
	sc_shm_dt((const void *)ro);
	sc_shm_dt(rw);
}

static unsigned long nattch_of(int id)
{
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	return ds.shm_nattch;
}

struct split_attach {
	int id;
	char *p;
	unsigned long before_fork;
	struct sc_event forked, detached, go_on;
};

static void split_child(void *arg)
{
	struct split_attach *sa = arg;
	sc_event_post(&sa->forked);
	sc_event_wait(&sa->go_on, 0, "the parent counting the fork");
	/* The child's copy of the attachment, split like the parent's. */
	SC_CHECK_EQ(sa->p[sc_page_size()], 'm',
		    "middle page read through the forked child's attachment");
	SC_CHECK_OK(shmdt(sa->p));
	SC_CHECK_EQ(nattch_of(sa->id), sa->before_fork,
		    "shm_nattch after the forked child's shmdt (as before "
		    "the fork)");
	sc_event_post(&sa->detached);
	sc_event_wait(&sa->go_on, 0, "the parent's last check");
}

/* Detects: shm_nattch that mprotect splitting and merging an attachment's
 * mappings leaves too high (the 6.x vma_merge leak LTP shmat04 finds: the
 * segment is never destroyed) or too low (destroyed while attached). */
SC_CASE(nattch_survives_mprotect_split_and_fork, SHMAT, SC_LINUX,
	"After mprotect splits an attachment and restores it, a forked child's "
	"shmdt and the parent's shmdt bring shm_nattch back to 0 and "
	"IPC_RMID destroys the segment")
{
	size_t page = sc_page_size();
	struct split_attach sa;
	sa.id = sc_shm_new(3 * page, 0600);
	sa.p = sc_shm_at(sa.id, NULL, 0);
	unsigned long attached = nattch_of(sa.id);
	SC_CHECK_EQ(attached, 1, "shm_nattch after one shmat");
	/* Split the attachment in three (rw, r, rw), then give the middle its
	 * protection back: the kernel may merge the pieces again or not. */
	SC_CHECK_OK(mprotect(sa.p + page, page, PROT_READ));
	unsigned long split = nattch_of(sa.id);
	SC_CHECK_OK(mprotect(sa.p + page, page, PROT_READ | PROT_WRITE));
	sa.before_fork = nattch_of(sa.id);
	sa.p[page] = 'm';
	sc_note("shm_nattch: %lu attached, %lu after the split, %lu after the "
		"restore (the kernel counts each mapping piece)",
		attached, split, sa.before_fork);
	SC_CHECK(split >= 1 && sa.before_fork >= 1,
		 "shm_nattch while attached: expected at least 1, observed %lu "
		 "after the split and %lu after the restore",
		 split, sa.before_fork);
	sc_event_init(&sa.forked);
	sc_event_init(&sa.detached);
	sc_event_init(&sa.go_on);
	pid_t child = sc_spawn(split_child, &sa);
	sc_event_wait(&sa.forked, child, "the forked child");
	unsigned long with_child = nattch_of(sa.id);
	sc_note("shm_nattch %lu with the forked child", with_child);
	SC_CHECK(with_child > sa.before_fork,
		 "shm_nattch with the forked child attached: expected more "
		 "than %lu, observed %lu",
		 sa.before_fork, with_child);
	sc_event_post(&sa.go_on);
	sc_event_wait(&sa.detached, child, "the child's shmdt");
	sc_event_post(&sa.go_on);
	sc_wait_ok(child);
	SC_CHECK_EQ(nattch_of(sa.id), sa.before_fork,
		    "shm_nattch after the child exited");
	sc_shm_dt(sa.p);
	SC_CHECK_EQ(nattch_of(sa.id), 0,
		    "shm_nattch after the parent's shmdt of the split and "
		    "restored attachment");
	SC_CHECK_OK(shmctl(sa.id, IPC_RMID, NULL));
	SC_CHECK(!sc_shm_exists(sa.id),
		 "IPC_RMID of the segment nobody attaches any more: expected "
		 "it destroyed, observed it still there (a leaked count)");
	sc_event_close(&sa.forked);
	sc_event_close(&sa.detached);
	sc_event_close(&sa.go_on);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, null_address_lets_kernel_choose);
	SC_ADD(tp, aligned_address_attaches_exactly_there);
	SC_ADD(tp, unaligned_address_without_rnd_fails_einval);
	SC_ADD(tp, page_aligned_address_not_shmlba_aligned_fails_einval);
	SC_ADD(tp, rnd_rounds_address_down_to_shmlba_multiple);
	SC_ADD(tp, rdonly_attach_write_raises_sigsegv);
	SC_ADD(tp, rdonly_attach_reads_segment);
	SC_ADD(tp, nattch_survives_mprotect_split_and_fork);
	return atf_no_error();
}
