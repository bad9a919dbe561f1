/*
 * ipc_internal.h - what the files of core/ipc share: the channel object's
 * layout and the helpers around messages.
 */
#ifndef NX_IPC_INTERNAL_H
#define NX_IPC_INTERNAL_H

#include "nexus/audit.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/object.h"
#include "nx/signals.h"

typedef struct nx_channel_pair nx_channel_pair_t;

/* A thread inside channel_call, waiting for the reply carrying txid (on
 * its kernel stack, on its endpoint's list until answered or given up). */
typedef struct nx_channel_call {
    struct nx_channel_call *next;
    uint64_t txid;
    nx_msg_t *reply; /* the answer, handed over by the replier */
    bool linked;     /* on the endpoint's list */
    nx_waiter_t waiter;
} nx_channel_call_t;

typedef struct nx_channel {
    nx_object_t obj;
    nx_channel_pair_t *pair;
    uint32_t side; /* 0 or 1: the peer is pair->ep[side ^ 1] */
    /* Guarded by the pair's lock: */
    nx_msg_t *head, *tail;     /* written by the peer, to be read here; oldest first */
    uint32_t count;            /* queued + taken by a read not yet done: the slots in use */
    bool closed;               /* its last capability is gone */
    nx_signal_source_t source; /* threads waiting on its signals */
    nx_channel_call_t *calls;  /* calls made here awaiting their replies */
    uint64_t next_txid;        /* for the next call made here */
} nx_channel_t;

struct nx_channel_pair {
    nx_spinlock_t lock; /* both endpoints' queues, state, observers, calls */
    nx_channel_t ep[2];
    atomic_uint alive; /* endpoints not yet destroyed */
};

static inline nx_channel_t *nx_channel_peer(nx_channel_t *ep)
{
    return &ep->pair->ep[ep->side ^ 1u];
}

/* The endpoint h names, with a reference the caller drops. */
static inline nx_status_t nx_channel_get(nx_task_t *caller, nx_handle_t h, nx_rights_t need,
                                         nx_channel_t **out)
{
    nx_object_t *obj = NULL;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_CHANNEL, need, NX_AUDIT_OP_CHANNEL, &obj);
    *out = (nx_channel_t *)obj;
    return st;
}

/* Audit a refused channel operation and return st. */
nx_status_t nx_channel_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                              nx_status_t st);

/* Fire the observers of either end whose signals now match; lock held. */
void nx_channel_fire_locked(nx_channel_pair_t *pair);

/* Something waiters may wait for changed on this pair; lock held. Nobody
 * waiting (the common case on the hot path) costs two loads. */
static inline void nx_channel_changed_locked(nx_channel_pair_t *pair)
{
    if (pair->ep[0].source.head != NULL || pair->ep[1].source.head != NULL)
        nx_channel_fire_locked(pair);
}

/* The one send path (channel_write, replies, and call's request): queue
 * `msg` at ep's peer, or hand it to the call at the peer awaiting its txid,
 * moving the `nh` handles out of the caller's table into it. With `call`
 * set this is a call's request: its txid is chosen here and `call` waits on
 * ep's list. ep is looked up (a reference held), msg and nh are within
 * their bounds. On any error nothing moved and a waiting call still waits.
 *   NX_ERR_BAD_HANDLE (ep's last handle went after the lookup),
 *   NX_ERR_PEER_CLOSED, NX_ERR_SHOULD_WAIT (the peer's queue is full), and
 *   nx_cap_detach_into's statuses for the handles */
nx_status_t nx_channel_post(nx_task_t *caller, nx_channel_t *ep, nx_msg_t *msg,
                            const nx_handle_t *handles, uint32_t nh, nx_channel_call_t *call);

/* Take ep's oldest message if it fits byte_cap and handle_cap (*info says
 * what it holds in every case but an empty queue). With attach_to (a
 * reader whose copies cannot fail: kernel memory) its caps go into that
 * task's table (values in handles_out) under the same lock hold and the
 * read is done. Without, the message leaves the queue but keeps its slot:
 * the reader copies it out, then ends with nx_channel_take_done or gives
 * it back, whole, with nx_channel_untake.
 *   NX_ERR_SHOULD_WAIT, NX_ERR_PEER_CLOSED (empty), NX_ERR_BUFFER_TOO_SMALL
 *   (it stays queued), nx_msg_attach's statuses (it stays queued) */
nx_status_t nx_channel_take_head(nx_channel_t *ep, uint32_t byte_cap, uint32_t handle_cap,
                                 nx_task_t *attach_to, nx_handle_t *handles_out, nx_msg_t **out,
                                 nx_msg_info_t *info);

/* Put `msg` back at the head of ep's queue (a read that could not deliver
 * it; `counted`: it still holds its slot, as nx_channel_take_head left it;
 * otherwise a call's reply that never had one). If ep closed meanwhile the
 * message is released. No lock held. */
void nx_channel_untake(nx_channel_t *ep, nx_msg_t *msg, bool counted);

/* Call on ep (looked up with READ and WRITE): post `msg` (bytes filled,
 * within bounds) with its handles as a request, then wait until
 * deadline_ns (checked against NX_MAX_WAIT_NS by the caller) for the reply,
 * *reply_out, which the caller delivers or gives back with
 * nx_channel_untake(ep, reply, false). msg is consumed in every case.
 *   nx_channel_post's statuses (nothing written), NX_ERR_TIMED_OUT (a
 *   deadline already past writes nothing), NX_ERR_PEER_CLOSED,
 *   NX_ERR_CANCELED */
nx_status_t nx_channel_call_on(nx_task_t *caller, nx_channel_t *ep, nx_msg_t *msg,
                               const nx_handle_t *handles, uint32_t nh, uint64_t deadline_ns,
                               nx_msg_t **reply_out);

/* A read taken with nx_channel_take_head is delivered: free its slot. */
void nx_channel_take_done(nx_channel_t *ep);

/* Hand `msg`'s caps to the reader: attach them to `caller`'s table
 * (values in handles_out[0..msg->handles), NX_HANDLE_INVALID for a cap
 * revoked in flight) all or nothing. On NX_OK the caps revoked in flight
 * stay in msg (msg->handles of them) for nx_msg_drop_revoked. */
nx_status_t nx_msg_attach(nx_task_t *caller, nx_msg_t *msg, nx_handle_t *handles_out);

/* Drop what nx_msg_attach left in msg; no lock held. */
void nx_msg_drop_revoked(nx_msg_t *msg);

/* Fill the reader's view of a message. */
static inline void nx_msg_describe(const nx_msg_t *msg, nx_msg_info_t *info)
{
    info->bytes = msg->bytes;
    info->handles = msg->handles;
    info->txid = msg->txid;
    info->sender_service_id = msg->sender;
    info->reserved = 0;
}

/* Drop the caps of a list of messages nobody will read (linked by next)
 * and free them; iterative however deep endpoints nest in messages. Call
 * with no lock held. */
void nx_msg_release_list(nx_msg_t *list);

/* Empty the message pool; core reset only. */
void nx_msg_reset(void);

/* Queue `msg` at `to` (room checked); wake whoever waits on either end. */
static inline void nx_channel_enqueue_locked(nx_channel_t *to, nx_msg_t *msg)
{
    msg->next = NULL;
    if (to->tail != NULL)
        to->tail->next = msg;
    else
        to->head = msg;
    to->tail = msg;
    to->count++;
    nx_channel_changed_locked(to->pair);
}

#endif /* NX_IPC_INTERNAL_H */
