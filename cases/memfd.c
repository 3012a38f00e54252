/*
 * EXT-MEMFD (beyond the tutorial, Linux): memfd_create and file seals.
 * A memfd is an anonymous tmpfs file: nothing to clean up by name, it dies
 * with its last descriptor and mapping (the case's processes).  Seals
 * (fcntl F_ADD_SEALS) restrict what anyone may do to the file from then on.
 * Where a rule changed between kernels the case says what each version
 * does and checks the one for the running kernel (uname -r).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_mapcheck.h"
#include "sc_priv.h"
#include "sc_vgquiet.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static int new_memfd(const char *name, unsigned int flags)
{
	int fd = memfd_create(name, flags);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "memfd_create", errno);
	return fd;
}

/* A sealable memfd of size bytes, holding the marks (sc_mark). */
static int sealable(size_t size)
{
	int fd = new_memfd("shmconform", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	unsigned char buf[4096];
	for (size_t off = 0; off < size; off += sizeof buf) {
		size_t n = size - off < sizeof buf ? size - off : sizeof buf;
		sc_fill_mark(buf, off, n);
		SC_CHECK_EQ(pwrite(fd, buf, n, (off_t)off), n,
			    "bytes written to a new memfd");
	}
	return fd;
}

static void add_seals(int fd, int seals)
{
	SC_CHECK_OK(fcntl(fd, F_ADD_SEALS, seals));
}

static int get_seals(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);
	SC_CHECK_OK(s);
	return s;
}

/* Add F_SEAL_FUTURE_WRITE (skip where the kernel predates it). */
static void add_future_write(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0 &&
	    errno == EINVAL && !sc_kernel_at_least(5, 1))
		SC_SKIP("kernel %s has no F_SEAL_FUTURE_WRITE (Linux 5.1)",
			sc_kernel_release());
	SC_CHECK(get_seals(fd) & F_SEAL_FUTURE_WRITE,
		 "F_SEAL_FUTURE_WRITE in F_GET_SEALS after adding it: "
		 "expected set, observed seals %#x",
		 (unsigned)get_seals(fd));
}

/* "/proc/self/fd/N" for fd, in path[64]. */
static char *proc_fd_path(char *path, int fd)
{
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return path;
}

/* fd reopened through /proc/self/fd/N: a new open file description. */
static int reopen(int fd, int flags)
{
	char path[64];
	return sc_open_path(proc_fd_path(path, fd), flags);
}

/* Detects: a memfd that is not a new empty file, or whose /proc/self/fd
 * link does not carry the name (how tools such as lsof show it). */
SC_CASE(new_memfd_is_empty_and_shows_its_name, EXT_MEMFD, SC_LINUX,
	"A new memfd has size 0 and /proc/self/fd shows it as "
	"\"/memfd:NAME (deleted)\"")
{
	int fd = new_memfd("sc-name", MFD_CLOEXEC);
	SC_CHECK_EQ(sc_file_size(fd), 0, "st_size of a new memfd");
	char path[64], link[PATH_MAX];
	ssize_t n = readlink(proc_fd_path(path, fd), link, sizeof link - 1);
	SC_CHECK_OK(n);
	link[n] = '\0';
	SC_CHECK(strcmp(link, "/memfd:sc-name (deleted)") == 0,
		 "readlink %s: expected \"/memfd:sc-name (deleted)\", "
		 "observed \"%s\"",
		 path, link);
	SC_CHECK_OK(close(fd));
}

/* Detects: a name limit other than the documented 249 bytes (a long name
 * cut silently, or a legal one refused). */
SC_CASE(name_over_249_bytes_fails_with_einval, EXT_MEMFD, SC_LINUX,
	"memfd_create accepts names of 0 and 249 bytes, fails with EINVAL for "
	"250 and with EFAULT for a NULL name")
{
	SC_CHECK_OK(close(new_memfd("", MFD_CLOEXEC)));
	sc_vg_quiet_begin(); /* NULL is the point */
	errno = 0;
	int rv = memfd_create(NULL, MFD_CLOEXEC);
	int err = errno;
	sc_vg_quiet_end();
	if (rv >= 0)
		close(rv);
	SC_CHECK(rv < 0 && err == EFAULT,
		 "memfd_create(NULL): expected EFAULT, observed %s",
		 rv >= 0 ? "success" : sc_errno_name(err));
	char name[251];
	memset(name, 'n', sizeof name);
	name[249] = '\0';
	SC_CHECK_OK(close(new_memfd(name, MFD_CLOEXEC)));
	name[249] = 'n';
	name[250] = '\0';
	SC_CHECK_ERRNO(memfd_create(name, MFD_CLOEXEC), EINVAL);
}

/* Detects: unknown flag bits accepted (so a program cannot tell whether a
 * newer flag it asks for is honoured). */
SC_CASE(unknown_flag_fails_with_einval, EXT_MEMFD, SC_LINUX,
	"memfd_create with an unknown flag bit fails with EINVAL")
{
	SC_CHECK_ERRNO(memfd_create("x", MFD_CLOEXEC | 0x1000U), EINVAL);
}

/* Detects: MFD_CLOEXEC ignored (the descriptor leaks into exec'd
 * programs), or close-on-exec set without it. */
SC_CASE(mfd_cloexec_sets_fd_cloexec, EXT_MEMFD, SC_LINUX,
	"MFD_CLOEXEC sets FD_CLOEXEC on the descriptor; without it the flag "
	"is clear")
{
	int a = new_memfd("a", MFD_CLOEXEC), b = new_memfd("b", 0);
	SC_CHECK_EQ(fcntl(a, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC,
		    "FD_CLOEXEC of a memfd made with MFD_CLOEXEC");
	SC_CHECK_EQ(fcntl(b, F_GETFD) & FD_CLOEXEC, 0,
		    "FD_CLOEXEC of a memfd made without MFD_CLOEXEC");
	SC_CHECK_OK(close(a));
	SC_CHECK_OK(close(b));
}

/* Detects: a memfd made without MFD_ALLOW_SEALING that can be sealed (a
 * receiver could then be stopped from writing a buffer it was given). */
SC_CASE(without_allow_sealing_file_is_sealed_shut, EXT_MEMFD, SC_LINUX,
	"Without MFD_ALLOW_SEALING, F_GET_SEALS gives F_SEAL_SEAL and "
	"F_ADD_SEALS fails with EPERM")
{
	long noexec = sc_sysctl_long("vm/memfd_noexec", 0);
	if (noexec != 0)
		SC_SKIP("vm.memfd_noexec is %ld: every memfd made without "
			"MFD_EXEC is MFD_NOEXEC_SEAL, which allows sealing",
			noexec);
	int fd = new_memfd("x", MFD_CLOEXEC);
	SC_CHECK_EQ(get_seals(fd), F_SEAL_SEAL,
		    "F_GET_SEALS of a memfd made without MFD_ALLOW_SEALING "
		    "(F_SEAL_SEAL = 1)");
	SC_CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
	SC_CHECK_OK(close(fd));
}

/* Detects: seals that replace each other, or F_SEAL_SEAL that does not
 * stop further seals. */
SC_CASE(seals_accumulate_until_seal_seal, EXT_MEMFD, SC_LINUX,
	"Seals added one by one accumulate; after F_SEAL_SEAL every "
	"F_ADD_SEALS fails with EPERM, even of no seal")
{
	int fd = sealable(0);
	SC_CHECK_EQ(get_seals(fd), 0, "F_GET_SEALS of a new sealable memfd");
	add_seals(fd, F_SEAL_SHRINK);
	add_seals(fd, F_SEAL_GROW);
	add_seals(fd, F_SEAL_SHRINK); /* twice: no change */
	SC_CHECK_EQ(get_seals(fd), F_SEAL_SHRINK | F_SEAL_GROW,
		    "F_GET_SEALS after adding F_SEAL_SHRINK, F_SEAL_GROW, "
		    "F_SEAL_SHRINK (2|4 = 6)");
	add_seals(fd, F_SEAL_SEAL);
	SC_CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	SC_CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, 0), EPERM);
	SC_CHECK_EQ(get_seals(fd), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW,
		    "F_GET_SEALS after F_SEAL_SEAL and the refused calls");
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_SHRINK not enforced (a receiver's mapping could then be
 * cut under it: SIGBUS), or enforced against growth too. */
SC_CASE(seal_shrink_refuses_shrinking_ftruncate, EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_SHRINK, ftruncate to a smaller size fails with EPERM; "
	"to the same or a larger size it succeeds")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_seals(fd, F_SEAL_SHRINK);
	SC_CHECK_ERRNO(ftruncate(fd, (off_t)(page / 2)), EPERM);
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	SC_CHECK_OK(ftruncate(fd, (off_t)(2 * page)));
	SC_CHECK_EQ(sc_file_size(fd), 2 * page, "st_size after growing");
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_GROW not enforced by ftruncate or write(2) at EOF, or
 * enforced against shrinking and writes inside the file. */
SC_CASE(seal_grow_refuses_growing, EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_GROW, ftruncate to a larger size and a write at EOF "
	"fail with EPERM; writes inside the file and shrinking succeed")
{
	size_t page = sc_page_size();
	int fd = sealable(2 * page);
	add_seals(fd, F_SEAL_GROW);
	SC_CHECK_ERRNO(ftruncate(fd, (off_t)(3 * page)), EPERM);
	char c = 0;
	SC_CHECK_ERRNO(pwrite(fd, &c, 1, (off_t)(2 * page)), EPERM);
	SC_CHECK_EQ(pwrite(fd, &c, 1, 0), 1, "bytes written inside the file");
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	SC_CHECK_EQ(sc_file_size(fd), page, "st_size after the seals' checks");
	SC_CHECK_OK(close(fd));
}

/* Detects: a write crossing EOF under F_SEAL_GROW that grows the file.
 * What a refused write still writes depends on the size of the chunks the
 * kernel writes in: one page at a time (every kernel before 6.12, and
 * later ones while the file takes no large folios) writes up to the end
 * of the page holding EOF and returns that short count; a kernel writing
 * in larger folios (6.12 and later) may refuse the whole write (EPERM). */
SC_CASE(seal_grow_write_across_eof_stops_at_eof_page, EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_GROW a write from 3/4 page over EOF at one page writes "
	"the last 1/4 page and stops (6.12 and later: or fails with EPERM)")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_seals(fd, F_SEAL_GROW);
	static char buf[65536];
	SC_CHECK(page <= sizeof buf, "page size %zu above the test's buffer",
		 page);
	errno = 0;
	ssize_t n = pwrite(fd, buf, page, (off_t)(page * 3 / 4));
	int err = errno;
	bool larger_chunks_allowed = sc_kernel_at_least(6, 12);
	if (n < 0 && err == EPERM && larger_chunks_allowed)
		sc_note("kernel %s refused the whole write (EPERM): it "
			"writes this file in chunks larger than a page",
			sc_kernel_release());
	else
		SC_CHECK(n == (ssize_t)(page / 4),
			 "kernel %s: pwrite of %zu bytes at %zu under "
			 "F_SEAL_GROW, EOF at %zu: expected %zu bytes (every "
			 "kernel writing page by page)%s, observed %zd (%s)",
			 sc_kernel_release(), page, page * 3 / 4, page,
			 page / 4,
			 larger_chunks_allowed
			     ? " or EPERM (6.12 and later, large folios)"
			     : "",
			 n, n < 0 ? sc_errno_name(err) : "no error");
	SC_CHECK_EQ(sc_file_size(fd), page, "st_size after the write");
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_WRITE accepted while a shared mapping could still write
 * (the seal's promise broken from the start), or a refused call that
 * applies some of its seals. */
SC_CASE(seal_write_refused_with_ebusy_while_shared_mapping_exists, EXT_MEMFD,
	SC_LINUX,
	"F_ADD_SEALS(F_SEAL_WRITE|F_SEAL_GROW) fails with EBUSY while a "
	"MAP_SHARED mapping exists, and applies neither seal")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW),
		       EBUSY);
	SC_CHECK_EQ(get_seals(fd), 0, "F_GET_SEALS after the refused call");
	SC_CHECK_OK(munmap(p, page));
	add_seals(fd, F_SEAL_WRITE); /* no shared mapping left: allowed */
	SC_CHECK_OK(close(fd));
}

/* Detects: a private mapping (which can never write the file) counted as
 * a writer that blocks F_SEAL_WRITE. */
SC_CASE(private_mapping_does_not_block_seal_write, EXT_MEMFD, SC_LINUX,
	"F_SEAL_WRITE succeeds while only a writable MAP_PRIVATE mapping "
	"exists")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 0;
	add_seals(fd, F_SEAL_WRITE);
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_WRITE not enforced by write(2) or by a new writable
 * shared mapping, or enforced against private copies. */
SC_CASE(seal_write_refuses_write_and_writable_shared_mapping, EXT_MEMFD,
	SC_LINUX,
	"Under F_SEAL_WRITE, write(2) and a PROT_WRITE MAP_SHARED mapping fail "
	"with EPERM; a writable MAP_PRIVATE mapping works")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_seals(fd, F_SEAL_WRITE);
	char c = 0;
	SC_CHECK_ERRNO(pwrite(fd, &c, 1, 0), EPERM);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0, EPERM);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	p[0] = 0;
	SC_CHECK_OK(munmap(p, page));
	unsigned char b;
	sc_pread_all(fd, &b, 1, 0);
	SC_CHECK_EQ(b, sc_mark(0), "byte 0 of the sealed file");
	SC_CHECK_OK(close(fd));
}

/*
 * Detects: the read-only shared mapping rule of the running kernel broken.
 * Before 6.7 every MAP_SHARED mapping counted as a writer: PROT_READ
 * MAP_SHARED of an F_SEAL_WRITE memfd failed with EPERM.  From 6.7 it is
 * allowed (and the mapping can never gain PROT_WRITE); 6.12 lost it
 * (EPERM again) until the fix "mm: reinstate ability to map write-sealed
 * memfd mappings read-only" (6.13, taken into later 6.12 releases), so on
 * 6.12 either answer is that release's.  The 6.7 rule with that fix was
 * also taken into older stable series in 2025 ("mm: drop the assumption
 * that VM_SHARED always implies writable" and its two companions, in the
 * 5.15 stable queue of August 2025; Debian's 6.1.176 allows the mapping):
 * on 5.15 and 6.1 a success is that stable release's, and is checked as
 * from 6.7.
 */
SC_CASE(seal_write_read_only_shared_mapping_by_kernel_version, EXT_MEMFD,
	SC_LINUX,
	"Under F_SEAL_WRITE a PROT_READ MAP_SHARED mapping fails with EPERM "
	"before 6.7 and succeeds from 6.7 (on 6.12, and on 5.15 and 6.1 "
	"stable releases with the 2025 backport: either), never becoming "
	"writable")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_seals(fd, F_SEAL_WRITE);
	errno = 0;
	unsigned char *p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	int err = errno;
	const char *rel = sc_kernel_release();
	bool allowed = sc_kernel_at_least(6, 7);
	bool backported = !allowed && p != MAP_FAILED &&
			  (sc_kernel_is(5, 15) || sc_kernel_is(6, 1));
	if (p == MAP_FAILED && err == EPERM && sc_kernel_is(6, 12)) {
		sc_note("kernel %s refuses the read-only mapping (a 6.12 "
			"release without the 6.13 fix)",
			rel);
	} else if (!allowed && !backported) {
		if (p != MAP_FAILED)
			munmap(p, page);
		SC_CHECK(p == MAP_FAILED && err == EPERM,
			 "kernel %s (before 6.7: EPERM; 6.7 and later: "
			 "allowed): expected EPERM, observed %s",
			 rel, p == MAP_FAILED ? sc_errno_name(err) : "success");
	} else {
		if (backported)
			sc_note("kernel %s allows the read-only mapping (a "
				"stable release with the 6.7 rule backported)",
				rel);
		SC_CHECK(p != MAP_FAILED,
			 "kernel %s (before 6.7: EPERM; 6.7 and later: "
			 "allowed): expected success, observed %s",
			 rel, sc_errno_name(err));
		SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), page,
			     "the read-only shared mapping of the sealed "
			     "file");
		SC_CHECK_ERRNO(mprotect(p, page, PROT_READ | PROT_WRITE),
			       EACCES);
		SC_CHECK_OK(munmap(p, page));
	}
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_FUTURE_WRITE not enforced on new writers, or enforced on
 * the mapping that existed before it (the producer must keep writing). */
SC_CASE(future_write_refuses_new_writers_keeps_existing_mapping, EXT_MEMFD,
	SC_LINUX,
	"Under F_SEAL_FUTURE_WRITE, write(2) and new writable shared mappings "
	"fail with EPERM, while a mapping made before still writes the file")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	add_future_write(fd);
	char c = 0;
	SC_CHECK_ERRNO(pwrite(fd, &c, 1, 0), EPERM);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0, EPERM);
	p[0] = 0;
	unsigned char b;
	sc_pread_all(fd, &b, 1, 0);
	SC_CHECK_EQ(b, 0,
		    "byte 0 read(2) after writing 0 through the mapping made "
		    "before F_SEAL_FUTURE_WRITE");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

struct sealed {
	int fd;
	int want;
};

static void check_inherited_seals(void *arg)
{
	const struct sealed *s = arg;
	SC_CHECK_EQ(get_seals(s->fd), s->want, "F_GET_SEALS in a forked child");
	SC_CHECK_ERRNO(ftruncate(s->fd, 0), EPERM);
}

/* Detects: seals kept per descriptor or per process instead of on the file
 * (a receiver's dup or child would escape them). */
SC_CASE(seals_belong_to_file_seen_by_dup_and_child, EXT_MEMFD, SC_LINUX,
	"Seals added through one descriptor hold for a dup of it and in a "
	"forked child")
{
	int fd = sealable(sc_page_size());
	int dup_fd;
	SC_CHECK_OK(dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0));
	add_seals(dup_fd, F_SEAL_SHRINK);
	SC_CHECK_EQ(get_seals(fd), F_SEAL_SHRINK,
		    "F_GET_SEALS through the original descriptor after "
		    "sealing the dup");
	struct sealed s = {fd, F_SEAL_SHRINK};
	sc_run(check_inherited_seals, &s);
	SC_CHECK_OK(close(dup_fd));
	SC_CHECK_OK(close(fd));
}

/* Detects: seals added through a read-only descriptor (anyone who may only
 * read the file could then forbid its owner to write). */
SC_CASE(add_seals_needs_writable_descriptor, EXT_MEMFD, SC_LINUX,
	"F_ADD_SEALS through a read-only descriptor (an O_RDONLY reopen of "
	"/proc/self/fd/N) fails with EPERM")
{
	int fd = sealable(sc_page_size());
	int ro = reopen(fd, O_RDONLY);
	SC_CHECK_ERRNO(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	SC_CHECK_EQ(get_seals(fd), 0, "F_GET_SEALS after the refused call");
	SC_CHECK_OK(close(ro));
	SC_CHECK_OK(close(fd));
}

/* Detects: a memfd whose MAP_SHARED mapping is a private copy, or whose
 * reopen through /proc is another file. */
SC_CASE(shared_mapping_and_proc_reopen_see_one_file, EXT_MEMFD, SC_LINUX,
	"A write through a MAP_SHARED mapping of a memfd shows in read(2) of "
	"a /proc/self/fd reopen of it")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	memset(p, 0, page);
	int again = reopen(fd, O_RDWR);
	static unsigned char buf[65536];
	SC_CHECK(page <= sizeof buf, "page size %zu above the test's buffer",
		 page);
	sc_pread_all(again, buf, page, 0);
	SC_CHECK_MEM(buf, SC_WANT_ZEROS, page,
		     "read(2) of the reopened memfd after zeroing it through "
		     "a shared mapping");
	SC_CHECK_OK(close(again));
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(fd));
}

/* Detects: MFD_NOEXEC_SEAL ignored: the file stays executable (mode 0777)
 * and could be chmod'ed back, the hole vm.memfd_noexec exists to close. */
SC_CASE(noexec_seal_makes_file_not_executable_for_good, EXT_MEMFD, SC_LINUX,
	"MFD_NOEXEC_SEAL gives mode 0666 and F_SEAL_EXEC: chmod cannot add "
	"x bits (EPERM); with MFD_EXEC too it fails with EINVAL")
{
	int fd = memfd_create("x", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL && !sc_kernel_at_least(6, 3))
		SC_SKIP("kernel %s has no MFD_NOEXEC_SEAL (Linux 6.3)",
			sc_kernel_release());
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "memfd_create(MFD_NOEXEC_SEAL)", errno);
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_mode & 07777, 0666,
		    "mode of an MFD_NOEXEC_SEAL memfd (octal 0666 = 438)");
	SC_CHECK(get_seals(fd) & F_SEAL_EXEC,
		 "F_SEAL_EXEC in F_GET_SEALS: expected set, observed seals "
		 "%#x",
		 (unsigned)get_seals(fd));
	SC_CHECK_ERRNO(fchmod(fd, 0777), EPERM);
	SC_CHECK_OK(close(fd));
	SC_CHECK_ERRNO(memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL);
}

/* Detects: ordinary tmpfs files that can be sealed (only memfds may be:
 * tmpfs files are born with F_SEAL_SEAL). */
SC_CASE(tmpfs_file_is_born_with_seal_seal, EXT_MEMFD, SC_LINUX,
	"An ordinary tmpfs file (O_TMPFILE in /dev/shm) reports F_SEAL_SEAL")
{
	int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		SC_SKIP("no O_TMPFILE in /dev/shm here (%s)",
			sc_errno_name(errno));
	int s = fcntl(fd, F_GET_SEALS);
	if (s < 0 && errno == EINVAL)
		SC_SKIP("/dev/shm is not tmpfs here (F_GET_SEALS: EINVAL)");
	SC_CHECK_EQ(s, F_SEAL_SEAL,
		    "F_GET_SEALS of a tmpfs file (F_SEAL_SEAL = 1)");
	SC_CHECK_OK(close(fd));
}

/* Detects: a memfd whose file position lseek does not move, or a dup that
 * is a separate open file (own offset, own copy of the content). */
SC_CASE(lseek_moves_offset_and_dup_shares_content_and_offset, EXT_MEMFD,
	SC_LINUX,
	"write(2) and read(2) of a memfd follow lseek; a dup shares the "
	"content and the file offset")
{
	int fd = sealable(0);
	const char msg[] = "memfd-data";
	SC_CHECK_EQ(write(fd, msg, sizeof msg), sizeof msg,
		    "bytes written to a new memfd");
	SC_CHECK_EQ(lseek(fd, 0, SEEK_CUR), sizeof msg,
		    "file offset after the write");
	SC_CHECK_EQ(lseek(fd, 2, SEEK_SET), 2, "lseek(2, SEEK_SET)");
	char got[sizeof msg] = {0};
	SC_CHECK_EQ(read(fd, got, 4), 4, "bytes read at offset 2");
	SC_CHECK(memcmp(got, msg + 2, 4) == 0,
		 "read(2) at offset 2: expected \"%.4s\", observed \"%.4s\"",
		 msg + 2, got);
	int d;
	SC_CHECK_OK(d = dup(fd));
	SC_CHECK_EQ(lseek(d, 0, SEEK_CUR), 6,
		    "file offset of a dup made at offset 6 (shared)");
	SC_CHECK_EQ(lseek(d, 0, SEEK_END), sizeof msg,
		    "lseek(0, SEEK_END) through the dup (the file's size)");
	SC_CHECK_EQ(lseek(fd, 0, SEEK_CUR), sizeof msg,
		    "file offset of the original after lseek through the dup");
	SC_CHECK_EQ(pwrite(d, "X", 1, 0), 1, "bytes written through the dup");
	sc_pread_all(fd, got, 1, 0);
	SC_CHECK_EQ(got[0], 'X',
		    "byte 0 read through the original after writing 'X' (88) "
		    "through the dup");
	SC_CHECK_OK(close(d));
	SC_CHECK_OK(close(fd));
}

/* Detects: two MAP_SHARED mappings of one memfd that are separate copies
 * (a consumer mapping the buffer twice would see stale data). */
SC_CASE(second_shared_mapping_sees_first_mappings_writes, EXT_MEMFD, SC_LINUX,
	"Two MAP_SHARED mappings of a memfd are the same memory: a write "
	"through one shows in the other")
{
	size_t page = sc_page_size();
	int fd = sealable(2 * page);
	unsigned char *a =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(a);
	const unsigned char *b =
	    mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(b);
	SC_CHECK_MEM(b, SC_WANT_MARK_AT(0), 2 * page,
		     "the second mapping before any write");
	memset(a + page, 0, page);
	SC_CHECK_MEM(b + page, SC_WANT_ZEROS, page,
		     "the second mapping's second page after zeroing it "
		     "through the first");
	SC_CHECK_MEM(b, SC_WANT_MARK_AT(0), page,
		     "the second mapping's first page (not written)");
	SC_CHECK_OK(munmap((void *)b, 2 * page));
	SC_CHECK_OK(munmap(a, 2 * page));
	SC_CHECK_OK(close(fd));
}

struct procopen {
	pid_t owner; /* the process holding the memfd */
	int fd;
	off_t owner_off; /* its file offset */
};

static void open_other_process_memfd(void *arg)
{
	const struct procopen *po = arg;
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long)po->owner, po->fd);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "open of the case process's /proc/PID/fd/N",
			      errno);
	struct stat a, b;
	SC_CHECK_OK(fstat(fd, &a));
	SC_CHECK_OK(fstat(po->fd, &b)); /* the inherited descriptor */
	SC_CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		 "%s: expected the same file, observed inodes %lu and %lu",
		 path, (unsigned long)a.st_ino, (unsigned long)b.st_ino);
	SC_CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0,
		    "file offset of the new open (its own; the owner's is at "
		    "the end)");
	unsigned char c;
	SC_CHECK_EQ(read(fd, &c, 1), 1, "bytes read through the new open");
	SC_CHECK_EQ(c, sc_mark(0), "byte 0 read through the new open");
	SC_CHECK_EQ(lseek(po->fd, 0, SEEK_CUR), po->owner_off,
		    "the owner's file offset after reading through the new "
		    "open");
	c = 0;
	SC_CHECK_EQ(pwrite(fd, &c, 1, 1), 1,
		    "bytes written through the new "
		    "open");
	SC_CHECK_OK(close(fd));
}

/* Detects: /proc/PID/fd/N of another process that opens another file, or
 * that shares the owner's open file description (its offset). */
SC_CASE(other_process_opens_proc_fd_as_new_description_of_same_file, EXT_MEMFD,
	SC_LINUX,
	"Another process opening /proc/PID/fd/N of a memfd gets the same file "
	"with an open file description (and offset) of its own")
{
	size_t page = sc_page_size();
	struct procopen po = {getpid(), sealable(page), (off_t)page};
	SC_CHECK_EQ(lseek(po.fd, 0, SEEK_END), page, "lseek(0, SEEK_END)");
	sc_run(open_other_process_memfd, &po);
	unsigned char c;
	sc_pread_all(po.fd, &c, 1, 1);
	SC_CHECK_EQ(c, 0,
		    "byte 1 after the other process wrote 0 there through "
		    "its open");
	SC_CHECK_OK(close(po.fd));
}

/* Detects: F_SEAL_WRITE not enforced by a hole punch (the sealed content
 * can then be zeroed), zero-length writes refused, or the seal taken to
 * forbid resizing (that is F_SEAL_SHRINK and F_SEAL_GROW). */
SC_CASE(seal_write_refuses_hole_punch_allows_resize_and_empty_write, EXT_MEMFD,
	SC_LINUX,
	"Under F_SEAL_WRITE, fallocate(FALLOC_FL_PUNCH_HOLE) fails with EPERM "
	"and keeps the data; a zero-length write returns 0; ftruncate may "
	"grow and shrink")
{
	size_t page = sc_page_size();
	int fd = sealable(2 * page);
	add_seals(fd, F_SEAL_WRITE);
	SC_CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				 0, (off_t)page),
		       EPERM);
	unsigned char b;
	sc_pread_all(fd, &b, 1, 0);
	SC_CHECK_EQ(b, sc_mark(0), "byte 0 after the refused hole punch");
	char c = 0;
	SC_CHECK_EQ(pwrite(fd, &c, 0, 0), 0,
		    "pwrite of 0 bytes to the sealed file");
	SC_CHECK_OK(ftruncate(fd, (off_t)(3 * page)));
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	SC_CHECK_EQ(sc_file_size(fd), page,
		    "st_size after growing to 3 pages and shrinking to 1");
	sc_pread_all(fd, &b, 1, 0);
	SC_CHECK_EQ(b, sc_mark(0), "byte 0 after the resizes");
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_FUTURE_WRITE escaped by reopening the file through
 * /proc/self/fd (a new open file description), or enforced against a
 * private copy-on-write mapping (which never writes the file). */
SC_CASE(future_write_holds_for_reopened_fd_private_mapping_still_writes,
	EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_FUTURE_WRITE an O_RDWR reopen of /proc/self/fd/N cannot "
	"write(2) or map shared writable (EPERM); a writable MAP_PRIVATE "
	"mapping writes its own copy")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_future_write(fd);
	int again = reopen(fd, O_RDWR);
	char c = 0;
	SC_CHECK_ERRNO(pwrite(again, &c, 1, 0), EPERM);
	SC_CHECK_MAP_ERRNO(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			   again, 0, EPERM);
	unsigned char *p =
	    mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, again, 0);
	SC_CHECK_MAP(p);
	p[0] = 0;
	SC_CHECK_EQ(p[0], 0, "byte 0 of the private mapping after writing 0");
	unsigned char b;
	sc_pread_all(fd, &b, 1, 0);
	SC_CHECK_EQ(b, sc_mark(0),
		    "byte 0 of the file after writing the private copy");
	SC_CHECK_OK(munmap(p, page));
	SC_CHECK_OK(close(again));
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_SHRINK escaped by open(O_TRUNC) of the file's /proc
 * link (truncation by another path than ftruncate). */
SC_CASE(seal_shrink_refuses_open_with_o_trunc, EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_SHRINK, open(O_RDWR|O_TRUNC) of /proc/self/fd/N fails "
	"with EPERM and the size stays")
{
	size_t page = sc_page_size();
	int fd = sealable(page);
	add_seals(fd, F_SEAL_SHRINK);
	char path[64];
	errno = 0;
	int t = open(proc_fd_path(path, fd), O_RDWR | O_TRUNC | O_CLOEXEC);
	int err = errno;
	if (t >= 0)
		close(t);
	SC_CHECK(t < 0 && err == EPERM,
		 "open(%s, O_RDWR|O_TRUNC) under F_SEAL_SHRINK: expected "
		 "EPERM, observed %s",
		 path, t >= 0 ? "success" : sc_errno_name(err));
	SC_CHECK_EQ(sc_file_size(fd), page,
		    "st_size after the refused O_TRUNC");
	SC_CHECK_OK(close(fd));
}

/* Detects: F_SEAL_GROW escaped by fallocate past EOF, or enforced against
 * fallocate inside the file. */
SC_CASE(seal_grow_refuses_fallocate_past_eof, EXT_MEMFD, SC_LINUX,
	"Under F_SEAL_GROW, fallocate past EOF fails with EPERM (also with "
	"FALLOC_FL_KEEP_SIZE); fallocate inside the file succeeds")
{
	size_t page = sc_page_size();
	int fd = sealable(2 * page);
	add_seals(fd, F_SEAL_GROW);
	SC_CHECK_ERRNO(fallocate(fd, 0, (off_t)page, (off_t)(2 * page)), EPERM);
	SC_CHECK_ERRNO(
	    fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)(2 * page), (off_t)page),
	    EPERM);
	SC_CHECK_OK(fallocate(fd, 0, 0, (off_t)(2 * page)));
	SC_CHECK_EQ(sc_file_size(fd), 2 * page,
		    "st_size after the fallocate calls");
	SC_CHECK_OK(close(fd));
}

/*
 * Detects: MFD_EXEC not honoured (the file made without execute bits),
 * or, before 6.3, accepted as a flag the kernel does not know.
 * 6.3 and later: MFD_EXEC gives mode 0777 and no F_SEAL_EXEC (unless
 * vm.memfd_noexec is 2, which refuses it: the case skips then).  Before
 * 6.3 the bit is unknown: EINVAL (a plain memfd there is 0777 anyway).
 */
SC_CASE(mfd_exec_gives_mode_0777_by_kernel_version, EXT_MEMFD, SC_LINUX,
	"memfd_create(MFD_EXEC) makes a file of mode 0777 without F_SEAL_EXEC "
	"from 6.3; before 6.3 it fails with EINVAL")
{
	long noexec = sc_sysctl_long("vm/memfd_noexec", 0);
	if (noexec == 2)
		SC_SKIP("vm.memfd_noexec is 2 here: it refuses MFD_EXEC");
	errno = 0;
	int fd = memfd_create("x", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	int err = errno;
	if (!sc_kernel_at_least(6, 3)) {
		if (fd >= 0)
			close(fd);
		SC_CHECK(fd < 0 && err == EINVAL,
			 "kernel %s (before 6.3: EINVAL, MFD_EXEC unknown; "
			 "6.3 and later: mode 0777): expected EINVAL, "
			 "observed %s",
			 sc_kernel_release(),
			 fd >= 0 ? "success" : sc_errno_name(err));
		return;
	}
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "memfd_create(MFD_EXEC)", err);
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_mode & 07777, 0777,
		    "mode of an MFD_EXEC memfd (octal 0777 = 511)");
	SC_CHECK(!(get_seals(fd) & F_SEAL_EXEC),
		 "F_SEAL_EXEC in F_GET_SEALS of an MFD_EXEC memfd: expected "
		 "clear, observed seals %#x",
		 (unsigned)get_seals(fd));
	SC_CHECK_OK(fchmod(fd, 0700)); /* not sealed: the mode may change */
	SC_CHECK_OK(close(fd));
}

#define NOEXEC_SYSCTL "/proc/sys/vm/memfd_noexec"

/* Write v to vm.memfd_noexec (for this process's pid namespace); 0 or
 * the errno of the write. */
static int set_noexec(int v)
{
	int fd = open(NOEXEC_SYSCTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	char buf[8];
	int n = snprintf(buf, sizeof buf, "%d\n", v);
	ssize_t w = write(fd, buf, (size_t)n);
	int err = w == n ? 0 : w < 0 ? errno : EIO;
	close(fd);
	return err;
}

static void check_noexec_is(long want, const char *where)
{
	long v = sc_sysctl_long("vm/memfd_noexec", -1);
	SC_CHECK(v == want, "vm.memfd_noexec %s: expected %ld, observed %ld",
		 where, want, v);
}

/* In a pid namespace whose vm.memfd_noexec is 2: MFD_EXEC refused, a
 * plain memfd made MFD_NOEXEC_SEAL. */
static void check_noexec_two_rules(void *arg)
{
	(void)arg;
	check_noexec_is(2, "in a process forked in the namespace");
	SC_CHECK_ERRNO(memfd_create("x", MFD_CLOEXEC | MFD_EXEC), EACCES);
	int fd = new_memfd("x", MFD_CLOEXEC);
	SC_CHECK(get_seals(fd) & F_SEAL_EXEC,
		 "F_SEAL_EXEC of a memfd made without flags under "
		 "vm.memfd_noexec 2: expected set, observed seals %#x",
		 (unsigned)get_seals(fd));
	SC_CHECK_OK(close(fd));
}

static void check_nested_namespace(void *arg)
{
	(void)arg;
	check_noexec_is(2, "in a namespace nested in one set to 2 (inherited)");
	int err = set_noexec(1);
	SC_CHECK(err == EINVAL,
		 "writing 1 to vm.memfd_noexec in a namespace whose parent "
		 "has 2: expected EINVAL (cannot lower), observed %s",
		 err ? sc_errno_name(err) : "success");
	check_noexec_two_rules(NULL);
}

/* pid 1 of a new pid namespace. */
static void noexec_namespace_init(void *arg)
{
	long host = *(const long *)arg;
	check_noexec_is(host, "in a new pid namespace (inherited from the "
			      "parent)");
	int err = set_noexec(2);
	if (err == EROFS)
		SC_SKIP("vm.memfd_noexec cannot be written here (EROFS: "
			"/proc/sys is mounted read-only)");
	if (err)
		sc_fail_errno(SC_FILE, __LINE__,
			      "write of 2 to vm.memfd_noexec in the new pid "
			      "namespace",
			      err);
	check_noexec_is(2, "after writing 2 in the new namespace");
	sc_run(check_noexec_two_rules, NULL);
	if (unshare(CLONE_NEWPID) != 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "unshare(CLONE_NEWPID) inside the new namespace",
			      errno);
	sc_run(check_nested_namespace, NULL);
	/* Its own value may go back down to its parent's (the host's). */
	err = set_noexec((int)host);
	SC_CHECK(err == 0,
		 "writing %ld (the parent namespace's value) to "
		 "vm.memfd_noexec after 2: expected success, observed %s",
		 host, sc_errno_name(err));
	check_noexec_is(host, "after writing the parent's value back");
}

static void noexec_outer(void *arg)
{
	if (unshare(CLONE_NEWPID) != 0)
		SC_SKIP("unshare(CLONE_NEWPID) fails here (%s)",
			sc_errno_name(errno));
	sc_run(noexec_namespace_init, arg);
	check_noexec_is(*(const long *)arg,
			"in the parent namespace after the child namespace "
			"set 2");
}

/*
 * Detects: vm.memfd_noexec that is not per pid namespace (a container
 * setting it changes the host's), a nested namespace that goes below its
 * parent's value, or 2 that lets MFD_EXEC through.  The rule since 6.6
 * (mm/memfd.c, kernel/pid_sysctl.h): a new namespace starts with its
 * parent's value, the value in force is the higher of its own and its
 * parent's, a write below the parent's fails with EINVAL (down to it is
 * allowed), and 2 refuses MFD_EXEC (EACCES) while a memfd without flags
 * gets MFD_NOEXEC_SEAL.
 * 6.3 to 6.5 had another rule (2 refused every memfd without
 * MFD_NOEXEC_SEAL); before 6.3 there is no such sysctl.  The host's value
 * is read before and after, and must not change.
 */
SC_CASE(memfd_noexec_is_per_pid_namespace_and_cannot_be_lowered, EXT_MEMFD,
	SC_LINUX,
	"vm.memfd_noexec set to 2 in a new pid namespace: the parent's value "
	"stays, children and nested namespaces inherit 2, a nested one cannot "
	"go below it (EINVAL), MFD_EXEC fails with EACCES (6.6 and later)")
{
	long host = sc_sysctl_long("vm/memfd_noexec", -1);
	if (host < 0)
		SC_SKIP("no vm.memfd_noexec here (kernel %s; Linux 6.3)",
			sc_kernel_release());
	if (!sc_kernel_at_least(6, 6))
		SC_SKIP("kernel %s has the 6.3-6.5 rule of vm.memfd_noexec "
			"(2 refuses every memfd without MFD_NOEXEC_SEAL): this "
			"case checks the rule of 6.6 and later",
			sc_kernel_release());
	sc_priv_need_cap(SC_CAP_SYS_ADMIN,
			 "to make a pid namespace and set its "
			 "vm.memfd_noexec");
	/* proc_sys_permission: a /proc/sys file of the initial namespace
	 * gives its owner's bits only to the initial namespace's root (euid
	 * 0 there; capabilities do not count). */
	if (!sc_priv_initial_userns())
		SC_SKIP("in a user namespace: /proc/sys/vm/memfd_noexec "
			"belongs to the initial namespace's root, so no "
			"process here may write it (EACCES)");
	if (geteuid() != 0)
		SC_SKIP("euid %d: only root (euid 0) may write "
			"/proc/sys/vm/memfd_noexec, whatever the capabilities",
			(int)geteuid());
	sc_run(noexec_outer, &host);
	long after = sc_sysctl_long("vm/memfd_noexec", -1);
	if (after != host && host >= 0)
		set_noexec((int)host); /* the host's value back */
	SC_CHECK_EQ(after, host,
		    "the host's vm.memfd_noexec after the case (must never "
		    "change)");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, new_memfd_is_empty_and_shows_its_name);
	SC_ADD(tp, name_over_249_bytes_fails_with_einval);
	SC_ADD(tp, unknown_flag_fails_with_einval);
	SC_ADD(tp, mfd_cloexec_sets_fd_cloexec);
	SC_ADD(tp, without_allow_sealing_file_is_sealed_shut);
	SC_ADD(tp, seals_accumulate_until_seal_seal);
	SC_ADD(tp, seal_shrink_refuses_shrinking_ftruncate);
	SC_ADD(tp, seal_grow_refuses_growing);
	SC_ADD(tp, seal_grow_write_across_eof_stops_at_eof_page);
	SC_ADD(tp, seal_write_refused_with_ebusy_while_shared_mapping_exists);
	SC_ADD(tp, private_mapping_does_not_block_seal_write);
	SC_ADD(tp, seal_write_refuses_write_and_writable_shared_mapping);
	SC_ADD(tp, seal_write_read_only_shared_mapping_by_kernel_version);
	SC_ADD(tp, future_write_refuses_new_writers_keeps_existing_mapping);
	SC_ADD(tp, seals_belong_to_file_seen_by_dup_and_child);
	SC_ADD(tp, add_seals_needs_writable_descriptor);
	SC_ADD(tp, shared_mapping_and_proc_reopen_see_one_file);
	SC_ADD(tp, noexec_seal_makes_file_not_executable_for_good);
	SC_ADD(tp, tmpfs_file_is_born_with_seal_seal);
	SC_ADD(tp, lseek_moves_offset_and_dup_shares_content_and_offset);
	SC_ADD(tp, second_shared_mapping_sees_first_mappings_writes);
	SC_ADD(tp, other_process_opens_proc_fd_as_new_description_of_same_file);
	SC_ADD(tp, seal_write_refuses_hole_punch_allows_resize_and_empty_write);
	SC_ADD(tp,
	       future_write_holds_for_reopened_fd_private_mapping_still_writes);
	SC_ADD(tp, seal_shrink_refuses_open_with_o_trunc);
	SC_ADD(tp, seal_grow_refuses_fallocate_past_eof);
	SC_ADD(tp, mfd_exec_gives_mode_0777_by_kernel_version);
	SC_ADD(tp, memfd_noexec_is_per_pid_namespace_and_cannot_be_lowered);
	return atf_no_error();
}
