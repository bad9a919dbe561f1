/*
 * message.c - message buffers (nx/channel.h): a fixed pool of
 * NX_MAX_MESSAGES, and the release of messages that will never be read.
 *
 * Releasing an undelivered message drops its caps, and dropping the last
 * cap of a channel endpoint releases the messages queued there, whose caps
 * may hold more endpoints: a chain as long as the channels in the kernel.
 * It is walked iteratively: messages to release go on one list, and the
 * first releaser on it empties the list while others only add to it, so
 * no hart recurses and no message is left behind.
 */
#include "ipc_internal.h"
#include "nx/pool.h"
#include "nx/spinlock.h"

NX_POOL_DEFINE(messages, nx_msg_t, NX_MAX_MESSAGES);

static struct {
    nx_spinlock_t lock;
    nx_msg_t *head; /* messages whose caps are still to be dropped */
    bool draining;  /* someone empties the list */
} graveyard = { NX_SPINLOCK_INIT, NULL, false };

void nx_msg_reset(void)
{
    nx_pool_reset(&messages);
    graveyard.head = NULL;
    graveyard.draining = false;
}

nx_msg_t *nx_msg_alloc(void)
{
    /* Not zeroed: the header is set here, data[0..bytes) and caps[0..handles)
     * are written before they are read, and nothing reads past them. */
    nx_msg_t *m = nx_pool_alloc_uninit(&messages);
    if (m != NULL) {
        m->next = NULL;
        m->bytes = 0;
        m->handles = 0;
        m->txid = 0;
        m->sender.v = 0;
    }
    return m;
}

void nx_msg_free(nx_msg_t *msg)
{
    nx_pool_free(&messages, msg);
}

uint32_t nx_msg_used(void)
{
    return nx_pool_used(&messages);
}

nx_status_t nx_msg_attach(nx_task_t *caller, nx_msg_t *msg, nx_handle_t *handles_out)
{
    if (msg->handles == 0u)
        return NX_OK;
    nx_status_t st = nx_cap_attach_leaving_revoked(caller, msg->caps, msg->handles, handles_out);
    if (st != NX_OK)
        return st;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < msg->handles; i++)
        if (handles_out[i].v == NX_HANDLE_INVALID.v)
            msg->caps[kept++] = msg->caps[i];
    msg->handles = kept;
    return NX_OK;
}

void nx_msg_drop_revoked(nx_msg_t *msg)
{
    if (msg->handles != 0u) {
        nx_cap_drop(msg->caps, msg->handles);
        msg->handles = 0;
    }
}

void nx_msg_release_list(nx_msg_t *list)
{
    if (list == NULL)
        return;
    nx_msg_t *last = list;
    while (last->next != NULL)
        last = last->next;
    nx_spin_lock(&graveyard.lock);
    last->next = graveyard.head;
    graveyard.head = list;
    if (graveyard.draining) {
        nx_spin_unlock(&graveyard.lock);
        return; /* the drainer takes these too */
    }
    graveyard.draining = true;
    for (;;) {
        nx_msg_t *m = graveyard.head;
        if (m == NULL) {
            graveyard.draining = false;
            nx_spin_unlock(&graveyard.lock);
            return;
        }
        graveyard.head = m->next;
        nx_spin_unlock(&graveyard.lock);
        /* May close endpoints, which add their queues to the list. */
        nx_cap_drop(m->caps, m->handles);
        nx_msg_free(m);
        nx_spin_lock(&graveyard.lock);
    }
}
