/* SPDX-License-Identifier: MIT */
/*
 * capture.c - from trace lines to exchanges: device filter, pairing, flush.
 *
 * Theory of operation.  Each trace line is parsed (trace.c); accesses of
 * the followed controller (one VFIO device region, or one QEMU memory
 * region) go to the controller model (ctl.c), which reports commands as
 * the controller takes them (CORB slots, immediate command) and responses
 * as the driver learns of them (RIRB slots up to RIRBWP, ICII).
 *
 * Pairing: every command becomes an exchange numbered in the order the
 * controller carried it and waits in a queue.  A solicited response goes
 * to the oldest waiting CORB command of its codec (response_ex 3:0): a codec
 * answers its own commands in order, but codecs answer independently.  An
 * unsolicited response (response_ex bit 4) is an exchange of its own.  The
 * queue is handed to the sink from its head as exchanges complete, so the
 * output keeps the controller's order.  A command that can no longer be
 * answered (controller reset, another immediate command, a queue longer
 * than any ring, the end of the trace) goes out with no response: nothing
 * is dropped, and the queue is bounded, so memory does not grow with the
 * trace.  A solicited response with no command waiting (its command was
 * lost, e.g. the trace began mid-run) is counted and warned about.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core_i.h"
#include "hda/capture_i.h"

#define QUEUE_MAX 512	       /* two full rings of commands waiting */
#define LINE_MAX_LEN (64 << 10) /* longer lines are skipped */
#define READ_BUF (1 << 20)
#define WARN_SHOWN 5	       /* warnings of one kind shown in full */

enum filt { F_AUTO, F_VFIO, F_MR };

struct pending {
	struct hda_exchange x;
	bool done; /* complete, or given up: may go to the sink */
};

struct hda_capture {
	struct hda_capture_opts o;
	struct hda_ctl ctl;

	enum filt filt;
	char dev[96];	/* followed device (VFIO name or MR name) */
	size_t dev_len;
	int region;	/* VFIO region followed */
	bool locked;	/* auto: a device was chosen */
	enum hda_trace_kind lock_kind;

	struct pending q[QUEUE_MAX];
	unsigned qhead, qlen;
	uint64_t seq;
	double now;
	uint64_t lineno;

	unsigned warn_count[HDA_W_NKINDS];
	struct hda_capture_stats st;

	char *buf;   /* hda_capture_fd() */
	bool paused; /* pause_guest: we stopped the guest */
};

static const char *const warn_names[HDA_W_NKINDS] = {
	"bad trace line", "register value", "ring base", "guest memory",
	"guest memory", "pairing", "device",
};

void hda_cap_warn(struct hda_capture *c, enum hda_warn_kind k,
		  const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	unsigned n;

	c->st.warnings++;
	n = ++c->warn_count[k];
	if (n > WARN_SHOWN + 1)
		return;
	if (n == WARN_SHOWN + 1) {
		mw_log(MW_LOG_WARN,
		       "trace line %llu: further '%s' warnings not shown",
		       (unsigned long long)c->lineno, warn_names[k]);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mw_log(MW_LOG_WARN, "trace line %llu: %s",
	       (unsigned long long)c->lineno, msg);
}

struct hda_ctl *hda_cap_ctl(struct hda_capture *c)
{
	return &c->ctl;
}

static int emit(struct hda_capture *c, struct hda_exchange *x)
{
	c->st.exchanges++;
	if (x->unsolicited)
		c->st.unsolicited++;
	else if (x->has_response)
		c->st.responses++;
	else
		c->st.no_response++;
	return c->o.sink ? c->o.sink(c->o.sink_arg, x) : 0;
}

/* Hand the completed head of the queue to the sink. */
static int pump(struct hda_capture *c)
{
	int ret;

	while (c->qlen && c->q[c->qhead].done) {
		struct pending *p = &c->q[c->qhead];

		c->qhead = (c->qhead + 1) % QUEUE_MAX;
		c->qlen--;
		ret = emit(c, &p->x);
		if (ret)
			return ret;
	}
	return 0;
}

static struct pending *push(struct hda_capture *c, int *ret)
{
	struct pending *p;

	*ret = 0;
	if (c->qlen == QUEUE_MAX) {
		/* More commands waiting than two rings hold: the oldest will
		 * not be answered any more. */
		p = &c->q[c->qhead];
		hda_cap_warn(c, HDA_W_PAIR,
			     "no response to verb 0x%08x (seq %llu) after %u "
			     "later exchanges",
			     p->x.verb, (unsigned long long)p->x.seq,
			     QUEUE_MAX);
		p->done = true;
		*ret = pump(c);
		if (*ret)
			return NULL;
	}
	p = &c->q[(c->qhead + c->qlen) % QUEUE_MAX];
	c->qlen++;
	memset(p, 0, sizeof(*p));
	p->x.seq = ++c->seq;
	p->x.time = c->now;
	p->x.has_time = true;
	return p;
}

int hda_cap_verb(struct hda_capture *c, uint32_t verb, enum hda_path path,
		 uint32_t index)
{
	struct pending *p;
	unsigned i;
	int ret;

	if (path == HDA_PATH_IMMEDIATE) {
		/* One immediate command at a time: an older one still
		 * waiting will never be answered now. */
		for (i = 0; i < c->qlen; i++) {
			p = &c->q[(c->qhead + i) % QUEUE_MAX];
			if (!p->done && p->x.path == HDA_PATH_IMMEDIATE)
				p->done = true;
		}
	}
	c->st.verbs++;
	p = push(c, &ret);
	if (!p)
		return ret;
	p->x.has_verb = true;
	p->x.verb = verb;
	p->x.path = path;
	p->x.corb_index = index;
	return pump(c);
}

int hda_cap_response(struct hda_capture *c, uint32_t res, uint32_t res_ex,
		     enum hda_path path)
{
	struct pending *p;
	unsigned i, codec = res_ex & 0xf;
	int ret;

	if (path == HDA_PATH_CORB && (res_ex & HDA_RESPEX_UNSOL)) {
		p = push(c, &ret);
		if (!p)
			return ret;
		p->x.unsolicited = true;
		p->x.has_response = true;
		p->x.response = res;
		p->x.response_ex = res_ex;
		p->x.path = HDA_PATH_CORB;
		p->done = true;
		return pump(c);
	}
	for (i = 0; i < c->qlen; i++) {
		p = &c->q[(c->qhead + i) % QUEUE_MAX];
		if (p->done || !p->x.has_verb || p->x.path != path)
			continue;
		if (path == HDA_PATH_CORB && hda_verb_codec(p->x.verb) != codec)
			continue;
		p->x.has_response = true;
		p->x.response = res;
		p->x.response_ex = path == HDA_PATH_CORB
					   ? res_ex
					   : hda_verb_codec(p->x.verb);
		p->done = true;
		return pump(c);
	}
	if (path == HDA_PATH_CORB) {
		c->st.orphans++;
		hda_cap_warn(c, HDA_W_PAIR,
			     "response 0x%08x:0x%08x from codec %u answers no "
			     "verb that is waiting",
			     res, res_ex, codec);
	}
	/* A second read of ICII for the same command is no new response. */
	return 0;
}

int hda_cap_reset(struct hda_capture *c)
{
	unsigned i;

	for (i = 0; i < c->qlen; i++)
		c->q[(c->qhead + i) % QUEUE_MAX].done = true;
	return pump(c);
}

int hda_cap_mem(struct hda_capture *c, const char *what, uint64_t gpa,
		void *buf, size_t len, bool *ok)
{
	int ret;

	*ok = false;
	if (!c->o.mem) {
		hda_cap_warn(c, HDA_W_NOMEM,
			     "no guest memory (--qmp or --ram): the %s at "
			     "0x%llx cannot be read; only immediate "
			     "commands are captured",
			     what, (unsigned long long)gpa);
		return 0;
	}
	if (c->st.mem_gone)
		return 0;
	ret = hda_mem_read(c->o.mem, gpa, buf, len);
	if (!ret) {
		*ok = true;
		return 0;
	}
	if (ret == -EPIPE || ret == -EIO || ret == -ECONNRESET ||
	    ret == -ETIMEDOUT) {
		/* The backend is gone (QEMU exited): the rest of the trace
		 * is still parsed, and what it cannot read is counted. */
		if (!c->st.mem_gone)
			mw_log(MW_LOG_WARN, "trace line %llu: %s",
			       (unsigned long long)c->lineno, mw_last_error());
		c->st.mem_gone = true;
		return 0;
	}
	hda_cap_warn(c, HDA_W_MEM, "%s: %s", what, mw_last_error());
	return 0;
}

void hda_cap_lost(struct hda_capture *c, unsigned n)
{
	c->st.lost += n;
}

static int parse_device(struct hda_capture *c, const char *d)
{
	const char *r;
	size_t n;

	if (!d || !*d) {
		c->filt = F_AUTO;
		return 0;
	}
	if (!strncmp(d, "name=", 5)) {
		c->filt = F_MR;
		d += 5;
		n = strlen(d);
		if (!n || n >= sizeof(c->dev))
			return mw_err(-EINVAL,
				      "--device name=: a memory-region name "
				      "of 1..%zu characters",
				      sizeof(c->dev) - 1);
		memcpy(c->dev, d, n + 1);
		c->dev_len = n;
		return 0;
	}
	c->filt = F_VFIO;
	c->region = 0;
	n = strlen(d);
	r = strstr(d, ":region");
	if (r) {
		char *end;
		long v = strtol(r + 7, &end, 10);

		if (r[7] < '0' || r[7] > '9' || *end || v > 255)
			return mw_err(-EINVAL,
				      "--device %s: expected BDF[:regionN] "
				      "with N 0..255",
				      d);
		c->region = (int)v;
		n = (size_t)(r - d);
	}
	if (!n || n >= sizeof(c->dev))
		return mw_err(-EINVAL,
			      "--device '%s': expected BDF[:regionN] or "
			      "name=MR-NAME",
			      d);
	memcpy(c->dev, d, n);
	c->dev[n] = '\0';
	c->dev_len = n;
	return 0;
}

int hda_capture_new(const struct hda_capture_opts *o, struct hda_capture **out)
{
	struct hda_capture *c;
	int ret;

	mw_clear_error();
	c = calloc(1, sizeof(*c));
	if (!c)
		return mw_err(-ENOMEM, "out of memory");
	c->o = *o;
	c->o.device = NULL;
	ret = parse_device(c, o->device);
	if (ret) {
		free(c);
		return ret;
	}
	hda_ctl_init(&c->ctl);
	*out = c;
	return 0;
}

static bool dev_is(const struct hda_capture *c,
		   const struct hda_trace_event *ev)
{
	return ev->dev_len == c->dev_len &&
	       !memcmp(ev->dev, c->dev, c->dev_len);
}

static void lock_on(struct hda_capture *c, const struct hda_trace_event *ev)
{
	size_t n = ev->dev_len < sizeof(c->dev) - 1 ? ev->dev_len
						    : sizeof(c->dev) - 1;

	memcpy(c->dev, ev->dev, n);
	c->dev[n] = '\0';
	c->dev_len = n;
	c->locked = true;
	c->lock_kind = ev->kind;
	c->region = ev->region;
}

/*
 * Is this access one of the followed controller's?  Sets *@off to the
 * offset in its register BAR.
 */
static bool follow(struct hda_capture *c, const struct hda_trace_event *ev,
		   uint64_t *off)
{
	bool mine;

	if (ev->kind == HDA_TRACE_VFIO) {
		if (c->filt == F_MR || c->o.have_bar)
			return false;
		if (c->filt == F_VFIO)
			mine = ev->region == c->region && dev_is(c, ev);
		else if (!c->locked)
			mine = ev->region == 0 && ev->dev_len &&
			       ev->dev_len < sizeof(c->dev);
		else
			mine = c->lock_kind == HDA_TRACE_VFIO &&
			       ev->region == c->region && dev_is(c, ev);
		if (!mine) {
			if (c->filt == F_AUTO && ev->region == 0 &&
			    !dev_is(c, ev))
				hda_cap_warn(c, HDA_W_DEVICE,
					     "also seen: VFIO device %.*s; "
					     "following %s (choose with "
					     "--device)",
					     (int)(ev->dev_len > 80 ? 80
								    : ev->dev_len),
					     ev->dev, c->dev);
			return false;
		}
		*off = ev->addr;
	} else {
		if (c->filt == F_VFIO)
			return false;
		if (c->filt == F_MR) {
			mine = dev_is(c, ev);
		} else if (c->o.have_bar) {
			mine = ev->addr >= c->o.bar &&
			       ev->addr - c->o.bar < 0x4000;
			if (mine && !c->locked)
				lock_on(c, ev);
		} else if (!c->locked) {
			/* QEMU's emulated controller (hw/audio/intel-hda.c:
			 * its MMIO region is "intel-hda") */
			mine = ev->dev_len == 9 &&
			       !memcmp(ev->dev, "intel-hda", 9);
		} else {
			mine = c->lock_kind == HDA_TRACE_MR && dev_is(c, ev);
		}
		if (!mine)
			return false;
		/* memory_region_ops prints the absolute address: BAR base +
		 * offset.  An HDA BAR is 16 KiB and naturally aligned. */
		*off = c->o.have_bar ? ev->addr - c->o.bar : ev->addr & 0x3fff;
	}
	if (!c->locked)
		lock_on(c, ev);
	return true;
}

static double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int hda_capture_event(struct hda_capture *c, const struct hda_trace_event *ev)
{
	uint64_t off;

	if (!follow(c, ev, &off))
		return 0;
	c->st.events++;
	c->now = ev->has_time ? ev->time : clock_now();
	if (off >= HDA_REGS_END)
		return 0;
	if (ev->write)
		return hda_ctl_write(c, (unsigned)off, ev->size, ev->value);
	return hda_ctl_read(c, (unsigned)off, ev->size, ev->value);
}

int hda_capture_line(struct hda_capture *c, const char *line, size_t len)
{
	struct hda_trace_event ev;
	int ret;

	c->lineno++;
	c->st.lines++;
	/* Fast path: once a memory region is followed, a line that ends in
	 * another region's name is not ours (no need to parse it). */
	if (c->locked && c->lock_kind == HDA_TRACE_MR && !c->o.have_bar &&
	    len > c->dev_len + 8 && line[len - 1] == '\'' &&
	    (line[len - c->dev_len - 2] != '\'' ||
	     memcmp(line + len - c->dev_len - 1, c->dev, c->dev_len)) &&
	    memmem(line, len, "_region_ops_", 12))
		return 0;
	ret = hda_trace_parse(line, len, &ev);
	if (ret <= 0) {
		if (ret < 0) {
			c->st.malformed++;
			hda_cap_warn(c, HDA_W_LINE, "%s", mw_last_error());
		}
		return 0;
	}
	return hda_capture_event(c, &ev);
}

/*
 * The drain thread: reads the trace as fast as it comes into a list of
 * chunks; the capture takes from the list.  Memory grows only while the
 * capture is slower than the trace (QMP round trips), up to DRAIN_MAX.
 */
#define DRAIN_MAX (1ull << 30)

struct chunk {
	struct chunk *next;
	size_t len, off;
	char data[];
};

struct drain {
	int fd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	size_t queued;
	bool eof, quit;
	int err;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;
	char buf[64 << 10];

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (;;) {
		struct chunk *ch;
		ssize_t n;

		/* Cancellable only in read(2), where no lock is held. */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		n = read(d->fd, buf, sizeof(buf));
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		pthread_mutex_lock(&d->mu);
		if (n <= 0) {
			d->eof = true;
			d->err = n < 0 ? -errno : 0;
			pthread_cond_broadcast(&d->cv);
			pthread_mutex_unlock(&d->mu);
			return NULL;
		}
		while (d->queued > DRAIN_MAX && !d->quit)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->quit) {
			pthread_mutex_unlock(&d->mu);
			return NULL;
		}
		ch = malloc(sizeof(*ch) + (size_t)n);
		if (!ch) {
			d->eof = true;
			d->err = -ENOMEM;
			pthread_cond_broadcast(&d->cv);
			pthread_mutex_unlock(&d->mu);
			return NULL;
		}
		ch->next = NULL;
		ch->len = (size_t)n;
		ch->off = 0;
		memcpy(ch->data, buf, (size_t)n);
		if (d->tail)
			d->tail->next = ch;
		else
			d->head = ch;
		d->tail = ch;
		d->queued += (size_t)n;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
	}
}

/*
 * Like read(2) on the drained trace; -EINTR when *@stop is set, -EAGAIN
 * after @idle_ms (>= 0) without data.
 */
static ssize_t drain_read(struct drain *d, char *buf, size_t max,
			  volatile int *stop, int idle_ms)
{
	int waited = 0;
	ssize_t got = 0;

	pthread_mutex_lock(&d->mu);
	while (!d->head && !d->eof && !(stop && *stop)) {
		struct timespec ts;

		if (idle_ms >= 0 && waited >= idle_ms) {
			pthread_mutex_unlock(&d->mu);
			return -EAGAIN;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		waited += 50;
	}
	while (d->head && (size_t)got < max) {
		struct chunk *ch = d->head;
		size_t n = ch->len - ch->off;

		if (n > max - (size_t)got)
			n = max - (size_t)got;
		memcpy(buf + got, ch->data + ch->off, n);
		ch->off += n;
		got += (ssize_t)n;
		d->queued -= n;
		if (ch->off == ch->len) {
			d->head = ch->next;
			if (!d->head)
				d->tail = NULL;
			free(ch);
		}
	}
	if (!got && !d->head && d->eof && d->err)
		got = d->err;
	else if (!got && !d->eof)
		got = -EINTR;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return got;
}

static void drain_stop(struct drain *d)
{
	pthread_mutex_lock(&d->mu);
	d->quit = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	/* A thread blocked in read(2) ends there: read is a cancellation
	 * point, and the thread holds no lock while it reads. */
	pthread_cancel(d->thread);
	pthread_join(d->thread, NULL);
	while (d->head) {
		struct chunk *ch = d->head;

		d->head = ch->next;
		free(ch);
	}
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
}

static int capture_loop(struct hda_capture *c, int fd, struct drain *d,
			volatile int *stop, int (*idle)(void *arg),
			void *idle_arg, int idle_ms);

#define PAUSE_HIGH (32u << 10) /* stop the guest this far behind */

/*
 * pause_guest: a running guest is stopped while the capture is behind and
 * continued once it caught up.  QMP answers because the drain thread keeps
 * QEMU's trace writes from blocking.
 */
static void pace_guest(struct hda_capture *c, struct drain *d, bool *paused)
{
	size_t queued;
	char *reply = NULL;

	if (!c->o.pause_guest || !c->o.mem || c->st.mem_gone)
		return;
	pthread_mutex_lock(&d->mu);
	queued = d->queued;
	pthread_mutex_unlock(&d->mu);
	if (!*paused && queued > PAUSE_HIGH) {
		if (hda_mem_qmp_command(c->o.mem,
					"{\"execute\":\"query-status\"}",
					&reply))
			return;
		if (reply && strstr(reply, "\"running\":true") &&
		    !hda_mem_qmp_command(c->o.mem, "{\"execute\":\"stop\"}",
					 NULL)) {
			*paused = true;
			c->st.pauses++;
		}
		free(reply);
	} else if (*paused && queued == 0) {
		hda_mem_qmp_command(c->o.mem, "{\"execute\":\"cont\"}", NULL);
		*paused = false;
	}
}

int hda_capture_fd(struct hda_capture *c, int fd, volatile int *stop,
		   int (*idle)(void *arg), void *idle_arg, int idle_ms)
{
	struct drain d;
	int ret;

	if (!c->buf) {
		c->buf = malloc(READ_BUF);
		if (!c->buf)
			return mw_err(-ENOMEM, "out of memory");
	}
	if (!c->o.drain_thread)
		return capture_loop(c, fd, NULL, stop, idle, idle_arg, idle_ms);
	memset(&d, 0, sizeof(d));
	d.fd = fd;
	pthread_mutex_init(&d.mu, NULL);
	pthread_cond_init(&d.cv, NULL);
	ret = pthread_create(&d.thread, NULL, drain_main, &d);
	if (ret) {
		pthread_cond_destroy(&d.cv);
		pthread_mutex_destroy(&d.mu);
		return mw_err(-ret, "cannot start the trace reader: %s",
			      strerror(ret));
	}
	ret = capture_loop(c, fd, &d, stop, idle, idle_arg, idle_ms);
	drain_stop(&d);
	if (c->paused && c->o.mem && !c->st.mem_gone)
		hda_mem_qmp_command(c->o.mem, "{\"execute\":\"cont\"}", NULL);
	c->paused = false;
	return ret;
}

static int capture_loop(struct hda_capture *c, int fd, struct drain *d,
			volatile int *stop, int (*idle)(void *arg),
			void *idle_arg, int idle_ms)
{
	size_t have = 0;
	bool skipping = false;
	ssize_t n;
	int ret;

	for (;;) {
		char *p, *nl, *end;

		if (stop && *stop)
			return 0;
		if (d) {
			pace_guest(c, d, &c->paused);
			n = drain_read(d, c->buf + have, READ_BUF - have, stop,
				       c->paused ? 0 : idle ? idle_ms : -1);
			if (n == -EAGAIN && c->paused)
				continue; /* caught up: pace_guest continues */
			if (n == -EINTR)
				continue;
			if (n == -EAGAIN) {
				if (idle(idle_arg))
					return 0;
				continue;
			}
			if (n < 0) {
				errno = (int)-n;
				return mw_errno("reading the trace");
			}
			goto got;
		}
		if (idle) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int pr = poll(&pfd, 1, idle_ms);

			if (pr == 0) {
				if (idle(idle_arg))
					return 0;
				continue;
			}
			if (pr < 0 && errno == EINTR)
				continue;
		}
		n = read(fd, c->buf + have, READ_BUF - have);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return mw_errno("reading the trace");
		}
got:
		if (n == 0)
			break;
		p = c->buf;
		end = c->buf + have + n;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (skipping) {
				skipping = false;
			} else {
				ret = hda_capture_line(c, p, (size_t)(nl - p));
				if (ret)
					return ret;
			}
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have >= LINE_MAX_LEN) {
			/* A line too long to be a trace line: skip it. */
			if (!skipping) {
				c->lineno++;
				c->st.lines++;
				c->st.malformed++;
				hda_cap_warn(c, HDA_W_LINE,
					     "line longer than %d bytes "
					     "skipped",
					     LINE_MAX_LEN);
			}
			skipping = true;
			have = 0;
		} else if (have && p != c->buf) {
			memmove(c->buf, p, have);
		}
	}
	/* The last line may lack its newline (a cut-off trace). */
	if (have && !skipping)
		return hda_capture_line(c, c->buf, have);
	return 0;
}

int hda_capture_flush(struct hda_capture *c)
{
	return hda_cap_reset(c);
}

void hda_capture_get_stats(const struct hda_capture *c,
			   struct hda_capture_stats *st)
{
	*st = c->st;
	if (!c->locked)
		st->device[0] = '\0';
	else if (c->lock_kind == HDA_TRACE_VFIO)
		snprintf(st->device, sizeof(st->device), "%s:region%d",
			 c->dev, c->region);
	else
		snprintf(st->device, sizeof(st->device), "name=%s", c->dev);
}

void hda_capture_free(struct hda_capture *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}
