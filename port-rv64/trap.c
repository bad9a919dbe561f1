/*
 * trap.c - what a trap means: an interrupt for core, a system call, a user
 * program's fault, or a kernel fault.
 *
 * Interrupts are acknowledged here (the port's job) and handed to core's
 * nx_kernel_*_interrupt(), whether they interrupted the kernel (inside its
 * interrupt window) or a user program. Any exception taken from kernel code
 * is a kernel bug: PANIC with its cause, sepc, stval and the hart (nx_panic
 * adds the hart), ending QEMU with a failure status. The one exception: a
 * page or access fault on a user address inside the user-copy routine
 * (usercopy.S, a page another hart unmapped after the copy's page walk)
 * resumes at the routine's fixup, and the copy fails with
 * NX_ERR_BAD_ADDRESS. An exception taken from U-mode is the program's:
 * core ends its task (no PANIC), except a page fault on a page the active
 * space does map with the permission the access needs, which is a stale
 * TLB entry (a page another hart mapped while this one ran the space):
 * flush and retry.
 */
#include "nx/kernel.h"
#include "nx/panic.h"
#include "nx/syscall.h"
#include "rv/csr.h"
#include "rv/hart.h"
#include "rv/sbi.h"
#include "rv/trap.h"
#include "rv/usercopy.h"
#include "rv/vm.h"

/* Exception causes (scause without the interrupt bit). */
#define RV_EXC_FETCH_MISALIGNED 0u
#define RV_EXC_FETCH_ACCESS     1u
#define RV_EXC_ILLEGAL          2u
#define RV_EXC_BREAKPOINT       3u
#define RV_EXC_LOAD_MISALIGNED  4u
#define RV_EXC_LOAD_ACCESS      5u
#define RV_EXC_STORE_MISALIGNED 6u
#define RV_EXC_STORE_ACCESS     7u
#define RV_EXC_ECALL_U          8u
#define RV_EXC_FETCH_PAGE       12u
#define RV_EXC_LOAD_PAGE        13u
#define RV_EXC_STORE_PAGE       15u

/* Registers of the system call ABI (docs/abi/syscalls.md). */
#define REG_A0 10u
#define REG_A1 11u
#define REG_A7 17u

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

/* Acknowledge interrupt `irq` and run core's handler; false: not one the
 * port enables. */
static bool take_interrupt(uint64_t irq)
{
    if (irq == RV_IRQ_SSI) {
        rv_csr_clear(sip, RV_SIE_SSIE); /* acknowledge before running the handler */
        nx_kernel_ipi_interrupt();
        return true;
    }
    if (irq == RV_IRQ_STI) {
        sbi_set_timer(UINT64_MAX); /* one-shot: disarm, which also clears STIP */
        nx_kernel_timer_interrupt();
        return true;
    }
    if (irq == RV_IRQ_SEI) {
        nx_kernel_external_interrupt(); /* claiming acknowledges: SEIP follows the PLIC */
        return true;
    }
    return false;
}

static uint64_t user_copy_faults; /* recovered, for the self-check */

uint64_t rv_user_copy_faults(void)
{
    return __atomic_load_n(&user_copy_faults, __ATOMIC_RELAXED);
}

/*
 * A kernel exception that rv_user_copy may take: a load or store page or
 * access fault at an instruction of the routine, on a user address (the
 * caller's walk saw the page, another hart has unmapped it since). Then
 * the trap returns to the routine's fixup, which returns false, with SUM
 * off. A fault on the kernel side of the copy (a bad kernel buffer) is not
 * recovered. Nothing is retried (no stale-TLB check as for U-mode faults):
 * the copy fenced after its walk, so a fault there means the page is gone.
 */
static bool user_copy_fault(rv_trap_frame_t *f)
{
    switch (f->scause) {
    case RV_EXC_LOAD_PAGE:
    case RV_EXC_STORE_PAGE:
    case RV_EXC_LOAD_ACCESS:
    case RV_EXC_STORE_ACCESS:
        break;
    default:
        return false;
    }
    if (f->sepc < (uintptr_t)rv_user_copy || f->sepc >= (uintptr_t)rv_user_copy_end ||
        f->stval < RV_USER_BASE || f->stval >= RV_USER_TOP)
        return false;
    f->sepc = (uintptr_t)rv_user_copy_fixup;
    f->sstatus &= ~RV_SSTATUS_SUM;
    __atomic_fetch_add(&user_copy_faults, 1u, __ATOMIC_RELAXED);
    return true;
}

void rv_trap(rv_trap_frame_t *frame)
{
    uint64_t cause = frame->scause;
    if (cause & RV_SCAUSE_INTERRUPT) {
        uint64_t irq = cause & ~RV_SCAUSE_INTERRUPT;
        if (take_interrupt(irq))
            return;
        nx_panic("unexpected interrupt %llu at sepc 0x%llx on hartid %llu", (unsigned long long)irq,
                 (unsigned long long)frame->sepc, trapping_hartid());
    }
    if (user_copy_fault(frame))
        return;
    nx_panic("kernel trap: %s (scause %llu) at sepc 0x%llx, stval 0x%llx on hartid %llu",
             exception_name(cause), (unsigned long long)cause, (unsigned long long)frame->sepc,
             (unsigned long long)frame->stval, trapping_hartid());
}

/*
 * A user page fault (address in stval): true when the active space maps
 * the page with `need` (so the TLB held a stale entry; flushed now, the
 * access is to be retried). The same fault twice in a row on this hart, with the same
 * space active (activation forgets it), is the program's: after the flush
 * the hardware walks the tables the software walk read.
 */
static bool stale_tlb(const rv_trap_frame_t *f, uint64_t need)
{
    rv_hart_local_t *l = rv_hart_local();
    if (!rv_user_page_mapped((uintptr_t)f->stval, need))
        return false;
    if (l->retried_pc == f->sepc && l->retried_addr == f->stval)
        return false;
    l->retried_pc = f->sepc;
    l->retried_addr = f->stval;
    rv_sfence_vma();
    return true;
}

/* An exception from U-mode: returns only when the access is to be retried. */
static void user_exception(const rv_trap_frame_t *f)
{
    uintptr_t pc = (uintptr_t)f->sepc, addr = (uintptr_t)f->stval;
    switch (f->scause) {
    case RV_EXC_FETCH_PAGE:
        if (stale_tlb(f, RV_PTE_X))
            return;
        nx_kernel_user_fault(NX_USER_FAULT_PAGE, addr, pc);
    case RV_EXC_LOAD_PAGE:
        if (stale_tlb(f, RV_PTE_R))
            return;
        nx_kernel_user_fault(NX_USER_FAULT_PAGE, addr, pc);
    case RV_EXC_STORE_PAGE:
        if (stale_tlb(f, RV_PTE_W))
            return;
        nx_kernel_user_fault(NX_USER_FAULT_PAGE, addr, pc);
    case RV_EXC_FETCH_ACCESS:
    case RV_EXC_LOAD_ACCESS:
    case RV_EXC_STORE_ACCESS:
        nx_kernel_user_fault(NX_USER_FAULT_PAGE, addr, pc);
    case RV_EXC_FETCH_MISALIGNED:
    case RV_EXC_LOAD_MISALIGNED:
    case RV_EXC_STORE_MISALIGNED:
        nx_kernel_user_fault(NX_USER_FAULT_MISALIGNED, addr, pc);
    case RV_EXC_BREAKPOINT:
        nx_kernel_user_fault(NX_USER_FAULT_BREAKPOINT, pc, pc);
    default:
        /* An illegal or privileged instruction (stval: its bits, or 0), or
         * a cause this port does not know: where the program was. */
        nx_kernel_user_fault(NX_USER_FAULT_ILLEGAL, pc, pc);
    }
}

void rv_trap_user(rv_trap_frame_t *frame)
{
    uint64_t cause = frame->scause;
    if (cause & RV_SCAUSE_INTERRUPT) {
        uint64_t irq = cause & ~RV_SCAUSE_INTERRUPT;
        if (!take_interrupt(irq))
            nx_panic("unexpected interrupt %llu from U-mode at sepc 0x%llx on hartid %llu",
                     (unsigned long long)irq, (unsigned long long)frame->sepc, trapping_hartid());
    } else if (cause == RV_EXC_ECALL_U) {
        frame->sepc += 4u; /* past the ecall (never compressed) */
        /* A number above 32 bits is no call at all, never a truncated one.
         * The arguments a0..a5 are x10..x15: read in place. */
        uint64_t nr = frame->x[REG_A7];
        nx_syscall_ret_t r =
            nx_kernel_syscall(nr <= UINT32_MAX ? (uint32_t)nr : UINT32_MAX, &frame->x[REG_A0]);
        frame->x[REG_A0] = (uint64_t)r.status;
        frame->x[REG_A1] = r.value;
    } else {
        user_exception(frame);
    }
    /* Perhaps another thread runs here first, and this one continues on
     * another hart: rv_user_return reads tp afresh. */
    nx_kernel_preempt();
}

_Noreturn void rv_trap_no_kstack(void)
{
    nx_panic("rv64: trap from U-mode (scause %llu, sepc 0x%llx) with no kernel stack on hartid "
             "%llu",
             (unsigned long long)rv_csr_read(scause), (unsigned long long)rv_csr_read(sepc),
             trapping_hartid());
}
