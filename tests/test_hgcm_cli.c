/* SPDX-License-Identifier: MIT */
/*
 * test_hgcm_cli.c - `memwire hgcm host | call | decode` end to end, run as
 * real processes.
 *
 * `hgcm host` runs in the background (tu_spawn_bg) on a socket in the
 * test's private directory and is stopped with SIGTERM, after which it
 * prints its counters (checked with -j); `hgcm call` is run through
 * tu_run and its text and -j output compared with what memwire.echo must
 * answer.  `hgcm decode` gets request files built here byte by byte at the
 * reference's offsets (hgcm_shfl.md 1.2-1.6): header {size, version
 * 0x10001, type, rc, reserved, requestor}, HGCM {flags @24, result @28},
 * call {client @32, function @36, cParms @40, parameters @44 of 12 or 16
 * bytes}, page list {flags, offFirstPage u16, cPages u16, u64 pages[]}.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#define ECHO "memwire.echo"

/* ------------------------------------------------------------ fixture */

static void path_in(const struct tu_fixture *f, char *buf, size_t len,
		    const char *name)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

/* Wait until the file @path contains @needle (at most @timeout_ms). */
static bool file_gets(const char *path, const char *needle, int timeout_ms)
{
	double deadline = tu_now_ms() + timeout_ms;

	do {
		if (access(path, F_OK) == 0) {
			char *s = tu_read_file(path);
			bool found = strstr(s, needle) != NULL;

			free(s);
			if (found)
				return true;
		}
		tu_sleep_ms(10);
	} while (tu_now_ms() < deadline);
	return false;
}

/*
 * Start `memwire [-j|-v] hgcm host --socket @sock [@extra]` in the
 * background, its stdout in DIR/host.out (stderr: host.out.err), and wait
 * until it listens.
 */
static pid_t host_start(struct tu_fixture *f, const char *flag,
			const char *sock, const char *extra1,
			const char *extra2)
{
	char out[700], err[720];
	const char *argv[10];
	int n = 0;
	pid_t pid;

	path_in(f, out, sizeof(out), "host.out");
	snprintf(err, sizeof(err), "%s.err", out);
	/* not the "listening" of a host before */
	unlink(out);
	unlink(err);
	if (flag)
		argv[n++] = flag;
	argv[n++] = "hgcm";
	argv[n++] = "host";
	argv[n++] = "--socket";
	argv[n++] = sock;
	if (extra1)
		argv[n++] = extra1;
	if (extra2)
		argv[n++] = extra2;
	argv[n] = NULL;
	pid = f->bg = tu_spawn_bg(out, argv);
	if (!file_gets(err, "listening on", 5000))
		fail_msg("hgcm host did not start; stderr:\n%s",
			 access(err, F_OK) ? "(none)" : tu_read_file(err));
	return pid;
}

/* SIGTERM the host; it must exit 0 within 10 s.  Returns its stdout. */
static char *host_stop(struct tu_fixture *f)
{
	char out[700];
	int st;

	assert_true(f->bg > 0);
	assert_int_equal(kill(f->bg, SIGTERM), 0);
	st = tu_wait_bg(f->bg, 10000);
	f->bg = -1;
	path_in(f, out, sizeof(out), "host.out");
	if (st != 0)
		fail_msg("hgcm host exited %d; stdout:\n%s", st,
			 tu_read_file(out));
	return tu_read_file(out);
}

static void sock_path(struct tu_fixture *f, char *buf, size_t len)
{
	path_in(f, buf, len, "hgcm.sock");
}

/* ----------------------------------------------------------- helpers */

static json_t *param(json_t *doc, size_t i)
{
	json_t *a = json_object_get(doc, "parameters");

	if (!json_is_array(a) || json_array_size(a) <= i)
		fail_msg("no parameters[%zu]", i);
	return json_array_get(a, i);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static void hdr(uint8_t *p, uint32_t size, uint32_t type)
{
	w32(p, size);
	w32(p + 4, 0x10001);
	w32(p + 8, type);
	w32(p + 12, 0xffffffffu); /* VERR_GENERAL_FAILURE, as Linux presets */
	w32(p + 16, 0);
	w32(p + 20, 2); /* fRequestor: KERNEL | USR_DRV_OTHER */
}

/* ================================================================ host */

static void test_host_socket_is_0600_and_counts_what_it_served(
	void **state)
{
	struct tu_fixture *f = *state;
	char sock[700], *out;
	struct tu_cmd r;
	struct stat st;
	json_t *doc;
	int i;

	sock_path(f, sock, sizeof(sock));
	host_start(f, "-j", sock, NULL, NULL);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	for (i = 0; i < 3; i++)
		tu_run_ok(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1"));
	/* one refused: a service the host lacks */
	tu_run_text(&r, TU_ARGV("hgcm", "call", "--socket", sock, "nope", "1"));
	TU_CHECK(r.rc == 1, &r);
	tu_cmd_free(&r);

	out = host_stop(f);
	r.out = out;
	r.err = NULL;
	r.rc = 0;
	snprintf(r.cmd, sizeof(r.cmd), "memwire -j hgcm host");
	doc = tu_parse_json(&r);
	assert_string_equal(tu_str_member(doc, "socket"), sock);
	assert_int_equal(tu_int_member(doc, "guests"), 4);
	assert_int_equal(tu_int_member(doc, "calls"), 3);
	assert_int_equal(tu_int_member(doc, "cancelled"), 0);
	/* each guest: ReportGuestInfo, connect, call, disconnect; the
	 * refused one: ReportGuestInfo, connect */
	assert_int_equal(tu_int_member(doc, "requests"), 3 * 4 + 2);
	json_decref(doc);
	free(out);
	/* the socket is gone with the host */
	assert_int_equal(lstat(sock, &st), -1);
}

static void test_second_host_on_a_live_socket_is_refused(void **state)
{
	struct tu_fixture *f = *state;
	char sock[700], *out;

	sock_path(f, sock, sizeof(sock));
	host_start(f, NULL, sock, NULL, NULL);
	tu_check_error(TU_ARGV("hgcm", "host", "--socket", sock), 1,
		       "already listens");
	/* the first one still serves */
	tu_run_ok(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1"));
	out = host_stop(f);
	assert_non_null(strstr(out, "calls 1\n"));
	free(out);
}

static void test_a_stale_socket_is_replaced(void **state)
{
	struct tu_fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char sock[700];
	struct stat st;
	int s;

	sock_path(f, sock, sizeof(sock));
	/* a socket file nobody listens on: a host that died */
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(s >= 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(s, (void *)&sa, sizeof(sa)), 0);
	close(s);
	assert_int_equal(chmod(sock, 0777), 0);
	host_start(f, NULL, sock, NULL, NULL);
	assert_int_equal(lstat(sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	tu_run_ok(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1"));
	free(host_stop(f));
}

static void test_verbose_host_logs_guests_coming_and_going(void **state)
{
	struct tu_fixture *f = *state;
	char sock[700], err[720];
	char *s;

	sock_path(f, sock, sizeof(sock));
	host_start(f, "-v", sock, NULL, NULL);
	tu_run_ok(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1"));
	path_in(f, err, sizeof(err), "host.out.err");
	assert_true(file_gets(err, "went away", 5000));
	s = tu_read_file(err);
	assert_non_null(strstr(s, "bytes of RAM"));
	free(s);
	free(host_stop(f));
}

static void test_host_usage_errors(void **state)
{
	tu_check_error(TU_ARGV("hgcm", "host", "--workers", "0"), 2,
		       "--workers");
	tu_check_error(TU_ARGV("hgcm", "host", "--workers", "65"), 2,
		       "--workers");
	tu_check_error(TU_ARGV("hgcm", "host", "stray"), 2, "stray");
	tu_check_error(TU_ARGV("hgcm", "host", "--allow-uid", "x"), 2,
		       "--allow-uid");
}

/* fork, setuid(@uid), exec memwire hgcm call: its exit status */
/*
 * A copy of the memwire binary in @dir (mode 0711), so that another uid
 * can run it wherever the build tree is (a clean clone in a 0700
 * directory, say).
 */
static void copy_binary(const char *dir, char *out, size_t len)
{
	const char *bin = getenv("MEMWIRE");
	char buf[1 << 16];
	int in, o;
	ssize_t n;

	if (!bin)
		bin = "build/memwire";
	snprintf(out, len, "%s/memwire", dir);
	in = open(bin, O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(o >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(o, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(o), 0);
}

static int call_as(const char *bin, const char *sock, uid_t uid)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		if (setgid(uid) || setuid(uid))
			_exit(120);
		execl(bin, bin, "hgcm", "call", "--socket", sock, ECHO, "3",
		      "u32:1", "u64:2", "u64:0", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --allow-uid lets another uid in; without it, the host refuses it (the
 * socket is opened to everyone so that only the host can say no). */
static void test_allow_uid_admits_another_uid(void **state)
{
	struct tu_fixture *f = *state;
	char dir[64] = "/tmp/mwhgcmcli.XXXXXX", sock[128], err[720], bin[128];

	if (geteuid() != 0) {
		print_message("not root: cannot setuid\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0711), 0);
	snprintf(sock, sizeof(sock), "%s/hgcm.sock", dir);
	copy_binary(dir, bin, sizeof(bin));
	path_in(f, err, sizeof(err), "host.out.err");

	host_start(f, NULL, sock, NULL, NULL);
	assert_int_equal(chmod(sock, 0666), 0);
	assert_int_equal(call_as(bin, sock, 65534), 1);
	assert_true(file_gets(err, "refusing pid", 2000));
	assert_int_equal(call_as(bin, sock, 0), 0);
	free(host_stop(f));

	host_start(f, NULL, sock, "--allow-uid", "65534");
	assert_int_equal(chmod(sock, 0666), 0);
	assert_int_equal(call_as(bin, sock, 65534), 0);
	assert_int_equal(call_as(bin, sock, 65533), 1);
	free(host_stop(f));
	unlink(bin);
	rmdir(dir);
}

/* ================================================================ call */

static void test_call_typed_arguments_text_and_json(void **state)
{
	static const unsigned modes[] = { 0, 1 };
	struct tu_fixture *f = *state;
	char sock[700];
	struct tu_cmd r;
	json_t *doc, *p;
	unsigned m;

	sock_path(f, sock, sizeof(sock));
	host_start(f, NULL, sock, NULL, NULL);
	for (m = 0; m < 2; m++) {
		/* HGCMCall32 or (--hex changes nothing here) HGCMCall64 */
		const char *opt = modes[m] ? "--32" : "--hex";

		/* ADD: 0xffffffff + 0x100000000 = 0x1ffffffff */
		doc = tu_run_json(&r, TU_ARGV("hgcm", "call", "--socket", sock,
					      opt, "--timeout", "5000", ECHO, "3",
					      "u32:4294967295",
					      "u64:4294967296", "u64:0"));
		TU_CHECK(tu_int_member(doc, "result") == 0, &r);
		TU_CHECK(!strcmp(tu_str_member(doc, "result_name"),
				 "VINF_SUCCESS"), &r);
		TU_CHECK(!strcmp(tu_str_member(doc, "service"), ECHO), &r);
		TU_CHECK(tu_int_member(doc, "function") == 3, &r);
		TU_CHECK(tu_int_member(doc, "client_id") > 0, &r);
		p = param(doc, 0);
		TU_CHECK(!strcmp(tu_str_member(p, "type"), "u32"), &r);
		TU_CHECK(tu_int_member(p, "value") == 4294967295ll, &r);
		p = param(doc, 2);
		TU_CHECK(!strcmp(tu_str_member(p, "type"), "u64"), &r);
		TU_CHECK(tu_int_member(p, "value") == 0x1ffffffffll, &r);
		TU_CHECK(json_array_size(json_object_get(doc, "parameters")) ==
				 3, &r);
		json_decref(doc);
		tu_cmd_free(&r);
	}
	/* the same in text */
	tu_run_text(&r, TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "3",
				"u32:5", "u64:7", "u64:0"));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "result 0 (VINF_SUCCESS)\n") != NULL, &r);
	TU_CHECK(strstr(r.out, "[2] u64 12\n") != NULL, &r);
	TU_CHECK(strstr(r.out, "[0] u32 5\n") != NULL, &r);
	tu_cmd_free(&r);
	free(host_stop(f));
}

static void test_call_buffers_in_out_inout_and_files(void **state)
{
	struct tu_fixture *f = *state;
	char sock[700], file[700], arg[720], hex[2 * 1000 + 1];
	uint8_t data[1000];
	struct tu_cmd r;
	json_t *doc, *p;
	unsigned i;

	sock_path(f, sock, sizeof(sock));
	host_start(f, NULL, sock, NULL, NULL);

	/* ECHO in:TEXT into out:16 */
	doc = tu_run_json(&r, TU_ARGV("hgcm", "call", "--socket", sock, ECHO,
				      "2", "in:hello", "out:16", "u32:0"));
	TU_CHECK(tu_int_member(doc, "result") == 0, &r);
	p = param(doc, 0);
	TU_CHECK(!strcmp(tu_str_member(p, "type"), "in"), &r);
	TU_CHECK(tu_int_member(p, "size") == 5, &r);
	TU_CHECK(json_object_get(p, "data") == NULL, &r);
	p = param(doc, 1);
	TU_CHECK(!strcmp(tu_str_member(p, "type"), "out"), &r);
	TU_CHECK(!strcmp(tu_str_member(p, "data"), "hello"), &r);
	TU_CHECK(tu_int_member(param(doc, 2), "value") == 5, &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* text: the out buffer as a string */
	tu_run_text(&r, TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "2",
				"in:hello", "out:16", "u32:0"));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "\"hello\"") != NULL, &r);
	tu_cmd_free(&r);

	/* a binary file in, --hex out, 32-bit parameters */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	path_in(f, file, sizeof(file), "in.bin");
	write_file(file, data, sizeof(data));
	snprintf(arg, sizeof(arg), "in@%s", file);
	for (i = 0; i < sizeof(data); i++)
		sprintf(hex + 2 * i, "%02x", data[i]);
	doc = tu_run_json(&r, TU_ARGV("hgcm", "call", "--socket", sock, "--32",
				      "--hex", ECHO, "2", arg, "out:1000",
				      "u32:0"));
	TU_CHECK(tu_int_member(doc, "result") == 0, &r);
	TU_CHECK(tu_int_member(param(doc, 0), "size") == 1000, &r);
	TU_CHECK(!strcmp(tu_str_member(param(doc, 1), "data"), hex), &r);
	TU_CHECK(tu_int_member(param(doc, 2), "value") == 1000, &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* FILL an inout buffer: the host's bytes come back */
	doc = tu_run_json(&r, TU_ARGV("hgcm", "call", "--socket", sock, ECHO,
				      "5", "u32:66", "inout:abcdefgh"));
	TU_CHECK(tu_int_member(doc, "result") == 0, &r);
	TU_CHECK(!strcmp(tu_str_member(param(doc, 1), "data"), "BBBBBBBB"),
		 &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* ECHO into a short out: VINF_BUFFER_OVERFLOW, still exit 0 */
	doc = tu_run_json(&r, TU_ARGV("hgcm", "call", "--socket", sock, ECHO,
				      "2", "in:0123456789", "out:4", "u32:0"));
	TU_CHECK(tu_int_member(doc, "result") == 41, &r);
	TU_CHECK(!strcmp(tu_str_member(doc, "result_name"),
			 "VINF_BUFFER_OVERFLOW"), &r);
	TU_CHECK(!strcmp(tu_str_member(param(doc, 1), "data"), "0123"), &r);
	json_decref(doc);
	tu_cmd_free(&r);
	free(host_stop(f));
}

/*
 * A number that does not parse is one usage error, one line: parse_u64()
 * already printed "FUNCTION: expected a number, got 'x'", and do_call()
 * adds its own line.
 */
static void test_call_bad_numbers_are_one_error_line(void **state)
{
	struct tu_fixture *f = *state;
	char sock[700];

	sock_path(f, sock, sizeof(sock));
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "x"), 2,
		       "FUNCTION");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "u32:abc"),
		       2, "abc");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "u64:-1x"),
		       2, "-1x");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "out:lots"),
		       2, "lots");
}

static void test_call_failures(void **state)
{
	struct tu_fixture *f = *state;
	char sock[700], none[700];
	json_t *doc;

	sock_path(f, sock, sizeof(sock));
	path_in(f, none, sizeof(none), "nobody.sock");
	/* no host */
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", none, ECHO, "1"), 1,
		       none);

	host_start(f, NULL, sock, NULL, NULL);
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock,
			       "VBoxSharedFolders", "1"),
		       1, "VERR_HGCM_SERVICE_NOT_FOUND");
	/* the service refuses: the document, then the error */
	doc = tu_check_fail_keep(TU_ARGV("hgcm", "call", "--socket", sock,
					 ECHO, "3", "u32:1", "u64:2"),
				 "VERR_WRONG_PARAMETER_COUNT", NULL);
	assert_int_equal(tu_int_member(doc, "result"), -22415);
	json_decref(doc);
	doc = tu_check_fail_keep(TU_ARGV("hgcm", "call", "--socket", sock,
					 ECHO, "99"),
				 "VERR_NOT_IMPLEMENTED", NULL);
	json_decref(doc);
	/* a timeout cancels the call */
	doc = tu_check_fail_keep(TU_ARGV("hgcm", "call", "--socket", sock,
					 "--timeout", "100", ECHO, "4",
					 "u32:5000"),
				 "VERR_TIMEOUT", NULL);
	assert_int_equal(tu_int_member(doc, "result"), -40);
	json_decref(doc);

	/* usage */
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO), 2,
		       "FUNCTION");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "u16:3"),
		       2, "u32:N");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "u32:4294967296"),
		       2, "u32");
	tu_check_error(TU_ARGV("hgcm", "call", "--socket", sock, ECHO, "1",
			       "out:200M"),
		       2, "128M");
	free(host_stop(f));
}

/* ============================================================== decode */

/*
 * A valid HGCMCall64: u32 7, u64 0x123456789, a PageList of 5000 bytes at
 * offFirstPage 100 over pages 0x2000 and 0x5000, both directions.
 */
static size_t build_call64(uint8_t *b)
{
	memset(b, 0, 116);
	hdr(b, 116, 63);
	w32(b + 32, 5);	 /* client */
	w32(b + 36, 2);	 /* function */
	w32(b + 40, 3);	 /* cParms */
	w32(b + 44, 1);	 /* [0] 32bit */
	w32(b + 48, 7);
	w32(b + 60, 2);	 /* [1] 64bit */
	w64(b + 64, 0x123456789ull);
	w32(b + 76, 10); /* [2] PageList */
	w32(b + 80, 5000);
	w32(b + 84, 92); /* offset of its HGCMPageListInfo */
	w32(b + 92, 3);	 /* both directions */
	b[96] = 100;	 /* offFirstPage */
	b[98] = 2;	 /* cPages */
	w64(b + 100, 0x2000);
	w64(b + 108, 0x5000);
	return 116;
}

static void test_decode_a_valid_call64(void **state)
{
	struct tu_fixture *f = *state;
	char file[700];
	uint8_t b[116];
	struct tu_cmd r;
	json_t *doc, *p, *pages;

	path_in(f, file, sizeof(file), "call64.req");
	write_file(file, b, build_call64(b));
	doc = tu_run_json(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(tu_int_member(doc, "size") == 116, &r);
	TU_CHECK(tu_int_member(doc, "version") == 0x10001, &r);
	TU_CHECK(tu_int_member(doc, "type") == 63, &r);
	TU_CHECK(!strcmp(tu_str_member(doc, "type_name"), "HGCMCall64"), &r);
	TU_CHECK(tu_bool_member(doc, "valid"), &r);
	TU_CHECK(json_is_null(json_object_get(doc, "error")), &r);
	TU_CHECK(tu_int_member(doc, "client_id") == 5, &r);
	TU_CHECK(tu_int_member(doc, "function") == 2, &r);
	TU_CHECK(tu_int_member(doc, "rc") == -1, &r);
	TU_CHECK(tu_int_member(doc, "requestor") == 2, &r);
	TU_CHECK(json_array_size(json_object_get(doc, "parameters")) == 3, &r);
	p = param(doc, 0);
	TU_CHECK(tu_int_member(p, "type") == 1, &r);
	TU_CHECK(!strcmp(tu_str_member(p, "type_name"), "32bit"), &r);
	TU_CHECK(tu_int_member(p, "value") == 7, &r);
	p = param(doc, 1);
	TU_CHECK(tu_int_member(p, "type") == 2, &r);
	TU_CHECK(tu_int_member(p, "value") == 0x123456789ll, &r);
	p = param(doc, 2);
	TU_CHECK(tu_int_member(p, "type") == 10, &r);
	TU_CHECK(!strcmp(tu_str_member(p, "type_name"), "PageList"), &r);
	TU_CHECK(tu_int_member(p, "size") == 5000, &r);
	TU_CHECK(tu_int_member(p, "page_count") == 2, &r);
	TU_CHECK(tu_int_member(p, "offset_first_page") == 100, &r);
	TU_CHECK(!strcmp(tu_str_member(p, "direction"), "both"), &r);
	pages = json_object_get(p, "pages");
	TU_CHECK(json_array_size(pages) == 2, &r);
	TU_CHECK(json_integer_value(json_array_get(pages, 1)) == 0x5000, &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* text names the type and says it is valid */
	tu_run_text(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(r.rc == 0, &r);
	TU_CHECK(strstr(r.out, "HGCMCall64") != NULL, &r);
	TU_CHECK(strstr(r.out, "PageList") != NULL, &r);
	TU_CHECK(strstr(r.out, "valid yes") != NULL, &r);
	tu_cmd_free(&r);
}

static void test_decode_call32_connect_and_cancel2(void **state)
{
	struct tu_fixture *f = *state;
	char file[700];
	uint8_t b[168];
	struct tu_cmd r;
	json_t *doc, *p;

	/* HGCMCall32: 12-byte parameters, value64 at 4 of the second */
	memset(b, 0, sizeof(b));
	hdr(b, 44 + 24, 62);
	w32(b + 32, 9);
	w32(b + 36, 3);
	w32(b + 40, 2);
	w32(b + 44, 1);
	w32(b + 48, 0xfffffffe);
	w32(b + 56, 2);
	w64(b + 60, 0x7edcba9876543210ull);
	path_in(f, file, sizeof(file), "call32.req");
	write_file(file, b, 68);
	doc = tu_run_json(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(!strcmp(tu_str_member(doc, "type_name"), "HGCMCall32"), &r);
	TU_CHECK(tu_bool_member(doc, "valid"), &r);
	TU_CHECK(tu_int_member(doc, "client_id") == 9, &r);
	TU_CHECK(tu_int_member(param(doc, 0), "value") == 0xfffffffe, &r);
	p = param(doc, 1);
	TU_CHECK((uint64_t)json_integer_value(json_object_get(p, "value")) ==
			 0x7edcba9876543210ull, &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* HGCMConnect to memwire.echo, answered: client 12, DONE */
	memset(b, 0, sizeof(b));
	hdr(b, 168, 60);
	w32(b + 12, 2903);
	w32(b + 24, 1);
	w32(b + 32, 2);
	strcpy((char *)b + 36, ECHO);
	w32(b + 164, 12);
	path_in(f, file, sizeof(file), "connect.req");
	write_file(file, b, 168);
	doc = tu_run_json(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(!strcmp(tu_str_member(doc, "type_name"), "HGCMConnect"), &r);
	TU_CHECK(tu_bool_member(doc, "valid"), &r);
	TU_CHECK(!strcmp(tu_str_member(doc, "service"), ECHO), &r);
	TU_CHECK(tu_int_member(doc, "client_id") == 12, &r);
	TU_CHECK(tu_int_member(doc, "location") == 2, &r);
	TU_CHECK(tu_bool_member(doc, "done"), &r);
	TU_CHECK(!tu_bool_member(doc, "cancelled"), &r);
	TU_CHECK(tu_int_member(doc, "rc") == 2903, &r);
	json_decref(doc);
	tu_cmd_free(&r);

	/* HGCMCancel2 */
	memset(b, 0, sizeof(b));
	hdr(b, 28, 65);
	w32(b + 24, 0x3000);
	path_in(f, file, sizeof(file), "cancel2.req");
	write_file(file, b, 28);
	doc = tu_run_json(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(!strcmp(tu_str_member(doc, "type_name"), "HGCMCancel2"), &r);
	TU_CHECK(tu_bool_member(doc, "valid"), &r);
	TU_CHECK(tu_int_member(doc, "phys_to_cancel") == 0x3000, &r);
	json_decref(doc);
	tu_cmd_free(&r);
}

/* A bad request: exit 0, valid false, an error naming what is wrong. */
static json_t *decode_bad(struct tu_fixture *f, const char *name,
			  const void *b, size_t len, const char *needle,
			  const char *status)
{
	char file[700];
	struct tu_cmd r, t;
	json_t *doc;

	path_in(f, file, sizeof(file), name);
	write_file(file, b, len);
	doc = tu_run_json(&r, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(!tu_bool_member(doc, "valid"), &r);
	TU_CHECK(strstr(tu_str_member(doc, "error"), needle) != NULL, &r);
	if (status)
		TU_CHECK(!strcmp(tu_str_member(doc, "status"), status), &r);
	tu_run_text(&t, TU_ARGV("hgcm", "decode", file));
	TU_CHECK(t.rc == 0, &t);
	TU_CHECK(strstr(t.out, "valid no") != NULL, &t);
	TU_CHECK(strstr(t.out, needle) != NULL, &t);
	tu_cmd_free(&t);
	tu_cmd_free(&r);
	return doc;
}

static void test_decode_says_what_is_invalid(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t b[1100];
	json_t *doc;

	/* cParms 33, with room for 33 */
	memset(b, 0, sizeof(b));
	hdr(b, 44 + 33 * 16, 63);
	w32(b + 40, 33);
	json_decref(decode_bad(f, "cparms33.req", b, 44 + 33 * 16, "cParms 33",
			       "VERR_INVALID_PARAMETER"));
	w32(b + 40, 0xffffffffu);
	json_decref(decode_bad(f, "cparmsmax.req", b, 44 + 33 * 16,
			       "4294967295", "VERR_INVALID_PARAMETER"));

	/* page list flags 0 */
	build_call64(b);
	w32(b + 92, 0);
	doc = decode_bad(f, "flags0.req", b, 116, "flags",
			 "VERR_INVALID_FLAGS");
	/* still decoded field by field */
	assert_int_equal(tu_int_member(doc, "client_id"), 5);
	assert_int_equal(json_array_size(json_object_get(doc, "parameters")),
			 3);
	json_decref(doc);

	/* an unaligned page */
	build_call64(b);
	w64(b + 108, 0x5008);
	json_decref(decode_bad(f, "unaligned.req", b, 116, "page-aligned",
			       "VERR_INVALID_POINTER"));

	/* the file is shorter than the size field */
	build_call64(b);
	json_decref(decode_bad(f, "short.req", b, 100, "truncated", NULL));

	/* shorter than a header: no header fields */
	doc = decode_bad(f, "tiny.req", b, 10, "truncated", NULL);
	assert_true(json_is_null(json_object_get(doc, "size")));
	assert_true(json_is_null(json_object_get(doc, "type")));
	json_decref(doc);
	doc = decode_bad(f, "empty.req", b, 0, "truncated", NULL);
	json_decref(doc);

	/* an unknown type: no name */
	memset(b, 0, 64);
	hdr(b, 64, 7);
	doc = decode_bad(f, "type7.req", b, 64, "not implemented",
			 "VERR_NOT_IMPLEMENTED");
	assert_int_equal(tu_int_member(doc, "type"), 7);
	assert_true(json_is_null(json_object_get(doc, "type_name")));
	json_decref(doc);

	/* a wrong header version */
	build_call64(b);
	w32(b + 4, 0x20001);
	json_decref(decode_bad(f, "version.req", b, 116, "version",
			       "VERR_VERSION_MISMATCH"));

	/* over 1 MiB */
	build_call64(b);
	w32(b, (1u << 20) + 1);
	json_decref(decode_bad(f, "huge.req", b, 116, "1 MiB",
			       "VERR_NOT_SUPPORTED"));

	/* a connect without a NUL in its name */
	memset(b, 0, 168);
	hdr(b, 168, 60);
	w32(b + 32, 2);
	memset(b + 36, 'x', 128);
	json_decref(decode_bad(f, "noname.req", b, 168, "NUL", NULL));
}

static void test_decode_exits_1_only_when_the_file_cannot_be_read(
	void **state)
{
	struct tu_fixture *f = *state;
	char file[700];

	path_in(f, file, sizeof(file), "missing.req");
	tu_check_error(TU_ARGV("hgcm", "decode", file), 1, "missing.req");
	tu_check_error(TU_ARGV("hgcm", "decode", f->dir), 1, NULL);
	tu_check_error(TU_ARGV("hgcm", "decode"), 2, "FILE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_cli_setup, tu_cli_teardown)
		T(test_host_socket_is_0600_and_counts_what_it_served),
		T(test_second_host_on_a_live_socket_is_refused),
		T(test_a_stale_socket_is_replaced),
		T(test_verbose_host_logs_guests_coming_and_going),
		T(test_host_usage_errors),
		T(test_allow_uid_admits_another_uid),
		T(test_call_typed_arguments_text_and_json),
		T(test_call_buffers_in_out_inout_and_files),
		T(test_call_failures),
		T(test_call_bad_numbers_are_one_error_line),
		T(test_decode_a_valid_call64),
		T(test_decode_call32_connect_and_cancel2),
		T(test_decode_says_what_is_invalid),
		T(test_decode_exits_1_only_when_the_file_cannot_be_read),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
