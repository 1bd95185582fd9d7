/* SPDX-License-Identifier: MIT */
/*
 * log.c - the SMEM event logs (reference smem_smd.md §5).
 *
 *   log      index item  events item          entries  lock
 *   main     78 (u32)    79 (2000 x 20 B)     2000     hardware mutex 2
 *   static   80          81 (150 x 20 B)      150      hardware mutex 5
 *   power    405         407 (2000 x 20 B)    2000     hardware mutex 2
 *
 * The index item holds the next slot to write.  event3 writes one entry;
 * event6 writes two with one identifier and one timetick, but only when the
 * index is below the last slot ("FIXME: Wrap around" in the kernel): at the
 * last slot the pair is dropped and the index wraps to 0.  The items are
 * found with the exact-size rule (smem_find): the log owner creates them.
 *
 * The index is the other side's number: a value past the ring is not
 * written through, it restarts at 0 (what the kernel's writer does).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "smem/smem_i.h"

static const struct {
	const char *name;
	uint32_t idx_item, ev_item, entries;
	unsigned lock;
} logs[] = {
	[SMEM_LOG_MAIN] = { "main", SMEM_SMEM_LOG_IDX, SMEM_SMEM_LOG_EVENTS,
			    2000, SMEM_LOCK_LOG },
	[SMEM_LOG_STATIC] = { "static", SMEM_SMEM_STATIC_LOG_IDX,
			      SMEM_SMEM_STATIC_LOG_EVENTS, 150,
			      SMEM_LOCK_STATIC_LOG },
	[SMEM_LOG_POWER] = { "power", SMEM_SMEM_LOG_POWER_IDX,
			     SMEM_SMEM_LOG_POWER_EVENTS, 2000, SMEM_LOCK_LOG },
};

#define MAX_ENTRIES 2000

unsigned smem_log_entries(enum smem_log_id log)
{
	return (unsigned)log < MW_ARRAY_SIZE(logs) ? logs[log].entries : 0;
}

const char *smem_log_name(enum smem_log_id log)
{
	return (unsigned)log < MW_ARRAY_SIZE(logs) ? logs[log].name : NULL;
}

static int check_log(enum smem_log_id log)
{
	if ((unsigned)log >= MW_ARRAY_SIZE(logs))
		return mw_err(-EINVAL, "log %d: there are main, static and power",
			      (int)log);
	return 0;
}

uint32_t smem_log_timetick(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 32768u +
			  (uint64_t)ts.tv_nsec * 32768u / 1000000000u);
}

int smem_init_log_buffer(struct smem *sm, enum smem_log_id log)
{
	void *p;
	int ret;

	mw_clear_error();
	if ((ret = check_log(log)))
		return ret;
	ret = smem_alloc(sm, logs[log].idx_item, 4, &p);
	if (ret)
		return ret;
	return smem_alloc(sm, logs[log].ev_item,
			  logs[log].entries * sizeof(struct smem_log_item), &p);
}

/* Writing needs a writable version 11 heap: the log items of a version 12
 * heap are found in its partitions, but those are read-only here (smem.h). */
static int need_log_write(const struct smem *sm)
{
	int ret = mws_need_write(sm, "log write");

	if (ret)
		return ret;
	if (mws_layout(sm) == SMEM_VERSION_MAJOR_V12)
		return mw_err(-EROFS, "log write: SMEM version 12 heaps are "
				      "read-only here");
	return 0;
}

/* The two items of @log, by the exact-size rule. */
static int log_items(const struct smem *sm, enum smem_log_id log,
		     uint32_t **idx, struct smem_log_item **ev)
{
	void *pi, *pe;
	int ret;

	if ((ret = check_log(log)))
		return ret;
	ret = smem_find(sm, logs[log].idx_item, 4, &pi);
	if (!ret)
		ret = smem_find(sm, logs[log].ev_item,
				logs[log].entries *
					sizeof(struct smem_log_item),
				&pe);
	if (ret == -ENOENT)
		return mw_err(-ENOENT,
			      "the %s log does not exist (items %u/%u): its "
			      "owner creates it with smem_init_log_buffer",
			      logs[log].name, logs[log].idx_item,
			      logs[log].ev_item);
	if (ret)
		return ret;
	*idx = pi;
	*ev = pe;
	return 0;
}

static void put_entry(struct smem_log_item *e, uint32_t id, uint32_t t,
		      uint32_t d1, uint32_t d2, uint32_t d3)
{
	MW_WRITE_ONCE(e->identifier, id);
	MW_WRITE_ONCE(e->timetick, t);
	MW_WRITE_ONCE(e->data1, d1);
	MW_WRITE_ONCE(e->data2, d2);
	MW_WRITE_ONCE(e->data3, d3);
}

/* The writers' prologue: find the items, take the log's mutex, read the
 * index (the caller unlocks). */
static int log_begin(struct smem *sm, enum smem_log_id log, uint32_t **pidx,
		     struct smem_log_item **ev, uint32_t *idx)
{
	int ret;

	mw_clear_error();
	if ((ret = need_log_write(sm)) || (ret = log_items(sm, log, pidx, ev)))
		return ret;
	ret = mws_lock(sm, logs[log].lock);
	if (ret)
		return ret;
	*idx = MW_READ_ONCE(**pidx);
	return 0;
}

int smem_write_log_event3(struct smem *sm, enum smem_log_id log,
			  uint32_t identifier, uint32_t d1, uint32_t d2,
			  uint32_t d3)
{
	uint32_t t = smem_log_timetick(); /* read before the lock (§5.3) */
	uint32_t n, idx, next, *pidx;
	struct smem_log_item *ev;
	int ret;

	ret = log_begin(sm, log, &pidx, &ev, &idx);
	if (ret)
		return ret;
	n = logs[log].entries;
	if (idx < n)
		put_entry(&ev[idx], identifier, t, d1, d2, d3);
	next = idx + 1;
	if (next >= n || idx >= n)
		next = 0;
	/* The wmb() before the index: the entry is visible first. */
	mw_store_release(pidx, next);
	mws_unlock(sm, logs[log].lock);
	return 0;
}

int smem_write_log_event6(struct smem *sm, enum smem_log_id log,
			  uint32_t identifier, uint32_t d1, uint32_t d2,
			  uint32_t d3, uint32_t d4, uint32_t d5, uint32_t d6)
{
	uint32_t t = smem_log_timetick();
	uint32_t n, idx, next, *pidx;
	struct smem_log_item *ev;
	int written = 0, ret;

	ret = log_begin(sm, log, &pidx, &ev, &idx);
	if (ret)
		return ret;
	n = logs[log].entries;
	if (idx < n - 1) {
		/* The second entry keeps the identifier: no SMEM_LOG_CONT
		 * on this path (§5.3). */
		put_entry(&ev[idx], identifier, t, d1, d2, d3);
		put_entry(&ev[idx + 1], identifier, t, d4, d5, d6);
		written = 1;
	}
	next = idx + 2;
	if (next >= n || idx >= n)
		next = 0;
	mw_store_release(pidx, next);
	mws_unlock(sm, logs[log].lock);
	return written;
}

int smem_read_log_events(struct smem *sm, enum smem_log_id log,
			 struct smem_log_event *out, unsigned max,
			 unsigned flags, uint32_t *next_idx)
{
	static _Thread_local struct smem_log_item copy[MAX_ENTRIES];
	struct smem_log_item *ev;
	uint32_t n, idx, *pidx, i;
	bool locked = false;
	unsigned got = 0;
	int ret;

	mw_clear_error();
	if ((ret = log_items(sm, log, &pidx, &ev)))
		return ret;
	n = logs[log].entries;
	if (sm->writable && mws_can_lock(sm)) {
		ret = mws_lock(sm, logs[log].lock);
		if (ret)
			return ret;
		locked = true;
	}
	idx = mw_load_acquire(pidx);
	for (i = 0; i < n; i++) {
		copy[i].identifier = MW_READ_ONCE(ev[i].identifier);
		copy[i].timetick = MW_READ_ONCE(ev[i].timetick);
		copy[i].data1 = MW_READ_ONCE(ev[i].data1);
		copy[i].data2 = MW_READ_ONCE(ev[i].data2);
		copy[i].data3 = MW_READ_ONCE(ev[i].data3);
	}
	if (locked)
		mws_unlock(sm, logs[log].lock);
	if (next_idx)
		*next_idx = idx;
	if (idx >= n)
		idx = 0; /* a corrupt index: read the ring from slot 0 */
	for (i = 0; i < n && got < max; i++) {
		uint32_t slot = flags & SMEM_LOG_OLDEST_FIRST
					? (idx + i) % n
					: (idx + n - 1 - i) % n;
		struct smem_log_item *e = &copy[slot];

		if (!e->identifier)
			continue; /* never written (debugfs skips them too) */
		out[got] = (struct smem_log_event){
			.identifier = e->identifier,
			.timetick = e->timetick,
			.data = { e->data1, e->data2, e->data3 },
			.slot = slot,
		};
		got++;
	}
	return (int)got;
}

/* ------------------------------------------------------------- decode */

/* §5.2 */
#define LOG_PROC_MASK 0xC0000000u
#define LOG_CONT 0x10000000u
#define LOG_SUB_MASK 0x0FFF0000u
#define LOG_ID_MASK 0x0000FFFFu

static const char *const procs[] = { "MODEM", "Q6", "APPS", "WCNSS" };

static const char *const smem_ev[] = {
	"CB",       "START",    "INIT",     "RUNNING", "STOP",  "RESTART",
	"SS",       "READ",     "WRITE",    "SIGS1",   "SIGS2", "WRITE_DM",
	"READ_DM",  "SKIP_DM",  "STOP_DM",  "ISR",     "TASK",  "RS",
};
static const char *const oncrpc_ev[] = {
	"SMD_WAIT",  "RPC_WAIT",    "RPC_BOTH_WAIT", "RPC_INIT",
	"RUNNING",   "APIS_INITED", "AMSS_RESET",    "SMD_RESET",
	"ONCRPC_RESET", "CB",       "STD_CALL",      "STD_REPLY",
	"STD_CALL_ASYNC",
};
static const char *const router_ev[] = {
	"UNKNOWN",    "MSG_READ",   "MSG_WRITTEN", "MSG_CFM_REQ",
	"MSG_CFM_SNT", "MID_READ",  "MID_WRITTEN", "MID_CFM_REQ",
};
static const char *const error_ev[] = { NULL, "ERR_ERROR_FATAL",
					"ERR_ERROR_FATAL_TASK" };
static const char *const timetick_ev[] = { "START", "GOTO_WAIT",
					   "GOTO_INIT" };
static const char *const dcvs_ev[] = { "IDLE", "ERR", "CHG", "REG", "DEREG" };
static const char *const sleep_ev[] = {
	NULL,          "NO_SLEEP_OLD",   "INSUF_TIME",    "MOD_UART_CLOCK",
	"SLEEP_INFO",  "MOD_TCXO_END",   "MOD_ENTER_TCXO", "NO_SLEEP_NEW",
};

static const struct {
	const char *name;
	const char *const *ev;
	unsigned nev;
} bases[] = {
	{ "DEBUG", NULL, 0 },
	{ "ONCRPC", oncrpc_ev, MW_ARRAY_SIZE(oncrpc_ev) },
	{ "SMEM", smem_ev, MW_ARRAY_SIZE(smem_ev) },
	{ "TMC", NULL, 0 },
	{ "TIMETICK", timetick_ev, MW_ARRAY_SIZE(timetick_ev) },
	{ "DEM", NULL, 0 },
	{ "ERROR", error_ev, MW_ARRAY_SIZE(error_ev) },
	{ "DCVS", dcvs_ev, MW_ARRAY_SIZE(dcvs_ev) },
	{ "SLEEP", sleep_ev, MW_ARRAY_SIZE(sleep_ev) },
	{ "RPC_ROUTER", router_ev, MW_ARRAY_SIZE(router_ev) },
};

int smem_log_decode(uint32_t identifier, char *buf, size_t len)
{
	uint32_t base = (identifier & LOG_SUB_MASK) >> 16;
	uint32_t ev = identifier & LOG_ID_MASK;
	const char *proc = procs[(identifier & LOG_PROC_MASK) >> 30];
	const char *cont = identifier & LOG_CONT ? "|CONT" : "";
	const char *bname = NULL, *ename = NULL;

	if (identifier & 0x20000000u)
		return snprintf(buf, len, "0x%08x (unknown processor bits)",
				identifier);
	if (base < MW_ARRAY_SIZE(bases)) {
		bname = bases[base].name;
		if (ev < bases[base].nev)
			ename = bases[base].ev[ev];
	}
	if (bname && ename)
		return snprintf(buf, len, "%s%s %s %s", proc, cont, bname,
				ename);
	if (bname)
		return snprintf(buf, len, "%s%s %s 0x%x", proc, cont, bname, ev);
	return snprintf(buf, len, "%s%s base 0x%03x event 0x%x", proc, cont,
			base, ev);
}
