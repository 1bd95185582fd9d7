/* SPDX-License-Identifier: MIT */
/*
 * test_smd.c - SMD channels between real processes.
 *
 * The test process is apps.  The remote processor (modem, or rpm for the
 * word-access edge) is an *agent*: a forked process that attaches to the
 * region as that processor and runs the smd calls the test sends it over a
 * socket, one at a time (create, open as firmware, read, write, poke bytes
 * into its own half...).  A call can be sent and its answer collected later,
 * so the agent serves an open while apps blocks in smd_open().  The CLI
 * tests fork/exec $MEMWIRE (`smd peer`, `smd cat`, `smd ls`) instead.
 *
 * Shared bytes are checked at offsets computed by hand from the reference
 * (smem_smd.md §6), never through the library's layout structs:
 *
 *   item 13        table: 64 x 32 B {name[20], cid @0x14, type @0x18,
 *                  ref_count @0x1C}, type = edge | xfer << 8
 *   item 14+cid    ch0 then ch1; byte half 20 B: state 0, fDSR 4, fCTS 5,
 *                  fCD 6, fRI 7, fHEAD 8, fTAIL 9, fSTATE 10,
 *                  fBLOCKREADINTR 11, tail 12, head 16; word half 44 B:
 *                  the same fields, each a u32 at 4 * index
 *   item 338+cid   FIFO: [0, N) ch0's TX (apps on apps edges), [N, 2N) ch1's
 *   packet header  20 B {len, 0, 0, 0, 0} before each packet
 *
 * Children never call cmocka: they report through exit codes and the
 * agent's answers, and every child is ended by its pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "core/barrier.h"
#include "memwire/core.h"
#include "memwire/smd.h"
#include "memwire/smem.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define BASE 0x80000000ull
#define SIZE 0x200000ull

/* Reference §6.1 / §6.3, by hand. */
#define ITEM_TABLE 13u
#define ITEM_INFO(cid) (14u + (cid))
#define ITEM_FIFO(cid) (338u + (cid))
#define ENTRY_SIZE 32u
#define E_CID 0x14u
#define E_TYPE 0x18u
#define E_REF 0x1Cu
#define HDR 20u /* packet header */

/* Half-channel fields (§6.4). */
enum hf {
	H_STATE,
	H_DSR,
	H_CTS,
	H_CD,
	H_RI,
	H_FHEAD,
	H_FTAIL,
	H_FSTATE,
	H_BRI,
	H_TAIL,
	H_HEAD,
};

static const unsigned byte_off[] = { 0x00, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x09, 0x0A, 0x0B, 0x0C, 0x10 };

/* Offset of field @f of half @k (0 = ch0) in the info item. */
static size_t half_off(bool word, unsigned k, enum hf f)
{
	return word ? 44u * k + 4u * f : 20u * k + byte_off[f];
}

static bool half_wide(bool word, enum hf f)
{
	return word || f == H_STATE || f == H_TAIL || f == H_HEAD;
}

static uint32_t half_get(const uint8_t *info, bool word, unsigned k,
			 enum hf f)
{
	const uint8_t *p = info + half_off(word, k, f);

	if (half_wide(word, f))
		return mw_load_acquire((const uint32_t *)p);
	return mw_load_acquire(p);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * In a forked child: the default action for the crash signals, not
 * cmocka's handlers (which would longjmp into the runner's copy and go on
 * running tests in the child).
 */
static void child_init(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	unsigned i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* ------------------------------------------------------ one processor */

struct side {
	struct mw_region *r;
	struct smem *sm;
	struct smd *d;
};

static int side_open(struct side *s, const char *path, const char *proc)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = mw_region_attach(path, 0, &s->r);
	if (!ret)
		ret = smem_open(s->r, proc, &s->sm);
	if (!ret)
		ret = smd_attach(s->sm, &s->d);
	return ret;
}

static void side_close(struct side *s)
{
	if (s->d)
		smd_detach(s->d);
	smem_close(s->sm);
	mw_region_close(s->r);
	memset(s, 0, sizeof(*s));
}

/* Item @id of @s's heap, with its size checked when @size is nonzero. */
static uint8_t *item(struct side *s, uint32_t id, uint32_t size)
{
	uint32_t got;
	void *p;

	if (smem_get_addr(s->sm, id, &p, &got))
		fail_msg("item %u: %s", id, mw_last_error());
	if (size && got != size)
		fail_msg("item %u is %u bytes, expected %u", id, got, size);
	return p;
}

/* ------------------------------------------------------------- pump */

/*
 * Both directions at once, single-threaded: write what fits, read what is
 * there, sleep on the edge's interrupt when neither moved.  The data and
 * the chunk (packet) sizes come from one generator per direction, seeded
 * alike on both sides, so the reader knows every byte and every packet
 * length it must see: a lost, repeated or reordered byte, a partial or
 * merged packet is caught at the first wrong byte.
 */
struct pump_cfg {
	uint32_t total;    /* payload bytes per direction (at least) */
	uint32_t maxchunk; /* write / read sizes 1..maxchunk */
	uint32_t fifo;     /* per direction */
	uint32_t packet;
	uint64_t seed_a2r, seed_r2a;
};

struct gen {
	uint64_t s;
};

static uint64_t gen_next(struct gen *g)
{
	uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct bytes {
	struct gen g;
	uint64_t cur;
	unsigned left;
	uint32_t sum; /* FNV-1a of every byte so far */
};

static uint8_t byte_next(struct bytes *b)
{
	uint8_t v;

	if (!b->left) {
		b->cur = gen_next(&b->g);
		b->left = 8;
	}
	v = (uint8_t)b->cur;
	b->cur >>= 8;
	b->left--;
	b->sum = (b->sum ^ v) * 16777619u;
	return v;
}

/* Next write size; packets: 1 in 16 empty, 1 in 32 the largest that fits. */
static uint32_t next_len(struct gen *g, const struct pump_cfg *c)
{
	uint64_t r = gen_next(g);
	uint32_t max = c->packet ? c->fifo - 1 - HDR : c->fifo;

	if (c->packet && r % 16 == 0)
		return 0;
	if (r % 32 == 1)
		return max;
	return 1 + (uint32_t)((r >> 8) % (c->maxchunk < max ? c->maxchunk
							     : max));
}

#define PUMP_FAIL(...)                                                         \
	do {                                                                   \
		snprintf(why, whylen, __VA_ARGS__);                            \
		goto out;                                                      \
	} while (0)

/*
 * @n bytes read at stream offset @got: a packet channel returns exactly the
 * next packet (empty ones are never seen), and every byte is the next one
 * of the other side's generator.
 */
static bool pump_check(const struct pump_cfg *c, struct gen *rxl,
		       struct bytes *rxb, uint64_t got, const uint8_t *rx,
		       ssize_t n, char *why, size_t whylen)
{
	uint32_t exp = 0;
	ssize_t i;

	if (c->packet) {
		while (!exp)
			exp = next_len(rxl, c);
		if (exp > c->total - got)
			exp = (uint32_t)(c->total - got);
		if (n != (ssize_t)exp) {
			snprintf(why, whylen,
				 "read %zd bytes at byte %llu, expected a "
				 "whole %u-byte packet",
				 n, (unsigned long long)got, exp);
			return false;
		}
	}
	for (i = 0; i < n; i++) {
		if (rx[i] != byte_next(rxb)) {
			snprintf(why, whylen, "byte %llu differs",
				 (unsigned long long)got + (uint64_t)i);
			return false;
		}
	}
	return true;
}

static int pump(struct smd_ch *ch, const struct pump_cfg *c, bool apps,
		char *why, size_t whylen)
{
	uint64_t stx = apps ? c->seed_a2r : c->seed_r2a;
	uint64_t srx = apps ? c->seed_r2a : c->seed_a2r;
	struct bytes txb = { { stx }, 0, 0, 2166136261u };
	struct bytes rxb = { { srx }, 0, 0, 2166136261u };
	struct gen txl = { stx ^ 0x5555 }, rxl = { srx ^ 0x5555 };
	struct gen rsz = { stx ^ 0xAAAA };
	size_t cap = (c->fifo > c->maxchunk ? c->fifo : c->maxchunk) + 64;
	uint8_t *tx = malloc(cap), *rx = malloc(cap);
	uint64_t sent = 0, got = 0;
	uint32_t tlen = 0, toff = 0, i;
	bool tpend = false;
	int ret = -1;
	ssize_t n;

	why[0] = '\0';
	if (!tx || !rx)
		PUMP_FAIL("out of memory");
	while (sent < c->total || got < c->total) {
		bool moved = false;

		if (sent < c->total) {
			if (!tpend) {
				tlen = next_len(&txl, c);
				if (tlen > c->total - sent)
					tlen = (uint32_t)(c->total - sent);
				for (i = 0; i < tlen; i++)
					tx[i] = byte_next(&txb);
				toff = 0;
				tpend = true;
			}
			n = smd_write(ch, tx + toff, tlen - toff, 0);
			if (n >= 0) {
				if (c->packet && n != (ssize_t)tlen)
					PUMP_FAIL("packet write of %u bytes "
						  "returned %zd",
						  tlen, n);
				toff += (uint32_t)n;
				if (toff == tlen) {
					sent += tlen;
					tpend = false;
				}
				moved = true;
			} else if (n != -EAGAIN) {
				PUMP_FAIL("write after %llu bytes: %zd (%s)",
					  (unsigned long long)sent, n,
					  mw_last_error());
			}
		}
		if (got < c->total) {
			size_t want = c->packet ? cap
						: 1 + gen_next(&rsz) %
							      (2 * c->maxchunk);

			n = smd_read(ch, rx, want < cap ? want : cap, 0);
			if (n > 0) {
				if (!pump_check(c, &rxl, &rxb, got, rx, n, why,
						whylen))
					goto out;
				got += (uint64_t)n;
				moved = true;
			} else if (n != -EAGAIN) {
				PUMP_FAIL("read after %llu bytes: %zd (%s)",
					  (unsigned long long)got, n,
					  mw_last_error());
			}
		}
		if (!moved && smd_wait_irq(ch, 5000) == -ETIMEDOUT)
			PUMP_FAIL("stalled: %llu bytes sent, %llu received",
				  (unsigned long long)sent,
				  (unsigned long long)got);
	}
	/* The checksums agree by construction when every byte did. */
	snprintf(why, whylen, "tx %08x rx %08x", txb.sum, rxb.sum);
	ret = 0;
out:
	free(tx);
	free(rx);
	return ret;
}

/* ------------------------------------------------------------ agent */

enum op {
	OP_HELLO,
	OP_CREATE,  /* name; a edge, b xfer, c fifo -> cid */
	OP_OPEN,    /* create, then open as firmware (REMOTE | NOWAIT) */
	OP_SERVE,   /* a timeout: process until open -> 1, or 0 */
	OP_CLOSE,
	OP_WRITE,   /* data; a timeout */
	OP_ATOMIC,  /* data */
	OP_READ,    /* a max, b timeout -> data */
	OP_EVENT,   /* a mask, b timeout */
	OP_TIOCMSET, /* a set, b clear */
	OP_TIOCMGET,
	OP_LOCK,    /* a mutex */
	OP_ALLOC,   /* a item, b size */
	OP_POKE,    /* a item, b offset; data */
	OP_PUMP,    /* struct pump_cfg */
	OP_WATCH,   /* a item, b offset, c ms -> mask of u32 values seen */
	OP_START,   /* a len, b timeout: smd_write_start */
	OP_STATE,   /* -> own | peer << 8 */
	OP_SMSM,    /* a clear, b set: this processor's SMSM entry */
	OP_EXIT,
};

#define AG_MAX (256u * 1024u)
#define AG_CH 8

struct req {
	int32_t op, ch, a, b, c;
	uint32_t len;
};

struct rsp {
	int64_t ret;
	uint32_t len;
	char err[300];
};

struct agent {
	pid_t pid;
	int fd;
	char err[300];
};

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int64_t agent_do(struct side *s, struct smd_ch **chs,
			const struct req *q, uint8_t *in, uint8_t *out,
			uint32_t *olen)
{
	struct smd_ch **ch = &chs[q->ch];
	const char *name = (const char *)in;
	long long end;
	void *p;
	uint32_t size;
	int64_t ret;

	switch (q->op) {
	case OP_CREATE:
		return smd_create(s->d, name, (unsigned)q->a, (unsigned)q->b,
				  (uint32_t)q->c);
	case OP_OPEN:
		ret = smd_create(s->d, name, (unsigned)q->a, (unsigned)q->b,
				 (uint32_t)q->c);
		if (ret < 0)
			return ret;
		return smd_open(s->d, name, (unsigned)q->a,
				SMD_OPEN_REMOTE | SMD_OPEN_NOWAIT, 1000, ch);
	case OP_SERVE:
		end = now_ms() + q->a;
		while (!smd_is_open(*ch)) {
			long long left = end - now_ms();
			int ev;

			if (left <= 0)
				return 0;
			ev = smd_wait_event(*ch, ~0u, (int)left);
			if (ev < 0)
				return ev;
		}
		return 1;
	case OP_CLOSE:
		ret = smd_close(*ch);
		*ch = NULL;
		return ret;
	case OP_WRITE:
		return smd_write(*ch, in, q->len, q->a);
	case OP_ATOMIC:
		return smd_write_atomic(*ch, in, q->len);
	case OP_READ:
		ret = smd_read(*ch, out, (size_t)q->a, q->b);
		if (ret > 0)
			*olen = (uint32_t)ret;
		return ret;
	case OP_EVENT:
		return smd_wait_event(*ch, (unsigned)q->a, q->b);
	case OP_TIOCMSET:
		return smd_tiocmset(*ch, (unsigned)q->a, (unsigned)q->b);
	case OP_TIOCMGET:
		return smd_tiocmget(*ch);
	case OP_LOCK:
		return smem_spin_lock(s->sm, (unsigned)q->a);
	case OP_ALLOC:
		return smem_alloc(s->sm, (uint32_t)q->a, (uint32_t)q->b, &p);
	case OP_POKE:
		ret = smem_get_addr(s->sm, (uint32_t)q->a, &p, &size);
		if (ret)
			return ret;
		if ((uint64_t)(uint32_t)q->b + q->len > size)
			return -ERANGE;
		memcpy((uint8_t *)p + q->b, in, q->len);
		return 0;
	case OP_WATCH:
		ret = smem_get_addr(s->sm, (uint32_t)q->a, &p, &size);
		if (ret)
			return ret;
		if ((uint64_t)(uint32_t)q->b + 4 > size)
			return -ERANGE;
		end = now_ms() + q->c;
		ret = 0;
		while (now_ms() < end) {
			uint32_t v = mw_load_acquire(
				(uint32_t *)((uint8_t *)p + q->b));

			ret |= v < 32 ? 1ll << v : 1ll << 32;
		}
		return ret;
	case OP_START:
		return smd_write_start(*ch, (size_t)q->a, q->b);
	case OP_STATE: {
		unsigned own, peer;

		smd_ch_state(*ch, &own, &peer);
		return own | peer << 8;
	}
	case OP_SMSM:
		return smd_smsm_change(s->d, (uint32_t)q->a, (uint32_t)q->b);
	case OP_PUMP: {
		struct pump_cfg c;

		memcpy(&c, in, sizeof(c));
		ret = pump(*ch, &c, false, (char *)out, 300);
		*olen = (uint32_t)strlen((char *)out) + 1;
		return ret;
	}
	}
	return -ENOSYS;
}

static void agent_main(const char *path, const char *proc, int fd)
{
	static uint8_t in[AG_MAX + 1], out[AG_MAX];
	struct smd_ch *chs[AG_CH] = { NULL };
	struct side s;
	struct req q;
	struct rsp p;
	int ret;

	memset(&p, 0, sizeof(p));
	ret = side_open(&s, path, proc);
	p.ret = ret;
	if (ret)
		snprintf(p.err, sizeof(p.err), "%s", mw_last_error());
	if (write_full(fd, &p, sizeof(p)) || ret)
		_exit(1);
	for (;;) {
		if (read_full(fd, &q, sizeof(q)))
			_exit(0); /* the test is gone */
		if (q.len > AG_MAX || q.ch < 0 || q.ch >= AG_CH ||
		    read_full(fd, in, q.len))
			_exit(1);
		in[q.len] = 0;
		memset(&p, 0, sizeof(p));
		p.ret = q.op == OP_EXIT ? 0 : agent_do(&s, chs, &q, in, out,
							&p.len);
		if (p.ret < 0)
			snprintf(p.err, sizeof(p.err), "%s", mw_last_error());
		if (write_full(fd, &p, sizeof(p)) || write_full(fd, out, p.len))
			_exit(1);
		if (q.op == OP_EXIT) {
			for (ret = 0; ret < AG_CH; ret++)
				smd_close(chs[ret]);
			side_close(&s);
			_exit(0);
		}
	}
}

/* ------------------------------------------------------------ fixture */

#define MAX_AGENTS 4
#define MAX_BG 4

struct fx {
	char dir[PATH_MAX - 64];
	char path[PATH_MAX];
	struct side apps;
	struct agent ag[MAX_AGENTS];
	pid_t bg[MAX_BG]; /* memwire processes and helpers */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct mw_region *r;
	struct smem *sm;
	int i;

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/smd.smem", f->dir);
	if (mw_region_create(f->path, "msm8930", BASE, SIZE, 0, &r))
		return -1;
	if (smem_open(r, NULL, &sm) || smem_init_heap(sm, 0))
		return -1;
	smem_close(sm);
	mw_region_close(r);
	for (i = 0; i < MAX_AGENTS; i++)
		f->ag[i].fd = -1;
	*state = f;
	return 0;
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < MAX_AGENTS; i++) {
		if (f->ag[i].fd >= 0)
			close(f->ag[i].fd);
		reap(&f->ag[i].pid);
	}
	for (i = 0; i < MAX_BG; i++)
		reap(&f->bg[i]);
	side_close(&f->apps);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static void apps_open(struct fx *f)
{
	if (side_open(&f->apps, f->path, "apps"))
		fail_msg("apps: %s", mw_last_error());
}

/* Wait for child @pid at most @ms; its exit code, 128 + signal, or -1
 * after killing it for taking too long. */
static int wait_exit(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		if (r < 0 || now_ms() > end)
			break;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static struct agent *agent_start(struct fx *f, const char *proc)
{
	struct agent *a = NULL;
	struct rsp p;
	int sv[2], i;

	for (i = 0; i < MAX_AGENTS && !a; i++)
		if (f->ag[i].pid <= 0)
			a = &f->ag[i];
	assert_non_null(a);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		child_init();
		/* Only our end: EOF from the test must reach us. */
		for (i = 0; i < MAX_AGENTS; i++)
			if (f->ag[i].fd >= 0)
				close(f->ag[i].fd);
		close(sv[0]);
		agent_main(f->path, proc, sv[1]);
		_exit(0);
	}
	close(sv[1]);
	a->fd = sv[0];
	if (read_full(a->fd, &p, sizeof(p)) || p.ret)
		fail_msg("agent %s did not start: %s", proc, p.err);
	return a;
}

static void ag_send(struct agent *a, int op, int ch, int x, int y, int z,
		    const void *data, uint32_t len)
{
	struct req q = { op, ch, x, y, z, len };

	if (write_full(a->fd, &q, sizeof(q)) ||
	    (len && write_full(a->fd, data, len)))
		fail_msg("agent %d: send failed", (int)a->pid);
}

/* The answer to the last ag_send(); data into @out (at most @cap). */
static int64_t ag_recv(struct agent *a, void *out, uint32_t cap,
		       uint32_t *olen)
{
	struct pollfd pf = { a->fd, POLLIN, 0 };
	static uint8_t junk[AG_MAX];
	struct rsp p;

	if (poll(&pf, 1, 30000) != 1 || read_full(a->fd, &p, sizeof(p)))
		fail_msg("agent %d: no answer", (int)a->pid);
	if (p.len > AG_MAX ||
	    read_full(a->fd, p.len <= cap && out ? out : junk, p.len))
		fail_msg("agent %d: bad answer", (int)a->pid);
	if (p.len > cap && out)
		fail_msg("agent %d: answer of %u bytes, room for %u",
			 (int)a->pid, p.len, cap);
	if (olen)
		*olen = p.len;
	memcpy(a->err, p.err, sizeof(a->err));
	return p.ret;
}

static int64_t ag_call(struct agent *a, int op, int ch, int x, int y, int z,
		       const void *data, uint32_t len)
{
	ag_send(a, op, ch, x, y, z, data, len);
	return ag_recv(a, NULL, 0, NULL);
}

/* Ask the agent to end and wait for it. */
static void agent_stop(struct agent *a)
{
	ag_call(a, OP_EXIT, 0, 0, 0, 0, NULL, 0);
	assert_int_equal(wait_exit(a->pid, 5000), 0);
	a->pid = 0;
	close(a->fd);
	a->fd = -1;
}

#define AG_OK(expr, a)                                                         \
	do {                                                                   \
		int64_t ag_ret_ = (expr);                                      \
		if (ag_ret_ < 0)                                               \
			fail_msg("%s = %lld: %s", #expr,                       \
				 (long long)ag_ret_, (a)->err);                \
	} while (0)

/*
 * Channel @name created and opened by agent @a (slot @k), then opened by
 * apps: the agent serves the handshake while apps waits in smd_open().
 */
static struct smd_ch *open_pair(struct fx *f, struct agent *a, int k,
				const char *name, unsigned edge, unsigned xfer,
				uint32_t fifo)
{
	struct smd_ch *ch = NULL;
	int ret;

	AG_OK(ag_call(a, OP_OPEN, k, (int)edge, (int)xfer, (int)fifo, name,
		      (uint32_t)strlen(name) + 1),
	      a);
	ag_send(a, OP_SERVE, k, 5000, 0, 0, NULL, 0);
	ret = smd_open(f->apps.d, name, edge, 0, 5000, &ch);
	if (ret)
		fail_msg("apps open %s: %d %s", name, ret, mw_last_error());
	if (ag_recv(a, NULL, 0, NULL) != 1)
		fail_msg("%s: the agent never saw it open: %s", name, a->err);
	assert_true(smd_is_open(ch));
	return ch;
}

/* Read exactly @len bytes from the agent's channel @k. */
static void ag_read_exact(struct agent *a, int k, void *buf, uint32_t len)
{
	uint32_t got = 0, n;

	while (got < len) {
		int64_t r;

		ag_send(a, OP_READ, k, (int)(len - got), 2000, 0, NULL, 0);
		r = ag_recv(a, (uint8_t *)buf + got, len - got, &n);
		if (r <= 0)
			fail_msg("agent read after %u of %u bytes: %lld %s",
				 got, len, (long long)r, a->err);
		got += n;
	}
}

/* Read exactly @len bytes from apps's @ch. */
static void apps_read_exact(struct smd_ch *ch, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = smd_read(ch, (uint8_t *)buf + got, len - got, 2000);

		if (n <= 0)
			fail_msg("apps read after %zu of %zu bytes: %zd %s",
				 got, len, n, mw_last_error());
		got += (size_t)n;
	}
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	struct bytes b = { { seed }, 0, 0, 0 };
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = byte_next(&b);
}

/* ------------------------------------------------------ layout, golden */

static const uint8_t closed_halves[88]; /* all zero */

/* The 32-byte table entry the reference prescribes. */
static void expect_entry(const uint8_t *t, unsigned slot, const char *name,
			 uint32_t cid, uint32_t type)
{
	uint8_t want[ENTRY_SIZE] = { 0 };

	memcpy(want, name, strlen(name)); /* NUL padded */
	want[E_CID] = (uint8_t)cid;
	want[E_TYPE] = (uint8_t)type;
	want[E_TYPE + 1] = (uint8_t)(type >> 8);
	want[E_REF] = 1;
	if (memcmp(t + ENTRY_SIZE * slot, want, ENTRY_SIZE)) {
		char got[3 * ENTRY_SIZE + 1];
		unsigned i;

		for (i = 0; i < ENTRY_SIZE; i++)
			snprintf(got + 3 * i, 4, "%02x ",
				 t[ENTRY_SIZE * slot + i]);
		fail_msg("table slot %u (%s): %s", slot, name, got);
	}
}

static void test_create_lays_out_table_info_and_fifo_as_the_reference(
	void **state)
{
	struct fx *f = *state;
	struct agent *modem, *rpm;
	const uint8_t *t;

	apps_open(f);
	modem = agent_start(f, "modem");
	rpm = agent_start(f, "rpm");
	assert_int_equal(ag_call(modem, OP_CREATE, 0, SMD_APPS_MODEM,
				 SMD_XFER_STREAM, 8192, "GOLDEN", 7),
			 0);
	assert_int_equal(ag_call(rpm, OP_CREATE, 0, SMD_APPS_RPM,
				 SMD_XFER_PACKET, 1024, "rpm_requests", 13),
			 1);
	/* An existing channel comes back as it is. */
	assert_int_equal(ag_call(modem, OP_CREATE, 0, SMD_APPS_MODEM,
				 SMD_XFER_STREAM, 8192, "GOLDEN", 7),
			 0);

	t = item(&f->apps, ITEM_TABLE, 64 * ENTRY_SIZE);
	expect_entry(t, 0, "GOLDEN", 0, SMD_APPS_MODEM | 1u << 8);
	expect_entry(t, 1, "rpm_requests", 1, 0x0F | 2u << 8);
	assert_memory_equal(t + 2 * ENTRY_SIZE, closed_halves, ENTRY_SIZE);

	/* Halves: 40 B byte, 88 B word (RPM edge), both CLOSED, all zero. */
	assert_memory_equal(item(&f->apps, ITEM_INFO(0), 40), closed_halves,
			    40);
	assert_memory_equal(item(&f->apps, ITEM_INFO(1), 88), closed_halves,
			    88);
	/* FIFOs: two directions. */
	item(&f->apps, ITEM_FIFO(0), 2 * 8192);
	item(&f->apps, ITEM_FIFO(1), 2 * 1024);
	agent_stop(modem);
	agent_stop(rpm);
}

/*
 * After both sides opened: OPENED with fDSR = fCTS = fCD = 1 in both
 * halves; apps (ch0) transmits in the first half of the FIFO item and
 * advances ch0.head; the remote in the second half and ch1.head; the
 * reader moves the writer's tail and raises fTAIL in its own half (msm).
 */
static void check_open_layout(struct fx *f, struct agent *a, bool word,
			      unsigned edge, unsigned xfer)
{
	const char *name = word ? "LAYOUT_W" : "LAYOUT_B";
	const char msg[] = "bytes from apps", back[] = "and from the remote";
	uint32_t fifo = 2048, alen = sizeof(msg) - 1, blen = sizeof(back) - 1;
	uint32_t hdr = xfer == SMD_XFER_PACKET ? HDR : 0, cid;
	const struct smd_info *ci;
	struct smd_ch *ch;
	uint8_t *info, *ff, buf[64];
	unsigned k;

	ch = open_pair(f, a, 0, name, edge, xfer, fifo);
	ci = smd_ch_info(ch);
	cid = ci->cid;
	assert_int_equal(ci->word, word);
	assert_int_equal(ci->fifo_size, fifo);
	info = item(&f->apps, ITEM_INFO(cid), word ? 88 : 40);
	ff = item(&f->apps, ITEM_FIFO(cid), 2 * fifo);
	for (k = 0; k < 2; k++) {
		assert_int_equal(half_get(info, word, k, H_STATE),
				 SMD_SS_OPENED);
		assert_int_equal(half_get(info, word, k, H_DSR), 1);
		assert_int_equal(half_get(info, word, k, H_CTS), 1);
		assert_int_equal(half_get(info, word, k, H_CD), 1);
		assert_int_equal(half_get(info, word, k, H_RI), 0);
		assert_int_equal(half_get(info, word, k, H_HEAD), 0);
		assert_int_equal(half_get(info, word, k, H_TAIL), 0);
	}
	/* msm apps asks for read interrupts when it opens (§6.8). */
	assert_int_equal(half_get(info, word, 0, H_BRI), 0);

	assert_int_equal(smd_write(ch, msg, alen, 1000), alen);
	if (hdr) {
		/* {len, 0, 0, 0, 0}, little-endian */
		assert_int_equal(le32(ff + 0), alen);
		assert_int_equal(le32(ff + 4), 0);
		assert_int_equal(le32(ff + 8), 0);
		assert_int_equal(le32(ff + 12), 0);
		assert_int_equal(le32(ff + 16), 0);
	}
	assert_memory_equal(ff + hdr, msg, alen);
	assert_int_equal(half_get(info, word, 0, H_HEAD), hdr + alen);
	assert_int_equal(half_get(info, word, 0, H_FHEAD), 1);
	assert_int_equal(half_get(info, word, 1, H_HEAD), 0);

	AG_OK(ag_call(a, OP_WRITE, 0, 1000, 0, 0, back, blen), a);
	if (hdr)
		assert_int_equal(le32(ff + fifo), blen);
	assert_memory_equal(ff + fifo + hdr, back, blen);
	assert_int_equal(half_get(info, word, 1, H_HEAD), hdr + blen);

	/* The remote reads what apps sent: ch0.tail moves, ch1.fTAIL. */
	ag_read_exact(a, 0, buf, alen);
	assert_memory_equal(buf, msg, alen);
	assert_int_equal(half_get(info, word, 0, H_TAIL), hdr + alen);
	assert_int_equal(half_get(info, word, 1, H_FTAIL), 1);
	/* ... and apps what the remote sent: ch1.tail. */
	apps_read_exact(ch, buf, blen);
	assert_memory_equal(buf, back, blen);
	assert_int_equal(half_get(info, word, 1, H_TAIL), hdr + blen);

	smd_close(ch);
	assert_int_equal(half_get(info, word, 0, H_STATE), SMD_SS_CLOSED);
	assert_int_equal(half_get(info, word, 0, H_DSR), 0);
	assert_int_equal(half_get(info, word, 0, H_FSTATE), 1);
}

static void test_open_sets_both_halves_and_apps_sends_in_the_first_half(
	void **state)
{
	struct fx *f = *state;
	struct agent *modem, *rpm;

	apps_open(f);
	modem = agent_start(f, "modem");
	check_open_layout(f, modem, false, SMD_APPS_MODEM, SMD_XFER_STREAM);
	rpm = agent_start(f, "rpm");
	check_open_layout(f, rpm, true, SMD_APPS_RPM, SMD_XFER_PACKET);
	agent_stop(modem);
	agent_stop(rpm);
}

/* ---------------------------------------------------------- integrity */

static const struct integrity_case {
	const char *what;
	const char *proc;
	unsigned edge;
	unsigned xfer;
	uint32_t fifo;
	uint32_t total;
	uint32_t maxchunk;
} integrity_cases[] = {
	{ "stream 8K byte", "modem", SMD_APPS_MODEM, SMD_XFER_STREAM, 8192,
	  8u << 20, 3000 },
	{ "packet 8K byte", "modem", SMD_APPS_MODEM, SMD_XFER_PACKET, 8192,
	  8u << 20, 2000 },
	{ "stream 64K byte", "modem", SMD_APPS_MODEM, SMD_XFER_STREAM, 65536,
	  16u << 20, 20000 },
	{ "packet 64K byte", "modem", SMD_APPS_MODEM, SMD_XFER_PACKET, 65536,
	  16u << 20, 12000 },
	{ "stream 8K word", "rpm", SMD_APPS_RPM, SMD_XFER_STREAM, 8192,
	  8u << 20, 3000 },
	{ "packet 8K word", "rpm", SMD_APPS_RPM, SMD_XFER_PACKET, 8192,
	  8u << 20, 2000 },
	{ "stream 64K word", "rpm", SMD_APPS_RPM, SMD_XFER_STREAM, 65536,
	  16u << 20, 20000 },
	{ "packet 64K word", "rpm", SMD_APPS_RPM, SMD_XFER_PACKET, 65536,
	  16u << 20, 12000 },
};

static void test_data_arrives_once_and_in_order_both_ways(void **state)
{
	struct fx *f = *state;
	unsigned i;

	apps_open(f);
	for (i = 0; i < sizeof(integrity_cases) / sizeof(integrity_cases[0]);
	     i++) {
		const struct integrity_case *tc = &integrity_cases[i];
		struct pump_cfg c = { tc->total, tc->maxchunk, tc->fifo,
				      tc->xfer == SMD_XFER_PACKET,
				      0x1234567ull * (i + 1),
				      0x7654321ull * (i + 1) };
		char name[21], why[300], rwhy[300];
		unsigned atx, arx, rtx, rrx;
		struct agent *a = agent_start(f, tc->proc);
		struct smd_ch *ch;
		long long t0 = now_ms();
		int64_t rret;
		int ret;

		snprintf(name, sizeof(name), "INTEG%u", i);
		ch = open_pair(f, a, 0, name, tc->edge, tc->xfer, tc->fifo);
		ag_send(a, OP_PUMP, 0, 0, 0, 0, &c, sizeof(c));
		ret = pump(ch, &c, true, why, sizeof(why));
		rret = ag_recv(a, rwhy, sizeof(rwhy), NULL);
		if (ret || rret)
			fail_msg("%s: apps: %s; %s: %s", tc->what,
				 ret ? why : "ok", tc->proc,
				 rret ? rwhy : "ok");
		/* Each side's received-bytes checksum is the other's sent. */
		if (sscanf(why, "tx %x rx %x", &atx, &arx) != 2 ||
		    sscanf(rwhy, "tx %x rx %x", &rtx, &rrx) != 2 ||
		    atx != rrx || arx != rtx)
			fail_msg("%s: checksums apps '%s', %s '%s'", tc->what,
				 why, tc->proc, rwhy);
		print_message("%s: 2 x %u bytes in %lld ms (%s)\n", tc->what,
			      tc->total, now_ms() - t0, why);
		smd_close(ch);
		agent_stop(a);
	}
}

/* ------------------------------------------------------- state machine */

/* The line into processor @target from @source ("modem.smd.apps"). */
static unsigned line_of(struct fx *f, const char *name)
{
	int l = mw_platform_line(mw_soc_platform(smem_soc(f->apps.sm)), name);

	assert_true(l >= 0);
	return (unsigned)l;
}

/*
 * Apps waits in OPENING for the remote's OPENED (msm: a CLOSED remote does
 * not move an OPENING apps anywhere, §6.6); when it never comes, smd_open
 * times out and leaves apps's half CLOSED.
 */
static void test_apps_open_waits_in_opening_then_times_out_closed(
	void **state)
{
	struct fx *f = *state;
	struct agent *a;
	struct smd_ch *ch = NULL;
	uint8_t *info;
	long long t0;
	int64_t seen;
	int ret, cid;

	apps_open(f);
	a = agent_start(f, "modem");
	cid = (int)ag_call(a, OP_CREATE, 0, SMD_APPS_MODEM, SMD_XFER_STREAM,
			   1024, "NEVER", 6);
	assert_true(cid >= 0);
	info = item(&f->apps, ITEM_INFO((unsigned)cid), 40);
	/* The modem watches apps's state (ch0) while apps waits. */
	ag_send(a, OP_WATCH, 0, (int)ITEM_INFO((unsigned)cid), 0, 600, NULL, 0);
	t0 = now_ms();
	ret = smd_open(f->apps.d, "NEVER", SMD_APPS_MODEM, 0, 400, &ch);
	assert_int_equal(ret, -ETIMEDOUT);
	assert_null(ch);
	assert_true(now_ms() - t0 >= 400);
	assert_non_null(strstr(mw_last_error(), "NEVER"));
	assert_non_null(strstr(mw_last_error(), "never opened"));
	seen = ag_recv(a, NULL, 0, NULL);
	if (!(seen & (1 << SMD_SS_OPENING)) || (seen & ~0x3ll))
		fail_msg("apps's half went through states 0x%llx while it "
			 "waited, expected CLOSED and OPENING only (0x3)",
			 (long long)seen);
	assert_int_equal(half_get(info, false, 0, H_STATE), SMD_SS_CLOSED);
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_CLOSED);
	agent_stop(a);
}

/*
 * The remote half driven by the library in the remote role, apps's half by
 * hand as a msm kernel writes it: SMD_EV_OPEN is reported to the remote when
 * both halves are OPENED, not when it answers OPENING.
 */
static void test_remote_reports_open_when_both_halves_are_opened(
	void **state)
{
	struct fx *f = *state;
	struct agent *a;
	unsigned in_modem;
	uint8_t *info;
	int64_t ev;

	apps_open(f);
	in_modem = line_of(f, "modem.smd.apps");
	a = agent_start(f, "modem");
	AG_OK(ag_call(a, OP_OPEN, 0, SMD_APPS_MODEM, SMD_XFER_STREAM, 1024,
		      "BYHAND", 7),
	      a);
	info = item(&f->apps, ITEM_INFO(0), 40); /* the first channel: cid 0 */
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_OPENING);
	/* apps: OPENING, fSTATE, interrupt */
	mw_store_release((uint32_t *)(info + 0), (uint32_t)SMD_SS_OPENING);
	mw_store_release(info + 0x0A, (uint8_t)1);
	assert_int_equal(mw_irq_raise(smem_soc(f->apps.sm), in_modem), 0);
	ev = ag_call(a, OP_EVENT, 0, SMD_EV_OPEN, 500, 0, NULL, 0);
	assert_true(ev >= 0);
	/* The remote answered OPENED, but apps is still OPENING. */
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_OPENED);
	assert_int_equal(half_get(info, false, 1, H_DSR), 1);
	if (ev & SMD_EV_OPEN)
		fail_msg("SMD_EV_OPEN (events 0x%llx) while apps is OPENING",
			 (long long)ev);
	/* apps: OPENED */
	info[4] = info[5] = info[6] = 1;
	mw_store_release((uint32_t *)(info + 0), (uint32_t)SMD_SS_OPENED);
	mw_store_release(info + 0x0A, (uint8_t)1);
	assert_int_equal(mw_irq_raise(smem_soc(f->apps.sm), in_modem), 0);
	ev = ag_call(a, OP_EVENT, 0, SMD_EV_OPEN, 2000, 0, NULL, 0);
	if (!(ev & SMD_EV_OPEN))
		fail_msg("no SMD_EV_OPEN after apps went OPENED (%lld: %s)",
			 (long long)ev, a->err);
	assert_int_equal(ag_call(a, OP_STATE, 0, 0, 0, 0, NULL, 0),
			 SMD_SS_OPENED | SMD_SS_OPENED << 8);
	agent_stop(a);
}

/*
 * The remote writes, then closes: apps gets SMD_EV_CLOSE and goes CLOSING,
 * still reads every byte written before the close, then -EPIPE; when the
 * remote opens again, so does apps, and data flows both ways.
 */
static void test_remote_close_drains_then_epipe_and_reopens(void **state)
{
	struct fx *f = *state;
	uint8_t out[300], in[300];
	struct smd_ch *ch;
	struct agent *a;
	unsigned own, peer;
	uint8_t *info;
	int ev;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "CLOSER", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       4096);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	fill_random(out, sizeof(out), 11);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out, 200), 200);
	AG_OK(ag_call(a, OP_CLOSE, 0, 0, 0, 0, NULL, 0), a);
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_CLOSED);

	ev = smd_wait_event(ch, SMD_EV_CLOSE, 2000);
	if (!(ev & SMD_EV_CLOSE))
		fail_msg("no SMD_EV_CLOSE: %d %s", ev, mw_last_error());
	smd_ch_state(ch, &own, &peer);
	assert_int_equal(own, SMD_SS_CLOSING);
	assert_int_equal(peer, SMD_SS_CLOSED);
	assert_int_equal(half_get(info, false, 0, H_STATE), SMD_SS_CLOSING);
	assert_int_equal(half_get(info, false, 0, H_DSR), 0);
	assert_false(smd_is_open(ch));
	/* Nothing acknowledged is lost. */
	assert_int_equal(smd_read_avail(ch), 200);
	assert_int_equal(smd_read(ch, in, 50, 0), 50);
	assert_int_equal(smd_read(ch, in + 50, sizeof(in), 1000), 150);
	assert_memory_equal(in, out, 200);
	assert_int_equal(smd_read(ch, in, sizeof(in), 0), -EPIPE);
	assert_int_equal(smd_read(ch, in, sizeof(in), -1), -EPIPE);
	assert_int_equal(smd_write(ch, out, 10, 1000), -EPIPE);
	assert_int_equal(smd_write_atomic(ch, out, 10), -EPIPE);

	/* The remote comes back on the same channel. */
	AG_OK(ag_call(a, OP_OPEN, 0, SMD_APPS_MODEM, SMD_XFER_STREAM, 4096,
		      "CLOSER", 7),
	      a);
	ag_send(a, OP_SERVE, 0, 3000, 0, 0, NULL, 0);
	ev = smd_wait_event(ch, SMD_EV_OPEN, 3000);
	if (!(ev & SMD_EV_OPEN))
		fail_msg("no SMD_EV_OPEN on reopen: %d %s", ev,
			 mw_last_error());
	assert_int_equal(ag_recv(a, NULL, 0, NULL), 1);
	assert_true(smd_is_open(ch));
	fill_random(out, sizeof(out), 12);
	assert_int_equal(smd_write(ch, out, 300, 1000), 300);
	ag_read_exact(a, 0, in, 300);
	assert_memory_equal(in, out, 300);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out + 7, 100),
			 100);
	apps_read_exact(ch, in, 100);
	assert_memory_equal(in, out + 7, 100);
	smd_close(ch);
	agent_stop(a);
}

/*
 * Packet channel: apps read part of a packet when the remote closed.  The
 * rest of that packet and the packets after it are still delivered whole.
 */
static void test_remote_close_keeps_the_rest_of_a_partly_read_packet(
	void **state)
{
	struct fx *f = *state;
	uint8_t out[150], in[200];
	struct smd_ch *ch;
	struct agent *a;
	int ev;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "PKTCLOSE", SMD_APPS_MODEM, SMD_XFER_PACKET,
		       4096);
	fill_random(out, sizeof(out), 21);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out, 100), 100);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out + 100, 50),
			 50);
	assert_int_equal(smd_read(ch, in, 10, 1000), 10);
	AG_OK(ag_call(a, OP_CLOSE, 0, 0, 0, 0, NULL, 0), a);
	ev = smd_wait_event(ch, SMD_EV_CLOSE, 2000);
	assert_true(ev > 0 && (ev & SMD_EV_CLOSE));
	assert_int_equal(smd_read(ch, in + 10, sizeof(in), 1000), 90);
	assert_int_equal(smd_read(ch, in + 100, sizeof(in), 1000), 50);
	assert_memory_equal(in, out, 150);
	assert_int_equal(smd_read(ch, in, sizeof(in), 0), -EPIPE);
	smd_close(ch);
	agent_stop(a);
}

/*
 * TIOCM (§6.9): DTR and RTS out of one side are DSR and CTS of the other;
 * every change is an SMD_EV_STATUS for the peer.
 */
static void test_tiocm_dtr_rts_reach_the_peer_as_dsr_cts(void **state)
{
	const unsigned opened = SMD_TIOCM_DSR | SMD_TIOCM_CTS | SMD_TIOCM_CD |
				SMD_TIOCM_DTR | SMD_TIOCM_RTS;
	struct fx *f = *state;
	struct smd_ch *ch;
	struct agent *a;
	uint8_t *info;
	int64_t r;
	int ev;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "SIGNALS", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       1024);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	smd_wait_event(ch, ~0u, 0); /* settle the open's flags */
	assert_int_equal(smd_tiocmget(ch), opened);
	assert_int_equal(ag_call(a, OP_TIOCMGET, 0, 0, 0, 0, NULL, 0), opened);

	/* modem drops DTR: its fDSR byte, fSTATE; apps loses DSR */
	AG_OK(ag_call(a, OP_TIOCMSET, 0, 0, SMD_TIOCM_DTR, 0, NULL, 0), a);
	assert_int_equal(half_get(info, false, 1, H_DSR), 0);
	assert_int_equal(half_get(info, false, 1, H_CTS), 1);
	assert_int_equal(half_get(info, false, 1, H_FSTATE), 1);
	ev = smd_wait_event(ch, SMD_EV_STATUS, 2000);
	assert_true(ev > 0 && (ev & SMD_EV_STATUS));
	assert_false(ev & (SMD_EV_OPEN | SMD_EV_CLOSE));
	assert_int_equal(half_get(info, false, 1, H_FSTATE), 0); /* cleared */
	assert_int_equal(smd_tiocmget(ch), opened & ~SMD_TIOCM_DSR);
	/* ... and RTS: apps loses CTS */
	AG_OK(ag_call(a, OP_TIOCMSET, 0, 0, SMD_TIOCM_RTS, 0, NULL, 0), a);
	ev = smd_wait_event(ch, SMD_EV_STATUS, 2000);
	assert_true(ev > 0 && (ev & SMD_EV_STATUS));
	assert_int_equal(smd_tiocmget(ch),
			 opened & ~(SMD_TIOCM_DSR | SMD_TIOCM_CTS));
	/* ring */
	AG_OK(ag_call(a, OP_TIOCMSET, 0, SMD_TIOCM_RI, 0, 0, NULL, 0), a);
	ev = smd_wait_event(ch, SMD_EV_STATUS, 2000);
	assert_true(ev > 0 && (ev & SMD_EV_STATUS));
	assert_int_equal(smd_tiocmget(ch), (opened & ~(SMD_TIOCM_DSR |
						       SMD_TIOCM_CTS)) |
						   SMD_TIOCM_RI);
	AG_OK(ag_call(a, OP_TIOCMSET, 0, SMD_TIOCM_DTR | SMD_TIOCM_RTS,
		      SMD_TIOCM_RI, 0, NULL, 0),
	      a);
	ev = smd_wait_event(ch, SMD_EV_STATUS, 2000);
	assert_true(ev > 0 && (ev & SMD_EV_STATUS));
	assert_int_equal(smd_tiocmget(ch), opened);

	/* apps drops DTR, then RTS: the modem sees DSR, then CTS, go */
	assert_int_equal(smd_tiocmset(ch, 0, SMD_TIOCM_DTR), 0);
	assert_int_equal(half_get(info, false, 0, H_DSR), 0);
	assert_int_equal(half_get(info, false, 0, H_CTS), 1);
	r = ag_call(a, OP_EVENT, 0, SMD_EV_STATUS, 2000, 0, NULL, 0);
	assert_true(r > 0 && (r & SMD_EV_STATUS));
	assert_int_equal(ag_call(a, OP_TIOCMGET, 0, 0, 0, 0, NULL, 0),
			 opened & ~SMD_TIOCM_DSR);
	assert_int_equal(smd_tiocmget(ch), opened & ~SMD_TIOCM_DTR);
	assert_int_equal(smd_tiocmset(ch, 0, SMD_TIOCM_RTS), 0);
	r = ag_call(a, OP_EVENT, 0, SMD_EV_STATUS, 2000, 0, NULL, 0);
	assert_true(r > 0 && (r & SMD_EV_STATUS));
	assert_int_equal(ag_call(a, OP_TIOCMGET, 0, 0, 0, 0, NULL, 0),
			 opened & ~(SMD_TIOCM_DSR | SMD_TIOCM_CTS));
	assert_int_equal(smd_tiocmget(ch),
			 opened & ~(SMD_TIOCM_DTR | SMD_TIOCM_RTS));
	/* Signals are not states: the channel stays open. */
	assert_true(smd_is_open(ch));
	smd_close(ch);
	agent_stop(a);
}

/*
 * §6.8: the reader interrupts the writer after a read only when the
 * writer's fBLOCKREADINTR is 0.  Counted on the writer's incoming line, in
 * both directions.
 */
static void test_read_interrupts_follow_the_writers_blockreadintr(
	void **state)
{
	struct fx *f = *state;
	struct mw_soc *soc;
	struct smd_ch *ch;
	struct agent *a;
	unsigned into_apps, into_modem;
	uint8_t *info, buf[16] = "0123456789", one = 1, zero = 0;
	uint64_t c0;
	int k;

	apps_open(f);
	soc = smem_soc(f->apps.sm);
	into_apps = line_of(f, "apps.smd.modem");
	into_modem = line_of(f, "modem.smd.apps");
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "BRI", SMD_APPS_MODEM, SMD_XFER_STREAM, 1024);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	smd_wait_event(ch, ~0u, 0);

	for (k = 0; k < 3; k++) {
		bool block = k == 1;

		/* apps writes, the modem reads */
		mw_store_release(info + 0x0B, block ? one : zero);
		assert_int_equal(smd_write(ch, buf, 10, 1000), 10);
		c0 = mw_irq_count(soc, into_apps);
		assert_int_equal(ag_call(a, OP_READ, 0, 16, 0, 0, NULL, 0), 10);
		if (mw_irq_count(soc, into_apps) - c0 != (block ? 0u : 1u))
			fail_msg("apps fBLOCKREADINTR=%d: the read raised apps "
				 "%llu times",
				 block, (unsigned long long)(mw_irq_count(
						soc, into_apps) - c0));
		/* the modem writes, apps reads */
		AG_OK(ag_call(a, OP_POKE, 0, (int)ITEM_INFO(0), 20 + 0x0B, 0,
			      block ? &one : &zero, 1),
		      a);
		assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, buf, 10),
				 10);
		c0 = mw_irq_count(soc, into_modem);
		assert_int_equal(smd_read(ch, buf, 16, 1000), 10);
		if (mw_irq_count(soc, into_modem) - c0 != (block ? 0u : 1u))
			fail_msg("modem fBLOCKREADINTR=%d: the read raised "
				 "the modem %llu times",
				 block, (unsigned long long)(mw_irq_count(
						soc, into_modem) - c0));
	}
	smd_close(ch);
	agent_stop(a);
}

/* ---------------------------------------------------------- packets */

static void test_packet_writes_are_whole_or_refused(void **state)
{
	struct fx *f = *state;
	static uint8_t out[1024], in[2048], snap[1024];
	struct smd_ch *ch;
	struct agent *a;
	uint8_t *info, *ff;
	uint32_t head;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "WHOLE", SMD_APPS_MODEM, SMD_XFER_PACKET,
		       1024);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	ff = item(&f->apps, ITEM_FIFO(smd_ch_info(ch)->cid), 2048);
	fill_random(out, sizeof(out), 31);
	/* 20 + len must stay below the FIFO size: 1003 is the largest. */
	assert_int_equal(smd_write(ch, out, 1004, 0), -EMSGSIZE);
	assert_int_equal(smd_write(ch, out, 1004, 1000), -EMSGSIZE);
	assert_int_equal(smd_write_atomic(ch, out, 1004), -EMSGSIZE);
	assert_non_null(strstr(mw_last_error(), "1004"));
	assert_int_equal(smd_write_avail(ch), 1003);
	assert_int_equal(smd_write(ch, out, 1003, 0), 1003);
	assert_int_equal(half_get(info, false, 0, H_HEAD), 1023);
	assert_int_equal(smd_write_avail(ch), 0);
	/* Full: nothing is written, not even a header. */
	memcpy(snap, ff, sizeof(snap));
	assert_int_equal(smd_write(ch, out, 1, 0), -EAGAIN);
	assert_int_equal(smd_write(ch, out, 0, 0), -EAGAIN);
	assert_int_equal(smd_write(ch, out, 1, 100), -ETIMEDOUT);
	assert_int_equal(half_get(info, false, 0, H_HEAD), 1023);
	assert_memory_equal(ff, snap, sizeof(snap));
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 1003);
	assert_memory_equal(in, out, 1003);

	/* 600 queued, 423 free: 404 more need 424. */
	assert_int_equal(smd_write(ch, out, 580, 0), 580);
	assert_int_equal(smd_write_avail(ch), 403);
	head = half_get(info, false, 0, H_HEAD);
	memcpy(snap, ff, sizeof(snap));
	assert_int_equal(smd_write(ch, out, 404, 0), -EAGAIN);
	assert_int_equal(smd_write_atomic(ch, out, 404), -EAGAIN);
	assert_int_equal(half_get(info, false, 0, H_HEAD), head);
	assert_memory_equal(ff, snap, sizeof(snap));
	assert_int_equal(smd_write(ch, out + 1, 403, 0), 403); /* exactly */
	assert_int_equal(smd_write_avail(ch), 0);
	/* The reader gets the two packets as they were written (wrapped). */
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 580);
	assert_memory_equal(in, out, 580);
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 403);
	assert_memory_equal(in, out + 1, 403);
	/* A blocked packet write goes once the reader makes room. */
	assert_int_equal(smd_write(ch, out, 1003, 0), 1003);
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(smd_write(ch, out + 3, 900, 3000), 900);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 1003);
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 900);
	assert_memory_equal(in, out + 3, 900);
	smd_close(ch);
	agent_stop(a);
}

static void test_packet_reads_stop_at_boundaries_and_skip_empty(
	void **state)
{
	struct fx *f = *state;
	uint8_t out[64], in[100];
	struct smd_ch *ch;
	struct agent *a;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "BOUNDS", SMD_APPS_MODEM, SMD_XFER_PACKET,
		       1024);
	fill_random(out, sizeof(out), 41);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out, 10), 10);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out, 0), 0);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out, 0), 0);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out + 10, 20), 20);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out + 30, 30), 30);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, out, 0), 0);

	assert_int_equal(smd_read_avail(ch), 10);
	assert_int_equal(smd_read(ch, in, sizeof(in), 0), 10);
	assert_memory_equal(in, out, 10);
	/* the two empty packets are skipped */
	assert_int_equal(smd_read_avail(ch), 20);
	assert_int_equal(smd_read(ch, in, sizeof(in), 0), 20);
	assert_memory_equal(in, out + 10, 20);
	/* a short buffer reads the packet in parts, never past its end */
	assert_int_equal(smd_read(ch, in, 4, 0), 4);
	assert_int_equal(smd_read_avail(ch), 26);
	assert_int_equal(smd_read(ch, in + 4, sizeof(in), 0), 26);
	assert_memory_equal(in, out + 30, 30);
	/* the trailing empty packet is nothing to read */
	assert_int_equal(smd_read(ch, in, sizeof(in), 0), -EAGAIN);
	assert_int_equal(smd_read_avail(ch), 0);
	assert_int_equal(smd_read(ch, in, sizeof(in), 100), -ETIMEDOUT);
	assert_int_equal(smd_read(ch, in, 0, 0), 0);
	smd_close(ch);
	agent_stop(a);
}

static void test_segmented_write_delivers_one_packet(void **state)
{
	struct fx *f = *state;
	uint8_t out[200], in[300];
	struct smd_ch *ch, *st;
	struct agent *a;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "SEGMENTS", SMD_APPS_MODEM, SMD_XFER_PACKET,
		       1024);
	st = open_pair(f, a, 1, "SEGSTREAM", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       1024);
	fill_random(out, sizeof(out), 51);
	assert_int_equal(smd_write_start(st, 10, 0), -EINVAL);
	assert_int_equal(smd_write_segment(ch, out, 1, 0), -EINVAL);
	assert_int_equal(smd_write_end(ch), -EINVAL);
	assert_int_equal(smd_write_start(ch, 0, 0), -EINVAL);

	assert_int_equal(smd_write_start(ch, 100, 0), 0);
	assert_int_equal(smd_write_start(ch, 100, 0), -EBUSY);
	assert_int_equal(smd_write(ch, out, 5, 0), -EBUSY);
	assert_int_equal(smd_write_atomic(ch, out, 5), -EBUSY);
	assert_int_equal(smd_write_segment(ch, out, 30, 0), 30);
	assert_int_equal(smd_write_segment(ch, out + 30, 71, 0), -E2BIG);
	assert_int_equal(smd_write_segment(ch, out + 30, 70, 0), 70);
	assert_int_equal(smd_write_end(ch), 0);
	assert_int_equal(smd_write(ch, out + 100, 7, 0), 7);
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 100);
	assert_memory_equal(in, out, 100);
	ag_send(a, OP_READ, 0, sizeof(in), 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 7);
	assert_memory_equal(in, out + 100, 7);

	/* a segmented packet larger than the FIFO streams through it */
	ag_send(a, OP_READ, 0, 1, 0, 0, NULL, 0); /* nothing yet */
	assert_int_equal(ag_recv(a, NULL, 0, NULL), -EAGAIN);
	assert_int_equal(smd_write_start(ch, 50, 0), 0);
	assert_int_equal(smd_write_segment(ch, out, 20, 0), 20);
	assert_int_equal(smd_write_end(ch), -E2BIG);
	assert_non_null(strstr(mw_last_error(), "30"));
	smd_close(ch);
	smd_close(st);
	agent_stop(a);
}

/* smd_write_atomic: every byte or none, never blocking. */
static void test_write_atomic_is_all_or_nothing(void **state)
{
	struct fx *f = *state;
	static uint8_t out[1100], in[1100];
	struct smd_ch *ch;
	struct agent *a;
	uint8_t *info;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "ATOMIC", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       1024);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	fill_random(out, sizeof(out), 61);
	assert_int_equal(smd_write_atomic(ch, out, 1024), -EMSGSIZE);
	assert_int_equal(smd_write_atomic(ch, out, 1023), 1023);
	assert_int_equal(smd_write_atomic(ch, out, 1), -EAGAIN);
	assert_int_equal(half_get(info, false, 0, H_HEAD), 1023);
	ag_send(a, OP_READ, 0, 23, 1000, 0, NULL, 0);
	assert_int_equal(ag_recv(a, in, sizeof(in), NULL), 23);
	assert_int_equal(smd_write_avail(ch), 23);
	assert_int_equal(smd_write_atomic(ch, out + 1023, 24), -EAGAIN);
	assert_int_equal(half_get(info, false, 0, H_HEAD), 1023);
	assert_int_equal(smd_write_atomic(ch, out + 1023, 23), 23);
	assert_int_equal(half_get(info, false, 0, H_HEAD), (1023 + 23) & 1023);
	ag_read_exact(a, 0, in + 23, 1023);
	assert_memory_equal(in, out, 1046);
	/* a stream write, unlike it, writes what fits */
	assert_int_equal(smd_write(ch, out, 1100, 0), 1023);
	smd_close(ch);
	agent_stop(a);
}

/* ------------------------------------------------------- hostile peer */

/*
 * The remote scribbles on its own half (or on the tail it writes in ours,
 * or a packet header in its FIFO half): apps refuses the channel with
 * -EPROTO naming the field and the value, on every call after, and lists it
 * with a problem.  Nothing crashes (the suite also runs under ASan).
 */
static const struct hostile_case {
	const char *what;
	const char *proc;
	unsigned edge;
	unsigned xfer;
	bool fifo_poke;   /* @bytes go to the remote's FIFO half, then head */
	unsigned offset;  /* in the info item (or the remote's FIFO half) */
	uint32_t value;
	const char *field;
	const char *shown;
	bool listed;      /* smd_list() sees it too */
} hostile_cases[] = {
	{ "head outside the FIFO", "modem", SMD_APPS_MODEM, SMD_XFER_STREAM,
	  false, 20 + 0x10, 0x404, "head", "0x404", true },
	{ "state 9", "modem", SMD_APPS_MODEM, SMD_XFER_STREAM, false, 20 + 0x00,
	  9, "state", "= 9", true },
	{ "our tail outside the FIFO", "modem", SMD_APPS_MODEM, SMD_XFER_STREAM,
	  false, 0x0C, 0x9999, "tail", "0x9999", true },
	{ "packet longer than the FIFO", "modem", SMD_APPS_MODEM,
	  SMD_XFER_PACKET, true, 0, 0x10000, "packet length", "65536", false },
	{ "word head outside the FIFO", "rpm", SMD_APPS_RPM, SMD_XFER_PACKET,
	  false, 44 + 0x28, 0x7fffffff, "head", "0x7fffffff", true },
	{ "word state 9", "rpm", SMD_APPS_RPM, SMD_XFER_STREAM, false, 44, 9,
	  "state", "= 9", true },
};

/* The error names the field and the value. */
static void expect_named(const struct hostile_case *tc, const char *call,
			 long long ret)
{
	const char *e = mw_last_error();

	if (ret != -EPROTO || !strstr(e, tc->field) || !strstr(e, tc->shown))
		fail_msg("%s: %s = %lld, '%s'; expected -EPROTO naming '%s' "
			 "and '%s'",
			 tc->what, call, ret, e, tc->field, tc->shown);
}

static void test_hostile_peer_half_is_refused_naming_field_and_value(
	void **state)
{
	struct fx *f = *state;
	struct agent *modem, *rpm;
	struct smd_info list[SMD_CHANNELS];
	unsigned i;

	apps_open(f);
	modem = agent_start(f, "modem");
	rpm = agent_start(f, "rpm");
	for (i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]);
	     i++) {
		const struct hostile_case *tc = &hostile_cases[i];
		struct agent *a = strcmp(tc->proc, "rpm") ? modem : rpm;
		uint32_t fifo = 1024, cid;
		uint8_t buf[64], le[20] = { 0 };
		const struct smd_info *li = NULL;
		struct smd_ch *ch;
		char name[21];
		int n, k;

		snprintf(name, sizeof(name), "HOSTILE%u", i);
		ch = open_pair(f, a, 0, name, tc->edge, tc->xfer, fifo);
		cid = smd_ch_info(ch)->cid;
		smd_wait_event(ch, ~0u, 0);
		memcpy(le, &tc->value, 4);
		if (tc->fifo_poke) {
			/* header {value, 0, 0, 0, 0} in the modem's FIFO
			 * half, then its head past it */
			AG_OK(ag_call(a, OP_POKE, 0, (int)ITEM_FIFO(cid),
				      (int)(fifo + tc->offset), 0, le, 20),
			      a);
			le[0] = 20;
			le[1] = le[2] = le[3] = 0;
			AG_OK(ag_call(a, OP_POKE, 0, (int)ITEM_INFO(cid),
				      20 + 0x10, 0, le, 4),
			      a);
		} else {
			AG_OK(ag_call(a, OP_POKE, 0, (int)ITEM_INFO(cid),
				      (int)tc->offset, 0, le, 4),
			      a);
		}
		expect_named(tc, "smd_read", smd_read(ch, buf, sizeof(buf), 0));
		/* sticky: every later call says the same */
		expect_named(tc, "smd_read again",
			     smd_read(ch, buf, sizeof(buf), 1000));
		expect_named(tc, "smd_write", smd_write(ch, buf, 1, 1000));
		expect_named(tc, "smd_wait_event",
			     smd_wait_event(ch, ~0u, 1000));
		expect_named(tc, "smd_tiocmget", smd_tiocmget(ch));
		assert_false(smd_is_open(ch));
		n = smd_list(f->apps.d, list, SMD_CHANNELS);
		assert_true(n > 0);
		for (k = 0; k < n; k++)
			if (!strcmp(list[k].name, name))
				li = &list[k];
		assert_non_null(li);
		if (tc->listed &&
		    (!li->problem || !strstr(li->problem, tc->shown)))
			fail_msg("%s: smd_list problem '%s'", tc->what,
				 li->problem ? li->problem : "(none)");
		assert_int_equal(smd_close(ch), 0);
	}
	agent_stop(modem);
	agent_stop(rpm);
}

/* A table entry written by hand into slot @slot of item 13. */
static void poke_entry(struct agent *a, unsigned slot, const char *name,
		       uint32_t cid, uint32_t type)
{
	uint8_t e[ENTRY_SIZE] = { 0 };

	memcpy(e, name, strlen(name));
	memcpy(e + E_CID, &cid, 4);
	memcpy(e + E_TYPE, &type, 4);
	e[E_REF] = 1;
	AG_OK(ag_call(a, OP_POKE, 0, ITEM_TABLE, (int)(slot * ENTRY_SIZE), 0,
		      e, ENTRY_SIZE),
	      a);
}

static void test_bad_table_entries_are_listed_with_problem_and_refused(
	void **state)
{
	static const struct {
		const char *name;
		const char *problem;
	} bad[] = {
		{ "BADCID", "cid = 70" },
		{ "DUP", "cid 0 is also used by slot 0" },
		{ "ODDFIFO", "FIFO size = 3000" },
		{ "BADEDGE", "edge = 77" },
	};
	struct fx *f = *state;
	struct smd_info list[SMD_CHANNELS];
	struct smd_ch *ch = NULL;
	struct agent *a;
	json_t *doc, *chans;
	char *out, *err;
	unsigned i;
	int n, ret;

	apps_open(f);
	a = agent_start(f, "modem");
	assert_int_equal(ag_call(a, OP_CREATE, 0, SMD_APPS_MODEM,
				 SMD_XFER_STREAM, 1024, "GOOD", 5),
			 0);
	poke_entry(a, 1, "BADCID", 70, 0x100);
	poke_entry(a, 2, "DUP", 0, 0x100);
	AG_OK(ag_call(a, OP_ALLOC, 0, (int)ITEM_INFO(40), 40, 0, NULL, 0), a);
	AG_OK(ag_call(a, OP_ALLOC, 0, (int)ITEM_FIFO(40), 3000, 0, NULL, 0), a);
	poke_entry(a, 3, "ODDFIFO", 40, 0x100);
	poke_entry(a, 4, "BADEDGE", 41, 0x100 | 77);

	n = smd_list(f->apps.d, list, SMD_CHANNELS);
	assert_int_equal(n, 5);
	assert_string_equal(list[0].name, "GOOD");
	assert_null(list[0].problem);
	for (i = 0; i < 4; i++) {
		assert_string_equal(list[i + 1].name, bad[i].name);
		if (!list[i + 1].problem ||
		    !strstr(list[i + 1].problem, bad[i].problem))
			fail_msg("%s: problem '%s', expected '%s'", bad[i].name,
				 list[i + 1].problem ? list[i + 1].problem
						     : "(none)",
				 bad[i].problem);
		ret = smd_open(f->apps.d, bad[i].name, i == 3 ? 77 : 0, 0, 200,
			       &ch);
		if (i == 3) {
			/* not an edge at all: refused before the table */
			assert_int_equal(ret, -EINVAL);
			continue;
		}
		if (ret >= 0 || !strstr(mw_last_error(), bad[i].name) ||
		    !strstr(mw_last_error(), bad[i].problem))
			fail_msg("open %s: %d '%s'", bad[i].name, ret,
				 mw_last_error());
		assert_null(ch);
	}
	/* The good channel is unaffected. */
	smd_close(open_pair(f, a, 0, "GOOD", SMD_APPS_MODEM, SMD_XFER_STREAM,
			    1024));

	/* The CLI lists them too, each with its problem, in valid JSON. */
	ret = tu_run(&out, &err, ARGV("-j", "smd", "ls", "--file", f->path));
	if (ret)
		fail_msg("smd ls: %d %s", ret, err);
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	chans = json_object_get(doc, "channels");
	assert_int_equal(json_array_size(chans), 5);
	for (i = 0; i < 4; i++) {
		json_t *o = json_array_get(chans, i + 1);
		const char *p =
			json_string_value(json_object_get(o, "problem"));

		assert_string_equal(
			json_string_value(json_object_get(o, "name")),
			bad[i].name);
		assert_non_null(p);
		assert_non_null(strstr(p, bad[i].problem));
	}
	assert_null(json_object_get(json_array_get(chans, 0), "problem"));
	json_decref(doc);
	free(out);
	free(err);
	agent_stop(a);
}

/*
 * A peer that keeps flipping the indices apps uses (the tail apps writes in
 * the modem's half, apps's own head) between sound values and 0x7fffff00:
 * apps must use the copy it checked, never read the field again and index
 * with that.  Apps runs in a child so that a crash is reported as one.
 */
static void test_racing_peer_indices_never_take_apps_outside_the_fifo(
	void **state)
{
	struct fx *f = *state;
	const long long run_ms = 1500;
	struct agent *a;
	uint8_t data[500] = { 0 };
	pid_t apps, flipper;
	int st;

	a = agent_start(f, "modem");
	AG_OK(ag_call(a, OP_OPEN, 0, SMD_APPS_MODEM, SMD_XFER_STREAM, 1024,
		      "RACE", 5),
	      a);
	ag_send(a, OP_SERVE, 0, 5000, 0, 0, NULL, 0);
	apps = fork();
	assert_true(apps >= 0);
	if (apps == 0) {
		long long end = now_ms() + run_ms;
		unsigned refused = 0, moved = 0;
		struct smd_ch *ch;
		struct side s;
		uint8_t b[4];

		child_init();
		if (side_open(&s, f->path, "apps"))
			_exit(10);
		while (now_ms() < end) {
			ssize_t n = 0;

			if (smd_open(s.d, "RACE", SMD_APPS_MODEM, 0, 2000, &ch))
				_exit(11);
			while (n >= 0 || n == -EAGAIN) {
				n = smd_read(ch, b, 1, 0);
				if (n > 0)
					moved++;
				if (n >= 0 || n == -EAGAIN)
					n = smd_write(ch, "x", 1, 0);
				if (n > 0)
					moved++;
			}
			if (n != -EPROTO)
				_exit(12);
			refused++;
			smd_close(ch);
		}
		side_close(&s);
		_exit(refused && moved ? 0 : 13);
	}
	assert_true(ag_recv(a, NULL, 0, NULL) == 1);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 0, 0, 0, data, 500), 500);
	flipper = fork();
	assert_true(flipper >= 0);
	if (flipper == 0) {
		long long end = now_ms() + run_ms + 500;
		struct side s;
		uint32_t *tail, *head, i;
		void *p;

		child_init();
		if (side_open(&s, f->path, NULL) ||
		    smem_get_addr(s.sm, ITEM_INFO(0), &p, NULL))
			_exit(1);
		tail = (uint32_t *)((uint8_t *)p + 20 + 0x0C); /* ch1.tail */
		head = (uint32_t *)((uint8_t *)p + 0x10);      /* ch0.head */
		while (now_ms() < end)
			for (i = 0; i < 100000; i++) {
				mw_store_release(tail, 0u);
				mw_store_release(head, 0u);
				mw_store_release(tail, 0x7fffff00u);
				mw_store_release(head, 0x7fffff00u);
			}
		_exit(0);
	}
	f->bg[0] = flipper;
	st = wait_exit(apps, 10000);
	assert_int_equal(wait_exit(flipper, 5000), 0);
	f->bg[0] = 0;
	if (st)
		fail_msg("apps ended with %d%s", st,
			 st > 128 ? " (killed by a signal: it touched memory "
				    "outside the FIFO)"
				  : "");
	agent_stop(a);
}

/* ----------------------------------------------------------- dead peer */

/*
 * The modem holds a hardware mutex and has data queued both ways when it is
 * killed.  Apps notices within a second: SMD_EV_CLOSE, the modem's half
 * CLOSED with its signals down, the mutex free, the slot reaped; what the
 * modem had sent is still read, then -EPIPE.  A new modem process opens the
 * channel again and apps follows: open, and fresh data flows both ways.
 */
static void test_killed_peer_is_noticed_and_its_channel_reopens(
	void **state)
{
	struct fx *f = *state;
	uint8_t out[1000], in[1000];
	struct mw_proc_state ps;
	struct smd_ch *ch;
	struct agent *a;
	unsigned own, peer;
	uint32_t owner, smsm;
	uint8_t *info;
	long long t0, dt;
	int ev;

	apps_open(f);
	a = agent_start(f, "modem");
	ch = open_pair(f, a, 0, "DEADPEER", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       4096);
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	AG_OK(ag_call(a, OP_LOCK, 0, 7, 0, 0, NULL, 0), a);
	assert_int_equal(smem_lock_owner(f->apps.sm, 7, &owner), 0);
	assert_int_equal(owner, 2); /* the modem's hardware id */
	AG_OK(ag_call(a, OP_SMSM, 0, 0, (int)(SMSM_INIT | SMSM_SMDINIT), 0,
		      NULL, 0),
	      a);
	assert_int_equal(smd_smsm_change(f->apps.d, 0,
					 SMSM_SMD_LOOPBACK | SMSM_INIT |
						 SMSM_RUN),
			 0);
	assert_int_equal(smd_smsm_get(f->apps.d, 1, &smsm), 0);
	assert_int_equal(smsm, SMSM_INIT | SMSM_SMDINIT);
	fill_random(out, sizeof(out), 71);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out, 100), 100);
	assert_int_equal(smd_write(ch, out, 50, 1000), 50);
	smd_wait_event(ch, ~0u, 0);

	assert_int_equal(kill(a->pid, SIGKILL), 0);
	t0 = now_ms();
	assert_int_equal(wait_exit(a->pid, 5000), 128 + SIGKILL);
	a->pid = 0;
	close(a->fd);
	a->fd = -1;
	ev = smd_wait_event(ch, SMD_EV_CLOSE, 3000);
	dt = now_ms() - t0;
	if (!(ev > 0 && (ev & SMD_EV_CLOSE)) || dt >= 1000)
		fail_msg("after the kill: events %d after %lld ms (%s)", ev, dt,
			 mw_last_error());
	smd_ch_state(ch, &own, &peer);
	assert_int_equal(own, SMD_SS_CLOSING);
	assert_int_equal(peer, SMD_SS_CLOSED);
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_CLOSED);
	assert_int_equal(half_get(info, false, 1, H_DSR), 0);
	assert_int_equal(half_get(info, false, 1, H_CTS), 0);
	assert_int_equal(half_get(info, false, 1, H_CD), 0);
	assert_int_equal(smem_lock_owner(f->apps.sm, 7, &owner), 0);
	assert_int_equal(owner, 0);
	assert_int_equal(mw_soc_proc_state(smem_soc(f->apps.sm), 1, &ps), 0);
	assert_int_equal(ps.os_pid, 0);
	/* §6.6: its SMSM word zeroed; apps drops INIT and SMD_LOOPBACK. */
	assert_int_equal(smd_smsm_get(f->apps.d, 1, &smsm), 0);
	assert_int_equal(smsm, 0);
	assert_int_equal(smd_smsm_get(f->apps.d, 0, &smsm), 0);
	assert_int_equal(smsm, SMSM_RUN);
	assert_false(smd_is_open(ch));
	assert_int_equal(smd_read(ch, in, sizeof(in), 1000), 100);
	assert_memory_equal(in, out, 100);
	assert_int_equal(smd_read(ch, in, sizeof(in), 1000), -EPIPE);
	assert_int_equal(smd_write(ch, out, 10, 1000), -EPIPE);

	/* A new modem process. */
	a = agent_start(f, "modem");
	AG_OK(ag_call(a, OP_OPEN, 0, SMD_APPS_MODEM, SMD_XFER_STREAM, 4096,
		      "DEADPEER", 9),
	      a);
	ag_send(a, OP_SERVE, 0, 3000, 0, 0, NULL, 0);
	ev = smd_wait_event(ch, SMD_EV_OPEN, 3000);
	if (!(ev > 0 && (ev & SMD_EV_OPEN)))
		fail_msg("no reopen: %d %s", ev, mw_last_error());
	assert_int_equal(ag_recv(a, NULL, 0, NULL), 1);
	assert_true(smd_is_open(ch));
	fill_random(out, sizeof(out), 72);
	assert_int_equal(smd_write(ch, out, 1000, 1000), 1000);
	ag_read_exact(a, 0, in, 1000); /* not the 50 stale bytes */
	assert_memory_equal(in, out, 1000);
	ag_send(a, OP_READ, 0, 10, 0, 0, NULL, 0);
	assert_int_equal(ag_recv(a, NULL, 0, NULL), -EAGAIN);
	assert_int_equal(ag_call(a, OP_WRITE, 0, 1000, 0, 0, out + 1, 500),
			 500);
	apps_read_exact(ch, in, 500);
	assert_memory_equal(in, out + 1, 500);
	smd_close(ch);
	agent_stop(a);
}

/* A killer process: SIGKILL @victim after @ms. */
static pid_t kill_later(pid_t victim, int ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		child_init();
		sleep_ms(ms);
		_exit(kill(victim, SIGKILL) ? 1 : 0);
	}
	return pid;
}

/* Calls blocked forever (-1) return -EPIPE soon after the peer dies. */
static void test_blocked_calls_return_epipe_when_the_peer_is_killed(
	void **state)
{
	static uint8_t buf[8192];
	struct fx *f = *state;
	struct smd_ch *ch;
	struct agent *a;
	long long t0;
	ssize_t n;
	int round;

	apps_open(f);
	for (round = 0; round < 2; round++) {
		a = agent_start(f, "modem");
		ch = open_pair(f, a, 0, "BLOCKED", SMD_APPS_MODEM,
			       SMD_XFER_STREAM, 1024);
		if (round == 1) /* fill the FIFO: the write must wait */
			assert_int_equal(smd_write(ch, buf, 1023, 0), 1023);
		f->bg[0] = kill_later(a->pid, 200);
		t0 = now_ms();
		n = round ? smd_write(ch, buf, 100, -1)
			  : smd_read(ch, buf, 100, -1);
		if (n != -EPIPE || now_ms() - t0 > 1200)
			fail_msg("%s: %zd after %lld ms (%s)",
				 round ? "write" : "read", n, now_ms() - t0,
				 mw_last_error());
		assert_int_equal(wait_exit(f->bg[0], 2000), 0);
		f->bg[0] = 0;
		assert_int_equal(wait_exit(a->pid, 2000), 128 + SIGKILL);
		a->pid = 0;
		close(a->fd);
		a->fd = -1;
		smd_close(ch);
	}
}

/* -------------------------------------------------------------- CLI */

/* fork/exec $MEMWIRE @argv with the given fds (-1: inherit). */
static pid_t spawn(const char *const *argv, int in, int out, int err)
{
	const char *bin = getenv("MEMWIRE");
	const char *args[32];
	size_t i;
	pid_t pid;

	if (!bin)
		bin = "build/memwire";
	args[0] = bin;
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_init();
		if ((in >= 0 && dup2(in, 0) < 0) ||
		    (out >= 0 && dup2(out, 1) < 0) ||
		    (err >= 0 && dup2(err, 2) < 0))
			_exit(126);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	return pid;
}

struct bgout {
	int fd;
	char buf[16384];
	size_t len;
};

/* Collect @o's output until it holds @needle (or @ms pass). */
static bool await_text(struct bgout *o, const char *needle, int ms)
{
	long long end = now_ms() + ms;

	while (!strstr(o->buf, needle)) {
		struct pollfd pf = { o->fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) != 1)
			return false;
		n = read(o->fd, o->buf + o->len, sizeof(o->buf) - 1 - o->len);
		if (n <= 0)
			return false;
		o->len += (size_t)n;
		o->buf[o->len] = '\0';
	}
	return true;
}

/* `memwire smd peer --file F @extra...` in the background, ready. */
static pid_t start_peer(struct fx *f, int slot, struct bgout *o,
			const char *const *extra)
{
	const char *args[24] = { "smd", "peer", "--file", f->path };
	char errpath[PATH_MAX + 16];
	int p[2], err;
	size_t n = 4, i;

	for (i = 0; extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	snprintf(errpath, sizeof(errpath), "%s/peer%d.err", f->dir, slot);
	err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(err >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	memset(o, 0, sizeof(*o));
	f->bg[slot] = spawn(args, -1, p[1], err);
	close(p[1]);
	close(err);
	o->fd = p[0];
	if (!await_text(o, "ready", 10000))
		fail_msg("smd peer never got ready: '%s'", o->buf);
	return f->bg[slot];
}

/* SIGINT the peer by its pid: it must end by itself with status 0. */
static void stop_peer(struct fx *f, int slot, struct bgout *o)
{
	assert_int_equal(kill(f->bg[slot], SIGINT), 0);
	assert_int_equal(wait_exit(f->bg[slot], 5000), 0);
	f->bg[slot] = 0;
	await_text(o, "\x01", 200); /* drain what is left */
	close(o->fd);
}

/* Write @len bytes and read the echo back, both at once. */
static void echo_through(struct smd_ch *ch, const uint8_t *out, uint8_t *in,
			 size_t len)
{
	size_t sent = 0, got = 0;

	while (got < len) {
		bool moved = false;
		ssize_t n;

		if (sent < len) {
			n = smd_write(ch, out + sent,
				      len - sent < 3000 ? len - sent : 3000, 0);
			if (n > 0) {
				sent += (size_t)n;
				moved = true;
			} else if (n != -EAGAIN) {
				fail_msg("write: %zd %s", n, mw_last_error());
			}
		}
		n = smd_read(ch, in + got, len - got, 0);
		if (n > 0) {
			got += (size_t)n;
			moved = true;
		} else if (n != -EAGAIN) {
			fail_msg("read: %zd %s", n, mw_last_error());
		}
		if (!moved && smd_wait_irq(ch, 3000) == -ETIMEDOUT)
			fail_msg("echo stalled at %zu sent, %zu back", sent,
				 got);
	}
}

static uint8_t *slurp_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	assert_int_equal(read_full(fd, b, (size_t)st.st_size), 0);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static const struct smd_info *find_info(const struct smd_info *l, int n,
					const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	fail_msg("channel %s is not listed", name);
	return NULL;
}

static void test_loopback_peer_echoes_and_the_cli_sees_it(void **state)
{
	static const char *const packet_chans[] = { "DIAG", "DATA1",
						    "RPCRPY_CNTL", "IPCRTR" };
	static uint8_t out[200000], in[200000];
	struct fx *f = *state;
	struct smd_info list[SMD_CHANNELS];
	const struct smd_info *li;
	char inpath[PATH_MAX + 16], outpath[PATH_MAX + 16];
	struct bgout o;
	struct smd_ch *ch = NULL;
	json_t *doc, *chans;
	char *sout, *serr;
	uint8_t *got;
	uint32_t smsm;
	size_t len, i;
	int n, fin, fout, ret;

	start_peer(f, 0, &o, ARGV(NULL));
	apps_open(f);
	assert_int_equal(smd_smsm_get(f->apps.d, 0, &smsm), 0);
	assert_false(smsm & SMSM_SMD_LOOPBACK);
	ret = smd_open(f->apps.d, "LOOPBACK", SMD_APPS_MODEM, 0, 5000, &ch);
	if (ret)
		fail_msg("open LOOPBACK: %s", mw_last_error());
	assert_int_equal(smd_smsm_get(f->apps.d, 0, &smsm), 0);
	assert_true(smsm & SMSM_SMD_LOOPBACK);
	fill_random(out, sizeof(out), 81);
	echo_through(ch, out, in, 100000);
	assert_memory_equal(in, out, 100000);
	if (!await_text(&o, "raised SMSM_SMD_LOOPBACK", 2000))
		fail_msg("the peer never saw the loopback bit: '%s'", o.buf);

	n = smd_list(f->apps.d, list, SMD_CHANNELS);
	assert_int_equal(n, 5);
	li = find_info(list, n, "LOOPBACK");
	assert_int_equal(li->xfer, SMD_XFER_STREAM);
	assert_int_equal(li->edge, SMD_APPS_MODEM);
	assert_int_equal(li->fifo_size, SMD_STANDARD_FIFO);
	for (i = 0; i < 4; i++) {
		li = find_info(list, n, packet_chans[i]);
		assert_null(li->problem);
		assert_int_equal(li->xfer, SMD_XFER_PACKET);
		assert_int_equal(li->edge, SMD_APPS_MODEM);
	}
	smd_close(ch);
	side_close(&f->apps); /* `smd cat` is apps now */

	snprintf(inpath, sizeof(inpath), "%s/cat.in", f->dir);
	snprintf(outpath, sizeof(outpath), "%s/cat.out", f->dir);
	fin = open(inpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fout = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fin >= 0 && fout >= 0);
	fill_random(out, sizeof(out), 82);
	assert_int_equal(write_full(fin, out, sizeof(out)), 0);
	assert_int_equal(lseek(fin, 0, SEEK_SET), 0);
	f->bg[1] = spawn(ARGV("smd", "cat", "LOOPBACK", "--file", f->path),
			 fin, fout, -1);
	close(fin);
	close(fout);
	assert_int_equal(wait_exit(f->bg[1], 30000), 0);
	f->bg[1] = 0;
	got = slurp_file(outpath, &len);
	assert_int_equal(len, sizeof(out));
	assert_memory_equal(got, out, sizeof(out));
	free(got);

	ret = tu_run(&sout, &serr, ARGV("-j", "smd", "ls", "--file", f->path));
	if (ret)
		fail_msg("smd ls: %d %s", ret, serr);
	doc = json_loads(sout, 0, NULL);
	assert_true(json_is_object(doc));
	chans = json_object_get(doc, "channels");
	assert_int_equal(json_array_size(chans), 5);
	for (i = 0; i < json_array_size(chans); i++) {
		json_t *c = json_array_get(chans, i);
		const char *name =
			json_string_value(json_object_get(c, "name"));
		bool lb = name && !strcmp(name, "LOOPBACK");

		assert_non_null(name);
		assert_true(json_is_integer(json_object_get(c, "cid")));
		assert_string_equal(
			json_string_value(json_object_get(c, "edge")),
			"APPS_MODEM");
		assert_string_equal(
			json_string_value(json_object_get(c, "mode")),
			lb ? "stream" : "packet");
		assert_int_equal(
			json_integer_value(json_object_get(c, "fifo_size")),
			8192);
		assert_true(json_is_false(json_object_get(c, "word")));
		assert_non_null(json_object_get(c, "ch0"));
		assert_non_null(json_object_get(c, "ch1"));
		assert_null(json_object_get(c, "problem"));
	}
	json_decref(doc);
	free(sout);
	free(serr);
	stop_peer(f, 0, &o);
	if (!strstr(o.buf, "LOOPBACK: "))
		fail_msg("no LOOPBACK statistics: '%s'", o.buf);
}

static void test_peer_crash_exits_3_and_apps_sees_loopback_go_down(
	void **state)
{
	struct fx *f = *state;
	struct smd_ch *ch = NULL;
	struct bgout o;
	uint8_t *info, buf[16];
	uint32_t smsm;
	long long t0;
	int ret, ev;

	start_peer(f, 0, &o, ARGV("--crash", "300"));
	apps_open(f);
	ret = smd_open(f->apps.d, "LOOPBACK", SMD_APPS_MODEM, 0, 5000, &ch);
	if (ret)
		fail_msg("open LOOPBACK: %s", mw_last_error());
	info = item(&f->apps, ITEM_INFO(smd_ch_info(ch)->cid), 40);
	t0 = now_ms();
	ev = smd_wait_event(ch, SMD_EV_CLOSE, 3000);
	if (!(ev > 0 && (ev & SMD_EV_CLOSE)))
		fail_msg("LOOPBACK stayed up: %d %s", ev, mw_last_error());
	assert_true(now_ms() - t0 < 1500);
	assert_int_equal(wait_exit(f->bg[0], 3000), 3);
	f->bg[0] = 0;
	assert_true(await_text(&o, "crashing", 1000));
	close(o.fd);
	assert_false(smd_is_open(ch));
	assert_int_equal(smd_read(ch, buf, sizeof(buf), 500), -EPIPE);
	assert_int_equal(half_get(info, false, 1, H_STATE), SMD_SS_CLOSED);
	/* The restart also took the loopback request and the modem's SMSM
	 * state down (§6.6). */
	assert_int_equal(smd_smsm_get(f->apps.d, 0, &smsm), 0);
	assert_false(smsm & SMSM_SMD_LOOPBACK);
	assert_int_equal(smd_smsm_get(f->apps.d, 1, &smsm), 0);
	assert_int_equal(smsm, 0);
	smd_close(ch);
}

static void test_peer_channels_option_serves_source_and_sink(void **state)
{
	static uint8_t out[200000];
	struct fx *f = *state;
	struct smd_ch *x = NULL, *y = NULL;
	const struct smd_info *ci;
	uint8_t pkt[1024];
	struct bgout o;
	uint32_t seq = 0, v;
	size_t sent = 0;
	long long end;
	int i, k;

	start_peer(f, 0, &o, ARGV("--channels", "X:source:packet,Y:sink:"
						"stream:16K"));
	apps_open(f);
	assert_int_equal(smd_open(f->apps.d, "X", SMD_APPS_MODEM, 0, 5000, &x),
			 0);
	ci = smd_ch_info(x);
	assert_int_equal(ci->xfer, SMD_XFER_PACKET);
	assert_int_equal(ci->fifo_size, SMD_STANDARD_FIFO);
	for (i = 0; i < 300; i++) {
		ssize_t n = smd_read(x, pkt, sizeof(pkt), 2000);

		if (n != 256)
			fail_msg("packet %d: %zd bytes (%s)", i, n,
				 mw_last_error());
		for (k = 0; k < 256; k += 4, seq++) {
			memcpy(&v, pkt + k, 4);
			if (v != seq)
				fail_msg("packet %d word %d = %u, expected %u",
					 i, k / 4, v, seq);
		}
	}
	assert_int_equal(smd_open(f->apps.d, "Y", SMD_APPS_MODEM, 0, 5000, &y),
			 0);
	ci = smd_ch_info(y);
	assert_int_equal(ci->xfer, SMD_XFER_STREAM);
	assert_int_equal(ci->fifo_size, 16384);
	fill_random(out, sizeof(out), 91);
	while (sent < sizeof(out)) {
		ssize_t n = smd_write(y, out + sent, sizeof(out) - sent, 3000);

		if (n <= 0)
			fail_msg("sink write after %zu: %zd %s", sent, n,
				 mw_last_error());
		sent += (size_t)n;
	}
	/* The sink takes it all. */
	end = now_ms() + 3000;
	while (smd_write_avail(y) != 16383 && now_ms() < end)
		smd_wait_irq(y, 100);
	assert_int_equal(smd_write_avail(y), 16383);
	smd_close(x);
	smd_close(y);
	stop_peer(f, 0, &o);
	if (!strstr(o.buf, "Y: 200000 bytes in"))
		fail_msg("sink statistics: '%s'", o.buf);
}

/* A stream source is one unbroken run of little-endian u32 counters,
 * however the reader's sizes cut it. */
static void test_peer_stream_source_counts_without_gaps(void **state)
{
	static uint8_t in[300000];
	struct fx *f = *state;
	struct smd_ch *z = NULL;
	struct gen g = { 5 };
	struct bgout o;
	size_t got = 0, i;

	start_peer(f, 0, &o, ARGV("--channels", "Z:source:stream"));
	apps_open(f);
	assert_int_equal(smd_open(f->apps.d, "Z", SMD_APPS_MODEM, 0, 5000, &z),
			 0);
	while (got < sizeof(in)) {
		size_t want = 1 + gen_next(&g) % 5000;
		ssize_t n = smd_read(z, in + got,
				     want < sizeof(in) - got ? want
							     : sizeof(in) - got,
				     2000);

		if (n <= 0)
			fail_msg("read after %zu: %zd %s", got, n,
				 mw_last_error());
		got += (size_t)n;
	}
	for (i = 0; i + 4 <= got; i += 4)
		if (le32(in + i) != i / 4)
			fail_msg("byte %zu: counter %u, expected %zu", i,
				 le32(in + i), i / 4);
	smd_close(z);
	stop_peer(f, 0, &o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_create_lays_out_table_info_and_fifo_as_the_reference),
		T(test_open_sets_both_halves_and_apps_sends_in_the_first_half),
		T(test_data_arrives_once_and_in_order_both_ways),
		T(test_apps_open_waits_in_opening_then_times_out_closed),
		T(test_remote_reports_open_when_both_halves_are_opened),
		T(test_remote_close_drains_then_epipe_and_reopens),
		T(test_remote_close_keeps_the_rest_of_a_partly_read_packet),
		T(test_tiocm_dtr_rts_reach_the_peer_as_dsr_cts),
		T(test_read_interrupts_follow_the_writers_blockreadintr),
		T(test_packet_writes_are_whole_or_refused),
		T(test_packet_reads_stop_at_boundaries_and_skip_empty),
		T(test_segmented_write_delivers_one_packet),
		T(test_write_atomic_is_all_or_nothing),
		T(test_hostile_peer_half_is_refused_naming_field_and_value),
		T(test_bad_table_entries_are_listed_with_problem_and_refused),
		T(test_racing_peer_indices_never_take_apps_outside_the_fifo),
		T(test_killed_peer_is_noticed_and_its_channel_reopens),
		T(test_blocked_calls_return_epipe_when_the_peer_is_killed),
		T(test_loopback_peer_echoes_and_the_cli_sees_it),
		T(test_peer_crash_exits_3_and_apps_sees_loopback_go_down),
		T(test_peer_channels_option_serves_source_and_sink),
		T(test_peer_stream_source_counts_without_gaps),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
