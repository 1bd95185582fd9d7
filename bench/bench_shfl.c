/* SPDX-License-Identifier: MIT */
/*
 * bench_shfl.c - shared folders through `memwire shfl mount`, each figure
 * next to two baselines measured in the same run on the same directory:
 * bindfs (a plain FUSE passthrough) and the directory itself.
 *
 *   fio sequential write, 1 MiB blocks (psync, end_fsync)   MiB/s
 *   fio sequential read, 1 MiB blocks (psync)               MiB/s
 *   10,000 small files: create+write, stat, remove          files/s each
 *
 * A real `memwire shfl serve` process and a real `memwire shfl mount`
 * process (found next to this program, or $MEMWIRE).  Every figure is the
 * median of RUNS runs; the ratios are memwire / baseline (above 1 is
 * faster).  At the end, the peak resident size (VmHWM) of the host service
 * and of the FUSE process, which must stay under 64 MiB.
 * usage: bench_shfl [MIB]    (fio file size, default 256; the directory
 * is made in $TMPDIR, else /tmp)
 *
 * Like with like: the three run the same fio jobs and the same file loop
 * on the same host directory; both FUSE mounts cache entries and
 * attributes for 1 s (bindfs's default, and memwire's ttl) and neither
 * keeps file data cached across open(), so every read goes to the host,
 * whose page cache holds the file just written in all three cases.
 * NOTE: the order of the three rotates from run to run (each goes first
 * once in every RUNS = 3).  Host file systems remember what was removed:
 * ext4 without a journal, for one, skips every inode freed in the last
 * minute when it allocates a new one (recently_deleted()), so a create
 * loop right after another target's remove loop pays for it; a fixed
 * order would charge that to whoever runs last.
 */
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

#define BENCH_NAME "bench_shfl"
#include "bench.h"

#define RUNS 3
#define NFILES 10000
#define RSS_LIMIT_KIB (64 * 1024)

enum { T_NATIVE, T_BINDFS, T_MEMWIRE, NT };
static const char *const tname[NT] = { "native", "bindfs", "memwire" };

enum { M_WRITE, M_READ, M_CREATE, M_STAT, M_REMOVE, NM };
static const char *const mname[NM] = {
	"fio seq write 1 MiB (MiB/s)", "fio seq read 1 MiB (MiB/s)",
	"create 10k files (files/s)", "stat 10k files (files/s)",
	"remove 10k files (files/s)",
};

static char dir[PATH_MAX - 64], host[PATH_MAX], mnt[PATH_MAX],
	bmnt[PATH_MAX], sock[PATH_MAX], memwire[PATH_MAX + 16];
static pid_t serve_pid, mount_pid;
static unsigned mib = 256;

static void fatal(const char *what)
{
	fprintf(stderr, "%s: %s\n", BENCH_NAME, what);
	exit(1);
}

static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fatal("fork failed");
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static bool mounted_on(const char *m)
{
	struct stat a, b;
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s/..", m);
	return !stat(m, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

static void wait_for(bool (*ok)(const char *), const char *arg,
		     const char *what)
{
	double end = now_s() + 10;

	while (!ok(arg)) {
		if (now_s() > end) {
			fprintf(stderr, "%s: %s did not come up (logs in %s)\n",
				BENCH_NAME, what, dir);
			exit(1);
		}
		usleep(10000);
	}
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void find_memwire(const char *argv0)
{
	const char *env = getenv("MEMWIRE");
	char self[PATH_MAX - 16];
	ssize_t n;

	if (env) {
		snprintf(memwire, sizeof(memwire), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		fatal("cannot find myself");
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(memwire, sizeof(memwire), "%s/../memwire", self);
	if (!exists(memwire))
		fatal("no memwire next to this program; set MEMWIRE");
	(void)argv0;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char share[PATH_MAX + 16], log[PATH_MAX], cmd[3 * PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/memwire-bench-shfl.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	snprintf(host, sizeof(host), "%s/host", dir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	snprintf(bmnt, sizeof(bmnt), "%s/bindfs", dir);
	snprintf(sock, sizeof(sock), "%s/hgcm.sock", dir);
	if (mkdir(host, 0755) || mkdir(mnt, 0755) || mkdir(bmnt, 0755))
		fatal("mkdir failed");
	snprintf(share, sizeof(share), "bench=%s", host);
	snprintf(log, sizeof(log), "%s/serve.log", dir);
	serve_pid = spawn((const char *const[]){ memwire, "shfl", "serve",
						 "--share", share, "--socket",
						 sock, NULL },
			  log);
	wait_for(exists, sock, "memwire shfl serve");
	snprintf(log, sizeof(log), "%s/mount.log", dir);
	mount_pid = spawn((const char *const[]){ memwire, "shfl", "mount",
						 "--socket", sock, "bench", mnt,
						 NULL },
			  log);
	wait_for(mounted_on, mnt, "memwire shfl mount");
	snprintf(cmd, sizeof(cmd), "bindfs --no-allow-other %s %s", host,
		 bmnt);
	if (run(cmd))
		fatal("bindfs failed (Debian package bindfs)");
	wait_for(mounted_on, bmnt, "bindfs");
}

static void teardown(void)
{
	char cmd[2 * PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "fusermount3 -u %s; fusermount3 -u %s",
		 mnt, bmnt);
	if (run(cmd))
		fprintf(stderr, "%s: unmounting failed\n", BENCH_NAME);
	if (mount_pid) {
		kill(mount_pid, SIGTERM);
		waitpid(mount_pid, NULL, 0);
	}
	if (serve_pid) {
		kill(serve_pid, SIGTERM);
		waitpid(serve_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (run(cmd))
		fprintf(stderr, "%s: could not remove %s\n", BENCH_NAME, dir);
}

/*
 * fio --minimal: field 7 is the read bandwidth, 48 the write bandwidth,
 * in KiB/s (terse format version 3).
 * NOTE: --invalidate=0: fio's default drops the file's cached pages before
 * it reads, which on the native directory means reading from the disk but
 * on a FUSE mount drops only the mount's own cache, the host's staying
 * warm; with it off, all three read the host's page cache.
 */
static double fio(const char *where, bool write)
{
	char cmd[2 * PATH_MAX + 256], line[8192], *tok, *save = NULL;
	double kib = -1;
	FILE *p;
	int field = 0;

	snprintf(cmd, sizeof(cmd),
		 "fio --minimal --name=seq --filename=%s/fio.dat --rw=%s "
		 "--bs=1M --size=%uM --ioengine=psync --invalidate=0 %s "
		 "2>&1",
		 where, write ? "write" : "read", mib,
		 write ? "--end_fsync=1 --create_on_open=1" : "");
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p))
		fatal("fio failed (Debian package fio)");
	pclose(p);
	for (tok = strtok_r(line, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		field++;
		if (field == (write ? 48 : 7)) {
			kib = strtod(tok, NULL);
			break;
		}
	}
	if (kib <= 0) {
		fprintf(stderr, "%s: fio output: %s\n", BENCH_NAME, line);
		fatal("cannot read fio's bandwidth");
	}
	return kib / 1024.0;
}

/* 10,000 files of 100 bytes: create+write, stat, remove; files/s. */
static void small_files(const char *where, double rate[3])
{
	char p[PATH_MAX + 64], sub[PATH_MAX + 16];
	static const char data[100] = "memwire small file";
	struct stat st;
	double t;
	int i, fd;

	snprintf(sub, sizeof(sub), "%s/small", where);
	if (mkdir(sub, 0755))
		fatal("mkdir small failed");
	t = now_s();
	for (i = 0; i < NFILES; i++) {
		snprintf(p, sizeof(p), "%s/f%05d", sub, i);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data) ||
		    close(fd))
			fatal("creating a small file failed");
	}
	rate[0] = NFILES / (now_s() - t);
	t = now_s();
	for (i = 0; i < NFILES; i++) {
		snprintf(p, sizeof(p), "%s/f%05d", sub, i);
		if (stat(p, &st) || st.st_size != sizeof(data))
			fatal("stat of a small file failed");
	}
	rate[1] = NFILES / (now_s() - t);
	t = now_s();
	for (i = 0; i < NFILES; i++) {
		snprintf(p, sizeof(p), "%s/f%05d", sub, i);
		if (unlink(p))
			fatal("removing a small file failed");
	}
	rate[2] = NFILES / (now_s() - t);
	if (rmdir(sub))
		fatal("rmdir small failed");
}

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "VmHWM:", 6))
			kib = strtol(line + 6, NULL, 10);
	fclose(fp);
	return kib;
}

int main(int argc, char **argv)
{
	const char *where[NT] = { host, bmnt, mnt };
	double v[NT][NM][RUNS], med[NT][NM];
	long hwm_serve, hwm_mount;
	int t, m, r;

	if (argc > 1)
		mib = (unsigned)strtoul(argv[1], NULL, 0);
	if (mib < 16 || mib > 8192)
		fatal("MIB must be in 16..8192");
	find_memwire(argv[0]);
	setup();
	for (r = 0; r < RUNS; r++) {
		for (int k = 0; k < NT; k++) {
			char f[PATH_MAX + 16];

			t = (k + r) % NT;

			v[t][M_WRITE][r] = fio(where[t], true);
			v[t][M_READ][r] = fio(where[t], false);
			snprintf(f, sizeof(f), "%s/fio.dat", where[t]);
			unlink(f);
			double rate[3];

			small_files(where[t], rate);
			v[t][M_CREATE][r] = rate[0];
			v[t][M_STAT][r] = rate[1];
			v[t][M_REMOVE][r] = rate[2];
		}
	}
	hwm_serve = vm_hwm_kib(serve_pid);
	hwm_mount = vm_hwm_kib(mount_pid);
	for (t = 0; t < NT; t++)
		for (m = 0; m < NM; m++)
			med[t][m] = median(v[t][m], RUNS);

	printf("shared folder on %s, fio file %u MiB, median of %d runs "
	       "(order rotated)\n", dir, mib, RUNS);
	printf("%-30s %10s %10s %10s  %9s %9s\n", "", "native", "bindfs",
	       "memwire", "/bindfs", "/native");
	for (m = 0; m < NM; m++)
		printf("%-30s %10.0f %10.0f %10.0f  %8.2fx %8.2fx\n", mname[m],
		       med[T_NATIVE][m], med[T_BINDFS][m], med[T_MEMWIRE][m],
		       med[T_MEMWIRE][m] / med[T_BINDFS][m],
		       med[T_MEMWIRE][m] / med[T_NATIVE][m]);
	printf("peak resident size: host service %ld KiB, FUSE process %ld "
	       "KiB (limit %d KiB): %s\n",
	       hwm_serve, hwm_mount, RSS_LIMIT_KIB,
	       hwm_serve > 0 && hwm_mount > 0 && hwm_serve < RSS_LIMIT_KIB &&
			       hwm_mount < RSS_LIMIT_KIB
		       ? "ok"
		       : "OVER");
	(void)tname;
	teardown();
	return 0;
}
