/*
 * scenario_check.c - a run checked against its scenario's expectations:
 * one report line per expectation that did not hold.
 */
#include <stdio.h>
#include <string.h>

#include "nxsim/scenario.h"
#include "scenario_internal.h"

const char *nx_scenario_cmp_name(nx_cmp_t cmp)
{
    switch (cmp) {
    case NX_CMP_EQ:
        return "==";
    case NX_CMP_NE:
        return "!=";
    case NX_CMP_LT:
        return "<";
    case NX_CMP_LE:
        return "<=";
    case NX_CMP_GT:
        return ">";
    case NX_CMP_GE:
        return ">=";
    }
    return "?";
}

static bool scn_compare(uint64_t got, uint32_t cmp, uint64_t want)
{
    switch ((nx_cmp_t)cmp) {
    case NX_CMP_EQ:
        return got == want;
    case NX_CMP_NE:
        return got != want;
    case NX_CMP_LT:
        return got < want;
    case NX_CMP_LE:
        return got <= want;
    case NX_CMP_GT:
        return got > want;
    case NX_CMP_GE:
        return got >= want;
    }
    return false;
}

/* Offset of `needle` in the console, or -1 (the console may hold NULs). */
static long scn_console_find(const nx_sim_result_t *r, const char *needle)
{
    size_t n = strlen(needle);
    size_t len = r->console_len < sizeof r->console ? r->console_len : sizeof r->console - 1u;
    for (size_t i = 0; n <= len && i + n <= len; i++)
        if (memcmp(r->console + i, needle, n) == 0)
            return (long)i;
    return -1;
}

/* A console text for a report: quoted, escaped as the file writes it, cut
 * past SCN_ECHO_MAX bytes. */
static const char *scn_quote(char *buf, const char *s)
{
    size_t o = 0, len = strlen(s);
    buf[o++] = '"';
    for (size_t i = 0; i < len && i < SCN_ECHO_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\n') {
            buf[o++] = '\\';
            buf[o++] = c == '\n' ? 'n' : (char)c;
        } else if (c >= 0x20u && c < 0x7fu) {
            buf[o++] = (char)c;
        } else {
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
        }
    }
    if (len > SCN_ECHO_MAX) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* "pass (0)", or the bare number for a code the kernel does not name. */
static const char *scn_exit_name(char *buf, size_t size, uint64_t code)
{
    const char *name = code == NX_EXIT_PASS    ? "pass"
                       : code == NX_EXIT_FAIL  ? "fail"
                       : code == NX_EXIT_PANIC ? "panic"
                                               : NULL;
    if (name != NULL)
        snprintf(buf, size, "%s (%llu)", name, (unsigned long long)code);
    else
        snprintf(buf, size, "%llu", (unsigned long long)code);
    return buf;
}

uint32_t nx_scenario_check(const nx_scenario_t *s, const nx_sim_result_t *r, FILE *report)
{
    char q[SCN_ECHO_CHARS + 4u]; /* the echo and its quotes */
    uint32_t failed = 0;
    if (s == NULL || r == NULL)
        return s != NULL ? s->expect_count : 0u;
    for (uint32_t i = 0; i < s->expect_count && i < NX_SCENARIO_MAX_EXPECTS; i++) {
        const nx_scenario_expect_t *x = &s->expects[i];
        char got[NX_SCENARIO_MESSAGE_CHARS] = "";
        char want[NX_SCENARIO_MESSAGE_CHARS] = "";
        bool ok = false;
        switch ((nx_expect_kind_t)x->kind) {
        case NX_EXPECT_CONSOLE: {
            ok = scn_console_find(r, x->text) >= 0;
            snprintf(want, sizeof want, "the console to contain %s", scn_quote(q, x->text));
            snprintf(got, sizeof got, "no such text in %zu bytes of console%s", r->console_len,
                     r->console_dropped != 0u ? " (cut: more was written than kept)" : "");
            break;
        }
        case NX_EXPECT_NO_CONSOLE: {
            long at = scn_console_find(r, x->text);
            ok = at < 0;
            snprintf(want, sizeof want, "the console not to contain %s", scn_quote(q, x->text));
            snprintf(got, sizeof got, "it at byte %ld", at);
            break;
        }
        case NX_EXPECT_EXIT:
            ok = r->stop == NX_SIM_STOP_SHUTDOWN && (uint64_t)r->exit_code == x->value;
            snprintf(want, sizeof want, "exit %s", scn_exit_name(q, sizeof q, x->value));
            if (r->stop != NX_SIM_STOP_SHUTDOWN)
                snprintf(got, sizeof got, "no exit: the machine stopped with %s, not shutdown",
                         nx_sim_stop_name(r->stop));
            else
                snprintf(got, sizeof got, "exit %s",
                         scn_exit_name(q, sizeof q, (uint64_t)(uint32_t)r->exit_code));
            break;
        case NX_EXPECT_STOP:
            ok = (uint64_t)r->stop == x->value;
            snprintf(want, sizeof want, "stop %s", nx_sim_stop_name((nx_sim_stop_t)x->value));
            snprintf(got, sizeof got, "stop %s at %llu ns", nx_sim_stop_name(r->stop),
                     (unsigned long long)r->end_time_ns);
            break;
        case NX_EXPECT_COUNTER: {
            uint64_t v = 0;
            bool known = nx_scenario_counter(r, x->counter, &v);
            ok = known && scn_compare(v, x->cmp, x->value);
            snprintf(want, sizeof want, "counter %s %s %llu", x->counter,
                     nx_scenario_cmp_name((nx_cmp_t)x->cmp), (unsigned long long)x->value);
            if (known)
                snprintf(got, sizeof got, "%llu", (unsigned long long)v);
            else
                snprintf(got, sizeof got, "no such counter");
            break;
        }
        case NX_EXPECT_DIGEST:
            ok = r->digest == x->value;
            snprintf(want, sizeof want, "digest 0x%016llx", (unsigned long long)x->value);
            snprintf(got, sizeof got, "0x%016llx", (unsigned long long)r->digest);
            break;
        default:
            snprintf(want, sizeof want, "an expectation of kind %u", x->kind);
            snprintf(got, sizeof got, "a kind this build does not know");
            break;
        }
        if (ok)
            continue;
        failed++;
        if (report != NULL)
            fprintf(report, "%s:%u: expected %s; got %s\n", s->file, x->line, want, got);
    }
    return failed;
}
