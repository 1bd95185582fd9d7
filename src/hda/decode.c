/* SPDX-License-Identifier: MIT */
/*
 * decode.c - HD Audio command words and responses, decoded to names and
 * fields.
 *
 * A command word (hda.md 5.1):
 *
 *   31..28 codec address   27 "indirect NID" (HDA 1.0)   26..20 NID
 *   19..0  if bits 19..16 are 2,3,4,5,a,b,c,d: a 4-bit verb + 16-bit payload
 *          else a 12-bit verb (7xx set, fxx get) + 8-bit payload
 *
 * 4-bit verbs are named as Linux and hda-verb name them, ID << 8 (0x500 is
 * SET_COEF_INDEX), so one number space covers every verb.  Names are the
 * AC_VERB_* / AC_PAR_* names of Linux include/sound/hda_verbs.h (hda.md
 * 5.2, 5.3); field layouts are hda.md 5.3-5.5.
 *
 * Coefficients: Realtek codecs reach their processing coefficients through
 * SET_COEF_INDEX then SET_PROC_COEF / GET_PROC_COEF on the same codec+NID
 * (hda.md 5.2).  The decoder remembers the last index per (codec, NID) and
 * counts the accesses since; Windows sets an index once and writes several
 * values, which reads as coef[0x23+1], coef[0x23+2] (the index the codec
 * uses if it auto-increments, an inference the reference flags).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/core_i.h"
#include "memwire/hda.h"

#define NCODECS 16
#define NNIDS 128

struct coef_state {
	uint16_t index;
	uint16_t step;
	uint8_t known;
};

struct hda_decoder {
	struct coef_state coef[NCODECS][NNIDS];
};

/* ---------------------------------------------------------- verb words */

static bool is_four_bit(unsigned id4)
{
	switch (id4) {
	case 0x2: case 0x3: case 0x4: case 0x5:
	case 0xa: case 0xb: case 0xc: case 0xd:
		return true;
	}
	return false;
}

void hda_cmd_split(uint32_t word, struct hda_cmd *c)
{
	unsigned v = word & 0xfffff;

	c->codec = word >> 28;
	c->nid = (word >> 20) & 0x7f;
	c->nid_bit27 = (word >> 27) & 1;
	c->get = (v & 0x80000) != 0;
	c->four_bit = is_four_bit(v >> 16);
	if (c->four_bit) {
		c->verb = (v >> 16) << 8;
		c->payload = v & 0xffff;
	} else {
		c->verb = v >> 8;
		c->payload = v & 0xff;
	}
}

int hda_cmd_make(unsigned codec, unsigned nid, unsigned verb, unsigned param,
		 uint32_t *word)
{
	if (codec > 15)
		return mw_err(-EINVAL, "codec address %u is above 15", codec);
	if (nid > 0x7f)
		return mw_err(-EINVAL, "nid 0x%x is above 0x7f", nid);
	if (verb > 0xfff)
		return mw_err(-EINVAL, "verb 0x%x is above 0xfff", verb);
	if (param > 0xffff)
		return mw_err(-EINVAL, "param 0x%x is above 0xffff", param);
	if (param > 0xff && (verb & 0xff))
		return mw_err(-EINVAL,
			      "param 0x%x overlaps verb 0x%03x (a 16-bit "
			      "param needs a 4-bit verb such as 0x500)",
			      param, verb);
	*word = (uint32_t)codec << 28 | (uint32_t)nid << 20 |
		(uint32_t)verb << 8 | param;
	return 0;
}

/* Linux include/sound/hda_verbs.h, AC_VERB_* without the prefix. */
static const struct {
	unsigned verb;
	const char *name;
} verbs[] = {
	{ 0xa00, "GET_STREAM_FORMAT" },
	{ 0xb00, "GET_AMP_GAIN_MUTE" },
	{ 0xc00, "GET_PROC_COEF" },
	{ 0xd00, "GET_COEF_INDEX" },
	{ 0xf00, "PARAMETERS" },
	{ 0xf01, "GET_CONNECT_SEL" },
	{ 0xf02, "GET_CONNECT_LIST" },
	{ 0xf03, "GET_PROC_STATE" },
	{ 0xf04, "GET_SDI_SELECT" },
	{ 0xf05, "GET_POWER_STATE" },
	{ 0xf06, "GET_CONV" },
	{ 0xf07, "GET_PIN_WIDGET_CONTROL" },
	{ 0xf08, "GET_UNSOLICITED_RESPONSE" },
	{ 0xf09, "GET_PIN_SENSE" },
	{ 0xf0a, "GET_BEEP_CONTROL" },
	{ 0xf0c, "GET_EAPD_BTLENABLE" },
	{ 0xf0d, "GET_DIGI_CONVERT_1" },
	{ 0xf0e, "GET_DIGI_CONVERT_2" },
	{ 0xf0f, "GET_VOLUME_KNOB_CONTROL" },
	{ 0xf10, "GET_GPI_DATA" },
	{ 0xf11, "GET_GPI_WAKE_MASK" },
	{ 0xf12, "GET_GPI_UNSOLICITED_RSP_MASK" },
	{ 0xf13, "GET_GPI_STICKY_MASK" },
	{ 0xf14, "GET_GPO_DATA" },
	{ 0xf15, "GET_GPIO_DATA" },
	{ 0xf16, "GET_GPIO_MASK" },
	{ 0xf17, "GET_GPIO_DIRECTION" },
	{ 0xf18, "GET_GPIO_WAKE_MASK" },
	{ 0xf19, "GET_GPIO_UNSOLICITED_RSP_MASK" },
	{ 0xf1a, "GET_GPIO_STICKY_MASK" },
	{ 0xf1c, "GET_CONFIG_DEFAULT" },
	{ 0xf20, "GET_SUBSYSTEM_ID" },
	{ 0xf24, "GET_STRIPE_CONTROL" },
	{ 0xf2d, "GET_CVT_CHAN_COUNT" },
	{ 0xf2e, "GET_HDMI_DIP_SIZE" },
	{ 0xf2f, "GET_HDMI_ELDD" },
	{ 0xf30, "GET_HDMI_DIP_INDEX" },
	{ 0xf31, "GET_HDMI_DIP_DATA" },
	{ 0xf32, "GET_HDMI_DIP_XMIT" },
	{ 0xf33, "GET_HDMI_CP_CTRL" },
	{ 0xf34, "GET_HDMI_CHAN_SLOT" },
	{ 0xf35, "GET_DEVICE_SEL" },
	{ 0xf36, "GET_DEVICE_LIST" },
	{ 0x200, "SET_STREAM_FORMAT" },
	{ 0x300, "SET_AMP_GAIN_MUTE" },
	{ 0x400, "SET_PROC_COEF" },
	{ 0x500, "SET_COEF_INDEX" },
	{ 0x701, "SET_CONNECT_SEL" },
	{ 0x703, "SET_PROC_STATE" },
	{ 0x704, "SET_SDI_SELECT" },
	{ 0x705, "SET_POWER_STATE" },
	{ 0x706, "SET_CHANNEL_STREAMID" },
	{ 0x707, "SET_PIN_WIDGET_CONTROL" },
	{ 0x708, "SET_UNSOLICITED_ENABLE" },
	{ 0x709, "SET_PIN_SENSE" },
	{ 0x70a, "SET_BEEP_CONTROL" },
	{ 0x70c, "SET_EAPD_BTLENABLE" },
	{ 0x70d, "SET_DIGI_CONVERT_1" },
	{ 0x70e, "SET_DIGI_CONVERT_2" },
	{ 0x70f, "SET_VOLUME_KNOB_CONTROL" },
	{ 0x710, "SET_GPI_DATA" },
	{ 0x711, "SET_GPI_WAKE_MASK" },
	{ 0x712, "SET_GPI_UNSOLICITED_RSP_MASK" },
	{ 0x713, "SET_GPI_STICKY_MASK" },
	{ 0x714, "SET_GPO_DATA" },
	{ 0x715, "SET_GPIO_DATA" },
	{ 0x716, "SET_GPIO_MASK" },
	{ 0x717, "SET_GPIO_DIRECTION" },
	{ 0x718, "SET_GPIO_WAKE_MASK" },
	{ 0x719, "SET_GPIO_UNSOLICITED_RSP_MASK" },
	{ 0x71a, "SET_GPIO_STICKY_MASK" },
	{ 0x71c, "SET_CONFIG_DEFAULT_BYTES_0" },
	{ 0x71d, "SET_CONFIG_DEFAULT_BYTES_1" },
	{ 0x71e, "SET_CONFIG_DEFAULT_BYTES_2" },
	{ 0x71f, "SET_CONFIG_DEFAULT_BYTES_3" },
	{ 0x720, "SET_SUBSYSTEM_ID_BYTES_0" },
	{ 0x721, "SET_SUBSYSTEM_ID_BYTES_1" },
	{ 0x722, "SET_SUBSYSTEM_ID_BYTES_2" },
	{ 0x723, "SET_SUBSYSTEM_ID_BYTES_3" },
	{ 0x724, "SET_STRIPE_CONTROL" },
	{ 0x72d, "SET_CVT_CHAN_COUNT" },
	{ 0x730, "SET_HDMI_DIP_INDEX" },
	{ 0x731, "SET_HDMI_DIP_DATA" },
	{ 0x732, "SET_HDMI_DIP_XMIT" },
	{ 0x733, "SET_HDMI_CP_CTRL" },
	{ 0x734, "SET_HDMI_CHAN_SLOT" },
	{ 0x735, "SET_DEVICE_SEL" },
	{ 0x73e, "SET_DIGI_CONVERT_3" },
	{ 0x73f, "SET_DIGI_CONVERT_4" },
	{ 0x788, "SET_EAPD" },
	{ 0x7ff, "SET_CODEC_RESET" },
};

const char *hda_verb_name(unsigned verb)
{
	size_t i;

	for (i = 0; i < MW_ARRAY_SIZE(verbs); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return NULL;
}

int hda_verb_lookup(const char *name, unsigned *verb)
{
	size_t i;

	if (!strncasecmp(name, "AC_VERB_", 8))
		name += 8;
	for (i = 0; i < MW_ARRAY_SIZE(verbs); i++) {
		if (!strcasecmp(verbs[i].name, name)) {
			*verb = verbs[i].verb;
			return 0;
		}
	}
	/* hda-verb's and the spec's name for 0xf00 */
	if (!strcasecmp(name, "GET_PARAMETER") ||
	    !strcasecmp(name, "GET_PARAMETERS")) {
		*verb = 0xf00;
		return 0;
	}
	return mw_err(-ENOENT, "'%s' is not a verb name", name);
}

/* AC_PAR_* (hda.md 5.3) */
static const char *const params[0x21] = {
	[0x00] = "VENDOR_ID",	      [0x01] = "SUBSYSTEM_ID",
	[0x02] = "REV_ID",	      [0x04] = "NODE_COUNT",
	[0x05] = "FUNCTION_TYPE",     [0x08] = "AUDIO_FG_CAP",
	[0x09] = "AUDIO_WIDGET_CAP",  [0x0a] = "PCM",
	[0x0b] = "STREAM",	      [0x0c] = "PIN_CAP",
	[0x0d] = "AMP_IN_CAP",	      [0x0e] = "CONNLIST_LEN",
	[0x0f] = "POWER_STATE",	      [0x10] = "PROC_CAP",
	[0x11] = "GPIO_CAP",	      [0x12] = "AMP_OUT_CAP",
	[0x13] = "VOL_KNB_CAP",	      [0x15] = "DEVLIST_LEN",
	[0x20] = "HDMI_LPCM_CAP",
};

const char *hda_param_name(unsigned id)
{
	return id < MW_ARRAY_SIZE(params) ? params[id] : NULL;
}

/* ---------------------------------------------------------- text buffer */

struct buf {
	char *p;
	size_t len, n;
};

static void bput(struct buf *b, const char *fmt, ...) MW_PRINTF(2, 3);

static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n >= b->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	b->n += (size_t)k;
	if (b->n >= b->len)
		b->n = b->len - 1;
}

/* Append a plain string: no format to parse (the decoder's hot path). */
static void bcat(struct buf *b, const char *str)
{
	size_t k = strlen(str);

	if (b->n >= b->len)
		return;
	if (k > b->len - 1 - b->n)
		k = b->len - 1 - b->n;
	memcpy(b->p + b->n, str, k);
	b->n += k;
	b->p[b->n] = '\0';
}

/* The names of the set bits of @v, from @names (NULL = skip). */
static void bits(struct buf *b, uint32_t v, const char *const *names,
		 unsigned n)
{
	unsigned i;
	bool first = true;

	for (i = 0; i < n; i++) {
		if (!(v & (1u << i)) || !names[i])
			continue;
		if (!first)
			bcat(b, " ");
		bcat(b, names[i]);
		first = false;
	}
	if (first)
		bcat(b, "none");
}

/* ------------------------------------------------------------- fields */

static const char *const wcap_bits[13] = {
	"stereo", "in-amp", "out-amp", "amp-ovrd", "fmt-ovrd", "stripe",
	"proc", "unsol", "conn-list", "digital", "power", "lr-swap", "cp",
};
static const char *const wid_types[16] = {
	"audio-out", "audio-in", "mixer", "selector", "pin", "power",
	"vol-knob", "beep", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	"vendor",
};
static const char *const rates[12] = {
	"8k", "11.025k", "16k", "22.05k", "32k", "44.1k", "48k", "88.2k",
	"96k", "176.4k", "192k", "384k",
};
static const char *const pincap_bits[28] = {
	[0] = "imp-sense", [1] = "trig-req", [2] = "presence",
	[3] = "hp-drv", [4] = "out", [5] = "in", [6] = "balanced",
	[7] = "hdmi", [16] = "eapd", [24] = "dp", [27] = "hbr",
};
static const char *const vref_bits[6] = {
	"hiz", "50", "grd", NULL, "80", "100",
};
static const char *const pwr_bits[32] = {
	[0] = "D0", [1] = "D1", [2] = "D2", [3] = "D3", [4] = "D3cold",
	[29] = "S3D3cold", [30] = "clkstop", [31] = "EPSS",
};
static const char *const conn[4] = { "jack", "none", "fixed", "both" };
static const char *const gross[4] = { "external", "internal", "separate",
				      "other" };
static const char *const geo[16] = { "", "rear", "front", "left",
				     "right", "top", "bottom", "special-7",
				     "special-8", "special-9", "0xa", "0xb",
				     "0xc", "0xd", "0xe", "0xf" };
static const char *const devs[16] = {
	"line-out", "speaker", "hp-out", "cd", "spdif-out",
	"digital-other-out", "modem-line", "modem-handset", "line-in", "aux",
	"mic-in", "telephony", "spdif-in", "digital-other-in", "0xe",
	"other",
};
static const char *const ctypes[16] = {
	"unknown", "1/8in", "1/4in", "atapi", "rca", "optical",
	"other-digital", "other-analog", "din", "xlr", "rj-11", "combo",
	"0xc", "0xd", "0xe", "other",
};
static const char *const colors[16] = {
	"unknown", "black", "grey", "blue", "green", "red", "orange",
	"yellow", "purple", "pink", "0xa", "0xb", "0xc", "0xd", "white",
	"other",
};

static void location(struct buf *b, unsigned loc)
{
	/* hda.md 5.4: the special locations first */
	switch (loc) {
	case 0x07: bcat(b, "rear-panel"); return;
	case 0x08: bcat(b, "drive-bay"); return;
	case 0x17: bcat(b, "riser"); return;
	case 0x18: bcat(b, "hdmi"); return;
	case 0x19: bcat(b, "atapi"); return;
	case 0x37: bcat(b, "mobile-lid-in"); return;
	case 0x38: bcat(b, "mobile-lid-out"); return;
	}
	if (loc & 0xf)
		bput(b, "%s %s", gross[(loc >> 4) & 3], geo[loc & 0xf]);
	else
		bput(b, "%s", gross[(loc >> 4) & 3]);
}

static void pincfg(struct buf *b, uint32_t c)
{
	bput(b, "%s, ", conn[c >> 30]);
	location(b, (c >> 24) & 0x3f);
	bput(b, ", %s, %s, %s, misc 0x%x%s, assoc %u seq %u",
	     devs[(c >> 20) & 0xf], ctypes[(c >> 16) & 0xf],
	     colors[(c >> 12) & 0xf], (c >> 8) & 0xf,
	     (c & 0x100) ? " (no presence detect)" : "", (c >> 4) & 0xf,
	     c & 0xf);
}

void hda_pincfg_describe(uint32_t cfg, char *p, size_t len)
{
	struct buf b = { p, len, 0 };

	if (!len)
		return;
	p[0] = '\0';
	pincfg(&b, cfg);
}

/* One byte of SET_CONFIG_DEFAULT_BYTES_n, its fields only. */
static void pincfg_byte(struct buf *b, unsigned n, unsigned v)
{
	switch (n) {
	case 0:
		bput(b, "assoc %u seq %u", v >> 4, v & 0xf);
		break;
	case 1:
		bput(b, "%s, misc 0x%x", colors[v >> 4], v & 0xf);
		break;
	case 2:
		bput(b, "%s, %s", devs[v >> 4], ctypes[v & 0xf]);
		break;
	default:
		bput(b, "%s, ", conn[v >> 6]);
		location(b, v & 0x3f);
		break;
	}
}

static void ampcap(struct buf *b, uint32_t r)
{
	bput(b, "offset %u, gain 0..%u, step %.2f dB%s", r & 0x7f,
	     (r >> 8) & 0x7f, 0.25 * (((r >> 16) & 0x7f) + 1),
	     (r >> 31) ? ", mute" : "");
}

static void stream_format(struct buf *b, unsigned f)
{
	static const unsigned nbits[8] = { 8, 16, 20, 24, 32, 0, 0, 0 };
	unsigned base = (f & 0x4000) ? 44100 : 48000;
	unsigned mult = ((f >> 11) & 7) + 1, div = ((f >> 8) & 7) + 1;
	unsigned bits_ = nbits[(f >> 4) & 7];

	bput(b, "%s %u Hz", (f & 0x8000) ? "non-PCM" : "PCM",
	     base * mult / div);
	if (bits_)
		bput(b, ", %u-bit", bits_);
	else
		bput(b, ", bits code %u", (f >> 4) & 7);
	bput(b, ", %u ch", (f & 0xf) + 1);
}

static void param(struct buf *b, unsigned id, uint32_t r)
{
	switch (id) {
	case 0x00:
		bput(b, "vendor 0x%04x device 0x%04x", r >> 16, r & 0xffff);
		break;
	case 0x01:
		bput(b, "subsystem 0x%08x", r);
		break;
	case 0x02:
		bput(b, "rev %u.%u, revision 0x%02x, stepping 0x%02x",
		     (r >> 20) & 0xf, (r >> 16) & 0xf, (r >> 8) & 0xff,
		     r & 0xff);
		break;
	case 0x04:
		bput(b, "start nid 0x%02x, %u nodes", (r >> 16) & 0xff,
		     r & 0xff);
		break;
	case 0x05:
		bput(b, "%s%s",
		     (r & 0xff) == 1   ? "audio function group"
		     : (r & 0xff) == 2 ? "modem function group"
				       : "function group type ?",
		     (r & 0x100) ? ", unsol capable" : "");
		if ((r & 0xff) != 1 && (r & 0xff) != 2)
			bput(b, " (0x%02x)", r & 0xff);
		break;
	case 0x08:
		bput(b, "out delay %u, in delay %u%s", r & 0xf, (r >> 8) & 0xf,
		     (r & 0x10000) ? ", beep" : "");
		break;
	case 0x09: {
		const char *t = wid_types[(r >> 20) & 0xf];

		if (t)
			bput(b, "%s: ", t);
		else
			bput(b, "type 0x%x: ", (r >> 20) & 0xf);
		bits(b, r & 0x1fff, wcap_bits, 13);
		bput(b, ", %u ch, delay %u",
		     ((((r >> 13) & 7) << 1) | (r & 1)) + 1, (r >> 16) & 0xf);
		break;
	}
	case 0x0a:
		bcat(b, "rates ");
		bits(b, r & 0xfff, rates, 12);
		bput(b, "; bits");
		if (r & (1u << 16)) bput(b, " 8");
		if (r & (1u << 17)) bput(b, " 16");
		if (r & (1u << 18)) bput(b, " 20");
		if (r & (1u << 19)) bput(b, " 24");
		if (r & (1u << 20)) bput(b, " 32");
		break;
	case 0x0b: {
		static const char *const s[3] = { "PCM", "float32", "AC3" };

		bits(b, r & 7, s, 3);
		break;
	}
	case 0x0c:
		bits(b, r & 0x0bff00ff, pincap_bits, 28);
		if ((r >> 8) & 0x37) {
			bcat(b, ", vref ");
			bits(b, (r >> 8) & 0x37, vref_bits, 6);
		}
		break;
	case 0x0d:
	case 0x12:
		ampcap(b, r);
		break;
	case 0x0e:
		bput(b, "%u entries, %s form", r & 0x7f,
		     (r & 0x80) ? "long" : "short");
		break;
	case 0x0f:
		bits(b, r, pwr_bits, 32);
		break;
	case 0x10:
		bput(b, "%u coefficients%s", (r >> 8) & 0xff,
		     (r & 1) ? ", benign" : "");
		break;
	case 0x11:
		bput(b, "%u GPIO, %u GPO, %u GPI%s%s", r & 0xff,
		     (r >> 8) & 0xff, (r >> 16) & 0xff,
		     (r & (1u << 30)) ? ", unsol" : "",
		     (r & (1u << 31)) ? ", wake" : "");
		break;
	case 0x13:
		bput(b, "%u steps%s", r & 0x7f, (r & 0x80) ? ", delta" : "");
		break;
	case 0x15:
		bput(b, "%u devices", r & 0x3f);
		break;
	default:
		bput(b, "0x%08x", r);
		break;
	}
}

static void pinctl(struct buf *b, unsigned v)
{
	static const char *const vref[8] = { "hiz", "50%", "grd", "3?",
					     "80%", "100%", "6?", "7?" };

	bput(b, "%s%s%s", (v & 0x80) ? "HP " : "", (v & 0x40) ? "OUT " : "",
	     (v & 0x20) ? "IN " : "");
	bput(b, "vref %s", vref[v & 7]);
}

static void power(struct buf *b, uint32_t r, bool response)
{
	static const char *const d[5] = { "D0", "D1", "D2", "D3", "D3cold" };
	unsigned set = r & 0xf, act = (r >> 4) & 0xf;

	if (!response) {
		bput(b, "%s", set < 5 ? d[set] : "D?");
		return;
	}
	bput(b, "set %s, actual %s%s%s%s", set < 5 ? d[set] : "D?",
	     act < 5 ? d[act] : "D?", (r & 0x100) ? ", error" : "",
	     (r & 0x200) ? ", clkstop-ok" : "",
	     (r & 0x400) ? ", setting-reset" : "");
}

static void amp(struct buf *b, const struct hda_cmd *c, const struct
		hda_exchange *x)
{
	unsigned p = c->payload;

	if (!c->get) {
		bput(b, "%s%s%s%s idx %u, %sgain %u",
		     (p & 0x8000) ? "out" : "", (p & 0xc000) == 0xc000 ? "+" : "",
		     (p & 0x4000) ? "in" : "",
		     (p & 0x2000) && (p & 0x1000) ? " L+R"
		     : (p & 0x2000)		  ? " L"
		     : (p & 0x1000)		  ? " R"
						  : " none",
		     (p >> 8) & 0xf, (p & 0x80) ? "mute, " : "", p & 0x7f);
		return;
	}
	bput(b, "%s %s idx %u", (p & 0x8000) ? "out" : "in",
	     (p & 0x2000) ? "L" : "R", p & 0xf);
	if (x->has_response)
		bput(b, " -> %sgain %u", (x->response & 0x80) ? "mute, " : "",
		     x->response & 0x7f);
}

/* Meaning of a command and (when present) its response. */
static void meaning(struct hda_decoder *d, const struct hda_exchange *x,
		    struct hda_decoded *o, struct buf *b)
{
	const struct hda_cmd *c = &o->cmd;
	unsigned p = c->payload;
	uint32_t r = x->response;
	bool hr = x->has_response;
	struct coef_state *cs = &d->coef[c->codec][c->nid];

	switch (c->verb) {
	case 0xf00: {
		const char *n = hda_param_name(p);

		if (n)
			bput(b, "%s", n);
		else
			bput(b, "param 0x%02x", p);
		if (hr) {
			bcat(b, ": ");
			param(b, p, r);
		}
		return;
	}
	case 0x200:
		stream_format(b, p);
		return;
	case 0xa00:
		if (hr)
			stream_format(b, r & 0xffff);
		return;
	case 0x300:
	case 0xb00:
		amp(b, c, x);
		return;
	case 0x500:
		cs->index = (uint16_t)p;
		cs->step = 0;
		cs->known = 1;
		bput(b, "index 0x%02x", p);
		return;
	case 0xd00:
		if (hr)
			bput(b, "-> index 0x%02x", r & 0xffff);
		return;
	case 0x400:
	case 0xc00:
		o->coef = true;
		o->coef_known = cs->known;
		o->coef_index = cs->index;
		o->coef_step = cs->step;
		o->coef_value = c->verb == 0x400 ? p : (r & 0xffff);
		if (cs->known && cs->step)
			bput(b, "coef[0x%02x+%u]", cs->index, cs->step);
		else if (cs->known)
			bput(b, "coef[0x%02x]", cs->index);
		else
			bput(b, "coef[?]");
		if (c->verb == 0x400)
			bput(b, " = 0x%04x", p);
		else if (hr)
			bput(b, " -> 0x%04x", r & 0xffff);
		else
			bput(b, " -> ?");
		if (cs->known && cs->step < 0xffff)
			cs->step++;
		return;
	case 0x701:
		bput(b, "input %u", p);
		return;
	case 0xf01:
		if (hr)
			bput(b, "-> input %u", r & 0xff);
		return;
	case 0xf02:
		bput(b, "offset %u", p);
		if (hr)
			bput(b, " -> 0x%02x 0x%02x 0x%02x 0x%02x (short form)",
			     r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff,
			     r >> 24);
		return;
	case 0x703:
		bput(b, "%s", p == 0 ? "off" : p == 1 ? "on" : p == 2 ? "benign"
							  : "?");
		return;
	case 0x704:
		bput(b, "SDI %u", p & 0xf);
		return;
	case 0x705:
		power(b, p, false);
		return;
	case 0xf05:
		if (hr)
			power(b, r, true);
		return;
	case 0x706:
		if ((p >> 4) == 0)
			bput(b, "stream 0 (stop), channel %u", p & 0xf);
		else
			bput(b, "stream %u, channel %u", p >> 4, p & 0xf);
		return;
	case 0xf06:
		if (hr)
			bput(b, "-> stream %u, channel %u", (r >> 4) & 0xf,
			     r & 0xf);
		return;
	case 0x707:
		pinctl(b, p);
		return;
	case 0xf07:
		if (hr)
			pinctl(b, r & 0xff);
		return;
	case 0x708:
		if (p & 0x80)
			bput(b, "enable, tag 0x%02x", p & 0x3f);
		else
			bcat(b, "disable");
		return;
	case 0xf08:
		if (hr)
			bput(b, "%s, tag 0x%02x",
			     (r & 0x80) ? "enabled" : "disabled", r & 0x3f);
		return;
	case 0x709:
		bput(b, "execute sense%s", (p & 1) ? " (right)" : "");
		return;
	case 0xf09:
		if (hr)
			bput(b, "%s%s, impedance 0x%x",
			     (r & 0x80000000u) ? "present" : "absent",
			     (r & 0x40000000u) ? ", ELD valid" : "",
			     r & 0x3fffffff);
		return;
	case 0x70c:
	case 0xf0c: {
		static const char *const e[3] = { "BTL", "EAPD", "lr-swap" };

		if (c->verb == 0x70c) {
			bits(b, p & 7, e, 3);
		} else if (hr) {
			bits(b, r & 7, e, 3);
		}
		return;
	}
	case 0x70d:
	case 0xf0d: {
		static const char *const e[8] = { "EN", "V", "VCFG", "PRE",
						  "COPY", "NONAUDIO", "PRO",
						  "L" };

		if (c->verb == 0x70d)
			bits(b, p, e, 8);
		else if (hr)
			bits(b, r & 0xff, e, 8);
		return;
	}
	case 0x70e:
		bput(b, "category 0x%02x", p & 0x7f);
		return;
	case 0x73e:
		bput(b, "ICT 0x%x%s", p & 0xf, (p & 0x80) ? ", KAE" : "");
		return;
	case 0x71c: case 0x71d: case 0x71e: case 0x71f:
		bput(b, "byte %u = 0x%02x: ", c->verb - 0x71c, p);
		pincfg_byte(b, c->verb - 0x71c, p);
		return;
	case 0xf1c:
		if (hr) {
			bput(b, "0x%08x: ", r);
			pincfg(b, r);
		}
		return;
	case 0x720: case 0x721: case 0x722: case 0x723:
		bput(b, "byte %u = 0x%02x", c->verb - 0x720, p);
		return;
	case 0xf20:
		if (hr)
			bput(b, "subsystem 0x%08x", r);
		return;
	case 0x715: case 0x716: case 0x717: case 0x718: case 0x719:
	case 0x71a:
		bput(b, "gpio 0x%02x", p);
		return;
	case 0x7ff:
		bcat(b, "function reset");
		return;
	}
	/* Everything else: the raw payload and response. */
	if (!c->get && !hda_verb_name(c->verb))
		bput(b, "payload 0x%0*x", c->four_bit ? 4 : 2, p);
	else if (c->get && hr)
		bput(b, "-> 0x%08x", r);
}

void hda_decode(struct hda_decoder *d, const struct hda_exchange *x,
		struct hda_decoded *o)
{
	struct buf b;

	/* everything but the meaning buffer, which only needs its NUL */
	memset(o, 0, offsetof(struct hda_decoded, meaning));
	o->meaning[0] = '\0';
	memset((char *)o + offsetof(struct hda_decoded, meaning) +
		       sizeof(o->meaning), 0,
	       sizeof(*o) - offsetof(struct hda_decoded, meaning) -
		       sizeof(o->meaning));
	b.p = o->meaning;
	b.len = sizeof(o->meaning);
	b.n = 0;
	if (!x->has_verb) {
		uint32_t r = x->response;

		o->name = "UNSOLICITED";
		bput(&b, "codec %u: tag 0x%02x, subtag 0x%02x, data 0x%06x",
		     x->response_ex & 0xf, r >> 26, (r >> 21) & 0x1f,
		     r & 0x1fffff);
		return;
	}
	hda_cmd_split(x->verb, &o->cmd);
	o->name = hda_verb_name(o->cmd.verb);
	if (!o->name)
		o->name = o->cmd.get ? "VENDOR_GET" : "VENDOR_VERB";
	meaning(d, x, o, &b);
	if (o->cmd.nid_bit27)
		bput(&b, "%s(bit 27 set: indirect NID)", b.n ? " " : "");
}

int hda_decoder_new(struct hda_decoder **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return mw_err(-ENOMEM, "out of memory");
	return 0;
}

void hda_decoder_free(struct hda_decoder *d)
{
	free(d);
}

void hda_decoder_reset(struct hda_decoder *d)
{
	memset(d, 0, sizeof(*d));
}
