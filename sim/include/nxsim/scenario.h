/*
 * nxsim/scenario.h - scenario files: a simulated machine, its programs,
 * the external events that happen to it, and what the run must show.
 *
 * A scenario is a line-oriented text file (docs/scenarios.md is the full
 * format): `nexus-scenario 1` first, then machine, bootargs, program, at,
 * limit and expect lines. nx_scenario_parse() turns it into an
 * nx_sim_config_t plus expectations, refusing anything malformed with the
 * line and column of the offending token; after nx_sim_run(),
 * nx_scenario_check() says which expectations the result breaks.
 *
 * Versioning: a file declares the format version it was written for. A
 * directive, key or word unknown to that version is an error; later
 * versions only add directives and keys, so an old file keeps its meaning;
 * a reader refuses a version newer than NX_SCENARIO_VERSION.
 */
#ifndef NXSIM_SCENARIO_H
#define NXSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nexus/status.h"
#include "nxsim/sim.h"

#define NX_SCENARIO_VERSION     1u             /* the newest format version this build reads */
#define NX_SCENARIO_MAX_BYTES   (256u * 1024u) /* a scenario file's size */
#define NX_SCENARIO_MAX_LINE    1024u          /* one line's length, in bytes */
#define NX_SCENARIO_MAX_EXPECTS 64u            /* expect lines in one file */
#define NX_SCENARIO_MAX_WORDS   16u            /* tokens on one line */
/* A quoted string (console marker, bootargs) and a program or counter
 * name, each with its NUL. */
#define NX_SCENARIO_MAX_TEXT 160u
#define NX_SCENARIO_MAX_NAME 48u
/* Bounds of settings: machine memory-mib= (as nexus-sim --memory-mib),
 * machine interleave= (per mille), expect exit N (a process exit status). */
#define NX_SCENARIO_MAX_MEMORY_MIB (1024u * 1024u)
#define NX_SCENARIO_MAX_INTERLEAVE 1000u
#define NX_SCENARIO_MAX_EXIT       255u
/* What an error keeps: the file's name and the message, each with its NUL. */
#define NX_SCENARIO_FILE_CHARS    256u
#define NX_SCENARIO_MESSAGE_CHARS 200u

typedef enum nx_expect_kind {
    NX_EXPECT_CONSOLE = 1, /* text: the console contains it */
    NX_EXPECT_NO_CONSOLE,  /* text: the console does not contain it */
    NX_EXPECT_EXIT,        /* value: the exit code at shutdown */
    NX_EXPECT_STOP,        /* value: nx_sim_stop_t */
    NX_EXPECT_COUNTER,     /* counter cmp value (nx_scenario_counter) */
    NX_EXPECT_DIGEST,      /* value: the run's digest */
} nx_expect_kind_t;

typedef enum nx_cmp {
    NX_CMP_EQ = 0, /* == */
    NX_CMP_NE,     /* != */
    NX_CMP_LT,     /* < */
    NX_CMP_LE,     /* <= */
    NX_CMP_GT,     /* > */
    NX_CMP_GE,     /* >= */
} nx_cmp_t;

typedef struct nx_scenario_expect {
    uint32_t kind; /* nx_expect_kind_t */
    uint32_t line; /* of the expect line, for reports */
    uint32_t cmp;  /* nx_cmp_t (NX_CMP_EQ but for counters) */
    uint64_t value;
    char text[NX_SCENARIO_MAX_TEXT];
    char counter[NX_SCENARIO_MAX_NAME];
} nx_scenario_expect_t;

/* A parsed scenario. cfg's program names, peers and bootargs point into
 * the arrays below: use the scenario where it was parsed (a copy's cfg
 * still points into the original). */
typedef struct nx_scenario {
    char file[NX_SCENARIO_FILE_CHARS]; /* for messages */
    uint32_t version;                  /* the file's nexus-scenario line */
    nx_sim_config_t cfg;               /* nx_sim_config_default(), then the file's settings */
    char names[NX_MAX_BOOT_PROGRAMS][NX_SCENARIO_MAX_NAME];
    char peers[NX_MAX_BOOT_PROGRAMS][NX_SCENARIO_MAX_NAME];
    char bootargs[NX_SCENARIO_MAX_TEXT];
    bool seed_given; /* the machine line set seed= (a runner may then not override it) */
    nx_scenario_expect_t expects[NX_SCENARIO_MAX_EXPECTS];
    uint32_t expect_count;
} nx_scenario_t;

/* Where and why a scenario was refused. line 0: the file itself (it could
 * not be opened or read, or is too large); lines and columns count from 1,
 * columns in bytes. */
typedef struct nx_scenario_error {
    char file[NX_SCENARIO_FILE_CHARS];
    uint32_t line, column;
    char message[NX_SCENARIO_MESSAGE_CHARS]; /* one line, no newline */
} nx_scenario_error_t;

/*
 * Parse `len` bytes of scenario text (need not be NUL-terminated; a NUL
 * byte inside is an error). `file` names the source in messages (NULL:
 * "<scenario>"). *out must stay where it is afterwards (see nx_scenario_t).
 *   NX_OK                *out is the scenario
 *   NX_ERR_INVALID_ARGS  malformed: *err says where (the offending token's
 *                        line and column) and why; *out means nothing.
 *                        Also (at 1:1) when text or out is NULL or len is
 *                        over NX_SCENARIO_MAX_BYTES; err may be NULL.
 */
nx_status_t nx_scenario_parse(const char *text, size_t len, const char *file, nx_scenario_t *out,
                              nx_scenario_error_t *err);

/*
 * Read the file at `path` and parse it (path is `file` in messages).
 *   NX_OK, NX_ERR_INVALID_ARGS  as nx_scenario_parse
 *   NX_ERR_NOT_FOUND     it cannot be opened (*err says why, line 0)
 *   NX_ERR_OUT_OF_RANGE  it is larger than NX_SCENARIO_MAX_BYTES (line 0)
 *   NX_ERR_IO            it opened but could not be read (a directory...; line 0)
 *   NX_ERR_NO_RESOURCES  no memory to read it into (line 0)
 */
nx_status_t nx_scenario_load(const char *path, nx_scenario_t *out, nx_scenario_error_t *err);

/* "file:line:column: error: message\n" to `to` ("file: error: message\n"
 * for line 0). */
void nx_scenario_error_print(const nx_scenario_error_t *err, FILE *to);

/*
 * A named counter of a finished run: true with *out, false for a name
 * that is not one. With r NULL only says whether `name` is a counter
 * (*out untouched; out may be NULL). The names:
 *   switches events injections ipis-dropped raises-lost tlb-shootdowns
 *   end-time-ns digest exit-code (as is, meaningful after a shutdown)
 *   console-bytes (every byte written, kept or cut)
 *   trace.<kind>                kernel trace events of a kind, by
 *                               nx_trace_kind_name: trace.ipi-send...
 *   sched.<field>               summed over the run's harts: switches
 *                               preemptions yields steals demotions
 *                               ipi-received, and ipi-sent ipi-coalesced
 *                               ipi-throttled ipi-failed (both classes;
 *                               .correctness or .best-effort for one)
 *   timer.<field>               summed over the harts: armed fired
 *                               interrupts programmed coalesced
 */
bool nx_scenario_counter(const nx_sim_result_t *r, const char *name, uint64_t *out);

/*
 * Check every expectation of `s` against the finished run `r`. Prints one
 * line per failed expectation to `report` (NULL: none),
 * "file:line: expected ...; got ...", and returns how many failed.
 */
uint32_t nx_scenario_check(const nx_scenario_t *s, const nx_sim_result_t *r, FILE *report);

/* The operator of a comparison as written ("<="), "?" for another value. */
const char *nx_scenario_cmp_name(nx_cmp_t cmp);

#endif /* NXSIM_SCENARIO_H */
