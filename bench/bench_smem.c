/* SPDX-License-Identifier: MIT */
/*
 * bench_smem.c - SMEM figures, each next to a baseline measured in the same
 * run.
 *
 *   smem_alloc, 1 process (ids 9..511)   vs the same bump allocator in private
 *                                        memory under a pshared pthread mutex
 *   smem_alloc, 2 processes              vs that baseline, 2 processes
 *   smem_get_addr of an existing item    vs indexing a private table
 *   lock hand-off between 2 processes    vs a pshared pthread mutex
 *     (strict alternation through hardware mutex 3: the time from one
 *      processor's unlock to the other's acquire, plus its check)
 *   smem_write_log_event3                vs the same ring under a pthread mutex
 *
 * Every figure is the median of RUNS runs; the ratio is memwire / baseline
 * (latencies: below 1 is faster; rates: above 1 is faster).
 * usage: bench_smem [ROUNDS]
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_smem"
#include "bench.h"
#include "memwire/core.h"
#include "memwire/smem.h"

#define RUNS 5
#define FIRST_ID 9
#define LAST_ID 511
#define TURN_ITEM 200

static unsigned rounds = 50000;
static char path[PATH_MAX];

static struct smem *open_as(const char *proc, struct mw_region **r)
{
	struct smem *sm;
	int ret;

	if ((ret = mw_region_attach(path, 0, r)) ||
	    (ret = smem_open(*r, proc, &sm)))
		die("open", ret);
	return sm;
}

static void format_heap(void)
{
	struct mw_region *r;
	struct smem *sm;
	int ret;

	if ((ret = mw_region_attach(path, 0, &r)) ||
	    (ret = smem_open(r, NULL, &sm)) ||
	    (ret = smem_init_heap(sm, SMEM_INIT_FORCE)))
		die("init", ret);
	smem_close(sm);
	mw_region_close(r);
}

/* --------------------------------------------------- the baseline heap */

/* The same bump allocation in private shared memory, no validation. */
struct base_heap {
	pthread_mutex_t m;
	uint32_t free_offset, available;
	struct {
		uint32_t allocated, offset, size, aux;
	} toc[512];
	unsigned long turn_count;
	uint32_t turn;
	uint32_t log_idx;
	uint32_t log[2000][5];
};

static struct base_heap *base_new(void)
{
	struct base_heap *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;

	if (b == MAP_FAILED)
		die("mmap", -errno);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&b->m, &a);
	b->free_offset = 0x21D0;
	b->available = 0x200000 - 0x21D0;
	return b;
}

static void *base_alloc(struct base_heap *b, uint8_t *mem, uint32_t id,
			uint32_t size)
{
	void *p = NULL;

	size = (size + 7) & ~7u;
	pthread_mutex_lock(&b->m);
	if (b->toc[id].allocated) {
		if (b->toc[id].size == size)
			p = mem + b->toc[id].offset;
	} else if (b->available >= size) {
		b->toc[id].offset = b->free_offset;
		b->toc[id].size = size;
		__atomic_store_n(&b->toc[id].allocated, 1, __ATOMIC_RELEASE);
		b->free_offset += size;
		b->available -= size;
		p = mem + b->toc[id].offset;
	}
	pthread_mutex_unlock(&b->m);
	return p;
}

/* ------------------------------------------------------------- allocs */

/* Allocate this process's share of the ids; false on failure. */
static bool alloc_share(struct smem *sm, struct base_heap *b, uint8_t *mem,
			uint32_t first, unsigned per)
{
	uint32_t id;
	void *q;

	for (id = first; id < first + per; id++) {
		if (b ? !base_alloc(b, mem, id, 64)
		      : smem_alloc(sm, id, 64, &q) != 0)
			return false;
	}
	return true;
}

/*
 * @nproc processes share the ids 9..511 of a fresh heap, many times over.
 * Only the allocation loops are timed: processes attach first, start
 * together, and report their start and end times.  Returns allocations per
 * second.
 */
static double rate_alloc(int nproc, bool baseline)
{
	static const char *const names[] = { "apps", "modem" };
	unsigned per = (LAST_ID - FIRST_ID + 1) / (unsigned)nproc;
	unsigned cycles = rounds / 100 + 1, c;
	double total = 0;

	for (c = 0; c < cycles; c++) {
		struct base_heap *b = baseline ? base_new() : NULL;
		uint8_t *mem = baseline ? malloc(0x200000) : NULL;
		struct mw_region *r = NULL;
		struct smem *sm = NULL;
		int ready[2], go[2], res[2];
		double t[2][2], lo = 1e300, hi = 0;
		pid_t pids[2];
		char byte = 0;
		int p;

		if (!baseline)
			format_heap();
		if (nproc == 1) {
			if (!baseline)
				sm = open_as("apps", &r);
			t[0][0] = now_s();
			if (!alloc_share(sm, b, mem, FIRST_ID, per))
				die("alloc", -EIO);
			t[0][1] = now_s();
			total += t[0][1] - t[0][0];
			smem_close(sm);
			mw_region_close(r);
			goto next;
		}
		if (pipe(ready) || pipe(go) || pipe(res))
			die("pipe", -errno);
		for (p = 0; p < nproc; p++) {
			pids[p] = fork();
			if (pids[p] == 0) {
				double tt[2];

				if (!baseline)
					sm = open_as(names[p], &r);
				if (write(ready[1], &byte, 1) != 1 ||
				    read(go[0], &byte, 1) != 1)
					_exit(4);
				tt[0] = now_s();
				if (!alloc_share(sm, b, mem, FIRST_ID + p * per,
						 per))
					_exit(3);
				tt[1] = now_s();
				if (write(res[1], tt, sizeof(tt)) != sizeof(tt))
					_exit(5);
				smem_close(sm);
				mw_region_close(r);
				_exit(0);
			}
		}
		for (p = 0; p < nproc; p++)
			if (read(ready[0], &byte, 1) != 1)
				die("ready", -EIO);
		for (p = 0; p < nproc; p++)
			if (write(go[1], &byte, 1) != 1)
				die("go", -EIO);
		for (p = 0; p < nproc; p++) {
			if (read(res[0], t[p], sizeof(t[p])) != sizeof(t[p]))
				die("result", -EIO);
			lo = t[p][0] < lo ? t[p][0] : lo;
			hi = t[p][1] > hi ? t[p][1] : hi;
		}
		for (p = 0; p < nproc; p++)
			reap(pids[p]);
		total += hi - lo;
		close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
		close(res[0]), close(res[1]);
next:
		if (b)
			munmap(b, sizeof(*b));
		free(mem);
	}
	return cycles * (double)per * nproc / total;
}

/* Lookups of existing items; returns lookups per second. */
static double rate_lookup(bool baseline)
{
	unsigned n = rounds * 20, i;
	volatile uintptr_t sink = 0;
	struct base_heap *b = base_new();
	uint8_t *mem = malloc(0x200000);
	struct mw_region *r;
	struct smem *sm;
	double t0, t1;
	uint32_t id, size;
	void *p;

	format_heap();
	sm = open_as("apps", &r);
	for (id = FIRST_ID; id <= LAST_ID; id++)
		if (smem_alloc(sm, id, 64, &p) || !base_alloc(b, mem, id, 64))
			die("alloc", -EIO);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		id = FIRST_ID + i % (LAST_ID - FIRST_ID + 1);
		if (baseline) {
			if (!__atomic_load_n(&b->toc[id].allocated,
					     __ATOMIC_ACQUIRE))
				die("lookup", -ENOENT);
			sink += (uintptr_t)(mem + b->toc[id].offset);
		} else {
			if (smem_get_addr(sm, id, &p, &size))
				die("lookup", -ENOENT);
			sink += (uintptr_t)p;
		}
	}
	t1 = now_s();
	smem_close(sm);
	mw_region_close(r);
	munmap(b, sizeof(*b));
	free(mem);
	return n / (t1 - t0);
}

/* ----------------------------------------------------------- hand-off */

/*
 * Two processes take turns: each loops lock; if turn is mine { flip it,
 * count }; unlock.  Every counted turn is one hand-off of the lock to the
 * other process.  Returns seconds per hand-off.
 */
static double handoff(bool baseline)
{
	static const char *const names[] = { "apps", "modem" };
	struct base_heap *b = base_new();
	unsigned n = rounds / 5 + 10;
	struct mw_region *r;
	struct smem *sm;
	volatile uint32_t *turn;
	double t0, t1;
	pid_t pids[2];
	void *p;
	int k, ret;

	format_heap();
	sm = open_as(NULL, &r);
	smem_close(sm);
	mw_region_close(r);
	sm = open_as("rpm", &r);
	if ((ret = smem_alloc(sm, TURN_ITEM, 8, &p)))
		die("turn item", ret);
	smem_close(sm);
	mw_region_close(r);
	t0 = now_s();
	for (k = 0; k < 2; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			unsigned mine = 0;

			if (baseline) {
				while (mine < n) {
					pthread_mutex_lock(&b->m);
					if (b->turn == (uint32_t)k) {
						b->turn = 1 - k;
						mine++;
					}
					pthread_mutex_unlock(&b->m);
				}
				_exit(0);
			}
			sm = open_as(names[k], &r);
			if (smem_get_addr(sm, TURN_ITEM, &p, NULL))
				_exit(2);
			turn = p;
			while (mine < n) {
				if (smem_spin_lock(sm, SMEM_LOCK_ALLOC))
					_exit(3);
				if (*turn == (uint32_t)k) {
					*turn = 1 - k;
					mine++;
				}
				smem_spin_unlock(sm, SMEM_LOCK_ALLOC);
			}
			smem_close(sm);
			mw_region_close(r);
			_exit(0);
		}
	}
	for (k = 0; k < 2; k++)
		reap(pids[k]);
	t1 = now_s();
	munmap(b, sizeof(*b));
	return (t1 - t0) / (2.0 * n);
}

/* ---------------------------------------------------------------- log */

static double rate_log(bool baseline)
{
	unsigned n = rounds * 4, i;
	struct base_heap *b = base_new();
	struct mw_region *r;
	struct smem *sm;
	double t0, t1;
	int ret;

	format_heap();
	sm = open_as("modem", &r);
	if ((ret = smem_init_log_buffer(sm, SMEM_LOG_MAIN)))
		die("log init", ret);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (baseline) {
			uint32_t t = smem_log_timetick(), idx;

			pthread_mutex_lock(&b->m);
			idx = b->log_idx;
			b->log[idx][0] = 0x80020008;
			b->log[idx][1] = t;
			b->log[idx][2] = i;
			b->log[idx][3] = 0;
			b->log[idx][4] = 0;
			b->log_idx = idx + 1 >= 2000 ? 0 : idx + 1;
			pthread_mutex_unlock(&b->m);
		} else if ((ret = smem_write_log_event3(sm, SMEM_LOG_MAIN,
							 0x80020008, i, 0,
							 0))) {
			die("log", ret);
		}
	}
	t1 = now_s();
	smem_close(sm);
	mw_region_close(r);
	munmap(b, sizeof(*b));
	return n / (t1 - t0);
}

/* ------------------------------------------------------------ report */

static void row(const char *what, const char *unit, double v,
		const char *base, double b)
{
	printf("%-40s %10.2f %-7s  %-32s %10.2f  ratio %6.2f\n", what, v, unit,
	       base, b, v / b);
}

int main(int argc, char **argv)
{
	double a1[RUNS], b1[RUNS], a2[RUNS], b2[RUNS], l[RUNS], lb[RUNS];
	double h[RUNS], hb[RUNS], lg[RUNS], lgb[RUNS];
	char dir[] = "/tmp/memwire-bench.XXXXXX";
	struct mw_region *r;
	int i, ret;

	if (argc > 1)
		rounds = (unsigned)strtoul(argv[1], NULL, 0);
	if (rounds < 1000)
		rounds = 1000;
	if (!mkdtemp(dir))
		die("mkdtemp", -errno);
	snprintf(path, sizeof(path), "%s/bench.smem", dir);
	if ((ret = mw_region_create(path, "msm8930", 0x80000000, 0x200000, 0,
				    &r)))
		die("create", ret);
	mw_region_close(r);

	printf("memwire %s bench_smem: %u rounds, median of %d runs, %ld CPUs\n\n",
	       mw_version(), rounds, RUNS, sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < RUNS; i++) {
		a1[i] = rate_alloc(1, false) / 1e6;
		b1[i] = rate_alloc(1, true) / 1e6;
		a2[i] = rate_alloc(2, false) / 1e6;
		b2[i] = rate_alloc(2, true) / 1e6;
		l[i] = rate_lookup(false) / 1e6;
		lb[i] = rate_lookup(true) / 1e6;
		h[i] = handoff(false) * 1e6;
		hb[i] = handoff(true) * 1e6;
		lg[i] = rate_log(false) / 1e6;
		lgb[i] = rate_log(true) / 1e6;
	}
	printf("%-40s %10s %-7s  %-32s %10s\n", "figure", "median", "unit",
	       "baseline (same run)", "median");
	row("smem_alloc, 1 process", "M/s", median(a1, RUNS),
	    "bump alloc + pthread mutex", median(b1, RUNS));
	row("smem_alloc, 2 processes", "M/s", median(a2, RUNS),
	    "bump alloc + pthread, 2 procs", median(b2, RUNS));
	row("smem_get_addr (existing item)", "M/s", median(l, RUNS),
	    "private table lookup", median(lb, RUNS));
	row("lock hand-off, 2 processes (mutex 3)", "us", median(h, RUNS),
	    "pthread mutex hand-off", median(hb, RUNS));
	row("smem_write_log_event3", "M/s", median(lg, RUNS),
	    "ring under pthread mutex", median(lgb, RUNS));
	printf("\nallocation: 503 ids (9..511) of 64 bytes per fresh heap; only "
	       "the allocation loops are timed\n");
	unlink(path);
	rmdir(dir);
	return 0;
}
