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
#include <sys/ioctl.h>

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

/*
 * Functions below return 0 (or a count) or a negative errno; on failure
 * mw_last_error() holds one line naming the file, line and what was wrong.
 */

/* ---------------------------------------------------------- command word */

/* A command word split the way Linux and hda-verb see it (hda.md 5.1). */
struct hda_cmd {
	unsigned codec;	  /* 31:28 */
	unsigned nid;	  /* 26:20 (Linux accepts 7 bits) */
	bool nid_bit27;	  /* 27: HDA 1.0's "indirect NID" flag */
	bool four_bit;	  /* bits 19:16 name a 4-bit verb, 16-bit payload */
	bool get;	  /* bit 19: a GET verb */
	unsigned verb;	  /* 12-bit id; a 4-bit verb as ID << 8 (0x500) */
	unsigned payload; /* 8 bits, or 16 for a 4-bit verb */
};

void hda_cmd_split(uint32_t word, struct hda_cmd *c);
/*
 * hda_cmd_make() - the command word for hda-verb's (nid, verb, param)
 * Returns 0, or -EINVAL when codec > 15, nid > 0x7f, verb > 0xfff,
 * param > 0xffff, or param overlaps the verb's low byte (the kernel's
 * snd_hdac_make_cmd() checks, hda.md 2.5).
 */
int hda_cmd_make(unsigned codec, unsigned nid, unsigned verb, unsigned param,
		 uint32_t *word);
/* "SET_COEF_INDEX" for 0x500 (Linux AC_VERB_* names), NULL if unknown. */
const char *hda_verb_name(unsigned verb);
/* The verb a name means (case-insensitive, "AC_VERB_" optional). */
int hda_verb_lookup(const char *name, unsigned *verb);
/* "VENDOR_ID" for 0x00 (AC_PAR_* names), NULL if unknown. */
const char *hda_param_name(unsigned id);

/* ---------------------------------------------------------------- decode */

#define HDA_MEANING_MAX 256

struct hda_decoded {
	struct hda_cmd cmd;	/* zeroes for an unsolicited response */
	const char *name;	/* verb name, "VENDOR_VERB", "UNSOLICITED" */
	char meaning[HDA_MEANING_MAX]; /* fields of payload and response */
	bool coef;		/* SET_PROC_COEF or GET_PROC_COEF: */
	bool coef_known;	/*   a SET_COEF_INDEX came before */
	unsigned coef_index;	/*   the index last set on this codec+NID */
	unsigned coef_step;	/*   accesses since then (auto-increment) */
	uint32_t coef_value;	/*   written, or read (when has_response) */
};

/*
 * The decoder keeps per (codec, NID) coefficient state across a stream, in
 * a fixed table: its memory does not grow with the stream.
 */
struct hda_decoder;
int hda_decoder_new(struct hda_decoder **out);
void hda_decoder_free(struct hda_decoder *d);
/* Forget the coefficient state (a new capture). */
void hda_decoder_reset(struct hda_decoder *d);
/* Decode one exchange (and update the state); never fails. */
void hda_decode(struct hda_decoder *d, const struct hda_exchange *x,
		struct hda_decoded *out);
/* Pin default configuration, e.g. "fixed, internal, speaker, ...". */
void hda_pincfg_describe(uint32_t cfg, char *buf, size_t len);

/* --------------------------------------------------------------- writers */

enum hda_format {
	HDA_FORMAT_TEXT,     /* one exchange a line */
	HDA_FORMAT_JSON,     /* JSON lines */
	HDA_FORMAT_HDA_VERB, /* shell script of hda-verb calls (SET verbs) */
	HDA_FORMAT_PATCH,    /* snd-hda-intel patch firmware file */
	HDA_FORMAT_C,	     /* C struct hda_verb table */
};

/* "text", "json", "hda-verb", "patch", "c" (or an unambiguous prefix). */
int hda_format_parse(const char *name, enum hda_format *out);
const char *hda_format_name(enum hda_format f);

struct hda_writer_opts {
	const char *device;	/* hda-verb: NULL = /dev/snd/hwC0D<codec> */
	const char *table_name; /* C: NULL = "memwire_verbs" */
};

/*
 * A writer: put() each exchange, then finish() once, then free().  Text,
 * JSON and hda-verb stream (constant memory); patch and C collect until
 * finish().  Errors of @out are reported (-EIO) by put() or finish().
 */
struct hda_writer;
int hda_writer_new(enum hda_format fmt, FILE *out,
		   const struct hda_writer_opts *opts, struct hda_writer **w);
int hda_writer_put(struct hda_writer *w, const struct hda_exchange *x);
int hda_writer_finish(struct hda_writer *w);
void hda_writer_free(struct hda_writer *w);
/* An hda_sink_fn; @arg is the struct hda_writer. */
int hda_writer_sink(void *arg, const struct hda_exchange *x);

/* A growing list of exchanges (for diff and tests); also a sink. */
struct hda_exlist {
	struct hda_exchange *v;
	size_t n, cap;
};
int hda_exlist_sink(void *arg, const struct hda_exchange *x);
void hda_exlist_free(struct hda_exlist *l);

/* ------------------------------------------- legacy QemuHDADump artefacts */

/*
 * A frame file (hda.md 1.6): 4096 bytes, CORB 256 x u32 LE at 0, guest
 * memory after the CORB at 0x400, RIRB 256 x {u32 response, u32
 * response_ex} LE at 0x800.
 */
#define HDA_FRAME_SIZE 4096u
#define HDA_FRAME_RIRB 0x800u
#define HDA_RING_ENTRIES 256u

enum hda_legacy_gen {
	HDA_LEGACY_2018, /* frameNN, allCORBframes, allRIRBframes */
	HDA_LEGACY_2021, /* frame%04d, all-corb-frames, all-rirb-frames */
};

/* "frame07" / "frame0007"; the 2018 name wraps after frame99. */
void hda_legacy_frame_name(enum hda_legacy_gen gen, unsigned n, char *buf,
			   size_t len);
const char *hda_legacy_corb_name(enum hda_legacy_gen gen);
const char *hda_legacy_rirb_name(enum hda_legacy_gen gen);
/* Lay out one frame from ring images (@rirb: 256 response/response_ex). */
void hda_legacy_frame_pack(uint8_t frame[HDA_FRAME_SIZE],
			   const uint32_t corb[HDA_RING_ENTRIES],
			   const uint32_t rirb[2 * HDA_RING_ENTRIES]);
/*
 * frameDumpFormatted's exact text of @len bytes: "0x%08x: " then four
 * "0x%08x " a line, ending with a dangling offset and no newline.
 */
int hda_legacy_dump_formatted(FILE *out, const uint8_t *buf, size_t len);

/*
 * A legacy writer turns exchanges into what QemuHDADump would have left
 * in @dir: a frame each time the CORB entry 255 is written (WP == 0xff),
 * and at finish() the exit frame of the partial lap ("exit_dump" /
 * "exit_frame") plus the ExtractHDADump files.  Exchanges without a CORB
 * slot (immediate, imports) take the next slot, as Linux fills the ring.
 */
struct hda_legacy_writer;
int hda_legacy_writer_new(const char *dir, enum hda_legacy_gen gen,
			  struct hda_legacy_writer **out);
int hda_legacy_writer_put(struct hda_legacy_writer *w,
			  const struct hda_exchange *x);
/* Writes the exit frame and the all-frames files; returns frames written. */
int hda_legacy_writer_finish(struct hda_legacy_writer *w);
void hda_legacy_writer_free(struct hda_legacy_writer *w);
int hda_legacy_writer_sink(void *arg, const struct hda_exchange *x);
/* ExtractHDADump over @dir: writes its two files there; returns frames. */
int hda_legacy_extract(const char *dir, enum hda_legacy_gen gen);

/* ------------------------------------------------------------- importers */

enum hda_import_kind {
	HDA_IMPORT_FRAMES,   /* frame directory, or an all-corb-frames file */
	HDA_IMPORT_KERNEL,   /* tracefs hda_send_cmd/hda_get_response text */
	HDA_IMPORT_HDA_VERB, /* hda-verb command lines (and its output) */
	HDA_IMPORT_JSON,     /* our own JSON lines */
};

int hda_import_kind_parse(const char *name, enum hda_import_kind *out);
/* Guess from the path: a directory is frames, then by the first line. */
int hda_import_detect(const char *path, enum hda_import_kind *out);
/* Import @path ("-" = stdin for the text kinds) into @sink, in order. */
int hda_import_path(enum hda_import_kind kind, const char *path,
		    hda_sink_fn sink, void *arg);
/* The text kinds from memory; @name names the input in errors. */
int hda_import_text(enum hda_import_kind kind, const char *name,
		    const char *buf, size_t len, hda_sink_fn sink, void *arg);
/*
 * Concatenated frames (the all-corb/all-rirb files, or frame files in
 * order): commands in the order hda.md 1.6 gives (the first frame's entry
 * 0 is stale), paired with the RIRB entries when @rirb is not NULL.
 */
int hda_import_frames(const char *name, const uint8_t *corb, size_t corb_len,
		      const uint8_t *rirb, size_t rirb_len, hda_sink_fn sink,
		      void *arg);

/* ------------------------------------------------------------------ diff */

enum hda_diff_side { HDA_DIFF_A = 0, HDA_DIFF_B = 1 };

/* One SET only one side sends, in the order of its (codec, NID) group. */
struct hda_diff_item {
	enum hda_diff_side side;
	unsigned codec, nid;
	uint64_t seq;	/* of the exchange in its capture */
	uint32_t verb;	/* the command word (the PROC_COEF one for coefs) */
	const char *text; /* "SET_PIN_WIDGET_CONTROL 0x40 (OUT)",
			   * "coef[0x23] = 0xc203" */
};

typedef int (*hda_diff_fn)(void *arg, const struct hda_diff_item *it);

/*
 * hda_diff() - what one capture sends that the other does not
 *
 * Per (codec, NID), in ascending order, the SET verbs of each side form a
 * sequence (a SET_COEF_INDEX followed by SET_PROC_COEF is one item
 * "coef[i] = v"; an index only used by reads is not an item); a shortest
 * edit script (Myers) between the two sequences gives the items of @fn in
 * order.  Returns the number of differing items, or -errno.
 */
int hda_diff(const struct hda_exchange *a, size_t na,
	     const struct hda_exchange *b, size_t nb, hda_diff_fn fn,
	     void *arg);

/* ---------------------------------------------------------------- replay */

/* hda_hwdep.h (alsa-tools, hda.md 2.5) */
struct hda_verb_ioctl {
	uint32_t verb; /* nid << 24 | verb << 8 | param */
	uint32_t res;
};
#define HDA_HWDEP_VERSION 0x010000
#define HDA_IOCTL_PVERSION _IOR('H', 0x10, int)
#define HDA_IOCTL_VERB_WRITE _IOWR('H', 0x11, struct hda_verb_ioctl)

/* The hwdep word of a command word (the codec comes from the device). */
static inline uint32_t hda_hwdep_word(uint32_t word)
{
	return (uint32_t)hda_verb_nid(word) << 24 | (word & 0xfffff);
}
/* Card and codec address of "/dev/snd/hwC<card>D<codec>"; -EINVAL if not. */
int hda_device_parse(const char *path, unsigned *card, unsigned *codec);

/*
 * An open hwdep device.  hda_replay_open() checks that @path is a
 * character device answering HDA_IOCTL_PVERSION with a version >=
 * HDA_HWDEP_VERSION (-ENODEV with the reason otherwise).
 */
struct hda_replay;
int hda_replay_open(const char *path, struct hda_replay **out);
/* Send @word (its codec bits are ignored) and read the response. */
int hda_replay_send(struct hda_replay *r, uint32_t word, uint32_t *res);
void hda_replay_close(struct hda_replay *r);

/* ============================================================ 3. capture */

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_HDA_H */
