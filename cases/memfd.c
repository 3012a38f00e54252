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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_ext.h"
#include "sc_mapcheck.h"
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

/* Detects: a memfd that is not a new empty file, or whose /proc/self/fd
 * link does not carry the name (how tools such as lsof show it). */
SC_CASE(new_memfd_is_empty_and_shows_its_name, EXT_MEMFD, SC_LINUX,
	"A new memfd has size 0 and /proc/self/fd shows it as "
	"\"/memfd:NAME (deleted)\"")
{
	int fd = new_memfd("sc-name", MFD_CLOEXEC);
	SC_CHECK_EQ(sc_file_size(fd), 0, "st_size of a new memfd");
	char path[64], link[PATH_MAX];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
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
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0 &&
	    errno == EINVAL && !sc_kernel_at_least(5, 1))
		SC_SKIP("kernel %s has no F_SEAL_FUTURE_WRITE (Linux 5.1)",
			sc_kernel_release());
	SC_CHECK(get_seals(fd) & F_SEAL_FUTURE_WRITE,
		 "F_SEAL_FUTURE_WRITE in F_GET_SEALS after adding it: "
		 "expected set, observed seals %#x",
		 (unsigned)get_seals(fd));
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
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int ro = sc_open_path(path, O_RDONLY);
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
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int again = sc_open_path(path, O_RDWR);
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
	return atf_no_error();
}
