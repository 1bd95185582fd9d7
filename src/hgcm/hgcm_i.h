/* SPDX-License-Identifier: MIT */
/*
 * hgcm_i.h - internals shared by the HGCM host, guest, decoder and CLI.
 */
#ifndef MEMWIRE_HGCM_I_H
#define MEMWIRE_HGCM_I_H

#include <stdbool.h>
#include <stdint.h>

#include "hgcm/layout.h"
#include "memwire/hgcm.h"

/* One parameter of a parsed call, from the host's copy of the request. */
struct mwh_parm {
	uint32_t type;	    /* HGCM_PARM_* as the guest wrote it */
	uint32_t dir;	    /* HGCM_DIR_* for buffers */
	uint64_t value;	    /* 32BIT / 64BIT */
	uint32_t size;	    /* buffer bytes */
	uint32_t off;	    /* page list offset / embedded offData (in request) */
	uint16_t off_first; /* page lists */
	uint16_t cpages;
	uint32_t pages_off; /* offset of aPages[0] in the request */
};

/* A request after mwh_parse(): everything the host acts on. */
struct mwh_req {
	uint32_t size, version, type;
	int32_t rc;
	uint32_t requestor;
	/* HGCM */
	uint32_t flags;
	int32_t result;
	uint32_t loc_type;
	char name[HGCM_SERVICE_NAME_MAX];
	uint32_t client_id, function, cparms, parm_size, off_extra;
	struct mwh_parm parms[VMMDEV_MAX_HGCM_PARMS];
	uint64_t total_bytes;
	/* others */
	uint32_t u32a, u32b; /* cancel2 phys; guest info version/os; events */
};

static inline bool mwh_is_hgcm(uint32_t type)
{
	return type >= VMMDEVREQ_HGCM_CONNECT && type <= VMMDEVREQ_HGCM_CANCEL;
}

static inline bool mwh_is_buffer(uint32_t type)
{
	return type == HGCM_PARM_PAGELIST || type == HGCM_PARM_EMBEDDED ||
	       type == HGCM_PARM_CONTIGUOUS_PAGELIST ||
	       type == HGCM_PARM_NO_BOUNCE_PAGELIST;
}

/* Little-endian loads and stores at byte offsets (x86 and friends). */
static inline uint32_t mwh_ld32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline uint64_t mwh_ld64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void mwh_st32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void mwh_st64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }

/*
 * mwh_parse() - validate a request copied into host memory
 * @buf, @len: the copy (at least the header's size bytes, or @len < size
 *	when a file was short: then the request is truncated)
 * @ram_size: guest RAM size for page checks; 0 = not known (decoder)
 * @err: gets a one-line reason naming the field and value
 *
 * Returns VINF_SUCCESS or the VBox status the host answers with.
 */
int mwh_parse(const uint8_t *buf, size_t len, uint64_t ram_size,
	      struct mwh_req *r, char *err, size_t errlen);

/*
 * In-process host use (fuzzing, tests): a host without a socket, a guest
 * whose RAM is a caller's buffer, and the request handler run directly.
 * Free the host with hgcm_host_free() after every guest is detached.
 */
struct mwh_guest;
struct hgcm_host *mwh_host_new_bare(void);
struct mwh_guest *mwh_guest_attach(struct hgcm_host *h, void *ram,
				   uint64_t size, bool reported);
void mwh_guest_request(struct mwh_guest *g, uint32_t phys);
void mwh_guest_detach(struct mwh_guest *g);

/* Test hook: the echo service's SLEEP is capped at this many ms. */
extern unsigned mwh_echo_max_sleep_ms;

#endif /* MEMWIRE_HGCM_I_H */
