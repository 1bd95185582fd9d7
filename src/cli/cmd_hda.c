/* SPDX-License-Identifier: MIT */
/*
 * cmd_hda.c - `memwire hda ...`: HD Audio verbs.
 *
 *   capture, qemu   live and offline capture (cmd_hda_capture.c)
 *   decode          command words given on the command line
 *   import          a legacy frame directory, kernel trace text, hda-verb
 *                   lines or JSON lines, written out in any format
 *   diff            what one capture sends that the other does not
 *   replay          send the verbs of a capture through the hwdep ioctl
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "memwire/hda.h"

/* ---------------------------------------------------------------- decode */

/* "0x...", or "0x...=0x..." for a command and its response. */
static int parse_word(const char *arg, struct hda_exchange *x)
{
	char cmd[64];
	const char *eq = strchr(arg, '=');
	uint64_t v;

	memset(x, 0, sizeof(*x));
	if (strlen(arg) >= sizeof(cmd))
		return usage_error("'%.20s...' is not a command word", arg);
	snprintf(cmd, sizeof(cmd), "%.*s",
		 (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
	if (parse_u64(cmd, "command word", false, &v))
		return EXIT_USAGE;
	if (v > 0xffffffffu)
		return usage_error("command word '%s' is wider than 32 bits",
				   cmd);
	x->has_verb = true;
	x->verb = (uint32_t)v;
	x->path = HDA_PATH_IMPORT;
	if (eq) {
		if (parse_u64(eq + 1, "response", false, &v))
			return EXIT_USAGE;
		if (v > 0xffffffffu)
			return usage_error("response '%s' is wider than 32 "
					   "bits",
					   eq + 1);
		x->has_response = true;
		x->response = (uint32_t)v;
		x->response_ex = hda_verb_codec(x->verb);
	}
	return 0;
}

static int do_decode(int argc, char **argv)
{
	struct hda_decoder *d;
	int i, ret = EXIT_OK;

	if (argc < 2)
		return usage_error("hda decode: expected command words "
				   "(0x001f0005 or 0x001f0005=RESPONSE)");
	for (i = 1; i < argc; i++) {
		struct hda_exchange x;

		if (parse_word(argv[i], &x))
			return EXIT_USAGE;
	}
	if (hda_decoder_new(&d))
		return fail_lib(-ENOMEM);
	open_array("commands");
	for (i = 1; i < argc; i++) {
		struct hda_exchange x;
		struct hda_decoded o;

		parse_word(argv[i], &x);
		x.seq = (uint64_t)i;
		hda_decode(d, &x, &o);
		open_object(NULL);
		print_u64("verb", "0x%08llx", x.verb);
		print_u64("codec", "  codec %llu", o.cmd.codec);
		print_u64("nid", "  nid 0x%02llx", o.cmd.nid);
		print_u64("verb_id", "  verb 0x%03llx", o.cmd.verb);
		print_u64("payload", o.cmd.four_bit ? "  payload 0x%04llx"
						    : "  payload 0x%02llx",
			  o.cmd.payload);
		print_bool("get", NULL, o.cmd.get);
		print_str("name", "  %s", o.name);
		if (x.has_response)
			print_u64("response", " -> 0x%08llx", x.response);
		else
			print_null("response", NULL, NULL);
		if (o.cmd.nid_bit27)
			print_bool("nid_bit27", NULL, true);
		if (o.coef && o.coef_known) {
			print_u64("coef_index", NULL, o.coef_index);
			print_u64("coef_step", NULL, o.coef_step);
		}
		print_str("meaning", o.meaning[0] ? "  %s" : "%s", o.meaning);
		print_text("\n");
		close_object();
	}
	close_array();
	hda_decoder_free(d);
	return ret;
}

/* ------------------------------------------------ shared option parsing */

struct hda_opts {
	const char *from;
	const char *format;
	const char *output;
	const char *device;
	const char *table;
	const char *legacy_dir;
	const char *legacy_gen;
	bool dry_run;
	bool sets_only;
	bool have_codec;
	unsigned codec;
};

enum {
	OPT_FROM = 0x400,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_DEVICE,
	OPT_TABLE,
	OPT_LEGACY_DIR,
	OPT_LEGACY_GEN,
	OPT_DRY_RUN,
	OPT_SETS_ONLY,
	OPT_CODEC,
};

static const struct option hda_longopts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "legacy-dir", required_argument, NULL, OPT_LEGACY_DIR },
	{ "legacy", required_argument, NULL, OPT_LEGACY_GEN },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "sets-only", no_argument, NULL, OPT_SETS_ONLY },
	{ "codec", required_argument, NULL, OPT_CODEC },
	{ NULL, 0, NULL, 0 },
};

/* Options may follow the operands; @allowed lists the verb's options. */
static int hda_parse(const char *verb, int argc, char **argv,
		     const char *allowed, struct hda_opts *o, char ***rest,
		     int *nrest)
{
	static char *ops[64];
	int c, n = 0;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while (optind < argc) {
		c = getopt_long(argc, argv, "-o:", hda_longopts, NULL);
		if (c == -1)
			break;
		if (c == 1) {
			if (n == (int)(sizeof(ops) / sizeof(ops[0])))
				return usage_error("hda %s: too many operands",
						   verb);
			ops[n++] = optarg;
			continue;
		}
		if (c == 'o')
			c = OPT_OUTPUT;
		if (c == '?' || c == ':' ||
		    !strchr(allowed, (char)(c - OPT_FROM + 'a')))
			return usage_error("hda %s: unexpected option '%s' "
					   "(try 'memwire hda %s help')",
					   verb, argv[optind - 1], verb);
		switch (c) {
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case OPT_TABLE:
			o->table = optarg;
			break;
		case OPT_LEGACY_DIR:
			o->legacy_dir = optarg;
			break;
		case OPT_LEGACY_GEN:
			o->legacy_gen = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_SETS_ONLY:
			o->sets_only = true;
			break;
		case OPT_CODEC:
			if (parse_u64(optarg, "--codec", false, &v))
				return EXIT_USAGE;
			if (v > 15)
				return usage_error("--codec: %llu is not 0..15",
						   (unsigned long long)v);
			o->have_codec = true;
			o->codec = (unsigned)v;
			break;
		}
	}
	*rest = ops;
	*nrest = n;
	return 0;
}

/* The input kind: --from, else guessed from the path. */
static int input_kind(const char *from, const char *path,
		      enum hda_import_kind *k)
{
	if (from) {
		if (hda_import_kind_parse(from, k))
			return usage_error("--from: %s", mw_last_error());
		return 0;
	}
	if (hda_import_detect(path, k))
		return fail("%s", mw_last_error());
	return 0;
}

static int load(const char *from, const char *path, struct hda_exlist *l)
{
	enum hda_import_kind k;
	int ret;

	ret = input_kind(from, path, &k);
	if (ret)
		return ret;
	ret = hda_import_path(k, path, hda_exlist_sink, l);
	if (ret < 0)
		return fail_lib(ret);
	return 0;
}

/* ---------------------------------------------------------------- import */

struct tee {
	struct hda_writer *w;
	struct hda_legacy_writer *lw;
	uint64_t n;
};

static int tee_sink(void *arg, const struct hda_exchange *x)
{
	struct tee *t = arg;
	int ret;

	t->n++;
	ret = hda_writer_put(t->w, x);
	if (!ret && t->lw)
		ret = hda_legacy_writer_put(t->lw, x);
	return ret;
}

static int do_import(int argc, char **argv)
{
	struct hda_opts o;
	struct hda_writer_opts wo = { 0 };
	struct hda_writer *w = NULL;
	struct hda_legacy_writer *lw = NULL;
	enum hda_import_kind k;
	enum hda_format fmt = HDA_FORMAT_TEXT;
	enum hda_legacy_gen gen = HDA_LEGACY_2021;
	struct tee t;
	FILE *out = stdout;
	char **ops;
	int n, ret;

	ret = hda_parse("import", argc, argv, "abcdefg", &o, &ops, &n);
	if (ret)
		return ret;
	if (n != 1)
		return usage_error("hda import: expected one FILE or DIR (got "
				   "%d)",
				   n);
	if (o.format && hda_format_parse(o.format, &fmt))
		return usage_error("--format: %s", mw_last_error());
	if (o.legacy_gen) {
		if (!strcmp(o.legacy_gen, "2018"))
			gen = HDA_LEGACY_2018;
		else if (strcmp(o.legacy_gen, "2021"))
			return usage_error("--legacy: expected 2018 or 2021, "
					   "got '%s'",
					   o.legacy_gen);
	}
	ret = input_kind(o.from, ops[0], &k);
	if (ret)
		return ret;
	if (json_output && (!o.output || !strcmp(o.output, "-")))
		return usage_error("hda import: -j needs -o FILE (the "
				   "exchanges go to the file)");
	if (o.output && strcmp(o.output, "-")) {
		out = fopen(o.output, "we");
		if (!out)
			return fail("%s: %s", o.output, strerror(errno));
	}
	wo.device = o.device;
	wo.table_name = o.table;
	ret = hda_writer_new(fmt, out, &wo, &w);
	if (!ret && o.legacy_dir)
		ret = hda_legacy_writer_new(o.legacy_dir, gen, &lw);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	t.w = w;
	t.lw = lw;
	t.n = 0;
	ret = hda_import_path(k, ops[0], tee_sink, &t);
	if (ret >= 0)
		ret = hda_writer_finish(w);
	if (ret >= 0 && lw)
		ret = hda_legacy_writer_finish(lw);
	if (ret < 0) {
		ret = fail_lib(ret);
		goto out;
	}
	open_object("import");
	print_str("input", NULL, ops[0]);
	print_str("from", NULL, o.from ? o.from : "detected");
	print_str("format", NULL, hda_format_name(fmt));
	print_u64("exchanges", NULL, t.n);
	if (lw)
		print_i64("legacy_frames", NULL, ret);
	close_object();
	info("%llu exchanges from %s", (unsigned long long)t.n, ops[0]);
	ret = EXIT_OK;
out:
	hda_legacy_writer_free(lw);
	hda_writer_free(w);
	if (out != stdout && fclose(out) && ret == EXIT_OK)
		ret = fail("%s: %s", o.output, strerror(errno));
	return ret;
}

/* ------------------------------------------------------------------ diff */

struct diff_print {
	bool open;
	unsigned codec, nid;
	int only[2];
};

static int diff_cb(void *arg, const struct hda_diff_item *it)
{
	struct diff_print *p = arg;

	if (!p->open || p->codec != it->codec || p->nid != it->nid) {
		if (p->open) {
			close_array();
			close_object();
		}
		open_object(NULL);
		print_u64("codec", "codec %llu", it->codec);
		print_u64("nid", " nid 0x%02llx\n", it->nid);
		open_array("changes");
		p->open = true;
		p->codec = it->codec;
		p->nid = it->nid;
	}
	p->only[it->side]++;
	open_object(NULL);
	print_str("side", it->side == HDA_DIFF_A ? "  - " : "  + ",
		  it->side == HDA_DIFF_A ? "a" : "b");
	print_str("text", "%-48s", it->text);
	print_u64("seq", " #%llu", it->seq);
	print_u64("verb", " 0x%08llx\n", it->verb);
	close_object();
	return 0;
}

static int do_diff(int argc, char **argv)
{
	struct hda_exlist a = { 0 }, b = { 0 };
	struct diff_print p = { 0 };
	struct hda_opts o;
	char **ops;
	int n, ret;

	ret = hda_parse("diff", argc, argv, "a", &o, &ops, &n);
	if (ret)
		return ret;
	if (n != 2)
		return usage_error("hda diff: expected two captures A B (got "
				   "%d)",
				   n);
	/* like diff(1): 0 same, 1 different, 2 trouble */
	ret = load(o.from, ops[0], &a);
	if (!ret)
		ret = load(o.from, ops[1], &b);
	if (ret) {
		ret = EXIT_USAGE;
		goto out;
	}
	print_str("a", "--- %s", ops[0]);
	print_u64("a_exchanges", " (%llu exchanges)\n", a.n);
	print_str("b", "+++ %s", ops[1]);
	print_u64("b_exchanges", " (%llu exchanges)\n", b.n);
	open_array("groups");
	ret = hda_diff(a.v, a.n, b.v, b.n, diff_cb, &p);
	if (p.open) {
		close_array();
		close_object();
	}
	close_array();
	if (ret < 0) {
		fail_lib(ret);
		ret = EXIT_USAGE;
		goto out;
	}
	print_u64("only_a", "%llu SET(s) only in A, ", (uint64_t)p.only[0]);
	print_u64("only_b", "%llu only in B\n", (uint64_t)p.only[1]);
	print_bool("equal", NULL, ret == 0);
	/* like diff(1), different is exit 1; the document is kept */
	if (ret)
		ret = fail_keep("the captures differ in %d SET(s)", ret);
out:
	hda_exlist_free(&a);
	hda_exlist_free(&b);
	return ret;
}

/* ---------------------------------------------------------------- replay */

static int do_replay(int argc, char **argv)
{
	struct hda_exlist l = { 0 };
	struct hda_replay *r = NULL;
	struct hda_decoder *d = NULL;
	struct hda_opts o;
	unsigned card = 0, codec = 0;
	uint64_t sent = 0, skipped = 0;
	char **ops;
	size_t i;
	int n, ret;

	ret = hda_parse("replay", argc, argv, "adhij", &o, &ops, &n);
	if (ret)
		return ret;
	if (n != 1)
		return usage_error("hda replay: expected one FILE (got %d)", n);
	if (!o.device)
		return usage_error("hda replay: --device /dev/snd/hwC<card>"
				   "D<codec> is required");
	if (hda_device_parse(o.device, &card, &codec)) {
		if (!o.have_codec)
			return usage_error("--device: %s; give --codec N",
					   mw_last_error());
	}
	if (o.have_codec)
		codec = o.codec;
	ret = load(o.from, ops[0], &l);
	if (ret)
		goto out;
	if (!o.dry_run && hda_replay_open(o.device, &r)) {
		ret = fail("%s", mw_last_error());
		goto out;
	}
	if (hda_decoder_new(&d)) {
		ret = fail_lib(-ENOMEM);
		goto out;
	}
	print_str("device", "%s", o.device);
	print_bool("dry_run", o.dry_run ? " (dry run: nothing is sent)\n"
					: "\n",
		   o.dry_run);
	open_array("verbs");
	for (i = 0; i < l.n; i++) {
		struct hda_exchange x = l.v[i];
		struct hda_decoded dec;
		uint32_t res = 0;

		if (!x.has_verb)
			continue;
		if (hda_verb_codec(x.verb) != codec ||
		    (o.sets_only && ((x.verb >> 19) & 1))) {
			skipped++;
			continue;
		}
		x.has_response = false;
		if (r) {
			ret = hda_replay_send(r, x.verb, &res);
			if (ret) {
				close_array();
				ret = fail_keep("%s", mw_last_error());
				goto out;
			}
			x.has_response = true;
			x.response = res;
		}
		hda_decode(d, &x, &dec);
		sent++;
		open_object(NULL);
		print_u64("seq", "%6llu ", x.seq);
		print_u64("verb", "0x%08llx ", x.verb);
		print_u64("hwdep", "(hwdep 0x%08llx) ", hda_hwdep_word(x.verb));
		print_str("name", "%-24s ", dec.name);
		if (r)
			print_u64("response", "-> 0x%08llx ", res);
		else
			print_null("response", "%s", "");
		print_str("meaning", "%s\n", dec.meaning);
		close_object();
	}
	close_array();
	print_u64(o.dry_run ? "would_send" : "sent",
		  o.dry_run ? "%llu verbs would be sent" : "%llu verbs sent",
		  sent);
	print_u64("skipped", ", %llu skipped (other codecs", skipped);
	print_text("%s)\n", o.sets_only ? ", GETs" : "");
	ret = EXIT_OK;
out:
	hda_decoder_free(d);
	hda_replay_close(r);
	hda_exlist_free(&l);
	return ret;
}

/* ------------------------------------------------------------------ dump */

static int do_dump(int argc, char **argv)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, k;
	int ret;

	if (argc != 2)
		return usage_error("hda dump: expected one FILE (a frame or "
				   "all-frames file)");
	if (json_output)
		return usage_error("hda dump: the formatted dump is text only");
	f = fopen(argv[1], "re");
	if (!f)
		return fail("%s: %s", argv[1], strerror(errno));
	do {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return fail("%s: out of memory", argv[1]);
			}
			buf = nb;
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k);
	ret = ferror(f) ? fail("%s: %s", argv[1], strerror(errno)) : EXIT_OK;
	fclose(f);
	if (ret == EXIT_OK && hda_legacy_dump_formatted(stdout, buf, len))
		ret = fail_lib(-EIO);
	free(buf);
	return ret;
}

static const struct cmd hda_cmds[] = {
	{ "capture", hda_cmd_capture,
	  "--trace FILE|- [--qmp SOCKET | --ram FILE] [--device ...] [-o FILE] "
	  "[--format FMT]",
	  "capture verbs and responses from a QEMU trace" },
	{ "qemu", hda_cmd_qemu, "[-o FILE] [--format FMT] -- QEMU-COMMAND...",
	  "run QEMU and capture live" },
	{ "decode", do_decode, "WORD[=RESPONSE]...",
	  "decode command words (and responses)" },
	{ "import", do_import,
	  "[--from frames|kernel|hda-verb|json] FILE|DIR [--format "
	  "text|json|hda-verb|patch|c] [-o FILE] [--device PATH] [--table "
	  "NAME] [--legacy-dir DIR [--legacy 2018|2021]]",
	  "convert a capture, a legacy frame directory, kernel trace or "
	  "hda-verb lines" },
	{ "diff", do_diff, "[--from KIND] A B",
	  "the SET verbs one capture sends and the other does not (exit 1 if "
	  "any)" },
	{ "replay", do_replay,
	  "--device /dev/snd/hwC0D0 [--codec N] [--from KIND] [--sets-only] "
	  "[--dry-run] FILE",
	  "send a capture's verbs to a codec through the hwdep ioctl" },
	{ "dump", do_dump, "FILE",
	  "print a frame file as QemuHDADump's frameDumpFormatted did" },
	{ NULL, NULL, NULL, NULL },
};

int do_hda(int argc, char **argv)
{
	return cmd_select(hda_cmds, "hda", argc - 1, argv + 1);
}
