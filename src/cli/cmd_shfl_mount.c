/* SPDX-License-Identifier: MIT */
/*
 * cmd_shfl_mount.c - `memwire shfl mount --socket PATH SHARE MOUNTPOINT`:
 * a VirtualBox shared folder as a FUSE file system, the job Linux's vboxsf
 * does in a guest (reference hgcm_shfl.md §5.3), with the libfuse3
 * low-level API and a thread per request.
 *
 * Inodes.  SHFL names objects by path from the share's root, so an inode
 * is a node of a tree that mirrors the kernel's dentries: {parent, name,
 * lookup count}; its path is built by walking up.  A rename moves one node
 * and its whole subtree follows.  Inode numbers are ours (a counter; the
 * root is 1), never reused.  A node lives while the kernel holds lookups on
 * it or it has children; unlink and rename-over take it out of the name
 * table (later lookups make a new node) but keep it for open files.  One
 * mutex guards the tables; no host call is made under it.
 *
 *   lookup, getattr      CREATE(LOOKUP), or INFORMATION GET on an open handle
 *   open, create         CREATE with SHFL_CF_ACCESS_* and the ACT_* pair of
 *                        the open flags (vboxsf's table), one host handle
 *                        per open file
 *   read, write          READ/WRITE through PageLists in guest RAM, replied
 *                        straight from guest RAM
 *   setattr              SET_FILE_SIZE; INFORMATION SET|FILE (mode, times)
 *                        on the open handle or a short-lived one
 *   readdir(plus)        LIST at opendir into a snapshot (like vboxsf);
 *                        readdirplus hands out entries with their attributes
 *   unlink/rmdir/rename  REMOVE / RENAME; symlink, readlink: SYMLINK, READLINK
 *   fsync                FLUSH; statfs: INFORMATION GET|VOLUME
 *
 * Caching: attributes and entries (negative ones too) for ttl= ms (default
 * 1000); file data goes through the page cache (no direct I/O), so shared
 * writable mmap works, and keep_cache is off, so every open() starts from
 * the host's data.  That is what SQLite needs in both journal modes (WAL
 * maps the -shm file shared); POSIX and BSD locks are the guest kernel's,
 * as with vboxsf (SHFL LOCK is a no-op on POSIX hosts).
 *
 * Ownership comes from uid=/gid= (default: whoever mounts); chown is
 * accepted and ignored, as vboxsf does.  When the host goes away every call
 * fails at once: operations answer ENOTCONN; the mount stays until
 * `fusermount3 -u` or SIGTERM/SIGINT, which unmount cleanly.
 */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shfl_cli.h"
#include "memwire/shfl.h"

#define IO_MAX SHFL_IO_CHUNK /* max_write and the largest read: one pooled buffer */
#define NBUCKET 16384	    /* hash buckets of each table */
/* LIST rounds in a row that may bring nothing before we give up */
#define LIST_EMPTY_MAX 16
#define DIR_BUF (64u << 10) /* one LIST call */

/* --------------------------------------------------------- the tree */

struct node {
	uint64_t ino;
	struct node *parent; /* NULL for the root */
	char *name;	     /* NULL for the root */
	uint64_t nlookup;    /* the kernel's references */
	unsigned nchild;     /* nodes whose parent we are */
	bool hashed;	     /* in the name table */
	mode_t type;	     /* S_IFMT last seen, 0 unknown */
	/* the host's attributes, good for getattr until @info_until
	 * (CLOCK_MONOTONIC ns; 0: none): the kernel drops its copy of a
	 * directory's after every create or remove in it */
	struct shfl_fsobjinfo info;
	int64_t info_until;
	struct node *ino_next, *name_next;
};

struct ofile {
	uint64_t handle;
	/* directories: the snapshot taken by the first readdir */
	struct shfl_dirent *ents;
	size_t nents;
	bool loaded, served;
	pthread_mutex_t lock;
};

static struct {
	struct shfl_client *c;
	uint32_t root;
	const char *share;
	uid_t uid;
	gid_t gid;
	bool ro;
	double ttl; /* seconds */
	struct fuse_session *se;
	pthread_mutex_t lock; /* the tables, next_ino */
	struct node *ino_tab[NBUCKET];
	struct node *name_tab[NBUCKET];
	struct node rootn;
	uint64_t next_ino;
} M = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static unsigned hash_ino(uint64_t ino)
{
	return (unsigned)((ino * 0x9e3779b97f4a7c15ull) >> 50) % NBUCKET;
}

static unsigned hash_name(const struct node *parent, const char *name)
{
	uint64_t h = (uint64_t)(uintptr_t)parent * 0x100000001b3ull;

	while (*name)
		h = (h ^ (uint8_t)*name++) * 0x100000001b3ull;
	return (unsigned)(h >> 20) % NBUCKET;
}

/* Under M.lock. */
static struct node *node_get(fuse_ino_t ino)
{
	struct node *n;

	if (ino == FUSE_ROOT_ID)
		return &M.rootn;
	for (n = M.ino_tab[hash_ino(ino)]; n; n = n->ino_next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct node *child_get(struct node *parent, const char *name)
{
	struct node *n;

	for (n = M.name_tab[hash_name(parent, name)]; n; n = n->name_next)
		if (n->parent == parent && !strcmp(n->name, name))
			return n;
	return NULL;
}

static void name_unhash(struct node *n)
{
	struct node **pp;

	if (!n->hashed)
		return;
	for (pp = &M.name_tab[hash_name(n->parent, n->name)]; *pp;
	     pp = &(*pp)->name_next)
		if (*pp == n) {
			*pp = n->name_next;
			break;
		}
	n->hashed = false;
}

static void name_hash(struct node *n)
{
	unsigned b = hash_name(n->parent, n->name);

	n->name_next = M.name_tab[b];
	M.name_tab[b] = n;
	n->hashed = true;
}

/* Free @n and the ancestors it kept alive, once nothing refers to them. */
static void node_put(struct node *n)
{
	while (n && n != &M.rootn && n->nlookup == 0 && n->nchild == 0) {
		struct node *parent = n->parent, **pp;

		name_unhash(n);
		for (pp = &M.ino_tab[hash_ino(n->ino)]; *pp;
		     pp = &(*pp)->ino_next)
			if (*pp == n) {
				*pp = n->ino_next;
				break;
			}
		free(n->name);
		free(n);
		parent->nchild--;
		n = parent;
	}
}

/* The node for @parent/@name, made when missing; one more lookup. */
static struct node *node_lookup(struct node *parent, const char *name,
				mode_t type)
{
	struct node *n = child_get(parent, name);
	unsigned b;

	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return NULL;
		n->name = strdup(name);
		if (!n->name) {
			free(n);
			return NULL;
		}
		n->ino = M.next_ino++;
		n->parent = parent;
		parent->nchild++;
		b = hash_ino(n->ino);
		n->ino_next = M.ino_tab[b];
		M.ino_tab[b] = n;
		name_hash(n);
	}
	n->nlookup++;
	n->type = type;
	return n;
}

/* "/a/b" for @n, "/a/b/@name" with @name; malloc'ed.  Under M.lock. */
static char *node_path(const struct node *n, const char *name)
{
	const struct node *p;
	size_t len = name ? strlen(name) + 1 : 0, at;
	char *s;

	for (p = n; p != &M.rootn; p = p->parent)
		len += strlen(p->name) + 1;
	s = malloc(len + 2);
	if (!s)
		return NULL;
	at = len;
	s[at] = '\0';
	if (name) {
		at -= strlen(name);
		memcpy(s + at, name, strlen(name));
		s[--at] = '/';
	}
	for (p = n; p != &M.rootn; p = p->parent) {
		at -= strlen(p->name);
		memcpy(s + at, p->name, strlen(p->name));
		s[--at] = '/';
	}
	if (len == 0) {
		s[0] = '/';
		s[1] = '\0';
	}
	return s;
}

/* Path of inode @ino (plus @name); -ESTALE / -ENOMEM. */
static int path_of(fuse_ino_t ino, const char *name, char **out,
		   mode_t *type)
{
	struct node *n;

	if (name && strlen(name) > 255)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&M.lock);
	n = node_get(ino);
	if (!n) {
		pthread_mutex_unlock(&M.lock);
		return -ESTALE;
	}
	if (type) {
		struct node *ch = name ? child_get(n, name) : n;

		*type = ch ? ch->type : 0;
	}
	*out = node_path(n, name);
	pthread_mutex_unlock(&M.lock);
	return *out ? 0 : -ENOMEM;
}

/* ------------------------------------------------------- attributes */

static int errno_of(int ret)
{
	if (ret == -EPROTO)
		return EIO; /* the host broke the protocol */
	return -ret;
}

static void fill_stat(struct stat *st, uint64_t ino,
		      const struct shfl_fsobjinfo *info)
{
	uint32_t mode = info->attr.mode;
	mode_t type;

	memset(st, 0, sizeof(*st));
	switch (mode & RTFS_TYPE_MASK) {
	case RTFS_TYPE_DIRECTORY:
		type = S_IFDIR;
		break;
	case RTFS_TYPE_SYMLINK:
		type = S_IFLNK;
		break;
	case RTFS_TYPE_FILE:
		type = S_IFREG;
		break;
	case 0:
		/* DOS attributes only */
		type = mode & RTFS_DOS_DIRECTORY ? S_IFDIR : S_IFREG;
		break;
	default:
		/* FIFOs, devices, sockets: shown, never opened by the host */
		type = (mode_t)(mode & RTFS_TYPE_MASK);
		break;
	}
	st->st_mode = type | (mode & 07777);
	st->st_ino = ino;
	st->st_nlink = info->attr.nlink ? info->attr.nlink : 1;
	st->st_uid = M.uid;
	st->st_gid = M.gid;
	st->st_size = info->size < 0 ? 0 : info->size;
	st->st_blksize = 4096;
	st->st_blocks = info->allocated < 0 ? 0 : (info->allocated + 511) / 512;
	st->st_atim.tv_sec = info->atime_ns / 1000000000;
	st->st_atim.tv_nsec = info->atime_ns % 1000000000;
	st->st_mtim.tv_sec = info->mtime_ns / 1000000000;
	st->st_mtim.tv_nsec = info->mtime_ns % 1000000000;
	st->st_ctim.tv_sec = info->ctime_ns / 1000000000;
	st->st_ctim.tv_nsec = info->ctime_ns % 1000000000;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Under M.lock: @n's attributes are @info, as of now. */
static void info_set(struct node *n, const struct shfl_fsobjinfo *info)
{
	n->info = *info;
	n->info_until = M.ttl > 0 ? mono_ns() + (int64_t)(M.ttl * 1e9) : 0;
}

/* Forget the cached attributes of @ino (we changed the object). */
static void info_drop(fuse_ino_t ino)
{
	struct node *n;

	pthread_mutex_lock(&M.lock);
	n = node_get(ino);
	if (n)
		n->info_until = 0;
	pthread_mutex_unlock(&M.lock);
}

/*
 * We changed an entry of directory @parent: its times are now @time_ns
 * (the host's clock when a new object's ctime gives it, else ours) and
 * its link count moved by @dlink.  This keeps the cached attributes
 * good without a round trip; the host's own view returns after ttl.
 */
static void info_dir_changed(fuse_ino_t parent, int64_t time_ns, int dlink)
{
	struct node *n;

	if (!time_ns) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	pthread_mutex_lock(&M.lock);
	n = node_get(parent);
	if (n && n->info_until) {
		if (time_ns > n->info.mtime_ns)
			n->info.mtime_ns = time_ns;
		if (time_ns > n->info.ctime_ns)
			n->info.ctime_ns = time_ns;
		if (dlink && n->info.attr.nlink + dlink >= 1)
			n->info.attr.nlink += dlink;
	}
	pthread_mutex_unlock(&M.lock);
}

/* Fill @e for @parent/@name from @info: one more lookup on the node. */
static int make_entry(fuse_ino_t parent, const char *name,
		      const struct shfl_fsobjinfo *info,
		      struct fuse_entry_param *e)
{
	struct node *p, *n = NULL;
	struct stat st;

	fill_stat(&st, 0, info);
	pthread_mutex_lock(&M.lock);
	p = node_get(parent);
	if (p)
		n = node_lookup(p, name, st.st_mode & S_IFMT);
	if (n)
		info_set(n, info);
	pthread_mutex_unlock(&M.lock);
	if (!n)
		return p ? -ENOMEM : -ESTALE;
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->generation = 1;
	e->attr = st;
	e->attr.st_ino = n->ino;
	e->attr_timeout = M.ttl;
	e->entry_timeout = M.ttl;
	return 0;
}

/* ------------------------------------------------------- operations */

static void trace(const char *op, const char *path, int err)
{
	if (verbose && err)
		fprintf(stderr, "memwire: %s %s: %s (%s)\n", op,
			path ? path : "", strerror(err), mw_last_error());
}

static void op_init(void *ud, struct fuse_conn_info *conn)
{
	(void)ud;
	conn->max_write = IO_MAX;
	conn->max_readahead = IO_MAX;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* The page cache is write-through; no writeback caching. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct shfl_fsobjinfo info;
	struct fuse_entry_param e;
	char *path;
	int ret;

	ret = path_of(parent, name, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = shfl_stat(M.c, M.root, path, &info);
	if (ret == -ENOENT || ret == -ENOTDIR) {
		/* A negative entry, cached for ttl like positive ones. */
		free(path);
		memset(&e, 0, sizeof(e));
		e.entry_timeout = M.ttl;
		fuse_reply_entry(req, &e);
		return;
	}
	if (!ret)
		ret = make_entry(parent, name, &info, &e);
	trace("lookup", path, -ret);
	free(path);
	if (ret)
		fuse_reply_err(req, errno_of(ret));
	else
		fuse_reply_entry(req, &e);
}

static void op_forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	struct node *n;

	pthread_mutex_lock(&M.lock);
	n = node_get(ino);
	if (n && n != &M.rootn) {
		n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
		node_put(n);
	}
	pthread_mutex_unlock(&M.lock);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	op_forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++)
		op_forget_one(f[i].ino, f[i].nlookup);
	fuse_reply_none(req);
}

static void reply_info(fuse_req_t req, fuse_ino_t ino,
		       const struct shfl_fsobjinfo *info)
{
	struct stat st;

	fill_stat(&st, ino, info);
	pthread_mutex_lock(&M.lock);
	{
		struct node *n = node_get(ino);

		if (n) {
			n->type = st.st_mode & S_IFMT;
			info_set(n, info);
		}
	}
	pthread_mutex_unlock(&M.lock);
	fuse_reply_attr(req, &st, M.ttl);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct shfl_fsobjinfo info;
	char *path = NULL;
	struct node *n;
	int64_t left = 0;
	int ret;

	/* within ttl of the last answer: no round trip */
	pthread_mutex_lock(&M.lock);
	n = node_get(ino);
	if (n && n->info_until) {
		left = n->info_until - mono_ns();
		info = n->info;
	}
	pthread_mutex_unlock(&M.lock);
	if (left > 0) {
		struct stat st;

		fill_stat(&st, ino, &info);
		fuse_reply_attr(req, &st, (double)left / 1e9);
		return;
	}
	if (fi && fi->fh) {
		struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;

		ret = shfl_fsinfo_get(M.c, M.root, of->handle, &info);
	} else {
		ret = path_of(ino, NULL, &path, NULL);
		if (!ret)
			ret = shfl_stat(M.c, M.root, path, &info);
	}
	trace("getattr", path, -ret);
	free(path);
	if (ret)
		fuse_reply_err(req, errno_of(ret));
	else
		reply_info(req, ino, &info);
}

/* CREATE a short-lived handle on @path for a setattr. */
static int open_tmp(const char *path, mode_t type, uint32_t access,
		    uint64_t *handle)
{
	struct shfl_createparms parms;
	int ret;

	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_ACT_OPEN_IF_EXISTS |
			     SHFL_CF_ACT_FAIL_IF_NEW | access;
	if (type == S_IFDIR)
		parms.create_flags |= SHFL_CF_DIRECTORY;
	ret = shfl_create(M.c, M.root, path, &parms);
	if (!ret)
		*handle = parms.handle;
	return ret;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct shfl_fsobjinfo info;
	uint64_t handle = SHFL_HANDLE_NIL, tmp = SHFL_HANDLE_NIL;
	bool meta = to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_ATIME |
			      FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			      FUSE_SET_ATTR_MTIME_NOW);
	char *path = NULL;
	mode_t type;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	info_drop(ino);
	ret = path_of(ino, NULL, &path, &type);
	if (ret)
		goto out;
	if (fi && fi->fh)
		handle = ((struct ofile *)(uintptr_t)fi->fh)->handle;
	if (type == S_IFLNK) {
		/* No SHFL call changes a link itself (CREATE follows it):
		 * lutimes/lchown succeed without effect, like vboxsf. */
		meta = false;
		to_set &= ~FUSE_SET_ATTR_SIZE;
	}
	if (handle == SHFL_HANDLE_NIL &&
	    (meta || (to_set & FUSE_SET_ATTR_SIZE))) {
		ret = open_tmp(path, type,
			       (to_set & FUSE_SET_ATTR_SIZE
					? SHFL_CF_ACCESS_WRITE
					: SHFL_CF_ACCESS_NONE) |
				       SHFL_CF_ACCESS_ATTR_WRITE,
			       &tmp);
		if (ret)
			goto out;
		handle = tmp;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		ret = shfl_set_file_size(M.c, M.root, handle,
					 (uint64_t)attr->st_size);
		if (ret)
			goto out;
	}
	if (meta) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		memset(&info, 0, sizeof(info));
		if (to_set & FUSE_SET_ATTR_MODE)
			info.attr.mode = (attr->st_mode & 07777) |
					 (type == S_IFDIR ? RTFS_TYPE_DIRECTORY
							  : RTFS_TYPE_FILE);
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			info.atime_ns = ts_ns(&now);
		else if (to_set & FUSE_SET_ATTR_ATIME)
			info.atime_ns = ts_ns(&attr->st_atim);
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			info.mtime_ns = ts_ns(&now);
		else if (to_set & FUSE_SET_ATTR_MTIME)
			info.mtime_ns = ts_ns(&attr->st_mtim);
		info.attr.additional = SHFL_FSOBJATTRADD_NOTHING;
		ret = shfl_fsinfo_set(M.c, M.root, handle, &info);
		if (ret)
			goto out;
	}
	/* uid/gid: no SHFL function sets owners; accepted (vboxsf). */
	if (handle != SHFL_HANDLE_NIL)
		ret = shfl_fsinfo_get(M.c, M.root, handle, &info);
	else
		ret = shfl_stat(M.c, M.root, path, &info);
out:
	if (tmp != SHFL_HANDLE_NIL)
		shfl_close(M.c, M.root, tmp);
	trace("setattr", path, -ret);
	free(path);
	if (ret)
		fuse_reply_err(req, errno_of(ret));
	else
		reply_info(req, ino, &info);
}

static uint32_t access_of(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		return SHFL_CF_ACCESS_WRITE;
	case O_RDWR:
		return SHFL_CF_ACCESS_READWRITE;
	default:
		return SHFL_CF_ACCESS_READ;
	}
}

static struct ofile *ofile_new(uint64_t handle, bool dir)
{
	struct ofile *of = calloc(1, sizeof(*of));

	if (!of)
		return NULL;
	of->handle = handle;
	pthread_mutex_init(&of->lock, NULL);
	return of;
}

static void ofile_free(struct ofile *of)
{
	pthread_mutex_destroy(&of->lock);
	free(of->ents);
	free(of);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct shfl_createparms parms;
	struct ofile *of;
	char *path;
	int ret;

	if (M.ro && ((fi->flags & O_ACCMODE) != O_RDONLY ||
		     (fi->flags & O_TRUNC))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = path_of(ino, NULL, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	/* vboxsf: existing objects only (a read-only share refuses
	 * CREATE_IF_NEW even for an existing file, §3.4). */
	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_ACT_FAIL_IF_NEW | access_of(fi->flags) |
			     (fi->flags & O_TRUNC
				      ? SHFL_CF_ACT_OVERWRITE_IF_EXISTS
				      : SHFL_CF_ACT_OPEN_IF_EXISTS);
	if (fi->flags & O_TRUNC)
		info_drop(ino);
	ret = shfl_create(M.c, M.root, path, &parms);
	trace("open", path, -ret);
	free(path);
	if (ret) {
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	of = ofile_new(parms.handle, false);
	if (!of) {
		shfl_close(M.c, M.root, parms.handle);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)of;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* interrupted: the kernel will never release it */
		shfl_close(M.c, M.root, of->handle);
		ofile_free(of);
	}
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct shfl_createparms parms;
	struct fuse_entry_param e;
	struct ofile *of;
	char *path;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (!S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ret = path_of(parent, name, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_ACT_CREATE_IF_NEW | access_of(fi->flags);
	if (fi->flags & O_EXCL)
		parms.create_flags |= SHFL_CF_ACT_FAIL_IF_EXISTS;
	else if (fi->flags & O_TRUNC)
		parms.create_flags |= SHFL_CF_ACT_OVERWRITE_IF_EXISTS;
	parms.info.attr.mode = RTFS_TYPE_FILE | (mode & 0777);
	parms.info.attr.additional = SHFL_FSOBJATTRADD_NOTHING;
	ret = shfl_create(M.c, M.root, path, &parms);
	trace("create", path, -ret);
	free(path);
	if (ret) {
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	info_dir_changed(parent, parms.info.ctime_ns, 0);
	of = ofile_new(parms.handle, false);
	ret = of ? make_entry(parent, name, &parms.info, &e) : -ENOMEM;
	if (ret) {
		shfl_close(M.c, M.root, parms.handle);
		if (of)
			ofile_free(of);
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uintptr_t)of;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		op_forget_one(e.ino, 1);
		shfl_close(M.c, M.root, of->handle);
		ofile_free(of);
	}
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	uint64_t phys;
	size_t done = 0;
	int ret;

	(void)ino;
	if (size > IO_MAX)
		size = IO_MAX;
	ret = shfl_buf_get(M.c, &phys);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	while (done < size) {
		ret = shfl_read_pages(M.c, M.root, of->handle,
				      (uint64_t)off + done, phys + done,
				      (uint32_t)(size - done));
		if (ret <= 0)
			break;
		done += (size_t)ret;
	}
	if (ret < 0 && !done) {
		trace("read", NULL, -ret);
		fuse_reply_err(req, errno_of(ret));
	} else {
		fuse_reply_buf(req,
			       hgcm_guest_ptr(shfl_client_guest(M.c), phys,
					      done ? done : 1),
			       done);
	}
	shfl_buf_put(M.c, phys);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	uint64_t phys;
	size_t done = 0;
	void *dst;
	int ret;

	if (size > IO_MAX) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	ret = shfl_buf_get(M.c, &phys);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	dst = hgcm_guest_ptr(shfl_client_guest(M.c), phys, IO_MAX);
	memcpy(dst, buf, size);
	while (done < size) {
		ret = shfl_write_pages(M.c, M.root, of->handle,
				       (uint64_t)off + done, phys + done,
				       (uint32_t)(size - done), NULL);
		if (ret <= 0) {
			if (ret == 0)
				ret = -EIO;
			break;
		}
		done += (size_t)ret;
	}
	shfl_buf_put(M.c, phys);
	info_drop(ino);
	if (!done) {
		trace("write", NULL, -ret);
		fuse_reply_err(req, errno_of(ret));
	} else {
		fuse_reply_write(req, done);
	}
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0); /* writes are synchronous to the host */
}

/*
 * CLOSE after the reply: release answers at once and a closer thread
 * sends the CLOSE, so a create-write-close pays three round trips, not
 * four.  Nothing waits on a CLOSE here: writes are synchronous, the
 * mount takes no SHFL locks (the kernel keeps POSIX locks), and a Linux
 * host renames or removes open files.  A full queue closes in place.
 */
#define CQ_MAX 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint64_t q[CQ_MAX];
	unsigned n;
	bool run, stop;
	pthread_t th;
} CQ = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static void *closer(void *arg)
{
	uint64_t h[CQ_MAX];
	unsigned n, i;

	(void)arg;
	pthread_mutex_lock(&CQ.lock);
	for (;;) {
		while (!CQ.n && !CQ.stop)
			pthread_cond_wait(&CQ.cv, &CQ.lock);
		if (!CQ.n)
			break;
		n = CQ.n;
		memcpy(h, CQ.q, n * sizeof(h[0]));
		CQ.n = 0;
		pthread_mutex_unlock(&CQ.lock);
		for (i = 0; i < n; i++)
			shfl_close(M.c, M.root, h[i]);
		pthread_mutex_lock(&CQ.lock);
	}
	pthread_mutex_unlock(&CQ.lock);
	return NULL;
}

static void close_later(uint64_t handle)
{
	bool queued = false;

	pthread_mutex_lock(&CQ.lock);
	if (CQ.run && CQ.n < CQ_MAX) {
		CQ.q[CQ.n++] = handle;
		queued = true;
		pthread_cond_signal(&CQ.cv);
	}
	pthread_mutex_unlock(&CQ.lock);
	if (!queued)
		shfl_close(M.c, M.root, handle);
}

/* Send every queued CLOSE and end the closer thread. */
static void closer_stop(void)
{
	pthread_mutex_lock(&CQ.lock);
	CQ.stop = true;
	pthread_cond_signal(&CQ.cv);
	pthread_mutex_unlock(&CQ.lock);
	if (CQ.run)
		pthread_join(CQ.th, NULL);
	CQ.run = false;
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	uint64_t handle = of->handle;

	(void)ino;
	ofile_free(of);
	fuse_reply_err(req, 0);
	close_later(handle);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	int ret;

	(void)ino;
	(void)datasync;
	ret = shfl_flush(M.c, M.root, of->handle);
	trace("fsync", NULL, -ret);
	fuse_reply_err(req, ret ? errno_of(ret) : 0);
}

/* Take @parent/@name out of the name table after a REMOVE or a rename. */
static void forget_name(fuse_ino_t parent, const char *name)
{
	struct node *p, *n;

	pthread_mutex_lock(&M.lock);
	p = node_get(parent);
	n = p ? child_get(p, name) : NULL;
	if (n)
		name_unhash(n);
	pthread_mutex_unlock(&M.lock);
}

static void do_remove(fuse_req_t req, fuse_ino_t parent, const char *name,
		      bool dir)
{
	struct shfl_fsobjinfo info;
	char *path;
	mode_t type;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = path_of(parent, name, &path, &type);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	if (!dir && !type) {
		ret = shfl_stat(M.c, M.root, path, &info);
		if (!ret)
			type = (info.attr.mode & RTFS_TYPE_MASK) ==
					       RTFS_TYPE_SYMLINK
				       ? S_IFLNK
				       : S_IFREG;
	}
	if (!ret)
		ret = shfl_remove(M.c, M.root, path,
				  dir ? SHFL_REMOVE_DIR
				      : type == S_IFLNK
						? SHFL_REMOVE_FILE |
							  SHFL_REMOVE_SYMLINK
						: SHFL_REMOVE_FILE);
	trace(dir ? "rmdir" : "unlink", path, -ret);
	free(path);
	if (!ret) {
		forget_name(parent, name);
		info_dir_changed(parent, 0, dir ? -1 : 0);
	}
	fuse_reply_err(req, ret ? errno_of(ret) : 0);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_remove(req, parent, name, false);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_remove(req, parent, name, true);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct shfl_createparms parms;
	struct fuse_entry_param e;
	char *path;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = path_of(parent, name, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_DIRECTORY | SHFL_CF_ACT_CREATE_IF_NEW |
			     SHFL_CF_ACT_FAIL_IF_EXISTS | SHFL_CF_ACCESS_READ;
	parms.info.attr.mode = RTFS_TYPE_DIRECTORY | (mode & 0777);
	parms.info.attr.additional = SHFL_FSOBJATTRADD_NOTHING;
	ret = shfl_create(M.c, M.root, path, &parms);
	trace("mkdir", path, -ret);
	free(path);
	if (ret) {
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	shfl_close(M.c, M.root, parms.handle);
	info_dir_changed(parent, parms.info.ctime_ns, 1);
	ret = make_entry(parent, name, &parms.info, &e);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_entry(req, &e);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct shfl_fsobjinfo info;
	char *src = NULL, *dst = NULL;
	mode_t type;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (flags) {
		/* RENAME_NOREPLACE/EXCHANGE: SHFL has neither (vboxsf). */
		fuse_reply_err(req, EINVAL);
		return;
	}
	ret = path_of(parent, name, &src, &type);
	if (!ret)
		ret = path_of(newparent, newname, &dst, NULL);
	if (!ret && !type) {
		ret = shfl_stat(M.c, M.root, src, &info);
		if (!ret)
			type = (info.attr.mode & RTFS_TYPE_MASK) ==
					       RTFS_TYPE_DIRECTORY
				       ? S_IFDIR
				       : S_IFREG;
	}
	if (!ret)
		ret = shfl_rename(M.c, M.root, src, dst,
				  (type == S_IFDIR ? SHFL_RENAME_DIR
						   : SHFL_RENAME_FILE) |
					  SHFL_RENAME_REPLACE_IF_EXISTS);
	trace("rename", src, -ret);
	free(src);
	free(dst);
	if (!ret) {
		struct node *p, *np, *n, *old;

		pthread_mutex_lock(&M.lock);
		p = node_get(parent);
		np = node_get(newparent);
		n = p ? child_get(p, name) : NULL;
		old = np ? child_get(np, newname) : NULL;
		if (old && old != n)
			name_unhash(old);
		if (p)
			p->info_until = 0;
		if (np)
			np->info_until = 0;
		if (n)
			n->info_until = 0;
		if (n && np) {
			char *nn = strdup(newname);

			name_unhash(n);
			if (nn) {
				free(n->name);
				n->name = nn;
				n->parent->nchild--;
				n->parent = np;
				np->nchild++;
				name_hash(n);
			}
			/* without memory the node stays unhashed: the next
			 * lookup makes a fresh one */
		}
		pthread_mutex_unlock(&M.lock);
	}
	fuse_reply_err(req, ret ? errno_of(ret) : 0);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct shfl_fsobjinfo info;
	struct fuse_entry_param e;
	char *path;
	int ret;

	if (M.ro) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = path_of(parent, name, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = shfl_symlink(M.c, M.root, path, link, &info);
	trace("symlink", path, -ret);
	free(path);
	if (!ret) {
		/* A host that fills no type: it is a link all the same. */
		if (!(info.attr.mode & RTFS_TYPE_MASK))
			info.attr.mode |= RTFS_TYPE_SYMLINK | 0777;
		info_dir_changed(parent, info.ctime_ns, 0);
		ret = make_entry(parent, name, &info, &e);
	}
	if (ret)
		fuse_reply_err(req, errno_of(ret));
	else
		fuse_reply_entry(req, &e);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1], *path;
	int ret;

	ret = path_of(ino, NULL, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = shfl_readlink(M.c, M.root, path, buf, sizeof(buf));
	trace("readlink", path, ret < 0 ? -ret : 0);
	free(path);
	if (ret < 0)
		fuse_reply_err(req, errno_of(ret));
	else
		fuse_reply_readlink(req, buf);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct shfl_createparms parms;
	struct ofile *of;
	char *path;
	int ret;

	ret = path_of(ino, NULL, &path, NULL);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_DIRECTORY | SHFL_CF_ACT_OPEN_IF_EXISTS |
			     SHFL_CF_ACT_FAIL_IF_NEW | SHFL_CF_ACCESS_READ;
	ret = shfl_create(M.c, M.root, path, &parms);
	trace("opendir", path, -ret);
	free(path);
	if (ret) {
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	of = ofile_new(parms.handle, true);
	if (!of) {
		shfl_close(M.c, M.root, parms.handle);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)of;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		shfl_close(M.c, M.root, of->handle);
		ofile_free(of);
	}
}

/* LIST the whole directory into @of->ents ("." and ".." first). */
static int dir_load(struct ofile *of)
{
	size_t cap = 64, n = 2;
	struct shfl_dirent *ents = calloc(cap, sizeof(*ents)), *grown;
	uint32_t flags = of->loaded ? SHFL_LIST_RESTART : 0;
	void *buf = malloc(DIR_BUF);
	int ret = 0, end = 0;
	unsigned empty = 0;

	if (!ents || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	strcpy(ents[0].name, ".");
	strcpy(ents[1].name, "..");
	ents[0].info.attr.mode = ents[1].info.attr.mode = RTFS_TYPE_DIRECTORY;
	while (!end) {
		uint32_t len = DIR_BUF, count, off = 0;

		end = shfl_list(M.c, M.root, of->handle, flags, NULL, buf, &len,
				&count);
		if (end < 0) {
			ret = end;
			goto out;
		}
		flags = 0;
		for (;;) {
			if (n == cap) {
				grown = realloc(ents, cap * 2 * sizeof(*ents));
				if (!grown) {
					ret = -ENOMEM;
					goto out;
				}
				ents = grown;
				cap *= 2;
			}
			ret = shfl_dirent_next(buf, len, &off, &ents[n]);
			if (ret < 0)
				goto out;
			if (ret == 0)
				break;
			if (strcmp(ents[n].name, ".") && strcmp(ents[n].name, ".."))
				n++;
		}
		ret = 0;
		/* no progress: whatever count the host claims, a host that
		 * keeps answering "more" with nothing must not loop us */
		if (!end && off == 0 && ++empty > LIST_EMPTY_MAX) {
			ret = -EIO;
			goto out;
		}
		if (off)
			empty = 0;
	}
out:
	free(buf);
	if (ret) {
		free(ents);
		return ret;
	}
	free(of->ents);
	of->ents = ents;
	of->nents = n;
	of->loaded = true;
	of->served = false;
	return 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi, bool plus)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	fuse_ino_t parent_ino;
	char *buf, *p;
	size_t i, left = size;
	int ret = 0;

	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&M.lock);
	{
		struct node *n = node_get(ino);

		parent_ino = n && n->parent ? n->parent->ino : FUSE_ROOT_ID;
	}
	pthread_mutex_unlock(&M.lock);
	pthread_mutex_lock(&of->lock);
	/* A rewind (offset 0 after a full pass) lists again. */
	if (!of->loaded || (off == 0 && of->served))
		ret = dir_load(of);
	if (ret) {
		pthread_mutex_unlock(&of->lock);
		free(buf);
		trace("readdir", NULL, -ret);
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	p = buf;
	for (i = (size_t)(off < 0 ? 0 : off); i < of->nents; i++) {
		const struct shfl_dirent *d = &of->ents[i];
		struct fuse_entry_param e;
		size_t need;

		memset(&e, 0, sizeof(e));
		/* d_ino 0 hides an entry from readdir(3): "." is us, ".."
		 * our parent (or the root), others pos + 1 (as vboxsf) until
		 * a lookup gives them their inode */
		fill_stat(&e.attr, i == 0 ? ino : i == 1 ? parent_ino : i + 1,
			  &d->info);
		if (!plus) {
			need = fuse_add_direntry(req, p, left, d->name, &e.attr,
						 (off_t)i + 1);
			if (need > left)
				break;
		} else {
			need = fuse_add_direntry_plus(req, NULL, 0, d->name,
						      NULL, 0);
			if (need > left)
				break;
			/* "." and "..": no entry, no lookup */
			if (i >= 2 && make_entry(ino, d->name, &d->info, &e)) {
				memset(&e, 0, sizeof(e));
				e.attr.st_ino = i + 1;
			}
			fuse_add_direntry_plus(req, p, left, d->name, &e,
					       (off_t)i + 1);
		}
		p += need;
		left -= need;
	}
	if (i >= of->nents)
		of->served = true;
	pthread_mutex_unlock(&of->lock);
	fuse_reply_buf(req, buf, size - left);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	op_release(req, ino, fi);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	fuse_reply_err(req, 0); /* SHFL has no directory sync */
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct shfl_volinfo vol;
	struct statvfs sv;
	unsigned long bs;
	int ret;

	(void)ino;
	ret = shfl_volinfo(M.c, M.root, &vol);
	if (ret) {
		trace("statfs", NULL, -ret);
		fuse_reply_err(req, errno_of(ret));
		return;
	}
	bs = vol.alloc_unit >= 512 && vol.alloc_unit <= (1u << 24)
		     ? vol.alloc_unit
		     : 4096;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = bs;
	sv.f_frsize = bs;
	sv.f_blocks = vol.total > 0 ? (fsblkcnt_t)vol.total / bs : 0;
	sv.f_bfree = vol.avail > 0 ? (fsblkcnt_t)vol.avail / bs : 0;
	sv.f_bavail = sv.f_bfree;
	/* vboxsf's fixed inode counts and name length */
	sv.f_files = 1000;
	sv.f_ffree = 1000000;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.fsyncdir = op_fsyncdir,
	.statfs = op_statfs,
	.create = op_create,
};

/* ----------------------------------------------------------- command */

struct mount_opts {
	const char *socket;
	bool ro;
	bool have_uid, have_gid;
	uint64_t uid, gid, ttl_ms;
};

/* -o ro,uid=N,gid=N,ttl=MS */
static int parse_mount_opts(char *s, struct mount_opts *o)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "ro"))
			o->ro = true;
		else if (!strcmp(tok, "rw"))
			o->ro = false;
		else if (!strncmp(tok, "uid=", 4)) {
			if (parse_u64(tok + 4, "uid=", false, &o->uid) ||
			    o->uid > 0xfffffffeu)
				return usage_error("-o uid=: expected a user "
						   "id, not '%s'", tok + 4);
			o->have_uid = true;
		} else if (!strncmp(tok, "gid=", 4)) {
			if (parse_u64(tok + 4, "gid=", false, &o->gid) ||
			    o->gid > 0xfffffffeu)
				return usage_error("-o gid=: expected a group "
						   "id, not '%s'", tok + 4);
			o->have_gid = true;
		} else if (!strncmp(tok, "ttl=", 4)) {
			if (parse_u64(tok + 4, "ttl=", false, &o->ttl_ms) ||
			    o->ttl_ms > 3600000)
				return usage_error("-o ttl=: expected "
						   "milliseconds (0..3600000), "
						   "not '%s'", tok + 4);
		} else {
			return usage_error("-o: unknown option '%s' (expected "
					   "ro, uid=N, gid=N, ttl=MS)", tok);
		}
	}
	return 0;
}


/* "/a\040b" (mountinfo's octal escapes) as "/a b", in place. */
static void unescape_mountinfo(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * Let the kernel read ahead IO_MAX bytes at a time on this mount.
 * NOTE: FUSE takes min(max_readahead, the default 128 KiB) as the mount's
 * readahead, so without this every sequential read is cut into 128 KiB
 * requests, each a FUSE and an HGCM round trip.  The knob is the mount's
 * backing device's read_ahead_kb in sysfs (root only); found through
 * /proc/self/mountinfo, never by a stat() of the mount, which would wait
 * for the FUSE INIT this process has not answered yet.  Best effort.
 */
static void raise_readahead(const char *mnt)
{
	char real[PATH_MAX], line[2 * PATH_MAX], dev[32] = "", path[96];
	unsigned maj, min;
	FILE *fp;
	int fd;

	if (!realpath(mnt, real))
		return;
	fp = fopen("/proc/self/mountinfo", "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char mp[2 * PATH_MAX];

		/* id parent maj:min root mount-point ...; the last one wins */
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) !=
		    3)
			continue;
		unescape_mountinfo(mp);
		if (!strcmp(mp, real))
			snprintf(dev, sizeof(dev), "%u:%u", maj, min);
	}
	fclose(fp);
	if (!*dev)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dprintf(fd, "%u\n", IO_MAX >> 10) < 0)
		trace("readahead", path, errno);
	if (fd >= 0)
		close(fd);
}

int shfl_cmd_mount(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "options", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct mount_opts mo = { .ttl_ms = 1000 };
	struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = 16 };
	char fsopts[512], *fargv[4];
	const char *mnt;
	struct stat st;
	int c, ret, fargc = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			mo.socket = optarg;
			break;
		case 'o':
			ret = parse_mount_opts(optarg, &mo);
			if (ret)
				return ret;
			break;
		default:
			return usage_error("shfl mount: unknown option '%s' "
					   "(expected --socket PATH, -o OPTS)",
					   argv[optind - 1]);
		}
	}
	if (!mo.socket)
		return usage_error("shfl mount: --socket PATH is required");
	if (argc - optind != 2)
		return usage_error("shfl mount: expected SHARE MOUNTPOINT");
	M.share = argv[optind];
	mnt = argv[optind + 1];
	if (stat(mnt, &st) || !S_ISDIR(st.st_mode))
		return fail("mount point %s: %s", mnt,
			    errno ? strerror(errno) : "not a directory");
	M.ro = mo.ro;
	M.uid = mo.have_uid ? (uid_t)mo.uid : getuid();
	M.gid = mo.have_gid ? (gid_t)mo.gid : getgid();
	M.ttl = (double)mo.ttl_ms / 1000.0;
	M.rootn.ino = FUSE_ROOT_ID;
	M.rootn.nlookup = 1;
	M.rootn.type = S_IFDIR;
	M.next_ino = FUSE_ROOT_ID + 1;

	ret = shfl_client_open(mo.socket, 0, 0, &M.c);
	if (ret)
		return fail("%s", mw_last_error());
	ret = shfl_map_folder(M.c, M.share, &M.root);
	if (ret) {
		ret = fail("%s", mw_last_error());
		goto out_client;
	}
	{
		uint64_t mif;

		/* A read-only share opens files with write access stripped
		 * (VirtualBox's quirk, §3.4): refuse write opens here so
		 * programs learn it at open(), not at the first write. */
		if (!shfl_query_map_info(M.c, M.root, &mif) &&
		    !(mif & SHFL_MIF_WRITABLE))
			M.ro = true;
	}
	snprintf(fsopts, sizeof(fsopts),
		 "fsname=memwire-shfl:%s,subtype=shfl,default_permissions%s%s",
		 strchr(M.share, ',') ? "share" : M.share,
		 geteuid() == 0 ? ",allow_other" : "", mo.ro ? ",ro" : "");
	fargv[fargc++] = (char *)"memwire-shfl";
	fargv[fargc++] = (char *)"-o";
	fargv[fargc++] = fsopts;
	fargv[fargc] = NULL;
	{
		struct fuse_args args = FUSE_ARGS_INIT(fargc, fargv);

		M.se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
		fuse_opt_free_args(&args);
	}
	if (!M.se) {
		ret = fail("FUSE: cannot set the file system up");
		goto out_unmap;
	}
	/* libfuse only takes over signals left at their default; a shell's
	 * background job inherits SIGINT ignored. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (fuse_set_signal_handlers(M.se)) {
		ret = fail("FUSE: cannot install signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(M.se, mnt)) {
		ret = fail("FUSE: cannot mount on %s", mnt);
		goto out_signals;
	}
	raise_readahead(mnt);
	CQ.run = !pthread_create(&CQ.th, NULL, closer, NULL);
	printf("share %s of %s on %s%s (unmount: fusermount3 -u %s)\n",
	       M.share, mo.socket, mnt, M.ro ? ", read-only" : "", mnt);
	fflush(stdout);
	ret = fuse_session_loop_mt(M.se, &cfg);
	/* 0, or the signal that ended the loop: asked-for, clean exits */
	ret = ret == 0 || ret == SIGINT || ret == SIGTERM || ret == SIGHUP
		      ? EXIT_OK
		      : fail("FUSE: the request loop failed (%d)", ret);
	closer_stop();
	fuse_session_unmount(M.se);
out_signals:
	fuse_remove_signal_handlers(M.se);
out_session:
	fuse_session_destroy(M.se);
out_unmap:
	if (!shfl_client_dead(M.c))
		shfl_unmap_folder(M.c, M.root);
out_client:
	shfl_client_close(M.c);
	return ret;
}
