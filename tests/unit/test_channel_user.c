/*
 * test_channel_user.c - channel reads and calls whose user memory goes
 * away between the system call's checks and its copies (another thread of
 * the task unmapping the buffer): the message or the reply goes back to
 * the head of its queue, whole, and the next read takes it (issue 15,
 * finding 1: no message or handle is ever lost to bad input).
 *
 * The simulator's before_user_copy hook stands in for the other hart: it
 * runs at the start of a chosen copy, after every check the call made, and
 * unmaps the buffer right there.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/object.h"
#include "nexus/status.h"
#include "nexus/syscall.h"
#include "nexus/vmo.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nx/vmo.h"
#include "nxsim/harness.h"
#include "nxsim/program.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

#define PAGE    NX_PAGE_SIZE
#define SCRATCH NX_TEST_USER_SCRATCH
/* Where a read puts what it takes: a VMO page the task maps (another
 * thread's vmo_unmap can take it away), away from the scratch pages the
 * writes come from. */
#define READ_PAGE  (nx_test_user_base() + 0x100000u)
#define BYTES_AT   (READ_PAGE)
#define HANDLES_AT (READ_PAGE + 256u)
#define INFO_AT    (READ_PAGE + 512u)

/* --- a read (harness: core called directly, real user memory) ------------------ */

/* Unmap the read page of `task` at the start of copy number `at` of the
 * call (1: the first), as another thread's vmo_unmap would. */
typedef struct {
    nx_task_t *task;
    uint32_t at, seen;
} unmap_at_t;

static void unmap_at_copy(uintptr_t user, size_t len, bool to_user, void *ctx)
{
    (void)user;
    (void)len;
    (void)to_user;
    unmap_at_t *u = ctx;
    if (++u->seen == u->at)
        ASSERT_ST(nx_sys_vmo_unmap(u->task, READ_PAGE, PAGE), NX_OK);
}

typedef struct {
    nx_task_t *t;
    nx_handle_t ea, eb; /* the channel's two ends, both t's */
    nx_handle_t ev;     /* the event the first message carries */
    nx_handle_t page;   /* the VMO mapped at READ_PAGE */
} two_queued_t;

static void map_read_page(two_queued_t *q)
{
    ASSERT_ST(nx_sys_vmo_map(q->t, q->page, 0, READ_PAGE, PAGE, NX_VM_READ | NX_VM_WRITE), NX_OK);
}

/* Two messages queued at eb: 16 bytes "the first one..." with an event
 * handle (txid 11), then 6 bytes "second" (txid 12). */
static void queue_two(two_queued_t *q)
{
    q->t = nx_test_user_task_new();
    nx_test_run_as(q->t);
    uint64_t packed = 0;
    ASSERT_ST(nx_sys_channel_create(q->t, &packed), NX_OK);
    q->ea.v = (uint32_t)packed;
    q->eb.v = (uint32_t)(packed >> 32);
    ASSERT_ST(nx_sys_vmo_create(q->t, PAGE, &q->page), NX_OK);
    map_read_page(q);
    ASSERT_ST(nx_sys_event_create(q->t, &q->ev), NX_OK);
    ASSERT_ST(nx_port_copy_to_user(SCRATCH, "the first one...", 16), NX_OK);
    ASSERT_ST(nx_port_copy_to_user(SCRATCH + 64u, &q->ev, sizeof q->ev), NX_OK);
    ASSERT_ST(nx_sys_channel_write(q->t, q->ea, SCRATCH, 16, SCRATCH + 64u, 1, 11), NX_OK);
    ASSERT_ST(nx_port_copy_to_user(SCRATCH, "second", 6), NX_OK);
    ASSERT_ST(nx_sys_channel_write(q->t, q->ea, SCRATCH, 6, 0, 0, 12), NX_OK);
}

static nx_status_t read_into_scratch(two_queued_t *q)
{
    return nx_sys_channel_read(q->t, q->eb, BYTES_AT, 64, HANDLES_AT, 4, INFO_AT);
}

static nx_msg_info_t info_read(void)
{
    nx_msg_info_t info;
    ASSERT_ST(nx_port_copy_from_user(&info, INFO_AT, sizeof info), NX_OK);
    return info;
}

/* After the failed read: the first message comes out whole, then the
 * second, then nothing. */
static void both_read_in_order(two_queued_t *q)
{
    uint32_t signals = 0;
    ASSERT_ST(nx_channel_signals(q->t, q->eb, &signals), NX_OK);
    assert_true((signals & NX_CHANNEL_READABLE) != 0u);
    ASSERT_ST(read_into_scratch(q), NX_OK);
    nx_msg_info_t info = info_read();
    assert_int_equal(info.bytes, 16);
    assert_int_equal(info.handles, 1);
    assert_int_equal(info.txid, 11);
    char bytes[16];
    nx_handle_t got;
    ASSERT_ST(nx_port_copy_from_user(bytes, BYTES_AT, sizeof bytes), NX_OK);
    assert_memory_equal(bytes, "the first one...", 16);
    ASSERT_ST(nx_port_copy_from_user(&got, HANDLES_AT, sizeof got), NX_OK);
    assert_true(nx_test_handle_live(q->t, got));
    ASSERT_ST(read_into_scratch(q), NX_OK);
    info = info_read();
    assert_int_equal(info.bytes, 6);
    assert_int_equal(info.txid, 12);
    ASSERT_ST(read_into_scratch(q), NX_ERR_SHOULD_WAIT);
}

static void done(two_queued_t *q)
{
    nx_sim_harness_before_user_copy(NULL, NULL);
    nx_test_run_as(NULL);
    nx_test_task_free(q->t);
}

/* The read's copies: 1 its info, 2 its bytes (both before the handles are
 * attached), 3 the handle values. */
static void read_loses_its_buffer_at(uint32_t copy)
{
    two_queued_t q;
    queue_two(&q);
    unmap_at_t u = { q.t, copy, 0 };
    nx_sim_harness_before_user_copy(unmap_at_copy, &u);
    ASSERT_ST(read_into_scratch(&q), NX_ERR_BAD_ADDRESS);
    nx_sim_harness_before_user_copy(NULL, NULL);
    assert_int_equal(u.seen, copy); /* the copy that failed was the last */
    map_read_page(&q);
    both_read_in_order(&q);
    done(&q);
}

static void the_info_unmapped_under_the_copy(void **state)
{
    (void)state;
    read_loses_its_buffer_at(1);
}

static void the_bytes_unmapped_under_the_copy(void **state)
{
    (void)state;
    read_loses_its_buffer_at(2);
}

/* Past the attach only the handle values' copy is left: when it fails the
 * message is delivered (its bytes are gone with the page) and its handles
 * are the reader's, in its table, not lost; the second message is next.
 * The documented limit of a program racing itself (docs/abi/ipc.md). */
static void the_handle_values_unmapped_under_the_copy(void **state)
{
    (void)state;
    two_queued_t q;
    queue_two(&q);
    uint32_t free_before = q.t->handles.free_count;
    unmap_at_t u = { q.t, 3, 0 };
    nx_sim_harness_before_user_copy(unmap_at_copy, &u);
    ASSERT_ST(read_into_scratch(&q), NX_ERR_BAD_ADDRESS);
    nx_sim_harness_before_user_copy(NULL, NULL);
    assert_int_equal(u.seen, 3);
    assert_int_equal(q.t->handles.free_count, free_before - 1u); /* the event's, attached */
    map_read_page(&q);
    ASSERT_ST(read_into_scratch(&q), NX_OK);
    assert_int_equal(info_read().txid, 12);
    done(&q);
}

/* --- a call (a machine: the reply comes from a server thread) ------------------ */

/* The VMO page the caller maps for the reply (where the selftest programs
 * map theirs, tests/programs/selftest.h: far from stacks and image). */
#define REPLY_AT ((uintptr_t)0x1040000000ull)
#define SECOND   1000000000ull

static struct {
    bool armed;
    uint32_t unmapped;
    nx_status_t call, read, unmap_again;
    nx_msg_info_t info;
    char bytes[16];
    bool server_done;
} reply;

/* The reply's bytes copy: another thread's vmo_unmap lands first. */
static void unmap_the_reply(uintptr_t user, size_t len, bool to_user, void *ctx)
{
    (void)len;
    (void)ctx;
    if (!reply.armed || !to_user || user != REPLY_AT)
        return;
    reply.armed = false;
    if (nx_sys_vmo_unmap(nx_thread_current()->task, REPLY_AT, PAGE) == NX_OK)
        reply.unmapped++;
}

static void reply_server(uintptr_t arg)
{
    nx_channel_handle_t s = nx_channel_from_handle((nx_handle_t){ (uint32_t)arg });
    char req[8], answer[6] = { 'a', 'n', 's', 'w', 'e', 'r' };
    nx_msg_info_t info;
    if (nx_object_wait_one(s, NX_CHANNEL_READABLE, nx_time_now() + SECOND, NULL) == NX_OK &&
        nx_channel_read(s, req, sizeof req, NULL, 0, &info) == NX_OK)
        (void)nx_channel_write(s, answer, sizeof answer, NULL, 0, info.txid);
    reply.server_done = true;
}

NX_SIM_PROGRAM(reply_unmapped)
{
    (void)arg;
    nx_channel_handle_t c, s;
    nx_vmo_handle_t v;
    nx_thread_handle_t server;
    if (nx_channel_create(&c, &s) != NX_OK || nx_vmo_create(PAGE, &v) != NX_OK ||
        nx_vmo_map(v, 0, REPLY_AT, PAGE, NX_VM_READ | NX_VM_WRITE) != NX_OK ||
        nx_thread_create(reply_server, nx_channel_to_handle(s).v, NX_QOS_NORMAL, NX_AFFINITY_ALL,
                         &server) != NX_OK)
        nx_thread_exit(1);
    /* The program's memory is its stack and its mappings: info and the
     * second read's bytes are locals, copied out for the test. */
    nx_msg_info_t info;
    char bytes[16], ask[3] = { 'a', 's', 'k' };
    reply.armed = true;
    reply.call = nx_channel_call(c, ask, sizeof ask, NULL, 0, (void *)REPLY_AT, 64, NULL, 0,
                                 nx_time_now() + SECOND, &info);
    /* The page is gone (the hook's unmap): the reply waits at c, first. */
    reply.unmap_again = nx_vmo_unmap(REPLY_AT, PAGE);
    reply.read = nx_channel_read(c, bytes, sizeof bytes, NULL, 0, &info);
    reply.info = info;
    memcpy(reply.bytes, bytes, sizeof bytes);
    (void)nx_thread_join(server, nx_time_now() + SECOND, NULL);
    (void)nx_handle_close(server);
    (void)nx_handle_close(v);
    (void)nx_handle_close(c);
    (void)nx_handle_close(s);
}

/* The reply could not be copied to the caller (its page unmapped after
 * the call checked it): the call is BAD_ADDRESS and the reply is queued
 * at the caller's end, first in line, with its txid; a read takes it. */
static void a_reply_unmapped_under_the_copy_stays_queued(void **state)
{
    (void)state;
    memset(&reply, 0, sizeof reply);
    nx_sim_config_t cfg = nx_test_machine_config(2, 31);
    cfg.before_user_copy = unmap_the_reply;
    assert_int_equal(nx_sim_add_program(&cfg, "reply_unmapped", 0, NX_QOS_NORMAL, 0), NX_OK);
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_true(reply.server_done);
    assert_int_equal(reply.unmapped, 1);
    ASSERT_ST(reply.call, NX_ERR_BAD_ADDRESS);
    ASSERT_ST(reply.unmap_again, NX_ERR_NOT_FOUND);
    ASSERT_ST(reply.read, NX_OK);
    assert_int_equal(reply.info.bytes, 6);
    assert_true((reply.info.txid & NX_TXID_CALL) != 0u);
    assert_memory_equal(reply.bytes, "answer", 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(the_info_unmapped_under_the_copy),
        CORE_TEST(the_bytes_unmapped_under_the_copy),
        CORE_TEST(the_handle_values_unmapped_under_the_copy),
        cmocka_unit_test(a_reply_unmapped_under_the_copy_stays_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
