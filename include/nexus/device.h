/*
 * nexus/device.h - devices for user-space drivers (docs/abi/devices.md).
 *
 * The kernel mints one device object per device of the boot info it does
 * not keep for itself (the UART, each virtio-mmio slot) and nothing else
 * makes one: no call turns an address a program chose into a device.
 * Init hands each to the program its manifest names (nexus/start.h,
 * NX_START_DEVICE). A driver maps the register window, whole pages and
 * exactly the window's pages, never executable (device_map), and unmaps
 * it like a VMO mapping (vmo_unmap). Values are ABI: frozen.
 */
#ifndef NEXUS_DEVICE_H
#define NEXUS_DEVICE_H

#include <stdint.h>

typedef enum nx_device_kind {
    NX_DEVICE_NONE = 0,
    NX_DEVICE_UART = 1,        /* an ns16550a */
    NX_DEVICE_VIRTIO_MMIO = 2, /* a virtio-mmio slot (its device id says what, 0: empty) */
    NX_DEVICE_KIND_COUNT
} nx_device_kind_t;

/* Devices the kernel mints at most (the UART and NX_BOOTINFO_MAX_VIRTIO
 * slots fit), and the devices one program may be handed. */
#define NX_MAX_DEVICES       16u
#define NX_START_MAX_DEVICES 4u
/* Pins alive at once, quarantined ones included (dma_pin). */
#define NX_MAX_PINS 64u

/* What device_info says of a device. */
typedef struct nx_device_info {
    uint32_t kind;       /* nx_device_kind_t */
    uint32_t index;      /* among the devices of its kind, in address order */
    uint64_t base;       /* the window's physical address (its registers' first byte) */
    uint64_t size;       /* the window's bytes, as the device tree says */
    uint64_t map_offset; /* where the window starts in its first mapped page */
    uint64_t map_size;   /* bytes device_map maps: the pages the window touches */
    uint32_t irq;        /* its interrupt source (0: none) */
    uint32_t reg_shift;  /* UART: registers are 1 << reg_shift bytes apart */
    uint32_t reg_width;  /* UART: access width in bytes (1 or 4) */
    uint32_t reserved;   /* 0 */
} nx_device_info_t;

/* What interrupt_info says: the object's counters. An interrupt that
 * fires again before the ack is merged into the pending one (counted,
 * never queued). */
typedef struct nx_interrupt_info {
    uint32_t irq;     /* the source */
    uint32_t pending; /* 1: fired, masked, not yet acknowledged */
    uint64_t fired;   /* times the source fired while this object held it */
    uint64_t acked;   /* acknowledgements (each unmasked the source) */
    uint64_t merged;  /* of the fired, those that came while one was pending */
} nx_interrupt_info_t;

#endif /* NEXUS_DEVICE_H */
