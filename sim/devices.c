/*
 * devices.c - the simulated machine's device models, as a program's
 * device mapping reaches them (nx_sim_mmio_read/write, through
 * nx_sim_bus_access). Deterministic: a register answers from the model's
 * state alone, and what a device puts out (the UART's bytes) goes into
 * the console stream, which recordings and replays compare.
 *
 * The 16550 (VIRT_UART_BASE, byte registers 1 apart, as QEMU virt's):
 * transmit goes out at once (the line status always says the holding
 * register is empty), so with the transmit-empty interrupt enabled (IER
 * bit 1) the UART raises its source when that is enabled and after each
 * byte, and IIR reports it once (reading IIR clears it, as on a 16550);
 * nothing is ever received yet; the registers a driver programs (IER,
 * LCR, MCR, SCR, the divisor latch) keep what it writes. A raise goes
 * through the injections (sim/inject.c): a failed source loses it, a
 * delayed one comes late.
 *
 * The virtio-mmio slots (VIRT_VIRTIO_BASE, 32-bit registers): the last
 * holds the virtio-blk disk when the run has one (virtio_blk.c); the
 * others are empty slots in the legacy layout QEMU 7.2 offers by default
 * (magic, version 1, device id 0, vendor "QEMU"); writes are taken and
 * dropped.
 */
#include <string.h>

#include "machine.h"
#include "nexus/virtio_mmio.h"
#include "nx/port.h"
#include "nxsim/program.h"
#include "virt.h"

enum {
    UART_RBR_THR = 0, /* receive / transmit holding; divisor low with DLAB */
    UART_IER = 1,     /* interrupt enable; divisor high with DLAB */
    UART_IIR_FCR = 2, /* interrupt identification / FIFO control */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};
#define UART_LCR_DLAB 0x80u
#define UART_LSR_THRE 0x20u /* the holding register is empty */
#define UART_LSR_TEMT 0x40u /* and so is the transmitter */
#define UART_IIR_NONE 0x01u /* no interrupt pending */
#define UART_IIR_THRE 0x02u /* the transmit holding register is empty */
#define UART_IER_THRE 0x02u

/* The transmit holding register is empty again: interrupt if enabled. */
static void uart_thre(sim_machine_t *m)
{
    if ((m->uart.ier & UART_IER_THRE) == 0u)
        return;
    m->uart.thre_pending = true;
    (void)nx_sim_inject_raise(m, VIRT_UART_IRQ);
}

static bool uart_access(sim_machine_t *m, uint64_t reg, bool write, uint64_t *value)
{
    sim_uart_t *u = &m->uart;
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0u;
    uint8_t v = (uint8_t)*value;
    if (write) {
        switch (reg) {
        case UART_RBR_THR:
            if (dlab) {
                u->dll = v;
            } else {
                nx_port_console_write((const char *)&v, 1);
                uart_thre(m);
            }
            break;
        case UART_IER:
            if (dlab) {
                u->dlm = v;
            } else {
                bool was = (u->ier & UART_IER_THRE) != 0u;
                u->ier = v & 0x0fu;
                if (!was)
                    uart_thre(m);
            }
            break;
        case UART_LCR:
            u->lcr = v;
            break;
        case UART_MCR:
            u->mcr = v & 0x1fu;
            break;
        case UART_SCR:
            u->scr = v;
            break;
        default: /* FCR, and the read-only LSR and MSR: taken, ignored */
            break;
        }
        return true;
    }
    static const uint8_t fixed[8] = {
        [UART_IIR_FCR] = UART_IIR_NONE, [UART_LSR] = UART_LSR_THRE | UART_LSR_TEMT
    };
    uint8_t r = fixed[reg];
    if (reg == UART_IIR_FCR && u->thre_pending && (u->ier & UART_IER_THRE) != 0u) {
        r = UART_IIR_THRE;
        u->thre_pending = false;
    } else if (reg == UART_RBR_THR && dlab)
        r = u->dll;
    else if (reg == UART_IER)
        r = dlab ? u->dlm : u->ier;
    else if (reg == UART_LCR)
        r = u->lcr;
    else if (reg == UART_MCR)
        r = u->mcr;
    else if (reg == UART_SCR)
        r = u->scr;
    *value = r;
    return true;
}

static bool virtio_access(uint64_t reg, bool write, uint64_t *value)
{
    if (write)
        return true;
    *value = reg == NX_VIO_MAGIC     ? NX_VIO_MAGIC_VALUE
             : reg == NX_VIO_VERSION ? 1u /* legacy */
             : reg == NX_VIO_VENDOR  ? VIRT_VIRTIO_VENDOR
                                     : 0u; /* device id 0: no device in the slot */
    return true;
}

bool nx_sim_bus_access(sim_machine_t *m, uint64_t pa, uint32_t width, bool write, uint64_t *value)
{
    if (pa >= VIRT_UART_BASE && pa < VIRT_UART_BASE + VIRT_UART_SIZE)
        return width == 1u && pa - VIRT_UART_BASE < 8u &&
               uart_access(m, pa - VIRT_UART_BASE, write, value);
    uint64_t end = VIRT_VIRTIO_BASE + VIRT_VIRTIO_COUNT * VIRT_VIRTIO_SIZE;
    if (pa >= VIRT_VIRTIO_BASE && pa < end) {
        uint64_t slot = (pa - VIRT_VIRTIO_BASE) / VIRT_VIRTIO_SIZE;
        uint64_t reg = (pa - VIRT_VIRTIO_BASE) % VIRT_VIRTIO_SIZE;
        if (width != 4u)
            return false;
        if (slot == nx_sim_blk_slot() && m->blk.present)
            return nx_sim_blk_access(m, reg, write, value);
        return virtio_access(reg, write, value);
    }
    return false;
}
