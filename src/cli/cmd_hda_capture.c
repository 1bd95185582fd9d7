/* SPDX-License-Identifier: MIT */
/*
 * cmd_hda_capture.c - `memwire hda capture` and `memwire hda qemu`.
 *
 *   capture --trace FILE|- [--qmp SOCKET | --ram FILE [--machine M]
 *           [--below-4g SIZE]] [--device DEV] [--bar ADDR] [-o FILE]
 *           [--format text|json|hda-verb|patch|c]
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
#include <sys/wait.h>
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

/* The exchanges go to decode's writers (text, json, hda-verb, patch, c). */
struct out {
	FILE *f;
	enum hda_format fmt;
	struct hda_writer *w;
	struct hda_pipe *pipe; /* decoding and writing on a second thread */
};

static int parse_format(const char *s, enum hda_format *f)
{
	if (hda_format_parse(s, f))
		return usage_error("--format: %s", mw_last_error());
	return 0;
}

static int out_open(struct out *o)
{
	int ret = hda_writer_new(o->fmt, o->f, NULL, &o->w);

	if (!ret)
		ret = hda_pipe_new(hda_writer_sink, o->w, &o->pipe);
	return ret ? fail_lib(ret) : 0;
}

/* Finish the writer (patch and C are written here); 0 or -errno. */
static int out_finish(struct out *o)
{
	int ret = 0;

	if (o->pipe) {
		ret = hda_pipe_finish(o->pipe);
		hda_pipe_free(o->pipe);
		o->pipe = NULL;
	}
	if (o->w) {
		int wret = hda_writer_finish(o->w);

		if (!ret)
			ret = wret;
		hda_writer_free(o->w);
		o->w = NULL;
	}
	if (!ret && fflush(o->f))
		ret = -EIO;
	return ret;
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
	print_u64("pauses", NULL, st->pauses);
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
	fret = out_finish(o);
	if (!ret && fret)
		ret = mw_last_error()[0] ? fret : -EIO;
	return ret;
}

/* The capture, or a usage error for a bad --device. */
static int new_capture(struct hda_capture_opts *co, struct out *o,
		       struct hda_capture **c)
{
	co->sink = hda_pipe_sink;
	co->sink_arg = o->pipe;
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
				   "[-o FILE] [--format text|json|hda-verb|patch|c]\n");
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
	o.fmt = json_output ? HDA_FORMAT_JSON : HDA_FORMAT_TEXT;
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
	ret = out_open(&o);
	if (ret)
		goto out_file;
	co.device = a.device;
	co.have_bar = a.have_bar;
	co.bar = a.bar;
	co.mem = mem;
	co.drain_thread = co.pause_guest = a.qmp != NULL;
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
	if (o.w)
		out_finish(&o);
	if (o.f != stdout)
		fclose(o.f);
out_mem:
	hda_mem_close(mem);
out_fd:
	if (fd > STDIN_FILENO)
		close(fd);
	return ret;
}

/* --------------------------------------------------------------- qemu */

/*
 * `hda qemu` adds to the QEMU command (QEMU 7.2 options, hda.md 3.2/3.3):
 *   -msg timestamp=on                 trace lines carry their time
 *   -trace enable=memory_region_ops_{read,write}   the emulated controller
 *     or -trace enable=vfio_region_{read,write}    a vfio-pci controller
 *   -D /dev/fd/N                      the log backend into our pipe
 *   -qmp unix:DIR/qmp.sock,server=on,wait=off
 *   -object memory-backend-file,id=mw-ram,size=S,mem-path=DIR/ram,share=on
 *   -machine memory-backend=mw-ram    guest RAM we can read (--mem ram)
 *   -no-shutdown                      (--mem qmp) QEMU stays up after the
 *                                     guest powers off, until the capture
 *                                     has read the last rings, then quits
 * and x-no-mmap=on to every -device vfio-pci, so that BAR accesses trap
 * into QEMU and reach the trace.
 */
struct qemu_run {
	char dir[512];
	char ram[600], sock[600];
	char dopt[32], qmpopt[700], objopt[900], memsize[32];
	char **argv; /* the QEMU command as run */
	int argc;
	uint64_t ram_size;
	char machine[64];
	char *owned[16]; /* rewritten -device vfio-pci arguments */
	int nowned;
	bool vfio, has_backend, no_shutdown, has_msg;
	pid_t pid;
	int signals;
	struct hda_mem *mem; /* QMP, for -no-shutdown */
	bool quit_sent;
};

static struct qemu_run *qrun;

static void on_qemu_signal(int sig)
{
	(void)sig;
	/* First: ask QEMU to end and read its trace to the end; second:
	 * stop now. */
	if (qrun && qrun->pid > 0)
		kill(qrun->pid, qrun->signals ? SIGKILL : SIGTERM);
	if (qrun && qrun->signals++)
		cap_stop = 1;
}

static bool is_opt(const char *a, const char *name)
{
	if (a[0] != '-')
		return false;
	a += a[1] == '-' ? 2 : 1;
	return !strcmp(a, name);
}

/* "-m 256M", "-m 256" (MiB), "-m size=1G,slots=2,maxmem=4G" */
static int parse_mem_size(const char *v, uint64_t *out)
{
	char num[32];
	const char *s = strstr(v, "size=");
	size_t n;
	uint64_t x;
	char *end;

	s = s && (s == v || s[-1] == ',') ? s + 5 : v;
	n = strcspn(s, ",");
	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	errno = 0;
	x = strtoull(num, &end, 10);
	if (errno || end == num)
		return -1;
	switch (*end) {
	case '\0':
	case 'M':
	case 'm':
		x <<= 20;
		break;
	case 'G':
	case 'g':
		x <<= 30;
		break;
	case 'T':
	case 't':
		x <<= 40;
		break;
	case 'K':
	case 'k':
		x <<= 10;
		break;
	default:
		return -1;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -1;
	*out = x;
	return 0;
}

/* Look through the command; add what the capture needs. */
static int qemu_build(struct qemu_run *q, int argc, char **argv,
		      bool use_ram, int trace_fd, const char *device)
{
	int i, n = 0;
	bool trace_vfio;

	q->ram_size = 128ull << 20; /* QEMU's default */
	snprintf(q->machine, sizeof(q->machine), "pc");
	q->argv = calloc((size_t)argc + 32, sizeof(char *));
	if (!q->argv)
		return fail("out of memory");
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		q->argv[n++] = argv[i];
		if (is_opt(a, "D"))
			return usage_error("hda qemu: the command has -D; "
					   "hda qemu sends the log to itself");
		if (is_opt(a, "m") && parse_mem_size(v, &q->ram_size))
			return usage_error("hda qemu: cannot read -m '%s'", v);
		if (is_opt(a, "M") || is_opt(a, "machine")) {
			const char *t = strstr(v, "type=");
			size_t len = strcspn(v, ",");

			if (strstr(v, "memory-backend="))
				q->has_backend = true;
			/* "q35", "pc,accel=kvm", "type=q35,...", not
			 * "accel=kvm" */
			if (t && (t == v || t[-1] == ','))
				snprintf(q->machine, sizeof(q->machine), "%.*s",
					 (int)strcspn(t + 5, ","), t + 5);
			else if (!memchr(v, '=', len))
				snprintf(q->machine, sizeof(q->machine), "%.*s",
					 (int)len, v);
		}
		if (is_opt(a, "object") && !strncmp(v, "memory-backend", 14))
			q->has_backend = true;
		if (is_opt(a, "numa") && strstr(v, "memdev="))
			q->has_backend = true;
		if (is_opt(a, "no-shutdown"))
			q->no_shutdown = true;
		if (is_opt(a, "msg"))
			q->has_msg = true;
		if (is_opt(a, "device") &&
		    (!strncmp(v, "vfio-pci", 8) || strstr(v, "driver=vfio-pci"))) {
			size_t len = strlen(v) + 16;
			char *d = q->nowned < 16 ? malloc(len) : NULL;

			if (!d)
				return fail("hda qemu: too many vfio-pci "
					    "devices");
			q->owned[q->nowned++] = d;
			/* Trap the BAR into QEMU: no rebuild needed, it is an
			 * ordinary property (hda.md 1.2). */
			snprintf(d, len, "%s%s", v,
				 strstr(v, "x-no-mmap") ? "" : ",x-no-mmap=on");
			q->argv[n++] = d;
			i++;
			q->vfio = true;
		}
	}
	if (!n)
		return usage_error("hda qemu: expected a QEMU command after --");
	if (!q->has_msg) {
		q->argv[n++] = "-msg";
		q->argv[n++] = "timestamp=on";
	}
	trace_vfio = device ? strncmp(device, "name=", 5) != 0 : q->vfio;
	q->argv[n++] = "-trace";
	q->argv[n++] = trace_vfio ? "enable=vfio_region_write"
				  : "enable=memory_region_ops_write";
	q->argv[n++] = "-trace";
	q->argv[n++] = trace_vfio ? "enable=vfio_region_read"
				  : "enable=memory_region_ops_read";
	snprintf(q->dopt, sizeof(q->dopt), "/dev/fd/%d", trace_fd);
	q->argv[n++] = "-D";
	q->argv[n++] = q->dopt;
	snprintf(q->qmpopt, sizeof(q->qmpopt), "unix:%s,server=on,wait=off",
		 q->sock);
	q->argv[n++] = "-qmp";
	q->argv[n++] = q->qmpopt;
	if (use_ram) {
		snprintf(q->objopt, sizeof(q->objopt),
			 "memory-backend-file,id=mw-ram,size=%llu,mem-path=%s,"
			 "share=on",
			 (unsigned long long)q->ram_size, q->ram);
		q->argv[n++] = "-object";
		q->argv[n++] = q->objopt;
		q->argv[n++] = "-machine";
		q->argv[n++] = "memory-backend=mw-ram";
	} else if (!q->no_shutdown) {
		q->argv[n++] = "-no-shutdown";
	}
	q->argv[n] = NULL;
	q->argc = n;
	return 0;
}

/* --mem qmp: once the guest is off and the trace quiet, let QEMU go. */
static int qemu_idle(void *arg)
{
	struct qemu_run *q = arg;
	char *reply = NULL;

	if (!q->mem || q->quit_sent)
		return 0;
	if (hda_mem_qmp_command(q->mem, "{\"execute\":\"query-status\"}",
				&reply))
		return 0;
	if (reply && (strstr(reply, "\"shutdown\"") ||
		      strstr(reply, "\"guest-panicked\""))) {
		/* The guest is off; its last trace lines were read (the
		 * trace has been quiet): QEMU may go now. */
		hda_mem_qmp_command(q->mem, "{\"execute\":\"quit\"}", NULL);
		q->quit_sent = true;
	}
	free(reply);
	return 0;
}

/* Is @cmd an executable, as execvp() would find it? */
static bool can_exec(const char *cmd)
{
	const char *path = getenv("PATH"), *p;
	char buf[4096];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n,
			 n ? p : ".", cmd);
		if (access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static void qemu_free_argv(struct qemu_run *q)
{
	while (q->nowned)
		free(q->owned[--q->nowned]);
	free(q->argv);
	q->argv = NULL;
}

static void rm_rundir(struct qemu_run *q)
{
	qemu_free_argv(q);
	unlink(q->ram);
	unlink(q->sock);
	rmdir(q->dir);
}

int hda_cmd_qemu(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ 0 },
	};
	struct qemu_run q = { 0 };
	struct hda_capture_opts co = { 0 };
	struct hda_capture_stats st;
	struct hda_capture *cap = NULL;
	const char *output = NULL, *format = NULL, *mem = "ram",
		   *device = NULL, *tmp;
	struct out o = { 0 };
	int c, pfd[2] = { -1, -1 }, ret, status = 0, fd;
	bool use_ram;
	double t0;

	optind = 0;
	opterr = 0;
	/* '+': the QEMU command after the options is not ours */
	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_MEM:
			mem = optarg;
			break;
		case OPT_DEVICE:
			device = optarg;
			break;
		case OPT_HELP:
			print_text("usage: memwire hda qemu [-o FILE] [--format "
				   "text|json|hda-verb|patch|c] [--mem ram|qmp] [--device DEV] "
				   "-- QEMU-COMMAND...\n");
			return EXIT_OK;
		default:
			return usage_error("hda qemu: unknown option or missing "
					   "value: '%s'",
					   argv[optind - 1]);
		}
	}
	if (strcmp(mem, "ram") && strcmp(mem, "qmp"))
		return usage_error("hda qemu: --mem: expected ram or qmp, got "
				   "'%s'",
				   mem);
	if (optind >= argc)
		return usage_error("hda qemu: expected -- QEMU-COMMAND...");
	o.fmt = json_output ? HDA_FORMAT_JSON : HDA_FORMAT_TEXT;
	if (format && parse_format(format, &o.fmt))
		return EXIT_USAGE;
	co.device = device;
	if (hda_capture_new(&co, &cap))
		return usage_error("hda qemu: %s", mw_last_error());
	hda_capture_free(cap);
	cap = NULL;
	if (json_output && (!output || !strcmp(output, "-")))
		return usage_error("hda qemu: with -j stdout carries the "
				   "summary: write the exchanges with -o FILE");

	if (!can_exec(argv[optind]))
		return fail("%s: no such program", argv[optind]);
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(q.dir, sizeof(q.dir), "%s/memwire-hda-XXXXXX", tmp);
	if (!mkdtemp(q.dir))
		return fail("%s: %s", q.dir, strerror(errno));
	snprintf(q.ram, sizeof(q.ram), "%s/ram", q.dir);
	snprintf(q.sock, sizeof(q.sock), "%s/qmp.sock", q.dir);
	if (pipe2(pfd, O_CLOEXEC)) {
		ret = fail("pipe: %s", strerror(errno));
		goto out_dir;
	}
	use_ram = !strcmp(mem, "ram");
	ret = qemu_build(&q, argc - optind, argv + optind, use_ram, pfd[1],
			 device);
	if (ret)
		goto out_pipe;
	if (use_ram && q.has_backend) {
		info("the command has its own memory backend: reading guest "
		     "memory over QMP");
		use_ram = false;
		qemu_free_argv(&q);
		ret = qemu_build(&q, argc - optind, argv + optind, false,
				 pfd[1], device);
		if (ret)
			goto out_pipe;
	}
	if (use_ram) {
		enum hda_machine m;

		/* The file QEMU will use as guest RAM, made here so that
		 * it can be mapped before the guest runs. */
		fd = open(q.ram, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)q.ram_size)) {
			ret = fail("guest RAM file %s: %s", q.ram,
				   strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out_pipe;
		}
		close(fd);
		if (hda_machine_parse(q.machine, &m)) {
			ret = usage_error("hda qemu: %s (use --mem qmp)",
					  mw_last_error());
			goto out_pipe;
		}
		if (hda_mem_open_ram(q.ram, m, 0, &q.mem)) {
			ret = fail_lib(-1);
			goto out_pipe;
		}
	}
	o.f = open_output(output);
	if (!o.f) {
		ret = EXIT_FAIL;
		goto out_pipe;
	}
	ret = out_open(&o);
	if (ret)
		goto out_file;
	if (verbose) {
		int i;

		fprintf(stderr, "%s: running", progname);
		for (i = 0; i < q.argc; i++)
			fprintf(stderr, " %s", q.argv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	t0 = 0;
	q.pid = fork();
	if (q.pid < 0) {
		ret = fail("fork: %s", strerror(errno));
		goto out_file;
	}
	if (q.pid == 0) {
		/* The trace pipe's write end stays open across exec. */
		fcntl(pfd[1], F_SETFD, 0);
		signal(SIGPIPE, SIG_DFL);
		execvp(q.argv[0], q.argv);
		fprintf(stderr, "%s: %s: %s\n", progname, q.argv[0],
			strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	qrun = &q;
	catch_stop(on_qemu_signal);
	if (!use_ram) {
		/* QEMU makes its QMP socket early, before the guest runs. */
		while (access(q.sock, F_OK) && waitpid(q.pid, &status,
							WNOHANG) == 0 &&
		       t0 < 30000) {
			usleep(20000);
			t0 += 20;
		}
		ret = hda_mem_open_qmp(q.sock, 10000, &q.mem);
		if (ret) {
			ret = fail_lib(ret);
			kill(q.pid, SIGTERM);
			waitpid(q.pid, &status, 0);
			goto out_file;
		}
	}
	co.device = device;
	co.mem = q.mem;
	co.drain_thread = co.pause_guest = !use_ram;
	ret = new_capture(&co, &o, &cap);
	if (ret)
		goto out_kill;
	ret = run_capture(cap, pfd[0], &o, use_ram ? NULL : qemu_idle, &q,
			  &st);
	hda_capture_free(cap);
out_kill:
	if (cap_stop || ret)
		kill(q.pid, SIGTERM);
	while (waitpid(q.pid, &status, 0) < 0 && errno == EINTR)
		;
	q.pid = -1;
	qrun = NULL;
	if (ret) {
		ret = ret > 0 ? ret : fail_lib(ret);
		goto out_file;
	}
	print_summary(&st, output, output && strcmp(output, "-"));
	ret = EXIT_OK;
	if (st.mem_gone && st.lost)
		ret = fail_keep("guest memory went away (%s): %llu ring "
				"entries after that could not be read",
				hda_mem_describe(q.mem),
				(unsigned long long)st.lost);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		ret = fail_keep("%s could not be run", q.argv[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		ret = fail_keep("%s exited with status %d", q.argv[0],
				WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && !q.signals)
		ret = fail_keep("%s was killed by signal %d", q.argv[0],
				WTERMSIG(status));
out_file:
	if (o.w)
		out_finish(&o);
	if (o.f && o.f != stdout)
		fclose(o.f);
out_pipe:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	hda_mem_close(q.mem);
out_dir:
	rm_rundir(&q);
	return ret;
}
