/*
 * The tools' one JSON writer: sc-run's results file and sc-probe's probe
 * object are both written with it (reports/FORMAT.md).
 *
 * Strings: bytes that are not UTF-8 become U+FFFD, so whatever a case
 * printed still makes a valid file.  Integers: a magnitude above 2^53 (the
 * largest every JSON reader holds exactly, JavaScript and jq included) is
 * written as a string of its decimal digits ("18446744073692774399");
 * smaller ones as numbers.  Readers convert such strings back.
 */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define TL_JSON_MAX_DEPTH 32
/* 2^53: integers up to this are exact in an IEEE double. */
#define TL_JSON_EXACT_MAX 9007199254740992ULL

struct tl_json {
	FILE *f;
	int depth;
	bool first[TL_JSON_MAX_DEPTH];
};

/* Start writing one JSON value to f. */
void tl_json_init(struct tl_json *j, FILE *f);
/* Members take a key inside an object, NULL inside an array or at the top. */
void tl_json_open(struct tl_json *j, const char *key, char bracket);
void tl_json_close(struct tl_json *j, char bracket);
void tl_json_str(struct tl_json *j, const char *key,
		 const char *v);			      /* NULL: null */
void tl_json_bool(struct tl_json *j, const char *key, int v); /* <0: null */
void tl_json_null(struct tl_json *j, const char *key);
void tl_json_uint(struct tl_json *j, const char *key, unsigned long long v);
void tl_json_int(struct tl_json *j, const char *key, long long v);
/* A number with this many decimals (seconds). */
void tl_json_fixed(struct tl_json *j, const char *key, double v, int decimals);
/* A value that is already JSON text (another tool's object). */
void tl_json_raw(struct tl_json *j, const char *key, const char *json);
/* End the value (a newline); 0, or -1 if the stream had an error. */
int tl_json_end(struct tl_json *j);

/* Just the quoted, escaped string. */
void tl_json_quote(FILE *f, const char *s);

#endif
