/*
 * test_sim_boot.c - the kernel's boot, run on the simulated machine.
 *
 * The same boot code QEMU runs: device tree, banner, harts checking in,
 * selftests, power-off with a verdict. Also what bad machines get: a hart
 * the firmware will not start, one that never checks in, too many harts, a
 * damaged device tree, a panic request. And the simulator's promise: the
 * same seed gives the same run, other seeds other interleavings.
 */
#include "nx_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx/boot.h"
#include "nx/selftest.h"
#include "nxsim/sim.h"

static nx_sim_result_t *result;

static int setup(void **state)
{
    (void)state;
    result = calloc(1, sizeof *result);
    return result == NULL;
}

static int teardown(void **state)
{
    (void)state;
    free(result);
    return 0;
}

static nx_sim_result_t *boot(const nx_sim_config_t *cfg)
{
    assert_int_equal(nx_sim_run(cfg, result), NX_OK);
    return result;
}

static nx_sim_config_t config(uint32_t harts, uint64_t seed)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.harts = harts;
    cfg.seed = seed;
    return cfg;
}

static void assert_line(const nx_sim_result_t *r, const char *line)
{
    if (!nx_test_has_line(r->console, line))
        fail_msg("missing console line \"%s\"; console was:\n%s", line, r->console);
}

static void assert_passed(const nx_sim_result_t *r, uint32_t online, uint32_t harts)
{
    assert_int_equal(r->stop, NX_SIM_STOP_SHUTDOWN);
    assert_int_equal(r->exit_code, NX_EXIT_PASS);
    for (size_t i = 0; i < nx_selftest_count(); i++) {
        char line[64];
        snprintf(line, sizeof line, "SELFTEST: %s ok", nx_selftest_name(i));
        assert_line(r, line);
    }
    char line[64];
    snprintf(line, sizeof line, "nexus: %u of %u harts online", online, harts);
    assert_line(r, line);
    assert_line(r, "nexus: all selftests passed");
    assert_null(strstr(r->console, "PANIC"));
    assert_int_equal(r->console_dropped, 0);
}

/* 1..NX_MAX_HARTS harts, each boots and passes every selftest. */
static void boots_on_every_hart_count(void **state)
{
    (void)state;
    for (uint32_t n = 1; n <= NX_MAX_HARTS; n++) {
        nx_sim_config_t cfg = config(n, n);
        assert_passed(boot(&cfg), n, n);
        for (uint32_t h = 1; h < n; h++) {
            char line[64];
            snprintf(line, sizeof line, "nexus: hart %u (hartid %u) online", h, h);
            assert_line(result, line);
        }
    }
}

static void banner_describes_the_machine(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(4, 0);
    boot(&cfg);
    assert_line(result, "nexus 0.1.0 booting on hart 0 (hartid 0)");
    assert_non_null(strstr(result->console, "nexus: 4 harts, timebase 10000000 Hz"));
    assert_line(result, "nexus: memory 0x80000000..0x87ffffff");
    assert_line(result, "nexus: memory total 128 MiB");
    assert_line(result, "nexus: console ns16550a at 0x10000000 irq 10");
    assert_line(result, "nexus: test finisher at 0x100000");
    assert_line(result, "nexus: 8 virtio-mmio slots");
}

/* The selftest names on QEMU come from tests/qemu/expected-markers.txt; it
 * must list exactly core's table, in order. */
static void qemu_markers_match_the_selftest_table(void **state)
{
    (void)state;
    size_t size;
    char *text = nx_test_read_file(NX_SOURCE_DIR "/tests/qemu/expected-markers.txt", &size);
    text[size] = '\0';
    size_t seen = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "SELFTEST: ", 10) != 0)
            continue;
        assert_true(seen < nx_selftest_count());
        char want[64];
        snprintf(want, sizeof want, "SELFTEST: %s ok", nx_selftest_name(seen));
        assert_string_equal(line, want);
        seen++;
    }
    assert_int_equal(seen, nx_selftest_count());
    assert_non_null(strstr(NX_SOURCE_DIR, "/")); /* sanity: an absolute path */
    free(text);
}

/* Same configuration and seed: the same console, digest and switch count. */
static void same_seed_same_run(void **state)
{
    (void)state;
    static char first[NX_SIM_CONSOLE_BYTES];
    for (uint64_t seed = 0; seed < 20; seed++) {
        nx_sim_config_t cfg = config(4, seed);
        boot(&cfg);
        uint64_t digest = result->digest, switches = result->switches, end = result->end_time_ns;
        memcpy(first, result->console, result->console_len + 1u);
        boot(&cfg);
        assert_int_equal(result->digest, digest);
        assert_int_equal(result->switches, switches);
        assert_int_equal(result->end_time_ns, end);
        assert_string_equal(result->console, first);
    }
}

/* Different seeds interleave the harts differently: out of 16 seeds, most
 * give distinct digests (all of them here). */
static void different_seeds_differ(void **state)
{
    (void)state;
    uint64_t digests[16];
    for (uint64_t seed = 0; seed < 16; seed++) {
        nx_sim_config_t cfg = config(4, seed);
        assert_passed(boot(&cfg), 4, 4);
        digests[seed] = result->digest;
        for (uint64_t j = 0; j < seed; j++)
            assert_int_not_equal(digests[j], digests[seed]);
    }
}

/* More harts than NX_MAX_HARTS: the first ones are used, and it is said. */
static void too_many_harts_uses_the_first(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(12, 1);
    assert_passed(boot(&cfg), NX_MAX_HARTS, NX_MAX_HARTS);
    assert_line(result, "nexus: device tree lists 12 harts; using 8 (NX_MAX_HARTS), boot hart "
                        "included");
}

/* Booting on a hart past the bound (firmware picks the boot hart): it is
 * still among the harts used. */
static void boot_hart_past_the_bound_is_kept(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(12, 2);
    cfg.boot_hartid = 11;
    assert_passed(boot(&cfg), NX_MAX_HARTS, NX_MAX_HARTS);
    assert_line(result, "nexus 0.1.0 booting on hart 7 (hartid 11)");
}

/* The firmware refuses one hart: reported, boot goes on with the others. */
static void hart_that_fails_to_start(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(4, 3);
    cfg.fail_start_mask = 1u << 2;
    assert_passed(boot(&cfg), 3, 4);
    assert_line(result,
                "nexus: hart 2 (hartid 2) failed to start: NX_ERR_IO; continuing without it");
}

/* A hart that starts but never checks in is waited for, within the bound. */
static void hart_that_never_checks_in(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(4, 4);
    cfg.stall_mask = 1u << 3;
    assert_passed(boot(&cfg), 3, 4);
    assert_line(result, "nexus: hart 3 was started but did not check in within 5000 ms; "
                        "continuing without it");
    assert_true(result->end_time_ns >= NX_BOOT_CHECKIN_TIMEOUT_NS);
}

/* A panic before the port is set up still says why and stops the machine. */
static void early_panic_request_panics(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(2, 0);
    cfg.bootargs = "nexus.test=early-panic";
    boot(&cfg);
    assert_int_equal(result->exit_code, NX_EXIT_PANIC);
    assert_line(result, "PANIC: requested by bootargs (nexus.test=early-panic) (boot hart, early)");
    assert_null(strstr(result->console, "nexus 0.1.0 booting"));
}

static void panic_request_panics(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(2, 0);
    cfg.bootargs = "quiet nexus.test=panic";
    boot(&cfg);
    assert_int_equal(result->stop, NX_SIM_STOP_SHUTDOWN);
    assert_int_equal(result->exit_code, NX_EXIT_PANIC);
    assert_line(result, "PANIC: requested by bootargs (nexus.test=panic) (hart 0)");
    assert_null(strstr(result->console, "SELFTEST"));
}

/* The device tree QEMU itself produces boots the simulator too. */
static void qemu_device_tree_boots(void **state)
{
    (void)state;
    size_t size;
    void *dtb = nx_test_read_file(nx_test_data_path("qemu-virt-smp4-128M.dtb"), &size);
    nx_sim_config_t cfg = config(4, 5);
    cfg.dtb = dtb;
    cfg.dtb_size = size;
    assert_passed(boot(&cfg), 4, 4);
    assert_line(result, "nexus: plic at 0xc000000, 96 sources");
    free(dtb);
}

/* A damaged device tree is refused with its reason, before anything else. */
static void damaged_device_tree_panics_with_reason(void **state)
{
    (void)state;
    size_t size;
    unsigned char *dtb = nx_test_read_file(nx_test_data_path("qemu-virt-smp4-128M.dtb"), &size);
    nx_sim_config_t cfg = config(4, 0);
    cfg.dtb = dtb;
    cfg.dtb_size = 64; /* cut short: the header says several KiB */
    boot(&cfg);
    assert_int_equal(result->exit_code, NX_EXIT_PANIC);
    assert_non_null(strstr(result->console, "PANIC: device tree rejected: device tree is cut "
                                            "short"));
    assert_non_null(strstr(result->console, "[truncated, NX_ERR_MALFORMED"));
    free(dtb);
}

/* The device tree lists harts 0..3 but the kernel booted on hart 6. */
static void boot_hart_missing_from_device_tree(void **state)
{
    (void)state;
    size_t size;
    void *dtb = nx_test_read_file(nx_test_data_path("qemu-virt-smp4-128M.dtb"), &size);
    nx_sim_config_t cfg = config(8, 0);
    cfg.dtb = dtb;
    cfg.dtb_size = size;
    cfg.boot_hartid = 6;
    boot(&cfg);
    assert_int_equal(result->exit_code, NX_EXIT_PANIC);
    assert_non_null(strstr(result->console, "[no-boot-hart, NX_ERR_NOT_FOUND"));
    free(dtb);
}

/* Bad machine configurations are refused before anything runs. */
static void bad_configurations_are_refused(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(0, 0);
    assert_int_equal(nx_sim_run(&cfg, result), NX_ERR_INVALID_ARGS);
    cfg = config(NX_SIM_MAX_HARTS + 1u, 0);
    assert_int_equal(nx_sim_run(&cfg, result), NX_ERR_INVALID_ARGS);
    cfg = config(4, 0);
    cfg.boot_hartid = 4;
    assert_int_equal(nx_sim_run(&cfg, result), NX_ERR_INVALID_ARGS);
    cfg = config(4, 0);
    cfg.time_limit_ns = 0;
    assert_int_equal(nx_sim_run(&cfg, result), NX_ERR_INVALID_ARGS);
    cfg = config(4, 0);
    cfg.memory_bytes = 1;
    assert_int_equal(nx_sim_run(&cfg, result), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_run(NULL, result), NX_ERR_INVALID_ARGS);
    cfg = config(NX_SIM_MAX_HARTS, 0); /* the bound itself works */
    assert_passed(boot(&cfg), NX_MAX_HARTS, NX_MAX_HARTS);
}

/* A time limit stops a machine that would run longer (the 1 s check-in wait). */
static void time_limit_stops_the_machine(void **state)
{
    (void)state;
    nx_sim_config_t cfg = config(2, 0);
    cfg.stall_mask = 1u << 1;
    cfg.time_limit_ns = 500000000ull;
    boot(&cfg);
    assert_int_equal(result->stop, NX_SIM_STOP_TIME_LIMIT);
    assert_true(result->end_time_ns <= cfg.time_limit_ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boots_on_every_hart_count),
        cmocka_unit_test(banner_describes_the_machine),
        cmocka_unit_test(qemu_markers_match_the_selftest_table),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(different_seeds_differ),
        cmocka_unit_test(too_many_harts_uses_the_first),
        cmocka_unit_test(boot_hart_past_the_bound_is_kept),
        cmocka_unit_test(hart_that_fails_to_start),
        cmocka_unit_test(hart_that_never_checks_in),
        cmocka_unit_test(panic_request_panics),
        cmocka_unit_test(early_panic_request_panics),
        cmocka_unit_test(qemu_device_tree_boots),
        cmocka_unit_test(damaged_device_tree_panics_with_reason),
        cmocka_unit_test(boot_hart_missing_from_device_tree),
        cmocka_unit_test(bad_configurations_are_refused),
        cmocka_unit_test(time_limit_stops_the_machine),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
