/*
 * spinlock.c - the contended path of the spin lock (see nx/spinlock.h).
 */
#include "nx/port.h"
#include "nx/spinlock.h"

void nx_spin_lock_contended(nx_spinlock_t *lock)
{
    do {
        /* Spin on a plain load so waiters do not bounce the cache line. */
        while (atomic_load_explicit(&lock->locked, memory_order_relaxed) != 0u)
            nx_port_relax();
    } while (!nx_spin_trylock(lock));
}
