/*
 * nx/thread.h - threads: the unit the scheduler runs.
 *
 * States (docs/scheduler.md has the diagram):
 *   READY    on a hart's run queue
 *   RUNNING  executing on a hart (the percpu's current)
 *   BLOCKED  waiting (sleep, join, a wait queue) until woken or timed out
 *   DEAD     exited; its context is released by the next context that runs
 *            on its hart, the object lives on while handles name it (join)
 * Transitions: create -> READY; READY -> RUNNING (picked); RUNNING -> READY
 * (yield, preempted, slice over); RUNNING -> BLOCKED (wait); BLOCKED ->
 * READY (woken, timed out); RUNNING -> DEAD (exit).
 */
#ifndef NX_THREAD_H
#define NX_THREAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/sched.h"
#include "nexus/types.h"
#include "nx/budget.h"
#include "nx/object.h"
#include "nx/port.h"
#include "nx/timer.h"
#include "nx/wait.h"

typedef struct nx_task nx_task_t;

/* nx_thread_t.rq_hart of a thread on no run queue. */
#define NX_RQ_NONE UINT32_MAX
typedef struct nx_thread nx_thread_t;

typedef enum nx_thread_state {
    NX_THREAD_READY = 0,
    NX_THREAD_RUNNING = 1,
    NX_THREAD_BLOCKED = 2,
    NX_THREAD_DEAD = 3,
} nx_thread_state_t;

struct nx_thread {
    nx_object_t obj;
    nx_thread_id_t id;
    nx_task_t *task;        /* holds a reference */
    nx_thread_t *task_next; /* its task's list of threads (task's user_lock) */
    nx_thread_t *task_prev;
    bool is_idle;   /* a hart's idle thread: never queued, never exits */
    bool ends_task; /* a program's first thread: its end is its task's (set before it starts) */
    nx_port_context_t ctx;
    uintptr_t entry; /* user program entry and argument */
    uintptr_t arg;
    uintptr_t user_stack_top; /* its user stack (nx/user.h), for a user thread */
    uintptr_t user_return;    /* where its user function returns to (0: none) */
    uint32_t stack_slot;      /* that stack's slot, NX_USER_NO_STACK for none */

    /* Scheduling (docs/scheduler.md, "Locks"). sched_lock serialises
     * whoever places the thread: a wake, a steal, a class or mask change,
     * a requeue by its own hart. `hart` (the hart it runs, is queued on or
     * last ran on) changes only under it; `rq_hart` (the queue it is on)
     * and the class fields also need that queue's lock. `on_cpu` is set
     * while a hart executes this context: no other hart may pick it then. */
    nx_spinlock_t sched_lock;
    _Atomic uint32_t state; /* nx_thread_state_t */
    atomic_uint on_cpu;
    /* hart, base_qos and affinity are written under the locks above and
     * read by other harts without them: C11 atomics, relaxed (the value may
     * be stale by the time it is used; nx_thread_hart() and friends). */
    _Atomic uint32_t hart;     /* hart it runs or is queued on, or ran last */
    _Atomic nx_qos_t base_qos; /* what it asked for (within its authority) */
    nx_qos_t qos;              /* effective: base, or Normal while out of budget */
    _Atomic nx_affinity_t affinity;
    nx_thread_t *rq_next; /* run queue links */
    nx_thread_t *rq_prev;
    uint32_t rq_class; /* the class queue it is on (qos may change meanwhile) */
    uint32_t rq_hart;  /* the hart whose queue it is on, NX_RQ_NONE when none */

    /* CPU accounting (by the hart running it). */
    uint64_t run_start_ns;   /* when it last started running */
    uint64_t cpu_ns;         /* total CPU time */
    nx_qos_budget_t *budget; /* its task's, or own_budget for a kernel thread */
    nx_qos_budget_t own_budget;

    /* Waiting (guarded by the wait queue's lock). waiting_on is also read
     * by a killer without it (wait.c: the store-load handshake). */
    _Atomic(nx_wait_queue_t *) waiting_on;
    nx_thread_t *wq_next;
    nx_thread_t *wq_prev;
    _Atomic int32_t wait_result; /* nx_status_t the wait returns */
    nx_timer_t timeout;          /* the thread's one kernel timer */
    /* Threads inside nx_wait_cancel() for this one: its wait does not
     * return (and its queue, perhaps on its stack, stays) until 0. */
    atomic_uint cancellers;

    /* End. */
    int32_t exit_code;
    nx_wait_queue_t exit_waiters; /* joiners; its lock also guards exit_code */
};

/* Scheduling fields other harts read without the run queue lock (the
 * value may be stale by the time it is used; writers hold the lock). */
static inline nx_affinity_t nx_thread_affinity(const nx_thread_t *t)
{
    return atomic_load_explicit(&t->affinity, memory_order_relaxed);
}

static inline nx_qos_t nx_thread_base_qos(const nx_thread_t *t)
{
    return atomic_load_explicit(&t->base_qos, memory_order_relaxed);
}

static inline uint32_t nx_thread_hart(const nx_thread_t *t)
{
    return atomic_load_explicit(&t->hart, memory_order_relaxed);
}

/* The thread running on this hart. */
nx_thread_t *nx_thread_current(void);

/* Threads alive; core reset only. */
void nx_thread_reset(void);

#endif /* NX_THREAD_H */
