/* SPDX-License-Identifier: MIT */
/*
 * shfl_cli.h - the `memwire shfl` verbs, shared between cmd_shfl.c (the
 * dispatch table) and the files that implement them.  Private to the CLI.
 */
#ifndef MEMWIRE_SHFL_CLI_H
#define MEMWIRE_SHFL_CLI_H

/* cmd_shfl_serve.c (host side) */
int shfl_cmd_serve(int argc, char **argv);

/* cmd_shfl_mount.c */
int shfl_cmd_mount(int argc, char **argv);

/* cmd_shfl_client.c */
int shfl_cmd_ls(int argc, char **argv);
int shfl_cmd_cat(int argc, char **argv);
int shfl_cmd_put(int argc, char **argv);
int shfl_cmd_stat(int argc, char **argv);

/* demo_shfl.c: one step of `memwire demo` (EXIT_OK / EXIT_FAIL). */
int demo_shfl(void);

#endif /* MEMWIRE_SHFL_CLI_H */
