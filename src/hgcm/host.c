/* SPDX-License-Identifier: MIT */
/*
 * host.c - the VMMDev/HGCM host: accepts guests on a UNIX socket, gives
 * each a guest RAM memfd, and serves the requests whose guest-physical
 * addresses arrive on the socket.
 *
 * One guest = one connection = N worker threads that all block in recv()
 * on its socket (the VMMDev request port).  A worker that receives an
 * address handles that request from copy to dispatch; a service completes
 * it from that worker or later from any thread.  Completion writes the
 * results into guest RAM, then ORs DONE into fu32Flags (release), then
 * wakes the futex on that word and raises VMMDEV_EVENT_HGCM: the order of
 * hgcmCompletedWorker (hgcm_shfl.md 1.8).
 *
 * Nothing read from guest RAM is used before it is copied: the header is
 * copied, then the whole request, and mwh_parse() validates the copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/core_i.h"
#include "hgcm/hgcm_i.h"
#include "hgcm/proto.h"

struct mwh_service {
	struct hgcm_service_ops ops;
	void *svc;
	struct mwh_service *next;
};

struct mwh_guest;

struct mwh_client {
	uint32_t id;
	struct mwh_service *svc;
	void *data;
	struct mwh_client *next;
};

struct hgcm_call {
	struct mwh_guest *g;
	struct mwh_client *client;
	uint32_t phys;
	struct mwh_req req; /* the host's parsed copy */
	struct hgcm_svc_parm parms[VMMDEV_MAX_HGCM_PARMS];
	void *bounce[VMMDEV_MAX_HGCM_PARMS];
	uint32_t direct;   /* bit i: parameter i is in guest RAM, no bounce */
	uint8_t *embedded; /* the copy, for embedded TO_HOST data */
	int refs;	   /* under g->lock */
	bool cancelled, pending, completed;
	struct hgcm_call *next;
};

struct mwh_guest {
	struct hgcm_host *host;
	int sock;
	uint8_t *ram;
	uint64_t ram_size;
	pid_t pid;
	uid_t uid;
	pthread_mutex_t lock;
	int refs;		/* 1 (the workers) + calls, under lock */
	int workers;		/* alive, under lock */
	bool dead, reported;
	bool borrowed_ram;	/* fuzzing: RAM is not ours to unmap */
	struct hgcm_call *pending;
	struct mwh_client *clients;
	int n_clients;
	struct mwh_guest *next;
};

struct hgcm_host {
	struct hgcm_host_opts opts;
	char *path;
	int listen_fd, stop_fd;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mwh_service *services;
	struct mwh_guest *guests;
	int n_guests;
	uint32_t next_client;
	struct hgcm_host_stats st;
};

unsigned mwh_echo_max_sleep_ms = 60000;

/* ------------------------------------------------------------ helpers */

static void futex_wake(void *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void stat_inc(uint64_t *field)
{
	__atomic_add_fetch(field, 1, __ATOMIC_RELAXED);
}

/* Guest RAM pointer for [phys, phys + len), or NULL. */
static uint8_t *gptr(struct mwh_guest *g, uint64_t phys, uint64_t len)
{
	if (phys > g->ram_size || len > g->ram_size - phys)
		return NULL;
	return g->ram + phys;
}

/* The VMMDev interrupt: raise VMMDEV_EVENT_HGCM in the VMMDev page. */
static void raise_event(struct mwh_guest *g, uint32_t ev)
{
	struct vmmdev_memory *m = (void *)g->ram;

	__atomic_fetch_or(&m->events, ev, __ATOMIC_RELEASE);
	__atomic_store_n(&m->have_events, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&m->irq_seq, 1, __ATOMIC_RELEASE);
	futex_wake(&m->irq_seq);
}

/* Answer a request: header.rc, and the wake-up the guest waits for. */
static void answer(struct mwh_guest *g, uint32_t phys, int rc, bool hgcm,
		   int result)
{
	uint8_t *p = gptr(g, phys, hgcm ? 32 : 16);

	if (!p) {
		mw_log(MW_LOG_WARN, "hgcm: guest %d: request at 0x%x: no "
		       "room for an answer", (int)g->pid, phys);
		return;
	}
	__atomic_store_n((int32_t *)(p + 12), rc, __ATOMIC_RELEASE);
	if (hgcm) {
		__atomic_store_n((int32_t *)(p + 28), result, __ATOMIC_RELAXED);
		__atomic_fetch_or((uint32_t *)(p + 24), VBOX_HGCM_REQ_DONE,
				  __ATOMIC_RELEASE);
		futex_wake(p + 24);
		raise_event(g, VMMDEV_EVENT_HGCM);
	} else {
		futex_wake(p + 12);
	}
}

static void guest_put(struct mwh_guest *g);

static void call_put_locked(struct hgcm_call *c, bool *free_it)
{
	*free_it = --c->refs == 0;
}

static void call_free(struct hgcm_call *c)
{
	unsigned i;

	for (i = 0; i < MW_ARRAY_SIZE(c->bounce); i++)
		free(c->bounce[i]);
	free(c->embedded);
	guest_put(c->g);
	free(c);
}

static void call_put(struct hgcm_call *c)
{
	struct mwh_guest *g = c->g;
	bool f;

	pthread_mutex_lock(&g->lock);
	call_put_locked(c, &f);
	pthread_mutex_unlock(&g->lock);
	if (f)
		call_free(c);
}

static void unlink_pending(struct mwh_guest *g, struct hgcm_call *c)
{
	struct hgcm_call **pp;

	for (pp = &g->pending; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->pending = false;
}

/* ------------------------------------------------------- bounce copies */

/* Copy between a bounce buffer and the pages of parameter @pm. */
static void copy_pages(struct mwh_guest *g, const struct hgcm_call *c,
		       const struct mwh_parm *pm, void *bounce, uint32_t len,
		       bool to_guest)
{
	const uint8_t *list = c->embedded + pm->pages_off;
	uint32_t done = 0, off = pm->off_first;
	unsigned i;

	if (pm->type == HGCM_PARM_CONTIGUOUS_PAGELIST) {
		uint8_t *p = gptr(g, mwh_ld64(list) + off, len);

		if (p) {
			if (to_guest)
				memcpy(p, bounce, len);
			else
				memcpy(bounce, p, len);
		} else if (!to_guest) {
			memset(bounce, 0, len); /* never host heap contents */
		}
		return;
	}
	i = 0;
	while (i < pm->cpages && done < len) {
		uint64_t page = mwh_ld64(list + 8 * i);
		uint64_t run = HGCM_PAGE_SIZE - off;
		unsigned j = i + 1;
		uint32_t n;
		uint8_t *p;

		/* one copy for physically adjacent pages */
		while (j < pm->cpages && done + run < len &&
		       mwh_ld64(list + 8 * j) ==
			       mwh_ld64(list + 8 * (j - 1)) + HGCM_PAGE_SIZE) {
			run += HGCM_PAGE_SIZE;
			j++;
		}
		n = run < len - done ? (uint32_t)run : len - done;
		p = gptr(g, page + off, n);
		if (p) {
			if (to_guest)
				memcpy(p, (uint8_t *)bounce + done, n);
			else
				memcpy((uint8_t *)bounce + done, p, n);
		} else if (!to_guest) {
			memset((uint8_t *)bounce + done, 0, n);
		}
		done += n;
		off = 0;
		i = j;
	}
}

/*
 * Guest RAM of parameter @pm when its pages are one physically contiguous
 * run covering all of its bytes (as memwire's guest allocates them), else
 * NULL.  Reads the call's copy of the page list, never guest RAM.
 */
static uint8_t *contiguous_pages(struct mwh_guest *g, const struct hgcm_call *c,
				 const struct mwh_parm *pm)
{
	const uint8_t *list = c->embedded + pm->pages_off;
	uint64_t first = mwh_ld64(list);
	uint32_t need = (uint32_t)(((uint64_t)pm->off_first + pm->size +
				    HGCM_PAGE_MASK) / HGCM_PAGE_SIZE);
	unsigned i;

	if (pm->type != HGCM_PARM_CONTIGUOUS_PAGELIST) {
		if (need > pm->cpages)
			return NULL;
		for (i = 1; i < need; i++)
			if (mwh_ld64(list + 8 * i) !=
			    first + (uint64_t)i * HGCM_PAGE_SIZE)
				return NULL;
	}
	return gptr(g, first + pm->off_first, pm->size);
}

/* ------------------------------------------------------------ completion */

void hgcm_call_complete(struct hgcm_call *c, int rc)
{
	struct mwh_guest *g = c->g;
	uint8_t *req;
	unsigned i;
	bool write_back, f;

	pthread_mutex_lock(&g->lock);
	if (c->completed) {
		pthread_mutex_unlock(&g->lock);
		mw_log(MW_LOG_WARN, "hgcm: a service completed a call twice");
		return;
	}
	c->completed = true;
	write_back = c->pending && !c->cancelled && !g->dead;
	if (c->pending)
		unlink_pending(g, c);
	pthread_mutex_unlock(&g->lock);

	if (write_back) {
		req = gptr(g, c->phys, c->req.size);
		/* hgcmCompletedWorker: the request must still be the one we
		 * took; a guest that changed its type or size gets nothing
		 * back but DONE and VERR_INVALID_STATE. */
		if (!req || mwh_ld32(req + 8) != c->req.type ||
		    mwh_ld32(req) != c->req.size) {
			mw_log(MW_LOG_WARN, "hgcm: guest %d changed the "
			       "request at 0x%x while it ran", (int)g->pid,
			       c->phys);
			answer(g, c->phys, VINF_HGCM_ASYNC_EXECUTE, true,
			       VERR_INVALID_STATE);
			goto out;
		}
		for (i = 0; i < c->req.cparms; i++) {
			const struct mwh_parm *pm = &c->req.parms[i];
			const struct hgcm_svc_parm *sp = &c->parms[i];
			uint8_t *q = req + 44 + i * c->req.parm_size;
			uint32_t n;

			switch (pm->type) {
			case HGCM_PARM_32BIT:
				mwh_st32(q + HGCM_PARM_OFF_VALUE, sp->u.u32);
				break;
			case HGCM_PARM_64BIT:
				mwh_st64(q + HGCM_PARM_OFF_VALUE, sp->u.u64);
				break;
			case HGCM_PARM_EMBEDDED:
			case HGCM_PARM_PAGELIST:
			case HGCM_PARM_CONTIGUOUS_PAGELIST:
			case HGCM_PARM_NO_BOUNCE_PAGELIST:
				n = sp->u.ptr.size < pm->size ? sp->u.ptr.size
							      : pm->size;
				if ((pm->dir & HGCM_DIR_FROM_HOST) &&
				    !(c->direct & 1u << i)) {
					if (pm->type == HGCM_PARM_EMBEDDED)
						memcpy(req + pm->off,
						       c->bounce[i], n);
					else
						copy_pages(g, c, pm,
							   c->bounce[i], n,
							   true);
				}
				if (pm->type == HGCM_PARM_EMBEDDED)
					mwh_st32(q + HGCM_PARM_OFF_ADDR, n);
				else if (pm->type != HGCM_PARM_PAGELIST)
					mwh_st32(q + HGCM_PARM_OFF_VALUE, n);
				break;
			}
		}
		answer(g, c->phys, VINF_HGCM_ASYNC_EXECUTE, true, rc);
	}
out:
	pthread_mutex_lock(&g->lock);
	call_put_locked(c, &f);
	pthread_mutex_unlock(&g->lock);
	if (f)
		call_free(c);
}

bool hgcm_call_cancelled(const struct hgcm_call *c)
{
	return __atomic_load_n(&c->cancelled, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&c->g->dead, __ATOMIC_ACQUIRE);
}

/* Cancel the pending call at @phys; VINF_SUCCESS or VERR_NOT_FOUND. */
static int cancel_phys(struct mwh_guest *g, uint32_t phys)
{
	struct hgcm_call *c;

	pthread_mutex_lock(&g->lock);
	for (c = g->pending; c; c = c->next)
		if (c->phys == phys)
			break;
	if (!c) {
		pthread_mutex_unlock(&g->lock);
		return VERR_NOT_FOUND;
	}
	if (c->direct) {
		/* the service writes guest RAM in place: the guest must not
		 * reuse it before DONE, so this call runs to its end */
		pthread_mutex_unlock(&g->lock);
		return VERR_NOT_FOUND;
	}
	unlink_pending(g, c);
	__atomic_store_n(&c->cancelled, true, __ATOMIC_RELEASE);
	c->refs++;
	pthread_mutex_unlock(&g->lock);
	stat_inc(&g->host->st.cancelled);
	if (c->client->svc->ops.cancelled)
		c->client->svc->ops.cancelled(c->client->svc->svc, c,
					      c->client->id, c->client->data);
	call_put(c);
	return VINF_SUCCESS;
}

/* -------------------------------------------------------------- dispatch */

static struct mwh_client *find_client(struct mwh_guest *g, uint32_t id)
{
	struct mwh_client *cl;

	for (cl = g->clients; cl; cl = cl->next)
		if (cl->id == id)
			return cl;
	return NULL;
}

static struct mwh_service *find_service(struct hgcm_host *h, const char *name)
{
	struct mwh_service *s;

	for (s = h->services; s; s = s->next)
		if (!strcmp(s->ops.name, name))
			return s;
	return NULL;
}

static int do_connect(struct mwh_guest *g, uint32_t phys, struct mwh_req *r)
{
	struct hgcm_host *h = g->host;
	struct mwh_service *s = find_service(h, r->name);
	struct mwh_client *cl;
	uint8_t *p;
	int rc;

	if (!s)
		return VERR_HGCM_SERVICE_NOT_FOUND;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return VERR_NO_MEMORY;
	cl->svc = s;
	if (s->ops.client_size && !(cl->data = calloc(1, s->ops.client_size))) {
		free(cl);
		return VERR_NO_MEMORY;
	}
	pthread_mutex_lock(&h->lock);
	cl->id = ++h->next_client ? h->next_client : ++h->next_client;
	pthread_mutex_unlock(&h->lock);

	pthread_mutex_lock(&g->lock);
	if (g->n_clients >= h->opts.max_clients) {
		pthread_mutex_unlock(&g->lock);
		free(cl->data);
		free(cl);
		return VERR_HGCM_TOO_MANY_CLIENTS;
	}
	g->n_clients++;
	pthread_mutex_unlock(&g->lock);

	rc = s->ops.connect ? s->ops.connect(s->svc, cl->id, cl->data,
					     r->requestor)
			    : VINF_SUCCESS;
	pthread_mutex_lock(&g->lock);
	if (rc < 0 || g->dead) {
		g->n_clients--;
		pthread_mutex_unlock(&g->lock);
		if (rc >= 0 && s->ops.disconnect)
			s->ops.disconnect(s->svc, cl->id, cl->data);
		free(cl->data);
		free(cl);
		return rc < 0 ? rc : VERR_SEM_DESTROYED;
	}
	cl->next = g->clients;
	g->clients = cl;
	pthread_mutex_unlock(&g->lock);
	p = gptr(g, phys, sizeof(struct hgcm_connect_req));
	if (p)
		mwh_st32(p + 164, cl->id);
	return VINF_SUCCESS;
}

static int do_disconnect(struct mwh_guest *g, struct mwh_req *r)
{
	struct mwh_client **pp, *cl = NULL;
	struct hgcm_call *c;

	pthread_mutex_lock(&g->lock);
	for (pp = &g->clients; *pp; pp = &(*pp)->next)
		if ((*pp)->id == r->client_id) {
			cl = *pp;
			break;
		}
	if (!cl) {
		pthread_mutex_unlock(&g->lock);
		return VERR_HGCM_INVALID_CLIENT_ID;
	}
	/* calls still in flight keep the client: refuse, as HGCM does not
	 * let a client vanish under its own calls */
	for (c = g->pending; c; c = c->next)
		if (c->client == cl)
			break;
	if (c) {
		pthread_mutex_unlock(&g->lock);
		return VERR_INVALID_STATE;
	}
	*pp = cl->next;
	g->n_clients--;
	pthread_mutex_unlock(&g->lock);
	if (cl->svc->ops.disconnect)
		cl->svc->ops.disconnect(cl->svc->svc, cl->id, cl->data);
	free(cl->data);
	free(cl);
	return VINF_SUCCESS;
}

/* Build the service's parameters (bounce buffers) and run the call; takes
 * @copy (freed on failure, owned by the call otherwise). */
static int do_call(struct mwh_guest *g, uint32_t phys, struct mwh_req *r,
		   uint8_t *copy)
{
	const struct hgcm_service_ops *svc;
	struct mwh_client *cl;
	struct hgcm_call *c;
	unsigned i;

	pthread_mutex_lock(&g->lock);
	cl = find_client(g, r->client_id);
	pthread_mutex_unlock(&g->lock);
	if (!cl) {
		free(copy);
		return VERR_HGCM_INVALID_CLIENT_ID;
	}
	svc = &cl->svc->ops;
	c = calloc(1, sizeof(*c));
	if (!c) {
		free(copy);
		return VERR_NO_MEMORY;
	}
	pthread_mutex_lock(&g->lock);
	g->refs++; /* dropped by call_free() */
	pthread_mutex_unlock(&g->lock);
	c->g = g;
	c->client = cl;
	c->phys = phys;
	c->req = *r;
	c->embedded = copy; /* owned by the call from here */
	for (i = 0; i < r->cparms; i++) {
		const struct mwh_parm *pm = &r->parms[i];
		struct hgcm_svc_parm *sp = &c->parms[i];

		switch (pm->type) {
		case HGCM_PARM_32BIT:
			sp->type = HGCM_SVC_PARM_32BIT;
			sp->u.u32 = (uint32_t)pm->value;
			break;
		case HGCM_PARM_64BIT:
			sp->type = HGCM_SVC_PARM_64BIT;
			sp->u.u64 = pm->value;
			break;
		default:
			sp->type = HGCM_SVC_PARM_PTR;
			sp->u.ptr.size = pm->size;
			if (pm->dir == HGCM_DIR_FROM_HOST && pm->size &&
			    pm->type != HGCM_PARM_EMBEDDED && svc->write_only &&
			    svc->write_only(cl->svc->svc, r->function, i) &&
			    (sp->u.ptr.addr = contiguous_pages(g, c, pm))) {
				c->direct |= 1u << i;
				break;
			}
			/* +1 so a 0-byte buffer is not NULL */
			c->bounce[i] = malloc((size_t)pm->size + 1);
			if (!c->bounce[i]) {
				call_free(c);
				return VERR_NO_MEMORY;
			}
			sp->u.ptr.addr = c->bounce[i];
			if (!(pm->dir & HGCM_DIR_TO_HOST))
				/* what the service leaves goes back: zeros */
				memset(c->bounce[i], 0, pm->size);
			else if (pm->type == HGCM_PARM_EMBEDDED)
				memcpy(c->bounce[i], copy + pm->off, pm->size);
			else
				copy_pages(g, c, pm, c->bounce[i], pm->size,
					   false);
			break;
		}
	}

	pthread_mutex_lock(&g->lock);
	if (g->dead || !find_client(g, r->client_id)) {
		bool dead = g->dead;

		pthread_mutex_unlock(&g->lock);
		call_free(c);
		return dead ? VERR_SEM_DESTROYED : VERR_HGCM_INVALID_CLIENT_ID;
	}
	/* the guest learns the call is queued (VINF_HGCM_ASYNC_EXECUTE)
	 * before Cancel2 can see it, so a cancel cannot be followed by a
	 * late write into a request the guest already reused */
	__atomic_store_n((int32_t *)(g->ram + phys + 12),
			 VINF_HGCM_ASYNC_EXECUTE, __ATOMIC_RELEASE);
	c->refs = 1; /* the service's, dropped by hgcm_call_complete */
	c->pending = true;
	c->next = g->pending;
	g->pending = c;
	pthread_mutex_unlock(&g->lock);

	stat_inc(&g->host->st.calls);
	cl->svc->ops.call(cl->svc->svc, c, cl->id, cl->data, r->function,
			  r->cparms, c->parms);
	return VINF_HGCM_ASYNC_EXECUTE;
}

/* Handle the request at guest-physical @phys (one OUT to the port). */
static void handle(struct mwh_guest *g, uint32_t phys)
{
	struct hgcm_host *h = g->host;
	uint8_t hdr[sizeof(struct vmmdev_hdr)], *copy = NULL, *p;
	char err[200];
	struct mwh_req *r;
	uint32_t size, type;
	bool hgcm;
	int rc;

	stat_inc(&h->st.requests);
	if (phys < HGCM_PAGE_SIZE || (phys & 3) ||
	    !(p = gptr(g, phys, sizeof(hdr)))) {
		/* nowhere to answer: the guest's wait times out */
		stat_inc(&h->st.rejected);
		mw_log(MW_LOG_WARN, "hgcm: guest %d: request address 0x%x "
		       "is not usable (page 0, unaligned or outside %llu bytes "
		       "of guest RAM)", (int)g->pid, phys,
		       (unsigned long long)g->ram_size);
		return;
	}
	memcpy(hdr, p, sizeof(hdr));
	size = mwh_ld32(hdr);
	type = mwh_ld32(hdr + 8);
	hgcm = mwh_is_hgcm(type);

	r = malloc(sizeof(*r));
	if (!r) {
		answer(g, phys, VERR_NO_MEMORY, hgcm, VERR_NO_MEMORY);
		return;
	}
	if (size >= sizeof(hdr) && size <= VMMDEV_MAX_VMMDEVREQ_SIZE &&
	    mwh_ld32(hdr + 4) == VMMDEV_REQUEST_HEADER_VERSION) {
		p = gptr(g, phys, size);
		if (!p) {
			rc = VERR_INVALID_PARAMETER;
			snprintf(err, sizeof(err), "request 0x%x+%u runs past "
				 "guest RAM", phys, size);
			goto reject;
		}
		copy = malloc(size);
		if (!copy) {
			rc = VERR_NO_MEMORY;
			snprintf(err, sizeof(err), "no memory for a %u-byte "
				 "copy", size);
			goto reject;
		}
		memcpy(copy, p, size); /* from here on, only the copy */
		rc = mwh_parse(copy, size, g->ram_size, r, err, sizeof(err));
	} else {
		rc = mwh_parse(hdr, sizeof(hdr), g->ram_size, r, err,
			       sizeof(err));
	}
	if (rc)
		goto reject;
	/* from here on the type is the validated copy's: the guest may have
	 * changed it between the header copy and the whole copy */
	type = r->type;
	hgcm = mwh_is_hgcm(type);

	/* "Guest has not yet reported to us" (vmmdevRequestHandler) */
	if (!__atomic_load_n(&g->reported, __ATOMIC_ACQUIRE) &&
	    type != VMMDEVREQ_GET_HOST_VERSION &&
	    type != VMMDEVREQ_WRITE_CORE_DUMP &&
	    type != VMMDEVREQ_REPORT_GUEST_INFO &&
	    type != VMMDEVREQ_REPORT_GUEST_INFO2) {
		rc = VERR_NOT_SUPPORTED;
		snprintf(err, sizeof(err), "%s before ReportGuestInfo",
			 hgcm_req_type_name(type));
		goto reject;
	}

	switch (type) {
	case VMMDEVREQ_REPORT_GUEST_INFO:
		/* VMMDEV_INTERFACE_VERSION_IS_OK: major 1, minor <= 4 */
		if ((r->u32a >> 16) != 1 || (r->u32a & 0xffff) > 4) {
			rc = VERR_VERSION_MISMATCH;
			snprintf(err, sizeof(err), "interface version 0x%08x "
				 "is not 1.0..1.4", r->u32a);
			goto reject;
		}
		__atomic_store_n(&g->reported, true, __ATOMIC_RELEASE);
		answer(g, phys, VINF_SUCCESS, false, 0);
		break;
	case VMMDEVREQ_REPORT_GUEST_INFO2:
	case VMMDEVREQ_REPORT_GUEST_STATUS:
	case VMMDEVREQ_CTL_GUEST_FILTER_MASK:
	case VMMDEVREQ_WRITE_CORE_DUMP:
		answer(g, phys, VINF_SUCCESS, false, 0);
		break;
	case VMMDEVREQ_GET_HOST_VERSION:
		p = g->ram + phys;
		/* 7.0.x, with every HGCM buffer feature */
		mwh_st32(p + 24, 7 | 0u << 16);
		mwh_st32(p + 28, 0);
		mwh_st32(p + 32, 0);
		mwh_st32(p + 36, VMMDEV_HVF_HGCM_PHYS_PAGE_LIST |
					 VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS |
					 VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST |
					 VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST);
		answer(g, phys, VINF_SUCCESS, false, 0);
		break;
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS: {
		struct vmmdev_memory *m = (void *)g->ram;
		uint32_t ev;

		__atomic_store_n(&m->have_events, 0, __ATOMIC_RELEASE);
		ev = __atomic_exchange_n(&m->events, 0, __ATOMIC_ACQ_REL);
		mwh_st32(g->ram + phys + 24, ev);
		answer(g, phys, VINF_SUCCESS, false, 0);
		break;
	}
	case VMMDEVREQ_HGCM_CONNECT:
		rc = do_connect(g, phys, r);
		answer(g, phys, rc < 0 ? rc : VINF_HGCM_ASYNC_EXECUTE, true,
		       rc);
		break;
	case VMMDEVREQ_HGCM_DISCONNECT:
		rc = do_disconnect(g, r);
		answer(g, phys, rc < 0 ? rc : VINF_HGCM_ASYNC_EXECUTE, true,
		       rc);
		break;
	case VMMDEVREQ_HGCM_CALL32:
	case VMMDEVREQ_HGCM_CALL64:
		rc = do_call(g, phys, r, copy);
		copy = NULL; /* owned by the call, or freed */
		if (rc < 0)
			answer(g, phys, rc, true, rc);
		break;
	case VMMDEVREQ_HGCM_CANCEL:
		/* legacy: the call itself resubmitted with CANCELLED set */
		rc = cancel_phys(g, phys);
		answer(g, phys, rc == VERR_NOT_FOUND ? VERR_INVALID_PARAMETER
						     : rc, true, rc);
		break;
	case VMMDEVREQ_HGCM_CANCEL2:
		if (!r->u32a || r->u32a == UINT32_MAX)
			rc = VERR_INVALID_PARAMETER;
		else
			rc = cancel_phys(g, r->u32a);
		answer(g, phys, rc, false, 0);
		break;
	default:
		answer(g, phys, VERR_NOT_IMPLEMENTED, hgcm,
		       VERR_NOT_IMPLEMENTED);
		break;
	}
	free(copy);
	free(r);
	return;

reject:
	stat_inc(&h->st.rejected);
	mw_log(MW_LOG_INFO, "hgcm: guest %d: request at 0x%x refused with "
	       "%s: %s", (int)g->pid, phys, hgcm_status_name(rc), err);
	answer(g, phys, rc, hgcm, rc);
	free(copy);
	free(r);
}

/* ---------------------------------------------------------------- guests */

static void guest_free(struct mwh_guest *g)
{
	struct hgcm_host *h = g->host;
	struct mwh_guest **pp;

	pthread_mutex_lock(&h->lock);
	for (pp = &h->guests; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	h->n_guests--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (!g->borrowed_ram)
		munmap(g->ram, g->ram_size);
	if (g->sock >= 0)
		close(g->sock);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static void guest_put(struct mwh_guest *g)
{
	bool f;

	pthread_mutex_lock(&g->lock);
	f = --g->refs == 0;
	pthread_mutex_unlock(&g->lock);
	if (f)
		guest_free(g);
}

/* The guest went away: cancel its calls, disconnect its clients. */
static void guest_teardown(struct mwh_guest *g)
{
	struct hgcm_call *c;

	pthread_mutex_lock(&g->lock);
	if (g->dead) {
		pthread_mutex_unlock(&g->lock);
		return;
	}
	__atomic_store_n(&g->dead, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->lock);
	mw_log(MW_LOG_INFO, "hgcm: guest %d went away", (int)g->pid);

	for (;;) {
		pthread_mutex_lock(&g->lock);
		c = g->pending;
		if (!c) {
			pthread_mutex_unlock(&g->lock);
			break;
		}
		unlink_pending(g, c);
		__atomic_store_n(&c->cancelled, true, __ATOMIC_RELEASE);
		c->refs++;
		pthread_mutex_unlock(&g->lock);
		if (c->client->svc->ops.cancelled)
			c->client->svc->ops.cancelled(c->client->svc->svc, c,
						      c->client->id,
						      c->client->data);
		call_put(c);
	}
	/* Clients are disconnected once no call of theirs can run: calls
	 * hold the guest, and the last reference frees clients below. */
}

static void guest_drop_clients(struct mwh_guest *g)
{
	struct mwh_client *cl, *next;

	pthread_mutex_lock(&g->lock);
	cl = g->clients;
	g->clients = NULL;
	g->n_clients = 0;
	pthread_mutex_unlock(&g->lock);
	for (; cl; cl = next) {
		next = cl->next;
		if (cl->svc->ops.disconnect)
			cl->svc->ops.disconnect(cl->svc->svc, cl->id, cl->data);
		free(cl->data);
		free(cl);
	}
}

/*
 * After guest_teardown(): wait for the cancelled calls to be completed by
 * their services (they hold references), then disconnect the guest's
 * clients and drop the workers' reference.
 */
static void guest_finish(struct mwh_guest *g)
{
	int n;

	for (;;) {
		pthread_mutex_lock(&g->lock);
		n = g->refs;
		pthread_mutex_unlock(&g->lock);
		if (n <= 1)
			break;
		usleep(200);
	}
	guest_drop_clients(g);
	guest_put(g);
}

static void *worker(void *arg)
{
	struct mwh_guest *g = arg;
	uint32_t phys;
	ssize_t n;
	bool last;

	for (;;) {
		/* MSG_TRUNC: the real length of a longer message */
		n = recv(g->sock, &phys, sizeof(phys), MSG_TRUNC);
		if (n == (ssize_t)sizeof(phys)) {
			handle(g, phys);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			mw_log(MW_LOG_WARN, "hgcm: guest %d: %zd-byte "
			       "message on the port, expected 4: ignored",
			       (int)g->pid, n);
			continue;
		}
		break; /* EOF or error: the guest is gone */
	}
	guest_teardown(g);
	pthread_mutex_lock(&g->lock);
	last = --g->workers == 0;
	pthread_mutex_unlock(&g->lock);
	if (last)
		guest_finish(g);
	return NULL;
}

/* Send the welcome (and the memfd when @fd >= 0). */
static int send_welcome(int sock, uint64_t ram_size, int status, int fd)
{
	struct mwh_welcome w = {
		.magic = MWH_MAGIC,
		.version = MWH_PROTO_VERSION,
		.ram_size = ram_size,
		.status = status,
	};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &w, sizeof(w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(w) ? 0
								       : -errno;
}

static bool uid_allowed(struct hgcm_host *h, uid_t uid)
{
	size_t i;

	if (uid == geteuid())
		return true;
	for (i = 0; i < h->opts.n_allow_uids; i++)
		if (h->opts.allow_uids[i] == uid)
			return true;
	return false;
}

/* A new connection: check it, give it guest RAM, start its workers. */
static void accept_guest(struct hgcm_host *h, int sock)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct mwh_hello hello;
	struct pollfd pfd = { sock, POLLIN, 0 };
	struct mwh_guest *g;
	struct vmmdev_memory *m;
	uint64_t ram;
	int memfd = -1;
	unsigned i, started = 0;
	ssize_t n;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		close(sock);
		return;
	}
	/* read the hello first, even from a guest about to be refused: a
	 * socket closed with unread data resets its peer, which would lose
	 * the refusal */
	if (poll(&pfd, 1, 5000) != 1 ||
	    (n = recv(sock, &hello, sizeof(hello), MSG_TRUNC)) != sizeof(hello) ||
	    hello.magic != MWH_MAGIC || hello.version != MWH_PROTO_VERSION) {
		mw_log(MW_LOG_WARN, "hgcm: pid %d: no valid hello",
		       (int)cred.pid);
		close(sock);
		return;
	}
	if (!uid_allowed(h, cred.uid)) {
		mw_log(MW_LOG_WARN, "hgcm: refusing pid %d uid %d: not "
		       "our uid and not allowed (--allow-uid)", (int)cred.pid,
		       (int)cred.uid);
		send_welcome(sock, 0, VERR_ACCESS_DENIED, -1);
		shutdown(sock, SHUT_WR);
		close(sock);
		return;
	}
	ram = hello.ram_size ? hello.ram_size : MWH_RAM_DEFAULT;
	ram = (ram + HGCM_PAGE_MASK) & ~(uint64_t)HGCM_PAGE_MASK;
	if (ram < MWH_RAM_MIN || ram > MWH_RAM_LIMIT || ram > h->opts.ram_max) {
		mw_log(MW_LOG_WARN, "hgcm: pid %d asked for %llu bytes of "
		       "guest RAM; allowed %llu..%llu", (int)cred.pid,
		       (unsigned long long)ram,
		       (unsigned long long)MWH_RAM_MIN,
		       (unsigned long long)h->opts.ram_max);
		send_welcome(sock, 0, VERR_NO_MEMORY, -1);
		shutdown(sock, SHUT_WR);
		close(sock);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		goto fail;
	memfd = memfd_create("memwire-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, (off_t)ram) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail;
	g->ram = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (g->ram == MAP_FAILED) {
		g->ram = NULL;
		goto fail;
	}
	g->ram_size = ram;
	g->host = h;
	g->sock = sock;
	g->pid = cred.pid;
	g->uid = cred.uid;
	pthread_mutex_init(&g->lock, NULL);
	m = (void *)g->ram;
	m->size = sizeof(*m);
	m->version = 1;
	if (send_welcome(sock, ram, VINF_SUCCESS, memfd))
		goto fail;
	close(memfd);
	memfd = -1;

	g->refs = 1;
	g->workers = (int)h->opts.workers;
	pthread_mutex_lock(&h->lock);
	g->next = h->guests;
	h->guests = g;
	h->n_guests++;
	h->st.guests++;
	pthread_mutex_unlock(&h->lock);
	mw_log(MW_LOG_INFO, "hgcm: guest pid %d uid %d: %llu bytes of RAM",
	       (int)g->pid, (int)g->uid, (unsigned long long)ram);
	for (i = 0; i < h->opts.workers; i++) {
		pthread_t t;
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, 256 << 10);
		if (pthread_create(&t, &a, worker, g)) {
			/* fewer workers: fine while at least one runs */
			pthread_mutex_lock(&g->lock);
			g->workers--;
			pthread_mutex_unlock(&g->lock);
		} else {
			started++;
		}
		pthread_attr_destroy(&a);
	}
	/* a started worker may already have freed @g: only our count */
	if (!started) {
		shutdown(sock, SHUT_RDWR);
		guest_teardown(g);
		guest_put(g);
	}
	return;
fail:
	mw_log(MW_LOG_ERR, "hgcm: cannot set up guest pid %d: %s",
	       (int)cred.pid, strerror(errno));
	if (memfd >= 0)
		close(memfd);
	if (g && g->ram)
		munmap(g->ram, ram);
	free(g);
	close(sock);
}

struct hgcm_host *hgcm_host_new(const struct hgcm_host_opts *opts)
{
	struct hgcm_host *h;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;

	mw_clear_error();
	if (!opts || !opts->socket_path ||
	    strlen(opts->socket_path) >= sizeof(sa.sun_path)) {
		mw_err(-EINVAL, "hgcm: socket path missing or longer than "
		       "%zu bytes", sizeof(sa.sun_path) - 1);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->opts = *opts;
	if (!h->opts.workers)
		h->opts.workers = 4;
	if (h->opts.workers > 64)
		h->opts.workers = 64;
	if (!h->opts.ram_max)
		h->opts.ram_max = 1ull << 30;
	if (!h->opts.max_clients)
		h->opts.max_clients = 1024;
	h->path = strdup(opts->socket_path);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (!h->path || h->stop_fd < 0 || h->listen_fd < 0) {
		mw_errno("hgcm: socket");
		goto fail;
	}
	strcpy(sa.sun_path, opts->socket_path);
	/* a stale socket of a dead host is replaced; a live one is not, and
	 * what is not a socket is never touched */
	if (lstat(sa.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			mw_err(-EEXIST, "hgcm: %s exists and is not a socket",
			       sa.sun_path);
			goto fail;
		}
		int t = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (t >= 0 && connect(t, (void *)&sa, sizeof(sa)) == 0) {
			close(t);
			mw_err(-EADDRINUSE, "hgcm: a host already listens on %s",
			       sa.sun_path);
			goto fail;
		}
		if (t >= 0)
			close(t);
		unlink(sa.sun_path);
	}
	old = umask(0177); /* the socket is created 0600 */
	if (bind(h->listen_fd, (void *)&sa, sizeof(sa))) {
		umask(old);
		mw_errno("hgcm: bind %s", sa.sun_path);
		goto fail;
	}
	umask(old);
	chmod(sa.sun_path, 0600);
	if (listen(h->listen_fd, 16)) {
		mw_errno("hgcm: listen %s", sa.sun_path);
		unlink(sa.sun_path);
		goto fail;
	}
	return h;
fail:
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	free(h->path);
	free(h);
	return NULL;
}

int hgcm_host_register(struct hgcm_host *h, const struct hgcm_service_ops *ops,
		       void *svc)
{
	struct mwh_service *s;

	mw_clear_error();
	if (!ops || !ops->name || !ops->call || !ops->name[0] ||
	    strlen(ops->name) >= HGCM_SERVICE_NAME_MAX)
		return mw_err(-EINVAL, "hgcm: a service needs a name of 1..127 "
			      "bytes and a call entry");
	pthread_mutex_lock(&h->lock);
	if (find_service(h, ops->name)) {
		pthread_mutex_unlock(&h->lock);
		return mw_err(-EEXIST, "hgcm: service %s is already registered",
			      ops->name);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		pthread_mutex_unlock(&h->lock);
		return -ENOMEM;
	}
	s->ops = *ops;
	s->svc = svc;
	s->next = h->services;
	h->services = s;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int hgcm_host_run(struct hgcm_host *h)
{
	struct pollfd pfd[2] = {
		{ h->listen_fd, POLLIN, 0 },
		{ h->stop_fd, POLLIN, 0 },
	};
	int s;

	mw_clear_error();
	while (!atomic_load(&h->stop)) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return mw_errno("hgcm: poll");
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		s = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EAGAIN)
				continue;
			return mw_errno("hgcm: accept");
		}
		accept_guest(h, s);
	}
	return 0;
}

void hgcm_host_stop(struct hgcm_host *h)
{
	uint64_t one = 1;

	atomic_store(&h->stop, true);
	if (write(h->stop_fd, &one, sizeof(one)) < 0) {
		/* the flag alone stops the loop at its next wake-up */
	}
}

void hgcm_host_get_stats(struct hgcm_host *h, struct hgcm_host_stats *st)
{
	st->guests = __atomic_load_n(&h->st.guests, __ATOMIC_RELAXED);
	st->requests = __atomic_load_n(&h->st.requests, __ATOMIC_RELAXED);
	st->calls = __atomic_load_n(&h->st.calls, __ATOMIC_RELAXED);
	st->rejected = __atomic_load_n(&h->st.rejected, __ATOMIC_RELAXED);
	st->cancelled = __atomic_load_n(&h->st.cancelled, __ATOMIC_RELAXED);
}

void hgcm_host_free(struct hgcm_host *h)
{
	struct mwh_service *s, *next;
	struct mwh_guest *g;

	if (!h)
		return;
	hgcm_host_stop(h);
	if (h->listen_fd >= 0) {
		close(h->listen_fd);
		unlink(h->path);
	}
	/* end every guest: their workers see EOF and clean up */
	pthread_mutex_lock(&h->lock);
	for (g = h->guests; g; g = g->next)
		shutdown(g->sock, SHUT_RDWR);
	while (h->n_guests > 0)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	for (s = h->services; s; s = next) {
		next = s->next;
		if (s->ops.unload)
			s->ops.unload(s->svc);
		free(s);
	}
	close(h->stop_fd);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h->path);
	free(h);
}

/* ------------------------------------------------------ in-process use */

struct hgcm_host *mwh_host_new_bare(void)
{
	struct hgcm_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->opts.workers = 1;
	h->opts.ram_max = MWH_RAM_LIMIT;
	h->opts.max_clients = 1024;
	h->listen_fd = -1;
	h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	return h;
}

struct mwh_guest *mwh_guest_attach(struct hgcm_host *h, void *ram,
				   uint64_t size, bool reported)
{
	struct mwh_guest *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->host = h;
	g->sock = -1;
	g->ram = ram;
	g->ram_size = size;
	g->borrowed_ram = true;
	g->reported = reported;
	g->refs = 1;
	g->pid = getpid();
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_lock(&h->lock);
	g->next = h->guests;
	h->guests = g;
	h->n_guests++;
	pthread_mutex_unlock(&h->lock);
	return g;
}

void mwh_guest_request(struct mwh_guest *g, uint32_t phys)
{
	handle(g, phys);
}

void mwh_guest_detach(struct mwh_guest *g)
{
	guest_teardown(g);
	guest_finish(g);
}
