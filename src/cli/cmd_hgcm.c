/* SPDX-License-Identifier: MIT */
/*
 * cmd_hgcm.c - `memwire hgcm host | call | decode`: VirtualBox's HGCM call
 * path between real processes, and a decoder for raw VMMDev requests.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "hgcm/hgcm_i.h"
#include "memwire/hgcm.h"

enum {
	OPT_SOCKET = 0x200,
	OPT_RAM,
	OPT_32,
	OPT_TIMEOUT,
	OPT_HEX,
};

int hgcm_default_socket(char *buf, size_t len, const char *name)
{
	/* the run directory of regions: created 0700, checked to be ours */
	if (mw_default_region_path(name, buf, len))
		return fail("%s", mw_last_error());
	return 0;
}

static int default_socket(char *buf, size_t len)
{
	return hgcm_default_socket(buf, len, "hgcm.sock");
}

int hgcm_host_opt(struct hgcm_host_cli *h, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 0x180:
		h->socket = arg;
		return 1;
	case 0x181:
		if (parse_u64(arg, "--allow-uid", false, &v))
			return EXIT_USAGE;
		if (h->n_uids == sizeof(h->uids) / sizeof(h->uids[0]))
			return usage_error("at most 16 --allow-uid");
		h->uids[h->n_uids++] = (unsigned long)v;
		return 1;
	case 0x182:
		if (parse_u64(arg, "--workers", false, &v))
			return EXIT_USAGE;
		if (v < 1 || v > 64)
			return usage_error("--workers %s: 1..64", arg);
		h->workers = (unsigned)v;
		return 1;
	case 0x183:
		if (parse_u64(arg, "--ram-max", true, &v))
			return EXIT_USAGE;
		h->ram_max = v;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ host */

static struct hgcm_host *running_host;

static void on_stop(int sig)
{
	if (running_host)
		hgcm_host_stop(running_host);
}

static int do_host(int argc, char **argv)
{
	static const struct option opts[] = {
		HGCM_HOST_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct hgcm_host_cli hc = { 0 };
	struct hgcm_host_opts ho = { 0 };
	struct hgcm_host_stats st;
	uid_t uids[16];
	unsigned i;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = hgcm_host_opt(&hc, c, optarg);
		if (rc == EXIT_USAGE)
			return rc;
		if (!rc)
			return usage_error("hgcm host: unknown option");
	}
	if (optind < argc)
		return usage_error("hgcm host: unexpected argument '%s'",
				   argv[optind]);
	for (i = 0; i < hc.n_uids; i++)
		uids[i] = (uid_t)hc.uids[i];
	ho.allow_uids = uids;
	ho.n_allow_uids = hc.n_uids;
	ho.workers = hc.workers;
	ho.ram_max = hc.ram_max;
	ho.socket_path = hc.socket;
	if (!ho.socket_path) {
		if ((rc = default_socket(hc.path, sizeof(hc.path))))
			return rc;
		ho.socket_path = hc.path;
	}
	running_host = hgcm_host_new(&ho);
	if (!running_host)
		return fail("%s", mw_last_error());
	if ((rc = hgcm_host_register_echo(running_host))) {
		hgcm_host_free(running_host);
		return fail_lib(rc);
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "%s: hgcm host listening on %s (services: "
		"memwire.echo)\n", progname, ho.socket_path);
	rc = hgcm_host_run(running_host);
	hgcm_host_get_stats(running_host, &st);
	hgcm_host_free(running_host);
	running_host = NULL;
	if (rc)
		return fail("%s", mw_last_error());
	print_str("socket", "socket %s\n", ho.socket_path);
	print_u64("guests", "guests %llu\n", st.guests);
	print_u64("requests", "requests %llu\n", st.requests);
	print_u64("calls", "calls %llu\n", st.calls);
	print_u64("rejected", "rejected %llu\n", st.rejected);
	print_u64("cancelled", "cancelled %llu\n", st.cancelled);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ call */

struct arg_buf {
	void *data;
	bool out;
	const char *kind;
};

/* Read all of @path; past @max bytes, refuse it (or keep the first @max
 * when @truncate: a request is never longer than 1 MiB anyway). */
static int read_file(const char *path, void **data, size_t *len, size_t max,
		     bool truncate)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, r;
	char *b, *nb;
	int err = 0;

	if (!f)
		return -errno;
	b = malloc(cap + 1);
	while (b && (r = fread(b + n, 1, cap + 1 - n, f)) > 0) {
		n += r;
		if (n > max) {
			if (truncate)
				n = max;
			else
				err = EFBIG;
			break;
		}
		if (n == cap + 1) {
			nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (!b)
		err = ENOMEM;
	else if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		free(b);
		return -err;
	}
	*data = b;
	*len = n;
	return 0;
}

static void print_buffer(const char *key, const uint8_t *p, uint32_t n,
			 bool hex)
{
	uint32_t i, len = n;
	bool text = !hex;
	char *s;

	/* text when printable up to trailing NULs (a zero-filled OUT tail) */
	while (text && len && !p[len - 1])
		len--;
	if (text && len < n)
		n = len;
	for (i = 0; i < n && text; i++)
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
			text = false;
	s = malloc((size_t)n * 2 + 1);
	if (!s)
		return;
	if (text) {
		memcpy(s, p, n);
		s[n] = '\0';
		print_str(key, " \"%s\"", s);
	} else {
		for (i = 0; i < n; i++)
			sprintf(s + 2 * i, "%02x", p[i]);
		s[2 * n] = '\0';
		print_str(key, " %s", s);
	}
	free(s);
}

static int do_call(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "ram", required_argument, NULL, OPT_RAM },
		{ "32", no_argument, NULL, OPT_32 },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "hex", no_argument, NULL, OPT_HEX },
		{ NULL, 0, NULL, 0 },
	};
	struct hgcm_parm parms[VMMDEV_MAX_HGCM_PARMS];
	struct arg_buf bufs[VMMDEV_MAX_HGCM_PARMS];
	const char *sock = NULL, *service;
	uint64_t ram = 0, fn, v;
	unsigned flags = 0;
	struct hgcm_guest *g;
	char path[600];
	int timeout = 10000, c, i, n, rc, ret = EXIT_OK;
	bool hex = false;
	int64_t id;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			sock = optarg;
			break;
		case OPT_RAM:
			if (parse_u64(optarg, "--ram", true, &ram))
				return EXIT_USAGE;
			break;
		case OPT_32:
			flags |= HGCM_CALL_32BIT;
			break;
		case OPT_TIMEOUT:
			if (parse_ms(optarg, "--timeout", &timeout))
				return EXIT_USAGE;
			break;
		case OPT_HEX:
			hex = true;
			break;
		default:
			return usage_error("hgcm call: unknown option");
		}
	}
	if (argc - optind < 2)
		return usage_error("hgcm call: SERVICE FUNCTION [ARG...] needed");
	service = argv[optind];
	if (parse_u64(argv[optind + 1], "FUNCTION", false, &fn))
		return EXIT_USAGE;
	if (fn > UINT32_MAX)
		return usage_error("hgcm call: FUNCTION '%s' is not a u32",
				   argv[optind + 1]);
	n = argc - optind - 2;
	if (n > (int)VMMDEV_MAX_HGCM_PARMS)
		return usage_error("hgcm call: %d arguments, at most 32", n);
	memset(parms, 0, sizeof(parms));
	memset(bufs, 0, sizeof(bufs));
	for (i = 0; i < n; i++) {
		const char *a = argv[optind + 2 + i];
		const char *colon = strchr(a, ':'), *at = strchr(a, '@');
		size_t klen = colon ? (size_t)(colon - a) : 0;
		size_t flen;
		void *data;

		if (colon && !strncmp(a, "u32", klen) && klen == 3) {
			if (parse_u64(colon + 1, "u32", false, &v))
				return EXIT_USAGE;
			if (v > UINT32_MAX)
				return usage_error("argument %d: '%s' is not a u32",
						   i, a);
			parms[i].type = HGCM_PARM_32BIT;
			parms[i].u.u32 = (uint32_t)v;
			bufs[i].kind = "u32";
		} else if (colon && !strncmp(a, "u64", klen) && klen == 3) {
			if (parse_u64(colon + 1, "u64", false, &v))
				return EXIT_USAGE;
			parms[i].type = HGCM_PARM_64BIT;
			parms[i].u.u64 = v;
			bufs[i].kind = "u64";
		} else if (colon && klen == 3 && !strncmp(a, "out", 3)) {
			if (parse_u64(colon + 1, "out size", true, &v))
				return EXIT_USAGE;
			if (v > VMMDEV_MAX_HGCM_DATA_SIZE)
				return usage_error("argument %d: '%s': out:SIZE "
						   "up to 128M", i, a);
			parms[i].type = HGCM_PARM_LINADDR_OUT;
			parms[i].u.buf.size = (uint32_t)v;
			parms[i].u.buf.ptr = bufs[i].data = calloc(1, v + 1);
			bufs[i].out = true;
			bufs[i].kind = "out";
		} else if (colon && ((klen == 2 && !strncmp(a, "in", 2)) ||
				     (klen == 5 && !strncmp(a, "inout", 5)))) {
			parms[i].type = klen == 2 ? HGCM_PARM_LINADDR_IN
						  : HGCM_PARM_LINADDR;
			parms[i].u.buf.size = (uint32_t)strlen(colon + 1);
			parms[i].u.buf.ptr = bufs[i].data = strdup(colon + 1);
			bufs[i].out = klen == 5;
			bufs[i].kind = klen == 2 ? "in" : "inout";
		} else if (at && ((at - a == 2 && !strncmp(a, "in", 2)) ||
				  (at - a == 5 && !strncmp(a, "inout", 5)))) {
			rc = read_file(at + 1, &data, &flen,
				       VMMDEV_MAX_HGCM_DATA_SIZE, false);
			if (rc)
				return fail("argument %d: %s: %s", i, at + 1,
					    strerror(-rc));
			parms[i].type = at - a == 2 ? HGCM_PARM_LINADDR_IN
						    : HGCM_PARM_LINADDR;
			parms[i].u.buf.size = (uint32_t)flen;
			parms[i].u.buf.ptr = bufs[i].data = data;
			bufs[i].out = at - a == 5;
			bufs[i].kind = at - a == 2 ? "in" : "inout";
		} else {
			return usage_error("argument %d: '%s': use u32:N, u64:N, "
					   "in:TEXT, in@FILE, inout:TEXT, "
					   "inout@FILE or out:SIZE", i, a);
		}
	}
	if (!sock) {
		if ((rc = default_socket(path, sizeof(path))))
			return rc;
		sock = path;
	}
	g = hgcm_guest_open(sock, ram);
	if (!g) {
		ret = fail("%s", mw_last_error());
		goto out;
	}
	id = hgcm_connect(g, service, timeout);
	if (id < 0) {
		ret = fail("connect to %s: %s", service,
			   hgcm_status_name((int)id));
		hgcm_guest_close(g);
		goto out;
	}
	rc = hgcm_call(g, (uint32_t)id, (uint32_t)fn, parms, (uint32_t)n,
		       timeout, flags);
	print_str("service", "service %s", service);
	print_u64("client_id", " client %llu", (unsigned long long)id);
	print_u64("function", " function %llu\n", (unsigned long long)fn);
	print_i64("result", "result %lld", rc);
	print_str("result_name", " (%s)\n", hgcm_status_name(rc));
	open_array("parameters");
	for (i = 0; i < n; i++) {
		open_object(NULL);
		print_u64("index", "  [%llu]", (unsigned long long)i);
		print_str("type", " %s", bufs[i].kind);
		if (parms[i].type == HGCM_PARM_32BIT)
			print_u64("value", " %llu", parms[i].u.u32);
		else if (parms[i].type == HGCM_PARM_64BIT)
			print_u64("value", " %llu",
				  (unsigned long long)parms[i].u.u64);
		else {
			print_u64("size", " %llu bytes", parms[i].u.buf.size);
			if (bufs[i].out)
				print_buffer("data", bufs[i].data,
					     parms[i].u.buf.size, hex);
		}
		print_text("\n");
		close_object();
	}
	close_array();
	hgcm_disconnect(g, (uint32_t)id, timeout);
	hgcm_guest_close(g);
	if (rc < 0)
		ret = fail_keep("%s function %llu: %s", service,
				(unsigned long long)fn, hgcm_status_name(rc));
out:
	for (i = 0; i < n; i++)
		free(bufs[i].data);
	return ret;
}

/* ---------------------------------------------------------------- decode */

static const char *dir_name(uint32_t d)
{
	static const char *const n[] = { "none", "to_host", "from_host", "both" };

	return d < 4 ? n[d] : "invalid";
}

static void decode_parms(const uint8_t *b, size_t len, const struct mwh_req *r)
{
	uint32_t cparms = r->cparms, psize = r->parm_size, i, k;

	if (cparms > VMMDEV_MAX_HGCM_PARMS)
		cparms = VMMDEV_MAX_HGCM_PARMS;
	open_array("parameters");
	for (i = 0; i < cparms && 44 + (i + 1) * psize <= len; i++) {
		const uint8_t *q = b + 44 + i * psize;
		uint32_t type = mwh_ld32(q), a = mwh_ld32(q + 4);
		const char *tn = hgcm_parm_type_name(type);

		open_object(NULL);
		print_u64("index", "  [%llu]", i);
		print_u64("type", " type %llu", type);
		print_str("type_name", " (%s)", tn ? tn : "unknown");
		if (type == HGCM_PARM_32BIT) {
			print_u64("value", " value %llu", a);
		} else if (type == HGCM_PARM_64BIT) {
			print_u64("value", " value %llu",
				  (unsigned long long)mwh_ld64(q + 4));
		} else if (type == HGCM_PARM_EMBEDDED) {
			print_u64("size", " size %llu", mwh_ld32(q + 8));
			print_u64("offset", " offData %llu", a >> 8);
			print_str("direction", " %s", dir_name(a & 0xff));
		} else if (type == HGCM_PARM_PAGELIST ||
			   type == HGCM_PARM_CONTIGUOUS_PAGELIST ||
			   type == HGCM_PARM_NO_BOUNCE_PAGELIST) {
			uint32_t off = mwh_ld32(q + 8);

			print_u64("size", " size %llu", a);
			print_u64("offset", " at %llu", off);
			if (off <= len && len - off >= 8) {
				const uint8_t *pl = b + off;
				uint16_t cp = (uint16_t)(pl[6] | pl[7] << 8);

				print_str("direction", " %s",
					  dir_name(mwh_ld32(pl)));
				print_u64("offset_first_page", " +%llu",
					  (unsigned)(pl[4] | pl[5] << 8));
				print_u64("page_count", " %llu pages", cp);
				open_array("pages");
				for (k = 0; k < cp && off + 8 + 8 * (k + 1) <= len &&
					    k < 4096; k++)
					print_u64(NULL, " 0x%llx",
						  (unsigned long long)mwh_ld64(
							  pl + 8 + 8 * k));
				close_array();
			}
		} else if (psize == HGCM_PARM64_SIZE) {
			print_u64("size", " size %llu", a);
			print_u64("address", " 0x%llx",
				  (unsigned long long)mwh_ld64(q + 8));
		} else {
			print_u64("size", " size %llu", a);
			print_u64("address", " 0x%llx", mwh_ld32(q + 8));
		}
		print_text("\n");
		close_object();
	}
	close_array();
}

static int do_decode(int argc, char **argv)
{
	struct mwh_req r;
	char err[200];
	const char *tn;
	void *data;
	size_t len;
	uint8_t *b;
	int rc;

	if (argc != 2)
		return usage_error("hgcm decode: FILE needed");
	rc = read_file(argv[1], &data, &len, 2u << 20, true);
	if (rc)
		return fail("%s: %s", argv[1], strerror(-rc));
	b = data;
	rc = mwh_parse(b, len, 0, &r, err, sizeof(err));
	if (len < 24) {
		print_u64("file_size", "file %llu bytes\n", len);
		print_null("size", NULL, NULL);
		print_null("version", NULL, NULL);
		print_null("type", NULL, NULL);
		print_null("type_name", NULL, NULL);
	} else {
		tn = hgcm_req_type_name(r.type);
		print_u64("size", "size %llu", r.size);
		print_u64("version", " version 0x%llx", r.version);
		print_u64("type", " type %llu", r.type);
		if (tn)
			print_str("type_name", " (%s)\n", tn);
		else
			print_null("type_name", " (%s)\n", "unknown");
		print_i64("rc", "rc %lld", r.rc);
		print_u64("requestor", " requestor 0x%llx\n", r.requestor);
		if (mwh_is_hgcm(r.type) && len >= 32) {
			r.flags = mwh_ld32(b + 24);
			print_u64("flags", "flags 0x%llx", r.flags);
			print_bool("done", " done=%s",
				   r.flags & VBOX_HGCM_REQ_DONE);
			print_bool("cancelled", " cancelled=%s",
				   r.flags & VBOX_HGCM_REQ_CANCELLED);
			print_i64("result", " result %lld\n",
				  (int32_t)mwh_ld32(b + 28));
		}
		if (r.type == VMMDEVREQ_HGCM_CONNECT && len >= 168) {
			char name[129];

			memcpy(name, b + 36, 128);
			name[128] = '\0';
			print_u64("location", "location %llu", mwh_ld32(b + 32));
			print_str("service", " service \"%s\"", name);
			print_u64("client_id", " client %llu\n", mwh_ld32(b + 164));
		} else if (r.type == VMMDEVREQ_HGCM_DISCONNECT && len >= 36) {
			print_u64("client_id", "client %llu\n", mwh_ld32(b + 32));
		} else if ((r.type == VMMDEVREQ_HGCM_CALL32 ||
			    r.type == VMMDEVREQ_HGCM_CALL64) && len >= 44) {
			r.client_id = mwh_ld32(b + 32);
			r.function = mwh_ld32(b + 36);
			r.cparms = mwh_ld32(b + 40);
			r.parm_size = r.type == VMMDEVREQ_HGCM_CALL32
					      ? HGCM_PARM32_SIZE
					      : HGCM_PARM64_SIZE;
			print_u64("client_id", "client %llu", r.client_id);
			print_u64("function", " function %llu", r.function);
			print_u64("cparms", " cParms %llu\n", r.cparms);
			decode_parms(b, len, &r);
		} else if (r.type == VMMDEVREQ_HGCM_CANCEL2 && len >= 28) {
			print_u64("phys_to_cancel", "cancel 0x%llx\n",
				  mwh_ld32(b + 24));
		} else if (r.type == VMMDEVREQ_REPORT_GUEST_INFO && len >= 32) {
			print_u64("interface_version", "interface 0x%llx",
				  mwh_ld32(b + 24));
			print_u64("os_type", " os 0x%llx\n", mwh_ld32(b + 28));
		}
	}
	print_bool("valid", "valid %s", rc == VINF_SUCCESS);
	if (rc == VINF_SUCCESS) {
		print_null("error", "\n", NULL);
		print_null("status", NULL, NULL);
	} else {
		print_str("error", ": %s", err);
		print_str("status", " (%s)\n", hgcm_status_name(rc));
	}
	free(data);
	return EXIT_OK;
}

static const struct cmd cmds[] = {
	{ "host", do_host, HGCM_HOST_OPTS_USAGE,
	  "serve guests: VMMDev requests, HGCM, the memwire.echo service" },
	{ "call", do_call,
	  "[--socket PATH] [--32] [--timeout MS] SERVICE FUNCTION "
	  "[u32:N | u64:N | in:TEXT | in@FILE | inout:TEXT | out:SIZE]...",
	  "connect as a guest and call a service function" },
	{ "decode", do_decode, "FILE",
	  "decode a raw VMMDev request field by field and validate it" },
	{ NULL, NULL, NULL, NULL },
};

int do_hgcm(int argc, char **argv)
{
	return cmd_select(cmds, "hgcm", argc - 1, argv + 1);
}
