// SPDX-License-Identifier: MIT
/*
 * service.c - the "VBoxSharedFolders" HGCM service: host directories
 * served to guests with VirtualBox's shared-folder protocol.
 *
 * Theory of operation (reference hgcm_shfl.md §2, §3; vbsf.h in seed 003):
 *
 *   guest ── HGCM call(fn, parms[]) ──> shfl_svc_dispatch()
 *     1. the function's parameter count and types are checked against
 *        shfl_fn_table (layout.h): 'u' 32-bit, 'U' 64-bit, 'p' buffer
 *     2. values: strings with ShflStringIsValidIn/Out in the client's
 *        encoding, exact struct sizes, flag masks, handles owned by the
 *        caller and opened under the same root, roots the client mapped
 *     3. guest paths become normalised relative paths (no "..") and
 *        hostfs.c does the work beneath the share's directory fd
 *     4. out values are written into the host copies of the parameters;
 *        HGCM writes them back to the guest when the call completes
 *
 * Everything completes synchronously except WAIT_FOR_MAPPINGS_CHANGES,
 * which parks the call until a cancel (the share list never changes
 * while a host runs).  Calls of one client can run on several worker
 * threads at once: the client's state (flags, mappings, handles) sits
 * under the client's mutex, a handle is pinned by a reference while a
 * call uses it, and CLOSE only drops the table's reference.  A directory
 * handle serialises its LIST calls (the cursor lives in the handle).
 *
 * docs/shfl.md lists every function and where memwire deliberately
 * differs from VirtualBox; "NOTE: stricter" marks those places here.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_i.h"
#include "memwire/hgcm.h"
#include "memwire/shfl.h"
#include "shfl/hostfs.h"
#include "shfl/layout.h"
#include "shfl/service_i.h"

/* ------------------------------------------------------------ state */

struct shfl_root {
	char *name; /* UTF-8 */
	char *path;
	int fd;	    /* O_PATH directory */
	bool ro;
	enum shfl_symlink_policy symlinks;
};

struct shfl_waiter {
	struct hgcm_call *call;
	void *client;
};

struct shfl_svc {
	pthread_mutex_t lock; /* waiters */
	struct shfl_root roots[SHFL_MAX_MAPPINGS];
	uint32_t nroots;
	uint32_t version; /* mappings configuration version */
	struct shfl_waiter waiters[SHFL_SVC_MAX_WAITERS];
	uint32_t nwaiters;
};

#define H_FILE 1u
#define H_DIR 2u

struct shfl_handle {
	uint32_t type;
	uint32_t root;
	uint32_t gen;
	int refs;     /* the table's + one per call using it */
	int fd;	      /* files */
	bool writable;
	bool append;
	/* directories */
	pthread_mutex_t dlock;
	struct hostfs_dir *dir;
	char *rel;	/* the directory's path, for following entries */
	char *pending;	/* a name that did not fit in the last LIST */
	char *filter;	/* pattern of the first filtered LIST */
};

struct shfl_svc_client {
	pthread_mutex_t lock;
	uint32_t flags;	    /* SHFL_CLIENT_* */
	char delim;	    /* '/' or '\\', 0 until the first MAP_FOLDER */
	uint32_t error_style;
	uint16_t map_count[SHFL_MAX_MAPPINGS];
	uint8_t icase[SHFL_MAX_MAPPINGS];
	struct shfl_handle *slots[SHFL_SVC_MAX_HANDLES];
	uint32_t gens[SHFL_SVC_MAX_HANDLES];
	uint32_t nopen;
	uint32_t cursor;
};

size_t shfl_svc_client_size(void)
{
	return sizeof(struct shfl_svc_client);
}

/* ----------------------------------------------------------- names */

const char *shfl_fn_name(uint32_t fn)
{
	if (fn > SHFL_FN_LAST || !shfl_fn_table[fn].parms)
		return NULL;
	return shfl_fn_table[fn].name;
}

/* ------------------------------------------------------- parameters */

static inline struct shfl_svc_client *cl_of(void *client)
{
	return client;
}

/* The buffer of a PTR parameter (NULL when empty). */
static uint8_t *ptr_of(const struct hgcm_svc_parm *p, uint32_t *size)
{
	*size = p->u.ptr.addr ? p->u.ptr.size : 0;
	return p->u.ptr.addr;
}

/* Step 1: exact count and types (VirtualBox: the handler's own checks). */
static int check_parms(uint32_t fn, uint32_t cparms,
		       const struct hgcm_svc_parm *parms)
{
	const char *want = shfl_fn_table[fn].parms;
	/* functions of 6.0 and later use the ASSERT_GUEST codes (§2.1) */
	bool modern = fn >= SHFL_FN_QUERY_MAP_INFO &&
		      fn != SHFL_FN_CLOSE_AND_REMOVE;
	size_t n = strlen(want);

	if (cparms != n)
		return modern ? VERR_WRONG_PARAMETER_COUNT :
				VERR_INVALID_PARAMETER;
	if (n && !parms)
		return VERR_INVALID_PARAMETER;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = want[i] == 'u' ? HGCM_SVC_PARM_32BIT :
			     want[i] == 'U' ? HGCM_SVC_PARM_64BIT :
					      HGCM_SVC_PARM_PTR;

		/* NOTE: stricter: CLOSE_AND_REMOVE's handle type is checked */
		if (parms[i].type != t)
			return modern ? VERR_WRONG_PARAMETER_TYPE :
					VERR_INVALID_PARAMETER;
	}
	return VINF_SUCCESS;
}

/* ------------------------------------------------------ UTF-8/UTF-16 */

/* Valid UTF-8 of exactly @len bytes, no NUL, no surrogates/overlongs. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t c = s[i], min;
		int n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1, c &= 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, c &= 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, c &= 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= (size_t)n)
			return false;
		for (int k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += (size_t)n + 1;
	}
	return true;
}

/* UTF-16LE (@units code units, no NUL) to a new UTF-8 string. */
static char *utf16_to_utf8(const uint8_t *s, size_t units)
{
	char *out = malloc(units * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < units; i++) {
		uint32_t c = (uint32_t)s[2 * i] | (uint32_t)s[2 * i + 1] << 8;

		if (c == 0)
			goto bad;
		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t d;

			if (i + 1 >= units)
				goto bad;
			d = (uint32_t)s[2 * i + 2] | (uint32_t)s[2 * i + 3] << 8;
			if (d < 0xdc00 || d > 0xdfff)
				goto bad;
			c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
			i++;
		} else if (c >= 0xdc00 && c <= 0xdfff) {
			goto bad;
		}
		if (c < 0x80) {
			*o++ = (char)c;
		} else if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (char)(0xf0 | c >> 18);
			*o++ = (char)(0x80 | (c >> 12 & 0x3f));
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/*
 * Valid UTF-8 @s to UTF-16LE in @out (@cap bytes); returns the bytes
 * written (without terminator) or -1 when it does not fit.
 */
static long utf8_to_utf16(const char *s, uint8_t *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t o = 0;

	while (*p) {
		uint32_t c = *p;
		int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

		c &= n == 0 ? 0x7f : n == 1 ? 0x1f : n == 2 ? 0x0f : 0x07;
		for (int k = 1; k <= n; k++)
			c = c << 6 | (p[k] & 0x3f);
		p += n + 1;
		if (c >= 0x10000) {
			if (o + 4 > cap)
				return -1;
			c -= 0x10000;
			uint32_t hi = 0xd800 + (c >> 10), lo = 0xdc00 + (c & 0x3ff);

			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (o + 2 > cap)
				return -1;
			out[o++] = (uint8_t)c;
			out[o++] = (uint8_t)(c >> 8);
		}
	}
	return (long)o;
}

/* ---------------------------------------------------------- strings */

static char client_delim(struct shfl_svc_client *c)
{
	char d;

	pthread_mutex_lock(&c->lock);
	d = c->delim ? c->delim : '/';
	pthread_mutex_unlock(&c->lock);
	return d;
}

static bool client_utf8(struct shfl_svc_client *c)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	r = c->flags & SHFL_CLIENT_UTF8;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/*
 * ShflStringIsValidIn (§2.2) in the client's encoding, then a new UTF-8
 * copy in *@out.  Everything is read from the parameter's buffer only
 * after the header was checked against the parameter's size.
 */
static int string_in(struct shfl_svc_client *c, const struct hgcm_svc_parm *p,
		     char **out)
{
	uint16_t size, length;
	uint32_t cb;
	uint8_t *b = ptr_of(p, &cb);

	*out = NULL;
	if (!b || cb <= SHFLSTRING_HEADER_SIZE)
		return VERR_INVALID_PARAMETER;
	memcpy(&size, b, 2);
	memcpy(&length, b + 2, 2);
	if (SHFLSTRING_HEADER_SIZE + (uint32_t)size > cb)
		return VERR_INVALID_PARAMETER;
	b += SHFLSTRING_HEADER_SIZE;
	if (client_utf8(c)) {
		if (length >= size || b[length] != 0 || !utf8_valid(b, length))
			return VERR_INVALID_PARAMETER;
		*out = malloc((size_t)length + 1);
		if (!*out)
			return VERR_NO_MEMORY;
		memcpy(*out, b, length);
		(*out)[length] = '\0';
		return VINF_SUCCESS;
	}
	if ((length & 1) || (uint32_t)length + 2 > size ||
	    b[length] != 0 || b[length + 1] != 0)
		return VERR_INVALID_PARAMETER;
	*out = utf16_to_utf8(b, length / 2);
	return *out ? VINF_SUCCESS : VERR_INVALID_PARAMETER;
}

/* ShflStringIsValidOut (§2.2); returns the room for characters. */
static int string_out_check(const struct hgcm_svc_parm *p, uint16_t *room)
{
	uint16_t size, length;
	uint32_t cb;
	uint8_t *b = ptr_of(p, &cb);

	if (!b || cb <= SHFLSTRING_HEADER_SIZE)
		return VERR_INVALID_PARAMETER;
	memcpy(&size, b, 2);
	memcpy(&length, b + 2, 2);
	if (SHFLSTRING_HEADER_SIZE + (uint32_t)size > cb || length >= size)
		return VERR_INVALID_PARAMETER;
	*room = size;
	return VINF_SUCCESS;
}

/* Write UTF-8 @s into an out SHFLSTRING in the client's encoding. */
static int string_put(struct shfl_svc_client *c, struct hgcm_svc_parm *p,
		      const char *s)
{
	uint16_t room, length;
	uint32_t cb;
	uint8_t *b = ptr_of(p, &cb);
	int rc;

	rc = string_out_check(p, &room);
	if (rc)
		return rc;
	if (client_utf8(c)) {
		size_t n = strlen(s);

		if (n + 1 > room)
			return VERR_BUFFER_OVERFLOW;
		memcpy(b + SHFLSTRING_HEADER_SIZE, s, n + 1);
		length = (uint16_t)n;
	} else {
		long n;

		if (room < 2)
			return VERR_BUFFER_OVERFLOW;
		n = utf8_to_utf16(s, b + SHFLSTRING_HEADER_SIZE,
				  (size_t)room - 2);
		if (n < 0)
			return VERR_BUFFER_OVERFLOW;
		b[SHFLSTRING_HEADER_SIZE + n] = 0;
		b[SHFLSTRING_HEADER_SIZE + n + 1] = 0;
		length = (uint16_t)n;
	}
	memcpy(b + 2, &length, 2);
	return VINF_SUCCESS;
}

/*
 * A guest path as a relative host path beneath the share (§3.3 steps
 * 3-5): leading delimiters dropped, the client's delimiter becomes '/',
 * "." dropped, ".." applied lexically; a ".." above the root is
 * VERR_INVALID_NAME as in VirtualBox.  "" becomes ".".  The kernel
 * (hostfs.c) then keeps symlinks inside the share too.
 */
static int path_from_guest(struct shfl_svc_client *c, const char *g,
			   char **out)
{
	char delim = client_delim(c), *buf, *o;
	size_t len = strlen(g), depth = 0;
	size_t *starts;

	*out = NULL;
	buf = malloc(len + 2);
	starts = malloc((len / 2 + 2) * sizeof(*starts));
	if (!buf || !starts) {
		free(buf);
		free(starts);
		return VERR_NO_MEMORY;
	}
	o = buf;
	for (const char *p = g; *p;) {
		const char *e;
		size_t n;

		while (*p == delim)
			p++;
		if (!*p)
			break;
		for (e = p; *e && *e != delim; e++)
			/* NOTE: with '\\' as delimiter a '/' is a bad char */
			if (*e == '/')
				goto bad_name;
		n = (size_t)(e - p);
		if (n > NAME_MAX) {
			free(buf);
			free(starts);
			return VERR_FILENAME_TOO_LONG;
		}
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!depth)
				goto bad_name;
			o = buf + starts[--depth];
		} else {
			starts[depth++] = (size_t)(o - buf);
			if (o != buf)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = e;
	}
	/* starts[] holds where the '/' before a component begins */
	if (o == buf)
		*o++ = '.';
	*o = '\0';
	free(starts);
	*out = buf;
	return VINF_SUCCESS;
bad_name:
	free(buf);
	free(starts);
	return VERR_INVALID_NAME;
}

/* string_in() + path_from_guest() */
static int path_in(struct shfl_svc_client *c, const struct hgcm_svc_parm *p,
		   char **rel)
{
	char *g;
	int rc;

	*rel = NULL;
	rc = string_in(c, p, &g);
	if (rc)
		return rc;
	rc = path_from_guest(c, g, rel);
	free(g);
	return rc;
}

/* ------------------------------------------------------------ roots */

/*
 * A root the call may use.  @mapped: the client must have mapped it
 * (NOTE: stricter; VirtualBox accepts any valid root id).
 */
static int root_get(struct shfl_svc *s, struct shfl_svc_client *c,
		    uint32_t root, bool mapped, struct shfl_root **out)
{
	bool ok;

	if (root >= s->nroots)
		return VERR_INVALID_PARAMETER;
	if (mapped) {
		pthread_mutex_lock(&c->lock);
		ok = c->map_count[root] > 0;
		pthread_mutex_unlock(&c->lock);
		if (!ok)
			return VERR_ACCESS_DENIED;
	}
	*out = &s->roots[root];
	return VINF_SUCCESS;
}

/* ---------------------------------------------------------- handles */

static void handle_free(struct shfl_handle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	hostfs_dir_close(h->dir);
	if (h->type == H_DIR)
		pthread_mutex_destroy(&h->dlock);
	free(h->rel);
	free(h->pending);
	free(h->filter);
	free(h);
}

/* Put @h in the client's table; returns the handle value or NIL. */
static uint64_t handle_add(struct shfl_svc_client *c, struct shfl_handle *h)
{
	uint32_t i, idx;

	pthread_mutex_lock(&c->lock);
	if (c->nopen >= SHFL_SVC_MAX_HANDLES) {
		pthread_mutex_unlock(&c->lock);
		return SHFL_HANDLE_NIL;
	}
	for (i = 0; i < SHFL_SVC_MAX_HANDLES; i++) {
		idx = (c->cursor + i) % SHFL_SVC_MAX_HANDLES;
		if (!c->slots[idx])
			break;
	}
	c->cursor = idx + 1;
	h->gen = ++c->gens[idx];
	h->refs = 1;
	c->slots[idx] = h;
	c->nopen++;
	pthread_mutex_unlock(&c->lock);
	/* never 0 (ROOT) nor ~0 (NIL): index + 1 in the low half */
	return (uint64_t)h->gen << 32 | (idx + 1);
}

/* A free slot exists now (checked before any host side effect). */
static bool handle_room(struct shfl_svc_client *c)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	r = c->nopen < SHFL_SVC_MAX_HANDLES;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/*
 * The handle @v of the caller, of a type in @types, opened under @root;
 * pinned until handle_put().  ROOT is VERR_INVALID_PARAMETER and anything
 * else unknown VERR_INVALID_HANDLE, as in VirtualBox (§2.1, §3.2).
 */
static int handle_get(struct shfl_svc_client *c, uint32_t root, uint64_t v,
		      uint32_t types, struct shfl_handle **out)
{
	uint32_t idx = (uint32_t)v - 1;
	struct shfl_handle *h;

	if (v == SHFL_HANDLE_ROOT)
		return VERR_INVALID_PARAMETER;
	if (v == SHFL_HANDLE_NIL || idx >= SHFL_SVC_MAX_HANDLES)
		return VERR_INVALID_HANDLE;
	pthread_mutex_lock(&c->lock);
	h = c->slots[idx];
	if (!h || h->gen != (uint32_t)(v >> 32) || !(h->type & types) ||
	    h->root != root || !c->map_count[root]) {
		pthread_mutex_unlock(&c->lock);
		return VERR_INVALID_HANDLE;
	}
	h->refs++;
	pthread_mutex_unlock(&c->lock);
	*out = h;
	return VINF_SUCCESS;
}

static void handle_put(struct shfl_svc_client *c, struct shfl_handle *h)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --h->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		handle_free(h);
}

/* Take @v out of the table (the table's reference is dropped). */
static int handle_close(struct shfl_svc_client *c, uint32_t root, uint64_t v)
{
	struct shfl_handle *h;
	int rc;

	rc = handle_get(c, root, v, H_FILE | H_DIR, &h);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	if (c->slots[(uint32_t)v - 1] == h) {
		c->slots[(uint32_t)v - 1] = NULL;
		c->nopen--;
		h->refs--; /* the table's; ours keeps it alive */
	}
	pthread_mutex_unlock(&c->lock);
	handle_put(c, h);
	return VINF_SUCCESS;
}

/* ------------------------------------------------------------- info */

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* SHFLFSOBJINFO from a stat (§2.2): set-uid/gid/sticky never shown. */
static void info_from_stat(const struct stat *st, struct shfl_fsobjinfo *o)
{
	uint32_t mode = st->st_mode & (S_IFMT | 0777);

	memset(o, 0, sizeof(*o));
	o->size = st->st_size;
	o->allocated = (int64_t)st->st_blocks * 512;
	o->atime_ns = ts_ns(&st->st_atim);
	o->mtime_ns = ts_ns(&st->st_mtim);
	o->ctime_ns = ts_ns(&st->st_ctim);
	o->btime_ns = o->ctime_ns;
	/* IPRT's POSIX mode normalisation: DOS bits from the Unix ones */
	if (S_ISDIR(st->st_mode))
		mode |= RTFS_DOS_DIRECTORY;
	if (!(st->st_mode & 0222))
		mode |= RTFS_DOS_READONLY;
	if (!(mode & RTFS_DOS_MASK))
		mode |= RTFS_DOS_NT_NORMAL;
	o->attr.mode = mode;
	o->attr.additional = SHFL_FSOBJATTRADD_UNIX;
	o->attr.uid = st->st_uid;
	o->attr.gid = st->st_gid;
	o->attr.nlink = (uint32_t)st->st_nlink;
	o->attr.ino_dev = (uint32_t)st->st_dev;
	o->attr.ino = st->st_ino;
	o->attr.rdev = (uint32_t)st->st_rdev;
}

static bool client_symlinks(struct shfl_svc_client *c)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	r = c->flags & SHFL_CLIENT_SYMLINKS;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/*
 * stat of @rel as the client sees it: lstat with SET_SYMLINKS, else the
 * target, while it stays in the share (a link out shows as a link).
 */
static int stat_client(struct shfl_svc_client *c, struct shfl_root *r,
		       const char *rel, struct stat *st)
{
	int err;

	if (client_symlinks(c))
		return hostfs_stat(r->fd, rel, false, st);
	err = hostfs_stat(r->fd, rel, true, st);
	if (err == -HOSTFS_EESCAPE || err == -ENOENT || err == -ELOOP) {
		struct stat lst;

		if (!hostfs_stat(r->fd, rel, false, &lst) &&
		    S_ISLNK(lst.st_mode)) {
			*st = lst;
			return 0;
		}
	}
	return err;
}

/* FILE_NOT_FOUND or PATH_NOT_FOUND for a missing @rel (§3.6). */
static uint32_t missing_result(struct shfl_root *r, const char *rel, int err)
{
	const char *slash = strrchr(rel, '/');
	struct stat st;
	char *parent;
	int e;

	if (err == -ENOTDIR)
		return SHFL_PATH_NOT_FOUND;
	if (!slash)
		return SHFL_FILE_NOT_FOUND;
	parent = strndup(rel, (size_t)(slash - rel));
	if (!parent)
		return SHFL_FILE_NOT_FOUND;
	e = hostfs_stat(r->fd, parent, true, &st);
	free(parent);
	return !e && S_ISDIR(st.st_mode) ? SHFL_FILE_NOT_FOUND :
					    SHFL_PATH_NOT_FOUND;
}

/* ---------------------------------------------------------- mapping */

static int map_folder(struct shfl_svc *s, struct shfl_svc_client *c,
		      struct hgcm_svc_parm *p, uint32_t delim, bool icase)
{
	char *name;
	uint32_t i;
	int rc;

	if (delim != '/' && delim != '\\')
		return VERR_INVALID_PARAMETER;
	rc = string_in(c, &p[0], &name);
	if (rc)
		return rc;
	for (i = 0; i < s->nroots; i++)
		if (!strcasecmp(s->roots[i].name, name))
			break;
	free(name);
	if (i == s->nroots)
		return VERR_FILE_NOT_FOUND;
	pthread_mutex_lock(&c->lock);
	if (c->delim && c->delim != (char)delim)
		rc = VERR_INVALID_PARAMETER;
	else if (c->map_count[i] && c->icase[i] != icase)
		rc = VERR_INCOMPATIBLE_CONFIG;
	else if (c->map_count[i] >= 32767)
		rc = VERR_TOO_MANY_OPENS;
	if (!rc) {
		c->delim = (char)delim;
		c->icase[i] = icase;
		c->map_count[i]++;
	}
	pthread_mutex_unlock(&c->lock);
	if (!rc)
		p[1].u.u32 = i;
	return rc;
}

static int fn_query_mappings(struct shfl_svc *s, struct shfl_svc_client *c,
			     struct hgcm_svc_parm *p)
{
	uint32_t flags = p[0].u.u32, cap = p[1].u.u32, cb, n = 0;
	uint8_t *b = ptr_of(&p[2], &cb);

	if (flags & ~SHFL_MF_MASK || cb / 8 != cap)
		return VERR_INVALID_PARAMETER;
	pthread_mutex_lock(&c->lock);
	if (flags & SHFL_MF_UTF8)
		c->flags |= SHFL_CLIENT_UTF8;
	c->flags |= SHFL_CLIENT_MAPPINGS_QUERIED;
	pthread_mutex_unlock(&c->lock);
	/* no share is auto-mounted: SHFL_MF_AUTOMOUNT lists none */
	if (!(flags & SHFL_MF_AUTOMOUNT)) {
		for (uint32_t i = 0; i < s->nroots; i++, n++) {
			struct shfl_mapping m = { SHFL_MS_NEW, i };

			if (n < cap)
				memcpy(b + 8 * n, &m, sizeof(m));
		}
	}
	p[1].u.u32 = n;
	return n > cap ? VINF_BUFFER_OVERFLOW : VINF_SUCCESS;
}

static int fn_query_map_name(struct shfl_svc *s, struct shfl_svc_client *c,
			     struct hgcm_svc_parm *p)
{
	struct shfl_root *r;
	int rc;

	rc = root_get(s, c, p[0].u.u32, false, &r);
	if (rc)
		return rc;
	return string_put(c, &p[1], r->name);
}

static int fn_query_map_info(struct shfl_svc *s, struct shfl_svc_client *c,
			     struct hgcm_svc_parm *p)
{
	uint64_t q = p[3].u.u64, f = 0;
	struct shfl_root *r;
	uint16_t room;
	int rc;

	rc = root_get(s, c, p[0].u.u32, false, &r);
	if (rc)
		return rc;
	if (q & ~(uint64_t)(SHFL_MIQF_DRIVE_LETTER | SHFL_MIQF_PATH))
		return VERR_INVALID_FLAGS;
	if (string_out_check(&p[1], &room) || string_out_check(&p[2], &room))
		return VERR_INVALID_PARAMETER;
	rc = string_put(c, &p[1], r->name);
	if (!rc)
		rc = string_put(c, &p[2], ""); /* no auto-mount point */
	if (rc)
		return rc;
	if (!r->ro)
		f |= SHFL_MIF_WRITABLE;
	if (r->symlinks != SHFL_SYMLINKS_NONE)
		f |= SHFL_MIF_SYMLINK_CREATION;
	pthread_mutex_lock(&c->lock);
	if (c->map_count[p[0].u.u32] && c->icase[p[0].u.u32])
		f |= SHFL_MIF_GUEST_ICASE;
	pthread_mutex_unlock(&c->lock);
	p[3].u.u64 = f;
	p[4].u.u32 = 1; /* root id version: roots are never reused */
	return VINF_SUCCESS;
}

static int fn_unmap_folder(struct shfl_svc *s, struct shfl_svc_client *c,
			   struct hgcm_svc_parm *p)
{
	uint32_t root = p[0].u.u32;
	int rc = VINF_SUCCESS;

	if (root >= s->nroots)
		return VERR_INVALID_PARAMETER;
	pthread_mutex_lock(&c->lock);
	if (!c->map_count[root])
		rc = VERR_FILE_NOT_FOUND;
	else
		c->map_count[root]--;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ----------------------------------------------------------- CREATE */

/* Mode for a new file from Info.Attr.fMode (§2.4, §3.6). */
static mode_t create_mode(const struct shfl_createparms *cp)
{
	uint32_t m = cp->info.attr.mode;

	if (cp->handle == 0) /* "old additions": mode ignored */
		return 0666;
	if (m & RTFS_UNIX_ALL_PERMS)
		return m & 0777;
	if (m & RTFS_DOS_MASK)
		return (m & RTFS_DOS_READONLY) ? 0444 : 0666;
	return 0666;
}

static int open_dir_handle(struct shfl_svc_client *c, uint32_t root,
			   struct shfl_root *r, const char *rel,
			   struct shfl_createparms *cp)
{
	struct shfl_handle *h;
	struct stat st;
	int fd, err;

	if (!handle_room(c))
		return VERR_TOO_MANY_OPEN_FILES;
	fd = hostfs_open_dir(r->fd, rel);
	if (fd < 0)
		return hostfs_status(fd);
	err = hostfs_fstat(fd, &st);
	h = calloc(1, sizeof(*h));
	if (err || !h) {
		close(fd);
		free(h);
		return err ? hostfs_status(err) : VERR_NO_MEMORY;
	}
	h->type = H_DIR;
	h->root = root;
	h->fd = -1;
	pthread_mutex_init(&h->dlock, NULL);
	h->rel = strdup(rel);
	err = hostfs_dir_open(fd, &h->dir);
	if (err || !h->rel) {
		handle_free(h);
		return err ? hostfs_status(err) : VERR_NO_MEMORY;
	}
	cp->handle = handle_add(c, h);
	if (cp->handle == SHFL_HANDLE_NIL) {
		handle_free(h);
		return VERR_TOO_MANY_OPEN_FILES;
	}
	info_from_stat(&st, &cp->info);
	return VINF_SUCCESS;
}

static int create_dir(struct shfl_svc_client *c, uint32_t root,
		      struct shfl_root *r, const char *rel,
		      struct shfl_createparms *cp, bool exists)
{
	uint32_t flags = cp->create_flags;
	uint32_t if_exists = flags & SHFL_CF_ACT_MASK_IF_EXISTS;
	uint32_t if_new = flags & SHFL_CF_ACT_MASK_IF_NEW;
	int err;

	if (!exists) {
		if (if_new == SHFL_CF_ACT_FAIL_IF_NEW) {
			cp->result = missing_result(r, rel, -ENOENT);
			return VINF_SUCCESS;
		}
		if (r->ro)
			return VERR_WRITE_PROTECT;
		/* "folders are created with fMode = 0777" (§3.6) */
		err = hostfs_mkdir(r->fd, rel, 0777);
		if (err == -ENOENT || err == -ENOTDIR) {
			cp->result = missing_result(r, rel, err);
			return VINF_SUCCESS;
		}
		if (err && err != -EEXIST)
			return hostfs_status(err);
		cp->result = err ? SHFL_FILE_EXISTS : SHFL_FILE_CREATED;
		if (err && if_exists == SHFL_CF_ACT_FAIL_IF_EXISTS)
			return VINF_SUCCESS;
	} else {
		cp->result = SHFL_FILE_EXISTS;
		if (if_exists == SHFL_CF_ACT_FAIL_IF_EXISTS)
			return VINF_SUCCESS;
	}
	return open_dir_handle(c, root, r, rel, cp);
}

static int create_file(struct shfl_svc_client *c, uint32_t root,
		       struct shfl_root *r, const char *rel,
		       struct shfl_createparms *cp)
{
	uint32_t flags = cp->create_flags;
	uint32_t if_exists = flags & SHFL_CF_ACT_MASK_IF_EXISTS;
	uint32_t if_new = flags & SHFL_CF_ACT_MASK_IF_NEW;
	uint32_t rw = flags & SHFL_CF_ACCESS_MASK_RW;
	bool trunc = if_exists == SHFL_CF_ACT_REPLACE_IF_EXISTS ||
		     if_exists == SHFL_CF_ACT_OVERWRITE_IF_EXISTS;
	enum hostfs_how how;
	struct shfl_handle *h;
	struct stat st;
	bool created;
	int oflags, fd, err;

	/*
	 * §3.4: on a read-only share anything that could modify is refused,
	 * CREATE_IF_NEW (the default) included, even for an existing file;
	 * write access is otherwise silently dropped.
	 */
	if (r->ro && (trunc || if_new == SHFL_CF_ACT_CREATE_IF_NEW))
		return VERR_WRITE_PROTECT;
	if (r->ro)
		rw &= ~SHFL_CF_ACCESS_WRITE;
	oflags = rw == SHFL_CF_ACCESS_READWRITE ? O_RDWR :
		 rw == SHFL_CF_ACCESS_WRITE ? O_WRONLY : O_RDONLY;
	if ((flags & SHFL_CF_ACCESS_APPEND) && (rw & SHFL_CF_ACCESS_WRITE))
		oflags |= O_APPEND;
	if (if_new == SHFL_CF_ACT_FAIL_IF_NEW)
		how = HOSTFS_OPEN;
	else if (if_exists == SHFL_CF_ACT_FAIL_IF_EXISTS)
		how = HOSTFS_CREATE;
	else
		how = HOSTFS_OPEN_CREATE;
	if (!handle_room(c))
		return VERR_TOO_MANY_OPEN_FILES;
	/* truncation needs write access to the file, whatever was asked */
	fd = hostfs_open_file(r->fd, rel,
			      trunc && (oflags & O_ACCMODE) == O_RDONLY ?
				      O_RDWR :
				      oflags,
			      how, create_mode(cp), &created);
	if (fd == -EEXIST && how == HOSTFS_CREATE) {
		cp->result = SHFL_FILE_EXISTS;
		if (!stat_client(c, r, rel, &st))
			info_from_stat(&st, &cp->info);
		return VINF_SUCCESS;
	}
	if (fd == -ENOENT || fd == -ENOTDIR) {
		cp->result = missing_result(r, rel, fd);
		return VINF_SUCCESS;
	}
	if (fd < 0)
		return hostfs_status(fd);
	cp->result = created ? SHFL_FILE_CREATED : SHFL_FILE_EXISTS;
	if (!created && trunc) {
		int64_t size = cp->info.size > 0 ? cp->info.size : 0;

		err = hostfs_ftruncate(fd, (uint64_t)size);
		if (err) {
			close(fd);
			return hostfs_status(err);
		}
		cp->result = SHFL_FILE_REPLACED;
	}
	err = hostfs_fstat(fd, &st);
	h = calloc(1, sizeof(*h));
	if (err || !h) {
		close(fd);
		free(h);
		return err ? hostfs_status(err) : VERR_NO_MEMORY;
	}
	h->type = H_FILE;
	h->root = root;
	h->fd = fd;
	h->writable = (oflags & O_ACCMODE) != O_RDONLY;
	h->append = oflags & O_APPEND;
	cp->handle = handle_add(c, h);
	if (cp->handle == SHFL_HANDLE_NIL) {
		handle_free(h);
		return VERR_TOO_MANY_OPEN_FILES;
	}
	info_from_stat(&st, &cp->info);
	return VINF_SUCCESS;
}

static int fn_create(struct shfl_svc *s, struct shfl_svc_client *c,
		     struct hgcm_svc_parm *p)
{
	struct shfl_createparms cp;
	uint32_t root = p[0].u.u32, cb, flags, orig_flags;
	uint8_t *b = ptr_of(&p[2], &cb);
	struct shfl_root *r;
	struct stat st;
	char *rel = NULL;
	int rc, err;

	if (!b || cb != sizeof(cp))
		return VERR_INVALID_PARAMETER;
	rc = root_get(s, c, root, true, &r);
	if (rc)
		return rc;
	rc = path_in(c, &p[1], &rel);
	if (rc)
		return rc;
	memcpy(&cp, b, sizeof(cp));
	flags = orig_flags = cp.create_flags;
	cp.result = SHFL_NO_RESULT;
	cp.handle = SHFL_HANDLE_NIL;
	/* NOTE: stricter: undefined bits and actions are refused */
	if ((flags & ~SHFL_CF_VALID_MASK) ||
	    (flags & SHFL_CF_ACT_MASK_IF_EXISTS) >
		    SHFL_CF_ACT_OVERWRITE_IF_EXISTS ||
	    (flags & SHFL_CF_ACT_MASK_IF_NEW) > SHFL_CF_ACT_FAIL_IF_NEW) {
		rc = VERR_INVALID_PARAMETER;
		goto out;
	}
	if ((flags & SHFL_CF_ACT_MASK_IF_EXISTS) ==
		    SHFL_CF_ACT_FAIL_IF_EXISTS &&
	    (flags & SHFL_CF_ACT_MASK_IF_NEW) == SHFL_CF_ACT_FAIL_IF_NEW &&
	    !(flags & SHFL_CF_LOOKUP)) {
		rc = VERR_INVALID_PARAMETER;
		goto out;
	}
	if (flags & SHFL_CF_LOOKUP) {
		cp.handle = SHFL_HANDLE_NIL;
		err = stat_client(c, r, rel, &st);
		if (!err) {
			cp.result = SHFL_FILE_EXISTS;
			info_from_stat(&st, &cp.info);
		} else if (err == -ENOENT || err == -ENOTDIR) {
			cp.result = missing_result(r, rel, err);
		} else {
			rc = hostfs_status(err);
		}
		goto out;
	}
	if (flags & SHFL_CF_OPEN_TARGET_DIRECTORY) {
		char *slash = strrchr(rel, '/');

		if (slash)
			*slash = '\0';
		else
			strcpy(rel, ".");
		flags |= SHFL_CF_DIRECTORY;
		cp.create_flags = (flags & ~SHFL_CF_ACT_MASK_IF_NEW) |
				  SHFL_CF_ACT_FAIL_IF_NEW;
	}
	cp.handle = SHFL_HANDLE_NIL;
	err = stat_client(c, r, rel, &st);
	if (err && err != -ENOENT && err != -ENOTDIR) {
		rc = hostfs_status(err); /* an escape, EACCES, ELOOP... */
		goto out;
	}
	if (!err && S_ISDIR(st.st_mode))
		flags |= SHFL_CF_DIRECTORY;
	if (flags & SHFL_CF_DIRECTORY) {
		if (!err && !S_ISDIR(st.st_mode)) {
			rc = VERR_NOT_A_DIRECTORY;
			goto out;
		}
		rc = create_dir(c, root, r, rel, &cp, !err);
	} else {
		rc = create_file(c, root, r, rel, &cp);
	}
out:
	free(rel);
	/* Result and Handle go back whatever happened (NIL on failure) */
	cp.create_flags = orig_flags;
	if (rc < 0)
		cp.handle = SHFL_HANDLE_NIL;
	memcpy(b, &cp, sizeof(cp));
	return rc;
}

/* ------------------------------------------------------------- I/O */

static int fn_close(struct shfl_svc *s, struct shfl_svc_client *c,
		    struct hgcm_svc_parm *p)
{
	struct shfl_root *r;
	int rc;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	return handle_close(c, p[0].u.u32, p[1].u.u64);
}

static int fn_read(struct shfl_svc *s, struct shfl_svc_client *c,
		   struct hgcm_svc_parm *p)
{
	uint32_t count = p[3].u.u32, cb;
	uint8_t *b = ptr_of(&p[4], &cb);
	struct shfl_handle *h;
	struct shfl_root *r;
	ssize_t n;
	int rc;

	p[3].u.u32 = 0;
	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &h);
	if (rc)
		return rc;
	/* NOTE: VirtualBox answers VERR_INVALID_HANDLE for count > size */
	if (count > cb || count > SHFL_MAX_RW_COUNT)
		rc = VERR_INVALID_PARAMETER;
	else if (p[2].u.u64 > INT64_MAX)
		rc = VERR_NEGATIVE_SEEK;
	if (!rc && count) {
		n = hostfs_pread(h->fd, b, count, p[2].u.u64);
		if (n < 0)
			rc = hostfs_status((int)n);
		else
			p[3].u.u32 = (uint32_t)n;
	}
	handle_put(c, h);
	return rc;
}

static int fn_write(struct shfl_svc *s, struct shfl_svc_client *c,
		    struct hgcm_svc_parm *p)
{
	uint32_t count = p[3].u.u32, cb;
	uint8_t *b = ptr_of(&p[4], &cb);
	struct shfl_handle *h;
	struct shfl_root *r;
	uint64_t end;
	ssize_t n;
	int rc;

	p[3].u.u32 = 0;
	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &h);
	if (rc)
		return rc;
	if (count > cb || count > SHFL_MAX_RW_COUNT)
		rc = VERR_INVALID_PARAMETER;
	else if (p[2].u.u64 > INT64_MAX)
		rc = VERR_NEGATIVE_SEEK;
	else if (r->ro)
		rc = VERR_WRITE_PROTECT;
	else if (!h->writable)
		rc = VERR_ACCESS_DENIED;
	if (!rc && count) {
		n = hostfs_pwrite(h->fd, b, count, p[2].u.u64, h->append,
				  &end);
		if (n < 0) {
			rc = hostfs_status((int)n);
		} else {
			/* only what reached the file is acknowledged */
			p[3].u.u32 = (uint32_t)n;
			p[2].u.u64 = end; /* SHFL_FEATURE_WRITE_UPDATES_OFFSET */
		}
	}
	handle_put(c, h);
	return rc;
}

static int fn_flush(struct shfl_svc *s, struct shfl_svc_client *c,
		    struct hgcm_svc_parm *p)
{
	struct shfl_handle *h;
	struct shfl_root *r;
	int rc;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &h);
	if (rc)
		return rc;
	rc = hostfs_status(hostfs_fsync(h->fd));
	handle_put(c, h);
	return rc;
}

static int fn_set_file_size(struct shfl_svc *s, struct shfl_svc_client *c,
			    struct hgcm_svc_parm *p)
{
	struct shfl_handle *h;
	struct shfl_root *r;
	int rc;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &h);
	if (rc)
		return rc;
	if (r->ro)
		rc = VERR_WRITE_PROTECT;
	else if (!h->writable)
		rc = VERR_ACCESS_DENIED;
	else if (p[2].u.u64 > INT64_MAX)
		rc = VERR_INVALID_PARAMETER;
	else
		rc = hostfs_status(hostfs_ftruncate(h->fd, p[2].u.u64));
	handle_put(c, h);
	return rc;
}

static int fn_lock(struct shfl_svc *s, struct shfl_svc_client *c,
		   struct hgcm_svc_parm *p)
{
	uint32_t flags = p[4].u.u32, mode = flags & SHFL_LOCK_MODE_MASK;
	struct shfl_handle *h;
	struct shfl_root *r;
	enum hostfs_lock type;
	int rc;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (flags & ~(SHFL_LOCK_MODE_MASK | SHFL_LOCK_WAIT | SHFL_LOCK_ENTIRE) ||
	    mode == 3)
		return VERR_INVALID_PARAMETER;
	if (flags & SHFL_LOCK_ENTIRE)
		return VERR_NOT_IMPLEMENTED;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &h);
	if (rc)
		return rc;
	/*
	 * NOTE: VirtualBox pretends success on non-Windows hosts; memwire
	 * takes real OFD locks.  LOCK_WAIT is dropped (a worker never
	 * blocks on a guest's lock), as VirtualBox does.
	 */
	type = mode == SHFL_LOCK_SHARED ? HOSTFS_LOCK_SH :
	       mode == SHFL_LOCK_EXCLUSIVE ? HOSTFS_LOCK_EX : HOSTFS_UNLOCK;
	rc = hostfs_status(hostfs_lock(h->fd, type, p[2].u.u64, p[3].u.u64));
	handle_put(c, h);
	return rc;
}

/* ------------------------------------------------------------- LIST */

/* A Windows-style pattern ('*', '?'), compared case-insensitively. */
static bool filter_match(const char *pat, const char *name)
{
	if (!pat || !*pat || !strcmp(pat, "*") || !strcmp(pat, "*.*"))
		return true;
	return fnmatch(pat, name, FNM_NOESCAPE | FNM_PERIOD | FNM_CASEFOLD) ==
	       0;
}

/* Bytes a record of @name takes in the client's encoding (0: skip it). */
static uint32_t record_size(bool utf8, const char *name, uint16_t *nsize)
{
	size_t n = strlen(name), units = 0;

	if (!utf8_valid((const uint8_t *)name, n))
		return 0; /* untranslatable names are skipped (§3.8) */
	if (utf8) {
		*nsize = (uint16_t)(n + 1);
	} else {
		for (const uint8_t *q = (const uint8_t *)name; *q; q++)
			if ((*q & 0xc0) != 0x80)
				units += (*q >= 0xf0) ? 2 : 1;
		*nsize = (uint16_t)((units + 1) * 2);
	}
	return SHFL_DIRINFO_HDR_SIZE + *nsize;
}

static int fn_list(struct shfl_svc *s, struct shfl_svc_client *c,
		   struct hgcm_svc_parm *p)
{
	uint32_t flags = p[2].u.u32, cb = p[3].u.u32, bsize, fsize, used = 0;
	uint32_t files = 0;
	uint8_t *b = ptr_of(&p[5], &bsize);
	struct shfl_handle *h;
	struct shfl_root *r;
	bool utf8 = client_utf8(c), more = true;
	char *filter = NULL;
	int rc;

	p[3].u.u32 = 0;
	p[6].u.u32 = 0;
	p[7].u.u32 = 0;
	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (cb < SHFL_LIST_MIN_CB || cb > bsize ||
	    (flags & ~(SHFL_LIST_RETURN_ONE | SHFL_LIST_RESTART)))
		return VERR_INVALID_PARAMETER;
	/* NOTE: stricter: bounded, whatever buffer the guest offers */
	if (cb > SHFL_SVC_MAX_LIST)
		cb = SHFL_SVC_MAX_LIST;
	if (ptr_of(&p[4], &fsize) && fsize) {
		char *g, *last;

		rc = string_in(c, &p[4], &g);
		if (rc)
			return rc;
		/* the filter is a path; its last component is the pattern */
		last = strrchr(g, client_delim(c));
		filter = strdup(last ? last + 1 : g);
		free(g);
		if (!filter)
			return VERR_NO_MEMORY;
	}
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_DIR, &h);
	if (rc) {
		free(filter);
		return rc;
	}
	pthread_mutex_lock(&h->dlock);
	if (flags & SHFL_LIST_RESTART) {
		hostfs_dir_rewind(h->dir);
		free(h->pending);
		h->pending = NULL;
	}
	/* the first filter given sticks to the handle, as the search handle */
	if (filter && !h->filter) {
		h->filter = filter;
		filter = NULL;
	}
	while (used < cb) {
		struct shfl_dirinfo rec;
		const char *name;
		struct stat st;
		uint16_t nsize;
		uint32_t need;
		char *path;
		int err;

		if (h->pending) {
			name = h->pending;
		} else {
			err = hostfs_dir_next(h->dir, &name);
			if (err < 0) {
				rc = hostfs_status(err);
				break;
			}
			if (err == 0) {
				more = false;
				break;
			}
		}
		need = record_size(utf8, name, &nsize);
		if (!need || !filter_match(h->filter, name)) {
			free(h->pending);
			h->pending = NULL;
			continue;
		}
		if (need > cb - used) {
			if (!h->pending)
				h->pending = strdup(name);
			if (!h->pending)
				rc = VERR_NO_MEMORY;
			else if (!files)
				rc = VINF_BUFFER_OVERFLOW;
			break;
		}
		/* the entry as the client sees it (links followed inside) */
		if (!strcmp(h->rel, "."))
			path = strdup(name);
		else if (asprintf(&path, "%s/%s", h->rel, name) < 0)
			path = NULL;
		if (!path) {
			rc = VERR_NO_MEMORY;
			break;
		}
		err = !strcmp(name, ".") || !strcmp(name, "..") ?
			      hostfs_dir_lstat(h->dir, name, &st) :
			      stat_client(c, r, path, &st);
		free(path);
		if (err) {
			/* vanished meanwhile: skip it */
			free(h->pending);
			h->pending = NULL;
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		info_from_stat(&st, &rec.info);
		rec.name_size = nsize;
		if (utf8) {
			rec.name_length = (uint16_t)(nsize - 1);
			memcpy(b + used + SHFL_DIRINFO_HDR_SIZE, name, nsize);
		} else {
			long n = utf8_to_utf16(name,
					       b + used + SHFL_DIRINFO_HDR_SIZE,
					       nsize);

			rec.name_length = (uint16_t)n;
			b[used + SHFL_DIRINFO_HDR_SIZE + n] = 0;
			b[used + SHFL_DIRINFO_HDR_SIZE + n + 1] = 0;
		}
		memcpy(b + used, &rec, SHFL_DIRINFO_HDR_SIZE);
		used += need;
		files++;
		free(h->pending);
		h->pending = NULL;
		if (flags & SHFL_LIST_RETURN_ONE)
			break;
	}
	pthread_mutex_unlock(&h->dlock);
	handle_put(c, h);
	free(filter);
	if (rc < 0)
		return rc;
	if (!more && !files)
		return VERR_NO_MORE_FILES;
	p[3].u.u32 = used;
	p[6].u.u32 = more ? 1 : 0;
	p[7].u.u32 = files;
	return rc;
}

/* ------------------------------------------------------ INFORMATION */

static int info_set_file(struct shfl_handle *h, struct shfl_fsobjinfo *in)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	int fd = h->type == H_FILE ? h->fd : hostfs_dir_fd(h->dir);
	uint32_t m = in->attr.mode;

	if (in->atime_ns > 0) {
		ts[0].tv_sec = in->atime_ns / 1000000000;
		ts[0].tv_nsec = in->atime_ns % 1000000000;
	}
	if (in->mtime_ns > 0) {
		ts[1].tv_sec = in->mtime_ns / 1000000000;
		ts[1].tv_nsec = in->mtime_ns % 1000000000;
	}
	/* §3.9: failures are ignored ("temporary hack"), as VirtualBox */
	if (in->atime_ns > 0 || in->mtime_ns > 0)
		(void)hostfs_futimens(fd, ts);
	if (m & RTFS_UNIX_ALL_PERMS) {
		m |= RTFS_UNIX_IRUSR;
		if (h->type == H_DIR)
			m |= RTFS_UNIX_IXUSR;
		(void)hostfs_fchmod(fd, m & 0777); /* suid/sgid/sticky cleared */
	}
	return fd;
}

static int fn_information(struct shfl_svc *s, struct shfl_svc_client *c,
			  struct hgcm_svc_parm *p)
{
	uint32_t flags = p[2].u.u32, cb = p[3].u.u32, bsize;
	uint8_t *b = ptr_of(&p[4], &bsize);
	struct shfl_fsobjinfo info;
	struct shfl_handle *h;
	struct shfl_root *r;
	struct stat st;
	bool set = flags & SHFL_INFO_SET;
	int rc, err, fd;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (cb > bsize || !b)
		return VERR_INVALID_PARAMETER;
	if (flags & SHFL_INFO_VOLUME) {
		struct hostfs_vol v;
		struct shfl_volinfo vi;

		if (set)
			return VERR_NOT_SUPPORTED;
		if (cb < sizeof(vi))
			return VERR_INVALID_PARAMETER;
		err = hostfs_statvfs(r->fd, &v);
		if (err)
			return hostfs_status(err);
		memset(&vi, 0, sizeof(vi));
		vi.total = (int64_t)v.total;
		vi.avail = (int64_t)v.avail;
		vi.alloc_unit = v.bsize;
		vi.sector = 512;
		vi.serial = (uint32_t)v.fsid;
		vi.max_component = v.namemax;
		vi.case_sensitive = 1;
		vi.read_only = r->ro || v.ro;
		vi.unicode = 1;
		memcpy(b, &vi, sizeof(vi));
		p[3].u.u32 = sizeof(vi);
		return VINF_SUCCESS;
	}
	if (flags & SHFL_INFO_NAME)
		return VERR_NOT_IMPLEMENTED;
	if (!(flags & (SHFL_INFO_FILE | SHFL_INFO_SIZE)) ||
	    cb < sizeof(info))
		return VERR_INVALID_PARAMETER;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64,
			(flags & SHFL_INFO_SIZE) && set ? H_FILE :
							  H_FILE | H_DIR,
			&h);
	if (rc)
		return rc;
	memcpy(&info, b, sizeof(info));
	fd = h->type == H_FILE ? h->fd : hostfs_dir_fd(h->dir);
	if (set && r->ro) {
		rc = VERR_WRITE_PROTECT;
	} else if (set && (flags & SHFL_INFO_FILE)) {
		fd = info_set_file(h, &info);
	} else if (set) { /* SIZE */
		if (!h->writable)
			rc = VERR_ACCESS_DENIED;
		else
			rc = hostfs_status(hostfs_ftruncate(
				h->fd, info.size > 0 ? (uint64_t)info.size : 0));
	}
	if (!rc) {
		err = hostfs_fstat(fd, &st);
		rc = hostfs_status(err);
		if (!err) {
			info_from_stat(&st, &info);
			memcpy(b, &info, sizeof(info));
			p[3].u.u32 = sizeof(info);
		}
	}
	handle_put(c, h);
	return rc;
}

/* ---------------------------------------------- REMOVE, RENAME, COPY */

static int remove_path(struct shfl_root *r, const char *rel, uint32_t flags)
{
	struct stat st;
	int err;

	if (r->ro)
		return VERR_WRITE_PROTECT;
	err = hostfs_stat(r->fd, rel, false, &st);
	if (err)
		return hostfs_status(err);
	if (flags & SHFL_REMOVE_SYMLINK) {
		if (!S_ISLNK(st.st_mode))
			return VERR_NOT_SYMLINK;
		return hostfs_status(hostfs_unlink(r->fd, rel, false));
	}
	if (flags & SHFL_REMOVE_FILE) {
		if (S_ISDIR(st.st_mode))
			return VERR_IS_A_DIRECTORY;
		return hostfs_status(hostfs_unlink(r->fd, rel, false));
	}
	if (!S_ISDIR(st.st_mode))
		return VERR_NOT_A_DIRECTORY;
	return hostfs_status(hostfs_unlink(r->fd, rel, true));
}

static int fn_remove(struct shfl_svc *s, struct shfl_svc_client *c,
		     struct hgcm_svc_parm *p, bool close_first)
{
	uint32_t flags = p[2].u.u32;
	struct shfl_root *r;
	char *rel;
	int rc;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (flags & ~(SHFL_REMOVE_FILE | SHFL_REMOVE_DIR | SHFL_REMOVE_SYMLINK))
		return VERR_INVALID_FLAGS;
	rc = path_in(c, &p[1], &rel);
	if (rc)
		return rc;
	if (close_first && p[3].u.u64 != SHFL_HANDLE_NIL)
		rc = handle_close(c, p[0].u.u32, p[3].u.u64);
	if (!rc)
		rc = remove_path(r, rel, flags);
	free(rel);
	return rc;
}

static int fn_rename(struct shfl_svc *s, struct shfl_svc_client *c,
		     struct hgcm_svc_parm *p)
{
	uint32_t flags = p[3].u.u32;
	char *from = NULL, *to = NULL;
	struct shfl_root *r;
	struct stat st;
	int rc, err;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	/* NOTE: stricter: undefined flag bits are refused */
	if (flags & ~(SHFL_RENAME_FILE | SHFL_RENAME_DIR |
		      SHFL_RENAME_REPLACE_IF_EXISTS))
		return VERR_INVALID_PARAMETER;
	rc = path_in(c, &p[1], &from);
	if (!rc)
		rc = path_in(c, &p[2], &to);
	if (rc)
		goto out;
	if (r->ro) {
		rc = VERR_WRITE_PROTECT;
		goto out;
	}
	/* FILE alone must not move a directory (RTFileMove) */
	if ((flags & (SHFL_RENAME_FILE | SHFL_RENAME_DIR)) ==
		    SHFL_RENAME_FILE &&
	    !hostfs_stat(r->fd, from, false, &st) && S_ISDIR(st.st_mode)) {
		rc = VERR_IS_A_DIRECTORY;
		goto out;
	}
	err = hostfs_rename(r->fd, from, to,
			    flags & SHFL_RENAME_REPLACE_IF_EXISTS);
	rc = hostfs_status(err);
out:
	free(from);
	free(to);
	return rc;
}

static int fn_copy_file(struct shfl_svc *s, struct shfl_svc_client *c,
			struct hgcm_svc_parm *p)
{
	struct shfl_root *rs, *rd;
	char *from = NULL, *to = NULL;
	bool created;
	struct stat st;
	ssize_t n;
	int rc, in = -1, out = -1;

	rc = root_get(s, c, p[0].u.u32, true, &rs);
	if (!rc)
		rc = root_get(s, c, p[2].u.u32, true, &rd);
	if (rc)
		return rc;
	if (p[4].u.u32)
		return VERR_INVALID_PARAMETER; /* flags MBZ */
	rc = path_in(c, &p[1], &from);
	if (!rc)
		rc = path_in(c, &p[3], &to);
	if (rc)
		goto out;
	/* NOTE: VirtualBox 7.0.14 copies into read-only shares (§3.4) */
	if (rd->ro) {
		rc = VERR_WRITE_PROTECT;
		goto out;
	}
	in = hostfs_open_file(rs->fd, from, O_RDONLY, HOSTFS_OPEN, 0,
			      &created);
	if (in < 0) {
		rc = hostfs_status(in);
		goto out;
	}
	if (hostfs_fstat(in, &st)) {
		rc = VERR_DEV_IO_ERROR;
		goto out;
	}
	out = hostfs_open_file(rd->fd, to, O_WRONLY, HOSTFS_CREATE,
			       st.st_mode & 0777, &created);
	if (out < 0) {
		rc = hostfs_status(out);
		goto out;
	}
	n = hostfs_copy(in, 0, out, 0, (uint64_t)st.st_size);
	if (n < 0 || n != st.st_size) {
		rc = n < 0 ? hostfs_status((int)n) : VERR_DEV_IO_ERROR;
		close(out);
		out = -1;
		(void)hostfs_unlink(rd->fd, to, false);
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(from);
	free(to);
	return rc;
}

static int fn_copy_file_part(struct shfl_svc *s, struct shfl_svc_client *c,
			     struct hgcm_svc_parm *p)
{
	struct shfl_handle *hs = NULL, *hd = NULL;
	struct shfl_root *rs, *rd;
	uint64_t len = p[6].u.u64;
	ssize_t n;
	int rc;

	p[6].u.u64 = 0;
	rc = root_get(s, c, p[0].u.u32, true, &rs);
	if (!rc)
		rc = root_get(s, c, p[3].u.u32, true, &rd);
	if (rc)
		return rc;
	if (p[7].u.u32)
		return VERR_INVALID_FLAGS;
	if (p[2].u.u64 > INT64_MAX || p[5].u.u64 > INT64_MAX)
		return VERR_NEGATIVE_SEEK;
	if (len >= SHFL_COPY_PART_MAX)
		return VERR_OUT_OF_RANGE;
	if (rd->ro)
		return VERR_WRITE_PROTECT;
	rc = handle_get(c, p[0].u.u32, p[1].u.u64, H_FILE, &hs);
	if (!rc)
		rc = handle_get(c, p[3].u.u32, p[4].u.u64, H_FILE, &hd);
	if (rc)
		goto out;
	if (!hd->writable) {
		rc = VERR_ACCESS_DENIED;
		goto out;
	}
	/* NOTE: stricter: bounded per call; the count says what was done */
	if (len > SHFL_SVC_MAX_COPY)
		len = SHFL_SVC_MAX_COPY;
	n = hostfs_copy(hs->fd, p[2].u.u64, hd->fd, p[5].u.u64, len);
	if (n < 0)
		rc = hostfs_status((int)n);
	else
		p[6].u.u64 = (uint64_t)n;
out:
	if (hs)
		handle_put(c, hs);
	if (hd)
		handle_put(c, hd);
	return rc;
}

/* --------------------------------------------------------- symlinks */

static int fn_readlink(struct shfl_svc *s, struct shfl_svc_client *c,
		       struct hgcm_svc_parm *p)
{
	uint32_t cb;
	uint8_t *b = ptr_of(&p[2], &cb);
	struct shfl_root *r;
	struct stat st;
	char *rel;
	int rc, n;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (!b || cb < 2)
		return VERR_INVALID_PARAMETER;
	rc = path_in(c, &p[1], &rel);
	if (rc)
		return rc;
	n = hostfs_stat(r->fd, rel, false, &st);
	if (!n && !S_ISLNK(st.st_mode))
		rc = VERR_NOT_SYMLINK;
	else if (n)
		rc = hostfs_status(n);
	if (!rc) {
		/* raw UTF-8, NUL-terminated, no length (§2.1, §3.4) */
		n = hostfs_readlink(r->fd, rel, (char *)b, cb);
		if (n == -ENAMETOOLONG)
			rc = VERR_BUFFER_OVERFLOW;
		else if (n < 0)
			rc = hostfs_status(n);
		else if (client_delim(c) == '\\')
			for (int i = 0; i < n; i++)
				if (b[i] == '/')
					b[i] = '\\';
	}
	free(rel);
	return rc;
}

/* May @target be created as a link under @policy? (VU vbsfPathEvalSymlinkPolicy) */
static bool symlink_allowed(enum shfl_symlink_policy policy,
			    const char *target)
{
	switch (policy) {
	case SHFL_SYMLINKS_ANY:
		return true;
	case SHFL_SYMLINKS_SUBTREE:
		return target[0] != '/' && !strstr(target, "..");
	default:
		return false;
	}
}

static int fn_symlink(struct shfl_svc *s, struct shfl_svc_client *c,
		      struct hgcm_svc_parm *p)
{
	uint32_t cb;
	uint8_t *b = ptr_of(&p[3], &cb);
	struct shfl_fsobjinfo info;
	char *rel = NULL, *target = NULL;
	struct shfl_root *r;
	struct stat st;
	int rc, err;

	rc = root_get(s, c, p[0].u.u32, true, &r);
	if (rc)
		return rc;
	if (!client_utf8(c))
		return VERR_NOT_IMPLEMENTED;
	if (!b || cb != sizeof(info))
		return VERR_INVALID_PARAMETER;
	rc = path_in(c, &p[1], &rel);
	if (!rc)
		rc = string_in(c, &p[2], &target);
	if (rc)
		goto out;
	if (!*target) {
		rc = VERR_INVALID_PARAMETER;
		goto out;
	}
	if (client_delim(c) == '\\')
		for (char *q = target; *q; q++)
			if (*q == '\\')
				*q = '/';
	/* NOTE: VirtualBox 7.0.14 checks neither (§3.4); trunk does */
	if (r->ro || !symlink_allowed(r->symlinks, target)) {
		rc = VERR_WRITE_PROTECT;
		goto out;
	}
	err = hostfs_symlink(r->fd, rel, target);
	if (!err)
		err = hostfs_stat(r->fd, rel, false, &st);
	rc = hostfs_status(err);
	if (!err) {
		info_from_stat(&st, &info);
		memcpy(b, &info, sizeof(info));
	}
out:
	free(rel);
	free(target);
	return rc;
}

/* -------------------------------------------- mappings-change waits */

static int fn_wait_for_changes(struct shfl_svc *s, struct hgcm_call *call,
			       struct shfl_svc_client *c,
			       struct hgcm_svc_parm *p)
{
	int rc = VINF_HGCM_ASYNC_EXECUTE;

	pthread_mutex_lock(&c->lock);
	if (c->flags & SHFL_CLIENT_CANCEL_NEXT_WAIT) {
		c->flags &= ~SHFL_CLIENT_CANCEL_NEXT_WAIT;
		pthread_mutex_unlock(&c->lock);
		return VERR_CANCELLED;
	}
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&s->lock);
	if (p[0].u.u32 != s->version) {
		p[0].u.u32 = s->version;
		rc = VINF_SUCCESS;
	} else if (!call) {
		rc = VERR_INVALID_STATE;
	} else if (s->nwaiters >= SHFL_SVC_MAX_WAITERS) {
		rc = VERR_OUT_OF_RESOURCES;
	} else {
		s->waiters[s->nwaiters++] =
			(struct shfl_waiter){ call, c };
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/*
 * Complete the parked calls of @client (all clients when NULL), or just
 * @call; returns how many.  Removal under the lock makes each call
 * completed exactly once.
 */
static unsigned waiters_cancel(struct shfl_svc *s, void *client,
			       struct hgcm_call *call)
{
	struct hgcm_call *done[SHFL_SVC_MAX_WAITERS];
	unsigned n = 0;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < s->nwaiters;) {
		struct shfl_waiter *w = &s->waiters[i];

		if ((call && w->call == call) ||
		    (!call && (!client || w->client == client))) {
			done[n++] = w->call;
			*w = s->waiters[--s->nwaiters];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < n; i++)
		hgcm_call_complete(done[i], VERR_CANCELLED);
	return n;
}

void shfl_svc_cancelled(struct shfl_svc *s, struct hgcm_call *call)
{
	waiters_cancel(s, NULL, call);
}

/* --------------------------------------------------------- dispatch */

int shfl_svc_dispatch(struct shfl_svc *s, struct hgcm_call *call, uint32_t id,
		      void *client, uint32_t fn, uint32_t cparms,
		      struct hgcm_svc_parm *p)
{
	struct shfl_svc_client *c = cl_of(client);
	int rc;

	(void)id;
	if (fn == 0 || fn > SHFL_FN_LAST || !shfl_fn_table[fn].parms)
		return VERR_NOT_IMPLEMENTED;
	/* NOTE: stricter: SET_UTF8 and SET_SYMLINKS need cParms 0 too */
	rc = check_parms(fn, cparms, p);
	if (rc)
		return rc;
	switch (fn) {
	case SHFL_FN_QUERY_MAPPINGS:
		return fn_query_mappings(s, c, p);
	case SHFL_FN_QUERY_MAP_NAME:
		return fn_query_map_name(s, c, p);
	case SHFL_FN_CREATE:
		return fn_create(s, c, p);
	case SHFL_FN_CLOSE:
		return fn_close(s, c, p);
	case SHFL_FN_READ:
		return fn_read(s, c, p);
	case SHFL_FN_WRITE:
		return fn_write(s, c, p);
	case SHFL_FN_LOCK:
		return fn_lock(s, c, p);
	case SHFL_FN_LIST:
		return fn_list(s, c, p);
	case SHFL_FN_INFORMATION:
		return fn_information(s, c, p);
	case SHFL_FN_REMOVE:
		return fn_remove(s, c, p, false);
	case SHFL_FN_MAP_FOLDER_OLD:
		/* legacy: the guest is case-insensitive (§2.1) */
		return map_folder(s, c, p, p[2].u.u32, true);
	case SHFL_FN_UNMAP_FOLDER:
		return fn_unmap_folder(s, c, p);
	case SHFL_FN_RENAME:
		return fn_rename(s, c, p);
	case SHFL_FN_FLUSH:
		return fn_flush(s, c, p);
	case SHFL_FN_SET_UTF8:
		pthread_mutex_lock(&c->lock);
		c->flags |= SHFL_CLIENT_UTF8;
		pthread_mutex_unlock(&c->lock);
		return VINF_SUCCESS;
	case SHFL_FN_MAP_FOLDER:
		if (p[3].u.u32 > 1)
			return VERR_INVALID_PARAMETER;
		return map_folder(s, c, p, p[2].u.u32, !p[3].u.u32);
	case SHFL_FN_READLINK:
		return fn_readlink(s, c, p);
	case SHFL_FN_SYMLINK:
		return fn_symlink(s, c, p);
	case SHFL_FN_SET_SYMLINKS:
		pthread_mutex_lock(&c->lock);
		c->flags |= SHFL_CLIENT_SYMLINKS;
		pthread_mutex_unlock(&c->lock);
		return VINF_SUCCESS;
	case SHFL_FN_QUERY_MAP_INFO:
		return fn_query_map_info(s, c, p);
	case SHFL_FN_WAIT_FOR_MAPPINGS_CHANGES:
		return fn_wait_for_changes(s, call, c, p);
	case SHFL_FN_CANCEL_MAPPINGS_CHANGES_WAITS:
		if (!waiters_cancel(s, client, NULL)) {
			pthread_mutex_lock(&c->lock);
			c->flags |= SHFL_CLIENT_CANCEL_NEXT_WAIT;
			pthread_mutex_unlock(&c->lock);
		}
		return VINF_SUCCESS;
	case SHFL_FN_SET_FILE_SIZE:
		return fn_set_file_size(s, c, p);
	case SHFL_FN_QUERY_FEATURES:
		p[0].u.u64 = SHFL_FEATURE_WRITE_UPDATES_OFFSET;
		p[1].u.u32 = SHFL_FN_LAST;
		return VINF_SUCCESS;
	case SHFL_FN_COPY_FILE:
		return fn_copy_file(s, c, p);
	case SHFL_FN_COPY_FILE_PART:
		return fn_copy_file_part(s, c, p);
	case SHFL_FN_CLOSE_AND_REMOVE:
		return fn_remove(s, c, p, true);
	case SHFL_FN_SET_ERROR_STYLE:
		if (p[1].u.u32 || p[0].u.u32 == SHFL_ERROR_STYLE_INVALID ||
		    p[0].u.u32 >= SHFL_ERROR_STYLE_END)
			return VERR_INVALID_PARAMETER;
		pthread_mutex_lock(&c->lock);
		c->error_style = p[0].u.u32;
		pthread_mutex_unlock(&c->lock);
		return VINF_SUCCESS;
	}
	return VERR_NOT_IMPLEMENTED;
}

/* ------------------------------------------------- service lifetime */

int shfl_svc_connect(struct shfl_svc *s, uint32_t id, void *client)
{
	struct shfl_svc_client *c = cl_of(client);

	(void)s;
	(void)id;
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->error_style = SHFL_ERROR_STYLE_LINUX; /* host-native (§2.1) */
	return VINF_SUCCESS;
}

void shfl_svc_disconnect(struct shfl_svc *s, uint32_t id, void *client)
{
	struct shfl_svc_client *c = cl_of(client);
	struct shfl_handle *h;

	(void)id;
	waiters_cancel(s, client, NULL);
	/* no call of the client runs any more (HGCM waits for them) */
	for (uint32_t i = 0; i < SHFL_SVC_MAX_HANDLES; i++) {
		h = c->slots[i];
		c->slots[i] = NULL;
		if (h && --h->refs == 0)
			handle_free(h);
	}
	c->nopen = 0;
	pthread_mutex_destroy(&c->lock);
}

void shfl_svc_free(struct shfl_svc *s)
{
	if (!s)
		return;
	waiters_cancel(s, NULL, NULL);
	for (uint32_t i = 0; i < s->nroots; i++) {
		close(s->roots[i].fd);
		free(s->roots[i].name);
		free(s->roots[i].path);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct shfl_svc *shfl_svc_new(const struct shfl_share *shares, size_t n,
			      int *err)
{
	struct shfl_svc *s;

	mw_clear_error();
	if (!shares || n == 0 || n > SHFL_MAX_MAPPINGS) {
		*err = mw_err(-EINVAL, "shfl: %zu shares, expected 1..%d", n,
			      SHFL_MAX_MAPPINGS);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->version = 1;
	for (size_t i = 0; i < n; i++) {
		const struct shfl_share *sh = &shares[i];
		struct shfl_root *r = &s->roots[i];
		size_t len = sh->name ? strlen(sh->name) : 0;

		if (!len || len >= SHFL_MAX_LEN ||
		    !utf8_valid((const uint8_t *)sh->name, len) ||
		    strchr(sh->name, '/') || strchr(sh->name, '\\')) {
			*err = mw_err(-EINVAL, "shfl: share name '%s' must be 1..%d "
			       "bytes of UTF-8 without '/' or '\\'",
			       sh->name ? sh->name : "", SHFL_MAX_LEN - 1);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(shares[j].name, sh->name)) {
				*err = mw_err(-EEXIST, "shfl: share name '%s' given "
				       "twice", sh->name);
				goto fail;
			}
		if (sh->symlinks > SHFL_SYMLINKS_ANY) {
			*err = mw_err(-EINVAL, "shfl: share '%s': symlink policy %d "
			       "is not none, subtree or any", sh->name,
			       (int)sh->symlinks);
			goto fail;
		}
		if (!sh->path) {
			*err = mw_err(-EINVAL, "shfl: share '%s' has no path",
			       sh->name);
			goto fail;
		}
		r->fd = hostfs_root_open(sh->path);
		if (r->fd < 0) {
			*err = mw_err(r->fd, "shfl: share '%s': %s: %s", sh->name,
			       sh->path, strerror(-r->fd));
			goto fail;
		}
		s->nroots++;
		r->name = strdup(sh->name);
		r->path = strdup(sh->path);
		r->ro = sh->ro;
		r->symlinks = sh->symlinks;
		if (!r->name || !r->path) {
			*err = mw_err(-ENOMEM, "shfl: out of memory");
			goto fail;
		}
	}
	return s;
fail:
	shfl_svc_free(s);
	return NULL;
}

/* ------------------------------------------------------ HGCM glue */

static int op_connect(void *svc, uint32_t id, void *client, uint32_t requestor)
{
	(void)requestor;
	return shfl_svc_connect(svc, id, client);
}

static void op_disconnect(void *svc, uint32_t id, void *client)
{
	shfl_svc_disconnect(svc, id, client);
}

static void op_call(void *svc, struct hgcm_call *call, uint32_t id,
		    void *client, uint32_t fn, uint32_t cparms,
		    struct hgcm_svc_parm *parms)
{
	int rc = shfl_svc_dispatch(svc, call, id, client, fn, cparms, parms);

	if (rc != VINF_HGCM_ASYNC_EXECUTE)
		hgcm_call_complete(call, rc);
}

static void op_cancelled(void *svc, struct hgcm_call *call, uint32_t id,
			 void *client)
{
	(void)id;
	(void)client;
	shfl_svc_cancelled(svc, call);
}

static void op_unload(void *svc)
{
	shfl_svc_free(svc);
}

/*
 * READ's buffer gets pread() and LIST's buffer gets records: both are only
 * ever written, never read back, so HGCM may hand them over in guest RAM.
 */
static bool op_write_only(void *svc, uint32_t fn, uint32_t parm)
{
	(void)svc;
	return (fn == SHFL_FN_READ && parm == 4) ||
	       (fn == SHFL_FN_LIST && parm == 5);
}

int shfl_service_register(struct hgcm_host *h, const struct shfl_share *shares,
			  size_t n)
{
	static const struct hgcm_service_ops ops = {
		.name = SHFL_SERVICE_NAME,
		.client_size = sizeof(struct shfl_svc_client),
		.connect = op_connect,
		.disconnect = op_disconnect,
		.call = op_call,
		.cancelled = op_cancelled,
		.unload = op_unload,
		.write_only = op_write_only,
	};
	struct shfl_svc *s;
	int err;

	s = shfl_svc_new(shares, n, &err);
	if (!s)
		return err;
	err = hgcm_host_register(h, &ops, s);
	if (err)
		shfl_svc_free(s);
	return err;
}
