/*
 * syscall_fuzz.c - the system call fuzzer on the simulated machine.
 *
 * Runs the fuzz program (tests/programs/fuzz.c) for a range of seeds, each
 * on a machine of 1-4 harts, and checks that every refused call it probed
 * left the core's state unchanged, that every status was documented (the
 * program checks both), that the machine stayed sound (init's pass, every
 * pool back to empty), and that the program's end released what it held
 * the moment its first thread exited (no VMO or channel outlives it).
 *
 *   syscall_fuzz [--seeds A..B] [--calls N]    (default seeds 1..120,
 *                                                3000 calls per worker)
 *
 * Each seed is one deterministic run: a failure prints the command that
 * repeats exactly that run.
 */
#include "nx_test.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/syscall.h"
#include "nxsim/asan.h"

#if NX_SIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

static uint64_t first_seed = 1, last_seed = 120, calls = 3000;
static const char *program_path = "syscall_fuzz";

/* The fuzz program's first thread (its main) and what was held at its exit. */
static struct {
    uint64_t main_thread;
    bool ended;
    uint32_t vmos, channels;
} end;

static void watch(const nx_trace_event_t *ev, void *ctx)
{
    (void)ctx;
    if (ev->kind == NX_TRACE_SYSCALL_ENTER && ev->a == NX_SYS_THREAD_CREATE && end.main_thread == 0)
        end.main_thread = ev->b; /* the program's first call that makes a thread */
    if (ev->kind == NX_TRACE_THREAD_EXIT && ev->a == end.main_thread && !end.ended) {
        end.ended = true;
        end.vmos = nx_test_pool_used("vmos");
        end.channels = nx_test_pool_used("channels");
    }
}

static void fail_seed(uint64_t seed, const char *why, const char *console)
{
    printf("%s\nconsole:\n%s\n", why, console);
    printf("reproduce: %s --seeds %" PRIu64 "..%" PRIu64 " --calls %" PRIu64 "\n", program_path,
           seed, seed, calls);
    fail_msg("seed %" PRIu64 ": %s", seed, why);
}

static uint64_t probed_total;
static volatile uint64_t current_seed;

/* A crash (a sanitizer's report, a signal) ends the process mid-seed: say
 * which seed, so the run can be repeated alone. */
static void say_crashed_seed(void)
{
    char line[256];
    int n = snprintf(line, sizeof line,
                     "\nsyscall_fuzz: crashed in seed %" PRIu64 "; reproduce: %s --seeds %" PRIu64
                     "..%" PRIu64 " --calls %" PRIu64 "\n",
                     current_seed, program_path, current_seed, current_seed, calls);
    if (n > 0)
        (void)fwrite(line, 1, (size_t)n, stderr);
}

static void on_fatal_signal(int sig)
{
    say_crashed_seed();
    signal(sig, SIG_DFL);
    raise(sig);
}

static uint64_t run_seed(uint64_t seed)
{
    memset(&end, 0, sizeof end);
    current_seed = seed;
    uint32_t harts = 1u + (uint32_t)(seed % 4u);
    nx_sim_config_t cfg = nx_test_machine_config(harts, seed);
    cfg.observer = watch;
    cfg.time_limit_ns = 600ull * 1000000000ull;
    cfg.interleave_per_mille = (uint32_t)(seed % 3u) * 50u; /* more interleavings */
    uint64_t arg = (uint64_t)(uint32_t)seed | calls << 32;
    assert_int_equal(nx_sim_add_program(&cfg, "fuzz", (uintptr_t)arg, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    if (r->stop != NX_SIM_STOP_SHUTDOWN || r->exit_code != NX_EXIT_PASS)
        fail_seed(seed, "the machine did not pass", r->console);
    if (!nx_test_has_line(r->console, "SELFTEST: fuzz ok"))
        fail_seed(seed, "the fuzz program failed", r->console);
    if (!end.ended)
        fail_seed(seed, "no exit of the program's first thread was seen", r->console);
    if (end.vmos != 0u || end.channels != 0u)
        fail_seed(seed, "the program ended but its VMOs or channels stayed", r->console);
    nx_test_assert_machine_passed(r);
    const char *line = strstr(r->console, "fuzz: seed ");
    unsigned long long s = 0, n = 0, probed = 0;
    if (line == NULL ||
        sscanf(line, "fuzz: seed %llu: %llu calls, %llu probed", &s, &n, &probed) != 3)
        fail_seed(seed, "no summary line", r->console);
    probed_total += probed;
    if (getenv("NX_FUZZ_VERBOSE") != NULL)
        printf("seed %" PRIu64 ": %llu calls, %llu probed, %" PRIu64 " ns virtual, %" PRIu64
               " switches\n",
               seed, n, probed, r->end_time_ns, r->switches);
    return n;
}

static void fuzz_seeds(void **state)
{
    (void)state;
    uint64_t total = 0;
    probed_total = 0;
    /* Here, not in main: cmocka sets its own handlers for each test. */
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGBUS, on_fatal_signal);
    for (uint64_t seed = first_seed; seed <= last_seed; seed++) {
        total += run_seed(seed);
        if ((seed - first_seed) % 10u == 9u || seed == last_seed)
            printf("syscall_fuzz: seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " calls\n", first_seed,
                   seed, total);
    }
    printf("BENCH syscall_fuzz calls=%" PRIu64 " probed=%" PRIu64 " seeds=%" PRIu64 "\n", total,
           probed_total, last_seed - first_seed + 1u);
}

int main(int argc, char **argv)
{
    program_path = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc &&
            sscanf(argv[i + 1], "%" SCNu64 "..%" SCNu64, &first_seed, &last_seed) == 2 &&
            first_seed <= last_seed) {
            i++;
        } else if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc &&
                   sscanf(argv[i + 1], "%" SCNu64, &calls) == 1 && calls > 0u &&
                   calls < (1u << 31)) {
            i++;
        } else {
            fprintf(stderr, "usage: %s [--seeds A..B] [--calls N] (calls per worker, 3 workers)\n",
                    argv[0]);
            return 2;
        }
    }
#if NX_SIM_ASAN
    __sanitizer_set_death_callback(say_crashed_seed);
#endif
    const struct CMUnitTest tests[] = { cmocka_unit_test(fuzz_seeds) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
