/* SPDX-License-Identifier: MIT */
/*
 * tests/hda-guest/guest.h - the HDA test guest from C: build it, boot it
 * under QEMU, read back its kernel's record of the verbs it sent.
 *
 * Shared by tests/test_hda_qemu.c and bench/bench_hda_qemu.c (static
 * functions, no cmocka: the bench links without it).  The guest itself is
 * build.sh + init in this directory (see README.md).
 *
 * The record: the guest prints its tracefs buffer between two marker lines
 * on the serial console.  The lines that matter (Linux 6.1
 * sound/hda/trace.h, hda.md section 6):
 *
 *   <task>-<pid> [cpu] <flags> <time>: hda_send_cmd: [DEV:ADDR] val=0x%08x
 *   <task>-<pid> [cpu] <flags> <time>: hda_get_response: [DEV:ADDR] val=0x%08x
 *   <task>-<pid> [cpu] <flags> <time>: hda_unsol_event: [DEV:ADDR]
 *                                          res=0x%08x, res_ex=0x%08x
 *
 * and, in the guest's mwhda.replay=1 mode, its own trace_marker lines
 * ("mwreplay <name> begin|end") around each `memwire hda replay` run:
 *
 *   <task>-<pid> [cpu] <flags> <time>: tracing_mark_write: <text>
 *
 * The kernel emits hda_send_cmd before each command and hda_get_response
 * after it only when the caller asked for the response (reads, and writes
 * on a sync_write bus), both under the bus command mutex: a response
 * always belongs to the send right before it.  A write without a response
 * leaves no response in the record, although the codec answered it.
 */
#ifndef MEMWIRE_HDA_GUEST_H
#define MEMWIRE_HDA_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hda/hda_guest_config.h" /* HDA_GUEST_SRCDIR, from meson */

#define HG_BEGIN "=== MEMWIRE-HDA-TRACE BEGIN ==="
#define HG_END "=== MEMWIRE-HDA-TRACE END ==="
#define HG_QEMU "qemu-system-x86_64"

/* A built guest. */
struct hg_guest {
	char dir[PATH_MAX - 64]; /* OUTDIR of build.sh */
	char vmlinuz[PATH_MAX];
	char initrd[PATH_MAX];
	char accel[8]; /* "kvm" or "tcg" */
	/* initrd.cpio.gz + memwire.cpio.gz, after hg_prepare_memwire() */
	char initrd_memwire[PATH_MAX];
};

/* A QEMU command line for the guest; argv points into this struct. */
struct hg_cmd {
	const char *argv[64];
	int argc;
	char accel[16];
	char serial[PATH_MAX + 16];
	char append[512];
	char audio[64];
};

/* One command in the guest kernel's record. */
struct hg_send {
	unsigned codec;	    /* ADDR of [DEV:ADDR] */
	uint32_t verb;	    /* val= of hda_send_cmd */
	bool has_response;  /* a hda_get_response followed */
	uint32_t response;
	unsigned line;	    /* in the serial log, for messages */
};

struct hg_unsol {
	unsigned codec;
	uint32_t res, res_ex;
};

/* A trace_marker line: @at commands were recorded before it. */
struct hg_mark {
	char text[64];
	size_t at;
	unsigned line;
};

struct hg_record {
	struct hg_send *send;
	size_t nsend;
	struct hg_unsol *unsol;
	size_t nunsol;
	struct hg_mark *mark;
	size_t nmark;
	long entries, overrun; /* as the guest counted them; -1: not said */
};

static inline double hg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void hg_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static inline void hg_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void hg_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/*
 * Start @argv (argv[0] found on PATH) with stdin from @in_fd (-1:
 * /dev/null) and stdout/stderr appended to @out/@err (NULL: /dev/null).
 * Returns the pid, or -1.
 */
static inline pid_t hg_spawn(const char *const *argv, int in_fd,
			     const char *out, const char *err)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	int i = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
	int o = open(out ? out : "/dev/null",
		     O_WRONLY | O_CREAT | O_APPEND, 0600);
	int e = open(err ? err : "/dev/null",
		     O_WRONLY | O_CREAT | O_APPEND, 0600);

	if (i < 0 || o < 0 || e < 0)
		_exit(126);
	dup2(i, 0);
	dup2(o, 1);
	dup2(e, 2);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/*
 * Wait for @pid at most @timeout_s seconds; past that, SIGKILL it (by its
 * pid) and return -1.  Else its exit status, or 128 + signal.
 */
static inline int hg_wait(pid_t pid, double timeout_s)
{
	double end = hg_now() + timeout_s;
	int status;
	pid_t w;

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && hg_now() < end)
		hg_sleep_ms(5);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (w < 0)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The whole file, NUL-terminated (caller frees), or NULL. */
static inline char *hg_read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0, k;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			char *nb = realloc(b, cap = cap * 2 + 65536);

			if (!nb) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
		}
		k = fread(b + n, 1, cap - n - 1, f);
		n += k;
	} while (k > 0);
	fclose(f);
	b[n] = '\0';
	if (lenp)
		*lenp = n;
	return b;
}

/* Is @prog on PATH? */
static inline bool hg_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* mkdir -p @path (its parents too); 0 or -1. */
static inline int hg_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

/*
 * Build (or reuse) the guest in @dir and find the accelerator.  Returns 0,
 * or -1 with a one-line reason in @err.
 */
static inline int hg_prepare(struct hg_guest *g, const char *dir, char *err,
			     size_t errlen)
{
	char build[PATH_MAX + 64], accel[PATH_MAX + 64], log[PATH_MAX + 64];
	char out[PATH_MAX + 64];
	char *s;
	int rc;

	memset(g, 0, sizeof(*g));
	if (!hg_have(HG_QEMU)) {
		hg_err(err, errlen,
		       "%s not found: install qemu-system-x86 (scripts/deps check)",
		       HG_QEMU);
		return -1;
	}
	if (strlen(dir) >= sizeof(g->dir)) {
		hg_err(err, errlen, "%.64s...: path too long", dir);
		return -1;
	}
	memcpy(g->dir, dir, strlen(dir) + 1);
	if (hg_mkdir_p(dir)) {
		hg_err(err, errlen, "%s: cannot create: %s", dir,
		       strerror(errno));
		return -1;
	}
	snprintf(build, sizeof(build), "%s/build.sh", HDA_GUEST_SRCDIR);
	snprintf(accel, sizeof(accel), "%s/accel.sh", HDA_GUEST_SRCDIR);
	snprintf(log, sizeof(log), "%s/build.log", dir);
	snprintf(out, sizeof(out), "%s/accel.out", dir);
	unlink(log);
	unlink(out);
	rc = hg_wait(hg_spawn((const char *const[]){build, dir, NULL}, -1,
			      NULL, log),
		     600);
	if (rc != 0) {
		s = hg_read_file(log, NULL);
		if (s && strrchr(s, '\n') && !strrchr(s, '\n')[1])
			*strrchr(s, '\n') = '\0';
		hg_err(err, errlen, "%s %s failed (exit %d): %s", build, dir,
		       rc, s && *s ? (strrchr(s, '\n') ? strrchr(s, '\n') + 1
							: s)
				   : "no message");
		free(s);
		return -1;
	}
	snprintf(g->vmlinuz, sizeof(g->vmlinuz), "%s/vmlinuz", dir);
	snprintf(g->initrd, sizeof(g->initrd), "%s/initrd.cpio.gz", dir);
	rc = hg_wait(hg_spawn((const char *const[]){accel, dir, NULL}, -1,
			      out, NULL),
		     60);
	s = hg_read_file(out, NULL);
	if (rc != 0 || !s || (strcmp(s, "kvm\n") && strcmp(s, "tcg\n"))) {
		hg_err(err, errlen, "%s %s failed (exit %d)", accel, dir, rc);
		free(s);
		return -1;
	}
	memcpy(g->accel, s, 3);
	g->accel[3] = '\0';
	free(s);
	return 0;
}

/*
 * Add memwire to the guest prepared by hg_prepare() (build.sh -m MEMWIRE -r
 * REPLAY): /bin/memwire with its libraries and /replay.jsonl, in
 * @g->initrd_memwire (boot it with hg_cmd_initrd()).  Returns 0, or -1
 * with a one-line reason in @err.
 */
static inline int hg_prepare_memwire(struct hg_guest *g, const char *memwire,
				     const char *replay, char *err,
				     size_t errlen)
{
	char build[PATH_MAX + 64], log[PATH_MAX + 64];
	char *s, *l;
	int rc;

	snprintf(build, sizeof(build), "%s/build.sh", HDA_GUEST_SRCDIR);
	snprintf(log, sizeof(log), "%s/build-memwire.log", g->dir);
	unlink(log);
	rc = hg_wait(hg_spawn((const char *const[]){build, "-m", memwire,
						     "-r", replay, g->dir,
						     NULL},
			      -1, NULL, log),
		     600);
	if (rc != 0) {
		s = hg_read_file(log, NULL);
		while (s && *s && s[strlen(s) - 1] == '\n')
			s[strlen(s) - 1] = '\0';
		l = s ? strrchr(s, '\n') : NULL;
		hg_err(err, errlen, "%s -m %s %s failed (exit %d): %s", build,
		       memwire, g->dir, rc,
		       s && *s ? (l ? l + 1 : s) : "no message");
		free(s);
		return -1;
	}
	snprintf(g->initrd_memwire, sizeof(g->initrd_memwire),
		 "%s/initrd-memwire.cpio.gz", g->dir);
	return 0;
}

/*
 * The QEMU command line that boots @g once with the serial console in
 * @serial and @opts (may be NULL) added to the kernel command line.  The
 * caller may append arguments (argv has room for 24 more) and must end the
 * list with NULL.
 */
static inline void hg_cmd_init(struct hg_cmd *c, const struct hg_guest *g,
			       const char *serial, const char *opts)
{
	int n = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->accel, sizeof(c->accel), "%s", g->accel);
	snprintf(c->serial, sizeof(c->serial), "file:%s", serial);
	snprintf(c->append, sizeof(c->append),
		 "console=ttyS0 quiet panic=-1 %s", opts ? opts : "");
	snprintf(c->audio, sizeof(c->audio), "hda-duplex,audiodev=snd0");
	c->argv[n++] = HG_QEMU;
	c->argv[n++] = "-M";
	c->argv[n++] = "pc";
	c->argv[n++] = "-m";
	c->argv[n++] = "256M";
	c->argv[n++] = "-accel";
	c->argv[n++] = c->accel;
	c->argv[n++] = "-display";
	c->argv[n++] = "none";
	c->argv[n++] = "-no-reboot";
	c->argv[n++] = "-nic";
	c->argv[n++] = "none";
	c->argv[n++] = "-monitor";
	c->argv[n++] = "none";
	c->argv[n++] = "-serial";
	c->argv[n++] = c->serial;
	c->argv[n++] = "-kernel";
	c->argv[n++] = g->vmlinuz;
	c->argv[n++] = "-initrd";
	c->argv[n++] = g->initrd;
	c->argv[n++] = "-append";
	c->argv[n++] = c->append;
	c->argv[n++] = "-audiodev";
	c->argv[n++] = "none,id=snd0";
	c->argv[n++] = "-device";
	c->argv[n++] = "intel-hda";
	c->argv[n++] = "-device";
	c->argv[n++] = c->audio;
	c->argv[n] = NULL;
	c->argc = n;
}

/* Boot @initrd instead of the guest's initrd.cpio.gz. */
static inline void hg_cmd_initrd(struct hg_cmd *c, const char *initrd)
{
	int i;

	for (i = 0; i + 1 < c->argc; i++)
		if (!strcmp(c->argv[i], "-initrd"))
			c->argv[i + 1] = initrd;
}

static inline void hg_cmd_add(struct hg_cmd *c, const char *arg)
{
	if (c->argc < (int)(sizeof(c->argv) / sizeof(c->argv[0])) - 1) {
		c->argv[c->argc++] = arg;
		c->argv[c->argc] = NULL;
	}
}

static inline void hg_record_free(struct hg_record *r)
{
	free(r->send);
	free(r->unsol);
	free(r->mark);
	memset(r, 0, sizeof(*r));
}

/* "0x%08x" at @s -> @v; false when it is not a hex number. */
static inline bool hg_hex(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (strncmp(s, "0x", 2) || !((s[2] >= '0' && s[2] <= '9') ||
				     (s[2] >= 'a' && s[2] <= 'f')))
		return false;
	errno = 0;
	x = strtoul(s + 2, &end, 16);
	if (errno || x > 0xffffffffUL ||
	    (*end && *end != ',' && *end != ' ' && *end != '\n' &&
	     *end != '\r'))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* "[DEV:ADDR] " at @s: ADDR -> @addr, returns what follows, or NULL. */
static inline const char *hg_devaddr(const char *s, unsigned *addr)
{
	const char *close, *colon;
	char *end;
	unsigned long a;

	if (*s != '[' || !(close = strstr(s, "] ")))
		return NULL;
	colon = close;
	while (colon > s && *colon != ':')
		colon--;
	if (*colon != ':')
		return NULL;
	a = strtoul(colon + 1, &end, 10);
	if (end != close || a > 15)
		return NULL;
	*addr = (unsigned)a;
	return close + 2;
}

static inline int hg_push(void **arr, size_t *n, size_t size, const void *x)
{
	/* room for 16, then doubled whenever the count reaches a power of 2 */
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		void *na = realloc(*arr, (*n ? *n * 2 : 16) * size);

		if (!na)
			return -1;
		*arr = na;
	}
	memcpy((char *)*arr + *n * size, x, size);
	(*n)++;
	return 0;
}

/*
 * Parse the serial-console log @log of one boot into @r.  Returns 0, or -1
 * with a one-line reason in @err (no end marker, a line that names an hda
 * event but does not parse, a response with no command before it, a codec
 * address that is not the command's).
 */
static inline int hg_record_parse(const char *log, struct hg_record *r,
				  char *err, size_t errlen)
{
	const char *p = log, *e;
	bool in = false, ended = false;
	unsigned line = 0;

	memset(r, 0, sizeof(*r));
	r->entries = r->overrun = -1;
	for (; *p; p = *e ? e + 1 : e) {
		char buf[512];
		size_t n;
		const char *ev, *rest;
		unsigned addr;

		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		line++;
		n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (!strcmp(buf, HG_BEGIN)) {
			in = true;
			continue;
		}
		if (!strcmp(buf, HG_END)) {
			in = false;
			ended = true;
			continue;
		}
		if (!strncmp(buf, "MEMWIRE-HDA-GUEST trace ", 24)) {
			sscanf(buf + 24, "entries=%ld overrun=%ld", &r->entries,
			       &r->overrun);
			continue;
		}
		if (!in || buf[0] == '#')
			continue;
		if ((ev = strstr(buf, ": tracing_mark_write: "))) {
			struct hg_mark mk = {0};

			snprintf(mk.text, sizeof(mk.text), "%s", ev + 22);
			mk.at = r->nsend;
			mk.line = line;
			if (hg_push((void **)&r->mark, &r->nmark, sizeof(mk),
				    &mk))
				goto oom;
		} else if ((ev = strstr(buf, ": hda_send_cmd: "))) {
			struct hg_send s = {0};

			rest = hg_devaddr(ev + 16, &addr);
			if (!rest || strncmp(rest, "val=", 4) ||
			    !hg_hex(rest + 4, &s.verb))
				goto bad;
			if (s.verb >> 28 != addr) {
				hg_err(err, errlen,
				       "line %u: command 0x%08x sent to codec %u",
				       line, s.verb, addr);
				goto fail;
			}
			s.codec = addr;
			s.line = line;
			if (hg_push((void **)&r->send, &r->nsend, sizeof(s),
				    &s))
				goto oom;
		} else if ((ev = strstr(buf, ": hda_get_response: "))) {
			struct hg_send *last =
				r->nsend ? &r->send[r->nsend - 1] : NULL;
			uint32_t v;

			rest = hg_devaddr(ev + 20, &addr);
			if (!rest || strncmp(rest, "val=", 4) ||
			    !hg_hex(rest + 4, &v))
				goto bad;
			if (!last || last->has_response ||
			    last->codec != addr) {
				hg_err(err, errlen,
				       "line %u: response 0x%08x from codec %u "
				       "follows no command to it",
				       line, v, addr);
				goto fail;
			}
			last->has_response = true;
			last->response = v;
		} else if ((ev = strstr(buf, ": hda_unsol_event: "))) {
			struct hg_unsol u = {0};

			rest = hg_devaddr(ev + 19, &addr);
			if (!rest || strncmp(rest, "res=", 4) ||
			    !hg_hex(rest + 4, &u.res) ||
			    !(rest = strstr(rest, ", res_ex=")) ||
			    !hg_hex(rest + 9, &u.res_ex))
				goto bad;
			u.codec = addr;
			if (hg_push((void **)&r->unsol, &r->nunsol, sizeof(u),
				    &u))
				goto oom;
		} else if (strstr(buf, "hda_")) {
			goto bad;
		}
		continue;
bad:
		hg_err(err, errlen, "line %u: not a tracepoint line: %.80s",
		       line, buf);
		goto fail;
	}
	if (!ended) {
		hg_err(err, errlen,
		       "no '%s' line: the guest did not finish its record",
		       HG_END);
		goto fail;
	}
	return 0;
oom:
	hg_err(err, errlen, "out of memory");
fail:
	hg_record_free(r);
	return -1;
}

#endif /* MEMWIRE_HDA_GUEST_H */
