/*
 * boot.c - the boot hart's first C code: a temporary hart-local record, then
 * core's boot (entry.S already installed the trap vector).
 */
#include "nx/bootinfo.h"
#include "nx/kernel.h"
#include "rv/csr.h"
#include "rv/frames.h"
#include "rv/hart.h"
#include "rv/trap.h"

/* tp target until nx_port_machine_init() knows the boot hart's index. */
static rv_hart_local_t boot_local;

uintptr_t rv_boot_dtb;

_Noreturn void rv_boot_main(uint64_t hartid, uintptr_t dtb);
_Noreturn void rv_boot_main(uint64_t hartid, uintptr_t dtb)
{
    boot_local.hartid = hartid;
    boot_local.logical = UINT32_MAX;
    rv_set_hart_local(&boot_local);
    rv_boot_dtb = dtb; /* the frame allocator keeps its pages out */
    /* The blob's size is unknown until its header is read: allow the
     * parser's bound; QEMU places the DTB at least 2 MiB below RAM's end. */
    nx_kernel_boot((const void *)dtb, NX_BOOTINFO_MAX_DTB_BYTES, hartid);
}
