/* SPDX-License-Identifier: MIT */
/*
 * cmd_platform.c - `memwire platform list | show [NAME]`
 */
#include <stdio.h>

#include "cli/cli.h"

static int do_list(int argc, char **argv)
{
	const struct mw_platform *p;
	unsigned i;

	if (argc > 1)
		return usage_error("platform list takes no arguments");
	print_text("%-10s %-9s %-5s %-5s %s\n", "NAME", "RESOURCES", "PROCS",
		   "LINES", "DESCRIPTION");
	open_array("platforms");
	for (i = 0; (p = mw_platform_at(i)); i++) {
		open_object(NULL);
		print_str("name", "%-10s ", p->name);
		print_u64("resources", "%-9llu ", p->nres);
		print_u64("processors", "%-5llu ", p->nprocs);
		print_u64("lines", "%-5llu ", p->nlines);
		print_str("description", "%s\n", p->what);
		close_object();
	}
	close_array();
	return EXIT_OK;
}

static void show_resources(const struct mw_platform *p)
{
	unsigned i;

	print_text("%-14s %-9s %-10s %-10s %-15s %s\n", "RESOURCE", "KIND",
		   "PHYS", "SIZE", "ATTR", "DESCRIPTION");
	open_array("resources");
	for (i = 0; i < p->nres; i++) {
		const struct mw_resource *r = &p->res[i];

		open_object(NULL);
		print_str("name", "%-14s ", r->name);
		print_str("kind", "%-9s ", mw_res_kind_name(r->kind));
		print_u64("phys", "0x%08llx ", r->phys);
		print_u64("size", "0x%-8llx ", r->size);
		print_str("attr", "%-15s ", r->attr);
		print_str("description", "%s\n", r->what);
		close_object();
	}
	close_array();
}

static void show_procs(const struct mw_platform *p)
{
	unsigned i;

	print_text("\n%-10s %-7s %-10s %s\n", "PROCESSOR", "SMD-PID",
		   "HWMUTEX-ID", "DESCRIPTION");
	open_array("processors");
	for (i = 0; i < p->nprocs; i++) {
		const struct mw_proc *c = &p->procs[i];

		open_object(NULL);
		print_str("name", "%-10s ", c->name);
		print_u64("smd_pid", "%-7llu ", c->smd_pid);
		print_u64("hwmutex_id", "%-10llu ", c->hwmutex_id);
		print_str("description", "%s\n", c->what);
		close_object();
	}
	close_array();
}

static void show_lines(const struct mw_platform *p)
{
	unsigned i;

	print_text("\n%-16s %-6s %-6s %-5s %-10s %-10s %s\n", "LINE", "TARGET",
		   "SOURCE", "KIND", "REGISTER", "MASK", "SPI");
	open_array("lines");
	for (i = 0; i < p->nlines; i++) {
		const struct mw_line *l = &p->lines[i];

		open_object(NULL);
		print_str("name", "%-16s ", l->name);
		print_str("target", "%-6s ", p->procs[l->target].name);
		print_str("source", "%-6s ", p->procs[l->source].name);
		print_str("kind", "%-5s ", mw_line_kind_name(l->kind));
		if (l->reg) {
			print_u64("register", "0x%08llx ", l->reg);
			print_u64("mask", "0x%08llx ", l->mask);
		} else {
			print_null("register", "%-10s ", "-");
			print_null("mask", "%-10s ", "-");
		}
		if (l->spi >= 0)
			print_i64("spi", "%lld\n", l->spi);
		else
			print_null("spi", "%s\n", "-");
		close_object();
	}
	close_array();
}

static int do_show(int argc, char **argv)
{
	const struct mw_platform *p;
	int ret;

	if (argc > 2)
		return usage_error("platform show takes at most one NAME");
	ret = mw_platform_get(argc > 1 ? argv[1] : NULL, &p);
	if (ret) /* a NAME that names nothing: bad usage, as for create */
		return usage_error("%s", mw_last_error());
	print_str("name", "platform %s: ", p->name);
	print_str("description", "%s\n\n", p->what);
	show_resources(p);
	show_procs(p);
	show_lines(p);
	return EXIT_OK;
}

static const struct cmd cmds[] = {
	{ "list", do_list, "", "list the known platforms" },
	{ "show", do_show, "[NAME]",
	  "resources, processors and interrupt lines of a platform" },
	{ NULL, NULL, NULL, NULL },
};

int do_platform(int argc, char **argv)
{
	return cmd_select(cmds, "platform", argc - 1, argv + 1);
}
