/*
 * nx/spinlock.h - the kernel's spin lock.
 *
 * A test-and-test-and-set lock on a C11 atomic: acquire ordering on lock,
 * release on unlock, nx_port_relax() while spinning so the simulator can run
 * the holder. Rule: interrupts stay disabled while a lock is held (core only
 * enables them inside nx_port_interrupts_poll() and nx_port_idle(), which are
 * never called with a lock held), so a handler can never spin on a lock its
 * own hart holds.
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

void nx_spin_lock(nx_spinlock_t *lock);
void nx_spin_unlock(nx_spinlock_t *lock);

/* One attempt; true when the lock is now held by the caller. */
bool nx_spin_trylock(nx_spinlock_t *lock);

#endif /* NX_SPINLOCK_H */
