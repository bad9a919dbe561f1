/*
 * rv/trap.h - the register frame trap.S saves, and the C trap handler.
 */
#ifndef RV_TRAP_H
#define RV_TRAP_H

/* Byte offsets in the frame, shared with trap.S: x1..x31 at 8*i, then CSRs. */
#define RV_FRAME_SEPC    (32 * 8)
#define RV_FRAME_SSTATUS (33 * 8)
#define RV_FRAME_SCAUSE  (34 * 8)
#define RV_FRAME_STVAL   (35 * 8)
#define RV_FRAME_BYTES   (36 * 8)

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef struct rv_trap_frame {
    uint64_t x[32]; /* x[0] unused; x[2] is the interrupted sp */
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
} rv_trap_frame_t;

_Static_assert(sizeof(rv_trap_frame_t) == RV_FRAME_BYTES, "trap.S and rv_trap_frame_t disagree");

/* Called by trap.S with the saved frame of a trap from the kernel;
 * returns to the interrupted code. */
void rv_trap(rv_trap_frame_t *frame);

/* Called by trap.S with the frame of a trap from U-mode (at the top of the
 * thread's kernel stack): the system call, interrupt or fault, then
 * nx_kernel_preempt(). Returns to continue the thread in U-mode with the
 * frame (perhaps on another hart); a fault never returns. */
void rv_trap_user(rv_trap_frame_t *frame);

/* A trap from U-mode on a hart with no kernel stack for it: panics. */
_Noreturn void rv_trap_no_kstack(void);

/* Continue the current thread in U-mode with the registers of `frame`
 * (x1..x31 and sepc), on the calling hart: trap.S. Interrupts off. */
_Noreturn void rv_user_return(const rv_trap_frame_t *frame);

/* The trap vector (trap.S), installed in stvec on every hart. */
void rv_trap_vector(void);
#endif

#endif /* RV_TRAP_H */
