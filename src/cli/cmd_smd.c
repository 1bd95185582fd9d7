/* SPDX-License-Identifier: MIT */
/*
 * cmd_smd.c - `memwire smd ls | peer | cat`: Qualcomm SMD channels.
 *
 * Every verb takes the region like `smem` does (--file PATH, default the
 * `smem init` default).  `peer` runs a remote processor (firmware's side):
 * it creates its channels, answers opens and serves each channel in a mode
 * (echo, sink, source).  `cat` is netcat for a channel.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "memwire/smd.h"

struct smd_ctx {
	struct region_opts ro;
	const char *proc;
	const char *edge;
	const char *channels;
	int timeout_ms;
	int crash_ms;
	uint64_t fifo;
	uint64_t count;
};

enum {
	OPT_PROC = 0x300,
	OPT_EDGE,
	OPT_CHANNELS,
	OPT_TIMEOUT,
	OPT_CRASH,
	OPT_FIFO,
	OPT_COUNT,
};

static const struct option smd_longopts[] = {
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "edge", required_argument, NULL, OPT_EDGE },
	{ "channels", required_argument, NULL, OPT_CHANNELS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "crash", required_argument, NULL, OPT_CRASH },
	{ "fifo", required_argument, NULL, OPT_FIFO },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ NULL, 0, NULL, 0 },
};

static int smd_cb(int c, const char *arg, void *p)
{
	struct smd_ctx *cx = p;

	switch (c) {
	case OPT_PROC:
		cx->proc = arg;
		return 0;
	case OPT_EDGE:
		cx->edge = arg;
		return 0;
	case OPT_CHANNELS:
		cx->channels = arg;
		return 0;
	case OPT_TIMEOUT:
		return parse_ms(arg, "--timeout", &cx->timeout_ms) ? EXIT_USAGE
								   : 0;
	case OPT_CRASH:
		return parse_ms(arg, "--crash", &cx->crash_ms) ? EXIT_USAGE : 0;
	case OPT_FIFO:
		return parse_u64(arg, "--fifo", true, &cx->fifo) ? EXIT_USAGE : 0;
	case OPT_COUNT:
		return parse_u64(arg, "--count", false, &cx->count) ? EXIT_USAGE
								    : 0;
	}
	return usage_error("smd: unexpected option");
}

static int smd_parse(int argc, char **argv, struct smd_ctx *cx)
{
	memset(cx, 0, sizeof(*cx));
	cx->timeout_ms = 5000;
	cx->crash_ms = -1;
	cx->fifo = SMD_STANDARD_FIFO;
	return parse_opts("smd", argc, argv, smd_longopts, smd_cb, cx,
			  &cx->ro);
}

struct smd_session {
	struct mw_region *r;
	struct smem *sm;
	struct smd *d;
};

static void session_close(struct smd_session *s)
{
	smd_detach(s->d);
	smem_close(s->sm);
	mw_region_close(s->r);
}

/* Open the region as @proc (NULL: observer); @create formats a missing
 * default or --file region as `smem init` does. */
static int session_open(struct smd_ctx *cx, const char *proc, bool create,
			struct smd_session *s)
{
	char path[4096];
	int ret;

	memset(s, 0, sizeof(*s));
	if (cx->ro.dump && proc)
		return usage_error("a dump is read-only: this verb needs a "
				   "processor");
	if (create && !cx->ro.dump && !cx->ro.devmem) {
		const struct mw_platform *p;
		const struct mw_resource *mem;
		const char *file = cx->ro.file;

		if (!file) {
			ret = default_region_file(path, sizeof(path));
			if (ret)
				return ret;
			file = path;
		}
		if (access(file, F_OK) != 0) {
			struct smem *init;

			mw_platform_get(NULL, &p);
			mem = mw_platform_memory(p);
			ret = mw_region_create(file, p->name, mem->phys, mem->size,
					       MW_REGION_EXCL, &s->r);
			if (ret == 0) {
				ret = smem_open(s->r, NULL, &init);
				if (!ret)
					ret = smem_init_heap(init, 0);
				smem_close(init);
				mw_region_close(s->r);
				s->r = NULL;
				info("created and formatted %s", file);
			}
			if (ret && ret != -EEXIST)
				return fail_lib(ret);
		}
	}
	ret = region_open(&cx->ro, &s->r);
	if (ret)
		return ret;
	ret = smem_open(s->r, proc, &s->sm);
	if (!ret)
		ret = smd_attach(s->sm, &s->d);
	if (ret) {
		ret = fail_lib(ret);
		smem_close(s->sm);
		mw_region_close(s->r);
		return ret;
	}
	return 0;
}

/* ---------------------------------------------------------------- ls */

static const char *sig_text(uint32_t sig, char *buf)
{
	snprintf(buf, 16, "%s%s%s%s", sig & 1 ? "D" : "-", sig & 2 ? "C" : "-",
		 sig & 4 ? "c" : "-", sig & 8 ? "R" : "-");
	return buf;
}

int print_smd_list(struct smd *d)
{
	struct smd_info ch[SMD_CHANNELS];
	char sb[16];
	int n, i, k;

	n = smd_list(d, ch, SMD_CHANNELS);
	if (n < 0)
		return fail_lib(n);
	print_text("%-20s %3s %-11s %-6s %6s  %-8s %-4s %6s  %-8s %-4s %6s\n",
		   "NAME", "CID", "EDGE", "MODE", "FIFO", "CH0", "SIG", "QUEUED",
		   "CH1", "SIG", "QUEUED");
	open_array("channels");
	for (i = 0; i < n; i++) {
		open_object(NULL);
		print_str("name", "%-20s", ch[i].name);
		print_u64("cid", " %3llu", ch[i].cid);
		print_str("edge", " %-11s",
			  smd_edge_name(ch[i].edge) ? smd_edge_name(ch[i].edge)
						    : "?");
		print_str("mode", " %-6s",
			  ch[i].xfer == SMD_XFER_PACKET ? "packet" : "stream");
		if (ch[i].problem) {
			print_str("problem", "  BAD: %s\n", ch[i].problem);
			close_object();
			continue;
		}
		print_u64("fifo_size", " %6llu", ch[i].fifo_size);
		print_bool("word", NULL, ch[i].word);
		for (k = 0; k < 2; k++) {
			open_object(k ? "ch1" : "ch0");
			print_str("state", "  %-8s",
				  smd_state_name(ch[i].state[k])
					  ? smd_state_name(ch[i].state[k])
					  : "?");
			print_str("signals", " %-4s", sig_text(ch[i].sig[k], sb));
			print_u64("queued", " %6llu", ch[i].queued[k]);
			close_object();
		}
		print_text("\n");
		close_object();
	}
	close_array();
	return EXIT_OK;
}

static int do_ls(int argc, char **argv)
{
	struct smd_session s;
	struct smd_ctx cx;
	int idx, ret;

	idx = smd_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smd ls: unexpected argument '%s'", argv[idx]);
	cx.ro.rdonly = !cx.ro.dump && !cx.ro.devmem;
	ret = session_open(&cx, NULL, false, &s);
	if (ret)
		return ret;
	ret = print_smd_list(s.d);
	session_close(&s);
	return ret;
}

/* -------------------------------------------------------------- peer */

enum mode { MODE_ECHO, MODE_SINK, MODE_SOURCE };

struct peer_ch {
	char name[21];
	unsigned xfer;
	enum mode mode;
	uint32_t fifo;
	struct smd_ch *ch;
	bool gated;     /* LOOPBACK: echo only after the SMSM bit rose */
	uint64_t rx, tx;
	uint8_t pend[SMD_MAX_FIFO];
	size_t pend_len;
	uint32_t seq;   /* source pattern */
	unsigned last_own, last_peer;
};

static volatile sig_atomic_t peer_stop, peer_crash;

static void on_stop(int sig)
{
	(void)sig;
	peer_stop = 1;
}

static void on_crash(int sig)
{
	(void)sig;
	peer_crash = 1;
}

static const struct {
	const char *name;
	unsigned xfer;
	enum mode mode;
} modem_defaults[] = {
	{ "LOOPBACK", SMD_XFER_STREAM, MODE_ECHO },
	{ "DIAG", SMD_XFER_PACKET, MODE_SINK },
	{ "DATA1", SMD_XFER_PACKET, MODE_SINK },
	{ "RPCRPY_CNTL", SMD_XFER_PACKET, MODE_SINK },
	{ "IPCRTR", SMD_XFER_PACKET, MODE_SINK },
};

/* NAME[:echo|sink|source][:stream|packet][:FIFO], comma separated. */
static int parse_channels(const char *spec, struct peer_ch *pc, unsigned max,
			  uint32_t fifo, unsigned *n)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return fail("out of memory");
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct peer_ch *c = &pc[*n];
		char *part, *save2 = NULL;
		unsigned f = 0;

		if (*n >= max) {
			ret = usage_error("--channels: at most %u", max);
			break;
		}
		memset(c, 0, offsetof(struct peer_ch, pend));
		c->xfer = SMD_XFER_PACKET;
		c->mode = MODE_ECHO;
		c->fifo = fifo;
		for (part = strtok_r(tok, ":", &save2); part;
		     part = strtok_r(NULL, ":", &save2), f++) {
			uint64_t v;

			if (f == 0) {
				if (!*part || strlen(part) > 20) {
					ret = usage_error("--channels: name '%s' "
							  "must be 1..20 "
							  "characters",
							  part);
					goto out;
				}
				strcpy(c->name, part);
				if (!strcmp(part, "LOOPBACK"))
					c->xfer = SMD_XFER_STREAM;
			} else if (!strcmp(part, "echo")) {
				c->mode = MODE_ECHO;
			} else if (!strcmp(part, "sink")) {
				c->mode = MODE_SINK;
			} else if (!strcmp(part, "source")) {
				c->mode = MODE_SOURCE;
			} else if (!strcmp(part, "stream")) {
				c->xfer = SMD_XFER_STREAM;
			} else if (!strcmp(part, "packet")) {
				c->xfer = SMD_XFER_PACKET;
			} else if (part[0] >= '0' && part[0] <= '9' &&
				   !parse_u64(part, "--channels FIFO", true, &v)) {
				c->fifo = (uint32_t)v;
			} else {
				ret = usage_error("--channels: '%s' is not a mode "
						  "(echo, sink, source), a kind "
						  "(stream, packet) or a FIFO "
						  "size",
						  part);
				goto out;
			}
		}
		(*n)++;
	}
out:
	free(copy);
	return ret;
}

static void serve(struct peer_ch *c, bool loopback_on)
{
	static uint8_t buf[SMD_MAX_FIFO];
	ssize_t n;

	if (c->gated && !loopback_on) {
		/* Not asked for yet: leave the data where it is. */
		return;
	}
	/* Flush what an echo (or a stream source) could not write yet. */
	while (c->pend_len) {
		n = smd_write(c->ch, c->pend, c->pend_len, 0);
		if (n <= 0)
			return;
		memmove(c->pend, c->pend + n, c->pend_len - (size_t)n);
		c->pend_len -= (size_t)n;
		c->tx += (uint64_t)n;
	}
	switch (c->mode) {
	case MODE_ECHO:
	case MODE_SINK:
		for (;;) {
			n = smd_read(c->ch, buf, sizeof(buf) / 2, 0);
			if (n <= 0)
				return;
			c->rx += (uint64_t)n;
			if (c->mode == MODE_SINK)
				continue;
			memcpy(c->pend, buf, (size_t)n);
			c->pend_len = (size_t)n;
			while (c->pend_len) {
				ssize_t w = smd_write(c->ch, c->pend,
						      c->pend_len, 0);

				if (w <= 0)
					return; /* keep it pending */
				memmove(c->pend, c->pend + w, c->pend_len - (size_t)w);
				c->pend_len -= (size_t)w;
				c->tx += (uint64_t)w;
			}
		}
	case MODE_SOURCE:
		for (;;) {
			uint32_t i, len = c->xfer == SMD_XFER_PACKET ? 256 : 4096;

			for (i = 0; i < len; i += 4) {
				memcpy(buf + i, &c->seq, 4);
				c->seq++;
			}
			n = smd_write(c->ch, buf, len, 0);
			if (n <= 0) {
				c->seq -= len / 4;
				return;
			}
			c->tx += (uint64_t)n;
			/* A partial stream write may end inside a counter:
			 * the unsent bytes are the next of the stream, sent
			 * first next time (regenerating them from a rewound
			 * counter repeated the bytes of the cut word). */
			if ((uint32_t)n < len) {
				c->pend_len = len - (size_t)n;
				memcpy(c->pend, buf + n, c->pend_len);
				return;
			}
		}
	}
}

static int do_peer(int argc, char **argv)
{
	static struct peer_ch pc[16];
	struct smd_session s;
	struct smd_ctx cx;
	const char *proc;
	unsigned n = 0, i, edge;
	uint32_t apps_smsm = 0, last_smsm = 0;
	bool loopback_on = false;
	long long crash_at = -1;
	int idx, ret;

	idx = smd_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smd peer: unexpected argument '%s'",
				   argv[idx]);
	proc = cx.proc ? cx.proc : "modem";
	if (!strcmp(proc, "apps"))
		return usage_error("smd peer runs a remote processor: --proc "
				   "modem, q6, wcnss, dsps or rpm");
	if (cx.fifo < SMD_MIN_FIFO || cx.fifo > SMD_MAX_FIFO ||
	    (cx.fifo & (cx.fifo - 1)))
		return usage_error("--fifo %llu: a power of two in 1K..128K",
				   (unsigned long long)cx.fifo);
	if (cx.channels) {
		ret = parse_channels(cx.channels, pc, 16, (uint32_t)cx.fifo, &n);
		if (ret)
			return ret;
	} else if (!strcmp(proc, "modem")) {
		for (i = 0; i < sizeof(modem_defaults) / sizeof(modem_defaults[0]);
		     i++) {
			memset(&pc[i], 0, offsetof(struct peer_ch, pend));
			strcpy(pc[i].name, modem_defaults[i].name);
			pc[i].xfer = modem_defaults[i].xfer;
			pc[i].mode = modem_defaults[i].mode;
			pc[i].fifo = (uint32_t)cx.fifo;
		}
		n = i;
	} else {
		return usage_error("smd peer --proc %s: give --channels "
				   "NAME[:MODE][:stream|packet][:FIFO],...",
				   proc);
	}
	ret = session_open(&cx, proc, true, &s);
	if (ret)
		return ret;
	ret = smd_edge_parse(s.d, cx.edge ? cx.edge : "apps");
	if (ret < 0) {
		ret = usage_error("%s", mw_last_error());
		goto out;
	}
	edge = (unsigned)ret;
	/* What a booted modem says in SMSM (§6.11). */
	smd_smsm_change(s.d, 0, SMSM_INIT | SMSM_SMDINIT | SMSM_RPCINIT |
					SMSM_RUN);
	for (i = 0; i < n; i++) {
		ret = smd_create(s.d, pc[i].name, edge, pc[i].xfer, pc[i].fifo);
		if (ret < 0) {
			ret = fail_lib(ret);
			goto out;
		}
		ret = smd_open(s.d, pc[i].name, edge,
			       SMD_OPEN_REMOTE | SMD_OPEN_NOWAIT, cx.timeout_ms,
			       &pc[i].ch);
		if (ret) {
			ret = fail_lib(ret);
			goto out;
		}
		pc[i].gated = !strcmp(pc[i].name, "LOOPBACK") &&
			      edge == SMD_APPS_MODEM && pc[i].mode == MODE_ECHO;
		printf("%s: channel %s cid %d on %s (%s, %u-byte FIFO), %s\n",
		       proc, pc[i].name, smd_ch_info(pc[i].ch)->cid,
		       smd_edge_name(edge),
		       pc[i].xfer == SMD_XFER_PACKET ? "packet" : "stream",
		       pc[i].fifo,
		       pc[i].mode == MODE_ECHO   ? "echo"
		       : pc[i].mode == MODE_SINK ? "sink"
						 : "source");
	}
	printf("%s: ready (pid %d)\n", proc, (int)getpid());
	fflush(stdout);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGUSR1, on_crash);
	if (cx.crash_ms >= 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		crash_at = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			   cx.crash_ms;
	}
	while (!peer_stop) {
		if (crash_at >= 0) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			if ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >=
			    crash_at)
				peer_crash = 1;
		}
		if (peer_crash) {
			/* A subsystem crash: no close, no cleanup; apps
			 * notices the dead process and resets our halves. */
			printf("%s: crashing\n", proc);
			fflush(stdout);
			_exit(3);
		}
		if (smd_smsm_get(s.d, 0, &apps_smsm) == 0) {
			if ((apps_smsm & SMSM_SMD_LOOPBACK) &&
			    !(last_smsm & SMSM_SMD_LOOPBACK) && !loopback_on) {
				loopback_on = true;
				for (i = 0; i < n; i++)
					if (pc[i].gated)
						printf("%s: apps raised "
						       "SMSM_SMD_LOOPBACK: "
						       "echoing on %s\n",
						       proc, pc[i].name);
				fflush(stdout);
			}
			last_smsm = apps_smsm;
		}
		for (i = 0; i < n; i++) {
			unsigned own, peer;
			int ev = smd_wait_event(pc[i].ch, ~0u, 0);

			if (ev < 0) {
				fprintf(stderr, "%s: %s\n", proc, mw_last_error());
				continue;
			}
			smd_ch_state(pc[i].ch, &own, &peer);
			if (own != pc[i].last_own || peer != pc[i].last_peer) {
				printf("%s: %s: ours %s, apps %s\n", proc,
				       pc[i].name, smd_state_name(own),
				       smd_state_name(peer) ? smd_state_name(peer)
							    : "?");
				fflush(stdout);
				pc[i].last_own = own;
				pc[i].last_peer = peer;
			}
			if (smd_is_open(pc[i].ch))
				serve(&pc[i], loopback_on);
		}
		if (n)
			smd_wait_irq(pc[0].ch, 100);
	}
	for (i = 0; i < n; i++) {
		printf("%s: %s: %llu bytes in, %llu out\n", proc, pc[i].name,
		       (unsigned long long)pc[i].rx,
		       (unsigned long long)pc[i].tx);
		smd_close(pc[i].ch);
		pc[i].ch = NULL;
	}
	ret = EXIT_OK;
out:
	for (i = 0; i < n; i++)
		smd_close(pc[i].ch);
	session_close(&s);
	return ret;
}

/* --------------------------------------------------------------- cat */

static int do_cat(int argc, char **argv)
{
	static uint8_t in[65536], out[65536];
	struct smd_session s;
	struct smd_ctx cx;
	struct smd_ch *ch = NULL;
	size_t pend = 0, off = 0;
	bool eof = false;
	int idx, ret, edge, fd, quiet = 0;

	idx = smd_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("smd cat: expected CHANNEL");
	ret = session_open(&cx, cx.proc ? cx.proc : "apps", false, &s);
	if (ret)
		return ret;
	edge = smd_edge_parse(s.d, cx.edge ? cx.edge : "modem");
	if (edge < 0) {
		ret = usage_error("%s", mw_last_error());
		goto out;
	}
	ret = smd_open(s.d, argv[idx], (unsigned)edge, 0, cx.timeout_ms, &ch);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	info("%s open on %s", argv[idx], smd_edge_name((unsigned)edge));
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGPIPE, SIG_IGN);
	fd = smd_fd(ch);
	for (;;) {
		struct pollfd p[2] = { { eof || pend ? -1 : 0, POLLIN, 0 },
				       { fd, POLLIN, 0 } };
		ssize_t n;
		bool busy = false;

		if (peer_stop)
			break;
		/* Channel to stdout. */
		while ((n = smd_read(ch, out, sizeof(out), 0)) > 0) {
			if (fwrite(out, 1, (size_t)n, stdout) != (size_t)n) {
				ret = fail("writing stdout failed");
				goto out;
			}
			busy = true;
		}
		fflush(stdout);
		if (n == -EPIPE) {
			info("the remote closed %s", argv[idx]);
			break;
		}
		if (n < 0 && n != -EAGAIN) {
			ret = fail_lib((int)n);
			goto out;
		}
		/* Stdin to the channel. */
		if (pend) {
			n = smd_write(ch, in + off, pend, 0);
			if (n > 0) {
				off += (size_t)n;
				pend -= (size_t)n;
				busy = true;
			} else if (n == -EPIPE) {
				break;
			} else if (n != -EAGAIN) {
				ret = fail_lib((int)n);
				goto out;
			}
		}
		if (eof && !pend) {
			/* Drained when the remote took everything and then
			 * nothing came back for a while. */
			int room = smd_write_avail(ch);
			const struct smd_info *ci = smd_ch_info(ch);

			quiet = busy ? 0 : quiet + 1;
			if (room >= 0 &&
			    (uint32_t)room + 1 + (ci->xfer == SMD_XFER_PACKET
							  ? 20u
							  : 0u) >=
				    ci->fifo_size &&
			    quiet >= 3)
				break;
		}
		if (fd >= 0)
			p[1].fd = fd;
		if (poll(p, 2, busy ? 0 : 50) > 0) {
			if (p[1].revents & POLLIN) {
				uint64_t v;

				if (read(fd, &v, sizeof(v)) < 0)
					(void)0; /* rearmed; count unused */
			}
			if (p[0].revents & (POLLIN | POLLHUP)) {
				n = read(0, in, sizeof(in));
				if (n <= 0) {
					eof = true;
				} else {
					pend = (size_t)n;
					off = 0;
				}
			}
		}
	}
	ret = EXIT_OK;
out:
	smd_close(ch);
	session_close(&s);
	return ret;
}

/* ------------------------------------------------------------- watch */

/* IPC router header v1 (Linux net/qrtr: struct qrtr_hdr_v1), 32 bytes. */
static const char *const qrtr_types[] = {
	NULL,         "DATA",       "HELLO",     "BYE",
	"NEW_SERVER", "DEL_SERVER", "DEL_CLIENT", "RESUME_TX",
	"EXIT",       "PING",       "NEW_LOOKUP", "DEL_LOOKUP",
};

static void decode_ipcrtr(const uint8_t *p, uint32_t len)
{
	uint32_t w[8];

	if (len < sizeof(w)) {
		print_text("  ipcrtr: %u bytes, shorter than a header\n", len);
		return;
	}
	memcpy(w, p, sizeof(w));
	print_text("  ipcrtr v%u %s: %u:%u -> %u:%u, %u bytes%s\n", w[0],
		   w[1] < sizeof(qrtr_types) / sizeof(qrtr_types[0]) &&
				   qrtr_types[w[1]]
			   ? qrtr_types[w[1]]
			   : "type?",
		   w[2], w[3], w[6], w[7], w[5], w[4] ? ", confirm_rx" : "");
}

struct watch_half {
	uint32_t pkt_left;   /* payload bytes left of the current packet */
	uint8_t hdr[20];
	uint32_t hdr_have;
	bool pkt_start;
};

struct watch_ch {
	bool seen;
	struct smd_info last;
	struct watch_half h[2];
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void owner_names(unsigned edge, char names[2][16])
{
	const char *e = smd_edge_name(edge), *us = e ? strchr(e, '_') : NULL;
	size_t i;

	snprintf(names[0], 16, "%.*s", us ? (int)(us - e) : 2, us ? e : "ch0");
	snprintf(names[1], 16, "%s", us ? us + 1 : "ch1");
	for (i = 0; i < 2; i++) {
		char *c;

		for (c = names[i]; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	}
}

/* New bytes [from, from + n) of half @k: hexdump, packet headers. */
static void watch_bytes(struct smd *d, const struct smd_info *ci,
			struct watch_half *wh, unsigned k, uint32_t from,
			uint32_t n, uint32_t show)
{
	static uint8_t buf[SMD_MAX_FIFO];
	uint32_t i = 0;

	if (smd_fifo_peek(d, ci, k, from, n, buf)) {
		print_text("  (%s)\n", mw_last_error());
		return;
	}
	if (ci->xfer != SMD_XFER_PACKET) {
		print_hexdump(buf, n < show ? n : show);
		return;
	}
	while (i < n) {
		if (wh->pkt_left == 0) {
			uint32_t take = 20 - wh->hdr_have;

			if (take > n - i)
				take = n - i;
			memcpy(wh->hdr + wh->hdr_have, buf + i, take);
			wh->hdr_have += take;
			i += take;
			if (wh->hdr_have < 20)
				break;
			memcpy(&wh->pkt_left, wh->hdr, 4);
			wh->hdr_have = 0;
			wh->pkt_start = true;
			print_text("  packet of %u bytes\n", wh->pkt_left);
			continue;
		}
		{
			uint32_t take = wh->pkt_left < n - i ? wh->pkt_left : n - i;

			if (wh->pkt_start && !strcmp(ci->name, "IPCRTR"))
				decode_ipcrtr(buf + i, take);
			wh->pkt_start = false;
			print_hexdump(buf + i, take < show ? take : show);
			wh->pkt_left -= take;
			i += take;
		}
	}
}

static int do_watch(int argc, char **argv)
{
	static struct watch_ch wc[SMD_CHANNELS];
	struct smd_info ch[SMD_CHANNELS];
	struct smd_session s;
	struct smd_ctx cx;
	struct timespec t0;
	uint64_t events = 0;
	int idx, ret, n, i, k;

	idx = smd_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smd watch: unexpected argument '%s'",
				   argv[idx]);
	if (json_output)
		return usage_error("smd watch prints a live trace: not with -j");
	cx.ro.rdonly = !cx.ro.dump && !cx.ro.devmem;
	ret = session_open(&cx, NULL, false, &s);
	if (ret)
		return ret;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	print_text("watching SMD channels (Ctrl-C to stop)\n");
	while (!peer_stop) {
		struct timespec ts = { 0, 5 * 1000000L };

		n = smd_list(s.d, ch, SMD_CHANNELS);
		for (i = 0; i < n; i++) {
			struct watch_ch *w = &wc[ch[i].slot];
			char who[2][16];

			owner_names(ch[i].edge, who);
			if (ch[i].problem) {
				if (!w->seen || !w->last.problem)
					print_text("+%.3fs %s: BAD: %s\n",
						   since(&t0), ch[i].name,
						   ch[i].problem);
				w->last = ch[i];
				w->seen = true;
				continue;
			}
			if (!w->seen || w->last.problem) {
				print_text("+%.3fs %s: cid %u on %s, %s, %u-byte "
					   "FIFO, %s %s / %s %s\n",
					   since(&t0), ch[i].name, ch[i].cid,
					   smd_edge_name(ch[i].edge),
					   ch[i].xfer == SMD_XFER_PACKET
						   ? "packet"
						   : "stream",
					   ch[i].fifo_size, who[0],
					   smd_state_name(ch[i].state[0]), who[1],
					   smd_state_name(ch[i].state[1]));
				memset(w->h, 0, sizeof(w->h));
				w->last = ch[i];
				w->seen = true;
				events++;
				continue;
			}
			for (k = 0; k < 2; k++) {
				const struct smd_info *o = &w->last;
				uint32_t nb;

				if (ch[i].state[k] != o->state[k] ||
				    ch[i].sig[k] != o->sig[k]) {
					char sb[16];

					print_text("+%.3fs %s: %s %s -> %s, "
						   "signals %s\n",
						   since(&t0), ch[i].name, who[k],
						   smd_state_name(o->state[k]),
						   smd_state_name(ch[i].state[k]),
						   sig_text(ch[i].sig[k], sb));
					events++;
				}
				nb = (ch[i].head[k] - o->head[k]) &
				     (ch[i].fifo_size - 1);
				/* A (re)open resets the writer's head: that
				 * is not traffic, and parsing starts over. */
				if (ch[i].state[k] != o->state[k] &&
				    ch[i].state[k] == SMD_SS_OPENING) {
					memset(&w->h[k], 0, sizeof(w->h[k]));
					nb = 0;
				}
				if (nb) {
					print_text("+%.3fs %s: %s -> %s %u "
						   "bytes\n",
						   since(&t0), ch[i].name, who[k],
						   who[1 - k], nb);
					watch_bytes(s.d, &ch[i], &w->h[k], k,
						    o->head[k], nb, 64);
					events++;
				}
			}
			w->last = ch[i];
		}
		fflush(stdout);
		if (cx.count && events >= cx.count)
			break;
		nanosleep(&ts, NULL);
	}
	session_close(&s);
	return EXIT_OK;
}

static int do_mount(int argc, char **argv)
{
	struct smd_ctx cx;
	int idx;

	idx = smd_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (json_output)
		return usage_error("smd mount serves files: not with -j");
	if (cx.ro.dump)
		return usage_error("a dump is read-only: channels cannot be "
				   "opened on it");
	return do_smd_mount(argc - idx, argv + idx, &cx.ro, cx.proc,
			    cx.timeout_ms);
}

static const struct cmd cmds[] = {
	{ "ls", do_ls, REGION_OPTS_USAGE,
	  "channels: name, cid, edge, mode, FIFO, both halves, bytes queued" },
	{ "peer", do_peer,
	  "[--proc PROC] [--channels NAME[:echo|sink|source][:stream|packet]"
	  "[:FIFO],...] [--fifo N] [--crash MS] [--file PATH]",
	  "run a remote processor: create channels, answer opens, serve them" },
	{ "cat", do_cat, "CHANNEL [--edge EDGE] [--proc PROC] [--timeout MS]",
	  "stdin to the channel, the channel to stdout" },
	{ "mount", do_mount, "DIR [--proc PROC] [--timeout MS] [--file PATH]",
	  "every channel as a file: DIR/modem/LOOPBACK (FUSE)" },
	{ "watch", do_watch, "[--count N] [--file PATH]",
	  "sniff state changes and traffic on every channel (reads nothing "
	  "away)" },
	{ NULL, NULL, NULL, NULL },
};

int do_smd(int argc, char **argv)
{
	return cmd_select(cmds, "smd", argc - 1, argv + 1);
}
