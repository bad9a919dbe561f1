/*
 * rv/frames.h - the physical frame allocator of the rv64 port.
 *
 * 4 KiB frames of the RAM range that holds the kernel, from the end of the
 * kernel image to the end of that range, less the first 2 MiB of RAM
 * (OpenSBI), the device tree and the DTB's reserved ranges. Frames back
 * page tables and user memory. Every call may be made from any hart with
 * interrupts disabled; one spin lock guards the allocator, held only for
 * a bounded list or cursor step (zeroing happens outside it).
 */
#ifndef RV_FRAMES_H
#define RV_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/bootinfo.h"

#define RV_FRAME_SIZE  4096u
#define RV_FRAME_SHIFT 12u

typedef struct rv_frame_stats {
    uint64_t base, top; /* the managed range [base, top) */
    uint64_t total;     /* frames in it, holes excluded */
    uint64_t meta;      /* of which the allocator's own bitmap */
    uint64_t free;      /* not allocated (reserved ones included) */
    uint64_t used;      /* allocated and not yet freed */
    uint64_t reserved;  /* promised by rv_frames_reserve(), not yet taken */
} rv_frame_stats_t;

/*
 * Take the frames of the RAM range holding [kernel_start, kernel_end),
 * keeping out `dtb` (its header's size) and bi's reserved ranges. Once, on
 * the boot hart, paging off. NX_OK, or NX_ERR_NOT_SUPPORTED (no RAM range
 * holds the kernel, or no frame is left).
 */
nx_status_t rv_frames_init(const nx_boot_info_t *bi, uintptr_t kernel_start, uintptr_t kernel_end,
                           uintptr_t dtb);

/* A zeroed frame's physical address, 0 when none is left (frames promised
 * by rv_frames_reserve() are not handed out here). */
uintptr_t rv_frame_alloc(void);

/* Promise `n` frames to the caller, all or none: true when it may now call
 * rv_frame_alloc_reserved() n times, each sure to succeed. */
bool rv_frames_reserve(size_t n);

/* One of the frames promised by rv_frames_reserve(), zeroed. */
uintptr_t rv_frame_alloc_reserved(void);

/* `n` physically contiguous zeroed frames (a DMA VMO's): the lowest run
 * of free ones (freed or never used), found by a pass over the bitmap; the
 * first one's address, or 0 when no such run is free. Each is freed on
 * its own (rv_frame_free). */
uintptr_t rv_frames_alloc_run(size_t n);

/* Give back an allocated frame. Panics on a frame that is not allocated
 * (a double free, or an address the allocator never handed out). */
void rv_frame_free(uintptr_t pa);

void rv_frames_stats(rv_frame_stats_t *out);

/* The managed range [rv_frames_base, rv_frames_top), fixed after
 * rv_frames_init: every frame of user memory lies in it, no device does
 * (the user copies tell a device mapping by it, aspace.c). */
extern uint64_t rv_frames_base, rv_frames_top;

/* The device tree's physical address, as OpenSBI passed it (boot.c). */
extern uintptr_t rv_boot_dtb;

#endif /* RV_FRAMES_H */
