/*
 * sc-run: run shmconform's ATF test programs without Kyua (in a guest, a
 * sandbox or a namespace) and write a shmconform results file.
 *
 *   sc-run [-j N] [-o FILE] [-e LABEL] [-v NAME=VALUE]... PROGRAM|DIR...
 *
 * Each case runs as Kyua would run it: body, then cleanup, in a private
 * work directory, in its own process group, killed at its timeout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl_runner.h"

static void usage(FILE *f)
{
	fputs(
	    "usage: sc-run [options] PROGRAM|DIR...\n"
	    "Runs every ATF test case of the programs (a directory: every\n"
	    "executable file in it) and writes a shmconform results file.\n"
	    "  -o FILE     results file (default: standard output)\n"
	    "  -e LABEL    name of this environment in the matrix (and the\n"
	    "              cases' variable env, unless -v env= is given)\n"
	    "  -v N=V      configuration variable for every case (fs=DIR:DIR)\n"
	    "  -j N        cases at once (default: 1)\n"
	    "  -f GLOB     only cases whose name (or program:name) matches\n"
	    "  -t SECONDS  timeout of a case that names none (default: 300)\n"
	    "  -T FACTOR   multiply every timeout (slow emulators; default: "
	    "1)\n"
	    "  -w DIR      where the private work directories go ($TMPDIR)\n"
	    "  -k          keep the work directories\n"
	    "  -P PROG     probe program to run (through -x) for the probe\n"
	    "              (default: sc-run's own, sc-probe's code; 'none')\n"
	    "  -c BYTES    keep this much of each case's output (65536)\n"
	    "  -x CMD      run the programs through CMD, split at spaces\n"
	    "              (an emulator: -x qemu-aarch64)\n"
	    "  -q          no line per case on standard error\n"
	    "Exit status: 0 when no case failed or broke, 1 otherwise, 2 on a\n"
	    "usage or system error.\n",
	    f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every executable regular file in dir, sorted, added to progs. */
static int add_dir(const char *dir, char ***progs, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "sc-run: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	size_t first = *n;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			exit(2);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0) {
			*progs = tl_xrealloc(*progs, (*n + 1) * sizeof **progs);
			(*progs)[(*n)++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
	qsort(*progs + first, *n - first, sizeof **progs, by_name);
	return 0;
}

int main(int argc, char **argv)
{
	struct tl_runopts o = {.jobs = 1,
			       .default_timeout_s = 300,
			       .timeout_scale = 1.0,
			       .capture_limit = 65536,
			       .verbose = true};
	const char *out = NULL, *label = NULL, *probe = NULL;
	const char **vars = NULL;
	size_t n_vars = 0;
	char **wrapper = NULL, *wrapbuf = NULL;
	size_t n_wrapper = 0;
	int ch;
	while ((ch = getopt(argc, argv, "o:e:v:j:f:t:T:w:kP:c:x:qh")) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'e':
			label = optarg;
			break;
		case 'v':
			if (!strchr(optarg, '=')) {
				fprintf(stderr,
					"sc-run: -v wants NAME=VALUE, not %s\n",
					optarg);
				return 2;
			}
			vars = tl_xrealloc(vars, (n_vars + 1) * sizeof *vars);
			vars[n_vars++] = optarg;
			break;
		case 'j':
			o.jobs = atoi(optarg);
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 't':
			o.default_timeout_s = atoi(optarg);
			break;
		case 'T':
			o.timeout_scale = strtod(optarg, NULL);
			break;
		case 'w':
			o.work_root = optarg;
			break;
		case 'k':
			o.keep_work = true;
			break;
		case 'P':
			probe = optarg;
			break;
		case 'c':
			o.capture_limit = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			o.verbose = false;
			break;
		case 'x':
			free(wrapper);
			free(wrapbuf);
			wrapbuf = tl_xstrdup(optarg);
			wrapper = NULL;
			n_wrapper = 0;
			for (char *save = NULL,
				  *w = strtok_r(wrapbuf, " ", &save);
			     w; w = strtok_r(NULL, " ", &save)) {
				wrapper = tl_xrealloc(
				    wrapper, (n_wrapper + 1) * sizeof *wrapper);
				wrapper[n_wrapper++] = w;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || o.jobs < 1 || o.timeout_scale <= 0) {
		usage(stderr);
		free(vars);
		free(wrapper);
		free(wrapbuf);
		return 2;
	}
	/* The environment's name is the cases' variable env too: the known
	 * deviations of that environment apply in the cases themselves. */
	char *envvar = NULL;
	bool has_env = false;
	for (size_t i = 0; i < n_vars; i++)
		has_env |= strncmp(vars[i], "env=", 4) == 0;
	if (label && !has_env && asprintf(&envvar, "env=%s", label) > 0) {
		vars = tl_xrealloc(vars, (n_vars + 1) * sizeof *vars);
		vars[n_vars++] = envvar;
	}
	o.vars = vars;
	o.n_vars = n_vars;
	o.wrapper = wrapper;
	o.n_wrapper = n_wrapper;

	char **progs = NULL;
	size_t n_progs = 0;
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (add_dir(argv[i], &progs, &n_progs) != 0)
				return 2;
		} else {
			progs =
			    tl_xrealloc(progs, (n_progs + 1) * sizeof *progs);
			progs[n_progs++] = tl_xstrdup(argv[i]);
		}
	}

	struct tl_run run = {.opts = &o};
	run.environment = label ? tl_xstrdup(label) : NULL;
	/* The probe describes the file systems the cases will use. */
	const char *fs = NULL;
	for (size_t i = 0; i < n_vars; i++)
		if (strncmp(vars[i], "fs=", 3) == 0)
			fs = vars[i] + 3;
	run.probe_json = tl_runner_probe(probe, fs, 60.0 * o.timeout_scale, &o);
	for (size_t i = 0; i < n_progs; i++) {
		tl_runner_list(&run, progs[i], &o);
		free(progs[i]);
	}
	free(progs);

	int bad = tl_runner_execute(&run, &o);
	int rc = bad < 0 ? 2 : bad > 0 ? 1 : 0;
	if (bad >= 0 && tl_runner_write_json(&run, out) != 0)
		rc = 2;
	size_t counts[TL_V_COUNT];
	tl_runner_count(&run, counts);
	fprintf(stderr,
		"sc-run: %zu passed, %zu failed, %zu skipped, "
		"%zu expected_failure, %zu broken in %.2fs\n",
		counts[TL_V_PASSED], counts[TL_V_FAILED], counts[TL_V_SKIPPED],
		counts[TL_V_XFAIL], counts[TL_V_BROKEN], run.seconds);
	tl_runner_free(&run);
	free(run.environment);
	free(run.probe_json);
	free(envvar);
	free(vars);
	free(wrapper);
	free(wrapbuf);
	return rc;
}
