/*
 * Running part of a case as an unprivileged user.
 *
 * Permission checks (EACCES, EPERM) never fire for a process with
 * CAP_IPC_OWNER or CAP_SYS_ADMIN, so a permission case run as root would
 * pass without checking anything.  These helpers let a forked child become
 * an ordinary user for good, and prove that it did.
 */
#ifndef SC_PRIV_H
#define SC_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "sc.h"

/* Capabilities by number (linux/capability.h), for sc_priv_has_cap. */
#define SC_CAP_DAC_OVERRIDE 1
#define SC_CAP_SETGID 6
#define SC_CAP_SETUID 7
#define SC_CAP_IPC_LOCK 14
#define SC_CAP_IPC_OWNER 15
#define SC_CAP_SYS_RAWIO 17
#define SC_CAP_SYS_ADMIN 21

struct sc_priv_user {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/*
 * Privilege is what the kernel checks: the effective capabilities, never
 * uid 0.  Root in a container (Docker drops CAP_IPC_OWNER and
 * CAP_SYS_ADMIN by default) may switch users but not bypass permissions.
 */

/* Is capability cap in this process's effective set (/proc/self/status)? */
bool sc_priv_has_cap(int cap);
/* "CAP_IPC_OWNER" for SC_CAP_IPC_OWNER ("capability N" if unknown). */
const char *sc_priv_cap_name(int cap);
/* Skip the case unless cap is effective: the reason names it and why
 * the case needs it. */
void sc_priv_need_cap(int cap, const char *why);

/* Can this process make children that run as another user (CAP_SETUID
 * and CAP_SETGID effective)?  Only then can owner, group and other be
 * different users. */
bool sc_priv_can_switch(void);

/*
 * The user an unprivileged child runs as.  When this process can switch
 * users: the Kyua variable unprivileged_user (a name or a uid; default
 * "nobody"), which must not be root.  Otherwise: this process's own user.
 * Skips the case, saying why, when there is no such user.
 */
void sc_priv_target(struct sc_priv_user *u);
/* The same, returning false with the reason in why instead of skipping. */
bool sc_priv_target_try(struct sc_priv_user *u, char *why, size_t len);

/* The same, for a child that must be another user than this process (a
 * segment's owner): skips, with why, when this process cannot switch
 * users or the unprivileged user is its own. */
void sc_priv_other_user(struct sc_priv_user *u, const char *why);

/*
 * In a child made by sc_spawn: become u for good (setgroups to u's group
 * alone, setgid, setuid), then verify the drop: real, effective and saved
 * ids are u's, and neither CAP_IPC_OWNER nor CAP_SYS_ADMIN is effective.
 * Skips the case, saying why, when that is impossible here (no permission
 * to switch, the user not mapped in this user namespace, capabilities that
 * survive).  Never returns with privileges.
 */
void sc_priv_drop(const struct sc_priv_user *u);
/* sc_priv_target and sc_priv_drop, then skip unless cap is gone too; why
 * says what the kernel would grant with it.  Returns the user. */
struct sc_priv_user sc_priv_drop_cap(int cap, const char *why);

/* Is uid mapped in this process's user namespace (/proc/self/uid_map)?
 * IPC_SET with an unmapped uid fails with EINVAL. */
bool sc_priv_uid_mapped(uid_t uid);
bool sc_priv_gid_mapped(gid_t gid);
/* Is this process in the initial user namespace (uid_map "0 0 4294967295")?
 * Capabilities held in another one do not count where the kernel asks
 * capable() (CAP_SYS_RAWIO for page 0) or where a file belongs to the
 * initial namespace's root (/proc/sys). */
bool sc_priv_initial_userns(void);
/* cap is effective and counts where the kernel asks capable(): in the
 * initial user namespace only. */
bool sc_priv_capable(int cap);

/* Cleanup as a segment's creator: sc_rmid_as_creator (sc_core.h). */

#endif
