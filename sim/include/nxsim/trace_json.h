/*
 * nxsim/trace_json.h - a run's event stream (nx_sim_event_t) as a Chrome
 * trace-event JSON file, for the Perfetto UI (ui.perfetto.dev) and
 * chrome://tracing. Layout and format version: docs/trace-json.md.
 *
 * Usage: tj = nx_trace_json_begin(file, cfg.harts); cfg.tap =
 * nx_trace_json_tap; cfg.ctx = tj; nx_sim_run(&cfg, &r);
 * nx_trace_json_end(tj, r.end_time_ns).
 *
 * Host tool code: the writer allocates its state with malloc and writes
 * through the caller's buffered FILE, which the caller opens and closes.
 */
#ifndef NXSIM_TRACE_JSON_H
#define NXSIM_TRACE_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "nxsim/sim.h"

/* Written into otherData.format; bumped when the layout changes. */
#define NX_TRACE_JSON_FORMAT "nexus-sim trace 1"

/* Kernel threads whose syscall state the writer keeps; syscalls of threads
 * beyond that are left out and counted (otherData.thread_overflow_events). */
#define NX_TRACE_JSON_MAX_THREADS 4096u

/* Track ids (tid): pid 1 has logical hart N on tid N and the "machine"
 * track (device raises, injections, console) on NX_TRACE_JSON_MACHINE_TID;
 * pid 2 has kernel thread N on tid NX_TRACE_JSON_THREAD_TID_BASE + N (tids
 * never repeat across the two processes: Perfetto names threads by tid). */
#define NX_TRACE_JSON_MACHINE_TID     1000u
#define NX_TRACE_JSON_THREAD_TID_BASE 100000u

typedef struct nx_trace_json nx_trace_json_t; /* opaque; malloc'd */

/* Start writing to `to` (an open FILE) for a machine of `harts` harts
 * (1..NX_SIM_MAX_HARTS). NULL on allocation failure (errno ENOMEM) or a
 * bad argument (errno EINVAL). */
nx_trace_json_t *nx_trace_json_begin(FILE *to, uint32_t harts);

/* Feed one event of the stream (use it as / from the nx_sim_config_t tap). */
void nx_trace_json_event(nx_trace_json_t *tj, const nx_sim_event_t *ev);

/* A tap-compatible wrapper: ctx is the nx_trace_json_t*. */
void nx_trace_json_tap(const nx_sim_event_t *ev, void *ctx);

/* Close open slices at end_time_ns, finish the JSON, free. Returns 0, or
 * -1 if a write failed (errno kept). Does not close `to`. */
int nx_trace_json_end(nx_trace_json_t *tj, uint64_t end_time_ns);

#endif /* NXSIM_TRACE_JSON_H */
