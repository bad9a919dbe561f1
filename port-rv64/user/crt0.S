/*
 * crt0.S - where every rv64 user program starts. The kernel enters it in
 * U-mode with a0 = the program's argument and sp = the top of its first
 * thread's stack (nx_port_enter_user); threads a program makes start at
 * their own function instead. Returning from the program exits with 0.
 */
#define NX_SYS_THREAD_EXIT 4

    .section .text.start, "ax", @progbits
    .globl _start
_start:
    mv s0, zero                 /* the frame chain ends here */
    call nx_program_main
    li a0, 0
    li a7, NX_SYS_THREAD_EXIT
    ecall
1:  j 1b                        /* exit does not return */
