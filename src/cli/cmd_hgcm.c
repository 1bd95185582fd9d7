/* SPDX-License-Identifier: MIT */
/*
 * cmd_hgcm.c - `memwire hgcm ...`
 */
#include "cli/cli.h"

int do_hgcm(int argc, char **argv)
{
	return usage_error("'hgcm' is not built yet in memwire %s (tracked as "
			   "issue 6)", mw_version());
}
