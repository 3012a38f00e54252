/*
 * SHM-PERSIST and EXT-IPC-NS across containers: two containers that share
 * one IPC namespace (docker run --ipc=shareable, then --ipc=container:NAME)
 * share its System V segments and its /dev/shm, and a segment outlives the
 * container that made it while another container holds the namespace.
 *
 * The cases take a role from Kyua configuration variables, given by the
 * runner that starts the containers (ci/runners/docker shared-ipc):
 *   shared_ns_role  create (in the first container) or find (in the other,
 *                   after the first has exited)
 *   shared_ns_key   the System V key, e.g. 0x5c123456 (unique per run);
 *                   each segment case uses its own (key, key + 1), so
 *                   that cases run in parallel never see each other's
 *                   attachments
 *   shared_ns_name  the POSIX shared memory name, e.g. /shmconform-...
 * Without them (a plain run on one machine) each case skips.  In the
 * create role what the cases make is left in place on purpose: it is what
 * the find role looks for; it lives only in the containers' namespace and
 * goes with it (the runner's last container to exit takes it away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc.h"
#include "sc_shm.h"

#define SEG_PAGES 2
#define SEED 11

enum role { CREATE, FIND };

struct shared {
	enum role role;
	key_t key;
	const char *name;
	size_t size;
};

/* The role this run was given, or skip saying how to give one. */
static void shared_get(struct shared *s)
{
	const char *role = sc_config("shared_ns_role", NULL);
	const char *key = sc_config("shared_ns_key", NULL);
	if (!role || !key)
		SC_SKIP("needs two containers sharing one IPC namespace: the "
			"Kyua variables shared_ns_role (create|find) and "
			"shared_ns_key are set by ci/runners/docker "
			"shared-ipc");
	if (strcmp(role, "create") == 0)
		s->role = CREATE;
	else if (strcmp(role, "find") == 0)
		s->role = FIND;
	else
		SC_FAIL("shared_ns_role=%s: expected create or find", role);
	char *end;
	s->key = (key_t)strtoul(key, &end, 0);
	if (*end || s->key == IPC_PRIVATE)
		SC_FAIL("shared_ns_key=%s: expected a non-zero number", key);
	s->name = sc_config("shared_ns_name", "/shmconform-shared-ns");
	s->size = SEG_PAGES * sc_page_size();
}

static void fill(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = sc_shm_pattern(i, SEED);
}

/* The first byte that is not the creator's, or -1. */
static long first_wrong(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != sc_shm_pattern(i, SEED))
			return (long)i;
	return -1;
}

/* In the first container: a segment under key, filled, detached.  Not
 * tracked: it must outlive this container. */
static void make_segment(const struct shared *s, key_t key)
{
	int id = shmget(key, s->size, IPC_CREAT | IPC_EXCL | 0600);
	SC_CHECK(
	    id >= 0,
	    "shmget(key 0x%08x, %zu, IPC_CREAT|IPC_EXCL|0600) in the first "
	    "container: expected a new segment, observed failure with %s",
	    (unsigned)key, s->size, sc_errno_name(errno));
	unsigned char *p = sc_shm_at(id, NULL, 0);
	fill(p, s->size);
	sc_shm_dt(p);
	sc_note("made segment id %d, key 0x%08x, %zu bytes", id, (unsigned)key,
		s->size);
}

/* The segment under key, found from this container. */
static int find_segment(key_t key)
{
	int id = shmget(key, 0, 0);
	SC_CHECK(id >= 0,
		 "shmget(key 0x%08x, 0, 0) in the second container, which "
		 "shares the first one's IPC namespace: expected the segment "
		 "the first container made, observed failure with %s",
		 (unsigned)key, sc_errno_name(errno));
	return id;
}

/* Detects: containers sharing an IPC namespace that do not share its
 * segments (a private namespace each), or a segment whose data is lost
 * between them. */
SC_CASE(segment_made_in_one_container_is_found_with_its_data_in_another,
	EXT_IPC_NS, SC_LINUX,
	"A System V segment made in one container is found by key, with its "
	"data, in another container sharing its IPC namespace")
{
	struct shared s;
	shared_get(&s);
	if (s.role == CREATE) {
		make_segment(&s, s.key);
		return;
	}
	int id = find_segment(s.key);
	const unsigned char *p = sc_shm_at(id, NULL, SHM_RDONLY);
	long bad = first_wrong(p, s.size);
	SC_CHECK(bad < 0,
		 "byte %ld of the segment read in the second container: "
		 "expected 0x%02x, the byte the first container wrote, "
		 "observed 0x%02x",
		 bad, bad < 0 ? 0 : sc_shm_pattern((size_t)bad, SEED),
		 bad < 0 ? 0 : p[bad]);
	sc_shm_dt(p);
}

/* Detects: a segment removed when its creator's container exits although
 * another container still holds the namespace (the fault
 * segments_die_with_creator), or one that is still attached. */
SC_CASE(segment_outlives_its_container_while_another_holds_the_namespace,
	SHM_PERSIST, SC_LINUX,
	"A segment lives on, unattached, after the container that made it "
	"has exited, while another container holds the IPC namespace")
{
	struct shared s;
	shared_get(&s);
	if (s.role == CREATE) {
		make_segment(&s, s.key + 1);
		return;
	}
	int id = find_segment(s.key + 1);
	struct shmid_ds ds;
	sc_shm_stat(id, &ds);
	SC_CHECK_EQ(ds.shm_nattch, 0,
		    "shm_nattch of the segment after the container that made "
		    "it exited (the exit detached it)");
	SC_CHECK_EQ(ds.shm_segsz, s.size, "shm_segsz");
}

/* Detects: a /dev/shm that is not shared with the IPC namespace (each
 * container its own tmpfs), or a file whose data is lost between them. */
SC_CASE(dev_shm_file_made_in_one_container_is_found_with_its_data_in_another,
	EXT_IPC_NS, SC_OBSERVED,
	"A POSIX shared memory object (a /dev/shm file) made in one container "
	"is opened by name, with its data, in another container sharing its "
	"IPC namespace")
{
	struct shared s;
	shared_get(&s);
	if (s.role == CREATE) {
		int fd = shm_open(s.name, O_RDWR | O_CREAT | O_EXCL, 0600);
		SC_CHECK(fd >= 0,
			 "shm_open(%s, O_RDWR|O_CREAT|O_EXCL) in the first "
			 "container: expected a new object, observed failure "
			 "with %s",
			 s.name, sc_errno_name(errno));
		SC_CHECK_OK(ftruncate(fd, (off_t)s.size));
		unsigned char *p = mmap(NULL, s.size, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);
		SC_CHECK(p != MAP_FAILED, "mmap of %s: %s", s.name,
			 sc_errno_name(errno));
		fill(p, s.size);
		SC_CHECK_OK(munmap(p, s.size));
		SC_CHECK_OK(close(fd));
		return;
	}
	int fd = shm_open(s.name, O_RDONLY, 0);
	SC_CHECK(fd >= 0,
		 "shm_open(%s, O_RDONLY) in the second container, which "
		 "shares the first one's IPC namespace (and so its /dev/shm): "
		 "expected the object the first container made, observed "
		 "failure with %s",
		 s.name, sc_errno_name(errno));
	struct stat sb;
	SC_CHECK_OK(fstat(fd, &sb));
	SC_CHECK_EQ(sb.st_size, (off_t)s.size, "st_size of the object");
	const unsigned char *p =
	    mmap(NULL, s.size, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK(p != MAP_FAILED, "mmap of %s: %s", s.name,
		 sc_errno_name(errno));
	long bad = first_wrong(p, s.size);
	SC_CHECK(bad < 0,
		 "byte %ld of %s read in the second container: expected "
		 "0x%02x, the byte the first container wrote, observed 0x%02x",
		 bad, s.name, bad < 0 ? 0 : sc_shm_pattern((size_t)bad, SEED),
		 bad < 0 ? 0 : p[bad]);
	SC_CHECK_OK(munmap((void *)p, s.size));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp,
	       segment_made_in_one_container_is_found_with_its_data_in_another);
	SC_ADD(
	    tp,
	    segment_outlives_its_container_while_another_holds_the_namespace);
	SC_ADD(
	    tp,
	    dev_shm_file_made_in_one_container_is_found_with_its_data_in_another);
	return atf_no_error();
}
