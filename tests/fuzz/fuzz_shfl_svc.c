/* SPDX-License-Identifier: MIT */
/*
 * fuzz_shfl_svc.c - libFuzzer target for the VBoxSharedFolders call
 * dispatcher (shfl_svc_dispatch): hostile function numbers, parameter
 * counts, types, strings, structures and handles, run against real
 * shares in a temporary directory.
 *
 * Input: one flags byte (bit 0: start with SET_UTF8 and MAP_FOLDER of
 * both shares, as every real guest does), then calls until the input
 * ends, each
 *   u8 function, u8 cparms (at most 12), then per parameter
 *   u8 type (& 3): 1 -> u32, 2 -> u64, 3 -> u16 size + that many bytes
 *   (short inputs are zero-filled), 0 -> an invalid parameter.
 * Shares: "rw" (symlinks any) and "ro" (read-only, symlinks subtree),
 * each holding "a", "d/b" and a link "out" -> "/".  Every input gets a new
 * client, disconnected at the end, which closes the handles it left open.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memwire/shfl.h"
#include "shfl/service_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARMS 12

static struct shfl_svc *svc;
static char base[] = "/tmp/memwire-fuzz-shfl.XXXXXX";

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	shfl_svc_free(svc);
	svc = NULL;
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void populate(const char *dir)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/a", dir);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, "hello shared folders\n", 21) < 0)
			abort();
		close(fd);
	}
	snprintf(p, sizeof(p), "%s/d", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/d/b", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof(p), "%s/out", dir);
	if (symlink("/", p) < 0) {
		/* already there */
	}
}

static struct shfl_svc *setup(void)
{
	static char rw[600], ro[600];
	struct shfl_share shares[2];
	int err;

	if (!mkdtemp(base))
		abort();
	atexit(cleanup);
	snprintf(rw, sizeof(rw), "%s/rw", base);
	snprintf(ro, sizeof(ro), "%s/ro", base);
	if (mkdir(rw, 0755) || mkdir(ro, 0755))
		abort();
	populate(rw);
	populate(ro);
	shares[0] = (struct shfl_share){ "rw", rw, false, SHFL_SYMLINKS_ANY };
	shares[1] = (struct shfl_share){ "ro", ro, true,
					 SHFL_SYMLINKS_SUBTREE };
	return shfl_svc_new(shares, 2, &err);
}

/* A UTF-8 SHFLSTRING parameter over @buf. */
static void str_parm(struct hgcm_svc_parm *p, uint8_t *buf, const char *s)
{
	uint16_t len = (uint16_t)strlen(s), size = (uint16_t)(len + 1);

	memcpy(buf, &size, 2);
	memcpy(buf + 2, &len, 2);
	memcpy(buf + 4, s, size);
	p->type = HGCM_SVC_PARM_PTR;
	p->u.ptr.size = 4u + size;
	p->u.ptr.addr = buf;
}

static void map_both(void *client)
{
	static const char *const names[] = { "rw", "ro" };
	struct hgcm_svc_parm p[4];
	uint8_t buf[16];

	shfl_svc_dispatch(svc, NULL, 1, client, SHFL_FN_SET_UTF8, 0, NULL);
	for (int i = 0; i < 2; i++) {
		str_parm(&p[0], buf, names[i]);
		p[1] = (struct hgcm_svc_parm){ .type = HGCM_SVC_PARM_32BIT };
		p[2] = (struct hgcm_svc_parm){ .type = HGCM_SVC_PARM_32BIT,
					       .u.u32 = '/' };
		p[3] = (struct hgcm_svc_parm){ .type = HGCM_SVC_PARM_32BIT,
					       .u.u32 = 1 };
		if (shfl_svc_dispatch(svc, NULL, 1, client, SHFL_FN_MAP_FOLDER,
				      4, p) != VINF_SUCCESS ||
		    p[1].u.u32 != (uint32_t)i)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hgcm_svc_parm parms[MAX_PARMS];
	uint8_t *bufs[MAX_PARMS];
	size_t off = 1;
	void *client;

	if (!svc)
		svc = setup();
	if (!svc || size < 1)
		return 0;
	client = calloc(1, shfl_svc_client_size());
	if (!client || shfl_svc_connect(svc, 1, client) != VINF_SUCCESS)
		abort();
	if (data[0] & 1)
		map_both(client);
	while (off + 2 <= size) {
		uint32_t fn = data[off], n = data[off + 1] % (MAX_PARMS + 1);
		uint32_t sizes[MAX_PARMS];
		int rc;

		off += 2;
		memset(parms, 0, sizeof(parms));
		memset(bufs, 0, sizeof(bufs));
		for (uint32_t i = 0; i < n; i++) {
			uint8_t t = off < size ? data[off++] & 3 : 0;
			uint64_t v = 0;
			uint16_t len = 0;

			parms[i].type = t;
			if (t == HGCM_SVC_PARM_32BIT || t == HGCM_SVC_PARM_64BIT) {
				size_t k = t == 1 ? 4 : 8;

				if (off + k <= size)
					memcpy(&v, data + off, k);
				off += k;
				if (t == 1)
					parms[i].u.u32 = (uint32_t)v;
				else
					parms[i].u.u64 = v;
			} else if (t == HGCM_SVC_PARM_PTR) {
				if (off + 2 <= size)
					memcpy(&len, data + off, 2);
				off += 2;
				len %= 4097;
				/* exactly @len bytes, so ASan sees overreads */
				bufs[i] = calloc(1, len ? len : 1);
				if (!bufs[i])
					abort();
				if (off < size)
					memcpy(bufs[i], data + off,
					       size - off < len ? size - off :
								  len);
				off += len;
				parms[i].u.ptr.size = len;
				parms[i].u.ptr.addr = len ? bufs[i] : NULL;
			}
			sizes[i] = parms[i].u.ptr.size;
		}
		rc = shfl_svc_dispatch(svc, NULL, 1, client, fn, n, parms);
		/* what the service promises about its outputs */
		if (rc == VINF_HGCM_ASYNC_EXECUTE)
			abort(); /* never parks without a call */
		if (fn == SHFL_FN_READ && n == 5 && rc >= 0 &&
		    parms[4].type == HGCM_SVC_PARM_PTR &&
		    parms[3].u.u32 > sizes[4])
			abort();
		if (fn == SHFL_FN_LIST && n == 8 && rc >= 0 &&
		    parms[5].type == HGCM_SVC_PARM_PTR &&
		    parms[3].u.u32 > sizes[5])
			abort();
		for (uint32_t i = 0; i < n; i++)
			free(bufs[i]);
	}
	shfl_svc_disconnect(svc, 1, client);
	free(client);
	return 0;
}
