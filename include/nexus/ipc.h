/*
 * nexus/ipc.h - channel messages as a reader sees them (docs/abi/ipc.md).
 * Layout is ABI: frozen.
 */
#ifndef NEXUS_IPC_H
#define NEXUS_IPC_H

#include <stdint.h>

#include "nexus/types.h"

/* What a read returns besides the bytes and handles; on
 * NX_ERR_BUFFER_TOO_SMALL, the sizes the message needs. */
typedef struct nx_msg_info {
    uint32_t bytes;                    /* bytes in the message */
    uint32_t handles;                  /* handles in the message */
    uint64_t txid;                     /* the writer's transaction id (0: none) */
    nx_service_id_t sender_service_id; /* stamped by the kernel from the writer's task */
    uint32_t reserved;                 /* 0 */
} nx_msg_info_t;

/* Transaction ids the kernel gives calls (channel_call) have this bit:
 * a reply is a write carrying the request's txid. */
#define NX_TXID_CALL (UINT64_C(1) << 63)

/* channel_call's buffers: the request to write, room for the reply.
 * Addresses as 64-bit values, so the layout is one on every port. */
typedef struct nx_channel_call_args {
    uint64_t wr_bytes;   /* const void *: the request's bytes */
    uint64_t wr_handles; /* const nx_handle_t *: handles moved with it */
    uint64_t rd_bytes;   /* void *: room for the reply's bytes */
    uint64_t rd_handles; /* nx_handle_t *: room for the reply's handles */
    uint32_t wr_num_bytes;
    uint32_t wr_num_handles;
    uint32_t rd_num_bytes;   /* room, in bytes */
    uint32_t rd_num_handles; /* room, in handles */
} nx_channel_call_args_t;

#endif /* NEXUS_IPC_H */
