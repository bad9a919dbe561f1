/*
 * nx/barrier.h - memory barriers by what they order (seL4 machine.h: a
 * fence is named for its job, so the reader knows which accesses it keeps
 * apart and which code on another hart it pairs with).
 */
#ifndef NX_BARRIER_H
#define NX_BARRIER_H

#include <stdatomic.h>

/*
 * An earlier store is visible to every hart before a later load reads:
 * the store-buffering ("Dekker") pattern, where two parties each store
 * their own flag and then read the other's, and at least one must see the
 * other (a waiter publishing waiting_on then reading its task's dying;
 * a killer setting dying then reading each waiter's waiting_on). Acquire
 * and release do not order a store before a load; this does. Each use
 * names the barrier it pairs with.
 */
static inline void nx_barrier_store_load(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

#endif /* NX_BARRIER_H */
