/*
 * learn_export.c - `nexus-sysfilter learn-export` (learn_export.h).
 *
 * From a recording: the recorded scenario is run again with the same
 * seed and harts, the named program under a learning filter that init
 * attaches before it starts, and the run is checked against the recording
 * event by event (a learning filter allows everything and says nothing,
 * so the run is the recorded one, or the build changed). When the program
 * exits, init hands the port the profile its learner made (the kernel's
 * own export, nx_filter_learned): that blob is what is written, as text.
 *
 * From a blob: the bytes task_filter_learned wrote.
 *
 * Either way the text is checked before it is written: parsed back and
 * packed, it must give the same bytes (a field outside its domain, which
 * the kernel never makes, fails here with the line the text has for it).
 */
#define _POSIX_C_SOURCE 200809L

#include "learn_export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxsim/record.h"
#include "nxsim/scenario.h"
#include "nxsim/sim.h"
#include "profile_text.h"

#define TEXT_BYTES (64u * 1024u) /* a profile of NX_FILTER_MAX_RULES long rules fits */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nexus-sysfilter: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* The blob as text, checked by parsing it back, to `out` (NULL: stdout). */
static int write_profile(const unsigned char *blob, size_t len, const char *comment,
                         const char *out)
{
    static nx_profile_t p, back;
    static char text[TEXT_BYTES];
    static unsigned char again[NX_FILTER_MAX_BLOB_BYTES];
    char why[160];
    if (nx_profile_from_blob(blob, len, &p, why, sizeof why) != NX_OK)
        return fail("%s", why);
    size_t n = nx_profile_write(&p, comment, text, sizeof text);
    if (n == 0u)
        return fail("the profile's text is over %u bytes", TEXT_BYTES);
    nx_profile_error_t err;
    if (!nx_profile_parse(text, n, &back, &err))
        return fail("the blob has a field no profile can hold (its text, line %u: %s): not a "
                    "profile the kernel made",
                    err.line, err.message);
    if (nx_profile_pack(&back, again) != len || memcmp(again, blob, len) != 0)
        return fail("the blob has a reserved field that is not zero: not a profile the kernel "
                    "made");
    FILE *f = out != NULL ? fopen(out, "w") : stdout;
    if (f == NULL)
        return fail("cannot write %s: %s", out, strerror(errno));
    bool ok = fwrite(text, 1, n, f) == n;
    if (out != NULL)
        ok = fclose(f) == 0 && ok;
    return ok ? 0 : fail("cannot write %s: %s", out != NULL ? out : "stdout", strerror(errno));
}

static int from_recording(FILE *f, const char *in, const char *program, const char *out)
{
    static nx_recording_t rec;
    static nx_scenario_t scn;
    char why[200] = "";
    nx_status_t st = nx_recording_read(f, &rec, why, sizeof why);
    if (st != NX_OK) {
        nx_recording_free(&rec);
        return fail("%s is neither a filter blob nor a recording: %s", in, why);
    }
    int code = 1;
    nx_sim_result_t *r = NULL;
    nx_scenario_error_t err;
    if (program == NULL) {
        code = fail("%s is a recording: name the program to learn (--program NAME)", in);
        goto done;
    }
    if (strcmp(rec.source_id, nx_record_source_id()) != 0)
        fprintf(stderr,
                "nexus-sysfilter: warning: %s was recorded by sources %s, this is %s: if the "
                "replay diverges, record it again\n",
                in, rec.source_id, nx_record_source_id());
    if (nx_scenario_parse(rec.scenario_text, rec.scenario_len, rec.scenario_name, &scn, &err) !=
        NX_OK) {
        nx_scenario_error_print(&err, stderr);
        goto done;
    }
    nx_sim_config_t cfg = scn.cfg;
    uint32_t learner = cfg.program_count;
    for (uint32_t i = 0; i < cfg.program_count; i++) {
        cfg.programs[i].learn = false;
        if (learner == cfg.program_count && strcmp(cfg.programs[i].name, program) == 0)
            learner = i;
    }
    if (learner == cfg.program_count) {
        code = fail("the scenario of %s starts no program '%s'", in, program);
        goto done;
    }
    cfg.programs[learner].learn = true;
    cfg.seed = rec.seed;
    cfg.harts = rec.harts;
    cfg.echo = false;
    nx_replay_t rp;
    nx_replay_init(&rp, &rec);
    cfg.tap = nx_replay_tap;
    cfg.ctx = &rp;
    r = malloc(sizeof *r);
    if (r == NULL) {
        code = fail("out of memory");
        goto done;
    }
    fprintf(stderr, "nexus-sysfilter: replaying %s (%" PRIu64 " events) with %s learning\n", in,
            rec.count, program);
    st = nx_sim_run(&cfg, r);
    if (st != NX_OK) {
        code = fail("the simulator could not run the recording: %s", nx_status_name(st));
        goto done;
    }
    if (!nx_replay_matched(&rp, r)) {
        nx_replay_report(&rp, stderr);
        code = fail("the run with %s learning is not the recorded one (above): record it again "
                    "with this build (nexus-sim run --record)",
                    program);
        goto done;
    }
    if (r->learned_program != (int32_t)learner) {
        code = fail("%s did not exit in the recorded run, so init handed over no profile", program);
        goto done;
    }
    const nx_filter_learned_info_t *info = &r->learned_info;
    char comment[512];
    snprintf(comment, sizeof comment,
             "learned by nexus-sysfilter learn-export from %s\n"
             "(program %s, seed %" PRIu64 ", %u harts): %" PRIu64 " calls of %u kinds,\n"
             "%" PRIu64 " of no such call, %u value arguments took more than %u values (tested "
             "by their range),\n"
             "%u tests had no room in their rule (left free)",
             in, program, rec.seed, rec.harts, info->calls, info->syscalls, info->unknown,
             info->overflowed, NX_FILTER_LEARN_VALUES, info->untested);
    code = write_profile(r->learned, r->learned_len, comment, out);
done:
    free(r);
    nx_recording_free(&rec);
    return code;
}

int nx_learn_export(const char *in, const char *program, const char *out)
{
    FILE *f = fopen(in, "rb");
    if (f == NULL)
        return fail("cannot open %s: %s", in, strerror(errno));
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES + 1u];
    size_t n = fread(blob, 1, sizeof blob, f);
    uint32_t magic = 0;
    if (n >= sizeof magic)
        memcpy(&magic, blob, sizeof magic);
    if (magic != NX_FILTER_MAGIC) {
        rewind(f);
        int code = from_recording(f, in, program, out);
        fclose(f);
        return code;
    }
    fclose(f);
    if (n > NX_FILTER_MAX_BLOB_BYTES)
        return fail("%s is over %zu bytes: not a filter blob", in,
                    (size_t)NX_FILTER_MAX_BLOB_BYTES);
    if (program != NULL)
        return fail("%s is a blob: --program is for recordings", in);
    char comment[300];
    snprintf(comment, sizeof comment, "read by nexus-sysfilter learn-export from %s", in);
    return write_profile(blob, n, comment, out);
}
