/*
 * printk.c - freestanding formatter and the console lock (see nx/printk.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include "nx/port.h"
#include "nx/printk.h"
#include "nx/spinlock.h"

/* Serialises whole lines from all harts on the port's console. */
static nx_spinlock_t console_lock = NX_SPINLOCK_INIT;

struct sink {
    char *buf;
    size_t size;
    size_t len; /* length the full output would have */
};

static void put(struct sink *s, char c)
{
    if (s->len + 1u < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void put_padding(struct sink *s, char c, size_t count)
{
    while (count-- > 0u)
        put(s, c);
}

struct spec {
    bool left;
    bool zero;
    size_t width;
    bool has_precision;
    size_t precision;
};

static void put_string(struct sink *s, const char *str, const struct spec *sp)
{
    size_t n = 0;
    if (str == NULL)
        str = "(null)";
    while (str[n] != '\0' && (!sp->has_precision || n < sp->precision))
        n++;
    if (!sp->left && sp->width > n)
        put_padding(s, ' ', sp->width - n);
    for (size_t i = 0; i < n; i++)
        put(s, str[i]);
    if (sp->left && sp->width > n)
        put_padding(s, ' ', sp->width - n);
}

static void put_number(struct sink *s, uint64_t v, unsigned base, bool upper, bool negative,
                       const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24]; /* 2^64 in base 10 has 20 digits */
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0u);

    size_t body = n + (negative ? 1u : 0u);
    size_t pad = sp->width > body ? sp->width - body : 0u;
    if (!sp->left && !sp->zero)
        put_padding(s, ' ', pad);
    if (negative)
        put(s, '-');
    if (!sp->left && sp->zero)
        put_padding(s, '0', pad);
    while (n > 0u)
        put(s, tmp[--n]);
    if (sp->left)
        put_padding(s, ' ', pad);
}

static size_t parse_decimal(const char **fmt)
{
    size_t v = 0;
    while (**fmt >= '0' && **fmt <= '9') {
        if (v < 4096u) /* widths beyond a line are meaningless; stay bounded */
            v = v * 10u + (size_t)(**fmt - '0');
        (*fmt)++;
    }
    return v;
}

size_t nx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { buf, size, 0 };

    while (*fmt != '\0') {
        if (*fmt != '%') {
            put(&s, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp = { false, false, 0, false, 0 };
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        sp.width = parse_decimal(&fmt);
        if (*fmt == '.') {
            fmt++;
            sp.has_precision = true;
            if (*fmt == '*') {
                int p = va_arg(ap, int);
                sp.precision = p > 0 ? (size_t)p : 0u;
                fmt++;
            } else {
                sp.precision = parse_decimal(&fmt);
            }
        }
        int longs = 0;
        bool size_t_arg = false;
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        if (*fmt == 'z') {
            size_t_arg = true;
            fmt++;
        }

        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v;
            if (size_t_arg)
                v = (int64_t)va_arg(ap, size_t);
            else if (longs >= 2)
                v = va_arg(ap, long long);
            else if (longs == 1)
                v = va_arg(ap, long);
            else
                v = va_arg(ap, int);
            /* Negate in unsigned arithmetic so INT64_MIN is exact. */
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&s, mag, 10u, false, v < 0, &sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v;
            if (size_t_arg)
                v = va_arg(ap, size_t);
            else if (longs >= 2)
                v = va_arg(ap, unsigned long long);
            else if (longs == 1)
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned int);
            put_number(&s, v, conv == 'u' ? 10u : 16u, conv == 'X', false, &sp);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put(&s, '0');
            put(&s, 'x');
            put_number(&s, (uint64_t)v, 16u, false, false, &sp);
            break;
        }
        case 'c':
            put(&s, (char)va_arg(ap, int));
            break;
        case 's':
            put_string(&s, va_arg(ap, const char *), &sp);
            break;
        case '%':
            put(&s, '%');
            break;
        default:
            /* Unknown conversion: show it rather than guess its argument. */
            put(&s, '%');
            put(&s, conv);
            break;
        }
    }
    if (size > 0u)
        buf[s.len < size ? s.len : size - 1u] = '\0';
    return s.len;
}

size_t nx_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = nx_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

size_t nx_printk_clip(char *line, size_t wanted)
{
    static const char cut[] = "...\n";
    if (wanted < NX_PRINTK_MAX_LINE)
        return wanted;
    /* Mark the cut so a reader knows text is missing. */
    size_t n = NX_PRINTK_MAX_LINE - 1u;
    for (size_t i = 0; i < sizeof cut - 1u; i++)
        line[n - (sizeof cut - 1u) + i] = cut[i];
    line[n] = '\0';
    return n;
}

void nx_printk(const char *fmt, ...)
{
    char line[NX_PRINTK_MAX_LINE];
    va_list ap;
    va_start(ap, fmt);
    size_t n = nx_printk_clip(line, nx_vsnprintf(line, sizeof line, fmt, ap));
    va_end(ap);
    nx_spin_lock(&console_lock);
    nx_port_console_write(line, n);
    nx_spin_unlock(&console_lock);
}

void nx_console_write_raw(const char *buf, size_t len)
{
    nx_spin_lock(&console_lock);
    nx_port_console_write(buf, len);
    nx_spin_unlock(&console_lock);
}

void nx_printk_reset(void)
{
    atomic_store_explicit(&console_lock.locked, 0u, memory_order_relaxed);
}

bool nx_printk_lock_bounded(unsigned attempts)
{
    for (unsigned i = 0; i < attempts; i++) {
        if (nx_spin_trylock(&console_lock))
            return true;
        nx_port_relax();
    }
    return false;
}

void nx_printk_unlock(void)
{
    nx_spin_unlock(&console_lock);
}
