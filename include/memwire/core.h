/* SPDX-License-Identifier: MIT */
/*
 * memwire/core.h - shared regions, platforms, hardware mutexes, doorbells.
 *
 * Everything two sides of a memwire protocol share is a *region*: bytes
 * addressed by physical address (base + offset), mapped by every
 * participant.  A region comes from a file or a memfd that memwire created
 * (with a control page after the data that holds the emulated hardware:
 * mutex registers, interrupt lines, who is attached), from a raw memory dump
 * (read-only, no control page), or from /dev/mem.
 *
 * A *platform* is a constant table of named physical resources (memory,
 * hardware-mutex array, doorbell registers), processors and interrupt lines.
 * A *soc* is one process's attachment to an emulated platform instance: it
 * says which processor this process is, and through it the process locks
 * hardware mutexes, rings doorbells and waits on its interrupt lines.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure.  When a function fails, mw_last_error() gives a one-line
 * description naming what was wrong (the field and the value).  Nothing in
 * the library prints; log lines go to the function set by mw_set_log().
 *
 * Changelog of the region control page layout (MW_REGION_VERSION):
 *   1 - first version.
 */
#ifndef MEMWIRE_CORE_H
#define MEMWIRE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

/**
 * mw_last_error() - describe the last failure of a memwire call
 *
 * Return: a one-line message (no trailing newline) set by the last failing
 * memwire function in this thread, or "" when none failed.  Valid until the
 * next memwire call in the same thread.  This function can't fail.
 */
const char *mw_last_error(void);

/** mw_version() - the library version string ("0.1.0"). */
const char *mw_version(void);

enum mw_log_level {
	MW_LOG_ERR = 0,
	MW_LOG_WARN = 1,
	MW_LOG_INFO = 2,
	MW_LOG_DEBUG = 3,
};

typedef void (*mw_log_fn)(enum mw_log_level level, const char *msg, void *arg);

/**
 * mw_set_log() - route library log lines
 * @fn: called with each line at or below @max_level; NULL silences the library
 * @arg: passed back to @fn
 * @max_level: the most verbose level delivered
 *
 * The default is no logging.  @fn may be called from any thread.
 */
void mw_set_log(mw_log_fn fn, void *arg, enum mw_log_level max_level);

/* -------------------------------------------------------------- platform */

enum mw_res_kind {
	MW_RES_MEMORY = 0,   /* shared RAM (the SMEM heap) */
	MW_RES_HWMUTEX = 1,  /* array of 32-bit hardware mutex registers */
	MW_RES_DOORBELL = 2, /* write-1-bit interrupt register */
};

struct mw_resource {
	const char *name;
	uint64_t phys;
	uint64_t size;
	enum mw_res_kind kind;
	const char *attr; /* mapping attribute the reference driver uses */
	const char *what;
};

struct mw_proc {
	const char *name;
	uint8_t smd_pid;     /* Linux SMD/SMSM processor id (SMD_APPS = 0 ...) */
	uint8_t hwmutex_id;  /* value written into a mutex register; apps = 1 */
	const char *what;
};

enum mw_line_kind {
	MW_LINE_SMD = 0,
	MW_LINE_SMSM = 1,
	MW_LINE_RPM = 2, /* RPM request / ack */
	MW_LINE_MPM = 3,
};

/*
 * An interrupt line into processor @target from processor @source.  Lines
 * from apps are raised by writing @mask to the doorbell register @reg; lines
 * into apps are GIC SPIs on real hardware (@spi) and have no register in the
 * apps' address map (@reg == 0): an emulated remote raises them directly.
 */
struct mw_line {
	const char *name; /* "<target>.<kind>.<source>", e.g. "modem.smd.apps" */
	uint8_t target;   /* index into mw_platform.procs */
	uint8_t source;   /* index into mw_platform.procs */
	enum mw_line_kind kind;
	uint64_t reg;  /* doorbell register, 0 when none */
	uint32_t mask; /* bit(s) written to @reg */
	int spi;       /* GIC SPI number of lines into apps, -1 otherwise */
};

struct mw_platform {
	const char *name;
	const char *what;
	const struct mw_resource *res;
	unsigned nres;
	const struct mw_proc *procs;
	unsigned nprocs;
	const struct mw_line *lines;
	unsigned nlines;
};

/**
 * mw_platform_get() - look a platform up by name
 * @name: platform name ("msm8930"); NULL means the default platform
 * @out: the platform
 *
 * Return: 0, or -ENOENT naming the known platforms.
 */
int mw_platform_get(const char *name, const struct mw_platform **out);

/** mw_platform_at() - the @i-th known platform, NULL past the end. */
const struct mw_platform *mw_platform_at(unsigned i);

/**
 * mw_platform_resource() - the resource holding [@phys, @phys + @len)
 *
 * Return: 0 with *@out set, -EFAULT when the range is in no resource or
 * crosses a resource's end (the message names the address).
 */
int mw_platform_resource(const struct mw_platform *p, uint64_t phys,
			 uint64_t len, const struct mw_resource **out);

/** mw_platform_memory() - the platform's first memory resource. */
const struct mw_resource *mw_platform_memory(const struct mw_platform *p);

/** mw_platform_proc() - index of processor @name, or -ENOENT. */
int mw_platform_proc(const struct mw_platform *p, const char *name);

/** mw_platform_line() - index of line @name ("modem.smd.apps"), or -ENOENT. */
int mw_platform_line(const struct mw_platform *p, const char *name);

/** mw_platform_line_between() - index of the @kind line @source -> @target. */
int mw_platform_line_between(const struct mw_platform *p, unsigned target,
			     unsigned source, enum mw_line_kind kind);

const char *mw_res_kind_name(enum mw_res_kind kind);
const char *mw_line_kind_name(enum mw_line_kind kind);

/* ---------------------------------------------------------------- region */

struct mw_region;

enum mw_region_kind {
	MW_REGION_FILE = 0,   /* memwire region file (data + control page) */
	MW_REGION_MEMFD = 1,  /* memwire region in a memfd */
	MW_REGION_DUMP = 2,   /* raw memory dump, read-only, no control page */
	MW_REGION_DEVMEM = 3, /* /dev/mem window, no control page */
};

/* flags for mw_region_* */
#define MW_REGION_RDONLY 0x1u /* map read-only */
#define MW_REGION_WRITE 0x2u  /* /dev/mem: map read-write (default read-only) */
#define MW_REGION_EXCL 0x4u   /* create: fail with -EEXIST if the path exists */

#define MW_REGION_VERSION 1u
#define MW_REGION_CTL_SIZE 4096u /* control page after the data */
#define MW_PLATFORM_NAME_MAX 16u /* including the NUL */

/**
 * mw_region_create() - create a region file
 * @path: file to create; written under a temporary name and renamed into
 *        place, so a failure leaves nothing behind
 * @platform: platform name recorded in the control page, or NULL for none
 * @phys: physical base address (page-aligned)
 * @size: bytes of data (page-aligned, non-zero); the file is @size plus the
 *        control page
 * @flags: MW_REGION_EXCL to refuse an existing @path
 * @out: the region, mapped read-write
 *
 * With a platform, [@phys, @phys + @size) must lie inside one of its memory
 * resources.  The data is zero-filled.
 *
 * Return: 0, or -errno (-EINVAL for a bad size/address, -EEXIST, ...).
 */
int mw_region_create(const char *path, const char *platform, uint64_t phys,
		     uint64_t size, unsigned flags, struct mw_region **out);

/**
 * mw_region_create_memfd() - create a region in a sealed memfd
 *
 * As mw_region_create(), but anonymous; the memfd is sealed against shrinking
 * and growing so a peer cannot truncate it under us.  Share it with
 * mw_region_send_fd().
 */
int mw_region_create_memfd(const char *name, const char *platform,
			   uint64_t phys, uint64_t size,
			   struct mw_region **out);

/**
 * mw_region_attach() - map an existing region file
 * @flags: MW_REGION_RDONLY to map read-only
 *
 * The control page is copied and validated before anything else is trusted:
 * magic, version, sizes against the file size, alignment, platform name.
 *
 * Return: 0, or -errno (-ENOENT, -EBADMSG for a file that is not a sound
 * memwire region, with the field and value in mw_last_error()).
 */
int mw_region_attach(const char *path, unsigned flags, struct mw_region **out);

/** mw_region_attach_fd() - as mw_region_attach(), on an open fd (duplicated). */
int mw_region_attach_fd(int fd, unsigned flags, struct mw_region **out);

/**
 * mw_region_open_dump() - map a raw memory dump read-only
 * @phys: physical address of the dump's first byte
 */
int mw_region_open_dump(const char *path, uint64_t phys,
			struct mw_region **out);

/**
 * mw_region_open_devmem() - map [@phys, @phys + @size) of /dev/mem
 * @flags: MW_REGION_WRITE for a writable mapping (read-only by default)
 * @path: NULL for "/dev/mem" (tests pass another file)
 */
int mw_region_open_devmem(const char *path, uint64_t phys, uint64_t size,
			  unsigned flags, struct mw_region **out);

/**
 * mw_region_send_fd() - pass a memfd or file region over a UNIX socket
 *
 * Sends one message with a small header and the region's fd (SCM_RIGHTS).
 */
int mw_region_send_fd(const struct mw_region *r, int sock);

/**
 * mw_region_recv_fd() - receive a region sent by mw_region_send_fd()
 *
 * The fd is validated like a file (mw_region_attach_fd()).  Any other fds a
 * hostile sender attached are closed.
 */
int mw_region_recv_fd(int sock, unsigned flags, struct mw_region **out);

/** mw_region_close() - unmap and free; NULL is allowed. */
void mw_region_close(struct mw_region *r);

uint64_t mw_region_phys(const struct mw_region *r);
uint64_t mw_region_size(const struct mw_region *r);
bool mw_region_writable(const struct mw_region *r);
enum mw_region_kind mw_region_kind(const struct mw_region *r);
const char *mw_region_kind_name(enum mw_region_kind kind);
/** mw_region_platform() - platform recorded in the region, NULL if none. */
const struct mw_platform *mw_region_platform(const struct mw_region *r);
/** mw_region_path() - the path it was opened by, "" for a memfd. */
const char *mw_region_path(const struct mw_region *r);
/** mw_region_fd() - the backing fd, or -1 (dumps keep none open). */
int mw_region_fd(const struct mw_region *r);

/**
 * mw_region_ptr() - translate a physical range to a pointer
 * @phys: first byte
 * @len: bytes that will be accessed (0 is allowed for a pure address check)
 * @out: the pointer to @phys
 *
 * Return: 0, or -EFAULT when [@phys, @phys + @len) is not entirely inside the
 * region (including arithmetic overflow).  No memory is touched.
 */
int mw_region_ptr(const struct mw_region *r, uint64_t phys, uint64_t len,
		  void **out);

/**
 * mw_region_phys_of() - translate a pointer range back to a physical address
 *
 * Return: 0, or -EFAULT when [@p, @p + @len) is not entirely inside the region.
 */
int mw_region_phys_of(const struct mw_region *r, const void *p, uint64_t len,
		      uint64_t *phys);

/** mw_region_read() - bounds-checked copy out of the region. */
int mw_region_read(const struct mw_region *r, uint64_t phys, void *buf,
		   uint64_t len);

/** mw_region_write() - bounds-checked copy into the region (-EROFS if RO). */
int mw_region_write(struct mw_region *r, uint64_t phys, const void *buf,
		    uint64_t len);

/**
 * mw_default_region_path() - where `memwire ... --file` defaults to
 * @name: file name inside the memwire run directory
 *
 * $XDG_RUNTIME_DIR/memwire/@name, or /dev/shm/memwire-<uid>/@name when
 * XDG_RUNTIME_DIR is unset.  The directory is created (mode 0700) if needed.
 */
int mw_default_region_path(const char *name, char *buf, size_t len);

/* --------------------------------------------------------------- control */

/*
 * The information in a region's control page, as validated.  Exposed so the
 * validator can be fuzzed and tools can show it.
 */
struct mw_region_info {
	uint32_t version;
	uint64_t phys;
	uint64_t size;
	char platform[MW_PLATFORM_NAME_MAX];
};

/**
 * mw_region_ctl_validate() - check a copy of a region's control page
 * @buf: the copy (at least MW_REGION_CTL_SIZE bytes to be valid)
 * @len: bytes in @buf
 * @file_size: size of the whole file, control page included
 * @info: filled on success
 *
 * Return: 0, or -EBADMSG with the offending field and value in
 * mw_last_error().
 */
int mw_region_ctl_validate(const void *buf, size_t len, uint64_t file_size,
			   struct mw_region_info *info);

/* ------------------------------------------------------------------- soc */

struct mw_soc;

#define MW_MAX_PROCS 8
#define MW_MAX_LINES 64
#define MW_HWMUTEX_COUNT 32

/**
 * mw_soc_open() - attach to a region's emulated platform as a processor
 * @r: a writable memwire region (file or memfd) with a platform; borrowed,
 *     must outlive the soc
 * @proc: processor name ("apps", "modem", ...), or NULL to observe only
 *        (an observer can inspect, ring doorbells and release locks, but not
 *        lock or wait)
 * @out: the soc
 *
 * Claims the processor's slot in the control page.  A slot held by a live
 * process is refused with -EBUSY naming it; a slot left by a dead process is
 * taken over, and the dead process's hardware mutexes are released first.
 *
 * Return: 0 or -errno.
 */
int mw_soc_open(struct mw_region *r, const char *proc, struct mw_soc **out);

/** mw_soc_close() - release the processor slot; NULL is allowed. */
void mw_soc_close(struct mw_soc *s);

const struct mw_platform *mw_soc_platform(const struct mw_soc *s);
struct mw_region *mw_soc_region(const struct mw_soc *s);
/** mw_soc_self() - this soc's processor index, -1 for an observer. */
int mw_soc_self(const struct mw_soc *s);

/**
 * mw_soc_set_spin() - bound the busy-wait before sleeping in the kernel
 * @spins: iterations of a pause loop before a futex wait (0: sleep at once)
 *
 * Used by mw_hwmutex_lock() and mw_irq_wait().  The default comes from
 * `make bench` (see docs/core.md).
 */
void mw_soc_set_spin(struct mw_soc *s, unsigned spins);

/**
 * mw_soc_map() - pointer to a physical range of any resource
 *
 * Memory maps into the region, the hardware-mutex array into the emulated
 * registers.  Doorbell registers have no memory behind them: -EINVAL, use
 * mw_doorbell_write().  Return: 0 or -EFAULT/-EINVAL.
 */
int mw_soc_map(const struct mw_soc *s, uint64_t phys, uint64_t len, void **out);

/* Process attached as a processor, as recorded in the control page. */
struct mw_proc_state {
	int32_t os_pid; /* 0 when free */
	bool alive;
	uint32_t attaches; /* how many times the slot was claimed */
};

int mw_soc_proc_state(struct mw_soc *s, unsigned proc,
		      struct mw_proc_state *st);

/**
 * mw_soc_reap() - notice dead processors and clean up after them
 *
 * For every slot held by a process that no longer exists: release all its
 * hardware mutexes and free the slot.
 *
 * Return: the number of processors reaped.
 */
int mw_soc_reap(struct mw_soc *s);

/* -------------------------------------------------------- hardware mutex */

/*
 * Qualcomm SFPB hardware mutex semantics (reference smem_smd.md §4.1): lock n
 * = write your id into register n and read it back until it holds your id (a
 * write only takes while the register holds 0); unlock = write 0, only by the
 * owner; 0 means free.  Emulated with a compare-and-swap on the shared word,
 * and a futex so that waiters sleep instead of spinning.
 */

/**
 * mw_hwmutex_lock() - take hardware mutex @n as this processor
 * @timeout_ms: -1 waits forever; otherwise -ETIMEDOUT after that long
 *
 * While waiting, an owner whose process died is noticed and reaped.  Threads
 * of one process are serialised by a process-local lock first (the remote
 * spinlock's local spinlock), because they share one processor id.
 *
 * Return: 0, -ETIMEDOUT, -EINVAL (bad @n, observer soc), -EDEADLK when this
 * thread already holds it.
 */
int mw_hwmutex_lock(struct mw_soc *s, unsigned n, int timeout_ms);

/** mw_hwmutex_trylock() - one attempt; 0 when taken, -EBUSY when owned. */
int mw_hwmutex_trylock(struct mw_soc *s, unsigned n);

/**
 * mw_hwmutex_unlock() - write 0 to register @n if we own it
 *
 * Return: 0, or -EPERM naming the actual owner (the register is unchanged).
 */
int mw_hwmutex_unlock(struct mw_soc *s, unsigned n);

/** mw_hwmutex_owner() - *@owner = register @n (0 = free); 0 or -EINVAL. */
int mw_hwmutex_owner(const struct mw_soc *s, unsigned n, uint32_t *owner);

/**
 * mw_hwmutex_release_all() - free every mutex held by hardware id @id
 *
 * The subsystem-restart rule: a register is cleared only if it holds @id.
 * Return: the number of mutexes released.
 */
int mw_hwmutex_release_all(struct mw_soc *s, uint32_t id);

/**
 * mw_hwmutex_clear() - write 0 to register @n whoever holds it
 * @prev: the id it held (0 = it was free), may be NULL
 *
 * What a driver may do to a lock whose owner restarted.  Waiters are woken.
 * A register held by this processor is refused with -EBUSY (unlock it, so
 * the process-local lock is released too).  Return: 0 or -errno.
 */
int mw_hwmutex_clear(struct mw_soc *s, unsigned n, uint32_t *prev);

/* ------------------------------------------------ doorbells and IRQ lines */

/**
 * mw_doorbell_write() - write @value to the doorbell register at @phys
 *
 * Each set bit bound to a line raises that line (bits bound to nothing are
 * ignored, as on hardware).  Return: the number of lines raised, -EFAULT when
 * @phys is in no resource, -EINVAL when it is not a doorbell register.
 */
int mw_doorbell_write(struct mw_soc *s, uint64_t phys, uint32_t value);

/**
 * mw_doorbell_shadow() - the control-page word that records the last value
 * written to doorbell register @phys (a store through it raises nothing).
 * Return: 0, -EFAULT (in no resource), -EINVAL (not a doorbell).
 */
int mw_doorbell_shadow(const struct mw_soc *s, uint64_t phys,
		       volatile uint32_t **out);

/** mw_irq_raise() - raise line @line directly (what a remote's IPC does). */
int mw_irq_raise(struct mw_soc *s, unsigned line);

/**
 * mw_irq_wait() - wait for line @line to be raised
 * @timeout_ms: -1 forever, 0 poll
 *
 * Only the line's target processor may wait.  Raises are counted, never lost:
 * a raise between two waits is returned by the next one.
 *
 * Return: the number of raises since the previous wait returned (>= 1),
 * -ETIMEDOUT, -EINTR when a signal arrived, -EINVAL.
 */
int mw_irq_wait(struct mw_soc *s, unsigned line, int timeout_ms);

/**
 * mw_irq_seq() - the raise counter of @line (acquire)
 *
 * With mw_irq_wait_seq() this is an event count: take the counter, look at
 * the shared state, and wait only if there was nothing to do.  Several
 * waiters on one line (threads, channels of one edge) each keep their own
 * counter, so none consumes another's raise.
 */
uint32_t mw_irq_seq(const struct mw_soc *s, unsigned line);

/**
 * mw_irq_wait_seq() - wait until @line's counter differs from *@seen
 *
 * *@seen is updated.  Return: raises since *@seen (>= 1), -ETIMEDOUT,
 * -EINTR, -EINVAL (as mw_irq_wait()).
 */
int mw_irq_wait_seq(struct mw_soc *s, unsigned line, uint32_t *seen,
		    int timeout_ms);

/**
 * mw_irq_fd() - a file descriptor that polls readable when @line is raised
 *
 * An eventfd fed by a helper thread that sleeps on the line's futex; read 8
 * bytes from it to get the number of raises.  The fd and its thread belong
 * to @s and end with mw_soc_close() (or mw_irq_fd_close()).
 *
 * Return: the fd, or -errno.
 */
int mw_irq_fd(struct mw_soc *s, unsigned line);

/** mw_irq_fd_close() - stop the helper of @line and close its fd. */
void mw_irq_fd_close(struct mw_soc *s, unsigned line);

/** mw_irq_count() - total raises of @line since the region was created. */
uint64_t mw_irq_count(const struct mw_soc *s, unsigned line);

#ifdef __cplusplus
}
#endif

#endif /* MEMWIRE_CORE_H */
