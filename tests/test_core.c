/* SPDX-License-Identifier: MIT */
/*
 * test_core.c - regions, platform, hardware mutexes, doorbells; with real
 * processes sharing real mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "testutil.h"
#include "memwire/core.h"
#include "core/barrier.h"

#define BASE 0x80000000ull
#define SIZE 0x200000ull
#define APCS 0x02011008ull

struct fx {
	char dir[PATH_MAX - 64];
	char path[PATH_MAX];
	struct mw_region *r;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/r.smem", f->dir);
	if (mw_region_create(f->path, "msm8930", BASE, SIZE, MW_REGION_EXCL,
			     &f->r))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mw_region_close(f->r);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* Count entries of @dir (without . and ..). */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Wait for child @pid, return its exit status (or 128 + signal). */
static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------- regions */

static void test_region_bounds_at_the_edges(void **state)
{
	struct fx *f = *state;
	uint8_t *first, *p;
	uint64_t phys;
	void *v;

	assert_int_equal(mw_region_ptr(f->r, BASE, 1, &v), 0);
	first = v;
	assert_int_equal(mw_region_ptr(f->r, BASE + SIZE - 1, 1, &v), 0);
	assert_ptr_equal(v, first + SIZE - 1);
	assert_int_equal(mw_region_ptr(f->r, BASE, SIZE, &v), 0);
	/* one past the end, in every shape */
	assert_int_equal(mw_region_ptr(f->r, BASE + SIZE, 0, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, BASE + SIZE, 1, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, BASE + SIZE - 1, 2, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, BASE, SIZE + 1, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, BASE - 1, 1, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, BASE + 8, UINT64_MAX, &v), -EFAULT);
	assert_int_equal(mw_region_ptr(f->r, UINT64_MAX, 2, &v), -EFAULT);
	assert_non_null(strstr(mw_last_error(), "outside the region"));

	p = first + SIZE - 1;
	assert_int_equal(mw_region_phys_of(f->r, first, 1, &phys), 0);
	assert_int_equal(phys, BASE);
	assert_int_equal(mw_region_phys_of(f->r, p, 1, &phys), 0);
	assert_int_equal(phys, BASE + SIZE - 1);
	assert_int_equal(mw_region_phys_of(f->r, p + 1, 0, &phys), -EFAULT);
	assert_int_equal(mw_region_phys_of(f->r, p, 2, &phys), -EFAULT);
	assert_int_equal(mw_region_phys_of(f->r, first - 1, 1, &phys), -EFAULT);
}

static void test_region_read_write_roundtrip_and_readonly(void **state)
{
	struct fx *f = *state;
	struct mw_region *ro;
	char buf[8] = "memwire";
	char got[8] = { 0 };

	assert_int_equal(mw_region_write(f->r, BASE + SIZE - 8, buf, 8), 0);
	assert_int_equal(mw_region_write(f->r, BASE + SIZE - 7, buf, 8),
			 -EFAULT);
	assert_int_equal(mw_region_attach(f->path, MW_REGION_RDONLY, &ro), 0);
	assert_false(mw_region_writable(ro));
	assert_int_equal(mw_region_read(ro, BASE + SIZE - 8, got, 8), 0);
	assert_memory_equal(got, buf, 8);
	assert_int_equal(mw_region_write(ro, BASE, buf, 8), -EROFS);
	assert_int_equal(mw_region_phys(ro), BASE);
	assert_int_equal(mw_region_size(ro), SIZE);
	assert_string_equal(mw_region_platform(ro)->name, "msm8930");
	mw_region_close(ro);
}

struct bad_create {
	const char *platform;
	uint64_t phys, size;
	int err;
	const char *msg;
};

static void test_create_rejects_bad_geometry_and_leaves_nothing(void **state)
{
	static const struct bad_create cases[] = {
		{ NULL, 0x1000, 0, -EINVAL, "size is 0" },
		{ NULL, 0x1000, 0x1800, -EINVAL, "not a multiple" },
		{ NULL, 0x1001, 0x1000, -EINVAL, "not page-aligned" },
		{ NULL, 0xfffffffffffff000ull, 0x2000, -EINVAL, "overflows" },
		{ "msm8930", 0x40000000, 0x1000, -EFAULT, "outside every" },
		{ "msm8930", 0x801ff000, 0x2000, -EFAULT, "crosses the end" },
		{ "msm8930", 0x01200000, 0x1000, -EFAULT, "outside every" },
		{ "nosuch", BASE, SIZE, -ENOENT, "unknown platform 'nosuch'" },
		{ "a-platform-name-too-long", BASE, SIZE, -EINVAL, "too long" },
	};
	struct fx *f = *state;
	char path[PATH_MAX];
	struct mw_region *r;
	size_t i;

	snprintf(path, sizeof(path), "%s/bad.smem", f->dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_create *c = &cases[i];
		int ret = mw_region_create(path, c->platform, c->phys, c->size,
					   0, &r);

		if (ret != c->err || !strstr(mw_last_error(), c->msg))
			fail_msg("case %zu (%s 0x%llx+0x%llx): got %d '%s'", i,
				 c->platform ? c->platform : "-",
				 (unsigned long long)c->phys,
				 (unsigned long long)c->size, ret,
				 mw_last_error());
	}
	/* only the fixture's region file is there: no partial files */
	assert_int_equal(count_files(f->dir), 1);
	/* an existing file is refused with EXCL and left intact */
	assert_int_equal(mw_region_create(f->path, "msm8930", BASE, SIZE,
					  MW_REGION_EXCL, &r),
			 -EEXIST);
	assert_int_equal(count_files(f->dir), 1);
}

/* Write a file of @len bytes: a valid region image, then @patch applied. */
struct bad_attach {
	const char *what;
	size_t off; /* offset inside the control page */
	const char *bytes;
	size_t nbytes;
	long long truncate_to; /* -1: keep */
	const char *msg;
};

static void test_attach_rejects_corrupt_control_page(void **state)
{
	static const struct bad_attach cases[] = {
		{ "magic", 0, "XWRG", 4, -1, "magic 58 57 52 47" },
		{ "version", 4, "\x02\x00\x00\x00", 4, -1, "version 2" },
		{ "size mismatch", 0x10, "\x00\x10\x00\x00", 4, -1,
		  "does not match the file" },
		{ "size zero", 0x10, "\x00\x00\x00\x00", 4, -1,
		  "not a page multiple" },
		{ "phys unaligned", 0x08, "\x01\x00\x00\x80", 4, -1,
		  "not page-aligned" },
		{ "platform unterminated", 0x18, "AAAAAAAAAAAAAAAA", 16, -1,
		  "not terminated" },
		{ "platform unknown", 0x18, "bogus\0", 6, -1,
		  "unknown platform 'bogus'" },
		{ "phys outside platform", 0x08, "\x00\x00\x00\x40", 4, -1,
		  "not inside a memory resource" },
		{ "ctl_size", 0x28, "\x00\x20\x00\x00", 4, -1, "ctl_size 8192" },
		{ "short file", 0, "", 0, 100, "too short" },
		{ "empty file", 0, "", 0, 0, "too short" },
	};
	struct fx *f = *state;
	char path[PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "%s/corrupt.smem", f->dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_attach *c = &cases[i];
		struct mw_region *r;
		int fd, ret;

		unlink(path);
		assert_int_equal(mw_region_create(path, "msm8930", BASE,
						  SIZE, 0, &r), 0);
		mw_region_close(r);
		fd = open(path, O_RDWR);
		assert_true(fd >= 0);
		if (c->nbytes)
			assert_int_equal(pwrite(fd, c->bytes, c->nbytes,
						(off_t)(SIZE + c->off)),
					 (ssize_t)c->nbytes);
		if (c->truncate_to >= 0)
			assert_int_equal(ftruncate(fd, c->truncate_to), 0);
		close(fd);
		ret = mw_region_attach(path, 0, &r);
		if (ret != -EBADMSG || !strstr(mw_last_error(), c->msg))
			fail_msg("case '%s': got %d '%s'", c->what, ret,
				 mw_last_error());
	}
}

static void test_dump_is_readonly_at_its_stated_base(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct mw_region *d;
	uint32_t v = 0x11223344, got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/dump.bin", f->dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_int_equal(ftruncate(fd, 10000), 0); /* not page-aligned: fine */
	assert_int_equal(pwrite(fd, &v, 4, 9996), 4);
	close(fd);
	assert_int_equal(mw_region_open_dump(path, 0x10000000, &d), 0);
	assert_int_equal(mw_region_kind(d), MW_REGION_DUMP);
	assert_false(mw_region_writable(d));
	assert_null(mw_region_platform(d));
	assert_int_equal(mw_region_read(d, 0x10000000 + 9996, &got, 4), 0);
	assert_int_equal(got, v);
	assert_int_equal(mw_region_read(d, 0x10000000 + 9997, &got, 4),
			 -EFAULT);
	assert_int_equal(mw_region_write(d, 0x10000000, &v, 4), -EROFS);
	mw_region_close(d);
	/* a dump has no emulated hardware */
	assert_int_equal(mw_region_open_dump(path, 0x10000000, &d), 0);
	{
		struct mw_soc *s;

		assert_int_equal(mw_soc_open(d, NULL, &s), -EINVAL);
	}
	mw_region_close(d);
	/* empty dump */
	fd = open(path, O_TRUNC | O_RDWR);
	close(fd);
	assert_int_equal(mw_region_open_dump(path, 0, &d), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "empty"));
}

static void test_devmem_window_maps_unaligned_physical_address(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct mw_region *m;
	uint32_t v = 0xcafef00d, got = 0;
	int fd;

	/* The /dev/mem code path on a plain file standing at "physical"
	 * offsets; the real /dev/mem is tried below. */
	snprintf(path, sizeof(path), "%s/mem", f->dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_int_equal(ftruncate(fd, 0x4000), 0);
	assert_int_equal(pwrite(fd, &v, 4, 0x2604), 4);
	close(fd);
	assert_int_equal(mw_region_open_devmem(path, 0x2604, 0x80, 0, &m), 0);
	assert_int_equal(mw_region_read(m, 0x2604, &got, 4), 0);
	assert_int_equal(got, v);
	assert_int_equal(mw_region_read(m, 0x2684, &got, 1), -EFAULT);
	assert_int_equal(mw_region_write(m, 0x2604, &v, 4), -EROFS);
	mw_region_close(m);
	assert_int_equal(mw_region_open_devmem(path, 0x2604, 0x80,
					       MW_REGION_WRITE, &m), 0);
	v = 0x12345678;
	assert_int_equal(mw_region_write(m, 0x2608, &v, 4), 0);
	mw_region_close(m);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, &got, 4, 0x2608), 4);
	close(fd);
	assert_int_equal(got, v);
	assert_int_equal(mw_region_open_devmem(path, 0, 0, 0, &m), -EINVAL);

	/* The real /dev/mem: the legacy BIOS area below 1 MiB is readable
	 * even with STRICT_DEVMEM.  Only when we may open it at all. */
	if (access("/dev/mem", R_OK) == 0 &&
	    mw_region_open_devmem(NULL, 0xf0000, 0x100, 0, &m) == 0) {
		assert_int_equal(mw_region_read(m, 0xf00f0, &got, 4), 0);
		mw_region_close(m);
	}
}

static void test_memfd_region_crosses_processes(void **state)
{
	struct mw_region *r, *got;
	int sv[2];
	pid_t pid;
	void *p;

	assert_int_equal(mw_region_create_memfd("t", NULL, 0x100000, 0x2000,
						&r), 0);
	assert_int_equal(mw_region_kind(r), MW_REGION_MEMFD);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		uint32_t v = 0xfeedbeef;

		close(sv[0]);
		if (mw_region_recv_fd(sv[1], 0, &got))
			_exit(1);
		if (mw_region_phys(got) != 0x100000 ||
		    mw_region_size(got) != 0x2000)
			_exit(2);
		if (mw_region_write(got, 0x101ffc, &v, 4))
			_exit(3);
		/* the memfd is sealed: the receiver cannot shrink it */
		if (ftruncate(mw_region_fd(got), 0) == 0)
			_exit(4);
		_exit(write(sv[1], "k", 1) == 1 ? 0 : 5);
	}
	close(sv[1]);
	assert_int_equal(mw_region_send_fd(r, sv[0]), 0);
	{
		char c;

		assert_int_equal(read(sv[0], &c, 1), 1);
	}
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(mw_region_ptr(r, 0x101ffc, 4, &p), 0);
	assert_int_equal(*(uint32_t *)p, 0xfeedbeef);
	close(sv[0]);
	mw_region_close(r);
}

static void test_recv_rejects_messages_without_a_sound_region(void **state)
{
	struct fx *f = *state;
	struct mw_region *got;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} u;
	struct msghdr msg = { 0 };
	struct iovec iov;
	struct cmsghdr *c;
	char hdr[8] = { 'M', 'W', 'F', 'D', 1, 0, 0, 0 };
	int sv[2], fd;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* garbage header, no fd */
	assert_int_equal(write(sv[0], "hello world!", 12), 12);
	assert_int_equal(mw_region_recv_fd(sv[1], 0, &got), -EBADMSG);
	/* right header, no fd */
	assert_int_equal(write(sv[0], hdr, 8), 8);
	assert_int_equal(mw_region_recv_fd(sv[1], 0, &got), -EBADMSG);
	assert_non_null(strstr(mw_last_error(), "no fd"));
	/* right header, an fd that is not a memwire region */
	fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	iov.iov_base = hdr;
	iov.iov_len = 8;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	assert_int_equal(sendmsg(sv[0], &msg, 0), 8);
	assert_int_equal(mw_region_recv_fd(sv[1], 0, &got), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "not a regular file"));
	close(fd);
	/* peer gone */
	close(sv[0]);
	assert_int_equal(mw_region_recv_fd(sv[1], 0, &got), -ECONNRESET);
	close(sv[1]);
}

/* ------------------------------------------------------------ platform */

static void test_platform_resources_match_the_reference(void **state)
{
	const struct mw_platform *p;
	const struct mw_resource *res;
	struct fx *f = *state;
	struct mw_soc *s;
	void *v;

	assert_int_equal(mw_platform_get(NULL, &p), 0);
	assert_string_equal(p->name, "msm8930");
	assert_int_equal(mw_platform_resource(p, 0x80000000, 0x200000, &res), 0);
	assert_int_equal(res->kind, MW_RES_MEMORY);
	/* SMEM lock 3 register, the one the heap allocator uses */
	assert_int_equal(mw_platform_resource(p, 0x01200610, 4, &res), 0);
	assert_int_equal(res->kind, MW_RES_HWMUTEX);
	assert_int_equal(mw_platform_resource(p, 0x01200684, 4, &res), -EFAULT);
	assert_int_equal(mw_platform_resource(p, 0x12104094, 4, &res), 0);
	assert_int_equal(res->kind, MW_RES_DOORBELL);
	assert_int_equal(mw_platform_resource(p, 0x12104095, 4, &res), -EFAULT);
	assert_non_null(strstr(mw_last_error(), "crosses the end"));
	assert_int_equal(p->procs[mw_platform_proc(p, "apps")].hwmutex_id, 1);
	assert_int_equal(mw_platform_proc(p, "nosuch"), -ENOENT);
	assert_int_equal(p->lines[mw_platform_line(p, "modem.smd.apps")].mask,
			 1u << 3);
	assert_int_equal(p->lines[mw_platform_line(p, "wcnss.smsm.apps")].mask,
			 1u << 23);
	assert_int_equal(p->lines[mw_platform_line(p, "apps.smd.modem")].spi,
			 37);

	assert_int_equal(mw_soc_open(f->r, NULL, &s), 0);
	assert_int_equal(mw_soc_map(s, 0x01200610, 4, &v), 0);
	assert_int_equal(mw_soc_map(s, 0x80000000, 16, &v), 0);
	assert_int_equal(mw_soc_map(s, APCS, 4, &v), -EINVAL);
	assert_int_equal(mw_soc_map(s, 0x50000000, 4, &v), -EFAULT);
	assert_non_null(strstr(mw_last_error(), "outside every"));
	mw_soc_close(s);
}

/* ------------------------------------------------------ hardware mutex */

static const char *const procs[] = { "apps", "modem", "q6", "wcnss", "dsps",
				     "rpm" };

static void test_hwmutex_counter_is_exact_across_processes(void **state)
{
	enum { M = 20000 };
	struct fx *f = *state;
	size_t nproc = sizeof(procs) / sizeof(procs[0]), i;
	pid_t pids[8];
	uint32_t *counter;
	void *v;

	assert_int_equal(mw_region_ptr(f->r, BASE + 0x1000, 4, &v), 0);
	counter = v;
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct mw_region *r;
			struct mw_soc *s;
			unsigned k;

			if (mw_region_attach(f->path, 0, &r) ||
			    mw_soc_open(r, procs[i], &s))
				_exit(1);
			/* half the processes never spin: both paths race */
			if (i % 2)
				mw_soc_set_spin(s, 0);
			for (k = 0; k < M; k++) {
				if (mw_hwmutex_lock(s, 3, 20000))
					_exit(2);
				/* a deliberately racy read-modify-write:
				 * only the mutex makes it exact */
				MW_WRITE_ONCE(*counter, MW_READ_ONCE(*counter) + 1);
				if (mw_hwmutex_unlock(s, 3))
					_exit(3);
			}
			mw_soc_close(s);
			mw_region_close(r);
			_exit(0);
		}
	}
	for (i = 0; i < nproc; i++)
		assert_int_equal(wait_child(pids[i]), 0);
	assert_int_equal(*counter, nproc * M);
}

static void test_hwmutex_ownership_rules(void **state)
{
	struct fx *f = *state;
	struct mw_soc *apps, *modem, *obs;
	struct mw_region *r2;
	uint32_t owner;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	assert_int_equal(mw_region_attach(f->path, 0, &r2), 0);
	assert_int_equal(mw_soc_open(r2, "modem", &modem), 0);
	assert_int_equal(mw_soc_open(f->r, NULL, &obs), 0);

	assert_int_equal(mw_hwmutex_lock(apps, 3, 0), 0);
	assert_int_equal(mw_hwmutex_owner(obs, 3, &owner), 0);
	assert_int_equal(owner, 1);
	/* same thread again: would spin forever on hardware */
	assert_int_equal(mw_hwmutex_lock(apps, 3, 0), -EDEADLK);
	assert_int_equal(mw_hwmutex_trylock(modem, 3), -EBUSY);
	assert_int_equal(mw_hwmutex_lock(modem, 3, 30), -ETIMEDOUT);
	assert_non_null(strstr(mw_last_error(), "held by id 1"));
	/* unlock by a non-owner is refused and changes nothing */
	assert_int_equal(mw_hwmutex_unlock(modem, 3), -EPERM);
	assert_non_null(strstr(mw_last_error(), "actual owner is 1"));
	assert_int_equal(mw_hwmutex_owner(obs, 3, &owner), 0);
	assert_int_equal(owner, 1);
	assert_int_equal(mw_hwmutex_unlock(apps, 3), 0);
	assert_int_equal(mw_hwmutex_trylock(modem, 3), 0);
	assert_int_equal(mw_hwmutex_owner(obs, 3, &owner), 0);
	assert_int_equal(owner, 2);
	/* release_all frees only the named id */
	assert_int_equal(mw_hwmutex_lock(apps, 7, 0), 0);
	assert_int_equal(mw_hwmutex_release_all(obs, 2), 1);
	assert_int_equal(mw_hwmutex_owner(obs, 3, &owner), 0);
	assert_int_equal(owner, 0);
	assert_int_equal(mw_hwmutex_owner(obs, 7, &owner), 0);
	assert_int_equal(owner, 1);
	assert_int_equal(mw_hwmutex_release_all(obs, 0), -EINVAL);
	/* bad indexes and observers */
	assert_int_equal(mw_hwmutex_lock(apps, 32, 0), -EINVAL);
	assert_int_equal(mw_hwmutex_owner(obs, 32, &owner), -EINVAL);
	assert_int_equal(mw_hwmutex_lock(obs, 1, 0), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "observer"));
	/* a second attach as a live processor is refused */
	{
		struct mw_soc *again;

		assert_int_equal(mw_soc_open(f->r, "modem", &again), -EBUSY);
	}
	mw_soc_close(obs);
	mw_soc_close(modem);
	mw_region_close(r2);
	/* closing apps releases what it still holds (lock 7) */
	mw_soc_close(apps);
	assert_int_equal(mw_soc_open(f->r, NULL, &obs), 0);
	assert_int_equal(mw_hwmutex_owner(obs, 7, &owner), 0);
	assert_int_equal(owner, 0);
	mw_soc_close(obs);
}

/*
 * A modem process takes the lock and is killed with SIGKILL while q6 and
 * wcnss processes wait for it.  @explicit: the parent calls release_all
 * (what smd_channel_reset does); otherwise the waiters notice the dead
 * owner by themselves.
 */
static void killed_owner(struct fx *f, bool explicit_release)
{
	struct mw_soc *apps;
	pid_t holder, waiters[2];
	int line, i;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	line = mw_platform_line(mw_soc_platform(apps), "apps.smd.modem");
	holder = fork();
	if (holder == 0) {
		struct mw_region *r;
		struct mw_soc *s;

		if (mw_region_attach(f->path, 0, &r) ||
		    mw_soc_open(r, "modem", &s) || mw_hwmutex_lock(s, 3, 1000) ||
		    mw_irq_raise(s, (unsigned)line))
			_exit(1);
		pause();
		_exit(2);
	}
	assert_true(mw_irq_wait(apps, (unsigned)line, 5000) >= 1);
	for (i = 0; i < 2; i++) {
		waiters[i] = fork();
		if (waiters[i] == 0) {
			struct mw_region *r;
			struct mw_soc *s;

			if (mw_region_attach(f->path, 0, &r) ||
			    mw_soc_open(r, i ? "wcnss" : "q6", &s))
				_exit(1);
			if (mw_hwmutex_lock(s, 3, 10000))
				_exit(3);
			if (mw_hwmutex_unlock(s, 3))
				_exit(4);
			_exit(0);
		}
	}
	usleep(50000); /* let the waiters block */
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(wait_child(holder), 128 + SIGKILL);
	if (explicit_release) {
		int n = mw_hwmutex_release_all(apps, 2);

		/* 1, or 0 if a waiter reaped it first */
		assert_true(n == 0 || n == 1);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(wait_child(waiters[i]), 0);
	/* and the dead modem's slot is free again */
	{
		struct mw_proc_state st;

		mw_soc_reap(apps);
		assert_int_equal(mw_soc_proc_state(apps, 1, &st), 0);
		assert_int_equal(st.os_pid, 0);
	}
	mw_soc_close(apps);
}

static void test_release_all_after_kill9_lets_others_go_on(void **state)
{
	killed_owner(*state, true);
}

static void test_waiters_reap_a_killed_owner_by_themselves(void **state)
{
	killed_owner(*state, false);
}

static void test_dead_processor_slot_is_taken_over(void **state)
{
	struct fx *f = *state;
	struct mw_soc *s, *obs;
	struct mw_proc_state st;
	uint32_t owner;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		struct mw_region *r;

		/* attach as dsps, take lock 9, die without cleaning up */
		if (mw_region_attach(f->path, 0, &r) ||
		    mw_soc_open(r, "dsps", &s) || mw_hwmutex_lock(s, 9, 0))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(mw_soc_open(f->r, NULL, &obs), 0);
	assert_int_equal(mw_soc_proc_state(obs, 4, &st), 0);
	assert_int_equal(st.os_pid, pid);
	assert_false(st.alive);
	assert_int_equal(mw_hwmutex_owner(obs, 9, &owner), 0);
	assert_int_equal(owner, 5);
	assert_int_equal(mw_soc_open(f->r, "dsps", &s), 0);
	assert_int_equal(mw_hwmutex_owner(obs, 9, &owner), 0);
	assert_int_equal(owner, 0);
	assert_int_equal(mw_soc_proc_state(obs, 4, &st), 0);
	assert_int_equal(st.os_pid, getpid());
	assert_true(st.alive);
	assert_int_equal(st.attaches, 2);
	mw_soc_close(s);
	mw_soc_close(obs);
}

/* ------------------------------------------------------------ doorbells */

static void test_doorbell_bits_raise_their_lines(void **state)
{
	struct fx *f = *state;
	struct mw_soc *apps, *obs;
	const struct mw_platform *p;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	assert_int_equal(mw_soc_open(f->r, NULL, &obs), 0);
	p = mw_soc_platform(apps);
	/* modem SMD + SMSM + q6 SMD, plus bit 0 which is bound to nothing */
	assert_int_equal(mw_doorbell_write(apps, APCS,
					   1u << 3 | 1u << 4 | 1u << 15 | 1u),
			 3);
	assert_int_equal(mw_irq_count(obs, mw_platform_line(p, "modem.smd.apps")),
			 1);
	assert_int_equal(mw_irq_count(obs, mw_platform_line(p, "modem.smsm.apps")),
			 1);
	assert_int_equal(mw_irq_count(obs, mw_platform_line(p, "q6.smd.apps")), 1);
	assert_int_equal(mw_irq_count(obs, mw_platform_line(p, "q6.smsm.apps")),
			 0);
	assert_int_equal(mw_doorbell_write(apps, 0x12104080, 1), 1);
	assert_int_equal(mw_irq_count(obs, mw_platform_line(p, "dsps.smd.apps")),
			 1);
	assert_int_equal(mw_doorbell_write(apps, 0x01200604, 1), -EINVAL);
	assert_non_null(strstr(mw_last_error(), "not a doorbell"));
	assert_int_equal(mw_doorbell_write(apps, 0x02011000, 1), -EFAULT);
	/* apps may not wait on a line into the modem */
	assert_int_equal(mw_irq_wait(apps, mw_platform_line(p, "modem.smd.apps"),
				     0),
			 -EINVAL);
	assert_int_equal(mw_irq_wait(apps, 99, 0), -EINVAL);
	assert_int_equal(mw_irq_wait(apps, mw_platform_line(p, "apps.smd.q6"),
				     20),
			 -ETIMEDOUT);
	/* raises before a wait are counted, not lost, and coalesce */
	assert_int_equal(mw_irq_raise(obs, mw_platform_line(p, "apps.smd.q6")), 0);
	assert_int_equal(mw_irq_raise(obs, mw_platform_line(p, "apps.smd.q6")), 0);
	assert_int_equal(mw_irq_wait(apps, mw_platform_line(p, "apps.smd.q6"), 0),
			 2);
	mw_soc_close(obs);
	mw_soc_close(apps);
}

/*
 * 100k round trips between two processes: apps rings the modem doorbell,
 * the modem answers on apps.smd.modem.  Both sides count what they got.
 */
static void pingpong(struct fx *f, unsigned spin)
{
	enum { N = 100000 };
	struct mw_soc *apps;
	const struct mw_platform *p;
	int to_modem, to_apps, st;
	uint64_t got = 0;
	pid_t pid;
	unsigned i;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	mw_soc_set_spin(apps, spin);
	p = mw_soc_platform(apps);
	to_modem = mw_platform_line(p, "modem.smd.apps");
	to_apps = mw_platform_line(p, "apps.smd.modem");
	pid = fork();
	if (pid == 0) {
		struct mw_region *r;
		struct mw_soc *s;
		uint64_t n = 0;

		if (mw_region_attach(f->path, 0, &r) ||
		    mw_soc_open(r, "modem", &s))
			_exit(1);
		mw_soc_set_spin(s, spin);
		if (mw_irq_raise(s, (unsigned)to_apps)) /* ready */
			_exit(2);
		while (n < N) {
			int k = mw_irq_wait(s, (unsigned)to_modem, 10000);

			if (k != 1) /* strictly alternating: never 2 */
				_exit(3);
			n += (uint64_t)k;
			if (mw_irq_raise(s, (unsigned)to_apps))
				_exit(4);
		}
		_exit(n == N ? 0 : 5);
	}
	assert_int_equal(mw_irq_wait(apps, (unsigned)to_apps, 10000), 1);
	for (i = 0; i < N; i++) {
		int k;

		assert_int_equal(mw_doorbell_write(apps, APCS, 1u << 3), 1);
		k = mw_irq_wait(apps, (unsigned)to_apps, 10000);
		if (k != 1)
			fail_msg("round %u: wait returned %d (%s)", i, k,
				 mw_last_error());
		got += (uint64_t)k;
	}
	st = wait_child(pid);
	assert_int_equal(st, 0);
	assert_int_equal(got, N);
	mw_soc_close(apps);
}

static void test_100k_doorbell_round_trips_futex_only(void **state)
{
	pingpong(*state, 0);
}

static void test_100k_doorbell_round_trips_with_spin(void **state)
{
	pingpong(*state, 2000);
}

static void test_100k_raises_flood_without_loss(void **state)
{
	enum { N = 100000 };
	struct fx *f = *state;
	struct mw_soc *apps;
	int line, k;
	uint64_t got = 0;
	pid_t pid;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	mw_soc_set_spin(apps, 0);
	line = mw_platform_line(mw_soc_platform(apps), "apps.smsm.modem");
	pid = fork();
	if (pid == 0) {
		struct mw_region *r;
		struct mw_soc *s;
		unsigned i;

		if (mw_region_attach(f->path, 0, &r) ||
		    mw_soc_open(r, "modem", &s))
			_exit(1);
		for (i = 0; i < N; i++)
			if (mw_irq_raise(s, (unsigned)line))
				_exit(2);
		_exit(0);
	}
	while (got < N) {
		k = mw_irq_wait(apps, (unsigned)line, 10000);
		if (k < 0)
			fail_msg("after %llu raises: %d (%s)",
				 (unsigned long long)got, k, mw_last_error());
		got += (uint64_t)k;
	}
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(got, N);
	assert_int_equal(mw_irq_wait(apps, (unsigned)line, 0), -ETIMEDOUT);
	mw_soc_close(apps);
}

static void test_irq_fd_polls_readable_when_raised(void **state)
{
	struct fx *f = *state;
	struct mw_soc *apps;
	struct pollfd pfd;
	uint64_t v = 0;
	int line, fd;
	pid_t pid;

	assert_int_equal(mw_soc_open(f->r, "apps", &apps), 0);
	line = mw_platform_line(mw_soc_platform(apps), "apps.smd.q6");
	fd = mw_irq_fd(apps, (unsigned)line);
	assert_true(fd >= 0);
	assert_int_equal(mw_irq_fd(apps, (unsigned)line), fd); /* same one */
	pfd.fd = fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 50), 0);
	pid = fork();
	if (pid == 0) {
		struct mw_region *r;
		struct mw_soc *s;

		if (mw_region_attach(f->path, 0, &r) ||
		    mw_soc_open(r, "q6", &s))
			_exit(1);
		_exit(mw_irq_raise(s, (unsigned)line) ? 2 : 0);
	}
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(fd, &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
	assert_int_equal(wait_child(pid), 0);
	mw_irq_fd_close(apps, (unsigned)line);
	mw_soc_close(apps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_region_bounds_at_the_edges),
		T(test_region_read_write_roundtrip_and_readonly),
		T(test_create_rejects_bad_geometry_and_leaves_nothing),
		T(test_attach_rejects_corrupt_control_page),
		T(test_dump_is_readonly_at_its_stated_base),
		T(test_devmem_window_maps_unaligned_physical_address),
		T(test_memfd_region_crosses_processes),
		T(test_recv_rejects_messages_without_a_sound_region),
		T(test_platform_resources_match_the_reference),
		T(test_hwmutex_counter_is_exact_across_processes),
		T(test_hwmutex_ownership_rules),
		T(test_release_all_after_kill9_lets_others_go_on),
		T(test_waiters_reap_a_killed_owner_by_themselves),
		T(test_dead_processor_slot_is_taken_over),
		T(test_doorbell_bits_raise_their_lines),
		T(test_100k_doorbell_round_trips_futex_only),
		T(test_100k_doorbell_round_trips_with_spin),
		T(test_100k_raises_flood_without_loss),
		T(test_irq_fd_polls_readable_when_raised),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
