/*
 * test_scenario_parse.c - scenario files (nxsim/scenario.h): valid files
 * parse to the exact configuration, every error class is refused at the
 * offending token's line and column with a message that says what, a
 * seeded corpus of malformed variants never crashes or misplaces an error,
 * the counters and the checker report what a run did, and a parsed
 * scenario runs on the machine.
 *
 * The program names come from tests/programs, linked in as test_programs
 * links them.
 */
#include "nx_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/syscall.h"
#include "nx/kernel.h"
#include "nx/trace.h"
#include "nxsim/program.h"
#include "nxsim/prng.h"
#include "nxsim/scenario.h"

/* Fixed seeds: the corpus is the same on every run and every machine. */
#define SEED_CORPUS 0x4e58534e31303031ull /* "NXSN1001" */
/* Random mutants per base text (besides every truncation of it). */
#define MUTANTS_PER_BASE 3000u
/* Mutations applied to one mutant: 1..this many. */
#define MAX_MUTATIONS 4u
/* Room for a mutant: its base plus what the mutations may add. */
#define MUTANT_BYTES 16384u
/* Every DETERMINISM_EVERY-th mutant is parsed twice and compared. */
#define DETERMINISM_EVERY 16u
/* The corpus must reach at least this many different error messages
 * (counted by their first word pairs) and accept some mutants. */
#define MIN_DISTINCT_ERRORS 40u
#define MIN_ACCEPTED        100u
/* Distinct error messages remembered for that count. */
#define MAX_DISTINCT 512u
/* Bytes of a message that tell messages apart (the fixed words). */
#define MESSAGE_KEY 24u

static nx_scenario_t scn, scn2;
static nx_scenario_error_t err, err2;

static nx_status_t parse(const char *text)
{
    return nx_scenario_parse(text, strlen(text), "t.nxs", &scn, &err);
}

/* --- Valid files ----------------------------------------------------------- */

static const char full_text[] =
    "# A full scenario: every directive.\n"
    "nexus-scenario 1\n"
    "\n"
    "machine harts=8 memory-mib=256 seed=0x2a boot-hart=1 interleave=250\n"
    "bootargs \"nexus.verbose \\\"quoted\\\" # not a comment\\n\"\n"
    "program vmo_share qos=interactive affinity=0x3 peer=vmo_peer arg=7\n"
    "program vmo_peer peer=vmo_share expect-exit=0   # the other end\n"
    "program fault expect-exit=-257 policy qos=idle\n"
    "program syscalls qos=perfburst\n"
    "\n"
    "at 250us irq 5\n"
    "at 1ms irq-delay 7 20us\n"
    "at 2ms device-fail 9\n"
    "at 3ms kill fault\n"
    "at 3ms ipi-drop 2 4\n"
    "at 4ms ipi-delay all 15us\n"
    "at 5ms timer-jitter 7 1us\n"
    "at 0ns irq 96\n"
    "\n"
    "limit time=2s events=1000000\n"
    "\n"
    "expect console \"SELFTEST: vmo_share ok\"\n"
    "expect no-console \"panic\"\n"
    "expect exit pass\n"
    "expect stop shutdown\n"
    "expect counter trace.ipi-send > 0\n"
    "expect counter end-time-ns < 2s\n"
    "expect counter sched.steals >= 0x0\n"
    "expect digest 0x0123456789abcdef\n";

static void test_full(void **state)
{
    (void)state;
    ASSERT_ST(parse(full_text), NX_OK);
    const nx_sim_config_t *c = &scn.cfg;
    assert_string_equal(scn.file, "t.nxs");
    assert_int_equal(scn.version, 1);
    assert_int_equal(c->harts, 8);
    assert_int_equal(c->memory_bytes, 256ull << 20);
    assert_int_equal(c->seed, 42);
    assert_true(scn.seed_given);
    assert_int_equal(c->boot_hartid, 1);
    assert_int_equal(c->interleave_per_mille, 250);
    assert_ptr_equal(c->bootargs, scn.bootargs);
    assert_string_equal(scn.bootargs, "nexus.verbose \"quoted\" # not a comment\n");
    assert_null(c->dtb);
    assert_false(c->echo);

    assert_int_equal(c->program_count, 4);
    const nx_sim_program_spec_t *p = c->programs;
    assert_ptr_equal(p[0].name, scn.names[0]);
    assert_string_equal(p[0].name, "vmo_share");
    assert_int_equal(p[0].qos, NX_QOS_INTERACTIVE);
    assert_int_equal(p[0].affinity, 3);
    assert_int_equal(p[0].arg, 7);
    assert_ptr_equal(p[0].peer, scn.peers[0]);
    assert_string_equal(p[0].peer, "vmo_peer");
    assert_false(p[0].policy);
    assert_string_equal(p[1].name, "vmo_peer");
    assert_string_equal(p[1].peer, "vmo_share");
    assert_int_equal(p[1].qos, NX_QOS_NORMAL);
    assert_int_equal(p[1].expect_exit, 0);
    assert_string_equal(p[2].name, "fault");
    assert_int_equal(p[2].expect_exit, NX_EXIT_CODE_FAULT(NX_USER_FAULT_PAGE));
    assert_true(p[2].policy);
    assert_int_equal(p[2].qos, NX_QOS_IDLE);
    assert_null(p[2].peer);
    assert_int_equal(p[2].affinity, 0);
    assert_int_equal(p[3].qos, NX_QOS_PERFBURST);

    static const nx_sim_injection_t want[] = {
        { 250000u, NX_SIM_INJECT_IRQ, 5, 0 },
        { 1000000u, NX_SIM_INJECT_IRQ_DELAY, 7, 20000u },
        { 2000000u, NX_SIM_INJECT_DEVICE_FAIL, 9, 0 },
        { 3000000u, NX_SIM_INJECT_KILL_TASK, 2, 0 },
        { 3000000u, NX_SIM_INJECT_IPI_DROP, 2, 4 },
        { 4000000u, NX_SIM_INJECT_IPI_DELAY, NX_SIM_ALL_HARTS, 15000u },
        { 5000000u, NX_SIM_INJECT_TIMER_JITTER, 7, 1000u },
        { 0u, NX_SIM_INJECT_IRQ, 96, 0 },
    };
    assert_int_equal(c->injection_count, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i < c->injection_count; i++) {
        const nx_sim_injection_t *got = &c->injections[i];
        if (got->time_ns != want[i].time_ns || got->kind != want[i].kind ||
            got->target != want[i].target || got->value != want[i].value)
            fail_msg("injection %u: %llu ns kind %u target %u value %llu", i,
                     (unsigned long long)got->time_ns, got->kind, got->target,
                     (unsigned long long)got->value);
    }
    assert_int_equal(c->time_limit_ns, 2000000000ull);
    assert_int_equal(c->event_limit, 1000000ull);

    assert_int_equal(scn.expect_count, 8);
    const nx_scenario_expect_t *x = scn.expects;
    assert_int_equal(x[0].kind, NX_EXPECT_CONSOLE);
    assert_int_equal(x[0].line, 22);
    assert_string_equal(x[0].text, "SELFTEST: vmo_share ok");
    assert_int_equal(x[1].kind, NX_EXPECT_NO_CONSOLE);
    assert_string_equal(x[1].text, "panic");
    assert_int_equal(x[2].kind, NX_EXPECT_EXIT);
    assert_int_equal(x[2].value, NX_EXIT_PASS);
    assert_int_equal(x[3].kind, NX_EXPECT_STOP);
    assert_int_equal(x[3].value, NX_SIM_STOP_SHUTDOWN);
    assert_int_equal(x[4].kind, NX_EXPECT_COUNTER);
    assert_string_equal(x[4].counter, "trace.ipi-send");
    assert_int_equal(x[4].cmp, NX_CMP_GT);
    assert_int_equal(x[4].value, 0);
    assert_int_equal(x[5].cmp, NX_CMP_LT);
    assert_int_equal(x[5].value, 2000000000ull);
    assert_int_equal(x[6].cmp, NX_CMP_GE);
    assert_string_equal(x[6].counter, "sched.steals");
    assert_int_equal(x[7].kind, NX_EXPECT_DIGEST);
    assert_int_equal(x[7].value, 0x0123456789abcdefull);
    assert_int_equal(x[7].line, 29);
}

/* The defaults, with a file that says nothing but its version. */
static void test_minimal(void **state)
{
    (void)state;
    nx_sim_config_t def;
    nx_sim_config_default(&def);
    ASSERT_ST(parse("nexus-scenario 1"), NX_OK); /* no final newline */
    assert_int_equal(scn.cfg.harts, def.harts);
    assert_int_equal(scn.cfg.seed, def.seed);
    assert_false(scn.seed_given);
    assert_int_equal(scn.cfg.memory_bytes, def.memory_bytes);
    assert_int_equal(scn.cfg.boot_hartid, def.boot_hartid);
    assert_int_equal(scn.cfg.time_limit_ns, def.time_limit_ns);
    assert_int_equal(scn.cfg.event_limit, 0);
    assert_null(scn.cfg.bootargs);
    assert_int_equal(scn.cfg.program_count, 0);
    assert_int_equal(scn.cfg.injection_count, 0);
    assert_int_equal(scn.expect_count, 0);
    assert_int_equal(nx_scenario_parse("nexus-scenario 1\n", 17, NULL, &scn, &err), NX_OK);
    assert_string_equal(scn.file, "<scenario>");
}

/* Tabs, CRLF, comments, trailing blanks, names resolved later in the file. */
static void test_layout_and_forward_names(void **state)
{
    (void)state;
    ASSERT_ST(parse("\r\n  # comment first\r\n\tnexus-scenario\t1  \r\n"
                    "at 10ms kill handles\r\n"
                    "at 1ms ipi-drop 5 1#no space before the comment\r\n"
                    "expect counter switches != 3\r\n"
                    "expect exit 3\r\n"
                    "expect console \"a\\\\b\"\r\n"
                    "machine harts=6\r\n"
                    "program syscalls\r\n"
                    "program handles\r\n"
                    "program handles\r"),
              NX_OK);
    assert_int_equal(scn.cfg.harts, 6);
    assert_int_equal(scn.cfg.program_count, 3);
    assert_int_equal(scn.cfg.injections[0].kind, NX_SIM_INJECT_KILL_TASK);
    assert_int_equal(scn.cfg.injections[0].target, 1); /* the first "handles" */
    assert_int_equal(scn.cfg.injections[1].target, 5);
    assert_int_equal(scn.cfg.injections[1].value, 1);
    assert_int_equal(scn.expects[0].cmp, NX_CMP_NE);
    assert_int_equal(scn.expects[1].value, NX_EXIT_PANIC);
    assert_string_equal(scn.expects[2].text, "a\\b");
}

/* Every bound, at its largest accepted value. */
static void test_bounds_accepted(void **state)
{
    (void)state;
    static char text[NX_SCENARIO_MAX_BYTES];
    ASSERT_ST(parse("nexus-scenario 1\n"
                    "machine harts=64 boot-hart=63 memory-mib=1048576 interleave=1000 "
                    "seed=18446744073709551615\n"
                    "program syscalls arg=0xffffffffffffffff affinity=0xffffffff "
                    "expect-exit=-2147483648\n"
                    "program handles expect-exit=2147483647\n"
                    "at 18446744073s irq 1\n"
                    "at 18446744073709551615ns ipi-drop 63 18446744073709551615\n"
                    "limit time=1ns events=0\n"
                    "expect exit 255\n"
                    "expect counter switches <= 18446744073709551615\n"),
              NX_OK);
    assert_int_equal(scn.cfg.harts, 64);
    assert_int_equal(scn.cfg.seed, UINT64_MAX);
    assert_int_equal(scn.cfg.memory_bytes, 1ull << 40);
    assert_int_equal(scn.cfg.programs[0].arg, UINTPTR_MAX);
    assert_int_equal(scn.cfg.programs[0].expect_exit, INT32_MIN);
    assert_int_equal(scn.cfg.programs[1].expect_exit, INT32_MAX);
    assert_int_equal(scn.cfg.injections[0].time_ns, 18446744073000000000ull);
    assert_int_equal(scn.cfg.injections[1].time_ns, UINT64_MAX);
    assert_int_equal(scn.cfg.injections[1].value, UINT64_MAX);

    /* A line of exactly NX_SCENARIO_MAX_LINE bytes, a string of
     * NX_SCENARIO_MAX_TEXT - 1, and the most programs, at-lines and
     * expectations one file may have. */
    size_t n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n#");
    memset(text + n, 'c', NX_SCENARIO_MAX_LINE - 1u);
    n += NX_SCENARIO_MAX_LINE - 1u;
    n += (size_t)snprintf(text + n, sizeof text - n, "\nbootargs \"");
    memset(text + n, 'b', NX_SCENARIO_MAX_TEXT - 1u);
    n += NX_SCENARIO_MAX_TEXT - 1u;
    n += (size_t)snprintf(text + n, sizeof text - n, "\"\n");
    for (uint32_t i = 0; i < NX_MAX_BOOT_PROGRAMS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "program syscalls\n");
    for (uint32_t i = 0; i < NX_SIM_MAX_INJECTIONS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "at %uus irq %u\n", i, i % 96u + 1u);
    for (uint32_t i = 0; i < NX_SCENARIO_MAX_EXPECTS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "expect counter events > %u\n", i);
    ASSERT_ST(nx_scenario_parse(text, n, "big.nxs", &scn, &err), NX_OK);
    assert_int_equal(strlen(scn.bootargs), NX_SCENARIO_MAX_TEXT - 1u);
    assert_int_equal(scn.cfg.program_count, NX_MAX_BOOT_PROGRAMS);
    assert_int_equal(scn.cfg.injection_count, NX_SIM_MAX_INJECTIONS);
    assert_int_equal(scn.expect_count, NX_SCENARIO_MAX_EXPECTS);
}

/* The example of docs/scenarios.md parses, to what it says. */
static void test_doc_example(void **state)
{
    (void)state;
    size_t size = 0;
    char *doc = nx_test_read_file(NX_SOURCE_DIR "/docs/scenarios.md", &size);
    doc[size - 1u] = '\0';
    char *start = strstr(doc, "## An example\n\n```\n");
    assert_non_null(start);
    start += strlen("## An example\n\n```\n");
    char *end = strstr(start, "```\n");
    assert_non_null(end);
    nx_status_t st = nx_scenario_parse(start, (size_t)(end - start), "example", &scn, &err);
    if (st != NX_OK)
        fail_msg("docs/scenarios.md's example: %u:%u: %s", err.line, err.column, err.message);
    assert_int_equal(scn.cfg.harts, 4);
    assert_int_equal(scn.cfg.program_count, 4);
    assert_int_equal(scn.cfg.injection_count, 7);
    assert_int_equal(scn.cfg.injections[3].kind, NX_SIM_INJECT_KILL_TASK);
    assert_int_equal(scn.cfg.injections[3].target, 3);
    assert_int_equal(scn.expect_count, 8);
    free(doc);
}

/* --- Errors ------------------------------------------------------------------ */

/* One malformed file: the text (after "nexus-scenario 1\n" unless it starts
 * with '!'), the error's line, where its column is (the first occurrence
 * of `at` in that line; "$": just past the line's last token; NULL:
 * column 1) and a phrase the message must contain. */
typedef struct bad_case {
    const char *text;
    uint32_t line;
    const char *at;
    const char *phrase;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    /* The version line */
    { "!", 1, NULL, "no 'nexus-scenario 1' line" },
    { "!# only a comment\n\n", 1, NULL, "no 'nexus-scenario 1' line" },
    { "!machine harts=2\nnexus-scenario 1\n", 1, NULL, "must start with 'nexus-scenario 1'" },
    { "!\n\nprogram syscalls\n", 1, NULL, "line 3 has 'program' first" },
    { "!nexus-scenario 2\n", 1, "2",
      "written for a newer nexus-sim: version 2, this build reads up to 1" },
    { "!nexus-scenario 0\n", 1, "0", "format version must be 1.." },
    { "!nexus-scenario one\n", 1, "one", "'one' is not a number" },
    { "!nexus-scenario\n", 1, "$", "missing the format version" },
    { "!nexus-scenario 1 extra\n", 1, "extra", "unexpected 'extra'" },
    { "!nexus-scenario \"1\"\n", 1, "\"", "must be a word, not a quoted string" },
    { "nexus-scenario 1\n", 2, NULL, "a second 'nexus-scenario' line" },
    /* Directives and tokens */
    { "frobnicate now\n", 2, "frobnicate", "unknown directive 'frobnicate'" },
    { "Machine harts=2\n", 2, "Machine", "unknown directive 'Machine'" },
    { "machine a b c d e f g h i j k l m n o p q\n", 2, "p", "more than 16 words" },
    { "machine har\"ts=2\n", 2, "\"", "a quote inside a word" },
    { "bootargs \"abc\n", 2, "\"", "unterminated string" },
    { "bootargs \"abc\\\"\n", 2, "\"", "unterminated string" },
    { "bootargs \"a\\tb\"\n", 2, "\\", "unknown escape '\\t'" },
    { "bootargs \"a\\", 2, "\"", "unterminated string" },
    { "bootargs \"a\"b\n", 2, "b\n", "text right after a closing quote" },
    /* machine */
    { "machine cores=4\n", 2, "cores",
      "unknown machine setting 'cores' (harts, memory-mib, seed, boot-hart or interleave)" },
    { "machine harts=2 harts=3\n", 2, "harts=3", "'harts' given twice on this line" },
    { "machine harts=0\n", 2, "0", "harts must be 1..64, not 0" },
    { "machine harts=65\n", 2, "65", "harts must be 1..64, not 65" },
    { "machine harts=-1\n", 2, "-1", "'-1' is not a number" },
    { "machine harts=+1\n", 2, "+1", "'+1' is not a number" },
    { "machine harts=0x\n", 2, "0x", "'0x' is not a number" },
    { "machine harts=4k\n", 2, "4k", "'4k' is not a number" },
    { "machine harts=\n", 2, "harts", "'harts' needs a value" },
    { "machine harts\n", 2, "harts", "'harts' needs a value" },
    { "machine harts=99999999999999999999999\n", 2, "9", "harts must be 1..64" },
    { "machine seed=18446744073709551616\n", 2, "1", "seed must be 0..18446744073709551615" },
    { "machine seed=0x10000000000000000\n", 2, "0x", "seed must be 0..18446744073709551615" },
    { "machine memory-mib=0\n", 2, "0", "memory-mib must be 1..1048576" },
    { "machine interleave=1001\n", 2, "1001", "interleave (per mille) must be 0..1000" },
    { "machine boot-hart=4\n", 2, "4", "boot-hart 4 is not one of the 4 harts (0..3)" },
    { "machine boot-hart=2 harts=2\n", 2, "2", "boot-hart 2 is not one of the 2 harts" },
    { "machine boot-hart=64\n", 2, "64", "boot-hart must be 0..63" },
    { "machine \"harts=4\"\n", 2, "\"", "not a quoted string" },
    { "machine harts=2\nmachine seed=1\n", 3, NULL,
      "a second 'machine' line (the first is line 2)" },
    /* bootargs */
    { "bootargs nexus.bench\n", 2, "nexus", "bootargs must be a quoted string" },
    { "bootargs\n", 2, "$", "missing the kernel command line" },
    { "bootargs \"a\" \"b\"\n", 2, "\"b", "unexpected 'b'" },
    { "bootargs \"a\"\nbootargs \"b\"\n", 3, NULL, "a second 'bootargs' line" },
    /* program */
    { "program\n", 2, "$", "missing the program's name" },
    { "program nosuch\n", 2, "nosuch", "no program 'nosuch' is registered" },
    { "program qos=normal\n", 2, "qos", "no program 'qos=normal' is registered" },
    { "program \"syscalls\"\n", 2, "\"", "must be a word" },
    { "program syscalls qos=fast\n", 2, "fast",
      "unknown qos 'fast' (idle, normal, interactive or perfburst)" },
    { "program syscalls qos=Normal\n", 2, "Normal", "unknown qos 'Normal'" },
    { "program syscalls policy=1\n", 2, "policy", "'policy' takes no value" },
    { "program syscalls policy policy\n", 2, "policy\n", "'policy' given twice" },
    { "program syscalls qos\n", 2, "qos", "'qos' needs a value" },
    { "program syscalls colour=red\n", 2, "colour", "unknown program setting 'colour'" },
    { "program syscalls affinity=0x100000000\n", 2, "0x", "affinity (a mask of harts) must be" },
    { "program syscalls arg=18446744073709551616\n", 2, "1844", "arg must be" },
    { "program syscalls expect-exit=2147483648\n", 2, "2147483648", "expect-exit must be" },
    { "program syscalls expect-exit=-2147483649\n", 2, "-2147483649", "expect-exit must be" },
    { "program syscalls expect-exit=--1\n", 2, "--1", "'--1' is not a number" },
    { "program syscalls expect-exit=-\n", 2, "-\n", "'-' is not a number" },
    { "program vmo_share peer=vmo_peer\n", 2, "vmo_peer",
      "peer 'vmo_peer' is not a program of this scenario" },
    { "program abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\n", 2, "abc",
      "program name 'abcdefghijabcdefghijabcdefghijab...' is longer than 47 bytes" },
    { "program syscalls peer=abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\n", 2, "abc",
      "peer name" },
    /* at */
    { "at 100 irq 5\n", 2, "100", "a time needs a unit: ns, us, ms or s" },
    { "at 5min irq 5\n", 2, "5min", "unknown time unit 'min' (ns, us, ms or s)" },
    { "at 5MS irq 5\n", 2, "5MS", "unknown time unit 'MS'" },
    { "at ms irq 5\n", 2, "ms", "'ms' is not a time" },
    { "at -5ms irq 5\n", 2, "-5ms", "'-5ms' is not a time" },
    { "at 0x10ms irq 5\n", 2, "0x10ms", "unknown time unit 'x10ms'" },
    { "at 18446744074s irq 5\n", 2, "1844", "does not fit in 64 bits of nanoseconds" },
    { "at 18446744073709551616ns irq 5\n", 2, "1844", "does not fit in 64 bits" },
    { "at\n", 2, "$", "missing the time" },
    { "at 1ms\n", 2, "$", "missing the event" },
    { "at 1ms   # comment\n", 2, "$", "missing the event" },
    { "at 1ms boom\n", 2, "boom", "unknown event 'boom' (irq, irq-delay, device-fail, kill," },
    { "at 1ms irq\n", 2, "$", "missing the interrupt source (usage: at TIME irq SOURCE)" },
    { "at 1ms irq 0\n", 2, "0", "interrupt source must be 1..96, not 0" },
    { "at 1ms irq 97\n", 2, "97", "interrupt source must be 1..96" },
    { "at 1ms irq 5 6\n", 2, "6", "unexpected '6' (usage: at TIME irq SOURCE)" },
    { "at 1ms irq-delay 5\n", 2, "$", "missing the duration" },
    { "at 1ms irq-delay 5 7\n", 2, "7", "a time needs a unit" },
    { "at 1ms device-fail\n", 2, "$", "missing the interrupt source" },
    { "at 1ms kill\n", 2, "$", "missing the program's name" },
    { "at 1ms kill nosuch\n", 2, "nosuch",
      "kill names 'nosuch', which no program line of this scenario starts" },
    { "at 1ms ipi-drop 4 1\n", 2, "4", "hart 4 is not one of the machine's 4 (0..3)" },
    { "at 1ms ipi-drop 3 1\nmachine harts=2\n", 2, "3", "hart 3 is not one of the machine's 2" },
    { "at 1ms ipi-drop 64 1\n", 2, "64", "the hart must be 0..63, not 64" },
    { "at 1ms ipi-drop ALL 1\n", 2, "ALL", "the hart must be a number or all, not 'ALL'" },
    { "at 1ms ipi-drop all 0\n", 2, "0", "the count must be 1..18446744073709551615, not 0" },
    { "at 1ms ipi-drop all\n", 2, "$", "missing the count" },
    { "at 1ms ipi-delay all\n", 2, "$", "missing the duration" },
    { "at 1ms timer-jitter\n", 2, "$", "missing the hart (or all)" },
    { "at 1ms timer-jitter 1 2us 3\n", 2, "3", "unexpected '3'" },
    /* limit */
    { "limit time=0s\n", 2, "0s", "the time limit must be above 0" },
    { "limit time=5\n", 2, "5", "a time needs a unit" },
    { "limit events=-1\n", 2, "-1", "is not a number" },
    { "limit cycles=1\n", 2, "cycles", "unknown limit setting 'cycles' (time or events)" },
    { "limit time=1s time=2s\n", 2, "time=2s", "'time' given twice" },
    { "limit time=1s\nlimit events=5\n", 3, NULL, "a second 'limit' line" },
    /* expect */
    { "expect\n", 2, "$", "missing what to expect" },
    { "expect sparkles\n", 2, "sparkles",
      "unknown expectation 'sparkles' (console, no-console, exit, stop, counter or digest)" },
    { "expect console\n", 2, "$", "missing the console text" },
    { "expect console SELFTEST\n", 2, "SELF", "the console text must be a quoted string" },
    { "expect console \"\"\n", 2, "\"", "an empty text is in every console" },
    { "expect no-console \"a\" b\n", 2, "b", "unexpected 'b'" },
    { "expect exit maybe\n", 2, "maybe", "unknown exit 'maybe' (pass, fail, panic or a number)" },
    { "expect exit 256\n", 2, "256", "the exit code must be 0..255" },
    { "expect exit\n", 2, "$", "missing the exit code" },
    { "expect exit pass fail\n", 2, "fail", "unexpected 'fail'" },
    { "expect stop crashed\n", 2, "crashed", "unknown stop 'crashed' (shutdown, deadlock," },
    { "expect counter nope == 1\n", 2, "nope", "unknown counter 'nope'" },
    { "expect counter trace.bogus == 1\n", 2, "trace", "unknown counter 'trace.bogus'" },
    { "expect counter trace.none == 1\n", 2, "trace", "unknown counter 'trace.none'" },
    { "expect counter sched. == 1\n", 2, "sched", "unknown counter 'sched.'" },
    { "expect counter switches =~ 1\n", 2, "=~", "unknown comparison '=~'" },
    { "expect counter switches = 1\n", 2, "= 1", "unknown comparison '='" },
    { "expect counter switches ==\n", 2, "$", "missing the value" },
    { "expect counter switches\n", 2, "$", "missing the comparison" },
    { "expect counter\n", 2, "$", "missing the counter's name" },
    { "expect counter switches == 1 2\n", 2, "2", "unexpected '2'" },
    { "expect counter switches == abc\n", 2, "abc", "'abc' is not a number" },
    { "expect counter end-time-ns < 2parsecs\n", 2, "2p", "unknown time unit 'parsecs'" },
    { "expect digest 1234\n", 2, "1234", "a digest is hex after 0x" },
    { "expect digest 0xZZ\n", 2, "0xZZ", "'0xZZ' is not a number" },
    { "expect digest 0x10000000000000000\n", 2, "0x", "the digest must be" },
    { "expect digest 0x1\nexpect digest 0x2\n", 3, NULL, "a second 'expect digest' line" },
    /* bytes */
    { "machine\x01 harts=2\n", 2, "machine", "unknown directive 'machine\\x01'" },
    { "machine harts=2\r\r\n", 2, "2", "'2\\x0d' is not a number" },
};

/* Column of `c`'s error: see bad_case_t. */
static uint32_t expected_column(const bad_case_t *c, const char *text)
{
    if (c->at == NULL)
        return 1;
    const char *line = text;
    for (uint32_t l = 1; l < c->line; l++)
        line = strchr(line, '\n') + 1;
    size_t len = strcspn(line, "\n");
    if (strcmp(c->at, "$") == 0) {
        size_t end = strcspn(line, "#\n"); /* before a comment, without trailing blanks */
        while (end > 0u && (line[end - 1u] == ' ' || line[end - 1u] == '\t'))
            end--;
        return (uint32_t)end + 1u;
    }
    const char *hit = strstr(line, c->at);
    if (hit == NULL || (size_t)(hit - line) >= len)
        fail_msg("case '%s': '%s' is not in line %u", c->text, c->at, c->line);
    return (uint32_t)(hit - line) + 1u;
}

static void test_errors(void **state)
{
    (void)state;
    static char text[MUTANT_BYTES];
    uint32_t failures = 0;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *c = &bad_cases[i];
        if (c->text[0] == '!')
            snprintf(text, sizeof text, "%s", c->text + 1);
        else
            snprintf(text, sizeof text, "nexus-scenario 1\n%s", c->text);
        nx_status_t st = parse(text);
        uint32_t col = expected_column(c, text);
        if (st != NX_ERR_INVALID_ARGS || err.line != c->line || err.column != col ||
            strstr(err.message, c->phrase) == NULL || strcmp(err.file, "t.nxs") != 0) {
            print_message("case %zu '%s':\n  want %u:%u: ...%s...\n  got  %s %u:%u: %s\n", i,
                          c->text, c->line, col, c->phrase, nx_status_name(st), err.line,
                          err.column, err.message);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* The errors a table cannot write down: bounds of counts and sizes. */
static void test_errors_generated(void **state)
{
    (void)state;
    static char text[NX_SCENARIO_MAX_BYTES + 1u]; /* one past the bound */
    size_t n;

    /* One program, at-line and expectation too many: at the directive. */
    n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n");
    for (uint32_t i = 0; i <= NX_MAX_BOOT_PROGRAMS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "program syscalls\n");
    ASSERT_ST(nx_scenario_parse(text, n, "p.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, NX_MAX_BOOT_PROGRAMS + 2u);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "more than 48 programs"));

    n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n");
    for (uint32_t i = 0; i <= NX_SIM_MAX_INJECTIONS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "  at 1ms irq 1\n");
    ASSERT_ST(nx_scenario_parse(text, n, "a.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, NX_SIM_MAX_INJECTIONS + 2u);
    assert_int_equal(err.column, 3);
    assert_non_null(strstr(err.message, "more than 256 'at' lines"));

    n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n");
    for (uint32_t i = 0; i <= NX_SCENARIO_MAX_EXPECTS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "expect stop shutdown\n");
    ASSERT_ST(nx_scenario_parse(text, n, "e.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, NX_SCENARIO_MAX_EXPECTS + 2u);
    assert_non_null(strstr(err.message, "more than 64 expect lines"));

    /* A line one byte too long, in a comment (bytes count, whatever they
     * are), and with a CR that still makes it too long. */
    n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n#");
    memset(text + n, 'x', NX_SCENARIO_MAX_LINE);
    n += NX_SCENARIO_MAX_LINE;
    text[n++] = '\n';
    ASSERT_ST(nx_scenario_parse(text, n, "l.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, NX_SCENARIO_MAX_LINE + 1u);
    assert_non_null(strstr(err.message, "longer than 1024 bytes"));
    text[n - 2u] = '\r'; /* 1024 bytes and a CR: fits */
    ASSERT_ST(nx_scenario_parse(text, n, "l.nxs", &scn, &err), NX_OK);
    ASSERT_ST(nx_scenario_parse(text, n - 1u, "l.nxs", &scn, &err), NX_OK); /* CR at EOF */

    /* A string one byte too long. */
    n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\nexpect console \"");
    memset(text + n, 's', NX_SCENARIO_MAX_TEXT);
    n += NX_SCENARIO_MAX_TEXT;
    n += (size_t)snprintf(text + n, sizeof text - n, "\"\n");
    ASSERT_ST(nx_scenario_parse(text, n, "s.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 16);
    assert_non_null(strstr(err.message, "the console text is 160 bytes; at most 159"));

    /* A NUL byte, inside a comment too; the length, not a NUL, ends the text. */
    static const char nul[] = "nexus-scenario 1\n# a\0b\nprogram syscalls\n";
    ASSERT_ST(nx_scenario_parse(nul, sizeof nul - 1u, "n.nxs", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 4);
    assert_non_null(strstr(err.message, "a NUL byte"));
    ASSERT_ST(nx_scenario_parse(nul, 17, "n.nxs", &scn, &err), NX_OK);

    /* NULL arguments. */
    ASSERT_ST(nx_scenario_parse(NULL, 0, "x", &scn, &err), NX_ERR_INVALID_ARGS);
    assert_int_equal(err.line, 1);
    ASSERT_ST(nx_scenario_parse("nexus-scenario 1", 16, "x", NULL, &err), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_scenario_parse("nexus", 5, "x", &scn, NULL), NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_scenario_parse(text, NX_SCENARIO_MAX_BYTES + 1u, "x", &scn, &err),
              NX_ERR_INVALID_ARGS);
    assert_non_null(strstr(err.message, "over 262144 bytes"));
}

static void test_error_print(void **state)
{
    (void)state;
    char buf[512];
    FILE *f = tmpfile();
    assert_non_null(f);
    ASSERT_ST(parse("nexus-scenario 1\n\nprogram syscalls qos=fast\n"), NX_ERR_INVALID_ARGS);
    nx_scenario_error_print(&err, f);
    err.line = 0;
    snprintf(err.message, sizeof err.message, "cannot open");
    nx_scenario_error_print(&err, f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1u, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, "t.nxs:3:22: error: unknown qos 'fast' (idle, normal, interactive "
                             "or perfburst)\n"
                             "t.nxs: error: cannot open\n");
}

/* --- Files ---------------------------------------------------------------------- */

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
    (void)state;
    static char text[NX_SCENARIO_MAX_BYTES + 1u];
    char path[4096];
    snprintf(path, sizeof path, "%s", nx_test_data_path("test_scenario_parse.nxs"));

    write_file(path, full_text, sizeof full_text - 1u);
    ASSERT_ST(nx_scenario_load(path, &scn, &err), NX_OK);
    assert_string_equal(scn.file, path);
    assert_int_equal(scn.cfg.program_count, 4);

    /* Exactly the largest size, and one byte more. */
    size_t n = (size_t)snprintf(text, sizeof text, "nexus-scenario 1\n");
    while (n < NX_SCENARIO_MAX_BYTES) {
        size_t line = NX_SCENARIO_MAX_BYTES - n < 100u ? NX_SCENARIO_MAX_BYTES - n : 100u;
        memset(text + n, '#', line - 1u);
        text[n + line - 1u] = '\n';
        n += line;
    }
    write_file(path, text, n);
    ASSERT_ST(nx_scenario_load(path, &scn, &err), NX_OK);
    text[n++] = '\n';
    write_file(path, text, n);
    ASSERT_ST(nx_scenario_load(path, &scn, &err), NX_ERR_OUT_OF_RANGE);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "over 262144 bytes"));
    remove(path);

    ASSERT_ST(nx_scenario_load(path, &scn, &err), NX_ERR_NOT_FOUND);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "cannot open the scenario"));
    ASSERT_ST(nx_scenario_load(NX_TEST_DATA_DIR, &scn, &err), NX_ERR_IO);
    assert_int_equal(err.line, 0);
    ASSERT_ST(nx_scenario_load(NULL, &scn, &err), NX_ERR_NOT_FOUND);
}

/* --- The corpus ------------------------------------------------------------------ */

static const char small_text[] = "nexus-scenario 1\r\n"
                                 "\tprogram\tsyscalls  arg=0x10\r\n"
                                 "expect console \"SELFTEST: syscalls ok\"   # trailing\r\n"
                                 "expect exit 0\r\n";

static const char forward_text[] = "nexus-scenario 1\n"
                                   "at 10ms kill handles\n"
                                   "at 1ms ipi-drop 5 1\n"
                                   "at 2ms timer-jitter all 3us\n"
                                   "expect counter switches != 3\n"
                                   "expect counter timer.coalesced >= 1\n"
                                   "machine harts=6 seed=7\n"
                                   "program vmo_peer peer=vmo_share\n"
                                   "program handles qos=interactive\n"
                                   "program vmo_share peer=vmo_peer\n"
                                   "limit events=100000\n";

/* Pieces the mutator inserts: tokens, numbers at and past bounds, bytes the
 * lexer treats specially. */
static const char *const splices[] = {
    "\"",
    "\\",
    "#",
    "=",
    "\n",
    "\r",
    "\t",
    " ",
    "\\n",
    "0x",
    "-",
    "99999999999999999999999",
    "18446744073709551616",
    "18446744073709551615",
    "4294967296",
    "0",
    "64",
    "97",
    "ns",
    "s",
    "min",
    "all",
    "machine harts=2",
    "program syscalls",
    "program fault peer=nosuch",
    "at 1ms kill nosuch",
    "at 1ms ipi-drop 9 1",
    "expect counter nope == 1",
    "expect digest 0x1",
    "nexus-scenario 1",
    "nexus-scenario 2",
    "qos=",
    "policy",
    "\"unterminated",
};

/* Lines in text: a last line without newline counts; an empty text has none. */
static uint32_t count_lines(const char *text, size_t len)
{
    uint32_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    return lines + (len > 0u && text[len - 1u] != '\n');
}

/* Bytes of line `line` (1-based), its newline not counted. */
static size_t line_length(const char *text, size_t len, uint32_t line)
{
    size_t i = 0;
    for (uint32_t l = 1; l < line && i < len; i++)
        l += text[i] == '\n';
    size_t start = i;
    while (i < len && text[i] != '\n')
        i++;
    return i - start;
}

/* Apply one random mutation to buf (len bytes, MUTANT_BYTES room). */
static size_t mutate(nx_prng_t *rng, char *buf, size_t len)
{
    uint64_t kind = nx_prng_below(rng, 9);
    size_t at = len > 0u ? (size_t)nx_prng_below(rng, len + 1u) : 0u;
    switch (kind) {
    case 0: /* flip a byte to any value, NUL included */
        if (len > 0u)
            buf[at < len ? at : len - 1u] = (char)nx_prng_below(rng, 256);
        return len;
    case 1: { /* delete a run */
        size_t run = (size_t)nx_prng_range(rng, 1, 16);
        if (at + run > len)
            run = len - at;
        memmove(buf + at, buf + at + run, len - at - run);
        return len - run;
    }
    case 2:   /* insert a piece */
    case 3: { /* (twice as often: pieces reach deep into the grammar) */
        const char *s = splices[nx_prng_below(rng, sizeof splices / sizeof splices[0])];
        size_t n = strlen(s);
        if (len + n > MUTANT_BYTES)
            return len;
        memmove(buf + at + n, buf + at, len - at);
        memcpy(buf + at, s, n);
        return len + n;
    }
    case 4: { /* insert a NUL or a random byte */
        if (len + 1u > MUTANT_BYTES)
            return len;
        memmove(buf + at + 1u, buf + at, len - at);
        buf[at] = nx_prng_below(rng, 2) ? '\0' : (char)nx_prng_below(rng, 256);
        return len + 1u;
    }
    case 5: { /* an over-long run of one byte: lines and strings past their bounds */
        size_t n = (size_t)nx_prng_range(rng, NX_SCENARIO_MAX_TEXT - 2u, NX_SCENARIO_MAX_LINE + 2u);
        if (len + n > MUTANT_BYTES)
            return len;
        memmove(buf + at + n, buf + at, len - at);
        memset(buf + at, nx_prng_below(rng, 2) ? 'a' : '9', n);
        return len + n;
    }
    default: { /* duplicate, drop or move a whole line */
        size_t starts[MUTANT_BYTES / 8u];
        size_t lines = 0;
        for (size_t i = 0; i < len && lines < sizeof starts / sizeof starts[0]; i++)
            if (i == 0 || buf[i - 1u] == '\n')
                starts[lines++] = i;
        if (lines == 0u)
            return len;
        size_t l = (size_t)nx_prng_below(rng, lines);
        size_t s = starts[l], e = l + 1u < lines ? starts[l + 1u] : len;
        static char line[MUTANT_BYTES];
        memcpy(line, buf + s, e - s);
        size_t n = e - s;
        if (kind != 6) { /* drop it (and for a move, put it back elsewhere) */
            memmove(buf + s, buf + e, len - e);
            len -= n;
            if (kind == 7)
                return len;
        }
        if (len + n > MUTANT_BYTES)
            return len;
        size_t to = starts[nx_prng_below(rng, lines)];
        to = to > len ? len : to;
        memmove(buf + to + n, buf + to, len - to);
        memcpy(buf + to, line, n);
        return len + n;
    }
    }
}

struct corpus_stats {
    uint32_t cases, accepted, rejected;
    uint32_t distinct;
    char messages[MAX_DISTINCT][MESSAGE_KEY + 1u];
};

static struct corpus_stats corpus;

/* Record a message's fixed beginning (before its first quoted token). */
static void note_message(const char *message)
{
    char key[MESSAGE_KEY + 1u];
    size_t n = strcspn(message, "'\"0123456789");
    n = n < MESSAGE_KEY ? n : MESSAGE_KEY;
    memcpy(key, message, n);
    key[n] = '\0';
    for (uint32_t i = 0; i < corpus.distinct; i++)
        if (strcmp(corpus.messages[i], key) == 0)
            return;
    if (corpus.distinct < MAX_DISTINCT)
        memcpy(corpus.messages[corpus.distinct++], key, n + 1u);
}

/* Parse one mutant from a buffer that ends at a guard page and check
 * everything the API promises about the answer. */
static void check_one(const char *name, uint32_t index, const char *text, size_t len)
{
    nx_guarded_t g = nx_guarded_alloc(text, len);
    nx_status_t st = nx_scenario_parse((const char *)g.data, len, "m.nxs", &scn, &err);
    corpus.cases++;
    if (st == NX_ERR_INVALID_ARGS) {
        corpus.rejected++;
        uint32_t lines = count_lines(text, len);
        uint32_t max_line = lines > 0u ? lines : 1u;
        size_t line_len = line_length(text, len, err.line);
        if (err.line < 1u || err.line > max_line || err.column < 1u || err.column > line_len + 1u ||
            err.message[0] == '\0' || strchr(err.message, '\n') != NULL ||
            strcmp(err.file, "m.nxs") != 0)
            fail_msg("%s mutant %u: error at %u:%u (%u lines, that one %zu bytes): '%s'", name,
                     index, err.line, err.column, lines, line_len, err.message);
        note_message(err.message);
    } else if (st == NX_OK) {
        corpus.accepted++;
        const nx_sim_config_t *c = &scn.cfg;
        assert_int_equal(scn.version, 1);
        assert_true(c->harts >= 1u && c->harts <= NX_SIM_MAX_HARTS);
        assert_true(c->boot_hartid < c->harts);
        assert_true(c->time_limit_ns > 0u);
        assert_true(c->bootargs == NULL || c->bootargs == scn.bootargs);
        assert_true(c->program_count <= NX_MAX_BOOT_PROGRAMS);
        for (uint32_t i = 0; i < c->program_count; i++) {
            assert_ptr_equal(c->programs[i].name, scn.names[i]);
            assert_non_null(nx_sim_program_find(c->programs[i].name));
            assert_true(c->programs[i].peer == NULL || c->programs[i].peer == scn.peers[i]);
        }
        assert_true(c->injection_count <= NX_SIM_MAX_INJECTIONS);
        for (uint32_t i = 0; i < c->injection_count; i++) {
            const nx_sim_injection_t *j = &c->injections[i];
            assert_true(j->kind >= 1u && j->kind <= NX_SIM_INJECT_KIND_MAX);
            if (j->kind == NX_SIM_INJECT_KILL_TASK)
                assert_true(j->target < c->program_count);
            else if (j->kind >= NX_SIM_INJECT_IPI_DROP)
                assert_true(j->target < c->harts || j->target == NX_SIM_ALL_HARTS);
            else
                assert_true(j->target >= 1u && j->target <= 96u);
        }
        assert_true(scn.expect_count <= NX_SCENARIO_MAX_EXPECTS);
        for (uint32_t i = 0; i < scn.expect_count; i++)
            assert_true(scn.expects[i].kind >= NX_EXPECT_CONSOLE &&
                        scn.expects[i].kind <= NX_EXPECT_DIGEST);
    } else {
        fail_msg("%s mutant %u: %s", name, index, nx_status_name(st));
    }
    if (index % DETERMINISM_EVERY == 0u) {
        memcpy(&scn2, &scn, sizeof scn);
        memcpy(&err2, &err, sizeof err);
        assert_int_equal(nx_scenario_parse((const char *)g.data, len, "m.nxs", &scn, &err), st);
        assert_memory_equal(&err, &err2, sizeof err);
        if (st == NX_OK)
            assert_memory_equal(&scn, &scn2, sizeof scn);
    }
    nx_guarded_free(&g);
}

static void run_corpus(const char *name, const char *base, uint64_t seed)
{
    static char buf[MUTANT_BYTES];
    size_t base_len = strlen(base);
    uint32_t index = 0;
    /* The base itself is valid; so is nothing shorter than its first line. */
    ASSERT_ST(nx_scenario_parse(base, base_len, "m.nxs", &scn, &err), NX_OK);
    for (size_t cut = 0; cut <= base_len; cut++)
        check_one(name, index++, base, cut);
    nx_prng_t rng;
    nx_prng_seed(&rng, seed);
    for (uint32_t m = 0; m < MUTANTS_PER_BASE; m++) {
        memcpy(buf, base, base_len);
        size_t len = base_len;
        uint32_t count = (uint32_t)nx_prng_range(&rng, 1, MAX_MUTATIONS);
        for (uint32_t k = 0; k < count; k++)
            len = mutate(&rng, buf, len);
        check_one(name, index++, buf, len);
    }
}

static void test_corpus_full(void **state)
{
    (void)state;
    run_corpus("full", full_text, SEED_CORPUS);
}

static void test_corpus_small(void **state)
{
    (void)state;
    run_corpus("small", small_text, SEED_CORPUS + 1u);
}

static void test_corpus_forward(void **state)
{
    (void)state;
    run_corpus("forward", forward_text, SEED_CORPUS + 2u);
}

static void test_corpus_summary(void **state)
{
    (void)state;
    print_message("[ corpus   ] %u mutants: %u accepted, %u refused with %u kinds of message\n",
                  corpus.cases, corpus.accepted, corpus.rejected, corpus.distinct);
    assert_true(corpus.accepted >= MIN_ACCEPTED);
    assert_true(corpus.distinct >= MIN_DISTINCT_ERRORS);
}

/* --- Counters and the checker ----------------------------------------------------- */

static nx_sim_result_t *fake_result(void)
{
    nx_sim_result_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->stop = NX_SIM_STOP_SHUTDOWN;
    r->exit_code = NX_EXIT_PASS;
    r->end_time_ns = 1500000u;
    r->switches = 11;
    r->events = 12;
    r->injections = 13;
    r->ipis_dropped = 14;
    r->raises_lost = 15;
    r->digest = 0xfeedfacecafebeefull;
    r->tlb_shootdowns = 16;
    for (uint32_t k = 0; k < NX_TRACE_KIND_COUNT; k++)
        r->trace_events[k] = 100u + k;
    r->hart_count = 3;
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        r->sched[h].switches = 1000u * (h + 1u);
        r->sched[h].steals = 2u;
        r->sched[h].ipi_sent[NX_IPI_CORRECTNESS] = 5u;
        r->sched[h].ipi_sent[NX_IPI_BEST_EFFORT] = 7u;
        r->sched[h].ipi_received = 1u;
        r->timer[h].coalesced = 4u;
        r->timer[h].armed = 9u;
    }
    static const char console[] = "boot\nSELFTEST: syscalls ok\ninit: all programs passed\n";
    memcpy(r->console, console, sizeof console);
    r->console_len = sizeof console - 1u;
    r->console_dropped = 10;
    return r;
}

static void test_counters(void **state)
{
    (void)state;
    nx_sim_result_t *r = fake_result();
    static const struct {
        const char *name;
        uint64_t value;
    } want[] = {
        { "switches", 11 },
        { "events", 12 },
        { "injections", 13 },
        { "ipis-dropped", 14 },
        { "raises-lost", 15 },
        { "tlb-shootdowns", 16 },
        { "end-time-ns", 1500000 },
        { "digest", 0xfeedfacecafebeefull },
        { "exit-code", 0 },
        { "console-bytes", 53 + 10 }, /* kept and cut */
        { "trace.context-switch", 101 },
        { "trace.ipi-send", 107 },
        { "trace.thread-exit", 113 },
        { "sched.switches", 6000 }, /* harts 0..2 only */
        { "sched.steals", 6 },
        { "sched.ipi-sent", 36 },
        { "sched.ipi-sent.correctness", 15 },
        { "sched.ipi-sent.best-effort", 21 },
        { "sched.ipi-received", 3 },
        { "sched.ipi-failed", 0 },
        { "timer.coalesced", 12 },
        { "timer.armed", 27 },
        { "timer.fired", 0 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t v = 0;
        if (!nx_scenario_counter(r, want[i].name, &v) || v != want[i].value)
            fail_msg("counter %s: %llu, want %llu", want[i].name, (unsigned long long)v,
                     (unsigned long long)want[i].value);
        assert_true(nx_scenario_counter(NULL, want[i].name, NULL));
    }
    /* Every trace kind by its name. */
    for (uint32_t k = 1; k < NX_TRACE_KIND_COUNT; k++) {
        char name[NX_SCENARIO_MAX_NAME];
        uint64_t v = 0;
        snprintf(name, sizeof name, "trace.%s", nx_trace_kind_name((nx_trace_kind_t)k));
        assert_true(nx_scenario_counter(r, name, &v));
        assert_int_equal(v, 100u + k);
    }
    static const char *const unknown[] = {
        "",       "switch",         "Switches", "trace.",         "trace.none", "trace.unknown",
        "sched.", "sched.ipi_sent", "timer.",   "timer.switches", "switches ",  "hart0"
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        uint64_t v = 77;
        if (nx_scenario_counter(r, unknown[i], &v) || v != 77u)
            fail_msg("'%s' is a counter", unknown[i]);
    }
    assert_false(nx_scenario_counter(r, NULL, NULL));
    free(r);
}

/* The report's lines, from a tmpfile. */
static uint32_t check_report(const nx_sim_result_t *r, char *out, size_t size)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    uint32_t failed = nx_scenario_check(&scn, r, f);
    rewind(f);
    size_t n = fread(out, 1, size - 1u, f);
    out[n] = '\0';
    fclose(f);
    return failed;
}

static void test_check(void **state)
{
    (void)state;
    static char report[8192];
    nx_sim_result_t *r = fake_result();
    ASSERT_ST(parse("nexus-scenario 1\n"
                    "expect console \"SELFTEST: syscalls ok\\n\"\n"
                    "expect no-console \"panic\"\n"
                    "expect exit pass\n"
                    "expect stop shutdown\n"
                    "expect counter switches == 11\n"
                    "expect counter sched.steals > 5\n"
                    "expect counter end-time-ns <= 1500us\n"
                    "expect counter events != 13\n"
                    "expect counter events < 13\n"
                    "expect counter events >= 12\n"
                    "expect digest 0xfeedfacecafebeef\n"),
              NX_OK);
    assert_int_equal(check_report(r, report, sizeof report), 0);
    assert_string_equal(report, "");
    assert_int_equal(nx_scenario_check(&scn, r, NULL), 0);

    /* Now every one fails. */
    static const char broken[] = "boot\npanic: oops\n";
    memcpy(r->console, broken, sizeof broken);
    r->console_len = sizeof broken - 1u;
    r->exit_code = NX_EXIT_PANIC;
    r->switches = 12;
    r->sched[0].steals = 0;
    r->end_time_ns = 1500001;
    r->events = 13;
    r->digest = 1;
    assert_int_equal(check_report(r, report, sizeof report), 9); /* all but stop, >= 12 */
    static const char *const lines[] = {
        ("t.nxs:2: expected the console to contain \"SELFTEST: syscalls ok\\n\"; got no such text "
         "in 17 bytes of console (cut: more was written than kept)\n"),
        "t.nxs:3: expected the console not to contain \"panic\"; got it at byte 5\n",
        "t.nxs:4: expected exit pass (0); got exit panic (3)\n",
        "t.nxs:6: expected counter switches == 11; got 12\n",
        "t.nxs:7: expected counter sched.steals > 5; got 4\n",
        "t.nxs:8: expected counter end-time-ns <= 1500000; got 1500001\n",
        "t.nxs:9: expected counter events != 13; got 13\n",
        "t.nxs:10: expected counter events < 13; got 13\n",
        "t.nxs:12: expected digest 0xfeedfacecafebeef; got 0x0000000000000001\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (strstr(report, lines[i]) == NULL)
            fail_msg("the report lacks '%s'; it is:\n%s", lines[i], report);

    /* A machine that never shut down fails exit and stop expectations. */
    r->stop = NX_SIM_STOP_DEADLOCK;
    r->exit_code = NX_EXIT_PASS;
    ASSERT_ST(parse("nexus-scenario 1\nexpect exit pass\nexpect stop shutdown\n"
                    "expect stop deadlock\nexpect exit 7\n"),
              NX_OK);
    assert_int_equal(check_report(r, report, sizeof report), 3);
    assert_non_null(strstr(report, "t.nxs:2: expected exit pass (0); got no exit: the machine "
                                   "stopped with deadlock, not shutdown\n"));
    assert_non_null(strstr(report, "t.nxs:3: expected stop shutdown; got stop deadlock at"));
    assert_non_null(strstr(report, "t.nxs:5: expected exit 7; got no exit"));
    free(r);
}

/* A parsed scenario runs, and the checker reads the real result. */
static void test_run(void **state)
{
    (void)state;
    ASSERT_ST(parse("nexus-scenario 1\n"
                    "machine harts=2 seed=3\n"
                    "program syscalls\n"
                    "limit time=10s\n"
                    "expect console \"SELFTEST: syscalls ok\"\n"
                    "expect no-console \"PANIC\"\n"
                    "expect exit pass\n"
                    "expect stop shutdown\n"
                    "expect counter switches > 0\n"
                    "expect counter trace.context-switch > 0\n"
                    "expect counter trace.syscall-enter > 0\n"
                    "expect counter sched.switches > 0\n"
                    "expect counter end-time-ns < 10s\n"
                    "expect counter console-bytes > 0\n"),
              NX_OK);
    nx_sim_result_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    ASSERT_ST(nx_sim_run(&scn.cfg, r), NX_OK);
    uint32_t failed = nx_scenario_check(&scn, r, stdout);
    if (failed != 0u)
        printf("console:\n%s\n", r->console);
    assert_int_equal(failed, 0);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_layout_and_forward_names),
        cmocka_unit_test(test_bounds_accepted),
        cmocka_unit_test(test_doc_example),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_errors_generated),
        cmocka_unit_test(test_error_print),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_corpus_full),
        cmocka_unit_test(test_corpus_small),
        cmocka_unit_test(test_corpus_forward),
        cmocka_unit_test(test_corpus_summary),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_run),
    };
    return cmocka_run_group_tests_name("scenario_parse", tests, NULL, NULL);
}
