/*
 * channel_call.c - call: write a request, wait for the reply carrying its
 * transaction id (see nx/channel.h).
 *
 * The caller's record (nx_channel_call_t, on its kernel stack) waits on
 * its endpoint's list; the peer's write of a message with that txid
 * (nx_channel_send) unlinks it, hands the message over and wakes the
 * caller directly: the reply never enters a queue and nobody else can read
 * it. Txids of calls are chosen by the kernel, unique per endpoint, with
 * NX_TXID_CALL set, so they never collide with another thread's call.
 */
#include "ipc_internal.h"
#include "nx/audit.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/wait.h"

/* After the wait: leave ep's list if still on it; the reply, if one came. */
static nx_msg_t *end_call(nx_channel_t *ep, nx_channel_call_t *call)
{
    nx_spin_lock(&ep->pair->lock);
    if (call->linked) {
        nx_channel_call_t **pp = &ep->calls;
        while (*pp != call)
            pp = &(*pp)->next;
        *pp = call->next;
        call->linked = false;
    }
    nx_msg_t *reply = call->reply;
    nx_spin_unlock(&ep->pair->lock);
    return reply;
}

nx_status_t nx_channel_call_on(nx_task_t *caller, nx_channel_t *ep, nx_msg_t *msg,
                               const nx_handle_t *handles, uint32_t nh, uint64_t deadline_ns,
                               nx_msg_t **reply_out)
{
    nx_status_t st = NX_OK;
    nx_channel_call_t call;
    nx_waiter_init(&call.waiter);
    if (deadline_ns <= nx_port_time_ns())
        st = NX_ERR_TIMED_OUT; /* no time to wait for a reply: write nothing */
    else
        st = nx_channel_post(caller, ep, msg, handles, nh, &call);
    if (st != NX_OK) {
        nx_msg_free(msg); /* never written */
        return st;
    }
    st = nx_waiter_block(&call.waiter, deadline_ns);
    nx_msg_t *reply = end_call(ep, &call);
    if (reply == NULL) /* timed out, canceled, peer closed: the wait's status */
        return st != NX_OK ? st : NX_ERR_CANCELED;
    /* The reply came (perhaps as the deadline passed: it is still the
     * answer). */
    *reply_out = reply;
    return NX_OK;
}

nx_status_t nx_channel_exchange(nx_task_t *caller, nx_handle_t h, const nx_channel_exchange_t *x)
{
    nx_msg_t *msg = x->msg, **out = x->out;
    const nx_handle_t *handles = x->handles;
    uint32_t nh = x->nh, byte_cap = x->byte_cap, handle_cap = x->handle_cap;
    uint64_t deadline_ns = x->deadline_ns;
    nx_handle_t *handles_out = x->handles_out;
    nx_msg_info_t *info = x->info;
    nx_status_t st = NX_OK;
    if (msg == NULL || out == NULL || info == NULL || (nh > 0u && handles == NULL) ||
        (handle_cap > 0u && handles_out == NULL) || nx_deadline_check(deadline_ns) != NX_OK)
        st = NX_ERR_INVALID_ARGS;
    else if (msg->bytes > NX_CHANNEL_MAX_BYTES || nh > NX_CHANNEL_MAX_HANDLES)
        st = NX_ERR_OUT_OF_RANGE;
    if (st != NX_OK) {
        if (msg != NULL)
            nx_msg_free(msg);
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, st);
    }
    nx_channel_t *ep;
    st = nx_channel_get(caller, h, NX_RIGHT_READ | NX_RIGHT_WRITE, &ep);
    if (st != NX_OK) {
        nx_msg_free(msg);
        return st;
    }
    nx_msg_t *reply = NULL;
    st = nx_channel_call_on(caller, ep, msg, handles, nh, deadline_ns, &reply);
    if (st != NX_OK) {
        nx_object_unref(&ep->obj);
        return st;
    }
    /* A reply the caller cannot take now is queued at h, first in line, as
     * a late reply would be: never lost. */
    nx_msg_describe(reply, info);
    if (reply->bytes > byte_cap || reply->handles > handle_cap)
        st = NX_ERR_BUFFER_TOO_SMALL;
    else
        st = nx_msg_attach(caller, reply, handles_out);
    if (st != NX_OK) {
        nx_channel_untake(ep, reply, false);
    } else {
        nx_msg_drop_revoked(reply);
        *out = reply;
    }
    nx_object_unref(&ep->obj);
    return st;
}
