/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - a model of the HD Audio controller's command transport, driven by
 * the register accesses a trace shows (hda.md 4; Linux hda_register.h and
 * snd_hdac_bus_init_cmd_io/send_cmd/update_rirb for how a driver uses it).
 *
 *   0x08 GCTL      bit 0 CRST: 0 puts the controller in reset (rings stop,
 *                  pointers 0): every exchange still waiting is flushed
 *   0x40/0x44      CORBLBASE/CORBUBASE: CORB address (128-byte aligned)
 *   0x48 CORBWP    7:0 the last slot software filled.  The controller
 *                  fetches slots (done, WP] while CORBRUN is set, so the
 *                  model reads those slots from guest memory at the WP
 *                  write (or at CORBRUN 0->1): the guest may overwrite a
 *                  slot a lap later, never before the controller took it
 *   0x4A CORBRP    bit 15 CORBRPRST: the read pointer goes to 0
 *   0x4C CORBCTL   bit 1 CORBRUN
 *   0x4E CORBSIZE  1:0 00 = 2, 01 = 16, 10 = 256 entries
 *   0x50/0x54      RIRBLBASE/RIRBUBASE
 *   0x58 RIRBWP    7:0 the last slot the controller wrote (read by the
 *                  driver: the trace's read line carries the value, so the
 *                  model reads slots (consumed, WP] then); a write of bit
 *                  15 RIRBWPRST sets it to 0
 *   0x5E RIRBSIZE  as CORBSIZE
 *   0x60 ICOI      immediate command (the verb)
 *   0x64 ICII      immediate response, seen in a read
 *   0x68 ICIS      bit 0 ICB: a write of 1 sends ICOI; bit 1 IRV
 *
 * RIRB entries are {u32 response, u32 response_ex}; response_ex 3:0 is the
 * codec, bit 4 unsolicited.  The controller may be caught mid-run (the
 * trace began after the driver set it up): unknown pointers are taken from
 * the first value seen and only that one slot is read; an unknown base is
 * a warning.  Nothing a trace says can make the model index outside its
 * shadow registers or its rings.
 */
#include <errno.h>
#include <string.h>

#include "core/core_i.h"
#include "hda/capture_i.h"

void hda_ctl_init(struct hda_ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->corb_size = 256;
	ctl->rirb_size = 256;
	ctl->corb_run = -1;
	ctl->corb_done = -1;
	ctl->rirb_done = -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t reg_get(const struct hda_ctl *ctl, unsigned off, unsigned w)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < w; i++)
		v |= (uint64_t)ctl->regs[off + i] << (8 * i);
	return v;
}

static int ring_size(struct hda_capture *c, const char *reg, uint64_t v,
		     unsigned *out)
{
	static const unsigned sizes[4] = { 2, 16, 256, 0 };
	unsigned s = sizes[v & 3];

	if (!s) {
		hda_cap_warn(c, HDA_W_REG,
			     "%s = 0x%02x selects the reserved size 11b; "
			     "keeping %u entries",
			     reg, (unsigned)(v & 0xff), *out);
		return 0;
	}
	*out = s;
	return 1;
}

/*
 * Read the slots (*done, wp] of a ring of @esize-byte entries at @base into
 * @buf: two reads at most, up to the end of the ring, then from 0.  Sets
 * *first and *n; *n is 0 when nothing is new, or when the slots could not
 * be read (then they are counted lost, as @what).  Moves *done to @wp once
 * read.
 */
static int ring_read(struct hda_capture *c, const char *ring, const char *what,
		     uint64_t base, unsigned size, unsigned esize, int *done,
		     unsigned wp, uint8_t *buf, unsigned *first, unsigned *n)
{
	unsigned mask = size - 1, from, cnt, chunk;
	bool ok = true;
	int ret;

	*n = 0;
	from = *done >= 0 ? (unsigned)*done & mask : (wp - 1) & mask;
	cnt = (wp - from) & mask;
	if (!cnt)
		return 0;
	*first = (from + 1) & mask;
	chunk = *first + cnt > size ? size - *first : cnt;
	ret = hda_cap_mem(c, ring, base + (uint64_t)esize * *first, buf,
			  (uint64_t)esize * chunk, &ok);
	if (!ret && ok && chunk < cnt)
		ret = hda_cap_mem(c, ring, base, buf + esize * chunk,
				  (uint64_t)esize * (cnt - chunk), &ok);
	if (ret)
		return ret;
	*done = (int)wp;
	if (!ok) {
		hda_cap_warn(c, HDA_W_MEM, "%u %s in %s slots %u..%u lost", cnt,
			     what, ring, *first, wp);
		hda_cap_lost(c, cnt);
		return 0;
	}
	*n = cnt;
	return 0;
}

/* Read the slots (done, wp] of the CORB and hand each verb on. */
static int corb_fetch(struct hda_capture *c, unsigned wp)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	unsigned i, first = 0, n;
	uint8_t buf[256 * 4];
	int ret;

	if (!ctl->corb_base_known) {
		hda_cap_warn(c, HDA_W_BASE,
			     "CORBWP = 0x%x but the CORB base was never "
			     "written (trace started after the driver set "
			     "it up?): verb lost",
			     wp);
		hda_cap_lost(c, 1);
		ctl->corb_done = (int)wp;
		return 0;
	}
	ret = ring_read(c, "CORB", "verb(s)", ctl->corb_base, ctl->corb_size,
			4, &ctl->corb_done, wp, buf, &first, &n);
	for (i = 0; !ret && i < n; i++)
		ret = hda_cap_verb(c, le32(buf + 4 * i), HDA_PATH_CORB,
				   (first + i) & (ctl->corb_size - 1));
	return ret;
}

/* Read the RIRB slots (done, wp] and hand each response on. */
static int rirb_fetch(struct hda_capture *c, unsigned wp)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	unsigned i, first = 0, n;
	uint8_t buf[256 * 8];
	int ret;

	if (!ctl->rirb_base_known) {
		if (ctl->rirb_done != (int)wp) {
			hda_cap_warn(c, HDA_W_BASE,
				     "RIRBWP = 0x%x but the RIRB base was "
				     "never written: response lost",
				     wp);
			hda_cap_lost(c, 1);
		}
		ctl->rirb_done = (int)wp;
		return 0;
	}
	ret = ring_read(c, "RIRB", "response(s)", ctl->rirb_base,
			ctl->rirb_size, 8, &ctl->rirb_done, wp, buf, &first, &n);
	for (i = 0; !ret && i < n; i++)
		ret = hda_cap_response(c, le32(buf + 8 * i),
				       le32(buf + 8 * i + 4), HDA_PATH_CORB);
	return ret;
}

static void base_write(struct hda_capture *c, const char *name, bool corb,
		       uint64_t nbase)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	uint64_t *base = corb ? &ctl->corb_base : &ctl->rirb_base;
	bool *known = corb ? &ctl->corb_base_known : &ctl->rirb_base_known;
	bool running = corb ? ctl->corb_run == 1
			    : !!(ctl->regs[HDA_REG_RIRBCTL] &
				 HDA_RIRBCTL_DMAEN);

	if (*known && *base != nbase && running)
		hda_cap_warn(c, HDA_W_BASE,
			     "%s base moved from 0x%llx to 0x%llx while its "
			     "DMA runs",
			     name, (unsigned long long)*base,
			     (unsigned long long)nbase);
	if (nbase & 0x7f)
		hda_cap_warn(c, HDA_W_REG,
			     "%s base 0x%llx is not 128-byte aligned", name,
			     (unsigned long long)nbase);
	*base = nbase;
	*known = true;
}

/* One register of the model was (partly) written: @wm = bytes written. */
static int on_write(struct hda_capture *c, unsigned reg, uint64_t v,
		    unsigned wm)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	unsigned wp;
	int ret;

	switch (reg) {
	case HDA_REG_GCTL:
		if ((wm & 1) && !(v & HDA_GCTL_CRST)) {
			/* Entering reset: the rings stop and every pointer
			 * goes to 0; nothing waiting will be answered. */
			uint8_t gctl[4];

			ret = hda_cap_reset(c);
			memcpy(gctl, ctl->regs + HDA_REG_GCTL, 4);
			hda_ctl_init(ctl);
			memcpy(ctl->regs + HDA_REG_GCTL, gctl, 4);
			ctl->corb_run = 0;
			ctl->corb_done = 0;
			ctl->rirb_done = 0;
			return ret;
		}
		return 0;
	case HDA_REG_CORBLBASE:
	case HDA_REG_CORBUBASE:
		base_write(c, "CORB", true,
			   reg_get(ctl, HDA_REG_CORBLBASE, 8));
		return 0;
	case HDA_REG_RIRBLBASE:
	case HDA_REG_RIRBUBASE:
		base_write(c, "RIRB", false,
			   reg_get(ctl, HDA_REG_RIRBLBASE, 8));
		return 0;
	case HDA_REG_CORBWP:
		if (!(wm & 1))
			return 0;
		wp = (unsigned)(v & 0xff);
		if (wp >= ctl->corb_size) {
			hda_cap_warn(c, HDA_W_REG,
				     "CORBWP = 0x%x is outside the %u-entry "
				     "CORB; using 0x%x",
				     wp, ctl->corb_size, wp & (ctl->corb_size - 1));
			wp &= ctl->corb_size - 1;
		}
		if (ctl->corb_run != 0)
			return corb_fetch(c, wp);
		return 0;
	case HDA_REG_CORBRP:
		if ((wm & 2) && (v & HDA_CORBRP_RST))
			ctl->corb_done = 0;
		return 0;
	case HDA_REG_CORBCTL: {
		int run = !!(v & HDA_CORBCTL_RUN);
		int was = ctl->corb_run;

		ctl->corb_run = run;
		if (run && was == 0 && ctl->corb_done >= 0) {
			wp = ctl->regs[HDA_REG_CORBWP] & (ctl->corb_size - 1);
			return corb_fetch(c, wp);
		}
		return 0;
	}
	case HDA_REG_CORBSIZE:
		if (ring_size(c, "CORBSIZE", v, &ctl->corb_size) &&
		    ctl->corb_done >= (int)ctl->corb_size)
			ctl->corb_done = -1;
		return 0;
	case HDA_REG_RIRBSIZE:
		if (ring_size(c, "RIRBSIZE", v, &ctl->rirb_size) &&
		    ctl->rirb_done >= (int)ctl->rirb_size)
			ctl->rirb_done = -1;
		return 0;
	case HDA_REG_RIRBWP:
		if ((wm & 2) && (v & HDA_RIRBWP_RST))
			ctl->rirb_done = 0;
		return 0;
	case HDA_REG_ICOI:
		ctl->icoi = (uint32_t)v;
		ctl->icoi_known = wm == 0xf;
		return 0;
	case HDA_REG_ICIS:
		if ((wm & 1) && (v & HDA_ICIS_ICB)) {
			if (!ctl->icoi_known) {
				hda_cap_warn(c, HDA_W_BASE,
					     "ICIS busy bit set but ICOI was "
					     "never written whole: verb lost");
				return 0;
			}
			return hda_cap_verb(c, ctl->icoi, HDA_PATH_IMMEDIATE,
					    0);
		}
		return 0;
	default:
		return 0;
	}
}

static const struct {
	uint8_t off, width;
} model_regs[] = {
	{ HDA_REG_GCTL, 4 },	  { HDA_REG_CORBLBASE, 4 },
	{ HDA_REG_CORBUBASE, 4 }, { HDA_REG_CORBWP, 2 },
	{ HDA_REG_CORBRP, 2 },	  { HDA_REG_CORBCTL, 1 },
	{ HDA_REG_CORBSIZE, 1 },  { HDA_REG_RIRBLBASE, 4 },
	{ HDA_REG_RIRBUBASE, 4 }, { HDA_REG_RIRBWP, 2 },
	{ HDA_REG_RIRBCTL, 1 },	  { HDA_REG_RIRBSTS, 1 },
	{ HDA_REG_RIRBSIZE, 1 },  { HDA_REG_ICOI, 4 },
	{ HDA_REG_ICII, 4 },	  { HDA_REG_ICIS, 2 },
};


/* Bytes of register [r, r+w) covered by the access [off, off+size). */
static unsigned cover(unsigned r, unsigned w, unsigned off, unsigned size)
{
	unsigned m = 0, i;

	for (i = 0; i < w; i++)
		if (r + i >= off && r + i < off + size)
			m |= 1u << i;
	return m;
}

int hda_ctl_write(struct hda_capture *c, unsigned off, unsigned size,
		  uint64_t value)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	unsigned i, wm;
	int ret;

	if (off >= HDA_REGS_END)
		return 0; /* stream descriptors and beyond: not the transport */
	for (i = 0; i < size && off + i < HDA_REGS_END; i++)
		ctl->regs[off + i] = (uint8_t)(value >> (8 * i));
	/* Only GCTL and 0x40..0x69 act (INTCTL, stream and wall-clock
	 * writes are the most frequent others). */
	if (off + size <= HDA_REG_GCTL || off >= HDA_REG_ICIS + 2 ||
	    (off >= HDA_REG_GCTL + 4 && off + size <= HDA_REG_CORBLBASE))
		return 0;
	for (i = 0; i < MW_ARRAY_SIZE(model_regs); i++) {
		wm = cover(model_regs[i].off, model_regs[i].width, off, size);
		if (!wm)
			continue;
		ret = on_write(c, model_regs[i].off,
			       reg_get(ctl, model_regs[i].off,
				       model_regs[i].width),
			       wm);
		if (ret)
			return ret;
	}
	return 0;
}

int hda_ctl_read(struct hda_capture *c, unsigned off, unsigned size,
		 uint64_t value)
{
	struct hda_ctl *ctl = hda_cap_ctl(c);
	unsigned wp, m;

	if (off >= HDA_REGS_END)
		return 0;
	m = cover(HDA_REG_RIRBWP, 2, off, size);
	if (m & 1) {
		wp = (unsigned)(value >> (8 * (HDA_REG_RIRBWP - off))) & 0xff;
		if (wp >= ctl->rirb_size) {
			hda_cap_warn(c, HDA_W_REG,
				     "RIRBWP reads 0x%x, outside the %u-entry "
				     "RIRB; using 0x%x",
				     wp, ctl->rirb_size, wp & (ctl->rirb_size - 1));
			wp &= ctl->rirb_size - 1;
		}
		return rirb_fetch(c, wp);
	}
	if (cover(HDA_REG_ICII, 4, off, size) == 0xf)
		return hda_cap_response(c,
					(uint32_t)(value >>
						   (8 * (HDA_REG_ICII - off))),
					0, HDA_PATH_IMMEDIATE);
	return 0;
}
