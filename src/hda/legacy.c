/* SPDX-License-Identifier: MIT */
/*
 * legacy.c - QemuHDADump's artefacts, byte for byte (hda.md 1.6-1.8).
 *
 * Frame file (4096 bytes, little endian), one pmemsave of the CORB page
 * taken when the driver wrote CORBWP = 0xff:
 *
 *   0x000  CORB: 256 x u32 commands
 *   0x400  whatever followed the CORB in guest memory (zeros here)
 *   0x800  RIRB: 256 x {u32 response, u32 response_ex} (Linux puts the RIRB
 *          at CORB + 2048; the reference flags this as an assumption)
 *
 * Names: 2018 "frameNN" (two decimal digits, wrapping after frame99),
 * "exit_dump", "allCORBframes", "allRIRBframes"; 2021 "frame%04d",
 * "exit_frame", "all-corb-frames", "all-rirb-frames".  The all-* files are
 * the frames' CORB (1024 bytes) and RIRB (2048 bytes) parts concatenated
 * in frame order.
 *
 * Order (hda.md 1.6): after a ring reset WP = 0 and the first command goes
 * to slot 1, so the first frame holds a stale slot 0 then commands 1..255;
 * every later frame's slot 0 is the command after the previous frame's
 * 255.  Concatenated frames therefore read as commands from byte 4 on.
 * The RIRB fills the same way; a response pairs with the next command of
 * its codec, and entries with response_ex bit 4 are unsolicited.  The
 * trailing partial lap exists only in the exit frame, whose write pointer
 * is unknown: like ExtractHDADump, the importer leaves it out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_i.h"
#include "hda/hda_i.h"
#include "memwire/hda.h"

#define CORB_BYTES (4u * HDA_RING_ENTRIES)
#define RIRB_BYTES (8u * HDA_RING_ENTRIES)
#define MAX_FRAMES (1u << 18) /* 1 GiB of frames; more is absurd */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void hda_legacy_frame_name(enum hda_legacy_gen gen, unsigned n, char *buf,
			   size_t len)
{
	if (gen == HDA_LEGACY_2018)
		snprintf(buf, len, "frame%u%u", (n / 10) % 10, n % 10);
	else
		snprintf(buf, len, "frame%04u", n);
}

const char *hda_legacy_corb_name(enum hda_legacy_gen gen)
{
	return gen == HDA_LEGACY_2018 ? "allCORBframes" : "all-corb-frames";
}

const char *hda_legacy_rirb_name(enum hda_legacy_gen gen)
{
	return gen == HDA_LEGACY_2018 ? "allRIRBframes" : "all-rirb-frames";
}

static const char *exit_name(enum hda_legacy_gen gen)
{
	return gen == HDA_LEGACY_2018 ? "exit_dump" : "exit_frame";
}

void hda_legacy_frame_pack(uint8_t frame[HDA_FRAME_SIZE],
			   const uint32_t corb[HDA_RING_ENTRIES],
			   const uint32_t rirb[2 * HDA_RING_ENTRIES])
{
	unsigned i;

	memset(frame, 0, HDA_FRAME_SIZE);
	for (i = 0; i < HDA_RING_ENTRIES; i++)
		put_le32(frame + 4 * i, corb[i]);
	for (i = 0; i < 2 * HDA_RING_ENTRIES; i++)
		put_le32(frame + HDA_FRAME_RIRB + 4 * i, rirb[i]);
}

int hda_legacy_dump_formatted(FILE *out, const uint8_t *buf, size_t len)
{
	size_t i, words = len / 4;

	/* frameDumpFormatted (2018): the offset, then four words and a
	 * newline with the next offset; so it ends on a dangling offset. */
	fprintf(out, "0x%08x: ", 0u);
	for (i = 0; i < words; i++) {
		fprintf(out, "0x%08x ", get_le32(buf + 4 * i));
		if (i % 4 == 3)
			fprintf(out, "\n0x%08x: ", (unsigned)(4 * (i + 1)));
	}
	if (ferror(out))
		return mw_err(-EIO, "writing the formatted dump failed");
	return 0;
}

/* --------------------------------------------------------- file helpers */

static int write_file_at(int dirfd, const char *dir, const char *name,
			 const uint8_t *p, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);
	size_t done = 0;

	if (fd < 0)
		return mw_errno("%s/%s", dir, name);
	while (done < len) {
		ssize_t k = write(fd, p + done, len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int ret = mw_errno("writing %s/%s", dir, name);

			close(fd);
			return ret;
		}
		done += (size_t)k;
	}
	if (close(fd))
		return mw_errno("closing %s/%s", dir, name);
	return 0;
}

int hda_read_file_at(int dirfd, const char *shown, const char *name,
		     size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t done = 0;
	int fd, ret;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("%s", shown);
	if (fstat(fd, &st)) {
		ret = mw_errno("%s", shown);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = mw_err(-EINVAL, "%s: not a regular file", shown);
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = mw_err(-EFBIG, "%s: %lld bytes is more than the %zu "
				     "this reader accepts",
			     shown, (long long)st.st_size, max);
		goto out_close;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto out_close;
	}
	while (done < (size_t)st.st_size) {
		ssize_t k = read(fd, p + done, (size_t)st.st_size - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			ret = mw_errno("reading %s", shown);
			free(p);
			goto out_close;
		}
		if (k == 0)
			break; /* shrank under us: take what is there */
		done += (size_t)k;
	}
	*out = p;
	*len = done;
	ret = 0;
out_close:
	close(fd);
	return ret;
}

/* ------------------------------------------------------- legacy writer */

struct hda_legacy_writer {
	char *dir;
	int dirfd;
	enum hda_legacy_gen gen;
	uint32_t corb[HDA_RING_ENTRIES];
	uint32_t rirb[2 * HDA_RING_ENTRIES];
	unsigned slot;	 /* last CORB slot written */
	unsigned rirbwp; /* last RIRB slot written */
	unsigned frames;
	unsigned pending; /* commands since the last frame */
	uint8_t frame[HDA_FRAME_SIZE];
};

int hda_legacy_writer_new(const char *dir, enum hda_legacy_gen gen,
			  struct hda_legacy_writer **out)
{
	struct hda_legacy_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return mw_err(-ENOMEM, "out of memory");
	w->gen = gen;
	w->dir = strdup(dir);
	if (!w->dir) {
		free(w);
		return mw_err(-ENOMEM, "out of memory");
	}
	mkdir(dir, 0755); /* may exist; openat() says what is wrong */
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		int ret = mw_errno("legacy directory %s", dir);

		free(w->dir);
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

static int write_frame(struct hda_legacy_writer *w, const char *name)
{
	hda_legacy_frame_pack(w->frame, w->corb, w->rirb);
	return write_file_at(w->dirfd, w->dir, name, w->frame, HDA_FRAME_SIZE);
}

int hda_legacy_writer_put(struct hda_legacy_writer *w,
			  const struct hda_exchange *x)
{
	char name[32];
	int ret;

	/* Every command and every unsolicited response takes the next RIRB
	 * slot; a command whose answer was not seen leaves the slot's old
	 * bytes, as the page would hold them. */
	w->rirbwp = (w->rirbwp + 1) % HDA_RING_ENTRIES;
	if (x->has_response) {
		w->rirb[2 * w->rirbwp] = x->response;
		w->rirb[2 * w->rirbwp + 1] = x->response_ex;
	}
	if (!x->has_verb)
		return 0;
	if (x->path == HDA_PATH_CORB)
		w->slot = x->corb_index % HDA_RING_ENTRIES;
	else
		w->slot = (w->slot + 1) % HDA_RING_ENTRIES;
	w->corb[w->slot] = x->verb;
	w->pending++;
	if (w->slot != HDA_RING_ENTRIES - 1)
		return 0;
	hda_legacy_frame_name(w->gen, w->frames, name, sizeof(name));
	ret = write_frame(w, name);
	if (ret)
		return ret;
	w->frames++;
	w->pending = 0;
	return 0;
}

int hda_legacy_writer_sink(void *arg, const struct hda_exchange *x)
{
	return hda_legacy_writer_put(arg, x);
}

int hda_legacy_writer_finish(struct hda_legacy_writer *w)
{
	int ret;

	if (w->pending) {
		ret = write_frame(w, exit_name(w->gen));
		if (ret)
			return ret;
	}
	ret = hda_legacy_extract(w->dir, w->gen);
	if (ret < 0)
		return ret;
	return (int)w->frames;
}

void hda_legacy_writer_free(struct hda_legacy_writer *w)
{
	if (!w)
		return;
	close(w->dirfd);
	free(w->dir);
	free(w);
}

/* ------------------------------------------------------ frame directory */

/* "frame" + 1..6 decimal digits and nothing else: its number, else -1. */
static long frame_number(const char *name)
{
	const char *p = name + 5;
	long n = 0;
	int digits = 0;

	if (strncmp(name, "frame", 5))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || ++digits > 6)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return digits ? n : -1;
}

struct frame_set {
	int dirfd;
	const char *dir;
	unsigned count; /* frames 0..count-1 */
	char (*names)[16];
};

/* Find frame files; every number from 0 to the highest must be present. */
static int scan_frames(struct frame_set *fs)
{
	DIR *d;
	struct dirent *e;
	long max = -1;
	unsigned found = 0, i;
	int dfd, ret = 0;

	dfd = dup(fs->dirfd);
	if (dfd < 0)
		return mw_errno("%s", fs->dir);
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return mw_errno("%s", fs->dir);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		long n = frame_number(e->d_name);

		if (n < 0)
			continue;
		if (n >= (long)MAX_FRAMES) {
			ret = mw_err(-EINVAL, "%s/%s: frame number %ld is "
					      "absurd (at most %u frames)",
				     fs->dir, e->d_name, n, MAX_FRAMES);
			goto out;
		}
		if (n > max)
			max = n;
		found++;
	}
	if (!found)
		goto out;
	if ((unsigned long)max + 1 > found) {
		/* which one is missing: the second pass below names it */
		fs->count = (unsigned)max + 1;
	} else {
		fs->count = found;
	}
	fs->names = calloc(fs->count, sizeof(*fs->names));
	if (!fs->names) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto out;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		long n = frame_number(e->d_name);

		if (n < 0 || n >= (long)fs->count)
			continue;
		if (fs->names[n][0]) {
			ret = mw_err(-EINVAL, "%s: both %s and %s are frame %ld",
				     fs->dir, fs->names[n], e->d_name, n);
			goto out;
		}
		snprintf(fs->names[n], sizeof(fs->names[n]), "%.15s",
			 e->d_name);
	}
	for (i = 0; i < fs->count; i++) {
		if (!fs->names[i][0]) {
			ret = mw_err(-ENOENT, "%s: frame %u is missing (frames "
					      "0..%ld are needed)",
				     fs->dir, i, max);
			goto out;
		}
	}
out:
	closedir(d);
	if (ret) {
		free(fs->names);
		fs->names = NULL;
	}
	return ret;
}

/* Read the frames of @fs into CORB and RIRB concatenations. */
static int read_frames(struct frame_set *fs, uint8_t **corb, uint8_t **rirb)
{
	unsigned i;
	int ret = 0;

	*corb = malloc((size_t)fs->count * CORB_BYTES);
	*rirb = malloc((size_t)fs->count * RIRB_BYTES);
	if (!*corb || !*rirb) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto err;
	}
	for (i = 0; i < fs->count; i++) {
		char shown[PATH_MAX];
		uint8_t *p;
		size_t len;

		snprintf(shown, sizeof(shown), "%s/%s", fs->dir, fs->names[i]);
		ret = hda_read_file_at(fs->dirfd, shown, fs->names[i],
				       HDA_FRAME_SIZE + 1, &p, &len);
		if (ret)
			goto err;
		if (len != HDA_FRAME_SIZE) {
			free(p);
			ret = mw_err(-EINVAL, "%s: %zu bytes, a frame file is "
					      "%u",
				     shown, len, HDA_FRAME_SIZE);
			goto err;
		}
		memcpy(*corb + (size_t)i * CORB_BYTES, p, CORB_BYTES);
		memcpy(*rirb + (size_t)i * RIRB_BYTES, p + HDA_FRAME_RIRB,
		       RIRB_BYTES);
		free(p);
	}
	return 0;
err:
	free(*corb);
	free(*rirb);
	*corb = *rirb = NULL;
	return ret;
}

int hda_legacy_extract(const char *dir, enum hda_legacy_gen gen)
{
	struct frame_set fs = { .dir = dir };
	uint8_t *corb = NULL, *rirb = NULL;
	int ret;

	fs.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs.dirfd < 0)
		return mw_errno("%s", dir);
	ret = scan_frames(&fs);
	if (ret)
		goto out;
	if (fs.count) {
		ret = read_frames(&fs, &corb, &rirb);
		if (ret)
			goto out;
	}
	ret = write_file_at(fs.dirfd, dir, hda_legacy_corb_name(gen), corb,
			    (size_t)fs.count * CORB_BYTES);
	if (!ret)
		ret = write_file_at(fs.dirfd, dir, hda_legacy_rirb_name(gen),
				    rirb, (size_t)fs.count * RIRB_BYTES);
	if (!ret)
		ret = (int)fs.count;
out:
	free(corb);
	free(rirb);
	free(fs.names);
	close(fs.dirfd);
	return ret;
}

/* ------------------------------------------------------------ importing */

struct pairer {
	const char *name;
	const uint8_t *rirb;
	size_t nrirb; /* entries */
	size_t rp;    /* next RIRB entry */
	hda_sink_fn sink;
	void *arg;
	uint64_t seq;
};

static int emit_unsol(struct pairer *p, uint32_t res, uint32_t ex)
{
	struct hda_exchange x = {
		.seq = ++p->seq,
		.has_response = true,
		.response = res,
		.response_ex = ex,
		.unsolicited = true,
		.path = HDA_PATH_IMPORT,
	};

	return p->sink(p->arg, &x);
}

int hda_import_frames(const char *name, const uint8_t *corb, size_t corb_len,
		      const uint8_t *rirb, size_t rirb_len, hda_sink_fn sink,
		      void *arg)
{
	struct pairer p = { .name = name, .rirb = rirb, .sink = sink,
			    .arg = arg };
	size_t n, i;
	int ret;

	if (corb_len % CORB_BYTES)
		return mw_err(-EINVAL, "%s: %zu bytes of CORB frames is not a "
				       "multiple of %u (a frame's 256 commands)",
			      name, corb_len, CORB_BYTES);
	n = corb_len / 4;
	if (rirb) {
		if (rirb_len % RIRB_BYTES)
			return mw_err(-EINVAL, "%s: %zu bytes of RIRB frames "
					       "is not a multiple of %u",
				      name, rirb_len, RIRB_BYTES);
		if (rirb_len / RIRB_BYTES != corb_len / CORB_BYTES)
			return mw_err(-EINVAL, "%s: %zu CORB frames but %zu "
					       "RIRB frames",
				      name, corb_len / CORB_BYTES,
				      rirb_len / RIRB_BYTES);
		p.nrirb = rirb_len / 8;
		p.rp = 1; /* entry 0 of the first frame is stale too */
	}
	/* Entry 0 of the first frame is stale: commands start at 1. */
	for (i = 1; i < n; i++) {
		struct hda_exchange x = {
			.has_verb = true,
			.verb = get_le32(corb + 4 * i),
			.path = HDA_PATH_IMPORT,
		};
		unsigned codec = hda_verb_codec(x.verb);

		while (p.rp < p.nrirb) {
			const uint8_t *e = p.rirb + 8 * p.rp;
			uint32_t res = get_le32(e), ex = get_le32(e + 4);

			if (ex & 0x10) {
				p.rp++;
				ret = emit_unsol(&p, res, ex);
				if (ret)
					return ret;
				continue;
			}
			if ((ex & 0xf) == codec) {
				p.rp++;
				x.has_response = true;
				x.response = res;
				x.response_ex = ex;
			}
			/* else: another codec's answer, misaligned; this
			 * command goes without one */
			break;
		}
		x.seq = ++p.seq;
		ret = sink(arg, &x);
		if (ret)
			return ret;
	}
	return (int)(p.seq > INT_MAX ? INT_MAX : p.seq);
}

/* The RIRB file next to an all-corb file, by the legacy names. */
static const char *rirb_sibling(const char *base)
{
	if (!strcmp(base, "allCORBframes"))
		return "allRIRBframes";
	if (!strcmp(base, "all-corb-frames"))
		return "all-rirb-frames";
	return NULL;
}

int hda_import_frames_path(const char *path, hda_sink_fn sink, void *arg)
{
	struct frame_set fs = { .dir = path };
	uint8_t *corb = NULL, *rirb = NULL;
	size_t clen = 0, rlen = 0;
	struct stat st;
	int ret;

	if (stat(path, &st))
		return mw_errno("%s", path);
	if (S_ISREG(st.st_mode)) {
		/* an all-corb file, or one frame file */
		char dir[PATH_MAX], shown[PATH_MAX + 32];
		const char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		const char *sib = rirb_sibling(base);
		int dfd;

		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - path) : 1, slash ? path : ".");
		if (slash == path)
			snprintf(dir, sizeof(dir), "/");
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return mw_errno("%s", dir);
		/* a frame file is read no further than one frame past its
		 * size, so a huge file is refused before it is loaded */
		ret = hda_read_file_at(dfd, path, base,
				       frame_number(base) >= 0 ? HDA_FRAME_SIZE + 1
							      : 1u << 30,
				       &corb, &clen);
		if (!ret && frame_number(base) >= 0) {
			/* a single frame file */
			uint8_t *f = corb;

			if (clen != HDA_FRAME_SIZE) {
				ret = mw_err(-EINVAL, "%s: %zu bytes, a frame "
						      "file is %u",
					     path, clen, HDA_FRAME_SIZE);
			} else {
				corb = malloc(CORB_BYTES);
				rirb = malloc(RIRB_BYTES);
				if (!corb || !rirb) {
					ret = mw_err(-ENOMEM, "out of memory");
				} else {
					memcpy(corb, f, CORB_BYTES);
					memcpy(rirb, f + HDA_FRAME_RIRB,
					       RIRB_BYTES);
					clen = CORB_BYTES;
					rlen = RIRB_BYTES;
				}
			}
			free(f);
		} else if (!ret && sib && faccessat(dfd, sib, F_OK, 0) == 0) {
			snprintf(shown, sizeof(shown), "%s/%s", dir, sib);
			ret = hda_read_file_at(dfd, shown, sib, 1u << 30, &rirb,
					       &rlen);
		}
		close(dfd);
		if (!ret)
			ret = hda_import_frames(path, corb, clen, rirb, rlen,
						sink, arg);
		goto out;
	}
	if (!S_ISDIR(st.st_mode))
		return mw_err(-EINVAL, "%s: neither a frame directory nor a "
				       "frames file",
			      path);
	fs.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs.dirfd < 0)
		return mw_errno("%s", path);
	ret = scan_frames(&fs);
	if (!ret && !fs.count) {
		/* no frames: the extracted files, 2021 names first */
		static const char *const corbs[] = { "all-corb-frames",
						     "allCORBframes" };
		unsigned i;

		ret = mw_err(-ENOENT, "%s: no frame files (frameNN, "
				      "frame%%04d) and no all-corb-frames or "
				      "allCORBframes",
			     path);
		for (i = 0; i < 2; i++) {
			char shown[PATH_MAX], cshown[PATH_MAX];

			if (faccessat(fs.dirfd, corbs[i], F_OK, 0))
				continue;
			snprintf(cshown, sizeof(cshown), "%s/%s", path,
				 corbs[i]);
			mw_clear_error();
			ret = hda_read_file_at(fs.dirfd, cshown, corbs[i],
					       1u << 30, &corb, &clen);
			if (!ret &&
			    !faccessat(fs.dirfd, rirb_sibling(corbs[i]), F_OK,
				       0)) {
				snprintf(shown, sizeof(shown), "%s/%s", path,
					 rirb_sibling(corbs[i]));
				ret = hda_read_file_at(fs.dirfd, shown,
						       rirb_sibling(corbs[i]),
						       1u << 30, &rirb, &rlen);
			}
			if (!ret)
				ret = hda_import_frames(cshown, corb, clen,
							rirb, rlen, sink, arg);
			break;
		}
		close(fs.dirfd);
		goto out;
	}
	if (!ret) {
		ret = read_frames(&fs, &corb, &rirb);
		if (!ret)
			ret = hda_import_frames(path, corb,
						(size_t)fs.count * CORB_BYTES,
						rirb,
						(size_t)fs.count * RIRB_BYTES,
						sink, arg);
	}
	free(fs.names);
	close(fs.dirfd);
out:
	free(corb);
	free(rirb);
	return ret;
}
