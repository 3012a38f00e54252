/*
 * The environment probe (tl_probe.h): the only code in shmconform that
 * inspects the environment a run sees.  sc-probe prints its object; sc-run
 * embeds it in its results; the reports and the benchmark read that JSON.
 * Every member and where it comes from: reports/FORMAT.md, "Probe object".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sc_core.h"
#include "tl_json.h"
#include "tl_probe.h"
#include "tl_util.h"

/* ---- reading files ----------------------------------------------------- */

/* The first line of a small file, without its newline; NULL if unreadable. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *r = fgets(buf, (int)len, f);
	fclose(f);
	if (!r)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Does the file contain needle (case-sensitive)?  Reads at most 1 MiB. */
static bool file_has(const char *path, const char *needle)
{
	char *text = tl_slurp(path, 1u << 20, NULL);
	bool found = text && strstr(text, needle);
	free(text);
	return found;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The value of "Key:\t..." in /proc/self/status, or NULL. */
static char *status_field(const char *key, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return NULL;
	char line[512];
	size_t n = strlen(key);
	char *found = NULL;
	while (!found && fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			v += strspn(v, " \t");
			snprintf(buf, len, "%s", v);
			buf[strcspn(buf, "\n")] = '\0';
			found = buf;
		}
	fclose(f);
	return found;
}

/* A decimal text as a JSON number when it is one, else a string. */
static void jnumber_text(struct tl_json *j, const char *k, const char *text)
{
	char *end;
	errno = 0;
	if (text[0] == '-') {
		long long v = strtoll(text, &end, 10);
		if (!errno && end != text && *end == '\0') {
			tl_json_int(j, k, v);
			return;
		}
	} else {
		unsigned long long v = strtoull(text, &end, 10);
		if (!errno && end != text && *end == '\0') {
			tl_json_uint(j, k, v);
			return;
		}
	}
	tl_json_str(j, k, text);
}

static void jsysctl(struct tl_json *j, const char *k, const char *path)
{
	char buf[256];
	if (read_line(path, buf, sizeof buf))
		jnumber_text(j, k, buf);
	else
		tl_json_null(j, k);
}

/* ---- file systems ------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] &&
		    r[3]) {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				      (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

struct mount {
	char point[PATH_MAX];
	char fstype[64];
	char source[PATH_MAX];
	char options[1024];
	char super[2048];
};

/* The mount holding path: same device, longest mount point that is a prefix
 * of the path; the last such line wins (the top of a stack of mounts). */
static bool find_mount(const char *path, dev_t dev, struct mount *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	size_t best = 0;
	bool found = false;
	while (getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		char point[PATH_MAX], opts[1024];
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s %1023s", &maj, &min,
			   point, opts) != 4)
			continue;
		if (makedev(maj, min) != dev)
			continue;
		unescape(point);
		size_t n = strlen(point);
		bool prefix = strcmp(point, "/") == 0 ||
			      (strncmp(path, point, n) == 0 &&
			       (path[n] == '/' || path[n] == '\0'));
		if (!prefix || n < best)
			continue;
		const char *sep = strstr(line, " - ");
		char fstype[64], source[PATH_MAX], super[2048];
		if (!sep || sscanf(sep + 3, "%63s %4095s %2047s", fstype,
				   source, super) != 3)
			continue;
		best = n;
		found = true;
		snprintf(out->point, sizeof out->point, "%s", point);
		snprintf(out->options, sizeof out->options, "%s", opts);
		snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
		unescape(source);
		snprintf(out->source, sizeof out->source, "%s", source);
		unescape(super);
		snprintf(out->super, sizeof out->super, "%s", super);
	}
	free(line);
	fclose(f);
	return found;
}

/* Is flag one of the comma-separated options? */
static bool has_option(const char *opts, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = opts; p && *p;
	     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, flag, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* Every option of the mount and of its super block, as one object: a flag
 * is true, "key=value" a string.  The per-mount list holds flags (rw,
 * nosuid, relatime); the super block's carries the file system's own
 * (9p's cache=, NFS's vers= and proto=, FUSE's user_id=). */
static void joptions(struct tl_json *j, const struct mount *m)
{
	tl_json_open(j, "options", '{');
	const char *lists[2] = {m->options, m->super};
	for (int l = 0; l < 2; l++) {
		char *copy = tl_xstrdup(lists[l]);
		char *save = NULL;
		for (char *o = strtok_r(copy, ",", &save); o;
		     o = strtok_r(NULL, ",", &save)) {
			/* a flag named in both lists is written once */
			if (l == 1 && !strchr(o, '=') &&
			    has_option(m->options, o))
				continue;
			char *eq = strchr(o, '=');
			if (eq) {
				*eq = '\0';
				tl_json_str(j, o, eq + 1);
			} else {
				tl_json_bool(j, o, 1);
			}
		}
		free(copy);
	}
	tl_json_close(j, '}');
}

/* The value of key=... among comma-separated options, or NULL. */
static const char *option_value(const char *opts, const char *key, char *buf,
				size_t len)
{
	size_t n = strlen(key);
	for (const char *p = opts; p && *p;
	     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + n + 1, ","),
				 p + n + 1);
			return buf;
		}
	return NULL;
}

/* What a reader of a result on this file system should know, in words:
 * the options that change how mappings, write-back and caching behave. */
static void jfs_notes(struct tl_json *j, const struct mount *m)
{
	char v[256];
	tl_json_open(j, "notes", '[');
	if (strcmp(m->fstype, "9p") == 0) {
		const char *cache =
		    option_value(m->super, "cache", v, sizeof v);
		char s[300];
		snprintf(s, sizeof s, "9p cache mode %s%s",
			 cache ? cache : "none",
			 cache ? "" : " (no cache= option: the default)");
		tl_json_str(j, NULL, s);
		if (option_value(m->super, "trans", v, sizeof v)) {
			snprintf(s, sizeof s, "9p transport %s", v);
			tl_json_str(j, NULL, s);
		}
	} else if (strncmp(m->fstype, "nfs", 3) == 0) {
		static const char *const keys[] = {
		    "vers", "proto", "lookupcache", "local_lock", "actimeo"};
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
			if (option_value(m->super, keys[i], v, sizeof v)) {
				char s[300];
				snprintf(s, sizeof s, "NFS %s=%s", keys[i], v);
				tl_json_str(j, NULL, s);
			}
		if (has_option(m->super, "noac"))
			tl_json_str(j, NULL, "NFS noac (no attribute cache)");
		tl_json_str(j, NULL,
			    has_option(m->super, "soft") ? "NFS soft mount"
							 : "NFS hard mount");
	} else if (strncmp(m->fstype, "fuse", 4) == 0) {
		char s[300];
		if (m->fstype[4] == '.')
			snprintf(s, sizeof s, "FUSE file system %s",
				 m->fstype + 5);
		else
			snprintf(s, sizeof s,
				 "FUSE file system (no subtype in the mount "
				 "table; source %.200s)",
				 m->source);
		tl_json_str(j, NULL, s);
		/* FUSE_WRITEBACK_CACHE is negotiated at init between the
		 * daemon and the kernel; no /proc or /sys file shows it. */
		tl_json_str(j, NULL,
			    "FUSE writeback cache: not visible to the "
			    "probe (negotiated by the daemon at init)");
	} else if (strcmp(m->fstype, "overlay") == 0) {
		if (option_value(m->super, "upperdir", v, sizeof v))
			tl_json_str(j, NULL,
				    "overlay with an upper (writable) layer");
		else
			tl_json_str(
			    j, NULL,
			    "overlay without an upper layer (read-only)");
	}
	tl_json_close(j, ']');
}

/* The members describing the file system at dir (inside an open object). */
static void jfs_members(struct tl_json *j, const char *dir)
{
	struct statfs sfs;
	struct statvfs svfs;
	struct stat st;
	char real[PATH_MAX];
	char magic[32];
	if (statfs(dir, &sfs) != 0 || stat(dir, &st) != 0 ||
	    !realpath(dir, real)) {
		char err[PATH_MAX + 64];
		snprintf(err, sizeof err, "cannot probe %s: %s", dir,
			 sc_errno_name(errno));
		tl_json_null(j, "type");
		tl_json_str(j, "error", err);
		return;
	}
	unsigned long type = (unsigned long)sfs.f_type;
	snprintf(magic, sizeof magic, "0x%lx", type);
	/* As the cases name it (a 9p share's magic is its host's). */
	tl_json_str(j, "type", sc_fsinfo_type(dir, type));
	tl_json_str(j, "magic", magic);
	struct mount m;
	bool mounted = find_mount(real, st.st_dev, &m);
	if (mounted) {
		tl_json_str(j, "mount_point", m.point);
		tl_json_str(j, "mount_source", m.source);
		tl_json_str(j, "mount_fstype", m.fstype);
		tl_json_str(j, "mount_options", m.options);
		tl_json_str(j, "super_options", m.super);
	} else {
		tl_json_null(j, "mount_point");
	}
	int ro = statvfs(dir, &svfs) == 0 ? (svfs.f_flag & ST_RDONLY) != 0 : -1;
	if (mounted &&
	    (has_option(m.options, "ro") || has_option(m.super, "ro")))
		ro = 1;
	tl_json_bool(j, "read_only", ro);
	if (mounted) {
		joptions(j, &m);
		jfs_notes(j, &m);
	}
	tl_json_uint(j, "size_bytes",
		     (unsigned long long)sfs.f_blocks *
			 (unsigned long long)sfs.f_bsize);
	tl_json_uint(j, "free_bytes",
		     (unsigned long long)sfs.f_bavail *
			 (unsigned long long)sfs.f_bsize);
	tl_json_null(j, "error");
}

/* ---- namespaces -------------------------------------------------------- */

/* The kernel's fixed inode numbers of the initial namespaces
 * (include/linux/proc_ns.h); mnt and net have none. */
static const struct {
	const char *name;
	unsigned long long ino;
} ns_list[] = {
    {"ipc", 0xEFFFFFFFULL},
    {"uts", 0xEFFFFFFEULL},
    {"user", 0xEFFFFFFDULL},
    {"pid", 0xEFFFFFFCULL},
    {"cgroup", 0xEFFFFFFBULL},
    {"time", 0xEFFFFFFAULL},
    {"mnt", 0},
    {"net", 0},
};

/* 1: initial namespace, 0: not, -1: unknown. */
static int ns_initial(const char *name)
{
	for (size_t i = 0; i < sizeof ns_list / sizeof ns_list[0]; i++) {
		if (strcmp(ns_list[i].name, name) != 0 || !ns_list[i].ino)
			continue;
		char path[64];
		struct stat st;
		snprintf(path, sizeof path, "/proc/self/ns/%s", name);
		if (stat(path, &st) != 0)
			return -1;
		return (unsigned long long)st.st_ino == ns_list[i].ino;
	}
	return -1;
}

/* "  0  0  4294967295" -> "0 0 4294967295" (the first line only). */
static bool first_map_line(const char *path, char *out, size_t len)
{
	char map[256];
	if (!read_line(path, map, sizeof map))
		return false;
	size_t w = 0;
	out[0] = '\0';
	for (char *save = NULL, *tok = strtok_r(map, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		w += (size_t)snprintf(out + w, len - w, "%s%s", w ? " " : "",
				      tok);
	return true;
}

static void jnamespaces(struct tl_json *j)
{
	tl_json_open(j, "namespaces", '{');
	for (size_t i = 0; i < sizeof ns_list / sizeof ns_list[0]; i++) {
		char path[64], link[128];
		snprintf(path, sizeof path, "/proc/self/ns/%s",
			 ns_list[i].name);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		tl_json_open(j, ns_list[i].name, '{');
		tl_json_str(j, "id", link);
		tl_json_bool(j, "initial", ns_initial(ns_list[i].name));
		char map[256];
		if (strcmp(ns_list[i].name, "user") == 0 &&
		    first_map_line("/proc/self/uid_map", map, sizeof map))
			tl_json_str(j, "uid_map", map);
		tl_json_close(j, '}');
	}
	tl_json_close(j, '}');
}

/* One /proc/self/{uid,gid}_map as [{"inside", "outside", "count"}...]. */
static void jidmap(struct tl_json *j, const char *key, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		tl_json_null(j, key);
		return;
	}
	tl_json_open(j, key, '[');
	unsigned long long in, out, count;
	while (fscanf(f, "%llu %llu %llu", &in, &out, &count) == 3) {
		tl_json_open(j, NULL, '{');
		tl_json_uint(j, "inside", in);
		tl_json_uint(j, "outside", out);
		tl_json_uint(j, "count", count);
		tl_json_close(j, '}');
	}
	fclose(f);
	tl_json_close(j, ']');
}

static void juser_namespace(struct tl_json *j)
{
	tl_json_open(j, "user_namespace", '{');
	tl_json_bool(j, "initial", ns_initial("user"));
	jidmap(j, "uid_map", "/proc/self/uid_map");
	jidmap(j, "gid_map", "/proc/self/gid_map");
	char buf[64];
	tl_json_str(j, "setgroups",
		    read_line("/proc/self/setgroups", buf, sizeof buf));
	tl_json_close(j, '}');
}

/* ---- capabilities and seccomp ------------------------------------------ */

/* include/uapi/linux/capability.h, by number. */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

static void jcapset(struct tl_json *j, const char *key, const char *field)
{
	char buf[64];
	if (!status_field(field, buf, sizeof buf)) {
		tl_json_null(j, key);
		return;
	}
	unsigned long long set = strtoull(buf, NULL, 16);
	tl_json_open(j, key, '{');
	tl_json_str(j, "hex", buf);
	tl_json_open(j, "names", '[');
	for (unsigned i = 0; i < 64; i++) {
		if (!(set >> i & 1))
			continue;
		if (i < sizeof cap_names / sizeof *cap_names) {
			tl_json_str(j, NULL, cap_names[i]);
		} else {
			char n[32];
			snprintf(n, sizeof n, "CAP_%u", i); /* newer kernel */
			tl_json_str(j, NULL, n);
		}
	}
	tl_json_close(j, ']');
	/* The known capabilities the set lacks: what a container dropped. */
	tl_json_open(j, "lacks", '[');
	for (unsigned i = 0; i < sizeof cap_names / sizeof *cap_names; i++)
		if (!(set >> i & 1))
			tl_json_str(j, NULL, cap_names[i]);
	tl_json_close(j, ']');
	tl_json_close(j, '}');
}

static void jcapabilities(struct tl_json *j)
{
	tl_json_open(j, "capabilities", '{');
	jcapset(j, "effective", "CapEff");
	jcapset(j, "permitted", "CapPrm");
	jcapset(j, "inheritable", "CapInh");
	jcapset(j, "bounding", "CapBnd");
	jcapset(j, "ambient", "CapAmb");
	tl_json_close(j, '}');
}

static void jseccomp(struct tl_json *j)
{
	static const char *const modes[] = {"disabled", "strict", "filter"};
	char buf[64];
	tl_json_open(j, "seccomp", '{');
	if (status_field("Seccomp", buf, sizeof buf)) {
		int mode = atoi(buf);
		tl_json_int(j, "mode", mode);
		tl_json_str(j, "mode_name",
			    mode >= 0 && mode < 3 ? modes[mode] : NULL);
	} else {
		tl_json_null(j, "mode");
		tl_json_null(j, "mode_name");
	}
	/* Seccomp_filters: since Linux 5.9 */
	if (status_field("Seccomp_filters", buf, sizeof buf))
		tl_json_int(j, "filters", atoll(buf));
	else
		tl_json_null(j, "filters");
	tl_json_bool(
	    j, "no_new_privs",
	    status_field("NoNewPrivs", buf, sizeof buf) ? atoi(buf) != 0 : -1);
	tl_json_close(j, '}');
}

/* ---- cgroup memory limit ----------------------------------------------- */

/* This process's cgroup path for controller ("" for v2's "0::" line). */
static bool cgroup_path(const char *controller, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return false;
	char line[PATH_MAX + 64];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'),
		     *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctl = c1 + 1;
		bool match = *controller ? has_option(ctl, controller)
					 : strcmp(line, "0") == 0 && !*ctl;
		if (match) {
			snprintf(out, len, "%s", c2 + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The tightest limit on the way from the cgroup up to the root (a limit
 * of a parent binds the child): file under base/path, base/parent, ... */
static bool tightest_limit(const char *base, const char *path, const char *file,
			   char *raw, size_t rawlen, char *where, size_t wlen,
			   unsigned long long *limit)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	bool any = false;
	*limit = ULLONG_MAX;
	for (;;) {
		char full[PATH_MAX * 2], buf[64];
		snprintf(full, sizeof full, "%s%s/%s", base,
			 strcmp(p, "/") == 0 ? "" : p, file);
		if (read_line(full, buf, sizeof buf)) {
			unsigned long long v = strcmp(buf, "max") == 0
						   ? ULLONG_MAX
						   : strtoull(buf, NULL, 10);
			if (!any || v < *limit) {
				*limit = v;
				snprintf(raw, rawlen, "%s", buf);
				snprintf(where, wlen, "%s", full);
			}
			any = true;
		}
		char *slash = strrchr(p, '/');
		if (!slash || strcmp(p, "/") == 0 || !*p)
			break;
		if (slash == p)
			p[1] = '\0';
		else
			*slash = '\0';
	}
	return any;
}

static void jcgroup(struct tl_json *j)
{
	char path[PATH_MAX] = "", raw[64] = "", where[PATH_MAX * 2] = "";
	unsigned long long limit = ULLONG_MAX;
	int version = 0;
	bool found = false;
	if (cgroup_path("", path, sizeof path) &&
	    exists("/sys/fs/cgroup/cgroup.controllers")) {
		version = 2;
		found =
		    tightest_limit("/sys/fs/cgroup", path, "memory.max", raw,
				   sizeof raw, where, sizeof where, &limit);
	}
	if (!found && cgroup_path("memory", path, sizeof path)) {
		version = 1;
		found = tightest_limit("/sys/fs/cgroup/memory", path,
				       "memory.limit_in_bytes", raw, sizeof raw,
				       where, sizeof where, &limit);
	}
	tl_json_open(j, "cgroup", '{');
	if (version)
		tl_json_int(j, "version", version);
	else
		tl_json_null(j, "version");
	tl_json_str(j, "path", version ? path : NULL);
	/* v1 writes "no limit" as LONG_MAX rounded to a page. */
	bool unlimited = !found || limit >= (1ULL << 62);
	if (unlimited)
		tl_json_null(j, "memory_limit_bytes");
	else
		tl_json_uint(j, "memory_limit_bytes", limit);
	tl_json_str(j, "memory_limit", found ? raw : NULL);
	tl_json_str(j, "memory_limit_file", found ? where : NULL);
	tl_json_close(j, '}');
}

/* ---- sandbox and runtime ----------------------------------------------- */

struct sandbox {
	bool gvisor, wsl1, wsl2, uml, container, vm;
	char hypervisor[64];
	char evidence[16][160];
	int n_evidence;
};

static void __attribute__((format(printf, 2, 3)))
evidence(struct sandbox *s, const char *fmt, ...)
{
	if (s->n_evidence >= 16)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->evidence[s->n_evidence++], sizeof s->evidence[0], fmt, ap);
	va_end(ap);
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Container managers' names in /proc/self/cgroup, and the runtime each
 * means.  The first SANDBOX_MARKS make sandbox.container true as well. */
static const char *const cgroup_marks[][2] = {
    {"docker", "docker"}, {"kubepods", "kubernetes"},
    {"lxc", "lxc"},	  {"containerd", "containerd"},
    {"libpod", "podman"}, {"machine.slice", "systemd-nspawn"},
};
#define SANDBOX_MARKS 5

static void detect_sandbox(const struct utsname *u, struct sandbox *s)
{
	char rel[sizeof u->release];
	snprintf(rel, sizeof rel, "%s", u->release);
	lower(rel);
	/* gVisor reports a fixed, old version string (and lately a release
	 * naming itself); its Sentry is not Linux. */
	if (strstr(rel, "gvisor")) {
		s->gvisor = true;
		evidence(s, "kernel release %s names gVisor", u->release);
	} else if (strcmp(u->version, "#1 SMP Sun Jan 10 15:06:54 PST 2016") ==
		   0) {
		s->gvisor = true;
		evidence(s, "kernel version string is gVisor's fixed one");
	}
	if (strstr(u->release, "Microsoft")) {
		s->wsl1 = true;
		evidence(s, "kernel release %s (capital M: WSL 1)", u->release);
	} else if (strstr(rel, "microsoft")) {
		s->wsl2 = true;
		evidence(s, "kernel release %s names Microsoft (WSL 2)",
			 u->release);
	}
	if (exists("/proc/sys/fs/binfmt_misc/WSLInterop"))
		evidence(s, "/proc/sys/fs/binfmt_misc/WSLInterop present");
	if (file_has("/proc/cpuinfo", "User Mode Linux")) {
		s->uml = true;
		evidence(s, "/proc/cpuinfo says User Mode Linux");
	}

	int pid_init = ns_initial("pid"), user_init = ns_initial("user");
	if (pid_init == 0 || user_init == 0) {
		s->container = true;
		evidence(s, "non-initial %s namespace",
			 pid_init == 0 ? "PID" : "user");
	}
	if (exists("/run/.containerenv")) {
		s->container = true;
		evidence(s, "/run/.containerenv present (podman)");
	}
	for (size_t i = 0; i < SANDBOX_MARKS; i++)
		if (file_has("/proc/self/cgroup", cgroup_marks[i][0])) {
			s->container = true;
			evidence(s, "/proc/self/cgroup names %s",
				 cgroup_marks[i][0]);
			break;
		}
	if (exists("/.dockerenv")) {
		if (pid_init == 1 && user_init == 1 && !s->container)
			evidence(s, "/.dockerenv present but the namespaces "
				    "are the initial ones: an image marker, "
				    "not a container");
		else {
			s->container = true;
			evidence(s, "/.dockerenv present");
		}
	}

	if (file_has("/proc/cpuinfo", " hypervisor")) {
		s->vm = true;
		evidence(s, "cpu flag hypervisor");
	}
	char buf[256];
	if (read_line("/sys/hypervisor/type", buf, sizeof buf)) {
		s->vm = true;
		snprintf(s->hypervisor, sizeof s->hypervisor, "%.63s", buf);
		evidence(s, "/sys/hypervisor/type is %s", buf);
	}
	if (read_line("/sys/class/dmi/id/sys_vendor", buf, sizeof buf)) {
		static const char *const vendors[][2] = {
		    {"QEMU", "qemu"},	     {"KVM", "kvm"},
		    {"VMware", "vmware"},    {"innotek", "virtualbox"},
		    {"Microsoft", "hyperv"}, {"Xen", "xen"},
		    {"Amazon EC2", "kvm"},   {"Google", "kvm"},
		};
		for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
			if (strstr(buf, vendors[i][0])) {
				s->vm = true;
				snprintf(s->hypervisor, sizeof s->hypervisor,
					 "%s", vendors[i][1]);
				evidence(s, "DMI system vendor %s", buf);
			}
	}
	if (file_has("/proc/cmdline", "firecracker")) {
		s->vm = true;
		snprintf(s->hypervisor, sizeof s->hypervisor, "firecracker");
		evidence(s, "/proc/cmdline names firecracker");
	}
}

static void jsandbox(struct tl_json *j, const struct sandbox *s)
{
	const char *kind = s->gvisor	  ? "gvisor"
			   : s->wsl2	  ? "wsl2"
			   : s->wsl1	  ? "wsl1"
			   : s->uml	  ? "uml"
			   : s->container ? "container"
			   : s->vm	  ? "vm"
					  : "none";
	tl_json_open(j, "sandbox", '{');
	tl_json_str(j, "kind", kind);
	tl_json_open(j, "tags", '[');
	const struct {
		bool on;
		const char *tag;
	} tags[] = {{s->gvisor, "gvisor"},	 {s->wsl2, "wsl2"},
		    {s->wsl1, "wsl1"},		 {s->uml, "uml"},
		    {s->container, "container"}, {s->vm, "vm"}};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (tags[i].on)
			tl_json_str(j, NULL, tags[i].tag);
	if (s->hypervisor[0])
		tl_json_str(j, NULL, s->hypervisor);
	tl_json_close(j, ']');
	tl_json_bool(j, "gvisor", s->gvisor);
	tl_json_bool(j, "wsl", s->wsl1 || s->wsl2 ? 1 : 0);
	tl_json_bool(j, "uml", s->uml);
	tl_json_bool(j, "container", s->container);
	tl_json_bool(j, "vm", s->vm);
	tl_json_open(j, "evidence", '[');
	for (int i = 0; i < s->n_evidence; i++)
		tl_json_str(j, NULL, s->evidence[i]);
	tl_json_close(j, ']');
	tl_json_close(j, '}');
}

struct runtime {
	const char *name; /* docker, podman, ... (see reports/FORMAT.md) */
	const char *type; /* container, sandbox, vm, emulation, none */
	char decided_by[320];
};

/* $container of PID 1 (set by podman, LXC, systemd-nspawn, flatpak's
 * run-time helpers; not by Docker); false if unreadable or unset. */
static bool init_container_var(char *out, size_t len, bool *unreadable)
{
	FILE *f = fopen("/proc/1/environ", "r");
	*unreadable = !f;
	if (!f)
		return false;
	char *var = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getdelim(&var, &cap, '\0', f) > 0)
		if (strncmp(var, "container=", 10) == 0) {
			snprintf(out, len, "%s", var + 10);
			found = *out != '\0';
		}
	free(var);
	fclose(f);
	return found;
}

/* The runtime name for a $container or /run/systemd/container value. */
static const char *runtime_from_var(const char *v)
{
	static const char *const known[] = {"docker",	      "podman",	 "lxc",
					    "systemd-nspawn", "flatpak", "wsl"};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (strncmp(v, known[i], strlen(known[i])) == 0)
			return known[i];
	return "container"; /* oci, a runtime we do not know by name */
}

/* Does the mount table look like one Docker made: /etc/hostname (or
 * resolv.conf, hosts) bound from .../containers/ID/, or an overlay root?
 * (A /.dockerenv alone can be an image's leftover on a VM or host root,
 * as on the machines this suite is developed on.) */
static bool docker_mounts(char *why, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], point[PATH_MAX];
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", root, point) != 2)
			continue;
		const char *sep = strstr(line, " - ");
		if ((strcmp(point, "/etc/hostname") == 0 ||
		     strcmp(point, "/etc/resolv.conf") == 0) &&
		    strstr(root, "/containers/")) {
			snprintf(why, len, "%.20s is bound from %.160s", point,
				 root);
			found = true;
		} else if (strcmp(point, "/") == 0 && sep &&
			   strncmp(sep, " - overlay ", 11) == 0) {
			snprintf(why, len, "the root is an overlay mount");
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

#define DECIDE(rt, n, t, ...)                                                  \
	do {                                                                   \
		(rt)->name = (n);                                              \
		(rt)->type = (t);                                              \
		snprintf((rt)->decided_by, sizeof(rt)->decided_by,             \
			 __VA_ARGS__);                                         \
	} while (0)

/* The first sign that names a runtime decides; the order is the one of
 * reports/FORMAT.md (most specific first). */
static void detect_runtime(const struct sandbox *s, struct runtime *rt)
{
	char buf[256], comm[64];
	bool unreadable = false;
	bool non_initial = ns_initial("pid") == 0 || ns_initial("user") == 0;
	if (s->gvisor) {
		DECIDE(rt, "gvisor", "sandbox", "%s", s->evidence[0]);
	} else if (s->wsl1 || s->wsl2) {
		DECIDE(rt, "wsl", s->wsl2 ? "vm" : "emulation",
		       "kernel release names Microsoft (WSL %d)",
		       s->wsl2 ? 2 : 1);
	} else if (s->uml) {
		DECIDE(rt, "uml", "vm", "/proc/cpuinfo says User Mode Linux");
	} else if (init_container_var(buf, sizeof buf, &unreadable)) {
		DECIDE(rt, runtime_from_var(buf), "container",
		       "PID 1's environment has container=%s", buf);
	} else if (read_line("/run/systemd/container", buf, sizeof buf)) {
		DECIDE(rt, runtime_from_var(buf), "container",
		       "/run/systemd/container says %s", buf);
	} else if (exists("/.flatpak-info")) {
		DECIDE(rt, "flatpak", "sandbox", "/.flatpak-info present");
	} else if (exists("/run/.containerenv")) {
		DECIDE(rt, "podman", "container", "/run/.containerenv present");
	} else if (exists("/.dockerenv") && non_initial &&
		   docker_mounts(buf, sizeof buf)) {
		DECIDE(rt, "docker", "container",
		       "/.dockerenv present, a non-initial PID or user "
		       "namespace, and %s",
		       buf);
	} else if (non_initial &&
		   read_line("/proc/1/comm", comm, sizeof comm) &&
		   strcmp(comm, "bwrap") == 0) {
		DECIDE(rt, "bwrap", "sandbox",
		       "PID 1 of this PID namespace is bwrap (bubblewrap)");
	} else {
		rt->name = NULL;
	}
	if (!rt->name) {
		for (size_t i = 0;
		     i < sizeof cgroup_marks / sizeof *cgroup_marks; i++)
			if (file_has("/proc/self/cgroup", cgroup_marks[i][0])) {
				DECIDE(rt, cgroup_marks[i][1], "container",
				       "/proc/self/cgroup names %s",
				       cgroup_marks[i][0]);
				break;
			}
	}
	if (!rt->name && non_initial) {
		DECIDE(rt, "namespaces", "container",
		       "a non-initial PID or user namespace and no runtime's "
		       "marker (unshare(1), or a runtime not known by name)%s",
		       unreadable ? "; /proc/1/environ unreadable" : "");
	} else if (!rt->name && s->vm) {
		DECIDE(rt, s->hypervisor[0] ? s->hypervisor : "vm", "vm", "%s",
		       s->evidence[s->n_evidence - 1]);
	} else if (!rt->name) {
		DECIDE(rt, "none", "none",
		       "initial PID and user namespaces, no container marker, "
		       "no hypervisor sign");
	}
}

static void jruntime(struct tl_json *j, const struct sandbox *s)
{
	struct runtime rt = {0};
	detect_runtime(s, &rt);
	tl_json_open(j, "runtime", '{');
	tl_json_str(j, "name", rt.name);
	tl_json_str(j, "type", rt.type);
	tl_json_str(j, "decided_by", rt.decided_by);
	tl_json_str(j, "hypervisor", s->hypervisor[0] ? s->hypervisor : NULL);
	tl_json_close(j, '}');
}

/* ---- System V limits --------------------------------------------------- */

static void jipc(struct tl_json *j)
{
	struct shminfo info;
	/* IPC_INFO fills a struct shminfo through the shmid_ds pointer. */
	if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0) {
		tl_json_null(j, "ipc_info");
	} else {
		tl_json_open(j, "ipc_info", '{');
		tl_json_uint(j, "shmmax", (unsigned long long)info.shmmax);
		tl_json_uint(j, "shmmin", (unsigned long long)info.shmmin);
		tl_json_uint(j, "shmmni", (unsigned long long)info.shmmni);
		tl_json_uint(j, "shmseg", (unsigned long long)info.shmseg);
		tl_json_uint(j, "shmall", (unsigned long long)info.shmall);
		tl_json_close(j, '}');
	}
	struct shm_info use;
	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&use) < 0) {
		tl_json_null(j, "shm_info");
	} else {
		tl_json_open(j, "shm_info", '{');
		tl_json_int(j, "used_ids", use.used_ids);
		tl_json_uint(j, "shm_tot", (unsigned long long)use.shm_tot);
		tl_json_uint(j, "shm_rss", (unsigned long long)use.shm_rss);
		tl_json_uint(j, "shm_swp", (unsigned long long)use.shm_swp);
		tl_json_close(j, '}');
	}
}

/* ---- the object -------------------------------------------------------- */

const char *tl_probe_default_fs(char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s:/dev/shm", tmp && *tmp ? tmp : "/tmp");
	return buf;
}

int tl_probe_write(FILE *f, const char *fslist, const char *producer)
{
	struct utsname u;
	if (uname(&u) != 0)
		return -1;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	struct tl_json jw, *j = &jw;
	tl_json_init(j, f);
	tl_json_open(j, NULL, '{');
	tl_json_str(j, "format", "shmconform-probe");
	tl_json_int(j, "version", 1);
	tl_json_str(j, "producer", producer);
	tl_json_str(j, "time", now);
	tl_json_str(j, "hostname", u.nodename);
	tl_json_open(j, "kernel", '{');
	tl_json_str(j, "sysname", u.sysname);
	tl_json_str(j, "release", u.release);
	tl_json_str(j, "version", u.version);
	tl_json_str(j, "machine", u.machine);
	tl_json_close(j, '}');
	char libc[64];
	snprintf(libc, sizeof libc, "glibc %s", gnu_get_libc_version());
	tl_json_str(j, "libc", libc);
	long page = sysconf(_SC_PAGESIZE);
	if (page > 0)
		tl_json_int(j, "page_size", page);
	else
		tl_json_null(j, "page_size");
	tl_json_uint(j, "shmlba", (unsigned long long)SHMLBA);
	jipc(j);

	tl_json_open(j, "sysctl", '{');
	static const char *const sysctls[][2] = {
	    {"shmmax", "/proc/sys/kernel/shmmax"},
	    {"shmall", "/proc/sys/kernel/shmall"},
	    {"shmmni", "/proc/sys/kernel/shmmni"},
	    {"shm_rmid_forced", "/proc/sys/kernel/shm_rmid_forced"},
	    {"shm_next_id", "/proc/sys/kernel/shm_next_id"},
	    {"overcommit_memory", "/proc/sys/vm/overcommit_memory"},
	};
	for (size_t i = 0; i < sizeof sysctls / sizeof sysctls[0]; i++)
		jsysctl(j, sysctls[i][0], sysctls[i][1]);
	tl_json_close(j, '}');

	tl_json_open(j, "filesystems", '[');
	char *list = tl_xstrdup(fslist);
	char *save = NULL;
	for (char *dir = strtok_r(list, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		tl_json_open(j, NULL, '{');
		tl_json_str(j, "dir", dir);
		jfs_members(j, dir);
		tl_json_close(j, '}');
	}
	free(list);
	tl_json_close(j, ']');

	tl_json_open(j, "dev_shm", '{');
	tl_json_bool(j, "present", exists("/dev/shm"));
	if (exists("/dev/shm"))
		jfs_members(j, "/dev/shm");
	tl_json_close(j, '}');

	jnamespaces(j);
	juser_namespace(j);
	tl_json_int(j, "uid", (long long)getuid());
	tl_json_int(j, "euid", (long long)geteuid());
	jcapabilities(j);
	jseccomp(j);
	jcgroup(j);
	struct sandbox s;
	memset(&s, 0, sizeof s);
	detect_sandbox(&u, &s);
	jsandbox(j, &s);
	jruntime(j, &s);
	tl_json_close(j, '}');
	return tl_json_end(j);
}

char *tl_probe_string(const char *fslist, const char *producer)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int rc = tl_probe_write(f, fslist, producer);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
