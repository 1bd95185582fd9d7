/* SPDX-License-Identifier: MIT */
/*
 * writer.c - exchanges written out: text, JSON lines, an hda-verb script,
 * an snd-hda-intel patch file, a C struct hda_verb table.
 *
 * Text, JSON and hda-verb are streams: one line an exchange, written as it
 * comes, in constant memory (the decoder's table is fixed).  The patch file
 * and the C table are grouped by codec, so they collect until finish().
 *
 * The replay forms use the hda-verb convention (hda.md 2.5): `nid verb
 * param` with a 4-bit verb as ID << 8 and a 16-bit param (0x20 0x500 0x1b
 * is 0x0205001b).  The patch file is hda.md 2.7: a [codec] line "vendor_id
 * subsystem_id address" from the GET_PARAMETER answers seen (0 when none
 * was seen: the kernel then skips that check), [pincfg] from the
 * SET_CONFIG_DEFAULT_BYTES_n writes (on top of the GET_CONFIG_DEFAULT
 * answer when there was one), [verb] for every other SET, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_i.h"
#include "memwire/hda.h"

#define NCODECS 16
#define NNIDS 128

struct wverb {
	uint8_t nid;
	uint16_t verb;
	uint16_t param;
	char *meaning;
};

struct wcodec {
	bool seen, vendor_known, subsys_known;
	uint32_t vendor, subsys;
	struct wverb *v;
	size_t n, cap;
	/* pin configs: value, bytes written, GET answer known */
	uint32_t pincfg[NNIDS];
	uint8_t pin_set[NNIDS];
	bool pin_got[NNIDS];
};

struct hda_writer {
	enum hda_format fmt;
	FILE *out;
	struct hda_decoder *dec;
	char *device;
	char *table;
	bool header_done;
	struct wcodec *codec; /* NCODECS, patch and C only */
};

static const char *const format_names[] = {
	[HDA_FORMAT_TEXT] = "text",   [HDA_FORMAT_JSON] = "json",
	[HDA_FORMAT_HDA_VERB] = "hda-verb", [HDA_FORMAT_PATCH] = "patch",
	[HDA_FORMAT_C] = "c",
};

int hda_format_parse(const char *name, enum hda_format *out)
{
	size_t i, n = strlen(name);
	int match = -1, count = 0;

	for (i = 0; i < MW_ARRAY_SIZE(format_names); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum hda_format)i;
			return 0;
		}
		if (n && !strncmp(name, format_names[i], n)) {
			match = (int)i;
			count++;
		}
	}
	if (count == 1) {
		*out = (enum hda_format)match;
		return 0;
	}
	return mw_err(-EINVAL,
		      "format '%s' is %s (expected text, json, hda-verb, "
		      "patch or c)",
		      name, count > 1 ? "ambiguous" : "unknown");
}

const char *hda_format_name(enum hda_format f)
{
	return (unsigned)f < MW_ARRAY_SIZE(format_names) ? format_names[f]
							  : "?";
}

/* ------------------------------------------------------------ helpers */

static int check_io(struct hda_writer *w)
{
	if (ferror(w->out))
		return mw_err(-EIO, "writing the %s output failed",
			      format_names[w->fmt]);
	return 0;
}

/* A JSON string (the meanings are ASCII; control bytes are escaped). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *path_name(enum hda_path p)
{
	switch (p) {
	case HDA_PATH_CORB:
		return "corb";
	case HDA_PATH_IMMEDIATE:
		return "immediate";
	default:
		return "import";
	}
}

/* The Linux AC_VERB_* name of a SET verb, or NULL (ours for spec rows). */
static const char *linux_name(unsigned verb)
{
	if ((verb >= 0x710 && verb <= 0x714) ||
	    (verb >= 0x720 && verb <= 0x723) || verb == 0x73f)
		return NULL;
	return hda_verb_name(verb);
}

/* --------------------------------------------------------------- text */

static void put_text(struct hda_writer *w, const struct hda_exchange *x,
		     const struct hda_decoded *o)
{
	FILE *f = w->out;
	char t[32], resp[16], pay[16], nid[8];

	if (x->has_time)
		snprintf(t, sizeof(t), "%.6f", x->time);
	else
		snprintf(t, sizeof(t), "-");
	if (x->has_response)
		snprintf(resp, sizeof(resp), "0x%08x", x->response);
	else
		snprintf(resp, sizeof(resp), "-");
	if (x->has_verb) {
		snprintf(pay, sizeof(pay), o->cmd.four_bit ? "0x%04x" : "0x%02x",
			 o->cmd.payload);
		snprintf(nid, sizeof(nid), "0x%02x", o->cmd.nid);
	} else {
		snprintf(pay, sizeof(pay), "-");
		snprintf(nid, sizeof(nid), "-");
	}
	fprintf(f, "%6llu %12s  %2u %4s  %-26s %6s  %10s  %s\n",
		(unsigned long long)x->seq, t, hda_exchange_codec(x), nid,
		o->name, pay, resp, o->meaning);
}

/* ---------------------------------------------------------------- json */

static void put_json(struct hda_writer *w, const struct hda_exchange *x,
		     const struct hda_decoded *o)
{
	FILE *f = w->out;

	fprintf(f, "{\"seq\":%llu,\"time\":", (unsigned long long)x->seq);
	if (x->has_time)
		fprintf(f, "%.6f", x->time);
	else
		fputs("null", f);
	fprintf(f, ",\"codec\":%u,\"nid\":", hda_exchange_codec(x));
	if (x->has_verb)
		fprintf(f, "%u,\"verb\":%u", o->cmd.nid, x->verb);
	else
		fputs("null,\"verb\":null", f);
	if (x->has_response)
		fprintf(f, ",\"response\":%u,\"response_ex\":%u", x->response,
			x->response_ex);
	else
		fputs(",\"response\":null,\"response_ex\":null", f);
	fprintf(f, ",\"unsolicited\":%s,\"path\":\"%s\"",
		x->unsolicited ? "true" : "false", path_name(x->path));
	if (x->path == HDA_PATH_CORB)
		fprintf(f, ",\"corb_index\":%u", x->corb_index);
	if (x->has_verb)
		fprintf(f, ",\"verb_id\":%u,\"payload\":%u,\"get\":%s",
			o->cmd.verb, o->cmd.payload,
			o->cmd.get ? "true" : "false");
	fputs(",\"name\":", f);
	json_str(f, o->name);
	fputs(",\"meaning\":", f);
	json_str(f, o->meaning);
	if (o->coef && o->coef_known)
		fprintf(f, ",\"coef_index\":%u,\"coef_step\":%u", o->coef_index,
			o->coef_step);
	if (o->coef && (o->cmd.verb == 0x400 || x->has_response))
		fprintf(f, ",\"coef_value\":%u", o->coef_value);
	fputs("}\n", f);
}

/* ------------------------------------------------------------ hda-verb */

static void put_hda_verb(struct hda_writer *w, const struct hda_exchange *x,
			 const struct hda_decoded *o)
{
	FILE *f = w->out;
	char dev[64];

	if (!w->header_done) {
		fputs("#!/bin/sh\n"
		      "# The SET verbs of a capture, in order, for hda-verb "
		      "(alsa-tools).\n"
		      "# Written by memwire hda; needs root and "
		      "CONFIG_SND_HDA_HWDEP.\n",
		      f);
		w->header_done = true;
	}
	if (!x->has_verb || o->cmd.get)
		return;
	if (!w->device)
		snprintf(dev, sizeof(dev), "/dev/snd/hwC0D%u", o->cmd.codec);
	fprintf(f, "hda-verb %s 0x%02x 0x%03x 0x%0*x  # %llu %s %s\n",
		w->device ? w->device : dev, o->cmd.nid, o->cmd.verb,
		o->cmd.four_bit ? 4 : 2, o->cmd.payload,
		(unsigned long long)x->seq, o->name, o->meaning);
}

/* -------------------------------------------------- patch and C table */

static int collect(struct hda_writer *w, const struct hda_exchange *x,
		   const struct hda_decoded *o)
{
	const struct hda_cmd *c = &o->cmd;
	struct wcodec *cc;

	if (!x->has_verb)
		return 0;
	cc = &w->codec[c->codec];
	cc->seen = true;
	if (c->get) {
		if (!x->has_response)
			return 0;
		if (c->verb == 0xf00 && c->payload == 0x00 && c->nid == 0) {
			cc->vendor = x->response;
			cc->vendor_known = true;
		} else if ((c->verb == 0xf00 && c->payload == 0x01) ||
			   c->verb == 0xf20) {
			cc->subsys = x->response;
			cc->subsys_known = true;
		} else if (c->verb == 0xf1c && !cc->pin_set[c->nid]) {
			cc->pincfg[c->nid] = x->response;
			cc->pin_got[c->nid] = true;
		}
		return 0;
	}
	if (w->fmt == HDA_FORMAT_PATCH && c->verb >= 0x71c &&
	    c->verb <= 0x71f) {
		unsigned shift = 8 * (c->verb - 0x71c);

		cc->pincfg[c->nid] &= ~(0xffu << shift);
		cc->pincfg[c->nid] |= (uint32_t)c->payload << shift;
		cc->pin_set[c->nid] |= 1u << (c->verb - 0x71c);
		return 0;
	}
	if (cc->n == cc->cap) {
		size_t ncap = cc->cap ? 2 * cc->cap : 64;
		struct wverb *nv = realloc(cc->v, ncap * sizeof(*nv));

		if (!nv)
			return mw_err(-ENOMEM, "out of memory");
		cc->v = nv;
		cc->cap = ncap;
	}
	cc->v[cc->n].nid = (uint8_t)c->nid;
	cc->v[cc->n].verb = (uint16_t)c->verb;
	cc->v[cc->n].param = (uint16_t)c->payload;
	cc->v[cc->n].meaning = NULL;
	if (w->fmt == HDA_FORMAT_C) {
		cc->v[cc->n].meaning = strdup(o->meaning);
		if (!cc->v[cc->n].meaning)
			return mw_err(-ENOMEM, "out of memory");
	}
	cc->n++;
	return 0;
}

static bool codec_has_sets(const struct wcodec *cc)
{
	unsigned n;

	if (cc->n)
		return true;
	for (n = 0; n < NNIDS; n++)
		if (cc->pin_set[n])
			return true;
	return false;
}

static void finish_patch(struct hda_writer *w)
{
	FILE *f = w->out;
	bool any = false, first = true;
	unsigned c, n;
	size_t i;

	for (c = 0; c < NCODECS; c++)
		any |= codec_has_sets(&w->codec[c]);
	for (c = 0; c < NCODECS; c++) {
		struct wcodec *cc = &w->codec[c];
		bool pins = false;

		if (!cc->seen || (any && !codec_has_sets(cc)))
			continue;
		fprintf(f, "%s[codec]\n0x%08x 0x%08x %u\n", first ? "" : "\n",
			cc->vendor_known ? cc->vendor : 0,
			cc->subsys_known ? cc->subsys : 0, c);
		first = false;
		for (n = 0; n < NNIDS; n++) {
			if (!cc->pin_set[n])
				continue;
			if (!pins)
				fputs("\n[pincfg]\n", f);
			pins = true;
			fprintf(f, "0x%02x 0x%08x\n", n, cc->pincfg[n]);
		}
		if (cc->n)
			fputs("\n[verb]\n", f);
		for (i = 0; i < cc->n; i++)
			fprintf(f, "0x%02x 0x%03x 0x%04x\n", cc->v[i].nid,
				cc->v[i].verb, cc->v[i].param);
	}
}

static void finish_c(struct hda_writer *w)
{
	FILE *f = w->out;
	unsigned c, ncodec = 0;
	size_t i;

	for (c = 0; c < NCODECS; c++)
		ncodec += w->codec[c].n > 0;
	fputs("/* The SET verbs of a capture, in order (written by memwire "
	      "hda). */\n",
	      f);
	for (c = 0; c < NCODECS; c++) {
		struct wcodec *cc = &w->codec[c];

		if (!cc->n)
			continue;
		fprintf(f, "\n/* codec %u", c);
		if (cc->vendor_known)
			fprintf(f, ", vendor 0x%08x", cc->vendor);
		if (cc->subsys_known)
			fprintf(f, ", subsystem 0x%08x", cc->subsys);
		if (ncodec > 1)
			fprintf(f, " */\nstatic const struct hda_verb "
				   "%s_codec%u[] = {\n",
				w->table, c);
		else
			fprintf(f, " */\nstatic const struct hda_verb %s[] = "
				   "{\n",
				w->table);
		for (i = 0; i < cc->n; i++) {
			const struct wverb *v = &cc->v[i];
			const char *name = linux_name(v->verb);

			if (name)
				fprintf(f, "\t{ 0x%02x, AC_VERB_%s, 0x%x },", v->nid,
					name, v->param);
			else
				fprintf(f, "\t{ 0x%02x, 0x%03x, 0x%x },", v->nid,
					v->verb, v->param);
			if (v->meaning && v->meaning[0])
				fprintf(f, " /* %s */", v->meaning);
			fputc('\n', f);
		}
		fputs("\t{} /* terminator */\n};\n", f);
	}
}

/* ---------------------------------------------------------------- API */

int hda_writer_new(enum hda_format fmt, FILE *out,
		   const struct hda_writer_opts *opts, struct hda_writer **wp)
{
	struct hda_writer *w;
	int ret;

	if ((unsigned)fmt >= MW_ARRAY_SIZE(format_names))
		return mw_err(-EINVAL, "unknown output format %d", (int)fmt);
	w = calloc(1, sizeof(*w));
	if (!w)
		return mw_err(-ENOMEM, "out of memory");
	w->fmt = fmt;
	w->out = out;
	ret = hda_decoder_new(&w->dec);
	if (ret)
		goto err_free;
	if (opts && opts->device) {
		w->device = strdup(opts->device);
		if (!w->device)
			goto err_nomem;
	}
	w->table = strdup(opts && opts->table_name ? opts->table_name
						   : "memwire_verbs");
	if (!w->table)
		goto err_nomem;
	if (fmt == HDA_FORMAT_PATCH || fmt == HDA_FORMAT_C) {
		w->codec = calloc(NCODECS, sizeof(*w->codec));
		if (!w->codec)
			goto err_nomem;
	}
	*wp = w;
	return 0;

err_nomem:
	ret = mw_err(-ENOMEM, "out of memory");
err_free:
	hda_writer_free(w);
	return ret;
}

int hda_writer_put(struct hda_writer *w, const struct hda_exchange *x)
{
	struct hda_decoded o;
	int ret = 0;

	hda_decode(w->dec, x, &o);
	switch (w->fmt) {
	case HDA_FORMAT_TEXT:
		put_text(w, x, &o);
		break;
	case HDA_FORMAT_JSON:
		put_json(w, x, &o);
		break;
	case HDA_FORMAT_HDA_VERB:
		put_hda_verb(w, x, &o);
		break;
	case HDA_FORMAT_PATCH:
	case HDA_FORMAT_C:
		ret = collect(w, x, &o);
		break;
	}
	return ret ? ret : check_io(w);
}

int hda_writer_finish(struct hda_writer *w)
{
	switch (w->fmt) {
	case HDA_FORMAT_HDA_VERB:
		if (!w->header_done)
			put_hda_verb(w, &(struct hda_exchange){ 0 }, NULL);
		break;
	case HDA_FORMAT_PATCH:
		finish_patch(w);
		break;
	case HDA_FORMAT_C:
		finish_c(w);
		break;
	default:
		break;
	}
	if (fflush(w->out))
		return mw_err(-EIO, "writing the %s output failed",
			      format_names[w->fmt]);
	return check_io(w);
}

void hda_writer_free(struct hda_writer *w)
{
	unsigned c;
	size_t i;

	if (!w)
		return;
	if (w->codec) {
		for (c = 0; c < NCODECS; c++) {
			for (i = 0; i < w->codec[c].n; i++)
				free(w->codec[c].v[i].meaning);
			free(w->codec[c].v);
		}
		free(w->codec);
	}
	hda_decoder_free(w->dec);
	free(w->device);
	free(w->table);
	free(w);
}

int hda_writer_sink(void *arg, const struct hda_exchange *x)
{
	return hda_writer_put(arg, x);
}

/* ---------------------------------------------------------- exchange list */

int hda_exlist_sink(void *arg, const struct hda_exchange *x)
{
	struct hda_exlist *l = arg;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 256;
		struct hda_exchange *nv;

		if (ncap > SIZE_MAX / sizeof(*nv))
			return mw_err(-ENOMEM, "too many exchanges");
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return mw_err(-ENOMEM, "out of memory");
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *x;
	return 0;
}

void hda_exlist_free(struct hda_exlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
