/*
 * Faults for cases no other fault reached: addresses the kernel chooses,
 * offsets, short mappings, fork and private mappings, string functions on
 * mappings, msync's flags, and System V attach, permission, removal and
 * bookkeeping.  strlen, strcmp, memcmp and execv are interposed here; the
 * older interposers (read: faults_mmapfile.c) call the fm_c3_* hooks below
 * first, which act only for these faults.
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
	size_t (*strlen)(const char *);
	int (*strcmp)(const char *, const char *);
	int (*memcmp)(const void *, const void *, size_t);
	int (*execv)(const char *, char *const[]);
} fc_real;

static void fc_resolve(void)
{
	if (fc_real.execv)
		return;
	*(void **)&fc_real.strlen = dlsym(RTLD_NEXT, "strlen");
	*(void **)&fc_real.strcmp = dlsym(RTLD_NEXT, "strcmp");
	*(void **)&fc_real.memcmp = dlsym(RTLD_NEXT, "memcmp");
	*(void **)&fc_real.execv = dlsym(RTLD_NEXT, "execv");
}

/* ---- file mappings some faults follow ---------------------------------- */

static struct {
	char *addr;
	size_t len;
	int prot;
	int fd; /* a private dup */
	off_t off;
	bool shared;
} fc_maps[64];

static bool fc_follows(void)
{
	return fm_fault == F_private_fork_rereads_file ||
	       fm_fault == F_writeback_keeps_tail ||
	       fm_fault == F_sync_tail_on_disk;
}

static void fc_follow(void *p, size_t len, int prot, int fd, off_t off,
		      bool shared)
{
	for (int i = 0; i < 64; i++)
		if (!fc_maps[i].addr) {
			fc_maps[i].fd = fcntl(fd, F_DUPFD_CLOEXEC, 100);
			if (fc_maps[i].fd < 0)
				return;
			fc_maps[i].addr = p;
			fc_maps[i].len = fm_round_up(len, fm_page());
			fc_maps[i].prot = prot;
			fc_maps[i].off = off;
			fc_maps[i].shared = shared;
			return;
		}
}

static void fc_forget(const void *addr, size_t len)
{
	const char *a = addr;
	for (int i = 0; i < 64; i++)
		if (fc_maps[i].addr && fc_maps[i].addr < a + len &&
		    a < fc_maps[i].addr + fc_maps[i].len) {
			close(fc_maps[i].fd);
			fc_maps[i].addr = NULL;
		}
}

/* In the child of a fork: its private file mappings show the file again,
 * as if fork had mapped the file anew instead of copying the parent's. */
static void fc_fork_child(void)
{
	if (fm_fault != F_private_fork_rereads_file)
		return;
	for (int i = 0; i < 64; i++) {
		if (!fc_maps[i].addr || fc_maps[i].shared ||
		    !(fc_maps[i].prot & PROT_READ))
			continue;
		fm_real.mprotect(fc_maps[i].addr, fc_maps[i].len,
				 PROT_READ | PROT_WRITE);
		fm_pread_upto(fc_maps[i].fd, fc_maps[i].addr, fc_maps[i].len,
			      fc_maps[i].off);
		fm_real.mprotect(fc_maps[i].addr, fc_maps[i].len,
				 fc_maps[i].prot);
	}
}

/* The bytes past EOF in a file's last page, as msync found them. */
static struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	size_t len;
	unsigned char bytes[65536];
} fc_disk;

/* msync under the two tail faults: what the mappings held past EOF in
 * the last page survives the writeback, in memory or on disk. */
static int fc_msync_tail(void *addr, size_t len, int flags)
{
	static unsigned char tail[65536];
	size_t page = fm_page(), n = 0;
	char *at = NULL;
	struct stat sb;
	int k = -1;
	for (int i = 0; i < 64 && k < 0; i++) {
		if (!fc_maps[i].addr || !fc_maps[i].shared ||
		    !(fc_maps[i].prot & PROT_WRITE) ||
		    fc_maps[i].addr >= (char *)addr + len ||
		    (char *)addr >= fc_maps[i].addr + fc_maps[i].len ||
		    fstat(fc_maps[i].fd, &sb) != 0)
			continue;
		off_t rel = sb.st_size - fc_maps[i].off;
		if (rel <= 0 || (size_t)rel >= fc_maps[i].len ||
		    rel % (off_t)page == 0)
			continue;
		at = fc_maps[i].addr + rel;
		n = fm_round_up((size_t)rel, page) - (size_t)rel;
		if (n > sizeof tail)
			n = sizeof tail;
		fm_copy(tail, at, n);
		k = i;
	}
	int rv = fm_real.msync(addr, len, flags);
	if (k < 0 || rv != 0 || !(flags & (MS_SYNC | MS_ASYNC)))
		return rv;
	if (fm_fault == F_writeback_keeps_tail) {
		fm_copy(at, tail, n);
	} else {
		fc_disk.dev = sb.st_dev;
		fc_disk.ino = sb.st_ino;
		fc_disk.size = sb.st_size;
		fc_disk.len = n;
		fm_copy(fc_disk.bytes, tail, n);
	}
	return rv;
}

bool fm_c3_ftruncate(int *ret, int fd, off_t length)
{
	struct stat sb;
	if (fm_fault != F_sync_tail_on_disk || fstat(fd, &sb) != 0 ||
	    sb.st_dev != fc_disk.dev || sb.st_ino != fc_disk.ino ||
	    sb.st_size != fc_disk.size || length <= sb.st_size ||
	    fc_disk.len == 0)
		return false;
	*ret = fm_real.ftruncate(fd, length);
	if (*ret == 0) {
		size_t n = fc_disk.len;
		if ((off_t)n > length - sb.st_size)
			n = (size_t)(length - sb.st_size);
		/* the blocks come back from disk with what was written */
		fm_pwrite_all(fd, fc_disk.bytes, n, sb.st_size);
	}
	return true;
}

__attribute__((constructor)) static void fc_init(void)
{
	fm_init();
	fc_resolve();
	if (fm_fault == F_private_fork_rereads_file)
		pthread_atfork(NULL, NULL, fc_fork_child);
}

/* ---- shared anonymous memory backed by a named file --------------------- */

static struct {
	char *addr;
	size_t len;
	pid_t owner;
	char name[PATH_MAX];
} fc_named[32];

static void fc_named_unlink(const void *addr, size_t len)
{
	const char *a = addr;
	for (int i = 0; i < 32; i++)
		if (fc_named[i].addr && fc_named[i].addr < a + len &&
		    a < fc_named[i].addr + fc_named[i].len) {
			/* a forked child's copy of the table is not its own */
			if (fc_named[i].owner == getpid())
				unlink(fc_named[i].name);
			fc_named[i].addr = NULL;
		}
}

static void *fc_named_anon(void *addr, size_t len, int prot, int flags)
{
	static int seq;
	for (int i = 0; i < 32; i++) {
		if (fc_named[i].addr)
			continue;
		/* In the run's state directory when there is one: the
		 * self-test removes it, whatever a crash left there. */
		const char *dir = getenv("SHMCONFORM_STATE");
		snprintf(fc_named[i].name, sizeof fc_named[i].name,
			 "%s/sc-fault-anon.%d.%d",
			 dir && *dir ? dir : "/dev/shm", (int)getpid(), seq++);
		int fd = open(fc_named[i].name,
			      O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return NULL;
		void *p = MAP_FAILED;
		if (fm_real.ftruncate(fd, (off_t)len) == 0)
			p = fm_real.mmap(addr, len, prot,
					 (flags & ~(MAP_ANONYMOUS | MAP_TYPE)) |
					     MAP_SHARED,
					 fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			unlink(fc_named[i].name);
			return NULL;
		}
		fc_named[i].addr = p;
		fc_named[i].len = len;
		fc_named[i].owner = getpid();
		return p;
	}
	return NULL;
}

/* ---- mmap --------------------------------------------------------------- */

bool fm_c3_mmap_args(void **addr, size_t *len, int *prot, int *flags, int fd,
		     off_t *off)
{
	(void)len;
	bool anon = *flags & MAP_ANONYMOUS;
	int type = *flags & MAP_TYPE;
	switch (fm_fault) {
	case F_hint_ignored:
		if (*addr && !(*flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			*addr = NULL;
		break;
	case F_anon_offset_unchecked:
		if (anon)
			*off = 0;
		break;
	case F_offset_from_file_position:
		if (!anon) {
			off_t pos = lseek(fd, 0, SEEK_CUR);
			if (pos > 0)
				*off += pos;
		}
		break;
	case F_prot_none_is_rw:
		if (*prot == PROT_NONE)
			*prot = PROT_READ | PROT_WRITE;
		break;
	case F_shared_validate_as_private:
		if (type == MAP_SHARED_VALIDATE)
			*flags = (*flags & ~MAP_TYPE) | MAP_PRIVATE;
		break;
	default:
		break;
	}
	return true;
}

/* Replace [p, p+len) by private anonymous memory holding the first keep
 * bytes it held (the rest zero), with protection prot. */
static void fc_private_copy(char *p, size_t len, size_t keep, int prot)
{
	char buf[65536];
	if (keep > sizeof buf)
		keep = sizeof buf;
	if (keep)
		fm_copy(buf, p, keep);
	if (fm_real.mmap(p, len, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0) == MAP_FAILED)
		return;
	fm_copy(p, buf, keep);
	fm_real.mprotect(p, len, prot);
}

void *fm_c3_mmap_done(void *p, void *addr, size_t len, int prot, int flags,
		      int fd, off_t off)
{
	if (p == MAP_FAILED || p == NULL)
		return p;
	if (fc_follows() && !(flags & MAP_ANONYMOUS) &&
	    ((flags & MAP_TYPE) == MAP_PRIVATE) ==
		(fm_fault == F_private_fork_rereads_file))
		fc_follow(p, len, prot, fd, off,
			  fm_fault != F_private_fork_rereads_file);
	size_t page = fm_page();
	bool anon = flags & MAP_ANONYMOUS;
	int type = flags & MAP_TYPE;
	struct stat sb;
	bool regular = !anon && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	switch (fm_fault) {
	case F_null_addr_unaligned:
		/* the start of the block after a 16-byte header */
		if (!addr && anon)
			return (char *)p + 16;
		break;
	case F_short_mapping_cut:
		/* the last partial page holds only what len covers */
		if (regular && len % page && (prot & PROT_READ))
			fc_private_copy((char *)p + len / page * page, page,
					len % page, prot);
		break;
	case F_short_anon_tail_unusable:
		/* the partial last page is reserved, never made usable */
		if (anon && len % page && prot != PROT_NONE)
			fm_real.mprotect((char *)p + len / page * page, page,
					 PROT_NONE);
		break;
	case F_rdonly_fd_map_zeros:
		if (regular && type == MAP_SHARED && prot == PROT_READ &&
		    (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
			fc_private_copy(p, fm_round_up(len, page), 0, prot);
		break;
	case F_mmap_success_returns_zero:
		if (!anon)
			return NULL;
		break;
	case F_anon_shared_named_file:
		if (anon &&
		    (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) &&
		    !(flags & MAP_FIXED)) {
			void *q = fc_named_anon(NULL, len, prot, flags);
			if (q) {
				fm_real.munmap(p, len);
				return q;
			}
		}
		break;
	default:
		break;
	}
	return p;
}

bool fm_c3_munmap(int *ret, void *addr, size_t len)
{
	(void)ret;
	if (fc_follows())
		fc_forget(addr, len);
	if (fm_fault == F_anon_shared_named_file)
		fc_named_unlink(addr, len);
	return false;
}

/* ---- msync -------------------------------------------------------------- */

bool fm_c3_msync(int *ret, void *addr, size_t len, int flags)
{
	switch (fm_fault) {
	case F_writeback_keeps_tail:
	case F_sync_tail_on_disk:
		*ret = fc_msync_tail(addr, len, flags);
		return true;
	case F_msync_async_refused:
		if (flags & MS_ASYNC) {
			errno = EINVAL;
			*ret = -1;
			return true;
		}
		return false;
	case F_msync_sync_eio:
		/* an old writeback error reported to every later MS_SYNC */
		if (flags & MS_SYNC) {
			*ret = fm_real.msync(addr, len, flags);
			if (*ret == 0) {
				errno = EIO;
				*ret = -1;
			}
			return true;
		}
		return false;
	case F_ms_async_is_sync:
		if (flags & MS_ASYNC) {
			*ret = fm_real.msync(addr, len,
					     (flags & ~MS_ASYNC) | MS_SYNC);
			return true;
		}
		return false;
	case F_invalidate_locked_accepted:
		*ret = fm_real.msync(addr, len, flags);
		if (*ret != 0 && errno == EBUSY && (flags & MS_INVALIDATE))
			*ret = fm_real.msync(addr, len, flags & ~MS_INVALIDATE);
		return true;
	default:
		return false;
	}
}

/* ---- string functions --------------------------------------------------- */

/* How many bytes from p a string function may see (SIZE_MAX: all). */
static size_t fc_visible(const void *p)
{
	if (fm_fault != F_strfuncs_one_page)
		return SIZE_MAX;
	const struct fm_map *m = fm_find(p);
	if (!m || m->kind != FM_FILE)
		return SIZE_MAX;
	size_t page = fm_page();
	return page - (uintptr_t)p % page;
}

/* Byte c of s, as a function that reads only what fc_visible allows. */
static unsigned char fc_at(const void *s, size_t vis, size_t i)
{
	return i < vis ? ((const unsigned char *)s)[i] : 0;
}

size_t strlen(const char *s)
{
	size_t vis = fc_visible(s);
	if (vis == SIZE_MAX) {
		if (!fc_real.strlen) {
			size_t n = 0;
			while (s[n])
				n++;
			return n;
		}
		return fc_real.strlen(s);
	}
	size_t n = 0;
	while (fc_at(s, vis, n))
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	size_t va = fc_visible(a), vb = fc_visible(b);
	if (va == SIZE_MAX && vb == SIZE_MAX && fc_real.strcmp)
		return fc_real.strcmp(a, b);
	for (size_t i = 0;; i++) {
		unsigned char x = fc_at(a, va, i), y = fc_at(b, vb, i);
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
}

int memcmp(const void *a, const void *b, size_t n)
{
	size_t va = fc_visible(a), vb = fc_visible(b);
	if (va == SIZE_MAX && vb == SIZE_MAX && fc_real.memcmp)
		return fc_real.memcmp(a, b, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char x = fc_at(a, va, i), y = fc_at(b, vb, i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* ---- pwrite past EOF (MMAP-EOF-LOST) ------------------------------------ */

static bool fc_in_pwrite;
static unsigned char fc_tail[65536];
static size_t fc_tail_len;

/* Before a pwrite: what a mapping of the file holds past EOF in the last
 * page (the kernel zeroes it when the write moves EOF). */
off_t fm_c3_pwrite_start(int fd)
{
	struct stat sb;
	size_t page = fm_page();
	fc_tail_len = 0;
	if (fm_fault != F_write_extend_keeps_tail || fc_in_pwrite ||
	    fstat(fd, &sb) != 0 || sb.st_size % (off_t)page == 0)
		return 0;
	off_t old = sb.st_size;
	size_t n = (size_t)((off_t)fm_round_up((size_t)old, page) - old);
	for (int i = 0; i < FM_MAX_MAPS; i++) {
		const struct fm_map *m = &fm_maps[i];
		if (!m->inuse || m->kind != FM_FILE || m->dev != sb.st_dev ||
		    m->ino != sb.st_ino || !(m->prot & PROT_READ) ||
		    old < m->off || old + (off_t)n > m->off + (off_t)m->len)
			continue;
		fm_copy(fc_tail, m->addr + (old - m->off), n);
		fc_tail_len = n;
		return old;
	}
	return 0;
}

/* After it: if it moved EOF, the kept bytes are written where they were,
 * as far as the file now goes. */
void fm_c3_pwrite_done(int fd, off_t old)
{
	if (fc_tail_len == 0 || fc_in_pwrite)
		return;
	off_t size = fm_fd_size(fd);
	size_t n = fc_tail_len;
	fc_tail_len = 0;
	if (size <= old)
		return;
	if ((off_t)n > size - old)
		n = (size_t)(size - old);
	fc_in_pwrite = true;
	fm_pwrite_all(fd, fc_tail, n, old);
	fc_in_pwrite = false;
}

/* ---- System V: who may do what ------------------------------------------ */

struct fc_seg {
	key_t key;
	unsigned mode;
	size_t size;
	uid_t uid, cuid;
	gid_t gid, cgid;
};

/* A segment's line in /proc/sysvipc/shm (readable without permission). */
static bool fc_seg(int id, struct fc_seg *s)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		long long key;
		int sid;
		unsigned mode, uid, gid, cuid, cgid;
		unsigned long long size;
		int cpid, lpid;
		unsigned long nattch;
		if (sscanf(line, "%lld %d %o %llu %d %d %lu %u %u %u %u", &key,
			   &sid, &mode, &size, &cpid, &lpid, &nattch, &uid,
			   &gid, &cuid, &cgid) == 11 &&
		    sid == id) {
			*s =
			    (struct fc_seg){(key_t)key, mode, (size_t)size, uid,
					    cuid,	gid,  cgid};
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The mode bits of class (6: owner, 3: group, 0: other) that grant want
 * (4 read, 2 write)? */
static bool fc_bits(unsigned mode, int shift, unsigned want)
{
	return ((mode >> shift) & want) == want;
}

/* The class of the caller, decided by its effective ids alone. */
static int fc_class(const struct fc_seg *s)
{
	uid_t u = geteuid();
	if (u == s->uid || u == s->cuid)
		return 6;
	gid_t g = getegid();
	if (g == s->gid || g == s->cgid)
		return 3;
	gid_t groups[64];
	int n = getgroups(64, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == s->gid || groups[i] == s->cgid)
			return 3;
	return 0;
}

/* An attach the fault grants though the kernel refused it: memory of the
 * segment's size where the segment would be (not its data). */
static void *fc_fake_attach(const struct fc_seg *s, const void *addr, int flg)
{
	int prot = (flg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = MAP_SHARED | MAP_ANONYMOUS | (addr ? MAP_FIXED : 0);
	void *p = fm_real.mmap((void *)addr, s->size, prot, flags, -1, 0);
	return p == MAP_FAILED ? (void *)-1 : p;
}

/* Is the page at a a PROT_NONE private mapping (a reservation)? */
static bool fc_reserved(const char *a)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	char line[512];
	bool yes = false;
	while (fgets(line, sizeof line, f)) {
		uintmax_t lo, hi;
		char perm[8];
		if (sscanf(line, "%jx-%jx %7s", &lo, &hi, perm) == 3 &&
		    lo <= (uintmax_t)(uintptr_t)a &&
		    (uintmax_t)(uintptr_t)a < hi) {
			yes = strncmp(perm, "---p", 4) == 0;
			break;
		}
	}
	fclose(f);
	return yes;
}

/* ---- shmget ------------------------------------------------------------- */

bool fm_c3_shmget(int *ret, key_t key, size_t size, int flg)
{
	switch (fm_fault) {
	case F_creat_implies_excl:
		if ((flg & IPC_CREAT) && key != IPC_PRIVATE) {
			*ret = fm_real.shmget(key, size, flg | IPC_EXCL);
			return true;
		}
		return false;
	case F_shmget_mode_umasked:
		if (flg & IPC_CREAT) {
			mode_t mask = umask(0);
			umask(mask);
			*ret = fm_real.shmget(key, size, flg & ~(int)mask);
			return true;
		}
		return false;
	case F_shmget_zero_mode_checked:
		if (key != IPC_PRIVATE && !(flg & 0777)) {
			int id = fm_real.shmget(key, size, flg);
			struct fc_seg s;
			if (id >= 0 && fc_seg(id, &s) &&
			    !fc_bits(s.mode, fc_class(&s), 4)) {
				errno = EACCES;
				id = -1;
			}
			*ret = id;
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* ---- shmat -------------------------------------------------------------- */

bool fm_c3_shmat(void **ret, int id, const void *addr, int flg)
{
	struct fc_seg s;
	size_t page = fm_page();
	switch (fm_fault) {
	case F_shmat_addr_ignored:
		if (addr && !(flg & SHM_REMAP)) {
			*ret = fm_real.shmat(id, NULL, flg & ~SHM_RND);
			return true;
		}
		return false;
	case F_shmat_null_misaligned:
		if (!addr) {
			char *p = fm_real.shmat(id, NULL, flg);
			*ret = p == (void *)-1 ? p : p + 64;
			return true;
		}
		return false;
	case F_shm_rdonly_snapshot:
		/* the read-only attach is a copy taken at attach time */
		if (flg & SHM_RDONLY) {
			char *p = fm_real.shmat(id, addr, flg);
			if (p != (void *)-1 && fc_seg(id, &s))
				fc_private_copy(p, fm_round_up(s.size, page),
						s.size, PROT_READ);
			*ret = p;
			return true;
		}
		return false;
	case F_shm_attach_extra_page:
		*ret = fm_real.shmat(id, addr, flg);
		if (*ret != (void *)-1 && fc_seg(id, &s)) {
			char *after = (char *)*ret + fm_round_up(s.size, page);
			int prot = PROT_READ | PROT_WRITE;
			if (fc_reserved(after))
				fm_real.mmap(after, page, prot,
					     MAP_FIXED | MAP_SHARED |
						 MAP_ANONYMOUS,
					     -1, 0);
			else
				fm_real.mmap(after, page, prot,
					     MAP_FIXED_NOREPLACE | MAP_SHARED |
						 MAP_ANONYMOUS,
					     -1, 0);
		}
		return true;
	case F_perm_class_any_bits:
	case F_rdonly_granted_by_write_bit:
		*ret = fm_real.shmat(id, addr, flg);
		if (*ret == (void *)-1 && errno == EACCES && fc_seg(id, &s)) {
			unsigned want = (flg & SHM_RDONLY) ? 4 : 6;
			bool grant;
			if (fm_fault == F_perm_class_any_bits)
				grant =
				    fc_bits(s.mode | s.mode >> 3 | s.mode >> 6,
					    0, want);
			else
				grant = (flg & SHM_RDONLY) &&
					fc_bits(s.mode, fc_class(&s), 2);
			if (grant)
				*ret = fc_fake_attach(&s, addr, flg);
			else
				errno = EACCES;
		}
		return true;
	case F_cap_ipc_owner_ignored:
		if (fc_seg(id, &s) && !fc_bits(s.mode, fc_class(&s),
					       (flg & SHM_RDONLY) ? 4 : 6)) {
			errno = EACCES;
			*ret = (void *)-1;
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* ---- shmctl ------------------------------------------------------------- */

bool fm_c3_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf)
{
	struct fc_seg s;
	switch (fm_fault) {
	case F_rmid_creator_refused:
		/* only the owner (or privilege) may remove, not the creator */
		if (cmd == IPC_RMID && fc_seg(id, &s) && geteuid() != s.uid &&
		    geteuid() == s.cuid) {
			errno = EPERM;
			*ret = -1;
			return true;
		}
		return false;
	case F_rmid_eperm_hidden:
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret != 0 && errno == EPERM && cmd == IPC_RMID)
			*ret = 0;
		return true;
	case F_stat_perm_not_checked:
		/* IPC_STAT answered from /proc/sysvipc/shm, unchecked */
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret != 0 && errno == EACCES && cmd == IPC_STAT &&
		    fc_seg(id, &s)) {
			fm_fill(buf, 0, sizeof *buf);
			buf->shm_perm.__key = s.key;
			buf->shm_perm.mode = (unsigned short)s.mode;
			buf->shm_perm.uid = s.uid;
			buf->shm_perm.gid = s.gid;
			buf->shm_perm.cuid = s.cuid;
			buf->shm_perm.cgid = s.cgid;
			buf->shm_segsz = s.size;
			*ret = 0;
		}
		return true;
	case F_ctime_moved_by_attach:
	case F_perm_ids_are_callers:
		*ret = fm_real.shmctl(id, cmd, buf);
		if (*ret >= 0 && buf && (cmd == IPC_STAT || cmd == SHM_STAT)) {
			if (fm_fault == F_perm_ids_are_callers) {
				buf->shm_perm.uid = buf->shm_perm.cuid =
				    geteuid();
				buf->shm_perm.gid = buf->shm_perm.cgid =
				    getegid();
			} else {
				if (buf->shm_atime > buf->shm_ctime)
					buf->shm_ctime = buf->shm_atime;
				if (buf->shm_dtime > buf->shm_ctime)
					buf->shm_ctime = buf->shm_dtime;
			}
		}
		return true;
	default:
		return false;
	}
}

/* ---- IPC_RMID freeing attached memory (seen by every attacher) ---------- */

/* Before each read(2), the memory of removed segments is gone from this
 * process: its attachments become private zero pages. */
static void fc_drop_removed(void)
{
	for (int i = 0; i < FM_MAX_MAPS; i++) {
		struct fm_map *m = &fm_maps[i];
		struct shmid_ds ds;
		if (!m->inuse || m->kind != FM_SHM)
			continue;
		int rv = fm_real.shmctl(m->shmid, IPC_STAT, &ds);
		if (rv == 0 ? !(ds.shm_perm.mode & SHM_DEST)
			    : errno != EINVAL && errno != EIDRM)
			continue;
		fm_real.mmap(m->addr, m->len, PROT_READ | PROT_WRITE,
			     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		fm_untrack(m);
	}
}

void fm_c3_read_start(void)
{
	fc_resolve();
	if (fm_fault == F_rmid_frees_attached)
		fc_drop_removed();
}

/* ---- exec and exit that leave the attachments in place ------------------ */

/* A child that keeps this process's attachments (inherited by fork) until
 * the process that waits for this one ends, at most 10 s. */
static void fc_keep_attachments(void)
{
	bool any = false;
	for (int i = 0; i < FM_MAX_MAPS; i++)
		any |= fm_maps[i].inuse && fm_maps[i].kind == FM_SHM;
	if (!any)
		return;
	pid_t watch = getppid();
	pid_t pid = fork();
	if (pid != 0)
		return;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 1024; fd++)
		if (fd != null)
			close(fd);
	for (int ms = 0; ms < 10000 && kill(watch, 0) == 0; ms++) {
		struct timespec t = {0, 1000000};
		nanosleep(&t, NULL);
	}
	fm_real._exit(0);
}

int execv(const char *path, char *const argv[])
{
	fc_resolve();
	if (fm_fault == F_exec_keeps_attachment)
		fc_keep_attachments();
	return fc_real.execv(path, argv);
}

void fm_c3_at_exit(void)
{
	if (fm_fault == F_anon_shared_named_file)
		for (int i = 0; i < 32; i++)
			if (fc_named[i].addr)
				fc_named_unlink(fc_named[i].addr, 1);
	if (fm_fault == F_exit_keeps_attachment)
		fc_keep_attachments();
}
