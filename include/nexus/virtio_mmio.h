/*
 * nexus/virtio_mmio.h - the virtio-mmio register layout and the split
 * virtqueue's descriptor (virtio 1.1: 4.2.2 the modern layout, version 2;
 * 4.2.4 the legacy one, version 1), and virtio-blk's requests (5.2). One
 * definition for the drivers and the simulator's device models.
 */
#ifndef NEXUS_VIRTIO_MMIO_H
#define NEXUS_VIRTIO_MMIO_H

#include <stdint.h>

/* Register offsets (32-bit registers). */
enum {
    NX_VIO_MAGIC = 0x000,     /* NX_VIO_MAGIC_VALUE */
    NX_VIO_VERSION = 0x004,   /* 1 legacy, 2 modern */
    NX_VIO_DEVICE_ID = 0x008, /* 0: an empty slot */
    NX_VIO_VENDOR = 0x00c,
    NX_VIO_DEVICE_FEATURES = 0x010, /* the word DEVICE_FEATURES_SEL picks */
    NX_VIO_DEVICE_FEATURES_SEL = 0x014,
    NX_VIO_DRIVER_FEATURES = 0x020,
    NX_VIO_DRIVER_FEATURES_SEL = 0x024,
    NX_VIO_GUEST_PAGE_SIZE = 0x028, /* legacy */
    NX_VIO_QUEUE_SEL = 0x030,
    NX_VIO_QUEUE_NUM_MAX = 0x034,
    NX_VIO_QUEUE_NUM = 0x038,
    NX_VIO_QUEUE_ALIGN = 0x03c, /* legacy */
    NX_VIO_QUEUE_PFN = 0x040,   /* legacy */
    NX_VIO_QUEUE_READY = 0x044, /* modern */
    NX_VIO_QUEUE_NOTIFY = 0x050,
    NX_VIO_INTERRUPT_STATUS = 0x060,
    NX_VIO_INTERRUPT_ACK = 0x064,
    NX_VIO_STATUS = 0x070,
    NX_VIO_QUEUE_DESC = 0x080, /* modern: low word, then high at + 4 */
    NX_VIO_QUEUE_DRIVER = 0x090,
    NX_VIO_QUEUE_DEVICE = 0x0a0,
    NX_VIO_CONFIG_GENERATION = 0x0fc, /* modern */
    NX_VIO_CONFIG = 0x100,            /* the device's configuration space */
};

#define NX_VIO_MAGIC_VALUE  0x74726976u /* "virt" */
#define NX_VIO_DEVICE_BLOCK 2u

/* Status bits. */
#define NX_VIO_STATUS_ACKNOWLEDGE 1u
#define NX_VIO_STATUS_DRIVER      2u
#define NX_VIO_STATUS_DRIVER_OK   4u
#define NX_VIO_STATUS_FEATURES_OK 8u
#define NX_VIO_STATUS_NEEDS_RESET 0x40u

/* Features: VIRTIO_F_VERSION_1 is bit 32, bit 0 of word 1. */
#define NX_VIO_F_VERSION_1 1u
#define NX_VIO_BLK_F_FLUSH (1u << 9)

/* A split virtqueue descriptor. */
typedef struct nx_virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags; /* NX_VIRTQ_DESC_F_* */
    uint16_t next;
} nx_virtq_desc_t;
_Static_assert(sizeof(nx_virtq_desc_t) == 16, "the spec's descriptor");

#define NX_VIRTQ_DESC_F_NEXT  1u
#define NX_VIRTQ_DESC_F_WRITE 2u /* the device writes this buffer */

/* virtio-blk: request types, the status byte, the sector. */
#define NX_VIO_BLK_T_IN     0u
#define NX_VIO_BLK_T_OUT    1u
#define NX_VIO_BLK_T_FLUSH  4u
#define NX_VIO_BLK_T_GET_ID 8u
#define NX_VIO_BLK_S_OK     0u
#define NX_VIO_BLK_S_IOERR  1u
#define NX_VIO_BLK_S_UNSUPP 2u
#define NX_VIO_BLK_SECTOR   512u

#endif /* NEXUS_VIRTIO_MMIO_H */
