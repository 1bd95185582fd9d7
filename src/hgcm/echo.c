/* SPDX-License-Identifier: MIT */
/*
 * echo.c - "memwire.echo", the small real service for tests and benchmarks.
 *
 *   1 NULL   ()                         completes at once
 *   2 ECHO   (buf in, buf out, u32 out) copies in to out, out = bytes copied
 *   3 ADD    (u32 a, u64 b, u64 out)    out = a + b
 *   4 SLEEP  (u32 ms)                   completes from a timer thread after
 *                                       ms; a cancel completes it at once
 *                                       with VERR_CANCELLED
 *   5 FILL   (u32 byte, buf out)        fills out with byte
 *   6 SLOWFILL (u32 ms, u32 byte, buf out) FILL from the timer thread
 *                                       after ms (asynchronous)
 *
 * The out buffers of ECHO, FILL and SLOWFILL are write-only
 * (hgcm_service_ops.write_only): contiguous guest pages are filled in
 * place, and a running SLOWFILL cannot be cancelled.
 *
 * Parameter counts and types are checked exactly, like VirtualBox services
 * do: VERR_WRONG_PARAMETER_COUNT / VERR_WRONG_PARAMETER_TYPE.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_i.h"
#include "hgcm/hgcm_i.h"

struct sleeper {
	struct hgcm_call *call;
	struct hgcm_svc_parm *fill; /* SLOWFILL: parameter to fill, or NULL */
	int byte;
	struct timespec until;
	struct sleeper *next;
};

struct echo {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	bool stop, have_timer;
	struct sleeper *sleepers;
};

static void *timer_main(void *arg)
{
	struct echo *e = arg;
	struct sleeper **pp, *s;
	struct timespec now, next;

	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		next.tv_sec = now.tv_sec + 3600;
		next.tv_nsec = now.tv_nsec;
		for (pp = &e->sleepers; (s = *pp);) {
			bool due = s->until.tv_sec < now.tv_sec ||
				   (s->until.tv_sec == now.tv_sec &&
				    s->until.tv_nsec <= now.tv_nsec);

			if (due || hgcm_call_cancelled(s->call)) {
				*pp = s->next;
				pthread_mutex_unlock(&e->lock);
				if (due && s->fill)
					memset(s->fill->u.ptr.addr, s->byte,
					       s->fill->u.ptr.size);
				hgcm_call_complete(s->call,
						   due ? VINF_SUCCESS
						       : VERR_CANCELLED);
				free(s);
				pthread_mutex_lock(&e->lock);
				pp = &e->sleepers; /* the list may have changed */
				continue;
			}
			if (s->until.tv_sec < next.tv_sec ||
			    (s->until.tv_sec == next.tv_sec &&
			     s->until.tv_nsec < next.tv_nsec))
				next = s->until;
			pp = &s->next;
		}
		pthread_cond_timedwait(&e->cond, &e->lock, &next);
	}
	/* unloading: finish whatever still sleeps */
	while ((s = e->sleepers)) {
		e->sleepers = s->next;
		pthread_mutex_unlock(&e->lock);
		hgcm_call_complete(s->call, VERR_CANCELLED);
		free(s);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static int check(uint32_t cparms, const struct hgcm_svc_parm *p,
		 const char *types)
{
	uint32_t i;

	if (cparms != strlen(types))
		return VERR_WRONG_PARAMETER_COUNT;
	for (i = 0; i < cparms; i++) {
		uint32_t want = types[i] == 'u' ? HGCM_SVC_PARM_32BIT
				: types[i] == 'q' ? HGCM_SVC_PARM_64BIT
						  : HGCM_SVC_PARM_PTR;
		if (p[i].type != want)
			return VERR_WRONG_PARAMETER_TYPE;
	}
	return VINF_SUCCESS;
}

static void echo_call(void *svc, struct hgcm_call *call, uint32_t client_id,
		      void *client, uint32_t fn, uint32_t cparms,
		      struct hgcm_svc_parm *p)
{
	struct echo *e = svc;
	struct sleeper *s;
	uint32_t n, ms;
	int rc;

	switch (fn) {
	case ECHO_FN_NULL:
		rc = check(cparms, p, "");
		break;
	case ECHO_FN_ECHO:
		rc = check(cparms, p, "ppu");
		if (rc)
			break;
		n = p[0].u.ptr.size < p[1].u.ptr.size ? p[0].u.ptr.size
						      : p[1].u.ptr.size;
		memcpy(p[1].u.ptr.addr, p[0].u.ptr.addr, n);
		p[1].u.ptr.size = n;
		p[2].u.u32 = n;
		rc = p[0].u.ptr.size > n ? VINF_BUFFER_OVERFLOW : VINF_SUCCESS;
		break;
	case ECHO_FN_ADD:
		rc = check(cparms, p, "uqq");
		if (!rc)
			p[2].u.u64 = p[0].u.u32 + p[1].u.u64;
		break;
	case ECHO_FN_SLEEP:
	case ECHO_FN_SLOWFILL:
		rc = check(cparms, p, fn == ECHO_FN_SLEEP ? "u" : "uup");
		if (rc)
			break;
		ms = p[0].u.u32;
		if (ms > mwh_echo_max_sleep_ms)
			ms = mwh_echo_max_sleep_ms;
		if (!ms) {
			if (fn == ECHO_FN_SLOWFILL)
				memset(p[2].u.ptr.addr, (int)(p[1].u.u32 & 0xff),
				       p[2].u.ptr.size);
			break;
		}
		s = calloc(1, sizeof(*s));
		if (!s) {
			rc = VERR_NO_MEMORY;
			break;
		}
		s->call = call;
		if (fn == ECHO_FN_SLOWFILL) {
			s->fill = &p[2];
			s->byte = (int)(p[1].u.u32 & 0xff);
		}
		clock_gettime(CLOCK_MONOTONIC, &s->until);
		s->until.tv_sec += ms / 1000;
		s->until.tv_nsec += (long)(ms % 1000) * 1000000;
		if (s->until.tv_nsec >= 1000000000) {
			s->until.tv_sec++;
			s->until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&e->lock);
		s->next = e->sleepers;
		e->sleepers = s;
		pthread_cond_signal(&e->cond);
		pthread_mutex_unlock(&e->lock);
		return; /* completed by the timer: asynchronous */
	case ECHO_FN_FILL:
		rc = check(cparms, p, "up");
		if (!rc)
			memset(p[1].u.ptr.addr, (int)(p[0].u.u32 & 0xff),
			       p[1].u.ptr.size);
		break;
	default:
		rc = VERR_NOT_IMPLEMENTED;
		break;
	}
	hgcm_call_complete(call, rc);
}

static void echo_cancelled(void *svc, struct hgcm_call *call,
			   uint32_t client_id, void *client)
{
	struct echo *e = svc;

	/* the timer notices hgcm_call_cancelled() and completes it */
	pthread_mutex_lock(&e->lock);
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static bool echo_write_only(void *svc, uint32_t fn, uint32_t parm)
{
	return (fn == ECHO_FN_ECHO && parm == 1) ||
	       (fn == ECHO_FN_FILL && parm == 1) ||
	       (fn == ECHO_FN_SLOWFILL && parm == 2);
}

static void echo_unload(void *svc)
{
	struct echo *e = svc;

	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
	if (e->have_timer)
		pthread_join(e->timer, NULL);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int hgcm_host_register_echo(struct hgcm_host *h)
{
	static const struct hgcm_service_ops ops = {
		.name = "memwire.echo",
		.call = echo_call,
		.cancelled = echo_cancelled,
		.unload = echo_unload,
		.write_only = echo_write_only,
	};
	pthread_condattr_t ca;
	struct echo *e;
	int rc;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&e->timer, NULL, timer_main, e) == 0)
		e->have_timer = true;
	rc = hgcm_host_register(h, &ops, e);
	if (rc)
		echo_unload(e);
	return rc;
}
