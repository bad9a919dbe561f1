/* mixed: a bit of everything the kernel does, for scenarios, recordings and
 * the events-per-second benchmark. A client calls a server on another hart
 * (IPC, cross-hart wakes and their IPIs), sending an event handle out and
 * back every fourth call; a sleeper keeps timers firing; a yielder keeps
 * the run queues moving. arg: the number of calls (0: 200). */
#include "selftest.h"

#define NAME "mixed"

static void server(uintptr_t arg)
{
    nx_channel_handle_t end = nx_channel_from_handle(handle_arg(arg));
    for (;;) {
        uint32_t seen = 0;
        if (nx_object_wait_one(end, NX_CHANNEL_READABLE | NX_CHANNEL_PEER_CLOSED,
                               nx_time_now() + 1000 * MS, &seen) != NX_OK)
            nx_thread_exit(1);
        uint32_t value = 0;
        nx_handle_t h = NX_HANDLE_INVALID;
        nx_msg_info_t info;
        nx_status_t got = nx_channel_read(end, &value, sizeof value, &h, 1, &info);
        if (got == NX_ERR_PEER_CLOSED)
            nx_thread_exit(0);
        if (got != NX_OK)
            nx_thread_exit(2);
        if (value % 16u == 15u) /* now and then the server is slow */
            (void)nx_sleep_until(nx_time_now() + 20 * US, 0);
        value += 1u;
        if (nx_channel_write(end, &value, sizeof value, &h, info.handles, info.txid) != NX_OK)
            nx_thread_exit(3);
    }
}

static void sleeper(uintptr_t rounds)
{
    for (uintptr_t i = 0; i < rounds; i++)
        if (nx_sleep_until(nx_time_now() + 30 * US + (i % 7u) * US, 5 * US) != NX_OK)
            nx_thread_exit(1);
    nx_thread_exit(0);
}

static void yielder(uintptr_t rounds)
{
    for (uintptr_t i = 0; i < rounds; i++) {
        nx_compute(2 * US);
        nx_yield();
    }
    nx_thread_exit(0);
}

NX_SIM_PROGRAM(mixed)
{
    uintptr_t calls = arg != 0u ? arg : 200u;
    nx_channel_handle_t me, there;
    nx_thread_handle_t srv, slp, yld;
    nx_event_handle_t ev;
    EXPECT_ST(NAME, "channel", nx_channel_create(&me, &there), NX_OK);
    EXPECT_ST(NAME, "event", nx_event_create(&ev), NX_OK);
    nx_handle_t token = nx_event_to_handle(ev); /* goes out and comes back in messages */
    EXPECT_ST(NAME, "server",
              nx_thread_create(server, nx_channel_to_handle(there).v, NX_QOS_NORMAL,
                               1u << other_hart(), &srv),
              NX_OK);
    EXPECT_ST(NAME, "sleeper",
              nx_thread_create(sleeper, calls / 2u, NX_QOS_NORMAL, NX_AFFINITY_ALL, &slp), NX_OK);
    EXPECT_ST(NAME, "yielder",
              nx_thread_create(yielder, calls, NX_QOS_NORMAL, NX_AFFINITY_ALL, &yld), NX_OK);
    for (uint32_t i = 0; i < calls; i++) {
        uint32_t value = i, reply = 0;
        uint32_t nh = i % 4u == 0u ? 1u : 0u;
        nx_handle_t back = NX_HANDLE_INVALID;
        nx_msg_info_t info;
        EXPECT_ST(NAME, "call",
                  nx_channel_call(me, &value, sizeof value, &token, nh, &reply, sizeof reply, &back,
                                  1, nx_time_now() + 500 * MS, &info),
                  NX_OK);
        EXPECT(NAME, "reply", reply == i + 1u, reply);
        EXPECT(NAME, "handle back", info.handles == nh, info.handles);
        if (nh == 1u)
            token = back;
    }
    EXPECT_ST(NAME, "close", nx_handle_close(me), NX_OK);
    int32_t code = -1;
    EXPECT_ST(NAME, "join server", nx_thread_join(srv, nx_time_now() + 1000 * MS, &code), NX_OK);
    EXPECT(NAME, "server exit", code == 0, (uint64_t)code);
    EXPECT_ST(NAME, "join sleeper", nx_thread_join(slp, nx_time_now() + 1000 * MS, &code), NX_OK);
    EXPECT(NAME, "sleeper exit", code == 0, (uint64_t)code);
    EXPECT_ST(NAME, "join yielder", nx_thread_join(yld, nx_time_now() + 1000 * MS, &code), NX_OK);
    EXPECT(NAME, "yielder exit", code == 0, (uint64_t)code);
    nx_thread_exit(verdict(NAME, 0, 0));
}
