/* SPDX-License-Identifier: MIT */
/*
 * smem_i.h - the heap object, private to src/smem/.
 *
 * Internal functions shared between the smem files are named mws_*: the
 * version script exports smem_* and mw_*, so they stay local.
 */
#ifndef MEMWIRE_SMEM_I_H
#define MEMWIRE_SMEM_I_H

#include <stdbool.h>
#include <stdint.h>

#include "memwire/smem.h"
#include "smem/layout.h"

#define SMEM_MAX_XRES 8

struct smem {
	uint8_t *base;     /* region byte 0 = phys */
	uint64_t phys;
	uint64_t size;
	bool writable;
	struct mw_region *region;   /* borrowed; NULL for a buffer */
	struct mw_soc *soc;         /* lock holder; NULL when none */
	bool own_soc;
	const struct mw_platform *plat;
	struct mw_region *sfpb;     /* /dev/mem mutex registers (devmem --write) */
	uint32_t sfpb_id;
	struct mw_region *xres[SMEM_MAX_XRES]; /* /dev/mem maps for translate */
	int lock_timeout;           /* ms, -1 forever */
	int version_slot;
};

static inline struct smem_header *mws_hdr(const struct smem *sm)
{
	return (struct smem_header *)sm->base;
}

/* Locks of the heap: emulated (soc), real SFPB registers, or none. */
int mws_lock(const struct smem *sm, unsigned n);
void mws_unlock(const struct smem *sm, unsigned n);
bool mws_can_lock(const struct smem *sm);
int mws_need_write(const struct smem *sm, const char *what);

/* Layout of the heap: 11, 12, or 0 when the header is unusable. */
unsigned mws_layout(const struct smem *sm);

/*
 * Partitions (part.c).  mws_part_find() looks an item up in every partition
 * (the global one first); mws_part_walk() delivers every partition item.
 * Both validate as they go.  -ENOENT when there is no "$TOC".
 */
int mws_ptable_count(const struct smem *sm, unsigned *nentries,
		     unsigned *item_count);
int mws_part_walk(const struct smem *sm, smem_item_fn fn, void *arg,
		  bool stop_at_first);
int mws_part_find(const struct smem *sm, uint32_t id, void **out,
		  uint32_t *size);
int mws_part_validate(const struct smem *sm);

#endif /* MEMWIRE_SMEM_I_H */
