/*
 * test_table_full.c - the calls that make an object and then its handles,
 * refused because the caller's handle table has no room: each refusal
 * changes nothing (the core's state digest), it is NX_ERR_NO_RESOURCES,
 * and with room again the same call works. Found by the syscall fuzzer
 * running under a filter that kept handles open: channel_create with one
 * free slot installed its first handle, closed it again and refused
 * (moving the table's generations), and thread_create mapped the new
 * thread's stack before the install failed.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/status.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/core.h"
#include "nx/event.h"
#include "nx/sched.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nx/thread_api.h"
#include "nx/vmo.h"
#include "nexus/syscall.h"
#include "nxsim/program.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

/* Fill t's table until `left` slots are free; returns the last handle. */
static nx_handle_t fill(nx_task_t *t, uint32_t left)
{
    nx_handle_t h = NX_HANDLE_INVALID;
    while (t->handles.free_count > left)
        ASSERT_ST(nx_sys_event_create(t, &h), NX_OK);
    return h;
}

static void a_full_table_refuses_making_anything(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_user_task_new();
    nx_test_run_as(t);
    nx_handle_t last = fill(t, 1);
    nx_handle_t a, b, h;
    /* One slot: a channel needs two. */
    uint64_t before = nx_core_state_digest();
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_ERR_NO_RESOURCES);
    assert_true(nx_core_state_digest() == before);
    /* None: every maker refuses, changing nothing. */
    nx_handle_t extra;
    ASSERT_ST(nx_sys_event_create(t, &extra), NX_OK);
    before = nx_core_state_digest();
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_event_create(t, &h), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_vmo_create(t, 4096, &h), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_task_create_handle(t, &h), NX_ERR_NO_RESOURCES);
    assert_true(nx_core_state_digest() == before);
    /* Room for two again: the channel is made. */
    ASSERT_ST(nx_sys_handle_close(t, extra), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, last), NX_OK);
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, a), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, b), NX_OK);
    nx_test_run_as(NULL);
    nx_test_task_free(t);
}

/* thread_create from a program whose table is full, probed: the kernel's
 * state around the call is unchanged (its stack slot is not mapped). */
static nx_status_t thread_status;
static bool thread_unchanged, probed;

static void never_runs(uintptr_t arg)
{
    (void)arg;
}

NX_SIM_PROGRAM(table_full_thread)
{
    (void)arg;
    nx_event_handle_t ev;
    while (nx_event_create(&ev) == NX_OK) {
    }
    uint64_t a[6] = { (uint64_t)(uintptr_t)never_runs,       0, NX_QOS_NORMAL, NX_AFFINITY_ALL,
                      (uint64_t)(uintptr_t)nx_thread_return, 0 };
    nx_sim_syscall_probe_t probe;
    nx_syscall_ret_t r = nx_sim_syscall_probed(NX_SYS_THREAD_CREATE, a, &probe);
    thread_status = (nx_status_t)r.status;
    probed = probe.undisturbed;
    thread_unchanged = probe.before == probe.after;
}

static void a_full_table_refuses_a_thread(void **state)
{
    (void)state;
    probed = thread_unchanged = false;
    nx_sim_config_t cfg = nx_test_machine_config(1, 51);
    assert_int_equal(nx_sim_add_program(&cfg, "table_full_thread", 0, NX_QOS_NORMAL, 0), NX_OK);
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(thread_status, NX_ERR_NO_RESOURCES);
    assert_true(probed);
    assert_true(thread_unchanged);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(a_full_table_refuses_making_anything),
        cmocka_unit_test(a_full_table_refuses_a_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
