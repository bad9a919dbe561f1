/*
 * nx/trace.h - record a kernel event (nexus/trace.h) through the port.
 */
#ifndef NX_TRACE_H
#define NX_TRACE_H

#include <stdint.h>

#include "nexus/trace.h"

/* Stamp the event with time and hart and hand it to nx_port_trace(). A
 * build for a port that drops events (NX_TRACE_EVENTS 0) compiles it out. */
#if NX_TRACE_EVENTS
void nx_trace(nx_trace_kind_t kind, uint64_t a, uint64_t b);
#else
static inline void nx_trace(nx_trace_kind_t kind, uint64_t a, uint64_t b)
{
    (void)kind;
    (void)a;
    (void)b;
}
#endif

/* Stable name of a kind ("context-switch"); never NULL. */
const char *nx_trace_kind_name(nx_trace_kind_t kind);

#endif /* NX_TRACE_H */
