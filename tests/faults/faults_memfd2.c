/*
 * Faults of the memfd2 coverage cases: memfd descriptors (dup, reopening
 * /proc/PID/fd/N, open with O_TRUNC), fallocate under seals, MFD_EXEC's
 * mode, vm.memfd_noexec in a pid namespace, and shm_unlink in sticky
 * /dev/shm.  dup, open, fallocate and fstat are interposed here; the
 * shm_unlink of faults_ext2.c calls fm_m2_shm_unlink first.
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
	int (*dup)(int);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*fallocate)(int, int, off_t, off_t);
	int (*fallocate64)(int, int, off_t, off_t);
	int (*fstat)(int, struct stat *);
	int (*fstat64)(int, struct stat64 *);
} m2_real;

static void m2_init(void)
{
	fm_init();
	if (m2_real.open)
		return;
	*(void **)&m2_real.dup = dlsym(RTLD_NEXT, "dup");
	*(void **)&m2_real.open = dlsym(RTLD_NEXT, "open");
	*(void **)&m2_real.open64 = dlsym(RTLD_NEXT, "open64");
	*(void **)&m2_real.fallocate = dlsym(RTLD_NEXT, "fallocate");
	*(void **)&m2_real.fallocate64 = dlsym(RTLD_NEXT, "fallocate64");
	*(void **)&m2_real.fstat = dlsym(RTLD_NEXT, "fstat");
	*(void **)&m2_real.fstat64 = dlsym(RTLD_NEXT, "fstat64");
}

/* Does descriptor fd point to a path starting with prefix? */
static bool m2_fd_starts(int fd, const char *prefix)
{
	char proc[64], link[256];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, link, sizeof link - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strncmp(link, prefix, strlen(prefix)) == 0;
}

static bool m2_is_memfd(int fd)
{
	return m2_fd_starts(fd, "/memfd:");
}

int dup(int fd)
{
	m2_init();
	if (fm_fault == F_memfd_dup_is_new_open && m2_is_memfd(fd)) {
		/* a new open file description: its own offset */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		return m2_real.open(proc, O_RDWR);
	}
	return m2_real.dup(fd);
}

static int m2_open(int (*real)(const char *, int, ...), const char *path,
		   int flags, mode_t mode)
{
	int pid, n, end = 0;
	int zero = fm_open_dev_zero(path, flags);
	if (zero >= 0)
		return zero;
	if (fm_fault == F_memfd_proc_open_shares_offset &&
	    sscanf(path, "/proc/%d/fd/%d%n", &pid, &n, &end) == 2 &&
	    path[end] == '\0' && m2_is_memfd(n))
		/* the inherited descriptor itself: the owner's offset */
		return m2_real.dup(n);
	if (fm_fault == F_memfd_noexec_write_ignored &&
	    strcmp(path, "/proc/sys/vm/memfd_noexec") == 0 &&
	    (flags & O_ACCMODE) != O_RDONLY)
		return real("/dev/null", flags & ~O_TRUNC, mode);
	int fd = real(path, flags, mode);
	if (fd < 0 && errno == EPERM && (flags & O_TRUNC) &&
	    fm_fault == F_memfd_trunc_open_ignores_shrink_seal)
		return real(path, flags & ~O_TRUNC, mode);
	return fd;
}

int open(const char *path, int flags, ...)
{
	m2_init();
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return m2_open(m2_real.open, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	m2_init();
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return m2_open(m2_real.open64, path, flags, mode);
}

static int m2_fallocate(int (*real)(int, int, off_t, off_t), int fd, int mode,
			off_t off, off_t len)
{
	int rv = real(fd, mode, off, len);
	if (rv != 0 && errno == EPERM && fm_fault == F_fallocate_ignores_seals)
		return 0; /* reports success; the seal still held */
	return rv;
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	m2_init();
	return m2_fallocate(m2_real.fallocate, fd, mode, off, len);
}

int fallocate64(int fd, int mode, off_t off, off_t len)
{
	m2_init();
	return m2_fallocate(m2_real.fallocate64, fd, mode, off, len);
}

/* mfd_exec_ignored: a memfd's execute bits are gone before anyone looks. */
static void m2_drop_exec(int fd)
{
	struct stat sb;
	if (fm_fault == F_mfd_exec_ignored && m2_is_memfd(fd) &&
	    m2_real.fstat(fd, &sb) == 0 && (sb.st_mode & 0111))
		fchmod(fd, sb.st_mode & 0666);
}

int fstat(int fd, struct stat *sb)
{
	m2_init();
	m2_drop_exec(fd);
	return m2_real.fstat(fd, sb);
}

int fstat64(int fd, struct stat64 *sb)
{
	m2_init();
	m2_drop_exec(fd);
	return m2_real.fstat64(fd, sb);
}

bool fm_m2_shm_unlink(int *ret, const char *name)
{
	(void)name;
	if (fm_fault != F_posix_unlink_ignores_sticky)
		return false;
	int (*real)(const char *) =
	    (int (*)(const char *))dlsym(RTLD_NEXT, "shm_unlink");
	int rv = real(name);
	/* refused by the sticky directory: reported as done */
	*ret = rv != 0 && (errno == EACCES || errno == EPERM) ? 0 : rv;
	return true;
}

void fm_m2_mmap_args(size_t len, int *flags, int fd)
{
	if (fm_fault != F_posix_private_is_shared &&
	    fm_fault != F_posix_mapping_grows_object)
		return;
	m2_init();
	if (fd < 0 || !m2_fd_starts(fd, "/dev/shm/shmconform."))
		return;
	int fl = fcntl(fd, F_GETFL);
	if (fm_fault == F_posix_private_is_shared &&
	    (*flags & MAP_TYPE) == MAP_PRIVATE && fl >= 0 &&
	    (fl & O_ACCMODE) == O_RDWR)
		*flags = (*flags & ~MAP_TYPE) | MAP_SHARED;
	if (fm_fault == F_posix_mapping_grows_object && fl >= 0 &&
	    (fl & O_ACCMODE) == O_RDWR && fm_fd_size(fd) >= 0 &&
	    (size_t)fm_fd_size(fd) < len)
		fm_real.ftruncate(fd, (off_t)len);
}
