/*
 * Faults of the coverage cases: POSIX shm (shm_open, shm_unlink), memfd and
 * seals (memfd_create, fcntl), huge pages, a file shrunk under a mapping,
 * the rarer mmap/munmap/msync errors and System V edges.  shm_open,
 * shm_unlink, memfd_create, fcntl and unlink are interposed here; the
 * older interposers (mmap, munmap, msync, mprotect, ftruncate, shmget,
 * shmat, shmdt, shmctl) call the fm_x_* hooks below first, which act only
 * for these faults.
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mman.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#define FX_MFD_KNOWN 0x001FU /* CLOEXEC ALLOW_SEALING HUGETLB NOEXEC EXEC */
#define FX_HUGE_SIZE_BITS (0x3fU << 26) /* MAP_/MFD_/SHM_HUGE_SHIFT 26 */
#define FX_HUGETLBFS_MAGIC 0x958458f6

static struct {
	int (*shm_open)(const char *, int, mode_t);
	int (*shm_unlink)(const char *);
	int (*memfd_create)(const char *, unsigned int);
	int (*fcntl)(int, int, ...);
	int (*unlink)(const char *);
	int (*posix_fallocate)(int, off_t, off_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
} fx_real;

static void fx_init(void)
{
	fm_init();
	if (fx_real.fcntl)
		return;
	*(void **)&fx_real.shm_open = dlsym(RTLD_NEXT, "shm_open");
	*(void **)&fx_real.shm_unlink = dlsym(RTLD_NEXT, "shm_unlink");
	*(void **)&fx_real.memfd_create = dlsym(RTLD_NEXT, "memfd_create");
	*(void **)&fx_real.unlink = dlsym(RTLD_NEXT, "unlink");
	*(void **)&fx_real.posix_fallocate =
	    dlsym(RTLD_NEXT, "posix_fallocate");
	*(void **)&fx_real.pread = dlsym(RTLD_NEXT, "pread");
	*(void **)&fx_real.fcntl = dlsym(RTLD_NEXT, "fcntl");
}

static int fx_fcntl(int fd, int cmd, unsigned long arg)
{
	fx_init(); /* the hooks may run before any interposer here did */
	return fx_real.fcntl(fd, cmd, arg);
}

/* Where descriptor fd points ("/dev/shm/x", "/memfd:y (deleted)"). */
static bool fx_fd_path(int fd, char *buf, size_t len)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static bool fx_fd_starts(int fd, const char *prefix)
{
	char path[PATH_MAX];
	return fx_fd_path(fd, path, sizeof path) &&
	       strncmp(path, prefix, strlen(prefix)) == 0;
}

/* fd reopened through /proc with flags (-1 on error). */
static int fx_reopen(int fd, int flags)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return open(proc, flags | O_CLOEXEC);
}

/* ---- POSIX shm --------------------------------------------------------- */

static bool fx_posix_fault(void)
{
	return fm_fault >= F_posix_no_cloexec &&
	       fm_fault <= F_posix_shrink_keeps_pages;
}

/* The name a fault gives the object (the buffer may be returned). */
static const char *fx_shm_name(const char *name, char *buf, size_t len)
{
	if (fm_fault == F_posix_names_per_process) {
		snprintf(buf, len, "%s.p%d", name, (int)getpid());
		return buf;
	}
	if (fm_fault == F_posix_long_name_cut && strlen(name) > NAME_MAX) {
		snprintf(buf, len, "%.*s", NAME_MAX, name);
		return buf;
	}
	if (fm_fault == F_posix_inner_slash_flattened &&
	    strchr(name + 1, '/')) {
		snprintf(buf, len, "%s", name);
		for (char *s = strchr(buf + 1, '/'); s; s = strchr(s, '/'))
			*s = '_';
		return buf;
	}
	return name;
}

/* A fault may have made names the case's ledger does not know (longer
 * than the name it tracks): removing the tracked name removes them. */
static void fx_unlink_extensions(const char *name)
{
	const char *base = name[0] == '/' ? name + 1 : name;
	size_t n = strlen(base);
	DIR *d = opendir("/dev/shm");
	if (!d || n < 12)
		goto out;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, base, n) == 0 && strlen(e->d_name) > n) {
			char path[PATH_MAX];
			snprintf(path, sizeof path, "/%s", e->d_name);
			fx_real.shm_unlink(path);
		}
out:
	if (d)
		closedir(d);
}

static void fx_zero_object(const char *name)
{
	int fd = fx_real.shm_open(name, O_RDWR, 0);
	if (fd < 0)
		return;
	static const char zero[4096];
	off_t size = fm_fd_size(fd);
	for (off_t at = 0; at < size; at += (off_t)sizeof zero)
		fm_pwrite_all(fd, zero,
			      size - at < (off_t)sizeof zero
				  ? (size_t)(size - at)
				  : sizeof zero,
			      at);
	close(fd);
}

int shm_open(const char *name, int oflag, mode_t mode)
{
	fx_init();
	if (!fx_posix_fault())
		return fx_real.shm_open(name, oflag, mode);
	char buf[PATH_MAX + 16];
	name = fx_shm_name(name, buf, sizeof buf);
	if (fm_fault == F_posix_slash_required && name[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (fm_fault == F_posix_excl_ignored)
		oflag &= ~O_EXCL;
	if (fm_fault == F_posix_open_creates && !(oflag & O_CREAT)) {
		oflag |= O_CREAT;
		mode = 0600;
	}
	if (fm_fault == F_posix_rdonly_is_rdwr &&
	    (oflag & O_ACCMODE) == O_RDONLY)
		oflag = (oflag & ~O_ACCMODE) | O_RDWR;
	if (fm_fault == F_posix_trunc_ignored)
		oflag &= ~O_TRUNC;
	int fd = fx_real.shm_open(name, oflag, mode);
	if (fd < 0) {
		if (fm_fault == F_posix_emfile_as_enfile && errno == EMFILE)
			errno = ENFILE;
		return fd;
	}
	bool made = (oflag & O_CREAT) && (oflag & O_EXCL);
	switch (fm_fault) {
	case F_posix_no_cloexec:
		fx_fcntl(fd, F_SETFD, 0);
		break;
	case F_posix_mode_unmasked:
		if (made)
			fchmod(fd, mode & 07777);
		break;
	case F_posix_mode_ignored:
		if (made)
			fchmod(fd, 0666);
		break;
	case F_posix_create_mode_applies:
		if (made && !(mode & S_IWUSR)) {
			int ro = fx_reopen(fd, O_RDONLY);
			if (ro >= 0) {
				dup3(ro, fd, O_CLOEXEC);
				close(ro);
			}
		}
		break;
	case F_posix_reopen_empties:
		if (!(oflag & O_CREAT)) {
			int rw = fx_reopen(fd, O_RDWR);
			if (rw >= 0) {
				fm_real.ftruncate(rw, 0);
				close(rw);
			}
		}
		break;
	case F_posix_fd_not_lowest: {
		int high = fx_fcntl(fd, F_DUPFD_CLOEXEC, (unsigned long)fd + 3);
		if (high >= 0) {
			close(fd);
			fd = high;
		}
		break;
	}
	default:
		break;
	}
	return fd;
}

/* Names whose shm_unlink posix_unlink_deferred put off. */
static char fx_deferred[8][NAME_MAX + 2];

/* What was put off goes when the process exits (after the harness's own
 * cleanup ran at exit): the fault must not leak the names. */
__attribute__((destructor)) static void fx_unlink_deferred(void)
{
	for (int i = 0; i < 8; i++)
		if (fx_deferred[i][0] && fx_real.shm_unlink)
			fx_real.shm_unlink(fx_deferred[i]);
}

int shm_unlink(const char *name)
{
	fx_init();
	int m2_rv;
	if (fm_m2_shm_unlink(&m2_rv, name))
		return m2_rv;
	if (!fx_posix_fault())
		return fx_real.shm_unlink(name);
	char(*deferred)[NAME_MAX + 2] = fx_deferred;
	if (fm_fault == F_posix_unlink_deferred) {
		for (int i = 0; i < 8; i++)
			if (strcmp(deferred[i], name) == 0) {
				deferred[i][0] = '\0';
				return fx_real.shm_unlink(name);
			}
		for (int i = 0; i < 8; i++)
			if (!deferred[i][0] && strlen(name) <= NAME_MAX + 1) {
				snprintf(deferred[i], sizeof deferred[i], "%s",
					 name);
				return 0;
			}
	}
	if (fm_fault == F_posix_unlink_destroys)
		fx_zero_object(name);
	char buf[PATH_MAX + 16];
	const char *real_name = fx_shm_name(name, buf, sizeof buf);
	int rv = fx_real.shm_unlink(real_name);
	int err = errno;
	fx_unlink_extensions(name);
	if (rv != 0 && fm_fault == F_posix_unlink_missing_ok && err == ENOENT)
		return 0;
	errno = err;
	return rv;
}

int posix_fallocate(int fd, off_t off, off_t len)
{
	fx_init();
	if (fm_fault == F_posix_fallocate_sets_size)
		return fm_real.ftruncate(fd, off + len) == 0 ? 0 : errno;
	return fx_real.posix_fallocate(fd, off, len);
}

/* ---- memfd and seals --------------------------------------------------- */

int memfd_create(const char *name, unsigned int flags)
{
	fx_init();
	char buf[512];
	if (!name) /* the kernel's EFAULT is the answer to see */
		return fx_real.memfd_create(name, flags);
	flags = fm_h2_memfd_flags(flags);
	switch (fm_fault) {
	case F_memfd_name_changed:
		snprintf(buf, sizeof buf, "%.200s-x", name);
		name = buf;
		break;
	case F_memfd_long_name_cut:
		if (strlen(name) > 249) {
			snprintf(buf, sizeof buf, "%.249s", name);
			name = buf;
		}
		break;
	case F_memfd_flags_unchecked:
		flags &= FX_MFD_KNOWN;
		break;
	case F_memfd_cloexec_ignored:
		flags &= ~MFD_CLOEXEC;
		break;
	case F_memfd_always_sealable:
		flags |= MFD_ALLOW_SEALING;
		break;
	case F_noexec_seal_ignored:
		flags &= ~MFD_NOEXEC_SEAL;
		break;
	case F_memfd_hugetlb_ignored:
		flags &= ~(MFD_HUGETLB | FX_HUGE_SIZE_BITS);
		break;
	default:
		break;
	}
	return fx_real.memfd_create(name, flags);
}

/* Seals added through each descriptor of this process (seals_per_descr.) */
static int fx_added[1024];

static int fx_add_seals(int fd, int seals)
{
	switch (fm_fault) {
	case F_seal_seal_ignored:
		seals &= ~F_SEAL_SEAL;
		break;
	case F_seal_shrink_ignored:
		seals &= ~F_SEAL_SHRINK;
		break;
	case F_seal_grow_ignored:
		seals &= ~F_SEAL_GROW;
		break;
	case F_seal_write_ignored:
		seals &= ~F_SEAL_WRITE;
		break;
	case F_future_write_ignored:
		seals &= ~F_SEAL_FUTURE_WRITE;
		break;
	case F_seal_write_always_busy:
		if (seals & F_SEAL_WRITE) {
			errno = EBUSY;
			return -1;
		}
		break;
	case F_seals_via_readonly_fd: {
		int fl = fx_fcntl(fd, F_GETFL, 0);
		if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY) {
			int rw = fx_reopen(fd, O_RDWR);
			if (rw >= 0) {
				int rv =
				    fx_fcntl(rw, F_ADD_SEALS, (unsigned)seals);
				close(rw);
				return rv;
			}
		}
		break;
	}
	default:
		break;
	}
	int rv = fx_fcntl(fd, F_ADD_SEALS, (unsigned)seals);
	if (rv != 0 && errno == EBUSY && fm_fault == F_seal_write_busy_ignored)
		return fx_fcntl(fd, F_ADD_SEALS,
				(unsigned)(seals & ~F_SEAL_WRITE));
	if (rv == 0 && fd >= 0 && fd < 1024)
		fx_added[fd] |= seals;
	return rv;
}

static int fx_get_seals(int fd)
{
	int s = fx_fcntl(fd, F_GET_SEALS, 0);
	if (s < 0)
		return s;
	if (fm_fault == F_get_seals_drops_seal_seal)
		s &= ~F_SEAL_SEAL;
	if (fm_fault == F_seals_per_descriptor && fd >= 0 && fd < 1024)
		s &= fx_added[fd] | F_SEAL_SEAL;
	return s;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	fx_init();
	if (fm_fault != F_none && cmd == F_ADD_SEALS)
		return fx_add_seals(fd, (int)arg);
	if (fm_fault != F_none && cmd == F_GET_SEALS)
		return fx_get_seals(fd);
	return fx_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

/* ---- a mapping's file unlinked ----------------------------------------- */

int unlink(const char *path)
{
	fx_init();
	struct stat sb;
	if (fm_fault == F_unlinked_file_dropped && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		static const char zero[4096];
		for (off_t at = 0; fd >= 0 && at < sb.st_size;
		     at += (off_t)sizeof zero)
			fm_pwrite_all(fd, zero,
				      sb.st_size - at < (off_t)sizeof zero
					  ? (size_t)(sb.st_size - at)
					  : sizeof zero,
				      at);
		if (fd >= 0)
			close(fd);
	}
	return fx_real.unlink(path);
}

/* io_into_own_mapping_refused: a buffer inside a mapping of the file the
 * call reads. */
ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	fx_init();
	struct fm_map *m;
	struct stat sb;
	if (fm_fault == F_io_into_own_mapping_refused &&
	    (m = fm_find(buf)) != NULL && m->kind == FM_FILE &&
	    fstat(fd, &sb) == 0 && sb.st_dev == m->dev && sb.st_ino == m->ino) {
		errno = EFAULT;
		return -1;
	}
	return fx_real.pread(fd, buf, count, off);
}

/* ---- mmap -------------------------------------------------------------- */

/* st_mtime of files mapped shared, for msync_no_mtime. */
static struct {
	int fd;
	struct timespec mtime;
} fx_mtimes[16];

bool fm_x_mmap_args(void **addr, size_t *len, int *prot, int *flags, int fd,
		    off_t *off)
{
	if (!fm_h2_mmap_args(flags, fd, off))
		return false;
	size_t page = fm_page();
	bool anon = *flags & MAP_ANONYMOUS;
	int type = *flags & MAP_TYPE;
	if (!anon)
		fm_m2_mmap_args(*len, flags, fd);
	switch (fm_fault) {
	case F_validate_unknown_ignored:
		if (type == MAP_SHARED_VALIDATE)
			*flags = (*flags & ~MAP_TYPE) | MAP_SHARED;
		break;
	case F_unknown_flag_refused:
		if (type == MAP_SHARED && (*flags & 0x200000)) {
			errno = EINVAL;
			return false;
		}
		break;
	case F_mmap_overflow_wraps:
		if (*len > SIZE_MAX - page)
			*len = page;
		if (!anon && (*off < 0 || *off > INT64_MAX - (off_t)*len))
			*off = 0;
		break;
	case F_noreplace_is_hint:
		if (*flags & MAP_FIXED_NOREPLACE) {
			*flags &= ~(MAP_FIXED_NOREPLACE | MAP_FIXED);
			if ((uintptr_t)*addr % page)
				*addr = (char *)*addr - (uintptr_t)*addr % page;
		}
		break;
	case F_noreplace_overstrict:
		if (*flags & MAP_FIXED_NOREPLACE) {
			errno = EEXIST;
			return false;
		}
		break;
	case F_write_only_unreadable:
		if (*prot == PROT_WRITE)
			*prot = PROT_NONE;
		break;
	case F_noreserve_refused:
		if (*flags & MAP_NORESERVE) {
			errno = EINVAL;
			return false;
		}
		break;
	case F_populate_ignored:
		*flags &= ~MAP_POPULATE;
		break;
	case F_hugetlb_ignored:
		*flags &= ~(MAP_HUGETLB | (int)FX_HUGE_SIZE_BITS);
		break;
	case F_memfd_shared_is_private:
		if (!anon &&
		    (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) &&
		    fx_fd_starts(fd, "/memfd:"))
			*flags = (*flags & ~MAP_TYPE) | MAP_PRIVATE;
		break;
	case F_sealed_ro_shared_refused:
		if (!anon && type == MAP_SHARED && !(*prot & PROT_WRITE) &&
		    fx_fd_starts(fd, "/memfd:") &&
		    (fx_fcntl(fd, F_GET_SEALS, 0) & F_SEAL_WRITE)) {
			errno = EPERM;
			return false;
		}
		break;
	case F_msync_no_mtime: {
		struct stat sb;
		if (!anon && type == MAP_SHARED && fstat(fd, &sb) == 0)
			for (int i = 0; i < 16; i++)
				if (fx_mtimes[i].fd <= 0) {
					fx_mtimes[i].fd =
					    fx_fcntl(fd, F_DUPFD_CLOEXEC, 100);
					fx_mtimes[i].mtime = sb.st_mtim;
					break;
				}
		break;
	}
	default:
		break;
	}
	return true;
}

/* ---- munmap, msync, mprotect ------------------------------------------- */

/* Is nothing at all mapped in [addr, addr+len)? */
static bool fx_nothing_mapped(void *addr, size_t len)
{
	size_t page = fm_page();
	unsigned char vec;
	for (size_t at = 0; at < len; at += page)
		if (mincore((char *)addr + at, page, &vec) == 0 ||
		    errno != ENOMEM)
			return false;
	return true;
}

bool fm_x_munmap(int *ret, void *addr, size_t len)
{
	switch (fm_fault) {
	case F_munmap_lenient:
		*ret = fm_real.munmap(addr, len);
		if (*ret != 0 && errno == EINVAL)
			*ret = 0;
		return true;
	case F_munmap_unmapped_enomem:
		if (len && len < ((size_t)1 << 40) &&
		    (uintptr_t)addr % fm_page() == 0 &&
		    fx_nothing_mapped(addr, len)) {
			errno = ENOMEM;
			*ret = -1;
			return true;
		}
		return false;
	case F_munmap_noop:
		*ret = 0;
		return true;
	default:
		return false;
	}
}

bool fm_x_msync(int *ret, void *addr, size_t len, int flags)
{
	if (fm_fault == F_msync_strict) {
		struct fm_map *m = fm_find(addr);
		if (flags == 0 || len % fm_page() ||
		    (m && (m->kind != FM_FILE || !m->shared ||
			   !(m->prot & PROT_WRITE)))) {
			errno = EINVAL;
			*ret = -1;
			return true;
		}
		if (len == 0 && fx_nothing_mapped(addr, fm_page())) {
			errno = ENOMEM;
			*ret = -1;
			return true;
		}
		return false;
	}
	if (fm_fault == F_msync_no_mtime) {
		*ret = fm_real.msync(addr, len, flags);
		for (int i = 0; i < 16; i++)
			if (fx_mtimes[i].fd > 0) {
				struct timespec t[2] = {{0, UTIME_OMIT},
							fx_mtimes[i].mtime};
				futimens(fx_mtimes[i].fd, t);
			}
		return true;
	}
	return false;
}

bool fm_x_mprotect(int *ret, void *addr, size_t len, int prot)
{
	(void)len; /* the attachment is taken whole */
	struct fm_map *m = fm_find(addr);
	if (!m || m->kind != FM_SHM || !(prot & PROT_WRITE))
		return false;
	if (fm_fault == F_shm_mprotect_refused) {
		errno = EACCES;
		*ret = -1;
		return true;
	}
	if (fm_fault == F_shm_rdonly_mprotect_upgrade &&
	    !(m->prot & PROT_WRITE)) {
		void *p = fm_real.shmat(m->shmid, m->addr, SHM_REMAP);
		*ret = p == (void *)-1 ? -1 : 0;
		if (*ret == 0)
			m->prot = PROT_READ | PROT_WRITE;
		return true;
	}
	return false;
}

/* ---- ftruncate --------------------------------------------------------- */

/* Before a cut from old to new: keep what the process's mappings of the
 * file show there.  After it: put it back (the cut part of the last page
 * written again, whole cut pages replaced by private copies). */
static void fx_keep_cut_pages(int fd, off_t length, bool before)
{
	static struct {
		struct fm_map *m;
		char *copy;
		size_t from, len; /* in the mapping */
	} kept[16];
	static int nkept;
	struct stat sb;
	if (before) {
		nkept = 0;
		if (fstat(fd, &sb) != 0 || length >= sb.st_size)
			return;
		for (int i = 0; i < FM_MAX_MAPS && nkept < 16; i++) {
			struct fm_map *m = &fm_maps[i];
			if (!m->inuse || m->kind != FM_FILE ||
			    m->dev != sb.st_dev || m->ino != sb.st_ino ||
			    !(m->prot & PROT_READ))
				continue;
			off_t lo = length > m->off ? length : m->off;
			off_t hi = sb.st_size < m->off + (off_t)m->len
				       ? sb.st_size
				       : m->off + (off_t)m->len;
			if (lo >= hi)
				continue;
			size_t from = (size_t)(lo - m->off);
			size_t n = (size_t)(hi - lo);
			char *copy =
			    fm_real.mmap(NULL, n, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (copy == MAP_FAILED)
				continue;
			fm_copy(copy, m->addr + from, n);
			kept[nkept].m = m;
			kept[nkept].copy = copy;
			kept[nkept].from = from;
			kept[nkept].len = n;
			nkept++;
		}
		return;
	}
	size_t page = fm_page();
	/* Whole pages of a mapping past the new end become private copies;
	 * a hugetlb mapping's pages are huge. */
	struct statfs fsb;
	size_t align = page;
	if (fstat(fd, &sb) == 0 && fstatfs(fd, &fsb) == 0 &&
	    (unsigned long)fsb.f_type == FX_HUGETLBFS_MAGIC)
		align = (size_t)sb.st_blksize;
	for (int k = 0; k < nkept; k++) {
		struct fm_map *m = kept[k].m;
		size_t from = kept[k].from, n = kept[k].len;
		size_t whole = fm_round_up(from, align);
		if (whole < from + n)
			fm_real.mmap(m->addr + whole, from + n - whole,
				     PROT_READ | PROT_WRITE,
				     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
				     -1, 0);
		if (!(m->prot & PROT_WRITE))
			fm_real.mprotect(m->addr + from, n,
					 PROT_READ | PROT_WRITE);
		fm_copy(m->addr + from, kept[k].copy, n);
		if (!(m->prot & PROT_WRITE))
			fm_real.mprotect(m->addr + from, n, m->prot);
		fm_real.munmap(kept[k].copy, n);
	}
	nkept = 0;
}

bool fm_x_ftruncate(int *ret, int fd, off_t length)
{
	switch (fm_fault) {
	case F_shrink_keeps_pages:
	case F_posix_shrink_keeps_pages:
	case F_hugetlb_shrink_keeps_pages:
		fx_keep_cut_pages(fd, length, true);
		*ret = fm_real.ftruncate(fd, length);
		int err = errno;
		if (*ret == 0)
			fx_keep_cut_pages(fd, length, false);
		errno = err;
		return true;
	case F_posix_grow_not_zeroed: {
		off_t old = fm_fd_size(fd);
		*ret = fm_real.ftruncate(fd, length);
		if (*ret == 0 && length > old &&
		    fx_fd_starts(fd, "/dev/shm/")) {
			char junk[4096];
			fm_fill(junk, 0xA5, sizeof junk);
			for (off_t at = old; at < length;
			     at += (off_t)sizeof junk)
				fm_pwrite_all(fd, junk,
					      length - at < (off_t)sizeof junk
						  ? (size_t)(length - at)
						  : sizeof junk,
					      at);
		}
		return true;
	}
	default:
		return false;
	}
}

/* ---- System V ---------------------------------------------------------- */

bool fm_x_shmget(int *ret, key_t key, size_t size, int flg)
{
	if (fm_h2_shmget(ret, key, size, flg))
		return true;
	if (fm_fault == F_shm_hugetlb_ignored) {
		flg &= ~(SHM_HUGETLB | (int)FX_HUGE_SIZE_BITS);
		*ret = fm_real.shmget(key, size, flg);
		return true;
	}
	if (fm_fault == F_shmmni_enospc_as_enomem) {
		*ret = fm_real.shmget(key, size, flg);
		if (*ret < 0 && errno == ENOSPC)
			errno = ENOMEM;
		return true;
	}
	return false;
}

bool fm_x_shmat(void **ret, int id, const void *addr, int flg)
{
	struct shmid_ds ds;
	switch (fm_fault) {
	case F_shmat_bad_id_eidrm:
		*ret = fm_real.shmat(id, addr, flg);
		if (*ret == (void *)-1 && errno == EINVAL)
			errno = EIDRM;
		return true;
	case F_shmat_removed_refused:
		if (fm_real.shmctl(id, IPC_STAT, &ds) == 0 &&
		    (ds.shm_perm.mode & SHM_DEST)) {
			errno = EIDRM;
			*ret = (void *)-1;
			return true;
		}
		return false;
	case F_shm_remap_zero_allowed:
		if ((flg & SHM_REMAP) && (flg & SHM_RND) &&
		    (uintptr_t)addr < (uintptr_t)SHMLBA) {
			*ret = fm_real.shmat(id, NULL,
					     flg & ~(SHM_REMAP | SHM_RND));
			return true;
		}
		return false;
	default:
		return false;
	}
}

bool fm_x_shmdt(int *ret, const void *addr)
{
	unsigned char vec;
	if (fm_fault == F_shmdt_after_munmap_einval &&
	    mincore((void *)addr, fm_page(), &vec) != 0 && errno == ENOMEM) {
		errno = EINVAL;
		*ret = -1;
		return true;
	}
	return false;
}

bool fm_x_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf)
{
	if (fm_h2_shmctl(ret, id, cmd))
		return true;
	switch (fm_fault) {
	case F_ipc_info_stale:
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret >= 0 && cmd == IPC_INFO)
			((struct shminfo *)(void *)buf)->shmmni /= 2;
		return true;
	case F_shm_info_frozen:
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret >= 0 && cmd == SHM_INFO) {
			struct shm_info *si = (struct shm_info *)(void *)buf;
			si->used_ids = 0;
			si->shm_tot = 0;
			si->shm_rss = 0;
		}
		return true;
	case F_shm_stat_wrong_id:
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret >= 0 && (cmd == SHM_STAT || cmd == SHM_STAT_ANY))
			*ret = id;
		return true;
	case F_shm_lock_ignored:
		if (cmd == SHM_LOCK || cmd == SHM_UNLOCK) {
			struct shmid_ds ds;
			*ret = fm_real.shmctl(id, IPC_STAT, &ds) == 0 ? 0 : -1;
			return true;
		}
		return false;
	default:
		return false;
	}
}
