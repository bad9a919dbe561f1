/*
 * nx/printk.h - formatted console output for the kernel.
 *
 * A small freestanding formatter (no libc): %d %i %u %x %X %c %s %p %%, with
 * the l, ll, z length modifiers, '-' and '0' flags and a field width. Each
 * nx_printk() call formats into a bounded line buffer and writes it to the
 * console under one lock, so lines from different harts never interleave.
 */
#ifndef NX_PRINTK_H
#define NX_PRINTK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest text one nx_printk() call writes; longer output is cut with "...". */
#define NX_PRINTK_MAX_LINE 256u

/*
 * Format into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have had, like C's snprintf; output beyond size-1
 * bytes is dropped.
 */
size_t nx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t nx_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * `line` holds NX_PRINTK_MAX_LINE bytes formatted by nx_vsnprintf, which
 * reported `wanted` bytes. Returns the length to write; when text was cut,
 * the line now ends with "...\n" so the cut is visible.
 */
size_t nx_printk_clip(char *line, size_t wanted);

/* Format and write to the console as one unit. */
void nx_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write bytes as they are (a user program's debug output) under the
 * console lock. */
void nx_console_write_raw(const char *buf, size_t len);

/* Reset the console lock; core reset only. */
void nx_printk_reset(void);

/* For nx_panic() only: take the console lock within `attempts` tries and
 * report whether it did; a panicking hart writes even without it rather than
 * wait for a holder that may never come back. */
bool nx_printk_lock_bounded(unsigned attempts);
void nx_printk_unlock(void);

#endif /* NX_PRINTK_H */
