/* SPDX-License-Identifier: MIT */
/*
 * test_hgcm.c - VMMDev requests and HGCM calls between real processes.
 *
 * Every test forks a host: a child process that runs hgcm_host_new() +
 * hgcm_host_register_echo() + hgcm_host_run() on a socket in the test's
 * directory, logs to a file (-v of the CLI) and answers a control socket:
 * 'S' sends its hgcm_host_stats, 'Q' (or EOF) stops it, after which it
 * frees everything and exits 0.  A host that crashes, hangs on the way out
 * or trips a sanitizer fails the test that made it.  Guests run in this
 * process (the library, or a raw socket speaking proto.h) and in forked
 * children, which report through their exit codes.
 *
 * Requests are built by hand in guest RAM at offsets taken from the
 * reference (hgcm_shfl.md section 1), never through the library's layout
 * structs, so a wrong layout in the library cannot hide itself:
 *
 *   header (24)      size 0, version 4 (0x10001), type 8, rc 12,
 *                    reserved 16, requestor 20
 *   HGCM header (32) + fu32Flags 24 (DONE 1, CANCELLED 2), result 28
 *   Connect (168)    loc.type 32, achName[128] 36, u32ClientID 164
 *   Disconnect (36)  u32ClientID 32
 *   Call (44 + ...)  u32ClientID 32, u32Function 36, cParms 40, parameters
 *                    at 44: 12 bytes (Call32) or 16 (Call64): type 0,
 *                    value 4 (u32, u64 at 4-byte alignment, PageList size,
 *                    Embedded flags | offData << 8), 8 (PageList offset,
 *                    Embedded cbData)
 *   HGCMPageListInfo flags 0, offFirstPage u16 4, cPages u16 6, u64 pages 8
 *   Cancel2 (28)     physReqToCancel 24
 *   ReportGuestInfo  interfaceVersion 24, osType 28 (32 bytes)
 *   GetHostVersion   major u16 24, minor u16 26, build 28, revision 32,
 *                    features 36 (40 bytes)
 *   AcknowledgeEvents events 24 (28); CtlGuestFilterMask or 24, not 28 (32)
 *   VMMDev page (guest-physical 0, memwire): size 0, version 4,
 *                    fHaveEvents u8 8, events 12
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "hgcm/proto.h"
#include "memwire/core.h"
#include "memwire/hgcm.h"

#define PAGE 4096u
#define MiB (1u << 20)

/* reference 1.3 */
#define T_HOSTVER 4u
#define T_ACK 41u
#define T_FILTER 42u
#define T_INFO 50u
#define T_CONNECT 60u
#define T_DISCONNECT 61u
#define T_CALL32 62u
#define T_CALL64 63u
#define T_CANCEL 64u
#define T_CANCEL2 65u

/* reference 1.5 */
#define P_32 1u
#define P_64 2u
#define P_PHYS 3u
#define P_LIN 4u
#define P_LIN_LOCKED 7u
#define P_PAGELIST 10u
#define P_EMBEDDED 11u
#define P_CONTIG 12u
#define P_NOBOUNCE 13u

#define D_TO 1u
#define D_FROM 2u
#define D_BOTH 3u

#define F_DONE 1u
#define F_CANCELLED 2u
#define EV_HGCM 2u

#define PENDING 0x7fffffffu
#define SENTINEL 0x5a5a5a5au

#define ECHO "memwire.echo"

/* ---------------------------------------------------------- bytes */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A word the host writes: read it as the guest library does. */
static uint32_t ld32(const uint8_t *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

static void fill_rnd(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (uint8_t)(s >> 24);
	}
}

/*
 * In a forked child: the default action for the crash signals, not
 * cmocka's handlers (which would longjmp into the runner's copy).
 */
static void child_init(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	unsigned i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Wait for child @pid at most @ms: its exit code, 128 + signal, or -1
 * after killing it (by pid) for taking too long. */
static int wait_exit(pid_t pid, int ms)
{
	double end = tu_now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		if (r < 0 || tu_now_ms() > end)
			break;
		tu_sleep_ms(2);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* ------------------------------------------------------------ host */

#define MAX_KIDS 8

struct fx {
	char dir[400];
	char sock[512];
	char log[512];
	pid_t host;
	int ctl;
	pid_t kids[MAX_KIDS];
	struct hgcm_guest *g;
};

struct host_cfg {
	const uid_t *allow;
	size_t n_allow;
	unsigned workers;
};

static FILE *host_log;

static void log_line(enum mw_log_level level, const char *msg, void *arg)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };

	fprintf(host_log, "%s: %s\n", names[level], msg);
	fflush(host_log);
}

/*
 * "test.track", a second service in the host: counts connects,
 * disconnects and cancels, so a test can see what the host did to the
 * clients of a guest.  Function 1 completes at once; 2 is held until the
 * guest cancels it (or goes away).
 */
struct track_stats {
	uint32_t connects, disconnects, calls, cancels;
};

static struct track_stats track; /* in the host child */

static int tr_connect(void *svc, uint32_t id, void *client, uint32_t req)
{
	__atomic_add_fetch(&track.connects, 1, __ATOMIC_RELAXED);
	return VINF_SUCCESS;
}

static void tr_disconnect(void *svc, uint32_t id, void *client)
{
	__atomic_add_fetch(&track.disconnects, 1, __ATOMIC_RELAXED);
}

static void tr_call(void *svc, struct hgcm_call *call, uint32_t id,
		    void *client, uint32_t fn, uint32_t cparms,
		    struct hgcm_svc_parm *parms)
{
	__atomic_add_fetch(&track.calls, 1, __ATOMIC_RELAXED);
	if (fn == 2)
		return; /* held until cancelled */
	hgcm_call_complete(call, fn == 1 ? VINF_SUCCESS : VERR_NOT_IMPLEMENTED);
}

static void tr_cancelled(void *svc, struct hgcm_call *call, uint32_t id,
			 void *client)
{
	__atomic_add_fetch(&track.cancels, 1, __ATOMIC_RELAXED);
	hgcm_call_complete(call, VERR_CANCELLED);
}

static const struct hgcm_service_ops track_ops = {
	.name = "test.track",
	.client_size = 16,
	.connect = tr_connect,
	.disconnect = tr_disconnect,
	.call = tr_call,
	.cancelled = tr_cancelled,
};

#define TRACK "test.track"

struct ctl_arg {
	struct hgcm_host *h;
	int fd;
};

static void *ctl_main(void *arg)
{
	struct ctl_arg *a = arg;
	struct hgcm_host_stats st;
	char c;

	for (;;) {
		ssize_t n = read(a->fd, &c, 1);

		if (n == 1 && c == 'S') {
			memset(&st, 0, sizeof(st));
			hgcm_host_get_stats(a->h, &st);
			if (write(a->fd, &st, sizeof(st)) != sizeof(st))
				break;
			continue;
		}
		if (n == 1 && c == 'T') {
			struct track_stats t;

			__atomic_load(&track.connects, &t.connects,
				      __ATOMIC_RELAXED);
			__atomic_load(&track.disconnects, &t.disconnects,
				      __ATOMIC_RELAXED);
			__atomic_load(&track.calls, &t.calls, __ATOMIC_RELAXED);
			__atomic_load(&track.cancels, &t.cancels,
				      __ATOMIC_RELAXED);
			if (write(a->fd, &t, sizeof(t)) != sizeof(t))
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* 'Q' or EOF */
	}
	hgcm_host_stop(a->h);
	return NULL;
}

static void host_child(const char *sock, const char *logpath, int fd,
		       const struct host_cfg *cfg)
{
	struct hgcm_host_opts o = { 0 };
	struct ctl_arg a;
	pthread_t t;
	int rc;

	child_init();
	signal(SIGPIPE, SIG_IGN);
	host_log = fopen(logpath, "a");
	if (!host_log)
		_exit(10);
	mw_set_log(log_line, NULL, MW_LOG_INFO);
	o.socket_path = sock;
	if (cfg) {
		o.allow_uids = cfg->allow;
		o.n_allow_uids = cfg->n_allow;
		o.workers = cfg->workers;
	}
	a.fd = fd;
	a.h = hgcm_host_new(&o);
	if (!a.h) {
		fprintf(host_log, "host_new: %s\n", mw_last_error());
		_exit(11);
	}
	if (hgcm_host_register_echo(a.h) ||
	    hgcm_host_register(a.h, &track_ops, NULL))
		_exit(12);
	if (pthread_create(&t, NULL, ctl_main, &a))
		_exit(13);
	if (write(fd, "R", 1) != 1)
		_exit(14);
	rc = hgcm_host_run(a.h);
	pthread_join(t, NULL);
	hgcm_host_free(a.h);
	fprintf(host_log, "host: stopped cleanly\n");
	fclose(host_log);
	_exit(rc ? 15 : 0);
}

/* Fork a host on f->sock; returns 0 when it listens, else its exit code. */
static int host_try_start(struct fx *f, const struct host_cfg *cfg)
{
	int sv[2], st;
	char c;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		host_child(f->sock, f->log, sv[1], cfg);
	}
	close(sv[1]);
	if (read(sv[0], &c, 1) != 1) {
		close(sv[0]);
		st = wait_exit(pid, 5000);
		return st ? st : -1;
	}
	f->host = pid;
	f->ctl = sv[0];
	return 0;
}

static void host_start(struct fx *f, const struct host_cfg *cfg)
{
	int rc = host_try_start(f, cfg);

	if (rc)
		fail_msg("host did not start (exit %d); log:\n%s", rc,
			 tu_read_file(f->log));
}

static void host_stats(struct fx *f, struct hgcm_host_stats *st)
{
	assert_int_equal(write(f->ctl, "S", 1), 1);
	assert_int_equal(read(f->ctl, st, sizeof(*st)), (ssize_t)sizeof(*st));
}

static void track_stats(struct fx *f, struct track_stats *t)
{
	assert_int_equal(write(f->ctl, "T", 1), 1);
	assert_int_equal(read(f->ctl, t, sizeof(*t)), (ssize_t)sizeof(*t));
}

/* Wait (at most 5 s) until test.track saw @disc disconnects and @canc
 * cancels; fails naming what it saw. */
static void track_wait(struct fx *f, uint32_t disc, uint32_t canc)
{
	struct track_stats t;
	double end = tu_now_ms() + 5000;

	do {
		track_stats(f, &t);
		if (t.disconnects == disc && t.cancels == canc)
			return;
		tu_sleep_ms(2);
	} while (tu_now_ms() < end);
	fail_msg("test.track: %u connects, %u disconnects, %u calls, %u "
		 "cancels; expected %u disconnects and %u cancels",
		 t.connects, t.disconnects, t.calls, t.cancels, disc, canc);
}

/* Wait (at most 5 s) until the host counted @n calls. */
static void host_wait_calls(struct fx *f, uint64_t n)
{
	struct hgcm_host_stats st;
	double end = tu_now_ms() + 5000;

	do {
		host_stats(f, &st);
		if (st.calls >= n)
			return;
		tu_sleep_ms(2);
	} while (tu_now_ms() < end);
	fail_msg("the host counted %llu calls, expected %llu",
		 (unsigned long long)st.calls, (unsigned long long)n);
}

static bool host_alive(struct fx *f)
{
	return f->host > 0 && waitpid(f->host, NULL, WNOHANG) == 0;
}

/* Stop the host; it must exit 0 (clean, no sanitizer report) in 10 s. */
static void host_stop(struct fx *f)
{
	int st;

	assert_true(f->host > 0);
	if (write(f->ctl, "Q", 1) != 1) {
		/* it is gone already: its status says how */
	}
	st = wait_exit(f->host, 10000);
	close(f->ctl);
	f->ctl = -1;
	f->host = 0;
	if (st != 0)
		fail_msg("the host exited %d (-1: hung, killed); log:\n%s", st,
			 tu_read_file(f->log));
}

static bool log_has(struct fx *f, const char *needle, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;

	do {
		char *s = tu_read_file(f->log);
		bool found = strstr(s, needle) != NULL;

		free(s);
		if (found)
			return true;
		tu_sleep_ms(5);
	} while (tu_now_ms() < end);
	return false;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return -1;
	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/hgcm.sock", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/host.log", f->dir);
	fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	f->ctl = -1;
	*state = f;
	return 0;
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	hgcm_guest_close(f->g);
	for (i = 0; i < MAX_KIDS; i++)
		reap(&f->kids[i]);
	if (f->ctl >= 0)
		close(f->ctl);
	reap(&f->host);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static struct hgcm_guest *guest_open(struct fx *f)
{
	struct hgcm_guest *g = hgcm_guest_open(f->sock, 0);

	if (!g)
		fail_msg("guest: %s", mw_last_error());
	return g;
}

/* The usual start: a host and one library guest in this process. */
static void start(struct fx *f)
{
	host_start(f, NULL);
	f->g = guest_open(f);
}

static uint32_t connect_echo(struct hgcm_guest *g)
{
	int64_t id = hgcm_connect(g, ECHO, 5000);

	if (id <= 0)
		fail_msg("connect %s: %s", ECHO, hgcm_status_name((int)id));
	return (uint32_t)id;
}

/* ADD through the library: a + b must come back in the third parameter. */
static void check_add(struct hgcm_guest *g, uint32_t id, unsigned flags,
		      uint32_t a, uint64_t b)
{
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = a },
		{ .type = HGCM_PARM_64BIT, .u.u64 = b },
		{ .type = HGCM_PARM_64BIT, .u.u64 = 0 },
	};
	int rc = hgcm_call(g, id, ECHO_FN_ADD, p, 3, 5000, flags);

	if (rc != VINF_SUCCESS)
		fail_msg("ADD: %s", hgcm_status_name(rc));
	if (p[2].u.u64 != (uint64_t)a + b)
		fail_msg("ADD %u + %llu gave %llu", a, (unsigned long long)b,
			 (unsigned long long)p[2].u.u64);
}

/* ------------------------------------------------- raw requests */

struct rq {
	uint64_t phys;
	uint8_t *p;
	uint32_t cap;
};

/* @cap zeroed bytes of guest RAM for a request. */
static struct rq rq_new(struct hgcm_guest *g, uint32_t cap)
{
	struct rq r = { 0, NULL, cap };

	if (hgcm_buf_alloc(g, cap, &r.phys))
		fail_msg("guest RAM: %s", mw_last_error());
	r.p = hgcm_guest_ptr(g, r.phys, cap);
	assert_non_null(r.p);
	memset(r.p, 0, cap);
	return r;
}

static void rq_hdr(struct rq *r, uint32_t size, uint32_t type)
{
	wr32(r->p + 0, size);
	wr32(r->p + 4, 0x10001);
	wr32(r->p + 8, type);
	wr32(r->p + 12, PENDING);
	wr32(r->p + 16, 0);
	wr32(r->p + 20, 0);
}

/* Submit @r and wait for the answer; returns header.rc. */
static int32_t rq_run(struct hgcm_guest *g, struct rq *r, bool hgcm)
{
	int rc = hgcm_submit(g, r->phys);

	if (rc)
		fail_msg("submit 0x%llx: %d", (unsigned long long)r->phys, rc);
	rc = hgcm_wait(g, r->phys, hgcm, 5000);
	if (rc)
		fail_msg("request type %u at 0x%llx: no answer (%d)",
			 rd32(r->p + 8), (unsigned long long)r->phys, rc);
	if (hgcm)
		assert_true(ld32(r->p + 24) & F_DONE);
	return (int32_t)ld32(r->p + 12);
}

static void check_status(int32_t got, int32_t want, const char *what)
{
	if (got != want)
		fail_msg("%s: got %s (%d), expected %s (%d)", what,
			 hgcm_status_name(got), got, hgcm_status_name(want),
			 want);
}

/* A page-aligned run of @n pages of guest RAM. */
static uint64_t pages_alloc(struct hgcm_guest *g, unsigned n)
{
	uint64_t phys;

	if (hgcm_buf_alloc(g, (size_t)(n + 1) * PAGE, &phys))
		fail_msg("guest RAM: %s", mw_last_error());
	return (phys + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

/*
 * A call built by hand: parameters of 12 (Call32) or 16 (Call64) bytes,
 * then page lists and embedded data appended at c->end.
 */
struct callb {
	struct rq r;
	uint32_t psize, cparms, end;
};

static void call_init(struct callb *c, struct hgcm_guest *g, bool c32,
		      uint32_t client, uint32_t fn, uint32_t cparms,
		      uint32_t cap)
{
	c->r = rq_new(g, cap);
	c->psize = c32 ? 12 : 16;
	c->cparms = cparms;
	c->end = 44 + cparms * c->psize;
	assert_true(c->end <= cap);
	rq_hdr(&c->r, c->end, c32 ? T_CALL32 : T_CALL64);
	wr32(c->r.p + 32, client);
	wr32(c->r.p + 36, fn);
	wr32(c->r.p + 40, cparms);
}

static uint8_t *parm(struct callb *c, unsigned i)
{
	return c->r.p + 44 + i * c->psize;
}

static void parm_u32(struct callb *c, unsigned i, uint32_t v)
{
	wr32(parm(c, i), P_32);
	wr32(parm(c, i) + 4, v);
}

static void parm_u64(struct callb *c, unsigned i, uint64_t v)
{
	wr32(parm(c, i), P_64);
	wr64(parm(c, i) + 4, v);
}

/* A page list parameter; its HGCMPageListInfo goes at c->end. */
static uint32_t parm_pages(struct callb *c, unsigned i, uint32_t type,
			   uint32_t size, uint32_t flags, uint16_t off_first,
			   const uint64_t *pages, uint16_t n)
{
	uint32_t off = c->end;
	uint8_t *pl = c->r.p + off;
	unsigned k;

	assert_true(off + 8 + 8u * n <= c->r.cap);
	wr32(parm(c, i), type);
	wr32(parm(c, i) + 4, size);
	wr32(parm(c, i) + 8, off);
	wr32(pl, flags);
	wr16(pl + 4, off_first);
	wr16(pl + 6, n);
	for (k = 0; k < n; k++)
		wr64(pl + 8 + 8 * k, pages[k]);
	c->end += 8 + 8u * n;
	return off;
}

/* An Embedded parameter whose data (@len bytes of @data, or zeros) go at
 * c->end; returns the data's offset in the request. */
static uint32_t parm_embedded(struct callb *c, unsigned i, uint32_t flags,
			      const void *data, uint32_t len)
{
	uint32_t off = c->end;

	assert_true(off + len <= c->r.cap);
	wr32(parm(c, i), P_EMBEDDED);
	wr32(parm(c, i) + 4, flags | off << 8);
	wr32(parm(c, i) + 8, len);
	if (data)
		memcpy(c->r.p + off, data, len);
	c->end += (len + 7) & ~7u;
	return off;
}

/* Fix the request size to what was built, run it, return header.rc. */
static int32_t call_run(struct hgcm_guest *g, struct callb *c)
{
	wr32(c->r.p, c->end);
	wr32(c->r.p + 24, 0);
	wr32(c->r.p + 28, SENTINEL);
	return rq_run(g, &c->r, true);
}

static int32_t call_result(const struct callb *c)
{
	return (int32_t)ld32(c->r.p + 28);
}

/* --------------------------------------------------- a raw guest */

/*
 * A guest that speaks the socket protocol (proto.h) itself, to do what
 * the library never does: skip ReportGuestInfo, send odd-sized port
 * messages.  Answers are polled, not waited for on a futex.
 */
struct rawg {
	int sock;
	uint8_t *ram;
	uint64_t size;
};

static void rawg_open(struct fx *f, struct rawg *r, uint64_t ram)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mwh_hello hello = { MWH_MAGIC, MWH_PROTO_VERSION, ram };
	struct mwh_welcome w;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &w, sizeof(w) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	r->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(r->sock >= 0);
	strcpy(sa.sun_path, f->sock);
	assert_int_equal(connect(r->sock, (void *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(r->sock, &hello, sizeof(hello), MSG_NOSIGNAL),
			 sizeof(hello));
	assert_int_equal(recvmsg(r->sock, &mh, MSG_CMSG_CLOEXEC), sizeof(w));
	assert_int_equal(w.status, VINF_SUCCESS);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	assert_true(fd >= 0);
	r->size = w.ram_size;
	r->ram = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(r->ram != MAP_FAILED);
	close(fd);
}

static void rawg_close(struct rawg *r)
{
	munmap(r->ram, r->size);
	close(r->sock);
}

static void rawg_send(struct rawg *r, const void *msg, size_t len)
{
	assert_int_equal(send(r->sock, msg, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* A request of @size bytes at @phys with @nbody body words. */
static uint8_t *rawg_req(struct rawg *r, uint32_t phys, uint32_t size,
			 uint32_t type, const uint32_t *body, unsigned nbody)
{
	uint8_t *p = r->ram + phys;
	unsigned i;

	memset(p, 0, size);
	wr32(p, size);
	wr32(p + 4, 0x10001);
	wr32(p + 8, type);
	wr32(p + 12, PENDING);
	for (i = 0; i < nbody; i++)
		wr32(p + 24 + 4 * i, body[i]);
	return p;
}

/*
 * Submit the request at @phys; wait (poll) for DONE (HGCM requests, whose
 * result comes after rc) or for header.rc to change.
 */
static int32_t rawg_run(struct rawg *r, uint32_t phys)
{
	uint32_t type = rd32(r->ram + phys + 8);
	bool hgcm = type >= T_CONNECT && type <= T_CANCEL;
	double end = tu_now_ms() + 5000;

	rawg_send(r, &phys, 4);
	while (hgcm ? !(ld32(r->ram + phys + 24) & F_DONE)
		    : ld32(r->ram + phys + 12) == PENDING) {
		if (tu_now_ms() > end)
			fail_msg("raw request at 0x%x: no answer", phys);
		tu_sleep_ms(1);
	}
	return (int32_t)ld32(r->ram + phys + 12);
}

struct held_arg {
	struct hgcm_guest *g;
	uint32_t id;
	int timeout, rc;
};

/* A test.track call held by the host until cancelled. */
static void *held_main(void *arg)
{
	struct held_arg *a = arg;

	a->rc = hgcm_call(a->g, a->id, 2, NULL, 0, a->timeout, 0);
	return NULL;
}

/* ============================================================ names */

#define ST(name, num) { name, num, #name }

/* Every status hgcm.h defines has its number (reference 2.5) and its
 * name: a refused guest's "VERR_-38" helps nobody. */
static void test_every_status_code_has_its_number_and_name(void **state)
{
	static const struct {
		int code, num;
		const char *name;
	} st[] = {
		ST(VINF_SUCCESS, 0),
		ST(VERR_GENERAL_FAILURE, -1),
		ST(VERR_INVALID_PARAMETER, -2),
		ST(VERR_INVALID_HANDLE, -4),
		ST(VERR_INVALID_POINTER, -6),
		ST(VERR_NO_MEMORY, -8),
		ST(VERR_VERSION_MISMATCH, -11),
		ST(VERR_NOT_IMPLEMENTED, -12),
		ST(VERR_INVALID_FLAGS, -13),
		ST(VERR_NOT_SYMLINK, -19),
		ST(VERR_NOT_SUPPORTED, -37),
		ST(VERR_ACCESS_DENIED, -38),
		ST(VERR_INTERRUPTED, -39),
		ST(VERR_TIMEOUT, -40),
		ST(VERR_BUFFER_OVERFLOW, -41),
		ST(VINF_BUFFER_OVERFLOW, 41),
		ST(VERR_TOO_MUCH_DATA, -42),
		ST(VERR_TRY_AGAIN, -52),
		ST(VINF_TRY_AGAIN, 52),
		ST(VERR_OUT_OF_RANGE, -54),
		ST(VERR_NO_TRANSLATION, -58),
		ST(VERR_INVALID_UTF8_ENCODING, -61),
		ST(VERR_CANCELLED, -70),
		ST(VERR_NOT_FOUND, -78),
		ST(VERR_INVALID_STATE, -79),
		ST(VERR_OUT_OF_RESOURCES, -80),
		ST(VERR_FILE_NOT_FOUND, -102),
		ST(VERR_PATH_NOT_FOUND, -103),
		ST(VERR_INVALID_NAME, -104),
		ST(VERR_ALREADY_EXISTS, -105),
		ST(VERR_TOO_MANY_OPEN_FILES, -106),
		ST(VERR_NEGATIVE_SEEK, -108),
		ST(VERR_WRITE_PROTECT, -113),
		ST(VERR_SHARING_VIOLATION, -114),
		ST(VERR_FILE_LOCK_FAILED, -115),
		ST(VERR_NOT_SAME_DEVICE, -119),
		ST(VERR_FILENAME_TOO_LONG, -120),
		ST(VERR_DIR_NOT_EMPTY, -125),
		ST(VERR_NOT_A_DIRECTORY, -126),
		ST(VERR_IS_A_DIRECTORY, -127),
		ST(VERR_FILE_TOO_BIG, -128),
		ST(VERR_NOT_A_FILE, -139),
		ST(VERR_STALE_FILE_HANDLE, -147),
		ST(VERR_DISK_FULL, -152),
		ST(VERR_TOO_MANY_SYMLINKS, -156),
		ST(VERR_NO_MORE_FILES, -201),
		ST(VWRN_NO_DIRENT_INFO, 203),
		ST(VERR_INTERNAL_ERROR, -225),
		ST(VERR_DEV_IO_ERROR, -250),
		ST(VERR_NO_DATA, -304),
		ST(VERR_TOO_MANY_OPENS, -356),
		ST(VERR_SEM_DESTROYED, -363),
		ST(VERR_HGCM_SERVICE_NOT_FOUND, -2900),
		ST(VINF_HGCM_ASYNC_EXECUTE, 2903),
		ST(VERR_HGCM_INVALID_CLIENT_ID, -2905),
		ST(VERR_HGCM_TOO_MANY_CLIENTS, -2908),
		ST(VERR_HGCM_TOO_MANY_CLIENT_CALLS, -2909),
		ST(VERR_WRONG_PARAMETER_COUNT, -22415),
		ST(VERR_WRONG_PARAMETER_TYPE, -22416),
		ST(VERR_INCOMPATIBLE_CONFIG, -22420),
	};
	unsigned i, bad = 0;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		const char *n = hgcm_status_name(st[i].code);

		if (st[i].code != st[i].num)
			fail_msg("%s is %d, the reference says %d", st[i].name,
				 st[i].code, st[i].num);
		if (strcmp(n, st[i].name)) {
			print_message("%d is named %s, not %s\n", st[i].code,
				      n, st[i].name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* an unknown code still gets a name with its number */
	assert_string_equal(hgcm_status_name(-12345), "VERR_-12345");
	assert_string_equal(hgcm_status_name(777), "VINF_777");
}

static void test_request_and_parameter_types_have_reference_names(
	void **state)
{
	static const struct {
		uint32_t type;
		const char *name;
	} rt[] = {
		{ 4, "GetHostVersion" },   { 41, "AcknowledgeEvents" },
		{ 42, "CtlGuestFilterMask" }, { 50, "ReportGuestInfo" },
		{ 58, "ReportGuestInfo2" }, { 59, "ReportGuestStatus" },
		{ 60, "HGCMConnect" },	   { 61, "HGCMDisconnect" },
		{ 62, "HGCMCall32" },	   { 63, "HGCMCall64" },
		{ 64, "HGCMCancel" },	   { 65, "HGCMCancel2" },
	};
	static const char *const pt[] = {
		"Invalid", "32bit", "64bit", "PhysAddr", "LinAddr",
		"LinAddr_In", "LinAddr_Out", "LinAddr_Locked",
		"LinAddr_Locked_In", "LinAddr_Locked_Out", "PageList",
		"Embedded", "ContiguousPageList", "NoBouncePageList",
	};
	unsigned i;

	for (i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		const char *n = hgcm_req_type_name(rt[i].type);

		if (!n || strcmp(n, rt[i].name))
			fail_msg("request type %u is named %s, not %s",
				 rt[i].type, n ? n : "NULL", rt[i].name);
	}
	assert_null(hgcm_req_type_name(0));
	assert_null(hgcm_req_type_name(66));
	assert_null(hgcm_req_type_name(0xffffffffu));
	for (i = 0; i < sizeof(pt) / sizeof(pt[0]); i++)
		assert_string_equal(hgcm_parm_type_name(i), pt[i]);
	assert_null(hgcm_parm_type_name(14));
	assert_null(hgcm_parm_type_name(0xffffffffu));
}

/* ======================================================= request types */

static void test_get_host_version_reports_every_page_list_feature(
	void **state)
{
	struct fx *f = *state;
	struct rq r;

	start(f);
	r = rq_new(f->g, 64);
	rq_hdr(&r, 40, T_HOSTVER);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "GetHostVersion");
	/* PHYS_PAGE_LIST 1 | EMBEDDED 2 | CONTIGUOUS 4 | NO_BOUNCE 8 (1.9) */
	assert_int_equal(rd32(r.p + 36), 0xf);
	assert_true(rd32(r.p + 24) != 0); /* major.minor: some version */

	/* 36 bytes: too short for the body the host writes */
	r = rq_new(f->g, 64);
	rq_hdr(&r, 36, T_HOSTVER);
	check_status(rq_run(f->g, &r, false), VERR_INVALID_PARAMETER,
		     "GetHostVersion of 36 bytes");
	assert_int_equal(rd32(r.p + 36), 0);
	host_stop(f);
}

/* The VMMDev page: fHaveEvents (u8 @8) and memwire's events word (@12). */
static void test_acknowledge_events_returns_and_clears_the_hgcm_event(
	void **state)
{
	struct fx *f = *state;
	uint8_t *page;
	struct rq r;
	uint32_t id;
	double end;

	start(f);
	page = hgcm_guest_ptr(f->g, 0, 16);
	assert_non_null(page);
	id = connect_echo(f->g); /* raises the event once */
	/* DONE comes before the event: wait for it */
	end = tu_now_ms() + 2000;
	while (!(ld32(page + 12) & EV_HGCM) && tu_now_ms() < end)
		tu_sleep_ms(1);
	assert_int_equal(ld32(page + 12), EV_HGCM);

	r = rq_new(f->g, 64);
	rq_hdr(&r, 28, T_ACK);
	wr32(r.p + 24, SENTINEL);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "ack");
	assert_int_equal(ld32(page + 12), 0);
	assert_int_equal(__atomic_load_n(page + 8, __ATOMIC_ACQUIRE), 0);

	check_add(f->g, id, 0, 1, 2);
	end = tu_now_ms() + 2000;
	while (!(ld32(page + 12) & EV_HGCM) && tu_now_ms() < end)
		tu_sleep_ms(1);
	assert_int_equal(ld32(page + 12), EV_HGCM);
	assert_int_equal(__atomic_load_n(page + 8, __ATOMIC_ACQUIRE), 1);

	rq_hdr(&r, 28, T_ACK);
	wr32(r.p + 24, SENTINEL);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "ack");
	assert_int_equal(rd32(r.p + 24), EV_HGCM);
	assert_int_equal(ld32(page + 12), 0);
	assert_int_equal(__atomic_load_n(page + 8, __ATOMIC_ACQUIRE), 0);

	/* nothing happened since: nothing pending */
	rq_hdr(&r, 28, T_ACK);
	wr32(r.p + 24, SENTINEL);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "second ack");
	assert_int_equal(rd32(r.p + 24), 0);
	host_stop(f);
}

static void test_ctl_guest_filter_mask_is_answered_and_checked(void **state)
{
	struct fx *f = *state;
	struct rq r;

	start(f);
	r = rq_new(f->g, 64);
	rq_hdr(&r, 32, T_FILTER);
	wr32(r.p + 24, EV_HGCM);
	wr32(r.p + 28, 0);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "filter mask");
	rq_hdr(&r, 28, T_FILTER);
	check_status(rq_run(f->g, &r, false), VERR_INVALID_PARAMETER,
		     "filter mask of 28 bytes");
	host_stop(f);
}

/*
 * A raw guest that has not reported: only GetHostVersion and
 * ReportGuestInfo{,2} pass; a bad interface version does not unlock.
 */
static void test_report_guest_info_first_and_with_a_good_version(
	void **state)
{
	static const struct {
		uint32_t type, size;
	} locked[] = {
		{ T_ACK, 28 },	     { T_FILTER, 32 },	 { T_CONNECT, 168 },
		{ T_DISCONNECT, 36 }, { T_CALL64, 44 },	 { T_CALL32, 44 },
		{ T_CANCEL2, 28 },    { T_CANCEL, 32 },
	};
	static const uint32_t bad_versions[] = { 0x00020000, 0x00010005,
						 0x00000004, 0xffffffff };
	struct fx *f = *state;
	struct rawg r;
	uint32_t body[2], i;
	uint8_t *p;

	host_start(f, NULL);
	rawg_open(f, &r, 0);

	for (i = 0; i < sizeof(locked) / sizeof(locked[0]); i++) {
		p = rawg_req(&r, PAGE, locked[i].size, locked[i].type, NULL, 0);
		if (locked[i].type == T_CONNECT) {
			wr32(p + 32, 2);
			strcpy((char *)p + 36, ECHO);
		}
		if (rawg_run(&r, PAGE) != VERR_NOT_SUPPORTED)
			fail_msg("type %u before ReportGuestInfo: %s",
				 locked[i].type,
				 hgcm_status_name((int32_t)rd32(p + 12)));
	}
	rawg_req(&r, PAGE, 40, T_HOSTVER, NULL, 0);
	check_status(rawg_run(&r, PAGE), VINF_SUCCESS,
		     "GetHostVersion before ReportGuestInfo");

	for (i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
		body[0] = bad_versions[i];
		body[1] = 0x53100;
		rawg_req(&r, PAGE, 32, T_INFO, body, 2);
		if (rawg_run(&r, PAGE) != VERR_VERSION_MISMATCH)
			fail_msg("interface version 0x%08x accepted",
				 bad_versions[i]);
		/* and still locked */
		rawg_req(&r, PAGE, 28, T_ACK, NULL, 0);
		check_status(rawg_run(&r, PAGE), VERR_NOT_SUPPORTED,
			     "ack after a refused ReportGuestInfo");
	}
	body[0] = 0x00010004;
	body[1] = 0x53100;
	rawg_req(&r, PAGE, 32, T_INFO, body, 2);
	check_status(rawg_run(&r, PAGE), VINF_SUCCESS, "ReportGuestInfo 1.4");
	p = rawg_req(&r, PAGE, 168, T_CONNECT, NULL, 0);
	wr32(p + 32, 2);
	strcpy((char *)p + 36, ECHO);
	check_status(rawg_run(&r, PAGE), VINF_HGCM_ASYNC_EXECUTE,
		     "connect after ReportGuestInfo");
	assert_true(rd32(p + 164) > 0);
	assert_int_equal(rd32(p + 28), VINF_SUCCESS);
	/* an older minor (1.0) is fine too, for a second report */
	body[0] = 0x00010000;
	rawg_req(&r, PAGE, 32, T_INFO, body, 2);
	check_status(rawg_run(&r, PAGE), VINF_SUCCESS, "ReportGuestInfo 1.0");
	rawg_close(&r);
	host_stop(f);
}

static void test_connect_names_existing_services_only(void **state)
{
	struct fx *f = *state;
	struct rq r;
	int64_t id;

	start(f);
	id = hgcm_connect(f->g, "VBoxSharedFolders", 5000);
	check_status((int32_t)id, VERR_HGCM_SERVICE_NOT_FOUND,
		     "connect to a service the host lacks");
	id = hgcm_connect(f->g, "memwire.ech", 5000);
	check_status((int32_t)id, VERR_HGCM_SERVICE_NOT_FOUND,
		     "connect to a prefix of a service name");

	r = rq_new(f->g, 168);
	rq_hdr(&r, 168, T_CONNECT);
	wr32(r.p + 32, 2);
	strcpy((char *)r.p + 36, ECHO);
	wr32(r.p + 164, SENTINEL);
	check_status(rq_run(f->g, &r, true), VINF_HGCM_ASYNC_EXECUTE,
		     "raw connect");
	assert_int_equal(rd32(r.p + 28), VINF_SUCCESS);
	assert_true(rd32(r.p + 164) != SENTINEL && rd32(r.p + 164) != 0);

	/* location type Invalid (0) and 3 */
	rq_hdr(&r, 168, T_CONNECT);
	wr32(r.p + 24, 0);
	wr32(r.p + 32, 0);
	check_status(rq_run(f->g, &r, true), VERR_INVALID_PARAMETER,
		     "connect with location 0");
	rq_hdr(&r, 168, T_CONNECT);
	wr32(r.p + 24, 0);
	wr32(r.p + 32, 3);
	check_status(rq_run(f->g, &r, true), VERR_INVALID_PARAMETER,
		     "connect with location 3");
	/* a name without its NUL within 128 bytes */
	rq_hdr(&r, 168, T_CONNECT);
	wr32(r.p + 24, 0);
	wr32(r.p + 32, 2);
	memset(r.p + 36, 'a', 128);
	check_status(rq_run(f->g, &r, true), VERR_INVALID_PARAMETER,
		     "connect with an unterminated name");
	/* an empty name */
	rq_hdr(&r, 168, T_CONNECT);
	wr32(r.p + 24, 0);
	memset(r.p + 36, 0, 128);
	check_status(rq_run(f->g, &r, true), VERR_INVALID_PARAMETER,
		     "connect with an empty name");
	host_stop(f);
}

static void test_disconnect_ends_the_client_once(void **state)
{
	struct fx *f = *state;
	struct hgcm_parm none[1];
	uint32_t a, b;

	start(f);
	a = connect_echo(f->g);
	b = connect_echo(f->g);
	assert_true(a != b);
	check_status(hgcm_disconnect(f->g, a, 5000), VINF_SUCCESS,
		     "disconnect");
	check_status(hgcm_call(f->g, a, ECHO_FN_NULL, none, 0, 5000, 0),
		     VERR_HGCM_INVALID_CLIENT_ID, "call after disconnect");
	check_status(hgcm_disconnect(f->g, a, 5000),
		     VERR_HGCM_INVALID_CLIENT_ID, "second disconnect");
	check_status(hgcm_disconnect(f->g, 0, 5000),
		     VERR_HGCM_INVALID_CLIENT_ID, "disconnect of client 0");
	/* the other client lives on */
	check_add(f->g, b, 0, 40, 2);
	check_status(hgcm_disconnect(f->g, b, 5000), VINF_SUCCESS,
		     "disconnect b");
	host_stop(f);
}

/* 32- and 64-bit values written back, through the library in both
 * parameter sizes. */
static void test_call32_and_call64_write_values_back(void **state)
{
	static const unsigned modes[] = { 0, HGCM_CALL_32BIT };
	struct fx *f = *state;
	uint32_t id;
	unsigned m;

	start(f);
	id = connect_echo(f->g);
	for (m = 0; m < 2; m++) {
		check_add(f->g, id, modes[m], 0xffffffffu, 0x100000000ull);
		check_add(f->g, id, modes[m], 7, 0xfffffffffffffff0ull);
		check_add(f->g, id, modes[m], 0, 0);
	}
	host_stop(f);
}

/*
 * The same ADD and ECHO built raw in each parameter size: the values come
 * back at the reference offsets (12-byte stride with value64 at 4, or
 * 16-byte), the u32 out of ECHO is the count, nothing else moves.
 */
static void test_raw_call32_and_call64_layouts(void **state)
{
	struct fx *f = *state;
	struct callb c;
	uint64_t in, out;
	uint32_t id;
	unsigned m;
	uint8_t *pin, *pout;

	start(f);
	id = connect_echo(f->g);
	in = pages_alloc(f->g, 1);
	out = pages_alloc(f->g, 1);
	pin = hgcm_guest_ptr(f->g, in, PAGE);
	pout = hgcm_guest_ptr(f->g, out, PAGE);
	for (m = 0; m < 2; m++) {
		bool c32 = m == 1;

		call_init(&c, f->g, c32, id, ECHO_FN_ADD, 3, 256);
		parm_u32(&c, 0, 0x80000000u);
		parm_u64(&c, 1, 0x123456789ull);
		parm_u64(&c, 2, 0);
		check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
			     "raw ADD");
		check_status(call_result(&c), VINF_SUCCESS, "raw ADD result");
		assert_int_equal(rd64(c.r.p + 44 + 2 * c.psize + 4),
				 0x80000000ull + 0x123456789ull);
		assert_int_equal(rd32(c.r.p + 44 + 2 * c.psize), P_64);
		assert_int_equal(rd32(c.r.p + 44 + 4), 0x80000000u);

		fill_rnd(pin, 300, 11 + m);
		memset(pout, 0xee, PAGE);
		call_init(&c, f->g, c32, id, ECHO_FN_ECHO, 3, 256);
		parm_pages(&c, 0, P_PAGELIST, 300, D_TO, 0, &in, 1);
		parm_pages(&c, 1, P_PAGELIST, 300, D_FROM, 0, &out, 1);
		parm_u32(&c, 2, SENTINEL);
		check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
			     "raw ECHO");
		check_status(call_result(&c), VINF_SUCCESS, "raw ECHO result");
		assert_int_equal(rd32(parm(&c, 2) + 4), 300);
		assert_memory_equal(pin, pout, 300);
		assert_int_equal(pout[300], 0xee); /* nothing past the size */
		/* a PageList keeps its size (only Embedded/Contig/NoBounce
		 * sizes come back) */
		assert_int_equal(rd32(parm(&c, 1) + 4), 300);
	}
	host_stop(f);
}

/*
 * Legacy cancel (type 64): the pending call's own request, patched to
 * type 64 with CANCELLED set, resubmitted at the same address.
 */
static void test_legacy_cancel_resubmits_the_call(void **state)
{
	struct fx *f = *state;
	struct hgcm_host_stats st;
	struct callb c;
	struct rq r;
	uint32_t id;

	start(f);
	id = connect_echo(f->g);
	call_init(&c, f->g, false, id, ECHO_FN_SLEEP, 1, 128);
	parm_u32(&c, 0, 5000);
	wr32(c.r.p + 28, SENTINEL);
	assert_int_equal(hgcm_submit(f->g, c.r.phys), 0);
	host_wait_calls(f, 1);
	assert_int_equal(ld32(c.r.p + 12), VINF_HGCM_ASYNC_EXECUTE);
	assert_false(ld32(c.r.p + 24) & F_DONE);

	wr32(c.r.p + 8, T_CANCEL);
	__atomic_fetch_or((uint32_t *)(c.r.p + 24), F_CANCELLED,
			  __ATOMIC_RELEASE);
	wr32(c.r.p + 12, PENDING);
	check_status(rq_run(f->g, &c.r, true), VINF_SUCCESS, "legacy cancel");
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 1);
	/* the cancelled SLEEP completes inside the host, writing nothing */
	wr32(c.r.p + 28, SENTINEL);
	tu_sleep_ms(100);
	assert_int_equal(rd32(c.r.p + 28), SENTINEL);

	/* a cancel of nothing pending: "not found" is INVALID_PARAMETER */
	r = rq_new(f->g, 64);
	rq_hdr(&r, 32, T_CANCEL);
	wr32(r.p + 24, F_CANCELLED);
	check_status(rq_run(f->g, &r, true), VERR_INVALID_PARAMETER,
		     "legacy cancel of nothing");
	check_add(f->g, id, 0, 1, 1);
	host_stop(f);
}

static void test_cancel2_cancels_by_address_and_nothing_is_written(
	void **state)
{
	struct fx *f = *state;
	struct hgcm_host_stats st;
	struct callb c;
	struct rq r;
	uint32_t id, i;
	uint8_t before[128];

	start(f);
	id = connect_echo(f->g);
	call_init(&c, f->g, false, id, ECHO_FN_SLEEP, 1, 128);
	parm_u32(&c, 0, 5000);
	wr32(c.r.p + 28, SENTINEL);
	assert_int_equal(hgcm_submit(f->g, c.r.phys), 0);
	host_wait_calls(f, 1);
	assert_int_equal(ld32(c.r.p + 12), VINF_HGCM_ASYNC_EXECUTE);
	memcpy(before, c.r.p, sizeof(before));

	r = rq_new(f->g, 64);
	rq_hdr(&r, 28, T_CANCEL2);
	wr32(r.p + 24, (uint32_t)c.r.phys);
	check_status(rq_run(f->g, &r, false), VINF_SUCCESS, "Cancel2");
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 1);
	/* a cancelled command is never written back: not even DONE */
	tu_sleep_ms(100);
	assert_memory_equal(before, c.r.p, sizeof(before));

	rq_hdr(&r, 28, T_CANCEL2);
	wr32(r.p + 24, (uint32_t)c.r.phys);
	check_status(rq_run(f->g, &r, false), VERR_NOT_FOUND,
		     "second Cancel2");
	for (i = 0; i < 2; i++) {
		rq_hdr(&r, 28, T_CANCEL2);
		wr32(r.p + 24, i ? 0xffffffffu : 0);
		check_status(rq_run(f->g, &r, false), VERR_INVALID_PARAMETER,
			     i ? "Cancel2 of NIL" : "Cancel2 of 0");
	}
	rq_hdr(&r, 28, T_CANCEL2);
	wr32(r.p + 24, (uint32_t)r.phys);
	check_status(rq_run(f->g, &r, false), VERR_NOT_FOUND,
		     "Cancel2 of itself");
	check_add(f->g, id, 0, 1, 1);
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 1);
	host_stop(f);
}

static void test_unknown_request_types_are_not_implemented(void **state)
{
	static const uint32_t types[] = { 0, 1, 3, 5, 43, 57, 66, 217, 219,
					  0xffffffffu };
	struct fx *f = *state;
	struct rq r;
	unsigned i;

	start(f);
	r = rq_new(f->g, 256);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		rq_hdr(&r, 200, types[i]);
		if (rq_run(f->g, &r, false) != VERR_NOT_IMPLEMENTED)
			fail_msg("type %u: %s", types[i],
				 hgcm_status_name((int32_t)rd32(r.p + 12)));
	}
	check_add(f->g, connect_echo(f->g), 0, 2, 3);
	host_stop(f);
}

/* ========================================================= page lists */

/* ECHO through one page list in, one out; returns the call's result. */
static int32_t echo_pages(struct fx *f, uint32_t id, uint32_t type,
			  uint32_t size, uint16_t off_in,
			  const uint64_t *in, uint16_t nin, uint16_t off_out,
			  const uint64_t *out, uint16_t nout, uint32_t *count)
{
	struct callb c;
	int32_t rc;

	call_init(&c, f->g, false, id, ECHO_FN_ECHO, 3, 8192);
	parm_pages(&c, 0, type, size, D_TO, off_in, in, nin);
	parm_pages(&c, 1, type, size, D_FROM, off_out, out, nout);
	parm_u32(&c, 2, 0);
	rc = call_run(f->g, &c);
	if (rc != VINF_HGCM_ASYNC_EXECUTE)
		fail_msg("ECHO refused: %s", hgcm_status_name(rc));
	*count = rd32(parm(&c, 2) + 4);
	return call_result(&c);
}

static void test_page_lists_straddle_pages(void **state)
{
	static const struct {
		uint16_t off;
		uint32_t size;
	} cases[] = {
		{ 4000, 200 },	       /* 96 + 104: two pages */
		{ 4095, 2 },	       /* one byte each side */
		{ 1, 3 * PAGE },       /* four pages */
		{ 0, 2 * PAGE },       /* exactly two */
		{ 2048, PAGE },	       /* half, half */
	};
	struct fx *f = *state;
	uint64_t in, out, pin[8], pout[8];
	uint8_t *gin, *gout;
	uint32_t id, n, k;
	unsigned i;

	start(f);
	id = connect_echo(f->g);
	in = pages_alloc(f->g, 8);
	out = pages_alloc(f->g, 8);
	gin = hgcm_guest_ptr(f->g, in, 8 * PAGE);
	gout = hgcm_guest_ptr(f->g, out, 8 * PAGE);
	for (k = 0; k < 8; k++) {
		pin[k] = in + k * PAGE;
		pout[k] = out + k * PAGE;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t np = (cases[i].off + cases[i].size + PAGE - 1) / PAGE;

		fill_rnd(gin, 8 * PAGE, 100 + i);
		memset(gout, 0xcc, 8 * PAGE);
		check_status(echo_pages(f, id, P_PAGELIST, cases[i].size,
					cases[i].off, pin, (uint16_t)np,
					cases[i].off, pout, (uint16_t)np, &n),
			     VINF_SUCCESS, "ECHO across pages");
		assert_int_equal(n, cases[i].size);
		if (memcmp(gin + cases[i].off, gout + cases[i].off,
			   cases[i].size))
			fail_msg("case %u (%u bytes at +%u): data differs", i,
				 cases[i].size, cases[i].off);
		/* not a byte outside [off, off + size) */
		for (k = 0; k < cases[i].off; k++)
			assert_int_equal(gout[k], 0xcc);
		for (k = cases[i].off + cases[i].size; k < 8 * PAGE; k++)
			if (gout[k] != 0xcc)
				fail_msg("case %u: byte %u written", i, k);
	}
	host_stop(f);
}

/*
 * The guest's pages in any order: logical page i of the buffer is the
 * physical page perm[i].  The output goes through another permutation;
 * read back in logical order, every byte must match the input.
 */
static void test_shuffled_page_lists_are_followed_page_by_page(void **state)
{
	static const uint16_t perm_in[8] = { 3, 4, 0, 1, 7, 2, 6, 5 };
	static const uint16_t perm_out[8] = { 6, 7, 5, 0, 1, 2, 4, 3 };
	static const uint16_t offs[] = { 0, 100, 4095 };
	struct fx *f = *state;
	uint8_t *logical, *gin, *gout;
	uint64_t in, out, pin[9], pout[9];
	uint32_t id, n, size, k, o;

	start(f);
	id = connect_echo(f->g);
	in = pages_alloc(f->g, 9);
	out = pages_alloc(f->g, 9);
	gin = hgcm_guest_ptr(f->g, in, 9 * PAGE);
	gout = hgcm_guest_ptr(f->g, out, 9 * PAGE);
	logical = malloc(9 * PAGE);
	assert_non_null(logical);
	for (o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		uint16_t off = offs[o];

		size = 8 * PAGE - off; /* fills the 8 pages exactly */
		fill_rnd(logical, 8 * PAGE, 7 + o);
		for (k = 0; k < 8; k++) {
			pin[k] = in + (uint64_t)perm_in[k] * PAGE;
			pout[k] = out + (uint64_t)perm_out[k] * PAGE;
			memcpy(gin + perm_in[k] * PAGE, logical + k * PAGE,
			       PAGE);
		}
		memset(gout, 0, 9 * PAGE);
		check_status(echo_pages(f, id, P_PAGELIST, size, off, pin, 8,
					off, pout, 8, &n),
			     VINF_SUCCESS, "ECHO through shuffled pages");
		assert_int_equal(n, size);
		for (k = 0; k < 8 * PAGE; k++) {
			uint32_t lp = k / PAGE;
			uint8_t got = gout[perm_out[lp] * PAGE + k % PAGE];
			uint8_t want = k < off ? 0 : logical[k];

			if (got != want)
				fail_msg("offFirstPage %u: logical byte %u "
					 "(page %u -> physical %u) is 0x%02x, "
					 "expected 0x%02x", off, k, lp,
					 perm_out[lp], got, want);
		}
	}
	free(logical);
	host_stop(f);
}

static void test_embedded_parameters_in_and_out(void **state)
{
	struct fx *f = *state;
	uint8_t data[300], zero[400];
	uint32_t id, din, dout;
	struct callb c;

	start(f);
	id = connect_echo(f->g);
	fill_rnd(data, sizeof(data), 5);
	memset(zero, 0, sizeof(zero));
	call_init(&c, f->g, false, id, ECHO_FN_ECHO, 3, 2048);
	din = parm_embedded(&c, 0, D_TO, data, sizeof(data));
	dout = parm_embedded(&c, 1, D_FROM, NULL, 400);
	parm_u32(&c, 2, 0);
	check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
		     "embedded ECHO");
	check_status(call_result(&c), VINF_SUCCESS, "embedded ECHO result");
	assert_memory_equal(c.r.p + dout, data, sizeof(data));
	assert_memory_equal(c.r.p + dout + 300, zero, 100);
	/* cbData of the out parameter becomes the bytes produced */
	assert_int_equal(rd32(parm(&c, 1) + 8), 300);
	assert_int_equal(rd32(parm(&c, 2) + 4), 300);
	assert_memory_equal(c.r.p + din, data, sizeof(data));

	/* an out buffer marked TO_HOST only gets nothing back */
	call_init(&c, f->g, true, id, ECHO_FN_ECHO, 3, 2048);
	parm_embedded(&c, 0, D_TO, data, 64);
	dout = parm_embedded(&c, 1, D_TO, zero, 64);
	parm_u32(&c, 2, 0);
	check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
		     "embedded ECHO into TO_HOST");
	check_status(call_result(&c), VINF_SUCCESS, "result");
	assert_memory_equal(c.r.p + dout, zero, 64);
	assert_int_equal(rd32(parm(&c, 2) + 4), 64);
	host_stop(f);
}

static void test_contiguous_and_no_bounce_page_lists(void **state)
{
	struct fx *f = *state;
	uint64_t in, out, pin[4], pout[4];
	uint8_t *gin, *gout;
	struct callb c;
	uint32_t id, n, k;

	start(f);
	id = connect_echo(f->g);
	in = pages_alloc(f->g, 4);
	out = pages_alloc(f->g, 4);
	gin = hgcm_guest_ptr(f->g, in, 4 * PAGE);
	gout = hgcm_guest_ptr(f->g, out, 4 * PAGE);

	/* ContiguousPageList: one entry, the buffer runs on for 3 pages */
	fill_rnd(gin, 4 * PAGE, 21);
	memset(gout, 0, 4 * PAGE);
	call_init(&c, f->g, false, id, ECHO_FN_ECHO, 3, 512);
	parm_pages(&c, 0, P_CONTIG, 3 * PAGE - 10, D_TO, 10, &in, 1);
	parm_pages(&c, 1, P_CONTIG, 3 * PAGE + 50, D_FROM, 20, &out, 1);
	parm_u32(&c, 2, 0);
	check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
		     "contiguous ECHO");
	check_status(call_result(&c), VINF_SUCCESS, "contiguous result");
	assert_memory_equal(gout + 20, gin + 10, 3 * PAGE - 10);
	/* the out size comes back as the bytes produced */
	assert_int_equal(rd32(parm(&c, 1) + 4), 3 * PAGE - 10);
	assert_int_equal(rd32(parm(&c, 2) + 4), 3 * PAGE - 10);
	assert_int_equal(gout[20 + 3 * PAGE - 10], 0);

	/* NoBouncePageList: exactly ceil((off + size) / 4096) entries, in
	 * any order */
	fill_rnd(gin, 4 * PAGE, 22);
	memset(gout, 0, 4 * PAGE);
	for (k = 0; k < 3; k++) {
		pin[k] = in + (uint64_t)(2 - k) * PAGE;
		pout[k] = out + (uint64_t)((k + 1) % 3) * PAGE;
	}
	check_status(echo_pages(f, id, P_NOBOUNCE, 2 * PAGE + 100, 300, pin, 3,
				300, pout, 3, &n),
		     VINF_SUCCESS, "no-bounce ECHO");
	assert_int_equal(n, 2 * PAGE + 100);
	for (k = 0; k < 2 * PAGE + 100; k++) {
		uint32_t l = 300 + k, lp = l / PAGE;
		uint8_t want = gin[(2 - lp) * PAGE + l % PAGE];
		uint8_t got = gout[((lp + 1) % 3) * PAGE + l % PAGE];

		if (got != want)
			fail_msg("no-bounce byte %u: 0x%02x, expected 0x%02x",
				 k, got, want);
	}
	host_stop(f);
}

/* =========================================================== hostile */

/* Requests too short for their header or for their type. */
static void test_truncated_requests_are_refused(void **state)
{
	static const struct {
		uint32_t type, size;
		bool hgcm;
	} cases[] = {
		{ T_CALL64, 0, true },	   { T_CALL64, 23, true },
		{ T_CALL64, 32, true },	   { T_CALL64, 43, true },
		{ T_CALL32, 43, true },	   { T_CONNECT, 167, true },
		{ T_CONNECT, 36, true },   { T_DISCONNECT, 35, true },
		{ T_CANCEL, 31, true },	   { T_CANCEL2, 27, false },
		{ T_INFO, 31, false },	   { T_HOSTVER, 39, false },
		{ T_ACK, 27, false },	   { T_FILTER, 31, false },
		{ T_HOSTVER, 4, false },
	};
	struct fx *f = *state;
	struct rq r;
	unsigned i;
	uint32_t id;

	start(f);
	id = connect_echo(f->g);
	r = rq_new(f->g, 512);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t rc;

		memset(r.p, 0, 512);
		rq_hdr(&r, cases[i].size, cases[i].type);
		wr32(r.p + 32, id);
		wr32(r.p + 36, ECHO_FN_NULL);
		rc = rq_run(f->g, &r, cases[i].hgcm);
		if (rc != VERR_INVALID_PARAMETER)
			fail_msg("type %u, size %u: %s", cases[i].type,
				 cases[i].size, hgcm_status_name(rc));
	}
	check_add(f->g, id, 0, 3, 4);
	host_stop(f);
}

static void test_oversized_cparms_and_requests_are_refused(void **state)
{
	static const uint32_t cparms[] = { 33, 4096, 4097, 0x10000,
					   0xffffffffu };
	struct fx *f = *state;
	struct callb c;
	struct rq r;
	uint32_t id, i, k;

	start(f);
	id = connect_echo(f->g);
	for (i = 0; i < sizeof(cparms) / sizeof(cparms[0]); i++) {
		/* room for 33 parameters, all of them valid u32s */
		call_init(&c, f->g, false, id, ECHO_FN_NULL, 33, 1024);
		for (k = 0; k < 33; k++)
			parm_u32(&c, k, k);
		wr32(c.r.p + 40, cparms[i]);
		check_status(call_run(f->g, &c), VERR_INVALID_PARAMETER,
			     "oversized cParms");
		assert_int_equal(call_result(&c), VERR_INVALID_PARAMETER);
	}
	/* cParms that do not fit in the request's size */
	call_init(&c, f->g, false, id, ECHO_FN_NULL, 2, 256);
	parm_u32(&c, 0, 0);
	parm_u32(&c, 1, 0);
	wr32(c.r.p + 40, 3);
	check_status(call_run(f->g, &c), VERR_INVALID_PARAMETER,
		     "cParms past the request");
	/* 32 is the limit, not over it: the service counts them */
	call_init(&c, f->g, false, id, ECHO_FN_NULL, 32, 1024);
	for (k = 0; k < 32; k++)
		parm_u32(&c, k, k);
	check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE,
		     "32 parameters");
	check_status(call_result(&c), VERR_WRONG_PARAMETER_COUNT,
		     "NULL with 32 parameters");

	/* size over 1 MiB: VERR_NOT_SUPPORTED (1.1) */
	r = rq_new(f->g, 64);
	rq_hdr(&r, MiB + 1, T_CALL64);
	check_status(rq_run(f->g, &r, true), VERR_NOT_SUPPORTED,
		     "1 MiB + 1");
	rq_hdr(&r, 0xffffffffu, T_HOSTVER);
	check_status(rq_run(f->g, &r, false), VERR_NOT_SUPPORTED,
		     "4 GiB - 1");
	/* a wrong header version */
	rq_hdr(&r, 40, T_HOSTVER);
	wr32(r.p + 4, 0x10000);
	check_status(rq_run(f->g, &r, false), VERR_VERSION_MISMATCH,
		     "version 0x10000");
	check_add(f->g, id, 0, 5, 6);
	host_stop(f);
}

/* One bad page list per row: what it breaks and what the host answers. */
struct pl_case {
	const char *what;
	uint32_t type, size, flags;
	uint16_t off_first, npages;
	int64_t page0;	    /* >= 0: first page's address; else a page of
			       the buffer */
	int32_t list_off;   /* != 0: parameter's list offset, overridden */
	uint16_t cpages;    /* != 0: the cPages field, overridden */
	int32_t want;
};

static void test_bad_page_lists_are_refused(void **state)
{
	struct fx *f = *state;
	uint64_t ram = 0, buf;
	const struct pl_case cases[] = {
		{ "page at the end of guest RAM", P_PAGELIST, 100, D_BOTH, 0, 1,
		  -2, 0, 0, VERR_INVALID_POINTER },
		{ "page 0 (the VMMDev page)", P_PAGELIST, 100, D_BOTH, 0, 1, 0,
		  0, 0, VERR_INVALID_POINTER },
		{ "page far outside guest RAM", P_PAGELIST, 100, D_BOTH, 0, 1,
		  0x7ffffffff000ll, 0, 0, VERR_INVALID_POINTER },
		{ "unaligned page", P_PAGELIST, 100, D_BOTH, 0, 1, -3, 0, 0,
		  VERR_INVALID_POINTER },
		{ "cPages 0", P_PAGELIST, 100, D_BOTH, 0, 1, -1, 0, 0xffff,
		  VERR_INVALID_PARAMETER },
		{ "cPages past the request", P_PAGELIST, 100, D_BOTH, 0, 1, -1,
		  0, 200, VERR_INVALID_PARAMETER },
		{ "flags 0", P_PAGELIST, 100, 0, 0, 1, -1, 0, 0,
		  VERR_INVALID_FLAGS },
		{ "flags 4", P_PAGELIST, 100, 4, 0, 1, -1, 0, 0,
		  VERR_INVALID_FLAGS },
		{ "flags 0x80000001", P_PAGELIST, 100, 0x80000001u, 0, 1, -1,
		  0, 0, VERR_INVALID_FLAGS },
		{ "offFirstPage 4096", P_PAGELIST, 100, D_BOTH, 4096, 1, -1, 0,
		  0, VERR_INVALID_PARAMETER },
		{ "data past its pages", P_PAGELIST, 2 * PAGE, D_BOTH, 8, 2, -1,
		  0, 0, VERR_INVALID_PARAMETER },
		{ "list before the parameters' end", P_PAGELIST, 100, D_BOTH, 0,
		  1, -1, 40, 0, VERR_INVALID_PARAMETER },
		{ "list past the request", P_PAGELIST, 100, D_BOTH, 0, 1, -1,
		  100000, 0, VERR_INVALID_PARAMETER },
		{ "list offset 0xffffffff", P_PAGELIST, 100, D_BOTH, 0, 1, -1,
		  -1, 0, VERR_INVALID_PARAMETER },
		{ "size over 128 MiB", P_PAGELIST, (128u << 20) + 1, D_BOTH, 0,
		  1, -1, 0, 0, VERR_INVALID_PARAMETER },
		{ "ContiguousPageList of 2 pages", P_CONTIG, 100, D_BOTH, 0, 2,
		  -1, 0, 0, VERR_INVALID_PARAMETER },
		{ "ContiguousPageList past guest RAM", P_CONTIG, 3 * PAGE,
		  D_BOTH, 0, 1, -4, 0, 0, VERR_INVALID_POINTER },
		{ "NoBouncePageList one page short", P_NOBOUNCE, PAGE + 1,
		  D_BOTH, 0, 1, -1, 0, 0, VERR_INVALID_POINTER },
		{ "NoBouncePageList one page long", P_NOBOUNCE, PAGE, D_BOTH, 0,
		  2, -1, 0, 0, VERR_INVALID_POINTER },
	};
	uint64_t pages[4];
	struct callb c;
	uint32_t id, i, k;
	int32_t rc;

	start(f);
	id = connect_echo(f->g);
	ram = hgcm_guest_ram_size(f->g);
	buf = pages_alloc(f->g, 4);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pl_case *t = &cases[i];

		for (k = 0; k < 4; k++)
			pages[k] = buf + k * PAGE;
		if (t->page0 >= 0)
			pages[0] = (uint64_t)t->page0;
		else if (t->page0 == -2)
			pages[0] = ram; /* the first byte past RAM */
		else if (t->page0 == -3)
			pages[0] = buf + 8;
		else if (t->page0 == -4)
			pages[0] = ram - PAGE; /* last page, runs past */
		call_init(&c, f->g, false, id, ECHO_FN_FILL, 2, 512);
		parm_u32(&c, 0, 0xab);
		parm_pages(&c, 1, t->type, t->size, t->flags, t->off_first,
			   pages, t->npages);
		if (t->list_off)
			wr32(parm(&c, 1) + 8, (uint32_t)t->list_off);
		if (t->cpages)
			wr16(c.r.p + 44 + 2 * 16 + 6,
			     t->cpages == 0xffff ? 0 : t->cpages);
		memset(hgcm_guest_ptr(f->g, buf, 4 * PAGE), 0, 4 * PAGE);
		rc = call_run(f->g, &c);
		if (rc != t->want)
			fail_msg("%s: %s, expected %s", t->what,
				 hgcm_status_name(rc),
				 hgcm_status_name(t->want));
		assert_int_equal(call_result(&c), t->want);
		/* nothing filled */
		for (k = 0; k < 4 * PAGE; k++)
			if (((uint8_t *)hgcm_guest_ptr(f->g, buf, 4 * PAGE))[k])
				fail_msg("%s: byte %u filled", t->what, k);
	}
	check_add(f->g, id, 0, 7, 8);
	host_stop(f);
}

static void test_bad_parameters_are_refused(void **state)
{
	static const struct {
		const char *what;
		uint32_t type, v4, v8;
	} cases[] = {
		{ "type 0", 0, 0, 0 },
		{ "type 14", 14, 0, 0 },
		{ "type 0xffffffff", 0xffffffffu, 0, 0 },
		{ "PhysAddr", P_PHYS, 16, 0x2000 },
		{ "LinAddr", P_LIN, 16, 0x2000 },
		{ "LinAddr_In", P_LIN + 1, 16, 0x2000 },
		{ "LinAddr_Out", P_LIN + 2, 16, 0x2000 },
		{ "LinAddr_Locked", P_LIN_LOCKED, 16, 0x2000 },
		{ "LinAddr_Locked_Out", P_LIN_LOCKED + 2, 16, 0x2000 },
		/* Embedded: flags | offData << 8, cbData */
		{ "embedded flags 0", P_EMBEDDED, 0 | 76u << 8, 4 },
		{ "embedded flags 8", P_EMBEDDED, 8 | 76u << 8, 4 },
		{ "embedded data in the parameters", P_EMBEDDED,
		  D_TO | 44u << 8, 4 },
		{ "embedded data past the request", P_EMBEDDED,
		  D_TO | 76u << 8, 100 },
		{ "embedded offset past the request", P_EMBEDDED,
		  D_TO | 0xffffffu << 8, 0 },
		{ "embedded cbData 0xffffffff", P_EMBEDDED, D_TO | 76u << 8,
		  0xffffffffu },
	};
	struct fx *f = *state;
	struct callb c;
	uint32_t id, i;
	int32_t rc;

	start(f);
	id = connect_echo(f->g);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* 2 parameters of 16: offExtra 76; 16 bytes of extra */
		call_init(&c, f->g, false, id, ECHO_FN_FILL, 2, 256);
		parm_u32(&c, 0, 1);
		wr32(parm(&c, 1), cases[i].type);
		wr32(parm(&c, 1) + 4, cases[i].v4);
		wr32(parm(&c, 1) + 8, cases[i].v8);
		c.end += 16;
		rc = call_run(f->g, &c);
		if (rc != VERR_INVALID_PARAMETER && rc != VERR_INVALID_FLAGS)
			fail_msg("%s: %s", cases[i].what, hgcm_status_name(rc));
		if (cases[i].type == P_EMBEDDED &&
		    ((cases[i].v4 & 0xff) == 0 || (cases[i].v4 & 0xff) > 3))
			check_status(rc, VERR_INVALID_FLAGS, cases[i].what);
	}
	/* a valid embedded call after all that */
	call_init(&c, f->g, false, id, ECHO_FN_FILL, 2, 256);
	parm_u32(&c, 0, 0x41);
	i = parm_embedded(&c, 1, D_FROM, NULL, 16);
	check_status(call_run(f->g, &c), VINF_HGCM_ASYNC_EXECUTE, "FILL");
	check_status(call_result(&c), VINF_SUCCESS, "FILL result");
	assert_memory_equal(c.r.p + i, "AAAAAAAAAAAAAAAA", 16);
	host_stop(f);
}

/* Requests whose bytes run past the end of guest RAM. */
static void test_requests_running_past_guest_ram(void **state)
{
	struct fx *f = *state;
	uint64_t ram;
	uint8_t *p;
	uint32_t id;
	int rc;

	start(f);
	id = connect_echo(f->g);
	ram = hgcm_guest_ram_size(f->g);

	/* a whole header fits, the call does not: answered, refused */
	p = hgcm_guest_ptr(f->g, ram - 64, 64);
	assert_non_null(p);
	memset(p, 0, 64);
	wr32(p, 200);
	wr32(p + 4, 0x10001);
	wr32(p + 8, T_CALL64);
	wr32(p + 12, PENDING);
	wr32(p + 32, id);
	assert_int_equal(hgcm_submit(f->g, ram - 64), 0);
	assert_int_equal(hgcm_wait(f->g, ram - 64, true, 5000), 0);
	check_status((int32_t)ld32(p + 12), VERR_INVALID_PARAMETER,
		     "call past guest RAM");

	/* not even a header fits: nowhere to answer; the host lives on */
	p = hgcm_guest_ptr(f->g, ram - 16, 16);
	memset(p, 0, 16);
	wr32(p + 12, PENDING);
	assert_int_equal(hgcm_submit(f->g, ram - 16), 0);
	rc = hgcm_wait(f->g, ram - 16, false, 200);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_int_equal(ld32(p + 12), PENDING);
	assert_true(host_alive(f));
	check_add(f->g, id, 0, 9, 10);
	host_stop(f);
}

/* 4-byte port messages pointing nowhere useful. */
static void test_port_addresses_outside_ram_or_in_page_0(void **state)
{
	struct fx *f = *state;
	struct hgcm_host_stats st0, st1;
	struct rawg raw;
	uint8_t *page;
	uint32_t id, i, body[2];
	double end;
	uint32_t addrs[] = { 0, 4, 24, 4092, 0, 0, 0xfffffff0u, 0xffffffffu,
			     PAGE + 2 };

	start(f);
	id = connect_echo(f->g);
	addrs[4] = (uint32_t)hgcm_guest_ram_size(f->g);
	addrs[5] = (uint32_t)hgcm_guest_ram_size(f->g) - 4;
	page = hgcm_guest_ptr(f->g, 0, PAGE);
	/* a request-looking page 0: the host must not act on it */
	page[PAGE - 1] = 0x77;
	host_stats(f, &st0);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		assert_int_equal(hgcm_submit(f->g, addrs[i]), 0);
	check_add(f->g, id, 0, 11, 12);
	/* several workers: the rejections may still be on their way */
	end = tu_now_ms() + 2000;
	do {
		host_stats(f, &st1);
	} while (st1.rejected < st0.rejected + 9 && tu_now_ms() < end &&
		 (tu_sleep_ms(2), true));
	assert_int_equal(st1.rejected, st0.rejected + 9);
	assert_int_equal(page[PAGE - 1], 0x77);
	assert_true(log_has(f, "is not usable", 2000));

	/* messages of the wrong size on the port (a raw guest) */
	rawg_open(f, &raw, 0);
	body[0] = 0x00010004;
	body[1] = 0x53100;
	rawg_req(&raw, PAGE, 32, T_INFO, body, 2);
	rawg_send(&raw, "\x01\x10", 2);
	rawg_send(&raw, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	check_status(rawg_run(&raw, PAGE), VINF_SUCCESS,
		     "ReportGuestInfo after odd messages");
	rawg_close(&raw);
	check_add(f->g, id, 0, 13, 14);
	host_stop(f);
}

/*
 * proto.h: the guest sends "only 4-byte messages".  An 8-byte message
 * whose first 4 bytes are a good address must be refused like the 2- and
 * 16-byte ones, not taken for that address.
 */
static void test_port_messages_longer_than_4_bytes_are_refused(void **state)
{
	struct fx *f = *state;
	struct rawg raw;
	uint32_t body[2], msg[2];

	host_start(f, NULL);
	rawg_open(f, &raw, 0);
	body[0] = 0x00010004;
	body[1] = 0x53100;
	rawg_req(&raw, PAGE, 32, T_INFO, body, 2);
	msg[0] = PAGE;
	msg[1] = 0;
	rawg_send(&raw, msg, 8);
	assert_true(log_has(f, "message on the port", 2000));
	assert_int_equal(ld32(raw.ram + PAGE + 12), PENDING);
	check_status(rawg_run(&raw, PAGE), VINF_SUCCESS, "4-byte message");
	rawg_close(&raw);
	host_stop(f);
}

/* Guest B names guest A's client: refused, A's client unharmed. */
static int other_guest_child(struct fx *f, uint32_t a_id)
{
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = 1 },
		{ .type = HGCM_PARM_64BIT, .u.u64 = 2 },
		{ .type = HGCM_PARM_64BIT },
	};
	struct hgcm_guest *g = hgcm_guest_open(f->sock, 0);
	int64_t own;

	if (!g)
		return 20;
	if (hgcm_call(g, a_id, ECHO_FN_ADD, p, 3, 5000, 0) !=
	    VERR_HGCM_INVALID_CLIENT_ID)
		return 21;
	if (p[2].u.u64 != 0)
		return 22;
	if (hgcm_disconnect(g, a_id, 5000) != VERR_HGCM_INVALID_CLIENT_ID)
		return 23;
	own = hgcm_connect(g, ECHO, 5000);
	if (own <= 0 || own == a_id)
		return 24;
	if (hgcm_call(g, (uint32_t)own, ECHO_FN_ADD, p, 3, 5000, 0) ||
	    p[2].u.u64 != 3)
		return 25;
	hgcm_guest_close(g);
	return 0;
}

static void test_a_client_id_of_another_guest_is_refused(void **state)
{
	struct fx *f = *state;
	struct hgcm_guest *b;
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = 1 },
		{ .type = HGCM_PARM_64BIT, .u.u64 = 2 },
		{ .type = HGCM_PARM_64BIT },
	};
	uint32_t a_id;
	int st;

	start(f);
	a_id = connect_echo(f->g);

	/* another guest in this process */
	b = guest_open(f);
	check_status(hgcm_call(b, a_id, ECHO_FN_ADD, p, 3, 5000, 0),
		     VERR_HGCM_INVALID_CLIENT_ID, "B calls A's client");
	assert_int_equal(p[2].u.u64, 0);
	check_status(hgcm_disconnect(b, a_id, 5000),
		     VERR_HGCM_INVALID_CLIENT_ID, "B disconnects A's client");
	hgcm_guest_close(b);

	/* and in another process */
	fflush(NULL);
	f->kids[0] = fork();
	assert_true(f->kids[0] >= 0);
	if (f->kids[0] == 0) {
		child_init();
		_exit(other_guest_child(f, a_id));
	}
	st = wait_exit(f->kids[0], 10000);
	f->kids[0] = 0;
	assert_int_equal(st, 0);
	check_add(f->g, a_id, 0, 1, 2);
	host_stop(f);
}

/*
 * hgcmCompletedWorker: a request whose type or size the guest changed
 * while the call ran gets DONE and VERR_INVALID_STATE, and none of its
 * parameters written back.
 */
static void test_a_request_changed_while_the_host_works_on_it(void **state)
{
	struct fx *f = *state;
	struct callb c;
	uint32_t id, v;

	start(f);
	id = connect_echo(f->g);
	for (v = 0; v < 2; v++) {
		call_init(&c, f->g, false, id, ECHO_FN_SLEEP, 1, 128);
		parm_u32(&c, 0, 300);
		wr32(c.r.p + 28, SENTINEL);
		assert_int_equal(hgcm_submit(f->g, c.r.phys), 0);
		host_wait_calls(f, v + 1);
		assert_false(ld32(c.r.p + 24) & F_DONE);
		if (v == 0)
			wr32(c.r.p + 8, T_CALL32); /* the type */
		else
			wr32(c.r.p, c.end + 16);   /* the size */
		/* the host would write back 300 here */
		wr32(parm(&c, 0) + 4, 0xdead);
		assert_int_equal(hgcm_wait(f->g, c.r.phys, true, 5000), 0);
		check_status((int32_t)ld32(c.r.p + 28), VERR_INVALID_STATE,
			     v ? "size changed" : "type changed");
		assert_int_equal(rd32(parm(&c, 0) + 4), 0xdead);
	}
	assert_true(log_has(f, "changed the request", 2000));
	check_add(f->g, id, 0, 1, 2);
	host_stop(f);
}

static void test_disconnect_with_a_call_in_flight_is_refused(void **state)
{
	struct fx *f = *state;
	struct held_arg h;
	pthread_t t;
	int64_t id;

	start(f);
	id = hgcm_connect(f->g, TRACK, 5000);
	assert_true(id > 0);
	h.g = f->g;
	h.id = (uint32_t)id;
	h.timeout = 300;
	assert_int_equal(pthread_create(&t, NULL, held_main, &h), 0);
	host_wait_calls(f, 1);
	check_status(hgcm_disconnect(f->g, h.id, 5000), VERR_INVALID_STATE,
		     "disconnect under a held call");
	pthread_join(t, NULL);
	check_status(h.rc, VERR_TIMEOUT, "the held call");
	track_wait(f, 0, 1);
	check_status(hgcm_disconnect(f->g, h.id, 5000), VINF_SUCCESS,
		     "disconnect after the cancel");
	track_wait(f, 1, 1);
	host_stop(f);
}

static void test_a_guest_gets_at_most_1024_clients(void **state)
{
	struct fx *f = *state;
	int64_t id, first = 0;
	unsigned i;

	start(f);
	for (i = 0; i < 1024; i++) {
		id = hgcm_connect(f->g, i & 1 ? ECHO : TRACK, 5000);
		if (id <= 0)
			fail_msg("client %u: %s", i,
				 hgcm_status_name((int)id));
		if (!first)
			first = id;
	}
	check_status((int32_t)hgcm_connect(f->g, ECHO, 5000),
		     VERR_HGCM_TOO_MANY_CLIENTS, "client 1025");
	check_status(hgcm_disconnect(f->g, (uint32_t)first, 5000),
		     VINF_SUCCESS, "disconnect one");
	assert_true(hgcm_connect(f->g, ECHO, 5000) > 0);
	/* another guest has its own 1024 */
	{
		struct hgcm_guest *b = guest_open(f);

		check_add(b, connect_echo(b), 0, 1, 1);
		hgcm_guest_close(b);
	}
	host_stop(f);
}

static void test_echo_checks_counts_types_and_functions(void **state)
{
	struct fx *f = *state;
	uint8_t in[100], out[50];
	struct hgcm_parm p[3];
	uint32_t id;

	start(f);
	id = connect_echo(f->g);
	memset(p, 0, sizeof(p));
	p[0].type = HGCM_PARM_32BIT;
	p[1].type = HGCM_PARM_32BIT; /* ADD wants a u64 here */
	p[2].type = HGCM_PARM_64BIT;
	check_status(hgcm_call(f->g, id, ECHO_FN_ADD, p, 3, 5000, 0),
		     VERR_WRONG_PARAMETER_TYPE, "ADD with a u32 b");
	check_status(hgcm_call(f->g, id, ECHO_FN_ADD, p, 2, 5000, 0),
		     VERR_WRONG_PARAMETER_COUNT, "ADD with 2 parameters");
	check_status(hgcm_call(f->g, id, 99, NULL, 0, 5000, 0),
		     VERR_NOT_IMPLEMENTED, "function 99");
	check_status(hgcm_call(f->g, id, ECHO_FN_NULL, NULL, 0, 5000, 0),
		     VINF_SUCCESS, "NULL");
	/* a short out buffer: truncated, and told so */
	fill_rnd(in, sizeof(in), 3);
	memset(out, 0, sizeof(out));
	p[0].type = HGCM_PARM_LINADDR_IN;
	p[0].u.buf.ptr = in;
	p[0].u.buf.size = sizeof(in);
	p[1].type = HGCM_PARM_LINADDR_OUT;
	p[1].u.buf.ptr = out;
	p[1].u.buf.size = sizeof(out);
	p[2].type = HGCM_PARM_32BIT;
	p[2].u.u32 = 0;
	check_status(hgcm_call(f->g, id, ECHO_FN_ECHO, p, 3, 5000, 0),
		     VINF_BUFFER_OVERFLOW, "ECHO 100 into 50");
	assert_int_equal(p[2].u.u32, 50);
	assert_memory_equal(in, out, 50);
	host_stop(f);
}

/* Two page lists of 100 MiB each: over the 128 MiB a call may carry. */
static void test_buffers_over_128_mib_per_call_are_refused(void **state)
{
	enum { NP = 25600 }; /* 100 MiB */
	struct fx *f = *state;
	uint64_t *pages, buf;
	struct callb c;
	uint32_t id, k;

	start(f);
	id = connect_echo(f->g);
	buf = pages_alloc(f->g, 4);
	pages = malloc(NP * sizeof(*pages));
	assert_non_null(pages);
	for (k = 0; k < NP; k++)
		pages[k] = buf + (k % 4) * PAGE; /* the host never looks */
	call_init(&c, f->g, false, id, ECHO_FN_ECHO, 3, 2 * (8 + 8 * NP) + 256);
	parm_pages(&c, 0, P_PAGELIST, NP * PAGE, D_TO, 0, pages, NP);
	parm_pages(&c, 1, P_PAGELIST, NP * PAGE, D_FROM, 0, pages, NP);
	parm_u32(&c, 2, 0);
	check_status(call_run(f->g, &c), VERR_NO_MEMORY, "200 MiB in a call");
	free(pages);
	check_add(f->g, id, 0, 1, 2);
	host_stop(f);
}

/* ====================================================== cancellation */

static void test_timed_out_call_is_cancelled_with_cancel2(void **state)
{
	struct fx *f = *state;
	struct hgcm_parm p = { .type = HGCM_PARM_32BIT, .u.u32 = 5000 };
	struct hgcm_host_stats st;
	double t0, dt;
	uint32_t id;
	int rc;

	start(f);
	id = connect_echo(f->g);
	t0 = tu_now_ms();
	rc = hgcm_call(f->g, id, ECHO_FN_SLEEP, &p, 1, 100, 0);
	dt = tu_now_ms() - t0;
	check_status(rc, VERR_TIMEOUT, "SLEEP 5000 with a 100 ms timeout");
	if (dt > 2500)
		fail_msg("the timed-out call took %.0f ms", dt);
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 1);
	assert_int_equal(st.calls, 1);
	check_add(f->g, id, 0, 1, 2);
	host_stop(f);
}

struct intr_arg {
	struct hgcm_guest *g;
	uint32_t id;
	int rc;
	double ms;
};

static void on_usr2(int sig)
{
	(void)sig;
}

static void *intr_main(void *arg)
{
	struct intr_arg *a = arg;
	struct hgcm_parm p = { .type = HGCM_PARM_32BIT, .u.u32 = 5000 };
	double t0 = tu_now_ms();

	a->rc = hgcm_call(a->g, a->id, ECHO_FN_SLEEP, &p, 1, -1,
			  HGCM_CALL_INTERRUPTIBLE);
	a->ms = tu_now_ms() - t0;
	return NULL;
}

/* A signal to an interruptible call cancels it with Cancel2. */
static void test_interrupted_call_is_cancelled(void **state)
{
	struct fx *f = *state;
	struct sigaction sa, old;
	struct intr_arg a = { 0 };
	struct hgcm_host_stats st;
	pthread_t t;

	start(f);
	a.g = f->g;
	a.id = connect_echo(f->g);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2; /* no SA_RESTART */
	sigaction(SIGUSR2, &sa, &old);
	assert_int_equal(pthread_create(&t, NULL, intr_main, &a), 0);
	usleep(200 * 1000);
	pthread_kill(t, SIGUSR2);
	pthread_join(t, NULL);
	sigaction(SIGUSR2, &old, NULL);
	check_status(a.rc, VERR_INTERRUPTED, "SLEEP 5000 interrupted");
	if (a.ms > 2500)
		fail_msg("the interrupted call took %.0f ms", a.ms);
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 1);
	check_add(f->g, a.id, 0, 1, 2);
	host_stop(f);
}

/*
 * SLOWFILL's out buffer is write-only, so the host fills the guest's
 * contiguous pages in place; a running call like that cannot be cancelled:
 * Cancel2 answers VERR_NOT_FOUND, the guest waits for DONE and gets the
 * data, and the host counts no cancel.
 */
static void test_in_place_output_runs_to_its_end(void **state)
{
	struct fx *f = *state;
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = 300 },
		{ .type = HGCM_PARM_32BIT, .u.u32 = 0x5a },
		{ .type = HGCM_PARM_PAGELIST },
	};
	struct hgcm_host_stats st;
	uint64_t phys;
	uint8_t *buf;
	double t0, dt;
	uint32_t id, i;
	int rc;

	start(f);
	id = connect_echo(f->g);
	assert_int_equal(hgcm_buf_alloc(f->g, 3 * PAGE + 100, &phys), 0);
	buf = hgcm_guest_ptr(f->g, phys, 3 * PAGE + 100);
	assert_non_null(buf);
	memset(buf, 0x11, 3 * PAGE + 100);
	p[2].u.pages.phys = phys + 50;
	p[2].u.pages.size = 3 * PAGE;
	p[2].u.pages.dir = HGCM_DIR_FROM_HOST;
	t0 = tu_now_ms();
	rc = hgcm_call(f->g, id, ECHO_FN_SLOWFILL, p, 3, 50, 0);
	dt = tu_now_ms() - t0;
	check_status(rc, VINF_SUCCESS, "SLOWFILL 300 ms with a 50 ms timeout");
	if (dt < 250)
		fail_msg("returned after %.0f ms, before the fill", dt);
	for (i = 0; i < 3 * PAGE + 100; i++) {
		uint8_t want = i >= 50 && i < 50 + 3 * PAGE ? 0x5a : 0x11;

		if (buf[i] != want)
			fail_msg("byte %u is 0x%02x, expected 0x%02x", i, buf[i],
				 want);
	}
	host_stats(f, &st);
	assert_int_equal(st.cancelled, 0);
	hgcm_buf_free(f->g, phys);

	/* the same with no timeout, and a 0-ms SLOWFILL: plain FILL */
	p[0].u.u32 = 0;
	p[1].u.u32 = 0x33;
	p[2].u.pages.phys = phys;
	assert_int_equal(hgcm_buf_alloc(f->g, PAGE, &phys), 0);
	p[2].u.pages.phys = phys;
	p[2].u.pages.size = PAGE;
	buf = hgcm_guest_ptr(f->g, phys, PAGE);
	rc = hgcm_call(f->g, id, ECHO_FN_SLOWFILL, p, 3, 5000, 0);
	check_status(rc, VINF_SUCCESS, "SLOWFILL 0 ms");
	for (i = 0; i < PAGE; i++)
		if (buf[i] != 0x33)
			fail_msg("byte %u is 0x%02x after SLOWFILL 0", i, buf[i]);
	hgcm_buf_free(f->g, phys);
	host_stop(f);
}

struct race_arg {
	struct hgcm_guest *g;
	uint32_t id;
	unsigned seed, iters;
	int bad;
	char why[160];
	unsigned ok, timeouts;
};

static void *race_main(void *arg)
{
	struct race_arg *a = arg;
	uint8_t in[512], out[512];
	unsigned i, s = a->seed;

	for (i = 0; i < a->iters && !a->bad; i++) {
		struct hgcm_parm sl = { .type = HGCM_PARM_32BIT };
		struct hgcm_parm e[3] = {
			{ .type = HGCM_PARM_LINADDR_IN },
			{ .type = HGCM_PARM_LINADDR_OUT },
			{ .type = HGCM_PARM_32BIT },
		};
		int rc;

		s = s * 1103515245u + 12345u;
		sl.u.u32 = 1 + (s >> 16) % 3;
		rc = hgcm_call(a->g, a->id, ECHO_FN_SLEEP, &sl, 1,
			       1 + (int)((s >> 8) % 3), 0);
		if (rc == VINF_SUCCESS)
			a->ok++;
		else if (rc == VERR_TIMEOUT)
			a->timeouts++;
		else {
			a->bad = 1;
			snprintf(a->why, sizeof(a->why), "SLEEP: %s",
				 hgcm_status_name(rc));
			break;
		}
		/* an ECHO right after: a stale write-back into reused guest
		 * RAM would show here */
		fill_rnd(in, sizeof(in), s);
		memset(out, 0, sizeof(out));
		e[0].u.buf.ptr = in;
		e[0].u.buf.size = 1 + s % sizeof(in);
		e[1].u.buf.ptr = out;
		e[1].u.buf.size = sizeof(out);
		rc = hgcm_call(a->g, a->id, ECHO_FN_ECHO, e, 3, 10000, 0);
		if (rc != VINF_SUCCESS || e[2].u.u32 != e[0].u.buf.size ||
		    memcmp(in, out, e[0].u.buf.size)) {
			a->bad = 2;
			snprintf(a->why, sizeof(a->why),
				 "ECHO after SLEEP: %s, %u bytes of %u",
				 hgcm_status_name(rc), e[2].u.u32,
				 e[0].u.buf.size);
		}
	}
	return NULL;
}

/*
 * Cancellation racing completion: SLEEP(1..3 ms) with timeouts of 1..3
 * ms from several threads.  Every call ends in success or VERR_TIMEOUT,
 * and nothing the host writes late lands in a reused request (ASan
 * watches the rest).
 */
static void test_cancellation_racing_completion(void **state)
{
	enum { NT = 6 };
	struct fx *f = *state;
	struct race_arg a[NT];
	pthread_t t[NT];
	struct hgcm_host_stats st;
	unsigned i, ok = 0, to = 0;
	uint32_t id;

	start(f);
	id = connect_echo(f->g);
	for (i = 0; i < NT; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].g = f->g;
		a[i].id = id;
		a[i].seed = 1000 + i;
		a[i].iters = 150;
		assert_int_equal(pthread_create(&t[i], NULL, race_main, &a[i]),
				 0);
	}
	for (i = 0; i < NT; i++) {
		pthread_join(t[i], NULL);
		if (a[i].bad)
			fail_msg("thread %u: %s", i, a[i].why);
		ok += a[i].ok;
		to += a[i].timeouts;
	}
	print_message("race: %u completed, %u timed out\n", ok, to);
	assert_int_equal(ok + to, NT * 150);
	host_stats(f, &st);
	assert_true(st.cancelled <= to);
	check_add(f->g, id, 0, 1, 2);
	assert_true(host_alive(f));
	host_stop(f);
}

struct long_arg {
	struct hgcm_guest *g;
	uint32_t id;
	int rc;
	atomic_bool done;
};

static void *long_main(void *arg)
{
	struct long_arg *a = arg;
	struct hgcm_parm p = { .type = HGCM_PARM_32BIT, .u.u32 = 4000 };

	a->rc = hgcm_call(a->g, a->id, ECHO_FN_SLEEP, &p, 1, -1, 0);
	atomic_store(&a->done, true);
	return NULL;
}

struct short_arg {
	struct hgcm_guest *g;
	uint32_t id, base;
	int bad;
};

static void *short_main(void *arg)
{
	struct short_arg *a = arg;
	unsigned i;

	for (i = 0; i < 50 && !a->bad; i++) {
		struct hgcm_parm p[3] = {
			{ .type = HGCM_PARM_32BIT, .u.u32 = a->base + i },
			{ .type = HGCM_PARM_64BIT, .u.u64 = 1000000 },
			{ .type = HGCM_PARM_64BIT },
		};

		if (hgcm_call(a->g, a->id, ECHO_FN_ADD, p, 3, 10000,
			      i & 1 ? HGCM_CALL_32BIT : 0) ||
		    p[2].u.u64 != a->base + i + 1000000ull)
			a->bad = (int)i + 1;
	}
	return NULL;
}

/* A long SLEEP in one thread does not hold up short calls in others. */
static void test_threads_complete_out_of_order(void **state)
{
	enum { NS = 4 };
	struct fx *f = *state;
	struct long_arg la;
	struct short_arg sa[NS];
	pthread_t lt, st[NS];
	uint32_t id, id2;
	unsigned i;

	start(f);
	id = connect_echo(f->g);
	id2 = connect_echo(f->g);
	memset(&la, 0, sizeof(la));
	la.g = f->g;
	la.id = id;
	assert_int_equal(pthread_create(&lt, NULL, long_main, &la), 0);
	host_wait_calls(f, 1);
	for (i = 0; i < NS; i++) {
		sa[i].g = f->g;
		sa[i].id = i & 1 ? id2 : id;
		sa[i].base = 1000 * i;
		sa[i].bad = 0;
		assert_int_equal(pthread_create(&st[i], NULL, short_main,
						&sa[i]),
				 0);
	}
	for (i = 0; i < NS; i++) {
		pthread_join(st[i], NULL);
		if (sa[i].bad)
			fail_msg("short thread %u: call %d failed", i,
				 sa[i].bad - 1);
	}
	/* all 200 short calls done while the long one still sleeps */
	assert_false(atomic_load(&la.done));
	pthread_join(lt, NULL);
	check_status(la.rc, VINF_SUCCESS, "the long SLEEP");
	host_stop(f);
}

/* ========================================================== peers die */

/* Two test.track clients (one with a held call), an echo SLEEP. */
static int sleeper_child(struct fx *f, int fd)
{
	struct hgcm_parm p = { .type = HGCM_PARM_32BIT, .u.u32 = 30000 };
	struct hgcm_guest *g = hgcm_guest_open(f->sock, 0);
	struct held_arg h = { g, 0, -1, 0 };
	pthread_t t;
	int64_t id, t1, t2;

	if (!g)
		return 30;
	id = hgcm_connect(g, ECHO, 5000);
	t1 = hgcm_connect(g, TRACK, 5000);
	t2 = hgcm_connect(g, TRACK, 5000);
	if (id <= 0 || t1 <= 0 || t2 <= 0)
		return 31;
	h.id = (uint32_t)t2;
	if (pthread_create(&t, NULL, held_main, &h))
		return 32;
	if (write(fd, "C", 1) != 1)
		return 33;
	hgcm_call(g, (uint32_t)id, ECHO_FN_SLEEP, &p, 1, -1, 0);
	return 34; /* never: killed in the call */
}

static void test_guest_killed_mid_call(void **state)
{
	struct fx *f = *state;
	struct hgcm_host_stats st;
	char needle[64], c;
	int sv[2];
	pid_t pid;
	uint32_t id;

	host_start(f, NULL);
	assert_int_equal(pipe2(sv, O_CLOEXEC), 0);
	fflush(NULL);
	pid = f->kids[0] = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_init();
		close(sv[0]);
		_exit(sleeper_child(f, sv[1]));
	}
	close(sv[1]);
	assert_int_equal(read(sv[0], &c, 1), 1);
	close(sv[0]);
	host_wait_calls(f, 2);
	track_wait(f, 0, 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(wait_exit(pid, 5000), 128 + SIGKILL);
	f->kids[0] = 0;

	snprintf(needle, sizeof(needle), "guest %d went away", (int)pid);
	if (!log_has(f, needle, 5000))
		fail_msg("no \"%s\" in the host log:\n%s", needle,
			 tu_read_file(f->log));
	assert_true(host_alive(f));
	host_stats(f, &st);
	assert_int_equal(st.guests, 1);
	/* its held call was cancelled, both its clients disconnected */
	track_wait(f, 2, 1);

	/* a new guest works */
	f->g = guest_open(f);
	id = connect_echo(f->g);
	check_add(f->g, id, 0, 20, 22);
	hgcm_guest_close(f->g);
	f->g = NULL;
	/* and the dropped call does not keep the host from stopping (it
	 * would wait for it for 30 s) */
	host_stop(f);
}

struct call_arg {
	struct hgcm_guest *g;
	uint32_t id;
	int rc;
	double end;
};

static void *sleep_forever_main(void *arg)
{
	struct call_arg *a = arg;
	struct hgcm_parm p = { .type = HGCM_PARM_32BIT, .u.u32 = 30000 };

	a->rc = hgcm_call(a->g, a->id, ECHO_FN_SLEEP, &p, 1, -1, 0);
	a->end = tu_now_ms();
	return NULL;
}

static void test_host_killed_mid_call(void **state)
{
	struct fx *f = *state;
	struct call_arg a = { 0 };
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = 1 },
		{ .type = HGCM_PARM_64BIT, .u.u64 = 2 },
		{ .type = HGCM_PARM_64BIT },
	};
	struct timespec ts;
	struct rq r;
	pthread_t t;
	double t0, t1;
	int rc;

	start(f);
	a.g = f->g;
	a.id = connect_echo(f->g);
	r = rq_new(f->g, 64);
	assert_int_equal(pthread_create(&t, NULL, sleep_forever_main, &a), 0);
	host_wait_calls(f, 1);
	t0 = tu_now_ms();
	assert_int_equal(kill(f->host, SIGKILL), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	if (pthread_timedjoin_np(t, NULL, &ts)) {
		/* still blocked: leave its guest alone, the test is lost */
		f->g = NULL;
		fail_msg("the pending call did not return 5 s after the host "
			 "was killed");
	}
	check_status(a.rc, VERR_SEM_DESTROYED, "pending call, host killed");
	if (a.end - t0 > 1000)
		fail_msg("the pending call failed %.0f ms after the kill",
			 a.end - t0);
	assert_true(hgcm_guest_host_dead(f->g));

	t1 = tu_now_ms();
	rc = hgcm_call(f->g, a.id, ECHO_FN_ADD, p, 3, -1, 0);
	check_status(rc, VERR_SEM_DESTROYED, "call after the host died");
	check_status((int32_t)hgcm_connect(f->g, ECHO, -1), VERR_SEM_DESTROYED,
		     "connect after the host died");
	check_status(hgcm_disconnect(f->g, a.id, -1), VERR_SEM_DESTROYED,
		     "disconnect after the host died");
	rq_hdr(&r, 40, T_HOSTVER);
	assert_int_equal(hgcm_submit(f->g, r.phys), -EPIPE);
	if (tu_now_ms() - t1 > 1000)
		fail_msg("calls after the host died took %.0f ms",
			 tu_now_ms() - t1);
	assert_int_equal(wait_exit(f->host, 5000), 128 + SIGKILL);
	f->host = 0;
}

/* ============================================== the socket and its peers */

static int setuid_guest_child(const char *sock, uid_t uid)
{
	struct hgcm_parm p[3] = {
		{ .type = HGCM_PARM_32BIT, .u.u32 = 1 },
		{ .type = HGCM_PARM_64BIT, .u.u64 = 2 },
		{ .type = HGCM_PARM_64BIT },
	};
	struct hgcm_guest *g;
	int64_t id;

	if (setgid(uid) || setuid(uid) || getuid() != uid)
		return 40;
	g = hgcm_guest_open(sock, 0);
	if (!g) {
		/* 1: the host's refusal arrived; 2: some other failure */
		if (strstr(mw_last_error(), "refused us"))
			return 1;
		fprintf(stderr, "uid %d: %s\n", (int)uid, mw_last_error());
		return 2;
	}
	id = hgcm_connect(g, ECHO, 5000);
	if (id <= 0)
		return 42;
	if (hgcm_call(g, (uint32_t)id, ECHO_FN_ADD, p, 3, 5000, 0) ||
	    p[2].u.u64 != 3)
		return 43;
	hgcm_guest_close(g);
	return 0;
}

static int run_setuid_guest(struct fx *f, uid_t uid, pid_t *pidp)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = f->kids[1] = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_init();
		_exit(setuid_guest_child(f->sock, uid));
	}
	st = wait_exit(pid, 10000);
	f->kids[1] = 0;
	if (pidp)
		*pidp = pid;
	return st;
}

/* A private directory under /tmp that any uid may traverse. */
static void open_dir(struct fx *f, char *dir)
{
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0711), 0);
	snprintf(f->sock, sizeof(f->sock), "%s/hgcm.sock", dir);
}

/* The host refused the guest @pid of @uid: its log says so. */
static void check_refused(struct fx *f, int st, pid_t pid, uid_t uid)
{
	char needle[80];

	if (st != 1 && st != 2)
		fail_msg("uid %d: guest exited %d, expected a refusal",
			 (int)uid, st);
	snprintf(needle, sizeof(needle), "refusing pid %d uid %d", (int)pid,
		 (int)uid);
	if (!log_has(f, needle, 2000))
		fail_msg("no \"%s\" in the host log:\n%s", needle,
			 tu_read_file(f->log));
}

/*
 * Peer credentials: a guest that setuid()s to another uid is refused by
 * the host (not by the file system: the socket is opened up to everyone
 * for this test), unless the host allows that uid.
 */
static void test_other_uid_refused_unless_allowed(void **state)
{
	struct fx *f = *state;
	const uid_t nobody = 65534;
	struct host_cfg cfg = { &nobody, 1, 0 };
	char dir[64] = "/tmp/mwhgcm.XXXXXX";
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		print_message("not root: cannot setuid\n");
		skip();
	}
	open_dir(f, dir);
	host_start(f, NULL);
	assert_int_equal(chmod(f->sock, 0666), 0);
	st = run_setuid_guest(f, nobody, &pid);
	check_refused(f, st, pid, nobody);
	host_stop(f);

	host_start(f, &cfg);
	assert_int_equal(chmod(f->sock, 0666), 0);
	assert_int_equal(run_setuid_guest(f, nobody, NULL), 0);
	/* and another uid is still refused */
	st = run_setuid_guest(f, nobody - 1, &pid);
	check_refused(f, st, pid, nobody - 1);
	host_stop(f);
	rmdir(dir);
}

/*
 * A refused guest learns why: the host sends VERR_ACCESS_DENIED in its
 * welcome and closes.  A guest whose hello is still on its way must still
 * read that welcome, not EPIPE on its hello or ECONNRESET on its read (a
 * UNIX socket closed with unread data resets its peer).  Run it a few
 * times: which side is first varies.
 */
static void test_a_refused_guest_is_told_access_denied(void **state)
{
	struct fx *f = *state;
	char dir[64] = "/tmp/mwhgcm.XXXXXX";
	unsigned i, told = 0;
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		print_message("not root: cannot setuid\n");
		skip();
	}
	open_dir(f, dir);
	host_start(f, NULL);
	assert_int_equal(chmod(f->sock, 0666), 0);
	for (i = 0; i < 20; i++) {
		st = run_setuid_guest(f, 65534, &pid);
		check_refused(f, st, pid, 65534);
		told += st == 1;
	}
	host_stop(f);
	rmdir(dir);
	if (told != 20)
		fail_msg("%u of 20 refused guests got the host's refusal",
			 told);
}

static void test_socket_is_0600_and_a_live_one_is_not_taken(void **state)
{
	struct fx *f = *state;
	struct hgcm_host_opts o = { .socket_path = f->sock };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hgcm_host *h;
	struct stat st;
	int s;

	start(f);
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* a second host on the live socket is refused, and the first one
	 * keeps serving */
	h = hgcm_host_new(&o);
	assert_null(h);
	assert_non_null(strstr(mw_last_error(), "already"));
	check_add(f->g, connect_echo(f->g), 0, 1, 1);
	hgcm_guest_close(f->g);
	f->g = NULL;
	host_stop(f);
	/* the stopped host removed its socket */
	assert_int_equal(lstat(f->sock, &st), -1);

	/* a stale socket (nobody listens) is replaced */
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	strcpy(sa.sun_path, f->sock);
	assert_int_equal(bind(s, (void *)&sa, sizeof(sa)), 0);
	close(s);
	assert_int_equal(lstat(f->sock, &st), 0);
	start(f);
	check_add(f->g, connect_echo(f->g), 0, 2, 2);
	host_stop(f);
}

/*
 * A path that is not a socket is not "stale": the host must not unlink a
 * regular file that happens to sit where its socket should go.
 */
static void test_a_regular_file_at_the_socket_path_is_kept(void **state)
{
	struct fx *f = *state;
	struct hgcm_host_opts o = { .socket_path = f->sock };
	struct hgcm_host *h;
	char *s;
	int fd;

	fd = open(f->sock, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);
	h = hgcm_host_new(&o);
	if (h)
		hgcm_host_free(h);
	s = tu_read_file(f->sock);
	assert_string_equal(s, "precious\n");
	free(s);
	assert_null(h);
}

static void test_guest_ram_sizes_outside_the_limits_are_refused(
	void **state)
{
	struct fx *f = *state;
	struct hgcm_guest *g;

	host_start(f, NULL);
	g = hgcm_guest_open(f->sock, 4096); /* under 64 KiB */
	assert_null(g);
	assert_non_null(strstr(mw_last_error(), "refused"));
	g = hgcm_guest_open(f->sock, 2ull << 30); /* over --ram-max 1 GiB */
	assert_null(g);
	g = hgcm_guest_open(f->sock, 1u << 20);
	assert_non_null(g);
	assert_int_equal(hgcm_guest_ram_size(g), 1u << 20);
	check_add(g, connect_echo(g), 0, 4, 4);
	hgcm_guest_close(g);
	host_stop(f);
}

/* ========================================================== throughput */

static void test_one_mib_echo_round_trips_byte_for_byte(void **state)
{
	struct fx *f = *state;
	uint8_t *in, *out;
	uint32_t id, r;

	start(f);
	id = connect_echo(f->g);
	in = malloc(MiB);
	out = malloc(MiB);
	assert_non_null(in);
	assert_non_null(out);
	for (r = 0; r < 4; r++) {
		struct hgcm_parm p[3] = {
			{ .type = HGCM_PARM_LINADDR_IN },
			{ .type = HGCM_PARM_LINADDR_OUT },
			{ .type = HGCM_PARM_32BIT },
		};

		fill_rnd(in, MiB, 77 + r);
		memset(out, 0, MiB);
		p[0].u.buf.ptr = in;
		p[0].u.buf.size = MiB;
		p[1].u.buf.ptr = out;
		p[1].u.buf.size = MiB;
		check_status(hgcm_call(f->g, id, ECHO_FN_ECHO, p, 3, 30000,
				       r & 1 ? HGCM_CALL_32BIT : 0),
			     VINF_SUCCESS, "1 MiB ECHO");
		assert_int_equal(p[2].u.u32, MiB);
		if (memcmp(in, out, MiB))
			fail_msg("round %u: the echo differs", r);
	}
	free(in);
	free(out);
	host_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_every_status_code_has_its_number_and_name),
		T(test_request_and_parameter_types_have_reference_names),
		T(test_get_host_version_reports_every_page_list_feature),
		T(test_acknowledge_events_returns_and_clears_the_hgcm_event),
		T(test_ctl_guest_filter_mask_is_answered_and_checked),
		T(test_report_guest_info_first_and_with_a_good_version),
		T(test_connect_names_existing_services_only),
		T(test_disconnect_ends_the_client_once),
		T(test_call32_and_call64_write_values_back),
		T(test_raw_call32_and_call64_layouts),
		T(test_legacy_cancel_resubmits_the_call),
		T(test_cancel2_cancels_by_address_and_nothing_is_written),
		T(test_unknown_request_types_are_not_implemented),
		T(test_page_lists_straddle_pages),
		T(test_shuffled_page_lists_are_followed_page_by_page),
		T(test_embedded_parameters_in_and_out),
		T(test_contiguous_and_no_bounce_page_lists),
		T(test_truncated_requests_are_refused),
		T(test_oversized_cparms_and_requests_are_refused),
		T(test_bad_page_lists_are_refused),
		T(test_bad_parameters_are_refused),
		T(test_requests_running_past_guest_ram),
		T(test_port_addresses_outside_ram_or_in_page_0),
		T(test_port_messages_longer_than_4_bytes_are_refused),
		T(test_a_client_id_of_another_guest_is_refused),
		T(test_a_request_changed_while_the_host_works_on_it),
		T(test_disconnect_with_a_call_in_flight_is_refused),
		T(test_a_guest_gets_at_most_1024_clients),
		T(test_echo_checks_counts_types_and_functions),
		T(test_buffers_over_128_mib_per_call_are_refused),
		T(test_timed_out_call_is_cancelled_with_cancel2),
		T(test_in_place_output_runs_to_its_end),
		T(test_interrupted_call_is_cancelled),
		T(test_cancellation_racing_completion),
		T(test_threads_complete_out_of_order),
		T(test_guest_killed_mid_call),
		T(test_host_killed_mid_call),
		T(test_other_uid_refused_unless_allowed),
		T(test_a_refused_guest_is_told_access_denied),
		T(test_socket_is_0600_and_a_live_one_is_not_taken),
		T(test_a_regular_file_at_the_socket_path_is_kept),
		T(test_guest_ram_sizes_outside_the_limits_are_refused),
		T(test_one_mib_echo_round_trips_byte_for_byte),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
