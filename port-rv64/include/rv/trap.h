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

/* Called by trap.S with the saved frame; returns to the interrupted code. */
void rv_trap(rv_trap_frame_t *frame);

/* The trap vector (trap.S), installed in stvec on every hart. */
void rv_trap_vector(void);
#endif

#endif /* RV_TRAP_H */
