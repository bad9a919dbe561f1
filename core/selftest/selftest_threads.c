/*
 * selftest_threads.c - boot selftests that need the scheduler: they run in
 * init, a kernel thread, once every hart is in its idle loop.
 *
 *   threads   a kernel thread pinned to each online hart runs there, sleeps
 *             on a timer, yields, and exits with a code init collects
 *   wakeups   two threads on two harts hand a turn back and forth through
 *             one wait queue, each wake-up crossing harts
 *
 * They reach context switches, timers and IPIs only through the port, so
 * passing here under QEMU means the port's context switch, timer and IPI
 * paths carry the scheduler on real harts.
 */
#include <stdatomic.h>

#include "nx/boot.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/selftest.h"
#include "nx/thread_api.h"
#include "nx/wait.h"

#define SELFTEST_SLEEP_NS    1000000ull    /* each pinned thread sleeps 1 ms */
#define SELFTEST_JOIN_NS     5000000000ull /* and every thread ends within 5 s */
#define SELFTEST_WAKE_ROUNDS 50u           /* turns each ping-pong thread takes */

static struct {
    atomic_uint ran_on[NX_MAX_HARTS];   /* hart + 1 seen by the thread pinned to hart h */
    atomic_uint slept_ok[NX_MAX_HARTS]; /* its sleep lasted long enough */
    nx_wait_queue_t turn_queue;
    uint32_t turn;  /* guarded by turn_queue.lock: whose turn, 0 or 1 */
    uint32_t turns; /* taken so far */
    atomic_uint wake_errors;
} sts;

/* Make a kernel thread pinned to `mask` and start it. */
static nx_status_t spawn(void (*fn)(uintptr_t arg), uintptr_t arg, nx_affinity_t mask,
                         nx_thread_t **out)
{
    nx_status_t st = nx_thread_new(NULL, (uintptr_t)fn, arg, NX_QOS_NORMAL, mask, out);
    if (st == NX_OK)
        nx_sched_start(*out);
    return st;
}

/* Join `t` and drop the creator's reference; its exit code, or -1. */
static int32_t reap(nx_thread_t *t)
{
    int32_t code = -1;
    if (nx_thread_wait_exit(t, nx_port_time_ns() + SELFTEST_JOIN_NS, &code) != NX_OK)
        code = -1;
    nx_object_unref(&t->obj);
    return code;
}

/* --- threads ------------------------------------------------------------------ */

static void pinned_thread(uintptr_t hart)
{
    atomic_store(&sts.ran_on[hart], nx_port_this_hart() + 1u);
    nx_wait_queue_t q = NX_WAIT_QUEUE_INIT;
    uint64_t start = nx_port_time_ns();
    nx_spin_lock(&q.lock);
    nx_status_t st = nx_wait_locked(&q, start + SELFTEST_SLEEP_NS);
    if (st == NX_ERR_TIMED_OUT && nx_port_time_ns() >= start + SELFTEST_SLEEP_NS &&
        nx_port_this_hart() == hart)
        atomic_store(&sts.slept_ok[hart], 1u);
    nx_sched_yield();
    nx_sched_exit((int32_t)hart + 1);
}

static bool check_threads(char *why, size_t len)
{
    nx_affinity_t online = nx_sched_online();
    nx_thread_t *t[NX_MAX_HARTS] = { 0 };
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        if ((online & (1u << h)) == 0u)
            continue;
        nx_status_t st = spawn(pinned_thread, h, 1u << h, &t[h]);
        if (st != NX_OK) {
            nx_snprintf(why, len, "no thread for hart %u: %s", h, nx_status_name(st));
            for (uint32_t k = 0; k < h; k++)
                if (t[k] != NULL)
                    (void)reap(t[k]);
            return false;
        }
    }
    bool ok = true;
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        if (t[h] == NULL)
            continue;
        int32_t code = reap(t[h]);
        uint32_t ran = atomic_load(&sts.ran_on[h]);
        if (ok &&
            (code != (int32_t)h + 1 || ran != h + 1u || atomic_load(&sts.slept_ok[h]) == 0u)) {
            nx_snprintf(why, len, "hart %u's thread: exit %d, ran on %d, slept %s", h, (int)code,
                        (int)ran - 1, atomic_load(&sts.slept_ok[h]) ? "ok" : "wrong");
            ok = false;
        }
    }
    return ok;
}

/* --- wakeups ------------------------------------------------------------------- */

static void ping_pong(uintptr_t me)
{
    nx_wait_queue_t *q = &sts.turn_queue;
    for (uint32_t round = 0; round < SELFTEST_WAKE_ROUNDS; round++) {
        nx_spin_lock(&q->lock);
        while (sts.turn != me) {
            nx_status_t st = nx_wait_locked(q, nx_port_time_ns() + SELFTEST_JOIN_NS);
            if (st != NX_OK) {
                atomic_fetch_add(&sts.wake_errors, 1u);
                nx_sched_exit(-1);
            }
            nx_spin_lock(&q->lock);
        }
        sts.turn = 1u - (uint32_t)me;
        sts.turns++;
        (void)nx_wake_all_locked(q, NX_OK);
        nx_spin_unlock(&q->lock);
    }
    nx_sched_exit(0);
}

static uint64_t correctness_ipis(void)
{
    uint64_t n = 0;
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++)
        n += nx_sched_stats(h).ipi_sent[NX_IPI_CORRECTNESS];
    return n;
}

static bool check_wakeups(char *why, size_t len)
{
    nx_affinity_t online = nx_sched_online();
    uint32_t first = (uint32_t)__builtin_ctz(online);
    uint32_t last = 31u - (uint32_t)__builtin_clz(online);
    nx_wait_queue_init(&sts.turn_queue);
    sts.turn = 0;
    sts.turns = 0;
    uint64_t ipis = correctness_ipis();
    nx_thread_t *a, *b;
    if (spawn(ping_pong, 0, 1u << first, &a) != NX_OK) {
        nx_snprintf(why, len, "no thread");
        return false;
    }
    if (spawn(ping_pong, 1, 1u << last, &b) != NX_OK) {
        (void)reap(a); /* it gives up within its deadline */
        nx_snprintf(why, len, "no thread");
        return false;
    }
    int32_t ca = reap(a), cb = reap(b);
    uint64_t sent = correctness_ipis() - ipis;
    if (ca != 0 || cb != 0 || sts.turns != 2u * SELFTEST_WAKE_ROUNDS ||
        atomic_load(&sts.wake_errors) != 0u) {
        nx_snprintf(why, len, "exits %d/%d, %u of %u turns", (int)ca, (int)cb, sts.turns,
                    2u * SELFTEST_WAKE_ROUNDS);
        return false;
    }
    /* On two harts, waking the one that waits must reach it: an IPI. */
    if (first != last && sent == 0u) {
        nx_snprintf(why, len, "no wake-up IPI between harts %u and %u", first, last);
        return false;
    }
    return true;
}

/* --- table ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    bool (*check)(char *why, size_t len);
} thread_tests[] = {
    { "threads", check_threads },
    { "wakeups", check_wakeups },
};
#define THREAD_TEST_COUNT (sizeof thread_tests / sizeof thread_tests[0])

size_t nx_selftest_thread_count(void)
{
    return THREAD_TEST_COUNT;
}

const char *nx_selftest_thread_name(size_t index)
{
    return index < THREAD_TEST_COUNT ? thread_tests[index].name : NULL;
}

uint32_t nx_selftest_run_threads(void)
{
    uint32_t failed = 0;
    for (size_t i = 0; i < THREAD_TEST_COUNT; i++) {
        char why[160] = "";
        if (thread_tests[i].check(why, sizeof why)) {
            nx_printk("SELFTEST: %s ok\n", thread_tests[i].name);
        } else {
            nx_printk("SELFTEST: %s FAILED: %s\n", thread_tests[i].name, why);
            failed++;
        }
    }
    return failed;
}
