/* SPDX-License-Identifier: MIT */
/*
 * test_hda_qemu.c - HDA capture end to end, against a real guest.
 *
 * Debian's qemu-system-x86 boots Debian's kernel with a busybox initramfs
 * (tests/hda-guest/) against -device intel-hda -device hda-duplex.  The
 * guest enables the hda:hda_send_cmd / hda:hda_get_response /
 * hda:hda_unsol_event tracepoints before snd-hda-intel loads, unloads the
 * driver again, and prints the trace buffer on the serial console: the
 * guest kernel's own record of every command it sent and every response it
 * received.
 *
 * The capture side is used through its command line only (`memwire hda
 * qemu`, `memwire hda capture --trace - --qmp SOCKET`, JSON lines), and
 * must hold, in order, exactly the guest's commands: the same codec and
 * command word, and the response the kernel received wherever the kernel
 * asked for one (a write without a response leaves none in the record,
 * although the codec answered: the capture may carry any response there).
 * Nothing more, with one exception the kernel makes: before any traced
 * command, snd-hda-intel probes each codec address with one GET_PARAMETER
 * VENDOR_ID (0x000f0000 | addr << 28) sent by azx_send_cmd() directly,
 * past the tracepoint (probe_codec(), sound/pci/hda/hda_controller.c, 6.1).
 * The capture must start with exactly that probe for each codec the record
 * names, answered as the traced vendor id read is.  Otherwise tracing is on
 * before the first verb and the driver is gone before the record is
 * printed, so any other extra exchange is a capture bug.
 *
 * The cases, one boot each: the guest alone (its record is sane);
 * `memwire hda capture --trace - --qmp SOCKET` with QEMU started here and
 * its trace piped in (the rings read over QMP), also with immediate
 * commands (snd-hda-intel single_cmd=1) and with a run long enough for the
 * 256-entry CORB to wrap; `hda capture --ram FILE` over the guest's RAM as
 * a shared file (memory-backend-file share=on), wrapping; and `memwire hda
 * qemu`, which starts QEMU itself with shared RAM, plain and wrapping.
 *
 * The guest is built once per build tree (build/tests/hda-guest, reused
 * while its inputs are unchanged); each case boots it once (about 8 s
 * under TCG; KVM when a KVM guest really boots here).  A failing case keeps
 * its directory (serial log, capture, stderr) and names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "hda-guest/guest.h"

/* one boot, QEMU alone or under memwire: bounded, well above a TCG boot */
#define BOOT_TIMEOUT_S 200.0
/* /proc/asound/card0/codec#0 reads that make the CORB wrap (~35 verbs each) */
#define WRAP_READS 12
#define CORB_ENTRIES 256

static struct hg_guest guest;

static int guest_setup(void **state)
{
	const char *tmp = getenv("MEMWIRE_TEST_TMP");
	char dir[PATH_MAX - 128], err[1024];
	double t0 = hg_now();

	if (tmp && *tmp) {
		mkdir(tmp, 0700);
		snprintf(dir, sizeof(dir), "%s/../hda-guest", tmp);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/memwire-hda-guest");
	}
	if (hg_prepare(&guest, dir, err, sizeof(err))) {
		print_error("hda guest: %s\n", err);
		return -1;
	}
	print_message("hda guest: %s/{vmlinuz,initrd.cpio.gz}, accel %s "
		      "(ready in %.1f s)\n",
		      dir, guest.accel, hg_now() - t0);
	return 0;
}

/* ------------------------------------------------------ the capture file */

/* One exchange of `--format json`, as the capture printed it. */
struct cx {
	uint64_t seq;
	unsigned codec;
	bool has_verb;
	uint32_t verb;
	bool has_response;
	uint32_t response;
	bool unsolicited;
	char path[16];	 /* "" when absent */
	long corb_index; /* -1 when absent */
	unsigned line;
};

struct capture {
	struct cx *x;
	size_t n;
};

static bool json_u32(json_t *v, uint32_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 0xffffffffLL)
		return false;
	*out = (uint32_t)json_integer_value(v);
	return true;
}

/*
 * Read the JSON lines at @path: every line one object with seq (rising),
 * codec, nid, verb (number; null only when unsolicited), response (number
 * or null) and unsolicited; codec and nid must be the verb's.  Returns 0 or
 * -1 with the reason in @err.
 */
static int capture_load(const char *path, struct capture *c, char *err,
			size_t errlen)
{
	char *text = hg_read_file(path, NULL), *p, *e;
	unsigned line = 0;
	uint64_t last_seq = 0;

	memset(c, 0, sizeof(*c));
	if (!text) {
		hg_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (p = text; *p; p = e + (*e != '\0')) {
		json_error_t je;
		json_t *o, *v;
		struct cx x = {0};
		uint32_t u;

		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		line++;
		if (e == p)
			continue;
		o = json_loadb(p, (size_t)(e - p), 0, &je);
		if (!o || !json_is_object(o)) {
			hg_err(err, errlen, "%s:%u: not a JSON object: %s",
			       path, line, o ? "other value" : je.text);
			json_decref(o);
			goto fail;
		}
		x.line = line;
		v = json_object_get(o, "seq");
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    (uint64_t)json_integer_value(v) <= last_seq) {
			hg_err(err, errlen,
			       "%s:%u: seq missing or not above %llu", path,
			       line, (unsigned long long)last_seq);
			goto bad;
		}
		x.seq = last_seq = (uint64_t)json_integer_value(v);
		v = json_object_get(o, "unsolicited");
		if (!json_is_boolean(v)) {
			hg_err(err, errlen, "%s:%u: unsolicited is not a bool",
			       path, line);
			goto bad;
		}
		x.unsolicited = json_is_true(v);
		if (!json_u32(json_object_get(o, "codec"), &u) || u > 15) {
			hg_err(err, errlen, "%s:%u: codec missing or > 15",
			       path, line);
			goto bad;
		}
		x.codec = u;
		v = json_object_get(o, "verb");
		if (json_u32(v, &x.verb)) {
			x.has_verb = true;
		} else if (!json_is_null(v) || !x.unsolicited) {
			hg_err(err, errlen,
			       "%s:%u: verb is not a 32-bit number", path,
			       line);
			goto bad;
		}
		v = json_object_get(o, "response");
		if (json_u32(v, &x.response)) {
			x.has_response = true;
		} else if (!json_is_null(v)) {
			hg_err(err, errlen,
			       "%s:%u: response is neither a number nor null",
			       path, line);
			goto bad;
		}
		if (x.has_verb) {
			if (x.codec != x.verb >> 28 ||
			    !json_u32(json_object_get(o, "nid"), &u) ||
			    u != ((x.verb >> 20) & 0x7f)) {
				hg_err(err, errlen,
				       "%s:%u: codec/nid are not those of verb "
				       "0x%08x",
				       path, line, x.verb);
				goto bad;
			}
		}
		v = json_object_get(o, "path");
		if (json_is_string(v))
			snprintf(x.path, sizeof(x.path), "%s",
				 json_string_value(v));
		v = json_object_get(o, "corb_index");
		x.corb_index = json_is_integer(v) ? (long)json_integer_value(v)
						  : -1;
		json_decref(o);
		if (hg_push((void **)&c->x, &c->n, sizeof(x), &x)) {
			hg_err(err, errlen, "out of memory");
			goto fail;
		}
		continue;
bad:
		json_decref(o);
		goto fail;
	}
	free(text);
	return 0;
fail:
	free(text);
	free(c->x);
	memset(c, 0, sizeof(*c));
	return -1;
}

/* What a capture that matched the record was made of. */
struct match {
	size_t probes;	  /* the untraced probe_codec() reads */
	size_t commands;  /* solicited exchanges = the guest's commands */
	size_t responses; /* of those, with a response the kernel saw */
	size_t unsol;
	size_t corb, immediate; /* by "path" */
	size_t wraps;		/* corb_index going down */
};

/* GET_PARAMETER (0xf00) VENDOR_ID (0x00) of codec @addr's root node. */
#define VENDOR_ID_READ(addr) (((uint32_t)(addr) << 28) | 0x000f0000u)

/*
 * The untraced probe of every codec the record names, in address order
 * (azx_probe_codecs() walks the codec mask upwards), at the head of the
 * capture: the same command as the codec's first traced vendor id read,
 * with the same answer.  Returns how many exchanges it took, or -1.
 */
static long match_probes(const struct hg_record *r, const struct capture *c,
			 char *err, size_t errlen)
{
	unsigned addr;
	size_t i = 0, k;

	for (addr = 0; addr < 16; addr++) {
		const struct hg_send *first = NULL;
		const struct cx *x;

		for (k = 0; k < r->nsend && !first; k++)
			if (r->send[k].codec == addr)
				first = &r->send[k];
		if (!first)
			continue;
		if (first->verb != VENDOR_ID_READ(addr) ||
		    !first->has_response) {
			hg_err(err, errlen,
			       "the guest's first command to codec %u is "
			       "0x%08x, not the vendor id read 0x%08x",
			       addr, first->verb, VENDOR_ID_READ(addr));
			return -1;
		}
		x = i < c->n ? &c->x[i] : NULL;
		if (!x || x->unsolicited || x->verb != VENDOR_ID_READ(addr) ||
		    !x->has_response || x->response != first->response) {
			hg_err(err, errlen,
			       "capture line %u: not snd-hda-intel's untraced "
			       "probe of codec %u (0x%08x -> 0x%08x)",
			       x ? x->line : 0, addr, VENDOR_ID_READ(addr),
			       first->response);
			return -1;
		}
		i++;
	}
	return (long)i;
}

/*
 * The contract: after the probes, the capture's solicited exchanges are
 * the guest's commands, one for one and in order, each with the response
 * the kernel received when it received one; its unsolicited responses are
 * the kernel's, in order.  Returns 0, or -1 with the first difference.
 */
static int capture_match(const struct hg_record *r, const struct capture *c,
			 struct match *m, char *err, size_t errlen)
{
	size_t k = 0, u = 0, i;
	long last_corb = -1, probes;

	memset(m, 0, sizeof(*m));
	probes = match_probes(r, c, err, errlen);
	if (probes < 0)
		return -1;
	m->probes = (size_t)probes;
	for (i = 0; i < m->probes; i++) {
		if (!strcmp(c->x[i].path, "corb")) {
			m->corb++;
			last_corb = c->x[i].corb_index;
		} else if (!strcmp(c->x[i].path, "immediate")) {
			m->immediate++;
		}
	}
	for (i = m->probes; i < c->n; i++) {
		const struct cx *x = &c->x[i];
		const struct hg_send *s;

		if (x->unsolicited) {
			if (u >= r->nunsol || r->unsol[u].res != x->response ||
			    r->unsol[u].codec != x->codec) {
				hg_err(err, errlen,
				       "capture line %u: unsolicited 0x%08x "
				       "from codec %u, not the guest's next "
				       "unsolicited event (%zu of %zu seen)",
				       x->line, x->response, x->codec, u,
				       r->nunsol);
				return -1;
			}
			u++;
			m->unsol++;
			continue;
		}
		if (k >= r->nsend) {
			hg_err(err, errlen,
			       "capture line %u (seq %llu): command 0x%08x "
			       "after the guest's last one (%zu commands)",
			       x->line, (unsigned long long)x->seq, x->verb,
			       r->nsend);
			return -1;
		}
		s = &r->send[k];
		if (!x->has_verb || x->verb != s->verb) {
			hg_err(err, errlen,
			       "capture line %u (seq %llu): command 0x%08x, "
			       "but the guest's command #%zu is 0x%08x "
			       "(serial line %u)",
			       x->line, (unsigned long long)x->seq, x->verb,
			       k + 1, s->verb, s->line);
			return -1;
		}
		if (s->has_response) {
			if (!x->has_response || x->response != s->response) {
				hg_err(err, errlen,
				       "capture line %u (seq %llu): command "
				       "0x%08x got %s0x%08x, the guest got "
				       "0x%08x (serial line %u)",
				       x->line, (unsigned long long)x->seq,
				       x->verb,
				       x->has_response ? "" : "no response, not ",
				       x->has_response ? x->response
						       : s->response,
				       s->response, s->line);
				return -1;
			}
			m->responses++;
		}
		if (!strcmp(x->path, "corb")) {
			m->corb++;
			if (x->corb_index >= 0 && x->corb_index < last_corb)
				m->wraps++;
			if (x->corb_index >= 0)
				last_corb = x->corb_index;
		} else if (!strcmp(x->path, "immediate")) {
			m->immediate++;
		}
		k++;
		m->commands++;
	}
	if (k < r->nsend) {
		hg_err(err, errlen,
		       "the capture ends after %zu of the guest's %zu commands; "
		       "missing from 0x%08x (serial line %u)",
		       k, r->nsend, r->send[k].verb, r->send[k].line);
		return -1;
	}
	if (u < r->nunsol) {
		hg_err(err, errlen,
		       "the capture has %zu of the guest's %zu unsolicited "
		       "events",
		       u, r->nunsol);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ one case */

struct run {
	char dir[PATH_MAX - 128];
	char serial[PATH_MAX];
	char out[PATH_MAX];	 /* the capture */
	char qemu_err[PATH_MAX]; /* QEMU's stderr, when run here */
	char mw_err[PATH_MAX];	 /* memwire's stderr */
	struct hg_cmd cmd;
	double seconds;
	struct hg_record rec;
	struct capture cap;
};

/* The case running, for run_teardown() after a failure jumped out of it. */
static struct run *current;

static void run_init(struct run *r, const char *opts)
{
	memset(r, 0, sizeof(*r));
	current = r;
	tu_tmpdir(r->dir, sizeof(r->dir));
	snprintf(r->serial, sizeof(r->serial), "%s/serial.log", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/capture.jsonl", r->dir);
	snprintf(r->qemu_err, sizeof(r->qemu_err), "%s/qemu.err", r->dir);
	snprintf(r->mw_err, sizeof(r->mw_err), "%s/memwire.err", r->dir);
	hg_cmd_init(&r->cmd, &guest, r->serial, opts);
}

static void run_free(struct run *r)
{
	hg_record_free(&r->rec);
	free(r->cap.x);
	r->cap.x = NULL;
	current = NULL;
}

/* A case that passed: nothing kept. */
static void run_done(struct run *r)
{
	run_free(r);
	tu_rmrf(r->dir);
}

/* After every case: a failed one still frees its memory (its files stay). */
static int run_teardown(void **state)
{
	if (current)
		run_free(current);
	return 0;
}

/* The last line of file @path, for a failure message (static buffer). */
static const char *last_line(const char *path)
{
	static char buf[512];
	char *s = hg_read_file(path, NULL), *l;
	size_t n;

	buf[0] = '\0';
	if (!s)
		return "(nothing)";
	n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	l = strrchr(s, '\n');
	snprintf(buf, sizeof(buf), "%s", l ? l + 1 : s);
	free(s);
	return *buf ? buf : "(nothing)";
}

/* Parse the guest's record out of the serial log; fail the test if bad. */
static void run_record(struct run *r)
{
	char err[512];
	char *log = hg_read_file(r->serial, NULL);

	if (!log)
		fail_msg("%s: no serial log (QEMU said: %s)", r->serial,
			 last_line(r->qemu_err));
	if (hg_record_parse(log, &r->rec, err, sizeof(err))) {
		free(log);
		fail_msg("%s: %s (kept %s)", r->serial, err, r->dir);
	}
	free(log);
	if (r->rec.overrun != 0)
		fail_msg("%s: the guest's trace buffer overran (%ld)",
			 r->serial, r->rec.overrun);
	/* every event the guest counted was parsed: none lost on the console */
	if (r->rec.entries < 0)
		fail_msg("%s: the guest did not count its trace entries",
			 r->serial);
	{
		size_t nresp = 0, i;

		for (i = 0; i < r->rec.nsend; i++)
			nresp += r->rec.send[i].has_response;
		if ((size_t)r->rec.entries !=
		    r->rec.nsend + nresp + r->rec.nunsol)
			fail_msg("%s: the guest counted %ld trace entries, "
				 "the console carried %zu",
				 r->serial, r->rec.entries,
				 r->rec.nsend + nresp + r->rec.nunsol);
	}
}

/* Load the capture and hold it against the record; fail if it differs. */
static void run_match(struct run *r, struct match *m)
{
	char err[768];

	if (capture_load(r->out, &r->cap, err, sizeof(err)))
		fail_msg("%s (memwire said: %s; kept %s)", err,
			 last_line(r->mw_err), r->dir);
	if (capture_match(&r->rec, &r->cap, m, err, sizeof(err)))
		fail_msg("%s (kept %s)", err, r->dir);
}

/* ------------------------------------------------------------ the cases */

/* The guest alone: it boots, probes the codec, and its record is sane. */
static void test_guest_records_its_verbs(void **state)
{
	static struct run r; /* run_teardown() may free it */
	size_t i, nresp = 0;
	int rc;

	run_init(&r, NULL);
	r.seconds = hg_now();
	rc = hg_wait(hg_spawn(r.cmd.argv, -1, NULL, r.qemu_err),
		     BOOT_TIMEOUT_S);
	r.seconds = hg_now() - r.seconds;
	if (rc != 0)
		fail_msg("%s exited %d: %s (kept %s)", HG_QEMU, rc,
			 last_line(r.qemu_err), r.dir);
	run_record(&r);
	print_message("guest boot (%s): %.1f s, %zu commands\n", guest.accel,
		      r.seconds, r.rec.nsend);
	/*
	 * Every HDA driver starts by reading the root node's vendor id
	 * (GET_PARAMETER 0xf00, parameter 0x00, hda.md 5.3), and QEMU's
	 * codecs answer with vendor 0x1af4 (hw/audio/hda-codec.c).
	 */
	assert_true(r.rec.nsend >= 20);
	assert_int_equal(r.rec.send[0].verb, 0x000f0000);
	assert_true(r.rec.send[0].has_response);
	assert_int_equal(r.rec.send[0].response >> 16, 0x1af4);
	for (i = 0; i < r.rec.nsend; i++) {
		assert_int_equal(r.rec.send[i].codec, 0);
		nresp += r.rec.send[i].has_response;
	}
	assert_true(nresp > 0 && nresp <= r.rec.nsend);
	run_done(&r);
}

/* More than 256 commands: the CORB wrapped, and nothing was lost. */
static void check_wrapped(const char *what, const struct run *r,
			  const struct match *m)
{
	print_message("%s, CORB wrap (%s): %.1f s, %zu commands, %zu wraps\n",
		      what, guest.accel, r->seconds, m->commands, m->wraps);
	assert_int_equal(m->commands, r->rec.nsend);
	assert_true(m->commands > CORB_ENTRIES);
	assert_int_equal(m->corb, m->probes + m->commands);
	/* corb_index went round the 256-entry ring every 256 commands */
	assert_true(m->wraps >= 1);
	assert_true(m->wraps >= (m->probes + m->commands) / CORB_ENTRIES);
}

/*
 * Boot under `memwire hda qemu --format json -o OUT -- QEMU...` (shared
 * guest RAM), then hold OUT against the guest's record.
 */
static void capture_qemu(const char *opts, struct run *r, struct match *m)
{
	const char *argv[96];
	const char *bin = getenv("MEMWIRE");
	int n = 0, i, rc;

	run_init(r, opts);
	argv[n++] = bin ? bin : "build/memwire";
	argv[n++] = "hda";
	argv[n++] = "qemu";
	argv[n++] = "--format";
	argv[n++] = "json";
	argv[n++] = "-o";
	argv[n++] = r->out;
	argv[n++] = "--";
	for (i = 0; i < r->cmd.argc; i++)
		argv[n++] = r->cmd.argv[i];
	argv[n] = NULL;
	r->seconds = hg_now();
	rc = hg_wait(hg_spawn(argv, -1, NULL, r->mw_err), BOOT_TIMEOUT_S);
	r->seconds = hg_now() - r->seconds;
	if (rc != 0)
		fail_msg("memwire hda qemu exited %d: %s (kept %s)", rc,
			 last_line(r->mw_err), r->dir);
	run_record(r);
	run_match(r, m);
}

static void test_hda_qemu_ram_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;

	capture_qemu(NULL, &r, &m);
	print_message("hda qemu (shared RAM, %s): %.1f s, %zu commands, "
		      "%zu responses checked\n",
		      guest.accel, r.seconds, m.commands, m.responses);
	assert_int_equal(m.commands, r.rec.nsend);
	assert_int_equal(m.probes, 1); /* hda-duplex: one codec */
	assert_int_equal(m.corb, m.probes + m.commands);
	run_done(&r);
}

static void test_hda_qemu_corb_wrap_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;
	char opts[64];

	snprintf(opts, sizeof(opts), "mwhda.reads=%d", WRAP_READS);
	capture_qemu(opts, &r, &m);
	check_wrapped("hda qemu", &r, &m);
	run_done(&r);
}

/* Guest memory for `memwire hda capture`: over QMP, or a shared RAM file. */
enum backend { QMP, RAM };

/*
 * QEMU started here with the emulated controller's MMIO traced to its
 * stderr (the log backend's memory_region_ops_read/write lines), piped
 * into `memwire hda capture --trace -`, which reads the rings over a QMP
 * socket (`--qmp`) or from the guest's RAM as a shared file (`--ram`,
 * -M pc with memory-backend-file share=on: guest-physical = file offset
 * below 4 GiB, and 256 MiB is all below).
 */
static void capture_pipe(enum backend be, const char *opts, struct run *r,
			 struct match *m)
{
	char qmp[PATH_MAX + 64], path[PATH_MAX], obj[PATH_MAX + 128];
	const char *bin = getenv("MEMWIRE");
	int pfd[2], rc_q, rc_m;
	pid_t q, mw;
	double end;

	run_init(r, opts);
	if (be == QMP) {
		snprintf(path, sizeof(path), "%s/qmp.sock", r->dir);
		/* wait=on: QEMU runs the guest once memwire is connected */
		snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=on", path);
		hg_cmd_add(&r->cmd, "-qmp");
		hg_cmd_add(&r->cmd, qmp);
	} else {
		snprintf(path, sizeof(path), "%s/guest.ram", r->dir);
		snprintf(obj, sizeof(obj),
			 "memory-backend-file,id=ram0,size=256M,mem-path=%s,"
			 "share=on",
			 path);
		r->cmd.argv[2] = "pc,memory-backend=ram0"; /* after "-M" */
		hg_cmd_add(&r->cmd, "-object");
		hg_cmd_add(&r->cmd, obj);
	}
	hg_cmd_add(&r->cmd, "-trace");
	hg_cmd_add(&r->cmd, "memory_region_ops_write");
	hg_cmd_add(&r->cmd, "-trace");
	hg_cmd_add(&r->cmd, "memory_region_ops_read");
	assert_int_equal(pipe(pfd), 0);

	r->seconds = hg_now();
	fflush(NULL);
	q = fork();
	assert_true(q >= 0);
	if (q == 0) {
		int n = open("/dev/null", O_RDWR);

		close(pfd[0]);
		dup2(n, 0);
		dup2(n, 1);
		dup2(pfd[1], 2);
		execvp(r->cmd.argv[0], (char *const *)r->cmd.argv);
		_exit(127);
	}
	close(pfd[1]);
	/*
	 * memwire needs the socket or the RAM file to exist; the trace
	 * waits in the pipe meanwhile (QEMU blocks when it is full).
	 */
	end = hg_now() + 30;
	while (access(path, F_OK) != 0 && hg_now() < end &&
	       waitpid(q, NULL, WNOHANG) == 0)
		hg_sleep_ms(10);
	if (access(path, F_OK) != 0) {
		close(pfd[0]);
		hg_wait(q, 0);
		fail_msg("%s made no %s in 30 s", HG_QEMU, path);
	}
	mw = hg_spawn((const char *const[]){bin ? bin : "build/memwire", "hda",
					     "capture", "--trace", "-",
					     be == QMP ? "--qmp" : "--ram", path,
					     "--format", "json", "-o", r->out,
					     NULL},
		      pfd[0], NULL, r->mw_err);
	close(pfd[0]);
	rc_q = hg_wait(q, BOOT_TIMEOUT_S);
	rc_m = hg_wait(mw, rc_q < 0 ? 1 : 60);
	r->seconds = hg_now() - r->seconds;
	if (be == RAM)
		unlink(path); /* 256 MiB: not kept even on failure */
	if (rc_q != 0)
		fail_msg("%s exited %d (memwire: %s; kept %s)", HG_QEMU, rc_q,
			 last_line(r->mw_err), r->dir);
	if (rc_m != 0)
		fail_msg("memwire hda capture %s exited %d: %s (kept %s)",
			 be == QMP ? "--qmp" : "--ram", rc_m,
			 last_line(r->mw_err), r->dir);
	run_record(r);
	run_match(r, m);
}

static void test_hda_capture_qmp_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;

	capture_pipe(QMP, NULL, &r, &m);
	print_message("hda capture --qmp (%s): %.1f s, %zu commands, "
		      "%zu responses checked\n",
		      guest.accel, r.seconds, m.commands, m.responses);
	assert_int_equal(m.commands, r.rec.nsend);
	assert_int_equal(m.probes, 1); /* hda-duplex: one codec */
	assert_int_equal(m.corb, m.probes + m.commands);
	run_done(&r);
}

/* snd-hda-intel single_cmd=1: ICOI/ICII/ICIS, no rings (so no memory) */
static void test_hda_capture_qmp_immediate_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;

	capture_pipe(QMP, "mwhda.single_cmd=1", &r, &m);
	print_message("hda capture --qmp, immediate commands (%s): %.1f s, "
		      "%zu commands\n",
		      guest.accel, r.seconds, m.commands);
	assert_int_equal(m.commands, r.rec.nsend);
	assert_int_equal(m.probes, 1);
	assert_int_equal(m.immediate, m.probes + m.commands);
	run_done(&r);
}

static void test_hda_capture_qmp_corb_wrap_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;
	char opts[64];

	snprintf(opts, sizeof(opts), "mwhda.reads=%d", WRAP_READS);
	capture_pipe(QMP, opts, &r, &m);
	check_wrapped("hda capture --qmp", &r, &m);
	run_done(&r);
}

static void test_hda_capture_ram_corb_wrap_matches_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	struct match m;
	char opts[64];

	snprintf(opts, sizeof(opts), "mwhda.reads=%d", WRAP_READS);
	capture_pipe(RAM, opts, &r, &m);
	check_wrapped("hda capture --ram", &r, &m);
	run_done(&r);
}

/* --------------------------------------- the comparison can fail at all */

/*
 * The checks above pass only if capture_match() can fail: fed a capture
 * that lost, changed or added one exchange, it must say so.  The record
 * and the captures are built here from one recorded boot
 * (tests/data/hda/guest-boot.trace, the raw tracefs text).
 */
static void test_match_rejects_wrong_captures(void **state)
{
	char path[PATH_MAX], err[768], *trace, *log;
	struct hg_record rec;
	struct capture c;
	struct match m;
	size_t i, len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/../data/hda/guest-boot.trace",
		 HDA_GUEST_SRCDIR);
	trace = hg_read_file(path, &len);
	assert_non_null(trace);
	log = malloc(len + 128);
	assert_non_null(log);
	sprintf(log, "%s\n%s%s\n", HG_BEGIN, trace, HG_END);
	free(trace);
	rc = hg_record_parse(log, &rec, err, sizeof(err));
	if (rc)
		fail_msg("%s: %s", path, err);
	assert_true(rec.nsend > 10);

	/*
	 * The exact capture: the untraced probe of codec 0 (a copy of the
	 * first traced command, the vendor id read), then every command
	 * with its response when known.
	 */
	c.n = rec.nsend + 1;
	c.x = calloc(c.n + 1, sizeof(*c.x));
	assert_non_null(c.x);
	for (i = 0; i < c.n; i++) {
		const struct hg_send *s = &rec.send[i ? i - 1 : 0];

		c.x[i].seq = i + 1;
		c.x[i].codec = s->codec;
		c.x[i].has_verb = true;
		c.x[i].verb = s->verb;
		c.x[i].has_response = true;
		c.x[i].response = s->has_response ? s->response : 0;
		snprintf(c.x[i].path, sizeof(c.x[i].path), "corb");
		c.x[i].corb_index = (long)((i + 1) % CORB_ENTRIES);
		c.x[i].line = (unsigned)i + 1;
	}
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), 0);
	assert_int_equal(m.commands, rec.nsend);
	assert_int_equal(m.probes, 1);

	/*
	 * Without the probe the capture missed a command: the traced vendor
	 * id read passes for the probe, and everything after it is one off.
	 */
	c.x++;
	c.n--;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "command #1 "));
	c.x--;
	c.n++;
	/* a probe answered otherwise than the traced read */
	c.x[0].response ^= 0x10000;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	c.x[0].response ^= 0x10000;

	/* a wrong response where the kernel saw one (not the probe's) */
	for (i = 2; !rec.send[i - 1].has_response; i++)
		;
	c.x[i].response ^= 1;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the guest got"));
	c.x[i].response ^= 1;
	/* no response where the kernel saw one */
	c.x[i].has_response = false;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	c.x[i].has_response = true;
	/* a different command */
	c.x[4].verb ^= 0x100;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "command #4"));
	c.x[4].verb ^= 0x100;
	/* the last one lost */
	c.n--;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ends after"));
	/* one more than the guest sent */
	c.n++;
	c.x[c.n] = c.x[c.n - 1];
	c.x[c.n].seq++;
	c.n++;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "after the guest's last"));
	c.n--;
	/* an unsolicited response the guest never saw */
	c.x[c.n - 1].unsolicited = true;
	c.x[c.n - 1].has_verb = false;
	assert_int_equal(capture_match(&rec, &c, &m, err, sizeof(err)), -1);

	free(c.x);
	hg_record_free(&rec);
	free(log);
}

/* The record parser refuses what is not the kernel's text. */
static void test_record_parse_rejects_bad_records(void **state)
{
	static const struct {
		const char *log, *needle;
	} bad[] = {
		{"x\n", "no '"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:0] val=0x000f0000\n",
		 "no '"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_get_response: "
			  "[0000:00:03.0:0] val=0x1\n" HG_END "\n",
		 "follows no command"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:1] val=0x000f0000\n" HG_END "\n",
		 "sent to codec 1"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:0] val=0x1ffffffff\n" HG_END "\n",
		 "not a tracepoint line"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:0] val=0x000f\n" HG_END "\n",
		 NULL},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:99] val=0x0\n" HG_END "\n",
		 "not a tracepoint line"},
		{HG_BEGIN "\n a-1 [000] ..... 1.0: hda_send_cmd: "
			  "[0000:00:03.0:0] val=0x000f0000\n"
			  " a-1 [000] ..... 1.0: hda_get_response: "
			  "[0000:00:03.0:0] val=0x1\n"
			  " a-1 [000] ..... 1.0: hda_get_response: "
			  "[0000:00:03.0:0] val=0x2\n" HG_END "\n",
		 "follows no command"},
	};
	struct hg_record r;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = hg_record_parse(bad[i].log, &r, err, sizeof(err));

		if (bad[i].needle == NULL) {
			/* a short but valid value parses */
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(r.nsend, 1);
			assert_int_equal(r.send[0].verb, 0xf);
			hg_record_free(&r);
			continue;
		}
		if (rc != -1 || !strstr(err, bad[i].needle))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc,
				 rc ? err : "", bad[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_record_parse_rejects_bad_records),
		cmocka_unit_test(test_match_rejects_wrong_captures),
	};
#define CASE(f) cmocka_unit_test_teardown(f, run_teardown)
	const struct CMUnitTest live[] = {
		CASE(test_guest_records_its_verbs),
		CASE(test_hda_capture_qmp_matches_guest),
		CASE(test_hda_capture_qmp_immediate_matches_guest),
		CASE(test_hda_capture_qmp_corb_wrap_matches_guest),
		CASE(test_hda_capture_ram_corb_wrap_matches_guest),
		CASE(test_hda_qemu_ram_matches_guest),
		CASE(test_hda_qemu_corb_wrap_matches_guest),
	};
	int rc;

	/* HDA_TEST_FILTER=test_hda_qemu_*: run some cases (a cmocka glob) */
	if (getenv("HDA_TEST_FILTER"))
		cmocka_set_test_filter(getenv("HDA_TEST_FILTER"));
	rc = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
	rc |= cmocka_run_group_tests_name("guest", live, guest_setup, NULL);
	return rc;
}
