/*
 * fuzz_recording.c - libFuzzer target: nx_recording_read(), the reader of
 * recorded runs (sim/record.c; the format is in docs/scenarios.md).
 *
 * The input is the file, read through fmemopen().
 *   - refused: NX_ERR_MALFORMED or NX_ERR_VERSION_MISMATCH with a message
 *     that says which line;
 *   - accepted: the bounds of nxsim/record.h (harts, scenario size, event
 *     tags and words), then a round trip: nx_recording_write() of it, read
 *     again, is the same recording field for field and event for event.
 * Every recording is freed, accepted or not: the leak check (ASan's, at
 * exit, and libFuzzer's -detect_leaks per input) sees anything left.
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "nxsim/record.h"

/* Read `len` bytes of `text` as a recording file. */
static nx_status_t read_from(const void *text, size_t len, nx_recording_t *rec, char *why,
                             size_t why_len)
{
    /* fmemopen refuses an empty buffer: an empty file is /dev/null. */
    FILE *f = len > 0u ? fmemopen((void *)(uintptr_t)text, len, "r") : fopen("/dev/null", "r");
    FUZZ_CHECK(f != NULL, "cannot open the input as a file");
    why[0] = '\0';
    nx_status_t st = nx_recording_read(f, rec, why, why_len);
    fclose(f);
    return st;
}

static void check_bounds(const nx_recording_t *r)
{
    FUZZ_CHECK(memchr(r->source_id, '\0', sizeof r->source_id) != NULL, "source unterminated");
    FUZZ_CHECK(memchr(r->flavour, '\0', sizeof r->flavour) != NULL, "flavour unterminated");
    FUZZ_CHECK(memchr(r->scenario_name, '\0', sizeof r->scenario_name) != NULL,
               "scenario name unterminated");
    FUZZ_CHECK(r->harts >= 1u && r->harts <= NX_SIM_MAX_HARTS, "%u harts", r->harts);
    FUZZ_CHECK(r->scenario_text != NULL && r->scenario_len <= NX_RECORD_MAX_SCENARIO &&
                   r->scenario_text[r->scenario_len] == '\0',
               "scenario of %zu bytes", r->scenario_len);
    FUZZ_CHECK(r->count <= r->cap && r->count <= NX_RECORD_MAX_EVENTS && !r->overflow,
               "%" PRIu64 " events in room for %" PRIu64, r->count, r->cap);
    FUZZ_CHECK(r->count == 0u || r->events != NULL, "events without storage");
    for (uint64_t i = 0; i < r->count; i++) {
        const nx_sim_event_t *ev = &r->events[i];
        FUZZ_CHECK(ev->tag >= NX_SIM_EV_SEED && ev->tag <= NX_SIM_EV_INJECT,
                   "event %" PRIu64 ": tag %u", i, ev->tag);
        FUZZ_CHECK(ev->n <= NX_SIM_EVENT_WORDS, "event %" PRIu64 ": %u words", i, ev->n);
        for (uint32_t w = ev->n; w < NX_SIM_EVENT_WORDS; w++)
            FUZZ_CHECK(ev->w[w] == 0u, "event %" PRIu64 ": word %u past its count set", i, w);
    }
}

static void check_same(const nx_recording_t *a, const nx_recording_t *b)
{
    FUZZ_CHECK(strcmp(a->source_id, b->source_id) == 0, "round trip: source '%s' became '%s'",
               a->source_id, b->source_id);
    FUZZ_CHECK(strcmp(a->flavour, b->flavour) == 0, "round trip: flavour '%s' became '%s'",
               a->flavour, b->flavour);
    FUZZ_CHECK(strcmp(a->scenario_name, b->scenario_name) == 0,
               "round trip: scenario name '%s' became '%s'", a->scenario_name, b->scenario_name);
    FUZZ_CHECK(a->scenario_len == b->scenario_len &&
                   memcmp(a->scenario_text, b->scenario_text, a->scenario_len) == 0,
               "round trip: the scenario text (%zu bytes, then %zu) changed", a->scenario_len,
               b->scenario_len);
    FUZZ_CHECK(a->seed == b->seed && a->harts == b->harts && a->digest == b->digest &&
                   a->end_time_ns == b->end_time_ns,
               "round trip: seed, harts, digest or end time changed");
    FUZZ_CHECK(a->count == b->count, "round trip: %" PRIu64 " events became %" PRIu64, a->count,
               b->count);
    for (uint64_t i = 0; i < a->count; i++)
        FUZZ_CHECK(memcmp(&a->events[i], &b->events[i], sizeof a->events[i]) == 0,
                   "round trip: event %" PRIu64 " changed", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nx_recording_t rec, back;
    char why[200];
    nx_status_t st = read_from(data, size, &rec, why, sizeof why);
    if (st != NX_OK) {
        FUZZ_SAY("fuzz_recording: refused (%s): %s\n", nx_status_name(st), why);
        FUZZ_CHECK(st == NX_ERR_MALFORMED || st == NX_ERR_VERSION_MISMATCH, "status %s",
                   nx_status_name(st));
        FUZZ_CHECK(strncmp(why, "line ", 5) == 0 && memchr(why, '\0', sizeof why) != NULL,
                   "refused (%s) without saying where: '%s'", nx_status_name(st), why);
        nx_recording_free(&rec);
        return 0;
    }
    FUZZ_SAY("fuzz_recording: accepted: %u harts, a %zu-byte scenario, %" PRIu64 " events\n",
             rec.harts, rec.scenario_len, rec.count);
    check_bounds(&rec);

    char *written = NULL;
    size_t written_len = 0;
    FILE *f = open_memstream(&written, &written_len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    FUZZ_CHECK(nx_recording_write(&rec, f) == 0, "writing the recording back");
    FUZZ_CHECK(fclose(f) == 0, "writing the recording back");
    st = read_from(written, written_len, &back, why, sizeof why);
    FUZZ_CHECK(st == NX_OK, "the recording written back is refused (%s): %s", nx_status_name(st),
               why);
    check_same(&rec, &back);
    nx_recording_free(&back);
    nx_recording_free(&rec);
    free(written);
    return 0;
}
