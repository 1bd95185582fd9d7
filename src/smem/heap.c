/* SPDX-License-Identifier: MIT */
/*
 * heap.c - the SMEM version 11 global heap: open, boot-loader layout,
 * lookup, allocation, validation, version array, locks.
 *
 * Theory of operation (reference smem_smd.md §1, §3, §4):
 *
 *   The boot loader zeroes the heap, writes the header and the TOC entries of
 *   the fixed items 0..8 and sets `initialized = 1`.  Every other item is
 *   bump-allocated by whichever processor needs it first:
 *
 *     lock hardware mutex 3
 *     toc[id].allocated ?  -> return it if the size matches, else error
 *     toc[id].offset = free_offset; toc[id].size = ALIGN(size, 8)
 *     release barrier; toc[id].allocated = 1      (readers do not lock)
 *     free_offset += size; available -= size
 *     unlock
 *
 *   Nothing is ever freed.  Readers acquire `allocated`, then copy offset
 *   and size and check them against the region before making a pointer: the
 *   other processors are not trusted.
 *
 *   Who writes what: the header and fixed TOC entries - the boot loader once;
 *   toc[id] and the counters - the allocating processor under mutex 3;
 *   version[slot] - the processor owning the slot (an atomic OR).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "smem/smem_i.h"

#define DEFAULT_LOCK_TIMEOUT_MS 10000

/* Items 0..3 live in the header; the TOC may describe them, exactly so. */
static const struct {
	uint32_t offset, size;
} header_items[4] = {
	[SMEM_PROC_COMM] = { 0x000, 64 },
	[SMEM_HEAP_INFO] = { 0x0C0, 16 },
	[SMEM_ALLOCATION_TABLE] = { 0x0D0, 512 * 16 },
	[SMEM_VERSION_INFO] = { 0x040, 128 },
};

/*
 * Sizes the boot loader gives the fixed items after the header.  6 and 7
 * are published (§1.5); 4, 5 and 8 are not: memwire's choice, docs/smem.md.
 */
static const uint32_t fixed_item_size[9] = {
	[SMEM_HW_RESET_DETECT] = 8,     [SMEM_AARM_WARM_BOOT] = 8,
	[SMEM_DIAG_ERR_MESSAGE] = 200,  [SMEM_SPINLOCK_ARRAY] = 32,
	[SMEM_MEMORY_BARRIER_LOCATION] = 8,
};

static uint32_t align8(uint32_t v)
{
	return (v + (SMEM_ALIGN - 1)) & ~(SMEM_ALIGN - 1);
}

/* ---------------------------------------------------------------- open */

static int smem_new(struct smem **out)
{
	struct smem *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return mw_err(-ENOMEM, "out of memory");
	sm->lock_timeout = DEFAULT_LOCK_TIMEOUT_MS;
	sm->version_slot = SMEM_VERSION_APPS;
	*out = sm;
	return 0;
}

static int slot_of_proc(const char *name)
{
	static const struct {
		const char *proc;
		int slot;
	} slots[] = {
		{ "apps", SMEM_VERSION_APPS },   { "modem", SMEM_VERSION_MODEM },
		{ "q6", SMEM_VERSION_QDSP6 },    { "dsps", SMEM_VERSION_DSPS },
		{ "wcnss", SMEM_VERSION_WCNSS }, { "rpm", SMEM_VERSION_RPM },
	};
	size_t i;

	for (i = 0; name && i < MW_ARRAY_SIZE(slots); i++)
		if (!strcmp(slots[i].proc, name))
			return slots[i].slot;
	return SMEM_VERSION_APPS;
}

static int attach_region(struct smem *sm, struct mw_region *r)
{
	int ret;

	sm->region = r;
	sm->phys = mw_region_phys(r);
	sm->size = mw_region_size(r);
	sm->writable = mw_region_writable(r);
	sm->plat = mw_region_platform(r);
	if (!sm->plat) {
		ret = mw_platform_get(NULL, &sm->plat);
		if (ret)
			return ret;
	}
	ret = mw_region_ptr(r, sm->phys, sm->size, (void **)&sm->base);
	if (ret)
		return ret;
	return 0;
}

int smem_open(struct mw_region *r, const char *proc, struct smem **out)
{
	struct smem *sm = NULL;
	int ret;

	mw_clear_error();
	ret = smem_new(&sm);
	if (ret)
		return ret;
	ret = attach_region(sm, r);
	if (ret)
		goto err_free;
	if (mw_region_kind(r) == MW_REGION_DEVMEM) {
		/* The real SFPB registers, as apps (id 1, §4.1). */
		if (sm->writable)
			sm->sfpb_id = 1;
	} else if (mw_region_platform(r) &&
		   (mw_region_kind(r) == MW_REGION_FILE ||
		    mw_region_kind(r) == MW_REGION_MEMFD)) {
		/* Without a processor (or read-only): an observer, which
		 * reads the mutex registers but cannot lock. */
		if (!sm->writable)
			proc = NULL;
		ret = mw_soc_open(r, proc, &sm->soc);
		if (ret)
			goto err_free;
		sm->own_soc = true;
		sm->version_slot = slot_of_proc(proc);
	}
	*out = sm;
	return 0;

err_free:
	free(sm);
	return ret;
}

int smem_open_soc(struct mw_soc *s, struct smem **out)
{
	struct smem *sm = NULL;
	int self, ret;

	mw_clear_error();
	ret = smem_new(&sm);
	if (ret)
		return ret;
	ret = attach_region(sm, mw_soc_region(s));
	if (ret) {
		free(sm);
		return ret;
	}
	sm->soc = s;
	self = mw_soc_self(s);
	if (self >= 0)
		sm->version_slot =
			slot_of_proc(mw_soc_platform(s)->procs[self].name);
	*out = sm;
	return 0;
}

int smem_open_buffer(const void *buf, size_t len, uint64_t phys,
		     struct smem **out)
{
	struct smem *sm = NULL;
	int ret;

	mw_clear_error();
	if (!buf || len == 0 || phys + len < phys)
		return mw_err(-EINVAL, "bad heap buffer (%zu bytes at 0x%llx)",
			      len, (unsigned long long)phys);
	ret = smem_new(&sm);
	if (ret)
		return ret;
	ret = mw_platform_get(NULL, &sm->plat);
	if (ret) {
		free(sm);
		return ret;
	}
	sm->base = (uint8_t *)buf; /* never written: writable is false */
	sm->phys = phys;
	sm->size = len;
	*out = sm;
	return 0;
}

void smem_close(struct smem *sm)
{
	unsigned i;

	if (!sm)
		return;
	if (sm->own_soc)
		mw_soc_close(sm->soc);
	mw_region_close(sm->sfpb);
	for (i = 0; i < SMEM_MAX_XRES; i++)
		mw_region_close(sm->xres[i]);
	free(sm);
}

struct mw_soc *smem_soc(const struct smem *sm)
{
	return sm->soc;
}

struct mw_region *smem_region(const struct smem *sm)
{
	return sm->region;
}

bool smem_writable(const struct smem *sm)
{
	return sm->writable;
}

void smem_set_lock_timeout(struct smem *sm, int ms)
{
	sm->lock_timeout = ms < 0 ? -1 : ms;
}

uint64_t smem_get_firstMemoryResourcePhysicalStart(const struct smem *sm)
{
	return sm->phys;
}

uint64_t smem_get_firstMemoryResourceLength(const struct smem *sm)
{
	return sm->size;
}

/* --------------------------------------------------------------- locks */

int mws_need_write(const struct smem *sm, const char *what)
{
	if (!sm->writable)
		return mw_err(-EROFS, "%s: the heap is read-only (%s)", what,
			      sm->region ? mw_region_kind_name(
						   mw_region_kind(sm->region))
					 : "buffer");
	return 0;
}

bool mws_can_lock(const struct smem *sm)
{
	return (sm->soc && mw_soc_self(sm->soc) >= 0) || sm->sfpb_id;
}

/* Map the SFPB mutex array through the same /dev/mem as the heap. */
static int sfpb_map(const struct smem *sm_c, volatile uint32_t **regs)
{
	struct smem *sm = (struct smem *)sm_c; /* the mapping is a cache */
	const struct mw_resource *res = NULL;
	unsigned i;
	void *p;
	int ret;

	for (i = 0; i < sm->plat->nres; i++)
		if (sm->plat->res[i].kind == MW_RES_HWMUTEX)
			res = &sm->plat->res[i];
	if (!res)
		return mw_err(-ENODEV, "platform %s has no hardware mutex",
			      sm->plat->name);
	if (!sm->sfpb) {
		ret = mw_region_open_devmem(mw_region_path(sm->region),
					    res->phys, res->size,
					    sm->writable ? MW_REGION_WRITE : 0,
					    &sm->sfpb);
		if (ret)
			return ret;
	}
	ret = mw_region_ptr(sm->sfpb, res->phys, res->size, &p);
	if (ret)
		return ret;
	*regs = p;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The SFPB protocol on real registers (§4.1): write our id, read back; the
 * hardware keeps the first writer's id until it is written with 0.
 */
static int sfpb_lock(const struct smem *sm, unsigned n)
{
	long long deadline = sm->lock_timeout < 0
				     ? -1
				     : now_ms() + sm->lock_timeout;
	volatile uint32_t *regs;
	uint32_t seen;
	unsigned spins = 0;
	int ret = sfpb_map(sm, &regs);

	if (ret)
		return ret;
	for (;;) {
		regs[n] = sm->sfpb_id;
		mw_smp_mb();
		seen = regs[n];
		if (seen == sm->sfpb_id)
			return 0;
		if (++spins % 1024 == 0 && deadline >= 0 &&
		    now_ms() > deadline)
			return mw_err(-ETIMEDOUT,
				      "hardware mutex %u: still held by id %u "
				      "after %d ms",
				      n, seen, sm->lock_timeout);
		mw_cpu_relax();
	}
}

int mws_lock(const struct smem *sm, unsigned n)
{
	if (sm->soc && mw_soc_self(sm->soc) >= 0)
		return mw_hwmutex_lock(sm->soc, n, sm->lock_timeout);
	if (sm->sfpb_id)
		return sfpb_lock(sm, n);
	return mw_err(-EPERM,
		      "no processor holds the hardware mutexes of this heap "
		      "(open it as a processor, e.g. --proc apps)");
}

void mws_unlock(const struct smem *sm, unsigned n)
{
	volatile uint32_t *regs;
	char saved[256];

	/* Keep the message of a failure inside the critical section: the
	 * unlock clears the last error. */
	saved[0] = '\0';
	if (mw_last_error()[0])
		snprintf(saved, sizeof(saved), "%s", mw_last_error());
	if (sm->soc) {
		mw_hwmutex_unlock(sm->soc, n);
	} else if (sm->sfpb_id && sfpb_map(sm, &regs) == 0) {
		mw_smp_mb(); /* the critical section before the release */
		regs[n] = 0;
	}
	if (saved[0])
		mw_err(0, "%s", saved);
}

static int check_mutex(unsigned n)
{
	mw_clear_error();
	if (n >= MW_HWMUTEX_COUNT)
		return mw_err(-EINVAL, "hardware mutex %u: there are %u", n,
			      MW_HWMUTEX_COUNT);
	return 0;
}

int smem_spin_lock(struct smem *sm, unsigned n)
{
	return check_mutex(n) ?: mws_lock(sm, n);
}

int smem_spin_unlock(struct smem *sm, unsigned n)
{
	volatile uint32_t *regs;
	uint32_t cur;
	int ret;

	if ((ret = check_mutex(n)))
		return ret;
	if (sm->soc && mw_soc_self(sm->soc) >= 0)
		return mw_hwmutex_unlock(sm->soc, n);
	if (!sm->sfpb_id)
		return mws_lock(sm, n); /* the same "no processor" error */
	ret = sfpb_map(sm, &regs);
	if (ret)
		return ret;
	cur = regs[n];
	if (cur != sm->sfpb_id)
		return mw_err(-EPERM,
			      "hardware mutex %u is not owned by apps (actual "
			      "owner is %u)",
			      n, cur);
	mw_smp_mb();
	regs[n] = 0;
	return 0;
}

int smem_set_lock0(struct smem *sm, unsigned n)
{
	volatile uint32_t *regs;
	uint32_t prev;
	int ret;

	if ((ret = check_mutex(n)))
		return ret;
	if (sm->soc) {
		ret = mw_hwmutex_clear(sm->soc, n, &prev);
		return ret ? ret : (int)(prev & 0x7FFFFFFF);
	}
	if (!sm->sfpb_id)
		return mws_lock(sm, n);
	ret = sfpb_map(sm, &regs);
	if (ret)
		return ret;
	prev = regs[n];
	if (prev == sm->sfpb_id)
		return mw_err(-EBUSY, "hardware mutex %u is held by apps: "
				      "unlock it instead", n);
	regs[n] = 0;
	return (int)(prev & 0x7FFFFFFF);
}

int smem_lock_owner(const struct smem *sm, unsigned n, uint32_t *owner)
{
	volatile uint32_t *regs;
	int ret;

	if ((ret = check_mutex(n)))
		return ret;
	if (sm->soc)
		return mw_hwmutex_owner(sm->soc, n, owner);
	if (sm->region && mw_region_kind(sm->region) == MW_REGION_DEVMEM) {
		ret = sfpb_map(sm, &regs);
		if (ret)
			return ret;
		*owner = regs[n];
		return 0;
	}
	return mw_err(-ENXIO, "this heap has no hardware mutex registers "
			      "(a dump, or opened without a processor)");
}

/* -------------------------------------------------------------- header */

unsigned mws_layout(const struct smem *sm)
{
	uint32_t major;

	if (sm->size < SMEM_HEADER_SIZE)
		return 0;
	major = MW_READ_ONCE(mws_hdr(sm)->version[SMEM_MASTER_SBL_VERSION_INDEX]) >>
		16;
	if (major == SMEM_VERSION_MAJOR_V11 || major == SMEM_VERSION_MAJOR_V12)
		return major;
	return 0;
}

int smem_heap_info(const struct smem *sm, struct smem_heap_info *out)
{
	struct smem_header *h = mws_hdr(sm);
	unsigned i;

	mw_clear_error();
	memset(out, 0, sizeof(*out));
	out->phys = sm->phys;
	out->size = sm->size;
	if (sm->size < SMEM_HEADER_SIZE)
		return mw_err(-EBADMSG,
			      "region size 0x%llx is smaller than the SMEM "
			      "header (0x%x)",
			      (unsigned long long)sm->size, SMEM_HEADER_SIZE);
	for (i = 0; i < 32; i++)
		out->version[i] = MW_READ_ONCE(h->version[i]);
	out->initialized = MW_READ_ONCE(h->initialized);
	out->free_offset = MW_READ_ONCE(h->free_offset);
	out->available = MW_READ_ONCE(h->available);
	out->reserved = MW_READ_ONCE(h->reserved);
	out->layout = mws_layout(sm);
	out->item_count = SMEM_ITEM_COUNT;
	if (mws_ptable_count(sm, &out->partitions, &out->item_count) == 0)
		out->has_ptable = true;
	mw_clear_error();
	return 0;
}

/* ------------------------------------------------------------ entries */

/* Copy toc[id]: `allocated` acquired first, pairs with smem_alloc()'s
 * release; the rest is read after it. */
static void toc_copy(const struct smem *sm, uint32_t id,
		     struct smem_toc_entry *e)
{
	struct smem_toc_entry *t = &mws_hdr(sm)->toc[id];

	e->allocated = mw_load_acquire(&t->allocated);
	e->offset = MW_READ_ONCE(t->offset);
	e->size = MW_READ_ONCE(t->size);
	e->aux_base = MW_READ_ONCE(t->aux_base);
}

/*
 * Check one allocated TOC entry (a private copy) against the region; the
 * message names the field and the value.
 */
static int toc_check(const struct smem *sm, uint32_t id,
		     const struct smem_toc_entry *e)
{
	uint64_t end = (uint64_t)e->offset + e->size;

	if (id < 4) {
		if (e->offset != header_items[id].offset ||
		    e->size != header_items[id].size)
			return mw_err(-EBADMSG,
				      "toc[%u] = offset 0x%x size 0x%x: item "
				      "%u is in the header at 0x%x size 0x%x",
				      id, e->offset, e->size, id,
				      header_items[id].offset,
				      header_items[id].size);
		return 0;
	}
	if (e->aux_base & SMEM_AUX_BASE_MASK)
		return 0; /* in another region: nothing to check it against */
	if (e->offset % SMEM_ALIGN)
		return mw_err(-EBADMSG,
			      "toc[%u].offset = 0x%x is not 8-byte aligned", id,
			      e->offset);
	if (e->size % SMEM_ALIGN)
		return mw_err(-EBADMSG,
			      "toc[%u].size = 0x%x is not 8-byte aligned", id,
			      e->size);
	if (e->offset < SMEM_HEADER_SIZE)
		return mw_err(-EBADMSG,
			      "toc[%u].offset = 0x%x overlaps the header "
			      "(0..0x%x)",
			      id, e->offset, SMEM_HEADER_SIZE);
	if (end > sm->size)
		return mw_err(-EBADMSG,
			      "toc[%u] = offset 0x%x size 0x%x ends past the "
			      "region (0x%llx bytes)",
			      id, e->offset, e->size,
			      (unsigned long long)sm->size);
	return 0;
}

static int toc_lookup(const struct smem *sm, uint32_t id, void **out,
		      uint32_t *size)
{
	struct smem_toc_entry e;
	int ret;

	toc_copy(sm, id, &e);
	if (!e.allocated)
		return -ENOENT;
	ret = toc_check(sm, id, &e);
	if (ret)
		return ret;
	if (e.aux_base & SMEM_AUX_BASE_MASK)
		return mw_err(-ENXIO,
			      "item %u is in the auxiliary region at 0x%x, "
			      "which memwire does not map",
			      id, e.aux_base & SMEM_AUX_BASE_MASK);
	*out = sm->base + e.offset;
	if (size)
		*size = e.size;
	return 0;
}

int smem_get_addr(const struct smem *sm, uint32_t type, void **out,
		  uint32_t *size)
{
	unsigned layout;
	int ret;

	mw_clear_error();
	if (type >= SMEM_ITEM_COUNT)
		return mw_err(-EINVAL, "item %u is past the table (%u items)",
			      type, SMEM_ITEM_COUNT);
	layout = mws_layout(sm);
	if (layout == 0)
		return smem_validate(sm) ?: -EBADMSG;
	if (layout == SMEM_VERSION_MAJOR_V11) {
		ret = toc_lookup(sm, type, out, size);
		if (ret != -ENOENT)
			return ret;
	}
	ret = mws_part_find(sm, type, out, size);
	if (ret == -ENOENT)
		return mw_err(-ENOENT, "item %u (%s) is not allocated", type,
			      smem_item_name(type) ?: "unnamed");
	return ret;
}

int smem_find(const struct smem *sm, uint32_t type, uint32_t size,
	      void **out)
{
	uint32_t have;
	int ret = smem_get_addr(sm, type, out, &have);

	if (ret)
		return ret;
	if (size > UINT32_MAX - SMEM_ALIGN || align8(size) != have)
		return mw_err(-EMSGSIZE,
			      "item %u (%s) has size %u, expected %u", type,
			      smem_item_name(type) ?: "unnamed", have,
			      align8(size));
	return 0;
}

/* Heap counters, copied and checked (the allocator trusts nothing). */
static int counters_check(const struct smem *sm, uint32_t free_offset,
			  uint32_t available)
{
	if (free_offset < SMEM_HEADER_SIZE || free_offset > sm->size)
		return mw_err(-EBADMSG,
			      "heap free_offset = 0x%x is outside 0x%x..0x%llx",
			      free_offset, SMEM_HEADER_SIZE,
			      (unsigned long long)sm->size);
	if (free_offset % SMEM_ALIGN)
		return mw_err(-EBADMSG,
			      "heap free_offset = 0x%x is not 8-byte aligned",
			      free_offset);
	if ((uint64_t)free_offset + available > sm->size)
		return mw_err(-EBADMSG,
			      "heap available = 0x%x: free_offset 0x%x + "
			      "available runs past the region (0x%llx bytes)",
			      available, free_offset,
			      (unsigned long long)sm->size);
	return 0;
}

static int need_v11(const struct smem *sm, const char *what)
{
	struct smem_header *h = mws_hdr(sm);
	uint32_t init;

	if (sm->size < SMEM_HEADER_SIZE)
		return mw_err(-EBADMSG,
			      "%s: region size 0x%llx is smaller than the "
			      "SMEM header",
			      what, (unsigned long long)sm->size);
	init = mw_load_acquire(&h->initialized);
	if (init != 1)
		return mw_err(-EBADMSG,
			      "%s: the heap is not initialised (initialized "
			      "= 0x%x)",
			      what, init);
	if (mws_layout(sm) != SMEM_VERSION_MAJOR_V11)
		return mw_err(-EROFS,
			      "%s: SMEM version %u heaps are read-only here "
			      "(version[7] = 0x%08x)",
			      what, mws_layout(sm),
			      MW_READ_ONCE(h->version[7]));
	return 0;
}

int smem_alloc(struct smem *sm, uint32_t type, uint32_t size, void **out)
{
	struct smem_header *h = mws_hdr(sm);
	struct smem_toc_entry e;
	uint32_t free_offset, available;
	int ret;

	mw_clear_error();
	if ((ret = mws_need_write(sm, "alloc")) || (ret = need_v11(sm, "alloc")))
		return ret;
	if (type >= SMEM_ITEM_COUNT)
		return mw_err(-EINVAL, "item %u is past the table (%u items)",
			      type, SMEM_ITEM_COUNT);
	if (size == 0 || size > UINT32_MAX - SMEM_ALIGN)
		return mw_err(-EINVAL, "item %u: bad size %u", type, size);
	size = align8(size);

	ret = mws_lock(sm, SMEM_LOCK_ALLOC);
	if (ret)
		return ret;
	toc_copy(sm, type, &e);
	if (e.allocated) {
		ret = toc_check(sm, type, &e);
		if (ret)
			goto unlock;
		if (e.size != size) {
			ret = mw_err(-EMSGSIZE,
				     "item %u (%s) exists with size %u, not %u",
				     type, smem_item_name(type) ?: "unnamed",
				     e.size, size);
			goto unlock;
		}
		if (e.aux_base & SMEM_AUX_BASE_MASK) {
			ret = mw_err(-ENXIO, "item %u is in an auxiliary region",
				     type);
			goto unlock;
		}
		*out = sm->base + e.offset;
		goto unlock;
	}
	if (type <= SMEM_FIXED_ITEM_LAST) {
		ret = mw_err(-EINVAL,
			     "item %u (%s) is a fixed item: only the boot "
			     "loader creates it",
			     type, smem_item_name(type));
		goto unlock;
	}
	free_offset = MW_READ_ONCE(h->free_offset);
	available = MW_READ_ONCE(h->available);
	ret = counters_check(sm, free_offset, available);
	if (ret)
		goto unlock;
	if (available < size) {
		ret = mw_err(-ENOSPC,
			     "heap exhausted: item %u needs %u bytes, %u "
			     "available",
			     type, size, available);
		goto unlock;
	}
	MW_WRITE_ONCE(h->toc[type].offset, free_offset);
	MW_WRITE_ONCE(h->toc[type].size, size);
	MW_WRITE_ONCE(h->toc[type].aux_base, 0);
	/* The wmb() before `allocated`: pairs with toc_copy()'s acquire. */
	mw_store_release(&h->toc[type].allocated, 1);
	MW_WRITE_ONCE(h->free_offset, free_offset + size);
	MW_WRITE_ONCE(h->available, available - size);
	*out = sm->base + free_offset;
unlock:
	/* The unlock is a release: the counters are visible before it. */
	mws_unlock(sm, SMEM_LOCK_ALLOC);
	return ret;
}

/* ---------------------------------------------------------- boot loader */

int smem_init_heap(struct smem *sm, unsigned flags)
{
	struct smem_header *h = mws_hdr(sm);
	uint32_t off = SMEM_HEADER_SIZE;
	uint32_t id;
	int ret;

	mw_clear_error();
	ret = mws_need_write(sm, "init");
	if (ret)
		return ret;
	if (sm->size < SMEM_HEADER_SIZE + 4096 || sm->size > UINT32_MAX)
		return mw_err(-EINVAL,
			      "region size 0x%llx cannot hold a heap (0x%x.."
			      "4 GiB)",
			      (unsigned long long)sm->size,
			      SMEM_HEADER_SIZE + 4096);
	if (MW_READ_ONCE(h->initialized) && !(flags & SMEM_INIT_FORCE))
		return mw_err(-EEXIST, "the heap is already initialised "
				       "(initialized = %u)",
			      MW_READ_ONCE(h->initialized));
	/* Unpublish first, so a reader never sees a half-written heap. */
	mw_store_release(&h->initialized, 0);
	memset(sm->base, 0, sm->size);

	/* SBL registers the SMEM version, major only (§3). */
	h->version[SMEM_MASTER_SBL_VERSION_INDEX] =
		(uint32_t)SMEM_VERSION_MAJOR_V11 << 16;
	for (id = 0; id < 4; id++) {
		h->toc[id].offset = header_items[id].offset;
		h->toc[id].size = header_items[id].size;
		h->toc[id].allocated = 1;
	}
	for (id = 4; id <= SMEM_FIXED_ITEM_LAST; id++) {
		h->toc[id].offset = off;
		h->toc[id].size = fixed_item_size[id];
		h->toc[id].allocated = 1;
		off += fixed_item_size[id];
	}
	h->free_offset = off;
	h->available = (uint32_t)sm->size - off;
	h->reserved = 0;
	/* Everything above is visible before a reader sees initialized. */
	mw_store_release(&h->initialized, 1);
	return 0;
}

/* ----------------------------------------------------------- validation */

struct span {
	uint32_t id, offset, size;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int validate_v11(const struct smem *sm)
{
	struct smem_header *h = mws_hdr(sm);
	struct span spans[SMEM_ITEM_COUNT];
	uint32_t free_offset = MW_READ_ONCE(h->free_offset);
	uint32_t available = MW_READ_ONCE(h->available);
	unsigned n = 0, i;
	int ret;

	ret = counters_check(sm, free_offset, available);
	if (ret)
		return ret;
	for (i = 0; i < SMEM_ITEM_COUNT; i++) {
		struct smem_toc_entry e;

		toc_copy(sm, i, &e);
		if (!e.allocated)
			continue;
		ret = toc_check(sm, i, &e);
		if (ret)
			return ret;
		if (i < 4 || (e.aux_base & SMEM_AUX_BASE_MASK))
			continue;
		if ((uint64_t)e.offset + e.size > free_offset)
			return mw_err(-EBADMSG,
				      "toc[%u] = offset 0x%x size 0x%x ends "
				      "past free_offset 0x%x",
				      i, e.offset, e.size, free_offset);
		spans[n++] = (struct span){ i, e.offset, e.size };
	}
	qsort(spans, n, sizeof(spans[0]), span_cmp);
	for (i = 1; i < n; i++) {
		const struct span *a = &spans[i - 1], *b = &spans[i];

		if (a->size && (uint64_t)a->offset + a->size > b->offset)
			return mw_err(-EBADMSG,
				      "toc[%u] (0x%x+0x%x) overlaps toc[%u] "
				      "(0x%x+0x%x)",
				      b->id, b->offset, b->size, a->id,
				      a->offset, a->size);
	}
	return 0;
}

static int validate_locked(const struct smem *sm)
{
	struct smem_header *h = mws_hdr(sm);
	uint32_t v;
	unsigned layout;
	int ret;

	if (sm->size < SMEM_HEADER_SIZE)
		return mw_err(-EBADMSG,
			      "region size 0x%llx is smaller than the SMEM "
			      "header (0x%x)",
			      (unsigned long long)sm->size, SMEM_HEADER_SIZE);
	v = MW_READ_ONCE(h->initialized);
	if (v != 1)
		return mw_err(-EBADMSG, "initialized = 0x%x, expected 1", v);
	v = MW_READ_ONCE(h->reserved);
	if (v != 0)
		return mw_err(-EBADMSG, "heap reserved = 0x%x, expected 0", v);
	layout = mws_layout(sm);
	if (layout == 0)
		return mw_err(-EBADMSG,
			      "version[7] = 0x%08x: SBL major 0x%x, expected "
			      "0xb (global heap) or 0xc (partitions)",
			      MW_READ_ONCE(h->version[7]),
			      MW_READ_ONCE(h->version[7]) >> 16);
	if (layout == SMEM_VERSION_MAJOR_V11) {
		ret = validate_v11(sm);
		if (ret)
			return ret;
	}
	ret = mws_part_validate(sm);
	if (ret == -ENOENT && layout == SMEM_VERSION_MAJOR_V12)
		return mw_err(-EBADMSG,
			      "version 12 heap without a partition table "
			      "(no \"$TOC\" in the last 4 KiB)");
	return ret == -ENOENT ? 0 : ret;
}

int smem_validate(const struct smem *sm)
{
	bool locked = false;
	int ret;

	mw_clear_error();
	/* On a live heap, hold the allocation lock so the counters and the
	 * entries are read as one consistent state. */
	if (sm->writable && mws_can_lock(sm) &&
	    mws_lock(sm, SMEM_LOCK_ALLOC) == 0)
		locked = true;
	mw_clear_error();
	ret = validate_locked(sm);
	if (locked)
		mws_unlock(sm, SMEM_LOCK_ALLOC);
	return ret;
}

/* --------------------------------------------------------------- walk */

int smem_foreach_item(const struct smem *sm, smem_item_fn fn, void *arg)
{
	int first_bad = 0, ret;
	unsigned layout, i;
	char problem[200], first_problem[200];

	mw_clear_error();
	if (sm->size < SMEM_HEADER_SIZE)
		return validate_locked(sm);
	layout = mws_layout(sm);
	if (layout == SMEM_VERSION_MAJOR_V11) {
		for (i = 0; i < SMEM_ITEM_COUNT; i++) {
			struct smem_toc_entry e;
			struct smem_item it = { .id = i, .partition = -1 };

			toc_copy(sm, i, &e);
			if (!e.allocated)
				continue;
			it.name = smem_item_name(i);
			it.offset = e.offset;
			it.size = e.size;
			it.aux_base = e.aux_base & SMEM_AUX_BASE_MASK;
			ret = toc_check(sm, i, &e);
			if (ret) {
				snprintf(problem, sizeof(problem), "%s",
					 mw_last_error());
				it.problem = problem;
				if (!first_bad) {
					first_bad = ret;
					memcpy(first_problem, problem,
					       sizeof(problem));
				}
			} else if (!it.aux_base) {
				it.phys = sm->phys + e.offset;
				it.ptr = sm->base + e.offset;
			}
			ret = fn(&it, arg);
			if (ret)
				return ret;
		}
	}
	ret = mws_part_walk(sm, fn, arg, false);
	if (ret == -ENOENT)
		ret = 0;
	if (first_bad) {
		/* Name the first bad TOC entry again: the walk may have
		 * overwritten the message. */
		return mw_err(first_bad, "%s", first_problem);
	}
	if (ret == 0 && layout == 0)
		return validate_locked(sm);
	return ret;
}

/* ------------------------------------------------------ version array */

int smem_version_slot(const struct smem *sm)
{
	return sm->version_slot;
}

int smem_set_version_slot(struct smem *sm, int slot)
{
	if (slot < 0 || slot >= 32)
		return mw_err(-EINVAL, "version slot %d: there are 32", slot);
	sm->version_slot = slot;
	return 0;
}

int smem_version_set(struct smem *sm, uint32_t type, uint32_t version,
		     uint32_t mask)
{
	uint32_t *arr, my = version & mask;
	unsigned i;
	void *p;
	int ret;

	mw_clear_error();
	if ((ret = mws_need_write(sm, "version set")) ||
	    (ret = need_v11(sm, "version set")))
		return ret;
	if (type == SMEM_VERSION_INFO) {
		arr = mws_hdr(sm)->version;
	} else if (type >= SMEM_VERSION_FIRST && type <= SMEM_VERSION_LAST) {
		ret = smem_alloc(sm, type, 32 * 4, &p);
		if (ret)
			return ret;
		arr = p;
	} else {
		return mw_err(-EINVAL,
			      "item %u has no version array (3 or %u..%u)",
			      type, SMEM_VERSION_FIRST, SMEM_VERSION_LAST);
	}
	/* A slot is OR-ed, never cleared (§3). */
	mw_fetch_or(&arr[sm->version_slot], my);
	mw_smp_mb(); /* our registration before reading the others' */
	for (i = 0; i < 32; i++) {
		uint32_t other = MW_READ_ONCE(arr[i]) & mask;

		if (other != 0 && other != my)
			return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- translate */

int smem_translate(struct smem *sm, uint64_t phys, struct smem_mapping *out)
{
	const struct mw_resource *res;
	void *p;
	unsigned idx;
	int ret;

	mw_clear_error();
	memset(out, 0, sizeof(*out));
	ret = mw_platform_resource(sm->plat, phys, 4, &res);
	if (ret || res->kind != MW_RES_DOORBELL)
		return mw_err(-ENOENT,
			      "0x%llx is not one of %s's extra resources (the "
			      "doorbell registers)",
			      (unsigned long long)phys, sm->plat->name);
	out->res = res;
	if (sm->soc) {
		out->emulated = true;
		return mw_doorbell_shadow(sm->soc, phys, &out->va);
	}
	if (!sm->region || mw_region_kind(sm->region) != MW_REGION_DEVMEM)
		return mw_err(-ENXIO,
			      "0x%llx (%s): a dump or a heap opened without a "
			      "processor has no registers",
			      (unsigned long long)phys, res->name);
	idx = (unsigned)(res - sm->plat->res);
	if (idx >= SMEM_MAX_XRES)
		return mw_err(-ENOSPC, "resource %u: too many", idx);
	if (!sm->xres[idx]) {
		ret = mw_region_open_devmem(mw_region_path(sm->region),
					    res->phys, res->size,
					    sm->writable ? MW_REGION_WRITE : 0,
					    &sm->xres[idx]);
		if (ret)
			return ret;
	}
	ret = mw_region_ptr(sm->xres[idx], phys, 4, &p);
	if (ret)
		return ret;
	out->va = p;
	return 0;
}
