/*
 * sc-run's output: the shmconform results file (reports/FORMAT.md), and a
 * probe object when sc-probe is not there to write one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_runner.h"

#define SC_RUN_VERSION "0.1"

/* A JSON string; bytes that are not UTF-8 become U+FFFD, so any output
 * a case printed still makes a valid file. */
static void sc_jstr(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', f);
	while (*p) {
		unsigned char ch = *p;
		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
			p++;
		} else if (ch == '\n') {
			fputs("\\n", f);
			p++;
		} else if (ch == '\t') {
			fputs("\\t", f);
			p++;
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
			p++;
		} else if (ch < 0x80) {
			fputc(ch, f);
			p++;
		} else {
			/* length of a well-formed UTF-8 sequence, else 0 */
			size_t n = ch >= 0xc2 && ch <= 0xdf   ? 2
				   : ch >= 0xe0 && ch <= 0xef ? 3
				   : ch >= 0xf0 && ch <= 0xf4 ? 4
							      : 0;
			for (size_t i = 1; i < n; i++)
				if ((p[i] & 0xc0) != 0x80)
					n = 0;
			if (n == 3 && ((ch == 0xe0 && p[1] < 0xa0) ||
				       (ch == 0xed && p[1] >= 0xa0)))
				n = 0; /* overlong, or a surrogate */
			if (n == 4 && ((ch == 0xf0 && p[1] < 0x90) ||
				       (ch == 0xf4 && p[1] >= 0x90)))
				n = 0;
			if (n) {
				fwrite(p, 1, n, f);
				p += n;
			} else {
				fputs("\\ufffd", f);
				p++;
			}
		}
	}
	fputc('"', f);
}

static void sc_jkey(FILE *f, const char *indent, const char *key)
{
	fprintf(f, "%s", indent);
	sc_jstr(f, key);
	fputs(": ", f);
}

/* "cases/mmap_pages" from any path to the program: its directory's name
 * and its own (the build tree, an initramfs and a guest all keep those). */
static void sc_program_rel(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	if (!base) {
		snprintf(out, len, "cases/%s", path);
		return;
	}
	const char *dir = base;
	while (dir > path && dir[-1] != '/')
		dir--;
	if (dir == base)
		snprintf(out, len, "cases%s", base);
	else
		snprintf(out, len, "%.*s", (int)(strlen(dir)), dir);
}

static void sc_write_case(FILE *f, const struct sc_rcase *c)
{
	const char *in = "      ";
	char prog[1024];
	sc_program_rel(c->program, prog, sizeof prog);
	fputs("    {\n", f);
	sc_jkey(f, in, "program");
	sc_jstr(f, prog);
	fputs(",\n", f);
	sc_jkey(f, in, "name");
	sc_jstr(f, c->name);
	const char *claim = sc_rcase_md(c, "X-claim");
	fputs(",\n", f);
	sc_jkey(f, in, "claim");
	if (claim)
		sc_jstr(f, claim);
	else
		fputs("null", f);
	const char *cls = sc_rcase_md(c, "X-class");
	fputs(",\n", f);
	sc_jkey(f, in, "class");
	if (cls)
		sc_jstr(f, cls);
	else
		fputs("null", f);
	const char *perfs = sc_rcase_md(c, "X-per-fs");
	fprintf(f, ",\n%s\"per_fs\": %s,\n", in,
		perfs && strcmp(perfs, "yes") == 0 ? "true" : "false");
	sc_jkey(f, in, "descr");
	sc_jstr(f, sc_rcase_md(c, "descr"));
	fputs(",\n", f);
	sc_jkey(f, in, "result");
	sc_jstr(f, sc_verdict_name(c->verdict));
	fputs(",\n", f);
	sc_jkey(f, in, "reason");
	sc_jstr(f, c->verdict == SC_V_PASSED ? "" : c->reason);
	fputs(",\n", f);
	sc_jkey(f, in, "started");
	sc_jstr(f, c->started);
	fprintf(f, ",\n%s\"seconds\": %.6f,\n", in,
		c->body.seconds + c->cleanup.seconds);
	fprintf(f, "%s\"fs\": [", in);
	for (size_t i = 0; i < c->n_fs; i++) {
		const struct sc_fsline *l = &c->fs[i];
		fprintf(f, "%s\n%s  {\"verdict\": ", i ? "," : "", in);
		sc_jstr(f, l->verdict);
		fputs(", \"type\": ", f);
		sc_jstr(f, l->type);
		fputs(", \"dir\": ", f);
		sc_jstr(f, l->dir);
		fputs(", \"reason\": ", f);
		sc_jstr(f, l->reason);
		fputs("}", f);
	}
	fprintf(f, "%s],\n", c->n_fs ? "\n      " : "");
	sc_jkey(f, in, "stdout");
	sc_jstr(f, c->out);
	fputs(",\n", f);
	sc_jkey(f, in, "stderr");
	sc_jstr(f, c->err);
	fprintf(f, ",\n%s\"truncated\": %s,\n", in,
		c->out_truncated || c->err_truncated ? "true" : "false");
	/* sc-run's own detail: how each process ended (readers may ignore) */
	fprintf(f, "%s\"atf_result\": ", in);
	if (c->atf_result)
		sc_jstr(f, c->atf_result);
	else
		fputs("null", f);
	fputs(",\n", f);
	const struct sc_exit *ex[2] = {&c->body, &c->cleanup};
	const char *exname[2] = {"body", "cleanup"};
	for (int k = 0; k < 2; k++) {
		const struct sc_exit *e = ex[k];
		fprintf(f, "%s\"%s\": ", in, exname[k]);
		if (!e->ran)
			fputs("null", f);
		else
			fprintf(f,
				"{\"exit\": %d, \"signal\": %d, "
				"\"timed_out\": %s, \"seconds\": %.6f}",
				e->exited ? e->status : -1, e->signo,
				e->timed_out ? "true" : "false", e->seconds);
		fputs(",\n", f);
	}
	if (c->cleanup.ran &&
	    ((c->cl_out && *c->cl_out) || (c->cl_err && *c->cl_err))) {
		sc_jkey(f, in, "cleanup_output");
		char *both = NULL;
		if (asprintf(&both, "%s%s", c->cl_out ? c->cl_out : "",
			     c->cl_err ? c->cl_err : "") < 0)
			both = NULL;
		sc_jstr(f, both);
		free(both);
		fputs(",\n", f);
	}
	fprintf(f, "%s\"metadata\": {", in);
	for (size_t i = 0; i < c->n_md; i++) {
		fputs(i ? ", " : "", f);
		sc_jstr(f, c->md[i].key);
		fputs(": ", f);
		sc_jstr(f, c->md[i].val);
	}
	fputs("}\n    }", f);
}

int sc_runner_write_json(const struct sc_run *run, const char *path)
{
	bool to_stdout = !path || strcmp(path, "-") == 0;
	char tmp[4096];
	FILE *f = stdout;
	struct stat st;
	/* Whole or nothing: a guest killed mid-write leaves no half file for
	 * the collector to misread.  Only a regular file is replaced so:
	 * /dev/null or a pipe is written in place. */
	bool replace =
	    !to_stdout && (stat(path, &st) != 0 || S_ISREG(st.st_mode));
	if (!to_stdout) {
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		f = fopen(replace ? tmp : path, "w");
		if (!f) {
			fprintf(stderr, "sc-run: cannot write %s: %s\n",
				replace ? tmp : path, strerror(errno));
			return -1;
		}
	}
	fputs("{\n  \"format\": \"shmconform-results\",\n  \"version\": 1,\n",
	      f);
	fputs("  \"run\": {\n", f);
	sc_jkey(f, "    ", "started");
	sc_jstr(f, run->started);
	fprintf(f, ",\n    \"seconds\": %.3f,\n", run->seconds);
	fputs("    \"producer\": \"sc-run " SC_RUN_VERSION "\",\n", f);
	sc_jkey(f, "    ", "label");
	if (run->environment)
		sc_jstr(f, run->environment);
	else
		fputs("null", f);
	fputs(",\n    \"config\": {", f);
	for (size_t i = 0; run->opts && i < run->opts->n_vars; i++) {
		const char *v = run->opts->vars[i];
		const char *eq = strchr(v, '=');
		char *key = strndup(v, eq ? (size_t)(eq - v) : strlen(v));
		fputs(i ? ", " : "", f);
		sc_jstr(f, key);
		fputs(": ", f);
		sc_jstr(f, eq ? eq + 1 : "");
		free(key);
	}
	fputs("}\n  },\n  \"probe\": ", f);
	fputs(run->probe_json ? run->probe_json : "null", f);
	fputs(",\n  \"cases\": [", f);
	for (size_t i = 0; i < run->n_cases; i++) {
		fputs(i ? ",\n" : "\n", f);
		sc_write_case(f, &run->cases[i]);
	}
	fputs(run->n_cases ? "\n  ]\n}\n" : "]\n}\n", f);
	if (to_stdout)
		return fflush(f) == 0 ? 0 : -1;
	int bad = ferror(f);
	if (fflush(f) != 0 || (replace && fsync(fileno(f)) != 0))
		bad = 1;
	if (fclose(f) != 0 || bad || (replace && rename(tmp, path) != 0)) {
		fprintf(stderr, "sc-run: cannot write %s: %s\n", path,
			strerror(errno));
		if (replace)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- probe ------------------------------------------------------------- */

static bool sc_looks_like_object(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	if (*s != '{')
		return false;
	const char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t'))
		e--;
	return e > s && e[-1] == '}';
}

/* What sc-run sees itself (the format's members it cannot fill are
 * null): enough to tell kernels, page sizes and sandboxes apart. */
static char *sc_fallback_probe(void)
{
	struct utsname u;
	uname(&u);
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		exit(2);
	fputs("{\"format\": \"shmconform-probe\", \"version\": 1, "
	      "\"producer\": \"sc-run\", \"time\": ",
	      f);
	sc_jstr(f, now);
	fputs(", \"hostname\": ", f);
	sc_jstr(f, u.nodename);
	fputs(", \"kernel\": {\"sysname\": ", f);
	sc_jstr(f, u.sysname);
	fputs(", \"release\": ", f);
	sc_jstr(f, u.release);
	fputs(", \"version\": ", f);
	sc_jstr(f, u.version);
	fputs(", \"machine\": ", f);
	sc_jstr(f, u.machine);
	fputs("}, \"libc\": ", f);
	char libc[64];
	snprintf(libc, sizeof libc, "glibc %s", gnu_get_libc_version());
	sc_jstr(f, libc);
	fprintf(f,
		", \"page_size\": %ld, \"shmlba\": %lu, \"uid\": %u, "
		"\"ipc_info\": null, \"shm_info\": null, \"sysctl\": null, "
		"\"filesystems\": null, \"dev_shm\": null, "
		"\"namespaces\": null, \"sandbox\": null}",
		sysconf(_SC_PAGESIZE), (unsigned long)SHMLBA,
		(unsigned)geteuid());
	fclose(f);
	return buf;
}

char *sc_runner_probe(const char *probe_cmd, const char *fs, double timeout_s,
		      const struct sc_runopts *opts)
{
	char self[4096];
	char guess[4200];
	if (!probe_cmd) {
		/* sc-probe is built beside sc-run (build/harness/). */
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n > 0) {
			self[n] = '\0';
			char *slash = strrchr(self, '/');
			if (slash)
				*slash = '\0';
			snprintf(guess, sizeof guess, "%s/sc-probe", self);
			if (access(guess, X_OK) == 0)
				probe_cmd = guess;
		}
	}
	if (probe_cmd && strcmp(probe_cmd, "none") != 0) {
		size_t argc;
		char **argv = sc_wrapped_argv(opts, probe_cmd, 2, &argc);
		if (fs) {
			argv[argc++] = "--fs";
			argv[argc++] = (char *)fs;
		}
		int st = 0;
		char *out = sc_capture(argv, timeout_s, &st);
		free(argv);
		if (out && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		    sc_looks_like_object(out))
			return out;
		fprintf(stderr,
			"sc-run: %s gave no probe object; recording what "
			"sc-run sees\n",
			probe_cmd);
		free(out);
	}
	return sc_fallback_probe();
}
