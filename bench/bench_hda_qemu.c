/* SPDX-License-Identifier: MIT */
/*
 * bench_hda_qemu.c - does the live capture keep up with QEMU?
 *
 * Boots the HDA test guest (tests/hda-guest) BENCH_BOOTS times (default 3)
 * in each configuration and prints the median wall time of a whole boot
 * (QEMU start to QEMU exit; the guest probes its codec, records, powers
 * off):
 *
 *   plain         QEMU alone, no trace events
 *   /dev/null     the intel-hda MMIO trace events on, sent to /dev/null
 *                 (-trace memory_region_ops_read/write -D /dev/null): the
 *                 baseline, what QEMU pays to trace at all
 *   hda qemu      `memwire hda qemu --format json -o FILE -- QEMU...`:
 *                 live capture over shared guest RAM
 *   capture --qmp QEMU's trace piped into `memwire hda capture --trace -
 *                 --qmp SOCK --format json`
 *
 * and each capture's ratio against the /dev/null baseline of the same run.
 * A boot that fails (no record on the console) is reported, not timed.
 * The guest is the one test_hda_qemu builds (build/tests/hda-guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/hda-guest/guest.h"

#define MAX_BOOTS 15
#define BOOT_TIMEOUT_S 300.0

enum mode { PLAIN, DEVNULL, HDA_QEMU, CAPTURE_QMP, NMODES };

static const char *const mode_name[NMODES] = {
	"plain (no trace)", "trace to /dev/null", "hda qemu (shared RAM)",
	"capture --qmp (pipe)",
};

static struct hg_guest guest;
static char memwire[PATH_MAX];
static char work[PATH_MAX - 64];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Did the boot whose console is in @serial finish its record?  The number
 * of commands recorded goes to @nsend.
 */
static bool boot_ok(const char *serial, size_t *nsend, char *why, size_t len)
{
	char *log = hg_read_file(serial, NULL);
	struct hg_record r;
	bool ok;

	if (!log) {
		hg_err(why, len, "no serial log");
		return false;
	}
	ok = hg_record_parse(log, &r, why, len) == 0;
	free(log);
	if (ok && r.nsend == 0) {
		hg_err(why, len, "the guest recorded no command");
		ok = false;
	}
	if (ok) {
		*nsend = r.nsend;
		hg_record_free(&r);
	}
	return ok;
}

/* The last line of @path into @buf (for a failure message). */
static void tail_line(const char *path, char *buf, size_t len)
{
	char *s = hg_read_file(path, NULL), *l;
	size_t n;

	snprintf(buf, len, "(nothing)");
	if (!s)
		return;
	n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	l = strrchr(s, '\n');
	if (*s)
		snprintf(buf, len, "%s", l ? l + 1 : s);
	free(s);
}

/*
 * One boot in @mode; returns its wall time in seconds, or -1 with the
 * reason in @why.
 */
static double boot(enum mode mode, char *why, size_t len)
{
	char serial[PATH_MAX], err[PATH_MAX], out[PATH_MAX], sock[PATH_MAX];
	char qmp[PATH_MAX + 64];
	const char *argv[96];
	struct hg_cmd c;
	size_t nsend = 0;
	double t0, t;
	int n = 0, i, rc = 0, rc2 = 0, pfd[2];
	pid_t q, mw;

	snprintf(serial, sizeof(serial), "%s/serial.log", work);
	snprintf(err, sizeof(err), "%s/stderr", work);
	snprintf(out, sizeof(out), "%s/capture.jsonl", work);
	snprintf(sock, sizeof(sock), "%s/qmp.sock", work);
	unlink(serial);
	unlink(err);
	unlink(out);
	unlink(sock);
	hg_cmd_init(&c, &guest, serial, NULL);

	switch (mode) {
	case PLAIN:
	case DEVNULL:
		if (mode == DEVNULL) {
			hg_cmd_add(&c, "-trace");
			hg_cmd_add(&c, "memory_region_ops_write");
			hg_cmd_add(&c, "-trace");
			hg_cmd_add(&c, "memory_region_ops_read");
			hg_cmd_add(&c, "-D");
			hg_cmd_add(&c, "/dev/null");
		}
		t0 = hg_now();
		rc = hg_wait(hg_spawn(c.argv, -1, NULL, err), BOOT_TIMEOUT_S);
		t = hg_now() - t0;
		break;
	case HDA_QEMU:
		argv[n++] = memwire;
		argv[n++] = "hda";
		argv[n++] = "qemu";
		argv[n++] = "--format";
		argv[n++] = "json";
		argv[n++] = "-o";
		argv[n++] = out;
		argv[n++] = "--";
		for (i = 0; i < c.argc; i++)
			argv[n++] = c.argv[i];
		argv[n] = NULL;
		t0 = hg_now();
		rc = hg_wait(hg_spawn(argv, -1, NULL, err), BOOT_TIMEOUT_S);
		t = hg_now() - t0;
		break;
	case CAPTURE_QMP:
	default:
		snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=on", sock);
		hg_cmd_add(&c, "-qmp");
		hg_cmd_add(&c, qmp);
		hg_cmd_add(&c, "-trace");
		hg_cmd_add(&c, "memory_region_ops_write");
		hg_cmd_add(&c, "-trace");
		hg_cmd_add(&c, "memory_region_ops_read");
		if (pipe(pfd)) {
			hg_err(why, len, "pipe: %s", strerror(errno));
			return -1;
		}
		t0 = hg_now();
		fflush(NULL);
		q = fork();
		if (q == 0) {
			int nul = open("/dev/null", O_RDWR);

			close(pfd[0]);
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(pfd[1], 2);
			execvp(c.argv[0], (char *const *)c.argv);
			_exit(127);
		}
		close(pfd[1]);
		while (access(sock, F_OK) && hg_now() < t0 + 30 &&
		       waitpid(q, NULL, WNOHANG) == 0)
			hg_sleep_ms(5);
		mw = hg_spawn((const char *const[]){memwire, "hda", "capture",
						     "--trace", "-", "--qmp",
						     sock, "--format", "json",
						     "-o", out, NULL},
			      pfd[0], NULL, err);
		close(pfd[0]);
		rc = hg_wait(q, BOOT_TIMEOUT_S);
		rc2 = hg_wait(mw, rc < 0 ? 1 : 60);
		t = hg_now() - t0;
		if (rc == 0 && rc2 != 0)
			rc = rc2;
		break;
	}
	if (rc != 0) {
		char last[256];

		tail_line(err, last, sizeof(last));
		hg_err(why, len, "exit %d: %s", rc, last);
		return -1;
	}
	if (!boot_ok(serial, &nsend, why, len))
		return -1;
	if (mode >= HDA_QEMU) {
		/* a capture that kept up holds them all (test_hda_qemu checks
		 * each one): one JSON line each, plus the probe */
		char *cap = hg_read_file(out, NULL);
		size_t lines = 0;

		for (const char *p = cap; p && *p; p++)
			lines += *p == '\n';
		free(cap);
		if (lines < nsend + 1) {
			hg_err(why, len, "capture holds %zu exchanges, the "
			       "guest sent %zu", lines, nsend);
			return -1;
		}
	}
	return t;
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX - 256], dir[PATH_MAX - 128], err[1024], why[512];
	const char *nb = getenv("BENCH_BOOTS");
	int boots = nb ? atoi(nb) : 3, m, i;
	double med[NMODES], t[NMODES][MAX_BOOTS];
	char failed[NMODES][512];
	ssize_t k;

	if (boots < 1 || boots > MAX_BOOTS)
		boots = 3;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0) {
		perror("bench_hda_qemu: /proc/self/exe");
		return 1;
	}
	exe[k] = '\0';
	*strrchr(exe, '/') = '\0'; /* build/bench */
	snprintf(memwire, sizeof(memwire), "%s/../memwire", exe);
	snprintf(dir, sizeof(dir), "%s/../tests/hda-guest", exe);
	if (getenv("MEMWIRE"))
		snprintf(memwire, sizeof(memwire), "%s", getenv("MEMWIRE"));
	if (hg_prepare(&guest, dir, err, sizeof(err))) {
		fprintf(stderr, "bench_hda_qemu: %s\n", err);
		return 1;
	}
	snprintf(work, sizeof(work), "%s/bench.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(work)) {
		perror("bench_hda_qemu: mkdtemp");
		return 1;
	}
	printf("HDA guest boot, %s, median of %d boots (QEMU start to exit; "
	       "the modes take turns, so load drifts hit all alike)\n",
	       guest.accel, boots);
	fflush(stdout);
	for (m = 0; m < NMODES; m++)
		failed[m][0] = '\0';
	for (i = 0; i < boots; i++) {
		for (m = 0; m < NMODES; m++) {
			if (failed[m][0])
				continue;
			t[m][i] = boot((enum mode)m, why, sizeof(why));
			if (t[m][i] < 0)
				snprintf(failed[m], sizeof(failed[m]), "%s",
					 why);
		}
	}
	for (m = 0; m < NMODES; m++) {
		double lo, hi;

		med[m] = -1;
		if (failed[m][0]) {
			printf("  %-24s  failed: %s\n", mode_name[m],
			       failed[m]);
			continue;
		}
		med[m] = median(t[m], boots); /* sorts t[m] */
		lo = t[m][0];
		hi = t[m][boots - 1];
		printf("  %-24s  %7.2f s  (%.2f..%.2f)", mode_name[m], med[m],
		       lo, hi);
		if (m >= HDA_QEMU && med[DEVNULL] > 0)
			printf("   x%.2f of trace to /dev/null",
			       med[m] / med[DEVNULL]);
		else if (m == DEVNULL && med[PLAIN] > 0)
			printf("   x%.2f of plain", med[m] / med[PLAIN]);
		printf("\n");
	}
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/serial.log", work);
		unlink(p);
		snprintf(p, sizeof(p), "%s/stderr", work);
		unlink(p);
		snprintf(p, sizeof(p), "%s/capture.jsonl", work);
		unlink(p);
		snprintf(p, sizeof(p), "%s/qmp.sock", work);
		unlink(p);
		rmdir(work);
	}
	(void)argc;
	(void)argv;
	return 0;
}
