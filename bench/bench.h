/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what every benchmark program shares: the clock, medians, dying
 * with the library's message, reaping children.  Each program defines
 * BENCH_NAME before including it.
 */
#ifndef MEMWIRE_BENCH_H
#define MEMWIRE_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memwire/core.h"

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static inline void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s (%s)\n", BENCH_NAME, what, strerror(-err),
		mw_last_error());
	exit(1);
}

static inline void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child failed", -EIO);
}

/*
 * pipe_round_trip() - the baseline for round-trip figures: @rounds
 * @len-byte messages (at most 64) to a forked child and back over two
 * pipes; seconds per round trip.
 */
static inline double pipe_round_trip(unsigned rounds, size_t len)
{
	char msg[64] = { 7 };
	int a[2], b[2];
	double t0, t1;
	unsigned i;
	pid_t pid;

	if (len > sizeof(msg))
		len = sizeof(msg);
	if (pipe(a) || pipe(b))
		die("pipe", -errno);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		for (i = 0; i < rounds; i++)
			if (read(a[0], msg, len) != (ssize_t)len ||
			    write(b[1], msg, len) != (ssize_t)len)
				_exit(2);
		_exit(0);
	}
	t0 = now_s();
	for (i = 0; i < rounds; i++)
		if (write(a[1], msg, len) != (ssize_t)len ||
		    read(b[0], msg, len) != (ssize_t)len)
			die("pipe round trip", -EIO);
	t1 = now_s();
	reap(pid);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
	return (t1 - t0) / rounds;
}

#endif /* MEMWIRE_BENCH_H */
