/*
 * nx/channel.h - channels: pairs of endpoints carrying framed messages of
 * bytes and handles (docs/abi/ipc.md).
 *
 * A message written on one endpoint is queued at its peer, oldest first, at
 * most NX_CHANNEL_MAX_MSGS deep. Its handles leave the writer's table when
 * it is written (caps in flight, nx/cap.h) and land in the reader's when it
 * is read, so every capability is in exactly one place: a table or a queued
 * message. Closing an endpoint (its last capability going) marks the peer
 * PEER_CLOSED and releases every handle still queued at the closed end.
 *
 * These functions (new, send, take: the kernel side of the channel_create,
 * channel_write and channel_read calls) take kernel memory: the system
 * call layer (channel_sys.c) copies bytes
 * and handle values between user memory and a message (nx_msg_t) itself,
 * so a message is filled straight from user memory, once.
 *
 * Locking: each channel has one lock for both endpoints' queues and state,
 * taken before the capability lock (the cap layer runs object hooks with no
 * lock held, so the order is never reversed).
 */
#ifndef NX_CHANNEL_H
#define NX_CHANNEL_H

#include <stdint.h>

#include "nexus/ipc.h"
#include "nexus/limits.h"
#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/cap.h"

typedef struct nx_task nx_task_t;

/* A message: the bytes, the caps in flight, the kernel's stamp. */
typedef struct nx_msg {
    struct nx_msg *next;
    uint32_t bytes;   /* data[0..bytes) */
    uint32_t handles; /* caps[0..handles) */
    uint64_t txid;
    nx_service_id_t sender;
    nx_cap_t caps[NX_CHANNEL_MAX_HANDLES];
    unsigned char data[NX_CHANNEL_MAX_BYTES];
} nx_msg_t;

/* A message buffer from the kernel's NX_MAX_MESSAGES, empty (no bytes, no
 * handles, txid 0); NULL when every one is in use. */
nx_msg_t *nx_msg_alloc(void);

/* Return a message buffer that carries no caps (a writer's unsent message,
 * a reader's message once its handles were attached). */
void nx_msg_free(nx_msg_t *msg);

/* Messages in use (queued, or held by a writer or reader). */
uint32_t nx_msg_used(void);

/*
 * Create a channel; `caller` gets a handle to each endpoint
 * (NX_DEFAULT_CHANNEL_RIGHTS).
 *   NX_ERR_INVALID_ARGS    out0 or out1 NULL
 *   NX_ERR_NO_RESOURCES    NX_MAX_CHANNELS alive, or the table or capability
 *                          pool has no room for two handles
 *   NX_ERR_TASK_DEAD       caller dying
 */
nx_status_t nx_channel_new(nx_task_t *caller, nx_handle_t *out0, nx_handle_t *out1);

/*
 * Write `msg` (its bytes and txid filled by the caller; msg->bytes at most
 * NX_CHANNEL_MAX_BYTES) on endpoint h, moving the `nh` handles out of the
 * caller's table into it. On NX_OK the message belongs to the channel; on
 * any error nothing moved and the caller still owns msg.
 *   NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED (h lacks
 *                          WRITE; a handle to send lacks TRANSFER)
 *   NX_ERR_OUT_OF_RANGE    msg->bytes or nh past its bound
 *   NX_ERR_INVALID_ARGS    msg NULL, handles NULL with nh > 0, a handle named
 *                          twice, or h itself or its peer among the handles
 *   NX_ERR_SHOULD_WAIT     the peer has NX_CHANNEL_MAX_MSGS unread
 *   NX_ERR_PEER_CLOSED     the peer endpoint is gone
 *   NX_ERR_TASK_DEAD       caller dying
 */
nx_status_t nx_channel_send(nx_task_t *caller, nx_handle_t h, nx_msg_t *msg,
                            const nx_handle_t *handles, uint32_t nh);

/*
 * Take the oldest message queued at endpoint h if it fits `byte_cap` bytes
 * and `handle_cap` handles: its handles are attached to the caller's table
 * (values in handles_out[0..info->handles)), *out is the message (the
 * caller copies its bytes out and frees it with nx_msg_free). *info says
 * what the message holds, on NX_ERR_BUFFER_TOO_SMALL too (the message then
 * stays queued).
 *   NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED (no READ)
 *   NX_ERR_INVALID_ARGS    out or info NULL, handles_out NULL with
 *                          handle_cap > 0
 *   NX_ERR_SHOULD_WAIT     nothing queued, peer open
 *   NX_ERR_PEER_CLOSED     nothing queued, peer gone
 *   NX_ERR_BUFFER_TOO_SMALL the message needs more room (see *info)
 *   NX_ERR_NO_RESOURCES    the caller's table cannot take its handles (the
 *                          message stays queued)
 *   NX_ERR_TASK_DEAD       caller dying
 */
nx_status_t nx_channel_take(nx_task_t *caller, nx_handle_t h, uint32_t byte_cap,
                            uint32_t handle_cap, nx_msg_t **out, nx_handle_t *handles_out,
                            nx_msg_info_t *info);

/*
 * Call: write `msg` (bytes filled; its txid is chosen here, NX_TXID_CALL
 * set) with `nh` handles on h as nx_channel_send does (the kernel side of channel_call), then wait
 * until `deadline_ns` for the peer's write carrying the same txid, and take it as nx_channel_take
 * does (*out, handles_out, *info). `msg` is consumed in every case. Needs READ and WRITE on h.
 *   nx_channel_send's statuses (nothing written), and:
 *   NX_ERR_INVALID_ARGS    out or info NULL, handles_out NULL with
 *                          handle_cap > 0, the deadline more than
 *                          NX_MAX_WAIT_NS ahead
 *   NX_ERR_TIMED_OUT       no reply by the deadline (a deadline already
 *                          past writes nothing); a late reply is queued
 *                          at h like any message
 *   NX_ERR_PEER_CLOSED     the peer closed before replying
 *   NX_ERR_CANCELED        h's last handle was closed, or the caller's
 *                          task is ending
 *   NX_ERR_BUFFER_TOO_SMALL the reply does not fit (*info has its sizes);
 *                          it is queued at h, first in line
 *   NX_ERR_NO_RESOURCES    the caller's table cannot take the reply's
 *                          handles; the reply is queued at h, first in line
 */
typedef struct nx_channel_exchange {
    /* The request: consumed in every case. */
    nx_msg_t *msg;
    const nx_handle_t *handles;
    uint32_t nh;
    uint64_t deadline_ns;
    /* Room for the reply, and where it goes. */
    uint32_t byte_cap;
    uint32_t handle_cap;
    nx_msg_t **out;
    nx_handle_t *handles_out;
    nx_msg_info_t *info;
} nx_channel_exchange_t;

nx_status_t nx_channel_exchange(nx_task_t *caller, nx_handle_t h, const nx_channel_exchange_t *x);

/* The kernel signals of endpoint h (NX_CHANNEL_*). Needs no right.
 * NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE, NX_ERR_INVALID_ARGS (out NULL),
 * NX_ERR_TASK_DEAD. */
nx_status_t nx_channel_signals(nx_task_t *caller, nx_handle_t h, uint32_t *out);

/* --- system calls (user memory; docs/abi/ipc.md) --------------------------- */

/* channel_create: *packed = first handle | second handle << 32. */
nx_status_t nx_sys_channel_create(nx_task_t *caller, uint64_t *packed);

/* channel_write: `nbytes` bytes at user `bytes`, `nh` handle values at user
 * `handles`. Decoded in this order, nothing changed before the last:
 * sizes (NX_ERR_OUT_OF_RANGE), the handle h (NX_ERR_BAD_HANDLE,
 * NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED), both user ranges
 * (NX_ERR_BAD_ADDRESS), a message buffer (NX_ERR_NO_RESOURCES:
 * NX_MAX_MESSAGES in use), then nx_channel_send's other statuses. */
nx_status_t nx_sys_channel_write(nx_task_t *caller, nx_handle_t h, uintptr_t bytes, uint64_t nbytes,
                                 uintptr_t handles, uint64_t nh, uint64_t txid);

/* channel_read: into user `bytes` (byte_cap), `handles` (handle_cap values)
 * and the nx_msg_info_t at user `info` (written on NX_OK and on
 * NX_ERR_BUFFER_TOO_SMALL). nx_channel_take's statuses, and
 * NX_ERR_INVALID_ARGS (a capacity above 32 bits), NX_ERR_BAD_ADDRESS (a
 * buffer is not the caller's writable memory: checked before the message
 * is taken, so it stays queued; a buffer unmapped during the copy puts the
 * message back at the head of the queue, whole). */
nx_status_t nx_sys_channel_read(nx_task_t *caller, nx_handle_t h, uintptr_t bytes,
                                uint64_t byte_cap, uintptr_t handles, uint64_t handle_cap,
                                uintptr_t info);

/* channel_call: the nx_channel_call_args_t at user `args`, the reply's
 * nx_msg_info_t to user `info` (on NX_OK and NX_ERR_BUFFER_TOO_SMALL).
 * nx_channel_exchange's statuses, and NX_ERR_INVALID_ARGS (a reply
 * capacity above 32 bits), NX_ERR_BAD_ADDRESS (args, a request buffer or a
 * reply buffer: all checked before anything is written; a reply buffer
 * unmapped while waiting queues the reply at h, first in line),
 * NX_ERR_NO_RESOURCES (NX_MAX_MESSAGES in use). */
nx_status_t nx_sys_channel_call(nx_task_t *caller, nx_handle_t h, uintptr_t args,
                                uint64_t deadline_ns, uintptr_t info);

/* Channels and messages alive; core reset only. */
void nx_channel_reset(void);

#endif /* NX_CHANNEL_H */
