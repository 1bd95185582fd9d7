/* SPDX-License-Identifier: MIT */
/*
 * error.c - the one place errno becomes a message, and library logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/core_i.h"

static _Thread_local char last_error[512];

static mw_log_fn log_fn;
static void *log_arg;
static enum mw_log_level log_max = MW_LOG_ERR;

const char *mw_last_error(void)
{
	return last_error;
}

const char *mw_version(void)
{
	return MEMWIRE_VERSION;
}

void mw_clear_error(void)
{
	last_error[0] = '\0';
}

void mw_set_log(mw_log_fn fn, void *arg, enum mw_log_level max_level)
{
	log_fn = fn;
	log_arg = arg;
	log_max = max_level;
}

static void vlog(enum mw_log_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (!log_fn || level > log_max)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_fn(level, line, log_arg);
}

void mw_log(enum mw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

int mw_err(int err, const char *fmt, ...)
{
	va_list ap;

	char msg[sizeof(last_error)];

	/* Through a copy: callers may pass mw_last_error() as an argument to
	 * prefix it ("%s: %s", path, mw_last_error()). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_error, msg, sizeof(msg));
	mw_log(MW_LOG_DEBUG, "%s", last_error);
	return err;
}

int mw_errno(const char *fmt, ...)
{
	int err = errno ? errno : EIO;
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mw_err(-err, "%s: %s", what, strerror(err));
}
