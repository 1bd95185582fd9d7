/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hda_import.c - libFuzzer target for the HDA importers: legacy
 * frame bytes (all-corb/all-rirb concatenations), kernel tracepoint text,
 * hda-verb lines and JSON lines; every exchange they produce is decoded
 * and written in every output format.
 *
 * Input: byte 0 picks the importer
 *   0  frames: byte 1 bit 0 = with RIRB, bit 1 = lengths as given (else
 *      rounded to whole frames); the rest is CORB frames then RIRB frames
 *   1  kernel trace text    2  hda-verb lines    3  JSON lines
 *
 * Invariants (abort on violation): an exchange is a command or an
 * unsolicited response with a response, never both; sequence numbers
 * increase; codec and NID fields stay in range; the importer returns the
 * number of exchanges it delivered or a negative errno with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memwire/core.h"
#include "memwire/hda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
	uint64_t last_seq;
	int n;
	struct hda_writer *w[5];
	struct hda_decoder *d;
};

static int sink(void *arg, const struct hda_exchange *x)
{
	struct check *c = arg;
	struct hda_decoded o;
	int i;

	if (x->has_verb == x->unsolicited)
		abort();
	if (x->unsolicited && !x->has_response)
		abort();
	if (x->seq <= c->last_seq)
		abort();
	c->last_seq = x->seq;
	if (hda_exchange_codec(x) > 15)
		abort();
	hda_decode(c->d, x, &o);
	if (x->has_verb && (o.cmd.nid > 0x7f || o.cmd.verb > 0xfff ||
			    o.cmd.payload > 0xffff))
		abort();
	if (!memchr(o.meaning, 0, sizeof(o.meaning)))
		abort(); /* the meaning must stay NUL-terminated */
	for (i = 0; i < 5; i++)
		if (hda_writer_put(c->w[i], x))
			abort();
	c->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = { 0 };
	FILE *null = fopen("/dev/null", "w");
	int i, ret;

	if (!null || size < 1)
		goto out;
	if (hda_decoder_new(&c.d))
		abort();
	for (i = 0; i < 5; i++)
		if (hda_writer_new((enum hda_format)i, null, NULL, &c.w[i]))
			abort();
	switch (data[0] & 3) {
	case 0: {
		const uint8_t *p = data + 2;
		size_t n = size >= 2 ? size - 2 : 0, k = n / 3072;
		unsigned flags = size >= 2 ? data[1] : 0;

		if (!(flags & 1))
			ret = hda_import_frames("fuzz", p,
						flags & 2 ? n : n / 1024 * 1024,
						NULL, 0, sink, &c);
		else if (flags & 2)
			ret = hda_import_frames("fuzz", p, n / 3, p + n / 3,
						n - n / 3, sink, &c);
		else
			ret = hda_import_frames("fuzz", p, k * 1024,
						p + k * 1024, k * 2048, sink,
						&c);
		break;
	}
	default:
		ret = hda_import_text((enum hda_import_kind)(data[0] & 3),
				      "fuzz", (const char *)data + 1, size - 1,
				      sink, &c);
		break;
	}
	if (ret >= 0 && ret != c.n)
		abort();
	if (ret < 0 && !mw_last_error()[0])
		abort();
	for (i = 0; i < 5; i++)
		if (hda_writer_finish(c.w[i]))
			abort();
out:
	for (i = 0; i < 5; i++)
		hda_writer_free(c.w[i]);
	hda_decoder_free(c.d);
	if (null)
		fclose(null);
	return 0;
}
