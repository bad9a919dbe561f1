/*
 * run.h - one scenario run with its taps, shared by run, replay and explore.
 */
#ifndef NXSIM_TOOL_RUN_H
#define NXSIM_TOOL_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nxsim/record.h"
#include "nxsim/scenario.h"
#include "nxsim/trace_json.h"

typedef struct nx_tool_run_opts {
    bool seed_set;
    uint64_t seed;         /* instead of the scenario's */
    uint32_t harts;        /* instead of the scenario's; 0: its own */
    bool echo;             /* print the console */
    bool quiet_check;      /* do not print failed expectations */
    nx_recording_t *rec;   /* record into this, or NULL */
    nx_trace_json_t *json; /* trace into this, or NULL */
    nx_replay_t *replay;   /* compare with this, or NULL */
} nx_tool_run_opts_t;

/* Run the scenario; NX_TOOL_OK / NX_TOOL_FAILED (expectations, *failed of
 * them), NX_TOOL_USAGE (configuration refused), NX_TOOL_HOST. */
int nx_tool_run_one(const nx_scenario_t *s, const nx_tool_run_opts_t *o, nx_sim_result_t *r,
                    uint32_t *failed);

/* The scenario's expectations, plus the implicit one when it names neither
 * an exit nor a stop: the machine powers off with exit pass. */
uint32_t nx_tool_check(const nx_scenario_t *s, const nx_sim_result_t *r, FILE *report);

#endif /* NXSIM_TOOL_RUN_H */
