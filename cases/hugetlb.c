/*
 * EXT-HUGETLB (beyond the tutorial, Linux): huge pages.  MAP_HUGETLB
 * mappings, SHM_HUGETLB segments and MFD_HUGETLB memfds (hugetlbfs files
 * without a mount) take their memory from the pool of vm.nr_hugepages, in
 * whole huge pages.  Each case skips, saying so, unless the pool has the
 * free pages it needs: ci/run-suite reserves them when it runs as root
 * (ci/hugepages) and gives the old value back afterwards.  The program is
 * exclusive in cases/Kyuafile: the cases count the pool's free pages.
 * Every case uses at most three huge pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/mman.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_mapcheck.h"
#include "sc_priv.h"
#include "sc_shm.h"
#include "sc_vgquiet.h"

#define SC_CAP_IPC_LOCK 14

static void need_no_valgrind(void)
{
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: it takes a MAP_HUGETLB mapping to be "
			"as long as asked (the rest of its huge page "
			"'invalid') and ignores SHM_HUGETLB");
}

static char *map_huge(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	SC_CHECK_MAP(p);
	return p;
}

/* Detects: MAP_HUGETLB that gives ordinary pages (the pool untouched), or
 * huge pages that are not zero-filled or do not keep what is written. */
SC_CASE(map_hugetlb_takes_a_pool_page_zero_filled, EXT_HUGETLB, SC_LINUX,
	"A MAP_HUGETLB mapping of one huge page reads zeros, keeps writes, "
	"and takes one page from the pool (the process's HugetlbPages: 1)")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	/* The process's own count, not the pool's: a run at the same time
	 * may take and give back huge pages of the pool meanwhile. */
	long before = sc_huge_pages_mine();
	char *p = map_huge(hps);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, hps, "a new huge page");
	p[hps - 1] = 0x5A;
	SC_CHECK_EQ(p[hps - 1], 0x5A, "last byte of the huge page");
	SC_CHECK_EQ(sc_huge_pages_mine(), before + 1,
		    "huge pages of this process (HugetlbPages) after touching "
		    "one huge page");
	SC_CHECK_OK(munmap(p, hps));
	SC_CHECK_EQ(sc_huge_pages_mine(), before,
		    "huge pages of this process (HugetlbPages) after munmap");
}

/* Detects: a hugetlb length that is not rounded up to whole huge pages, or
 * an address that is not huge-page aligned. */
SC_CASE(map_hugetlb_length_rounds_up_to_whole_huge_page, EXT_HUGETLB, SC_LINUX,
	"A MAP_HUGETLB mapping of 1 byte is one whole huge page at a "
	"huge-page-aligned address")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	char *p = map_huge(1);
	SC_CHECK_EQ((uintptr_t)p % hps, 0,
		    "address of a hugetlb mapping modulo the huge page size");
	p[hps - 1] = 0x5A;
	SC_CHECK_EQ(p[hps - 1], 0x5A,
		    "last byte of the huge page of a 1-byte mapping");
	SC_CHECK_OK(munmap(p, hps));
}

/* Detects: munmap that splits a huge page (or takes a length that is not
 * a multiple of the huge page size). */
SC_CASE(munmap_of_hugetlb_needs_huge_page_multiples, EXT_HUGETLB, SC_LINUX,
	"munmap of a hugetlb mapping with a length of 1 byte or one small "
	"page, or at an address inside the huge page, fails with EINVAL")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1), page = sc_page_size();
	char *p = map_huge(hps);
	SC_CHECK_ERRNO(munmap(p, 1), EINVAL);
	SC_CHECK_ERRNO(munmap(p, page), EINVAL);
	SC_CHECK_ERRNO(munmap(p + page, hps - page), EINVAL);
	p[0] = 1; /* still mapped */
	SC_CHECK_OK(munmap(p, hps));
}

/* Detects: MAP_FIXED|MAP_HUGETLB at an address that is only small-page
 * aligned taken (it would need a huge page split across the address). */
SC_CASE(fixed_hugetlb_at_unaligned_address_fails_with_einval, EXT_HUGETLB,
	SC_LINUX,
	"MAP_FIXED|MAP_HUGETLB at an address that is page- but not "
	"huge-page-aligned fails with EINVAL")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1), page = sc_page_size();
	/* A free range of two huge pages: any huge-aligned start is in. */
	char *area =
	    mmap(NULL, 3 * hps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(area);
	char *aligned = (char *)sc_round_up((uintptr_t)area, hps);
	SC_CHECK_MAP_ERRNO(aligned + page, hps, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			       MAP_FIXED,
			   -1, 0, EINVAL);
	SC_CHECK_OK(munmap(area, 3 * hps));
}

/* Detects: a huge page size the system lacks quietly replaced by the
 * default one. */
SC_CASE(unsupported_huge_page_size_fails_with_einval, EXT_HUGETLB, SC_LINUX,
	"MAP_HUGETLB with MAP_HUGE_SHIFT asking for 64 kB pages (none on "
	"this system) fails with EINVAL")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	struct stat sb;
	if (stat("/sys/kernel/mm/hugepages/hugepages-64kB", &sb) == 0)
		SC_SKIP("this system has 64 kB huge pages");
	SC_CHECK_MAP_ERRNO(NULL, hps, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			       (16 << MAP_HUGE_SHIFT),
			   -1, 0, EINVAL);
}

/* Detects: a pool overcommitted: more huge pages mapped than are free
 * (they would fault later with SIGBUS instead). */
SC_CASE(mapping_more_huge_pages_than_free_fails_with_enomem, EXT_HUGETLB,
	SC_LINUX,
	"A MAP_HUGETLB mapping of one huge page more than are free fails "
	"with ENOMEM")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	long free_pages = sc_huge_pages_free();
	long over = sc_sysctl_long("vm/nr_overcommit_hugepages", 0);
	if (over != 0)
		SC_SKIP("vm.nr_overcommit_hugepages is %ld: surplus pages "
			"may be made",
			over);
	SC_CHECK_MAP_ERRNO(
	    NULL, (size_t)(free_pages + 1) * hps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0, ENOMEM);
}

/* Detects: SHM_HUGETLB segments made of ordinary pages, or a size rounded
 * in shm_segsz (it stays the size asked for; the memory is whole huge
 * pages). */
SC_CASE(shm_hugetlb_segment_is_whole_huge_pages_from_pool, EXT_HUGETLB,
	SC_LINUX,
	"A SHM_HUGETLB segment of one huge page less 4095 bytes has that "
	"shm_segsz, attaches as one whole huge page and takes it from the "
	"pool")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	long before = sc_huge_pages_mine();
	size_t size = hps - 4095;
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | SHM_HUGETLB | 0600);
	SC_CHECK_OK(id);
	sc_track_shmid(id);
	char *p = sc_shm_at(id, NULL, 0);
	SC_CHECK_EQ((uintptr_t)p % hps, 0,
		    "attach address modulo the huge page size");
	p[hps - 1] = 0x5A;
	SC_CHECK_EQ(p[hps - 1], 0x5A, "last byte of the huge page");
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_segsz, size, "shm_segsz (the size asked for)");
	SC_CHECK_EQ(
	    sc_huge_pages_mine(), before + 1,
	    "huge pages of this process (HugetlbPages) with the segment "
	    "attached and touched");
	sc_shm_dt(p);
	SC_CHECK_EQ(sc_huge_pages_mine(), before,
		    "huge pages of this process (HugetlbPages) after shmdt");
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
}

static void shm_hugetlb_unprivileged(void *arg)
{
	const struct sc_priv_user *u = arg;
	sc_priv_drop(u);
	if (sc_priv_has_cap(SC_CAP_IPC_LOCK))
		SC_SKIP("CAP_IPC_LOCK survived the drop to %s", u->name);
	/* The mlock limit is the obsolete other way in: none left. */
	struct rlimit rl = {0, 0};
	SC_CHECK_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
	size_t hps = sc_huge_page_size();
	int id = shmget(IPC_PRIVATE, hps, IPC_CREAT | SHM_HUGETLB | 0600);
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	SC_CHECK(id < 0 && errno == EPERM,
		 "shmget(SHM_HUGETLB) by %s without CAP_IPC_LOCK, outside "
		 "vm.hugetlb_shm_group, RLIMIT_MEMLOCK 0: expected EPERM, "
		 "observed %s",
		 u->name, id < 0 ? sc_errno_name(errno) : "success");
	/* An anonymous MAP_HUGETLB mapping needs no privilege. */
	char *p = map_huge(hps);
	p[0] = 1;
	SC_CHECK_OK(munmap(p, hps));
}

/* Detects: huge System V segments open to anyone (they are locked memory)
 * or anonymous huge mappings refused to ordinary processes. */
SC_CASE(unprivileged_process_gets_eperm_for_shm_hugetlb_not_map_hugetlb,
	EXT_HUGETLB, SC_LINUX,
	"An unprivileged process (no CAP_IPC_LOCK, not in "
	"vm.hugetlb_shm_group, RLIMIT_MEMLOCK 0) gets EPERM from "
	"shmget(SHM_HUGETLB), but may map MAP_HUGETLB memory")
{
	need_no_valgrind();
	sc_huge_need(1);
	if (!sc_priv_can_switch())
		SC_SKIP("running as uid %d without the right to switch users",
			(int)geteuid());
	struct sc_priv_user u;
	sc_priv_target(&u);
	long group = sc_sysctl_long("vm/hugetlb_shm_group", 0);
	if ((gid_t)group == u.gid)
		SC_SKIP("vm.hugetlb_shm_group is %s's group %ld", u.name,
			group);
	sc_run(shm_hugetlb_unprivileged, &u);
}

static int huge_memfd(void)
{
	int fd = memfd_create("sc-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "memfd_create(MFD_HUGETLB)",
			      errno);
	return fd;
}

/* Detects: a hugetlbfs file that takes sizes or write(2)s it cannot hold
 * in whole huge pages. */
SC_CASE(hugetlbfs_file_sizes_in_huge_pages_and_refuses_write, EXT_HUGETLB,
	SC_LINUX,
	"An MFD_HUGETLB memfd refuses ftruncate to 1 byte and write(2) "
	"(EINVAL), takes ftruncate to one huge page, and maps it")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	int fd = huge_memfd();
	SC_CHECK_ERRNO(ftruncate(fd, 1), EINVAL);
	SC_CHECK_OK(ftruncate(fd, (off_t)hps));
	SC_CHECK_EQ(sc_file_size(fd), hps, "st_size after ftruncate");
	char c = 'x';
	SC_CHECK_ERRNO(pwrite(fd, &c, 1, 0), EINVAL);
	char *p = mmap(NULL, hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 0x5A;
	SC_CHECK_OK(munmap(p, hps));
	SC_CHECK_OK(close(fd));
}

static void touch(void *arg)
{
	sc_vg_quiet_begin();
	(void)*(volatile char *)arg;
}

/* Detects: a cut huge page still served after its hugetlbfs file shrank
 * (or the pages below it lost). */
SC_CASE(shrinking_hugetlbfs_file_cuts_its_huge_pages, EXT_HUGETLB, SC_LINUX,
	"After an MFD_HUGETLB file of two huge pages is cut to one, the "
	"mapping's second huge page raises SIGBUS and the first keeps its "
	"data")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(2);
	int fd = huge_memfd();
	SC_CHECK_OK(ftruncate(fd, (off_t)(2 * hps)));
	char *p =
	    mmap(NULL, 2 * hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 0x5A;
	p[hps] = 0x5B;
	SC_CHECK_OK(ftruncate(fd, (off_t)hps));
	sc_expect_signal(touch, p + hps, SIGBUS,
			 "read of the huge page cut by ftruncate");
	SC_CHECK_EQ(p[0], 0x5A, "byte 0 of the first huge page");
	SC_CHECK_OK(munmap(p, 2 * hps));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, map_hugetlb_takes_a_pool_page_zero_filled);
	SC_ADD(tp, map_hugetlb_length_rounds_up_to_whole_huge_page);
	SC_ADD(tp, munmap_of_hugetlb_needs_huge_page_multiples);
	SC_ADD(tp, fixed_hugetlb_at_unaligned_address_fails_with_einval);
	SC_ADD(tp, unsupported_huge_page_size_fails_with_einval);
	SC_ADD(tp, mapping_more_huge_pages_than_free_fails_with_enomem);
	SC_ADD(tp, shm_hugetlb_segment_is_whole_huge_pages_from_pool);
	SC_ADD(tp,
	       unprivileged_process_gets_eperm_for_shm_hugetlb_not_map_hugetlb);
	SC_ADD(tp, hugetlbfs_file_sizes_in_huge_pages_and_refuses_write);
	SC_ADD(tp, shrinking_hugetlbfs_file_cuts_its_huge_pages);
	return atf_no_error();
}
