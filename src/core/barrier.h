/* SPDX-License-Identifier: MIT */
/*
 * barrier.h - every memory-ordering primitive memwire uses.
 *
 * The peers on the other side of a region are other processes (or, on real
 * hardware, other processors), so every access to a shared word that another
 * party writes concurrently goes through one of these macros.  They are C11
 * atomics applied to the plain fixed-width fields of the layout structs, the
 * way liburing's barrier.h does it: the shared structs keep plain uint32_t
 * fields (so their layout can be pinned with _Static_assert), and the cast to
 * _Atomic happens here, at the access.
 *
 * Rules (STYLE.md rule 5):
 *   - A producer writes the payload, then mw_store_release()s the index or
 *     flag that publishes it.  The consumer mw_load_acquire()s that index,
 *     then reads the payload.  Every call site names the access it pairs with.
 *   - MW_READ_ONCE/MW_WRITE_ONCE are relaxed: single-copy atomic, no ordering.
 *     Use them for values that are only ever compared (owner ids, counters
 *     that are later re-read under acquire) and say so at the call site.
 *   - mw_smp_mb() is the one full fence, for Dekker-style "store my flag, load
 *     yours" pairs (futex waiter counts), where acquire/release is not enough.
 *   - Read-modify-write operations (cmpxchg, fetch_add) are sequentially
 *     consistent unless a weaker order is named.
 *
 * volatile is not a substitute for any of these.
 */
#ifndef MEMWIRE_BARRIER_H
#define MEMWIRE_BARRIER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The shared words are touched by several processes through MAP_SHARED
 * mappings, so the atomics must be lock-free (address-free) and have the size
 * of the plain fields they overlay.
 */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t),
	       "_Atomic uint32_t must overlay uint32_t");
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t),
	       "_Atomic uint64_t must overlay uint64_t");

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "memwire's shared layouts are little-endian; big-endian hosts are not supported"
#endif

#define MW_ATOMIC(p) ((_Atomic __typeof__(*(p)) *)(p))

/* Relaxed single-copy-atomic load/store: no ordering with other accesses. */
#define MW_READ_ONCE(x) atomic_load_explicit(MW_ATOMIC(&(x)), memory_order_relaxed)
#define MW_WRITE_ONCE(x, v)                                                    \
	atomic_store_explicit(MW_ATOMIC(&(x)), (v), memory_order_relaxed)

/* Acquire load: later reads cannot move before it.  Pairs with a release. */
#define mw_load_acquire(p) atomic_load_explicit(MW_ATOMIC(p), memory_order_acquire)

/* Release store: earlier writes are visible before it.  Pairs with an acquire. */
#define mw_store_release(p, v)                                                 \
	atomic_store_explicit(MW_ATOMIC(p), (v), memory_order_release)

/* Sequentially consistent load/store, for the Dekker pairs around futexes. */
#define mw_load_seq(p) atomic_load_explicit(MW_ATOMIC(p), memory_order_seq_cst)
#define mw_store_seq(p, v)                                                     \
	atomic_store_explicit(MW_ATOMIC(p), (v), memory_order_seq_cst)

/* Full fence. */
#define mw_smp_mb() atomic_thread_fence(memory_order_seq_cst)

/* Release fence: the wmb() the Qualcomm kernels put before a publishing store. */
#define mw_smp_wmb() atomic_thread_fence(memory_order_release)

/* Acquire fence: the rmb() after reading an index and before the payload. */
#define mw_smp_rmb() atomic_thread_fence(memory_order_acquire)

/* Strong compare-and-swap; *expected is updated with the value seen. */
#define mw_cmpxchg(p, expected, desired)                                       \
	atomic_compare_exchange_strong(MW_ATOMIC(p), (expected), (desired))

#define mw_fetch_add(p, v) atomic_fetch_add(MW_ATOMIC(p), (v))
#define mw_fetch_sub(p, v) atomic_fetch_sub(MW_ATOMIC(p), (v))
#define mw_fetch_or(p, v) atomic_fetch_or(MW_ATOMIC(p), (v))

/* A pause hint for short spins; never spin without a bound. */
static inline void mw_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif /* MEMWIRE_BARRIER_H */
