/*
 * virt.h - the simulated machine's layout, shaped like QEMU's virt board:
 * the addresses and interrupts its device tree lists (dtb.c) and its
 * device models answer at (devices.c).
 */
#ifndef NXSIM_VIRT_H
#define NXSIM_VIRT_H

#define VIRT_UART_BASE     0x10000000ull
#define VIRT_UART_SIZE     0x100ull
#define VIRT_UART_IRQ      10u
#define VIRT_UART_CLOCK_HZ 3686400u
#define VIRT_TEST_BASE     0x100000ull
#define VIRT_PLIC_BASE     0xc000000ull
#define VIRT_PLIC_SIZE     0x600000ull
#define VIRT_PLIC_NDEV     96u
#define VIRT_VIRTIO_BASE   0x10001000ull
#define VIRT_VIRTIO_SIZE   0x1000ull
#define VIRT_VIRTIO_COUNT  8u
#define VIRT_VIRTIO_IRQ(i) (1u + (i))
#define VIRT_VIRTIO_VENDOR 0x554d4551u /* "QEMU", as QEMU's slots say */
#define VIRT_DRAM_BASE     0x80000000ull

#endif /* NXSIM_VIRT_H */
