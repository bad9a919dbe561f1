/*
 * channel_sys.c - the system calls on channels: user memory in and out of
 * messages (nx/channel.h takes kernel memory only).
 *
 * Decode, then invoke: each call checks its arguments, its handle and
 * rights, and every user range it will copy before it changes anything,
 * so a refusal leaves the channel, the message pool and every table as
 * they were. A write copies the bytes from user memory straight into the
 * message buffer. A read takes the message off the queue (it keeps its
 * slot), copies its bytes and info out, attaches its handles, copies their
 * values out, and only then lets the slot go; a copy that fails on the way
 * (another thread unmapped the buffer after the check) puts the message
 * back at the head of its queue, whole. A call's reply is delivered the
 * same way, and one the caller cannot take is queued at its endpoint,
 * first in line, as a late reply is.
 */
#include "ipc_internal.h"
#include "nx/audit.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/wait.h"

static nx_status_t bad_address(nx_task_t *caller, nx_handle_t h)
{
    return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
}

/* An outgoing message as a write or a call names it in user memory. */
typedef struct user_msg_out {
    uintptr_t bytes;
    uint64_t nbytes;
    uintptr_t handles;
    uint64_t nh;
} user_msg_out_t;

/* Where an incoming message goes in user memory, and the room there. */
typedef struct user_msg_in {
    uintptr_t bytes;
    uint32_t byte_cap;
    uintptr_t handles;
    uint32_t handle_cap;
    uintptr_t info;
} user_msg_in_t;

/* An outgoing message's sizes: the first thing a write or call decodes. */
static nx_status_t check_out(nx_task_t *caller, nx_handle_t h, const user_msg_out_t *o)
{
    if (o->nbytes > NX_CHANNEL_MAX_BYTES || o->nh > NX_CHANNEL_MAX_HANDLES)
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_OUT_OF_RANGE);
    return NX_OK;
}

/* The ranges a message of up to in->byte_cap bytes and in->handle_cap
 * handles, and its info, will be copied to: checked before anything is
 * taken. */
static nx_status_t check_in(nx_task_t *caller, nx_handle_t h, const user_msg_in_t *in)
{
    if (nx_port_user_check(in->info, sizeof(nx_msg_info_t), true) != NX_OK ||
        nx_port_user_check(in->bytes, in->byte_cap, true) != NX_OK ||
        nx_port_user_check(in->handles, (size_t)in->handle_cap * sizeof(nx_handle_t), true) !=
            NX_OK)
        return bad_address(caller, h);
    return NX_OK;
}

/* A message holding o's bytes, o's handle values copied into hs (sizes
 * already checked). */
static nx_status_t msg_from_user(nx_task_t *caller, nx_handle_t h, const user_msg_out_t *o,
                                 nx_handle_t *hs, nx_msg_t **out)
{
    if (nx_port_user_check(o->bytes, (size_t)o->nbytes, false) != NX_OK ||
        nx_port_copy_from_user(hs, o->handles, (size_t)o->nh * sizeof hs[0]) != NX_OK)
        return bad_address(caller, h);
    nx_msg_t *m = nx_msg_alloc();
    if (m == NULL)
        return nx_channel_refuse(caller, h, NX_AUDIT_POOL_EXHAUSTED, NX_ERR_NO_RESOURCES);
    if (nx_port_copy_from_user(m->data, o->bytes, (size_t)o->nbytes) != NX_OK) {
        nx_msg_free(m); /* unmapped under the copy: nothing was sent */
        return bad_address(caller, h);
    }
    m->bytes = (uint32_t)o->nbytes;
    *out = m;
    return NX_OK;
}

/* Deliver `m`, taken from ep (`counted`: it holds its queue slot, as a
 * read's message does; a call's reply does not), to user memory: info and
 * bytes, then its handles into the caller's table, then their values. A
 * failure before the handles are attached gives the message back whole.
 * Past that, only a concurrent unmap of the handle array can fail a copy;
 * the handles are then the caller's (in its table) and the bytes are lost,
 * which is the one thing a program racing itself can do to itself. */
static nx_status_t deliver(nx_task_t *caller, nx_handle_t h, nx_channel_t *ep, nx_msg_t *m,
                           bool counted, const user_msg_in_t *in)
{
    nx_msg_info_t info;
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_describe(m, &info);
    nx_status_t st = NX_OK;
    if (nx_port_copy_to_user(in->info, &info, sizeof info) != NX_OK ||
        nx_port_copy_to_user(in->bytes, m->data, m->bytes) != NX_OK)
        st = bad_address(caller, h);
    else
        st = nx_msg_attach(caller, m, hs);
    if (st != NX_OK) {
        nx_channel_untake(ep, m, counted);
        return st;
    }
    if (counted)
        nx_channel_take_done(ep);
    nx_msg_drop_revoked(m); /* caps revoked in flight */
    nx_msg_free(m);
    if (nx_port_copy_to_user(in->handles, hs, (size_t)info.handles * sizeof hs[0]) != NX_OK)
        return bad_address(caller, h);
    return NX_OK;
}

/* A capacity: above 32 bits it is refused, never truncated; room past a
 * bound is no more room than the bound. */
static bool capacity(uint64_t room, uint32_t bound, uint32_t *out)
{
    *out = room < bound ? (uint32_t)room : bound;
    return room <= UINT32_MAX;
}

nx_status_t nx_sys_channel_create(nx_task_t *caller, uint64_t *packed)
{
    nx_handle_t a = NX_HANDLE_INVALID, b = NX_HANDLE_INVALID;
    nx_status_t st = nx_channel_new(caller, &a, &b);
    *packed = (uint64_t)a.v | (uint64_t)b.v << 32;
    return st;
}

nx_status_t nx_sys_channel_write(nx_task_t *caller, nx_handle_t h, uintptr_t bytes, uint64_t nbytes,
                                 uintptr_t handles, uint64_t nh, uint64_t txid)
{
    const user_msg_out_t o = { bytes, nbytes, handles, nh };
    nx_status_t st = check_out(caller, h, &o);
    if (st != NX_OK)
        return st;
    nx_channel_t *ep;
    st = nx_channel_get(caller, h, NX_RIGHT_WRITE, &ep);
    if (st != NX_OK)
        return st;
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_t *m = NULL;
    st = msg_from_user(caller, h, &o, hs, &m);
    if (st == NX_OK) {
        m->txid = txid;
        st = nx_channel_post(caller, ep, m, hs, (uint32_t)nh, NULL);
        if (st != NX_OK)
            nx_msg_free(m);
    }
    nx_object_unref(&ep->obj);
    return st;
}

nx_status_t nx_sys_channel_read(nx_task_t *caller, nx_handle_t h, uintptr_t bytes,
                                uint64_t byte_cap, uintptr_t handles, uint64_t handle_cap,
                                uintptr_t info_out)
{
    user_msg_in_t in = { .bytes = bytes, .handles = handles, .info = info_out };
    if (!capacity(byte_cap, NX_CHANNEL_MAX_BYTES, &in.byte_cap) ||
        !capacity(handle_cap, NX_CHANNEL_MAX_HANDLES, &in.handle_cap))
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_channel_t *ep;
    nx_status_t st = nx_channel_get(caller, h, NX_RIGHT_READ, &ep);
    if (st != NX_OK)
        return st;
    st = check_in(caller, h, &in);
    nx_msg_info_t info = { 0 };
    nx_msg_t *m = NULL;
    if (st == NX_OK)
        st = nx_channel_take_head(ep, in.byte_cap, in.handle_cap, NULL, NULL, &m, &info);
    if (st == NX_OK) {
        st = deliver(caller, h, ep, m, true, &in);
    } else if (st == NX_ERR_BUFFER_TOO_SMALL) {
        /* It stays queued; the caller learns the sizes it needs. */
        if (nx_port_copy_to_user(info_out, &info, sizeof info) != NX_OK)
            st = bad_address(caller, h);
    }
    nx_object_unref(&ep->obj);
    return st;
}

nx_status_t nx_sys_channel_call(nx_task_t *caller, nx_handle_t h, uintptr_t args_at,
                                uint64_t deadline_ns, uintptr_t info_out)
{
    nx_channel_call_args_t args;
    if (nx_port_copy_from_user(&args, args_at, sizeof args) != NX_OK)
        return bad_address(caller, h);
    const user_msg_out_t o = { (uintptr_t)args.wr_bytes, args.wr_num_bytes,
                               (uintptr_t)args.wr_handles, args.wr_num_handles };
    user_msg_in_t in = { .bytes = (uintptr_t)args.rd_bytes,
                         .handles = (uintptr_t)args.rd_handles,
                         .info = info_out };
    if (!capacity(args.rd_num_bytes, NX_CHANNEL_MAX_BYTES, &in.byte_cap) ||
        !capacity(args.rd_num_handles, NX_CHANNEL_MAX_HANDLES, &in.handle_cap) ||
        nx_deadline_check(deadline_ns) != NX_OK)
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_status_t st = check_out(caller, h, &o);
    if (st != NX_OK)
        return st;
    nx_channel_t *ep;
    st = nx_channel_get(caller, h, NX_RIGHT_READ | NX_RIGHT_WRITE, &ep);
    if (st != NX_OK)
        return st;
    /* The reply's ranges too: a call with nowhere to put its answer is
     * refused before the request is written. */
    st = check_in(caller, h, &in);
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_t *m = NULL;
    if (st == NX_OK)
        st = msg_from_user(caller, h, &o, hs, &m);
    nx_msg_t *reply = NULL;
    if (st == NX_OK)
        st = nx_channel_call_on(caller, ep, m, hs, (uint32_t)args.wr_num_handles, deadline_ns,
                                &reply);
    if (st == NX_OK) {
        nx_msg_info_t info;
        nx_msg_describe(reply, &info);
        if (reply->bytes > in.byte_cap || reply->handles > in.handle_cap) {
            /* Queued at h, first in line: channel_read takes it. */
            nx_channel_untake(ep, reply, false);
            st = nx_port_copy_to_user(info_out, &info, sizeof info) == NX_OK
                     ? NX_ERR_BUFFER_TOO_SMALL
                     : bad_address(caller, h);
        } else {
            st = deliver(caller, h, ep, reply, false, &in);
        }
    }
    nx_object_unref(&ep->obj);
    return st;
}
