/* SPDX-License-Identifier: MIT */
/*
 * cmd_region.c - `memwire region create | info | lock | release | reap |
 * ring | wait`: shared regions and their emulated hardware.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Open the region and attach as @proc (NULL: observer). */
static int open_soc(const struct region_opts *ro, const char *proc,
		    struct mw_region **r, struct mw_soc **s)
{
	int ret = region_open(ro, r);

	if (ret)
		return ret;
	ret = mw_soc_open(*r, proc, s);
	if (ret) {
		ret = fail_lib(ret);
		mw_region_close(*r);
	}
	return ret;
}

/* ------------------------------------------------------------- create */

struct create_ctx {
	const char *platform;
	bool force;
};

static int create_cb(int c, const char *arg, void *p)
{
	struct create_ctx *cx = p;

	if (c == 'P')
		cx->platform = arg;
	else if (c == 'f')
		cx->force = true;
	else
		return usage_error("region create: unexpected option");
	return 0;
}

static int do_create(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "platform", required_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct create_ctx cx = { "msm8930", false };
	struct region_opts ro = { 0 };
	const struct mw_platform *p;
	const struct mw_resource *mem;
	struct mw_region *r;
	char path[4096];
	int idx, ret;

	idx = parse_opts("region", argc, argv, extra, create_cb, &cx, &ro);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("region create: unexpected argument '%s'",
				   argv[idx]);
	if (ro.dump || ro.devmem || ro.write)
		return usage_error("region create makes a region file: use "
				   "--file, not --dump/--devmem/--write");
	ret = mw_platform_get(cx.platform, &p);
	if (ret)
		return usage_error("%s", mw_last_error());
	mem = mw_platform_memory(p);
	if (!ro.have_phys)
		ro.phys = mem->phys;
	if (!ro.have_size)
		ro.size = mem->size;
	if (!ro.file) {
		ret = default_region_file(path, sizeof(path));
		if (ret)
			return ret;
		ro.file = path;
	}
	ret = mw_region_create(ro.file, p->name, ro.phys, ro.size,
			       cx.force ? 0 : MW_REGION_EXCL, &r);
	if (ret == -EEXIST)
		return fail("%s exists (use --force to replace it)", ro.file);
	if (ret)
		return fail_lib(ret);
	print_str("path", "created %s: ", ro.file);
	print_str("platform", "%s region ", p->name);
	print_u64("phys", "0x%08llx", ro.phys);
	print_u64("size", " + 0x%llx bytes\n", ro.size);
	mw_region_close(r);
	return EXIT_OK;
}

/* --------------------------------------------------------------- info */

static void info_procs(struct mw_soc *s)
{
	const struct mw_platform *p = mw_soc_platform(s);
	unsigned i;

	print_text("\n%-10s %-5s %-8s %-5s %s\n", "PROCESSOR", "HWID", "PID",
		   "ALIVE", "ATTACHES");
	open_array("processors");
	for (i = 0; i < p->nprocs; i++) {
		struct mw_proc_state st;

		if (mw_soc_proc_state(s, i, &st))
			continue;
		open_object(NULL);
		print_str("name", "%-10s ", p->procs[i].name);
		print_u64("hwmutex_id", "%-5llu ", p->procs[i].hwmutex_id);
		if (st.os_pid)
			print_i64("pid", "%-8lld ", st.os_pid);
		else
			print_null("pid", "%-8s ", "-");
		print_bool("alive", "%-5s ", st.alive);
		print_u64("attaches", "%llu\n", st.attaches);
		close_object();
	}
	close_array();
}

static const char *proc_of_id(const struct mw_platform *p, uint32_t id)
{
	unsigned i;

	for (i = 0; i < p->nprocs; i++)
		if (p->procs[i].hwmutex_id == id)
			return p->procs[i].name;
	return NULL;
}

static void info_locks(struct mw_soc *s)
{
	const struct mw_platform *p = mw_soc_platform(s);
	unsigned n;

	print_text("\n%-5s %-6s %s\n", "LOCK", "OWNER", "PROCESSOR");
	open_array("locks");
	for (n = 0; n < MW_HWMUTEX_COUNT; n++) {
		const char *name;
		uint32_t id;

		if (mw_hwmutex_owner(s, n, &id) || id == 0)
			continue;
		name = proc_of_id(p, id);
		open_object(NULL);
		print_u64("lock", "%-5llu ", n);
		print_u64("owner", "%-6llu ", id);
		if (name)
			print_str("processor", "%s\n", name);
		else
			print_null("processor", "%s\n", "?");
		close_object();
	}
	close_array();
}

static void info_lines(struct mw_soc *s)
{
	const struct mw_platform *p = mw_soc_platform(s);
	unsigned i;

	print_text("\n%-16s %s\n", "LINE", "RAISED");
	open_array("lines");
	for (i = 0; i < p->nlines; i++) {
		open_object(NULL);
		print_str("name", "%-16s ", p->lines[i].name);
		print_u64("raised", "%llu\n", mw_irq_count(s, i));
		close_object();
	}
	close_array();
}

static int do_info(int argc, char **argv)
{
	struct region_opts ro = { .rdonly = true };
	const struct mw_platform *p;
	struct mw_region *r;
	struct mw_soc *s = NULL;
	int idx, ret;

	idx = parse_opts("region", argc, argv, NULL, NULL, NULL, &ro);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("region info: unexpected argument '%s'",
				   argv[idx]);
	ret = region_open(&ro, &r);
	if (ret)
		return ret;
	p = mw_region_platform(r);
	open_object("region");
	print_str("path", "region   %s\n",
		  mw_region_path(r)[0] ? mw_region_path(r) : "(memfd)");
	print_str("kind", "kind     %s\n", mw_region_kind_name(mw_region_kind(r)));
	if (p)
		print_str("platform", "platform %s\n", p->name);
	else
		print_null("platform", "platform %s\n", "-");
	print_u64("phys", "phys     0x%08llx\n", mw_region_phys(r));
	print_u64("size", "size     0x%llx\n", mw_region_size(r));
	print_bool("writable", "writable %s\n", mw_region_writable(r));
	close_object();
	if (p) {
		ret = mw_soc_open(r, NULL, &s);
		if (ret) {
			ret = fail_lib(ret);
			goto close_region;
		}
		info_procs(s);
		info_locks(s);
		info_lines(s);
		mw_soc_close(s);
	}
	ret = EXIT_OK;
close_region:
	mw_region_close(r);
	return ret;
}

/* --------------------------------------------------------------- lock */

struct lock_ctx {
	const char *as;
	int hold_ms;
	int timeout_ms;
};

static int lock_cb(int c, const char *arg, void *p)
{
	struct lock_ctx *cx = p;

	switch (c) {
	case 'a':
		cx->as = arg;
		return 0;
	case 'H': {
		uint64_t v;

		if (parse_u64(arg, "--hold", false, &v))
			return EXIT_USAGE;
		if (v > 3600000)
			return usage_error("--hold: %s ms is over an hour", arg);
		cx->hold_ms = (int)v;
		return 0;
	}
	case 't':
		return parse_ms(arg, "--timeout", &cx->timeout_ms);
	}
	return usage_error("unexpected option");
}

static const struct option lock_opts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "hold", required_argument, NULL, 'H' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

static const struct option ring_opts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "count", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static const struct option wait_opts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "count", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

static int do_lock(int argc, char **argv)
{
	struct lock_ctx cx = { "apps", 0, 5000 };
	struct region_opts ro = { 0 };
	struct mw_region *r;
	struct mw_soc *s;
	double t0, t1, t2;
	uint64_t n;
	int idx, ret;

	idx = parse_opts("region", argc, argv, lock_opts, lock_cb, &cx, &ro);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("region lock: expected one lock number N "
				   "(0..31)");
	if (parse_u64(argv[idx], "lock", false, &n))
		return EXIT_USAGE;
	if (n >= MW_HWMUTEX_COUNT)
		return usage_error("lock %llu does not exist (0..%u)",
				   (unsigned long long)n, MW_HWMUTEX_COUNT - 1);
	ret = open_soc(&ro, cx.as, &r, &s);
	if (ret)
		return ret;
	t0 = now_ms();
	ret = mw_hwmutex_lock(s, (unsigned)n, cx.timeout_ms);
	t1 = now_ms();
	if (ret) {
		ret = fail_lib(ret);
		goto close;
	}
	if (cx.hold_ms > 0)
		usleep((useconds_t)cx.hold_ms * 1000);
	ret = mw_hwmutex_unlock(s, (unsigned)n);
	t2 = now_ms();
	if (ret) {
		ret = fail_lib(ret);
		goto close;
	}
	print_u64("lock", "lock %llu", n);
	print_str("processor", " taken by %s", cx.as);
	print_float("waited_ms", " after %.3f ms", t1 - t0);
	print_float("held_ms", ", held %.3f ms\n", t2 - t1);
	ret = EXIT_OK;
close:
	mw_soc_close(s);
	mw_region_close(r);
	return ret;
}

/* ------------------------------------------------------ release, reap */

static int do_release(int argc, char **argv)
{
	struct region_opts ro = { 0 };
	const struct mw_platform *p;
	struct mw_region *r;
	struct mw_soc *s;
	uint64_t id;
	int idx, ret, proc;

	idx = parse_opts("region", argc, argv, NULL, NULL, NULL, &ro);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("region release: expected a PROCESSOR or a "
				   "hardware mutex ID");
	ret = open_soc(&ro, NULL, &r, &s);
	if (ret)
		return ret;
	p = mw_soc_platform(s);
	proc = mw_platform_proc(p, argv[idx]);
	if (proc >= 0) {
		id = p->procs[proc].hwmutex_id;
	} else if (argv[idx][0] < '0' || argv[idx][0] > '9') {
		ret = usage_error("'%s' is neither a processor of %s nor a "
				  "hardware mutex id",
				  argv[idx], p->name);
		goto close;
	} else if (parse_u64(argv[idx], "hardware mutex id", false, &id)) {
		ret = EXIT_USAGE;
		goto close;
	} else if (id == 0 || id > UINT32_MAX) {
		ret = usage_error("hardware mutex id %llu is not a valid owner",
				  (unsigned long long)id);
		goto close;
	}
	ret = mw_hwmutex_release_all(s, (uint32_t)id);
	if (ret < 0) {
		ret = fail_lib(ret);
		goto close;
	}
	print_u64("id", "id %llu: ", id);
	print_u64("released", "released %llu lock(s)\n", (uint64_t)ret);
	ret = EXIT_OK;
close:
	mw_soc_close(s);
	mw_region_close(r);
	return ret;
}

static int do_reap(int argc, char **argv)
{
	struct region_opts ro = { 0 };
	struct mw_region *r;
	struct mw_soc *s;
	int idx, ret;

	idx = parse_opts("region", argc, argv, NULL, NULL, NULL, &ro);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("region reap: unexpected argument '%s'",
				   argv[idx]);
	ret = open_soc(&ro, NULL, &r, &s);
	if (ret)
		return ret;
	ret = mw_soc_reap(s);
	if (ret < 0) {
		ret = fail_lib(ret);
	} else {
		print_u64("reaped", "reaped %llu dead processor(s)\n",
			  (uint64_t)ret);
		ret = EXIT_OK;
	}
	mw_soc_close(s);
	mw_region_close(r);
	return ret;
}

/* ---------------------------------------------------------- ring, wait */

struct ring_ctx {
	const char *as;
	uint64_t count;
	int timeout_ms;
};

static int ring_cb(int c, const char *arg, void *p)
{
	struct ring_ctx *cx = p;

	switch (c) {
	case 'a':
		cx->as = arg;
		return 0;
	case 'c':
		if (parse_u64(arg, "--count", false, &cx->count))
			return EXIT_USAGE;
		if (cx->count == 0)
			return usage_error("--count: must be at least 1");
		return 0;
	case 't':
		return parse_ms(arg, "--timeout", &cx->timeout_ms);
	}
	return usage_error("unexpected option");
}

static int do_ring(int argc, char **argv)
{
	struct ring_ctx cx = { NULL, 1, 0 };
	struct region_opts ro = { 0 };
	struct mw_region *r;
	struct mw_soc *s;
	uint64_t phys = 0, value = 0, i, raised = 0;
	int idx, ret, line = -1;

	idx = parse_opts("region", argc, argv, ring_opts, ring_cb, &cx, &ro);
	if (idx < 0)
		return -idx;
	if (argc - idx < 1 || argc - idx > 2)
		return usage_error("region ring: expected LINE, or a doorbell "
				   "PHYS and a VALUE");
	ret = open_soc(&ro, cx.as, &r, &s);
	if (ret)
		return ret;
	if (argc - idx == 2) {
		if (parse_u64(argv[idx], "doorbell address", false, &phys) ||
		    parse_u64(argv[idx + 1], "value", false, &value)) {
			ret = EXIT_USAGE;
			goto close;
		}
		if (value > UINT32_MAX) {
			ret = usage_error("value 0x%llx is wider than 32 bits",
					  (unsigned long long)value);
			goto close;
		}
	} else {
		line = mw_platform_line(mw_soc_platform(s), argv[idx]);
		if (line < 0) {
			ret = usage_error("%s", mw_last_error());
			goto close;
		}
	}
	for (i = 0; i < cx.count; i++) {
		if (line >= 0) {
			ret = mw_irq_raise(s, (unsigned)line);
			if (ret == 0)
				ret = 1;
		} else {
			ret = mw_doorbell_write(s, phys, (uint32_t)value);
		}
		if (ret < 0) {
			ret = fail_lib(ret);
			goto close;
		}
		raised += (uint64_t)ret;
	}
	print_u64("writes", "%llu write(s), ", cx.count);
	print_u64("raised", "%llu line raise(s)\n", raised);
	ret = EXIT_OK;
close:
	mw_soc_close(s);
	mw_region_close(r);
	return ret;
}

static int do_wait(int argc, char **argv)
{
	struct ring_ctx cx = { NULL, 1, 10000 };
	struct region_opts ro = { 0 };
	const struct mw_platform *p;
	struct mw_region *r;
	struct mw_soc *s;
	uint64_t got = 0;
	double t0;
	int idx, ret, line;

	idx = parse_opts("region", argc, argv, wait_opts, ring_cb, &cx, &ro);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("region wait: expected one LINE");
	ret = region_open(&ro, &r);
	if (ret)
		return ret;
	p = mw_region_platform(r);
	if (!p) {
		ret = fail("%s has no platform", mw_region_path(r));
		goto close_region;
	}
	line = mw_platform_line(p, argv[idx]);
	if (line < 0) {
		ret = usage_error("%s", mw_last_error());
		goto close_region;
	}
	/* Default identity: the line's target. */
	ret = mw_soc_open(r, cx.as ? cx.as : p->procs[p->lines[line].target].name,
			  &s);
	if (ret) {
		ret = fail_lib(ret);
		goto close_region;
	}
	t0 = now_ms();
	while (got < cx.count) {
		int left = -1;

		if (cx.timeout_ms >= 0) {
			left = cx.timeout_ms - (int)(now_ms() - t0);
			if (left < 0)
				left = 0;
		}
		ret = mw_irq_wait(s, (unsigned)line, left);
		if (ret < 0)
			break;
		got += (uint64_t)ret;
	}
	if (got < cx.count && ret != -ETIMEDOUT) {
		ret = fail_lib(ret);
	} else if (got < cx.count) {
		ret = fail("%s: %llu of %llu raise(s) within %d ms",
			   p->lines[line].name, (unsigned long long)got,
			   (unsigned long long)cx.count, cx.timeout_ms);
	} else {
		print_str("line", "%s: ", p->lines[line].name);
		print_u64("raises", "%llu raise(s)", got);
		print_float("waited_ms", " in %.3f ms\n", now_ms() - t0);
		ret = EXIT_OK;
	}
	mw_soc_close(s);
close_region:
	mw_region_close(r);
	return ret;
}

static const struct cmd cmds[] = {
	{ "create", do_create,
	  "[--platform NAME] [--file PATH] [--phys ADDR] [--size N] [--force]",
	  "create a region file with its emulated hardware" },
	{ "info", do_info, REGION_OPTS_USAGE,
	  "region, attached processors, held locks, interrupt counts" },
	{ "lock", do_lock, "N [--as PROC] [--hold MS] [--timeout MS] [--file PATH]",
	  "take hardware mutex N, hold it, release it" },
	{ "release", do_release, "PROC|ID [--file PATH]",
	  "free every hardware mutex a processor holds (subsystem restart)" },
	{ "reap", do_reap, "[--file PATH]",
	  "clean up after processors whose process died" },
	{ "ring", do_ring, "LINE | PHYS VALUE [--as PROC] [--count N] [--file PATH]",
	  "raise an interrupt line, or write a doorbell register" },
	{ "wait", do_wait, "LINE [--as PROC] [--count N] [--timeout MS] [--file PATH]",
	  "wait for an interrupt line to be raised" },
	{ NULL, NULL, NULL, NULL },
};

int do_region(int argc, char **argv)
{
	return cmd_select(cmds, "region", argc - 1, argv + 1);
}
