/* SPDX-License-Identifier: MIT */
/*
 * cmd_shfl_client.c - `memwire shfl ls | cat | put | stat --socket PATH
 * SHARE PATH...`: a share without FUSE, through the client library
 * (src/shfl/client.c), for scripts and for looking at what a host answers.
 *
 * Paths are the share's ("/dir/file"; a missing leading slash is added).
 * ls and stat print a table, or the same data with -j; cat writes the
 * files' bytes (with -j: their size and hex); put writes stdin to a file,
 * created or replaced.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shfl_cli.h"
#include "memwire/shfl.h"

#define IOBUF (1u << 20)

struct session {
	struct shfl_client *c;
	uint32_t root;
	const char *share;
};

/* --socket PATH [--timeout MS] SHARE ...; returns optind of the first
 * operand after SHARE, or minus an exit code. */
static int open_session(const char *verb, int argc, char **argv,
			struct session *s)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL;
	int c, ret, timeout = SHFL_CLIENT_TIMEOUT_MS;

	memset(s, 0, sizeof(*s));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:t:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 't':
			if (parse_ms(optarg, "--timeout", &timeout))
				return -EXIT_USAGE;
			break;
		default:
			return -usage_error("shfl %s: unknown option '%s' "
					    "(expected --socket PATH, --timeout "
					    "MS)",
					    verb, argv[optind - 1]);
		}
	}
	if (!sock)
		return -usage_error("shfl %s: --socket PATH is required", verb);
	if (optind >= argc)
		return -usage_error("shfl %s: expected SHARE", verb);
	s->share = argv[optind++];
	ret = shfl_client_open(sock, 0, 0, &s->c);
	if (ret)
		return -fail("%s", mw_last_error());
	shfl_client_set_timeout(s->c, timeout);
	ret = shfl_map_folder(s->c, s->share, &s->root);
	if (ret) {
		ret = fail("%s", mw_last_error());
		shfl_client_close(s->c);
		s->c = NULL;
		return -ret;
	}
	return optind;
}

static void close_session(struct session *s)
{
	if (!s->c)
		return;
	if (!shfl_client_dead(s->c))
		shfl_unmap_folder(s->c, s->root);
	shfl_client_close(s->c);
	s->c = NULL;
}

/* "dir/x" -> "/dir/x" in @buf */
static const char *share_path(const char *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", p[0] == '/' ? "" : "/", p);
	return buf;
}

static const char *type_name(uint32_t mode)
{
	switch (mode & RTFS_TYPE_MASK) {
	case RTFS_TYPE_DIRECTORY:
		return "dir";
	case RTFS_TYPE_FILE:
		return "file";
	case RTFS_TYPE_SYMLINK:
		return "symlink";
	case RTFS_TYPE_FIFO:
		return "fifo";
	case RTFS_TYPE_DEV_CHAR:
		return "chardev";
	case RTFS_TYPE_DEV_BLOCK:
		return "blockdev";
	case RTFS_TYPE_SOCKET:
		return "socket";
	case 0:
		return mode & RTFS_DOS_DIRECTORY ? "dir" : "file";
	default:
		return "other";
	}
}

/* "2026-11-30 01:50:31" (UTC) */
static const char *time_text(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)(ns / 1000000000));
	return buf;
}

/* ---------------------------------------------------------------- ls */

static int list_dir(struct session *s, const char *path)
{
	struct shfl_createparms parms;
	void *buf;
	char tb[32];
	int end = 0, ret;
	unsigned total = 0;

	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_DIRECTORY | SHFL_CF_ACT_OPEN_IF_EXISTS |
			     SHFL_CF_ACT_FAIL_IF_NEW | SHFL_CF_ACCESS_READ;
	ret = shfl_create(s->c, s->root, path, &parms);
	if (ret)
		return fail("%s", mw_last_error());
	buf = malloc(IOBUF);
	if (!buf) {
		shfl_close(s->c, s->root, parms.handle);
		return fail("no memory for a directory listing");
	}
	open_object(NULL);
	print_str("path", "%s:\n", path);
	print_text("%-7s %6s %12s  %-19s  %s\n", "TYPE", "MODE", "SIZE",
		   "MODIFIED (UTC)", "NAME");
	open_array("entries");
	ret = 0;
	unsigned empty = 0;
	while (!end) {
		uint32_t len = IOBUF, count, off = 0;
		struct shfl_dirent d;
		int r;

		end = shfl_list(s->c, s->root, parms.handle, 0, NULL, buf, &len,
				&count);
		if (end < 0) {
			ret = fail_keep("%s: %s", path, mw_last_error());
			break;
		}
		while ((r = shfl_dirent_next(buf, len, &off, &d)) == 1) {
			open_object(NULL);
			print_str("type", "%-7s", type_name(d.info.attr.mode));
			print_u64("mode", " %6.4llo", d.info.attr.mode & 07777);
			print_i64("size", " %12lld", d.info.size);
			print_i64("mtime_ns", NULL, d.info.mtime_ns);
			print_text("  %-19s", time_text(d.info.mtime_ns, tb,
							sizeof(tb)));
			print_str("name", "  %s\n", d.name);
			close_object();
			total++;
		}
		if (r < 0) {
			ret = fail_keep("%s: %s", path, mw_last_error());
			break;
		}
		/* judged by what was parsed, not by the host's count */
		if (!end && off == 0 && ++empty > 16) {
			ret = fail_keep("%s: the host returned no entries and "
					"no end",
					path);
			break;
		}
		if (off)
			empty = 0;
	}
	close_array();
	print_u64("count", "%llu entries\n", total);
	close_object();
	free(buf);
	shfl_close(s->c, s->root, parms.handle);
	return ret;
}

int shfl_cmd_ls(int argc, char **argv)
{
	struct session s;
	char pb[4096];
	int idx, i, ret = EXIT_OK, r;

	idx = open_session("ls", argc, argv, &s);
	if (idx < 0)
		return -idx;
	open_array("directories");
	if (idx == argc)
		ret = list_dir(&s, "/");
	for (i = idx; i < argc && ret == EXIT_OK; i++) {
		if (i > idx)
			print_text("\n");
		r = list_dir(&s, share_path(argv[i], pb, sizeof(pb)));
		if (r)
			ret = r;
	}
	close_array();
	close_session(&s);
	return ret;
}

/* --------------------------------------------------------------- cat */

static int cat_one(struct session *s, const char *path)
{
	struct shfl_createparms parms;
	uint64_t off = 0;
	uint8_t *buf;
	int ret = EXIT_OK;

	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_ACT_OPEN_IF_EXISTS |
			     SHFL_CF_ACT_FAIL_IF_NEW | SHFL_CF_ACCESS_READ;
	if (shfl_create(s->c, s->root, path, &parms))
		return fail("%s", mw_last_error());
	if ((parms.info.attr.mode & RTFS_TYPE_MASK) == RTFS_TYPE_DIRECTORY) {
		shfl_close(s->c, s->root, parms.handle);
		return fail("%s: is a directory", path);
	}
	buf = malloc(IOBUF);
	if (!buf) {
		shfl_close(s->c, s->root, parms.handle);
		return fail("no memory for a read buffer");
	}
	if (json_output) {
		open_object(NULL);
		print_str("path", NULL, path);
		open_array("chunks");
	}
	for (;;) {
		ssize_t n = shfl_read(s->c, s->root, parms.handle, off, buf,
				      IOBUF);

		if (n < 0) {
			ret = fail("%s: %s", path, mw_last_error());
			break;
		}
		if (n == 0)
			break;
		if (json_output) {
			/* hex, so any bytes stay valid JSON */
			static const char hx[] = "0123456789abcdef";
			char *h = malloc((size_t)n * 2 + 1);
			ssize_t i;

			if (!h) {
				ret = fail("no memory for the hex text");
				break;
			}
			for (i = 0; i < n; i++) {
				h[2 * i] = hx[buf[i] >> 4];
				h[2 * i + 1] = hx[buf[i] & 15];
			}
			h[2 * n] = '\0';
			open_object(NULL);
			print_u64("offset", NULL, off);
			print_str("hex", NULL, h);
			close_object();
			free(h);
		} else if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			ret = fail("writing to stdout: %s", strerror(errno));
			break;
		}
		off += (uint64_t)n;
	}
	if (json_output) {
		close_array();
		print_u64("bytes", NULL, off);
		close_object();
	}
	free(buf);
	shfl_close(s->c, s->root, parms.handle);
	return ret;
}

int shfl_cmd_cat(int argc, char **argv)
{
	struct session s;
	char pb[4096];
	int idx, i, ret = EXIT_OK;

	idx = open_session("cat", argc, argv, &s);
	if (idx < 0)
		return -idx;
	if (idx == argc) {
		close_session(&s);
		return usage_error("shfl cat: expected SHARE PATH...");
	}
	/* -j: {"files": [{"path", "bytes", "chunks": [{offset, hex}]}]} */
	open_array("files");
	for (i = idx; i < argc && ret == EXIT_OK; i++)
		ret = cat_one(&s, share_path(argv[i], pb, sizeof(pb)));
	close_array();
	fflush(stdout);
	close_session(&s);
	return ret;
}

/* --------------------------------------------------------------- put */

int shfl_cmd_put(int argc, char **argv)
{
	struct shfl_createparms parms;
	struct session s;
	char pb[4096];
	const char *path;
	uint64_t off = 0;
	uint8_t *buf;
	int idx, ret = EXIT_OK;

	idx = open_session("put", argc, argv, &s);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1) {
		close_session(&s);
		return usage_error("shfl put: expected SHARE PATH (data on "
				   "stdin)");
	}
	path = share_path(argv[idx], pb, sizeof(pb));
	memset(&parms, 0, sizeof(parms));
	parms.create_flags = SHFL_CF_ACT_CREATE_IF_NEW |
			     SHFL_CF_ACT_OVERWRITE_IF_EXISTS |
			     SHFL_CF_ACCESS_WRITE;
	parms.info.attr.mode = RTFS_TYPE_FILE | 0644;
	parms.info.attr.additional = SHFL_FSOBJATTRADD_NOTHING;
	if (shfl_create(s.c, s.root, path, &parms)) {
		ret = fail("%s", mw_last_error());
		goto out;
	}
	buf = malloc(IOBUF);
	if (!buf) {
		ret = fail("no memory for a write buffer");
		goto out_close;
	}
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, IOBUF), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail("reading stdin: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		w = shfl_write(s.c, s.root, parms.handle, off, buf, (size_t)n);
		if (w < 0) {
			ret = fail("%s: %s", path, mw_last_error());
			break;
		}
		off += (uint64_t)w;
		if (w != n) {
			ret = fail("%s: the host took %zd of %zd bytes at "
				   "offset %llu: %s",
				   path, w, n, (unsigned long long)off,
				   mw_last_error());
			break;
		}
	}
	free(buf);
	if (ret == EXIT_OK) {
		print_str("path", "%s: ", path);
		print_u64("bytes", "%llu bytes written\n", off);
	}
out_close:
	shfl_close(s.c, s.root, parms.handle);
out:
	close_session(&s);
	return ret;
}

/* -------------------------------------------------------------- stat */

static void print_info(const char *path, const struct shfl_fsobjinfo *in)
{
	char tb[32];

	open_object(NULL);
	print_str("path", "%s\n", path);
	print_str("type", "  type      %s\n", type_name(in->attr.mode));
	print_u64("mode", "  mode      %06llo", in->attr.mode & 0xffff);
	print_u64("fmode", " (fMode 0x%08llx)\n", in->attr.mode);
	print_i64("size", "  size      %lld", in->size);
	print_i64("allocated", " (allocated %lld)\n", in->allocated);
	print_u64("nlink", "  links     %llu\n", in->attr.nlink);
	print_u64("ino", "  inode     %llu", in->attr.ino);
	print_u64("ino_dev", " (device %llu)\n", in->attr.ino_dev);
	print_u64("uid", "  host uid  %llu", in->attr.uid);
	print_u64("gid", " gid %llu\n", in->attr.gid);
	print_i64("atime_ns", NULL, in->atime_ns);
	print_text("  accessed  %s\n", time_text(in->atime_ns, tb, sizeof(tb)));
	print_i64("mtime_ns", NULL, in->mtime_ns);
	print_text("  modified  %s\n", time_text(in->mtime_ns, tb, sizeof(tb)));
	print_i64("ctime_ns", NULL, in->ctime_ns);
	print_text("  changed   %s\n", time_text(in->ctime_ns, tb, sizeof(tb)));
	print_i64("btime_ns", NULL, in->btime_ns);
	close_object();
}

int shfl_cmd_stat(int argc, char **argv)
{
	struct shfl_fsobjinfo info;
	struct session s;
	char pb[4096];
	int idx, i, ret = EXIT_OK;

	idx = open_session("stat", argc, argv, &s);
	if (idx < 0)
		return -idx;
	if (idx == argc) {
		close_session(&s);
		return usage_error("shfl stat: expected SHARE PATH...");
	}
	open_array("objects");
	for (i = idx; i < argc; i++) {
		const char *path = share_path(argv[i], pb, sizeof(pb));

		if (shfl_stat(s.c, s.root, path, &info)) {
			ret = fail("%s", mw_last_error());
			break;
		}
		print_info(path, &info);
	}
	close_array();
	close_session(&s);
	return ret;
}
