/* SPDX-License-Identifier: MIT */
/*
 * part.c - partitioned SMEM (version 12, and version 11 heaps that carry a
 * partition table), read-only.
 *
 * Layout (reference smem_smd.md §1.6; mainline drivers/soc/qcom/smem.c):
 *
 *   size - 4 KiB   "$TOC" version 1, num_entries, 5 reserved words, then
 *                  num_entries x 48-byte entries {offset, size, flags, host0,
 *                  host1, cacheline, reserved[7]}; version 12 puts a "SIII"
 *                  record with the item count right after the last entry
 *   entry.offset   "$PRT" partition header {host0, host1, size,
 *                  offset_free_uncached, offset_free_cached}
 *     +32 ..       uncached items: [16-byte private header][padding_hdr]
 *                  [data: size - padding_data][padding_data], growing up to
 *                  offset_free_uncached
 *     .. size      cached items, growing down to offset_free_cached: the
 *                  header sits ALIGN(16, cacheline) below the previous one
 *                  (or the partition end), the data right below its header
 *
 * A version 12 heap has a global partition (hosts 0xfffe/0xfffe) in place of
 * the TOC.  Every number here comes from the other side: each is copied and
 * checked before it is used, and every walk moves at least 16 bytes per
 * step, so a hostile chain can neither escape the partition nor loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/core_i.h"
#include "smem/smem_i.h"

#define MAX_PTABLE_ENTRIES                                                     \
	((SMEM_PTABLE_SIZE - sizeof(struct smem_ptable_hdr)) /                 \
	 sizeof(struct smem_ptable_entry))

struct part {
	unsigned idx;
	uint32_t offset, size, cacheline;
	uint16_t host0, host1;
	uint32_t free_uncached, free_cached;
};

/* Offset of the partition table, or -ENOENT without "$TOC". */
static int ptable_hdr(const struct smem *sm, struct smem_ptable_hdr *h,
		      uint64_t *off)
{
	if (sm->size < SMEM_PTABLE_SIZE + SMEM_HEADER_SIZE)
		return -ENOENT;
	*off = sm->size - SMEM_PTABLE_SIZE;
	memcpy(h, sm->base + *off, sizeof(*h));
	if (memcmp(h->magic, SMEM_PTABLE_MAGIC, 4))
		return -ENOENT;
	if (h->version != 1)
		return mw_err(-EBADMSG, "partition table version = %u, "
					"expected 1",
			      h->version);
	if (h->num_entries > MAX_PTABLE_ENTRIES)
		return mw_err(-EBADMSG,
			      "partition table num_entries = %u, at most %zu "
			      "fit in 4 KiB",
			      h->num_entries, (size_t)MAX_PTABLE_ENTRIES);
	return 0;
}

int mws_ptable_count(const struct smem *sm, unsigned *nentries,
		     unsigned *item_count)
{
	struct smem_ptable_hdr h;
	struct smem_info_rec info;
	uint64_t off, ioff;
	unsigned i, n = 0;
	int ret = ptable_hdr(sm, &h, &off);

	if (ret)
		return ret;
	for (i = 0; i < h.num_entries; i++) {
		struct smem_ptable_entry e;

		memcpy(&e, sm->base + off + sizeof(h) + i * sizeof(e),
		       sizeof(e));
		if (e.offset && e.size)
			n++;
	}
	*nentries = n;
	*item_count = SMEM_ITEM_COUNT;
	ioff = off + sizeof(h) + (uint64_t)h.num_entries *
					 sizeof(struct smem_ptable_entry);
	if (ioff + sizeof(info) <= sm->size) {
		memcpy(&info, sm->base + ioff, sizeof(info));
		if (!memcmp(info.magic, SMEM_INFO_MAGIC, 4) && info.num_items)
			*item_count = info.num_items;
	}
	return 0;
}

/* Entry @i, its partition header, both checked.  1 = empty entry. */
static int part_get(const struct smem *sm, uint64_t ptoff, unsigned i,
		    struct part *p)
{
	struct smem_ptable_entry e;
	struct smem_partition_header ph;
	uint64_t end;

	memcpy(&e,
	       sm->base + ptoff + sizeof(struct smem_ptable_hdr) +
		       i * sizeof(e),
	       sizeof(e));
	if (e.offset == 0 || e.size == 0)
		return 1;
	end = (uint64_t)e.offset + e.size;
	if (e.offset < 0xD0 || end > ptoff)
		return mw_err(-EBADMSG,
			      "partition %u: offset 0x%x size 0x%x is not "
			      "between the heap info (0xd0) and the partition "
			      "table (0x%llx)",
			      i, e.offset, e.size, (unsigned long long)ptoff);
	if (e.size < sizeof(ph))
		return mw_err(-EBADMSG, "partition %u: size 0x%x is smaller "
					"than its header",
			      i, e.size);
	if (e.cacheline & (e.cacheline - 1) || e.cacheline > 4096)
		return mw_err(-EBADMSG,
			      "partition %u: cacheline = %u is not a power of "
			      "two up to 4096",
			      i, e.cacheline);
	memcpy(&ph, sm->base + e.offset, sizeof(ph));
	if (memcmp(ph.magic, SMEM_PART_MAGIC, 4))
		return mw_err(-EBADMSG,
			      "partition %u at 0x%x: magic %02x %02x %02x %02x, "
			      "expected \"$PRT\"",
			      i, e.offset, ph.magic[0], ph.magic[1], ph.magic[2],
			      ph.magic[3]);
	if (ph.host0 != e.host0 || ph.host1 != e.host1)
		return mw_err(-EBADMSG,
			      "partition %u: header hosts %u/%u, table says "
			      "%u/%u",
			      i, ph.host0, ph.host1, e.host0, e.host1);
	if (ph.size != e.size)
		return mw_err(-EBADMSG,
			      "partition %u: header size = 0x%x, table says "
			      "0x%x",
			      i, ph.size, e.size);
	if (ph.offset_free_uncached < sizeof(ph) ||
	    ph.offset_free_uncached > ph.size)
		return mw_err(-EBADMSG,
			      "partition %u: offset_free_uncached = 0x%x is "
			      "outside 0x20..0x%x",
			      i, ph.offset_free_uncached, ph.size);
	if (ph.offset_free_cached > ph.size ||
	    ph.offset_free_cached < ph.offset_free_uncached)
		return mw_err(-EBADMSG,
			      "partition %u: offset_free_cached = 0x%x is "
			      "outside offset_free_uncached 0x%x..size 0x%x",
			      i, ph.offset_free_cached,
			      ph.offset_free_uncached, ph.size);
	*p = (struct part){
		.idx = i,
		.offset = e.offset,
		.size = e.size,
		.cacheline = e.cacheline ? e.cacheline : 1,
		.host0 = e.host0,
		.host1 = e.host1,
		.free_uncached = ph.offset_free_uncached,
		.free_cached = ph.offset_free_cached,
	};
	return 0;
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

static void fill_item(const struct smem *sm, const struct part *p,
		      struct smem_item *it, const struct smem_private_entry *e,
		      uint64_t data_off, bool cached)
{
	memset(it, 0, sizeof(*it));
	it->id = e->item;
	it->name = smem_item_name(e->item);
	it->offset = (uint32_t)(p->offset + data_off);
	it->size = e->size - e->padding_data;
	it->partition = (int)p->idx;
	it->host0 = p->host0;
	it->host1 = p->host1;
	it->cached = cached;
	it->phys = sm->phys + it->offset;
	it->ptr = sm->base + it->offset;
}

static int bad_entry(const struct part *p, uint64_t at, struct smem_item *it,
		     char *problem, size_t len, const char *fmt, ...)
	MW_PRINTF(6, 7);

static int bad_entry(const struct part *p, uint64_t at, struct smem_item *it,
		     char *problem, size_t len, const char *fmt, ...)
{
	char what[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(problem, len,
		 "partition %u (hosts %u/%u) item header at +0x%llx: %s",
		 p->idx, p->host0, p->host1, (unsigned long long)at, what);
	memset(it, 0, sizeof(*it));
	it->partition = (int)p->idx;
	it->host0 = p->host0;
	it->host1 = p->host1;
	it->offset = (uint32_t)(p->offset + at);
	it->problem = problem;
	return mw_err(-EBADMSG, "%s", problem);
}

/*
 * Walk partition @p, calling @fn per item.  A broken link is delivered as
 * one item with `problem` set and ends the walk with -EBADMSG.
 */
static int part_items(const struct smem *sm, const struct part *p,
		      unsigned item_count, smem_item_fn fn, void *arg)
{
	const uint8_t *base = sm->base + p->offset;
	struct smem_private_entry e;
	struct smem_item it;
	char problem[200];
	uint64_t pos, data, hdr_step;
	int ret;

	/* Uncached: up from the partition header. */
	pos = sizeof(struct smem_partition_header);
	while (pos < p->free_uncached) {
		if (pos + sizeof(e) > p->free_uncached) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"header crosses offset_free_uncached "
					"0x%x",
					p->free_uncached);
			goto bad;
		}
		memcpy(&e, base + pos, sizeof(e));
		if (e.canary != SMEM_PRIVATE_CANARY) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"canary = 0x%04x, expected 0xa5a5",
					e.canary);
			goto bad;
		}
		data = pos + sizeof(e) + e.padding_hdr;
		if (e.padding_data > e.size ||
		    data + e.size > p->free_uncached) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"item %u size = 0x%x padding_hdr 0x%x "
					"padding_data 0x%x runs past "
					"offset_free_uncached 0x%x",
					e.item, e.size, e.padding_hdr,
					e.padding_data, p->free_uncached);
			goto bad;
		}
		if (e.item >= item_count) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"item = %u, past the item count %u",
					e.item, item_count);
			goto bad;
		}
		fill_item(sm, p, &it, &e, data, false);
		ret = fn(&it, arg);
		if (ret)
			return ret;
		pos = data + e.size;
	}

	/* Cached: down from the partition end. */
	hdr_step = align_up(sizeof(e), p->cacheline);
	if (hdr_step > p->size)
		return 0;
	pos = p->size - hdr_step;
	while (pos > p->free_cached) {
		memcpy(&e, base + pos, sizeof(e));
		if (e.canary != SMEM_PRIVATE_CANARY) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"canary = 0x%04x, expected 0xa5a5 "
					"(cached)",
					e.canary);
			goto bad;
		}
		if (e.padding_data > e.size || e.size > pos ||
		    pos - e.size < p->free_cached) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"cached item %u size = 0x%x runs below "
					"offset_free_cached 0x%x",
					e.item, e.size, p->free_cached);
			goto bad;
		}
		if (e.item >= item_count) {
			ret = bad_entry(p, pos, &it, problem, sizeof(problem),
					"item = %u, past the item count %u",
					e.item, item_count);
			goto bad;
		}
		fill_item(sm, p, &it, &e, pos - e.size, true);
		ret = fn(&it, arg);
		if (ret)
			return ret;
		if (pos < e.size + hdr_step)
			break;
		pos = pos - e.size - hdr_step;
	}
	return 0;

bad:
	fn(&it, arg);
	return mw_err(ret, "%s", problem);
}

/* Global partition first (version 12 looks there), then table order. */
static int for_each_partition(const struct smem *sm,
			      int (*cb)(const struct smem *, const struct part *,
					unsigned, void *),
			      void *arg, bool stop_at_first)
{
	struct smem_ptable_hdr h;
	unsigned item_count, nparts, pass, i;
	uint64_t off;
	int first = 0, ret;
	char msg[256] = "";

	ret = ptable_hdr(sm, &h, &off);
	if (ret)
		return ret;
	mws_ptable_count(sm, &nparts, &item_count);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < h.num_entries; i++) {
			struct part p;
			bool global;

			ret = part_get(sm, off, i, &p);
			if (ret == 1)
				continue;
			if (ret < 0) {
				if (pass == 1)
					continue; /* reported in pass 0 */
				if (stop_at_first)
					return ret;
				if (!first) {
					first = ret;
					snprintf(msg, sizeof(msg), "%s",
						 mw_last_error());
				}
				continue;
			}
			global = p.host0 == SMEM_GLOBAL_HOST &&
				 p.host1 == SMEM_GLOBAL_HOST;
			if (global != (pass == 0))
				continue;
			ret = cb(sm, &p, item_count, arg);
			if (ret > 0 || (ret && stop_at_first))
				return ret;
			if (ret && !first) {
				first = ret;
				snprintf(msg, sizeof(msg), "%s",
					 mw_last_error());
			}
		}
	}
	return first ? mw_err(first, "%s", msg) : 0;
}

struct walk_arg {
	smem_item_fn fn;
	void *arg;
	int stop; /* the callback's nonzero return: ends the whole walk */
};

static int walk_item(const struct smem_item *it, void *arg)
{
	struct walk_arg *w = arg;
	int ret = w->fn(it, w->arg);

	if (ret)
		w->stop = ret;
	return ret;
}

static int walk_cb(const struct smem *sm, const struct part *p,
		   unsigned item_count, void *arg)
{
	struct walk_arg *w = arg;
	int ret = part_items(sm, p, item_count, walk_item, w);

	/* NOTE: a negative value from the callback is not a broken
	 * partition: 1 makes for_each_partition() stop at once. */
	return w->stop ? 1 : ret;
}

int mws_part_walk(const struct smem *sm, smem_item_fn fn, void *arg,
		  bool stop_at_first)
{
	struct walk_arg w = { fn, arg, 0 };
	int ret = for_each_partition(sm, walk_cb, &w, stop_at_first);

	return w.stop ? w.stop : ret;
}

struct find_arg {
	uint32_t id;
	struct smem_item found;
	bool hit;
};

static int find_item(const struct smem_item *it, void *arg)
{
	struct find_arg *f = arg;

	if (it->problem || it->id != f->id)
		return 0;
	f->found = *it;
	f->hit = true;
	return 1;
}

int mws_part_find(const struct smem *sm, uint32_t id, void **out,
		  uint32_t *size)
{
	struct find_arg f = { .id = id };
	int ret = mws_part_walk(sm, find_item, &f, false);

	if (f.hit) {
		*out = (void *)f.found.ptr;
		if (size)
			*size = f.found.size;
		mw_clear_error();
		return 0;
	}
	return ret ? ret : -ENOENT;
}

static int count_item(const struct smem_item *it, void *arg)
{
	(void)it;
	(void)arg;
	return 0;
}

struct span {
	uint32_t offset, size;
	unsigned idx;
};

int mws_part_validate(const struct smem *sm)
{
	struct smem_ptable_hdr h;
	struct span spans[MAX_PTABLE_ENTRIES];
	unsigned n = 0, i, j;
	uint64_t off;
	int ret;

	ret = ptable_hdr(sm, &h, &off);
	if (ret)
		return ret;
	for (i = 0; i < h.num_entries; i++) {
		struct part p;

		ret = part_get(sm, off, i, &p);
		if (ret < 0)
			return ret;
		if (ret == 1)
			continue;
		for (j = 0; j < n; j++)
			if (p.offset < spans[j].offset + (uint64_t)spans[j].size &&
			    spans[j].offset < p.offset + (uint64_t)p.size)
				return mw_err(-EBADMSG,
					      "partition %u (0x%x+0x%x) overlaps "
					      "partition %u (0x%x+0x%x)",
					      i, p.offset, p.size,
					      spans[j].idx, spans[j].offset,
					      spans[j].size);
		spans[n++] = (struct span){ p.offset, p.size, i };
	}
	return mws_part_walk(sm, count_item, NULL, true);
}
