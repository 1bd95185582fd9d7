/* SPDX-License-Identifier: MIT */
/*
 * cmd_smd_mount.c - `memwire smd mount DIR`: every SMD channel as a file,
 * like the /dev/smdN devices of the msm kernels, through FUSE (libfuse3).
 *
 *   DIR/                    one directory per processor apps has an edge to
 *   DIR/modem/LOOPBACK      a channel on APPS_MODEM: open() opens it (as
 *                           apps), read/write stream through it, poll works
 *
 * A file opened several times shares one channel.  Reads block until data
 * arrives (O_NONBLOCK: EAGAIN) and return 0 (end of file) once the remote
 * closed the channel; a write on a packet channel is one packet.  FUSE runs
 * its request threads; each channel has a lock for its state and a thread
 * that wakes pollers on the edge's interrupts.  Waits happen outside the
 * lock, from the waiter's own event count, so a blocked reader never holds
 * up a writer.  Unmount with `fusermount3 -u DIR` or SIGINT.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "memwire/smd.h"

#define WAIT_SLICE_MS 200

struct mch {
	struct mch *next;
	char proc[16];
	char name[21];
	struct smd_ch *ch;
	pthread_mutex_t lock; /* the channel's state and the poll handle */
	int refs;
	struct fuse_pollhandle *ph;
	pthread_t notifier;
	volatile int stop;
};

static struct {
	struct mw_region *r;
	struct smem *sm;
	struct smd *d;
	pthread_mutex_t lock; /* the list and the table */
	struct mch *open;
	int timeout_ms;
	time_t started;
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Processors apps has an edge to, with the edge. */
static int edge_of_proc(const char *proc)
{
	int e = smd_edge_parse(M.d, proc);

	return e < 0 ? -ENOENT : e;
}

/* "/modem/LOOPBACK" -> proc, name; returns the number of parts (0..2). */
static int split(const char *path, char proc[16], char name[21])
{
	const char *p = path + 1, *slash;

	proc[0] = name[0] = '\0';
	if (!*p)
		return 0;
	slash = strchr(p, '/');
	if (!slash) {
		if (strlen(p) >= 16)
			return -1;
		strcpy(proc, p);
		return 1;
	}
	if ((size_t)(slash - p) >= 16 || strlen(slash + 1) > 20 ||
	    strchr(slash + 1, '/'))
		return -1;
	memcpy(proc, p, (size_t)(slash - p));
	proc[slash - p] = '\0';
	strcpy(name, slash + 1);
	return 2;
}

static bool channel_exists(unsigned edge, const char *name)
{
	struct smd_info ch[SMD_CHANNELS];
	int n, i;

	pthread_mutex_lock(&M.lock);
	n = smd_list(M.d, ch, SMD_CHANNELS);
	pthread_mutex_unlock(&M.lock);
	for (i = 0; i < n; i++)
		if (ch[i].edge == edge && !ch[i].problem &&
		    !strcmp(ch[i].name, name))
			return true;
	return false;
}

static int fs_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	char proc[16], name[21];
	int parts = split(path, proc, name), edge;

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_mtime = st->st_ctime = st->st_atime = M.started;
	if (parts == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (parts < 0 || (edge = edge_of_proc(proc)) < 0)
		return -ENOENT;
	if (parts == 1) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (!channel_exists((unsigned)edge, name))
		return -ENOENT;
	st->st_mode = S_IFREG | 0666;
	st->st_nlink = 1;
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	const struct mw_platform *p = mw_soc_platform(smem_soc(M.sm));
	char proc[16], name[21];
	int parts = split(path, proc, name), edge, n, i;
	unsigned k;

	(void)off;
	(void)fi;
	(void)flags;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (parts == 0) {
		for (k = 0; k < p->nprocs; k++)
			if (edge_of_proc(p->procs[k].name) >= 0)
				fill(buf, p->procs[k].name, NULL, 0, 0);
		return 0;
	}
	if (parts != 1 || (edge = edge_of_proc(proc)) < 0)
		return -ENOENT;
	{
		struct smd_info ch[SMD_CHANNELS];

		pthread_mutex_lock(&M.lock);
		n = smd_list(M.d, ch, SMD_CHANNELS);
		pthread_mutex_unlock(&M.lock);
		for (i = 0; i < n; i++)
			if (ch[i].edge == (unsigned)edge && !ch[i].problem)
				fill(buf, ch[i].name, NULL, 0, 0);
	}
	return 0;
}

/* Wakes the poller of @m on every interrupt of its edge. */
static void *notifier(void *arg)
{
	struct mch *m = arg;
	uint32_t seen = smd_irq_seq(m->ch);

	while (!m->stop) {
		smd_wait_irq_from(m->ch, &seen, WAIT_SLICE_MS);
		pthread_mutex_lock(&m->lock);
		if (m->ph) {
			fuse_notify_poll(m->ph);
			fuse_pollhandle_destroy(m->ph);
			m->ph = NULL;
		}
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	char proc[16], name[21];
	struct mch *m;
	int edge, ret;

	if (split(path, proc, name) != 2 || (edge = edge_of_proc(proc)) < 0)
		return -ENOENT;
	pthread_mutex_lock(&M.lock);
	for (m = M.open; m; m = m->next)
		if (!strcmp(m->proc, proc) && !strcmp(m->name, name))
			break;
	if (m) {
		m->refs++;
		goto done;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		pthread_mutex_unlock(&M.lock);
		return -ENOMEM;
	}
	ret = smd_open(M.d, name, (unsigned)edge, 0, M.timeout_ms, &m->ch);
	if (ret) {
		fprintf(stderr, "memwire: open %s: %s\n", path, mw_last_error());
		pthread_mutex_unlock(&M.lock);
		free(m);
		return ret == -ETIMEDOUT ? -EIO : ret;
	}
	snprintf(m->proc, sizeof(m->proc), "%s", proc);
	snprintf(m->name, sizeof(m->name), "%s", name);
	pthread_mutex_init(&m->lock, NULL);
	m->refs = 1;
	if (pthread_create(&m->notifier, NULL, notifier, m)) {
		smd_close(m->ch);
		pthread_mutex_unlock(&M.lock);
		free(m);
		return -EAGAIN;
	}
	m->next = M.open;
	M.open = m;
done:
	pthread_mutex_unlock(&M.lock);
	fi->fh = (uintptr_t)m;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	return 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct mch *m = (struct mch *)(uintptr_t)fi->fh, **pp;

	(void)path;
	/* All under the list lock: an open of the same file waits until our
	 * CLOSED is written, instead of opening a handle we then close. */
	pthread_mutex_lock(&M.lock);
	if (--m->refs > 0) {
		pthread_mutex_unlock(&M.lock);
		return 0;
	}
	for (pp = &M.open; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	m->stop = 1;
	pthread_join(m->notifier, NULL);
	if (m->ph)
		fuse_pollhandle_destroy(m->ph);
	smd_close(m->ch);
	pthread_mutex_unlock(&M.lock);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct mch *m = (struct mch *)(uintptr_t)fi->fh;

	(void)path;
	(void)off;
	for (;;) {
		uint32_t seen = smd_irq_seq(m->ch);
		ssize_t n;
		int ret;

		pthread_mutex_lock(&m->lock);
		n = smd_read(m->ch, buf, size, 0);
		pthread_mutex_unlock(&m->lock);
		if (n > 0)
			return (int)n;
		if (n == -EPIPE)
			return 0; /* the remote closed: end of file */
		if (n != -EAGAIN)
			return (int)n;
		if (fi->flags & O_NONBLOCK)
			return -EAGAIN;
		if (fuse_interrupted())
			return -EINTR;
		ret = smd_wait_irq_from(m->ch, &seen, WAIT_SLICE_MS);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}

static int fs_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	struct mch *m = (struct mch *)(uintptr_t)fi->fh;
	size_t done = 0;

	(void)path;
	(void)off;
	while (done < size) {
		uint32_t seen = smd_irq_seq(m->ch);
		ssize_t n;
		int ret;

		pthread_mutex_lock(&m->lock);
		/* Packet channels: each write() is one packet, whole. */
		n = smd_write(m->ch, buf + done, size - done, 0);
		pthread_mutex_unlock(&m->lock);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n != -EAGAIN)
			return done ? (int)done : (int)n;
		if (fi->flags & O_NONBLOCK)
			return done ? (int)done : -EAGAIN;
		if (fuse_interrupted())
			return done ? (int)done : -EINTR;
		ret = smd_wait_irq_from(m->ch, &seen, WAIT_SLICE_MS);
		if (ret && ret != -ETIMEDOUT)
			return done ? (int)done : ret;
	}
	return (int)done;
}

static int fs_poll(const char *path, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph, unsigned *reventsp)
{
	struct mch *m = (struct mch *)(uintptr_t)fi->fh;
	unsigned rev = 0, own, peer;
	int ra, wa;

	(void)path;
	pthread_mutex_lock(&m->lock);
	ra = smd_read_avail(m->ch);
	wa = smd_write_avail(m->ch);
	smd_ch_state(m->ch, &own, &peer);
	if (ra > 0)
		rev |= POLLIN;
	if (wa > 0 && own == SMD_SS_OPENED)
		rev |= POLLOUT;
	if (ra < 0 || own == SMD_SS_CLOSING || own == SMD_SS_CLOSED)
		rev |= POLLHUP | POLLIN; /* read() returns 0 or the error */
	if (ph) {
		if (m->ph)
			fuse_pollhandle_destroy(m->ph);
		m->ph = ph;
	}
	pthread_mutex_unlock(&m->lock);
	*reventsp = rev;
	return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)path;
	(void)size;
	(void)fi;
	return 0; /* `> file` from a shell truncates: a no-op on a channel */
}

static const struct fuse_operations ops = {
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.release = fs_release,
	.read = fs_read,
	.write = fs_write,
	.poll = fs_poll,
	.truncate = fs_truncate,
};

int do_smd_mount(int argc, char **argv, struct region_opts *ro,
		 const char *proc, int timeout_ms)
{
	char *fargv[8];
	int fargc = 0, ret;

	if (argc != 1)
		return usage_error("smd mount: expected DIR");
	ret = region_open(ro, &M.r);
	if (ret)
		return ret;
	ret = smem_open(M.r, proc ? proc : "apps", &M.sm);
	if (!ret)
		ret = smd_attach(M.sm, &M.d);
	if (ret) {
		ret = fail_lib(ret);
		goto out;
	}
	if (smd_self(M.d) < 0) {
		ret = fail("smd mount opens channels as a processor: it needs a "
			   "memwire region (--file), not a dump or /dev/mem");
		goto out;
	}
	M.timeout_ms = timeout_ms < 0 ? 5000 : timeout_ms;
	M.started = time(NULL);
	fargv[fargc++] = (char *)"memwire-smd";
	fargv[fargc++] = (char *)"-o";
	fargv[fargc++] = (char *)"fsname=memwire-smd,subtype=smd";
	fargv[fargc] = NULL;
	{
		struct fuse_args args = FUSE_ARGS_INIT(fargc, fargv);
		struct fuse *f = fuse_new(&args, &ops, sizeof(ops), NULL);

		if (!f) {
			ret = fail("FUSE: cannot set the file system up");
			goto out;
		}
		if (fuse_mount(f, argv[0])) {
			ret = fail("FUSE: cannot mount on %s", argv[0]);
			fuse_destroy(f);
			goto out;
		}
		/* libfuse only takes over signals left at their default; a
		 * shell's background job inherits SIGINT ignored. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (fuse_set_signal_handlers(fuse_get_session(f))) {
			ret = fail("FUSE: cannot install signal handlers");
			fuse_unmount(f);
			fuse_destroy(f);
			goto out;
		}
		printf("channels of %s under %s (unmount: fusermount3 -u %s)\n",
		       mw_region_path(M.r), argv[0], argv[0]);
		fflush(stdout);
		/* Request threads, so a blocked read holds nothing up. */
		ret = fuse_loop_mt(f, 0);
		/* libfuse reports the signal that ended the loop: SIGINT,
		 * SIGTERM and SIGHUP are asked-for, clean exits. */
		ret = ret == 0 || ret == SIGINT || ret == SIGTERM ||
				      ret == SIGHUP
			      ? EXIT_OK
			      : EXIT_FAIL;
		fuse_remove_signal_handlers(fuse_get_session(f));
		fuse_unmount(f);
		fuse_destroy(f);
		fuse_opt_free_args(&args);
	}
out:
	smd_detach(M.d);
	smem_close(M.sm);
	mw_region_close(M.r);
	return ret;
}
