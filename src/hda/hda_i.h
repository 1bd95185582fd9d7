/* SPDX-License-Identifier: MIT */
/*
 * hda_i.h - private helpers of the hda decode side (decode, writers,
 * legacy files, importers, diff, replay).
 */
#ifndef MEMWIRE_HDA_I_H
#define MEMWIRE_HDA_I_H

#include <stddef.h>
#include <stdint.h>

#include "memwire/hda.h"

/*
 * Read the regular file @name under @dirfd (at most @max bytes; @shown
 * names it in errors).  Returns 0 with a malloc'd buffer, or -errno.
 */
int hda_read_file_at(int dirfd, const char *shown, const char *name,
		     size_t max, uint8_t **out, size_t *len);

/* A frame directory, an all-corb-frames file or one frame file. */
int hda_import_frames_path(const char *path, hda_sink_fn sink, void *arg);

#endif /* MEMWIRE_HDA_I_H */
