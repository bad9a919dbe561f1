/* blk_probe: the least a virtio-blk driver does, on the legacy
 * virtio-mmio layout (virtio 1.1, 4.2.4: version 1, what QEMU 7.2 offers
 * by default) or the modern one (4.2.2: version 2, VIRTIO_F_VERSION_1
 * negotiated): NX_START_DEVICE(0) is the last virtio slot, the one a disk goes
 * in. With no disk there (device id 0) it only checks the slot. With one:
 * it negotiates the device, sets up one queue of 8 in DMA memory (pinned
 * for the device, mapped for itself), writes a pattern to sector 3 and
 * reads it back, reads past the disk's end (IOERR), asks the id, each
 * request completing by its interrupt, delivered to this program.
 * arg bit 1: the completion interrupt is known lost (an injection): every
 * request must then end on its deadline instead, reported. The real
 * driver, with every check a driver owes a device, is issue 19's. */
#include "nexus/mmio.h"
#include "nexus/virtio_mmio.h"
#include "nexus/start.h"
#include "selftest.h"

#define NAME   "blk_probe"
#define VQ_NUM 8u
#define PG     NX_VMO_PAGE_SIZE
#define MAP    NX_TEST_MAP_BASE
#define LOST   0xfeu /* no completion interrupt came */

/* The DMA VMO: page 0 the descriptors and available ring, page 1 the used
 * ring (QueueAlign 4096), page 2 the request header (0) and status (16),
 * page 3 the data. Mapped at `va` to write it, pinned at `bus`. */
typedef struct blk_drv {
    uintptr_t regs, va;
    uint64_t bus;
    nx_interrupt_handle_t irq;
    uint16_t avail_idx;
} blk_drv_t;

static void vio_w(const blk_drv_t *d, uint32_t reg, uint32_t v)
{
    nx_mmio_write32(d->regs + reg, v);
}

static uint32_t vio_r(const blk_drv_t *d, uint32_t reg)
{
    return nx_mmio_read32(d->regs + reg);
}

/* One request of `type` for `sector` with `len` data bytes (the device
 * writes them for IN and GET_ID); waits for the interrupt; its status
 * byte, or LOST. */
static uint32_t request(blk_drv_t *d, uint32_t type, uint64_t sector, uint32_t len,
                        uint32_t *used_len)
{
    uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
    user_store(d->va + 2u * PG, hdr, sizeof hdr);
    uint8_t unset = 0xff;
    user_store(d->va + 2u * PG + 16u, &unset, 1);
    bool in = type == NX_VIO_BLK_T_IN || type == NX_VIO_BLK_T_GET_ID;
    nx_virtq_desc_t desc[3] = {
        { d->bus + 2u * PG, 16, NX_VIRTQ_DESC_F_NEXT, 1 },
        { d->bus + 3u * PG, len,
          (uint16_t)(NX_VIRTQ_DESC_F_NEXT | (in ? NX_VIRTQ_DESC_F_WRITE : 0u)), 2 },
        { d->bus + 2u * PG + 16u, 1, NX_VIRTQ_DESC_F_WRITE, 0 },
    };
    user_store(d->va, desc, sizeof desc);
    uint16_t head = 0;
    user_store(d->va + VQ_NUM * 16u + 4u + 2u * (d->avail_idx % VQ_NUM), &head, 2);
    d->avail_idx++;
    user_store(d->va + VQ_NUM * 16u + 2u, &d->avail_idx, 2);
    vio_w(d, NX_VIO_QUEUE_NOTIFY, 0);
    if (nx_object_wait_one(d->irq, NX_INTERRUPT_PENDING, nx_time_now() + 100 * MS, NULL) != NX_OK)
        return LOST;
    vio_w(d, NX_VIO_INTERRUPT_ACK, vio_r(d, NX_VIO_INTERRUPT_STATUS));
    (void)nx_interrupt_ack(d->irq);
    uint32_t elem[2];
    user_load(elem, d->va + PG + 4u + 8u * ((uint32_t)(d->avail_idx - 1u) % VQ_NUM), 8);
    *used_len = elem[1];
    uint8_t st;
    user_load(&st, d->va + 2u * PG + 16u, 1);
    return st;
}

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static int32_t run(uintptr_t arg)
{
    nx_device_handle_t dev = NX_START_DEVICE(0);
    blk_drv_t d = { 0 };
    nx_device_info_t info;
    nx_vmo_handle_t dma;
    nx_pin_handle_t pin;
    nx_status_t st;
    if ((st = nx_device_info(dev, &info)) != NX_OK ||
        (st = nx_device_map(dev, MAP, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map the slot", (uint64_t)-st);
    d.regs = MAP + (uintptr_t)info.map_offset;
    uint32_t version = vio_r(&d, NX_VIO_VERSION);
    if (vio_r(&d, NX_VIO_MAGIC) != NX_VIO_MAGIC_VALUE || (version != 1u && version != 2u))
        return fail("not a virtio-mmio slot", version);
    if (vio_r(&d, NX_VIO_DEVICE_ID) == 0u)
        return verdict(NAME, 0, 0); /* no disk in the slot: nothing more to do */
    if (vio_r(&d, NX_VIO_DEVICE_ID) != NX_VIO_DEVICE_BLOCK)
        return fail("not a block device", vio_r(&d, NX_VIO_DEVICE_ID));
    vio_w(&d, NX_VIO_STATUS, 0);
    uint32_t status = NX_VIO_STATUS_ACKNOWLEDGE;
    vio_w(&d, NX_VIO_STATUS, status);
    vio_w(&d, NX_VIO_STATUS, status |= NX_VIO_STATUS_DRIVER);
    if (version == 2u) { /* modern: VIRTIO_F_VERSION_1 (bit 32), nothing else */
        vio_w(&d, NX_VIO_DEVICE_FEATURES_SEL, 1);
        if ((vio_r(&d, NX_VIO_DEVICE_FEATURES) & NX_VIO_F_VERSION_1) == 0u)
            return fail("a modern device without VIRTIO_F_VERSION_1", 0);
        vio_w(&d, NX_VIO_DRIVER_FEATURES_SEL, 1);
        vio_w(&d, NX_VIO_DRIVER_FEATURES, NX_VIO_F_VERSION_1);
        vio_w(&d, NX_VIO_DRIVER_FEATURES_SEL, 0);
        vio_w(&d, NX_VIO_DRIVER_FEATURES, 0);
        vio_w(&d, NX_VIO_STATUS, status |= NX_VIO_STATUS_FEATURES_OK);
        if ((vio_r(&d, NX_VIO_STATUS) & NX_VIO_STATUS_FEATURES_OK) == 0u)
            return fail("the device refused the features", vio_r(&d, NX_VIO_STATUS));
    } else {
        vio_w(&d, NX_VIO_DRIVER_FEATURES, 0);
        vio_w(&d, NX_VIO_GUEST_PAGE_SIZE, PG);
    }
    vio_w(&d, NX_VIO_QUEUE_SEL, 0);
    if (vio_r(&d, NX_VIO_QUEUE_NUM_MAX) < VQ_NUM)
        return fail("a queue too small", vio_r(&d, NX_VIO_QUEUE_NUM_MAX));
    vio_w(&d, NX_VIO_QUEUE_NUM, VQ_NUM);
    if (version == 1u)
        vio_w(&d, NX_VIO_QUEUE_ALIGN, PG);
    d.va = MAP + 16u * PG;
    if ((st = nx_vmo_create_dma(4u * PG, &dma)) != NX_OK ||
        (st = nx_dma_pin(dev, dma, 0, 4u * PG, &d.bus, &pin)) != NX_OK ||
        (st = nx_vmo_map(dma, 0, d.va, 4u * PG, NX_VM_READ | NX_VM_WRITE)) != NX_OK ||
        (st = nx_interrupt_create(dev, 0, &d.irq)) != NX_OK)
        return fail("set up the queue", (uint64_t)-st);
    /* The same layout both ways: descriptors and available ring on page 0,
     * the used ring on page 1. */
    if (version == 1u) {
        vio_w(&d, NX_VIO_QUEUE_PFN, (uint32_t)(d.bus / PG));
    } else {
        uint64_t parts[3] = { d.bus, d.bus + VQ_NUM * 16u, d.bus + PG };
        static const uint32_t regs[3] = { NX_VIO_QUEUE_DESC, NX_VIO_QUEUE_DRIVER,
                                          NX_VIO_QUEUE_DEVICE };
        for (uint32_t i = 0; i < 3u; i++) {
            vio_w(&d, regs[i], (uint32_t)parts[i]);
            vio_w(&d, regs[i] + 4u, (uint32_t)(parts[i] >> 32));
        }
        vio_w(&d, NX_VIO_QUEUE_READY, 1);
    }
    vio_w(&d, NX_VIO_STATUS, status | NX_VIO_STATUS_DRIVER_OK);
    uint32_t sectors = vio_r(&d, NX_VIO_CONFIG);

    unsigned char data[512], back[512];
    for (uint32_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7u + 3u);
    user_store(d.va + 3u * PG, data, sizeof data);
    uint32_t used = 0, r[4];
    r[0] = request(&d, NX_VIO_BLK_T_OUT, 3, NX_VIO_BLK_SECTOR, &used);
    for (uint32_t i = 0; i < sizeof back; i++)
        back[i] = 0;
    user_store(d.va + 3u * PG, back, sizeof back);
    r[1] = request(&d, NX_VIO_BLK_T_IN, 3, NX_VIO_BLK_SECTOR, &used);
    uint32_t in_len = used;
    user_load(back, d.va + 3u * PG, sizeof back);
    r[2] = request(&d, NX_VIO_BLK_T_IN, sectors, NX_VIO_BLK_SECTOR, &used); /* past the end */
    r[3] = request(&d, NX_VIO_BLK_T_GET_ID, 0, 16, &used);
    vio_w(&d, NX_VIO_STATUS, 0); /* reset: the device lets go of the ring */
    if ((st = nx_vmo_unmap(d.va, 4u * PG)) != NX_OK || (st = nx_handle_close(pin)) != NX_OK)
        return fail("tear down", (uint64_t)-st);
    if ((arg & 2u) != 0u) { /* the interrupt is lost: every request timed out */
        for (uint32_t i = 0; i < 4u; i++)
            if (r[i] != LOST)
                return fail("a completion with the interrupt lost", i);
        return verdict(NAME, 0, 0);
    }
    if (r[0] != 0u || r[1] != 0u || in_len != 513u)
        return fail("write and read sector 3", r[0] * 256u + r[1]);
    for (uint32_t i = 0; i < sizeof data; i++)
        if (back[i] != data[i])
            return fail("sector 3 read back differs at", i);
    if (r[2] != 1u) /* IOERR */
        return fail("a read past the end", r[2]);
    if (r[3] != 0u) /* the id may be empty: QEMU's is the drive's serial, none here */
        return fail("get id", r[3]);
    /* On the stack, as every buffer a system call reads must be. */
    char legacy[] = "blk_probe: sector 3 written and read back, by interrupt (legacy)\n";
    char modern[] = "blk_probe: sector 3 written and read back, by interrupt (modern)\n";
    if (version == 2u)
        (void)nx_debug_write(modern, sizeof modern - 1u);
    else
        (void)nx_debug_write(legacy, sizeof legacy - 1u);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(blk_probe)
{
    nx_thread_exit(run(arg));
}
