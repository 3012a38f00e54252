/*
 * sc-probe: print, as one JSON object, the environment a run sees (the
 * probe object of reports/FORMAT.md): kernel, page size, SHMLBA, the System V
 * limits the kernel enforces (shmctl IPC_INFO), sysctls, each file system the
 * file-backed cases use (statfs + mountinfo), /dev/shm, namespaces and the
 * sandbox (gVisor, WSL, user-mode Linux, container, VM).
 *
 *   sc-probe [--fs DIR:DIR...]     (default: $TMPDIR or /tmp, and /dev/shm)
 *
 * C because SHMLBA and IPC_INFO exist only for C, and because runners in
 * guests without Python embed this output in their results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sc.h"

/* ---- a minimal JSON writer (one object, nested, to stdout) -------------- */

static bool first[16] = {true};
static int depth;

static void jstr(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void jkey(const char *k)
{
	if (!first[depth])
		putchar(',');
	first[depth] = false;
	printf("\n%*s", 2 * depth, "");
	if (k) {
		jstr(k);
		fputs(": ", stdout);
	}
}

static void jopen(const char *k, char c)
{
	jkey(k);
	putchar(c);
	first[++depth] = true;
}

static void jclose(char c)
{
	bool empty = first[depth];
	depth--;
	if (!empty)
		printf("\n%*s", 2 * depth, "");
	putchar(c);
}

static void jstring(const char *k, const char *v)
{
	jkey(k);
	if (v)
		jstr(v);
	else
		fputs("null", stdout);
}

static void jbool(const char *k, int v) /* v < 0: unknown (null) */
{
	jkey(k);
	fputs(v < 0 ? "null" : v ? "true" : "false", stdout);
}

static void jull(const char *k, unsigned long long v)
{
	jkey(k);
	printf("%llu", v);
}

static void jll(const char *k, long long v)
{
	jkey(k);
	printf("%lld", v);
}

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
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	for (int n = 0; !found && n < 16384 && fgets(line, sizeof line, f); n++)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* A sysctl as a JSON number when it is one, else a string, else null. */
static void jsysctl(const char *k, const char *path)
{
	char buf[256];
	if (!read_line(path, buf, sizeof buf)) {
		jstring(k, NULL);
		return;
	}
	char *end;
	errno = 0;
	if (buf[0] == '-') {
		long long v = strtoll(buf, &end, 10);
		if (!errno && end != buf && *end == '\0') {
			jll(k, v);
			return;
		}
	} else {
		unsigned long long v = strtoull(buf, &end, 10);
		if (!errno && end != buf && *end == '\0') {
			jull(k, v);
			return;
		}
	}
	jstring(k, buf);
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
	char super[1024];
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
		char fstype[64], source[PATH_MAX], super[1024];
		if (!sep || sscanf(sep + 3, "%63s %4095s %1023s", fstype,
				   source, super) != 3)
			continue;
		best = n;
		found = true;
		snprintf(out->point, sizeof out->point, "%s", point);
		snprintf(out->options, sizeof out->options, "%s", opts);
		snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
		unescape(source);
		snprintf(out->source, sizeof out->source, "%s", source);
		snprintf(out->super, sizeof out->super, "%s", super);
	}
	free(line);
	fclose(f);
	return found;
}

/* The members describing the file system at dir (inside an open object). */
static void jfs_members(const char *dir)
{
	struct statfs sfs;
	struct stat st;
	char real[PATH_MAX];
	char magic[32];
	if (statfs(dir, &sfs) != 0 || stat(dir, &st) != 0 ||
	    !realpath(dir, real)) {
		char err[300];
		snprintf(err, sizeof err, "cannot probe %s: %s", dir,
			 sc_errno_name(errno));
		jstring("type", NULL);
		jstring("error", err);
		return;
	}
	unsigned long type = (unsigned long)sfs.f_type;
	snprintf(magic, sizeof magic, "0x%lx", type);
	jstring("type", sc_fs_type_name(type));
	jstring("magic", magic);
	struct mount m;
	if (find_mount(real, st.st_dev, &m)) {
		jstring("mount_point", m.point);
		jstring("mount_source", m.source);
		jstring("mount_fstype", m.fstype);
		jstring("mount_options", m.options);
		jstring("super_options", m.super);
	} else {
		jstring("mount_point", NULL);
	}
	jull("size_bytes", (unsigned long long)sfs.f_blocks *
			       (unsigned long long)sfs.f_bsize);
	jull("free_bytes", (unsigned long long)sfs.f_bavail *
			       (unsigned long long)sfs.f_bsize);
	jstring("error", NULL);
}

/* ---- namespaces and sandbox -------------------------------------------- */

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

static void jnamespaces(void)
{
	jopen("namespaces", '{');
	for (size_t i = 0; i < sizeof ns_list / sizeof ns_list[0]; i++) {
		char path[64], link[128];
		snprintf(path, sizeof path, "/proc/self/ns/%s",
			 ns_list[i].name);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		jopen(ns_list[i].name, '{');
		jstring("id", link);
		jbool("initial", ns_initial(ns_list[i].name));
		if (strcmp(ns_list[i].name, "user") == 0) {
			char map[256];
			if (read_line("/proc/self/uid_map", map, sizeof map)) {
				/* "  0  0  4294967295" -> "0 0 4294967295" */
				char out[256];
				size_t w = 0;
				for (char *tok = strtok(map, " \t"); tok;
				     tok = strtok(NULL, " \t"))
					w += (size_t)snprintf(
					    out + w, sizeof out - w, "%s%s",
					    w ? " " : "", tok);
				jstring("uid_map", out);
			}
		}
		jclose('}');
	}
	jclose('}');
}

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
	static const char *const cgroup_marks[] = {"docker", "kubepods", "lxc",
						   "containerd", "libpod"};
	for (size_t i = 0; i < sizeof cgroup_marks / sizeof cgroup_marks[0];
	     i++)
		if (file_has("/proc/self/cgroup", cgroup_marks[i])) {
			s->container = true;
			evidence(s, "/proc/self/cgroup names %s",
				 cgroup_marks[i]);
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

static void jsandbox(const struct utsname *u)
{
	struct sandbox s;
	memset(&s, 0, sizeof s);
	detect_sandbox(u, &s);
	const char *kind = s.gvisor	 ? "gvisor"
			   : s.wsl2	 ? "wsl2"
			   : s.wsl1	 ? "wsl1"
			   : s.uml	 ? "uml"
			   : s.container ? "container"
			   : s.vm	 ? "vm"
					 : "none";
	jopen("sandbox", '{');
	jstring("kind", kind);
	jopen("tags", '[');
	const struct {
		bool on;
		const char *tag;
	} tags[] = {{s.gvisor, "gvisor"},	{s.wsl2, "wsl2"},
		    {s.wsl1, "wsl1"},		{s.uml, "uml"},
		    {s.container, "container"}, {s.vm, "vm"}};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (tags[i].on)
			jstring(NULL, tags[i].tag);
	if (s.hypervisor[0])
		jstring(NULL, s.hypervisor);
	jclose(']');
	jbool("gvisor", s.gvisor);
	jbool("wsl", s.wsl1 || s.wsl2 ? 1 : 0);
	jbool("uml", s.uml);
	jbool("container", s.container);
	jbool("vm", s.vm);
	jopen("evidence", '[');
	for (int i = 0; i < s.n_evidence; i++)
		jstring(NULL, s.evidence[i]);
	jclose(']');
	jclose('}');
}

/* ---- System V limits --------------------------------------------------- */

static void jipc(void)
{
	struct shminfo info;
	/* IPC_INFO fills a struct shminfo through the shmid_ds pointer. */
	if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0) {
		jstring("ipc_info", NULL);
	} else {
		jopen("ipc_info", '{');
		jull("shmmax", (unsigned long long)info.shmmax);
		jull("shmmin", (unsigned long long)info.shmmin);
		jull("shmmni", (unsigned long long)info.shmmni);
		jull("shmseg", (unsigned long long)info.shmseg);
		jull("shmall", (unsigned long long)info.shmall);
		jclose('}');
	}
	struct shm_info use;
	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&use) < 0) {
		jstring("shm_info", NULL);
	} else {
		jopen("shm_info", '{');
		jll("used_ids", use.used_ids);
		jull("shm_tot", (unsigned long long)use.shm_tot);
		jull("shm_rss", (unsigned long long)use.shm_rss);
		jull("shm_swp", (unsigned long long)use.shm_swp);
		jclose('}');
	}
}

/* ---- main -------------------------------------------------------------- */

static int usage(void)
{
	fputs("usage: sc-probe [--fs DIR:DIR...]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	char deflist[PATH_MAX + 16];
	const char *tmp = getenv("TMPDIR");
	snprintf(deflist, sizeof deflist, "%s:/dev/shm",
		 tmp && *tmp ? tmp : "/tmp");
	const char *fslist = deflist;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fs") == 0 && i + 1 < argc)
			fslist = argv[++i];
		else if (strncmp(argv[i], "--fs=", 5) == 0)
			fslist = argv[i] + 5;
		else
			return usage();
	}

	struct utsname u;
	if (uname(&u) != 0) {
		perror("sc-probe: uname");
		return 1;
	}
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));

	putchar('{');
	first[++depth] = true;
	jstring("format", "shmconform-probe");
	jll("version", 1);
	jstring("producer", "sc-probe");
	jstring("time", now);
	jstring("hostname", u.nodename);
	jopen("kernel", '{');
	jstring("sysname", u.sysname);
	jstring("release", u.release);
	jstring("version", u.version);
	jstring("machine", u.machine);
	jclose('}');
	char libc[64];
	snprintf(libc, sizeof libc, "glibc %s", gnu_get_libc_version());
	jstring("libc", libc);
	jull("page_size", (unsigned long long)sc_page_size());
	jull("shmlba", (unsigned long long)sc_shmlba());
	jipc();

	jopen("sysctl", '{');
	static const char *const sysctls[][2] = {
	    {"shmmax", "/proc/sys/kernel/shmmax"},
	    {"shmall", "/proc/sys/kernel/shmall"},
	    {"shmmni", "/proc/sys/kernel/shmmni"},
	    {"shm_rmid_forced", "/proc/sys/kernel/shm_rmid_forced"},
	    {"shm_next_id", "/proc/sys/kernel/shm_next_id"},
	    {"overcommit_memory", "/proc/sys/vm/overcommit_memory"},
	};
	for (size_t i = 0; i < sizeof sysctls / sizeof sysctls[0]; i++)
		jsysctl(sysctls[i][0], sysctls[i][1]);
	jclose('}');

	jopen("filesystems", '[');
	char *list = strdup(fslist);
	if (!list) {
		perror("sc-probe");
		return 1;
	}
	char *save = NULL;
	for (char *dir = strtok_r(list, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		jopen(NULL, '{');
		jstring("dir", dir);
		jfs_members(dir);
		jclose('}');
	}
	free(list);
	jclose(']');

	jopen("dev_shm", '{');
	jbool("present", exists("/dev/shm"));
	if (exists("/dev/shm"))
		jfs_members("/dev/shm");
	jclose('}');

	jnamespaces();
	jll("uid", (long long)getuid());
	jll("euid", (long long)geteuid());
	jsandbox(&u);
	jclose('}');
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : 1;
}
