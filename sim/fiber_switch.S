/*
 * fiber_switch.S - switch between simulator fibers without a system call.
 *
 *   void nx_fiber_switch_stack(void **save_sp, void *load_sp)
 *
 * Pushes the callee-saved registers of the calling ABI on the current stack,
 * stores the stack pointer in *save_sp, loads load_sp, pops the registers
 * saved there and returns into the other fiber. A new fiber's stack is
 * prepared by fiber.c so that this "returns" into nx_fiber_trampoline.
 * glibc's swapcontext would also save the signal mask: one rt_sigprocmask
 * system call per switch, which the simulator cannot afford.
 */
#if defined(__x86_64__)

/* SysV x86-64: rbx, rbp, r12-r15, plus the MXCSR and x87 control words. */
    .text
    .globl nx_fiber_switch_stack
    .type nx_fiber_switch_stack, @function
nx_fiber_switch_stack:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size nx_fiber_switch_stack, .-nx_fiber_switch_stack

/* First code of a new fiber: entered by the `ret` above with the stack as
 * after a call, so the C entry sees an ABI-aligned stack. */
    .globl nx_fiber_trampoline
    .type nx_fiber_trampoline, @function
nx_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    call nx_fiber_start
    ud2
    .cfi_endproc
    .size nx_fiber_trampoline, .-nx_fiber_trampoline

#elif defined(__aarch64__)

/* AAPCS64: x19-x28, x29 (frame pointer), x30 (link register), d8-d15. */
    .text
    .globl nx_fiber_switch_stack
    .type nx_fiber_switch_stack, %function
nx_fiber_switch_stack:
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    ret
    .size nx_fiber_switch_stack, .-nx_fiber_switch_stack

    .globl nx_fiber_trampoline
    .type nx_fiber_trampoline, %function
nx_fiber_trampoline:
    mov x29, #0
    bl nx_fiber_start
    brk #0
    .size nx_fiber_trampoline, .-nx_fiber_trampoline

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#endif
