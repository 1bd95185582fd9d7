/* SPDX-License-Identifier: MIT */
/*
 * req.c - VMMDev request validation, shared by the host and the decoder.
 *
 * The host runs mwh_parse() on its own copy of a request, never on guest
 * memory, so what is checked is what is used.  The order of the checks and
 * the status codes follow VirtualBox 7's vmmdevRequestHandler and
 * vmmdevR3HgcmCall* (hgcm_shfl.md 1.1, 1.5-1.7); where VirtualBox is
 * silent or weak, docs/hgcm.md says what memwire does instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/core_i.h"
#include "hgcm/hgcm_i.h"

const char *hgcm_status_name(int rc)
{
	static __thread char buf[24];

	switch (rc) {
	case VINF_SUCCESS: return "VINF_SUCCESS";
	case VERR_GENERAL_FAILURE: return "VERR_GENERAL_FAILURE";
	case VERR_INVALID_PARAMETER: return "VERR_INVALID_PARAMETER";
	case VERR_INVALID_HANDLE: return "VERR_INVALID_HANDLE";
	case VERR_INVALID_POINTER: return "VERR_INVALID_POINTER";
	case VERR_NO_MEMORY: return "VERR_NO_MEMORY";
	case VERR_VERSION_MISMATCH: return "VERR_VERSION_MISMATCH";
	case VERR_NOT_IMPLEMENTED: return "VERR_NOT_IMPLEMENTED";
	case VERR_INVALID_FLAGS: return "VERR_INVALID_FLAGS";
	case VERR_NOT_SYMLINK: return "VERR_NOT_SYMLINK";
	case VERR_NOT_SUPPORTED: return "VERR_NOT_SUPPORTED";
	case VERR_ACCESS_DENIED: return "VERR_ACCESS_DENIED";
	case VERR_INTERRUPTED: return "VERR_INTERRUPTED";
	case VERR_TIMEOUT: return "VERR_TIMEOUT";
	case VERR_BUFFER_OVERFLOW: return "VERR_BUFFER_OVERFLOW";
	case VINF_BUFFER_OVERFLOW: return "VINF_BUFFER_OVERFLOW";
	case VERR_TOO_MUCH_DATA: return "VERR_TOO_MUCH_DATA";
	case VERR_TRY_AGAIN: return "VERR_TRY_AGAIN";
	case VINF_TRY_AGAIN: return "VINF_TRY_AGAIN";
	case VERR_OUT_OF_RANGE: return "VERR_OUT_OF_RANGE";
	case VERR_NO_TRANSLATION: return "VERR_NO_TRANSLATION";
	case VERR_INVALID_UTF8_ENCODING: return "VERR_INVALID_UTF8_ENCODING";
	case VERR_CANCELLED: return "VERR_CANCELLED";
	case VERR_NOT_FOUND: return "VERR_NOT_FOUND";
	case VERR_INVALID_STATE: return "VERR_INVALID_STATE";
	case VERR_OUT_OF_RESOURCES: return "VERR_OUT_OF_RESOURCES";
	case VERR_FILE_NOT_FOUND: return "VERR_FILE_NOT_FOUND";
	case VERR_PATH_NOT_FOUND: return "VERR_PATH_NOT_FOUND";
	case VERR_INVALID_NAME: return "VERR_INVALID_NAME";
	case VERR_ALREADY_EXISTS: return "VERR_ALREADY_EXISTS";
	case VERR_TOO_MANY_OPEN_FILES: return "VERR_TOO_MANY_OPEN_FILES";
	case VERR_NEGATIVE_SEEK: return "VERR_NEGATIVE_SEEK";
	case VERR_WRITE_PROTECT: return "VERR_WRITE_PROTECT";
	case VERR_SHARING_VIOLATION: return "VERR_SHARING_VIOLATION";
	case VERR_FILE_LOCK_FAILED: return "VERR_FILE_LOCK_FAILED";
	case VERR_FILE_LOCK_VIOLATION: return "VERR_FILE_LOCK_VIOLATION";
	case VERR_NOT_SAME_DEVICE: return "VERR_NOT_SAME_DEVICE";
	case VERR_FILENAME_TOO_LONG: return "VERR_FILENAME_TOO_LONG";
	case VERR_DIR_NOT_EMPTY: return "VERR_DIR_NOT_EMPTY";
	case VERR_NOT_A_DIRECTORY: return "VERR_NOT_A_DIRECTORY";
	case VERR_IS_A_DIRECTORY: return "VERR_IS_A_DIRECTORY";
	case VERR_FILE_TOO_BIG: return "VERR_FILE_TOO_BIG";
	case VERR_NOT_A_FILE: return "VERR_NOT_A_FILE";
	case VERR_STALE_FILE_HANDLE: return "VERR_STALE_FILE_HANDLE";
	case VERR_DISK_FULL: return "VERR_DISK_FULL";
	case VERR_TOO_MANY_SYMLINKS: return "VERR_TOO_MANY_SYMLINKS";
	case VERR_NO_MORE_FILES: return "VERR_NO_MORE_FILES";
	case VWRN_NO_DIRENT_INFO: return "VWRN_NO_DIRENT_INFO";
	case VERR_INTERNAL_ERROR: return "VERR_INTERNAL_ERROR";
	case VERR_DEV_IO_ERROR: return "VERR_DEV_IO_ERROR";
	case VERR_NO_DATA: return "VERR_NO_DATA";
	case VERR_TOO_MANY_OPENS: return "VERR_TOO_MANY_OPENS";
	case VERR_SEM_DESTROYED: return "VERR_SEM_DESTROYED";
	case VERR_HGCM_SERVICE_NOT_FOUND: return "VERR_HGCM_SERVICE_NOT_FOUND";
	case VINF_HGCM_ASYNC_EXECUTE: return "VINF_HGCM_ASYNC_EXECUTE";
	case VERR_HGCM_INVALID_CLIENT_ID: return "VERR_HGCM_INVALID_CLIENT_ID";
	case VERR_HGCM_TOO_MANY_CLIENTS: return "VERR_HGCM_TOO_MANY_CLIENTS";
	case VERR_HGCM_TOO_MANY_CLIENT_CALLS: return "VERR_HGCM_TOO_MANY_CLIENT_CALLS";
	case VERR_WRONG_PARAMETER_COUNT: return "VERR_WRONG_PARAMETER_COUNT";
	case VERR_WRONG_PARAMETER_TYPE: return "VERR_WRONG_PARAMETER_TYPE";
	case VERR_INCOMPATIBLE_CONFIG: return "VERR_INCOMPATIBLE_CONFIG";
	case VERR_UNRESOLVED_ERROR: return "VERR_UNRESOLVED_ERROR";
	}
	snprintf(buf, sizeof(buf), "%s_%d", rc < 0 ? "VERR" : "VINF", rc);
	return buf;
}

const char *hgcm_req_type_name(uint32_t type)
{
	switch (type) {
	case VMMDEVREQ_GET_HOST_VERSION: return "GetHostVersion";
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS: return "AcknowledgeEvents";
	case VMMDEVREQ_CTL_GUEST_FILTER_MASK: return "CtlGuestFilterMask";
	case VMMDEVREQ_REPORT_GUEST_INFO: return "ReportGuestInfo";
	case VMMDEVREQ_REPORT_GUEST_INFO2: return "ReportGuestInfo2";
	case VMMDEVREQ_REPORT_GUEST_STATUS: return "ReportGuestStatus";
	case VMMDEVREQ_HGCM_CONNECT: return "HGCMConnect";
	case VMMDEVREQ_HGCM_DISCONNECT: return "HGCMDisconnect";
	case VMMDEVREQ_HGCM_CALL32: return "HGCMCall32";
	case VMMDEVREQ_HGCM_CALL64: return "HGCMCall64";
	case VMMDEVREQ_HGCM_CANCEL: return "HGCMCancel";
	case VMMDEVREQ_HGCM_CANCEL2: return "HGCMCancel2";
	case VMMDEVREQ_WRITE_CORE_DUMP: return "WriteCoreDump";
	}
	return NULL;
}

const char *hgcm_parm_type_name(uint32_t type)
{
	static const char *const names[] = {
		"Invalid", "32bit", "64bit", "PhysAddr", "LinAddr",
		"LinAddr_In", "LinAddr_Out", "LinAddr_Locked",
		"LinAddr_Locked_In", "LinAddr_Locked_Out", "PageList",
		"Embedded", "ContiguousPageList", "NoBouncePageList",
	};

	return type < MW_ARRAY_SIZE(names) ? names[type] : NULL;
}

static int bad(char *err, size_t len, int rc, const char *fmt, ...)
	MW_PRINTF(4, 5);

static int bad(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Smallest size of each request type; 0 = unknown type. */
static uint32_t min_size(uint32_t type)
{
	switch (type) {
	case VMMDEVREQ_GET_HOST_VERSION: return sizeof(struct vmmdev_host_version_req);
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS: return sizeof(struct vmmdev_events_req);
	case VMMDEVREQ_CTL_GUEST_FILTER_MASK: return sizeof(struct vmmdev_filter_req);
	case VMMDEVREQ_REPORT_GUEST_INFO: return sizeof(struct vmmdev_guest_info_req);
	case VMMDEVREQ_REPORT_GUEST_INFO2: return 24 + 144;
	case VMMDEVREQ_REPORT_GUEST_STATUS: return 24 + 12;
	case VMMDEVREQ_HGCM_CONNECT: return sizeof(struct hgcm_connect_req);
	case VMMDEVREQ_HGCM_DISCONNECT: return sizeof(struct hgcm_disconnect_req);
	case VMMDEVREQ_HGCM_CALL32:
	case VMMDEVREQ_HGCM_CALL64: return sizeof(struct hgcm_call_req);
	case VMMDEVREQ_HGCM_CANCEL: return sizeof(struct hgcm_hdr);
	case VMMDEVREQ_HGCM_CANCEL2: return sizeof(struct hgcm_cancel2_req);
	case VMMDEVREQ_WRITE_CORE_DUMP: return 24 + 4;
	}
	return 0;
}

/* A guest page address usable for a buffer. */
static int check_page(uint64_t page, uint64_t ram_size, unsigned i,
		      unsigned p, char *err, size_t errlen)
{
	if (page & HGCM_PAGE_MASK)
		return bad(err, errlen, VERR_INVALID_POINTER,
			   "parameter %u: page %u address 0x%llx is not "
			   "page-aligned", p, i, (unsigned long long)page);
	if (!ram_size)
		return VINF_SUCCESS;
	if (page == 0)
		return bad(err, errlen, VERR_INVALID_POINTER,
			   "parameter %u: page %u is the VMMDev page 0", p, i);
	if (page >= ram_size || ram_size - page < HGCM_PAGE_SIZE)
		return bad(err, errlen, VERR_INVALID_POINTER,
			   "parameter %u: page %u address 0x%llx is outside "
			   "guest RAM (0x%llx bytes)", p, i,
			   (unsigned long long)page,
			   (unsigned long long)ram_size);
	return VINF_SUCCESS;
}

static int parse_pagelist(const uint8_t *buf, struct mwh_req *r,
			  struct mwh_parm *pm, unsigned p, uint64_t ram_size,
			  char *err, size_t errlen)
{
	uint32_t off = pm->off, maxpages, need, i;
	const uint8_t *pl;
	int rc;

	if (pm->size > VMMDEV_MAX_HGCM_DATA_SIZE)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: size %u exceeds the 128 MiB limit",
			   p, pm->size);
	if (off < r->off_extra || off > r->size - HGCM_PAGELIST_MIN)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: page list offset %u outside [%u, %u]",
			   p, off, r->off_extra, r->size - HGCM_PAGELIST_MIN);
	pl = buf + off;
	pm->dir = mwh_ld32(pl);
	pm->off_first = (uint16_t)(pl[4] | pl[5] << 8);
	pm->cpages = (uint16_t)(pl[6] | pl[7] << 8);
	pm->pages_off = off + 8;
	if (pm->dir == HGCM_DIR_NONE || (pm->dir & ~HGCM_DIR_BOTH))
		return bad(err, errlen, VERR_INVALID_FLAGS,
			   "parameter %u: page list flags 0x%x are not a "
			   "direction", p, pm->dir);
	if (pm->off_first >= HGCM_PAGE_SIZE)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: offFirstPage %u >= page size", p,
			   pm->off_first);
	maxpages = 1 + (r->size - off - HGCM_PAGELIST_MIN) / 8;
	if (pm->cpages < 1 || pm->cpages > maxpages)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: cPages %u outside [1, %u]", p,
			   pm->cpages, maxpages);
	need = (uint32_t)(((uint64_t)pm->off_first + pm->size +
			   HGCM_PAGE_MASK) / HGCM_PAGE_SIZE);
	if (pm->type == HGCM_PARM_CONTIGUOUS_PAGELIST && pm->cpages != 1)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: ContiguousPageList with %u pages", p,
			   pm->cpages);
	if (pm->type == HGCM_PARM_NO_BOUNCE_PAGELIST &&
	    pm->cpages != (need ? need : 1))
		return bad(err, errlen, VERR_INVALID_POINTER,
			   "parameter %u: NoBouncePageList has %u pages for "
			   "%u bytes at offset %u (needs %u)", p, pm->cpages,
			   pm->size, pm->off_first, need);
	/* memwire is stricter than VirtualBox: the data fits in the pages */
	if (pm->type != HGCM_PARM_CONTIGUOUS_PAGELIST && need > pm->cpages)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "parameter %u: %u bytes at offset %u do not fit in "
			   "%u pages", p, pm->size, pm->off_first, pm->cpages);
	if (pm->type == HGCM_PARM_CONTIGUOUS_PAGELIST) {
		uint64_t first = mwh_ld64(buf + pm->pages_off);
		uint64_t end = first + pm->off_first + (uint64_t)pm->size;

		if ((rc = check_page(first, ram_size, 0, p, err, errlen)))
			return rc;
		if (ram_size && end > ram_size)
			return bad(err, errlen, VERR_INVALID_POINTER,
				   "parameter %u: contiguous buffer 0x%llx+%u "
				   "runs past guest RAM", p,
				   (unsigned long long)first, pm->size);
		return VINF_SUCCESS;
	}
	for (i = 0; i < pm->cpages; i++) {
		rc = check_page(mwh_ld64(buf + pm->pages_off + 8 * i), ram_size,
				i, p, err, errlen);
		if (rc)
			return rc;
	}
	return VINF_SUCCESS;
}

static int parse_call(const uint8_t *buf, struct mwh_req *r, uint64_t ram_size,
		      char *err, size_t errlen)
{
	unsigned p;
	int rc;

	r->client_id = mwh_ld32(buf + 32);
	r->function = mwh_ld32(buf + 36);
	r->cparms = mwh_ld32(buf + 40);
	r->parm_size = r->type == VMMDEVREQ_HGCM_CALL32 ? HGCM_PARM32_SIZE
							: HGCM_PARM64_SIZE;
	/* VBoxGuest's sanity bound first, so no arithmetic can overflow */
	if (r->cparms > VMMDEV_GUEST_PARMS_SANE)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "cParms %u is not sane (> %u)", r->cparms,
			   VMMDEV_GUEST_PARMS_SANE);
	if (r->cparms > VMMDEV_MAX_HGCM_PARMS)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "cParms %u exceeds %u", r->cparms,
			   VMMDEV_MAX_HGCM_PARMS);
	if (r->cparms > (r->size - 44) / r->parm_size)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "cParms %u does not fit in a %u-byte request", r->cparms,
			   r->size);
	r->off_extra = 44 + r->cparms * r->parm_size;
	for (p = 0; p < r->cparms; p++) {
		const uint8_t *q = buf + 44 + p * r->parm_size;
		struct mwh_parm *pm = &r->parms[p];
		uint32_t fo;

		memset(pm, 0, sizeof(*pm));
		pm->type = mwh_ld32(q + HGCM_PARM_OFF_TYPE);
		switch (pm->type) {
		case HGCM_PARM_32BIT:
			pm->value = mwh_ld32(q + HGCM_PARM_OFF_VALUE);
			break;
		case HGCM_PARM_64BIT:
			pm->value = mwh_ld64(q + HGCM_PARM_OFF_VALUE);
			break;
		case HGCM_PARM_PAGELIST:
		case HGCM_PARM_CONTIGUOUS_PAGELIST:
		case HGCM_PARM_NO_BOUNCE_PAGELIST:
			pm->size = mwh_ld32(q + HGCM_PARM_OFF_VALUE);
			pm->off = mwh_ld32(q + HGCM_PARM_OFF_ADDR);
			rc = parse_pagelist(buf, r, pm, p, ram_size, err, errlen);
			if (rc)
				return rc;
			r->total_bytes += pm->size;
			break;
		case HGCM_PARM_EMBEDDED:
			fo = mwh_ld32(q + HGCM_PARM_OFF_VALUE);
			pm->dir = fo & 0xff;
			pm->off = fo >> 8;
			pm->size = mwh_ld32(q + HGCM_PARM_OFF_ADDR);
			if (pm->dir == HGCM_DIR_NONE || (pm->dir & ~HGCM_DIR_BOTH))
				return bad(err, errlen, VERR_INVALID_FLAGS,
					   "parameter %u: embedded flags 0x%x "
					   "are not a direction", p, pm->dir);
			if (pm->off < r->off_extra || pm->off > r->size ||
			    pm->size > r->size - pm->off)
				return bad(err, errlen, VERR_INVALID_PARAMETER,
					   "parameter %u: embedded data %u+%u "
					   "outside [%u, %u]", p, pm->off,
					   pm->size, r->off_extra, r->size);
			r->total_bytes += pm->size;
			break;
		case HGCM_PARM_PHYSADDR:
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "parameter %u: PhysAddr is deprecated and "
				   "refused", p);
		case HGCM_PARM_LINADDR:
		case HGCM_PARM_LINADDR_IN:
		case HGCM_PARM_LINADDR_OUT:
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "parameter %u: %s: the host cannot walk "
				   "guest page tables; use a page list", p,
				   hgcm_parm_type_name(pm->type));
		case HGCM_PARM_LINADDR_LOCKED:
		case HGCM_PARM_LINADDR_LOCKED_IN:
		case HGCM_PARM_LINADDR_LOCKED_OUT:
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "parameter %u: %s is guest-driver internal",
				   p, hgcm_parm_type_name(pm->type));
		default:
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "parameter %u: type %u is invalid", p,
				   pm->type);
		}
	}
	if (r->total_bytes > VMMDEV_MAX_HGCM_DATA_SIZE)
		return bad(err, errlen, VERR_NO_MEMORY,
			   "buffers total %llu bytes, over the 128 MiB per call",
			   (unsigned long long)r->total_bytes);
	return VINF_SUCCESS;
}

int mwh_parse(const uint8_t *buf, size_t len, uint64_t ram_size,
	      struct mwh_req *r, char *err, size_t errlen)
{
	uint32_t need;

	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	if (len < sizeof(struct vmmdev_hdr))
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "truncated: %zu bytes, a header has 24", len);
	r->size = mwh_ld32(buf);
	r->version = mwh_ld32(buf + 4);
	r->type = mwh_ld32(buf + 8);
	r->rc = (int32_t)mwh_ld32(buf + 12);
	r->requestor = mwh_ld32(buf + 20);
	if (r->size < sizeof(struct vmmdev_hdr))
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "size %u is smaller than the 24-byte header", r->size);
	if (r->version != VMMDEV_REQUEST_HEADER_VERSION)
		return bad(err, errlen, VERR_VERSION_MISMATCH,
			   "version 0x%x, expected 0x10001", r->version);
	if (r->size > VMMDEV_MAX_VMMDEVREQ_SIZE)
		return bad(err, errlen, VERR_NOT_SUPPORTED,
			   "size %u exceeds the 1 MiB request limit", r->size);
	if (len < r->size)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "truncated: size says %u bytes, %zu present",
			   r->size, len);
	need = min_size(r->type);
	if (!need)
		return bad(err, errlen, VERR_NOT_IMPLEMENTED,
			   "request type %u is not implemented", r->type);
	if (r->size < need)
		return bad(err, errlen, VERR_INVALID_PARAMETER,
			   "size %u is too small for %s (%u)", r->size,
			   hgcm_req_type_name(r->type), need);
	if (mwh_is_hgcm(r->type)) {
		r->flags = mwh_ld32(buf + 24);
		r->result = (int32_t)mwh_ld32(buf + 28);
	}
	switch (r->type) {
	case VMMDEVREQ_HGCM_CONNECT:
		r->loc_type = mwh_ld32(buf + 32);
		if (r->loc_type != HGCM_LOC_LOCALHOST &&
		    r->loc_type != HGCM_LOC_LOCALHOST_EXISTING)
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "location type %u is not a host service",
				   r->loc_type);
		if (!memchr(buf + 36, '\0', HGCM_SERVICE_NAME_MAX))
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "service name is not NUL-terminated within "
				   "128 bytes");
		memcpy(r->name, buf + 36, HGCM_SERVICE_NAME_MAX);
		if (!r->name[0])
			return bad(err, errlen, VERR_INVALID_PARAMETER,
				   "service name is empty");
		r->client_id = mwh_ld32(buf + 164);
		break;
	case VMMDEVREQ_HGCM_DISCONNECT:
		r->client_id = mwh_ld32(buf + 32);
		break;
	case VMMDEVREQ_HGCM_CALL32:
	case VMMDEVREQ_HGCM_CALL64:
		return parse_call(buf, r, ram_size, err, errlen);
	case VMMDEVREQ_HGCM_CANCEL2:
		r->u32a = mwh_ld32(buf + 24);
		break;
	case VMMDEVREQ_REPORT_GUEST_INFO:
		r->u32a = mwh_ld32(buf + 24);
		r->u32b = mwh_ld32(buf + 28);
		break;
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS:
		r->u32a = mwh_ld32(buf + 24);
		break;
	case VMMDEVREQ_CTL_GUEST_FILTER_MASK:
		r->u32a = mwh_ld32(buf + 24);
		r->u32b = mwh_ld32(buf + 28);
		break;
	}
	return VINF_SUCCESS;
}

int hgcm_check_request(const void *req, size_t len, uint64_t ram_size,
		       struct hgcm_decoded *out)
{
	struct mwh_req r;

	out->status = mwh_parse(req, len, ram_size, &r, out->error,
				sizeof(out->error));
	return out->status;
}
