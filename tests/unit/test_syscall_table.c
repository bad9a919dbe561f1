/*
 * test_syscall_table.c - the system call table: every number has one
 * name, unknown numbers have none, and the numbers are frozen (ABI).
 */
#include "nx_test.h"

#include "nexus/syscall.h"
#include "nx/syscall.h"

static void every_syscall_has_a_name(void **state)
{
    (void)state;
    for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
        assert_string_not_equal(nx_syscall_name(nr), "unknown");
        for (uint32_t other = 0; other < nr; other++)
            assert_string_not_equal(nx_syscall_name(nr), nx_syscall_name(other));
    }
    assert_string_equal(nx_syscall_name(NX_SYS_COUNT), "unknown");
    assert_string_equal(nx_syscall_name(UINT32_MAX), "unknown");
    assert_string_equal(nx_syscall_name(NX_SYS_THREAD_CREATE), "thread_create");
}

/* ABI: numbers are frozen. */
static void syscall_numbers_are_pinned(void **state)
{
    (void)state;
    assert_int_equal(NX_SYS_TIME_NOW, 1);
    assert_int_equal(NX_SYS_THREAD_CREATE, 3);
    assert_int_equal(NX_SYS_THREAD_EXIT, 4);
    assert_int_equal(NX_SYS_THREAD_SLEEP_UNTIL, 6);
    assert_int_equal(NX_SYS_THREAD_SET_AFFINITY, 9);
    assert_int_equal(NX_SYS_OBJECT_SIGNAL, 15);
    assert_int_equal(NX_SYS_DEBUG_WRITE, 16);
    assert_int_equal(NX_SYS_KERNEL_STAT, 17);
    assert_int_equal(NX_SYS_CHANNEL_CREATE, 18);
    assert_int_equal(NX_SYS_CHANNEL_WRITE, 19);
    assert_int_equal(NX_SYS_CHANNEL_READ, 20);
    assert_int_equal(NX_SYS_OBJECT_WAIT_ONE, 21);
    assert_int_equal(NX_SYS_OBJECT_WAIT_MANY, 22);
    assert_int_equal(NX_SYS_CHANNEL_CALL, 23);
    assert_int_equal(NX_SYS_VMO_CREATE, 24);
    assert_int_equal(NX_SYS_VMO_READ, 25);
    assert_int_equal(NX_SYS_VMO_WRITE, 26);
    assert_int_equal(NX_SYS_VMO_GET_SIZE, 27);
    assert_int_equal(NX_SYS_VMO_CREATE_SLICE, 28);
    assert_int_equal(NX_SYS_VMO_SEAL, 29);
    assert_int_equal(NX_SYS_VMO_MAP, 30);
    assert_int_equal(NX_SYS_VMO_UNMAP, 31);
    assert_int_equal(NX_SYS_TASK_FILTER_ATTACH, 32);
    assert_int_equal(NX_SYS_TASK_FILTER_LEARNED, 33);
    assert_int_equal(NX_SYS_DEVICE_INFO, 34);
    assert_int_equal(NX_SYS_DEVICE_MAP, 35);
    assert_int_equal(NX_SYS_INTERRUPT_CREATE, 36);
    assert_int_equal(NX_SYS_INTERRUPT_ACK, 37);
    assert_int_equal(NX_SYS_INTERRUPT_INFO, 38);
    assert_int_equal(NX_SYS_VMO_CREATE_DMA, 39);
    assert_int_equal(NX_SYS_DMA_PIN, 40);
    assert_int_equal(NX_SYS_DEVICE_RELEASE_QUARANTINE, 41);
    assert_int_equal(NX_SYS_COUNT, 42);
    assert_int_equal(NX_STAT_STEALS, 11);
    assert_int_equal(NX_QOS_IDLE, 0);
    assert_int_equal(NX_QOS_PERFBURST, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_syscall_has_a_name),
        cmocka_unit_test(syscall_numbers_are_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
