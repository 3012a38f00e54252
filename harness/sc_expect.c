/* Known deviations at run time (sc_expect.h): the same matching as
 * reports/shmrep/deviations.py (Deviation.applies and .covers). */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "sc_expect.h"
#include "sc_internal.h"

/* Set once the per-fs conclusion has decided: sc_fail_reason's hook must
 * not judge the joined reasons again. */
static bool sc_expect_decided;

static void sc_release(unsigned v[4])
{
	struct utsname u;
	memset(v, 0, 4 * sizeof v[0]);
	if (uname(&u) != 0)
		return;
	const char *p = u.release;
	for (int i = 0; i < 4 && *p >= '0' && *p <= '9'; i++) {
		v[i] = (unsigned)strtoul(p, (char **)&p, 10);
		if (*p != '.')
			break;
		p++;
	}
}

static bool sc_kernel_ok(const struct sc_deviation *d)
{
	unsigned v[4];
	sc_release(v);
	for (int i = 0; i < d->nkernel; i++) {
		const struct sc_kver *k = &d->kernel[i];
		int c = 0;
		for (int j = 0; j < 4 && c == 0; j++)
			c = (v[j] > k->v[j]) - (v[j] < k->v[j]);
		bool ok = k->op == SC_KV_EQ   ? c == 0
			  : k->op == SC_KV_NE ? c != 0
			  : k->op == SC_KV_GE ? c >= 0
			  : k->op == SC_KV_LE ? c <= 0
			  : k->op == SC_KV_GT ? c > 0
					      : c < 0;
		if (!ok)
			return false;
	}
	return true;
}

static bool sc_any_glob(const char *const *globs, const char *s)
{
	for (; *globs; globs++)
		if (fnmatch(*globs, s, 0) == 0)
			return true;
	return false;
}

/* Does d describe this case, on this file system (NULL: not per fs), in
 * this environment, whatever the verdict? */
static bool sc_applies(const struct sc_deviation *d, const char *fs_type)
{
	char id[512];
	snprintf(id, sizeof id, "cases/%s:%s", program_invocation_short_name,
		 sc_st.case_name ? sc_st.case_name : "");
	if (fnmatch(d->case_glob, id, 0) != 0)
		return false;
	if (d->claim && strcmp(d->claim, sc_claims[sc_st.claim].id) != 0)
		return false;
	if (d->env) {
		const char *env = sc_config("env", NULL);
		if (!env || fnmatch(d->env, env, 0) != 0)
			return false;
	}
	if (d->fs && !(fs_type && sc_any_glob(d->fs, fs_type)))
		return false;
	return sc_kernel_ok(d);
}

static bool sc_covers(const struct sc_deviation *d, const char *reason)
{
	if (!d->match)
		return true;
	for (const char *const *m = d->match; *m; m++)
		if (strstr(reason, *m))
			return true;
	return false;
}

static const struct sc_deviation *sc_find(const char *fs_type,
					  const char *reason)
{
	for (size_t i = 0; i < sc_deviation_count; i++)
		if (sc_applies(&sc_deviations[i], fs_type) &&
		    sc_covers(&sc_deviations[i], reason))
			return &sc_deviations[i];
	return NULL;
}

static const struct sc_deviation *sc_stale(const char *fs_type)
{
	for (size_t i = 0; i < sc_deviation_count; i++)
		if (sc_deviations[i].expects_failure &&
		    sc_applies(&sc_deviations[i], fs_type))
			return &sc_deviations[i];
	return NULL;
}

/* JSON string contents: the ids, names and paths written here. */
static void sc_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The record the reports read (reports/FORMAT.md): on stdout, beside the
 * shmconform-fs lines. */
static void sc_xpass_record(const struct sc_deviation *d, const char *type,
			    const char *dir)
{
	fputs("shmconform-xpass: {\"deviation\": ", stdout);
	sc_json_str(stdout, d->id);
	fputs(", \"case\": ", stdout);
	sc_json_str(stdout, sc_st.case_name);
	fputs(", \"fs_type\": ", stdout);
	sc_json_str(stdout, type);
	fputs(", \"fs_dir\": ", stdout);
	sc_json_str(stdout, dir);
	fputs("}\n", stdout);
	fflush(stdout);
}

void sc_expect_on_failure(const char *reason)
{
	if (sc_expect_decided || !sc_st.begun)
		return;
	const struct sc_deviation *d = sc_find(NULL, reason);
	if (d)
		atf_tc_expect_fail("known deviation %s", d->id);
}

void sc_expect_on_pass(void)
{
	if (sc_expect_decided || !sc_st.begun || sc_st.fs)
		return;
	const struct sc_deviation *d = sc_stale(NULL);
	if (!d)
		return;
	sc_xpass_record(d, NULL, NULL);
	atf_tc_fail("known deviation %s did not happen: the case passed here "
		    "(fixed, or the registry entry is stale)",
		    d->id);
}

/* Per file system: what the loop saw, kept for the conclusion. */
static int sc_fs_expected, sc_fs_stale;
static char sc_fs_ids[512], sc_fs_stale_words[1024];

static void sc_append(char *buf, size_t len, const char *sep, const char *text)
{
	size_t u = strlen(buf);
	if (strstr(buf, text))
		return; /* an id once */
	snprintf(buf + u, len - u, "%s%s", u ? sep : "", text);
}

void sc_expect_fs_verdict(const char *type, const char *dir,
			  const char *verdict, const char *reason)
{
	const struct sc_deviation *d;
	if (strcmp(verdict, "fail") == 0) {
		d = sc_find(type, reason);
		if (d) {
			sc_fs_expected++;
			sc_append(sc_fs_ids, sizeof sc_fs_ids, ", ", d->id);
		}
	} else if (strcmp(verdict, "pass") == 0 && (d = sc_stale(type))) {
		char words[300];
		snprintf(words, sizeof words, "%s on %s %s", d->id, type, dir);
		sc_fs_stale++;
		sc_append(sc_fs_stale_words, sizeof sc_fs_stale_words, "; ",
			  words);
		sc_xpass_record(d, type, dir);
	}
}

void sc_expect_fs_conclude(int failed, const char *reasons)
{
	sc_expect_decided = true;
	if (sc_fs_stale)
		atf_tc_fail("known deviation did not happen: %s%s%s",
			    sc_fs_stale_words, failed ? "; and " : "",
			    failed ? reasons : "");
	if (failed && sc_fs_expected == failed)
		atf_tc_expect_fail("known deviation %s", sc_fs_ids);
}
