/*
 * explore.c - `nexus-sim explore`: run one scenario over a range of seeds
 * (each seed is another interleaving, tie-break and jitter schedule), in
 * parallel processes, and for every failing seed keep a recording and print
 * the commands that reproduce it.
 *
 * Core state is global (one machine per process), so each seed runs in a
 * forked child that inherits the parsed scenario; its exit status is the
 * verdict. Children are independent and deterministic: the set of failing
 * seeds does not depend on --jobs.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r, fork, fmemopen: host tool code */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "tool.h"

#define EXPLORE_MAX_JOBS   64u
#define EXPLORE_MAX_SHOWN  20u /* failing seeds whose commands are printed */
#define EXPLORE_PATH_BYTES 512u

typedef struct explore {
    const char *file;
    const char *dir;
    nx_scenario_t *scn;
    const char *text;
    size_t text_len;
    uint64_t first, last;
    uint32_t jobs;
    uint64_t done, failed, errors;
    uint64_t shown;
} explore_t;

static void explore_usage(FILE *to)
{
    fprintf(to, "usage: nexus-sim explore FILE --seeds A..B [--jobs N] [--dir DIR]\n"
                "\n"
                "Run the scenario FILE once per seed A..B (inclusive, at most 1000000 seeds), N\n"
                "at a time (default: the host's CPUs), and check its expectations each time.\n"
                "For every failing seed, write DIR/<scenario>.seed-<S>.rec (default DIR: .) and\n"
                "print the nexus-sim replay and nexus-sim run --seed commands that reproduce it.\n"
                "A progress line goes to stderr as seeds finish.\n"
                "\n"
                "exit status: 0 every seed passed, 1 some seed failed, 2 usage or scenario error,\n"
                "             5 the host failed (a run could not be made).\n");
}

static void record_path(const explore_t *e, uint64_t seed, char *buf, size_t len)
{
    const char *base = strrchr(e->file, '/');
    base = base != NULL ? base + 1 : e->file;
    size_t stem = strcspn(base, ".");
    snprintf(buf, len, "%s/%.*s.seed-%" PRIu64 ".rec", e->dir, (int)stem, base, seed);
}

/* The child: one seed, quiet; a failing run leaves its recording. */
static _Noreturn void run_seed(const explore_t *e, uint64_t seed)
{
    static nx_recording_t rec;
    nx_recording_init(&rec);
    nx_tool_run_opts_t o = { 0 };
    o.seed_set = true;
    o.seed = seed;
    o.quiet_check = true;
    o.rec = &rec;
    if (nx_recording_set_scenario(&rec, e->file, e->text, e->text_len) != NX_OK)
        _exit(NX_TOOL_HOST);
    nx_sim_result_t *r = malloc(sizeof *r);
    if (r == NULL)
        _exit(NX_TOOL_HOST);
    uint32_t failed = 0;
    int code = nx_tool_run_one(e->scn, &o, r, &failed);
    if (code == NX_TOOL_FAILED) {
        char path[EXPLORE_PATH_BYTES];
        record_path(e, seed, path, sizeof path);
        FILE *f = fopen(path, "w");
        if (f == NULL || nx_recording_write(&rec, f) != 0 || fclose(f) != 0)
            code = NX_TOOL_HOST;
    }
    fflush(stdout);
    _exit(code);
}

static void progress(const explore_t *e, bool final)
{
    uint64_t total = e->last - e->first + 1u;
    bool tty = isatty(STDERR_FILENO) != 0;
    /* On a terminal, one line redrawn; in a log, a line per tenth. */
    if (!final && !tty && e->done % (total / 10u + 1u) != 0u)
        return;
    fprintf(stderr, "%sexplore: %" PRIu64 "/%" PRIu64 " seeds, %" PRIu64 " failed%s",
            tty ? "\r" : "", e->done, total, e->failed, tty && !final ? "" : "\n");
    fflush(stderr);
}

static void reap(explore_t *e, pid_t pid, int status, const pid_t *pids, const uint64_t *seeds)
{
    uint64_t seed = 0;
    for (uint32_t j = 0; j < e->jobs; j++)
        if (pids[j] == pid)
            seed = seeds[j];
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : NX_TOOL_HOST;
    e->done++;
    if (code == NX_TOOL_FAILED) {
        e->failed++;
        if (e->shown++ < EXPLORE_MAX_SHOWN) {
            char path[EXPLORE_PATH_BYTES];
            record_path(e, seed, path, sizeof path);
            fprintf(stderr,
                    "%sexplore: seed %" PRIu64 " FAILED: nexus-sim replay %s   or   "
                    "nexus-sim run %s --seed %" PRIu64 "\n",
                    isatty(STDERR_FILENO) ? "\r" : "", seed, path, e->file, seed);
        }
    } else if (code != NX_TOOL_OK) {
        e->errors++;
        fprintf(stderr, "explore: seed %" PRIu64 " could not run (exit %d)\n", seed, code);
    }
    progress(e, false);
}

static int explore_all(explore_t *e)
{
    pid_t pids[EXPLORE_MAX_JOBS] = { 0 };
    uint64_t seeds[EXPLORE_MAX_JOBS] = { 0 };
    uint32_t running = 0;
    fflush(stdout);
    fflush(stderr);
    for (uint64_t seed = e->first;; seed++) {
        bool more = seed <= e->last && seed >= e->first; /* stops at wrap-around too */
        while (running == e->jobs || (!more && running > 0u)) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, 0);
            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "nexus-sim: lost track of the runs: %s\n", strerror(errno));
                return NX_TOOL_HOST;
            }
            reap(e, pid, status, pids, seeds);
            for (uint32_t j = 0; j < e->jobs; j++)
                if (pids[j] == pid)
                    pids[j] = 0;
            running--;
        }
        if (!more)
            break;
        uint32_t slot = 0;
        while (pids[slot] != 0)
            slot++;
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "nexus-sim: cannot start a run: %s (try fewer --jobs)\n",
                    strerror(errno));
            return NX_TOOL_HOST;
        }
        if (pid == 0)
            run_seed(e, seed);
        pids[slot] = pid;
        seeds[slot] = seed;
        running++;
    }
    progress(e, true);
    if (e->shown > EXPLORE_MAX_SHOWN)
        fprintf(stderr, "explore: %" PRIu64 " more failing seeds not listed (recordings in %s)\n",
                e->shown - EXPLORE_MAX_SHOWN, e->dir);
    if (e->errors != 0u)
        return NX_TOOL_HOST;
    return e->failed != 0u ? NX_TOOL_FAILED : NX_TOOL_OK;
}

static int parse_range(const char *s, uint64_t *a, uint64_t *b)
{
    const char *dots = strstr(s, "..");
    if (dots == NULL || (size_t)(dots - s) >= 32u)
        return -1;
    char first[32];
    memcpy(first, s, (size_t)(dots - s));
    first[dots - s] = '\0';
    if (nx_tool_parse_u64(first, UINT64_MAX, a) != 0 ||
        nx_tool_parse_u64(dots + 2, UINT64_MAX, b) != 0 || *b < *a || *b - *a >= 1000000u)
        return -1;
    return 0;
}

int nx_tool_explore(int argc, char **argv)
{
    explore_t e = { 0 };
    e.dir = ".";
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    e.jobs = cpus > 0 ? (uint32_t)(cpus < (long)EXPLORE_MAX_JOBS ? cpus : EXPLORE_MAX_JOBS) : 1u;
    bool range = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            explore_usage(stdout);
            return NX_TOOL_OK;
        } else if (a[0] != '-') {
            if (e.file != NULL)
                return nx_tool_usage_error("explore", "one scenario file at a time");
            e.file = a;
            continue;
        } else if (val == NULL) {
            return nx_tool_usage_error("explore", "option '%s' needs a value", a);
        } else if (strcmp(a, "--seeds") == 0) {
            if (parse_range(val, &e.first, &e.last) != 0)
                return nx_tool_usage_error("explore",
                                           "--seeds wants A..B with A <= B, at most 1000000 seeds, "
                                           "not '%s'",
                                           val);
            range = true;
        } else if (strcmp(a, "--jobs") == 0) {
            if (nx_tool_parse_u64(val, EXPLORE_MAX_JOBS, &v) != 0 || v == 0u)
                return nx_tool_usage_error("explore", "--jobs wants 1..%u, not '%s'",
                                           EXPLORE_MAX_JOBS, val);
            e.jobs = (uint32_t)v;
        } else if (strcmp(a, "--dir") == 0) {
            e.dir = val;
        } else {
            return nx_tool_usage_error("explore", "unknown option '%s'", a);
        }
        i++;
    }
    if (e.file == NULL || !range)
        return nx_tool_usage_error("explore", "needs a scenario file and --seeds A..B");
    static nx_scenario_t scn;
    nx_scenario_error_t err;
    if (nx_scenario_load(e.file, &scn, &err) != NX_OK) {
        nx_scenario_error_print(&err, stderr);
        return NX_TOOL_USAGE;
    }
    size_t len = 0;
    char *text = nx_tool_read_file(e.file, NX_RECORD_MAX_SCENARIO, &len);
    if (text == NULL) {
        fprintf(stderr, "nexus-sim: cannot read '%s' again\n", e.file);
        return NX_TOOL_HOST;
    }
    e.scn = &scn;
    e.text = text;
    e.text_len = len;
    int code = explore_all(&e);
    free(text);
    return code;
}
