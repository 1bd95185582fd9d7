/* SPDX-License-Identifier: MIT */
/*
 * test_hda_capture.c - HDA capture: trace lines, the controller model, the
 * pairing, guest memory (a real RAM file, a real QMP server) and the CLI.
 *
 * The driver side is simulated the way Linux's snd_hdac_bus_* drives the
 * controller (hda.md 4): it writes commands into a CORB in a real guest-RAM
 * file, writes CORBWP, a "codec" answers into the RIRB of the same file,
 * the driver reads RIRBWP.  Each access becomes the trace line QEMU 7.2
 * prints for it (memory_region_ops_* of 'intel-hda', or vfio_region_*),
 * built here from the formats in hda.md 3.1, never by the library.  Lines
 * go to the capture one at a time while the file changes, as they would
 * live; expected exchanges come from the simulation's own record.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "memwire/core.h"
#include "memwire/hda.h"

#define RAM_SIZE (16u << 20)
#define BAR 0xfebf0000ull

/* ------------------------------------------------------ sink: a list */

struct xlist {
	struct hda_exchange *x;
	size_t n, cap;
};

static int list_sink(void *arg, const struct hda_exchange *x)
{
	struct xlist *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->x = realloc(l->x, l->cap * sizeof(*l->x));
		assert_non_null(l->x);
	}
	l->x[l->n++] = *x;
	return 0;
}

/* ------------------------------------------- the simulated controller */

enum style { MR_TID, MR_PLAIN, MR_ISO, VFIO };

struct sim {
	char dir[512];
	char ram_path[640];
	uint8_t *ram;
	int fd;
	struct hda_mem *mem;
	struct hda_capture *cap;
	struct xlist out;
	enum style style;
	FILE *trace; /* also write the lines here when set */
	unsigned usec;
	/* driver state */
	uint64_t corb, rirb;
	unsigned corb_size, rirb_size, wp, rp;
	/* what the controller carried: verbs and their responses */
	uint32_t sent[4096], answer[4096];
	unsigned nsent;
};

static void sim_line(struct sim *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	if (s->trace)
		fprintf(s->trace, "%s\n", line);
	if (s->cap)
		assert_int_equal(hda_capture_line(s->cap, line, (size_t)n), 0);
}

static void sim_access(struct sim *s, bool write, unsigned off, uint64_t v,
		   unsigned size)
{
	char pre[64] = "";

	s->usec++;
	if (s->style == MR_TID)
		snprintf(pre, sizeof(pre), "4242@1700000000.%06u:", s->usec);
	else if (s->style == MR_ISO)
		snprintf(pre, sizeof(pre), "2025-07-21T18:43:28.%06uZ ",
			 s->usec);
	if (s->style == VFIO) {
		if (write)
			sim_line(s,
				 "vfio_region_write  (0000:00:1f.3:region0+0x%x, "
				 "0x%llx, %u)",
				 off, (unsigned long long)v, size);
		else
			sim_line(s,
				 "vfio_region_read  (0000:00:1f.3:region0+0x%x, "
				 "%u) = 0x%llx",
				 off, size, (unsigned long long)v);
		return;
	}
	sim_line(s,
		 "%smemory_region_ops_%s cpu 0 mr 0x55d0c0ffee00 addr 0x%llx "
		 "value 0x%llx size %u name 'intel-hda'",
		 pre, write ? "write" : "read",
		 (unsigned long long)(BAR + off), (unsigned long long)v, size);
}

#define W(s, off, v, size) sim_access(s, true, off, v, size)
#define R(s, off, v, size) sim_access(s, false, off, v, size)

static void put32(struct sim *s, uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(s->ram + gpa, &v, 4); /* x86: little endian */
}

static void sim_open(struct sim *s, enum style style, bool with_mem)
{
	struct hda_capture_opts o = { 0 };

	memset(s, 0, sizeof(*s));
	s->style = style;
	tu_tmpdir(s->dir, sizeof(s->dir));
	snprintf(s->ram_path, sizeof(s->ram_path), "%s/ram", s->dir);
	s->fd = open(s->ram_path, O_RDWR | O_CREAT, 0600);
	assert_true(s->fd >= 0);
	assert_int_equal(ftruncate(s->fd, RAM_SIZE), 0);
	s->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->fd, 0);
	assert_true(s->ram != MAP_FAILED);
	if (with_mem)
		assert_int_equal(hda_mem_open_ram(s->ram_path, HDA_MACHINE_PC,
						  0, &s->mem),
				 0);
	o.mem = s->mem;
	o.sink = list_sink;
	o.sink_arg = &s->out;
	assert_int_equal(hda_capture_new(&o, &s->cap), 0);
}

static void sim_close(struct sim *s)
{
	hda_capture_free(s->cap);
	hda_mem_close(s->mem);
	munmap(s->ram, RAM_SIZE);
	close(s->fd);
	free(s->out.x);
	tu_rmrf(s->dir);
}

/* snd_hdac_bus_init_cmd_io(), after a controller reset. */
static void sim_init(struct sim *s, uint64_t corb, unsigned size_code)
{
	static const unsigned sizes[] = { 2, 16, 256 };

	W(s, 0x08, 0, 4); /* CRST = 0: reset */
	W(s, 0x08, 1, 4);
	s->corb = corb;
	s->rirb = corb + 0x800;
	s->corb_size = s->rirb_size = sizes[size_code];
	W(s, 0x40, (uint32_t)corb, 4);
	W(s, 0x44, (uint32_t)(corb >> 32), 4);
	W(s, 0x4e, size_code, 1);
	W(s, 0x48, 0, 2);
	W(s, 0x4a, 0x8000, 2);
	R(s, 0x4a, 0x8000, 2);
	W(s, 0x4a, 0, 2);
	W(s, 0x4c, 2, 1);
	W(s, 0x50, (uint32_t)s->rirb, 4);
	W(s, 0x54, (uint32_t)(s->rirb >> 32), 4);
	W(s, 0x5e, size_code, 1);
	W(s, 0x58, 0x8000, 2);
	W(s, 0x5a, 1, 2);
	W(s, 0x5c, 3, 1);
	W(s, 0x08, 0x101, 4); /* UNSOL */
	s->wp = s->rp = 0;
}

/* Queue a verb in the CORB (no WP write yet). */
static void sim_queue(struct sim *s, uint32_t verb)
{
	s->wp = (s->wp + 1) % s->corb_size;
	put32(s, s->corb + 4ull * s->wp, verb);
	assert_true(s->nsent < 4096);
	s->sent[s->nsent++] = verb;
}

static void sim_post(struct sim *s)
{
	W(s, 0x48, s->wp, 2);
}

/* The codec answers: one RIRB entry (no RIRBWP read yet). */
static void sim_answer(struct sim *s, uint32_t res, uint32_t res_ex)
{
	s->rp = (s->rp + 1) % s->rirb_size;
	put32(s, s->rirb + 8ull * s->rp, res);
	put32(s, s->rirb + 8ull * s->rp + 4, res_ex);
}

/* The driver's interrupt handler: RIRBSTS, RIRBWP, clear RIRBSTS. */
static void sim_irq(struct sim *s)
{
	R(s, 0x5d, 1, 1);
	R(s, 0x58, s->rp, 2);
	W(s, 0x5d, 1, 1);
}

static uint32_t resp_for(uint32_t verb)
{
	return verb * 2654435761u ^ 0x5a5a0000u;
}

/* One verb sent and answered, the synchronous way Linux does it. */
static void sim_exchange(struct sim *s, uint32_t verb)
{
	sim_queue(s, verb);
	sim_post(s);
	s->answer[s->nsent - 1] = resp_for(verb);
	sim_answer(s, resp_for(verb), hda_verb_codec(verb));
	sim_irq(s);
}

static uint32_t mkverb(unsigned codec, unsigned nid, unsigned verb12,
		       unsigned payload)
{
	return (uint32_t)codec << 28 | (uint32_t)nid << 20 |
	       (uint32_t)verb12 << 8 | payload;
}

static struct hda_capture_stats stats(struct sim *s)
{
	struct hda_capture_stats st;

	hda_capture_get_stats(s->cap, &st);
	return st;
}

/* ------------------------------------------------------ trace parser */

static void test_parse_accepts_every_prefix(void **state)
{
	static const struct {
		const char *line;
		bool has_time;
		double time;
	} cases[] = {
		{ "memory_region_ops_write cpu 0 mr 0x5600 addr 0xfebf0048 "
		  "value 0x1 size 2 name 'intel-hda'",
		  false, 0 },
		{ "7912@1795456455.834130:memory_region_ops_write cpu 0 mr "
		  "0x5600 addr 0xfebf0048 value 0x1 size 2 name 'intel-hda'",
		  true, 1795456455.834130 },
		{ "2025-07-21T18:43:28.089815Z memory_region_ops_write cpu 0 "
		  "mr 0x5600 addr 0xfebf0048 value 0x1 size 2 name "
		  "'intel-hda'",
		  true, 1753123408.089815 },
		{ "[workload] qemu-system-x86_64: (7912:CPU 0/TCG): "
		  "memory_region_ops_write cpu 0 mr 0x5600 addr 0xfebf0048 "
		  "value 0x1 size 2 name 'intel-hda'",
		  false, 0 },
	};
	struct hda_trace_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = hda_trace_parse(cases[i].line, strlen(cases[i].line),
					  &ev);

		if (ret != 1)
			fail_msg("case %zu: ret %d (%s)", i, ret,
				 mw_last_error());
		assert_int_equal(ev.kind, HDA_TRACE_MR);
		assert_true(ev.write);
		assert_int_equal(ev.addr, 0xfebf0048);
		assert_int_equal(ev.value, 1);
		assert_int_equal(ev.size, 2);
		assert_int_equal(ev.dev_len, 9);
		assert_memory_equal(ev.dev, "intel-hda", 9);
		assert_int_equal(ev.has_time, cases[i].has_time);
		if (cases[i].has_time &&
		    (ev.time < cases[i].time - 1e-6 ||
		     ev.time > cases[i].time + 1e-6))
			fail_msg("case %zu: time %.6f, expected %.6f", i,
				 ev.time, cases[i].time);
	}
}

static void test_parse_vfio_lines_and_names_with_colons(void **state)
{
	const char *w = "12345@1700000000.000007:vfio_region_write  "
			"(0000:07:00.0:region0+0x48, 0xff, 2)";
	const char *r = "vfio_region_read  (my:dev:region1:region12+0x58, 2) "
			"= 0x1f\r";
	const char *mr = "memory_region_ops_read cpu -1 mr (nil) addr 0x58 "
			 "value 0x3 size 2 name '0000:00:1f.3 BAR 0'";
	const char *old = "719585@1608130130.441188:memory_region_ops_read "
			  "cpu 0 mr 0x562fdfbb3820 addr 0x3cc value 0x67 "
			  "size 1";
	struct hda_trace_event ev;

	(void)state;
	assert_int_equal(hda_trace_parse(w, strlen(w), &ev), 1);
	assert_int_equal(ev.kind, HDA_TRACE_VFIO);
	assert_true(ev.write);
	assert_int_equal(ev.region, 0);
	assert_int_equal(ev.addr, 0x48);
	assert_int_equal(ev.value, 0xff);
	assert_int_equal(ev.size, 2);
	assert_int_equal(ev.dev_len, strlen("0000:07:00.0"));
	assert_memory_equal(ev.dev, "0000:07:00.0", ev.dev_len);
	/* a double holds 1.7e9 s to about 0.24 us */
	assert_true(ev.time > 1700000000.0000065 &&
		    ev.time < 1700000000.0000075);

	assert_int_equal(hda_trace_parse(r, strlen(r), &ev), 1);
	assert_false(ev.write);
	assert_int_equal(ev.region, 12);
	assert_int_equal(ev.value, 0x1f);
	assert_int_equal(ev.dev_len, strlen("my:dev:region1"));

	assert_int_equal(hda_trace_parse(mr, strlen(mr), &ev), 1);
	assert_int_equal(ev.dev_len, strlen("0000:00:1f.3 BAR 0"));
	assert_memory_equal(ev.dev, "0000:00:1f.3 BAR 0", ev.dev_len);

	/* QEMU 5.x: no name */
	assert_int_equal(hda_trace_parse(old, strlen(old), &ev), 1);
	assert_int_equal(ev.dev_len, 0);
	assert_int_equal(ev.addr, 0x3cc);
}

static void test_parse_ignores_other_events(void **state)
{
	static const char *const lines[] = {
		"",
		"qemu-system-x86_64: terminating on signal 15",
		"7910@1795456455.827883:apic_deliver_irq dest 0",
		"vfio_region_writes (x:region0+0x1, 0x1, 1)",
		"xmemory_region_ops_write cpu 0 mr 0x1 addr 0x1 value 0x1 "
		"size 1",
		"memory_region_ops_writeX cpu 0",
	};
	struct hda_trace_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (hda_trace_parse(lines[i], strlen(lines[i]), &ev) != 0)
			fail_msg("line %zu '%s' was not ignored", i, lines[i]);
}

/* Every cut of a valid line is refused or ignored, never misread. */
static void test_parse_refuses_truncated_lines(void **state)
{
	static const char *const full[] = {
		"1@1.000001:vfio_region_write  (0000:07:00.0:region0+0x48, "
		"0xff, 2)",
		"vfio_region_read  (0000:07:00.0:region0+0x58, 2) = 0x1f",
		"memory_region_ops_write cpu 0 mr 0x5600 addr 0xfebf0048 "
		"value 0x1 size 2 name 'intel-hda'",
	};
	struct hda_trace_event ev;
	size_t i, cut;

	(void)state;
	for (i = 0; i < 3; i++) {
		size_t len = strlen(full[i]);
		const char *sz = strstr(full[i], "size 2");

		for (cut = 0; cut < len; cut++) {
			int ret = hda_trace_parse(full[i], cut, &ev);

			/* the QEMU 5.x form (no name) is a valid line */
			if (sz && (cut == (size_t)(sz - full[i]) + 6 ||
				   cut == (size_t)(sz - full[i]) + 7)) {
				assert_int_equal(ret, 1);
				continue;
			}
			/* "= 0x1" is a valid (smaller) read value */
			if (i == 1 && cut == len - 1) {
				assert_int_equal(ret, 1);
				assert_int_equal(ev.value, 1);
				continue;
			}
			if (ret == 1)
				fail_msg("'%.*s' parsed as an event", (int)cut,
					 full[i]);
		}
	}
}

static void test_parse_rejects_absurd_values_naming_the_field(void **state)
{
	static const struct {
		const char *line;
		const char *field;
	} cases[] = {
		{ "vfio_region_write  (d:region0+0x48, 0xff, 3)",
		  "access size" },
		{ "vfio_region_write  (d:region0+0x48, 0x1ffffffffffffffff, 2)",
		  "vfio write data" },
		{ "vfio_region_write  (d:region99999+0x48, 0x1, 2)",
		  "vfio region number" },
		{ "vfio_region_write  (d:region0+0x, 0x1, 2)",
		  "vfio region offset" },
		{ "memory_region_ops_write cpu 0 mr 0x1 addr 0x48 value 0x1 "
		  "size 2 name 'intel-hda",
		  "no closing quote" },
		{ "memory_region_ops_write cpu x mr 0x1 addr 0x48 value 0x1 "
		  "size 2",
		  "cpu index" },
		{ "memory_region_ops_write cpu 0 mr 0x1 addr 0x48 value 0x1 "
		  "size 4294967297",
		  "access size" },
	};
	struct hda_trace_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = hda_trace_parse(cases[i].line, strlen(cases[i].line),
					  &ev);

		if (ret != -EINVAL || !strstr(mw_last_error(), cases[i].field))
			fail_msg("case %zu: ret %d, error '%s', expected '%s'",
				 i, ret, mw_last_error(), cases[i].field);
	}
}

/* ------------------------------------------------ model and pairing */

static void check_carried(struct sim *s, size_t first)
{
	size_t i;

	assert_int_equal(s->out.n - first, s->nsent);
	for (i = 0; i < s->nsent; i++) {
		const struct hda_exchange *x = &s->out.x[first + i];

		if (!x->has_verb || x->verb != s->sent[i] ||
		    !x->has_response || x->response != s->answer[i])
			fail_msg("exchange %zu: verb 0x%08x resp 0x%08x (%d), "
				 "expected 0x%08x 0x%08x",
				 i, x->verb, x->response, x->has_response,
				 s->sent[i], s->answer[i]);
		assert_int_equal(x->seq, first + i + 1);
		assert_false(x->unsolicited);
	}
}

/* A table of setups: prefix styles, ring sizes, VFIO. */
static void test_capture_pairs_every_verb_across_ring_wraps(void **state)
{
	static const struct {
		enum style style;
		unsigned size_code, n;
	} cfg[] = {
		{ MR_TID, 2, 600 }, { MR_PLAIN, 2, 300 }, { MR_ISO, 1, 50 },
		{ VFIO, 2, 520 },   { MR_TID, 0, 9 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cfg) / sizeof(cfg[0]); k++) {
		struct sim s;
		unsigned i;

		sim_open(&s, cfg[k].style, true);
		sim_init(&s, 0x200000, cfg[k].size_code);
		for (i = 0; i < cfg[k].n; i++)
			sim_exchange(&s, mkverb(0, 1 + i % 0x20, 0xf00,
						i & 0xff));
		assert_int_equal(hda_capture_flush(s.cap), 0);
		check_carried(&s, 0);
		for (i = 0; i < cfg[k].n; i++)
			assert_int_equal(s.out.x[i].corb_index,
					 (i + 1) % s.corb_size);
		if (cfg[k].style == MR_TID)
			assert_true(s.out.x[0].time > 1700000000.0 &&
				    s.out.x[0].time < 1700000001.0);
		assert_int_equal(stats(&s).warnings, 0);
		sim_close(&s);
	}
}

static void test_capture_batched_write_pointer_and_responses(void **state)
{
	struct sim s;
	unsigned i, j;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	/* 7 verbs a WP write, all answered before one RIRBWP read; the
	 * batches cross the end of the ring. */
	for (i = 0; i < 60; i++) {
		for (j = 0; j < 7; j++)
			sim_queue(&s, mkverb(0, 0x20, 0x500 + j, i));
		sim_post(&s);
		for (j = 0; j < 7; j++) {
			uint32_t v = s.sent[s.nsent - 7 + j];

			s.answer[s.nsent - 7 + j] = resp_for(v);
			sim_answer(&s, resp_for(v), 0);
		}
		sim_irq(&s);
	}
	hda_capture_flush(s.cap);
	check_carried(&s, 0);
	sim_close(&s);
}

static void test_capture_codecs_answer_independently(void **state)
{
	struct sim s;
	unsigned i;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	/* codec 0 and codec 2 each get a verb; codec 2 answers first. */
	for (i = 0; i < 40; i++) {
		uint32_t a = mkverb(0, 1, 0xf00, i), b = mkverb(2, 1, 0xf00, i);

		sim_queue(&s, a);
		sim_queue(&s, b);
		s.answer[s.nsent - 2] = resp_for(a);
		s.answer[s.nsent - 1] = resp_for(b);
		sim_post(&s);
		sim_answer(&s, resp_for(b), 2);
		sim_irq(&s);
		sim_answer(&s, resp_for(a), 0);
		sim_irq(&s);
	}
	hda_capture_flush(s.cap);
	check_carried(&s, 0);
	for (i = 0; i < s.out.n; i++)
		assert_int_equal(s.out.x[i].response_ex, i % 2 ? 2 : 0);
	sim_close(&s);
}

static void test_capture_flags_unsolicited_without_shifting_pairs(void **state)
{
	struct sim s;
	uint32_t v = mkverb(0, 0x14, 0xf09, 0);
	size_t i;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	sim_exchange(&s, mkverb(0, 0, 0xf00, 0));
	/* a jack event arrives between a verb and its response */
	sim_queue(&s, v);
	sim_post(&s);
	sim_answer(&s, 0x04000000, 0x10 | 0);
	sim_answer(&s, 0x80000000, 0);
	sim_irq(&s);
	sim_exchange(&s, mkverb(0, 0, 0xf00, 4));
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 4);
	/* in the order the controller carried them */
	assert_true(s.out.x[1].has_verb && s.out.x[1].verb == v);
	assert_int_equal(s.out.x[1].response, 0x80000000);
	assert_true(s.out.x[2].unsolicited && !s.out.x[2].has_verb);
	assert_int_equal(s.out.x[2].response, 0x04000000);
	assert_int_equal(hda_exchange_codec(&s.out.x[2]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(s.out.x[i].seq, i + 1);
	assert_int_equal(stats(&s).unsolicited, 1);
	sim_close(&s);
}

static void test_capture_immediate_commands(void **state)
{
	struct sim s;
	struct hda_capture_stats st;

	(void)state;
	sim_open(&s, VFIO, false); /* no guest memory needed */
	/* azx_single_send_cmd / azx_single_get_response */
	R(&s, 0x68, 0, 2);
	W(&s, 0x68, 2, 2);
	W(&s, 0x60, 0x000f0000, 4);
	W(&s, 0x68, 1, 2);
	R(&s, 0x68, 2, 2);
	R(&s, 0x64, 0x10ec0269, 4);
	/* a second command that never gets an answer, then a third */
	W(&s, 0x60, 0x001f0005, 4);
	W(&s, 0x68, 1, 2);
	W(&s, 0x60, 0x20170500, 4);
	W(&s, 0x68, 1, 2);
	R(&s, 0x64, 0x11, 4);
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 3);
	assert_int_equal(s.out.x[0].verb, 0x000f0000);
	assert_int_equal(s.out.x[0].response, 0x10ec0269);
	assert_int_equal(s.out.x[0].path, HDA_PATH_IMMEDIATE);
	assert_false(s.out.x[1].has_response);
	assert_int_equal(s.out.x[2].verb, 0x20170500);
	assert_int_equal(s.out.x[2].response, 0x11);
	assert_int_equal(hda_exchange_codec(&s.out.x[2]), 2);
	st = stats(&s);
	assert_int_equal(st.verbs, 3);
	assert_int_equal(st.no_response, 1);
	assert_string_equal(st.device, "0000:00:1f.3:region0");
	sim_close(&s);
}

/* The guest shuts down: the verbs it sent last still come out. */
static void test_capture_flush_keeps_unanswered_verbs(void **state)
{
	struct sim s;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	sim_exchange(&s, mkverb(0, 1, 0x705, 3));
	sim_queue(&s, mkverb(0, 1, 0x705, 0)); /* D0 -> power off */
	sim_queue(&s, mkverb(0, 0x14, 0x707, 0));
	sim_post(&s);
	assert_int_equal(s.out.n, 1); /* waiting for their responses */
	assert_int_equal(hda_capture_flush(s.cap), 0);
	assert_int_equal(s.out.n, 3);
	assert_int_equal(s.out.x[1].verb, mkverb(0, 1, 0x705, 0));
	assert_false(s.out.x[1].has_response);
	assert_int_equal(s.out.x[2].verb, mkverb(0, 0x14, 0x707, 0));
	assert_int_equal(stats(&s).no_response, 2);
	sim_close(&s);
}

static void test_capture_controller_reset_flushes_and_restarts(void **state)
{
	struct sim s;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	sim_exchange(&s, mkverb(0, 1, 0xf00, 1));
	sim_queue(&s, mkverb(0, 1, 0xf00, 2));
	sim_post(&s);
	/* S3 or a driver reload: CRST with a verb still waiting, then the
	 * rings come back somewhere else, smaller. */
	sim_init(&s, 0x500000, 1);
	assert_int_equal(s.out.n, 2);
	assert_false(s.out.x[1].has_response);
	sim_exchange(&s, mkverb(0, 1, 0xf00, 3));
	sim_exchange(&s, mkverb(0, 1, 0xf00, 4));
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 4);
	assert_int_equal(s.out.x[2].verb, mkverb(0, 1, 0xf00, 3));
	assert_int_equal(s.out.x[2].corb_index, 1);
	assert_int_equal(s.out.x[3].response, resp_for(mkverb(0, 1, 0xf00, 4)));
	sim_close(&s);
}

static void test_capture_corb_base_moved_mid_run(void **state)
{
	struct sim s;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	sim_exchange(&s, mkverb(0, 1, 0xf00, 1));
	/* a hostile guest moves the rings while CORBRUN is set */
	W(&s, 0x40, 0x600000, 4);
	s.corb = 0x600000;
	sim_exchange(&s, mkverb(0, 1, 0xf00, 2));
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 2);
	/* the verb was read where the guest said the CORB now is */
	assert_int_equal(s.out.x[1].verb, mkverb(0, 1, 0xf00, 2));
	assert_true(stats(&s).warnings >= 1);
	sim_close(&s);
}

static void test_capture_pointer_resets_make_no_phantom_verbs(void **state)
{
	struct sim s;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	sim_exchange(&s, mkverb(0, 1, 0xf00, 1));
	sim_exchange(&s, mkverb(0, 1, 0xf00, 2));
	/* the driver stops the CORB, resets both pointers, restarts:
	 * WP 2 -> 0 must not read 254 stale slots */
	W(&s, 0x4c, 0, 1);
	W(&s, 0x48, 0, 2);
	W(&s, 0x4a, 0x8000, 2);
	W(&s, 0x4a, 0, 2);
	W(&s, 0x58, 0x8000, 2);
	W(&s, 0x4c, 2, 1);
	s.wp = s.rp = 0;
	sim_exchange(&s, mkverb(0, 1, 0xf00, 3));
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 3);
	check_carried(&s, 0);
	sim_close(&s);
}

static void test_capture_write_pointer_jumps_are_bounded(void **state)
{
	struct sim s;
	unsigned i;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 1); /* 16 entries */
	for (i = 0; i < 16; i++)
		put32(&s, 0x300000 + 4 * i, mkverb(0, 2, 0xf00, i));
	/* WP far outside the ring, then a jump over 15 slots */
	W(&s, 0x48, 0x1ff, 2);
	W(&s, 0x48, 0x0e, 2);
	hda_capture_flush(s.cap);
	/* 0x1ff & 15 = 15 slots, then 15 -> 14 = 15 slots */
	assert_int_equal(s.out.n, 30);
	for (i = 0; i < s.out.n; i++)
		assert_true(s.out.x[i].corb_index < 16);
	assert_true(stats(&s).warnings >= 1);
	assert_int_equal(stats(&s).no_response, 30);
	sim_close(&s);
}

static void test_capture_rings_outside_guest_ram(void **state)
{
	struct sim s;
	struct hda_capture_stats st;

	(void)state;
	sim_open(&s, MR_TID, true);
	/* past the end of the 16 MiB RAM, and in the PCI hole */
	sim_init(&s, RAM_SIZE, 2);
	W(&s, 0x48, 1, 2);
	W(&s, 0x40, 0xfebf0000, 4);
	W(&s, 0x48, 2, 2);
	W(&s, 0x40, 0xfffffff0, 4);
	W(&s, 0x44, 0xffffffff, 4);
	W(&s, 0x48, 200, 2);
	R(&s, 0x58, 5, 2);
	hda_capture_flush(s.cap);
	st = stats(&s);
	assert_int_equal(s.out.n, 0);
	assert_true(st.warnings >= 4);
	sim_close(&s);
}

static void test_capture_trace_starting_mid_run(void **state)
{
	struct sim s;
	struct hda_capture_stats st;

	(void)state;
	sim_open(&s, MR_TID, true);
	/* no init in the trace: the bases are unknown */
	s.corb = 0x300000;
	s.rirb = 0x300800;
	s.corb_size = s.rirb_size = 256;
	s.wp = s.rp = 40;
	sim_exchange(&s, mkverb(0, 1, 0xf00, 1));
	st = stats(&s);
	assert_true(st.warnings >= 2);
	assert_int_equal(s.out.n, 0);
	/* the driver re-programs the bases (resume): capture picks up */
	W(&s, 0x40, 0x300000, 4);
	W(&s, 0x50, 0x300800, 4);
	s.nsent = 0;
	sim_exchange(&s, mkverb(0, 1, 0xf00, 2));
	sim_exchange(&s, mkverb(0, 1, 0xf00, 3));
	hda_capture_flush(s.cap);
	check_carried(&s, 0);
	sim_close(&s);
}

static void test_capture_queue_is_bounded_without_responses(void **state)
{
	struct sim s;
	unsigned i;

	(void)state;
	sim_open(&s, MR_TID, true);
	sim_init(&s, 0x300000, 2);
	/* a trace without read events: no response is ever seen */
	for (i = 0; i < 3000; i++) {
		sim_queue(&s, mkverb(0, 1, 0xf00, i & 0xff));
		sim_post(&s);
	}
	assert_true(s.out.n >= 3000 - 512);
	hda_capture_flush(s.cap);
	assert_int_equal(s.out.n, 3000);
	for (i = 0; i < 3000; i++)
		assert_int_equal(s.out.x[i].seq, i + 1);
	sim_close(&s);
}

/* ------------------------------------------------------- guest memory */

static void test_ram_layout_follows_qemu_7_2(void **state)
{
	static const struct {
		enum hda_machine m;
		uint64_t ram, below, low;
	} cfg[] = {
		{ HDA_MACHINE_PC, 128ull << 20, 0, 128ull << 20 },
		{ HDA_MACHINE_PC, 3ull << 30, 0, 3ull << 30 },
		{ HDA_MACHINE_PC, 0xdfffffffull, 0, 0xdfffffffull },
		{ HDA_MACHINE_PC, 0xe0000000ull, 0, 0xc0000000ull },
		{ HDA_MACHINE_PC, 4ull << 30, 0, 0xc0000000ull },
		{ HDA_MACHINE_PC, 8ull << 30, 2ull << 30, 2ull << 30 },
		{ HDA_MACHINE_Q35, 0xafffffffull, 0, 0xafffffffull },
		{ HDA_MACHINE_Q35, 0xb0000000ull, 0, 0x80000000ull },
		{ HDA_MACHINE_Q35, 3ull << 30, 0, 0x80000000ull },
		{ HDA_MACHINE_Q35, 2ull << 30, 1ull << 30, 1ull << 30 },
		{ HDA_MACHINE_FLAT, 8ull << 30, 0, 8ull << 30 },
	};
	enum hda_machine m;
	uint64_t low;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		assert_int_equal(hda_mem_ram_layout(cfg[i].m, cfg[i].ram,
						    cfg[i].below, &low),
				 0);
		if (low != cfg[i].low)
			fail_msg("config %zu: low 0x%llx, expected 0x%llx", i,
				 (unsigned long long)low,
				 (unsigned long long)cfg[i].low);
	}
	assert_int_equal(hda_machine_parse("pc-q35-7.2", &m), 0);
	assert_int_equal(m, HDA_MACHINE_Q35);
	assert_int_equal(hda_machine_parse("pc-i440fx-7.2", &m), 0);
	assert_int_equal(m, HDA_MACHINE_PC);
	assert_int_equal(hda_machine_parse("virt", &m), -EINVAL);
}

/* A sparse 3 GiB q35 RAM file: the part above 2 GiB is at 4 GiB. */
static void test_ram_file_maps_the_high_part_above_4g(void **state)
{
	char dir[512], path[600];
	struct hda_mem *m;
	uint32_t v = 0x11223344, got;
	int fd;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/ram", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3ll << 30), 0);
	assert_int_equal(pwrite(fd, &v, 4, (2ll << 30) + 0x1000), 4);
	v = 0x55667788;
	assert_int_equal(pwrite(fd, &v, 4, 0x7ffffffc), 4);
	close(fd);
	assert_int_equal(hda_mem_open_ram(path, HDA_MACHINE_Q35, 0, &m), 0);
	assert_int_equal(hda_mem_read(m, (4ull << 30) + 0x1000, &got, 4), 0);
	assert_int_equal(got, 0x11223344);
	assert_int_equal(hda_mem_read(m, 0x7ffffffc, &got, 4), 0);
	assert_int_equal(got, 0x55667788);
	/* the hole, across the end of the low part, past the end */
	assert_int_equal(hda_mem_read(m, 0x80000000, &got, 4), -EFAULT);
	assert_int_equal(hda_mem_read(m, 0x7ffffffe, &got, 4), -EFAULT);
	assert_non_null(strstr(mw_last_error(), "outside guest RAM"));
	assert_int_equal(hda_mem_read(m, (5ull << 30) - 2, &got, 4), -EFAULT);
	assert_int_equal(hda_mem_read(m, ~0ull - 1, &got, 4), -EFAULT);
	hda_mem_close(m);
	tu_rmrf(dir);
}

/* ---------------------------------------------------------------- QMP */

/* A fake QMP peer: greets, answers @answers commands, then closes. */
static pid_t fake_qmp(const char *path, const char *greeting, int answers)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	assert_true(ls >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(ls, NULL, NULL);
		char buf[4096];
		int i;

		if (c < 0)
			_exit(1);
		if (write(c, greeting, strlen(greeting)) < 0)
			_exit(1);
		for (i = 0; i < answers; i++) {
			char id[64] = "\"id\": 0", reply[300], *p, *q;
			size_t n = 0;

			/* one command: up to its newline */
			while (n < sizeof(buf) - 1 &&
			       (n == 0 || buf[n - 1] != '\n')) {
				ssize_t r = read(c, buf + n, 1);

				if (r <= 0)
					_exit(0);
				n++;
			}
			buf[n] = '\0';
			p = strstr(buf, "\"id\":\"");
			q = p ? strchr(p + 6, '"') : NULL;
			if (q && q - p < 40)
				snprintf(id, sizeof(id), "%.*s",
					 (int)(q + 1 - p), p);
			/* an event first: it must be skipped */
			snprintf(reply, sizeof(reply),
				 "{\"event\": \"RESUME\"}\r\n{\"error\": "
				 "{\"class\": \"GenericError\", \"desc\": "
				 "\"nope\"}, %s}\r\n",
				 id);
			if (i == 0) /* qmp_capabilities */
				snprintf(reply, sizeof(reply),
					 "{\"return\": {}, %s}\r\n", id);
			if (write(c, reply, strlen(reply)) < 0)
				_exit(1);
		}
		close(c);
		_exit(0);
	}
	close(ls);
	return pid;
}

static void test_qmp_socket_that_goes_away(void **state)
{
	char dir[512], sock[600];
	struct hda_mem *m;
	struct hda_capture *cap;
	struct hda_capture_opts o = { 0 };
	struct xlist out = { 0 };
	const char *lines[] = {
		"memory_region_ops_write cpu 0 mr 0x1 addr 0xfebf0040 value "
		"0x100000 size 4 name 'intel-hda'",
		"memory_region_ops_write cpu 0 mr 0x1 addr 0xfebf0048 value "
		"0x1 size 2 name 'intel-hda'",
	};
	uint32_t w;
	pid_t pid;
	int st;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	snprintf(sock, sizeof(sock), "%s/qmp", dir);
	/* capabilities, a layout query (refused), then it closes */
	pid = fake_qmp(sock,
		       "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n",
		       2);
	if (hda_mem_open_qmp(sock, 5000, &m))
		fail_msg("%s", mw_last_error());
	assert_int_equal(hda_mem_read(m, 0x1000, &w, 4), -EPIPE);
	assert_non_null(strstr(mw_last_error(), "closed"));
	/* the capture keeps what it had and goes on */
	o.mem = m;
	o.sink = list_sink;
	o.sink_arg = &out;
	assert_int_equal(hda_capture_new(&o, &cap), 0);
	assert_int_equal(hda_capture_line(cap, lines[0], strlen(lines[0])), 0);
	/* the capture goes on, counting what it could not read */
	assert_int_equal(hda_capture_line(cap, lines[1], strlen(lines[1])), 0);
	assert_int_equal(hda_capture_line(cap, lines[1], strlen(lines[1])), 0);
	assert_int_equal(hda_capture_flush(cap), 0);
	{
		struct hda_capture_stats cs;

		hda_capture_get_stats(cap, &cs);
		assert_true(cs.mem_gone);
		assert_int_equal(cs.lost, 1);
	}
	hda_capture_free(cap);
	hda_mem_close(m);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	free(out.x);

	/* a peer that is no QMP server */
	unlink(sock);
	pid = fake_qmp(sock, "SSH-2.0-OpenSSH\r\n", 0);
	assert_int_equal(hda_mem_open_qmp(sock, 5000, &m), -EPROTO);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* nobody there */
	unlink(sock);
	assert_int_equal(hda_mem_open_qmp(sock, 100, &m), -ENOENT);
	tu_rmrf(dir);
}

static bool have_qemu(void)
{
	return access("/usr/bin/qemu-system-x86_64", X_OK) == 0;
}

/* Start a paused QEMU whose RAM is @ram (a file of @size bytes). */
static pid_t start_qemu(const char *machine, const char *size,
			const char *ram, const char *sock)
{
	char obj[1024], qmp[700];
	pid_t pid;

	snprintf(obj, sizeof(obj),
		 "memory-backend-file,id=mem,size=%s,mem-path=%s,share=on",
		 size, ram);
	snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", sock);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		execl("/usr/bin/qemu-system-x86_64", "qemu-system-x86_64",
		      "-M", machine, "-m", size, "-object", obj, "-machine",
		      "memory-backend=mem", "-S", "-display", "none",
		      "-nodefaults", "-qmp", qmp, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Real QEMU: xp over QMP reads what is in the RAM file, with the layout
 * of the machine; outside RAM is refused. */
static void test_qmp_reads_guest_memory_of_a_real_qemu(void **state)
{
	static const struct {
		const char *machine, *size;
		uint64_t gpa, off;
	} cfg[] = {
		{ "pc", "64M", 0x123454, 0x123454 },
		{ "q35", "3G", (4ull << 30) + 0x2000, (2ull << 30) + 0x2000 },
		{ "pc", "4G", (4ull << 30) + 0x10, (3ull << 30) + 0x10 },
	};
	size_t k;

	(void)state;
	if (!have_qemu())
		skip(); /* scripts/deps installs qemu-system-x86; CI has it */
	for (k = 0; k < sizeof(cfg) / sizeof(cfg[0]); k++) {
		char dir[512], ram[600], sock[600], *reply = NULL;
		uint8_t pat[1000], got[1000];
		struct hda_mem *m;
		uint64_t sz;
		pid_t pid;
		size_t i;
		int fd, st;

		tu_tmpdir(dir, sizeof(dir));
		snprintf(ram, sizeof(ram), "%s/ram", dir);
		snprintf(sock, sizeof(sock), "%s/qmp", dir);
		sz = cfg[k].size[strlen(cfg[k].size) - 1] == 'G'
			     ? (uint64_t)atoi(cfg[k].size) << 30
			     : (uint64_t)atoi(cfg[k].size) << 20;
		fd = open(ram, O_RDWR | O_CREAT, 0600);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)sz), 0);
		for (i = 0; i < sizeof(pat); i++)
			pat[i] = (uint8_t)(i * 7 + k);
		assert_int_equal(pwrite(fd, pat, sizeof(pat),
					(off_t)cfg[k].off),
				 sizeof(pat));
		close(fd);
		pid = start_qemu(cfg[k].machine, cfg[k].size, ram, sock);
		if (hda_mem_open_qmp(sock, 20000, &m))
			fail_msg("%s: %s", cfg[k].machine, mw_last_error());
		/* word-aligned (xp /Nxw) and not (xp /Nxb) */
		assert_int_equal(hda_mem_read(m, cfg[k].gpa, got, 1000), 0);
		assert_memory_equal(got, pat, 1000);
		assert_int_equal(hda_mem_read(m, cfg[k].gpa + 1, got, 7), 0);
		assert_memory_equal(got, pat + 1, 7);
		/* just past the low RAM: the PCI hole, or past the end */
		assert_int_equal(hda_mem_read(m, cfg[k].gpa < (4ull << 30)
							 ? sz
							 : (4ull << 30) + sz,
					      got, 4),
				 -EFAULT);
		assert_int_equal(hda_mem_qmp_command(
					 m, "{\"execute\":\"query-status\"}",
					 &reply),
				 0);
		assert_non_null(strstr(reply, "prelaunch"));
		free(reply);
		hda_mem_qmp_command(m, "{\"execute\":\"quit\"}", NULL);
		hda_mem_close(m);
		assert_int_equal(tu_wait_bg(pid, 10000), 0);
		(void)st;
		tu_rmrf(dir);
	}
}

/* ---------------------------------------------------------------- CLI */

static void write_sim_trace(struct sim *s, const char *path, unsigned n)
{
	unsigned i;

	s->trace = fopen(path, "w");
	assert_non_null(s->trace);
	sim_init(s, 0x200000, 2);
	for (i = 0; i < n; i++)
		sim_exchange(s, mkverb(0, 1 + i % 3, 0xf00, i & 0xff));
	fclose(s->trace);
	s->trace = NULL;
}

static void test_cli_capture_json_lines(void **state)
{
	struct tu_cmd r = { 0 };
	struct sim s;
	char trace[700], out[700], *text, *line;
	json_t *doc;
	unsigned n = 0;

	(void)state;
	/* 200 verbs: the RAM file's final state still holds them all */
	sim_open(&s, MR_TID, false);
	snprintf(trace, sizeof(trace), "%s/t", s.dir);
	snprintf(out, sizeof(out), "%s/out.json", s.dir);
	write_sim_trace(&s, trace, 200);
	doc = tu_run_json(&r, TU_ARGV("hda", "capture", "--trace", trace,
				      "--ram", s.ram_path, "--machine", "pc",
				      "-o", out));
	assert_int_equal(tu_int_member(doc, "exchanges"), 200);
	assert_int_equal(tu_int_member(doc, "responses"), 200);
	assert_string_equal(tu_str_member(doc, "device"), "name=intel-hda");
	json_decref(doc);
	tu_cmd_free(&r);
	text = tu_read_file(out);
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t err;
		json_t *x = json_loads(line, 0, &err);

		assert_non_null(x);
		assert_int_equal(tu_int_member(x, "seq"), n + 1);
		assert_int_equal(tu_int_member(x, "verb"), s.sent[n]);
		assert_int_equal(tu_int_member(x, "response"), s.answer[n]);
		assert_int_equal(tu_int_member(x, "codec"), 0);
		assert_int_equal(tu_int_member(x, "nid"), 1 + n % 3);
		assert_false(tu_bool_member(x, "unsolicited"));
		json_decref(x);
		n++;
	}
	assert_int_equal(n, 200);
	free(text);
	sim_close(&s);
}

static void test_cli_capture_errors(void **state)
{
	char dir[512], trace[600];
	FILE *f;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	snprintf(trace, sizeof(trace), "%s/t", dir);
	f = fopen(trace, "w");
	assert_non_null(f);
	fclose(f);
	tu_check_error(TU_ARGV("hda", "capture"), 2, "--trace");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", trace, "--qmp",
			       "x", "--ram", "y"),
		       2, "exclude");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", trace, "--device",
			       "00:1f.3:regionx"),
		       2, "regionN");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", "/nonexistent/t"),
		       1, "/nonexistent/t");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", trace, "--ram",
			       "/nonexistent/ram"),
		       1, "/nonexistent/ram");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", trace, "--ram",
			       trace, "--machine", "virt"),
		       2, "virt");
	tu_check_error(TU_ARGV("hda", "capture", "--trace", trace, "--qmp",
			       "/nonexistent/qmp"),
		       1, "/nonexistent/qmp");
	tu_rmrf(dir);
}

/* Streaming from a pipe; SIGINT flushes what is still waiting. */
static void test_cli_capture_streams_and_flushes_on_sigint(void **state)
{
	struct sim s;
	char fifo[700], out[700], *text;
	const char *lines;
	pid_t pid;
	FILE *w;
	int rc;

	(void)state;
	sim_open(&s, MR_TID, false);
	snprintf(fifo, sizeof(fifo), "%s/fifo", s.dir);
	snprintf(out, sizeof(out), "%s/out", s.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = tu_spawn_bg(out, TU_ARGV("hda", "capture", "--trace", fifo,
				       "--ram", s.ram_path, "--format",
				       "json"));
	w = fopen(fifo, "w");
	assert_non_null(w);
	s.trace = w;
	sim_init(&s, 0x200000, 2);
	sim_exchange(&s, mkverb(0, 1, 0xf00, 0));
	sim_queue(&s, mkverb(0, 1, 0x705, 3)); /* never answered */
	sim_post(&s);
	fflush(w);
	/* the capture has read the lines while the pipe stays open */
	tu_sleep_ms(300);
	kill(pid, SIGINT);
	rc = tu_wait_bg(pid, 10000);
	fclose(w);
	s.trace = NULL;
	text = tu_read_file(out);
	assert_int_equal(rc, 0);
	lines = text;
	assert_int_equal(tu_count_char(lines, '\n'), 2);
	assert_non_null(strstr(text, "\"seq\":2,"));
	assert_non_null(strstr(text, "\"response\":null"));
	free(text);
	sim_close(&s);
}

static void test_cli_qemu_errors(void **state)
{
	(void)state;
	tu_check_error(TU_ARGV("hda", "qemu", "-o", "/dev/null"), 2,
		       "QEMU-COMMAND");
	tu_check_error(TU_ARGV("hda", "qemu", "-o", "/dev/null", "--",
			       "qemu-system-x86_64", "-D", "x"),
		       2, "-D");
	tu_check_error(TU_ARGV("hda", "qemu", "--mem", "disk", "--", "q"), 2,
		       "ram or qmp");
	tu_check_error(TU_ARGV("hda", "qemu", "-o", "/dev/null", "--",
			       "/nonexistent/qemu", "-m", "16M"),
		       1, "/nonexistent/qemu");
}

/*
 * A real QEMU under `hda qemu`: the run directory lives in $TMPDIR while
 * it runs and is gone after; SIGINT goes on to QEMU, and the capture ends
 * cleanly when QEMU does.  (The end-to-end guest test is test_hda_qemu.)
 */
static void test_cli_qemu_runs_qemu_and_ends_with_it(void **state)
{
	static const char *const mems[] = { "ram", "qmp" };
	size_t k;

	(void)state;
	if (!have_qemu())
		skip();
	for (k = 0; k < 2; k++) {
		char dir[512], out[600], *text;
		pid_t pid;
		int rc;

		tu_tmpdir(dir, sizeof(dir));
		snprintf(out, sizeof(out), "%s/out", dir);
		setenv("TMPDIR", dir, 1);
		pid = tu_spawn_bg(out, TU_ARGV("-j", "hda", "qemu", "--mem",
					       mems[k], "-o", "/dev/null", "--",
					       "qemu-system-x86_64", "-M", "pc",
					       "-m", "32M", "-display", "none",
					       "-nodefaults"));
		unsetenv("TMPDIR");
		tu_sleep_ms(1500);
		kill(pid, SIGINT);
		rc = tu_wait_bg(pid, 20000);
		text = tu_read_file(out);
		if (rc != 0)
			fail_msg("--mem %s: exit %d: %s", mems[k], rc, text);
		assert_non_null(strstr(text, "\"exchanges\":0"));
		free(text);
		/* only the test's own files are left */
		snprintf(out, sizeof(out), "find %s -name 'memwire-hda-*' | "
					   "grep -q .",
			 dir);
		assert_int_not_equal(system(out), 0);
		tu_rmrf(dir);
	}
}

/* ------------------------------------------------------ hda_pipe */

struct order_sink {
	uint64_t next, fail_at, slow_every;
	int bad;
};

static int order_sink(void *arg, const struct hda_exchange *x)
{
	struct order_sink *o = arg;

	if (x->seq != o->next)
		o->bad++;
	o->next = x->seq + 1;
	if (o->slow_every && !(x->seq % o->slow_every))
		usleep(200); /* the consumer falls behind: the ring fills */
	if (o->fail_at && x->seq == o->fail_at)
		return -ENOSPC;
	return 0;
}

/* The pipe keeps order through a full ring, and gives back the inner
 * sink's first error, from the next put and from finish. */
static void test_pipe_keeps_order_and_returns_errors(void **state)
{
	struct order_sink o = { .next = 1, .slow_every = 997 };
	struct hda_exchange x = { .has_verb = true };
	struct hda_pipe *p;
	uint64_t i;
	int ret = 0;

	assert_int_equal(hda_pipe_new(order_sink, &o, &p), 0);
	for (i = 1; i <= 200000; i++) {
		x.seq = i;
		x.verb = (uint32_t)i;
		assert_int_equal(hda_pipe_sink(p, &x), 0);
	}
	assert_int_equal(hda_pipe_finish(p), 0);
	hda_pipe_free(p);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.next, 200001);

	memset(&o, 0, sizeof(o));
	o.next = 1;
	o.fail_at = 5000;
	assert_int_equal(hda_pipe_new(order_sink, &o, &p), 0);
	for (i = 1; i <= 100000 && !ret; i++) {
		x.seq = i;
		ret = hda_pipe_sink(p, &x);
	}
	assert_int_equal(ret, -ENOSPC); /* the producer learns of it */
	assert_int_equal(hda_pipe_finish(p), -ENOSPC);
	hda_pipe_free(p);
	assert_int_equal(o.next, 5001); /* nothing after the error */
	assert_int_equal(o.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_keeps_order_and_returns_errors),
		cmocka_unit_test(test_parse_accepts_every_prefix),
		cmocka_unit_test(test_parse_vfio_lines_and_names_with_colons),
		cmocka_unit_test(test_parse_ignores_other_events),
		cmocka_unit_test(test_parse_refuses_truncated_lines),
		cmocka_unit_test(
			test_parse_rejects_absurd_values_naming_the_field),
		cmocka_unit_test(
			test_capture_pairs_every_verb_across_ring_wraps),
		cmocka_unit_test(
			test_capture_batched_write_pointer_and_responses),
		cmocka_unit_test(test_capture_codecs_answer_independently),
		cmocka_unit_test(
			test_capture_flags_unsolicited_without_shifting_pairs),
		cmocka_unit_test(test_capture_immediate_commands),
		cmocka_unit_test(test_capture_flush_keeps_unanswered_verbs),
		cmocka_unit_test(
			test_capture_controller_reset_flushes_and_restarts),
		cmocka_unit_test(test_capture_corb_base_moved_mid_run),
		cmocka_unit_test(
			test_capture_pointer_resets_make_no_phantom_verbs),
		cmocka_unit_test(test_capture_write_pointer_jumps_are_bounded),
		cmocka_unit_test(test_capture_rings_outside_guest_ram),
		cmocka_unit_test(test_capture_trace_starting_mid_run),
		cmocka_unit_test(
			test_capture_queue_is_bounded_without_responses),
		cmocka_unit_test(test_ram_layout_follows_qemu_7_2),
		cmocka_unit_test(test_ram_file_maps_the_high_part_above_4g),
		cmocka_unit_test(test_qmp_socket_that_goes_away),
		cmocka_unit_test(test_qmp_reads_guest_memory_of_a_real_qemu),
		cmocka_unit_test(test_cli_capture_json_lines),
		cmocka_unit_test(test_cli_capture_errors),
		cmocka_unit_test(
			test_cli_capture_streams_and_flushes_on_sigint),
		cmocka_unit_test(test_cli_qemu_errors),
		cmocka_unit_test(test_cli_qemu_runs_qemu_and_ends_with_it),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
