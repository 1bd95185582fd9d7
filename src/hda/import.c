/* SPDX-License-Identifier: MIT */
/*
 * import.c - exchanges read back from text: the kernel's tracepoints,
 * hda-verb command lines, and our own JSON lines.  (Frame files: legacy.c.)
 *
 * Kernel (hda.md 6): tracefs `trace` / `trace_pipe` lines such as
 *
 *   kworker/0:1-42 [000] .....  12.345678: hda_send_cmd: [0000:00:04.0:0] val=0x000f0000
 *   kworker/0:1-42 [000] .....  12.345690: hda_get_response: [0000:00:04.0:0] val=0x1af40022
 *   irq/30-snd-42  [000] .....  13.000000: hda_unsol_event: [0000:00:04.0:0] res=0x04000000, res_ex=0x00000010
 *
 * Anything before the event name is ignored except the timestamp (the
 * number ending in ':' just before it).  A send pairs with the next
 * get_response of the same controller and codec; a send that none
 * answers (the kernel asked for no response, or the trace ended) has a
 * null response.  Exchanges come out in the order of the sends: the few
 * still waiting sit in a bounded queue, so memory does not grow.
 *
 * hda-verb (hda.md 2.5): `[sudo] hda-verb [-l] /dev/snd/hwC0D0 NID VERB
 * PARAM` with numbers or names, its output lines `nid = 0x.., verb = 0x..,
 * param = 0x..` and `value = 0x..` (the response of the command before),
 * and cleanverbs' bare `NID VERB PARAM` lines.  Other shell lines are
 * skipped; a line that names hda-verb but does not parse is an error.
 *
 * JSON lines: what writer.c writes (at least "verb" and "response").
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/core_i.h"
#include "hda/hda_i.h"
#include "memwire/hda.h"

#define MAX_LINE (64u * 1024)
#define QUEUE 64
#define MAX_DEVS 16

static const char *const kind_names[] = {
	[HDA_IMPORT_FRAMES] = "frames",
	[HDA_IMPORT_KERNEL] = "kernel",
	[HDA_IMPORT_HDA_VERB] = "hda-verb",
	[HDA_IMPORT_JSON] = "json",
};

int hda_import_kind_parse(const char *name, enum hda_import_kind *out)
{
	size_t i;

	for (i = 0; i < MW_ARRAY_SIZE(kind_names); i++) {
		if (!strcmp(name, kind_names[i])) {
			*out = (enum hda_import_kind)i;
			return 0;
		}
	}
	return mw_err(-EINVAL, "input kind '%s' is unknown (expected frames, "
			       "kernel, hda-verb or json)",
		      name);
}

/* -------------------------------------------------------- line reader */

struct reader {
	const char *name;
	unsigned long line;
	hda_sink_fn sink;
	void *arg;
	uint64_t seq;	/* of the last exchange */
	uint64_t count; /* exchanges delivered */
	int (*parse)(struct reader *r, char *s, size_t len);
	int (*end)(struct reader *r);
	void *state;
};

static int emit(struct reader *r, struct hda_exchange *x)
{
	if (!x->seq)
		x->seq = ++r->seq;
	else
		r->seq = x->seq;
	r->count++;
	return r->sink(r->arg, x);
}

static int read_lines(struct reader *r, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&buf, &cap, f)) >= 0) {
		r->line++;
		if ((size_t)n > MAX_LINE) {
			ret = mw_err(-EINVAL, "%s:%lu: line of %zd bytes (at "
					      "most %u)",
				     r->name, r->line, n, MAX_LINE);
			break;
		}
		if (strlen(buf) != (size_t)n) {
			ret = mw_err(-EINVAL, "%s:%lu: NUL byte in a text line",
				     r->name, r->line);
			break;
		}
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		ret = r->parse(r, buf, (size_t)n);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = mw_errno("reading %s", r->name);
	free(buf);
	if (!ret && r->end)
		ret = r->end(r);
	return ret;
}

/* A hex number (with or without 0x) of at most 32 bits at @s. */
static bool hex32(const char *s, char **end, uint32_t *v)
{
	unsigned long long n;
	const char *p = s;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	n = 0;
	while (isxdigit((unsigned char)*p)) {
		if (++digits > 8)
			return false;
		n = n * 16 + (unsigned)(isdigit((unsigned char)*p)
						? *p - '0'
						: (tolower((unsigned char)*p) -
						   'a' + 10));
		p++;
	}
	if (!digits)
		return false;
	*v = (uint32_t)n;
	*end = (char *)p;
	return true;
}

/* ------------------------------------------------------ kernel tracepoints */

struct kslot {
	struct hda_exchange x;
	bool done;
	int dev;
};

struct kstate {
	char devs[MAX_DEVS][64];
	unsigned ndevs;
	struct kslot q[QUEUE];
	uint64_t head, tail; /* absolute indexes into q */
	int64_t waiting[MAX_DEVS][16]; /* absolute index, -1 none */
};

static int kflush(struct reader *r, bool all)
{
	struct kstate *k = r->state;

	while (k->head < k->tail) {
		struct kslot *s = &k->q[k->head % QUEUE];
		int ret;

		if (!s->done && !all)
			break;
		if (!s->done && s->x.has_verb &&
		    k->waiting[s->dev][hda_verb_codec(s->x.verb)] ==
			    (int64_t)k->head)
			k->waiting[s->dev][hda_verb_codec(s->x.verb)] = -1;
		k->head++;
		ret = emit(r, &s->x);
		if (ret)
			return ret;
	}
	return 0;
}

static int kpush(struct reader *r, const struct hda_exchange *x, int dev,
		 bool done)
{
	struct kstate *k = r->state;
	struct kslot *s;
	int ret;

	if (k->tail - k->head == QUEUE) {
		/* The oldest still waits: it will get no answer now. */
		k->q[k->head % QUEUE].done = true;
		ret = kflush(r, false);
		if (ret)
			return ret;
	}
	s = &k->q[k->tail % QUEUE];
	s->x = *x;
	s->done = done;
	s->dev = dev;
	k->tail++;
	return 0;
}

static int kdev(struct reader *r, const char *name, size_t len)
{
	struct kstate *k = r->state;
	unsigned i;

	if (len >= sizeof(k->devs[0]))
		return mw_err(-EINVAL, "%s:%lu: device name of %zu characters",
			      r->name, r->line, len);
	for (i = 0; i < k->ndevs; i++)
		if (strlen(k->devs[i]) == len && !memcmp(k->devs[i], name, len))
			return (int)i;
	if (k->ndevs == MAX_DEVS)
		return mw_err(-EINVAL, "%s:%lu: more than %u controllers",
			      r->name, r->line, MAX_DEVS);
	memcpy(k->devs[k->ndevs], name, len);
	k->devs[k->ndevs][len] = '\0';
	for (i = 0; i < 16; i++)
		k->waiting[k->ndevs][i] = -1;
	return (int)k->ndevs++;
}

static int kparse(struct reader *r, char *s, size_t len)
{
	static const char *const events[] = { "hda_send_cmd: [",
					      "hda_get_response: [",
					      "hda_unsol_event: [" };
	struct kstate *k = r->state;
	struct hda_exchange x;
	char *ev = NULL, *br, *close_, *colon, *p, *end;
	unsigned e, codec;
	unsigned long cv;
	int dev, ret;
	uint32_t v, ex = 0;
	double t = 0;
	bool has_t = false;

	(void)len;
	for (e = 0; e < MW_ARRAY_SIZE(events); e++) {
		ev = strstr(s, events[e]);
		if (ev)
			break;
	}
	if (!ev)
		return 0; /* another event, a header, a comment */
	/* the timestamp: "SECS.USECS:" right before the event */
	p = ev;
	while (p > s && p[-1] == ' ')
		p--;
	if (p > s && p[-1] == ':') {
		char *q = p - 1;

		while (q > s && (isdigit((unsigned char)q[-1]) || q[-1] == '.'))
			q--;
		if (q < p - 1) {
			t = strtod(q, &end);
			has_t = end == p - 1;
		}
	}
	br = ev + strlen(events[e]);
	close_ = strchr(br, ']');
	if (!close_)
		return mw_err(-EINVAL, "%s:%lu: no ']' after '['", r->name,
			      r->line);
	colon = close_;
	while (colon > br && colon[-1] != ':')
		colon--;
	if (colon == br)
		return mw_err(-EINVAL, "%s:%lu: expected [DEVICE:CODEC]",
			      r->name, r->line);
	errno = 0;
	cv = strtoul(colon, &end, 10);
	if (end != close_ || end == colon || errno || cv > 15)
		return mw_err(-EINVAL, "%s:%lu: codec address '%.*s' is not "
				       "0..15",
			      r->name, r->line, (int)(close_ - colon), colon);
	codec = (unsigned)cv;
	dev = kdev(r, br, (size_t)(colon - 1 - br));
	if (dev < 0)
		return dev;
	p = close_ + 1;
	while (*p == ' ')
		p++;
	if (e < 2) {
		if (strncmp(p, "val=", 4) || !hex32(p + 4, &end, &v))
			return mw_err(-EINVAL, "%s:%lu: expected val=0x%%08x "
					       "after the device",
				      r->name, r->line);
	} else {
		if (strncmp(p, "res=", 4) || !hex32(p + 4, &end, &v) ||
		    strncmp(end, ", res_ex=", 9) || !hex32(end + 9, &end, &ex))
			return mw_err(-EINVAL, "%s:%lu: expected res=0x%%08x, "
					       "res_ex=0x%%08x",
				      r->name, r->line);
	}
	memset(&x, 0, sizeof(x));
	x.path = HDA_PATH_IMPORT;
	x.has_time = has_t;
	x.time = t;
	switch (e) {
	case 0: { /* send */
		int64_t *w = &k->waiting[dev][codec];

		if (hda_verb_codec(v) != codec)
			return mw_err(-EINVAL, "%s:%lu: val=0x%08x is for codec "
					       "%u, the line says codec %u",
				      r->name, r->line, v, hda_verb_codec(v),
				      codec);
		if (*w >= 0 && (uint64_t)*w >= k->head)
			k->q[*w % QUEUE].done = true; /* no answer came */
		x.has_verb = true;
		x.verb = v;
		*w = (int64_t)k->tail;
		ret = kpush(r, &x, dev, false);
		return ret ? ret : kflush(r, false);
	}
	case 1: { /* response */
		int64_t *w = &k->waiting[dev][codec];
		struct kslot *sl;

		if (*w < 0 || (uint64_t)*w < k->head) {
			mw_log(MW_LOG_WARN, "%s:%lu: response 0x%08x of codec "
					    "%u without a command, skipped",
			       r->name, r->line, v, codec);
			return 0;
		}
		sl = &k->q[*w % QUEUE];
		sl->x.has_response = true;
		sl->x.response = v;
		sl->x.response_ex = codec;
		sl->done = true;
		*w = -1;
		return kflush(r, false);
	}
	default: /* unsolicited */
		x.has_response = true;
		x.response = v;
		x.response_ex = ex;
		x.unsolicited = true;
		ret = kpush(r, &x, dev, true);
		return ret ? ret : kflush(r, false);
	}
}

static int kend(struct reader *r)
{
	return kflush(r, true);
}

/* ------------------------------------------------------------ hda-verb */

struct vstate {
	struct hda_exchange pending;
	bool has_pending;
	bool from_command; /* pending came from an hda-verb command line */
};

static int vflush(struct reader *r)
{
	struct vstate *v = r->state;

	if (!v->has_pending)
		return 0;
	v->has_pending = false;
	return emit(r, &v->pending);
}

/* A number (strtoul base 0, like hda-verb) or NULL. */
static bool vnum(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return !*end && !errno && *out <= max;
}

static int vcommand(struct reader *r, unsigned codec, const char *nid_s,
		    const char *verb_s, const char *param_s, bool from_command)
{
	struct vstate *v = r->state;
	unsigned long nid, verb, param;
	unsigned uv;
	uint32_t word;
	int ret;

	if (!vnum(nid_s, 0xff, &nid))
		return mw_err(-EINVAL, "%s:%lu: nid '%s' is not a number in "
				       "0..0x7f",
			      r->name, r->line, nid_s);
	if (!vnum(verb_s, 0xfff, &verb)) {
		if (hda_verb_lookup(verb_s, &uv))
			return mw_err(-EINVAL, "%s:%lu: verb '%s' is neither "
					       "a number in 0..0xfff nor a "
					       "verb name",
				      r->name, r->line, verb_s);
		verb = uv;
	}
	if (!vnum(param_s, 0xffff, &param)) {
		unsigned id;
		bool found = false;

		for (id = 0; verb == 0xf00 && id < 0x21; id++) {
			const char *n = hda_param_name(id);

			if (n && !strcasecmp(n, param_s)) {
				found = true;
				break;
			}
		}
		if (!found)
			return mw_err(-EINVAL, "%s:%lu: param '%s' is not a "
					       "number in 0..0xffff",
				      r->name, r->line, param_s);
		param = id;
	}
	ret = hda_cmd_make(codec, (unsigned)nid, (unsigned)verb,
			   (unsigned)param, &word);
	if (ret)
		return mw_err(ret, "%s:%lu: %s", r->name, r->line,
			      mw_last_error());
	/* hda-verb's stderr echo of the command line just before */
	if (!from_command && v->has_pending && v->from_command &&
	    !v->pending.has_response && v->pending.verb == word)
		return 0;
	ret = vflush(r);
	if (ret)
		return ret;
	memset(&v->pending, 0, sizeof(v->pending));
	v->pending.has_verb = true;
	v->pending.verb = word;
	v->pending.path = HDA_PATH_IMPORT;
	v->has_pending = true;
	v->from_command = from_command;
	return 0;
}

#define MAX_TOK 16

static int vparse(struct reader *r, char *s, size_t len)
{
	struct vstate *v = r->state;
	char *tok[MAX_TOK], *save = NULL, *t, *hash;
	unsigned n = 0, i, card, codec = 0;
	unsigned long res;

	(void)len;
	hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	/* hda-verb's own output */
	if (!strncmp(s, "value = ", 8)) {
		if (!vnum(s + 8, 0xffffffffu, &res))
			return mw_err(-EINVAL, "%s:%lu: expected 'value = "
					       "0x...'",
				      r->name, r->line);
		if (!v->has_pending || v->pending.has_response)
			return mw_err(-EINVAL, "%s:%lu: 'value =' without a "
					       "command before it",
				      r->name, r->line);
		v->pending.has_response = true;
		v->pending.response = (uint32_t)res;
		v->pending.response_ex = hda_verb_codec(v->pending.verb);
		return 0;
	}
	if (!strncmp(s, "nid = ", 6)) {
		char a[24], b[24], c[24];

		if (sscanf(s, "nid = %23[^,], verb = %23[^,], param = %23s", a,
			   b, c) != 3)
			return mw_err(-EINVAL, "%s:%lu: expected 'nid = N, "
					       "verb = V, param = P'",
				      r->name, r->line);
		return vcommand(r, v->has_pending
					   ? hda_verb_codec(v->pending.verb)
					   : 0,
				a, b, c, false);
	}
	for (t = strtok_r(s, " \t", &save); t && n < MAX_TOK;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		size_t l = strlen(tok[i]);

		if (l >= 8 && !strcmp(tok[i] + l - 8, "hda-verb"))
			break;
	}
	if (i < n) {
		const char *dev, *base;

		i++;
		while (i < n && tok[i][0] == '-')
			i++; /* -l, -L */
		if (n - i < 4)
			return mw_err(-EINVAL, "%s:%lu: expected hda-verb "
					       "DEVICE NID VERB PARAM",
				      r->name, r->line);
		dev = tok[i];
		base = strrchr(dev, '/');
		base = base ? base + 1 : dev;
		if (hda_device_parse(dev, &card, &codec)) {
			mw_clear_error();
			mw_log(MW_LOG_DEBUG, "%s:%lu: device %s has no codec "
					     "address; codec 0",
			       r->name, r->line, base);
			codec = 0;
		}
		/* "PARAMETERS VENDOR_ID" is two words: verb and param */
		return vcommand(r, codec, tok[i + 1], tok[i + 2], tok[i + 3],
				true);
	}
	if (isdigit((unsigned char)tok[0][0])) {
		if (n != 3)
			return mw_err(-EINVAL, "%s:%lu: expected NID VERB PARAM",
				      r->name, r->line);
		return vcommand(r, 0, tok[0], tok[1], tok[2], true);
	}
	return 0; /* other shell: shebang, set, sleep, echo */
}

static int vend(struct reader *r)
{
	return vflush(r);
}

/* ---------------------------------------------------------- JSON lines */

static int jerr(struct reader *r, const char *key, const char *what)
{
	return mw_err(-EINVAL, "%s:%lu: \"%s\" %s", r->name, r->line, key,
		      what);
}

/* An integer member in 0..@max, absent (false), or null (false). */
static int jint(struct reader *r, json_t *o, const char *key, uint64_t max,
		bool *has, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t n;

	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return jerr(r, key, "is not an integer");
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max) {
		char what[64];

		snprintf(what, sizeof(what), "= %lld is not in 0..%llu",
			 (long long)n, (unsigned long long)max);
		return jerr(r, key, what);
	}
	*has = true;
	*out = (uint64_t)n;
	return 0;
}

static int jparse(struct reader *r, char *s, size_t len)
{
	struct hda_exchange x;
	json_error_t je;
	json_t *o, *v;
	uint64_t n;
	bool has;
	int ret;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (!len)
		return 0;
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return mw_err(-EINVAL, "%s:%lu: not JSON: %s", r->name, r->line,
			      je.text);
	memset(&x, 0, sizeof(x));
	x.path = HDA_PATH_IMPORT;
	if (!json_is_object(o)) {
		ret = mw_err(-EINVAL, "%s:%lu: not a JSON object", r->name,
			     r->line);
		goto out;
	}
	if ((ret = jint(r, o, "verb", 0xffffffffu, &has, &n)))
		goto out;
	x.has_verb = has;
	x.verb = (uint32_t)n;
	if ((ret = jint(r, o, "response", 0xffffffffu, &has, &n)))
		goto out;
	x.has_response = has;
	x.response = (uint32_t)n;
	if ((ret = jint(r, o, "response_ex", 0xffffffffu, &has, &n)))
		goto out;
	x.response_ex = has ? (uint32_t)n
			    : (x.has_verb ? hda_verb_codec(x.verb) : 0);
	v = json_object_get(o, "unsolicited");
	if (v && !json_is_boolean(v)) {
		ret = jerr(r, "unsolicited", "is not true or false");
		goto out;
	}
	x.unsolicited = v && json_is_true(v);
	if ((ret = jint(r, o, "codec", 15, &has, &n)))
		goto out;
	if (has && x.has_verb && n != hda_verb_codec(x.verb)) {
		ret = jerr(r, "codec", "differs from the verb's codec");
		goto out;
	}
	if (has && !x.has_verb && !json_object_get(o, "response_ex"))
		x.response_ex = (uint32_t)n | (x.unsolicited ? 0x10 : 0);
	if (x.unsolicited && (x.has_verb || !x.has_response)) {
		ret = mw_err(-EINVAL, "%s:%lu: an unsolicited response has a "
				      "response and no verb",
			     r->name, r->line);
		goto out;
	}
	if (!x.unsolicited && !x.has_verb) {
		ret = mw_err(-EINVAL, "%s:%lu: \"verb\" is missing (only an "
				      "unsolicited response has none)",
			     r->name, r->line);
		goto out;
	}
	if ((ret = jint(r, o, "seq", UINT64_MAX >> 1, &has, &n)))
		goto out;
	if (has && n <= r->seq) {
		ret = jerr(r, "seq", "does not increase");
		goto out;
	}
	x.seq = has ? n : 0;
	v = json_object_get(o, "time");
	if (v && json_is_number(v)) {
		x.has_time = true;
		x.time = json_number_value(v);
	} else if (v && !json_is_null(v)) {
		ret = jerr(r, "time", "is not a number");
		goto out;
	}
	v = json_object_get(o, "path");
	if (v && json_is_string(v) && !strcmp(json_string_value(v), "corb")) {
		if ((ret = jint(r, o, "corb_index", 255, &has, &n)))
			goto out;
		if (has) {
			x.path = HDA_PATH_CORB;
			x.corb_index = (uint32_t)n;
		}
	} else if (v && json_is_string(v) &&
		   !strcmp(json_string_value(v), "immediate")) {
		x.path = HDA_PATH_IMMEDIATE;
	}
	ret = emit(r, &x);
out:
	json_decref(o);
	return ret;
}

/* --------------------------------------------------------------- entry */

static int import_stream(enum hda_import_kind kind, FILE *f, const char *name,
			 hda_sink_fn sink, void *arg)
{
	struct reader r = { .name = name, .sink = sink, .arg = arg };
	struct kstate *ks = NULL;
	struct vstate vs;
	int ret;

	switch (kind) {
	case HDA_IMPORT_KERNEL:
		ks = calloc(1, sizeof(*ks));
		if (!ks)
			return mw_err(-ENOMEM, "out of memory");
		r.state = ks;
		r.parse = kparse;
		r.end = kend;
		break;
	case HDA_IMPORT_HDA_VERB:
		memset(&vs, 0, sizeof(vs));
		r.state = &vs;
		r.parse = vparse;
		r.end = vend;
		break;
	case HDA_IMPORT_JSON:
		r.parse = jparse;
		break;
	default:
		return mw_err(-EINVAL, "%s: frames are not a text input", name);
	}
	ret = read_lines(&r, f);
	free(ks);
	if (ret)
		return ret;
	return r.count > INT_MAX ? INT_MAX : (int)r.count;
}

int hda_import_text(enum hda_import_kind kind, const char *name,
		    const char *buf, size_t len, hda_sink_fn sink, void *arg)
{
	FILE *f;
	int ret;

	if (!len)
		return 0;
	f = fmemopen((void *)buf, len, "r");
	if (!f)
		return mw_errno("%s", name);
	ret = import_stream(kind, f, name, sink, arg);
	fclose(f);
	return ret;
}

int hda_import_path(enum hda_import_kind kind, const char *path,
		    hda_sink_fn sink, void *arg)
{
	FILE *f;
	int ret;

	if (kind == HDA_IMPORT_FRAMES)
		return hda_import_frames_path(path, sink, arg);
	if (!strcmp(path, "-"))
		return import_stream(kind, stdin, "<stdin>", sink, arg);
	f = fopen(path, "re");
	if (!f)
		return mw_errno("%s", path);
	ret = import_stream(kind, f, path, sink, arg);
	fclose(f);
	return ret;
}

int hda_import_detect(const char *path, enum hda_import_kind *out)
{
	const char *base = strrchr(path, '/');
	char buf[4096];
	struct stat st;
	size_t n;
	FILE *f;
	char *p;

	base = base ? base + 1 : path;
	if (!strcmp(path, "-"))
		return mw_err(-EINVAL, "standard input: say what it is with "
				       "--from");
	if (stat(path, &st))
		return mw_errno("%s", path);
	if (S_ISDIR(st.st_mode) || !strcmp(base, "allCORBframes") ||
	    !strcmp(base, "all-corb-frames") ||
	    (!strncmp(base, "frame", 5) && base[5] &&
	     strspn(base + 5, "0123456789") == strlen(base + 5))) {
		*out = HDA_IMPORT_FRAMES;
		return 0;
	}
	f = fopen(path, "re");
	if (!f)
		return mw_errno("%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return mw_err(-EINVAL, "%s: binary data; name the input kind "
				       "with --from",
			      path);
	if (strstr(buf, "hda_send_cmd:") || strstr(buf, "hda_get_response:") ||
	    strstr(buf, "hda_unsol_event:")) {
		*out = HDA_IMPORT_KERNEL;
		return 0;
	}
	for (p = buf; *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';)
		p++;
	if (*p == '{') {
		*out = HDA_IMPORT_JSON;
		return 0;
	}
	if (strstr(buf, "hda-verb") || strstr(buf, "value = ") ||
	    isdigit((unsigned char)*p) || !*p) {
		*out = HDA_IMPORT_HDA_VERB;
		return 0;
	}
	return mw_err(-EINVAL, "%s: cannot tell what this is; name it with "
			       "--from frames|kernel|hda-verb|json",
		      path);
}
