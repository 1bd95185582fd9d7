/* SPDX-License-Identifier: MIT */
/*
 * pipe.c - run a sink on its own thread: the capture parses the trace on
 * one core while decoding and writing run on another.
 *
 * A single-producer, single-consumer ring of exchanges (bounded: memory
 * does not grow with the trace).  Order is kept; the inner sink's first
 * error stops the consumer and is returned to the producer's next put and
 * by hda_pipe_finish().  Each side keeps its own copy of the other's index
 * and reads the shared one only when the ring looks full (producer) or
 * empty (consumer), so the two cores do not pass a cache line back and
 * forth per exchange; a side sleeps on the condition variable only then,
 * and the other signals only when it sees a sleeper.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/core_i.h"
#include "memwire/hda.h"

#define RING 4096u
#define BATCH 256u /* exchanges per wake-up of the consumer */

struct hda_pipe {
	struct hda_exchange ring[RING];
	/* written by the producer (its own cache line) */
	_Alignas(64) _Atomic uint64_t head; /* produced */
	atomic_int pwait;
	uint64_t tail_seen; /* producer's copy of tail */
	/* written by the consumer */
	_Alignas(64) _Atomic uint64_t tail; /* consumed */
	atomic_int cwait;
	uint64_t head_seen; /* consumer's copy of head */
	_Alignas(64) atomic_bool done;
	atomic_int err;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	hda_sink_fn inner;
	void *arg;
};

static void wake(struct hda_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Sleep until woken or 1 ms passed: a wake-up that raced the sleeper's
 * flag costs at most that millisecond, so no fence per exchange is needed.
 * Called with p->mu held. */
static void nap(struct hda_pipe *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

static void *consumer(void *arg)
{
	struct hda_pipe *p = arg;
	uint64_t t = 0;

	for (;;) {
		if (t == p->head_seen) {
			p->head_seen = atomic_load_explicit(&p->head,
							    memory_order_acquire);
			while (t == p->head_seen) {
				if (atomic_load(&p->done)) {
					p->head_seen = atomic_load(&p->head);
					if (t == p->head_seen)
						return NULL; /* drained */
					break;
				}
				pthread_mutex_lock(&p->mu);
				atomic_store_explicit(&p->cwait, 1,
						      memory_order_relaxed);
				if (t == atomic_load(&p->head) &&
				    !atomic_load(&p->done))
					nap(p);
				atomic_store_explicit(&p->cwait, 0,
						      memory_order_relaxed);
				pthread_mutex_unlock(&p->mu);
				p->head_seen = atomic_load_explicit(
					&p->head, memory_order_acquire);
			}
		}
		if (!atomic_load_explicit(&p->err, memory_order_relaxed)) {
			int ret = p->inner(p->arg, &p->ring[t % RING]);

			if (ret)
				atomic_store(&p->err, ret < 0 ? ret : -EIO);
		}
		atomic_store_explicit(&p->tail, ++t, memory_order_release);
		if (!(t % BATCH) &&
		    atomic_load_explicit(&p->pwait, memory_order_relaxed))
			wake(p);
	}
}

int hda_pipe_new(hda_sink_fn inner, void *arg, struct hda_pipe **out)
{
	struct hda_pipe *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return mw_err(-ENOMEM, "out of memory");
	p->inner = inner;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	ret = pthread_create(&p->th, NULL, consumer, p);
	if (ret) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return mw_err(-ret, "cannot start the output thread");
	}
	*out = p;
	return 0;
}

int hda_pipe_sink(void *arg, const struct hda_exchange *x)
{
	struct hda_pipe *p = arg;
	uint64_t h = atomic_load_explicit(&p->head, memory_order_relaxed);
	int err;

	if ((err = atomic_load_explicit(&p->err, memory_order_relaxed)))
		return err;
	if (h - p->tail_seen == RING) {
		p->tail_seen = atomic_load_explicit(&p->tail,
						    memory_order_acquire);
		while (h - p->tail_seen == RING) {
			if ((err = atomic_load(&p->err)))
				return err;
			pthread_mutex_lock(&p->mu);
			atomic_store_explicit(&p->pwait, 1,
					      memory_order_relaxed);
			if (h - atomic_load(&p->tail) == RING &&
			    !atomic_load(&p->err))
				nap(p);
			atomic_store_explicit(&p->pwait, 0,
					      memory_order_relaxed);
			pthread_mutex_unlock(&p->mu);
			p->tail_seen = atomic_load_explicit(
				&p->tail, memory_order_acquire);
		}
	}
	p->ring[h % RING] = *x;
	atomic_store_explicit(&p->head, h + 1, memory_order_release);
	/* wake a sleeping consumer once per batch, not per exchange: it
	 * wakes by itself within a millisecond anyway */
	if (!((h + 1) % BATCH) &&
	    atomic_load_explicit(&p->cwait, memory_order_relaxed))
		wake(p);
	return 0;
}

int hda_pipe_finish(struct hda_pipe *p)
{
	if (!p->th)
		return atomic_load(&p->err);
	atomic_store(&p->done, true);
	wake(p);
	pthread_join(p->th, NULL);
	p->th = 0;
	return atomic_load(&p->err);
}

void hda_pipe_free(struct hda_pipe *p)
{
	if (!p)
		return;
	hda_pipe_finish(p);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
