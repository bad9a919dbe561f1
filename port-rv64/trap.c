/*
 * trap.c - what a trap means: an interrupt for core, or a kernel fault.
 *
 * Interrupts are acknowledged here (the port's job) and handed to core's
 * nx_kernel_*_interrupt(). Any exception taken from kernel code is a kernel
 * bug: PANIC with its cause, sepc, stval and the hart (nx_panic adds the
 * hart), ending QEMU with a failure status.
 */
#include "nx/kernel.h"
#include "nx/panic.h"
#include "rv/csr.h"
#include "rv/hart.h"
#include "rv/sbi.h"
#include "rv/trap.h"

static const char *exception_name(uint64_t cause)
{
    static const char *const names[] = {
        "instruction address misaligned",
        "instruction access fault",
        "illegal instruction",
        "breakpoint",
        "load address misaligned",
        "load access fault",
        "store/AMO address misaligned",
        "store/AMO access fault",
        "environment call from U-mode",
        "environment call from S-mode",
        "reserved (10)",
        "reserved (11)",
        "instruction page fault",
        "load page fault",
        "reserved (14)",
        "store/AMO page fault",
    };
    return cause < sizeof names / sizeof names[0] ? names[cause] : "unknown exception";
}

/* The trapping hart's hardware id, or UINT64_MAX this early in its boot. */
static unsigned long long trapping_hartid(void)
{
    const rv_hart_local_t *l = rv_hart_local();
    return l != NULL ? (unsigned long long)l->hartid : ~0ull;
}

void rv_trap(rv_trap_frame_t *frame)
{
    uint64_t cause = frame->scause;
    if (cause & RV_SCAUSE_INTERRUPT) {
        uint64_t irq = cause & ~RV_SCAUSE_INTERRUPT;
        if (irq == RV_IRQ_SSI) {
            rv_csr_clear(sip, RV_SIE_SSIE); /* acknowledge before running the handler */
            nx_kernel_ipi_interrupt();
            return;
        }
        if (irq == RV_IRQ_STI) {
            sbi_set_timer(UINT64_MAX); /* one-shot: disarm, which also clears STIP */
            nx_kernel_timer_interrupt();
            return;
        }
        if (irq == RV_IRQ_SEI) {
            nx_kernel_external_interrupt(); /* claiming acknowledges: SEIP follows the PLIC */
            return;
        }
        nx_panic("unexpected interrupt %llu at sepc 0x%llx on hartid %llu", (unsigned long long)irq,
                 (unsigned long long)frame->sepc, trapping_hartid());
    }
    nx_panic("kernel trap: %s (scause %llu) at sepc 0x%llx, stval 0x%llx on hartid %llu",
             exception_name(cause), (unsigned long long)cause, (unsigned long long)frame->sepc,
             (unsigned long long)frame->stval, trapping_hartid());
}
