/* SPDX-License-Identifier: MIT */
/*
 * cmd_shfl.c - `memwire shfl ...`
 */
#include "cli/cli.h"

int do_shfl(int argc, char **argv)
{
	return usage_error("'shfl' is not built yet in memwire %s (tracked as "
			   "issue 7)", mw_version());
}
