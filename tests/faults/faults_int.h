/*
 * libshmconform-faults: state shared between its modules.
 *
 * The library is preloaded (LD_PRELOAD) into the case programs by
 * tests/t-selftest.sh.  It interposes the libc calls the cases make and, for
 * the one fault named by SHMCONFORM_FAULT, misbehaves the way a buggy kernel,
 * libc or sandbox could; with no fault it passes every call through.  The
 * harness knows nothing about it.
 */
#ifndef FAULTS_INT_H
#define FAULTS_INT_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum fm_fault {
	F_none,
#define FAULT(name, claim, descr) F_##name,
#include "faults.def"
#undef FAULT
	F_COUNT
};

/* The active fault (F_none until the constructor ran, or with none). */
extern enum fm_fault fm_fault;

/* ---- the real libc functions (dlsym RTLD_NEXT) ------------------------- */

struct shmid_ds;
struct sigaction;
struct fm_real {
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	int (*msync)(void *, size_t, int);
	int (*mprotect)(void *, size_t, int);
	int (*ftruncate)(int, off_t);
	int (*shmget)(key_t, size_t, int);
	void *(*shmat)(int, const void *, int);
	int (*shmdt)(const void *);
	int (*shmctl)(int, int, struct shmid_ds *);
	int (*prctl)(int, unsigned long, unsigned long, unsigned long,
		     unsigned long);
	long (*syscall)(long, long, long, long, long, long, long);
	void (*exit)(int);
	void (*_exit)(int);
	void *(*memcpy)(void *, const void *, size_t);
	void *(*memmove)(void *, const void *, size_t);
	void *(*memset)(void *, int, size_t);
	char *(*strcpy)(char *, const char *);
	char *(*strncpy)(char *, const char *, size_t);
	char *(*stpcpy)(char *, const char *);
	int (*unshare)(int);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
};
extern struct fm_real fm_real;
void fm_init(void);

/* ---- helpers ----------------------------------------------------------- */

size_t fm_page(void);
size_t fm_round_up(size_t n, size_t to);
/* Byte loops that never call the interposed memcpy/memset. */
void fm_copy(void *dst, const void *src, size_t n);
void fm_fill(void *dst, int c, size_t n);
/* Make [addr, addr+len) writable, fill it with c, restore prot. */
void fm_fill_mapping(void *addr, size_t len, int prot, int c);
/* A fake /dev/zero under the /dev/zero faults (faults_mmapfile.c), or -1:
 * the library's open and open64 (faults_memfd2.c) ask it first. */
int fm_open_dev_zero(const char *path, int flags);
/* pread as much as there is (up to EOF); returns bytes read. */
size_t fm_pread_upto(int fd, void *buf, size_t len, off_t off);
/* pwrite all of it; returns false on error. */
bool fm_pwrite_all(int fd, const void *buf, size_t len, off_t off);
off_t fm_fd_size(int fd);

/* ---- what this process has mapped or attached -------------------------- */

enum fm_kind { FM_FILE, FM_ANON, FM_SHM };

struct fm_map {
	char *addr;
	size_t len; /* whole pages */
	enum fm_kind kind;
	bool shared;
	int prot;
	int fd; /* a private dup (file mappings, when a fault needs it) */
	off_t off;
	dev_t dev;
	ino_t ino;
	int shmid;  /* FM_SHM */
	bool copy;  /* a shared file mapping emulated by an anonymous copy */
	bool inuse; /* slot taken */
};

#define FM_MAX_MAPS 512
extern struct fm_map fm_maps[FM_MAX_MAPS];

struct fm_map *fm_track(void *addr, size_t len, enum fm_kind kind);
void fm_untrack(struct fm_map *m);
/* The tracked mapping holding address a, or NULL. */
struct fm_map *fm_find(const void *a);
/* The next tracked mapping overlapping [a, a+len) from slot *i on. */
struct fm_map *fm_next_overlap(const void *a, size_t len, int *i);

/* Turn the tracked shared mapping m into a private copy in place. */
void fm_unshare(struct fm_map *m);

/* ---- hooks of faults_ext2.c, called first by the older interposers ---- */

struct shmid_ds;
/* Adjust mmap's arguments; false: fail with errno. */
bool fm_x_mmap_args(void **addr, size_t *len, int *prot, int *flags, int fd,
		    off_t *off);
/* The others: true when the call was handled, its result in *ret. */
bool fm_x_munmap(int *ret, void *addr, size_t len);
bool fm_x_msync(int *ret, void *addr, size_t len, int flags);
bool fm_x_mprotect(int *ret, void *addr, size_t len, int prot);
bool fm_x_ftruncate(int *ret, int fd, off_t length);
bool fm_x_shmget(int *ret, key_t key, size_t size, int flg);
bool fm_x_shmat(void **ret, int id, const void *addr, int flg);
bool fm_x_shmdt(int *ret, const void *addr);
bool fm_x_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf);

/* faults_memfd2.c: shm_unlink for its fault; true when it handled the
 * call, its result in *ret. */
bool fm_m2_shm_unlink(int *ret, const char *name);
/* faults_memfd2.c: adjust a file mapping's flags (or its file) first. */
void fm_m2_mmap_args(size_t len, int *flags, int fd);

/* ---- hooks of faults_cases3.c, called after the fm_x_* ones ------------ */

bool fm_c3_mmap_args(void **addr, size_t *len, int *prot, int *flags, int fd,
		     off_t *off);
/* What mmap returns, given what it mapped (p) and the arguments. */
void *fm_c3_mmap_done(void *p, void *addr, size_t len, int prot, int flags,
		      int fd, off_t off);
bool fm_c3_munmap(int *ret, void *addr, size_t len);
bool fm_c3_msync(int *ret, void *addr, size_t len, int flags);
bool fm_c3_ftruncate(int *ret, int fd, off_t length);
bool fm_c3_shmget(int *ret, key_t key, size_t size, int flg);
bool fm_c3_shmat(void **ret, int id, const void *addr, int flg);
bool fm_c3_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf);
/* Around pwrite: the file's size before it, and what follows it. */
off_t fm_c3_pwrite_start(int fd);
void fm_c3_pwrite_done(int fd, off_t old);
void fm_c3_at_exit(void);
/* Before read(2) (the library's one read is in faults_mmapfile.c). */
void fm_c3_read_start(void);
/* ---- hooks of faults_sysv.c, called before the fm_x_* ones ------------ */

/* After a real mprotect that returned ret. */
void fm_sv_mprotect(void *addr, size_t len, int ret);
bool fm_sv_shmget(int *ret, key_t key, size_t size, int flg);
bool fm_sv_shmctl(int *ret, int id, int cmd, struct shmid_ds *buf);
/* After a successful unshare(flags). */
void fm_sv_unshare(int flags);
/* ---- hooks of faults_mmapaddr.c, called by mmap and munmap ------------ */

/* true when the call was handled, its result in *ret. */
bool fm_y_mmap(void **ret, void *addr, size_t len, int prot, int flags, int fd,
	       off_t off);
bool fm_y_munmap(int *ret, void *addr, size_t len);
/* ---- hooks of faults_huge2.c, called first by the fm_x_* hooks and
 * memfd_create of faults_ext2.c ------------------------------------------ */

/* Adjust mmap's flags or offset (always true: it never fails the call). */
bool fm_h2_mmap_args(int *flags, int fd, off_t *off);
/* memfd_create's flags, adjusted. */
unsigned int fm_h2_memfd_flags(unsigned int flags);
/* True when the call was handled, its result in *ret. */
bool fm_h2_shmget(int *ret, key_t key, size_t size, int flg);
bool fm_h2_shmctl(int *ret, int id, int cmd);

#endif
