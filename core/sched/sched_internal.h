/*
 * sched_internal.h - what the files of core/sched share.
 */
#ifndef NX_SCHED_INTERNAL_H
#define NX_SCHED_INTERNAL_H

#include "nx/sched.h"

/* Reset one hart's state (core reset). */
nx_percpu_t *nx_percpu_reset(uint32_t hart);

/* Another hart's state, for the scheduler's own use across harts: only
 * what that hart's run queue lock (held) guards, or atomics. */
nx_percpu_t *nx_percpu_of(uint32_t hart);

/* Every hart's state, read without locks for counters (no port calls). */
const nx_percpu_t *nx_percpu_peek(uint32_t hart);

/* Run after every context switch, in the context now running: lets the
 * thread switched away from be picked elsewhere, releases it if dead. */
void nx_sched_finish_switch(void);

/* Harts in their idle loop with nothing to run (sched.c): woken to steal
 * when work queues up on a busy hart they could take it from. */
extern _Atomic nx_affinity_t nx_sched_idle_mask;

/* --- budget.c: budgets and the slice timer --------------------------------- */

/*
 * Charge `t` (running on p's hart) for the time since it last started or
 * was charged, and set its class for what follows: its own class while its
 * task's budget for it lasts, Normal after. Caller holds p's run queue lock.
 */
void nx_sched_account(nx_percpu_t *p, nx_thread_t *t, uint64_t now);

/* Arm p's slice timer for `t` (cancel it for the idle thread). */
void nx_sched_arm_slice(nx_percpu_t *p, nx_thread_t *t, uint64_t now);

/* Set up p's slice timer (its hart coming up). */
void nx_sched_slice_init(nx_percpu_t *p);

/* --- place.c: queues and the harts told -------------------------------------- */

/* Where `t` should be queued: its last hart if allowed, else the lowest
 * allowed online hart. */
uint32_t nx_sched_place(const nx_thread_t *t);

/* Queue `t` (READY from now, on no queue) on `hart` and tell that hart if
 * it should look. The caller holds t->sched_lock. */
void nx_sched_enqueue(nx_thread_t *t, uint32_t hart);

/* Nudge one idle hart other than `busy` that may run `allowed` to steal. */
void nx_sched_kick_idle(nx_affinity_t allowed, uint32_t busy);

/* --- steal.c ------------------------------------------------------------------ */

/* Take one thread from another hart's queue onto p's; true if one came. */
bool nx_sched_steal(nx_percpu_t *p);

/* The IPI interrupt's work (ipi.c). */
void nx_ipi_receive(nx_percpu_t *p);

/* Threads (thread.c): release a dead thread's context and the scheduler's
 * reference. */
void nx_thread_reap(nx_thread_t *t);

#endif /* NX_SCHED_INTERNAL_H */
