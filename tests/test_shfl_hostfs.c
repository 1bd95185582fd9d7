/* SPDX-License-Identifier: MIT */
/*
 * test_shfl_hostfs.c - the shared-folder host file-system layer on a real
 * directory: escapes ("..", absolute and relative symlinks out, a symlink
 * swapped in while operations run), special files, set-uid bits, locks,
 * ENOSPC on a real small tmpfs, and the errno -> VERR table.
 *
 * Every escape test runs twice: with openat2() and with the O_NOFOLLOW
 * component walk that replaces it on kernels without openat2.  Each one
 * puts a file "secret" in a directory next to the share ("outside") and
 * checks afterwards that nothing outside changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "memwire/shfl.h"
#include "shfl/hostfs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fx {
	char dir[512];
	char share[600];
	char outside[600];
	int root;
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[700];

	tu_tmpdir(f->dir, sizeof(f->dir));
	snprintf(f->share, sizeof(f->share), "%s/share", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	assert_int_equal(mkdir(f->share, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/secret", f->outside);
	put(p, "OUTSIDE");
	snprintf(p, sizeof(p), "%s/sub", f->share);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub/secret", f->share);
	put(p, "inside");
	f->root = hostfs_root_open(f->share);
	assert_true(f->root >= 0);
	hostfs_force_walk = false;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	hostfs_force_walk = false;
	close(f->root);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static void at(const struct fx *f, char *buf, size_t len, const char *base,
	       const char *rel)
{
	snprintf(buf, len, "%s/%s", base, rel);
	(void)f;
}

/* outside/ holds exactly "secret" with "OUTSIDE". */
static void outside_untouched(const struct fx *f)
{
	char p[700], *s;
	int n = 0;
	DIR *d;
	struct dirent *e;

	at(f, p, sizeof(p), f->outside, "secret");
	s = tu_read_file(p);
	assert_non_null(s);
	assert_string_equal(s, "OUTSIDE");
	free(s);
	d = opendir(f->outside);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n != 1)
		fail_msg("%d entries outside the share, expected only secret",
			 n);
}

static bool modes[] = { false, true };
#define FOR_MODES(f)                                                           \
	for (size_t m_ = 0; m_ < 2 && ((hostfs_force_walk = modes[m_]), 1);   \
	     m_++)

static void test_dotdot_paths_are_refused(void **state)
{
	struct fx *f = *state;
	struct stat st;
	bool created;
	int fd;

	FOR_MODES(f) {
		assert_int_equal(hostfs_stat(f->root, "../outside/secret",
					     true, &st),
				 -HOSTFS_EESCAPE);
		assert_int_equal(hostfs_stat(f->root, "sub/../../outside",
					     true, &st),
				 -HOSTFS_EESCAPE);
		fd = hostfs_open_file(f->root, "../outside/secret", O_RDONLY,
				      HOSTFS_OPEN, 0, &created);
		assert_int_equal(fd, -HOSTFS_EESCAPE);
		fd = hostfs_open_file(f->root, "../outside/new", O_RDWR,
				      HOSTFS_OPEN_CREATE, 0644, &created);
		assert_true(fd < 0);
		assert_true(hostfs_mkdir(f->root, "../outside/d", 0755) < 0);
		assert_true(hostfs_unlink(f->root, "../outside/secret", false) <
			    0);
		assert_true(hostfs_rename(f->root, "../outside/secret", "x",
					  true) < 0);
		assert_true(hostfs_symlink(f->root, "../outside/l", "/") < 0);
		assert_int_equal(hostfs_status(-HOSTFS_EESCAPE),
				 VERR_INVALID_NAME);
		outside_untouched(f);
	}
}

/* abs -> /.../outside, rel -> ../outside, dang -> /.../outside/new */
static void make_links(struct fx *f)
{
	char p[700], t[700];

	at(f, p, sizeof(p), f->share, "abs");
	assert_int_equal(symlink(f->outside, p), 0);
	at(f, p, sizeof(p), f->share, "rel");
	assert_int_equal(symlink("../outside", p), 0);
	at(f, p, sizeof(p), f->share, "absfile");
	at(f, t, sizeof(t), f->outside, "secret");
	assert_int_equal(symlink(t, p), 0);
	at(f, p, sizeof(p), f->share, "sub/relfile");
	assert_int_equal(symlink("../../outside/secret", p), 0);
	at(f, p, sizeof(p), f->share, "dang");
	at(f, t, sizeof(t), f->outside, "new");
	assert_int_equal(symlink(t, p), 0);
	at(f, p, sizeof(p), f->share, "inlink");
	assert_int_equal(symlink("sub/secret", p), 0);
}

static void test_symlinks_out_are_refused(void **state)
{
	static const char *const paths[] = {
		"abs/secret", "rel/secret", "absfile", "sub/relfile",
	};
	struct fx *f = *state;
	struct stat st;
	bool created;
	char buf[64];
	int fd;

	make_links(f);
	FOR_MODES(f) {
		for (size_t i = 0; i < N(paths); i++) {
			fd = hostfs_open_file(f->root, paths[i], O_RDONLY,
					      HOSTFS_OPEN, 0, &created);
			if (fd >= 0)
				fail_msg("%s (walk %d) opened", paths[i],
					 hostfs_force_walk);
			fd = hostfs_open_file(f->root, paths[i], O_RDWR,
					      HOSTFS_OPEN_CREATE, 0644,
					      &created);
			if (fd >= 0)
				fail_msg("%s (walk %d) opened for writing",
					 paths[i], hostfs_force_walk);
			/* the walk does not follow: it may see the link */
			if (hostfs_stat(f->root, paths[i], true, &st) == 0 &&
			    !S_ISLNK(st.st_mode))
				fail_msg("%s (walk %d) stat followed out",
					 paths[i], hostfs_force_walk);
		}
		/* a dangling link out is not created through */
		fd = hostfs_open_file(f->root, "dang", O_RDWR,
				      HOSTFS_OPEN_CREATE, 0644, &created);
		assert_true(fd < 0);
		/* parents that lead out */
		assert_true(hostfs_mkdir(f->root, "abs/d", 0755) < 0);
		assert_true(hostfs_mkdir(f->root, "rel/d", 0755) < 0);
		assert_true(hostfs_unlink(f->root, "abs/secret", false) < 0);
		assert_true(hostfs_unlink(f->root, "rel/secret", false) < 0);
		assert_true(hostfs_rename(f->root, "rel/secret", "stolen",
					  true) < 0);
		assert_true(hostfs_rename(f->root, "sub/secret", "abs/planted",
					  true) < 0);
		assert_true(hostfs_symlink(f->root, "rel/l", "x") < 0);
		assert_true(hostfs_open_dir(f->root, "abs") < 0);
		assert_true(hostfs_open_dir(f->root, "rel") < 0);
		outside_untouched(f);
		/* the links themselves are visible without following */
		assert_int_equal(hostfs_stat(f->root, "abs", false, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		assert_int_equal(hostfs_readlink(f->root, "rel", buf,
						 sizeof(buf)),
				 10);
		assert_string_equal(buf, "../outside");
	}
	/* a link inside the share is followed with openat2 */
	hostfs_force_walk = false;
	fd = hostfs_open_file(f->root, "inlink", O_RDONLY, HOSTFS_OPEN, 0,
			      &created);
	assert_true(fd >= 0);
	assert_int_equal(hostfs_pread(fd, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "inside", 6);
	close(fd);
	/* and removing a link removes the link, not its target */
	assert_int_equal(hostfs_unlink(f->root, "absfile", false), 0);
	outside_untouched(f);
}

/* A thread swaps sub <-> evil (a symlink to outside/) as fast as it can. */
struct race {
	struct fx *f;
	atomic_bool stop;
	long swaps;
};

static void *swapper(void *arg)
{
	struct race *r = arg;
	char a[700], b[700];

	at(r->f, a, sizeof(a), r->f->share, "sub");
	at(r->f, b, sizeof(b), r->f->share, "evil");
	while (!atomic_load(&r->stop)) {
		if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
			r->swaps++;
	}
	return NULL;
}

static void test_swapped_symlink_never_escapes(void **state)
{
	struct fx *f = *state;
	struct race r = { .f = f };
	int inside = 0, refused = 0;
	char p[700], buf[16];
	pthread_t t;
	bool created;
	double end;
	int fd;

	at(f, p, sizeof(p), f->share, "evil");
	assert_int_equal(symlink(f->outside, p), 0);
	at(f, p, sizeof(p), f->share, "sub/r1");
	put(p, "r");
	FOR_MODES(f) {
		r.swaps = 0;
		atomic_store(&r.stop, false);
		assert_int_equal(pthread_create(&t, NULL, swapper, &r), 0);
		end = tu_now_ms() + 700;
		while (tu_now_ms() < end) {
			fd = hostfs_open_file(f->root, "sub/secret", O_RDONLY,
					      HOSTFS_OPEN, 0, &created);
			if (fd >= 0) {
				ssize_t n = hostfs_pread(fd, buf, sizeof(buf),
							 0);

				close(fd);
				if (n == 7 && !memcmp(buf, "OUTSIDE", 7))
					fail_msg("read outside/secret through "
						 "a swapped link (walk %d)",
						 hostfs_force_walk);
				inside++;
			} else {
				refused++;
			}
			fd = hostfs_open_file(f->root, "sub/planted", O_RDWR,
					      HOSTFS_OPEN_CREATE, 0644,
					      &created);
			if (fd >= 0) {
				close(fd);
				hostfs_unlink(f->root, "sub/planted", false);
				hostfs_unlink(f->root, "evil/planted", false);
			}
			hostfs_rename(f->root, "sub/r1", "sub/r2", true);
			hostfs_rename(f->root, "sub/r2", "sub/r1", true);
			hostfs_mkdir(f->root, "sub/d", 0755);
			hostfs_unlink(f->root, "sub/d", true);
		}
		atomic_store(&r.stop, true);
		pthread_join(t, NULL);
		outside_untouched(f);
		/* the race really ran both ways */
		if (r.swaps < 100 || inside == 0 || refused == 0)
			fail_msg("no race: %ld swaps, %d inside, %d refused",
				 r.swaps, inside, refused);
		/* put sub back where it was */
		at(f, p, sizeof(p), f->share, "sub");
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISLNK(st.st_mode)) {
			char q[700];

			at(f, q, sizeof(q), f->share, "evil");
			assert_int_equal(renameat2(AT_FDCWD, p, AT_FDCWD, q,
						   RENAME_EXCHANGE),
					 0);
		}
	}
}

static void test_special_files_are_never_opened(void **state)
{
	struct fx *f = *state;
	char p[700];
	bool created;
	double t0;
	int fd;

	at(f, p, sizeof(p), f->share, "fifo");
	assert_int_equal(mkfifo(p, 0666), 0);
	at(f, p, sizeof(p), f->share, "null");
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	FOR_MODES(f) {
		t0 = tu_now_ms();
		/* a FIFO opened for reading would block: it must not be */
		fd = hostfs_open_file(f->root, "fifo", O_RDONLY, HOSTFS_OPEN, 0,
				      &created);
		assert_int_equal(fd, -HOSTFS_ESPECIAL);
		fd = hostfs_open_file(f->root, "fifo", O_RDWR,
				      HOSTFS_OPEN_CREATE, 0644, &created);
		assert_int_equal(fd, -HOSTFS_ESPECIAL);
		fd = hostfs_open_file(f->root, "null", O_RDWR, HOSTFS_OPEN, 0,
				      &created);
		assert_int_equal(fd, -HOSTFS_ESPECIAL);
		assert_true(hostfs_open_dir(f->root, "fifo") < 0);
		assert_true(tu_now_ms() - t0 < 1000);
	}
	assert_int_equal(hostfs_status(-HOSTFS_ESPECIAL), VERR_ACCESS_DENIED);
}

static void test_suid_sgid_are_stripped(void **state)
{
	struct fx *f = *state;
	struct stat st;
	bool created;
	char p[700];
	int fd;

	at(f, p, sizeof(p), f->share, "suid");
	put(p, "#!/bin/sh\n");
	assert_int_equal(chmod(p, 06755), 0);
	/* reading leaves it alone */
	fd = hostfs_open_file(f->root, "suid", O_RDONLY, HOSTFS_OPEN, 0,
			      &created);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 06755);
	/* opening for writing removes both bits */
	fd = hostfs_open_file(f->root, "suid", O_WRONLY, HOSTFS_OPEN, 0,
			      &created);
	assert_true(fd >= 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* and chmod never sets them */
	assert_int_equal(hostfs_fchmod(fd, 07777), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0777);
	close(fd);
	/* a new file never gets them either */
	fd = hostfs_open_file(f->root, "new", O_RDWR, HOSTFS_CREATE, 06777,
			      &created);
	assert_true(fd >= 0);
	assert_true(created);
	close(fd);
	at(f, p, sizeof(p), f->share, "new");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07000, 0);
	/* and mkdir */
	assert_int_equal(hostfs_mkdir(f->root, "newdir", 07777), 0);
	at(f, p, sizeof(p), f->share, "newdir");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07000, 0);
}

static void test_create_open_and_io(void **state)
{
	struct fx *f = *state;
	char buf[32];
	uint64_t end;
	bool created;
	int fd, fd2;

	fd = hostfs_open_file(f->root, "sub/a", O_RDWR, HOSTFS_CREATE, 0600,
			      &created);
	assert_true(fd >= 0 && created);
	assert_int_equal(hostfs_open_file(f->root, "sub/a", O_RDWR,
					  HOSTFS_CREATE, 0600, &created),
			 -EEXIST);
	assert_int_equal(hostfs_pwrite(fd, "hello world", 11, 0, false, &end),
			 11);
	assert_int_equal(end, 11);
	assert_int_equal(hostfs_pread(fd, buf, sizeof(buf), 6), 5);
	assert_memory_equal(buf, "world", 5);
	assert_int_equal(hostfs_pread(fd, buf, sizeof(buf), 100), 0);
	assert_int_equal(hostfs_ftruncate(fd, 5), 0);
	assert_int_equal(hostfs_pread(fd, buf, sizeof(buf), 0), 5);
	close(fd);
	fd = hostfs_open_file(f->root, "sub/a", O_WRONLY | O_APPEND,
			      HOSTFS_OPEN_CREATE, 0600, &created);
	assert_true(fd >= 0 && !created);
	assert_int_equal(hostfs_pwrite(fd, "!!", 2, 0, true, &end), 2);
	assert_int_equal(end, 7);
	close(fd);
	assert_int_equal(hostfs_open_file(f->root, "sub", O_RDONLY,
					  HOSTFS_OPEN, 0, &created),
			 -EISDIR);
	assert_int_equal(hostfs_open_file(f->root, "nope/a", O_RDONLY,
					  HOSTFS_OPEN_CREATE, 0, &created),
			 -ENOENT);
	assert_int_equal(hostfs_open_file(f->root, "sub/secret/x", O_RDONLY,
					  HOSTFS_OPEN, 0, &created),
			 -ENOTDIR);
	/* rename without replace refuses an existing target */
	assert_int_equal(hostfs_rename(f->root, "sub/a", "sub/secret", false),
			 -EEXIST);
	assert_int_equal(hostfs_rename(f->root, "sub/a", "sub/b", false), 0);
	/* the share itself cannot be removed or renamed */
	assert_int_equal(hostfs_unlink(f->root, ".", true), -EACCES);
	assert_int_equal(hostfs_rename(f->root, ".", "x", false), -EACCES);
	/* OFD locks conflict between two handles of one process */
	fd = hostfs_open_file(f->root, "sub/b", O_RDWR, HOSTFS_OPEN, 0,
			      &created);
	fd2 = hostfs_open_file(f->root, "sub/b", O_RDWR, HOSTFS_OPEN, 0,
			       &created);
	assert_true(fd >= 0 && fd2 >= 0);
	assert_int_equal(hostfs_lock(fd, HOSTFS_LOCK_EX, 0, 10), 0);
	assert_int_equal(hostfs_lock(fd2, HOSTFS_LOCK_SH, 5, 1),
			 -HOSTFS_ELOCKED);
	assert_int_equal(hostfs_lock(fd2, HOSTFS_LOCK_SH, 10, 1), 0);
	assert_int_equal(hostfs_lock(fd, HOSTFS_UNLOCK, 0, 10), 0);
	assert_int_equal(hostfs_lock(fd2, HOSTFS_LOCK_EX, 0, 0), 0);
	assert_int_equal(hostfs_lock(fd, HOSTFS_LOCK_EX, UINT64_MAX, 1),
			 -EINVAL);
	close(fd);
	close(fd2);
}

static void test_status_table(void **state)
{
	static const struct {
		int err, vbox;
	} t[] = {
		{ 0, VINF_SUCCESS },
		{ -EPERM, VERR_ACCESS_DENIED },
		{ -EACCES, VERR_ACCESS_DENIED },
		{ -ENOENT, VERR_FILE_NOT_FOUND },
		{ -ENOTDIR, VERR_PATH_NOT_FOUND },
		{ -EEXIST, VERR_ALREADY_EXISTS },
		{ -EISDIR, VERR_IS_A_DIRECTORY },
		{ -ENOTEMPTY, VERR_DIR_NOT_EMPTY },
		{ -EROFS, VERR_WRITE_PROTECT },
		{ -ENOSPC, VERR_DISK_FULL },
		{ -EDQUOT, VERR_DISK_FULL },
		{ -EXDEV, VERR_NOT_SAME_DEVICE },
		{ -ENAMETOOLONG, VERR_FILENAME_TOO_LONG },
		{ -ELOOP, VERR_TOO_MANY_SYMLINKS },
		{ -EBADF, VERR_INVALID_HANDLE },
		{ -EINVAL, VERR_INVALID_PARAMETER },
		{ -EMFILE, VERR_TOO_MANY_OPEN_FILES },
		{ -EFBIG, VERR_FILE_TOO_BIG },
		{ -ETXTBSY, VERR_SHARING_VIOLATION },
		{ -ENOLCK, VERR_FILE_LOCK_FAILED },
		{ -ENOSYS, VERR_NOT_SUPPORTED },
		{ -EIO, VERR_DEV_IO_ERROR },
		{ -ESTALE, VERR_STALE_FILE_HANDLE },
		{ -ENODATA, VERR_NO_DATA },
		{ -EILSEQ, VERR_NO_TRANSLATION },
		{ -EOVERFLOW, VERR_TOO_MUCH_DATA },
		{ -EHOSTDOWN, VERR_UNRESOLVED_ERROR },
	};

	(void)state;
	for (size_t i = 0; i < N(t); i++)
		if (hostfs_status(t[i].err) != t[i].vbox)
			fail_msg("errno %d -> %d, expected %d", -t[i].err,
				 hostfs_status(t[i].err), t[i].vbox);
}

/*
 * ENOSPC on a real 1 MiB tmpfs: the write stops short or fails, the
 * failure maps to VERR_DISK_FULL, and every byte reported written reads
 * back.
 */
static void test_enospc_keeps_acknowledged_bytes(void **state)
{
	struct fx *f = *state;
	static char chunk[64 * 1024];
	char mnt[700], *back;
	uint64_t off = 0, end;
	ssize_t n = 0;
	bool created;
	int root, fd;

	at(f, mnt, sizeof(mnt), f->dir, "small");
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("memwire-test", mnt, "tmpfs", 0, "size=1M") < 0)
		fail_msg("mount tmpfs on %s: %s (the tests run as root)", mnt,
			 strerror(errno));
	root = hostfs_root_open(mnt);
	assert_true(root >= 0);
	fd = hostfs_open_file(root, "big", O_RDWR, HOSTFS_CREATE, 0644,
			      &created);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(i * 7 + 3);
	for (int i = 0; i < 64; i++) {
		n = hostfs_pwrite(fd, chunk, sizeof(chunk), off, false, &end);
		if (n < 0)
			break;
		off += (uint64_t)n;
		if ((size_t)n < sizeof(chunk))
			continue; /* the next one must fail */
	}
	assert_int_equal(n, -ENOSPC);
	assert_int_equal(hostfs_status((int)n), VERR_DISK_FULL);
	assert_true(off > 0 && off <= 1024 * 1024);
	back = malloc(off);
	assert_non_null(back);
	assert_int_equal(hostfs_pread(fd, back, off, 0), (ssize_t)off);
	for (uint64_t i = 0; i < off; i++)
		if (back[i] != chunk[i % sizeof(chunk)])
			fail_msg("byte %llu lost after ENOSPC",
				 (unsigned long long)i);
	free(back);
	close(fd);
	close(root);
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
}

static void test_directory_listing(void **state)
{
	struct fx *f = *state;
	struct hostfs_dir *d;
	const char *name;
	struct stat st;
	int fd, n = 0, seen = 0;

	fd = hostfs_open_dir(f->root, "sub");
	assert_true(fd >= 0);
	assert_int_equal(hostfs_dir_open(fd, &d), 0);
	while (hostfs_dir_next(d, &name) == 1) {
		n++;
		if (!strcmp(name, "secret")) {
			assert_int_equal(hostfs_dir_lstat(d, name, &st), 0);
			assert_int_equal(st.st_size, 6);
			seen++;
		}
	}
	assert_int_equal(n, 3); /* ".", "..", "secret" */
	assert_int_equal(seen, 1);
	hostfs_dir_rewind(d);
	assert_int_equal(hostfs_dir_next(d, &name), 1);
	hostfs_dir_close(d);
	assert_int_equal(hostfs_open_dir(f->root, "sub/secret"), -ENOTDIR);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dotdot_paths_are_refused),
		T(test_symlinks_out_are_refused),
		T(test_swapped_symlink_never_escapes),
		T(test_special_files_are_never_opened),
		T(test_suid_sgid_are_stripped),
		T(test_create_open_and_io),
		T(test_status_table),
		T(test_enospc_keeps_acknowledged_bytes),
		T(test_directory_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
