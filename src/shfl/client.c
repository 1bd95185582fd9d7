/* SPDX-License-Identifier: MIT */
/*
 * client.c - the guest side of VirtualBox Shared Folders: one wrapper per
 * SHFL function, the calls Linux fs/vboxsf makes (reference hgcm_shfl.md
 * §5.1, §5.2) plus the ones it leaves out (LOCK, FLUSH, SET_FILE_SIZE,
 * QUERY_FEATURES), over memwire's HGCM guest library.
 *
 *   shfl_client_open()   hgcm_guest_open + HGCM connect "VBoxSharedFolders"
 *                        + SET_UTF8 (+ SET_SYMLINKS), as vboxsf_setup does
 *   strings              SHFLSTRING, UTF-8, NUL-terminated, size = len + 1
 *                        (LinAddr_In, bounced by the HGCM library)
 *   READ / WRITE data    PageList parameters over buffers in guest RAM
 *                        (hgcm_buf_alloc), CHUNK bytes a call, pooled
 *   CREATE soft errors   rc VINF_SUCCESS with Handle NIL: FILE_EXISTS ->
 *                        -EEXIST, otherwise -ENOENT (Linux file.c)
 *   LIST records         126-byte header + name, unaligned, validated one
 *                        by one before use (shfl_dirent_next)
 *
 * Every function returns 0 (or a count) or -errno; VBox status codes
 * become errno in exactly one place, shfl_status_to_errno(), and
 * mw_last_error() names the function and the VBox status.  The host is
 * the other side: every count and record it returns is checked against
 * what was asked before it is used.
 *
 * Locking: a client may be used by many threads at once; the HGCM guest
 * library serialises what it must, the buffer pool has its own lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_i.h"
#include "memwire/shfl.h"

#define CHUNK SHFL_IO_CHUNK /* bytes per READ/WRITE call */
#define POOL_MAX 16	  /* idle guest buffers kept */
#define STR_STACK 512	  /* SHFLSTRINGs up to this size live on the stack */

struct shfl_client {
	struct hgcm_guest *g;
	uint32_t id;	/* HGCM client id */
	int timeout_ms; /* per call; < 0 forever */
	pthread_mutex_t pool_lock;
	uint64_t pool[POOL_MAX]; /* idle CHUNK-byte buffers in guest RAM */
	unsigned npool;
};

/* ------------------------------------------------------------ errors */

/*
 * shfl_status_to_errno() - a VBox status as a negative errno
 *
 * Linux vbg_status_code_to_errno() (drivers/virt/vboxguest/
 * vboxguest_utils.c; reference §2.5): positive (informational) codes are
 * success, unknown negative codes are -EPROTO.  memwire adds its
 * transport's codes: VERR_SEM_DESTROYED (the host went away) is
 * -ENOTCONN, VERR_HGCM_* refusals are -EIO.
 */
int shfl_status_to_errno(int rc)
{
	if (rc >= 0)
		return 0;
	switch (rc) {
	case VERR_ACCESS_DENIED:
		return -EPERM;
	case VERR_FILE_NOT_FOUND:
	case VERR_INVALID_NAME:
		return -ENOENT;
	case VERR_PATH_NOT_FOUND:
	case VERR_NOT_A_DIRECTORY:
		return -ENOTDIR;
	case VERR_ALREADY_EXISTS:
		return -EEXIST;
	case VERR_IS_A_DIRECTORY:
		return -EISDIR;
	case VERR_DIR_NOT_EMPTY:
		return -ENOTEMPTY;
	case VERR_WRITE_PROTECT:
		return -EROFS;
	case VERR_INVALID_HANDLE:
		return -EBADF;
	case VERR_INVALID_PARAMETER:
		return -EINVAL;
	case VERR_NOT_IMPLEMENTED:
	case VERR_NOT_SUPPORTED:
		return -ENOSYS;
	case VERR_NO_MORE_FILES:
	case VERR_NO_DATA:
		return -ENODATA;
	case VERR_TOO_MANY_SYMLINKS:
		return -ELOOP;
	case VERR_FILENAME_TOO_LONG:
		return -ENAMETOOLONG;
	case VERR_DISK_FULL:
		return -ENOSPC;
	case VERR_FILE_TOO_BIG:
		return -EFBIG;
	case VERR_NOT_SAME_DEVICE:
		return -EXDEV;
	case VERR_SHARING_VIOLATION:
		return -ETXTBSY;
	case VERR_FILE_LOCK_FAILED:
		return -ENOLCK;
	case VERR_NO_MEMORY:
		return -ENOMEM;
	case VERR_INVALID_POINTER:
		return -EFAULT;
	case VERR_TIMEOUT:
		return -ETIMEDOUT;
	case VERR_NO_TRANSLATION:
		return -EILSEQ;
	/* Also in Linux's table, not in the reference's excerpt. */
	case VERR_INTERRUPTED:
		return -EINTR;
	case VERR_DEV_IO_ERROR:
		return -EIO;
	case VERR_TOO_MUCH_DATA:
		return -E2BIG;
	case VERR_TRY_AGAIN:
		return -EAGAIN;
	case VERR_TOO_MANY_OPEN_FILES:
		return -ENFILE;
	/* memwire's transport */
	case VERR_SEM_DESTROYED:
		return -ENOTCONN;
	case VERR_HGCM_SERVICE_NOT_FOUND:
	case VERR_HGCM_INVALID_CLIENT_ID:
	case VERR_HGCM_TOO_MANY_CLIENTS:
	case VERR_HGCM_TOO_MANY_CLIENT_CALLS:
		return -EIO;
	default:
		return -EPROTO;
	}
}

/* Record a failed call: "SHFL READ: VERR_DISK_FULL (-152)". */
static int call_err(const char *what, int rc)
{
	return mw_err(shfl_status_to_errno(rc), "SHFL %s: %s (%d)", what,
		      hgcm_status_name(rc), rc);
}

/* --------------------------------------------------------- transport */

static int call(struct shfl_client *c, uint32_t fn, struct hgcm_parm *p,
		uint32_t n)
{
	return hgcm_call(c->g, c->id, fn, p, n, c->timeout_ms, 0);
}

static void p32(struct hgcm_parm *p, uint32_t v)
{
	memset(p, 0, sizeof(*p));
	p->type = HGCM_PARM_32BIT;
	p->u.u32 = v;
}

static void p64(struct hgcm_parm *p, uint64_t v)
{
	memset(p, 0, sizeof(*p));
	p->type = HGCM_PARM_64BIT;
	p->u.u64 = v;
}

static void pbuf(struct hgcm_parm *p, uint32_t type, void *ptr, uint32_t size)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->u.buf.ptr = ptr;
	p->u.buf.size = size;
}

static void ppages(struct hgcm_parm *p, uint64_t phys, uint32_t size,
		   uint32_t dir)
{
	memset(p, 0, sizeof(*p));
	p->type = HGCM_PARM_PAGELIST;
	p->u.pages.phys = phys;
	p->u.pages.size = size;
	p->u.pages.dir = dir;
}

/* A SHFLSTRING holding @s (UTF-8): on the stack when small. */
struct sstr {
	struct shfl_string *s;
	uint32_t bytes; /* header + size */
	union {
		struct shfl_string hdr;
		uint8_t raw[STR_STACK];
	} stack;
};

static int sstr_init(struct sstr *t, const char *s, const char *what)
{
	size_t len = strlen(s);

	/* u16Size counts the terminator: at most 0xffff bytes. */
	if (len >= 0xffff)
		return mw_err(-ENAMETOOLONG, "%s: %zu bytes do not fit a "
			      "SHFLSTRING (at most 65534)", what, len);
	t->bytes = SHFLSTRING_HEADER_SIZE + (uint32_t)len + 1;
	if (t->bytes <= sizeof(t->stack)) {
		t->s = &t->stack.hdr;
	} else {
		t->s = malloc(t->bytes);
		if (!t->s)
			return mw_err(-ENOMEM, "%s: no memory for the path",
				      what);
	}
	t->s->size = (uint16_t)(len + 1);
	t->s->length = (uint16_t)len;
	memcpy(t->s->str, s, len + 1);
	return 0;
}

static void sstr_free(struct sstr *t)
{
	if (t->s && t->s != &t->stack.hdr)
		free(t->s);
	t->s = NULL;
}

/* A CHUNK-byte buffer in guest RAM, from the pool when one is idle. */
int shfl_buf_get(struct shfl_client *c, uint64_t *phys)
{
	int ret;

	pthread_mutex_lock(&c->pool_lock);
	if (c->npool) {
		*phys = c->pool[--c->npool];
		pthread_mutex_unlock(&c->pool_lock);
		return 0;
	}
	pthread_mutex_unlock(&c->pool_lock);
	ret = hgcm_buf_alloc(c->g, CHUNK, phys);
	if (ret < 0)
		return mw_err(ret, "no guest RAM for a %u-byte I/O buffer: %s",
			      CHUNK, mw_last_error());
	return 0;
}

void shfl_buf_put(struct shfl_client *c, uint64_t phys)
{
	pthread_mutex_lock(&c->pool_lock);
	if (c->npool < POOL_MAX) {
		c->pool[c->npool++] = phys;
		phys = 0;
	}
	pthread_mutex_unlock(&c->pool_lock);
	if (phys)
		hgcm_buf_free(c->g, phys);
}

/* ------------------------------------------------------- connection */

int shfl_client_open(const char *socket_path, uint64_t ram_size,
		     unsigned flags, struct shfl_client **out)
{
	struct shfl_client *c;
	int64_t id;
	int ret;

	mw_clear_error();
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return mw_err(-ENOMEM, "no memory for a SHFL client");
	pthread_mutex_init(&c->pool_lock, NULL);
	c->timeout_ms = SHFL_CLIENT_TIMEOUT_MS;
	c->g = hgcm_guest_open(socket_path, ram_size);
	if (!c->g) {
		ret = mw_err(-ECONNREFUSED, "%s: %s", socket_path,
			     *mw_last_error() ? mw_last_error()
					      : "no HGCM host there");
		goto err_free;
	}
	id = hgcm_connect(c->g, SHFL_SERVICE_NAME, c->timeout_ms);
	if (id <= 0) {
		ret = mw_err(id == VERR_HGCM_SERVICE_NOT_FOUND ? -ENOENT
							       : -ECONNREFUSED,
			     "%s: HGCM connect to %s: %s (%d)", socket_path,
			     SHFL_SERVICE_NAME, hgcm_status_name((int)id),
			     (int)id);
		goto err_close;
	}
	c->id = (uint32_t)id;
	/* vboxsf_setup(): UTF-8 strings, then lstat semantics. */
	ret = shfl_set_utf8(c);
	if (!ret && !(flags & SHFL_OPEN_FOLLOW_SYMLINKS))
		ret = shfl_set_symlinks(c);
	if (ret)
		goto err_disconnect;
	*out = c;
	return 0;

err_disconnect:
	hgcm_disconnect(c->g, c->id, c->timeout_ms);
err_close:
	hgcm_guest_close(c->g);
err_free:
	pthread_mutex_destroy(&c->pool_lock);
	free(c);
	return ret;
}

void shfl_client_close(struct shfl_client *c)
{
	if (!c)
		return;
	while (c->npool)
		hgcm_buf_free(c->g, c->pool[--c->npool]);
	if (!hgcm_guest_host_dead(c->g))
		hgcm_disconnect(c->g, c->id, 1000);
	hgcm_guest_close(c->g);
	pthread_mutex_destroy(&c->pool_lock);
	free(c);
}

bool shfl_client_dead(const struct shfl_client *c)
{
	return hgcm_guest_host_dead(c->g);
}

void shfl_client_set_timeout(struct shfl_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

struct hgcm_guest *shfl_client_guest(struct shfl_client *c)
{
	return c->g;
}

/* ------------------------------------------------ simple functions */

int shfl_set_utf8(struct shfl_client *c)
{
	int rc = call(c, SHFL_FN_SET_UTF8, NULL, 0);

	return rc < 0 ? call_err("SET_UTF8", rc) : 0;
}

int shfl_set_symlinks(struct shfl_client *c)
{
	int rc = call(c, SHFL_FN_SET_SYMLINKS, NULL, 0);

	return rc < 0 ? call_err("SET_SYMLINKS", rc) : 0;
}

int shfl_query_features(struct shfl_client *c, uint64_t *features,
			uint32_t *last_fn)
{
	struct hgcm_parm p[2];
	int rc;

	p64(&p[0], 0);
	p32(&p[1], 0);
	rc = call(c, SHFL_FN_QUERY_FEATURES, p, 2);
	if (rc < 0)
		return call_err("QUERY_FEATURES", rc);
	*features = p[0].u.u64;
	*last_fn = p[1].u.u32;
	return 0;
}

int shfl_map_folder(struct shfl_client *c, const char *name, uint32_t *root)
{
	struct hgcm_parm p[4];
	struct sstr s;
	int rc, ret;

	ret = sstr_init(&s, name, "share name");
	if (ret)
		return ret;
	/* vboxsf_map_folder(): '/' delimiter, case-sensitive. */
	pbuf(&p[0], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	p32(&p[1], 0);
	p32(&p[2], '/');
	p32(&p[3], 1);
	rc = call(c, SHFL_FN_MAP_FOLDER, p, 4);
	sstr_free(&s);
	if (rc < 0) {
		if (rc == VERR_FILE_NOT_FOUND)
			return mw_err(-ENOENT, "no share named '%s' (SHFL "
				      "MAP_FOLDER: VERR_FILE_NOT_FOUND)", name);
		return call_err("MAP_FOLDER", rc);
	}
	if (p[1].u.u32 == SHFL_ROOT_NIL)
		return mw_err(-EPROTO, "SHFL MAP_FOLDER: the host answered "
			      "success with root SHFL_ROOT_NIL");
	*root = p[1].u.u32;
	return 0;
}

int shfl_unmap_folder(struct shfl_client *c, uint32_t root)
{
	struct hgcm_parm p[1];
	int rc;

	p32(&p[0], root);
	rc = call(c, SHFL_FN_UNMAP_FOLDER, p, 1);
	return rc < 0 ? call_err("UNMAP_FOLDER", rc) : 0;
}

int shfl_query_map_info(struct shfl_client *c, uint32_t root,
			uint64_t *flags)
{
	struct {
		struct shfl_string hdr;
		uint8_t room[SHFL_MAX_LEN * 2];
	} name, mp;
	struct hgcm_parm p[5];
	int rc;

	memset(&name, 0, sizeof(name));
	memset(&mp, 0, sizeof(mp));
	name.hdr.size = mp.hdr.size = sizeof(name.room);
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR, &name, sizeof(name));
	pbuf(&p[2], HGCM_PARM_LINADDR, &mp, sizeof(mp));
	p64(&p[3], 0);
	p32(&p[4], 0);
	rc = call(c, SHFL_FN_QUERY_MAP_INFO, p, 5);
	if (rc < 0)
		return call_err("QUERY_MAP_INFO", rc);
	*flags = p[3].u.u64;
	return 0;
}

/* -------------------------------------------------------- CREATE */

int shfl_create(struct shfl_client *c, uint32_t root, const char *path,
		struct shfl_createparms *parms)
{
	struct hgcm_parm p[3];
	struct sstr s;
	int rc, ret;

	ret = sstr_init(&s, path, path);
	if (ret)
		return ret;
	parms->handle = SHFL_HANDLE_NIL;
	parms->result = SHFL_NO_RESULT;
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	pbuf(&p[2], HGCM_PARM_LINADDR, parms, sizeof(*parms));
	rc = call(c, SHFL_FN_CREATE, p, 3);
	sstr_free(&s);
	if (rc < 0)
		return mw_err(shfl_status_to_errno(rc), "SHFL CREATE %s: %s (%d)",
			      path, hgcm_status_name(rc), rc);
	if (p[2].u.buf.size != sizeof(*parms))
		return mw_err(-EPROTO, "SHFL CREATE %s: the host returned %u "
			      "bytes of SHFLCREATEPARMS, not %zu", path,
			      p[2].u.buf.size, sizeof(*parms));
	if (parms->create_flags & SHFL_CF_LOOKUP)
		return 0; /* Result says it; no handle is expected */
	if (parms->handle == SHFL_HANDLE_NIL) {
		/* Soft failures come back in Result (§3.6). */
		if (parms->result == SHFL_FILE_EXISTS)
			return mw_err(-EEXIST, "SHFL CREATE %s: exists", path);
		return mw_err(-ENOENT, "SHFL CREATE %s: %s", path,
			      parms->result == SHFL_PATH_NOT_FOUND
				      ? "path not found"
				      : "file not found");
	}
	if (parms->handle == SHFL_HANDLE_ROOT)
		return mw_err(-EPROTO, "SHFL CREATE %s: the host returned "
			      "handle 0 (SHFL_HANDLE_ROOT)", path);
	return 0;
}

int shfl_stat(struct shfl_client *c, uint32_t root, const char *path,
	      struct shfl_fsobjinfo *info)
{
	struct shfl_createparms parms;
	int ret;

	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_LOOKUP | SHFL_CF_ACT_FAIL_IF_NEW;
	ret = shfl_create(c, root, path, &parms);
	if (ret)
		return ret;
	if (parms.result != SHFL_FILE_EXISTS)
		return mw_err(-ENOENT, "%s: no such file or directory (SHFL "
			      "CREATE result %u)", path, parms.result);
	*info = parms.info;
	return 0;
}

int shfl_close(struct shfl_client *c, uint32_t root, uint64_t handle)
{
	struct hgcm_parm p[2];
	int rc;

	p32(&p[0], root);
	p64(&p[1], handle);
	rc = call(c, SHFL_FN_CLOSE, p, 2);
	return rc < 0 ? call_err("CLOSE", rc) : 0;
}

/* -------------------------------------------------- READ / WRITE */

int shfl_read_pages(struct shfl_client *c, uint32_t root, uint64_t handle,
		    uint64_t off, uint64_t phys, uint32_t len)
{
	struct hgcm_parm p[5];
	int rc;

	if (len > SHFL_MAX_RW_COUNT)
		return mw_err(-EINVAL, "SHFL READ: %u bytes is more than %u",
			      len, SHFL_MAX_RW_COUNT);
	p32(&p[0], root);
	p64(&p[1], handle);
	p64(&p[2], off);
	p32(&p[3], len);
	ppages(&p[4], phys, len, HGCM_DIR_FROM_HOST);
	rc = call(c, SHFL_FN_READ, p, 5);
	if (rc < 0)
		return call_err("READ", rc);
	if (p[3].u.u32 > len)
		return mw_err(-EPROTO, "SHFL READ: the host read %u bytes "
			      "into a %u-byte buffer", p[3].u.u32, len);
	return (int)p[3].u.u32;
}

int shfl_write_pages(struct shfl_client *c, uint32_t root, uint64_t handle,
		     uint64_t off, uint64_t phys, uint32_t len,
		     uint64_t *new_off)
{
	struct hgcm_parm p[5];
	int rc;

	if (len > SHFL_MAX_RW_COUNT)
		return mw_err(-EINVAL, "SHFL WRITE: %u bytes is more than %u",
			      len, SHFL_MAX_RW_COUNT);
	p32(&p[0], root);
	p64(&p[1], handle);
	p64(&p[2], off);
	p32(&p[3], len);
	ppages(&p[4], phys, len, HGCM_DIR_TO_HOST);
	rc = call(c, SHFL_FN_WRITE, p, 5);
	if (rc < 0)
		return call_err("WRITE", rc);
	if (p[3].u.u32 > len)
		return mw_err(-EPROTO, "SHFL WRITE: the host wrote %u bytes "
			      "of %u", p[3].u.u32, len);
	if (new_off)
		*new_off = p[2].u.u64; /* SHFL_FEATURE_WRITE_UPDATES_OFFSET */
	return (int)p[3].u.u32;
}

ssize_t shfl_read(struct shfl_client *c, uint32_t root, uint64_t handle,
		  uint64_t off, void *buf, size_t len)
{
	size_t done = 0;
	uint64_t phys;
	int ret;

	ret = shfl_buf_get(c, &phys);
	if (ret)
		return ret;
	while (done < len) {
		uint32_t n = len - done > CHUNK ? CHUNK : (uint32_t)(len - done);
		void *src;

		ret = shfl_read_pages(c, root, handle, off + done, phys, n);
		if (ret <= 0)
			break;
		src = hgcm_guest_ptr(c->g, phys, (size_t)ret);
		if (!src) {
			ret = mw_err(-EFAULT, "SHFL READ: buffer 0x%llx is not "
				     "guest RAM", (unsigned long long)phys);
			break;
		}
		memcpy((uint8_t *)buf + done, src, (size_t)ret);
		done += (size_t)ret;
		if ((uint32_t)ret < n)
			break; /* end of file */
	}
	shfl_buf_put(c, phys);
	return ret < 0 && !done ? ret : (ssize_t)done;
}

ssize_t shfl_write(struct shfl_client *c, uint32_t root, uint64_t handle,
		   uint64_t off, const void *buf, size_t len)
{
	size_t done = 0;
	uint64_t phys;
	int ret = 0;

	ret = shfl_buf_get(c, &phys);
	if (ret)
		return ret;
	while (done < len) {
		uint32_t n = len - done > CHUNK ? CHUNK : (uint32_t)(len - done);
		void *dst = hgcm_guest_ptr(c->g, phys, n);

		if (!dst) {
			ret = mw_err(-EFAULT, "SHFL WRITE: buffer 0x%llx is "
				     "not guest RAM", (unsigned long long)phys);
			break;
		}
		memcpy(dst, (const uint8_t *)buf + done, n);
		ret = shfl_write_pages(c, root, handle, off + done, phys, n,
				       NULL);
		if (ret < 0)
			break;
		if (ret == 0) {
			ret = mw_err(-EIO, "SHFL WRITE: the host wrote 0 of "
				     "%u bytes", n);
			break;
		}
		done += (size_t)ret;
	}
	shfl_buf_put(c, phys);
	return ret < 0 && !done ? ret : (ssize_t)done;
}

/* ------------------------------------------------------------ LIST */

int shfl_list(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint32_t flags, const char *filter, void *buf, uint32_t *len,
	      uint32_t *count)
{
	struct hgcm_parm p[8];
	struct sstr s = { 0 };
	int rc, ret;

	if (filter) {
		ret = sstr_init(&s, filter, "filter");
		if (ret)
			return ret;
		pbuf(&p[4], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	} else {
		/* Linux: no filter is an empty LinAddr_In (a non-NULL
		 * pointer all the same: nothing is copied from it). */
		pbuf(&p[4], HGCM_PARM_LINADDR_IN, &s.stack, 0);
	}
	p32(&p[0], root);
	p64(&p[1], handle);
	p32(&p[2], flags);
	p32(&p[3], *len);
	pbuf(&p[5], HGCM_PARM_LINADDR_OUT, buf, *len);
	p32(&p[6], 0); /* resume point: ignored by hosts (§3.8) */
	p32(&p[7], 0);
	rc = call(c, SHFL_FN_LIST, p, 8);
	sstr_free(&s);
	*count = 0;
	if (rc == VERR_NO_MORE_FILES) {
		*len = 0;
		return 1;
	}
	if (rc < 0)
		return call_err("LIST", rc);
	if (p[3].u.u32 > *len)
		return mw_err(-EPROTO, "SHFL LIST: the host filled %u bytes "
			      "of a %u-byte buffer", p[3].u.u32, *len);
	*len = p[3].u.u32;
	*count = p[7].u.u32;
	/* resume point 0: the host hit the end while listing these */
	return p[6].u.u32 == 0 ? 1 : 0;
}

int shfl_dirent_next(const void *buf, uint32_t len, uint32_t *off,
		     struct shfl_dirent *ent)
{
	const uint8_t *b = buf;
	struct shfl_dirinfo hdr;
	uint32_t at = *off;

	if (at == len)
		return 0;
	if (at > len || len - at < SHFL_DIRINFO_HDR_SIZE)
		return mw_err(-EPROTO, "SHFL LIST: record at %u: %u bytes left, "
			      "a header needs %u", at, len - at,
			      SHFL_DIRINFO_HDR_SIZE);
	/* Copy the header first, then check it (the buffer is the host's). */
	memcpy(&hdr, b + at, sizeof(hdr));
	if (hdr.name_size == 0 ||
	    hdr.name_size > len - at - SHFL_DIRINFO_HDR_SIZE)
		return mw_err(-EPROTO, "SHFL LIST: record at %u: name.u16Size "
			      "%u does not fit the %u bytes left", at,
			      hdr.name_size, len - at - SHFL_DIRINFO_HDR_SIZE);
	if (hdr.name_length >= hdr.name_size)
		return mw_err(-EPROTO, "SHFL LIST: record at %u: name.u16Length "
			      "%u is not below u16Size %u", at,
			      hdr.name_length, hdr.name_size);
	if (hdr.name_length == 0 || hdr.name_length > 255)
		return mw_err(-EPROTO, "SHFL LIST: record at %u: a name of %u "
			      "bytes", at, hdr.name_length);
	memcpy(ent->name, b + at + SHFL_DIRINFO_HDR_SIZE, hdr.name_length);
	ent->name[hdr.name_length] = '\0';
	if (strlen(ent->name) != hdr.name_length || strchr(ent->name, '/'))
		return mw_err(-EPROTO, "SHFL LIST: record at %u: the name holds "
			      "a NUL or a '/'", at);
	ent->info = hdr.info;
	*off = at + SHFL_DIRINFO_HDR_SIZE + hdr.name_size;
	return 1;
}

/* ----------------------------------------------------- INFORMATION */

int shfl_info(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint32_t flags, void *buf, uint32_t *len)
{
	struct hgcm_parm p[5];
	int rc;

	p32(&p[0], root);
	p64(&p[1], handle);
	p32(&p[2], flags);
	p32(&p[3], *len);
	pbuf(&p[4], HGCM_PARM_LINADDR, buf, *len);
	rc = call(c, SHFL_FN_INFORMATION, p, 5);
	if (rc < 0)
		return call_err("INFORMATION", rc);
	if (p[3].u.u32 > *len)
		return mw_err(-EPROTO, "SHFL INFORMATION: the host returned %u "
			      "bytes in a %u-byte buffer", p[3].u.u32, *len);
	*len = p[3].u.u32;
	return 0;
}

static int info_fixed(struct shfl_client *c, uint32_t root, uint64_t handle,
		      uint32_t flags, void *buf, uint32_t size)
{
	uint32_t len = size;
	int ret = shfl_info(c, root, handle, flags, buf, &len);

	if (ret)
		return ret;
	if (len < size)
		return mw_err(-EPROTO, "SHFL INFORMATION 0x%x: the host "
			      "returned %u bytes, not %u", flags, len, size);
	return 0;
}

int shfl_fsinfo_get(struct shfl_client *c, uint32_t root, uint64_t handle,
		    struct shfl_fsobjinfo *info)
{
	memset(info, 0, sizeof(*info));
	return info_fixed(c, root, handle, SHFL_INFO_GET | SHFL_INFO_FILE, info,
			  sizeof(*info));
}

int shfl_fsinfo_set(struct shfl_client *c, uint32_t root, uint64_t handle,
		    struct shfl_fsobjinfo *info)
{
	return info_fixed(c, root, handle, SHFL_INFO_SET | SHFL_INFO_FILE, info,
			  sizeof(*info));
}

int shfl_volinfo(struct shfl_client *c, uint32_t root,
		 struct shfl_volinfo *vol)
{
	memset(vol, 0, sizeof(*vol));
	/* Linux vboxsf_statfs: handle 0, the host ignores it (§3.9). */
	return info_fixed(c, root, SHFL_HANDLE_ROOT,
			  SHFL_INFO_GET | SHFL_INFO_VOLUME, vol, sizeof(*vol));
}

int shfl_set_file_size(struct shfl_client *c, uint32_t root, uint64_t handle,
		       uint64_t size)
{
	struct hgcm_parm p[3];
	int rc;

	p32(&p[0], root);
	p64(&p[1], handle);
	p64(&p[2], size);
	rc = call(c, SHFL_FN_SET_FILE_SIZE, p, 3);
	return rc < 0 ? call_err("SET_FILE_SIZE", rc) : 0;
}

/* -------------------------------------------- names: remove, rename */

int shfl_remove(struct shfl_client *c, uint32_t root, const char *path,
		uint32_t flags)
{
	struct hgcm_parm p[3];
	struct sstr s;
	int rc, ret;

	ret = sstr_init(&s, path, path);
	if (ret)
		return ret;
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	p32(&p[2], flags);
	rc = call(c, SHFL_FN_REMOVE, p, 3);
	sstr_free(&s);
	if (rc < 0)
		return mw_err(shfl_status_to_errno(rc), "SHFL REMOVE %s: %s (%d)",
			      path, hgcm_status_name(rc), rc);
	return 0;
}

int shfl_rename(struct shfl_client *c, uint32_t root, const char *src,
		const char *dst, uint32_t flags)
{
	struct hgcm_parm p[4];
	struct sstr s, d;
	int rc, ret;

	ret = sstr_init(&s, src, src);
	if (ret)
		return ret;
	ret = sstr_init(&d, dst, dst);
	if (ret) {
		sstr_free(&s);
		return ret;
	}
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	pbuf(&p[2], HGCM_PARM_LINADDR_IN, d.s, d.bytes);
	p32(&p[3], flags);
	rc = call(c, SHFL_FN_RENAME, p, 4);
	sstr_free(&s);
	sstr_free(&d);
	if (rc < 0)
		return mw_err(shfl_status_to_errno(rc), "SHFL RENAME %s -> %s: "
			      "%s (%d)", src, dst, hgcm_status_name(rc), rc);
	return 0;
}

int shfl_flush(struct shfl_client *c, uint32_t root, uint64_t handle)
{
	struct hgcm_parm p[2];
	int rc;

	p32(&p[0], root);
	p64(&p[1], handle);
	rc = call(c, SHFL_FN_FLUSH, p, 2);
	return rc < 0 ? call_err("FLUSH", rc) : 0;
}

int shfl_lock(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint64_t off, uint64_t len, uint32_t flags)
{
	struct hgcm_parm p[5];
	int rc;

	p32(&p[0], root);
	p64(&p[1], handle);
	p64(&p[2], off);
	p64(&p[3], len);
	p32(&p[4], flags);
	rc = call(c, SHFL_FN_LOCK, p, 5);
	return rc < 0 ? call_err("LOCK", rc) : 0;
}

/* --------------------------------------------------------- symlinks */

int shfl_readlink(struct shfl_client *c, uint32_t root, const char *path,
		  char *buf, size_t len)
{
	struct hgcm_parm p[3];
	struct sstr s;
	size_t n;
	int rc, ret;

	if (len < 2 || len > 0x10000)
		return mw_err(-EINVAL, "SHFL READLINK: a %zu-byte buffer", len);
	ret = sstr_init(&s, path, path);
	if (ret)
		return ret;
	/* Zeroed: the host returns a NUL-terminated target, no length. */
	memset(buf, 0, len);
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	pbuf(&p[2], HGCM_PARM_LINADDR_OUT, buf, (uint32_t)len);
	rc = call(c, SHFL_FN_READLINK, p, 3);
	sstr_free(&s);
	if (rc < 0)
		return mw_err(shfl_status_to_errno(rc), "SHFL READLINK %s: %s "
			      "(%d)", path, hgcm_status_name(rc), rc);
	n = strnlen(buf, len);
	if (n == len)
		return mw_err(-ENAMETOOLONG, "SHFL READLINK %s: the target is "
			      "not NUL-terminated within %zu bytes", path, len);
	if (n == 0)
		return mw_err(-EPROTO, "SHFL READLINK %s: an empty target", path);
	return (int)n;
}

int shfl_symlink(struct shfl_client *c, uint32_t root, const char *path,
		 const char *target, struct shfl_fsobjinfo *info)
{
	struct hgcm_parm p[4];
	struct sstr s, t;
	int rc, ret;

	ret = sstr_init(&s, path, path);
	if (ret)
		return ret;
	ret = sstr_init(&t, target, target);
	if (ret) {
		sstr_free(&s);
		return ret;
	}
	memset(info, 0, sizeof(*info));
	p32(&p[0], root);
	pbuf(&p[1], HGCM_PARM_LINADDR_IN, s.s, s.bytes);
	pbuf(&p[2], HGCM_PARM_LINADDR_IN, t.s, t.bytes);
	pbuf(&p[3], HGCM_PARM_LINADDR_OUT, info, sizeof(*info));
	rc = call(c, SHFL_FN_SYMLINK, p, 4);
	sstr_free(&s);
	sstr_free(&t);
	if (rc < 0)
		return mw_err(shfl_status_to_errno(rc), "SHFL SYMLINK %s -> %s: "
			      "%s (%d)", path, target, hgcm_status_name(rc), rc);
	return 0;
}
