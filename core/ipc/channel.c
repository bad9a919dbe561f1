/*
 * channel.c - the channel object (see nx/channel.h).
 *
 * Both endpoints of a channel live in one pair with one lock (the lock of
 * the pair's wait queue): a write touches the peer's queue, a read its own
 * and the writer's WRITABLE, a close both. Each endpoint is an object of
 * its own (one holder, its own references); the pair goes back to its
 * pool when both endpoints are destroyed.
 */
#include "ipc_internal.h"
#include "nx/audit.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "nx/wait.h"

typedef struct nx_channel_pair nx_channel_pair_t;

typedef struct nx_channel {
    nx_object_t obj;
    nx_channel_pair_t *pair;
    uint32_t side; /* 0 or 1: the peer is pair->ep[side ^ 1] */
    /* Guarded by the pair's lock: */
    nx_msg_t *head, *tail; /* written by the peer, to be read here; oldest first */
    uint32_t count;
    bool closed; /* its last capability is gone */
} nx_channel_t;

struct nx_channel_pair {
    nx_wait_queue_t waiters; /* its lock is the channel's lock */
    nx_channel_t ep[2];
    atomic_uint alive; /* endpoints not yet destroyed */
};

NX_POOL_DEFINE(channels, nx_channel_pair_t, NX_MAX_CHANNELS);

static nx_channel_t *peer_of(nx_channel_t *ep)
{
    return &ep->pair->ep[ep->side ^ 1u];
}

/* Something a waiter may be waiting for changed; lock held. */
static void changed_locked(nx_channel_pair_t *pair)
{
    if (pair->waiters.count != 0u)
        (void)nx_wake_all_locked(&pair->waiters, NX_OK);
}

static void channel_on_last_cap(nx_object_t *obj)
{
    nx_channel_t *ep = (nx_channel_t *)obj;
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->waiters.lock);
    ep->closed = true;
    nx_msg_t *undelivered = ep->head; /* nobody can read them now */
    ep->head = ep->tail = NULL;
    ep->count = 0;
    changed_locked(pair); /* the peer is PEER_CLOSED */
    nx_spin_unlock(&pair->waiters.lock);
    nx_msg_release_list(undelivered);
}

static void channel_destroy(nx_object_t *obj)
{
    nx_channel_t *ep = (nx_channel_t *)obj;
    if (ep->head != NULL)
        nx_panic("channel endpoint %llu destroyed with %u messages queued",
                 (unsigned long long)obj->koid.v, ep->count);
    nx_channel_pair_t *pair = ep->pair;
    if (atomic_fetch_sub_explicit(&pair->alive, 1u, memory_order_acq_rel) == 1u)
        nx_pool_free(&channels, pair);
}

static const nx_object_ops_t channel_ops = {
    .type = NX_OBJ_CHANNEL,
    .name = "channel",
    .on_last_cap = channel_on_last_cap,
    .destroy = channel_destroy,
};

void nx_channel_reset(void)
{
    nx_pool_reset(&channels);
    nx_msg_reset();
}

static nx_status_t refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why, nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_CHANNEL, h, why);
    return st;
}

/* The endpoint h names, with a reference the caller drops. */
static nx_status_t endpoint_get(nx_task_t *caller, nx_handle_t h, nx_rights_t need,
                                nx_channel_t **out)
{
    nx_object_t *obj = NULL;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_CHANNEL, need, NX_AUDIT_OP_CHANNEL, &obj);
    *out = (nx_channel_t *)obj;
    return st;
}

nx_status_t nx_channel_new(nx_task_t *caller, nx_handle_t *out0, nx_handle_t *out1)
{
    if (out0 == NULL || out1 == NULL)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    /* Checked again when the handles are installed; checking first keeps a
     * dying caller from making (and at once destroying) a channel. */
    if (caller->dying)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_BAD_STATE);
    nx_channel_pair_t *pair = nx_pool_alloc(&channels);
    if (pair == NULL)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED, NX_ERR_NO_RESOURCES);
    nx_wait_queue_init(&pair->waiters);
    atomic_store_explicit(&pair->alive, 2u, memory_order_relaxed);
    for (uint32_t side = 0; side < 2u; side++) {
        nx_channel_t *ep = &pair->ep[side];
        nx_object_init(&ep->obj, &channel_ops);
        ep->pair = pair;
        ep->side = side;
        ep->head = ep->tail = NULL;
        ep->count = 0;
        ep->closed = false;
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

nx_status_t nx_channel_send(nx_task_t *caller, nx_handle_t h, nx_msg_t *msg,
                            const nx_handle_t *handles, uint32_t nh)
{
    if (msg == NULL || (nh > 0u && handles == NULL))
        return refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (msg->bytes > NX_CHANNEL_MAX_BYTES || nh > NX_CHANNEL_MAX_HANDLES)
        return refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_OUT_OF_RANGE);
    nx_channel_t *ep;
    nx_status_t st = endpoint_get(caller, h, NX_RIGHT_WRITE, &ep);
    if (st != NX_OK)
        return st;
    nx_channel_t *peer = peer_of(ep);
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->waiters.lock);
    if (peer->closed) {
        st = NX_ERR_PEER_CLOSED;
    } else if (peer->count >= NX_CHANNEL_MAX_MSGS) {
        st = NX_ERR_SHOULD_WAIT; /* backpressure: nothing consumed */
    } else {
        /* Under the channel lock, so the queue cannot fill or close between
         * this check and the handles leaving the writer's table. */
        st = nx_cap_detach_except(caller, handles, nh, msg->caps, NX_AUDIT_OP_CHANNEL, &ep->obj,
                                  &peer->obj);
    }
    if (st == NX_OK) {
        msg->handles = nh;
        msg->sender = caller->service_id; /* never from the payload */
        msg->next = NULL;
        if (peer->tail != NULL)
            peer->tail->next = msg;
        else
            peer->head = msg;
        peer->tail = msg;
        peer->count++;
        changed_locked(pair);
    }
    nx_spin_unlock(&pair->waiters.lock);
    nx_object_unref(&ep->obj);
    return st;
}

nx_status_t nx_channel_take(nx_task_t *caller, nx_handle_t h, uint32_t byte_cap,
                            uint32_t handle_cap, nx_msg_t **out, nx_handle_t *handles_out,
                            nx_msg_info_t *info)
{
    if (out == NULL || info == NULL || (handle_cap > 0u && handles_out == NULL))
        return refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_channel_t *ep;
    nx_status_t st = endpoint_get(caller, h, NX_RIGHT_READ, &ep);
    if (st != NX_OK)
        return st;
    nx_channel_pair_t *pair = ep->pair;
    nx_spin_lock(&pair->waiters.lock);
    nx_msg_t *m = ep->head;
    if (m == NULL) {
        st = peer_of(ep)->closed ? NX_ERR_PEER_CLOSED : NX_ERR_SHOULD_WAIT;
    } else {
        info->bytes = m->bytes;
        info->handles = m->handles;
        info->txid = m->txid;
        info->sender_service_id = m->sender;
        info->reserved = 0;
        if (m->bytes > byte_cap || m->handles > handle_cap)
            st = NX_ERR_BUFFER_TOO_SMALL; /* it stays queued */
        else
            st = nx_cap_attach_leaving_revoked(caller, m->caps, m->handles, handles_out);
        if (st == NX_OK) {
            ep->head = m->next;
            if (ep->head == NULL)
                ep->tail = NULL;
            ep->count--;
            m->next = NULL;
            /* Caps revoked in flight stay in the message (out value
             * NX_HANDLE_INVALID): released below, with no lock held. */
            uint32_t kept = 0;
            for (uint32_t i = 0; i < m->handles; i++)
                if (handles_out[i].v == NX_HANDLE_INVALID.v)
                    m->caps[kept++] = m->caps[i];
            m->handles = kept;
            *out = m;
            changed_locked(pair); /* the writer may write again */
        }
    }
    nx_spin_unlock(&pair->waiters.lock);
    if (st == NX_OK && (*out)->handles != 0u) {
        nx_cap_drop((*out)->caps, (*out)->handles);
        (*out)->handles = 0;
    }
    nx_object_unref(&ep->obj);
    return st;
}

nx_status_t nx_channel_signals(nx_task_t *caller, nx_handle_t h, uint32_t *out)
{
    if (out == NULL)
        return refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_channel_t *ep;
    nx_status_t st = endpoint_get(caller, h, NX_RIGHT_NONE, &ep);
    if (st != NX_OK)
        return st;
    nx_channel_t *peer = peer_of(ep);
    nx_spin_lock(&ep->pair->waiters.lock);
    uint32_t s = 0;
    if (ep->count > 0u)
        s |= NX_CHANNEL_READABLE;
    if (peer->closed)
        s |= NX_CHANNEL_PEER_CLOSED;
    else if (peer->count < NX_CHANNEL_MAX_MSGS)
        s |= NX_CHANNEL_WRITABLE;
    nx_spin_unlock(&ep->pair->waiters.lock);
    nx_object_unref(&ep->obj);
    *out = s;
    return NX_OK;
}
