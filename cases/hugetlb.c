/*
 * EXT-HUGETLB (beyond the tutorial, Linux): huge pages.  MAP_HUGETLB
 * mappings, SHM_HUGETLB segments and MFD_HUGETLB memfds (hugetlbfs files
 * without a mount) take their memory from the pool of vm.nr_hugepages, in
 * whole huge pages.  Each case skips, saying so, unless the pool has the
 * free pages it needs: ci/run-suite reserves them when it runs as root
 * (ci/hugepages) and gives the old value back afterwards.  The program is
 * exclusive in cases/Kyuafile: the cases count the pool's free pages.
 * Every case uses at most three huge pages of the default size.  Counts are
 * the process's own (HugetlbPages) or a private segment's, never the
 * machine-wide pool's, which a run at the same time changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
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

/* The whole pool (vm.nr_hugepages), skipping where surplus pages may be
 * made.  The cases ask for 64 pages beyond it, not "free + 1":
 * HugePages_Free is machine-wide, and a case or run at the same time that
 * gives its pages back makes that fit (seen under sc-run -j 2 on 5.10).
 * No one frees or reserves (ci/hugepages adds a few) 64 pages beyond the
 * whole pool. */
static long pool_without_overcommit(void)
{
	long over = sc_sysctl_long("vm/nr_overcommit_hugepages", 0);
	if (over != 0)
		SC_SKIP("vm.nr_overcommit_hugepages is %ld: surplus pages "
			"may be made",
			over);
	long total = sc_sysctl_long("vm/nr_hugepages", -1);
	if (total < 0)
		SC_SKIP("no vm.nr_hugepages");
	return total;
}

/* Detects: a pool overcommitted: more huge pages mapped than are free
 * (they would fault later with SIGBUS instead). */
SC_CASE(mapping_more_huge_pages_than_free_fails_with_enomem, EXT_HUGETLB,
	SC_LINUX,
	"A MAP_HUGETLB mapping of 64 huge pages more than the whole pool "
	"(vm.nr_hugepages) fails with ENOMEM")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1);
	long total = pool_without_overcommit();
	SC_CHECK_MAP_ERRNO(
	    NULL, (size_t)(total + 64) * hps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0, ENOMEM);
}

/* Is this process in the group vm.hugetlb_shm_group names? */
static bool in_hugetlb_shm_group(void)
{
	long group = sc_sysctl_long("vm/hugetlb_shm_group", -1);
	/* a gid of the initial user namespace: ours mean others elsewhere */
	if (group < 0 || !sc_priv_initial_userns())
		return false;
	if ((gid_t)group == getegid())
		return true;
	gid_t groups[256];
	int n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)group)
			return true;
	return false;
}

/* Skip unless this process may make SHM_HUGETLB segments (CAP_IPC_LOCK or
 * vm.hugetlb_shm_group; the obsolete third way, RLIMIT_MEMLOCK, is not
 * counted on); need_shm_huge: and n huge pages are free. */
static void need_shm_priv(void)
{
	/* can_do_hugetlb_shm asks capable(): the initial namespace's */
	bool lock = sc_priv_capable(SC_CAP_IPC_LOCK);
	if (!lock && !in_hugetlb_shm_group())
		SC_SKIP(
		    "shmget(SHM_HUGETLB) needs CAP_IPC_LOCK (in the initial "
		    "user namespace) or vm.hugetlb_shm_group's group: this "
		    "process (uid %d) has neither",
		    (int)geteuid());
}

static size_t need_shm_huge(long n)
{
	size_t hps = sc_huge_need(n);
	need_shm_priv();
	return hps;
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
	size_t hps = need_shm_huge(1);
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

/* ---- huge page size selection (MAP_HUGE_2MB, SHM_HUGE_2MB, MFD_HUGE_2MB) */

#define HUGE_2MB (2UL << 20)
/* The three flags are one encoding, log2(2 MiB) = 21 << 26; glibc's
 * sys/mman.h and sys/shm.h may lack the MFD_ and SHM_ names. */
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB MAP_HUGE_2MB
#endif
#ifndef SHM_HUGE_2MB
#define SHM_HUGE_2MB MAP_HUGE_2MB
#endif

/* A number from /sys/kernel/mm/hugepages/hugepages-<kb>kB/<what>, -1 if
 * that size does not exist. */
static long huge_size_attr(unsigned long kb, const char *what)
{
	char path[128];
	snprintf(path, sizeof path,
		 "/sys/kernel/mm/hugepages/hugepages-%lukB/%s", kb, what);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Skip unless 2 MiB huge pages exist and n of them are free. */
static void need_2mb(long n)
{
	need_no_valgrind();
	long free_pages = huge_size_attr(HUGE_2MB >> 10, "free_hugepages");
	if (free_pages < 0)
		SC_SKIP("no 2 MiB huge pages on this system "
			"(/sys/kernel/mm/hugepages/hugepages-2048kB missing)");
	if (free_pages < n)
		SC_SKIP("%ld free 2 MiB huge pages, %ld needed (as root, "
			"ci/run-suite reserves them when 2 MiB is the default "
			"size)",
			free_pages, n);
}

/* KernelPageSize (kB) of the mapping holding p, from /proc/self/smaps. */
static long kernel_page_kb(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		sc_fail_errno(SC_FILE, __LINE__, "fopen(/proc/self/smaps)",
			      errno);
	char line[512];
	bool in = false;
	long kb = -1;
	while (kb < 0 && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		long v;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "KernelPageSize: %ld kB", &v) == 1)
			kb = v;
	}
	fclose(f);
	return kb;
}

static void check_2mb_pages(const char *p)
{
	SC_CHECK_EQ((uintptr_t)p % HUGE_2MB, 0, "address modulo 2 MiB");
	SC_CHECK_EQ(kernel_page_kb(p), 2048,
		    "KernelPageSize of the mapping in /proc/self/smaps, kB");
}

/* Detects: MAP_HUGE_2MB ignored (ordinary pages) or another size given. */
SC_CASE(map_huge_2mb_gives_2_mib_pages, EXT_HUGETLB, SC_LINUX,
	"MAP_HUGETLB|MAP_HUGE_2MB maps 2 MiB pages: the address is 2 MiB "
	"aligned and smaps says KernelPageSize 2048 kB")
{
	need_2mb(1);
	char *p = mmap(NULL, HUGE_2MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
		       -1, 0);
	SC_CHECK_MAP(p);
	p[0] = 1;
	check_2mb_pages(p);
	SC_CHECK_OK(munmap(p, HUGE_2MB));
}

/* Detects: SHM_HUGE_2MB ignored (an ordinary segment) or another size. */
SC_CASE(shm_huge_2mb_segment_has_2_mib_pages, EXT_HUGETLB, SC_LINUX,
	"A SHM_HUGETLB|SHM_HUGE_2MB segment attaches at a 2 MiB aligned "
	"address with KernelPageSize 2048 kB")
{
	need_2mb(1);
	need_shm_priv();
	int id = shmget(IPC_PRIVATE, HUGE_2MB,
			IPC_CREAT | SHM_HUGETLB | SHM_HUGE_2MB | 0600);
	SC_CHECK_OK(id);
	sc_track_shmid(id);
	char *p = sc_shm_at(id, NULL, 0);
	p[0] = 1;
	check_2mb_pages(p);
	sc_shm_dt(p);
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
}

/* Detects: MFD_HUGE_2MB ignored (a tmpfs file of small pages). */
SC_CASE(mfd_huge_2mb_memfd_has_2_mib_blocks_and_pages, EXT_HUGETLB, SC_LINUX,
	"An MFD_HUGETLB|MFD_HUGE_2MB memfd has st_blksize 2 MiB and maps "
	"2 MiB pages (KernelPageSize 2048 kB)")
{
	need_2mb(1);
	int fd = memfd_create("sc-huge-2mb",
			      MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "memfd_create(MFD_HUGETLB|MFD_HUGE_2MB)", errno);
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_blksize, HUGE_2MB, "st_blksize of the memfd");
	SC_CHECK_OK(ftruncate(fd, (off_t)HUGE_2MB));
	char *p =
	    mmap(NULL, HUGE_2MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 1;
	check_2mb_pages(p);
	SC_CHECK_OK(munmap(p, HUGE_2MB));
	SC_CHECK_OK(close(fd));
}

/* Detects: a huge page size whose pool is empty served anyway (by
 * ordinary pages or pages of another size) instead of ENOMEM. */
SC_CASE(huge_size_with_empty_pool_fails_with_enomem, EXT_HUGETLB, SC_LINUX,
	"MAP_HUGETLB asking for a huge page size that exists but has no page "
	"in its pool (1 GiB on x86-64) fails with ENOMEM at mmap")
{
	need_no_valgrind();
	/* The largest size the system has, other than the default one. */
	size_t def = sc_huge_page_size();
	if (def == 0)
		SC_SKIP("no huge page support in this kernel");
	if (access("/sys/kernel/mm/hugepages", R_OK) != 0)
		SC_SKIP("no /sys/kernel/mm/hugepages to read (%s): the huge "
			"page sizes and their pools are unknown here",
			sc_errno_name(errno));
	static const int shifts[] = {34, 30, 29, 25, 21, 16};
	for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
		size_t sz = (size_t)1 << shifts[i];
		long total = huge_size_attr(sz >> 10, "nr_hugepages");
		if (sz == def || total < 0)
			continue;
		if (total != 0 ||
		    huge_size_attr(sz >> 10, "nr_overcommit_hugepages") != 0)
			SC_SKIP("the %zu kB huge page pool is not empty or may "
				"overcommit",
				sz >> 10);
		SC_CHECK_MAP_ERRNO(NULL, sz, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				       (shifts[i] << MAP_HUGE_SHIFT),
				   -1, 0, ENOMEM);
		return;
	}
	SC_SKIP("no huge page size but the default one on this system");
}

/* ---- System V rules on huge segments ------------------------------------ */

/* Detects: a SHM_HUGETLB segment larger than the pool made anyway (its
 * pages would be missing at fault time), or another errno. */
SC_CASE(shm_hugetlb_larger_than_the_pool_fails_with_enomem, EXT_HUGETLB,
	SC_LINUX,
	"shmget(SHM_HUGETLB) of 64 huge pages more than the whole pool "
	"(vm.nr_hugepages) fails with ENOMEM")
{
	need_no_valgrind();
	size_t hps = need_shm_huge(1);
	long total = pool_without_overcommit();
	size_t size = (size_t)(total + 64) * hps;
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | SHM_HUGETLB | 0600);
	if (id >= 0)
		sc_track_shmid(id);
	SC_CHECK(id < 0 && errno == ENOMEM,
		 "shmget(IPC_PRIVATE, %zu (%ld huge pages, the pool has %ld), "
		 "SHM_HUGETLB): expected ENOMEM, observed %s",
		 size, total + 64, total,
		 id < 0 ? sc_errno_name(errno) : "success");
}

/* Detects: a huge segment that breaks the System V rules: a rounded
 * shm_segsz, IPC_EXCL ignored for its key, or its id still attachable
 * after IPC_RMID. */
SC_CASE(huge_segment_follows_system_v_stat_excl_and_rmid_rules, EXT_HUGETLB,
	SC_LINUX,
	"A keyed SHM_HUGETLB segment: IPC_STAT gives the shm_segsz asked "
	"for, IPC_CREAT|IPC_EXCL on its key fails with EEXIST, and after "
	"IPC_RMID shmat of its id fails with EINVAL")
{
	need_no_valgrind();
	size_t hps = need_shm_huge(1);
	key_t key;
	size_t size = hps / 2;
	int id = sc_shm_new_keyed(size, SHM_HUGETLB | 0600, &key);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_segsz, size, "shm_segsz of the huge segment");
	SC_CHECK_EQ(ds.shm_nattch, 0, "shm_nattch of a new huge segment");
	int again =
	    shmget(key, size, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
	if (again >= 0 && again != id)
		sc_track_shmid(again);
	SC_CHECK(again < 0 && errno == EEXIST,
		 "shmget(key of a huge segment, IPC_CREAT|IPC_EXCL|"
		 "SHM_HUGETLB): expected EEXIST, observed %s",
		 again < 0 ? sc_errno_name(errno) : "success");
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
	void *p = shmat(id, NULL, 0);
	if (p != (void *)-1)
		shmdt(p);
	SC_CHECK(p == (void *)-1 && errno == EINVAL,
		 "shmat of the removed huge segment's id: expected EINVAL, "
		 "observed %s",
		 p == (void *)-1 ? sc_errno_name(errno) : "success");
}

/* ---- offsets ------------------------------------------------------------ */

/* Detects: a hugetlbfs file mapped at an offset inside a huge page (the
 * offset rounded, or a small page of a huge page served). */
SC_CASE(hugetlb_file_mapping_at_unaligned_offset_fails_with_einval, EXT_HUGETLB,
	SC_LINUX,
	"mmap of an MFD_HUGETLB memfd at an offset of one small page fails "
	"with EINVAL; at an offset of one huge page it maps that huge page, "
	"at a huge-page-aligned address")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(1), page = sc_page_size();
	int fd = huge_memfd();
	SC_CHECK_OK(ftruncate(fd, (off_t)(2 * hps)));
	SC_CHECK_MAP_ERRNO(NULL, hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)page, EINVAL);
	SC_CHECK_MAP_ERRNO(NULL, hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)(hps + page), EINVAL);
	char *p =
	    mmap(NULL, hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)hps);
	SC_CHECK_MAP(p);
	SC_CHECK_EQ((uintptr_t)p % hps, 0,
		    "address of the mapping at offset one huge page, modulo "
		    "the huge page size");
	p[0] = 1;
	SC_CHECK_OK(munmap(p, hps));
	SC_CHECK_OK(close(fd));
}

/* ---- copy-on-write ------------------------------------------------------ */

struct cow_fork {
	char *p;
	struct sc_event parent_wrote;
};

static void cow_child(void *arg)
{
	struct cow_fork *c = arg;
	SC_CHECK_EQ(c->p[0], 'A', "child: byte 0, written before fork");
	sc_event_wait(&c->parent_wrote, 0, "the parent's write after fork");
	SC_CHECK_EQ(c->p[1], 0,
		    "child: byte 1, written by the parent after fork");
	c->p[0] = 'C';
	SC_CHECK_EQ(c->p[0], 'C', "child: byte 0 after its own write");
}

/* Detects: a MAP_PRIVATE hugetlb mapping shared across fork (writes of
 * one process seen by the other) or not inherited. */
SC_CASE(hugetlb_private_mapping_is_copy_on_write_across_fork, EXT_HUGETLB,
	SC_LINUX,
	"A MAP_PRIVATE|MAP_HUGETLB page written before fork is inherited; "
	"after fork the parent's and the child's writes stay their own")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(2); /* the page and one copy */
	struct cow_fork c = {.p = map_huge(hps)};
	c.p[0] = 'A';
	sc_event_init(&c.parent_wrote);
	pid_t pid = sc_spawn(cow_child, &c);
	c.p[1] = 'P';
	sc_event_post(&c.parent_wrote);
	sc_wait_ok(pid);
	SC_CHECK_EQ(c.p[0], 'A', "parent: byte 0 after the child wrote 'C'");
	SC_CHECK_EQ(c.p[1], 'P', "parent: byte 1 after its own write");
	sc_event_close(&c.parent_wrote);
	SC_CHECK_OK(munmap(c.p, hps));
}

/* Detects: a private mapping of a hugetlbfs file that writes through to
 * the file (or a shared one that stops showing the file). */
SC_CASE(shared_and_private_maps_of_one_hugetlb_file_stay_apart, EXT_HUGETLB,
	SC_LINUX,
	"Of two maps of one MFD_HUGETLB memfd, the private one sees the "
	"shared one's write until it writes itself; its write never reaches "
	"the shared map, and later shared writes no longer reach it")
{
	need_no_valgrind();
	size_t hps = sc_huge_need(2); /* the file's page and a private copy */
	int fd = huge_memfd();
	SC_CHECK_OK(ftruncate(fd, (off_t)hps));
	char *sh = mmap(NULL, hps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(sh);
	char *pv = mmap(NULL, hps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(pv);
	sh[0] = 'S';
	SC_CHECK_EQ(pv[0], 'S',
		    "private map, byte 0 after the shared map wrote 'S'");
	pv[0] = 'P';
	SC_CHECK_EQ(sh[0], 'S',
		    "shared map, byte 0 after the private map wrote 'P'");
	sh[1] = 'T';
	SC_CHECK_EQ(pv[1], 0,
		    "private map (already copied), byte 1 after the shared "
		    "map wrote 'T'");
	SC_CHECK_EQ(pv[0], 'P', "private map, byte 0 after its own write");
	SC_CHECK_OK(munmap(pv, hps));
	SC_CHECK_OK(munmap(sh, hps));
	SC_CHECK_OK(close(fd));
}

/* ---- freeing ------------------------------------------------------------ */

struct last_user {
	int id;
	struct sc_chan pages; /* the child's HugetlbPages, attached */
	struct sc_event go;   /* the parent removed the segment */
};

static void last_user_child(void *arg)
{
	struct last_user *u = arg;
	long before = sc_huge_pages_mine();
	char *p = sc_shm_at(u->id, NULL, 0);
	p[0] = 1;
	long delta = sc_huge_pages_mine() - before;
	sc_chan_send(&u->pages, &delta, sizeof delta);
	sc_event_wait(&u->go, 0, "the parent's IPC_RMID");
	p[1] = 2; /* still usable after IPC_RMID while attached */
		  /* Exits attached: the exit detaches the last user. */
}

/* Detects: a removed huge segment that outlives its last user (its huge
 * pages never given back), or one destroyed while still attached. */
SC_CASE(huge_segment_is_freed_when_last_attached_process_exits_after_rmid,
	EXT_HUGETLB, SC_LINUX,
	"A SHM_HUGETLB segment removed (IPC_RMID) while a child has it "
	"attached (its huge page in the child's HugetlbPages) stays until "
	"the child exits, then is gone with its page (IPC_STAT: EINVAL)")
{
	need_no_valgrind();
	size_t hps = need_shm_huge(1);
	struct last_user u;
	u.id = shmget(IPC_PRIVATE, hps, IPC_CREAT | SHM_HUGETLB | 0600);
	SC_CHECK_OK(u.id);
	sc_track_shmid(u.id);
	sc_chan_init(&u.pages);
	sc_event_init(&u.go);
	pid_t pid = sc_spawn(last_user_child, &u);
	long delta;
	sc_chan_recv(&u.pages, pid, &delta, sizeof delta,
		     "the child's huge page count");
	SC_CHECK_EQ(delta, 1,
		    "the child's HugetlbPages with the segment attached and "
		    "touched, less before");
	SC_CHECK_OK(shmctl(u.id, IPC_RMID, NULL));
	struct shmid_ds ds;
	SC_CHECK_OK(shmctl(u.id, IPC_STAT, &ds));
	SC_CHECK_EQ(ds.shm_nattch, 1,
		    "shm_nattch of the removed segment, child attached");
	SC_CHECK(ds.shm_perm.mode & SHM_DEST,
		 "the removed segment, still attached, is marked SHM_DEST "
		 "(mode 0%o)",
		 (unsigned)ds.shm_perm.mode);
	sc_event_post(&u.go);
	sc_wait_ok(pid);
	int rc = shmctl(u.id, IPC_STAT, &ds);
	SC_CHECK(rc < 0 && errno == EINVAL,
		 "IPC_STAT of the removed huge segment after its last user "
		 "exited: expected EINVAL (segment and huge page freed), "
		 "observed %s (shm_nattch %ld)",
		 rc < 0 ? sc_errno_name(errno) : "success",
		 rc < 0 ? -1L : (long)ds.shm_nattch);
	sc_chan_close(&u.pages);
	sc_event_close(&u.go);
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
	SC_ADD(tp, map_huge_2mb_gives_2_mib_pages);
	SC_ADD(tp, shm_huge_2mb_segment_has_2_mib_pages);
	SC_ADD(tp, mfd_huge_2mb_memfd_has_2_mib_blocks_and_pages);
	SC_ADD(tp, huge_size_with_empty_pool_fails_with_enomem);
	SC_ADD(tp, shm_hugetlb_larger_than_the_pool_fails_with_enomem);
	SC_ADD(tp, huge_segment_follows_system_v_stat_excl_and_rmid_rules);
	SC_ADD(tp, hugetlb_file_mapping_at_unaligned_offset_fails_with_einval);
	SC_ADD(tp, hugetlb_private_mapping_is_copy_on_write_across_fork);
	SC_ADD(tp, shared_and_private_maps_of_one_hugetlb_file_stay_apart);
	SC_ADD(
	    tp,
	    huge_segment_is_freed_when_last_attached_process_exits_after_rmid);
	return atf_no_error();
}
