/* SPDX-License-Identifier: MIT */
/*
 * main.c - `memwire [-j] [-p] [-v] [-V] FAMILY VERB [ARGS]`
 *
 * getopt_long parses the global flags only; everything after the family is
 * dispatched through tables (cmd_select), one per family, with prefix
 * matching and `help` at every level.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int do_version(int argc, char **argv)
{
	print_str("version", "memwire %s\n", mw_version());
	return EXIT_OK;
}

static const struct cmd families[] = {
	{ "smem", do_smem,
	  "{init | show | alloc | get | version | lock | log | translate | validate}",
	  "Qualcomm shared-memory heap: items, versions, locks, log" },
	{ "smd", do_smd, "{ls | peer | cat | watch | mount}",
	  "Qualcomm SMD channels: list, run a remote processor, netcat" },
	{ "hgcm", do_hgcm, "{host | call | decode}", "VirtualBox HGCM: host, calls, request decoder" },
	{ "shfl", do_shfl, "{serve | mount | ls | cat | put | stat}", "VirtualBox shared folders: host service and guest mount" },
	{ "hda", do_hda, "{capture | qemu | decode | diff | replay | import}", "HD Audio verbs: capture from QEMU, decode, diff, replay" },
	{ "demo", do_demo, "[--rounds N]", "run the end-to-end demo" },
	{ "platform", do_platform, "{list | show [NAME]}",
	  "platforms: resources, processors, interrupt lines" },
	{ "region", do_region, "{create | info | lock | release | reap | ring | wait}",
	  "shared regions and their emulated hardware" },
	{ "version", do_version, "", "print the version" },
	{ NULL, NULL, NULL, NULL },
};

static void log_to_stderr(enum mw_log_level level, const char *msg, void *arg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	fprintf(stderr, "%s: %s: %s\n", progname, names[level], msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, pretty = false, version = false, help = false;
	int c, rc;

	opterr = 0;
	/* '+': stop at the family; its options belong to its verbs. */
	while ((c = getopt_long(argc, argv, "+jpvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			help = true;
			break;
		default:
			out_init(json, pretty);
			return out_end(usage_error(
				"unknown option '%s' (global flags: -j -p -v -V)",
				argv[optind - 1]));
		}
	}
	out_init(json, pretty);
	if (verbose)
		mw_set_log(log_to_stderr, NULL,
			   verbose > 1 ? MW_LOG_DEBUG : MW_LOG_INFO);
	else
		mw_set_log(log_to_stderr, NULL, MW_LOG_WARN);
	if (version)
		return out_end(do_version(0, NULL));
	if (help)
		return out_end(print_help(families, NULL));
	if (optind >= argc) {
		/* No family: the help goes to stderr, and it is a usage error. */
		if (!json_output) {
			fprintf(stderr, "usage: %s [-j] [-p] [-v] [-V] FAMILY "
					"VERB [ARGS]  (try '%s help')\n",
				progname, progname);
			return EXIT_USAGE;
		}
		return out_end(usage_error("expected a FAMILY (try 'help')"));
	}
	rc = cmd_select(families, NULL, argc - optind, argv + optind);
	return out_end(rc);
}
