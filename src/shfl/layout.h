/* SPDX-License-Identifier: MIT */
/*
 * layout.h - the bytes of VirtualBox Shared Folders (reference
 * hgcm_shfl.md §2; VirtualBox 7 include/VBox/shflsvc.h and Linux
 * fs/vboxsf/shfl_hostintf.h, both MIT).
 *
 * The structures themselves are public (include/memwire/shfl.h) because a
 * guest client needs them; this header pins every field to the reference
 * offsets and adds what only the host needs: the parameter count and the
 * host-side parameter types of every function, the client flags.
 *
 *   SHFLSTRING        4 + u16Size    @0 u16Size @2 u16Length @4 String
 *   SHFLFSOBJATTR     44   @0 fMode @4 enmAdditional @8 uid @12 gid
 *                          @16 cHardlinks @20 INodeIdDevice @24 INodeId
 *                          @32 fFlags @36 GenerationId @40 Device
 *   SHFLFSOBJINFO     92   @0 cbObject @8 cbAllocated @16 atime @24 mtime
 *                          @32 ctime @40 birth @48 Attr
 *   SHFLCREATEPARMS   108  @0 Handle @8 Result @12 CreateFlags @16 Info
 *   SHFLDIRINFO       126 + name.u16Size, unaligned records
 *                          @92 cucShortName @94 uszShortName[14] @122 name
 *   SHFLVOLINFO       40   @0 total @8 avail @16 alloc unit @20 sector
 *                          @24 serial @28 cbMaxComponent @32 fRemote ...
 *   SHFLMAPPING       8    @0 u32Status @4 root
 */
#ifndef MEMWIRE_SHFL_LAYOUT_H
#define MEMWIRE_SHFL_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "memwire/shfl.h"

#define SHFL_PIN(type, field, off)                                             \
	_Static_assert(offsetof(type, field) == (off),                         \
		       #type "." #field " must sit at " #off)
#define SHFL_PIN_SIZE(type, size)                                              \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

/* §2.2 SHFLSTRING */
SHFL_PIN(struct shfl_string, size, 0);
SHFL_PIN(struct shfl_string, length, 2);
SHFL_PIN(struct shfl_string, str, 4);
SHFL_PIN_SIZE(struct shfl_string, SHFLSTRING_HEADER_SIZE);

/* §2.2 SHFLFSOBJATTR (pack 1) */
SHFL_PIN(struct shfl_fsobjattr, mode, 0);
SHFL_PIN(struct shfl_fsobjattr, additional, 4);
SHFL_PIN(struct shfl_fsobjattr, uid, 8);
SHFL_PIN(struct shfl_fsobjattr, gid, 12);
SHFL_PIN(struct shfl_fsobjattr, nlink, 16);
SHFL_PIN(struct shfl_fsobjattr, ino_dev, 20);
SHFL_PIN(struct shfl_fsobjattr, ino, 24);
SHFL_PIN(struct shfl_fsobjattr, flags, 32);
SHFL_PIN(struct shfl_fsobjattr, generation, 36);
SHFL_PIN(struct shfl_fsobjattr, rdev, 40);
SHFL_PIN_SIZE(struct shfl_fsobjattr, 44);

/* §2.2 SHFLFSOBJINFO (pack 1) */
SHFL_PIN(struct shfl_fsobjinfo, size, 0);
SHFL_PIN(struct shfl_fsobjinfo, allocated, 8);
SHFL_PIN(struct shfl_fsobjinfo, atime_ns, 16);
SHFL_PIN(struct shfl_fsobjinfo, mtime_ns, 24);
SHFL_PIN(struct shfl_fsobjinfo, ctime_ns, 32);
SHFL_PIN(struct shfl_fsobjinfo, btime_ns, 40);
SHFL_PIN(struct shfl_fsobjinfo, attr, 48);
SHFL_PIN_SIZE(struct shfl_fsobjinfo, 92);

/* §2.2 SHFLCREATEPARMS (pack 1) */
SHFL_PIN(struct shfl_createparms, handle, 0);
SHFL_PIN(struct shfl_createparms, result, 8);
SHFL_PIN(struct shfl_createparms, create_flags, 12);
SHFL_PIN(struct shfl_createparms, info, 16);
SHFL_PIN_SIZE(struct shfl_createparms, 108);

/* §2.2 SHFLDIRINFO: the 126-byte record header */
SHFL_PIN(struct shfl_dirinfo, info, 0);
SHFL_PIN(struct shfl_dirinfo, short_name_len, 92);
SHFL_PIN(struct shfl_dirinfo, short_name, 94);
SHFL_PIN(struct shfl_dirinfo, name_size, 122);
SHFL_PIN(struct shfl_dirinfo, name_length, 124);
SHFL_PIN(struct shfl_dirinfo, name, 126);
SHFL_PIN_SIZE(struct shfl_dirinfo, SHFL_DIRINFO_HDR_SIZE);

/* §2.2 SHFLVOLINFO */
SHFL_PIN(struct shfl_volinfo, total, 0);
SHFL_PIN(struct shfl_volinfo, avail, 8);
SHFL_PIN(struct shfl_volinfo, alloc_unit, 16);
SHFL_PIN(struct shfl_volinfo, sector, 20);
SHFL_PIN(struct shfl_volinfo, serial, 24);
SHFL_PIN(struct shfl_volinfo, max_component, 28);
SHFL_PIN(struct shfl_volinfo, remote, 32);
SHFL_PIN(struct shfl_volinfo, case_sensitive, 33);
SHFL_PIN(struct shfl_volinfo, read_only, 34);
SHFL_PIN(struct shfl_volinfo, unicode, 35);
SHFL_PIN(struct shfl_volinfo, compressed, 36);
SHFL_PIN(struct shfl_volinfo, file_compression, 37);
SHFL_PIN_SIZE(struct shfl_volinfo, 40);

/* §2.2 SHFLMAPPING */
SHFL_PIN(struct shfl_mapping, status, 0);
SHFL_PIN(struct shfl_mapping, root, 4);
SHFL_PIN_SIZE(struct shfl_mapping, 8);

/*
 * §2.1: parameter count and host-side types of every function, one
 * letter per parameter: 'u' 32-bit, 'U' 64-bit, 'p' pointer (buffer).
 * VirtualBox ignores cParms for SET_UTF8 and SET_SYMLINKS; memwire
 * requires 0 (docs/shfl.md).
 */
struct shfl_fn_desc {
	const char *name;
	const char *parms; /* NULL: not a function */
};

static const struct shfl_fn_desc shfl_fn_table[SHFL_FN_LAST + 1] = {
	[SHFL_FN_QUERY_MAPPINGS] = { "QUERY_MAPPINGS", "uup" },
	[SHFL_FN_QUERY_MAP_NAME] = { "QUERY_MAP_NAME", "up" },
	[SHFL_FN_CREATE] = { "CREATE", "upp" },
	[SHFL_FN_CLOSE] = { "CLOSE", "uU" },
	[SHFL_FN_READ] = { "READ", "uUUup" },
	[SHFL_FN_WRITE] = { "WRITE", "uUUup" },
	[SHFL_FN_LOCK] = { "LOCK", "uUUUu" },
	[SHFL_FN_LIST] = { "LIST", "uUuuppuu" },
	[SHFL_FN_INFORMATION] = { "INFORMATION", "uUuup" },
	[SHFL_FN_REMOVE] = { "REMOVE", "upu" },
	[SHFL_FN_MAP_FOLDER_OLD] = { "MAP_FOLDER_OLD", "puu" },
	[SHFL_FN_UNMAP_FOLDER] = { "UNMAP_FOLDER", "u" },
	[SHFL_FN_RENAME] = { "RENAME", "uppu" },
	[SHFL_FN_FLUSH] = { "FLUSH", "uU" },
	[SHFL_FN_SET_UTF8] = { "SET_UTF8", "" },
	[SHFL_FN_MAP_FOLDER] = { "MAP_FOLDER", "puuu" },
	[SHFL_FN_READLINK] = { "READLINK", "upp" },
	[SHFL_FN_SYMLINK] = { "SYMLINK", "uppp" },
	[SHFL_FN_SET_SYMLINKS] = { "SET_SYMLINKS", "" },
	[SHFL_FN_QUERY_MAP_INFO] = { "QUERY_MAP_INFO", "uppUu" },
	[SHFL_FN_WAIT_FOR_MAPPINGS_CHANGES] = { "WAIT_FOR_MAPPINGS_CHANGES",
						"u" },
	[SHFL_FN_CANCEL_MAPPINGS_CHANGES_WAITS] = {
		"CANCEL_MAPPINGS_CHANGES_WAITS", "" },
	[SHFL_FN_SET_FILE_SIZE] = { "SET_FILE_SIZE", "uUU" },
	[SHFL_FN_QUERY_FEATURES] = { "QUERY_FEATURES", "Uu" },
	[SHFL_FN_COPY_FILE] = { "COPY_FILE", "upupu" },
	[SHFL_FN_COPY_FILE_PART] = { "COPY_FILE_PART", "uUUuUUUu" },
	[SHFL_FN_CLOSE_AND_REMOVE] = { "CLOSE_AND_REMOVE", "upuU" },
	[SHFL_FN_SET_ERROR_STYLE] = { "SET_ERROR_STYLE", "uu" },
};

/* Host client flags (VirtualBox 7 SharedFolders/shfl.h, §2.3) */
#define SHFL_CLIENT_MAPPINGS_QUERIED 0x1u
#define SHFL_CLIENT_MAPPINGS_CHANGED 0x2u
#define SHFL_CLIENT_UTF8 0x4u
#define SHFL_CLIENT_SYMLINKS 0x8u
#define SHFL_CLIENT_CANCEL_NEXT_WAIT 0x10u

/* Mask of the SHFL_CF_* create flags that mean something (§2.3). */
#define SHFL_CF_VALID_MASK 0x0007ffffu

/* §2.1: COPY_FILE_PART byte counts must stay below 2^60. */
#define SHFL_COPY_PART_MAX ((uint64_t)1 << 60)
/* §2.1: LIST needs a buffer of at least 128 bytes. */
#define SHFL_LIST_MIN_CB 128u

#endif /* MEMWIRE_SHFL_LAYOUT_H */
