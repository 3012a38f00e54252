/*
 * Known deviations at run time: the case learns from the registry
 * (the JSON files of deviations/, compiled into sc_deviations_gen.c) that a
 * failure is expected here and says so to ATF (atf_tc_expect_fail), so `kyua
 * test` reports what the report tools report.  Harness-private.
 */
#ifndef SC_EXPECT_H
#define SC_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

enum sc_kv_op { SC_KV_EQ, SC_KV_NE, SC_KV_GE, SC_KV_LE, SC_KV_GT, SC_KV_LT };

struct sc_kver {
	enum sc_kv_op op;
	unsigned v[4];
};

/* One entry that expects a failure; the fields of deviations/README.md. */
struct sc_deviation {
	const char *id;
	const char *case_glob;	  /* fnmatch on "cases/PROGRAM:CASE" */
	const char *claim;	  /* or NULL */
	const char *const *fs;	  /* NULL-terminated globs, or NULL (any) */
	const char *env;	  /* glob on the Kyua variable env, or NULL */
	struct sc_kver kernel[4]; /* all must hold */
	int nkernel;
	const char *const *match; /* substrings (any), or NULL (any reason) */
	bool expects_failure;	  /* a pass where it applies is an xpass */
};
extern const struct sc_deviation sc_deviations[];
extern const size_t sc_deviation_count;

/* Called by sc_fail_reason in the case's own process: a failure that an
 * entry expects becomes an expected failure (atf_tc_expect_fail). */
void sc_expect_on_failure(const char *reason);
/* Called by sc_end when the body returned: a case an entry expects to
 * fail passed; fails the case (xpass), with a record on stdout. */
void sc_expect_on_pass(void);
/* Per file system: each verdict, then the conclusion before the case
 * ends (may call atf_tc_expect_fail, or fail the case for an xpass). */
void sc_expect_fs_verdict(const char *type, const char *dir,
			  const char *verdict, const char *reason);
void sc_expect_fs_conclude(int failed, const char *reasons);

#endif
