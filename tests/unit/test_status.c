/*
 * test_status.c - the status codes are ABI: pin every value and name.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/status.h"

static const struct {
    nx_status_t status;
    int32_t value;
    const char *name;
} pinned[] = {
    { NX_OK, 0, "NX_OK" },
    { NX_ERR_INTERNAL, -1, "NX_ERR_INTERNAL" },
    { NX_ERR_INVALID_ARGS, -2, "NX_ERR_INVALID_ARGS" },
    { NX_ERR_BAD_HANDLE, -3, "NX_ERR_BAD_HANDLE" },
    { NX_ERR_WRONG_TYPE, -4, "NX_ERR_WRONG_TYPE" },
    { NX_ERR_ACCESS_DENIED, -5, "NX_ERR_ACCESS_DENIED" },
    { NX_ERR_NO_RESOURCES, -6, "NX_ERR_NO_RESOURCES" },
    { NX_ERR_SHOULD_WAIT, -7, "NX_ERR_SHOULD_WAIT" },
    { NX_ERR_PEER_CLOSED, -8, "NX_ERR_PEER_CLOSED" },
    { NX_ERR_TIMED_OUT, -9, "NX_ERR_TIMED_OUT" },
    { NX_ERR_BUFFER_TOO_SMALL, -10, "NX_ERR_BUFFER_TOO_SMALL" },
    { NX_ERR_OUT_OF_RANGE, -11, "NX_ERR_OUT_OF_RANGE" },
    { NX_ERR_RATE_LIMITED, -12, "NX_ERR_RATE_LIMITED" },
    { NX_ERR_DENIED_BY_FILTER, -13, "NX_ERR_DENIED_BY_FILTER" },
    { NX_ERR_DEVICE_RESET, -14, "NX_ERR_DEVICE_RESET" },
    { NX_ERR_VERSION_MISMATCH, -15, "NX_ERR_VERSION_MISMATCH" },
    { NX_ERR_BAD_STATE, -16, "NX_ERR_BAD_STATE" },
    { NX_ERR_NOT_SUPPORTED, -17, "NX_ERR_NOT_SUPPORTED" },
    { NX_ERR_NOT_FOUND, -18, "NX_ERR_NOT_FOUND" },
    { NX_ERR_ALREADY_EXISTS, -19, "NX_ERR_ALREADY_EXISTS" },
    { NX_ERR_CANCELED, -20, "NX_ERR_CANCELED" },
    { NX_ERR_MALFORMED, -21, "NX_ERR_MALFORMED" },
    { NX_ERR_BAD_ADDRESS, -22, "NX_ERR_BAD_ADDRESS" },
    { NX_ERR_IO, -23, "NX_ERR_IO" },
    { NX_ERR_TASK_DEAD, -24, "NX_ERR_TASK_DEAD" },
    { NX_ERR_WOULD_CYCLE, -25, "NX_ERR_WOULD_CYCLE" },
    { NX_ERR_SEALED, -26, "NX_ERR_SEALED" },
    { NX_ERR_WRITABLE_MAPPED, -27, "NX_ERR_WRITABLE_MAPPED" },
    { NX_ERR_NOT_SEALED, -28, "NX_ERR_NOT_SEALED" },
    { NX_ERR_THREAD_EXITED, -29, "NX_ERR_THREAD_EXITED" },
    { NX_ERR_NOT_PENDING, -30, "NX_ERR_NOT_PENDING" },
};
#define PINNED_COUNT (sizeof pinned / sizeof pinned[0])

/* A changed number breaks every binary built against the old one. */
static void values_are_pinned(void **state)
{
    (void)state;
    for (size_t i = 0; i < PINNED_COUNT; i++)
        assert_int_equal((int32_t)pinned[i].status, pinned[i].value);
    assert_int_equal(sizeof(nx_status_t), 4);
}

static void every_code_has_its_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < PINNED_COUNT; i++)
        assert_string_equal(nx_status_name(pinned[i].status), pinned[i].name);
}

/* NX_STATUS_MIN..NX_OK is dense and every value in it is in the table above:
 * adding a code without pinning it fails here. */
static void range_is_dense_and_pinned(void **state)
{
    (void)state;
    assert_int_equal(NX_STATUS_MIN, -(int32_t)(PINNED_COUNT - 1u));
    for (int32_t v = NX_STATUS_MIN; v <= 0; v++) {
        const char *name = nx_status_name((nx_status_t)v);
        assert_string_not_equal(name, "NX_ERR_UNKNOWN");
        int found = 0;
        for (size_t i = 0; i < PINNED_COUNT; i++)
            found += pinned[i].value == v;
        assert_int_equal(found, 1);
    }
}

static void names_are_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < PINNED_COUNT; i++)
        for (size_t j = i + 1u; j < PINNED_COUNT; j++)
            assert_string_not_equal(nx_status_name(pinned[i].status),
                                    nx_status_name(pinned[j].status));
}

/* Forged values (a user passing garbage, a newer ABI) name as unknown. */
static void out_of_range_values_are_unknown(void **state)
{
    (void)state;
    const int32_t forged[] = { 1, 2, 100, NX_STATUS_MIN - 1, INT32_MIN, INT32_MAX };
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
        assert_string_equal(nx_status_name((nx_status_t)forged[i]), "NX_ERR_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_are_pinned),
        cmocka_unit_test(every_code_has_its_name),
        cmocka_unit_test(range_is_dense_and_pinned),
        cmocka_unit_test(names_are_distinct),
        cmocka_unit_test(out_of_range_values_are_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
