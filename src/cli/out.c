/* SPDX-License-Identifier: MIT */
/*
 * out.c - text and JSON output from the same calls, errors, parsing.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json_writer.h"

bool json_output;
int verbose;
const char *progname = "memwire";

static json_writer_t *jw;
static char *jbuf;
static size_t jlen;
static FILE *jfile;
static bool error_printed;
static bool keep_document;

void out_init(bool json, bool pretty)
{
	json_output = json;
	if (!json)
		return;
	/* The document is built in memory: on failure it is dropped and
	 * replaced by {"error": ...}, so stdout is always one JSON value. */
	jfile = open_memstream(&jbuf, &jlen);
	if (!jfile) {
		perror("memwire: open_memstream");
		exit(EXIT_FAIL);
	}
	jw = jsonw_new(jfile, pretty);
	jsonw_start_object(jw);
}

int out_end(int rc)
{
	if (!json_output)
		return rc;
	if (rc == EXIT_OK || keep_document) {
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
		fclose(jfile);
		fwrite(jbuf, 1, jlen, stdout);
	} else {
		free(jw); /* mid-document: not closed, dropped on purpose */
		jw = NULL;
		fclose(jfile);
		if (!error_printed) {
			fputs("{\"error\":", stdout);
			json_escape(stdout, "failed");
			fputs("}\n", stdout);
		}
	}
	free(jbuf);
	jbuf = NULL;
	fflush(stdout);
	return rc;
}

static void verror(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (json_output) {
		if (error_printed)
			return;
		fputs("{\"error\":", stdout);
		json_escape(stdout, msg);
		fputs("}\n", stdout);
		error_printed = true;
	} else {
		fprintf(stderr, "%s: %s\n", progname, msg);
	}
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int fail_keep(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output) {
		print_str("error", NULL, msg);
		keep_document = true;
	} else {
		fprintf(stderr, "%s: %s\n", progname, msg);
	}
	return EXIT_FAIL;
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int fail_lib(int err)
{
	const char *m = mw_last_error();

	return fail("%s", m[0] ? m : strerror(-err));
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void name(const char *key)
{
	if (key)
		jsonw_name(jw, key);
}

#define PRINT_ANY(jcall, tval)                                                 \
	do {                                                                   \
		if (json_output) {                                             \
			name(key);                                             \
			jcall;                                                 \
		} else if (fmt) {                                              \
			printf(fmt, tval);                                     \
		}                                                              \
	} while (0)

void print_str(const char *key, const char *fmt, const char *v)
{
	PRINT_ANY(jsonw_string(jw, v), v);
}

void print_u64(const char *key, const char *fmt, uint64_t v)
{
	PRINT_ANY(jsonw_uint(jw, v), (unsigned long long)v);
}

void print_i64(const char *key, const char *fmt, int64_t v)
{
	PRINT_ANY(jsonw_int(jw, v), (long long)v);
}

void print_float(const char *key, const char *fmt, double v)
{
	PRINT_ANY(jsonw_float(jw, v), v);
}

void print_bool(const char *key, const char *fmt, bool v)
{
	PRINT_ANY(jsonw_bool(jw, v), v ? "yes" : "no");
}

void print_null(const char *key, const char *fmt, const char *text)
{
	PRINT_ANY(jsonw_null(jw), text);
}

void open_object(const char *key)
{
	if (!json_output)
		return;
	name(key);
	jsonw_start_object(jw);
}

void close_object(void)
{
	if (json_output)
		jsonw_end_object(jw);
}

void open_array(const char *key)
{
	if (!json_output)
		return;
	name(key);
	jsonw_start_array(jw);
}

void close_array(void)
{
	if (json_output)
		jsonw_end_array(jw);
}

int parse_u64(const char *s, const char *what, bool sizes, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return usage_error("%s: expected a number, got '%s'", what,
				   s ? s : "");
	errno = 0;
	/* Decimal, or hex with 0x; never octal (a leading 0 is decimal). */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && end == s + 2)
		end = (char *)s; /* "0x" alone */
	if (errno == ERANGE)
		return usage_error("%s: '%s' is out of range", what, s);
	if (sizes && *end && !end[1]) {
		unsigned shift = *end == 'K' || *end == 'k'   ? 10
				 : *end == 'M' || *end == 'm' ? 20
				 : *end == 'G' || *end == 'g' ? 30
							      : 0;
		if (shift) {
			if (v > (ULLONG_MAX >> shift))
				return usage_error("%s: '%s' is out of range",
						   what, s);
			v <<= shift;
			end++;
		}
	}
	if (end == s || *end)
		return usage_error("%s: expected a number, got '%s'", what, s);
	*out = v;
	return 0;
}

int parse_ms(const char *s, const char *what, int *out)
{
	uint64_t v;
	int ret;

	if (!strcmp(s, "-1") || !strcmp(s, "inf")) {
		*out = -1;
		return 0;
	}
	ret = parse_u64(s, what, false, &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return usage_error("%s: '%s' is out of range", what, s);
	*out = (int)v;
	return 0;
}

/* --------------------------------------------------------------- dispatch */

static bool is_prefix(const char *pfx, const char *word)
{
	return *pfx && !strncmp(pfx, word, strlen(pfx));
}

int print_help(const struct cmd *cmds, const char *family)
{
	const struct cmd *c;
	char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (c = cmds; c->name; c++) {
		int k = snprintf(buf + n, sizeof(buf) - n, "  %s%s%s%s%s\n      %s\n",
				 family ? family : "", family ? " " : "",
				 c->name, c->usage && *c->usage ? " " : "",
				 c->usage ? c->usage : "", c->what);

		if (k < 0 || (size_t)k >= sizeof(buf) - n)
			break;
		n += (size_t)k;
	}
	if (json_output) {
		print_str("usage", NULL, buf);
		return EXIT_OK;
	}
	printf("usage: %s [-j] [-p] [-v] [-V] %s%s [ARGS]\n\n%s", progname,
	       family ? family : "FAMILY", family ? " VERB" : " VERB", buf);
	return EXIT_OK;
}

int cmd_select(const struct cmd *cmds, const char *family, int argc,
	       char **argv)
{
	const struct cmd *c, *match = NULL;
	char names[512];
	size_t n = 0;

	names[0] = '\0';
	for (c = cmds; c->name; c++) {
		int k = snprintf(names + n, sizeof(names) - n, "%s%s",
				 n ? " " : "", c->name);

		if (k > 0 && (size_t)k < sizeof(names) - n)
			n += (size_t)k;
	}
	if (argc < 1)
		return usage_error("%s%sexpected a command (one of: %s; or help)",
				   family ? family : "", family ? ": " : "",
				   names);
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h"))
		return print_help(cmds, family);
	for (c = cmds; c->name; c++) {
		if (!strcmp(argv[0], c->name)) {
			match = c;
			break;
		}
	}
	if (!match) {
		char cands[512];
		size_t k = 0;
		int nmatch = 0;

		cands[0] = '\0';
		for (c = cmds; c->name; c++) {
			int w;

			if (!is_prefix(argv[0], c->name))
				continue;
			match = c;
			nmatch++;
			w = snprintf(cands + k, sizeof(cands) - k, "%s%s",
				     k ? ", " : "", c->name);
			if (w > 0 && (size_t)w < sizeof(cands) - k)
				k += (size_t)w;
		}
		if (nmatch > 1)
			return usage_error("%s%s'%s' is ambiguous (%s)",
					   family ? family : "",
					   family ? ": " : "", argv[0], cands);
	}
	/* `FAMILY VERB help`: the verb's own usage (families handle their
	 * `help` themselves, so only at the verb level). */
	if (match && family && argc > 1 &&
	    (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	     !strcmp(argv[1], "-h"))) {
		char line[512];

		snprintf(line, sizeof(line), "%s%s%s%s%s", family ? family : "",
			 family ? " " : "", match->name,
			 match->usage && *match->usage ? " " : "",
			 match->usage ? match->usage : "");
		if (json_output) {
			print_str("usage", NULL, line);
		} else {
			printf("usage: %s %s\n    %s\n", progname, line,
			       match->what);
		}
		return EXIT_OK;
	}
	if (!match)
		return usage_error("%s%s'%s' is not a command (expected one of: "
				   "%s)",
				   family ? family : "", family ? ": " : "",
				   argv[0], names);
	return match->fn(argc, argv);
}
