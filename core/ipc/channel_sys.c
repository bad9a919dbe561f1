/*
 * channel_sys.c - the system calls on channels: user memory in and out of
 * messages (nx/channel.h takes kernel memory only).
 *
 * A write copies the bytes from user memory straight into the message
 * buffer and the handle values onto the kernel stack, then writes. A read
 * takes the message, then copies its bytes, handle values and info out; a
 * user buffer that turns out bad at that point (NX_ERR_BAD_ADDRESS) loses
 * the message, and the handles it carried are closed, never leaked.
 */
#include "ipc_internal.h"
#include "nx/audit.h"
#include "nx/port.h"
#include "nx/task.h"

static nx_status_t bad_address(nx_task_t *caller, nx_handle_t h)
{
    return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
}

/* A message holding `nbytes` bytes from user `bytes`, and the `nh` handle
 * values at user `handles` copied into hs. */
static nx_status_t msg_from_user(nx_task_t *caller, nx_handle_t h, uintptr_t bytes, uint64_t nbytes,
                                 uintptr_t handles, uint64_t nh, nx_handle_t *hs, nx_msg_t **out)
{
    if (nbytes > NX_CHANNEL_MAX_BYTES || nh > NX_CHANNEL_MAX_HANDLES)
        return nx_channel_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_OUT_OF_RANGE);
    if (nx_port_copy_from_user(hs, handles, (size_t)nh * sizeof hs[0]) != NX_OK)
        return bad_address(caller, h);
    nx_msg_t *m = nx_msg_alloc();
    if (m == NULL)
        return nx_channel_refuse(caller, h, NX_AUDIT_POOL_EXHAUSTED, NX_ERR_NO_RESOURCES);
    if (nx_port_copy_from_user(m->data, bytes, (size_t)nbytes) != NX_OK) {
        nx_msg_free(m);
        return bad_address(caller, h);
    }
    m->bytes = (uint32_t)nbytes;
    *out = m;
    return NX_OK;
}

/* A message the caller took but cannot receive (a bad buffer): free it
 * and close the handles it brought, which the caller could never name. */
static nx_status_t msg_lost(nx_task_t *caller, nx_handle_t h, nx_msg_t *m, const nx_handle_t *hs,
                            uint32_t nhs)
{
    nx_msg_free(m);
    for (uint32_t i = 0; i < nhs; i++)
        if (hs[i].v != NX_HANDLE_INVALID.v)
            (void)nx_sys_handle_close(caller, hs[i]);
    return bad_address(caller, h);
}

/* Copy a message the caller took (its handles already in the caller's
 * table, values in hs) and its info to user memory, and free it. */
static nx_status_t msg_to_user(nx_task_t *caller, nx_handle_t h, nx_msg_t *m, const nx_handle_t *hs,
                               const nx_msg_info_t *info, uintptr_t info_out, uintptr_t bytes,
                               uintptr_t handles)
{
    if (nx_port_copy_to_user(info_out, info, sizeof *info) != NX_OK ||
        nx_port_copy_to_user(bytes, m->data, m->bytes) != NX_OK ||
        nx_port_copy_to_user(handles, hs, (size_t)info->handles * sizeof hs[0]) != NX_OK)
        return msg_lost(caller, h, m, hs, info->handles);
    nx_msg_free(m);
    return NX_OK;
}

/* A too-small buffer still learns the sizes the message needs. */
static nx_status_t sizes_to_user(nx_task_t *caller, nx_handle_t h, const nx_msg_info_t *info,
                                 uintptr_t info_out)
{
    if (nx_port_copy_to_user(info_out, info, sizeof *info) != NX_OK)
        return bad_address(caller, h);
    return NX_ERR_BUFFER_TOO_SMALL;
}

/* Room past a bound is no more room than the bound. */
static uint32_t clamp(uint64_t room, uint32_t bound)
{
    return room < bound ? (uint32_t)room : bound;
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
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_t *m = NULL;
    nx_status_t st = msg_from_user(caller, h, bytes, nbytes, handles, nh, hs, &m);
    if (st != NX_OK)
        return st;
    m->txid = txid;
    st = nx_channel_send(caller, h, m, hs, (uint32_t)nh);
    if (st != NX_OK)
        nx_msg_free(m);
    return st;
}

nx_status_t nx_sys_channel_read(nx_task_t *caller, nx_handle_t h, uintptr_t bytes,
                                uint64_t byte_cap, uintptr_t handles, uint64_t handle_cap,
                                uintptr_t info_out)
{
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_info_t info = { 0 };
    nx_msg_t *m = NULL;
    nx_status_t st = nx_channel_take(caller, h, clamp(byte_cap, NX_CHANNEL_MAX_BYTES),
                                     clamp(handle_cap, NX_CHANNEL_MAX_HANDLES), &m, hs, &info);
    if (st == NX_ERR_BUFFER_TOO_SMALL)
        return sizes_to_user(caller, h, &info, info_out);
    if (st != NX_OK)
        return st;
    return msg_to_user(caller, h, m, hs, &info, info_out, bytes, handles);
}

nx_status_t nx_sys_channel_call(nx_task_t *caller, nx_handle_t h, uintptr_t args_at,
                                uint64_t deadline_ns, uintptr_t info_out)
{
    nx_channel_call_args_t args;
    if (nx_port_copy_from_user(&args, args_at, sizeof args) != NX_OK)
        return bad_address(caller, h);
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    nx_msg_t *m = NULL;
    nx_status_t st = msg_from_user(caller, h, (uintptr_t)args.wr_bytes, args.wr_num_bytes,
                                   (uintptr_t)args.wr_handles, args.wr_num_handles, hs, &m);
    if (st != NX_OK)
        return st;
    nx_handle_t got[NX_CHANNEL_MAX_HANDLES];
    nx_msg_info_t info = { 0 };
    nx_msg_t *reply = NULL;
    st =
        nx_channel_exchange(caller, h, m, hs, args.wr_num_handles, deadline_ns,
                            clamp(args.rd_num_bytes, NX_CHANNEL_MAX_BYTES),
                            clamp(args.rd_num_handles, NX_CHANNEL_MAX_HANDLES), &reply, got, &info);
    if (st == NX_ERR_BUFFER_TOO_SMALL)
        return sizes_to_user(caller, h, &info, info_out);
    if (st != NX_OK)
        return st;
    return msg_to_user(caller, h, reply, got, &info, info_out, (uintptr_t)args.rd_bytes,
                       (uintptr_t)args.rd_handles);
}
