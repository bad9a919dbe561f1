/* ipc_wait: waiting on signals. A wait with nothing to see times out and
 * says what it saw; a past deadline polls; closing a channel end wakes
 * every thread waiting at its peer (on this hart and another) with
 * PEER_CLOSED; a wait set of a channel and an event says which fired; a
 * writer blocked by backpressure waits for WRITABLE and wakes when a reader
 * makes room; closing the last handle of a waited-on event cancels the
 * wait; and bad arguments get their statuses. */
#include "nexus/start.h"
#include "selftest.h"

#define NAME        "ipc_wait"
#define WAITERS     3u
#define USER_SIGNAL 0x01000000u
#define GO_SIGNAL   0x02000000u
#define ANY_CHANNEL (NX_CHANNEL_READABLE | NX_CHANNEL_PEER_CLOSED)

static nx_channel_handle_t shared; /* what the helper threads work on */

/* Wait for the peer to close (or a message): exit 0 when PEER_CLOSED. */
static void waits_for_close(uintptr_t arg)
{
    (void)arg;
    uint32_t seen = 0;
    nx_status_t st =
        nx_object_wait_one(shared, NX_CHANNEL_PEER_CLOSED, nx_time_now() + 2000 * MS, &seen);
    nx_thread_exit(st == NX_OK && (seen & NX_CHANNEL_PEER_CLOSED) != 0u ? 0 : 10 - st);
}

/* Signal the event named by arg; when told to go on (GO_SIGNAL), write
 * one byte on shared. */
static void signals_then_writes(uintptr_t arg)
{
    nx_event_handle_t ev = nx_event_from_handle(handle_arg(arg));
    (void)nx_sleep_until(nx_time_now() + 1 * MS, 0);
    if (nx_object_signal(ev, 0, USER_SIGNAL) != NX_OK)
        nx_thread_exit(1);
    if (nx_object_wait_one(ev, GO_SIGNAL, nx_time_now() + 2000 * MS, 0) != NX_OK)
        nx_thread_exit(3);
    char b = 'w';
    nx_thread_exit(nx_channel_write(shared, &b, 1, 0, 0, 0) == NX_OK ? 0 : 2);
}

/* Sleep, then read one message from shared (room for a blocked writer). */
static void drains_one(uintptr_t arg)
{
    (void)arg;
    (void)nx_sleep_until(nx_time_now() + 2 * MS, 0);
    uint32_t v;
    nx_msg_info_t info;
    nx_thread_exit(nx_channel_read(shared, &v, sizeof v, 0, 0, &info) == NX_OK ? 0 : 1);
}

/* Wait on the event named by arg: canceled when its last handle goes.
 * Exit 0 then, 1 when the handle was gone before the wait began. */
static void waits_on_event(uintptr_t arg)
{
    nx_event_handle_t ev = nx_event_from_handle(handle_arg(arg));
    nx_status_t st = nx_object_wait_one(ev, USER_SIGNAL, nx_time_now() + 2000 * MS, 0);
    nx_thread_exit(st == NX_ERR_CANCELED ? 0 : st == NX_ERR_BAD_HANDLE ? 1 : 10 - st);
}

static void join_ok(nx_thread_handle_t t, const char *what)
{
    int32_t code = -1;
    EXPECT_ST(NAME, what, nx_thread_join(t, nx_time_now() + 5000 * MS, &code), NX_OK);
    EXPECT(NAME, what, code == 0, (uint64_t)(int64_t)code);
}

static nx_thread_handle_t spawn(void (*fn)(uintptr_t), uintptr_t arg, uint32_t hart)
{
    nx_thread_handle_t t;
    EXPECT_ST(NAME, "thread_create", nx_thread_create(fn, arg, NX_QOS_NORMAL, 1u << hart, &t),
              NX_OK);
    return t;
}

/* A waiter on an event whose last handle goes is canceled. Whether the
 * waiter began before the close depends on the harts' timing (real ones
 * on QEMU): a waiter too late is tried again, waiting longer first. */
static void close_cancels_wait(void)
{
    for (uint64_t delay = 1 * MS; delay <= 64 * MS; delay *= 2u) {
        nx_event_handle_t ev;
        EXPECT_ST(NAME, "event_create", nx_event_create(&ev), NX_OK);
        nx_thread_handle_t t = spawn(waits_on_event, nx_event_to_handle(ev).v, other_hart());
        (void)nx_sleep_until(nx_time_now() + delay, 0);
        EXPECT_ST(NAME, "close the event", nx_handle_close(ev), NX_OK);
        int32_t code = -1;
        EXPECT_ST(NAME, "join", nx_thread_join(t, nx_time_now() + 5000 * MS, &code), NX_OK);
        if (code == 0)
            return;
        EXPECT(NAME, "waits_on_event", code == 1, (uint64_t)(int64_t)code);
    }
    nx_thread_exit(verdict(NAME, "the waiter never began in time", 0));
}

static void timeouts_and_polls(nx_channel_handle_t a, nx_channel_handle_t b)
{
    uint32_t seen = 0;
    EXPECT_ST(NAME, "empty wait", nx_object_wait_one(a, ANY_CHANNEL, nx_time_now() + 1 * MS, &seen),
              NX_ERR_TIMED_OUT);
    EXPECT(NAME, "a timed-out wait reports WRITABLE", seen == NX_CHANNEL_WRITABLE, seen);
    EXPECT_ST(NAME, "poll", nx_object_wait_one(a, NX_CHANNEL_WRITABLE, 0, &seen), NX_OK);
    char byte = 'p';
    EXPECT_ST(NAME, "write", nx_channel_write(b, &byte, 1, 0, 0, 0), NX_OK);
    EXPECT_ST(NAME, "poll readable", nx_object_wait_one(a, NX_CHANNEL_READABLE, 0, &seen), NX_OK);
    EXPECT(NAME, "readable seen", seen == (NX_CHANNEL_READABLE | NX_CHANNEL_WRITABLE), seen);
    nx_msg_info_t info;
    EXPECT_ST(NAME, "read", nx_channel_read(a, &byte, 1, 0, 0, &info), NX_OK);
}

static void bad_arguments(nx_channel_handle_t a)
{
    uint32_t seen = 0, first = 0;
    EXPECT_ST(NAME, "wait for nothing", nx_object_wait_one(a, 0, 0, &seen), NX_ERR_INVALID_ARGS);
    EXPECT_ST(NAME, "a minute ahead",
              nx_object_wait_one(a, ANY_CHANNEL, nx_time_now() + TOO_FAR_NS, &seen),
              NX_ERR_INVALID_ARGS);
    EXPECT_ST(NAME, "a thread has no signals",
              nx_object_wait_one(NX_START_SELF_THREAD, 1, 0, &seen), NX_ERR_NOT_SUPPORTED);
    nx_handle_t forged = { 0x00abcd00u | 9u };
    EXPECT_ST(NAME, "forged", nx_object_wait_one(forged, 1, 0, &seen), NX_ERR_BAD_HANDLE);
    nx_event_handle_t ev, mute;
    EXPECT_ST(NAME, "event", nx_event_create(&ev), NX_OK);
    EXPECT_ST(NAME, "dup", nx_handle_duplicate(ev, NX_RIGHT_SIGNAL, &mute), NX_OK);
    EXPECT_ST(NAME, "no WAIT right", nx_object_wait_one(mute, USER_SIGNAL, 0, &seen),
              NX_ERR_ACCESS_DENIED);
    nx_wait_item_t items[NX_WAIT_MANY_MAX + 1u];
    for (uint32_t i = 0; i <= NX_WAIT_MANY_MAX; i++)
        items[i] = (nx_wait_item_t){ nx_event_to_handle(ev), USER_SIGNAL, 0 };
    EXPECT_ST(NAME, "an empty set", nx_object_wait_many(items, 0, 0, &first), NX_ERR_INVALID_ARGS);
    EXPECT_ST(NAME, "one past the set bound",
              nx_object_wait_many(items, NX_WAIT_MANY_MAX + 1u, 0, &first), NX_ERR_OUT_OF_RANGE);
    EXPECT_ST(NAME, "a full set times out", nx_object_wait_many(items, NX_WAIT_MANY_MAX, 0, &first),
              NX_ERR_TIMED_OUT);
    items[NX_WAIT_MANY_MAX - 1u].handle = nx_event_to_handle(mute);
    EXPECT_ST(NAME, "one item without WAIT",
              nx_object_wait_many(items, NX_WAIT_MANY_MAX, 0, &first), NX_ERR_ACCESS_DENIED);
    EXPECT_ST(NAME, "a set in kernel memory",
              nx_object_wait_many((nx_wait_item_t *)NX_TEST_KERNEL_ADDRESS, 1, 0, &first),
              NX_ERR_BAD_ADDRESS);
    (void)nx_handle_close(mute);
    (void)nx_handle_close(ev);
}

NX_PROGRAM(ipc_wait)
{
    (void)arg;
    nx_channel_handle_t a, b;
    EXPECT_ST(NAME, "channel_create", nx_channel_create(&a, &b), NX_OK);
    timeouts_and_polls(a, b);
    bad_arguments(a);

    /* Wait set: an event and a channel; each fires in turn. */
    nx_event_handle_t ev;
    EXPECT_ST(NAME, "event_create", nx_event_create(&ev), NX_OK);
    shared = b;
    nx_thread_handle_t helper = spawn(signals_then_writes, nx_event_to_handle(ev).v, other_hart());
    nx_wait_item_t set[2] = { { nx_channel_to_handle(a), NX_CHANNEL_READABLE, 0 },
                              { nx_event_to_handle(ev), USER_SIGNAL, 0 } };
    uint32_t first = 99;
    EXPECT_ST(NAME, "wait set", nx_object_wait_many(set, 2, nx_time_now() + 2000 * MS, &first),
              NX_OK);
    EXPECT(NAME, "the event fired first", first == 1u && set[1].pending == USER_SIGNAL, first);
    EXPECT_ST(NAME, "clear, go on", nx_object_signal(ev, USER_SIGNAL, GO_SIGNAL), NX_OK);
    EXPECT_ST(NAME, "wait set again",
              nx_object_wait_many(set, 2, nx_time_now() + 2000 * MS, &first), NX_OK);
    EXPECT(NAME, "then the channel", first == 0u && (set[0].pending & NX_CHANNEL_READABLE) != 0u,
           first);
    EXPECT(NAME, "the event is clear", set[1].pending == GO_SIGNAL, set[1].pending);
    join_ok(helper, "signals_then_writes");
    char byte;
    nx_msg_info_t info;
    EXPECT_ST(NAME, "read", nx_channel_read(a, &byte, 1, 0, 0, &info), NX_OK);

    /* Backpressure: fill b -> a, then wait for WRITABLE until a reader makes room. */
    uint32_t sent = 0;
    while (nx_channel_write(b, &sent, sizeof sent, 0, 0, 0) == NX_OK)
        sent++;
    EXPECT(NAME, "queue bound", sent == NX_CHANNEL_MAX_MSGS, sent);
    shared = a;
    helper = spawn(drains_one, 0, other_hart());
    uint32_t seen = 0;
    EXPECT_ST(NAME, "wait for room",
              nx_object_wait_one(b, NX_CHANNEL_WRITABLE, nx_time_now() + 2000 * MS, &seen), NX_OK);
    EXPECT_ST(NAME, "write after room", nx_channel_write(b, &sent, sizeof sent, 0, 0, 0), NX_OK);
    EXPECT_ST(NAME, "full again", nx_channel_write(b, &sent, sizeof sent, 0, 0, 0),
              NX_ERR_SHOULD_WAIT);
    join_ok(helper, "drains_one");

    /* Closing b wakes every waiter on a, here and on the other hart. */
    shared = a;
    nx_thread_handle_t w[WAITERS];
    for (uint32_t i = 0; i < WAITERS; i++)
        w[i] = spawn(waits_for_close, 0, i == 0u ? nx_hart_id() : other_hart());
    (void)nx_sleep_until(nx_time_now() + 2 * MS, 0);
    EXPECT_ST(NAME, "close b", nx_handle_close(b), NX_OK);
    for (uint32_t i = 0; i < WAITERS; i++)
        join_ok(w[i], "waits_for_close");

    EXPECT_ST(NAME, "close the event", nx_handle_close(ev), NX_OK);
    close_cancels_wait();
    (void)nx_handle_close(a);
    nx_thread_exit(verdict(NAME, 0, 0));
}
