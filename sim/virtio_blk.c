/*
 * virtio_blk.c - a virtio-blk disk on the simulated machine's last
 * virtio-mmio slot (the one QEMU fills first), in the legacy (version 1)
 * register layout QEMU 7.2 offers by default (virtio spec 1.1, 4.2.4:
 * "Legacy interface"), or the modern one (version 2, 4.2.2) with
 * cfg.disk_modern, as QEMU with -global virtio-mmio.force-legacy=false.
 *
 * One split virtqueue (queue 0, at most SIM_BLK_QUEUE_MAX entries): legacy,
 * laid out by the driver at QueuePFN * GuestPageSize with QueueAlign;
 * modern, its three parts where QueueDesc/Driver/Device say, live once
 * QueueReady is 1, after the driver accepted VIRTIO_F_VERSION_1
 * (FEATURES_OK). A notify
 * processes every new available entry at once, bounded by the queue's
 * size, and raises the slot's interrupt (through the injections: a failed
 * source loses it, a delayed one comes late). Requests: IN (read), OUT
 * (write), FLUSH, GET_ID; each a chain of a 16-byte header, data buffers
 * and a status byte. Everything the driver wrote is checked before use:
 * ring and buffer addresses must lie in memory pinned for DMA
 * (nx_sim_dma), chains must end within the queue's size, directions must
 * match the request; a ring the device cannot reach sets
 * DEVICE_NEEDS_RESET (the device stops until reset), a bad request gets
 * status IOERR or UNSUPP. Not modelled yet: injected device errors,
 * stuck completions.
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nexus/virtio_mmio.h"
#include "virt.h"

static const char blk_id[] = "nexus-sim-disk";

uint32_t nx_sim_blk_slot(void)
{
    return VIRT_VIRTIO_COUNT - 1u;
}

nx_status_t nx_sim_blk_init(sim_machine_t *m)
{
    sim_blk_t *b = &m->blk;
    memset(b, 0, sizeof *b);
    if (m->cfg.disk_bytes == 0u)
        return NX_OK;
    if (m->cfg.disk_bytes % NX_VIO_BLK_SECTOR != 0u || m->cfg.disk_bytes > NX_SIM_DISK_MAX_BYTES)
        return NX_ERR_INVALID_ARGS;
    b->disk = calloc(1, (size_t)m->cfg.disk_bytes);
    if (b->disk == NULL)
        return NX_ERR_NO_RESOURCES;
    if (m->cfg.disk_image != NULL)
        memcpy(b->disk, m->cfg.disk_image, (size_t)m->cfg.disk_bytes);
    b->present = true;
    b->modern = m->cfg.disk_modern;
    b->sectors = m->cfg.disk_bytes / NX_VIO_BLK_SECTOR;
    b->page_size = 4096u;
    return NX_OK;
}

void nx_sim_blk_free(sim_machine_t *m)
{
    if (m->result != NULL && m->blk.present) {
        m->result->disk_requests = m->blk.requests;
        m->result->disk_refused = m->blk.refused;
    }
    free(m->blk.disk);
    m->blk.disk = NULL;
}

static void reset(sim_blk_t *b)
{
    b->status = 0;
    b->guest_features = 0;
    b->queue_num = 0;
    b->queue_align = 0;
    b->queue_pfn = 0;
    b->queue_ready = 0;
    b->desc = b->driver = b->device = 0;
    b->guest_features_hi = 0;
    b->last_avail = 0;
    b->isr = 0;
}

/* The queue's three parts, or false (then the device needs a reset). */
static bool ring(sim_machine_t *m, sim_blk_t *b, unsigned char **descs, unsigned char **avail,
                 unsigned char **used)
{
    uint64_t num = b->queue_num;
    if (num == 0u || num > SIM_BLK_QUEUE_MAX)
        return false;
    uint64_t desc_size = num * sizeof(nx_virtq_desc_t), avail_size = 4u + 2u * num + 2u;
    uint64_t used_size = 4u + 8u * num + 2u;
    uint64_t d = b->desc, a = b->driver, u = b->device;
    if (!b->modern) { /* one block: descriptors, available ring, used ring aligned */
        uint64_t align = b->queue_align;
        if (align == 0u || (align & (align - 1u)) != 0u)
            return false;
        d = (uint64_t)b->queue_pfn * b->page_size;
        a = d + desc_size;
        u = d + ((desc_size + avail_size + align - 1u) & ~(align - 1u));
    }
    *descs = nx_sim_dma(m, d, (size_t)desc_size);
    *avail = nx_sim_dma(m, a, (size_t)avail_size);
    *used = nx_sim_dma(m, u, (size_t)used_size);
    return *descs != NULL && *avail != NULL && *used != NULL;
}

/* Serve one chain from `head`: its status, and the bytes written into
 * device-writable buffers. */
static uint8_t serve(sim_machine_t *m, sim_blk_t *b, const nx_virtq_desc_t *descs, uint16_t head,
                     uint32_t *written)
{
    uint16_t chain[SIM_BLK_QUEUE_MAX];
    uint32_t n = 0;
    for (uint16_t i = head;; i = descs[i].next) {
        if (i >= b->queue_num || n == b->queue_num)
            return NX_VIO_BLK_S_IOERR; /* out of the table, or a loop */
        chain[n++] = i;
        if ((descs[i].flags & NX_VIRTQ_DESC_F_NEXT) == 0u)
            break;
    }
    const nx_virtq_desc_t *hd = &descs[chain[0]], *st = &descs[chain[n - 1u]];
    unsigned char *hdr = hd->len >= 16u && (hd->flags & NX_VIRTQ_DESC_F_WRITE) == 0u
                             ? nx_sim_dma(m, hd->addr, 16)
                             : NULL;
    unsigned char *status = n >= 2u && st->len >= 1u && (st->flags & NX_VIRTQ_DESC_F_WRITE) != 0u
                                ? nx_sim_dma(m, st->addr, 1)
                                : NULL;
    if (hdr == NULL || status == NULL)
        return NX_VIO_BLK_S_IOERR; /* no header or no status byte to answer in */
    uint32_t type;
    uint64_t sector;
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    uint8_t result = NX_VIO_BLK_S_OK;
    uint64_t at = sector * NX_VIO_BLK_SECTOR;
    bool in = type == NX_VIO_BLK_T_IN || type == NX_VIO_BLK_T_GET_ID;
    if (type != NX_VIO_BLK_T_IN && type != NX_VIO_BLK_T_OUT && type != NX_VIO_BLK_T_FLUSH &&
        type != NX_VIO_BLK_T_GET_ID)
        result = NX_VIO_BLK_S_UNSUPP;
    if (sector > b->sectors)
        result = result == NX_VIO_BLK_S_OK ? NX_VIO_BLK_S_IOERR : result;
    for (uint32_t k = 1; result == NX_VIO_BLK_S_OK && k + 1u < n; k++) {
        const nx_virtq_desc_t *d = &descs[chain[k]];
        unsigned char *buf = nx_sim_dma(m, d->addr, d->len);
        bool dev_writes = (d->flags & NX_VIRTQ_DESC_F_WRITE) != 0u;
        if (buf == NULL || dev_writes != in || type == NX_VIO_BLK_T_FLUSH) {
            result = NX_VIO_BLK_S_IOERR;
        } else if (type == NX_VIO_BLK_T_GET_ID) {
            size_t len = d->len < sizeof blk_id ? d->len : sizeof blk_id;
            memcpy(buf, blk_id, len);
            *written += (uint32_t)len;
        } else if (d->len % NX_VIO_BLK_SECTOR != 0u || at > m->cfg.disk_bytes ||
                   d->len > m->cfg.disk_bytes - at) {
            result = NX_VIO_BLK_S_IOERR; /* past the disk's end */
        } else {
            if (in)
                memcpy(buf, b->disk + at, d->len);
            else
                memcpy(b->disk + at, buf, d->len);
            *written += in ? d->len : 0u;
            at += d->len;
        }
    }
    *status = result;
    *written += 1u;
    return result;
}

static void notify(sim_machine_t *m, sim_blk_t *b)
{
    bool live = b->modern ? b->queue_ready == 1u : b->queue_pfn != 0u;
    if ((b->status & NX_VIO_STATUS_DRIVER_OK) == 0u ||
        (b->status & NX_VIO_STATUS_NEEDS_RESET) != 0u || !live)
        return;
    unsigned char *q = NULL, *avail = NULL, *used = NULL;
    if (!ring(m, b, &q, &avail, &used)) {
        b->status |= NX_VIO_STATUS_NEEDS_RESET; /* the driver gave it memory it cannot reach */
        b->isr |= 2u;                           /* a configuration change */
        (void)nx_sim_inject_raise(m, VIRT_VIRTIO_IRQ(nx_sim_blk_slot()));
        return;
    }
    const nx_virtq_desc_t *descs = (const nx_virtq_desc_t *)(void *)q;
    uint16_t avail_idx, used_idx;
    memcpy(&avail_idx, avail + 2, 2);
    memcpy(&used_idx, used + 2, 2);
    bool any = false;
    /* At most a queue's worth a notify: a driver's index cannot make the
     * device loop. */
    for (uint32_t served = 0; b->last_avail != avail_idx && served < b->queue_num; served++) {
        uint16_t head;
        memcpy(&head, avail + 4 + 2u * (b->last_avail % b->queue_num), 2);
        uint32_t written = 0;
        uint8_t r = head < b->queue_num ? serve(m, b, descs, head, &written) : NX_VIO_BLK_S_IOERR;
        b->requests++;
        b->refused += r != NX_VIO_BLK_S_OK ? 1u : 0u;
        uint32_t elem[2] = { head, written };
        memcpy(used + 4 + 8u * (used_idx % b->queue_num), elem, 8);
        used_idx++;
        b->last_avail++;
        any = true;
    }
    memcpy(used + 2, &used_idx, 2);
    if (any) {
        b->isr |= 1u;
        (void)nx_sim_inject_raise(m, VIRT_VIRTIO_IRQ(nx_sim_blk_slot()));
    }
}

/* What a read of register `reg` gives. */
static uint32_t read_reg(const sim_blk_t *b, uint64_t reg)
{
    switch (reg) {
    case NX_VIO_MAGIC:
        return NX_VIO_MAGIC_VALUE;
    case NX_VIO_VERSION:
        return b->modern ? 2u : 1u;
    case NX_VIO_DEVICE_ID:
        return NX_VIO_DEVICE_BLOCK;
    case NX_VIO_VENDOR:
        return VIRT_VIRTIO_VENDOR;
    case NX_VIO_DEVICE_FEATURES: /* FLUSH in word 0; a modern device's VERSION_1 in word 1 */
        return b->host_features_sel == 0u                ? NX_VIO_BLK_F_FLUSH
               : b->host_features_sel == 1u && b->modern ? NX_VIO_F_VERSION_1
                                                         : 0u;
    case NX_VIO_QUEUE_NUM_MAX:
        return b->queue_sel == 0u ? SIM_BLK_QUEUE_MAX : 0u;
    case NX_VIO_QUEUE_PFN:
        return b->modern ? 0u : b->queue_pfn;
    case NX_VIO_QUEUE_READY:
        return b->modern ? b->queue_ready : 0u;
    case NX_VIO_INTERRUPT_STATUS:
        return b->isr;
    case NX_VIO_STATUS:
        return b->status;
    case NX_VIO_CONFIG:
        return (uint32_t)b->sectors;
    case NX_VIO_CONFIG + 4u:
        return (uint32_t)(b->sectors >> 32);
    default: /* ConfigGeneration (0: the configuration never changes) and the rest */
        return 0u;
    }
}

/* A 64-bit queue address register pair: the low or high half of *at. */
static void set_half(uint64_t *at, uint64_t reg, uint64_t base, uint32_t v)
{
    if (reg == base)
        *at = (*at & ~(uint64_t)UINT32_MAX) | v;
    else
        *at = (*at & UINT32_MAX) | ((uint64_t)v << 32);
}

bool nx_sim_blk_access(sim_machine_t *m, uint64_t reg, bool write, uint64_t *value)
{
    sim_blk_t *b = &m->blk;
    uint32_t v = (uint32_t)*value;
    if (!write) {
        *value = read_reg(b, reg);
        return true;
    }
    switch (reg) {
    case NX_VIO_DEVICE_FEATURES_SEL:
        b->host_features_sel = v;
        break;
    case NX_VIO_DRIVER_FEATURES: /* what it did not offer is not taken */
        if (b->guest_features_sel == 0u)
            b->guest_features = v & NX_VIO_BLK_F_FLUSH;
        else if (b->guest_features_sel == 1u && b->modern)
            b->guest_features_hi = v & NX_VIO_F_VERSION_1;
        break;
    case NX_VIO_DRIVER_FEATURES_SEL:
        b->guest_features_sel = v;
        break;
    case NX_VIO_GUEST_PAGE_SIZE:
        b->page_size = v != 0u && (v & (v - 1u)) == 0u ? v : b->page_size;
        break;
    case NX_VIO_QUEUE_SEL:
        b->queue_sel = v;
        break;
    case NX_VIO_QUEUE_NUM:
        if (b->queue_sel == 0u)
            b->queue_num = v;
        break;
    case NX_VIO_QUEUE_ALIGN:
        if (b->queue_sel == 0u)
            b->queue_align = v;
        break;
    case NX_VIO_QUEUE_PFN:
        if (b->queue_sel == 0u && !b->modern) {
            b->queue_pfn = v;
            b->last_avail = 0;
        }
        break;
    case NX_VIO_QUEUE_READY:
        if (b->queue_sel == 0u && b->modern) {
            b->queue_ready = v & 1u;
            b->last_avail = 0;
        }
        break;
    case NX_VIO_QUEUE_DESC:
    case NX_VIO_QUEUE_DESC + 4u:
        if (b->queue_sel == 0u && b->modern && b->queue_ready == 0u)
            set_half(&b->desc, reg, NX_VIO_QUEUE_DESC, v);
        break;
    case NX_VIO_QUEUE_DRIVER:
    case NX_VIO_QUEUE_DRIVER + 4u:
        if (b->queue_sel == 0u && b->modern && b->queue_ready == 0u)
            set_half(&b->driver, reg, NX_VIO_QUEUE_DRIVER, v);
        break;
    case NX_VIO_QUEUE_DEVICE:
    case NX_VIO_QUEUE_DEVICE + 4u:
        if (b->queue_sel == 0u && b->modern && b->queue_ready == 0u)
            set_half(&b->device, reg, NX_VIO_QUEUE_DEVICE, v);
        break;
    case NX_VIO_QUEUE_NOTIFY:
        if (v == 0u)
            notify(m, b);
        break;
    case NX_VIO_INTERRUPT_ACK:
        b->isr &= ~v;
        break;
    case NX_VIO_STATUS:
        if (v == 0u)
            reset(b);
        else if (b->modern && (v & NX_VIO_STATUS_FEATURES_OK) != 0u &&
                 (b->guest_features_hi & NX_VIO_F_VERSION_1) == 0u)
            b->status = v & ~NX_VIO_STATUS_FEATURES_OK; /* a modern device needs VERSION_1 */
        else
            b->status = v;
        break;
    default: /* read-only or unknown: taken, ignored, as QEMU does */
        break;
    }
    return true;
}
