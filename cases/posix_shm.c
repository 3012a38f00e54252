/*
 * EXT-POSIX-SHM (beyond the tutorial): POSIX shared memory objects.
 * shm_open names an object (a file of /dev/shm on Linux), ftruncate sizes
 * it, mmap shares it, shm_unlink removes the name while the object lives on
 * for those that hold it.  Every name comes from sc_shm_name(), which puts
 * it in the case's ledger first: a name the case leaves (failure, timeout,
 * kill) is shm_unlink()ed by the cleanup or the next run's sweep.
 *
 * Also here, for tests/t-posix-leaks.sh only: a case that holds two names
 * and hangs until Kyua's timeout or a SIGKILL ends it, listed only when
 * SHMCONFORM_SELFTEST_HANG=<timeout seconds> is set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_priv.h"

/* shm_open that must succeed. */
static int must_open(const char *name, int oflag, mode_t mode)
{
	int fd = shm_open(name, oflag, mode);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "shm_open", errno);
	return fd;
}

/* A new object of size bytes holding the marks (sc_mark). */
static int new_object(const char *name, size_t size)
{
	int fd = must_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_OK(ftruncate(fd, (off_t)size));
	unsigned char *p =
	    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p, 0, size);
	SC_CHECK_OK(munmap(p, size));
	return fd;
}

/* Detects: a libc or kernel whose new object is not empty, or whose
 * descriptor leaks into exec'd programs (POSIX: FD_CLOEXEC is set). */
SC_CASE(new_object_is_empty_with_cloexec, EXT_POSIX_SHM, SC_POSIX,
	"shm_open(O_CREAT) makes an object of size 0 whose descriptor has "
	"FD_CLOEXEC set")
{
	int fd = must_open(sc_shm_name(), O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_EQ(sc_file_size(fd), 0, "st_size of a new shm object");
	int fl = fcntl(fd, F_GETFD);
	SC_CHECK_OK(fl);
	SC_CHECK_EQ(
	    fl & FD_CLOEXEC, FD_CLOEXEC,
	    "FD_CLOEXEC in F_GETFD of the descriptor shm_open returned");
	SC_CHECK_OK(close(fd));
}

/* Detects: an object whose size ftruncate does not set, or whose new bytes
 * are not zeros (stale memory handed out). */
SC_CASE(ftruncate_sizes_object_with_zeros, EXT_POSIX_SHM, SC_POSIX,
	"ftruncate gives a new object its size, and its bytes read as zeros")
{
	size_t len = 3 * sc_page_size() + 100;
	int fd = must_open(sc_shm_name(), O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_OK(ftruncate(fd, (off_t)len));
	SC_CHECK_EQ(sc_file_size(fd), len, "st_size after ftruncate");
	const unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, len,
		     "the bytes of a new object after ftruncate");
	SC_CHECK_OK(munmap((void *)p, len));
	SC_CHECK_OK(close(fd));
}

struct named {
	const char *name;
	size_t len;
};

static void open_by_name_and_write(void *arg)
{
	const struct named *n = arg;
	int fd = shm_open(n->name, O_RDWR, 0);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "shm_open of the name in another process", errno);
	unsigned char *p =
	    mmap(NULL, n->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	memset(p, 0, n->len);
}

/* Detects: names that are private to a process (each opener its own
 * object), or MAP_SHARED mappings of one object that do not share. */
SC_CASE(same_name_is_same_object_in_other_process, EXT_POSIX_SHM, SC_POSIX,
	"Another process that opens the same name maps the same object: its "
	"writes show in this process's mapping")
{
	struct named n = {sc_shm_name(), 2 * sc_page_size()};
	int fd = new_object(n.name, n.len);
	const unsigned char *p =
	    mmap(NULL, n.len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	sc_run(open_by_name_and_write, &n);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, n.len,
		     "this process's mapping after another process zeroed the "
		     "object it opened by the same name");
	SC_CHECK_OK(munmap((void *)p, n.len));
	SC_CHECK_OK(close(fd));
}

/* Records glibc's reading of a name without its leading slash (POSIX
 * leaves it implementation-defined; FreeBSD refuses it).  Detects: a C
 * library that makes "name" and "/name" two objects, or refuses one. */
SC_CASE(name_without_leading_slash_is_same_object, EXT_POSIX_SHM, SC_OBSERVED,
	"A name without its leading slash opens the same object as the name "
	"with it")
{
	const char *name = sc_shm_name();
	size_t len = sc_page_size();
	int fd = new_object(name, len);
	int fd2 = shm_open(name + 1, O_RDWR, 0);
	if (fd2 < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "shm_open of the name without its slash", errno);
	struct stat a, b;
	SC_CHECK_OK(fstat(fd, &a));
	SC_CHECK_OK(fstat(fd2, &b));
	SC_CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		 "\"%s\" and \"%s\": expected one object, observed inodes %lu "
		 "and %lu",
		 name, name + 1, (unsigned long)a.st_ino,
		 (unsigned long)b.st_ino);
	SC_CHECK_OK(close(fd2));
	SC_CHECK_OK(close(fd));
}

/* Records glibc's rule for a slash inside a name (POSIX leaves names with
 * further slashes implementation-defined).  Detects: a name with an inner
 * slash accepted (an object made outside /dev/shm's flat name space). */
SC_CASE(slash_inside_name_fails_with_einval, EXT_POSIX_SHM, SC_OBSERVED,
	"A name with a slash after the first fails with EINVAL")
{
	char name[NAME_MAX + 2];
	snprintf(name, sizeof name, "%s/x", sc_shm_name());
	SC_CHECK_ERRNO(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EINVAL);
}

/* Detects: O_EXCL ignored: a second creator would get the first one's
 * object and take it for new. */
SC_CASE(creat_excl_on_existing_name_fails_with_eexist, EXT_POSIX_SHM, SC_POSIX,
	"shm_open(O_CREAT|O_EXCL) of a name that exists fails with EEXIST")
{
	const char *name = sc_shm_name();
	int fd = must_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_ERRNO(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	SC_CHECK_OK(close(fd));
}

/* Detects: an open without O_CREAT that makes the object anyway. */
SC_CASE(missing_name_without_creat_fails_with_enoent, EXT_POSIX_SHM, SC_POSIX,
	"shm_open of a name that does not exist, without O_CREAT, fails with "
	"ENOENT")
{
	SC_CHECK_ERRNO(shm_open(sc_shm_name(), O_RDWR, 0), ENOENT);
}

/* Detects: shm_unlink that reports success for a name that is not there. */
SC_CASE(unlink_of_missing_name_fails_with_enoent, EXT_POSIX_SHM, SC_POSIX,
	"shm_unlink of a name that does not exist fails with ENOENT")
{
	SC_CHECK_ERRNO(shm_unlink(sc_shm_name()), ENOENT);
}

/* Detects: a name longer than NAME_MAX silently cut to fit (two long names
 * with one prefix would then be one object). */
SC_CASE(name_longer_than_name_max_fails_with_enametoolong, EXT_POSIX_SHM,
	SC_POSIX,
	"shm_open and shm_unlink of a name longer than NAME_MAX fail with "
	"ENAMETOOLONG")
{
	char name[NAME_MAX + 3];
	int n = snprintf(name, sizeof name, "%s", sc_shm_name());
	memset(name + n, 'x', sizeof name - 1 - (size_t)n);
	name[sizeof name - 1] = '\0'; /* "/" + NAME_MAX + 1 characters */
	SC_CHECK_ERRNO(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600),
		       ENAMETOOLONG);
	SC_CHECK_ERRNO(shm_unlink(name), ENAMETOOLONG);
}

/* Detects: a creation mode that is not masked by the umask (an object
 * more open than its creator allows). */
SC_CASE(new_object_mode_is_masked_by_umask, EXT_POSIX_SHM, SC_POSIX,
	"A new object's mode is the mode asked for less the umask; its owner "
	"and group are the caller's effective ids")
{
	mode_t old = umask(022);
	int fd = shm_open(sc_shm_name(), O_RDWR | O_CREAT | O_EXCL, 0666);
	int err = errno;
	umask(old);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "shm_open", err);
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_mode & 07777, 0644,
		    "mode of an object created with 0666 under umask 022 "
		    "(octal 0644 = 420)");
	SC_CHECK_EQ(sb.st_uid, geteuid(), "st_uid of the new object");
	SC_CHECK_EQ(sb.st_gid, getegid(), "st_gid of the new object");
	SC_CHECK_OK(close(fd));
}

static void open_read_only_object(void *arg)
{
	const char *name = arg;
	struct sc_priv_user u;
	if (sc_priv_can_switch()) {
		sc_priv_target(&u);
		sc_priv_drop(&u);
	} else if (sc_priv_has_cap(1 /* CAP_DAC_OVERRIDE */)) {
		SC_SKIP("CAP_DAC_OVERRIDE without the right to switch users: "
			"no process here lacks the permission");
	}
	SC_CHECK_ERRNO(shm_open(name, O_RDWR, 0), EACCES);
	SC_CHECK_ERRNO(shm_open(name, O_RDONLY | O_TRUNC, 0), EACCES);
	int fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "shm_open(O_RDONLY) of a mode 0444 object",
			      errno);
	SC_CHECK_OK(close(fd));
}

/* Detects: a mode that is not enforced: a process without write permission
 * opens the object for writing. */
SC_CASE(mode_denies_write_open_with_eacces, EXT_POSIX_SHM, SC_POSIX,
	"shm_open(O_RDWR), and O_RDONLY|O_TRUNC, of a mode 0444 object fail "
	"with EACCES for an unprivileged process; O_RDONLY succeeds")
{
	const char *name = sc_shm_name();
	mode_t old = umask(0);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0444);
	int err = errno;
	umask(old);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__, "shm_open", err);
	sc_run(open_read_only_object, (void *)name);
	SC_CHECK_OK(close(fd));
}

/* Detects: an O_RDWR open that is refused (or read-only) because the mode
 * it creates with has no write bit (POSIX: the mode applies to later
 * opens, not to the creating one). */
SC_CASE(creating_open_is_writable_whatever_its_mode, EXT_POSIX_SHM, SC_POSIX,
	"shm_open(O_RDWR|O_CREAT) with mode 0 gives a descriptor that writes")
{
	int fd = must_open(sc_shm_name(), O_RDWR | O_CREAT | O_EXCL, 0);
	char c = 'w';
	ssize_t n = write(fd, &c, 1);
	if (n < 0)
		sc_fail_errno(SC_FILE, __LINE__, "write to a mode-0 object",
			      errno);
	SC_CHECK_EQ(n, 1, "bytes written to the object created with mode 0");
	SC_CHECK_OK(close(fd));
}

/* Detects: an O_RDONLY descriptor that lets a shared mapping write the
 * object. */
SC_CASE(read_only_descriptor_refuses_shared_write_mapping, EXT_POSIX_SHM,
	SC_POSIX,
	"PROT_WRITE with MAP_SHARED on an object opened O_RDONLY fails with "
	"EACCES, and ftruncate through it fails")
{
	const char *name = sc_shm_name();
	size_t len = sc_page_size();
	int fd = new_object(name, len);
	int ro = must_open(name, O_RDONLY, 0);
	SC_CHECK_MAP_ERRNO(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0,
			   EACCES);
	/* Nor can it resize the object (POSIX: EBADF or EINVAL; Linux
	 * EINVAL). */
	errno = 0;
	int rv = ftruncate(ro, (off_t)(2 * len));
	SC_CHECK(rv == -1 && (errno == EINVAL || errno == EBADF),
		 "ftruncate through the O_RDONLY descriptor: expected EINVAL "
		 "or EBADF, observed %s",
		 rv == 0 ? "success" : sc_errno_name(errno));
	SC_CHECK_OK(close(ro));
	SC_CHECK_OK(close(fd));
}

/* Detects: O_TRUNC ignored on an existing object. */
SC_CASE(o_trunc_empties_existing_object, EXT_POSIX_SHM, SC_POSIX,
	"shm_open(O_RDWR|O_TRUNC) of an existing object truncates it to 0 and "
	"keeps its mode and owner")
{
	const char *name = sc_shm_name();
	int fd = new_object(name, 2 * sc_page_size());
	SC_CHECK_OK(fchmod(fd, 0640));
	int fd2 = must_open(name, O_RDWR | O_TRUNC, 0);
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_size, 0, "st_size after shm_open(O_TRUNC)");
	SC_CHECK_EQ(sb.st_mode & 07777, 0640,
		    "mode after shm_open(O_TRUNC) (kept: octal 0640 = 416)");
	SC_CHECK_EQ(sb.st_uid, geteuid(), "owner after shm_open(O_TRUNC)");
	SC_CHECK_OK(close(fd2));
	SC_CHECK_OK(close(fd));
}

/* Detects: an object destroyed (or emptied) with its last descriptor: POSIX
 * keeps it, with its data, until shm_unlink. */
SC_CASE(object_and_data_persist_after_last_close, EXT_POSIX_SHM, SC_POSIX,
	"After every descriptor and mapping is gone, reopening the name finds "
	"the object and its data")
{
	const char *name = sc_shm_name();
	size_t len = 2 * sc_page_size();
	SC_CHECK_OK(close(new_object(name, len)));
	int fd = must_open(name, O_RDONLY, 0);
	SC_CHECK_EQ(sc_file_size(fd), len, "st_size of the reopened object");
	const unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), len,
		     "the reopened object's bytes (written before the last "
		     "close)");
	SC_CHECK_OK(munmap((void *)p, len));
	SC_CHECK_OK(close(fd));
}

/* Detects: shm_unlink that leaves the name (a later open still finds it) or
 * that takes the object from those still using it. */
SC_CASE(unlink_removes_name_at_once_mapping_keeps_data, EXT_POSIX_SHM, SC_POSIX,
	"After shm_unlink the name is gone at once, while an existing mapping "
	"keeps the object's data and still writes it")
{
	const char *name = sc_shm_name();
	size_t len = sc_page_size();
	int fd = new_object(name, len);
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(close(fd));
	SC_CHECK_OK(shm_unlink(name));
	SC_CHECK_ERRNO(shm_open(name, O_RDWR, 0), ENOENT);
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), len,
		     "the mapping's bytes after shm_unlink of its name");
	p[0] = 0;
	SC_CHECK_EQ(p[0], 0,
		    "byte 0 written through the mapping after "
		    "shm_unlink");
	SC_CHECK_OK(munmap(p, len));
}

/* Detects: a name that cannot be used again after shm_unlink while the old
 * object is still mapped, or that opens the old object. */
SC_CASE(name_after_unlink_makes_new_separate_object, EXT_POSIX_SHM, SC_POSIX,
	"After shm_unlink, shm_open(O_CREAT|O_EXCL) of the name makes a new, "
	"empty object, separate from the old one still mapped")
{
	const char *name = sc_shm_name();
	size_t len = sc_page_size();
	int fd = new_object(name, len);
	const unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(shm_unlink(name));
	int fd2 = must_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_EQ(sc_file_size(fd2), 0, "st_size of the new object");
	SC_CHECK_OK(ftruncate(fd2, (off_t)len));
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), len,
		     "the old object's mapping after a new object took its "
		     "name");
	SC_CHECK_OK(munmap((void *)p, len));
	SC_CHECK_OK(close(fd2));
	SC_CHECK_OK(close(fd));
}

static void open_lowest(void *arg)
{
	const char *name = arg;
	int a, b;
	SC_CHECK_OK(a = open("/dev/null", O_RDONLY | O_CLOEXEC));
	SC_CHECK_OK(b = open("/dev/null", O_RDONLY | O_CLOEXEC));
	SC_CHECK_OK(close(a));
	int fd = must_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	SC_CHECK_EQ(fd, a,
		    "descriptor shm_open returned (the lowest free one "
		    "is the one just closed)");
	SC_CHECK_OK(close(b));
}

/* Detects: a shm_open whose descriptor is not the lowest free one (POSIX
 * requires it, as for open). */
SC_CASE(descriptor_is_lowest_free_one, EXT_POSIX_SHM, SC_POSIX,
	"shm_open returns the lowest-numbered descriptor not open")
{
	sc_run(open_lowest, (void *)sc_shm_name());
}

static void open_without_descriptors(void *arg)
{
	const char *name = arg;
	if (sc_running_on_valgrind())
		SC_SKIP("under valgrind: it keeps descriptors of its own above "
			"the limit and refuses a lower RLIMIT_NOFILE (EPERM)");
	struct rlimit rl = {16, 16};
	SC_CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	int fd, last = -1;
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		last = fd;
	SC_CHECK(errno == EMFILE && last >= 0,
		 "filling the descriptor table: expected EMFILE, observed %s",
		 sc_errno_name(errno));
	SC_CHECK_ERRNO(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EMFILE);
}

/* Detects: a shm_open that goes past RLIMIT_NOFILE or fails with another
 * errno when the process has no free descriptor. */
SC_CASE(no_free_descriptor_fails_with_emfile, EXT_POSIX_SHM, SC_POSIX,
	"shm_open in a process with no free descriptor fails with EMFILE")
{
	sc_run(open_without_descriptors, (void *)sc_shm_name());
}

struct cut {
	unsigned char *p;
	size_t page;
};

static void touch_cut_page(void *arg)
{
	const struct cut *c = arg;
	(void)*(volatile unsigned char *)(c->p + c->page);
}

/* Detects: an object that keeps serving the pages ftruncate cut off (or
 * hands out the old data when it grows back). */
SC_CASE(shrinking_object_under_mapping_cuts_pages, EXT_POSIX_SHM, SC_POSIX,
	"Shrinking a mapped object makes its cut pages raise SIGBUS; growing "
	"it back shows zeros there")
{
	size_t page = sc_page_size();
	const char *name = sc_shm_name();
	int fd = new_object(name, 2 * page);
	unsigned char *p =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_OK(ftruncate(fd, (off_t)page));
	struct cut c = {p, page};
	sc_expect_signal(touch_cut_page, &c, SIGBUS,
			 "read of the object's second page after ftruncate "
			 "to one page");
	SC_CHECK_OK(ftruncate(fd, (off_t)(2 * page)));
	SC_CHECK_MEM(p + page, SC_WANT_ZEROS, page,
		     "the second page after shrinking to one page and growing "
		     "back");
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), page,
		     "the first page, kept by both ftruncates");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: posix_fallocate taken as a resize: it may only grow an object,
 * never shrink it. */
SC_CASE(posix_fallocate_grows_object_never_shrinks_it, EXT_POSIX_SHM, SC_POSIX,
	"posix_fallocate of two pages grows an empty object to two pages; "
	"posix_fallocate of one page then leaves it at two")
{
	size_t page = sc_page_size();
	int fd = must_open(sc_shm_name(), O_RDWR | O_CREAT | O_EXCL, 0600);
	int err = posix_fallocate(fd, 0, (off_t)(2 * page));
	if (err == EOPNOTSUPP)
		SC_SKIP("posix_fallocate is not supported on /dev/shm here");
	SC_CHECK(err == 0, "posix_fallocate of two pages: %s",
		 sc_errno_name(err));
	SC_CHECK_EQ(sc_file_size(fd), 2 * page,
		    "st_size after posix_fallocate of two pages");
	err = posix_fallocate(fd, 0, (off_t)page);
	SC_CHECK(err == 0, "posix_fallocate of one page: %s",
		 sc_errno_name(err));
	SC_CHECK_EQ(
	    sc_file_size(fd), 2 * page,
	    "st_size after posix_fallocate of one page (never shrinks)");
	SC_CHECK_OK(close(fd));
}

static const char *hang_seconds(void)
{
	const char *s = getenv("SHMCONFORM_SELFTEST_HANG");
	return s && atoi(s) > 0 ? s : NULL;
}

ATF_TC_WITH_CLEANUP(selftest_hang_holding_names);
ATF_TC_HEAD(selftest_hang_holding_names, tc)
{
	sc_head(
	    tc, SC_CLAIM_EXT_POSIX_SHM, SC_OBSERVED,
	    "Self-test only (SHMCONFORM_SELFTEST_HANG): holds two POSIX shm "
	    "names and hangs until its timeout; its cleanup must remove "
	    "them",
	    false);
	atf_tc_set_md_var(tc, "timeout", "%s", hang_seconds());
}
ATF_TC_CLEANUP(selftest_hang_holding_names, tc)
{
	sc_cleanup_case(tc);
}
ATF_TC_BODY(selftest_hang_holding_names, tc)
{
	sc_begin(tc, "selftest_hang_holding_names", SC_CLAIM_EXT_POSIX_SHM,
		 SC_OBSERVED);
	for (int i = 0; i < 2; i++) {
		const char *name = sc_shm_name();
		SC_CHECK_OK(close(new_object(name, sc_page_size())));
		printf("selftest: holding %s\n", name);
	}
	fflush(stdout);
	/* Bounded even without Kyua: three times the timeout. */
	sleep((unsigned)atoi(hang_seconds()) * 3);
	SC_FAIL("self-test case was not ended by its %s s timeout",
		hang_seconds());
}

#define RACERS 4

struct racer {
	const char *name;
	struct sc_event *start;
	struct sc_chan result; /* int[2]: fd >= 0, errno */
};

static void race_to_create(void *arg)
{
	struct racer *r = arg;
	sc_event_wait(r->start, 0, "the start of the race");
	errno = 0;
	int fd = shm_open(r->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	int res[2] = {fd >= 0, errno};
	sc_chan_send(&r->result, res, sizeof res);
	if (fd >= 0)
		SC_CHECK_OK(close(fd));
}

/* Detects: a check-and-create that is not atomic: two racing creators
 * both told they made the object (each then takes it for its own). */
SC_CASE(creat_excl_race_has_exactly_one_winner, EXT_POSIX_SHM, SC_POSIX,
	"Four processes started together calling shm_open(O_CREAT|O_EXCL) "
	"on one name: exactly one succeeds, the others fail with EEXIST")
{
	const char *name = sc_shm_name();
	struct sc_event start;
	sc_event_init(&start);
	struct racer r[RACERS];
	pid_t pid[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){name, &start, {{-1, -1}}};
		sc_chan_init(&r[i].result);
		pid[i] = sc_spawn(race_to_create, &r[i]);
	}
	for (int i = 0; i < RACERS; i++)
		sc_event_post(&start);
	int winners = 0;
	for (int i = 0; i < RACERS; i++) {
		int res[2];
		sc_chan_recv(&r[i].result, pid[i], res, sizeof res,
			     "a racer's shm_open result");
		if (res[0])
			winners++;
		else
			SC_CHECK(res[1] == EEXIST,
				 "racer %d's shm_open(O_CREAT|O_EXCL): "
				 "expected success or EEXIST, observed %s",
				 i, sc_errno_name(res[1]));
	}
	for (int i = 0; i < RACERS; i++) {
		sc_wait_ok(pid[i]);
		sc_chan_close(&r[i].result);
	}
	sc_event_close(&start);
	SC_CHECK_EQ(winners, 1,
		    "racers whose shm_open(O_CREAT|O_EXCL) succeeded (of 4)");
}

struct unlinker {
	const char *name;
	struct sc_priv_user u; /* not the object's owner */
};

static void unlink_as_other_user(void *arg)
{
	const char *name = ((const struct unlinker *)arg)->name;
	struct sc_priv_user u = ((const struct unlinker *)arg)->u;
	sc_priv_drop(&u);
	errno = 0;
	int rv = shm_unlink(name);
	int err = errno;
	SC_CHECK(rv == -1 && err == EACCES,
		 "shm_unlink of another user's object in sticky /dev/shm by "
		 "%s (uid %ld): expected EACCES (POSIX; the kernel's unlink "
		 "says EPERM, which glibc's shm_unlink reports as EACCES), "
		 "observed %s",
		 u.name, (long)u.uid, rv == 0 ? "success" : sc_errno_name(err));
}

/* Detects: the sticky bit of /dev/shm not enforced, so that any user may
 * remove another's object (the kernel refuses: EPERM from fs/namei.c
 * may_delete, which glibc's shm_unlink turns into POSIX's EACCES), or a
 * refused shm_unlink that still takes the object or its data. */
SC_CASE(unlink_of_other_users_object_fails_with_eacces, EXT_POSIX_SHM, SC_POSIX,
	"shm_unlink by an unprivileged user of another user's object (mode "
	"0666) in sticky /dev/shm fails with EACCES; the object stays")
{
	struct stat dir;
	if (stat("/dev/shm", &dir) != 0 || !(dir.st_mode & S_ISVTX))
		SC_SKIP("/dev/shm is not a sticky directory here");
	struct unlinker un;
	sc_priv_other_user(&un.u, "the object's owner must be another user "
				  "than the one that unlinks it");
	const char *name = sc_shm_name();
	un.name = name;
	size_t len = sc_page_size();
	int fd = new_object(name, len);
	SC_CHECK_OK(fchmod(fd, 0666));
	sc_run(unlink_as_other_user, &un);
	int again = must_open(name, O_RDONLY, 0);
	struct stat a, b;
	SC_CHECK_OK(fstat(fd, &a));
	SC_CHECK_OK(fstat(again, &b));
	SC_CHECK(a.st_ino == b.st_ino,
		 "the name after the refused shm_unlink: expected the same "
		 "object (inode %lu), observed inode %lu",
		 (unsigned long)a.st_ino, (unsigned long)b.st_ino);
	const unsigned char *p =
	    mmap(NULL, len, PROT_READ, MAP_SHARED, again, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), len,
		     "the object's bytes after the refused shm_unlink");
	SC_CHECK_OK(munmap((void *)p, len));
	SC_CHECK_OK(close(again));
	SC_CHECK_OK(close(fd));
}

static void map_by_name_and_check(void *arg)
{
	const struct named *n = arg;
	int fd = shm_open(n->name, O_RDONLY, 0);
	if (fd < 0)
		sc_fail_errno(SC_FILE, __LINE__,
			      "shm_open of the name in the child", errno);
	const unsigned char *p =
	    mmap(NULL, n->len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), n->len,
		     "the child's shared mapping of the object after the "
		     "parent zeroed its MAP_PRIVATE mapping");
}

/* Detects: a MAP_PRIVATE mapping of a shm object whose writes reach the
 * object (another process mapping it sees them). */
SC_CASE(private_mapping_writes_invisible_to_child_mapping_object, EXT_POSIX_SHM,
	SC_POSIX,
	"Writes through a MAP_PRIVATE mapping of a shm_open object do not "
	"show in a child's MAP_SHARED mapping of it, nor in read(2)")
{
	struct named n = {sc_shm_name(), 2 * sc_page_size()};
	int fd = new_object(n.name, n.len);
	unsigned char *p =
	    mmap(NULL, n.len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	memset(p, 0, n.len);
	sc_run(map_by_name_and_check, &n);
	unsigned char b;
	sc_pread_all(fd, &b, 1, n.len - 1);
	SC_CHECK_EQ(b, sc_mark(n.len - 1),
		    "the object's last byte by read(2) after the private "
		    "write");
	SC_CHECK_MEM(p, SC_WANT_ZEROS, n.len,
		     "the private mapping (its own copy, zeroed)");
	SC_CHECK_OK(munmap(p, n.len));
	SC_CHECK_OK(close(fd));
}

static void touch_page_past_end(void *arg)
{
	const struct cut *c = arg;
	(void)*(volatile unsigned char *)(c->p + 2 * c->page);
}

/* Detects: a shm object's last page that shows stale bytes past its end,
 * stores what is written there in the object (its size or read(2) after
 * munmap), or whole pages past the end that do not raise SIGBUS. */
SC_CASE(partial_last_page_reads_zeros_keeps_writes_out_then_sigbus,
	EXT_POSIX_SHM, SC_POSIX,
	"In a 3-page mapping of a shm_open object of 1.5 pages, the rest of "
	"page 2 reads zeros, writes there change neither the size nor "
	"read(2) (also after munmap), page 3 raises SIGBUS")
{
	size_t page = sc_page_size(), size = page + page / 2;
	int fd = new_object(sc_shm_name(), size);
	unsigned char *p =
	    mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p + size, SC_WANT_ZEROS, 2 * page - size,
		     "the bytes past the end in the object's last page");
	memset(p + size, 0x5a, 2 * page - size);
	struct cut c = {p, page};
	sc_expect_signal(touch_page_past_end, &c, SIGBUS,
			 "read of page 3, wholly past the end of the object");
	SC_CHECK_OK(munmap(p, 3 * page));
	SC_CHECK_EQ(sc_file_size(fd), size,
		    "st_size after writing past the end through the mapping "
		    "and munmap");
	unsigned char b;
	SC_CHECK_EQ(pread(fd, &b, 1, (off_t)size), 0,
		    "bytes read(2) at the end after writing past it");
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, new_object_is_empty_with_cloexec);
	SC_ADD(tp, ftruncate_sizes_object_with_zeros);
	SC_ADD(tp, same_name_is_same_object_in_other_process);
	SC_ADD(tp, name_without_leading_slash_is_same_object);
	SC_ADD(tp, slash_inside_name_fails_with_einval);
	SC_ADD(tp, creat_excl_on_existing_name_fails_with_eexist);
	SC_ADD(tp, missing_name_without_creat_fails_with_enoent);
	SC_ADD(tp, unlink_of_missing_name_fails_with_enoent);
	SC_ADD(tp, name_longer_than_name_max_fails_with_enametoolong);
	SC_ADD(tp, new_object_mode_is_masked_by_umask);
	SC_ADD(tp, mode_denies_write_open_with_eacces);
	SC_ADD(tp, creating_open_is_writable_whatever_its_mode);
	SC_ADD(tp, read_only_descriptor_refuses_shared_write_mapping);
	SC_ADD(tp, o_trunc_empties_existing_object);
	SC_ADD(tp, object_and_data_persist_after_last_close);
	SC_ADD(tp, unlink_removes_name_at_once_mapping_keeps_data);
	SC_ADD(tp, name_after_unlink_makes_new_separate_object);
	SC_ADD(tp, descriptor_is_lowest_free_one);
	SC_ADD(tp, no_free_descriptor_fails_with_emfile);
	SC_ADD(tp, shrinking_object_under_mapping_cuts_pages);
	SC_ADD(tp, posix_fallocate_grows_object_never_shrinks_it);
	SC_ADD(tp, creat_excl_race_has_exactly_one_winner);
	SC_ADD(tp, unlink_of_other_users_object_fails_with_eacces);
	SC_ADD(tp, private_mapping_writes_invisible_to_child_mapping_object);
	SC_ADD(tp, partial_last_page_reads_zeros_keeps_writes_out_then_sigbus);
	if (hang_seconds())
		SC_ADD(tp, selftest_hang_holding_names);
	return atf_no_error();
}
