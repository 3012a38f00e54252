/*
 * EXT-IPC-NS (beyond the tutorial): System V segments belong to an IPC
 * namespace (ipc_namespaces(7)).  A process in another namespace — a
 * container — cannot see them by key or id, and a segment outlives its
 * creator only as long as its namespace lives: the SHM-PERSIST caveat that
 * a container's segments die with the container.
 *
 * The namespaces are made in children (unshare/setns need CAP_SYS_ADMIN;
 * the cases skip without it).  A segment made inside a private namespace
 * is destroyed with that namespace, so nothing can outlive the case.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_peer.h"

static void enter_new_ipc_namespace(void)
{
	if (unshare(CLONE_NEWIPC) != 0)
		SC_SKIP(
		    "cannot make a new IPC namespace (unshare(CLONE_NEWIPC): "
		    "%s): needs CAP_SYS_ADMIN",
		    sc_errno_name(errno));
}

struct other_ns {
	key_t key;
	int id;
};

static void look_from_new_namespace(void *arg)
{
	const struct other_ns *o = arg;
	enter_new_ipc_namespace();
	struct shmid_ds ds;
	SC_CHECK_ERRNO(shmget(o->key, 0, 0), ENOENT);
	SC_CHECK_ERRNO(shmctl(o->id, IPC_STAT, &ds), EINVAL);
}

/* Detects: IPC namespaces that do not separate segments (a container
 * that sees, and can attach, the host's shared memory). */
SC_CASE(segment_invisible_from_new_ipc_namespace, EXT_IPC_NS, SC_LINUX,
	"A segment of this IPC namespace is found neither by key nor by id "
	"from a new IPC namespace")
{
	struct other_ns o;
	o.id = sc_shmget_unique(sc_page_size(), 0600, &o.key);
	SC_CHECK_OK(o.id);
	sc_note("segment id %d, key 0x%08x, made in this namespace", o.id,
		(unsigned)o.key);
	sc_run(look_from_new_namespace, &o);
}

struct ns_scenario {
	struct sc_chan key;	 /* creator -> parent: the key it used */
	struct sc_event created; /* creator -> parent: key sent */
	struct sc_event go_exit; /* parent -> creator: the namespace is held */
	key_t k;
	int nsfd; /* the creator's IPC namespace, held open by the parent */
};

#define MARK_LEN 64

static void create_in_new_namespace_and_exit(void *arg)
{
	struct ns_scenario *s = arg;
	enter_new_ipc_namespace();
	/* A fresh namespace is empty: any key is free; random anyway. */
	key_t k = sc_random_key();
	int id = shmget(k, sc_page_size(), IPC_CREAT | IPC_EXCL | 0600);
	SC_CHECK_OK(id);
	unsigned char *p = shmat(id, NULL, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p, 0, MARK_LEN);
	SC_CHECK_OK(shmdt(p));
	sc_chan_send(&s->key, &k, sizeof k);
	sc_event_post(&s->created);
	sc_event_wait(&s->go_exit, 0, "the parent holding this namespace");
	/* Exit: no process is attached, no process of the namespace lives. */
}

static void find_in_held_namespace(void *arg)
{
	const struct ns_scenario *s = arg;
	if (setns(s->nsfd, CLONE_NEWIPC) != 0)
		SC_SKIP("cannot join the held IPC namespace (setns: %s)",
			sc_errno_name(errno));
	int id = shmget(s->k, 0, 0);
	SC_CHECK(
	    id >= 0,
	    "shmget(key 0x%08x) in the creator's namespace after the "
	    "creator exited: expected the segment, observed failure with %s",
	    (unsigned)s->k, sc_errno_name(errno));
	unsigned char *p = shmat(id, NULL, SHM_RDONLY);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), MARK_LEN,
		     "the segment's data, read after its creator exited");
	SC_CHECK_OK(shmdt(p));
	SC_CHECK_OK(shmctl(id, IPC_RMID, NULL));
}

/* Detects: a segment that dies with its creating process rather than with
 * its namespace, or a namespace whose segments are lost while it lives. */
SC_CASE(segment_outlives_creator_while_its_namespace_lives, EXT_IPC_NS,
	SC_LINUX,
	"A segment made in a new IPC namespace outlives its creator while the "
	"namespace is held, and is found there by key with its data")
{
	struct ns_scenario s = {.nsfd = -1};
	sc_chan_init(&s.key);
	sc_event_init(&s.created);
	sc_event_init(&s.go_exit);
	pid_t creator = sc_spawn(create_in_new_namespace_and_exit, &s);
	/* If the creator skips (no privilege) or fails, its verdict is ours. */
	sc_event_wait(&s.created, creator, "the creator's segment");
	sc_chan_recv(&s.key, creator, &s.k, sizeof s.k, "the creator's key");
	/* Hold the namespace (an open /proc/PID/ns/ipc keeps it alive, as a
	 * container's init does) before the creator, its last process, goes. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/ipc", (int)creator);
	s.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	int err = errno;
	sc_event_post(&s.go_exit);
	sc_wait_ok(creator);
	/* Without a handle on the namespace (a /proc without ns files, as in
	 * gVisor) the case cannot check: it skips, it does not pass. */
	if (s.nsfd < 0)
		SC_SKIP("cannot hold the creator's IPC namespace: open(%s): %s",
			path, sc_errno_name(err));
	sc_note("key 0x%08x, made in the namespace %s by pid %d, which exited",
		(unsigned)s.k, path, (int)creator);
	sc_run(find_in_held_namespace, &s);
	/* Closing the last reference destroys the namespace and, with it,
	 * any segment still in it (ipc_namespaces(7)). */
	SC_CHECK_OK(close(s.nsfd));
	sc_chan_close(&s.key);
	sc_event_close(&s.created);
	sc_event_close(&s.go_exit);
}

struct same_key {
	key_t key;
	int parent_id;
	size_t parent_size;
};

static void same_key_in_new_namespace(void *arg)
{
	const struct same_key *k = arg;
	enter_new_ipc_namespace();
	size_t size = 2 * k->parent_size;
	errno = 0;
	int id = shmget(k->key, size, IPC_CREAT | IPC_EXCL | 0600);
	SC_CHECK(id >= 0,
		 "shmget(key 0x%08x, %zu, IPC_CREAT|IPC_EXCL|0600) in a new "
		 "IPC namespace: expected a new segment, observed failure "
		 "with %s (the parent namespace's segment under that key?)",
		 (unsigned)k->key, size, sc_errno_name(errno));
	struct shmid_ds ds;
	SC_CHECK_OK(shmctl(id, IPC_STAT, &ds));
	SC_CHECK_EQ(ds.shm_segsz, size,
		    "shm_segsz of the new namespace's segment under the key");
	SC_CHECK_EQ(shmget(k->key, 0, 0), id,
		    "shmget(key, 0, 0) in the new namespace (its own segment)");
	unsigned char *p = shmat(id, NULL, 0);
	SC_CHECK_MAP(p);
	SC_CHECK_MEM(p, SC_WANT_ZEROS, MARK_LEN,
		     "the new namespace's segment under the parent's key (new: "
		     "zeros, not the parent's mark)");
	for (size_t i = 0; i < MARK_LEN; i++)
		p[i] = sc_pattern(i);
	SC_CHECK_OK(shmdt(p));
	/* Exit without IPC_RMID: the namespace, and the segment, die with
	 * this process, its last one. */
}

/* Detects: a key that names the same segment in two IPC namespaces (a
 * container whose shmget(key) finds, or overwrites, the host's segment). */
SC_CASE(same_key_names_independent_segments_in_two_namespaces, EXT_IPC_NS,
	SC_LINUX,
	"A key used in this IPC namespace makes, in a new IPC namespace, "
	"another segment of another size; neither sees the other's data")
{
	struct same_key k;
	k.parent_size = sc_page_size();
	k.parent_id = sc_shmget_unique(k.parent_size, 0600, &k.key);
	SC_CHECK_OK(k.parent_id);
	unsigned char *p = shmat(k.parent_id, NULL, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p, 0, MARK_LEN);
	sc_note("segment id %d, key 0x%08x, %zu bytes, in this namespace",
		k.parent_id, (unsigned)k.key, k.parent_size);
	sc_run(same_key_in_new_namespace, &k);
	SC_CHECK_EQ(shmget(k.key, 0, 0), k.parent_id,
		    "shmget(key, 0, 0) here after the other namespace made "
		    "a segment under the key");
	struct shmid_ds ds;
	SC_CHECK_OK(shmctl(k.parent_id, IPC_STAT, &ds));
	SC_CHECK_EQ(ds.shm_segsz, k.parent_size,
		    "shm_segsz of this namespace's segment");
	SC_CHECK_EQ(ds.shm_cpid, getpid(),
		    "shm_cpid of this namespace's segment (this process)");
	SC_CHECK_MEM(p, SC_WANT_MARK_AT(0), MARK_LEN,
		     "this namespace's segment after the other namespace's "
		     "segment under the key was written");
	SC_CHECK_OK(shmdt(p));
}

struct emptied_ns {
	unsigned char *p;
	int id;
};

static void read_after_namespace_emptied(void *arg)
{
	const struct emptied_ns *e = arg;
	SC_CHECK_MEM(e->p, SC_WANT_MARK_AT(0), MARK_LEN,
		     "the segment read by a child forked after its namespace "
		     "was left");
	e->p[MARK_LEN] = 'c';
}

static void leave_namespace_attached(void *arg)
{
	(void)arg;
	struct emptied_ns e;
	enter_new_ipc_namespace();
	e.id = shmget(IPC_PRIVATE, sc_page_size(), IPC_CREAT | 0600);
	SC_CHECK_OK(e.id);
	e.p = shmat(e.id, NULL, 0);
	SC_CHECK_MAP(e.p);
	sc_fill_mark(e.p, 0, MARK_LEN);
	/* Leave for another new namespace: no process is left in the first,
	 * which lives on only through the attachment.  That the process did
	 * leave shows in the id no longer naming the segment (no reliance on
	 * /proc/self/ns, which sandboxes such as gVisor lack). */
	SC_CHECK_OK(unshare(CLONE_NEWIPC));
	struct shmid_ds ds;
	SC_CHECK_ERRNO(shmctl(e.id, IPC_STAT, &ds), EINVAL);
	sc_note("segment %d, attached, made in an IPC namespace this process "
		"then left for another",
		e.id);
	SC_CHECK_MEM(e.p, SC_WANT_MARK_AT(0), MARK_LEN,
		     "the segment read through the attachment after its "
		     "namespace's last process left it");
	sc_run(read_after_namespace_emptied, &e);
	SC_CHECK_EQ(e.p[MARK_LEN], 'c',
		    "byte the forked child wrote, read by its parent");
	/* The last attachment goes: the namespace's last reference, and with
	 * it the namespace and its segment. */
	SC_CHECK_OK(shmdt(e.p));
}

/* Detects: an attachment lost (unmapped, or its memory replaced) when the
 * segment's namespace has no process left, while it is still attached. */
SC_CASE(attachment_keeps_segment_after_its_namespace_is_left, EXT_IPC_NS,
	SC_LINUX,
	"A segment attached by a process that moves to another IPC namespace "
	"stays usable and shared with a forked child, though no process is "
	"left in its own namespace")
{
	sc_run(leave_namespace_attached, NULL);
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, segment_invisible_from_new_ipc_namespace);
	SC_ADD(tp, segment_outlives_creator_while_its_namespace_lives);
	SC_ADD(tp, same_key_names_independent_segments_in_two_namespaces);
	SC_ADD(tp, attachment_keeps_segment_after_its_namespace_is_left);
	return atf_no_error();
}
