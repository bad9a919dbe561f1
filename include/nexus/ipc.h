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

#endif /* NEXUS_IPC_H */
