/* SPDX-License-Identifier: MIT */
/*
 * layout.h - the region control page: memwire's own shared layout.
 *
 * A region file (or memfd) is the region's bytes followed by one 4 KiB
 * control page.  Putting the page *after* the data keeps offset 0 of the file
 * equal to the region's physical base, so a region file is also a raw dump of
 * the region (what `smem` tools read), and the heap header stays at offset 0.
 *
 *   file offset        what
 *   0 .. size-1        region data, physical base .. base + size - 1
 *   size + 0x000       struct mw_ctl_hdr          (read-mostly, written once)
 *   size + 0x100       hwmutex[32]                emulated SFPB mutex registers
 *   size + 0x180       hwmutex_waiters[32]        sleepers per register
 *   size + 0x200       procs[8]                   who is attached as what
 *   size + 0x400       lines[64]                  interrupt lines
 *   size + 0x800       doorbell_last[16]          last value per doorbell reg
 *   size + 0x840 ..    reserved (0)
 *
 * All fields little-endian.  Who writes what:
 *   hdr            the creator, once, before the rename that publishes the file
 *   hwmutex[n]     any processor: cmpxchg 0 -> own id (lock), own id -> 0
 *                  (unlock), id -> 0 (release_all)
 *   procs[i].owner the process claiming processor i (cmpxchg 0 -> pid|start),
 *                  a reaper (owner -> REAPING -> 0)
 *   lines[i].seq   any raiser (fetch_add); the target waits on it (futex)
 */
#ifndef MEMWIRE_CORE_LAYOUT_H
#define MEMWIRE_CORE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "memwire/core.h"

#define MW_CTL_MAGIC "MWRG"

struct mw_ctl_hdr {
	uint8_t magic[4];  /* "MWRG" */
	uint32_t version;  /* MW_REGION_VERSION */
	uint64_t phys;     /* physical base of the data */
	uint64_t size;     /* bytes of data before this page */
	char platform[16]; /* NUL-terminated, "" for none */
	uint32_t ctl_size; /* MW_REGION_CTL_SIZE */
	uint32_t flags;    /* reserved, 0 */
	uint8_t reserved[0x100 - 0x30];
};

/*
 * owner packs the OS pid (low 32 bits) with the low 32 bits of its start
 * time (/proc/<pid>/stat field 22, clock ticks since boot) so that one
 * 64-bit compare-and-swap claims a slot and a recycled pid is not mistaken
 * for the process that died.  0 = free, pid 0xffffffff = being reaped.
 */
struct mw_ctl_proc {
	uint64_t owner;
	uint32_t attaches; /* claims so far */
	uint32_t reserved;
};

struct mw_ctl_line {
	uint32_t seq;     /* futex word: raises, modulo 2^32 */
	uint32_t waiters; /* sleepers in futex_wait on seq */
	uint64_t raised;  /* total raises (statistics) */
};

struct mw_ctl {
	struct mw_ctl_hdr hdr;
	uint32_t hwmutex[MW_HWMUTEX_COUNT];
	uint32_t hwmutex_waiters[MW_HWMUTEX_COUNT];
	struct mw_ctl_proc procs[MW_MAX_PROCS];
	uint8_t reserved1[0x400 - 0x280];
	struct mw_ctl_line lines[MW_MAX_LINES];
	uint32_t doorbell_last[16];
	uint8_t reserved2[MW_REGION_CTL_SIZE - 0x840];
};

#define LAYOUT_FIELD(T, off, f, sz)                                            \
	_Static_assert(offsetof(T, f) == (off), #T "." #f " offset");          \
	_Static_assert(sizeof(((T *)0)->f) == (sz), #T "." #f " size")

LAYOUT_FIELD(struct mw_ctl_hdr, 0x00, magic, 4);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x04, version, 4);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x08, phys, 8);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x10, size, 8);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x18, platform, 16);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x28, ctl_size, 4);
LAYOUT_FIELD(struct mw_ctl_hdr, 0x2c, flags, 4);
_Static_assert(sizeof(struct mw_ctl_hdr) == 0x100, "mw_ctl_hdr size");
LAYOUT_FIELD(struct mw_ctl_proc, 0x0, owner, 8);
LAYOUT_FIELD(struct mw_ctl_proc, 0x8, attaches, 4);
LAYOUT_FIELD(struct mw_ctl_proc, 0xc, reserved, 4);
_Static_assert(sizeof(struct mw_ctl_proc) == 16, "mw_ctl_proc size");
LAYOUT_FIELD(struct mw_ctl_line, 0x0, seq, 4);
LAYOUT_FIELD(struct mw_ctl_line, 0x4, waiters, 4);
LAYOUT_FIELD(struct mw_ctl_line, 0x8, raised, 8);
_Static_assert(sizeof(struct mw_ctl_line) == 16, "mw_ctl_line size");
LAYOUT_FIELD(struct mw_ctl, 0x000, hdr, 0x100);
LAYOUT_FIELD(struct mw_ctl, 0x100, hwmutex, 0x80);
LAYOUT_FIELD(struct mw_ctl, 0x180, hwmutex_waiters, 0x80);
LAYOUT_FIELD(struct mw_ctl, 0x200, procs, 0x80);
LAYOUT_FIELD(struct mw_ctl, 0x400, lines, 0x400);
LAYOUT_FIELD(struct mw_ctl, 0x800, doorbell_last, 0x40);
_Static_assert(sizeof(struct mw_ctl) == MW_REGION_CTL_SIZE, "mw_ctl size");

#endif /* MEMWIRE_CORE_LAYOUT_H */
