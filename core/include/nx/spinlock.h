/*
 * nx/spinlock.h - the kernel's spin lock.
 *
 * A test-and-test-and-set lock on a C11 atomic: acquire ordering on lock,
 * release on unlock. The uncontended path is inline (one atomic exchange);
 * a contended lock spins on plain loads, calling nx_port_relax() so the
 * simulator can run the holder. Rule: interrupts stay disabled while a lock
 * is held (core only enables them inside nx_port_interrupts_poll() and
 * nx_port_idle(), which are never called with a lock held), so a handler
 * can never spin on a lock its own hart holds.
 */
#ifndef NX_SPINLOCK_H
#define NX_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct nx_spinlock {
    atomic_uint locked;
} nx_spinlock_t;

#define NX_SPINLOCK_INIT                                                                           \
    {                                                                                              \
        0                                                                                          \
    }

/* Make `lock` a free lock: for a lock in an object being created or a
 * subsystem being reset, which nobody else can reach yet. (Not unlock: an
 * unlock says the caller held it.) */
static inline void nx_spin_init(nx_spinlock_t *lock)
{
    atomic_init(&lock->locked, 0u);
}

/* The contended path of nx_spin_lock(). */
void nx_spin_lock_contended(nx_spinlock_t *lock);

/* One attempt; true when the lock is now held by the caller. */
static inline bool nx_spin_trylock(nx_spinlock_t *lock)
{
    return atomic_exchange_explicit(&lock->locked, 1u, memory_order_acquire) == 0u;
}

static inline void nx_spin_lock(nx_spinlock_t *lock)
{
    if (!nx_spin_trylock(lock))
        nx_spin_lock_contended(lock);
}

static inline void nx_spin_unlock(nx_spinlock_t *lock)
{
    atomic_store_explicit(&lock->locked, 0u, memory_order_release);
}

#endif /* NX_SPINLOCK_H */
