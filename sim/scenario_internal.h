/*
 * scenario_internal.h - what the scenario parser and checker share
 * (sim/scenario.c, sim/scenario_check.c).
 */
#ifndef NX_SIM_SCENARIO_INTERNAL_H
#define NX_SIM_SCENARIO_INTERNAL_H

/* A token or console text quoted in a message: at most this many bytes of it. */
#define SCN_ECHO_MAX 32u
/* Room for an echo: each byte may become \xHH, plus "..." and the NUL. */
#define SCN_ECHO_CHARS (SCN_ECHO_MAX * 4u + 4u)

#endif /* NX_SIM_SCENARIO_INTERNAL_H */
