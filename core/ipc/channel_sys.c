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
    nx_audit(caller->id, NX_AUDIT_OP_CHANNEL, h, NX_AUDIT_BAD_ADDRESS);
    return NX_ERR_BAD_ADDRESS;
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
    if (nbytes > NX_CHANNEL_MAX_BYTES || nh > NX_CHANNEL_MAX_HANDLES) {
        nx_audit(caller->id, NX_AUDIT_OP_CHANNEL, h, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_OUT_OF_RANGE;
    }
    nx_handle_t hs[NX_CHANNEL_MAX_HANDLES];
    if (nx_port_copy_from_user(hs, handles, (size_t)nh * sizeof hs[0]) != NX_OK)
        return bad_address(caller, h);
    nx_msg_t *m = nx_msg_alloc();
    if (m == NULL) {
        nx_audit(caller->id, NX_AUDIT_OP_CHANNEL, h, NX_AUDIT_POOL_EXHAUSTED);
        return NX_ERR_NO_RESOURCES;
    }
    nx_status_t st = nx_port_copy_from_user(m->data, bytes, (size_t)nbytes);
    if (st != NX_OK) {
        nx_msg_free(m);
        return bad_address(caller, h);
    }
    m->bytes = (uint32_t)nbytes;
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
    /* Room past the bounds is no more room than the bounds. */
    uint32_t bcap = byte_cap < NX_CHANNEL_MAX_BYTES ? (uint32_t)byte_cap : NX_CHANNEL_MAX_BYTES;
    uint32_t hcap =
        handle_cap < NX_CHANNEL_MAX_HANDLES ? (uint32_t)handle_cap : NX_CHANNEL_MAX_HANDLES;
    nx_status_t st = nx_channel_take(caller, h, bcap, hcap, &m, hs, &info);
    if (st != NX_OK && st != NX_ERR_BUFFER_TOO_SMALL)
        return st;
    nx_status_t copied = nx_port_copy_to_user(info_out, &info, sizeof info);
    if (st == NX_OK) {
        if (copied == NX_OK)
            copied = nx_port_copy_to_user(bytes, m->data, m->bytes);
        if (copied == NX_OK)
            copied = nx_port_copy_to_user(handles, hs, (size_t)info.handles * sizeof hs[0]);
        nx_msg_free(m);
        if (copied != NX_OK) /* the caller cannot name them: close them */
            for (uint32_t i = 0; i < info.handles; i++)
                if (hs[i].v != NX_HANDLE_INVALID.v)
                    (void)nx_sys_handle_close(caller, hs[i]);
    }
    return copied != NX_OK ? bad_address(caller, h) : st;
}
