/*
 * test_sysfilter_text.c - the text form of filter profiles and its
 * compiler (tools/sysfilter): a profile compiles to a blob the kernel
 * takes and that decides as `explain` says; every kind of mistake gets
 * its line and column; and a deterministic corpus of 1,500 mutated
 * profiles never crashes the parser and never yields a blob the kernel
 * refuses.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nexus/status.h"
#include "nexus/syscall.h"
#include "nx/sysfilter.h"
#include "nx/syscall.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "profile_text.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

static const char example[] = "# a service's profile\n"
                              "nexus-sysfilter 1\n"
                              "mode enforce\n"
                              "default deny\n"
                              "bucket writes capacity 100 refill 10 every 1ms\n"
                              "allow time_now\n"
                              "rate writes channel_write\n"
                              "allow vmo_create if a0 <= 65536\n"
                              "allow vmo_read if a2 in 4096..8191 and a3 != 0\n"
                              "allow channel_read if a0 type channel and a0 rights read,wait\n"
                              "deny kernel_stat NX_ERR_ACCESS_DENIED\n"
                              "log debug_write if a1 & 0x3\n";

static nx_profile_t profile;

static nx_filter_t *compiled(const char *text)
{
    nx_profile_error_t err;
    if (!nx_profile_parse(text, strlen(text), &profile, &err))
        fail_msg("%u:%u: %s", err.line, err.column, err.message);
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_profile_pack(&profile, blob);
    nx_filter_t *f = NULL;
    nx_audit_reason_t why;
    ASSERT_ST(nx_filter_build_kernel(blob, n, &f, &why), NX_OK);
    return f;
}

/* The kernel's verdict and explain's agree, call by call. */
static void a_profile_decides_as_written(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_filter_t *f = compiled(example);
    atomic_store(&t->filter.at[0], f);
    atomic_store(&t->filter.count, 1u);
    assert_int_equal(profile.header.rule_count, 7);
    assert_int_equal(profile.header.bucket_count, 1);
    assert_int_equal(profile.buckets[0].interval_ns, 1000000);
    static const struct {
        uint32_t nr;
        uint64_t a[6];
        uint8_t kind;
    } calls[] = {
        { NX_SYS_TIME_NOW, { 0 }, NX_FILTER_ALLOW },
        { NX_SYS_VMO_CREATE, { 65536 }, NX_FILTER_ALLOW },
        { NX_SYS_VMO_CREATE, { 65537 }, NX_FILTER_DENY },
        { NX_SYS_VMO_READ, { 0, 0, 4096, 1 }, NX_FILTER_ALLOW },
        { NX_SYS_VMO_READ, { 0, 0, 8192, 1 }, NX_FILTER_DENY },
        { NX_SYS_VMO_READ, { 0, 0, 5000, 0 }, NX_FILTER_DENY },
        { NX_SYS_KERNEL_STAT, { 0 }, NX_FILTER_DENY },
        { NX_SYS_DEBUG_WRITE, { 0, 7 }, NX_FILTER_ALLOW }, /* logged */
        { NX_SYS_DEBUG_WRITE, { 0, 4 }, NX_FILTER_DENY },
        { NX_SYS_EVENT_CREATE, { 0 }, NX_FILTER_DENY },
    };
    nx_thread_t self;
    memset(&self, 0, sizeof self);
    self.task = t;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        nx_filter_verdict_t v = nx_filter_check(&self, calls[i].nr, calls[i].a);
        char why[128];
        int32_t rule =
            nx_profile_explain(&profile, calls[i].nr, calls[i].a, false, why, sizeof why);
        uint8_t said =
            rule < 0 ? profile.header.default_action.kind : profile.rules[rule].action.kind;
        if (said == NX_FILTER_LOG)
            said = NX_FILTER_ALLOW;
        if (v.kind != calls[i].kind || said != calls[i].kind)
            fail_msg("call %zu (%s): kernel %u, explain '%s'", i, nx_syscall_name(calls[i].nr),
                     v.kind, why);
    }
    ASSERT_ST(nx_filter_check(&self, NX_SYS_KERNEL_STAT, calls[0].a).status, NX_ERR_ACCESS_DENIED);
    nx_test_task_free(t);
}

/* Each mistake: its line, its column, and a message saying what. */
static void mistakes_are_located(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t line, column;
        const char *says;
    } cases[] = {
        { "", 1, 1, "must start" },
        { "allow time_now\n", 1, 1, "must start" },
        { "nexus-sysfilter 2\n", 1, 17, "version 2" },
        { "nexus-sysfilter 1\nmode strict\n", 2, 6, "enforce, report or learn" },
        { "nexus-sysfilter 1\nmode enforce\nmode report\n", 3, 1, "second 'mode'" },
        { "nexus-sysfilter 1\nallow no_such_call\n", 2, 7, "not a system call" },
        { "nexus-sysfilter 1\npermit time_now\n", 2, 1, "expected allow, deny" },
        { "nexus-sysfilter 1\ndeny kernel_stat NX_ERR_NOPE\n", 2, 18, "not a status" },
        { "nexus-sysfilter 1\ndeny kernel_stat NX_ERR_INTERNAL\n", 2, 18, "not a status" },
        { "nexus-sysfilter 1\nallow vmo_create if a6 == 1\n", 2, 21, "a0..a5" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 =< 1\n", 2, 24, "expected a test" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 <= 18446744073709551616\n", 2, 27, "64 bits" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 <= 12x\n", 2, 29, "a number" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 in 9..3\n", 2, 27, "empty range" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 in 9\n", 2, 27, "LO..HI" },
        { "nexus-sysfilter 1\nallow handle_close if a0 type pipe\n", 2, 31, "object type" },
        { "nexus-sysfilter 1\nallow handle_close if a0 rights read,fly\n", 2, 38, "a right" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 <= 1 or a1 == 2\n", 2, 29, "'and'" },
        { "nexus-sysfilter 1\nallow vmo_create when a0 <= 1\n", 2, 18, "'if'" },
        { "nexus-sysfilter 1\nallow vmo_create if\n", 2, 20, "a condition" },
        { "nexus-sysfilter 1\nallow vmo_create if a0 == 1 and a0 == 2 and a0 == 3 and a0 == 4 "
          "and a0 == 5\n",
          2, 69, "more than 4" },
        { "nexus-sysfilter 1\nrate none time_now\n", 2, 6, "no bucket" },
        { "nexus-sysfilter 1\nbucket b capacity 0 refill 1 every 1ms\n", 2, 19, "at least 1" },
        { "nexus-sysfilter 1\nbucket b capacity 2 refill 3 every 1ms\n", 2, 28, "1..capacity" },
        { "nexus-sysfilter 1\nbucket b capacity 2 refill 1 every 5min\n", 2, 36, "a duration" },
        { "nexus-sysfilter 1\nbucket b capacity 2 refill 1 every 1ms\nbucket b capacity 2 "
          "refill 1 every 1ms\n",
          3, 8, "declared twice" },
        { "nexus-sysfilter 1\nbucket b capacity 2\n", 2, 1, "bucket NAME capacity" },
        { "nexus-sysfilter 1\ndefault deny NX_ERR_IO extra\n", 2, 24, "unexpected" },
        { "nexus-sysfilter 1\nallow time_now\n\0allow hart_id\n", 3, 1, "NUL" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nx_profile_error_t err;
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].says, "NUL") != NULL)
            len += 1u + strlen(cases[i].text + len + 1u);
        if (nx_profile_parse(cases[i].text, len, &profile, &err))
            fail_msg("case %zu parsed", i);
        if (err.line != cases[i].line || err.column != cases[i].column ||
            strstr(err.message, cases[i].says) == NULL)
            fail_msg("case %zu: %u:%u: %s (expected %u:%u: ...%s...)", i, err.line, err.column,
                     err.message, cases[i].line, cases[i].column, cases[i].says);
    }
    /* Past the bounds: 65 rules, 9 buckets. */
    static char big[16384];
    size_t n = (size_t)snprintf(big, sizeof big, "nexus-sysfilter 1\n");
    for (uint32_t i = 0; i <= NX_FILTER_MAX_RULES; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "allow time_now\n");
    nx_profile_error_t err;
    assert_false(nx_profile_parse(big, n, &profile, &err));
    assert_int_equal(err.line, NX_FILTER_MAX_RULES + 2u);
    n = (size_t)snprintf(big, sizeof big, "nexus-sysfilter 1\n");
    for (uint32_t i = 0; i <= NX_FILTER_MAX_BUCKETS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "bucket b%u capacity 1 refill 1 every 1s\n",
                              i);
    assert_false(nx_profile_parse(big, n, &profile, &err));
    assert_int_equal(err.line, NX_FILTER_MAX_BUCKETS + 2u);
}

/* A blob written as text (nx_profile_write, learn-export's) and parsed
 * back packs to the same bytes. */
static bool round_trips(const unsigned char *blob, size_t len)
{
    static nx_profile_t read, back;
    static char text[64 * 1024];
    static unsigned char again[NX_FILTER_MAX_BLOB_BYTES];
    char why[160];
    nx_profile_error_t err;
    if (nx_profile_from_blob(blob, len, &read, why, sizeof why) != NX_OK)
        return false;
    size_t n = nx_profile_write(&read, "a comment\nof two lines", text, sizeof text);
    return n != 0u && nx_profile_parse(text, n, &back, &err) &&
           nx_profile_pack(&back, again) == len && memcmp(again, blob, len) == 0;
}

/* 2,000 mutations of the example's blob (a bit flipped, the length cut):
 * the tool's reading of a blob (learn-export: its structure, then its text
 * parsed back to the same bytes) accepts exactly what the kernel does. */
static void the_tool_reads_blobs_as_the_kernel_does(void **state)
{
    (void)state;
    nx_profile_error_t err;
    assert_true(nx_profile_parse(example, sizeof example - 1u, &profile, &err));
    static unsigned char good[NX_FILTER_MAX_BLOB_BYTES], blob[NX_FILTER_MAX_BLOB_BYTES];
    const size_t n = nx_profile_pack(&profile, good);
    assert_true(round_trips(good, n));
    uint64_t rng = 99;
    uint32_t taken = 0, refused = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        memcpy(blob, good, n);
        size_t len = n;
        for (uint32_t k = 0; k < 1u + i % 2u * (i % 3u); k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)((rng >> 33) % len);
            if ((rng >> 12) % 8u == 0u)
                len = at; /* cut */
            else
                blob[at] ^= (unsigned char)(1u << ((rng >> 20) % 8u));
        }
        nx_filter_t *f = NULL;
        nx_audit_reason_t why;
        bool kernel = nx_filter_build_kernel(blob, len, &f, &why) == NX_OK;
        if (kernel)
            nx_filter_unref(f);
        bool tool = round_trips(blob, len);
        if (kernel != tool)
            fail_msg("mutation %u (%zu bytes): the kernel %s it, the tool %s it", i, len,
                     kernel ? "takes" : "refuses", tool ? "takes" : "refuses");
        taken += kernel ? 1u : 0u;
        refused += kernel ? 0u : 1u;
    }
    if (taken < 50u || refused < 300u)
        fail_msg("%u taken, %u refused: the mutations do not reach both sides", taken, refused);
    assert_int_equal(nx_filter_used(), 0);
}

/* 1,500 mutations of the example (flipped, inserted, deleted bytes, cut
 * lengths): each parses, and then the kernel takes its blob, or gets an
 * error inside the text. */
static void a_mutated_corpus_never_crashes(void **state)
{
    (void)state;
    const size_t n = sizeof example - 1u;
    static char text[sizeof example + 64];
    uint64_t rng = 16;
    uint32_t parsed = 0, refused = 0;
    for (uint32_t i = 0; i < 1500; i++) {
        memcpy(text, example, n);
        size_t len = n;
        for (uint32_t k = 0; k < 1u + i % 3u; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)((rng >> 33) % len);
            unsigned char c = (unsigned char)(rng >> 20);
            switch ((rng >> 12) % 4u) {
            case 0:
                text[at] = (char)c;
                break;
            case 1: /* insert */
                memmove(text + at + 1, text + at, len - at);
                text[at] = " \n#a0-.9x,"[c % 10u];
                len++;
                break;
            case 2: /* delete */
                memmove(text + at, text + at + 1, len - at - 1u);
                len--;
                break;
            default:
                len = at + 1u;
                break;
            }
        }
        nx_profile_error_t err;
        if (nx_profile_parse(text, len, &profile, &err)) {
            static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
            size_t bn = nx_profile_pack(&profile, blob);
            nx_filter_t *f = NULL;
            nx_audit_reason_t why;
            nx_status_t st = nx_filter_build_kernel(blob, bn, &f, &why);
            if (st != NX_OK)
                fail_msg("mutation %u parsed but the kernel refused it: %s", i, nx_status_name(st));
            nx_filter_unref(f);
            if (!round_trips(blob, bn))
                fail_msg("mutation %u: its blob written as text is not the same blob", i);
            parsed++;
        } else {
            uint32_t lines = 1;
            for (size_t k = 0; k < len; k++)
                lines += text[k] == '\n';
            if (err.line < 1u || err.line > lines || err.column < 1u || err.message[0] == '\0')
                fail_msg("mutation %u: error at %u:%u (%u lines): '%s'", i, err.line, err.column,
                         lines, err.message);
            refused++;
        }
    }
    if (parsed < 50u || refused < 500u)
        fail_msg("%u parsed, %u refused: the mutations do not reach both sides", parsed, refused);
    assert_int_equal(nx_filter_used(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(a_profile_decides_as_written),
        cmocka_unit_test(mistakes_are_located),
        CORE_TEST(a_mutated_corpus_never_crashes),
        CORE_TEST(the_tool_reads_blobs_as_the_kernel_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
