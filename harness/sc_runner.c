/* sc-run's engine: list, run and judge ATF test cases as Kyua does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sc_runner.h"

/* Output kept whole while looking for per-fs lines; cut after. */
#define SC_READ_MAX (8u << 20)
#define SC_LIST_TIMEOUT_S 60.0

const char *sc_verdict_name(enum sc_verdict v)
{
	static const char *const names[SC_V_COUNT] = {
	    "passed", "failed", "skipped", "expected_failure", "broken"};
	return (unsigned)v < SC_V_COUNT ? names[v] : "?";
}

char *sc_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		perror("sc-run: strdup");
		exit(2);
	}
	return d;
}

void *sc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		perror("sc-run: realloc");
		exit(2);
	}
	return q;
}

static char *sc_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *sc_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		perror("sc-run: vasprintf");
		exit(2);
	}
	return s;
}

static double sc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sc_iso_now(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *sc_rcase_md(const struct sc_rcase *c, const char *key)
{
	for (size_t i = 0; i < c->n_md; i++)
		if (strcmp(c->md[i].key, key) == 0)
			return c->md[i].val;
	return NULL;
}

/* Read a whole file (at most max bytes); NULL if it cannot be opened. */
static char *sc_slurp(const char *path, size_t max, bool *truncated)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t len = 0, cap = 4096;
	char *buf = sc_xrealloc(NULL, cap);
	bool cut = false;
	for (;;) {
		if (len + 1 >= cap)
			buf = sc_xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= max) {
			len = max;
			cut = true;
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (truncated)
		*truncated = cut;
	return buf;
}

static int sc_rm_open(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)ftw;
	/* A case may leave a read-only directory: its entries could not go. */
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, 0700);
	return 0;
}

static int sc_rm_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* remove what can be removed; never stop half-way */
}

static void sc_rm_rf(const char *path)
{
	nftw(path, sc_rm_open, 32, FTW_PHYS | FTW_MOUNT);
	nftw(path, sc_rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- capturing a helper's output ------------------------------------- */

char *sc_capture(char *const argv[], double timeout_s, int *status)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(pfd[1], 1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	size_t len = 0, cap = 8192;
	char *buf = sc_xrealloc(NULL, cap);
	double deadline = sc_now() + timeout_s;
	bool killed = false;
	for (;;) {
		double left = deadline - sc_now();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (len + 1 >= cap)
			buf = sc_xrealloc(buf, cap *= 2);
		ssize_t n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= SC_READ_MAX)
			break;
	}
	close(pfd[0]);
	buf[len] = '\0';
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	kill(-pid, SIGKILL); /* anything it left behind */
	if (status)
		*status = st;
	if (killed) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void sc_rcase_free(struct sc_rcase *c);

char **sc_wrapped_argv(const struct sc_runopts *opts, const char *prog,
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

static struct sc_rcase *sc_new_case(struct sc_run *run, const char *program,
				    const char *name)
{
	run->cases =
	    sc_xrealloc(run->cases, (run->n_cases + 1) * sizeof *run->cases);
	struct sc_rcase *c = &run->cases[run->n_cases++];
	memset(c, 0, sizeof *c);
	c->program = sc_xstrdup(program);
	c->name = sc_xstrdup(name);
	c->timeout_s = -1;
	return c;
}

static void sc_add_md(struct sc_rcase *c, const char *key, const char *val)
{
	c->md = sc_xrealloc(c->md, (c->n_md + 1) * sizeof *c->md);
	c->md[c->n_md].key = sc_xstrdup(key);
	c->md[c->n_md].val = sc_xstrdup(val);
	c->n_md++;
	if (strcmp(key, "has.cleanup") == 0)
		c->has_cleanup = strcmp(val, "true") == 0;
	else if (strcmp(key, "timeout") == 0)
		c->timeout_s = atoi(val);
	else if (strcmp(key, "X-claim") == 0)
		c->sc_harness = true;
}

static void sc_broken_listing(struct sc_run *run, const char *program,
			      const char *why)
{
	struct sc_rcase *c = sc_new_case(run, program, "__test_cases_list__");
	c->verdict = SC_V_BROKEN;
	c->reason = sc_xstrdup(why);
	sc_iso_now(c->started);
}

int sc_runner_list(struct sc_run *run, const char *program,
		   const struct sc_runopts *opts)
{
	char abs[PATH_MAX];
	if (!realpath(program, abs)) {
		char *why = sc_xasprintf("cannot find the test program: %s",
					 strerror(errno));
		sc_broken_listing(run, program, why);
		free(why);
		return 0;
	}
	size_t argc;
	char **argv = sc_wrapped_argv(opts, abs, 1, &argc);
	argv[argc++] = "-l";
	int st = 0;
	char *text =
	    sc_capture(argv, SC_LIST_TIMEOUT_S * opts->timeout_scale, &st);
	free(argv);
	if (!text || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char *why = sc_xasprintf(
		    "listing the test cases (%s -l) %s", program,
		    !text		     ? "timed out"
		    : WIFSIGNALED(st)	     ? "was killed by a signal"
		    : WEXITSTATUS(st) == 127 ? "could not execute the program"
					     : "exited with an error");
		sc_broken_listing(run, program, why);
		free(why);
		free(text);
		return 0;
	}
	/* "Content-Type: application/X-atf-tp; version="1"", a blank line,
	 * then blocks of "key: value" lines each starting with ident. */
	if (strncmp(text, "Content-Type: application/X-atf-tp;", 35) != 0) {
		sc_broken_listing(run, program,
				  "the program's list is not in the ATF "
				  "test-program format");
		free(text);
		return 0;
	}
	struct sc_rcase *cur = NULL;
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
			cur = sc_new_case(run, program, val);
			continue;
		}
		if (cur)
			sc_add_md(cur, line, val);
	}
	free(text);
	if (run->n_cases == first)
		sc_broken_listing(run, program, "the program lists no case");
	/* A filter drops cases now, before anything runs. */
	if (opts->filter) {
		size_t keep = first;
		for (size_t i = first; i < run->n_cases; i++) {
			struct sc_rcase *c = &run->cases[i];
			const char *base = strrchr(c->program, '/');
			base = base ? base + 1 : c->program;
			char full[1024];
			snprintf(full, sizeof full, "%s:%s", base, c->name);
			if (fnmatch(opts->filter, c->name, 0) == 0 ||
			    fnmatch(opts->filter, full, 0) == 0) {
				run->cases[keep++] = *c;
			} else {
				sc_rcase_free(c);
			}
		}
		run->n_cases = keep;
	}
	return 0;
}

/* ---- requirements (Kyua checks these before running a case) ---------- */

static bool sc_in_path(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	char *copy = sc_xstrdup(path ? path : "/usr/bin:/bin");
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

static bool sc_has_var(const struct sc_runopts *o, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < o->n_vars; i++)
		if (strncmp(o->vars[i], name, n) == 0 && o->vars[i][n] == '=')
			return true;
	return false;
}

/* Why the case cannot run here (a skip reason), or NULL. */
static char *sc_unmet(const struct sc_rcase *c, const struct sc_runopts *o)
{
	const char *v;
	if ((v = sc_rcase_md(c, "require.user"))) {
		if (strcmp(v, "root") == 0 && geteuid() != 0)
			return sc_xstrdup("Requires root privileges");
		if (strcmp(v, "unprivileged") == 0 && geteuid() == 0)
			return sc_xstrdup("Requires an unprivileged user and "
					  "sc-run does not drop privileges");
	}
	char *why = NULL;
	const char *keys[] = {"require.config", "require.progs",
			      "require.files", "require.arch",
			      "require.machine"};
	struct utsname u;
	uname(&u);
	for (size_t k = 0; k < sizeof keys / sizeof *keys && !why; k++) {
		if (!(v = sc_rcase_md(c, keys[k])))
			continue;
		char *list = sc_xstrdup(v);
		char *save = NULL;
		bool any_arch = false, want_arch = k >= 3;
		for (char *w = strtok_r(list, " ", &save); w && !why;
		     w = strtok_r(NULL, " ", &save)) {
			if (k == 0 && !sc_has_var(o, w))
				why = sc_xasprintf("Required configuration "
						   "property '%s' not defined",
						   w);
			else if (k == 1 && !sc_in_path(w))
				why = sc_xasprintf(
				    "Required program '%s' not found%s", w,
				    strchr(w, '/') ? "" : " in PATH");
			else if (k == 2 && access(w, F_OK) != 0)
				why = sc_xasprintf(
				    "Required file '%s' not found", w);
			else if (want_arch && strcmp(w, u.machine) == 0)
				any_arch = true;
		}
		if (want_arch && !why && !any_arch)
			why = sc_xasprintf("Current %s '%s' not supported",
					   k == 3 ? "architecture" : "machine",
					   u.machine);
		free(list);
	}
	return why;
}

/* ---- judging ----------------------------------------------------------- */

static char *sc_exit_words(const struct sc_exit *e)
{
	if (e->exited)
		return sc_xasprintf("exited with code %d", e->status);
	return sc_xasprintf("received signal %d%s", e->signo,
			    e->core ? " (core dumped)" : "");
}

/* Kyua's engine/atf_result.cpp: parse the result file, then check it
 * against how the body ended. */
static void sc_judge(struct sc_rcase *c, const char *resfile)
{
	const struct sc_exit *e = &c->body;
	char *text = sc_slurp(resfile, 1 << 16, NULL);
	char *words = sc_exit_words(e);
	if (!text || !*text) {
		c->verdict = SC_V_BROKEN;
		if (e->timed_out)
			c->reason = sc_xstrdup("Test case body timed out");
		else if (!text)
			c->reason =
			    sc_xasprintf("Premature exit; test case %s", words);
		else
			c->reason =
			    sc_xstrdup("Empty test result or no new line");
		free(text);
		free(words);
		return;
	}
	char *nl = strchr(text, '\n');
	bool multi = nl && nl[1] != '\0';
	if (nl)
		*nl = '\0';
	c->atf_result = sc_xstrdup(text);
	if (!nl || multi) {
		c->verdict = SC_V_BROKEN;
		c->reason =
		    sc_xasprintf("%s: %s",
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
	enum sc_verdict v = SC_V_BROKEN;
	char *why = NULL;
	if (e->timed_out && strcmp(type, "expected_timeout") != 0) {
		why = sc_xstrdup("Test case body timed out");
	} else if (strcmp(type, "passed") == 0) {
		if (ok_exit0)
			v = SC_V_PASSED;
		else
			why = sc_xasprintf("Passed test case should have "
					   "exited cleanly but %s",
					   words);
	} else if (strcmp(type, "failed") == 0) {
		if (e->exited && e->status == EXIT_FAILURE)
			v = SC_V_FAILED;
		else
			why = sc_xasprintf("Failed test case should have "
					   "reported failure but %s",
					   words);
	} else if (strcmp(type, "skipped") == 0) {
		if (ok_exit0)
			v = SC_V_SKIPPED;
		else
			why = sc_xasprintf("Skipped test case should have "
					   "exited cleanly but %s",
					   words);
	} else if (strcmp(type, "expected_failure") == 0) {
		if (ok_exit0)
			v = SC_V_XFAIL;
		else
			why = sc_xasprintf("Expected failure should have "
					   "reported success but %s",
					   words);
	} else if (strcmp(type, "expected_death") == 0) {
		v = SC_V_XFAIL;
	} else if (strcmp(type, "expected_exit") == 0) {
		if (!e->exited)
			why = sc_xasprintf("Expected clean exit but %s", words);
		else if (arg >= 0 && arg != e->status) {
			v = SC_V_FAILED;
			why = sc_xasprintf("Test case expected to exit with "
					   "code %d but got code %d",
					   arg, e->status);
		} else
			v = SC_V_XFAIL;
	} else if (strcmp(type, "expected_signal") == 0) {
		if (e->exited)
			why = sc_xasprintf("Expected signal but %s", words);
		else if (arg >= 0 && arg != e->signo) {
			v = SC_V_FAILED;
			why = sc_xasprintf("Test case expected to receive "
					   "signal %d but got %d",
					   arg, e->signo);
		} else
			v = SC_V_XFAIL;
	} else if (strcmp(type, "expected_timeout") == 0) {
		if (e->timed_out)
			v = SC_V_XFAIL;
		else
			why = sc_xasprintf("Expected timeout but %s", words);
	} else if (strcmp(type, "broken") == 0) {
		v = SC_V_BROKEN;
	} else {
		why = sc_xasprintf("Unknown test result '%s'", type);
	}
	c->verdict = v;
	c->reason = why ? why : sc_xstrdup(reason ? reason : "");
	free(text);
	free(words);
}

/* A cleanup that did not end well breaks a case that was otherwise good. */
static void sc_judge_cleanup(struct sc_rcase *c)
{
	if (!c->cleanup.ran || c->verdict == SC_V_FAILED ||
	    c->verdict == SC_V_BROKEN)
		return;
	if (c->cleanup.timed_out) {
		free(c->reason);
		c->reason = sc_xstrdup("Test case cleanup timed out");
		c->verdict = SC_V_BROKEN;
	} else if (!c->cleanup.exited || c->cleanup.status != 0) {
		/* Kyua's words; how it ended is in the cleanup record. */
		free(c->reason);
		c->reason = sc_xstrdup(
		    "Test case cleanup did not terminate successfully");
		c->verdict = SC_V_BROKEN;
	}
}

static void sc_parse_fslines(struct sc_rcase *c, const char *out)
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
			    sc_xrealloc(c->fs, (c->n_fs + 1) * sizeof *c->fs);
			struct sc_fsline *l = &c->fs[c->n_fs++];
			l->verdict = sc_xstrdup(f[0]);
			l->type = sc_xstrdup(f[1]);
			l->dir = sc_xstrdup(f[2]);
			l->reason = sc_xstrdup(f[3]);
			free(line);
		}
		p = eol ? eol + 1 : NULL;
	}
}

/* ---- running ----------------------------------------------------------- */

struct sc_job {
	struct sc_rcase *c;
	bool cleanup; /* running the cleanup part */
	pid_t pid;
	double start, deadline; /* deadline 0: none */
	char ctl[PATH_MAX];	/* control directory; work/ inside */
};

static const struct sc_runopts *sc_o;
static char sc_root[PATH_MAX / 2]; /* leaves room for "/N/work/..." */

static void sc_child_exec(const struct sc_job *j, const char *prog,
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
	char **argv = sc_wrapped_argv(sc_o, prog, 8 + 2 * sc_o->n_vars, &argc);
	char srcdir[PATH_MAX + 4];
	snprintf(srcdir, sizeof srcdir, "-s%s", prog);
	*strrchr(srcdir, '/') = '\0';
	argv[argc++] = srcdir;
	char res[PATH_MAX + 16];
	if (!j->cleanup) {
		snprintf(res, sizeof res, "-r%s/result", j->ctl);
		argv[argc++] = res;
	}
	for (size_t i = 0; i < sc_o->n_vars; i++) {
		argv[argc++] = "-v";
		argv[argc++] = (char *)sc_o->vars[i];
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

static int sc_start(struct sc_job *j)
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
		sc_child_exec(j, prog, out, err);
	setpgid(pid, pid);
	j->pid = pid;
	j->start = sc_now();
	int t =
	    j->c->timeout_s >= 0 ? j->c->timeout_s : sc_o->default_timeout_s;
	j->deadline = t > 0 ? j->start + t * sc_o->timeout_scale : 0;
	struct sc_exit *e = j->cleanup ? &j->c->cleanup : &j->c->body;
	e->ran = true;
	return 0;
}

static char *sc_keep(char *text, size_t limit, bool *truncated)
{
	if (text && strlen(text) > limit) {
		text[limit] = '\0';
		*truncated = true;
	}
	return text;
}

static void sc_finish(struct sc_job *j)
{
	struct sc_rcase *c = j->c;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/result", j->ctl);
	sc_judge(c, path);
	sc_judge_cleanup(c);
	snprintf(path, sizeof path, "%s/out", j->ctl);
	c->out = sc_slurp(path, SC_READ_MAX, NULL);
	sc_parse_fslines(c, c->out);
	c->out = sc_keep(c->out, sc_o->capture_limit, &c->out_truncated);
	snprintf(path, sizeof path, "%s/err", j->ctl);
	c->err = sc_keep(sc_slurp(path, SC_READ_MAX, NULL), sc_o->capture_limit,
			 &c->err_truncated);
	if (c->cleanup.ran) {
		bool cut = false;
		snprintf(path, sizeof path, "%s/cleanup.out", j->ctl);
		c->cl_out = sc_keep(sc_slurp(path, SC_READ_MAX, NULL),
				    sc_o->capture_limit, &cut);
		snprintf(path, sizeof path, "%s/cleanup.err", j->ctl);
		c->cl_err = sc_keep(sc_slurp(path, SC_READ_MAX, NULL),
				    sc_o->capture_limit, &cut);
	}
	if (!sc_o->keep_work)
		sc_rm_rf(j->ctl);
	if (sc_o->verbose)
		fprintf(stderr, "%s:%s  %s  %.2fs%s%s\n", c->program, c->name,
			sc_verdict_name(c->verdict), c->body.seconds,
			c->reason && *c->reason ? "  " : "",
			c->reason ? c->reason : "");
}

/* Would the cleanup of j's shmconform case find nothing to undo?  Its body
 * exited (no signal), and the pointer to its ledger (sc_begin writes it in
 * the work directory, sc_end removes it) is gone. */
static bool sc_cleanup_has_nothing(const struct sc_job *j)
{
	if (!j->c->sc_harness || !j->c->body.exited)
		return false;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/work/shmconform.ledger", j->ctl);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* The process j ran ended with wait status st. Returns true when the
 * case is done, false when its cleanup was started. */
static bool sc_ended(struct sc_job *j, int st)
{
	/* Anything the case left in its process group goes too. */
	kill(-j->pid, SIGKILL);
	struct sc_exit *e = j->cleanup ? &j->c->cleanup : &j->c->body;
	e->seconds = sc_now() - j->start;
	e->exited = WIFEXITED(st);
	e->status = e->exited ? WEXITSTATUS(st) : 0;
	e->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	e->core = WIFSIGNALED(st) && WCOREDUMP(st);
	/* Kyua runs the cleanup whatever the body did, timeouts included.
	 * Not a shmconform case's whose body ended by itself and released
	 * its ledger: its cleanup would find nothing to undo (one process
	 * less per case; a killed or crashed body still gets it). */
	if (!j->cleanup && j->c->has_cleanup && !sc_cleanup_has_nothing(j)) {
		j->cleanup = true;
		if (sc_start(j) == 0)
			return false;
		j->c->cleanup.ran = true;
		j->c->cleanup.exited = true;
		j->c->cleanup.status = 127;
	}
	return true;
}

static void sc_on_sigchld(int sig)
{
	(void)sig; /* only wakes sigtimedwait */
}

static int sc_begin_case(struct sc_job *j, struct sc_rcase *c, size_t idx)
{
	memset(j, 0, sizeof *j);
	j->c = c;
	sc_iso_now(c->started);
	char *why = sc_unmet(c, sc_o);
	if (why) {
		c->verdict = SC_V_SKIPPED;
		c->reason = why;
		return 1;
	}
	snprintf(j->ctl, sizeof j->ctl, "%s/%zu", sc_root, idx);
	char work[PATH_MAX + 8];
	snprintf(work, sizeof work, "%s/work", j->ctl);
	if (mkdir(j->ctl, 0700) != 0 || mkdir(work, 0755) != 0 ||
	    sc_start(j) != 0) {
		c->verdict = SC_V_BROKEN;
		c->reason = sc_xasprintf("sc-run could not start the case: %s",
					 strerror(errno));
		return 1;
	}
	return 0;
}

int sc_runner_execute(struct sc_run *run, const struct sc_runopts *opts)
{
	sc_o = opts;
	const char *root = opts->work_root ? opts->work_root : getenv("TMPDIR");
	snprintf(sc_root, sizeof sc_root, "%s/sc-run.XXXXXX",
		 root && *root ? root : "/tmp");
	if (!mkdtemp(sc_root)) {
		fprintf(stderr, "sc-run: cannot create %s: %s\n", sc_root,
			strerror(errno));
		return -1;
	}
	struct sigaction sa = {.sa_handler = sc_on_sigchld};
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);

	int jobs = opts->jobs > 0 ? opts->jobs : 1;
	struct sc_job *js = calloc((size_t)jobs, sizeof *js);
	bool *busy = calloc((size_t)jobs, sizeof *busy);
	if (!js || !busy)
		exit(2);
	sc_iso_now(run->started);
	double t0 = sc_now();
	size_t next = 0;
	int running = 0;
	while (next < run->n_cases || running > 0) {
		for (int k = 0; k < jobs && next < run->n_cases; k++) {
			if (busy[k])
				continue;
			struct sc_rcase *c = &run->cases[next];
			size_t idx = next++;
			/* A broken listing has nothing to run. */
			if (strcmp(c->name, "__test_cases_list__") == 0)
				continue;
			if (sc_begin_case(&js[k], c, idx) == 0) {
				busy[k] = true;
				running++;
			} else if (opts->verbose) {
				fprintf(stderr, "%s:%s  %s  %s\n", c->program,
					c->name, sc_verdict_name(c->verdict),
					c->reason);
			}
		}
		if (running == 0)
			continue;
		double now = sc_now(), wait = 1.0;
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
				if (sc_ended(&js[k], st)) {
					sc_finish(&js[k]);
					busy[k] = false;
					running--;
				}
				break;
			}
		}
		now = sc_now();
		for (int k = 0; k < jobs; k++) {
			if (!busy[k] || js[k].deadline <= 0 ||
			    now < js[k].deadline)
				continue;
			struct sc_exit *e =
			    js[k].cleanup ? &js[k].c->cleanup : &js[k].c->body;
			if (!e->timed_out) {
				e->timed_out = true;
				kill(-js[k].pid, SIGKILL);
			}
		}
	}
	run->seconds = sc_now() - t0;
	free(js);
	free(busy);
	if (!opts->keep_work)
		rmdir(sc_root);
	else
		fprintf(stderr, "sc-run: work directories kept in %s\n",
			sc_root);
	sigprocmask(SIG_SETMASK, &old, NULL);
	size_t counts[SC_V_COUNT];
	sc_runner_count(run, counts);
	return (int)(counts[SC_V_FAILED] + counts[SC_V_BROKEN]);
}

void sc_runner_count(const struct sc_run *run, size_t counts[SC_V_COUNT])
{
	memset(counts, 0, SC_V_COUNT * sizeof *counts);
	for (size_t i = 0; i < run->n_cases; i++)
		counts[run->cases[i].verdict]++;
}

static void sc_rcase_free(struct sc_rcase *c)
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

void sc_runner_free(struct sc_run *run)
{
	for (size_t i = 0; i < run->n_cases; i++)
		sc_rcase_free(&run->cases[i]);
	free(run->cases);
	run->cases = NULL;
	run->n_cases = 0;
}
