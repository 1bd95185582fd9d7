/* SPDX-License-Identifier: MIT */
/*
 * memwire/smem.h - the Qualcomm shared-memory heap (SMEM).
 *
 * The heap the MSM8960/8930 boot loader lays out at phys 0x80000000 and that
 * Windows Phone's Qcsmem8930.sys and Linux's qcom_smem use: a header with a
 * table of 512 items, bump allocation under hardware mutex 3, a version
 * array, and the SMEM event logs.  The functions the Windows driver exports
 * through IOCTL 0x42000 keep their names and meaning; they take the heap as
 * their first argument and return 0 (or a count) or -errno, with
 * mw_last_error() naming what was wrong.
 *
 * Read-write access needs a memwire region (file or memfd) and a processor
 * to hold the hardware mutexes, or /dev/mem opened for writing (the real
 * SFPB mutex registers are then used).  Raw dumps and read-only /dev/mem are
 * inspected: lookups, validation, the log, the decoders; version 12
 * (partitioned) heaps are always read-only.
 *
 * Nothing in the heap is trusted: every table entry, offset and size is
 * copied, then checked against the region before it is used.
 */
#ifndef MEMWIRE_SMEM_H
#define MEMWIRE_SMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ constants */

#define SMEM_ITEM_COUNT 512      /* TOC entries */
#define SMEM_NUM_ITEMS 426       /* the msm kernel's item limit */
#define SMEM_FIXED_ITEM_LAST 8   /* items 0..8 belong to the boot loader */
#define SMEM_HEADER_SIZE 0x20D0u /* proc_comm, version, heap info, TOC */
#define SMEM_ALIGN 8u

/* Item ids (reference smem_smd.md §2); names for all come from
 * smem_item_name(). */
enum {
	SMEM_PROC_COMM = 0,
	SMEM_HEAP_INFO = 1,
	SMEM_ALLOCATION_TABLE = 2,
	SMEM_VERSION_INFO = 3,
	SMEM_HW_RESET_DETECT = 4,
	SMEM_AARM_WARM_BOOT = 5,
	SMEM_DIAG_ERR_MESSAGE = 6,
	SMEM_SPINLOCK_ARRAY = 7,
	SMEM_MEMORY_BARRIER_LOCATION = 8,
	SMEM_CHANNEL_ALLOC_TBL = 13,
	SMEM_SMD_BASE_ID = 14,
	SMEM_SMEM_LOG_IDX = 78,
	SMEM_SMEM_LOG_EVENTS = 79,
	SMEM_SMEM_STATIC_LOG_IDX = 80,
	SMEM_SMEM_STATIC_LOG_EVENTS = 81,
	SMEM_SMSM_SHARED_STATE = 85,
	SMEM_VERSION_FIRST = 107,
	SMEM_VERSION_SMD = 107,
	SMEM_VERSION_LAST = 131,
	SMEM_HW_SW_BUILD_ID = 137,
	SMEM_SMSM_CPU_INTR_MASK = 333,
	SMEM_SMD_FIFO_BASE_ID = 338,
	SMEM_SMEM_LOG_POWER_IDX = 405,
	SMEM_SMEM_LOG_POWER_EVENTS = 407,
	SMEM_SMSM_SIZE_INFO = 419,
};

/* Hardware mutexes the heap and the logs use (§4.1 "S:n"). */
#define SMEM_LOCK_ALLOC 3
#define SMEM_LOCK_LOG 2
#define SMEM_LOCK_STATIC_LOG 5

/* version[] words: major << 16 | minor (§3). */
#define SMEM_MAJOR_VERSION_MASK 0xFFFF0000u
#define SMEM_MINOR_VERSION_MASK 0x0000FFFFu
#define SMEM_FULL_VERSION_MASK 0xFFFFFFFFu
#define SMEM_VERSION_MAJOR_V11 0x000Bu
#define SMEM_VERSION_MAJOR_V12 0x000Cu
#define SMEM_MASTER_SBL_VERSION_INDEX 7
/* version[] slots with published names ([JPRIV]). */
#define SMEM_VERSION_QDSP6 4
#define SMEM_VERSION_APPS_SBL 6
#define SMEM_VERSION_MODEM_SBL 7
#define SMEM_VERSION_APPS 8
#define SMEM_VERSION_MODEM 9
#define SMEM_VERSION_DSPS 10
/* memwire's choice for the two processors without a published slot. */
#define SMEM_VERSION_WCNSS 11
#define SMEM_VERSION_RPM 12

/* --------------------------------------------------------------- opening */

struct smem;

/**
 * smem_open() - open the heap in a region
 * @r: region holding the heap at its base; borrowed, must outlive the heap
 * @proc: for a writable memwire region, the processor to act as ("apps",
 *        "modem", ...): it holds the hardware mutexes; NULL opens the heap
 *        without a processor (inspection, smem_init_heap()).  Ignored for
 *        dumps and /dev/mem: a writable /dev/mem heap uses the real SFPB
 *        mutex registers as apps.
 * @out: the heap
 *
 * Opening does not validate: call smem_validate() before trusting a foreign
 * image.  Return: 0 or -errno (the processor slot is busy, ...).
 */
int smem_open(struct mw_region *r, const char *proc, struct smem **out);

/** smem_open_soc() - open the heap of a soc's region as that processor;
 * @s is borrowed. */
int smem_open_soc(struct mw_soc *s, struct smem **out);

/**
 * smem_open_buffer() - inspect a heap image held in memory (read-only)
 * @buf: the image, the region's first byte at @phys; borrowed
 */
int smem_open_buffer(const void *buf, size_t len, uint64_t phys,
		     struct smem **out);

/** smem_close() - NULL is allowed. */
void smem_close(struct smem *sm);

/** smem_soc() - the processor this heap acts as, NULL when none. */
struct mw_soc *smem_soc(const struct smem *sm);
/** smem_region() - the region (NULL for a buffer). */
struct mw_region *smem_region(const struct smem *sm);
bool smem_writable(const struct smem *sm);

/**
 * smem_set_lock_timeout() - bound every wait for a hardware mutex
 * @ms: -1 waits forever; the default is 10000
 *
 * A lock held by a dead processor is taken over at once (core reaping); one
 * held by a live processor that never lets go times out with -ETIMEDOUT.
 */
void smem_set_lock_timeout(struct smem *sm, int ms);

/* ------------------------------------------------- boot loader, checking */

#define SMEM_INIT_FORCE 0x1u /* re-format an initialised heap */

/**
 * smem_init_heap() - lay the heap out as the boot loader (SBL) does
 * @flags: SMEM_INIT_FORCE to overwrite a heap that is already initialised
 *
 * Zeroes the region, writes the header (version[7] = 0x000B0000), the TOC
 * entries of the fixed items 0..8 (0..3 point into the header; 4..8 are
 * allocated after it, item 6 200 bytes, item 7 32 bytes), the heap counters,
 * and publishes `initialized = 1` last.  No other processor may be using
 * the region.  Return: 0, -EEXIST (already initialised), -EROFS.
 */
int smem_init_heap(struct smem *sm, unsigned flags);

/**
 * smem_validate() - check a heap before anything trusts it
 *
 * Version 11: region size, `initialized`, `reserved`, the SBL version, the
 * counters against the size, every allocated TOC entry (8-aligned, inside
 * the region and the allocated area, not over the header or another item;
 * items 0..3 exactly where the header holds them).  With a "$TOC" partition
 * table (always for version 12): the table, every partition header, every
 * item header (canary, sizes) of every partition.
 *
 * Return: 0 when sound, -EBADMSG naming the first offending field and its
 * value (mw_last_error()).
 */
int smem_validate(const struct smem *sm);

/* ----------------------------------------------------------- heap facts */

struct smem_heap_info {
	uint64_t phys;         /* region base */
	uint64_t size;         /* region size */
	unsigned layout;       /* 11 global heap, 12 global partition, 0 unknown */
	uint32_t version[32];  /* copy of item 3 */
	uint32_t initialized;
	uint32_t free_offset;
	uint32_t available;
	uint32_t reserved;
	bool has_ptable;       /* "$TOC" in the last 4 KiB */
	unsigned partitions;   /* ptable entries with a size */
	unsigned item_count;   /* 512, or the "SIII" count of version 12 */
};

/** smem_heap_info() - copy the header's facts; always succeeds for a region
 * at least as large as the header (-EBADMSG otherwise). */
int smem_heap_info(const struct smem *sm, struct smem_heap_info *out);

struct smem_item {
	uint32_t id;
	const char *name;   /* static; "SMEM_SMD_BASE_ID+5" style for ranges */
	uint64_t phys;      /* data, when in the main region */
	uint32_t offset;    /* of the data from the region base */
	uint32_t size;      /* usable size */
	uint32_t aux_base;  /* nonzero: the item lives in an auxiliary region */
	int partition;      /* -1: global heap TOC; else ptable index */
	uint16_t host0, host1; /* partition hosts */
	bool cached;        /* partition item from the cached (top) end */
	const void *ptr;    /* data, NULL for auxiliary or bad items */
	const char *problem; /* NULL, or why the entry is refused (field and
			      * value); valid during the callback only */
};

typedef int (*smem_item_fn)(const struct smem_item *it, void *arg);

/**
 * smem_foreach_item() - every allocated item, TOC first, then partitions
 * @fn: called per item; a nonzero return stops the walk and is returned
 *
 * Entries are validated as they are walked.  A bad TOC entry is delivered
 * with @problem set and the walk goes on; a broken partition chain ends that
 * partition with one such entry.  Return: 0, the callback's nonzero value,
 * or -EBADMSG naming the first problem once the walk is done.
 */
int smem_foreach_item(const struct smem *sm, smem_item_fn fn, void *arg);

/** smem_item_name() - "SMEM_SMEM_LOG_EVENTS", "SMEM_SMD_FIFO_BASE_ID+3", or
 * NULL for an id without a name.  Static storage. */
const char *smem_item_name(uint32_t id);

/* ------------------------------- the Windows driver's exports (0x42000) */

/**
 * smem_alloc() - allocate item @type of @size bytes, or find it
 * @out: the item's data
 *
 * The size is rounded up to 8.  Under hardware mutex 3: an item that exists
 * is returned when its size matches; otherwise `offset` and `size` are
 * written, then `allocated` with a release barrier (readers do not lock),
 * then the counters.
 *
 * Return: 0; -EINVAL for a fixed item (0..8) that does not exist or an id
 * past the table; -EMSGSIZE for a size mismatch; -ENOSPC for an exhausted
 * heap; -EBADMSG for a corrupt entry or counter; -EROFS; -ETIMEDOUT.
 */
int smem_alloc(struct smem *sm, uint32_t type, uint32_t size, void **out);

/**
 * smem_get_addr() - look item @type up (no lock; `allocated` is acquired)
 * @size: its size, may be NULL
 *
 * Return: 0, -ENOENT (not allocated), -EBADMSG (entry outside the region,
 * overlapping the header, misaligned: the item is refused), -ENXIO (in an
 * auxiliary region memwire has not mapped).
 */
int smem_get_addr(const struct smem *sm, uint32_t type, void **out,
		  uint32_t *size);

/**
 * smem_find() - smem_get_addr() that also demands ALIGN(@size, 8) equal the
 * item's size, as the Linux kernel's smem_find() does.  -EMSGSIZE otherwise.
 */
int smem_find(const struct smem *sm, uint32_t type, uint32_t size,
	      void **out);

/**
 * smem_version_set() - register this processor's version of an object
 * @type: SMEM_VERSION_INFO (the header's version[]) or 107..131 (a 128-byte
 *        item, allocated if missing)
 *
 * ORs `version & mask` into this processor's slot (smem_version_slot()),
 * then compares every nonzero slot under @mask.
 * Return: 1 when every registered version agrees, 0 when one differs, or
 * -errno.
 */
int smem_version_set(struct smem *sm, uint32_t type, uint32_t version,
		     uint32_t mask);

/** smem_version_slot() - this processor's version[] slot: apps 8, modem 9,
 * q6 4, dsps 10, wcnss 11, rpm 12; apps without a processor. */
int smem_version_slot(const struct smem *sm);
/** smem_set_version_slot() - override the slot (0..31). */
int smem_set_version_slot(struct smem *sm, int slot);

/** smem_spin_lock() - take hardware mutex @n (0..31) as this processor. */
int smem_spin_lock(struct smem *sm, unsigned n);
/** smem_spin_unlock() - release it; -EPERM naming the owner otherwise. */
int smem_spin_unlock(struct smem *sm, unsigned n);

/**
 * smem_set_lock0() - force hardware mutex @n to 0 (free)
 *
 * The raw register write a driver does to free a lock whose owner restarted
 * (docs/smem.md: the meaning memwire gives the undocumented export).  Waiters
 * are woken.  A lock this processor holds is refused (-EBUSY: unlock it).
 * Return: the previous owner id (0 when it was free), or -errno.
 */
int smem_set_lock0(struct smem *sm, unsigned n);

/** smem_lock_owner() - *@owner = register @n (0 = free). */
int smem_lock_owner(const struct smem *sm, unsigned n, uint32_t *owner);

/* The three logs (§5.1). */
enum smem_log_id {
	SMEM_LOG_MAIN = 0,   /* items 78/79, 2000 entries, lock 2 */
	SMEM_LOG_STATIC = 1, /* items 80/81, 150 entries, lock 5 */
	SMEM_LOG_POWER = 2,  /* items 405/407, 2000 entries, lock 2 */
};

struct smem_log_event {
	uint32_t identifier;
	uint32_t timetick;
	uint32_t data[3];
	uint32_t slot; /* index in the ring */
};

/** smem_log_entries() - ring size of @log (2000 or 150), 0 if unknown. */
unsigned smem_log_entries(enum smem_log_id log);
const char *smem_log_name(enum smem_log_id log);

/**
 * smem_init_log_buffer() - create @log's index and events items (the log
 * owner's job: the modem on a phone).  Existing items of the right size are
 * kept.  Return: 0 or -errno.
 */
int smem_init_log_buffer(struct smem *sm, enum smem_log_id log);

/**
 * smem_write_log_event3() - append one entry {id, timetick, d1, d2, d3}
 *
 * The timetick is read before the log's mutex is taken.  An index past the
 * ring is not written through; it restarts at 0, as the kernel does.
 * Return: 0 or -errno (-ENOENT: the log items do not exist).
 */
int smem_write_log_event3(struct smem *sm, enum smem_log_id log,
			  uint32_t identifier, uint32_t d1, uint32_t d2,
			  uint32_t d3);

/**
 * smem_write_log_event6() - append two entries with one identifier and one
 * timetick: {id, t, d1, d2, d3} {id, t, d4, d5, d6}
 *
 * Exactly as the kernel: written only when index < entries - 1; at the last
 * slot the pair is dropped and the index wraps to 0.
 * Return: 1 written, 0 dropped, or -errno.
 */
int smem_write_log_event6(struct smem *sm, enum smem_log_id log,
			  uint32_t identifier, uint32_t d1, uint32_t d2,
			  uint32_t d3, uint32_t d4, uint32_t d5, uint32_t d6);

#define SMEM_LOG_OLDEST_FIRST 0x1u /* default: newest first, like read() */

/**
 * smem_read_log_events() - snapshot @log (copied under its mutex when the
 * heap is writable) and return up to @max entries with a nonzero
 * identifier, newest first unless SMEM_LOG_OLDEST_FIRST.
 * @next_idx: the write index, may be NULL
 * Return: the number of entries, or -errno.
 */
int smem_read_log_events(struct smem *sm, enum smem_log_id log,
			 struct smem_log_event *ev, unsigned max,
			 unsigned flags, uint32_t *next_idx);

/** smem_log_timetick() - the tick memwire stamps entries with: 32768 Hz from
 * CLOCK_MONOTONIC, 32-bit wrap (docs/smem.md). */
uint32_t smem_log_timetick(void);

/**
 * smem_log_decode() - "APPS SMEM WRITE", "MODEM|CONT ONCRPC STD_CALL",
 * "Q6 base 0x0ab event 0x12" (the 12-bit base of a base without a name)
 * into @buf.
 * Return: the length smem_log_decode would have written (snprintf rule).
 */
int smem_log_decode(uint32_t identifier, char *buf, size_t len);

/** smem_get_firstMemoryResourcePhysicalStart() - the heap's physical base. */
uint64_t smem_get_firstMemoryResourcePhysicalStart(const struct smem *sm);
/** smem_get_firstMemoryResourceLength() - the heap's length. */
uint64_t smem_get_firstMemoryResourceLength(const struct smem *sm);

/*
 * IOCTL 0x42004: where one of the platform's extra resources is mapped.
 */
struct smem_mapping {
	const struct mw_resource *res; /* the platform resource */
	volatile uint32_t *va;         /* where it is mapped in this process */
	bool emulated;  /* va is memwire's shadow register in the control page:
			 * it holds the last value written; ring with
			 * mw_doorbell_write(), a store to va raises nothing */
};

/**
 * smem_translate() - look @phys up in the platform's extra resources (the
 * three doorbell registers IOCTL 0x42004 maps, reference §7.1) and map it
 * Return: 0, -ENOENT (not a doorbell register: the heap and the
 * hardware-mutex array are not translated), -ENXIO (a dump or a buffer:
 * no registers), -errno (/dev/mem).
 */
int smem_translate(struct smem *sm, uint64_t phys, struct smem_mapping *out);

/* ------------------------------------------------- well-known item decoders */

struct smem_socinfo {
	uint32_t format;
	uint32_t id;
	const char *id_name; /* "MSM8930", NULL when unknown */
	uint32_t version;    /* major << 16 | minor */
	char build_id[33];
	unsigned fields;     /* how many u32 fields after build_id are present */
	uint32_t raw_id, raw_version, hw_platform, platform_version;
	uint32_t accessory_chip, hw_platform_subtype, pmic_model;
	uint32_t pmic_die_revision;
};

/** smem_socinfo_read() - decode item 137; -ENOENT, -EBADMSG (too short). */
int smem_socinfo_read(const struct smem *sm, struct smem_socinfo *out);

#define SMEM_SMSM_MAX_ENTRIES 32
#define SMEM_SMSM_MAX_HOSTS 16

struct smem_smsm {
	bool have_size_info;  /* item 419 present */
	uint32_t num_hosts;   /* from 419, or the default 3 */
	uint32_t num_entries; /* from 419, or the default 8 */
	uint32_t state[SMEM_SMSM_MAX_ENTRIES];
	bool have_mask;
	uint32_t mask[SMEM_SMSM_MAX_ENTRIES][SMEM_SMSM_MAX_HOSTS];
};

/** smem_smsm_read() - decode items 85 (+ 419, 333); -ENOENT, -EBADMSG. */
int smem_smsm_read(const struct smem *sm, struct smem_smsm *out);
/** smem_smsm_entry_name() - "APPS_STATE" ...; NULL past 7. */
const char *smem_smsm_entry_name(unsigned entry);
/** smem_smsm_bit_name() - "INIT", "SMDINIT" ... for a single bit. */
const char *smem_smsm_bit_name(uint32_t bit);

#define SMEM_SMD_CHANNELS 64

struct smem_smd_channel {
	char name[21];  /* NUL-padded name, NUL-terminated here */
	uint32_t cid;
	uint32_t type;  /* raw */
	uint32_t edge;  /* type & 0xff */
	uint32_t xfer;  /* (type >> 8) & 0xf: 1 stream, 2 packet */
	uint32_t ref_count;
	unsigned slot;  /* index in the table */
};

/** smem_smd_table_read() - the used entries of item 13 (ref_count and name
 * nonzero); returns their number or -errno.  Names with bytes outside
 * printable ASCII are refused with -EBADMSG naming the slot. */
int smem_smd_table_read(const struct smem *sm,
			struct smem_smd_channel out[SMEM_SMD_CHANNELS]);
/** smem_smd_edge_name() - "APPS_MODEM" ...; NULL when unknown. */
const char *smem_smd_edge_name(uint32_t edge);

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_SMEM_H */
