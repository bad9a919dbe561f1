/* devices: a driver's first steps with the devices init hands it
 * (nexus/device.h): NX_START_DEVICE(0) the UART, NX_START_DEVICE(1) the
 * first virtio-mmio slot. It maps the UART's registers, writes a line
 * through them when arg bit 0 says it runs alone (polling the line
 * status; beside other programs its bytes would land inside the kernel's
 * console lines, until issue 19 decides how the two share the UART),
 * checks its scratch register
 * holds what it writes, takes the UART's transmit-empty interrupt in
 * U-mode (an interrupt object: wait, read IIR, disable, acknowledge),
 * pins DMA memory for the virtio slot (contiguous device addresses),
 * maps the virtio slot and
 * reads its magic, version and device id, and gets every refusal the map
 * call documents: executable, writable without WRITE, misaligned, over a
 * mapping, the wrong handle type, a bad info pointer, a copy into a
 * device mapping. */
#include "nexus/mmio.h"
#include "nexus/start.h"
#include "selftest.h"

#define NAME "devices"
#define PAGE NX_VMO_PAGE_SIZE

#define UART_THR      0u
#define UART_IER      1u
#define UART_IIR      2u
#define UART_LSR      5u
#define UART_SCR      7u
#define UART_LSR_THRE 0x20u

static int32_t fail(const char *why, uint64_t detail)
{
    return verdict(NAME, why, detail);
}

static void uart_put(uintptr_t regs, uint32_t shift, char c)
{
    /* Bounded: the model and QEMU's 16550 take a byte at once. */
    for (uint32_t spins = 0; spins < 100000u; spins++)
        if ((nx_mmio_read8(regs + (UART_LSR << shift)) & UART_LSR_THRE) != 0u)
            break;
    nx_mmio_write8(regs + (UART_THR << shift), (uint8_t)c);
}

static int32_t run(uintptr_t arg)
{
    nx_device_handle_t uart = NX_START_DEVICE(0), slot = NX_START_DEVICE(1);
    nx_device_info_t info;
    nx_status_t st;
    if ((st = nx_device_info(uart, &info)) != NX_OK)
        return fail("uart info", (uint64_t)-st);
    if (info.kind != NX_DEVICE_UART || info.map_size == 0u || info.map_size % PAGE != 0u ||
        info.map_offset >= info.map_size)
        return fail("uart info fields", info.kind);
    uintptr_t at = NX_TEST_MAP_BASE;
    if ((st = nx_device_map(uart, at, NX_VM_READ | NX_VM_WRITE)) != NX_OK)
        return fail("map the uart", (uint64_t)-st);
    uintptr_t regs = at + (uintptr_t)info.map_offset;
    nx_mmio_write8(regs + (UART_SCR << info.reg_shift), 0x5a);
    if (nx_mmio_read8(regs + (UART_SCR << info.reg_shift)) != 0x5a)
        return fail("the uart's scratch register", 0);
    static const char line[] = "devices: a line through the UART's registers\n";
    for (uint32_t i = 0; (arg & 1u) != 0u && line[i] != '\0'; i++)
        uart_put(regs, info.reg_shift, line[i]);

    /* The transmit-empty interrupt, delivered to this program. */
    nx_interrupt_handle_t tx, second;
    if ((st = nx_interrupt_create(uart, 0, &tx)) != NX_OK)
        return fail("interrupt_create", (uint64_t)-st);
    if ((st = nx_interrupt_create(uart, 0, &second)) != NX_ERR_ALREADY_EXISTS)
        return fail("a second interrupt object", (uint64_t)-st);
    if ((st = nx_interrupt_ack(tx)) != NX_ERR_NOT_PENDING)
        return fail("an ack with nothing pending", (uint64_t)-st);
    nx_mmio_write8(regs + (UART_IER << info.reg_shift), 0x02);
    uint32_t seen = 0;
    if ((st = nx_object_wait_one(tx, NX_INTERRUPT_PENDING, nx_time_now() + 1000 * MS, &seen)) !=
        NX_OK)
        return fail("no transmit interrupt", (uint64_t)-st);
    uint8_t iir = nx_mmio_read8(regs + (UART_IIR << info.reg_shift));
    nx_mmio_write8(regs + (UART_IER << info.reg_shift), 0x00);
    /* THRE, or none when a byte the kernel wrote meanwhile took it */
    if ((iir & 0x0fu) != 0x02u && (iir & 0x0fu) != 0x01u)
        return fail("the interrupt's cause", iir);
    if ((st = nx_interrupt_ack(tx)) != NX_OK)
        return fail("ack", (uint64_t)-st);
    nx_interrupt_info_t counts;
    if ((st = nx_interrupt_info(tx, &counts)) != NX_OK || counts.fired < 1u || counts.acked != 1u ||
        counts.irq != info.irq)
        return fail("the interrupt's counters", counts.fired);
    if ((st = nx_handle_close(tx)) != NX_OK)
        return fail("close the interrupt", (uint64_t)-st);

    /* Refusals, each changing nothing. */
    if ((st = nx_device_map(uart, at, NX_VM_READ)) != NX_ERR_ALREADY_EXISTS)
        return fail("a map over a mapping", (uint64_t)-st);
    if ((st = nx_device_map(uart, at + 2u * PAGE, NX_VM_READ | NX_VM_EXEC)) != NX_ERR_INVALID_ARGS)
        return fail("an executable map", (uint64_t)-st);
    if ((st = nx_device_map(uart, at + 2u * PAGE, NX_VM_WRITE)) != NX_ERR_INVALID_ARGS)
        return fail("a write-only map", (uint64_t)-st);
    if ((st = nx_device_map(uart, at + 2u * PAGE + 8u, NX_VM_READ)) != NX_ERR_INVALID_ARGS)
        return fail("a misaligned map", (uint64_t)-st);
    nx_handle_t weak_h;
    if ((st = nx_handle_duplicate(nx_device_to_handle(uart), NX_RIGHT_READ | NX_RIGHT_MAP,
                                  &weak_h)) != NX_OK)
        return fail("duplicate", (uint64_t)-st);
    nx_device_handle_t weak = nx_device_from_handle(weak_h);
    if ((st = nx_device_map(weak, at + 2u * PAGE, NX_VM_READ | NX_VM_WRITE)) !=
        NX_ERR_ACCESS_DENIED)
        return fail("a writable map without WRITE", (uint64_t)-st);
    if ((st = nx_device_info(weak, &info)) != NX_ERR_ACCESS_DENIED)
        return fail("info without INSPECT", (uint64_t)-st);
    if ((st = nx_device_map(weak, at + 2u * PAGE, NX_VM_READ)) != NX_OK)
        return fail("a read-only map", (uint64_t)-st);
    if ((st = nx_vmo_unmap(at + 2u * PAGE, PAGE)) != NX_OK)
        return fail("unmap the read-only map", (uint64_t)-st);
    if ((st = nx_handle_close(weak_h)) != NX_OK)
        return fail("close", (uint64_t)-st);
    if ((st = nx_device_map(nx_device_from_handle(nx_task_to_handle(NX_START_SELF_TASK)),
                            at + 2u * PAGE, NX_VM_READ)) != NX_ERR_WRONG_TYPE)
        return fail("a task handle as a device", (uint64_t)-st);
    if ((st = nx_device_info(uart, (nx_device_info_t *)(uintptr_t)NX_TEST_KERNEL_ADDRESS)) !=
        NX_ERR_BAD_ADDRESS)
        return fail("info into kernel memory", (uint64_t)-st);
    /* A system call never reads or writes a device's registers. */
    if ((st = nx_debug_write((const char *)regs, 1)) != NX_ERR_BAD_ADDRESS)
        return fail("a copy from a device mapping", (uint64_t)-st);

    /* DMA memory for the slot: contiguous pages, pinned and unpinned. */
    nx_vmo_handle_t dma;
    nx_pin_handle_t pin, page1, refused;
    uint64_t bus = 0, bus1 = 0;
    if ((st = nx_vmo_create_dma(4u * PAGE, &dma)) != NX_OK)
        return fail("vmo_create_dma", (uint64_t)-st);
    if ((st = nx_dma_pin(slot, dma, 0, 4u * PAGE, &bus, &pin)) != NX_OK ||
        (st = nx_dma_pin(slot, dma, PAGE, PAGE, &bus1, &page1)) != NX_OK)
        return fail("dma_pin", (uint64_t)-st);
    if (bus == 0u || bus % PAGE != 0u || bus1 != bus + PAGE)
        return fail("the pinned range's device address", bus);
    if ((st = nx_dma_pin(slot, dma, 4u * PAGE, PAGE, &bus, &refused)) != NX_ERR_OUT_OF_RANGE)
        return fail("a pin past the end", (uint64_t)-st);
    if (nx_handle_close(dma) != NX_OK || nx_handle_close(page1) != NX_OK ||
        nx_handle_close(pin) != NX_OK)
        return fail("unpin", 0);

    /* The virtio slot: its identification registers. */
    if ((st = nx_device_info(slot, &info)) != NX_OK)
        return fail("slot info", (uint64_t)-st);
    if (info.kind != NX_DEVICE_VIRTIO_MMIO || info.index != 0u || info.irq == 0u)
        return fail("slot info fields", info.kind);
    uintptr_t vio = at + 4u * PAGE;
    if ((st = nx_device_map(slot, vio, NX_VM_READ)) != NX_OK)
        return fail("map the slot", (uint64_t)-st);
    vio += (uintptr_t)info.map_offset;
    uint32_t magic = nx_mmio_read32(vio), version = nx_mmio_read32(vio + 4u);
    uint32_t device = nx_mmio_read32(vio + 8u);
    if (magic != 0x74726976u || (version != 1u && version != 2u) || device > 64u)
        return fail("the slot's identification", magic);
    if ((st = nx_vmo_unmap(vio - (uintptr_t)info.map_offset, info.map_size)) != NX_OK)
        return fail("unmap the slot", (uint64_t)-st);
    if ((st = nx_vmo_unmap(at, PAGE)) != NX_OK)
        return fail("unmap the uart", (uint64_t)-st);
    return verdict(NAME, 0, 0);
}

NX_PROGRAM(devices)
{
    nx_thread_exit(run(arg));
}
