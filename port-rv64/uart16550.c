/*
 * uart16550.c - polled 16550 output (see rv/uart.h).
 */
#include "rv/uart.h"

#define UART_THR 0u /* transmit holding register (write) */
#define UART_IER 1u /* interrupt enable */
#define UART_FCR 2u /* FIFO control (write) */
#define UART_LCR 3u /* line control */
#define UART_LSR 5u /* line status */

#define UART_LCR_8N1 0x03u
#define UART_FCR_ENABLE                                                                            \
    0x01u                   /* FIFOs on; not cleared: the firmware's last bytes may be in them     \
                             */
#define UART_LSR_THRE 0x20u /* transmit holding register empty */

/* Bounded wait for the transmitter: a UART that never drains loses a byte
 * rather than hanging the kernel. */
#define UART_MAX_POLLS 1000000u

static uintptr_t uart_base;
static uint32_t uart_shift;
static uint32_t uart_width;

static uint32_t reg_read(uint32_t reg)
{
    uintptr_t a = uart_base + ((uintptr_t)reg << uart_shift);
    if (uart_width == 4u)
        return *(volatile uint32_t *)a;
    return *(volatile uint8_t *)a;
}

static void reg_write(uint32_t reg, uint32_t v)
{
    uintptr_t a = uart_base + ((uintptr_t)reg << uart_shift);
    if (uart_width == 4u)
        *(volatile uint32_t *)a = v;
    else
        *(volatile uint8_t *)a = (uint8_t)v;
}

void rv_uart_init(uintptr_t base, uint32_t reg_shift, uint32_t io_width)
{
    uart_base = base;
    uart_shift = reg_shift;
    uart_width = io_width;
    reg_write(UART_IER, 0u);
    reg_write(UART_LCR, UART_LCR_8N1);
    reg_write(UART_FCR, UART_FCR_ENABLE);
}

void rv_uart_putc(char c)
{
    for (uint32_t i = 0; i < UART_MAX_POLLS; i++)
        if (reg_read(UART_LSR) & UART_LSR_THRE)
            break;
    reg_write(UART_THR, (uint8_t)c);
}
