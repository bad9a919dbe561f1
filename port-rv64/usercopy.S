/*
 * usercopy.S - bool rv_user_copy(void *dst, const void *src, size_t len):
 * the kernel's only access to user memory (rv/usercopy.h).
 *
 * sstatus.SUM is set on entry and cleared on the way out, so no other
 * code ever runs with user pages reachable. Every load and store between
 * rv_user_copy and rv_user_copy_end may fault: a user page another hart
 * unmapped after the caller's page walk. rv_trap (trap.c) recognises
 * such a fault by its sepc and its user stval, clears SUM in the saved
 * sstatus and resumes at rv_user_copy_fixup with every register as the
 * fault left it (ra still the caller's: this is a leaf with no frame),
 * which returns false.
 *
 * Both pointers 8-byte aligned: 32 bytes per iteration (four loads, then
 * four stores), then single words; the tail, or everything when either
 * pointer is unaligned, byte by byte. The word loads and stores are
 * aligned, so none traps as misaligned.
 */

#define SSTATUS_SUM (1 << 18)

    .section .text
    .balign 4
    .globl rv_user_copy
    .type rv_user_copy, @function
rv_user_copy:
    li t6, SSTATUS_SUM
    csrs sstatus, t6
    or t0, a0, a1
    andi t0, t0, 7
    bnez t0, .Lbytes
    li t1, 32
    bltu a2, t1, .Lwords
.Lblocks:
    ld t2, 0(a1)
    ld t3, 8(a1)
    ld t4, 16(a1)
    ld t5, 24(a1)
    sd t2, 0(a0)
    sd t3, 8(a0)
    sd t4, 16(a0)
    sd t5, 24(a0)
    addi a1, a1, 32
    addi a0, a0, 32
    addi a2, a2, -32
    bgeu a2, t1, .Lblocks
.Lwords:
    li t1, 8
    bltu a2, t1, .Lbytes
1:  ld t2, 0(a1)
    sd t2, 0(a0)
    addi a1, a1, 8
    addi a0, a0, 8
    addi a2, a2, -8
    bgeu a2, t1, 1b
.Lbytes:
    beqz a2, .Ldone
2:  lbu t2, 0(a1)
    sb t2, 0(a0)
    addi a1, a1, 1
    addi a0, a0, 1
    addi a2, a2, -1
    bnez a2, 2b
.Ldone:
    csrc sstatus, t6
    li a0, 1
    ret
    .globl rv_user_copy_end
rv_user_copy_end:

    /* A recovered fault: rv_trap already cleared SUM in the sstatus sret
     * restored; clearing it here as well keeps the routine's promise on
     * its own. */
    .globl rv_user_copy_fixup
rv_user_copy_fixup:
    li t6, SSTATUS_SUM
    csrc sstatus, t6
    li a0, 0
    ret
    .size rv_user_copy, . - rv_user_copy
