/* SPDX-License-Identifier: MIT */
/*
 * fuzz_smd.c - libFuzzer target for the SMD channel-table scan and the
 * half-channel validator (smd_list on a heap image the other side wrote).
 *
 * Input: byte 0 picks the starting image
 *   0  the rest of the input is the image itself
 *   1  a sound 64 KiB heap with an SMD table of four channels: stream and
 *      packet on APPS_MODEM (byte half-channels), one on APPS_RPM (word),
 *      one legacy entry with transfer type 0
 * then, for 1, patches as in image.h.
 *
 * Invariants (abort on violation): every listed channel without a problem
 * has a cid below 64, a known edge, a power-of-two FIFO, states 0..6 and
 * queued byte counts below the FIFO size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "memwire/smd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference smem_smd.md §1.2, §6.1, §6.3, §6.4, built by hand. */
static void template_smd(void)
{
	static const struct {
		const char *name;
		uint32_t cid, type, info, fifo;
	} ch[] = {
		{ "LOOPBACK", 0, 0x100 | 0, 40, 2048 },
		{ "DIAG", 1, 0x200 | 0, 40, 4096 },
		{ "rpm_requests", 2, 0x200 | 15, 88, 2048 },
		{ "DS", 3, 0x000 | 0, 40, 1024 },
	};
	uint32_t off = 0x20D0, tbl;
	size_t i;

	memset(img, 0, IMG);
	img_len = IMG;
	put32(0x40 + 4 * 7, 0x000B0000);
	toc(0, 0, 64);
	toc(1, 0xC0, 16);
	toc(2, 0xD0, 0x2000);
	toc(3, 0x40, 128);
	toc(13, off, 2048);
	tbl = off;
	off += 2048;
	for (i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
		uint32_t e = tbl + 32 * (uint32_t)i;

		memcpy(img + e, ch[i].name, strlen(ch[i].name));
		put32(e + 20, ch[i].cid);
		put32(e + 24, ch[i].type);
		put32(e + 28, 1);
		toc(14 + ch[i].cid, off, ch[i].info);
		/* ch0 OPENED with head 16, ch1 OPENING, tail 16 */
		put32(off, 2);
		put32(off + (ch[i].info == 88 ? 0x28 : 0x10), 16);
		put32(off + ch[i].info / 2, 1);
		put32(off + ch[i].info / 2 + (ch[i].info == 88 ? 0x24 : 0x0C), 16);
		off += ch[i].info;
		toc(338 + ch[i].cid, off, ch[i].fifo);
		off += ch[i].fifo;
	}
	put32(0xC4, off);
	put32(0xC8, IMG - off);
	put32(0xC0, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smd_info info[SMD_CHANNELS];
	struct smem *sm;
	struct smd *d;
	uint8_t *copy = NULL;
	const uint8_t *image;
	size_t len;
	int n, i;

	if (size < 2)
		return 0;
	if (data[0] % 2 == 0) {
		copy = malloc(size - 1);
		if (!copy)
			return 0;
		memcpy(copy, data + 1, size - 1);
		image = copy;
		len = size - 1;
	} else {
		template_smd();
		apply_patches(data + 1, size - 1);
		image = img;
		len = img_len;
	}
	if (smem_open_buffer(image, len, 0x80000000, &sm))
		goto out;
	if (smd_attach(sm, &d) == 0) {
		n = smd_list(d, info, SMD_CHANNELS);
		for (i = 0; i < n; i++) {
			const struct smd_info *c = &info[i];

			if (c->problem)
				continue;
			if (c->cid >= 64 || c->edge >= SMD_NUM_EDGES ||
			    !c->fifo_size || (c->fifo_size & (c->fifo_size - 1)) ||
			    c->state[0] > 6 || c->state[1] > 6 ||
			    c->queued[0] >= c->fifo_size ||
			    c->queued[1] >= c->fifo_size)
				abort();
		}
		smd_detach(d);
	}
	smem_close(sm);
out:
	free(copy);
	return 0;
}
