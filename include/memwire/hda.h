/* SPDX-License-Identifier: MIT */
/*
 * memwire/hda.h - HD Audio verbs: capture, decode, write out, diff, replay.
 *
 * The unit everything passes around is an exchange: one command the
 * controller carried (CORB entry or immediate command) with the response the
 * codec gave, or one unsolicited response.  Capture produces exchanges in
 * the order the controller carried them; importers produce them from legacy
 * artefacts and text; writers consume them.
 *
 * This header has three sections with one owner each:
 *   1. the exchange and the sink (shared contract; change only by agreement)
 *   2. decode, writers, importers, diff, replay
 *   3. capture (trace parser, controller model, guest memory, QEMU)
 */
#ifndef MEMWIRE_HDA_H
#define MEMWIRE_HDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================ 1. exchange and sink */

/* How the command reached the codec. */
enum hda_path {
	HDA_PATH_CORB = 0,	/* CORB/RIRB rings */
	HDA_PATH_IMMEDIATE = 1, /* ICOI/ICII/ICIS registers 0x60/0x64/0x68 */
	HDA_PATH_IMPORT = 2,	/* read back from a file: the path is unknown */
};

struct hda_exchange {
	uint64_t seq;	  /* 1, 2, ... in the order the controller carried them */
	double time;	  /* seconds; trace time when known, else capture clock */
	bool has_time;	  /* false when the source had no time (imports) */
	bool has_verb;	  /* false only for an unsolicited response */
	uint32_t verb;	  /* the whole 32-bit command word */
	bool has_response;	/* false when none came (yet: see flush) */
	uint32_t response;	/* RIRB entry, first u32 (or ICII) */
	uint32_t response_ex;	/* RIRB entry, second u32: 3:0 codec, 4 unsol */
	bool unsolicited; /* an unsolicited response (no verb) */
	enum hda_path path;
	uint32_t corb_index; /* CORB slot the command sat in (HDA_PATH_CORB) */
};

/* Fields of a command word (hda.md 5.1). */
static inline unsigned hda_verb_codec(uint32_t v) { return v >> 28; }
static inline unsigned hda_verb_nid(uint32_t v) { return (v >> 20) & 0x7f; }
/* The codec an exchange belongs to: from the verb, else from response_ex. */
static inline unsigned hda_exchange_codec(const struct hda_exchange *x)
{
	return x->has_verb ? hda_verb_codec(x->verb) : (x->response_ex & 0xf);
}

/*
 * A sink receives exchanges in order.  It returns 0, or a negative errno
 * to stop the producer (which then returns that value).
 */
typedef int (*hda_sink_fn)(void *arg, const struct hda_exchange *x);

/* ===================== 2. decode, writers, importers, diff, replay */

/* ============================================================ 3. capture */

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_HDA_H */
