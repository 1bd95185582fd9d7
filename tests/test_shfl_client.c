/* SPDX-License-Identifier: MIT */
/*
 * test_shfl_client.c - `memwire shfl ls | cat | put | stat`: a share used
 * without FUSE, against a real `memwire shfl serve` process; every answer
 * is compared with the host directory itself.  Also the client library's
 * own contract: its VBox status -> errno table.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "memwire/shfl.h"

struct cfx {
	char dir[512];
	char host[600];
	char sock[600];
	pid_t serve;
};

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

static int setup(void **state)
{
	struct cfx *f = calloc(1, sizeof(*f));
	char out[700], share[800], p[700];
	double end;

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	path_in(f->host, sizeof(f->host), f->dir, "host");
	path_in(f->sock, sizeof(f->sock), f->dir, "hgcm.sock");
	if (mkdir(f->host, 0755))
		return -1;
	path_in(p, sizeof(p), f->host, "sub");
	if (mkdir(p, 0750))
		return -1;
	path_in(p, sizeof(p), f->host, "hello.txt");
	write_file(p, "hello, shared folder\n", 21);
	path_in(p, sizeof(p), f->host, "sub/bin");
	{
		unsigned char b[3000];
		unsigned i;

		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(i * 7);
		write_file(p, b, sizeof(b));
	}
	path_in(out, sizeof(out), f->dir, "serve.log");
	snprintf(share, sizeof(share), "docs=%s", f->host);
	f->serve = tu_spawn_bg(out, TU_ARGV("shfl", "serve", "--share", share,
					    "--socket", f->sock));
	end = tu_now_ms() + 5000;
	while (access(f->sock, F_OK)) {
		if (tu_now_ms() > end)
			return -1;
		tu_sleep_ms(10);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct cfx *f = *state;

	if (f->serve) {
		kill(f->serve, SIGTERM);
		tu_wait_bg(f->serve, 3000);
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static json_t *member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("no member '%s'", key);
	return v;
}

static void test_ls_lists_what_the_host_has(void **state)
{
	struct cfx *f = *state;
	struct tu_cmd r;
	json_t *doc, *dirs, *ents, *e;
	size_t i;
	unsigned seen = 0;

	doc = tu_run_json(&r, TU_ARGV("shfl", "ls", "--socket", f->sock, "docs"));
	dirs = member(doc, "directories");
	assert_int_equal(json_array_size(dirs), 1);
	ents = member(json_array_get(dirs, 0), "entries");
	json_array_foreach(ents, i, e) {
		const char *name = tu_str_member(e, "name");

		if (!strcmp(name, "hello.txt")) {
			assert_string_equal(tu_str_member(e, "type"), "file");
			assert_int_equal(tu_int_member(e, "size"), 21);
			assert_int_equal(tu_int_member(e, "mode"), 0644);
			seen |= 1;
		} else if (!strcmp(name, "sub")) {
			assert_string_equal(tu_str_member(e, "type"), "dir");
			assert_int_equal(tu_int_member(e, "mode"), 0750);
			seen |= 2;
		} else if (strcmp(name, ".") && strcmp(name, "..")) {
			fail_msg("unexpected entry '%s'", name);
		}
	}
	assert_int_equal(seen, 3);
	json_decref(doc);
	tu_cmd_free(&r);
	/* a subdirectory, in text mode */
	assert_int_equal(tu_run_text(&r, TU_ARGV("shfl", "ls", "--socket",
						 f->sock, "docs", "sub")),
			 0);
	TU_CHECK(strstr(r.out, "/sub:") && strstr(r.out, " bin\n") &&
			 strstr(r.out, "3000"),
		 &r);
	tu_cmd_free(&r);
}

static void test_cat_prints_the_bytes(void **state)
{
	struct cfx *f = *state;
	struct tu_cmd r;
	json_t *doc, *file, *chunks;

	assert_int_equal(tu_run_text(&r, TU_ARGV("shfl", "cat", "--socket",
						 f->sock, "docs", "hello.txt")),
			 0);
	assert_string_equal(r.out, "hello, shared folder\n");
	tu_cmd_free(&r);
	doc = tu_run_json(&r, TU_ARGV("shfl", "cat", "--socket", f->sock,
				      "docs", "/sub/bin"));
	file = json_array_get(member(doc, "files"), 0);
	assert_int_equal(tu_int_member(file, "bytes"), 3000);
	chunks = member(file, "chunks");
	assert_int_equal(json_array_size(chunks), 1);
	/* bytes i*7: 00 07 0e 15 ... */
	assert_int_equal(strncmp(tu_str_member(json_array_get(chunks, 0), "hex"),
				 "00070e151c", 10),
			 0);
	assert_int_equal(strlen(tu_str_member(json_array_get(chunks, 0), "hex")),
			 6000);
	json_decref(doc);
	tu_cmd_free(&r);
}

/* Run memwire with stdin from @in; returns the exit status. */
static int run_stdin(const char *in, const char *const *argv)
{
	const char *bin = getenv("MEMWIRE");
	const char *args[16];
	pid_t pid;
	int st, i;

	args[0] = bin ? bin : "build/memwire";
	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(in, O_RDONLY), nul = open("/dev/null", O_WRONLY);

		if (fd < 0 || nul < 0)
			_exit(126);
		dup2(fd, 0);
		dup2(nul, 1);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_put_creates_and_replaces(void **state)
{
	struct cfx *f = *state;
	char in[700], h[700];
	unsigned char *data = malloc(3u << 20);
	char *got;
	struct stat st;
	unsigned i;
	int fd;

	assert_non_null(data);
	/* 3 MiB: several 1 MiB page-list WRITEs */
	for (i = 0; i < (3u << 20); i++)
		data[i] = (unsigned char)(i * 13 + (i >> 16));
	path_in(in, sizeof(in), f->dir, "in.bin");
	write_file(in, data, 3u << 20);
	assert_int_equal(run_stdin(in, TU_ARGV("shfl", "put", "--socket",
					       f->sock, "docs", "sub/new.bin")),
			 0);
	path_in(h, sizeof(h), f->host, "sub/new.bin");
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_size, 3u << 20);
	got = malloc(3u << 20);
	fd = open(h, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, got, 3u << 20), 3u << 20);
	close(fd);
	assert_memory_equal(got, data, 3u << 20);
	/* a shorter file replaces it entirely */
	write_file(in, "short", 5);
	assert_int_equal(run_stdin(in, TU_ARGV("shfl", "put", "--socket",
					       f->sock, "docs", "sub/new.bin")),
			 0);
	assert_int_equal(stat(h, &st), 0);
	assert_int_equal(st.st_size, 5);
	free(got);
	free(data);
}

static void test_stat_reports_type_size_mode(void **state)
{
	struct cfx *f = *state;
	struct tu_cmd r;
	json_t *doc, *objs, *o;
	struct stat st;
	char h[700];

	doc = tu_run_json(&r, TU_ARGV("shfl", "stat", "--socket", f->sock,
				      "docs", "hello.txt", "sub"));
	objs = member(doc, "objects");
	assert_int_equal(json_array_size(objs), 2);
	o = json_array_get(objs, 0);
	path_in(h, sizeof(h), f->host, "hello.txt");
	assert_int_equal(stat(h, &st), 0);
	assert_string_equal(tu_str_member(o, "type"), "file");
	assert_int_equal(tu_int_member(o, "size"), 21);
	assert_int_equal(tu_int_member(o, "mode") & 0777, 0644);
	assert_int_equal(tu_int_member(o, "ino"), (json_int_t)st.st_ino);
	assert_int_equal(tu_int_member(o, "mtime_ns"),
			 (json_int_t)st.st_mtim.tv_sec * 1000000000 +
				 st.st_mtim.tv_nsec);
	o = json_array_get(objs, 1);
	assert_string_equal(tu_str_member(o, "type"), "dir");
	json_decref(doc);
	tu_cmd_free(&r);
}

static void test_errors_are_one_line(void **state)
{
	struct cfx *f = *state;

	tu_check_error(TU_ARGV("shfl", "stat", "--socket", f->sock, "nope",
			       "x"),
		       1, "no share named 'nope'");
	tu_check_error(TU_ARGV("shfl", "stat", "--socket", f->sock, "docs",
			       "missing"),
		       1, "/missing");
	tu_check_error(TU_ARGV("shfl", "cat", "--socket", f->sock, "docs",
			       "sub"),
		       1, "is a directory");
	tu_check_error(TU_ARGV("shfl", "ls", "docs"), 2, "--socket");
	tu_check_error(TU_ARGV("shfl", "ls", "--socket", f->sock), 2,
		       "expected SHARE");
	tu_check_error(TU_ARGV("shfl", "mount", "--socket", f->sock, "-o",
			       "bogus", "docs", f->dir),
		       2, "unknown option 'bogus'");
	tu_check_error(TU_ARGV("shfl", "stat", "--socket", "/nonexistent/s",
			       "docs", "x"),
		       1, "/nonexistent/s");
}

/* The table of reference §2.5 (Linux vbg_status_code_to_errno). */
static void test_status_to_errno_table(void **state)
{
	static const struct {
		int status, err;
	} map[] = {
		{ VINF_SUCCESS, 0 },
		{ VINF_BUFFER_OVERFLOW, 0 },
		{ VERR_ACCESS_DENIED, -EPERM },
		{ VERR_FILE_NOT_FOUND, -ENOENT },
		{ VERR_PATH_NOT_FOUND, -ENOTDIR },
		{ VERR_INVALID_NAME, -ENOENT },
		{ VERR_ALREADY_EXISTS, -EEXIST },
		{ VERR_NOT_A_DIRECTORY, -ENOTDIR },
		{ VERR_IS_A_DIRECTORY, -EISDIR },
		{ VERR_DIR_NOT_EMPTY, -ENOTEMPTY },
		{ VERR_WRITE_PROTECT, -EROFS },
		{ VERR_INVALID_HANDLE, -EBADF },
		{ VERR_INVALID_PARAMETER, -EINVAL },
		{ VERR_NOT_IMPLEMENTED, -ENOSYS },
		{ VERR_NOT_SUPPORTED, -ENOSYS },
		{ VERR_NO_MORE_FILES, -ENODATA },
		{ VERR_NO_DATA, -ENODATA },
		{ VERR_TOO_MANY_SYMLINKS, -ELOOP },
		{ VERR_FILENAME_TOO_LONG, -ENAMETOOLONG },
		{ VERR_DISK_FULL, -ENOSPC },
		{ VERR_FILE_TOO_BIG, -EFBIG },
		{ VERR_NOT_SAME_DEVICE, -EXDEV },
		{ VERR_SHARING_VIOLATION, -ETXTBSY },
		{ VERR_FILE_LOCK_FAILED, -ENOLCK },
		{ VERR_NO_MEMORY, -ENOMEM },
		{ VERR_INVALID_POINTER, -EFAULT },
		{ VERR_TIMEOUT, -ETIMEDOUT },
		{ VERR_NO_TRANSLATION, -EILSEQ },
		{ VERR_WRONG_PARAMETER_COUNT, -EPROTO },
		{ VERR_CANCELLED, -EPROTO },
		{ VERR_SEM_DESTROYED, -ENOTCONN },
		{ -123456, -EPROTO },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (shfl_status_to_errno(map[i].status) != map[i].err)
			fail_msg("status %d: errno %d, expected %d",
				 map[i].status,
				 shfl_status_to_errno(map[i].status),
				 map[i].err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_to_errno_table),
		cmocka_unit_test_setup_teardown(test_ls_lists_what_the_host_has,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cat_prints_the_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_creates_and_replaces,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stat_reports_type_size_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_are_one_line, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
