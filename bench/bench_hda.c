/* SPDX-License-Identifier: MIT */
/*
 * bench_hda.c - offline HDA capture and decode of a large QEMU trace,
 * against `grep -c` over the same file in the same run.
 *
 * The trace is generated in $TMPDIR (deleted after): QEMU 7.2
 * memory_region_ops lines with the tid@sec.usec prefix, as a Linux driver
 * makes them (per verb: CORBWP write, INTSTS and RIRBSTS reads, RIRBWP
 * read, RIRBSTS write), mixed with other devices' lines (serial, RTC,
 * APIC) a third of the time.  The rings sit in a 16 MiB guest-RAM file.
 * The capture reads the trace, follows the controller, reads the rings
 * from the RAM file and pairs; then three sinks: none (capture alone),
 * hda_decode() of every exchange (capture + decode, the figure with the
 * goal), and decode's text writer into /dev/null.  The baseline is
 * `grep -c "name 'intel-hda'"` (a child).
 *
 *   bench_hda [SIZE]      default 1G (also MEMWIRE_BENCH_HDA_SIZE), e.g. 256M
 *
 * Prints the medians of 3 runs, the throughputs, the ratios (goal >= 0.5
 * for capture + decode) and the peak RSS, which must not grow with SIZE.
 */
#define BENCH_NAME "bench_hda"

#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "memwire/hda.h"

#define RUNS 3
#define RAM_SIZE (16u << 20)
#define CORB 0x200000u
#define RIRB (CORB + 0x800)
#define BAR 0xfebf0000ull

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (*end == 'G' || *end == 'g')
		v <<= 30;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	else if (*end == 'K' || *end == 'k')
		v <<= 10;
	return v;
}

struct gen {
	FILE *f;
	uint64_t bytes;
	unsigned usec, sec;
};

static void line(struct gen *g, bool write, unsigned off, unsigned v,
		 unsigned size)
{
	int n;

	if (++g->usec == 1000000) {
		g->usec = 0;
		g->sec++;
	}
	n = fprintf(g->f,
		    "48213@%u.%06u:memory_region_ops_%s cpu 0 mr "
		    "0x55d0c1a2b3c0 addr 0x%llx value 0x%x size %u name "
		    "'intel-hda'\n",
		    g->sec, g->usec, write ? "write" : "read",
		    (unsigned long long)(BAR + off), v, size);
	g->bytes += (uint64_t)n;
}

static void other(struct gen *g, unsigned i)
{
	static const char *const names[] = { "serial", "rtc-index",
					     "apic-msi" };
	int n = fprintf(g->f,
			"48213@%u.%06u:memory_region_ops_write cpu 0 mr "
			"0x55d0c19a0000 addr 0x%x value 0x%x size 1 name "
			"'%s'\n",
			g->sec, g->usec, 0x3f8 + i % 8, i & 0xff,
			names[i % 3]);

	g->bytes += (uint64_t)n;
}

/* The trace of SIZE bytes and the RAM file its rings live in. */
static uint64_t generate(const char *trace, const char *ram, uint64_t size,
			 uint64_t *nverbs)
{
	struct gen g = { .sec = 1700000000 };
	uint8_t *mem = calloc(1, RAM_SIZE);
	unsigned i;
	uint64_t k = 0;
	FILE *rf;

	g.f = fopen(trace, "w");
	if (!g.f || !mem)
		die("cannot make the trace", -errno);
	setvbuf(g.f, NULL, _IOFBF, 1 << 20);
	/* the rings: verb i in slot i, its response in RIRB slot i */
	for (i = 0; i < 256; i++) {
		uint32_t verb = (uint32_t)(0x1 << 20 | 0xf00 << 8 | i);
		uint32_t res = 0x10ec0000 + i;

		memcpy(mem + CORB + 4 * i, &verb, 4);
		memcpy(mem + RIRB + 8 * i, &res, 4);
	}
	rf = fopen(ram, "w");
	if (!rf || fwrite(mem, 1, RAM_SIZE, rf) != RAM_SIZE || fclose(rf))
		die("cannot write the RAM file", -errno);
	free(mem);
	/* snd_hdac_bus_init_cmd_io() */
	line(&g, true, 0x08, 0, 4);
	line(&g, true, 0x08, 1, 4);
	line(&g, true, 0x40, CORB, 4);
	line(&g, true, 0x44, 0, 4);
	line(&g, true, 0x4e, 2, 1);
	line(&g, true, 0x48, 0, 2);
	line(&g, true, 0x4a, 0x8000, 2);
	line(&g, true, 0x4a, 0, 2);
	line(&g, true, 0x4c, 2, 1);
	line(&g, true, 0x50, RIRB, 4);
	line(&g, true, 0x54, 0, 4);
	line(&g, true, 0x5e, 2, 1);
	line(&g, true, 0x58, 0x8000, 2);
	line(&g, true, 0x5c, 3, 1);
	while (g.bytes < size) {
		unsigned slot = (unsigned)((k + 1) & 0xff);

		line(&g, true, 0x48, slot, 2);
		other(&g, (unsigned)k);
		line(&g, false, 0x24, 0xc0000000, 4);
		line(&g, false, 0x5d, 1, 1);
		line(&g, false, 0x58, slot, 2);
		other(&g, (unsigned)k + 1);
		line(&g, true, 0x5d, 1, 1);
		k++;
	}
	if (fclose(g.f))
		die("cannot write the trace", -errno);
	*nverbs = k;
	return g.bytes;
}

enum mode { CAPTURE, DECODE, TEXT, NMODES };

static const char *const mode_names[NMODES] = {
	"capture (pair, no output)      ",
	"capture + decode (hda_decode)  ",
	"capture + decode + text writer ",
};

struct count_sink {
	struct hda_decoder *d;
	uint64_t n, sum;
};

static int decode_sink(void *arg, const struct hda_exchange *x)
{
	struct count_sink *cs = arg;
	struct hda_decoded out;

	cs->n++;
	if (cs->d) {
		hda_decode(cs->d, x, &out);
		cs->sum += out.meaning[0] + (out.name ? out.name[0] : 0);
	}
	return 0;
}

static double run_capture(enum mode m, const char *trace, const char *ram,
			  uint64_t *n)
{
	struct hda_capture_opts o = { 0 };
	struct hda_capture_stats st;
	struct count_sink cs = { 0 };
	struct hda_writer *w = NULL;
	struct hda_pipe *pipe = NULL;
	struct hda_capture *c;
	FILE *null = fopen("/dev/null", "w");
	double t0;
	int fd, ret;

	t0 = now_s();
	fd = open(trace, O_RDONLY);
	if (fd < 0 || !null)
		die("open", -errno);
	ret = hda_mem_open_ram(ram, HDA_MACHINE_PC, 0, &o.mem);
	if (!ret && m == TEXT)
		ret = hda_writer_new(HDA_FORMAT_TEXT, null, NULL, &w);
	if (!ret && m == DECODE)
		ret = hda_decoder_new(&cs.d);
	if (ret)
		die("setup", ret);
	o.sink = w ? hda_writer_sink : decode_sink;
	o.sink_arg = w ? (void *)w : (void *)&cs;
	/* decoding and writing run on a second thread, as `hda capture`
	 * does (hda_pipe) */
	if (m != CAPTURE) {
		ret = hda_pipe_new(o.sink, o.sink_arg, &pipe);
		if (ret)
			die("pipe", ret);
		o.sink = hda_pipe_sink;
		o.sink_arg = pipe;
	}
	ret = hda_capture_new(&o, &c);
	if (!ret)
		ret = hda_capture_fd(c, fd, NULL, NULL, NULL, 0);
	if (!ret)
		ret = hda_capture_flush(c);
	if (!ret && pipe)
		ret = hda_pipe_finish(pipe);
	hda_pipe_free(pipe);
	if (!ret && w)
		ret = hda_writer_finish(w);
	if (ret)
		die("capture", ret);
	hda_capture_get_stats(c, &st);
	*n = st.exchanges;
	hda_capture_free(c);
	if (w)
		hda_writer_free(w);
	if (cs.d)
		hda_decoder_free(cs.d);
	hda_mem_close(o.mem);
	fclose(null);
	close(fd);
	return now_s() - t0;
}

static double run_grep(const char *trace, uint64_t *count)
{
	int pfd[2];
	char buf[64];
	double t0 = now_s();
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		die("pipe", -errno);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execlp("grep", "grep", "-c", "name 'intel-hda'", trace,
		       (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	reap(pid);
	buf[n > 0 ? n : 0] = '\0';
	*count = strtoull(buf, NULL, 10);
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR"), *env;
	char trace[512], ram[512];
	double tc[NMODES][RUNS], tg[RUNS], mc, mg;
	uint64_t size = 1ull << 30, bytes, verbs, nx = 0, ng = 0;
	struct rusage ru;
	int i, m;

	env = getenv("MEMWIRE_BENCH_HDA_SIZE");
	if (argc > 1)
		size = parse_size(argv[1]);
	else if (env && *env)
		size = parse_size(env);
	if (!size)
		die("size", -EINVAL);
	snprintf(trace, sizeof(trace), "%s/bench_hda.%d.trace",
		 tmp && *tmp ? tmp : "/tmp", (int)getpid());
	snprintf(ram, sizeof(ram), "%s/bench_hda.%d.ram",
		 tmp && *tmp ? tmp : "/tmp", (int)getpid());
	bytes = generate(trace, ram, size, &verbs);
	/* warm the page cache for both */
	run_grep(trace, &ng);
	for (i = 0; i < RUNS; i++) {
		tg[i] = run_grep(trace, &ng);
		for (m = 0; m < NMODES; m++) {
			tc[m][i] = run_capture((enum mode)m, trace, ram, &nx);
			if (nx != verbs) {
				unlink(trace);
				unlink(ram);
				die("the capture lost verbs", -EPROTO);
			}
		}
	}
	unlink(trace);
	unlink(ram);
	mg = median(tg, RUNS);
	getrusage(RUSAGE_SELF, &ru);
	printf("trace: %.0f MiB, %llu verbs, %llu intel-hda lines (grep), "
	       "medians of %d runs\n",
	       bytes / 1048576.0, (unsigned long long)verbs,
	       (unsigned long long)ng, RUNS);
	printf("grep -c \"name 'intel-hda'\" (baseline) %.3f s  %7.1f MiB/s\n",
	       mg, bytes / 1048576.0 / mg);
	for (m = 0; m < NMODES; m++) {
		mc = median(tc[m], RUNS);
		printf("%s %.3f s  %7.1f MiB/s  ratio to grep %.2f%s\n",
		       mode_names[m], mc, bytes / 1048576.0 / mc, mg / mc,
		       m == DECODE ? "  (goal >= 0.5)" : "");
	}
	printf("peak RSS: %ld KiB for a %.0f MiB trace\n", ru.ru_maxrss,
	       bytes / 1048576.0);
	return 0;
}
