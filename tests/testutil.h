/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the cmocka test binaries.
 */
#ifndef MEMWIRE_TESTUTIL_H
#define MEMWIRE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

#endif
