/*
 * fuzz_scenario.c - libFuzzer target: nx_scenario_parse(), the scenario
 * file parser (sim/scenario.c; the format is docs/scenarios.md).
 *
 * The input is the file's text.
 *   - refused: NX_ERR_INVALID_ARGS with a place inside the text (a line
 *     it has, a column at most one past that line's end) and a one-line,
 *     printable message; the file name as given;
 *   - accepted: every value within the bounds nxsim/scenario.h documents
 *     (harts, memory, interleave, boot hart, programs registered, peers
 *     and killed programs among the file's programs, injections' kinds and
 *     targets, expectations), and a round trip: the scenario written back
 *     as text (this file's writer, one directive per line) parses to the
 *     same scenario.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "nxsim/irq.h"
#include "nxsim/program.h"
#include "nxsim/scenario.h"

#define FILE_NAME "fuzz.nxs"

static const char *const qos_names[NX_QOS_COUNT] = {
    [NX_QOS_IDLE] = "idle",
    [NX_QOS_NORMAL] = "normal",
    [NX_QOS_INTERACTIVE] = "interactive",
    [NX_QOS_PERFBURST] = "perfburst",
};

static const char *const inject_names[NX_SIM_INJECT_KIND_MAX + 1u] = {
    [NX_SIM_INJECT_IRQ] = "irq",
    [NX_SIM_INJECT_IRQ_DELAY] = "irq-delay",
    [NX_SIM_INJECT_DEVICE_FAIL] = "device-fail",
    [NX_SIM_INJECT_KILL_TASK] = "kill",
    [NX_SIM_INJECT_IPI_DROP] = "ipi-drop",
    [NX_SIM_INJECT_IPI_DELAY] = "ipi-delay",
    [NX_SIM_INJECT_TIMER_JITTER] = "timer-jitter",
};

static const char *const expect_names[] = {
    [NX_EXPECT_CONSOLE] = "console", [NX_EXPECT_NO_CONSOLE] = "no-console",
    [NX_EXPECT_EXIT] = "exit",       [NX_EXPECT_STOP] = "stop",
    [NX_EXPECT_COUNTER] = "counter", [NX_EXPECT_DIGEST] = "digest",
};

/* --- refused -------------------------------------------------------------- */

static void check_refused(const char *text, size_t len, const nx_scenario_error_t *err)
{
    FUZZ_CHECK(strcmp(err->file, FILE_NAME) == 0, "error names the file '%s'", err->file);
    /* The line must be one the text has; find where it starts. */
    uint32_t line = 1;
    size_t start = 0;
    while (line < err->line && start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        if (nl == NULL)
            break;
        start = (size_t)(nl - text) + 1u;
        line++;
    }
    FUZZ_CHECK(err->line >= 1u && line == err->line, "error at line %u of a %u-line text",
               err->line, line);
    const char *nl = memchr(text + start, '\n', len - start);
    size_t line_len = nl != NULL ? (size_t)(nl - (text + start)) : len - start;
    FUZZ_CHECK(err->column >= 1u && err->column <= line_len + 1u,
               "error at %u:%u, the line is %zu bytes", err->line, err->column, line_len);
    size_t n = strnlen(err->message, sizeof err->message);
    FUZZ_CHECK(n > 0u && n < sizeof err->message, "message empty or unterminated");
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(err->message[i] >= 0x20 && err->message[i] < 0x7f,
                   "byte %zu of the message is %#x: not one printable line", i,
                   (unsigned)(unsigned char)err->message[i]);
}

/* --- accepted: bounds ------------------------------------------------------- */

static uint32_t program_named(const nx_scenario_t *s, const char *name)
{
    uint32_t i = 0;
    while (i < s->cfg.program_count && strcmp(s->names[i], name) != 0)
        i++;
    return i;
}

static void check_terminated(const char *s, size_t size, const char *what)
{
    FUZZ_CHECK(memchr(s, '\0', size) != NULL, "%s not terminated", what);
}

static void check_bounds(const nx_scenario_t *s)
{
    const nx_sim_config_t *c = &s->cfg;
    FUZZ_CHECK(s->version >= 1u && s->version <= NX_SCENARIO_VERSION, "version %u", s->version);
    FUZZ_CHECK(c->harts >= 1u && c->harts <= NX_SIM_MAX_HARTS, "%u harts", c->harts);
    FUZZ_CHECK(c->boot_hartid < c->harts, "boot hart %llu of %u",
               (unsigned long long)c->boot_hartid, c->harts);
    FUZZ_CHECK(c->memory_bytes == NX_SIM_DEFAULT_MEMORY ||
                   (c->memory_bytes % (1u << 20) == 0u && c->memory_bytes >= (1u << 20) &&
                    c->memory_bytes <= ((uint64_t)NX_SCENARIO_MAX_MEMORY_MIB << 20)),
               "memory %llu bytes", (unsigned long long)c->memory_bytes);
    FUZZ_CHECK(c->interleave_per_mille <= NX_SCENARIO_MAX_INTERLEAVE, "interleave %u",
               c->interleave_per_mille);
    FUZZ_CHECK(c->time_limit_ns > 0u, "a zero time limit");
    check_terminated(s->bootargs, sizeof s->bootargs, "bootargs");
    FUZZ_CHECK(c->bootargs == NULL || c->bootargs == s->bootargs, "bootargs elsewhere");

    FUZZ_CHECK(c->program_count <= NX_MAX_BOOT_PROGRAMS, "%u programs", c->program_count);
    for (uint32_t i = 0; i < c->program_count; i++) {
        const nx_sim_program_spec_t *p = &c->programs[i];
        check_terminated(s->names[i], sizeof s->names[i], "program name");
        check_terminated(s->peers[i], sizeof s->peers[i], "peer name");
        FUZZ_CHECK(p->name == s->names[i] && nx_sim_program_find(p->name) != NULL,
                   "program %u '%s' not registered", i, s->names[i]);
        FUZZ_CHECK((uint32_t)p->qos < NX_QOS_COUNT, "program %u: qos %d", i, (int)p->qos);
        FUZZ_CHECK(p->peer == NULL ||
                       (p->peer == s->peers[i] && program_named(s, p->peer) < c->program_count),
                   "program %u: peer '%s' is not a program", i, s->peers[i]);
    }

    FUZZ_CHECK(c->injection_count <= NX_SIM_MAX_INJECTIONS, "%u injections", c->injection_count);
    for (uint32_t i = 0; i < c->injection_count; i++) {
        const nx_sim_injection_t *j = &c->injections[i];
        FUZZ_CHECK(j->kind >= 1u && j->kind <= NX_SIM_INJECT_KIND_MAX, "injection %u: kind %u", i,
                   j->kind);
        switch ((nx_sim_inject_kind_t)j->kind) {
        case NX_SIM_INJECT_IRQ:
        case NX_SIM_INJECT_IRQ_DELAY:
        case NX_SIM_INJECT_DEVICE_FAIL:
            FUZZ_CHECK(j->target >= 1u && j->target <= NX_SIM_IRQ_SOURCES,
                       "injection %u: source %u", i, j->target);
            break;
        case NX_SIM_INJECT_KILL_TASK:
            FUZZ_CHECK(j->target < c->program_count, "injection %u kills program %u of %u", i,
                       j->target, c->program_count);
            break;
        case NX_SIM_INJECT_IPI_DROP:
            FUZZ_CHECK(j->value >= 1u, "injection %u drops 0 IPIs", i);
            FUZZ_CHECK(j->target == NX_SIM_ALL_HARTS || j->target < c->harts,
                       "injection %u: hart %u of %u", i, j->target, c->harts);
            break;
        case NX_SIM_INJECT_IPI_DELAY:
        case NX_SIM_INJECT_TIMER_JITTER:
            FUZZ_CHECK(j->target == NX_SIM_ALL_HARTS || j->target < c->harts,
                       "injection %u: hart %u of %u", i, j->target, c->harts);
            break;
        }
        bool takes_value = j->kind != NX_SIM_INJECT_IRQ && j->kind != NX_SIM_INJECT_DEVICE_FAIL &&
                           j->kind != NX_SIM_INJECT_KILL_TASK;
        FUZZ_CHECK(takes_value || j->value == 0u, "injection %u: a value for an event without", i);
    }

    FUZZ_CHECK(s->expect_count <= NX_SCENARIO_MAX_EXPECTS, "%u expects", s->expect_count);
    uint32_t digests = 0;
    for (uint32_t i = 0; i < s->expect_count; i++) {
        const nx_scenario_expect_t *x = &s->expects[i];
        FUZZ_CHECK(x->line >= 1u, "expect %u on line 0", i);
        check_terminated(x->text, sizeof x->text, "expect text");
        check_terminated(x->counter, sizeof x->counter, "counter name");
        FUZZ_CHECK(x->cmp == NX_CMP_EQ || x->kind == NX_EXPECT_COUNTER,
                   "expect %u: a comparison on a kind %u", i, x->kind);
        switch ((nx_expect_kind_t)x->kind) {
        case NX_EXPECT_CONSOLE:
        case NX_EXPECT_NO_CONSOLE:
            FUZZ_CHECK(x->text[0] != '\0', "expect %u: empty console text", i);
            break;
        case NX_EXPECT_EXIT:
            FUZZ_CHECK(x->value <= NX_SCENARIO_MAX_EXIT, "expect %u: exit %llu", i,
                       (unsigned long long)x->value);
            break;
        case NX_EXPECT_STOP:
            FUZZ_CHECK(x->value <= NX_SIM_STOP_EVENT_LIMIT, "expect %u: stop %llu", i,
                       (unsigned long long)x->value);
            break;
        case NX_EXPECT_COUNTER:
            FUZZ_CHECK(nx_scenario_counter(NULL, x->counter, NULL), "expect %u: counter '%s'", i,
                       x->counter);
            FUZZ_CHECK(x->cmp <= NX_CMP_GE, "expect %u: comparison %u", i, x->cmp);
            break;
        case NX_EXPECT_DIGEST:
            digests++;
            break;
        default:
            FUZZ_CHECK(false, "expect %u: kind %u", i, x->kind);
        }
    }
    FUZZ_CHECK(digests <= 1u, "%u digest expectations", digests);
}

/* --- accepted: the round trip ----------------------------------------------- */

/* A quoted string, escaped the three ways the format has. */
static void put_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void put_hart(FILE *f, uint32_t target)
{
    if (target == NX_SIM_ALL_HARTS)
        fputs(" all", f);
    else
        fprintf(f, " %u", target);
}

static void write_scenario(const nx_scenario_t *s, FILE *f)
{
    const nx_sim_config_t *c = &s->cfg;
    fprintf(f, "nexus-scenario %u\n", s->version);
    fprintf(f, "machine harts=%u memory-mib=%" PRIu64 " boot-hart=%" PRIu64 " interleave=%u",
            c->harts, c->memory_bytes >> 20, c->boot_hartid, c->interleave_per_mille);
    if (s->seed_given)
        fprintf(f, " seed=%" PRIu64, c->seed);
    fputc('\n', f);
    if (c->bootargs != NULL) {
        fputs("bootargs ", f);
        put_text(f, c->bootargs);
        fputc('\n', f);
    }
    for (uint32_t i = 0; i < c->program_count; i++) {
        const nx_sim_program_spec_t *p = &c->programs[i];
        fprintf(f, "program %s arg=%" PRIuPTR " qos=%s affinity=%u expect-exit=%" PRId32, p->name,
                p->arg, qos_names[p->qos], p->affinity, p->expect_exit);
        if (p->peer != NULL)
            fprintf(f, " peer=%s", p->peer);
        fputs(p->policy ? " policy\n" : "\n", f);
    }
    for (uint32_t i = 0; i < c->injection_count; i++) {
        const nx_sim_injection_t *j = &c->injections[i];
        fprintf(f, "at %" PRIu64 "ns %s", j->time_ns, inject_names[j->kind]);
        switch ((nx_sim_inject_kind_t)j->kind) {
        case NX_SIM_INJECT_IRQ:
        case NX_SIM_INJECT_DEVICE_FAIL:
            fprintf(f, " %u", j->target);
            break;
        case NX_SIM_INJECT_IRQ_DELAY:
            fprintf(f, " %u %" PRIu64 "ns", j->target, j->value);
            break;
        case NX_SIM_INJECT_KILL_TASK:
            fprintf(f, " %s", s->names[j->target]);
            break;
        case NX_SIM_INJECT_IPI_DROP:
            put_hart(f, j->target);
            fprintf(f, " %" PRIu64, j->value);
            break;
        case NX_SIM_INJECT_IPI_DELAY:
        case NX_SIM_INJECT_TIMER_JITTER:
            put_hart(f, j->target);
            fprintf(f, " %" PRIu64 "ns", j->value);
            break;
        }
        fputc('\n', f);
    }
    fprintf(f, "limit time=%" PRIu64 "ns events=%" PRIu64 "\n", c->time_limit_ns, c->event_limit);
    for (uint32_t i = 0; i < s->expect_count; i++) {
        const nx_scenario_expect_t *x = &s->expects[i];
        fprintf(f, "expect %s ", expect_names[x->kind]);
        switch ((nx_expect_kind_t)x->kind) {
        case NX_EXPECT_CONSOLE:
        case NX_EXPECT_NO_CONSOLE:
            put_text(f, x->text);
            break;
        case NX_EXPECT_EXIT:
            fprintf(f, "%" PRIu64, x->value);
            break;
        case NX_EXPECT_STOP:
            fputs(nx_sim_stop_name((nx_sim_stop_t)x->value), f);
            break;
        case NX_EXPECT_COUNTER:
            fprintf(f, "%s %s %" PRIu64, x->counter, nx_scenario_cmp_name((nx_cmp_t)x->cmp),
                    x->value);
            break;
        case NX_EXPECT_DIGEST:
            fprintf(f, "0x%016" PRIx64, x->value);
            break;
        }
        fputc('\n', f);
    }
}

#define SAME(field, fmt)                                                                           \
    FUZZ_CHECK(a->field == b->field, "round trip: " #field " " fmt " became " fmt, a->field,       \
               b->field)
#define SAME_TEXT(field)                                                                           \
    FUZZ_CHECK(strcmp(a->field, b->field) == 0, "round trip: " #field " '%s' became '%s'",         \
               a->field, b->field)

static void check_same(const nx_scenario_t *sa, const nx_scenario_t *sb)
{
    const nx_scenario_t *a = sa, *b = sb;
    SAME(version, "%u");
    SAME(seed_given, "%d");
    SAME(expect_count, "%u");
    SAME_TEXT(bootargs);
    {
        const nx_sim_config_t *ca = &sa->cfg, *cb = &sb->cfg;
        FUZZ_CHECK((ca->bootargs == NULL) == (cb->bootargs == NULL), "round trip: bootargs lost");
#define CFG(field, fmt)                                                                            \
    FUZZ_CHECK(ca->field == cb->field, "round trip: cfg." #field " " fmt " became " fmt,           \
               ca->field, cb->field)
        CFG(harts, "%u");
        CFG(seed, "%" PRIu64);
        CFG(memory_bytes, "%" PRIu64);
        CFG(boot_hartid, "%" PRIu64);
        CFG(time_limit_ns, "%" PRIu64);
        CFG(interleave_per_mille, "%u");
        CFG(event_limit, "%" PRIu64);
        CFG(program_count, "%u");
        CFG(injection_count, "%u");
#undef CFG
    }
    for (uint32_t i = 0; i < sa->cfg.program_count; i++) {
        const nx_sim_program_spec_t *pa = &sa->cfg.programs[i], *pb = &sb->cfg.programs[i];
        FUZZ_CHECK(strcmp(pa->name, pb->name) == 0 && pa->arg == pb->arg && pa->qos == pb->qos &&
                       pa->affinity == pb->affinity && pa->policy == pb->policy &&
                       pa->expect_exit == pb->expect_exit &&
                       (pa->peer == NULL) == (pb->peer == NULL) &&
                       (pa->peer == NULL || strcmp(pa->peer, pb->peer) == 0),
                   "round trip: program %u '%s' changed", i, pa->name);
    }
    for (uint32_t i = 0; i < sa->cfg.injection_count; i++) {
        const nx_sim_injection_t *ja = &sa->cfg.injections[i], *jb = &sb->cfg.injections[i];
        FUZZ_CHECK(ja->time_ns == jb->time_ns && ja->kind == jb->kind && ja->target == jb->target &&
                       ja->value == jb->value,
                   "round trip: injection %u (%s) changed", i, inject_names[ja->kind]);
    }
    for (uint32_t i = 0; i < sa->expect_count; i++) {
        const nx_scenario_expect_t *xa = &sa->expects[i], *xb = &sb->expects[i];
        FUZZ_CHECK(xa->kind == xb->kind && xa->cmp == xb->cmp && xa->value == xb->value &&
                       strcmp(xa->text, xb->text) == 0 && strcmp(xa->counter, xb->counter) == 0,
                   "round trip: expect %u (%s) changed", i, expect_names[xa->kind]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nx_scenario_t s, back; /* 30 KiB each: not on the stack */
    nx_scenario_error_t err;
    const char *text = (const char *)data;
    nx_status_t st = nx_scenario_parse(text, size, FILE_NAME, &s, &err);
    if (st != NX_OK) {
        FUZZ_SAY("fuzz_scenario: refused: %u:%u: %s\n", err.line, err.column, err.message);
        FUZZ_CHECK(st == NX_ERR_INVALID_ARGS, "status %s", nx_status_name(st));
        FUZZ_CHECK(size <= NX_SCENARIO_MAX_BYTES, "a too-long text at %u:%u", err.line, err.column);
        check_refused(text, size, &err);
        return 0;
    }
    FUZZ_SAY("fuzz_scenario: accepted: %u harts, %u programs, %u injections, %u expects\n",
             s.cfg.harts, s.cfg.program_count, s.cfg.injection_count, s.expect_count);
    check_bounds(&s);

    char *written = NULL;
    size_t written_len = 0;
    FILE *f = open_memstream(&written, &written_len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    write_scenario(&s, f);
    FUZZ_CHECK(fclose(f) == 0, "writing the scenario back");
    st = nx_scenario_parse(written, written_len, FILE_NAME, &back, &err);
    FUZZ_CHECK(st == NX_OK, "the scenario written back is refused: %u:%u: %s\n%s", err.line,
               err.column, err.message, written);
    check_same(&s, &back);
    free(written);
    return 0;
}
