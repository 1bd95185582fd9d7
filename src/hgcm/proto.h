/* SPDX-License-Identifier: MIT */
/*
 * hgcm/proto.h - the UNIX-socket framing between a memwire guest and host.
 *
 * SOCK_SEQPACKET.  Guest -> host: one hello, then only 4-byte messages,
 * each the guest-physical address of a request (the OUT to
 * VMMDEV_PORT_OFF_REQUEST).  Host -> guest: one welcome carrying the guest
 * RAM memfd (SCM_RIGHTS), then nothing: completions travel through guest
 * RAM and futexes.  EOF either way means the other side is gone.
 */
#ifndef MEMWIRE_HGCM_PROTO_H
#define MEMWIRE_HGCM_PROTO_H

#include <stdint.h>

#define MWH_MAGIC 0x4748574du /* "MWHG" */
#define MWH_PROTO_VERSION 1u
#define MWH_RAM_DEFAULT (64ull << 20)
#define MWH_RAM_MIN (64ull << 10)
#define MWH_RAM_LIMIT (4ull << 30) /* guest-physical addresses are u32 */

struct mwh_hello {
	uint32_t magic, version;
	uint64_t ram_size;
};

struct mwh_welcome {
	uint32_t magic, version;
	uint64_t ram_size;
	int32_t status; /* VINF_SUCCESS, or why the guest is refused */
	uint32_t pad;
};

#endif /* MEMWIRE_HGCM_PROTO_H */
