/* SPDX-License-Identifier: MIT */
/*
 * bench_core.c - doorbell and hardware-mutex figures, each next to a
 * baseline measured in the same run.
 *
 *   doorbell round trip (2 processes)   vs pipe and UNIX-socket round trips
 *   hwmutex lock+unlock, uncontended    vs a process-shared pthread mutex
 *   hwmutex lock+unlock, 2 processes    vs the same pthread mutex, contended
 *
 * Every figure is the median of RUNS runs; ratios are memwire / baseline
 * (for latencies below 1 is faster, for rates above 1 is faster).
 * usage: bench_core [ROUNDS]
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_core"
#include "bench.h"
#include "memwire/core.h"

#define RUNS 5
#define APCS 0x02011008u

static unsigned rounds = 50000;
static char path[PATH_MAX];

/* -------------------------------------------------- round-trip latency */

/* Doorbell ping-pong; returns seconds per round trip. */
static double rt_doorbell(unsigned spin)
{
	struct mw_region *r;
	struct mw_soc *s;
	int to_modem, to_apps, ret;
	double t0, t1;
	unsigned i;
	pid_t pid;

	if ((ret = mw_region_attach(path, 0, &r)) ||
	    (ret = mw_soc_open(r, "apps", &s)))
		die("attach apps", ret);
	mw_soc_set_spin(s, spin);
	to_modem = mw_platform_line(mw_soc_platform(s), "modem.smd.apps");
	to_apps = mw_platform_line(mw_soc_platform(s), "apps.smd.modem");
	pid = fork();
	if (pid == 0) {
		struct mw_region *rc;
		struct mw_soc *sc;

		if (mw_region_attach(path, 0, &rc) ||
		    mw_soc_open(rc, "modem", &sc))
			_exit(1);
		mw_soc_set_spin(sc, spin);
		mw_irq_raise(sc, (unsigned)to_apps);
		for (i = 0; i < rounds; i++) {
			if (mw_irq_wait(sc, (unsigned)to_modem, 10000) < 0)
				_exit(2);
			mw_irq_raise(sc, (unsigned)to_apps);
		}
		mw_soc_close(sc);
		_exit(0);
	}
	if (mw_irq_wait(s, (unsigned)to_apps, 10000) < 0)
		die("child ready", -ETIMEDOUT);
	t0 = now_s();
	for (i = 0; i < rounds; i++) {
		mw_doorbell_write(s, APCS, 1u << 3);
		if ((ret = mw_irq_wait(s, (unsigned)to_apps, 10000)) < 0)
			die("wait", ret);
	}
	t1 = now_s();
	reap(pid);
	mw_soc_close(s);
	mw_region_close(r);
	return (t1 - t0) / rounds;
}

/* One byte back and forth over two fds; returns seconds per round trip. */
static double rt_fds(bool sock)
{
	int a[2], b[2];
	double t0, t1;
	unsigned i;
	pid_t pid;
	char c = 0;

	if (sock) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, a))
			die("socketpair", -errno);
		b[0] = a[1];
		b[1] = a[0];
	} else if (pipe(a) || pipe(b)) {
		die("pipe", -errno);
	}
	/* parent writes a[1], reads b[0]; child reads a[0], writes b[1] */
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < rounds; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now_s();
	for (i = 0; i < rounds; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			die("pipe io", -errno);
	t1 = now_s();
	reap(pid);
	close(a[0]);
	close(a[1]);
	if (!sock) {
		close(b[0]);
		close(b[1]);
	}
	return (t1 - t0) / rounds;
}

/* ------------------------------------------------------- mutex rates */

struct shared_mutex {
	pthread_mutex_t m;
	volatile unsigned long counter;
};

/* @nproc processes, each @n lock/unlock pairs; returns pairs per second. */
static double rate_pthread(int nproc, unsigned n)
{
	struct shared_mutex *sm = mmap(NULL, sizeof(*sm), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;
	pid_t pids[8];
	double t0, t1;
	int p;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sm->m, &a);
	t0 = now_s();
	for (p = 0; p < nproc; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			unsigned i;

			for (i = 0; i < n; i++) {
				pthread_mutex_lock(&sm->m);
				sm->counter++;
				pthread_mutex_unlock(&sm->m);
			}
			_exit(0);
		}
	}
	for (p = 0; p < nproc; p++)
		reap(pids[p]);
	t1 = now_s();
	if (sm->counter != (unsigned long)nproc * n)
		die("pthread counter", -EIO);
	munmap(sm, sizeof(*sm));
	return nproc * (double)n / (t1 - t0);
}

static double rate_hwmutex(int nproc, unsigned n, unsigned spin)
{
	static const char *const names[] = { "apps", "modem", "q6", "wcnss" };
	volatile unsigned long *counter;
	struct mw_region *r;
	pid_t pids[8];
	double t0, t1;
	void *v;
	int p, ret;

	if ((ret = mw_region_attach(path, 0, &r)) ||
	    (ret = mw_region_ptr(r, 0x80001000, 8, &v)))
		die("attach", ret);
	counter = v;
	*counter = 0;
	t0 = now_s();
	for (p = 0; p < nproc; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			struct mw_region *rc;
			struct mw_soc *s;
			unsigned i;

			if (mw_region_attach(path, 0, &rc) ||
			    mw_soc_open(rc, names[p], &s))
				_exit(1);
			mw_soc_set_spin(s, spin);
			for (i = 0; i < n; i++) {
				if (mw_hwmutex_lock(s, 3, 10000))
					_exit(2);
				(*counter)++;
				mw_hwmutex_unlock(s, 3);
			}
			mw_soc_close(s);
			_exit(0);
		}
	}
	for (p = 0; p < nproc; p++)
		reap(pids[p]);
	t1 = now_s();
	if (*counter != (unsigned long)nproc * n)
		die("hwmutex counter", -EIO);
	mw_region_close(r);
	return nproc * (double)n / (t1 - t0);
}

/* ------------------------------------------------------------ report */

static void row(const char *what, const char *unit, double v,
		const char *base, double b)
{
	printf("%-44s %12.2f %-7s  %-28s %12.2f  ratio %6.2f\n", what, v, unit,
	       base, b, v / b);
}

int main(int argc, char **argv)
{
	double db0[RUNS], dbs[RUNS], pp[RUNS], us[RUNS];
	double hu[RUNS], pu[RUNS], hc[RUNS], hc0[RUNS], pc[RUNS];
	char dir[] = "/tmp/memwire-bench.XXXXXX";
	struct mw_region *r;
	int i, ret;

	if (argc > 1)
		rounds = (unsigned)strtoul(argv[1], NULL, 0);
	if (rounds < 100)
		rounds = 100;
	if (!mkdtemp(dir))
		die("mkdtemp", -errno);
	snprintf(path, sizeof(path), "%s/bench.smem", dir);
	if ((ret = mw_region_create(path, "msm8930", 0x80000000, 0x200000, 0,
				    &r)))
		die("create", ret);
	mw_region_close(r);

	printf("memwire %s bench_core: %u rounds, median of %d runs, %ld CPUs\n\n",
	       mw_version(), rounds, RUNS, sysconf(_SC_NPROCESSORS_ONLN));
	/* Interleave the runs so drift affects figure and baseline alike. */
	for (i = 0; i < RUNS; i++) {
		db0[i] = rt_doorbell(0) * 1e6;
		dbs[i] = rt_doorbell(1000) * 1e6;
		pp[i] = rt_fds(false) * 1e6;
		us[i] = rt_fds(true) * 1e6;
		hu[i] = rate_hwmutex(1, rounds * 20, 1000) / 1e6;
		pu[i] = rate_pthread(1, rounds * 20) / 1e6;
		hc[i] = rate_hwmutex(2, rounds * 4, 1000) / 1e6;
		hc0[i] = rate_hwmutex(2, rounds * 4, 0) / 1e6;
		pc[i] = rate_pthread(2, rounds * 4) / 1e6;
	}
	printf("%-44s %12s %-7s  %-28s %12s\n", "figure", "median", "unit",
	       "baseline (same run)", "median");
	row("doorbell round trip, futex only", "us", median(db0, RUNS),
	    "pipe round trip", median(pp, RUNS));
	row("doorbell round trip, futex only", "us", median(db0, RUNS),
	    "UNIX socket round trip", median(us, RUNS));
	row("doorbell round trip, adaptive spin (max 1000)", "us",
	    median(dbs, RUNS), "pipe round trip", median(pp, RUNS));
	row("hwmutex lock+unlock, uncontended", "M/s", median(hu, RUNS),
	    "pthread mutex (pshared)", median(pu, RUNS));
	row("hwmutex lock+unlock, 2 procs, adaptive spin", "M/s", median(hc, RUNS),
	    "pthread mutex, 2 procs", median(pc, RUNS));
	row("hwmutex lock+unlock, 2 procs, futex only", "M/s",
	    median(hc0, RUNS), "pthread mutex, 2 procs", median(pc, RUNS));
	unlink(path);
	rmdir(dir);
	return 0;
}
