/* SPDX-License-Identifier: MIT */
/*
 * bench_hgcm.c - HGCM figures, each next to a baseline measured in the same
 * run.
 *
 *   null call round trip (memwire.echo NULL)        vs a pipe round trip
 *   1 MiB ECHO calls, guest-RAM buffers (page lists) vs memcpy of 1 MiB
 *   1 MiB ECHO calls, process buffers (bounced)      vs the same memcpy
 *
 * The host runs in a forked process (hgcm_host_run with memwire.echo), the
 * guest in this one: two real processes, the guest RAM memfd between them.
 * Throughput counts 1 MiB per call (the buffer the guest sends; the same
 * megabyte comes back).  Every figure is the median of RUNS runs; ratios
 * are memwire / baseline.
 * usage: bench_hgcm [CALLS_1MIB]
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_NAME "bench_hgcm"
#include "bench.h"
#include "memwire/hgcm.h"

#define RUNS 5
#define RT_ROUNDS 20000
#define MIB (1u << 20)

static unsigned big_calls = 400;
static char sock[PATH_MAX];

static struct hgcm_host *child_host;

static void on_term(int sig)
{
	hgcm_host_stop(child_host);
}

static pid_t start_host(void)
{
	struct hgcm_host_opts o = { .socket_path = sock, .workers = 2 };
	struct hgcm_host *h;
	pid_t pid;

	unlink(sock);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		h = hgcm_host_new(&o);
		if (!h || hgcm_host_register_echo(h))
			_exit(3);
		child_host = h;
		signal(SIGTERM, on_term);
		hgcm_host_run(h);
		_exit(0);
	}
	for (int i = 0; i < 500 && access(sock, F_OK); i++)
		usleep(2000);
	return pid;
}

static double rt_null(struct hgcm_guest *g, uint32_t id)
{
	double t0, t1;
	unsigned i;

	t0 = now_s();
	for (i = 0; i < RT_ROUNDS; i++)
		if (hgcm_call(g, id, ECHO_FN_NULL, NULL, 0, 5000, 0))
			die("null call", -EIO);
	t1 = now_s();
	return (t1 - t0) / RT_ROUNDS;
}

/* 1 MiB ECHO calls; @pages: buffers in guest RAM, else process buffers. */
static double tput_echo(struct hgcm_guest *g, uint32_t id, bool pages)
{
	static uint8_t *in, *out;
	struct hgcm_parm p[3];
	uint64_t pin = 0, pout = 0;
	double t0, t1;
	unsigned i;

	if (!in) {
		in = malloc(MIB);
		out = malloc(MIB);
		if (!in || !out)
			die("malloc", -ENOMEM);
		for (i = 0; i < MIB; i++)
			in[i] = (uint8_t)(i * 7 + 1);
	}
	if (pages) {
		if (hgcm_buf_alloc(g, MIB, &pin) || hgcm_buf_alloc(g, MIB, &pout))
			die("guest RAM", -ENOMEM);
		memcpy(hgcm_guest_ptr(g, pin, MIB), in, MIB);
	}
	memset(p, 0, sizeof(p));
	t0 = now_s();
	for (i = 0; i < big_calls; i++) {
		if (pages) {
			p[0].type = HGCM_PARM_PAGELIST;
			p[0].u.pages.phys = pin;
			p[0].u.pages.size = MIB;
			p[0].u.pages.dir = HGCM_DIR_TO_HOST;
			p[1].type = HGCM_PARM_PAGELIST;
			p[1].u.pages.phys = pout;
			p[1].u.pages.size = MIB;
			p[1].u.pages.dir = HGCM_DIR_FROM_HOST;
		} else {
			p[0].type = HGCM_PARM_LINADDR_IN;
			p[0].u.buf.ptr = in;
			p[0].u.buf.size = MIB;
			p[1].type = HGCM_PARM_LINADDR_OUT;
			p[1].u.buf.ptr = out;
			p[1].u.buf.size = MIB;
		}
		p[2].type = HGCM_PARM_32BIT;
		if (hgcm_call(g, id, ECHO_FN_ECHO, p, 3, 5000, 0) ||
		    p[2].u.u32 != MIB)
			die("echo call", -EIO);
	}
	t1 = now_s();
	/* the data really went through */
	if (memcmp(pages ? hgcm_guest_ptr(g, pout, MIB) : (void *)out, in, MIB))
		die("echo data differs", -EIO);
	if (pages) {
		hgcm_buf_free(g, pin);
		hgcm_buf_free(g, pout);
	}
	return (double)big_calls * MIB / (t1 - t0);
}

static double tput_memcpy(void)
{
	static uint8_t *a, *b;
	double t0, t1;
	unsigned i;

	if (!a) {
		a = malloc(MIB);
		b = malloc(MIB);
		if (!a || !b)
			die("malloc", -ENOMEM);
		memset(a, 1, MIB);
		memset(b, 2, MIB);
	}
	t0 = now_s();
	for (i = 0; i < big_calls * 4; i++) {
		memcpy(b, a, MIB);
		__asm__ volatile("" ::"r"(b) : "memory");
	}
	t1 = now_s();
	return (double)big_calls * 4 * MIB / (t1 - t0);
}

static void row(const char *what, const char *unit, double v,
		const char *base, double b)
{
	printf("%-42s %10.2f %-5s  %-26s %10.2f  ratio %6.2f\n", what, v, unit,
	       base, b, v / b);
}

int main(int argc, char **argv)
{
	double rn[RUNS], rp[RUNS], tp[RUNS], tl[RUNS], mc[RUNS];
	char dir[] = "/tmp/memwire-bench.XXXXXX";
	struct hgcm_guest *g;
	int64_t id;
	pid_t host;
	int i;

	if (argc > 1)
		big_calls = (unsigned)strtoul(argv[1], NULL, 0);
	if (big_calls < 10)
		big_calls = 10;
	if (!mkdtemp(dir))
		die("mkdtemp", -errno);
	snprintf(sock, sizeof(sock), "%s/hgcm.sock", dir);
	host = start_host();
	g = hgcm_guest_open(sock, 64ull << 20);
	if (!g)
		die("guest", -EIO);
	id = hgcm_connect(g, "memwire.echo", 5000);
	if (id < 0)
		die("connect", -EIO);
	printf("memwire %s bench_hgcm: %u null calls, %u calls of 1 MiB, "
	       "median of %d runs, %ld CPUs\n\n",
	       mw_version(), RT_ROUNDS, big_calls, RUNS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < RUNS; i++) {
		rn[i] = rt_null(g, (uint32_t)id) * 1e6;
		rp[i] = pipe_round_trip(RT_ROUNDS, 4) * 1e6;
		tp[i] = tput_echo(g, (uint32_t)id, true) / 1e9;
		tl[i] = tput_echo(g, (uint32_t)id, false) / 1e9;
		mc[i] = tput_memcpy() / 1e9;
	}
	printf("%-42s %10s %-5s  %-26s %10s\n", "figure", "median", "unit",
	       "baseline (same run)", "median");
	row("null call round trip", "us", median(rn, RUNS), "pipe round trip",
	    median(rp, RUNS));
	row("1 MiB ECHO calls, guest-RAM page lists", "GB/s", median(tp, RUNS),
	    "memcpy 1 MiB, one core", median(mc, RUNS));
	row("1 MiB ECHO calls, bounced process memory", "GB/s",
	    median(tl, RUNS), "memcpy 1 MiB, one core", median(mc, RUNS));
	hgcm_disconnect(g, (uint32_t)id, 5000);
	hgcm_guest_close(g);
	kill(host, SIGTERM);
	reap(host);
	unlink(sock);
	rmdir(dir);
	return 0;
}
