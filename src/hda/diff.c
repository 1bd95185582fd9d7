/* SPDX-License-Identifier: MIT */
/*
 * diff.c - what one capture sends that the other does not.
 *
 * Only SET verbs change a codec, so only they are compared (GETs, polls
 * included, are reads).  Each SET becomes an item, rendered as text that
 * depends on the verb word alone, except for coefficients: a
 * SET_COEF_INDEX followed by SET_PROC_COEF on the same codec+NID is one
 * item "coef[0x23] = 0xc203" (the index write itself is not an item, so an
 * index set only to read a coefficient does not count).  Items are grouped
 * by (codec, NID) in capture order: the order inside a group matters (a
 * coefficient mailbox breaks when reordered), the interleaving between
 * NIDs mostly does not, and grouping keeps the edit script readable.
 *
 * Per group, the shortest edit script between the two item sequences is
 * found with Myers' O((N+M)D) algorithm in its linear-space form (the
 * "middle snake" recursion: E. Myers, An O(ND) Difference Algorithm and
 * Its Variations, Algorithmica 1986, section 4b), so memory stays linear
 * in the number of items even for very different captures.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_i.h"
#include "memwire/hda.h"

#define NGROUPS (16 * 128)
#define ITEM_TEXT (HDA_MEANING_MAX + 48)

struct item {
	uint64_t hash;
	uint64_t seq;
	uint32_t verb;
	uint16_t group;
	char text[ITEM_TEXT];
};

struct side {
	struct item *v;
	size_t n;
	size_t start[NGROUPS + 1]; /* group g: v[start[g]..start[g+1]) */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The SET items of one capture, grouped by (codec, NID), in order. */
static int build(const struct hda_exchange *x, size_t n, struct side *s)
{
	struct hda_decoder *d;
	struct item *tmp;
	size_t i, count[NGROUPS] = { 0 }, pos[NGROUPS];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = hda_decoder_new(&d);
	if (ret)
		return ret;
	tmp = calloc(n ? n : 1, sizeof(*tmp));
	s->v = calloc(n ? n : 1, sizeof(*s->v));
	if (!tmp || !s->v) {
		free(tmp);
		free(s->v);
		s->v = NULL;
		hda_decoder_free(d);
		return mw_err(-ENOMEM, "out of memory for %zu exchanges", n);
	}
	for (i = 0; i < n; i++) {
		struct hda_decoded o;
		struct item *it;

		if (!x[i].has_verb)
			continue;
		hda_decode(d, &x[i], &o);
		if (o.cmd.get || o.cmd.verb == 0x500)
			continue;
		it = &tmp[s->n++];
		it->seq = x[i].seq;
		it->verb = x[i].verb;
		it->group = (uint16_t)(o.cmd.codec << 7 | o.cmd.nid);
		if (o.coef)
			snprintf(it->text, sizeof(it->text), "%s", o.meaning);
		else
			snprintf(it->text, sizeof(it->text), "%s 0x%0*x%s%s%s",
				 o.name, o.cmd.four_bit ? 4 : 2, o.cmd.payload,
				 o.meaning[0] ? " (" : "", o.meaning,
				 o.meaning[0] ? ")" : "");
		it->hash = fnv1a(it->text);
		count[it->group]++;
	}
	/* a stable counting sort by group */
	s->start[0] = 0;
	for (i = 0; i < NGROUPS; i++) {
		s->start[i + 1] = s->start[i] + count[i];
		pos[i] = s->start[i];
	}
	for (i = 0; i < s->n; i++)
		s->v[pos[tmp[i].group]++] = tmp[i];
	free(tmp);
	hda_decoder_free(d);
	return 0;
}

/* ------------------------------------------------------------ Myers */

struct myers {
	const struct item *a, *b;
	long *pts; /* path points, x y pairs */
	size_t npts, cap;
};

static bool eq(const struct myers *m, long i, long j)
{
	return m->a[i].hash == m->b[j].hash &&
	       !strcmp(m->a[i].text, m->b[j].text);
}

static int add_point(struct myers *m, long x, long y)
{
	if (m->npts + 2 > m->cap) {
		size_t ncap = m->cap ? 2 * m->cap : 64;
		long *np = realloc(m->pts, ncap * sizeof(*np));

		if (!np)
			return mw_err(-ENOMEM, "out of memory");
		m->pts = np;
		m->cap = ncap;
	}
	m->pts[m->npts++] = x;
	m->pts[m->npts++] = y;
	return 0;
}

/*
 * The middle snake of the box (l, t)-(r, btm): searched forwards from the
 * top left and backwards from the bottom right until the two meet.
 * Returns 1 with the snake in @s, 0 for an empty box, or -ENOMEM.
 */
static int midpoint(const struct myers *m, long l, long t, long r, long btm,
		    long s[4])
{
	long w = r - l, h = btm - t, size = w + h, delta = w - h;
	long max = (size + 1) / 2, d, k, c;
	long *vf, *vb;
	int found = 0;

	if (size == 0)
		return 0;
	vf = malloc((size_t)(2 * max + 3) * sizeof(long));
	vb = malloc((size_t)(2 * max + 3) * sizeof(long));
	if (!vf || !vb) {
		free(vf);
		free(vb);
		return mw_err(-ENOMEM, "out of memory");
	}
	vf += max + 1;
	vb += max + 1;
	vf[1] = l;
	vb[1] = btm;
	for (d = 0; d <= max && !found; d++) {
		for (k = d; k >= -d && !found; k -= 2) {
			long x, y, px, py;

			c = k - delta;
			if (k == -d || (k != d && vf[k - 1] < vf[k + 1])) {
				px = x = vf[k + 1];
			} else {
				px = vf[k - 1];
				x = px + 1;
			}
			y = t + (x - l) - k;
			py = (d == 0 || x != px) ? y : y - 1;
			while (x < r && y < btm && eq(m, x, y)) {
				x++;
				y++;
			}
			vf[k] = x;
			if ((delta & 1) && c >= -(d - 1) && c <= d - 1 &&
			    y >= vb[c]) {
				s[0] = px, s[1] = py, s[2] = x, s[3] = y;
				found = 1;
			}
		}
		for (c = d; c >= -d && !found; c -= 2) {
			long x, y, px, py;

			k = c + delta;
			if (c == -d || (c != d && vb[c - 1] > vb[c + 1])) {
				py = y = vb[c + 1];
			} else {
				py = vb[c - 1];
				y = py - 1;
			}
			x = l + (y - t) + k;
			px = (d == 0 || y != py) ? x : x + 1;
			while (x > l && y > t && eq(m, x - 1, y - 1)) {
				x--;
				y--;
			}
			vb[c] = y;
			if (!(delta & 1) && k >= -d && k <= d && x <= vf[k]) {
				s[0] = x, s[1] = y, s[2] = px, s[3] = py;
				found = 1;
			}
		}
	}
	free(vf - (max + 1));
	free(vb - (max + 1));
	return found;
}

/* The path through the box as points; returns 1 if it added any. */
static int find_path(struct myers *m, long l, long t, long r, long btm)
{
	long s[4] = { 0, 0, 0, 0 };
	int ret, head, tail;

	ret = midpoint(m, l, t, r, btm, s);
	if (ret <= 0)
		return ret;
	head = find_path(m, l, t, s[0], s[1]);
	if (head < 0)
		return head;
	if (!head && (ret = add_point(m, s[0], s[1])))
		return ret;
	tail = find_path(m, s[2], s[3], r, btm);
	if (tail < 0)
		return tail;
	if (!tail && (ret = add_point(m, s[2], s[3])))
		return ret;
	return 1;
}

struct emit_ctx {
	hda_diff_fn fn;
	void *arg;
	int count;
};

static int emit_item(struct emit_ctx *e, enum hda_diff_side side,
		     const struct item *it)
{
	struct hda_diff_item d = {
		.side = side,
		.codec = it->group >> 7,
		.nid = it->group & 0x7f,
		.seq = it->seq,
		.verb = it->verb,
		.text = it->text,
	};

	e->count++;
	return e->fn ? e->fn(e->arg, &d) : 0;
}

/* Walk the path: diagonals are equal items, the rest are edits. */
static int walk(struct myers *m, long n, long mm, struct emit_ctx *e)
{
	size_t i;
	int ret;

	if (m->npts < 4) {
		/* one side is empty: everything of the other is an edit */
		long x;

		for (x = 0; x < n; x++)
			if ((ret = emit_item(e, HDA_DIFF_A, &m->a[x])))
				return ret;
		for (x = 0; x < mm; x++)
			if ((ret = emit_item(e, HDA_DIFF_B, &m->b[x])))
				return ret;
		return 0;
	}
	for (i = 0; i + 3 < m->npts; i += 2) {
		long x1 = m->pts[i], y1 = m->pts[i + 1];
		long x2 = m->pts[i + 2], y2 = m->pts[i + 3];

		while (x1 < x2 && y1 < y2 && eq(m, x1, y1)) {
			x1++;
			y1++;
		}
		if (x2 - x1 < y2 - y1) {
			if ((ret = emit_item(e, HDA_DIFF_B, &m->b[y1])))
				return ret;
			y1++;
		} else if (x2 - x1 > y2 - y1) {
			if ((ret = emit_item(e, HDA_DIFF_A, &m->a[x1])))
				return ret;
			x1++;
		}
	}
	return 0;
}

static int diff_group(const struct item *a, long n, const struct item *b,
		      long mm, struct emit_ctx *e)
{
	struct myers m = { .a = a, .b = b };
	long pre = 0;
	int ret;

	/* the common prefix cannot hold an edit; skip it */
	while (pre < n && pre < mm && a[pre].hash == b[pre].hash &&
	       !strcmp(a[pre].text, b[pre].text))
		pre++;
	m.a = a + pre;
	m.b = b + pre;
	n -= pre;
	mm -= pre;
	/* nor the common suffix */
	while (n && mm && m.a[n - 1].hash == m.b[mm - 1].hash &&
	       !strcmp(m.a[n - 1].text, m.b[mm - 1].text)) {
		n--;
		mm--;
	}
	if (!n && !mm)
		return 0;
	if (!n || !mm)
		return walk(&m, n, mm, e);
	ret = find_path(&m, 0, 0, n, mm);
	if (ret >= 0)
		ret = walk(&m, n, mm, e);
	free(m.pts);
	return ret;
}

int hda_diff(const struct hda_exchange *a, size_t na,
	     const struct hda_exchange *b, size_t nb, hda_diff_fn fn,
	     void *arg)
{
	struct side *sa, *sb;
	struct emit_ctx e = { .fn = fn, .arg = arg };
	unsigned g;
	int ret;

	sa = calloc(1, sizeof(*sa));
	sb = calloc(1, sizeof(*sb));
	if (!sa || !sb) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto out;
	}
	ret = build(a, na, sa);
	if (ret)
		goto out;
	ret = build(b, nb, sb);
	if (ret)
		goto out;
	for (g = 0; g < NGROUPS; g++) {
		long n = (long)(sa->start[g + 1] - sa->start[g]);
		long mm = (long)(sb->start[g + 1] - sb->start[g]);

		if (!n && !mm)
			continue;
		ret = diff_group(sa->v + sa->start[g], n, sb->v + sb->start[g],
				 mm, &e);
		if (ret)
			goto out;
	}
	ret = e.count;
out:
	if (sa)
		free(sa->v);
	if (sb)
		free(sb->v);
	free(sa);
	free(sb);
	return ret;
}
