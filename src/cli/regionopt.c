/* SPDX-License-Identifier: MIT */
/*
 * regionopt.c - the region options every family shares.
 */
#include <errno.h>
#include <getopt.h>
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
		o->devmem_path = arg;
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
		uint64_t size = o->size;

		if (!o->have_phys)
			return usage_error("--devmem needs --phys ADDR");
		if (!o->have_size) {
			/* The platform memory resource it points into. */
			const struct mw_platform *p;
			const struct mw_resource *res;

			if (mw_platform_get(NULL, &p) ||
			    mw_platform_resource(p, o->phys, 1, &res) ||
			    res->kind != MW_RES_MEMORY)
				return usage_error("--devmem --phys 0x%llx: "
						   "not a known memory "
						   "resource, give --size N",
						   (unsigned long long)o->phys);
			size = res->size - (o->phys - res->phys);
		}
		ret = mw_region_open_devmem(o->devmem_path, o->phys, size,
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

int parse_opts(const char *family, int argc, char **argv,
	       const struct option *extra, opt_cb cb, void *ctx,
	       struct region_opts *ro)
{
	static const struct option region_longopts[] = { REGION_LONGOPTS };
	struct option all[40];
	size_t n = sizeof(region_longopts) / sizeof(region_longopts[0]), i;
	int c;

	memcpy(all, region_longopts, sizeof(region_longopts));
	for (i = 0; extra && extra[i].name && n < 39; i++)
		all[n++] = extra[i];
	memset(&all[n], 0, sizeof(all[n]));
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
	/* Permuting: options may follow the operands (`lock 3 --as modem`). */
	while ((c = getopt_long(argc, argv, "", all, NULL)) != -1) {
		int r;

		if (c == '?' || c == ':')
			return -usage_error("%s %s: unknown option or missing "
					    "value: '%s'",
					    family, argv[0], argv[optind - 1]);
		r = region_opt(ro, c, optarg);
		if (r == -2)
			return -EXIT_USAGE;
		if (r == 1)
			continue;
		r = cb ? cb(c, optarg, ctx)
		       : usage_error("%s %s: unexpected option", family,
				     argv[0]);
		if (r)
			return -r;
	}
	return optind;
}
