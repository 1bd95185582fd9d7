/* SPDX-License-Identifier: MIT */
/*
 * cmd_shfl_serve.c - `memwire shfl serve`: an HGCM host whose only
 * service is VBoxSharedFolders over the host directories given with
 * --share NAME=PATH[:ro][:symlinks=none|subtree|any].
 *
 * The host runs until SIGINT or SIGTERM; it prints where it listens on
 * stderr when it is ready, and its totals (text or -j) when it stops.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shfl_cli.h"
#include "memwire/hgcm.h"
#include "memwire/shfl.h"

enum {
	OPT_SHARE = 0x200,
};

static struct hgcm_host *serve_host;

static void on_stop(int sig)
{
	(void)sig;
	if (serve_host)
		hgcm_host_stop(serve_host);
}

static const char *policy_name(enum shfl_symlink_policy p)
{
	return p == SHFL_SYMLINKS_ANY ? "any" :
	       p == SHFL_SYMLINKS_SUBTREE ? "subtree" : "none";
}

/*
 * NAME=PATH[:ro][:symlinks=POLICY]: the options are taken from the end,
 * so a PATH may hold ':' as long as it does not end in one of them.
 */
static int parse_share(char *spec, struct shfl_share *sh)
{
	char *eq = strchr(spec, '='), *colon;

	if (!eq || eq == spec || !eq[1])
		return usage_error("--share '%s': expected NAME=PATH[:ro]"
				   "[:symlinks=none|subtree|any]", spec);
	*eq = '\0';
	sh->name = spec;
	sh->path = eq + 1;
	sh->ro = false;
	sh->symlinks = SHFL_SYMLINKS_NONE;
	while ((colon = strrchr(sh->path, ':'))) {
		const char *opt = colon + 1;

		if (!strcmp(opt, "ro"))
			sh->ro = true;
		else if (!strcmp(opt, "rw"))
			sh->ro = false;
		else if (!strcmp(opt, "symlinks=none"))
			sh->symlinks = SHFL_SYMLINKS_NONE;
		else if (!strcmp(opt, "symlinks=subtree"))
			sh->symlinks = SHFL_SYMLINKS_SUBTREE;
		else if (!strcmp(opt, "symlinks=any"))
			sh->symlinks = SHFL_SYMLINKS_ANY;
		else if (!strncmp(opt, "symlinks=", 9))
			return usage_error("--share %s: symlinks=%s: expected "
					   "none, subtree or any", sh->name,
					   opt + 9);
		else
			break;
		*colon = '\0';
	}
	if (!sh->path[0])
		return usage_error("--share %s: empty PATH", sh->name);
	return 0;
}

/*
 * The host keeps one fd per open guest handle: raise the soft limit to
 * the hard one, and drop supplementary groups when root (a created file
 * must not inherit a group the guest has no business with; §4.1).
 */
static void harden(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (geteuid() == 0 && setgroups(0, NULL) < 0)
		info("setgroups: %s", strerror(errno));
}

int shfl_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "share", required_argument, NULL, OPT_SHARE },
		HGCM_HOST_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct shfl_share shares[SHFL_MAX_MAPPINGS];
	struct hgcm_host_cli hc = { 0 };
	struct hgcm_host_opts ho = { 0 };
	struct hgcm_host_stats st;
	size_t nshares = 0;
	uid_t uids[16];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_SHARE) {
			if (nshares == SHFL_MAX_MAPPINGS)
				return usage_error("at most %d --share",
						   SHFL_MAX_MAPPINGS);
			if ((rc = parse_share(optarg, &shares[nshares])))
				return rc;
			nshares++;
			continue;
		}
		rc = hgcm_host_opt(&hc, c, optarg);
		if (rc == EXIT_USAGE)
			return rc;
		if (!rc)
			return usage_error("shfl serve: unknown option");
	}
	if (optind < argc)
		return usage_error("shfl serve: unexpected argument '%s'",
				   argv[optind]);
	if (!nshares)
		return usage_error("shfl serve: at least one --share "
				   "NAME=PATH is needed");
	for (unsigned k = 0; k < hc.n_uids; k++)
		uids[k] = (uid_t)hc.uids[k];
	ho.allow_uids = uids;
	ho.n_allow_uids = hc.n_uids;
	ho.workers = hc.workers;
	ho.ram_max = hc.ram_max;
	ho.socket_path = hc.socket;
	if (!ho.socket_path) {
		if ((rc = hgcm_default_socket(hc.path, sizeof(hc.path),
					      "shfl.sock")))
			return rc;
		ho.socket_path = hc.path;
	}
	harden();
	serve_host = hgcm_host_new(&ho);
	if (!serve_host)
		return fail("%s", mw_last_error());
	rc = shfl_service_register(serve_host, shares, nshares);
	if (rc) {
		hgcm_host_free(serve_host);
		serve_host = NULL;
		return fail_lib(rc);
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "%s: shfl serving %zu share%s on %s\n", progname,
		nshares, nshares == 1 ? "" : "s", ho.socket_path);
	for (size_t i = 0; i < nshares; i++)
		fprintf(stderr, "  %s = %s (%s, symlinks %s)\n",
			shares[i].name, shares[i].path,
			shares[i].ro ? "ro" : "rw",
			policy_name(shares[i].symlinks));
	fflush(stderr);
	rc = hgcm_host_run(serve_host);
	hgcm_host_get_stats(serve_host, &st);
	hgcm_host_free(serve_host);
	serve_host = NULL;
	if (rc)
		return fail("%s", mw_last_error());
	print_str("socket", "socket %s\n", ho.socket_path);
	open_array("shares");
	for (size_t i = 0; i < nshares; i++) {
		open_object(NULL);
		print_str("name", "share %s", shares[i].name);
		print_str("path", " = %s", shares[i].path);
		print_bool("ro", " read-only %s,", shares[i].ro);
		print_str("symlinks", " symlinks %s\n",
			  policy_name(shares[i].symlinks));
		close_object();
	}
	close_array();
	print_u64("guests", "guests %llu\n", st.guests);
	print_u64("calls", "calls %llu\n", st.calls);
	print_u64("rejected", "rejected %llu\n", st.rejected);
	print_u64("cancelled", "cancelled %llu\n", st.cancelled);
	return EXIT_OK;
}
