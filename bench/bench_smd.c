/* SPDX-License-Identifier: MIT */
/*
 * bench_smd.c - SMD figures, each next to a baseline measured in the same
 * run.
 *
 *   stream throughput, 64 KiB writes, 8 KiB FIFO    vs a pipe, 64 KiB writes
 *   stream throughput, 64 KiB writes, 64 KiB FIFO   vs the same pipe
 *   64-byte packet round trip (apps -> modem echo)  vs a pipe round trip
 *   single-core memcpy of cache-resident 64 KiB     (the ceiling: each
 *                                                    side copies once)
 *
 * Two real processes (apps writes, the modem reads or echoes).  Every figure
 * is the median of RUNS runs; the ratio is memwire / baseline (throughput:
 * above 1 is faster; latency: below 1 is faster).
 * usage: bench_smd [MIB]
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_smd"
#include "bench.h"
#include "memwire/smd.h"

#define RUNS 5
#define CHUNK (64 * 1024)
#define RT_ROUNDS 20000

static unsigned mib = 256;
static char path[PATH_MAX];
static unsigned run_no;

static void fresh_heap(void)
{
	struct mw_region *r;
	struct smem *sm;
	int ret;

	unlink(path);
	if ((ret = mw_region_create(path, "msm8930", 0x80000000, 0x200000, 0,
				    &r)) ||
	    (ret = smem_open(r, NULL, &sm)) || (ret = smem_init_heap(sm, 0)))
		die("heap", ret);
	smem_close(sm);
	mw_region_close(r);
}

struct side {
	struct mw_region *r;
	struct smem *sm;
	struct smd *d;
	struct smd_ch *ch;
};

static void side_open(struct side *s, const char *proc, const char *name)
{
	int ret;

	if ((ret = mw_region_attach(path, 0, &s->r)) ||
	    (ret = smem_open(s->r, proc, &s->sm)) ||
	    (ret = smd_attach(s->sm, &s->d)))
		die("attach", ret);
	ret = smd_open(s->d, name, SMD_APPS_MODEM,
		       strcmp(proc, "apps") ? SMD_OPEN_REMOTE : 0, 10000,
		       &s->ch);
	if (ret)
		die("open", ret);
}

static void side_close(struct side *s)
{
	smd_close(s->ch);
	smd_detach(s->d);
	smem_close(s->sm);
	mw_region_close(s->r);
}

/* Create the channel as the modem, in the parent, before forking. */
static void create(const char *name, unsigned xfer, uint32_t fifo)
{
	struct mw_region *r;
	struct smem *sm;
	struct smd *d;
	int ret;

	if ((ret = mw_region_attach(path, 0, &r)) ||
	    (ret = smem_open(r, "modem", &sm)) || (ret = smd_attach(sm, &d)))
		die("attach modem", ret);
	ret = smd_create(d, name, SMD_APPS_MODEM, xfer, fifo);
	if (ret < 0)
		die("create", ret);
	smd_detach(d);
	smem_close(sm);
	mw_region_close(r);
}

/* ------------------------------------------------------- throughput */

/* Bytes per second through an SMD stream channel with a @fifo FIFO. */
static double tput_smd(uint32_t fifo)
{
	uint64_t total = (uint64_t)mib << 20;
	static uint8_t buf[CHUNK];
	char name[21];
	struct side s;
	double t0, t1;
	uint64_t done = 0;
	pid_t pid;

	snprintf(name, sizeof(name), "BENCH%u", run_no++);
	fresh_heap();
	create(name, SMD_XFER_STREAM, fifo);
	pid = fork();
	if (pid == 0) {
		uint64_t got = 0;

		side_open(&s, "modem", name);
		while (got < total) {
			ssize_t n = smd_read(s.ch, buf, sizeof(buf), 10000);

			if (n <= 0)
				_exit(2);
			got += (uint64_t)n;
		}
		/* Say "all read" by closing; apps waits for it. */
		side_close(&s);
		_exit(0);
	}
	side_open(&s, "apps", name);
	memset(buf, 0x5a, sizeof(buf));
	t0 = now_s();
	while (done < total) {
		ssize_t n = smd_write(s.ch, buf, sizeof(buf), 10000);

		if (n <= 0)
			die("write", (int)n);
		done += (uint64_t)n;
	}
	reap(pid);
	t1 = now_s();
	side_close(&s);
	return (double)total / (t1 - t0);
}

static double tput_pipe(void)
{
	uint64_t total = (uint64_t)mib << 20, done = 0;
	static uint8_t buf[CHUNK];
	int fds[2];
	double t0, t1;
	pid_t pid;

	if (pipe(fds))
		die("pipe", -errno);
	pid = fork();
	if (pid == 0) {
		uint64_t got = 0;

		close(fds[1]);
		while (got < total) {
			ssize_t n = read(fds[0], buf, sizeof(buf));

			if (n <= 0)
				_exit(2);
			got += (uint64_t)n;
		}
		_exit(0);
	}
	close(fds[0]);
	memset(buf, 0x5a, sizeof(buf));
	t0 = now_s();
	while (done < total) {
		ssize_t n = write(fds[1], buf, sizeof(buf));

		if (n <= 0)
			die("pipe write", -errno);
		done += (uint64_t)n;
	}
	reap(pid);
	t1 = now_s();
	close(fds[1]);
	return (double)total / (t1 - t0);
}

/*
 * One core copying 64 KiB blocks between two cache-resident buffers: the
 * most one side of a channel can move (each side copies once).
 */
static double tput_memcpy(void)
{
	static uint8_t a[CHUNK], b[CHUNK];
	uint64_t total = (uint64_t)mib << 22, done;
	volatile uint8_t sink;
	double t0, t1;

	memset(a, 1, sizeof(a));
	t0 = now_s();
	for (done = 0; done < total; done += CHUNK) {
		memcpy(b, a, CHUNK);
		a[done / CHUNK % CHUNK] ^= b[0]; /* keep the copy alive */
	}
	t1 = now_s();
	sink = b[1];
	(void)sink;
	return (double)total / (t1 - t0);
}

/* ------------------------------------------------------- round trip */

static double rt_smd(void)
{
	uint8_t msg[64], back[64];
	char name[21];
	struct side s;
	double t0, t1;
	unsigned i;
	pid_t pid;

	snprintf(name, sizeof(name), "RT%u", run_no++);
	fresh_heap();
	create(name, SMD_XFER_PACKET, SMD_STANDARD_FIFO);
	pid = fork();
	if (pid == 0) {
		side_open(&s, "modem", name);
		for (i = 0; i < RT_ROUNDS; i++) {
			if (smd_read(s.ch, back, sizeof(back), 10000) != 64 ||
			    smd_write(s.ch, back, 64, 10000) != 64)
				_exit(2);
		}
		side_close(&s);
		_exit(0);
	}
	side_open(&s, "apps", name);
	memset(msg, 7, sizeof(msg));
	t0 = now_s();
	for (i = 0; i < RT_ROUNDS; i++) {
		if (smd_write(s.ch, msg, 64, 10000) != 64 ||
		    smd_read(s.ch, back, sizeof(back), 10000) != 64)
			die("round trip", -EIO);
	}
	t1 = now_s();
	reap(pid);
	side_close(&s);
	return (t1 - t0) / RT_ROUNDS;
}

/* ------------------------------------------------------------ report */

static void row(const char *what, const char *unit, double v,
		const char *base, double b)
{
	printf("%-42s %10.2f %-5s  %-26s %10.2f  ratio %6.2f\n", what, v, unit,
	       base, b, v / b);
}

int main(int argc, char **argv)
{
	double s8[RUNS], s64[RUNS], pp[RUNS], rs[RUNS], rp[RUNS], mc[RUNS];
	char dir[] = "/tmp/memwire-bench.XXXXXX";
	int i;

	if (argc > 1)
		mib = (unsigned)strtoul(argv[1], NULL, 0);
	if (mib < 4)
		mib = 4;
	if (!mkdtemp(dir))
		die("mkdtemp", -errno);
	snprintf(path, sizeof(path), "%s/bench.smem", dir);
	printf("memwire %s bench_smd: %u MiB per throughput run, %u round "
	       "trips, median of %d runs, %ld CPUs\n\n",
	       mw_version(), mib, RT_ROUNDS, RUNS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < RUNS; i++) {
		s8[i] = tput_smd(8192) / (1 << 20);
		s64[i] = tput_smd(65536) / (1 << 20);
		pp[i] = tput_pipe() / (1 << 20);
		rs[i] = rt_smd() * 1e6;
		rp[i] = pipe_round_trip(RT_ROUNDS, 64) * 1e6;
		mc[i] = tput_memcpy() / (1 << 20);
	}
	printf("%-42s %10s %-5s  %-26s %10s\n", "figure", "median", "unit",
	       "baseline (same run)", "median");
	row("stream, 64 KiB writes, 8 KiB FIFO", "MiB/s", median(s8, RUNS),
	    "pipe, 64 KiB writes", median(pp, RUNS));
	row("stream, 64 KiB writes, 64 KiB FIFO", "MiB/s", median(s64, RUNS),
	    "pipe, 64 KiB writes", median(pp, RUNS));
	row("64-byte packet round trip", "us", median(rs, RUNS),
	    "pipe round trip", median(rp, RUNS));
	row("stream, 64 KiB FIFO, against the ceiling", "MiB/s",
	    median(s64, RUNS), "memcpy 64 KiB, one core", median(mc, RUNS));
	unlink(path);
	rmdir(dir);
	return 0;
}
