/*
 * profile_text.c - parsing the text form of a filter profile
 * (profile_text.h; grammar: docs/sysfilter.md).
 *
 * Line by line, token by token (words separated by blanks; '#' starts a
 * comment). Every error names its line and column. Names of calls and
 * statuses come from the kernel's own tables (nx_syscall_name,
 * nx_status_name), so the tool cannot drift from the kernel.
 */
#include "profile_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nexus/object.h"
#include "nexus/rights.h"
#include "nexus/status.h"
#include "nexus/syscall.h"
#include "nx/syscall.h"

/* The words of the text, shared by the parser and the writer. */
static const struct {
    const char *word;
    nx_filter_op_t op;
} op_words[] = { { "==", NX_FILTER_EQ },      { "!=", NX_FILTER_NE },       { "<", NX_FILTER_LT },
                 { "<=", NX_FILTER_LE },      { ">", NX_FILTER_GT },        { ">=", NX_FILTER_GE },
                 { "&", NX_FILTER_MASK_ALL }, { "!&", NX_FILTER_MASK_NONE } };
static const char *const type_words[NX_OBJ_TYPE_COUNT] = { NULL,     "task",      "event",
                                                           "thread", "channel",   "vmo",
                                                           "device", "interrupt", "pin" };
static const struct {
    const char *word;
    uint32_t right;
} right_words[] = { { "read", NX_RIGHT_READ },
                    { "write", NX_RIGHT_WRITE },
                    { "duplicate", NX_RIGHT_DUPLICATE },
                    { "transfer", NX_RIGHT_TRANSFER },
                    { "map", NX_RIGHT_MAP },
                    { "execute", NX_RIGHT_EXECUTE },
                    { "signal", NX_RIGHT_SIGNAL },
                    { "wait", NX_RIGHT_WAIT },
                    { "manage", NX_RIGHT_MANAGE },
                    { "dma", NX_RIGHT_DMA },
                    { "seal", NX_RIGHT_SEAL },
                    { "inspect", NX_RIGHT_INSPECT } };
static const char *const mode_words[NX_FILTER_MODE_COUNT] = { "enforce", "report", "learn" };
static const char *const kind_words[NX_FILTER_ACTION_COUNT] = { "allow", "deny", "log", "rate",
                                                                "kill" };

typedef struct token {
    const char *s;
    size_t len;
    uint32_t column;
} token_t;

#define MAX_TOKENS 24u

typedef struct parser {
    nx_profile_t *p;
    nx_profile_error_t *err;
    uint32_t line;
    bool have_header, have_mode, have_default;
    token_t tok[MAX_TOKENS];
    uint32_t ntok;
} parser_t;

static bool fail(parser_t *ps, uint32_t column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(parser_t *ps, uint32_t column, const char *fmt, ...)
{
    ps->err->line = ps->line;
    ps->err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool is(const token_t *t, const char *word)
{
    return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* The token, quoted, for a message (at most 40 bytes of it). */
static const char *shown(const token_t *t, char *buf, size_t size)
{
    snprintf(buf, size, "'%.*s'", (int)(t->len < 40u ? t->len : 40u), t->s);
    return buf;
}

/* Split one line into tokens; false on a line with too many. */
static bool tokenize(parser_t *ps, const char *line, size_t len)
{
    ps->ntok = 0;
    for (size_t i = 0; i < len;) {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            i++;
            continue;
        }
        if (line[i] == '#')
            break;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#')
            i++;
        if (ps->ntok == MAX_TOKENS)
            return fail(ps, (uint32_t)start + 1u, "more than %u words on one line", MAX_TOKENS);
        ps->tok[ps->ntok++] = (token_t){ line + start, i - start, (uint32_t)start + 1u };
    }
    return true;
}

/* An unsigned number: decimal, or 0x hex; no sign, no overflow. */
static bool number(parser_t *ps, const token_t *t, uint64_t *out)
{
    char b[64];
    size_t i = 0;
    unsigned base = 10;
    if (t->len > 2u && t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == t->len)
        return fail(ps, t->column, "expected a number, got %s", shown(t, b, sizeof b));
    uint64_t v = 0;
    for (; i < t->len; i++) {
        char c = t->s[i];
        unsigned d = c >= '0' && c <= '9'                 ? (unsigned)(c - '0')
                     : base == 16 && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : base == 16 && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                          : 99u;
        if (d >= base)
            return fail(ps, t->column + (uint32_t)i, "expected a number, got %s",
                        shown(t, b, sizeof b));
        if (v > (UINT64_MAX - d) / base)
            return fail(ps, t->column, "%s does not fit in 64 bits", shown(t, b, sizeof b));
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* A duration: a number and its unit (ns, us, ms, s), in ns. */
static bool duration(parser_t *ps, const token_t *t, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = { { "ns", 1u }, { "us", 1000u }, { "ms", 1000000u }, { "s", 1000000000u } };
    char b[64];
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u].unit);
        if (t->len <= ul || memcmp(t->s + t->len - ul, units[u].unit, ul) != 0)
            continue;
        token_t n = { t->s, t->len - ul, t->column };
        if (n.s[n.len - 1u] < '0' || n.s[n.len - 1u] > '9')
            continue; /* "1ms" is not "1m" + "s" */
        uint64_t v;
        if (!number(ps, &n, &v))
            return false;
        if (v > UINT64_MAX / units[u].ns)
            return fail(ps, t->column, "%s does not fit in 64 bits of ns", shown(t, b, sizeof b));
        *out = v * units[u].ns;
        return true;
    }
    return fail(ps, t->column, "expected a duration (a number and ns, us, ms or s), got %s",
                shown(t, b, sizeof b));
}

int32_t nx_profile_syscall_number(const char *name, size_t len)
{
    for (uint32_t nr = 0; nr < NX_SYS_COUNT; nr++) {
        const char *n = nx_syscall_name(nr);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return (int32_t)nr;
    }
    return -1;
}

static bool syscall_of(parser_t *ps, const token_t *t, uint16_t *out)
{
    char b[64];
    int32_t nr = nx_profile_syscall_number(t->s, t->len);
    if (nr < 0)
        return fail(ps, t->column, "%s is not a system call (names as in docs/abi/syscalls.md)",
                    shown(t, b, sizeof b));
    *out = (uint16_t)nr;
    return true;
}

/* A status to deny with: an NX_ERR_ name, any assigned one but INTERNAL. */
static bool status_of(parser_t *ps, const token_t *t, int32_t *out)
{
    char b[64];
    for (int32_t st = -1; st >= NX_STATUS_MIN; st--) {
        const char *n = nx_status_name((nx_status_t)st);
        if (strlen(n) == t->len && memcmp(n, t->s, t->len) == 0) {
            if (st == NX_ERR_INTERNAL)
                break;
            *out = st;
            return true;
        }
    }
    return fail(ps, t->column, "%s is not a status a call may be denied with (NX_ERR_...)",
                shown(t, b, sizeof b));
}

static bool bucket_of(parser_t *ps, const token_t *t, uint8_t *out)
{
    char b[64];
    for (uint8_t i = 0; i < ps->p->header.bucket_count; i++)
        if (strlen(ps->p->bucket_names[i]) == t->len &&
            memcmp(ps->p->bucket_names[i], t->s, t->len) == 0) {
            *out = i;
            return true;
        }
    return fail(ps, t->column, "no bucket %s (declare it with 'bucket' first)",
                shown(t, b, sizeof b));
}

static bool expect_end(parser_t *ps, uint32_t i)
{
    char b[64];
    return i == ps->ntok ||
           fail(ps, ps->tok[i].column, "unexpected %s", shown(&ps->tok[i], b, sizeof b));
}

static bool need(parser_t *ps, uint32_t i, const char *what)
{
    if (i < ps->ntok)
        return true;
    uint32_t col =
        ps->ntok > 0u ? ps->tok[ps->ntok - 1u].column + (uint32_t)ps->tok[ps->ntok - 1u].len : 1u;
    return fail(ps, col, "expected %s at the end of the line", what);
}

/* "allow", "log", "kill", "deny [STATUS]" (the status after the call for
 * a rule: `at_status`), "rate BUCKET". Returns tokens used, 0 on error. */
static uint32_t action_of(parser_t *ps, uint32_t i, nx_filter_action_t *a)
{
    char b[64];
    const token_t *t = &ps->tok[i];
    memset(a, 0, sizeof *a);
    if (is(t, "allow"))
        a->kind = NX_FILTER_ALLOW;
    else if (is(t, "log"))
        a->kind = NX_FILTER_LOG;
    else if (is(t, "kill"))
        a->kind = NX_FILTER_KILL;
    else if (is(t, "deny")) {
        a->kind = NX_FILTER_DENY;
        a->status = NX_ERR_DENIED_BY_FILTER;
    } else if (is(t, "rate")) {
        a->kind = NX_FILTER_RATE;
        if (!need(ps, i + 1u, "a bucket name") || !bucket_of(ps, &ps->tok[i + 1u], &a->bucket))
            return 0;
        return 2;
    } else {
        fail(ps, t->column, "expected allow, deny, log, rate or kill, got %s",
             shown(t, b, sizeof b));
        return 0;
    }
    return 1;
}

static bool condition(parser_t *ps, uint32_t *i, nx_filter_rule_t *r)
{
    char b[64];
    const token_t *arg = &ps->tok[*i];
    if (arg->len != 2u || arg->s[0] != 'a' || arg->s[1] < '0' || arg->s[1] > '5')
        return fail(ps, arg->column, "expected an argument a0..a5, got %s",
                    shown(arg, b, sizeof b));
    if (r->matcher_count == NX_FILTER_MAX_MATCHERS)
        return fail(ps, arg->column, "more than %u conditions in one rule", NX_FILTER_MAX_MATCHERS);
    if (!need(ps, *i + 1u, "a test (==, !=, <, <=, >, >=, &, !&, in, type, rights)") ||
        !need(ps, *i + 2u, "a value"))
        return false;
    nx_filter_matcher_t *m = &r->matchers[r->matcher_count];
    m->arg = (uint8_t)(arg->s[1] - '0');
    const token_t *op = &ps->tok[*i + 1u], *v = &ps->tok[*i + 2u];
    bool found = false;
    for (size_t k = 0; k < sizeof op_words / sizeof op_words[0] && !found; k++)
        if (is(op, op_words[k].word)) {
            m->op = (uint8_t)op_words[k].op;
            found = true;
        }
    if (found) {
        if (!number(ps, v, &m->a))
            return false;
    } else if (is(op, "in")) {
        /* LO..HI */
        const char *dots = NULL;
        for (size_t k = 0; k + 1u < v->len; k++)
            if (v->s[k] == '.' && v->s[k + 1u] == '.') {
                dots = v->s + k;
                break;
            }
        if (dots == NULL)
            return fail(ps, v->column, "expected a range LO..HI, got %s", shown(v, b, sizeof b));
        token_t lo = { v->s, (size_t)(dots - v->s), v->column };
        token_t hi = { dots + 2, v->len - lo.len - 2u, v->column + (uint32_t)lo.len + 2u };
        m->op = NX_FILTER_IN_RANGE;
        if (!number(ps, &lo, &m->a) || !number(ps, &hi, &m->b))
            return false;
        if (m->a > m->b)
            return fail(ps, v->column, "an empty range (%s)", shown(v, b, sizeof b));
    } else if (is(op, "type")) {
        m->op = NX_FILTER_TYPE_IS;
        for (uint32_t k = 1; k < NX_OBJ_TYPE_COUNT && m->a == 0u; k++)
            if (type_words[k] != NULL && is(v, type_words[k]))
                m->a = k;
        if (m->a == 0u)
            return fail(ps, v->column,
                        "expected an object type (task, event, thread, channel, vmo, device, "
                        "interrupt, pin), "
                        "got %s",
                        shown(v, b, sizeof b));
    } else if (is(op, "rights")) {
        m->op = NX_FILTER_HAS_RIGHTS;
        for (size_t at = 0; at < v->len;) {
            size_t end = at;
            while (end < v->len && v->s[end] != ',')
                end++;
            token_t one = { v->s + at, end - at, v->column + (uint32_t)at };
            bool known = false;
            for (size_t k = 0; k < sizeof right_words / sizeof right_words[0] && !known; k++)
                if (is(&one, right_words[k].word)) {
                    m->a |= right_words[k].right;
                    known = true;
                }
            if (!known)
                return fail(ps, one.column, "expected a right (read, write, ..., inspect), got %s",
                            shown(&one, b, sizeof b));
            at = end + 1u;
        }
    } else {
        return fail(ps, op->column,
                    "expected a test (==, !=, <, <=, >, >=, &, !&, in, type, rights), got %s",
                    shown(op, b, sizeof b));
    }
    r->matcher_count++;
    *i += 3u;
    return true;
}

/* ACTION SYSCALL [STATUS] [if COND {and COND}] */
static bool rule_line(parser_t *ps)
{
    char b[64];
    nx_profile_t *p = ps->p;
    if (p->header.rule_count == NX_FILTER_MAX_RULES)
        return fail(ps, 1, "more than %u rules", NX_FILTER_MAX_RULES);
    nx_filter_rule_t *r = &p->rules[p->header.rule_count];
    memset(r, 0, sizeof *r);
    uint32_t i = action_of(ps, 0, &r->action);
    if (i == 0u)
        return false;
    if (!need(ps, i, "a system call name") || !syscall_of(ps, &ps->tok[i], &r->syscall))
        return false;
    i++;
    if (r->action.kind == NX_FILTER_DENY && i < ps->ntok && !is(&ps->tok[i], "if")) {
        if (!status_of(ps, &ps->tok[i], &r->action.status))
            return false;
        i++;
    }
    if (i < ps->ntok) {
        if (!is(&ps->tok[i], "if"))
            return fail(ps, ps->tok[i].column, "expected 'if' or the end of the line, got %s",
                        shown(&ps->tok[i], b, sizeof b));
        i++;
        for (;;) {
            if (!need(ps, i, "a condition") || !condition(ps, &i, r))
                return false;
            if (i == ps->ntok)
                break;
            if (!is(&ps->tok[i], "and"))
                return fail(ps, ps->tok[i].column, "expected 'and' or the end of the line, got %s",
                            shown(&ps->tok[i], b, sizeof b));
            i++;
        }
    }
    p->rule_lines[p->header.rule_count++] = ps->line;
    return true;
}

static bool bucket_line(parser_t *ps)
{
    char b[64];
    nx_profile_t *p = ps->p;
    /* bucket NAME capacity N refill N every DURATION */
    if (ps->ntok != 8u || !is(&ps->tok[2], "capacity") || !is(&ps->tok[4], "refill") ||
        !is(&ps->tok[6], "every"))
        return fail(ps, ps->tok[0].column,
                    "expected 'bucket NAME capacity N refill N every DURATION'");
    if (p->header.bucket_count == NX_FILTER_MAX_BUCKETS)
        return fail(ps, ps->tok[0].column, "more than %u buckets", NX_FILTER_MAX_BUCKETS);
    const token_t *name = &ps->tok[1];
    uint8_t dup;
    if (name->len >= sizeof p->bucket_names[0])
        return fail(ps, name->column, "a bucket name is at most %zu bytes",
                    sizeof p->bucket_names[0] - 1u);
    nx_profile_error_t keep = *ps->err;
    if (bucket_of(ps, name, &dup))
        return fail(ps, name->column, "bucket %s declared twice", shown(name, b, sizeof b));
    *ps->err = keep;
    nx_filter_bucket_t *bk = &p->buckets[p->header.bucket_count];
    if (!number(ps, &ps->tok[3], &bk->capacity) || !number(ps, &ps->tok[5], &bk->refill) ||
        !duration(ps, &ps->tok[7], &bk->interval_ns))
        return false;
    if (bk->capacity == 0u)
        return fail(ps, ps->tok[3].column, "a bucket holds at least 1 token");
    if (bk->refill == 0u || bk->refill > bk->capacity)
        return fail(ps, ps->tok[5].column, "refill must be 1..capacity");
    if (bk->interval_ns == 0u)
        return fail(ps, ps->tok[7].column, "the interval must be at least 1ns");
    memcpy(p->bucket_names[p->header.bucket_count], name->s, name->len);
    p->bucket_names[p->header.bucket_count][name->len] = '\0';
    p->header.bucket_count++;
    return true;
}

static bool line(parser_t *ps)
{
    char b[64];
    const token_t *t = &ps->tok[0];
    nx_filter_header_t *h = &ps->p->header;
    if (!ps->have_header) {
        uint64_t v;
        if (!is(t, "nexus-sysfilter"))
            return fail(ps, t->column, "not a filter profile: it must start 'nexus-sysfilter 1'");
        if (!need(ps, 1, "a version") || !number(ps, &ps->tok[1], &v) || !expect_end(ps, 2))
            return false;
        if (v != NX_FILTER_VERSION)
            return fail(ps, ps->tok[1].column,
                        "version %llu: this tool reads and writes version %u",
                        (unsigned long long)v, NX_FILTER_VERSION);
        ps->have_header = true;
        return true;
    }
    if (is(t, "mode")) {
        if (ps->have_mode)
            return fail(ps, t->column, "a second 'mode' line");
        if (!need(ps, 1, "enforce, report or learn") || !expect_end(ps, 2))
            return false;
        for (uint8_t m = 0; m < NX_FILTER_MODE_COUNT; m++)
            if (is(&ps->tok[1], mode_words[m])) {
                h->mode = m;
                ps->have_mode = true;
                return true;
            }
        return fail(ps, ps->tok[1].column, "expected enforce, report or learn, got %s",
                    shown(&ps->tok[1], b, sizeof b));
    }
    if (is(t, "default")) {
        if (ps->have_default)
            return fail(ps, t->column, "a second 'default' line");
        if (!need(ps, 1, "an action"))
            return false;
        uint32_t used = action_of(ps, 1, &h->default_action);
        if (used == 0u)
            return false;
        uint32_t i = 1u + used;
        if (h->default_action.kind == NX_FILTER_DENY && i < ps->ntok) {
            if (!status_of(ps, &ps->tok[i], &h->default_action.status))
                return false;
            i++;
        }
        ps->have_default = true;
        return expect_end(ps, i);
    }
    if (is(t, "bucket"))
        return bucket_line(ps);
    return rule_line(ps);
}

bool nx_profile_parse(const char *text, size_t len, nx_profile_t *out, nx_profile_error_t *err)
{
    parser_t ps = { .p = out, .err = err };
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    out->header.magic = NX_FILTER_MAGIC;
    out->header.version = NX_FILTER_VERSION;
    out->header.mode = NX_FILTER_ENFORCE;
    out->header.default_action.kind = NX_FILTER_DENY; /* a profile denies what it does not name */
    out->header.default_action.status = NX_ERR_DENIED_BY_FILTER;
    for (size_t at = 0; at <= len;) {
        size_t end = at;
        while (end < len && text[end] != '\n')
            end++;
        ps.line++;
        for (size_t k = at; k < end; k++)
            if (text[k] == '\0')
                return fail(&ps, (uint32_t)(k - at) + 1u, "a NUL byte in the text");
        if (!tokenize(&ps, text + at, end - at))
            return false;
        if (ps.ntok > 0u && !line(&ps))
            return false;
        at = end + 1u;
    }
    if (!ps.have_header) {
        ps.line = 1;
        return fail(&ps, 1, "not a filter profile: it must start 'nexus-sysfilter 1'");
    }
    return true;
}

size_t nx_profile_pack(const nx_profile_t *p, void *out)
{
    return nx_filter_blob_pack(&p->header, p->buckets, p->rules, out);
}

static bool holds(const nx_filter_matcher_t *m, const uint64_t a[6], bool handles_hold)
{
    int value = nx_filter_value_test(m->op, a[m->arg], m->a, m->b);
    if (value >= 0)
        return value != 0;
    return handles_hold && a[m->arg] <= UINT32_MAX; /* type and rights: assumed */
}

int32_t nx_profile_explain(const nx_profile_t *p, uint32_t nr, const uint64_t a[6],
                           bool handles_hold, char *why, size_t why_size)
{
    for (uint32_t i = 0; i < p->header.rule_count; i++) {
        const nx_filter_rule_t *r = &p->rules[i];
        if (r->syscall != nr)
            continue;
        bool all = true;
        for (uint32_t m = 0; m < r->matcher_count && all; m++)
            all = holds(&r->matchers[m], a, handles_hold);
        if (all) {
            snprintf(why, why_size, "line %u (rule %u): %s", p->rule_lines[i], i,
                     kind_words[r->action.kind]);
            return (int32_t)i;
        }
    }
    snprintf(why, why_size, "no rule holds: the default, %s",
             kind_words[p->header.default_action.kind]);
    return -1;
}

nx_status_t nx_profile_from_blob(const void *blob, size_t len, nx_profile_t *out, char *why,
                                 size_t why_size)
{
    const unsigned char *b = blob;
    memset(out, 0, sizeof *out);
    nx_filter_header_t *h = &out->header;
    if (len < sizeof *h) {
        snprintf(why, why_size, "%zu bytes: shorter than a filter blob's header (%zu)", len,
                 sizeof *h);
        return NX_ERR_MALFORMED;
    }
    memcpy(h, b, sizeof *h);
    if (h->magic != NX_FILTER_MAGIC) {
        snprintf(why, why_size, "not a filter blob (magic %08x, not %08x)", h->magic,
                 NX_FILTER_MAGIC);
        return NX_ERR_MALFORMED;
    }
    if (h->version != NX_FILTER_VERSION) {
        snprintf(why, why_size, "blob version %u: this tool reads version %u", h->version,
                 NX_FILTER_VERSION);
        return NX_ERR_VERSION_MISMATCH;
    }
    if (h->rule_count > NX_FILTER_MAX_RULES || h->bucket_count > NX_FILTER_MAX_BUCKETS) {
        snprintf(why, why_size, "%u rules and %u buckets: at most %u and %u", h->rule_count,
                 h->bucket_count, NX_FILTER_MAX_RULES, NX_FILTER_MAX_BUCKETS);
        return NX_ERR_OUT_OF_RANGE;
    }
    size_t want =
        sizeof *h + h->bucket_count * sizeof out->buckets[0] + h->rule_count * sizeof out->rules[0];
    if (len != want) {
        snprintf(why, why_size, "%zu bytes where its header counts %zu", len, want);
        return NX_ERR_MALFORMED;
    }
    memcpy(out->buckets, b + sizeof *h, h->bucket_count * sizeof out->buckets[0]);
    memcpy(out->rules, b + sizeof *h + h->bucket_count * sizeof out->buckets[0],
           h->rule_count * sizeof out->rules[0]);
    for (uint32_t i = 0; i < h->bucket_count; i++)
        snprintf(out->bucket_names[i], sizeof out->bucket_names[i], "b%u", i);
    return NX_OK;
}

/* Appending to the text being written; `full` once something did not fit. */
typedef struct writer {
    char *out;
    size_t cap, len;
    bool full;
} writer_t;

static void put(writer_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(writer_t *w, const char *fmt, ...)
{
    if (w->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->out + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len)
        w->full = true;
    else
        w->len += (size_t)n;
}

/* A word of a table, or one the parser refuses ("?N"). */
static void put_word(writer_t *w, const char *const *words, uint32_t count, uint32_t i)
{
    if (i < count && words[i] != NULL)
        put(w, "%s", words[i]);
    else
        put(w, "?%u", i);
}

static void put_status(writer_t *w, int32_t st)
{
    put(w, " %s", nx_status_name((nx_status_t)st));
}

static void put_matcher(writer_t *w, const nx_filter_matcher_t *m)
{
    put(w, "a%u ", m->arg);
    for (size_t k = 0; k < sizeof op_words / sizeof op_words[0]; k++)
        if (m->op == op_words[k].op) {
            /* Masks, and values too big to be counts, read better in hex. */
            bool hex =
                m->op == NX_FILTER_MASK_ALL || m->op == NX_FILTER_MASK_NONE || m->a > 0xffffu;
            put(w, hex ? "%s 0x%llx" : "%s %llu", op_words[k].word, (unsigned long long)m->a);
            return;
        }
    if (m->op == NX_FILTER_IN_RANGE) {
        put(w, "in %llu..%llu", (unsigned long long)m->a, (unsigned long long)m->b);
    } else if (m->op == NX_FILTER_TYPE_IS) {
        put(w, "type ");
        put_word(w, type_words, NX_OBJ_TYPE_COUNT, m->a < NX_OBJ_TYPE_COUNT ? (uint32_t)m->a : 0u);
    } else if (m->op == NX_FILTER_HAS_RIGHTS) {
        put(w, "rights ");
        const char *sep = "";
        uint64_t left = m->a;
        for (size_t k = 0; k < sizeof right_words / sizeof right_words[0]; k++)
            if ((m->a & right_words[k].right) != 0u) {
                put(w, "%s%s", sep, right_words[k].word);
                left &= ~(uint64_t)right_words[k].right;
                sep = ",";
            }
        if (left != 0u || m->a == 0u)
            put(w, "%s?0x%llx", sep, (unsigned long long)left);
    } else {
        put(w, "?op%u %llu", m->op, (unsigned long long)m->a);
    }
}

size_t nx_profile_write(const nx_profile_t *p, const char *comment, char *out, size_t cap)
{
    writer_t w = { out, cap, 0, cap == 0u };
    const nx_filter_header_t *h = &p->header;
    put(&w, "nexus-sysfilter %u\n", NX_FILTER_VERSION);
    for (const char *c = comment; c != NULL && *c != '\0';) {
        const char *nl = strchr(c, '\n');
        size_t n = nl != NULL ? (size_t)(nl - c) : strlen(c);
        put(&w, "# %.*s\n", (int)n, c);
        c += n + (nl != NULL ? 1u : 0u);
    }
    put(&w, "mode ");
    put_word(&w, mode_words, NX_FILTER_MODE_COUNT, h->mode);
    put(&w, "\ndefault ");
    put_word(&w, kind_words, NX_FILTER_ACTION_COUNT, h->default_action.kind);
    if (h->default_action.kind == NX_FILTER_RATE)
        put(&w, " b%u", h->default_action.bucket);
    if (h->default_action.kind == NX_FILTER_DENY)
        put_status(&w, h->default_action.status);
    put(&w, "\n");
    for (uint32_t i = 0; i < h->bucket_count; i++)
        put(&w, "bucket b%u capacity %llu refill %llu every %lluns\n", i,
            (unsigned long long)p->buckets[i].capacity, (unsigned long long)p->buckets[i].refill,
            (unsigned long long)p->buckets[i].interval_ns);
    for (uint32_t i = 0; i < h->rule_count; i++) {
        const nx_filter_rule_t *r = &p->rules[i];
        put_word(&w, kind_words, NX_FILTER_ACTION_COUNT, r->action.kind);
        if (r->action.kind == NX_FILTER_RATE)
            put(&w, " b%u", r->action.bucket);
        put(&w, " %s", nx_syscall_name(r->syscall));
        if (r->action.kind == NX_FILTER_DENY)
            put_status(&w, r->action.status);
        for (uint32_t m = 0; m < r->matcher_count && m < NX_FILTER_MAX_MATCHERS; m++) {
            put(&w, m == 0u ? " if " : " and ");
            put_matcher(&w, &r->matchers[m]);
        }
        put(&w, "\n");
    }
    return w.full ? 0u : w.len;
}
