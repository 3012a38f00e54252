/*
 * Faults of the mmap address, flag and limit cases (coverage round 2):
 * odd hints, MAP_32BIT, page 0, the top of the address space, MAP_LOCKED,
 * MAP_STACK, MAP_GROWSDOWN, MAP_POPULATE of a private file mapping,
 * RLIMIT_AS/RLIMIT_MEMLOCK and munmap at
 * vm.max_map_count.  setrlimit is interposed here; mmap and munmap of
 * faults_mmap.c call the fm_y_* hooks below, which act only for these
 * faults.
 */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* Addresses below this are below vm.mmap_min_addr on every usual
 * configuration (4096 to 65536). */
#define FY_LOW ((uintptr_t)65536)

/* The range is past any user address space: the top quarter of the
 * address space (the kernel's half on 64-bit, above 3 GiB on 32-bit), or
 * wrapping round its end. */
static bool fy_past_top(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	return a > UINTPTR_MAX - len || a >= UINTPTR_MAX - UINTPTR_MAX / 4;
}

bool fm_y_mmap(void **ret, void *addr, size_t len, int prot, int flags, int fd,
	       off_t off)
{
	size_t page = fm_page();
	bool fixed = flags & MAP_FIXED;
	switch (fm_fault) {
	case F_hint_odd_refused:
		if (addr && !fixed &&
		    ((uintptr_t)addr < FY_LOW || fy_past_top(addr, len) ||
		     (uintptr_t)addr >= UINTPTR_MAX / 2 - len)) {
			errno = ENOMEM;
			*ret = MAP_FAILED;
			return true;
		}
		return false;
	case F_map_32bit_ignored:
		flags &= ~0x40; /* MAP_32BIT, x86-64 */
		break;
	case F_map_droppable_refused:
		if ((flags & 0x0f) == 0x08 && (flags & MAP_ANONYMOUS)) {
			errno = EINVAL; /* MAP_DROPPABLE, Linux 6.11 */
			*ret = MAP_FAILED;
			return true;
		}
		return false;
	case F_page_zero_eacces:
		if (fixed && (uintptr_t)addr < FY_LOW) {
			errno = EACCES;
			*ret = MAP_FAILED;
			return true;
		}
		return false;
	case F_fixed_past_top_moved:
		if (fixed && fy_past_top(addr, len)) {
			flags &= ~MAP_FIXED;
			addr = NULL;
			break;
		}
		return false;
	case F_private_populate_not_copied:
		/* Populate by reading: the pages stay the file's. */
		if ((flags & MAP_TYPE) == MAP_PRIVATE &&
		    !(flags & MAP_ANONYMOUS) && (prot & PROT_WRITE) &&
		    (flags & MAP_POPULATE)) {
			flags &= ~MAP_POPULATE;
			break;
		}
		return false;
	case F_limit_enomem_as_einval:
		*ret = fm_real.mmap(addr, len, prot, flags, fd, off);
		if (*ret == MAP_FAILED && errno == ENOMEM)
			errno = EINVAL;
		return true;
	case F_map_locked_ignored:
		flags &= ~MAP_LOCKED;
		break;
	case F_map_stack_refused:
		if (flags & MAP_STACK) {
			errno = EINVAL;
			*ret = MAP_FAILED;
			return true;
		}
		return false;
	case F_growsdown_premapped:
		if ((flags & MAP_GROWSDOWN) && fixed &&
		    (uintptr_t)addr >= page) {
			char *p =
			    fm_real.mmap((char *)addr - page, len + page, prot,
					 flags & ~MAP_GROWSDOWN, fd, off);
			*ret = p == MAP_FAILED ? MAP_FAILED : p + page;
			return true;
		}
		return false;
	default:
		return false;
	}
	*ret = fm_real.mmap(addr, len, prot, flags, fd, off);
	return true;
}

bool fm_y_munmap(int *ret, void *addr, size_t len)
{
	if (fm_fault != F_munmap_split_einval)
		return false;
	*ret = fm_real.munmap(addr, len);
	if (*ret != 0 && errno == ENOMEM)
		errno = EINVAL;
	return true;
}

static int (*fy_real_setrlimit)(__rlimit_resource_t, const struct rlimit *);

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rl)
{
	fm_init();
	if (!fy_real_setrlimit)
		*(void **)&fy_real_setrlimit = dlsym(RTLD_NEXT, "setrlimit");
	if (fm_fault == F_rlimit_not_applied &&
	    (resource == RLIMIT_AS || resource == RLIMIT_MEMLOCK))
		return 0;
	return fy_real_setrlimit(resource, rl);
}
