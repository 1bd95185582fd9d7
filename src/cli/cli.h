/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the memwire command line: dispatch, output, errors.
 *
 * Handlers are `int do_<verb>(int argc, char **argv)`; argv[0] is the verb.
 * They return EXIT_OK, EXIT_FAIL (operational failure) or EXIT_USAGE.
 * All output goes through the print_* functions so that text and JSON come
 * from the same call (iproute2 style); with -j the JSON document is built in
 * memory and printed only when the command succeeds, otherwise
 * {"error": "..."} is printed instead, so stdout is always valid JSON.
 */
#ifndef MEMWIRE_CLI_H
#define MEMWIRE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memwire/core.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* one line: arguments after the verb */
	const char *what;  /* one line: what it does */
};

extern bool json_output;
extern int verbose;
extern const char *progname;

/*
 * cmd_select() - run the command of @cmds that @argv[0] names
 * @family: name shown in messages ("region"), NULL at the top level
 *
 * Matches unambiguous prefixes; "help" (or no word) prints the level's help.
 */
int cmd_select(const struct cmd *cmds, const char *family, int argc,
	       char **argv);

/* Help of one level, built from the table; used by cmd_select(). */
int print_help(const struct cmd *cmds, const char *family);

/* Report a usage error (one line) and return EXIT_USAGE. */
int usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Report an operational failure (one line) and return EXIT_FAIL. */
int fail(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Report a failure inside the document: with -j the document is still
 * printed, with an "error" member; returns EXIT_FAIL. */
int fail_keep(const char *fmt, ...) CLI_PRINTF(1, 2);
/* fail() with mw_last_error() for a library call that returned @err < 0. */
int fail_lib(int err);
/* Progress or diagnostic line on stderr, only with -v. */
void info(const char *fmt, ...) CLI_PRINTF(1, 2);

/* ------------------------------------------------------------- output */

void out_init(bool json, bool pretty);
/* Finish the document: print it if @rc == EXIT_OK. Returns @rc. */
int out_end(int rc);

/* Text-only output (headers, separators); ignored with -j. */
void print_text(const char *fmt, ...) CLI_PRINTF(1, 2);
/* @key: JSON name (NULL inside arrays); @fmt: text format, NULL = none. */
void print_str(const char *key, const char *fmt, const char *v);
void print_u64(const char *key, const char *fmt, uint64_t v);
void print_i64(const char *key, const char *fmt, int64_t v);
void print_float(const char *key, const char *fmt, double v);
void print_bool(const char *key, const char *fmt, bool v);
/* JSON null, text @fmt with @text */
void print_null(const char *key, const char *fmt, const char *text);
void open_object(const char *key);
void close_object(void);
void open_array(const char *key);
void close_array(void);

/* ------------------------------------------------------------ helpers */

/* Parse an unsigned number (decimal, 0x hex, K/M/G suffix when @sizes). */
int parse_u64(const char *s, const char *what, bool sizes, uint64_t *out);
/* Parse a timeout in milliseconds; "-1" or "inf" means forever. */
int parse_ms(const char *s, const char *what, int *out);

/*
 * Region selection, shared by every family that works on a region:
 *   --file PATH                  region file (default: the run directory)
 *   --dump FILE --phys ADDR      raw dump, read-only
 *   --devmem --phys ADDR --size N [--write]
 */
struct region_opts {
	const char *file;
	const char *dump;
	bool devmem;
	const char *devmem_path; /* --devmem=PATH: a file standing in for /dev/mem */
	bool write;
	bool rdonly;
	bool have_phys, have_size;
	uint64_t phys, size;
};

#define REGION_OPTS_USAGE                                                      \
	"[--file PATH | --dump FILE --phys ADDR | --devmem[=PATH] --phys ADDR " \
	"[--size N] [--write]]"

/* getopt_long codes 0x100.. are region options; see region_opt(). */
#define REGION_LONGOPTS                                                        \
	{ "file", required_argument, NULL, 0x100 },                            \
	{ "dump", required_argument, NULL, 0x101 },                            \
	{ "devmem", optional_argument, NULL, 0x102 },                                \
	{ "phys", required_argument, NULL, 0x103 },                            \
	{ "size", required_argument, NULL, 0x104 },                            \
	{ "write", no_argument, NULL, 0x105 }

/* Handle one region option; returns 1 if @c was one, 0 if not, -2 usage. */
int region_opt(struct region_opts *o, int c, const char *arg);
/* Open what the options name; prints the error itself. */
int region_open(const struct region_opts *o, struct mw_region **out);
/*
 * Parse a verb's options: the region options plus @extra (a getopt_long
 * table ending with a zero entry) handled by @cb.  Options may follow the
 * operands.  Returns optind, or minus the exit code after a usage error.
 */
struct option;
typedef int (*opt_cb)(int c, const char *arg, void *ctx);
int parse_opts(const char *family, int argc, char **argv,
	       const struct option *extra, opt_cb cb, void *ctx,
	       struct region_opts *ro);

/* The default region file for the default platform. */
int default_region_file(char *buf, size_t len);

/* ---------------------------------------------------------- families */

int do_platform(int argc, char **argv);
int do_region(int argc, char **argv);
int do_demo(int argc, char **argv);
int do_smem(int argc, char **argv);
int do_smd(int argc, char **argv);
int do_hgcm(int argc, char **argv);
/*
 * The options every HGCM host command takes (hgcm host, shfl serve):
 * --socket, --allow-uid (up to 16), --workers, --ram-max.  Put
 * HGCM_HOST_LONGOPTS in the getopt table; hand each option to
 * hgcm_host_opt() (1: taken, 0: not one of them, EXIT_USAGE: bad value);
 * hgcm_default_socket() gives the default socket path: NAME in the run
 * directory of regions ($XDG_RUNTIME_DIR/memwire, else
 * /dev/shm/memwire-UID; see mw_default_region_path()).
 */
#define HGCM_HOST_LONGOPTS                                                     \
	{ "socket", required_argument, NULL, 0x180 },                          \
	{ "allow-uid", required_argument, NULL, 0x181 },                       \
	{ "workers", required_argument, NULL, 0x182 },                         \
	{ "ram-max", required_argument, NULL, 0x183 }
#define HGCM_HOST_OPTS_USAGE                                                   \
	"[--socket PATH] [--allow-uid UID]... [--workers N] [--ram-max SIZE]"

struct hgcm_host_cli {
	const char *socket;
	unsigned long uids[16];
	unsigned n_uids, workers;
	uint64_t ram_max;
	char path[600];
};
int hgcm_host_opt(struct hgcm_host_cli *h, int c, const char *arg);
/* The default socket path for @name ("hgcm.sock"); 0 or EXIT_FAIL. */
int hgcm_default_socket(char *buf, size_t len, const char *name);

int do_shfl(int argc, char **argv);
int do_hda(int argc, char **argv);
/* cmd_hda_capture.c: `hda capture`, `hda qemu` */
int hda_cmd_capture(int argc, char **argv);
int hda_cmd_qemu(int argc, char **argv);
int do_smd_mount(int argc, char **argv, struct region_opts *ro,
		 const char *proc, int timeout_ms);

/* Shared with the demo: `smem show` and `smem log` bodies. */
struct smem;
int print_smem_heap(const struct smem *sm, const char *source);
int print_smem_log(struct smem *sm, int log, unsigned flags, unsigned max);
/* A text hexdump, 16 bytes a row (nothing with -j). */
void print_hexdump(const uint8_t *p, uint32_t len);
/* Shared with the demo: the `smd ls` table. */
struct smd;
int print_smd_list(struct smd *d);

#endif /* MEMWIRE_CLI_H */
