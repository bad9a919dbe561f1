/*
 * nxsim/record.h - recordings of simulated runs, and replaying them.
 *
 * A recording holds what reproduces a run and what checks the reproduction:
 * the format version, the identity of the sources that made it, the
 * scenario text, the seed and hart count used, and the run's whole event
 * stream (nx_sim_event_t: every scheduling decision, kernel trace event,
 * interrupt, IPI, console write and injection, in order) with its digest.
 * Every choice the machine makes comes from the seeded PRNG and lands in
 * that stream, so a replay re-runs the scenario with the seed and compares
 * the stream event by event: the first difference is the bug's address.
 * The file format is text, described in docs/scenarios.md.
 */
#ifndef NXSIM_RECORD_H
#define NXSIM_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nexus/status.h"
#include "nxsim/sim.h"

#define NX_RECORD_VERSION      1u
#define NX_RECORD_MAX_SCENARIO (256u * 1024u) /* as NX_SCENARIO_MAX_BYTES */
#define NX_RECORD_MAX_EVENTS   (64ull << 20)  /* events one recording may hold */
#define NX_RECORD_NEIGHBOURS   3u             /* events shown around a divergence */
#define NX_RECORD_NAME_BYTES   256u

typedef struct nx_recording {
    char source_id[32]; /* NX_SOURCE_ID of the build that recorded */
    char flavour[32];   /* which build (informational: host, host-asan...) */
    char scenario_name[NX_RECORD_NAME_BYTES];
    char *scenario_text; /* malloc'd, scenario_len bytes plus a NUL */
    size_t scenario_len;
    uint64_t seed;
    uint32_t harts;
    nx_sim_event_t *events; /* malloc'd, grows as the run goes */
    uint64_t count;
    uint64_t cap;
    bool overflow; /* more than NX_RECORD_MAX_EVENTS: not replayable */
    uint64_t digest;
    uint64_t end_time_ns;
} nx_recording_t;

/* An empty recording of this build (its source id and flavour). */
void nx_recording_init(nx_recording_t *rec);
void nx_recording_free(nx_recording_t *rec);

/* Keep a copy of the scenario text (NX_ERR_NO_RESOURCES, NX_ERR_OUT_OF_RANGE). */
nx_status_t nx_recording_set_scenario(nx_recording_t *rec, const char *name, const char *text,
                                      size_t len);

/* A tap (nx_sim_config_t.tap) appending each event; ctx: the recording. */
void nx_recording_tap(const nx_sim_event_t *ev, void *ctx);

/* Write to `to`: 0, or -1 when a write failed. */
int nx_recording_write(const nx_recording_t *rec, FILE *to);

/* Read a recording. NX_OK; NX_ERR_MALFORMED for a malformed one (why, with
 * its line, in err); NX_ERR_VERSION_MISMATCH for a newer format version;
 * NX_ERR_NO_RESOURCES when the host runs out of memory. */
nx_status_t nx_recording_read(FILE *from, nx_recording_t *rec, char *err, size_t err_len);

/* This build's source identity and flavour. */
const char *nx_record_source_id(void);
const char *nx_record_flavour(void);

/* A replay in progress: a tap comparing the run's stream with a recording. */
typedef struct nx_replay {
    const nx_recording_t *rec;
    uint64_t index; /* events seen */
    bool diverged;
    uint64_t at;                                        /* the first differing event's index */
    nx_sim_event_t got[2u * NX_RECORD_NEIGHBOURS + 1u]; /* the run's events around it */
    uint32_t got_first;                                 /* index of got[0] is at - got_first */
    uint32_t got_count;
} nx_replay_t;

void nx_replay_init(nx_replay_t *rp, const nx_recording_t *rec);

/* The tap; ctx: the nx_replay_t. */
void nx_replay_tap(const nx_sim_event_t *ev, void *ctx);

/* After the run: true when the stream and digest matched the recording.
 * A run shorter than its recording diverges where it ended. */
bool nx_replay_matched(nx_replay_t *rp, const nx_sim_result_t *r);

/* Print the first difference with its neighbours, both sides. */
void nx_replay_report(const nx_replay_t *rp, FILE *to);

/* One event, readably: "#12 t=1500ns hart 1 trace syscall-enter a=3 b=7". */
void nx_sim_event_format(const nx_sim_event_t *ev, char *buf, size_t len);

/* The tag's name ("resume", "trace", ...), "?" for an unknown one. */
const char *nx_sim_event_tag_name(uint32_t tag);

#endif /* NXSIM_RECORD_H */
