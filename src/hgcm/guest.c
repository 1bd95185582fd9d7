/* SPDX-License-Identifier: MIT */
/*
 * guest.c - the guest side: guest RAM, its physical heap, the VMMDev port,
 * and the HGCM calls a guest driver makes (Linux vboxguest_utils.c does the
 * same work: vbg_req_alloc, hgcm_call_init_linaddr, vbg_hgcm_do_call).
 *
 * Requests and bounce buffers live in guest RAM, allocated by a first-fit
 * heap whose bookkeeping stays in this process (the host could scribble on
 * guest RAM; it cannot scribble on the heap's list).  Submitting a request
 * is sending its 32-bit guest-physical address.  Waiting is a futex wait on
 * the request's fu32Flags (HGCM) or rc (other requests), after a short
 * spin; a reader thread notices the host's EOF and wakes every waiter.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
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

/* guest-private marker the reader thread sets in a waited-on word once the
 * host is gone (the host can no longer write it) */
#define MWH_FLAG_HOST_GONE 0x80000000u
#define HEAP_ALIGN 64u

struct span {
	uint64_t off, len;
	struct span *next;
};

struct waiter {
	uint32_t *word;
	bool hgcm;
	struct waiter *next;
};

struct hgcm_guest {
	int sock;
	uint8_t *ram;
	uint64_t ram_size;
	pthread_t reader;
	atomic_bool dead;
	pthread_mutex_t heap_lock;
	struct span *free_list; /* sorted by offset */
	struct span *used;	/* allocations: offset -> length */
	pthread_mutex_t wait_lock;
	struct waiter *waiters;
	unsigned spin_us;
};

/* ------------------------------------------------------------- heap */

int hgcm_buf_alloc(struct hgcm_guest *g, size_t size, uint64_t *phys)
{
	struct span **pp, *s, *u;
	uint64_t len = (size + HEAP_ALIGN - 1) & ~(uint64_t)(HEAP_ALIGN - 1);

	if (!len)
		len = HEAP_ALIGN;
	u = malloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	pthread_mutex_lock(&g->heap_lock);
	for (pp = &g->free_list; (s = *pp); pp = &s->next)
		if (s->len >= len)
			break;
	if (!s) {
		pthread_mutex_unlock(&g->heap_lock);
		free(u);
		return mw_err(-ENOMEM, "hgcm: guest RAM exhausted (%zu bytes "
			      "wanted)", size);
	}
	u->off = s->off;
	u->len = len;
	s->off += len;
	s->len -= len;
	if (!s->len) {
		*pp = s->next;
		free(s);
	}
	u->next = g->used;
	g->used = u;
	pthread_mutex_unlock(&g->heap_lock);
	*phys = u->off;
	return 0;
}

void hgcm_buf_free(struct hgcm_guest *g, uint64_t phys)
{
	struct span **pp, *u, *s, *prev = NULL;

	pthread_mutex_lock(&g->heap_lock);
	for (pp = &g->used; (u = *pp); pp = &u->next)
		if (u->off == phys)
			break;
	if (!u) {
		pthread_mutex_unlock(&g->heap_lock);
		mw_log(MW_LOG_WARN, "hgcm: freeing 0x%llx, not allocated",
		       (unsigned long long)phys);
		return;
	}
	*pp = u->next;
	/* insert sorted, merge with neighbours */
	for (pp = &g->free_list; (s = *pp) && s->off < u->off; pp = &s->next)
		prev = s;
	if (prev && prev->off + prev->len == u->off) {
		prev->len += u->len;
		free(u);
		u = prev;
	} else {
		u->next = s;
		*pp = u;
	}
	if (s && u->off + u->len == s->off) {
		u->len += s->len;
		u->next = s->next;
		free(s);
	}
	pthread_mutex_unlock(&g->heap_lock);
}

void *hgcm_guest_ptr(struct hgcm_guest *g, uint64_t phys, size_t len)
{
	if (phys > g->ram_size || len > g->ram_size - phys)
		return NULL;
	return g->ram + phys;
}

uint64_t hgcm_guest_ram_size(const struct hgcm_guest *g)
{
	return g->ram_size;
}

bool hgcm_guest_host_dead(const struct hgcm_guest *g)
{
	return atomic_load(&((struct hgcm_guest *)g)->dead);
}

/* ------------------------------------------------------------- port */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int hgcm_submit(struct hgcm_guest *g, uint64_t phys)
{
	uint32_t p = (uint32_t)phys;

	if (atomic_load(&g->dead))
		return -EPIPE;
	if (phys > UINT32_MAX)
		return mw_err(-EINVAL, "hgcm: 0x%llx is above 4 GiB",
			      (unsigned long long)phys);
	if (send(g->sock, &p, sizeof(p), MSG_NOSIGNAL) != sizeof(p))
		return mw_errno("hgcm: port write");
	return 0;
}

static bool answered(const uint32_t *word, bool hgcm)
{
	uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	if (hgcm)
		return v & (VBOX_HGCM_REQ_DONE | MWH_FLAG_HOST_GONE);
	return v != (uint32_t)HGCM_RC_PENDING;
}

/* Wait for the answer to the request at @phys; 0, -ETIMEDOUT, -EPIPE,
 * -EINTR (only when @intr). */
static int wait_word(struct hgcm_guest *g, uint64_t phys, bool hgcm,
		     int timeout_ms, bool intr)
{
	uint32_t *word = (uint32_t *)(g->ram + phys + (hgcm ? 24 : 12));
	struct waiter w = { word, hgcm, NULL }, **pp;
	double end = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
	double spin_end = now_ms() + g->spin_us / 1000.0;
	int rc = 0;

	/*
	 * Spin first: a quick host answers before a futex sleep would.
	 * NOTE: yield, not pause: the host worker our send() woke is often
	 * queued on this very CPU (a sync wake-up), and a pause loop would
	 * keep it waiting for the whole spin; with nothing else to run,
	 * sched_yield() returns at once and this is a plain spin.
	 */
	while (!answered(word, hgcm) && now_ms() < spin_end)
		sched_yield();
	if (answered(word, hgcm))
		goto out;

	pthread_mutex_lock(&g->wait_lock);
	w.next = g->waiters;
	g->waiters = &w;
	pthread_mutex_unlock(&g->wait_lock);
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		struct timespec ts, *tsp = NULL;

		if (answered(word, hgcm))
			break;
		if (atomic_load(&g->dead)) {
			rc = -EPIPE;
			break;
		}
		if (timeout_ms >= 0) {
			double left = end - now_ms();

			if (left <= 0) {
				rc = -ETIMEDOUT;
				break;
			}
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)((left - ts.tv_sec * 1000.0) * 1e6);
			tsp = &ts;
		}
		if (syscall(SYS_futex, word, FUTEX_WAIT, v, tsp, NULL, 0) &&
		    errno == EINTR && intr) {
			rc = -EINTR;
			break;
		}
	}
	pthread_mutex_lock(&g->wait_lock);
	for (pp = &g->waiters; *pp; pp = &(*pp)->next)
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	pthread_mutex_unlock(&g->wait_lock);
out:
	if (!rc && (__atomic_load_n(word, __ATOMIC_ACQUIRE) & MWH_FLAG_HOST_GONE) &&
	    hgcm)
		rc = -EPIPE;
	return rc;
}

int hgcm_wait(struct hgcm_guest *g, uint64_t phys, bool hgcm, int timeout_ms)
{
	if (!hgcm_guest_ptr(g, phys, hgcm ? 32 : 16))
		return -EINVAL;
	return wait_word(g, phys, hgcm, timeout_ms, false);
}

/* The host's EOF: mark every waited-on word so no waiter sleeps on. */
static void *reader_main(void *arg)
{
	struct hgcm_guest *g = arg;
	struct waiter *w;
	char buf[64];
	ssize_t n;

	for (;;) {
		n = recv(g->sock, buf, sizeof(buf), 0);
		if (n > 0)
			continue; /* the host sends nothing after the welcome */
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	atomic_store(&g->dead, true);
	pthread_mutex_lock(&g->wait_lock);
	for (w = g->waiters; w; w = w->next) {
		if (w->hgcm)
			__atomic_fetch_or(w->word, MWH_FLAG_HOST_GONE,
					  __ATOMIC_RELEASE);
		else
			__atomic_store_n(w->word, (uint32_t)VERR_SEM_DESTROYED,
					 __ATOMIC_RELEASE);
		syscall(SYS_futex, w->word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
	pthread_mutex_unlock(&g->wait_lock);
	return NULL;
}

/* ---------------------------------------------------------- requests */

static void init_hdr(uint8_t *p, uint32_t size, uint32_t type)
{
	memset(p, 0, size);
	mwh_st32(p, size);
	mwh_st32(p + 4, VMMDEV_REQUEST_HEADER_VERSION);
	mwh_st32(p + 8, type);
	mwh_st32(p + 12, (uint32_t)HGCM_RC_PENDING);
}

/* Run a non-HGCM request of @size bytes built by @fill; returns its rc. */
static int simple_request(struct hgcm_guest *g, uint32_t type, uint32_t size,
			  const uint32_t *body, unsigned nbody, uint32_t *out,
			  int timeout_ms)
{
	uint64_t phys;
	uint8_t *p;
	unsigned i;
	int rc;

	if ((rc = hgcm_buf_alloc(g, size, &phys)))
		return VERR_NO_MEMORY;
	p = g->ram + phys;
	init_hdr(p, size, type);
	for (i = 0; i < nbody; i++)
		mwh_st32(p + 24 + 4 * i, body[i]);
	rc = hgcm_submit(g, phys);
	if (!rc)
		rc = wait_word(g, phys, false, timeout_ms, false);
	if (rc == -ETIMEDOUT) {
		/* the host may still answer: leak rather than reuse */
		return VERR_TIMEOUT;
	}
	if (rc) {
		hgcm_buf_free(g, phys);
		return VERR_SEM_DESTROYED;
	}
	rc = (int32_t)mwh_ld32(p + 12);
	if (out)
		*out = mwh_ld32(p + 24);
	hgcm_buf_free(g, phys);
	return rc;
}

static int recv_welcome(int sock, struct mwh_welcome *w, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { w, sizeof(*w) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)sizeof(*w))
		return n < 0 ? -errno : -EPROTO;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

struct hgcm_guest *hgcm_guest_open(const char *path, uint64_t ram_size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mwh_hello hello = { MWH_MAGIC, MWH_PROTO_VERSION, ram_size };
	struct mwh_welcome w;
	struct hgcm_guest *g;
	struct stat st;
	const char *env;
	uint32_t body[2];
	int fd = -1, rc;

	mw_clear_error();
	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		mw_err(-EINVAL, "hgcm: bad socket path");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->sock = -1;
	pthread_mutex_init(&g->heap_lock, NULL);
	pthread_mutex_init(&g->wait_lock, NULL);
	env = getenv("MEMWIRE_HGCM_SPIN_US");
	g->spin_us = env ? (unsigned)atoi(env) : 20;
	strcpy(sa.sun_path, path);
	g->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (g->sock < 0 || connect(g->sock, (void *)&sa, sizeof(sa))) {
		mw_errno("hgcm: connect %s", path);
		goto fail;
	}
	if (send(g->sock, &hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello)) {
		int e = errno;

		/* a refusing host may have answered before closing */
		if (recv_welcome(g->sock, &w, &fd) == 0 &&
		    w.magic == MWH_MAGIC && w.status != VINF_SUCCESS) {
			mw_err(w.status == VERR_ACCESS_DENIED ? -EACCES : -ENOMEM,
			       "hgcm: the host refused us: %s",
			       hgcm_status_name(w.status));
			goto fail;
		}
		errno = e;
		mw_errno("hgcm: hello to %s", path);
		goto fail;
	}
	rc = recv_welcome(g->sock, &w, &fd);
	if (rc) {
		mw_err(rc, "hgcm: no welcome from the host at %s (closed: a "
		       "refused uid or a bad hello)", path);
		goto fail;
	}
	if (w.magic != MWH_MAGIC || w.version != MWH_PROTO_VERSION) {
		mw_err(-EPROTO, "hgcm: %s is not a memwire HGCM host", path);
		goto fail;
	}
	if (w.status != VINF_SUCCESS || fd < 0) {
		mw_err(w.status == VERR_ACCESS_DENIED ? -EACCES : -ENOMEM,
		       "hgcm: the host refused us: %s",
		       hgcm_status_name(w.status));
		goto fail;
	}
	if (w.ram_size < MWH_RAM_MIN || w.ram_size > MWH_RAM_LIMIT) {
		mw_err(-EPROTO, "hgcm: host offers %llu bytes of RAM",
		       (unsigned long long)w.ram_size);
		goto fail;
	}
	/* the size comes from the socket: the file must really hold it, or
	 * touching the mapping past its end would raise SIGBUS */
	if (fstat(fd, &st) || (uint64_t)st.st_size < w.ram_size) {
		mw_err(-EPROTO, "hgcm: the host offers %llu bytes of RAM in a "
		       "smaller file", (unsigned long long)w.ram_size);
		goto fail;
	}
	g->ram = mmap(NULL, w.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	fd = -1;
	if (g->ram == MAP_FAILED) {
		g->ram = NULL;
		mw_errno("hgcm: mmap guest RAM");
		goto fail;
	}
	g->ram_size = w.ram_size;
	/* page 0 is the VMMDev page: the heap is the rest */
	g->free_list = calloc(1, sizeof(*g->free_list));
	if (!g->free_list)
		goto fail;
	g->free_list->off = HGCM_PAGE_SIZE;
	g->free_list->len = g->ram_size - HGCM_PAGE_SIZE;
	if (pthread_create(&g->reader, NULL, reader_main, g)) {
		mw_err(-EAGAIN, "hgcm: cannot start the reader thread");
		goto fail;
	}
	/* ReportGuestInfo first: "the one which unlocks the access" */
	body[0] = VMMDEV_VERSION;
	body[1] = VBOXOSTYPE_LINUX26_X64;
	rc = simple_request(g, VMMDEVREQ_REPORT_GUEST_INFO,
			    sizeof(struct vmmdev_guest_info_req), body, 2, NULL,
			    5000);
	if (rc != VINF_SUCCESS) {
		mw_err(-EPROTO, "hgcm: ReportGuestInfo failed: %s",
		       hgcm_status_name(rc));
		hgcm_guest_close(g);
		return NULL;
	}
	return g;
fail:
	if (fd >= 0)
		close(fd);
	if (g->ram)
		munmap(g->ram, g->ram_size);
	if (g->sock >= 0)
		close(g->sock);
	free(g->free_list);
	free(g);
	return NULL;
}

void hgcm_guest_close(struct hgcm_guest *g)
{
	struct span *s, *n;

	if (!g)
		return;
	shutdown(g->sock, SHUT_RDWR);
	pthread_join(g->reader, NULL);
	close(g->sock);
	munmap(g->ram, g->ram_size);
	for (s = g->free_list; s; s = n) {
		n = s->next;
		free(s);
	}
	for (s = g->used; s; s = n) {
		n = s->next;
		free(s);
	}
	pthread_mutex_destroy(&g->heap_lock);
	pthread_mutex_destroy(&g->wait_lock);
	free(g);
}

/* ------------------------------------------------------------- HGCM */

/*
 * Run the HGCM request at @phys to completion.  On timeout or interrupt the
 * call is cancelled with Cancel2; when the host may still write the
 * request (the cancel lost the race and DONE never came) *leak is set and
 * the caller must not free it.
 */
static int hgcm_do(struct hgcm_guest *g, uint64_t phys, int timeout_ms,
		   bool intr, bool *leak)
{
	int rc, crc;
	uint32_t body;

	*leak = false;
	rc = hgcm_submit(g, phys);
	if (rc)
		return VERR_SEM_DESTROYED;
	rc = wait_word(g, phys, true, timeout_ms, intr);
	if (rc == -EPIPE)
		return VERR_SEM_DESTROYED;
	if (!rc)
		return VINF_SUCCESS;
	/* timed out or interrupted: Cancel2 by physical address */
	body = (uint32_t)phys;
	crc = simple_request(g, VMMDEVREQ_HGCM_CANCEL2,
			     sizeof(struct hgcm_cancel2_req), &body, 1, NULL,
			     2000);
	if (crc == VINF_SUCCESS)
		return rc == -EINTR ? VERR_INTERRUPTED : VERR_TIMEOUT;
	/* lost the race (VERR_NOT_FOUND): DONE is on its way; wait for it
	 * (vbg_hgcm_do_call waits 0.5 s, else 2 s) */
	if (wait_word(g, phys, true, crc == VERR_NOT_FOUND ? 500 : 2000,
		      false) == 0)
		return VINF_SUCCESS;
	*leak = true;
	mw_log(MW_LOG_WARN, "hgcm: request 0x%llx neither cancelled nor "
	       "completed: leaked", (unsigned long long)phys);
	return rc == -EINTR ? VERR_INTERRUPTED : VERR_TIMEOUT;
}

int64_t hgcm_connect(struct hgcm_guest *g, const char *name, int timeout_ms)
{
	uint64_t phys;
	uint8_t *p;
	bool leak;
	int rc;

	if (!name || !name[0] || strlen(name) >= HGCM_SERVICE_NAME_MAX)
		return VERR_INVALID_PARAMETER;
	if (atomic_load(&g->dead))
		return VERR_SEM_DESTROYED;
	if (hgcm_buf_alloc(g, sizeof(struct hgcm_connect_req), &phys))
		return VERR_NO_MEMORY;
	p = g->ram + phys;
	init_hdr(p, sizeof(struct hgcm_connect_req), VMMDEVREQ_HGCM_CONNECT);
	mwh_st32(p + 32, HGCM_LOC_LOCALHOST_EXISTING);
	memcpy(p + 36, name, strlen(name) + 1);
	rc = hgcm_do(g, phys, timeout_ms, false, &leak);
	if (rc == VINF_SUCCESS) {
		rc = (int32_t)mwh_ld32(p + 12);
		if (rc >= 0)
			rc = (int32_t)mwh_ld32(p + 28);
		if (rc >= 0) {
			int64_t id = mwh_ld32(p + 164);

			hgcm_buf_free(g, phys);
			return id;
		}
	}
	if (!leak)
		hgcm_buf_free(g, phys);
	return rc;
}

int hgcm_disconnect(struct hgcm_guest *g, uint32_t client_id, int timeout_ms)
{
	uint64_t phys;
	uint8_t *p;
	bool leak;
	int rc;

	if (atomic_load(&g->dead))
		return VERR_SEM_DESTROYED;
	if (hgcm_buf_alloc(g, sizeof(struct hgcm_disconnect_req), &phys))
		return VERR_NO_MEMORY;
	p = g->ram + phys;
	init_hdr(p, sizeof(struct hgcm_disconnect_req), VMMDEVREQ_HGCM_DISCONNECT);
	mwh_st32(p + 32, client_id);
	rc = hgcm_do(g, phys, timeout_ms, false, &leak);
	if (rc == VINF_SUCCESS) {
		rc = (int32_t)mwh_ld32(p + 12);
		if (rc >= 0)
			rc = (int32_t)mwh_ld32(p + 28);
	}
	if (!leak)
		hgcm_buf_free(g, phys);
	return rc;
}

static uint32_t lin_dir(uint32_t type)
{
	switch (type) {
	case HGCM_PARM_LINADDR_IN: return HGCM_DIR_TO_HOST;
	case HGCM_PARM_LINADDR_OUT: return HGCM_DIR_FROM_HOST;
	default: return HGCM_DIR_BOTH;
	}
}

static uint32_t npages(uint64_t phys, uint32_t size)
{
	uint64_t n = ((phys & HGCM_PAGE_MASK) + size + HGCM_PAGE_MASK) /
		     HGCM_PAGE_SIZE;

	return n ? (uint32_t)n : 1;
}

int hgcm_call(struct hgcm_guest *g, uint32_t client_id, uint32_t function,
	      struct hgcm_parm *parms, uint32_t count, int timeout_ms,
	      unsigned flags)
{
	uint32_t psize = flags & HGCM_CALL_32BIT ? HGCM_PARM32_SIZE
						 : HGCM_PARM64_SIZE;
	uint64_t bounce[VMMDEV_MAX_HGCM_PARMS] = { 0 };
	uint64_t size, extra = 0, phys, bphys, buflen;
	uint32_t i, off, dir, np, k;
	uint8_t *p, *q, *pl;
	bool leak = false;
	int rc;

	if (count > VMMDEV_MAX_HGCM_PARMS || (count && !parms))
		return VERR_INVALID_PARAMETER;
	if (atomic_load(&g->dead))
		return VERR_SEM_DESTROYED;
	/* size the request: parameters, then one page list per buffer */
	for (i = 0; i < count; i++) {
		switch (parms[i].type) {
		case HGCM_PARM_32BIT:
		case HGCM_PARM_64BIT:
			break;
		case HGCM_PARM_LINADDR:
		case HGCM_PARM_LINADDR_IN:
		case HGCM_PARM_LINADDR_OUT:
			if (parms[i].u.buf.size && !parms[i].u.buf.ptr)
				return VERR_INVALID_POINTER;
			if (parms[i].u.buf.size > VMMDEV_MAX_HGCM_DATA_SIZE)
				return VERR_TOO_MUCH_DATA;
			/* worst case: the bounce starts at the end of a page */
			extra += 8 + 8 * (uint64_t)npages(HGCM_PAGE_MASK,
							  parms[i].u.buf.size);
			break;
		case HGCM_PARM_PAGELIST:
			if (!hgcm_guest_ptr(g, parms[i].u.pages.phys,
					    parms[i].u.pages.size))
				return VERR_INVALID_POINTER;
			extra += 8 + 8 * (uint64_t)npages(parms[i].u.pages.phys,
							  parms[i].u.pages.size);
			break;
		default:
			return VERR_INVALID_PARAMETER;
		}
	}
	size = 44 + (uint64_t)count * psize + extra;
	if (size > VMMDEV_MAX_VMMDEVREQ_SIZE)
		return VERR_TOO_MUCH_DATA;
	if (hgcm_buf_alloc(g, size, &phys))
		return VERR_NO_MEMORY;
	p = g->ram + phys;
	init_hdr(p, (uint32_t)size,
		 flags & HGCM_CALL_32BIT ? VMMDEVREQ_HGCM_CALL32
					 : VMMDEVREQ_HGCM_CALL64);
	mwh_st32(p + 32, client_id);
	mwh_st32(p + 36, function);
	mwh_st32(p + 40, count);
	off = 44 + count * psize;
	for (i = 0; i < count; i++) {
		struct hgcm_parm *hp = &parms[i];

		q = p + 44 + i * psize;
		switch (hp->type) {
		case HGCM_PARM_32BIT:
			mwh_st32(q, HGCM_PARM_32BIT);
			mwh_st32(q + 4, hp->u.u32);
			continue;
		case HGCM_PARM_64BIT:
			mwh_st32(q, HGCM_PARM_64BIT);
			mwh_st64(q + 4, hp->u.u64);
			continue;
		case HGCM_PARM_PAGELIST:
			bphys = hp->u.pages.phys;
			buflen = hp->u.pages.size;
			dir = hp->u.pages.dir;
			break;
		default: /* linear: bounce through guest RAM */
			buflen = hp->u.buf.size;
			dir = lin_dir(hp->type);
			if (hgcm_buf_alloc(g, buflen ? buflen : 1, &bphys)) {
				rc = VERR_NO_MEMORY;
				goto out;
			}
			bounce[i] = bphys;
			if (!buflen)
				break; /* no memcpy from a NULL pointer */
			if (dir & HGCM_DIR_TO_HOST)
				memcpy(g->ram + bphys, hp->u.buf.ptr, buflen);
			else
				memset(g->ram + bphys, 0, buflen);
			break;
		}
		/* hgcm_call_init_linaddr: offset in first page, one entry a
		 * page */
		np = npages(bphys, (uint32_t)buflen);
		mwh_st32(q, HGCM_PARM_PAGELIST);
		mwh_st32(q + 4, (uint32_t)buflen);
		mwh_st32(q + 8, off);
		pl = p + off;
		mwh_st32(pl, dir);
		pl[4] = (uint8_t)(bphys & 0xff);
		pl[5] = (uint8_t)((bphys & HGCM_PAGE_MASK) >> 8);
		pl[6] = (uint8_t)(np & 0xff);
		pl[7] = (uint8_t)(np >> 8);
		for (k = 0; k < np; k++)
			mwh_st64(pl + 8 + 8 * k,
				 (bphys & ~(uint64_t)HGCM_PAGE_MASK) +
					 (uint64_t)k * HGCM_PAGE_SIZE);
		off += 8 + 8 * np;
	}
	mwh_st32(p, off); /* the exact size, now that page counts are known */

	rc = hgcm_do(g, phys, timeout_ms, flags & HGCM_CALL_INTERRUPTIBLE,
		     &leak);
	if (rc != VINF_SUCCESS)
		goto out;
	rc = (int32_t)mwh_ld32(p + 12);
	if (rc < 0)
		goto out; /* refused before the service ran */
	rc = (int32_t)mwh_ld32(p + 28);
	for (i = 0; i < count; i++) {
		struct hgcm_parm *hp = &parms[i];

		q = p + 44 + i * psize;
		switch (hp->type) {
		case HGCM_PARM_32BIT:
			hp->u.u32 = mwh_ld32(q + 4);
			break;
		case HGCM_PARM_64BIT:
			hp->u.u64 = mwh_ld64(q + 4);
			break;
		case HGCM_PARM_LINADDR:
		case HGCM_PARM_LINADDR_OUT:
			if (hp->u.buf.size)
				memcpy(hp->u.buf.ptr, g->ram + bounce[i],
				       hp->u.buf.size);
			break;
		}
	}
out:
	if (!leak) {
		for (i = 0; i < count; i++)
			if (bounce[i])
				hgcm_buf_free(g, bounce[i]);
		hgcm_buf_free(g, phys);
	}
	return rc;
}
