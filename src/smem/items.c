/* SPDX-License-Identifier: MIT */
/*
 * items.c - names of SMEM items and decoders of the well-known ones:
 * socinfo (137), SMSM state (85, 419, 333) and the SMD channel table (13).
 *
 * Item ids: reference smem_smd.md §2 (the msm-3.4 smem_mem_type enum) and
 * the later firmware additions listed there.  Every decoder copies the item
 * out of shared memory before it looks at it, and checks the item's size
 * against what it reads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "smem/smem_i.h"

static const char *const fixed_names[SMEM_ITEM_COUNT] = {
	[0] = "SMEM_PROC_COMM",
	[1] = "SMEM_HEAP_INFO",
	[2] = "SMEM_ALLOCATION_TABLE",
	[3] = "SMEM_VERSION_INFO",
	[4] = "SMEM_HW_RESET_DETECT",
	[5] = "SMEM_AARM_WARM_BOOT",
	[6] = "SMEM_DIAG_ERR_MESSAGE",
	[7] = "SMEM_SPINLOCK_ARRAY",
	[8] = "SMEM_MEMORY_BARRIER_LOCATION",
	[9] = "SMEM_AARM_PARTITION_TABLE",
	[10] = "SMEM_AARM_BAD_BLOCK_TABLE",
	[11] = "SMEM_RESERVE_BAD_BLOCKS",
	[12] = "SMEM_WM_UUID",
	[13] = "SMEM_CHANNEL_ALLOC_TBL",
	[78] = "SMEM_SMEM_LOG_IDX",
	[79] = "SMEM_SMEM_LOG_EVENTS",
	[80] = "SMEM_SMEM_STATIC_LOG_IDX",
	[81] = "SMEM_SMEM_STATIC_LOG_EVENTS",
	[82] = "SMEM_SMEM_SLOW_CLOCK_SYNC",
	[83] = "SMEM_SMEM_SLOW_CLOCK_VALUE",
	[84] = "SMEM_BIO_LED_BUF",
	[85] = "SMEM_SMSM_SHARED_STATE",
	[86] = "SMEM_SMSM_INT_INFO",
	[87] = "SMEM_SMSM_SLEEP_DELAY",
	[88] = "SMEM_SMSM_LIMIT_SLEEP",
	[89] = "SMEM_SLEEP_POWER_COLLAPSE_DISABLED",
	[90] = "SMEM_KEYPAD_KEYS_PRESSED",
	[91] = "SMEM_KEYPAD_STATE_UPDATED",
	[92] = "SMEM_KEYPAD_STATE_IDX",
	[93] = "SMEM_GPIO_INT",
	[94] = "SMEM_MDDI_LCD_IDX",
	[95] = "SMEM_MDDI_HOST_DRIVER_STATE",
	[96] = "SMEM_MDDI_LCD_DISP_STATE",
	[97] = "SMEM_LCD_CUR_PANEL",
	[98] = "SMEM_MARM_BOOT_SEGMENT_INFO",
	[99] = "SMEM_AARM_BOOT_SEGMENT_INFO",
	[100] = "SMEM_SLEEP_STATIC",
	[101] = "SMEM_SCORPION_FREQUENCY",
	[102] = "SMEM_SMD_PROFILES",
	[103] = "SMEM_TSSC_BUSY",
	[104] = "SMEM_HS_SUSPEND_FILTER_INFO",
	[105] = "SMEM_BATT_INFO",
	[106] = "SMEM_APPS_BOOT_MODE",
	[132] = "SMEM_OSS_RRCASN1_BUF1",
	[133] = "SMEM_OSS_RRCASN1_BUF2",
	[134] = "SMEM_ID_VENDOR0",
	[135] = "SMEM_ID_VENDOR1",
	[136] = "SMEM_ID_VENDOR2",
	[137] = "SMEM_HW_SW_BUILD_ID",
	[330] = "SMEM_I2C_MUTEX",
	[331] = "SMEM_SCLK_CONVERSION",
	[332] = "SMEM_SMD_SMSM_INTR_MUX",
	[333] = "SMEM_SMSM_CPU_INTR_MASK",
	[334] = "SMEM_APPS_DEM_SLAVE_DATA",
	[335] = "SMEM_QDSP6_DEM_SLAVE_DATA",
	[336] = "SMEM_CLKREGIM_BSP",
	[337] = "SMEM_CLKREGIM_SOURCES",
	[402] = "SMEM_USABLE_RAM_PARTITION_TABLE",
	[403] = "SMEM_POWER_ON_STATUS_INFO",
	[404] = "SMEM_DAL_AREA",
	[405] = "SMEM_SMEM_LOG_POWER_IDX",
	[406] = "SMEM_SMEM_LOG_POWER_WRAP",
	[407] = "SMEM_SMEM_LOG_POWER_EVENTS",
	[408] = "SMEM_ERR_CRASH_LOG",
	[409] = "SMEM_ERR_F3_TRACE_LOG",
	[410] = "SMEM_SMD_BRIDGE_ALLOC_TABLE",
	[411] = "SMEM_SMDLITE_TABLE",
	[412] = "SMEM_SD_IMG_UPGRADE_STATUS",
	[413] = "SMEM_SEFS_INFO",
	[414] = "SMEM_RESET_LOG",
	[415] = "SMEM_RESET_LOG_SYMBOLS",
	[416] = "SMEM_MODEM_SW_BUILD_ID",
	[417] = "SMEM_SMEM_LOG_MPROC_WRAP",
	[418] = "SMEM_BOOT_INFO_FOR_APPS",
	[419] = "SMEM_SMSM_SIZE_INFO",
	[420] = "SMEM_SMD_LOOPBACK_REGISTER",
	[421] = "SMEM_SSR_REASON_MSS0",
	[422] = "SMEM_SSR_REASON_WCNSS0",
	[423] = "SMEM_SSR_REASON_LPASS0",
	[424] = "SMEM_SSR_REASON_DSPS0",
	[425] = "SMEM_SSR_REASON_VCODEC0",
	/* Later firmware (AMSS smem_type.h, §2). */
	[108] = "SMEM_VERSION_SMD_BRIDGE",
	[109] = "SMEM_VERSION_SMSM",
	[110] = "SMEM_VERSION_SMD_NWAY_LOOP",
	[426] = "SMEM_VOICE",
	[467] = "SMEM_FLASH_DEVICE_INFO",
	[477] = "SMEM_COEX_MDM_WCN",
};

/* Ranges: one name plus an index. */
static const struct {
	uint32_t first, last;
	const char *base;
} ranges[] = {
	{ 14, 77, "SMEM_SMD_BASE_ID" },
	{ 107, 131, "SMEM_VERSION_FIRST" },
	{ 138, 201, "SMEM_SMD_BLOCK_PORT_BASE_ID" },
	{ 202, 265, "SMEM_SMD_BLOCK_PORT_PROC0_HEAP" },
	{ 266, 329, "SMEM_SMD_BLOCK_PORT_PROC1_HEAP" },
	{ 338, 401, "SMEM_SMD_FIFO_BASE_ID" },
	{ 427, 434, "SMEM_ID_SMP2P_BASE_APPS" },
	{ 435, 442, "SMEM_ID_SMP2P_BASE_MODEM" },
	{ 443, 450, "SMEM_ID_SMP2P_BASE_ADSP" },
	{ 451, 458, "SMEM_ID_SMP2P_BASE_WCN" },
	{ 459, 466, "SMEM_ID_SMP2P_BASE_RPM" },
};

static char range_names[SMEM_ITEM_COUNT][40];
static pthread_once_t range_once = PTHREAD_ONCE_INIT;

static void build_range_names(void)
{
	size_t r;
	uint32_t id;

	for (r = 0; r < MW_ARRAY_SIZE(ranges); r++)
		for (id = ranges[r].first; id <= ranges[r].last; id++) {
			if (fixed_names[id])
				continue;
			if (id == ranges[r].first)
				snprintf(range_names[id], sizeof(range_names[id]),
					 "%s", ranges[r].base);
			else
				snprintf(range_names[id], sizeof(range_names[id]),
					 "%s+%u", ranges[r].base,
					 id - ranges[r].first);
		}
}

const char *smem_item_name(uint32_t id)
{
	if (id >= SMEM_ITEM_COUNT)
		return NULL;
	if (fixed_names[id])
		return fixed_names[id];
	pthread_once(&range_once, build_range_names);
	return range_names[id][0] ? range_names[id] : NULL;
}

/* ------------------------------------------------------------- socinfo */

/* QCOM_ID_* (Linux include/dt-bindings/arm/qcom,ids.h), the 8960 family. */
static const struct {
	uint32_t id;
	const char *name;
} chips[] = {
	{ 70, "MSM8260" },  { 71, "MSM8660" },  { 86, "APQ8060" },
	{ 87, "MSM8960" },  { 109, "APQ8064" }, { 116, "MSM8930" },
	{ 117, "MSM8630" }, { 118, "MSM8230" }, { 119, "APQ8030" },
	{ 120, "MSM8627" }, { 121, "MSM8227" }, { 122, "MSM8660A" },
	{ 123, "MSM8260A" }, { 124, "APQ8060A" }, { 126, "MSM8974" },
	{ 130, "MPQ8064" },
};

int smem_socinfo_read(const struct smem *sm, struct smem_socinfo *out)
{
	struct smem_socinfo_layout s;
	uint32_t size, format_v;
	void *p;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = smem_get_addr(sm, SMEM_HW_SW_BUILD_ID, &p, &size);
	if (ret)
		return ret;
	if (size < offsetof(struct smem_socinfo_layout, raw_id))
		return mw_err(-EBADMSG,
			      "item 137 (socinfo) has %u bytes, format 1 "
			      "needs %zu",
			      size, offsetof(struct smem_socinfo_layout, raw_id));
	memset(&s, 0, sizeof(s));
	memcpy(&s, p, size < sizeof(s) ? size : sizeof(s));
	out->format = s.format;
	out->id = s.id;
	out->version = s.version;
	memcpy(out->build_id, s.build_id, sizeof(s.build_id));
	out->build_id[32] = '\0';
	for (i = 0; out->build_id[i]; i++)
		if (out->build_id[i] < 0x20 || out->build_id[i] > 0x7e)
			out->build_id[i] = '?';
	for (i = 0; i < MW_ARRAY_SIZE(chips); i++)
		if (chips[i].id == s.id)
			out->id_name = chips[i].name;
	/* Newer firmware puts major<<16|minor in `format`: the major counts. */
	format_v = s.format >> 16 ? s.format >> 16 : s.format;
	/* Fields after build_id by format: 2 -> 2, 3 -> 3, ... 7 -> 8. */
	static const unsigned fields_by_format[] = { 0, 0, 2, 3, 4, 5, 6, 8 };
	out->fields = format_v >= 7 ? 8 : fields_by_format[format_v];
	/* Never more than the item holds. */
	if (out->fields > (size - offsetof(struct smem_socinfo_layout, raw_id)) / 4)
		out->fields = (size - offsetof(struct smem_socinfo_layout,
					       raw_id)) / 4;
	out->raw_id = out->fields > 0 ? s.raw_id : 0;
	out->raw_version = out->fields > 1 ? s.raw_version : 0;
	out->hw_platform = out->fields > 2 ? s.hw_platform : 0;
	out->platform_version = out->fields > 3 ? s.platform_version : 0;
	out->accessory_chip = out->fields > 4 ? s.accessory_chip : 0;
	out->hw_platform_subtype = out->fields > 5 ? s.hw_platform_subtype : 0;
	out->pmic_model = out->fields > 6 ? s.pmic_model : 0;
	out->pmic_die_revision = out->fields > 7 ? s.pmic_die_revision : 0;
	return 0;
}

/* ---------------------------------------------------------------- SMSM */

static const char *const smsm_entries[] = {
	"APPS_STATE", "MODEM_STATE", "Q6_STATE",    "APPS_DEM",
	"MODEM_DEM",  "Q6_DEM",      "POWER_MASTER_DEM", "TIME_MASTER_DEM",
};

const char *smem_smsm_entry_name(unsigned entry)
{
	return entry < MW_ARRAY_SIZE(smsm_entries) ? smsm_entries[entry] : NULL;
}

/* §6.11 state bits, bit 0 first. */
static const char *const smsm_bits[32] = {
	"INIT",           "OSENTERED",       "SMDWAIT",
	"SMDINIT",        "RPCWAIT",         "RPCINIT",
	"RESET",          "RSA",             "RUN",
	"PWRC",           "TIMEWAIT",        "TIMEINIT",
	"PWRC_EARLY_EXIT", "WFPI",           "SLEEP",
	"SLEEPEXIT",      "OEMSBL_RELEASE",  "APPS_REBOOT",
	"SYSTEM_POWER_DOWN", "SYSTEM_REBOOT", "SYSTEM_DOWNLOAD",
	"PWRC_SUSPEND",   "APPS_SHUTDOWN",   "SMD_LOOPBACK",
	"RUN_QUIET",      "MODEM_WAIT",      "MODEM_BREAK",
	"MODEM_CONTINUE", NULL,              "SYSTEM_REBOOT_USR",
	"SYSTEM_PWRDWN_USR", "UNKNOWN",
};

const char *smem_smsm_bit_name(uint32_t bit)
{
	unsigned i;

	if (!bit || (bit & (bit - 1)))
		return NULL;
	for (i = 0; !(bit & 1u); i++)
		bit >>= 1;
	return smsm_bits[i];
}

int smem_smsm_read(const struct smem *sm, struct smem_smsm *out)
{
	struct smem_smsm_size_info si;
	uint32_t size;
	void *p;
	unsigned e, h;
	int ret;

	memset(out, 0, sizeof(*out));
	out->num_hosts = 3; /* defaults when item 419 is missing (§6.11) */
	out->num_entries = 8;
	ret = smem_get_addr(sm, SMEM_SMSM_SIZE_INFO, &p, &size);
	if (ret == 0) {
		if (size < sizeof(si))
			return mw_err(-EBADMSG,
				      "item 419 (SMSM size info) has %u bytes, "
				      "expected 16",
				      size);
		memcpy(&si, p, sizeof(si));
		if (si.num_entries == 0 ||
		    si.num_entries > SMEM_SMSM_MAX_ENTRIES)
			return mw_err(-EBADMSG,
				      "item 419 num_entries = %u, expected "
				      "1..%u",
				      si.num_entries, SMEM_SMSM_MAX_ENTRIES);
		if (si.num_hosts == 0 || si.num_hosts > SMEM_SMSM_MAX_HOSTS)
			return mw_err(-EBADMSG,
				      "item 419 num_hosts = %u, expected 1..%u",
				      si.num_hosts, SMEM_SMSM_MAX_HOSTS);
		out->have_size_info = true;
		out->num_hosts = si.num_hosts;
		out->num_entries = si.num_entries;
	} else if (ret != -ENOENT) {
		return ret;
	}
	ret = smem_get_addr(sm, SMEM_SMSM_SHARED_STATE, &p, &size);
	if (ret)
		return ret;
	if (size < out->num_entries * 4)
		return mw_err(-EBADMSG,
			      "item 85 (SMSM state) has %u bytes, %u entries "
			      "need %u",
			      size, out->num_entries, out->num_entries * 4);
	for (e = 0; e < out->num_entries; e++)
		out->state[e] = MW_READ_ONCE(((uint32_t *)p)[e]);
	ret = smem_get_addr(sm, SMEM_SMSM_CPU_INTR_MASK, &p, &size);
	if (ret == 0 && size >= out->num_entries * out->num_hosts * 4) {
		out->have_mask = true;
		for (e = 0; e < out->num_entries; e++)
			for (h = 0; h < out->num_hosts; h++)
				out->mask[e][h] = MW_READ_ONCE(
					((uint32_t *)p)[e * out->num_hosts + h]);
	}
	mw_clear_error();
	return 0;
}

/* ----------------------------------------------------------- SMD table */

static const char *const edges[] = {
	"APPS_MODEM",  "APPS_QDSP",   "MODEM_QDSP",  "APPS_DSPS",
	"MODEM_DSPS",  "QDSP_DSPS",   "APPS_WCNSS",  "MODEM_WCNSS",
	"QDSP_WCNSS",  "DSPS_WCNSS",  "APPS_Q6FW",   "MODEM_Q6FW",
	"QDSP_Q6FW",   "DSPS_Q6FW",   "WCNSS_Q6FW",  "APPS_RPM",
	"MODEM_RPM",   "QDSP_RPM",    "WCNSS_RPM",
};

const char *smem_smd_edge_name(uint32_t edge)
{
	return edge < MW_ARRAY_SIZE(edges) ? edges[edge] : NULL;
}

int smem_smd_table_read(const struct smem *sm,
			struct smem_smd_channel out[SMEM_SMD_CHANNELS])
{
	struct smem_smd_alloc_elm tbl[SMEM_SMD_CHANNELS];
	uint32_t size;
	void *p;
	unsigned i, j, n = 0;
	int ret;

	ret = smem_get_addr(sm, SMEM_CHANNEL_ALLOC_TBL, &p, &size);
	if (ret)
		return ret;
	if (size < sizeof(tbl))
		return mw_err(-EBADMSG,
			      "item 13 (SMD channel table) has %u bytes, "
			      "expected %zu",
			      size, sizeof(tbl));
	memcpy(tbl, p, sizeof(tbl)); /* one copy, then only the copy */
	for (i = 0; i < SMEM_SMD_CHANNELS; i++) {
		struct smem_smd_channel *c = &out[n];

		if (!tbl[i].ref_count || !tbl[i].name[0])
			continue;
		memset(c, 0, sizeof(*c));
		for (j = 0; j < sizeof(tbl[i].name) && tbl[i].name[j]; j++) {
			unsigned char ch = (unsigned char)tbl[i].name[j];

			if (ch < 0x20 || ch > 0x7e)
				return mw_err(-EBADMSG,
					      "SMD table slot %u: name byte %u "
					      "= 0x%02x is not printable",
					      i, j, ch);
			c->name[j] = (char)ch;
		}
		c->cid = tbl[i].cid;
		c->type = tbl[i].type;
		c->edge = tbl[i].type & 0xFF;
		c->xfer = (tbl[i].type >> 8) & 0xF;
		c->ref_count = tbl[i].ref_count;
		c->slot = i;
		n++;
	}
	return (int)n;
}
