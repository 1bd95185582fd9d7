/* SPDX-License-Identifier: MIT */
/*
 * hgcm/layout.h - VMMDev request and HGCM byte layouts, little-endian.
 *
 * Facts from ../shared/reference/hgcm_shfl.md sections 1.2-1.6 and
 * Appendix B (VirtualBox 7 include/VBox/VMMDev.h, VMMDevCoreTypes.h; Linux
 * include/uapi/linux/vbox_vmmdev_types.h, vmmdev.h).  Each layout is pinned
 * by _Static_assert so a compiler or a typo cannot move a field.
 *
 * These structs describe bytes; the host never dereferences them in guest
 * memory, only in its own copy (see host.c).
 */
#ifndef MEMWIRE_HGCM_LAYOUT_H
#define MEMWIRE_HGCM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "memwire/hgcm.h"

#define HGCM_PAGE_SIZE 4096u
#define HGCM_PAGE_MASK (HGCM_PAGE_SIZE - 1)

/* VMMDevRequestHeader (24 bytes) */
struct vmmdev_hdr {
	uint32_t size;
	uint32_t version;
	uint32_t type;
	int32_t rc;
	uint32_t reserved1;
	uint32_t requestor;
};
_Static_assert(sizeof(struct vmmdev_hdr) == 24, "VMMDevRequestHeader");
_Static_assert(offsetof(struct vmmdev_hdr, rc) == 12, "rc @12");

/* VMMDevHGCMRequestHeader (32 bytes) */
struct hgcm_hdr {
	struct vmmdev_hdr h;
	uint32_t flags;
	int32_t result;
};
_Static_assert(sizeof(struct hgcm_hdr) == 32, "VMMDevHGCMRequestHeader");
_Static_assert(offsetof(struct hgcm_hdr, flags) == 24, "fu32Flags @24");

#define HGCM_LOC_INVALID 0u
#define HGCM_LOC_LOCALHOST 1u
#define HGCM_LOC_LOCALHOST_EXISTING 2u
#define HGCM_SERVICE_NAME_MAX 128u

/* VMMDevHGCMConnect (168 bytes) */
struct hgcm_connect_req {
	struct hgcm_hdr h;
	uint32_t loc_type;
	char name[HGCM_SERVICE_NAME_MAX];
	uint32_t client_id;
};
_Static_assert(sizeof(struct hgcm_connect_req) == 168, "VMMDevHGCMConnect");
_Static_assert(offsetof(struct hgcm_connect_req, name) == 36, "achName @36");
_Static_assert(offsetof(struct hgcm_connect_req, client_id) == 164,
	       "u32ClientID @164");

/* VMMDevHGCMDisconnect (36 bytes) */
struct hgcm_disconnect_req {
	struct hgcm_hdr h;
	uint32_t client_id;
};
_Static_assert(sizeof(struct hgcm_disconnect_req) == 36, "VMMDevHGCMDisconnect");

/* VMMDevHGCMCall (44 bytes + parameters + extra) */
struct hgcm_call_req {
	struct hgcm_hdr h;
	uint32_t client_id;
	uint32_t function;
	uint32_t cparms;
};
_Static_assert(sizeof(struct hgcm_call_req) == 44, "VMMDevHGCMCall");

/* VMMDevHGCMCancel2 (28 bytes) */
struct hgcm_cancel2_req {
	struct vmmdev_hdr h;
	uint32_t phys_to_cancel;
};
_Static_assert(sizeof(struct hgcm_cancel2_req) == 28, "VMMDevHGCMCancel2");

/* VMMDevReportGuestInfo (24 + 8) */
struct vmmdev_guest_info_req {
	struct vmmdev_hdr h;
	uint32_t interface_version;
	uint32_t os_type;
};
_Static_assert(sizeof(struct vmmdev_guest_info_req) == 32, "ReportGuestInfo");
#define VBOXOSTYPE_LINUX26_X64 0x53100u

/* VMMDevReqHostVersion (24 + 12) */
struct vmmdev_host_version_req {
	struct vmmdev_hdr h;
	uint16_t major, minor;
	uint32_t build;
	uint32_t revision;
	uint32_t features;
};
_Static_assert(sizeof(struct vmmdev_host_version_req) == 40, "HostVersion");
#define VMMDEV_HVF_HGCM_PHYS_PAGE_LIST 0x1u
#define VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS 0x2u
#define VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST 0x4u
#define VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST 0x8u

/* VMMDevEvents (AcknowledgeEvents, 24 + 4) */
struct vmmdev_events_req {
	struct vmmdev_hdr h;
	uint32_t events;
};
_Static_assert(sizeof(struct vmmdev_events_req) == 28, "AcknowledgeEvents");

/* VMMDevCtlGuestFilterMask (24 + 8) */
struct vmmdev_filter_req {
	struct vmmdev_hdr h;
	uint32_t or_mask, not_mask;
};
_Static_assert(sizeof(struct vmmdev_filter_req) == 32, "CtlGuestFilterMask");

/*
 * HGCMFunctionParameter32 (12 bytes) / HGCMFunctionParameter64 (16 bytes),
 * #pragma pack(4): value64 is 4-byte aligned.  Read field by field with
 * memcpy at these offsets rather than through a packed struct.
 */
#define HGCM_PARM32_SIZE 12u
#define HGCM_PARM64_SIZE 16u
#define HGCM_PARM_OFF_TYPE 0u
#define HGCM_PARM_OFF_VALUE 4u /* value32 / value64 / size / embedded flags */
#define HGCM_PARM_OFF_ADDR 8u  /* linear addr / pagelist offset / cbData */

/* HGCMPageListInfo (8 bytes + 8 per page) */
struct hgcm_pagelist {
	uint32_t flags;
	uint16_t off_first;
	uint16_t cpages;
	uint64_t pages[];
};
_Static_assert(sizeof(struct hgcm_pagelist) == 8, "HGCMPageListInfo head");
#define HGCM_PAGELIST_MIN 16u /* sizeof with one page entry */

/*
 * The VMMDev page: where the VMMDev MMIO2 RAM (VMMDevMemory) would be.
 * memwire keeps it at guest-physical page 0, which no request or buffer
 * may use, so a physical address of 0 stays invalid (Cancel2).
 */
struct vmmdev_memory {
	uint32_t size;
	uint32_t version;      /* 1 */
	uint8_t have_events;   /* V1_04.fHaveEvents */
	uint8_t pad[3];
	uint32_t events;       /* pending VMMDEV_EVENT_* (memwire: here) */
	uint32_t irq_seq;      /* memwire: incremented per interrupt */
};
_Static_assert(offsetof(struct vmmdev_memory, have_events) == 8,
	       "fHaveEvents @8");

#endif /* MEMWIRE_HGCM_LAYOUT_H */
