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

#endif /* MEMWIRE_BENCH_H */
