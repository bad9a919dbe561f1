/*
 * rv/uart.h - polled output on a 16550-compatible UART (QEMU virt's console).
 */
#ifndef RV_UART_H
#define RV_UART_H

#include <stdint.h>

/* Use the UART at `base`: registers 1 << reg_shift bytes apart, accessed
 * io_width (1 or 4) bytes wide. Disables its interrupts, sets 8N1, FIFOs on
 * (without clearing them). */
void rv_uart_init(uintptr_t base, uint32_t reg_shift, uint32_t io_width);

/* Write one byte, waiting while the transmit holding register is full. */
void rv_uart_putc(char c);

#endif /* RV_UART_H */
