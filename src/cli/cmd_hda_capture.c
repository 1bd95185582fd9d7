/* SPDX-License-Identifier: MIT */
/*
 * cmd_hda_capture.c - `memwire hda capture` and `memwire hda qemu`.
 *
 *   capture --trace FILE|- [--qmp SOCKET | --ram FILE [--machine M]
 *           [--below-4g SIZE]] [--device DEV] [--bar ADDR] [-o FILE]
 *           [--format F]
 *   qemu [-o FILE] [--format F] [--mem ram|qmp] [--device DEV] -- QEMU...
 *
 * The exchanges go to -o FILE or stdout.  With -j, stdout carries the
 * summary document, so the exchanges need -o.  SIGINT and SIGTERM stop the
 * capture and flush what it holds (`hda qemu` passes them on to QEMU and
 * reads the trace to its end).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "memwire/hda.h"

static volatile int cap_stop;

static void on_stop(int sig)
{
	(void)sig;
	cap_stop = 1;
}

static void catch_stop(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	/* No SA_RESTART: a blocking read of the trace returns EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------- output */

enum out_fmt { OUT_TEXT, OUT_JSON };

struct out {
	FILE *f;
	enum out_fmt fmt;
	bool failed;
};

static int out_sink(void *arg, const struct hda_exchange *x)
{
	struct out *o = arg;
	unsigned codec = hda_exchange_codec(x);

	if (o->fmt == OUT_JSON) {
		fprintf(o->f, "{\"seq\":%llu,\"time\":%.6f,\"codec\":%u,",
			(unsigned long long)x->seq, x->time, codec);
		if (x->has_verb)
			fprintf(o->f, "\"nid\":%u,\"verb\":%u,",
				hda_verb_nid(x->verb), x->verb);
		else
			fputs("\"nid\":null,\"verb\":null,", o->f);
		if (x->has_response)
			fprintf(o->f, "\"response\":%u,\"response_ex\":%u,",
				x->response, x->response_ex);
		else
			fputs("\"response\":null,\"response_ex\":null,", o->f);
		fprintf(o->f, "\"unsolicited\":%s,\"path\":\"%s\"",
			x->unsolicited ? "true" : "false",
			x->path == HDA_PATH_IMMEDIATE ? "immediate"
			: x->path == HDA_PATH_CORB    ? "corb"
						      : "import");
		if (x->path == HDA_PATH_CORB && x->has_verb)
			fprintf(o->f, ",\"corb_index\":%u", x->corb_index);
		fputs("}\n", o->f);
	} else {
		fprintf(o->f, "%6llu %17.6f codec %u ",
			(unsigned long long)x->seq, x->time, codec);
		if (x->has_verb)
			fprintf(o->f, "nid 0x%02x verb 0x%08x", hda_verb_nid(x->verb),
				x->verb);
		else
			fputs("unsolicited        ", o->f);
		if (x->has_response)
			fprintf(o->f, " -> 0x%08x:0x%08x\n", x->response,
				x->response_ex);
		else
			fputs(" -> (no response)\n", o->f);
	}
	if (ferror(o->f)) {
		o->failed = true;
		return -EIO;
	}
	return 0;
}

static int parse_format(const char *s, enum out_fmt *f)
{
	if (!strcmp(s, "text"))
		*f = OUT_TEXT;
	else if (!strcmp(s, "json"))
		*f = OUT_JSON;
	else
		return usage_error("--format: expected text or json, got '%s'",
				   s);
	return 0;
}

/* ------------------------------------------------------------ capture */

struct cap_args {
	const char *trace, *qmp, *ram, *machine, *device, *output, *format;
	uint64_t below_4g, bar;
	bool have_bar;
};

static void print_summary(const struct hda_capture_stats *st,
			  const char *output, bool to_stdout)
{
	if (!json_output && !to_stdout) {
		info("%llu exchanges (%llu verbs, %llu answered, %llu "
		     "unsolicited, %llu without response) from %s, %llu trace "
		     "lines",
		     (unsigned long long)st->exchanges,
		     (unsigned long long)st->verbs,
		     (unsigned long long)st->responses,
		     (unsigned long long)st->unsolicited,
		     (unsigned long long)st->no_response,
		     st->device[0] ? st->device : "no HDA device",
		     (unsigned long long)st->lines);
		return;
	}
	print_u64("exchanges", "%llu exchanges", st->exchanges);
	print_u64("verbs", " (%llu verbs,", st->verbs);
	print_u64("responses", " %llu answered,", st->responses);
	print_u64("unsolicited", " %llu unsolicited,", st->unsolicited);
	print_u64("no_response", " %llu without response)", st->no_response);
	print_str("device", " from %s", st->device[0] ? st->device : "no HDA device");
	print_u64("lines", ", %llu trace lines", st->lines);
	print_u64("events", NULL, st->events);
	print_u64("malformed", NULL, st->malformed);
	print_u64("orphans", NULL, st->orphans);
	print_u64("warnings", NULL, st->warnings);
	print_u64("lost", NULL, st->lost);
	if (output)
		print_str("output", " -> %s", output);
	print_text("\n");
}

/*
 * Run one capture from @fd into @o; flush at the end or on a stop.
 * Returns 0 or a negative errno (message in mw_last_error()).
 */
static int run_capture(struct hda_capture *c, int fd, struct out *o,
		       int (*idle)(void *), void *idle_arg,
		       struct hda_capture_stats *st)
{
	int ret, fret;

	ret = hda_capture_fd(c, fd, &cap_stop, idle, idle_arg, 200);
	/* Flush also after an error: what was captured is kept. */
	fret = hda_capture_flush(c);
	if (!ret)
		ret = fret;
	hda_capture_get_stats(c, st);
	if (fflush(o->f) || o->failed)
		return ret ? ret : -EIO;
	return ret;
}

/* The capture, or a usage error for a bad --device. */
static int new_capture(struct hda_capture_opts *co, struct out *o,
		       struct hda_capture **c)
{
	co->sink = out_sink;
	co->sink_arg = o;
	if (hda_capture_new(co, c))
		return usage_error("%s", mw_last_error());
	return 0;
}

static FILE *open_output(const char *path)
{
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return stdout;
	f = fopen(path, "we");
	if (!f)
		fail("%s: %s", path, strerror(errno));
	return f;
}

static int open_mem(const struct cap_args *a, struct hda_mem **mem)
{
	enum hda_machine m = HDA_MACHINE_PC;
	int ret;

	*mem = NULL;
	if (a->qmp) {
		ret = hda_mem_open_qmp(a->qmp, 10000, mem);
		return ret ? fail_lib(ret) : 0;
	}
	if (!a->ram)
		return 0;
	if (a->machine && hda_machine_parse(a->machine, &m))
		return usage_error("--machine: %s", mw_last_error());
	ret = hda_mem_open_ram(a->ram, m, a->below_4g, mem);
	return ret ? fail_lib(ret) : 0;
}

enum {
	OPT_TRACE = 0x200,
	OPT_QMP,
	OPT_RAM,
	OPT_MACHINE,
	OPT_BELOW4G,
	OPT_DEVICE,
	OPT_BAR,
	OPT_FORMAT,
	OPT_MEM,
	OPT_HELP,
};

int hda_cmd_capture(int argc, char **argv);
int hda_cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "qmp", required_argument, NULL, OPT_QMP },
		{ "ram", required_argument, NULL, OPT_RAM },
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "below-4g", required_argument, NULL, OPT_BELOW4G },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "bar", required_argument, NULL, OPT_BAR },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ 0 },
	};
	struct cap_args a = { 0 };
	struct hda_capture_opts co = { 0 };
	struct hda_capture_stats st;
	struct hda_capture *cap = NULL;
	struct hda_mem *mem = NULL;
	struct out o = { 0 };
	int c, fd = -1, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TRACE:
			a.trace = optarg;
			break;
		case OPT_QMP:
			a.qmp = optarg;
			break;
		case OPT_RAM:
			a.ram = optarg;
			break;
		case OPT_MACHINE:
			a.machine = optarg;
			break;
		case OPT_BELOW4G:
			if (parse_u64(optarg, "--below-4g", true, &a.below_4g))
				return EXIT_USAGE;
			break;
		case OPT_DEVICE:
			a.device = optarg;
			break;
		case OPT_BAR:
			if (parse_u64(optarg, "--bar", false, &a.bar))
				return EXIT_USAGE;
			a.have_bar = true;
			break;
		case 'o':
			a.output = optarg;
			break;
		case OPT_FORMAT:
			a.format = optarg;
			break;
		case OPT_HELP:
			print_text("usage: memwire hda capture --trace FILE|- "
				   "[--qmp SOCKET | --ram FILE [--machine "
				   "pc|q35|flat] [--below-4g SIZE]] [--device "
				   "BDF[:regionN]|name=MR] [--bar ADDR] "
				   "[-o FILE] [--format text|json]\n");
			return EXIT_OK;
		default:
			return usage_error("hda capture: unknown option or "
					   "missing value: '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("hda capture: unexpected argument '%s'",
				   argv[optind]);
	if (!a.trace)
		return usage_error("hda capture: --trace FILE|- is required");
	if (a.qmp && a.ram)
		return usage_error("hda capture: --qmp and --ram exclude each "
				   "other");
	if ((a.machine || a.below_4g) && !a.ram)
		return usage_error("hda capture: --machine and --below-4g go "
				   "with --ram");
	if (a.have_bar && a.device && strncmp(a.device, "name=", 5))
		return usage_error("hda capture: --bar is for memory_region_ops "
				   "traces, not a VFIO --device");
	co.device = a.device;
	if (hda_capture_new(&co, &cap))
		return usage_error("hda capture: %s", mw_last_error());
	hda_capture_free(cap); /* checked: the real one comes later */
	cap = NULL;
	o.fmt = json_output ? OUT_JSON : OUT_TEXT;
	if (a.format && parse_format(a.format, &o.fmt))
		return EXIT_USAGE;
	if (!strcmp(a.trace, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(a.trace, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("trace %s: %s", a.trace, strerror(errno));
	}
	ret = open_mem(&a, &mem);
	if (ret)
		goto out_fd;
	if (mem)
		info("guest memory: %s", hda_mem_describe(mem));
	if (json_output && (!a.output || !strcmp(a.output, "-"))) {
		ret = usage_error("hda capture: with -j stdout carries the "
				  "summary: write the exchanges with -o FILE");
		goto out_mem;
	}
	o.f = open_output(a.output);
	if (!o.f) {
		ret = EXIT_FAIL;
		goto out_mem;
	}
	co.device = a.device;
	co.have_bar = a.have_bar;
	co.bar = a.bar;
	co.mem = mem;
	co.drain_thread = a.qmp != NULL;
	ret = new_capture(&co, &o, &cap);
	if (ret)
		goto out_file;
	catch_stop(on_stop);
	ret = run_capture(cap, fd, &o, NULL, NULL, &st);
	hda_capture_free(cap);
	if (ret) {
		ret = fail_lib(ret);
		goto out_file;
	}
	print_summary(&st, a.output, a.output && strcmp(a.output, "-"));
	ret = EXIT_OK;
	if (st.mem_gone && st.lost)
		ret = fail_keep("guest memory went away (%s): %llu ring "
				"entries after that could not be read",
				hda_mem_describe(mem),
				(unsigned long long)st.lost);
out_file:
	if (o.f != stdout)
		fclose(o.f);
out_mem:
	hda_mem_close(mem);
out_fd:
	if (fd > STDIN_FILENO)
		close(fd);
	return ret;
}
