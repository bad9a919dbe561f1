/* bench_device: a driver's hot paths, timed with the clock (guest
 * instructions under QEMU -icount shift=0):
 *   - rv64_irq_deliver_ack: the UART's transmit-empty interrupt taken in
 *     U-mode and acknowledged: enable it, the kernel masks the source and
 *     wakes the waiting driver, which reads IIR, disables it and acks
 *     (unmasking the source): one round trip per op;
 *   - rv64_dma_pin_unpin_64k: pin 64 KiB of a DMA VMO for a device and
 *     close the pin.
 * Its device is NX_START_DEVICE(0), the UART. */
#include "nexus/mmio.h"
#include "nexus/start.h"
#include "bench_null.h"

#define ROUNDS 2000u
#define PAGE   NX_VMO_PAGE_SIZE

NX_PROGRAM(bench_device)
{
    (void)arg;
    nx_device_handle_t uart = NX_START_DEVICE(0);
    nx_device_info_t info;
    nx_interrupt_handle_t irq;
    uintptr_t at = NX_TEST_MAP_BASE;
    if (nx_device_info(uart, &info) != NX_OK ||
        nx_device_map(uart, at, NX_VM_READ | NX_VM_WRITE) != NX_OK ||
        nx_interrupt_create(uart, 0, &irq) != NX_OK)
        nx_thread_exit(1);
    uintptr_t ier = at + (uintptr_t)info.map_offset + (1u << info.reg_shift);
    uintptr_t iir = at + (uintptr_t)info.map_offset + (2u << info.reg_shift);
    uint64_t t0 = nx_time_now();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        nx_mmio_write8(ier, 0x02);
        if (nx_object_wait_one(irq, NX_INTERRUPT_PENDING, nx_time_now() + 1000 * MS, NULL) != NX_OK)
            nx_thread_exit(2);
        (void)nx_mmio_read8(iir);
        nx_mmio_write8(ier, 0x00);
        if (nx_interrupt_ack(irq) != NX_OK)
            nx_thread_exit(3);
    }
    bench_report("rv64_irq_deliver_ack", nx_time_now() - t0, ROUNDS);

    nx_vmo_handle_t dma;
    if (nx_vmo_create_dma(16u * PAGE, &dma) != NX_OK)
        nx_thread_exit(4);
    t0 = nx_time_now();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint64_t bus;
        nx_pin_handle_t pin;
        if (nx_dma_pin(uart, dma, 0, 16u * PAGE, &bus, &pin) != NX_OK ||
            nx_handle_close(pin) != NX_OK)
            nx_thread_exit(5);
    }
    bench_report("rv64_dma_pin_unpin_64k", nx_time_now() - t0, ROUNDS);
    nx_thread_exit(0);
}
