/* SPDX-License-Identifier: MIT */
/*
 * regionopt.c - the region options every family shares.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int default_region_file(char *buf, size_t len)
{
	int ret = mw_default_region_path("msm8930.smem", buf, len);

	return ret ? fail_lib(ret) : 0;
}

int region_opt(struct region_opts *o, int c, const char *arg)
{
	switch (c) {
	case 0x100:
		o->file = arg;
		return 1;
	case 0x101:
		o->dump = arg;
		return 1;
	case 0x102:
		o->devmem = true;
		return 1;
	case 0x103:
		o->have_phys = true;
		return parse_u64(arg, "--phys", false, &o->phys) ? -2 : 1;
	case 0x104:
		o->have_size = true;
		return parse_u64(arg, "--size", true, &o->size) ? -2 : 1;
	case 0x105:
		o->write = true;
		return 1;
	}
	return 0;
}

int region_open(const struct region_opts *o, struct mw_region **out)
{
	char path[4096];
	int ret;

	if ((o->file != NULL) + (o->dump != NULL) + o->devmem > 1)
		return usage_error("--file, --dump and --devmem exclude each other");
	if (o->dump) {
		if (!o->have_phys)
			return usage_error("--dump FILE needs --phys ADDR (the "
					   "dump's physical base)");
		ret = mw_region_open_dump(o->dump, o->phys, out);
		return ret ? fail_lib(ret) : 0;
	}
	if (o->devmem) {
		if (!o->have_phys || !o->have_size)
			return usage_error("--devmem needs --phys ADDR and --size N");
		ret = mw_region_open_devmem(NULL, o->phys, o->size,
					    o->write ? MW_REGION_WRITE : 0, out);
		return ret ? fail_lib(ret) : 0;
	}
	if (o->have_phys || o->have_size || o->write)
		return usage_error("--phys, --size and --write go with --dump or "
				   "--devmem");
	if (!o->file) {
		ret = default_region_file(path, sizeof(path));
		if (ret)
			return ret;
	}
	ret = mw_region_attach(o->file ? o->file : path,
			       o->rdonly ? MW_REGION_RDONLY : 0, out);
	if (ret == -ENOENT && !o->file)
		return fail("no region at %s (create one with `memwire region "
			    "create`, or pass --file)",
			    path);
	return ret ? fail_lib(ret) : 0;
}
