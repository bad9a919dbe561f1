/*
 * rv/sbi.h - calls into the Supervisor Binary Interface (OpenSBI).
 *
 * Only the v0.2+ extensions the port uses, each probed once at machine
 * init, plus the legacy console putchar for output before the UART is
 * known.
 */
#ifndef RV_SBI_H
#define RV_SBI_H

#include <stdbool.h>
#include <stdint.h>

#define SBI_EXT_BASE   0x10u
#define SBI_EXT_TIME   0x54494d45u /* "TIME" */
#define SBI_EXT_IPI    0x735049u   /* "sPI" */
#define SBI_EXT_HSM    0x48534du   /* "HSM" */
#define SBI_EXT_RFENCE 0x52464e43u /* "RFNC" */
#define SBI_EXT_SRST   0x53525354u /* "SRST" */

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6

#define SBI_SRST_SHUTDOWN       0u
#define SBI_SRST_REASON_NONE    0u
#define SBI_SRST_REASON_FAILURE 1u

typedef struct sbi_ret {
    long error;
    long value;
} sbi_ret_t;

/* True when the firmware implements extension `ext`. */
bool sbi_probe(uint32_t ext);

/* Legacy console putchar: works before anything is set up. */
void sbi_console_putchar(char c);

/* Program this hart's timer to fire when time >= `ticks`; also clears a
 * pending timer interrupt. */
void sbi_set_timer(uint64_t ticks);

/* Raise a supervisor software interrupt on hardware hart `hartid`. */
sbi_ret_t sbi_send_ipi(uint64_t hartid);

/* sfence.vma [start, start + size) on the hardware harts of `hart_mask`
 * (bit i: hartid hart_mask_base + i); returns when all of them have. */
sbi_ret_t sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start,
                                uint64_t size);

/* Start hardware hart `hartid` at physical `start` with a1 = `opaque`. */
sbi_ret_t sbi_hart_start(uint64_t hartid, uint64_t start, uint64_t opaque);

/* Power the machine off; returns only when the firmware cannot. */
sbi_ret_t sbi_system_reset(uint32_t type, uint32_t reason);

#endif /* RV_SBI_H */
