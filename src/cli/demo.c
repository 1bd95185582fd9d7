/* SPDX-License-Identifier: MIT */
/*
 * demo.c - `memwire demo`: real processes on one emulated msm8930.
 *
 * The parent is the apps processor; it forks modem and q6 processes that
 * attach to the same region file.  Every step is synchronised by interrupt
 * lines (doorbells), every wait has a timeout, and every child is ended by
 * its pid:
 *
 *   0. SBL:     the heap is formatted as the boot loader does, socinfo
 *               (item 137) written; apps allocates the demo's counter item
 *   1. ready:   each child attaches, works on the heap (modem creates the
 *               SMEM log and the SMSM items, q6 asks for the same log
 *               items, both register the SMD version and write log events)
 *               and raises apps.smd.<child>
 *   2. mutex:   apps rings modem/q6 ("go"); all three take hardware mutex 3
 *               ROUNDS times and increment a counter in shared memory
 *   3. ping:    apps writes the modem (q6) doorbell bit, the child answers
 *               on apps.smd.<child>; round trips are timed
 *   4. restart: a wcnss process takes mutex 5 and is killed with SIGKILL;
 *               apps' lock on 5 notices the dead owner and takes over
 *   4. smd:     the modem creates LOOPBACK and echoes once apps raises the
 *               SMSM loopback bit; apps opens it, sends megabytes of random
 *               data and checks every byte that comes back
 *   5. restart: (above)
 *   6. heap:    apps logs its own events, checks the version agreement and
 *               validates the heap; then `smem show`, `smem log`, `smd ls`
 *   7. hda:     a boot of QEMU's emulated codec (hda-duplex), captured
 *               live by `memwire hda qemu` (tests/data/hda/qemu-boot.jsonl,
 *               built in), decoded into the text form and an hda-verb
 *               script
 *   8. shfl:    a temporary directory served as VBoxSharedFolders over HGCM
 *               by a real `shfl serve` process and mounted through FUSE by
 *               a real `shfl mount` process; files written and read back
 *               through the mount, both listings, the throughput
 *               (demo_shfl.c)
 *
 * The region file lives in a fresh temporary directory, removed at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shfl_cli.h"
#include "core/barrier.h"
#include "memwire/hda.h"
#include "memwire/smd.h"
#include "memwire/smem.h"

/* tests/data/hda/qemu-boot.jsonl, built in (src/hda/meson.build) */
extern const char hda_demo_capture[];
extern const size_t hda_demo_capture_len;

#define STEP_TIMEOUT_MS 10000
#define DEMO_TIMEOUT_MS 60000
#define MAX_ROUNDS 100000
#define APCS_IPC 0x02011008u
#define DEMO_LOCK 3
#define RESTART_LOCK 5
#define SCRATCH_ITEM SMEM_ID_VENDOR0_ITEM
#define SMEM_ID_VENDOR0_ITEM 134
#define SMD_VERSION 0x00020000u /* msm smd.c's SMD_VERSION */
#define ECHO_BYTES (8u << 20)

/* The demo's shared words: an SMEM item (134, SMEM_ID_VENDOR0). */
struct demo_shared {
	uint32_t counter;
	uint32_t last_owner;
	uint32_t handoffs;
};

struct demo {
	char dir[PATH_MAX - 64];
	char path[PATH_MAX];
	struct mw_region *r;
	struct mw_soc *s;
	struct smem *sm;
	const struct mw_platform *p;
	struct demo_shared *sh;
	unsigned rounds;
	pid_t kids[3];
	const char *kid_names[3];
	unsigned nkids;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int line_of(const struct mw_platform *p, const char *name)
{
	int l = mw_platform_line(p, name);

	if (l < 0) /* a bug in the platform table, not user input */
		abort();
	return l;
}

static struct demo_shared *scratch(const struct smem *sm)
{
	void *ptr = NULL;

	if (smem_find(sm, SCRATCH_ITEM, sizeof(struct demo_shared), &ptr))
		return NULL;
	return ptr;
}

/*
 * A remote processor's work on the heap: the modem owns the SMEM log and
 * the SMSM state; q6 asks for the same log items (allocating an existing
 * item returns it); both register their SMD version and log an event.
 */
static int child_heap(struct smem *sm, const char *proc)
{
	bool modem = !strcmp(proc, "modem");
	uint32_t *smsm;
	void *p;

	if (smem_init_log_buffer(sm, SMEM_LOG_MAIN))
		return 1;
	if (modem) {
		/* SMSM: size info {hosts, entries}, then the state words;
		 * the modem's entry says INIT|SMDINIT|RPCINIT|RUN. */
		if (smem_alloc(sm, SMEM_SMSM_SIZE_INFO, 16, &p))
			return 2;
		MW_WRITE_ONCE(((uint32_t *)p)[0], 3);
		MW_WRITE_ONCE(((uint32_t *)p)[1], 8);
		if (smem_alloc(sm, SMEM_SMSM_SHARED_STATE, 8 * 4, &p))
			return 3;
		smsm = p;
		MW_WRITE_ONCE(smsm[1], 0x1u | 0x8u | 0x20u | 0x100u);
	}
	/* What smem_init does on every processor (major only), then SMD. */
	if (smem_version_set(sm, SMEM_VERSION_INFO,
			     (uint32_t)SMEM_VERSION_MAJOR_V11 << 16,
			     SMEM_MAJOR_VERSION_MASK) != 1 ||
	    smem_version_set(sm, SMEM_VERSION_SMD, SMD_VERSION,
			     SMEM_FULL_VERSION_MASK) != 1)
		return 4;
	/* MODEM/Q6 SMEM INIT, then an ONCRPC RPC_INIT with 6 words. */
	if (smem_write_log_event3(sm, SMEM_LOG_MAIN,
				  (modem ? 0x00000000u : 0x40000000u) |
					  0x00020002u,
				  1, 2, 3))
		return 5;
	if (smem_write_log_event6(sm, SMEM_LOG_MAIN,
				  (modem ? 0x00000000u : 0x40000000u) |
					  0x00010003u,
				  10, 11, 12, 13, 14, 15) != 1)
		return 6;
	return 0;
}

/* The increments of step 2, run by every process. */
static int contend(struct mw_soc *s, struct demo_shared *sh, unsigned rounds,
		   uint32_t me)
{
	unsigned i;

	for (i = 0; i < rounds; i++) {
		int ret = mw_hwmutex_lock(s, DEMO_LOCK, STEP_TIMEOUT_MS);

		if (ret)
			return ret;
		/* Under the mutex: plain accesses would do, but the words
		 * are shared with other processes, so keep them atomic. */
		if (MW_READ_ONCE(sh->last_owner) != me) {
			MW_WRITE_ONCE(sh->last_owner, me);
			MW_WRITE_ONCE(sh->handoffs, MW_READ_ONCE(sh->handoffs) + 1);
		}
		MW_WRITE_ONCE(sh->counter, MW_READ_ONCE(sh->counter) + 1);
		ret = mw_hwmutex_unlock(s, DEMO_LOCK);
		if (ret)
			return ret;
	}
	return 0;
}

/* A remote processor: modem or q6. Returns the exit status. */
/*
 * Step 4, the modem's side: LOOPBACK, echoing only after apps raised
 * SMSM_SMD_LOOPBACK (§6.10), until apps closes it.
 */
static int modem_loopback(struct smem *sm)
{
	static uint8_t buf[65536];
	struct smd_ch *ch;
	struct smd *d;
	uint32_t apps = 0;
	int ret = 0;

	if (smd_attach(sm, &d))
		return 1;
	if (smd_create(d, "LOOPBACK", SMD_APPS_MODEM, SMD_XFER_STREAM,
		       SMD_STANDARD_FIFO) < 0 ||
	    smd_open(d, "LOOPBACK", SMD_APPS_MODEM,
		     SMD_OPEN_REMOTE | SMD_OPEN_NOWAIT, STEP_TIMEOUT_MS, &ch)) {
		smd_detach(d);
		return 2;
	}
	for (;;) {
		ssize_t n, w, off;

		if (!(apps & SMSM_SMD_LOOPBACK)) {
			smd_smsm_get(d, 0, &apps);
			smd_wait_irq(ch, 10);
			continue;
		}
		n = smd_read(ch, buf, sizeof(buf), STEP_TIMEOUT_MS);
		if (n == -EPIPE)
			break; /* apps closed: done */
		if (n < 0) {
			ret = 3;
			break;
		}
		for (off = 0; off < n; off += w) {
			w = smd_write(ch, buf + off, (size_t)(n - off),
				      STEP_TIMEOUT_MS);
			if (w <= 0) {
				ret = 4;
				goto out;
			}
		}
	}
out:
	smd_close(ch);
	smd_detach(d);
	return ret;
}

static int child_main(const char *path, const char *proc, unsigned rounds)
{
	const struct mw_platform *p;
	struct demo_shared *sh;
	struct mw_region *r;
	struct mw_soc *s;
	struct smem *sm;
	char in[32], out[32];
	int lin, lout, ret;
	unsigned i;

	if (mw_region_attach(path, 0, &r))
		return 10;
	if (mw_soc_open(r, proc, &s))
		return 11;
	if (smem_open_soc(s, &sm) || !(sh = scratch(sm)))
		return 18;
	ret = child_heap(sm, proc);
	if (ret)
		return 30 + ret;
	p = mw_soc_platform(s);
	snprintf(in, sizeof(in), "%s.smd.apps", proc);
	snprintf(out, sizeof(out), "apps.smd.%s", proc);
	lin = line_of(p, in);
	lout = line_of(p, out);
	if (mw_irq_raise(s, (unsigned)lout)) /* ready */
		return 12;
	if (mw_irq_wait(s, (unsigned)lin, STEP_TIMEOUT_MS) < 0) /* go */
		return 13;
	ret = contend(s, sh, rounds, mw_platform_proc(p, proc) + 1u);
	if (ret)
		return 14;
	if (mw_irq_raise(s, (unsigned)lout)) /* done */
		return 15;
	for (i = 0; i < rounds; i++) { /* ping-pong */
		/* The first ping waits for the other child's whole ping
		 * phase: allow it the demo's overall bound. */
		if (mw_irq_wait(s, (unsigned)lin,
				i ? STEP_TIMEOUT_MS : DEMO_TIMEOUT_MS) < 0)
			return 16;
		if (mw_irq_raise(s, (unsigned)lout))
			return 17;
	}
	if (!strcmp(proc, "modem") && (ret = modem_loopback(sm)))
		return 40 + ret;
	smem_close(sm);
	mw_soc_close(s);
	mw_region_close(r);
	return 0;
}

/* The wcnss process of step 4: take a lock, say so, wait to be killed. */
static int restart_main(const char *path)
{
	struct mw_region *r;
	struct mw_soc *s;

	if (mw_region_attach(path, 0, &r) || mw_soc_open(r, "wcnss", &s))
		return 20;
	if (mw_hwmutex_lock(s, RESTART_LOCK, STEP_TIMEOUT_MS))
		return 21;
	if (mw_irq_raise(s, (unsigned)line_of(mw_soc_platform(s),
					      "apps.smd.wcnss")))
		return 22;
	sleep(STEP_TIMEOUT_MS / 1000); /* killed long before */
	return 23;
}

static pid_t spawn(struct demo *d, const char *proc, int (*fn)(struct demo *, const char *))
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fn(d, proc));
	if (pid > 0) {
		d->kids[d->nkids] = pid;
		d->kid_names[d->nkids++] = proc;
	}
	return pid;
}

static int run_remote(struct demo *d, const char *proc)
{
	return child_main(d->path, proc, d->rounds);
}

static int run_restart(struct demo *d, const char *proc)
{
	return restart_main(d->path);
}

static int wait_line(struct demo *d, const char *name)
{
	int ret = mw_irq_wait(d->s, (unsigned)line_of(d->p, name),
			      STEP_TIMEOUT_MS);

	return ret < 0 ? fail_lib(ret) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Step 3: doorbell round trips apps -> @proc -> apps. */
static int ping(struct demo *d, const char *proc, uint32_t bit)
{
	uint64_t *rtt = calloc(d->rounds, sizeof(*rtt));
	char back[32];
	unsigned i;
	int lback, ret = EXIT_OK;

	if (!rtt)
		return fail("out of memory");
	snprintf(back, sizeof(back), "apps.smd.%s", proc);
	lback = line_of(d->p, back);
	for (i = 0; i < d->rounds; i++) {
		uint64_t t0 = now_ns();
		int n;

		n = mw_doorbell_write(d->s, APCS_IPC, bit);
		if (n != 1) {
			ret = n < 0 ? fail_lib(n)
				    : fail("doorbell bit 0x%x raised %d lines",
					   bit, n);
			goto out;
		}
		n = mw_irq_wait(d->s, (unsigned)lback, STEP_TIMEOUT_MS);
		if (n < 0) {
			ret = fail_lib(n);
			goto out;
		}
		rtt[i] = now_ns() - t0;
	}
	qsort(rtt, d->rounds, sizeof(*rtt), cmp_u64);
	open_object(NULL);
	print_str("edge", "  apps -> %-5s -> apps", proc);
	print_u64("rounds", "  %llu round trips", d->rounds);
	print_float("median_us", "  median %.1f us", rtt[d->rounds / 2] / 1e3);
	print_float("p99_us", "  p99 %.1f us\n",
		    rtt[(size_t)d->rounds * 99 / 100] / 1e3);
	close_object();
out:
	free(rtt);
	return ret;
}

/* Wait for every child, killing (by pid) any still alive at the deadline. */
static int reap_kids(struct demo *d, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int ret = EXIT_OK;
	unsigned i;

	for (i = 0; i < d->nkids; i++) {
		int status = 0;
		pid_t w;

		while ((w = waitpid(d->kids[i], &status, WNOHANG)) == 0 &&
		       now_ns() < deadline)
			usleep(1000);
		if (w == 0) {
			kill(d->kids[i], SIGKILL);
			waitpid(d->kids[i], &status, 0);
			ret = fail("%s process %d did not finish in time",
				   d->kid_names[i], (int)d->kids[i]);
		} else if (w > 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
			ret = fail("%s process %d failed (status 0x%x)",
				   d->kid_names[i], (int)d->kids[i], status);
		}
	}
	d->nkids = 0;
	return ret;
}

static int step_mutex(struct demo *d)
{
	uint32_t expected = 3 * d->rounds, counter;
	int ret;

	ret = mw_doorbell_write(d->s, APCS_IPC, 1u << 3 | 1u << 15); /* go */
	if (ret != 2)
		return ret < 0 ? fail_lib(ret) : fail("go: %d lines raised", ret);
	ret = contend(d->s, d->sh, d->rounds, 1);
	if (ret)
		return fail_lib(ret);
	if ((ret = wait_line(d, "apps.smd.modem")) ||
	    (ret = wait_line(d, "apps.smd.q6")))
		return ret;
	counter = MW_READ_ONCE(d->sh->counter);
	open_object("mutex");
	print_u64("lock", "hardware mutex %llu: ", DEMO_LOCK);
	print_u64("processes", "%llu processes x ", 3);
	print_u64("rounds", "%llu rounds -> counter ", d->rounds);
	print_u64("counter", "%llu ", counter);
	print_u64("expected", "(expected %llu), ", expected);
	print_u64("handoffs", "%llu hand-offs between processors\n",
		  MW_READ_ONCE(d->sh->handoffs));
	close_object();
	if (counter != expected)
		return fail("mutual exclusion broken: counter %u, expected %u",
			    counter, expected);
	return 0;
}

static int step_restart(struct demo *d)
{
	uint64_t t0;
	uint32_t owner = 0;
	pid_t pid;
	int ret;

	pid = spawn(d, "wcnss", run_restart);
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if ((ret = wait_line(d, "apps.smd.wcnss")))
		return ret;
	mw_hwmutex_owner(d->s, RESTART_LOCK, &owner);
	kill(pid, SIGKILL); /* subsystem crash, by pid */
	t0 = now_ns();
	ret = mw_hwmutex_lock(d->s, RESTART_LOCK, STEP_TIMEOUT_MS);
	if (ret)
		return fail_lib(ret);
	open_object("restart");
	print_str("processor", "restart: %s ", "wcnss");
	print_i64("pid", "(pid %lld) ", pid);
	print_u64("lock", "killed holding mutex %llu", RESTART_LOCK);
	print_u64("owner_before", " (owner id %llu); ", owner);
	print_float("takeover_ms", "apps took it over after %.1f ms\n",
		    (now_ns() - t0) / 1e6);
	close_object();
	return mw_hwmutex_unlock(d->s, RESTART_LOCK) ? fail_lib(-1) : 0;
}

/* Step 4: LOOPBACK from apps, megabytes echoed and checked. */
static int step_smd(struct demo *d)
{
	static uint8_t out[1u << 20], in[1u << 20];
	uint64_t sent = 0, got = 0, t0, t1, x = 0x9E3779B97F4A7C15ull;
	uint32_t apps = 0;
	struct smd_ch *ch;
	struct smd *sd;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(out); i++) { /* xorshift: reproducible data */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		out[i] = (uint8_t)x;
	}
	ret = smd_attach(d->sm, &sd);
	if (ret)
		return fail_lib(ret);
	ret = smd_open(sd, "LOOPBACK", SMD_APPS_MODEM, 0, STEP_TIMEOUT_MS, &ch);
	if (ret) {
		smd_detach(sd);
		return fail_lib(ret);
	}
	smd_smsm_get(sd, 0, &apps);
	t0 = now_ns();
	while (got < ECHO_BYTES) {
		bool moved = false;
		ssize_t n;

		if (sent < ECHO_BYTES) {
			size_t at = sent % sizeof(out);
			size_t len = sizeof(out) - at;

			if (len > ECHO_BYTES - sent)
				len = ECHO_BYTES - sent;
			n = smd_write(ch, out + at, len, 0);
			if (n > 0) {
				sent += (uint64_t)n;
				moved = true;
			} else if (n != -EAGAIN) {
				ret = fail_lib((int)n);
				goto out;
			}
		}
		/* Read at most up to the pattern's end, so one memcmp checks. */
		n = smd_read(ch, in, sizeof(out) - got % sizeof(out), 0);
		if (n > 0) {
			size_t at = got % sizeof(out);

			if (memcmp(in, out + at, (size_t)n)) {
				for (i = 0; in[i] == out[at + i]; i++)
					;
				ret = fail("LOOPBACK: byte %llu differs",
					   (unsigned long long)(got + i));
				goto out;
			}
			got += (uint64_t)n;
			moved = true;
		} else if (n != -EAGAIN) {
			ret = fail_lib((int)n);
			goto out;
		}
		if (!moved && (ret = smd_wait_irq(ch, STEP_TIMEOUT_MS))) {
			ret = fail_lib(ret);
			goto out;
		}
	}
	t1 = now_ns();
	open_object("smd");
	print_str("channel", "smd: %s", "LOOPBACK");
	print_bool("smsm_loopback", NULL, (apps & SMSM_SMD_LOOPBACK) != 0);
	print_text(" (apps SMSM 0x%08x)", apps);
	print_u64("bytes", ": %llu bytes echoed by the modem", got);
	print_text(" and checked");
	print_float("mib_per_s", ", %.0f MiB/s each way\n",
		    (double)got / (1 << 20) / ((t1 - t0) / 1e9));
	close_object();
	ret = 0;
out:
	smd_close(ch); /* the modem's echo loop ends on our close */
	smd_detach(sd);
	return ret;
}

/* Step 0: the boot loader's heap, socinfo, and the demo's counter item. */
static int step_sbl(struct demo *d)
{
	static const char build_id[32] = "M8930BAAAANAZM-memwire-demo";
	struct smem *sbl;
	uint32_t *si;
	void *p;
	int ret;

	/* SBL: no processor holds anything yet. */
	ret = smem_open(d->r, NULL, &sbl);
	if (!ret)
		ret = smem_init_heap(sbl, 0);
	smem_close(sbl);
	if (ret)
		return fail_lib(ret);
	ret = smem_open_soc(d->s, &d->sm);
	if (ret)
		return fail_lib(ret);
	/* socinfo format 7: MSM8930 (id 116) v1.0, written by the SBL role
	 * through apps' mutex (the real SBL owns the heap alone). */
	ret = smem_alloc(d->sm, SMEM_HW_SW_BUILD_ID, 0x4C, &p);
	if (ret)
		return fail_lib(ret);
	si = p;
	si[0] = 7;
	si[1] = 116;
	si[2] = 0x00010000;
	memcpy(&si[3], build_id, sizeof(build_id));
	ret = smem_alloc(d->sm, SCRATCH_ITEM, sizeof(struct demo_shared), &p);
	if (ret)
		return fail_lib(ret);
	d->sh = p;
	open_object("sbl");
	print_str("heap", "SBL: heap formatted (SMEM version %s)", "11");
	print_str("socinfo", ", socinfo %s v1.0", "MSM8930");
	print_u64("scratch_item", ", demo counter in item %llu\n",
		  SCRATCH_ITEM);
	close_object();
	return 0;
}

/* Step 5: apps' own log events, the version check, validation, views. */
static int step_heap(struct demo *d)
{
	int ret;

	ret = smem_write_log_event3(d->sm, SMEM_LOG_MAIN, 0x80020008u, 0x134,
				    sizeof(struct demo_shared), 0);
	if (!ret)
		ret = smem_write_log_event6(d->sm, SMEM_LOG_MAIN, 0x8001000Au,
					    1, 2, 3, 4, 5, 6);
	if (ret < 0)
		return fail_lib(ret);
	ret = smem_version_set(d->sm, SMEM_VERSION_INFO,
			       (uint32_t)SMEM_VERSION_MAJOR_V11 << 16,
			       SMEM_MAJOR_VERSION_MASK);
	if (ret == 1)
		ret = smem_version_set(d->sm, SMEM_VERSION_SMD, SMD_VERSION,
				       SMEM_FULL_VERSION_MASK);
	if (ret < 0)
		return fail_lib(ret);
	open_object("heap");
	print_u64("smd_version", "heap: SMD version 0x%08llx ", SMD_VERSION);
	print_bool("smd_versions_agree", NULL, ret == 1);
	print_text("%s", ret == 1 ? "and SMEM major 11 agreed by apps, modem "
				    "and q6"
				  : "DIFFERS");
	ret = smem_validate(d->sm);
	print_bool("valid", NULL, ret == 0);
	print_text("; the heap %s\n",
		   ret == 0 ? "validates" : mw_last_error());
	close_object();
	if (ret)
		return fail_lib(ret);
	print_text("\n$ memwire smem show\n");
	open_object("smem");
	ret = print_smem_heap(d->sm, "file");
	close_object();
	if (ret)
		return ret;
	print_text("\n$ memwire smem log --oldest-first\n");
	open_object("smem_log");
	ret = print_smem_log(d->sm, SMEM_LOG_MAIN, SMEM_LOG_OLDEST_FIRST, 20);
	close_object();
	if (ret)
		return ret;
	print_text("\n$ memwire smd ls\n");
	open_object("smd_ls");
	{
		struct smd *sd;

		ret = smd_attach(d->sm, &sd);
		if (ret)
			return fail_lib(ret);
		ret = print_smd_list(sd);
		smd_detach(sd);
	}
	close_object();
	return ret;
}

/* One format of the built-in HDA capture, into a malloc'd string. */
static int hda_render(enum hda_format fmt, char **out, uint64_t *count)
{
	struct hda_writer *w;
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int ret;

	if (!f)
		return fail("open_memstream: %s", strerror(errno));
	ret = hda_writer_new(fmt, f, NULL, &w);
	if (!ret)
		ret = hda_import_text(HDA_IMPORT_JSON, "qemu-boot.jsonl",
				      hda_demo_capture, hda_demo_capture_len,
				      hda_writer_sink, w);
	if (ret >= 0) {
		*count = (uint64_t)ret;
		ret = hda_writer_finish(w);
	}
	hda_writer_free(w);
	fclose(f);
	if (ret < 0) {
		free(*out);
		*out = NULL;
		return fail_lib(ret);
	}
	return 0;
}

static int step_hda(void)
{
	char *text = NULL, *script = NULL;
	uint64_t n = 0, sets;
	const char *p;
	int ret;

	ret = hda_render(HDA_FORMAT_TEXT, &text, &n);
	if (!ret)
		ret = hda_render(HDA_FORMAT_HDA_VERB, &script, &sets);
	if (ret)
		goto out;
	sets = 0;
	for (p = strstr(script, "\nhda-verb "); p;
	     p = strstr(p + 1, "\nhda-verb "))
		sets++;
	open_object("hda");
	print_text("\nhda: a Linux guest booting against QEMU's intel-hda + "
		   "hda-duplex, captured live by\n`memwire hda qemu --format "
		   "json` (tests/data/hda/qemu-boot.jsonl)\n"
		   "\n$ memwire hda import qemu-boot.jsonl\n");
	print_str("source", NULL, "tests/data/hda/qemu-boot.jsonl");
	print_u64("exchanges", NULL, n);
	print_u64("sets", NULL, sets);
	print_text("%s", text);
	print_text("\n$ memwire hda import qemu-boot.jsonl --format "
		   "hda-verb\n");
	print_str("hda_verb", "%s", script);
	close_object();
out:
	free(text);
	free(script);
	return ret;
}

static int demo_run(struct demo *d)
{
	unsigned i;
	int ret;

	ret = mw_region_create(d->path, "msm8930", 0x80000000u, 0x200000u,
			       MW_REGION_EXCL, &d->r);
	if (ret)
		return fail_lib(ret);
	ret = mw_soc_open(d->r, "apps", &d->s);
	if (ret)
		return fail_lib(ret);
	d->p = mw_soc_platform(d->s);
	print_str("region", "region %s (msm8930, 2 MiB at 0x80000000)\n",
		  d->path);
	if ((ret = step_sbl(d)))
		return ret;
	if (spawn(d, "modem", run_remote) < 0 || spawn(d, "q6", run_remote) < 0)
		return fail("fork: %s", strerror(errno));
	if ((ret = wait_line(d, "apps.smd.modem")) ||
	    (ret = wait_line(d, "apps.smd.q6")))
		return ret;
	open_array("processes");
	print_text("processes:");
	for (i = 0; i <= d->nkids; i++) {
		open_object(NULL);
		print_text("%s", i ? "," : "");
		print_str("name", " %s", i ? d->kid_names[i - 1] : "apps");
		print_i64("pid", " %lld", i ? d->kids[i - 1] : getpid());
		close_object();
	}
	print_text("\n");
	close_array();
	if ((ret = step_mutex(d)))
		return ret;
	open_array("doorbells");
	if ((ret = ping(d, "modem", 1u << 3)) || (ret = ping(d, "q6", 1u << 15)))
		return ret;
	close_array();
	if ((ret = step_smd(d)))
		return ret;
	if ((ret = reap_kids(d, STEP_TIMEOUT_MS)))
		return ret;
	if ((ret = step_restart(d)))
		return ret;
	if ((ret = step_heap(d)))
		return ret;
	open_array("lines");
	print_text("interrupts delivered:");
	for (i = 0; i < d->p->nlines; i++) {
		uint64_t n = mw_irq_count(d->s, i);

		if (!n)
			continue;
		open_object(NULL);
		print_str("name", " %s", d->p->lines[i].name);
		print_u64("raised", "=%llu", n);
		close_object();
	}
	print_text("\n");
	close_array();
	if ((ret = step_hda()))
		return ret;
	return demo_shfl();
}

int do_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct demo d = { .rounds = 2000 };
	const char *tmp = getenv("TMPDIR");
	uint64_t v;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'r')
			return usage_error("demo: unknown option '%s' (expected "
					   "--rounds N)",
					   argv[optind - 1]);
		if (parse_u64(optarg, "--rounds", false, &v))
			return EXIT_USAGE;
		if (v < 1 || v > MAX_ROUNDS)
			return usage_error("--rounds: %llu is not in 1..%u",
					   (unsigned long long)v, MAX_ROUNDS);
		d.rounds = (unsigned)v;
	}
	if (optind < argc)
		return usage_error("demo: unexpected argument '%s'", argv[optind]);
	snprintf(d.dir, sizeof(d.dir), "%s/memwire-demo.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d.dir))
		return fail("creating a temporary directory: %s", strerror(errno));
	snprintf(d.path, sizeof(d.path), "%s/msm8930.smem", d.dir);

	ret = demo_run(&d);

	/* Whatever happened: end every child by its pid, remove the files. */
	for (c = 0; c < (int)d.nkids; c++) {
		kill(d.kids[c], SIGKILL);
		waitpid(d.kids[c], NULL, 0);
	}
	smem_close(d.sm);
	mw_soc_close(d.s);
	mw_region_close(d.r);
	unlink(d.path);
	rmdir(d.dir);
	return ret;
}
