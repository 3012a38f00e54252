/*
 * SHMDT: shmdt removes an attachment from the calling process, and only
 * that.  Erratum: it is not like free() -- the segment and its data stay
 * until IPC_RMID.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

static void read_byte(void *p)
{
	(void)*(volatile char *)p;
}

/* Detects: a shmdt that leaves the memory mapped: mincore still finds it, or
 * touching it does not raise SIGSEGV with SEGV_MAPERR. */
SC_CASE(old_address_faults_after_shmdt, SHMDT, SC_LINUX,
	"After shmdt, touching the old address raises SIGSEGV (SEGV_MAPERR)")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(page, 0600);
	char *p = sc_shm_at(id, NULL, 0);
	p[0] = 'x';
	sc_shm_dt(p);
	/* Nothing is mapped there any more (mincore fails with ENOMEM on
	 * unmapped memory), so the touch can only fault. */
	unsigned char vec[1];
	SC_CHECK_ERRNO(mincore(p, page, vec), ENOMEM);
	struct sc_outcome o = sc_expect_signal(
	    read_byte, p, SIGSEGV, "read of the address shmdt detached");
	SC_CHECK(o.fault_code == SEGV_MAPERR,
		 "si_code of the fault: expected SEGV_MAPERR (nothing mapped), "
		 "observed %s",
		 sc_si_code_name(SIGSEGV, o.fault_code));
}

/* Detects: shmdt that accepts an address inside an attachment, an anonymous
 * mapping or a malloc'd pointer, or that detaches something anyway. */
SC_CASE(non_attach_address_fails_einval, SHMDT, SC_POSIX,
	"shmdt of an address that is not the start of an attachment fails "
	"with EINVAL and detaches nothing")
{
	size_t page = sc_page_size();
	int id = sc_shm_new(2 * page, 0600);
	char *p = sc_shm_at(id, NULL, 0);
	/* Inside the attachment, page-aligned and not. */
	SC_CHECK_ERRNO(shmdt(p + page), EINVAL);
	SC_CHECK_ERRNO(shmdt(p + 1), EINVAL);
	/* Memory that is no attachment: anonymous mmap, the heap. */
	char *anon = mmap(NULL, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(anon);
	SC_CHECK_ERRNO(shmdt(anon), EINVAL);
	SC_CHECK_OK(munmap(anon, page));
	char *heap = malloc(64);
	SC_CHECK(heap != NULL, "malloc(64) failed");
	int rv = shmdt(heap);
	int err = errno;
	free(heap);
	SC_CHECK(rv == -1 && err == EINVAL,
		 "shmdt(a malloc'd pointer): expected failure with EINVAL, "
		 "observed %s",
		 rv == 0 ? "success" : sc_errno_name(err));
	/* The real attachment is untouched by all this. */
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 1,
		    "shm_nattch after the failed shmdt calls");
	p[2 * page - 1] = 'y';
	sc_shm_dt(p);
}

/* Detects: a second shmdt of an already detached address reported as
 * success. */
SC_CASE(second_shmdt_of_same_address_fails_einval, SHMDT, SC_POSIX,
	"A second shmdt of the same address fails with EINVAL (no double "
	"detach, unlike a double free it is reported)")
{
	int id = sc_shm_new(sc_page_size(), 0600);
	char *p = sc_shm_at(id, NULL, 0);
	sc_shm_dt(p);
	SC_CHECK_ERRNO(shmdt(p), EINVAL);
}

/* Detects: a last shmdt that destroys the segment (like free) or loses its
 * data, or a nattch that is not 0 after it. */
SC_CASE(shmdt_keeps_segment_and_data, SHMDT, SC_POSIX,
	"Erratum (not like free): after the last shmdt the segment still "
	"exists with nattch 0, and a new attach finds the data")
{
	size_t page = sc_page_size();
	size_t size = 4 * page;
	key_t key;
	int id = sc_shm_new_keyed(size, 0600, &key);
	unsigned char *p = sc_shm_at(id, NULL, 0);
	for (size_t i = 0; i < size; i++)
		p[i] = sc_shm_pattern(i, 3);
	sc_shm_dt(p);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0, "shm_nattch after the only shmdt");
	SC_CHECK_EQ(shmget(key, 0, 0), id,
		    "shmget of the key after the only shmdt: the same id");
	const unsigned char *q = sc_shm_at(id, NULL, SHM_RDONLY);
	for (size_t i = 0; i < size; i++)
		if (q[i] != sc_shm_pattern(i, 3))
			SC_FAIL("byte %zu after shmdt and a new shmat: "
				"expected 0x%02x, observed 0x%02x",
				i, sc_shm_pattern(i, 3), q[i]);
	sc_shm_dt(q);
}

/* Detects: a last shmdt that frees the segment's pages (rss in
 * /proc/sysvipc/shm drops). */
SC_CASE(shmdt_keeps_pages_resident, SHMDT, SC_OBSERVED,
	"After the last shmdt the segment's pages stay resident (the rss "
	"column of /proc/sysvipc/shm): detaching frees no memory")
{
	size_t page = sc_page_size();
	size_t pages = 8;
	int id = sc_shm_new(pages * page, 0600);
	if (sc_shm_proc_field(id, "rss") < 0)
		SC_SKIP("/proc/sysvipc/shm has no rss column for the segment "
			"here");
	char *p = sc_shm_at(id, NULL, 0);
	memset(p, 0x5A, pages * page);
	long long before = sc_shm_proc_field(id, "rss");
	SC_CHECK_EQ(before, (long long)(pages * page),
		    "rss (bytes) of a segment whose pages were all written");
	sc_shm_dt(p);
	SC_CHECK_EQ(sc_shm_proc_field(id, "rss"), before,
		    "rss (bytes) after the last shmdt");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, old_address_faults_after_shmdt);
	SC_ADD(tp, non_attach_address_fails_einval);
	SC_ADD(tp, second_shmdt_of_same_address_fails_einval);
	SC_ADD(tp, shmdt_keeps_segment_and_data);
	SC_ADD(tp, shmdt_keeps_pages_resident);
	return atf_no_error();
}
