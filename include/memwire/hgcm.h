/* SPDX-License-Identifier: MIT */
/*
 * memwire/hgcm.h - VirtualBox's guest-to-host call path (VMMDev + HGCM)
 * between real processes.
 *
 * The guest builds VMMDev requests in its "physical memory" (a memfd the
 * host creates and passes over a UNIX socket) and submits one by sending
 * the host the request's 32-bit guest-physical address, nothing else: the
 * `OUT` to the VMMDev request port.  The host copies the request, validates
 * it, dispatches HGCM calls to a service, writes the results back and sets
 * VBOX_HGCM_REQ_DONE; the guest's "interrupt" is a futex wake on the
 * request's flags word plus the VMMDEV_EVENT_HGCM bit in the VMMDev page.
 *
 * Byte layouts and numbers: ../shared/reference/hgcm_shfl.md section 1
 * (VirtualBox 7 include/VBox/VMMDev.h, VMMDevCoreTypes.h, hgcmsvc.h; Linux
 * include/uapi/linux/vbox_vmmdev_types.h, vboxguest.h).  docs/hgcm.md
 * shows the call path as built and the decisions taken where memwire's
 * asynchronous port differs from a synchronous I/O port.
 */
#ifndef MEMWIRE_HGCM_H
#define MEMWIRE_HGCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- constants */

#define VMMDEV_REQUEST_HEADER_VERSION 0x10001u
#define VMMDEV_VERSION 0x00010004u /* ReportGuestInfo interface version */
#define VMMDEV_MAX_VMMDEVREQ_SIZE (1u << 20)
#define VMMDEV_MAX_HGCM_PARMS 32u
#define VMMDEV_MAX_HGCM_DATA_SIZE (128u << 20)
#define VMMDEV_GUEST_PARMS_SANE 4096u /* VBoxGuest's cParms sanity bound */
#define VMMDEV_EVENT_HGCM 0x2u

/* VMMDevRequestType (VMMDev.h) */
enum vmmdev_req_type {
	VMMDEVREQ_GET_HOST_VERSION = 4,
	VMMDEVREQ_ACKNOWLEDGE_EVENTS = 41,
	VMMDEVREQ_CTL_GUEST_FILTER_MASK = 42,
	VMMDEVREQ_REPORT_GUEST_INFO = 50,
	VMMDEVREQ_REPORT_GUEST_INFO2 = 58,
	VMMDEVREQ_REPORT_GUEST_STATUS = 59,
	VMMDEVREQ_HGCM_CONNECT = 60,
	VMMDEVREQ_HGCM_DISCONNECT = 61,
	VMMDEVREQ_HGCM_CALL32 = 62,
	VMMDEVREQ_HGCM_CALL64 = 63,
	VMMDEVREQ_HGCM_CANCEL = 64,
	VMMDEVREQ_HGCM_CANCEL2 = 65,
	VMMDEVREQ_WRITE_CORE_DUMP = 218,
};

#define VBOX_HGCM_REQ_DONE 0x1u
#define VBOX_HGCM_REQ_CANCELLED 0x2u

/* HGCMFunctionParameterType (VMMDevCoreTypes.h) */
enum hgcm_parm_type {
	HGCM_PARM_INVALID = 0,
	HGCM_PARM_32BIT = 1,
	HGCM_PARM_64BIT = 2,
	HGCM_PARM_PHYSADDR = 3,
	HGCM_PARM_LINADDR = 4,
	HGCM_PARM_LINADDR_IN = 5,
	HGCM_PARM_LINADDR_OUT = 6,
	HGCM_PARM_LINADDR_LOCKED = 7,
	HGCM_PARM_LINADDR_LOCKED_IN = 8,
	HGCM_PARM_LINADDR_LOCKED_OUT = 9,
	HGCM_PARM_PAGELIST = 10,
	HGCM_PARM_EMBEDDED = 11,
	HGCM_PARM_CONTIGUOUS_PAGELIST = 12,
	HGCM_PARM_NO_BOUNCE_PAGELIST = 13,
};

/* VBOX_HGCM_F_PARM_DIRECTION_* (page lists, embedded buffers) */
#define HGCM_DIR_NONE 0u
#define HGCM_DIR_TO_HOST 1u
#define HGCM_DIR_FROM_HOST 2u
#define HGCM_DIR_BOTH 3u

/* VBox status codes used here (IPRT err.h, VBox/err.h). */
#define VINF_SUCCESS 0
#define VERR_GENERAL_FAILURE (-1)
#define VERR_INVALID_PARAMETER (-2)
#define VERR_INVALID_HANDLE (-4)
#define VERR_INVALID_POINTER (-6)
#define VERR_NO_MEMORY (-8)
#define VERR_VERSION_MISMATCH (-11)
#define VERR_NOT_IMPLEMENTED (-12)
#define VERR_INVALID_FLAGS (-13)
#define VERR_NOT_SYMLINK (-19)
#define VERR_NOT_SUPPORTED (-37)
#define VERR_ACCESS_DENIED (-38)
#define VERR_INTERRUPTED (-39)
#define VERR_TIMEOUT (-40)
#define VERR_BUFFER_OVERFLOW (-41)
#define VINF_BUFFER_OVERFLOW 41
#define VERR_TOO_MUCH_DATA (-42)
#define VERR_TRY_AGAIN (-52)
#define VINF_TRY_AGAIN 52
#define VERR_OUT_OF_RANGE (-54)
#define VERR_NO_TRANSLATION (-58)
#define VERR_INVALID_UTF8_ENCODING (-61)
#define VERR_CANCELLED (-70)
#define VERR_NOT_FOUND (-78)
#define VERR_INVALID_STATE (-79)
#define VERR_OUT_OF_RESOURCES (-80)
#define VERR_FILE_NOT_FOUND (-102)
#define VERR_PATH_NOT_FOUND (-103)
#define VERR_INVALID_NAME (-104)
#define VERR_ALREADY_EXISTS (-105)
#define VERR_TOO_MANY_OPEN_FILES (-106)
#define VERR_NEGATIVE_SEEK (-108)
#define VERR_WRITE_PROTECT (-113)
#define VERR_SHARING_VIOLATION (-114)
#define VERR_FILE_LOCK_FAILED (-115)
#define VERR_FILE_LOCK_VIOLATION (-116)
#define VERR_NOT_SAME_DEVICE (-119)
#define VERR_FILENAME_TOO_LONG (-120)
#define VERR_DIR_NOT_EMPTY (-125)
#define VERR_NOT_A_DIRECTORY (-126)
#define VERR_IS_A_DIRECTORY (-127)
#define VERR_FILE_TOO_BIG (-128)
#define VERR_NOT_A_FILE (-139)
#define VERR_STALE_FILE_HANDLE (-147)
#define VERR_DISK_FULL (-152)
#define VERR_TOO_MANY_SYMLINKS (-156)
#define VERR_NO_MORE_FILES (-201)
#define VWRN_NO_DIRENT_INFO 203
#define VERR_INTERNAL_ERROR (-225)
#define VERR_DEV_IO_ERROR (-250)
#define VERR_NO_DATA (-304)
#define VERR_TOO_MANY_OPENS (-356)
#define VERR_SEM_DESTROYED (-363)
#define VERR_HGCM_SERVICE_NOT_FOUND (-2900)
#define VINF_HGCM_ASYNC_EXECUTE 2903
#define VERR_HGCM_INVALID_CLIENT_ID (-2905)
#define VERR_HGCM_TOO_MANY_CLIENTS (-2908)
#define VERR_HGCM_TOO_MANY_CLIENT_CALLS (-2909)
#define VERR_WRONG_PARAMETER_COUNT (-22415)
#define VERR_WRONG_PARAMETER_TYPE (-22416)
#define VERR_INCOMPATIBLE_CONFIG (-22420)
#define VERR_UNRESOLVED_ERROR (-35)

/* "VERR_INVALID_PARAMETER", or "VERR_-1234" for an unknown code (static). */
const char *hgcm_status_name(int rc);
/* Name of a request type ("HGCMCall64"), NULL when unknown. */
const char *hgcm_req_type_name(uint32_t type);
/* Name of a parameter type ("PageList"), NULL when unknown. */
const char *hgcm_parm_type_name(uint32_t type);

/* ================================================== host-side services */

/* VBOX_HGCM_SVC_PARM_* : what a service sees */
enum hgcm_svc_parm_type {
	HGCM_SVC_PARM_INVALID = 0,
	HGCM_SVC_PARM_32BIT = 1,
	HGCM_SVC_PARM_64BIT = 2,
	HGCM_SVC_PARM_PTR = 3,
};

/*
 * One parameter as a service sees it.  PTR parameters point into a host
 * bounce buffer of @size bytes: zero-filled, holding the guest's data when
 * the guest marked it TO_HOST; copied back only when FROM_HOST (or, see
 * hgcm_service_ops.write_only, straight into guest RAM).  A service
 * may lower @size (bytes produced) for Embedded/ContiguousPageList/
 * NoBouncePageList parameters, whose size the guest gets back.
 */
struct hgcm_svc_parm {
	uint32_t type;
	union {
		uint32_t u32;
		uint64_t u64;
		struct {
			uint32_t size;
			void *addr;
		} ptr;
	} u;
};

struct hgcm_call; /* one call in flight; opaque */

struct hgcm_service_ops {
	const char *name;   /* "VBoxSharedFolders", at most 127 bytes */
	size_t client_size; /* per-client state, zero-filled for connect */
	/* Return VINF_SUCCESS or a VBox status code (refuses the client). */
	int (*connect)(void *svc, uint32_t client_id, void *client,
		       uint32_t requestor);
	void (*disconnect)(void *svc, uint32_t client_id, void *client);
	/*
	 * Handle a call.  Complete it with hgcm_call_complete(), now or later
	 * from any thread; the parameters stay valid until then.  Runs on one
	 * of the host's worker threads; several calls of one client may run
	 * at once.
	 */
	void (*call)(void *svc, struct hgcm_call *call, uint32_t client_id,
		     void *client, uint32_t function, uint32_t cparms,
		     struct hgcm_svc_parm *parms);
	/* Optional: the guest cancelled @call; it must still be completed. */
	void (*cancelled)(void *svc, struct hgcm_call *call, uint32_t client_id,
			  void *client);
	/* Optional: the host is going away. */
	void (*unload)(void *svc);
	/*
	 * Optional: true when @function only ever writes parameter @parm and
	 * never reads it back.  A FROM_HOST-only page list whose pages are
	 * contiguous in guest RAM is then given to the service in place (no
	 * bounce buffer, nothing copied back): the guest may watch or change
	 * its own output buffer while the call runs, which harms nobody but
	 * itself.  Such a call cannot be cancelled once it runs (Cancel2
	 * answers VERR_NOT_FOUND and the guest waits for DONE), so the
	 * service never writes into memory the guest already reused.
	 */
	bool (*write_only)(void *svc, uint32_t function, uint32_t parm);
};

/* Finish @call with the service's status @rc (any thread, exactly once). */
void hgcm_call_complete(struct hgcm_call *call, int rc);
/* True once the guest cancelled @call or went away. */
bool hgcm_call_cancelled(const struct hgcm_call *call);

/* ================================================================ host */

struct hgcm_host;

struct hgcm_host_opts {
	const char *socket_path; /* created with mode 0600 */
	const uid_t *allow_uids; /* besides our own uid */
	size_t n_allow_uids;
	unsigned workers;   /* per guest; 0 = 4 */
	uint64_t ram_max;   /* largest guest RAM granted; 0 = 1 GiB */
	int max_clients;    /* per guest; 0 = 1024 */
};

/* Create a host listening on opts->socket_path (not yet serving). */
struct hgcm_host *hgcm_host_new(const struct hgcm_host_opts *opts);
/* Register a service; @svc is passed to every entry point. */
int hgcm_host_register(struct hgcm_host *host,
		       const struct hgcm_service_ops *ops, void *svc);
/* Register the built-in "memwire.echo" test service. */
int hgcm_host_register_echo(struct hgcm_host *host);
/* Serve guests until hgcm_host_stop() (from a signal handler too). */
int hgcm_host_run(struct hgcm_host *host);
void hgcm_host_stop(struct hgcm_host *host);
/* Stop, disconnect every guest, unload services, remove the socket. */
void hgcm_host_free(struct hgcm_host *host);

struct hgcm_host_stats {
	uint64_t guests, requests, calls, rejected, cancelled;
};
void hgcm_host_get_stats(struct hgcm_host *host, struct hgcm_host_stats *st);

/* memwire.echo functions (docs/hgcm.md) */
enum {
	ECHO_FN_NULL = 1,  /* no parameters */
	ECHO_FN_ECHO = 2,  /* buf in, buf out, u32 out: bytes copied */
	ECHO_FN_ADD = 3,   /* u32 a, u64 b, u64 out: a + b */
	ECHO_FN_SLEEP = 4, /* u32 ms: completes asynchronously after ms */
	ECHO_FN_FILL = 5,  /* u32 byte, buf out: filled */
	ECHO_FN_SLOWFILL = 6, /* u32 ms, u32 byte, buf out: filled after ms */
};

/* =============================================================== guest */

struct hgcm_guest;

/*
 * Connect to the host at @socket_path and obtain @ram_size bytes of guest
 * RAM (0 = 64 MiB); reports guest info (request 50) before returning.
 */
struct hgcm_guest *hgcm_guest_open(const char *socket_path, uint64_t ram_size);
void hgcm_guest_close(struct hgcm_guest *g);
/* True once the host went away; every call then fails at once. */
bool hgcm_guest_host_dead(const struct hgcm_guest *g);

/* A guest-side parameter. */
struct hgcm_parm {
	uint32_t type; /* HGCM_PARM_32BIT, _64BIT, _LINADDR{,_IN,_OUT}, _PAGELIST */
	union {
		uint32_t u32;
		uint64_t u64;
		struct {
			void *ptr;     /* guest process memory (LINADDR*) */
			uint32_t size; /* in: buffer size; out: as returned */
		} buf;
		struct {
			uint64_t phys; /* guest-RAM buffer (hgcm_buf_alloc) */
			uint32_t size;
			uint32_t dir;  /* HGCM_DIR_* */
		} pages;
	} u;
};

#define HGCM_CALL_32BIT 0x1u /* HGCMCall32 (12-byte parameters) */
/* A signal to the calling thread (a handler without SA_RESTART) cancels
 * the call: hgcm_call() returns VERR_INTERRUPTED, as an interruptible
 * VBoxGuest call does. */
#define HGCM_CALL_INTERRUPTIBLE 0x2u

/*
 * hgcm_connect() - connect to service @name; returns the client id (> 0)
 * or a VBox status code (< 0).
 */
int64_t hgcm_connect(struct hgcm_guest *g, const char *name, int timeout_ms);
int hgcm_disconnect(struct hgcm_guest *g, uint32_t client_id, int timeout_ms);
/*
 * hgcm_call() - call @function of @client_id.  LINADDR buffers are bounced
 * through guest RAM and described by page lists.  On return, 32/64-bit
 * parameters and OUT buffers hold what the host wrote.  Returns the
 * service's result, or a VBox status: VERR_TIMEOUT or VERR_INTERRUPTED
 * (the call was cancelled with Cancel2), VERR_SEM_DESTROYED (the host went
 * away), or the host's rejection.  @timeout_ms < 0 waits forever.
 */
int hgcm_call(struct hgcm_guest *g, uint32_t client_id, uint32_t function,
	      struct hgcm_parm *parms, uint32_t count, int timeout_ms,
	      unsigned flags);

/* Guest-RAM buffers (for PAGELIST parameters and raw requests). */
int hgcm_buf_alloc(struct hgcm_guest *g, size_t size, uint64_t *phys);
void hgcm_buf_free(struct hgcm_guest *g, uint64_t phys);
/* The guest's mapping of guest-physical @phys (NULL outside RAM). */
void *hgcm_guest_ptr(struct hgcm_guest *g, uint64_t phys, size_t len);
uint64_t hgcm_guest_ram_size(const struct hgcm_guest *g);

/*
 * Raw port access, for tests and hostile experiments: submit the request
 * at @phys (the OUT) and wait until the host answered it (header.rc no
 * longer the pending marker, or DONE for HGCM requests).  Returns 0, or
 * -ETIMEDOUT / -EPIPE (host gone).  The request must start with a header
 * whose rc the caller set to HGCM_RC_PENDING.
 */
#define HGCM_RC_PENDING 0x7fffffff
int hgcm_submit(struct hgcm_guest *g, uint64_t phys);
int hgcm_wait(struct hgcm_guest *g, uint64_t phys, bool hgcm, int timeout_ms);

/* ============================================================== decode */

struct hgcm_decoded {
	int status;	 /* VINF_SUCCESS or what a host would answer */
	char error[160]; /* names the offending field; "" when valid */
};
/*
 * hgcm_check_request() - validate a raw request as the host does, without
 * guest RAM (page addresses are checked only for alignment) when
 * @ram_size is 0.
 */
int hgcm_check_request(const void *req, size_t len, uint64_t ram_size,
		       struct hgcm_decoded *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_HGCM_H */
