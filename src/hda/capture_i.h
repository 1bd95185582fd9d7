/* SPDX-License-Identifier: MIT */
/*
 * capture_i.h - private to the capture side of the hda module: the
 * controller model (ctl.c), the pairing engine and line reader
 * (capture.c), the guest-memory backends (ram.c, qmp.c).
 */
#ifndef MEMWIRE_HDA_CAPTURE_I_H
#define MEMWIRE_HDA_CAPTURE_I_H

#include <stdbool.h>
#include <stdint.h>

#include "memwire/hda.h"

/* Controller registers used by the transport (hda.md 4, Linux
 * hda_register.h). */
#define HDA_REG_GCTL 0x08
#define HDA_REG_CORBLBASE 0x40
#define HDA_REG_CORBUBASE 0x44
#define HDA_REG_CORBWP 0x48
#define HDA_REG_CORBRP 0x4a
#define HDA_REG_CORBCTL 0x4c
#define HDA_REG_CORBSIZE 0x4e
#define HDA_REG_RIRBLBASE 0x50
#define HDA_REG_RIRBUBASE 0x54
#define HDA_REG_RIRBWP 0x58
#define HDA_REG_RIRBCTL 0x5c
#define HDA_REG_RIRBSTS 0x5d
#define HDA_REG_RIRBSIZE 0x5e
#define HDA_REG_ICOI 0x60
#define HDA_REG_ICII 0x64
#define HDA_REG_ICIS 0x68
#define HDA_REGS_END 0x80 /* the model shadows 0x00..0x7f */

#define HDA_GCTL_CRST 0x1
#define HDA_CORBRP_RST 0x8000
#define HDA_CORBCTL_RUN 0x2
#define HDA_RIRBWP_RST 0x8000
#define HDA_RIRBCTL_DMAEN 0x2
#define HDA_ICIS_ICB 0x1
#define HDA_ICIS_IRV 0x2
#define HDA_RESPEX_UNSOL 0x10

/* The controller model's view of the command transport. */
struct hda_ctl {
	uint8_t regs[HDA_REGS_END]; /* last value written, per byte */
	uint64_t corb_base, rirb_base;
	bool corb_base_known, rirb_base_known;
	unsigned corb_size, rirb_size; /* entries: 2, 16 or 256 */
	int corb_run;	/* CORBRUN: -1 not seen yet, 0, 1 */
	int corb_done;	/* last CORB slot captured, -1 unknown */
	int rirb_done;	/* last RIRB slot consumed, -1 unknown */
	/* immediate command: the verb in ICOI when ICB was set */
	uint32_t icoi;
	bool icoi_known;
};

/*
 * A guest-memory backend (ram.c, qmp.c).  Guest RAM is [0, low) and
 * [4 GiB, 4 GiB + high), at offsets [0, low) and [low, low + high) of the
 * RAM (the shared file, or QEMU's RAM block).
 */
struct hda_mem {
	int (*read)(struct hda_mem *m, uint64_t gpa, void *buf, size_t len);
	int (*command)(struct hda_mem *m, const char *json, char **reply);
	void (*close)(struct hda_mem *m);
	uint64_t low, high;
	bool layout_known;
	char desc[256];
};

/* The RAM offset of [@gpa, @gpa + @len), or -EFAULT (message set). */
int64_t hda_mem_offset(const struct hda_mem *m, uint64_t gpa, size_t len);

struct hda_capture;

/* ctl.c */
void hda_ctl_init(struct hda_ctl *ctl);
int hda_ctl_write(struct hda_capture *c, unsigned off, unsigned size,
		  uint64_t value);
int hda_ctl_read(struct hda_capture *c, unsigned off, unsigned size,
		 uint64_t value);

/* capture.c, called by the model */
struct hda_ctl *hda_cap_ctl(struct hda_capture *c);
int hda_cap_verb(struct hda_capture *c, uint32_t verb, enum hda_path path,
		 uint32_t index);
int hda_cap_response(struct hda_capture *c, uint32_t res, uint32_t res_ex,
		     enum hda_path path);
int hda_cap_reset(struct hda_capture *c);
/* Read guest memory; a failure is a warning (0 returned, *ok false)
 * except a dead backend (-EPIPE/-EIO returned). */
int hda_cap_mem(struct hda_capture *c, const char *what, uint64_t gpa,
		void *buf, size_t len, bool *ok);

enum hda_warn_kind {
	HDA_W_LINE,	/* malformed line */
	HDA_W_REG,	/* impossible register value */
	HDA_W_BASE,	/* ring base unknown or moved while running */
	HDA_W_MEM,	/* guest memory could not be read */
	HDA_W_NOMEM,	/* no guest memory backend */
	HDA_W_PAIR,	/* pairing: orphans, no response */
	HDA_W_DEVICE,	/* several candidate devices */
	HDA_W_NKINDS,
};

/* @n ring entries could not be read. */
void hda_cap_lost(struct hda_capture *c, unsigned n);

void hda_cap_warn(struct hda_capture *c, enum hda_warn_kind k,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
