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

void sc_fail_reason(const char *reason)
{
	/* A failure already phrased (a child's, passed up): no new lesson. */
	if (sc_st.in_child)
		sc_child_report(SC_REC_FAIL, reason);
	atf_tc_fail("%s", reason);
}

void sc_fail(const char *file, int line, const char *fmt, ...)
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
	sc_fail_reason(reason);
	abort(); /* not reached: atf_tc_fail exits */
}

void sc_skip(const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sc_st.in_child)
		sc_child_report(SC_REC_SKIP, msg);
	atf_tc_skip("%s", msg);
}

void sc_check_eq(const char *file, int line, long long observed,
		 long long expected, const char *what)
{
	if (observed != expected)
		sc_fail(file, line, "%s: expected %lld, observed %lld", what,
			expected, observed);
}

void sc_check_ptr_eq(const char *file, int line, const void *observed,
		     const void *expected, const char *what)
{
	if (observed != expected)
		sc_fail(file, line, "%s: expected %p, observed %p", what,
			expected, observed);
}

void sc_fail_errno(const char *file, int line, const char *call, int err)
{
	sc_fs_check_unsupported(err);
	sc_fail(file, line,
		"%s: expected success, observed failure with %s (%s)", call,
		sc_errno_name(err), strerror(err));
}

void sc_check_errno(const char *file, int line, const char *call, bool failed,
		    int observed, int expected)
{
	if (!failed)
		sc_fail(file, line,
			"%s: expected failure with %s, observed success", call,
			sc_errno_name(expected));
	if (observed != expected)
		sc_fail(
		    file, line,
		    "%s: expected failure with %s, observed failure with %s "
		    "(%s)",
		    call, sc_errno_name(expected), sc_errno_name(observed),
		    strerror(observed));
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
		sc_fail(file, line,
			"%s: expected MAP_FAILED with %s, observed success "
			"(mapped at %p)",
			call, sc_errno_name(err), p);
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
				snprintf(
				    detail, sizeof detail,
				    "%s [%s] on %s %s: the case's child %s",
				    sc_claims[sc_st.claim].id,
				    sc_class_name(sc_st.cls), fs.type, dir,
				    sc_outcome_str(&o));
			}
		}
		printf("shmconform-fs:\t%s\t%s\t%s\t%s\n", verdict, fs.type,
		       dir, detail);
		fflush(stdout);
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
	if (failed)
		sc_fail_reason(reasons);
	if (!passed) {
		if (skipped)
			sc_skip("no file system could run this case: %s",
				skips);
		sc_skip("the fs variable names no file system");
	}
}
