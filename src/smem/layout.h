/* SPDX-License-Identifier: MIT */
/*
 * layout.h - the bytes of Qualcomm SMEM, as the boot loader, the modem and
 * the Linux/Windows drivers see them.  Facts from ../shared/reference/
 * smem_smd.md (section numbers below); every field is pinned.
 *
 * Legacy global heap, SMEM version 11 (MSM8960/8930), at the region base:
 *
 *   0x0000  proc_comm[4]        item 0, 4 x 16 B           (§1.2)
 *   0x0040  version[32]         item 3, major<<16 | minor  (§3)
 *   0x00C0  initialized         item 1 (heap info) starts; must be 1
 *   0x00C4  free_offset         first unallocated byte, from the base
 *   0x00C8  available           bytes still free
 *   0x00CC  reserved            must be 0
 *   0x00D0  toc[512]            item 2, 16 B per item id
 *   0x20D0  end of header; items 4.. follow, bump-allocated, 8-aligned
 *
 * Partitioned layout (versions 12+, read-only here, §1.6): a "$TOC" table in
 * the last 4 KiB of the region, "$PRT" partitions holding items linked by
 * 16-byte private headers with a 0xA5A5 canary; uncached items grow up from
 * the partition header, cached items grow down from the partition end.
 *
 * All fields are little-endian; memwire runs on little-endian hosts only
 * (barrier.h refuses to build elsewhere), so fields are read as native.
 */
#ifndef MEMWIRE_SMEM_LAYOUT_H
#define MEMWIRE_SMEM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define SMEM_PIN(type, field, off)                                         \
	_Static_assert(offsetof(type, field) == (off),                         \
		       #type "." #field " must sit at " #off)
#define SMEM_PIN_SIZE(type, size)                                                \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

/* §1.2: struct smem_proc_comm, 16 bytes, four of them = item 0. */
struct smem_proc_comm {
	uint32_t command;
	uint32_t status;
	uint32_t data1;
	uint32_t data2;
};
SMEM_PIN_SIZE(struct smem_proc_comm, 16);

/* §1.2: struct smem_heap_entry / smem_global_entry, 16 bytes. */
struct smem_toc_entry {
	uint32_t allocated; /* nonzero (1) = exists; written last */
	uint32_t offset;    /* from the base of the region it lives in */
	uint32_t size;      /* 8-byte aligned */
	uint32_t aux_base;  /* bits 31:2 physical base of an aux region, 0 = main */
};
SMEM_PIN(struct smem_toc_entry, allocated, 0x0);
SMEM_PIN(struct smem_toc_entry, offset, 0x4);
SMEM_PIN(struct smem_toc_entry, size, 0x8);
SMEM_PIN(struct smem_toc_entry, aux_base, 0xC);
SMEM_PIN_SIZE(struct smem_toc_entry, 16);

#define SMEM_AUX_BASE_MASK 0xFFFFFFFCu

/* §1.2: struct smem_shared / smem_header, 0x20D0 bytes. */
struct smem_header {
	struct smem_proc_comm proc_comm[4];
	uint32_t version[32];
	uint32_t initialized;
	uint32_t free_offset;
	uint32_t available;
	uint32_t reserved;
	struct smem_toc_entry toc[512];
};
SMEM_PIN(struct smem_header, proc_comm, 0x000);
SMEM_PIN(struct smem_header, version, 0x040);
SMEM_PIN(struct smem_header, initialized, 0x0C0);
SMEM_PIN(struct smem_header, free_offset, 0x0C4);
SMEM_PIN(struct smem_header, available, 0x0C8);
SMEM_PIN(struct smem_header, reserved, 0x0CC);
SMEM_PIN(struct smem_header, toc, 0x0D0);
SMEM_PIN_SIZE(struct smem_header, 0x20D0);

/* §5.1: struct smem_log_item, 20 bytes. */
struct smem_log_item {
	uint32_t identifier;
	uint32_t timetick;
	uint32_t data1;
	uint32_t data2;
	uint32_t data3;
};
SMEM_PIN(struct smem_log_item, timetick, 0x4);
SMEM_PIN(struct smem_log_item, data3, 0x10);
SMEM_PIN_SIZE(struct smem_log_item, 20);

/* §1.6: struct smem_ptable, 32-byte header in the last 4 KiB. */
struct smem_ptable_hdr {
	uint8_t magic[4]; /* "$TOC" = 24 54 4F 43 */
	uint32_t version; /* 1 */
	uint32_t num_entries;
	uint32_t reserved[5];
};
SMEM_PIN(struct smem_ptable_hdr, version, 0x4);
SMEM_PIN(struct smem_ptable_hdr, num_entries, 0x8);
SMEM_PIN_SIZE(struct smem_ptable_hdr, 32);

/* §1.6: struct smem_ptable_entry, 48 bytes. */
struct smem_ptable_entry {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint16_t host0;
	uint16_t host1;
	uint32_t cacheline; /* reserved[0] in older kernels */
	uint32_t reserved[7];
};
SMEM_PIN(struct smem_ptable_entry, flags, 0x8);
SMEM_PIN(struct smem_ptable_entry, host0, 0xC);
SMEM_PIN(struct smem_ptable_entry, host1, 0xE);
SMEM_PIN(struct smem_ptable_entry, cacheline, 0x10);
SMEM_PIN_SIZE(struct smem_ptable_entry, 48);

/* §1.6: struct smem_partition_header, 32 bytes. */
struct smem_partition_header {
	uint8_t magic[4]; /* "$PRT" */
	uint16_t host0;
	uint16_t host1;
	uint32_t size;
	uint32_t offset_free_uncached;
	uint32_t offset_free_cached;
	uint32_t reserved[3];
};
SMEM_PIN(struct smem_partition_header, host0, 0x4);
SMEM_PIN(struct smem_partition_header, size, 0x8);
SMEM_PIN(struct smem_partition_header, offset_free_uncached, 0xC);
SMEM_PIN(struct smem_partition_header, offset_free_cached, 0x10);
SMEM_PIN_SIZE(struct smem_partition_header, 32);

/* §1.6: struct smem_private_entry, 16 bytes. */
struct smem_private_entry {
	uint16_t canary; /* 0xA5A5 */
	uint16_t item;
	uint32_t size; /* data + padding_data */
	uint16_t padding_data;
	uint16_t padding_hdr;
	uint32_t reserved;
};
SMEM_PIN(struct smem_private_entry, item, 0x2);
SMEM_PIN(struct smem_private_entry, size, 0x4);
SMEM_PIN(struct smem_private_entry, padding_data, 0x8);
SMEM_PIN(struct smem_private_entry, padding_hdr, 0xA);
SMEM_PIN_SIZE(struct smem_private_entry, 16);

/*
 * §1.6: the "SIII" record right after the last partition table entry gives
 * the item count of a version 12 heap (mainline smem.c struct smem_info).
 */
struct smem_info_rec {
	uint8_t magic[4]; /* "SIII" = 0x49494953 */
	uint32_t size;
	uint32_t base_addr;
	uint32_t reserved;
	uint16_t num_items;
	uint16_t pad;
};
SMEM_PIN(struct smem_info_rec, num_items, 0x10);
SMEM_PIN_SIZE(struct smem_info_rec, 20);

#define SMEM_PTABLE_MAGIC "$TOC"
#define SMEM_PART_MAGIC "$PRT"
#define SMEM_INFO_MAGIC "SIII"
#define SMEM_PRIVATE_CANARY 0xA5A5u
#define SMEM_PTABLE_SIZE 4096u
#define SMEM_GLOBAL_HOST 0xFFFEu

/*
 * Item 137, socinfo (Linux drivers/soc/qcom/socinfo.c and
 * include/soc/qcom/socinfo.h): fields are appended by format version.
 */
struct smem_socinfo_layout {
	uint32_t format; /* 1..; newer firmware: major<<16 | minor */
	uint32_t id;     /* QCOM_ID_*: MSM8930 = 116 */
	uint32_t version; /* major<<16 | minor */
	char build_id[32];
	uint32_t raw_id;  /* format 2 */
	uint32_t raw_version;
	uint32_t hw_platform; /* format 3 */
	uint32_t platform_version; /* format 4 */
	uint32_t accessory_chip; /* format 5 */
	uint32_t hw_platform_subtype; /* format 6 */
	uint32_t pmic_model; /* format 7 */
	uint32_t pmic_die_revision;
};
SMEM_PIN(struct smem_socinfo_layout, build_id, 0x0C);
SMEM_PIN(struct smem_socinfo_layout, raw_id, 0x2C);
SMEM_PIN(struct smem_socinfo_layout, hw_platform, 0x34);
SMEM_PIN(struct smem_socinfo_layout, pmic_model, 0x44);
SMEM_PIN_SIZE(struct smem_socinfo_layout, 0x4C);

/* §6.1: struct smd_alloc_elm, 32 bytes; item 13 holds 64 of them. */
struct smem_smd_alloc_elm {
	char name[20];
	uint32_t cid;
	uint32_t type; /* edge | xfer << 8 */
	uint32_t ref_count;
};
SMEM_PIN(struct smem_smd_alloc_elm, cid, 0x14);
SMEM_PIN(struct smem_smd_alloc_elm, type, 0x18);
SMEM_PIN(struct smem_smd_alloc_elm, ref_count, 0x1C);
SMEM_PIN_SIZE(struct smem_smd_alloc_elm, 32);

/* §6.11: item 419, struct smsm_size_info. */
struct smem_smsm_size_info {
	uint32_t num_hosts;
	uint32_t num_entries;
	uint32_t reserved0;
	uint32_t reserved1;
};
SMEM_PIN_SIZE(struct smem_smsm_size_info, 16);

#endif /* MEMWIRE_SMEM_LAYOUT_H */
