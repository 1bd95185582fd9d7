/* SPDX-License-Identifier: MIT */
/*
 * json_writer.c - streaming JSON writer with depth and separator tracking.
 *
 * Strings are escaped byte-wise: control characters as \u00XX, and bytes
 * that are not valid UTF-8 as \u00XX of the byte (Latin-1), so a hostile
 * name read from shared memory can never make the output invalid JSON.
 */
#include <assert.h>
#include <math.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json_writer.h"

#define MAX_DEPTH 64

struct json_writer {
	FILE *f;
	bool pretty;
	unsigned depth;
	bool need_sep[MAX_DEPTH]; /* a value was written at this depth */
	bool after_name;
};

json_writer_t *jsonw_new(FILE *f, bool pretty)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (self) {
		self->f = f;
		self->pretty = pretty;
	}
	return self;
}

void jsonw_destroy(json_writer_t **self)
{
	if (!*self)
		return;
	assert((*self)->depth == 0);
	fputc('\n', (*self)->f);
	free(*self);
	*self = NULL;
}

static void indent(json_writer_t *self)
{
	unsigned i;

	if (!self->pretty)
		return;
	fputc('\n', self->f);
	for (i = 0; i < self->depth; i++)
		fputs("  ", self->f);
}

/* Separator and indentation before a value or a name. */
static void begin_value(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (self->depth && self->need_sep[self->depth])
		fputc(',', self->f);
	if (self->depth)
		indent(self);
	self->need_sep[self->depth] = true;
}

void jsonw_name(json_writer_t *self, const char *name)
{
	begin_value(self);
	json_escape(self->f, name);
	fputs(self->pretty ? ": " : ":", self->f);
	self->after_name = true;
}

static void open_(json_writer_t *self, char c)
{
	begin_value(self);
	fputc(c, self->f);
	assert(self->depth + 1 < MAX_DEPTH);
	self->depth++;
	self->need_sep[self->depth] = false;
}

static void close_(json_writer_t *self, char c)
{
	bool had = self->need_sep[self->depth];

	assert(self->depth > 0);
	self->depth--;
	if (had)
		indent(self);
	fputc(c, self->f);
}

void jsonw_start_object(json_writer_t *self)
{
	open_(self, '{');
}

void jsonw_end_object(json_writer_t *self)
{
	close_(self, '}');
}

void jsonw_start_array(json_writer_t *self)
{
	open_(self, '[');
}

void jsonw_end_array(json_writer_t *self)
{
	close_(self, ']');
}

/* Length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0];
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			s++;
			continue;
		case '\\':
			fputs("\\\\", f);
			s++;
			continue;
		case '\n':
			fputs("\\n", f);
			s++;
			continue;
		case '\t':
			fputs("\\t", f);
			s++;
			continue;
		case '\r':
			fputs("\\r", f);
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (n == 0) {
			/* not UTF-8: the byte as a Latin-1 code point */
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void jsonw_string(json_writer_t *self, const char *value)
{
	begin_value(self);
	json_escape(self->f, value ? value : "");
}

void jsonw_uint(json_writer_t *self, uint64_t value)
{
	begin_value(self);
	fprintf(self->f, "%" PRIu64, value);
}

void jsonw_int(json_writer_t *self, int64_t value)
{
	begin_value(self);
	fprintf(self->f, "%" PRId64, value);
}

void jsonw_float(json_writer_t *self, double value)
{
	begin_value(self);
	if (isfinite(value))
		fprintf(self->f, "%.10g", value);
	else
		fputs("null", self->f); /* JSON has no NaN/Inf */
}

void jsonw_bool(json_writer_t *self, bool value)
{
	begin_value(self);
	fputs(value ? "true" : "false", self->f);
}

void jsonw_null(json_writer_t *self)
{
	begin_value(self);
	fputs("null", self->f);
}
