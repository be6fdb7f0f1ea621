/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * Acquire and release on the words a ring shares with its peer and the
 * kernel, built on <stdatomic.h>. The shared pages are plain memory to C:
 * each word is reached through an _Atomic view of the same size, which is
 * lock-free wherever the library builds. The callers say, at each store,
 * what the other side must not see early.
 */
#ifndef LIBMBOX_RING_ATOMIC_H
#define LIBMBOX_RING_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "ring words need lock-free atomics");

static inline _Atomic uint32_t *ring_word(const uint32_t *p)
{
	return (_Atomic uint32_t *)(void *)p;
}

/* A load nothing after it may be ordered before: the peer's published data. */
static inline uint32_t ring_load_acquire(const uint32_t *p)
{
	return atomic_load_explicit(ring_word(p), memory_order_acquire);
}

static inline uint32_t ring_load_relaxed(const uint32_t *p)
{
	return atomic_load_explicit(ring_word(p), memory_order_relaxed);
}

/* A store nothing before it may be ordered after: what it publishes. */
static inline void ring_store_release(uint32_t *p, uint32_t v)
{
	atomic_store_explicit(ring_word(p), v, memory_order_release);
}

static inline void ring_store_relaxed(uint32_t *p, uint32_t v)
{
	atomic_store_explicit(ring_word(p), v, memory_order_relaxed);
}

/*
 * Lower a producer's wakeup word to @v unless it already asks for less (0
 * asks for nothing): the word is shared by every waiter of the side, the
 * kernel's too, and keeps the smallest need. A compare-and-swap, so a
 * smaller need stored meanwhile is never overwritten.
 */
static inline void ring_lower(uint32_t *p, uint32_t v)
{
	uint32_t cur = atomic_load_explicit(ring_word(p), memory_order_relaxed);

	while (!cur || cur > v) {
		if (atomic_compare_exchange_weak_explicit(ring_word(p), &cur, v,
							  memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
}

/* A full barrier: stores before it are visible before loads after it. */
static inline void ring_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

#endif /* LIBMBOX_RING_ATOMIC_H */
