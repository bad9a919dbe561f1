/* channels: two threads on different harts (when there are two) ping-pong
 * numbered messages over a channel; an event handle moves through it and
 * is stale in the sender afterwards; a full queue pushes back with
 * NX_ERR_SHOULD_WAIT at exactly NX_CHANNEL_MAX_MSGS; a kernel pointer is
 * NX_ERR_BAD_ADDRESS; a closed peer is NX_ERR_PEER_CLOSED. */
#include "selftest.h"

#define ROUNDS 50u

static nx_channel_handle_t far_end;

/* Read one message into buf (n bytes), waiting up to a second for it. */
static nx_status_t read_wait(nx_channel_handle_t h, void *buf, uint32_t n, nx_handle_t *hs,
                             uint32_t hcap, nx_msg_info_t *info)
{
    nx_status_t st = nx_object_wait_one(h, NX_CHANNEL_READABLE | NX_CHANNEL_PEER_CLOSED,
                                        nx_time_now() + 1000 * MS, 0);
    return st == NX_OK ? nx_channel_read(h, buf, n, hs, hcap, info) : st;
}

static void echo(uintptr_t arg)
{
    (void)arg;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint32_t v;
        nx_msg_info_t info;
        if (read_wait(far_end, &v, sizeof v, 0, 0, &info) != NX_OK || info.bytes != sizeof v)
            nx_thread_exit(1);
        v += 1000u;
        if (nx_channel_write(far_end, &v, sizeof v, 0, 0, info.txid) != NX_OK)
            nx_thread_exit(2);
    }
    /* Then pass on the event that comes, and go. */
    nx_handle_t ev;
    nx_msg_info_t info;
    char byte;
    if (read_wait(far_end, &byte, 1, &ev, 1, &info) != NX_OK || info.handles != 1u)
        nx_thread_exit(3);
    if (nx_object_signal(nx_event_from_handle(ev), 0, 0x01000000u) != NX_OK)
        nx_thread_exit(4);
    if (nx_channel_write(far_end, &byte, 1, &ev, 1, 0) != NX_OK)
        nx_thread_exit(5);
    nx_thread_exit(0);
}

NX_PROGRAM(channels)
{
    (void)arg;
    nx_channel_handle_t near;
    if (nx_channel_create(&near, &far_end) != NX_OK)
        nx_thread_exit(verdict("channels", "create", 0));
    uint32_t other = other_hart();
    nx_thread_handle_t t;
    if (nx_thread_create(echo, 0, NX_QOS_NORMAL, 1u << other, &t) != NX_OK)
        nx_thread_exit(verdict("channels", "thread_create", 0));
    for (uint32_t i = 0; i < ROUNDS; i++) {
        if (nx_channel_write(near, &i, sizeof i, 0, 0, 100u + i) != NX_OK)
            nx_thread_exit(verdict("channels", "write", i));
        uint32_t v;
        nx_msg_info_t info;
        nx_status_t st = read_wait(near, &v, sizeof v, 0, 0, &info);
        if (st != NX_OK || v != i + 1000u || info.txid != 100u + i)
            nx_thread_exit(verdict("channels", "echo", i));
    }
    /* A handle goes and comes back; the sent value is stale meanwhile. */
    nx_event_handle_t ev;
    nx_handle_t moved, back;
    if (nx_event_create(&ev) != NX_OK)
        nx_thread_exit(verdict("channels", "event_create", 0));
    char byte = 'h';
    moved = nx_event_to_handle(ev);
    if (nx_channel_write(near, &byte, 1, &moved, 1, 0) != NX_OK)
        nx_thread_exit(verdict("channels", "write a handle", 0));
    if (nx_handle_close(ev) != NX_ERR_BAD_HANDLE)
        nx_thread_exit(verdict("channels", "a sent handle is still usable", 0));
    nx_msg_info_t info;
    if (read_wait(near, &byte, 1, &back, 1, &info) != NX_OK || info.handles != 1u)
        nx_thread_exit(verdict("channels", "the handle did not come back", 0));
    int32_t code = -1;
    if (nx_thread_join(t, nx_time_now() + 5000 * MS, &code) != NX_OK || code != 0)
        nx_thread_exit(verdict("channels", "the echo thread failed", (uint64_t)(int64_t)code));
    if (nx_handle_close(back) != NX_OK)
        nx_thread_exit(verdict("channels", "the returned handle", 0));
    /* Backpressure: exactly NX_CHANNEL_MAX_MSGS fit. */
    uint32_t sent = 0;
    while (nx_channel_write(near, &sent, sizeof sent, 0, 0, 0) == NX_OK)
        sent++;
    if (sent != NX_CHANNEL_MAX_MSGS)
        nx_thread_exit(verdict("channels", "queue bound", sent));
    if (nx_channel_write(near, &sent, sizeof sent, 0, 0, 0) != NX_ERR_SHOULD_WAIT)
        nx_thread_exit(verdict("channels", "no backpressure", 0));
    /* Kernel memory is no message, and no buffer. */
    if (nx_channel_write(far_end, NX_TEST_KERNEL_ADDRESS, 8, 0, 0, 0) != NX_ERR_BAD_ADDRESS)
        nx_thread_exit(verdict("channels", "wrote from kernel memory", 0));
    if (nx_channel_read(far_end, (void *)NX_TEST_KERNEL_ADDRESS, 8, 0, 0, &info) !=
        NX_ERR_BAD_ADDRESS)
        nx_thread_exit(verdict("channels", "read into kernel memory", 0));
    /* The peer goes: its queue with it; writes say PEER_CLOSED. */
    if (nx_handle_close(far_end) != NX_OK)
        nx_thread_exit(verdict("channels", "close", 0));
    if (nx_channel_write(near, &sent, sizeof sent, 0, 0, 0) != NX_ERR_PEER_CLOSED)
        nx_thread_exit(verdict("channels", "peer closed not seen", 0));
    (void)nx_handle_close(near);
    nx_thread_exit(verdict("channels", 0, 0));
}
