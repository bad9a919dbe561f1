/*
 * entry.S - first instructions of each hart, and the kernel stacks.
 *
 * OpenSBI (fw_dynamic) enters _start in S-mode on one hart with a0 = its
 * hart id and a1 = the device tree's physical address, paging off. Other
 * harts arrive at rv_secondary_start through SBI HSM with a0 = hart id and
 * a1 = the opaque value the boot hart passed: the logical index.
 *
 * Except sometimes: OpenSBI v1.1 (QEMU 7.2's -bios default) marks a hart
 * START_PENDING in sbi_hsm_hart_start() before it stores that hart's start
 * address, opaque and mode (later OpenSBI stores them first). The hart polls
 * for START_PENDING, so if the caller stalls in between, the hart jumps with
 * fw_dynamic's stale values: _start, a1 = the device tree. Only the first
 * arrival at _start may boot (clear .bss, take rv_boot_stack); a later one
 * is a started hart that lost its opaque: it finds its logical index from
 * its hart id in rv_hart_start_ids[], which nx_port_hart_start() fills
 * before the SBI call.
 */
#include "rv/hart.h"

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    la t0, rv_entry_claimed         /* .data: .bss is not cleared yet */
    li t1, 1
    amoswap.w.aqrl t1, t1, (t0)
    bnez t1, .Llate_entry
    csrw sie, zero
    csrci sstatus, 2                /* SIE off until the port opens a window */
    la t0, rv_trap_vector           /* a fault from here on gets a PANIC line */
    csrw stvec, t0
    csrw sscratch, zero             /* in the kernel (trap.S) */
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

    /* A started hart that OpenSBI sent to _start, or here with a stale a1
     * (see the top). Leave .bss and rv_boot_stack alone: look up a0 in
     * rv_hart_start_ids[]; a hart we never asked to start stops here. */
.Llate_entry:
    csrw sie, zero
    csrci sstatus, 2
    fence rw, rw                    /* read the ids after our START_PENDING */
    la t0, rv_hart_start_ids
    li a1, 0
    li t2, RV_MAX_HARTS
    addi t3, a0, 1                  /* entries hold hart id + 1; 0 = none */
.Llate_scan:
    bgeu a1, t2, .Llate_park        /* never asked to start: stay out */
    ld t4, 0(t0)
    beq t4, t3, rv_secondary_start
    addi t0, t0, 8
    addi a1, a1, 1
    j .Llate_scan
.Llate_park:
    wfi
    j .Llate_park

    .globl rv_secondary_start
rv_secondary_start:
    csrw sie, zero
    csrci sstatus, 2
    la t0, rv_trap_vector
    csrw stvec, t0
    csrw sscratch, zero             /* in the kernel (trap.S) */
    mv tp, zero
    li t0, RV_MAX_HARTS
    bgeu a1, t0, .Llate_entry       /* not an index we hand out: look up a0 */
    /* sp = top of rv_hart_stacks[a1] */
    la sp, rv_hart_stacks
    li t0, RV_STACK_BYTES
    addi t1, a1, 1
    mul t0, t0, t1
    add sp, sp, t0
    call rv_secondary_main
    j 3b

    .section .data
    .balign 4
rv_entry_claimed:                   /* set by the first hart into _start */
    .word 0

    .section .bss.stacks, "aw", @nobits
    .balign 16
rv_boot_stack:
    .space RV_STACK_BYTES
rv_boot_stack_top:
    .globl rv_hart_stacks
rv_hart_stacks:
    .space RV_STACK_BYTES * RV_MAX_HARTS
