/* SPDX-License-Identifier: MIT */
/*
 * cmd_shfl.c - `memwire shfl ...`: VirtualBox shared folders over memwire's
 * HGCM.
 *
 *   serve   the host: VBoxSharedFolders on host directories (cmd_shfl_serve.c)
 *   mount   the guest: a share as a FUSE file system (cmd_shfl_mount.c)
 *   ls, cat, put, stat
 *           the guest without FUSE, for scripts and debugging
 *           (cmd_shfl_client.c)
 */
#include "cli/cli.h"
#include "cli/shfl_cli.h"

static const struct cmd cmds[] = {
	{ "serve", shfl_cmd_serve,
	  "--share NAME=PATH[:ro][:symlinks=none|subtree|any] ... "
	  HGCM_HOST_OPTS_USAGE,
	  "serve host directories as the VBoxSharedFolders service" },
	{ "mount", shfl_cmd_mount,
	  "--socket PATH SHARE MOUNTPOINT [-o ro,uid=N,gid=N,ttl=MS]",
	  "mount a share through FUSE (unmount: fusermount3 -u, SIGTERM)" },
	{ "ls", shfl_cmd_ls, "--socket PATH SHARE [PATH...]",
	  "list directories of a share (no FUSE)" },
	{ "cat", shfl_cmd_cat, "--socket PATH SHARE PATH...",
	  "files of a share to stdout" },
	{ "put", shfl_cmd_put, "--socket PATH SHARE PATH [< DATA]",
	  "stdin to a file of a share (created or replaced)" },
	{ "stat", shfl_cmd_stat, "--socket PATH SHARE PATH...",
	  "object information: type, mode, size, times, inode" },
	{ NULL, NULL, NULL, NULL },
};

int do_shfl(int argc, char **argv)
{
	return cmd_select(cmds, "shfl", argc - 1, argv + 1);
}
