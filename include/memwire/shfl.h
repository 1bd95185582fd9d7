/* SPDX-License-Identifier: MIT */
/*
 * memwire/shfl.h - VirtualBox Shared Folders ("VBoxSharedFolders") over
 * memwire's HGCM: the wire protocol a guest client speaks, and the host
 * service that serves host directories.
 *
 * Facts: ../shared/reference/hgcm_shfl.md section 2 (function numbers,
 * parameter lists, SHFLSTRING, SHFLCREATEPARMS, SHFLFSOBJINFO, SHFLDIRINFO,
 * SHFLVOLINFO, flags, RTFS_* bits, status codes), taken from VirtualBox 7
 * include/VBox/shflsvc.h and Linux fs/vboxsf/shfl_hostintf.h (both MIT).
 * Every structure is pinned with _Static_assert in src/shfl/layout.h.
 * All fields are little-endian; memwire runs on little-endian hosts only.
 *
 * docs/shfl.md lists every function with its status and where memwire
 * deliberately differs from VirtualBox.
 */
#ifndef MEMWIRE_SHFL_H
#define MEMWIRE_SHFL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memwire/hgcm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHFL_SERVICE_NAME "VBoxSharedFolders"

/* ----------------------------------------------- functions (§2.1) */

enum shfl_fn {
	SHFL_FN_QUERY_MAPPINGS = 1,		/* 3 parms */
	SHFL_FN_QUERY_MAP_NAME = 2,		/* 2 */
	SHFL_FN_CREATE = 3,			/* 3 */
	SHFL_FN_CLOSE = 4,			/* 2 */
	SHFL_FN_READ = 5,			/* 5 */
	SHFL_FN_WRITE = 6,			/* 5 */
	SHFL_FN_LOCK = 7,			/* 5 */
	SHFL_FN_LIST = 8,			/* 8 */
	SHFL_FN_INFORMATION = 9,		/* 5 */
	/* 10 is not used (VERR_NOT_IMPLEMENTED) */
	SHFL_FN_REMOVE = 11,			/* 3 */
	SHFL_FN_MAP_FOLDER_OLD = 12,		/* 3 */
	SHFL_FN_UNMAP_FOLDER = 13,		/* 1 */
	SHFL_FN_RENAME = 14,			/* 4 */
	SHFL_FN_FLUSH = 15,			/* 2 */
	SHFL_FN_SET_UTF8 = 16,			/* 0 */
	SHFL_FN_MAP_FOLDER = 17,		/* 4 */
	SHFL_FN_READLINK = 18,			/* 3 */
	SHFL_FN_SYMLINK = 19,			/* 4 */
	SHFL_FN_SET_SYMLINKS = 20,		/* 0 */
	SHFL_FN_QUERY_MAP_INFO = 21,		/* 5 */
	SHFL_FN_WAIT_FOR_MAPPINGS_CHANGES = 22, /* 1, asynchronous */
	SHFL_FN_CANCEL_MAPPINGS_CHANGES_WAITS = 23, /* 0 */
	SHFL_FN_SET_FILE_SIZE = 24,		/* 3 */
	SHFL_FN_QUERY_FEATURES = 25,		/* 2 */
	SHFL_FN_COPY_FILE = 26,			/* 5 */
	SHFL_FN_COPY_FILE_PART = 27,		/* 8 */
	SHFL_FN_CLOSE_AND_REMOVE = 28,		/* 4 */
	SHFL_FN_SET_ERROR_STYLE = 29,		/* 2 */
	SHFL_FN_LAST = 29,
};

/* "CREATE", or NULL for a number that is not a function. */
const char *shfl_fn_name(uint32_t fn);

/* ------------------------------------------------- handles, limits */

#define SHFL_ROOT_NIL 0xffffffffu
#define SHFL_HANDLE_NIL (~(uint64_t)0)
#define SHFL_HANDLE_ROOT ((uint64_t)0)
#define SHFL_MAX_MAPPINGS 64
#define SHFL_MAX_LEN 256
#define SHFL_MAX_RW_COUNT (16u << 20) /* Linux shfl_hostintf.h */

/* ------------------------------------------------------ flags (§2.3) */

/* SHFLCREATEPARMS.CreateFlags */
#define SHFL_CF_NONE 0x00000000u
#define SHFL_CF_LOOKUP 0x00000001u
#define SHFL_CF_OPEN_TARGET_DIRECTORY 0x00000002u
#define SHFL_CF_DIRECTORY 0x00000004u
#define SHFL_CF_ACT_MASK_IF_EXISTS 0x000000f0u
#define SHFL_CF_ACT_OPEN_IF_EXISTS 0x00000000u
#define SHFL_CF_ACT_FAIL_IF_EXISTS 0x00000010u
#define SHFL_CF_ACT_REPLACE_IF_EXISTS 0x00000020u
#define SHFL_CF_ACT_OVERWRITE_IF_EXISTS 0x00000030u
#define SHFL_CF_ACT_MASK_IF_NEW 0x00000f00u
#define SHFL_CF_ACT_CREATE_IF_NEW 0x00000000u
#define SHFL_CF_ACT_FAIL_IF_NEW 0x00000100u
#define SHFL_CF_ACCESS_MASK_RW 0x00003000u
#define SHFL_CF_ACCESS_NONE 0x00000000u
#define SHFL_CF_ACCESS_READ 0x00001000u
#define SHFL_CF_ACCESS_WRITE 0x00002000u
#define SHFL_CF_ACCESS_READWRITE 0x00003000u
#define SHFL_CF_ACCESS_MASK_DENY 0x0000c000u
#define SHFL_CF_ACCESS_DENYNONE 0x00000000u
#define SHFL_CF_ACCESS_DENYREAD 0x00004000u
#define SHFL_CF_ACCESS_DENYWRITE 0x00008000u
#define SHFL_CF_ACCESS_DENYALL 0x0000c000u
#define SHFL_CF_ACCESS_MASK_ATTR 0x00030000u
#define SHFL_CF_ACCESS_ATTR_NONE 0x00000000u
#define SHFL_CF_ACCESS_ATTR_READ 0x00010000u
#define SHFL_CF_ACCESS_ATTR_WRITE 0x00020000u
#define SHFL_CF_ACCESS_ATTR_READWRITE 0x00030000u
#define SHFL_CF_ACCESS_APPEND 0x00040000u

/* SHFLCREATEPARMS.Result (SHFLCREATERESULT) */
enum shfl_create_result {
	SHFL_NO_RESULT = 0,
	SHFL_PATH_NOT_FOUND = 1,
	SHFL_FILE_NOT_FOUND = 2,
	SHFL_FILE_EXISTS = 3,
	SHFL_FILE_CREATED = 4,
	SHFL_FILE_REPLACED = 5,
};

/* INFORMATION flags */
#define SHFL_INFO_MODE_MASK 0x1u
#define SHFL_INFO_GET 0x0u
#define SHFL_INFO_SET 0x1u
#define SHFL_INFO_NAME 0x2u
#define SHFL_INFO_SIZE 0x4u
#define SHFL_INFO_FILE 0x8u
#define SHFL_INFO_VOLUME 0x10u

/* LOCK flags */
#define SHFL_LOCK_MODE_MASK 0x3u
#define SHFL_LOCK_CANCEL 0x0u
#define SHFL_LOCK_SHARED 0x1u
#define SHFL_LOCK_EXCLUSIVE 0x2u
#define SHFL_LOCK_NOWAIT 0x0u
#define SHFL_LOCK_WAIT 0x4u
#define SHFL_LOCK_PARTIAL 0x0u
#define SHFL_LOCK_ENTIRE 0x8u

/* LIST flags */
#define SHFL_LIST_NONE 0x0u
#define SHFL_LIST_RETURN_ONE 0x1u
#define SHFL_LIST_RESTART 0x2u

/* REMOVE flags */
#define SHFL_REMOVE_FILE 0x1u
#define SHFL_REMOVE_DIR 0x2u
#define SHFL_REMOVE_SYMLINK 0x4u

/* RENAME flags */
#define SHFL_RENAME_FILE 0x1u
#define SHFL_RENAME_DIR 0x2u
#define SHFL_RENAME_REPLACE_IF_EXISTS 0x4u

/* QUERY_MAPPINGS flags */
#define SHFL_MF_UCS2 0x0u
#define SHFL_MF_UTF8 0x1u
#define SHFL_MF_AUTOMOUNT 0x10u
#define SHFL_MF_MASK 0x11u

/* SHFLMAPPING.u32Status */
#define SHFL_MS_NEW 1u
#define SHFL_MS_DELETED 2u

/* QUERY_MAP_INFO: query flags in, result flags out */
#define SHFL_MIQF_DRIVE_LETTER 0x1u
#define SHFL_MIQF_PATH 0x2u
#define SHFL_MIF_WRITABLE 0x1u
#define SHFL_MIF_AUTO_MOUNT 0x2u
#define SHFL_MIF_HOST_ICASE 0x4u
#define SHFL_MIF_GUEST_ICASE 0x8u
#define SHFL_MIF_SYMLINK_CREATION 0x10u

/* QUERY_FEATURES */
#define SHFL_FEATURE_WRITE_UPDATES_OFFSET 0x1u

/* SET_ERROR_STYLE */
enum shfl_error_style {
	SHFL_ERROR_STYLE_INVALID = 0,
	SHFL_ERROR_STYLE_WINDOWS = 1,
	SHFL_ERROR_STYLE_LINUX = 2,
	SHFL_ERROR_STYLE_END = 3,
};

/* ------------------------------------------- RTFS_* mode bits (§2.4) */

#define RTFS_UNIX_ISUID 0004000u
#define RTFS_UNIX_ISGID 0002000u
#define RTFS_UNIX_ISTXT 0001000u
#define RTFS_UNIX_IRWXU 0000700u
#define RTFS_UNIX_IRUSR 0000400u
#define RTFS_UNIX_IWUSR 0000200u
#define RTFS_UNIX_IXUSR 0000100u
#define RTFS_UNIX_IRWXG 0000070u
#define RTFS_UNIX_IRWXO 0000007u
#define RTFS_UNIX_ALL_PERMS 0007777u
#define RTFS_UNIX_MASK 0xffffu
#define RTFS_TYPE_MASK 0170000u
#define RTFS_TYPE_FIFO 0010000u
#define RTFS_TYPE_DEV_CHAR 0020000u
#define RTFS_TYPE_DIRECTORY 0040000u
#define RTFS_TYPE_DEV_BLOCK 0060000u
#define RTFS_TYPE_FILE 0100000u
#define RTFS_TYPE_SYMLINK 0120000u
#define RTFS_TYPE_SOCKET 0140000u
#define RTFS_TYPE_WHITEOUT 0160000u
#define RTFS_DOS_SHIFT 16
#define RTFS_DOS_MASK (0x7fffu << RTFS_DOS_SHIFT)
#define RTFS_DOS_READONLY (0x0001u << RTFS_DOS_SHIFT)
#define RTFS_DOS_HIDDEN (0x0002u << RTFS_DOS_SHIFT)
#define RTFS_DOS_SYSTEM (0x0004u << RTFS_DOS_SHIFT)
#define RTFS_DOS_DIRECTORY (0x0010u << RTFS_DOS_SHIFT)
#define RTFS_DOS_ARCHIVED (0x0020u << RTFS_DOS_SHIFT)
#define RTFS_DOS_NT_NORMAL (0x0080u << RTFS_DOS_SHIFT)
#define RTFS_DOS_NT_SPARSE_FILE (0x0200u << RTFS_DOS_SHIFT)
#define RTFS_DOS_NT_REPARSE_POINT (0x0400u << RTFS_DOS_SHIFT)

/* SHFLFSOBJATTR.enmAdditional */
#define SHFL_FSOBJATTRADD_NOTHING 1u
#define SHFL_FSOBJATTRADD_UNIX 2u
#define SHFL_FSOBJATTRADD_EASIZE 3u

/* Status codes (§2.5, IPRT err.h): memwire/hgcm.h, named by
 * hgcm_status_name(). */

/* ------------------------------------------------ structures (§2.2) */
/*
 * Packed where VirtualBox packs them to 1 (SHFLFSOBJINFO 92 and
 * SHFLCREATEPARMS 108 would otherwise be padded to 96 and 112) and for
 * the unaligned directory records.
 */

/* SHFLSTRING: header 4 bytes, then @size bytes of UTF-8 or UTF-16LE. */
struct shfl_string {
	uint16_t size;	 /* bytes allocated for str[] */
	uint16_t length; /* bytes used, without the terminator */
	uint8_t str[];	 /* NUL-terminated */
};
#define SHFLSTRING_HEADER_SIZE 4u

/* SHFLFSOBJATTR, 44 bytes: fMode + the Unix additional attributes. */
struct __attribute__((packed)) shfl_fsobjattr {
	uint32_t mode;	     /* RTFS_* */
	uint32_t additional; /* SHFL_FSOBJATTRADD_* */
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint32_t ino_dev; /* INodeIdDevice */
	uint64_t ino;
	uint32_t flags;
	uint32_t generation;
	uint32_t rdev;
};

/* SHFLFSOBJINFO, 92 bytes; times are ns since the Unix epoch. */
struct __attribute__((packed)) shfl_fsobjinfo {
	int64_t size;
	int64_t allocated;
	int64_t atime_ns;
	int64_t mtime_ns;
	int64_t ctime_ns;
	int64_t btime_ns;
	struct shfl_fsobjattr attr;
};

/* SHFLCREATEPARMS, 108 bytes: CREATE's third parameter. */
struct __attribute__((packed)) shfl_createparms {
	uint64_t handle;       /* in: SHFL_HANDLE_NIL; out: handle or NIL */
	uint32_t result;       /* out: enum shfl_create_result */
	uint32_t create_flags; /* SHFL_CF_* */
	struct shfl_fsobjinfo info;
};

/*
 * SHFLDIRINFO record header, 126 bytes, followed by name.size bytes of
 * name.  Records sit back to back without alignment: the next record
 * starts at 126 + name_size.  (VirtualBox's sizeof(SHFLDIRINFO) is 128
 * because its SHFLSTRING carries a 2-byte string member.)
 */
struct __attribute__((packed)) shfl_dirinfo {
	struct shfl_fsobjinfo info;
	uint16_t short_name_len; /* cucShortName */
	uint16_t short_name[14]; /* 8.3 name, UTF-16 (always empty here) */
	uint16_t name_size;	 /* name.u16Size */
	uint16_t name_length;	 /* name.u16Length */
	uint8_t name[];
};
#define SHFL_DIRINFO_HDR_SIZE 126u

/* SHFLVOLINFO, 40 bytes. */
struct shfl_volinfo {
	int64_t total;
	int64_t avail;
	uint32_t alloc_unit;
	uint32_t sector;
	uint32_t serial;
	/* SHFLFSPROPERTIES */
	uint32_t max_component;
	uint8_t remote;
	uint8_t case_sensitive;
	uint8_t read_only;
	uint8_t unicode;
	uint8_t compressed;
	uint8_t file_compression;
	uint8_t pad[2];
};

/* SHFLMAPPING, 8 bytes. */
struct shfl_mapping {
	uint32_t status; /* SHFL_MS_* */
	uint32_t root;
};

/* ================================================== host service */

/* Who may create symbolic links through SHFL_FN_SYMLINK. */
enum shfl_symlink_policy {
	SHFL_SYMLINKS_NONE = 0, /* never (the default) */
	SHFL_SYMLINKS_SUBTREE,	/* relative targets without "..", beneath the share */
	SHFL_SYMLINKS_ANY,	/* any target (still never followed out of the share) */
};

/* One host directory served as a share. */
struct shfl_share {
	const char *name; /* the name guests map (compared case-insensitively) */
	const char *path; /* the host directory */
	bool ro;	  /* refuse every mutating operation */
	enum shfl_symlink_policy symlinks;
};

/**
 * shfl_service_register() - register "VBoxSharedFolders" on @h
 * @shares: @n shares (1..SHFL_MAX_MAPPINGS); copied, root i = shares[i]
 *
 * Opens every share's directory now (as a directory fd that every path is
 * then resolved beneath).  Return: 0, or -errno with mw_last_error()
 * naming the share (a missing directory, a duplicate name...).
 */
int shfl_service_register(struct hgcm_host *h, const struct shfl_share *shares,
			  size_t n);

/* guest client API (guest engineer) */
/*
 * The client side (src/shfl/client.c): one HGCM connection to
 * VBoxSharedFolders and one wrapper per function, as Linux fs/vboxsf
 * calls them (reference §5.2).  Every function returns 0 (or a count) or
 * -errno, with mw_last_error() naming the function and the VBox status;
 * VBox statuses become errno in shfl_status_to_errno() only.  A client
 * may be used by several threads at once.
 */
#include <sys/types.h>

struct shfl_client;

#define SHFL_CLIENT_TIMEOUT_MS 60000 /* default per-call timeout */
#define SHFL_OPEN_FOLLOW_SYMLINKS 0x1u /* no SET_SYMLINKS: stat follows */

/* A directory entry from a LIST buffer, validated and copied. */
struct shfl_dirent {
	struct shfl_fsobjinfo info;
	char name[256]; /* NUL-terminated, no '/' */
};

/*
 * shfl_client_open() - connect to the HGCM host at @socket_path (guest RAM
 * @ram_size, 0 = the HGCM default), connect to VBoxSharedFolders, SET_UTF8
 * and, unless SHFL_OPEN_FOLLOW_SYMLINKS, SET_SYMLINKS.
 */
int shfl_client_open(const char *socket_path, uint64_t ram_size,
		     unsigned flags, struct shfl_client **out);
void shfl_client_close(struct shfl_client *c);
/* True once the host went away: every call then fails with -ENOTCONN. */
bool shfl_client_dead(const struct shfl_client *c);
/* Per-call timeout in ms (< 0: none); a call past it is cancelled. */
void shfl_client_set_timeout(struct shfl_client *c, int timeout_ms);
struct hgcm_guest *shfl_client_guest(struct shfl_client *c);
/* An SHFL_IO_CHUNK-byte buffer in the client's guest RAM, from its pool of
 * idle ones; 0 or -errno.  shfl_buf_put() gives it back. */
#define SHFL_IO_CHUNK (1u << 20)
int shfl_buf_get(struct shfl_client *c, uint64_t *phys);
void shfl_buf_put(struct shfl_client *c, uint64_t phys);

/* A VBox status as -errno (Linux vbg_status_code_to_errno; 0 if >= 0). */
int shfl_status_to_errno(int status);

int shfl_set_utf8(struct shfl_client *c);
int shfl_set_symlinks(struct shfl_client *c);
int shfl_query_features(struct shfl_client *c, uint64_t *features,
			uint32_t *last_fn);
/* MAP_FOLDER with '/' as delimiter, case-sensitive; -ENOENT: no share. */
int shfl_map_folder(struct shfl_client *c, const char *name, uint32_t *root);
int shfl_unmap_folder(struct shfl_client *c, uint32_t root);
/* QUERY_MAP_INFO: the SHFL_MIF_* flags of a mapped root. */
int shfl_query_map_info(struct shfl_client *c, uint32_t root,
			uint64_t *flags);

/*
 * shfl_create() - CREATE @path ("/dir/file") with @parms->create_flags and
 * @parms->info (mode, initial size) set by the caller.  Returns 0 with
 * @parms->handle (or, for SHFL_CF_LOOKUP, @parms->result and info);
 * -EEXIST / -ENOENT for the soft failures the host reports in Result.
 */
int shfl_create(struct shfl_client *c, uint32_t root, const char *path,
		struct shfl_createparms *parms);
/* CREATE(LOOKUP): @path's information, or -ENOENT. */
int shfl_stat(struct shfl_client *c, uint32_t root, const char *path,
	      struct shfl_fsobjinfo *info);
int shfl_close(struct shfl_client *c, uint32_t root, uint64_t handle);

/* READ/WRITE into/from @len bytes of guest RAM at @phys (a PageList);
 * return the bytes moved.  WRITE's @new_off: the host's file offset. */
int shfl_read_pages(struct shfl_client *c, uint32_t root, uint64_t handle,
		    uint64_t off, uint64_t phys, uint32_t len);
int shfl_write_pages(struct shfl_client *c, uint32_t root, uint64_t handle,
		     uint64_t off, uint64_t phys, uint32_t len,
		     uint64_t *new_off);
/* Any length from process memory, in page-list calls of 1 MiB; a short
 * count only at end of file (read) or after an error (write). */
ssize_t shfl_read(struct shfl_client *c, uint32_t root, uint64_t handle,
		  uint64_t off, void *buf, size_t len);
ssize_t shfl_write(struct shfl_client *c, uint32_t root, uint64_t handle,
		   uint64_t off, const void *buf, size_t len);

/*
 * shfl_list() - LIST the directory @handle into @buf (*@len bytes; on
 * return the bytes used, *@count records).  Returns 0 when more may
 * follow, 1 at the end (possibly with records), -errno.  Walk the records
 * with shfl_dirent_next().
 */
int shfl_list(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint32_t flags, const char *filter, void *buf, uint32_t *len,
	      uint32_t *count);
/* Next record at *@off of a LIST buffer: 1 and @ent, 0 at the end,
 * -EPROTO for a record that does not hold together. */
int shfl_dirent_next(const void *buf, uint32_t len, uint32_t *off,
		     struct shfl_dirent *ent);

int shfl_info(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint32_t flags, void *buf, uint32_t *len);
int shfl_fsinfo_get(struct shfl_client *c, uint32_t root, uint64_t handle,
		    struct shfl_fsobjinfo *info);
/* SET|FILE: non-zero times and mode are applied; @info gets the result. */
int shfl_fsinfo_set(struct shfl_client *c, uint32_t root, uint64_t handle,
		    struct shfl_fsobjinfo *info);
int shfl_volinfo(struct shfl_client *c, uint32_t root,
		 struct shfl_volinfo *vol);
int shfl_set_file_size(struct shfl_client *c, uint32_t root, uint64_t handle,
		       uint64_t size);
int shfl_remove(struct shfl_client *c, uint32_t root, const char *path,
		uint32_t flags);
int shfl_rename(struct shfl_client *c, uint32_t root, const char *src,
		const char *dst, uint32_t flags);
int shfl_flush(struct shfl_client *c, uint32_t root, uint64_t handle);
int shfl_lock(struct shfl_client *c, uint32_t root, uint64_t handle,
	      uint64_t off, uint64_t len, uint32_t flags);
/* The target of @path into @buf (NUL-terminated); returns its length. */
int shfl_readlink(struct shfl_client *c, uint32_t root, const char *path,
		  char *buf, size_t len);
int shfl_symlink(struct shfl_client *c, uint32_t root, const char *path,
		 const char *target, struct shfl_fsobjinfo *info);
/* end of guest client API */

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_SHFL_H */
