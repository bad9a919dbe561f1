/*
 * bench.c - microbenchmarks of hot paths, one registry for all of them.
 *
 *   nx_bench --list                 names, one per line
 *   nx_bench --run NAME --iters N   run N operations inside bench_measured()
 *                                   (run.sh counts its instructions with
 *                                   callgrind --toggle-collect=bench_measured)
 *   nx_bench --run NAME --time      time a loop with CLOCK_MONOTONIC; prints
 *                                   ns per operation
 *
 * Benchmarks never assert speed: they report it (tests/bench/run.sh prints
 * the BENCH lines). Later issues add entries to the table below.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nx/bootinfo.h"
#include "nx/printk.h"
#include "nxsim/prng.h"
#include "nxsim/sim.h"

struct bench {
    const char *name;
    void (*setup)(void);
    void (*op)(void);
    uint64_t time_iters; /* iterations of the timed loop */
};

/* Keeps results alive so the compiler cannot drop the work. */
static volatile uint64_t sink;

/* --- bootinfo: parse QEMU virt's own 4-hart device tree ----------------- */

static void *qemu_dtb;
static size_t qemu_dtb_size;

static void bootinfo_setup(void)
{
    FILE *f = fopen(NX_BENCH_QEMU_DTB, "rb");
    if (f == NULL) {
        fprintf(stderr, "nx_bench: cannot open %s (build the nx_qemu_dtbs target)\n",
                NX_BENCH_QEMU_DTB);
        exit(1);
    }
    qemu_dtb = aligned_alloc(8, 1u << 20);
    qemu_dtb_size = fread(qemu_dtb, 1, 1u << 20, f);
    fclose(f);
}

static void bootinfo_op(void)
{
    static nx_boot_info_t bi;
    nx_dtb_diag_t diag;
    sink += (uint64_t)nx_bootinfo_parse(qemu_dtb, qemu_dtb_size, 0, &bi, &diag) + bi.hart_count;
}

/* --- printk: format one banner line -------------------------------------- */

static void printk_op(void)
{
    char line[NX_PRINTK_MAX_LINE];
    sink += nx_snprintf(line, sizeof line, "nexus: hart %u (hartid %llu) online, 0x%llx\n", 3u,
                        (unsigned long long)sink, 0x80000000ull);
}

/* --- prng: one draw --------------------------------------------------------- */

static nx_prng_t rng;

static void prng_setup(void)
{
    nx_prng_seed(&rng, 1);
}

static void prng_op(void)
{
    sink += nx_prng_next(&rng);
}

/* --- sim: a whole simulated boot on 4 harts --------------------------------- */

static nx_sim_result_t *sim_result;

static void sim_setup(void)
{
    sim_result = malloc(sizeof *sim_result);
}

static void sim_op(void)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    if (nx_sim_run(&cfg, sim_result) != NX_OK || sim_result->exit_code != NX_EXIT_PASS) {
        fprintf(stderr, "nx_bench: the simulated boot failed\n");
        exit(1);
    }
    sink += sim_result->digest;
}

static const struct bench benches[] = {
    { "bootinfo_parse_qemu_virt4", bootinfo_setup, bootinfo_op, 20000 },
    { "printk_format_line", NULL, printk_op, 1000000 },
    { "prng_next", prng_setup, prng_op, 10000000 },
    { "sim_boot_4harts", sim_setup, sim_op, 200 },
};
#define BENCH_COUNT (sizeof benches / sizeof benches[0])

/* The only code callgrind counts (run.sh --toggle-collect=bench_measured). */
__attribute__((noinline)) void bench_measured(const struct bench *b, uint64_t iters);
__attribute__((noinline)) void bench_measured(const struct bench *b, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++)
        b->op();
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int usage(void)
{
    fprintf(stderr, "usage: nx_bench --list | --run NAME (--iters N | --time)\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < BENCH_COUNT; i++)
            printf("%s\n", benches[i].name);
        return 0;
    }
    if (argc != 4 && argc != 5)
        return usage();
    if (strcmp(argv[1], "--run") != 0)
        return usage();
    const struct bench *b = NULL;
    for (size_t i = 0; i < BENCH_COUNT; i++)
        if (strcmp(argv[2], benches[i].name) == 0)
            b = &benches[i];
    if (b == NULL) {
        fprintf(stderr, "nx_bench: no benchmark named '%s' (see --list)\n", argv[2]);
        return 2;
    }
    if (b->setup != NULL)
        b->setup();
    if (strcmp(argv[3], "--time") == 0) {
        bench_measured(b, b->time_iters / 10u + 1u); /* warm caches */
        double t0 = now_ns();
        bench_measured(b, b->time_iters);
        double t1 = now_ns();
        printf("%.2f\n", (t1 - t0) / (double)b->time_iters);
        return 0;
    }
    if (argc != 5 || strcmp(argv[3], "--iters") != 0)
        return usage();
    char *end = NULL;
    unsigned long long iters = strtoull(argv[4], &end, 10);
    if (*end != '\0' || iters == 0u)
        return usage();
    bench_measured(b, iters);
    return 0;
}
