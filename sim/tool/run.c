/*
 * run.c - `nexus-sim run` (a scenario, maybe recorded or traced) and
 * `nexus-sim replay` (a recording, checked event by event).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nxsim/record.h"
#include "nxsim/scenario.h"
#include "nxsim/trace_json.h"
#include "run.h"
#include "tool.h"

/* Every tap a run feeds: the recording, the trace, the replay check. */
typedef struct taps {
    nx_recording_t *rec;
    nx_trace_json_t *json;
    nx_replay_t *replay;
} taps_t;

static void fan_out(const nx_sim_event_t *ev, void *ctx)
{
    taps_t *t = ctx;
    if (t->rec != NULL)
        nx_recording_tap(ev, t->rec);
    if (t->json != NULL)
        nx_trace_json_event(t->json, ev);
    if (t->replay != NULL)
        nx_replay_tap(ev, t->replay);
}

uint32_t nx_tool_check(const nx_scenario_t *s, const nx_sim_result_t *r, FILE *report)
{
    uint32_t failed = nx_scenario_check(s, r, report);
    bool says_how_it_ends = false;
    for (uint32_t i = 0; i < s->expect_count; i++)
        says_how_it_ends |=
            s->expects[i].kind == NX_EXPECT_EXIT || s->expects[i].kind == NX_EXPECT_STOP;
    /* Unless the file says otherwise, a run passes by powering off with
     * every selftest and program passed. */
    if (!says_how_it_ends && (r->stop != NX_SIM_STOP_SHUTDOWN || r->exit_code != NX_EXIT_PASS)) {
        if (report != NULL)
            fprintf(report,
                    "%s: expected the machine to power off with exit pass (0); got stop %s, "
                    "exit %d\n",
                    s->file, nx_sim_stop_name(r->stop), (int)r->exit_code);
        failed++;
    }
    return failed;
}

int nx_tool_run_one(const nx_scenario_t *s, const nx_tool_run_opts_t *o, nx_sim_result_t *r,
                    uint32_t *failed)
{
    nx_sim_config_t cfg = s->cfg;
    if (o->seed_set)
        cfg.seed = o->seed;
    if (o->harts != 0u)
        cfg.harts = o->harts;
    cfg.echo = o->echo;
    taps_t taps = { o->rec, o->json, o->replay };
    if (taps.rec != NULL || taps.json != NULL || taps.replay != NULL) {
        cfg.tap = fan_out;
        cfg.ctx = &taps;
    }
    nx_status_t st = nx_sim_run(&cfg, r);
    if (st == NX_ERR_INVALID_ARGS)
        return NX_TOOL_USAGE; /* nx_sim_run said why */
    if (st != NX_OK) {
        fprintf(stderr, "nexus-sim: the host could not run the machine: %s\n", nx_status_name(st));
        return NX_TOOL_HOST;
    }
    if (o->rec != NULL) {
        o->rec->seed = cfg.seed;
        o->rec->harts = cfg.harts;
        o->rec->digest = r->digest;
        o->rec->end_time_ns = r->end_time_ns;
    }
    *failed = nx_tool_check(s, r, o->quiet_check ? NULL : stderr);
    return *failed == 0u ? NX_TOOL_OK : NX_TOOL_FAILED;
}

static void run_usage(FILE *to)
{
    fprintf(to,
            "usage: nexus-sim run FILE [--seed N] [--harts N] [--record OUT] [--trace OUT.json]\n"
            "                      [--quiet]\n"
            "\n"
            "Run the scenario FILE (docs/scenarios.md) and check its expectations.\n"
            "  --seed N          the seed instead of the file's (machine seed=)\n"
            "  --harts N         harts instead of the file's, 1..64\n"
            "  --record OUT      write a recording of the run (replay it with nexus-sim replay)\n"
            "  --trace OUT.json  write a Chrome trace-event file (open it in ui.perfetto.dev)\n"
            "  --quiet           do not print the console\n"
            "\n"
            "exit status: 0 every expectation held, 1 one failed, 2 usage or scenario error,\n"
            "             5 the host failed.\n");
}

static int write_recording(const nx_recording_t *rec, const char *path)
{
    if (rec->overflow) {
        fprintf(stderr,
                "nexus-sim: the run has more than %llu events: no recording written; "
                "lower the scenario's limit\n",
                (unsigned long long)NX_RECORD_MAX_EVENTS);
        return NX_TOOL_HOST;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL || nx_recording_write(rec, f) != 0 || fclose(f) != 0) {
        fprintf(stderr, "nexus-sim: cannot write the recording '%s': check the path and space\n",
                path);
        return NX_TOOL_HOST;
    }
    return NX_TOOL_OK;
}

int nx_tool_run(int argc, char **argv)
{
    nx_tool_run_opts_t o = { 0 };
    o.echo = true;
    const char *file = NULL, *record = NULL, *trace = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            return NX_TOOL_OK;
        } else if (strcmp(a, "--quiet") == 0) {
            o.echo = false;
            continue;
        } else if (a[0] != '-') {
            if (file != NULL)
                return nx_tool_usage_error("run", "one scenario file at a time ('%s', then '%s')",
                                           file, a);
            file = a;
            continue;
        } else if (val == NULL) {
            return nx_tool_usage_error("run", "option '%s' needs a value", a);
        } else if (strcmp(a, "--seed") == 0) {
            if (nx_tool_parse_u64(val, UINT64_MAX, &o.seed) != 0)
                return nx_tool_usage_error("run",
                                           "--seed wants an unsigned 64-bit number, not '%s'", val);
            o.seed_set = true;
        } else if (strcmp(a, "--harts") == 0) {
            if (nx_tool_parse_u64(val, NX_SIM_MAX_HARTS, &v) != 0 || v == 0u)
                return nx_tool_usage_error("run", "--harts wants 1..64, not '%s'", val);
            o.harts = (uint32_t)v;
        } else if (strcmp(a, "--record") == 0) {
            record = val;
        } else if (strcmp(a, "--trace") == 0) {
            trace = val;
        } else {
            return nx_tool_usage_error("run", "unknown option '%s'", a);
        }
        i++;
    }
    if (file == NULL)
        return nx_tool_usage_error("run", "which scenario file?");

    static nx_scenario_t scn; /* large: not on the stack */
    nx_scenario_error_t err;
    if (nx_scenario_load(file, &scn, &err) != NX_OK) {
        nx_scenario_error_print(&err, stderr);
        return NX_TOOL_USAGE;
    }
    static nx_recording_t rec;
    nx_recording_init(&rec);
    if (record != NULL) {
        size_t len = 0;
        char *text = nx_tool_read_file(file, NX_RECORD_MAX_SCENARIO, &len);
        if (text == NULL || nx_recording_set_scenario(&rec, file, text, len) != NX_OK) {
            free(text);
            fprintf(stderr, "nexus-sim: cannot keep the scenario text for the recording\n");
            return NX_TOOL_HOST;
        }
        free(text);
        o.rec = &rec;
    }
    FILE *trace_file = NULL;
    if (trace != NULL) {
        trace_file = fopen(trace, "w");
        uint32_t harts = o.harts != 0u ? o.harts : scn.cfg.harts;
        o.json = trace_file != NULL ? nx_trace_json_begin(trace_file, harts) : NULL;
        if (o.json == NULL) {
            fprintf(stderr, "nexus-sim: cannot write the trace '%s': check the path\n", trace);
            if (trace_file != NULL)
                fclose(trace_file);
            nx_recording_free(&rec);
            return NX_TOOL_HOST;
        }
    }

    nx_sim_result_t *r = malloc(sizeof *r);
    if (r == NULL)
        return NX_TOOL_HOST;
    uint32_t failed = 0;
    int code = nx_tool_run_one(&scn, &o, r, &failed);
    if (o.json != NULL &&
        (nx_trace_json_end(o.json, r->end_time_ns) != 0 || fclose(trace_file) != 0)) {
        fprintf(stderr, "nexus-sim: writing the trace '%s' failed: check the space\n", trace);
        code = NX_TOOL_HOST;
    }
    if (code == NX_TOOL_OK || code == NX_TOOL_FAILED) {
        uint64_t seed = o.seed_set ? o.seed : scn.cfg.seed;
        fprintf(stderr,
                "nexus-sim: %s seed %" PRIu64 ": %s, exit %d at %" PRIu64 " ns, %" PRIu64
                " events, digest %016" PRIx64 ": %s\n",
                file, seed, nx_sim_stop_name(r->stop), (int)r->exit_code, r->end_time_ns, r->events,
                r->digest, failed == 0u ? "passed" : "FAILED");
        if (failed != 0u && o.harts != 0u)
            fprintf(stderr,
                    "nexus-sim: reproduce with: nexus-sim run %s --seed %" PRIu64 " --harts %u\n",
                    file, seed, o.harts);
        else if (failed != 0u)
            fprintf(stderr, "nexus-sim: reproduce with: nexus-sim run %s --seed %" PRIu64 "\n",
                    file, seed);
        if (record != NULL) {
            int w = write_recording(&rec, record);
            if (w != NX_TOOL_OK)
                code = w;
            else
                fprintf(stderr,
                        "nexus-sim: recorded %" PRIu64 " events to %s (nexus-sim replay %s)\n",
                        rec.count, record, record);
        }
    }
    free(r);
    nx_recording_free(&rec);
    return code;
}

static void replay_usage(FILE *to)
{
    fprintf(to, "usage: nexus-sim replay REC [--quiet]\n"
                "\n"
                "Re-run the recording REC (nexus-sim run --record) with its scenario, seed and\n"
                "harts, and compare every event with the recorded one. On the first difference,\n"
                "print it with its neighbours on both sides.\n"
                "\n"
                "exit status: 0 the replay matched, 2 usage error or unreadable recording,\n"
                "             5 the host failed, 6 the replay diverged.\n");
}

int nx_tool_replay(int argc, char **argv)
{
    const char *path = NULL;
    bool echo = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            replay_usage(stdout);
            return NX_TOOL_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            echo = false;
        } else if (argv[i][0] == '-' || path != NULL) {
            return nx_tool_usage_error("replay", "unexpected '%s'", argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (path == NULL)
        return nx_tool_usage_error("replay", "which recording?");
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "nexus-sim: cannot open the recording '%s'\n", path);
        return NX_TOOL_USAGE;
    }
    static nx_recording_t rec;
    char why[200] = "";
    nx_status_t st = nx_recording_read(f, &rec, why, sizeof why);
    fclose(f);
    if (st != NX_OK) {
        fprintf(stderr, "nexus-sim: %s: %s\n", path,
                st == NX_ERR_NO_RESOURCES ? "out of memory" : why);
        nx_recording_free(&rec);
        return st == NX_ERR_NO_RESOURCES ? NX_TOOL_HOST : NX_TOOL_USAGE;
    }
    if (strcmp(rec.source_id, nx_record_source_id()) != 0)
        fprintf(stderr,
                "nexus-sim: warning: recorded by sources %s (%s build), this is %s: a divergence "
                "may come from the change in sources\n",
                rec.source_id, rec.flavour, nx_record_source_id());
    static nx_scenario_t scn;
    nx_scenario_error_t err;
    if (nx_scenario_parse(rec.scenario_text, rec.scenario_len, rec.scenario_name, &scn, &err) !=
        NX_OK) {
        nx_scenario_error_print(&err, stderr);
        nx_recording_free(&rec);
        return NX_TOOL_USAGE;
    }
    nx_replay_t rp;
    nx_replay_init(&rp, &rec);
    nx_tool_run_opts_t o = { 0 };
    o.seed_set = true;
    o.seed = rec.seed;
    o.harts = rec.harts;
    o.echo = echo;
    o.replay = &rp;
    nx_sim_result_t *r = malloc(sizeof *r);
    if (r == NULL) {
        nx_recording_free(&rec);
        return NX_TOOL_HOST;
    }
    uint32_t failed = 0;
    int code = nx_tool_run_one(&scn, &o, r, &failed);
    if (code == NX_TOOL_OK || code == NX_TOOL_FAILED) {
        if (nx_replay_matched(&rp, r)) {
            fprintf(
                stderr, "nexus-sim: replay matched: %" PRIu64 " events, digest %016" PRIx64 "%s\n",
                rec.count, r->digest,
                failed != 0u ? " (the recorded run failed its expectations: so did this one)" : "");
            code = NX_TOOL_OK;
        } else {
            nx_replay_report(&rp, stderr);
            code = NX_TOOL_DIVERGED;
        }
    }
    free(r);
    nx_recording_free(&rec);
    return code;
}
