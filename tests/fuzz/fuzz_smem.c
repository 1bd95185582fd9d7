/* SPDX-License-Identifier: MIT */
/*
 * fuzz_smem.c - libFuzzer target for everything that reads a heap image
 * from the other side: smem_validate(), the v11 TOC walker, the v12
 * partition walker, lookups, the log reader and the item decoders.
 *
 * Input: byte 0 picks the starting image
 *   0  the rest of the input is the image itself (any size, also tiny)
 *   1  a sound 64 KiB version 11 heap with a few items
 *   2  a sound 64 KiB version 12 heap: "$TOC", global + host partition,
 *      uncached and cached items
 * then, for 1 and 2, patches: [u32 offset LE][u8 n][n bytes], each written
 * at offset % image size (clipped at the end).
 *
 * Invariants checked (abort on violation): whatever the walkers and lookups
 * return lies inside the image; a heap that validates has no bad entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "memwire/smem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Built by hand from reference smem_smd.md §1.2 and §1.5. */
static void template_v11(void)
{
	uint32_t off = 0x20D0;
	static const uint32_t sizes[][2] = {
		{ 4, 8 },     { 5, 8 },   { 6, 200 }, { 7, 32 },  { 8, 8 },
		{ 13, 2048 }, { 78, 8 },  { 79, 40000 }, { 80, 8 },
		{ 81, 3000 }, { 85, 32 }, { 137, 80 },   { 419, 16 },
	};
	uint32_t tbl = 0, socinfo = 0;
	size_t i;

	memset(img, 0, IMG);
	img_len = IMG;
	put32(0x40 + 4 * 7, 0x000B0000);
	toc(0, 0, 64);
	toc(1, 0xC0, 16);
	toc(2, 0xD0, 0x2000);
	toc(3, 0x40, 128);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		toc(sizes[i][0], off, sizes[i][1]);
		if (sizes[i][0] == 13)
			tbl = off;
		if (sizes[i][0] == 137)
			socinfo = off;
		off += sizes[i][1];
	}
	/* One SMD channel, one socinfo record, one log entry. */
	memcpy(img + tbl, "DIAG", 4);
	put32(tbl + 20, 1);
	put32(tbl + 24, 0x200);
	put32(tbl + 28, 1);
	put32(socinfo, 7);
	put32(socinfo + 4, 116);
	put32(socinfo + 8, 0x00010000);
	memcpy(img + socinfo + 12, "M8930B-AAAAANAZM", 16);
	put32(0xC4, off);
	put32(0xC8, IMG - off);
	put32(0xC0, 1);
}

/* Built by hand from reference smem_smd.md §1.6. */
static void template_v12(void)
{
	const uint32_t pt = IMG - 4096;
	const uint32_t g = 0x3000, gsz = 0x4000, h = 0x8000, hsz = 0x2000;
	uint32_t pos;

	memset(img, 0, IMG);
	img_len = IMG;
	put32(0x40 + 4 * 7, 0x000C0000);
	put32(0xC0, 1);
	memcpy(img + pt, "$TOC", 4);
	put32(pt + 4, 1);
	put32(pt + 8, 2);
	/* entry 0: global partition */
	put32(pt + 32, g);
	put32(pt + 36, gsz);
	put16(pt + 32 + 12, 0xFFFE);
	put16(pt + 32 + 14, 0xFFFE);
	put32(pt + 32 + 16, 64);
	/* entry 1: apps <-> modem */
	put32(pt + 80, h);
	put32(pt + 84, hsz);
	put16(pt + 80 + 12, 0);
	put16(pt + 80 + 14, 1);
	put32(pt + 80 + 16, 64);
	/* SIII after the last entry */
	memcpy(img + pt + 128, "SIII", 4);
	put16(pt + 128 + 16, 512);

	/* global partition: two uncached items, one cached */
	memcpy(img + g, "$PRT", 4);
	put16(g + 4, 0xFFFE);
	put16(g + 6, 0xFFFE);
	put32(g + 8, gsz);
	pos = 32;
	put16(g + pos, 0xA5A5);
	put16(g + pos + 2, 137);
	put32(g + pos + 4, 80);
	pos += 16 + 80;
	put16(g + pos, 0xA5A5);
	put16(g + pos + 2, 13);
	put32(g + pos + 4, 2048);
	pos += 16 + 2048;
	put32(g + 12, pos);
	/* cached: header at end - 64, data (64 bytes) below it */
	put16(g + gsz - 64, 0xA5A5);
	put16(g + gsz - 64 + 2, 85);
	put32(g + gsz - 64 + 4, 64);
	put32(g + 16, gsz - 64 - 64);

	/* host partition: one uncached item with header padding */
	memcpy(img + h, "$PRT", 4);
	put16(h + 4, 0);
	put16(h + 6, 1);
	put32(h + 8, hsz);
	put16(h + 32, 0xA5A5);
	put16(h + 34, 340);
	put32(h + 36, 1024);
	put16(h + 40, 8);  /* padding_data */
	put16(h + 42, 16); /* padding_hdr */
	put32(h + 12, 32 + 16 + 16 + 1024);
	put32(h + 16, hsz);
}

static const uint8_t *lo, *hi;

static void inside(const void *p, uint32_t n)
{
	const uint8_t *b = p;

	if (b < lo || b > hi || n > (size_t)(hi - b))
		abort();
}

static int visit(const struct smem_item *it, void *arg)
{
	volatile uint8_t sink = 0;
	uint32_t i;

	(void)arg;
	if (it->problem)
		return 0;
	if (it->ptr) {
		inside(it->ptr, it->size);
		for (i = 0; i < it->size; i += 64)
			sink ^= ((const uint8_t *)it->ptr)[i];
	}
	(void)sink;
	return 0;
}

static int no_problem(const struct smem_item *it, void *arg)
{
	(void)arg;
	if (it->problem)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smem_log_event ev[2000];
	static const uint32_t ids[] = { 0, 3, 6, 13, 78, 79, 85, 137, 340, 419 };
	struct smem_heap_info hinfo;
	struct smem_socinfo si;
	struct smem_smsm sm_state;
	struct smem_smd_channel ch[SMEM_SMD_CHANNELS];
	struct smem *sm;
	uint8_t *copy = NULL;
	const uint8_t *image;
	size_t i, len;
	uint32_t isz;
	void *p;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		if (size < 2)
			return 0;
		/* An exact-size heap copy, so ASan sees any overrun. */
		copy = malloc(size - 1);
		if (!copy)
			return 0;
		memcpy(copy, data + 1, size - 1);
		image = copy;
		len = size - 1;
	} else {
		if (data[0] % 3 == 1)
			template_v11();
		else
			template_v12();
		apply_patches(data + 1, size - 1);
		image = img;
		len = img_len;
	}
	lo = image;
	hi = image + len;
	if (smem_open_buffer(image, len, 0x80000000, &sm))
		goto out;
	smem_heap_info(sm, &hinfo);
	if (smem_validate(sm) == 0)
		smem_foreach_item(sm, no_problem, NULL);
	smem_foreach_item(sm, visit, NULL);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (smem_get_addr(sm, ids[i], &p, &isz) == 0)
			inside(p, isz);
	smem_socinfo_read(sm, &si);
	smem_smsm_read(sm, &sm_state);
	smem_smd_table_read(sm, ch);
	smem_read_log_events(sm, SMEM_LOG_MAIN, ev, 2000, 0, NULL);
	smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 2000,
			     SMEM_LOG_OLDEST_FIRST, NULL);
	smem_close(sm);
out:
	free(copy);
	return 0;
}
