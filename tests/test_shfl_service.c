/* SPDX-License-Identifier: MIT */
/*
 * test_shfl_service.c - VBoxSharedFolders end to end: a real
 * `memwire shfl serve` process, and this process as the guest speaking
 * raw HGCM calls (memwire/hgcm.h) with parameters built by hand from the
 * reference (hgcm_shfl.md §2), never through the guest wrappers.
 *
 *   SHFLSTRING       u16 size @0, u16 length @2, chars @4 (UTF-8 + NUL)
 *   SHFLCREATEPARMS  108: handle u64 @0, result u32 @8, flags u32 @12,
 *                    info @16 (size i64 @16, fMode u32 @64)
 *   SHFLFSOBJINFO    92: size @0, fMode @48
 *   SHFLDIRINFO      126 + name.size: name.size u16 @122, name @126
 *
 * Shares of each test: rw (symlinks any), ro (read-only), none, sub
 * (symlinks subtree), next to a directory "outside" that nothing may
 * touch.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "memwire/core.h"
#include "memwire/hgcm.h"
#include "memwire/shfl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NIL (~(uint64_t)0)
#define TMO 10000

/* Reference numbers, by hand (§2.1, §2.3, §2.5). */
enum { FN_QUERY_MAPPINGS = 1, FN_QUERY_MAP_NAME, FN_CREATE, FN_CLOSE, FN_READ,
       FN_WRITE, FN_LOCK, FN_LIST, FN_INFORMATION, FN_REMOVE = 11,
       FN_MAP_FOLDER_OLD, FN_UNMAP_FOLDER, FN_RENAME, FN_FLUSH, FN_SET_UTF8,
       FN_MAP_FOLDER, FN_READLINK, FN_SYMLINK, FN_SET_SYMLINKS,
       FN_QUERY_MAP_INFO, FN_WAIT, FN_CANCEL_WAITS, FN_SET_FILE_SIZE,
       FN_QUERY_FEATURES, FN_COPY_FILE, FN_COPY_FILE_PART, FN_CLOSE_AND_REMOVE,
       FN_SET_ERROR_STYLE };

#define CF_LOOKUP 0x1u
#define CF_DIRECTORY 0x4u
#define CF_FAIL_IF_EXISTS 0x10u
#define CF_REPLACE_IF_EXISTS 0x20u
#define CF_FAIL_IF_NEW 0x100u
#define CF_READ 0x1000u
#define CF_WRITE 0x2000u
#define CF_RW 0x3000u

struct fx {
	char dir[512];
	char sock[600];
	pid_t host;
	struct hgcm_guest *g;
	uint32_t client;
	uint32_t root[5]; /* rw ro none sub (small) */
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void pathf(const struct fx *f, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", f->dir, rel);
}

/* ------------------------------------------------------- parameters */

static struct hgcm_parm U32(uint32_t v)
{
	return (struct hgcm_parm){ .type = HGCM_PARM_32BIT, .u.u32 = v };
}

static struct hgcm_parm U64(uint64_t v)
{
	return (struct hgcm_parm){ .type = HGCM_PARM_64BIT, .u.u64 = v };
}

static struct hgcm_parm BUF(void *p, uint32_t size)
{
	return (struct hgcm_parm){ .type = HGCM_PARM_LINADDR,
				   .u.buf = { p, size } };
}

/* Guest to host only (LINADDR_IN): never written back. */
static struct hgcm_parm BUF_IN(const void *p, uint32_t size)
{
	return (struct hgcm_parm){ .type = HGCM_PARM_LINADDR_IN,
				   .u.buf = { (void *)p, size } };
}

/* A UTF-8 SHFLSTRING in @b; returns its (in) parameter. */
static struct hgcm_parm STR(uint8_t *b, const char *s)
{
	uint16_t len = (uint16_t)strlen(s), size = (uint16_t)(len + 1);

	memcpy(b, &size, 2);
	memcpy(b + 2, &len, 2);
	memcpy(b + 4, s, size);
	return BUF_IN(b, 4u + size);
}

static int call(struct fx *f, uint32_t fn, struct hgcm_parm *p, uint32_t n)
{
	return hgcm_call(f->g, f->client, fn, p, n, TMO, 0);
}

static uint32_t map(struct fx *f, const char *name)
{
	uint8_t b[300];
	struct hgcm_parm p[4] = { STR(b, name), U32(0), U32('/'), U32(1) };

	assert_int_equal(call(f, FN_MAP_FOLDER, p, 4), VINF_SUCCESS);
	return p[1].u.u32;
}

/* CREATE; returns the status, *@handle and *@result. */
static int create(struct fx *f, uint32_t root, const char *path,
		  uint32_t flags, uint64_t *handle, uint32_t *result)
{
	uint8_t b[600], cp[108];
	uint64_t h = NIL;
	uint32_t mode = 0100644;
	struct hgcm_parm p[3] = { U32(root), STR(b, path), BUF(cp, 108) };
	int rc;

	memset(cp, 0, sizeof(cp));
	memcpy(cp, &h, 8);
	memcpy(cp + 12, &flags, 4);
	memcpy(cp + 16 + 48, &mode, 4);
	rc = call(f, FN_CREATE, p, 3);
	memcpy(handle, cp, 8);
	memcpy(result, cp + 8, 4);
	return rc;
}

static uint64_t open_ok(struct fx *f, uint32_t root, const char *path,
			uint32_t flags)
{
	uint64_t h;
	uint32_t res;

	assert_int_equal(create(f, root, path, flags, &h, &res), VINF_SUCCESS);
	if (h == NIL)
		fail_msg("CREATE %s (flags 0x%x): no handle, result %u", path,
			 flags, res);
	return h;
}

static int wr(struct fx *f, uint32_t root, uint64_t h, uint64_t off,
	      const void *data, uint32_t len, uint32_t *done, uint64_t *noff)
{
	struct hgcm_parm p[5] = { U32(root), U64(h), U64(off), U32(len),
				  BUF_IN(data, len) };
	int rc = call(f, FN_WRITE, p, 5);

	if (done)
		*done = p[3].u.u32;
	if (noff)
		*noff = p[2].u.u64;
	return rc;
}

static int rd(struct fx *f, uint32_t root, uint64_t h, uint64_t off,
	      void *data, uint32_t len, uint32_t *done)
{
	struct hgcm_parm p[5] = { U32(root), U64(h), U64(off), U32(len),
				  BUF(data, len) };
	int rc = call(f, FN_READ, p, 5);

	*done = p[3].u.u32;
	return rc;
}

static int cls(struct fx *f, uint32_t root, uint64_t h)
{
	struct hgcm_parm p[2] = { U32(root), U64(h) };

	return call(f, FN_CLOSE, p, 2);
}

/* --------------------------------------------------------- fixture */

static void guest_connect(struct fx *f)
{
	int64_t id;

	f->g = hgcm_guest_open(f->sock, 0);
	if (!f->g)
		fail_msg("hgcm_guest_open %s: %s", f->sock, mw_last_error());
	id = hgcm_connect(f->g, "VBoxSharedFolders", TMO);
	assert_true(id > 0);
	f->client = (uint32_t)id;
	assert_int_equal(call(f, FN_SET_UTF8, NULL, 0), VINF_SUCCESS);
}

/* Start the host over dir/{rw,ro,none,sub}[, @extra] and connect. */
static void start(struct fx *f, const char *extra)
{
	char sh[5][700], out[700];
	const char *argv[16];
	int n = 0;

	snprintf(f->sock, sizeof(f->sock), "%s/s.sock", f->dir);
	snprintf(sh[0], sizeof(sh[0]), "rw=%s/rw:symlinks=any", f->dir);
	snprintf(sh[1], sizeof(sh[1]), "ro=%s/ro:ro", f->dir);
	snprintf(sh[2], sizeof(sh[2]), "none=%s/none:symlinks=none", f->dir);
	snprintf(sh[3], sizeof(sh[3]), "sub=%s/sub:symlinks=subtree", f->dir);
	argv[n++] = "shfl";
	argv[n++] = "serve";
	argv[n++] = "--socket";
	argv[n++] = f->sock;
	for (int i = 0; i < 4; i++) {
		argv[n++] = "--share";
		argv[n++] = sh[i];
	}
	if (extra) {
		snprintf(sh[4], sizeof(sh[4]), "%s", extra);
		argv[n++] = "--share";
		argv[n++] = sh[4];
	}
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/serve.out", f->dir);
	f->host = tu_spawn_bg(out, argv);
	for (int i = 0; i < 500 && access(f->sock, F_OK); i++)
		tu_sleep_ms(10);
	assert_int_equal(access(f->sock, F_OK), 0);
	guest_connect(f);
	f->root[0] = map(f, "rw");
	f->root[1] = map(f, "RO"); /* names are case-insensitive */
	f->root[2] = map(f, "none");
	f->root[3] = map(f, "sub");
	if (extra)
		f->root[4] = map(f, "small");
}

static int setup(void **state)
{
	static const char *const dirs[] = { "rw", "ro", "none", "sub",
					    "outside", "rw/d" };
	struct fx *f = calloc(1, sizeof(*f));
	char p[700];

	tu_tmpdir(f->dir, sizeof(f->dir));
	for (size_t i = 0; i < N(dirs); i++) {
		pathf(f, p, sizeof(p), dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	pathf(f, p, sizeof(p), "outside/secret");
	put(p, "OUTSIDE");
	pathf(f, p, sizeof(p), "rw/a");
	put(p, "0123456789");
	pathf(f, p, sizeof(p), "ro/a");
	put(p, "read only");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->g)
		hgcm_guest_close(f->g);
	if (f->host > 0) {
		kill(f->host, SIGTERM);
		if (tu_wait_bg(f->host, 5000) != 0)
			fail_msg("shfl serve did not stop cleanly on SIGTERM");
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static void outside_untouched(struct fx *f)
{
	char p[700], *s;
	struct dirent *e;
	int n = 0;
	DIR *d;

	pathf(f, p, sizeof(p), "outside/secret");
	s = tu_read_file(p);
	assert_non_null(s);
	assert_string_equal(s, "OUTSIDE");
	free(s);
	pathf(f, p, sizeof(p), "outside");
	d = opendir(p);
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(n, 1);
}

/* ------------------------------------------------------------ tests */

static void test_every_function_answers_like_the_reference(void **state)
{
	struct fx *f = *state;
	uint8_t b[600], b2[600], info[92], list[4096], name[64];
	struct hgcm_parm p[8];
	uint32_t res, done, r;
	uint64_t h, h2, noff;
	char data[32], *s;

	start(f, NULL);
	r = f->root[0];
	/* QUERY_FEATURES: {WRITE_UPDATES_OFFSET, 29} */
	p[0] = U64(0), p[1] = U32(0);
	assert_int_equal(call(f, FN_QUERY_FEATURES, p, 2), VINF_SUCCESS);
	assert_int_equal(p[0].u.u64, 1);
	assert_int_equal(p[1].u.u32, 29);
	/* QUERY_MAPPINGS: 4 shares, the buffer must match the count */
	memset(list, 0, 64);
	p[0] = U32(1), p[1] = U32(8), p[2] = BUF(list, 64);
	assert_int_equal(call(f, FN_QUERY_MAPPINGS, p, 3), VINF_SUCCESS);
	assert_int_equal(p[1].u.u32, 4);
	memcpy(&res, list, 4);
	assert_int_equal(res, 1); /* SHFL_MS_NEW */
	p[0] = U32(1), p[1] = U32(2), p[2] = BUF(list, 64);
	assert_int_equal(call(f, FN_QUERY_MAPPINGS, p, 3),
			 VERR_INVALID_PARAMETER);
	p[0] = U32(1), p[1] = U32(2), p[2] = BUF(list, 16);
	assert_int_equal(call(f, FN_QUERY_MAPPINGS, p, 3),
			 VINF_BUFFER_OVERFLOW);
	/* QUERY_MAP_NAME */
	memset(name, 0, sizeof(name));
	name[0] = 60;
	p[0] = U32(f->root[3]), p[1] = BUF(name, 64);
	assert_int_equal(call(f, FN_QUERY_MAP_NAME, p, 2), VINF_SUCCESS);
	assert_int_equal(name[2], 3);
	assert_string_equal((char *)name + 4, "sub");
	/* QUERY_MAP_INFO: ro has no WRITABLE bit, rw does */
	memset(b, 0, 64), memset(b2, 0, 64), b[0] = 60, b2[0] = 60;
	p[0] = U32(f->root[1]), p[1] = BUF(b, 64), p[2] = BUF(b2, 64);
	p[3] = U64(0), p[4] = U32(0);
	assert_int_equal(call(f, FN_QUERY_MAP_INFO, p, 5), VINF_SUCCESS);
	assert_int_equal(p[3].u.u64 & 1, 0);
	p[0] = U32(r), p[3] = U64(0);
	assert_int_equal(call(f, FN_QUERY_MAP_INFO, p, 5), VINF_SUCCESS);
	assert_int_equal(p[3].u.u64 & 0x11, 0x11);
	/* MAP_FOLDER of a share that does not exist */
	p[0] = STR(b, "nosuch"), p[1] = U32(0), p[2] = U32('/'), p[3] = U32(1);
	assert_int_equal(call(f, FN_MAP_FOLDER, p, 4), VERR_FILE_NOT_FOUND);
	p[0] = STR(b, "rw"), p[2] = U32('x');
	assert_int_equal(call(f, FN_MAP_FOLDER, p, 4), VERR_INVALID_PARAMETER);

	/* CREATE soft failures: rc 0, NIL, the result says why */
	assert_int_equal(create(f, r, "/nosuch", CF_LOOKUP, &h, &res), 0);
	assert_int_equal(res, SHFL_FILE_NOT_FOUND);
	assert_int_equal(create(f, r, "/nodir/x", CF_LOOKUP, &h, &res), 0);
	assert_int_equal(res, SHFL_PATH_NOT_FOUND);
	assert_int_equal(create(f, r, "/a", CF_FAIL_IF_EXISTS | CF_RW, &h,
				&res),
			 0);
	assert_true(h == NIL && res == SHFL_FILE_EXISTS);
	assert_int_equal(create(f, r, "/b", CF_FAIL_IF_NEW | CF_RW, &h, &res),
			 0);
	assert_true(h == NIL && res == SHFL_FILE_NOT_FOUND);
	assert_int_equal(create(f, r, "/b", CF_FAIL_IF_NEW |
				CF_FAIL_IF_EXISTS | CF_RW, &h, &res),
			 VERR_INVALID_PARAMETER);
	/* create, write (offset comes back), read, stat, size, flush */
	h = open_ok(f, r, "/d/new", CF_RW);
	assert_int_equal(wr(f, r, h, 0, "hello world", 11, &done, &noff), 0);
	assert_int_equal(done, 11);
	assert_int_equal(noff, 11);
	assert_int_equal(rd(f, r, h, 6, data, sizeof(data), &done), 0);
	assert_int_equal(done, 5);
	assert_memory_equal(data, "world", 5);
	p[0] = U32(r), p[1] = U64(h), p[2] = U32(8), p[3] = U32(92);
	p[4] = BUF(info, 92);
	assert_int_equal(call(f, FN_INFORMATION, p, 5), VINF_SUCCESS);
	assert_int_equal(*(int64_t *)info, 11);
	p[0] = U32(r), p[1] = U64(h), p[2] = U64(4);
	assert_int_equal(call(f, FN_SET_FILE_SIZE, p, 3), VINF_SUCCESS);
	p[0] = U32(r), p[1] = U64(h);
	assert_int_equal(call(f, FN_FLUSH, p, 2), VINF_SUCCESS);
	/* LOCK: real locks between two handles */
	h2 = open_ok(f, r, "/d/new", CF_FAIL_IF_NEW | CF_RW);
	p[0] = U32(r), p[1] = U64(h), p[2] = U64(0), p[3] = U64(4);
	p[4] = U32(2);
	assert_int_equal(call(f, FN_LOCK, p, 5), VINF_SUCCESS);
	p[1] = U64(h2), p[4] = U32(1);
	assert_int_equal(call(f, FN_LOCK, p, 5), VERR_FILE_LOCK_VIOLATION);
	p[4] = U32(0x40);
	assert_int_equal(call(f, FN_LOCK, p, 5), VERR_INVALID_PARAMETER);
	assert_int_equal(cls(f, r, h2), 0);
	pathf(f, (char *)b, sizeof(b), "rw/d/new");
	s = tu_read_file((char *)b);
	assert_string_equal(s, "hell");
	free(s);
	/* handles: ROOT, NIL, closed, another root, another client */
	assert_int_equal(cls(f, r, 0), VERR_INVALID_PARAMETER);
	assert_int_equal(cls(f, r, NIL), VERR_INVALID_HANDLE);
	assert_int_equal(cls(f, f->root[3], h), VERR_INVALID_HANDLE);
	{
		struct fx other = *f;

		guest_connect(&other);
		other.root[0] = map(&other, "rw");
		assert_int_equal(rd(&other, r, h, 0, data, 4, &done),
				 VERR_INVALID_HANDLE);
		assert_int_equal(cls(&other, r, h), VERR_INVALID_HANDLE);
		hgcm_guest_close(other.g);
	}
	assert_int_equal(cls(f, r, h), 0);
	assert_int_equal(cls(f, r, h), VERR_INVALID_HANDLE);
	/* LIST d: ".", "..", "new" in unaligned records, then the end */
	h = open_ok(f, r, "/d", CF_DIRECTORY | CF_FAIL_IF_NEW | CF_READ);
	{
		uint32_t off = 0, seen = 0;

		p[0] = U32(r), p[1] = U64(h), p[2] = U32(0), p[3] = U32(4096);
		p[4] = BUF_IN(b2, 0), p[5] = BUF(list, 4096), p[6] = U32(0);
		p[7] = U32(0);
		assert_int_equal(call(f, FN_LIST, p, 8), VINF_SUCCESS);
		assert_int_equal(p[7].u.u32, 3);
		for (uint32_t i = 0; i < p[7].u.u32; i++) {
			uint16_t nsize, nlen;

			memcpy(&nsize, list + off + 122, 2);
			memcpy(&nlen, list + off + 124, 2);
			assert_int_equal(nsize, nlen + 1);
			if (!strcmp((char *)list + off + 126, "new"))
				seen++;
			off += 126 + nsize;
		}
		assert_int_equal(off, p[3].u.u32);
		assert_int_equal(seen, 1);
		p[3] = U32(4096), p[7] = U32(0);
		assert_int_equal(call(f, FN_LIST, p, 8), VERR_NO_MORE_FILES);
		/* RESTART + RETURN_ONE: one record, more to come */
		p[2] = U32(3), p[3] = U32(4096);
		assert_int_equal(call(f, FN_LIST, p, 8), VINF_SUCCESS);
		assert_int_equal(p[7].u.u32, 1);
		assert_int_equal(p[6].u.u32, 1);
		/* cb below 128 */
		p[2] = U32(0), p[3] = U32(100);
		assert_int_equal(call(f, FN_LIST, p, 8), VERR_INVALID_PARAMETER);
	}
	assert_int_equal(cls(f, r, h), 0);
	/* RENAME, COPY_FILE, SYMLINK/READLINK, REMOVE, CLOSE_AND_REMOVE */
	p[0] = U32(r), p[1] = STR(b, "/d/new"), p[2] = STR(b2, "/d/moved");
	p[3] = U32(1);
	assert_int_equal(call(f, FN_RENAME, p, 4), VINF_SUCCESS);
	p[0] = U32(r), p[1] = STR(b, "/d/moved"), p[2] = U32(r);
	p[3] = STR(b2, "/d/copy"), p[4] = U32(0);
	assert_int_equal(call(f, FN_COPY_FILE, p, 5), VINF_SUCCESS);
	pathf(f, (char *)list, sizeof(list), "rw/d/copy");
	s = tu_read_file((char *)list);
	assert_string_equal(s, "hell");
	free(s);
	p[0] = U32(r), p[1] = STR(b, "/ln"), p[2] = STR(b2, "d/copy");
	p[3] = BUF(info, 92);
	assert_int_equal(call(f, FN_SYMLINK, p, 4), VINF_SUCCESS);
	memset(list, 0, 64);
	p[0] = U32(r), p[1] = STR(b, "/ln"), p[2] = BUF(list, 64);
	assert_int_equal(call(f, FN_READLINK, p, 3), VINF_SUCCESS);
	assert_string_equal((char *)list, "d/copy");
	p[1] = STR(b, "/a");
	assert_int_equal(call(f, FN_READLINK, p, 3), VERR_NOT_SYMLINK);
	p[0] = U32(r), p[1] = STR(b, "/ln"), p[2] = U32(4);
	assert_int_equal(call(f, FN_REMOVE, p, 3), VINF_SUCCESS);
	p[2] = U32(8);
	assert_int_equal(call(f, FN_REMOVE, p, 3), VERR_INVALID_FLAGS);
	h = open_ok(f, r, "/d/copy", CF_FAIL_IF_NEW | CF_READ);
	p[0] = U32(r), p[1] = STR(b, "/d/copy"), p[2] = U32(1), p[3] = U64(h);
	assert_int_equal(call(f, FN_CLOSE_AND_REMOVE, p, 4), VINF_SUCCESS);
	assert_int_equal(cls(f, r, h), VERR_INVALID_HANDLE);
	/* SET_ERROR_STYLE, waits: a cancel before the wait ends it */
	p[0] = U32(2), p[1] = U32(0);
	assert_int_equal(call(f, FN_SET_ERROR_STYLE, p, 2), VINF_SUCCESS);
	p[0] = U32(9);
	assert_int_equal(call(f, FN_SET_ERROR_STYLE, p, 2),
			 VERR_INVALID_PARAMETER);
	assert_int_equal(call(f, FN_CANCEL_WAITS, NULL, 0), VINF_SUCCESS);
	p[0] = U32(1);
	assert_int_equal(call(f, FN_WAIT, p, 1), VERR_CANCELLED);
	p[0] = U32(0); /* an old version answers at once */
	assert_int_equal(call(f, FN_WAIT, p, 1), VINF_SUCCESS);
	assert_int_equal(p[0].u.u32, 1);

	/* counts, types, numbers, strings, sizes */
	p[0] = U32(r), p[1] = U64(1), p[2] = U64(0), p[3] = U32(1);
	assert_int_equal(call(f, FN_READ, p, 4), VERR_INVALID_PARAMETER);
	p[0] = U32(0), p[1] = U32(0);
	assert_int_equal(call(f, FN_QUERY_FEATURES, p, 2),
			 VERR_WRONG_PARAMETER_TYPE);
	assert_int_equal(call(f, FN_QUERY_FEATURES, p, 1),
			 VERR_WRONG_PARAMETER_COUNT);
	assert_int_equal(call(f, 10, NULL, 0), VERR_NOT_IMPLEMENTED);
	assert_int_equal(call(f, 30, NULL, 0), VERR_NOT_IMPLEMENTED);
	assert_int_equal(call(f, 0, NULL, 0), VERR_NOT_IMPLEMENTED);
	p[0] = U32(1);
	assert_int_equal(call(f, FN_SET_UTF8, p, 1), VERR_INVALID_PARAMETER);
	{
		/* u16Size past the parameter; no NUL at u16Length; bad UTF-8 */
		static const uint8_t bad[][12] = {
			{ 200, 0, 2, 0, 'a', 'b', 0 },
			{ 8, 0, 2, 0, 'a', 'b', 'c', 0 },
			{ 8, 0, 2, 0, 0xc0, 0x80, 0 },
			{ 8, 0, 8, 0, 'a', 'b', 0 },
		};
		uint8_t cp[108] = { 0 };

		for (size_t i = 0; i < N(bad); i++) {
			memcpy(b, bad[i], sizeof(bad[i]));
			p[0] = U32(r), p[1] = BUF(b, 12), p[2] = BUF(cp, 108);
			if (call(f, FN_CREATE, p, 3) != VERR_INVALID_PARAMETER)
				fail_msg("bad string %zu accepted", i);
		}
		p[0] = U32(r), p[1] = STR(b, "/a"), p[2] = BUF(cp, 107);
		assert_int_equal(call(f, FN_CREATE, p, 3),
				 VERR_INVALID_PARAMETER);
		p[0] = U32(77), p[2] = BUF(cp, 108);
		assert_int_equal(call(f, FN_CREATE, p, 3),
				 VERR_INVALID_PARAMETER);
	}
	/* UNMAP: then the root is refused */
	p[0] = U32(f->root[2]);
	assert_int_equal(call(f, FN_UNMAP_FOLDER, p, 1), VINF_SUCCESS);
	assert_int_equal(create(f, f->root[2], "/x", CF_LOOKUP, &h, &res),
			 VERR_ACCESS_DENIED);
	outside_untouched(f);
}

/* abs -> outside, rel -> ../outside in rw; and the ".." paths. */
static void test_escapes_fail_and_touch_nothing(void **state)
{
	static const char *const paths[] = {
		"/../outside/secret", "/d/../../outside/secret",
		"/abs/secret", "/rel/secret", "/d/up/outside/secret",
	};
	struct fx *f = *state;
	uint8_t b[600], b2[600];
	struct hgcm_parm p[4];
	uint64_t h;
	uint32_t res, r;
	char q[700];

	pathf(f, q, sizeof(q), "rw/abs");
	assert_int_equal(symlink(f->dir, q) + 0, 0);
	pathf(f, q, sizeof(q), "rw/rel");
	assert_int_equal(symlink("../outside", q), 0);
	pathf(f, q, sizeof(q), "rw/d/up");
	assert_int_equal(symlink("../..", q), 0);
	/* abs points at the parent of outside: "/abs/outside/secret" */
	start(f, NULL);
	r = f->root[0];
	for (size_t i = 0; i < N(paths); i++) {
		static const uint32_t how[] = {
			CF_LOOKUP, CF_FAIL_IF_NEW | CF_READ, CF_RW,
			CF_REPLACE_IF_EXISTS | CF_RW,
			CF_DIRECTORY | CF_FAIL_IF_NEW | CF_READ,
		};
		const char *pp = paths[i];
		char alt[200];

		if (!strcmp(pp, "/abs/secret")) {
			snprintf(alt, sizeof(alt), "/abs/outside/secret");
			pp = alt;
		}
		for (size_t k = 0; k < N(how); k++) {
			int rc = create(f, r, pp, how[k], &h, &res);

			if (rc != VERR_INVALID_NAME || h != NIL)
				fail_msg("CREATE %s 0x%x: %d (%s), handle "
					 "%llx", pp, how[k], rc,
					 hgcm_status_name(rc),
					 (unsigned long long)h);
		}
		p[0] = U32(r), p[1] = STR(b, pp), p[2] = U32(1);
		assert_int_equal(call(f, FN_REMOVE, p, 3), VERR_INVALID_NAME);
		p[0] = U32(r), p[1] = STR(b, pp), p[2] = STR(b2, "/stolen");
		p[3] = U32(5);
		assert_int_equal(call(f, FN_RENAME, p, 4), VERR_INVALID_NAME);
		p[1] = STR(b, "/a"), p[2] = STR(b2, pp);
		assert_int_equal(call(f, FN_RENAME, p, 4), VERR_INVALID_NAME);
		p[0] = U32(r), p[1] = STR(b, pp), p[2] = U32(r);
		p[3] = STR(b2, "/copied");
		p[4 - 1] = STR(b2, "/copied");
		{
			struct hgcm_parm c5[5] = { U32(r), STR(b, pp), U32(r),
						   STR(b2, "/copied"),
						   U32(0) };

			assert_int_equal(call(f, FN_COPY_FILE, c5, 5),
					 VERR_INVALID_NAME);
		}
	}
	/* with SET_SYMLINKS a link out is visible as a link, not followed */
	assert_int_equal(call(f, FN_SET_SYMLINKS, NULL, 0), VINF_SUCCESS);
	assert_int_equal(create(f, r, "/rel", CF_LOOKUP, &h, &res), 0);
	assert_int_equal(res, SHFL_FILE_EXISTS);
	outside_untouched(f);
}

struct race {
	char a[700], b[700];
	atomic_bool stop;
	long swaps;
};

static void *swapper(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop))
		if (renameat2(AT_FDCWD, r->a, AT_FDCWD, r->b,
			      RENAME_EXCHANGE) == 0)
			r->swaps++;
	return NULL;
}

static void test_symlink_swapped_in_a_loop_never_escapes(void **state)
{
	struct fx *f = *state;
	struct race race = { 0 };
	uint8_t b[600], b2[600];
	struct hgcm_parm p[4];
	int inside = 0, refused = 0;
	uint32_t res, done, r;
	char data[16], q[700];
	pthread_t t;
	uint64_t h;
	double end;

	pathf(f, q, sizeof(q), "rw/d/secret");
	put(q, "inside");
	pathf(f, q, sizeof(q), "rw/evil");
	assert_int_equal(symlink("../outside", q), 0);
	start(f, NULL);
	r = f->root[0];
	pathf(f, race.a, sizeof(race.a), "rw/d");
	pathf(f, race.b, sizeof(race.b), "rw/evil");
	assert_int_equal(pthread_create(&t, NULL, swapper, &race), 0);
	end = tu_now_ms() + 1500;
	while (tu_now_ms() < end) {
		if (create(f, r, "/d/secret", CF_FAIL_IF_NEW | CF_READ, &h,
			   &res) == 0 &&
		    h != NIL) {
			assert_int_equal(rd(f, r, h, 0, data, sizeof(data),
					    &done),
					 0);
			if (done == 7 && !memcmp(data, "OUTSIDE", 7))
				fail_msg("read outside/secret through a "
					 "swapped symlink");
			inside++;
			cls(f, r, h);
		} else {
			refused++;
		}
		p[0] = U32(r), p[1] = STR(b, "/d/secret");
		p[2] = STR(b2, "/d/secret2"), p[3] = U32(5);
		if (call(f, FN_RENAME, p, 4) == 0) {
			p[1] = STR(b, "/d/secret2"), p[2] = STR(b2, "/d/secret");
			call(f, FN_RENAME, p, 4);
		}
		if (create(f, r, "/d/planted", CF_RW, &h, &res) == 0 &&
		    h != NIL)
			cls(f, r, h);
	}
	atomic_store(&race.stop, true);
	pthread_join(t, NULL);
	if (race.swaps < 50 || !inside || !refused)
		fail_msg("no race: %ld swaps, %d opened inside, %d refused",
			 race.swaps, inside, refused);
	outside_untouched(f);
}

/* Every mutating function on the read-only share, and the tree after. */
static void test_read_only_share_refuses_every_mutation(void **state)
{
	struct fx *f = *state;
	uint8_t b[600], b2[600], info[92] = { 0 };
	struct hgcm_parm p[8];
	uint32_t res, r, w;
	uint64_t h, hw;
	char q[700], *s;
	int rc;

	start(f, NULL);
	r = f->root[1];
	w = f->root[0];
	/* CREATE_IF_NEW (the default) is refused even for an existing file */
	assert_int_equal(create(f, r, "/a", CF_READ, &h, &res),
			 VERR_WRITE_PROTECT);
	assert_int_equal(create(f, r, "/new", CF_RW, &h, &res),
			 VERR_WRITE_PROTECT);
	assert_int_equal(create(f, r, "/a", CF_REPLACE_IF_EXISTS |
				CF_FAIL_IF_NEW | CF_RW, &h, &res),
			 VERR_WRITE_PROTECT);
	assert_int_equal(create(f, r, "/dir", CF_DIRECTORY | CF_RW, &h, &res),
			 VERR_WRITE_PROTECT);
	/* opening works (write access dropped), then writes fail */
	h = open_ok(f, r, "/a", CF_FAIL_IF_NEW | CF_RW);
	assert_int_equal(wr(f, r, h, 0, "XX", 2, NULL, NULL),
			 VERR_WRITE_PROTECT);
	p[0] = U32(r), p[1] = U64(h), p[2] = U64(0);
	assert_int_equal(call(f, FN_SET_FILE_SIZE, p, 3), VERR_WRITE_PROTECT);
	for (uint32_t fl = 0x9; fl <= 0xd; fl += 4) { /* SET|FILE, SET|SIZE */
		uint32_t mode = 0100777;

		memcpy(info + 48, &mode, 4);
		p[0] = U32(r), p[1] = U64(h), p[2] = U32(fl), p[3] = U32(92);
		p[4] = BUF(info, 92);
		assert_int_equal(call(f, FN_INFORMATION, p, 5),
				 VERR_WRITE_PROTECT);
	}
	p[0] = U32(r), p[1] = STR(b, "/a"), p[2] = U32(1);
	assert_int_equal(call(f, FN_REMOVE, p, 3), VERR_WRITE_PROTECT);
	p[3] = U64(h);
	assert_int_equal(call(f, FN_CLOSE_AND_REMOVE, p, 4), VERR_WRITE_PROTECT);
	p[0] = U32(r), p[1] = STR(b, "/a"), p[2] = STR(b2, "/b"), p[3] = U32(5);
	assert_int_equal(call(f, FN_RENAME, p, 4), VERR_WRITE_PROTECT);
	p[0] = U32(r), p[1] = STR(b, "/l"), p[2] = STR(b2, "a");
	p[3] = BUF(info, 92);
	assert_int_equal(call(f, FN_SYMLINK, p, 4), VERR_WRITE_PROTECT);
	p[0] = U32(w), p[1] = STR(b, "/a"), p[2] = U32(r);
	p[3] = STR(b2, "/copy"), p[4] = U32(0);
	assert_int_equal(call(f, FN_COPY_FILE, p, 5), VERR_WRITE_PROTECT);
	h = open_ok(f, r, "/a", CF_FAIL_IF_NEW | CF_READ);
	hw = open_ok(f, w, "/a", CF_FAIL_IF_NEW | CF_READ);
	p[0] = U32(w), p[1] = U64(hw), p[2] = U64(0), p[3] = U32(r);
	p[4] = U64(h), p[5] = U64(0), p[6] = U64(4), p[7] = U32(0);
	rc = call(f, FN_COPY_FILE_PART, p, 8);
	assert_int_equal(rc, VERR_WRITE_PROTECT);
	/* the share is as it was */
	pathf(f, q, sizeof(q), "ro/a");
	s = tu_read_file(q);
	assert_string_equal(s, "read only");
	free(s);
	{
		struct dirent *e;
		int n = 0;
		DIR *d;

		pathf(f, q, sizeof(q), "ro");
		d = opendir(q);
		while ((e = readdir(d)))
			n++;
		closedir(d);
		assert_int_equal(n, 3);
	}
	/* reads still work */
	{
		char data[16];
		uint32_t done;

		assert_int_equal(rd(f, r, h, 0, data, 9, &done), 0);
		assert_int_equal(done, 9);
	}
}

static void test_symlink_creation_follows_the_policy(void **state)
{
	static const struct {
		int share; /* 0 rw (any), 2 none, 3 sub (subtree) */
		const char *target;
		int rc;
	} t[] = {
		{ 2, "a", VERR_WRITE_PROTECT },
		{ 2, "/etc", VERR_WRITE_PROTECT },
		{ 3, "a", VINF_SUCCESS },
		{ 3, "d/x", VINF_SUCCESS },
		{ 3, "../outside", VERR_WRITE_PROTECT },
		{ 3, "d/../../x", VERR_WRITE_PROTECT },
		{ 3, "/etc", VERR_WRITE_PROTECT },
		{ 0, "a", VINF_SUCCESS },
		{ 0, "../outside", VINF_SUCCESS },
		{ 0, "/etc", VINF_SUCCESS },
	};
	struct fx *f = *state;
	uint8_t b[600], b2[600], info[92], info1[91];
	struct hgcm_parm p[4];
	uint32_t res;
	uint64_t h;

	start(f, NULL);
	for (size_t i = 0; i < N(t); i++) {
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "/l%zu", i);
		p[0] = U32(f->root[t[i].share]), p[1] = STR(b, name);
		p[2] = STR(b2, t[i].target), p[3] = BUF(info, 92);
		rc = call(f, FN_SYMLINK, p, 4);
		if (rc != t[i].rc)
			fail_msg("share %d: symlink -> %s: %d, expected %d",
				 t[i].share, t[i].target, rc, t[i].rc);
	}
	/* info must be exactly 92 bytes */
	p[0] = U32(f->root[0]), p[1] = STR(b, "/lx"), p[2] = STR(b2, "a");
	p[3] = BUF(info1, 91);
	assert_int_equal(call(f, FN_SYMLINK, p, 4), VERR_INVALID_PARAMETER);
	/* a link created to the outside is still never followed out */
	assert_int_equal(create(f, f->root[0], "/l8/secret",
				CF_FAIL_IF_NEW | CF_READ, &h, &res),
			 VERR_INVALID_NAME);
	assert_int_equal(create(f, f->root[0], "/l9/passwd",
				CF_FAIL_IF_NEW | CF_READ, &h, &res),
			 VERR_INVALID_NAME);
	outside_untouched(f);
}

static void test_device_nodes_and_fifos_are_refused(void **state)
{
	struct fx *f = *state;
	uint32_t res, r;
	char q[700];
	uint64_t h;
	double t0;

	pathf(f, q, sizeof(q), "rw/fifo");
	assert_int_equal(mkfifo(q, 0666), 0);
	pathf(f, q, sizeof(q), "rw/zero");
	assert_int_equal(mknod(q, S_IFCHR | 0666, makedev(1, 5)), 0);
	start(f, NULL);
	r = f->root[0];
	t0 = tu_now_ms();
	assert_int_equal(create(f, r, "/fifo", CF_FAIL_IF_NEW | CF_READ, &h,
				&res),
			 VERR_ACCESS_DENIED);
	assert_int_equal(create(f, r, "/fifo", CF_RW, &h, &res),
			 VERR_ACCESS_DENIED);
	assert_int_equal(create(f, r, "/zero", CF_FAIL_IF_NEW | CF_RW, &h,
				&res),
			 VERR_ACCESS_DENIED);
	assert_true(tu_now_ms() - t0 < 2000);
	/* they can still be looked at */
	assert_int_equal(create(f, r, "/fifo", CF_LOOKUP, &h, &res), 0);
	assert_int_equal(res, SHFL_FILE_EXISTS);
}

static void test_suid_is_stripped_through_the_service(void **state)
{
	struct fx *f = *state;
	uint8_t info[92] = { 0 };
	struct hgcm_parm p[5];
	struct stat st;
	uint32_t mode, r;
	char q[700];
	uint64_t h;

	pathf(f, q, sizeof(q), "rw/suid");
	put(q, "x");
	assert_int_equal(chmod(q, 06755), 0);
	start(f, NULL);
	r = f->root[0];
	/* what the guest sees never carries the bits */
	h = open_ok(f, r, "/suid", CF_FAIL_IF_NEW | CF_READ);
	p[0] = U32(r), p[1] = U64(h), p[2] = U32(8), p[3] = U32(92);
	p[4] = BUF(info, 92);
	assert_int_equal(call(f, FN_INFORMATION, p, 5), 0);
	memcpy(&mode, info + 48, 4);
	assert_int_equal(mode & 07000, 0);
	cls(f, r, h);
	/* opening for writing strips them on the host */
	h = open_ok(f, r, "/suid", CF_FAIL_IF_NEW | CF_RW);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* and setting them is impossible */
	mode = 0107777;
	memcpy(info + 48, &mode, 4);
	p[0] = U32(r), p[1] = U64(h), p[2] = U32(9), p[3] = U32(92);
	p[4] = BUF(info, 92);
	assert_int_equal(call(f, FN_INFORMATION, p, 5), 0);
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(st.st_mode & 07000, 0);
	assert_int_equal(st.st_mode & 0777, 0777);
}

static int count_fds(pid_t pid)
{
	char p[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	d = opendir(p);
	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_guest_killed_mid_write_leaves_no_fd(void **state)
{
	struct fx *f = *state;
	int before, during = 0, after = 0;
	pid_t child;

	start(f, NULL);
	before = count_fds(f->host);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* a second guest: 50 handles open, then writes forever */
		static char chunk[1 << 20];
		struct fx g = *f;
		uint64_t h[50];
		uint32_t r;

		g.g = NULL;
		g.g = hgcm_guest_open(f->sock, 0);
		if (!g.g)
			_exit(2);
		int64_t id = hgcm_connect(g.g, "VBoxSharedFolders", TMO);

		if (id <= 0)
			_exit(3);
		g.client = (uint32_t)id;
		hgcm_call(g.g, g.client, FN_SET_UTF8, NULL, 0, TMO, 0);
		{
			uint8_t b[64];
			struct hgcm_parm p[4] = { STR(b, "rw"), U32(0),
						  U32('/'), U32(1) };

			if (hgcm_call(g.g, g.client, FN_MAP_FOLDER, p, 4, TMO,
				      0))
				_exit(4);
			r = p[1].u.u32;
		}
		for (int i = 0; i < 50; i++) {
			char name[32];
			uint32_t res;

			snprintf(name, sizeof(name), "/k%d", i);
			if (create(&g, r, name, CF_RW, &h[i], &res) ||
			    h[i] == NIL)
				_exit(5);
		}
		for (uint64_t off = 0;; off += sizeof(chunk))
			wr(&g, r, h[off / sizeof(chunk) % 50], off % (64 << 20),
			   chunk, sizeof(chunk), NULL, NULL);
	}
	for (int i = 0; i < 300 && during < before + 50; i++) {
		tu_sleep_ms(10);
		during = count_fds(f->host);
	}
	tu_sleep_ms(100); /* writes in flight */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (during < before + 50)
		fail_msg("the guest never had its handles: %d fds, %d before",
			 during, before);
	for (int i = 0; i < 500; i++) {
		after = count_fds(f->host);
		if (after <= before)
			break;
		tu_sleep_ms(10);
	}
	if (after != before)
		fail_msg("host fds: %d before, %d with the guest, %d after it "
			 "was killed", before, during, after);
	/* and the host still serves */
	uint32_t res;
	uint64_t h;

	assert_int_equal(create(f, f->root[0], "/a", CF_LOOKUP, &h, &res), 0);
	assert_int_equal(res, SHFL_FILE_EXISTS);
}

static void test_handle_limit_per_client(void **state)
{
	struct fx *f = *state;
	uint32_t res, r;
	uint64_t h;
	int i;

	start(f, NULL);
	r = f->root[0];
	for (i = 0; i < 1024; i++)
		if (create(f, r, "/a", CF_FAIL_IF_NEW | CF_READ, &h, &res) ||
		    h == NIL)
			fail_msg("handle %d refused", i);
	assert_int_equal(create(f, r, "/a", CF_FAIL_IF_NEW | CF_READ, &h,
				&res),
			 VERR_TOO_MANY_OPEN_FILES);
	assert_true(h == NIL);
}

/* ENOSPC from a real 1 MiB tmpfs: VERR_DISK_FULL, nothing acked lost. */
static void test_disk_full_loses_nothing_acknowledged(void **state)
{
	struct fx *f = *state;
	static uint8_t chunk[64 * 1024], back[64 * 1024];
	uint64_t off = 0, h;
	uint32_t done, r;
	char mnt[700], spec[800];
	int rc = 0;

	pathf(f, mnt, sizeof(mnt), "small");
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("memwire-test", mnt, "tmpfs", 0, "size=1M") < 0)
		fail_msg("mount tmpfs: %s (the tests run as root)",
			 strerror(errno));
	snprintf(spec, sizeof(spec), "small=%s", mnt);
	start(f, spec);
	r = f->root[4];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(i * 13 + 1);
	h = open_ok(f, r, "/big", CF_RW);
	for (int i = 0; i < 64; i++) {
		rc = wr(f, r, h, off, chunk, sizeof(chunk), &done, NULL);
		if (rc)
			break;
		off += done;
	}
	assert_int_equal(rc, VERR_DISK_FULL);
	assert_true(off > 0);
	for (uint64_t o = 0; o < off; o += done) {
		uint32_t want = off - o < sizeof(back) ? (uint32_t)(off - o) :
							  sizeof(back);

		assert_int_equal(rd(f, r, h, o, back, want, &done), 0);
		assert_int_equal(done, want);
		for (uint32_t k = 0; k < done; k++)
			if (back[k] != chunk[(o + k) % sizeof(chunk)])
				fail_msg("acknowledged byte %llu lost",
					 (unsigned long long)(o + k));
	}
	assert_int_equal(cls(f, r, h), 0);
	hgcm_guest_close(f->g);
	f->g = NULL;
	kill(f->host, SIGTERM);
	assert_int_equal(tu_wait_bg(f->host, 5000), 0);
	f->host = 0;
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_function_answers_like_the_reference),
		T(test_escapes_fail_and_touch_nothing),
		T(test_symlink_swapped_in_a_loop_never_escapes),
		T(test_read_only_share_refuses_every_mutation),
		T(test_symlink_creation_follows_the_policy),
		T(test_device_nodes_and_fifos_are_refused),
		T(test_suid_is_stripped_through_the_service),
		T(test_guest_killed_mid_write_leaves_no_fd),
		T(test_handle_limit_per_client),
		T(test_disk_full_loses_nothing_acknowledged),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
