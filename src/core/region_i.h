/* SPDX-License-Identifier: MIT */
/*
 * region_i.h - the region object, private to the library.
 */
#ifndef MEMWIRE_REGION_I_H
#define MEMWIRE_REGION_I_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memwire/core.h"

struct mw_ctl;

struct mw_region {
	enum mw_region_kind kind;
	bool writable;
	int fd;        /* backing fd, -1 for dumps */
	uint8_t *map;  /* mapping base */
	size_t map_len;
	uint8_t *data; /* phys base; map + page offset for /dev/mem */
	uint64_t phys; /* validated copy, never re-read from the control page */
	uint64_t size;
	struct mw_ctl *ctl; /* shared control page; NULL for dump / devmem */
	const struct mw_platform *plat;
	char *path;
};

#endif /* MEMWIRE_REGION_I_H */
