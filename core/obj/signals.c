/*
 * signals.c - observers of object signals and the waiters they fire (see
 * nx/signals.h).
 */
#include "nx/signals.h"

void nx_waiter_init(nx_waiter_t *w)
{
    nx_wait_queue_init(&w->q);
    w->fired = false;
    w->result = NX_OK;
}

void nx_waiter_fire(nx_waiter_t *w, nx_status_t result)
{
    nx_spin_lock(&w->q.lock);
    if (!w->fired || (w->result == NX_OK && result != NX_OK)) {
        w->fired = true;
        w->result = result; /* an error (a cancel) outweighs a signal */
    }
    (void)nx_wake_one_locked(&w->q, w->result);
    nx_spin_unlock(&w->q.lock);
}

nx_status_t nx_waiter_block(nx_waiter_t *w, uint64_t deadline_ns)
{
    nx_spin_lock(&w->q.lock);
    if (w->fired) { /* before it could block: no wait, no timer */
        nx_status_t st = w->result;
        nx_spin_unlock(&w->q.lock);
        return st;
    }
    return nx_wait_locked(&w->q, deadline_ns);
}

void nx_signal_source_init(nx_signal_source_t *src, nx_spinlock_t *lock)
{
    src->lock = lock;
    src->head = NULL;
    src->canceled = false;
}

void nx_signals_observe_locked(nx_signal_source_t *src, nx_observer_t *obs)
{
    if (src->canceled) {
        obs->linked = false;
        nx_waiter_fire(obs->waiter, NX_ERR_CANCELED);
        return;
    }
    obs->prev = NULL;
    obs->next = src->head;
    if (src->head != NULL)
        src->head->prev = obs;
    src->head = obs;
    obs->linked = true;
}

void nx_signals_unobserve_locked(nx_signal_source_t *src, nx_observer_t *obs)
{
    if (!obs->linked)
        return;
    if (obs->prev != NULL)
        obs->prev->next = obs->next;
    else
        src->head = obs->next;
    if (obs->next != NULL)
        obs->next->prev = obs->prev;
    obs->next = obs->prev = NULL;
    obs->linked = false;
}

void nx_signals_fire_matching_locked(nx_signal_source_t *src, uint32_t signals)
{
    for (nx_observer_t *o = src->head; o != NULL; o = o->next)
        if ((o->wait_for & signals) != 0u)
            nx_waiter_fire(o->waiter, NX_OK);
}

void nx_signals_cancel_locked(nx_signal_source_t *src)
{
    src->canceled = true;
    while (src->head != NULL) {
        nx_observer_t *o = src->head;
        nx_signals_unobserve_locked(src, o);
        nx_waiter_fire(o->waiter, NX_ERR_CANCELED);
    }
}
