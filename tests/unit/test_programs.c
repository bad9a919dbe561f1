/*
 * test_programs.c - the selftest programs (tests/programs, the same sources
 * the rv64 port links into its boot bundle), run on the simulated machine
 * with 1, 2, 4 and 8 harts: every program reports ok, the faulting one is
 * killed with its fault code while the others finish, nothing leaks.
 */
#include "nx_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/syscall.h"
#include "nexus/sysfilter.h"
#include "nx/kernel.h"
#include "nxsim/sim.h"

static const struct {
    const char *name;
    nx_qos_t qos;
    int32_t expect;
    const char *peer;
    bool policy;
    uint32_t devices;
} bundle[] = {
#define NX_BUNDLE(name, qos, expect, peer)           { #name, qos, expect, peer, false, 0 },
#define NX_BUNDLE_POLICY(name, qos, expect, target)  { #name, qos, expect, target, true, 0 },
#define NX_BUNDLE_DRIVER(name, qos, expect, devices) { #name, qos, expect, NULL, false, devices },
#include "../programs/bundle.def"
#undef NX_BUNDLE
#undef NX_BUNDLE_POLICY
#undef NX_BUNDLE_DRIVER
};

#define COUNT (sizeof bundle / sizeof bundle[0])

/* The console line that says program i passed: "SELFTEST: <name> ok", or
 * init's exit line for one expected to exit otherwise. */
static void passing_line(size_t i, char *line, size_t size)
{
    if (bundle[i].expect == 0)
        snprintf(line, size, "SELFTEST: %s ok", bundle[i].name);
    else
        snprintf(line, size, "init: %s exited with %d", bundle[i].name, (int)bundle[i].expect);
}

/* The syscall fuzzer runs in the simulator on its own (tests/fuzz, 120
 * seeds): here its load would only starve the other programs' helpers
 * (vmo_share's spinner, whose hart must be busy for a TLB shootdown). */
static bool in_tests_fuzz(size_t i)
{
    return strcmp(bundle[i].name, "fuzz") == 0;
}

static void run_bundle(uint32_t harts, uint64_t seed)
{
    nx_sim_config_t cfg = nx_test_machine_config(harts, seed);
    for (size_t i = 0; i < COUNT; i++) {
        if (in_tests_fuzz(i))
            continue;
        assert_int_equal(nx_sim_add_program(&cfg, bundle[i].name, 0, bundle[i].qos, 0), NX_OK);
        cfg.programs[cfg.program_count - 1u].expect_exit = bundle[i].expect;
        cfg.programs[cfg.program_count - 1u].peer = bundle[i].peer;
        cfg.programs[cfg.program_count - 1u].policy = bundle[i].policy;
        cfg.programs[cfg.program_count - 1u].devices = bundle[i].devices;
    }
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    for (size_t i = 0; i < COUNT; i++) {
        if (in_tests_fuzz(i))
            continue;
        char line[96];
        passing_line(i, line, sizeof line);
        if (!nx_test_has_line(r->console, line))
            fail_msg("%u harts: missing \"%s\"; console:\n%s", harts, line, r->console);
    }
    assert_null(strstr(r->console, "FAILED"));
    /* vmo_share unmaps while its other thread runs on another hart: on
     * more than one hart that is a TLB shootdown. */
    if (harts > 1u && r->tlb_shootdowns == 0u)
        fail_msg("%u harts, seed %llu: no TLB shootdown", harts, (unsigned long long)seed);
}

static void bundle_on_1_hart(void **state)
{
    (void)state;
    run_bundle(1, 1);
}

static void bundle_on_2_harts(void **state)
{
    (void)state;
    run_bundle(2, 2);
}

static void bundle_on_4_harts(void **state)
{
    (void)state;
    run_bundle(4, 4);
}

static void bundle_on_8_harts_many_seeds(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 10u; seed++)
        run_bundle(8, seed);
}

/* tests/qemu/expected-bundle-markers.txt, the lines the rv64 boot bundle
 * must print, lists bundle.def's programs in its order: "SELFTEST: <name>
 * ok", or init's exit line for one expected to exit otherwise. */
static void qemu_bundle_markers_match_bundle_def(void **state)
{
    (void)state;
    size_t size;
    char *text = nx_test_read_file(NX_SOURCE_DIR "/tests/qemu/expected-bundle-markers.txt", &size);
    text[size] = '\0';
    size_t seen = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        bool selftest = strncmp(line, "SELFTEST: ", 10) == 0;
        bool exit_line = strncmp(line, "init: ", 6) == 0 && strstr(line, " exited with ") != NULL;
        if (!selftest && !exit_line)
            continue;
        assert_true(seen < COUNT);
        char want[96], part[96];
        passing_line(seen, want, sizeof want);
        /* A program may report its parts first: "SELFTEST: <name> <part> ok". */
        snprintf(part, sizeof part, "SELFTEST: %s ", bundle[seen].name);
        size_t len = strlen(line);
        if (selftest && strcmp(line, want) != 0 && strncmp(line, part, strlen(part)) == 0 &&
            len > 3u && strcmp(line + len - 3u, " ok") == 0)
            continue;
        assert_string_equal(line, want);
        seen++;
    }
    assert_int_equal(seen, COUNT);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_on_1_hart),
        cmocka_unit_test(bundle_on_2_harts),
        cmocka_unit_test(bundle_on_4_harts),
        cmocka_unit_test(bundle_on_8_harts_many_seeds),
        cmocka_unit_test(qemu_bundle_markers_match_bundle_def),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
