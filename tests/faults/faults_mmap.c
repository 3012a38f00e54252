/*
 * libshmconform-faults: mmap, munmap, msync, mprotect and ftruncate.
 */
#include "faults_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static bool fm_is_shared(int flags)
{
	int type = flags & MAP_TYPE;
	return type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
}

static int fm_with_type(int flags, int type)
{
	return (flags & ~MAP_TYPE) | type;
}

static int fm_accmode(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : (fl & O_ACCMODE);
}

/* Only regular files (and memfds, /dev/shm files) have an EOF to play
 * with; a pipe must still fail the way the kernel says. */
static bool fm_regular(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

static uintptr_t fm_misalign(const void *p)
{
	return (uintptr_t)p % fm_page();
}

/* Do the faults need a descriptor of each file mapping? */
static bool fm_need_fd(void)
{
	switch (fm_fault) {
	case F_strict_unshares_memory:
	case F_sync_grows_file:
	case F_tail_written_back:
	case F_extend_keeps_tail:
	case F_msync_no_writeback:
	case F_no_unified_cache:
		return true;
	default:
		return false;
	}
}

/* A shared file mapping emulated by anonymous memory holding a copy of
 * the file (as far as it goes), shared with children across fork. */
static void *fm_map_copy(void *addr, size_t len, int prot, int flags, int fd,
			 off_t off)
{
	int aflags = (flags & MAP_FIXED) | MAP_SHARED | MAP_ANONYMOUS;
	char *p =
	    fm_real.mmap(addr, len, PROT_READ | PROT_WRITE, aflags, -1, 0);
	if (p == MAP_FAILED)
		return p;
	fm_pread_upto(fd, p, len, off);
	fm_real.mprotect(p, len, prot);
	return p;
}

/* Write the copy's bytes that lie inside the file back to it. */
static void fm_write_back(const struct fm_map *m, const char *from, size_t len)
{
	off_t size = fm_fd_size(m->fd);
	off_t at = m->off + (from - m->addr);
	if (size <= at || !(m->prot & PROT_READ))
		return;
	if ((off_t)len > size - at)
		len = (size_t)(size - at);
	fm_pwrite_all(m->fd, from, len, at);
}

/* Write the last page's bytes past EOF to the file (the fault). */
static void fm_write_tail(const struct fm_map *m)
{
	off_t size = fm_fd_size(m->fd);
	size_t page = fm_page();
	if (size <= m->off || size % (off_t)page == 0 || !(m->prot & PROT_READ))
		return;
	size_t start = (size_t)(size - m->off);
	if (start >= m->len)
		return;
	size_t end = fm_round_up(start, page);
	if (end > m->len)
		end = m->len;
	fm_pwrite_all(m->fd, m->addr + start, end - start, size);
}

static void fm_grow_to_cover(const struct fm_map *m)
{
	off_t want = m->off + (off_t)m->len;
	if (fm_fd_size(m->fd) < want)
		fm_real.ftruncate(m->fd, want);
}

/* What the faults do to a mapping that goes away or is synced. */
static void fm_sync_faults(struct fm_map *m, char *from, size_t len)
{
	if (m->kind != FM_FILE || m->fd < 0 || !m->shared)
		return;
	if (fm_fault == F_tail_written_back)
		fm_write_tail(m);
	else if (fm_fault == F_sync_grows_file)
		fm_grow_to_cover(m);
	else if (fm_fault == F_no_unified_cache && m->copy)
		fm_write_back(m, from, len);
}

/* The pages of a fresh file mapping that lie wholly beyond EOF. */
static size_t fm_first_page_beyond(int fd, off_t off)
{
	off_t size = fm_fd_size(fd);
	return size > off ? fm_round_up((size_t)(size - off), fm_page()) : 0;
}

static void *fm_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	size_t page = fm_page();
	bool anon = flags & MAP_ANONYMOUS;
	bool shared = fm_is_shared(flags);
	int type = flags & MAP_TYPE;
	size_t delta = 0; /* the result is moved by this much */
	int orig_prot = prot;
	bool copy = false;
	void *p;

	switch (fm_fault) {
	case F_mmap_len0_accepted:
		if (len == 0)
			len = page;
		break;
	case F_mmap_no_type_accepted:
		if (type == 0)
			flags = fm_with_type(flags, MAP_PRIVATE);
		break;
	case F_hint_unaligned_returned:
		if (addr && !(flags & MAP_FIXED) && fm_misalign(addr)) {
			delta = fm_misalign(addr);
			addr = (char *)addr - delta;
			len += delta;
		}
		break;
	case F_hint_is_fixed:
		if (addr && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
			addr = (char *)addr - fm_misalign(addr);
			flags |= MAP_FIXED;
		}
		break;
	case F_fixed_unaligned_accepted:
		if ((flags & MAP_FIXED) && fm_misalign(addr))
			addr = (char *)addr - fm_misalign(addr);
		break;
	case F_fixed_placed_elsewhere:
		if (flags & MAP_FIXED) {
			flags &= ~MAP_FIXED;
			addr = NULL;
		}
		break;
	case F_fixed_no_replace:
		if (flags & MAP_FIXED)
			flags = (flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
		break;
	case F_prot_read_writable:
		if ((prot & PROT_READ) && !(prot & PROT_WRITE))
			prot |= PROT_WRITE;
		break;
	case F_prot_none_readable:
		if (prot == PROT_NONE)
			prot = PROT_READ;
		break;
	case F_private_write_rdonly_fd_refused:
		if (!anon && type == MAP_PRIVATE && (prot & PROT_WRITE) &&
		    fm_accmode(fd) == O_RDONLY) {
			errno = EACCES;
			return MAP_FAILED;
		}
		break;
	case F_prot_exec_dropped:
		prot &= ~PROT_EXEC;
		break;
	case F_read_implies_exec:
		if (prot & PROT_READ)
			prot |= PROT_EXEC;
		break;
	case F_shared_file_is_private:
		if (!anon && shared)
			flags = fm_with_type(flags, MAP_PRIVATE);
		break;
	case F_private_file_is_shared:
		if (!anon && type == MAP_PRIVATE &&
		    !((prot & PROT_WRITE) && fm_accmode(fd) == O_RDONLY))
			flags = fm_with_type(flags, MAP_SHARED);
		break;
	case F_private_anon_is_shared:
		if (anon && type == MAP_PRIVATE)
			flags = fm_with_type(flags, MAP_SHARED);
		break;
	case F_anon_shared_is_private:
		if (anon && shared)
			flags = fm_with_type(flags, MAP_PRIVATE);
		break;
	case F_anon_fd_checked:
		if (anon && fd != -1) {
			errno = EBADF;
			return MAP_FAILED;
		}
		if (anon && off != 0) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		break;
	case F_offset_unaligned_accepted:
		if (!anon && off % (off_t)page) {
			delta = (size_t)(off % (off_t)page);
			off -= (off_t)delta;
			len += delta;
			if (addr)
				addr = (char *)addr - fm_misalign(addr);
		}
		break;
	case F_offset_ignored:
		if (!anon && off != 0 && off % (off_t)page == 0)
			off = 0;
		break;
	case F_extra_page_mapped:
		if (len)
			len = fm_round_up(len, page) + page;
		break;
	case F_mmap_grows_file:
		if (!anon && fm_regular(fd) && fm_accmode(fd) == O_RDWR &&
		    fm_fd_size(fd) < off + (off_t)len)
			fm_real.ftruncate(fd, off + (off_t)len);
		break;
	case F_beyond_eof_refused:
		if (!anon && fm_regular(fd) &&
		    fm_first_page_beyond(fd, off) < fm_round_up(len, page)) {
			errno = ENXIO;
			return MAP_FAILED;
		}
		break;
	case F_msync_no_writeback:
	case F_no_unified_cache:
		/* a descriptor the kernel would refuse is left to it */
		copy = !anon && shared && fm_regular(fd) &&
		       (fm_accmode(fd) == O_RDWR ||
			(fm_accmode(fd) == O_RDONLY && !(prot & PROT_WRITE)));
		break;
	case F_private_is_snapshot:
		copy = !anon && type == MAP_PRIVATE && fm_regular(fd) &&
		       fm_accmode(fd) != O_WRONLY;
		break;
	default:
		break;
	}

	if (copy && fm_fault == F_private_is_snapshot) {
		/* A private copy of what the file holds now. */
		int aflags = (flags & MAP_FIXED) | MAP_PRIVATE | MAP_ANONYMOUS;
		p = fm_real.mmap(addr, len, PROT_READ | PROT_WRITE, aflags, -1,
				 0);
		if (p != MAP_FAILED) {
			fm_pread_upto(fd, p, len, off);
			fm_real.mprotect(p, len, prot);
		}
	} else if (copy) {
		p = fm_map_copy(addr, len, prot, flags, fd, off);
	} else {
		p = fm_real.mmap(addr, len, prot, flags, fd, off);
		if (p == MAP_FAILED && prot != orig_prot) {
			/* e.g. PROT_WRITE on a read-only fd, PROT_EXEC on a
			 * noexec mount: the fault cannot apply here */
			prot = orig_prot;
			p = fm_real.mmap(addr, len, prot, flags, fd, off);
		}
	}

	if (p == MAP_FAILED) {
		int err = errno;
		if (fm_fault == F_shared_write_rdonly_fd_accepted &&
		    err == EACCES && !anon && shared && (prot & PROT_WRITE)) {
			flags = fm_with_type(flags, MAP_PRIVATE);
			p = fm_real.mmap(addr, len, prot, flags, fd, off);
			if (p != MAP_FAILED)
				goto mapped;
		}
		if (fm_fault == F_mmap_errno_swapped) {
			if (err == EBADF)
				err = EINVAL;
			else if (err == EINVAL)
				err = EBADF;
			else if (err == ENODEV)
				err = EACCES;
			else if (err == EACCES)
				err = EPERM;
		}
		errno = err;
		if (fm_fault == F_mmap_fail_returns_null)
			return NULL;
		return MAP_FAILED;
	}

mapped:
	switch (fm_fault) {
	case F_anon_not_zeroed:
		if (anon) {
			/* Enough to show, without touching huge reserves. */
			size_t n = fm_round_up(len, page);
			size_t head = n < 64 * page ? n : 64 * page;
			fm_fill_mapping(p, head, prot, 0xA5);
			if (n > head)
				fm_fill_mapping((char *)p + n - page, page,
						prot, 0xA5);
		}
		break;
	case F_beyond_eof_zero_page:
	case F_beyond_eof_segv:
		if (!anon && fm_regular(fd)) {
			size_t b = fm_first_page_beyond(fd, off);
			size_t n = fm_round_up(len, page);
			if (b < n)
				fm_real.mmap(
				    (char *)p + b, n - b,
				    fm_fault == F_beyond_eof_segv ? PROT_NONE
								  : prot,
				    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
				    0);
		}
		break;
	case F_shared_dontfork:
		if (shared)
			madvise(p, len, MADV_DONTFORK);
		break;
	default:
		break;
	}

	/* Whatever was mapped here before is gone. */
	int i = 0;
	struct fm_map *old;
	while ((old = fm_next_overlap(p, len, &i)) != NULL)
		fm_untrack(old);
	struct fm_map *m = fm_track(p, len, anon ? FM_ANON : FM_FILE);
	if (m) {
		m->shared = fm_is_shared(flags) || (copy && shared);
		m->prot = prot;
		m->off = off;
		m->copy = copy;
		struct stat sb;
		if (!anon && fstat(fd, &sb) == 0) {
			m->dev = sb.st_dev;
			m->ino = sb.st_ino;
		}
		if (!anon && fm_need_fd())
			m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	}
	return (char *)p + delta;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.mmap(addr, len, prot, flags, fd, off);
	if (!fm_x_mmap_args(&addr, &len, &prot, &flags, fd, &off) ||
	    !fm_c3_mmap_args(&addr, &len, &prot, &flags, fd, &off))
		return MAP_FAILED;
	void *y;
	if (fm_y_mmap(&y, addr, len, prot, flags, fd, off))
		return y;
	return fm_c3_mmap_done(fm_mmap(addr, len, prot, flags, fd, off), addr,
			       len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	fm_init();
	if (fm_fault == F_none)
		return fm_real.munmap(addr, len);
	int x;
	if (fm_x_munmap(&x, addr, len) || fm_c3_munmap(&x, addr, len) ||
	    fm_y_munmap(&x, addr, len))
		return x;
	if (fm_fault == F_munmap_partial_page_kept && len % fm_page()) {
		len -= len % fm_page();
		if (len == 0)
			return 0;
	}
	int i = 0;
	struct fm_map *m;
	while ((m = fm_next_overlap(addr, len, &i)) != NULL)
		fm_sync_faults(m, m->addr, m->len);
	int rv = fm_real.munmap(addr, len);
	if (rv == 0) {
		i = 0;
		while ((m = fm_next_overlap(addr, len, &i)) != NULL)
			fm_untrack(m);
	}
	return rv;
}

int msync(void *addr, size_t len, int flags)
{
	fm_init();
	const int valid = MS_ASYNC | MS_SYNC | MS_INVALIDATE;
	int x;
	if (fm_x_msync(&x, addr, len, flags) ||
	    fm_c3_msync(&x, addr, len, flags))
		return x;
	switch (fm_fault) {
	case F_none:
		return fm_real.msync(addr, len, flags);
	case F_msync_bad_flags_accepted:
		if ((flags & MS_SYNC) && (flags & MS_ASYNC))
			flags &= ~MS_ASYNC;
		flags &= valid;
		break;
	case F_msync_invalidate_rejected:
		if (flags & MS_INVALIDATE) {
			errno = EBUSY;
			return -1;
		}
		break;
	case F_msync_unaligned_accepted:
		len += fm_misalign(addr);
		addr = (char *)addr - fm_misalign(addr);
		break;
	default:
		break;
	}
	int rv = fm_real.msync(addr, len, flags);
	if (rv != 0) {
		if (fm_fault == F_msync_unmapped_accepted && errno == ENOMEM)
			return 0;
		return rv;
	}
	int i = 0;
	struct fm_map *m;
	while ((m = fm_next_overlap(addr, len, &i)) != NULL) {
		char *from = (char *)addr > m->addr ? (char *)addr : m->addr;
		char *to = (char *)addr + len < m->addr + m->len
			       ? (char *)addr + len
			       : m->addr + m->len;
		if (fm_fault == F_no_unified_cache && m->copy &&
		    (flags & MS_INVALIDATE) && m->fd >= 0) {
			/* drop the copy: read the file again */
			size_t n = (size_t)(to - from);
			if (m->prot & PROT_WRITE)
				fm_pread_upto(m->fd, from, n,
					      m->off + (from - m->addr));
		}
		if (flags & (MS_SYNC | MS_ASYNC))
			fm_sync_faults(m, from, (size_t)(to - from));
	}
	return 0;
}

int mprotect(void *addr, size_t len, int prot)
{
	fm_init();
	int want = prot;
	int x;
	if (fm_x_mprotect(&x, addr, len, prot))
		return x;
	switch (fm_fault) {
	case F_prot_read_writable:
		if ((prot & PROT_READ) && !(prot & PROT_WRITE))
			want |= PROT_WRITE;
		break;
	case F_prot_none_readable:
		if (prot == PROT_NONE)
			want = PROT_READ;
		break;
	case F_prot_exec_dropped:
		want &= ~PROT_EXEC;
		break;
	case F_read_implies_exec:
		if (prot & PROT_READ)
			want |= PROT_EXEC;
		break;
	default:
		break;
	}
	int rv = fm_real.mprotect(addr, len, want);
	if (rv != 0 && want != prot)
		rv = fm_real.mprotect(addr, len, prot);
	fm_sv_mprotect(addr, len, rv);
	if (rv == 0) {
		int i = 0;
		struct fm_map *m;
		while ((m = fm_next_overlap(addr, len, &i)) != NULL)
			m->prot = want;
	}
	return rv;
}

int ftruncate(int fd, off_t length)
{
	fm_init();
	int x;
	if (fm_x_ftruncate(&x, fd, length) || fm_c3_ftruncate(&x, fd, length))
		return x;
	if (fm_fault != F_extend_keeps_tail)
		return fm_real.ftruncate(fd, length);
	/* Keep what a mapping wrote past the old EOF, in its page. */
	struct stat sb;
	if (fstat(fd, &sb) != 0 || length <= sb.st_size)
		return fm_real.ftruncate(fd, length);
	size_t page = fm_page();
	off_t old = sb.st_size;
	off_t end = (off_t)fm_round_up((size_t)old, page);
	if (end > length)
		end = length;
	const struct fm_map *src = NULL;
	for (int i = 0; i < FM_MAX_MAPS && !src; i++) {
		const struct fm_map *m = &fm_maps[i];
		if (m->inuse && m->kind == FM_FILE && m->dev == sb.st_dev &&
		    m->ino == sb.st_ino && (m->prot & PROT_READ) &&
		    m->off <= old && old < m->off + (off_t)m->len)
			src = m;
	}
	char keep[65536];
	size_t n = (size_t)(end - old);
	if (src && n <= sizeof keep)
		fm_copy(keep, src->addr + (old - src->off), n);
	int rv = fm_real.ftruncate(fd, length);
	if (rv == 0 && src && n <= sizeof keep)
		fm_pwrite_all(fd, keep, n, old);
	return rv;
}
