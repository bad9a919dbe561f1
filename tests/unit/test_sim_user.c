/*
 * test_sim_user.c - where the simulator's user side must model rv64 and
 * cannot use a page table: what memory is a program's own, and where a
 * thread may start.
 *
 * A simulated program is a host function on its thread's fiber, and the
 * kernel runs on that fiber below the program's frames during a system
 * call; so only the stack from the call's own stack pointer up is the
 * program's (docs/abi/syscalls.md). A thread's entry is a host address
 * that will be called: one outside the host's code faults the thread, as
 * a fetch from it does on rv64, instead of crashing the host.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nexus/syscall.h"
#include "nx/audit.h"
#include "nxsim/program.h"

/* --- a program's memory is [stack pointer at the call, top) ---------------------- */

static nx_status_t below_write, below_read, own_write, own_read;
static bool own_bytes_seen, below_finished;

/* The program's frame is near its fiber's top (NX_FIBER_STACK_BYTES):
 * 8 KiB below a local is still on the fiber, where the kernel's frames
 * lie while it runs a call. */
#define BELOW 8192u

NX_SIM_PROGRAM(below_frame)
{
    (void)arg;
    char local[32] = "below_frame: own bytes\n", ping[4] = { 'p', 'i', 'n', 'g' };
    uintptr_t below = (uintptr_t)local - BELOW;
    nx_channel_handle_t a, b, c, d;
    nx_msg_info_t info;
    if (nx_channel_create(&a, &b) != NX_OK || nx_channel_create(&c, &d) != NX_OK)
        nx_thread_exit(1);
    below_write = nx_debug_write((const void *)below, 16);
    if (nx_channel_write(a, ping, 4, NULL, 0, 0) != NX_OK)
        nx_thread_exit(2);
    below_read = nx_channel_read(b, (void *)below, 64, NULL, 0, &info);
    /* Its own locals still are its memory. */
    own_write = nx_debug_write(local, strlen(local));
    if (nx_channel_write(c, ping, 4, NULL, 0, 0) != NX_OK)
        nx_thread_exit(3);
    own_read = nx_channel_read(d, local, sizeof local, NULL, 0, &info);
    own_bytes_seen = own_read == NX_OK && info.bytes == 4u && memcmp(local, ping, 4) == 0;
    nx_channel_handle_t all[] = { a, b, c, d };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        (void)nx_handle_close(all[i]);
    below_finished = true;
}

/* Below the program's frame is the kernel's while it runs the call: a
 * debug_write from there would print kernel stack bytes, a channel_read
 * into there would overwrite live kernel frames. Both are BAD_ADDRESS
 * (audited); the program's locals work as before. */
static void memory_below_the_frame_is_not_the_program_s(void **state)
{
    (void)state;
    below_finished = own_bytes_seen = false;
    nx_sim_config_t cfg = nx_test_machine_config(1, 21);
    assert_int_equal(nx_sim_add_program(&cfg, "below_frame", 0, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(below_finished);
    ASSERT_ST(below_write, NX_ERR_BAD_ADDRESS);
    ASSERT_ST(below_read, NX_ERR_BAD_ADDRESS);
    ASSERT_ST(own_write, NX_OK);
    ASSERT_ST(own_read, NX_OK);
    assert_true(own_bytes_seen);
    assert_true(nx_test_has_line(r->console, "below_frame: own bytes"));
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY), bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad += out[i].reason == NX_AUDIT_BAD_ADDRESS;
    assert_true(bad >= 2u);
}

/* --- a thread's entry: host code, or a fault ---------------------------------------- */

static const unsigned char not_code[64] = { 0xff };
static nx_status_t wild_create;
static bool wild_came_back;

NX_SIM_PROGRAM(wild_entry)
{
    /* The raw call: the user API takes a function. The thread starts, and
     * its first fetch faults: the task ends. */
    nx_syscall_ret_t r = nx_syscall(NX_SYS_THREAD_CREATE, arg, 0, NX_QOS_NORMAL, NX_AFFINITY_ALL,
                                    (uint64_t)(uintptr_t)nx_thread_return, 0);
    wild_create = (nx_status_t)r.status;
    nx_sleep_until(nx_time_now() + 50000000, 0);
    wild_came_back = true; /* never: the kill ends this thread as it sleeps */
}

static void run_wild_entry(uintptr_t entry)
{
    wild_came_back = false;
    wild_create = NX_ERR_INTERNAL;
    nx_sim_config_t cfg = nx_test_machine_config(2, 22);
    assert_int_equal(nx_sim_add_program(&cfg, "wild_entry", entry, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].expect_exit = NX_EXIT_CODE_KILLED;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    ASSERT_ST(wild_create, NX_OK);
    assert_false(wild_came_back);
    char line[96];
    snprintf(line, sizeof line, "killed: page fault at 0x%llx (pc 0x%llx",
             (unsigned long long)entry, (unsigned long long)entry);
    if (strstr(r->console, line) == NULL)
        fail_msg("no \"%s\" in the console:\n%s", line, r->console);
    assert_true(nx_test_has_line(r->console, "init: wild_entry exited with -256"));
}

/* An entry that is no code at all (the first page, unmapped on rv64 too):
 * the new thread faults at it, its task ends, the host goes on. */
static void an_entry_outside_code_faults_the_thread(void **state)
{
    (void)state;
    run_wild_entry(0x1234u);
}

/* An entry that is the program's data: the same fault (on rv64 its page
 * is not executable). */
static void an_entry_in_data_faults_the_thread(void **state)
{
    (void)state;
    run_wild_entry((uintptr_t)not_code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_below_the_frame_is_not_the_program_s),
        cmocka_unit_test(an_entry_outside_code_faults_the_thread),
        cmocka_unit_test(an_entry_in_data_faults_the_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
