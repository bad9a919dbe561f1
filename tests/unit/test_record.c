/*
 * test_record.c - recordings and replays of simulated runs (nxsim/record.h):
 *   - record -> replay is identical, event for event and digest, for 200
 *     seeds of the mixed scenario (threads, IPC, timers, IPIs, injected
 *     faults), each also through a file written and read back;
 *   - a perturbed recording (one word of one event changed; an event cut
 *     off; the digest line changed) is caught, at the right event;
 *   - malformed recording files are refused with a located reason.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r, fork, fmemopen: host tool code */

#include <stdlib.h>
#include <string.h>

#include "nx_test.h"
#include "nxsim/record.h"
#include "nxsim/scenario.h"

#define SEEDS      200u
#define TEST_CALLS 12u /* the mixed program's calls: short runs, all of the machinery */

static nx_scenario_t scn;
static nx_sim_result_t result;

static void load_mixed(void)
{
    nx_scenario_error_t err;
    if (nx_scenario_load(NX_SOURCE_DIR "/tests/scenario/mixed.nxs", &scn, &err) != NX_OK) {
        nx_scenario_error_print(&err, stderr);
        fail_msg("tests/scenario/mixed.nxs does not parse");
    }
    scn.cfg.programs[0].arg = TEST_CALLS;
}

/* One run of the scenario with `tap`, checked to have passed. */
static void run(uint64_t seed, void (*tap)(const nx_sim_event_t *, void *), void *ctx)
{
    nx_sim_config_t cfg = scn.cfg;
    cfg.seed = seed;
    cfg.tap = tap;
    cfg.ctx = ctx;
    assert_int_equal(nx_sim_run(&cfg, &result), NX_OK);
    if (result.stop != NX_SIM_STOP_SHUTDOWN || result.exit_code != NX_EXIT_PASS)
        fail_msg("seed %llu: the mixed scenario did not pass (%s, exit %d):\n%s",
                 (unsigned long long)seed, nx_sim_stop_name(result.stop), (int)result.exit_code,
                 result.console);
}

static void record(uint64_t seed, nx_recording_t *rec)
{
    nx_recording_init(rec);
    run(seed, nx_recording_tap, rec);
    rec->seed = seed;
    rec->harts = scn.cfg.harts;
    rec->digest = result.digest;
    rec->end_time_ns = result.end_time_ns;
    assert_false(rec->overflow);
    assert_int_equal(rec->count, result.events);
}

/* Replay `rec`: true when it matched; *at is the first differing event. */
static bool replay(const nx_recording_t *rec, uint64_t *at)
{
    nx_replay_t rp;
    nx_replay_init(&rp, rec);
    run(rec->seed, nx_replay_tap, &rp);
    bool ok = nx_replay_matched(&rp, &result);
    *at = rp.at;
    return ok;
}

/* Write and read back through a file: the same recording. */
static void round_trip(const nx_recording_t *rec, nx_recording_t *back)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(nx_recording_write(rec, f), 0);
    rewind(f);
    char why[200] = "";
    nx_status_t st = nx_recording_read(f, back, why, sizeof why);
    fclose(f);
    if (st != NX_OK)
        fail_msg("reading a recording back: %s", why);
    assert_int_equal(back->count, rec->count);
    assert_int_equal(back->digest, rec->digest);
    assert_int_equal(back->seed, rec->seed);
    assert_memory_equal(back->events, rec->events, (size_t)rec->count * sizeof rec->events[0]);
}

static void test_record_replay_many_seeds(void **state)
{
    (void)state;
    load_mixed();
    uint64_t distinct = 0, last = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        nx_recording_t rec, back;
        record(seed, &rec);
        round_trip(&rec, &back);
        uint64_t at = 0;
        if (!replay(&back, &at))
            fail_msg("seed %llu: the replay diverged at event %llu of %llu",
                     (unsigned long long)seed, (unsigned long long)at,
                     (unsigned long long)back.count);
        distinct += rec.digest != last;
        last = rec.digest;
        nx_recording_free(&rec);
        nx_recording_free(&back);
    }
    /* The seeds make different runs (else this tested one run 200 times). */
    assert_true(distinct > SEEDS / 2u);
}

static void test_perturbed_recording_caught(void **state)
{
    (void)state;
    load_mixed();
    nx_recording_t rec;
    record(5, &rec);
    uint64_t at = 0;
    assert_true(replay(&rec, &at));

    /* One word of one event in the middle. */
    uint64_t k = rec.count / 2u;
    rec.events[k].w[0] ^= 1u;
    assert_false(replay(&rec, &at));
    assert_int_equal(at, k);
    rec.events[k].w[0] ^= 1u;

    /* The report names the event and shows both sides. */
    rec.events[k + 1u].tag =
        rec.events[k + 1u].tag == NX_SIM_EV_TRACE ? NX_SIM_EV_RESUME : NX_SIM_EV_TRACE;
    nx_replay_t rp;
    nx_replay_init(&rp, &rec);
    run(rec.seed, nx_replay_tap, &rp);
    assert_false(nx_replay_matched(&rp, &result));
    assert_int_equal(rp.at, k + 1u);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    nx_replay_report(&rp, out);
    fclose(out);
    char want[64];
    snprintf(want, sizeof want, "diverged at event #%llu", (unsigned long long)(k + 1u));
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "recorded:"));
    assert_non_null(strstr(text, "this run:"));
    free(text);
    nx_recording_free(&rec);

    /* Cut short: the run goes past the recording's end. */
    record(5, &rec);
    rec.count -= 10u;
    assert_false(replay(&rec, &at));
    assert_int_equal(at, rec.count);
    rec.count += 10u;

    /* The events all match but the digest line was changed. */
    rec.digest ^= 0x10u;
    assert_false(replay(&rec, &at));
    nx_recording_free(&rec);
}

/* Malformed recordings: refused with the line and a reason. */
static void test_malformed_recordings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        nx_status_t st;
        const char *why;
    } cases[] = {
        { "", NX_ERR_MALFORMED, "not a nexus-sim recording" },
        { "nexus-recording 9\n", NX_ERR_VERSION_MISMATCH, "newer" },
        { "nexus-recording 1\nsource x\n", NX_ERR_MALFORMED, "flavour" },
        { "nexus-recording 1\nsource x\nflavour y\nseed q\n", NX_ERR_MALFORMED, "seed" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 0\n", NX_ERR_MALFORMED, "harts" },
        /* No sign, even behind white space strtoull would skip. */
        { "nexus-recording 1\nsource x\nflavour y\nseed \t-1\n", NX_ERR_MALFORMED, "seed" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts \t+2\n", NX_ERR_MALFORMED,
          "harts" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 99 a\nshort",
          NX_ERR_MALFORMED, "cut short" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 2\n3 1 "
          "2\n",
          NX_ERR_MALFORMED, "missing" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 1\n99 "
          "1\n",
          NX_ERR_MALFORMED, "tag" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 1\n3 1 "
          "2 3 4 5 6\n",
          NX_ERR_MALFORMED, "at most" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 1\n3 "
          "zz\n",
          NX_ERR_MALFORMED, "hex" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 1\n3 "
          "\t-1\n",
          NX_ERR_MALFORMED, "hex" },
        { "nexus-recording 1\nsource x\nflavour y\nseed 1\nharts 2\nscenario 0 a\n\nevents 0\n"
          "digest 12\nend-time 5\n",
          NX_ERR_MALFORMED, "end" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].text);
        FILE *f = len > 0u ? fmemopen((void *)cases[i].text, len, "r") : tmpfile();
        assert_non_null(f);
        nx_recording_t rec;
        char why[200] = "";
        nx_status_t st = nx_recording_read(f, &rec, why, sizeof why);
        fclose(f);
        if (st != cases[i].st || strstr(why, cases[i].why) == NULL)
            fail_msg("case %zu: got %s '%s', wanted %s with '%s'", i, nx_status_name(st), why,
                     nx_status_name(cases[i].st), cases[i].why);
        assert_non_null(strstr(why, "line "));
        nx_recording_free(&rec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_replay_many_seeds),
        cmocka_unit_test(test_perturbed_recording_caught),
        cmocka_unit_test(test_malformed_recordings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
