/*
 * nexus/object.h - kernel object types and the basic information a handle
 * gives about its object. Values are ABI: frozen.
 */
#ifndef NEXUS_OBJECT_H
#define NEXUS_OBJECT_H

#include <stdint.h>

#include "nexus/rights.h"
#include "nexus/types.h"

typedef enum nx_object_type {
    NX_OBJ_NONE = 0,
    NX_OBJ_TASK = 1,      /* a task: address space, threads, handle table */
    NX_OBJ_EVENT = 2,     /* a bundle of user signals */
    NX_OBJ_THREAD = 3,    /* a thread of a task */
    NX_OBJ_CHANNEL = 4,   /* one endpoint of a channel */
    NX_OBJ_VMO = 5,       /* a virtual memory object: pages to read, write, map, share */
    NX_OBJ_DEVICE = 6,    /* a device's register window and interrupts (nexus/device.h) */
    NX_OBJ_INTERRUPT = 7, /* one interrupt source of a device (nexus/device.h) */
    NX_OBJ_PIN = 8,       /* a range of a DMA VMO pinned for a device (nexus/device.h) */
    NX_OBJ_TYPE_COUNT
} nx_object_type_t;

/* Rights of the handle that creates each kind of object. */
#define NX_DEFAULT_TASK_RIGHTS                                                                     \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER | NX_RIGHT_MANAGE |   \
     NX_RIGHT_INSPECT | NX_RIGHT_WAIT)
#define NX_DEFAULT_EVENT_RIGHTS                                                                    \
    (NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER | NX_RIGHT_SIGNAL | NX_RIGHT_WAIT | NX_RIGHT_MANAGE |  \
     NX_RIGHT_INSPECT)

#define NX_DEFAULT_THREAD_RIGHTS                                                                   \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER | NX_RIGHT_WAIT |     \
     NX_RIGHT_MANAGE | NX_RIGHT_INSPECT)

/* A device, as init hands it to its driver: map its registers (MAP, READ,
 * WRITE), say what it is (INSPECT), pin memory it may access (DMA), pass
 * it on or keep a weaker copy, and revoke the copies it made (MANAGE).
 * Never EXECUTE: a register window is never mapped executable. */
#define NX_DEFAULT_DEVICE_RIGHTS                                                                   \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_MAP | NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER |      \
     NX_RIGHT_INSPECT | NX_RIGHT_DMA | NX_RIGHT_MANAGE)

/* An interrupt: wait for it (WAIT), acknowledge it (WRITE), read its
 * counters (INSPECT), pass it on. One handle: no DUPLICATE. */
#define NX_DEFAULT_INTERRUPT_RIGHTS                                                                \
    (NX_RIGHT_WAIT | NX_RIGHT_WRITE | NX_RIGHT_TRANSFER | NX_RIGHT_INSPECT)

/* A pin: held by the task that pinned, closed to unpin. Not transferable:
 * its holder is the task whose death quarantines it. */
#define NX_DEFAULT_PIN_RIGHTS NX_RIGHT_INSPECT

/* A channel endpoint: read and write messages, wait on it, send it on.
 * No DUPLICATE: an endpoint has one holder, so "who may talk here" is
 * answered by one handle. */
#define NX_DEFAULT_CHANNEL_RIGHTS                                                                  \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_TRANSFER | NX_RIGHT_WAIT | NX_RIGHT_INSPECT)

/* A VMO: everything but signals. EXECUTE is needed to map it executable,
 * which also needs it sealed (docs/abi/vmo.md: W^X across every alias). */
#define NX_DEFAULT_VMO_RIGHTS                                                                      \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER | NX_RIGHT_MAP |      \
     NX_RIGHT_EXECUTE | NX_RIGHT_SEAL | NX_RIGHT_INSPECT)
/* A DMA VMO (vmo_create_dma): DMA to pin it for a device; never code. */
#define NX_DEFAULT_DMA_VMO_RIGHTS                                                                  \
    (NX_RIGHT_READ | NX_RIGHT_WRITE | NX_RIGHT_DUPLICATE | NX_RIGHT_TRANSFER | NX_RIGHT_MAP |      \
     NX_RIGHT_DMA | NX_RIGHT_INSPECT)

/* Kernel signals of a channel endpoint. */
#define NX_CHANNEL_READABLE    (1u << 0) /* a message waits to be read here */
#define NX_CHANNEL_WRITABLE    (1u << 1) /* the peer's queue has room */
#define NX_CHANNEL_PEER_CLOSED (1u << 2) /* the other endpoint is gone */

/* An interrupt object's signal: its source fired and is masked until the
 * driver acknowledges it. */
#define NX_INTERRUPT_PENDING (1u << 0)

/* Signal bits a holder with NX_RIGHT_SIGNAL may set and clear; the others
 * belong to the kernel (readable, writable...). */
#define NX_SIGNALS_USER 0xff000000u

/* One entry of a wait set (object_wait_many): wait until the object
 * `handle` names has any of `wait_for`; the kernel writes the signals it
 * found into `pending` (on NX_OK and NX_ERR_TIMED_OUT). */
typedef struct nx_wait_item {
    nx_handle_t handle;
    uint32_t wait_for;
    uint32_t pending;
} nx_wait_item_t;

/* nx_object_info(): what any valid handle tells about itself. */
typedef struct nx_object_info {
    nx_koid_t koid;
    uint32_t type; /* nx_object_type_t */
    nx_rights_t rights;
} nx_object_info_t;

#endif /* NEXUS_OBJECT_H */
