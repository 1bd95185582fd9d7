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
 * `memwire hda replay` is proved against the same emulated codec from
 * inside the guest (mwhda.replay=1, /bin/memwire in the initramfs): it
 * replays tests/data/hda/qemu-boot.jsonl (a capture memwire made of this
 * guest's boot) through the real hwdep ioctl, whole and --sets-only, and
 * four verbs to nodes the codec lacks; every verb it says it sent must be
 * in the kernel's record, in order, with the response it printed, and the
 * codec's fixed facts (parameters, connection lists, default
 * configurations) must read as they did in the capture.
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
	/*
	 * every event the guest counted was parsed: none lost on the console
	 * (its trace_marker lines are events too)
	 */
	if (r->rec.entries < 0)
		fail_msg("%s: the guest did not count its trace entries",
			 r->serial);
	{
		size_t nresp = 0, i;

		for (i = 0; i < r->rec.nsend; i++)
			nresp += r->rec.send[i].has_response;
		if ((size_t)r->rec.entries !=
		    r->rec.nsend + nresp + r->rec.nunsol + r->rec.nmark)
			fail_msg("%s: the guest counted %ld trace entries, "
				 "the console carried %zu",
				 r->serial, r->rec.entries,
				 r->rec.nsend + nresp + r->rec.nunsol +
					 r->rec.nmark);
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

/* ------------------------------------------------ hda replay in the guest */

#define REPLAY_CAPTURE HDA_GUEST_SRCDIR "/../data/hda/qemu-boot.jsonl"
#define REPLAY_BEGIN "=== MEMWIRE-HDA-REPLAY BEGIN "
#define REPLAY_END "=== MEMWIRE-HDA-REPLAY END "

/* A GET (bit 19 of the command: 0xfxx 12-bit verbs, 0xa/0xb 4-bit ones). */
static bool verb_is_get(uint32_t verb)
{
	return (verb >> 19) & 1;
}

/*
 * A GET whose answer is a fact of the codec, not state the driver changes:
 * GET_PARAMETER (0xf00), GET_CONNECT_LIST (0xf02), GET_CONFIG_DEFAULT
 * (0xf1c) (hda.md 5.2).  Replayed to the same emulated codec, these must
 * answer as they did in the capture; amp gains, pin controls, power
 * states and the like hold whatever the driver left there.
 */
static bool verb_is_fixed_get(uint32_t verb)
{
	uint32_t id = (verb >> 8) & 0xfff;

	return id == 0xf00 || id == 0xf02 || id == 0xf1c;
}

struct replay_res {
	size_t sent, skipped; /* as memwire said */
	size_t at;	      /* the record's first command of the run */
	size_t sets;	      /* SET verbs among those sent */
	size_t fixed_gets;    /* equal to the capture's (all must be) */
	size_t state_gets, state_differ; /* other GETs; differ: informative */
};

/*
 * The JSON memwire printed for replay run @name in the serial log @log,
 * and its exit code.  NULL with the reason in @err.
 */
static json_t *replay_output(const char *log, const char *name, int *rc,
			     char *err, size_t errlen)
{
	char begin[96], end[96], *text, *q;
	const char *b, *e;
	json_error_t je;
	json_t *o;
	size_t i, n;

	snprintf(begin, sizeof(begin), REPLAY_BEGIN "%s ===", name);
	snprintf(end, sizeof(end), "\n" REPLAY_END "%s rc=", name);
	b = strstr(log, begin);
	if (!b) {
		hg_err(err, errlen, "no '%s' line: replay %s did not run",
		       begin, name);
		return NULL;
	}
	b += strlen(begin);
	e = strstr(b, end);
	if (!e || sscanf(e + strlen(end), "%d", rc) != 1) {
		hg_err(err, errlen, "replay %s: no '%s<exit> ===' line", name,
		       end + 1);
		return NULL;
	}
	/* the console's carriage returns out */
	n = (size_t)(e - b);
	text = malloc(n + 1);
	if (!text) {
		hg_err(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0, q = text; i < n; i++)
		if (b[i] != '\r')
			*q++ = b[i];
	*q = '\0';
	o = json_loads(text, 0, &je);
	free(text);
	if (!json_is_object(o)) {
		hg_err(err, errlen, "replay %s (exit %d): output is not a JSON "
				    "object: %s",
		       name, *rc, o ? "other value" : je.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The record's commands between "mwreplay @name begin" and "... end". */
static int replay_span(const struct hg_record *rec, const char *name,
		       size_t *from, size_t *to, char *err, size_t errlen)
{
	char b[80], e[80];
	bool hb = false, he = false;
	size_t i;

	snprintf(b, sizeof(b), "mwreplay %s begin", name);
	snprintf(e, sizeof(e), "mwreplay %s end", name);
	for (i = 0; i < rec->nmark; i++) {
		if (!strcmp(rec->mark[i].text, b) && !hb) {
			hb = true;
			*from = rec->mark[i].at;
		} else if (!strcmp(rec->mark[i].text, e) && hb && !he) {
			he = true;
			*to = rec->mark[i].at;
		}
	}
	if (!hb || !he) {
		hg_err(err, errlen, "the record has no '%s' and '%s' markers",
		       b, e);
		return -1;
	}
	return 0;
}

/*
 * Hold replay run @name against the guest kernel's record and, when @cap
 * is not NULL, against the capture it replayed.  Every verb memwire says it
 * sent is the kernel's next command after the run's begin marker, and the
 * kernel sent nothing else before the end marker; each has the response
 * the kernel received; with @cap, each is the capture's command of the
 * same seq, in the capture's order, and a fixed GET answers as it did
 * there.  @sets_only: every verb sent must be a SET.  Returns 0, or -1
 * with the first difference in @err.
 */
static int replay_verify(const struct hg_record *rec, const char *log,
			 const char *name, const struct capture *cap,
			 bool sets_only, struct replay_res *res, char *err,
			 size_t errlen)
{
	json_t *o, *verbs, *v;
	size_t from = 0, to = 0, i, c = 0;
	uint64_t last_seq = 0;
	int rc = -1, exit_code;

	memset(res, 0, sizeof(*res));
	o = replay_output(log, name, &exit_code, err, errlen);
	if (!o)
		return -1;
	if (exit_code != 0) {
		hg_err(err, errlen, "replay %s exited %d", name, exit_code);
		goto out;
	}
	verbs = json_object_get(o, "verbs");
	if (!json_is_array(verbs) ||
	    !json_is_integer(json_object_get(o, "sent")) ||
	    !json_is_integer(json_object_get(o, "skipped")) ||
	    !json_is_false(json_object_get(o, "dry_run"))) {
		hg_err(err, errlen, "replay %s: no verbs, sent, skipped, or "
				    "dry_run false in its output",
		       name);
		goto out;
	}
	res->sent = (size_t)json_integer_value(json_object_get(o, "sent"));
	res->skipped =
		(size_t)json_integer_value(json_object_get(o, "skipped"));
	if (res->sent != json_array_size(verbs)) {
		hg_err(err, errlen, "replay %s: says it sent %zu verbs, lists "
				    "%zu",
		       name, res->sent, json_array_size(verbs));
		goto out;
	}
	if (replay_span(rec, name, &from, &to, err, errlen))
		goto out;
	res->at = from;
	if (to - from != res->sent) {
		hg_err(err, errlen, "replay %s: sent %zu verbs, the kernel "
				    "sent %zu commands meanwhile",
		       name, res->sent, to - from);
		goto out;
	}
	json_array_foreach(verbs, i, v) {
		const struct hg_send *s = &rec->send[from + i];
		json_t *jseq = json_object_get(v, "seq");
		uint32_t verb, resp;

		if (!json_u32(json_object_get(v, "verb"), &verb) ||
		    !json_u32(json_object_get(v, "response"), &resp) ||
		    !json_is_integer(jseq)) {
			hg_err(err, errlen, "replay %s: verb #%zu has no seq, "
					    "verb or response number",
			       name, i + 1);
			goto out;
		}
		if (s->verb != verb) {
			hg_err(err, errlen, "replay %s: verb #%zu is 0x%08x, "
					    "the kernel sent 0x%08x (serial "
					    "line %u)",
			       name, i + 1, verb, s->verb, s->line);
			goto out;
		}
		if (!s->has_response || s->response != resp) {
			hg_err(err, errlen, "replay %s: verb #%zu 0x%08x got "
					    "0x%08x, the kernel got %s0x%08x "
					    "(serial line %u)",
			       name, i + 1, verb, resp,
			       s->has_response ? "" : "no response, not ",
			       s->response, s->line);
			goto out;
		}
		if (sets_only && verb_is_get(verb)) {
			hg_err(err, errlen, "replay %s: verb #%zu 0x%08x is a "
					    "GET",
			       name, i + 1, verb);
			goto out;
		}
		res->sets += !verb_is_get(verb);
		if (!cap)
			continue;
		/* the capture's exchange of this seq, after the last one */
		if ((uint64_t)json_integer_value(jseq) <= last_seq) {
			hg_err(err, errlen, "replay %s: verb #%zu: seq %lld "
					    "out of the capture's order",
			       name, i + 1, (long long)json_integer_value(jseq));
			goto out;
		}
		last_seq = (uint64_t)json_integer_value(jseq);
		while (c < cap->n && cap->x[c].seq < last_seq)
			c++;
		if (c == cap->n || cap->x[c].seq != last_seq ||
		    !cap->x[c].has_verb || cap->x[c].verb != verb) {
			hg_err(err, errlen, "replay %s: verb #%zu 0x%08x (seq "
					    "%llu) is not in the capture",
			       name, i + 1, verb,
			       (unsigned long long)last_seq);
			goto out;
		}
		if (!verb_is_get(verb))
			continue;
		if (verb_is_fixed_get(verb)) {
			if (!cap->x[c].has_response ||
			    cap->x[c].response != resp) {
				hg_err(err, errlen,
				       "replay %s: verb #%zu 0x%08x (seq "
				       "%llu) got 0x%08x, in the capture "
				       "0x%08x",
				       name, i + 1, verb,
				       (unsigned long long)last_seq, resp,
				       cap->x[c].response);
				goto out;
			}
			res->fixed_gets++;
		} else {
			res->state_gets++;
			res->state_differ += !cap->x[c].has_response ||
					     cap->x[c].response != resp;
		}
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/*
 * Boot with mwhda.replay=1: the guest's /init runs, after the driver's
 * boot, `memwire -j hda replay --device /dev/snd/hwC0D0` on the capture
 * (whole, then --sets-only) and on four verbs to nodes hda-duplex lacks.
 */
static void test_hda_replay_in_guest(void **state)
{
	static struct run r; /* run_teardown() may free it */
	const char *bin = getenv("MEMWIRE");
	struct replay_res full, sets, nonode;
	const struct capture *cap;
	size_t i, nsets = 0, nfixed = 0;
	char err[768], *log;
	int rc;

	if (hg_prepare_memwire(&guest, bin ? bin : "build/memwire",
			       REPLAY_CAPTURE, err, sizeof(err)))
		fail_msg("hda guest: %s", err);
	run_init(&r, "mwhda.replay=1");
	hg_cmd_initrd(&r.cmd, guest.initrd_memwire);
	/* the file the guest replays; run_free() frees it */
	if (capture_load(REPLAY_CAPTURE, &r.cap, err, sizeof(err)))
		fail_msg("%s", err);
	cap = &r.cap;
	for (i = 0; i < cap->n; i++) {
		assert_true(cap->x[i].has_verb && cap->x[i].codec == 0);
		nsets += !verb_is_get(cap->x[i].verb);
		nfixed += verb_is_fixed_get(cap->x[i].verb);
	}
	r.seconds = hg_now();
	rc = hg_wait(hg_spawn(r.cmd.argv, -1, NULL, r.qemu_err),
		     BOOT_TIMEOUT_S);
	r.seconds = hg_now() - r.seconds;
	if (rc != 0)
		fail_msg("%s exited %d: %s (kept %s)", HG_QEMU, rc,
			 last_line(r.qemu_err), r.dir);
	run_record(&r);
	log = hg_read_file(r.serial, NULL);
	assert_non_null(log);
	if (replay_verify(&r.rec, log, "full", cap, false, &full, err,
			  sizeof(err)) ||
	    replay_verify(&r.rec, log, "sets", cap, true, &sets, err,
			  sizeof(err)) ||
	    replay_verify(&r.rec, log, "nonode", NULL, false, &nonode, err,
			  sizeof(err))) {
		free(log);
		fail_msg("%s (kept %s)", err, r.dir);
	}
	free(log);
	print_message("hda replay in the guest (%s): %.1f s; %zu verbs sent "
		      "after the driver's %zu, all in the kernel's record "
		      "with memwire's responses; %zu fixed GETs as captured, "
		      "%zu of %zu state GETs differ (driver state); "
		      "--sets-only %zu sent, %zu skipped\n",
		      guest.accel, r.seconds, full.sent, full.at,
		      full.fixed_gets, full.state_differ, full.state_gets,
		      sets.sent, sets.skipped);
	/* the whole capture, after the driver's own boot verbs */
	assert_true(full.at >= 20);
	assert_int_equal(full.sent, cap->n);
	assert_int_equal(full.skipped, 0);
	assert_int_equal(full.fixed_gets, nfixed);
	assert_true(nfixed >= 40);
	/* --sets-only: the SETs, no more */
	assert_int_equal(sets.sent, nsets);
	assert_int_equal(sets.sets, nsets);
	assert_int_equal(sets.skipped, cap->n - nsets);
	assert_true(sets.at >= full.at + full.sent);
	/*
	 * Nodes that do not exist: the codec answers (hda-duplex: 0), the
	 * answer is printed, and the root still answers its vendor id as the
	 * driver read it.
	 */
	assert_int_equal(nonode.sent, 4);
	{
		const struct hg_send *s = &r.rec.send[nonode.at];

		assert_int_equal(s[0].verb, 0x07ff0000);
		assert_int_equal(s[1].verb, 0x030f0009);
		assert_int_equal(s[2].verb, 0x03070740);
		assert_int_equal(s[3].verb, 0x000f0000);
		assert_int_equal(s[3].response, r.rec.send[0].response);
		print_message("nodes 0x7f, 0x30 answered 0x%08x 0x%08x "
			      "0x%08x\n",
			      s[0].response, s[1].response, s[2].response);
	}
	run_done(&r);
}

/*
 * replay_verify() can fail: a record and a replay output that agree, then
 * each one thing wrong.
 */
static void test_replay_verify_rejects(void **state)
{
	static const char trace[] =
		HG_BEGIN "\n"
		" a-1 [000] ..... 1.0: hda_send_cmd: [0000:00:04.0:0] "
		"val=0x000f0000\n"
		" a-1 [000] ..... 1.0: hda_get_response: [0000:00:04.0:0] "
		"val=0x1af40022\n"
		" a-1 [000] ..... 1.1: tracing_mark_write: mwreplay t begin\n"
		" a-1 [000] ..... 1.2: hda_send_cmd: [0000:00:04.0:0] "
		"val=0x000f0000\n"
		" a-1 [000] ..... 1.2: hda_get_response: [0000:00:04.0:0] "
		"val=0x1af40022\n"
		" a-1 [000] ..... 1.2: hda_send_cmd: [0000:00:04.0:0] "
		"val=0x00370740\n"
		" a-1 [000] ..... 1.2: hda_get_response: [0000:00:04.0:0] "
		"val=0x00000000\n"
		" a-1 [000] ..... 1.3: tracing_mark_write: mwreplay t end\n"
		HG_END "\n";
	static const struct {
		const char *json, *needle;
	} cases[] = {
		{"{\"dry_run\":false,\"sent\":2,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983040,\"response\":452198434},"
		 "{\"seq\":2,\"verb\":3606336,\"response\":0}]}",
		 NULL},
		/* a response the kernel did not get */
		{"{\"dry_run\":false,\"sent\":2,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983040,\"response\":452198435},"
		 "{\"seq\":2,\"verb\":3606336,\"response\":0}]}",
		 "the kernel got"},
		/* a verb the kernel did not send */
		{"{\"dry_run\":false,\"sent\":2,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983041,\"response\":452198434},"
		 "{\"seq\":2,\"verb\":3606336,\"response\":0}]}",
		 "the kernel sent 0x000f0000"},
		/* one the kernel sent is missing */
		{"{\"dry_run\":false,\"sent\":1,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983040,\"response\":452198434}]}",
		 "sent 1 verbs, the kernel sent 2"},
		/* a GET answered otherwise than in the capture */
		{"{\"dry_run\":false,\"sent\":2,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983040,\"response\":452198434},"
		 "{\"seq\":2,\"verb\":3606336,\"response\":0}]}",
		 "in the capture"},
		/* out of the capture's order */
		{"{\"dry_run\":false,\"sent\":2,\"skipped\":0,\"verbs\":["
		 "{\"seq\":1,\"verb\":983040,\"response\":452198434},"
		 "{\"seq\":1,\"verb\":3606336,\"response\":0}]}",
		 "order"},
		/* a dry run sends nothing */
		{"{\"dry_run\":true,\"sent\":2,\"skipped\":0,\"verbs\":[]}",
		 "dry_run false"},
	};
	struct cx x[2] = {
		{.seq = 1, .has_verb = true, .verb = 0x000f0000,
		 .has_response = true, .response = 0x1af40022},
		{.seq = 2, .has_verb = true, .verb = 0x00370740,
		 .has_response = true},
	};
	struct capture cap = {x, 2};
	struct hg_record rec;
	struct replay_res res;
	char err[512], log[4096];
	size_t i;
	int rc;

	assert_int_equal(hg_record_parse(trace, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nmark, 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x[0].response = i == 4 ? 0x1af40023 : 0x1af40022;
		snprintf(log, sizeof(log),
			 REPLAY_BEGIN "t ===\r\n%s\r\n\r\n" REPLAY_END
				      "t rc=0 ===\r\n",
			 cases[i].json);
		rc = replay_verify(&rec, log, "t", &cap, false, &res, err,
				   sizeof(err));
		if (!cases[i].needle) {
			if (rc)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(res.sent, 2);
			assert_int_equal(res.at, 1);
			assert_int_equal(res.fixed_gets, 1);
			assert_int_equal(res.sets, 1);
			continue;
		}
		if (rc != -1 || !strstr(err, cases[i].needle))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc,
				 rc ? err : "", cases[i].needle);
	}
	/* --sets-only that sent a GET; a run that failed; no run at all */
	snprintf(log, sizeof(log), REPLAY_BEGIN "t ===\n%s\n" REPLAY_END
					       "t rc=0 ===\n",
		 cases[0].json);
	assert_int_equal(replay_verify(&rec, log, "t", NULL, true, &res, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is a GET"));
	snprintf(log, sizeof(log), REPLAY_BEGIN "t ===\n{}\n" REPLAY_END
					       "t rc=1 ===\n");
	assert_int_equal(replay_verify(&rec, log, "t", NULL, false, &res, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "exited 1"));
	assert_int_equal(replay_verify(&rec, log, "u", NULL, false, &res, err,
				       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "did not run"));
	hg_record_free(&rec);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_record_parse_rejects_bad_records),
		cmocka_unit_test(test_match_rejects_wrong_captures),
		cmocka_unit_test(test_replay_verify_rejects),
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
		CASE(test_hda_replay_in_guest),
	};
	int rc;

	/* HDA_TEST_FILTER=test_hda_qemu_*: run some cases (a cmocka glob) */
	if (getenv("HDA_TEST_FILTER"))
		cmocka_set_test_filter(getenv("HDA_TEST_FILTER"));
	rc = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
	rc |= cmocka_run_group_tests_name("guest", live, guest_setup, NULL);
	return rc;
}
