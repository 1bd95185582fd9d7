/* SPDX-License-Identifier: MIT */
/*
 * test_smd_mount.c - `memwire smd mount`: channels as files through a real
 * FUSE mount, served by a real `memwire smd peer` process.
 *
 * Needs /dev/fuse and fusermount3 (Debian fuse3, installed by scripts/deps
 * for `make check`).  Every process started here is ended by its pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

struct mfx {
	char dir[512];
	char file[600];
	char mnt[600];
	pid_t peer, mount;
};

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Wait until @path exists (the peer created it, or FUSE mounted). */
static void wait_path(const char *path, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;
	struct stat st;

	while (stat(path, &st) != 0) {
		if (tu_now_ms() > end)
			fail_msg("%s did not appear within %d ms", path,
				 timeout_ms);
		tu_sleep_ms(20);
	}
}

static int setup(void **state)
{
	struct mfx *f = calloc(1, sizeof(*f));
	char out[700];

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	path_in(f->file, sizeof(f->file), f->dir, "r.smem");
	path_in(f->mnt, sizeof(f->mnt), f->dir, "mnt");
	if (mkdir(f->mnt, 0755))
		return -1;
	path_in(out, sizeof(out), f->dir, "peer.log");
	f->peer = tu_spawn_bg(out, TU_ARGV("smd", "peer", "--file", f->file));
	wait_path(f->file, 5000);
	path_in(out, sizeof(out), f->dir, "mount.log");
	f->mount = tu_spawn_bg(out, TU_ARGV("smd", "mount", f->mnt, "--file",
					    f->file));
	{
		char probe[700];

		path_in(probe, sizeof(probe), f->mnt, "modem/LOOPBACK");
		wait_path(probe, 5000);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct mfx *f = *state;
	int st;

	if (f->mount > 0) {
		/* SIGINT unmounts and exits 0 (checked in the test). */
		kill(f->mount, SIGINT);
		st = tu_wait_bg(f->mount, 5000);
		if (st != 0)
			fprintf(stderr, "mount exited with %d\n", st);
	}
	if (f->peer > 0) {
		kill(f->peer, SIGINT);
		tu_wait_bg(f->peer, 5000);
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static void test_mount_lists_processors_and_channels(void **state)
{
	static const char *const want[] = { "LOOPBACK", "DIAG", "DATA1",
					    "RPCRPY_CNTL", "IPCRTR" };
	struct mfx *f = *state;
	char path[800];
	struct stat st;
	size_t i;

	path_in(path, sizeof(path), f->mnt, "modem");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char p[900];

		snprintf(p, sizeof(p), "%s/modem/%s", f->mnt, want[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISREG(st.st_mode));
	}
	path_in(path, sizeof(path), f->mnt, "modem/NOSUCH");
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	path_in(path, sizeof(path), f->mnt, "apps");
	assert_int_equal(stat(path, &st), -1);
}

/* Random data through LOOPBACK with poll(): every byte back, in order. */
static void test_loopback_echo_through_the_file_with_poll(void **state)
{
	enum { TOTAL = 1 << 20 };
	struct mfx *f = *state;
	uint8_t *out = malloc(TOTAL), *in = malloc(TOTAL);
	size_t sent = 0, got = 0, i;
	double end = tu_now_ms() + 20000;
	char path[800];
	int fd;

	assert_non_null(out);
	assert_non_null(in);
	srand(42);
	for (i = 0; i < TOTAL; i++)
		out[i] = (uint8_t)rand();
	path_in(path, sizeof(path), f->mnt, "modem/LOOPBACK");
	fd = open(path, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	while (got < TOTAL) {
		struct pollfd p = { fd, POLLIN | (sent < TOTAL ? POLLOUT : 0), 0 };
		ssize_t n;

		if (tu_now_ms() > end)
			fail_msg("echo stalled: sent %zu, got %zu", sent, got);
		assert_true(poll(&p, 1, 2000) >= 0);
		if ((p.revents & POLLOUT) && sent < TOTAL) {
			size_t len = TOTAL - sent < 65536 ? TOTAL - sent : 65536;

			n = write(fd, out + sent, len);
			if (n > 0)
				sent += (size_t)n;
			else
				assert_true(errno == EAGAIN);
		}
		if (p.revents & POLLIN) {
			n = read(fd, in + got, TOTAL - got);
			if (n > 0)
				got += (size_t)n;
			else
				assert_true(n < 0 && errno == EAGAIN);
		}
	}
	assert_memory_equal(in, out, TOTAL);
	close(fd);
	free(out);
	free(in);
}

/* Blocking I/O: a write then a read on one descriptor, like a terminal. */
static void test_blocking_write_then_read(void **state)
{
	static const char msg[] = "AT+CGMI\r\n";
	struct mfx *f = *state;
	char path[800], buf[64];
	ssize_t n, got = 0;
	int fd;

	path_in(path, sizeof(path), f->mnt, "modem/LOOPBACK");
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, msg, sizeof(msg) - 1), sizeof(msg) - 1);
	while (got < (ssize_t)sizeof(msg) - 1) {
		n = read(fd, buf + got, sizeof(buf) - (size_t)got);
		assert_true(n > 0);
		got += n;
	}
	assert_memory_equal(buf, msg, sizeof(msg) - 1);
	close(fd);
}

/* A packet channel: each write() is one packet (the peer sinks DIAG). */
static void test_packet_channel_takes_whole_packets(void **state)
{
	struct mfx *f = *state;
	char path[800], big[16384];
	int fd, i;

	path_in(path, sizeof(path), f->mnt, "modem/DIAG");
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(write(fd, "packet", 6), 6);
	/* Larger than the 8 KiB FIFO can ever hold: refused, whole. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), -1);
	assert_int_equal(errno, EMSGSIZE);
	close(fd);
}

/* The remote closes (peer stopped): readers see end of file. */
static void test_read_returns_eof_when_the_remote_goes(void **state)
{
	struct mfx *f = *state;
	char path[800], buf[16];
	int fd, st;

	path_in(path, sizeof(path), f->mnt, "modem/LOOPBACK");
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	kill(f->peer, SIGINT);
	st = tu_wait_bg(f->peer, 5000);
	f->peer = 0;
	assert_int_equal(st, 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}

/* fusermount3 -u ends the mount process with status 0. */
static void test_unmount_ends_the_process_cleanly(void **state)
{
	struct mfx *f = *state;
	char cmd[800];
	int st;

	snprintf(cmd, sizeof(cmd), "fusermount3 -u '%s'", f->mnt);
	assert_int_equal(system(cmd), 0);
	st = tu_wait_bg(f->mount, 5000);
	f->mount = 0;
	assert_int_equal(st, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_mount_lists_processors_and_channels),
		T(test_loopback_echo_through_the_file_with_poll),
		T(test_blocking_write_then_read),
		T(test_packet_channel_takes_whole_packets),
		T(test_read_returns_eof_when_the_remote_goes),
		T(test_unmount_ends_the_process_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
