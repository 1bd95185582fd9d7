/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hgcm.c - raw VMMDev request bytes plus guest RAM into the host's
 * validator and dispatcher, with the memwire.echo service registered.
 *
 * Input layout:
 *   byte 0     bit 0: patch the request's client id (@32) with a client
 *              connected for this input; bit 1: the guest has not sent
 *              ReportGuestInfo; bit 2: also submit the address in bytes 1-2
 *   bytes 1-2  a second request address (little-endian, times 4)
 *   bytes 3..  copied into guest RAM at 0x1000 (the request) and after it
 *              (what its page lists point at)
 * Guest RAM is 128 KiB; page 0 is the VMMDev page.  The decoder
 * (hgcm_check_request) also sees the bytes, without RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hgcm/hgcm_i.h"

#define RAM_SIZE (128u << 10)
#define REQ_PHYS 0x1000u
#define CONNECT_PHYS (RAM_SIZE - 0x1000u)

static struct hgcm_host *host;
static uint8_t *ram;

static void connect_req(uint8_t *p)
{
	memset(p, 0, sizeof(struct hgcm_connect_req));
	mwh_st32(p, sizeof(struct hgcm_connect_req));
	mwh_st32(p + 4, VMMDEV_REQUEST_HEADER_VERSION);
	mwh_st32(p + 8, VMMDEVREQ_HGCM_CONNECT);
	mwh_st32(p + 32, HGCM_LOC_LOCALHOST_EXISTING);
	memcpy(p + 36, "memwire.echo", 13);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hgcm_decoded d;
	struct mwh_guest *g;
	size_t n;

	if (!host) {
		mwh_echo_max_sleep_ms = 0; /* SLEEP completes at once */
		host = mwh_host_new_bare();
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!host || !ram || hgcm_host_register_echo(host))
			abort();
	}
	hgcm_check_request(data, size, 0, &d);
	if (size < 3)
		return 0;
	memset(ram, 0, RAM_SIZE);
	n = size - 3;
	if (n > CONNECT_PHYS - REQ_PHYS)
		n = CONNECT_PHYS - REQ_PHYS;
	memcpy(ram + REQ_PHYS, data + 3, n);

	g = mwh_guest_attach(host, ram, RAM_SIZE, !(data[0] & 2));
	if (!g)
		abort();
	if (data[0] & 1) {
		connect_req(ram + CONNECT_PHYS);
		mwh_guest_request(g, CONNECT_PHYS);
		if (n >= 36)
			memcpy(ram + REQ_PHYS + 32, ram + CONNECT_PHYS + 164, 4);
	}
	mwh_guest_request(g, REQ_PHYS);
	if (data[0] & 4)
		mwh_guest_request(g, (uint32_t)(data[1] | data[2] << 8) * 4u);
	mwh_guest_detach(g);
	return 0;
}
