/* SPDX-License-Identifier: MIT */
/*
 * smd.c - Qualcomm SMD channels (reference smem_smd.md §6, §6.11, §7).
 *
 * Theory of operation.  A channel joins two processors over an edge; the
 * first processor of the edge owns half-channel ch0 and transmits in the
 * first half of the FIFO item, the second owns ch1 and the second half.
 * Each side writes only its own half (state, signals, head, fHEAD, fSTATE,
 * fBLOCKREADINTR) and the tail of the peer's half (it is the reader of the
 * peer's FIFO).  After any change a side sets the flag in its own half and
 * interrupts the peer; the peer clears the flags it handled.
 *
 *   open (apps, msm)      own := OPENING (own head, peer's tail := 0,
 *                         fBLOCKREADINTR := 0); wait for peer OPENED
 *   peer OPENING          own CLOSED/CLOSING -> OPENING (reset);
 *                         a remote-role side answers OPENING -> OPENED
 *   peer OPENED           own OPENING -> OPENED           (event OPEN)
 *   peer CLOSED           own OPENED -> CLOSING           (event CLOSE)
 *   peer CLOSING          own CLOSED: reopen ready        (event REOPEN_READY)
 *   close                 own := CLOSED
 *
 * set_state() writes fDSR = fCTS = fCD = (state == OPENED), the state,
 * fSTATE = 1, and interrupts.  Every index, state and length read from the
 * peer is checked; a bad one puts the channel in an error state (-EPROTO)
 * with a message naming the field and the value.  Waits are sliced so a
 * dead peer (its process gone) is noticed: its locks are released and its
 * half goes CLOSING then CLOSED, as a subsystem restart does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "memwire/smd.h"
#include "smd/layout.h"

#define SLICE_MS 100
#define LOOPBACK_DELAY_MS 100

/* Processor ids (§6.2). */
enum { PID_APPS, PID_MODEM, PID_Q6, PID_WCNSS, PID_DSPS, PID_Q6FW, PID_RPM };

static const struct {
	const char *name;
	uint8_t pid0, pid1;
} edges[SMD_NUM_EDGES] = {
	{ "APPS_MODEM", PID_APPS, PID_MODEM },
	{ "APPS_QDSP", PID_APPS, PID_Q6 },
	{ "MODEM_QDSP", PID_MODEM, PID_Q6 },
	{ "APPS_DSPS", PID_APPS, PID_DSPS },
	{ "MODEM_DSPS", PID_MODEM, PID_DSPS },
	{ "QDSP_DSPS", PID_Q6, PID_DSPS },
	{ "APPS_WCNSS", PID_APPS, PID_WCNSS },
	{ "MODEM_WCNSS", PID_MODEM, PID_WCNSS },
	{ "QDSP_WCNSS", PID_Q6, PID_WCNSS },
	{ "DSPS_WCNSS", PID_DSPS, PID_WCNSS },
	{ "APPS_Q6FW", PID_APPS, PID_Q6FW },
	{ "MODEM_Q6FW", PID_MODEM, PID_Q6FW },
	{ "QDSP_Q6FW", PID_Q6, PID_Q6FW },
	{ "DSPS_Q6FW", PID_DSPS, PID_Q6FW },
	{ "WCNSS_Q6FW", PID_WCNSS, PID_Q6FW },
	{ "APPS_RPM", PID_APPS, PID_RPM },
	{ "MODEM_RPM", PID_MODEM, PID_RPM },
	{ "QDSP_RPM", PID_Q6, PID_RPM },
	{ "WCNSS_RPM", PID_WCNSS, PID_RPM },
};

static const char *const states[] = { "CLOSED",  "OPENING", "OPENED",
				      "FLUSHING", "CLOSING", "RESET",
				      "RESET_OPENING" };

/* Half-channel fields, accessed through one table per variant. */
enum { F_STATE, F_DSR, F_CTS, F_CD, F_RI, F_FHEAD, F_FTAIL, F_FSTATE, F_BRI,
       F_TAIL, F_HEAD, F_COUNT };

static const uint8_t byte_off[F_COUNT] = { 0, 4, 5, 6, 7, 8, 9, 10, 11, 12,
					   16 };

struct smd {
	struct smem *sm;
	struct mw_soc *soc;
	const struct mw_platform *plat;
	int self;      /* SMD pid */
	int self_proc; /* platform index */
};

struct smd_ch {
	struct smd *d;
	struct smd_info info;
	unsigned edge;
	int peer_pid, peer_proc;
	bool word, packet, remote_role;
	uint8_t *send, *recv; /* own half, peer half */
	uint8_t *tx, *rx;     /* own TX FIFO, peer TX FIFO */
	uint32_t size, mask;  /* per direction */
	int line_in, line_out;
	uint32_t seen;
	unsigned last_peer;
	uint32_t cur_packet;  /* bytes left of the incoming packet */
	int64_t seg_left;     /* segmented write: bytes still to come, -1 none */
	int err;
	char errmsg[200];
	long long next_alive_check; /* ms: look for a dead peer after */
};

/* ---------------------------------------------------------- accessors */

static uint32_t hget(const struct smd_ch *ch, const uint8_t *half, int f)
{
	if (ch->word || f == F_STATE || f == F_TAIL || f == F_HEAD) {
		const uint32_t *p = (const uint32_t *)(half + (ch->word ? 4 * f
									: byte_off[f]));

		/* Acquire: an index or state read before the data it covers. */
		return mw_load_acquire(p);
	}
	return MW_READ_ONCE(*(half + byte_off[f]));
}

static void hset(const struct smd_ch *ch, uint8_t *half, int f, uint32_t v)
{
	if (ch->word || f == F_STATE || f == F_TAIL || f == F_HEAD) {
		uint32_t *p = (uint32_t *)(half + (ch->word ? 4 * f : byte_off[f]));

		/* Release: the data (or the reset) before the index/state. */
		mw_store_release(p, v);
		return;
	}
	uint8_t *b = half + byte_off[f];

	mw_store_release(b, (uint8_t)(v ? 1 : 0));
}

/* ---------------------------------------------------------- endpoint */

int smd_attach(struct smem *sm, struct smd **out)
{
	struct mw_soc *soc = smem_soc(sm);
	struct smd *d;
	int self;

	mw_clear_error();
	d = calloc(1, sizeof(*d));
	if (!d)
		return mw_err(-ENOMEM, "out of memory");
	d->sm = sm;
	d->soc = soc;
	self = soc ? mw_soc_self(soc) : -1;
	if (soc) {
		d->plat = mw_soc_platform(soc);
	} else if (mw_platform_get(NULL, &d->plat)) {
		free(d);
		return -ENOENT;
	}
	/* Without a processor: an observer that can list channels only. */
	d->self_proc = self;
	d->self = self >= 0 ? d->plat->procs[self].smd_pid : -1;
	*out = d;
	return 0;
}

void smd_detach(struct smd *d)
{
	free(d);
}

struct smem *smd_smem(const struct smd *d)
{
	return d->sm;
}

int smd_self(const struct smd *d)
{
	return d->self;
}

const char *smd_edge_name(unsigned edge)
{
	return edge < SMD_NUM_EDGES ? edges[edge].name : NULL;
}

const char *smd_state_name(unsigned state)
{
	return state < MW_ARRAY_SIZE(states) ? states[state] : NULL;
}

static int proc_of_pid(const struct smd *d, unsigned pid)
{
	unsigned i;

	for (i = 0; i < d->plat->nprocs; i++)
		if (d->plat->procs[i].smd_pid == pid)
			return (int)i;
	return -1;
}

int smd_edge_peer(const struct smd *d, unsigned edge)
{
	if (edge >= SMD_NUM_EDGES)
		return mw_err(-EINVAL, "edge %u: there are %u", edge,
			      SMD_NUM_EDGES);
	if (d->self < 0)
		return mw_err(-EINVAL, "an observer is on no edge");
	if (edges[edge].pid0 == d->self)
		return edges[edge].pid1;
	if (edges[edge].pid1 == d->self)
		return edges[edge].pid0;
	return mw_err(-EINVAL, "edge %s does not involve %s", edges[edge].name,
		      d->plat->procs[d->self_proc].name);
}

int smd_edge_parse(const struct smd *d, const char *s)
{
	unsigned i;
	char *end;
	long v;

	v = strtol(s, &end, 0);
	if (*s && !*end)
		return v >= 0 && v < SMD_NUM_EDGES
			       ? (int)v
			       : mw_err(-EINVAL, "edge %ld: edges are 0..%u", v,
					SMD_NUM_EDGES - 1);
	for (i = 0; i < SMD_NUM_EDGES; i++)
		if (!strcasecmp(s, edges[i].name))
			return (int)i;
	/* A processor name: the edge between it and us. */
	for (i = 0; i < SMD_NUM_EDGES; i++) {
		int peer = smd_edge_peer(d, i);
		int proc;

		if (peer < 0)
			continue;
		proc = proc_of_pid(d, (unsigned)peer);
		if (proc >= 0 && !strcasecmp(s, d->plat->procs[proc].name)) {
			mw_clear_error();
			return (int)i;
		}
	}
	return mw_err(-EINVAL,
		      "edge '%s': give a number, an edge name (APPS_MODEM) or "
		      "the processor on the other side (modem)",
		      s);
}

/* ------------------------------------------------------------- table */

static int table(struct smd *d, struct smd_alloc_elm **out)
{
	void *p;
	int ret = smem_find(d->sm, SMEM_CHANNEL_ALLOC_TBL,
			    SMD_TABLE_ENTRIES * sizeof(struct smd_alloc_elm),
			    &p);

	if (ret == -ENOENT)
		mw_clear_error();
	if (ret)
		return ret;
	*out = p;
	return 0;
}

/* Copy table slot @i; 1 when it holds a channel, 0 when free. */
static int slot_copy(const struct smd_alloc_elm *t, unsigned i,
		     struct smd_alloc_elm *e)
{
	/* ref_count is written last by the creator: acquire it first. */
	e->ref_count = mw_load_acquire(&t[i].ref_count);
	memcpy(e->name, t[i].name, sizeof(e->name));
	e->cid = MW_READ_ONCE(t[i].cid);
	e->type = MW_READ_ONCE(t[i].type);
	return e->ref_count && e->name[0];
}

/* Legacy xfer type 0 (§6.1, smd_is_packet). */
static unsigned xfer_of(const struct smd_alloc_elm *e)
{
	unsigned x = SMD_XFER(e->type);

	if (x == SMD_XFER_STREAM || x == SMD_XFER_PACKET)
		return x;
	if (!strncmp(e->name, "DAL", 3) || !strncmp(e->name, "RPCCALL_QDSP", 12))
		return SMD_XFER_STREAM;
	return e->cid > 4 || e->cid == 1 ? SMD_XFER_PACKET : SMD_XFER_STREAM;
}

/*
 * Check table slot @i (a copy) and find its items: fills @info and, when
 * given, the item pointers.  The message names the field and the value.
 */
static int slot_check(struct smd *d, const struct smd_alloc_elm *t,
		      unsigned i, const struct smd_alloc_elm *e,
		      struct smd_info *info, uint8_t **halves, uint8_t **fifo)
{
	uint32_t isz, fsz;
	void *pi, *pf;
	unsigned j;
	int ret;

	memset(info, 0, sizeof(*info));
	for (j = 0; j < SMD_NAME_LEN && e->name[j]; j++) {
		unsigned char c = (unsigned char)e->name[j];

		if (c < 0x20 || c > 0x7e)
			return mw_err(-EPROTO,
				      "SMD table slot %u: name byte %u = 0x%02x "
				      "is not printable",
				      i, j, c);
		info->name[j] = (char)c;
	}
	info->cid = e->cid;
	info->edge = SMD_EDGE(e->type);
	info->xfer = xfer_of(e);
	if (e->cid >= SMD_CHANNELS)
		return mw_err(-EPROTO, "SMD table slot %u (%s): cid = %u, "
				       "expected 0..63",
			      i, info->name, e->cid);
	if (info->edge >= SMD_NUM_EDGES)
		return mw_err(-EPROTO, "SMD table slot %u (%s): edge = %u, "
				       "expected 0..%u",
			      i, info->name, info->edge, SMD_NUM_EDGES - 1);
	for (j = 0; j < i; j++) {
		struct smd_alloc_elm o;

		if (slot_copy(t, j, &o) && o.cid == e->cid)
			return mw_err(-EPROTO,
				      "SMD table slot %u (%s): cid %u is also "
				      "used by slot %u",
				      i, info->name, e->cid, j);
	}
	info->word = info->edge >= SMD_APPS_RPM;
	ret = smem_get_addr(d->sm, SMEM_SMD_BASE_ID + e->cid, &pi, &isz);
	if (ret)
		return mw_err(ret, "channel %s (cid %u): info item %u: %s",
			      info->name, e->cid, SMEM_SMD_BASE_ID + e->cid,
			      ret == -ENOENT ? "not allocated" : mw_last_error());
	if (isz != (info->word ? SMD_INFO_WORD_SIZE : SMD_INFO_BYTE_SIZE))
		return mw_err(-EPROTO,
			      "channel %s (cid %u): info item size = %u, "
			      "expected %zu",
			      info->name, e->cid, isz,
			      info->word ? SMD_INFO_WORD_SIZE
					 : SMD_INFO_BYTE_SIZE);
	ret = smem_get_addr(d->sm, SMEM_SMD_FIFO_BASE_ID + e->cid, &pf, &fsz);
	if (ret)
		return mw_err(ret, "channel %s (cid %u): FIFO item %u: %s",
			      info->name, e->cid, SMEM_SMD_FIFO_BASE_ID + e->cid,
			      ret == -ENOENT ? "not allocated" : mw_last_error());
	if (fsz < 2 * 64 || (fsz & (fsz - 1)))
		return mw_err(-EPROTO,
			      "channel %s (cid %u): FIFO size = %u is not a "
			      "power of two of at least 128",
			      info->name, e->cid, fsz);
	info->fifo_size = fsz / 2;
	if (halves)
		*halves = pi;
	if (fifo)
		*fifo = pf;
	return 0;
}

/*
 * Read both halves of a listed channel and check them: a state past
 * RESET_OPENING or an index outside the FIFO is a problem (returned as
 * -EPROTO with the message naming half, field and value).
 */
static int peek_halves(struct smd_info *info, uint8_t *halves)
{
	struct smd_ch tmp = { .word = info->word };
	size_t hs = info->word ? sizeof(struct smd_half_word)
			       : sizeof(struct smd_half_byte);
	unsigned k;

	for (k = 0; k < 2; k++) {
		uint8_t *h = halves + k * hs;
		uint32_t head = hget(&tmp, h, F_HEAD), tail = hget(&tmp, h, F_TAIL);

		info->state[k] = hget(&tmp, h, F_STATE);
		info->sig[k] = (hget(&tmp, h, F_DSR) ? 1u : 0) |
			       (hget(&tmp, h, F_CTS) ? 2u : 0) |
			       (hget(&tmp, h, F_CD) ? 4u : 0) |
			       (hget(&tmp, h, F_RI) ? 8u : 0);
		if (info->state[k] > SMD_SS_RESET_OPENING)
			return mw_err(-EPROTO, "channel %s: ch%u state = %u, "
					       "expected 0..6",
				      info->name, k, info->state[k]);
		if (head >= info->fifo_size || tail >= info->fifo_size)
			return mw_err(-EPROTO,
				      "channel %s: ch%u head = 0x%x tail = "
				      "0x%x, outside the %u-byte FIFO",
				      info->name, k, head, tail,
				      info->fifo_size);
		info->queued[k] = (head - tail) & (info->fifo_size - 1);
		info->head[k] = head;
		info->tail[k] = tail;
		info->flags[k] = (hget(&tmp, h, F_FHEAD) ? 1u : 0) |
				 (hget(&tmp, h, F_FTAIL) ? 2u : 0) |
				 (hget(&tmp, h, F_FSTATE) ? 4u : 0) |
				 (hget(&tmp, h, F_BRI) ? 8u : 0);
	}
	return 0;
}

int smd_list(struct smd *d, struct smd_info *out, unsigned max)
{
	static _Thread_local char problems[SMD_CHANNELS][200];
	struct smd_alloc_elm *t, e;
	unsigned i, n = 0;
	uint8_t *halves;
	int ret;

	mw_clear_error();
	ret = table(d, &t);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (i = 0; i < SMD_TABLE_ENTRIES && n < max; i++) {
		if (!slot_copy(t, i, &e))
			continue;
		ret = slot_check(d, t, i, &e, &out[n], &halves, NULL);
		out[n].slot = i;
		if (!ret)
			ret = peek_halves(&out[n], halves);
		if (ret) {
			snprintf(problems[n], sizeof(problems[n]), "%s",
				 mw_last_error());
			out[n].problem = problems[n];
		}
		n++;
	}
	mw_clear_error();
	return (int)n;
}

int smd_fifo_peek(struct smd *d, const struct smd_info *ch, unsigned half,
		  uint32_t from, uint32_t len, void *buf)
{
	struct smd_alloc_elm *t, e;
	struct smd_info info;
	uint8_t *fifo, *base;
	uint32_t first;
	int ret;

	mw_clear_error();
	if (half > 1 || ch->slot >= SMD_TABLE_ENTRIES)
		return mw_err(-EINVAL, "half %u of slot %u", half, ch->slot);
	ret = table(d, &t);
	if (ret)
		return ret;
	/* Look the slot up again: the caller's copy may be stale. */
	if (!slot_copy(t, ch->slot, &e))
		return mw_err(-ENOENT, "SMD table slot %u is empty", ch->slot);
	ret = slot_check(d, t, ch->slot, &e, &info, NULL, &fifo);
	if (ret)
		return ret;
	if (from >= info.fifo_size || len > info.fifo_size)
		return mw_err(-EINVAL, "%u bytes at 0x%x of a %u-byte FIFO", len,
			      from, info.fifo_size);
	base = fifo + half * info.fifo_size;
	first = info.fifo_size - from < len ? info.fifo_size - from : len;
	memcpy(buf, base + from, first);
	memcpy((uint8_t *)buf + first, base, len - first);
	return 0;
}

/* Find @name on @edge; 0 with the channel's items, -ENOENT when absent. */
static int find(struct smd *d, const char *name, unsigned edge,
		struct smd_info *info, uint8_t **halves, uint8_t **fifo)
{
	struct smd_alloc_elm *t, e;
	unsigned i;
	int ret;

	ret = table(d, &t);
	if (ret)
		return ret;
	for (i = 0; i < SMD_TABLE_ENTRIES; i++) {
		if (!slot_copy(t, i, &e) || SMD_EDGE(e.type) != edge ||
		    strncmp(e.name, name, SMD_NAME_LEN))
			continue;
		return slot_check(d, t, i, &e, info, halves, fifo);
	}
	return -ENOENT;
}

/* --------------------------------------------------------- signalling */

static void signal_peer(struct smd_ch *ch)
{
	const struct mw_line *l = &ch->d->plat->lines[ch->line_out];

	/* The release stores before this are visible to the woken side:
	 * the raise is a seq_cst RMW. */
	if (l->reg)
		mw_doorbell_write(ch->d->soc, l->reg, l->mask);
	else
		mw_irq_raise(ch->d->soc, (unsigned)ch->line_out);
}

static int ch_error(struct smd_ch *ch, const char *fmt, ...) MW_PRINTF(2, 3);

static int ch_error(struct smd_ch *ch, const char *fmt, ...)
{
	va_list ap;

	if (!ch->err) {
		va_start(ap, fmt);
		vsnprintf(ch->errmsg, sizeof(ch->errmsg), fmt, ap);
		va_end(ap);
		ch->err = -EPROTO;
		mw_log(MW_LOG_ERR, "smd %s: %s", ch->info.name, ch->errmsg);
	}
	return mw_err(ch->err, "channel %s: %s", ch->info.name, ch->errmsg);
}

static void set_state(struct smd_ch *ch, unsigned n)
{
	uint32_t on = n == SMD_SS_OPENED;

	hset(ch, ch->send, F_DSR, on);
	hset(ch, ch->send, F_CTS, on);
	hset(ch, ch->send, F_CD, on);
	hset(ch, ch->send, F_STATE, n);
	hset(ch, ch->send, F_FSTATE, 1);
	signal_peer(ch);
}

/* msm's OPENING: restart both indices we own, ask for read interrupts. */
static void go_opening(struct smd_ch *ch)
{
	hset(ch, ch->recv, F_TAIL, 0);
	hset(ch, ch->send, F_HEAD, 0);
	hset(ch, ch->send, F_BRI, 0);
	ch->cur_packet = 0;
	set_state(ch, SMD_SS_OPENING);
}

static unsigned own_state(const struct smd_ch *ch)
{
	return hget(ch, ch->send, F_STATE);
}

/* The state machine of §6.6, run when the peer's state changed. */
static unsigned state_change(struct smd_ch *ch, unsigned last, unsigned next)
{
	unsigned own = own_state(ch), ev = 0;

	(void)last;
	switch (next) {
	case SMD_SS_OPENING:
		if (own == SMD_SS_CLOSED || own == SMD_SS_CLOSING) {
			go_opening(ch);
			own = SMD_SS_OPENING;
		}
		/* Answer; the channel is open (SMD_EV_OPEN) only once the
		 * peer is OPENED too. */
		if (ch->remote_role && own == SMD_SS_OPENING)
			set_state(ch, SMD_SS_OPENED);
		break;
	case SMD_SS_OPENED:
		if (own == SMD_SS_OPENING) {
			set_state(ch, SMD_SS_OPENED);
			ev |= SMD_EV_OPEN;
		} else if (own == SMD_SS_OPENED) {
			/* We answered earlier: open now. */
			ev |= SMD_EV_OPEN;
		} else if (own == SMD_SS_CLOSED || own == SMD_SS_CLOSING) {
			/* The peer reopened while we were down: open again. */
			go_opening(ch);
			if (ch->remote_role) {
				set_state(ch, SMD_SS_OPENED);
				ev |= SMD_EV_OPEN;
			}
		}
		break;
	case SMD_SS_CLOSED:
		/* msm: only an OPENED side closes; an OPENING one goes on
		 * waiting for the peer's OPENED (§6.6).  The packet being read
		 * stays current: its rest is still in the FIFO, and go_opening()
		 * forgets it on a reopen. */
		if (own == SMD_SS_OPENED) {
			set_state(ch, SMD_SS_CLOSING);
			ev |= SMD_EV_CLOSE;
		}
		break;
	case SMD_SS_CLOSING:
		if (own == SMD_SS_CLOSED)
			ev |= SMD_EV_REOPEN_READY;
		else if (own == SMD_SS_OPENED) {
			set_state(ch, SMD_SS_CLOSING);
			ev |= SMD_EV_CLOSE;
		}
		break;
	default: /* FLUSHING, RESET, RESET_OPENING: nothing (msm) */
		break;
	}
	return ev;
}

/* Reset the half of a dead processor, as apps does on subsystem restart. */
static void reset_half(struct smd_ch *ch, uint8_t *half)
{
	hset(ch, half, F_DSR, 0);
	hset(ch, half, F_CTS, 0);
	hset(ch, half, F_CD, 0);
	hset(ch, half, F_STATE, SMD_SS_CLOSING);
	hset(ch, half, F_FSTATE, 1);
	hset(ch, half, F_STATE, SMD_SS_CLOSED);
	hset(ch, half, F_FSTATE, 1);
}

/*
 * Is the peer's process gone?  Then do what apps does on a subsystem
 * restart: release its locks, reset its half of every channel on its
 * edges, and free its processor slot.
 */
static bool peer_died(struct smd_ch *ch)
{
	struct mw_proc_state st;

	if (ch->peer_proc < 0 ||
	    mw_soc_proc_state(ch->d->soc, (unsigned)ch->peer_proc, &st))
		return false;
	if (st.os_pid == 0 || st.alive)
		return false;
	mw_log(MW_LOG_WARN, "smd: %s (pid %d) is gone: resetting its channels",
	       ch->d->plat->procs[ch->peer_proc].name, (int)st.os_pid);
	smd_reset_peer(ch->d, (unsigned)ch->peer_pid);
	mw_soc_reap(ch->d->soc);
	return true;
}

/*
 * The interrupt handler for one channel: check the peer's half, clear the
 * flags it raised, run the state machine.  Returns SMD_EV_* or -EPROTO.
 */
static long long now_ms(void);
static bool peer_died(struct smd_ch *ch);

static int process(struct smd_ch *ch)
{
	unsigned peer, ev = 0;
	uint32_t v;

	if (ch->err)
		return ch_error(ch, "%s", ch->errmsg);
	/* Callers that never block still notice a dead peer. */
	if (now_ms() >= ch->next_alive_check) {
		ch->next_alive_check = now_ms() + SLICE_MS;
		peer_died(ch);
	}
	peer = hget(ch, ch->recv, F_STATE);
	if (peer > SMD_SS_RESET_OPENING)
		return ch_error(ch, "peer state = %u, expected 0..6", peer);
	v = hget(ch, ch->recv, F_HEAD);
	if (v >= ch->size)
		return ch_error(ch, "peer head = 0x%x, outside the %u-byte FIFO",
				v, ch->size);
	v = hget(ch, ch->send, F_TAIL);
	if (v >= ch->size)
		return ch_error(ch, "our tail (written by the peer) = 0x%x, "
				    "outside the %u-byte FIFO",
				v, ch->size);
	/* Flags: the peer's own half; fTAIL also in ours (mainline). */
	if (hget(ch, ch->recv, F_FHEAD)) {
		hset(ch, ch->recv, F_FHEAD, 0);
		ev |= SMD_EV_DATA;
	}
	if (hget(ch, ch->recv, F_FTAIL)) {
		hset(ch, ch->recv, F_FTAIL, 0);
		ev |= SMD_EV_DATA;
	}
	if (hget(ch, ch->send, F_FTAIL)) {
		hset(ch, ch->send, F_FTAIL, 0);
		ev |= SMD_EV_DATA;
	}
	if (hget(ch, ch->recv, F_FSTATE)) {
		hset(ch, ch->recv, F_FSTATE, 0);
		if (peer == ch->last_peer)
			ev |= SMD_EV_STATUS;
	}
	if (peer != ch->last_peer) {
		unsigned last = ch->last_peer;

		ch->last_peer = peer;
		ev |= state_change(ch, last, peer);
	}
	return (int)ev;
}

static bool is_open(struct smd_ch *ch)
{
	unsigned peer = hget(ch, ch->recv, F_STATE);

	return own_state(ch) == SMD_SS_OPENED &&
	       (peer == SMD_SS_OPENED || peer == SMD_SS_FLUSHING);
}

bool smd_is_open(struct smd_ch *ch)
{
	return process(ch) >= 0 && is_open(ch);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for the next interrupt on the edge, at most until @deadline (-1
 * forever), in slices that look for a dead peer.  0 when woken (or the
 * peer was found dead), -ETIMEDOUT, -EINTR.
 */
static int wait_irq_seen(struct smd_ch *ch, uint32_t *seen,
			 long long deadline)
{
	for (;;) {
		long long left = deadline < 0 ? SLICE_MS : deadline - now_ms();
		int ret;

		if (left <= 0)
			return mw_err(-ETIMEDOUT, "channel %s: timed out",
				      ch->info.name);
		ret = mw_irq_wait_seq(ch->d->soc, (unsigned)ch->line_in, seen,
				      (int)(left < SLICE_MS ? left : SLICE_MS));
		if (ret > 0)
			return 0;
		if (ret == -EINTR)
			return ret;
		if (ret != -ETIMEDOUT)
			return ret;
		if (peer_died(ch))
			return 0;
	}
}

static int wait_irq(struct smd_ch *ch, long long deadline)
{
	return wait_irq_seen(ch, &ch->seen, deadline);
}

static long long deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ------------------------------------------------------------------ open */

static int lines_for(struct smd_ch *ch)
{
	/* RPM edges signal on the RPM lines whichever side we are. */
	enum mw_line_kind k = edges[ch->edge].pid1 == PID_RPM ? MW_LINE_RPM
							      : MW_LINE_SMD;
	int in, out;

	if (ch->peer_proc < 0)
		return mw_err(-ENODEV, "%s has no processor %s on this platform",
			      ch->d->plat->name, edges[ch->edge].name);
	in = mw_platform_line_between(ch->d->plat, (unsigned)ch->d->self_proc,
				      (unsigned)ch->peer_proc, k);
	out = mw_platform_line_between(ch->d->plat, (unsigned)ch->peer_proc,
				       (unsigned)ch->d->self_proc, k);
	if (in < 0 || out < 0)
		return mw_err(-ENODEV,
			      "edge %s: %s has no interrupt line between %s and "
			      "%s",
			      edges[ch->edge].name, ch->d->plat->name,
			      ch->d->plat->procs[ch->d->self_proc].name,
			      ch->d->plat->procs[ch->peer_proc].name);
	ch->line_in = in;
	ch->line_out = out;
	return 0;
}

static int ch_new(struct smd *d, unsigned edge, struct smd_ch **out)
{
	struct smd_ch *ch;
	int peer, ret;

	if (d->self < 0)
		return mw_err(-EINVAL, "SMD channels need a heap opened as a "
				       "processor (this one observes)");
	peer = smd_edge_peer(d, edge);
	if (peer < 0)
		return peer;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return mw_err(-ENOMEM, "out of memory");
	ch->d = d;
	ch->edge = edge;
	ch->peer_pid = peer;
	ch->peer_proc = proc_of_pid(d, (unsigned)peer);
	ch->seg_left = -1;
	ret = lines_for(ch);
	if (ret) {
		free(ch);
		return ret;
	}
	ch->seen = mw_irq_seq(d->soc, (unsigned)ch->line_in);
	*out = ch;
	return 0;
}

static void ch_bind(struct smd_ch *ch, uint8_t *halves, uint8_t *fifo)
{
	size_t hs = ch->info.word ? sizeof(struct smd_half_word)
				  : sizeof(struct smd_half_byte);
	bool ch0 = edges[ch->edge].pid0 == ch->d->self;

	ch->word = ch->info.word;
	ch->packet = ch->info.xfer == SMD_XFER_PACKET;
	ch->size = ch->info.fifo_size;
	ch->mask = ch->size - 1;
	ch->send = halves + (ch0 ? 0 : hs);
	ch->recv = halves + (ch0 ? hs : 0);
	ch->tx = fifo + (ch0 ? 0 : ch->size);
	ch->rx = fifo + (ch0 ? ch->size : 0);
}

int smd_open(struct smd *d, const char *name, unsigned edge, unsigned flags,
	     int timeout_ms, struct smd_ch **out)
{
	long long deadline = deadline_of(timeout_ms);
	struct smd_ch *ch;
	uint8_t *halves, *fifo;
	int ret;

	mw_clear_error();
	if (!name || !name[0] || strlen(name) > SMD_NAME_LEN)
		return mw_err(-EINVAL, "channel name '%s': 1..20 characters",
			      name ? name : "");
	ret = ch_new(d, edge, &ch);
	if (ret)
		return ret;
	ch->remote_role = flags & SMD_OPEN_REMOTE;
	/* "LOOPBACK" on the modem edge: tell the modem first (§6.10). */
	if (!strcmp(name, "LOOPBACK") && edge == SMD_APPS_MODEM &&
	    !ch->remote_role) {
		struct timespec ts = { 0, LOOPBACK_DELAY_MS * 1000000L };

		ret = smd_smsm_change(d, 0, SMSM_SMD_LOOPBACK);
		if (ret < 0)
			goto err_free;
		nanosleep(&ts, NULL);
	}
	/* The channel may not exist yet: the remote creates it and then
	 * interrupts; look again after every interrupt. */
	while ((ret = find(d, name, edge, &ch->info, &halves, &fifo)) ==
	       -ENOENT) {
		ret = wait_irq(ch, deadline);
		if (ret) {
			ret = mw_err(ret, "channel %s on %s does not exist%s",
				     name, edges[edge].name,
				     ret == -ETIMEDOUT ? " (timed out)" : "");
			goto err_free;
		}
	}
	if (ret)
		goto err_free;
	ch_bind(ch, halves, fifo);
	/* msm: last_state CLOSED, then the artificial CLOSED -> OPENING. */
	ch->last_peer = SMD_SS_CLOSED;
	go_opening(ch);
	if (!ch->remote_role)
		ch->last_peer = SMD_SS_OPENING;
	for (;;) {
		uint32_t seen = ch->seen;

		(void)seen;
		ret = process(ch);
		if (ret < 0)
			goto err_close;
		if (is_open(ch) || (flags & SMD_OPEN_NOWAIT))
			break;
		ret = wait_irq(ch, deadline);
		if (ret) {
			ret = mw_err(ret, "channel %s on %s: the %s never "
					  "opened its side (it is %s)",
				     name, edges[edge].name,
				     d->plat->procs[ch->peer_proc].name,
				     smd_state_name(hget(ch, ch->recv, F_STATE))
					     ?: "?");
			goto err_close;
		}
	}
	*out = ch;
	return 0;

err_close:
	{
		/* Ringing the peer clears the last error: keep ours. */
		char saved[256];

		snprintf(saved, sizeof(saved), "%s", mw_last_error());
		set_state(ch, SMD_SS_CLOSED);
		mw_err(ret, "%s", saved);
	}
err_free:
	free(ch);
	return ret;
}

int smd_close(struct smd_ch *ch)
{
	if (!ch)
		return 0;
	mw_clear_error();
	if (own_state(ch) != SMD_SS_CLOSED)
		set_state(ch, SMD_SS_CLOSED);
	free(ch);
	return 0;
}

void smd_ch_state(const struct smd_ch *ch, unsigned *own, unsigned *peer)
{
	*own = own_state(ch);
	*peer = hget(ch, ch->recv, F_STATE);
}

const struct smd_info *smd_ch_info(const struct smd_ch *ch)
{
	return &ch->info;
}

int smd_wait_irq(struct smd_ch *ch, int timeout_ms)
{
	mw_clear_error();
	return wait_irq(ch, deadline_of(timeout_ms));
}

uint32_t smd_irq_seq(const struct smd_ch *ch)
{
	return mw_irq_seq(ch->d->soc, (unsigned)ch->line_in);
}

int smd_wait_irq_from(struct smd_ch *ch, uint32_t *seen, int timeout_ms)
{
	mw_clear_error();
	return wait_irq_seen(ch, seen, deadline_of(timeout_ms));
}

int smd_fd(struct smd_ch *ch)
{
	return mw_irq_fd(ch->d->soc, (unsigned)ch->line_in);
}

int smd_wait_event(struct smd_ch *ch, unsigned mask, int timeout_ms)
{
	long long deadline = deadline_of(timeout_ms);
	int ev, ret;

	mw_clear_error();
	for (;;) {
		ev = process(ch);
		if (ev < 0)
			return ev;
		if (ev & mask || timeout_ms == 0)
			return ev;
		ret = wait_irq(ch, deadline);
		if (ret == -ETIMEDOUT)
			return 0;
		if (ret)
			return ret;
	}
}

/* ------------------------------------------------------------- data */

/* Bytes readable in the peer's FIFO (checked indices). */
static int rx_avail(struct smd_ch *ch, uint32_t *tail)
{
	uint32_t head = hget(ch, ch->recv, F_HEAD);

	*tail = hget(ch, ch->recv, F_TAIL);
	if (head >= ch->size)
		return ch_error(ch, "peer head = 0x%x, outside the %u-byte FIFO",
				head, ch->size);
	if (*tail >= ch->size)
		return ch_error(ch, "peer tail = 0x%x, outside the %u-byte FIFO",
				*tail, ch->size);
	return (int)((head - *tail) & ch->mask);
}

/* Free bytes in our FIFO (at most size - 1 can be queued). */
static int tx_free(struct smd_ch *ch, uint32_t *head)
{
	uint32_t tail = hget(ch, ch->send, F_TAIL);

	*head = hget(ch, ch->send, F_HEAD);
	if (tail >= ch->size)
		return ch_error(ch, "our tail (written by the peer) = 0x%x, "
				    "outside the %u-byte FIFO",
				tail, ch->size);
	if (*head >= ch->size)
		return ch_error(ch, "our head = 0x%x, outside the FIFO", *head);
	return (int)(ch->mask - ((*head - tail) & ch->mask));
}

static void fifo_in(struct smd_ch *ch, uint32_t at, void *buf, uint32_t n)
{
	uint32_t first = ch->size - at < n ? ch->size - at : n;

	memcpy(buf, ch->rx + at, first);
	memcpy((uint8_t *)buf + first, ch->rx, n - first);
}

static void fifo_out(struct smd_ch *ch, uint32_t at, const void *buf,
		     uint32_t n)
{
	uint32_t first = ch->size - at < n ? ch->size - at : n;

	/* NOTE: smd_write_start() writes a header and no payload (buf NULL):
	 * memcpy from NULL is undefined even for 0 bytes. */
	if (!n)
		return;

	memcpy(ch->tx + at, buf, first);
	memcpy(ch->tx, (const uint8_t *)buf + first, n - first);
}

/* Consume @n bytes at @tail: advance it, flag, interrupt if asked. */
static void rx_consume(struct smd_ch *ch, uint32_t tail, uint32_t n)
{
	hset(ch, ch->recv, F_TAIL, (tail + n) & ch->mask);
	hset(ch, ch->send, F_FTAIL, 1); /* msm: the flag in our own half */
	if (!hget(ch, ch->recv, F_BRI))
		signal_peer(ch);
}

/* Publish @n bytes written at @head. */
static void tx_publish(struct smd_ch *ch, uint32_t head, uint32_t n)
{
	hset(ch, ch->send, F_HEAD, (head + n) & ch->mask);
	hset(ch, ch->send, F_FHEAD, 1);
	signal_peer(ch);
}

/* Packet channels: pull the next header when no packet is current. */
static int packet_state(struct smd_ch *ch)
{
	uint32_t hdr[5], tail;
	int avail;

	while (ch->cur_packet == 0) {
		avail = rx_avail(ch, &tail);
		if (avail < SMD_HEADER_SIZE)
			return avail < 0 ? avail : 0;
		fifo_in(ch, tail, hdr, sizeof(hdr));
		if (hdr[0] > ch->size - 1 - SMD_HEADER_SIZE)
			return ch_error(ch,
					"packet length = %u, larger than the "
					"%u-byte FIFO can hold",
					hdr[0], ch->size);
		rx_consume(ch, tail, SMD_HEADER_SIZE);
		ch->cur_packet = hdr[0]; /* 0-length packets are skipped */
	}
	return 0;
}

static int read_avail(struct smd_ch *ch)
{
	uint32_t tail;
	int avail, ret;

	if (ch->packet && (ret = packet_state(ch)))
		return ret;
	avail = rx_avail(ch, &tail);
	if (avail < 0 || !ch->packet)
		return avail;
	return (uint32_t)avail < ch->cur_packet ? avail : (int)ch->cur_packet;
}

int smd_read_avail(struct smd_ch *ch)
{
	int ret;

	mw_clear_error();
	ret = process(ch);
	return ret < 0 ? ret : read_avail(ch);
}

/*
 * 0 when open, 1 while our side waits in OPENING for the peer (data calls
 * wait too), -EPIPE when the channel is closed or went down.
 */
static int need_open(struct smd_ch *ch)
{
	unsigned own = own_state(ch), peer = hget(ch, ch->recv, F_STATE);

	if (is_open(ch))
		return 0;
	/* Opening on either side: about to be open. */
	if (own == SMD_SS_OPENING ||
	    (own == SMD_SS_OPENED && peer == SMD_SS_OPENING))
		return 1;
	return mw_err(-EPIPE, "channel %s is not open (ours %s, %s's %s)",
		      ch->info.name, smd_state_name(own),
		      ch->d->plat->procs[ch->peer_proc].name,
		      smd_state_name(hget(ch, ch->recv, F_STATE)) ?: "?");
}

ssize_t smd_read(struct smd_ch *ch, void *buf, size_t len, int timeout_ms)
{
	long long deadline = deadline_of(timeout_ms);
	uint32_t tail;
	int avail, ret;

	mw_clear_error();
	if (len == 0)
		return 0;
	for (;;) {
		ret = process(ch);
		if (ret < 0)
			return ret;
		avail = read_avail(ch);
		if (avail < 0)
			return avail;
		if (avail > 0)
			break;
		if ((ret = need_open(ch)) < 0)
			return ret;
		if (timeout_ms == 0)
			return mw_err(-EAGAIN, "channel %s: nothing to read",
				      ch->info.name);
		ret = wait_irq(ch, deadline);
		if (ret)
			return ret;
	}
	if ((size_t)avail > len)
		avail = (int)len;
	/* NOTE: tail lives in shared memory: index only with the copy that
	 * was checked, never with a second read the peer may have changed. */
	ret = rx_avail(ch, &tail);
	if (ret < 0)
		return ret;
	fifo_in(ch, tail, buf, (uint32_t)avail);
	rx_consume(ch, tail, (uint32_t)avail);
	if (ch->packet)
		ch->cur_packet -= (uint32_t)avail;
	return avail;
}

int smd_write_avail(struct smd_ch *ch)
{
	uint32_t head;
	int ret, n;

	mw_clear_error();
	ret = process(ch);
	if (ret < 0)
		return ret;
	n = tx_free(ch, &head);
	if (n < 0 || !ch->packet || ch->seg_left >= 0)
		return n;
	return n > SMD_HEADER_SIZE ? n - SMD_HEADER_SIZE : 0;
}

/* Write exactly @n bytes now (the caller checked the space); 0 or -EPROTO
 * when the peer moved our head outside the FIFO meanwhile. */
static int put(struct smd_ch *ch, const void *hdr, uint32_t hlen,
	       const void *buf, uint32_t n)
{
	uint32_t head;
	int ret;

	/* NOTE: the head checked here is the one written through. */
	ret = tx_free(ch, &head);
	if (ret < 0)
		return ret;
	if (hlen)
		fifo_out(ch, head, hdr, hlen);
	fifo_out(ch, (head + hlen) & ch->mask, buf, n);
	tx_publish(ch, head, hlen + n);
	return 0;
}

/* Wait until @need bytes fit; 0, or -errno (not open, timeout...). */
static int wait_space(struct smd_ch *ch, uint32_t need, long long deadline,
		      bool nonblock)
{
	uint32_t head;
	int ret, n;

	for (;;) {
		ret = process(ch);
		if (ret < 0)
			return ret;
		if ((ret = need_open(ch)) < 0)
			return ret;
		n = tx_free(ch, &head);
		if (n < 0)
			return n;
		if (ret == 0 && (uint32_t)n >= need)
			return 0;
		if (nonblock)
			return mw_err(-EAGAIN, "channel %s: %u bytes do not fit "
					       "(%d free)",
				      ch->info.name, need, n);
		ret = wait_irq(ch, deadline);
		if (ret)
			return ret;
	}
}

static ssize_t write_packet(struct smd_ch *ch, const void *buf, size_t len,
			    int timeout_ms)
{
	uint32_t hdr[5] = { (uint32_t)len, 0, 0, 0, 0 };
	int ret;

	if (len > ch->size - 1 - SMD_HEADER_SIZE)
		return mw_err(-EMSGSIZE,
			      "channel %s: a %zu-byte packet cannot fit the "
			      "%u-byte FIFO",
			      ch->info.name, len, ch->size);
	ret = wait_space(ch, (uint32_t)len + SMD_HEADER_SIZE,
			 deadline_of(timeout_ms), timeout_ms == 0);
	if (ret)
		return ret;
	ret = put(ch, hdr, SMD_HEADER_SIZE, buf, (uint32_t)len);
	if (ret)
		return ret;
	return (ssize_t)len;
}

static ssize_t write_stream(struct smd_ch *ch, const void *buf, size_t len,
			    int timeout_ms)
{
	long long deadline = deadline_of(timeout_ms);
	const uint8_t *p = buf;
	size_t done = 0;
	uint32_t head;
	int ret, n;

	while (done < len) {
		ret = wait_space(ch, 1, deadline, timeout_ms == 0);
		if (ret)
			return done ? (ssize_t)done : ret;
		n = tx_free(ch, &head);
		if (n < 0)
			return n;
		if ((size_t)n > len - done)
			n = (int)(len - done);
		ret = put(ch, NULL, 0, p + done, (uint32_t)n);
		if (ret)
			return done ? (ssize_t)done : ret;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t smd_write(struct smd_ch *ch, const void *buf, size_t len,
		  int timeout_ms)
{
	mw_clear_error();
	if (ch->seg_left >= 0)
		return mw_err(-EBUSY, "channel %s: a segmented write is in "
				      "progress",
			      ch->info.name);
	if (len > INT32_MAX)
		return mw_err(-EINVAL, "write of %zu bytes", len);
	if (ch->packet)
		return write_packet(ch, buf, len, timeout_ms);
	return write_stream(ch, buf, len, timeout_ms);
}

ssize_t smd_write_atomic(struct smd_ch *ch, const void *buf, size_t len)
{
	int ret;

	mw_clear_error();
	if (ch->seg_left >= 0)
		return mw_err(-EBUSY, "channel %s: a segmented write is in "
				      "progress",
			      ch->info.name);
	if (ch->packet)
		return write_packet(ch, buf, len, 0);
	if (len > ch->size - 1)
		return mw_err(-EMSGSIZE, "channel %s: %zu bytes cannot fit the "
					 "%u-byte FIFO at once",
			      ch->info.name, len, ch->size);
	ret = wait_space(ch, (uint32_t)len, -1, true);
	if (ret)
		return ret;
	ret = put(ch, NULL, 0, buf, (uint32_t)len);
	if (ret)
		return ret;
	return (ssize_t)len;
}

int smd_write_start(struct smd_ch *ch, size_t len, int timeout_ms)
{
	uint32_t hdr[5] = { (uint32_t)len, 0, 0, 0, 0 };
	int ret;

	mw_clear_error();
	if (!ch->packet)
		return mw_err(-EINVAL, "channel %s is a stream channel: "
				       "segmented writes are for packets",
			      ch->info.name);
	if (ch->seg_left >= 0)
		return mw_err(-EBUSY, "channel %s: a segmented write is in "
				      "progress",
			      ch->info.name);
	if (len == 0 || len > INT32_MAX)
		return mw_err(-EINVAL, "segmented packet of %zu bytes", len);
	ret = wait_space(ch, SMD_HEADER_SIZE, deadline_of(timeout_ms),
			 timeout_ms == 0);
	if (ret)
		return ret;
	ret = put(ch, hdr, SMD_HEADER_SIZE, NULL, 0);
	if (ret)
		return ret;
	ch->seg_left = (int64_t)len;
	return 0;
}

ssize_t smd_write_segment(struct smd_ch *ch, const void *buf, size_t len,
			  int timeout_ms)
{
	ssize_t n;

	mw_clear_error();
	if (ch->seg_left < 0)
		return mw_err(-EINVAL, "channel %s: no segmented write started",
			      ch->info.name);
	if ((int64_t)len > ch->seg_left)
		return mw_err(-E2BIG,
			      "channel %s: segment of %zu bytes, only %lld "
			      "announced bytes left",
			      ch->info.name, len, (long long)ch->seg_left);
	n = write_stream(ch, buf, len, timeout_ms);
	if (n > 0)
		ch->seg_left -= n;
	return n;
}

int smd_write_end(struct smd_ch *ch)
{
	int64_t left = ch->seg_left;

	mw_clear_error();
	if (left < 0)
		return mw_err(-EINVAL, "channel %s: no segmented write started",
			      ch->info.name);
	ch->seg_left = -1;
	if (left)
		return mw_err(-E2BIG, "channel %s: %lld announced bytes were "
				      "never written",
			      ch->info.name, (long long)left);
	return 0;
}

/* ----------------------------------------------------------- signals */

int smd_tiocmget(struct smd_ch *ch)
{
	int ret;

	mw_clear_error();
	ret = process(ch);
	if (ret < 0)
		return ret;
	return (hget(ch, ch->recv, F_DSR) ? SMD_TIOCM_DSR : 0) |
	       (hget(ch, ch->recv, F_CTS) ? SMD_TIOCM_CTS : 0) |
	       (hget(ch, ch->recv, F_CD) ? SMD_TIOCM_CD : 0) |
	       (hget(ch, ch->recv, F_RI) ? SMD_TIOCM_RI : 0) |
	       (hget(ch, ch->send, F_CTS) ? SMD_TIOCM_RTS : 0) |
	       (hget(ch, ch->send, F_DSR) ? SMD_TIOCM_DTR : 0);
}

int smd_tiocmset(struct smd_ch *ch, unsigned set, unsigned clear)
{
	mw_clear_error();
	if (set & SMD_TIOCM_DTR)
		hset(ch, ch->send, F_DSR, 1);
	if (clear & SMD_TIOCM_DTR)
		hset(ch, ch->send, F_DSR, 0);
	if (set & SMD_TIOCM_RTS)
		hset(ch, ch->send, F_CTS, 1);
	if (clear & SMD_TIOCM_RTS)
		hset(ch, ch->send, F_CTS, 0);
	/* The Windows driver also drives CD and RI of its own half. */
	if (set & SMD_TIOCM_CD)
		hset(ch, ch->send, F_CD, 1);
	if (clear & SMD_TIOCM_CD)
		hset(ch, ch->send, F_CD, 0);
	if (set & SMD_TIOCM_RI)
		hset(ch, ch->send, F_RI, 1);
	if (clear & SMD_TIOCM_RI)
		hset(ch, ch->send, F_RI, 0);
	hset(ch, ch->send, F_FSTATE, 1);
	signal_peer(ch);
	return 0;
}

/* ------------------------------------------------------- remote side */

static uint32_t item_info_size(unsigned edge)
{
	return edge >= SMD_APPS_RPM ? SMD_INFO_WORD_SIZE : SMD_INFO_BYTE_SIZE;
}

int smd_create(struct smd *d, const char *name, unsigned edge, unsigned xfer,
	       uint32_t fifo_size)
{
	struct smd_alloc_elm *t, e;
	struct smd_info info;
	bool used[SMD_CHANNELS] = { false };
	struct smd_ch *ch;
	void *pi, *pf;
	int slot = -1, cid = -1, ret;
	unsigned i;

	mw_clear_error();
	if (!name || !name[0] || strlen(name) > SMD_NAME_LEN)
		return mw_err(-EINVAL, "channel name '%s': 1..20 characters",
			      name ? name : "");
	if (xfer != SMD_XFER_STREAM && xfer != SMD_XFER_PACKET)
		return mw_err(-EINVAL, "transfer type %u: 1 stream, 2 packet",
			      xfer);
	if (fifo_size < SMD_MIN_FIFO || fifo_size > SMD_MAX_FIFO ||
	    (fifo_size & (fifo_size - 1)))
		return mw_err(-EINVAL, "FIFO size %u: a power of two in "
				       "1 KiB..128 KiB",
			      fifo_size);
	ret = ch_new(d, edge, &ch); /* checks that we are on the edge */
	if (ret)
		return ret;
	free(ch);
	ret = smem_alloc(d->sm, SMEM_CHANNEL_ALLOC_TBL,
			 SMD_TABLE_ENTRIES * sizeof(struct smd_alloc_elm), &pi);
	if (ret)
		return ret;
	t = pi;
	/* Table slots are claimed under the allocation mutex, so two
	 * creators never pick the same slot or cid. */
	ret = smem_spin_lock(d->sm, SMEM_LOCK_ALLOC);
	if (ret)
		return ret;
	for (i = 0; i < SMD_TABLE_ENTRIES; i++) {
		if (!slot_copy(t, i, &e)) {
			if (slot < 0)
				slot = (int)i;
			continue;
		}
		if (e.cid < SMD_CHANNELS)
			used[e.cid] = true;
		if (SMD_EDGE(e.type) == edge &&
		    !strncmp(e.name, name, SMD_NAME_LEN)) {
			smem_spin_unlock(d->sm, SMEM_LOCK_ALLOC);
			ret = find(d, name, edge, &info, NULL, NULL);
			return ret ? ret : (int)info.cid;
		}
	}
	for (i = 0; i < SMD_CHANNELS && cid < 0; i++)
		if (!used[i])
			cid = (int)i;
	smem_spin_unlock(d->sm, SMEM_LOCK_ALLOC);
	if (slot < 0 || cid < 0)
		return mw_err(-ENOSPC, "the SMD table is full (64 channels)");
	/* Items first (allocation takes the mutex itself), entry last. */
	ret = smem_alloc(d->sm, SMEM_SMD_BASE_ID + (uint32_t)cid,
			 item_info_size(edge), &pi);
	if (!ret)
		ret = smem_alloc(d->sm, SMEM_SMD_FIFO_BASE_ID + (uint32_t)cid,
				 2 * fifo_size, &pf);
	if (ret)
		return ret;
	ret = smem_spin_lock(d->sm, SMEM_LOCK_ALLOC);
	if (ret)
		return ret;
	if (slot_copy(t, (unsigned)slot, &e)) {
		smem_spin_unlock(d->sm, SMEM_LOCK_ALLOC);
		return mw_err(-EAGAIN, "SMD table slot %d was taken meanwhile",
			      slot);
	}
	memset(t[slot].name, 0, sizeof(t[slot].name));
	memcpy(t[slot].name, name, strlen(name));
	MW_WRITE_ONCE(t[slot].cid, (uint32_t)cid);
	MW_WRITE_ONCE(t[slot].type, edge | xfer << 8);
	/* Readers ignore the slot until ref_count: written last. */
	mw_store_release(&t[slot].ref_count, 1);
	smem_spin_unlock(d->sm, SMEM_LOCK_ALLOC);
	/* Peers rescan on an interrupt after the heap changed. */
	ret = ch_new(d, edge, &ch);
	if (!ret) {
		signal_peer(ch);
		free(ch);
	}
	return cid;
}

static int smsm_state(struct smd *d, uint32_t **state, uint32_t *entries);

/*
 * The SMSM half of a subsystem restart (§6.6, smd_channel_reset): the dead
 * processor's state word is zeroed, and for the modem apps drops INIT,
 * SMD_LOOPBACK and RESET from its own, so that a restarted modem sees the
 * loopback request rise again.  Nothing to do without an SMSM state item.
 */
static void smsm_reset(struct smd *d, unsigned pid)
{
	uint32_t *state, n;
	void *p;

	if (pid > PID_DSPS ||
	    smem_get_addr(d->sm, SMEM_SMSM_SHARED_STATE, &p, NULL) ||
	    smsm_state(d, &state, &n) || pid >= n)
		return;
	mw_store_release(&state[pid], 0u);
	if (pid == PID_MODEM && d->self == PID_APPS)
		smd_smsm_change(d, SMSM_INIT | SMSM_SMD_LOOPBACK | SMSM_RESET,
				0);
}

int smd_reset_peer(struct smd *d, unsigned pid)
{
	struct smd_info info[SMD_CHANNELS];
	struct smd_alloc_elm *t, e;
	uint8_t *halves, *fifo;
	unsigned i, n = 0;
	int proc = proc_of_pid(d, pid), ret;

	mw_clear_error();
	if (proc >= 0)
		mw_hwmutex_release_all(d->soc, d->plat->procs[proc].hwmutex_id);
	smsm_reset(d, pid);
	ret = table(d, &t);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	for (i = 0; i < SMD_TABLE_ENTRIES; i++) {
		struct smd_ch *ch;
		unsigned edge;

		if (!slot_copy(t, i, &e))
			continue;
		edge = SMD_EDGE(e.type);
		if (edge >= SMD_NUM_EDGES ||
		    (edges[edge].pid0 != pid && edges[edge].pid1 != pid) ||
		    smd_edge_peer(d, edge) != (int)pid)
			continue;
		if (slot_check(d, t, i, &e, &info[0], &halves, &fifo) ||
		    ch_new(d, edge, &ch))
			continue;
		ch->info = info[0];
		ch_bind(ch, halves, fifo);
		reset_half(ch, ch->recv);
		signal_peer(ch);
		mw_irq_raise(d->soc, (unsigned)ch->line_in); /* wake ourselves */
		free(ch);
		n++;
	}
	mw_clear_error();
	return (int)n;
}

/* -------------------------------------------------------------- SMSM */

static int smsm_state(struct smd *d, uint32_t **state, uint32_t *entries)
{
	struct smem_smsm s;
	uint32_t size;
	void *p;
	int ret;

	ret = smem_smsm_read(d->sm, &s);
	if (ret == -ENOENT) {
		/* Apps allocates the state array when it is missing (§6.11). */
		ret = smem_alloc(d->sm, SMEM_SMSM_SHARED_STATE, 8 * 4, &p);
		if (ret)
			return ret;
		ret = smem_smsm_read(d->sm, &s);
	}
	if (ret)
		return ret;
	ret = smem_get_addr(d->sm, SMEM_SMSM_SHARED_STATE, &p, &size);
	if (ret)
		return ret;
	*state = p;
	*entries = s.num_entries;
	return 0;
}

int smd_smsm_get(struct smd *d, unsigned entry, uint32_t *out)
{
	uint32_t *state, n;
	int ret;

	mw_clear_error();
	ret = smsm_state(d, &state, &n);
	if (ret)
		return ret;
	if (entry >= n)
		return mw_err(-EINVAL, "SMSM entry %u: there are %u", entry, n);
	*out = mw_load_acquire(&state[entry]);
	return 0;
}

int smd_smsm_change(struct smd *d, uint32_t clear, uint32_t set)
{
	uint32_t *state, n, old, new;
	unsigned i;
	int ret;

	mw_clear_error();
	ret = smsm_state(d, &state, &n);
	if (ret)
		return ret;
	if (d->self < 0 || (uint32_t)d->self >= n || d->self > PID_DSPS)
		return mw_err(-EINVAL, "%s has no SMSM entry",
			      d->plat->procs[d->self_proc].name);
	old = MW_READ_ONCE(state[d->self]);
	do
		new = (old & ~clear) | set;
	while (!mw_cmpxchg(&state[d->self], &old, new));
	/* Every other host with an SMSM line from us is told. */
	for (i = 0; i < d->plat->nprocs; i++) {
		int l;

		if ((int)i == d->self_proc)
			continue;
		l = mw_platform_line_between(d->plat, i, (unsigned)d->self_proc,
					     MW_LINE_SMSM);
		if (l < 0)
			continue;
		if (d->plat->lines[l].reg)
			mw_doorbell_write(d->soc, d->plat->lines[l].reg,
					  d->plat->lines[l].mask);
		else
			mw_irq_raise(d->soc, (unsigned)l);
	}
	mw_clear_error();
	return 0;
}
