/*
 * sc-run's output: the shmconform results file (reports/FORMAT.md), with
 * the probe object (tl_probe.c, or a probe program's output) inside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tl_json.h"
#include "tl_probe.h"
#include "tl_runner.h"

#define TL_RUN_VERSION "0.1"

/* A missing text is written as "" (the format has no null there). */
static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* "cases/mmap_pages" from any path to the program: its directory's name
 * and its own (the build tree, an initramfs and a guest all keep those). */
static void tl_program_rel(const char *path, char *out, size_t len)
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

static void write_exit(struct tl_json *j, const char *key,
		       const struct tl_exit *e)
{
	if (!e->ran) {
		tl_json_null(j, key);
		return;
	}
	tl_json_open(j, key, '{');
	tl_json_int(j, "exit", e->exited ? e->status : -1);
	tl_json_int(j, "signal", e->signo);
	tl_json_bool(j, "timed_out", e->timed_out);
	tl_json_fixed(j, "seconds", e->seconds, 6);
	tl_json_close(j, '}');
}

static void write_case(struct tl_json *j, const struct tl_rcase *c)
{
	char prog[1024];
	tl_program_rel(c->program, prog, sizeof prog);
	tl_json_open(j, NULL, '{');
	tl_json_str(j, "program", prog);
	tl_json_str(j, "name", c->name);
	tl_json_str(j, "claim", tl_rcase_md(c, "X-claim"));
	tl_json_str(j, "class", tl_rcase_md(c, "X-class"));
	const char *perfs = tl_rcase_md(c, "X-per-fs");
	tl_json_bool(j, "per_fs", perfs && strcmp(perfs, "yes") == 0);
	tl_json_str(j, "descr", or_empty(tl_rcase_md(c, "descr")));
	tl_json_str(j, "result", tl_verdict_name(c->verdict));
	tl_json_str(j, "reason",
		    c->verdict == TL_V_PASSED ? "" : or_empty(c->reason));
	tl_json_str(j, "started", c->started);
	tl_json_fixed(j, "seconds", c->body.seconds + c->cleanup.seconds, 6);
	tl_json_open(j, "fs", '[');
	for (size_t i = 0; i < c->n_fs; i++) {
		const struct tl_fsline *l = &c->fs[i];
		tl_json_open(j, NULL, '{');
		tl_json_str(j, "verdict", l->verdict);
		tl_json_str(j, "type", l->type);
		tl_json_str(j, "dir", l->dir);
		tl_json_str(j, "reason", l->reason);
		tl_json_close(j, '}');
	}
	tl_json_close(j, ']');
	tl_json_str(j, "stdout", or_empty(c->out));
	tl_json_str(j, "stderr", or_empty(c->err));
	tl_json_bool(j, "truncated", c->out_truncated || c->err_truncated);
	/* sc-run's own detail: how each process ended (readers may ignore) */
	tl_json_str(j, "atf_result", c->atf_result);
	write_exit(j, "body", &c->body);
	write_exit(j, "cleanup", &c->cleanup);
	if (c->cleanup.ran &&
	    ((c->cl_out && *c->cl_out) || (c->cl_err && *c->cl_err))) {
		char *both = tl_xasprintf("%s%s", c->cl_out ? c->cl_out : "",
					  c->cl_err ? c->cl_err : "");
		tl_json_str(j, "cleanup_output", both);
		free(both);
	}
	tl_json_open(j, "metadata", '{');
	for (size_t i = 0; i < c->n_md; i++)
		tl_json_str(j, c->md[i].key, c->md[i].val);
	tl_json_close(j, '}');
	tl_json_close(j, '}');
}

static void write_run(FILE *f, const struct tl_run *run)
{
	struct tl_json jw, *j = &jw;
	tl_json_init(j, f);
	tl_json_open(j, NULL, '{');
	tl_json_str(j, "format", "shmconform-results");
	tl_json_int(j, "version", 1);
	tl_json_open(j, "run", '{');
	tl_json_str(j, "started", run->started);
	tl_json_fixed(j, "seconds", run->seconds, 3);
	tl_json_str(j, "producer", "sc-run " TL_RUN_VERSION);
	tl_json_str(j, "label", run->environment);
	tl_json_open(j, "config", '{');
	for (size_t i = 0; run->opts && i < run->opts->n_vars; i++) {
		const char *v = run->opts->vars[i];
		const char *eq = strchr(v, '=');
		char *key = strndup(v, eq ? (size_t)(eq - v) : strlen(v));
		tl_json_str(j, key, eq ? eq + 1 : "");
		free(key);
	}
	tl_json_close(j, '}');
	tl_json_close(j, '}');
	tl_json_raw(j, "probe", run->probe_json);
	tl_json_open(j, "cases", '[');
	for (size_t i = 0; i < run->n_cases; i++)
		write_case(j, &run->cases[i]);
	tl_json_close(j, ']');
	tl_json_close(j, '}');
	tl_json_end(j);
}

int tl_runner_write_json(const struct tl_run *run, const char *path)
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
	write_run(f, run);
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

static bool tl_looks_like_object(const char *s)
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

char *tl_runner_probe(const char *probe_cmd, const char *fs, double timeout_s,
		      const struct tl_runopts *opts)
{
	char deflist[4200];
	if (!fs)
		fs = tl_probe_default_fs(deflist, sizeof deflist);
	if (probe_cmd && strcmp(probe_cmd, "none") == 0)
		return NULL;
	if (probe_cmd) {
		/* A probe program of the target (through the wrapper, as
		 * the cases run): a foreign architecture's own answers. */
		size_t argc;
		char **argv = tl_wrapped_argv(opts, probe_cmd, 2, &argc);
		argv[argc++] = "--fs";
		argv[argc++] = (char *)fs;
		int st = 0;
		char *out = tl_capture(argv, timeout_s, &st);
		free(argv);
		if (out && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		    tl_looks_like_object(out))
			return out;
		fprintf(stderr,
			"sc-run: %s gave no probe object; using sc-run's "
			"own probe (this process's view)\n",
			probe_cmd);
		free(out);
	}
	return tl_probe_string(fs, "sc-run");
}
