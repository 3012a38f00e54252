/* sc-run's engine: list, run and judge ATF test cases as Kyua does.
 * (Output is kept whole while looking for per-fs lines, cut after.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tl_runner.h"

#define TL_LIST_TIMEOUT_S 60.0

const char *tl_verdict_name(enum tl_verdict v)
{
	static const char *const names[TL_V_COUNT] = {
	    "passed", "failed", "skipped", "expected_failure", "broken"};
	return (unsigned)v < TL_V_COUNT ? names[v] : "?";
}

const char *tl_rcase_md(const struct tl_rcase *c, const char *key)
{
	for (size_t i = 0; i < c->n_md; i++)
		if (strcmp(c->md[i].key, key) == 0)
			return c->md[i].val;
	return NULL;
}

static void tl_rcase_free(struct tl_rcase *c);

char **tl_wrapped_argv(const struct tl_runopts *opts, const char *prog,
		       size_t extra, size_t *argc)
{
	size_t n = opts ? opts->n_wrapper : 0;
	char **argv = calloc(n + extra + 2, sizeof *argv);
	if (!argv)
		exit(2);
	for (size_t i = 0; i < n; i++)
		argv[i] = opts->wrapper[i];
	argv[n] = (char *)prog;
	*argc = n + 1;
	return argv;
}

/* ---- listing ----------------------------------------------------------- */

static struct tl_rcase *tl_new_case(struct tl_run *run, const char *program,
				    const char *name)
{
	run->cases =
	    tl_xrealloc(run->cases, (run->n_cases + 1) * sizeof *run->cases);
	struct tl_rcase *c = &run->cases[run->n_cases++];
	memset(c, 0, sizeof *c);
	c->program = tl_xstrdup(program);
	c->name = tl_xstrdup(name);
	c->timeout_s = -1;
	return c;
}

static void tl_add_md(struct tl_rcase *c, const char *key, const char *val)
{
	c->md = tl_xrealloc(c->md, (c->n_md + 1) * sizeof *c->md);
	c->md[c->n_md].key = tl_xstrdup(key);
	c->md[c->n_md].val = tl_xstrdup(val);
	c->n_md++;
	if (strcmp(key, "has.cleanup") == 0)
		c->has_cleanup = strcmp(val, "true") == 0;
	else if (strcmp(key, "timeout") == 0)
		c->timeout_s = atoi(val);
	else if (strcmp(key, "X-claim") == 0)
		c->sc_harness = true;
}

static void tl_broken_listing(struct tl_run *run, const char *program,
			      const char *why)
{
	struct tl_rcase *c = tl_new_case(run, program, "__test_cases_list__");
	c->verdict = TL_V_BROKEN;
	c->reason = tl_xstrdup(why);
	tl_iso_now(c->started);
}

int tl_runner_list(struct tl_run *run, const char *program,
		   const struct tl_runopts *opts)
{
	char abs[PATH_MAX];
	if (!realpath(program, abs)) {
		char *why = tl_xasprintf("cannot find the test program: %s",
					 strerror(errno));
		tl_broken_listing(run, program, why);
		free(why);
		return 0;
	}
	size_t argc;
	char **argv = tl_wrapped_argv(opts, abs, 1, &argc);
	argv[argc++] = "-l";
	int st = 0;
	char *text =
	    tl_capture(argv, TL_LIST_TIMEOUT_S * opts->timeout_scale, &st);
	free(argv);
	if (!text || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char *why = tl_xasprintf(
		    "listing the test cases (%s -l) %s", program,
		    !text		     ? "timed out"
		    : WIFSIGNALED(st)	     ? "was killed by a signal"
		    : WEXITSTATUS(st) == 127 ? "could not execute the program"
					     : "exited with an error");
		tl_broken_listing(run, program, why);
		free(why);
		free(text);
		return 0;
	}
	/* "Content-Type: application/X-atf-tp; version="1"", a blank line,
	 * then blocks of "key: value" lines each starting with ident. */
	if (strncmp(text, "Content-Type: application/X-atf-tp;", 35) != 0) {
		tl_broken_listing(run, program,
				  "the program's list is not in the ATF "
				  "test-program format");
		free(text);
		return 0;
	}
	struct tl_rcase *cur = NULL;
	size_t first = run->n_cases;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Content-Type:", 13) == 0)
			continue;
		char *colon = strstr(line, ": ");
		if (!colon)
			continue;
		*colon = '\0';
		const char *val = colon + 2;
		if (strcmp(line, "ident") == 0) {
			cur = tl_new_case(run, program, val);
			continue;
		}
		if (cur)
			tl_add_md(cur, line, val);
	}
	free(text);
	if (run->n_cases == first)
		tl_broken_listing(run, program, "the program lists no case");
	/* A filter drops cases now, before anything runs. */
	if (opts->filter) {
		size_t keep = first;
		for (size_t i = first; i < run->n_cases; i++) {
			struct tl_rcase *c = &run->cases[i];
			const char *base = strrchr(c->program, '/');
			base = base ? base + 1 : c->program;
			char full[1024];
			snprintf(full, sizeof full, "%s:%s", base, c->name);
			if (fnmatch(opts->filter, c->name, 0) == 0 ||
			    fnmatch(opts->filter, full, 0) == 0) {
				run->cases[keep++] = *c;
			} else {
				tl_rcase_free(c);
			}
		}
		run->n_cases = keep;
	}
	return 0;
}

/* ---- requirements (Kyua checks these before running a case) ---------- */

static bool tl_in_path(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	char *copy = tl_xstrdup(path ? path : "/usr/bin:/bin");
	bool found = false;
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];
		snprintf(full, sizeof full, "%s/%s", d, prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

static bool tl_has_var(const struct tl_runopts *o, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < o->n_vars; i++)
		if (strncmp(o->vars[i], name, n) == 0 && o->vars[i][n] == '=')
			return true;
	return false;
}

/* Why the case cannot run here (a skip reason), or NULL. */
static char *tl_unmet(const struct tl_rcase *c, const struct tl_runopts *o)
{
	const char *v;
	if ((v = tl_rcase_md(c, "require.user"))) {
		if (strcmp(v, "root") == 0 && geteuid() != 0)
			return tl_xstrdup("Requires root privileges");
		if (strcmp(v, "unprivileged") == 0 && geteuid() == 0)
			return tl_xstrdup("Requires an unprivileged user and "
					  "sc-run does not drop privileges");
	}
	char *why = NULL;
	const char *keys[] = {"require.config", "require.progs",
			      "require.files", "require.arch",
			      "require.machine"};
	struct utsname u;
	uname(&u);
	for (size_t k = 0; k < sizeof keys / sizeof *keys && !why; k++) {
		if (!(v = tl_rcase_md(c, keys[k])))
			continue;
		char *list = tl_xstrdup(v);
		char *save = NULL;
		bool any_arch = false, want_arch = k >= 3;
		for (char *w = strtok_r(list, " ", &save); w && !why;
		     w = strtok_r(NULL, " ", &save)) {
			if (k == 0 && !tl_has_var(o, w))
				why = tl_xasprintf("Required configuration "
						   "property '%s' not defined",
						   w);
			else if (k == 1 && !tl_in_path(w))
				why = tl_xasprintf(
				    "Required program '%s' not found%s", w,
				    strchr(w, '/') ? "" : " in PATH");
			else if (k == 2 && access(w, F_OK) != 0)
				why = tl_xasprintf(
				    "Required file '%s' not found", w);
			else if (want_arch && strcmp(w, u.machine) == 0)
				any_arch = true;
		}
		if (want_arch && !why && !any_arch)
			why = tl_xasprintf("Current %s '%s' not supported",
					   k == 3 ? "architecture" : "machine",
					   u.machine);
		free(list);
	}
	return why;
}

/* ---- judging ----------------------------------------------------------- */

static char *tl_exit_words(const struct tl_exit *e)
{
	if (e->exited)
		return tl_xasprintf("exited with code %d", e->status);
	return tl_xasprintf("received signal %d%s", e->signo,
			    e->core ? " (core dumped)" : "");
}

/* Kyua's engine/atf_result.cpp: parse the result file, then check it
 * against how the body ended. */
static void tl_judge(struct tl_rcase *c, const char *resfile)
{
	const struct tl_exit *e = &c->body;
	char *text = tl_slurp(resfile, 1 << 16, NULL);
	char *words = tl_exit_words(e);
	if (!text || !*text) {
		c->verdict = TL_V_BROKEN;
		if (e->timed_out)
			c->reason = tl_xstrdup("Test case body timed out");
		else if (!text)
			c->reason =
			    tl_xasprintf("Premature exit; test case %s", words);
		else
			c->reason =
			    tl_xstrdup("Empty test result or no new line");
		free(text);
		free(words);
		return;
	}
	char *nl = strchr(text, '\n');
	bool multi = nl && nl[1] != '\0';
	if (nl)
		*nl = '\0';
	c->atf_result = tl_xstrdup(text);
	if (!nl || multi) {
		c->verdict = TL_V_BROKEN;
		c->reason =
		    tl_xasprintf("%s: %s",
				 nl ? "Test result contains multiple lines"
				    : "Empty test result or no new line",
				 text);
		free(text);
		free(words);
		return;
	}
	/* "type", "type: reason" or "type(arg): reason" */
	char *reason = strstr(text, ": ");
	if (reason) {
		*reason = '\0';
		reason += 2;
	}
	int arg = -1;
	char *paren = strchr(text, '(');
	if (paren) {
		*paren = '\0';
		arg = atoi(paren + 1);
	}
	const char *type = text;
	bool ok_exit0 = e->exited && e->status == 0 && !e->timed_out;
	enum tl_verdict v = TL_V_BROKEN;
	char *why = NULL;
	if (e->timed_out && strcmp(type, "expected_timeout") != 0) {
		why = tl_xstrdup("Test case body timed out");
	} else if (strcmp(type, "passed") == 0) {
		if (ok_exit0)
			v = TL_V_PASSED;
		else
			why = tl_xasprintf("Passed test case should have "
					   "exited cleanly but %s",
					   words);
	} else if (strcmp(type, "failed") == 0) {
		if (e->exited && e->status == EXIT_FAILURE)
			v = TL_V_FAILED;
		else
			why = tl_xasprintf("Failed test case should have "
					   "reported failure but %s",
					   words);
	} else if (strcmp(type, "skipped") == 0) {
		if (ok_exit0)
			v = TL_V_SKIPPED;
		else
			why = tl_xasprintf("Skipped test case should have "
					   "exited cleanly but %s",
					   words);
	} else if (strcmp(type, "expected_failure") == 0) {
		if (ok_exit0)
			v = TL_V_XFAIL;
		else
			why = tl_xasprintf("Expected failure should have "
					   "reported success but %s",
					   words);
	} else if (strcmp(type, "expected_death") == 0) {
		v = TL_V_XFAIL;
	} else if (strcmp(type, "expected_exit") == 0) {
		if (!e->exited)
			why = tl_xasprintf("Expected clean exit but %s", words);
		else if (arg >= 0 && arg != e->status) {
			v = TL_V_FAILED;
			why = tl_xasprintf("Test case expected to exit with "
					   "code %d but got code %d",
					   arg, e->status);
		} else
			v = TL_V_XFAIL;
	} else if (strcmp(type, "expected_signal") == 0) {
		if (e->exited)
			why = tl_xasprintf("Expected signal but %s", words);
		else if (arg >= 0 && arg != e->signo) {
			v = TL_V_FAILED;
			why = tl_xasprintf("Test case expected to receive "
					   "signal %d but got %d",
					   arg, e->signo);
		} else
			v = TL_V_XFAIL;
	} else if (strcmp(type, "expected_timeout") == 0) {
		if (e->timed_out)
			v = TL_V_XFAIL;
		else
			why = tl_xasprintf("Expected timeout but %s", words);
	} else if (strcmp(type, "broken") == 0) {
		v = TL_V_BROKEN;
	} else {
		why = tl_xasprintf("Unknown test result '%s'", type);
	}
	c->verdict = v;
	c->reason = why ? why : tl_xstrdup(reason ? reason : "");
	free(text);
	free(words);
}

/* A cleanup that did not end well breaks a case that was otherwise good. */
static void tl_judge_cleanup(struct tl_rcase *c)
{
	if (!c->cleanup.ran || c->verdict == TL_V_FAILED ||
	    c->verdict == TL_V_BROKEN)
		return;
	if (c->cleanup.timed_out) {
		free(c->reason);
		c->reason = tl_xstrdup("Test case cleanup timed out");
		c->verdict = TL_V_BROKEN;
	} else if (!c->cleanup.exited || c->cleanup.status != 0) {
		/* Kyua's words; how it ended is in the cleanup record. */
		free(c->reason);
		c->reason = tl_xstrdup(
		    "Test case cleanup did not terminate successfully");
		c->verdict = TL_V_BROKEN;
	}
}

static void tl_parse_fslines(struct tl_rcase *c, const char *out)
{
	static const char tag[] = "shmconform-fs:\t";
	for (const char *p = out; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > sizeof tag - 1 &&
		    strncmp(p, tag, sizeof tag - 1) == 0) {
			char *line =
			    strndup(p + sizeof tag - 1, len - (sizeof tag - 1));
			if (!line)
				exit(2);
			char *f[4] = {line, NULL, NULL, NULL};
			for (int i = 1; i < 4; i++) {
				char *tab =
				    f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
				if (tab) {
					*tab = '\0';
					f[i] = tab + 1;
				}
			}
			c->fs =
			    tl_xrealloc(c->fs, (c->n_fs + 1) * sizeof *c->fs);
			struct tl_fsline *l = &c->fs[c->n_fs++];
			l->verdict = tl_xstrdup(f[0]);
			l->type = tl_xstrdup(f[1]);
			l->dir = tl_xstrdup(f[2]);
			l->reason = tl_xstrdup(f[3]);
			free(line);
		}
		p = eol ? eol + 1 : NULL;
	}
}

/* ---- running ----------------------------------------------------------- */

struct tl_job {
	struct tl_rcase *c;
	bool cleanup; /* running the cleanup part */
	pid_t pid;
	double start, deadline; /* deadline 0: none */
	char ctl[PATH_MAX];	/* control directory; work/ inside */
};

static const struct tl_runopts *tl_o;
static char tl_root[PATH_MAX / 2]; /* leaves room for "/N/work/..." */

static void tl_child_exec(const struct tl_job *j, const char *prog,
			  const char *out, const char *err)
{
	setpgid(0, 0);
	char work[PATH_MAX + 8];
	snprintf(work, sizeof work, "%s/work", j->ctl);
	if (chdir(work) != 0)
		_exit(126);
	int in = open("/dev/null", O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || o < 0 || e < 0)
		_exit(126);
	dup2(in, 0);
	dup2(o, 1);
	dup2(e, 2);
	/* Kyua's environment for a case: private HOME and TMPDIR, UTC, the
	 * C locale, and the marker that silences atf-c's warning. */
	setenv("HOME", work, 1);
	setenv("TMPDIR", work, 1);
	setenv("TZ", "UTC", 1);
	setenv("__RUNNING_INSIDE_ATF_RUN", "internal-yes-value", 1);
	static const char *const locale[] = {
	    "LANG",	   "LC_ALL",	  "LC_COLLATE", "LC_CTYPE",
	    "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC", "LC_TIME"};
	for (size_t i = 0; i < sizeof locale / sizeof *locale; i++)
		unsetenv(locale[i]);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(SIGCHLD, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	size_t argc;
	char **argv = tl_wrapped_argv(tl_o, prog, 8 + 2 * tl_o->n_vars, &argc);
	char srcdir[PATH_MAX + 4];
	snprintf(srcdir, sizeof srcdir, "-s%s", prog);
	*strrchr(srcdir, '/') = '\0';
	argv[argc++] = srcdir;
	char res[PATH_MAX + 16];
	if (!j->cleanup) {
		snprintf(res, sizeof res, "-r%s/result", j->ctl);
		argv[argc++] = res;
	}
	for (size_t i = 0; i < tl_o->n_vars; i++) {
		argv[argc++] = "-v";
		argv[argc++] = (char *)tl_o->vars[i];
	}
	char name[1024];
	snprintf(name, sizeof name, "%s%s", j->c->name,
		 j->cleanup ? ":cleanup" : "");
	argv[argc++] = name;
	argv[argc] = NULL;
	execvp(argv[0], argv);
	fprintf(stderr, "sc-run: cannot execute %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

static int tl_start(struct tl_job *j)
{
	char prog[PATH_MAX];
	if (!realpath(j->c->program, prog))
		return -1;
	char out[PATH_MAX + 16], err[PATH_MAX + 16];
	snprintf(out, sizeof out, "%s/%s", j->ctl,
		 j->cleanup ? "cleanup.out" : "out");
	snprintf(err, sizeof err, "%s/%s", j->ctl,
		 j->cleanup ? "cleanup.err" : "err");
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		tl_child_exec(j, prog, out, err);
	setpgid(pid, pid);
	j->pid = pid;
	j->start = tl_now();
	int t =
	    j->c->timeout_s >= 0 ? j->c->timeout_s : tl_o->default_timeout_s;
	j->deadline = t > 0 ? j->start + t * tl_o->timeout_scale : 0;
	struct tl_exit *e = j->cleanup ? &j->c->cleanup : &j->c->body;
	e->ran = true;
	return 0;
}

static char *tl_keep(char *text, size_t limit, bool *truncated)
{
	if (text && strlen(text) > limit) {
		text[limit] = '\0';
		*truncated = true;
	}
	return text;
}

static void tl_finish(struct tl_job *j)
{
	struct tl_rcase *c = j->c;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/result", j->ctl);
	tl_judge(c, path);
	tl_judge_cleanup(c);
	snprintf(path, sizeof path, "%s/out", j->ctl);
	c->out = tl_slurp(path, TL_CAPTURE_MAX, NULL);
	tl_parse_fslines(c, c->out);
	c->out = tl_keep(c->out, tl_o->capture_limit, &c->out_truncated);
	snprintf(path, sizeof path, "%s/err", j->ctl);
	c->err = tl_keep(tl_slurp(path, TL_CAPTURE_MAX, NULL),
			 tl_o->capture_limit, &c->err_truncated);
	if (c->cleanup.ran) {
		bool cut = false;
		snprintf(path, sizeof path, "%s/cleanup.out", j->ctl);
		c->cl_out = tl_keep(tl_slurp(path, TL_CAPTURE_MAX, NULL),
				    tl_o->capture_limit, &cut);
		snprintf(path, sizeof path, "%s/cleanup.err", j->ctl);
		c->cl_err = tl_keep(tl_slurp(path, TL_CAPTURE_MAX, NULL),
				    tl_o->capture_limit, &cut);
	}
	if (!tl_o->keep_work)
		tl_rm_rf(j->ctl);
	if (tl_o->verbose)
		fprintf(stderr, "%s:%s  %s  %.2fs%s%s\n", c->program, c->name,
			tl_verdict_name(c->verdict), c->body.seconds,
			c->reason && *c->reason ? "  " : "",
			c->reason ? c->reason : "");
}

/* Would the cleanup of j's shmconform case find nothing to undo?  Its body
 * exited (no signal), and the pointer to its ledger (sc_begin writes it in
 * the work directory, sc_end removes it) is gone. */
static bool tl_cleanup_has_nothing(const struct tl_job *j)
{
	if (!j->c->sc_harness || !j->c->body.exited)
		return false;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/work/shmconform.ledger", j->ctl);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* The process j ran ended with wait status st. Returns true when the
 * case is done, false when its cleanup was started. */
static bool tl_ended(struct tl_job *j, int st)
{
	/* Anything the case left in its process group goes too. */
	kill(-j->pid, SIGKILL);
	struct tl_exit *e = j->cleanup ? &j->c->cleanup : &j->c->body;
	e->seconds = tl_now() - j->start;
	e->exited = WIFEXITED(st);
	e->status = e->exited ? WEXITSTATUS(st) : 0;
	e->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	e->core = WIFSIGNALED(st) && WCOREDUMP(st);
	/* Kyua runs the cleanup whatever the body did, timeouts included.
	 * Not a shmconform case's whose body ended by itself and released
	 * its ledger: its cleanup would find nothing to undo (one process
	 * less per case; a killed or crashed body still gets it). */
	if (!j->cleanup && j->c->has_cleanup && !tl_cleanup_has_nothing(j)) {
		j->cleanup = true;
		if (tl_start(j) == 0)
			return false;
		j->c->cleanup.ran = true;
		j->c->cleanup.exited = true;
		j->c->cleanup.status = 127;
	}
	return true;
}

static void tl_on_sigchld(int sig)
{
	(void)sig; /* only wakes sigtimedwait */
}

static int tl_begin_case(struct tl_job *j, struct tl_rcase *c, size_t idx)
{
	memset(j, 0, sizeof *j);
	j->c = c;
	tl_iso_now(c->started);
	char *why = tl_unmet(c, tl_o);
	if (why) {
		c->verdict = TL_V_SKIPPED;
		c->reason = why;
		return 1;
	}
	snprintf(j->ctl, sizeof j->ctl, "%s/%zu", tl_root, idx);
	char work[PATH_MAX + 8];
	snprintf(work, sizeof work, "%s/work", j->ctl);
	if (mkdir(j->ctl, 0700) != 0 || mkdir(work, 0755) != 0 ||
	    tl_start(j) != 0) {
		c->verdict = TL_V_BROKEN;
		c->reason = tl_xasprintf("sc-run could not start the case: %s",
					 strerror(errno));
		return 1;
	}
	return 0;
}

int tl_runner_execute(struct tl_run *run, const struct tl_runopts *opts)
{
	tl_o = opts;
	const char *root = opts->work_root ? opts->work_root : getenv("TMPDIR");
	snprintf(tl_root, sizeof tl_root, "%s/sc-run.XXXXXX",
		 root && *root ? root : "/tmp");
	if (!mkdtemp(tl_root)) {
		fprintf(stderr, "sc-run: cannot create %s: %s\n", tl_root,
			strerror(errno));
		return -1;
	}
	struct sigaction sa = {.sa_handler = tl_on_sigchld};
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);

	int jobs = opts->jobs > 0 ? opts->jobs : 1;
	struct tl_job *js = calloc((size_t)jobs, sizeof *js);
	bool *busy = calloc((size_t)jobs, sizeof *busy);
	if (!js || !busy)
		exit(2);
	tl_iso_now(run->started);
	double t0 = tl_now();
	size_t next = 0;
	int running = 0;
	while (next < run->n_cases || running > 0) {
		for (int k = 0; k < jobs && next < run->n_cases; k++) {
			if (busy[k])
				continue;
			struct tl_rcase *c = &run->cases[next];
			size_t idx = next++;
			/* A broken listing has nothing to run. */
			if (strcmp(c->name, "__test_cases_list__") == 0)
				continue;
			if (tl_begin_case(&js[k], c, idx) == 0) {
				busy[k] = true;
				running++;
			} else if (opts->verbose) {
				fprintf(stderr, "%s:%s  %s  %s\n", c->program,
					c->name, tl_verdict_name(c->verdict),
					c->reason);
			}
		}
		if (running == 0)
			continue;
		double now = tl_now(), wait = 1.0;
		for (int k = 0; k < jobs; k++)
			if (busy[k] && js[k].deadline > 0 &&
			    js[k].deadline - now < wait)
				wait = js[k].deadline - now;
		if (wait < 0.001)
			wait = 0.001;
		struct timespec ts = {
		    (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
		sigtimedwait(&chld, NULL, &ts);
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (int k = 0; k < jobs; k++) {
				if (!busy[k] || js[k].pid != pid)
					continue;
				if (tl_ended(&js[k], st)) {
					tl_finish(&js[k]);
					busy[k] = false;
					running--;
				}
				break;
			}
		}
		now = tl_now();
		for (int k = 0; k < jobs; k++) {
			if (!busy[k] || js[k].deadline <= 0 ||
			    now < js[k].deadline)
				continue;
			struct tl_exit *e =
			    js[k].cleanup ? &js[k].c->cleanup : &js[k].c->body;
			if (!e->timed_out) {
				e->timed_out = true;
				kill(-js[k].pid, SIGKILL);
			}
		}
	}
	run->seconds = tl_now() - t0;
	free(js);
	free(busy);
	if (!opts->keep_work)
		rmdir(tl_root);
	else
		fprintf(stderr, "sc-run: work directories kept in %s\n",
			tl_root);
	sigprocmask(SIG_SETMASK, &old, NULL);
	size_t counts[TL_V_COUNT];
	tl_runner_count(run, counts);
	return (int)(counts[TL_V_FAILED] + counts[TL_V_BROKEN]);
}

void tl_runner_count(const struct tl_run *run, size_t counts[TL_V_COUNT])
{
	memset(counts, 0, TL_V_COUNT * sizeof *counts);
	for (size_t i = 0; i < run->n_cases; i++)
		counts[run->cases[i].verdict]++;
}

static void tl_rcase_free(struct tl_rcase *c)
{
	for (size_t k = 0; k < c->n_md; k++) {
		free(c->md[k].key);
		free(c->md[k].val);
	}
	for (size_t k = 0; k < c->n_fs; k++) {
		free(c->fs[k].verdict);
		free(c->fs[k].type);
		free(c->fs[k].dir);
		free(c->fs[k].reason);
	}
	free(c->fs);
	free(c->md);
	free(c->program);
	free(c->name);
	free(c->reason);
	free(c->atf_result);
	free(c->out);
	free(c->err);
	free(c->cl_out);
	free(c->cl_err);
}

void tl_runner_free(struct tl_run *run)
{
	for (size_t i = 0; i < run->n_cases; i++)
		tl_rcase_free(&run->cases[i]);
	free(run->cases);
	run->cases = NULL;
	run->n_cases = 0;
}
