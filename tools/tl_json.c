/* The tools' JSON writer (tl_json.h). */
#include "tl_json.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char ch = p[0];
	size_t n = ch >= 0xc2 && ch <= 0xdf   ? 2
		   : ch >= 0xe0 && ch <= 0xef ? 3
		   : ch >= 0xf0 && ch <= 0xf4 ? 4
					      : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 &&
	    ((ch == 0xe0 && p[1] < 0xa0) || (ch == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, or a surrogate */
	if (n == 4 &&
	    ((ch == 0xf0 && p[1] < 0x90) || (ch == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

void tl_json_quote(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', f);
	while (*p) {
		unsigned char ch = *p;
		size_t n;
		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
		} else if (ch == '\n') {
			fputs("\\n", f);
		} else if (ch == '\t') {
			fputs("\\t", f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
		} else if (ch < 0x80) {
			fputc(ch, f);
		} else if ((n = utf8_len(p)) != 0) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		} else {
			fputs("\\ufffd", f);
		}
		p++;
	}
	fputc('"', f);
}

void tl_json_init(struct tl_json *j, FILE *f)
{
	memset(j, 0, sizeof *j);
	j->f = f;
	j->first[0] = true;
}

/* Separator, newline and indentation, then the key if any. */
static void member(struct tl_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	}
	j->first[j->depth] = false;
	if (key) {
		tl_json_quote(j->f, key);
		fputs(": ", j->f);
	}
}

void tl_json_open(struct tl_json *j, const char *key, char bracket)
{
	member(j, key);
	fputc(bracket, j->f);
	if (j->depth + 1 < TL_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

void tl_json_close(struct tl_json *j, char bracket)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(bracket, j->f);
}

void tl_json_str(struct tl_json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		tl_json_quote(j->f, v);
	else
		fputs("null", j->f);
}

void tl_json_bool(struct tl_json *j, const char *key, int v)
{
	member(j, key);
	fputs(v < 0 ? "null" : v ? "true" : "false", j->f);
}

void tl_json_null(struct tl_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void tl_json_uint(struct tl_json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, v > TL_JSON_EXACT_MAX ? "\"%llu\"" : "%llu", v);
}

void tl_json_int(struct tl_json *j, const char *key, long long v)
{
	member(j, key);
	unsigned long long mag =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	fprintf(j->f, mag > TL_JSON_EXACT_MAX ? "\"%lld\"" : "%lld", v);
}

void tl_json_fixed(struct tl_json *j, const char *key, double v, int decimals)
{
	member(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void tl_json_raw(struct tl_json *j, const char *key, const char *json)
{
	member(j, key);
	size_t n = json ? strlen(json) : 0;
	while (n > 0 && strchr(" \t\n", json[n - 1]))
		n--; /* its own trailing newline would break the layout */
	if (!n) {
		fputs("null", j->f);
		return;
	}
	/* Indented to this depth: JSON text has no raw newline inside a
	 * string, so every newline is layout. */
	for (size_t i = 0; i < n; i++) {
		fputc(json[i], j->f);
		if (json[i] == '\n')
			fprintf(j->f, "%*s", 2 * j->depth, "");
	}
}

int tl_json_end(struct tl_json *j)
{
	fputc('\n', j->f);
	return ferror(j->f) ? -1 : 0;
}
