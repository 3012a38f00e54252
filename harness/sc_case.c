/* Case life cycle, verdicts and the teaching failure text. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_expect.h"
#include "sc_internal.h"

struct sc_state sc_st = {.report_fd = -1};

void sc_head(atf_tc_t *tc, enum sc_claim_id claim, enum sc_class cls,
	     const char *descr, bool per_fs)
{
	atf_tc_set_md_var(tc, "descr", "%s", descr);
	atf_tc_set_md_var(tc, "X-claim", "%s", sc_claims[claim].id);
	atf_tc_set_md_var(tc, "X-class", "%s", sc_class_name(cls));
	atf_tc_set_md_var(tc, "X-per-fs", "%s", per_fs ? "yes" : "no");
	/* Kyua's bound on the whole case; the harness bounds each wait. */
	atf_tc_set_md_var(tc, "timeout", "120");
}

static void sc_atexit(void)
{
	/* Runs when the body ends by atf_tc_fail/skip/pass (exit) too. */
	if (sc_st.in_child || getpid() != sc_st.top_pid)
		return;
	sc_kill_children();
	sc_ledger_release();
}

void sc_begin(const atf_tc_t *tc, const char *name, enum sc_claim_id claim,
	      enum sc_class cls)
{
	sc_st.tc = tc;
	sc_st.case_name = name;
	sc_st.claim = claim;
	sc_st.cls = cls;
	sc_st.top_pid = getpid();
	sc_st.begun = true;
	/* Children inherit stdio buffers: keep them empty at every fork. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(sc_atexit);
	sc_ledger_mark_cwd();
}

void sc_end(void)
{
	sc_expect_on_pass(); /* a known deviation that did not happen */
	sc_kill_children();
	sc_ledger_release();
}

void sc_cleanup_case(const atf_tc_t *tc)
{
	/* Kyua runs this in a fresh process in the case's work directory,
	 * also after a failure or a timeout: undo what the ledger lists. */
	(void)tc;
	FILE *f = fopen("shmconform.ledger", "r");
	if (!f)
		return;
	char path[4096];
	if (fgets(path, sizeof path, f)) {
		path[strcspn(path, "\n")] = '\0';
		sc_ledger_process(path);
	}
	fclose(f);
}

void sc_note(const char *fmt, ...)
{
	size_t used = strlen(sc_st.notes);
	if (used + 2 >= sizeof sc_st.notes)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc_st.notes + used, sizeof sc_st.notes - used, fmt, ap);
	va_end(ap);
	used = strlen(sc_st.notes);
	if (used + 1 < sizeof sc_st.notes)
		strcat(sc_st.notes, "\n");
}

static void sc_where(char *buf, size_t len)
{
	if (sc_st.fs)
		snprintf(buf, len, " on %s %.200s", sc_st.fs->type,
			 sc_st.fs->dir);
	else
		buf[0] = '\0';
}

static void sc_print_lesson(const char *file, int line, const char *msg)
{
	if (!sc_st.begun)
		return;
	const struct sc_claim *c = &sc_claims[sc_st.claim];
	char where[256];
	sc_where(where, sizeof where);
	fprintf(stderr,
		"\n=== shmconform: %s failed%s\n"
		"claim      %s [%s]%s\n"
		"tutorial   %s\n"
		"statement  %s\n",
		sc_st.case_name, where, c->id, sc_class_name(sc_st.cls),
		c->extension ? " (beyond the tutorial)" : "",
		c->words ? c->words : "(not in the tutorial)", c->statement);
	if (c->erratum)
		fprintf(stderr, "erratum    %s\n", c->erratum);
	fprintf(stderr, "check      %s:%d\nfailed     %s\n", file, line, msg);
	if (sc_st.notes[0])
		fprintf(stderr, "context\n%s", sc_st.notes);
	fflush(stderr);
}

/* Send a record to the parent and end this child. */
static void __attribute__((noreturn))
sc_child_report(char type, const char *msg)
{
	char buf[1400];
	int n = snprintf(buf, sizeof buf, "%c%s", type, msg);
	if (n > (int)sizeof buf - 1)
		n = (int)sizeof buf - 1;
	if (write(sc_st.report_fd, buf, (size_t)n) < 0) {
		/* nothing better to do: the exit status still says it */
	}
	sc_kill_children();
	fflush(NULL);
	_exit(SC_EXIT_REPORTED);
}

/* The one-line reason: "CLAIM [class] on fs: message". */
static void sc_reason(char *buf, size_t len, const char *msg)
{
	char where[256];
	sc_where(where, sizeof where);
	snprintf(buf, len, "%s [%s]%s: %s", sc_claims[sc_st.claim].id,
		 sc_class_name(sc_st.cls), where, msg);
}

/* ---- records: each failed check and each skip as one JSON line ---------- */

/* A record: at most 5 long values (fs_dir, check, expected, observed,
 * reason) of SC_JSON_VALUE_MAX bytes each, and short ones. */
#define SC_JSON_VALUE_MAX 1500
struct sc_json {
	char buf[12288];
	size_t len;
	bool first;
};

static void sc_json_raw(struct sc_json *j, const char *s)
{
	size_t n = strlen(s);
	if (j->len + n < sizeof j->buf) {
		memcpy(j->buf + j->len, s, n);
		j->len += n;
	}
}

/* "key": "value" (JSON-escaped; NULL is null), with its comma. */
static void sc_json_str(struct sc_json *j, const char *key, const char *val)
{
	char esc[8];
	sc_json_raw(j, j->first ? "\"" : ", \"");
	j->first = false;
	sc_json_raw(j, key);
	sc_json_raw(j, "\": ");
	if (!val) {
		sc_json_raw(j, "null");
		return;
	}
	sc_json_raw(j, "\"");
	/* Each value is bounded (cut between characters, not inside one), so
	 * that every record fits the buffer whole. */
	size_t end = j->len + SC_JSON_VALUE_MAX;
	for (const unsigned char *c = (const unsigned char *)val;
	     *c && (j->len < end || (*c & 0xC0) == 0x80); c++) {
		if (*c == '"' || *c == '\\')
			snprintf(esc, sizeof esc, "\\%c", *c);
		else if (*c == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (*c == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			snprintf(esc, sizeof esc, "\\u%04x", *c);
		else
			snprintf(esc, sizeof esc, "%c", *c);
		sc_json_raw(j, esc);
	}
	sc_json_raw(j, "\"");
}

static void sc_json_int(struct sc_json *j, const char *key, long long val)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", val);
	sc_json_raw(j, ", \"");
	sc_json_raw(j, key);
	sc_json_raw(j, "\": ");
	sc_json_raw(j, num);
}

/* Begin a record: "shmconform-check: {" with the case and file system. */
static void sc_json_begin(struct sc_json *j, const char *tag)
{
	j->len = 0;
	j->first = true;
	sc_json_raw(j, tag);
	sc_json_raw(j, ": {");
	sc_json_str(j, "case", sc_st.case_name);
	sc_json_str(j, "fs_type", sc_st.fs ? sc_st.fs->type : NULL);
	sc_json_str(j, "fs_dir", sc_st.fs ? sc_st.fs->dir : NULL);
}

/* End it and write it as one line with one write(2): the lines of
 * processes sharing stderr do not interleave. */
static void sc_json_end(struct sc_json *j)
{
	sc_json_raw(j, "}\n");
	fflush(stderr);
	if (write(STDERR_FILENO, j->buf, j->len) < 0) {
		/* stderr gone: the human text is lost too */
	}
}

static const char *sc_errno_or_null(int err)
{
	return err ? sc_errno_name(err) : NULL;
}

static const char *sc_signal_or_null(int sig)
{
	return sig ? sc_signal_name(sig) : NULL;
}

static void sc_write_check_record(const char *file, int line,
				  const struct sc_check *c, const char *reason)
{
	static struct sc_json j; /* 12 KiB: not on a child's small stack */
	sc_json_begin(&j, "shmconform-check");
	sc_json_str(&j, "claim", sc_claims[sc_st.claim].id);
	sc_json_str(&j, "class", sc_class_name(sc_st.cls));
	sc_json_str(&j, "check", c->check);
	sc_json_str(&j, "expected", c->expected);
	sc_json_str(&j, "observed", c->observed);
	/* Each name is copied into the line before the next is made (they
	 * may share a buffer). */
	sc_json_str(&j, "errno_expected", sc_errno_or_null(c->errno_expected));
	sc_json_str(&j, "errno_observed", sc_errno_or_null(c->errno_observed));
	sc_json_str(&j, "signal_expected",
		    sc_signal_or_null(c->signal_expected));
	sc_json_str(&j, "signal_observed",
		    sc_signal_or_null(c->signal_observed));
	sc_json_str(&j, "file", file);
	sc_json_int(&j, "line", line);
	sc_json_str(&j, "reason", reason);
	sc_json_end(&j);
}

static void sc_write_skip_record(const char *reason)
{
	static struct sc_json j;
	sc_json_begin(&j, "shmconform-skip");
	sc_json_str(&j, "reason", reason);
	sc_json_end(&j);
}

/* The errno of "failure with ENAME" in a value's words; 0 if none. */
static int sc_errno_in(const char *words)
{
	const char *f = strstr(words, "failure with E");
	if (!f)
		return 0;
	f += strlen("failure with ");
	size_t n = strspn(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	for (int err = 1; err < 4096; err++) {
		const char *name = strerrorname_np(err);
		if (name && strlen(name) == n && strncmp(name, f, n) == 0)
			return err;
	}
	return 0;
}

/*
 * A free-form check (SC_CHECK, SC_FAIL) says what it compared in words;
 * the project's convention "WHAT: expected E, observed O" is split into
 * the record's fields (and "failure with ENAME" in them into the errno
 * names).  A message that does not follow it is the check's words whole,
 * with expected and observed unknown (null).
 */
static void sc_split_message(const char *msg, struct sc_check *c, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%s", msg);
	c->check = buf;
	char *e = strstr(buf, ": expected ");
	if (!e)
		return;
	char *o = strstr(e, ", observed ");
	if (!o)
		return;
	*e = '\0';
	*o = '\0';
	c->expected = e + strlen(": expected ");
	c->observed = o + strlen(", observed ");
	c->errno_expected = sc_errno_in(c->expected);
	c->errno_observed = sc_errno_in(c->observed);
}

void sc_fail_reason(const char *reason)
{
	/* A failure already phrased (a child's, passed up): no new lesson,
	 * no new record (the child wrote both). */
	if (sc_st.in_child)
		sc_child_report(SC_REC_FAIL, reason);
	sc_expect_on_failure(reason); /* known here: atf_tc_expect_fail */
	atf_tc_fail("%s", reason);
}

void sc_skip_reason(const char *reason)
{
	if (sc_st.in_child)
		sc_child_report(SC_REC_SKIP, reason);
	atf_tc_skip("%s", reason);
}

void sc_fail_check(const char *file, int line, const struct sc_check *c,
		   const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sc_print_lesson(file, line, msg);
	if (!sc_st.begun)
		atf_tc_fail("%s:%d: %s", file, line, msg);
	char reason[1300];
	sc_reason(reason, sizeof reason, msg);
	struct sc_check split = {0};
	char words[900];
	if (!c) {
		sc_split_message(msg, &split, words, sizeof words);
		c = &split;
	}
	sc_write_check_record(file, line, c, reason);
	sc_fail_reason(reason);
}

void sc_fail_compared(const char *file, int line, const struct sc_check *c)
{
	sc_fail_check(file, line, c, "%s: expected %s, observed %s", c->check,
		      c->expected, c->observed);
}

void sc_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sc_fail_check(file, line, NULL, "%s", msg);
}

void sc_skip(const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sc_st.begun)
		sc_write_skip_record(msg);
	sc_skip_reason(msg);
}

/* What a child's end says, as a check's fields (observed: its outcome). */
static struct sc_check sc_outcome_check(const struct sc_outcome *o,
					const char *who, int signo,
					char *expected, size_t len)
{
	snprintf(expected, len, "killed by %s", sc_signal_name(signo));
	struct sc_check c = {.check = who,
			     .expected = signo ? expected : "exit status 0",
			     .observed = sc_outcome_str(o),
			     .signal_expected = signo,
			     .signal_observed = o->timed_out ? 0 : o->signo};
	return c;
}

static void sc_record_outcome(const char *file, int line,
			      const struct sc_outcome *o, const char *who,
			      int signo, const char *reason)
{
	char expected[64];
	struct sc_check c =
	    sc_outcome_check(o, who, signo, expected, sizeof expected);
	sc_write_check_record(file, line, &c, reason);
}

void sc_fail_outcome(const char *file, int line, const struct sc_outcome *o,
		     const char *who, int signo)
{
	char expected[64], observed[1500];
	struct sc_check c =
	    sc_outcome_check(o, who, signo, expected, sizeof expected);
	snprintf(observed, sizeof observed, "%s", c.observed);
	c.observed = observed;
	if (signo)
		sc_fail_check(file, line, &c,
			      "%s: expected the process to be killed by %s, "
			      "observed that it %s",
			      who, sc_signal_name(signo), observed);
	sc_fail_check(file, line, &c, "%s %s", who, observed);
}

void sc_check_eq(const char *file, int line, long long observed,
		 long long expected, const char *what)
{
	if (observed == expected)
		return;
	char e[32], o[32];
	snprintf(e, sizeof e, "%lld", expected);
	snprintf(o, sizeof o, "%lld", observed);
	struct sc_check c = {.check = what, .expected = e, .observed = o};
	sc_fail_compared(file, line, &c);
}

void sc_check_ptr_eq(const char *file, int line, const void *observed,
		     const void *expected, const char *what)
{
	if (observed == expected)
		return;
	char e[32], o[32];
	snprintf(e, sizeof e, "%p", expected);
	snprintf(o, sizeof o, "%p", observed);
	struct sc_check c = {.check = what, .expected = e, .observed = o};
	sc_fail_compared(file, line, &c);
}

void sc_fail_errno(const char *file, int line, const char *call, int err)
{
	sc_fs_check_unsupported(err);
	char o[96];
	snprintf(o, sizeof o, "failure with %s (%s)", sc_errno_name(err),
		 strerror(err));
	struct sc_check c = {.check = call,
			     .expected = "success",
			     .observed = o,
			     .errno_observed = err};
	sc_fail_compared(file, line, &c);
}

void sc_check_errno(const char *file, int line, const char *call, bool failed,
		    int observed, int expected)
{
	if (failed && observed == expected)
		return;
	char e[64], o[96];
	snprintf(e, sizeof e, "failure with %s", sc_errno_name(expected));
	if (!failed)
		snprintf(o, sizeof o, "success");
	else
		snprintf(o, sizeof o, "failure with %s (%s)",
			 sc_errno_name(observed), strerror(observed));
	struct sc_check c = {.check = call,
			     .expected = e,
			     .observed = o,
			     .errno_expected = expected,
			     .errno_observed = failed ? observed : 0};
	sc_fail_compared(file, line, &c);
}

void sc_check_map_errno(const char *file, int line, const char *call,
			void *addr, size_t len, int prot, int flags, int fd,
			off_t off, int err)
{
	errno = 0;
	void *p = mmap(addr, len, prot, flags, fd, off);
	int saved = errno;
	if (p != MAP_FAILED) {
		munmap(p, len ? len : sc_page_size());
		char e[64], o[64];
		snprintf(e, sizeof e, "MAP_FAILED with %s", sc_errno_name(err));
		snprintf(o, sizeof o, "success (mapped at %p)", p);
		struct sc_check c = {.check = call,
				     .expected = e,
				     .observed = o,
				     .errno_expected = err};
		sc_fail_compared(file, line, &c);
	}
	sc_check_errno(file, line, call, true, saved, err);
}

/* ---- per file system --------------------------------------------------- */

struct sc_fs_body_arg {
	void (*body)(const struct sc_fs *fs);
	const struct sc_fs *fs;
};

static void sc_fs_child(void *p)
{
	struct sc_fs_body_arg *a = p;
	sc_st.fs = a->fs;
	a->body(a->fs);
}

void sc_run_per_fs(void (*body)(const struct sc_fs *fs))
{
	const char *def = getenv("TMPDIR");
	char defbuf[4200];
	snprintf(defbuf, sizeof defbuf, "%s:/dev/shm",
		 def && *def ? def : "/tmp");
	char *list = strdup(sc_config("fs", defbuf));
	if (!list)
		SC_FAIL("out of memory");

	int passed = 0, failed = 0, skipped = 0;
	char reasons[4096] = "", skips[2048] = "";
	char *save = NULL;
	for (char *dir = strtok_r(list, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		struct statfs sfs;
		struct sc_fs fs = {.dir = dir, .type = "absent"};
		struct sc_outcome o;
		const char *verdict;
		char detail[1500];
		if (statfs(dir, &sfs) != 0) {
			snprintf(detail, sizeof detail,
				 "no such file system here: statfs(%s) failed "
				 "with %s",
				 dir, sc_errno_name(errno));
			verdict = "skip";
			sc_st.fs = &fs; /* its record names it */
			sc_write_skip_record(detail);
			sc_st.fs = NULL;
		} else {
			fs.type =
			    sc_fsinfo_type(dir, (unsigned long)sfs.f_type);
			struct sc_fs_body_arg arg = {body, &fs};
			pid_t pid = sc_spawn(sc_fs_child, &arg);
			o = sc_wait(pid, SC_TIMEOUT_MS * 3);
			if (o.skipped) {
				verdict = "skip";
				snprintf(detail, sizeof detail, "%s", o.msg);
			} else if (o.failed) {
				verdict = "fail";
				snprintf(detail, sizeof detail, "%s", o.msg);
			} else if (o.exited && o.status == 0) {
				verdict = "pass";
				detail[0] = '\0';
			} else {
				verdict = "fail";
				sc_st.fs = &fs;
				sc_reason(detail, sizeof detail,
					  "the case's child ");
				strncat(detail, sc_outcome_str(&o),
					sizeof detail - strlen(detail) - 1);
				sc_record_outcome(SC_FILE, __LINE__, &o,
						  "the case's child", 0,
						  detail);
				sc_st.fs = NULL;
			}
		}
		printf("shmconform-fs:\t%s\t%s\t%s\t%s\n", verdict, fs.type,
		       dir, detail);
		fflush(stdout);
		sc_expect_fs_verdict(fs.type, dir, verdict, detail);
		if (strcmp(verdict, "pass") == 0) {
			passed++;
		} else if (strcmp(verdict, "fail") == 0) {
			failed++;
			size_t u = strlen(reasons);
			snprintf(reasons + u, sizeof reasons - u, "%s%s",
				 u ? "; " : "", detail);
		} else {
			skipped++;
			size_t u = strlen(skips);
			snprintf(skips + u, sizeof skips - u, "%s%s: %s",
				 u ? "; " : "", dir, detail);
		}
	}
	free(list);
	sc_expect_fs_conclude(failed, reasons);
	if (failed)
		sc_fail_reason(reasons);
	if (!passed) {
		/* Each file system's skip has its record already. */
		if (skipped) {
			char why[sizeof skips + 64];
			snprintf(why, sizeof why,
				 "no file system could run this case: %s",
				 skips);
			sc_skip_reason(why);
		}
		sc_skip("the fs variable names no file system");
	}
}
