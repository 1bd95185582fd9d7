/* SPDX-License-Identifier: MIT */
/*
 * test_smem_cli.c - `memwire smem ...` end to end, run as a real process.
 *
 * Every test runs $MEMWIRE through tu_run() in a private directory on a
 * region file of its own (--file DIR/x.smem), so the user's run directory
 * is never touched.  What the commands claim is checked against the bytes
 * of the file, read with pread(), and the text output against the JSON
 * (-j) of the same command.  Corrupt images are made by pwrite() of one
 * field into a sound heap.  Every run must end by exit(), never by a
 * signal: a crash (or a sanitizer abort) fails the test that caused it.
 *
 * Offsets below are those of the v11 header (reference smem_smd.md §1.2):
 * version[] at 0x40, initialized 0xC0, free_offset 0xC4, available 0xC8,
 * reserved 0xCC, toc[n] at 0xD0 + 16 n = {allocated, offset, size,
 * aux_base}.  `smem init` lays the fixed items out up to 0x21D0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define HEAP_SIZE 0x200000u     /* msm8930 smem resource */
#define HEAP_PHYS "0x80000000"
#define CTL_PAGE 4096u          /* region file: data, then the control page */
#define FIRST_FREE 0x21D0u      /* free_offset after `smem init` */
#define OFF_VERSION 0x40u
#define OFF_INITIALIZED 0xC0u
#define OFF_FREE 0xC4u
#define OFF_AVAILABLE 0xC8u
#define OFF_RESERVED 0xCCu
#define TOC(n) (0xD0u + 16u * (n))
#define SFPB_LOCK(n) (0x01200604ull + 4u * (n)) /* §4.1 */

/* ------------------------------------------------------------ fixture */

struct fixture {
	char dir[512];
	char file[640]; /* dir/x.smem, made by the tests that need it */
	pid_t bg;       /* background memwire, killed by teardown */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->file, sizeof(f->file), "%s/x.smem", f->dir);
	f->bg = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->bg > 0) {
		kill(f->bg, SIGKILL);
		waitpid(f->bg, NULL, 0);
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* A path inside the test's directory. */
static void path_in(const struct fixture *f, char *buf, size_t len,
		    const char *name)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

/* ---------------------------------------------------------- running */

struct run {
	int rc;
	char *out;
	char *err;
	char cmd[1024]; /* for messages */
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* A failed check with the command and everything it printed. */
#define CHECK(cond, r)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg("%s: check '%s' failed (exit %d)\n"           \
				 "stdout: %s\nstderr: %s",                     \
				 (r)->cmd, #cond, (r)->rc, (r)->out,           \
				 (r)->err);                                    \
	} while (0)

/* Run memwire [@flag] @argv; @flag is "-j" or NULL.  Never a signal. */
static int run_mode(struct run *r, const char *flag, const char *const *argv)
{
	const char *args[48];
	size_t n = 0, i, len = 0;

	if (flag)
		args[n++] = flag;
	for (i = 0; argv[i]; i++) {
		assert_true(n < 47);
		args[n++] = argv[i];
	}
	args[n] = NULL;
	r->cmd[0] = '\0';
	for (i = 0; i < n; i++) {
		int k = snprintf(r->cmd + len, sizeof(r->cmd) - len, "%s%s",
				 i ? " " : "memwire ", args[i]);

		if (k > 0 && (size_t)k < sizeof(r->cmd) - len)
			len += (size_t)k;
	}
	r->out = r->err = NULL;
	r->rc = tu_run(&r->out, &r->err, args);
	CHECK(r->rc < 128, r); /* killed by a signal: a crash */
	return r->rc;
}

static int run_text(struct run *r, const char *const *argv)
{
	return run_mode(r, NULL, argv);
}

static json_t *parse_json(const struct run *r)
{
	json_error_t e;
	json_t *j = json_loads(r->out, 0, &e);

	if (!j)
		fail_msg("%s: stdout is not one JSON value (%s, line %d col "
			 "%d):\n%s\nstderr: %s",
			 r->cmd, e.text, e.line, e.column, r->out, r->err);
	return j;
}

/* Run with -j, expect exit @code, return the parsed document (an object). */
static json_t *run_json_rc(struct run *r, int code, const char *const *argv)
{
	json_t *j;

	run_mode(r, "-j", argv);
	CHECK(r->rc == code, r);
	j = parse_json(r);
	CHECK(json_is_object(j), r);
	return j;
}

static json_t *run_json(struct run *r, const char *const *argv)
{
	return run_json_rc(r, 0, argv);
}

/* Run in text mode, expect exit 0, free everything. */
static void run_ok(const char *const *argv)
{
	struct run r;

	run_text(&r, argv);
	CHECK(r.rc == 0, &r);
	run_free(&r);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Exactly one non-empty line, ending in '\n'. */
static bool one_line(const char *s)
{
	size_t len = strlen(s);

	return len > 1 && s[len - 1] == '\n' && count_char(s, '\n') == 1;
}

/* -j printed only {"error": MSG}; returns MSG (owned by @doc). */
static const char *json_error_only(const struct run *r, json_t *doc)
{
	json_t *e;

	CHECK(json_is_object(doc), r);
	CHECK(json_object_size(doc) == 1, r);
	e = json_object_get(doc, "error");
	CHECK(json_is_string(e), r);
	CHECK(json_string_value(e)[0] != '\0', r);
	return json_string_value(e);
}

/*
 * Run @argv in text mode and with -j.  Both must exit @code; text mode
 * prints nothing on stdout and exactly one line on stderr, "memwire: MSG";
 * -j prints only {"error": MSG} with the same MSG.  Both contain @needle
 * (and @needle2) when set.
 */
static void check_error2(const char *const *argv, int code,
			 const char *needle, const char *needle2)
{
	static const char pfx[] = "memwire: ";
	struct run t, j;
	const char *msg;
	json_t *doc;
	size_t len;

	run_text(&t, argv);
	CHECK(t.rc == code, &t);
	CHECK(t.out[0] == '\0', &t);
	CHECK(one_line(t.err), &t);
	CHECK(!strncmp(t.err, pfx, sizeof(pfx) - 1), &t);
	if (needle)
		CHECK(strstr(t.err, needle) != NULL, &t);
	if (needle2)
		CHECK(strstr(t.err, needle2) != NULL, &t);

	run_mode(&j, "-j", argv);
	CHECK(j.rc == code, &j);
	doc = parse_json(&j);
	msg = json_error_only(&j, doc);
	len = strlen(t.err) - (sizeof(pfx) - 1) - 1;
	CHECK(strlen(msg) == len, &j);
	CHECK(!strncmp(t.err + sizeof(pfx) - 1, msg, len), &j);
	json_decref(doc);
	run_free(&t);
	run_free(&j);
}

static void check_error(const char *const *argv, int code, const char *needle)
{
	check_error2(argv, code, needle, NULL);
}

/*
 * A verb that fails inside its document (validate, show, version set):
 * text mode prints one line "memwire: MSG" on stderr and exits 1; -j exits
 * 1 with the document plus "error": MSG.  Returns the -j document.
 */
static json_t *check_fail_keep(const char *const *argv, const char *needle,
			       const char *needle2)
{
	static const char pfx[] = "memwire: ";
	struct run t, j;
	const char *msg;
	json_t *doc;
	size_t len;

	run_text(&t, argv);
	CHECK(t.rc == 1, &t);
	CHECK(one_line(t.err), &t);
	CHECK(!strncmp(t.err, pfx, sizeof(pfx) - 1), &t);
	CHECK(strstr(t.err, needle) != NULL, &t);
	if (needle2)
		CHECK(strstr(t.err, needle2) != NULL, &t);
	run_mode(&j, "-j", argv);
	CHECK(j.rc == 1, &j);
	doc = parse_json(&j);
	CHECK(json_is_object(doc), &j);
	CHECK(json_is_string(json_object_get(doc, "error")), &j);
	msg = json_string_value(json_object_get(doc, "error"));
	len = strlen(t.err) - (sizeof(pfx) - 1) - 1;
	CHECK(strlen(msg) == len, &j);
	CHECK(!strncmp(t.err + sizeof(pfx) - 1, msg, len), &j);
	run_free(&t);
	run_free(&j);
	return doc;
}

/* --------------------------------------------------- background runs */

/* Start memwire @argv with stdout to @out, stderr to @out.err. */
static pid_t spawn_bg(const char *out, const char *const *argv)
{
	const char *bin = getenv("MEMWIRE");
	const char *args[48];
	char errpath[1024];
	size_t i;
	pid_t pid;

	if (!bin)
		bin = "build/memwire";
	args[0] = bin;
	for (i = 0; argv[i] && i < 46; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	snprintf(errpath, sizeof(errpath), "%s.err", out);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	return pid;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait for @pid (at most @timeout_ms; then kill it, by pid) and return its
 * exit status as tu_run() does, or -1 if it had to be killed.
 */
static int wait_bg(pid_t pid, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	int status;
	pid_t w;

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
	       now_ms() < deadline)
		sleep_ms(2);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	assert_int_equal(w, pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Wait until the file @path contains @needle (at most @timeout_ms). */
static bool file_gets(const char *path, const char *needle, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;

	do {
		char *s;
		bool found;

		/* The child may not have opened it yet. */
		if (access(path, F_OK) == 0) {
			s = read_file(path);
			found = strstr(s, needle) != NULL;
			free(s);
			if (found)
				return true;
		}
		sleep_ms(10);
	} while (now_ms() < deadline);
	return false;
}

/* ------------------------------------------------------ file bytes */

static void peek(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static uint32_t peek32(const char *path, uint64_t off)
{
	uint8_t b[4];

	peek(path, off, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void poke(const char *path, uint64_t off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void poke32(const char *path, uint64_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	poke(path, off, b, 4);
}

/* Copy @len bytes of @src at @soff to @dst at @doff (@dst created). */
static void copy_bytes(const char *src, uint64_t soff, const char *dst,
		       uint64_t doff, size_t len)
{
	char *buf = malloc(len);
	int fd;

	assert_non_null(buf);
	peek(src, soff, buf, len);
	fd = open(dst, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)doff), (ssize_t)len);
	close(fd);
	free(buf);
}

static void copy_file(const char *src, const char *dst)
{
	struct stat st;

	assert_int_equal(stat(src, &st), 0);
	unlink(dst);
	copy_bytes(src, 0, dst, 0, (size_t)st.st_size);
}

/* "0a1b..." of @len bytes; caller frees. */
static char *hex_of(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < len; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * len] = '\0';
	return s;
}

/* -------------------------------------------------------- JSON */

static json_int_t int_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("member '%s' is not an integer", key);
	return json_integer_value(v);
}

static const char *str_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("member '%s' is not a string", key);
	return json_string_value(v);
}

static bool bool_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		fail_msg("member '%s' is not a boolean", key);
	return json_is_true(v);
}

/* The element of "items" with "id" @id, NULL if none. */
static json_t *find_item(json_t *doc, json_int_t id)
{
	json_t *items = json_object_get(doc, "items"), *o;
	size_t i;

	assert_true(json_is_array(items));
	json_array_foreach(items, i, o) {
		json_t *v = json_object_get(o, "id");

		if (json_is_integer(v) && json_integer_value(v) == id)
			return o;
	}
	return NULL;
}

/* find_item() that must succeed, and must hold @name, @offset, @size. */
static void assert_item(json_t *doc, json_int_t id, const char *name,
			json_int_t offset, json_int_t size)
{
	json_t *o = find_item(doc, id);

	if (!o)
		fail_msg("no item %lld in the listing", (long long)id);
	assert_null(json_object_get(o, "problem"));
	assert_string_equal(str_member(o, "name"), name);
	assert_int_equal(int_member(o, "offset"), offset);
	assert_int_equal(int_member(o, "size"), size);
}

/* ---------------------------------------------------- heap helpers */

/* `smem init` on the fixture's file. */
static void init_heap(const struct fixture *f)
{
	run_ok(ARGV("smem", "init", "--file", f->file));
}

/* `smem alloc ID SIZE` as apps; returns the item's offset. */
static uint32_t alloc_item(const char *file, const char *id, const char *size)
{
	struct run r;
	json_t *doc = run_json(&r, ARGV("smem", "alloc", id, size, "--file",
					file));
	uint32_t off = (uint32_t)int_member(doc, "offset");

	json_decref(doc);
	run_free(&r);
	return off;
}

/* `-j smem show` of @file, which must be sound. */
static json_t *show_file(const char *file)
{
	struct run r;
	json_t *doc = run_json(&r, ARGV("smem", "show", "--file", file));

	run_free(&r);
	return doc;
}

/* A sound heap with items 20 and 21 (40 bytes each, SMD info items). */
static void make_base_heap(const struct fixture *f)
{
	init_heap(f);
	assert_int_equal(alloc_item(f->file, "20", "40"), FIRST_FREE);
	assert_int_equal(alloc_item(f->file, "21", "40"), FIRST_FREE + 40);
}

/*
 * Item 137 (socinfo) as an MSM8930 v2.1 writes it, format 7: 76 bytes,
 * layout of smem_smd.md §2 / Linux socinfo v7.
 */
static void write_socinfo(const char *file, uint32_t off)
{
	uint8_t b[76] = { 0 };
	const uint32_t words[] = { 7, 116, 0x00020001 };
	const uint32_t tail[] = { 1780, 2, 8, 0x10000, 0, 0, 13, 0x30001 };
	size_t i;

	for (i = 0; i < 3; i++)
		memcpy(b + 4 * i, &words[i], 4);
	memcpy(b + 12, "M8930BAAAANAZM1040", 18);
	for (i = 0; i < 8; i++)
		memcpy(b + 44 + 4 * i, &tail[i], 4);
	poke(file, off, b, sizeof(b));
}

/*
 * The item rows of a text `smem show`: "ID NAME 0xOFFSET SIZE ..." or
 * "BAD PROBLEM", in order, must be the JSON "items", member by member.
 */
static void check_items_text_json(const char *text, json_t *doc)
{
	json_t *items = json_object_get(doc, "items");
	const char *s = strstr(text, "\n   id  name");
	size_t i = 0;

	assert_non_null(s);
	s = strchr(s + 1, '\n') + 1;
	for (;; i++) {
		const char *e = strchr(s, '\n');
		unsigned id, off, size;
		char name[64];
		json_t *o;

		assert_non_null(e);
		if (!strncmp(s, "  BAD  ", 7)) {
			o = json_array_get(items, i);
			assert_non_null(o);
			assert_int_equal(strlen(str_member(o, "problem")),
					 (size_t)(e - s - 7));
			assert_memory_equal(str_member(o, "problem"), s + 7,
					    (size_t)(e - s - 7));
		} else if (sscanf(s, "%u %63s 0x%x %u", &id, name, &off,
				  &size) == 4) {
			o = json_array_get(items, i);
			assert_non_null(o);
			assert_int_equal(int_member(o, "id"), id);
			assert_string_equal(str_member(o, "name"), name);
			assert_int_equal(int_member(o, "offset"), off);
			assert_int_equal(int_member(o, "size"), size);
		} else {
			break; /* "N items" */
		}
		s = e + 1;
	}
	assert_int_equal(i, json_array_size(items));
	assert_int_equal(strtoul(s, NULL, 10), int_member(doc, "count"));
}

/* ============================================================ 1. init */

static void test_init_formats_a_new_region_file(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	struct run r;
	json_t *doc;

	doc = run_json(&r, ARGV("smem", "init", "--file", f->file));
	assert_string_equal(str_member(doc, "file"), f->file);
	assert_string_equal(str_member(doc, "platform"), "msm8930");
	assert_int_equal(int_member(doc, "phys"), 0x80000000u);
	assert_int_equal(int_member(doc, "size"), HEAP_SIZE);
	assert_int_equal(int_member(doc, "version"), 11);
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(int_member(doc, "available"), HEAP_SIZE - FIRST_FREE);
	json_decref(doc);
	run_free(&r);

	/* The region file: 2 MiB of heap, then the control page. */
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE + CTL_PAGE);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 7), 0x000B0000);
	assert_int_equal(peek32(f->file, OFF_INITIALIZED), 1);
	assert_int_equal(peek32(f->file, OFF_FREE), FIRST_FREE);
	assert_int_equal(peek32(f->file, OFF_AVAILABLE),
			 HEAP_SIZE - FIRST_FREE);
	assert_int_equal(peek32(f->file, OFF_RESERVED), 0);

	run_text(&r, ARGV("smem", "validate", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "heap is sound: SMEM version 11") != NULL, &r);
	run_free(&r);
}

static void test_init_twice_fails_until_forced(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	check_error(ARGV("smem", "init", "--file", f->file), 1, "--force");
	/* Refused: the item is still there. */
	doc = show_file(f->file);
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	json_decref(doc);

	run_text(&r, ARGV("smem", "init", "--force", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "free_offset 0x21d0") != NULL, &r);
	run_free(&r);
	doc = show_file(f->file);
	assert_null(find_item(doc, 137));
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(int_member(doc, "count"), 9);
	json_decref(doc);
}

/* ============================================================ 2. show */

static void test_show_lists_fixed_items_json_matches_text(void **state)
{
	static const struct {
		int id;
		const char *name;
		unsigned offset, size;
	} fixed[] = {
		{ 0, "SMEM_PROC_COMM", 0x0, 64 },
		{ 1, "SMEM_HEAP_INFO", 0xC0, 16 },
		{ 2, "SMEM_ALLOCATION_TABLE", 0xD0, 8192 },
		{ 3, "SMEM_VERSION_INFO", 0x40, 128 },
		{ 4, "SMEM_HW_RESET_DETECT", 0x20D0, 8 },
		{ 5, "SMEM_AARM_WARM_BOOT", 0x20D8, 8 },
		{ 6, "SMEM_DIAG_ERR_MESSAGE", 0x20E0, 200 },
		{ 7, "SMEM_SPINLOCK_ARRAY", 0x21A8, 32 },
		{ 8, "SMEM_MEMORY_BARRIER_LOCATION", 0x21C8, 8 },
	};
	struct fixture *f = *state;
	struct run t, j;
	json_t *doc, *v;
	size_t i;

	init_heap(f);
	run_text(&t, ARGV("smem", "show", "--file", f->file));
	CHECK(t.rc == 0, &t);
	CHECK(t.err[0] == '\0', &t);
	doc = run_json(&j, ARGV("smem", "show", "--file", f->file));
	assert_int_equal(int_member(doc, "version"), 11);
	assert_string_equal(str_member(doc, "layout"), "global heap");
	assert_string_equal(str_member(doc, "source"), "file");
	assert_int_equal(int_member(doc, "initialized"), 1);
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(int_member(doc, "available"), HEAP_SIZE - FIRST_FREE);
	assert_int_equal(int_member(doc, "reserved"), 0);
	assert_null(json_object_get(doc, "error"));
	/* Only the SBL has registered a version. */
	v = json_object_get(doc, "versions");
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(int_member(json_array_get(v, 0), "slot"), 7);
	assert_int_equal(int_member(json_array_get(v, 0), "major"), 11);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 9);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_item(doc, fixed[i].id, fixed[i].name, fixed[i].offset,
			    fixed[i].size);
	check_items_text_json(t.out, doc);
	CHECK(strstr(t.out, "free_offset 0x21d0\n") != NULL, &t);
	CHECK(strstr(t.out, "[ 7] MODEM_SBL        major 0x000b minor 0x0000") !=
		      NULL,
	      &t);
	json_decref(doc);
	run_free(&t);
	run_free(&j);
}

/* ============================================================ 3. alloc */

static void test_alloc_moves_counters_by_aligned_size(void **state)
{
	struct fixture *f = *state;
	uint32_t toc[4];
	struct run r;
	json_t *doc;

	init_heap(f);
	run_text(&r, ARGV("smem", "alloc", "137", "76", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "item 137 SMEM_HW_SW_BUILD_ID: allocated at "
			    "offset 0x21d0 (phys 0x800021d0), 80 bytes") != NULL,
	      &r);
	run_free(&r);
	doc = run_json(&r, ARGV("smem", "alloc", "13", "2048", "--file",
				f->file));
	assert_int_equal(int_member(doc, "id"), 13);
	assert_string_equal(str_member(doc, "name"), "SMEM_CHANNEL_ALLOC_TBL");
	assert_string_equal(str_member(doc, "result"), "allocated");
	assert_int_equal(int_member(doc, "offset"), FIRST_FREE + 80);
	assert_int_equal(int_member(doc, "phys"), 0x80000000u + FIRST_FREE + 80);
	assert_int_equal(int_member(doc, "size"), 2048);
	json_decref(doc);
	run_free(&r);

	doc = show_file(f->file);
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	assert_item(doc, 13, "SMEM_CHANNEL_ALLOC_TBL", FIRST_FREE + 80, 2048);
	assert_int_equal(int_member(doc, "free_offset"),
			 FIRST_FREE + 80 + 2048);
	assert_int_equal(int_member(doc, "available"),
			 HEAP_SIZE - FIRST_FREE - 80 - 2048);
	assert_int_equal(int_member(doc, "count"), 11);
	json_decref(doc);

	/* The TOC in the file says the same. */
	peek(f->file, TOC(137), toc, sizeof(toc));
	assert_int_equal(toc[0], 1);
	assert_int_equal(toc[1], FIRST_FREE);
	assert_int_equal(toc[2], 80);
	assert_int_equal(toc[3], 0);
	assert_int_equal(peek32(f->file, OFF_FREE), FIRST_FREE + 80 + 2048);
}

static void test_alloc_existing_item_same_size_reports_existing(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	/* 76 and 80 both round to the item's 80 bytes. */
	doc = run_json(&r, ARGV("smem", "alloc", "137", "80", "--file",
				f->file));
	assert_string_equal(str_member(doc, "result"), "existing");
	assert_int_equal(int_member(doc, "offset"), FIRST_FREE);
	assert_int_equal(int_member(doc, "size"), 80);
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "alloc", "137", "76", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, ": existing at offset 0x21d0") != NULL, &r);
	run_free(&r);
	/* A fixed item the boot loader made is found the same way. */
	run_text(&r, ARGV("smem", "alloc", "7", "32", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "SMEM_SPINLOCK_ARRAY: existing at offset 0x21a8") !=
		      NULL,
	      &r);
	run_free(&r);
	doc = show_file(f->file);
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE + 80);
	json_decref(doc);
}

static void test_alloc_size_mismatch_names_both_sizes(void **state)
{
	struct fixture *f = *state;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	check_error2(ARGV("smem", "alloc", "137", "72", "--file", f->file), 1,
		     "size 80", "72");
	check_error2(ARGV("smem", "alloc", "137", "88", "--file", f->file), 1,
		     "size 80", "88");
	check_error2(ARGV("smem", "alloc", "6", "8", "--file", f->file), 1,
		     "size 200", "not 8");
	doc = show_file(f->file);
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE + 80);
	json_decref(doc);
}

static void test_alloc_refuses_fixed_item_the_loader_did_not_make(void **state)
{
	struct fixture *f = *state;
	json_t *doc;

	init_heap(f);
	poke32(f->file, TOC(8), 0); /* item 8 was never allocated */
	check_error2(ARGV("smem", "alloc", "8", "8", "--file", f->file), 1,
		     "item 8", "fixed item");
	check_error(ARGV("smem", "get", "8", "--file", f->file), 1,
		    "not allocated");
	doc = show_file(f->file);
	assert_null(find_item(doc, 8));
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE);
	json_decref(doc);
}

static void test_alloc_id_past_the_table_is_a_usage_error(void **state)
{
	struct fixture *f = *state;

	init_heap(f);
	check_error(ARGV("smem", "alloc", "512", "8", "--file", f->file), 2,
		    "0..511");
	check_error(ARGV("smem", "get", "512", "--file", f->file), 2,
		    "0..511");
	check_error(ARGV("smem", "alloc", "20", "0x100000000", "--file",
			 f->file),
		    2, "32 bits");
}

static void test_alloc_exhausted_heap_fails_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char avail[32];
	json_t *doc;

	init_heap(f);
	check_error2(ARGV("smem", "alloc", "200", "0x200000", "--file",
			  f->file),
		     1, "exhausted", "2097152");
	doc = show_file(f->file);
	assert_null(find_item(doc, 200));
	assert_int_equal(int_member(doc, "free_offset"), FIRST_FREE);
	json_decref(doc);

	/* Exactly what is left fits; then nothing does. */
	snprintf(avail, sizeof(avail), "%u", HEAP_SIZE - FIRST_FREE);
	assert_int_equal(alloc_item(f->file, "200", avail), FIRST_FREE);
	check_error(ARGV("smem", "alloc", "201", "8", "--file", f->file), 1,
		    "exhausted");
	doc = show_file(f->file);
	assert_int_equal(int_member(doc, "available"), 0);
	assert_int_equal(int_member(doc, "free_offset"), HEAP_SIZE);
	assert_item(doc, 200, "SMEM_SMD_BLOCK_PORT_BASE_ID+62", FIRST_FREE,
		    HEAP_SIZE - FIRST_FREE);
	json_decref(doc);
	run_ok(ARGV("smem", "validate", "--file", f->file));
}

/* ============================================================== 4. get */

static void test_get_decodes_socinfo_text_and_json(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc, *si;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	write_socinfo(f->file, off);

	doc = run_json(&r, ARGV("smem", "get", "137", "--file", f->file));
	assert_int_equal(int_member(doc, "id"), 137);
	assert_string_equal(str_member(doc, "name"), "SMEM_HW_SW_BUILD_ID");
	assert_int_equal(int_member(doc, "offset"), off);
	assert_int_equal(int_member(doc, "phys"), 0x80000000u + off);
	assert_int_equal(int_member(doc, "size"), 80);
	assert_null(json_object_get(doc, "data")); /* only with --hex */
	si = json_object_get(doc, "socinfo");
	assert_true(json_is_object(si));
	assert_int_equal(int_member(si, "format"), 7);
	assert_int_equal(int_member(si, "id"), 116);
	assert_string_equal(str_member(si, "chip"), "MSM8930");
	assert_int_equal(int_member(si, "version_major"), 2);
	assert_int_equal(int_member(si, "version_minor"), 1);
	assert_string_equal(str_member(si, "build_id"), "M8930BAAAANAZM1040");
	assert_int_equal(int_member(si, "raw_id"), 1780);
	assert_int_equal(int_member(si, "hw_platform"), 8);
	assert_int_equal(int_member(si, "pmic_model"), 13);
	json_decref(doc);
	run_free(&r);

	run_text(&r, ARGV("smem", "get", "137", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "item 137 SMEM_HW_SW_BUILD_ID\n"
			    "  offset 0x21d0, phys 0x800021d0, 80 bytes\n") ==
		      r.out,
	      &r);
	CHECK(strstr(r.out, "  chip id     116 (MSM8930)\n") != NULL, &r);
	CHECK(strstr(r.out, "  build id    M8930BAAAANAZM1040\n") != NULL, &r);
	/* The first 64 bytes, then how many more. */
	CHECK(strstr(r.out, "  000000  07 00 00 00 74 00 00 00 01 00 02 00") !=
		      NULL,
	      &r);
	CHECK(strstr(r.out, "  000030 ") != NULL, &r);
	CHECK(strstr(r.out, "  000040 ") == NULL, &r);
	CHECK(strstr(r.out, "  ... 16 more bytes (--hex shows all)\n") != NULL,
	      &r);
	run_free(&r);

	/* show names the chip on the item's row. */
	run_text(&r, ARGV("smem", "show", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "socinfo MSM8930 v2.1 build \"M8930BAAAANAZM1040\"") !=
		      NULL,
	      &r);
	run_free(&r);
}

static void test_get_decodes_smd_channel_table(void **state)
{
	struct fixture *f = *state;
	uint8_t elm[32] = { 0 };
	const uint32_t cid = 7, type = 6 | 2 << 8, ref = 1; /* wcnss packet */
	json_t *doc, *ch;
	struct run r;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "13", "2048");
	memcpy(elm, "WLAN_CTRL", 9);
	memcpy(elm + 0x14, &cid, 4);
	memcpy(elm + 0x18, &type, 4);
	memcpy(elm + 0x1C, &ref, 4);
	poke(f->file, off + 32 * 2, elm, sizeof(elm)); /* table slot 2 */

	doc = run_json(&r, ARGV("smem", "get", "13", "--file", f->file));
	ch = json_object_get(doc, "channels");
	assert_int_equal(json_array_size(ch), 1);
	ch = json_array_get(ch, 0);
	assert_string_equal(str_member(ch, "name"), "WLAN_CTRL");
	assert_int_equal(int_member(ch, "cid"), 7);
	assert_int_equal(int_member(ch, "edge"), 6);
	assert_string_equal(str_member(ch, "edge_name"), "APPS_WCNSS");
	assert_string_equal(str_member(ch, "xfer"), "packet");
	assert_int_equal(int_member(ch, "ref_count"), 1);
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "show", "--file", f->file));
	CHECK(strstr(r.out, "SMD channel table, 1 channel\n") != NULL, &r);
	run_free(&r);
}

/* --hex: "data" is the item's bytes in the file, all of them. */
static void test_get_hex_json_equals_file_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t pat[200], back[200];
	char row[100];
	struct run r;
	json_t *doc;
	char *hx;
	size_t i;

	init_heap(f);
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	poke(f->file, 0x20E0, pat, sizeof(pat)); /* item 6, 200 bytes */
	peek(f->file, 0x20E0, back, sizeof(back));
	hx = hex_of(back, sizeof(back));

	doc = run_json(&r, ARGV("smem", "get", "6", "--hex", "--file",
				f->file));
	assert_int_equal(int_member(doc, "size"), 200);
	assert_string_equal(str_member(doc, "data"), hx);
	json_decref(doc);
	run_free(&r);

	/* Text --hex shows every row; the last one is 8 bytes. */
	snprintf(row, sizeof(row), "  0000c0 ");
	for (i = 192; i < 200; i++)
		snprintf(row + strlen(row), sizeof(row) - strlen(row), " %02x",
			 back[i]);
	strcat(row, "                          ");
	run_text(&r, ARGV("smem", "get", "6", "--hex", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, row) != NULL, &r);
	CHECK(strstr(r.out, "more bytes") == NULL, &r);
	run_free(&r);
	free(hx);
}

static void test_get_raw_writes_exactly_the_item(void **state)
{
	struct fixture *f = *state;
	uint8_t pat[80], back[80];
	struct run r;
	uint32_t off;
	size_t i;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(0xFF - i);
	poke(f->file, off, pat, sizeof(pat));
	peek(f->file, off, back, sizeof(back));
	run_text(&r, ARGV("smem", "get", "137", "--raw", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(r.err[0] == '\0', &r);
	/* 0x00 bytes are in there: compare with memcmp, not as strings. */
	assert_memory_equal(r.out, back, sizeof(back));
	CHECK(r.out[sizeof(back)] == '\0', &r); /* slurp's terminator */
	run_free(&r);
}

static void test_get_missing_item_fails(void **state)
{
	struct fixture *f = *state;

	init_heap(f);
	check_error2(ARGV("smem", "get", "137", "--file", f->file), 1,
		     "item 137", "not allocated");
	check_error(ARGV("smem", "get", "0x1ff", "--file", f->file), 1,
		    "not allocated");
	check_error(ARGV("smem", "get", "1", "--file", "/nonexistent/x.smem"),
		    1, "/nonexistent/x.smem");
}

/* ======================================================= 5. raw dumps */

static void test_dump_is_inspected_read_only(void **state)
{
	struct fixture *f = *state;
	char dump[700], *hx;
	uint8_t back[80];
	json_t *doc, *ref;
	struct run r;
	struct stat st;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	write_socinfo(f->file, off);
	alloc_item(f->file, "13", "2048");
	path_in(f, dump, sizeof(dump), "smem.bin");
	copy_bytes(f->file, 0, dump, 0, HEAP_SIZE);

	ref = show_file(f->file);
	doc = run_json(&r, ARGV("smem", "show", "--dump", dump, "--phys",
				HEAP_PHYS));
	assert_string_equal(str_member(doc, "source"), "dump");
	assert_int_equal(int_member(doc, "phys"), 0x80000000u);
	assert_int_equal(int_member(doc, "size"), HEAP_SIZE);
	assert_true(json_equal(json_object_get(doc, "items"),
			       json_object_get(ref, "items")));
	assert_int_equal(int_member(doc, "free_offset"),
			 int_member(ref, "free_offset"));
	json_decref(doc);
	json_decref(ref);
	run_free(&r);

	peek(dump, off, back, sizeof(back));
	hx = hex_of(back, sizeof(back));
	doc = run_json(&r, ARGV("smem", "get", "137", "--hex", "--dump", dump,
				"--phys", HEAP_PHYS));
	assert_string_equal(str_member(doc, "data"), hx);
	assert_string_equal(str_member(json_object_get(doc, "socinfo"),
				       "chip"),
			    "MSM8930");
	json_decref(doc);
	run_free(&r);
	free(hx);

	doc = run_json(&r, ARGV("smem", "validate", "--dump", dump, "--phys",
				HEAP_PHYS));
	assert_true(bool_member(doc, "valid"));
	assert_int_equal(int_member(doc, "version"), 11);
	json_decref(doc);
	run_free(&r);

	/* Every verb that writes refuses a dump, as a usage error. */
	check_error(ARGV("smem", "alloc", "200", "8", "--dump", dump, "--phys",
			 HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "version", "set", "3", "1", "1", "--dump",
			 dump, "--phys", HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "lock", "3", "--dump", dump, "--phys",
			 HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "lock", "3", "--clear", "--dump", dump,
			 "--phys", HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "log", "init", "--dump", dump, "--phys",
			 HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "log", "write", "1", "2", "3", "4", "--dump",
			 dump, "--phys", HEAP_PHYS),
		    2, "read-only");
	check_error(ARGV("smem", "init", "--dump", dump, "--phys", HEAP_PHYS),
		    2, "--file");
	check_error(ARGV("smem", "show", "--dump", dump), 2, "--phys");
	/* A dump has no registers. */
	check_error(ARGV("smem", "lock", "--dump", dump, "--phys", HEAP_PHYS),
		    1, "no hardware mutex");
	check_error(ARGV("smem", "translate", "0x02011008", "--dump", dump,
			 "--phys", HEAP_PHYS),
		    1, "apcs-ipc");
	assert_int_equal(stat(dump, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE);
	assert_int_equal(peek32(dump, TOC(200)), 0);
}

/* A dump shorter than the header is refused, not read past its end. */
static void test_short_dump_fails_cleanly(void **state)
{
	static const unsigned sizes[] = { 100, 4096, 0x20CF };
	struct fixture *f = *state;
	char dump[700], sz[32];
	size_t i;

	init_heap(f);
	path_in(f, dump, sizeof(dump), "short.bin");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unlink(dump);
		copy_bytes(f->file, 0, dump, 0, sizes[i]);
		snprintf(sz, sizeof(sz), "0x%x", sizes[i]);
		check_error2(ARGV("smem", "show", "--dump", dump, "--phys",
				  HEAP_PHYS),
			     1, "smaller than the SMEM header", sz);
		check_error(ARGV("smem", "get", "3", "--dump", dump, "--phys",
				 HEAP_PHYS),
			    1, "smaller than the SMEM header");
		check_error(ARGV("smem", "log", "--dump", dump, "--phys",
				 HEAP_PHYS),
			    1, "smaller than the SMEM header");
	}
}

/* ======================================================= 6. /dev/mem */

/*
 * A sparse file standing in for /dev/mem: the heap image at 0x80000000,
 * the SFPB mutex registers at 0x01200604, the doorbells at 0x02011008.
 */
static void make_devmem(const struct fixture *f, char *mem, size_t len)
{
	int fd;

	path_in(f, mem, len, "mem");
	fd = open(mem, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0x80200000), 0);
	close(fd);
	copy_bytes(f->file, 0, mem, 0x80000000u, HEAP_SIZE);
}

static void test_devmem_is_read_only_without_write(void **state)
{
	struct fixture *f = *state;
	char mem[700], opt[800];
	json_t *doc, *ref;
	struct run r;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);

	ref = show_file(f->file);
	doc = run_json(&r, ARGV("smem", "show", opt, "--phys", HEAP_PHYS));
	assert_string_equal(str_member(doc, "source"), "devmem");
	assert_int_equal(int_member(doc, "size"), HEAP_SIZE);
	assert_true(json_equal(json_object_get(doc, "items"),
			       json_object_get(ref, "items")));
	json_decref(doc);
	json_decref(ref);
	run_free(&r);
	run_ok(ARGV("smem", "validate", opt, "--phys", HEAP_PHYS));
	run_ok(ARGV("smem", "get", "137", opt, "--phys", HEAP_PHYS));

	check_error(ARGV("smem", "alloc", "200", "8", opt, "--phys",
			 HEAP_PHYS),
		    2, "--write");
	check_error(ARGV("smem", "lock", "3", opt, "--phys", HEAP_PHYS), 2,
		    "--write");
	check_error(ARGV("smem", "log", "init", opt, "--phys", HEAP_PHYS), 2,
		    "--write");
	check_error(ARGV("smem", "version", "set", "3", "1", "1", opt,
			 "--phys", HEAP_PHYS),
		    2, "--write");
	check_error(ARGV("smem", "init", opt, "--phys", HEAP_PHYS), 2,
		    "--file");
	/* Outside the platform's memory, --size is needed. */
	check_error(ARGV("smem", "show", opt, "--phys", "0x10000000"), 2,
		    "--size");
	assert_int_equal(peek32(mem, 0x80000000u + TOC(200)), 0);
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);
}

static void test_devmem_write_allocates_in_the_window(void **state)
{
	struct fixture *f = *state;
	char mem[700], opt[800];
	uint32_t toc[3];
	struct run r;
	json_t *doc;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);

	doc = run_json(&r, ARGV("smem", "alloc", "200", "12", opt, "--phys",
				HEAP_PHYS, "--write"));
	assert_string_equal(str_member(doc, "result"), "allocated");
	assert_int_equal(int_member(doc, "offset"), FIRST_FREE);
	assert_int_equal(int_member(doc, "phys"), 0x80000000u + FIRST_FREE);
	assert_int_equal(int_member(doc, "size"), 16);
	json_decref(doc);
	run_free(&r);
	peek(mem, 0x80000000u + TOC(200), toc, sizeof(toc));
	assert_int_equal(toc[0], 1);
	assert_int_equal(toc[1], FIRST_FREE);
	assert_int_equal(toc[2], 16);
	assert_int_equal(peek32(mem, 0x80000000u + OFF_FREE), FIRST_FREE + 16);
	/* The region file it was copied from is untouched. */
	assert_int_equal(peek32(f->file, TOC(200)), 0);
	/* The lock was released: register 3 is 0 again. */
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);

	run_ok(ARGV("smem", "validate", opt, "--phys", HEAP_PHYS));
	run_ok(ARGV("smem", "log", "init", opt, "--phys", HEAP_PHYS,
		    "--write"));
	run_ok(ARGV("smem", "log", "write", "0x80020008", "1", "2", "3", opt,
		    "--phys", HEAP_PHYS, "--write"));
	run_text(&r, ARGV("smem", "log", opt, "--phys", HEAP_PHYS));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "APPS SMEM WRITE") != NULL, &r);
	run_free(&r);
}

/*
 * With --write the heap is locked through the SFPB registers in the same
 * file, as apps (id 1).  A file is not the hardware (a write always
 * sticks), so the registers are watched: held while `lock --hold` sleeps,
 * 0 after every command, and an owner planted in them is reported.
 */
static void test_devmem_locks_through_sfpb_registers(void **state)
{
	struct fixture *f = *state;
	char mem[700], opt[800], out[700];
	double deadline;
	struct run r;
	json_t *doc, *o;
	pid_t pid;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);
	path_in(f, out, sizeof(out), "hold.out");

	pid = f->bg = spawn_bg(out, ARGV("smem", "lock", "3", "--hold", "400",
					 opt, "--phys", HEAP_PHYS, "--write"));
	deadline = now_ms() + 5000;
	while (peek32(mem, SFPB_LOCK(3)) != 1 && now_ms() < deadline)
		sleep_ms(5);
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 1);
	/* Read-only listing of the registers. */
	doc = run_json(&r, ARGV("smem", "lock", opt, "--phys", HEAP_PHYS));
	o = json_array_get(json_object_get(doc, "locks"), 3);
	assert_int_equal(int_member(o, "lock"), 3);
	assert_int_equal(int_member(o, "owner"), 1);
	assert_string_equal(str_member(o, "owner_name"), "apps");
	json_decref(doc);
	run_free(&r);
	assert_int_equal(wait_bg(pid, 10000), 0);
	f->bg = -1;
	assert_true(file_gets(out, "S:3 taken by apps", 0));
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);

	/* An owner planted by "the modem" (id 2) is listed and cleared. */
	poke32(mem, SFPB_LOCK(5), 2);
	doc = run_json(&r, ARGV("smem", "lock", opt, "--phys", HEAP_PHYS));
	o = json_array_get(json_object_get(doc, "locks"), 5);
	assert_int_equal(int_member(o, "owner"), 2);
	assert_string_equal(str_member(o, "owner_name"), "modem");
	json_decref(doc);
	run_free(&r);
	doc = run_json(&r, ARGV("smem", "lock", "5", "--clear", opt, "--phys",
				HEAP_PHYS, "--write"));
	assert_int_equal(int_member(doc, "previous_owner"), 2);
	assert_string_equal(str_member(doc, "previous_owner_name"), "modem");
	json_decref(doc);
	run_free(&r);
	assert_int_equal(peek32(mem, SFPB_LOCK(5)), 0);

	/* The doorbell register is mapped from the same file. */
	poke32(mem, 0x02011008, 0x8018);
	doc = run_json(&r, ARGV("smem", "translate", "0x02011008", opt,
				"--phys", HEAP_PHYS));
	assert_string_equal(str_member(doc, "resource"), "apcs-ipc");
	assert_false(bool_member(doc, "emulated"));
	assert_int_equal(int_member(doc, "value"), 0x8018);
	json_decref(doc);
	run_free(&r);
}

/*
 * /dev/mem is always locked as apps (the SFPB id 1): --proc cannot be
 * honoured there.  Regression: `smem lock 3 --proc modem --devmem --write`
 * printed "S:3 taken by modem" while the register held 1 (apps).
 */
static void test_devmem_refuses_another_processor(void **state)
{
	struct fixture *f = *state;
	char mem[700], opt[800];
	struct run r;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);
	check_error(ARGV("smem", "lock", "3", "--proc", "modem", opt, "--phys",
			 HEAP_PHYS, "--write"),
		    2, "--proc modem");
	check_error(ARGV("smem", "alloc", "200", "8", "--proc", "q6", opt,
			 "--phys", HEAP_PHYS, "--write"),
		    2, "--proc q6");
	assert_int_equal(peek32(mem, 0x80000000u + TOC(200)), 0);
	run_text(&r, ARGV("smem", "lock", "3", "--proc", "apps", opt, "--phys",
			  HEAP_PHYS, "--write"));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "S:3 taken by apps\n") != NULL, &r);
	run_free(&r);
	/* Reading needs no processor: --proc is harmless there. */
	run_ok(ARGV("smem", "show", "--proc", "modem", opt, "--phys",
		    HEAP_PHYS));
}

/* ==================================================== 7. corrupt heaps */

struct corruption {
	const char *what;
	uint32_t off, value;   /* one u32 written into the sound heap */
	const char *field;     /* the message names the field ... */
	const char *value_str; /* ... and the value */
	int bad_id;            /* item `get` refuses, -1 none */
	bool flagged;          /* `show` marks the entry BAD */
	bool listed;           /* `show` still lists item 21 */
};

/* In a heap from make_base_heap(): items 20 at 0x21d0, 21 at 0x21f8. */
static const struct corruption corruptions[] = {
	{ "toc[20] offset past the end", TOC(20) + 4, 0x300000, "toc[20]",
	  "0x300000", 20, true, true },
	{ "toc[20] size past the end", TOC(20) + 8, 0xFFFFFFF8, "toc[20]",
	  "0xfffffff8", 20, true, true },
	{ "toc[20] misaligned", TOC(20) + 4, 0x21D4, "toc[20].offset",
	  "0x21d4", 20, true, true },
	{ "toc[20] over the header", TOC(20) + 4, 0x100, "toc[20].offset",
	  "0x100", 20, true, true },
	{ "toc[3] moved", TOC(3) + 4, 0x2000, "toc[3]", "0x2000", 3, true,
	  true },
	{ "toc[21] overlaps toc[20]", TOC(21) + 4, 0x21E0, "toc[21]",
	  "overlaps toc[20]", -1, false, true },
	{ "initialized 0", OFF_INITIALIZED, 0, "initialized", "0x0", -1, false,
	  true },
	{ "reserved 5", OFF_RESERVED, 5, "reserved", "0x5", -1, false, true },
	{ "free_offset past the end", OFF_FREE, 0x300000, "free_offset",
	  "0x300000", -1, false, true },
	{ "available past the end", OFF_AVAILABLE, 0x300000, "available",
	  "0x300000", -1, false, true },
	{ "version[7] major 0xD", OFF_VERSION + 4 * 7, 0x000D0000,
	  "version[7]", "0x000d0000", 20, false, false },
};

static void check_corruption(const struct fixture *f, const char *good,
			     const struct corruption *c)
{
	char idbuf[16];
	struct run r;
	json_t *doc, *o;
	const char *msg;
	size_t i;

	print_message("corruption: %s\n", c->what);
	copy_file(good, f->file);
	poke32(f->file, c->off, c->value);

	/* validate: one line naming field and value; -j {"valid": false}. */
	doc = check_fail_keep(ARGV("smem", "validate", "--file", f->file),
			      c->field, c->value_str);
	assert_int_equal(json_object_size(doc), 2);
	assert_false(bool_member(doc, "valid"));
	assert_non_null(strstr(str_member(doc, "error"), "corrupt heap: "));
	json_decref(doc);
	run_text(&r, ARGV("smem", "validate", "--file", f->file));
	CHECK(r.out[0] == '\0', &r);
	run_free(&r);

	/* show: lists what it can, then fails naming the field. */
	run_text(&r, ARGV("smem", "show", "--file", f->file));
	CHECK(r.rc == 1, &r);
	CHECK(one_line(r.err), &r);
	CHECK(strstr(r.err, c->field) && strstr(r.err, c->value_str), &r);
	CHECK(strstr(r.out, "free_offset ") != NULL, &r);
	if (c->listed)
		CHECK(strstr(r.out, "\n   21  SMEM_SMD_BASE_ID+7 ") != NULL, &r);
	if (c->flagged)
		CHECK(strstr(r.out, "\n  BAD  ") != NULL, &r);
	else
		CHECK(strstr(r.out, "BAD") == NULL, &r);
	run_free(&r);

	doc = run_json_rc(&r, 1, ARGV("smem", "show", "--file", f->file));
	msg = str_member(doc, "error");
	CHECK(strstr(msg, c->field) && strstr(msg, c->value_str), &r);
	assert_true(json_is_array(json_object_get(doc, "items")));
	if (c->listed)
		assert_non_null(find_item(doc, 21));
	json_array_foreach(json_object_get(doc, "items"), i, o) {
		json_t *p = json_object_get(o, "problem");

		if (!p)
			continue;
		assert_true(c->flagged);
		/* The refused entry still says which item it is. */
		assert_int_equal(int_member(o, "id"), c->bad_id);
		assert_non_null(strstr(json_string_value(p), c->field));
	}
	run_free(&r);
	{
		struct run t;

		run_text(&t, ARGV("smem", "show", "--file", f->file));
		check_items_text_json(t.out, doc);
		run_free(&t);
	}
	json_decref(doc);

	if (c->bad_id >= 0) {
		snprintf(idbuf, sizeof(idbuf), "%d", c->bad_id);
		check_error2(ARGV("smem", "get", idbuf, "--file", f->file), 1,
			     c->field, c->value_str);
	}
	/* A good item of a heap whose counters are bad is still readable. */
	if (c->listed && c->bad_id < 0)
		run_ok(ARGV("smem", "get", "21", "--file", f->file));
}

static void test_corrupt_heaps_name_field_and_value(void **state)
{
	struct fixture *f = *state;
	char good[700];
	size_t i;

	make_base_heap(f);
	path_in(f, good, sizeof(good), "good.smem");
	copy_file(f->file, good);
	for (i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++)
		check_corruption(f, good, &corruptions[i]);
}

static void test_corrupt_validate_json_keeps_document(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc;

	make_base_heap(f);
	poke32(f->file, TOC(20) + 4, 0x300000);
	doc = run_json_rc(&r, 1, ARGV("smem", "validate", "--file", f->file));
	assert_int_equal(json_object_size(doc), 2);
	assert_false(bool_member(doc, "valid"));
	assert_string_equal(str_member(doc, "error"),
			    "corrupt heap: toc[20] = offset 0x300000 size 0x28 "
			    "ends past the region (0x200000 bytes)");
	json_decref(doc);
	run_free(&r);
}

/*
 * Sound heaps whose last item ends exactly at the end of a dump: nothing
 * may read past it.  Regression: `smem show` read the 4-byte index of a
 * zero-size log index item (78) past the item, and `smem get` built its
 * hex rows from 16 bytes whatever the item's size; both read past the end
 * of the mapping (AddressSanitizer: unknown-crash in describe/hexdump).
 */
static void make_tail_dump(const struct fixture *f, const char *dump,
			   unsigned id, uint32_t size)
{
	uint32_t counters[3] = { 0x4000, 0, 0 }; /* free, available, rsvd */
	uint32_t entry[4] = { 1, 0x4000 - size, size, 0 };

	unlink(dump);
	copy_bytes(f->file, 0, dump, 0, 0x4000);
	poke(dump, OFF_FREE, counters, sizeof(counters));
	poke(dump, TOC(id), entry, sizeof(entry));
}

static void test_items_ending_at_the_dump_end_are_read_in_bounds(void **state)
{
	struct fixture *f = *state;
	char dump[700];
	struct run r;
	json_t *doc, *o;

	init_heap(f);
	path_in(f, dump, sizeof(dump), "tail.bin");

	make_tail_dump(f, dump, 78, 0);
	run_ok(ARGV("smem", "validate", "--dump", dump, "--phys", HEAP_PHYS));
	doc = run_json(&r, ARGV("smem", "show", "--dump", dump, "--phys",
				HEAP_PHYS));
	o = find_item(doc, 78);
	assert_non_null(o);
	assert_int_equal(int_member(o, "offset"), 0x4000);
	assert_int_equal(int_member(o, "size"), 0);
	assert_null(json_object_get(o, "what")); /* no index to show */
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "show", "--dump", dump, "--phys",
			  HEAP_PHYS));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "next slot") == NULL, &r);
	run_free(&r);

	make_tail_dump(f, dump, 20, 8);
	poke32(dump, 0x3FF8, 0x04030201);
	run_ok(ARGV("smem", "validate", "--dump", dump, "--phys", HEAP_PHYS));
	run_text(&r, ARGV("smem", "get", "20", "--dump", dump, "--phys",
			  HEAP_PHYS));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "  000000  01 02 03 04 00 00 00 00"
			    "                          ........\n") != NULL,
	      &r);
	run_free(&r);
	doc = run_json(&r, ARGV("smem", "get", "20", "--hex", "--dump", dump,
				"--phys", HEAP_PHYS));
	assert_string_equal(str_member(doc, "data"), "0102030400000000");
	json_decref(doc);
	run_free(&r);
}

/* ========================================================== 8. version */

static void test_version_lists_32_slots(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc, *v, *o;
	size_t i;

	init_heap(f);
	doc = run_json(&r, ARGV("smem", "version", "--file", f->file));
	v = json_object_get(doc, "versions");
	assert_int_equal(json_array_size(v), 32);
	json_array_foreach(v, i, o) {
		assert_int_equal(int_member(o, "slot"), i);
		assert_int_equal(int_member(o, "major"), i == 7 ? 11 : 0);
		assert_int_equal(int_member(o, "minor"), 0);
	}
	assert_string_equal(str_member(json_array_get(v, 7), "slot_name"),
			    "MODEM_SBL");
	assert_string_equal(str_member(json_array_get(v, 8), "slot_name"),
			    "APPS");
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "version", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(count_char(r.out, '\n') == 32, &r);
	CHECK(strstr(r.out, "[ 7] MODEM_SBL        0x000b.0000\n") != NULL, &r);
	CHECK(strstr(r.out, "[31]                  0x0000.0000\n") != NULL, &r);
	run_free(&r);
}

static void test_version_set_matches_and_differs(void **state)
{
	struct fixture *f = *state;
	uint32_t words[32];
	struct run r;
	json_t *doc;

	init_heap(f);
	/* apps registers the SMEM major: it matches the SBL's 11. */
	doc = run_json(&r, ARGV("smem", "version", "set", "3", "0x000b0001",
				"0xffff0000", "--file", f->file));
	assert_int_equal(int_member(doc, "type"), 3);
	assert_int_equal(int_member(doc, "slot"), 8);
	assert_int_equal(int_member(doc, "version"), 0x000B0001);
	assert_int_equal(int_member(doc, "mask"), 0xFFFF0000u);
	assert_true(bool_member(doc, "match"));
	json_decref(doc);
	run_free(&r);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 8), 0x000B0000);

	/* Item 109 (SMSM version): modem first, then apps with another. */
	run_text(&r, ARGV("smem", "version", "set", "109", "0x00010002",
			  "0xffffffff", "--proc", "modem", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(strstr(r.out, "item 109, slot 9: 0x00010002 under mask "
			    "0xffffffff matches every registered version\n") !=
		      NULL,
	      &r);
	run_free(&r);
	run_text(&r, ARGV("smem", "version", "set", "109", "0x00010003",
			  "0xffffffff", "--file", f->file));
	CHECK(r.rc == 1, &r);
	CHECK(strstr(r.out, "DIFFERS") != NULL, &r);
	CHECK(one_line(r.err) && strstr(r.err, "version mismatch"), &r);
	run_free(&r);
	doc = run_json_rc(&r, 1, ARGV("smem", "version", "set", "109",
				      "0x00010003", "0xffffffff", "--file",
				      f->file));
	assert_false(bool_member(doc, "match"));
	assert_int_equal(int_member(doc, "slot"), 8);
	assert_string_equal(str_member(doc, "error"), "version mismatch");
	json_decref(doc);
	run_free(&r);

	/* The 128-byte item holds both words in their slots. */
	doc = show_file(f->file);
	assert_item(doc, 109, "SMEM_VERSION_SMSM", FIRST_FREE, 128);
	json_decref(doc);
	peek(f->file, FIRST_FREE, words, sizeof(words));
	assert_int_equal(words[9], 0x00010002);
	assert_int_equal(words[8], 0x00010003);

	/* --slot picks the slot. */
	doc = run_json(&r, ARGV("smem", "version", "set", "3", "0x000b0000",
				"0xffff0000", "--slot", "20", "--file",
				f->file));
	assert_int_equal(int_member(doc, "slot"), 20);
	assert_true(bool_member(doc, "match"));
	json_decref(doc);
	run_free(&r);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 20), 0x000B0000);

	check_error(ARGV("smem", "version", "set", "100", "1", "1", "--file",
			 f->file),
		    1, "100");
	check_error(ARGV("smem", "version", "set", "3", "1", "1", "--slot",
			 "32", "--file", f->file),
		    2, "0..31");
}

/* ============================================================= 9. lock */

static void test_lock_lists_32_free_locks(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc, *v, *o;
	size_t i;

	init_heap(f);
	doc = run_json(&r, ARGV("smem", "lock", "--file", f->file));
	v = json_object_get(doc, "locks");
	assert_int_equal(json_array_size(v), 32);
	json_array_foreach(v, i, o) {
		assert_int_equal(int_member(o, "lock"), i);
		assert_int_equal(int_member(o, "owner"), 0);
		assert_string_equal(str_member(o, "owner_name"), "free");
	}
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "lock", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(count_char(r.out, '\n') == 32, &r);
	CHECK(strstr(r.out, "S:0  0 free\n") == r.out, &r);
	CHECK(strstr(r.out, "S:31 0 free\n") != NULL, &r);
	run_free(&r);
}

/* Poll `smem -j lock` until lock @n has owner @owner. */
static void wait_owner(const char *file, int n, json_int_t owner)
{
	double deadline = now_ms() + 5000;
	json_int_t seen = -1;

	while (now_ms() < deadline) {
		struct run r;
		json_t *doc = run_json(&r, ARGV("smem", "lock", "--file",
						file));

		seen = int_member(json_array_get(json_object_get(doc, "locks"),
						 (size_t)n),
				  "owner");
		json_decref(doc);
		run_free(&r);
		if (seen == owner)
			return;
		sleep_ms(10);
	}
	fail_msg("lock %d: owner %lld, expected %lld", n, (long long)seen,
		 (long long)owner);
}

static void test_lock_waiter_takes_lock_after_holder(void **state)
{
	struct fixture *f = *state;
	char out[700];
	double t0, dt;
	struct run r;
	pid_t pid;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg = spawn_bg(out, ARGV("smem", "lock", "3", "--hold", "300",
					 "--file", f->file));
	wait_owner(f->file, 3, 1); /* apps */
	/* Its processor slot is taken while it runs. */
	check_error2(ARGV("smem", "alloc", "300", "8", "--file", f->file), 1,
		     "processor apps", "live pid");
	t0 = now_ms();
	run_text(&r, ARGV("smem", "lock", "3", "--proc", "modem", "--timeout",
			  "5000", "--file", f->file));
	dt = now_ms() - t0;
	CHECK(r.rc == 0, &r);
	CHECK(!strcmp(r.out, "S:3 taken by modem\n"), &r);
	run_free(&r);
	assert_int_equal(wait_bg(pid, 5000), 0);
	f->bg = -1;
	assert_true(file_gets(out, "S:3 taken by apps\n", 0));
	/* It did wait for the holder (which slept up to 300 ms). */
	assert_true(dt > 20);
	assert_true(dt < 5000);
	wait_owner(f->file, 3, 0);
}

static void test_lock_times_out_while_held(void **state)
{
	struct fixture *f = *state;
	char out[700];
	pid_t pid;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg = spawn_bg(out, ARGV("smem", "lock", "4", "--proc", "q6",
					 "--hold", "3000", "--file", f->file));
	wait_owner(f->file, 4, 3); /* q6 */
	check_error2(ARGV("smem", "lock", "4", "--timeout", "100", "--file",
			  f->file),
		     1, "timed out", "hardware mutex 4");
	kill(pid, SIGTERM);
	wait_bg(pid, 5000);
	f->bg = -1;
}

static void test_lock_clear_prints_previous_owner(void **state)
{
	struct fixture *f = *state;
	char out[700];
	struct run r;
	json_t *doc;
	pid_t pid;
	int rc;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg = spawn_bg(out, ARGV("smem", "lock", "5", "--proc", "q6",
					 "--hold", "2000", "--file", f->file));
	wait_owner(f->file, 5, 3);
	run_text(&r, ARGV("smem", "lock", "5", "--clear", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(!strcmp(r.out, "S:5 set to 0 (was 3 q6)\n"), &r);
	run_free(&r);
	wait_owner(f->file, 5, 0);
	doc = run_json(&r, ARGV("smem", "lock", "5", "--clear", "--file",
				f->file));
	assert_int_equal(int_member(doc, "lock"), 5);
	assert_int_equal(int_member(doc, "previous_owner"), 0);
	assert_string_equal(str_member(doc, "previous_owner_name"), "free");
	json_decref(doc);
	run_free(&r);
	/* The holder finds its lock gone when it lets go: an error, not a
	 * crash. */
	rc = wait_bg(pid, 5000);
	f->bg = -1;
	assert_true(rc == 0 || rc == 1);
}

static void test_lock_unknown_processor_fails(void **state)
{
	struct fixture *f = *state;

	init_heap(f);
	check_error2(ARGV("smem", "lock", "3", "--proc", "bogus", "--file",
			  f->file),
		     1, "'bogus'", "apps modem q6 wcnss dsps rpm");
	check_error(ARGV("smem", "alloc", "300", "8", "--proc", "bogus",
			 "--file", f->file),
		    1, "'bogus'");
}

/* ============================================================== 10. log */

static void test_log_write_and_read_both_orders(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc, *ev, *e;
	char *first, *second, *last;

	init_heap(f);
	check_error2(ARGV("smem", "log", "--file", f->file), 1, "main log",
		     "does not exist");
	check_error(ARGV("smem", "log", "write", "1", "2", "3", "4", "--file",
			 f->file),
		    1, "does not exist");

	run_text(&r, ARGV("smem", "log", "init", "--proc", "modem", "--file",
			  f->file));
	CHECK(r.rc == 0, &r);
	CHECK(!strcmp(r.out, "main log ready: 2000 entries\n"), &r);
	run_free(&r);
	doc = show_file(f->file);
	assert_non_null(find_item(doc, 78));
	assert_item(doc, 79, "SMEM_SMEM_LOG_EVENTS",
		    int_member(find_item(doc, 79), "offset"), 40000);
	json_decref(doc);

	run_ok(ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
		    "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x80010000", "4", "5", "6", "7",
		    "8", "9", "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x00020001", "0xa", "0xb", "0xc",
		    "--proc", "modem", "--file", f->file));

	doc = run_json(&r, ARGV("smem", "log", "--file", f->file));
	assert_string_equal(str_member(doc, "log"), "main");
	assert_int_equal(int_member(doc, "next_index"), 4);
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 4);
	/* Newest first. */
	e = json_array_get(ev, 0);
	assert_int_equal(int_member(e, "slot"), 3);
	assert_int_equal(int_member(e, "identifier"), 0x00020001);
	assert_string_equal(str_member(e, "event"), "MODEM SMEM START");
	e = json_array_get(ev, 1);
	assert_int_equal(int_member(e, "slot"), 2);
	assert_int_equal(int_member(e, "data1"), 7);
	assert_int_equal(int_member(e, "data3"), 9);
	assert_string_equal(str_member(e, "event"), "APPS ONCRPC SMD_WAIT");
	/* The pair shares one timetick. */
	assert_int_equal(int_member(e, "timetick"),
			 int_member(json_array_get(ev, 2), "timetick"));
	e = json_array_get(ev, 3);
	assert_int_equal(int_member(e, "slot"), 0);
	assert_int_equal(int_member(e, "identifier"), 0x80020008);
	assert_int_equal(int_member(e, "data1"), 1);
	assert_int_equal(int_member(e, "data2"), 2);
	assert_int_equal(int_member(e, "data3"), 3);
	assert_string_equal(str_member(e, "event"), "APPS SMEM WRITE");
	json_decref(doc);
	run_free(&r);

	run_text(&r, ARGV("smem", "log", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(count_char(r.out, '\n') == 4, &r);
	CHECK(!strncmp(r.out, "   3  00020001 ", 15), &r);
	first = strstr(r.out, "  APPS SMEM WRITE\n");
	CHECK(first && first[strlen("  APPS SMEM WRITE\n")] == '\0', &r);
	CHECK(strstr(r.out, " 00000001 00000002 00000003  APPS SMEM WRITE\n"),
	      &r);
	run_free(&r);

	run_text(&r, ARGV("smem", "log", "--oldest-first", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(!strncmp(r.out, "   0  80020008 ", 15), &r);
	first = strstr(r.out, "   1  80010000 ");
	second = strstr(r.out, "   2  80010000 ");
	CHECK(first && second && first < second, &r);
	last = strstr(r.out, "  MODEM SMEM START\n");
	CHECK(last && last[strlen("  MODEM SMEM START\n")] == '\0', &r);
	run_free(&r);

	/* The index item holds the next slot. */
	doc = show_file(f->file);
	assert_int_equal(peek32(f->file, int_member(find_item(doc, 78),
						    "offset")),
			 4);
	json_decref(doc);
}

static void test_log_count_and_static_log(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *doc, *ev;

	init_heap(f);
	run_ok(ARGV("smem", "log", "init", "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x80020001", "1", "1", "1",
		    "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x80020002", "2", "2", "2",
		    "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x80020003", "3", "3", "3",
		    "--file", f->file));

	/* --count N: the N newest, in either order. */
	doc = run_json(&r, ARGV("smem", "log", "--count", "2", "--file",
				f->file));
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(int_member(json_array_get(ev, 0), "slot"), 2);
	assert_int_equal(int_member(json_array_get(ev, 1), "slot"), 1);
	json_decref(doc);
	run_free(&r);
	doc = run_json(&r, ARGV("smem", "log", "--count", "2", "--oldest-first",
				"--file", f->file));
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(int_member(json_array_get(ev, 0), "slot"), 1);
	assert_int_equal(int_member(json_array_get(ev, 1), "slot"), 2);
	json_decref(doc);
	run_free(&r);
	run_text(&r, ARGV("smem", "log", "--count", "1", "--file", f->file));
	CHECK(r.rc == 0, &r);
	CHECK(count_char(r.out, '\n') == 1 &&
		      strstr(r.out, "APPS SMEM RUNNING\n"),
	      &r);
	run_free(&r);

	/* The static log is separate: items 80/81, 150 entries. */
	check_error(ARGV("smem", "log", "--static", "--file", f->file), 1,
		    "static log");
	run_text(&r, ARGV("smem", "log", "init", "--static", "--file",
			  f->file));
	CHECK(!strcmp(r.out, "static log ready: 150 entries\n"), &r);
	run_free(&r);
	run_ok(ARGV("smem", "log", "write", "--static", "0x80020005", "5", "5",
		    "5", "--file", f->file));
	doc = run_json(&r, ARGV("smem", "log", "--static", "--file",
				f->file));
	assert_string_equal(str_member(doc, "log"), "static");
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 1);
	assert_string_equal(str_member(json_array_get(ev, 0), "event"),
			    "APPS SMEM RESTART");
	json_decref(doc);
	run_free(&r);
	doc = show_file(f->file);
	assert_item(doc, 81, "SMEM_SMEM_STATIC_LOG_EVENTS",
		    int_member(find_item(doc, 81), "offset"), 3000);
	json_decref(doc);
	/* ... and the main log did not change. */
	doc = run_json(&r, ARGV("smem", "log", "--file", f->file));
	assert_int_equal(json_array_size(json_object_get(doc, "events")), 3);
	json_decref(doc);
	run_free(&r);
	check_error(ARGV("smem", "log", "--power", "--file", f->file), 1,
		    "power log");
}

/* event6 at the last slot: the pair is dropped and the index wraps. */
static void test_log_event6_at_last_slot_is_dropped(void **state)
{
	struct fixture *f = *state;
	uint32_t idx_off;
	struct run r;
	json_t *doc;

	init_heap(f);
	run_ok(ARGV("smem", "log", "init", "--file", f->file));
	doc = show_file(f->file);
	idx_off = (uint32_t)int_member(find_item(doc, 78), "offset");
	json_decref(doc);
	poke32(f->file, idx_off, 1999);

	doc = run_json(&r, ARGV("smem", "log", "write", "0x80020008", "1", "2",
				"3", "4", "5", "6", "--file", f->file));
	assert_false(bool_member(doc, "written"));
	json_decref(doc);
	run_free(&r);
	assert_int_equal(peek32(f->file, idx_off), 0);
	run_text(&r, ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
			  "4", "5", "6", "--file", f->file));
	CHECK(!strcmp(r.out, "main log: written\n"), &r);
	run_free(&r);
	assert_int_equal(peek32(f->file, idx_off), 2);
}

static void test_log_follow_prints_new_events_until_sigint(void **state)
{
	struct fixture *f = *state;
	char out[700];
	char *text;
	pid_t pid;

	init_heap(f);
	run_ok(ARGV("smem", "log", "init", "--file", f->file));
	run_ok(ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
		    "--file", f->file));
	path_in(f, out, sizeof(out), "follow.out");
	pid = f->bg = spawn_bg(out, ARGV("smem", "log", "--follow", "--file",
					 f->file));
	assert_true(file_gets(out, "APPS SMEM WRITE\n", 5000));
	run_ok(ARGV("smem", "log", "write", "0x80020003", "0x11", "0x22",
		    "0x33", "--file", f->file));
	assert_true(file_gets(out, "APPS SMEM RUNNING\n", 5000));
	run_ok(ARGV("smem", "log", "write", "0x80020004", "1", "2", "3", "4",
		    "5", "6", "--file", f->file));
	assert_true(file_gets(out, " 00000004 00000005 00000006  APPS SMEM "
				   "STOP\n",
			      5000));
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(wait_bg(pid, 5000), 0);
	f->bg = -1;
	text = read_file(out);
	/* Oldest first, each event once. */
	assert_int_equal(count_char(text, '\n'), 4);
	assert_non_null(strstr(text, "   1  80020003 "));
	assert_true(strstr(text, "00000011 00000022 00000033  APPS SMEM "
				 "RUNNING\n") != NULL);
	assert_true(strstr(text, "APPS SMEM WRITE") <
		    strstr(text, "APPS SMEM RUNNING"));
	free(text);
}

/* ======================================================== 11. translate */

static void test_translate_maps_doorbell_shadow(void **state)
{
	static const char head[] = "0x2011008 is apcs-ipc (doorbell) mapped "
				   "at 0x";
	struct fixture *f = *state;
	struct run r;
	json_t *doc;

	init_heap(f);
	run_text(&r, ARGV("smem", "translate", "0x02011008", "--file",
			  f->file));
	CHECK(r.rc == 0, &r);
	CHECK(!strncmp(r.out, head, strlen(head)), &r);
	CHECK(strstr(r.out, " (memwire's shadow register), holds 0x00000000\n"),
	      &r);
	run_free(&r);
	/* The shadow holds the last value rung through the region. */
	run_ok(ARGV("region", "ring", "0x02011008", "0x8018", "--file",
		    f->file));
	doc = run_json(&r, ARGV("smem", "translate", "0x02011008", "--file",
				f->file));
	assert_int_equal(int_member(doc, "phys"), 0x02011008);
	assert_string_equal(str_member(doc, "resource"), "apcs-ipc");
	assert_string_equal(str_member(doc, "kind"), "doorbell");
	assert_true(bool_member(doc, "emulated"));
	assert_true(int_member(doc, "va") != 0);
	assert_int_equal(int_member(doc, "value"), 0x8018);
	json_decref(doc);
	run_free(&r);
	doc = run_json(&r, ARGV("smem", "translate", "0x12104080", "--file",
				f->file));
	assert_string_equal(str_member(doc, "resource"), "dsps-smd-ipc");
	json_decref(doc);
	run_free(&r);

	check_error2(ARGV("smem", "translate", "0x80000000", "--file",
			  f->file),
		     1, "0x80000000", "not one of msm8930's extra resources");
	check_error(ARGV("smem", "translate", "0x0", "--file", f->file), 1,
		    "not one of");
}

/* ==================================================== 12. usage errors */

static void test_usage_errors_exit_2_one_line(void **state)
{
	struct fixture *f = *state;
	const char *F = f->file;
	struct run r;
	json_t *doc;

	init_heap(f);
	check_error(ARGV("smem", "bogus", "--file", F), 2, "bogus");
	check_error(ARGV("smem", "show", "extra", "--file", F), 2, "extra");
	check_error(ARGV("smem", "validate", "extra", "--file", F), 2,
		    "extra");
	check_error(ARGV("smem", "init", "extra", "--file", F), 2, "extra");
	check_error(ARGV("smem", "init", "--platform", "nope", "--file", F), 2,
		    "nope");
	/*
	 * Regression: init took --phys/--size/--write and ignored them, so
	 * `smem init --phys 0x80100000 --size 64K` made a 2 MiB heap at
	 * 0x80000000.
	 */
	check_error(ARGV("smem", "init", "--phys", "0x80100000", "--size",
			 "64K", "--file", F),
		    2, "--phys, --size");
	check_error(ARGV("smem", "init", "--write", "--file", F), 2,
		    "--write");
	check_error(ARGV("smem", "alloc", "--file", F), 2, "ID SIZE");
	check_error(ARGV("smem", "alloc", "20", "--file", F), 2, "ID SIZE");
	check_error(ARGV("smem", "alloc", "x", "8", "--file", F), 2, "'x'");
	check_error(ARGV("smem", "alloc", "20", "8k", "--file", F), 2, "8k");
	check_error(ARGV("smem", "alloc", "-1", "8", "--file", F), 2, NULL);
	check_error(ARGV("smem", "get", "--file", F), 2, "expected ID");
	check_error(ARGV("smem", "get", "1", "2", "--file", F), 2,
		    "expected ID");
	check_error(ARGV("smem", "get", "zz", "--file", F), 2, "'zz'");
	check_error(ARGV("smem", "get", "1", "--hex", "--raw", "--file", F), 2,
		    "--hex and --raw");
	check_error(ARGV("smem", "version", "foo", "--file", F), 2,
		    "set TYPE VERSION MASK");
	check_error(ARGV("smem", "version", "set", "3", "--file", F), 2,
		    "set TYPE VERSION MASK");
	check_error(ARGV("smem", "version", "set", "3", "1", "0x1ffffffff",
			 "--file", F),
		    2, "mask");
	check_error(ARGV("smem", "version", "set", "3", "1", "1", "--slot",
			 "x", "--file", F),
		    2, "--slot");
	check_error(ARGV("smem", "lock", "32", "--file", F), 2, "32");
	check_error(ARGV("smem", "lock", "1", "2", "--file", F), 2, "[N]");
	check_error(ARGV("smem", "lock", "3", "--hold", "abc", "--file", F), 2,
		    "--hold");
	check_error(ARGV("smem", "lock", "3", "--timeout", "x", "--file", F),
		    2, "--timeout");
	/* Regression: these were ignored (a listing, or a clear, exit 0). */
	check_error(ARGV("smem", "lock", "--clear", "--file", F), 2,
		    "need a lock N");
	check_error(ARGV("smem", "lock", "--hold", "100", "--file", F), 2,
		    "need a lock N");
	check_error(ARGV("smem", "lock", "3", "--clear", "--hold", "100",
			 "--file", F),
		    2, "exclude");
	check_error(ARGV("smem", "log", "foo", "--file", F), 2, "'foo'");
	check_error(ARGV("smem", "log", "init", "extra", "--file", F), 2,
		    "no arguments");
	check_error(ARGV("smem", "log", "write", "1", "2", "--file", F), 2,
		    "ID D1 D2 D3");
	check_error(ARGV("smem", "log", "write", "1", "2", "3", "4", "5",
			 "--file", F),
		    2, "ID D1 D2 D3");
	check_error(ARGV("smem", "log", "write", "1", "2", "3", "0x100000000",
			 "--file", F),
		    2, "32 bits");
	check_error(ARGV("smem", "log", "--count", "x", "--file", F), 2,
		    "--count");
	check_error(ARGV("smem", "translate", "--file", F), 2, "PHYS");
	check_error(ARGV("smem", "translate", "zz", "--file", F), 2, "'zz'");
	check_error(ARGV("smem", "show", "--bogus", "--file", F), 2,
		    "--bogus");
	check_error(ARGV("smem", "show", "--file"), 2, "--file");
	check_error(ARGV("smem", "show", "--phys", HEAP_PHYS, "--file", F), 2,
		    "--phys");
	check_error(ARGV("smem", "show", "--write", "--file", F), 2,
		    "--write");
	check_error(ARGV("smem", "show", "--dump", F, "--phys", HEAP_PHYS,
			 "--file", F),
		    2, "exclude");

	/* Only with -j: --raw writes bytes, --follow prints lines. */
	doc = run_json_rc(&r, 2, ARGV("smem", "get", "1", "--raw", "--file",
				      F));
	assert_non_null(strstr(json_error_only(&r, doc), "not with -j"));
	json_decref(doc);
	run_free(&r);
	doc = run_json_rc(&r, 2, ARGV("smem", "log", "--follow", "--file", F));
	assert_non_null(strstr(json_error_only(&r, doc), "not with -j"));
	json_decref(doc);
	run_free(&r);

	/* None of them changed the heap. */
	doc = show_file(F);
	assert_int_equal(int_member(doc, "count"), 9);
	json_decref(doc);
}

/*
 * Without --file, every verb uses the default region file, which `smem
 * init` creates: $XDG_RUNTIME_DIR/memwire/msm8930.smem.
 */
static void test_default_region_file_is_in_the_run_directory(void **state)
{
	struct fixture *f = *state;
	const char *old = getenv("XDG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;
	char path[800];
	struct stat st;
	struct run r;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/memwire/msm8930.smem", f->dir);
	setenv("XDG_RUNTIME_DIR", f->dir, 1);
	check_error2(ARGV("smem", "show"), 1, "no region at", path);
	doc = run_json(&r, ARGV("smem", "init"));
	assert_string_equal(str_member(doc, "file"), path);
	json_decref(doc);
	run_free(&r);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE + CTL_PAGE);
	run_ok(ARGV("smem", "alloc", "137", "76"));
	doc = run_json(&r, ARGV("smem", "show"));
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	json_decref(doc);
	run_free(&r);
	assert_int_equal(peek32(path, TOC(137)), 1);
	if (saved)
		setenv("XDG_RUNTIME_DIR", saved, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved);
}

static void test_help_lists_every_verb(void **state)
{
	static const char *const verbs[] = { "init",    "show", "alloc",
					     "get",     "version", "lock",
					     "log",     "translate",
					     "validate" };
	struct run r;
	size_t i;

	(void)state;
	run_text(&r, ARGV("smem", "help"));
	CHECK(r.rc == 0, &r);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char pat[32];

		snprintf(pat, sizeof(pat), "%s ", verbs[i]);
		CHECK(strstr(r.out, pat) != NULL, &r);
	}
	run_free(&r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_formats_a_new_region_file),
		T(test_init_twice_fails_until_forced),
		T(test_show_lists_fixed_items_json_matches_text),
		T(test_alloc_moves_counters_by_aligned_size),
		T(test_alloc_existing_item_same_size_reports_existing),
		T(test_alloc_size_mismatch_names_both_sizes),
		T(test_alloc_refuses_fixed_item_the_loader_did_not_make),
		T(test_alloc_id_past_the_table_is_a_usage_error),
		T(test_alloc_exhausted_heap_fails_and_changes_nothing),
		T(test_get_decodes_socinfo_text_and_json),
		T(test_get_decodes_smd_channel_table),
		T(test_get_hex_json_equals_file_bytes),
		T(test_get_raw_writes_exactly_the_item),
		T(test_get_missing_item_fails),
		T(test_dump_is_inspected_read_only),
		T(test_short_dump_fails_cleanly),
		T(test_devmem_is_read_only_without_write),
		T(test_devmem_write_allocates_in_the_window),
		T(test_devmem_locks_through_sfpb_registers),
		T(test_devmem_refuses_another_processor),
		T(test_corrupt_heaps_name_field_and_value),
		T(test_corrupt_validate_json_keeps_document),
		T(test_items_ending_at_the_dump_end_are_read_in_bounds),
		T(test_version_lists_32_slots),
		T(test_version_set_matches_and_differs),
		T(test_lock_lists_32_free_locks),
		T(test_lock_waiter_takes_lock_after_holder),
		T(test_lock_times_out_while_held),
		T(test_lock_clear_prints_previous_owner),
		T(test_lock_unknown_processor_fails),
		T(test_log_write_and_read_both_orders),
		T(test_log_count_and_static_log),
		T(test_log_event6_at_last_slot_is_dropped),
		T(test_log_follow_prints_new_events_until_sigint),
		T(test_translate_maps_doorbell_shadow),
		T(test_usage_errors_exit_2_one_line),
		T(test_default_region_file_is_in_the_run_directory),
		T(test_help_lists_every_verb),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
