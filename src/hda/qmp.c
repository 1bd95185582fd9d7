/* SPDX-License-Identifier: MIT */
/*
 * qmp.c - guest memory over QEMU's QMP socket (hda.md 3.3).
 *
 *   <- {"QMP": {"version": ..., "capabilities": [...]}}     greeting
 *   -> {"execute": "qmp_capabilities"}                       <- {"return": {}}
 *   -> {"execute": "human-monitor-command", "id": "mw-7",
 *       "arguments": {"command-line": "xp /256xw 0x1f7fe000"}}
 *   <- {"return": "000000001f7fe000: 0x000f0000 0x...\r\n...", "id": "mw-7"}
 *
 * One JSON object a line; asynchronous {"event": ...} lines may come in
 * between and are skipped; replies are matched by "id".  The client is
 * synchronous: the trace reader waits for the memory it asked for.
 *
 * Why "xp" and not "pmemsave": pmemsave makes QEMU write a file, so the
 * path must be one QEMU can write and we can read (QEMU may run as another
 * user, under a sandbox or in another mount namespace), a temporary file
 * must be created and removed for every read, and HMP-typed paths need
 * quoting.  xp returns the words in the reply itself.  The cost is parsing
 * text, which is done strictly: every value is "0x" + hex digits of the
 * word's width, the count must be exactly the count asked for, and a line
 * "Cannot access memory" (xp outside RAM, QEMU 7.2) is -EFAULT.
 *
 * The RAM layout (to refuse reads outside guest RAM before asking) comes
 * from query-memory-size-summary and the machine's type and
 * max-ram-below-4g (QOM), with the rules of ram.c.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/core_i.h"
#include "hda/capture_i.h"

#define QMP_LINE_MAX (1u << 20)
#define XP_CHUNK 4096

struct qmp_mem {
	struct hda_mem m;
	int fd;
	char *buf;
	size_t have;
	unsigned id;
	int timeout_ms;
	bool dead;
	char path[108];
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int gone(struct qmp_mem *q)
{
	q->dead = true;
	return mw_err(-EPIPE, "QMP socket %s: QEMU closed it", q->path);
}

/* The next message, or -errno. */
static int recv_msg(struct qmp_mem *q, json_t **out)
{
	double deadline = now_ms() + q->timeout_ms;
	json_error_t jerr;

	if (q->dead)
		return mw_err(-EPIPE, "QMP socket %s is closed", q->path);
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->have);
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		ssize_t n;
		int left;

		if (nl) {
			size_t len = (size_t)(nl - q->buf);
			json_t *j = json_loadb(q->buf, len, 0, &jerr);

			memmove(q->buf, nl + 1, q->have - len - 1);
			q->have -= len + 1;
			if (!j || !json_is_object(j)) {
				json_decref(j);
				return mw_err(-EPROTO,
					      "QMP socket %s: not a JSON "
					      "object: %s",
					      q->path, jerr.text);
			}
			*out = j;
			return 0;
		}
		if (q->have == QMP_LINE_MAX)
			return mw_err(-EPROTO,
				      "QMP socket %s: a message longer than "
				      "%u bytes",
				      q->path, QMP_LINE_MAX);
		left = (int)(deadline - now_ms());
		if (left <= 0)
			return mw_err(-ETIMEDOUT,
				      "QMP socket %s: no reply within %d ms",
				      q->path, q->timeout_ms);
		n = poll(&pfd, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		n = read(q->fd, q->buf + q->have, QMP_LINE_MAX - q->have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno != ECONNRESET)
			return mw_errno("QMP socket %s", q->path);
		if (n <= 0)
			return gone(q);
		q->have += (size_t)n;
	}
}

static int send_all(struct qmp_mem *q, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return gone(q);
		if (n < 0)
			return mw_errno("QMP socket %s", q->path);
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Run @cmd (an object with "execute"; consumed) and return its "return"
 * member (a new reference) in *@ret.
 */
static int execute(struct qmp_mem *q, json_t *cmd, json_t **ret)
{
	char id[32], *text;
	const char *what;
	int err;

	if (!cmd)
		return mw_err(-ENOMEM, "out of memory");
	what = json_string_value(json_object_get(cmd, "execute"));
	snprintf(id, sizeof(id), "mw-%u", ++q->id);
	json_object_set_new(cmd, "id", json_string(id));
	text = json_dumps(cmd, JSON_COMPACT);
	if (!text) {
		json_decref(cmd);
		return mw_err(-ENOMEM, "out of memory");
	}
	{
		size_t n = strlen(text);
		char *line = malloc(n + 2);

		if (!line) {
			free(text);
			json_decref(cmd);
			return mw_err(-ENOMEM, "out of memory");
		}
		memcpy(line, text, n);
		memcpy(line + n, "\n", 2);
		err = send_all(q, line, n + 1);
		free(line);
	}
	free(text);
	while (!err) {
		json_t *m, *r, *e, *mid;

		err = recv_msg(q, &m);
		if (err)
			break;
		mid = json_object_get(m, "id");
		if (mid && (!json_is_string(mid) ||
			    strcmp(json_string_value(mid), id))) {
			json_decref(m);
			continue; /* a stale reply */
		}
		r = json_object_get(m, "return");
		e = json_object_get(m, "error");
		if (r) {
			if (ret)
				*ret = json_incref(r);
			json_decref(m);
			break;
		}
		if (e) {
			const char *desc =
				json_string_value(json_object_get(e, "desc"));

			err = mw_err(-EREMOTEIO, "QMP %s: %s",
				     what ? what : "command",
				     desc ? desc : "error");
			json_decref(m);
			break;
		}
		json_decref(m); /* an event */
	}
	json_decref(cmd);
	return err;
}

/* "0x" + hex digits -> value; advances *p. */
static bool xp_value(const char **p, const char *end, unsigned digits,
		     uint64_t *v)
{
	const char *s = *p;
	unsigned n = 0;

	*v = 0;
	if (end - s < 2 || s[0] != '0' || s[1] != 'x')
		return false;
	s += 2;
	while (s < end) {
		char c = *s;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (++n > digits)
			return false;
		*v = *v << 4 | d;
		s++;
	}
	*p = s;
	return n == digits;
}

/*
 * Parse xp output: lines "ADDR: 0xVAL 0xVAL ...", @count values of
 * @wsize bytes each, stored little-endian into @buf.
 */
static int parse_xp(struct qmp_mem *q, const char *out, unsigned wsize,
		    size_t count, uint8_t *buf, uint64_t gpa)
{
	const char *p = out, *end = out + strlen(out);
	size_t got = 0;

	if (strstr(out, "Cannot access memory"))
		return mw_err(-EFAULT,
			      "0x%llx: QEMU cannot access guest memory there",
			      (unsigned long long)gpa);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon;

		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon) {
			if (eol - p > 1 || (eol > p && *p != '\r'))
				goto bad;
			p = eol + 1;
			continue;
		}
		p = colon + 1;
		while (p < eol && *p == ' ') {
			uint64_t v;
			unsigned i;

			p++;
			if (p == eol || *p == '\r')
				break;
			if (got == count || !xp_value(&p, eol, wsize * 2, &v))
				goto bad;
			for (i = 0; i < wsize; i++)
				buf[got * wsize + i] = (uint8_t)(v >> (8 * i));
			got++;
		}
		while (p < eol && *p == '\r')
			p++;
		if (p != eol)
			goto bad;
		p = eol + 1;
	}
	if (got != count)
		goto bad;
	return 0;
bad:
	return mw_err(-EPROTO,
		      "QMP xp at 0x%llx: unexpected output (%zu of %zu values "
		      "read): '%.60s'",
		      (unsigned long long)gpa, got, count, out);
}

static int qmp_read(struct hda_mem *m, uint64_t gpa, void *buf, size_t len)
{
	struct qmp_mem *q = (struct qmp_mem *)m;
	uint8_t *b = buf;
	int64_t off;
	int err;

	off = hda_mem_offset(m, gpa, len);
	if (off < 0)
		return (int)off;
	while (len) {
		size_t n = len > XP_CHUNK ? XP_CHUNK : len;
		unsigned ws = gpa % 4 == 0 && n % 4 == 0 ? 4 : 1;
		char line[96];
		json_t *r = NULL;

		snprintf(line, sizeof(line), "xp /%zux%c 0x%llx", n / ws,
			 ws == 4 ? 'w' : 'b', (unsigned long long)gpa);
		err = execute(q,
			      json_pack("{s:s, s:{s:s}}", "execute",
					"human-monitor-command", "arguments",
					"command-line", line),
			      &r);
		if (err)
			return err;
		if (!json_is_string(r)) {
			json_decref(r);
			return mw_err(-EPROTO, "QMP xp: the reply is no string");
		}
		err = parse_xp(q, json_string_value(r), ws, n / ws, b, gpa);
		json_decref(r);
		if (err)
			return err;
		b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static int qmp_command(struct hda_mem *m, const char *text, char **reply)
{
	struct qmp_mem *q = (struct qmp_mem *)m;
	json_error_t jerr;
	json_t *cmd = json_loads(text, 0, &jerr), *r = NULL;
	int err;

	if (!cmd || !json_is_object(cmd)) {
		json_decref(cmd);
		return mw_err(-EINVAL, "QMP command is no JSON object: %s",
			      text);
	}
	err = execute(q, cmd, &r);
	if (err)
		return err;
	if (reply)
		*reply = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(r);
	return 0;
}

static void qmp_close(struct hda_mem *m)
{
	struct qmp_mem *q = (struct qmp_mem *)m;

	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q);
}

static int qom_u64(struct qmp_mem *q, const char *path, const char *prop,
		   uint64_t *v)
{
	json_t *r = NULL;
	int err = execute(q,
			  json_pack("{s:s, s:{s:s, s:s}}", "execute", "qom-get",
				    "arguments", "path", path, "property",
				    prop),
			  &r);

	if (!err && !json_is_integer(r))
		err = -EPROTO;
	if (!err)
		*v = (uint64_t)json_integer_value(r);
	json_decref(r);
	return err;
}

/* Learn the RAM layout; an unknown machine leaves it unknown. */
static int learn_layout(struct qmp_mem *q)
{
	json_t *r = NULL;
	const char *type;
	enum hda_machine mach;
	uint64_t ram, below = 0, low;
	int err;

	err = execute(q, json_pack("{s:s}", "execute",
				   "query-memory-size-summary"),
		      &r);
	if (err == -EPIPE || err == -ETIMEDOUT)
		return err;
	if (err || !json_is_integer(json_object_get(r, "base-memory"))) {
		json_decref(r);
		return 0;
	}
	ram = (uint64_t)json_integer_value(json_object_get(r, "base-memory"));
	json_decref(r);
	r = NULL;
	err = execute(q,
		      json_pack("{s:s, s:{s:s, s:s}}", "execute", "qom-get",
				"arguments", "path", "/machine", "property",
				"type"),
		      &r);
	if (err == -EPIPE || err == -ETIMEDOUT)
		return err;
	type = json_string_value(r);
	if (err || !type || hda_machine_parse(type, &mach)) {
		json_decref(r);
		return 0;
	}
	snprintf(q->m.desc, sizeof(q->m.desc), "QMP %s (%s, 0x%llx bytes)",
		 q->path, type, (unsigned long long)ram);
	json_decref(r);
	err = qom_u64(q, "/machine", "max-ram-below-4g", &below);
	if (err == -EPIPE || err == -ETIMEDOUT)
		return err;
	if (hda_mem_ram_layout(mach, ram, err ? 0 : below, &low))
		return 0;
	q->m.low = low;
	q->m.high = ram - low;
	q->m.layout_known = true;
	return 0;
}

int hda_mem_open_qmp(const char *sock_path, int timeout_ms,
		     struct hda_mem **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double deadline = now_ms() + timeout_ms;
	struct qmp_mem *q;
	json_t *greet;
	int err;

	mw_clear_error();
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return mw_err(-ENAMETOOLONG, "QMP socket path %s is too long",
			      sock_path);
	q = calloc(1, sizeof(*q));
	if (!q)
		return mw_err(-ENOMEM, "out of memory");
	q->buf = malloc(QMP_LINE_MAX);
	if (!q->buf) {
		free(q);
		return mw_err(-ENOMEM, "out of memory");
	}
	q->timeout_ms = timeout_ms;
	snprintf(q->path, sizeof(q->path), "%s", sock_path);
	strcpy(sa.sun_path, sock_path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			err = mw_errno("socket");
			goto err_free;
		}
		if (!connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		err = -errno;
		close(q->fd);
		q->fd = -1;
		/* QEMU may still be starting: the socket appears soon. */
		if ((err != -ENOENT && err != -ECONNREFUSED) ||
		    now_ms() >= deadline) {
			err = mw_err(err, "QMP socket %s: %s", sock_path,
				     strerror(-err));
			goto err_free;
		}
		usleep(20000);
	}
	q->m.read = qmp_read;
	q->m.command = qmp_command;
	q->m.close = qmp_close;
	snprintf(q->m.desc, sizeof(q->m.desc), "QMP %s", sock_path);
	err = recv_msg(q, &greet);
	if (err)
		goto err_close;
	if (!json_is_object(json_object_get(greet, "QMP"))) {
		json_decref(greet);
		err = mw_err(-EPROTO, "QMP socket %s: no QMP greeting",
			     sock_path);
		goto err_close;
	}
	json_decref(greet);
	err = execute(q, json_pack("{s:s}", "execute", "qmp_capabilities"),
		      NULL);
	if (err)
		goto err_close;
	err = learn_layout(q);
	if (err)
		goto err_close;
	*out = &q->m;
	return 0;

err_close:
	qmp_close(&q->m);
	return err;
err_free:
	free(q->buf);
	free(q);
	return err;
}
