/*
 * test_printk.c - the kernel's freestanding formatter and line clipping.
 */
#include "nx_test.h"

#include <string.h>

#include "nx/printk.h"

#define CHECK(expect, ...)                                                                         \
    do {                                                                                           \
        char buf_[128];                                                                            \
        size_t n_ = nx_snprintf(buf_, sizeof buf_, __VA_ARGS__);                                   \
        assert_string_equal(buf_, expect);                                                         \
        assert_int_equal(n_, strlen(expect));                                                      \
    } while (0)

static void integers(void **state)
{
    (void)state;
    CHECK("0", "%d", 0);
    CHECK("-42 42", "%d %u", -42, 42u);
    CHECK("-2147483648", "%d", INT32_MIN);
    CHECK("4294967295", "%u", UINT32_MAX);
    CHECK("-9223372036854775808", "%lld", (long long)INT64_MIN);
    CHECK("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    CHECK("123456789012", "%ld", 123456789012L);
    CHECK("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
    CHECK("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX);
    CHECK("4096", "%zu", (size_t)4096);
    CHECK("-7", "%i", -7);
}

static void widths_and_flags(void **state)
{
    (void)state;
    CHECK("   42", "%5d", 42);
    CHECK("00042", "%05d", 42);
    CHECK("-0042", "%05d", -42);
    CHECK("42   |", "%-5d|", 42);
    CHECK("0000beef", "%08x", 0xbeefu);
    CHECK("123456", "%3d", 123456); /* width never truncates */
    CHECK("  ab|ab  |", "%4s|%-4s|", "ab", "ab");
}

static void strings_and_chars(void **state)
{
    (void)state;
    CHECK("hello", "%s", "hello");
    const char *volatile null_string = NULL; /* hidden from -Wformat-overflow */
    CHECK("(null)", "%s", null_string);
    CHECK("hel", "%.3s", "hello");
    CHECK("he", "%.*s", 2, "hello");
    CHECK("x%y", "%c%%%c", 'x', 'y');
    CHECK("", "%s", "");
}

static void pointers(void **state)
{
    (void)state;
    CHECK("0x1000", "%p", (void *)(uintptr_t)0x1000);
    CHECK("0x0", "%p", (void *)0);
}

/* An unknown conversion is shown, not guessed at; a trailing '%' ends. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void unknown_conversions(void **state)
{
    (void)state;
    CHECK("%q", "%q");
    CHECK("a", "a%");
}
#pragma GCC diagnostic pop

static void truncation_reports_full_length(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'z', sizeof buf);
    assert_int_equal(nx_snprintf(buf, sizeof buf, "%s", "0123456789"), 10);
    assert_string_equal(buf, "0123456");
    memset(buf, 'z', sizeof buf);
    assert_int_equal(nx_snprintf(buf, 1, "abc"), 3);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(nx_snprintf(buf, 0, "abc"), 3);
    assert_int_equal(buf[0], '\0'); /* size 0: untouched */
}

static void clip_short_line_untouched(void **state)
{
    (void)state;
    char line[NX_PRINTK_MAX_LINE];
    size_t wanted = nx_snprintf(line, sizeof line, "short line\n");
    assert_int_equal(nx_printk_clip(line, wanted), wanted);
    assert_string_equal(line, "short line\n");
}

/* At the bound (MAX-1 characters) the line is whole; one past, it is cut
 * and ends with "...\n". */
static void clip_at_and_past_the_bound(void **state)
{
    (void)state;
    char text[NX_PRINTK_MAX_LINE + 1];
    char line[NX_PRINTK_MAX_LINE];

    memset(text, 'a', NX_PRINTK_MAX_LINE - 1u);
    text[NX_PRINTK_MAX_LINE - 1u] = '\0';
    size_t wanted = nx_snprintf(line, sizeof line, "%s", text);
    assert_int_equal(nx_printk_clip(line, wanted), NX_PRINTK_MAX_LINE - 1u);
    assert_string_equal(line, text);

    memset(text, 'a', NX_PRINTK_MAX_LINE);
    text[NX_PRINTK_MAX_LINE] = '\0';
    wanted = nx_snprintf(line, sizeof line, "%s", text);
    size_t n = nx_printk_clip(line, wanted);
    assert_int_equal(n, NX_PRINTK_MAX_LINE - 1u);
    assert_int_equal(strlen(line), n);
    assert_memory_equal(line + n - 4u, "...\n", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(widths_and_flags),
        cmocka_unit_test(strings_and_chars),
        cmocka_unit_test(pointers),
        cmocka_unit_test(unknown_conversions),
        cmocka_unit_test(truncation_reports_full_length),
        cmocka_unit_test(clip_short_line_untouched),
        cmocka_unit_test(clip_at_and_past_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
