/*
 * nexus/trace.h - kernel trace events. Values are frozen: recordings and
 * trace files written by one build are read by others.
 */
#ifndef NEXUS_TRACE_H
#define NEXUS_TRACE_H

#include <stdint.h>

typedef enum nx_trace_kind {
    NX_TRACE_NONE = 0,
    NX_TRACE_CONTEXT_SWITCH = 1, /* a: thread switched from, b: thread switched to (0: idle) */
    NX_TRACE_SYSCALL_ENTER = 2,  /* a: syscall number, b: calling thread */
    NX_TRACE_SYSCALL_EXIT = 3,   /* a: syscall number, b: status (nx_status_t) */
    NX_TRACE_WAKE = 4,           /* a: thread made runnable, b: hart it was queued on */
    NX_TRACE_TIMER_FIRE = 5,     /* a: timers fired by this interrupt, b: the first's deadline */
    NX_TRACE_TIMER_PROGRAM = 6,  /* a: hardware deadline programmed (UINT64_MAX: disarmed) */
    NX_TRACE_IPI_SEND = 7,       /* a: target hart, b: class << 16 | reasons */
    NX_TRACE_IPI_RECEIVE = 8,    /* a: reasons taken, b: 0 */
    NX_TRACE_IPI_COALESCED = 9,  /* a: target hart, b: class << 16 | reasons */
    NX_TRACE_IPI_THROTTLED = 10, /* a: target hart, b: class << 16 | reasons */
    NX_TRACE_IRQ = 11,           /* a: interrupt source, b: 1 if a handler took it */
    NX_TRACE_AUDIT = 12,         /* a: nx_audit_op_t, b: nx_audit_reason_t */
    NX_TRACE_THREAD_EXIT = 13,   /* a: thread, b: exit code */
    NX_TRACE_KIND_COUNT
} nx_trace_kind_t;

typedef struct nx_trace_event {
    uint64_t time_ns; /* nx_port_time_ns() */
    uint32_t hart;    /* logical hart, UINT32_MAX before the port knows it */
    uint32_t kind;    /* nx_trace_kind_t */
    uint64_t a;
    uint64_t b;
} nx_trace_event_t;

#endif /* NEXUS_TRACE_H */
