/*
 * Faults of the file-mapping coverage cases: /dev/zero (the library's open
 * and open64 ask fm_open_dev_zero: the faults give an ordinary file, a
 * memfd, in its place) and
 * read(2)/write(2) given a mapping as their buffer (read and write are
 * interposed; with any other fault, or none, they pass straight through).
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
} fy_real;

static void fy_init(void)
{
	fm_init();
	if (fy_real.read)
		return;
	*(void **)&fy_real.write = dlsym(RTLD_NEXT, "write");
	*(void **)&fy_real.read = dlsym(RTLD_NEXT, "read");
}

/* ---- /dev/zero as an ordinary file ------------------------------------- */

#define FY_ZERO_PAGES 64

/* A memfd standing for /dev/zero: a new one holding 0xA5 bytes
 * (dev_zero_not_zeroed), or one for the whole process, zeroed
 * (dev_zero_shared_between_mappings); -1 when neither fault is active. */
static int fy_fake_zero(int flags)
{
	static int shared = -1;
	size_t len = FY_ZERO_PAGES * fm_page();
	int cloexec = (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0;
	if (fm_fault == F_dev_zero_shared_between_mappings) {
		if (shared < 0) {
			shared = memfd_create("shmconform-fault-zero", 0);
			if (shared >= 0 && ftruncate(shared, (off_t)len) != 0)
				return -1;
		}
		return shared < 0
			   ? -1
			   : fcntl(shared, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD,
				   0);
	}
	if (fm_fault != F_dev_zero_not_zeroed)
		return -1;
	int fd = memfd_create("shmconform-fault-zero", (unsigned)cloexec);
	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		return -1;
	static unsigned char junk[4096];
	fm_fill(junk, 0xA5, sizeof junk);
	for (off_t off = 0; off < (off_t)len; off += (off_t)sizeof junk)
		if (!fm_pwrite_all(fd, junk, sizeof junk, off))
			return -1;
	return fd;
}

/* open(2) of /dev/zero under the /dev/zero faults: a fake (the one open
 * and open64 of the library, in faults_memfd2.c, ask here first). */
int fm_open_dev_zero(const char *path, int flags)
{
	fy_init();
	if (path && strcmp(path, "/dev/zero") == 0)
		return fy_fake_zero(flags);
	return -1;
}

/* ---- read(2) and write(2) ---------------------------------------------- */

/* buf lies in a tracked mapping of the file fd is open on. */
static bool fy_own_mapping(int fd, const void *buf)
{
	const struct fm_map *m = fm_find(buf);
	struct stat sb;
	return m && m->kind == FM_FILE && fstat(fd, &sb) == 0 &&
	       sb.st_dev == m->dev && sb.st_ino == m->ino;
}

static bool fy_is_socket(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* socket_write_loans_pages: the last write to a socket from a mapping,
 * and how much of it the peer has read. */
static struct {
	const unsigned char *buf;
	size_t len, taken;
} fy_loan;

ssize_t write(int fd, const void *buf, size_t count)
{
	fy_init();
	if (fm_fault == F_rw_into_own_mapping_refused &&
	    fy_own_mapping(fd, buf)) {
		errno = EFAULT;
		return -1;
	}
	ssize_t n = fy_real.write(fd, buf, count);
	if (fm_fault == F_socket_write_loans_pages && n > 0 && fm_find(buf) &&
	    fy_is_socket(fd)) {
		fy_loan.buf = buf;
		fy_loan.len = (size_t)n;
		fy_loan.taken = 0;
	}
	return n;
}

ssize_t read(int fd, void *buf, size_t count)
{
	fy_init();
	fm_c3_read_start();
	if (fm_fault == F_rw_into_own_mapping_refused &&
	    fy_own_mapping(fd, buf)) {
		errno = EFAULT;
		return -1;
	}
	ssize_t n = fy_real.read(fd, buf, count);
	if (fm_fault == F_socket_write_loans_pages && n > 0 && fy_loan.buf &&
	    fy_is_socket(fd)) {
		/* the bytes come from the lent pages as they are now */
		size_t k = (size_t)n;
		if (k > fy_loan.len - fy_loan.taken)
			k = fy_loan.len - fy_loan.taken;
		fm_copy(buf, fy_loan.buf + fy_loan.taken, k);
		fy_loan.taken += k;
		if (fy_loan.taken == fy_loan.len)
			fy_loan.buf = NULL;
	}
	return n;
}
