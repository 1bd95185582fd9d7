/* SPDX-License-Identifier: MIT */
/*
 * cmd_hda.c - `memwire hda ...`
 */
#include "cli/cli.h"

int do_hda(int argc, char **argv)
{
	return usage_error("'hda' is not built yet in memwire %s (tracked as "
			   "issue 5)", mw_version());
}
