/* ipc_call: call/reply. A server thread on the caller's own hart (the fast
 * path) and one on another hart answer numbered calls; a handle goes out
 * in a call and comes back in the reply; a reply too big for the caller's
 * buffer is BUFFER_TOO_SMALL and stays queued, first in line, for
 * channel_read (never lost); a call the
 * server does not answer in time is TIMED_OUT and the late reply is queued
 * like any message; a past deadline writes nothing; a server that closes
 * its end ends the call with PEER_CLOSED; closing the caller's own end
 * from another thread cancels the call. */
#include "selftest.h"

#define NAME   "ipc_call"
#define ROUNDS 50u

/* What a request asks the server to do. */
enum {
    OP_ADD = 1,
    OP_REFUSED_FIRST,
    OP_ECHO_HANDLE,
    OP_BIG,
    OP_LATE,
    OP_CLOSE,
    OP_IGNORE,
    OP_STOP
};

typedef struct {
    uint32_t op;
    uint32_t value;
} request_t;

/* Serve the channel end named by arg until OP_STOP or OP_CLOSE. */
static void server(uintptr_t arg)
{
    nx_channel_handle_t end = nx_channel_from_handle(handle_arg(arg));
    char big[64] = { 0 }; /* on the stack: memory every port counts as the program's */
    for (;;) {
        uint32_t seen = 0;
        if (nx_object_wait_one(end, NX_CHANNEL_READABLE | NX_CHANNEL_PEER_CLOSED,
                               nx_time_now() + 5000 * MS, &seen) != NX_OK)
            nx_thread_exit(1);
        request_t rq;
        nx_handle_t h = NX_HANDLE_INVALID;
        nx_msg_info_t info;
        nx_status_t got = nx_channel_read(end, &rq, sizeof rq, &h, 1, &info);
        if (got == NX_ERR_PEER_CLOSED) /* the caller went: done */
            nx_thread_exit(nx_handle_close(end) == NX_OK ? 0 : 7);
        if (got != NX_OK)
            nx_thread_exit(2);
        if ((info.txid & NX_TXID_CALL) == 0u) {
            /* A "go" (see OP_LATE) with no late call before it: the
             * caller's deadline had passed before its request was
             * written. Say so with an ordinary message: it tries again. */
            uint32_t none = 0;
            if (info.bytes != sizeof none ||
                nx_channel_write(end, &none, sizeof none, 0, 0, 0) != NX_OK)
                nx_thread_exit(3);
            continue;
        }
        uint32_t answer = rq.value + 1000u;
        nx_status_t st = NX_OK;
        switch (rq.op) {
        case OP_ADD:
            st = nx_channel_write(end, &answer, sizeof answer, 0, 0, info.txid);
            break;
        case OP_REFUSED_FIRST: { /* a reply sending its own endpoint is refused... */
            nx_handle_t self = nx_channel_to_handle(end);
            if (nx_channel_write(end, &answer, sizeof answer, &self, 1, info.txid) !=
                NX_ERR_INVALID_ARGS)
                nx_thread_exit(8);
            /* ...and the caller still waits for the right one */
            st = nx_channel_write(end, &answer, sizeof answer, 0, 0, info.txid);
            break;
        }
        case OP_ECHO_HANDLE:
            st = nx_channel_write(end, &answer, sizeof answer, &h, 1, info.txid);
            break;
        case OP_BIG:
            st = nx_channel_write(end, big, sizeof big, &h, 1, info.txid);
            break;
        case OP_LATE: {
            /* Answer only when the caller says its call has timed out:
             * late by construction, not by a race against its deadline
             * (a host can stall a QEMU vCPU for longer than any margin). */
            uint32_t go = 0;
            nx_msg_info_t go_info;
            if (nx_object_wait_one(end, NX_CHANNEL_READABLE, nx_time_now() + 5000 * MS, &seen) !=
                    NX_OK ||
                nx_channel_read(end, &go, sizeof go, 0, 0, &go_info) != NX_OK)
                nx_thread_exit(9);
            st = nx_channel_write(end, &answer, sizeof answer, 0, 0, info.txid);
            break;
        }
        case OP_CLOSE:
            nx_thread_exit(nx_handle_close(end) == NX_OK ? 0 : 4);
        case OP_STOP:
            st = nx_channel_write(end, &answer, sizeof answer, 0, 0, info.txid);
            nx_thread_exit(st == NX_OK ? 0 : 5);
        default: /* OP_IGNORE */
            break;
        }
        if (st != NX_OK)
            nx_thread_exit(6);
    }
}

static nx_status_t call(nx_channel_handle_t ch, uint32_t op, uint32_t value, nx_handle_t *h,
                        uint32_t *answer, uint64_t deadline_ns, nx_msg_info_t *info)
{
    request_t rq = { op, value };
    nx_handle_t back = NX_HANDLE_INVALID;
    nx_status_t st = nx_channel_call(ch, &rq, sizeof rq, h, h != 0 ? 1u : 0u, answer,
                                     sizeof *answer, &back, 1, deadline_ns, info);
    if (h != 0 && st == NX_OK)
        *h = back;
    return st;
}

static nx_thread_handle_t start_server(nx_channel_handle_t end, uint32_t hart)
{
    nx_thread_handle_t t;
    EXPECT_ST(NAME, "thread_create",
              nx_thread_create(server, nx_channel_to_handle(end).v, NX_QOS_NORMAL, 1u << hart, &t),
              NX_OK);
    return t;
}

static void join_ok(nx_thread_handle_t t, const char *what)
{
    int32_t code = -1;
    EXPECT_ST(NAME, what, nx_thread_join(t, nx_time_now() + 5000 * MS, &code), NX_OK);
    EXPECT(NAME, what, code == 0, (uint64_t)(int64_t)code);
}

/* ROUNDS calls answered by a server on `hart`, then a handle out and back. */
static void rounds(uint32_t hart)
{
    nx_channel_handle_t me, srv;
    EXPECT_ST(NAME, "channel_create", nx_channel_create(&me, &srv), NX_OK);
    nx_thread_handle_t t = start_server(srv, hart);
    nx_msg_info_t info;
    uint64_t last_txid = 0;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint32_t answer = 0;
        EXPECT_ST(NAME, "call", call(me, OP_ADD, i, 0, &answer, nx_time_now() + 1000 * MS, &info),
                  NX_OK);
        EXPECT(NAME, "answer", answer == i + 1000u && info.bytes == sizeof answer, answer);
        EXPECT(NAME, "fresh txid", (info.txid & NX_TXID_CALL) != 0u && info.txid != last_txid, i);
        last_txid = info.txid;
    }
    uint32_t answer = 0;
    EXPECT_ST(NAME, "a refused reply",
              call(me, OP_REFUSED_FIRST, 3, 0, &answer, nx_time_now() + 1000 * MS, &info), NX_OK);
    EXPECT(NAME, "the reply after a refused one", answer == 1003u, answer);
    nx_event_handle_t ev, sent;
    EXPECT_ST(NAME, "event_create", nx_event_create(&ev), NX_OK);
    sent = ev;
    nx_handle_t h = nx_event_to_handle(ev);
    EXPECT_ST(NAME, "call with a handle",
              call(me, OP_ECHO_HANDLE, 7, &h, &answer, nx_time_now() + 1000 * MS, &info), NX_OK);
    ev = nx_event_from_handle(h); /* the server sends back what it got */
    EXPECT(NAME, "the handle came back", info.handles == 1u && !nx_event_eq(ev, sent),
           info.handles);
    EXPECT_ST(NAME, "the sent value is stale", nx_object_signal(sent, 0, 0x01000000u),
              NX_ERR_BAD_HANDLE);
    EXPECT_ST(NAME, "the returned one works", nx_object_signal(ev, 0, 0x01000000u), NX_OK);
    EXPECT_ST(NAME, "stop", call(me, OP_STOP, 0, 0, &answer, nx_time_now() + 1000 * MS, &info),
              NX_OK);
    join_ok(t, "server");
    (void)nx_handle_close(ev);
    (void)nx_handle_close(me);
    (void)nx_handle_close(srv);
}

static nx_channel_handle_t to_close;

/* Close to_close once a request is queued at the end named by arg (the
 * caller's call is under way then). */
static void closes_mid_call(uintptr_t arg)
{
    nx_channel_handle_t far = nx_channel_from_handle(handle_arg(arg));
    if (nx_object_wait_one(far, NX_CHANNEL_READABLE, nx_time_now() + 2000 * MS, 0) != NX_OK)
        nx_thread_exit(1);
    nx_thread_exit(nx_handle_close(to_close) == NX_OK ? 0 : 2);
}

static void failures(void)
{
    nx_channel_handle_t me, srv;
    EXPECT_ST(NAME, "channel_create", nx_channel_create(&me, &srv), NX_OK);
    nx_thread_handle_t t = start_server(srv, other_hart());
    nx_msg_info_t info;
    uint32_t answer = 0;

    /* Too big a reply: sizes reported, its handle closed with it. */
    nx_event_handle_t ev;
    EXPECT_ST(NAME, "event_create", nx_event_create(&ev), NX_OK);
    nx_handle_t h = nx_event_to_handle(ev);
    EXPECT_ST(NAME, "big reply", call(me, OP_BIG, 0, &h, &answer, nx_time_now() + 1000 * MS, &info),
              NX_ERR_BUFFER_TOO_SMALL);
    EXPECT(NAME, "big reply sizes", info.bytes == 64u && info.handles == 1u, info.bytes);
    unsigned char big[64];
    nx_handle_t back = NX_HANDLE_INVALID;
    EXPECT_ST(NAME, "the big reply stays queued",
              nx_channel_read(me, big, sizeof big, &back, 1, &info), NX_OK);
    EXPECT(NAME, "big reply read whole", info.bytes == 64u && info.handles == 1u, info.bytes);
    EXPECT_ST(NAME, "its handle came back", nx_handle_close(back), NX_OK);

    /* No answer by the deadline; the late answer is queued. The server
     * answers once told the call is over. A host stall can put even a
     * 1 ms deadline in the past before the request is written (then the
     * server hears the "go" alone and says so): longer deadlines then. */
    bool late_seen = false;
    for (uint64_t wait_ms = 1; wait_ms <= 1000u && !late_seen; wait_ms *= 10u) {
        EXPECT_ST(NAME, "late reply",
                  call(me, OP_LATE, 5, 0, &answer, nx_time_now() + wait_ms * MS, &info),
                  NX_ERR_TIMED_OUT);
        uint32_t go = 1, seen = 0;
        EXPECT_ST(NAME, "tell the server to answer late",
                  nx_channel_write(me, &go, sizeof go, 0, 0, 0), NX_OK);
        EXPECT_ST(NAME, "the late reply comes",
                  nx_object_wait_one(me, NX_CHANNEL_READABLE, nx_time_now() + 1000 * MS, &seen),
                  NX_OK);
        EXPECT_ST(NAME, "read the late reply",
                  nx_channel_read(me, &answer, sizeof answer, 0, 0, &info), NX_OK);
        late_seen = (info.txid & NX_TXID_CALL) != 0u;
        EXPECT(NAME, "late reply", late_seen ? answer == 1005u : answer == 0u, answer);
    }
    EXPECT(NAME, "a late reply within a second's deadline", late_seen, 0);

    /* A past deadline writes nothing. */
    EXPECT_ST(NAME, "past deadline", call(me, OP_IGNORE, 0, 0, &answer, 0, &info),
              NX_ERR_TIMED_OUT);
    EXPECT_ST(NAME, "a minute ahead",
              call(me, OP_IGNORE, 0, 0, &answer, nx_time_now() + TOO_FAR_NS, &info),
              NX_ERR_INVALID_ARGS);
    EXPECT_ST(NAME, "args in kernel memory",
              (nx_status_t)nx_syscall(NX_SYS_CHANNEL_CALL, nx_channel_to_handle(me).v,
                                      (uint64_t)(uintptr_t)NX_TEST_KERNEL_ADDRESS,
                                      nx_time_now() + 1 * MS, (uint64_t)(uintptr_t)&info, 0, 0)
                  .status,
              NX_ERR_BAD_ADDRESS);

    EXPECT_ST(NAME, "stop", call(me, OP_STOP, 0, 0, &answer, nx_time_now() + 1000 * MS, &info),
              NX_OK);
    join_ok(t, "server");

    /* Our own end closed by another thread mid-call: canceled. */
    to_close = me;
    nx_thread_handle_t closer;
    EXPECT_ST(NAME, "thread_create",
              nx_thread_create(closes_mid_call, nx_channel_to_handle(srv).v, NX_QOS_NORMAL,
                               NX_AFFINITY_ALL, &closer),
              NX_OK);
    EXPECT_ST(NAME, "canceled",
              call(me, OP_IGNORE, 0, 0, &answer, nx_time_now() + 1000 * MS, &info),
              NX_ERR_CANCELED);
    join_ok(closer, "closes_mid_call");
    (void)nx_handle_close(srv);

    /* The server closes its end instead of answering. */
    EXPECT_ST(NAME, "channel_create", nx_channel_create(&me, &srv), NX_OK);
    t = start_server(srv, nx_hart_id());
    EXPECT_ST(NAME, "peer closed",
              call(me, OP_CLOSE, 0, 0, &answer, nx_time_now() + 1000 * MS, &info),
              NX_ERR_PEER_CLOSED);
    join_ok(t, "server that closed");
    EXPECT_ST(NAME, "calls after the peer went",
              call(me, OP_ADD, 0, 0, &answer, nx_time_now() + 1000 * MS, &info),
              NX_ERR_PEER_CLOSED);
    (void)nx_handle_close(me);
}

NX_PROGRAM(ipc_call)
{
    (void)arg;
    rounds(nx_hart_id()); /* the fast path: both threads on one hart */
    rounds(other_hart());
    failures();
    nx_thread_exit(verdict(NAME, 0, 0));
}
