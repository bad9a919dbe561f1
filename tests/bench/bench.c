/*
 * bench.c - microbenchmarks of hot paths, one registry for all of them.
 *
 *   nx_bench --list                 names, one per line
 *   nx_bench --run NAME --iters N   run N operations inside bench_measured()
 *                                   (run.sh counts its instructions with
 *                                   callgrind --toggle-collect=bench_measured)
 *   nx_bench --run NAME --time      time a loop with CLOCK_MONOTONIC; prints
 *                                   ns per operation
 *   nx_bench --unit NAME            operations per op() call (run.sh divides
 *                                   the instruction count by it too)
 *
 * Benchmarks never assert speed: they report it (tests/bench/run.sh prints
 * the BENCH lines). Later issues add entries to the table below.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_internal.h" /* NX_REVOKE_STEP */
#include "nx/bootinfo.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/sysfilter.h"
#include "nx/thread.h"
#include "sysfilter_blob.h"
#include "nx/task.h"
#include "nx/vmo.h"
#include "nxsim/harness.h"
#include "nexus/syscall.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/thread.h"
#include "nxsim/program.h"
#include "nxsim/prng.h"
#include "nxsim/record.h"
#include "nxsim/scenario.h"
#include "nxsim/sim.h"

struct bench {
    const char *name;
    void (*setup)(void);
    void (*op)(void);
    uint64_t time_iters; /* iterations of the timed loop */
    /* The function whose instructions are counted (NULL: the whole loop,
     * bench_measured). For the smallest paths the loop would dominate. */
    const char *collect;
    /* Operations one op() call performs (0 means 1): figures are per
     * operation, e.g. per context switch of a whole simulated run. */
    uint64_t unit;
    /* For an op that prepares its own input first: ns per op of only the
     * part it timed itself (NULL: the whole op is timed). */
    double (*own_ns)(void);
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

/* --- the syscall filter: nx_filter_check on the harness ---------------------- */

static nx_task_t *filter_task;
static nx_thread_t filter_thread;
static uint64_t filter_args[6];
static uint32_t filter_nr;

/* A task with one filter: `rules` rules for vmo_create, rule i allowing
 * size `op` i + 1 (the call asks for size `rules`: with EQ, a value list;
 * with LE, a scan to the last rule), an
 * argument-free allow of hart_id, a RATE rule for thread_yield, and a
 * DENY default. */
static void filter_setup_op(uint32_t rules, uint32_t nr, nx_filter_op_t op)
{
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    for (uint32_t i = 0; i < rules; i++)
        nx_test_filter_match(nx_test_filter_rule(&p, NX_SYS_VMO_CREATE, NX_FILTER_ALLOW, 0), 0, op,
                             i + 1u, 0);
    if (rules < NX_FILTER_MAX_RULES - 1u) {
        (void)nx_test_filter_rule(&p, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0);
        (void)nx_test_filter_rule(&p, NX_SYS_THREAD_YIELD, NX_FILTER_RATE,
                                  nx_test_filter_bucket(&p, UINT64_C(1) << 62, 1, 1000));
    }
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&p, blob);
    nx_filter_t *f = NULL;
    nx_audit_reason_t why;
    if (nx_sim_harness_begin() != NX_OK || nx_task_create(&filter_task) != NX_OK ||
        nx_filter_build_kernel(blob, n, &f, &why) != NX_OK) {
        fprintf(stderr, "nx_bench: cannot set up the filter benchmarks\n");
        exit(1);
    }
    atomic_store(&filter_task->filter.at[0], f);
    atomic_store(&filter_task->filter.count, 1u);
    memset(&filter_thread, 0, sizeof filter_thread);
    filter_thread.task = filter_task;
    filter_nr = nr;
    filter_args[0] = nr == NX_SYS_VMO_CREATE ? rules : 0u;
}

static void filter_setup(uint32_t rules, uint32_t nr)
{
    filter_setup_op(rules, nr, NX_FILTER_EQ);
}

static void filter_setup_4_ranges(void)
{
    filter_setup_op(4, NX_SYS_VMO_CREATE, NX_FILTER_LE);
}

static void filter_setup_fixed(void)
{
    filter_setup(1, NX_SYS_HART_ID);
}

static void filter_setup_1(void)
{
    filter_setup(1, NX_SYS_VMO_CREATE);
}

static void filter_setup_16(void)
{
    filter_setup(16, NX_SYS_VMO_CREATE);
}

static void filter_setup_64(void)
{
    filter_setup(NX_FILTER_MAX_RULES, NX_SYS_VMO_CREATE);
}

static void filter_setup_deny(void)
{
    filter_setup(1, NX_SYS_TIME_NOW);
}

static void filter_setup_rate(void)
{
    filter_setup(1, NX_SYS_THREAD_YIELD);
}

/* What the dispatcher runs: the inline bit test, then the check proper
 * when that cannot decide. Out of line, so callgrind can count it. */
__attribute__((noinline)) uint32_t nx_bench_filter_once(void);
__attribute__((noinline)) uint32_t nx_bench_filter_once(void)
{
    nx_filter_stack_t *s = &filter_task->filter;
    uint32_t n = atomic_load_explicit(&s->count, memory_order_acquire);
    if (nx_filter_allows_fast(s, n, filter_nr))
        return NX_FILTER_ALLOW;
    return nx_filter_check(&filter_thread, filter_nr, filter_args).kind;
}

static void filter_op(void)
{
    sink += nx_bench_filter_once();
}

/* --- capabilities: on the simulator's harness (the host thread is hart 0) --- */

static nx_task_t *cap_task, *cap_other;
static nx_handle_t cap_event;

static void cap_setup(void)
{
    if (nx_sim_harness_begin() != NX_OK || nx_task_create(&cap_task) != NX_OK ||
        nx_task_create(&cap_other) != NX_OK || nx_sys_event_create(cap_task, &cap_event) != NX_OK) {
        fprintf(stderr, "nx_bench: cannot set up the capability benchmarks\n");
        exit(1);
    }
}

/* The one check every syscall makes: lookup + type + rights (lock held by
 * the caller, as in a syscall's decode step). */
__attribute__((noinline)) nx_status_t nx_bench_lookup_once(void);
__attribute__((noinline)) nx_status_t nx_bench_lookup_once(void)
{
    const nx_handle_entry_t *e;
    return nx_handle_lookup_locked(&cap_task->handles, cap_event, NX_OBJ_EVENT, NX_RIGHT_SIGNAL,
                                   &e);
}

static void lookup_setup(void)
{
    cap_setup();
    nx_cap_lock(); /* held for the whole run: the benchmark is single-threaded */
}

static void lookup_op(void)
{
    sink += (uint64_t)nx_bench_lookup_once();
}

/* Lookup that hands back a referenced object: lock, check, ref, unlock, unref. */
static void get_op(void)
{
    nx_object_t *obj;
    if (nx_cap_get(cap_task, cap_event, NX_OBJ_EVENT, NX_RIGHT_SIGNAL, 0, &obj) == NX_OK)
        nx_object_unref(obj);
}

static void dup_close_op(void)
{
    nx_handle_t h;
    if (nx_sys_handle_duplicate(cap_task, cap_event, NX_RIGHT_SIGNAL, &h) == NX_OK)
        sink += (uint64_t)nx_sys_handle_close(cap_task, h);
}

/* Move 8 handles to another task and back. */
static void transfer_op(void)
{
    static nx_handle_t hs[8], moved[8];
    static int ready;
    if (!ready) {
        for (int i = 0; i < 8; i++)
            (void)nx_sys_handle_duplicate(cap_task, cap_event, NX_RIGHTS_SAME, &hs[i]);
        ready = 1;
    }
    (void)nx_handle_transfer(cap_task, hs, 8, cap_other, moved);
    (void)nx_handle_transfer(cap_other, moved, 8, cap_task, hs);
}

/* Derive 64 handles (a chain of 8 fanning out 8 each) and revoke them all. */
static void revoke_op(void)
{
    nx_handle_t chain = cap_event, leaf;
    for (int depth = 0; depth < 8; depth++) {
        for (int i = 0; i < 7; i++)
            (void)nx_sys_handle_duplicate(cap_task, chain, NX_RIGHTS_SAME, &leaf);
        (void)nx_sys_handle_duplicate(cap_task, chain, NX_RIGHTS_SAME, &chain);
    }
    uint32_t revoked = 0;
    (void)nx_sys_handle_revoke(cap_task, cap_event, &revoked);
    sink += revoked;
}

/* The longest revoke there can be: every capability node in one chain
 * below cap_event (each derived from the one before), spread over tasks.
 * Only the revoke is measured: callgrind collects nx_sys_handle_revoke (or
 * the holds, nx_node_revoke_step), and the op times the revoke itself. */
#define REVOKE_CHAIN (NX_MAX_CAP_NODES - 1u)
#define REVOKE_TASKS (NX_MAX_CAP_NODES / NX_MAX_HANDLES_PER_TASK + 1u)
/* Holds of that revoke: two units per link but the last (a leaf: one),
 * and the last look at the root (test_cap_revoke checks the count). */
#define REVOKE_HOLDS ((2u * REVOKE_CHAIN + NX_REVOKE_STEP - 1u) / NX_REVOKE_STEP)

static double now_ns(void);
static nx_task_t *revoke_tasks[REVOKE_TASKS];
static double revoke_ns;
static uint64_t revokes;

static void revoke_chain_setup(void)
{
    cap_setup();
    revoke_tasks[0] = cap_task;
    for (uint32_t i = 1; i < REVOKE_TASKS; i++)
        if (nx_task_create(&revoke_tasks[i]) != NX_OK) {
            fprintf(stderr, "nx_bench: cannot set up the revoke benchmark\n");
            exit(1);
        }
}

/* Derive the chain; all but the newest link move to the other tasks. */
static void revoke_chain_build(void)
{
    nx_handle_t link = cap_event, moved[64], out[64];
    uint32_t n = 0, to = 1;
    for (uint32_t i = 0; i < REVOKE_CHAIN; i++) {
        nx_handle_t next;
        if (nx_sys_handle_duplicate(cap_task, link, NX_RIGHTS_SAME, &next) != NX_OK) {
            fprintf(stderr, "nx_bench: the revoke chain stopped at %u\n", i);
            exit(1);
        }
        if (link.v != cap_event.v)
            moved[n++] = link;
        link = next;
        if (n == 64u) {
            while (revoke_tasks[to]->handles.free_count < n)
                to++;
            (void)nx_handle_transfer(cap_task, moved, n, revoke_tasks[to], out);
            n = 0;
        }
    }
}

static void revoke_chain_op(void)
{
    revoke_chain_build();
    uint32_t revoked = 0;
    double t0 = now_ns();
    (void)nx_sys_handle_revoke(cap_task, cap_event, &revoked);
    revoke_ns += now_ns() - t0;
    revokes++;
    if (revoked != REVOKE_CHAIN) {
        fprintf(stderr, "nx_bench: revoked %u of the chain's %u\n", revoked, REVOKE_CHAIN);
        exit(1);
    }
}

static double revoke_chain_ns(void)
{
    return revoke_ns / (double)revokes;
}

static double revoke_hold_ns(void)
{
    return revoke_chain_ns() / (double)REVOKE_HOLDS;
}

/* --- scheduler: pick-next with N runnable threads (harness, hart 0) ---------- */

static nx_thread_t *pick_threads;
static nx_runqueue_t *pick_rq;

/* N threads spread over the four classes, as a busy hart would hold them. */
static void pick_setup_n(uint32_t n)
{
    pick_threads = calloc(n, sizeof *pick_threads);
    if (pick_threads == NULL || nx_sim_harness_begin() != NX_OK) {
        fprintf(stderr, "nx_bench: cannot set up the pick-next benchmark\n");
        exit(1);
    }
    pick_rq = nx_rq_lock(0); /* held for the run: single-threaded */
    for (uint32_t i = 0; i < n; i++) {
        pick_threads[i].qos = (nx_qos_t)(i % NX_QOS_COUNT);
        pick_threads[i].rq_hart = NX_RQ_NONE;
        nx_rq_push_locked(pick_rq, &pick_threads[i]);
    }
}

static void pick_setup_8(void)
{
    pick_setup_n(8);
}
static void pick_setup_64(void)
{
    pick_setup_n(64);
}
static void pick_setup_1024(void)
{
    pick_setup_n(1024);
}
static void pick_setup_4096(void)
{
    pick_setup_n(4096);
}

/* Pick-next alone is counted (nx_rq_pick_locked and what it calls, the
 * port's hart check included); the picked thread then goes back to its
 * class's tail, uncounted, so the queue keeps its N threads. */
static nx_thread_t *picked;

__attribute__((noinline)) void nx_bench_pick_next(void);
__attribute__((noinline)) void nx_bench_pick_next(void)
{
    picked = nx_rq_pick_locked(pick_rq);
}

static void pick_op(void)
{
    nx_bench_pick_next();
    nx_rq_push_locked(pick_rq, picked);
}

/* --- sim: thread context switches in a simulated machine ------------------------ */

#define SWITCH_YIELDS 50000u /* per thread: two threads, 100000 switches a run */

NX_SIM_PROGRAM(bench_yielder)
{
    for (uintptr_t i = 0; i < arg; i++)
        nx_yield();
}

static void switch_op(void)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.harts = 1;
    (void)nx_sim_add_program(&cfg, "bench_yielder", SWITCH_YIELDS, NX_QOS_NORMAL, 0);
    (void)nx_sim_add_program(&cfg, "bench_yielder", SWITCH_YIELDS, NX_QOS_NORMAL, 0);
    if (nx_sim_run(&cfg, sim_result) != NX_OK || sim_result->exit_code != NX_EXIT_PASS ||
        sim_result->sched[0].switches < 2u * SWITCH_YIELDS) {
        fprintf(stderr, "nx_bench: the yield run failed (%llu switches)\n",
                (unsigned long long)sim_result->sched[0].switches);
        exit(1);
    }
    sink += sim_result->digest;
}

/* --- sim: the null system call round trip ---------------------------------------- */

#define NULL_CALLS 100000u

NX_SIM_PROGRAM(bench_null_syscall)
{
    for (uintptr_t i = 0; i < arg; i++)
        (void)nx_syscall(NX_SYS_HART_ID, 0, 0, 0, 0, 0, 0);
}

static void null_syscall_op(void)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.harts = 1;
    (void)nx_sim_add_program(&cfg, "bench_null_syscall", NULL_CALLS, NX_QOS_NORMAL, 0);
    if (nx_sim_run(&cfg, sim_result) != NX_OK || sim_result->exit_code != NX_EXIT_PASS) {
        fprintf(stderr, "nx_bench: the null syscall run failed\n");
        exit(1);
    }
    sink += sim_result->digest;
}

/* --- channels: the kernel side of write + read (harness, hart 0) ------------------- */

static nx_handle_t ch_a, ch_b, ch_events[4];
static unsigned char ch_buf[64];

static void channel_setup(void)
{
    cap_setup();
    if (nx_channel_new(cap_task, &ch_a, &ch_b) != NX_OK) {
        fprintf(stderr, "nx_bench: cannot create a channel\n");
        exit(1);
    }
    for (int i = 0; i < 4; i++)
        (void)nx_sys_event_create(cap_task, &ch_events[i]);
}

/* What channel_write and channel_read do past their user copies: a message
 * filled, sent with nh handles, taken (the handles land back in the same
 * table, under new values), copied out, freed. */
static void channel_round(uint32_t nh)
{
    nx_msg_t *m = nx_msg_alloc();
    memcpy(m->data, ch_buf, sizeof ch_buf);
    m->bytes = sizeof ch_buf;
    m->txid = 0;
    if (nx_channel_send(cap_task, ch_a, m, ch_events, nh) != NX_OK) {
        fprintf(stderr, "nx_bench: channel send failed\n");
        exit(1);
    }
    nx_msg_info_t info;
    nx_msg_t *got = NULL;
    if (nx_channel_take(cap_task, ch_b, NX_CHANNEL_MAX_BYTES, NX_CHANNEL_MAX_HANDLES, &got,
                        ch_events, &info) != NX_OK) {
        fprintf(stderr, "nx_bench: channel take failed\n");
        exit(1);
    }
    memcpy(ch_buf, got->data, got->bytes);
    nx_msg_free(got);
}

static void channel_64_op(void)
{
    channel_round(0);
}

static void channel_64_4_handles_op(void)
{
    channel_round(4);
}

/* --- VMO: a page written in and read back out -------------------------------------- */

static nx_handle_t bench_vmo;
static uintptr_t vmo_scratch; /* two pages of the task's user memory */

static void vmo_setup(void)
{
    cap_setup();
    uintptr_t top;
    nx_port_user_range(&vmo_scratch, &top);
    if (nx_task_user_init(cap_task) != NX_OK ||
        nx_port_aspace_map(nx_task_aspace(cap_task), vmo_scratch, 2u * NX_PAGE_SIZE,
                           NX_PROT_READ | NX_PROT_WRITE, NULL, 0) != NX_OK ||
        nx_sys_vmo_create(cap_task, NX_PAGE_SIZE, &bench_vmo) != NX_OK) {
        fprintf(stderr, "nx_bench: cannot set up a VMO and user memory\n");
        exit(1);
    }
    nx_port_aspace_activate(nx_task_aspace(cap_task));
}

/* vmo_write then vmo_read of 4 KiB through the user copies (the
 * simulator's copies walk its mapping list, as rv64's walk page tables). */
static void vmo_4k_op(void)
{
    if (nx_sys_vmo_write(cap_task, bench_vmo, 0, vmo_scratch, NX_PAGE_SIZE) != NX_OK ||
        nx_sys_vmo_read(cap_task, bench_vmo, 0, vmo_scratch + NX_PAGE_SIZE, NX_PAGE_SIZE) !=
            NX_OK) {
        fprintf(stderr, "nx_bench: vmo write/read failed\n");
        exit(1);
    }
}

/* --- sim: call/reply between two threads on one hart ------------------------------ */

#define CALL_ROUNDS 20000u

static nx_channel_handle_t call_server_end;

static void bench_call_server(uintptr_t rounds)
{
    unsigned char buf[64];
    for (uintptr_t i = 0; i < rounds; i++) {
        nx_msg_info_t info;
        if (nx_object_wait_one(call_server_end, NX_CHANNEL_READABLE, nx_time_now() + 1000000000u,
                               0) != NX_OK ||
            nx_channel_read(call_server_end, buf, sizeof buf, 0, 0, &info) != NX_OK ||
            nx_channel_write(call_server_end, buf, sizeof buf, 0, 0, info.txid) != NX_OK)
            nx_thread_exit(1);
    }
}

NX_SIM_PROGRAM(bench_call_reply)
{
    nx_channel_handle_t me;
    nx_thread_handle_t t;
    unsigned char buf[64] = { 1 };
    if (nx_channel_create(&me, &call_server_end) != NX_OK ||
        nx_thread_create(bench_call_server, arg, NX_QOS_NORMAL, 1, &t) != NX_OK)
        nx_thread_exit(1);
    for (uintptr_t i = 0; i < arg; i++) {
        nx_msg_info_t info;
        if (nx_channel_call(me, buf, sizeof buf, 0, 0, buf, sizeof buf, 0, 0,
                            nx_time_now() + 1000000000u, &info) != NX_OK)
            nx_thread_exit(2);
    }
    int32_t code = -1;
    if (nx_thread_join(t, nx_time_now() + 1000000000u, &code) != NX_OK || code != 0)
        nx_thread_exit(3);
    (void)nx_handle_close(me);
    (void)nx_handle_close(call_server_end);
}

static void call_reply_op(void)
{
    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.harts = 1;
    (void)nx_sim_add_program(&cfg, "bench_call_reply", CALL_ROUNDS, NX_QOS_NORMAL, 0);
    if (nx_sim_run(&cfg, sim_result) != NX_OK || sim_result->exit_code != NX_EXIT_PASS) {
        fprintf(stderr, "nx_bench: the call/reply run failed\n");
        exit(1);
    }
    sink += sim_result->digest;
}

static const struct bench benches[] = {
    { "bootinfo_parse_qemu_virt4", bootinfo_setup, bootinfo_op, 20000, NULL, 1, NULL },
    { "printk_format_line", NULL, printk_op, 1000000, NULL, 1, NULL },
    { "prng_next", prng_setup, prng_op, 10000000, NULL, 1, NULL },
    { "sim_boot_4harts", sim_setup, sim_op, 200, NULL, 1, NULL },
    { "handle_lookup_check", lookup_setup, lookup_op, 10000000, "nx_bench_lookup_once", 1, NULL },
    /* The filter's check as the dispatcher makes it, one filter: a decision
     * with no argument to test (one lookup), the allow path after 1, 16 and
     * NX_FILTER_MAX_RULES rules that test one argument each (a value
     * list), after 4 rules of bounds (a scan), the default's DENY (with
     * its audit record), a RATE rule's token. */
    { "filter_check_fixed", filter_setup_fixed, filter_op, 2000000, "nx_bench_filter_once", 1,
      NULL },
    { "filter_check_1_rule", filter_setup_1, filter_op, 2000000, "nx_bench_filter_once", 1, NULL },
    { "filter_check_16_rules", filter_setup_16, filter_op, 1000000, "nx_bench_filter_once", 1,
      NULL },
    { "filter_check_64_rules", filter_setup_64, filter_op, 500000, "nx_bench_filter_once", 1,
      NULL },
    { "filter_check_4_ranges", filter_setup_4_ranges, filter_op, 1000000, "nx_bench_filter_once", 1,
      NULL },
    { "filter_check_deny", filter_setup_deny, filter_op, 1000000, "nx_bench_filter_once", 1, NULL },
    { "filter_check_rate", filter_setup_rate, filter_op, 1000000, "nx_bench_filter_once", 1, NULL },
    { "handle_get_unref", cap_setup, get_op, 2000000, NULL, 1, NULL },
    { "handle_duplicate_close", cap_setup, dup_close_op, 1000000, NULL, 1, NULL },
    { "handle_transfer_8_and_back", cap_setup, transfer_op, 200000, NULL, 1, NULL },
    { "handle_derive_64_revoke", cap_setup, revoke_op, 20000, NULL, 1, NULL },
    { "handle_revoke_8191_chain", revoke_chain_setup, revoke_chain_op, 20, "nx_sys_handle_revoke",
      1, revoke_chain_ns },
    /* The same revoke, per hold of the capability lock (the longest any
     * other hart waits for it): all holds but the last do the full step. */
    { "handle_revoke_one_hold", revoke_chain_setup, revoke_chain_op, 20, "nx_node_revoke_step",
      REVOKE_HOLDS, revoke_hold_ns },
    { "sched_pick_next_8", pick_setup_8, pick_op, 10000000, "nx_rq_pick_locked", 1, NULL },
    { "sched_pick_next_64", pick_setup_64, pick_op, 10000000, "nx_rq_pick_locked", 1, NULL },
    { "sched_pick_next_1024", pick_setup_1024, pick_op, 10000000, "nx_rq_pick_locked", 1, NULL },
    { "sched_pick_next_4096", pick_setup_4096, pick_op, 10000000, "nx_rq_pick_locked", 1, NULL },
    /* One run: boot, then two threads yielding to each other on one hart;
     * per switch, the boot's share included (under 1%). */
    { "sim_context_switch", sim_setup, switch_op, 5, NULL, 2u * SWITCH_YIELDS, NULL },
    /* One run: boot, then a program making NULL_CALLS hart_id calls. */
    { "sim_null_syscall", sim_setup, null_syscall_op, 5, NULL, NULL_CALLS, NULL },
    { "channel_write_read_64", channel_setup, channel_64_op, 2000000, NULL, 1, NULL },
    { "channel_write_read_64_4_handles", channel_setup, channel_64_4_handles_op, 1000000, NULL, 1,
      NULL },
    /* One run: boot, then CALL_ROUNDS calls answered by a thread on the
     * same hart (wait, read, reply); per round trip, both switches. */
    { "sim_call_reply", sim_setup, call_reply_op, 5, NULL, CALL_ROUNDS, NULL },
    { "vmo_write_read_4k", vmo_setup, vmo_4k_op, 200000, NULL, 1, NULL },
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

/* --- Events per host second, run vs replay -------------------------------------------- */

/* The mixed scenario (tests/scenario/mixed.nxs), run EVENT_RUNS times plain
 * and EVENT_RUNS times as a replay of a recording of itself: events of the
 * stream per host second, and how replay speed compares. Host time, so only
 * printed, never asserted. */
#define EVENT_RUNS 5u

static double timed_run(const nx_sim_config_t *cfg, nx_sim_result_t *r, uint64_t *events)
{
    double t0 = now_ns();
    if (nx_sim_run(cfg, r) != NX_OK || r->exit_code != NX_EXIT_PASS) {
        fprintf(stderr, "nx_bench: the mixed scenario failed\n");
        exit(1);
    }
    *events += r->events;
    return now_ns() - t0;
}

static int events_bench(void)
{
    static nx_scenario_t scn;
    nx_scenario_error_t err;
    if (nx_scenario_load(NX_BENCH_SOURCE_DIR "/tests/scenario/mixed.nxs", &scn, &err) != NX_OK) {
        nx_scenario_error_print(&err, stderr);
        return 1;
    }
    nx_sim_result_t *r = malloc(sizeof *r);
    static nx_recording_t rec;
    nx_recording_init(&rec);
    nx_sim_config_t cfg = scn.cfg;
    cfg.tap = nx_recording_tap;
    cfg.ctx = &rec;
    uint64_t recorded = 0;
    (void)timed_run(&cfg, r, &recorded);
    rec.digest = r->digest;
    double run_ns = 0, replay_ns = 0;
    uint64_t run_events = 0, replay_events = 0;
    for (uint32_t i = 0; i < EVENT_RUNS; i++) {
        cfg = scn.cfg;
        run_ns += timed_run(&cfg, r, &run_events);
        nx_replay_t rp;
        nx_replay_init(&rp, &rec);
        cfg.tap = nx_replay_tap;
        cfg.ctx = &rp;
        replay_ns += timed_run(&cfg, r, &replay_events);
        if (!nx_replay_matched(&rp, r)) {
            fprintf(stderr, "nx_bench: the replay diverged\n");
            return 1;
        }
    }
    printf("BENCH sim_events_per_host_second value=%.0f\n", (double)run_events * 1e9 / run_ns);
    printf("BENCH sim_replay_events_per_host_second value=%.0f\n",
           (double)replay_events * 1e9 / replay_ns);
    printf("BENCH sim_replay_time_vs_run_percent value=%.1f\n", 100.0 * replay_ns / run_ns);
    nx_recording_free(&rec);
    free(r);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: nx_bench --list | --events | --collect NAME | --unit NAME | --run NAME "
                    "(--iters N | --time)\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < BENCH_COUNT; i++)
            printf("%s\n", benches[i].name);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--events") == 0)
        return events_bench();
    if (argc == 3 && strcmp(argv[1], "--unit") == 0) {
        for (size_t i = 0; i < BENCH_COUNT; i++)
            if (strcmp(argv[2], benches[i].name) == 0) {
                printf("%llu\n", (unsigned long long)(benches[i].unit ? benches[i].unit : 1u));
                return 0;
            }
        return usage();
    }
    if (argc == 3 && strcmp(argv[1], "--collect") == 0) {
        for (size_t i = 0; i < BENCH_COUNT; i++)
            if (strcmp(argv[2], benches[i].name) == 0) {
                printf("%s\n", benches[i].collect ? benches[i].collect : "bench_measured");
                return 0;
            }
        return usage();
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
        if (b->own_ns != NULL) {
            printf("%.2f\n", b->own_ns());
            return 0;
        }
        uint64_t unit = b->unit ? b->unit : 1u;
        printf("%.2f\n", (t1 - t0) / (double)b->time_iters / (double)unit);
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
