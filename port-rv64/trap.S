/*
 * trap.S - the S-mode trap vector and the way back to U-mode.
 *
 * sscratch says where a trap came from: it holds the hart's local record
 * (rv/hart.h) while the hart runs user code and 0 while it runs the kernel.
 * The vector swaps it with tp, so tp is the record (user code may have put
 * anything in tp and in every other register) and sscratch the user's tp;
 * or tp is 0, and the swap is undone.
 *
 * From the kernel: the registers are saved on the current stack (interrupts
 * are enabled only inside the port's interrupt window, so there is no
 * nesting), rv_trap() runs, the registers come back, sret.
 *
 * From U-mode: the user registers are saved in a frame at the top of the
 * current thread's kernel stack (the record's kstack_top, which each
 * context switch sets), sscratch becomes 0, and rv_trap_user() runs: the
 * system call, interrupt or fault, then nx_kernel_preempt(). The thread
 * may have moved to another hart by then: rv_user_return uses tp afresh
 * (in the kernel tp always belongs to the hart running the code).
 */
#include "rv/hart.h"
#include "rv/trap.h"

/* sstatus bits (rv/csr.h has them for C). */
#define SSTATUS_SIE  (1 << 1)
#define SSTATUS_SPIE (1 << 5)
#define SSTATUS_SPP  (1 << 8)
#define SSTATUS_VS   (3 << 9)
#define SSTATUS_FS   (3 << 13)
#define SSTATUS_SUM  (1 << 18)

/* x1, x3 and x5..x31 to and from their frame slots at sp (rv/trap.h);
 * sp (x2) and tp (x4) are each path's own business. */
.macro save_gprs
    sd x1, 1*8(sp)
    sd x3, 3*8(sp)
    .irp n, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    sd x\n, \n*8(sp)
    .endr
.endm

/* The trap's CSRs into the frame (t0 is scratch: save it first). */
.macro save_csrs
    csrr t0, sepc
    sd t0, RV_FRAME_SEPC(sp)
    csrr t0, sstatus
    sd t0, RV_FRAME_SSTATUS(sp)
    csrr t0, scause
    sd t0, RV_FRAME_SCAUSE(sp)
    csrr t0, stval
    sd t0, RV_FRAME_STVAL(sp)
.endm

.macro load_gprs
    ld x1, 1*8(sp)
    ld x3, 3*8(sp)
    .irp n, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld x\n, \n*8(sp)
    .endr
.endm

    .section .text
    .balign 4
    .globl rv_trap_vector
rv_trap_vector:
    csrrw tp, sscratch, tp
    bnez tp, .Lfrom_user
    csrrw tp, sscratch, tp       /* from the kernel: tp back, sscratch 0 again */

    addi sp, sp, -RV_FRAME_BYTES
    save_gprs
    sd x4, 4*8(sp)
    addi t0, sp, RV_FRAME_BYTES
    sd t0, 2*8(sp)               /* the interrupted sp */
    save_csrs

    mv a0, sp
    call rv_trap

    ld t0, RV_FRAME_SEPC(sp)
    csrw sepc, t0
    ld t0, RV_FRAME_SSTATUS(sp)
    csrw sstatus, t0
    load_gprs
    ld x4, 4*8(sp)
    addi sp, sp, RV_FRAME_BYTES
    sret

    /* From U-mode: tp = this hart's record, sscratch = the user's tp. */
.Lfrom_user:
    sd sp, RV_HL_USER_SP(tp)
    ld sp, RV_HL_KSTACK_TOP(tp)
    beqz sp, .Lno_kstack
    addi sp, sp, -RV_FRAME_BYTES
    save_gprs
    ld t0, RV_HL_USER_SP(tp)
    sd t0, 2*8(sp)
    csrrw t0, sscratch, zero     /* the user's tp; from here a trap is the kernel's */
    sd t0, 4*8(sp)
    save_csrs
    mv s0, zero                  /* a backtrace ends here */

    mv a0, sp
    call rv_trap_user
    mv a0, sp
    j rv_user_return

    /* A U-mode trap on a hart whose current thread has no kernel stack of
     * its own (a hart's idle thread, which never enters user mode): a
     * kernel bug. Panic on a stack kept for this alone. */
.Lno_kstack:
    csrw sscratch, zero
    la sp, .Lemergency_stack_top
    call rv_trap_no_kstack
1:  wfi
    j 1b

    /*
     * _Noreturn void rv_user_return(const rv_trap_frame_t *frame): continue
     * the current thread in U-mode with the registers of `frame` (x1..x31,
     * sepc; sstatus is made here), on this hart (tp). Interrupts are off.
     */
    .globl rv_user_return
rv_user_return:
    csrci sstatus, SSTATUS_SIE
    mv sp, a0
    ld t0, RV_FRAME_SEPC(sp)
    csrw sepc, t0
    /* sret to U-mode (SPP 0) with interrupts on (SPIE 1), no kernel access
     * to user pages (SUM 0), and no FP or vector state: those instructions
     * trap as illegal (the port saves no FP or vector registers). */
    li t0, SSTATUS_SPP | SSTATUS_SUM | SSTATUS_FS | SSTATUS_VS
    csrc sstatus, t0
    li t0, SSTATUS_SPIE
    csrs sstatus, t0
    csrw sscratch, tp            /* the next trap finds this hart's record */
    load_gprs
    ld x4, 4*8(sp)
    ld x2, 2*8(sp)
    sret

    .section .bss
    .balign 16
    .space 4096
.Lemergency_stack_top:
