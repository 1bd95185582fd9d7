/* SPDX-License-Identifier: MIT */
/*
 * fuzz_region_ctl.c - libFuzzer target for mw_region_ctl_validate(), the
 * validator of a region's control page (hostile input: any file or memfd
 * handed to memwire).
 *
 * Input: 8 bytes of little-endian file size, then the control page copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memwire/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_region_info info;
	uint64_t file_size;

	if (size < 8)
		return 0;
	memcpy(&file_size, data, 8);
	if (mw_region_ctl_validate(data + 8, size - 8, file_size, &info))
		return 0;
	/* What the validator promises to the mapping code. */
	if (info.size == 0 || info.size % 4096 ||
	    file_size != info.size + MW_REGION_CTL_SIZE ||
	    info.phys % 4096 || info.phys + info.size < info.phys ||
	    memchr(info.platform, 0, sizeof(info.platform)) == NULL)
		abort();
	return 0;
}
