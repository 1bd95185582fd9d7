/* SPDX-License-Identifier: MIT */
/*
 * platform.c - named physical resources, processors and interrupt lines.
 *
 * msm8930 is the resource set the Windows Phone driver Qcsmem8930.sys maps
 * (reference smem_smd.md §1.1, §4.1, §7): the SMEM heap, the SFPB mutex
 * array, and three doorbell registers.  Doorbell bits come from the msm-3.4
 * platform data (devices-8960.c smd_config_list), the GIC SPIs of the lines
 * into apps from irqs-8960.h (GIC_SPI_START 32).
 *
 * Hardware-mutex ids: apps = 1 is sourced (SMEM_SPINLOCK_PID_APPS,
 * QCOM_MUTEX_APPS_PROC_ID).  The remotes' ids are not published; memwire
 * gives each processor its SMD processor id + 1 (docs/core.md).
 */
#include <errno.h>
#include <string.h>

#include "core/core_i.h"

#define MSM_APCS_IPC 0x02011008u  /* APCS GCC + 0x8 ("l2cc" IPC register) */
#define MSM_DSPS_SMD 0x12104080u  /* SIC_NON_SECURE + 0x4080 */
#define MSM_DSPS_SMSM 0x12104094u /* SIC_NON_SECURE + 0x4094 */

static const struct mw_resource msm8930_res[] = {
	{ "smem", 0x80000000u, 0x200000u, MW_RES_MEMORY, "write-combined",
	  "SMEM heap (MSM_SHARED_RAM_PHYS)" },
	{ "sfpb-mutex", 0x01200604u, 0x80u, MW_RES_HWMUTEX, "device",
	  "SFPB hardware mutexes 0..31, lock n at +4n" },
	{ "apcs-ipc", MSM_APCS_IPC, 4, MW_RES_DOORBELL, "device",
	  "IPC doorbells to modem, q6, wcnss, rpm" },
	{ "dsps-smd-ipc", MSM_DSPS_SMD, 4, MW_RES_DOORBELL, "device",
	  "SMD doorbell to dsps" },
	{ "dsps-smsm-ipc", MSM_DSPS_SMSM, 4, MW_RES_DOORBELL, "device",
	  "SMSM doorbell to dsps" },
};

/* Processor order is the SMD processor id order (msm_smd.h), minus Q6 FW. */
enum { APPS, MODEM, Q6, WCNSS, DSPS, RPM };

static const struct mw_proc msm8930_procs[] = {
	[APPS] = { "apps", 0, 1, "applications processor (Krait)" },
	[MODEM] = { "modem", 1, 2, "modem subsystem" },
	[Q6] = { "q6", 2, 3, "LPASS Hexagon DSP" },
	[WCNSS] = { "wcnss", 3, 4, "Riva WLAN/BT/FM" },
	[DSPS] = { "dsps", 4, 5, "sensors DSP" },
	[RPM] = { "rpm", 6, 7, "resource power manager" },
};

#define OUT(t, k, name, reg, bit)                                              \
	{ name, t, APPS, k, reg, bit, -1 }
#define IN(s, k, name, spi)                                                    \
	{ name, APPS, s, k, 0, 0, spi }

static const struct mw_line msm8930_lines[] = {
	OUT(MODEM, MW_LINE_SMD, "modem.smd.apps", MSM_APCS_IPC, 1u << 3),
	OUT(MODEM, MW_LINE_SMSM, "modem.smsm.apps", MSM_APCS_IPC, 1u << 4),
	OUT(Q6, MW_LINE_SMD, "q6.smd.apps", MSM_APCS_IPC, 1u << 15),
	OUT(Q6, MW_LINE_SMSM, "q6.smsm.apps", MSM_APCS_IPC, 1u << 14),
	OUT(WCNSS, MW_LINE_SMD, "wcnss.smd.apps", MSM_APCS_IPC, 1u << 25),
	OUT(WCNSS, MW_LINE_SMSM, "wcnss.smsm.apps", MSM_APCS_IPC, 1u << 23),
	OUT(RPM, MW_LINE_RPM, "rpm.rpm.apps", MSM_APCS_IPC, 1u << 2),
	OUT(RPM, MW_LINE_MPM, "rpm.mpm.apps", MSM_APCS_IPC, 1u << 1),
	OUT(DSPS, MW_LINE_SMD, "dsps.smd.apps", MSM_DSPS_SMD, 1u),
	OUT(DSPS, MW_LINE_SMSM, "dsps.smsm.apps", MSM_DSPS_SMSM, 1u),
	IN(MODEM, MW_LINE_SMD, "apps.smd.modem", 37),
	IN(MODEM, MW_LINE_SMSM, "apps.smsm.modem", 38),
	IN(Q6, MW_LINE_SMD, "apps.smd.q6", 90),
	IN(Q6, MW_LINE_SMSM, "apps.smsm.q6", 89),
	IN(WCNSS, MW_LINE_SMD, "apps.smd.wcnss", 198),
	IN(WCNSS, MW_LINE_SMSM, "apps.smsm.wcnss", 204),
	IN(DSPS, MW_LINE_SMD, "apps.smd.dsps", 138),
	IN(DSPS, MW_LINE_SMSM, "apps.smsm.dsps", 137),
	IN(RPM, MW_LINE_RPM, "apps.rpm.rpm", 19),
};

static const struct mw_platform platforms[] = {
	{
		"msm8930",
		"Qualcomm MSM8930 (Qcsmem8930.sys resources)",
		msm8930_res,
		MW_ARRAY_SIZE(msm8930_res),
		msm8930_procs,
		MW_ARRAY_SIZE(msm8930_procs),
		msm8930_lines,
		MW_ARRAY_SIZE(msm8930_lines),
	},
};

_Static_assert(MW_ARRAY_SIZE(msm8930_procs) <= MW_MAX_PROCS, "procs");
_Static_assert(MW_ARRAY_SIZE(msm8930_lines) <= MW_MAX_LINES, "lines");
_Static_assert(MW_ARRAY_SIZE(msm8930_res) <= 16, "doorbell_last slots");

const struct mw_platform *mw_platform_at(unsigned i)
{
	return i < MW_ARRAY_SIZE(platforms) ? &platforms[i] : NULL;
}

int mw_platform_get(const char *name, const struct mw_platform **out)
{
	size_t i;

	if (!name) {
		*out = &platforms[0];
		return 0;
	}
	for (i = 0; i < MW_ARRAY_SIZE(platforms); i++) {
		if (!strcmp(platforms[i].name, name)) {
			*out = &platforms[i];
			return 0;
		}
	}
	return mw_err(-ENOENT, "unknown platform '%.32s' (known: msm8930)",
		      name);
}

int mw_platform_resource(const struct mw_platform *p, uint64_t phys,
			 uint64_t len, const struct mw_resource **out)
{
	unsigned i;

	for (i = 0; i < p->nres; i++) {
		const struct mw_resource *res = &p->res[i];

		if (phys < res->phys || phys - res->phys >= res->size)
			continue;
		if (len > res->size - (phys - res->phys))
			return mw_err(-EFAULT,
				      "phys 0x%llx + 0x%llx crosses the end of "
				      "%s (0x%llx..0x%llx)",
				      (unsigned long long)phys,
				      (unsigned long long)len, res->name,
				      (unsigned long long)res->phys,
				      (unsigned long long)(res->phys +
							   res->size - 1));
		*out = res;
		return 0;
	}
	return mw_err(-EFAULT, "phys 0x%llx is outside every %s resource",
		      (unsigned long long)phys, p->name);
}

const struct mw_resource *mw_platform_memory(const struct mw_platform *p)
{
	unsigned i;

	for (i = 0; i < p->nres; i++)
		if (p->res[i].kind == MW_RES_MEMORY)
			return &p->res[i];
	return NULL;
}

int mw_platform_proc(const struct mw_platform *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->nprocs; i++)
		if (!strcmp(p->procs[i].name, name))
			return (int)i;
	return mw_err(-ENOENT,
		      "unknown processor '%.32s' (known: apps modem q6 wcnss "
		      "dsps rpm)",
		      name);
}

int mw_platform_line(const struct mw_platform *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->nlines; i++)
		if (!strcmp(p->lines[i].name, name))
			return (int)i;
	return mw_err(-ENOENT,
		      "unknown interrupt line '%.40s' (see `memwire platform "
		      "show %s`)",
		      name, p->name);
}

int mw_platform_line_between(const struct mw_platform *p, unsigned target,
			     unsigned source, enum mw_line_kind kind)
{
	unsigned i;

	for (i = 0; i < p->nlines; i++) {
		const struct mw_line *l = &p->lines[i];

		if (l->target == target && l->source == source &&
		    l->kind == kind)
			return (int)i;
	}
	return mw_err(-ENOENT, "no %s line from %s to %s on %s",
		      mw_line_kind_name(kind),
		      source < p->nprocs ? p->procs[source].name : "?",
		      target < p->nprocs ? p->procs[target].name : "?",
		      p->name);
}

const char *mw_res_kind_name(enum mw_res_kind kind)
{
	switch (kind) {
	case MW_RES_MEMORY:
		return "memory";
	case MW_RES_HWMUTEX:
		return "hwmutex";
	case MW_RES_DOORBELL:
		return "doorbell";
	}
	return "?";
}

const char *mw_line_kind_name(enum mw_line_kind kind)
{
	switch (kind) {
	case MW_LINE_SMD:
		return "smd";
	case MW_LINE_SMSM:
		return "smsm";
	case MW_LINE_RPM:
		return "rpm";
	case MW_LINE_MPM:
		return "mpm";
	}
	return "?";
}
