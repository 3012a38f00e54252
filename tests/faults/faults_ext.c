/* Faults of the extension claims: IPC namespaces, a full file system. */
#include "faults_int.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int unshare(int flags)
{
	fm_init();
	if (fm_fault == F_unshare_ipc_ignored && (flags & CLONE_NEWIPC)) {
		/* As a sandbox that cannot make namespaces but says it did. */
		flags &= ~CLONE_NEWIPC;
		if (flags == 0)
			return 0;
	}
	int rv = fm_real.unshare(flags);
	if (rv == 0)
		fm_sv_unshare(flags);
	return rv;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	fm_init();
	off_t old = fm_c3_pwrite_start(fd);
	ssize_t n = fm_real.pwrite(fd, buf, count, off);
	if (n > 0)
		fm_c3_pwrite_done(fd, old);
	if (fm_fault == F_enospc_hidden && n < 0 && errno == ENOSPC)
		return (ssize_t)count; /* the data is lost, silently */
	return n;
}

/* A SIGBUS on a page the kernel could not back is "handled" by putting a
 * private zero page there: the process goes on, and its stores are lost. */
static void fm_bus_swallow(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	size_t page = fm_page();
	void *pg = (void *)((uintptr_t)si->si_addr & ~(uintptr_t)(page - 1));
	if (fm_real.mmap(pg, page, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0) == MAP_FAILED)
		_exit(99);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	fm_init();
	if (fm_fault == F_full_fs_fault_swallowed && sig == SIGBUS && act) {
		struct sigaction mine = {.sa_sigaction = fm_bus_swallow,
					 .sa_flags = SA_SIGINFO};
		sigemptyset(&mine.sa_mask);
		return fm_real.sigaction(sig, &mine, old);
	}
	return fm_real.sigaction(sig, act, old);
}
