/*
 * channel.c - the channel object (see nx/channel.h).
 *
 * Both endpoints of a channel live in one pair with one lock: a write
 * touches the peer's queue, a read its own and the writer's WRITABLE, a
 * close both. Each endpoint is an object of its own (one holder, its own
 * references) with its own observers (threads waiting on its signals) and
 * its own calls awaiting replies; the pair goes back to its pool when both
 * endpoints are destroyed.
 */
#include "ipc_internal.h"
#include "nx/audit.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/task.h"

NX_POOL_DEFINE(channels, nx_channel_pair_t, NX_MAX_CHANNELS);

static uint32_t signals_of_locked(nx_channel_t *ep)
{
    nx_channel_t *peer = nx_channel_peer(ep);
    uint32_t s = 0;
    if (ep->head != NULL) /* count also holds reads in progress */
        s |= NX_CHANNEL_READABLE;
    if (peer->closed)
        s |= NX_CHANNEL_PEER_CLOSED;
    else if (peer->count < NX_CHANNEL_MAX_MSGS)
        s |= NX_CHANNEL_WRITABLE;
    return s;
}

void nx_channel_fire_locked(nx_channel_pair_t *pair)
{
    for (uint32_t side = 0; side < 2u; side++)
        if (pair->ep[side].source.head != NULL) /* nobody waits: nothing to compute */
            nx_signals_fire_matching_locked(&pair->ep[side].source,
                                            signals_of_locked(&pair->ep[side]));
}

/* End every call waiting at `ep` with `result`; lock held. */
static void end_calls_locked(nx_channel_t *ep, nx_status_t result)
{
    while (ep->calls != NULL) {
        nx_channel_call_t *c = ep->calls;
        ep->calls = c->next;
        c->linked = false;
        nx_waiter_fire(&c->waiter, result);
    }
}

static void channel_on_last_cap(nx_object_t *obj)
{
    nx_channel_t *ep = (nx_channel_t *)obj;
    nx_channel_pair_t *pair = ep->pair;
    nx_channel_t *peer = nx_channel_peer(ep);
    nx_spin_lock(&pair->lock);
    ep->closed = true;
    nx_msg_t *undelivered = ep->head; /* nobody can read them now */
    ep->head = ep->tail = NULL;
    ep->count = 0;
    nx_signals_cancel_locked(&ep->source); /* its waiters: CANCELED */
    end_calls_locked(ep, NX_ERR_CANCELED);
    end_calls_locked(peer, NX_ERR_PEER_CLOSED); /* no reply will come */
    nx_channel_changed_locked(pair);            /* the peer is PEER_CLOSED */
    nx_spin_unlock(&pair->lock);
    nx_msg_release_list(undelivered);
}

static void channel_destroy(nx_object_t *obj)
{
    nx_channel_t *ep = (nx_channel_t *)obj;
    if (ep->head != NULL || ep->calls != NULL || ep->source.head != NULL)
        nx_panic("channel endpoint %llu destroyed while in use (%u messages)",
                 (unsigned long long)obj->koid.v, ep->count);
    nx_channel_pair_t *pair = ep->pair;
    if (atomic_fetch_sub_explicit(&pair->alive, 1u, memory_order_acq_rel) == 1u)
        nx_pool_free(&channels, pair);
}

static nx_signal_source_t *channel_source(nx_object_t *obj)
{
    return &((nx_channel_t *)obj)->source;
}

static uint32_t channel_signals_locked(nx_object_t *obj)
{
    return signals_of_locked((nx_channel_t *)obj);
}

static const nx_object_ops_t channel_ops = {
    .type = NX_OBJ_CHANNEL,
    .name = "channel",
    .on_last_cap = channel_on_last_cap,
    .destroy = channel_destroy,
    .signal_source = channel_source,
    .signals_locked = channel_signals_locked,
    .holds_caps = true,
};

void nx_channel_reset(void)
{
    nx_pool_reset(&channels);
    nx_msg_reset();
}

nx_status_t nx_channel_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                              nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_CHANNEL, h, why);
    return st;
}

nx_status_t nx_channel_new(nx_task_t *caller, nx_handle_t *out0, nx_handle_t *out1)
{
    if (out0 == NULL || out1 == NULL)
        return nx_channel_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                                 NX_ERR_INVALID_ARGS);
    /* Checked again when the handles are installed; checking first keeps a
     * dying caller from making (and at once destroying) a channel. */
    if (nx_task_dying(caller))
        return nx_channel_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_TASK_DEAD);
    /* Room for both handles first: with room for one, the first was
     * installed and closed again, a refusal that moved the table's
     * generations (found by the fuzzer under a filter). */
    if (nx_cap_room(caller, 2) != NX_OK)
        return nx_channel_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_TABLE_FULL,
                                 NX_ERR_NO_RESOURCES);
    nx_channel_pair_t *pair = nx_pool_alloc(&channels);
    if (pair == NULL)
        return nx_channel_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED,
                                 NX_ERR_NO_RESOURCES);
    nx_spin_init(&pair->lock);
    atomic_store_explicit(&pair->alive, 2u, memory_order_relaxed);
    for (uint32_t side = 0; side < 2u; side++) {
        nx_channel_t *ep = &pair->ep[side];
        nx_object_init(&ep->obj, &channel_ops);
        ep->pair = pair;
        ep->side = side;
        ep->head = ep->tail = NULL;
        ep->count = 0;
        ep->closed = false;
        nx_signal_source_init(&ep->source, &pair->lock);
        ep->calls = NULL;
        ep->next_txid = 1;
    }
    nx_status_t st = nx_cap_install(caller, &pair->ep[0].obj, NX_DEFAULT_CHANNEL_RIGHTS, out0);
    if (st == NX_OK) {
        st = nx_cap_install(caller, &pair->ep[1].obj, NX_DEFAULT_CHANNEL_RIGHTS, out1);
        if (st != NX_OK) /* all or nothing: the first endpoint goes too */
            (void)nx_sys_handle_close(caller, *out0);
    }
    /* The handles hold the endpoints now, or they go (and the pair with them). */
    nx_object_unref(&pair->ep[0].obj);
    nx_object_unref(&pair->ep[1].obj);
    return st;
}

/* The call made at `ep` awaiting `txid`, left linked; NULL if none. Lock
 * held. It is unlinked only once the reply is sure to be delivered, so a
 * refused reply leaves the caller waiting exactly as it was. */
static nx_channel_call_t **find_call_locked(nx_channel_t *ep, uint64_t txid)
{
    for (nx_channel_call_t **pp = &ep->calls; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->txid == txid)
            return pp;
    return NULL;
}

/* nx_channel_post's body, inlined into the write hot path (a call there
 * costs ~30 instructions of the ~400 a write + read costs). */
__attribute__((always_inline)) static inline nx_status_t post(nx_task_t *caller, nx_channel_t *ep,
                                                              nx_msg_t *msg,
                                                              const nx_handle_t *handles,
                                                              uint32_t nh, nx_channel_call_t *call)
{
    nx_channel_t *peer = nx_channel_peer(ep);
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->lock);
    nx_status_t st = NX_OK;
    /* A reply to a call made at the peer goes straight to its caller: it
     * takes no queue slot. A call's own request is never a reply. */
    nx_channel_call_t **answered = NULL;
    if (ep->closed) /* its last handle went after the caller looked it up */
        st = NX_ERR_BAD_HANDLE;
    else if (peer->closed)
        st = NX_ERR_PEER_CLOSED;
    else if (call == NULL && msg->txid != 0u && peer->calls != NULL &&
             (answered = find_call_locked(peer, msg->txid)) != NULL)
        st = NX_OK;
    else if (peer->count >= NX_CHANNEL_MAX_MSGS)
        st = NX_ERR_SHOULD_WAIT; /* backpressure: nothing consumed */
    if (st == NX_OK && nh > 0u)
        /* Under the channel lock, so the queue cannot fill or close between
         * the checks and the handles leaving the writer's table. */
        st = nx_cap_detach_into(caller, handles, nh, msg->caps, NX_AUDIT_OP_CHANNEL, &ep->obj,
                                &peer->obj);
    if (st == NX_OK) {
        msg->handles = nh;
        msg->sender = caller->service_id; /* never from the payload */
        if (call != NULL) {
            call->txid = NX_TXID_CALL | ep->next_txid++;
            call->reply = NULL;
            call->next = ep->calls;
            ep->calls = call;
            call->linked = true;
            msg->txid = call->txid;
        }
        if (answered != NULL) {
            nx_channel_call_t *c = *answered;
            *answered = c->next;
            c->linked = false;
            msg->next = NULL;
            c->reply = msg;
            nx_waiter_fire(&c->waiter, NX_OK);
        } else {
            nx_channel_enqueue_locked(peer, msg);
        }
    }
    nx_spin_unlock(&pair->lock);
    return st;
}

nx_status_t nx_channel_post(nx_task_t *caller, nx_channel_t *ep, nx_msg_t *msg,
                            const nx_handle_t *handles, uint32_t nh, nx_channel_call_t *call)
{
    return post(caller, ep, msg, handles, nh, call);
}

nx_status_t nx_channel_send(nx_task_t *caller, nx_handle_t h, nx_msg_t *msg,
                            const nx_handle_t *handles, uint32_t nh)
{
    if (msg == NULL || (nh > 0u && handles == NULL))
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (msg->bytes > NX_CHANNEL_MAX_BYTES || nh > NX_CHANNEL_MAX_HANDLES)
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_OUT_OF_RANGE);
    nx_channel_t *ep;
    nx_status_t st = nx_channel_get(caller, h, NX_RIGHT_WRITE, &ep);
    if (st != NX_OK)
        return st;
    st = post(caller, ep, msg, handles, nh, NULL);
    nx_object_unref(&ep->obj);
    return st;
}

/* nx_channel_take_head's body, inlined into the read hot path. */
__attribute__((always_inline)) static inline nx_status_t
take_head(nx_channel_t *ep, uint32_t byte_cap, uint32_t handle_cap, nx_task_t *attach_to,
          nx_handle_t *handles_out, nx_msg_t **out, nx_msg_info_t *info)
{
    nx_channel_pair_t *pair = ep->pair;
    nx_status_t st = NX_OK;
    nx_spin_lock(&pair->lock);
    nx_msg_t *m = ep->head;
    if (m == NULL) {
        st = nx_channel_peer(ep)->closed ? NX_ERR_PEER_CLOSED : NX_ERR_SHOULD_WAIT;
    } else {
        nx_msg_describe(m, info);
        if (m->bytes > byte_cap || m->handles > handle_cap)
            st = NX_ERR_BUFFER_TOO_SMALL; /* it stays queued */
        else if (attach_to != NULL && m->handles > 0u)
            st = nx_msg_attach(attach_to, m, handles_out); /* a full table: it stays */
        if (st == NX_OK) {
            ep->head = m->next;
            if (ep->head == NULL)
                ep->tail = NULL;
            m->next = NULL;
            *out = m;
            if (attach_to != NULL) { /* delivered: its slot is free */
                ep->count--;
                nx_channel_changed_locked(pair);
            }
            /* Otherwise off the list, still counted: the slot is the
             * reader's until the read is done or gives the message back. */
        }
    }
    nx_spin_unlock(&pair->lock);
    return st;
}

nx_status_t nx_channel_take_head(nx_channel_t *ep, uint32_t byte_cap, uint32_t handle_cap,
                                 nx_task_t *attach_to, nx_handle_t *handles_out, nx_msg_t **out,
                                 nx_msg_info_t *info)
{
    return take_head(ep, byte_cap, handle_cap, attach_to, handles_out, out, info);
}

void nx_channel_untake(nx_channel_t *ep, nx_msg_t *msg, bool counted)
{
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->lock);
    if (ep->closed) { /* nobody can read it now */
        nx_spin_unlock(&pair->lock);
        nx_msg_release_list(msg);
        return;
    }
    msg->next = ep->head;
    ep->head = msg;
    if (ep->tail == NULL)
        ep->tail = msg;
    if (!counted)
        ep->count++;
    nx_channel_changed_locked(pair); /* readable again */
    nx_spin_unlock(&pair->lock);
}

void nx_channel_take_done(nx_channel_t *ep)
{
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->lock);
    if (!ep->closed) { /* closing zeroed the count already */
        ep->count--;
        nx_channel_changed_locked(pair); /* the writer may write again */
    }
    nx_spin_unlock(&pair->lock);
}

nx_status_t nx_channel_take(nx_task_t *caller, nx_handle_t h, uint32_t byte_cap,
                            uint32_t handle_cap, nx_msg_t **out, nx_handle_t *handles_out,
                            nx_msg_info_t *info)
{
    if (out == NULL || info == NULL || (handle_cap > 0u && handles_out == NULL))
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_channel_t *ep;
    nx_status_t st = nx_channel_get(caller, h, NX_RIGHT_READ, &ep);
    if (st != NX_OK)
        return st;
    nx_msg_t *m = NULL;
    st = take_head(ep, byte_cap, handle_cap, caller, handles_out, &m, info);
    if (st == NX_OK) {
        if (m->handles > 0u)
            nx_msg_drop_revoked(m); /* caps revoked in flight */
        *out = m;
    }
    nx_object_unref(&ep->obj);
    return st;
}

nx_status_t nx_channel_signals(nx_task_t *caller, nx_handle_t h, uint32_t *out)
{
    if (out == NULL)
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_channel_t *ep;
    nx_status_t st = nx_channel_get(caller, h, NX_RIGHT_NONE, &ep);
    if (st != NX_OK)
        return st;
    nx_spin_lock(&ep->pair->lock);
    *out = signals_of_locked(ep);
    nx_spin_unlock(&ep->pair->lock);
    nx_object_unref(&ep->obj);
    return NX_OK;
}
