/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the cmocka test binaries.
 *
 * The second half serves the suites that run $MEMWIRE as a real process
 * (test_cli, test_smem_cli): run it, keep what it printed for the failure
 * message, parse its -j output and check the error contract (exit code,
 * one line on stderr, {"error": MSG} on stdout with -j).
 */
#ifndef MEMWIRE_TESTUTIL_H
#define MEMWIRE_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>
#include <jansson.h>

/* A fresh directory for one test, under $MEMWIRE_TEST_TMP or /tmp. */
void tu_tmpdir(char *buf, size_t len);
/* rm -r of a directory made by tu_tmpdir(). */
void tu_rmrf(const char *dir);

/*
 * Run $MEMWIRE with @argv (NULL-terminated, without the program name),
 * capture stdout and stderr (NUL-terminated, caller frees), return the exit
 * status (or 128 + signal).
 */
int tu_run(char **out, char **err, const char *const *argv);

/* ------------------------------------------------ command-line suites */

/* A NULL-terminated argument list for the tu_run*() helpers. */
#define TU_ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The fixture of the CLI suites: tu_cli_setup() and tu_cli_teardown(). */
struct tu_fixture {
	char dir[512];	/* from tu_tmpdir(), removed by teardown */
	char file[640]; /* dir/x.smem, made by the tests that need it */
	pid_t bg;	/* background memwire, killed by teardown */
};

int tu_cli_setup(void **state);
int tu_cli_teardown(void **state);

/* One finished run of memwire. */
struct tu_cmd {
	int rc;
	char *out;
	char *err;
	char cmd[1024]; /* "memwire ARGS", for messages */
};

void tu_cmd_free(struct tu_cmd *r);

/* A failed check with the command and everything it printed. */
#define TU_CHECK(cond, r)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg("%s: check '%s' failed (exit %d)\n"           \
				 "stdout: %s\nstderr: %s",                     \
				 (r)->cmd, #cond, (r)->rc, (r)->out,           \
				 (r)->err);                                    \
	} while (0)

/*
 * Run memwire [@flag] @argv; @flag is "-j", "-p" or NULL.  Returns the exit
 * status; the run must end by exit(), never by a signal (a crash or a
 * sanitizer abort fails the test).
 */
int tu_run_mode(struct tu_cmd *r, const char *flag, const char *const *argv);
int tu_run_text(struct tu_cmd *r, const char *const *argv);
/* Run in text mode, expect exit 0, free everything. */
void tu_run_ok(const char *const *argv);
/* @r's stdout as one JSON value; fails the test if it is not. */
json_t *tu_parse_json(const struct tu_cmd *r);
/* Run with @flag ("-j" or "-p"), expect exit @code, return the object. */
json_t *tu_run_json_mode(struct tu_cmd *r, const char *flag, int code,
			 const char *const *argv);
/* tu_run_json_mode() with -j and exit 0. */
json_t *tu_run_json(struct tu_cmd *r, const char *const *argv);

size_t tu_count_char(const char *s, char c);
/* Exactly one non-empty line, ending in '\n'. */
bool tu_one_line(const char *s);

/* -j printed only {"error": MSG}; returns MSG (owned by @doc). */
const char *tu_json_error_only(const struct tu_cmd *r, json_t *doc);
/*
 * Run @argv in text mode and with -j.  Both must exit @code; text mode
 * prints nothing on stdout and exactly one line on stderr, "memwire: MSG";
 * -j prints only {"error": MSG} with the same MSG.  Both contain @needle
 * (and @needle2) when set.
 */
void tu_check_error2(const char *const *argv, int code, const char *needle,
		     const char *needle2);
void tu_check_error(const char *const *argv, int code, const char *needle);
/*
 * tu_check_error(), but the line on stderr may be any one line (the bare
 * usage line is not "memwire: MSG"); it must carry the JSON's MSG only when
 * it is "memwire: MSG".
 */
void tu_check_error_any_line(const char *const *argv, int code,
			     const char *needle);
/*
 * A verb that fails inside its document (validate, show, version set):
 * text mode prints one line "memwire: MSG" on stderr and exits 1; -j exits
 * 1 with the document plus "error": MSG.  Both contain @needle (and
 * @needle2 when set).  Returns the -j document.
 */
json_t *tu_check_fail_keep(const char *const *argv, const char *needle,
			   const char *needle2);

/* Start memwire @argv with stdout to @out, stderr to @out.err. */
pid_t tu_spawn_bg(const char *out, const char *const *argv);
/*
 * Wait for @pid (at most @timeout_ms; then kill it, by pid) and return its
 * exit status as tu_run() does, or -1 if it had to be killed.
 */
int tu_wait_bg(pid_t pid, int timeout_ms);
/* CLOCK_MONOTONIC in milliseconds. */
double tu_now_ms(void);
void tu_sleep_ms(int ms);
/* The whole file at @path, NUL-terminated; caller frees. */
char *tu_read_file(const char *path);

/* Member @key of @o, which must have that type. */
json_int_t tu_int_member(json_t *o, const char *key);
const char *tu_str_member(json_t *o, const char *key);
bool tu_bool_member(json_t *o, const char *key);

#endif
