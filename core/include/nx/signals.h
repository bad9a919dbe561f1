/*
 * nx/signals.h - object signals and the waiters that observe them.
 *
 * A waitable object (a channel endpoint, an event) has a word of signals
 * (nexus/object.h) and an nx_signal_source_t, both guarded by a lock of the
 * object's own. Its ops give both (nx_object_ops_t.signal_source and
 * .signals_locked). Whenever its signals may have changed, the object
 * calls nx_signals_changed_locked() with the new value; when its last
 * capability goes it calls nx_signals_cancel_locked(), since nobody can
 * change its signals through a handle any more.
 *
 * A waiting thread (nx_object_wait: one handle or a bounded wait set) links
 * one nx_observer_t per object, all pointing at one nx_waiter_t; all of
 * them live on its kernel stack, and it unlinks every observer before it
 * returns. A change that matches an observer's mask fires the waiter; the
 * waiter then reads every object's signals afresh (level triggered: a
 * signal consumed meanwhile by another thread means waiting again).
 *
 * Lock order: the object's lock, then the waiter's queue lock, then the
 * scheduler's (nx/wait.h).
 */
#ifndef NX_SIGNALS_H
#define NX_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/spinlock.h"
#include "nx/wait.h"

/* One waiting thread: it blocks on q; q.lock guards fired and result.
 * Whoever fires it holds the lock of an object the waiter locks again
 * before it returns (a source's, a channel's): so the waiter, and its
 * stack, outlive every firing. */
typedef struct nx_waiter {
    nx_wait_queue_t q;
    bool fired;         /* something it waits for happened (or was canceled) */
    nx_status_t result; /* NX_OK, or the first error firing (a cancel is never lost) */
} nx_waiter_t;

/* One object a waiter observes. */
typedef struct nx_observer {
    struct nx_observer *next, *prev;
    nx_waiter_t *waiter;
    uint32_t wait_for; /* signals that fire the waiter */
    bool linked;       /* on its source's list (guarded by the source's lock) */
} nx_observer_t;

/* The observers of one object, guarded by *lock (the object's). */
typedef struct nx_signal_source {
    nx_spinlock_t *lock;
    nx_observer_t *head;
    bool canceled; /* its last capability is gone: no new observer may wait */
} nx_signal_source_t;

void nx_waiter_init(nx_waiter_t *w);

/* Fire `w` with `result` (the first firing's result is kept) and wake it
 * if it blocks already. Takes w->q.lock. */
void nx_waiter_fire(nx_waiter_t *w, nx_status_t result);

/* Block until `w` fires or `deadline_ns`; the firing's result, or the
 * wait's own (NX_ERR_TIMED_OUT, NX_ERR_CANCELED for a dying task,
 * NX_ERR_INVALID_ARGS for a deadline too far). */
nx_status_t nx_waiter_block(nx_waiter_t *w, uint64_t deadline_ns);

void nx_signal_source_init(nx_signal_source_t *src, nx_spinlock_t *lock);

/* Link / unlink an observer; src->lock held. Unlinking one that a cancel
 * already unlinked does nothing. Observing a canceled source links
 * nothing and fires the waiter with NX_ERR_CANCELED at once. */
void nx_signals_observe_locked(nx_signal_source_t *src, nx_observer_t *obs);
void nx_signals_unobserve_locked(nx_signal_source_t *src, nx_observer_t *obs);

void nx_signals_fire_matching_locked(nx_signal_source_t *src, uint32_t signals);

/* The object's signals are now `signals`: fire every observer they match.
 * src->lock held; one test when nobody observes (the IPC fast path). */
static inline void nx_signals_changed_locked(nx_signal_source_t *src, uint32_t signals)
{
    if (src->head != NULL)
        nx_signals_fire_matching_locked(src, signals);
}

/* The object can no longer be waited on (its last capability is gone):
 * unlink every observer and fire it with NX_ERR_CANCELED, and cancel every
 * later observer too (a waiter may hold a reference taken before the
 * close). src->lock held. */
void nx_signals_cancel_locked(nx_signal_source_t *src);

#endif /* NX_SIGNALS_H */
