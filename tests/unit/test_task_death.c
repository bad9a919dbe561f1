/*
 * test_task_death.c - a task's end releases everything it holds at once.
 *
 * A program's end (its first thread returns) and a fault both end the
 * task. At that moment (the first thread's exit event, long before init
 * drops its reference to the task) the task's VMO mappings must be gone
 * (the VMO, held only by a mapping, is destroyed and its budget refunded),
 * its handles closed (a peer sees PEER_CLOSED) and its other threads
 * ended with NX_EXIT_CODE_KILLED, not when they would have woken.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/syscall.h"
#include "nxsim/program.h"

#define MS 1000000ull

/* What the observer saw at the program's first thread's exit. */
static struct {
    uint32_t main_thread; /* its id (the first thread of the program) */
    bool seen;            /* its exit event came */
    uint32_t vmos_used;   /* the VMO pool then */
    uint32_t channels_used;
    uint64_t exit_ns;   /* when */
    uint64_t killed_ns; /* when its sleeping sibling ended */
    int32_t sibling_code;
} at_death;

static void sleeper(uintptr_t arg)
{
    nx_sleep_until(nx_time_now() + arg, 0); /* ended long before this */
}

/* A VMO reachable only through the program's own mapping, a channel whose
 * both ends it holds, and a sibling asleep for 200 ms. */
static void hold_everything(void)
{
    nx_vmo_handle_t vmo = NX_VMO_HANDLE_INVALID;
    nx_channel_handle_t a = NX_CHANNEL_HANDLE_INVALID, b = NX_CHANNEL_HANDLE_INVALID;
    nx_thread_handle_t s;
    if (nx_vmo_create(4096, &vmo) != NX_OK ||
        nx_vmo_map(vmo, 0, 0x1040000000ull, 4096, NX_VM_READ | NX_VM_WRITE) != NX_OK ||
        nx_handle_close(vmo) != NX_OK || nx_channel_create(&a, &b) != NX_OK ||
        nx_thread_create(sleeper, 200 * MS, NX_QOS_NORMAL, 0x1u, &s) != NX_OK)
        nx_thread_exit(1);
    nx_sleep_until(nx_time_now() + MS, 0); /* the sibling is asleep now */
}

NX_SIM_PROGRAM(returns_holding)
{
    (void)arg;
    hold_everything();
} /* the program ends here, with 0 */

NX_SIM_PROGRAM(faults_holding)
{
    (void)arg;
    hold_everything();
    nx_sim_user_fault(NX_USER_FAULT_PAGE, 0xdead0);
}

static void watch(const nx_trace_event_t *ev, void *ctx)
{
    (void)ctx;
    /* The program's first thread is the one that creates its sibling. */
    if (ev->kind == NX_TRACE_SYSCALL_ENTER && ev->a == NX_SYS_THREAD_CREATE &&
        at_death.main_thread == 0u)
        at_death.main_thread = (uint32_t)ev->b;
    if (ev->kind != NX_TRACE_THREAD_EXIT || at_death.main_thread == 0u)
        return;
    if ((uint32_t)ev->a != at_death.main_thread) {
        at_death.killed_ns = ev->time_ns;
        at_death.sibling_code = (int32_t)(int64_t)ev->b;
        return;
    }
    at_death.seen = true;
    at_death.exit_ns = ev->time_ns;
    at_death.vmos_used = nx_test_pool_used("vmos");
    at_death.channels_used = nx_test_pool_used("channels");
}

static void run_and_check(const char *program, int32_t code)
{
    memset(&at_death, 0, sizeof at_death);
    nx_sim_config_t cfg = nx_test_machine_config(2, 31);
    cfg.observer = watch;
    assert_int_equal(nx_sim_add_program(&cfg, program, 0, NX_QOS_NORMAL, 0x1u), NX_OK);
    cfg.programs[0].expect_exit = code;
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    assert_true(at_death.seen);
    assert_true(at_death.killed_ns >= at_death.exit_ns);
    assert_int_equal(at_death.vmos_used, 0);     /* the mapping went with the task */
    assert_int_equal(at_death.channels_used, 0); /* both endpoints closed */
    assert_int_equal(at_death.sibling_code, NX_EXIT_CODE_KILLED);
    assert_true(at_death.killed_ns - at_death.exit_ns < 10 * MS); /* not its 200 ms wake */
}

static void a_program_end_releases_its_task(void **state)
{
    (void)state;
    run_and_check("returns_holding", 0);
}

static void a_fault_releases_its_task(void **state)
{
    (void)state;
    run_and_check("faults_holding", NX_EXIT_CODE_FAULT(NX_USER_FAULT_PAGE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_program_end_releases_its_task),
        cmocka_unit_test(a_fault_releases_its_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
