/*
 * frames.c - 4 KiB physical frames for page tables and user memory.
 *
 * The managed range is [base, top): from the end of the kernel image (never
 * below RAM's first 2 MiB, OpenSBI's) to the end of the RAM range holding
 * the kernel. Holes inside it (the device tree, the DTB's reserved ranges)
 * are never handed out. Allocation is O(1): a frame freed earlier is taken
 * from a free list threaded through the free frames themselves, else a
 * cursor hands out the next never-used frame, stepping over the holes (a
 * bounded number, sorted). So init touches no frame but the bitmap, which
 * sits in the range's first frames: one bit per frame, set while the frame
 * is allocated, so freeing a frame twice, or one never handed out, panics
 * instead of corrupting the free list.
 *
 * A DMA VMO needs a contiguous run (rv_frames_alloc_run): the lowest run
 * of clear bits, found by one pass over the bitmap; its frames below the
 * cursor come off the free list, those past it are skipped by the cursor
 * when it gets there. A frame freed at or past the cursor is not put on
 * the free list (the cursor will hand it out), so no frame is ever on
 * both.
 *
 * Frames are reached through their physical address: identity mapped once
 * paging is on (vm.c), the same address before.
 */
#include "rv/frames.h"

#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/spinlock.h"

#define TWO_MIB   (2ull << 20)
#define HOLES_MAX (NX_BOOTINFO_MAX_RESERVED + 1u)

typedef struct hole {
    uint64_t lo, hi; /* page aligned, inside [base, top) */
} hole_t;

uint64_t rv_frames_base, rv_frames_top;

static struct {
    nx_spinlock_t lock; /* guards everything below after init */
    uint64_t base, top; /* managed range */
    uint64_t cursor;    /* next never-allocated frame; top when all were */
    uint64_t free_head; /* a freed frame, its first word the next one; 0: none */
    uint8_t *bitmap;    /* bit (pa - base) / 4 KiB: allocated */
    uint64_t total, meta, free, used, reserved;
    uint32_t hole_count;
    hole_t holes[HOLES_MAX]; /* sorted, disjoint */
} frames;

static uint64_t page_down(uint64_t a)
{
    return a & ~(uint64_t)(RV_FRAME_SIZE - 1u);
}

static uint64_t page_up(uint64_t a)
{
    return page_down(a + RV_FRAME_SIZE - 1u);
}

/* Keep [lo, hi) out of the managed range: sorted insert, merged with its
 * neighbours, clipped to [base, top). */
static void add_hole(uint64_t lo, uint64_t hi)
{
    lo = page_down(lo);
    hi = page_up(hi);
    if (lo < frames.base)
        lo = frames.base;
    if (hi > frames.top)
        hi = frames.top;
    if (lo >= hi)
        return;
    uint32_t i = 0;
    while (i < frames.hole_count && frames.holes[i].hi < lo)
        i++;
    /* Absorb every hole [i, j) that touches [lo, hi). */
    uint32_t j = i;
    while (j < frames.hole_count && frames.holes[j].lo <= hi) {
        if (frames.holes[j].lo < lo)
            lo = frames.holes[j].lo;
        if (frames.holes[j].hi > hi)
            hi = frames.holes[j].hi;
        j++;
    }
    uint32_t removed = j - i;
    if (removed == 0u) {
        NX_ASSERT(frames.hole_count < HOLES_MAX);
        for (uint32_t k = frames.hole_count; k > i; k--)
            frames.holes[k] = frames.holes[k - 1u];
        frames.hole_count++;
    } else {
        for (uint32_t k = j; k < frames.hole_count; k++)
            frames.holes[k - removed + 1u] = frames.holes[k];
        frames.hole_count -= removed - 1u;
    }
    frames.holes[i] = (hole_t){ lo, hi };
}

/* Move the cursor out of any hole it is in (holes are sorted, so one pass
 * follows back-to-back holes). */
static void skip_holes(void)
{
    for (uint32_t i = 0; i < frames.hole_count; i++)
        if (frames.cursor >= frames.holes[i].lo && frames.cursor < frames.holes[i].hi)
            frames.cursor = frames.holes[i].hi;
}

nx_status_t rv_frames_init(const nx_boot_info_t *bi, uintptr_t kernel_start, uintptr_t kernel_end,
                           uintptr_t dtb)
{
    const nx_mem_range_t *ram = NULL;
    for (uint32_t i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].base <= kernel_start && kernel_end <= bi->mem[i].base + bi->mem[i].size)
            ram = &bi->mem[i];
    if (ram == NULL)
        return NX_ERR_NOT_SUPPORTED;

    frames.base = page_up(kernel_end);
    if (frames.base < ram->base + TWO_MIB)
        frames.base = page_up(ram->base + TWO_MIB);
    frames.top = page_down(ram->base + ram->size);
    if (frames.base >= frames.top)
        return NX_ERR_NOT_SUPPORTED;
    rv_frames_base = frames.base;
    rv_frames_top = frames.top;

    frames.hole_count = 0;
    add_hole(dtb, (uint64_t)dtb + bi->dtb_size);
    for (uint32_t i = 0; i < bi->reserved_count; i++)
        add_hole(bi->reserved[i].base, bi->reserved[i].base + bi->reserved[i].size);

    uint64_t span = (frames.top - frames.base) >> RV_FRAME_SHIFT;
    uint64_t holes = 0;
    for (uint32_t i = 0; i < frames.hole_count; i++)
        holes += (frames.holes[i].hi - frames.holes[i].lo) >> RV_FRAME_SHIFT;
    frames.total = span - holes;

    /* The bitmap takes the first frames; a hole there is unlikely (the
     * kernel image ends there) but would be overwritten, so refuse it. */
    uint64_t bitmap_bytes = (span + 7u) / 8u;
    frames.meta = page_up(bitmap_bytes) >> RV_FRAME_SHIFT;
    if (frames.meta >= frames.total ||
        (frames.hole_count > 0u &&
         frames.holes[0].lo < frames.base + (frames.meta << RV_FRAME_SHIFT)))
        return NX_ERR_NOT_SUPPORTED;
    frames.bitmap = (uint8_t *)(uintptr_t)frames.base;
    nx_memset(frames.bitmap, 0, bitmap_bytes);

    frames.cursor = frames.base + (frames.meta << RV_FRAME_SHIFT);
    skip_holes();
    frames.free_head = 0;
    frames.free = frames.total - frames.meta;
    frames.used = 0;
    frames.reserved = 0;
    return NX_OK;
}

static uint64_t index_of(uint64_t pa)
{
    return (pa - frames.base) >> RV_FRAME_SHIFT;
}

static bool bit_get(uint64_t i)
{
    return (frames.bitmap[i / 8u] >> (i % 8u)) & 1u;
}

static void bit_flip(uint64_t i)
{
    frames.bitmap[i / 8u] ^= (uint8_t)(1u << (i % 8u));
}

/* Hand out a frame; the caller holds the lock and checked one is free. */
static uint64_t take_locked(void)
{
    uint64_t pa = frames.free_head;
    if (pa != 0u) {
        frames.free_head = *(const uint64_t *)(uintptr_t)pa;
    } else {
        /* Frames past the cursor a contiguous run took are skipped. */
        while (frames.cursor < frames.top && bit_get(index_of(frames.cursor))) {
            frames.cursor += RV_FRAME_SIZE;
            skip_holes();
        }
        NX_ASSERT(frames.cursor < frames.top);
        pa = frames.cursor;
        frames.cursor += RV_FRAME_SIZE;
        skip_holes();
    }
    NX_ASSERT(!bit_get(index_of(pa)));
    bit_flip(index_of(pa));
    frames.free--;
    frames.used++;
    return pa;
}

static uintptr_t zeroed(uint64_t pa)
{
    nx_memset((void *)(uintptr_t)pa, 0, RV_FRAME_SIZE);
    return (uintptr_t)pa;
}

uintptr_t rv_frame_alloc(void)
{
    nx_spin_lock(&frames.lock);
    if (frames.free <= frames.reserved) {
        nx_spin_unlock(&frames.lock);
        return 0;
    }
    uint64_t pa = take_locked();
    nx_spin_unlock(&frames.lock);
    return zeroed(pa);
}

bool rv_frames_reserve(size_t n)
{
    nx_spin_lock(&frames.lock);
    bool ok = n <= frames.free - frames.reserved;
    if (ok)
        frames.reserved += n;
    nx_spin_unlock(&frames.lock);
    return ok;
}

uintptr_t rv_frame_alloc_reserved(void)
{
    nx_spin_lock(&frames.lock);
    NX_ASSERT(frames.reserved > 0u);
    frames.reserved--;
    uint64_t pa = take_locked();
    nx_spin_unlock(&frames.lock);
    return zeroed(pa);
}

static bool in_hole(uint64_t pa)
{
    for (uint32_t i = 0; i < frames.hole_count; i++)
        if (pa >= frames.holes[i].lo && pa < frames.holes[i].hi)
            return true;
    return false;
}

uintptr_t rv_frames_alloc_run(size_t n)
{
    nx_spin_lock(&frames.lock);
    uint64_t first = frames.base + (frames.meta << RV_FRAME_SHIFT), lo = 0, run = 0;
    if (n > 0u && n <= frames.free - frames.reserved) {
        /* The lowest run of n free frames, freed ones and never-used ones
         * alike: one pass over the bitmap (bounded by the frames). */
        for (uint64_t pa = first; pa < frames.top && run < n; pa += RV_FRAME_SIZE) {
            if (bit_get(index_of(pa)) || in_hole(pa)) {
                run = 0;
                continue;
            }
            if (run++ == 0u)
                lo = pa;
        }
    }
    if (run < n || n == 0u) {
        nx_spin_unlock(&frames.lock);
        return 0;
    }
    uint64_t hi = lo + (uint64_t)n * RV_FRAME_SIZE;
    for (uint64_t pa = lo; pa < hi; pa += RV_FRAME_SIZE)
        bit_flip(index_of(pa));
    /* Those that were freed below the cursor are on the free list (frames
     * at or past it never are: the bump path hands them out): take them
     * off, one walk of it. The bump path skips allocated ones past it. */
    uint64_t *link = &frames.free_head;
    while (*link != 0u) {
        uint64_t pa = *link;
        if (pa >= lo && pa < hi)
            *link = *(const uint64_t *)(uintptr_t)pa;
        else
            link = (uint64_t *)(uintptr_t)pa;
    }
    frames.free -= n;
    frames.used += n;
    nx_spin_unlock(&frames.lock);
    nx_memset((void *)(uintptr_t)lo, 0, (size_t)(hi - lo));
    return (uintptr_t)lo;
}

void rv_frame_free(uintptr_t pa)
{
    nx_spin_lock(&frames.lock);
    if (pa % RV_FRAME_SIZE != 0u || pa < frames.base || pa >= frames.top ||
        !bit_get(index_of(pa))) {
        nx_spin_unlock(&frames.lock);
        nx_panic("rv64: freeing frame 0x%llx, which is not allocated", (unsigned long long)pa);
    }
    bit_flip(index_of(pa));
    /* At or past the cursor (a contiguous run's frame), the bump path
     * hands it out again: it must not be on the free list too. */
    if (pa < frames.cursor) {
        *(uint64_t *)pa = frames.free_head;
        frames.free_head = pa;
    }
    frames.free++;
    frames.used--;
    nx_spin_unlock(&frames.lock);
}

void rv_frames_stats(rv_frame_stats_t *out)
{
    nx_spin_lock(&frames.lock);
    *out = (rv_frame_stats_t){ frames.base, frames.top,  frames.total,   frames.meta,
                               frames.free, frames.used, frames.reserved };
    nx_spin_unlock(&frames.lock);
}
