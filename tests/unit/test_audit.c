/*
 * test_audit.c - the audit ring and its ABI codes.
 *
 * Operation and reason codes cross the user/kernel boundary and are kept in
 * traces, so their numbers and names are pinned here. The ring is bounded:
 * a full ring drops the newest record and counts it, and sequence numbers
 * show where records went missing. Time stamps come from virtual time.
 */
#include "nx_test.h"

#include <string.h>

#include "nx/audit.h"
#include "nx/port.h"
#include "nxsim/harness.h"

static const struct {
    nx_audit_op_t op;
    int value;
    const char *name;
} ops[] = {
    { NX_AUDIT_OP_NONE, 0, "none" },           { NX_AUDIT_OP_LOOKUP, 1, "lookup" },
    { NX_AUDIT_OP_DUPLICATE, 2, "duplicate" }, { NX_AUDIT_OP_REPLACE, 3, "replace" },
    { NX_AUDIT_OP_CLOSE, 4, "close" },         { NX_AUDIT_OP_INFO, 5, "info" },
    { NX_AUDIT_OP_TRANSFER, 6, "transfer" },   { NX_AUDIT_OP_REVOKE, 7, "revoke" },
    { NX_AUDIT_OP_CREATE, 8, "create" },       { NX_AUDIT_OP_SIGNAL, 9, "signal" },
    { NX_AUDIT_OP_SCHED, 10, "sched" },        { NX_AUDIT_OP_SYSCALL, 11, "syscall" },
    { NX_AUDIT_OP_FAULT, 12, "fault" },        { NX_AUDIT_OP_CHANNEL, 13, "channel" },
    { NX_AUDIT_OP_WAIT, 14, "wait" },          { NX_AUDIT_OP_VMO, 15, "vmo" },
    { NX_AUDIT_OP_FILTER, 16, "filter" },      { NX_AUDIT_OP_DEVICE, 17, "device" },
};

static const struct {
    nx_audit_reason_t reason;
    int value;
    const char *name;
} reasons[] = {
    { NX_AUDIT_OK, 0, "ok" },
    { NX_AUDIT_HANDLE_FORGED, 1, "handle-forged" },
    { NX_AUDIT_HANDLE_CLOSED, 2, "handle-closed" },
    { NX_AUDIT_HANDLE_STALE, 3, "handle-stale" },
    { NX_AUDIT_WRONG_TYPE, 4, "wrong-type" },
    { NX_AUDIT_MISSING_RIGHT, 5, "missing-right" },
    { NX_AUDIT_RIGHTS_ESCALATION, 6, "rights-escalation" },
    { NX_AUDIT_UNKNOWN_RIGHTS, 7, "unknown-rights" },
    { NX_AUDIT_TABLE_FULL, 8, "table-full" },
    { NX_AUDIT_POOL_EXHAUSTED, 9, "pool-exhausted" },
    { NX_AUDIT_DUPLICATE_IN_BATCH, 10, "duplicate-in-batch" },
    { NX_AUDIT_BATCH_TOO_LARGE, 11, "batch-too-large" },
    { NX_AUDIT_BAD_ARGUMENT, 12, "bad-argument" },
    { NX_AUDIT_TASK_DEAD, 13, "task-dead" },
    { NX_AUDIT_NOT_AUTHORITY, 14, "not-authority" },
    { NX_AUDIT_UNKNOWN_SYSCALL, 15, "unknown-syscall" },
    { NX_AUDIT_USER_FAULT, 16, "user-fault" },
    { NX_AUDIT_BAD_ADDRESS, 17, "bad-address" },
    { NX_AUDIT_SENT_ITSELF, 18, "sent-itself" },
    { NX_AUDIT_WOULD_CYCLE, 19, "would-cycle" },
    { NX_AUDIT_OVER_BUDGET, 20, "over-budget" },
    { NX_AUDIT_SEALED, 21, "sealed" },
    { NX_AUDIT_WX, 22, "w-and-x" },
    { NX_AUDIT_OUT_OF_RANGE, 23, "out-of-range" },
    { NX_AUDIT_FILTER_DENY, 24, "filter-deny" },
    { NX_AUDIT_FILTER_KILL, 25, "filter-kill" },
    { NX_AUDIT_FILTER_RATE, 26, "filter-rate" },
    { NX_AUDIT_FILTER_LOG, 27, "filter-log" },
    { NX_AUDIT_FILTER_REPORT, 28, "filter-report" },
    { NX_AUDIT_FILTER_LOOSEN, 29, "filter-loosen" },
    { NX_AUDIT_FILTER_MALFORMED, 30, "filter-malformed" },
    { NX_AUDIT_FILTER_STACK_FULL, 31, "filter-stack-full" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static nx_task_id_t task_id(uint32_t v)
{
    nx_task_id_t id = { v };
    return id;
}

static nx_handle_t handle(uint32_t v)
{
    nx_handle_t h = { v };
    return h;
}

/* Append record number i: every field derived from i so order is visible. */
static void append(uint32_t i)
{
    nx_audit(task_id(1000u + i), (nx_audit_op_t)(1u + i % 9u), handle(0x100u + i),
             (nx_audit_reason_t)(1u + i % 13u));
}

static void assert_record(const nx_audit_record_t *r, uint32_t i, uint32_t seq)
{
    assert_int_equal(r->task.v, 1000u + i);
    assert_int_equal(r->op, 1u + i % 9u);
    assert_int_equal(r->handle.v, 0x100u + i);
    assert_int_equal(r->reason, 1u + i % 13u);
    assert_int_equal(r->seq, seq);
}

static void assert_stats(uint64_t appended, uint64_t dropped, uint32_t pending)
{
    nx_audit_stats_t s = nx_audit_stats();
    assert_int_equal(s.appended, appended);
    assert_int_equal(s.dropped, dropped);
    assert_int_equal(s.pending, pending);
}

/* ABI: the numbers are frozen; COUNT grows only by appending. */
static void op_values_are_pinned(void **state)
{
    (void)state;
    assert_int_equal(COUNT(ops), NX_AUDIT_OP_COUNT);
    assert_int_equal(NX_AUDIT_OP_COUNT, 18);
    for (size_t i = 0; i < COUNT(ops); i++)
        assert_int_equal((int)ops[i].op, ops[i].value);
}

static void reason_values_are_pinned(void **state)
{
    (void)state;
    assert_int_equal(COUNT(reasons), NX_AUDIT_REASON_COUNT);
    assert_int_equal(NX_AUDIT_REASON_COUNT, 32);
    for (size_t i = 0; i < COUNT(reasons); i++)
        assert_int_equal((int)reasons[i].reason, reasons[i].value);
}

/* The record layout is ABI too (user tools read it). */
static void record_layout_is_pinned(void **state)
{
    (void)state;
    assert_int_equal(sizeof(nx_audit_record_t), 32);
    assert_int_equal(offsetof(nx_audit_record_t, time_ns), 0);
    assert_int_equal(offsetof(nx_audit_record_t, task), 8);
    assert_int_equal(offsetof(nx_audit_record_t, handle), 12);
    assert_int_equal(offsetof(nx_audit_record_t, op), 16);
    assert_int_equal(offsetof(nx_audit_record_t, reason), 18);
    assert_int_equal(offsetof(nx_audit_record_t, seq), 20);
    assert_int_equal(offsetof(nx_audit_record_t, syscall), 24);
    assert_int_equal(offsetof(nx_audit_record_t, rule), 26);
}

/* Names are stable (logs are grepped for them), distinct, and never the
 * fallback for an assigned code; unassigned codes get "unknown". */
static void names_are_stable_and_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(ops); i++) {
        assert_string_equal(nx_audit_op_name(ops[i].op), ops[i].name);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(nx_audit_op_name(ops[i].op), nx_audit_op_name(ops[j].op));
    }
    for (size_t i = 0; i < COUNT(reasons); i++) {
        assert_string_equal(nx_audit_reason_name(reasons[i].reason), reasons[i].name);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(nx_audit_reason_name(reasons[i].reason),
                                    nx_audit_reason_name(reasons[j].reason));
    }
    assert_string_equal(nx_audit_op_name(NX_AUDIT_OP_COUNT), "unknown");
    assert_string_equal(nx_audit_op_name((nx_audit_op_t)0x7fff), "unknown");
    assert_string_equal(nx_audit_reason_name(NX_AUDIT_REASON_COUNT), "unknown");
    assert_string_equal(nx_audit_reason_name((nx_audit_reason_t)0x7fff), "unknown");
}

/* A reset core has an empty ring and zero counters; reading it gives 0. */
static void starts_empty(void **state)
{
    (void)state;
    nx_audit_record_t r;
    assert_stats(0, 0, 0);
    assert_int_equal(nx_audit_read(&r, 1), 0);
}

/* Exactly NX_AUDIT_CAPACITY records fit; the next is dropped and counted,
 * not written over the oldest. */
static void capacity_then_drop(void **state)
{
    (void)state;
    static nx_audit_record_t out[NX_AUDIT_CAPACITY + 8u];
    for (uint32_t i = 0; i < NX_AUDIT_CAPACITY; i++)
        append(i);
    assert_stats(NX_AUDIT_CAPACITY, 0, NX_AUDIT_CAPACITY);

    append(NX_AUDIT_CAPACITY);
    assert_stats(NX_AUDIT_CAPACITY + 1u, 1, NX_AUDIT_CAPACITY);
    append(NX_AUDIT_CAPACITY + 1u);
    assert_stats(NX_AUDIT_CAPACITY + 2u, 2, NX_AUDIT_CAPACITY);

    /* Oldest first, and the kept ones are the first ones. */
    assert_int_equal(nx_audit_read(out, NX_AUDIT_CAPACITY + 8u), NX_AUDIT_CAPACITY);
    for (uint32_t i = 0; i < NX_AUDIT_CAPACITY; i++)
        assert_record(&out[i], i, i + 1u);
    assert_stats(NX_AUDIT_CAPACITY + 2u, 2, 0);

    /* The next record's sequence number shows the two that went missing. */
    append(7);
    assert_int_equal(nx_audit_read(out, 1), 1);
    assert_record(&out[0], 7, NX_AUDIT_CAPACITY + 3u);
}

/* Reading in pieces of every size returns the same records in the same
 * order as one big read; max 0 takes nothing. */
static void read_in_pieces(void **state)
{
    (void)state;
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    for (uint32_t i = 0; i < 100u; i++)
        append(i);
    assert_int_equal(nx_audit_read(out, 0), 0);
    assert_stats(100, 0, 100);

    static const uint32_t pieces[] = { 1, 2, 10, 37, 50 };
    uint32_t next = 0;
    for (size_t p = 0; p < COUNT(pieces); p++) {
        uint32_t want = pieces[p], expect = want < 100u - next ? want : 100u - next;
        assert_int_equal(nx_audit_read(out, want), expect);
        for (uint32_t k = 0; k < expect; k++)
            assert_record(&out[k], next + k, next + k + 1u);
        next += expect;
        assert_stats(100, 0, 100u - next);
    }
    assert_int_equal(next, 100);
    assert_int_equal(nx_audit_read(out, NX_AUDIT_CAPACITY), 0);
}

/* The ring's head wraps around its array many times without reordering or
 * losing records when the reader keeps up. */
static void ring_wraps_in_order(void **state)
{
    (void)state;
    nx_audit_record_t out[64];
    uint32_t written = 0, read = 0;
    for (uint32_t round = 0; round < 40u; round++) {
        for (uint32_t k = 0; k < 50u + round % 7u; k++)
            append(written++);
        uint32_t n;
        while ((n = nx_audit_read(out, 1u + round % 64u)) > 0u)
            for (uint32_t k = 0; k < n; k++, read++)
                assert_record(&out[k], read, read + 1u);
    }
    assert_int_equal(read, written);
    assert_true(written > 4u * NX_AUDIT_CAPACITY);
    assert_stats(written, 0, 0);
}

/* Drops while partly drained: records keep their place, gaps sit exactly
 * where records were dropped. */
static void gaps_mark_drops(void **state)
{
    (void)state;
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    for (uint32_t i = 0; i < NX_AUDIT_CAPACITY; i++)
        append(i);
    assert_int_equal(nx_audit_read(out, 10), 10); /* room for 10 */
    for (uint32_t i = NX_AUDIT_CAPACITY; i < NX_AUDIT_CAPACITY + 15u; i++)
        append(i); /* 10 kept (seq 257..266), 5 dropped (267..271) */
    append(999);   /* dropped too: seq 272 */
    assert_stats(NX_AUDIT_CAPACITY + 16u, 6, NX_AUDIT_CAPACITY);
    assert_int_equal(nx_audit_read(out, NX_AUDIT_CAPACITY), NX_AUDIT_CAPACITY);
    for (uint32_t k = 0; k < NX_AUDIT_CAPACITY; k++)
        assert_record(&out[k], k + 10u, k + 11u);
    append(5);
    assert_int_equal(nx_audit_read(out, 1), 1);
    assert_record(&out[0], 5, NX_AUDIT_CAPACITY + 17u);
}

/* Each record carries the virtual time of its refusal, not host time. */
static void time_stamps_follow_virtual_time(void **state)
{
    (void)state;
    nx_audit_record_t out[4];
    uint64_t t0 = nx_port_time_ns();
    append(0);
    nx_sim_harness_advance(1500);
    append(1);
    append(2); /* same instant */
    nx_sim_harness_advance(1000000007ull);
    append(3);
    assert_int_equal(nx_audit_read(out, 4), 4);
    assert_int_equal(out[0].time_ns, t0);
    assert_int_equal(out[1].time_ns, t0 + 1500u);
    assert_int_equal(out[2].time_ns, t0 + 1500u);
    assert_int_equal(out[3].time_ns, t0 + 1500u + 1000000007ull);
    assert_int_equal(out[3].time_ns, nx_port_time_ns());
}

/* A record stores exactly what was appended, including values at the edge
 * of each field. */
static void fields_round_trip(void **state)
{
    (void)state;
    nx_audit_record_t out[2];
    nx_audit(task_id(UINT32_MAX), NX_AUDIT_OP_SIGNAL, handle(UINT32_MAX), NX_AUDIT_TASK_DEAD);
    nx_audit(task_id(0), NX_AUDIT_OP_NONE, NX_HANDLE_INVALID, NX_AUDIT_OK);
    assert_int_equal(nx_audit_read(out, 2), 2);
    assert_int_equal(out[0].task.v, UINT32_MAX);
    assert_int_equal(out[0].op, NX_AUDIT_OP_SIGNAL);
    assert_int_equal(out[0].handle.v, UINT32_MAX);
    assert_int_equal(out[0].reason, NX_AUDIT_TASK_DEAD);
    assert_int_equal(out[0].seq, 1);
    assert_int_equal(out[1].task.v, 0);
    assert_int_equal(out[1].op, NX_AUDIT_OP_NONE);
    assert_int_equal(out[1].handle.v, 0);
    assert_int_equal(out[1].reason, NX_AUDIT_OK);
    assert_int_equal(out[1].seq, 2);
}

/* Reset empties the ring and zeroes every counter (a new boot). */
static void reset_empties_and_restarts_seq(void **state)
{
    (void)state;
    nx_audit_record_t out[1];
    for (uint32_t i = 0; i < NX_AUDIT_CAPACITY + 3u; i++)
        append(i);
    nx_audit_reset();
    assert_stats(0, 0, 0);
    assert_int_equal(nx_audit_read(out, 1), 0);
    append(4);
    assert_int_equal(nx_audit_read(out, 1), 1);
    assert_record(&out[0], 4, 1);
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(op_values_are_pinned),
        CORE_TEST(reason_values_are_pinned),
        CORE_TEST(record_layout_is_pinned),
        CORE_TEST(names_are_stable_and_distinct),
        CORE_TEST(starts_empty),
        CORE_TEST(capacity_then_drop),
        CORE_TEST(read_in_pieces),
        CORE_TEST(ring_wraps_in_order),
        CORE_TEST(gaps_mark_drops),
        CORE_TEST(time_stamps_follow_virtual_time),
        CORE_TEST(fields_round_trip),
        CORE_TEST(reset_empties_and_restarts_seq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
