/*
 * trace.c - kernel events, stamped and handed to the port (see nx/trace.h).
 */
#include "nx/boot.h"
#include "nx/port.h"
#include "nx/trace.h"

#if NX_TRACE_EVENTS
void nx_trace(nx_trace_kind_t kind, uint64_t a, uint64_t b)
{
    nx_trace_event_t ev;
    ev.time_ns = nx_port_time_ns();
    ev.hart = nx_boot_stage() >= NX_BOOT_STAGE_MACHINE ? nx_port_this_hart() : UINT32_MAX;
    ev.kind = (uint32_t)kind;
    ev.a = a;
    ev.b = b;
    nx_port_trace(&ev);
}
#endif

const char *nx_trace_kind_name(nx_trace_kind_t kind)
{
    switch (kind) {
    case NX_TRACE_NONE:
        return "none";
    case NX_TRACE_CONTEXT_SWITCH:
        return "context-switch";
    case NX_TRACE_SYSCALL_ENTER:
        return "syscall-enter";
    case NX_TRACE_SYSCALL_EXIT:
        return "syscall-exit";
    case NX_TRACE_WAKE:
        return "wake";
    case NX_TRACE_TIMER_FIRE:
        return "timer-fire";
    case NX_TRACE_TIMER_PROGRAM:
        return "timer-program";
    case NX_TRACE_IPI_SEND:
        return "ipi-send";
    case NX_TRACE_IPI_RECEIVE:
        return "ipi-receive";
    case NX_TRACE_IPI_COALESCED:
        return "ipi-coalesced";
    case NX_TRACE_IPI_THROTTLED:
        return "ipi-throttled";
    case NX_TRACE_IRQ:
        return "irq";
    case NX_TRACE_AUDIT:
        return "audit";
    case NX_TRACE_THREAD_EXIT:
        return "thread-exit";
    case NX_TRACE_KIND_COUNT:
        break;
    }
    return "unknown";
}
