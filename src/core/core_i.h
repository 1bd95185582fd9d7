/* SPDX-License-Identifier: MIT */
/*
 * core_i.h - private helpers shared by the library's modules.
 */
#ifndef MEMWIRE_CORE_I_H
#define MEMWIRE_CORE_I_H

#include <stdarg.h>
#include <stdint.h>

#include "memwire/core.h"

#define MW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define MW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MW_PRINTF(a, b)
#endif

/**
 * mw_err() - record a failure for mw_last_error() and return it
 * @err: a negative errno
 *
 * Usage: `return mw_err(-EINVAL, "size %llu is not page-aligned", ...);`
 * Also logs the message at MW_LOG_DEBUG.
 */
int mw_err(int err, const char *fmt, ...) MW_PRINTF(2, 3);

/** mw_errno() - mw_err(-errno, "<what>: <strerror>") for a failed syscall. */
int mw_errno(const char *fmt, ...) MW_PRINTF(1, 2);

/** mw_clear_error() - forget the last error (called by entry points). */
void mw_clear_error(void);

void mw_log(enum mw_log_level level, const char *fmt, ...) MW_PRINTF(2, 3);

#endif /* MEMWIRE_CORE_I_H */
