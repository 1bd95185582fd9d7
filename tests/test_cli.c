/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c - the memwire command line, run as a real process.
 *
 * Every test runs $MEMWIRE through tu_run() in a private directory and
 * always passes --file DIR/x.smem to region commands, so the user's run
 * directory is never touched.  Listings are checked twice: the JSON (-j)
 * must parse and hold the same values as the text table.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

/* ------------------------------------------------------------ files */

/* Entries of @dir whose name starts with @prefix ("" = all but . ..). */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	}
	closedir(d);
	return n;
}

/* ---------------------------------------------------- text tables */

#define MAXF 8
#define MAXR 64
#define CELL 160

struct table {
	int nrows;
	char cell[MAXR][MAXF][CELL];
};

struct col {
	const char *key;  /* JSON member */
	bool hex;         /* the table shows 0x... */
	const char *null; /* text of JSON null; NULL means "-" */
};

/* Copy line [@s, @e) into @buf, without trailing blanks. */
static void copy_trim(char *buf, size_t len, const char *s, const char *e)
{
	size_t n;

	while (e > s && strchr(" \t\r\n", e[-1]))
		e--;
	n = (size_t)(e - s);
	assert_true(n < len);
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Split one row: @nf - 1 words, then the rest of the line as one field. */
static void split_row(const char *s, const char *e, int nf,
		      char row[MAXF][CELL])
{
	int i;

	for (i = 0; i < nf; i++) {
		const char *w;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (i == nf - 1) {
			copy_trim(row[i], CELL, s, e);
			break;
		}
		w = s;
		while (s < e && *s != ' ' && *s != '\t')
			s++;
		copy_trim(row[i], CELL, w, s);
	}
}

/* Is the line [@s, @e) headed by the word @word? */
static bool line_starts_with_word(const char *s, const char *e,
				  const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) >= n && !strncmp(s, word, n) &&
	       (s + n == e || s[n] == ' ' || s[n] == '\t');
}

/*
 * The rows under the line whose first word is @head, up to a blank line or
 * the end.  Returns false if there is no such header.
 */
static bool parse_table(const char *text, const char *head, int nf,
			struct table *t)
{
	const char *s = text;
	bool in = false;

	assert_true(nf <= MAXF);
	t->nrows = 0;
	while (*s) {
		const char *e = strchr(s, '\n');

		if (!e)
			e = s + strlen(s);
		if (in) {
			if (e == s)
				break;
			assert_true(t->nrows < MAXR);
			split_row(s, e, nf, t->cell[t->nrows++]);
		} else if (line_starts_with_word(s, e, head)) {
			in = true;
		}
		s = *e ? e + 1 : e;
	}
	return in;
}

/* The rest of the first line whose first word is @key. */
static bool text_field(const char *text, const char *key, char *buf,
		       size_t len)
{
	const char *s = text;

	while (*s) {
		const char *e = strchr(s, '\n');

		if (!e)
			e = s + strlen(s);
		if (line_starts_with_word(s, e, key)) {
			s += strlen(key);
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			copy_trim(buf, len, s, e);
			return true;
		}
		s = *e ? e + 1 : e;
	}
	return false;
}

static void assert_cell(const char *cell, json_t *v, const struct col *c)
{
	if (!v)
		fail_msg("JSON has no member '%s' (table shows '%s')", c->key,
			 cell);
	if (json_is_null(v)) {
		assert_string_equal(cell, c->null ? c->null : "-");
	} else if (json_is_string(v)) {
		assert_string_equal(cell, json_string_value(v));
	} else if (json_is_integer(v)) {
		unsigned long long x;
		char *end;

		if (c->hex && strncmp(cell, "0x", 2))
			fail_msg("%s: table shows '%s', expected hex", c->key,
				 cell);
		errno = 0;
		x = strtoull(cell, &end, 0);
		if (end == cell || *end || errno)
			fail_msg("%s: table shows '%s', not a number", c->key,
				 cell);
		assert_int_equal(x, (unsigned long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		assert_string_equal(cell, json_is_true(v) ? "yes" : "no");
	} else {
		fail_msg("%s: unexpected JSON type %d", c->key,
			 (int)json_typeof(v));
	}
}

/* Table rows == JSON array of objects, column by column. */
static void assert_table_json(const struct table *t, json_t *arr,
			      const struct col *cols, int nf)
{
	int i, k;

	assert_true(json_is_array(arr));
	assert_int_equal(t->nrows, json_array_size(arr));
	for (i = 0; i < t->nrows; i++) {
		json_t *o = json_array_get(arr, (size_t)i);

		assert_true(json_is_object(o));
		for (k = 0; k < nf; k++)
			assert_cell(t->cell[i][k],
				    json_object_get(o, cols[k].key), &cols[k]);
	}
}

/* Parse the table under @head in @text and compare it with @arr. */
static void check_table(const char *text, const char *head, json_t *arr,
			const struct col *cols, int nf)
{
	struct table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (!parse_table(text, head, nf, t))
		fail_msg("no %s table in:\n%s", head, text);
	assert_table_json(t, arr, cols, nf);
	free(t);
}

static json_t *find_named(json_t *arr, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) {
		json_t *n = json_object_get(o, "name");

		if (json_is_string(n) && !strcmp(json_string_value(n), name))
			return o;
	}
	fail_msg("no element named '%s'", name);
	return NULL;
}

/* ----------------------------------------------------- region helpers */

static void create_region(const char *file)
{
	tu_run_ok(TU_ARGV("region", "create", "--file", file));
}

/*
 * `region info --file @file` in text and JSON: every value of the text
 * output must be the one in the JSON.  Returns the JSON document.
 */
static json_t *check_info(const char *file)
{
	static const struct {
		const char *text;
		struct col c;
	} kv[] = {
		{ "region", { "path", false, NULL } },
		{ "kind", { "kind", false, NULL } },
		{ "platform", { "platform", false, NULL } },
		{ "phys", { "phys", true, NULL } },
		{ "size", { "size", true, NULL } },
		{ "writable", { "writable", false, NULL } },
	};
	static const struct col procs[] = {
		{ "name", false, NULL },     { "hwmutex_id", false, NULL },
		{ "pid", false, NULL },      { "alive", false, NULL },
		{ "attaches", false, NULL },
	};
	static const struct col locks[] = {
		{ "lock", false, NULL },
		{ "owner", false, NULL },
		{ "processor", false, "?" },
	};
	static const struct col lines[] = {
		{ "name", false, NULL },
		{ "raised", false, NULL },
	};
	struct tu_cmd t, j;
	json_t *doc, *reg;
	char buf[CELL];
	size_t i;

	tu_run_text(&t, TU_ARGV("region", "info", "--file", file));
	TU_CHECK(t.rc == 0, &t);
	doc = tu_run_json(&j, TU_ARGV("region", "info", "--file", file));
	reg = json_object_get(doc, "region");
	TU_CHECK(json_is_object(reg), &j);
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		if (!text_field(t.out, kv[i].text, buf, sizeof(buf)))
			fail_msg("no '%s' line in:\n%s", kv[i].text, t.out);
		assert_cell(buf, json_object_get(reg, kv[i].c.key), &kv[i].c);
	}
	assert_string_equal(tu_str_member(reg, "path"), file);
	check_table(t.out, "PROCESSOR", json_object_get(doc, "processors"),
		    procs, 5);
	check_table(t.out, "LOCK", json_object_get(doc, "locks"), locks, 3);
	check_table(t.out, "LINE", json_object_get(doc, "lines"), lines, 2);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
	return doc;
}

/* Poll `region info -j` until @cond holds (at most 5 s); @pid must live. */
static json_t *poll_info(const char *file, pid_t pid,
			 bool (*cond)(json_t *doc, void *arg), void *arg)
{
	double deadline = tu_now_ms() + 5000;

	for (;;) {
		struct tu_cmd r;
		json_t *doc = tu_run_json(
			&r, TU_ARGV("region", "info", "--file", file));
		int status;

		tu_cmd_free(&r);
		if (cond(doc, arg))
			return doc;
		json_decref(doc);
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("background memwire exited (status 0x%x) "
				 "before the condition held",
				 status);
		if (tu_now_ms() > deadline)
			fail_msg("condition not reached within 5 s");
		usleep(5000);
	}
}

static bool proc_alive(json_t *doc, void *name)
{
	json_t *p = find_named(json_object_get(doc, "processors"), name);

	return json_is_true(json_object_get(p, "alive"));
}

static bool has_lock(json_t *doc, void *arg)
{
	return json_array_size(json_object_get(doc, "locks")) > 0;
}

/* ================================================= 1. JSON == tables */

static void test_platform_list_json_matches_table(void **state)
{
	static const struct col cols[] = {
		{ "name", false, NULL },      { "resources", false, NULL },
		{ "processors", false, NULL }, { "lines", false, NULL },
		{ "description", false, NULL },
	};
	struct tu_cmd t, j;
	json_t *doc, *arr;

	tu_run_text(&t, TU_ARGV("platform", "list"));
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(t.err[0] == '\0', &t);
	doc = tu_run_json(&j, TU_ARGV("platform", "list"));
	TU_CHECK(json_object_size(doc) == 1, &j);
	arr = json_object_get(doc, "platforms");
	TU_CHECK(json_array_size(arr) >= 1, &j);
	check_table(t.out, "NAME", arr, cols, 5);
	/* The default platform's counts, from its table. */
	arr = find_named(arr, "msm8930");
	assert_int_equal(tu_int_member(arr, "resources"), 5);
	assert_int_equal(tu_int_member(arr, "processors"), 6);
	assert_int_equal(tu_int_member(arr, "lines"), 19);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

static void test_platform_show_json_matches_table(void **state)
{
	static const struct col res[] = {
		{ "name", false, NULL }, { "kind", false, NULL },
		{ "phys", true, NULL },  { "size", true, NULL },
		{ "attr", false, NULL }, { "description", false, NULL },
	};
	static const struct col procs[] = {
		{ "name", false, NULL },
		{ "smd_pid", false, NULL },
		{ "hwmutex_id", false, NULL },
		{ "description", false, NULL },
	};
	static const struct col lines[] = {
		{ "name", false, NULL },     { "target", false, NULL },
		{ "source", false, NULL },   { "kind", false, NULL },
		{ "register", true, NULL },  { "mask", true, NULL },
		{ "spi", false, NULL },
	};
	struct tu_cmd t, j, n;
	json_t *doc, *doc2, *arr, *o;
	char first[512];
	size_t nnull = 0, i;

	tu_run_text(&t, TU_ARGV("platform", "show"));
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(t.err[0] == '\0', &t);
	doc = tu_run_json(&j, TU_ARGV("platform", "show"));
	snprintf(first, sizeof(first), "platform %s: %s\n",
		 tu_str_member(doc, "name"), tu_str_member(doc, "description"));
	TU_CHECK(!strncmp(t.out, first, strlen(first)), &t);
	check_table(t.out, "RESOURCE", json_object_get(doc, "resources"), res,
		    6);
	check_table(t.out, "PROCESSOR", json_object_get(doc, "processors"),
		    procs, 4);
	arr = json_object_get(doc, "lines");
	check_table(t.out, "LINE", arr, lines, 7);
	TU_CHECK(json_array_size(arr) == 19, &j);
	/* Lines into apps have no register but an SPI, and the reverse. */
	json_array_foreach(arr, i, o) {
		bool reg_null = json_is_null(json_object_get(o, "register"));

		assert_int_equal(reg_null,
				 json_is_null(json_object_get(o, "mask")));
		assert_int_equal(reg_null,
				 !json_is_null(json_object_get(o, "spi")));
		nnull += reg_null;
	}
	assert_true(nnull > 0 && nnull < json_array_size(arr));

	/* Naming the default platform shows the same document. */
	doc2 = tu_run_json(&n, TU_ARGV("platform", "show", "msm8930"));
	assert_true(json_equal(doc, doc2));
	json_decref(doc2);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
	tu_cmd_free(&n);
}

static void test_region_create_json_matches_text(void **state)
{
	struct tu_fixture *f = *state;
	char f2[700], word[8][CELL];
	struct tu_cmd t, j, s;
	json_t *doc, *show, *smem;
	struct stat st;
	const char *p;

	snprintf(f2, sizeof(f2), "%s/y.smem", f->dir);
	tu_run_text(&t, TU_ARGV("region", "create", "--file", f->file));
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(tu_one_line(t.out), &t);
	doc = tu_run_json(&j, TU_ARGV("region", "create", "--file", f2));
	TU_CHECK(json_object_size(doc) == 4, &j);
	assert_string_equal(tu_str_member(doc, "path"), f2);

	/* "created PATH: PLATFORM region PHYS + SIZE bytes" */
	TU_CHECK(!strncmp(t.out, "created ", 8), &t);
	p = strstr(t.out, ": ");
	TU_CHECK(p != NULL, &t);
	TU_CHECK((size_t)(p - t.out - 8) == strlen(f->file), &t);
	TU_CHECK(!strncmp(t.out + 8, f->file, strlen(f->file)), &t);
	split_row(p + 2, p + strlen(p), 6, word);
	assert_string_equal(word[0], tu_str_member(doc, "platform"));
	assert_string_equal(word[1], "region");
	assert_cell(word[2], json_object_get(doc, "phys"),
		    &(struct col){ "phys", true, NULL });
	assert_string_equal(word[3], "+");
	assert_cell(word[4], json_object_get(doc, "size"),
		    &(struct col){ "size", true, NULL });
	assert_string_equal(word[5], "bytes");

	/* The default region is the platform's memory resource. */
	show = tu_run_json(&s, TU_ARGV("platform", "show"));
	smem = find_named(json_object_get(show, "resources"), "smem");
	assert_string_equal(tu_str_member(doc, "platform"),
			    tu_str_member(show, "name"));
	assert_int_equal(tu_int_member(doc, "phys"),
			 tu_int_member(smem, "phys"));
	assert_int_equal(tu_int_member(doc, "size"),
			 tu_int_member(smem, "size"));
	/* data + one 4 KiB control page */
	assert_int_equal(stat(f2, &st), 0);
	assert_int_equal(st.st_size, tu_int_member(doc, "size") + 4096);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_size, tu_int_member(doc, "size") + 4096);
	json_decref(show);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
	tu_cmd_free(&s);
}

static void test_region_info_json_matches_table_after_create(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc, *reg, *o;
	size_t i;

	create_region(f->file);
	doc = check_info(f->file);
	reg = json_object_get(doc, "region");
	assert_string_equal(tu_str_member(reg, "kind"), "file");
	assert_string_equal(tu_str_member(reg, "platform"), "msm8930");
	assert_true(json_is_false(json_object_get(reg, "writable")));
	assert_int_equal(json_array_size(json_object_get(doc, "processors")),
			 6);
	assert_int_equal(json_array_size(json_object_get(doc, "locks")), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "lines")), 19);
	json_array_foreach(json_object_get(doc, "processors"), i, o) {
		assert_true(json_is_null(json_object_get(o, "pid")));
		assert_int_equal(tu_int_member(o, "attaches"), 0);
	}
	json_array_foreach(json_object_get(doc, "lines"), i, o)
		assert_int_equal(tu_int_member(o, "raised"), 0);
	json_decref(doc);
}

static void test_region_info_json_matches_table_after_ring(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc, *o;
	struct tu_cmd r;
	size_t i;

	create_region(f->file);
	doc = tu_run_json(&r, TU_ARGV("region", "ring", "modem.smd.apps",
				      "--file", f->file, "--count", "3"));
	assert_int_equal(tu_int_member(doc, "writes"), 3);
	assert_int_equal(tu_int_member(doc, "raised"), 3);
	json_decref(doc);
	tu_cmd_free(&r);

	doc = check_info(f->file);
	json_array_foreach(json_object_get(doc, "lines"), i, o) {
		bool rung = !strcmp(tu_str_member(o, "name"), "modem.smd.apps");

		assert_int_equal(tu_int_member(o, "raised"), rung ? 3 : 0);
	}
	json_decref(doc);
}

static void test_region_info_json_matches_table_after_lock(void **state)
{
	struct tu_fixture *f = *state;
	char out[700];
	json_t *doc, *o, *l;
	struct tu_cmd r;
	char *text;
	pid_t pid;

	create_region(f->file);

	/* A finished lock: apps attached once, left, holds nothing. */
	doc = tu_run_json(&r,
			  TU_ARGV("region", "lock", "3", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "lock"), 3);
	assert_string_equal(tu_str_member(doc, "processor"), "apps");
	json_decref(doc);
	tu_cmd_free(&r);
	doc = check_info(f->file);
	o = find_named(json_object_get(doc, "processors"), "apps");
	assert_int_equal(tu_int_member(o, "attaches"), 1);
	assert_true(json_is_false(json_object_get(o, "alive")));
	assert_true(json_is_null(json_object_get(o, "pid")));
	assert_int_equal(json_array_size(json_object_get(doc, "locks")), 0);
	json_decref(doc);

	/* A held lock: modem holds mutex 3 in another process. */
	snprintf(out, sizeof(out), "%s/lock.out", f->dir);
	pid = f->bg = tu_spawn_bg(out, TU_ARGV("-j", "region", "lock", "3",
					       "--as", "modem", "--hold",
					       "2000", "--file", f->file));
	json_decref(poll_info(f->file, pid, has_lock, NULL));
	doc = check_info(f->file);
	l = json_object_get(doc, "locks");
	assert_int_equal(json_array_size(l), 1);
	l = json_array_get(l, 0);
	assert_int_equal(tu_int_member(l, "lock"), 3);
	assert_int_equal(tu_int_member(l, "owner"), 2); /* modem's id */
	assert_string_equal(tu_str_member(l, "processor"), "modem");
	o = find_named(json_object_get(doc, "processors"), "modem");
	assert_true(json_is_true(json_object_get(o, "alive")));
	assert_int_equal(tu_int_member(o, "pid"), pid);
	assert_int_equal(tu_int_member(o, "attaches"), 1);
	json_decref(doc);

	assert_int_equal(tu_wait_bg(pid, 10000), 0);
	f->bg = -1;
	text = tu_read_file(out);
	r.out = text;
	r.err = NULL;
	snprintf(r.cmd, sizeof(r.cmd), "background region lock");
	r.rc = 0;
	doc = tu_parse_json(&r);
	assert_string_equal(tu_str_member(doc, "processor"), "modem");
	assert_true(json_real_value(json_object_get(doc, "held_ms")) >= 1000);
	json_decref(doc);
	free(text);

	/* Released on exit. */
	doc = check_info(f->file);
	assert_int_equal(json_array_size(json_object_get(doc, "locks")), 0);
	o = find_named(json_object_get(doc, "processors"), "modem");
	assert_true(json_is_false(json_object_get(o, "alive")));
	json_decref(doc);
}

static void test_region_info_dump_has_null_platform(void **state)
{
	static const struct col c = { "platform", false, NULL };
	struct tu_fixture *f = *state;
	static const char zero[8192];
	char dump[700], buf[CELL];
	struct tu_cmd t, j;
	json_t *doc, *reg;
	FILE *fp;

	snprintf(dump, sizeof(dump), "%s/dump.bin", f->dir);
	fp = fopen(dump, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(zero, 1, sizeof(zero), fp), sizeof(zero));
	fclose(fp);
	tu_run_text(&t, TU_ARGV("region", "info", "--dump", dump, "--phys",
				"0x80000000"));
	TU_CHECK(t.rc == 0, &t);
	doc = tu_run_json(&j, TU_ARGV("region", "info", "--dump", dump,
				      "--phys", "0x80000000"));
	reg = json_object_get(doc, "region");
	assert_true(json_is_null(json_object_get(reg, "platform")));
	assert_true(text_field(t.out, "platform", buf, sizeof(buf)));
	assert_cell(buf, json_object_get(reg, "platform"), &c);
	assert_true(text_field(t.out, "kind", buf, sizeof(buf)));
	assert_string_equal(buf, "dump");
	assert_string_equal(tu_str_member(reg, "kind"), "dump");
	assert_int_equal(tu_int_member(reg, "size"), 8192);
	assert_int_equal(tu_int_member(reg, "phys"), 0x80000000);
	/* No platform: no processors, locks or lines, in either output. */
	assert_null(json_object_get(doc, "processors"));
	assert_null(strstr(t.out, "PROCESSOR"));
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

/* Find the demo's "interrupts delivered:" words "name=N" in @text. */
static void check_demo_lines(const char *text, json_t *lines)
{
	const char *s = strstr(text, "interrupts delivered:");
	const char *e;
	size_t n = 0;

	if (!s)
		fail_msg("no 'interrupts delivered:' in:\n%s", text);
	s += strlen("interrupts delivered:");
	e = strchr(s, '\n');
	assert_non_null(e);
	while (s < e) {
		char word[CELL], *eq;
		const char *w;
		json_t *o;

		while (s < e && *s == ' ')
			s++;
		if (s == e)
			break;
		w = s;
		while (s < e && *s != ' ')
			s++;
		copy_trim(word, sizeof(word), w, s);
		eq = strchr(word, '=');
		if (!eq)
			fail_msg("'%s' is not name=count", word);
		*eq = '\0';
		assert_true(n < json_array_size(lines));
		o = json_array_get(lines, n++);
		assert_string_equal(word, tu_str_member(o, "name"));
		/* The two runs move the same data, but how many interrupts
		 * the LOOPBACK echo takes depends on scheduling. */
		if (strcmp(word, "modem.smd.apps") && strcmp(word, "apps.smd.modem"))
			assert_cell(eq + 1, json_object_get(o, "raised"),
				    &(struct col){ "raised", false, NULL });
	}
	assert_int_equal(n, json_array_size(lines));
}

static void test_demo_json_matches_text(void **state)
{
	static const struct {
		const char *name;
		int extra; /* raises beyond one per round */
		bool exact; /* modem lines also carry the LOOPBACK traffic */
	} want[] = {
		{ "modem.smd.apps", 1, false }, /* go + pings (+ SMD) */
		{ "q6.smd.apps", 1, true },
		{ "apps.smd.modem", 2, false }, /* ready + done + pongs */
		{ "apps.smd.q6", 2, true },
	};
	struct tu_fixture *f = *state;
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	unsigned long long counter = 0, expected = 0;
	json_t *doc, *m, *o, *lines;
	struct tu_cmd t, j;
	const char *s;
	size_t i;

	/* The demo's own temporary directory goes here and must go away. */
	setenv("TMPDIR", f->dir, 1);
	tu_run_text(&t, TU_ARGV("demo", "--rounds", "50"));
	TU_CHECK(t.rc == 0, &t);
	doc = tu_run_json(&j, TU_ARGV("demo", "--rounds", "50"));
	if (saved) {
		setenv("TMPDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TMPDIR");
	}
	assert_int_equal(count_entries(f->dir, ""), 0);

	m = json_object_get(doc, "mutex");
	TU_CHECK(json_is_object(m), &j);
	assert_int_equal(tu_int_member(m, "counter"), 150);
	assert_int_equal(tu_int_member(m, "expected"), 150);
	assert_int_equal(tu_int_member(m, "rounds"), 50);
	assert_int_equal(tu_int_member(m, "processes"), 3);
	assert_int_equal(tu_int_member(m, "lock"), 3);
	s = strstr(t.out, "-> counter ");
	TU_CHECK(s != NULL, &t);
	TU_CHECK(sscanf(s, "-> counter %llu (expected %llu)", &counter,
			&expected) == 2,
		 &t);
	assert_int_equal(counter, 150);
	assert_int_equal(expected, 150);

	o = json_object_get(doc, "processes");
	assert_int_equal(json_array_size(o), 3);
	find_named(o, "apps");
	find_named(o, "modem");
	find_named(o, "q6");
	o = json_object_get(doc, "doorbells");
	assert_int_equal(json_array_size(o), 2);
	for (i = 0; i < 2; i++)
		assert_int_equal(tu_int_member(json_array_get(o, i), "rounds"),
				 50);
	o = json_object_get(doc, "restart");
	assert_string_equal(tu_str_member(o, "processor"), "wcnss");
	assert_int_equal(tu_int_member(o, "owner_before"), 4);

	lines = json_object_get(doc, "lines");
	TU_CHECK(json_is_array(lines), &j);
	check_demo_lines(t.out, lines);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		long long n = tu_int_member(find_named(lines, want[i].name),
					    "raised");

		if (want[i].exact)
			assert_int_equal(n, 50 + want[i].extra);
		else
			assert_true(n > 50 + want[i].extra);
	}
	/* SMEM and SMD steps: the echo was checked, the heap validates. */
	o = json_object_get(doc, "smd");
	TU_CHECK(json_is_object(o), &j);
	assert_int_equal(tu_int_member(o, "bytes"), 8 << 20);
	assert_true(json_is_true(json_object_get(o, "smsm_loopback")));
	o = json_object_get(doc, "heap");
	assert_true(json_is_true(json_object_get(o, "valid")));
	assert_true(json_is_true(json_object_get(o, "smd_versions_agree")));
	o = json_object_get(json_object_get(doc, "smem"), "items");
	assert_true(json_array_size(o) >= 16);
	o = json_object_get(json_object_get(doc, "smd_ls"), "channels");
	assert_int_equal(json_array_size(o), 1);
	find_named(o, "LOOPBACK");
	TU_CHECK(strstr(t.out, "bytes echoed by the modem and checked") != NULL,
		 &t);
	assert_int_equal(
		tu_int_member(find_named(lines, "apps.smd.wcnss"), "raised"),
		1);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

/* -p prints the same document as -j, indented over several lines. */
static void check_pretty(const char *const *argv)
{
	struct tu_cmd j, p;
	json_t *dj, *dp;

	dj = tu_run_json_mode(&j, "-j", 0, argv);
	dp = tu_run_json_mode(&p, "-p", 0, argv);
	TU_CHECK(tu_count_char(p.out, '\n') > 1, &p);
	TU_CHECK(tu_count_char(j.out, '\n') == 1, &j);
	if (!json_equal(dj, dp))
		fail_msg("%s and %s differ:\n%s\n%s", j.cmd, p.cmd, j.out,
			 p.out);
	json_decref(dj);
	json_decref(dp);
	tu_cmd_free(&j);
	tu_cmd_free(&p);
}

static void test_pretty_json_equals_compact(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;

	check_pretty(TU_ARGV("platform", "list"));
	check_pretty(TU_ARGV("platform", "show"));
	check_pretty(TU_ARGV("version"));
	check_pretty(TU_ARGV("help"));
	check_pretty(TU_ARGV("region", "help"));
	create_region(f->file);
	tu_run_text(&r, TU_ARGV("region", "ring", "q6.smd.apps", "--file",
				f->file, "--count", "2"));
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
	check_pretty(TU_ARGV("region", "info", "--file", f->file));
}

/* ====================================================== 2. usage errors */

static void test_usage_errors_exit_2_one_line(void **state)
{
	struct tu_fixture *f = *state;
	const char *F = f->file;

	tu_check_error_any_line(TU_ARGV("bogus"), 2, "bogus");
	tu_check_error_any_line(TU_ARGV("platform", "bogus"), 2, "bogus");
	tu_check_error_any_line(TU_ARGV("region", "bogus", "--file", F), 2,
				"bogus");
	/* s: smem smd shfl; sm: smem smd; re: release reap. */
	tu_check_error_any_line(TU_ARGV("s"), 2, "ambiguous");
	tu_check_error_any_line(TU_ARGV("sm"), 2, "ambiguous");
	tu_check_error_any_line(TU_ARGV("region", "re", "--file", F), 2,
				"ambiguous");
	tu_check_error_any_line((const char *const[]){ NULL }, 2, NULL);
	tu_check_error_any_line(TU_ARGV("region"), 2, NULL);
	tu_check_error_any_line(TU_ARGV("platform"), 2, NULL);
	tu_check_error_any_line(TU_ARGV("region", "lock", "--file", F), 2,
				NULL);
	tu_check_error_any_line(TU_ARGV("region", "lock", "32", "--file", F), 2,
				"32");
	tu_check_error_any_line(TU_ARGV("region", "lock", "abc", "--file", F),
				2, "abc");
	tu_check_error_any_line(TU_ARGV("demo", "--rounds", "0"), 2,
				"--rounds");
	tu_check_error_any_line(TU_ARGV("-x", "platform", "list"), 2, "-x");
	tu_check_error_any_line(TU_ARGV("--bogus", "platform", "list"), 2,
				"--bogus");
	tu_check_error_any_line(TU_ARGV("platform", "list", "extra"), 2, NULL);
	/* A usage error never creates the region. */
	assert_int_equal(count_entries(f->dir, ""), 0);
}

/* ================================================ 3. operational errors */

static void test_region_info_missing_file_fails(void **state)
{
	tu_check_error_any_line(
		TU_ARGV("region", "info", "--file", "/nonexistent/x"), 1,
		"/nonexistent/x");
}

static void test_region_info_short_file_fails(void **state)
{
	struct tu_fixture *f = *state;
	char zero[100] = { 0 };
	FILE *fp = fopen(f->file, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(zero, 1, sizeof(zero), fp), sizeof(zero));
	fclose(fp);
	tu_check_error_any_line(TU_ARGV("region", "info", "--file", f->file), 1,
				"short");
}

static void test_region_info_bad_magic_fails(void **state)
{
	struct tu_fixture *f = *state;
	struct stat st;
	struct tu_cmd r;
	const char *p;
	int fd;

	create_region(f->file);
	assert_int_equal(stat(f->file, &st), 0);
	fd = open(f->file, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, st.st_size - 4096), 4);
	close(fd);
	tu_check_error_any_line(TU_ARGV("region", "info", "--file", f->file), 1,
				"MWRG");
	tu_check_error_any_line(
		TU_ARGV("region", "lock", "3", "--file", f->file), 1, "MWRG");

	tu_run_text(&r, TU_ARGV("region", "info", "--file", f->file));
	/*
	 * Regression: attach_fd() prefixes the validator's message with the
	 * path through mw_err("%s: %s", path, mw_last_error()); before
	 * c8b3ffd that formatted into its own source and printed
	 * "F: F: 58 58 58 58, expected "MWRG"" (or worse).
	 */
	TU_CHECK(strstr(r.err, "not a memwire region") != NULL, &r);
	p = strstr(r.err, f->file);
	TU_CHECK(p && !strstr(p + 1, f->file), &r);
	tu_cmd_free(&r);
}

static void test_region_create_twice_fails_and_leaves_no_tmp(void **state)
{
	struct tu_fixture *f = *state;

	create_region(f->file);
	/* The second create writes x.smem.tmp.XXXXXX, then cannot rename. */
	tu_check_error_any_line(TU_ARGV("region", "create", "--file", f->file),
				1, "exists");
	assert_int_equal(count_entries(f->dir, "x.smem.tmp."), 0);
	assert_int_equal(count_entries(f->dir, ""), 1);
	/* The first region is untouched and still valid. */
	json_decref(check_info(f->file));
}

static void test_region_create_unknown_platform_fails(void **state)
{
	struct tu_fixture *f = *state;

	/* An unknown --platform is reported as a usage error (exit 2). */
	tu_check_error_any_line(TU_ARGV("region", "create", "--platform",
					"nosuch", "--file", f->file),
				2, "'nosuch'");
	assert_int_equal(count_entries(f->dir, ""), 0);
}

static void test_region_lock_unknown_processor_fails(void **state)
{
	struct tu_fixture *f = *state;

	create_region(f->file);
	tu_check_error_any_line(TU_ARGV("region", "lock", "3", "--as",
					"nosuchproc", "--file", f->file),
				1, "nosuchproc");
}

/* ===================================================== 4. prefixes */

static void check_same_output(const char *const *a, const char *const *b)
{
	struct tu_cmd ra, rb;
	int m;

	for (m = 0; m < 2; m++) {
		const char *flag = m ? "-j" : NULL;

		tu_run_mode(&ra, flag, a);
		tu_run_mode(&rb, flag, b);
		TU_CHECK(ra.rc == 0, &ra);
		TU_CHECK(rb.rc == 0, &rb);
		TU_CHECK(ra.out[0] != '\0', &ra);
		if (strcmp(ra.out, rb.out))
			fail_msg("'%s' and '%s' differ:\n%s\n---\n%s", ra.cmd,
				 rb.cmd, ra.out, rb.out);
		tu_cmd_free(&ra);
		tu_cmd_free(&rb);
	}
}

static void test_prefix_matching(void **state)
{
	struct tu_fixture *f = *state;

	check_same_output(TU_ARGV("platform", "sh"),
			  TU_ARGV("platform", "show"));
	check_same_output(TU_ARGV("plat", "l"), TU_ARGV("platform", "list"));
	check_same_output(TU_ARGV("p", "s", "msm8930"),
			  TU_ARGV("platform", "show", "msm8930"));
	create_region(f->file);
	check_same_output(TU_ARGV("reg", "inf", "--file", f->file),
			  TU_ARGV("region", "info", "--file", f->file));
}

/* ========================================================= 5. help */

static void check_help(const char *const *argv, const char *const *words)
{
	struct tu_cmd t, j;
	const char *u;
	json_t *doc;
	size_t i;

	tu_run_text(&t, argv);
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(!strncmp(t.out, "usage: ", 7), &t);
	TU_CHECK(t.err[0] == '\0', &t);
	doc = tu_run_json(&j, argv);
	TU_CHECK(json_object_size(doc) == 1, &j);
	u = tu_str_member(doc, "usage");
	for (i = 0; words[i]; i++) {
		if (!strstr(t.out, words[i]) || !strstr(u, words[i]))
			fail_msg("%s: help does not mention '%s'", t.cmd,
				 words[i]);
	}
	/* The JSON carries the same list as the text. */
	TU_CHECK(strstr(t.out, u) != NULL, &t);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

static void test_help_at_every_level(void **state)
{
	const char *const *fams =
		TU_ARGV("smem", "smd", "hgcm", "shfl", "hda", "demo",
			"platform", "region", "version");
	const char *const *verbs = TU_ARGV(
		"region create", "region info", "region lock", "region release",
		"region reap", "region ring", "region wait");

	check_help(TU_ARGV("help"), fams);
	check_help(TU_ARGV("-h"), fams);
	check_help(TU_ARGV("region", "help"), verbs);
	check_help(TU_ARGV("platform", "help"),
		   TU_ARGV("platform list", "platform show"));
}

/* ================================================ 6. ring and wait */

static void test_ring_wakes_waiter_in_other_process(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc, *o;
	char out[700];
	struct tu_cmd r;
	char *text;
	pid_t pid;

	create_region(f->file);
	snprintf(out, sizeof(out), "%s/wait.out", f->dir);
	pid = f->bg = tu_spawn_bg(out, TU_ARGV("-j", "region", "wait",
					       "apps.smd.modem", "--as", "apps",
					       "--count", "2", "--timeout",
					       "5000", "--file", f->file));
	doc = poll_info(f->file, pid, proc_alive, "apps");
	o = find_named(json_object_get(doc, "processors"), "apps");
	assert_int_equal(tu_int_member(o, "pid"), pid);
	json_decref(doc);

	doc = tu_run_json(&r,
			  TU_ARGV("region", "ring", "apps.smd.modem", "--as",
				  "modem", "--count", "2", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "writes"), 2);
	assert_int_equal(tu_int_member(doc, "raised"), 2);
	json_decref(doc);
	tu_cmd_free(&r);

	assert_int_equal(tu_wait_bg(pid, 10000), 0);
	f->bg = -1;
	text = tu_read_file(out);
	r.out = text;
	r.err = NULL;
	r.rc = 0;
	snprintf(r.cmd, sizeof(r.cmd), "background region wait");
	doc = tu_parse_json(&r);
	assert_string_equal(tu_str_member(doc, "line"), "apps.smd.modem");
	assert_int_equal(tu_int_member(doc, "raises"), 2);
	json_decref(doc);
	free(text);

	doc = check_info(f->file);
	o = find_named(json_object_get(doc, "lines"), "apps.smd.modem");
	assert_int_equal(tu_int_member(o, "raised"), 2);
	o = find_named(json_object_get(doc, "processors"), "apps");
	assert_true(json_is_false(json_object_get(o, "alive")));
	assert_int_equal(tu_int_member(o, "attaches"), 1);
	o = find_named(json_object_get(doc, "processors"), "modem");
	assert_int_equal(tu_int_member(o, "attaches"), 1);
	json_decref(doc);
}

static void test_wait_times_out_without_ring(void **state)
{
	struct tu_fixture *f = *state;
	double t0, dt;

	create_region(f->file);
	t0 = tu_now_ms();
	tu_check_error_any_line(TU_ARGV("region", "wait", "apps.smd.modem",
					"--timeout", "100", "--file", f->file),
				1, "apps.smd.modem");
	dt = tu_now_ms() - t0;
	/* Two runs (text and -j), each waits its 100 ms. */
	assert_true(dt >= 2 * 90);
	assert_true(dt < 2 * 5000);
}

/*
 * The usage lines put options after the operands (`region lock N [--as
 * PROC] ... [--file PATH]`); the other tests use that order.  Options
 * before the operands must work too, and "--" ends the options.
 * Regression: before 5acde44 the verbs parsed with getopt's "+" mode and
 * stopped at the first operand, so `region lock 3 --file F` exited 2.
 */
static void test_region_options_before_and_after_operands(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc, *o;
	struct tu_cmd r;

	create_region(f->file);
	tu_run_text(&r, TU_ARGV("region", "lock", "--file", f->file, "3"));
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("region", "lock", "--as", "q6", "3", "--file",
				f->file));
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("region", "ring", "--file", f->file, "--count",
				"2", "modem.smd.apps"));
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("region", "ring", "--file", f->file, "--",
				"modem.smd.apps"));
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("region", "wait", "--timeout", "100", "--file",
				f->file, "apps.smd.modem"));
	TU_CHECK(r.rc == 1, &r);
	tu_cmd_free(&r);
	doc = check_info(f->file);
	o = find_named(json_object_get(doc, "lines"), "modem.smd.apps");
	assert_int_equal(tu_int_member(o, "raised"), 3);
	o = find_named(json_object_get(doc, "processors"), "apps");
	assert_int_equal(tu_int_member(o, "attaches"), 2); /* lock, wait */
	o = find_named(json_object_get(doc, "processors"), "q6");
	assert_int_equal(tu_int_member(o, "attaches"), 1);
	json_decref(doc);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_cli_setup, tu_cli_teardown)
	const struct CMUnitTest tests[] = {
		T(test_platform_list_json_matches_table),
		T(test_platform_show_json_matches_table),
		T(test_region_create_json_matches_text),
		T(test_region_info_json_matches_table_after_create),
		T(test_region_info_json_matches_table_after_ring),
		T(test_region_info_json_matches_table_after_lock),
		T(test_region_info_dump_has_null_platform),
		T(test_demo_json_matches_text),
		T(test_pretty_json_equals_compact),
		T(test_usage_errors_exit_2_one_line),
		T(test_region_info_missing_file_fails),
		T(test_region_info_short_file_fails),
		T(test_region_info_bad_magic_fails),
		T(test_region_create_twice_fails_and_leaves_no_tmp),
		T(test_region_create_unknown_platform_fails),
		T(test_region_lock_unknown_processor_fails),
		T(test_prefix_matching),
		T(test_help_at_every_level),
		T(test_ring_wakes_waiter_in_other_process),
		T(test_wait_times_out_without_ring),
		T(test_region_options_before_and_after_operands),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
