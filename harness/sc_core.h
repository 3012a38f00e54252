/*
 * The harness's ATF-free core (libsc_core): what both the case library and
 * the tools (tools/: sc-run, sc-probe, sc-sweep) need.  Nothing here fails
 * a case or calls atf-c; errors are return values.
 */
#ifndef SC_CORE_H
#define SC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- names for numbers (sc_names.c) ------------------------------------ */

const char *sc_errno_name(int err);		/* "EINVAL"; "errno 4095" */
const char *sc_signal_name(int sig);		/* "SIGSEGV" */
const char *sc_si_code_name(int sig, int code); /* "SEGV_ACCERR" */
/* statfs f_type in words: "tmpfs", "ext4"; "fs-0x..." if unknown. */
const char *sc_fs_type_name(unsigned long magic);
/* The type of dir's file system: sc_fs_type_name(magic), or mount(8)'s
 * name where the magic cannot tell (ext2/ext3/ext4, a 9p share) or has no
 * name (sc_fstype.c). */
const char *sc_fsinfo_type(const char *dir, unsigned long magic);
/* The type (first field after " - ") and super options of the mountinfo
 * line of the mount holding dir (matched by device number); false if none. */
bool sc_fs_mountinfo(const char *dir, char *type, size_t tlen, char *opts,
		     size_t olen);

/* ---- the ledger's undo side (sc_ledger.c) ------------------------------ */

/* Remove every leftover of runs whose process is gone (ci/run-suite and
 * sc-sweep call this). Returns the number of items removed. */
int sc_sweep_stale(void);

/* For the case library's half of the ledger (sc_files.c). */
/* $SHMCONFORM_STATE, default /tmp/shmconform-state. */
const char *sc_state_dir(void);
/* Undo everything a ledger lists, then delete it; items removed. */
int sc_ledger_process(const char *path);
/* State letter (R, S, Z...) and start time of process pid, from
 * /proc/PID/stat; false if there is no such process. */
bool sc_proc_stat(pid_t pid, char *state, unsigned long long *start);
/* "PID STARTTIME IPCNS PIDNS": who owns a ledger, as the sweep judges. */
void sc_proc_identity(pid_t pid, char *buf, size_t len);
/* Key and creator of System V segment id; false if there is none. */
bool sc_shm_identity(int id, long long *key, int *cpid);
/* IPC_RMID of segment id as its creator (shm_perm.cuid), in a child that
 * switches to that uid: how a run whose root lacks CAP_SYS_ADMIN and
 * CAP_IPC_OWNER removes a segment a privilege-dropped child made.  Needs
 * CAP_SETUID; a bounded wait.  Returns whether it was removed. */
bool sc_rmid_as_creator(int id);
/* This process's effective capability set (CapEff of /proc/self/status),
 * 0 if it cannot be read. */
unsigned long long sc_capeff(void);

#endif
