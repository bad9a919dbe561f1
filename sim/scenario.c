/*
 * scenario.c - scenario files (nxsim/scenario.h, docs/scenarios.md): the
 * parser and loader.
 *
 * The parser reads one line at a time into at most NX_SCENARIO_MAX_WORDS
 * tokens and hands them to the directive's function. The first error stops
 * it: every error names the token it is about, so one good message beats
 * a cascade. Checks that need the whole file (a peer or a killed program
 * named before its program line, an IPI hart checked against a machine
 * line further down) are queued with their token's place and run at the
 * end, in file order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nx/trace.h"
#include "nxsim/irq.h"
#include "nxsim/program.h"
#include "nxsim/scenario.h"
#include "scenario_internal.h"

#define SCN_DEFAULT_FILE "<scenario>"
/* Checks run at the end: one per program (its peer), one per injection. */
#define SCN_MAX_DEFERRED (NX_MAX_BOOT_PROGRAMS + NX_SIM_MAX_INJECTIONS)
/* Names listed in an "unknown ..." message. */
#define SCN_LIST_CHARS 120u
/* Keys one directive may take (a bit each in a "seen" mask). */
#define SCN_MAX_KEYS 8u

typedef struct scn_tok {
    const char *s; /* into the line, or the parser's string buffer when quoted */
    uint32_t len;
    uint32_t col; /* 1-based, of the first byte (the quote, for a string) */
    bool quoted;
} scn_tok_t;

typedef enum scn_defer_kind {
    SCN_DEFER_PEER = 1, /* idx: program whose peer must be a program of the file */
    SCN_DEFER_KILL,     /* idx: injection whose program name must be a program line */
    SCN_DEFER_HART,     /* idx: injection whose hart must be one of the machine's */
} scn_defer_kind_t;

typedef struct scn_defer {
    uint32_t kind; /* scn_defer_kind_t */
    uint32_t idx;
    uint32_t line, col;
} scn_defer_t;

typedef struct scn_parser {
    nx_scenario_t *out;
    nx_scenario_error_t *err;
    uint32_t line;
    uint32_t eol_col; /* column just past the line's last byte: "missing ..." points here */
    scn_tok_t tok[NX_SCENARIO_MAX_WORDS];
    uint32_t ntok;
    char strings[NX_SCENARIO_MAX_LINE]; /* unescaped quoted strings of the line */
    bool have_version;
    uint32_t machine_line, bootargs_line, limit_line, digest_line; /* 0: none yet */
    scn_defer_t defer[SCN_MAX_DEFERRED];
    uint32_t defer_count;
    char kill_name[NX_SIM_MAX_INJECTIONS][NX_SCENARIO_MAX_NAME];
} scn_parser_t;

/* --- Messages ------------------------------------------------------------ */

/* `s` as it may appear in a one-line message: printable ASCII as is, any
 * other byte as \xHH, cut at SCN_ECHO_MAX bytes. */
static const char *scn_echo(char *buf, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && i < SCN_ECHO_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20u && c < 0x7fu) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15u];
        }
    }
    if (len > SCN_ECHO_MAX) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static nx_status_t scn_fail(scn_parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static nx_status_t scn_fail(scn_parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->err->line = line;
    p->err->column = col;
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return NX_ERR_INVALID_ARGS;
}

/* "a, b or c" of the first `n` names, for "unknown ..." messages. */
static const char *scn_list(char *buf, size_t size, const char *const *names, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + o, size - o, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

/* --- Tokens and numbers --------------------------------------------------- */

static bool scn_is(const scn_tok_t *t, const char *word)
{
    return !t->quoted && strlen(word) == t->len && memcmp(t->s, word, t->len) == 0;
}

/* Split `line` (len bytes, no newline, no NUL) into p->tok. */
static nx_status_t scn_tokenize(scn_parser_t *p, const char *line, uint32_t len)
{
    uint32_t i = 0, used = 0;
    p->ntok = 0;
    p->eol_col = len + 1u;
    for (;;) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len || line[i] == '#') {
            p->eol_col = i + 1u; /* past the last token: where a missing one goes */
            while (p->eol_col > 1u &&
                   (line[p->eol_col - 2u] == ' ' || line[p->eol_col - 2u] == '\t'))
                p->eol_col--;
            return NX_OK;
        }
        if (p->ntok == NX_SCENARIO_MAX_WORDS)
            return scn_fail(p, p->line, i + 1u,
                            "more than %u words on one line; no directive takes that many",
                            NX_SCENARIO_MAX_WORDS);
        scn_tok_t *t = &p->tok[p->ntok++];
        t->col = i + 1u;
        if (line[i] != '"') {
            uint32_t start = i;
            while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#') {
                if (line[i] == '"')
                    return scn_fail(p, p->line, i + 1u,
                                    "a quote inside a word; a quoted string is a token of its own");
                i++;
            }
            t->s = line + start;
            t->len = i - start;
            t->quoted = false;
            continue;
        }
        /* A quoted string, unescaped into p->strings (never longer than
         * the line it comes from, so it always fits). */
        t->s = p->strings + used;
        t->quoted = true;
        uint32_t start = used;
        for (i++;; i++) {
            if (i == len)
                return scn_fail(p, p->line, t->col,
                                "unterminated string: it needs a closing \" on this line");
            char c = line[i];
            if (c == '"')
                break;
            if (c == '\\' && i + 1u == len)
                return scn_fail(p, p->line, t->col,
                                "unterminated string: it needs a closing \" on this line");
            if (c == '\\') {
                char e = line[i + 1u];
                if (e != '"' && e != '\\' && e != 'n') {
                    char echo[SCN_ECHO_CHARS];
                    return scn_fail(p, p->line, i + 1u,
                                    "unknown escape '\\%s' in a string (only \\\", \\\\ and \\n)",
                                    scn_echo(echo, line + i + 1u, 1));
                }
                c = e == 'n' ? '\n' : e;
                i++;
            }
            p->strings[used++] = c;
        }
        t->len = used - start;
        i++; /* the closing quote */
        if (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
            return scn_fail(p, p->line, i + 1u,
                            "text right after a closing quote; put a space between tokens");
    }
}

typedef enum scn_num {
    SCN_NUM_OK,
    SCN_NUM_BAD,      /* not a number */
    SCN_NUM_OVERFLOW, /* more than 64 bits */
} scn_num_t;

static int scn_digit(char c, unsigned base)
{
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    return d < (int)base ? d : -1;
}

/* Decimal, or hex after 0x (when hex_ok); no sign; at least one digit. */
static scn_num_t scn_u64(const char *s, uint32_t len, bool hex_ok, uint64_t *out)
{
    unsigned base = 10;
    if (hex_ok && len > 2u && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2u;
    }
    if (len == 0u)
        return SCN_NUM_BAD;
    uint64_t v = 0;
    for (uint32_t i = 0; i < len; i++) {
        int d = scn_digit(s[i], base);
        if (d < 0)
            return SCN_NUM_BAD;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return SCN_NUM_OVERFLOW;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return SCN_NUM_OK;
}

/* A number token (s, len at col) within lo..hi, for `what`. */
static nx_status_t scn_number(scn_parser_t *p, const char *s, uint32_t len, uint32_t col,
                              const char *what, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char echo[SCN_ECHO_CHARS];
    uint64_t v = 0;
    scn_num_t n = scn_u64(s, len, true, &v);
    if (n == SCN_NUM_BAD)
        return scn_fail(p, p->line, col,
                        "%s: '%s' is not a number (decimal, or hex after 0x; no sign)", what,
                        scn_echo(echo, s, len));
    if (n == SCN_NUM_OVERFLOW || v < lo || v > hi)
        return scn_fail(p, p->line, col, "%s must be %llu..%llu, not %s", what,
                        (unsigned long long)lo, (unsigned long long)hi, scn_echo(echo, s, len));
    *out = v;
    return NX_OK;
}

/* A time or duration: decimal digits and a unit (ns, us, ms, s). */
static nx_status_t scn_time(scn_parser_t *p, const char *s, uint32_t len, uint32_t col,
                            const char *what, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = { { "ns", 1u }, { "us", 1000u }, { "ms", 1000000u }, { "s", 1000000000u } };
    char echo[SCN_ECHO_CHARS];
    uint32_t digits = 0;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    if (digits == 0u)
        return scn_fail(p, p->line, col, "%s: '%s' is not a time; write a number and a unit: 250us",
                        what, scn_echo(echo, s, len));
    if (digits == len)
        return scn_fail(p, p->line, col, "a time needs a unit: ns, us, ms or s (%s '%s')", what,
                        scn_echo(echo, s, len));
    uint64_t v = 0;
    scn_num_t n = scn_u64(s, digits, false, &v);
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strlen(units[u].unit) != len - digits ||
            memcmp(s + digits, units[u].unit, len - digits) != 0)
            continue;
        if (n != SCN_NUM_OK || v > UINT64_MAX / units[u].ns)
            return scn_fail(p, p->line, col,
                            "%s %s does not fit in 64 bits of nanoseconds (at most %llus)", what,
                            scn_echo(echo, s, len), (unsigned long long)(UINT64_MAX / 1000000000u));
        *out = v * units[u].ns;
        return NX_OK;
    }
    return scn_fail(p, p->line, col, "unknown time unit '%s' (ns, us, ms or s)",
                    scn_echo(echo, s + digits, len - digits));
}

/* Copy a name token into dst (NX_SCENARIO_MAX_NAME bytes). */
static nx_status_t scn_name(scn_parser_t *p, const char *s, uint32_t len, uint32_t col,
                            const char *what, char *dst)
{
    char echo[SCN_ECHO_CHARS];
    if (len == 0u)
        return scn_fail(p, p->line, col, "%s is empty", what);
    if (len >= NX_SCENARIO_MAX_NAME)
        return scn_fail(p, p->line, col, "%s '%s' is longer than %u bytes", what,
                        scn_echo(echo, s, len), NX_SCENARIO_MAX_NAME - 1u);
    memcpy(dst, s, len);
    dst[len] = '\0';
    return NX_OK;
}

/* Copy a quoted-string token into dst (NX_SCENARIO_MAX_TEXT bytes). */
static nx_status_t scn_text(scn_parser_t *p, const scn_tok_t *t, const char *what, char *dst)
{
    if (!t->quoted)
        return scn_fail(p, p->line, t->col, "%s must be a quoted string: \"...\"", what);
    if (t->len >= NX_SCENARIO_MAX_TEXT)
        return scn_fail(p, p->line, t->col, "%s is %u bytes; at most %u", what, t->len,
                        NX_SCENARIO_MAX_TEXT - 1u);
    memcpy(dst, t->s, t->len);
    dst[t->len] = '\0';
    return NX_OK;
}

/* Token i, which must be a word: "missing ..." at the line's end when absent. */
static nx_status_t scn_word(scn_parser_t *p, uint32_t i, const char *what, const char *usage,
                            const scn_tok_t **out)
{
    if (i >= p->ntok)
        return scn_fail(p, p->line, p->eol_col, "missing %s (%s)", what, usage);
    if (p->tok[i].quoted)
        return scn_fail(p, p->line, p->tok[i].col, "%s must be a word, not a quoted string (%s)",
                        what, usage);
    *out = &p->tok[i];
    return NX_OK;
}

/* Tokens from i on are too many for `usage`. */
static nx_status_t scn_no_more(scn_parser_t *p, uint32_t i, const char *usage)
{
    char echo[SCN_ECHO_CHARS];
    if (i >= p->ntok)
        return NX_OK;
    return scn_fail(p, p->line, p->tok[i].col, "unexpected '%s' (%s)",
                    scn_echo(echo, p->tok[i].s, p->tok[i].len), usage);
}

static nx_status_t scn_defer(scn_parser_t *p, scn_defer_kind_t kind, uint32_t idx,
                             const scn_tok_t *t)
{
    /* Never full: one per program and one per injection at most. */
    scn_defer_t *d = &p->defer[p->defer_count++];
    d->kind = kind;
    d->idx = idx;
    d->line = p->line;
    d->col = t->col;
    return NX_OK;
}

/* --- key=value settings --------------------------------------------------- */

typedef struct scn_key {
    const char *name;
    uint32_t since; /* format version that introduced it */
    bool flag;      /* a bare word, no value */
} scn_key_t;

/*
 * Token t as one of `keys` (n of them) of `directive`: the key's index,
 * and its value's text and column. Refuses unknown keys, keys newer than
 * the file, a key twice on the line (seen: bit per key), a value where
 * none belongs and none where one does.
 */
static nx_status_t scn_key(scn_parser_t *p, const scn_tok_t *t, const scn_key_t *keys, uint32_t n,
                           const char *directive, uint32_t *seen, uint32_t *which, scn_tok_t *value)
{
    char echo[SCN_ECHO_CHARS], list[SCN_LIST_CHARS];
    if (t->quoted)
        return scn_fail(p, p->line, t->col, "%s takes settings like key=value, not a quoted string",
                        directive);
    uint32_t klen = 0;
    while (klen < t->len && t->s[klen] != '=')
        klen++;
    const char *names[SCN_MAX_KEYS];
    uint32_t known = 0;
    for (uint32_t k = 0; k < n && k < SCN_MAX_KEYS; k++) {
        if (keys[k].since > p->out->version)
            continue;
        names[known++] = keys[k].name;
        if (strlen(keys[k].name) != klen || memcmp(keys[k].name, t->s, klen) != 0)
            continue;
        if (*seen & (1u << k))
            return scn_fail(p, p->line, t->col, "'%s' given twice on this line", keys[k].name);
        *seen |= 1u << k;
        if (keys[k].flag && klen != t->len)
            return scn_fail(p, p->line, t->col, "'%s' takes no value; write just %s", keys[k].name,
                            keys[k].name);
        if (!keys[k].flag && klen + 1u >= t->len)
            return scn_fail(p, p->line, t->col, "'%s' needs a value: %s=...", keys[k].name,
                            keys[k].name);
        *which = k;
        value->s = t->s + klen + 1u;
        value->len = keys[k].flag ? 0u : t->len - klen - 1u;
        value->col = t->col + klen + 1u;
        value->quoted = false;
        return NX_OK;
    }
    return scn_fail(p, p->line, t->col, "unknown %s setting '%s' (%s)", directive,
                    scn_echo(echo, t->s, klen), scn_list(list, sizeof list, names, known));
}

/* --- Directives ----------------------------------------------------------- */

static nx_status_t scn_once(scn_parser_t *p, uint32_t *first_line, const char *what)
{
    if (*first_line != 0u)
        return scn_fail(p, p->line, p->tok[0].col,
                        "a second '%s' line (the first is line %u); merge them", what, *first_line);
    *first_line = p->line;
    return NX_OK;
}

enum { SCN_M_HARTS, SCN_M_MEMORY, SCN_M_SEED, SCN_M_BOOT_HART, SCN_M_INTERLEAVE, SCN_M_COUNT };

static nx_status_t scn_machine(scn_parser_t *p)
{
    static const scn_key_t keys[SCN_M_COUNT] = {
        [SCN_M_HARTS] = { "harts", 1u, false },
        [SCN_M_MEMORY] = { "memory-mib", 1u, false },
        [SCN_M_SEED] = { "seed", 1u, false },
        [SCN_M_BOOT_HART] = { "boot-hart", 1u, false },
        [SCN_M_INTERLEAVE] = { "interleave", 1u, false },
    };
    nx_sim_config_t *cfg = &p->out->cfg;
    nx_status_t st = scn_once(p, &p->machine_line, "machine");
    uint32_t seen = 0, boot_col = 0;
    for (uint32_t i = 1; st == NX_OK && i < p->ntok; i++) {
        uint32_t k = 0;
        uint64_t v = 0;
        scn_tok_t val;
        st = scn_key(p, &p->tok[i], keys, SCN_M_COUNT, "machine", &seen, &k, &val);
        if (st != NX_OK)
            break;
        switch (k) {
        case SCN_M_HARTS:
            st = scn_number(p, val.s, val.len, val.col, "harts", 1u, NX_SIM_MAX_HARTS, &v);
            cfg->harts = (uint32_t)v;
            break;
        case SCN_M_MEMORY:
            st = scn_number(p, val.s, val.len, val.col, "memory-mib", 1u,
                            NX_SCENARIO_MAX_MEMORY_MIB, &v);
            cfg->memory_bytes = v << 20;
            break;
        case SCN_M_SEED:
            st = scn_number(p, val.s, val.len, val.col, "seed", 0u, UINT64_MAX, &v);
            cfg->seed = v;
            p->out->seed_given = true;
            break;
        case SCN_M_BOOT_HART:
            st = scn_number(p, val.s, val.len, val.col, "boot-hart", 0u, NX_SIM_MAX_HARTS - 1u, &v);
            cfg->boot_hartid = v;
            boot_col = val.col;
            break;
        default:
            st = scn_number(p, val.s, val.len, val.col, "interleave (per mille)", 0u,
                            NX_SCENARIO_MAX_INTERLEAVE, &v);
            cfg->interleave_per_mille = (uint32_t)v;
            break;
        }
    }
    if (st == NX_OK && cfg->boot_hartid >= cfg->harts)
        return scn_fail(p, p->line, boot_col, "boot-hart %llu is not one of the %u harts (0..%u)",
                        (unsigned long long)cfg->boot_hartid, cfg->harts, cfg->harts - 1u);
    return st;
}

static nx_status_t scn_bootargs(scn_parser_t *p)
{
    static const char usage[] = "usage: bootargs \"TEXT\"";
    nx_status_t st = scn_once(p, &p->bootargs_line, "bootargs");
    if (st == NX_OK && p->ntok < 2u)
        st = scn_fail(p, p->line, p->eol_col, "missing the kernel command line (%s)", usage);
    if (st == NX_OK)
        st = scn_text(p, &p->tok[1], "bootargs", p->out->bootargs);
    if (st == NX_OK)
        st = scn_no_more(p, 2, usage);
    if (st == NX_OK)
        p->out->cfg.bootargs = p->out->bootargs;
    return st;
}

enum {
    SCN_P_ARG,
    SCN_P_QOS,
    SCN_P_AFFINITY,
    SCN_P_EXPECT_EXIT,
    SCN_P_PEER,
    SCN_P_POLICY,
    SCN_P_LEARN,
    SCN_P_DEVICES,
    SCN_P_COUNT
};

/* expect-exit=N: a thread exit code, which may be negative (a killed or
 * faulted task's, NX_EXIT_CODE_FAULT): the one signed number of the format. */
static nx_status_t scn_exit_code(scn_parser_t *p, const scn_tok_t *v, int32_t *out)
{
    char echo[SCN_ECHO_CHARS];
    bool neg = v->len > 1u && v->s[0] == '-';
    uint64_t mag = 0;
    scn_num_t n = scn_u64(v->s + neg, v->len - neg, true, &mag);
    uint64_t limit = neg ? (uint64_t)INT32_MAX + 1u : (uint64_t)INT32_MAX;
    if (n == SCN_NUM_BAD)
        return scn_fail(p, p->line, v->col,
                        "expect-exit: '%s' is not a number (decimal or 0x hex, may start with -)",
                        scn_echo(echo, v->s, v->len));
    if (n == SCN_NUM_OVERFLOW || mag > limit)
        return scn_fail(p, p->line, v->col, "expect-exit must be %d..%d, not %s", INT32_MIN,
                        INT32_MAX, scn_echo(echo, v->s, v->len));
    *out = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return NX_OK;
}

static nx_status_t scn_program(scn_parser_t *p)
{
    static const char usage[] = "usage: program NAME [arg=N] [qos=CLASS] [affinity=MASK] "
                                "[expect-exit=N] [peer=NAME] [policy] [learn] [devices=MASK]";
    static const scn_key_t keys[SCN_P_COUNT] = {
        [SCN_P_ARG] = { "arg", 1u, false },
        [SCN_P_QOS] = { "qos", 1u, false },
        [SCN_P_AFFINITY] = { "affinity", 1u, false },
        [SCN_P_EXPECT_EXIT] = { "expect-exit", 1u, false },
        [SCN_P_PEER] = { "peer", 1u, false },
        [SCN_P_POLICY] = { "policy", 1u, true },
        [SCN_P_LEARN] = { "learn", 1u, true },
        [SCN_P_DEVICES] = { "devices", 1u, false },
    };
    static const char *const qos_names[NX_QOS_COUNT] = {
        [NX_QOS_IDLE] = "idle",
        [NX_QOS_NORMAL] = "normal",
        [NX_QOS_INTERACTIVE] = "interactive",
        [NX_QOS_PERFBURST] = "perfburst",
    };
    char echo[SCN_ECHO_CHARS], list[SCN_LIST_CHARS];
    nx_scenario_t *s = p->out;
    nx_sim_config_t *cfg = &s->cfg;
    const scn_tok_t *name = NULL;
    nx_status_t st = scn_word(p, 1, "the program's name", usage, &name);
    if (st != NX_OK)
        return st;
    if (cfg->program_count == NX_MAX_BOOT_PROGRAMS)
        return scn_fail(p, p->line, p->tok[0].col,
                        "more than %u programs (NX_MAX_BOOT_PROGRAMS); init starts no more",
                        NX_MAX_BOOT_PROGRAMS);
    uint32_t idx = cfg->program_count;
    st = scn_name(p, name->s, name->len, name->col, "program name", s->names[idx]);
    if (st != NX_OK)
        return st;
    if (nx_sim_program_find(s->names[idx]) == NULL)
        return scn_fail(p, p->line, name->col,
                        "no program '%s' is registered in this build (NX_SIM_PROGRAM); check "
                        "the name",
                        scn_echo(echo, name->s, name->len));
    nx_sim_program_spec_t *spec = &cfg->programs[idx];
    memset(spec, 0, sizeof *spec);
    spec->name = s->names[idx];
    spec->qos = NX_QOS_NORMAL;
    uint32_t seen = 0;
    for (uint32_t i = 2; st == NX_OK && i < p->ntok; i++) {
        uint32_t k = 0;
        uint64_t v = 0;
        scn_tok_t val;
        st = scn_key(p, &p->tok[i], keys, SCN_P_COUNT, "program", &seen, &k, &val);
        if (st != NX_OK)
            break;
        switch (k) {
        case SCN_P_ARG:
            st = scn_number(p, val.s, val.len, val.col, "arg", 0u, UINTPTR_MAX, &v);
            spec->arg = (uintptr_t)v;
            break;
        case SCN_P_QOS: {
            uint32_t q = 0;
            while (q < NX_QOS_COUNT && !scn_is(&val, qos_names[q]))
                q++;
            if (q == NX_QOS_COUNT)
                st = scn_fail(p, p->line, val.col, "unknown qos '%s' (%s)",
                              scn_echo(echo, val.s, val.len),
                              scn_list(list, sizeof list, qos_names, NX_QOS_COUNT));
            spec->qos = (nx_qos_t)q;
            break;
        }
        case SCN_P_AFFINITY:
            st = scn_number(p, val.s, val.len, val.col, "affinity (a mask of harts)", 0u,
                            UINT32_MAX, &v);
            spec->affinity = (uint32_t)v;
            break;
        case SCN_P_EXPECT_EXIT:
            st = scn_exit_code(p, &val, &spec->expect_exit);
            break;
        case SCN_P_PEER:
            st = scn_name(p, val.s, val.len, val.col, "peer name", s->peers[idx]);
            if (st == NX_OK) {
                spec->peer = s->peers[idx];
                st = scn_defer(p, SCN_DEFER_PEER, idx, &val);
            }
            break;
        case SCN_P_LEARN:
            spec->learn = true;
            break;
        case SCN_P_DEVICES:
            st = scn_number(p, val.s, val.len, val.col, "devices (a mask of device numbers)", 0u,
                            UINT32_MAX, &v);
            spec->devices = (uint32_t)v;
            break;
        default:
            spec->policy = true;
            break;
        }
    }
    if (st == NX_OK)
        cfg->program_count++;
    return st;
}

typedef enum scn_operand {
    SCN_OP_NONE,
    SCN_OP_SOURCE,   /* interrupt source 1..NX_SIM_IRQ_SOURCES */
    SCN_OP_PROGRAM,  /* a program line's name */
    SCN_OP_HART,     /* hart or "all" */
    SCN_OP_DURATION, /* time with a unit */
    SCN_OP_COUNT,    /* 1.. */
} scn_operand_t;

static nx_status_t scn_at(scn_parser_t *p)
{
    static const struct {
        const char *name;
        uint32_t since;
        nx_sim_inject_kind_t kind;
        scn_operand_t a, b;
        const char *usage;
    } events[] = {
        { "irq", 1u, NX_SIM_INJECT_IRQ, SCN_OP_SOURCE, SCN_OP_NONE, "usage: at TIME irq SOURCE" },
        { "irq-delay", 1u, NX_SIM_INJECT_IRQ_DELAY, SCN_OP_SOURCE, SCN_OP_DURATION,
          "usage: at TIME irq-delay SOURCE DURATION" },
        { "device-fail", 1u, NX_SIM_INJECT_DEVICE_FAIL, SCN_OP_SOURCE, SCN_OP_NONE,
          "usage: at TIME device-fail SOURCE" },
        { "kill", 1u, NX_SIM_INJECT_KILL_TASK, SCN_OP_PROGRAM, SCN_OP_NONE,
          "usage: at TIME kill PROGRAM" },
        { "ipi-drop", 1u, NX_SIM_INJECT_IPI_DROP, SCN_OP_HART, SCN_OP_COUNT,
          "usage: at TIME ipi-drop HART|all COUNT" },
        { "ipi-delay", 1u, NX_SIM_INJECT_IPI_DELAY, SCN_OP_HART, SCN_OP_DURATION,
          "usage: at TIME ipi-delay HART|all DURATION" },
        { "timer-jitter", 1u, NX_SIM_INJECT_TIMER_JITTER, SCN_OP_HART, SCN_OP_DURATION,
          "usage: at TIME timer-jitter HART|all DURATION" },
    };
    static const char usage[] = "usage: at TIME EVENT ...";
    char echo[SCN_ECHO_CHARS], list[SCN_LIST_CHARS];
    nx_sim_config_t *cfg = &p->out->cfg;
    const scn_tok_t *t = NULL, *ev = NULL;
    nx_sim_injection_t inj = { 0 };
    nx_status_t st = scn_word(p, 1, "the time", usage, &t);
    if (st == NX_OK)
        st = scn_time(p, t->s, t->len, t->col, "at", &inj.time_ns);
    if (st == NX_OK)
        st = scn_word(p, 2, "the event", usage, &ev);
    if (st != NX_OK)
        return st;
    const char *names[sizeof events / sizeof events[0]];
    uint32_t known = 0, e = 0;
    for (e = 0; e < sizeof events / sizeof events[0]; e++) {
        if (events[e].since > p->out->version)
            continue;
        names[known++] = events[e].name;
        if (scn_is(ev, events[e].name))
            break;
    }
    if (e == sizeof events / sizeof events[0])
        return scn_fail(p, p->line, ev->col, "unknown event '%s' (%s)",
                        scn_echo(echo, ev->s, ev->len), scn_list(list, sizeof list, names, known));
    if (cfg->injection_count == NX_SIM_MAX_INJECTIONS)
        return scn_fail(p, p->line, p->tok[0].col,
                        "more than %u 'at' lines (NX_SIM_MAX_INJECTIONS); split the scenario",
                        NX_SIM_MAX_INJECTIONS);
    inj.kind = (uint32_t)events[e].kind;
    uint32_t idx = cfg->injection_count;
    const scn_operand_t ops[2] = { events[e].a, events[e].b };
    for (uint32_t o = 0; st == NX_OK && o < 2u && ops[o] != SCN_OP_NONE; o++) {
        const scn_tok_t *a = NULL;
        uint64_t v = 0;
        switch (ops[o]) {
        case SCN_OP_SOURCE:
            st = scn_word(p, 3u + o, "the interrupt source", events[e].usage, &a);
            if (st == NX_OK)
                st = scn_number(p, a->s, a->len, a->col, "the interrupt source", 1u,
                                NX_SIM_IRQ_SOURCES, &v);
            inj.target = (uint32_t)v;
            break;
        case SCN_OP_PROGRAM:
            st = scn_word(p, 3u + o, "the program's name", events[e].usage, &a);
            if (st == NX_OK)
                st = scn_name(p, a->s, a->len, a->col, "program name", p->kill_name[idx]);
            if (st == NX_OK)
                st = scn_defer(p, SCN_DEFER_KILL, idx, a);
            break;
        case SCN_OP_HART:
            st = scn_word(p, 3u + o, "the hart (or all)", events[e].usage, &a);
            if (st == NX_OK && scn_is(a, "all")) {
                v = NX_SIM_ALL_HARTS;
            } else if (st == NX_OK && scn_u64(a->s, a->len, true, &v) == SCN_NUM_BAD) {
                st = scn_fail(p, p->line, a->col, "the hart must be a number or all, not '%s'",
                              scn_echo(echo, a->s, a->len));
            } else if (st == NX_OK) {
                st = scn_number(p, a->s, a->len, a->col, "the hart", 0u, NX_SIM_MAX_HARTS - 1u, &v);
                if (st == NX_OK)
                    st = scn_defer(p, SCN_DEFER_HART, idx, a);
            }
            inj.target = (uint32_t)v;
            break;
        case SCN_OP_DURATION:
            st = scn_word(p, 3u + o, "the duration", events[e].usage, &a);
            if (st == NX_OK)
                st = scn_time(p, a->s, a->len, a->col, "the duration", &inj.value);
            break;
        default:
            st = scn_word(p, 3u + o, "the count", events[e].usage, &a);
            if (st == NX_OK)
                st = scn_number(p, a->s, a->len, a->col, "the count", 1u, UINT64_MAX, &inj.value);
            break;
        }
    }
    if (st == NX_OK)
        st = scn_no_more(p, ops[1] != SCN_OP_NONE ? 5u : 4u, events[e].usage);
    if (st == NX_OK)
        cfg->injections[cfg->injection_count++] = inj;
    return st;
}

enum { SCN_L_TIME, SCN_L_EVENTS, SCN_L_COUNT };

static nx_status_t scn_limit(scn_parser_t *p)
{
    static const scn_key_t keys[SCN_L_COUNT] = {
        [SCN_L_TIME] = { "time", 1u, false },
        [SCN_L_EVENTS] = { "events", 1u, false },
    };
    nx_sim_config_t *cfg = &p->out->cfg;
    nx_status_t st = scn_once(p, &p->limit_line, "limit");
    uint32_t seen = 0;
    for (uint32_t i = 1; st == NX_OK && i < p->ntok; i++) {
        uint32_t k = 0;
        scn_tok_t val;
        st = scn_key(p, &p->tok[i], keys, SCN_L_COUNT, "limit", &seen, &k, &val);
        if (st == NX_OK && k == SCN_L_TIME) {
            st = scn_time(p, val.s, val.len, val.col, "time", &cfg->time_limit_ns);
            if (st == NX_OK && cfg->time_limit_ns == 0u)
                st = scn_fail(p, p->line, val.col,
                              "the time limit must be above 0 (the machine would stop at once)");
        } else if (st == NX_OK) {
            st =
                scn_number(p, val.s, val.len, val.col, "events", 0u, UINT64_MAX, &cfg->event_limit);
        }
    }
    return st;
}

static nx_status_t scn_expect(scn_parser_t *p)
{
    static const char *const kinds[] = {
        [NX_EXPECT_CONSOLE] = "console", [NX_EXPECT_NO_CONSOLE] = "no-console",
        [NX_EXPECT_EXIT] = "exit",       [NX_EXPECT_STOP] = "stop",
        [NX_EXPECT_COUNTER] = "counter", [NX_EXPECT_DIGEST] = "digest",
    };
    static const char *const usages[] = {
        [NX_EXPECT_CONSOLE] = "usage: expect console \"TEXT\"",
        [NX_EXPECT_NO_CONSOLE] = "usage: expect no-console \"TEXT\"",
        [NX_EXPECT_EXIT] = "usage: expect exit pass|fail|panic|N",
        [NX_EXPECT_STOP] = "usage: expect stop shutdown|deadlock|time-limit|event-limit|until|"
                           "host-error",
        [NX_EXPECT_COUNTER] = "usage: expect counter NAME OP VALUE",
        [NX_EXPECT_DIGEST] = "usage: expect digest 0xHEX",
    };
    static const char *const ops[] = {
        [NX_CMP_EQ] = "==", [NX_CMP_NE] = "!=", [NX_CMP_LT] = "<",
        [NX_CMP_LE] = "<=", [NX_CMP_GT] = ">",  [NX_CMP_GE] = ">=",
    };
    static const struct {
        const char *name;
        uint64_t code;
    } exits[] = { { "pass", NX_EXIT_PASS }, { "fail", NX_EXIT_FAIL }, { "panic", NX_EXIT_PANIC } };
    enum { KINDS = sizeof kinds / sizeof kinds[0], OPS = sizeof ops / sizeof ops[0] };
    /* Every stop nx_sim_stop_name() names (a new stop reason goes here). */
    static const nx_sim_stop_t stops[] = {
        NX_SIM_STOP_SHUTDOWN,    NX_SIM_STOP_DEADLOCK, NX_SIM_STOP_TIME_LIMIT,
        NX_SIM_STOP_EVENT_LIMIT, NX_SIM_STOP_UNTIL,    NX_SIM_STOP_HOST_ERROR,
    };
    char echo[SCN_ECHO_CHARS], list[SCN_LIST_CHARS];
    nx_scenario_t *s = p->out;
    const scn_tok_t *k = NULL, *a = NULL;
    nx_status_t st = scn_word(p, 1, "what to expect", "usage: expect KIND ...", &k);
    if (st != NX_OK)
        return st;
    uint32_t kind = 1;
    while (kind < KINDS && !scn_is(k, kinds[kind]))
        kind++;
    if (kind == KINDS)
        return scn_fail(p, p->line, k->col, "unknown expectation '%s' (%s)",
                        scn_echo(echo, k->s, k->len),
                        scn_list(list, sizeof list, kinds + 1, KINDS - 1u));
    if (s->expect_count == NX_SCENARIO_MAX_EXPECTS)
        return scn_fail(p, p->line, p->tok[0].col,
                        "more than %u expect lines (NX_SCENARIO_MAX_EXPECTS); split the scenario",
                        NX_SCENARIO_MAX_EXPECTS);
    nx_scenario_expect_t *x = &s->expects[s->expect_count];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->line = p->line;
    x->cmp = NX_CMP_EQ;
    const char *usage = usages[kind];
    uint32_t next = 3;
    switch ((nx_expect_kind_t)kind) {
    case NX_EXPECT_CONSOLE:
    case NX_EXPECT_NO_CONSOLE:
        if (p->ntok < 3u)
            return scn_fail(p, p->line, p->eol_col, "missing the console text (%s)", usage);
        st = scn_text(p, &p->tok[2], "the console text", x->text);
        if (st == NX_OK && x->text[0] == '\0')
            st = scn_fail(p, p->line, p->tok[2].col,
                          "an empty text is in every console; expect some text");
        break;
    case NX_EXPECT_EXIT: {
        st = scn_word(p, 2, "the exit code", usage, &a);
        size_t e = 0;
        while (st == NX_OK && e < sizeof exits / sizeof exits[0] && !scn_is(a, exits[e].name))
            e++;
        if (st == NX_OK && e < sizeof exits / sizeof exits[0])
            x->value = exits[e].code;
        else if (st == NX_OK && scn_u64(a->s, a->len, true, &x->value) == SCN_NUM_BAD)
            st = scn_fail(p, p->line, a->col, "unknown exit '%s' (pass, fail, panic or a number)",
                          scn_echo(echo, a->s, a->len));
        else if (st == NX_OK)
            st = scn_number(p, a->s, a->len, a->col, "the exit code", 0u, NX_SCENARIO_MAX_EXIT,
                            &x->value);
        break;
    }
    case NX_EXPECT_STOP: {
        st = scn_word(p, 2, "the stop reason", usage, &a);
        size_t i = 0;
        while (st == NX_OK && i < sizeof stops / sizeof stops[0] &&
               !scn_is(a, nx_sim_stop_name(stops[i])))
            i++;
        if (st == NX_OK && i == sizeof stops / sizeof stops[0])
            st = scn_fail(p, p->line, a->col,
                          "unknown stop '%s' (shutdown, deadlock, time-limit, event-limit, until "
                          "or host-error)",
                          scn_echo(echo, a->s, a->len));
        if (st == NX_OK)
            x->value = (uint64_t)stops[i];
        break;
    }
    case NX_EXPECT_COUNTER: {
        const scn_tok_t *op = NULL, *v = NULL;
        st = scn_word(p, 2, "the counter's name", usage, &a);
        if (st == NX_OK)
            st = scn_name(p, a->s, a->len, a->col, "counter name", x->counter);
        if (st == NX_OK && !nx_scenario_counter(NULL, x->counter, NULL))
            st = scn_fail(p, p->line, a->col,
                          "unknown counter '%s' (docs/scenarios.md lists them: switches, "
                          "trace.ipi-send, sched.steals...)",
                          scn_echo(echo, a->s, a->len));
        if (st == NX_OK)
            st = scn_word(p, 3, "the comparison", usage, &op);
        uint32_t c = 0;
        while (st == NX_OK && c < OPS && !scn_is(op, ops[c]))
            c++;
        if (st == NX_OK && c == OPS)
            st = scn_fail(p, p->line, op->col, "unknown comparison '%s' (==, !=, <, <=, > or >=)",
                          scn_echo(echo, op->s, op->len));
        x->cmp = c;
        if (st == NX_OK)
            st = scn_word(p, 4, "the value", usage, &v);
        /* A value with a unit is a time, in ns (for end-time-ns). */
        bool unit = st == NX_OK && v->s[0] >= '0' && v->s[0] <= '9' && v->s[v->len - 1u] >= 'a' &&
                    v->s[v->len - 1u] <= 'z' &&
                    !(v->len > 2u && v->s[0] == '0' && (v->s[1] == 'x' || v->s[1] == 'X'));
        if (st == NX_OK && unit)
            st = scn_time(p, v->s, v->len, v->col, "the value", &x->value);
        else if (st == NX_OK)
            st = scn_number(p, v->s, v->len, v->col, "the value", 0u, UINT64_MAX, &x->value);
        next = 5;
        break;
    }
    case NX_EXPECT_DIGEST:
        st = scn_once(p, &p->digest_line, "expect digest");
        if (st == NX_OK)
            st = scn_word(p, 2, "the digest", usage, &a);
        if (st == NX_OK && !(a->len > 2u && a->s[0] == '0' && (a->s[1] == 'x' || a->s[1] == 'X')))
            st = scn_fail(p, p->line, a->col,
                          "a digest is hex after 0x, as nexus-sim prints it: 0x0123456789abcdef");
        if (st == NX_OK)
            st = scn_number(p, a->s, a->len, a->col, "the digest", 0u, UINT64_MAX, &x->value);
        break;
    }
    if (st == NX_OK)
        st = scn_no_more(p, next, usage);
    if (st == NX_OK)
        s->expect_count++;
    return st;
}

static nx_status_t scn_version(scn_parser_t *p)
{
    static const char usage[] = "usage: nexus-scenario VERSION";
    const scn_tok_t *v = NULL;
    uint64_t version = 0;
    if (p->have_version)
        return scn_fail(p, p->line, p->tok[0].col,
                        "a second 'nexus-scenario' line; keep the first");
    nx_status_t st = scn_word(p, 1, "the format version", usage, &v);
    if (st == NX_OK)
        st = scn_number(p, v->s, v->len, v->col, "the format version", 1u, UINT32_MAX, &version);
    if (st == NX_OK && version > NX_SCENARIO_VERSION)
        st = scn_fail(p, p->line, v->col,
                      "written for a newer nexus-sim: version %llu, this build reads up to %u",
                      (unsigned long long)version, NX_SCENARIO_VERSION);
    if (st == NX_OK)
        st = scn_no_more(p, 2, usage);
    if (st == NX_OK) {
        p->have_version = true;
        p->out->version = (uint32_t)version;
    }
    return st;
}

static const struct {
    const char *name;
    uint32_t since;
    nx_status_t (*fn)(scn_parser_t *p);
} scn_directives[] = {
    { "machine", 1u, scn_machine }, { "bootargs", 1u, scn_bootargs },
    { "program", 1u, scn_program }, { "at", 1u, scn_at },
    { "limit", 1u, scn_limit },     { "expect", 1u, scn_expect },
};

#define SCN_DIRECTIVES (sizeof scn_directives / sizeof scn_directives[0])

static nx_status_t scn_line(scn_parser_t *p)
{
    char echo[SCN_ECHO_CHARS], list[SCN_LIST_CHARS];
    const scn_tok_t *d = &p->tok[0];
    bool version_line = scn_is(d, "nexus-scenario");
    if (!p->have_version && !version_line)
        return scn_fail(p, 1, 1,
                        "not a scenario: it must start with 'nexus-scenario %u' (line %u has '%s' "
                        "first)",
                        NX_SCENARIO_VERSION, p->line, scn_echo(echo, d->s, d->len));
    if (version_line)
        return scn_version(p);
    const char *names[SCN_DIRECTIVES];
    uint32_t known = 0;
    for (size_t i = 0; i < SCN_DIRECTIVES; i++) {
        bool match = scn_is(d, scn_directives[i].name);
        if (match && scn_directives[i].since > p->out->version)
            return scn_fail(p, p->line, d->col,
                            "'%s' came with format version %u; this file declares %u (raise its "
                            "nexus-scenario line)",
                            scn_directives[i].name, scn_directives[i].since, p->out->version);
        if (match)
            return scn_directives[i].fn(p);
        if (scn_directives[i].since <= p->out->version)
            names[known++] = scn_directives[i].name;
    }
    return scn_fail(p, p->line, d->col, "unknown directive '%s' (%s)", scn_echo(echo, d->s, d->len),
                    scn_list(list, sizeof list, names, known));
}

/* The checks that needed the whole file, in file order. */
static nx_status_t scn_finish(scn_parser_t *p)
{
    char echo[SCN_ECHO_CHARS];
    nx_scenario_t *s = p->out;
    if (!p->have_version)
        return scn_fail(p, 1, 1, "not a scenario: it has no 'nexus-scenario %u' line",
                        NX_SCENARIO_VERSION);
    for (uint32_t i = 0; i < p->defer_count; i++) {
        const scn_defer_t *d = &p->defer[i];
        const char *want = d->kind == SCN_DEFER_PEER ? s->peers[d->idx] : p->kill_name[d->idx];
        uint32_t prog = 0;
        while (d->kind != SCN_DEFER_HART && prog < s->cfg.program_count &&
               strcmp(s->names[prog], want) != 0)
            prog++;
        if (d->kind == SCN_DEFER_PEER && prog == s->cfg.program_count)
            return scn_fail(p, d->line, d->col, "peer '%s' is not a program of this scenario",
                            scn_echo(echo, want, strlen(want)));
        if (d->kind == SCN_DEFER_KILL && prog == s->cfg.program_count)
            return scn_fail(p, d->line, d->col,
                            "kill names '%s', which no program line of this scenario starts",
                            scn_echo(echo, want, strlen(want)));
        if (d->kind == SCN_DEFER_KILL)
            s->cfg.injections[d->idx].target = prog;
        if (d->kind == SCN_DEFER_HART && s->cfg.injections[d->idx].target >= s->cfg.harts)
            return scn_fail(p, d->line, d->col, "hart %u is not one of the machine's %u (0..%u)",
                            s->cfg.injections[d->idx].target, s->cfg.harts, s->cfg.harts - 1u);
    }
    return NX_OK;
}

nx_status_t nx_scenario_parse(const char *text, size_t len, const char *file, nx_scenario_t *out,
                              nx_scenario_error_t *err)
{
    nx_scenario_error_t spare;
    if (err == NULL)
        err = &spare;
    memset(err, 0, sizeof *err);
    if (file == NULL)
        file = SCN_DEFAULT_FILE;
    snprintf(err->file, sizeof err->file, "%s", file);
    if (text == NULL || out == NULL) {
        err->line = 1;
        err->column = 1;
        snprintf(err->message, sizeof err->message,
                 "no scenario text or no place for the result (a NULL argument)");
        return NX_ERR_INVALID_ARGS;
    }
    if (len > NX_SCENARIO_MAX_BYTES) {
        err->line = 1;
        err->column = 1;
        snprintf(err->message, sizeof err->message,
                 "the text is over %u bytes (NX_SCENARIO_MAX_BYTES); split the scenario",
                 NX_SCENARIO_MAX_BYTES);
        return NX_ERR_INVALID_ARGS;
    }
    /* About 18 KiB, mostly the names of killed programs. */
    scn_parser_t parser;
    scn_parser_t *p = &parser;
    memset(p, 0, sizeof *p);
    memset(out, 0, sizeof *out);
    snprintf(out->file, sizeof out->file, "%s", file);
    nx_sim_config_default(&out->cfg);
    p->out = out;
    p->err = err;

    nx_status_t st = NX_OK;
    size_t pos = 0;
    while (st == NX_OK && pos < len) {
        p->line++;
        /* The line's bytes up to its newline; a NUL or a line past the
         * bound ends the parse there, before the rest is looked at. */
        uint32_t n = 0;
        while (pos + n < len && text[pos + n] != '\n' && n <= NX_SCENARIO_MAX_LINE) {
            if (text[pos + n] == '\0') {
                st = scn_fail(p, p->line, n + 1u, "a NUL byte; a scenario is text");
                break;
            }
            n++;
        }
        if (st != NX_OK)
            break;
        uint32_t used = n;
        if (used > 0u && text[pos + used - 1u] == '\r' &&
            (pos + used == len || text[pos + used] == '\n'))
            used--; /* a CRLF file */
        if (used > NX_SCENARIO_MAX_LINE) {
            st = scn_fail(p, p->line, NX_SCENARIO_MAX_LINE + 1u,
                          "the line is longer than %u bytes; shorten it", NX_SCENARIO_MAX_LINE);
            break;
        }
        st = scn_tokenize(p, text + pos, used);
        if (st == NX_OK && p->ntok > 0u)
            st = scn_line(p);
        pos += n + 1u;
    }
    if (st == NX_OK)
        st = scn_finish(p);
    return st;
}

nx_status_t nx_scenario_load(const char *path, nx_scenario_t *out, nx_scenario_error_t *err)
{
    nx_scenario_error_t spare;
    if (err == NULL)
        err = &spare;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", path != NULL ? path : SCN_DEFAULT_FILE);
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        snprintf(err->message, sizeof err->message, "cannot open the scenario: %s; check the path",
                 path != NULL ? strerror(errno) : "no path given");
        return NX_ERR_NOT_FOUND;
    }
    /* One byte more than the bound tells a file at the bound from one past it. */
    char *buf = malloc(NX_SCENARIO_MAX_BYTES + 1u);
    size_t n = buf != NULL ? fread(buf, 1, NX_SCENARIO_MAX_BYTES + 1u, f) : 0u;
    bool failed = buf == NULL || ferror(f);
    int read_errno = errno;
    fclose(f);
    nx_status_t st;
    if (buf == NULL) {
        snprintf(err->message, sizeof err->message, "out of memory reading the scenario");
        st = NX_ERR_NO_RESOURCES;
    } else if (failed) {
        snprintf(err->message, sizeof err->message,
                 "cannot read the scenario: %s; is it a regular file?", strerror(read_errno));
        st = NX_ERR_IO;
    } else if (n > NX_SCENARIO_MAX_BYTES) {
        snprintf(err->message, sizeof err->message,
                 "the file is over %u bytes (NX_SCENARIO_MAX_BYTES); split the scenario",
                 NX_SCENARIO_MAX_BYTES);
        st = NX_ERR_OUT_OF_RANGE;
    } else {
        st = nx_scenario_parse(buf, n, path, out, err);
    }
    free(buf);
    return st;
}

void nx_scenario_error_print(const nx_scenario_error_t *err, FILE *to)
{
    if (err == NULL || to == NULL)
        return;
    if (err->line == 0u)
        fprintf(to, "%s: error: %s\n", err->file, err->message);
    else
        fprintf(to, "%s:%u:%u: error: %s\n", err->file, err->line, err->column, err->message);
}
