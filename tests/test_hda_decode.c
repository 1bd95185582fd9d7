/* SPDX-License-Identifier: MIT */
/*
 * test_hda_decode.c - the decode half of `memwire hda`: decoder, writers,
 * legacy QemuHDADump files, importers, diff, replay.
 *
 * Expected values come from the reference (hda.md 5.1-5.5 examples and
 * tables, typed here by hand), from the legacy byte layouts (frames are
 * built byte by byte in the test, not with the library's packer), or from
 * golden files under tests/data/hda/golden/ that were checked by hand
 * against those tables.  The CLI runs as a real process ($MEMWIRE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memwire/core.h"
#include "memwire/hda.h"
#include "testutil.h"

static char data_dir[1024];

/*
 * tests/data/hda of the source tree: $MEMWIRE_SRC/tests/data/hda, else
 * next to this file (__FILE__ is absolute, or relative to the build
 * directory, where the compiler ran and where meson runs the tests).
 */
static void find_data_dir(void)
{
	const char *src = getenv("MEMWIRE_SRC");
	const char *slash = strrchr(__FILE__, '/');

	if (src && *src)
		snprintf(data_dir, sizeof(data_dir), "%s/tests/data/hda", src);
	else if (slash)
		snprintf(data_dir, sizeof(data_dir), "%.*s/data/hda",
			 (int)(slash - __FILE__), __FILE__);
	else
		snprintf(data_dir, sizeof(data_dir), "data/hda");
}

static const char *data(const char *name)
{
	static char buf[4][1280];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", data_dir, name);
	return p;
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void decode1(uint32_t verb, bool has_res, uint32_t res,
		    struct hda_decoded *o)
{
	struct hda_decoder *d;
	struct hda_exchange x = { .seq = 1, .has_verb = true, .verb = verb,
				  .has_response = has_res, .response = res };

	assert_int_equal(hda_decoder_new(&d), 0);
	hda_decode(d, &x, o);
	hda_decoder_free(d);
}

static void expect_meaning(uint32_t verb, bool has_res, uint32_t res,
			   const char *name, const char *needle)
{
	struct hda_decoded o;

	decode1(verb, has_res, res, &o);
	if (strcmp(o.name, name) || !strstr(o.meaning, needle))
		fail_msg("0x%08x=0x%08x: got %s '%s', expected %s '...%s...'",
			 verb, res, o.name, o.meaning, name, needle);
}

/* ------------------------------------------------------------ decoder */

/* hda.md 5.1's examples and its 4-bit/12-bit rule */
static void test_split_follows_the_reference_examples(void **state)
{
	static const struct {
		uint32_t w;
		unsigned codec, nid, verb, payload;
		bool four, get;
	} t[] = {
		{ 0x0205001b, 0, 0x20, 0x500, 0x001b, true, false },
		{ 0x02040abc, 0, 0x20, 0x400, 0x0abc, true, false },
		{ 0x00e3a019, 0, 0x0e, 0x300, 0xa019, true, false },
		{ 0x0022abcd, 0, 0x02, 0x200, 0xabcd, true, false },
		{ 0x000a0000, 0, 0x00, 0xa00, 0x0000, true, true },
		{ 0x000d1234, 0, 0x00, 0xd00, 0x1234, true, true },
		{ 0x000f0000, 0, 0x00, 0xf00, 0x00, false, true },
		{ 0x20170740, 2, 0x01, 0x707, 0x40, false, false },
		{ 0xf7f71c10, 15, 0x7f, 0x71c, 0x10, false, false },
		{ 0x00110203, 0, 0x01, 0x102, 0x03, false, false },
		{ 0x000e0000, 0, 0x00, 0xe00, 0x00, false, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hda_cmd c;

		hda_cmd_split(t[i].w, &c);
		if (c.codec != t[i].codec || c.nid != t[i].nid ||
		    c.verb != t[i].verb || c.payload != t[i].payload ||
		    c.four_bit != t[i].four || c.get != t[i].get)
			fail_msg("0x%08x: codec %u nid 0x%x verb 0x%x payload "
				 "0x%x four %d get %d",
				 t[i].w, c.codec, c.nid, c.verb, c.payload,
				 c.four_bit, c.get);
	}
	/* bit 27: the NID stays 7 bits, the flag is reported */
	{
		struct hda_cmd c;
		struct hda_decoded o;

		hda_cmd_split(0x08f00000, &c);
		assert_int_equal(c.nid, 0x0f);
		assert_true(c.nid_bit27);
		decode1(0x08f00000, false, 0, &o);
		assert_non_null(strstr(o.meaning, "bit 27"));
	}
}

/* Every verb of hda.md 5.2 has its Linux name. */
static void test_every_standard_verb_is_named(void **state)
{
	static const struct {
		unsigned verb;
		const char *name;
	} t[] = {
		{ 0xa00, "GET_STREAM_FORMAT" }, { 0x200, "SET_STREAM_FORMAT" },
		{ 0xb00, "GET_AMP_GAIN_MUTE" }, { 0x300, "SET_AMP_GAIN_MUTE" },
		{ 0xc00, "GET_PROC_COEF" },	{ 0x400, "SET_PROC_COEF" },
		{ 0xd00, "GET_COEF_INDEX" },	{ 0x500, "SET_COEF_INDEX" },
		{ 0xf00, "PARAMETERS" },	{ 0xf01, "GET_CONNECT_SEL" },
		{ 0x701, "SET_CONNECT_SEL" },	{ 0xf02, "GET_CONNECT_LIST" },
		{ 0xf03, "GET_PROC_STATE" },	{ 0x703, "SET_PROC_STATE" },
		{ 0xf04, "GET_SDI_SELECT" },	{ 0x704, "SET_SDI_SELECT" },
		{ 0xf05, "GET_POWER_STATE" },	{ 0x705, "SET_POWER_STATE" },
		{ 0xf06, "GET_CONV" },		{ 0x706, "SET_CHANNEL_STREAMID" },
		{ 0xf07, "GET_PIN_WIDGET_CONTROL" },
		{ 0x707, "SET_PIN_WIDGET_CONTROL" },
		{ 0xf08, "GET_UNSOLICITED_RESPONSE" },
		{ 0x708, "SET_UNSOLICITED_ENABLE" },
		{ 0xf09, "GET_PIN_SENSE" },	{ 0x709, "SET_PIN_SENSE" },
		{ 0xf0a, "GET_BEEP_CONTROL" },	{ 0x70a, "SET_BEEP_CONTROL" },
		{ 0xf0c, "GET_EAPD_BTLENABLE" }, { 0x70c, "SET_EAPD_BTLENABLE" },
		{ 0xf0d, "GET_DIGI_CONVERT_1" }, { 0x70d, "SET_DIGI_CONVERT_1" },
		{ 0xf0e, "GET_DIGI_CONVERT_2" }, { 0x70e, "SET_DIGI_CONVERT_2" },
		{ 0x73e, "SET_DIGI_CONVERT_3" }, { 0x73f, "SET_DIGI_CONVERT_4" },
		{ 0xf0f, "GET_VOLUME_KNOB_CONTROL" },
		{ 0x70f, "SET_VOLUME_KNOB_CONTROL" },
		{ 0xf15, "GET_GPIO_DATA" },	{ 0x715, "SET_GPIO_DATA" },
		{ 0xf16, "GET_GPIO_MASK" },	{ 0x716, "SET_GPIO_MASK" },
		{ 0xf17, "GET_GPIO_DIRECTION" }, { 0x717, "SET_GPIO_DIRECTION" },
		{ 0xf18, "GET_GPIO_WAKE_MASK" }, { 0x718, "SET_GPIO_WAKE_MASK" },
		{ 0xf19, "GET_GPIO_UNSOLICITED_RSP_MASK" },
		{ 0x719, "SET_GPIO_UNSOLICITED_RSP_MASK" },
		{ 0xf1a, "GET_GPIO_STICKY_MASK" },
		{ 0x71a, "SET_GPIO_STICKY_MASK" },
		{ 0xf1c, "GET_CONFIG_DEFAULT" },
		{ 0x71c, "SET_CONFIG_DEFAULT_BYTES_0" },
		{ 0x71f, "SET_CONFIG_DEFAULT_BYTES_3" },
		{ 0xf20, "GET_SUBSYSTEM_ID" },	{ 0xf24, "GET_STRIPE_CONTROL" },
		{ 0x724, "SET_STRIPE_CONTROL" }, { 0xf2d, "GET_CVT_CHAN_COUNT" },
		{ 0x72d, "SET_CVT_CHAN_COUNT" }, { 0xf2e, "GET_HDMI_DIP_SIZE" },
		{ 0xf2f, "GET_HDMI_ELDD" },	{ 0xf30, "GET_HDMI_DIP_INDEX" },
		{ 0x730, "SET_HDMI_DIP_INDEX" }, { 0xf31, "GET_HDMI_DIP_DATA" },
		{ 0x731, "SET_HDMI_DIP_DATA" }, { 0xf32, "GET_HDMI_DIP_XMIT" },
		{ 0x732, "SET_HDMI_DIP_XMIT" }, { 0xf33, "GET_HDMI_CP_CTRL" },
		{ 0x733, "SET_HDMI_CP_CTRL" },	{ 0xf34, "GET_HDMI_CHAN_SLOT" },
		{ 0x734, "SET_HDMI_CHAN_SLOT" }, { 0xf35, "GET_DEVICE_SEL" },
		{ 0x735, "SET_DEVICE_SEL" },	{ 0xf36, "GET_DEVICE_LIST" },
		{ 0x788, "SET_EAPD" },		{ 0x7ff, "SET_CODEC_RESET" },
	};
	size_t i;
	unsigned v;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *n = hda_verb_name(t[i].verb);

		if (!n || strcmp(n, t[i].name))
			fail_msg("verb 0x%03x: got %s, expected %s", t[i].verb,
				 n ? n : "NULL", t[i].name);
		assert_int_equal(hda_verb_lookup(t[i].name, &v), 0);
		assert_int_equal(v, t[i].verb);
	}
	assert_int_equal(hda_verb_lookup("ac_verb_set_coef_index", &v), 0);
	assert_int_equal(v, 0x500);
	assert_true(hda_verb_lookup("SET_NOTHING", &v) < 0);
	assert_null(hda_verb_name(0x780));
}

/* hda.md 5.3: GET_PARAMETER answers decoded field by field */
static void test_parameters_decode_their_fields(void **state)
{
	(void)state;
	expect_meaning(0x000f0000, true, 0x10ec0285, "PARAMETERS",
		       "VENDOR_ID: vendor 0x10ec device 0x0285");
	expect_meaning(0x001f0001, true, 0x17aa3818, "PARAMETERS",
		       "SUBSYSTEM_ID: subsystem 0x17aa3818");
	expect_meaning(0x000f0002, true, 0x00100101, "PARAMETERS",
		       "rev 1.0, revision 0x01, stepping 0x01");
	expect_meaning(0x000f0004, true, 0x00020025, "PARAMETERS",
		       "start nid 0x02, 37 nodes");
	expect_meaning(0x001f0005, true, 0x00000101, "PARAMETERS",
		       "audio function group, unsol capable");
	expect_meaning(0x001f0005, true, 0x00000002, "PARAMETERS",
		       "modem function group");
	expect_meaning(0x001f0008, true, 0x00010a0b, "PARAMETERS",
		       "out delay 11, in delay 10, beep");
	/* type 4 pin; stereo, out-amp, amp-ovrd, unsol, conn-list, power */
	expect_meaning(0x014f0009, true, 0x0040058d, "PARAMETERS",
		       "pin: stereo out-amp amp-ovrd unsol conn-list power, "
		       "2 ch");
	expect_meaning(0x002f0009, true, 0x00000611, "PARAMETERS",
		       "audio-out: stereo fmt-ovrd digital power");
	expect_meaning(0x002f000a, true, 0x000e0060, "PARAMETERS",
		       "rates 44.1k 48k; bits 16 20 24");
	expect_meaning(0x002f000b, true, 0x00000005, "PARAMETERS",
		       "STREAM: PCM AC3");
	expect_meaning(0x014f000c, true, 0x0001173c, "PARAMETERS",
		       "presence hp-drv out in eapd, vref hiz 50 grd 80");
	expect_meaning(0x002f0012, true, 0x80034a4a, "PARAMETERS",
		       "AMP_OUT_CAP: offset 74, gain 0..74, step 1.00 dB, "
		       "mute");
	expect_meaning(0x002f000d, true, 0x00270300, "PARAMETERS",
		       "AMP_IN_CAP: offset 0, gain 0..3, step 10.00 dB");
	expect_meaning(0x014f000e, true, 0x00000083, "PARAMETERS",
		       "3 entries, long form");
	expect_meaning(0x001f000f, true, 0xe000000f, "PARAMETERS",
		       "D0 D1 D2 D3 S3D3cold clkstop EPSS");
	expect_meaning(0x020f0010, true, 0x00000801, "PARAMETERS",
		       "8 coefficients, benign");
	expect_meaning(0x001f0011, true, 0x40000003, "PARAMETERS",
		       "3 GPIO, 0 GPO, 0 GPI, unsol");
	expect_meaning(0x001f0099, true, 0x12345678, "PARAMETERS",
		       "param 0x99: 0x12345678");
	/* no response: only the parameter's name */
	expect_meaning(0x000f0000, false, 0, "PARAMETERS", "VENDOR_ID");
}

/* hda.md 5.4: 0x90170110 is an internal speaker, 0x411111f0 unused */
static void test_pin_configs_decode_every_field(void **state)
{
	char buf[256];

	(void)state;
	hda_pincfg_describe(0x90170110, buf, sizeof(buf));
	assert_string_equal(buf, "fixed, internal, speaker, other-analog, "
				 "unknown, misc 0x1 (no presence detect), "
				 "assoc 1 seq 0");
	hda_pincfg_describe(0x411111f0, buf, sizeof(buf));
	assert_string_equal(buf, "none, external rear, speaker, 1/8in, "
				 "black, misc 0x1 (no presence detect), "
				 "assoc 15 seq 0");
	hda_pincfg_describe(0x02214c20, buf, sizeof(buf));
	assert_string_equal(buf, "jack, external front, hp-out, 1/8in, "
				 "green, misc 0xc, assoc 2 seq 0");
	hda_pincfg_describe(0x18560010, buf, sizeof(buf));
	assert_string_equal(buf, "jack, hdmi, digital-other-out, "
				 "other-digital, unknown, misc 0x0, assoc 1 "
				 "seq 0");
	/* GET answer and the four SET bytes */
	expect_meaning(0x014f1c00, true, 0x90170110, "GET_CONFIG_DEFAULT",
		       "0x90170110: fixed, internal, speaker");
	expect_meaning(0x01471c10, false, 0, "SET_CONFIG_DEFAULT_BYTES_0",
		       "byte 0 = 0x10: assoc 1 seq 0");
	expect_meaning(0x01471d01, false, 0, "SET_CONFIG_DEFAULT_BYTES_1",
		       "byte 1 = 0x01: unknown, misc 0x1");
	expect_meaning(0x01471e17, false, 0, "SET_CONFIG_DEFAULT_BYTES_2",
		       "byte 2 = 0x17: speaker, other-analog");
	expect_meaning(0x01471f90, false, 0, "SET_CONFIG_DEFAULT_BYTES_3",
		       "byte 3 = 0x90: fixed, internal");
}

/* hda.md 5.5 and hda-emu's example for 0x00e3a019 */
static void test_amps_streams_and_controls(void **state)
{
	(void)state;
	expect_meaning(0x00e3a019, false, 0, "SET_AMP_GAIN_MUTE",
		       "out L idx 0, gain 25");
	expect_meaning(0x0023f0ff, false, 0, "SET_AMP_GAIN_MUTE",
		       "out+in L+R idx 0, mute, gain 127");
	expect_meaning(0x00435a80, false, 0, "SET_AMP_GAIN_MUTE",
		       "in R idx 10, mute, gain 0");
	expect_meaning(0x002ba000, true, 0x80, "GET_AMP_GAIN_MUTE",
		       "out L idx 0 -> mute, gain 0");
	expect_meaning(0x00220011, false, 0, "SET_STREAM_FORMAT",
		       "PCM 48000 Hz, 16-bit, 2 ch");
	expect_meaning(0x00224031, false, 0, "SET_STREAM_FORMAT",
		       "PCM 44100 Hz, 24-bit, 2 ch");
	/* 48k x2 /1, 32-bit, 8 ch; 44.1k x4 /3; non-PCM */
	expect_meaning(0x00220847, false, 0, "SET_STREAM_FORMAT",
		       "PCM 96000 Hz, 32-bit, 8 ch");
	expect_meaning(0x00225a10, false, 0, "SET_STREAM_FORMAT",
		       "PCM 58800 Hz, 16-bit, 1 ch");
	expect_meaning(0x00228011, false, 0, "SET_STREAM_FORMAT",
		       "non-PCM 48000 Hz");
	expect_meaning(0x00c70102, false, 0, "SET_CONNECT_SEL", "input 2");
	expect_meaning(0x00cf0100, true, 3, "GET_CONNECT_SEL", "-> input 3");
	expect_meaning(0x00270615, false, 0, "SET_CHANNEL_STREAMID",
		       "stream 1, channel 5");
	expect_meaning(0x00270600, false, 0, "SET_CHANNEL_STREAMID",
		       "stream 0 (stop)");
	expect_meaning(0x014707c4, false, 0, "SET_PIN_WIDGET_CONTROL",
		       "HP OUT vref 80%");
	expect_meaning(0x00170503, false, 0, "SET_POWER_STATE", "D3");
	expect_meaning(0x001f0500, true, 0x00000233, "GET_POWER_STATE",
		       "set D3, actual D3, clkstop-ok");
	expect_meaning(0x02170881, false, 0, "SET_UNSOLICITED_ENABLE",
		       "enable, tag 0x01");
	expect_meaning(0x021f0900, true, 0x80000000, "GET_PIN_SENSE",
		       "present");
	expect_meaning(0x01470c02, false, 0, "SET_EAPD_BTLENABLE", "EAPD");
	expect_meaning(0x0017ff00, false, 0, "SET_CODEC_RESET",
		       "function reset");
	expect_meaning(0x02078001, false, 0, "VENDOR_VERB", "payload 0x01");
	expect_meaning(0x020f8001, true, 5, "VENDOR_GET", "-> 0x00000005");
}

/* hda.md 5.2: index then values; state is per codec + NID */
static void test_coefficients_are_tracked_per_codec_and_nid(void **state)
{
	static const struct {
		uint32_t w;
		bool has_res;
		uint32_t res;
		const char *meaning;
	} t[] = {
		{ 0x0204beef, false, 0, "coef[?] = 0xbeef" },
		{ 0x0205001b, false, 0, "index 0x1b" },
		{ 0x02040abc, false, 0, "coef[0x1b] = 0x0abc" },
		{ 0x01950007, false, 0, "index 0x07" },	     /* NID 0x19 */
		{ 0x22050099, false, 0, "index 0x99" },	     /* codec 2 */
		{ 0x02040123, false, 0, "coef[0x1b+1] = 0x0123" },
		{ 0x019c0000, true, 0x4242, "coef[0x07] -> 0x4242" },
		{ 0x220c0000, false, 0, "coef[0x99] -> ?" },
		{ 0x02050026, false, 0, "index 0x26" },
		{ 0x020c0000, true, 0x8000, "coef[0x26] -> 0x8000" },
		{ 0x020d0000, true, 0x27, "-> index 0x27" },
	};
	struct hda_decoder *d;
	size_t i;

	(void)state;
	assert_int_equal(hda_decoder_new(&d), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hda_exchange x = { .seq = i + 1, .has_verb = true,
					  .verb = t[i].w,
					  .has_response = t[i].has_res,
					  .response = t[i].res };
		struct hda_decoded o;

		hda_decode(d, &x, &o);
		if (strcmp(o.meaning, t[i].meaning))
			fail_msg("step %zu (0x%08x): '%s', expected '%s'", i,
				 t[i].w, o.meaning, t[i].meaning);
	}
	hda_decoder_reset(d);
	{
		struct hda_exchange x = { .has_verb = true, .verb = 0x02040001 };
		struct hda_decoded o;

		hda_decode(d, &x, &o);
		assert_string_equal(o.meaning, "coef[?] = 0x0001");
		assert_false(o.coef_known);
	}
	hda_decoder_free(d);
}

static void test_unsolicited_responses_decode_tag(void **state)
{
	struct hda_decoder *d;
	struct hda_exchange x = { .has_response = true, .response = 0x04200005,
				  .response_ex = 0x12, .unsolicited = true };
	struct hda_decoded o;

	(void)state;
	assert_int_equal(hda_decoder_new(&d), 0);
	hda_decode(d, &x, &o);
	assert_string_equal(o.name, "UNSOLICITED");
	assert_string_equal(o.meaning, "codec 2: tag 0x01, subtag 0x01, data "
				       "0x000005");
	assert_int_equal(hda_exchange_codec(&x), 2);
	hda_decoder_free(d);
}

/* The kernel's snd_hdac_make_cmd() limits (hda.md 2.5) */
static void test_cmd_make_checks_like_the_kernel(void **state)
{
	uint32_t w;

	(void)state;
	assert_int_equal(hda_cmd_make(0, 0x20, 0x500, 0x1b, &w), 0);
	assert_int_equal(w, 0x0205001b);
	assert_int_equal(hda_cmd_make(2, 0x20, 0x400, 0xabcd, &w), 0);
	assert_int_equal(w, 0x2204abcd);
	assert_int_equal(hda_cmd_make(0, 0x14, 0x707, 0x40, &w), 0);
	assert_int_equal(w, 0x01470740);
	assert_int_equal(hda_cmd_make(0, 0x80, 0x707, 0, &w), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "nid 0x80"));
	assert_int_equal(hda_cmd_make(0, 1, 0x1000, 0, &w), -EINVAL);
	assert_int_equal(hda_cmd_make(0, 1, 0x500, 0x10000, &w), -EINVAL);
	assert_int_equal(hda_cmd_make(16, 1, 0x500, 0, &w), -EINVAL);
	assert_int_equal(hda_cmd_make(0, 1, 0x707, 0x100, &w), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "overlaps"));
	/* hwdep word: nid << 24 | low 20 bits */
	assert_int_equal(hda_hwdep_word(0x0205001b), 0x2005001b);
	assert_int_equal(hda_hwdep_word(0x31470740), 0x14070740);
}

/* ------------------------------------------------------------ writers */

static int load_jsonl(const char *path, struct hda_exlist *l)
{
	return hda_import_path(HDA_IMPORT_JSON, path, hda_exlist_sink, l);
}

/* Run every exchange of @l through a writer into a memory buffer. */
static char *write_all(enum hda_format fmt, const struct hda_exlist *l,
		       const struct hda_writer_opts *wo)
{
	struct hda_writer *w;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(hda_writer_new(fmt, f, wo, &w), 0);
	for (i = 0; i < l->n; i++)
		assert_int_equal(hda_writer_sink(w, &l->v[i]), 0);
	assert_int_equal(hda_writer_finish(w), 0);
	hda_writer_free(w);
	fclose(f);
	return buf;
}

static void expect_golden(const char *got, const char *golden)
{
	char *want = tu_read_file(data(golden));

	if (strcmp(got, want)) {
		const char *a = got, *b = want;
		int line = 1;

		while (*a && *a == *b) {
			line += *a == '\n';
			a++;
			b++;
		}
		fail_msg("%s differs at line %d:\n got: %.120s\nwant: %.120s",
			 golden, line, a, b);
	}
	free(want);
}

static void test_writers_match_golden_files(void **state)
{
	static const struct {
		enum hda_format fmt;
		const char *golden;
	} t[] = {
		{ HDA_FORMAT_TEXT, "golden/out.txt" },
		{ HDA_FORMAT_JSON, "golden/out.jsonl" },
		{ HDA_FORMAT_HDA_VERB, "golden/out.sh" },
		{ HDA_FORMAT_PATCH, "golden/out.patch" },
		{ HDA_FORMAT_C, "golden/out.c" },
	};
	struct hda_exlist l = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(load_jsonl(data("golden/capture.jsonl"), &l), 34);
	assert_int_equal(l.n, 34);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = write_all(t[i].fmt, &l, NULL);

		expect_golden(got, t[i].golden);
		free(got);
	}
	hda_exlist_free(&l);
}

/* The patch file and the script, checked against hda.md 2.5 and 2.7. */
static void test_patch_and_script_follow_the_formats(void **state)
{
	struct hda_exlist l = { 0 };
	struct hda_writer_opts wo = { .device = "/dev/snd/hwC1D0",
				      .table_name = "s740" };
	char *s;

	(void)state;
	assert_int_equal(load_jsonl(data("golden/capture.jsonl"), &l), 34);
	s = write_all(HDA_FORMAT_PATCH, &l, NULL);
	/* vendor and subsystem from the GET_PARAMETER answers seen */
	assert_true(!strncmp(s, "[codec]\n0x10ec0285 0x17aa3818 0\n", 32));
	/* the four config bytes of NID 0x14 make one pincfg line */
	assert_non_null(strstr(s, "\n[pincfg]\n0x14 0x90170110\n"));
	assert_null(strstr(s, " 0x71c "));
	assert_non_null(strstr(s, "\n[verb]\n0x01 0x705 0x0000\n"));
	assert_non_null(strstr(s, "0x20 0x500 0x0023\n0x20 0x400 0xc203\n"));
	/* GETs are not replayed */
	assert_null(strstr(s, " 0xf00 "));
	free(s);
	s = write_all(HDA_FORMAT_HDA_VERB, &l, &wo);
	assert_non_null(strstr(s, "\nhda-verb /dev/snd/hwC1D0 0x20 0x500 "
				  "0x0023  #"));
	assert_null(strstr(s, "0xf00"));
	free(s);
	s = write_all(HDA_FORMAT_C, &l, &wo);
	assert_non_null(strstr(s, "static const struct hda_verb s740[] = {"));
	assert_non_null(strstr(s, "{ 0x20, AC_VERB_SET_PROC_COEF, 0xc203 },"));
	assert_non_null(strstr(s, "{ 0x20, 0x780, 0x1 },"));
	free(s);
	hda_exlist_free(&l);
}

static void test_json_lines_read_back_identically(void **state)
{
	struct hda_exlist a = { 0 }, b = { 0 };
	char dir[512], path[600];
	char *s, *s2;
	size_t i;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	assert_int_equal(load_jsonl(data("golden/capture.jsonl"), &a), 34);
	s = write_all(HDA_FORMAT_JSON, &a, NULL);
	snprintf(path, sizeof(path), "%s/x.jsonl", dir);
	write_file(path, s, strlen(s));
	assert_int_equal(load_jsonl(path, &b), 34);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.v[i].seq, b.v[i].seq);
		assert_int_equal(a.v[i].has_verb, b.v[i].has_verb);
		assert_int_equal(a.v[i].verb, b.v[i].verb);
		assert_int_equal(a.v[i].has_response, b.v[i].has_response);
		assert_int_equal(a.v[i].response, b.v[i].response);
		assert_int_equal(a.v[i].response_ex, b.v[i].response_ex);
		assert_int_equal(a.v[i].unsolicited, b.v[i].unsolicited);
		assert_true(b.v[i].has_time);
	}
	s2 = write_all(HDA_FORMAT_JSON, &b, NULL);
	assert_string_equal(s, s2);
	free(s);
	free(s2);
	hda_exlist_free(&a);
	hda_exlist_free(&b);
	tu_rmrf(dir);
}

/* Text, JSON and hda-verb stream: memory does not grow with the input. */
static void test_streaming_writers_use_constant_memory(void **state)
{
	static const enum hda_format fmts[] = { HDA_FORMAT_TEXT,
						HDA_FORMAT_JSON,
						HDA_FORMAT_HDA_VERB };
	size_t i, k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct hda_writer *w;
		struct rusage r0, r1;
		FILE *f = fopen("/dev/null", "w");

		assert_non_null(f);
		assert_int_equal(hda_writer_new(fmts[k], f, NULL, &w), 0);
		getrusage(RUSAGE_SELF, &r0);
		for (i = 0; i < 400000; i++) {
			struct hda_exchange x = {
				.seq = i + 1, .has_verb = true,
				.verb = (uint32_t)(0x02040000 | (i & 0xffff)),
				.has_response = true,
			};

			assert_int_equal(hda_writer_put(w, &x), 0);
		}
		getrusage(RUSAGE_SELF, &r1);
		/* 400k exchanges would be >= 16 MB if kept */
		if (r1.ru_maxrss - r0.ru_maxrss > 4096)
			fail_msg("%s writer grew by %ld KiB",
				 hda_format_name(fmts[k]),
				 r1.ru_maxrss - r0.ru_maxrss);
		assert_int_equal(hda_writer_finish(w), 0);
		hda_writer_free(w);
		fclose(f);
	}
}

static void test_format_names_parse(void **state)
{
	enum hda_format f;

	(void)state;
	assert_int_equal(hda_format_parse("hda-verb", &f), 0);
	assert_int_equal(f, HDA_FORMAT_HDA_VERB);
	assert_int_equal(hda_format_parse("pa", &f), 0);
	assert_int_equal(f, HDA_FORMAT_PATCH);
	assert_int_equal(hda_format_parse("c", &f), 0);
	assert_int_equal(f, HDA_FORMAT_C);
	assert_true(hda_format_parse("xml", &f) < 0);
	assert_non_null(strstr(mw_last_error(), "'xml'"));
}

/* ------------------------------------------------------------- legacy */

/* Frames written by hand at the offsets of hda.md 1.6. */
static void make_frame(uint8_t *f, unsigned frame, bool unsol_at_5)
{
	unsigned i;

	memset(f, 0, 4096);
	for (i = 0; i < 256; i++) {
		/* command number n = 256 * frame + i; slot 0 of frame 0 is
		 * stale (0xdeadbeef) */
		uint32_t n = 256 * frame + i;

		put32(f + 4 * i, frame == 0 && i == 0
					 ? 0xdeadbeef
					 : 0x00170700u | (n & 0xff) |
						   ((n >> 8) << 20));
		put32(f + 0x800 + 8 * i, 0x1000 + n);
		put32(f + 0x800 + 8 * i + 4, 0);
	}
	memset(f + 0x400, 0xa5, 0x400); /* guest memory: ignored */
	if (unsol_at_5) {
		/* an unsolicited response took RIRB slot 5: every response
		 * after it shifts by one */
		for (i = 255; i > 5; i--)
			memcpy(f + 0x800 + 8 * i, f + 0x800 + 8 * (i - 1), 8);
		put32(f + 0x800 + 8 * 5, 0x04000000);
		put32(f + 0x800 + 8 * 5 + 4, 0x10);
	}
}

static void test_frame_directories_import_in_ring_order(void **state)
{
	static const char *const names[2][3] = {
		{ "frame00", "frame01", "frame02" },
		{ "frame0000", "frame0001", "frame0002" },
	};
	uint8_t f[4096];
	unsigned g, i;

	(void)state;
	for (g = 0; g < 2; g++) {
		struct hda_exlist l = { 0 };
		char dir[512], path[700];

		tu_tmpdir(dir, sizeof(dir));
		for (i = 0; i < 3; i++) {
			make_frame(f, i, false);
			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[g][i]);
			write_file(path, f, sizeof(f));
		}
		/* the exit frame is ignored, as by ExtractHDADump */
		snprintf(path, sizeof(path), "%s/%s", dir,
			 g ? "exit_frame" : "exit_dump");
		write_file(path, f, sizeof(f));
		assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
						 hda_exlist_sink, &l),
				 3 * 256 - 1);
		for (i = 0; i < l.n; i++) {
			uint32_t n = i + 1; /* command 1 sat in slot 1 */

			if (l.v[i].verb != (0x00170700u | (n & 0xff) |
					    ((n >> 8) << 20)) ||
			    !l.v[i].has_response ||
			    l.v[i].response != 0x1000 + n)
				fail_msg("%s: exchange %u is 0x%08x/0x%x",
					 names[g][0], i, l.v[i].verb,
					 l.v[i].response);
		}
		hda_exlist_free(&l);
		tu_rmrf(dir);
	}
}

static void test_unsolicited_rirb_entries_do_not_shift_pairs(void **state)
{
	struct hda_exlist l = { 0 };
	uint8_t f[4096];
	char dir[512], path[700];
	unsigned i;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	make_frame(f, 0, true);
	snprintf(path, sizeof(path), "%s/frame0000", dir);
	write_file(path, f, sizeof(f));
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
					 hda_exlist_sink, &l),
			 256);
	assert_int_equal(l.n, 256); /* 255 commands + 1 unsolicited */
	for (i = 0; i < l.n; i++) {
		if (i == 4) {
			assert_true(l.v[i].unsolicited);
			assert_false(l.v[i].has_verb);
			assert_int_equal(l.v[i].response, 0x04000000);
			continue;
		}
		{
			uint32_t n = i < 4 ? i + 1 : i;

			assert_true(l.v[i].has_verb);
			assert_int_equal(l.v[i].verb & 0xff, n & 0xff);
			/* the last command's answer was pushed out of the
			 * frame by the unsolicited entry */
			if (n < 255)
				assert_int_equal(l.v[i].response, 0x1000 + n);
			else
				assert_false(l.v[i].has_response);
		}
	}
	hda_exlist_free(&l);
	tu_rmrf(dir);
}

/* Write exchanges as QemuHDADump would have left them; check bytes. */
static void test_legacy_writer_lays_out_frames_byte_exact(void **state)
{
	static const enum hda_legacy_gen gens[] = { HDA_LEGACY_2018,
						    HDA_LEGACY_2021 };
	unsigned g, i;

	(void)state;
	for (g = 0; g < 2; g++) {
		struct hda_legacy_writer *w;
		struct hda_exlist back = { 0 };
		char dir[512], path[700];
		uint8_t *all;
		char name[32];
		struct stat st;
		size_t len;

		tu_tmpdir(dir, sizeof(dir));
		assert_int_equal(hda_legacy_writer_new(dir, gens[g], &w), 0);
		for (i = 1; i <= 600; i++) {
			struct hda_exchange x = {
				.seq = i, .has_verb = true,
				.verb = 0x02040000u | i, .has_response = true,
				.response = 0xabc00000u | i,
				.path = HDA_PATH_CORB, .corb_index = i % 256,
			};

			assert_int_equal(hda_legacy_writer_put(w, &x), 0);
		}
		assert_int_equal(hda_legacy_writer_finish(w), 2);
		hda_legacy_writer_free(w);
		/* frame 1: slot 0 is command 256, slot k is 256 + k */
		hda_legacy_frame_name(gens[g], 1, name, sizeof(name));
		assert_string_equal(name, g ? "frame0001" : "frame01");
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 4096);
		snprintf(path, sizeof(path), "%s/%s", dir,
			 g ? "all-corb-frames" : "allCORBframes");
		all = (uint8_t *)tu_read_file(path);
		assert_int_equal(stat(path, &st), 0);
		len = (size_t)st.st_size;
		assert_int_equal(len, 2 * 1024);
		assert_int_equal(get32(all + 0), 0);	/* stale */
		assert_int_equal(get32(all + 4), 0x02040001);
		assert_int_equal(get32(all + 0x400), 0x02040100);
		assert_int_equal(get32(all + 0x400 + 4 * 255), 0x020401ff);
		free(all);
		snprintf(path, sizeof(path), "%s/%s", dir,
			 g ? "all-rirb-frames" : "allRIRBframes");
		all = (uint8_t *)tu_read_file(path);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 2 * 2048);
		assert_int_equal(get32(all + 8 * 1), 0xabc00001);
		assert_int_equal(get32(all + 8 * 1 + 4), 0);
		assert_int_equal(get32(all + 0x800 + 8 * 7), 0xabc00107);
		free(all);
		/* the partial lap is in the exit frame */
		snprintf(path, sizeof(path), "%s/%s", dir,
			 g ? "exit_frame" : "exit_dump");
		assert_int_equal(stat(path, &st), 0);
		/* and the frames read back as the first 511 exchanges */
		assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
						 hda_exlist_sink, &back),
				 511);
		for (i = 0; i < back.n; i++) {
			assert_int_equal(back.v[i].verb, 0x02040000u | (i + 1));
			assert_int_equal(back.v[i].response,
					 0xabc00000u | (i + 1));
		}
		hda_exlist_free(&back);
		tu_rmrf(dir);
	}
}

/* frameDumpFormatted's exact text, dangling end included (hda.md 1.8) */
static void test_frame_dump_formatted_text_is_exact(void **state)
{
	uint8_t b[32];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	unsigned i;

	(void)state;
	for (i = 0; i < 8; i++)
		put32(b + 4 * i, 0x10000000 + i);
	f = open_memstream(&buf, &len);
	assert_int_equal(hda_legacy_dump_formatted(f, b, sizeof(b)), 0);
	fclose(f);
	assert_string_equal(buf, "0x00000000: 0x10000000 0x10000001 "
				 "0x10000002 0x10000003 \n"
				 "0x00000010: 0x10000004 0x10000005 "
				 "0x10000006 0x10000007 \n"
				 "0x00000020: ");
	free(buf);
}

static void test_bad_frame_files_are_named(void **state)
{
	struct hda_exlist l = { 0 };
	uint8_t f[4096] = { 0 };
	char dir[512], path[700];

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	/* empty directory */
	assert_true(hda_import_path(HDA_IMPORT_FRAMES, dir, hda_exlist_sink,
				    &l) < 0);
	assert_non_null(strstr(mw_last_error(), "no frame files"));
	/* a gap */
	snprintf(path, sizeof(path), "%s/frame0000", dir);
	write_file(path, f, sizeof(f));
	snprintf(path, sizeof(path), "%s/frame0002", dir);
	write_file(path, f, sizeof(f));
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
					 hda_exlist_sink, &l),
			 -ENOENT);
	assert_non_null(strstr(mw_last_error(), "frame 1 is missing"));
	/* the wrong size */
	snprintf(path, sizeof(path), "%s/frame0001", dir);
	write_file(path, f, 4000);
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
					 hda_exlist_sink, &l),
			 -EINVAL);
	assert_non_null(strstr(mw_last_error(), "frame0001: 4000 bytes"));
	/* two names for one frame */
	write_file(path, f, sizeof(f));
	snprintf(path, sizeof(path), "%s/frame01", dir);
	write_file(path, f, sizeof(f));
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
					 hda_exlist_sink, &l),
			 -EINVAL);
	assert_non_null(strstr(mw_last_error(), "are frame 1"));
	unlink(path);
	/* an absurd number */
	snprintf(path, sizeof(path), "%s/frame999999", dir);
	write_file(path, f, sizeof(f));
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, dir,
					 hda_exlist_sink, &l),
			 -EINVAL);
	assert_non_null(strstr(mw_last_error(), "absurd"));
	unlink(path);
	/* a truncated all-corb file */
	snprintf(path, sizeof(path), "%s/all-corb-frames", dir);
	write_file(path, f, 1000);
	assert_int_equal(hda_import_path(HDA_IMPORT_FRAMES, path,
					 hda_exlist_sink, &l),
			 -EINVAL);
	assert_non_null(strstr(mw_last_error(), "1000 bytes of CORB"));
	hda_exlist_free(&l);
	tu_rmrf(dir);
}

/* ----------------------------------------------------------- importers */

static int import_text(enum hda_import_kind k, const char *text,
		       struct hda_exlist *l)
{
	return hda_import_text(k, "t.txt", text, strlen(text), hda_exlist_sink,
			       l);
}

static void test_kernel_trace_pairs_per_codec_in_send_order(void **state)
{
	static const char trace[] =
		"# tracer: nop\n"
		"  kworker/0:1-42 [000] .....  12.000001: hda_send_cmd: "
		"[0000:00:1f.3:0] val=0x000f0000\n"
		"  kworker/0:1-42 [000] .....  12.000002: hda_get_response: "
		"[0000:00:1f.3:0] val=0x10ec0285\n"
		/* a write whose answer nobody asked for */
		"  kworker/0:1-42 [000] .....  12.000003: hda_send_cmd: "
		"[0000:00:1f.3:0] val=0x0205001b\n"
		"  kworker/0:1-42 [000] .....  12.000004: hda_send_cmd: "
		"[0000:00:1f.3:2] val=0x200f0000\n"
		"  kworker/0:1-42 [000] .....  12.000005: hda_send_cmd: "
		"[0000:00:1f.3:0] val=0x02040abc\n"
		"  kworker/0:1-42 [000] .....  12.000006: hda_get_response: "
		"[0000:00:1f.3:2] val=0x80862812\n"
		"  kworker/0:1-42 [000] .....  12.000007: hda_get_response: "
		"[0000:00:1f.3:0] val=0x00000000\n"
		"  irq/30-snd-50 [001] d....  13.500000: hda_unsol_event: "
		"[0000:00:1f.3:0] res=0x04000000, res_ex=0x00000010\n"
		"  kworker/0:1-42 [000] .....  13.600000: other_event: x\n"
		/* the last one never got its answer: the trace ended */
		"  kworker/0:1-42 [000] .....  14.000000: hda_send_cmd: "
		"[0000:00:1f.3:0] val=0x001f0005\n";
	struct hda_exlist l = { 0 };

	(void)state;
	assert_int_equal(import_text(HDA_IMPORT_KERNEL, trace, &l), 6);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[0].verb, 0x000f0000);
	assert_int_equal(l.v[0].response, 0x10ec0285);
	assert_true(l.v[0].has_time);
	assert_true(l.v[0].time > 12.0000005 && l.v[0].time < 12.0000015);
	assert_int_equal(l.v[1].verb, 0x0205001b);
	assert_false(l.v[1].has_response);
	assert_int_equal(l.v[2].verb, 0x200f0000);
	assert_int_equal(l.v[2].response, 0x80862812);
	assert_int_equal(l.v[2].response_ex & 0xf, 2);
	assert_int_equal(l.v[3].verb, 0x02040abc);
	assert_true(l.v[3].has_response);
	assert_true(l.v[4].unsolicited);
	assert_int_equal(l.v[4].response_ex, 0x10);
	assert_int_equal(l.v[5].verb, 0x001f0005);
	assert_false(l.v[5].has_response);
	assert_int_equal(l.v[5].seq, 6);
	hda_exlist_free(&l);
}

/* The guest log from tests/data/hda: 78 sends, 78 responses, in order. */
static void test_kernel_trace_of_a_real_guest(void **state)
{
	struct hda_exlist l = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(hda_import_path(HDA_IMPORT_KERNEL,
					 data("guest-boot.trace"),
					 hda_exlist_sink, &l),
			 78);
	for (i = 0; i < l.n; i++)
		assert_true(l.v[i].has_response);
	/* QEMU's hda-duplex: vendor 0x1af4 device 0x0022 */
	assert_int_equal(l.v[0].verb, 0x000f0000);
	assert_int_equal(l.v[0].response, 0x1af40022);
	hda_exlist_free(&l);
}

static void test_kernel_trace_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} t[] = {
		{ "x 1.0: hda_send_cmd: [0000:00:1f.3:0 val=0x1\n",
		  "t.txt:1: no ']'" },
		{ "\nx 1.0: hda_send_cmd: [0000:00:1f.3:99] val=0x1\n",
		  "t.txt:2: codec address '99'" },
		{ "x 1.0: hda_send_cmd: [0000:00:1f.3:0] val=0x123456789\n",
		  "t.txt:1: expected val=" },
		{ "x 1.0: hda_send_cmd: [0000:00:1f.3:0] val=zz\n",
		  "expected val=" },
		{ "x 1.0: hda_send_cmd: [0000:00:1f.3:1] val=0x000f0000\n",
		  "is for codec 0, the line says codec 1" },
		{ "x: hda_unsol_event: [d:0] res=0x1\n", "res_ex" },
		{ "x: hda_send_cmd: [nocodec] val=0x0\n", "[DEVICE:CODEC]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hda_exlist l = { 0 };

		if (import_text(HDA_IMPORT_KERNEL, t[i].text, &l) >= 0 ||
		    !strstr(mw_last_error(), t[i].needle))
			fail_msg("case %zu: '%s', expected '%s'", i,
				 mw_last_error(), t[i].needle);
		hda_exlist_free(&l);
	}
}

static void test_hda_verb_lines_import(void **state)
{
	static const char script[] =
		"#!/bin/sh\n"
		"set -e\n"
		"sudo hda-verb /dev/snd/hwC0D2 0x20 0x500 0x1b 2>/dev/null\n"
		"hda-verb /dev/snd/hwC0D0 0x20 SET_PROC_COEF 0xabcd # hi\n"
		"/usr/bin/hda-verb -l /dev/snd/hwC0D0 0x01 PARAMETERS "
		"VENDOR_ID\n"
		"nid = 0x1, verb = 0xf00, param = 0x0\n" /* its echo */
		"value = 0x10ec0285\n"
		"sleep 0.1\n"
		"0x14 0x707 0x40\n" /* cleanverbs */
		"nid = 0x14, verb = 0x70c, param = 0x2\n"
		"value = 0x0\n";
	struct hda_exlist l = { 0 };

	(void)state;
	assert_int_equal(import_text(HDA_IMPORT_HDA_VERB, script, &l), 5);
	assert_int_equal(l.v[0].verb, 0x2205001b);
	assert_int_equal(l.v[1].verb, 0x0204abcd);
	assert_int_equal(l.v[2].verb, 0x001f0000);
	assert_true(l.v[2].has_response);
	assert_int_equal(l.v[2].response, 0x10ec0285);
	assert_int_equal(l.v[3].verb, 0x01470740);
	assert_false(l.v[3].has_response);
	assert_int_equal(l.v[4].verb, 0x01470c02);
	assert_true(l.v[4].has_response);
	hda_exlist_free(&l);
}

static void test_hda_verb_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} t[] = {
		{ "hda-verb /dev/snd/hwC0D0 0x20 0x500\n",
		  "t.txt:1: expected hda-verb DEVICE NID VERB PARAM" },
		{ "\nhda-verb /dev/snd/hwC0D0 0x80 0x500 0\n",
		  "t.txt:2: nid 0x80 is above 0x7f" },
		{ "hda-verb /dev/snd/hwC0D0 0x20 SET_NONE 0\n",
		  "verb 'SET_NONE'" },
		{ "hda-verb /dev/snd/hwC0D0 0x20 0x707 0x100\n", "overlaps" },
		{ "hda-verb /dev/snd/hwC0D0 0x20 0x500 0x10000\n",
		  "param '0x10000'" },
		{ "value = 0x1\n", "without a command" },
		{ "0x20 0x500\n", "expected NID VERB PARAM" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hda_exlist l = { 0 };

		if (import_text(HDA_IMPORT_HDA_VERB, t[i].text, &l) >= 0 ||
		    !strstr(mw_last_error(), t[i].needle))
			fail_msg("case %zu: '%s', expected '%s'", i,
				 mw_last_error(), t[i].needle);
		hda_exlist_free(&l);
	}
}

static void test_json_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} t[] = {
		{ "{\"verb\": 1}\nnot json\n", "t.txt:2: not JSON" },
		{ "[1]\n", "not a JSON object" },
		{ "{\"verb\": 4294967296}\n", "\"verb\" = 4294967296 is not" },
		{ "{\"verb\": -1}\n", "\"verb\" = -1" },
		{ "{\"verb\": \"x\"}\n", "\"verb\" is not an integer" },
		{ "{\"response\": 1}\n", "\"verb\" is missing" },
		{ "{\"verb\": 1, \"unsolicited\": true, \"response\": 1}\n",
		  "unsolicited response has a response and no verb" },
		{ "{\"verb\": 1, \"codec\": 3}\n", "\"codec\" differs" },
		{ "{\"verb\": 1, \"seq\": 5}\n{\"verb\": 1, \"seq\": 5}\n",
		  "t.txt:2: \"seq\" does not increase" },
		{ "{\"verb\": 1, \"verb\": 2}\n", "not JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hda_exlist l = { 0 };

		if (import_text(HDA_IMPORT_JSON, t[i].text, &l) >= 0 ||
		    !strstr(mw_last_error(), t[i].needle))
			fail_msg("case %zu: '%s', expected '%s'", i,
				 mw_last_error(), t[i].needle);
		hda_exlist_free(&l);
	}
}

/* ---------------------------------------------------------------- diff */

struct items {
	int n;
	char text[32][128];
	char side[32];
};

static int collect_item(void *arg, const struct hda_diff_item *it)
{
	struct items *s = arg;

	if (s->n < 32) {
		snprintf(s->text[s->n], sizeof(s->text[0]), "%u:%02x %s",
			 it->codec, it->nid, it->text);
		s->side[s->n] = it->side == HDA_DIFF_A ? '-' : '+';
	}
	s->n++;
	return 0;
}

static void set_words(struct hda_exlist *l, const uint32_t *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct hda_exchange x = { .seq = i + 1, .has_verb = true,
					  .verb = w[i] };

		assert_int_equal(hda_exlist_sink(l, &x), 0);
	}
}

static void test_diff_groups_by_nid_and_shows_coefficients(void **state)
{
	/* Windows: amp on NID 0x02, the coefficient mailbox, EAPD */
	static const uint32_t a[] = {
		0x000f0000, 0x0023b057, 0x02050023, 0x0204c203, 0x02040000,
		0x02050026, 0x020c0000, 0x01470c02, 0x01470740,
	};
	/* Linux: the same without the coefficient writes and EAPD, the
	 * amp muted */
	static const uint32_t b[] = {
		0x000f0000, 0x0023b080, 0x02050026, 0x020c0000, 0x01470740,
	};
	struct hda_exlist la = { 0 }, lb = { 0 };
	struct items s = { 0 };

	(void)state;
	set_words(&la, a, sizeof(a) / sizeof(a[0]));
	set_words(&lb, b, sizeof(b) / sizeof(b[0]));
	assert_int_equal(hda_diff(la.v, la.n, lb.v, lb.n, collect_item, &s),
			 5);
	assert_int_equal(s.n, 5);
	/* ascending (codec, NID); inside a group, in order */
	assert_string_equal(s.text[0], "0:02 SET_AMP_GAIN_MUTE 0xb057 (out "
				       "L+R idx 0, gain 87)");
	assert_int_equal(s.side[0], '-');
	assert_string_equal(s.text[1], "0:02 SET_AMP_GAIN_MUTE 0xb080 (out "
				       "L+R idx 0, mute, gain 0)");
	assert_int_equal(s.side[1], '+');
	assert_string_equal(s.text[2], "0:14 SET_EAPD_BTLENABLE 0x02 (EAPD)");
	assert_string_equal(s.text[3], "0:20 coef[0x23] = 0xc203");
	assert_string_equal(s.text[4], "0:20 coef[0x23+1] = 0x0000");
	assert_int_equal(s.side[4], '-');
	/* a capture against itself */
	assert_int_equal(hda_diff(la.v, la.n, la.v, la.n, NULL, NULL), 0);
	hda_exlist_free(&la);
	hda_exlist_free(&lb);
}

static void test_diff_is_order_aware(void **state)
{
	static const uint32_t a[] = { 0x02040001, 0x02040002, 0x02040003 };
	static const uint32_t b[] = { 0x02040002, 0x02040001, 0x02040003 };
	struct hda_exlist la = { 0 }, lb = { 0 };

	(void)state;
	set_words(&la, a, 3);
	set_words(&lb, b, 3);
	/* the same writes, in another order: one moved item, 2 edits */
	assert_int_equal(hda_diff(la.v, la.n, lb.v, lb.n, NULL, NULL), 2);
	hda_exlist_free(&la);
	hda_exlist_free(&lb);
}

/* LCS by dynamic programming, the reference for the Myers edit count */
static int lcs(const uint32_t *a, int n, const uint32_t *b, int m)
{
	static int t[201][201];
	int i, j;

	for (i = 0; i <= n; i++)
		for (j = 0; j <= m; j++)
			t[i][j] = !i || !j ? 0
				  : a[i - 1] == b[j - 1]
					  ? t[i - 1][j - 1] + 1
					  : (t[i - 1][j] > t[i][j - 1]
						     ? t[i - 1][j]
						     : t[i][j - 1]);
	return t[n][m];
}

static void test_diff_edit_script_is_shortest(void **state)
{
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		uint32_t a[200], b[200];
		int n, m, i, want, got;
		struct hda_exlist la = { 0 }, lb = { 0 };

		seed = seed * 1103515245u + 12345u;
		n = (int)((seed >> 16) % 200);
		seed = seed * 1103515245u + 12345u;
		m = (int)((seed >> 16) % 200);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			a[i] = 0x01470700u | ((seed >> 16) % (2 + round % 7));
		}
		for (i = 0; i < m; i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = 0x01470700u | ((seed >> 16) % (2 + round % 7));
		}
		set_words(&la, a, (size_t)n);
		set_words(&lb, b, (size_t)m);
		want = n + m - 2 * lcs(a, n, b, m);
		got = hda_diff(la.v, la.n, lb.v, lb.n, NULL, NULL);
		if (got != want)
			fail_msg("round %d (n %d m %d): %d edits, shortest is "
				 "%d",
				 round, n, m, got, want);
		hda_exlist_free(&la);
		hda_exlist_free(&lb);
	}
}

/* ------------------------------------------------------------- the CLI */

static void test_cli_decode_text_and_json(void **state)
{
	struct tu_cmd r;
	json_t *doc, *a, *o;

	(void)state;
	tu_run_text(&r, TU_ARGV("hda", "decode", "0x001f0005=0x00000101",
				"0x0205001b", "0x02040abc"));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "FUNCTION_TYPE: audio function group, unsol "
			       "capable"),
		 &r);
	TU_CHECK(strstr(r.out, "coef[0x1b] = 0x0abc"), &r);
	TU_CHECK(tu_count_char(r.out, '\n') == 3, &r);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("hda", "decode", "0x001f0005=0x101",
				      "0x00e3a019"));
	a = json_object_get(doc, "commands");
	TU_CHECK(json_array_size(a) == 2, &r);
	o = json_array_get(a, 0);
	TU_CHECK(tu_int_member(o, "verb") == 0x001f0005, &r);
	TU_CHECK(tu_int_member(o, "response") == 0x101, &r);
	TU_CHECK(tu_int_member(o, "nid") == 1, &r);
	TU_CHECK(!strcmp(tu_str_member(o, "name"), "PARAMETERS"), &r);
	o = json_array_get(a, 1);
	TU_CHECK(json_is_null(json_object_get(o, "response")), &r);
	TU_CHECK(tu_int_member(o, "verb_id") == 0x300, &r);
	TU_CHECK(tu_int_member(o, "payload") == 0xa019, &r);
	TU_CHECK(!strcmp(tu_str_member(o, "meaning"), "out L idx 0, gain 25"),
		 &r);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_check_error(TU_ARGV("hda", "decode", "0xzz"), 2, "'0xzz'");
	tu_check_error(TU_ARGV("hda", "decode", "0x100000000"), 2,
		       "wider than 32 bits");
	tu_check_error(TU_ARGV("hda", "decode", "0x1=oops"), 2, "'oops'");
	tu_check_error(TU_ARGV("hda", "decode"), 2, "expected command words");
}

static void test_cli_import_matches_golden_files(void **state)
{
	static const char *const fmts[][2] = {
		{ "text", "golden/out.txt" },	  { "json", "golden/out.jsonl" },
		{ "hda-verb", "golden/out.sh" }, { "patch", "golden/out.patch" },
		{ "c", "golden/out.c" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tu_cmd r;

		tu_run_text(&r, TU_ARGV("hda", "import", "--from", "json",
					data("golden/capture.jsonl"),
					"--format", fmts[i][0]));
		TU_CHECK(r.rc == 0, &r);
		expect_golden(r.out, fmts[i][1]);
		tu_cmd_free(&r);
	}
}

static void test_cli_import_detects_and_writes_legacy(void **state)
{
	struct tu_fixture *f = *state;
	char out[700], leg[700], path[800];
	struct tu_cmd r;
	json_t *doc;
	char *s;

	snprintf(out, sizeof(out), "%s/guest.sh", f->dir);
	snprintf(leg, sizeof(leg), "%s/legacy", f->dir);
	doc = tu_run_json(&r, TU_ARGV("hda", "import",
				      data("guest-boot.trace"), "--format",
				      "hda-verb", "-o", out, "--legacy-dir",
				      leg, "--legacy", "2018"));
	TU_CHECK(tu_int_member(json_object_get(doc, "import"), "exchanges") ==
			 78,
		 &r);
	json_decref(doc);
	tu_cmd_free(&r);
	s = tu_read_file(out);
	assert_non_null(strstr(s, "hda-verb /dev/snd/hwC0D0 0x03 0x707 0x40"));
	free(s);
	snprintf(path, sizeof(path), "%s/exit_dump", leg);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/allCORBframes", leg);
	assert_int_equal(access(path, F_OK), 0);
	tu_check_error(TU_ARGV("hda", "import", "--from", "midi", out), 2,
		       "'midi'");
	tu_check_error(TU_ARGV("hda", "import", "/nonexistent/x"), 1,
		       "/nonexistent/x");
	tu_check_error(TU_ARGV("hda", "import", "--format", "xml",
			       data("guest-boot.trace")),
		       2, "'xml'");
	tu_check_error(TU_ARGV("hda", "import", "--from", "json",
			       data("guest-boot.trace"), "-o", out),
		       1, "guest-boot.trace:1: not JSON");
}

static void test_cli_diff_exit_codes(void **state)
{
	struct tu_fixture *f = *state;
	char a[700], b[700];
	struct tu_cmd r;
	json_t *doc, *g;

	snprintf(a, sizeof(a), "%s/a.sh", f->dir);
	snprintf(b, sizeof(b), "%s/b.sh", f->dir);
	write_file(a, "hda-verb /dev/snd/hwC0D0 0x20 0x500 0x23\n"
		      "hda-verb /dev/snd/hwC0D0 0x20 0x400 0xc203\n"
		      "hda-verb /dev/snd/hwC0D0 0x14 0x707 0x40\n",
		   124);
	write_file(b, "hda-verb /dev/snd/hwC0D0 0x14 0x707 0x40\n", 41);
	tu_run_text(&r, TU_ARGV("hda", "diff", a, a));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "0 SET(s) only in A, 0 only in B"), &r);
	tu_cmd_free(&r);
	tu_run_text(&r, TU_ARGV("hda", "diff", a, b));
	TU_CHECK(r.rc == 1, &r);
	TU_CHECK(strstr(r.out, "codec 0 nid 0x20\n  - coef[0x23] = 0xc203"),
		 &r);
	TU_CHECK(strstr(r.out, "1 SET(s) only in A, 0 only in B"), &r);
	tu_cmd_free(&r);
	doc = tu_run_json_mode(&r, "-j", 1, TU_ARGV("hda", "diff", a, b));
	g = json_array_get(json_object_get(doc, "groups"), 0);
	TU_CHECK(tu_int_member(g, "nid") == 0x20, &r);
	TU_CHECK(!strcmp(tu_str_member(json_array_get(json_object_get(g,
								     "changes"),
						      0),
				       "text"),
			 "coef[0x23] = 0xc203"),
		 &r);
	TU_CHECK(!tu_bool_member(doc, "equal"), &r);
	json_decref(doc);
	tu_cmd_free(&r);
	tu_check_error(TU_ARGV("hda", "diff", a, "/nonexistent"), 2,
		       "/nonexistent");
	tu_check_error(TU_ARGV("hda", "diff", a), 2, "expected two captures");
}

static void test_cli_replay_dry_run_and_device_errors(void **state)
{
	struct tu_fixture *f = *state;
	char in[700], fake[700];
	struct tu_cmd r;
	json_t *doc, *v;

	snprintf(in, sizeof(in), "%s/in.sh", f->dir);
	snprintf(fake, sizeof(fake), "%s/hwC0D0", f->dir);
	write_file(in, "hda-verb /dev/snd/hwC0D0 0x20 0x500 0x23\n"
		       "hda-verb /dev/snd/hwC0D0 0x20 0x400 0xc203\n"
		       "hda-verb /dev/snd/hwC0D2 0x03 0x707 0x40\n"
		       "hda-verb /dev/snd/hwC0D0 0x01 0xf00 0x00\n",
		   164);
	tu_run_text(&r, TU_ARGV("hda", "replay", "--device", "/dev/snd/hwC9D0",
				"--dry-run", in));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "0x02040000") == NULL, &r);
	TU_CHECK(strstr(r.out, "0x0204c203 (hwdep 0x2004c203) SET_PROC_COEF"),
		 &r);
	TU_CHECK(strstr(r.out, "3 verbs would be sent, 1 skipped"), &r);
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("hda", "replay", "--device",
				      "/dev/snd/hwC9D0", "--dry-run",
				      "--sets-only", in));
	v = json_object_get(doc, "verbs");
	TU_CHECK(json_array_size(v) == 2, &r);
	TU_CHECK(tu_int_member(json_array_get(v, 1), "hwdep") == 0x2004c203,
		 &r);
	TU_CHECK(tu_int_member(doc, "skipped") == 2, &r);
	json_decref(doc);
	tu_cmd_free(&r);
	/* no device, a regular file, a character device that is not hwdep */
	tu_check_error(TU_ARGV("hda", "replay", "--device", "/dev/snd/hwC9D0",
			       in),
		       1, "/dev/snd/hwC9D0: No such file or directory");
	write_file(fake, "x", 1);
	tu_check_error(TU_ARGV("hda", "replay", "--device", fake, in), 1,
		       "is not a character device");
	tu_check_error(TU_ARGV("hda", "replay", "--device", "/dev/null",
			       "--codec", "0", in),
		       1, "/dev/null is not an HDA hwdep device");
	tu_check_error(TU_ARGV("hda", "replay", "--device", "/dev/null", in),
		       2, "give --codec N");
	tu_check_error(TU_ARGV("hda", "replay", in), 2, "--device");
	tu_check_error(TU_ARGV("hda", "replay", "--device", "/dev/snd/hwC0D0",
			       "--frobnicate", in),
		       2, "'--frobnicate'");
}

static void test_cli_dump_prints_frame_dump_formatted(void **state)
{
	struct tu_fixture *f = *state;
	char in[700];
	uint8_t b[20];
	struct tu_cmd r;
	unsigned i;

	snprintf(in, sizeof(in), "%s/allCORBframes", f->dir);
	for (i = 0; i < 5; i++)
		put32(b + 4 * i, 0xc0de0000 + i);
	write_file(in, b, sizeof(b));
	tu_run_text(&r, TU_ARGV("hda", "dump", in));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(!strcmp(r.out, "0x00000000: 0xc0de0000 0xc0de0001 0xc0de0002 "
				"0xc0de0003 \n0x00000010: 0xc0de0004 "),
		 &r);
	tu_cmd_free(&r);
}

static void test_cli_help_lists_the_verbs(void **state)
{
	struct tu_cmd r;

	(void)state;
	tu_run_text(&r, TU_ARGV("hda", "help"));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "hda decode"), &r);
	TU_CHECK(strstr(r.out, "hda import"), &r);
	TU_CHECK(strstr(r.out, "hda diff"), &r);
	TU_CHECK(strstr(r.out, "hda replay"), &r);
	TU_CHECK(strstr(r.out, "hda capture"), &r);
	tu_cmd_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
#define C(f) cmocka_unit_test_setup_teardown(f, tu_cli_setup, tu_cli_teardown)
	const struct CMUnitTest tests[] = {
		T(test_split_follows_the_reference_examples),
		T(test_every_standard_verb_is_named),
		T(test_parameters_decode_their_fields),
		T(test_pin_configs_decode_every_field),
		T(test_amps_streams_and_controls),
		T(test_coefficients_are_tracked_per_codec_and_nid),
		T(test_unsolicited_responses_decode_tag),
		T(test_cmd_make_checks_like_the_kernel),
		T(test_writers_match_golden_files),
		T(test_patch_and_script_follow_the_formats),
		T(test_json_lines_read_back_identically),
		T(test_streaming_writers_use_constant_memory),
		T(test_format_names_parse),
		T(test_frame_directories_import_in_ring_order),
		T(test_unsolicited_rirb_entries_do_not_shift_pairs),
		T(test_legacy_writer_lays_out_frames_byte_exact),
		T(test_frame_dump_formatted_text_is_exact),
		T(test_bad_frame_files_are_named),
		T(test_kernel_trace_pairs_per_codec_in_send_order),
		T(test_kernel_trace_of_a_real_guest),
		T(test_kernel_trace_errors_name_the_line),
		T(test_hda_verb_lines_import),
		T(test_hda_verb_errors_name_the_line),
		T(test_json_errors_name_the_line),
		T(test_diff_groups_by_nid_and_shows_coefficients),
		T(test_diff_is_order_aware),
		T(test_diff_edit_script_is_shortest),
		T(test_cli_decode_text_and_json),
		T(test_cli_import_matches_golden_files),
		C(test_cli_import_detects_and_writes_legacy),
		C(test_cli_diff_exit_codes),
		C(test_cli_replay_dry_run_and_device_errors),
		C(test_cli_dump_prints_frame_dump_formatted),
		T(test_cli_help_lists_the_verbs),
	};
#undef T
#undef C
	find_data_dir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
