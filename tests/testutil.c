/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

void tu_tmpdir(char *buf, size_t len)
{
	const char *base = getenv("MEMWIRE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(buf, len, "%s/mwtest.XXXXXX", base);
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		abort();
	}
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *f)
{
	return remove(path);
}

void tu_rmrf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read all of @fd into a NUL-terminated buffer. */
static char *slurp(int fd)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t k;

	while ((k = read(fd, b + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (cap - n < 2)
			b = realloc(b, cap *= 2);
	}
	b[n] = '\0';
	return b;
}

/*
 * Fill @args (@cap entries) with $MEMWIRE, then @argv, cut to fit, then
 * NULL.  Returns the binary's path.
 */
static const char *memwire_args(const char **args, size_t cap,
				const char *const *argv)
{
	const char *bin = getenv("MEMWIRE");
	size_t i;

	if (!bin)
		bin = "build/memwire";
	args[0] = bin;
	for (i = 0; argv[i] && i < cap - 2; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	return bin;
}

int tu_run(char **out, char **err, const char *const *argv)
{
	const char *args[64];
	const char *bin =
		memwire_args(args, sizeof(args) / sizeof(args[0]), argv);
	int po[2], pe[2], status;
	pid_t pid;
	char *o, *e;

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		abort();
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* stderr is small; read stdout fully first, then stderr. */
	o = slurp(po[0]);
	e = slurp(pe[0]);
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* -------------------------------------------------- command-line suites */

int tu_cli_setup(void **state)
{
	struct tu_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->file, sizeof(f->file), "%s/x.smem", f->dir);
	f->bg = -1;
	*state = f;
	return 0;
}

int tu_cli_teardown(void **state)
{
	struct tu_fixture *f = *state;

	if (f->bg > 0) {
		kill(f->bg, SIGKILL);
		waitpid(f->bg, NULL, 0);
	}
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

void tu_cmd_free(struct tu_cmd *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int tu_run_mode(struct tu_cmd *r, const char *flag, const char *const *argv)
{
	const char *args[48];
	size_t n = 0, i, len = 0;

	if (flag)
		args[n++] = flag;
	for (i = 0; argv[i]; i++) {
		assert_true(n < 47);
		args[n++] = argv[i];
	}
	args[n] = NULL;
	r->cmd[0] = '\0';
	for (i = 0; i < n; i++) {
		int k = snprintf(r->cmd + len, sizeof(r->cmd) - len, "%s%s",
				 i ? " " : "memwire ", args[i]);

		if (k > 0 && (size_t)k < sizeof(r->cmd) - len)
			len += (size_t)k;
	}
	if (!n)
		snprintf(r->cmd, sizeof(r->cmd), "memwire");
	r->out = r->err = NULL;
	r->rc = tu_run(&r->out, &r->err, args);
	TU_CHECK(r->rc < 128, r); /* killed by a signal: a crash */
	return r->rc;
}

int tu_run_text(struct tu_cmd *r, const char *const *argv)
{
	return tu_run_mode(r, NULL, argv);
}

void tu_run_ok(const char *const *argv)
{
	struct tu_cmd r;

	tu_run_text(&r, argv);
	TU_CHECK(r.rc == 0, &r);
	tu_cmd_free(&r);
}

json_t *tu_parse_json(const struct tu_cmd *r)
{
	json_error_t e;
	json_t *j = json_loads(r->out, 0, &e);

	if (!j)
		fail_msg("%s: stdout is not one JSON value (%s, line %d col "
			 "%d):\n%s\nstderr: %s",
			 r->cmd, e.text, e.line, e.column, r->out, r->err);
	return j;
}

json_t *tu_run_json_mode(struct tu_cmd *r, const char *flag, int code,
			 const char *const *argv)
{
	json_t *j;

	tu_run_mode(r, flag, argv);
	TU_CHECK(r->rc == code, r);
	j = tu_parse_json(r);
	TU_CHECK(json_is_object(j), r);
	return j;
}

json_t *tu_run_json(struct tu_cmd *r, const char *const *argv)
{
	return tu_run_json_mode(r, "-j", 0, argv);
}

size_t tu_count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

bool tu_one_line(const char *s)
{
	size_t len = strlen(s);

	return len > 1 && s[len - 1] == '\n' && tu_count_char(s, '\n') == 1;
}

const char *tu_json_error_only(const struct tu_cmd *r, json_t *doc)
{
	json_t *e;

	TU_CHECK(json_is_object(doc), r);
	TU_CHECK(json_object_size(doc) == 1, r);
	e = json_object_get(doc, "error");
	TU_CHECK(json_is_string(e), r);
	TU_CHECK(json_string_value(e)[0] != '\0', r);
	return json_string_value(e);
}

static const char err_pfx[] = "memwire: ";

static bool has_err_pfx(const char *s)
{
	return !strncmp(s, err_pfx, sizeof(err_pfx) - 1);
}

/*
 * Text run @t exited @code with one line on stderr, "memwire: MSG" unless
 * @any_line, holding @needle and @needle2 when set.
 */
static void check_error_line(const struct tu_cmd *t, int code,
			     const char *needle, const char *needle2,
			     bool any_line)
{
	TU_CHECK(t->rc == code, t);
	TU_CHECK(tu_one_line(t->err), t);
	if (!any_line)
		TU_CHECK(has_err_pfx(t->err), t);
	if (needle)
		TU_CHECK(strstr(t->err, needle) != NULL, t);
	if (needle2)
		TU_CHECK(strstr(t->err, needle2) != NULL, t);
}

/* If text run @t printed "memwire: MSG", the -j run @j said @msg == MSG. */
static void check_same_msg(const struct tu_cmd *t, const struct tu_cmd *j,
			   const char *msg)
{
	size_t len;

	if (!has_err_pfx(t->err))
		return;
	len = strlen(t->err) - (sizeof(err_pfx) - 1) - 1;
	TU_CHECK(strlen(msg) == len, j);
	TU_CHECK(!strncmp(t->err + sizeof(err_pfx) - 1, msg, len), j);
}

static void check_error(const char *const *argv, int code, const char *needle,
			const char *needle2, bool any_line)
{
	struct tu_cmd t, j;
	const char *msg;
	json_t *doc;

	tu_run_text(&t, argv);
	check_error_line(&t, code, needle, needle2, any_line);
	TU_CHECK(t.out[0] == '\0', &t);

	tu_run_mode(&j, "-j", argv);
	TU_CHECK(j.rc == code, &j);
	doc = tu_parse_json(&j);
	msg = tu_json_error_only(&j, doc);
	if (needle)
		TU_CHECK(strstr(msg, needle) != NULL, &j);
	if (needle2)
		TU_CHECK(strstr(msg, needle2) != NULL, &j);
	check_same_msg(&t, &j, msg);
	json_decref(doc);
	tu_cmd_free(&t);
	tu_cmd_free(&j);
}

void tu_check_error2(const char *const *argv, int code, const char *needle,
		     const char *needle2)
{
	check_error(argv, code, needle, needle2, false);
}

void tu_check_error(const char *const *argv, int code, const char *needle)
{
	check_error(argv, code, needle, NULL, false);
}

void tu_check_error_any_line(const char *const *argv, int code,
			     const char *needle)
{
	check_error(argv, code, needle, NULL, true);
}

json_t *tu_check_fail_keep(const char *const *argv, const char *needle,
			   const char *needle2)
{
	struct tu_cmd t, j;
	json_t *doc, *e;

	tu_run_text(&t, argv);
	check_error_line(&t, 1, needle, needle2, false);
	tu_run_mode(&j, "-j", argv);
	TU_CHECK(j.rc == 1, &j);
	doc = tu_parse_json(&j);
	TU_CHECK(json_is_object(doc), &j);
	e = json_object_get(doc, "error");
	TU_CHECK(json_is_string(e), &j);
	check_same_msg(&t, &j, json_string_value(e));
	tu_cmd_free(&t);
	tu_cmd_free(&j);
	return doc;
}

pid_t tu_spawn_bg(const char *out, const char *const *argv)
{
	const char *args[48];
	char errpath[1024];
	const char *bin =
		memwire_args(args, sizeof(args) / sizeof(args[0]), argv);
	pid_t pid;

	snprintf(errpath, sizeof(errpath), "%s.err", out);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	return pid;
}

double tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void tu_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int tu_wait_bg(pid_t pid, int timeout_ms)
{
	double deadline = tu_now_ms() + timeout_ms;
	int status;
	pid_t w;

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
	       tu_now_ms() < deadline)
		tu_sleep_ms(2);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	assert_int_equal(w, pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *tu_read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

json_int_t tu_int_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("member '%s' is not an integer", key);
	return json_integer_value(v);
}

const char *tu_str_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("member '%s' is not a string", key);
	return json_string_value(v);
}

bool tu_bool_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		fail_msg("member '%s' is not a boolean", key);
	return json_is_true(v);
}
