/* SPDX-License-Identifier: MIT */
/*
 * trace.c - QEMU `log`-backend trace lines of HDA register accesses.
 *
 * The events and their exact formats (hda.md 3.1, QEMU 7.2 trace-events):
 *
 *   vfio_region_write  (%s:region%d+0x%lx, 0x%lx, %d)
 *   vfio_region_read  (%s:region%d+0x%lx, %d) = 0x%lx
 *   memory_region_ops_write cpu %d mr %p addr 0x%lx value 0x%lx size %u name '%s'
 *   memory_region_ops_read cpu %d mr %p addr 0x%lx value 0x%lx size %u name '%s'
 *
 * (two spaces after the vfio names: "%(name)s " plus the format's own
 * leading space; the memory_region_ops name is absent before QEMU 6.0).
 * The prefix varies with the version and -msg timestamp=on (hda.md 3.2):
 * nothing, "TID@SEC.USEC:" (QEMU <= 10.0), or "YYYY-MM-DDTHH:MM:SS.uuuuuuZ "
 * (QEMU >= 10.1), and later QEMUs may add more.  So the parser anchors on
 * the event name, not on columns: it tries the known prefixes first (fast
 * path), then looks for the name anywhere after a space or a colon.
 *
 * Everything in a line is untrusted: every number has a bounded number of
 * digits, every literal is checked, the device name must be closed.  A line
 * of another event is not an error (0); one of ours that is cut short or
 * holds an impossible value is (-EINVAL, with the field named).
 */
#include <errno.h>
#include <string.h>

#include "core/core_i.h"
#include "hda/capture_i.h"
#include "memwire/hda.h"

struct cur {
	const char *p, *end;
};

static inline __attribute__((always_inline)) bool lit(struct cur *c,
							const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

/* hex digit values + 1 (0: not a digit): one load per character */
static const unsigned char hexval1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char ch)
{
	return (int)hexval1[(unsigned char)ch] - 1;
}

/* Hex digits (no 0x) into a u64; at most 16 significant digits. */
static bool hex(struct cur *c, uint64_t *out)
{
	const char *s = c->p;
	uint64_t v = 0;
	int d, n = 0;

	while (s < c->end && (d = hexval(*s)) >= 0) {
		if (v >> 60)
			return false; /* would overflow */
		v = v << 4 | (uint64_t)d;
		s++;
		n++;
	}
	if (!n)
		return false;
	c->p = s;
	*out = v;
	return true;
}

/* Hex digits whose value is not needed (1..16 of them): skip them. */
static bool skip_hex(struct cur *c)
{
	const char *s = c->p;

	while (s < c->end && hexval1[(unsigned char)*s])
		s++;
	if (s == c->p || s - c->p > 16)
		return false;
	c->p = s;
	return true;
}

/* Decimal digits into a u64, at most @maxd digits and below 2^63. */
static bool dec(struct cur *c, unsigned maxd, uint64_t *out)
{
	const char *s = c->p;
	uint64_t v = 0;
	unsigned n = 0;

	while (s < c->end && *s >= '0' && *s <= '9') {
		if (++n > maxd)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (!n)
		return false;
	c->p = s;
	*out = v;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Fractional digits after '.', as seconds (at most 12 digits). */
static bool fraction(struct cur *c, double *out)
{
	static const double scale[13] = { 1,    1e1,  1e2,	 1e3,  1e4,
					  1e5,  1e6,  1e7,	 1e8,  1e9,
					  1e10, 1e11, 1e12 };
	uint64_t v;
	const char *s = c->p;

	if (!dec(c, 12, &v))
		return false;
	*out = (double)v / scale[c->p - s];
	return true;
}

/* "TID@SEC.USEC:" */
static bool prefix_tid(struct cur *c, double *t)
{
	struct cur s = *c;
	uint64_t v, sec;
	double f;

	if (!dec(&s, 20, &v) || !lit(&s, "@") || !dec(&s, 20, &sec) ||
	    !lit(&s, ".") || !fraction(&s, &f) || !lit(&s, ":"))
		return false;
	*t = (double)sec + f;
	*c = s;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z " */
static bool prefix_iso(struct cur *c, double *t)
{
	struct cur s = *c;
	uint64_t y, mo, d, h, mi, se;
	double f = 0;

	if (!dec(&s, 4, &y) || !lit(&s, "-") || !dec(&s, 2, &mo) ||
	    !lit(&s, "-") || !dec(&s, 2, &d) || !lit(&s, "T") ||
	    !dec(&s, 2, &h) || !lit(&s, ":") || !dec(&s, 2, &mi) ||
	    !lit(&s, ":") || !dec(&s, 2, &se))
		return false;
	if (lit(&s, ".") && !fraction(&s, &f))
		return false;
	if (!lit(&s, "Z") || !lit(&s, " "))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	*t = (double)(days_from_civil((int64_t)y, (unsigned)mo,
				      (unsigned)d) *
			      86400 +
		      (int64_t)(h * 3600 + mi * 60 + se)) +
	     f;
	*c = s;
	return true;
}

enum evname { EV_NONE, EV_VFIO_W, EV_VFIO_R, EV_MR_W, EV_MR_R };

/* The event name at c->p, followed by a space; advances past it. */
static enum evname name_at(struct cur *c)
{
	struct cur t = *c;
	bool vfio;

	if (t.p == t.end || (*t.p != 'v' && *t.p != 'm'))
		return EV_NONE;
	vfio = *t.p == 'v';
	if (!(vfio ? lit(&t, "vfio_region_") : lit(&t, "memory_region_ops_")))
		return EV_NONE;
	if (lit(&t, "write ")) {
		*c = t;
		return vfio ? EV_VFIO_W : EV_MR_W;
	}
	if (lit(&t, "read ")) {
		*c = t;
		return vfio ? EV_VFIO_R : EV_MR_R;
	}
	return EV_NONE;
}

/* Slow path: the name anywhere, at the start or after ' ' or ':'. */
static enum evname find_name(struct cur *c, const char *start)
{
	static const char *const stems[] = { "vfio_region_",
					     "memory_region_ops_" };
	const char *best = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *p = c->p;

		while ((p = memmem(p, (size_t)(c->end - p), stems[i],
				   strlen(stems[i])))) {
			struct cur t = { p, c->end };

			if ((p == start || p[-1] == ' ' || p[-1] == ':') &&
			    name_at(&t) != EV_NONE) {
				if (!best || p < best)
					best = p;
				break;
			}
			p++;
		}
	}
	if (!best)
		return EV_NONE;
	c->p = best;
	return name_at(c);
}

static int bad(const char *what, const char *line, size_t len)
{
	return mw_err(-EINVAL, "bad %s in trace line '%.*s'", what,
		      len > 120 ? 120 : (int)len, line);
}

static bool size_ok(uint64_t s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

/* " (DEV:regionN+0xADDR, " ... */
static int parse_vfio(struct cur *c, bool write, struct hda_trace_event *ev,
		      const char *line, size_t len)
{
	const char *dev, *p, *reg = NULL;
	uint64_t region, addr, v, size;

	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (!lit(c, "("))
		return bad("vfio event (no '(')", line, len);
	dev = c->p;
	/* The device name may hold ':' (a BDF) and, as a sysfsdev basename,
	 * anything: take the last ":region<digits>+" of the line. */
	for (p = dev; (p = memmem(p, (size_t)(c->end - p), ":region", 7));
	     p++) {
		const char *q = p + 7;

		while (q < c->end && *q >= '0' && *q <= '9')
			q++;
		if (q > p + 7 && q < c->end && *q == '+')
			reg = p;
	}
	if (!reg)
		return bad("vfio region (no ':regionN+')", line, len);
	c->p = reg + 7;
	if (!dec(c, 4, &region) || region > 255)
		return bad("vfio region number", line, len);
	if (!lit(c, "+0x") || !hex(c, &addr))
		return bad("vfio region offset", line, len);
	if (write) {
		if (!lit(c, ", 0x") || !hex(c, &v))
			return bad("vfio write data", line, len);
		if (!lit(c, ", ") || !dec(c, 3, &size) || !lit(c, ")"))
			return bad("vfio write size", line, len);
	} else {
		if (!lit(c, ", ") || !dec(c, 3, &size) || !lit(c, ")"))
			return bad("vfio read size", line, len);
		if (!lit(c, " = 0x") || !hex(c, &v))
			return bad("vfio read data", line, len);
	}
	if (!size_ok(size))
		return bad("access size", line, len);
	if (c->p != c->end)
		return bad("vfio line (trailing characters)", line, len);
	ev->kind = HDA_TRACE_VFIO;
	ev->region = (int)region;
	ev->addr = addr;
	ev->value = v;
	ev->size = (unsigned)size;
	ev->dev = dev;
	ev->dev_len = (size_t)(reg - dev);
	return 1;
}

/* "cpu C mr 0xP addr 0xA value 0xV size S[ name 'N']" */
static int parse_mr(struct cur *c, struct hda_trace_event *ev,
		    const char *line, size_t len)
{
	uint64_t cpu, addr, v, size;

	if (!lit(c, "cpu "))
		return bad("memory_region_ops event (no 'cpu')", line, len);
	lit(c, "-");
	if (!dec(c, 10, &cpu))
		return bad("cpu index", line, len);
	if (!lit(c, " mr "))
		return bad("memory_region_ops 'mr'", line, len);
	/* the MemoryRegion pointer: checked, its value not needed */
	if (!lit(c, "(nil)") && !(lit(c, "0x") && skip_hex(c)))
		return bad("memory region pointer", line, len);
	if (!lit(c, " addr 0x") || !hex(c, &addr))
		return bad("memory_region_ops addr", line, len);
	if (!lit(c, " value 0x") || !hex(c, &v))
		return bad("memory_region_ops value", line, len);
	if (!lit(c, " size ") || !dec(c, 3, &size) || !size_ok(size))
		return bad("access size", line, len);
	ev->dev = NULL;
	ev->dev_len = 0;
	if (lit(c, " name '")) {
		const char *q = c->end;

		/* The name may hold quotes and spaces ("0000:00:1f.3 BAR 0"):
		 * it ends at the last quote of the line. */
		while (q > c->p && q[-1] != '\'')
			q--;
		if (q == c->p)
			return bad("memory region name (no closing quote)",
				   line, len);
		ev->dev = c->p;
		ev->dev_len = (size_t)(q - 1 - c->p);
	} else if (c->p != c->end) {
		return bad("memory_region_ops line (trailing characters)", line,
			   len);
	}
	ev->kind = HDA_TRACE_MR;
	ev->region = -1;
	ev->addr = addr;
	ev->value = v;
	ev->size = (unsigned)size;
	return 1;
}

int hda_trace_parse(const char *line, size_t len, struct hda_trace_event *ev)
{
	struct cur c = { line, line + len };
	enum evname name;
	double t = 0;
	bool has_time = false;

	while (c.end > c.p && (c.end[-1] == '\r' || c.end[-1] == ' '))
		c.end--;
	if (c.p == c.end)
		return 0;
	if (*c.p >= '0' && *c.p <= '9') {
		if (prefix_tid(&c, &t) || prefix_iso(&c, &t))
			has_time = true;
	}
	name = name_at(&c);
	if (name == EV_NONE) {
		name = find_name(&c, line);
		if (name == EV_NONE)
			return 0;
	}
	ev->has_time = has_time;
	ev->time = t;
	switch (name) {
	case EV_VFIO_W:
	case EV_VFIO_R:
		ev->write = name == EV_VFIO_W;
		return parse_vfio(&c, ev->write, ev, line, len);
	case EV_MR_W:
	case EV_MR_R:
		ev->write = name == EV_MR_W;
		return parse_mr(&c, ev, line, len);
	default:
		return 0;
	}
}
