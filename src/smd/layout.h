/* SPDX-License-Identifier: MIT */
/*
 * layout.h - the bytes of Qualcomm SMD channels (reference smem_smd.md §6).
 *
 *   item 13        channel table: 64 x {name[20], cid, type, ref_count}
 *   item 14+cid    two half-channels back to back: ch0 then ch1
 *                  byte variant 2 x 20 B = 40 B, word variant 2 x 44 B = 88 B
 *                  (RPM edges 15..18)
 *   item 338+cid   FIFO, a power of two: [0, N/2) is the ch0 owner's TX,
 *                  [N/2, N) the ch1 owner's TX
 *
 * A half-channel belongs to the processor that transmits through it: it
 * writes state, signals, fHEAD/fSTATE/fBLOCKREADINTR and head; the peer
 * (the reader) writes tail and clears fHEAD/fSTATE; fTAIL is set by the
 * reader in its own half (msm) or in the writer's (mainline) - accept both.
 *
 * Packet channels put a 20-byte header {len, 0, 0, 0, 0} before each packet.
 */
#ifndef MEMWIRE_SMD_LAYOUT_H
#define MEMWIRE_SMD_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define SMD_PIN(type, field, off)                                              \
	_Static_assert(offsetof(type, field) == (off),                         \
		       #type "." #field " must sit at " #off)
#define SMD_PIN_SIZE(type, size)                                               \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

/* §6.4 byte variant: struct smd_half_channel, 20 bytes. */
struct smd_half_byte {
	uint32_t state;
	uint8_t fDSR;
	uint8_t fCTS;
	uint8_t fCD;
	uint8_t fRI;
	uint8_t fHEAD;
	uint8_t fTAIL;
	uint8_t fSTATE;
	uint8_t fBLOCKREADINTR;
	uint32_t tail;
	uint32_t head;
};
SMD_PIN(struct smd_half_byte, fDSR, 0x04);
SMD_PIN(struct smd_half_byte, fHEAD, 0x08);
SMD_PIN(struct smd_half_byte, fBLOCKREADINTR, 0x0B);
SMD_PIN(struct smd_half_byte, tail, 0x0C);
SMD_PIN(struct smd_half_byte, head, 0x10);
SMD_PIN_SIZE(struct smd_half_byte, 20);

/* §6.4 word variant: struct smd_half_channel_word_access, 44 bytes. */
struct smd_half_word {
	uint32_t state;
	uint32_t fDSR;
	uint32_t fCTS;
	uint32_t fCD;
	uint32_t fRI;
	uint32_t fHEAD;
	uint32_t fTAIL;
	uint32_t fSTATE;
	uint32_t fBLOCKREADINTR;
	uint32_t tail;
	uint32_t head;
};
SMD_PIN(struct smd_half_word, fDSR, 0x04);
SMD_PIN(struct smd_half_word, fHEAD, 0x14);
SMD_PIN(struct smd_half_word, fBLOCKREADINTR, 0x20);
SMD_PIN(struct smd_half_word, tail, 0x24);
SMD_PIN(struct smd_half_word, head, 0x28);
SMD_PIN_SIZE(struct smd_half_word, 44);

#define SMD_INFO_BYTE_SIZE (2 * sizeof(struct smd_half_byte)) /* 40 */
#define SMD_INFO_WORD_SIZE (2 * sizeof(struct smd_half_word)) /* 88 */

/* §6.1: struct smd_alloc_elm (the same as smem's decoder copy). */
struct smd_alloc_elm {
	char name[20];
	uint32_t cid;
	uint32_t type; /* edge | xfer << 8 */
	uint32_t ref_count;
};
SMD_PIN(struct smd_alloc_elm, cid, 0x14);
SMD_PIN(struct smd_alloc_elm, type, 0x18);
SMD_PIN(struct smd_alloc_elm, ref_count, 0x1C);
SMD_PIN_SIZE(struct smd_alloc_elm, 32);

#define SMD_TABLE_ENTRIES 64
#define SMD_NAME_LEN 20
#define SMD_HEADER_SIZE 20 /* packet header: u32 {len, 0, 0, 0, 0} */
#define SMD_EDGE(type) ((type) & 0xFFu)
#define SMD_XFER(type) (((type) >> 8) & 0xFu)

#endif /* MEMWIRE_SMD_LAYOUT_H */
