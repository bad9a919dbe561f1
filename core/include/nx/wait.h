/*
 * nx/wait.h - the one bounded wait primitive: block the current thread on a
 * queue until woken or until a deadline. Sleep, join, and later IPC, fences
 * and DriverKit all wait through it.
 *
 * Every wait has a deadline, at most NX_MAX_WAIT_NS (60 s) ahead: a farther
 * or "infinite" deadline is refused with NX_ERR_INVALID_ARGS (not clamped:
 * a caller that means "forever" must say how long it is willing to wait,
 * and loop). A deadline already past returns NX_ERR_TIMED_OUT at once.
 *
 * Protocol: take q->lock, test the condition, and if it does not hold call
 * nx_wait_locked(): it queues the thread, releases the lock, blocks, and
 * returns the status the waker chose (NX_OK), NX_ERR_TIMED_OUT, or what
 * the waker passed (NX_ERR_PEER_CLOSED, NX_ERR_CANCELED...). Wakers take
 * q->lock and call nx_wake_*_locked().
 *
 * Lock order: a wait queue lock is taken before a thread's sched_lock, run
 * queue locks and timer queue locks; never the reverse.
 */
#ifndef NX_WAIT_H
#define NX_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/sched.h"
#include "nexus/status.h"
#include "nx/spinlock.h"

typedef struct nx_thread nx_thread_t;

typedef struct nx_wait_queue {
    nx_spinlock_t lock;
    nx_thread_t *head; /* FIFO: the longest waiter is woken first */
    nx_thread_t *tail;
    uint32_t count;
} nx_wait_queue_t;

#define NX_WAIT_QUEUE_INIT                                                                         \
    {                                                                                              \
        NX_SPINLOCK_INIT, 0, 0, 0                                                                  \
    }

void nx_wait_queue_init(nx_wait_queue_t *q);

/* NX_OK when `deadline_ns` is a deadline a wait may have now: not more than
 * NX_MAX_WAIT_NS away (past deadlines are fine: they time out at once). */
nx_status_t nx_deadline_check(uint64_t deadline_ns);

/* Block on `q` (lock held; released) until woken or `deadline_ns`. */
nx_status_t nx_wait_locked(nx_wait_queue_t *q, uint64_t deadline_ns);

/* The same, letting the timeout fire up to `slack_ns` late so it can share
 * a hardware interrupt with other timers (nx/timer.h). */
nx_status_t nx_wait_locked_slack(nx_wait_queue_t *q, uint64_t deadline_ns, uint64_t slack_ns);

/* If `t` waits on any queue, wake it with `result` (its task is ending).
 * Takes the queue's lock: the caller holds no wait queue lock. */
void nx_wait_cancel(nx_thread_t *t, nx_status_t result);

/* Wake the longest waiter / every waiter with `result`; lock held. Return
 * how many were woken. */
uint32_t nx_wake_one_locked(nx_wait_queue_t *q, nx_status_t result);
uint32_t nx_wake_all_locked(nx_wait_queue_t *q, nx_status_t result);

#endif /* NX_WAIT_H */
