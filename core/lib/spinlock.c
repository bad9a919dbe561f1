/*
 * spinlock.c - test-and-test-and-set spin lock (see nx/spinlock.h).
 */
#include "nx/spinlock.h"
#include "nx/port.h"

bool nx_spin_trylock(nx_spinlock_t *lock)
{
    return atomic_exchange_explicit(&lock->locked, 1u, memory_order_acquire) == 0u;
}

void nx_spin_lock(nx_spinlock_t *lock)
{
    while (!nx_spin_trylock(lock)) {
        /* Spin on a plain load so waiters do not bounce the cache line. */
        while (atomic_load_explicit(&lock->locked, memory_order_relaxed) != 0u)
            nx_port_relax();
    }
}

void nx_spin_unlock(nx_spinlock_t *lock)
{
    atomic_store_explicit(&lock->locked, 0u, memory_order_release);
}
