/*
 * registers.S - probes for the registers test (registers.c): fill every
 * user register but sp with a pattern of its own number, let the kernel
 * run (an ecall, or a spin that only an interrupt can end), then check each
 * register still holds its pattern. Returns 0, or the number of the first
 * register that changed (2 for sp).
 *
 *   uint64_t rv_regs_across_ecall(uint64_t nr)         a0, a1 are results
 *   uint64_t rv_regs_across_spin(volatile uint32_t *f) spins until *f != 0
 *                                                      (a0, a1 its own)
 */
#define PATTERN(n) (0x5a00000000000000 + (n) * 0x0101010101)

/* Save what the caller expects back (ra, gp, tp, s0-s11) and sp itself. */
.macro enter
    addi sp, sp, -256
    sd ra, 0(sp)
    sd gp, 8(sp)
    sd tp, 16(sp)
    .irp n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
    sd x\n, (\n * 8)(sp)
    .endr
    la t0, saved_sp
    sd sp, 0(t0)
.endm

.macro leave
    ld ra, 0(sp)
    ld gp, 8(sp)
    ld tp, 16(sp)
    .irp n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
    ld x\n, (\n * 8)(sp)
    .endr
    addi sp, sp, 256
    ret
.endm

/* Compare x\n with its pattern; a0 and a1 are the scratch registers. */
.macro check n
    li a0, PATTERN(\n)
    li a1, \n
    bne x\n, a0, 1f
.endm

.macro check_all
    .irp n, 1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    check \n
    .endr
    la a0, saved_sp
    ld a0, 0(a0)
    li a1, 2
    bne sp, a0, 1f
    li a1, 0
1:  mv a0, a1
.endm

    .text
    .globl rv_regs_across_ecall
rv_regs_across_ecall:
    enter
    .irp n, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    li x\n, PATTERN(\n)
    .endr
    la a7, saved_nr
    sd a0, 0(a7)
    mv a7, a0
    li a0, PATTERN(10)
    ecall
    la a0, saved_nr     /* a7 holds the number, not a pattern */
    ld a0, 0(a0)
    li a1, 17
    bne a7, a0, 1f
    li a7, PATTERN(17)
    check_all
    leave

    .globl rv_regs_across_spin
rv_regs_across_spin:
    enter
    .irp n, 1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    li x\n, PATTERN(\n)
    .endr
2:  lw a1, 0(a0)
    beqz a1, 2b
    check_all
    leave

    .bss
    .balign 8
saved_sp:
    .space 8
saved_nr:
    .space 8
