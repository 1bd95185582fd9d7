/* SPDX-License-Identifier: MIT */
/*
 * service_i.h - the VBoxSharedFolders service without the HGCM host, for
 * the fuzz target and the tests: the same entry points the HGCM ops call.
 */
#ifndef MEMWIRE_SHFL_SERVICE_I_H
#define MEMWIRE_SHFL_SERVICE_I_H

#include <stddef.h>
#include <stdint.h>

#include "memwire/hgcm.h"
#include "memwire/shfl.h"

struct shfl_svc;

/* Per-client limits (docs/shfl.md "limits"). */
#define SHFL_SVC_MAX_HANDLES 1024u	 /* open handles per client */
#define SHFL_SVC_MAX_WAITERS 64u	 /* parked WAIT_FOR_MAPPINGS_CHANGES */
#define SHFL_SVC_MAX_LIST (1u << 20)	 /* bytes of records per LIST */
#define SHFL_SVC_MAX_COPY (64ull << 20) /* bytes per COPY_FILE_PART */

/* A service over @shares (opened now); NULL, *@err and mw_last_error(). */
struct shfl_svc *shfl_svc_new(const struct shfl_share *shares, size_t n,
			      int *err);
void shfl_svc_free(struct shfl_svc *s);
/* Bytes of per-client state (zero-filled by the caller). */
size_t shfl_svc_client_size(void);
int shfl_svc_connect(struct shfl_svc *s, uint32_t id, void *client);
/* Closes every handle of the client; completes its parked calls. */
void shfl_svc_disconnect(struct shfl_svc *s, uint32_t id, void *client);
/*
 * shfl_svc_dispatch() - run one call
 * @call: the HGCM call (NULL: a synchronous caller, the fuzzer); only
 *        WAIT_FOR_MAPPINGS_CHANGES keeps it and then returns
 *        VINF_HGCM_ASYNC_EXECUTE (with @call NULL it answers
 *        VERR_INVALID_STATE instead of waiting)
 *
 * Return: the call's VBox status.  Output values are written to @parms.
 */
int shfl_svc_dispatch(struct shfl_svc *s, struct hgcm_call *call, uint32_t id,
		      void *client, uint32_t fn, uint32_t cparms,
		      struct hgcm_svc_parm *parms);
/* The guest cancelled @call: complete it if it is parked here. */
void shfl_svc_cancelled(struct shfl_svc *s, struct hgcm_call *call);

#endif /* MEMWIRE_SHFL_SERVICE_I_H */
