// SPDX-License-Identifier: MIT
/*
 * hostfs.c - the host file-system layer of the shared-folder service
 * (see hostfs.h for the theory of operation).
 *
 * NOTE: every open here carries O_CLOEXEC: the service runs inside a
 * process that may fork helpers, and a share's files must not leak.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memwire/shfl.h"
#include "shfl/hostfs.h"

bool hostfs_force_walk;

/* openat2() answered ENOSYS once: use the walk from then on. */
static bool openat2_missing;

/* RESOLVE_BENEATH resolution retried this often on -EAGAIN (a rename raced). */
#define HOSTFS_RESOLVE_RETRIES 64
/* A create that raced with a create/unlink of the same name is retried. */
#define HOSTFS_CREATE_RETRIES 8

int hostfs_status(int err)
{
	if (err >= 0)
		return VINF_SUCCESS;
	switch (-err) {
	/* reference §2.5, RTErrConvertFromErrno */
	case EPERM:
	case EACCES:
		return VERR_ACCESS_DENIED;
	case ENOENT:
		return VERR_FILE_NOT_FOUND;
	case ENOTDIR:
		return VERR_PATH_NOT_FOUND;
	case EEXIST:
		return VERR_ALREADY_EXISTS;
	case EISDIR:
		return VERR_IS_A_DIRECTORY;
	case ENOTEMPTY:
		return VERR_DIR_NOT_EMPTY;
	case EROFS:
		return VERR_WRITE_PROTECT;
	case ENOSPC:
	case EDQUOT:
		return VERR_DISK_FULL;
	case EXDEV:
		return VERR_NOT_SAME_DEVICE;
	case ENAMETOOLONG:
		return VERR_FILENAME_TOO_LONG;
	case ELOOP:
		return VERR_TOO_MANY_SYMLINKS;
	case EBADF:
		return VERR_INVALID_HANDLE;
	case EINVAL:
		return VERR_INVALID_PARAMETER;
	case EMFILE:
	case ENFILE:
		return VERR_TOO_MANY_OPEN_FILES;
	case EFBIG:
		return VERR_FILE_TOO_BIG;
	case ETXTBSY:
		return VERR_SHARING_VIOLATION;
	case ENOLCK:
		return VERR_FILE_LOCK_FAILED;
	case ENOSYS:
	case ENODEV:
	case ENOTSUP:
		return VERR_NOT_SUPPORTED;
	case EIO:
	case ENXIO:
		return VERR_DEV_IO_ERROR;
	case ESTALE:
		return VERR_STALE_FILE_HANDLE;
	case ENODATA:
		return VERR_NO_DATA;
	case EILSEQ:
		return VERR_NO_TRANSLATION;
	case EOVERFLOW:
	case E2BIG:
		return VERR_TOO_MUCH_DATA;
	case ENOMEM:
		return VERR_NO_MEMORY;
	case EINTR:
		return VERR_INTERRUPTED;
	/* IPRT maps EAGAIN to VERR_TRY_AGAIN (not in the reference table) */
	case EAGAIN:
		return VERR_TRY_AGAIN;
	/* memwire's own */
	case HOSTFS_EESCAPE:
		/* what VirtualBox answers for a path outside the root (§3.3) */
		return VERR_INVALID_NAME;
	case HOSTFS_ESPECIAL:
		return VERR_ACCESS_DENIED;
	case HOSTFS_ELOCKED:
		return VERR_FILE_LOCK_VIOLATION;
	default:
		return VERR_UNRESOLVED_ERROR;
	}
}

/* ------------------------------------------------------- resolution */

/*
 * The fallback: one component at a time from @root, never following a
 * symlink (O_NOFOLLOW), every intermediate component a directory.
 */
static int walk_open(int root, const char *rel, int flags)
{
	char *buf, *comp, *next;
	bool last_opened = false;
	int cur, fd;

	buf = strdup(rel);
	if (!buf)
		return -ENOMEM;
	cur = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (cur < 0) {
		fd = -errno;
		goto out_free;
	}
	for (comp = buf; comp; comp = next) {
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (!strcmp(comp, "..")) {
			fd = -HOSTFS_EESCAPE;
			goto out_close;
		}
		if (!*comp || !strcmp(comp, "."))
			continue;
		last_opened = !next;
		if (next)
			fd = openat(cur, comp,
				    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		else
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			goto out_close;
		}
		close(cur);
		cur = fd;
	}
	/* "." (or a trailing "."): the directory reached, with @flags */
	if (!last_opened) {
		fd = openat(cur, ".", flags | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd;
		goto out_close;
	}
	free(buf);
	return cur;

out_close:
	close(cur);
out_free:
	free(buf);
	return fd;
}

/* Open @rel beneath @root with @flags, by openat2() or by the walk. */
static int beneath_open(int root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int i;
	long fd;

	if (hostfs_force_walk || openat2_missing)
		return walk_open(root, rel, flags);
	for (i = 0; i < HOSTFS_RESOLVE_RETRIES; i++) {
		fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ENOSYS) {
			openat2_missing = true;
			return walk_open(root, rel, flags);
		}
		/* RESOLVE_BENEATH: "..", an absolute or outward symlink */
		if (errno == EXDEV)
			return -HOSTFS_EESCAPE;
		return -errno;
	}
	return -EAGAIN;
}

int hostfs_root_open(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	return fd;
}

int hostfs_resolve(int root, const char *rel, bool follow)
{
	return beneath_open(root, rel, O_PATH | (follow ? 0 : O_NOFOLLOW));
}

int hostfs_fstat(int fd, struct stat *st)
{
	return fstat(fd, st) < 0 ? -errno : 0;
}

int hostfs_stat(int root, const char *rel, bool follow, struct stat *st)
{
	int fd, err;

	fd = hostfs_resolve(root, rel, follow);
	if (fd < 0)
		return fd;
	err = hostfs_fstat(fd, st);
	close(fd);
	return err;
}

/*
 * Reopen the O_PATH fd @pfd for I/O with @flags.  Through /proc/self/fd
 * the same inode is opened again, whatever happened to the path since.
 */
static int reopen(int pfd, int flags)
{
	char path[40];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/*
 * The parent directory of @rel (an O_PATH fd) and its last component,
 * which points into @buf (a copy of @rel, caller frees).
 */
static int open_parent(int root, const char *rel, char **buf,
		       const char **name)
{
	char *slash;
	int fd;

	*buf = strdup(rel);
	if (!*buf)
		return -ENOMEM;
	slash = strrchr(*buf, '/');
	if (slash) {
		*slash = '\0';
		*name = slash + 1;
	} else {
		*name = *buf;
	}
	/* the share itself has no parent we may touch */
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, "..")) {
		free(*buf);
		*buf = NULL;
		return -EACCES;
	}
	fd = beneath_open(root, slash ? *buf : ".", O_PATH | O_DIRECTORY);
	if (fd < 0) {
		free(*buf);
		*buf = NULL;
	}
	return fd;
}

/* Remove set-uid/set-gid from a file about to be written. */
static int strip_suid(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	if (fchmod(fd, st.st_mode & 0777) < 0)
		return -errno;
	return 0;
}

int hostfs_open_file(int root, const char *rel, int oflags,
		     enum hostfs_how how, mode_t mode, bool *created)
{
	int acc = oflags & (O_ACCMODE | O_APPEND);
	const char *name;
	struct stat st;
	int pfd, fd, err, i;
	char *buf;

	*created = false;
	for (i = 0; i < HOSTFS_CREATE_RETRIES; i++) {
		if (how != HOSTFS_CREATE) {
			pfd = hostfs_resolve(root, rel, true);
			if (pfd >= 0) {
				err = hostfs_fstat(pfd, &st);
				if (!err && S_ISDIR(st.st_mode))
					err = -EISDIR;
				else if (!err && S_ISLNK(st.st_mode))
					err = -ELOOP; /* the walk: not followed */
				else if (!err && !S_ISREG(st.st_mode))
					err = -HOSTFS_ESPECIAL;
				fd = err ? err : reopen(pfd, acc);
				close(pfd);
				if (fd >= 0 && (acc & O_ACCMODE) != O_RDONLY) {
					err = strip_suid(fd);
					if (err) {
						close(fd);
						return err;
					}
				}
				return fd;
			}
			if (pfd != -ENOENT || how == HOSTFS_OPEN)
				return pfd;
		}
		pfd = open_parent(root, rel, &buf, &name);
		if (pfd < 0)
			return pfd == -EACCES ? -EEXIST : pfd;
		/* O_EXCL: never through a symlink, always a new regular file */
		fd = openat(pfd, name,
			    acc | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode & 0777);
		fd = fd < 0 ? -errno : fd;
		close(pfd);
		free(buf);
		if (fd >= 0) {
			*created = true;
			return fd;
		}
		if (fd != -EEXIST || how == HOSTFS_CREATE)
			return fd;
		/* created by someone else meanwhile (or a dangling symlink) */
	}
	return -EEXIST;
}

int hostfs_open_dir(int root, const char *rel)
{
	/* O_DIRECTORY is checked before anything is opened */
	return beneath_open(root, rel, O_RDONLY | O_DIRECTORY);
}

int hostfs_mkdir(int root, const char *rel, mode_t mode)
{
	const char *name;
	char *buf;
	int pfd, err;

	pfd = open_parent(root, rel, &buf, &name);
	if (pfd < 0)
		return pfd == -EACCES ? -EEXIST : pfd;
	err = mkdirat(pfd, name, mode & 0777) < 0 ? -errno : 0;
	close(pfd);
	free(buf);
	return err;
}

int hostfs_unlink(int root, const char *rel, bool dir)
{
	const char *name;
	char *buf;
	int pfd, err;

	pfd = open_parent(root, rel, &buf, &name);
	if (pfd < 0)
		return pfd;
	err = unlinkat(pfd, name, dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
	close(pfd);
	free(buf);
	return err;
}

int hostfs_rename(int root, const char *from, const char *to, bool replace)
{
	const char *fname, *tname;
	char *fbuf, *tbuf;
	int fpfd, tpfd, err;

	fpfd = open_parent(root, from, &fbuf, &fname);
	if (fpfd < 0)
		return fpfd;
	tpfd = open_parent(root, to, &tbuf, &tname);
	if (tpfd < 0) {
		err = tpfd;
		goto out_from;
	}
	err = syscall(SYS_renameat2, fpfd, fname, tpfd, tname,
		      replace ? 0 : RENAME_NOREPLACE) < 0 ? -errno : 0;
	close(tpfd);
	free(tbuf);
out_from:
	close(fpfd);
	free(fbuf);
	return err;
}

int hostfs_symlink(int root, const char *rel, const char *target)
{
	const char *name;
	char *buf;
	int pfd, err;

	pfd = open_parent(root, rel, &buf, &name);
	if (pfd < 0)
		return pfd == -EACCES ? -EEXIST : pfd;
	err = symlinkat(target, pfd, name) < 0 ? -errno : 0;
	close(pfd);
	free(buf);
	return err;
}

int hostfs_readlink(int root, const char *rel, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (len < 2)
		return -EINVAL;
	fd = hostfs_resolve(root, rel, false);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", buf, len);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

/* --------------------------------------------------------------- I/O */

ssize_t hostfs_pread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t hostfs_pwrite(int fd, const void *buf, size_t len, uint64_t off,
		      bool append, uint64_t *end)
{
	size_t done = 0;
	struct stat st;
	ssize_t n;

	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	while (done < len) {
		/* NOTE: Linux pwrite() on an O_APPEND fd appends (man 2 pwrite) */
		n = pwrite(fd, (const char *)buf + done, len - done,
			   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* report what reached the file; the rest fails next time */
			if (!done)
				return -errno;
			break;
		}
		done += (size_t)n;
	}
	if (append) {
		if (fstat(fd, &st) < 0)
			return -errno;
		*end = (uint64_t)st.st_size;
	} else {
		*end = off + done;
	}
	return (ssize_t)done;
}

int hostfs_fsync(int fd)
{
	return fsync(fd) < 0 ? -errno : 0;
}

int hostfs_ftruncate(int fd, uint64_t size)
{
	if (size > INT64_MAX)
		return -EFBIG;
	return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

int hostfs_fchmod(int fd, mode_t mode)
{
	return fchmod(fd, mode & 0777) < 0 ? -errno : 0;
}

int hostfs_futimens(int fd, const struct timespec ts[2])
{
	return futimens(fd, ts) < 0 ? -errno : 0;
}

int hostfs_lock(int fd, enum hostfs_lock type, uint64_t off, uint64_t len)
{
	struct flock fl = { .l_whence = SEEK_SET };

	if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
		return -EINVAL;
	fl.l_type = type == HOSTFS_LOCK_SH ? F_RDLCK :
		    type == HOSTFS_LOCK_EX ? F_WRLCK : F_UNLCK;
	fl.l_start = (off_t)off;
	fl.l_len = (off_t)len;
	/* open-file-description locks: owned by the handle, not the process */
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return -HOSTFS_ELOCKED;
	return -errno;
}

ssize_t hostfs_copy(int in, uint64_t in_off, int out, uint64_t out_off,
		    uint64_t len)
{
	off_t io = (off_t)in_off, oo = (off_t)out_off;
	char buf[65536];
	uint64_t done = 0;
	ssize_t n, w;

	if (in_off > INT64_MAX || out_off > INT64_MAX ||
	    len > INT64_MAX - in_off || len > INT64_MAX - out_off)
		return -EINVAL;
	while (done < len) {
		n = copy_file_range(in, &io, out, &oo, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0) {
			if (n == 0)
				break;
			done += (uint64_t)n;
			continue;
		}
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return done ? (ssize_t)done : -errno;
		/* the portable way */
		n = hostfs_pread(in, buf,
				 len - done < sizeof(buf) ? len - done :
							    sizeof(buf),
				 (uint64_t)io);
		if (n <= 0)
			return n < 0 && !done ? n : (ssize_t)done;
		w = pwrite(out, buf, (size_t)n, oo);
		if (w <= 0)
			return !done ? -errno : (ssize_t)done;
		io += w;
		oo += w;
		done += (uint64_t)w;
	}
	return (ssize_t)done;
}

int hostfs_statvfs(int fd, struct hostfs_vol *v)
{
	struct statvfs s;

	if (fstatvfs(fd, &s) < 0)
		return -errno;
	v->bsize = (uint32_t)s.f_frsize;
	v->total = (uint64_t)s.f_blocks * s.f_frsize;
	v->avail = (uint64_t)s.f_bavail * s.f_frsize;
	v->namemax = (uint32_t)s.f_namemax;
	v->fsid = s.f_fsid;
	v->ro = s.f_flag & ST_RDONLY;
	return 0;
}

/* ------------------------------------------------------- directories */

struct hostfs_dir {
	DIR *d;
};

int hostfs_dir_open(int fd, struct hostfs_dir **out)
{
	struct hostfs_dir *d;

	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	d->d = fdopendir(fd);
	if (!d->d) {
		int err = -errno;

		close(fd);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

int hostfs_dir_next(struct hostfs_dir *d, const char **name)
{
	struct dirent *e;

	errno = 0;
	e = readdir(d->d);
	if (!e)
		return errno ? -errno : 0;
	*name = e->d_name;
	return 1;
}

void hostfs_dir_rewind(struct hostfs_dir *d)
{
	rewinddir(d->d);
}

int hostfs_dir_fd(struct hostfs_dir *d)
{
	return dirfd(d->d);
}

int hostfs_dir_lstat(struct hostfs_dir *d, const char *name, struct stat *st)
{
	return fstatat(dirfd(d->d), name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
								       : 0;
}

void hostfs_dir_close(struct hostfs_dir *d)
{
	if (!d)
		return;
	closedir(d->d);
	free(d);
}
