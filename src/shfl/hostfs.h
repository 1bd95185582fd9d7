/* SPDX-License-Identifier: MIT */
/*
 * hostfs.h - the host file-system layer of the shared-folder service.
 *
 * The role IPRT's RTFile/RTDir/RTPath play under VirtualBox's vbsf*
 * functions (seed 003: vbsfCreate -> RTFileOpen ...): every host system
 * call the service makes goes through here, and errno becomes a VBox
 * status in one function, hostfs_status().
 *
 * Unlike VirtualBox, which builds an absolute host path and checks it
 * lexically (reference §3.3), a share is a directory file descriptor and
 * every path is resolved beneath it by the kernel: openat2() with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so "..", absolute symlinks and
 * symlinks swapped in while an operation runs cannot leave the share.
 * Where openat2() is missing (ENOSYS) a component walk with O_NOFOLLOW
 * does the same, without following any symlink.  Mutating operations
 * resolve the parent directory, then act on one name relative to it.
 * Only regular files and directories are ever opened for I/O: an object
 * is first opened with O_PATH, checked with fstat(), and only then
 * reopened through /proc/self/fd (device nodes, FIFOs and sockets are
 * refused without ever being opened).  Set-uid, set-gid and sticky bits
 * are never created and are removed from files opened for writing.
 *
 * Paths given to these functions are relative, already normalised by the
 * caller ("a/b", "." for the share itself; no "..", no empty component).
 * Every function returns 0 (or a count / a file descriptor) or -errno,
 * or one of the HOSTFS_E* codes below.
 */
#ifndef MEMWIRE_SHFL_HOSTFS_H
#define MEMWIRE_SHFL_HOSTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Codes beyond errno's range, for what errno cannot say. */
#define HOSTFS_EESCAPE 4096 /* the path leads out of the share */
#define HOSTFS_ESPECIAL 4097 /* not a regular file, directory or symlink */
#define HOSTFS_ELOCKED 4098 /* a conflicting lock is held */

/*
 * hostfs_status() - a VBox status for -errno (or -HOSTFS_E*), the one
 * place errno is translated (reference §2.5, RTErrConvertFromErrno).
 * @err >= 0 gives VINF_SUCCESS.
 */
int hostfs_status(int err);

/* Test hook: resolve with the O_NOFOLLOW component walk, not openat2(). */
extern bool hostfs_force_walk;

/* Open a share's directory: an O_PATH directory fd, or -errno. */
int hostfs_root_open(const char *path);

/*
 * hostfs_resolve() - an O_PATH fd of @rel beneath @root
 * @follow: follow a symlink in the last component (within the share)
 */
int hostfs_resolve(int root, const char *rel, bool follow);

/* stat() of @rel beneath @root; lstat() semantics unless @follow. */
int hostfs_stat(int root, const char *rel, bool follow, struct stat *st);
int hostfs_fstat(int fd, struct stat *st);

/* How hostfs_open_file() treats an existing or a missing file. */
enum hostfs_how {
	HOSTFS_OPEN,	     /* it must exist */
	HOSTFS_CREATE,	     /* it must not exist */
	HOSTFS_OPEN_CREATE,  /* either */
};

/*
 * hostfs_open_file() - open the regular file @rel for I/O
 * @oflags: O_RDONLY, O_WRONLY or O_RDWR, optionally | O_APPEND
 * @mode: permission bits for a new file (masked to 0777)
 * @created: set to true when the file was created
 *
 * Symlinks are followed while they stay in the share (created files are
 * never created through a symlink).  A directory gives -EISDIR, a device,
 * FIFO or socket -HOSTFS_ESPECIAL.  Set-uid/set-gid bits of a file opened
 * for writing are removed.  Returns the fd.
 */
int hostfs_open_file(int root, const char *rel, int oflags,
		     enum hostfs_how how, mode_t mode, bool *created);

/* Open the directory @rel for listing and for fstat; returns the fd. */
int hostfs_open_dir(int root, const char *rel);

/* mkdir of @rel beneath @root with @mode & 0777. */
int hostfs_mkdir(int root, const char *rel, mode_t mode);
/* Remove the file or symlink (@dir false) or empty directory @rel. */
int hostfs_unlink(int root, const char *rel, bool dir);
/* Rename @from to @to, both beneath @root; -EEXIST unless @replace. */
int hostfs_rename(int root, const char *from, const char *to, bool replace);
/* Create the symlink @rel with the text @target (not checked here). */
int hostfs_symlink(int root, const char *rel, const char *target);
/* The target of the symlink @rel, NUL-terminated; returns its length. */
int hostfs_readlink(int root, const char *rel, char *buf, size_t len);

/* pread/pwrite, whole counts unless EOF or an error; return the count. */
ssize_t hostfs_pread(int fd, void *buf, size_t len, uint64_t off);
ssize_t hostfs_pwrite(int fd, const void *buf, size_t len, uint64_t off,
		      bool append, uint64_t *end);
int hostfs_fsync(int fd);
int hostfs_ftruncate(int fd, uint64_t size);
/* chmod with set-uid, set-gid and sticky removed (@mode & 0777). */
int hostfs_fchmod(int fd, mode_t mode);
/* Set times; a NULL or UTIME_OMIT entry leaves that time alone. */
int hostfs_futimens(int fd, const struct timespec ts[2]);

enum hostfs_lock { HOSTFS_UNLOCK, HOSTFS_LOCK_SH, HOSTFS_LOCK_EX };
/* Open-file-description lock of [off, off + len) (len 0: to EOF). */
int hostfs_lock(int fd, enum hostfs_lock type, uint64_t off, uint64_t len);

/* Copy @len bytes from @in at @in_off to @out at @out_off; returns count. */
ssize_t hostfs_copy(int in, uint64_t in_off, int out, uint64_t out_off,
		    uint64_t len);

struct hostfs_vol {
	uint64_t total, avail;
	uint32_t bsize, namemax;
	uint64_t fsid;
	bool ro;
};
int hostfs_statvfs(int fd, struct hostfs_vol *v);

/* Directory streams over a hostfs_open_dir() fd (which they take over). */
struct hostfs_dir;
int hostfs_dir_open(int fd, struct hostfs_dir **out);
/* 1 and the next name (valid until the next call), 0 at the end. */
int hostfs_dir_next(struct hostfs_dir *d, const char **name);
void hostfs_dir_rewind(struct hostfs_dir *d);
int hostfs_dir_fd(struct hostfs_dir *d);
/* lstat() of @name inside the directory. */
int hostfs_dir_lstat(struct hostfs_dir *d, const char *name, struct stat *st);
void hostfs_dir_close(struct hostfs_dir *d);

#endif /* MEMWIRE_SHFL_HOSTFS_H */
