/*
 * nx/timer.h - kernel timers with slack, coalesced per hart (TASK-0013).
 *
 * A timer fires once, on the hart that armed it, at some time in
 * [deadline, deadline + slack]. Each hart keeps its armed timers in one
 * queue and programs its one-shot hardware timer (nx_port_timer_arm) for
 * the earliest "latest allowed" time among them; that interrupt fires every
 * timer whose deadline has passed. Timers whose windows overlap therefore
 * share one hardware programming: a new timer whose window covers the time
 * already programmed costs none.
 *
 * Callbacks run in interrupt context on the timer's hart with no timer lock
 * held: they may wake threads, re-arm timers, take other locks.
 */
#ifndef NX_TIMER_H
#define NX_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/limits.h"

/* Slack beyond this is cut down to it (a timer's lateness stays bounded). */
#define NX_TIMER_MAX_SLACK_NS 10000000ull /* 10 ms */

/* Not on any hart's queue. */
#define NX_TIMER_NONE UINT32_MAX

typedef struct nx_timer nx_timer_t;
typedef void (*nx_timer_fn)(nx_timer_t *timer, void *arg);

struct nx_timer {
    uint64_t deadline; /* fire no earlier */
    uint64_t latest;   /* fire no later: deadline + slack, saturated */
    nx_timer_fn fn;
    void *arg;
    /* Guarded by the lock of the queue it is on (hart also read without
     * it by a canceller, to find that queue: acquire, paired with the
     * release stores of whoever arms or fires it): */
    nx_timer_t *next;
    _Atomic uint32_t hart; /* queue it is on, NX_TIMER_NONE when not armed */
    atomic_uint firing;    /* its callback is running right now */
};

typedef struct nx_timer_stats {
    uint64_t armed;      /* nx_timer_arm calls */
    uint64_t fired;      /* callbacks run */
    uint64_t interrupts; /* hardware timer interrupts taken */
    uint64_t programmed; /* hardware programmings for a deadline */
    uint64_t coalesced;  /* timers fired by an interrupt another timer needed:
                            hardware programmings avoided */
} nx_timer_stats_t;

void nx_timer_init(nx_timer_t *timer, nx_timer_fn fn, void *arg);

/* Arm (or re-arm) `timer` on the calling hart. */
void nx_timer_arm(nx_timer_t *timer, uint64_t deadline, uint64_t slack);

/* Disarm; true when it was armed (its callback will not run), false when it
 * was not armed or is already firing. Any hart may cancel. */
bool nx_timer_cancel(nx_timer_t *timer);

/* Disarm, and if its callback is running on another hart, wait until it has
 * returned: afterwards nothing of the old arming touches the timer's owner. */
void nx_timer_cancel_sync(nx_timer_t *timer);

/* The hardware timer fired on this hart (nx_kernel_timer_interrupt). */
void nx_timer_interrupt(void);

/* Counters of one hart's queue (read without its lock: a snapshot). */
nx_timer_stats_t nx_timer_stats(uint32_t hart);

/* Empty every queue; core reset only. */
void nx_timer_reset(void);

#endif /* NX_TIMER_H */
