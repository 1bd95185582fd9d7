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
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

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

/* A path inside the test's directory. */
static void path_in(const struct tu_fixture *f, char *buf, size_t len,
		    const char *name)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

/* --------------------------------------------------- background runs */

/* Wait until the file @path contains @needle (at most @timeout_ms). */
static bool file_gets(const char *path, const char *needle, int timeout_ms)
{
	double deadline = tu_now_ms() + timeout_ms;

	do {
		char *s;
		bool found;

		/* The child may not have opened it yet. */
		if (access(path, F_OK) == 0) {
			s = tu_read_file(path);
			found = strstr(s, needle) != NULL;
			free(s);
			if (found)
				return true;
		}
		tu_sleep_ms(10);
	} while (tu_now_ms() < deadline);
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
	assert_string_equal(tu_str_member(o, "name"), name);
	assert_int_equal(tu_int_member(o, "offset"), offset);
	assert_int_equal(tu_int_member(o, "size"), size);
}

/* ---------------------------------------------------- heap helpers */

/* `smem init` on the fixture's file. */
static void init_heap(const struct tu_fixture *f)
{
	tu_run_ok(TU_ARGV("smem", "init", "--file", f->file));
}

/* `smem alloc ID SIZE` as apps; returns the item's offset. */
static uint32_t alloc_item(const char *file, const char *id, const char *size)
{
	struct tu_cmd r;
	json_t *doc = tu_run_json(
		&r, TU_ARGV("smem", "alloc", id, size, "--file", file));
	uint32_t off = (uint32_t)tu_int_member(doc, "offset");

	json_decref(doc);
	tu_cmd_free(&r);
	return off;
}

/* `-j smem show` of @file, which must be sound. */
static json_t *show_file(const char *file)
{
	struct tu_cmd r;
	json_t *doc = tu_run_json(&r, TU_ARGV("smem", "show", "--file", file));

	tu_cmd_free(&r);
	return doc;
}

/* A sound heap with items 20 and 21 (40 bytes each, SMD info items). */
static void make_base_heap(const struct tu_fixture *f)
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
			assert_int_equal(strlen(tu_str_member(o, "problem")),
					 (size_t)(e - s - 7));
			assert_memory_equal(tu_str_member(o, "problem"), s + 7,
					    (size_t)(e - s - 7));
		} else if (sscanf(s, "%u %63s 0x%x %u", &id, name, &off,
				  &size) == 4) {
			o = json_array_get(items, i);
			assert_non_null(o);
			assert_int_equal(tu_int_member(o, "id"), id);
			assert_string_equal(tu_str_member(o, "name"), name);
			assert_int_equal(tu_int_member(o, "offset"), off);
			assert_int_equal(tu_int_member(o, "size"), size);
		} else {
			break; /* "N items" */
		}
		s = e + 1;
	}
	assert_int_equal(i, json_array_size(items));
	assert_int_equal(strtoul(s, NULL, 10), tu_int_member(doc, "count"));
}

/* ============================================================ 1. init */

static void test_init_formats_a_new_region_file(void **state)
{
	struct tu_fixture *f = *state;
	struct stat st;
	struct tu_cmd r;
	json_t *doc;

	doc = tu_run_json(&r, TU_ARGV("smem", "init", "--file", f->file));
	assert_string_equal(tu_str_member(doc, "file"), f->file);
	assert_string_equal(tu_str_member(doc, "platform"), "msm8930");
	assert_int_equal(tu_int_member(doc, "phys"), 0x80000000u);
	assert_int_equal(tu_int_member(doc, "size"), HEAP_SIZE);
	assert_int_equal(tu_int_member(doc, "version"), 11);
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "available"),
			 HEAP_SIZE - FIRST_FREE);
	json_decref(doc);
	tu_cmd_free(&r);

	/* The region file: 2 MiB of heap, then the control page. */
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE + CTL_PAGE);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 7), 0x000B0000);
	assert_int_equal(peek32(f->file, OFF_INITIALIZED), 1);
	assert_int_equal(peek32(f->file, OFF_FREE), FIRST_FREE);
	assert_int_equal(peek32(f->file, OFF_AVAILABLE),
			 HEAP_SIZE - FIRST_FREE);
	assert_int_equal(peek32(f->file, OFF_RESERVED), 0);

	tu_run_text(&r, TU_ARGV("smem", "validate", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "heap is sound: SMEM version 11") != NULL, &r);
	tu_cmd_free(&r);
}

static void test_init_twice_fails_until_forced(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	tu_check_error(TU_ARGV("smem", "init", "--file", f->file), 1,
		       "--force");
	/* Refused: the item is still there. */
	doc = show_file(f->file);
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	json_decref(doc);

	tu_run_text(&r, TU_ARGV("smem", "init", "--force", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "free_offset 0x21d0") != NULL, &r);
	tu_cmd_free(&r);
	doc = show_file(f->file);
	assert_null(find_item(doc, 137));
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "count"), 9);
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
	struct tu_fixture *f = *state;
	struct tu_cmd t, j;
	json_t *doc, *v;
	size_t i;

	init_heap(f);
	tu_run_text(&t, TU_ARGV("smem", "show", "--file", f->file));
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(t.err[0] == '\0', &t);
	doc = tu_run_json(&j, TU_ARGV("smem", "show", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "version"), 11);
	assert_string_equal(tu_str_member(doc, "layout"), "global heap");
	assert_string_equal(tu_str_member(doc, "source"), "file");
	assert_int_equal(tu_int_member(doc, "initialized"), 1);
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "available"),
			 HEAP_SIZE - FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "reserved"), 0);
	assert_null(json_object_get(doc, "error"));
	/* Only the SBL has registered a version. */
	v = json_object_get(doc, "versions");
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(tu_int_member(json_array_get(v, 0), "slot"), 7);
	assert_int_equal(tu_int_member(json_array_get(v, 0), "major"), 11);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 9);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_item(doc, fixed[i].id, fixed[i].name, fixed[i].offset,
			    fixed[i].size);
	check_items_text_json(t.out, doc);
	TU_CHECK(strstr(t.out, "free_offset 0x21d0\n") != NULL, &t);
	TU_CHECK(strstr(t.out,
			"[ 7] MODEM_SBL        major 0x000b minor 0x0000") !=
			 NULL,
		 &t);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

/* ============================================================ 3. alloc */

static void test_alloc_moves_counters_by_aligned_size(void **state)
{
	struct tu_fixture *f = *state;
	uint32_t toc[4];
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	tu_run_text(&r,
		    TU_ARGV("smem", "alloc", "137", "76", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out,
			"item 137 SMEM_HW_SW_BUILD_ID: allocated at "
			"offset 0x21d0 (phys 0x800021d0), 80 bytes") != NULL,
		 &r);
	tu_cmd_free(&r);
	doc = tu_run_json(
		&r, TU_ARGV("smem", "alloc", "13", "2048", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "id"), 13);
	assert_string_equal(tu_str_member(doc, "name"),
			    "SMEM_CHANNEL_ALLOC_TBL");
	assert_string_equal(tu_str_member(doc, "result"), "allocated");
	assert_int_equal(tu_int_member(doc, "offset"), FIRST_FREE + 80);
	assert_int_equal(tu_int_member(doc, "phys"),
			 0x80000000u + FIRST_FREE + 80);
	assert_int_equal(tu_int_member(doc, "size"), 2048);
	json_decref(doc);
	tu_cmd_free(&r);

	doc = show_file(f->file);
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	assert_item(doc, 13, "SMEM_CHANNEL_ALLOC_TBL", FIRST_FREE + 80, 2048);
	assert_int_equal(tu_int_member(doc, "free_offset"),
			 FIRST_FREE + 80 + 2048);
	assert_int_equal(tu_int_member(doc, "available"),
			 HEAP_SIZE - FIRST_FREE - 80 - 2048);
	assert_int_equal(tu_int_member(doc, "count"), 11);
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
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	/* 76 and 80 both round to the item's 80 bytes. */
	doc = tu_run_json(
		&r, TU_ARGV("smem", "alloc", "137", "80", "--file", f->file));
	assert_string_equal(tu_str_member(doc, "result"), "existing");
	assert_int_equal(tu_int_member(doc, "offset"), FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "size"), 80);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r,
		    TU_ARGV("smem", "alloc", "137", "76", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, ": existing at offset 0x21d0") != NULL, &r);
	tu_cmd_free(&r);
	/* A fixed item the boot loader made is found the same way. */
	tu_run_text(&r, TU_ARGV("smem", "alloc", "7", "32", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out,
			"SMEM_SPINLOCK_ARRAY: existing at offset 0x21a8") !=
			 NULL,
		 &r);
	tu_cmd_free(&r);
	doc = show_file(f->file);
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE + 80);
	json_decref(doc);
}

static void test_alloc_size_mismatch_names_both_sizes(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	tu_check_error2(
		TU_ARGV("smem", "alloc", "137", "72", "--file", f->file), 1,
		"size 80", "72");
	tu_check_error2(
		TU_ARGV("smem", "alloc", "137", "88", "--file", f->file), 1,
		"size 80", "88");
	tu_check_error2(TU_ARGV("smem", "alloc", "6", "8", "--file", f->file),
			1, "size 200", "not 8");
	doc = show_file(f->file);
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE + 80);
	json_decref(doc);
}

static void test_alloc_refuses_fixed_item_the_loader_did_not_make(void **state)
{
	struct tu_fixture *f = *state;
	json_t *doc;

	init_heap(f);
	poke32(f->file, TOC(8), 0); /* item 8 was never allocated */
	tu_check_error2(TU_ARGV("smem", "alloc", "8", "8", "--file", f->file),
			1, "item 8", "fixed item");
	tu_check_error(TU_ARGV("smem", "get", "8", "--file", f->file), 1,
		       "not allocated");
	doc = show_file(f->file);
	assert_null(find_item(doc, 8));
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE);
	json_decref(doc);
}

static void test_alloc_id_past_the_table_is_a_usage_error(void **state)
{
	struct tu_fixture *f = *state;

	init_heap(f);
	tu_check_error(TU_ARGV("smem", "alloc", "512", "8", "--file", f->file),
		       2, "0..511");
	tu_check_error(TU_ARGV("smem", "get", "512", "--file", f->file), 2,
		       "0..511");
	tu_check_error(TU_ARGV("smem", "alloc", "20", "0x100000000", "--file",
			       f->file),
		       2, "32 bits");
}

static void test_alloc_exhausted_heap_fails_and_changes_nothing(void **state)
{
	struct tu_fixture *f = *state;
	char avail[32];
	json_t *doc;

	init_heap(f);
	tu_check_error2(
		TU_ARGV("smem", "alloc", "200", "0x200000", "--file", f->file),
		1, "exhausted", "2097152");
	doc = show_file(f->file);
	assert_null(find_item(doc, 200));
	assert_int_equal(tu_int_member(doc, "free_offset"), FIRST_FREE);
	json_decref(doc);

	/* Exactly what is left fits; then nothing does. */
	snprintf(avail, sizeof(avail), "%u", HEAP_SIZE - FIRST_FREE);
	assert_int_equal(alloc_item(f->file, "200", avail), FIRST_FREE);
	tu_check_error(TU_ARGV("smem", "alloc", "201", "8", "--file", f->file),
		       1, "exhausted");
	doc = show_file(f->file);
	assert_int_equal(tu_int_member(doc, "available"), 0);
	assert_int_equal(tu_int_member(doc, "free_offset"), HEAP_SIZE);
	assert_item(doc, 200, "SMEM_SMD_BLOCK_PORT_BASE_ID+62", FIRST_FREE,
		    HEAP_SIZE - FIRST_FREE);
	json_decref(doc);
	tu_run_ok(TU_ARGV("smem", "validate", "--file", f->file));
}

/* ============================================================== 4. get */

static void test_get_decodes_socinfo_text_and_json(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc, *si;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	write_socinfo(f->file, off);

	doc = tu_run_json(&r, TU_ARGV("smem", "get", "137", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "id"), 137);
	assert_string_equal(tu_str_member(doc, "name"), "SMEM_HW_SW_BUILD_ID");
	assert_int_equal(tu_int_member(doc, "offset"), off);
	assert_int_equal(tu_int_member(doc, "phys"), 0x80000000u + off);
	assert_int_equal(tu_int_member(doc, "size"), 80);
	assert_null(json_object_get(doc, "data")); /* only with --hex */
	si = json_object_get(doc, "socinfo");
	assert_true(json_is_object(si));
	assert_int_equal(tu_int_member(si, "format"), 7);
	assert_int_equal(tu_int_member(si, "id"), 116);
	assert_string_equal(tu_str_member(si, "chip"), "MSM8930");
	assert_int_equal(tu_int_member(si, "version_major"), 2);
	assert_int_equal(tu_int_member(si, "version_minor"), 1);
	assert_string_equal(tu_str_member(si, "build_id"),
			    "M8930BAAAANAZM1040");
	assert_int_equal(tu_int_member(si, "raw_id"), 1780);
	assert_int_equal(tu_int_member(si, "hw_platform"), 8);
	assert_int_equal(tu_int_member(si, "pmic_model"), 13);
	json_decref(doc);
	tu_cmd_free(&r);

	tu_run_text(&r, TU_ARGV("smem", "get", "137", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out,
			"item 137 SMEM_HW_SW_BUILD_ID\n"
			"  offset 0x21d0, phys 0x800021d0, 80 bytes\n") ==
			 r.out,
		 &r);
	TU_CHECK(strstr(r.out, "  chip id     116 (MSM8930)\n") != NULL, &r);
	TU_CHECK(strstr(r.out, "  build id    M8930BAAAANAZM1040\n") != NULL,
		 &r);
	/* The first 64 bytes, then how many more. */
	TU_CHECK(strstr(r.out,
			"  000000  07 00 00 00 74 00 00 00 01 00 02 00") !=
			 NULL,
		 &r);
	TU_CHECK(strstr(r.out, "  000030 ") != NULL, &r);
	TU_CHECK(strstr(r.out, "  000040 ") == NULL, &r);
	TU_CHECK(strstr(r.out, "  ... 16 more bytes (--hex shows all)\n") !=
			 NULL,
		 &r);
	tu_cmd_free(&r);

	/* show names the chip on the item's row. */
	tu_run_text(&r, TU_ARGV("smem", "show", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out,
			"socinfo MSM8930 v2.1 build \"M8930BAAAANAZM1040\"") !=
			 NULL,
		 &r);
	tu_cmd_free(&r);
}

static void test_get_decodes_smd_channel_table(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t elm[32] = { 0 };
	const uint32_t cid = 7, type = 6 | 2 << 8, ref = 1; /* wcnss packet */
	json_t *doc, *ch;
	struct tu_cmd r;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "13", "2048");
	memcpy(elm, "WLAN_CTRL", 9);
	memcpy(elm + 0x14, &cid, 4);
	memcpy(elm + 0x18, &type, 4);
	memcpy(elm + 0x1C, &ref, 4);
	poke(f->file, off + 32 * 2, elm, sizeof(elm)); /* table slot 2 */

	doc = tu_run_json(&r, TU_ARGV("smem", "get", "13", "--file", f->file));
	ch = json_object_get(doc, "channels");
	assert_int_equal(json_array_size(ch), 1);
	ch = json_array_get(ch, 0);
	assert_string_equal(tu_str_member(ch, "name"), "WLAN_CTRL");
	assert_int_equal(tu_int_member(ch, "cid"), 7);
	assert_int_equal(tu_int_member(ch, "edge"), 6);
	assert_string_equal(tu_str_member(ch, "edge_name"), "APPS_WCNSS");
	assert_string_equal(tu_str_member(ch, "xfer"), "packet");
	assert_int_equal(tu_int_member(ch, "ref_count"), 1);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("smem", "show", "--file", f->file));
	TU_CHECK(strstr(r.out, "SMD channel table, 1 channel\n") != NULL, &r);
	tu_cmd_free(&r);
}

/* --hex: "data" is the item's bytes in the file, all of them. */
static void test_get_hex_json_equals_file_bytes(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t pat[200], back[200];
	char row[100];
	struct tu_cmd r;
	json_t *doc;
	char *hx;
	size_t i;

	init_heap(f);
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	poke(f->file, 0x20E0, pat, sizeof(pat)); /* item 6, 200 bytes */
	peek(f->file, 0x20E0, back, sizeof(back));
	hx = hex_of(back, sizeof(back));

	doc = tu_run_json(
		&r, TU_ARGV("smem", "get", "6", "--hex", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "size"), 200);
	assert_string_equal(tu_str_member(doc, "data"), hx);
	json_decref(doc);
	tu_cmd_free(&r);

	/* Text --hex shows every row; the last one is 8 bytes. */
	snprintf(row, sizeof(row), "  0000c0 ");
	for (i = 192; i < 200; i++)
		snprintf(row + strlen(row), sizeof(row) - strlen(row), " %02x",
			 back[i]);
	strcat(row, "                          ");
	tu_run_text(&r,
		    TU_ARGV("smem", "get", "6", "--hex", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, row) != NULL, &r);
	TU_CHECK(strstr(r.out, "more bytes") == NULL, &r);
	tu_cmd_free(&r);
	free(hx);
}

static void test_get_raw_writes_exactly_the_item(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t pat[80], back[80];
	struct tu_cmd r;
	uint32_t off;
	size_t i;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(0xFF - i);
	poke(f->file, off, pat, sizeof(pat));
	peek(f->file, off, back, sizeof(back));
	tu_run_text(&r,
		    TU_ARGV("smem", "get", "137", "--raw", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(r.err[0] == '\0', &r);
	/* 0x00 bytes are in there: compare with memcmp, not as strings. */
	assert_memory_equal(r.out, back, sizeof(back));
	TU_CHECK(r.out[sizeof(back)] == '\0', &r); /* slurp's terminator */
	tu_cmd_free(&r);
}

static void test_get_missing_item_fails(void **state)
{
	struct tu_fixture *f = *state;

	init_heap(f);
	tu_check_error2(TU_ARGV("smem", "get", "137", "--file", f->file), 1,
			"item 137", "not allocated");
	tu_check_error(TU_ARGV("smem", "get", "0x1ff", "--file", f->file), 1,
		       "not allocated");
	tu_check_error(
		TU_ARGV("smem", "get", "1", "--file", "/nonexistent/x.smem"), 1,
		"/nonexistent/x.smem");
}

/* ======================================================= 5. raw dumps */

static void test_dump_is_inspected_read_only(void **state)
{
	struct tu_fixture *f = *state;
	char dump[700], *hx;
	uint8_t back[80];
	json_t *doc, *ref;
	struct tu_cmd r;
	struct stat st;
	uint32_t off;

	init_heap(f);
	off = alloc_item(f->file, "137", "76");
	write_socinfo(f->file, off);
	alloc_item(f->file, "13", "2048");
	path_in(f, dump, sizeof(dump), "smem.bin");
	copy_bytes(f->file, 0, dump, 0, HEAP_SIZE);

	ref = show_file(f->file);
	doc = tu_run_json(&r, TU_ARGV("smem", "show", "--dump", dump, "--phys",
				      HEAP_PHYS));
	assert_string_equal(tu_str_member(doc, "source"), "dump");
	assert_int_equal(tu_int_member(doc, "phys"), 0x80000000u);
	assert_int_equal(tu_int_member(doc, "size"), HEAP_SIZE);
	assert_true(json_equal(json_object_get(doc, "items"),
			       json_object_get(ref, "items")));
	assert_int_equal(tu_int_member(doc, "free_offset"),
			 tu_int_member(ref, "free_offset"));
	json_decref(doc);
	json_decref(ref);
	tu_cmd_free(&r);

	peek(dump, off, back, sizeof(back));
	hx = hex_of(back, sizeof(back));
	doc = tu_run_json(&r, TU_ARGV("smem", "get", "137", "--hex", "--dump",
				      dump, "--phys", HEAP_PHYS));
	assert_string_equal(tu_str_member(doc, "data"), hx);
	assert_string_equal(
		tu_str_member(json_object_get(doc, "socinfo"), "chip"),
		"MSM8930");
	json_decref(doc);
	tu_cmd_free(&r);
	free(hx);

	doc = tu_run_json(&r, TU_ARGV("smem", "validate", "--dump", dump,
				      "--phys", HEAP_PHYS));
	assert_true(tu_bool_member(doc, "valid"));
	assert_int_equal(tu_int_member(doc, "version"), 11);
	json_decref(doc);
	tu_cmd_free(&r);

	/* Every verb that writes refuses a dump, as a usage error. */
	tu_check_error(TU_ARGV("smem", "alloc", "200", "8", "--dump", dump,
			       "--phys", HEAP_PHYS),
		       2, "read-only");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "1", "1",
			       "--dump", dump, "--phys", HEAP_PHYS),
		       2, "read-only");
	tu_check_error(TU_ARGV("smem", "lock", "3", "--dump", dump, "--phys",
			       HEAP_PHYS),
		       2, "read-only");
	tu_check_error(TU_ARGV("smem", "lock", "3", "--clear", "--dump", dump,
			       "--phys", HEAP_PHYS),
		       2, "read-only");
	tu_check_error(TU_ARGV("smem", "log", "init", "--dump", dump, "--phys",
			       HEAP_PHYS),
		       2, "read-only");
	tu_check_error(TU_ARGV("smem", "log", "write", "1", "2", "3", "4",
			       "--dump", dump, "--phys", HEAP_PHYS),
		       2, "read-only");
	tu_check_error(
		TU_ARGV("smem", "init", "--dump", dump, "--phys", HEAP_PHYS), 2,
		"--file");
	tu_check_error(TU_ARGV("smem", "show", "--dump", dump), 2, "--phys");
	/* A dump has no registers. */
	tu_check_error(
		TU_ARGV("smem", "lock", "--dump", dump, "--phys", HEAP_PHYS), 1,
		"no hardware mutex");
	tu_check_error(TU_ARGV("smem", "translate", "0x02011008", "--dump",
			       dump, "--phys", HEAP_PHYS),
		       1, "apcs-ipc");
	assert_int_equal(stat(dump, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE);
	assert_int_equal(peek32(dump, TOC(200)), 0);
}

/* A dump shorter than the header is refused, not read past its end. */
static void test_short_dump_fails_cleanly(void **state)
{
	static const unsigned sizes[] = { 100, 4096, 0x20CF };
	struct tu_fixture *f = *state;
	char dump[700], sz[32];
	size_t i;

	init_heap(f);
	path_in(f, dump, sizeof(dump), "short.bin");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unlink(dump);
		copy_bytes(f->file, 0, dump, 0, sizes[i]);
		snprintf(sz, sizeof(sz), "0x%x", sizes[i]);
		tu_check_error2(TU_ARGV("smem", "show", "--dump", dump,
					"--phys", HEAP_PHYS),
				1, "smaller than the SMEM header", sz);
		tu_check_error(TU_ARGV("smem", "get", "3", "--dump", dump,
				       "--phys", HEAP_PHYS),
			       1, "smaller than the SMEM header");
		tu_check_error(TU_ARGV("smem", "log", "--dump", dump, "--phys",
				       HEAP_PHYS),
			       1, "smaller than the SMEM header");
	}
}

/* ======================================================= 6. /dev/mem */

/*
 * A sparse file standing in for /dev/mem: the heap image at 0x80000000,
 * the SFPB mutex registers at 0x01200604, the doorbells at 0x02011008.
 */
static void make_devmem(const struct tu_fixture *f, char *mem, size_t len)
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
	struct tu_fixture *f = *state;
	char mem[700], opt[800];
	json_t *doc, *ref;
	struct tu_cmd r;

	init_heap(f);
	alloc_item(f->file, "137", "76");
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);

	ref = show_file(f->file);
	doc = tu_run_json(&r,
			  TU_ARGV("smem", "show", opt, "--phys", HEAP_PHYS));
	assert_string_equal(tu_str_member(doc, "source"), "devmem");
	assert_int_equal(tu_int_member(doc, "size"), HEAP_SIZE);
	assert_true(json_equal(json_object_get(doc, "items"),
			       json_object_get(ref, "items")));
	json_decref(doc);
	json_decref(ref);
	tu_cmd_free(&r);
	tu_run_ok(TU_ARGV("smem", "validate", opt, "--phys", HEAP_PHYS));
	tu_run_ok(TU_ARGV("smem", "get", "137", opt, "--phys", HEAP_PHYS));

	tu_check_error(
		TU_ARGV("smem", "alloc", "200", "8", opt, "--phys", HEAP_PHYS),
		2, "--write");
	tu_check_error(TU_ARGV("smem", "lock", "3", opt, "--phys", HEAP_PHYS),
		       2, "--write");
	tu_check_error(TU_ARGV("smem", "log", "init", opt, "--phys", HEAP_PHYS),
		       2, "--write");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "1", "1", opt,
			       "--phys", HEAP_PHYS),
		       2, "--write");
	tu_check_error(TU_ARGV("smem", "init", opt, "--phys", HEAP_PHYS), 2,
		       "--file");
	/* Outside the platform's memory, --size is needed. */
	tu_check_error(TU_ARGV("smem", "show", opt, "--phys", "0x10000000"), 2,
		       "--size");
	assert_int_equal(peek32(mem, 0x80000000u + TOC(200)), 0);
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);
}

static void test_devmem_write_allocates_in_the_window(void **state)
{
	struct tu_fixture *f = *state;
	char mem[700], opt[800];
	uint32_t toc[3];
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);

	doc = tu_run_json(&r, TU_ARGV("smem", "alloc", "200", "12", opt,
				      "--phys", HEAP_PHYS, "--write"));
	assert_string_equal(tu_str_member(doc, "result"), "allocated");
	assert_int_equal(tu_int_member(doc, "offset"), FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "phys"), 0x80000000u + FIRST_FREE);
	assert_int_equal(tu_int_member(doc, "size"), 16);
	json_decref(doc);
	tu_cmd_free(&r);
	peek(mem, 0x80000000u + TOC(200), toc, sizeof(toc));
	assert_int_equal(toc[0], 1);
	assert_int_equal(toc[1], FIRST_FREE);
	assert_int_equal(toc[2], 16);
	assert_int_equal(peek32(mem, 0x80000000u + OFF_FREE), FIRST_FREE + 16);
	/* The region file it was copied from is untouched. */
	assert_int_equal(peek32(f->file, TOC(200)), 0);
	/* The lock was released: register 3 is 0 again. */
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);

	tu_run_ok(TU_ARGV("smem", "validate", opt, "--phys", HEAP_PHYS));
	tu_run_ok(TU_ARGV("smem", "log", "init", opt, "--phys", HEAP_PHYS,
			  "--write"));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
			  opt, "--phys", HEAP_PHYS, "--write"));
	tu_run_text(&r, TU_ARGV("smem", "log", opt, "--phys", HEAP_PHYS));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "APPS SMEM WRITE") != NULL, &r);
	tu_cmd_free(&r);
}

/*
 * With --write the heap is locked through the SFPB registers in the same
 * file, as apps (id 1).  A file is not the hardware (a write always
 * sticks), so the registers are watched: held while `lock --hold` sleeps,
 * 0 after every command, and an owner planted in them is reported.
 */
static void test_devmem_locks_through_sfpb_registers(void **state)
{
	struct tu_fixture *f = *state;
	char mem[700], opt[800], out[700];
	double deadline;
	struct tu_cmd r;
	json_t *doc, *o;
	pid_t pid;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);
	path_in(f, out, sizeof(out), "hold.out");

	pid = f->bg =
		tu_spawn_bg(out, TU_ARGV("smem", "lock", "3", "--hold", "400",
					 opt, "--phys", HEAP_PHYS, "--write"));
	deadline = tu_now_ms() + 5000;
	while (peek32(mem, SFPB_LOCK(3)) != 1 && tu_now_ms() < deadline)
		tu_sleep_ms(5);
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 1);
	/* Read-only listing of the registers. */
	doc = tu_run_json(&r,
			  TU_ARGV("smem", "lock", opt, "--phys", HEAP_PHYS));
	o = json_array_get(json_object_get(doc, "locks"), 3);
	assert_int_equal(tu_int_member(o, "lock"), 3);
	assert_int_equal(tu_int_member(o, "owner"), 1);
	assert_string_equal(tu_str_member(o, "owner_name"), "apps");
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(tu_wait_bg(pid, 10000), 0);
	f->bg = -1;
	assert_true(file_gets(out, "S:3 taken by apps", 0));
	assert_int_equal(peek32(mem, SFPB_LOCK(3)), 0);

	/* An owner planted by "the modem" (id 2) is listed and cleared. */
	poke32(mem, SFPB_LOCK(5), 2);
	doc = tu_run_json(&r,
			  TU_ARGV("smem", "lock", opt, "--phys", HEAP_PHYS));
	o = json_array_get(json_object_get(doc, "locks"), 5);
	assert_int_equal(tu_int_member(o, "owner"), 2);
	assert_string_equal(tu_str_member(o, "owner_name"), "modem");
	json_decref(doc);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("smem", "lock", "5", "--clear", opt,
				      "--phys", HEAP_PHYS, "--write"));
	assert_int_equal(tu_int_member(doc, "previous_owner"), 2);
	assert_string_equal(tu_str_member(doc, "previous_owner_name"), "modem");
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(peek32(mem, SFPB_LOCK(5)), 0);

	/* The doorbell register is mapped from the same file. */
	poke32(mem, 0x02011008, 0x8018);
	doc = tu_run_json(&r, TU_ARGV("smem", "translate", "0x02011008", opt,
				      "--phys", HEAP_PHYS));
	assert_string_equal(tu_str_member(doc, "resource"), "apcs-ipc");
	assert_false(tu_bool_member(doc, "emulated"));
	assert_int_equal(tu_int_member(doc, "value"), 0x8018);
	json_decref(doc);
	tu_cmd_free(&r);
}

/*
 * /dev/mem is always locked as apps (the SFPB id 1): --proc cannot be
 * honoured there.  Regression: `smem lock 3 --proc modem --devmem --write`
 * printed "S:3 taken by modem" while the register held 1 (apps).
 */
static void test_devmem_refuses_another_processor(void **state)
{
	struct tu_fixture *f = *state;
	char mem[700], opt[800];
	struct tu_cmd r;

	init_heap(f);
	make_devmem(f, mem, sizeof(mem));
	snprintf(opt, sizeof(opt), "--devmem=%s", mem);
	tu_check_error(TU_ARGV("smem", "lock", "3", "--proc", "modem", opt,
			       "--phys", HEAP_PHYS, "--write"),
		       2, "--proc modem");
	tu_check_error(TU_ARGV("smem", "alloc", "200", "8", "--proc", "q6", opt,
			       "--phys", HEAP_PHYS, "--write"),
		       2, "--proc q6");
	assert_int_equal(peek32(mem, 0x80000000u + TOC(200)), 0);
	tu_run_text(&r, TU_ARGV("smem", "lock", "3", "--proc", "apps", opt,
				"--phys", HEAP_PHYS, "--write"));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "S:3 taken by apps\n") != NULL, &r);
	tu_cmd_free(&r);
	/* Reading needs no processor: --proc is harmless there. */
	tu_run_ok(TU_ARGV("smem", "show", "--proc", "modem", opt, "--phys",
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

static void check_corruption(const struct tu_fixture *f, const char *good,
			     const struct corruption *c)
{
	char idbuf[16];
	struct tu_cmd r;
	json_t *doc, *o;
	const char *msg;
	size_t i;

	print_message("corruption: %s\n", c->what);
	copy_file(good, f->file);
	poke32(f->file, c->off, c->value);

	/* validate: one line naming field and value; -j {"valid": false}. */
	doc = tu_check_fail_keep(TU_ARGV("smem", "validate", "--file", f->file),
				 c->field, c->value_str);
	assert_int_equal(json_object_size(doc), 2);
	assert_false(tu_bool_member(doc, "valid"));
	assert_non_null(strstr(tu_str_member(doc, "error"), "corrupt heap: "));
	json_decref(doc);
	tu_run_text(&r, TU_ARGV("smem", "validate", "--file", f->file));
	TU_CHECK(r.out[0] == '\0', &r);
	tu_cmd_free(&r);

	/* show: lists what it can, then fails naming the field. */
	tu_run_text(&r, TU_ARGV("smem", "show", "--file", f->file));
	TU_CHECK(r.rc == 1, &r);
	TU_CHECK(tu_one_line(r.err), &r);
	TU_CHECK(strstr(r.err, c->field) && strstr(r.err, c->value_str), &r);
	TU_CHECK(strstr(r.out, "free_offset ") != NULL, &r);
	if (c->listed)
		TU_CHECK(strstr(r.out, "\n   21  SMEM_SMD_BASE_ID+7 ") != NULL,
			 &r);
	if (c->flagged)
		TU_CHECK(strstr(r.out, "\n  BAD  ") != NULL, &r);
	else
		TU_CHECK(strstr(r.out, "BAD") == NULL, &r);
	tu_cmd_free(&r);

	doc = tu_run_json_mode(&r, "-j", 1,
			       TU_ARGV("smem", "show", "--file", f->file));
	msg = tu_str_member(doc, "error");
	TU_CHECK(strstr(msg, c->field) && strstr(msg, c->value_str), &r);
	assert_true(json_is_array(json_object_get(doc, "items")));
	if (c->listed)
		assert_non_null(find_item(doc, 21));
	json_array_foreach(json_object_get(doc, "items"), i, o) {
		json_t *p = json_object_get(o, "problem");

		if (!p)
			continue;
		assert_true(c->flagged);
		/* The refused entry still says which item it is. */
		assert_int_equal(tu_int_member(o, "id"), c->bad_id);
		assert_non_null(strstr(json_string_value(p), c->field));
	}
	tu_cmd_free(&r);
	{
		struct tu_cmd t;

		tu_run_text(&t, TU_ARGV("smem", "show", "--file", f->file));
		check_items_text_json(t.out, doc);
		tu_cmd_free(&t);
	}
	json_decref(doc);

	if (c->bad_id >= 0) {
		snprintf(idbuf, sizeof(idbuf), "%d", c->bad_id);
		tu_check_error2(
			TU_ARGV("smem", "get", idbuf, "--file", f->file), 1,
			c->field, c->value_str);
	}
	/* A good item of a heap whose counters are bad is still readable. */
	if (c->listed && c->bad_id < 0)
		tu_run_ok(TU_ARGV("smem", "get", "21", "--file", f->file));
}

static void test_corrupt_heaps_name_field_and_value(void **state)
{
	struct tu_fixture *f = *state;
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
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc;

	make_base_heap(f);
	poke32(f->file, TOC(20) + 4, 0x300000);
	doc = tu_run_json_mode(&r, "-j", 1,
			       TU_ARGV("smem", "validate", "--file", f->file));
	assert_int_equal(json_object_size(doc), 2);
	assert_false(tu_bool_member(doc, "valid"));
	assert_string_equal(tu_str_member(doc, "error"),
			    "corrupt heap: toc[20] = offset 0x300000 size 0x28 "
			    "ends past the region (0x200000 bytes)");
	json_decref(doc);
	tu_cmd_free(&r);
}

/*
 * Sound heaps whose last item ends exactly at the end of a dump: nothing
 * may read past it.  Regression: `smem show` read the 4-byte index of a
 * zero-size log index item (78) past the item, and `smem get` built its
 * hex rows from 16 bytes whatever the item's size; both read past the end
 * of the mapping (AddressSanitizer: unknown-crash in describe/hexdump).
 */
static void make_tail_dump(const struct tu_fixture *f, const char *dump,
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
	struct tu_fixture *f = *state;
	char dump[700];
	struct tu_cmd r;
	json_t *doc, *o;

	init_heap(f);
	path_in(f, dump, sizeof(dump), "tail.bin");

	make_tail_dump(f, dump, 78, 0);
	tu_run_ok(TU_ARGV("smem", "validate", "--dump", dump, "--phys",
			  HEAP_PHYS));
	doc = tu_run_json(&r, TU_ARGV("smem", "show", "--dump", dump, "--phys",
				      HEAP_PHYS));
	o = find_item(doc, 78);
	assert_non_null(o);
	assert_int_equal(tu_int_member(o, "offset"), 0x4000);
	assert_int_equal(tu_int_member(o, "size"), 0);
	assert_null(json_object_get(o, "what")); /* no index to show */
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("smem", "show", "--dump", dump, "--phys",
				HEAP_PHYS));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "next slot") == NULL, &r);
	tu_cmd_free(&r);

	make_tail_dump(f, dump, 20, 8);
	poke32(dump, 0x3FF8, 0x04030201);
	tu_run_ok(TU_ARGV("smem", "validate", "--dump", dump, "--phys",
			  HEAP_PHYS));
	tu_run_text(&r, TU_ARGV("smem", "get", "20", "--dump", dump, "--phys",
				HEAP_PHYS));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "  000000  01 02 03 04 00 00 00 00"
			       "                          ........\n") != NULL,
		 &r);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("smem", "get", "20", "--hex", "--dump",
				      dump, "--phys", HEAP_PHYS));
	assert_string_equal(tu_str_member(doc, "data"), "0102030400000000");
	json_decref(doc);
	tu_cmd_free(&r);
}

/* ========================================================== 8. version */

static void test_version_lists_32_slots(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc, *v, *o;
	size_t i;

	init_heap(f);
	doc = tu_run_json(&r, TU_ARGV("smem", "version", "--file", f->file));
	v = json_object_get(doc, "versions");
	assert_int_equal(json_array_size(v), 32);
	json_array_foreach(v, i, o) {
		assert_int_equal(tu_int_member(o, "slot"), i);
		assert_int_equal(tu_int_member(o, "major"), i == 7 ? 11 : 0);
		assert_int_equal(tu_int_member(o, "minor"), 0);
	}
	assert_string_equal(tu_str_member(json_array_get(v, 7), "slot_name"),
			    "MODEM_SBL");
	assert_string_equal(tu_str_member(json_array_get(v, 8), "slot_name"),
			    "APPS");
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("smem", "version", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(tu_count_char(r.out, '\n') == 32, &r);
	TU_CHECK(strstr(r.out, "[ 7] MODEM_SBL        0x000b.0000\n") != NULL,
		 &r);
	TU_CHECK(strstr(r.out, "[31]                  0x0000.0000\n") != NULL,
		 &r);
	tu_cmd_free(&r);
}

static void test_version_set_matches_and_differs(void **state)
{
	struct tu_fixture *f = *state;
	uint32_t words[32];
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	/* apps registers the SMEM major: it matches the SBL's 11. */
	doc = tu_run_json(&r,
			  TU_ARGV("smem", "version", "set", "3", "0x000b0001",
				  "0xffff0000", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "type"), 3);
	assert_int_equal(tu_int_member(doc, "slot"), 8);
	assert_int_equal(tu_int_member(doc, "version"), 0x000B0001);
	assert_int_equal(tu_int_member(doc, "mask"), 0xFFFF0000u);
	assert_true(tu_bool_member(doc, "match"));
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 8), 0x000B0000);

	/* Item 109 (SMSM version): modem first, then apps with another. */
	tu_run_text(&r, TU_ARGV("smem", "version", "set", "109", "0x00010002",
				"0xffffffff", "--proc", "modem", "--file",
				f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out,
			"item 109, slot 9: 0x00010002 under mask "
			"0xffffffff matches every registered version\n") !=
			 NULL,
		 &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("smem", "version", "set", "109", "0x00010003",
				"0xffffffff", "--file", f->file));
	TU_CHECK(r.rc == 1, &r);
	TU_CHECK(strstr(r.out, "DIFFERS") != NULL, &r);
	TU_CHECK(tu_one_line(r.err) && strstr(r.err, "version mismatch"), &r);
	tu_cmd_free(&r);
	doc = tu_run_json_mode(&r, "-j", 1,
			       TU_ARGV("smem", "version", "set", "109",
				       "0x00010003", "0xffffffff", "--file",
				       f->file));
	assert_false(tu_bool_member(doc, "match"));
	assert_int_equal(tu_int_member(doc, "slot"), 8);
	assert_string_equal(tu_str_member(doc, "error"), "version mismatch");
	json_decref(doc);
	tu_cmd_free(&r);

	/* The 128-byte item holds both words in their slots. */
	doc = show_file(f->file);
	assert_item(doc, 109, "SMEM_VERSION_SMSM", FIRST_FREE, 128);
	json_decref(doc);
	peek(f->file, FIRST_FREE, words, sizeof(words));
	assert_int_equal(words[9], 0x00010002);
	assert_int_equal(words[8], 0x00010003);

	/* --slot picks the slot. */
	doc = tu_run_json(&r, TU_ARGV("smem", "version", "set", "3",
				      "0x000b0000", "0xffff0000", "--slot",
				      "20", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "slot"), 20);
	assert_true(tu_bool_member(doc, "match"));
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(peek32(f->file, OFF_VERSION + 4 * 20), 0x000B0000);

	tu_check_error(TU_ARGV("smem", "version", "set", "100", "1", "1",
			       "--file", f->file),
		       1, "100");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "1", "1",
			       "--slot", "32", "--file", f->file),
		       2, "0..31");
}

/* ============================================================= 9. lock */

static void test_lock_lists_32_free_locks(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc, *v, *o;
	size_t i;

	init_heap(f);
	doc = tu_run_json(&r, TU_ARGV("smem", "lock", "--file", f->file));
	v = json_object_get(doc, "locks");
	assert_int_equal(json_array_size(v), 32);
	json_array_foreach(v, i, o) {
		assert_int_equal(tu_int_member(o, "lock"), i);
		assert_int_equal(tu_int_member(o, "owner"), 0);
		assert_string_equal(tu_str_member(o, "owner_name"), "free");
	}
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("smem", "lock", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(tu_count_char(r.out, '\n') == 32, &r);
	TU_CHECK(strstr(r.out, "S:0  0 free\n") == r.out, &r);
	TU_CHECK(strstr(r.out, "S:31 0 free\n") != NULL, &r);
	tu_cmd_free(&r);
}

/* Poll `smem -j lock` until lock @n has owner @owner. */
static void wait_owner(const char *file, int n, json_int_t owner)
{
	double deadline = tu_now_ms() + 5000;
	json_int_t seen = -1;

	while (tu_now_ms() < deadline) {
		struct tu_cmd r;
		json_t *doc = tu_run_json(
			&r, TU_ARGV("smem", "lock", "--file", file));

		seen = tu_int_member(
			json_array_get(json_object_get(doc, "locks"),
				       (size_t)n),
			"owner");
		json_decref(doc);
		tu_cmd_free(&r);
		if (seen == owner)
			return;
		tu_sleep_ms(10);
	}
	fail_msg("lock %d: owner %lld, expected %lld", n, (long long)seen,
		 (long long)owner);
}

static void test_lock_waiter_takes_lock_after_holder(void **state)
{
	struct tu_fixture *f = *state;
	char out[700];
	double t0, dt;
	struct tu_cmd r;
	pid_t pid;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg = tu_spawn_bg(out, TU_ARGV("smem", "lock", "3", "--hold",
					       "300", "--file", f->file));
	wait_owner(f->file, 3, 1); /* apps */
	/* Its processor slot is taken while it runs. */
	tu_check_error2(TU_ARGV("smem", "alloc", "300", "8", "--file", f->file),
			1, "processor apps", "live pid");
	t0 = tu_now_ms();
	tu_run_text(&r, TU_ARGV("smem", "lock", "3", "--proc", "modem",
				"--timeout", "5000", "--file", f->file));
	dt = tu_now_ms() - t0;
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strcmp(r.out, "S:3 taken by modem\n"), &r);
	tu_cmd_free(&r);
	assert_int_equal(tu_wait_bg(pid, 5000), 0);
	f->bg = -1;
	assert_true(file_gets(out, "S:3 taken by apps\n", 0));
	/* It did wait for the holder (which slept up to 300 ms). */
	assert_true(dt > 20);
	assert_true(dt < 5000);
	wait_owner(f->file, 3, 0);
}

static void test_lock_times_out_while_held(void **state)
{
	struct tu_fixture *f = *state;
	char out[700];
	pid_t pid;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg =
		tu_spawn_bg(out, TU_ARGV("smem", "lock", "4", "--proc", "q6",
					 "--hold", "3000", "--file", f->file));
	wait_owner(f->file, 4, 3); /* q6 */
	tu_check_error2(TU_ARGV("smem", "lock", "4", "--timeout", "100",
				"--file", f->file),
			1, "timed out", "hardware mutex 4");
	kill(pid, SIGTERM);
	tu_wait_bg(pid, 5000);
	f->bg = -1;
}

static void test_lock_clear_prints_previous_owner(void **state)
{
	struct tu_fixture *f = *state;
	char out[700];
	struct tu_cmd r;
	json_t *doc;
	pid_t pid;
	int rc;

	init_heap(f);
	path_in(f, out, sizeof(out), "hold.out");
	pid = f->bg =
		tu_spawn_bg(out, TU_ARGV("smem", "lock", "5", "--proc", "q6",
					 "--hold", "2000", "--file", f->file));
	wait_owner(f->file, 5, 3);
	tu_run_text(&r,
		    TU_ARGV("smem", "lock", "5", "--clear", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strcmp(r.out, "S:5 set to 0 (was 3 q6)\n"), &r);
	tu_cmd_free(&r);
	wait_owner(f->file, 5, 0);
	doc = tu_run_json(
		&r, TU_ARGV("smem", "lock", "5", "--clear", "--file", f->file));
	assert_int_equal(tu_int_member(doc, "lock"), 5);
	assert_int_equal(tu_int_member(doc, "previous_owner"), 0);
	assert_string_equal(tu_str_member(doc, "previous_owner_name"), "free");
	json_decref(doc);
	tu_cmd_free(&r);
	/* The holder finds its lock gone when it lets go: an error, not a
	 * crash. */
	rc = tu_wait_bg(pid, 5000);
	f->bg = -1;
	assert_true(rc == 0 || rc == 1);
}

static void test_lock_unknown_processor_fails(void **state)
{
	struct tu_fixture *f = *state;

	init_heap(f);
	tu_check_error2(TU_ARGV("smem", "lock", "3", "--proc", "bogus",
				"--file", f->file),
			1, "'bogus'", "apps modem q6 wcnss dsps rpm");
	tu_check_error(TU_ARGV("smem", "alloc", "300", "8", "--proc", "bogus",
			       "--file", f->file),
		       1, "'bogus'");
}

/* ============================================================== 10. log */

static void test_log_write_and_read_both_orders(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc, *ev, *e;
	char *first, *second, *last;

	init_heap(f);
	tu_check_error2(TU_ARGV("smem", "log", "--file", f->file), 1,
			"main log", "does not exist");
	tu_check_error(TU_ARGV("smem", "log", "write", "1", "2", "3", "4",
			       "--file", f->file),
		       1, "does not exist");

	tu_run_text(&r, TU_ARGV("smem", "log", "init", "--proc", "modem",
				"--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strcmp(r.out, "main log ready: 2000 entries\n"), &r);
	tu_cmd_free(&r);
	doc = show_file(f->file);
	assert_non_null(find_item(doc, 78));
	assert_item(doc, 79, "SMEM_SMEM_LOG_EVENTS",
		    tu_int_member(find_item(doc, 79), "offset"), 40000);
	json_decref(doc);

	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
			  "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80010000", "4", "5", "6",
			  "7", "8", "9", "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x00020001", "0xa", "0xb",
			  "0xc", "--proc", "modem", "--file", f->file));

	doc = tu_run_json(&r, TU_ARGV("smem", "log", "--file", f->file));
	assert_string_equal(tu_str_member(doc, "log"), "main");
	assert_int_equal(tu_int_member(doc, "next_index"), 4);
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 4);
	/* Newest first. */
	e = json_array_get(ev, 0);
	assert_int_equal(tu_int_member(e, "slot"), 3);
	assert_int_equal(tu_int_member(e, "identifier"), 0x00020001);
	assert_string_equal(tu_str_member(e, "event"), "MODEM SMEM START");
	e = json_array_get(ev, 1);
	assert_int_equal(tu_int_member(e, "slot"), 2);
	assert_int_equal(tu_int_member(e, "data1"), 7);
	assert_int_equal(tu_int_member(e, "data3"), 9);
	assert_string_equal(tu_str_member(e, "event"), "APPS ONCRPC SMD_WAIT");
	/* The pair shares one timetick. */
	assert_int_equal(tu_int_member(e, "timetick"),
			 tu_int_member(json_array_get(ev, 2), "timetick"));
	e = json_array_get(ev, 3);
	assert_int_equal(tu_int_member(e, "slot"), 0);
	assert_int_equal(tu_int_member(e, "identifier"), 0x80020008);
	assert_int_equal(tu_int_member(e, "data1"), 1);
	assert_int_equal(tu_int_member(e, "data2"), 2);
	assert_int_equal(tu_int_member(e, "data3"), 3);
	assert_string_equal(tu_str_member(e, "event"), "APPS SMEM WRITE");
	json_decref(doc);
	tu_cmd_free(&r);

	tu_run_text(&r, TU_ARGV("smem", "log", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(tu_count_char(r.out, '\n') == 4, &r);
	TU_CHECK(!strncmp(r.out, "   3  00020001 ", 15), &r);
	first = strstr(r.out, "  APPS SMEM WRITE\n");
	TU_CHECK(first && first[strlen("  APPS SMEM WRITE\n")] == '\0', &r);
	TU_CHECK(
		strstr(r.out, " 00000001 00000002 00000003  APPS SMEM WRITE\n"),
		&r);
	tu_cmd_free(&r);

	tu_run_text(&r, TU_ARGV("smem", "log", "--oldest-first", "--file",
				f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strncmp(r.out, "   0  80020008 ", 15), &r);
	first = strstr(r.out, "   1  80010000 ");
	second = strstr(r.out, "   2  80010000 ");
	TU_CHECK(first && second && first < second, &r);
	last = strstr(r.out, "  MODEM SMEM START\n");
	TU_CHECK(last && last[strlen("  MODEM SMEM START\n")] == '\0', &r);
	tu_cmd_free(&r);

	/* The index item holds the next slot. */
	doc = show_file(f->file);
	assert_int_equal(
		peek32(f->file, tu_int_member(find_item(doc, 78), "offset")),
		4);
	json_decref(doc);
}

static void test_log_count_and_static_log(void **state)
{
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc, *ev;

	init_heap(f);
	tu_run_ok(TU_ARGV("smem", "log", "init", "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020001", "1", "1", "1",
			  "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020002", "2", "2", "2",
			  "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020003", "3", "3", "3",
			  "--file", f->file));

	/* --count N: the N newest, in either order. */
	doc = tu_run_json(
		&r, TU_ARGV("smem", "log", "--count", "2", "--file", f->file));
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(tu_int_member(json_array_get(ev, 0), "slot"), 2);
	assert_int_equal(tu_int_member(json_array_get(ev, 1), "slot"), 1);
	json_decref(doc);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("smem", "log", "--count", "2",
				      "--oldest-first", "--file", f->file));
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(tu_int_member(json_array_get(ev, 0), "slot"), 1);
	assert_int_equal(tu_int_member(json_array_get(ev, 1), "slot"), 2);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_run_text(&r,
		    TU_ARGV("smem", "log", "--count", "1", "--file", f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(tu_count_char(r.out, '\n') == 1 &&
			 strstr(r.out, "APPS SMEM RUNNING\n"),
		 &r);
	tu_cmd_free(&r);

	/* The static log is separate: items 80/81, 150 entries. */
	tu_check_error(TU_ARGV("smem", "log", "--static", "--file", f->file), 1,
		       "static log");
	tu_run_text(&r, TU_ARGV("smem", "log", "init", "--static", "--file",
				f->file));
	TU_CHECK(!strcmp(r.out, "static log ready: 150 entries\n"), &r);
	tu_cmd_free(&r);
	tu_run_ok(TU_ARGV("smem", "log", "write", "--static", "0x80020005", "5",
			  "5", "5", "--file", f->file));
	doc = tu_run_json(
		&r, TU_ARGV("smem", "log", "--static", "--file", f->file));
	assert_string_equal(tu_str_member(doc, "log"), "static");
	ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 1);
	assert_string_equal(tu_str_member(json_array_get(ev, 0), "event"),
			    "APPS SMEM RESTART");
	json_decref(doc);
	tu_cmd_free(&r);
	doc = show_file(f->file);
	assert_item(doc, 81, "SMEM_SMEM_STATIC_LOG_EVENTS",
		    tu_int_member(find_item(doc, 81), "offset"), 3000);
	json_decref(doc);
	/* ... and the main log did not change. */
	doc = tu_run_json(&r, TU_ARGV("smem", "log", "--file", f->file));
	assert_int_equal(json_array_size(json_object_get(doc, "events")), 3);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_check_error(TU_ARGV("smem", "log", "--power", "--file", f->file), 1,
		       "power log");
}

/* event6 at the last slot: the pair is dropped and the index wraps. */
static void test_log_event6_at_last_slot_is_dropped(void **state)
{
	struct tu_fixture *f = *state;
	uint32_t idx_off;
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	tu_run_ok(TU_ARGV("smem", "log", "init", "--file", f->file));
	doc = show_file(f->file);
	idx_off = (uint32_t)tu_int_member(find_item(doc, 78), "offset");
	json_decref(doc);
	poke32(f->file, idx_off, 1999);

	doc = tu_run_json(&r,
			  TU_ARGV("smem", "log", "write", "0x80020008", "1",
				  "2", "3", "4", "5", "6", "--file", f->file));
	assert_false(tu_bool_member(doc, "written"));
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(peek32(f->file, idx_off), 0);
	tu_run_text(&r, TU_ARGV("smem", "log", "write", "0x80020008", "1", "2",
				"3", "4", "5", "6", "--file", f->file));
	TU_CHECK(!strcmp(r.out, "main log: written\n"), &r);
	tu_cmd_free(&r);
	assert_int_equal(peek32(f->file, idx_off), 2);
}

static void test_log_follow_prints_new_events_until_sigint(void **state)
{
	struct tu_fixture *f = *state;
	char out[700];
	char *text;
	pid_t pid;

	init_heap(f);
	tu_run_ok(TU_ARGV("smem", "log", "init", "--file", f->file));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020008", "1", "2", "3",
			  "--file", f->file));
	path_in(f, out, sizeof(out), "follow.out");
	pid = f->bg = tu_spawn_bg(
		out, TU_ARGV("smem", "log", "--follow", "--file", f->file));
	assert_true(file_gets(out, "APPS SMEM WRITE\n", 5000));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020003", "0x11", "0x22",
			  "0x33", "--file", f->file));
	assert_true(file_gets(out, "APPS SMEM RUNNING\n", 5000));
	tu_run_ok(TU_ARGV("smem", "log", "write", "0x80020004", "1", "2", "3",
			  "4", "5", "6", "--file", f->file));
	assert_true(file_gets(out, " 00000004 00000005 00000006  APPS SMEM "
				   "STOP\n",
			      5000));
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(tu_wait_bg(pid, 5000), 0);
	f->bg = -1;
	text = tu_read_file(out);
	/* Oldest first, each event once. */
	assert_int_equal(tu_count_char(text, '\n'), 4);
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
	struct tu_fixture *f = *state;
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	tu_run_text(&r, TU_ARGV("smem", "translate", "0x02011008", "--file",
				f->file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strncmp(r.out, head, strlen(head)), &r);
	TU_CHECK(strstr(r.out,
			" (memwire's shadow register), holds 0x00000000\n"),
		 &r);
	tu_cmd_free(&r);
	/* The shadow holds the last value rung through the region. */
	tu_run_ok(TU_ARGV("region", "ring", "0x02011008", "0x8018", "--file",
			  f->file));
	doc = tu_run_json(&r, TU_ARGV("smem", "translate", "0x02011008",
				      "--file", f->file));
	assert_int_equal(tu_int_member(doc, "phys"), 0x02011008);
	assert_string_equal(tu_str_member(doc, "resource"), "apcs-ipc");
	assert_string_equal(tu_str_member(doc, "kind"), "doorbell");
	assert_true(tu_bool_member(doc, "emulated"));
	assert_true(tu_int_member(doc, "va") != 0);
	assert_int_equal(tu_int_member(doc, "value"), 0x8018);
	json_decref(doc);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("smem", "translate", "0x12104080",
				      "--file", f->file));
	assert_string_equal(tu_str_member(doc, "resource"), "dsps-smd-ipc");
	json_decref(doc);
	tu_cmd_free(&r);

	tu_check_error2(
		TU_ARGV("smem", "translate", "0x80000000", "--file", f->file),
		1, "0x80000000", "not one of msm8930's extra resources");
	tu_check_error(TU_ARGV("smem", "translate", "0x0", "--file", f->file),
		       1, "not one of");
}

/* ==================================================== 12. usage errors */

static void test_usage_errors_exit_2_one_line(void **state)
{
	struct tu_fixture *f = *state;
	const char *F = f->file;
	struct tu_cmd r;
	json_t *doc;

	init_heap(f);
	tu_check_error(TU_ARGV("smem", "bogus", "--file", F), 2, "bogus");
	tu_check_error(TU_ARGV("smem", "show", "extra", "--file", F), 2,
		       "extra");
	tu_check_error(TU_ARGV("smem", "validate", "extra", "--file", F), 2,
		       "extra");
	tu_check_error(TU_ARGV("smem", "init", "extra", "--file", F), 2,
		       "extra");
	tu_check_error(
		TU_ARGV("smem", "init", "--platform", "nope", "--file", F), 2,
		"nope");
	/*
	 * Regression: init took --phys/--size/--write and ignored them, so
	 * `smem init --phys 0x80100000 --size 64K` made a 2 MiB heap at
	 * 0x80000000.
	 */
	tu_check_error(TU_ARGV("smem", "init", "--phys", "0x80100000", "--size",
			       "64K", "--file", F),
		       2, "--phys, --size");
	tu_check_error(TU_ARGV("smem", "init", "--write", "--file", F), 2,
		       "--write");
	tu_check_error(TU_ARGV("smem", "alloc", "--file", F), 2, "ID SIZE");
	tu_check_error(TU_ARGV("smem", "alloc", "20", "--file", F), 2,
		       "ID SIZE");
	tu_check_error(TU_ARGV("smem", "alloc", "x", "8", "--file", F), 2,
		       "'x'");
	tu_check_error(TU_ARGV("smem", "alloc", "20", "8k", "--file", F), 2,
		       "8k");
	tu_check_error(TU_ARGV("smem", "alloc", "-1", "8", "--file", F), 2,
		       NULL);
	tu_check_error(TU_ARGV("smem", "get", "--file", F), 2, "expected ID");
	tu_check_error(TU_ARGV("smem", "get", "1", "2", "--file", F), 2,
		       "expected ID");
	tu_check_error(TU_ARGV("smem", "get", "zz", "--file", F), 2, "'zz'");
	tu_check_error(
		TU_ARGV("smem", "get", "1", "--hex", "--raw", "--file", F), 2,
		"--hex and --raw");
	tu_check_error(TU_ARGV("smem", "version", "foo", "--file", F), 2,
		       "set TYPE VERSION MASK");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "--file", F), 2,
		       "set TYPE VERSION MASK");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "1",
			       "0x1ffffffff", "--file", F),
		       2, "mask");
	tu_check_error(TU_ARGV("smem", "version", "set", "3", "1", "1",
			       "--slot", "x", "--file", F),
		       2, "--slot");
	tu_check_error(TU_ARGV("smem", "lock", "32", "--file", F), 2, "32");
	tu_check_error(TU_ARGV("smem", "lock", "1", "2", "--file", F), 2,
		       "[N]");
	tu_check_error(
		TU_ARGV("smem", "lock", "3", "--hold", "abc", "--file", F), 2,
		"--hold");
	tu_check_error(
		TU_ARGV("smem", "lock", "3", "--timeout", "x", "--file", F), 2,
		"--timeout");
	/* Regression: these were ignored (a listing, or a clear, exit 0). */
	tu_check_error(TU_ARGV("smem", "lock", "--clear", "--file", F), 2,
		       "need a lock N");
	tu_check_error(TU_ARGV("smem", "lock", "--hold", "100", "--file", F), 2,
		       "need a lock N");
	tu_check_error(TU_ARGV("smem", "lock", "3", "--clear", "--hold", "100",
			       "--file", F),
		       2, "exclude");
	tu_check_error(TU_ARGV("smem", "log", "foo", "--file", F), 2, "'foo'");
	tu_check_error(TU_ARGV("smem", "log", "init", "extra", "--file", F), 2,
		       "no arguments");
	tu_check_error(TU_ARGV("smem", "log", "write", "1", "2", "--file", F),
		       2, "ID D1 D2 D3");
	tu_check_error(TU_ARGV("smem", "log", "write", "1", "2", "3", "4", "5",
			       "--file", F),
		       2, "ID D1 D2 D3");
	tu_check_error(TU_ARGV("smem", "log", "write", "1", "2", "3",
			       "0x100000000", "--file", F),
		       2, "32 bits");
	tu_check_error(TU_ARGV("smem", "log", "--count", "x", "--file", F), 2,
		       "--count");
	tu_check_error(TU_ARGV("smem", "translate", "--file", F), 2, "PHYS");
	tu_check_error(TU_ARGV("smem", "translate", "zz", "--file", F), 2,
		       "'zz'");
	tu_check_error(TU_ARGV("smem", "show", "--bogus", "--file", F), 2,
		       "--bogus");
	tu_check_error(TU_ARGV("smem", "show", "--file"), 2, "--file");
	tu_check_error(
		TU_ARGV("smem", "show", "--phys", HEAP_PHYS, "--file", F), 2,
		"--phys");
	tu_check_error(TU_ARGV("smem", "show", "--write", "--file", F), 2,
		       "--write");
	tu_check_error(TU_ARGV("smem", "show", "--dump", F, "--phys", HEAP_PHYS,
			       "--file", F),
		       2, "exclude");

	/* Only with -j: --raw writes bytes, --follow prints lines. */
	doc = tu_run_json_mode(
		&r, "-j", 2, TU_ARGV("smem", "get", "1", "--raw", "--file", F));
	assert_non_null(strstr(tu_json_error_only(&r, doc), "not with -j"));
	json_decref(doc);
	tu_cmd_free(&r);
	doc = tu_run_json_mode(&r, "-j", 2,
			       TU_ARGV("smem", "log", "--follow", "--file", F));
	assert_non_null(strstr(tu_json_error_only(&r, doc), "not with -j"));
	json_decref(doc);
	tu_cmd_free(&r);

	/* None of them changed the heap. */
	doc = show_file(F);
	assert_int_equal(tu_int_member(doc, "count"), 9);
	json_decref(doc);
}

/*
 * Without --file, every verb uses the default region file, which `smem
 * init` creates: $XDG_RUNTIME_DIR/memwire/msm8930.smem.
 */
static void test_default_region_file_is_in_the_run_directory(void **state)
{
	struct tu_fixture *f = *state;
	const char *old = getenv("XDG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;
	char path[800];
	struct stat st;
	struct tu_cmd r;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/memwire/msm8930.smem", f->dir);
	setenv("XDG_RUNTIME_DIR", f->dir, 1);
	tu_check_error2(TU_ARGV("smem", "show"), 1, "no region at", path);
	doc = tu_run_json(&r, TU_ARGV("smem", "init"));
	assert_string_equal(tu_str_member(doc, "file"), path);
	json_decref(doc);
	tu_cmd_free(&r);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, HEAP_SIZE + CTL_PAGE);
	tu_run_ok(TU_ARGV("smem", "alloc", "137", "76"));
	doc = tu_run_json(&r, TU_ARGV("smem", "show"));
	assert_item(doc, 137, "SMEM_HW_SW_BUILD_ID", FIRST_FREE, 80);
	json_decref(doc);
	tu_cmd_free(&r);
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
	struct tu_cmd r;
	size_t i;

	(void)state;
	tu_run_text(&r, TU_ARGV("smem", "help"));
	TU_CHECK(r.rc == 0, &r);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char pat[32];

		snprintf(pat, sizeof(pat), "%s ", verbs[i]);
		TU_CHECK(strstr(r.out, pat) != NULL, &r);
	}
	tu_cmd_free(&r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_cli_setup, tu_cli_teardown)
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
