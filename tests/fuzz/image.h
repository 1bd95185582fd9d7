/* SPDX-License-Identifier: MIT */
/*
 * image.h - what the heap fuzz targets share: a 64 KiB image written by
 * hand (little-endian words at reference offsets) and the patch format
 * [u32 offset LE][u8 n][n bytes], each written at offset % size.
 */
#ifndef MEMWIRE_FUZZ_IMAGE_H
#define MEMWIRE_FUZZ_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IMG 0x10000u

static uint8_t img[IMG];
static size_t img_len;

static inline void put32(uint32_t off, uint32_t v)
{
	img[off] = v & 0xFF;
	img[off + 1] = (v >> 8) & 0xFF;
	img[off + 2] = (v >> 16) & 0xFF;
	img[off + 3] = v >> 24;
}

static inline void put16(uint32_t off, uint16_t v)
{
	img[off] = v & 0xFF;
	img[off + 1] = v >> 8;
}

/* A v11 TOC entry (reference smem_smd.md §1.2). */
static inline void toc(uint32_t id, uint32_t off, uint32_t sz)
{
	put32(0xD0 + 16 * id, 1);
	put32(0xD0 + 16 * id + 4, off);
	put32(0xD0 + 16 * id + 8, sz);
}

static inline void apply_patches(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 5 <= size;) {
		uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
			       (uint32_t)data[i + 2] << 16 |
			       (uint32_t)data[i + 3] << 24;
		size_t n = data[i + 4];

		i += 5;
		if (n > size - i)
			n = size - i;
		off %= img_len;
		if (n > img_len - off)
			n = img_len - off;
		memcpy(img + off, data + i, n);
		i += n;
	}
}

#endif /* MEMWIRE_FUZZ_IMAGE_H */
