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

/* The IPI interrupt's work (ipi.c). */
void nx_ipi_receive(nx_percpu_t *p);

/* Threads (thread.c): release a dead thread's context and the scheduler's
 * reference. */
void nx_thread_reap(nx_thread_t *t);

#endif /* NX_SCHED_INTERNAL_H */
