/*
 * entry.S - first instructions of each hart, and the kernel stacks.
 *
 * OpenSBI (fw_dynamic) enters _start in S-mode on one hart with a0 = its
 * hart id and a1 = the device tree's physical address, paging off. Other
 * harts arrive at rv_secondary_start through SBI HSM with a0 = hart id and
 * a1 = the opaque value the boot hart passed: the logical index.
 */
#include "rv/hart.h"

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    csrw sie, zero
    csrci sstatus, 2                /* SIE off until the port opens a window */
    la t0, rv_trap_vector           /* a fault from here on gets a PANIC line */
    csrw stvec, t0
    mv tp, zero                     /* no hart-local record yet */
    la sp, rv_boot_stack_top
    /* Clear .bss (which holds the stacks); a0/a1 are kept for C. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call rv_boot_main
3:  wfi                             /* rv_boot_main never returns */
    j 3b

    .globl rv_secondary_start
rv_secondary_start:
    csrw sie, zero
    csrci sstatus, 2
    la t0, rv_trap_vector
    csrw stvec, t0
    mv tp, zero
    li t0, RV_MAX_HARTS
    bgeu a1, t0, 3b                 /* an index we never handed out: stop here */
    /* sp = top of rv_hart_stacks[a1] */
    la sp, rv_hart_stacks
    li t0, RV_STACK_BYTES
    addi t1, a1, 1
    mul t0, t0, t1
    add sp, sp, t0
    call rv_secondary_main
    j 3b

    .section .bss.stacks, "aw", @nobits
    .balign 16
rv_boot_stack:
    .space RV_STACK_BYTES
rv_boot_stack_top:
    .globl rv_hart_stacks
rv_hart_stacks:
    .space RV_STACK_BYTES * RV_MAX_HARTS
