/*
 * selftest.c - boot selftests: device tree, SMP, per-hart timers, IPIs.
 *
 * Distributed tests run in phases. The boot hart opens phase i by clearing
 * the done mask and publishing i (release); every online hart sees it
 * (acquire), runs the test's per-hart step, and sets its done bit; the boot
 * hart waits (bounded) for all bits, then checks what the steps recorded.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "nx/boot.h"
#include "nx/event.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/timer.h"
#include "nx/selftest.h"

/* Phase word: 0 before the first distributed test, PHASE_DONE after the last. */
#define PHASE_DONE 0xffffu

struct hart_record {
    /* smp test: the hart's own index as nx_port_this_hart() reports it, plus 1 */
    atomic_uint smp_self;
    /* timer test */
    uint64_t timer_deadline_ns; /* written by the hart itself */
    nx_timer_t timer;
    atomic_uint timer_count;
    _Atomic uint64_t timer_fired_ns;
    /* ipi test */
    atomic_uint ipi_pending; /* mailbox: senders set their bit, the hart drains */
    atomic_uint ipi_received;
    atomic_uint ipi_traps;   /* IPI interrupts this hart saw itself take */
    uint64_t ipi_taken_seen; /* its scheduler's count of them, last looked at */
    /* secondary loop: the last phase this hart acted on (its own field) */
    uint32_t phase_seen;
    /* the last phase this hart finished: a late finish of an old phase can
     * never count for the current one */
    atomic_uint phase_done;
};

static struct {
    atomic_uint phase;
    atomic_uint smp_arrivals;
    struct hart_record hart[NX_MAX_HARTS];
} st;

struct selftest {
    const char *name;
    /* Per-hart step of a distributed test; NULL for a boot-hart-only test. */
    void (*on_each_hart)(uint32_t hart);
    /* Verdict, on the boot hart: true when passed, else `why` says what. */
    bool (*check)(char *why, size_t len);
};

/* --- bootinfo ------------------------------------------------------------- */

static bool check_bootinfo(char *why, size_t len)
{
    const nx_boot_info_t *bi = nx_boot_info();
    if (bi->hart_count == 0u || bi->hart_count > NX_MAX_HARTS) {
        nx_snprintf(why, len, "%u harts", bi->hart_count);
        return false;
    }
    for (uint32_t i = 0; i < bi->hart_count; i++)
        for (uint32_t j = i + 1u; j < bi->hart_count; j++)
            if (bi->harts[i].hartid == bi->harts[j].hartid) {
                nx_snprintf(why, len, "harts %u and %u share hartid %llu", i, j,
                            (unsigned long long)bi->harts[i].hartid);
                return false;
            }
    if (bi->mem_count == 0u || bi->timebase_hz == 0u) {
        nx_snprintf(why, len, "%u memory ranges, timebase %llu Hz", bi->mem_count,
                    (unsigned long long)bi->timebase_hz);
        return false;
    }
    for (uint32_t i = 0; i < bi->mem_count; i++)
        for (uint32_t j = 0; j < bi->mem_count; j++)
            /* inclusive ends: a range may end exactly at 2^64 */
            if (i != j && bi->mem[i].base <= bi->mem[j].base + (bi->mem[j].size - 1u) &&
                bi->mem[j].base <= bi->mem[i].base + (bi->mem[i].size - 1u)) {
                nx_snprintf(why, len, "memory ranges %u and %u overlap", i, j);
                return false;
            }
    if (!bi->uart.present || !bi->test_finisher.present) {
        nx_snprintf(why, len, "no %s in the device tree",
                    bi->uart.present ? "test finisher" : "uart");
        return false;
    }
    return true;
}

/* --- smp ------------------------------------------------------------------- */

/* Every online hart reports in through the phase protocol; its identity as
 * the port's per-hart accessor sees it must match the index boot gave it. */
static void smp_on_hart(uint32_t hart)
{
    atomic_store_explicit(&st.hart[hart].smp_self, nx_port_this_hart() + 1u, memory_order_relaxed);
    atomic_fetch_add_explicit(&st.smp_arrivals, 1u, memory_order_acq_rel);
}

static bool check_smp(char *why, size_t len)
{
    uint32_t online = nx_boot_online_mask();
    uint32_t arrivals = atomic_load(&st.smp_arrivals);
    if (arrivals != nx_hart_mask_count(online)) {
        nx_snprintf(why, len, "%u arrivals from %u online harts", arrivals,
                    nx_hart_mask_count(online));
        return false;
    }
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        uint32_t seen = atomic_load(&st.hart[h].smp_self);
        if ((online & (1u << h)) && seen != h + 1u) {
            nx_snprintf(why, len, "hart %u calls itself hart %d", h, (int)seen - 1);
            return false;
        }
    }
    return true;
}

/* --- timer ----------------------------------------------------------------- */

static bool timer_fired(uint32_t hart)
{
    return atomic_load_explicit(&st.hart[hart].timer_count, memory_order_acquire) > 0u;
}

/* The kernel timer's callback, on the hart that armed it. */
static void timer_callback(nx_timer_t *timer, void *arg)
{
    (void)timer;
    struct hart_record *r = arg;
    atomic_store_explicit(&r->timer_fired_ns, nx_port_time_ns(), memory_order_relaxed);
    atomic_fetch_add_explicit(&r->timer_count, 1u, memory_order_release);
}

/* Through the kernel's timer queue (nx/timer.h), which drives the port's
 * one-shot hardware timer. */
static void timer_on_hart(uint32_t hart)
{
    struct hart_record *r = &st.hart[hart];
    r->timer_deadline_ns = nx_port_time_ns() + NX_SELFTEST_TIMER_DELAY_NS;
    nx_timer_init(&r->timer, timer_callback, r);
    nx_timer_arm(&r->timer, r->timer_deadline_ns, 0);
    (void)nx_boot_spin_until(timer_fired, hart, NX_SELFTEST_PHASE_TIMEOUT_NS);
}

static bool check_timer(char *why, size_t len)
{
    uint32_t online = nx_boot_online_mask();
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        if (!(online & (1u << h)))
            continue;
        const struct hart_record *r = &st.hart[h];
        uint32_t count = atomic_load(&r->timer_count);
        uint64_t fired = atomic_load(&r->timer_fired_ns);
        /* One-shot: exactly one interrupt, never before its deadline. */
        if (count != 1u || fired < r->timer_deadline_ns) {
            nx_snprintf(why, len, "hart %u: %u interrupts, fired at %llu ns for deadline %llu ns",
                        h, count, (unsigned long long)fired,
                        (unsigned long long)r->timer_deadline_ns);
            return false;
        }
    }
    return true;
}

/* --- ipi ------------------------------------------------------------------- */

/* On the hart itself: each IPI interrupt it took since it last looked
 * (the scheduler counts them) drains its mailbox. A sender sets its bit
 * before sending, so an interrupt counted after that bit was set follows
 * it, and the bit is drained. */
static bool ipis_all_received(uint32_t hart)
{
    struct hart_record *r = &st.hart[hart];
    uint64_t taken = nx_sched_stats(hart).ipi_received;
    if (taken != r->ipi_taken_seen) {
        r->ipi_taken_seen = taken;
        uint32_t from = atomic_exchange_explicit(&r->ipi_pending, 0u, memory_order_acq_rel);
        atomic_fetch_or_explicit(&r->ipi_received, from, memory_order_release);
        atomic_fetch_add_explicit(&r->ipi_traps, 1u, memory_order_relaxed);
    }
    uint32_t online = nx_boot_online_mask();
    uint32_t got = atomic_load_explicit(&st.hart[hart].ipi_received, memory_order_acquire);
    return (got & online) == online;
}

/* Every hart sends one IPI to every online hart, itself included, so even a
 * one-hart machine exercises the path. The mailbox bit names the sender,
 * since IPIs that arrive together merge into one interrupt. */
static void ipi_on_hart(uint32_t hart)
{
    uint32_t online = nx_boot_online_mask();
    for (uint32_t t = 0; t < NX_MAX_HARTS; t++) {
        if (!(online & (1u << t)))
            continue;
        atomic_fetch_or_explicit(&st.hart[t].ipi_pending, 1u << hart, memory_order_release);
        (void)nx_ipi_send(t, NX_IPI_CORRECTNESS, NX_IPI_PING); /* panics on failure */
    }
    (void)nx_boot_spin_until(ipis_all_received, hart, NX_SELFTEST_PHASE_TIMEOUT_NS);
}

static bool check_ipi(char *why, size_t len)
{
    uint32_t online = nx_boot_online_mask();
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        if (!(online & (1u << h)))
            continue;
        const struct hart_record *r = &st.hart[h];
        uint32_t got = atomic_load(&r->ipi_received);
        uint32_t traps = atomic_load(&r->ipi_traps);
        if (got != online || traps == 0u) {
            nx_snprintf(why, len, "hart %u: received from 0x%x of 0x%x in %u interrupts", h, got,
                        online, traps);
            return false;
        }
    }
    return true;
}

/* --- handles ----------------------------------------------------------------- */

/* Pools in use, summed: the handles test must leave them as it found them. */
static uint32_t pools_in_use(void)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++)
        used += nx_pool_used(nx_pool_registry_get(i));
    return used;
}

/* The capability core on this machine: create, duplicate with fewer rights,
 * use, refuse a stale handle and a missing right, transfer, revoke. */
static bool check_handles(char *why, size_t len)
{
    uint32_t baseline = pools_in_use();
    nx_task_t *a = NULL, *b = NULL;
    bool ok = false;
    nx_handle_t ev, weak, moved, gone;
    nx_object_info_t info;
    uint32_t revoked = 0;

    NX_SELFTEST_CHECK(nx_task_create(&a) == NX_OK && nx_task_create(&b) == NX_OK, "task create");
    NX_SELFTEST_CHECK(nx_sys_event_create(a, &ev) == NX_OK, "event create");
    NX_SELFTEST_CHECK(nx_sys_handle_duplicate(a, ev, NX_RIGHT_SIGNAL | NX_RIGHT_TRANSFER, &weak) ==
                          NX_OK,
                      "duplicate");
    NX_SELFTEST_CHECK(nx_handle_info(a, weak, &info) == NX_OK && info.type == NX_OBJ_EVENT &&
                          info.rights == (NX_RIGHT_SIGNAL | NX_RIGHT_TRANSFER),
                      "info of the duplicate");
    NX_SELFTEST_CHECK(nx_sys_object_signal(a, weak, 0, 1u << 24) == NX_OK, "signal");
    NX_SELFTEST_CHECK(nx_sys_handle_duplicate(a, weak, NX_RIGHTS_SAME, &gone) ==
                          NX_ERR_ACCESS_DENIED,
                      "duplicate without NX_RIGHT_DUPLICATE was allowed");
    NX_SELFTEST_CHECK(nx_handle_transfer(a, &weak, 1, b, &moved) == NX_OK, "transfer");
    NX_SELFTEST_CHECK(nx_sys_object_signal(a, weak, 0, 1u << 25) == NX_ERR_BAD_HANDLE,
                      "a transferred handle still worked in its old table");
    NX_SELFTEST_CHECK(nx_sys_handle_revoke(a, ev, &revoked) == NX_OK && revoked == 1u, "revoke");
    NX_SELFTEST_CHECK(nx_handle_info(b, moved, &info) == NX_ERR_BAD_HANDLE,
                      "a revoked handle survived");
    NX_SELFTEST_CHECK(nx_sys_handle_close(a, ev) == NX_OK, "close");
    NX_SELFTEST_CHECK(nx_sys_handle_close(a, ev) == NX_ERR_BAD_HANDLE,
                      "a closed handle closed twice");
    ok = true;
out:
    if (a != NULL) {
        nx_task_kill(a);
        nx_object_unref(&a->obj);
    }
    if (b != NULL) {
        nx_task_kill(b);
        nx_object_unref(&b->obj);
    }
    if (ok && pools_in_use() != baseline) {
        nx_snprintf(why, len, "%u pool items leaked", pools_in_use() - baseline);
        ok = false;
    }
    return ok;
}

/* --- table and phases ------------------------------------------------------ */

static const struct selftest tests[] = {
    { "bootinfo", NULL, check_bootinfo },    { "smp", smp_on_hart, check_smp },
    { "timer", timer_on_hart, check_timer }, { "ipi", ipi_on_hart, check_ipi },
    { "handles", NULL, check_handles },      { "aspace", NULL, nx_selftest_check_aspace },
};
#define TEST_COUNT (sizeof tests / sizeof tests[0])
_Static_assert(TEST_COUNT < PHASE_DONE, "phase numbers must not reach PHASE_DONE");

/* Both tables: the boot hart's here, then init's (selftest_threads.c). */
size_t nx_selftest_count(void)
{
    return TEST_COUNT + nx_selftest_thread_count();
}

const char *nx_selftest_name(size_t index)
{
    return index < TEST_COUNT ? tests[index].name : nx_selftest_thread_name(index - TEST_COUNT);
}

void nx_selftest_reset(void)
{
    nx_memset(&st, 0, sizeof st);
}

/* Online harts that have not finished phase `phase` yet. */
static uint32_t phase_stragglers(uint32_t phase)
{
    uint32_t online = nx_boot_online_mask(), late = 0;
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++)
        if ((online & (1u << h)) &&
            atomic_load_explicit(&st.hart[h].phase_done, memory_order_acquire) != phase)
            late |= 1u << h;
    return late;
}

static bool phase_finished(uint32_t phase)
{
    return phase_stragglers(phase) == 0u;
}

static void mark_done(uint32_t hart, uint32_t phase)
{
    atomic_store_explicit(&st.hart[hart].phase_done, phase, memory_order_release);
}

uint32_t nx_selftest_run_all(void)
{
    uint32_t self = nx_port_this_hart();
    uint32_t failed = 0;

    for (size_t i = 0; i < TEST_COUNT; i++) {
        const struct selftest *t = &tests[i];
        char why[160] = "";
        bool finished = true;
        uint32_t phase = (uint32_t)(i + 1u);
        if (t->on_each_hart != NULL) {
            atomic_store_explicit(&st.phase, phase, memory_order_release);
            t->on_each_hart(self);
            mark_done(self, phase);
            finished = nx_boot_spin_until(phase_finished, phase, NX_SELFTEST_PHASE_TIMEOUT_NS);
        }
        bool ok = finished && t->check(why, sizeof why);
        if (!finished)
            nx_snprintf(why, sizeof why, "harts 0x%x did not finish within %llu ms",
                        phase_stragglers(phase),
                        (unsigned long long)(NX_SELFTEST_PHASE_TIMEOUT_NS / 1000000u));
        if (ok) {
            nx_printk("SELFTEST: %s ok\n", t->name);
        } else {
            nx_printk("SELFTEST: %s FAILED: %s\n", t->name, why);
            failed++;
        }
    }
    atomic_store_explicit(&st.phase, PHASE_DONE, memory_order_release);
    return failed;
}

static bool phase_moved(uint32_t hart)
{
    return atomic_load_explicit(&st.phase, memory_order_acquire) != st.hart[hart].phase_seen;
}

void nx_selftest_secondary(uint32_t hart)
{
    if (hart >= NX_MAX_HARTS)
        return;
    st.hart[hart].phase_seen = 0;
    for (;;) {
        if (!nx_boot_spin_until(phase_moved, hart, NX_SELFTEST_OPEN_TIMEOUT_NS))
            nx_panic("hart %u: boot hart opened no selftest phase after phase %u for %llu s", hart,
                     st.hart[hart].phase_seen,
                     (unsigned long long)(NX_SELFTEST_OPEN_TIMEOUT_NS / 1000000000u));
        uint32_t phase = atomic_load_explicit(&st.phase, memory_order_acquire);
        st.hart[hart].phase_seen = phase;
        if (phase == PHASE_DONE)
            return;
        if (phase == 0u || phase > TEST_COUNT || tests[phase - 1u].on_each_hart == NULL)
            nx_panic("hart %u: selftest phase %u is not a distributed test", hart, phase);
        tests[phase - 1u].on_each_hart(hart);
        mark_done(hart, phase);
    }
}
