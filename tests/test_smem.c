/* SPDX-License-Identifier: MIT */
/*
 * test_smem.c - the SMEM heap: golden images, allocation, real processes
 * allocating and locking at once, hostile images, the event logs, the
 * version array, the hardware mutexes and translate.
 *
 * The golden images are written byte by byte from the reference tables
 * (../shared/reference/smem_smd.md §1.2, §1.5, §1.6, §5.1, §6.1, §6.11 and
 * Appendix A): little-endian words put at the documented offsets, never the
 * library's structs or src/smem/layout.h, so a wrong pin there fails here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "memwire/core.h"
#include "memwire/smem.h"
#include "core/barrier.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define BASE 0x80000000ull /* MSM_SHARED_RAM_PHYS, §1.1 */
#define SIZE 0x200000ull   /* §1.1 */

/* §1.2: the v11 header. */
#define H_VERSION     0x040u /* version[32] */
#define H_INITIALIZED 0x0C0u
#define H_FREE_OFFSET 0x0C4u
#define H_AVAILABLE   0x0C8u
#define H_RESERVED    0x0CCu
#define H_TOC         0x0D0u /* toc[512], 16 bytes each */
#define H_END         0x20D0u
/* toc[id]: +0 allocated, +4 offset, +8 size, +12 aux_base */
#define TOC(id) (H_TOC + 16u * (id))
/* Where memwire's boot loader puts the heap after items 4..8. */
#define FIXED_END 0x21D0u

/* §4.1: SFPB mutex n at 0x01200604 + 4n; §7.1: the doorbells. */
#define SFPB_MUTEX(n) (0x01200604ull + 4u * (n))
#define APCS_IPC      0x02011008ull
#define DSPS_SMD_IPC  0x12104080ull
#define DSPS_SMSM_IPC 0x12104094ull

/* ---------------------------------------------------------------- fixture */

struct fx {
	char dir[PATH_MAX - 64];
	char path[PATH_MAX];
	struct mw_region *r;
	uint8_t *data; /* the region's bytes: phys BASE */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	void *p;

	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/heap.smem", f->dir);
	if (mw_region_create(f->path, "msm8930", BASE, SIZE, MW_REGION_EXCL,
			     &f->r) ||
	    mw_region_ptr(f->r, BASE, SIZE, &p))
		return -1;
	f->data = p;
	*state = f;
	return 0;
}

/* The region, laid out by the boot loader. */
static int setup_heap(void **state)
{
	struct smem *sm;
	struct fx *f;
	int ret;

	if (setup(state))
		return -1;
	f = *state;
	if (smem_open(f->r, NULL, &sm))
		return -1;
	ret = smem_init_heap(sm, 0);
	smem_close(sm);
	return ret ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mw_region_close(f->r);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* The heap of the fixture's region, as processor @proc (NULL: none). */
static struct smem *open_as(struct fx *f, const char *proc)
{
	struct smem *sm = NULL;
	int ret = smem_open(f->r, proc, &sm);

	if (ret)
		fail_msg("smem_open as %s: %d '%s'", proc ? proc : "observer",
			 ret, mw_last_error());
	return sm;
}

/* In a child: attach the region file on its own and open it as @proc. */
static int child_open(const char *path, const char *proc,
		      struct mw_region **r, struct smem **sm)
{
	if (mw_region_attach(path, 0, r))
		return -1;
	if (smem_open(*r, proc, sm)) {
		mw_region_close(*r);
		return -1;
	}
	return 0;
}

static void child_close(struct mw_region *r, struct smem *sm)
{
	smem_close(sm);
	mw_region_close(r);
}

/*
 * fork() for a test: a child that outlives its purpose (its parent failed
 * an assertion and will never answer) is ended by SIGALRM instead of
 * hanging the suite.
 */
#define CHILD_TIMEOUT_S 30

static pid_t fork_child(void)
{
	pid_t pid = fork();

	if (pid == 0)
		alarm(CHILD_TIMEOUT_S);
	return pid;
}

/* Wait for child @pid, return its exit status (or 128 + signal). */
static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* @fd has something to read (or EOF) within @ms. */
static bool readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* Shared memory for children to report back through. */
static void *shared_page(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* @call must fail with @err and a message containing @what. */
#define assert_fails(call, err, what)                                          \
	do {                                                                   \
		int ret_ = (call);                                             \
		if (ret_ != (err) || !strstr(mw_last_error(), (what)))         \
			fail_msg("%s: got %d '%s', expected %d '...%s...'",    \
				 #call, ret_, mw_last_error(), (int)(err),     \
				 (what));                                      \
	} while (0)

static void assert_same_bytes(const uint8_t *got, const uint8_t *want,
			      size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("byte 0x%zx: got 0x%02x, want 0x%02x", i,
				 got[i], want[i]);
}

static uint32_t align8(uint32_t v)
{
	return (v + 7u) & ~7u;
}

/* ----------------------------------------------------------- golden bytes */

static void put8(uint8_t *b, size_t off, uint32_t v)
{
	b[off] = (uint8_t)v;
}

static void put16(uint8_t *b, size_t off, uint32_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
	b[off + 2] = (uint8_t)(v >> 16);
	b[off + 3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	       (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

static void putstr(uint8_t *b, size_t off, const char *s)
{
	memcpy(b + off, s, strlen(s));
}

static void toc_put(uint8_t *img, uint32_t id, uint32_t off, uint32_t size)
{
	put32(img, TOC(id) + 0x0, 1);
	put32(img, TOC(id) + 0x4, off);
	put32(img, TOC(id) + 0x8, size);
	put32(img, TOC(id) + 0xC, 0);
}

/*
 * A v11 heap as memwire's boot loader lays it out: items 0..3 in the header
 * (§1.5), items 4..8 after it in id order with the sizes memwire chose (4, 5
 * and 8: 8 bytes; 6: 200, SZ_DIAG_ERR_MSG; 7: 32, the spinlock array),
 * version[7] = 0x000B0000, counters, initialized = 1.
 */
static void golden_v11(uint8_t *img, size_t size)
{
	memset(img, 0, size);
	put32(img, H_VERSION + 4 * 7, 0x000B0000);
	toc_put(img, 0, 0x000, 64);
	toc_put(img, 1, 0x0C0, 16);
	toc_put(img, 2, 0x0D0, 0x2000);
	toc_put(img, 3, 0x040, 128);
	toc_put(img, 4, 0x20D0, 8);
	toc_put(img, 5, 0x20D8, 8);
	toc_put(img, 6, 0x20E0, 200);
	toc_put(img, 7, 0x21A8, 32);
	toc_put(img, 8, 0x21C8, 8);
	put32(img, H_FREE_OFFSET, FIXED_END);
	put32(img, H_AVAILABLE, (uint32_t)size - FIXED_END);
	put32(img, H_RESERVED, 0);
	put32(img, H_INITIALIZED, 1);
}

/* Bump-allocate item @id by hand (§1.4); returns its offset. */
static uint32_t golden_alloc(uint8_t *img, uint32_t id, uint32_t size)
{
	uint32_t off = get32(img, H_FREE_OFFSET);

	size = align8(size);
	toc_put(img, id, off, size);
	put32(img, H_FREE_OFFSET, off + size);
	put32(img, H_AVAILABLE, get32(img, H_AVAILABLE) - size);
	return off;
}

/* §5.1: one 20-byte log entry. */
static void log_put(uint8_t *img, size_t ev, uint32_t slot, uint32_t id,
		    uint32_t t, uint32_t d1, uint32_t d2, uint32_t d3)
{
	size_t o = ev + 20u * slot;

	put32(img, o + 0x0, id);
	put32(img, o + 0x4, t);
	put32(img, o + 0x8, d1);
	put32(img, o + 0xC, d2);
	put32(img, o + 0x10, d3);
}

/*
 * Item 137, socinfo format 7 (Linux socinfo.c): format, id, version,
 * build_id[32], then raw_id, raw_version, hw_platform, platform_version,
 * accessory_chip, hw_platform_subtype, pmic_model, pmic_die_revision.
 */
#define SOC_BUILD_ID "M8930BAAAANAZM1047.1"
static void socinfo_put(uint8_t *img, size_t o)
{
	put32(img, o + 0x00, 7);
	put32(img, o + 0x04, 116); /* MSM8930 */
	put32(img, o + 0x08, 0x00010000);
	putstr(img, o + 0x0C, SOC_BUILD_ID);
	put32(img, o + 0x2C, 0x8C);
	put32(img, o + 0x30, 0x1);
	put32(img, o + 0x34, 8);
	put32(img, o + 0x38, 0x00010002);
	put32(img, o + 0x3C, 0);
	put32(img, o + 0x40, 3);
	put32(img, o + 0x44, 0x0F);
	put32(img, o + 0x48, 0x00020001);
}

/* §6.1: the SMD channel table, item 13, 64 x 32 bytes. */
static const struct smd_row {
	unsigned slot;
	const char *name; /* up to 20 bytes, not terminated at 20 */
	uint32_t cid, type, ref_count;
	uint32_t edge, xfer; /* type bits 7:0 and 11:8 */
	bool listed;
} smd_rows[] = {
	{ 0, "DS", 0, 0x100, 1, 0, 1, true },            /* APPS_MODEM stream */
	{ 1, "DIAG", 1, 0x200, 1, 0, 2, true },          /* APPS_MODEM packet */
	{ 3, "apr_audio_svc", 3, 0x201, 1, 1, 2, true }, /* APPS_QDSP */
	{ 5, "gone", 5, 0x100, 0, 0, 1, false },  /* ref_count 0: unused */
	{ 6, "", 6, 0x100, 1, 0, 1, false },      /* no name: unused */
	{ 7, "WLAN_CTRL", 7, 0x206, 1, 6, 2, true }, /* APPS_WCNSS */
	{ 12, "ABCDEFGHIJKLMNOPQRST", 12, 0x10F, 2, 15, 1, true }, /* RPM */
	{ 40, "odd_bits", 40, 0xABCDEC12, 1, 0x12, 0xC, true }, /* 31:12 */
	{ 63, "LOOPBACK", 63, 0x200, 3, 0, 2, true },
};

static void smd_table_put(uint8_t *img, size_t o)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(smd_rows); i++) {
		const struct smd_row *c = &smd_rows[i];
		size_t e = o + 32u * c->slot;

		memcpy(img + e, c->name, strlen(c->name)); /* name[20] */
		put32(img, e + 0x14, c->cid);
		put32(img, e + 0x18, c->type);
		put32(img, e + 0x1C, c->ref_count);
	}
}

/* §6.11: item 85 state words, item 333 mask[entry][host]. */
static const uint32_t smsm_state[8] = { 0x129, 0x12B, 0x1, 0, 0, 0, 0,
					0x80000000 };

static uint32_t smsm_mask(unsigned e, unsigned h)
{
	return 0x1000u * e + h + 1;
}

/* The rich v11 image: items every decoder reads, laid out by hand. */
enum {
	RICH_13 = 0x21D0,  /* 2048 */
	RICH_78 = 0x29D0,  /* 8 */
	RICH_79 = 0x29D8,  /* 40000 */
	RICH_85 = 0xC618,  /* 32 */
	RICH_137 = 0xC638, /* 0x4C -> 0x50 */
	RICH_333 = 0xC688, /* 96 */
	RICH_419 = 0xC6E8, /* 16 */
	RICH_FREE = 0xC6F8,
};

static void build_rich(uint8_t *img, size_t size)
{
	unsigned e, h;

	golden_v11(img, size);
	put32(img, H_VERSION + 4 * 8, 0x000B0001);  /* apps */
	put32(img, H_VERSION + 4 * 9, 0x000B2002);  /* modem: AMSS value */
	assert_int_equal(golden_alloc(img, 13, 64 * 32), RICH_13);
	smd_table_put(img, RICH_13);
	assert_int_equal(golden_alloc(img, 78, 4), RICH_78);
	put32(img, RICH_78, 3); /* next slot */
	assert_int_equal(golden_alloc(img, 79, 2000 * 20), RICH_79);
	log_put(img, RICH_79, 0, 0x80020008, 1000, 0xA, 0xB, 0xC);
	log_put(img, RICH_79, 1, 0x0001000A, 2000, 1, 2, 3);
	log_put(img, RICH_79, 2, 0x90020008, 2000, 4, 5, 6);
	log_put(img, RICH_79, 1999, 0x40040000, 500, 7, 8, 9); /* pre-wrap */
	assert_int_equal(golden_alloc(img, 85, 8 * 4), RICH_85);
	for (e = 0; e < 8; e++)
		put32(img, RICH_85 + 4 * e, smsm_state[e]);
	assert_int_equal(golden_alloc(img, 137, 0x4C), RICH_137);
	socinfo_put(img, RICH_137);
	assert_int_equal(golden_alloc(img, 333, 8 * 3 * 4), RICH_333);
	for (e = 0; e < 8; e++)
		for (h = 0; h < 3; h++)
			put32(img, RICH_333 + 4 * (e * 3 + h),
			      smsm_mask(e, h));
	assert_int_equal(golden_alloc(img, 419, 16), RICH_419);
	put32(img, RICH_419 + 0, 3); /* num_hosts */
	put32(img, RICH_419 + 4, 8); /* num_entries */
	assert_int_equal(get32(img, H_FREE_OFFSET), RICH_FREE);
}

/*
 * Version 12, by hand (§1.6): a 64 KiB heap with the "$TOC" table in the
 * last 4 KiB, a global partition (listed last in the table, walked first)
 * and an apps/modem partition with cached items.
 */
#define V12_SIZE  0x10000u
#define V12_PT    0xF000u /* size - 4 KiB */
#define V12_GLOB  0x3000u /* global partition, 0x5000 bytes */
#define V12_HOST  0x8000u /* hosts 0/1, 0x2000 bytes, cacheline 64 */
#define V12_ITEMS 500u    /* "SIII" num_items */

/* struct smem_private_entry: canary, item, size, padding_data,
 * padding_hdr, reserved. */
static void priv_put(uint8_t *img, size_t at, uint32_t item, uint32_t size,
		     uint32_t pad_data, uint32_t pad_hdr)
{
	put16(img, at + 0x0, 0xA5A5);
	put16(img, at + 0x2, item);
	put32(img, at + 0x4, size);
	put16(img, at + 0x8, pad_data);
	put16(img, at + 0xA, pad_hdr);
	put32(img, at + 0xC, 0);
}

/* "$PRT" header: host0, host1, size, offset_free_uncached,
 * offset_free_cached, reserved[3]. */
static void part_put(uint8_t *img, size_t at, uint32_t h0, uint32_t h1,
		     uint32_t size, uint32_t free_uncached,
		     uint32_t free_cached)
{
	putstr(img, at, "$PRT");
	put16(img, at + 0x4, h0);
	put16(img, at + 0x6, h1);
	put32(img, at + 0x8, size);
	put32(img, at + 0xC, free_uncached);
	put32(img, at + 0x10, free_cached);
}

/* ptable entry @i: offset, size, flags, host0, host1, cacheline. */
#define PT_E(i) (V12_PT + 32u + 48u * (i))

static void pt_put(uint8_t *img, uint32_t i, uint32_t off, uint32_t size,
		   uint32_t h0, uint32_t h1, uint32_t cacheline)
{
	size_t e = PT_E(i);

	put32(img, e + 0x0, off);
	put32(img, e + 0x4, size);
	put32(img, e + 0x8, 0);
	put16(img, e + 0xC, h0);
	put16(img, e + 0xE, h1);
	put32(img, e + 0x10, cacheline);
}

static void build_v12(uint8_t *img)
{
	const uint32_t G = V12_GLOB, H = V12_HOST;

	memset(img, 0, V12_SIZE);
	put32(img, H_VERSION + 4 * 7, 0x000C0000);
	put32(img, H_INITIALIZED, 1);

	putstr(img, V12_PT, "$TOC");
	put32(img, V12_PT + 0x4, 1); /* version */
	put32(img, V12_PT + 0x8, 3); /* num_entries */
	pt_put(img, 0, H, 0x2000, 0, 1, 64);
	/* entry 1 stays empty */
	pt_put(img, 2, G, 0x5000, 0xFFFE, 0xFFFE, 0);
	/* "SIII" right after the last entry */
	putstr(img, PT_E(3), "SIII");
	put32(img, PT_E(3) + 0x4, V12_SIZE);
	put32(img, PT_E(3) + 0x8, (uint32_t)BASE);
	put16(img, PT_E(3) + 0x10, V12_ITEMS);

	/* Global: uncached items up from +0x20, no cached ones. */
	part_put(img, G, 0xFFFE, 0xFFFE, 0x5000, 0xC88, 0x5000);
	priv_put(img, G + 0x20, 137, 0x50, 4, 0); /* data +0x30, 0x4C */
	socinfo_put(img, G + 0x30);
	priv_put(img, G + 0x80, 80, 8, 0, 0);     /* data +0x90 */
	put32(img, G + 0x90, 2);
	priv_put(img, G + 0x98, 81, 3000, 0, 8);  /* data +0xB0 */
	log_put(img, G + 0xB0, 0, 0x80020001, 10, 1, 0, 0);
	log_put(img, G + 0xB0, 1, 0x80020002, 20, 2, 0, 0);
	priv_put(img, G + 0xC68, 419, 16, 0, 0);  /* data +0xC78 */
	put32(img, G + 0xC78, 3);
	put32(img, G + 0xC7C, 8);

	/* Apps/modem: two uncached items, two cached ones down from the
	 * end, each header ALIGN(16, 64) = 64 below the previous data. */
	part_put(img, H, 0, 1, 0x2000, 0x168, 0x1EC0);
	priv_put(img, H + 0x20, 14, 0x28, 0, 0);  /* data +0x30 */
	memset(img + H + 0x30, 0x14, 0x28);
	priv_put(img, H + 0x58, 338, 0x100, 0, 0); /* data +0x68 */
	memset(img + H + 0x68, 0x38, 0x100);
	priv_put(img, H + 0x1FC0, 480, 0x40, 0, 0); /* data +0x1F80 */
	memset(img + H + 0x1F80, 0x80, 0x40);
	priv_put(img, H + 0x1F40, 481, 0x80, 8, 0); /* data +0x1EC0 */
	memset(img + H + 0x1EC0, 0x81, 0x78);
}

/* What smem_foreach_item() must deliver for the v12 image. */
static const struct want_item {
	uint32_t id, offset, size;
	int partition;
	uint16_t host0, host1;
	bool cached;
} v12_items[] = {
	{ 137, 0x3030, 0x4C, 2, 0xFFFE, 0xFFFE, false },
	{ 80, 0x3090, 8, 2, 0xFFFE, 0xFFFE, false },
	{ 81, 0x30B0, 3000, 2, 0xFFFE, 0xFFFE, false },
	{ 419, 0x3C78, 16, 2, 0xFFFE, 0xFFFE, false },
	{ 14, 0x8030, 0x28, 0, 0, 1, false },
	{ 338, 0x8068, 0x100, 0, 0, 1, false },
	{ 480, 0x9F80, 0x40, 0, 0, 1, true },
	{ 481, 0x9EC0, 0x78, 0, 0, 1, true },
};

/* smem_foreach_item() collector. */
struct seen {
	struct smem_item it[SMEM_ITEM_COUNT + 16];
	char problem[SMEM_ITEM_COUNT + 16][200];
	unsigned n, problems;
	int stop_at;  /* return -7 from this call on, -1 never */
};

static int collect(const struct smem_item *it, void *arg)
{
	struct seen *s = arg;

	if (s->n >= ARRAY_SIZE(s->it))
		return -1;
	s->it[s->n] = *it;
	if (it->problem) {
		snprintf(s->problem[s->n], sizeof(s->problem[0]), "%s",
			 it->problem);
		s->it[s->n].problem = s->problem[s->n];
		s->problems++;
	}
	s->n++;
	return s->stop_at >= 0 && s->n > (unsigned)s->stop_at ? -7 : 0;
}

static struct seen *walk(const struct smem *sm, int *ret)
{
	struct seen *s = calloc(1, sizeof(*s));

	s->stop_at = -1;
	*ret = smem_foreach_item(sm, collect, s);
	return s;
}

/* ------------------------------------------------------ golden, version 11 */

static void test_init_heap_writes_the_sbl_layout_byte_for_byte(void **state)
{
	struct fx *f = *state;
	uint8_t *want = malloc(SIZE);
	struct mw_region *small;
	char path[PATH_MAX];
	struct smem *sm;

	golden_v11(want, SIZE);
	/* the numbers of the brief, not only the builder's */
	assert_int_equal(get32(want, TOC(8) + 4) + 8, FIXED_END);
	assert_int_equal(get32(want, H_AVAILABLE), SIZE - 0x21D0);

	sm = open_as(f, NULL);
	assert_int_equal(smem_init_heap(sm, 0), 0);
	assert_same_bytes(f->data, want, SIZE);
	assert_int_equal(smem_validate(sm), 0);

	/* an initialised heap is kept unless forced; forcing re-formats */
	assert_fails(smem_init_heap(sm, 0), -EEXIST, "already initialised");
	memset(f->data + 0x3000, 0xEE, 0x1000);
	put32(f->data, TOC(100), 1);
	put32(f->data, H_VERSION + 4 * 9, 0x000B2002);
	assert_int_equal(smem_init_heap(sm, SMEM_INIT_FORCE), 0);
	assert_same_bytes(f->data, want, SIZE);
	smem_close(sm);

	/* a processor may run the boot loader's job too */
	sm = open_as(f, "modem");
	assert_int_equal(smem_init_heap(sm, SMEM_INIT_FORCE), 0);
	assert_same_bytes(f->data, want, SIZE);
	smem_close(sm);

	/* a region too small for a header and a page of heap */
	snprintf(path, sizeof(path), "%s/small.smem", f->dir);
	assert_int_equal(mw_region_create(path, "msm8930", BASE, 0x3000, 0,
					  &small),
			 0);
	assert_int_equal(smem_open(small, NULL, &sm), 0);
	assert_fails(smem_init_heap(sm, 0), -EINVAL, "0x3000");
	smem_close(sm);
	mw_region_close(small);

	/* a buffer is never written */
	assert_int_equal(smem_open_buffer(want, SIZE, BASE, &sm), 0);
	assert_fails(smem_init_heap(sm, SMEM_INIT_FORCE), -EROFS, "read-only");
	smem_close(sm);
	free(want);
}

static void test_alloc_writes_the_toc_entries_and_counters_by_hand(void **state)
{
	static const struct {
		uint32_t id, size, offset;
	} allocs[] = {
		{ 13, 2048, 0x21D0 },  { 78, 4, 0x29D0 },
		{ 79, 40000, 0x29D8 }, { 137, 0x4C, 0xC618 },
		{ 426, 1, 0xC668 },    { 511, 13, 0xC670 },
		{ 9, 0x1000, 0xC680 },
	};
	struct fx *f = *state;
	uint8_t *want = malloc(SIZE);
	struct smem *sm = open_as(f, "apps");
	size_t i;
	void *p;

	golden_v11(want, SIZE);
	for (i = 0; i < ARRAY_SIZE(allocs); i++) {
		uint32_t off = golden_alloc(want, allocs[i].id, allocs[i].size);

		assert_int_equal(off, allocs[i].offset);
		assert_int_equal(smem_alloc(sm, allocs[i].id, allocs[i].size,
					    &p),
				 0);
		assert_ptr_equal(p, f->data + off);
	}
	assert_same_bytes(f->data, want, SIZE);
	assert_int_equal(smem_validate(sm), 0);
	smem_close(sm);
	free(want);
}

/* smem_foreach_item() of the rich image. */
static const struct {
	uint32_t id, offset, size;
	const char *name;
} rich_items[] = {
	{ 0, 0x000, 64, "SMEM_PROC_COMM" },
	{ 1, 0x0C0, 16, "SMEM_HEAP_INFO" },
	{ 2, 0x0D0, 0x2000, "SMEM_ALLOCATION_TABLE" },
	{ 3, 0x040, 128, "SMEM_VERSION_INFO" },
	{ 4, 0x20D0, 8, "SMEM_HW_RESET_DETECT" },
	{ 5, 0x20D8, 8, "SMEM_AARM_WARM_BOOT" },
	{ 6, 0x20E0, 200, "SMEM_DIAG_ERR_MESSAGE" },
	{ 7, 0x21A8, 32, "SMEM_SPINLOCK_ARRAY" },
	{ 8, 0x21C8, 8, "SMEM_MEMORY_BARRIER_LOCATION" },
	{ 13, RICH_13, 2048, "SMEM_CHANNEL_ALLOC_TBL" },
	{ 78, RICH_78, 8, "SMEM_SMEM_LOG_IDX" },
	{ 79, RICH_79, 40000, "SMEM_SMEM_LOG_EVENTS" },
	{ 85, RICH_85, 32, "SMEM_SMSM_SHARED_STATE" },
	{ 137, RICH_137, 0x50, "SMEM_HW_SW_BUILD_ID" },
	{ 333, RICH_333, 96, "SMEM_SMSM_CPU_INTR_MASK" },
	{ 419, RICH_419, 16, "SMEM_SMSM_SIZE_INFO" },
};

/*
 * Everything a reader gets out of the rich image, whose bytes are @img and
 * which @sm sees at @base (a buffer, a dump file's mapping).
 */
static void check_rich(struct smem *sm, const uint8_t *img,
		       const uint8_t *base)
{
	struct smem_smd_channel ch[SMEM_SMD_CHANNELS];
	struct smem_log_event ev[8];
	struct smem_heap_info hi;
	struct smem_socinfo si;
	struct smem_smsm sms;
	uint32_t size, next;
	unsigned e, h, n;
	struct seen *s;
	size_t i;
	void *p;
	int ret;

	assert_int_equal(smem_validate(sm), 0);
	assert_false(smem_writable(sm));
	assert_int_equal(smem_get_firstMemoryResourcePhysicalStart(sm), BASE);
	assert_int_equal(smem_get_firstMemoryResourceLength(sm), SIZE);

	assert_int_equal(smem_heap_info(sm, &hi), 0);
	assert_int_equal(hi.phys, BASE);
	assert_int_equal(hi.size, SIZE);
	assert_int_equal(hi.layout, 11);
	assert_int_equal(hi.version[7], 0x000B0000);
	assert_int_equal(hi.version[8], 0x000B0001);
	assert_int_equal(hi.version[9], 0x000B2002);
	assert_int_equal(hi.initialized, 1);
	assert_int_equal(hi.free_offset, RICH_FREE);
	assert_int_equal(hi.available, SIZE - RICH_FREE);
	assert_int_equal(hi.reserved, 0);
	assert_false(hi.has_ptable);
	assert_int_equal(hi.partitions, 0);
	assert_int_equal(hi.item_count, 512);

	/* lookups: pointer, size, and the bytes behind them */
	for (i = 0; i < ARRAY_SIZE(rich_items); i++) {
		uint32_t id = rich_items[i].id;

		if (smem_get_addr(sm, id, &p, &size))
			fail_msg("item %u: %s", id, mw_last_error());
		assert_ptr_equal(p, base + rich_items[i].offset);
		assert_int_equal(size, rich_items[i].size);
		assert_memory_equal(p, img + rich_items[i].offset, size);
	}
	assert_fails(smem_get_addr(sm, 200, &p, &size), -ENOENT,
		     "item 200 (SMEM_SMD_BLOCK_PORT_BASE_ID+62) is not "
		     "allocated");
	assert_fails(smem_get_addr(sm, 512, &p, NULL), -EINVAL, "512");
	/* smem_find: ALIGN(size, 8) must equal the item's size exactly */
	assert_int_equal(smem_find(sm, 79, 40000, &p), 0);
	assert_int_equal(smem_find(sm, 79, 39993, &p), 0);
	assert_fails(smem_find(sm, 79, 40008, &p), -EMSGSIZE, "size 40000");
	assert_int_equal(smem_find(sm, 78, 4, &p), 0);
	assert_fails(smem_find(sm, 78, 12, &p), -EMSGSIZE, "expected 16");
	assert_fails(smem_find(sm, 99, 8, &p), -ENOENT, "not allocated");

	/* the walk: every allocated entry, in id order */
	s = walk(sm, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(s->n, ARRAY_SIZE(rich_items));
	for (i = 0; i < s->n; i++) {
		const struct smem_item *it = &s->it[i];

		assert_int_equal(it->id, rich_items[i].id);
		assert_string_equal(it->name, rich_items[i].name);
		assert_int_equal(it->offset, rich_items[i].offset);
		assert_int_equal(it->size, rich_items[i].size);
		assert_int_equal(it->phys, BASE + rich_items[i].offset);
		assert_ptr_equal(it->ptr, base + rich_items[i].offset);
		assert_int_equal(it->partition, -1);
		assert_int_equal(it->aux_base, 0);
		assert_false(it->cached);
		assert_null(it->problem);
	}
	free(s);

	/* socinfo, item 137 */
	assert_int_equal(smem_socinfo_read(sm, &si), 0);
	assert_int_equal(si.format, 7);
	assert_int_equal(si.id, 116);
	assert_string_equal(si.id_name, "MSM8930");
	assert_int_equal(si.version, 0x00010000);
	assert_string_equal(si.build_id, SOC_BUILD_ID);
	assert_int_equal(si.fields, 8);
	assert_int_equal(si.raw_id, 0x8C);
	assert_int_equal(si.raw_version, 1);
	assert_int_equal(si.hw_platform, 8);
	assert_int_equal(si.platform_version, 0x00010002);
	assert_int_equal(si.accessory_chip, 0);
	assert_int_equal(si.hw_platform_subtype, 3);
	assert_int_equal(si.pmic_model, 0x0F);
	assert_int_equal(si.pmic_die_revision, 0x00020001);

	/* SMSM: 85 states, 419 sizes, 333 mask[entry][host] */
	assert_int_equal(smem_smsm_read(sm, &sms), 0);
	assert_true(sms.have_size_info);
	assert_int_equal(sms.num_hosts, 3);
	assert_int_equal(sms.num_entries, 8);
	for (e = 0; e < 8; e++)
		assert_int_equal(sms.state[e], smsm_state[e]);
	assert_true(sms.have_mask);
	for (e = 0; e < 8; e++)
		for (h = 0; h < 3; h++)
			assert_int_equal(sms.mask[e][h], smsm_mask(e, h));
	assert_string_equal(smem_smsm_entry_name(1), "MODEM_STATE");
	assert_string_equal(smem_smsm_bit_name(0x800000), "SMD_LOOPBACK");
	assert_null(smem_smsm_bit_name(0x3));

	/* SMD channel table, item 13 */
	ret = smem_smd_table_read(sm, ch);
	n = 0;
	for (i = 0; i < ARRAY_SIZE(smd_rows); i++) {
		const struct smd_row *c = &smd_rows[i];

		if (!c->listed)
			continue;
		assert_true(ret > (int)n);
		assert_string_equal(ch[n].name, c->name);
		assert_int_equal(ch[n].cid, c->cid);
		assert_int_equal(ch[n].type, c->type);
		assert_int_equal(ch[n].edge, c->edge);
		assert_int_equal(ch[n].xfer, c->xfer);
		assert_int_equal(ch[n].ref_count, c->ref_count);
		assert_int_equal(ch[n].slot, c->slot);
		n++;
	}
	assert_int_equal(ret, n);
	assert_string_equal(smem_smd_edge_name(ch[0].edge), "APPS_MODEM");
	assert_string_equal(smem_smd_edge_name(ch[2].edge), "APPS_QDSP");
	assert_string_equal(smem_smd_edge_name(ch[3].edge), "APPS_WCNSS");
	assert_string_equal(smem_smd_edge_name(ch[4].edge), "APPS_RPM");
	assert_null(smem_smd_edge_name(19));

	/* the main log: newest first from index 3, empty slots skipped */
	ret = smem_read_log_events(sm, SMEM_LOG_MAIN, ev, ARRAY_SIZE(ev), 0,
				   &next);
	assert_int_equal(ret, 4);
	assert_int_equal(next, 3);
	assert_int_equal(ev[0].identifier, 0x90020008);
	assert_int_equal(ev[0].slot, 2);
	assert_int_equal(ev[0].timetick, 2000);
	assert_int_equal(ev[0].data[0], 4);
	assert_int_equal(ev[0].data[2], 6);
	assert_int_equal(ev[1].identifier, 0x0001000A);
	assert_int_equal(ev[2].identifier, 0x80020008);
	assert_int_equal(ev[2].data[1], 0xB);
	assert_int_equal(ev[3].identifier, 0x40040000);
	assert_int_equal(ev[3].slot, 1999);
	ret = smem_read_log_events(sm, SMEM_LOG_MAIN, ev, ARRAY_SIZE(ev),
				   SMEM_LOG_OLDEST_FIRST, NULL);
	assert_int_equal(ret, 4);
	assert_int_equal(ev[0].slot, 1999);
	assert_int_equal(ev[1].slot, 0);
	assert_int_equal(ev[3].slot, 2);
	assert_fails(smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 8, 0, NULL),
		     -ENOENT, "static log does not exist");

	/* and it is all read-only */
	assert_fails(smem_alloc(sm, 100, 8, &p), -EROFS, "read-only");
	assert_fails(smem_version_set(sm, 3, 0x000B0000,
				      SMEM_MAJOR_VERSION_MASK),
		     -EROFS, "read-only");
	assert_fails(smem_write_log_event3(sm, SMEM_LOG_MAIN, 1, 2, 3, 4),
		     -EROFS, "read-only");
	assert_fails(smem_write_log_event6(sm, SMEM_LOG_MAIN, 1, 2, 3, 4, 5, 6,
					   7),
		     -EROFS, "read-only");
	assert_fails(smem_init_log_buffer(sm, SMEM_LOG_STATIC), -EROFS,
		     "read-only");
}

static void test_golden_image_reads_back_from_a_buffer(void **state)
{
	uint8_t *img = malloc(SIZE);
	struct smem *sm;

	(void)state;
	build_rich(img, SIZE);
	assert_int_equal(smem_open_buffer(img, SIZE, BASE, &sm), 0);
	assert_null(smem_region(sm));
	assert_null(smem_soc(sm));
	check_rich(sm, img, img);
	smem_close(sm);
	free(img);
}

static void test_golden_image_reads_back_from_a_dump_file(void **state)
{
	struct fx *f = *state;
	uint8_t *img = malloc(SIZE);
	char path[PATH_MAX];
	struct mw_region *d;
	struct smem *sm;
	void *base;
	int fd;

	build_rich(img, SIZE);
	snprintf(path, sizeof(path), "%s/dump.bin", f->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, SIZE), SIZE);
	close(fd);
	assert_int_equal(mw_region_open_dump(path, BASE, &d), 0);
	assert_int_equal(mw_region_ptr(d, BASE, SIZE, &base), 0);
	/* a processor means nothing for a dump */
	assert_int_equal(smem_open(d, "modem", &sm), 0);
	assert_ptr_equal(smem_region(sm), d);
	assert_null(smem_soc(sm));
	check_rich(sm, img, base);
	smem_close(sm);
	mw_region_close(d);
	free(img);
}

static void test_smd_table_refuses_unprintable_names(void **state)
{
	uint8_t *img = malloc(SIZE);
	struct smem_smd_channel ch[SMEM_SMD_CHANNELS];
	struct smem *sm;

	(void)state;
	build_rich(img, SIZE);
	put8(img, RICH_13 + 32 * 7 + 2, 0x01); /* "WL\1N_CTRL" */
	assert_int_equal(smem_open_buffer(img, SIZE, BASE, &sm), 0);
	assert_fails(smem_smd_table_read(sm, ch), -EBADMSG,
		     "slot 7: name byte 2 = 0x01");
	smem_close(sm);
	free(img);
}

static void test_item_names_follow_the_reference_enum(void **state)
{
	static const struct {
		uint32_t id;
		const char *name;
	} names[] = {
		{ 0, "SMEM_PROC_COMM" },
		{ 8, "SMEM_MEMORY_BARRIER_LOCATION" },
		{ 13, "SMEM_CHANNEL_ALLOC_TBL" },
		{ 14, "SMEM_SMD_BASE_ID" },
		{ 19, "SMEM_SMD_BASE_ID+5" },
		{ 77, "SMEM_SMD_BASE_ID+63" },
		{ 78, "SMEM_SMEM_LOG_IDX" },
		{ 107, "SMEM_VERSION_FIRST" },
		{ 109, "SMEM_VERSION_SMSM" },
		{ 131, "SMEM_VERSION_FIRST+24" },
		{ 137, "SMEM_HW_SW_BUILD_ID" },
		{ 341, "SMEM_SMD_FIFO_BASE_ID+3" },
		{ 402, "SMEM_USABLE_RAM_PARTITION_TABLE" },
		{ 419, "SMEM_SMSM_SIZE_INFO" },
		{ 425, "SMEM_SSR_REASON_VCODEC0" },
		{ 436, "SMEM_ID_SMP2P_BASE_MODEM+1" },
		{ 477, "SMEM_COEX_MDM_WCN" },
		{ 478, NULL },
		{ 511, NULL },
		{ 512, NULL },
		{ UINT32_MAX, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const char *got = smem_item_name(names[i].id);

		if (!names[i].name ? got != NULL
				   : !got || strcmp(got, names[i].name))
			fail_msg("item %u: got %s, want %s", names[i].id,
				 got ? got : "NULL",
				 names[i].name ? names[i].name : "NULL");
	}
}

/* ------------------------------------------------------ golden, version 12 */

static void check_v12_items(const struct seen *s, const uint8_t *base)
{
	size_t i;

	assert_int_equal(s->n, ARRAY_SIZE(v12_items));
	for (i = 0; i < s->n; i++) {
		const struct smem_item *it = &s->it[i];
		const struct want_item *w = &v12_items[i];

		if (it->id != w->id || it->offset != w->offset ||
		    it->size != w->size || it->partition != w->partition ||
		    it->host0 != w->host0 || it->host1 != w->host1 ||
		    it->cached != w->cached || it->problem)
			fail_msg("item %zu: got id %u off 0x%x size 0x%x part "
				 "%d hosts %x/%x cached %d problem %s; want id "
				 "%u off 0x%x size 0x%x part %d hosts %x/%x "
				 "cached %d",
				 i, it->id, it->offset, it->size,
				 it->partition, it->host0, it->host1,
				 it->cached, it->problem ? it->problem : "-",
				 w->id, w->offset, w->size, w->partition,
				 w->host0, w->host1, w->cached);
		assert_int_equal(it->phys, BASE + w->offset);
		assert_ptr_equal(it->ptr, base + w->offset);
		/* 480 and 481 have no name */
		assert_ptr_equal(it->name, smem_item_name(w->id));
	}
}

static void test_v12_partitions_list_every_item(void **state)
{
	uint8_t *img = malloc(V12_SIZE);
	struct smem_log_event ev[4];
	struct smem_heap_info hi;
	struct smem_socinfo si;
	struct smem_smsm sms;
	struct seen *s;
	struct smem *sm;
	uint32_t size;
	size_t i;
	void *p;
	int ret;

	(void)state;
	build_v12(img);
	assert_int_equal(smem_open_buffer(img, V12_SIZE, BASE, &sm), 0);
	if (smem_validate(sm))
		fail_msg("validate: %s", mw_last_error());

	assert_int_equal(smem_heap_info(sm, &hi), 0);
	assert_int_equal(hi.layout, 12);
	assert_int_equal(hi.version[7], 0x000C0000);
	assert_true(hi.has_ptable);
	assert_int_equal(hi.partitions, 2);
	assert_int_equal(hi.item_count, V12_ITEMS);

	s = walk(sm, &ret);
	assert_int_equal(ret, 0);
	check_v12_items(s, img);
	free(s);

	/* lookups in both partitions */
	for (i = 0; i < ARRAY_SIZE(v12_items); i++) {
		if (smem_get_addr(sm, v12_items[i].id, &p, &size))
			fail_msg("item %u: %s", v12_items[i].id,
				 mw_last_error());
		assert_ptr_equal(p, img + v12_items[i].offset);
		assert_int_equal(size, v12_items[i].size);
	}
	assert_int_equal(smem_find(sm, 481, 0x78, &p), 0);
	assert_fails(smem_get_addr(sm, 13, &p, NULL), -ENOENT,
		     "not allocated");

	/* the decoders find their items in the global partition */
	assert_int_equal(smem_socinfo_read(sm, &si), 0);
	assert_string_equal(si.id_name, "MSM8930");
	assert_string_equal(si.build_id, SOC_BUILD_ID);
	assert_int_equal(smem_smsm_read(sm, &sms), -ENOENT); /* no 85 */
	assert_int_equal(smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 4, 0,
					      NULL),
			 2);
	assert_int_equal(ev[0].identifier, 0x80020002);
	assert_int_equal(ev[1].identifier, 0x80020001);

	assert_fails(smem_alloc(sm, 100, 8, &p), -EROFS, "read-only");
	smem_close(sm);
	free(img);
}

/* Version 12 in a writable region, opened as apps: still never written. */
static void test_v12_heap_refuses_every_write(void **state)
{
	struct fx *f = *state;
	uint8_t *img = malloc(V12_SIZE);
	char path[PATH_MAX];
	struct mw_region *r;
	struct smem *sm;
	void *data, *p;

	build_v12(img);
	snprintf(path, sizeof(path), "%s/v12.smem", f->dir);
	assert_int_equal(mw_region_create(path, "msm8930", BASE, V12_SIZE, 0,
					  &r),
			 0);
	assert_int_equal(mw_region_write(r, BASE, img, V12_SIZE), 0);
	assert_int_equal(mw_region_ptr(r, BASE, V12_SIZE, &data), 0);
	assert_int_equal(smem_open(r, "apps", &sm), 0);
	assert_true(smem_writable(sm));
	assert_int_equal(smem_validate(sm), 0);

	assert_fails(smem_alloc(sm, 100, 8, &p), -EROFS, "version 12");
	assert_fails(smem_alloc(sm, 14, 0x28, &p), -EROFS, "version 12");
	assert_fails(smem_version_set(sm, 109, 1, SMEM_FULL_VERSION_MASK),
		     -EROFS, "version 12");
	assert_fails(smem_init_log_buffer(sm, SMEM_LOG_MAIN), -EROFS,
		     "version 12");
	/* the static log's items exist in the global partition */
	assert_fails(smem_write_log_event3(sm, SMEM_LOG_STATIC, 0x80020008, 1,
					   2, 3),
		     -EROFS, "version 12");
	assert_fails(smem_write_log_event6(sm, SMEM_LOG_STATIC, 0x80020008, 1,
					   2, 3, 4, 5, 6),
		     -EROFS, "version 12");
	assert_fails(smem_init_heap(sm, 0), -EEXIST, "initialised");
	assert_same_bytes(data, img, V12_SIZE);
	/* reading is fine */
	assert_int_equal(smem_get_addr(sm, 481, &p, NULL), 0);
	smem_close(sm);
	mw_region_close(r);
	free(img);
}

/* A version 11 heap may carry a "$TOC" too: the TOC, then partitions. */
static void test_v11_heap_with_a_partition_table_walks_both(void **state)
{
	uint8_t *img = malloc(SIZE);
	const uint32_t pt = SIZE - 4096, P = 0x100000;
	struct smem_heap_info hi;
	struct seen *s;
	struct smem *sm;
	uint32_t size;
	void *p;
	int ret;

	(void)state;
	build_rich(img, SIZE);
	putstr(img, pt, "$TOC");
	put32(img, pt + 4, 1);
	put32(img, pt + 8, 1);
	put32(img, pt + 32 + 0x0, P);
	put32(img, pt + 32 + 0x4, 0x1000);
	put16(img, pt + 32 + 0xC, 0);
	put16(img, pt + 32 + 0xE, 2); /* apps/q6 */
	part_put(img, P, 0, 2, 0x1000, 0x48, 0x1000);
	priv_put(img, P + 0x20, 450, 0x18, 0, 0);

	assert_int_equal(smem_open_buffer(img, SIZE, BASE, &sm), 0);
	assert_int_equal(smem_validate(sm), 0);
	assert_int_equal(smem_heap_info(sm, &hi), 0);
	assert_int_equal(hi.layout, 11);
	assert_true(hi.has_ptable);
	assert_int_equal(hi.partitions, 1);
	assert_int_equal(hi.item_count, 512);
	s = walk(sm, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(s->n, ARRAY_SIZE(rich_items) + 1);
	assert_int_equal(s->it[s->n - 2].id, 419);
	assert_int_equal(s->it[s->n - 1].id, 450);
	assert_int_equal(s->it[s->n - 1].partition, 0);
	assert_int_equal(s->it[s->n - 1].host1, 2);
	assert_int_equal(s->it[s->n - 1].offset, P + 0x30);
	free(s);
	assert_int_equal(smem_get_addr(sm, 450, &p, &size), 0);
	assert_ptr_equal(p, img + P + 0x30);
	assert_int_equal(size, 0x18);
	smem_close(sm);
	free(img);
}

/* ------------------------------------------------------------ allocation */

static void test_alloc_aligns_to_8_and_bumps_in_order(void **state)
{
	static const struct {
		uint32_t id, size, want_size;
	} allocs[] = {
		{ 50, 1, 8 }, { 51, 9, 16 }, { 52, 24, 24 }, { 53, 7, 8 },
		{ 54, 4097, 4104 }, { 55, 8, 8 },
	};
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint32_t off = FIXED_END;
	size_t i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(allocs); i++) {
		uint32_t id = allocs[i].id;

		assert_int_equal(smem_alloc(sm, id, allocs[i].size, &p), 0);
		assert_ptr_equal(p, f->data + off);
		assert_int_equal(((uintptr_t)p - (uintptr_t)f->data) % 8, 0);
		/* the whole entry is there once smem_alloc returns:
		 * allocated, offset, size, aux_base */
		assert_int_equal(get32(f->data, TOC(id) + 0x0), 1);
		assert_int_equal(get32(f->data, TOC(id) + 0x4), off);
		assert_int_equal(get32(f->data, TOC(id) + 0x8),
				 allocs[i].want_size);
		assert_int_equal(get32(f->data, TOC(id) + 0xC), 0);
		off += allocs[i].want_size;
		assert_int_equal(get32(f->data, H_FREE_OFFSET), off);
		assert_int_equal(get32(f->data, H_AVAILABLE), SIZE - off);
	}
	smem_close(sm);
}

static void test_alloc_same_id_same_size_returns_the_same_item(void **state)
{
	struct fx *f = *state;
	struct smem *apps = open_as(f, "apps");
	struct smem *modem = open_as(f, "modem");
	void *p, *q;

	assert_int_equal(smem_alloc(apps, 60, 12, &p), 0);
	strcpy(p, "apps was here");
	assert_int_equal(smem_alloc(apps, 60, 12, &q), 0);
	assert_ptr_equal(p, q);
	/* 16 after rounding: the same item */
	assert_int_equal(smem_alloc(modem, 60, 16, &q), 0);
	assert_ptr_equal(p, q);
	assert_string_equal(q, "apps was here");
	assert_int_equal(get32(f->data, H_FREE_OFFSET), FIXED_END + 16);
	assert_fails(smem_alloc(modem, 60, 24, &q), -EMSGSIZE,
		     "exists with size 16, not 24");
	assert_fails(smem_alloc(modem, 60, 8, &q), -EMSGSIZE,
		     "exists with size 16, not 8");
	assert_int_equal(get32(f->data, H_FREE_OFFSET), FIXED_END + 16);
	smem_close(modem);
	smem_close(apps);
}

static void test_alloc_rejects_fixed_items(void **state)
{
	static const struct {
		uint32_t id, size;
		void *want_off;
	} fixed[] = {
		{ 0, 64, (void *)0x000 },   { 1, 16, (void *)0x0C0 },
		{ 2, 0x2000, (void *)0x0D0 }, { 3, 128, (void *)0x040 },
		{ 4, 8, (void *)0x20D0 },   { 6, 200, (void *)0x20E0 },
		{ 7, 32, (void *)0x21A8 },  { 7, 29, (void *)0x21A8 },
		{ 8, 8, (void *)0x21C8 },
	};
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	size_t i;
	void *p;

	/* existing fixed items of the right size are returned */
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		assert_int_equal(smem_alloc(sm, fixed[i].id, fixed[i].size, &p),
				 0);
		assert_ptr_equal(p, f->data + (uintptr_t)fixed[i].want_off);
	}
	assert_fails(smem_alloc(sm, 6, 100, &p), -EMSGSIZE, "size 200");
	/* fixed items the boot loader did not create are never allocated */
	put32(f->data, TOC(5), 0);
	put32(f->data, TOC(8), 0);
	assert_fails(smem_alloc(sm, 5, 8, &p), -EINVAL,
		     "item 5 (SMEM_AARM_WARM_BOOT) is a fixed item");
	assert_fails(smem_alloc(sm, 8, 8, &p), -EINVAL, "fixed item");
	assert_int_equal(get32(f->data, TOC(5)), 0);
	assert_int_equal(get32(f->data, H_FREE_OFFSET), FIXED_END);
	/* the first dynamic item is 9 */
	assert_int_equal(smem_alloc(sm, 9, 8, &p), 0);
	assert_ptr_equal(p, f->data + FIXED_END);
	smem_close(sm);
}

static void test_alloc_rejects_ids_past_the_table(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	void *p;

	assert_int_equal(smem_alloc(sm, 511, 8, &p), 0);
	assert_fails(smem_alloc(sm, 512, 8, &p), -EINVAL,
		     "item 512 is past the table");
	assert_fails(smem_alloc(sm, UINT32_MAX, 8, &p), -EINVAL, "past");
	assert_fails(smem_alloc(sm, 100, 0, &p), -EINVAL, "bad size 0");
	assert_fails(smem_alloc(sm, 100, UINT32_MAX, &p), -EINVAL, "bad size");
	assert_int_equal(get32(f->data, H_FREE_OFFSET), FIXED_END + 8);
	smem_close(sm);
}

static void test_alloc_exhausted_heap_leaves_counters_unchanged(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint32_t avail = (uint32_t)SIZE - FIXED_END;
	uint8_t before[H_END];
	void *p;

	memcpy(before, f->data, H_END);
	assert_fails(smem_alloc(sm, 20, avail + 1, &p), -ENOSPC,
		     "heap exhausted: item 20 needs");
	assert_fails(smem_alloc(sm, 20, 0xFFFFFFF0u, &p), -ENOSPC, "exhausted");
	assert_same_bytes(f->data, before, H_END);
	/* exactly the rest fits, then nothing does */
	assert_int_equal(smem_alloc(sm, 20, avail, &p), 0);
	assert_int_equal(get32(f->data, H_FREE_OFFSET), SIZE);
	assert_int_equal(get32(f->data, H_AVAILABLE), 0);
	memcpy(before, f->data, H_END);
	assert_fails(smem_alloc(sm, 21, 1, &p), -ENOSPC, "0 available");
	assert_same_bytes(f->data, before, H_END);
	/* an existing item is still found */
	assert_int_equal(smem_alloc(sm, 20, avail, &p), 0);
	assert_int_equal(smem_validate(sm), 0);
	smem_close(sm);
}

static void test_alloc_refuses_an_uninitialised_heap(void **state)
{
	struct fx *f = *state; /* plain setup: all zero */
	struct smem *sm = open_as(f, "apps");
	void *p;

	assert_fails(smem_alloc(sm, 100, 8, &p), -EBADMSG,
		     "not initialised (initialized = 0x0)");
	assert_fails(smem_validate(sm), -EBADMSG, "initialized = 0x0");
	/* half-written by a dying boot loader: still not published */
	golden_v11(f->data, SIZE);
	put32(f->data, H_INITIALIZED, 0);
	assert_fails(smem_alloc(sm, 100, 8, &p), -EBADMSG, "not initialised");
	assert_int_equal(get32(f->data, TOC(100)), 0);
	put32(f->data, H_INITIALIZED, 1);
	assert_int_equal(smem_alloc(sm, 100, 8, &p), 0);
	smem_close(sm);
}

static void test_alloc_refuses_read_only_heaps(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct mw_region *ro, *d;
	struct smem *sm;
	int fd;
	void *p;

	/* a region mapped read-only: the processor is ignored */
	assert_int_equal(mw_region_attach(f->path, MW_REGION_RDONLY, &ro), 0);
	assert_int_equal(smem_open(ro, "apps", &sm), 0);
	assert_false(smem_writable(sm));
	assert_int_equal(mw_soc_self(smem_soc(sm)), -1);
	assert_fails(smem_alloc(sm, 100, 8, &p), -EROFS, "read-only (file)");
	assert_int_equal(smem_get_addr(sm, 7, &p, NULL), 0);
	smem_close(sm);
	mw_region_close(ro);

	/* a dump */
	snprintf(path, sizeof(path), "%s/dump.bin", f->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_int_equal(write(fd, f->data, SIZE), SIZE);
	close(fd);
	assert_int_equal(mw_region_open_dump(path, BASE, &d), 0);
	assert_int_equal(smem_open(d, "apps", &sm), 0);
	assert_fails(smem_alloc(sm, 100, 8, &p), -EROFS, "read-only (dump)");
	assert_fails(smem_init_heap(sm, SMEM_INIT_FORCE), -EROFS, "dump");
	assert_int_equal(smem_validate(sm), 0);
	smem_close(sm);
	mw_region_close(d);
	assert_int_equal(get32(f->data, TOC(100)), 0);
}

static void test_alloc_without_a_processor_is_refused(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, NULL);
	void *p;

	assert_true(smem_writable(sm));
	assert_fails(smem_alloc(sm, 100, 8, &p), -EPERM,
		     "no processor holds the hardware mutexes");
	assert_int_equal(get32(f->data, TOC(100)), 0);
	assert_int_equal(get32(f->data, H_FREE_OFFSET), FIXED_END);
	assert_fails(smem_spin_lock(sm, 3), -EPERM, "no processor");
	/* looking up and checking need no lock */
	assert_int_equal(smem_get_addr(sm, 7, &p, NULL), 0);
	assert_int_equal(smem_validate(sm), 0);
	smem_close(sm);
}

static void test_open_refuses_a_processor_attached_twice(void **state)
{
	struct fx *f = *state;
	struct smem *a = open_as(f, "apps"), *b = NULL;

	assert_fails(smem_open(f->r, "apps", &b), -EBUSY, "apps");
	assert_fails(smem_open(f->r, "nosuch", &b), -ENOENT, "nosuch");
	smem_close(a);
	/* closed: free again */
	b = open_as(f, "apps");
	smem_close(b);
}

static void test_open_soc_acts_as_the_socs_processor(void **state)
{
	struct fx *f = *state;
	struct mw_soc *s;
	struct smem *sm;
	void *p;

	assert_int_equal(mw_soc_open(f->r, "modem", &s), 0);
	assert_int_equal(smem_open_soc(s, &sm), 0);
	assert_ptr_equal(smem_soc(sm), s);
	assert_ptr_equal(smem_region(sm), f->r);
	assert_int_equal(smem_version_slot(sm), SMEM_VERSION_MODEM);
	assert_int_equal(smem_alloc(sm, 100, 8, &p), 0);
	smem_close(sm);
	/* the soc is borrowed: still attached and usable */
	assert_int_equal(mw_hwmutex_lock(s, 3, 1000), 0);
	assert_int_equal(mw_hwmutex_unlock(s, 3), 0);
	mw_soc_close(s);
}

/* ------------------------------------------------------ corrupt images */

static void dup_ptable_entry0(uint8_t *img)
{
	memcpy(img + PT_E(1), img + PT_E(0), 48);
}

/*
 * One field of a sound image corrupted.  smem_validate() must say
 * -EBADMSG naming the field and the value; the item it breaks is refused by
 * smem_get_addr() and, when the entry itself is bad, delivered by
 * smem_foreach_item() with `problem` set.  An overlap between two sound
 * entries, or an entry past free_offset, shows only against the whole heap:
 * lookups do not scan the table.
 */
struct corrupt {
	const char *what;
	unsigned layout; /* 11: the rich image, 12: the partitioned one */
	size_t len;      /* 0: the whole image */
	uint32_t off, val;
	unsigned width;  /* bytes of val put at off; 0: none */
	void (*mutate)(uint8_t *img);
	const char *msg[2];
	int bad_id;      /* smem_get_addr() says -EBADMSG */
	int good_id;     /* still found */
	bool flagged;    /* the walk delivers one entry with problem */
	bool walk_fails; /* the walk returns -EBADMSG naming msg[0] */
};

static const struct corrupt corrupt_cases[] = {
	/* version 11: entries */
	{ "toc offset past the end", 11, 0, TOC(85) + 4, 0x200000, 4, NULL,
	  { "toc[85] = offset 0x200000 size 0x20", "ends past the region" },
	  85, 79, true, true },
	{ "toc offset + size past 32 bits", 11, 0, TOC(79) + 8, 0xFFFFFFF0,
	  4, NULL, { "toc[79] = offset 0x29d8 size 0xfffffff0", "past the" },
	  79, 78, true, true },
	{ "overlapping items", 11, 0, TOC(85) + 4, RICH_79 + 0x100, 4, NULL,
	  { "toc[85] (0x2ad8+0x20) overlaps toc[79] (0x29d8+0x9c40)", "" },
	  -1, 13, false, false },
	{ "misaligned offset", 11, 0, TOC(137) + 4, RICH_137 + 4, 4, NULL,
	  { "toc[137].offset = 0xc63c is not 8-byte aligned", "" }, 137, 85,
	  true, true },
	{ "misaligned size", 11, 0, TOC(137) + 8, 0x4C, 4, NULL,
	  { "toc[137].size = 0x4c is not 8-byte aligned", "" }, 137, 85, true,
	  true },
	{ "item over the header", 11, 0, TOC(333) + 4, 0x2000, 4, NULL,
	  { "toc[333].offset = 0x2000 overlaps the header", "" }, 333, 419,
	  true, true },
	{ "header item moved", 11, 0, TOC(3) + 4, 0x44, 4, NULL,
	  { "toc[3] = offset 0x44 size 0x80", "in the header at 0x40" }, 3, 2,
	  true, true },
	{ "item past free_offset", 11, 0, TOC(419) + 8, 0x20, 4, NULL,
	  { "toc[419] = offset 0xc6e8 size 0x20 ends past free_offset 0xc6f8",
	    "" },
	  -1, 13, false, false },
	/* version 11: the header */
	{ "initialized != 1", 11, 0, H_INITIALIZED, 2, 4, NULL,
	  { "initialized = 0x2, expected 1", "" }, -1, 13, false, false },
	{ "reserved != 0", 11, 0, H_RESERVED, 5, 4, NULL,
	  { "reserved = 0x5, expected 0", "" }, -1, 13, false, false },
	{ "version major 0xd", 11, 0, H_VERSION + 28, 0x000D0000, 4, NULL,
	  { "version[7] = 0x000d0000", "major 0xd" }, 13, -1, false, true },
	{ "free_offset past the size", 11, 0, H_FREE_OFFSET, 0x200008, 4, NULL,
	  { "free_offset = 0x200008", "outside" }, -1, 13, false, false },
	{ "free_offset misaligned", 11, 0, H_FREE_OFFSET, RICH_FREE + 4, 4,
	  NULL, { "free_offset = 0xc6fc is not 8-byte aligned", "" }, -1, 13,
	  false, false },
	{ "available too large", 11, 0, H_AVAILABLE, SIZE - RICH_FREE + 8, 4,
	  NULL, { "available = 0x1f3910", "runs past the region" }, -1, 13,
	  false, false },
	{ "region smaller than the header", 11, 0x2000, 0, 0, 0, NULL,
	  { "region size 0x2000 is smaller than the SMEM header", "" }, 13,
	  -1, false, true },
	/* version 12 */
	{ "partition magic", 12, 0, V12_HOST + 1, 'X', 1, NULL,
	  { "partition 0 at 0x8000: magic 24 58 52 54", "\"$PRT\"" }, 14, 137,
	  false, true },
	{ "broken canary", 12, 0, V12_HOST + 0x58, 0x5A5A, 2, NULL,
	  { "item header at +0x58: canary = 0x5a5a", "partition 0" }, 338, 14,
	  true, true },
	{ "broken cached canary", 12, 0, V12_HOST + 0x1F40, 0, 2, NULL,
	  { "canary = 0x0000, expected 0xa5a5 (cached)", "+0x1f40" }, 481,
	  480, true, true },
	{ "partition size mismatch", 12, 0, V12_HOST + 8, 0x1000, 4, NULL,
	  { "partition 0: header size = 0x1000, table says 0x2000", "" }, 14,
	  419, false, true },
	{ "partition hosts mismatch", 12, 0, V12_HOST + 6, 2, 2, NULL,
	  { "header hosts 0/2, table says 0/1", "" }, 480, 81, false, true },
	{ "offset_free_uncached past the size", 12, 0, V12_HOST + 0xC, 0x2100,
	  4, NULL, { "offset_free_uncached = 0x2100", "0x20..0x2000" }, 14,
	  137, false, true },
	{ "offset_free_cached below uncached", 12, 0, V12_HOST + 0x10, 0x100,
	  4, NULL, { "offset_free_cached = 0x100", "" }, 481, 80, false,
	  true },
	{ "item runs past the free offset", 12, 0, V12_HOST + 0x58 + 4,
	  0x1000, 4, NULL,
	  { "item 338 size = 0x1000", "runs past offset_free_uncached 0x168" },
	  338, 14, true, true },
	{ "cached item runs below its free offset", 12, 0,
	  V12_HOST + 0x1F40 + 4, 0x1000, 4, NULL,
	  { "cached item 481 size = 0x1000",
	    "runs below offset_free_cached 0x1ec0" },
	  481, 480, true, true },
	{ "item past the SIII count", 12, 0, V12_HOST + 0x1FC0 + 2, 505, 2,
	  NULL, { "item = 505, past the item count 500", "" }, 480, 338, true,
	  true },
	{ "ptable num_entries too large", 12, 0, V12_PT + 8, 100, 4, NULL,
	  { "partition table num_entries = 100", "at most 84" }, 137, -1,
	  false, true },
	{ "ptable version", 12, 0, V12_PT + 4, 2, 4, NULL,
	  { "partition table version = 2, expected 1", "" }, 137, -1, false,
	  true },
	{ "partition over the table", 12, 0, PT_E(0) + 0x4, 0x8000, 4, NULL,
	  { "partition 0: offset 0x8000 size 0x8000", "0xf000" }, 14, 137,
	  false, true },
	{ "cacheline not a power of two", 12, 0, PT_E(0) + 0x10, 48, 4, NULL,
	  { "cacheline = 48", "" }, 14, 137, false, true },
	{ "overlapping partitions", 12, 0, 0, 0, 0, dup_ptable_entry0,
	  { "partition 1 (0x8000+0x2000) overlaps partition 0", "" }, -1, 14,
	  false, false },
	{ "v12 without a partition table", 12, 0, V12_PT, 'X', 1, NULL,
	  { "version 12 heap without a partition table", "" }, -1, -1, false,
	  false },
};

static void corrupt_image(const struct corrupt *c, uint8_t *img)
{
	if (c->layout == 11)
		build_rich(img, SIZE);
	else
		build_v12(img);
	if (c->width == 1)
		put8(img, c->off, c->val);
	else if (c->width == 2)
		put16(img, c->off, c->val);
	else if (c->width == 4)
		put32(img, c->off, c->val);
	if (c->mutate)
		c->mutate(img);
}

static bool names(const char *msg, const struct corrupt *c)
{
	return strstr(msg, c->msg[0]) && (!c->msg[1] || strstr(msg, c->msg[1]));
}

static void check_corrupt(const struct corrupt *c)
{
	size_t full = c->layout == 11 ? SIZE : V12_SIZE;
	size_t len = c->len ? c->len : full;
	uint8_t *img = malloc(full);
	/* exactly @len bytes: the sanitizers see any read past them */
	uint8_t *buf = malloc(len);
	struct smem *sm;
	struct seen *s;
	unsigned i;
	void *p;
	int ret;

	corrupt_image(c, img);
	memcpy(buf, img, len);
	free(img);
	assert_int_equal(smem_open_buffer(buf, len, BASE, &sm), 0);

	ret = smem_validate(sm);
	if (ret != -EBADMSG || !names(mw_last_error(), c))
		fail_msg("case '%s': validate gave %d '%s'", c->what, ret,
			 mw_last_error());
	if (c->bad_id >= 0) {
		ret = smem_get_addr(sm, (uint32_t)c->bad_id, &p, NULL);
		if (ret != -EBADMSG || !strstr(mw_last_error(), c->msg[0]))
			fail_msg("case '%s': get_addr(%d) gave %d '%s'",
				 c->what, c->bad_id, ret, mw_last_error());
	}
	if (len < H_END) {
		struct smem_heap_info hi;

		ret = smem_heap_info(sm, &hi);
		if (ret != -EBADMSG || !names(mw_last_error(), c))
			fail_msg("case '%s': heap_info gave %d '%s'", c->what,
				 ret, mw_last_error());
	}
	if (c->good_id >= 0) {
		ret = smem_get_addr(sm, (uint32_t)c->good_id, &p, NULL);
		if (ret)
			fail_msg("case '%s': sound item %d: %d '%s'", c->what,
				 c->good_id, ret, mw_last_error());
	}

	s = walk(sm, &ret);
	if (c->walk_fails ? ret != -EBADMSG ||
				    !strstr(mw_last_error(), c->msg[0])
			  : ret != 0)
		fail_msg("case '%s': walk gave %d '%s'", c->what, ret,
			 mw_last_error());
	if (s->problems != (c->flagged ? 1u : 0u))
		fail_msg("case '%s': walk delivered %u bad entries", c->what,
			 s->problems);
	for (i = 0; i < s->n; i++) {
		const struct smem_item *it = &s->it[i];

		if (!it->problem)
			continue;
		if (!strstr(it->problem, c->msg[0]) || it->ptr ||
		    (c->layout == 11 && it->id != (uint32_t)c->bad_id))
			fail_msg("case '%s': bad entry %u (id %u): '%s'",
				 c->what, i, it->id, it->problem);
	}
	free(s);
	smem_close(sm);
	free(buf);
}

static void test_validate_names_the_corrupt_field(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(corrupt_cases); i++)
		check_corrupt(&corrupt_cases[i]);
}

/*
 * Regression: with two bad TOC entries the walk's final error named the
 * last one, though it promises the first.
 */
static void test_walk_names_the_first_bad_entry(void **state)
{
	uint8_t *img = malloc(SIZE);
	struct smem *sm;
	struct seen *s;
	int ret;

	(void)state;
	build_rich(img, SIZE);
	put32(img, TOC(85) + 4, RICH_85 + 4); /* misaligned */
	put32(img, TOC(333) + 4, 0x1000);     /* over the header */
	assert_int_equal(smem_open_buffer(img, SIZE, BASE, &sm), 0);
	s = walk(sm, &ret);
	assert_int_equal(s->problems, 2);
	if (ret != -EBADMSG || !strstr(mw_last_error(), "toc[85]"))
		fail_msg("walk gave %d '%s', expected toc[85]", ret,
			 mw_last_error());
	assert_fails(smem_validate(sm), -EBADMSG, "toc[85]");
	free(s);
	smem_close(sm);
	free(img);
}

/*
 * Regression: a negative return from the callback ended only the current
 * partition; the walk went on into the next one.
 */
static void test_walk_stops_when_the_callback_says_so(void **state)
{
	static const struct {
		int stop_at; /* callback returns -7 from call stop_at + 1 */
		unsigned calls;
	} stops[] = { { 0, 1 }, { 3, 4 }, { 4, 5 }, { 7, 8 } };
	uint8_t *img = malloc(V12_SIZE);
	struct smem *sm;
	size_t i;

	(void)state;
	build_v12(img);
	assert_int_equal(smem_open_buffer(img, V12_SIZE, BASE, &sm), 0);
	for (i = 0; i < ARRAY_SIZE(stops); i++) {
		struct seen *s = calloc(1, sizeof(*s));
		int ret;

		s->stop_at = stops[i].stop_at;
		ret = smem_foreach_item(sm, collect, s);
		if (ret != -7 || s->n != stops[i].calls)
			fail_msg("stop after %d: returned %d after %u calls",
				 stops[i].stop_at, ret, s->n);
		free(s);
	}
	smem_close(sm);
	free(img);
}

/* ------------------------------------------------------------ processes */

enum { NPROCS = 6, SHARED_FIRST = 9, SHARED_LAST = 40 };
static const char *const procs[NPROCS] = { "apps",  "modem", "q6",
					   "wcnss", "dsps",  "rpm" };

/* Unaligned on purpose: the heap rounds. */
static uint32_t race_size(uint32_t id)
{
	return (id * 37u) % 200u + 1u;
}

enum { RACE_ROUNDS = 48 };

struct race {
	uint32_t off[NPROCS][SMEM_ITEM_COUNT]; /* 0: not allocated by it */
	uint32_t round;
	uint32_t done;
	uint32_t reader_hits;
};

/* Which process owns dynamic id @id in this round. */
static unsigned race_owner(const struct race *rc, uint32_t id)
{
	return (id - SHARED_LAST - 1 + rc->round) % NPROCS;
}

static int race_alloc(struct smem *sm, const uint8_t *base, uint32_t id,
		      uint32_t *off)
{
	uint32_t o;
	void *p;

	if (smem_alloc(sm, id, race_size(id), &p))
		return -1;
	o = (uint32_t)((const uint8_t *)p - base);
	if (off[id] && off[id] != o)
		return -1; /* the second time must find the same item */
	off[id] = o;
	return 0;
}

/*
 * The shared ids first (everyone starts at once, so first allocations
 * collide), then the own ids mixed with shared ones, then the shared ones
 * again.
 */
static int race_allocator(const char *path, unsigned me, int go,
			  struct race *rc)
{
	const uint32_t nshared = SHARED_LAST - SHARED_FIRST + 1;
	struct mw_region *r;
	struct smem *sm;
	uint32_t id, i, k = me * 5;
	void *base;
	char c;

	if (child_open(path, procs[me], &r, &sm))
		return 1;
	if (mw_region_ptr(r, BASE, SIZE, &base))
		return 2;
	if (read(go, &c, 1) != 0) /* EOF: everyone starts */
		return 3;
	for (i = 0; i < nshared; i++)
		if (race_alloc(sm, base, SHARED_FIRST + (k + i) % nshared,
			       rc->off[me]))
			return 7;
	for (id = SHARED_LAST + 1; id < SMEM_ITEM_COUNT; id++) {
		if (race_owner(rc, id) != me)
			continue;
		if (race_alloc(sm, base, id, rc->off[me]))
			return 4;
		if (race_alloc(sm, base, SHARED_FIRST + k++ % nshared,
			       rc->off[me]))
			return 5;
	}
	for (id = SHARED_FIRST; id <= SHARED_LAST; id++)
		if (race_alloc(sm, base, id, rc->off[me]))
			return 6;
	child_close(r, sm);
	return 0;
}

/*
 * Looks items up without a lock while they are being allocated: an entry
 * seen as allocated must be complete (`allocated` is published last).
 */
static int race_reader(const char *path, struct race *rc)
{
	struct mw_region *r;
	struct smem *sm;
	uint32_t id, size, hits = 0, last;
	void *base, *p;
	int ret;

	if (child_open(path, NULL, &r, &sm) ||
	    mw_region_ptr(r, BASE, SIZE, &base))
		return 1;
	/* until the allocators are done, and once more after that */
	do {
		last = mw_load_acquire(&rc->done);
		for (id = SHARED_FIRST; id < SMEM_ITEM_COUNT; id++) {
			uint32_t off;

			ret = smem_get_addr(sm, id, &p, &size);
			if (ret == -ENOENT)
				continue;
			if (ret)
				return 2;
			off = (uint32_t)((uint8_t *)p - (uint8_t *)base);
			if (size != align8(race_size(id)) || off < FIXED_END ||
			    off % 8 || off + size > SIZE)
				return 3;
			hits++;
		}
	} while (!last);
	rc->reader_hits = hits;
	child_close(r, sm);
	return 0;
}

struct span {
	uint32_t id, off, size;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* One round on a fresh heap: NPROCS allocators and a lock-free reader. */
static void race_round(struct fx *f, struct race *rc)
{
	struct span spans[SMEM_ITEM_COUNT];
	pid_t pids[NPROCS], reader;
	int st[NPROCS + 1];
	uint32_t id, end;
	unsigned i, n = 0;
	int go[2];

	assert_int_equal(pipe(go), 0);
	reader = fork_child();
	if (reader == 0) {
		close(go[1]);
		_exit(race_reader(f->path, rc));
	}
	for (i = 0; i < NPROCS; i++) {
		pids[i] = fork_child();
		if (pids[i] == 0) {
			close(go[1]);
			_exit(race_allocator(f->path, i, go[0], rc));
		}
	}
	close(go[0]);
	close(go[1]); /* go */
	for (i = 0; i < NPROCS; i++)
		st[i] = wait_child(pids[i]);
	mw_store_release(&rc->done, 1);
	st[NPROCS] = wait_child(reader);
	for (i = 0; i <= NPROCS; i++)
		if (st[i])
			fail_msg("round %u: %s exited with %d", rc->round,
				 i < NPROCS ? procs[i] : "the reader", st[i]);

	/* every id allocated once, where every process that asked saw it */
	for (id = 4; id < SMEM_ITEM_COUNT; id++) {
		uint32_t off = get32(f->data, TOC(id) + 4);
		uint32_t size = get32(f->data, TOC(id) + 8);
		unsigned askers = 0;

		if (get32(f->data, TOC(id)) != 1 ||
		    (id >= SHARED_FIRST && size != align8(race_size(id))))
			fail_msg("round %u: toc[%u] = %u 0x%x 0x%x", rc->round,
				 id, get32(f->data, TOC(id)), off, size);
		for (i = 0; id >= SHARED_FIRST && i < NPROCS; i++) {
			if (!rc->off[i][id])
				continue;
			if (rc->off[i][id] != off)
				fail_msg("round %u: item %u: %s got 0x%x, the "
					 "table says 0x%x",
					 rc->round, id, procs[i],
					 rc->off[i][id], off);
			askers++;
		}
		if (id > SHARED_LAST &&
		    (askers != 1 || !rc->off[race_owner(rc, id)][id]))
			fail_msg("round %u: item %u asked for by %u processes",
				 rc->round, id, askers);
		if (id >= SHARED_FIRST && id <= SHARED_LAST &&
		    askers != NPROCS)
			fail_msg("round %u: item %u asked for by %u processes",
				 rc->round, id, askers);
		spans[n++] = (struct span){ id, off, size };
	}
	/* the items tile the heap from the header to free_offset */
	qsort(spans, n, sizeof(spans[0]), span_cmp);
	end = H_END;
	for (i = 0; i < n; i++) {
		if (spans[i].off != end)
			fail_msg("round %u: item %u at 0x%x, expected 0x%x",
				 rc->round, spans[i].id, spans[i].off, end);
		end += spans[i].size;
	}
	if (get32(f->data, H_FREE_OFFSET) != end ||
	    get32(f->data, H_AVAILABLE) != SIZE - end)
		fail_msg("round %u: free_offset 0x%x available 0x%x, items "
			 "end at 0x%x",
			 rc->round, get32(f->data, H_FREE_OFFSET),
			 get32(f->data, H_AVAILABLE), end);
}

static void test_processes_allocate_concurrently_without_overlap(void **state)
{
	struct fx *f = *state;
	struct race *rc = shared_page(sizeof(*rc));
	struct smem *sm = open_as(f, NULL);
	unsigned round;

	for (round = 0; round < RACE_ROUNDS; round++) {
		assert_int_equal(smem_init_heap(sm, SMEM_INIT_FORCE), 0);
		memset(rc, 0, sizeof(*rc));
		rc->round = round;
		race_round(f, rc);
		if (smem_validate(sm))
			fail_msg("round %u: %s", round, mw_last_error());
		/* its last pass alone finds every item */
		if (rc->reader_hits < SMEM_ITEM_COUNT - SHARED_FIRST)
			fail_msg("round %u: the reader found %u items",
				 round, rc->reader_hits);
	}
	smem_close(sm);
	munmap(rc, sizeof(*rc));
}

/* ------------------------------------------------------------------ logs */

/* The index and events items of a log, found the way a peer finds them. */
static void log_items(struct smem *sm, uint32_t idx_id, uint32_t ev_id,
		      uint8_t **idx, uint8_t **ev)
{
	void *p;

	assert_int_equal(smem_get_addr(sm, idx_id, &p, NULL), 0);
	*idx = p;
	assert_int_equal(smem_get_addr(sm, ev_id, &p, NULL), 0);
	*ev = p;
}

static void test_log_init_creates_the_items_with_kernel_sizes(void **state)
{
	static const struct {
		enum smem_log_id log;
		const char *name;
		uint32_t idx_id, ev_id, entries;
	} logs[] = {
		{ SMEM_LOG_MAIN, "main", 78, 79, 2000 },
		{ SMEM_LOG_STATIC, "static", 80, 81, 150 },
		{ SMEM_LOG_POWER, "power", 405, 407, 2000 },
	};
	struct fx *f = *state;
	struct smem *sm = open_as(f, "modem");
	uint32_t free_offset;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(logs); i++) {
		assert_int_equal(smem_log_entries(logs[i].log),
				 logs[i].entries);
		assert_string_equal(smem_log_name(logs[i].log), logs[i].name);
		assert_fails(smem_write_log_event3(sm, logs[i].log, 1, 2, 3, 4),
			     -ENOENT, "smem_init_log_buffer");
		assert_int_equal(smem_init_log_buffer(sm, logs[i].log), 0);
		/* the index is a u32 in an 8-byte item; 20 bytes an entry */
		assert_int_equal(get32(f->data, TOC(logs[i].idx_id)), 1);
		assert_int_equal(get32(f->data, TOC(logs[i].idx_id) + 8), 8);
		assert_int_equal(get32(f->data, TOC(logs[i].ev_id) + 8),
				 logs[i].entries * 20);
		/* kept when it exists */
		free_offset = get32(f->data, H_FREE_OFFSET);
		assert_int_equal(smem_init_log_buffer(sm, logs[i].log), 0);
		assert_int_equal(get32(f->data, H_FREE_OFFSET), free_offset);
	}
	assert_int_equal(get32(f->data, TOC(79) + 8), 40000);
	assert_int_equal(get32(f->data, TOC(78) + 4), FIXED_END);
	assert_int_equal(get32(f->data, TOC(79) + 4), FIXED_END + 8);
	assert_int_equal(smem_log_entries(3), 0);
	assert_null(smem_log_name(3));
	assert_fails(smem_init_log_buffer(sm, 3), -EINVAL, "log 3");
	smem_close(sm);
}

static void test_log_event3_and_event6_write_at_the_index(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint32_t t0, t1, t;
	uint8_t *idx, *ev;

	assert_int_equal(smem_init_log_buffer(sm, SMEM_LOG_MAIN), 0);
	log_items(sm, 78, 79, &idx, &ev);

	t0 = smem_log_timetick();
	assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_MAIN, 0x80020008,
					       0x11, 0x22, 0x33),
			 0);
	t1 = smem_log_timetick();
	assert_int_equal(get32(ev, 0x00), 0x80020008);
	t = get32(ev, 0x04);
	assert_true(t - t0 <= t1 - t0); /* 32-bit ticks may wrap */
	assert_int_equal(get32(ev, 0x08), 0x11);
	assert_int_equal(get32(ev, 0x0C), 0x22);
	assert_int_equal(get32(ev, 0x10), 0x33);
	assert_int_equal(get32(idx, 0), 1);

	assert_int_equal(smem_write_log_event6(sm, SMEM_LOG_MAIN, 0x0001000A,
					       4, 5, 6, 7, 8, 9),
			 1);
	/* two entries, one identifier (no CONT flag), one timetick */
	assert_int_equal(get32(ev, 20 + 0x00), 0x0001000A);
	assert_int_equal(get32(ev, 40 + 0x00), 0x0001000A);
	assert_int_equal(get32(ev, 20 + 0x04), get32(ev, 40 + 0x04));
	assert_true(get32(ev, 20 + 0x04) - t0 <= smem_log_timetick() - t0);
	assert_int_equal(get32(ev, 20 + 0x08), 4);
	assert_int_equal(get32(ev, 20 + 0x10), 6);
	assert_int_equal(get32(ev, 40 + 0x08), 7);
	assert_int_equal(get32(ev, 40 + 0x10), 9);
	assert_int_equal(get32(idx, 0), 3);
	assert_int_equal(get32(ev, 60), 0);
	smem_close(sm);
}

static void test_log_static_ring_wraps_and_drops_event6_at_the_end(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint8_t *idx, *ev, snap[150 * 20];
	uint32_t i;

	assert_int_equal(smem_init_log_buffer(sm, SMEM_LOG_STATIC), 0);
	log_items(sm, 80, 81, &idx, &ev);

	/* event3 at the last slot, then the index wraps */
	put32(idx, 0, 148);
	assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC, 0xA, 1, 2,
					       3),
			 0);
	assert_int_equal(get32(ev, 20 * 148), 0xA);
	assert_int_equal(get32(idx, 0), 149);

	/* event6 at entries - 1: the pair is dropped, the index wraps */
	memcpy(snap, ev, sizeof(snap));
	assert_int_equal(smem_write_log_event6(sm, SMEM_LOG_STATIC, 0xB, 1, 2,
					       3, 4, 5, 6),
			 0);
	assert_same_bytes(ev, snap, sizeof(snap));
	assert_int_equal(get32(idx, 0), 0);

	/* 150 event3s go round once */
	for (i = 0; i < 150; i++)
		assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC,
						       0x100 + i, i, 0, 0),
				 0);
	assert_int_equal(get32(idx, 0), 0);
	assert_int_equal(get32(ev, 0), 0x100);
	assert_int_equal(get32(ev, 20 * 149), 0x100 + 149);

	/* event6 at entries - 2 fills the last two slots and wraps */
	put32(idx, 0, 148);
	assert_int_equal(smem_write_log_event6(sm, SMEM_LOG_STATIC, 0xC, 1, 2,
					       3, 4, 5, 6),
			 1);
	assert_int_equal(get32(ev, 20 * 148), 0xC);
	assert_int_equal(get32(ev, 20 * 149), 0xC);
	assert_int_equal(get32(ev, 20 * 149 + 8), 4);
	assert_int_equal(get32(idx, 0), 0);
	smem_close(sm);
}

static void test_log_corrupt_index_is_not_written_through(void **state)
{
	static const uint32_t bad[] = { 150, 151, 1000, 0x7FFFFFFF,
					0xFFFFFFFE, 0xFFFFFFFF };
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint8_t *idx, *ev, *snap = malloc(SIZE);
	struct smem_log_event out[4];
	uint32_t next;
	size_t i;
	void *p;

	assert_int_equal(smem_init_log_buffer(sm, SMEM_LOG_STATIC), 0);
	log_items(sm, 80, 81, &idx, &ev);
	assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC, 0x77, 0, 0,
					       0),
			 0);
	/* what follows the ring: written through, a bad index lands here */
	assert_int_equal(smem_alloc(sm, 82, 256, &p), 0);
	assert_ptr_equal(p, ev + 3000);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* nothing in the whole heap changes but the index */
		put32(idx, 0, 0);
		memcpy(snap, f->data, SIZE);
		put32(idx, 0, bad[i]);
		assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC,
						       0x99, 1, 2, 3),
				 0);
		if (get32(idx, 0) != 0)
			fail_msg("index 0x%x: event3 left 0x%x", bad[i],
				 get32(idx, 0));
		assert_same_bytes(f->data, snap, SIZE);
		put32(idx, 0, bad[i]);
		assert_int_equal(smem_write_log_event6(sm, SMEM_LOG_STATIC,
						       0x99, 1, 2, 3, 4, 5, 6),
				 0);
		assert_int_equal(get32(idx, 0), 0);
		assert_same_bytes(f->data, snap, SIZE);
		/* a reader of a corrupt index reads the ring from slot 0 */
		put32(idx, 0, bad[i]);
		assert_int_equal(smem_read_log_events(sm, SMEM_LOG_STATIC, out,
						      4, 0, &next),
				 1);
		assert_int_equal(next, bad[i]);
		assert_int_equal(out[0].identifier, 0x77);
	}
	smem_close(sm);
	free(snap);
}

static void test_log_read_orders_newest_or_oldest_first(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	struct smem_log_event ev[160];
	uint32_t i, next;
	int n;

	assert_fails(smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160, 0,
					  NULL),
		     -ENOENT, "static log does not exist");
	assert_int_equal(smem_init_log_buffer(sm, SMEM_LOG_STATIC), 0);
	assert_int_equal(smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160, 0,
					      &next),
			 0);
	assert_int_equal(next, 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC,
						       0x80020000 + i, i,
						       2 * i, 3 * i),
				 0);
	/* identifier 0 takes a slot but reads skip it */
	assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC, 0, 9, 9,
					       9),
			 0);
	n = smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160, 0, &next);
	assert_int_equal(n, 5);
	assert_int_equal(next, 6);
	for (i = 0; i < 5; i++) {
		assert_int_equal(ev[i].identifier, 0x80020005 - i);
		assert_int_equal(ev[i].slot, 4 - i);
		assert_int_equal(ev[i].data[0], 5 - i);
		assert_int_equal(ev[i].data[2], 3 * (5 - i));
	}
	n = smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160,
				 SMEM_LOG_OLDEST_FIRST, NULL);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(ev[i].identifier, 0x80020001 + i);
	/* max bounds the count: the newest ones */
	assert_int_equal(smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 2, 0,
					      NULL),
			 2);
	assert_int_equal(ev[0].identifier, 0x80020005);
	assert_int_equal(ev[1].identifier, 0x80020004);

	/* wrapped: 150 + 10 more; oldest first starts at the index */
	for (i = 0; i < 160; i++)
		assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_STATIC,
						       0x1000 + i, i, 0, 0),
				 0);
	n = smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160, 0, &next);
	assert_int_equal(n, 150);
	assert_int_equal(next, (6 + 160) % 150);
	assert_int_equal(ev[0].identifier, 0x1000 + 159);
	assert_int_equal(ev[149].identifier, 0x1000 + 10);
	n = smem_read_log_events(sm, SMEM_LOG_STATIC, ev, 160,
				 SMEM_LOG_OLDEST_FIRST, NULL);
	assert_int_equal(n, 150);
	assert_int_equal(ev[0].slot, next);
	for (i = 0; i < 150; i++)
		assert_int_equal(ev[i].identifier, 0x1000 + 10 + i);
	smem_close(sm);
}

static void test_log_decode_names_processor_base_and_event(void **state)
{
	static const struct {
		uint32_t id;
		const char *text;
	} cases[] = {
		{ 0x80020008, "APPS SMEM WRITE" },
		{ 0x90020008, "APPS|CONT SMEM WRITE" },
		{ 0x0001000A, "MODEM ONCRPC STD_CALL" },
		{ 0x5001000A, "Q6|CONT ONCRPC STD_CALL" },
		{ 0xC0090002, "WCNSS RPC_ROUTER MSG_WRITTEN" },
		{ 0x00060001, "MODEM ERROR ERR_ERROR_FATAL" },
		{ 0x00060000, "MODEM ERROR 0x0" },
		{ 0x80080007, "APPS SLEEP NO_SLEEP_NEW" },
		{ 0x80020012, "APPS SMEM 0x12" },   /* past the SMEM events */
		{ 0x00030005, "MODEM TMC 0x5" },    /* a base without names */
		{ 0x40AB0012, "Q6 base 0x0ab event 0x12" },
		{ 0x8FFF0000, "APPS base 0xfff event 0x0" },
		{ 0x800A0001, "APPS base 0x00a event 0x1" },
		{ 0x20000000, "0x20000000 (unknown processor bits)" },
	};
	char buf[64];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = smem_log_decode(cases[i].id, buf, sizeof(buf));
		if (strcmp(buf, cases[i].text) ||
		    n != (int)strlen(cases[i].text))
			fail_msg("0x%08x: got '%s' (%d), want '%s'",
				 cases[i].id, buf, n, cases[i].text);
	}
	/* snprintf rule */
	n = smem_log_decode(0x80020008, buf, 5);
	assert_int_equal(n, strlen("APPS SMEM WRITE"));
	assert_string_equal(buf, "APPS");
}

/* The log owner (modem) and apps write at once; both read it back. */
static void test_log_is_shared_between_processes(void **state)
{
	enum { N = 500 };
	struct fx *f = *state;
	struct smem_log_event *ev = calloc(2000, sizeof(*ev));
	uint32_t seq[2] = { 0, 0 }, last_t[2] = { 0, 0 }, next;
	struct smem *sm;
	int ready[2], go[2], i, n;
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork_child();
	if (pid == 0) {
		struct mw_region *r;
		struct smem *m;

		close(go[1]);
		close(ready[0]);
		if (child_open(f->path, "modem", &r, &m) ||
		    smem_init_log_buffer(m, SMEM_LOG_MAIN))
			_exit(1);
		if (write(ready[1], "R", 1) != 1 || read(go[0], &c, 1) != 0)
			_exit(2);
		for (i = 0; i < N; i++)
			if (smem_write_log_event3(m, SMEM_LOG_MAIN, 0x00020008,
						  (uint32_t)i, 0, 0))
				_exit(3);
		child_close(r, m);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	assert_true(readable(ready[0], 10000));
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	sm = open_as(f, "apps");
	close(go[1]);
	for (i = 0; i < N; i++)
		assert_int_equal(smem_write_log_event3(sm, SMEM_LOG_MAIN,
						       0x80020008, (uint32_t)i,
						       0, 0),
				 0);
	assert_int_equal(wait_child(pid), 0);

	/* every entry once; each writer's own entries in order */
	n = smem_read_log_events(sm, SMEM_LOG_MAIN, ev, 2000,
				 SMEM_LOG_OLDEST_FIRST, &next);
	assert_int_equal(n, 2 * N);
	assert_int_equal(next, 2 * N);
	for (i = 0; i < n; i++) {
		int w = ev[i].identifier == 0x80020008;

		assert_true(w || ev[i].identifier == 0x00020008);
		assert_int_equal(ev[i].data[0], seq[w]++);
		assert_true(ev[i].timetick - last_t[w] < 0x80000000u ||
			    seq[w] == 1);
		last_t[w] = ev[i].timetick;
	}
	assert_int_equal(seq[0], N);
	assert_int_equal(seq[1], N);
	smem_close(sm);
	free(ev);
}

/* -------------------------------------------------------- version array */

static uint32_t version_word(struct smem *sm, uint32_t type, unsigned slot)
{
	void *p;

	assert_int_equal(smem_get_addr(sm, type, &p, NULL), 0);
	return get32(p, 4 * slot);
}

static void test_version_set_compares_every_slot_under_the_mask(void **state)
{
	struct fx *f = *state;
	struct smem *apps = open_as(f, "apps");
	struct smem *modem = open_as(f, "modem");
	struct smem *q6 = open_as(f, "q6");
	uint32_t size;
	void *p;

	assert_int_equal(smem_version_slot(apps), 8);
	assert_int_equal(smem_version_slot(modem), 9);
	assert_int_equal(smem_version_slot(q6), 4);

	/* item 3 is the header's version[]: SBL's 0x000B0000 in slot 7 */
	assert_int_equal(smem_version_set(apps, SMEM_VERSION_INFO, 0x000B0001,
					  SMEM_MAJOR_VERSION_MASK),
			 1);
	assert_int_equal(get32(f->data, H_VERSION + 4 * 8), 0x000B0000);
	assert_int_equal(smem_version_set(modem, SMEM_VERSION_INFO, 0x000B2002,
					  SMEM_FULL_VERSION_MASK),
			 0); /* 0x000B0000 in slots 7 and 8 differ */
	assert_int_equal(get32(f->data, H_VERSION + 4 * 9), 0x000B2002);
	assert_int_equal(smem_version_set(modem, SMEM_VERSION_INFO, 0x000B2002,
					  SMEM_MAJOR_VERSION_MASK),
			 1);
	assert_int_equal(get32(f->data, H_VERSION + 4 * 7), 0x000B0000);

	/* 107..131: a 128-byte array, allocated on first use */
	assert_int_equal(smem_version_set(apps, 109, 0x00010005,
					  SMEM_FULL_VERSION_MASK),
			 1);
	assert_int_equal(smem_get_addr(apps, 109, &p, &size), 0);
	assert_int_equal(size, 128);
	assert_int_equal(get32(f->data, TOC(109) + 8), 128);
	assert_int_equal(version_word(apps, 109, 8), 0x00010005);
	assert_int_equal(smem_version_set(modem, 109, 0x00010005,
					  SMEM_FULL_VERSION_MASK),
			 1);
	assert_int_equal(version_word(apps, 109, 9), 0x00010005);
	assert_int_equal(smem_version_set(q6, 109, 0x00010006,
					  SMEM_FULL_VERSION_MASK),
			 0);
	assert_int_equal(version_word(apps, 109, 4), 0x00010006);
	/* the mask restricts the comparison */
	assert_int_equal(smem_version_set(q6, 109, 0x00010006,
					  SMEM_MAJOR_VERSION_MASK),
			 1);
	assert_int_equal(smem_version_set(q6, 109, 0x00010006,
					  SMEM_MINOR_VERSION_MASK),
			 0);
	/* a slot is OR-ed, never cleared */
	assert_int_equal(smem_version_set(apps, 109, 0x00000002,
					  SMEM_FULL_VERSION_MASK),
			 0);
	assert_int_equal(version_word(apps, 109, 8), 0x00010007);
	/* the bounds of the range */
	assert_int_equal(smem_version_set(apps, 107, 1, SMEM_FULL_VERSION_MASK),
			 1);
	assert_int_equal(smem_version_set(apps, 131, 1, SMEM_FULL_VERSION_MASK),
			 1);
	assert_fails(smem_version_set(apps, 106, 1, SMEM_FULL_VERSION_MASK),
		     -EINVAL, "item 106 has no version array");
	assert_fails(smem_version_set(apps, 132, 1, SMEM_FULL_VERSION_MASK),
		     -EINVAL, "no version array");
	assert_fails(smem_version_set(apps, 13, 1, SMEM_FULL_VERSION_MASK),
		     -EINVAL, "no version array");
	assert_fails(smem_version_set(apps, 0, 1, SMEM_FULL_VERSION_MASK),
		     -EINVAL, "no version array");
	assert_int_equal(get32(f->data, TOC(106)), 0);
	/* an item of another size is not a version array */
	assert_int_equal(smem_alloc(apps, 120, 64, &p), 0);
	assert_fails(smem_version_set(apps, 120, 1, SMEM_FULL_VERSION_MASK),
		     -EMSGSIZE, "size 64, not 128");
	/* another slot */
	assert_fails(smem_set_version_slot(apps, 32), -EINVAL, "slot 32");
	assert_int_equal(smem_set_version_slot(apps, 20), 0);
	assert_int_equal(smem_version_set(apps, 110, 0x42,
					  SMEM_FULL_VERSION_MASK),
			 1);
	assert_int_equal(version_word(apps, 110, 20), 0x42);
	assert_int_equal(version_word(apps, 110, 8), 0);
	smem_close(q6);
	smem_close(modem);
	smem_close(apps);
}

/* ---------------------------------------------------------------- locks */

static void test_spin_lock_excludes_across_processes(void **state)
{
	enum { M = 3000, LOCK = 11 };
	static const char *const who[] = { "modem", "q6" };
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	uint32_t *counter, owner;
	pid_t pids[2];
	unsigned i, k;
	void *p;

	assert_int_equal(smem_alloc(sm, 300, 4, &p), 0);
	counter = p;
	for (i = 0; i < 2; i++) {
		pids[i] = fork_child();
		if (pids[i] == 0) {
			struct mw_region *r;
			struct smem *m;
			uint32_t *c;

			if (child_open(f->path, who[i], &r, &m) ||
			    smem_get_addr(m, 300, &p, NULL))
				_exit(1);
			c = p;
			for (k = 0; k < M; k++) {
				if (smem_spin_lock(m, LOCK))
					_exit(2);
				/* racy on purpose: only the lock makes it
				 * exact */
				MW_WRITE_ONCE(*c, MW_READ_ONCE(*c) + 1);
				if (smem_spin_unlock(m, LOCK))
					_exit(3);
			}
			child_close(r, m);
			_exit(0);
		}
	}
	for (k = 0; k < M; k++) {
		assert_int_equal(smem_spin_lock(sm, LOCK), 0);
		MW_WRITE_ONCE(*counter, MW_READ_ONCE(*counter) + 1);
		assert_int_equal(smem_spin_unlock(sm, LOCK), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(wait_child(pids[i]), 0);
	assert_int_equal(*counter, 3 * M);
	assert_int_equal(smem_lock_owner(sm, LOCK, &owner), 0);
	assert_int_equal(owner, 0);
	assert_fails(smem_spin_lock(sm, 32), -EINVAL, "hardware mutex 32");
	assert_fails(smem_spin_unlock(sm, 32), -EINVAL, "hardware mutex 32");
	assert_fails(smem_set_lock0(sm, 32), -EINVAL, "hardware mutex 32");
	smem_close(sm);
}

static void test_set_lock0_frees_a_live_holders_lock_for_a_waiter(void **state)
{
	enum { LOCK = 9 };
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps");
	int held[2], release[2], waiter_out[2];
	pid_t holder, waiter;
	uint32_t owner;
	char c;

	assert_int_equal(pipe(held), 0);
	assert_int_equal(pipe(release), 0);
	assert_int_equal(pipe(waiter_out), 0);
	holder = fork_child();
	if (holder == 0) {
		struct mw_region *r;
		struct smem *m;
		int ret;

		close(held[0]);
		close(release[1]);
		close(waiter_out[0]);
		close(waiter_out[1]);
		if (child_open(f->path, "modem", &r, &m) ||
		    smem_spin_lock(m, LOCK))
			_exit(1);
		if (write(held[1], "H", 1) != 1 ||
		    read(release[0], &c, 1) != 1)
			_exit(2);
		/* forced free meanwhile: no longer ours */
		ret = smem_spin_unlock(m, LOCK);
		if (ret != -EPERM || !strstr(mw_last_error(), "not owned"))
			_exit(3);
		child_close(r, m);
		_exit(0);
	}
	close(held[1]);
	close(release[0]);
	assert_true(readable(held[0], 10000));
	assert_int_equal(read(held[0], &c, 1), 1);
	assert_int_equal(smem_lock_owner(sm, LOCK, &owner), 0);
	assert_int_equal(owner, 2); /* modem's hardware id */
	assert_fails(smem_spin_unlock(sm, LOCK), -EPERM, "actual owner is 2");

	waiter = fork_child();
	if (waiter == 0) {
		struct mw_region *r;
		struct smem *m;

		close(held[0]);
		close(held[1]);
		close(release[0]);
		close(release[1]);
		close(waiter_out[0]);
		if (child_open(f->path, "q6", &r, &m) ||
		    write(waiter_out[1], "W", 1) != 1)
			_exit(1);
		if (smem_spin_lock(m, LOCK) ||
		    smem_lock_owner(m, LOCK, &owner) || owner != 3)
			_exit(2);
		if (write(waiter_out[1], "G", 1) != 1 ||
		    smem_spin_unlock(m, LOCK))
			_exit(3);
		child_close(r, m);
		_exit(0);
	}
	close(waiter_out[1]);
	assert_true(readable(waiter_out[0], 10000));
	assert_int_equal(read(waiter_out[0], &c, 1), 1);
	assert_int_equal(c, 'W');
	/* the modem is alive and holds it: the waiter waits */
	assert_false(readable(waiter_out[0], 200));
	assert_int_equal(smem_set_lock0(sm, LOCK), 2);
	assert_true(readable(waiter_out[0], 10000));
	assert_int_equal(read(waiter_out[0], &c, 1), 1);
	assert_int_equal(c, 'G');
	assert_int_equal(wait_child(waiter), 0);
	assert_int_equal(write(release[1], "U", 1), 1);
	assert_int_equal(wait_child(holder), 0);
	assert_int_equal(smem_lock_owner(sm, LOCK, &owner), 0);
	assert_int_equal(owner, 0);

	/* a free lock: 0; our own: unlock it instead */
	assert_int_equal(smem_set_lock0(sm, LOCK), 0);
	assert_int_equal(smem_spin_lock(sm, 10), 0);
	assert_int_equal(smem_lock_owner(sm, 10, &owner), 0);
	assert_int_equal(owner, 1);
	assert_fails(smem_set_lock0(sm, 10), -EBUSY, "unlock it");
	assert_int_equal(smem_spin_unlock(sm, 10), 0);
	close(held[0]);
	close(release[1]);
	close(waiter_out[0]);
	smem_close(sm);
}

static void test_lock_owner_needs_mutex_registers(void **state)
{
	uint8_t *img = malloc(SIZE);
	struct smem *sm;
	uint32_t owner;

	(void)state;
	golden_v11(img, SIZE);
	assert_int_equal(smem_open_buffer(img, SIZE, BASE, &sm), 0);
	assert_fails(smem_lock_owner(sm, 3, &owner), -ENXIO,
		     "no hardware mutex registers");
	assert_fails(smem_spin_lock(sm, 3), -EPERM, "no processor");
	smem_close(sm);
	free(img);
}

/* ------------------------------------------------------------ translate */

static const struct {
	uint64_t phys;
	uint32_t value;
	const char *name;
} bells[] = {
	{ APCS_IPC, 1u << 3, "apcs-ipc" },
	{ DSPS_SMD_IPC, 1, "dsps-smd-ipc" },
	{ DSPS_SMSM_IPC, 1, "dsps-smsm-ipc" },
};

static void test_translate_maps_doorbells_to_shadow_registers(void **state)
{
	struct fx *f = *state;
	struct smem *sm = open_as(f, "apps"), *obs = open_as(f, NULL);
	struct smem_mapping m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bells); i++) {
		assert_int_equal(smem_translate(sm, bells[i].phys, &m), 0);
		assert_true(m.emulated);
		assert_non_null(m.va);
		assert_int_equal(m.res->phys, bells[i].phys);
		assert_int_equal(m.res->kind, MW_RES_DOORBELL);
		assert_string_equal(m.res->name, bells[i].name);
		assert_int_equal(mw_doorbell_write(smem_soc(sm), bells[i].phys,
						   bells[i].value),
				 1);
		assert_int_equal(*m.va, bells[i].value);
		/* every process sees the same register */
		assert_int_equal(smem_translate(obs, bells[i].phys, &m), 0);
		assert_true(m.emulated);
		assert_int_equal(*m.va, bells[i].value);
	}
	assert_fails(smem_translate(sm, BASE, &m), -ENOENT, "0x80000000");
	assert_null(m.va);
	assert_fails(smem_translate(sm, SFPB_MUTEX(3), &m), -ENOENT,
		     "0x1200610");
	assert_fails(smem_translate(sm, 0x12345678, &m), -ENOENT,
		     "0x12345678 is not one of msm8930's extra resources");
	assert_fails(smem_translate(sm, APCS_IPC + 4, &m), -ENOENT,
		     "0x201100c");
	smem_close(obs);
	smem_close(sm);
}

static void test_translate_refuses_dumps(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct smem_mapping m;
	struct mw_region *d;
	struct smem *sm;
	int fd;

	snprintf(path, sizeof(path), "%s/dump.bin", f->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_int_equal(write(fd, f->data, SIZE), SIZE);
	close(fd);
	assert_int_equal(mw_region_open_dump(path, BASE, &d), 0);
	assert_int_equal(smem_open(d, NULL, &sm), 0);
	assert_fails(smem_translate(sm, APCS_IPC, &m), -ENXIO,
		     "has no registers");
	assert_fails(smem_translate(sm, 0x12345678, &m), -ENOENT, "0x12345678");
	smem_close(sm);
	mw_region_close(d);
	assert_int_equal(smem_open_buffer(f->data, SIZE, BASE, &sm), 0);
	assert_fails(smem_translate(sm, DSPS_SMSM_IPC, &m), -ENXIO,
		     "has no registers");
	smem_close(sm);
}

/* --------------------------------------------------- /dev/mem, in a file */

static uint32_t pread32(int fd, uint64_t phys)
{
	uint32_t v = 0xDEADBEEF;

	assert_int_equal(pread(fd, &v, 4, (off_t)phys), 4);
	return v;
}

static void pwrite32(int fd, uint64_t phys, uint32_t v)
{
	assert_int_equal(pwrite(fd, &v, 4, (off_t)phys), 4);
}

struct spy {
	uint32_t seen; /* the observer saw lock 3 hold apps' id */
	uint32_t other; /* a value other than 0 and 1 it saw */
	uint32_t stop;
};

/* Watch SFPB mutex 3 in the file while the parent allocates. */
static int watch_lock3(const char *mem, struct spy *spy)
{
	const uint64_t page = SFPB_MUTEX(3) & ~0xFFFull;
	volatile uint32_t *reg;
	int fd = open(mem, O_RDONLY);
	uint8_t *map;

	if (fd < 0)
		return 1;
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (map == MAP_FAILED)
		return 2;
	reg = (volatile uint32_t *)(map + (SFPB_MUTEX(3) - page));
	while (!mw_load_acquire(&spy->stop)) {
		uint32_t v = *reg;

		if (v == 1)
			mw_store_release(&spy->seen, 1);
		else if (v)
			MW_WRITE_ONCE(spy->other, v);
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_devmem_heap_works_through_the_sfpb_registers(void **state)
{
	struct fx *f = *state;
	struct spy *spy = shared_page(sizeof(*spy));
	struct smem_mapping m;
	struct mw_region *mr;
	char mem[PATH_MAX];
	struct smem *sm;
	long long deadline;
	uint32_t owner;
	unsigned n, i;
	pid_t pid;
	void *p;
	int fd;

	/* A sparse file standing in for /dev/mem: offset = phys. */
	snprintf(mem, sizeof(mem), "%s/mem", f->dir);
	fd = open(mem, O_CREAT | O_RDWR | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(BASE + SIZE + 0x1000)), 0);
	assert_int_equal(mw_region_open_devmem(mem, BASE, SIZE,
					       MW_REGION_WRITE, &mr),
			 0);
	assert_int_equal(smem_open(mr, NULL, &sm), 0);
	assert_true(smem_writable(sm));
	assert_null(smem_soc(sm));
	assert_int_equal(smem_init_heap(sm, 0), 0);
	assert_int_equal(pread32(fd, BASE + H_INITIALIZED), 1);
	assert_int_equal(pread32(fd, BASE + H_VERSION + 28), 0x000B0000);
	assert_int_equal(pread32(fd, BASE + H_FREE_OFFSET), FIXED_END);

	/* allocation as apps, under the real register protocol */
	assert_int_equal(smem_alloc(sm, 100, 20, &p), 0);
	assert_int_equal(pread32(fd, BASE + TOC(100)), 1);
	assert_int_equal(pread32(fd, BASE + TOC(100) + 4), FIXED_END);
	assert_int_equal(pread32(fd, BASE + TOC(100) + 8), 24);
	assert_int_equal(pread32(fd, SFPB_MUTEX(3)), 0);

	/* lock 3 holds apps' id 1 while an allocation runs */
	pid = fork_child();
	if (pid == 0)
		_exit(watch_lock3(mem, spy));
	deadline = now_ms() + 10000;
	for (n = 0; !mw_load_acquire(&spy->seen) && now_ms() < deadline; n++)
		assert_int_equal(smem_alloc(sm, 100, 24, &p), 0);
	mw_store_release(&spy->stop, 1);
	assert_int_equal(wait_child(pid), 0);
	if (!spy->seen || spy->other)
		fail_msg("after %u allocations lock 3 was seen %s, other "
			 "value 0x%x",
			 n, spy->seen ? "held by 1" : "never held", spy->other);
	assert_int_equal(pread32(fd, SFPB_MUTEX(3)), 0);

	/* lock, owner, unlock, set_lock0 on the registers */
	assert_int_equal(smem_spin_lock(sm, 3), 0);
	assert_int_equal(pread32(fd, SFPB_MUTEX(3)), 1);
	assert_int_equal(smem_lock_owner(sm, 3, &owner), 0);
	assert_int_equal(owner, 1);
	assert_fails(smem_set_lock0(sm, 3), -EBUSY, "held by apps");
	assert_int_equal(smem_spin_unlock(sm, 3), 0);
	assert_int_equal(pread32(fd, SFPB_MUTEX(3)), 0);
	pwrite32(fd, SFPB_MUTEX(5), 2); /* the modem holds 5 */
	assert_int_equal(smem_lock_owner(sm, 5, &owner), 0);
	assert_int_equal(owner, 2);
	assert_fails(smem_spin_unlock(sm, 5), -EPERM, "actual owner is 2");
	assert_int_equal(pread32(fd, SFPB_MUTEX(5)), 2);
	assert_int_equal(smem_set_lock0(sm, 5), 2);
	assert_int_equal(pread32(fd, SFPB_MUTEX(5)), 0);
	for (i = 0; i < 32; i++)
		assert_int_equal(pread32(fd, SFPB_MUTEX(i)), 0);

	/* translate: real mappings of the registers in the file */
	for (i = 0; i < ARRAY_SIZE(bells); i++) {
		assert_int_equal(smem_translate(sm, bells[i].phys, &m), 0);
		assert_false(m.emulated);
		assert_string_equal(m.res->name, bells[i].name);
		*m.va = bells[i].value | 0x100;
		assert_int_equal(pread32(fd, bells[i].phys),
				 bells[i].value | 0x100);
	}
	assert_fails(smem_translate(sm, BASE, &m), -ENOENT, "0x80000000");
	assert_int_equal(smem_validate(sm), 0);
	smem_close(sm);
	mw_region_close(mr);

	/* read-only /dev/mem: inspected, never written */
	assert_int_equal(mw_region_open_devmem(mem, BASE, SIZE, 0, &mr), 0);
	assert_int_equal(smem_open(mr, "apps", &sm), 0);
	assert_false(smem_writable(sm));
	assert_int_equal(smem_validate(sm), 0);
	assert_int_equal(smem_get_addr(sm, 100, &p, NULL), 0);
	assert_fails(smem_alloc(sm, 101, 8, &p), -EROFS, "read-only (devmem)");
	assert_int_equal(smem_translate(sm, APCS_IPC, &m), 0);
	assert_int_equal(*m.va, (1u << 3) | 0x100);
	smem_close(sm);
	mw_region_close(mr);
	close(fd);
	munmap(spy, sizeof(*spy));
}

/* ------------------------------------------------------------------ main */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define H(fn) cmocka_unit_test_setup_teardown(fn, setup_heap, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* golden images */
		T(test_init_heap_writes_the_sbl_layout_byte_for_byte),
		H(test_alloc_writes_the_toc_entries_and_counters_by_hand),
		cmocka_unit_test(test_golden_image_reads_back_from_a_buffer),
		T(test_golden_image_reads_back_from_a_dump_file),
		cmocka_unit_test(test_smd_table_refuses_unprintable_names),
		cmocka_unit_test(test_item_names_follow_the_reference_enum),
		cmocka_unit_test(test_v12_partitions_list_every_item),
		T(test_v12_heap_refuses_every_write),
		cmocka_unit_test(
			test_v11_heap_with_a_partition_table_walks_both),
		/* allocation */
		H(test_alloc_aligns_to_8_and_bumps_in_order),
		H(test_alloc_same_id_same_size_returns_the_same_item),
		H(test_alloc_rejects_fixed_items),
		H(test_alloc_rejects_ids_past_the_table),
		H(test_alloc_exhausted_heap_leaves_counters_unchanged),
		T(test_alloc_refuses_an_uninitialised_heap),
		H(test_alloc_refuses_read_only_heaps),
		H(test_alloc_without_a_processor_is_refused),
		H(test_open_refuses_a_processor_attached_twice),
		H(test_open_soc_acts_as_the_socs_processor),
		H(test_processes_allocate_concurrently_without_overlap),
		/* hostile images */
		cmocka_unit_test(test_validate_names_the_corrupt_field),
		cmocka_unit_test(test_walk_names_the_first_bad_entry),
		cmocka_unit_test(test_walk_stops_when_the_callback_says_so),
		/* logs */
		H(test_log_init_creates_the_items_with_kernel_sizes),
		H(test_log_event3_and_event6_write_at_the_index),
		H(test_log_static_ring_wraps_and_drops_event6_at_the_end),
		H(test_log_corrupt_index_is_not_written_through),
		H(test_log_read_orders_newest_or_oldest_first),
		cmocka_unit_test(
			test_log_decode_names_processor_base_and_event),
		H(test_log_is_shared_between_processes),
		/* version array, locks, translate */
		H(test_version_set_compares_every_slot_under_the_mask),
		H(test_spin_lock_excludes_across_processes),
		H(test_set_lock0_frees_a_live_holders_lock_for_a_waiter),
		cmocka_unit_test(test_lock_owner_needs_mutex_registers),
		H(test_translate_maps_doorbells_to_shadow_registers),
		H(test_translate_refuses_dumps),
		T(test_devmem_heap_works_through_the_sfpb_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
