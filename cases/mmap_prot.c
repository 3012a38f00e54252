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
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
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
	SC_SKIP("no machine code for this architecture in the suite (it has "
		"x86_64 and aarch64)");
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
	return atf_no_error();
}
