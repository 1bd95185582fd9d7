/* SPDX-License-Identifier: MIT */
/*
 * memwire/smd.h - Qualcomm SMD channels over SMEM.
 *
 * Named byte streams and packet pipes between two processors, as
 * Qcsmd8930.sys and the msm/Linux qcom_smd drivers use them: a table entry
 * in item 13, two half-channels in item 14+cid, a FIFO in item 338+cid, and
 * an interrupt to the other side after every change.
 *
 * An `struct smd` is one processor's view (apps, or a remote such as the
 * modem).  Channels are opened by name on an edge; every call checks the
 * peer's half first (state, indices, flags are validated; a bad value puts
 * the channel in an error state naming the field and value).  Blocking
 * calls take a timeout in milliseconds: -1 waits forever (but a dead peer
 * is still noticed), 0 never blocks.
 *
 * Functions return 0 or a count, or -errno with mw_last_error() set.
 */
#ifndef MEMWIRE_SMD_H
#define MEMWIRE_SMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "memwire/core.h"
#include "memwire/smem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Edge (channel type) numbers, reference smem_smd.md §6.2. */
enum smd_edge {
	SMD_APPS_MODEM = 0,
	SMD_APPS_QDSP = 1,
	SMD_MODEM_QDSP = 2,
	SMD_APPS_DSPS = 3,
	SMD_MODEM_DSPS = 4,
	SMD_QDSP_DSPS = 5,
	SMD_APPS_WCNSS = 6,
	SMD_MODEM_WCNSS = 7,
	SMD_QDSP_WCNSS = 8,
	SMD_DSPS_WCNSS = 9,
	SMD_APPS_Q6FW = 10,
	SMD_MODEM_Q6FW = 11,
	SMD_QDSP_Q6FW = 12,
	SMD_DSPS_Q6FW = 13,
	SMD_WCNSS_Q6FW = 14,
	SMD_APPS_RPM = 15,
	SMD_MODEM_RPM = 16,
	SMD_QDSP_RPM = 17,
	SMD_WCNSS_RPM = 18,
	SMD_NUM_EDGES = 19,
};

/* Half-channel states, §6.5. */
enum smd_state {
	SMD_SS_CLOSED = 0,
	SMD_SS_OPENING = 1,
	SMD_SS_OPENED = 2,
	SMD_SS_FLUSHING = 3,
	SMD_SS_CLOSING = 4,
	SMD_SS_RESET = 5,
	SMD_SS_RESET_OPENING = 6,
};

#define SMD_XFER_STREAM 1
#define SMD_XFER_PACKET 2

#define SMD_CHANNELS 64
#define SMD_MIN_FIFO 1024u
#define SMD_STANDARD_FIFO 8192u
#define SMD_MAX_FIFO (128u * 1024u)

/* Linux TIOCM bits (termbits.h), what smd_tiocmget/set speak. */
#define SMD_TIOCM_DTR 0x002
#define SMD_TIOCM_RTS 0x004
#define SMD_TIOCM_CTS 0x020
#define SMD_TIOCM_CD 0x040
#define SMD_TIOCM_RI 0x080
#define SMD_TIOCM_DSR 0x100

/* Events, the msm SMD_EVENT_* meanings as a mask. */
#define SMD_EV_DATA 0x01         /* data arrived or space was freed */
#define SMD_EV_OPEN 0x02         /* both halves OPENED */
#define SMD_EV_CLOSE 0x04        /* the remote closed (we went CLOSING) */
#define SMD_EV_STATUS 0x08       /* the remote's signals changed */
#define SMD_EV_REOPEN_READY 0x10 /* a closed channel may be opened again */
#define SMD_EV_ERROR 0x20        /* the peer broke the protocol */

struct smd;
struct smd_ch;

/* ------------------------------------------------------------ endpoint */

/**
 * smd_attach() - SMD as the processor @sm acts as
 * @sm: a heap opened as a processor (smem_open with proc, smem_open_soc);
 *      borrowed, must outlive the smd.  A heap without a processor gives an
 *      observer: smd_list() works, channels cannot be opened.
 */
int smd_attach(struct smem *sm, struct smd **out);
void smd_detach(struct smd *d);
struct smem *smd_smem(const struct smd *d);
/** smd_self() - the SMD processor id (SMD_APPS 0, modem 1, ...). */
int smd_self(const struct smd *d);

const char *smd_edge_name(unsigned edge);
/** smd_edge_parse() - "modem", "apps_modem", "0" -> edge seen from @d. */
int smd_edge_parse(const struct smd *d, const char *s);
/** smd_edge_peer() - the processor on the other side of @edge from @d,
 * -EINVAL when @d is not on it. */
int smd_edge_peer(const struct smd *d, unsigned edge);
const char *smd_state_name(unsigned state);

/* ------------------------------------------------------------- table */

struct smd_info {
	char name[21];
	uint32_t cid;
	uint32_t edge;
	uint32_t xfer;       /* SMD_XFER_STREAM / _PACKET (legacy 0 decided) */
	bool word;           /* word-access half-channels (RPM edges) */
	uint32_t fifo_size;  /* per direction */
	uint32_t state[2];   /* ch0, ch1 */
	uint32_t sig[2];     /* DSR CTS CD RI as bits 0..3, ch0 / ch1 */
	uint32_t queued[2];  /* bytes queued in ch0's / ch1's TX FIFO */
	uint32_t head[2], tail[2]; /* indices of ch0's / ch1's TX FIFO */
	uint32_t flags[2];   /* fHEAD 1, fTAIL 2, fSTATE 4, fBLOCKREADINTR 8 */
	unsigned slot;       /* table slot */
	const char *problem; /* NULL, or why the channel is unusable */
};

/**
 * smd_list() - every channel in the table (ref_count and name set), each
 * with its items checked; up to SMD_CHANNELS.  Bad entries are listed with
 * @problem set.  Return: the number of entries or -errno.
 */
int smd_list(struct smd *d, struct smd_info *out, unsigned max);

/**
 * smd_fifo_peek() - copy @len bytes at @from (wrapping) out of the TX FIFO
 * of half @half (0 = ch0) of a listed channel, without consuming anything:
 * what a sniffer does.  @len is at most the FIFO size.
 */
int smd_fifo_peek(struct smd *d, const struct smd_info *ch, unsigned half,
		  uint32_t from, uint32_t len, void *buf);

/* ------------------------------------------ Windows interface, 10 functions */

#define SMD_OPEN_REMOTE 0x1u /* act as firmware: answer OPENING with OPENED */
#define SMD_OPEN_NOWAIT 0x2u /* do not wait for the peer to open */

/**
 * smd_open() - open channel @name on @edge (InterfaceFunction_00)
 * @timeout_ms: how long to wait for the channel to appear and, unless
 *              SMD_OPEN_NOWAIT, for the peer to reach OPENED
 *
 * Apps behaves like the msm kernel: OPENING, then OPENED once the peer is
 * OPENED.  "LOOPBACK" on the modem edge first raises the SMSM loopback bit
 * in this processor's state and gives the modem 100 ms.
 */
int smd_open(struct smd *d, const char *name, unsigned edge, unsigned flags,
	     int timeout_ms, struct smd_ch **out);

/** smd_close() - CLOSED, wake the peer, free @ch (InterfaceFunction_01). */
int smd_close(struct smd_ch *ch);

/** smd_read() - up to @len bytes; a packet channel never crosses a packet
 * boundary (InterfaceFunction_02).  0 only for @len 0. */
ssize_t smd_read(struct smd_ch *ch, void *buf, size_t len, int timeout_ms);

/** smd_write_atomic() - all @len bytes or nothing, never blocks
 * (InterfaceFunction_03): -EAGAIN when they do not fit now. */
ssize_t smd_write_atomic(struct smd_ch *ch, const void *buf, size_t len);

/**
 * smd_write() - write (InterfaceFunction_04).  Stream: as much as fits,
 * waiting for space until @len is written or the timeout (then the count
 * written, or -ETIMEDOUT/-EAGAIN if none).  Packet: one whole packet, or
 * nothing; -EMSGSIZE if it can never fit the FIFO.
 */
ssize_t smd_write(struct smd_ch *ch, const void *buf, size_t len,
		  int timeout_ms);

/** Segmented packet writes (InterfaceFunction_05): start announces @len and
 * writes the header; segments follow; end fails with -E2BIG when bytes are
 * missing. */
int smd_write_start(struct smd_ch *ch, size_t len, int timeout_ms);
ssize_t smd_write_segment(struct smd_ch *ch, const void *buf, size_t len,
			  int timeout_ms);
int smd_write_end(struct smd_ch *ch);

/** smd_write_avail() - bytes that fit now (InterfaceFunction_06); packet
 * channels subtract the header. */
int smd_write_avail(struct smd_ch *ch);
/** smd_read_avail() - bytes readable now (InterfaceFunction_07); packet
 * channels: of the current packet. */
int smd_read_avail(struct smd_ch *ch);

/** smd_tiocmset() / smd_tiocmget() - DTR/RTS out, DSR/CTS/CD/RI in
 * (InterfaceFunction_08). */
int smd_tiocmset(struct smd_ch *ch, unsigned set, unsigned clear);
int smd_tiocmget(struct smd_ch *ch);

/**
 * smd_wait_event() - state-change notification (InterfaceFunction_09):
 * process the peer's half and return the SMD_EV_* that happened, waiting
 * up to @timeout_ms for one of @mask.  0 on timeout with @timeout_ms 0.
 */
int smd_wait_event(struct smd_ch *ch, unsigned mask, int timeout_ms);

/** smd_wait_irq() - sleep until the next interrupt on @ch's edge (any
 * channel of it) or a dead peer; 0, -ETIMEDOUT, -EINTR.  For event loops
 * that serve several channels of one edge. */
int smd_wait_irq(struct smd_ch *ch, int timeout_ms);

/**
 * smd_irq_seq() / smd_wait_irq_from() - the same wait with the caller's own
 * event count, for threads that share a channel: take the count, try the
 * operation (non-blocking, under the caller's lock), and wait from the
 * count only if nothing could be done.  No interrupt is lost in between.
 */
uint32_t smd_irq_seq(const struct smd_ch *ch);
int smd_wait_irq_from(struct smd_ch *ch, uint32_t *seen, int timeout_ms);

/** smd_fd() - polls readable when the peer interrupts this edge: then call
 * smd_wait_event(ch, ..., 0) and read the fd (8 bytes) to rearm.  Shared by
 * the channels of one edge. */
int smd_fd(struct smd_ch *ch);

/** smd_ch_state() - own and peer states. */
void smd_ch_state(const struct smd_ch *ch, unsigned *own, unsigned *peer);
const struct smd_info *smd_ch_info(const struct smd_ch *ch);
bool smd_is_open(struct smd_ch *ch);

/* ------------------------------------------------------- remote side */

/**
 * smd_create() - create channel @name on @edge as firmware does: info item
 * 14+cid, FIFO item 338+cid (2 x @fifo_size), the table entry with
 * ref_count written last, then the edge interrupt.  An existing channel of
 * that name and edge is returned as is.  Return: the cid or -errno.
 */
int smd_create(struct smd *d, const char *name, unsigned edge, unsigned xfer,
	       uint32_t fifo_size);

/**
 * smd_reset_peer() - subsystem restart of processor @pid: release its
 * hardware mutexes, zero its SMSM state (for the modem, apps also clears
 * INIT, SMD_LOOPBACK and RESET in its own), move its half of every channel
 * on its edges to CLOSING then CLOSED with signals cleared, and interrupt.
 * Return: channels reset.
 */
int smd_reset_peer(struct smd *d, unsigned pid);

/* ------------------------------------------------------------- SMSM */

#define SMSM_INIT 0x1u
#define SMSM_SMDINIT 0x8u
#define SMSM_RPCINIT 0x20u
#define SMSM_RESET 0x40u
#define SMSM_RUN 0x100u
#define SMSM_SMD_LOOPBACK 0x800000u

/** smd_smsm_change() - clear then set bits of this processor's SMSM
 * entry and interrupt the other hosts (items 85/419 allocated when
 * missing).  Return: 0 or -errno. */
int smd_smsm_change(struct smd *d, uint32_t clear, uint32_t set);
/** smd_smsm_get() - entry @entry of the SMSM state. */
int smd_smsm_get(struct smd *d, unsigned entry, uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_SMD_H */
