/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

void tu_tmpdir(char *buf, size_t len)
{
	const char *base = getenv("MEMWIRE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(buf, len, "%s/mwtest.XXXXXX", base);
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		abort();
	}
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *f)
{
	return remove(path);
}

void tu_rmrf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read all of @fd into a NUL-terminated buffer. */
static char *slurp(int fd)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t k;

	while ((k = read(fd, b + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (cap - n < 2)
			b = realloc(b, cap *= 2);
	}
	b[n] = '\0';
	return b;
}

int tu_run(char **out, char **err, const char *const *argv)
{
	const char *bin = getenv("MEMWIRE");
	int po[2], pe[2], status;
	const char *args[64];
	size_t i;
	pid_t pid;
	char *o, *e;

	if (!bin)
		bin = "build/memwire";
	args[0] = bin;
	for (i = 0; argv[i] && i < 62; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		abort();
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* stderr is small; read stdout fully first, then stderr. */
	o = slurp(po[0]);
	e = slurp(pe[0]);
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
