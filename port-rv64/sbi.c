/*
 * sbi.c - SBI calls: ecall with the extension id in a7, function in a6.
 */
#include "rv/sbi.h"

static sbi_ret_t sbi_call4(uint32_t ext, uint32_t fid, uint64_t arg0, uint64_t arg1, uint64_t arg2,
                           uint64_t arg3)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a2 __asm__("a2") = arg2;
    register uint64_t a3 __asm__("a3") = arg3;
    register uint64_t a6 __asm__("a6") = fid;
    register uint64_t a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a6), "r"(a7) : "memory");
    sbi_ret_t ret = { (long)a0, (long)a1 };
    return ret;
}

static sbi_ret_t sbi_call(uint32_t ext, uint32_t fid, uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    return sbi_call4(ext, fid, arg0, arg1, arg2, 0);
}

bool sbi_probe(uint32_t ext)
{
    sbi_ret_t r = sbi_call(SBI_EXT_BASE, 3u, ext, 0, 0);
    return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_console_putchar(char c)
{
    /* Legacy extension 0x01: no function id, the character in a0. */
    (void)sbi_call(0x01u, 0u, (uint64_t)(unsigned char)c, 0, 0);
}

void sbi_set_timer(uint64_t ticks)
{
    (void)sbi_call(SBI_EXT_TIME, 0u, ticks, 0, 0);
}

sbi_ret_t sbi_send_ipi(uint64_t hartid)
{
    /* hart_mask = bit 0, hart_mask_base = hartid: exactly that hart. */
    return sbi_call(SBI_EXT_IPI, 0u, 1u, hartid, 0);
}

sbi_ret_t sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_mask_base, uint64_t start,
                                uint64_t size)
{
    /* RFENCE function 1; the firmware returns once every hart named has
     * fenced (OpenSBI waits for their acknowledgements). */
    return sbi_call4(SBI_EXT_RFENCE, 1u, hart_mask, hart_mask_base, start, size);
}

sbi_ret_t sbi_hart_start(uint64_t hartid, uint64_t start, uint64_t opaque)
{
    return sbi_call(SBI_EXT_HSM, 0u, hartid, start, opaque);
}

sbi_ret_t sbi_system_reset(uint32_t type, uint32_t reason)
{
    return sbi_call(SBI_EXT_SRST, 0u, type, reason, 0);
}
