/*
 * MMAP-PROT: PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE (the tutorial's
 * PORT_READ, PORT_WRITE, PROC_EXEC, PORT_NONE do not exist).  Accesses the
 * protection forbids raise SIGSEGV; the descriptor's open mode limits what
 * a shared mapping may ask for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_vgquiet.h"

/* ---- helpers ----------------------------------------------------------- */

/* Children that make the forbidden access (and die of it). */
static void write_byte(void *p)
{
	sc_vg_quiet_begin(); /* no end: the child dies of the access */
	*(volatile unsigned char *)p = 1;
}

static void read_byte(void *p)
{
	sc_vg_quiet_begin(); /* no end: the child dies of the access */
	/* volatile: the load must happen even though the value is unused */
	unsigned char v = *(volatile unsigned char *)p;
	(void)v;
}

/* Expect fn(p) to die by SIGSEGV with SEGV_ACCERR at p (a protection
 * fault: the page is mapped, the access is not allowed). */
static void expect_accerr(void (*fn)(void *), void *p, const char *what)
{
	struct sc_outcome o = sc_expect_signal(fn, p, SIGSEGV, what);
	if (o.fault_code != SEGV_ACCERR)
		SC_FAIL("%s: expected si_code SEGV_ACCERR (mapped, access not "
			"permitted), observed %s",
			what, sc_si_code_name(SIGSEGV, o.fault_code));
	SC_CHECK_PTR_EQ(o.fault_addr, p, "si_addr of the fault");
}

static void *anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	return p;
}

/*
 * A function returning 42, as machine code, where we know the encoding.
 * x86_64: mov eax, 42 ; ret.  aarch64: mov w0, #42 ; ret.
 */
#if defined(__x86_64__)
static const unsigned char ret42_code[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};
#define SC_HAVE_RET42 1
#elif defined(__aarch64__)
static const unsigned int ret42_words[] = {0x52800540u, 0xd65f03c0u};
#define ret42_code ret42_words
#define SC_HAVE_RET42 1
#endif

/* Why the cases that run code skip elsewhere. */
#define NO_CODE_REASON                                                         \
	"no machine code for this architecture in the suite (it has x86_64 "   \
	"and aarch64)"

#ifdef SC_HAVE_RET42
/* Copy the code to p and make the instruction cache see it. */
static void put_ret42(unsigned char *p)
{
	memcpy(p, ret42_code, sizeof ret42_code);
	__builtin___clear_cache((char *)p, (char *)p + sizeof ret42_code);
}

/* Call the code at p (in a child: if it cannot run, the child dies). */
static void run_code_expect_42(void *p)
{
	int (*fn)(void);
	/* object pointer to function pointer: by memcpy, as ISO C allows */
	memcpy(&fn, &p, sizeof fn);
	SC_CHECK_EQ(fn(), 42,
		    "value returned by the code run from the mapping");
}

#endif

#if defined(__x86_64__)
/* The same call, made to fault (the page is not executable). */
static void run_code_expect_fault(void *p)
{
	sc_vg_quiet_begin(); /* no end: the child dies of the access */
	run_code_expect_42(p);
}

/* Does this x86 CPU have the NX (no-execute) page bit? */
static bool cpu_has_nx(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	char line[8192];
	bool nx = false;
	while (!nx && fgets(line, sizeof line, f))
		if (strncmp(line, "flags", 5) == 0)
			nx = strstr(line, " nx ") || strstr(line, " nx\n");
	fclose(f);
	return nx;
}
#endif

/* ---- PROT_READ / PROT_WRITE / PROT_NONE -------------------------------- */

/* Detects: a PROT_READ mapping that cannot be read, or shows other bytes
 * than the file's, through a descriptor opened read-only. */
SC_FS_CASE(read_only_mapping_reads_file_data, MMAP_PROT, SC_POSIX,
	   "PROT_READ with MAP_SHARED on a read-only descriptor maps the "
	   "file's bytes for reading")
{
	size_t page = sc_page_size();
	int ro = sc_rofile(fs, page, NULL);
	const unsigned char *p = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_PATTERN_AT(0), page,
		     "PROT_READ mapping of a read-only descriptor (the file's "
		     "bytes)");
	SC_CHECK_OK(munmap((void *)p, page));
	SC_CHECK_OK(close(ro));
}

/* Detects: a write that succeeds (or dies another way) on a page mapped
 * without PROT_WRITE. */
SC_CASE(write_to_read_only_mapping_raises_sigsegv, MMAP_PROT, SC_POSIX,
	"A write to a PROT_READ mapping raises SIGSEGV (SEGV_ACCERR)")
{
	size_t page = sc_page_size();
	char *p = anon(page, PROT_READ);
	expect_accerr(write_byte, p + 10, "write to a PROT_READ page");
	SC_CHECK_OK(munmap(p, page));
}

/* Detects: a PROT_NONE page that can be read. */
SC_CASE(read_of_prot_none_raises_sigsegv, MMAP_PROT, SC_POSIX,
	"A read from a PROT_NONE mapping raises SIGSEGV (SEGV_ACCERR)")
{
	size_t page = sc_page_size();
	char *p = anon(page, PROT_NONE);
	expect_accerr(read_byte, p + 20, "read from a PROT_NONE page");
	SC_CHECK_OK(munmap(p, page));
}

/* Detects: a PROT_NONE page that can be written. */
SC_CASE(write_to_prot_none_raises_sigsegv, MMAP_PROT, SC_POSIX,
	"A write to a PROT_NONE mapping raises SIGSEGV (SEGV_ACCERR)")
{
	size_t page = sc_page_size();
	char *p = anon(page, PROT_NONE);
	expect_accerr(write_byte, p + 30, "write to a PROT_NONE page");
	SC_CHECK_OK(munmap(p, page));
}

/* ---- the descriptor's open mode ---------------------------------------- */

/* Detects: a kernel that lets a read-only descriptor become a way to write
 * the file (a shared writable mapping of it). */
SC_FS_CASE(shared_write_on_read_only_fd_fails_with_eacces, MMAP_PROT, SC_POSIX,
	   "PROT_WRITE with MAP_SHARED on a descriptor opened O_RDONLY fails "
	   "with EACCES")
{
	size_t page = sc_page_size();
	int ro = sc_rofile(fs, page, NULL);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro,
			   0, EACCES);
	SC_CHECK_OK(close(ro));
}

/* Detects: a kernel that refuses a private writable mapping of a read-only
 * descriptor (writes then go to private copies, never to the file). */
SC_FS_CASE(private_write_on_read_only_fd_succeeds, MMAP_PROT, SC_POSIX,
	   "PROT_WRITE with MAP_PRIVATE on a descriptor opened O_RDONLY "
	   "succeeds and the mapping can be written")
{
	size_t page = sc_page_size();
	int ro = sc_rofile(fs, page, NULL);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	SC_CHECK_MAP(p);
	p[5] = 0;
	SC_CHECK_EQ(p[5], 0,
		    "byte 5 of the private mapping after writing 0 to it");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(ro));
}

/* ---- PROT_EXEC --------------------------------------------------------- */

/* Detects: a PROT_EXEC mapping from which code cannot run. */
SC_CASE(code_runs_from_exec_mapping, MMAP_PROT, SC_POSIX,
	"Machine code in a PROT_EXEC mapping runs")
{
#ifndef SC_HAVE_RET42
	SC_SKIP(NO_CODE_REASON);
#else
	size_t page = sc_page_size();
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED && (errno == EACCES || errno == EPERM))
		SC_SKIP("a writable and executable mapping is refused here "
			"(%s): a W^X security policy (SELinux execmem, PaX)",
			sc_errno_name(errno));
	SC_CHECK_MAP(p);
	put_ret42(p);
	/* in a child: if the code cannot run, the child dies, not the case */
	sc_run(run_code_expect_42, p);
	SC_CHECK_OK(munmap(p, page));
#endif
}

/* Detects: a CPU or kernel that runs code from a page mapped without
 * PROT_EXEC (no NX enforcement, or READ_IMPLIES_EXEC). */
SC_CASE(code_does_not_run_from_mapping_without_exec, MMAP_PROT, SC_OBSERVED,
	"Machine code in a PROT_READ|PROT_WRITE mapping does not run: "
	"SIGSEGV (SEGV_ACCERR) at its first instruction")
{
#if !defined(__x86_64__)
	SC_SKIP("checked on x86_64 only, where the CPU's NX bit is known to be "
		"enforced; POSIX lets an implementation allow accesses that "
		"prot does not name");
#else
	if (!cpu_has_nx())
		SC_SKIP("this x86_64 CPU reports no nx flag in /proc/cpuinfo: "
			"pages cannot be made non-executable");
	int pers = personality(0xffffffff);
	if (pers != -1 && (pers & READ_IMPLIES_EXEC))
		SC_SKIP("the process personality has READ_IMPLIES_EXEC: every "
			"readable page is executable");
	size_t page = sc_page_size();
	unsigned char *p = anon(page, PROT_READ | PROT_WRITE);
	put_ret42(p);
	expect_accerr(run_code_expect_fault, p,
		      "call into code on a page mapped without PROT_EXEC");
	SC_CHECK_OK(munmap(p, page));
#endif
}

/* ---- file mappings with PROT_EXEC, every prot value, /proc maps -------- */

#ifdef SC_HAVE_RET42
/* The mount of fs forbids execution (statvfs ST_NOEXEC): Linux then
 * refuses PROT_EXEC for its files with EPERM (mmap(2), EPERM). */
static bool fs_noexec(const struct sc_fs *fs)
{
	struct statvfs sv;
	return statvfs(fs->dir, &sv) == 0 && (sv.f_flag & ST_NOEXEC);
}

/* A one-page file on fs holding ret42_code at offset 0, then the pattern;
 * mode 0555, returned opened O_RDONLY. */
static int code_file(const struct sc_fs *fs, char *path)
{
	sc_fs_require_writable(fs);
	int fd = sc_tmpfile(fs, sc_page_size(), path);
	SC_CHECK_EQ(pwrite(fd, ret42_code, sizeof ret42_code, 0),
		    sizeof ret42_code, "bytes of machine code written");
	SC_CHECK_OK(fchmod(fd, 0555));
	SC_CHECK_OK(close(fd));
	return sc_open_path(path, O_RDONLY);
}

/* The mapping of code_file shows the code, then the file's pattern. */
static void check_code_file_bytes(const unsigned char *p, const char *what)
{
	SC_CHECK_MEM(p, SC_WANT_BYTES(ret42_code), sizeof ret42_code, what);
	SC_CHECK_MEM(p + sizeof ret42_code,
		     SC_WANT_PATTERN_AT(sizeof ret42_code),
		     sc_page_size() - sizeof ret42_code, what);
}
#endif

/* Detects: a PROT_EXEC private mapping of a read-only file that is
 * refused, shows other bytes than the file's, or whose code cannot run
 * (LTP mmap03); on a noexec mount, one that is not refused with EPERM. */
SC_FS_CASE(exec_private_mapping_of_read_only_file_runs_its_code, MMAP_PROT,
	   SC_POSIX,
	   "PROT_READ|PROT_EXEC with MAP_PRIVATE on a mode 0555 file opened "
	   "O_RDONLY shows the file's bytes and its code runs (EPERM on a "
	   "noexec mount)")
{
#ifndef SC_HAVE_RET42
	(void)fs;
	SC_SKIP(NO_CODE_REASON);
#else
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int ro = code_file(fs, path);
	if (fs_noexec(fs)) {
		sc_note("%s is mounted noexec: Linux refuses PROT_EXEC for its "
			"files with EPERM",
			fs->dir);
		SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_EXEC,
				   MAP_PRIVATE, ro, 0, EPERM);
		SC_CHECK_OK(close(ro));
		return;
	}
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, ro, 0);
	SC_CHECK_MAP(p);
	check_code_file_bytes(p, "PROT_READ|PROT_EXEC mapping of the file");
	sc_run(run_code_expect_42, p);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(ro));
#endif
}

#ifdef SC_HAVE_RET42
/* Probes by system call (no signal): write(2) from p reads it, read(2)
 * into p writes it; EFAULT when the protection forbids.  The kernel's
 * access goes through the same page protections as the program's. */
struct prober {
	int pipe[2];
};

static bool probe_read(struct prober *pr, const void *p)
{
	char c;
	sc_vg_quiet_begin(); /* p may be deliberately inaccessible */
	ssize_t n = write(pr->pipe[1], p, 1);
	int err = errno;
	sc_vg_quiet_end();
	if (n == 1)
		SC_CHECK_EQ(read(pr->pipe[0], &c, 1), 1, "bytes drained");
	else
		SC_CHECK(
		    err == EFAULT,
		    "write(2) from the mapping: expected 1 byte or EFAULT, "
		    "observed %s",
		    sc_errno_name(err));
	return n == 1;
}

static bool probe_write(struct prober *pr, void *p)
{
	char c = 7;
	SC_CHECK_EQ(write(pr->pipe[1], &c, 1), 1, "byte put in the pipe");
	sc_vg_quiet_begin(); /* p may be deliberately read-only */
	ssize_t n = read(pr->pipe[0], p, 1);
	int err = errno;
	sc_vg_quiet_end();
	if (n != 1) {
		SC_CHECK(err == EFAULT,
			 "read(2) into the mapping: expected 1 byte or EFAULT, "
			 "observed %s",
			 sc_errno_name(err));
		SC_CHECK_EQ(read(pr->pipe[0], &c, 1), 1, "bytes drained");
	}
	return n == 1;
}

static const char *prot_str(int prot, char *buf)
{
	snprintf(buf, 32, "%s%s%s%s", prot == PROT_NONE ? "PROT_NONE" : "",
		 prot & PROT_READ ? "R" : "", prot & PROT_WRITE ? "W" : "",
		 prot & PROT_EXEC ? "X" : "");
	return buf;
}

/* One mapping of the sweep: fd's first page at prot with flags (at spot if
 * MAP_FIXED), its accesses checked against prot. */
static void sweep_one(struct prober *pr, int fd, int prot, int flags,
		      void *spot, bool noexec)
{
	size_t page = sc_page_size();
	bool fixed = flags & MAP_FIXED;
	char pname[32], what[96];
	prot_str(prot, pname);
	snprintf(what, sizeof what, "prot %s with %s%s", pname,
		 (flags & MAP_TYPE) == MAP_SHARED ? "MAP_SHARED"
						  : "MAP_PRIVATE",
		 fixed ? "|MAP_FIXED" : "");
	void *want = fixed ? spot : NULL;
	errno = 0;
	unsigned char *p = mmap(want, page, prot, flags, fd, 0);
	int err = p == MAP_FAILED ? errno : 0;
	if (noexec && (prot & PROT_EXEC)) {
		if (p != MAP_FAILED)
			SC_CHECK_OK(munmap(p, page));
		SC_CHECK(err == EPERM,
			 "mmap of %s on a noexec mount: expected EPERM, "
			 "observed %s",
			 what,
			 p == MAP_FAILED ? sc_errno_name(err) : "success");
		return;
	}
	if (p == MAP_FAILED)
		sc_fs_check_unsupported(err); /* 9p cache=none: skips */
	SC_CHECK(p != MAP_FAILED, "mmap of %s: expected success, observed %s",
		 what, sc_errno_name(err));
	if (fixed)
		SC_CHECK_PTR_EQ(p, spot, "MAP_FIXED address");
	bool r = probe_read(pr, p + 100);
	bool w = probe_write(pr, p + 100);
	if (prot & PROT_READ)
		SC_CHECK(r, "a read of a page mapped %s failed (EFAULT)", what);
	if (prot == PROT_NONE)
		SC_CHECK(!r, "a read of a page mapped %s succeeded", what);
	if (prot & PROT_WRITE)
		SC_CHECK(w, "a write to a page mapped %s failed (EFAULT)",
			 what);
	else
		SC_CHECK(!w,
			 "a write to a page mapped %s (no PROT_WRITE) "
			 "succeeded",
			 what);
	if (prot & PROT_EXEC)
		sc_run(run_code_expect_42, p);
	if (fixed) /* back to the reservation the next MAP_FIXED replaces */
		SC_CHECK_MAP(mmap(spot, page, PROT_NONE,
				  MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
				  0));
	else
		SC_CHECK_OK(munmap(p, page));
}
#endif

/*
 * Detects: a prot value POSIX requires that mmap refuses, a granted access
 * (read, write, exec) that fails, or a write or any access that succeeds
 * where prot does not give it.  POSIX lets an implementation allow reads
 * that prot does not name (Linux reads PROT_WRITE pages and, without
 * protection keys, PROT_EXEC ones), so reads are checked only where prot
 * grants them (PROT_READ) or forbids all (PROT_NONE).  On a noexec mount
 * every value with PROT_EXEC must fail with EPERM (Linux's rule).
 */
SC_FS_CASE(every_prot_value_is_accepted_with_matching_access, MMAP_PROT,
	   SC_POSIX,
	   "Each of the 8 combinations of PROT_READ, PROT_WRITE, PROT_EXEC "
	   "(and PROT_NONE) maps a file MAP_PRIVATE and MAP_SHARED, with and "
	   "without MAP_FIXED, and allows just the accesses POSIX requires")
{
#ifndef SC_HAVE_RET42
	(void)fs;
	SC_SKIP(NO_CODE_REASON);
#else
	size_t page = sc_page_size();
	char path[PATH_MAX];
	SC_CHECK_OK(close(code_file(fs, path)));
	SC_CHECK_OK(chmod(path, 0755));
	int fd = sc_open_path(path, O_RDWR);
	bool noexec = fs_noexec(fs);
	struct prober pr;
	SC_CHECK_OK(pipe2(pr.pipe, O_CLOEXEC));
	void *spot = anon(page, PROT_NONE); /* where MAP_FIXED maps */
	static const int types[] = {MAP_PRIVATE, MAP_SHARED};
	for (int prot = 0; prot <= (PROT_READ | PROT_WRITE | PROT_EXEC); prot++)
		for (int t = 0; t < 2; t++) {
			sweep_one(&pr, fd, prot, types[t], spot, noexec);
			sweep_one(&pr, fd, prot, types[t] | MAP_FIXED, spot,
				  noexec);
		}
	SC_CHECK_OK(munmap(spot, page));
	SC_CHECK_OK(close(pr.pipe[0]));
	SC_CHECK_OK(close(pr.pipe[1]));
	SC_CHECK_OK(close(fd));
#endif
}

/* The permissions column ("rw-s") of this process's /proc maps line for
 * the mapping that starts at p, or fail. */
static void maps_perms(const void *p, char perms[8])
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		SC_FAIL("fopen /proc/self/maps: %s", sc_errno_name(errno));
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		uintmax_t start;
		found = sscanf(line, "%jx-%*x %7s", &start, perms) == 2 &&
			start == (uintmax_t)(uintptr_t)p;
	}
	fclose(f);
	SC_CHECK(found,
		 "/proc/self/maps: expected a line starting at %p, "
		 "found none",
		 p);
}

/* Detects: /proc/PID/maps giving a mapping other protection letters, or
 * the other of s/p, than mmap was asked for (proc(5)). */
SC_CASE(proc_maps_shows_protection_and_shared_flag, MMAP_PROT, SC_LINUX,
	"/proc/self/maps shows rw-s for PROT_READ|PROT_WRITE MAP_SHARED, r--p "
	"for PROT_READ MAP_PRIVATE, r-xp for PROT_READ|PROT_EXEC, ---p for "
	"PROT_NONE, -w-s for PROT_WRITE MAP_SHARED")
{
	static const struct {
		int prot, flags;
		const char *perms;
	} want[] = {
	    {PROT_READ | PROT_WRITE, MAP_SHARED, "rw-s"},
	    {PROT_READ, MAP_PRIVATE, "r--p"},
	    {PROT_READ | PROT_EXEC, MAP_PRIVATE, "r-xp"},
	    {PROT_NONE, MAP_PRIVATE, "---p"},
	    {PROT_WRITE, MAP_SHARED, "-w-s"},
	};
	size_t page = sc_page_size();
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		void *p = mmap(NULL, page, want[i].prot,
			       want[i].flags | MAP_ANONYMOUS, -1, 0);
		SC_CHECK_MAP(p);
		char perms[8];
		maps_perms(p, perms);
		SC_CHECK(strcmp(perms, want[i].perms) == 0,
			 "/proc/self/maps permissions of the mapping: expected "
			 "%s, observed %s",
			 want[i].perms, perms);
		SC_CHECK_OK(munmap(p, page));
	}
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, read_only_mapping_reads_file_data);
	SC_ADD(tp, write_to_read_only_mapping_raises_sigsegv);
	SC_ADD(tp, read_of_prot_none_raises_sigsegv);
	SC_ADD(tp, write_to_prot_none_raises_sigsegv);
	SC_ADD(tp, shared_write_on_read_only_fd_fails_with_eacces);
	SC_ADD(tp, private_write_on_read_only_fd_succeeds);
	SC_ADD(tp, code_runs_from_exec_mapping);
	SC_ADD(tp, code_does_not_run_from_mapping_without_exec);
	SC_ADD(tp, exec_private_mapping_of_read_only_file_runs_its_code);
	SC_ADD(tp, every_prot_value_is_accepted_with_matching_access);
	SC_ADD(tp, proc_maps_shows_protection_and_shared_flag);
	return atf_no_error();
}
