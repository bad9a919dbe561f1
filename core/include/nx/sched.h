/*
 * nx/sched.h - the SMP scheduler: per-hart run queues, QoS, affinity,
 * budgets, work stealing, IPIs (docs/scheduler.md).
 *
 * Per-hart state (nx_percpu_t) is reached only through nx_percpu(token),
 * where the token names the calling hart: asking for another hart's state
 * panics (the C form of the seeds' PerCpu<T: !Send>). The one part of a
 * hart's state other harts may touch is its run queue, and only with its
 * lock: nx_rq_lock() takes it, checking the lock order, and every run
 * queue operation checks that the calling hart holds that lock.
 *
 * Lock order (docs/scheduler.md): a wait queue lock, then a thread's
 * sched_lock, then run queue locks in ascending hart order, then leaves
 * (timer queue, task budget, IPI window locks). No spin lock is held
 * across a context switch.
 */
#ifndef NX_SCHED_H
#define NX_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/limits.h"
#include "nexus/sched.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "nx/thread.h"
#include "nx/timer.h"

/* How many queued threads an idle hart looks at per class of a victim when
 * stealing (threads its affinity forbids are skipped). */
#define NX_STEAL_SCAN_MAX 8u

/* Best-effort IPIs: at most this many to one hart per window; more are
 * dropped (counted as throttled): the target notices at its next tick. */
#define NX_IPI_BE_WINDOW_NS  100000ull /* 100 us */
#define NX_IPI_BE_PER_WINDOW 4u

/* Why an IPI was sent (the target's mailbox collects them). */
#define NX_IPI_RESCHED (1u << 0) /* a thread it should consider was queued */
#define NX_IPI_WAKE    (1u << 1) /* it may be idle and has work now */
#define NX_IPI_MIGRATE (1u << 2) /* its current thread may no longer run there */
#define NX_IPI_PING    (1u << 3) /* nothing to do: an interrupt, counted (the boot IPI test) */

typedef struct nx_runqueue {
    nx_spinlock_t lock;
    uint32_t hart;   /* whose queue it is */
    uint32_t owner;  /* hart holding the lock, plus one; 0 when free */
    uint32_t bitmap; /* bit c: the class-c queue is not empty */
    nx_thread_t *head[NX_QOS_COUNT];
    nx_thread_t *tail[NX_QOS_COUNT];
    uint32_t count;
} nx_runqueue_t;

typedef struct nx_sched_stats {
    uint64_t switches;    /* context switches on this hart */
    uint64_t preemptions; /* of a running thread by a better or equal one */
    uint64_t yields;
    uint64_t steals;      /* threads this hart took from others */
    uint64_t demotions;   /* threads that ran out of budget here */
    uint64_t ipi_sent[2]; /* by class (nx_ipi_class_t), sent by this hart */
    uint64_t ipi_coalesced[2];
    uint64_t ipi_throttled[2];
    uint64_t ipi_failed[2]; /* the port could not send */
    uint64_t ipi_received;  /* IPI interrupts taken by this hart */
} nx_sched_stats_t;

typedef struct nx_percpu {
    uint32_t hart;
    nx_runqueue_t rq;
    nx_thread_t *current;
    nx_thread_t idle;
    nx_thread_t *prev;               /* switched away from; released by the next context */
    bool prev_migrates;              /* prev must be queued on another hart once off this one */
    nx_port_aspace_t *active_aspace; /* the user space this hart has active */
    bool need_resched;
    nx_timer_t slice;
    uint32_t rq_locks_held; /* bit h: this hart holds hart h's run queue lock */
    /* IPIs to this hart: reasons waiting, and best-effort rate limiting. */
    atomic_uint ipi_pending;
    atomic_uint be_in_flight; /* a best-effort IPI is on its way here */
    nx_spinlock_t be_lock;
    uint64_t be_window_start;
    uint32_t be_window_count;
    nx_sched_stats_t stats; /* written by this hart only */
} nx_percpu_t;

/* The calling hart, as a token for nx_percpu(). Valid while the caller
 * cannot migrate: in the kernel, between scheduling points. */
typedef struct nx_hart_token {
    uint32_t hart;
} nx_hart_token_t;

nx_hart_token_t nx_hart_self(void);

/* The calling hart's own state; panics unless `token` is the calling hart. */
nx_percpu_t *nx_percpu(nx_hart_token_t token);

/* nx_percpu(nx_hart_self()) without the token check (which cannot fail
 * there): for the system call and trap return paths. */
nx_percpu_t *nx_percpu_self(void);

/* Lock / unlock hart `hart`'s run queue (lock order checked). */
nx_runqueue_t *nx_rq_lock(uint32_t hart);
void nx_rq_unlock(nx_runqueue_t *rq);

/* Run queue operations; the caller holds the queue's lock. */
void nx_rq_push_locked(nx_runqueue_t *rq, nx_thread_t *t);
void nx_rq_remove_locked(nx_runqueue_t *rq, nx_thread_t *t);
nx_thread_t *nx_rq_pick_locked(nx_runqueue_t *rq);
void nx_rq_init(nx_runqueue_t *rq, uint32_t hart);
/* The class of the best queued thread, or -1 when empty. */
int nx_rq_best_class_locked(const nx_runqueue_t *rq);

/* Mask of the harts threads may be placed on (online). */
nx_affinity_t nx_sched_online(void);

/* Bring up this hart's scheduler: its current execution becomes its idle
 * thread. */
void nx_sched_init_hart(void);

/* The idle thread's loop: run queued threads, steal, or wait. */
_Noreturn void nx_sched_idle_loop(void);

/* Make a new thread runnable (placed by its affinity). */
void nx_sched_start(nx_thread_t *t);

/* Give the hart to another thread of the same or a better class, if any. */
void nx_sched_yield(void);

/* The current thread set itself BLOCKED: switch away until woken. */
void nx_sched_block(void);

/* A BLOCKED thread may run again; `result` is what its wait returns. */
void nx_sched_wake(nx_thread_t *t, nx_status_t result);

/* The current thread ends. */
_Noreturn void nx_sched_exit(int32_t code);

/* Change a thread's QoS or affinity (already authorised): requeue it, or
 * move it off a hart its new mask forbids. */
void nx_sched_set_qos(nx_thread_t *t, nx_qos_t qos);
void nx_sched_set_affinity(nx_thread_t *t, nx_affinity_t mask);

/* Send an IPI of `cls` for `reasons` to `hart` through the rate limiter.
 * NX_OK when sent, coalesced or throttled (best effort). A best-effort IPI
 * the port cannot send returns its error (counted in ipi_failed); a
 * correctness IPI it cannot send panics: that promise cannot be kept. */
nx_status_t nx_ipi_send(uint32_t hart, nx_ipi_class_t cls, uint32_t reasons);

/* Counters of one hart (a snapshot). */
nx_sched_stats_t nx_sched_stats(uint32_t hart);

/* Forget every hart's scheduler state; core reset only. */
void nx_sched_reset(void);

#endif /* NX_SCHED_H */
