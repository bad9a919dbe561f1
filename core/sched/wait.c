/*
 * wait.c - the bounded wait primitive (see nx/wait.h).
 *
 * A waiter is linked on the queue and BLOCKED with its one kernel timer
 * armed for the deadline. Whoever comes first, a waker or the timer,
 * unlinks it under the queue's lock and wakes it with a result; the other
 * finds it unlinked and does nothing. After waking, the waiter cancels its
 * timer and waits out a callback still running, so the timer cannot touch
 * a later wait; and it waits out every nx_wait_cancel() still looking at
 * its queue (t->cancellers), which may live on its stack or in an object
 * it stops holding once the wait returns.
 *
 * A kill and a new wait race like Dekker's flags: the waiter publishes
 * waiting_on, then reads its task's dying; the killer (nx_task_kill) sets
 * dying, then reads waiting_on; full fences between. At least one sees
 * the other: the waiter does not block, or the killer wakes it.
 */
#include "nx/barrier.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/sched.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nx/wait.h"

/* A wait's timer fires exactly at its deadline: waits carry no slack of
 * their own (sleep passes the caller's). */
#define NX_WAIT_SLACK_NS 0u

void nx_wait_queue_init(nx_wait_queue_t *q)
{
    nx_spin_init(&q->lock);
    q->head = NULL;
    q->tail = NULL;
    q->count = 0;
}

nx_status_t nx_deadline_check(uint64_t deadline_ns)
{
    uint64_t now = nx_port_time_ns();
    if (deadline_ns > now && deadline_ns - now > NX_MAX_WAIT_NS)
        return NX_ERR_INVALID_ARGS;
    return NX_OK;
}

static void unlink_waiter(nx_wait_queue_t *q, nx_thread_t *t)
{
    if (t->wq_prev != NULL)
        t->wq_prev->wq_next = t->wq_next;
    else
        q->head = t->wq_next;
    if (t->wq_next != NULL)
        t->wq_next->wq_prev = t->wq_prev;
    else
        q->tail = t->wq_prev;
    t->wq_next = t->wq_prev = NULL;
    atomic_store_explicit(&t->waiting_on, NULL, memory_order_release);
    q->count--;
}

/* Wake `t` with `result` if it still waits on `q` (someone may have woken
 * it since we looked). */
static void wake_if_waiting(nx_wait_queue_t *q, nx_thread_t *t, nx_status_t result)
{
    nx_spin_lock(&q->lock);
    if (atomic_load_explicit(&t->waiting_on, memory_order_relaxed) == q) {
        unlink_waiter(q, t);
        nx_sched_wake(t, result);
    }
    nx_spin_unlock(&q->lock);
}

void nx_wait_cancel(nx_thread_t *t, nx_status_t result)
{
    /* Counted before waiting_on is read: the wait cannot return, and its
     * queue go away, until this is done with it. */
    atomic_fetch_add_explicit(&t->cancellers, 1u, memory_order_seq_cst);
    nx_wait_queue_t *q = atomic_load_explicit(&t->waiting_on, memory_order_seq_cst);
    if (q != NULL)
        wake_if_waiting(q, t, result);
    atomic_fetch_sub_explicit(&t->cancellers, 1u, memory_order_release);
}

/* The thread's timer: its wait timed out (unless someone woke it first). */
static void wait_timed_out(nx_timer_t *timer, void *arg)
{
    (void)timer;
    nx_thread_t *t = arg;
    nx_wait_cancel(t, NX_ERR_TIMED_OUT);
}

nx_status_t nx_wait_locked_slack(nx_wait_queue_t *q, uint64_t deadline_ns, uint64_t slack_ns)
{
    nx_thread_t *t = nx_thread_current();
    if (nx_deadline_check(deadline_ns) != NX_OK) {
        nx_spin_unlock(&q->lock);
        return NX_ERR_INVALID_ARGS;
    }
    if (deadline_ns <= nx_port_time_ns()) {
        nx_spin_unlock(&q->lock);
        return NX_ERR_TIMED_OUT;
    }
    if (t->is_idle)
        nx_panic("an idle thread tried to wait");

    t->wq_next = NULL;
    t->wq_prev = q->tail;
    if (q->tail != NULL)
        q->tail->wq_next = t;
    else
        q->head = t;
    q->tail = t;
    q->count++;
    atomic_store_explicit(&t->waiting_on, q, memory_order_seq_cst);
    /* A dying task's thread starts no wait (see the top of this file):
     * pairs with nx_task_cancel_waits' barrier. */
    nx_barrier_store_load();
    if (t->task != NULL && nx_task_dying(t->task)) {
        unlink_waiter(q, t);
        nx_spin_unlock(&q->lock);
        /* A killer that saw waiting_on may be about to lock q (which may be
         * on this stack): it must be done before we return. */
        while (atomic_load_explicit(&t->cancellers, memory_order_acquire) != 0u)
            nx_port_relax();
        return NX_ERR_CANCELED;
    }
    atomic_store_explicit(&t->wait_result, (int32_t)NX_ERR_TIMED_OUT, memory_order_relaxed);
    atomic_store_explicit(&t->state, (uint32_t)NX_THREAD_BLOCKED, memory_order_release);
    nx_timer_init(&t->timeout, wait_timed_out, t);
    nx_timer_arm(&t->timeout, deadline_ns, slack_ns);
    nx_spin_unlock(&q->lock);

    nx_sched_block();

    nx_timer_cancel_sync(&t->timeout);
    while (atomic_load_explicit(&t->cancellers, memory_order_acquire) != 0u)
        nx_port_relax();
    return (nx_status_t)atomic_load_explicit(&t->wait_result, memory_order_acquire);
}

nx_status_t nx_wait_locked(nx_wait_queue_t *q, uint64_t deadline_ns)
{
    return nx_wait_locked_slack(q, deadline_ns, NX_WAIT_SLACK_NS);
}

uint32_t nx_wake_one_locked(nx_wait_queue_t *q, nx_status_t result)
{
    nx_thread_t *t = q->head;
    if (t == NULL)
        return 0;
    unlink_waiter(q, t);
    nx_sched_wake(t, result);
    return 1;
}

uint32_t nx_wake_all_locked(nx_wait_queue_t *q, nx_status_t result)
{
    uint32_t n = 0;
    while (nx_wake_one_locked(q, result) != 0u)
        n++;
    return n;
}
