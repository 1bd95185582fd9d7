/* SPDX-License-Identifier: MIT */
/*
 * demo_shfl.c - the shared-folders step of `memwire demo`.
 *
 * A temporary host directory is served by a real `memwire shfl serve`
 * process (VBoxSharedFolders over HGCM on a UNIX socket) and mounted by a
 * real `memwire shfl mount` process (FUSE), the way VirtualBox serves a
 * folder and vboxsf mounts it.  Through the mount the demo writes a few
 * small files, a directory and 64 MiB in 1 MiB writes, reads everything
 * back and checks it, shows both sides' listings (they must agree) and
 * the throughput, then unmounts with fusermount3 and stops the host.
 * Every process is ended by its pid; the directory is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shfl_cli.h"

#define BIG_MIB 64
#define CHUNK (1u << 20)
#define UP_TIMEOUT_S 10

struct sdemo {
	char dir[PATH_MAX - 64];
	char host[PATH_MAX], mnt[PATH_MAX], sock[PATH_MAX], self[PATH_MAX];
	pid_t serve, mount;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t spawn(struct sdemo *d, const char *const *argv, const char *log)
{
	char path[PATH_MAX + 32];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", d->dir, log);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(d->self, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static bool mounted(const char *m)
{
	char parent[PATH_MAX + 4];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", m);
	return !stat(m, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

/* Wait for @ok, or for @pid to die; false on either failure. */
static bool wait_up(pid_t pid, bool (*ok)(const char *), const char *arg)
{
	double end = now() + UP_TIMEOUT_S;

	while (!ok(arg)) {
		if (now() > end || waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		usleep(10000);
	}
	return true;
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static int put_file(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX + 64];
	size_t len = strlen(text);
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name size" lines of @dir, sorted, into @out (one string). */
static int listing(const char *dir, char *out, size_t len)
{
	char *names[64], p[PATH_MAX + 300];
	struct dirent *de;
	size_t n = 0, at = 0, i;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < 64)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_name);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, names[i] ? names[i] : "");
		if (names[i] && !lstat(p, &st) && at < len)
			at += (size_t)snprintf(out + at, len - at,
					       "    %-12s %s %10lld\n", names[i],
					       S_ISDIR(st.st_mode) ? "dir "
								   : "file",
					       S_ISDIR(st.st_mode)
						       ? 0LL
						       : (long long)st.st_size);
		free(names[i]);
	}
	return 0;
}

static int demo_run(struct sdemo *d)
{
	char share[PATH_MAX + 16], lg[4096], lh[4096], p[PATH_MAX + 32];
	uint8_t *buf = NULL, *back = NULL;
	double t, wmib, rmib;
	unsigned i, k;
	int fd, ret;

	snprintf(share, sizeof(share), "demo=%s", d->host);
	d->serve = spawn(d,
			 (const char *const[]){ d->self, "shfl", "serve",
						"--share", share, "--socket",
						d->sock, NULL },
			 "serve.log");
	if (d->serve < 0 || !wait_up(d->serve, exists, d->sock))
		return fail("shfl demo: the host service did not start (see "
			    "%s/serve.log)", d->dir);
	d->mount = spawn(d,
			 (const char *const[]){ d->self, "shfl", "mount",
						"--socket", d->sock, "demo",
						d->mnt, NULL },
			 "mount.log");
	if (d->mount < 0 || !wait_up(d->mount, mounted, d->mnt))
		return fail("shfl demo: the mount did not come up (see "
			    "%s/mount.log)", d->dir);
	open_object("shfl");
	print_str("host_dir", "shfl: host %s served as 'demo'", d->host);
	print_i64("host_pid", " (pid %lld),", d->serve);
	print_str("mount", " mounted on %s", d->mnt);
	print_i64("mount_pid", " (pid %lld)\n", d->mount);

	/* small files and a directory through the mount */
	snprintf(p, sizeof(p), "%s/notes", d->mnt);
	ret = mkdir(p, 0755) ? -errno : 0;
	if (!ret)
		ret = put_file(d->mnt, "hello.txt", "hello from the guest\n");
	if (!ret)
		ret = put_file(p, "todo.txt", "1. mount\n2. write\n3. unmount\n");
	if (ret) {
		ret = fail("shfl demo: writing through the mount: %s",
			   strerror(-ret));
		goto out;
	}

	/* 64 MiB in 1 MiB writes, read back and compared */
	buf = malloc(CHUNK);
	back = malloc(CHUNK);
	if (!buf || !back) {
		ret = fail("shfl demo: no memory");
		goto out;
	}
	snprintf(p, sizeof(p), "%s/big.bin", d->mnt);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		ret = fail("shfl demo: %s: %s", p, strerror(errno));
		goto out;
	}
	t = now();
	for (i = 0; i < BIG_MIB; i++) {
		for (k = 0; k < CHUNK; k++)
			buf[k] = (uint8_t)(i * 31 + k * 7 + (k >> 12));
		if (write(fd, buf, CHUNK) != (ssize_t)CHUNK)
			break;
	}
	if (i < BIG_MIB || fsync(fd) || close(fd)) {
		ret = fail("shfl demo: writing %s: %s", p, strerror(errno));
		goto out;
	}
	wmib = BIG_MIB / (now() - t);
	fd = open(p, O_RDONLY);
	if (fd < 0) {
		ret = fail("shfl demo: %s: %s", p, strerror(errno));
		goto out;
	}
	t = now();
	for (i = 0; i < BIG_MIB; i++) {
		size_t got = 0;

		while (got < CHUNK) {
			ssize_t n = read(fd, back + got, CHUNK - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		for (k = 0; k < CHUNK; k++)
			buf[k] = (uint8_t)(i * 31 + k * 7 + (k >> 12));
		if (got != CHUNK || memcmp(buf, back, CHUNK))
			break;
	}
	rmib = BIG_MIB / (now() - t);
	close(fd);
	if (i < BIG_MIB) {
		ret = fail("shfl demo: %s: MiB %u read back differs", p, i);
		goto out;
	}
	print_u64("big_mib", "shfl: %llu MiB written in 1 MiB writes", BIG_MIB);
	print_float("write_mib_per_s", " at %.0f MiB/s", wmib);
	print_float("read_mib_per_s", ", read back and checked at %.0f "
				      "MiB/s\n", rmib);

	/* both sides agree */
	if (listing(d->mnt, lg, sizeof(lg)) || listing(d->host, lh, sizeof(lh))) {
		ret = fail("shfl demo: listing: %s", strerror(errno));
		goto out;
	}
	print_text("$ ls %s    (guest, through FUSE)\n%s", d->mnt, lg);
	print_text("$ ls %s   (host)\n%s", d->host, lh);
	print_bool("listings_agree",
		   "shfl: guest and host listings agree: %s\n",
		   !strcmp(lg, lh));
	if (strcmp(lg, lh)) {
		ret = fail("shfl demo: the guest and host listings differ");
		goto out;
	}
	ret = EXIT_OK;
out:
	free(buf);
	free(back);
	if (d->mount > 0) {
		char cmd[PATH_MAX + 32];
		int st = -1;

		snprintf(cmd, sizeof(cmd), "fusermount3 -u %s", d->mnt);
		if (system(cmd) == 0 && waitpid(d->mount, &st, 0) == d->mount) {
			d->mount = 0;
			if (ret == EXIT_OK)
				print_bool("unmounted",
					   "shfl: unmounted with fusermount3, "
					   "mount process exited cleanly: %s\n",
					   WIFEXITED(st) && !WEXITSTATUS(st));
		}
	}
	if (ret == EXIT_OK)
		close_object();
	return ret;
}

int demo_shfl(void)
{
	struct sdemo d;
	const char *tmp = getenv("TMPDIR");
	char cmd[PATH_MAX + 64];
	ssize_t n;
	int ret;

	memset(&d, 0, sizeof(d));
	n = readlink("/proc/self/exe", d.self, sizeof(d.self) - 1);
	if (n <= 0)
		return fail("shfl demo: cannot find the memwire binary");
	d.self[n] = '\0';
	snprintf(d.dir, sizeof(d.dir), "%s/memwire-shfl-demo.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d.dir))
		return fail("shfl demo: creating a temporary directory: %s",
			    strerror(errno));
	snprintf(d.host, sizeof(d.host), "%s/host", d.dir);
	snprintf(d.mnt, sizeof(d.mnt), "%s/mnt", d.dir);
	snprintf(d.sock, sizeof(d.sock), "%s/hgcm.sock", d.dir);
	if (mkdir(d.host, 0755) || mkdir(d.mnt, 0755)) {
		ret = fail("shfl demo: mkdir: %s", strerror(errno));
		goto out;
	}
	ret = demo_run(&d);
out:
	/* whatever happened: end every child by its pid */
	if (d.mount > 0) {
		snprintf(cmd, sizeof(cmd), "fusermount3 -u -z %s 2>/dev/null",
			 d.mnt);
		if (system(cmd)) {
			/* not mounted any more */
		}
		kill(d.mount, SIGTERM);
		waitpid(d.mount, NULL, 0);
	}
	if (d.serve > 0) {
		kill(d.serve, SIGTERM);
		waitpid(d.serve, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d.dir);
	if (system(cmd))
		ret = fail("shfl demo: could not remove %s", d.dir);
	return ret;
}
