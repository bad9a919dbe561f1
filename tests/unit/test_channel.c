/*
 * test_channel.c - channels called directly (nx/channel.h): messages in
 * order with the kernel's stamp, handles moved all or nothing, every bound
 * at and one past it, backpressure that consumes nothing, buffers too
 * small, closed peers, handles released with undelivered messages however
 * deep endpoints nest, revocation in flight, bad handles and rights.
 * Every test ends with every pool (channels, messages, events, capability
 * nodes) back at its baseline: the fixture checks.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nexus/status.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/object_wait.h"
#include "nx/port.h"
#include "nx/pool.h"
#include "nx/task.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

static nx_object_info_t info_of(nx_task_t *t, nx_handle_t h)
{
    nx_object_info_t info;
    ASSERT_ST(nx_handle_info(t, h, &info), NX_OK);
    return info;
}

/* A channel from w (end *wa) to r (end *rb). */
static void channel_between(nx_task_t *w, nx_task_t *r, nx_handle_t *wa, nx_handle_t *rb)
{
    nx_handle_t b;
    ASSERT_ST(nx_channel_new(w, wa, &b), NX_OK);
    ASSERT_ST(nx_handle_transfer(w, &b, 1, r, rb), NX_OK);
}

static nx_handle_t new_event(nx_task_t *t)
{
    nx_handle_t h;
    ASSERT_ST(nx_sys_event_create(t, &h), NX_OK);
    return h;
}

static uint32_t signals_of(nx_task_t *t, nx_handle_t h)
{
    uint32_t s = 0;
    ASSERT_ST(nx_channel_signals(t, h, &s), NX_OK);
    return s;
}

static uint64_t audits(void)
{
    return nx_audit_stats().appended;
}

/* Write `len` bytes of `text` (txid) and n handles; the message buffer is
 * freed on failure, as the system call layer does. */
static nx_status_t send(nx_task_t *t, nx_handle_t ch, const void *text, uint32_t len,
                        const nx_handle_t *hs, uint32_t n, uint64_t txid)
{
    nx_msg_t *m = nx_msg_alloc();
    assert_non_null(m);
    m->bytes = len;
    if (len <= NX_CHANNEL_MAX_BYTES)
        memcpy(m->data, text, len);
    m->txid = txid;
    nx_status_t st = nx_channel_send(t, ch, m, hs, n);
    if (st != NX_OK)
        nx_msg_free(m);
    return st;
}

static nx_status_t send_text(nx_task_t *t, nx_handle_t ch, const char *text)
{
    return send(t, ch, text, (uint32_t)strlen(text), NULL, 0, 0);
}

/* Read into buf (cap bytes) and hs (hcap handles); the message is freed. */
static nx_status_t recv(nx_task_t *t, nx_handle_t ch, void *buf, uint32_t cap, nx_handle_t *hs,
                        uint32_t hcap, nx_msg_info_t *info)
{
    nx_msg_t *m = NULL;
    nx_status_t st = nx_channel_take(t, ch, cap, hcap, &m, hs, info);
    if (st == NX_OK) {
        assert_non_null(m);
        assert_int_equal(m->handles, 0); /* they are the reader's now */
        memcpy(buf, m->data, m->bytes);
        nx_msg_free(m);
    }
    return st;
}

static void expect_text(nx_task_t *t, nx_handle_t ch, const char *text)
{
    char buf[NX_CHANNEL_MAX_BYTES];
    nx_msg_info_t info;
    ASSERT_ST(recv(t, ch, buf, sizeof buf, NULL, 0, &info), NX_OK);
    assert_int_equal(info.bytes, strlen(text));
    assert_memory_equal(buf, text, info.bytes);
}

/* ------------------------------------------------------------------------ */

static void create_gives_two_writable_endpoints(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    nx_object_info_t ia = info_of(t, a), ib = info_of(t, b);
    assert_int_equal(ia.type, NX_OBJ_CHANNEL);
    assert_int_equal(ib.type, NX_OBJ_CHANNEL);
    assert_int_equal(ia.rights, NX_DEFAULT_CHANNEL_RIGHTS);
    assert_true(ia.koid.v != ib.koid.v);
    assert_int_equal(ia.rights & NX_RIGHT_DUPLICATE, 0);
    assert_int_equal(signals_of(t, a), NX_CHANNEL_WRITABLE);
    assert_int_equal(signals_of(t, b), NX_CHANNEL_WRITABLE);
    assert_int_equal(nx_test_pool_used("channels"), 1);
    ASSERT_ST(nx_sys_handle_close(t, a), NX_OK);
    assert_int_equal(signals_of(t, b), NX_CHANNEL_PEER_CLOSED);
    ASSERT_ST(nx_sys_handle_close(t, b), NX_OK);
    assert_int_equal(nx_test_pool_used("channels"), 0);
    nx_test_task_free(t);
}

static void messages_arrive_in_order_with_the_kernels_stamp(void **state)
{
    (void)state;
    nx_task_t *w = nx_test_task_new(), *r = nx_test_task_new();
    nx_handle_t a, moved;
    channel_between(w, r, &a, &moved);
    /* A payload that claims to come from someone else changes nothing. */
    uint32_t forged[4] = { 0xdead, r->service_id.v, 7, 7 };
    ASSERT_ST(send(w, a, forged, sizeof forged, NULL, 0, 41), NX_OK);
    ASSERT_ST(send_text(w, a, "second"), NX_OK);
    ASSERT_ST(send(w, a, "", 0, NULL, 0, 43), NX_OK); /* empty is a message */
    assert_int_equal(signals_of(r, moved), NX_CHANNEL_READABLE | NX_CHANNEL_WRITABLE);
    char buf[64];
    nx_msg_info_t info;
    ASSERT_ST(recv(r, moved, buf, sizeof buf, NULL, 0, &info), NX_OK);
    assert_int_equal(info.bytes, sizeof forged);
    assert_int_equal(info.handles, 0);
    assert_int_equal(info.txid, 41);
    assert_int_equal(info.sender_service_id.v, w->service_id.v);
    assert_int_equal(info.reserved, 0);
    assert_memory_equal(buf, forged, sizeof forged);
    expect_text(r, moved, "second");
    ASSERT_ST(recv(r, moved, buf, 0, NULL, 0, &info), NX_OK);
    assert_int_equal(info.bytes, 0);
    assert_int_equal(info.txid, 43);
    ASSERT_ST(recv(r, moved, buf, sizeof buf, NULL, 0, &info), NX_ERR_SHOULD_WAIT);
    assert_int_equal(signals_of(r, moved), NX_CHANNEL_WRITABLE);
    /* Both directions work. */
    ASSERT_ST(send_text(r, moved, "back"), NX_OK);
    expect_text(w, a, "back");
    nx_test_task_free(w);
    nx_test_task_free(r);
}

static void handles_move_with_their_rights(void **state)
{
    (void)state;
    nx_task_t *w = nx_test_task_new(), *r = nx_test_task_new();
    nx_handle_t a, rb;
    channel_between(w, r, &a, &rb);
    nx_handle_t ev[2] = { new_event(w), new_event(w) };
    nx_handle_t narrow;
    ASSERT_ST(nx_sys_handle_replace(w, ev[1], NX_RIGHT_TRANSFER | NX_RIGHT_WAIT, &narrow), NX_OK);
    ev[1] = narrow;
    uint64_t koid0 = info_of(w, ev[0]).koid.v, koid1 = info_of(w, ev[1]).koid.v;
    uint32_t nodes = nx_cap_nodes_used();
    ASSERT_ST(send(w, a, "x", 1, ev, 2, 0), NX_OK);
    /* In flight: in no table, and in exactly one message. */
    assert_false(nx_test_handle_live(w, ev[0]));
    assert_false(nx_test_handle_live(w, ev[1]));
    assert_int_equal(nx_handle_table_count(&w->handles), 1);
    assert_int_equal(nx_cap_nodes_used(), nodes);
    ASSERT_ST(nx_sys_object_signal(w, ev[0], 0, 0x01000000u), NX_ERR_BAD_HANDLE);
    nx_handle_t got[4];
    nx_msg_info_t info;
    char buf[4];
    ASSERT_ST(recv(r, rb, buf, sizeof buf, got, 4, &info), NX_OK);
    assert_int_equal(info.handles, 2);
    assert_int_equal(info_of(r, got[0]).koid.v, koid0);
    assert_int_equal(info_of(r, got[0]).rights, NX_DEFAULT_EVENT_RIGHTS);
    assert_int_equal(info_of(r, got[1]).koid.v, koid1);
    assert_int_equal(info_of(r, got[1]).rights, NX_RIGHT_TRANSFER | NX_RIGHT_WAIT);
    assert_int_equal(nx_cap_nodes_used(), nodes);
    /* A channel endpoint travels like any handle (not through itself). */
    nx_handle_t c, d, rd;
    ASSERT_ST(nx_channel_new(w, &c, &d), NX_OK);
    ASSERT_ST(send(w, a, "", 0, &d, 1, 0), NX_OK);
    ASSERT_ST(recv(r, rb, buf, sizeof buf, &rd, 1, &info), NX_OK);
    ASSERT_ST(send_text(w, c, "via a moved endpoint"), NX_OK);
    expect_text(r, rd, "via a moved endpoint");
    nx_test_task_free(w);
    nx_test_task_free(r);
}

/* A write that fails moves nothing: each bad batch leaves every handle
 * live in the writer, the queue empty, and one audit record. */
static void a_refused_write_moves_nothing(void **state)
{
    (void)state;
    nx_task_t *w = nx_test_task_new();
    nx_handle_t a, b, ev = new_event(w), ev2 = new_event(w), no_transfer, stale = new_event(w);
    ASSERT_ST(nx_channel_new(w, &a, &b), NX_OK);
    ASSERT_ST(nx_sys_handle_duplicate(w, ev2, NX_RIGHT_WAIT, &no_transfer), NX_OK);
    ASSERT_ST(nx_sys_handle_close(w, stale), NX_OK);
    nx_handle_t forged = { 0x7777u };
    const struct {
        nx_handle_t hs[3];
        uint32_t n;
        nx_status_t st;
        nx_audit_reason_t why;
    } bad[] = {
        { { ev, stale }, 2, NX_ERR_BAD_HANDLE, NX_AUDIT_HANDLE_CLOSED },
        { { ev, forged }, 2, NX_ERR_BAD_HANDLE, NX_AUDIT_HANDLE_FORGED },
        { { ev, no_transfer }, 2, NX_ERR_ACCESS_DENIED, NX_AUDIT_MISSING_RIGHT },
        { { ev, ev2, ev }, 3, NX_ERR_INVALID_ARGS, NX_AUDIT_DUPLICATE_IN_BATCH },
        { { ev, a }, 2, NX_ERR_INVALID_ARGS, NX_AUDIT_SENT_ITSELF },
        { { b, ev }, 2, NX_ERR_INVALID_ARGS, NX_AUDIT_SENT_ITSELF },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t before = audits();
        ASSERT_ST(send(w, a, "x", 1, bad[i].hs, bad[i].n, 0), bad[i].st);
        assert_int_equal(audits(), before + 1);
        nx_audit_record_t rec[NX_AUDIT_CAPACITY];
        uint32_t n = nx_audit_read(rec, NX_AUDIT_CAPACITY);
        assert_true(n > 0);
        assert_int_equal(rec[n - 1].reason, bad[i].why);
        assert_int_equal(rec[n - 1].op, NX_AUDIT_OP_CHANNEL);
        assert_true(nx_test_handle_live(w, ev) && nx_test_handle_live(w, ev2) &&
                    nx_test_handle_live(w, no_transfer) && nx_test_handle_live(w, a) &&
                    nx_test_handle_live(w, b));
        assert_int_equal(signals_of(w, b), NX_CHANNEL_WRITABLE);
    }
    assert_int_equal(nx_test_pool_used("messages"), 0);
    nx_test_task_free(w);
}

static void bounds_at_and_past(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    static unsigned char big[NX_CHANNEL_MAX_BYTES + 1];
    memset(big, 0x5a, sizeof big);
    ASSERT_ST(send(t, a, big, NX_CHANNEL_MAX_BYTES, NULL, 0, 0), NX_OK);
    uint64_t before = audits();
    ASSERT_ST(send(t, a, big, NX_CHANNEL_MAX_BYTES + 1, NULL, 0, 0), NX_ERR_OUT_OF_RANGE);
    assert_int_equal(audits(), before + 1);
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES + 1];
    for (uint32_t i = 0; i < NX_CHANNEL_MAX_HANDLES + 1; i++)
        hs[i] = new_event(t);
    ASSERT_ST(send(t, a, "", 0, hs, NX_CHANNEL_MAX_HANDLES + 1, 0), NX_ERR_OUT_OF_RANGE);
    for (uint32_t i = 0; i < NX_CHANNEL_MAX_HANDLES + 1; i++)
        assert_true(nx_test_handle_live(t, hs[i]));
    ASSERT_ST(send(t, a, "", 0, hs, NX_CHANNEL_MAX_HANDLES, 0), NX_OK);
    static unsigned char buf[NX_CHANNEL_MAX_BYTES];
    nx_handle_t got[NX_CHANNEL_MAX_HANDLES];
    nx_msg_info_t info;
    ASSERT_ST(recv(t, b, buf, sizeof buf, NULL, 0, &info), NX_OK);
    assert_int_equal(info.bytes, NX_CHANNEL_MAX_BYTES);
    assert_memory_equal(buf, big, NX_CHANNEL_MAX_BYTES);
    ASSERT_ST(recv(t, b, buf, 0, got, NX_CHANNEL_MAX_HANDLES, &info), NX_OK);
    assert_int_equal(info.handles, NX_CHANNEL_MAX_HANDLES);
    for (uint32_t i = 0; i < NX_CHANNEL_MAX_HANDLES; i++)
        assert_true(nx_test_handle_live(t, got[i]));
    nx_test_task_free(t);
}

/* NX_CHANNEL_MAX_MSGS queue; one more is SHOULD_WAIT with its handle
 * still the writer's; reading one makes room (WRITABLE again). */
static void backpressure_consumes_nothing(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    for (uint32_t i = 0; i < NX_CHANNEL_MAX_MSGS; i++)
        ASSERT_ST(send(t, a, &i, sizeof i, NULL, 0, i), NX_OK);
    assert_int_equal(signals_of(t, a), 0); /* not writable, peer open, nothing to read */
    assert_int_equal(signals_of(t, b), NX_CHANNEL_READABLE | NX_CHANNEL_WRITABLE);
    nx_handle_t ev = new_event(t);
    uint32_t msgs = nx_test_pool_used("messages");
    for (int tries = 0; tries < 100; tries++) /* a writer that ignores the status */
        ASSERT_ST(send(t, a, "more", 4, &ev, 1, 0), NX_ERR_SHOULD_WAIT);
    assert_true(nx_test_handle_live(t, ev));
    assert_int_equal(nx_test_pool_used("messages"), msgs);
    uint32_t first;
    nx_msg_info_t info;
    ASSERT_ST(recv(t, b, &first, sizeof first, NULL, 0, &info), NX_OK);
    assert_int_equal(first, 0);
    assert_int_equal(signals_of(t, a), NX_CHANNEL_WRITABLE);
    ASSERT_ST(send(t, a, "more", 4, &ev, 1, 0), NX_OK);
    assert_false(nx_test_handle_live(t, ev));
    for (uint32_t i = 1; i < NX_CHANNEL_MAX_MSGS; i++) {
        uint32_t v;
        ASSERT_ST(recv(t, b, &v, sizeof v, NULL, 0, &info), NX_OK);
        assert_int_equal(v, i);
        assert_int_equal(info.txid, i);
    }
    nx_test_task_free(t); /* "more" and its event are released with the channel */
}

static void a_small_buffer_leaves_the_message_queued(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b, ev[2] = { new_event(t), new_event(t) };
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(send(t, a, "twelve bytes", 12, ev, 2, 9), NX_OK);
    char buf[16];
    nx_handle_t got[2];
    nx_msg_info_t info;
    ASSERT_ST(recv(t, b, buf, 11, got, 2, &info), NX_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(info.bytes, 12);
    assert_int_equal(info.handles, 2);
    assert_int_equal(info.txid, 9);
    ASSERT_ST(recv(t, b, buf, 12, got, 1, &info), NX_ERR_BUFFER_TOO_SMALL);
    ASSERT_ST(recv(t, b, buf, 12, NULL, 0, &info), NX_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(signals_of(t, b) & NX_CHANNEL_READABLE, NX_CHANNEL_READABLE);
    nx_msg_t *m;
    ASSERT_ST(nx_channel_take(t, b, 16, 1, &m, NULL, &info), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_channel_take(t, b, 16, 2, NULL, got, &info), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_channel_take(t, b, 16, 2, &m, got, NULL), NX_ERR_INVALID_ARGS);
    ASSERT_ST(recv(t, b, buf, 12, got, 2, &info), NX_OK);
    assert_memory_equal(buf, "twelve bytes", 12);
    nx_test_task_free(t);
}

static void the_readers_table_full_keeps_the_message(void **state)
{
    (void)state;
    nx_task_t *w = nx_test_task_new(), *r = nx_test_task_new();
    nx_handle_t a, rb;
    channel_between(w, r, &a, &rb);
    nx_handle_t ev[2] = { new_event(w), new_event(w) };
    ASSERT_ST(send(w, a, "", 0, ev, 2, 0), NX_OK);
    /* Fill r's table but one slot. */
    nx_handle_t filler[NX_MAX_HANDLES_PER_TASK];
    uint32_t n = 0;
    while (r->handles.free_count > 1u)
        filler[n++] = new_event(r);
    nx_handle_t got[2];
    nx_msg_info_t info;
    char buf[1];
    ASSERT_ST(recv(r, rb, buf, 1, got, 2, &info), NX_ERR_NO_RESOURCES);
    ASSERT_ST(nx_sys_handle_close(r, filler[--n]), NX_OK);
    ASSERT_ST(recv(r, rb, buf, 1, got, 2, &info), NX_OK);
    assert_int_equal(info.handles, 2);
    nx_test_task_free(w);
    nx_test_task_free(r);
}

static void a_closed_peer(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b, ev = new_event(t);
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(send_text(t, a, "last words"), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, a), NX_OK);
    /* What was sent before the close is still read, then PEER_CLOSED. */
    assert_int_equal(signals_of(t, b), NX_CHANNEL_READABLE | NX_CHANNEL_PEER_CLOSED);
    expect_text(t, b, "last words");
    char buf[4];
    nx_msg_info_t info;
    ASSERT_ST(recv(t, b, buf, sizeof buf, NULL, 0, &info), NX_ERR_PEER_CLOSED);
    ASSERT_ST(send(t, b, "x", 1, &ev, 1, 0), NX_ERR_PEER_CLOSED);
    assert_true(nx_test_handle_live(t, ev));
    assert_int_equal(nx_test_pool_used("messages"), 0);
    nx_test_task_free(t);
}

/* Closing an endpoint releases the handles of the messages queued at it:
 * events, and endpoints whose own queues hold more, NEST levels deep,
 * without recursion; every pool comes back. */
#define NEST 200u
static void close_releases_undelivered_handles_however_deep(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    uint32_t events = nx_test_pool_used("events");
    nx_handle_t a, b;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    /* Channel i's writer end carries an event and channel i+1's read end. */
    nx_handle_t head_write = a, keep_read = b;
    for (uint32_t i = 0; i < NEST; i++) {
        nx_handle_t c, d, hs[2];
        ASSERT_ST(nx_channel_new(t, &c, &d), NX_OK);
        hs[0] = new_event(t);
        hs[1] = d;
        ASSERT_ST(send(t, head_write, "", 0, hs, 2, i), NX_OK);
        if (i > 0u)
            ASSERT_ST(nx_sys_handle_close(t, head_write), NX_OK);
        head_write = c;
    }
    ASSERT_ST(nx_sys_handle_close(t, head_write), NX_OK);
    assert_int_equal(nx_test_pool_used("channels"), NEST + 1u);
    assert_int_equal(nx_test_pool_used("messages"), NEST);
    assert_int_equal(nx_test_pool_used("events"), events + NEST);
    ASSERT_ST(nx_sys_handle_close(t, keep_read), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, a), NX_OK);
    assert_int_equal(nx_test_pool_used("channels"), 0);
    assert_int_equal(nx_test_pool_used("messages"), 0);
    assert_int_equal(nx_test_pool_used("events"), events);
    nx_test_task_free(t);
}

/* A handle revoked while in flight arrives as NX_HANDLE_INVALID; the
 * others arrive. */
static void revoked_in_flight(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b, root = new_event(t), dup, other = new_event(t);
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(nx_sys_handle_duplicate(t, root, NX_RIGHTS_SAME, &dup), NX_OK);
    nx_handle_t hs[2] = { dup, other };
    ASSERT_ST(send(t, a, "", 0, hs, 2, 0), NX_OK);
    uint32_t revoked = 0;
    ASSERT_ST(nx_sys_handle_revoke(t, root, &revoked), NX_OK);
    assert_int_equal(revoked, 1);
    nx_handle_t got[2];
    nx_msg_info_t info;
    char buf[1];
    ASSERT_ST(recv(t, b, buf, 1, got, 2, &info), NX_OK);
    assert_int_equal(info.handles, 2);
    assert_int_equal(got[0].v, NX_HANDLE_INVALID.v);
    assert_true(nx_test_handle_live(t, got[1]));
    nx_test_task_free(t);
}

static void bad_handles_and_rights(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *other = nx_test_task_new();
    nx_handle_t a, b, ev = new_event(t), write_only, read_only;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(nx_sys_handle_replace(t, a, NX_RIGHT_WRITE, &write_only), NX_OK);
    ASSERT_ST(nx_sys_handle_replace(t, b, NX_RIGHT_READ, &read_only), NX_OK);
    nx_handle_t stale = a, forged = { 0x4242u }, zero = NX_HANDLE_INVALID;
    char buf[8];
    nx_msg_info_t info;
    uint32_t s;
    const struct {
        nx_handle_t h;
        nx_status_t write, read, signals;
    } cases[] = {
        { stale, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE },
        { forged, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE },
        { zero, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE, NX_ERR_BAD_HANDLE },
        { ev, NX_ERR_WRONG_TYPE, NX_ERR_WRONG_TYPE, NX_ERR_WRONG_TYPE },
        { read_only, NX_ERR_ACCESS_DENIED, NX_ERR_SHOULD_WAIT, NX_OK },
        { write_only, NX_OK, NX_ERR_ACCESS_DENIED, NX_OK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_ST(send_text(t, cases[i].h, "x"), cases[i].write);
        ASSERT_ST(recv(t, cases[i].h, buf, sizeof buf, NULL, 0, &info), cases[i].read);
        ASSERT_ST(nx_channel_signals(t, cases[i].h, &s), cases[i].signals);
    }
    /* Another task's value names nothing of this one. */
    nx_handle_t oa, ob;
    ASSERT_ST(nx_channel_new(other, &oa, &ob), NX_OK);
    if (oa.v != write_only.v && oa.v != read_only.v && oa.v != ev.v)
        ASSERT_ST(send_text(t, oa, "x"), NX_ERR_BAD_HANDLE);
    ASSERT_ST(nx_channel_new(t, NULL, &a), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_channel_new(t, &a, NULL), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_channel_send(t, write_only, NULL, NULL, 0), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_channel_signals(t, write_only, NULL), NX_ERR_INVALID_ARGS);
    nx_msg_t *m = nx_msg_alloc();
    ASSERT_ST(nx_channel_send(t, write_only, m, NULL, 1), NX_ERR_INVALID_ARGS);
    nx_msg_free(m);
    expect_text(t, read_only, "x");
    nx_test_task_free(t);
    nx_test_task_free(other);
}

/* --- waiting and calls, the paths that never block ---------------------------------- */

#define SENTINEL 0xdeadbeefu

static nx_status_t wait_one(nx_task_t *t, nx_handle_t h, uint32_t wait_for, uint64_t deadline,
                            uint32_t *pending)
{
    nx_wait_item_t item = { h, wait_for, SENTINEL };
    uint32_t first = SENTINEL;
    nx_status_t st = nx_object_wait(t, &item, 1, deadline, &first);
    *pending = item.pending;
    if (st == NX_OK)
        assert_int_equal(first, 0);
    return st;
}

/* Every bad argument: its status, one audit record (op wait), and no
 * item's pending touched. */
static void a_bad_wait_changes_nothing(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = new_event(t), mute, gone = new_event(t);
    ASSERT_ST(nx_sys_handle_duplicate(t, ev, NX_RIGHT_SIGNAL, &mute), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, gone), NX_OK);
    nx_wait_item_t items[NX_WAIT_MANY_MAX + 1u];
    for (uint32_t i = 0; i <= NX_WAIT_MANY_MAX; i++)
        items[i] = (nx_wait_item_t){ ev, 1u << 24, SENTINEL };
    uint32_t first = SENTINEL;
    uint64_t far = nx_port_time_ns() + NX_MAX_WAIT_NS + 1u;
    const struct {
        const char *what;
        nx_wait_item_t *items;
        uint32_t n;
        uint64_t deadline;
        uint32_t *first;
        nx_status_t expect;
    } cases[] = {
        { "no items", NULL, 1, 0, &first, NX_ERR_INVALID_ARGS },
        { "no first", items, 1, 0, NULL, NX_ERR_INVALID_ARGS },
        { "empty set", items, 0, 0, &first, NX_ERR_INVALID_ARGS },
        { "one past the bound", items, NX_WAIT_MANY_MAX + 1u, 0, &first, NX_ERR_OUT_OF_RANGE },
        { "deadline too far", items, 1, far, &first, NX_ERR_INVALID_ARGS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t before = audits();
        nx_status_t st =
            nx_object_wait(t, cases[i].items, cases[i].n, cases[i].deadline, cases[i].first);
        if (st != cases[i].expect)
            fail_msg("%s: %s", cases[i].what, nx_status_name(st));
        assert_int_equal(audits(), before + 1u);
    }
    /* One bad item among good ones, last in a full set. */
    const struct {
        nx_handle_t h;
        uint32_t wait_for;
        nx_status_t expect;
    } bad[] = {
        { ev, 0, NX_ERR_INVALID_ARGS },
        { gone, 1u << 24, NX_ERR_BAD_HANDLE },
        { { 0x00abcd09u }, 1, NX_ERR_BAD_HANDLE },
        { NX_HANDLE_INVALID, 1, NX_ERR_BAD_HANDLE },
        { mute, 1u << 24, NX_ERR_ACCESS_DENIED },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        items[NX_WAIT_MANY_MAX - 1u] = (nx_wait_item_t){ bad[i].h, bad[i].wait_for, SENTINEL };
        uint64_t before = audits();
        ASSERT_ST(nx_object_wait(t, items, NX_WAIT_MANY_MAX, 0, &first), bad[i].expect);
        assert_int_equal(audits(), before + 1u);
        nx_audit_record_t rec[NX_AUDIT_CAPACITY];
        uint32_t n = nx_audit_read(rec, NX_AUDIT_CAPACITY);
        assert_true(n > 0);
        assert_int_equal(rec[n - 1].op, NX_AUDIT_OP_WAIT);
    }
    for (uint32_t i = 0; i <= NX_WAIT_MANY_MAX; i++)
        assert_int_equal(items[i].pending, SENTINEL);
    assert_int_equal(first, SENTINEL);
    nx_test_task_free(t);
}

/* A signal already there returns at once, past deadline or not (level
 * triggered); nothing there with a past deadline is a poll: TIMED_OUT with
 * the signals found. */
static void waits_that_need_not_block(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b, ev = new_event(t);
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    uint32_t pending = 0;
    ASSERT_ST(wait_one(t, a, NX_CHANNEL_READABLE, 0, &pending), NX_ERR_TIMED_OUT);
    assert_int_equal(pending, NX_CHANNEL_WRITABLE);
    ASSERT_ST(wait_one(t, a, NX_CHANNEL_WRITABLE, 0, &pending), NX_OK);
    ASSERT_ST(send_text(t, b, "x"), NX_OK);
    ASSERT_ST(wait_one(t, a, NX_CHANNEL_READABLE, nx_port_time_ns() + 1000u, &pending), NX_OK);
    assert_int_equal(pending, NX_CHANNEL_READABLE | NX_CHANNEL_WRITABLE);

    /* A full set: the one ready item is named, every item gets its signals. */
    nx_wait_item_t items[NX_WAIT_MANY_MAX];
    for (uint32_t i = 0; i < NX_WAIT_MANY_MAX; i++)
        items[i] = (nx_wait_item_t){ ev, 1u << 25, SENTINEL };
    items[NX_WAIT_MANY_MAX - 1u] = (nx_wait_item_t){ b, NX_CHANNEL_PEER_CLOSED, SENTINEL };
    uint32_t first = SENTINEL;
    ASSERT_ST(nx_sys_object_signal(t, ev, 0, 1u << 24), NX_OK);
    ASSERT_ST(nx_object_wait(t, items, NX_WAIT_MANY_MAX, 0, &first), NX_ERR_TIMED_OUT);
    assert_int_equal(items[0].pending, 1u << 24);
    assert_int_equal(items[NX_WAIT_MANY_MAX - 1u].pending, NX_CHANNEL_WRITABLE);
    ASSERT_ST(nx_sys_handle_close(t, a), NX_OK);
    ASSERT_ST(nx_object_wait(t, items, NX_WAIT_MANY_MAX, 0, &first), NX_OK);
    assert_int_equal(first, NX_WAIT_MANY_MAX - 1u);
    assert_int_equal(items[first].pending, NX_CHANNEL_PEER_CLOSED);
    ASSERT_ST(nx_sys_object_signal(t, ev, 0, 1u << 25), NX_OK);
    ASSERT_ST(nx_object_wait(t, items, NX_WAIT_MANY_MAX, 0, &first), NX_OK);
    assert_int_equal(first, 0);
    assert_int_equal(items[0].pending, 3u << 24);
    nx_test_task_free(t);
}

/* Calls refused before anything is written: the request's handles stay
 * in the caller's table, the peer sees no message, the buffer is freed. */
static nx_status_t exchange(nx_task_t *t, nx_handle_t ch, uint32_t bytes, const nx_handle_t *hs,
                            uint32_t nh, uint64_t deadline)
{
    nx_msg_t *m = nx_msg_alloc();
    assert_non_null(m);
    m->bytes = bytes;
    nx_msg_t *reply = NULL;
    nx_handle_t out[NX_CHANNEL_MAX_HANDLES];
    nx_msg_info_t info;
    nx_channel_exchange_t x = {
        m, hs, nh, deadline, NX_CHANNEL_MAX_BYTES, NX_CHANNEL_MAX_HANDLES, &reply, out, &info
    };
    nx_status_t st = nx_channel_exchange(t, ch, &x);
    assert_null(reply);
    return st;
}

static void a_refused_call_writes_nothing(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b, ev = new_event(t), write_only, x, y;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    ASSERT_ST(nx_channel_new(t, &x, &y), NX_OK);
    ASSERT_ST(nx_sys_handle_replace(t, x, NX_RIGHT_WRITE, &write_only), NX_OK);
    uint64_t soon = nx_port_time_ns() + 1000000u;
    uint64_t far = nx_port_time_ns() + NX_MAX_WAIT_NS + 1u;
    nx_handle_t two[2] = { ev, ev }, self[1] = { a }, peer[1] = { b }, one[1] = { ev };
    const struct {
        const char *what;
        nx_handle_t ch;
        uint32_t bytes;
        const nx_handle_t *hs;
        uint32_t nh;
        uint64_t deadline;
        nx_status_t expect;
    } cases[] = {
        { "deadline too far", a, 0, one, 1, far, NX_ERR_INVALID_ARGS },
        { "deadline past", a, 0, one, 1, 0, NX_ERR_TIMED_OUT },
        { "bytes past the bound", a, NX_CHANNEL_MAX_BYTES + 1u, one, 1, soon, NX_ERR_OUT_OF_RANGE },
        { "handles past the bound", a, 0, one, NX_CHANNEL_MAX_HANDLES + 1u, soon,
          NX_ERR_OUT_OF_RANGE },
        { "handles NULL", a, 0, NULL, 1, soon, NX_ERR_INVALID_ARGS },
        { "a handle twice", a, 0, two, 2, soon, NX_ERR_INVALID_ARGS },
        { "the endpoint itself", a, 0, self, 1, soon, NX_ERR_INVALID_ARGS },
        { "its peer", a, 0, peer, 1, soon, NX_ERR_INVALID_ARGS },
        { "no READ right", write_only, 0, one, 1, soon, NX_ERR_ACCESS_DENIED },
        { "an event", ev, 0, NULL, 0, soon, NX_ERR_WRONG_TYPE },
        { "forged", (nx_handle_t){ 0x00abcd09u }, 0, NULL, 0, soon, NX_ERR_BAD_HANDLE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nx_status_t st =
            exchange(t, cases[i].ch, cases[i].bytes, cases[i].hs, cases[i].nh, cases[i].deadline);
        if (st != cases[i].expect)
            fail_msg("%s: %s", cases[i].what, nx_status_name(st));
        assert_true(nx_test_handle_live(t, ev));
        assert_int_equal(signals_of(t, b), NX_CHANNEL_WRITABLE); /* nothing queued */
        assert_int_equal(nx_msg_used(), 0);
    }
    /* NULL message and out pointers. */
    nx_msg_info_t info;
    nx_msg_t *reply = NULL;
    nx_channel_exchange_t no_msg = { NULL, NULL, 0, soon, 0, 0, &reply, NULL, &info };
    ASSERT_ST(nx_channel_exchange(t, a, &no_msg), NX_ERR_INVALID_ARGS);
    nx_channel_exchange_t no_out = { nx_msg_alloc(), NULL, 0, soon, 0, 0, NULL, NULL, &info };
    ASSERT_ST(nx_channel_exchange(t, a, &no_out), NX_ERR_INVALID_ARGS);
    nx_channel_exchange_t no_room = { nx_msg_alloc(), NULL, 0, soon, 0, 1, &reply, NULL, &info };
    ASSERT_ST(nx_channel_exchange(t, a, &no_room), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_msg_used(), 0);
    /* A full queue pushes back; a closed peer is said. */
    for (uint32_t i = 0; i < NX_CHANNEL_MAX_MSGS; i++)
        ASSERT_ST(send_text(t, a, "f"), NX_OK);
    ASSERT_ST(exchange(t, a, 0, one, 1, soon), NX_ERR_SHOULD_WAIT);
    assert_true(nx_test_handle_live(t, ev));
    ASSERT_ST(nx_sys_handle_close(t, b), NX_OK);
    ASSERT_ST(exchange(t, a, 0, one, 1, soon), NX_ERR_PEER_CLOSED);
    assert_true(nx_test_handle_live(t, ev));
    ASSERT_ST(nx_sys_handle_close(t, y), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, write_only), NX_OK);
    nx_test_task_free(t);
}

static void a_dying_task_is_refused(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a, b;
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_OK);
    nx_task_kill(t); /* closes its handles too */
    assert_int_equal(nx_test_pool_used("channels"), 0);
    ASSERT_ST(nx_channel_new(t, &a, &b), NX_ERR_TASK_DEAD);
    ASSERT_ST(send_text(t, a, "x"), NX_ERR_TASK_DEAD);
    uint32_t pending = 0;
    ASSERT_ST(wait_one(t, a, NX_CHANNEL_READABLE, 0, &pending), NX_ERR_TASK_DEAD);
    ASSERT_ST(exchange(t, a, 0, NULL, 0, nx_port_time_ns() + 1000u), NX_ERR_TASK_DEAD);
    assert_int_equal(nx_test_pool_used("channels"), 0);
    nx_test_task_free(t);
}

/* Endpoints cannot hold each other's only capabilities: the write that
 * would close such a cycle is refused (WOULD_CYCLE, audit would-cycle) and
 * moves nothing, through one queue or several; once the endpoint in
 * flight is read back, it may go. (Chains that are no cycle pass:
 * close_releases_undelivered_handles_however_deep.) */
static void a_cycle_of_endpoints_is_refused(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t a0, a1, b0, b1, ev = new_event(t);
    ASSERT_ST(nx_channel_new(t, &a0, &a1), NX_OK);
    ASSERT_ST(nx_channel_new(t, &b0, &b1), NX_OK);
    /* a1 goes into b1's queue (written on b0). */
    ASSERT_ST(send(t, b0, "", 0, &a1, 1, 0), NX_OK);
    /* b1 into a1's queue (written on a0) would close the cycle. */
    uint64_t before = audits();
    ASSERT_ST(send(t, a0, "", 0, &b1, 1, 0), NX_ERR_WOULD_CYCLE);
    assert_int_equal(audits(), before + 1u);
    nx_audit_record_t rec[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(rec, NX_AUDIT_CAPACITY);
    assert_int_equal(rec[n - 1].reason, NX_AUDIT_WOULD_CYCLE);
    assert_true(nx_test_handle_live(t, b1));
    /* Events may still go there; an endpoint may once a1 is back in a table. */
    ASSERT_ST(send(t, a0, "", 0, &ev, 1, 0), NX_OK);
    nx_msg_info_t info;
    char buf[4];
    nx_handle_t back;
    ASSERT_ST(recv(t, b1, buf, sizeof buf, &back, 1, &info), NX_OK);
    ASSERT_ST(send(t, a0, "", 0, &b1, 1, 0), NX_OK);
    /* Three deep: c1 in b1's queue (now in a1's): a1 into c1's queue would
     * close a cycle of three. */
    nx_handle_t c0, c1;
    ASSERT_ST(nx_channel_new(t, &c0, &c1), NX_OK);
    ASSERT_ST(send(t, b0, "", 0, &c1, 1, 0), NX_OK);
    ASSERT_ST(send(t, c0, "", 0, &back, 1, 0), NX_ERR_WOULD_CYCLE);
    assert_true(nx_test_handle_live(t, back));
    /* b1, c1 and ev wait at `back` (a1): closing it releases them all. */
    ASSERT_ST(nx_sys_handle_close(t, back), NX_OK);
    assert_int_equal(nx_test_pool_used("messages"), 0);
    nx_test_task_free(t);
}

static void pools_run_out_cleanly(void **state)
{
    (void)state;
    nx_task_t *t[3] = { nx_test_task_new(), nx_test_task_new(), nx_test_task_new() };
    /* NX_MAX_CHANNELS channels need 2 * NX_MAX_CHANNELS handles: spread
     * over tasks of NX_MAX_HANDLES_PER_TASK. */
    uint32_t made = 0;
    nx_handle_t a, b;
    for (uint32_t i = 0; i < 3u && made < NX_MAX_CHANNELS; i++)
        while (made < NX_MAX_CHANNELS && t[i]->handles.free_count >= 2u) {
            ASSERT_ST(nx_channel_new(t[i], &a, &b), NX_OK);
            made++;
        }
    assert_int_equal(made, NX_MAX_CHANNELS);
    uint64_t before = audits();
    ASSERT_ST(nx_channel_new(t[2], &a, &b), NX_ERR_NO_RESOURCES);
    assert_int_equal(audits(), before + 1);
    assert_int_equal(nx_test_pool_used("channels"), NX_MAX_CHANNELS);
    for (uint32_t i = 0; i < 3u; i++)
        nx_test_task_free(t[i]);
    /* Room for one handle only: nothing is made, nothing leaks. */
    nx_task_t *u = nx_test_task_new();
    while (u->handles.free_count > 1u)
        (void)new_event(u);
    ASSERT_ST(nx_channel_new(u, &a, &b), NX_ERR_NO_RESOURCES);
    assert_int_equal(nx_test_pool_used("channels"), 0);
    assert_int_equal(u->handles.free_count, 1);
    nx_test_task_free(u);
    /* The kernel's message buffers: all of them, then none. */
    static nx_msg_t *all[NX_MAX_MESSAGES];
    for (uint32_t i = 0; i < NX_MAX_MESSAGES; i++)
        assert_non_null(all[i] = nx_msg_alloc());
    assert_null(nx_msg_alloc());
    for (uint32_t i = 0; i < NX_MAX_MESSAGES; i++)
        nx_msg_free(all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(create_gives_two_writable_endpoints),
        CORE_TEST(messages_arrive_in_order_with_the_kernels_stamp),
        CORE_TEST(handles_move_with_their_rights),
        CORE_TEST(a_refused_write_moves_nothing),
        CORE_TEST(bounds_at_and_past),
        CORE_TEST(backpressure_consumes_nothing),
        CORE_TEST(a_small_buffer_leaves_the_message_queued),
        CORE_TEST(the_readers_table_full_keeps_the_message),
        CORE_TEST(a_closed_peer),
        CORE_TEST(close_releases_undelivered_handles_however_deep),
        CORE_TEST(revoked_in_flight),
        CORE_TEST(bad_handles_and_rights),
        CORE_TEST(a_dying_task_is_refused),
        CORE_TEST(pools_run_out_cleanly),
        CORE_TEST(a_bad_wait_changes_nothing),
        CORE_TEST(waits_that_need_not_block),
        CORE_TEST(a_refused_call_writes_nothing),
        CORE_TEST(a_cycle_of_endpoints_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
