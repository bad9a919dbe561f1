/*
 * panic.c - print one PANIC line and stop the machine (see nx/panic.h).
 */
#include <stdarg.h>
#include <stdbool.h>

#include "nx/boot.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"

/* How long a panicking hart waits for the console lock before writing anyway. */
#define NX_PANIC_CONSOLE_ATTEMPTS 100000u

static _Noreturn void panic_v(nx_exit_code_t code, const char *fmt, va_list ap)
{
    char line[NX_PRINTK_MAX_LINE];
    size_t n = nx_snprintf(line, sizeof line, "PANIC: ");
    n += nx_vsnprintf(line + n, sizeof line - n, fmt, ap);
    /* The hart index is only known once the port is initialised. */
    if (n < sizeof line && nx_boot_stage() >= NX_BOOT_STAGE_MACHINE)
        n += nx_snprintf(line + n, sizeof line - n, " (hart %u)\n", nx_port_this_hart());
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
