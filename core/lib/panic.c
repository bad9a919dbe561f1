/*
 * panic.c - print one PANIC line and stop the machine (see nx/panic.h).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/limits.h"
#include "nx/boot.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"

/* How long a panicking hart waits for the console lock before writing anyway. */
#define NX_PANIC_CONSOLE_ATTEMPTS 100000u

/* Per hart (the last entry: a hart not yet known): set while it panics, so
 * a fault inside the panic path stops the machine instead of recursing. */
static atomic_uint panicking[NX_MAX_HARTS + 1u];

void nx_panic_reset(void)
{
    for (uint32_t i = 0; i <= NX_MAX_HARTS; i++)
        atomic_store_explicit(&panicking[i], 0u, memory_order_relaxed);
}

static _Noreturn void panic_v(nx_exit_code_t code, const char *fmt, va_list ap)
{
    bool known = nx_boot_stage() >= NX_BOOT_STAGE_MACHINE;
    uint32_t me = known ? nx_port_this_hart() : NX_MAX_HARTS;
    if (me > NX_MAX_HARTS || atomic_exchange_explicit(&panicking[me], 1u, memory_order_relaxed))
        nx_port_shutdown(code); /* panicking while panicking: no second line */
    char line[NX_PRINTK_MAX_LINE];
    size_t n = nx_snprintf(line, sizeof line, "PANIC: ");
    n += nx_vsnprintf(line + n, sizeof line - n, fmt, ap);
    /* The hart index is only known once the port is initialised. */
    if (n < sizeof line && known)
        n += nx_snprintf(line + n, sizeof line - n, " (hart %u)\n", me);
    else if (n < sizeof line)
        n += nx_snprintf(line + n, sizeof line - n, " (boot hart, early)\n");
    n = nx_printk_clip(line, n);
    bool locked = nx_printk_lock_bounded(NX_PANIC_CONSOLE_ATTEMPTS);
    nx_port_console_write(line, n);
    if (locked)
        nx_printk_unlock();
    nx_port_shutdown(code);
}

_Noreturn void nx_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_v(NX_EXIT_PANIC, fmt, ap);
}

_Noreturn void nx_panic_exit(nx_exit_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_v(code, fmt, ap);
}
