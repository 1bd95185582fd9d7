/* SPDX-License-Identifier: MIT */
/*
 * region.c - shared regions addressed by physical address.
 *
 * Kinds:
 *   file    memwire region file: data, then the control page (layout.h).
 *           Created under a temporary name and renamed into place, so a
 *           reader never sees a half-written file and a failure leaves none.
 *   memfd   the same bytes in a memfd, sealed against shrink/grow, shared
 *           with another process over a UNIX socket (SCM_RIGHTS).
 *   dump    a raw memory image, mapped private and read-only.
 *   devmem  a window of /dev/mem, read-only unless asked.
 *
 * The control page of a file or memfd we did not create is hostile input:
 * it is copied out with pread() and validated before the mapping is made,
 * and only the validated copy's phys/size are used afterwards.  A file can
 * still be truncated by its owner while mapped (SIGBUS on access); memfds are
 * sealed so that cannot happen to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "core/layout.h"
#include "core/region_i.h"

#define PAGE 4096u
/* Largest region memwire creates or attaches; real SMEM regions are MiBs. */
#define MW_REGION_MAX (1ull << 36)

/* Message header of mw_region_send_fd(). */
struct mw_fd_msg {
	uint8_t magic[4]; /* "MWFD" */
	uint32_t version; /* MW_REGION_VERSION */
};

static struct mw_region *region_alloc(enum mw_region_kind kind,
				      const char *path)
{
	struct mw_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kind = kind;
	r->fd = -1;
	r->path = strdup(path ? path : "");
	if (!r->path) {
		free(r);
		return NULL;
	}
	return r;
}

void mw_region_close(struct mw_region *r)
{
	if (!r)
		return;
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

static int check_geometry(const char *platform, uint64_t phys, uint64_t size,
			  const struct mw_platform **plat)
{
	const struct mw_resource *res;
	int ret;

	*plat = NULL;
	if (size == 0)
		return mw_err(-EINVAL, "region size is 0");
	if (size % PAGE)
		return mw_err(-EINVAL,
			      "region size 0x%llx is not a multiple of the "
			      "page size (0x%x)",
			      (unsigned long long)size, PAGE);
	if (size > MW_REGION_MAX)
		return mw_err(-EINVAL, "region size 0x%llx is over the 0x%llx limit",
			      (unsigned long long)size,
			      (unsigned long long)MW_REGION_MAX);
	if (phys % PAGE)
		return mw_err(-EINVAL, "physical base 0x%llx is not page-aligned",
			      (unsigned long long)phys);
	if (phys + size < phys)
		return mw_err(-EINVAL,
			      "physical base 0x%llx + size 0x%llx overflows",
			      (unsigned long long)phys,
			      (unsigned long long)size);
	if (!platform || !platform[0])
		return 0;
	if (strlen(platform) >= MW_PLATFORM_NAME_MAX)
		return mw_err(-EINVAL, "platform name '%.32s' is too long",
			      platform);
	ret = mw_platform_get(platform, plat);
	if (ret)
		return ret;
	ret = mw_platform_resource(*plat, phys, size, &res);
	if (ret)
		return ret;
	if (res->kind != MW_RES_MEMORY)
		return mw_err(-EINVAL,
			      "phys 0x%llx is in %s, a %s resource, not memory",
			      (unsigned long long)phys, res->name,
			      mw_res_kind_name(res->kind));
	return 0;
}

/* Map the whole of @fd (data + control page) and fill in @r. */
static int map_region(struct mw_region *r, int fd, const struct mw_region_info *info,
		      unsigned flags)
{
	int prot = PROT_READ | (flags & MW_REGION_RDONLY ? 0 : PROT_WRITE);
	const struct mw_platform *plat = NULL;

	if (info->platform[0] && mw_platform_get(info->platform, &plat))
		return -EBADMSG; /* validated before; keep the message */
	r->map_len = info->size + MW_REGION_CTL_SIZE;
	r->map = mmap(NULL, r->map_len, prot, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return mw_errno("mmap of %llu bytes",
				(unsigned long long)r->map_len);
	}
	r->data = r->map;
	r->ctl = (struct mw_ctl *)(r->map + info->size);
	r->phys = info->phys;
	r->size = info->size;
	r->plat = plat;
	r->writable = !(flags & MW_REGION_RDONLY);
	r->fd = fd;
	return 0;
}

static void fill_ctl(struct mw_ctl_hdr *h, const char *platform, uint64_t phys,
		     uint64_t size)
{
	memcpy(h->magic, MW_CTL_MAGIC, 4);
	h->version = MW_REGION_VERSION;
	h->phys = phys;
	h->size = size;
	if (platform)
		strncpy(h->platform, platform, sizeof(h->platform) - 1);
	h->ctl_size = MW_REGION_CTL_SIZE;
}

/* Size @fd, write the control page, map it; used by file and memfd. */
static int init_fd(struct mw_region *r, int fd, const char *platform,
		   uint64_t phys, uint64_t size)
{
	struct mw_ctl_hdr hdr = { 0 };
	struct mw_region_info info = { 0 };

	if (ftruncate(fd, (off_t)(size + MW_REGION_CTL_SIZE)))
		return mw_errno("sizing region to %llu bytes",
				(unsigned long long)(size + MW_REGION_CTL_SIZE));
	fill_ctl(&hdr, platform, phys, size);
	if (pwrite(fd, &hdr, sizeof(hdr), (off_t)size) != (ssize_t)sizeof(hdr))
		return mw_errno("writing the control page");
	info.version = MW_REGION_VERSION;
	info.phys = phys;
	info.size = size;
	memcpy(info.platform, hdr.platform, sizeof(info.platform));
	return map_region(r, fd, &info, 0);
}

int mw_region_create(const char *path, const char *platform, uint64_t phys,
		     uint64_t size, unsigned flags, struct mw_region **out)
{
	const struct mw_platform *plat;
	struct mw_region *r;
	char *tmp;
	int fd, ret;

	mw_clear_error();
	ret = check_geometry(platform, phys, size, &plat);
	if (ret)
		return ret;
	r = region_alloc(MW_REGION_FILE, path);
	if (!r)
		return mw_err(-ENOMEM, "out of memory");
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto free_region;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = mw_errno("creating %s", path);
		goto free_tmp;
	}
	ret = init_fd(r, fd, platform, phys, size);
	if (ret) {
		close(fd);
		goto unlink_tmp;
	}
	if (flags & MW_REGION_EXCL) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) {
			ret = mw_errno("creating %s", path);
			goto unlink_tmp;
		}
	} else if (rename(tmp, path)) {
		ret = mw_errno("creating %s", path);
		goto unlink_tmp;
	}
	free(tmp);
	*out = r;
	return 0;

unlink_tmp:
	unlink(tmp);
free_tmp:
	free(tmp);
free_region:
	mw_region_close(r);
	return ret;
}

int mw_region_create_memfd(const char *name, const char *platform,
			   uint64_t phys, uint64_t size, struct mw_region **out)
{
	const struct mw_platform *plat;
	struct mw_region *r;
	int fd, ret;

	mw_clear_error();
	ret = check_geometry(platform, phys, size, &plat);
	if (ret)
		return ret;
	r = region_alloc(MW_REGION_MEMFD, "");
	if (!r)
		return mw_err(-ENOMEM, "out of memory");
	fd = memfd_create(name ? name : "memwire", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		ret = mw_errno("memfd_create");
		goto free_region;
	}
	ret = init_fd(r, fd, platform, phys, size);
	if (ret) {
		close(fd);
		goto free_region;
	}
	/* A peer holding the fd must not be able to shrink it under us. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = mw_errno("sealing the memfd");
		goto free_region;
	}
	*out = r;
	return 0;

free_region:
	mw_region_close(r);
	return ret;
}

int mw_region_ctl_validate(const void *buf, size_t len, uint64_t file_size,
			   struct mw_region_info *info)
{
	struct mw_ctl_hdr h;
	const struct mw_platform *plat;
	const struct mw_resource *res;
	size_t nlen;

	if (len < sizeof(h))
		return mw_err(-EBADMSG, "control page: %zu bytes, need %zu",
			      len, sizeof(h));
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, MW_CTL_MAGIC, 4))
		return mw_err(-EBADMSG,
			      "not a memwire region: magic %02x %02x %02x %02x, "
			      "expected \"MWRG\"",
			      h.magic[0], h.magic[1], h.magic[2], h.magic[3]);
	if (h.version != MW_REGION_VERSION)
		return mw_err(-EBADMSG,
			      "control page: version %u, this memwire reads %u",
			      h.version, MW_REGION_VERSION);
	if (h.ctl_size != MW_REGION_CTL_SIZE)
		return mw_err(-EBADMSG, "control page: ctl_size %u, expected %u",
			      h.ctl_size, MW_REGION_CTL_SIZE);
	if (h.size == 0 || h.size % PAGE || h.size > MW_REGION_MAX)
		return mw_err(-EBADMSG,
			      "control page: size 0x%llx is not a page multiple "
			      "in 0x1000..0x%llx",
			      (unsigned long long)h.size,
			      (unsigned long long)MW_REGION_MAX);
	if (file_size != h.size + MW_REGION_CTL_SIZE)
		return mw_err(-EBADMSG,
			      "control page: size 0x%llx does not match the "
			      "file (0x%llx bytes, expected 0x%llx)",
			      (unsigned long long)h.size,
			      (unsigned long long)file_size,
			      (unsigned long long)(h.size + MW_REGION_CTL_SIZE));
	if (h.phys % PAGE || h.phys + h.size < h.phys)
		return mw_err(-EBADMSG,
			      "control page: phys 0x%llx is not page-aligned or "
			      "overflows with size 0x%llx",
			      (unsigned long long)h.phys,
			      (unsigned long long)h.size);
	nlen = strnlen(h.platform, sizeof(h.platform));
	if (nlen == sizeof(h.platform))
		return mw_err(-EBADMSG,
			      "control page: platform name is not terminated");
	if (nlen) {
		if (mw_platform_get(h.platform, &plat))
			return mw_err(-EBADMSG,
				      "control page: unknown platform '%s'",
				      h.platform);
		if (mw_platform_resource(plat, h.phys, h.size, &res) ||
		    res->kind != MW_RES_MEMORY)
			return mw_err(-EBADMSG,
				      "control page: 0x%llx+0x%llx is not "
				      "inside a memory resource of %s",
				      (unsigned long long)h.phys,
				      (unsigned long long)h.size, h.platform);
	}
	if (info) {
		info->version = h.version;
		info->phys = h.phys;
		info->size = h.size;
		memcpy(info->platform, h.platform, sizeof(info->platform));
	}
	return 0;
}

static int attach_fd(int fd, unsigned flags, enum mw_region_kind kind,
		     const char *path, struct mw_region **out)
{
	uint8_t page[MW_REGION_CTL_SIZE];
	struct mw_region_info info;
	struct mw_region *r;
	struct stat st;
	ssize_t n;
	int ret;

	if (fstat(fd, &st))
		return mw_errno("%s", path);
	if (!S_ISREG(st.st_mode))
		return mw_err(-EINVAL, "%s is not a regular file", path);
	if ((uint64_t)st.st_size < MW_REGION_CTL_SIZE + PAGE)
		return mw_err(-EBADMSG,
			      "%s: %lld bytes is too short for a memwire region "
			      "(at least %u)",
			      path, (long long)st.st_size,
			      MW_REGION_CTL_SIZE + PAGE);
	/* Copy before validating: the page may change under us. */
	n = pread(fd, page, sizeof(page),
		  (off_t)(st.st_size - MW_REGION_CTL_SIZE));
	if (n < 0)
		return mw_errno("reading %s", path);
	ret = mw_region_ctl_validate(page, (size_t)n, (uint64_t)st.st_size,
				     &info);
	if (ret)
		return mw_err(ret, "%s: %s", path, mw_last_error());
	r = region_alloc(kind, path);
	if (!r)
		return mw_err(-ENOMEM, "out of memory");
	ret = map_region(r, fd, &info, flags);
	if (ret) {
		r->fd = -1; /* the caller owns fd on failure */
		mw_region_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int mw_region_attach(const char *path, unsigned flags, struct mw_region **out)
{
	int fd, ret;

	mw_clear_error();
	fd = open(path, (flags & MW_REGION_RDONLY ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("%s", path);
	ret = attach_fd(fd, flags, MW_REGION_FILE, path, out);
	if (ret)
		close(fd);
	return ret;
}

int mw_region_attach_fd(int fd, unsigned flags, struct mw_region **out)
{
	int dfd, ret;

	mw_clear_error();
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return mw_errno("dup of fd %d", fd);
	/* Seal a memfd against resizing if its creator did not (best effort:
	 * plain files and already sealed memfds refuse, which is fine). */
	(void)fcntl(dfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	ret = attach_fd(dfd, flags, MW_REGION_MEMFD, "", out);
	if (ret)
		close(dfd);
	return ret;
}

int mw_region_open_dump(const char *path, uint64_t phys,
			struct mw_region **out)
{
	struct mw_region *r;
	struct stat st;
	int fd, ret;

	mw_clear_error();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("%s", path);
	if (fstat(fd, &st)) {
		ret = mw_errno("%s", path);
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = mw_err(-EINVAL, "%s is not a regular file", path);
		goto close_fd;
	}
	if (st.st_size == 0) {
		ret = mw_err(-EINVAL, "%s is empty", path);
		goto close_fd;
	}
	if ((uint64_t)st.st_size > MW_REGION_MAX ||
	    phys + (uint64_t)st.st_size < phys) {
		ret = mw_err(-EINVAL, "%s: %lld bytes at phys 0x%llx overflows",
			     path, (long long)st.st_size,
			     (unsigned long long)phys);
		goto close_fd;
	}
	r = region_alloc(MW_REGION_DUMP, path);
	if (!r) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto close_fd;
	}
	r->map_len = (size_t)st.st_size;
	r->map = mmap(NULL, r->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		ret = mw_errno("mmap of %s", path);
		mw_region_close(r);
		goto close_fd;
	}
	close(fd);
	r->data = r->map;
	r->phys = phys;
	r->size = (uint64_t)st.st_size;
	*out = r;
	return 0;

close_fd:
	close(fd);
	return ret;
}

int mw_region_open_devmem(const char *path, uint64_t phys, uint64_t size,
			  unsigned flags, struct mw_region **out)
{
	bool write = flags & MW_REGION_WRITE;
	uint64_t delta = phys % PAGE;
	struct mw_region *r;
	int fd, ret;

	mw_clear_error();
	if (!path)
		path = "/dev/mem";
	if (size == 0 || size > MW_REGION_MAX || phys + size < phys)
		return mw_err(-EINVAL, "bad /dev/mem window 0x%llx+0x%llx",
			      (unsigned long long)phys,
			      (unsigned long long)size);
	fd = open(path, (write ? O_RDWR | O_SYNC : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("%s", path);
	r = region_alloc(MW_REGION_DEVMEM, path);
	if (!r) {
		close(fd);
		return mw_err(-ENOMEM, "out of memory");
	}
	r->map_len = (size_t)((delta + size + PAGE - 1) / PAGE * PAGE);
	r->map = mmap(NULL, r->map_len, PROT_READ | (write ? PROT_WRITE : 0),
		      MAP_SHARED, fd, (off_t)(phys - delta));
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		ret = mw_errno("mmap of %s at 0x%llx", path,
			       (unsigned long long)(phys - delta));
		close(fd);
		mw_region_close(r);
		return ret;
	}
	r->fd = fd;
	r->data = r->map + delta;
	r->phys = phys;
	r->size = size;
	r->writable = write;
	*out = r;
	return 0;
}

int mw_region_send_fd(const struct mw_region *r, int sock)
{
	struct mw_fd_msg m = { .magic = "MWFD", .version = MW_REGION_VERSION };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;

	mw_clear_error();
	if (r->fd < 0 || !r->ctl)
		return mw_err(-EINVAL, "only file and memfd regions can be sent");
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &r->fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return mw_errno("sending the region fd");
	return 0;
}

int mw_region_recv_fd(int sock, unsigned flags, struct mw_region **out)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct mw_fd_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	int fd = -1, ret;
	ssize_t n;

	mw_clear_error();
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return mw_errno("receiving a region fd");
	/* Take every fd we were given, keep the first, close the rest. */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t i, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = f;
			else
				close(f);
		}
	}
	if (n == 0)
		ret = mw_err(-ECONNRESET, "peer closed before sending a region");
	else if (n != (ssize_t)sizeof(m) || memcmp(m.magic, "MWFD", 4))
		ret = mw_err(-EBADMSG, "region message: %zd bytes, bad header", n);
	else if (m.version != MW_REGION_VERSION)
		ret = mw_err(-EBADMSG, "region message: version %u, expected %u",
			     m.version, MW_REGION_VERSION);
	else if (msg.msg_flags & MSG_CTRUNC)
		ret = mw_err(-EBADMSG, "region message: control data truncated");
	else if (fd < 0)
		ret = mw_err(-EBADMSG, "region message carries no fd");
	else
		ret = mw_region_attach_fd(fd, flags, out);
	if (fd >= 0)
		close(fd);
	return ret;
}

uint64_t mw_region_phys(const struct mw_region *r)
{
	return r->phys;
}

uint64_t mw_region_size(const struct mw_region *r)
{
	return r->size;
}

bool mw_region_writable(const struct mw_region *r)
{
	return r->writable;
}

enum mw_region_kind mw_region_kind(const struct mw_region *r)
{
	return r->kind;
}

const char *mw_region_kind_name(enum mw_region_kind kind)
{
	switch (kind) {
	case MW_REGION_FILE:
		return "file";
	case MW_REGION_MEMFD:
		return "memfd";
	case MW_REGION_DUMP:
		return "dump";
	case MW_REGION_DEVMEM:
		return "devmem";
	}
	return "?";
}

const struct mw_platform *mw_region_platform(const struct mw_region *r)
{
	return r->plat;
}

const char *mw_region_path(const struct mw_region *r)
{
	return r->path;
}

int mw_region_fd(const struct mw_region *r)
{
	return r->fd;
}

int mw_region_ptr(const struct mw_region *r, uint64_t phys, uint64_t len,
		  void **out)
{
	uint64_t off;

	if (phys < r->phys || (off = phys - r->phys) >= r->size ||
	    len > r->size - off)
		return mw_err(-EFAULT,
			      "phys 0x%llx + 0x%llx is outside the region "
			      "0x%llx..0x%llx",
			      (unsigned long long)phys, (unsigned long long)len,
			      (unsigned long long)r->phys,
			      (unsigned long long)(r->phys + r->size - 1));
	*out = r->data + off;
	return 0;
}

int mw_region_phys_of(const struct mw_region *r, const void *p, uint64_t len,
		      uint64_t *phys)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)r->data;
	uint64_t off;

	if (a < base || (off = a - base) >= r->size || len > r->size - off)
		return mw_err(-EFAULT, "pointer %p + 0x%llx is outside the region",
			      p, (unsigned long long)len);
	*phys = r->phys + off;
	return 0;
}

int mw_region_read(const struct mw_region *r, uint64_t phys, void *buf,
		   uint64_t len)
{
	void *p;
	int ret = mw_region_ptr(r, phys, len, &p);

	if (ret)
		return ret;
	memcpy(buf, p, len);
	return 0;
}

int mw_region_write(struct mw_region *r, uint64_t phys, const void *buf,
		    uint64_t len)
{
	void *p;
	int ret;

	if (!r->writable)
		return mw_err(-EROFS, "region %s is read-only", r->path);
	ret = mw_region_ptr(r, phys, len, &p);
	if (ret)
		return ret;
	memcpy(p, buf, len);
	return 0;
}

int mw_default_region_path(const char *name, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[PATH_MAX];
	struct stat st;
	int n;

	mw_clear_error();
	if (xdg && xdg[0])
		n = snprintf(dir, sizeof(dir), "%s/memwire", xdg);
	else
		n = snprintf(dir, sizeof(dir), "/dev/shm/memwire-%u",
			     (unsigned)getuid());
	if (n < 0 || (size_t)n >= sizeof(dir))
		return mw_err(-ENAMETOOLONG, "run directory path is too long");
	if (mkdir(dir, 0700) && errno != EEXIST)
		return mw_errno("creating %s", dir);
	if (lstat(dir, &st))
		return mw_errno("%s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return mw_err(-EPERM, "%s is not a directory owned by uid %u",
			      dir, (unsigned)getuid());
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return mw_err(-ENAMETOOLONG, "region path is too long");
	return 0;
}
