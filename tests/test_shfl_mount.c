/* SPDX-License-Identifier: MIT */
/*
 * test_shfl_mount.c - `memwire shfl mount`: a share served by a real
 * `memwire shfl serve` process, mounted through a real FUSE mount, worked
 * on by real programs (tar, git, sqlite3) and by an fsx-style checker, and
 * compared byte for byte with the host directory.
 *
 * Each test gets its own host directory, host process and mount; every
 * process started here is ended by its pid.  Needs /dev/fuse, fusermount3,
 * tar, git and sqlite3 (scripts/deps check).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define SHARE "data"

struct mfx {
	char dir[512];
	char host[600]; /* the shared host directory */
	char mnt[600];
	char sock[600];
	char work[600]; /* scratch outside the share */
	pid_t serve, mount;
	unsigned nserve, nmount;
};

static void wait_path(const char *path, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;
	struct stat st;

	while (stat(path, &st) != 0) {
		if (tu_now_ms() > end)
			fail_msg("%s did not appear within %d ms", path,
				 timeout_ms);
		tu_sleep_ms(10);
	}
}

/* Is @mnt a mount point in /proc/self/mountinfo? */
static bool is_mounted(const char *mnt)
{
	char line[4096], real[600];
	bool found = false;
	FILE *fp;

	if (!realpath(mnt, real))
		snprintf(real, sizeof(real), "%s", mnt);
	fp = fopen("/proc/self/mountinfo", "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *f = line;
		int i;

		/* the fifth field is the mount point */
		for (i = 0; i < 4 && f; i++) {
			f = strchr(f, ' ');
			if (f)
				f++;
		}
		if (f && !strncmp(f, real, strlen(real)) &&
		    f[strlen(real)] == ' ')
			found = true;
	}
	fclose(fp);
	return found;
}

static void wait_mounted(struct mfx *f, bool want, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;

	while (is_mounted(f->mnt) != want) {
		if (tu_now_ms() > end) {
			char p[700], *log;

			snprintf(p, sizeof(p), "%s/mount%u.log.err", f->dir,
				 f->nmount);
			log = tu_read_file(p);
			fail_msg("%s %s mounted within %d ms; mount log: %s",
				 f->mnt, want ? "not" : "still", timeout_ms,
				 log);
		}
		tu_sleep_ms(10);
	}
}

/* Start `shfl serve` on f->host (with @opts appended to the share). */
static void start_host(struct mfx *f, const char *opts)
{
	char out[700], share[800];

	unlink(f->sock);
	snprintf(out, sizeof(out), "%s/serve%u.log", f->dir, ++f->nserve);
	snprintf(share, sizeof(share), "%s=%s%s", SHARE, f->host,
		 opts ? opts : "");
	f->serve = tu_spawn_bg(out, TU_ARGV("shfl", "serve", "--share", share,
					    "--socket", f->sock));
	wait_path(f->sock, 5000);
}

static void start_mount(struct mfx *f, const char *opts)
{
	char out[700];

	snprintf(out, sizeof(out), "%s/mount%u.log", f->dir, ++f->nmount);
	if (opts)
		f->mount = tu_spawn_bg(out, TU_ARGV("shfl", "mount", "--socket",
						    f->sock, "-o", opts, SHARE,
						    f->mnt));
	else
		f->mount = tu_spawn_bg(out, TU_ARGV("shfl", "mount", "--socket",
						    f->sock, SHARE, f->mnt));
	wait_mounted(f, true, 5000);
}

/* fusermount3 -u, and the mount process must exit 0 by itself. */
static void unmount(struct mfx *f)
{
	char cmd[700];
	int rc;

	snprintf(cmd, sizeof(cmd), "fusermount3 -u %s", f->mnt);
	assert_int_equal(system(cmd), 0);
	rc = tu_wait_bg(f->mount, 5000);
	f->mount = 0;
	assert_int_equal(rc, 0);
	assert_false(is_mounted(f->mnt));
}

static int setup_opts(void **state, const char *host_opts,
		      const char *mount_opts)
{
	struct mfx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->host, sizeof(f->host), "%s/host", f->dir);
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/hgcm.sock", f->dir);
	snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
	if (mkdir(f->host, 0755) || mkdir(f->mnt, 0755) ||
	    mkdir(f->work, 0755))
		return -1;
	*state = f;
	start_host(f, host_opts);
	start_mount(f, mount_opts);
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, ":symlinks=subtree", NULL);
}

static int setup_ro_share(void **state)
{
	return setup_opts(state, ":ro", NULL);
}

static int teardown(void **state)
{
	struct mfx *f = *state;
	char cmd[700];

	if (f->mount) {
		snprintf(cmd, sizeof(cmd), "fusermount3 -u -z %s 2>/dev/null",
			 f->mnt);
		if (system(cmd)) {
			/* nothing mounted any more */
		}
		tu_wait_bg(f->mount, 3000);
	}
	if (f->serve) {
		kill(f->serve, SIGTERM);
		tu_wait_bg(f->serve, 3000);
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* ----------------------------------------------------------- helpers */

/* Run a shell command; on failure show it and its output. */
static void sh_ok(struct mfx *f, const char *fmt, ...)
{
	char cmd[4096], full[4900], log[700];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(log, sizeof(log), "%s/sh.log", f->dir);
	snprintf(full, sizeof(full), "( %s ) >%s 2>&1", cmd, log);
	rc = system(full);
	if (rc != 0) {
		char *out = tu_read_file(log);

		fail_msg("'%s' failed (status 0x%x):\n%s", cmd, rc, out);
	}
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The whole file (binary); *@len gets its length. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		assert_true(n > 0);
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return buf;
}

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

static void rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 33);
}

/* ------------------------------------------------------------- tests */

/* A source-like tree: nested directories, files of many sizes (0 to
 * 300 KiB), executables, relative symlinks, old mtimes. */
static void make_tree(const char *root, unsigned seed)
{
	char p[1024], q[1024];
	unsigned d, i;

	rnd_state = seed;
	for (d = 0; d < 6; d++) {
		snprintf(p, sizeof(p), "%s/dir%u", root, d);
		assert_int_equal(mkdir(p, 0755), 0);
		snprintf(p, sizeof(p), "%s/dir%u/sub", root, d);
		assert_int_equal(mkdir(p, 0750), 0);
		for (i = 0; i < 12; i++) {
			size_t len = i == 0 ? 0 : (size_t)(rnd() % (1u << (i + 7)));
			uint8_t *data = malloc(len + 1);
			struct timeval tv[2] = { { 1000000000 + (long)(i * 7777), 0 },
						 { 1100000000 + (long)(d * 99999 + i), 0 } };

			rnd_fill(data, len);
			snprintf(p, sizeof(p), "%s/dir%u/%s%u.c", root, d,
				 i & 1 ? "sub/" : "", i);
			write_file(p, data, len);
			free(data);
			if (i % 5 == 4)
				assert_int_equal(chmod(p, 0755), 0);
			assert_int_equal(utimes(p, tv), 0);
		}
		snprintf(q, sizeof(q), "%s/dir%u/link", root, d);
		assert_int_equal(symlink("2.c", q), 0);
		snprintf(q, sizeof(q), "%s/dir%u/sublink", root, d);
		assert_int_equal(symlink("sub/1.c", q), 0);
	}
	snprintf(p, sizeof(p), "%s/README", root);
	write_file(p, "memwire shfl test tree\n", 23);
}

#define TAR_FLAGS                                                              \
	"--sort=name --format=gnu --numeric-owner --owner=0 --group=0 "        \
	"--no-acls --no-xattrs"

static void test_tar_roundtrip_matches_host(void **state)
{
	struct mfx *f = *state;
	char src[700];
	size_t a_len, b_len, c_len;
	uint8_t *a, *b, *c;
	char p[800];

	path_in(src, sizeof(src), f->work, "src");
	assert_int_equal(mkdir(src, 0755), 0);
	make_tree(src, 7);
	/* the reference archive, from the tree itself */
	sh_ok(f, "tar -C %s " TAR_FLAGS " -cf %s/a.tar .", src, f->work);
	/* untar into the mount */
	sh_ok(f, "tar -C %s --no-same-owner -xf %s/a.tar", f->mnt, f->work);
	/* the host directory holds exactly the tree */
	sh_ok(f, "diff -r --no-dereference %s %s", src, f->host);
	/* re-tar through the mount and from the host: same bytes */
	sh_ok(f, "tar -C %s " TAR_FLAGS " -cf %s/b.tar .", f->mnt, f->work);
	sh_ok(f, "tar -C %s " TAR_FLAGS " -cf %s/c.tar .", f->host, f->work);
	path_in(p, sizeof(p), f->work, "a.tar");
	a = slurp(p, &a_len);
	path_in(p, sizeof(p), f->work, "b.tar");
	b = slurp(p, &b_len);
	path_in(p, sizeof(p), f->work, "c.tar");
	c = slurp(p, &c_len);
	assert_int_equal(b_len, c_len);
	assert_memory_equal(b, c, b_len);
	/* and the same as the original (modes, mtimes, links, data) */
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	free(a);
	free(b);
	free(c);
}

static void test_git_commits_and_status(void **state)
{
	struct mfx *f = *state;
	char src[700], *out, p[800];

	path_in(src, sizeof(src), f->mnt, "repo");
	assert_int_equal(mkdir(src, 0755), 0);
	make_tree(src, 11);
	sh_ok(f, "cd %s && git init -q -b main . && git config user.email "
		 "t@example.org && git config user.name t && git add -A && "
		 "git commit -q -m one", src);
	sh_ok(f, "cd %s && echo more >> README && git mv dir0 moved && "
		 "git rm -q dir1/2.c && git commit -q -am two", src);
	sh_ok(f, "cd %s && mkdir -p new/deep && echo x > new/deep/f && "
		 "git add new && git commit -q -m three && git gc -q", src);
	sh_ok(f, "cd %s && git fsck --strict --no-progress && "
		 "test -z \"$(git status --porcelain)\" && "
		 "test $(git rev-list --count HEAD) = 3 > %s/count",
	      src, f->work);
	/* the host sees the same repository */
	sh_ok(f, "cd %s/repo && git status --porcelain > %s/st && "
		 "git log --format=%%s > %s/log", f->host, f->work, f->work);
	path_in(p, sizeof(p), f->work, "st");
	out = tu_read_file(p);
	assert_string_equal(out, "");
	free(out);
	path_in(p, sizeof(p), f->work, "log");
	out = tu_read_file(p);
	assert_string_equal(out, "three\ntwo\none\n");
	free(out);
}

/* SQLite in rollback-journal mode and in WAL mode (shared mmap of -shm),
 * two writers at once, checked through the mount and on the host. */
static void test_sqlite_journal_and_wal(void **state)
{
	static const char *const modes[] = { "DELETE", "WAL" };
	struct mfx *f = *state;
	char p[800], *out;
	unsigned m;

	for (m = 0; m < 2; m++) {
		char db[700];

		snprintf(db, sizeof(db), "%s/t%u.db", f->mnt, m);
		sh_ok(f, "sqlite3 %s 'PRAGMA journal_mode=%s; CREATE TABLE "
			 "t(k INTEGER PRIMARY KEY, v TEXT);' > /dev/null",
		      db, modes[m]);
		/* two processes writing at once, 200 transactions each */
		sh_ok(f, "for w in 1 2; do ( i=0; while [ $i -lt 200 ]; do "
			 "echo \"BEGIN; INSERT INTO t(v) VALUES('w$w-$i'); "
			 "COMMIT;\"; i=$((i+1)); done ) | sqlite3 -cmd "
			 "'.timeout 20000' %s & done; wait",
		      db);
		sh_ok(f, "sqlite3 %s 'PRAGMA integrity_check; SELECT "
			 "count(*) FROM t; PRAGMA journal_mode;' > %s/q%u",
		      db, f->work, m);
		snprintf(p, sizeof(p), "%s/q%u", f->work, m);
		out = tu_read_file(p);
		if (m == 0)
			assert_string_equal(out, "ok\n400\ndelete\n");
		else
			assert_string_equal(out, "ok\n400\nwal\n");
		free(out);
		if (m == 1) {
			struct stat st;

			/* WAL really ran: the -shm file was mapped */
			snprintf(p, sizeof(p), "%s/t1.db-shm", f->mnt);
			sh_ok(f, "sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE);' "
				 ">/dev/null", db);
			assert_int_equal(stat(p, &st) == 0 || errno == ENOENT,
					 1);
		}
		/* the host's copy, read without the mount */
		sh_ok(f, "sqlite3 -readonly %s/t%u.db 'SELECT count(*), "
			 "count(DISTINCT v) FROM t;' > %s/h%u",
		      f->host, m, f->work, m);
		snprintf(p, sizeof(p), "%s/h%u", f->work, m);
		out = tu_read_file(p);
		assert_string_equal(out, "400|400\n");
		free(out);
	}
}

/* fsx: random writes, reads, truncates, mmap reads and writes, fsyncs and
 * reopens on one file, checked against a model and against the host. */
#define FSX_MAX (2u << 20)
#define FSX_OPLEN (256u << 10)

static void fsx_check_host(const char *hostpath, const uint8_t *model,
			   size_t size, unsigned op, uint64_t seed)
{
	size_t len;
	uint8_t *h = slurp(hostpath, &len);
	size_t i;

	if (len != size)
		fail_msg("fsx seed %" PRIu64 " op %u: host file has %zu bytes, "
			 "model %zu", seed, op, len, size);
	for (i = 0; i < size && h[i] == model[i]; i++)
		;
	if (i < size)
		fail_msg("fsx seed %" PRIu64 " op %u: host byte %zu is 0x%02x, "
			 "model 0x%02x", seed, op, i, h[i], model[i]);
	free(h);
}

static void test_fsx_random_operations(void **state)
{
	struct mfx *f = *state;
	const char *env = getenv("MEMWIRE_FSX_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	uint8_t *model = calloc(1, FSX_MAX), *buf = malloc(FSX_OPLEN);
	char path[700], hostpath[700];
	size_t size = 0;
	unsigned op, nops = 3000, counts[7] = { 0 };
	int fd;

	assert_non_null(model);
	assert_non_null(buf);
	print_message("fsx seed %" PRIu64 " (MEMWIRE_FSX_SEED to replay)\n",
		      seed);
	rnd_state = seed | 1;
	path_in(path, sizeof(path), f->mnt, "fsx.bin");
	path_in(hostpath, sizeof(hostpath), f->host, "fsx.bin");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (op = 0; op < nops; op++) {
		unsigned kind = (unsigned)(rnd() % 100);
		size_t off = (size_t)(rnd() % FSX_MAX);
		size_t len = 1 + (size_t)(rnd() % FSX_OPLEN);

		if (off + len > FSX_MAX)
			len = FSX_MAX - off;
		if (kind < 30) { /* write */
			rnd_fill(buf, len);
			if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
				fail_msg("fsx seed %" PRIu64 " op %u: pwrite "
					 "%zu@%zu: %s", seed, op, len, off,
					 strerror(errno));
			memcpy(model + off, buf, len);
			if (off + len > size)
				size = off + len;
			counts[0]++;
		} else if (kind < 55) { /* read */
			ssize_t n = pread(fd, buf, len, (off_t)off);
			size_t want = off >= size ? 0
				      : off + len > size ? size - off
							 : len;

			if (n != (ssize_t)want)
				fail_msg("fsx seed %" PRIu64 " op %u: pread "
					 "%zu@%zu returned %zd, want %zu", seed,
					 op, len, off, n, want);
			if (memcmp(buf, model + off, want))
				fail_msg("fsx seed %" PRIu64 " op %u: pread "
					 "%zu@%zu: data differs", seed, op, len,
					 off);
			counts[1]++;
		} else if (kind < 63) { /* truncate */
			size_t ns = (size_t)(rnd() % FSX_MAX);

			assert_int_equal(ftruncate(fd, (off_t)ns), 0);
			if (ns > size)
				memset(model + size, 0, ns - size);
			else
				memset(model + ns, 0, size - ns);
			size = ns;
			counts[2]++;
		} else if (kind < 75 && size > 0) { /* mmap read */
			uint8_t *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd,
					  0);

			assert_true(m != MAP_FAILED);
			off %= size;
			if (off + len > size)
				len = size - off;
			if (memcmp(m + off, model + off, len))
				fail_msg("fsx seed %" PRIu64 " op %u: mapped "
					 "read %zu@%zu differs", seed, op, len,
					 off);
			munmap(m, size);
			counts[3]++;
		} else if (kind < 87 && size > 0) { /* mmap write */
			uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
					  MAP_SHARED, fd, 0);

			assert_true(m != MAP_FAILED);
			off %= size;
			if (off + len > size)
				len = size - off;
			rnd_fill(buf, len);
			memcpy(m + off, buf, len);
			memcpy(model + off, buf, len);
			assert_int_equal(msync(m, size, MS_SYNC), 0);
			munmap(m, size);
			counts[4]++;
		} else if (kind < 92) { /* fsync */
			assert_int_equal(fsync(fd), 0);
			counts[5]++;
		} else { /* close and reopen */
			assert_int_equal(close(fd), 0);
			fd = open(path, O_RDWR);
			assert_true(fd >= 0);
			counts[6]++;
		}
		if (op % 500 == 499) {
			struct stat st;

			assert_int_equal(fstat(fd, &st), 0);
			if ((size_t)st.st_size != size)
				fail_msg("fsx seed %" PRIu64 " op %u: size %lld, "
					 "model %zu", seed, op,
					 (long long)st.st_size, size);
			fsx_check_host(hostpath, model, size, op, seed);
		}
	}
	assert_int_equal(close(fd), 0);
	fsx_check_host(hostpath, model, size, op, seed);
	print_message("fsx: %u ops: %u writes, %u reads, %u truncates, %u "
		      "mapped reads, %u mapped writes, %u fsyncs, %u reopens\n",
		      nops, counts[0], counts[1], counts[2], counts[3],
		      counts[4], counts[5], counts[6]);
	free(model);
	free(buf);
}

/* Sparse writes past 4 GiB, across the 4 GiB boundary, holes read 0. */
static void test_large_sparse_file_past_4g(void **state)
{
	struct mfx *f = *state;
	const off_t g4 = (off_t)4 << 30, far = (off_t)5 << 30;
	uint8_t *a = malloc(1 << 20), *b = malloc(1 << 20);
	char path[700], hostpath[700];
	struct stat st;
	int fd, hfd;

	if (!a || !b) {
		fail_msg("no memory for 2 MiB");
		return;
	}
	rnd_state = 42;
	rnd_fill(a, 1 << 20);
	path_in(path, sizeof(path), f->mnt, "big");
	path_in(hostpath, sizeof(hostpath), f->host, "big");
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, a, 1 << 20, far), 1 << 20);
	assert_int_equal(pwrite(fd, a, 8192, g4 - 4096), 8192);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, far + (1 << 20));
	memset(b, 0xee, 1 << 20);
	assert_int_equal(pread(fd, b, 1 << 20, far), 1 << 20);
	assert_memory_equal(a, b, 1 << 20);
	assert_int_equal(pread(fd, b, 8192, g4 - 4096), 8192);
	assert_memory_equal(a, b, 8192);
	memset(b, 0xee, 65536);
	assert_int_equal(pread(fd, b, 65536, (off_t)1 << 30), 65536);
	memset(a + 100000, 0, 65536);
	assert_memory_equal(a + 100000, b, 65536);
	assert_int_equal(close(fd), 0);
	/* on the host: the same bytes, and sparse */
	assert_int_equal(stat(hostpath, &st), 0);
	assert_int_equal(st.st_size, far + (1 << 20));
	assert_true(st.st_blocks * 512 < (64 << 20));
	hfd = open(hostpath, O_RDONLY);
	assert_true(hfd >= 0);
	assert_int_equal(pread(hfd, b, 8192, g4 - 4096), 8192);
	rnd_state = 42;
	rnd_fill(a, 1 << 20);
	assert_memory_equal(a, b, 8192);
	assert_int_equal(pread(hfd, b, 1 << 20, far), 1 << 20);
	assert_memory_equal(a, b, 1 << 20);
	close(hfd);
	/* truncate down across the boundary */
	assert_int_equal(truncate(path, g4 + 10), 0);
	assert_int_equal(stat(hostpath, &st), 0);
	assert_int_equal(st.st_size, g4 + 10);
	free(a);
	free(b);
}

/* The calls a program makes, each checked on the host. */
static void test_posix_operations_reach_the_host(void **state)
{
	struct mfx *f = *state;
	char p[800], q[800], h[800], buf[256];
	struct statvfs sv;
	struct stat st;
	struct timespec ts[2] = { { 1234567890, 0 }, { 1300000000, 500 } };
	int fd, fd2;

	path_in(p, sizeof(p), f->mnt, "d1");
	assert_int_equal(mkdir(p, 0755), 0);
	path_in(h, sizeof(h), f->host, "d1");
	assert_int_equal(stat(h, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir(p, 0755), -1);
	assert_int_equal(errno, EEXIST);
	/* create, write, rename across directories, over an existing file */
	path_in(p, sizeof(p), f->mnt, "d1/a");
	write_file(p, "hello", 5);
	path_in(q, sizeof(q), f->mnt, "b");
	write_file(q, "old", 3);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(access(p, F_OK), -1);
	path_in(h, sizeof(h), f->host, "b");
	fd = open(h, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	assert_memory_equal(buf, "hello", 5);
	/* a directory renamed: what was inside follows */
	path_in(p, sizeof(p), f->mnt, "d1/inner");
	write_file(p, "in", 2);
	path_in(p, sizeof(p), f->mnt, "d1");
	path_in(q, sizeof(q), f->mnt, "d2");
	assert_int_equal(rename(p, q), 0);
	path_in(q, sizeof(q), f->mnt, "d2/inner");
	assert_int_equal(stat(q, &st), 0);
	assert_int_equal(st.st_size, 2);
	/* rmdir of a non-empty directory */
	path_in(q, sizeof(q), f->mnt, "d2");
	assert_int_equal(rmdir(q), -1);
	assert_int_equal(errno, ENOTEMPTY);
	/* chmod and utimens */
	path_in(p, sizeof(p), f->mnt, "b");
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	path_in(h, sizeof(h), f->host, "b");
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtim.tv_sec, 1300000000);
	assert_int_equal(st.st_mtim.tv_nsec, 500);
	assert_int_equal(st.st_atim.tv_sec, 1234567890);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1300000000);
	/* truncate by path, up and down */
	assert_int_equal(truncate(p, 100000), 0);
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_size, 100000);
	assert_int_equal(truncate(p, 3), 0);
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_size, 3);
	/* symlink and readlink */
	path_in(q, sizeof(q), f->mnt, "lnk");
	assert_int_equal(symlink("b", q), 0);
	assert_int_equal(readlink(q, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'b');
	assert_int_equal(lstat(q, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	path_in(h, sizeof(h), f->host, "lnk");
	assert_int_equal(readlink(h, buf, sizeof(buf)), 1);
	assert_int_equal(unlink(q), 0);
	assert_int_equal(lstat(h, &st), -1);
	/* an unlinked open file stays readable */
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(pread(fd, buf, 3, 0), 3);
	assert_memory_equal(buf, "hel", 3);
	close(fd);
	/* O_EXCL */
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	fd2 = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	assert_int_equal(fd2, -1);
	assert_int_equal(errno, EEXIST);
	close(fd);
	/* O_APPEND */
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "12", 2), 2);
	assert_int_equal(write(fd, "34", 2), 2);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4);
	/* readdir sees what the host has, created behind the mount's back */
	path_in(h, sizeof(h), f->host, "d2/host-made");
	write_file(h, "x", 1);
	{
		DIR *d;
		struct dirent *de;
		unsigned n = 0, seen = 0;

		path_in(q, sizeof(q), f->mnt, "d2");
		d = opendir(q);
		assert_non_null(d);
		while ((de = readdir(d))) {
			n++;
			if (!strcmp(de->d_name, "host-made") ||
			    !strcmp(de->d_name, "inner"))
				seen++;
		}
		closedir(d);
		assert_int_equal(seen, 2);
		assert_int_equal(n, 4); /* . .. inner host-made */
	}
	assert_int_equal(statvfs(f->mnt, &sv), 0);
	assert_int_equal(sv.f_namemax, 255);
	assert_true(sv.f_blocks > 0);
	/* a path that leaves the mount and comes back in (the kernel, not
	 * FUSE, resolves the ".."; escapes are tested in test_shfl_service) */
	path_in(q, sizeof(q), f->mnt, "../mnt/d2/inner");
	assert_int_equal(stat(q, &st), 0);
}

/* A read-only share: every mutating call fails with EROFS (VBox
 * VERR_WRITE_PROTECT), reads work, the host is untouched. */
static void test_ro_share_refuses_writes(void **state)
{
	struct mfx *f = *state;
	char p[800], h[800], buf[16];
	struct stat st;
	int fd;

	/* host made files before the mount */
	path_in(h, sizeof(h), f->host, "r");
	write_file(h, "ro data", 7);
	path_in(p, sizeof(p), f->mnt, "r");
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	errno = 0;
	assert_int_equal(open(p, O_WRONLY), -1);
	assert_int_equal(errno, EROFS);
	path_in(p, sizeof(p), f->mnt, "new");
	assert_int_equal(open(p, O_WRONLY | O_CREAT, 0644), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(mkdir(p, 0755), -1);
	assert_int_equal(errno, EROFS);
	path_in(p, sizeof(p), f->mnt, "r");
	assert_int_equal(unlink(p), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(chmod(p, 0600), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(truncate(p, 0), -1);
	assert_int_equal(errno, EROFS);
	path_in(h, sizeof(h), f->mnt, "r2");
	assert_int_equal(rename(p, h), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(symlink("r", h), -1);
	assert_int_equal(errno, EROFS);
	/* the host refuses too, without the mount's help */
	tu_check_error(TU_ARGV("shfl", "put", "--socket", f->sock, SHARE, "r"),
		       1, "VERR_WRITE_PROTECT");
	path_in(h, sizeof(h), f->host, "r");
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(st.st_mode & 0777, 0644);
}

/* Run @op in a child; it must fail (ENOTCONN or EIO) within 5 s. */
enum dead_op { DEAD_OPEN, DEAD_CREATE, DEAD_LOOKUP, DEAD_READDIR, DEAD_MKDIR };

static void expect_fast_error(struct mfx *f, enum dead_op op, const char *what)
{
	double t0 = tu_now_ms();
	pid_t pid;
	int st, rc;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char p[800];
		int r = -1;

		switch (op) {
		case DEAD_OPEN:
			path_in(p, sizeof(p), f->mnt, "before");
			r = open(p, O_RDONLY);
			break;
		case DEAD_CREATE:
			path_in(p, sizeof(p), f->mnt, "after");
			r = open(p, O_WRONLY | O_CREAT, 0644);
			break;
		case DEAD_LOOKUP: {
			struct stat sb;

			path_in(p, sizeof(p), f->mnt, "never-seen");
			r = stat(p, &sb);
			break;
		}
		case DEAD_READDIR: {
			DIR *d;

			path_in(p, sizeof(p), f->mnt, "dir");
			d = opendir(p);
			r = d ? (readdir(d) ? 0 : (errno ? -1 : 0)) : -1;
			break;
		}
		case DEAD_MKDIR:
			path_in(p, sizeof(p), f->mnt, "newdir");
			r = mkdir(p, 0755);
			break;
		}
		if (r >= 0)
			_exit(10);
		_exit(errno == ENOTCONN || errno == EIO ? 0 : 20 + (errno & 63));
	}
	rc = tu_wait_bg(pid, 8000);
	st = rc;
	if (rc == -1)
		fail_msg("%s hung for 8 s after the host died", what);
	if (rc == 10)
		fail_msg("%s succeeded after the host died", what);
	if (rc != 0)
		fail_msg("%s failed with errno %d, not ENOTCONN/EIO", what,
			 st - 20);
	if (tu_now_ms() - t0 > 5000)
		fail_msg("%s took %.0f ms to fail", what, tu_now_ms() - t0);
}

static void test_host_killed_errors_fast_then_remount(void **state)
{
	struct mfx *f = *state;
	char p[800], buf[16];
	int fd;

	path_in(p, sizeof(p), f->mnt, "before");
	write_file(p, "survives", 8);
	path_in(p, sizeof(p), f->mnt, "dir");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(kill(f->serve, SIGKILL), 0);
	assert_int_equal(tu_wait_bg(f->serve, 5000), 128 + SIGKILL);
	f->serve = 0;
	expect_fast_error(f, DEAD_OPEN, "open of an existing file");
	expect_fast_error(f, DEAD_CREATE, "create");
	expect_fast_error(f, DEAD_LOOKUP, "stat of an unseen name");
	expect_fast_error(f, DEAD_READDIR, "readdir");
	expect_fast_error(f, DEAD_MKDIR, "mkdir");
	/* fusermount3 -u still ends the mount cleanly */
	unmount(f);
	/* a new host on the same directory and socket path; mount again */
	start_host(f, NULL);
	start_mount(f, NULL);
	path_in(p, sizeof(p), f->mnt, "before");
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "survives", 8);
	close(fd);
}

static void test_unmount_by_fusermount_and_sigterm(void **state)
{
	struct mfx *f = *state;
	char p[800];
	int rc;

	path_in(p, sizeof(p), f->mnt, "x");
	write_file(p, "1", 1);
	unmount(f);
	start_mount(f, "ttl=0");
	assert_int_equal(kill(f->mount, SIGTERM), 0);
	rc = tu_wait_bg(f->mount, 5000);
	f->mount = 0;
	assert_int_equal(rc, 0);
	assert_false(is_mounted(f->mnt));
	/* and -o ro makes the kernel refuse writes */
	start_mount(f, "ro,uid=1234,gid=5678");
	{
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
		assert_int_equal(open(p, O_WRONLY), -1);
		assert_int_equal(errno, EROFS);
	}
	unmount(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_posix_operations_reach_the_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_roundtrip_matches_host,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_git_commits_and_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_journal_and_wal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsx_random_operations,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_sparse_file_past_4g,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ro_share_refuses_writes,
						setup_ro_share, teardown),
		cmocka_unit_test_setup_teardown(
			test_host_killed_errors_fast_then_remount, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_unmount_by_fusermount_and_sigterm, setup, teardown),
	};

	if (access("/dev/fuse", R_OK | W_OK)) {
		fprintf(stderr, "test_shfl_mount: /dev/fuse is not usable\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
