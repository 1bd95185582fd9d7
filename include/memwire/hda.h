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

/*
 * A sink on its own thread (src/hda/pipe.c): exchanges are queued in a
 * bounded ring and handed to @inner, in order, by a second thread, so that
 * decoding and writing run beside the capture.  hda_pipe_finish() waits
 * until every queued exchange went through and returns @inner's first
 * error (also returned by the next hda_pipe_sink() once it happened).
 */
struct hda_pipe;
int hda_pipe_new(hda_sink_fn inner, void *arg, struct hda_pipe **out);
int hda_pipe_sink(void *arg, const struct hda_exchange *x); /* arg: pipe */
int hda_pipe_finish(struct hda_pipe *p);
void hda_pipe_free(struct hda_pipe *p);

/* ============================================================ 3. capture */

/*
 * Trace lines.  One line of QEMU's `log` trace backend, with any prefix
 * (none, "TID@SEC.USEC:", the ISO-8601 "YYYY-MM-DDTHH:MM:SS.ffffffZ " of
 * QEMU 10.1+), of one of these events (hda.md 3.1):
 *   vfio_region_write  (DEV:regionN+0xADDR, 0xDATA, SIZE)
 *   vfio_region_read  (DEV:regionN+0xADDR, SIZE) = 0xDATA
 *   memory_region_ops_write cpu C mr 0xP addr 0xA value 0xV size S name 'N'
 *   memory_region_ops_read  (same fields; the name is absent before 6.0)
 */
enum hda_trace_kind {
	HDA_TRACE_VFIO = 0, /* vfio_region_*: addr is an offset in region */
	HDA_TRACE_MR = 1,   /* memory_region_ops_*: addr is absolute */
};

struct hda_trace_event {
	enum hda_trace_kind kind;
	bool write;
	bool has_time;
	double time;	   /* seconds since the epoch, from the prefix */
	int region;	   /* VFIO region index; -1 for memory_region_ops */
	uint64_t addr;
	uint64_t value;
	unsigned size;	   /* 1, 2, 4 or 8 */
	const char *dev;   /* VFIO device or memory-region name, in the */
	size_t dev_len;	   /* line (not NUL-terminated); dev_len 0: none */
};

/**
 * hda_trace_parse() - parse one trace line
 * @line: the line, without its newline (need not be NUL-terminated)
 * @len: its length
 * @ev: filled on success; @ev->dev points into @line
 *
 * Return: 1 for an event line, 0 for a line of another event or no event
 * (ignore it), -EINVAL for one of these events that is cut short or holds
 * an impossible value (mw_last_error() names the field).
 */
int hda_trace_parse(const char *line, size_t len, struct hda_trace_event *ev);

/*
 * Guest memory: the rings live in guest-physical memory, read either from
 * the guest-RAM file QEMU shares (memory-backend-file,share=on) or over
 * QMP.  Reads outside guest RAM fail with -EFAULT.
 */
struct hda_mem;

enum hda_machine {
	HDA_MACHINE_PC = 0,  /* i440fx: RAM >= 3.5 GiB splits at 3 GiB */
	HDA_MACHINE_Q35 = 1, /* RAM >= 2.75 GiB splits at 2 GiB */
	HDA_MACHINE_FLAT = 2, /* the file is guest-physical 0.. as is */
};

/**
 * hda_machine_parse() - "pc", "q35", "flat", or a versioned QEMU machine
 * name ("pc-i440fx-7.2", "pc-q35-7.2", "q35"...)
 *
 * Return: 0 and *@out, or -EINVAL.
 */
int hda_machine_parse(const char *name, enum hda_machine *out);

/**
 * hda_mem_ram_layout() - where the RAM of @machine with @ram_size bytes sits
 * @below_4g: 0 for the machine's default split (QEMU 7.2 rules), else the
 *            size of the RAM below 4 GiB (max-ram-below-4g)
 * @low: out, bytes of RAM at guest-physical 0 (file offset 0)
 *
 * The rest, @ram_size - *@low bytes, is at guest-physical 4 GiB and file
 * offset *@low.  Return: 0 or -EINVAL.
 */
int hda_mem_ram_layout(enum hda_machine machine, uint64_t ram_size,
		       uint64_t below_4g, uint64_t *low);

/**
 * hda_mem_open_ram() - map a shared guest-RAM file, read-only
 * @below_4g: see hda_mem_ram_layout()
 *
 * The file's size is the RAM size.  The file stays valid after QEMU exits,
 * so the last verbs of a guest that shut down can still be read.
 * Return: 0 or -errno.
 */
int hda_mem_open_ram(const char *path, enum hda_machine machine,
		     uint64_t below_4g, struct hda_mem **out);

/**
 * hda_mem_open_qmp() - connect to QEMU's QMP socket (a UNIX socket)
 * @timeout_ms: how long a reply may take (and connect retries last)
 *
 * Reads greeting, negotiates capabilities, learns the RAM layout from
 * query-memory-size-summary and the host bridge's below-4g-mem-size.  Memory
 * is read with human-monitor-command "xp" (see docs/hda-capture.md).
 * Return: 0 or -errno (-ECONNREFUSED, -EPROTO for a peer that is no QMP).
 */
int hda_mem_open_qmp(const char *sock_path, int timeout_ms,
		     struct hda_mem **out);

/**
 * hda_mem_read() - copy guest-physical [@gpa, @gpa + @len) into @buf
 *
 * Return: 0, -EFAULT outside guest RAM, -EPIPE when the QMP socket went
 * away, -EPROTO for a reply that makes no sense.
 */
int hda_mem_read(struct hda_mem *m, uint64_t gpa, void *buf, size_t len);

/** hda_mem_describe() - "ram FILE (q35, 0x80000000 low + ...)" etc. */
const char *hda_mem_describe(const struct hda_mem *m);

/**
 * hda_mem_qmp_command() - run one QMP command on a QMP backend
 * @json: the whole command object, e.g. {"execute":"query-status"}
 * @reply: out (may be NULL), the "return" member as JSON text; free()
 *
 * Return: 0, -EREMOTEIO for an "error" reply (its desc in mw_last_error()),
 * -EPIPE, -EOPNOTSUPP on a RAM backend.
 */
int hda_mem_qmp_command(struct hda_mem *m, const char *json, char **reply);

void hda_mem_close(struct hda_mem *m);

/*
 * Capture: trace events of one HDA controller drive a model of its
 * command transport (CORB/RIRB rings and the immediate-command registers);
 * commands and responses are read from guest memory when the trace shows
 * the controller was told about them, paired per codec, and handed to a
 * sink in the order the controller carried them.
 */
struct hda_capture_opts {
	/* NULL: auto (the one vfio region 0, or the 'intel-hda' region);
	 * "BDF" or "BDF:regionN" (VFIO); "name=MR-NAME" (memory_region_ops) */
	const char *device;
	bool have_bar;	   /* memory_region_ops: BAR base (else addr & 0x3fff) */
	uint64_t bar;
	struct hda_mem *mem; /* NULL: only immediate commands are captured */
	hda_sink_fn sink;
	void *sink_arg;
	/*
	 * hda_capture_fd() drains the trace in a thread, into memory, so the
	 * writer never blocks on it.  Needed with QMP: QEMU writes a trace
	 * line holding its big lock, and answers QMP only with that lock,
	 * so a full trace pipe while we wait for QMP is a deadlock.  Without
	 * it, a full pipe holds the guest back, which keeps the rings from
	 * running ahead of the capture (use it with --ram).
	 */
	bool drain_thread;
	/*
	 * With drain_thread and a QMP backend: stop the guest (QMP stop,
	 * then cont) while the capture is more than 32 KiB of trace behind,
	 * so the guest cannot run a ring lap ahead of the reads.  Only a
	 * guest that was running is stopped and continued.
	 */
	bool pause_guest;
};

struct hda_capture_stats {
	uint64_t lines;	      /* lines read */
	uint64_t events;      /* register accesses of the device */
	uint64_t malformed;   /* event lines that did not parse */
	uint64_t exchanges;   /* handed to the sink */
	uint64_t verbs;	      /* commands (CORB + immediate) */
	uint64_t responses;   /* solicited responses paired with a verb */
	uint64_t unsolicited;
	uint64_t no_response; /* verbs flushed without a response */
	uint64_t orphans;     /* solicited responses with no verb waiting */
	uint64_t lost;	      /* ring entries that could not be read */
	bool mem_gone;	      /* the guest-memory backend went away */
	uint64_t pauses;      /* times the guest was stopped to catch up */
	uint64_t warnings;
	char device[128];     /* the device that was followed, "" if none */
};

struct hda_capture;

/** hda_capture_new() - Return: 0 or -errno (-EINVAL for a bad device). */
int hda_capture_new(const struct hda_capture_opts *o, struct hda_capture **out);

/**
 * hda_capture_line() - feed one trace line (without its newline)
 *
 * Return: 0, or the sink's negative errno.  Bad lines, impossible register
 * values and guest memory that cannot be read (outside RAM, a QMP socket
 * that went away) are warnings (mw_log) and counted in the stats
 * (lost, mem_gone), not errors: the capture keeps what it can.
 */
int hda_capture_line(struct hda_capture *c, const char *line, size_t len);

/** hda_capture_event() - feed one parsed event (same returns) */
int hda_capture_event(struct hda_capture *c, const struct hda_trace_event *ev);

/**
 * hda_capture_fd() - read trace lines from @fd until EOF or *@stop
 * @stop: may be NULL; checked between reads (a signal interrupts a read)
 * @idle: may be NULL; called when @fd has had no data for @idle_ms, returns
 *        nonzero to stop reading (used by `hda qemu` to notice a guest
 *        that shut down); @idle_ms is ignored when @idle is NULL
 *
 * Streams: memory does not grow with the trace (lines longer than 64 KiB
 * are skipped with a warning).  Does not flush.
 * Return: 0 at EOF or stop, or an error of hda_capture_line(), or -errno.
 */
int hda_capture_fd(struct hda_capture *c, int fd, volatile int *stop,
		   int (*idle)(void *arg), void *idle_arg, int idle_ms);

/**
 * hda_capture_flush() - hand every exchange still waiting to the sink
 *
 * Verbs without a response go out with has_response false.  Call it at
 * the end of the trace and on SIGINT/SIGTERM.  Return: 0 or the sink's
 * error.
 */
int hda_capture_flush(struct hda_capture *c);

void hda_capture_get_stats(const struct hda_capture *c,
			   struct hda_capture_stats *st);

void hda_capture_free(struct hda_capture *c);

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_HDA_H */
