/* SPDX-License-Identifier: MIT */
/*
 * cmd_smem.c - `memwire smem init | show | alloc | get | version | lock |
 * log | translate | validate`: the Qualcomm shared-memory heap.
 *
 * Every verb works on a region file (--file, default the `init` default),
 * a raw dump (--dump FILE --phys ADDR, read-only) or /dev/mem (--devmem
 * --phys ADDR, read-only unless --write).  Verbs that lock act as a
 * processor (--proc, default apps).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "memwire/smem.h"

/* Options every smem verb accepts, and the verb-specific ones. */
struct smem_ctx {
	struct region_opts ro;
	const char *proc;
	const char *platform;
	bool force, hex, raw, follow, oldest, clear;
	enum smem_log_id log;
	int slot;
	int hold_ms, timeout_ms;
	uint64_t count;
};

enum {
	OPT_PROC = 0x200,
	OPT_PLATFORM,
	OPT_FORCE,
	OPT_HEX,
	OPT_RAW,
	OPT_STATIC,
	OPT_POWER,
	OPT_FOLLOW,
	OPT_OLDEST,
	OPT_COUNT,
	OPT_SLOT,
	OPT_HOLD,
	OPT_CLEAR,
	OPT_TIMEOUT,
};

static const struct option smem_longopts[] = {
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "hex", no_argument, NULL, OPT_HEX },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "static", no_argument, NULL, OPT_STATIC },
	{ "power", no_argument, NULL, OPT_POWER },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "oldest-first", no_argument, NULL, OPT_OLDEST },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "clear", no_argument, NULL, OPT_CLEAR },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static int smem_cb(int c, const char *arg, void *p)
{
	struct smem_ctx *cx = p;
	uint64_t v;

	switch (c) {
	case OPT_PROC:
		cx->proc = arg;
		return 0;
	case OPT_PLATFORM:
		cx->platform = arg;
		return 0;
	case OPT_FORCE:
		cx->force = true;
		return 0;
	case OPT_HEX:
		cx->hex = true;
		return 0;
	case OPT_RAW:
		cx->raw = true;
		return 0;
	case OPT_STATIC:
		cx->log = SMEM_LOG_STATIC;
		return 0;
	case OPT_POWER:
		cx->log = SMEM_LOG_POWER;
		return 0;
	case OPT_FOLLOW:
		cx->follow = true;
		return 0;
	case OPT_OLDEST:
		cx->oldest = true;
		return 0;
	case OPT_COUNT:
		return parse_u64(arg, "--count", false, &cx->count) ? EXIT_USAGE
								    : 0;
	case OPT_SLOT:
		if (parse_u64(arg, "--slot", false, &v))
			return EXIT_USAGE;
		if (v > 31)
			return usage_error("--slot %llu: version slots are 0..31",
					   (unsigned long long)v);
		cx->slot = (int)v;
		return 0;
	case OPT_HOLD:
		return parse_ms(arg, "--hold", &cx->hold_ms) ? EXIT_USAGE : 0;
	case OPT_CLEAR:
		cx->clear = true;
		return 0;
	case OPT_TIMEOUT:
		return parse_ms(arg, "--timeout", &cx->timeout_ms) ? EXIT_USAGE
								   : 0;
	}
	return usage_error("smem: unexpected option");
}

/* Parse; returns the index of the first operand or minus the exit code. */
static int smem_parse(int argc, char **argv, struct smem_ctx *cx)
{
	memset(cx, 0, sizeof(*cx));
	cx->slot = -1;
	cx->timeout_ms = 10000;
	return parse_opts("smem", argc, argv, smem_longopts, smem_cb, cx,
			  &cx->ro);
}

/*
 * Open the region and the heap.  OPEN_READ maps file regions read-only with
 * no processor; OPEN_WRITE maps them writable, as --proc if given, else as
 * an observer (reads and forces mutex registers, cannot lock); OPEN_PROC
 * acts as --proc (default apps) to hold hardware mutexes.
 */
enum open_mode { OPEN_READ, OPEN_WRITE, OPEN_PROC };

static int smem_open_cli(struct smem_ctx *cx, enum open_mode mode,
			 struct mw_region **r, struct smem **sm)
{
	const char *proc = cx->proc;
	int ret;

	cx->ro.rdonly = mode == OPEN_READ && !cx->ro.dump && !cx->ro.devmem;
	if (mode != OPEN_READ && cx->ro.dump)
		return usage_error("a dump is read-only: this verb writes");
	if (mode != OPEN_READ && cx->ro.devmem && !cx->ro.write)
		return usage_error("/dev/mem is opened read-only: add --write");
	/* NOTE: /dev/mem is locked through the real SFPB registers as apps
	 * (id 1, smem_open()); another processor cannot be acted as. */
	if (mode != OPEN_READ && cx->ro.devmem && proc && strcmp(proc, "apps"))
		return usage_error("--devmem acts as apps (SFPB id 1): --proc "
				   "%s is not possible",
				   proc);
	if (mode == OPEN_PROC && !proc)
		proc = "apps";
	ret = region_open(&cx->ro, r);
	if (ret)
		return ret;
	ret = smem_open(*r, mode == OPEN_READ ? NULL : proc, sm);
	if (ret) {
		ret = fail_lib(ret);
		mw_region_close(*r);
		return ret;
	}
	smem_set_lock_timeout(*sm, cx->timeout_ms);
	if (cx->slot >= 0)
		smem_set_version_slot(*sm, cx->slot);
	return 0;
}

static void smem_close_cli(struct mw_region *r, struct smem *sm)
{
	smem_close(sm);
	mw_region_close(r);
}

static int parse_item(const char *s, uint32_t *id)
{
	uint64_t v;

	if (parse_u64(s, "item id", false, &v))
		return EXIT_USAGE;
	if (v >= SMEM_ITEM_COUNT)
		return usage_error("item %llu: ids are 0..%u",
				   (unsigned long long)v, SMEM_ITEM_COUNT - 1);
	*id = (uint32_t)v;
	return 0;
}

static int parse_u32(const char *s, const char *what, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, what, false, &v))
		return EXIT_USAGE;
	if (v > UINT32_MAX)
		return usage_error("%s %s: does not fit 32 bits", what, s);
	*out = (uint32_t)v;
	return 0;
}

/* ------------------------------------------------------------- init */

static int do_init(int argc, char **argv)
{
	struct smem_ctx cx;
	const struct mw_platform *p;
	const struct mw_resource *mem;
	struct smem_heap_info hi;
	struct mw_region *r = NULL;
	struct smem *sm = NULL;
	char path[4096];
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smem init: unexpected argument '%s'",
				   argv[idx]);
	if (cx.ro.dump || cx.ro.devmem)
		return usage_error("smem init formats a region file: use --file");
	if (cx.ro.have_phys || cx.ro.have_size || cx.ro.write)
		return usage_error("smem init lays out the platform's memory "
				   "resource: --phys, --size and --write are "
				   "not taken (a smaller region: `memwire "
				   "region create --phys --size`)");
	ret = mw_platform_get(cx.platform, &p);
	if (ret)
		return usage_error("%s", mw_last_error());
	mem = mw_platform_memory(p);
	if (!cx.ro.file) {
		ret = default_region_file(path, sizeof(path));
		if (ret)
			return ret;
		cx.ro.file = path;
	}
	ret = mw_region_attach(cx.ro.file, 0, &r);
	if (ret == -ENOENT)
		ret = mw_region_create(cx.ro.file, p->name, mem->phys,
				       mem->size, MW_REGION_EXCL, &r);
	if (ret)
		return fail_lib(ret);
	ret = smem_open(r, NULL, &sm);
	if (!ret)
		ret = smem_init_heap(sm, cx.force ? SMEM_INIT_FORCE : 0);
	if (ret) {
		ret = ret == -EEXIST ? fail("%s (--force formats it again)",
					    mw_last_error())
				     : fail_lib(ret);
		goto out;
	}
	smem_heap_info(sm, &hi);
	print_str("file", "%s: ", mw_region_path(r));
	print_str("platform", "%s heap", p->name);
	print_u64("phys", " at 0x%llx", hi.phys);
	print_u64("size", ", 0x%llx bytes", hi.size);
	print_u64("version", ", SMEM version %llu", hi.version[7] >> 16);
	print_u64("free_offset", ", free_offset 0x%llx", hi.free_offset);
	print_u64("available", ", available 0x%llx\n", hi.available);
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* ------------------------------------------------------------- show */

static const char *slot_name(unsigned i)
{
	switch (i) {
	case SMEM_VERSION_QDSP6: return "QDSP6";
	case SMEM_VERSION_APPS_SBL: return "APPS_SBL";
	case SMEM_VERSION_MODEM_SBL: return "MODEM_SBL";
	case SMEM_VERSION_APPS: return "APPS";
	case SMEM_VERSION_MODEM: return "MODEM";
	case SMEM_VERSION_DSPS: return "DSPS";
	case SMEM_VERSION_WCNSS: return "WCNSS (memwire)";
	case SMEM_VERSION_RPM: return "RPM (memwire)";
	}
	return "";
}

/* One line saying what a well-known item holds. */
static void describe(const struct smem *sm, const struct smem_item *it,
		     char *buf, size_t len)
{
	buf[0] = '\0';
	if (it->problem || !it->ptr)
		return;
	if (it->id == SMEM_HW_SW_BUILD_ID) {
		struct smem_socinfo si;

		if (smem_socinfo_read(sm, &si) == 0)
			snprintf(buf, len, "socinfo %s v%u.%u build \"%s\"",
				 si.id_name ? si.id_name : "chip?",
				 si.version >> 16, si.version & 0xFFFF,
				 si.build_id);
	} else if (it->id == SMEM_SMSM_SHARED_STATE) {
		struct smem_smsm s;

		if (smem_smsm_read(sm, &s) == 0)
			snprintf(buf, len, "SMSM %u entries, apps 0x%08x modem "
					   "0x%08x",
				 s.num_entries, s.state[0], s.state[1]);
	} else if (it->id == SMEM_SMSM_SIZE_INFO && it->size >= 8) {
		const uint32_t *w = it->ptr;

		snprintf(buf, len, "%u hosts, %u entries", w[0], w[1]);
	} else if (it->id == SMEM_CHANNEL_ALLOC_TBL) {
		struct smem_smd_channel ch[SMEM_SMD_CHANNELS];
		int n = smem_smd_table_read(sm, ch);

		if (n >= 0)
			snprintf(buf, len, "SMD channel table, %d channel%s", n,
				 n == 1 ? "" : "s");
	} else if (it->id == SMEM_DIAG_ERR_MESSAGE) {
		const char *m = it->ptr;
		size_t i, o = 0;

		for (i = 0; i < it->size && m[i] && o + 2 < len && i < 48; i++)
			buf[o++] = m[i] >= 0x20 && m[i] < 0x7f ? m[i] : '.';
		buf[o] = '\0';
		if (o)
			memmove(buf + 1, buf, o + 1), buf[0] = '"',
				strncat(buf, "\"", len - strlen(buf) - 1);
	} else if ((it->id == SMEM_SMEM_LOG_IDX ||
		    it->id == SMEM_SMEM_STATIC_LOG_IDX ||
		    it->id == SMEM_SMEM_LOG_POWER_IDX) &&
		   it->size >= 4) {
		snprintf(buf, len, "log index: next slot %u",
			 *(const uint32_t *)it->ptr);
	} else if (it->id >= SMEM_SMD_FIFO_BASE_ID &&
		   it->id < SMEM_SMD_FIFO_BASE_ID + 64) {
		snprintf(buf, len, "SMD FIFO of channel %u, 2 x %u bytes",
			 it->id - SMEM_SMD_FIFO_BASE_ID, it->size / 2);
	} else if (it->id >= SMEM_SMD_BASE_ID && it->id < SMEM_SMD_BASE_ID + 64) {
		snprintf(buf, len, "SMD half-channels of channel %u (%s)",
			 it->id - SMEM_SMD_BASE_ID,
			 it->size == 88 ? "word" : "byte");
	}
}

struct show_ctx {
	const struct smem *sm;
	unsigned n, bad;
};

static int show_item(const struct smem_item *it, void *arg)
{
	struct show_ctx *sc = arg;
	char what[160];

	describe(sc->sm, it, what, sizeof(what));
	open_object(NULL);
	if (it->problem) {
		/* Which entry, for -j readers (the text is in the message). */
		if (it->partition < 0)
			print_u64("id", NULL, it->id);
		else
			print_u64("partition", NULL, (uint64_t)it->partition);
		print_str("problem", "  BAD  %s\n", it->problem);
		sc->bad++;
		close_object();
		return 0;
	}
	print_u64("id", "%5llu", it->id);
	print_str("name", "  %-34s", it->name ? it->name : "-");
	print_u64("offset", "  0x%06llx", it->offset);
	print_u64("size", "  %8llu", it->size);
	if (it->partition >= 0) {
		print_u64("partition", "  part %llu", (uint64_t)it->partition);
		print_u64("host0", " %llu", it->host0);
		print_u64("host1", "/%llu", it->host1);
		print_bool("cached", NULL, it->cached);
	}
	if (it->aux_base)
		print_u64("aux_base", "  aux 0x%llx", it->aux_base);
	if (what[0])
		print_str("what", "  %s", what);
	print_text("\n");
	close_object();
	sc->n++;
	return 0;
}

int print_smem_heap(const struct smem *sm, const char *source)
{
	struct smem_heap_info hi;
	struct show_ctx sc = { .sm = sm };
	char problem[1024] = "";
	unsigned i;
	int ret, walk;

	ret = smem_heap_info(sm, &hi);
	if (ret)
		return fail_lib(ret);
	print_u64("phys", "heap        0x%llx", hi.phys);
	print_u64("size", ", 0x%llx bytes", hi.size);
	print_str("source", " (%s)\n", source);
	print_u64("version", "version     %llu", hi.version[7] >> 16);
	print_str("layout", " (%s)\n",
		  hi.layout == 11   ? "global heap"
		  : hi.layout == 12 ? "global partition"
				    : "unknown");
	print_u64("initialized", "initialized %llu\n", hi.initialized);
	print_u64("free_offset", "free_offset 0x%llx\n", hi.free_offset);
	print_u64("available", "available   0x%llx\n", hi.available);
	print_u64("reserved", "reserved    %llu\n", hi.reserved);
	if (hi.has_ptable) {
		print_u64("partitions", "partitions  %llu", hi.partitions);
		print_u64("item_count", " (%llu items)\n", hi.item_count);
	}
	print_text("versions\n");
	open_array("versions");
	for (i = 0; i < 32; i++) {
		if (!hi.version[i])
			continue;
		open_object(NULL);
		print_u64("slot", "  [%2llu]", i);
		print_str("slot_name", " %-16s", slot_name(i));
		print_u64("major", " major 0x%04llx", hi.version[i] >> 16);
		print_u64("minor", " minor 0x%04llx", hi.version[i] & 0xFFFF);
		print_u64("raw", " (0x%08llx)\n", hi.version[i]);
		close_object();
	}
	close_array();
	print_text("items\n");
	print_text("%5s  %-34s  %8s  %8s\n", "id", "name", "offset", "size");
	open_array("items");
	walk = smem_foreach_item(sm, show_item, &sc);
	if (walk)
		snprintf(problem, sizeof(problem), "%s", mw_last_error());
	close_array();
	print_u64("count", "%llu items\n", sc.n);
	if (walk == 0)
		walk = smem_validate(sm);
	if (walk) {
		if (!problem[0])
			snprintf(problem, sizeof(problem), "%s",
				 mw_last_error());
		return fail_keep("corrupt heap: %s", problem);
	}
	return EXIT_OK;
}

static int do_show(int argc, char **argv)
{
	struct smem_ctx cx;
	struct mw_region *r;
	struct smem *sm;
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smem show: unexpected argument '%s'",
				   argv[idx]);
	ret = smem_open_cli(&cx, OPEN_READ, &r, &sm);
	if (ret)
		return ret;
	ret = print_smem_heap(sm, mw_region_kind_name(mw_region_kind(r)));
	smem_close_cli(r, sm);
	return ret;
}

/* -------------------------------------------------------------- get */

void print_hexdump(const uint8_t *p, uint32_t len)
{
	char line[100];
	uint32_t i, j;

	for (i = 0; i < len; i += 16) {
		int o = snprintf(line, sizeof(line), "  %06x ", i);

		for (j = 0; j < 16; j++)
			o += snprintf(line + o, sizeof(line) - o,
				      i + j < len ? " %02x" : "   ",
				      i + j < len ? p[i + j] : 0);
		o += snprintf(line + o, sizeof(line) - o, "  ");
		for (j = 0; j < 16 && i + j < len; j++)
			line[o++] = p[i + j] >= 0x20 && p[i + j] < 0x7f
					    ? (char)p[i + j]
					    : '.';
		line[o] = '\0';
		print_text("%s\n", line);
	}
}

static void print_decoded(const struct smem *sm, uint32_t id)
{
	unsigned i, h;

	if (id == SMEM_HW_SW_BUILD_ID) {
		struct smem_socinfo si;

		if (smem_socinfo_read(sm, &si))
			return;
		open_object("socinfo");
		print_u64("format", "socinfo format %llu\n", si.format);
		print_u64("id", "  chip id     %llu", si.id);
		print_str("chip", " (%s)\n", si.id_name ? si.id_name : "unknown");
		print_u64("version_major", "  version     %llu", si.version >> 16);
		print_u64("version_minor", ".%llu\n", si.version & 0xFFFF);
		print_str("build_id", "  build id    %s\n", si.build_id);
		if (si.fields >= 2) {
			print_u64("raw_id", "  raw id      %llu", si.raw_id);
			print_u64("raw_version", ", raw version %llu\n",
				  si.raw_version);
		}
		if (si.fields >= 3)
			print_u64("hw_platform", "  hw platform %llu\n",
				  si.hw_platform);
		if (si.fields >= 4)
			print_u64("platform_version",
				  "  platform version 0x%llx\n",
				  si.platform_version);
		if (si.fields >= 8) {
			print_u64("pmic_model", "  pmic model  %llu",
				  si.pmic_model);
			print_u64("pmic_die_revision", ", die revision 0x%llx\n",
				  si.pmic_die_revision);
		}
		close_object();
	} else if (id == SMEM_SMSM_SHARED_STATE || id == SMEM_SMSM_SIZE_INFO ||
		   id == SMEM_SMSM_CPU_INTR_MASK) {
		struct smem_smsm s;

		if (smem_smsm_read(sm, &s))
			return;
		open_object("smsm");
		print_u64("num_hosts", "SMSM %llu hosts", s.num_hosts);
		print_u64("num_entries", ", %llu entries", s.num_entries);
		print_bool("size_info", NULL, s.have_size_info);
		print_text("%s\n", s.have_size_info ? "" : " (defaults: no item 419)");
		open_array("entries");
		for (i = 0; i < s.num_entries; i++) {
			char bits[400] = "";
			uint32_t b;

			for (b = 1; b; b <<= 1) {
				const char *n = smem_smsm_bit_name(b);

				if (!(s.state[i] & b))
					continue;
				if (bits[0])
					strncat(bits, "|", sizeof(bits) - strlen(bits) - 1);
				if (n) {
					strncat(bits, n, sizeof(bits) - strlen(bits) - 1);
				} else {
					char hx[16];

					snprintf(hx, sizeof(hx), "0x%x", b);
					strncat(bits, hx, sizeof(bits) - strlen(bits) - 1);
				}
			}
			open_object(NULL);
			print_u64("entry", "  [%llu]", i);
			print_str("name", " %-16s",
				  smem_smsm_entry_name(i) ? smem_smsm_entry_name(i) : "");
			print_u64("state", " 0x%08llx", s.state[i]);
			print_str("bits", " %s\n", bits);
			if (s.have_mask) {
				open_array("mask");
				for (h = 0; h < s.num_hosts; h++)
					print_u64(NULL, NULL, s.mask[i][h]);
				close_array();
			}
			close_object();
		}
		close_array();
		close_object();
	} else if (id == SMEM_CHANNEL_ALLOC_TBL) {
		struct smem_smd_channel ch[SMEM_SMD_CHANNELS];
		int n = smem_smd_table_read(sm, ch);

		if (n < 0) {
			print_str("decode_error", "  (%s)\n", mw_last_error());
			return;
		}
		print_text("SMD channels\n");
		open_array("channels");
		for (i = 0; i < (unsigned)n; i++) {
			const char *e = smem_smd_edge_name(ch[i].edge);

			open_object(NULL);
			print_str("name", "  %-20s", ch[i].name);
			print_u64("cid", " cid %2llu", ch[i].cid);
			print_u64("edge", " edge %2llu", ch[i].edge);
			print_str("edge_name", " %-12s", e ? e : "?");
			print_str("xfer", " %s",
				  ch[i].xfer == 1   ? "stream"
				  : ch[i].xfer == 2 ? "packet"
						    : "legacy");
			print_u64("ref_count", " ref %llu\n", ch[i].ref_count);
			close_object();
		}
		close_array();
	}
}

static int do_get(int argc, char **argv)
{
	struct smem_ctx cx;
	struct mw_region *r;
	struct smem *sm;
	uint32_t id = 0, size = 0;
	uint64_t phys = 0;
	void *p;
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("smem get: expected ID");
	if ((ret = parse_item(argv[idx], &id)))
		return ret;
	if (cx.hex && cx.raw)
		return usage_error("smem get: --hex and --raw exclude each other");
	if (cx.raw && json_output)
		return usage_error("smem get --raw writes bytes: not with -j");
	ret = smem_open_cli(&cx, OPEN_READ, &r, &sm);
	if (ret)
		return ret;
	ret = smem_get_addr(sm, id, &p, &size);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	if (cx.raw) {
		ret = fwrite(p, 1, size, stdout) == size ? EXIT_OK
							 : fail("short write");
		goto out;
	}
	mw_region_phys_of(r, p, size, &phys);
	print_u64("id", "item %llu", id);
	print_str("name", " %s\n", smem_item_name(id) ? smem_item_name(id) : "-");
	print_u64("offset", "  offset 0x%llx",
		  phys - smem_get_firstMemoryResourcePhysicalStart(sm));
	print_u64("phys", ", phys 0x%llx", phys);
	print_u64("size", ", %llu bytes\n", size);
	print_decoded(sm, id);
	if (cx.hex || !json_output) {
		uint32_t shown = cx.hex || size <= 64 ? size : 64;

		if (json_output) {
			char *hx = malloc((size_t)size * 2 + 1);
			uint32_t i;

			if (!hx) {
				ret = fail("out of memory");
				goto out;
			}
			for (i = 0; i < size; i++)
				sprintf(hx + 2 * i, "%02x",
					((const uint8_t *)p)[i]);
			hx[2 * size] = '\0';
			print_str("data", NULL, hx);
			free(hx);
		} else {
			print_hexdump(p, shown);
			if (shown < size)
				print_text("  ... %u more bytes (--hex shows "
					   "all)\n",
					   size - shown);
		}
	}
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* ------------------------------------------------------------ alloc */

static int do_alloc(int argc, char **argv)
{
	struct smem_ctx cx;
	struct mw_region *r;
	struct smem *sm;
	uint32_t id = 0, size = 0, had_size = 0;
	uint64_t phys = 0;
	void *p, *q;
	bool existed;
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (argc - idx != 2)
		return usage_error("smem alloc: expected ID SIZE");
	if ((ret = parse_item(argv[idx], &id)) ||
	    (ret = parse_u32(argv[idx + 1], "size", &size)))
		return ret;
	ret = smem_open_cli(&cx, OPEN_PROC, &r, &sm);
	if (ret)
		return ret;
	existed = smem_get_addr(sm, id, &q, &had_size) == 0;
	ret = smem_alloc(sm, id, size, &p);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	smem_get_addr(sm, id, &q, &had_size);
	mw_region_phys_of(r, p, had_size, &phys);
	print_u64("id", "item %llu", id);
	print_str("name", " %s", smem_item_name(id) ? smem_item_name(id) : "-");
	print_str("result", ": %s", existed ? "existing" : "allocated");
	print_u64("offset", " at offset 0x%llx",
		  phys - smem_get_firstMemoryResourcePhysicalStart(sm));
	print_u64("phys", " (phys 0x%llx)", phys);
	print_u64("size", ", %llu bytes\n", had_size);
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* ---------------------------------------------------------- version */

static int do_version(int argc, char **argv)
{
	struct smem_ctx cx;
	struct smem_heap_info hi;
	struct mw_region *r;
	struct smem *sm;
	uint32_t type = 0, version = 0, mask = 0;
	unsigned i;
	int idx, ret;
	bool set;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	set = idx < argc && !strcmp(argv[idx], "set");
	if (set ? argc - idx != 4 : argc != idx)
		return usage_error("smem version: expected nothing, or set TYPE "
				   "VERSION MASK");
	if (set && ((ret = parse_u32(argv[idx + 1], "type", &type)) ||
		    (ret = parse_u32(argv[idx + 2], "version", &version)) ||
		    (ret = parse_u32(argv[idx + 3], "mask", &mask))))
		return ret;
	ret = smem_open_cli(&cx, set ? OPEN_PROC : OPEN_READ, &r, &sm);
	if (ret)
		return ret;
	if (set) {
		ret = smem_version_set(sm, type, version, mask);
		if (ret < 0) {
			ret = fail_lib(ret);
			goto out;
		}
		print_u64("type", "item %llu", type);
		print_u64("slot", ", slot %llu", smem_version_slot(sm));
		print_u64("version", ": 0x%08llx", version);
		print_u64("mask", " under mask 0x%08llx", mask);
		print_bool("match", NULL, ret == 1);
		print_text(" %s\n", ret == 1 ? "matches every registered version"
					     : "DIFFERS from a registered version");
		ret = ret == 1 ? EXIT_OK : fail_keep("version mismatch");
		goto out;
	}
	ret = smem_heap_info(sm, &hi);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	open_array("versions");
	for (i = 0; i < 32; i++) {
		open_object(NULL);
		print_u64("slot", "[%2llu]", i);
		print_str("slot_name", " %-16s", slot_name(i));
		print_u64("major", " 0x%04llx", hi.version[i] >> 16);
		print_u64("minor", ".%04llx\n", hi.version[i] & 0xFFFF);
		close_object();
	}
	close_array();
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* ------------------------------------------------------------- lock */

static const char *owner_name(const struct mw_platform *p, uint32_t id)
{
	unsigned i;

	for (i = 0; p && i < p->nprocs; i++)
		if (p->procs[i].hwmutex_id == id)
			return p->procs[i].name;
	return id ? "?" : "free";
}

static int do_lock(int argc, char **argv)
{
	struct smem_ctx cx;
	const struct mw_platform *plat;
	struct mw_region *r;
	struct smem *sm;
	uint32_t n32 = 0, owner;
	unsigned n;
	int idx, ret;
	bool one;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	one = idx < argc;
	if (argc - idx > 1)
		return usage_error("smem lock: expected [N]");
	if (!one && (cx.clear || cx.hold_ms))
		return usage_error("smem lock: --hold and --clear need a lock N");
	if (cx.clear && cx.hold_ms)
		return usage_error("smem lock: --hold and --clear exclude each "
				   "other");
	if (one) {
		if ((ret = parse_u32(argv[idx], "lock", &n32)))
			return ret;
		if (n32 >= MW_HWMUTEX_COUNT)
			return usage_error("lock %u: there are %u (0..%u)", n32,
					   MW_HWMUTEX_COUNT,
					   MW_HWMUTEX_COUNT - 1);
	}
	ret = smem_open_cli(&cx,
			    !one      ? OPEN_READ
			    : cx.clear ? OPEN_WRITE
				       : OPEN_PROC,
			    &r, &sm);
	if (ret)
		return ret;
	plat = mw_region_platform(r);
	if (!plat)
		mw_platform_get(NULL, &plat);
	if (!one) {
		open_array("locks");
		for (n = 0; n < MW_HWMUTEX_COUNT; n++) {
			ret = smem_lock_owner(sm, n, &owner);
			if (ret) {
				ret = fail_lib(ret);
				goto out;
			}
			open_object(NULL);
			print_u64("lock", "S:%-2llu", n);
			print_u64("owner", " %llu", owner);
			print_str("owner_name", " %s\n", owner_name(plat, owner));
			close_object();
		}
		close_array();
		ret = EXIT_OK;
		goto out;
	}
	n = n32;
	if (cx.clear) {
		ret = smem_set_lock0(sm, n);
		if (ret < 0) {
			ret = fail_lib(ret);
			goto out;
		}
		print_u64("lock", "S:%llu set to 0", n);
		print_u64("previous_owner", " (was %llu", (uint64_t)ret);
		print_str("previous_owner_name", " %s)\n",
			  owner_name(plat, (uint32_t)ret));
		ret = EXIT_OK;
		goto out;
	}
	ret = smem_spin_lock(sm, n);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	print_u64("lock", "S:%llu taken", n);
	print_str("by", " by %s\n", cx.proc ? cx.proc : "apps");
	if (cx.hold_ms > 0) {
		struct timespec ts = { cx.hold_ms / 1000,
				       (cx.hold_ms % 1000) * 1000000L };

		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	ret = smem_spin_unlock(sm, n);
	ret = ret ? fail_lib(ret) : EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* -------------------------------------------------------------- log */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_event(const struct smem_log_event *e)
{
	char name[96];

	smem_log_decode(e->identifier, name, sizeof(name));
	open_object(NULL);
	print_u64("slot", "%4llu", e->slot);
	print_u64("identifier", "  %08llx", e->identifier);
	print_u64("timetick", " %08llx", e->timetick);
	print_u64("data1", " %08llx", e->data[0]);
	print_u64("data2", " %08llx", e->data[1]);
	print_u64("data3", " %08llx", e->data[2]);
	print_str("event", "  %s\n", name);
	close_object();
}

int print_smem_log(struct smem *sm, int log, unsigned flags,
		   unsigned max)
{
	static struct smem_log_event ev[2000];
	uint32_t next;
	int n, i;

	n = smem_read_log_events(sm, log, ev, max < 2000 ? max : 2000, flags,
				 &next);
	if (n < 0)
		return fail_lib(n);
	print_str("log", "%s log", smem_log_name(log));
	print_u64("next_index", ", next index %llu", next);
	print_str("order", ", %s first\n",
		  flags & SMEM_LOG_OLDEST_FIRST ? "oldest" : "newest");
	open_array("events");
	for (i = 0; i < n; i++)
		print_event(&ev[i]);
	close_array();
	return EXIT_OK;
}

static int log_write(struct smem *sm, struct smem_ctx *cx, int argc,
		     char **argv)
{
	uint32_t v[7];
	int i, ret;

	if (argc != 4 && argc != 7)
		return usage_error("smem log write: expected ID D1 D2 D3 "
				   "[D4 D5 D6]");
	for (i = 0; i < argc; i++)
		if ((ret = parse_u32(argv[i], i ? "data" : "identifier",
				     &v[i])))
			return ret;
	if (argc == 4)
		ret = smem_write_log_event3(sm, cx->log, v[0], v[1], v[2], v[3]);
	else
		ret = smem_write_log_event6(sm, cx->log, v[0], v[1], v[2], v[3],
					    v[4], v[5], v[6]);
	if (ret < 0)
		return fail_lib(ret);
	print_str("log", "%s log: ", smem_log_name(cx->log));
	print_bool("written", NULL, argc == 4 || ret == 1);
	print_text("%s\n", argc == 4 || ret == 1
				   ? "written"
				   : "pair dropped at the last slot (index "
				     "wrapped to 0)");
	return EXIT_OK;
}

static int do_log(int argc, char **argv)
{
	static struct smem_log_event ev[2000];
	struct smem_ctx cx;
	struct mw_region *r;
	struct smem *sm;
	const char *sub = NULL;
	uint32_t next, last = 0;
	int idx, ret, n, i;
	bool first = true;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		sub = argv[idx];
		if (strcmp(sub, "write") && strcmp(sub, "init"))
			return usage_error("smem log: expected init, write, or "
					   "nothing (read), not '%s'", sub);
		if (!strcmp(sub, "init") && argc - idx != 1)
			return usage_error("smem log init: no arguments");
	}
	if (cx.follow && json_output)
		return usage_error("smem log --follow prints lines: not with -j");
	ret = smem_open_cli(&cx, sub ? OPEN_PROC : OPEN_READ, &r, &sm);
	if (ret)
		return ret;
	if (sub && !strcmp(sub, "init")) {
		ret = smem_init_log_buffer(sm, cx.log);
		if (ret) {
			ret = fail_lib(ret);
			goto out;
		}
		print_str("log", "%s log ready", smem_log_name(cx.log));
		print_u64("entries", ": %llu entries\n", smem_log_entries(cx.log));
		ret = EXIT_OK;
		goto out;
	}
	if (sub) {
		ret = log_write(sm, &cx, argc - idx - 1, argv + idx + 1);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	print_str("log", NULL, smem_log_name(cx.log));
	open_array("events");
	do {
		n = smem_read_log_events(sm, cx.log, ev, sizeof(ev) / sizeof(ev[0]),
					 cx.oldest || cx.follow
						 ? SMEM_LOG_OLDEST_FIRST
						 : 0,
					 &next);
		if (n < 0) {
			close_array();
			ret = fail_lib(n);
			goto out;
		}
		if (first) {
			int start = 0;

			if (cx.count && (uint64_t)n > cx.count)
				start = cx.oldest || cx.follow
						? n - (int)cx.count
						: 0;
			for (i = start; i < n && (!cx.count || i - start <
								      (int)cx.count);
			     i++)
				print_event(&ev[i]);
			first = false;
		} else if (next != last) {
			/* New entries: slots from `last` up to `next`. */
			unsigned ring = smem_log_entries(cx.log);

			for (i = 0; i < n; i++) {
				uint32_t d = (ev[i].slot + ring - last) % ring;

				if (d < (next + ring - last) % ring)
					print_event(&ev[i]);
			}
		}
		last = next;
		fflush(stdout);
		if (cx.follow && !stop) {
			struct timespec ts = { 0, 100 * 1000000L };

			nanosleep(&ts, NULL);
		}
	} while (cx.follow && !stop);
	close_array();
	print_u64("next_index", NULL, next);
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* -------------------------------------------------------- translate */

static int do_translate(int argc, char **argv)
{
	struct smem_ctx cx;
	struct smem_mapping m;
	struct mw_region *r;
	struct smem *sm;
	uint64_t phys;
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (argc - idx != 1)
		return usage_error("smem translate: expected PHYS");
	if (parse_u64(argv[idx], "PHYS", false, &phys))
		return EXIT_USAGE;
	ret = smem_open_cli(&cx, cx.ro.devmem && cx.ro.write ? OPEN_WRITE
							      : OPEN_READ,
			    &r, &sm);
	if (ret)
		return ret;
	ret = smem_translate(sm, phys, &m);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	print_u64("phys", "0x%llx", phys);
	print_str("resource", " is %s", m.res->name);
	print_str("kind", " (%s)", mw_res_kind_name(m.res->kind));
	print_u64("va", " mapped at 0x%llx", (uint64_t)(uintptr_t)m.va);
	print_bool("emulated", NULL, m.emulated);
	print_text("%s", m.emulated ? " (memwire's shadow register)" : "");
	print_u64("value", ", holds 0x%08llx\n", *m.va);
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

/* --------------------------------------------------------- validate */

static int do_validate(int argc, char **argv)
{
	struct smem_ctx cx;
	struct smem_heap_info hi;
	struct mw_region *r;
	struct smem *sm;
	int idx, ret;

	idx = smem_parse(argc, argv, &cx);
	if (idx < 0)
		return -idx;
	if (idx < argc)
		return usage_error("smem validate: unexpected argument '%s'",
				   argv[idx]);
	ret = smem_open_cli(&cx, OPEN_READ, &r, &sm);
	if (ret)
		return ret;
	ret = smem_validate(sm);
	if (ret) {
		print_bool("valid", NULL, false);
		ret = fail_keep("corrupt heap: %s", mw_last_error());
		goto out;
	}
	smem_heap_info(sm, &hi);
	print_bool("valid", "heap is sound", true);
	print_u64("version", ": SMEM version %llu", hi.version[7] >> 16);
	print_u64("free_offset", ", free_offset 0x%llx", hi.free_offset);
	print_u64("available", ", available 0x%llx\n", hi.available);
	ret = EXIT_OK;
out:
	smem_close_cli(r, sm);
	return ret;
}

static const struct cmd cmds[] = {
	{ "init", do_init, "[--platform NAME] [--file PATH] [--force]",
	  "create and format a heap as the boot loader does" },
	{ "show", do_show, REGION_OPTS_USAGE,
	  "header, versions and every item with its name and contents" },
	{ "alloc", do_alloc, "ID SIZE [--proc PROC] [--file PATH]",
	  "allocate an item (or find it when the size matches)" },
	{ "get", do_get, "ID [--hex | --raw] " REGION_OPTS_USAGE,
	  "one item: where it is, decoded when known, its bytes" },
	{ "version", do_version, "[set TYPE VERSION MASK [--slot N]] [--proc PROC]",
	  "the version array, or register a version (smem_version_set)" },
	{ "lock", do_lock, "[N [--hold MS | --clear]] [--proc PROC] [--timeout MS]",
	  "hardware mutex owners, take one, or force it free" },
	{ "log", do_log,
	  "[init | write ID D1 D2 D3 [D4 D5 D6]] [--static | --power] "
	  "[--follow] [--oldest-first] [--count N]",
	  "the SMEM event log, decoded" },
	{ "translate", do_translate, "PHYS",
	  "where an extra resource (doorbell register) is mapped" },
	{ "validate", do_validate, REGION_OPTS_USAGE,
	  "check a heap: exit 0 when sound, 1 naming the first bad field" },
	{ NULL, NULL, NULL, NULL },
};

int do_smem(int argc, char **argv)
{
	return cmd_select(cmds, "smem", argc - 1, argv + 1);
}
