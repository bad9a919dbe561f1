/*
 * context.S - switching kernel thread contexts on one hart.
 *
 * A suspended context is its stack: the callee-saved registers (ra, s0-s11)
 * pushed on it, and the stack pointer kept in the context's first word.
 * The kernel is built without F/D, so there are no FP registers to keep;
 * tp stays with the hart (it points at the hart's local record), gp is
 * global.
 */
#define FRAME (14 * 8) /* ra, s0-s11, padding to 16 bytes */

    .text
    /* void rv_context_switch(uintptr_t *save_sp, uintptr_t load_sp) */
    .globl rv_context_switch
rv_context_switch:
    addi sp, sp, -FRAME
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    sd s6, 56(sp)
    sd s7, 64(sp)
    sd s8, 72(sp)
    sd s9, 80(sp)
    sd s10, 88(sp)
    sd s11, 96(sp)
    sd sp, 0(a0)
    mv sp, a1
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    ld s6, 56(sp)
    ld s7, 64(sp)
    ld s8, 72(sp)
    ld s9, 80(sp)
    ld s10, 88(sp)
    ld s11, 96(sp)
    addi sp, sp, FRAME
    ret

    /* First "return" of a new context (context.c laid out its frame):
     * s1 = the argument, s2 = the entry, s0 (the frame pointer) zero so a
     * backtrace ends here. The entry never returns. */
    .globl rv_context_start
rv_context_start:
    mv a0, s1
    jalr s2
1:  unimp
    j 1b
