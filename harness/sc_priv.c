/* Becoming an unprivileged user in a child, and proving it. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_priv.h"
#include "sc_shm.h"

bool sc_priv_has_cap(int cap)
{
	return (sc_capeff() >> cap) & 1;
}

const char *sc_priv_cap_name(int cap)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
	    {SC_CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
	    {SC_CAP_SETGID, "CAP_SETGID"},
	    {SC_CAP_SETUID, "CAP_SETUID"},
	    {SC_CAP_IPC_LOCK, "CAP_IPC_LOCK"},
	    {SC_CAP_IPC_OWNER, "CAP_IPC_OWNER"},
	    {SC_CAP_SYS_RAWIO, "CAP_SYS_RAWIO"},
	    {SC_CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].cap == cap)
			return names[i].name;
	static char other[32];
	snprintf(other, sizeof other, "capability %d", cap);
	return other;
}

void sc_priv_need_cap(int cap, const char *why)
{
	if (!sc_priv_has_cap(cap))
		SC_SKIP("needs %s, which this process (uid %d, CapEff %llx) "
			"lacks: %s",
			sc_priv_cap_name(cap), (int)geteuid(), sc_capeff(),
			why);
}

bool sc_priv_can_switch(void)
{
	/* Root without CAP_SETUID (a container's --cap-drop) cannot; a
	 * non-root process with both (file capabilities) can. */
	return sc_priv_has_cap(SC_CAP_SETUID) && sc_priv_has_cap(SC_CAP_SETGID);
}

/* Is id inside one of the ranges of an id map file? */
static bool sc_priv_id_mapped(const char *map, unsigned long id)
{
	FILE *f = fopen(map, "re");
	if (!f)
		return true; /* no user namespaces: every id exists */
	unsigned long inside, outside, count;
	bool found = false;
	while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		if (id >= inside && id - inside < count)
			found = true;
	fclose(f);
	return found;
}

bool sc_priv_uid_mapped(uid_t uid)
{
	return sc_priv_id_mapped("/proc/self/uid_map", uid);
}

bool sc_priv_gid_mapped(gid_t gid)
{
	return sc_priv_id_mapped("/proc/self/gid_map", gid);
}

bool sc_priv_capable(int cap)
{
	return sc_priv_has_cap(cap) && sc_priv_initial_userns();
}

bool sc_priv_initial_userns(void)
{
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return true; /* no user namespaces */
	unsigned long inside, outside, count;
	int n = 0;
	bool identity = false;
	while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
		n++;
		identity = inside == 0 && outside == 0 && count == 4294967295UL;
	}
	fclose(f);
	return n == 1 && identity;
}

bool sc_priv_target_try(struct sc_priv_user *u, char *why, size_t len)
{
	memset(u, 0, sizeof *u);
	if (!sc_priv_can_switch()) {
		/* Already unprivileged (or at least not root): the case's
		 * own user is the one that must be refused. */
		u->uid = getuid();
		u->gid = getgid();
		struct passwd *pw = getpwuid(u->uid);
		if (pw)
			snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
		else
			snprintf(u->name, sizeof u->name, "uid %d",
				 (int)u->uid);
		return true;
	}
	/* Kyua's own variable is unprivileged-user; ours unprivileged_user. */
	const char *want = sc_config("unprivileged_user", NULL);
	if (!want)
		want = sc_config("unprivileged-user", "nobody");
	struct passwd *pw = getpwnam(want);
	if (pw) {
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
	} else {
		char *end;
		errno = 0;
		unsigned long n = strtoul(want, &end, 10);
		if (errno || end == want || *end) {
			snprintf(why, len,
				 "the unprivileged user \"%s\" does not exist "
				 "here (set the Kyua variable "
				 "unprivileged_user to a user name or uid)",
				 want);
			return false;
		}
		u->uid = (uid_t)n;
		pw = getpwuid(u->uid);
		/* A uid without a passwd entry: its own number as gid. */
		u->gid = pw ? pw->pw_gid : (gid_t)n;
	}
	snprintf(u->name, sizeof u->name, "%s", pw ? pw->pw_name : want);
	if (u->uid == 0 || u->gid == 0) {
		snprintf(why, len,
			 "the unprivileged user %s has uid %d gid %d: root's "
			 "ids cannot show a permission being refused",
			 u->name, (int)u->uid, (int)u->gid);
		return false;
	}
	if (!sc_priv_uid_mapped(u->uid) || !sc_priv_gid_mapped(u->gid)) {
		snprintf(why, len,
			 "user %s (uid %d, gid %d) is not mapped in this user "
			 "namespace: no child can run as another user here",
			 u->name, (int)u->uid, (int)u->gid);
		return false;
	}
	return true;
}

void sc_priv_target(struct sc_priv_user *u)
{
	char why[512];
	if (!sc_priv_target_try(u, why, sizeof why))
		SC_SKIP("%s", why);
}

void sc_priv_other_user(struct sc_priv_user *u, const char *why)
{
	if (!sc_priv_can_switch())
		SC_SKIP("needs CAP_SETUID and CAP_SETGID to run a child as "
			"another user, which this process (uid %d) lacks: %s",
			(int)geteuid(), why);
	sc_priv_target(u);
	if (u->uid == geteuid())
		SC_SKIP("the unprivileged user %s is this process's user: %s",
			u->name, why);
}

void sc_priv_drop(const struct sc_priv_user *u)
{
	if (!sc_in_child())
		SC_FAIL("harness misuse: sc_priv_drop outside a spawned child "
			"would drop the case's own privileges");
	bool switching = sc_priv_can_switch();
	if (switching) {
		if (setgroups(1, &u->gid) != 0)
			SC_SKIP("cannot drop privileges: setgroups([%d]) "
				"failed with %s",
				(int)u->gid, sc_errno_name(errno));
		if (setresgid(u->gid, u->gid, u->gid) != 0)
			SC_SKIP("cannot drop privileges: setresgid(%d) "
				"failed with %s",
				(int)u->gid, sc_errno_name(errno));
		/* Leaving uid 0 for good clears the capability sets (from
		 * another uid they stay: the check below skips then). */
		if (setresuid(u->uid, u->uid, u->uid) != 0)
			SC_SKIP("cannot drop privileges: setresuid(%d) "
				"failed with %s",
				(int)u->uid, sc_errno_name(errno));
	}
	/* Prove it: ids, groups, capabilities. */
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
		SC_FAIL("harness: getresuid/getresgid: %s",
			sc_errno_name(errno));
	if (r != u->uid || e != u->uid || s != u->uid || eg != u->gid)
		SC_FAIL("harness: after dropping to %s: expected uids %d and "
			"egid %d, observed uids %d/%d/%d egid %d",
			u->name, (int)u->uid, (int)u->gid, (int)r, (int)e,
			(int)s, (int)eg);
	if (switching) {
		gid_t groups[64];
		int n = getgroups(64, groups);
		for (int i = 0; i < n; i++)
			if (groups[i] != u->gid)
				SC_FAIL("harness: after dropping to %s: "
					"expected only group %d, observed "
					"supplementary group %d",
					u->name, (int)u->gid, (int)groups[i]);
	}
	if (sc_priv_has_cap(SC_CAP_IPC_OWNER) ||
	    sc_priv_has_cap(SC_CAP_SYS_ADMIN))
		SC_SKIP("running as %s (uid %d) still leaves CAP_IPC_OWNER or "
			"CAP_SYS_ADMIN effective (CapEff %llx): the kernel "
			"would grant every permission, nothing can be refused",
			u->name, (int)u->uid, sc_capeff());
}

struct sc_priv_user sc_priv_drop_cap(int cap, const char *why)
{
	struct sc_priv_user u;
	sc_priv_target(&u);
	sc_priv_drop(&u);
	if (sc_priv_has_cap(cap))
		SC_SKIP("%s is still effective after dropping to %s: %s",
			sc_priv_cap_name(cap), u.name, why);
	return u;
}
