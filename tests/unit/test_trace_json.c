/*
 * test_trace_json.c - the Chrome trace-event JSON writer (sim/trace_json.c).
 *
 * The output is read back with a strict JSON parser written here (no
 * trailing commas, no garbage after the value, no duplicate keys, escapes
 * checked), then its structure is checked the way Perfetto and
 * chrome://tracing read it: every event has ph, pid, tid, ts and name,
 * slices are whole or balanced per track and in time order, counters carry
 * numbers, instants a scope, every hart a named track. Fed with a
 * hand-built stream (exact slices, syscalls blocking across a switch, the
 * derived counters) and with a real run's tap.
 */
#include "nx_test.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/status.h"
#include "nexus/syscall.h"
#include "nexus/trace.h"
#include "nxsim/sim.h"
#include "nxsim/trace_json.h"

/* --- a strict JSON parser ------------------------------------------------- */

#define JSON_MAX_DEPTH 32u         /* the writer nests 4 deep; deeper is an error */
#define JSON_MAX_BYTES (64u << 20) /* output read back at most */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype_t;

typedef struct jval {
    jtype_t type;
    bool b;
    double num;
    char *str;          /* J_STR, decoded UTF-8 */
    struct jval *items; /* J_ARR and J_OBJ values */
    char **keys;        /* J_OBJ keys, parallel to items */
    size_t count;
} jval_t;

typedef struct jparser {
    const char *p;
    const char *end;
    const char *err; /* first error, or NULL */
    const char *err_at;
} jparser_t;

static bool jfail(jparser_t *jp, const char *why)
{
    if (jp->err == NULL) {
        jp->err = why;
        jp->err_at = jp->p;
    }
    return false;
}

static void jskip_ws(jparser_t *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static bool jlit(jparser_t *jp, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n) != 0)
        return jfail(jp, "bad literal");
    jp->p += n;
    return true;
}

static int jhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool jhex4(jparser_t *jp, uint32_t *out)
{
    if (jp->end - jp->p < 4)
        return jfail(jp, "short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = jhex(jp->p[i]);
        if (d < 0)
            return jfail(jp, "bad hex digit in \\u escape");
        v = v << 4 | (uint32_t)d;
    }
    jp->p += 4;
    *out = v;
    return true;
}

/* Append code point cp as UTF-8; out has room (callers size it 4x+1). */
static size_t jutf8(char *out, uint32_t cp)
{
    if (cp < 0x80u) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (char)(0xc0u | cp >> 6);
        out[1] = (char)(0x80u | (cp & 0x3fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (char)(0xe0u | cp >> 12);
        out[1] = (char)(0x80u | (cp >> 6 & 0x3fu));
        out[2] = (char)(0x80u | (cp & 0x3fu));
        return 3;
    }
    out[0] = (char)(0xf0u | cp >> 18);
    out[1] = (char)(0x80u | (cp >> 12 & 0x3fu));
    out[2] = (char)(0x80u | (cp >> 6 & 0x3fu));
    out[3] = (char)(0x80u | (cp & 0x3fu));
    return 4;
}

static bool jstring(jparser_t *jp, char **out)
{
    if (jp->p >= jp->end || *jp->p != '"')
        return jfail(jp, "expected a string");
    jp->p++;
    const char *start = jp->p;
    while (jp->p < jp->end && *jp->p != '"') /* find the end to size the copy */
        jp->p += *jp->p == '\\' && jp->p + 1 < jp->end ? 2 : 1;
    if (jp->p >= jp->end)
        return jfail(jp, "unterminated string");
    size_t raw = (size_t)(jp->p - start);
    char *s = malloc(raw * 4u + 1u);
    assert_non_null(s);
    size_t n = 0;
    jp->p = start;
    while (*jp->p != '"') {
        unsigned char c = (unsigned char)*jp->p;
        if (c < 0x20u) {
            free(s);
            return jfail(jp, "control character in a string");
        }
        if (c != '\\') {
            s[n++] = (char)c;
            jp->p++;
            continue;
        }
        jp->p++;
        char e = *jp->p++;
        uint32_t cp;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            s[n++] = e;
            break;
        case 'b':
            s[n++] = '\b';
            break;
        case 'f':
            s[n++] = '\f';
            break;
        case 'n':
            s[n++] = '\n';
            break;
        case 'r':
            s[n++] = '\r';
            break;
        case 't':
            s[n++] = '\t';
            break;
        case 'u':
            if (!jhex4(jp, &cp)) {
                free(s);
                return false;
            }
            if (cp >= 0xd800u && cp < 0xdc00u) { /* a high surrogate needs its low half */
                uint32_t lo;
                if (jp->end - jp->p < 2 || jp->p[0] != '\\' || jp->p[1] != 'u') {
                    free(s);
                    return jfail(jp, "lone high surrogate");
                }
                jp->p += 2;
                if (!jhex4(jp, &lo) || lo < 0xdc00u || lo > 0xdfffu) {
                    free(s);
                    return jfail(jp, "bad low surrogate");
                }
                cp = 0x10000u + ((cp - 0xd800u) << 10) + (lo - 0xdc00u);
            } else if (cp >= 0xdc00u && cp <= 0xdfffu) {
                free(s);
                return jfail(jp, "lone low surrogate");
            }
            if (cp == 0u) {
                free(s);
                return jfail(jp, "\\u0000 in a string");
            }
            n += jutf8(s + n, cp);
            break;
        default:
            free(s);
            return jfail(jp, "bad escape");
        }
    }
    jp->p++;
    s[n] = '\0';
    *out = s;
    return true;
}

static bool jdigits(jparser_t *jp)
{
    if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
        return jfail(jp, "expected a digit");
    while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
        jp->p++;
    return true;
}

/* JSON's number grammar exactly: no leading zeros, no '+', no bare '.'. */
static bool jnumber(jparser_t *jp, double *out)
{
    const char *start = jp->p;
    if (jp->p < jp->end && *jp->p == '-')
        jp->p++;
    if (jp->p < jp->end && *jp->p == '0')
        jp->p++;
    else if (!jdigits(jp))
        return false;
    if (jp->p < jp->end && *jp->p == '.') {
        jp->p++;
        if (!jdigits(jp))
            return false;
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
            jp->p++;
        if (!jdigits(jp))
            return false;
    }
    char tmp[64];
    size_t len = (size_t)(jp->p - start);
    if (len >= sizeof tmp)
        return jfail(jp, "number too long");
    memcpy(tmp, start, len);
    tmp[len] = '\0';
    *out = strtod(tmp, NULL);
    if (!isfinite(*out))
        return jfail(jp, "number out of range");
    return true;
}

static void jfree(jval_t *v)
{
    free(v->str);
    for (size_t i = 0; i < v->count; i++) {
        jfree(&v->items[i]);
        if (v->keys != NULL)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static bool jvalue(jparser_t *jp, jval_t *v, unsigned depth);

static void jpush(jval_t *v, size_t *cap, bool keyed)
{
    if (v->count < *cap)
        return;
    *cap = *cap == 0u ? 8u : *cap * 2u;
    v->items = realloc(v->items, *cap * sizeof *v->items);
    assert_non_null(v->items);
    if (keyed) {
        v->keys = realloc(v->keys, *cap * sizeof *v->keys);
        assert_non_null(v->keys);
    }
}

static bool jcontainer(jparser_t *jp, jval_t *v, unsigned depth, bool object)
{
    char close = object ? '}' : ']';
    size_t cap = 0;
    v->type = object ? J_OBJ : J_ARR;
    jp->p++;
    jskip_ws(jp);
    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
        return true;
    }
    for (;;) {
        jskip_ws(jp);
        jpush(v, &cap, object);
        jval_t *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        if (object) {
            char *key = NULL;
            if (!jstring(jp, &key))
                return false;
            for (size_t i = 0; i < v->count; i++) {
                if (strcmp(v->keys[i], key) == 0) {
                    free(key);
                    return jfail(jp, "duplicate key");
                }
            }
            v->keys[v->count] = key;
            jskip_ws(jp);
            if (jp->p >= jp->end || *jp->p != ':') {
                v->count++; /* the key is freed with the object */
                return jfail(jp, "expected ':'");
            }
            jp->p++;
        }
        v->count++;
        if (!jvalue(jp, item, depth + 1u))
            return false;
        jskip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            jskip_ws(jp);
            if (jp->p < jp->end && *jp->p == close)
                return jfail(jp, "trailing comma");
            continue;
        }
        if (jp->p < jp->end && *jp->p == close) {
            jp->p++;
            return true;
        }
        return jfail(jp, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool jvalue(jparser_t *jp, jval_t *v, unsigned depth)
{
    if (depth > JSON_MAX_DEPTH)
        return jfail(jp, "nested too deep");
    jskip_ws(jp);
    if (jp->p >= jp->end)
        return jfail(jp, "unexpected end");
    switch (*jp->p) {
    case '{':
        return jcontainer(jp, v, depth, true);
    case '[':
        return jcontainer(jp, v, depth, false);
    case '"':
        v->type = J_STR;
        return jstring(jp, &v->str);
    case 't':
        v->type = J_BOOL;
        v->b = true;
        return jlit(jp, "true");
    case 'f':
        v->type = J_BOOL;
        return jlit(jp, "false");
    case 'n':
        v->type = J_NULL;
        return jlit(jp, "null");
    default:
        v->type = J_NUM;
        return jnumber(jp, &v->num);
    }
}

/* Parse a whole document; false (and *why) when it is not strict JSON. */
static bool json_parse(const char *text, size_t len, jval_t *out, const char **why)
{
    jparser_t jp = { text, text + len, NULL, NULL };
    memset(out, 0, sizeof *out);
    bool ok = jvalue(&jp, out, 0);
    if (ok) {
        jskip_ws(&jp);
        if (jp.p != jp.end)
            ok = jfail(&jp, "garbage after the value");
    }
    if (!ok) {
        jfree(out);
        *why = jp.err;
    }
    return ok;
}

static const jval_t *jget(const jval_t *obj, const char *key)
{
    if (obj == NULL || obj->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->count; i++) {
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    }
    return NULL;
}

static const char *jstr(const jval_t *obj, const char *key)
{
    const jval_t *v = jget(obj, key);
    return v != NULL && v->type == J_STR ? v->str : NULL;
}

static bool jnum(const jval_t *obj, const char *key, double *out)
{
    const jval_t *v = jget(obj, key);
    if (v == NULL || v->type != J_NUM)
        return false;
    *out = v->num;
    return true;
}

/* ts/dur (microseconds, 3 decimals) back to whole ns. */
static uint64_t to_ns(double us)
{
    return (uint64_t)llround(us * 1000.0);
}

/* --- the writer's output ------------------------------------------------ */

static char *read_all(FILE *f, size_t *len)
{
    assert_int_equal(fflush(f), 0);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0 && (unsigned long)size < JSON_MAX_BYTES);
    rewind(f);
    char *buf = malloc((size_t)size + 1u);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static void parse_output(FILE *f, jval_t *doc)
{
    size_t len;
    char *text = read_all(f, &len);
    const char *why = NULL;
    if (!json_parse(text, len, doc, &why)) {
        printf("%.*s\n", (int)(len < 4000u ? len : 4000u), text);
        fail_msg("the writer's output is not strict JSON: %s", why);
    }
    free(text);
}

#define MAX_TRACKS 8192u /* (pid, tid) pairs followed by check_structure */

typedef struct track {
    double pid, tid;
    double last_ts; /* of X/B/E */
    unsigned depth; /* open B */
    const char *open_names[JSON_MAX_DEPTH];
} track_t;

typedef struct summary {
    size_t events, x, b, e, instants, counters, meta;
    uint64_t other_events;
} summary_t;

static track_t *track_of(track_t *tracks, size_t *count, double pid, double tid)
{
    for (size_t i = 0; i < *count; i++) {
        if (tracks[i].pid == pid && tracks[i].tid == tid)
            return &tracks[i];
    }
    assert_true(*count < MAX_TRACKS);
    track_t *t = &tracks[(*count)++];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid = tid;
    return t;
}

/* Everything a trace viewer relies on; fails the test naming the event. */
static summary_t check_structure(const jval_t *doc, uint32_t harts)
{
    summary_t s = { 0 };
    assert_int_equal(doc->type, J_OBJ);
    const jval_t *events = jget(doc, "traceEvents");
    assert_non_null(events);
    assert_int_equal(events->type, J_ARR);
    assert_string_equal(jstr(doc, "displayTimeUnit"), "ns");
    const jval_t *other = jget(doc, "otherData");
    assert_non_null(other);
    assert_string_equal(jstr(other, "format"), NX_TRACE_JSON_FORMAT);
    assert_string_equal(jstr(other, "format"), "nexus-sim trace 1");
    double d;
    assert_true(jnum(other, "harts", &d) && d == (double)harts);
    assert_true(jnum(other, "events", &d) && d >= 0.0);
    s.other_events = (uint64_t)d;

    track_t *tracks = calloc(MAX_TRACKS, sizeof *tracks);
    assert_non_null(tracks);
    size_t ntracks = 0;
    track_t scratch = { 0 };
    bool *hart_named = calloc(harts, sizeof *hart_named);
    assert_non_null(hart_named);
    bool harts_process = false, threads_process = false;

    for (size_t i = 0; i < events->count; i++) {
        const jval_t *ev = &events->items[i];
        if (ev->type != J_OBJ)
            fail_msg("event %zu is not an object", i);
        const char *ph = jstr(ev, "ph");
        const char *name = jstr(ev, "name");
        double pid = 0.0, tid = 0.0, ts = 0.0;
        if (ph == NULL || strlen(ph) != 1u || name == NULL || !jnum(ev, "pid", &pid) ||
            !jnum(ev, "tid", &tid) || !jnum(ev, "ts", &ts))
            fail_msg("event %zu lacks ph, name, pid, tid or ts", i);
        if (ts < 0.0)
            fail_msg("event %zu (%s): ts %f < 0", i, name, ts);
        s.events++;
        /* Process metadata sits on tid = pid, Perfetto's main thread of
         * the process; every other event names a track. */
        bool process_meta = ph[0] == 'M' && strncmp(name, "process_", 8) == 0;
        track_t *t = process_meta ? &scratch : track_of(tracks, &ntracks, pid, tid);
        const jval_t *args = jget(ev, "args");
        switch (ph[0]) {
        case 'X':
        case 'B':
        case 'E':
            if (ts < t->last_ts)
                fail_msg("event %zu (%s %s): ts %f before %f on track %g/%g", i, ph, name, ts,
                         t->last_ts, pid, tid);
            t->last_ts = ts;
            if (ph[0] == 'X') {
                double dur;
                if (!jnum(ev, "dur", &dur) || dur < 0.0)
                    fail_msg("event %zu (X %s): no dur >= 0", i, name);
                s.x++;
            } else if (ph[0] == 'B') {
                if (t->depth >= JSON_MAX_DEPTH)
                    fail_msg("event %zu: B nested too deep", i);
                t->open_names[t->depth++] = name;
                s.b++;
            } else {
                if (t->depth == 0u)
                    fail_msg("event %zu (E %s): no open B on track %g/%g", i, name, pid, tid);
                t->depth--;
                if (strcmp(t->open_names[t->depth], name) != 0)
                    fail_msg("event %zu: E %s closes B %s", i, name, t->open_names[t->depth]);
                s.e++;
            }
            break;
        case 'i': {
            const char *scope = jstr(ev, "s");
            if (scope == NULL ||
                (strcmp(scope, "t") != 0 && strcmp(scope, "p") != 0 && strcmp(scope, "g") != 0))
                fail_msg("event %zu (i %s): no scope s", i, name);
            s.instants++;
            break;
        }
        case 'C': {
            bool number = false;
            for (size_t k = 0; args != NULL && args->type == J_OBJ && k < args->count; k++)
                number = number || args->items[k].type == J_NUM;
            if (!number)
                fail_msg("event %zu (C %s): no numeric arg", i, name);
            s.counters++;
            break;
        }
        case 'M': {
            const char *value = jstr(args, "name");
            double index;
            if (strcmp(name, "process_name") == 0 || strcmp(name, "thread_name") == 0) {
                if (value == NULL)
                    fail_msg("event %zu (M %s): no args.name", i, name);
            } else if (strcmp(name, "process_sort_index") == 0 ||
                       strcmp(name, "thread_sort_index") == 0) {
                if (!jnum(args, "sort_index", &index))
                    fail_msg("event %zu (M %s): no args.sort_index", i, name);
            } else {
                fail_msg("event %zu: unknown metadata %s", i, name);
            }
            if (strcmp(name, "process_name") == 0 && pid == 1.0)
                harts_process = strcmp(value, "harts") == 0;
            if (strcmp(name, "process_name") == 0 && pid == 2.0)
                threads_process = strcmp(value, "threads") == 0;
            if (strcmp(name, "thread_name") == 0 && pid == 1.0 && tid < (double)harts) {
                char want[32];
                snprintf(want, sizeof want, "hart %u", (unsigned)tid);
                assert_string_equal(value, want);
                hart_named[(size_t)tid] = true;
            }
            s.meta++;
            break;
        }
        default:
            fail_msg("event %zu (%s): unexpected ph %s", i, name, ph);
        }
    }
    for (size_t i = 0; i < ntracks; i++) {
        for (size_t j = i + 1u; j < ntracks; j++) {
            if (tracks[i].tid == tracks[j].tid) /* Perfetto names threads by tid alone */
                fail_msg("tid %g is used by pid %g and pid %g", tracks[i].tid, tracks[i].pid,
                         tracks[j].pid);
        }
        if (tracks[i].depth != 0u)
            fail_msg("track %g/%g: %u B without E", tracks[i].pid, tracks[i].tid, tracks[i].depth);
    }
    for (uint32_t h = 0; h < harts; h++) {
        if (!hart_named[h])
            fail_msg("hart %u has no thread_name", h);
    }
    assert_true(harts_process);
    assert_true(threads_process);
    free(hart_named);
    free(tracks);
    return s;
}

/* The n-th event (0-based) matching ph/pid/tid/name (name NULL: any). */
static const jval_t *find_event(const jval_t *doc, const char *ph, double pid, double tid,
                                const char *name, size_t nth)
{
    const jval_t *events = jget(doc, "traceEvents");
    for (size_t i = 0; i < events->count; i++) {
        const jval_t *ev = &events->items[i];
        double p, t;
        if (strcmp(jstr(ev, "ph"), ph) != 0 || !jnum(ev, "pid", &p) || p != pid ||
            !jnum(ev, "tid", &t) || t != tid)
            continue;
        if (name != NULL && strcmp(jstr(ev, "name"), name) != 0)
            continue;
        if (nth-- == 0u)
            return ev;
    }
    return NULL;
}

static uint64_t ev_ns(const jval_t *ev, const char *key)
{
    double v;
    assert_true(jnum(ev, key, &v));
    return to_ns(v);
}

static double arg_num(const jval_t *ev, const char *key)
{
    double v;
    if (!jnum(jget(ev, "args"), key, &v))
        fail_msg("%s event has no numeric args.%s", jstr(ev, "name"), key);
    return v;
}

/* Assert a whole slice "X" on hart `hart`: name, start and end in ns. */
static void assert_slice(const jval_t *doc, uint32_t hart, size_t nth, const char *name,
                         uint64_t start, uint64_t end)
{
    const jval_t *x = find_event(doc, "X", 1, hart, NULL, nth);
    if (x == NULL)
        fail_msg("hart %u: no slice %zu", hart, nth);
    assert_string_equal(jstr(x, "name"), name);
    assert_int_equal(ev_ns(x, "ts"), start);
    assert_int_equal(ev_ns(x, "ts") + ev_ns(x, "dur"), end);
}

/* --- the parser itself is strict ------------------------------------------ */

static bool parses(const char *text)
{
    jval_t v;
    const char *why;
    bool ok = json_parse(text, strlen(text), &v, &why);
    if (ok)
        jfree(&v);
    return ok;
}

static void parser_is_strict(void **state)
{
    (void)state;
    assert_true(
        parses("{\"a\":[1,-2.5e3,0.001,true,false,null,\"x\\\"\\\\\\u00e9\\ud83d\\ude00\"]}"));
    assert_true(parses(" [ ] "));
    assert_false(parses("[1,]"));
    assert_false(parses("{\"a\":1,}"));
    assert_false(parses("{\"a\":1} x"));
    assert_false(parses("{\"a\":1}}"));
    assert_false(parses("{\"a\":1,\"a\":2}"));
    assert_false(parses("[01]"));
    assert_false(parses("[1.]"));
    assert_false(parses("[.5]"));
    assert_false(parses("[+1]"));
    assert_false(parses("[1e999]"));
    assert_false(parses("[\"tab\there\"]"));
    assert_false(parses("[\"\\x\"]"));
    assert_false(parses("[\"\\ud800\"]"));
    assert_false(parses("[nul]"));
    assert_false(parses("{a:1}"));
    assert_false(parses("[1 2]"));
    assert_false(parses(""));
    assert_false(
        parses("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"));
}

/* --- a hand-built stream -------------------------------------------------- */

static void feed(nx_trace_json_t *tj, uint32_t tag, uint32_t n, uint64_t w0, uint64_t w1,
                 uint64_t w2, uint64_t w3, uint64_t w4)
{
    nx_sim_event_t ev = { tag, n, { w0, w1, w2, w3, w4 } };
    nx_trace_json_tap(&ev, tj);
}

static void trace(nx_trace_json_t *tj, uint64_t t, uint32_t hart, uint32_t kind, uint64_t a,
                  uint64_t b)
{
    feed(tj, NX_SIM_EV_TRACE, 5, t, hart, kind, a, b);
}

static void resume(nx_trace_json_t *tj, uint64_t hw, uint64_t t)
{
    feed(tj, NX_SIM_EV_RESUME, 2, hw, t, 0, 0, 0);
}

/* The track (tid) of kernel thread `id` in pid 2. */
#define TT(id) ((double)NX_TRACE_JSON_THREAD_TID_BASE + (double)(id))

#define SYN_HARTS  3u
#define SYN_END_NS 3000u
#define SYN_EVENTS 34u /* fed by write_synthetic() */

/*
 * Thread 5 waits on hart 0 (blocks: hart 0 goes idle), thread 6 on hart 1
 * wakes it onto hart 2 with an IPI; hart 2 runs it and its wait returns
 * there. Then an audit, an injection, a device raise and its interrupt,
 * timers, console output, thread 5's exit from inside thread_exit, a
 * syscall left open at the end, an unknown kind, a pre-machine event.
 */
static void write_synthetic(nx_trace_json_t *tj)
{
    feed(tj, NX_SIM_EV_SEED, 1, 42, 0, 0, 0, 0);
    trace(tj, 500, UINT32_MAX, NX_TRACE_TIMER_PROGRAM, 900, 0); /* before the port knew */
    resume(tj, 0, 1000);
    trace(tj, 1000, 0, NX_TRACE_CONTEXT_SWITCH, 0, 5);
    trace(tj, 1100, 0, NX_TRACE_SYSCALL_ENTER, NX_SYS_OBJECT_WAIT_ONE, 5);
    trace(tj, 1200, 0, NX_TRACE_CONTEXT_SWITCH, 5, 0);
    resume(tj, 1, 1300);
    trace(tj, 1300, 1, NX_TRACE_CONTEXT_SWITCH, 0, 6);
    trace(tj, 1400, 1, NX_TRACE_SYSCALL_ENTER, NX_SYS_CHANNEL_WRITE, 6);
    trace(tj, 1450, 1, NX_TRACE_WAKE, 5, 2);
    trace(tj, 1460, 1, NX_TRACE_IPI_SEND, 2, 0u << 16 | 1u);
    feed(tj, NX_SIM_EV_IPI, 3, 1, 2, 0, 0, 0);
    trace(tj, 1500, 1, NX_TRACE_SYSCALL_EXIT, NX_SYS_CHANNEL_WRITE, 0);
    resume(tj, 2, 1600);
    feed(tj, NX_SIM_EV_IRQ, 3, 2, 1600, 1, 0, 0);
    trace(tj, 1610, 2, NX_TRACE_IPI_RECEIVE, 1, 0);
    trace(tj, 1620, 2, NX_TRACE_CONTEXT_SWITCH, 0, 5);
    trace(tj, 1700, 2, NX_TRACE_SYSCALL_EXIT, NX_SYS_OBJECT_WAIT_ONE,
          (uint64_t)(int64_t)NX_ERR_TIMED_OUT);
    trace(tj, 1800, 2, NX_TRACE_AUDIT, 1, 2);
    feed(tj, NX_SIM_EV_INJECT, 4, 1900, NX_SIM_INJECT_IPI_DROP, NX_SIM_ALL_HARTS, 3, 0);
    feed(tj, NX_SIM_EV_RAISE, 2, 7, 2000, 0, 0, 0);
    resume(tj, 0, 2000);
    feed(tj, NX_SIM_EV_IRQ, 3, 0, 2000, 9, 0, 0);
    trace(tj, 2010, 0, NX_TRACE_IRQ, 7, 1);
    trace(tj, 2050, 0, NX_TRACE_IPI_COALESCED, 1, 1u << 16 | 2u);
    resume(tj, 1, 2100);
    trace(tj, 2100, 1, NX_TRACE_TIMER_PROGRAM, UINT64_MAX, 0);
    trace(tj, 2200, 1, NX_TRACE_TIMER_FIRE, 1, 2150);
    feed(tj, NX_SIM_EV_CONSOLE, 2, 12, 0xdeadbeefcafef00dull, 0, 0, 0);
    trace(tj, 2300, 2, NX_TRACE_SYSCALL_ENTER, NX_SYS_THREAD_EXIT, 5);
    trace(tj, 2310, 2, NX_TRACE_THREAD_EXIT, 5, (uint64_t)(int64_t)-256);
    trace(tj, 2320, 2, NX_TRACE_CONTEXT_SWITCH, 5, 0);
    trace(tj, 2400, 1, NX_TRACE_SYSCALL_ENTER, NX_SYS_THREAD_SLEEP_UNTIL, 6);
    trace(tj, 2500, 1, 99, 1, 2); /* a kind this build does not know */
}

static void synthetic_stream(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nx_trace_json_t *tj = nx_trace_json_begin(f, SYN_HARTS);
    assert_non_null(tj);
    write_synthetic(tj);
    assert_int_equal(nx_trace_json_end(tj, SYN_END_NS), 0);

    jval_t doc;
    parse_output(f, &doc);
    fclose(f);
    summary_t s = check_structure(&doc, SYN_HARTS);
    assert_int_equal(s.other_events, SYN_EVENTS);
    assert_int_equal(s.b, 4);
    assert_int_equal(s.e, 4);

    /* Who ran where: whole slices, the last ones closed at the end. */
    assert_slice(&doc, 0, 0, "thread 5", 1000, 1200);
    assert_slice(&doc, 0, 1, "idle", 1200, SYN_END_NS);
    assert_slice(&doc, 1, 0, "thread 6", 1300, SYN_END_NS);
    assert_slice(&doc, 2, 0, "thread 5", 1620, 2320);
    assert_slice(&doc, 2, 1, "idle", 2320, SYN_END_NS);
    assert_null(find_event(&doc, "X", 1, 0, NULL, 2));

    /* Thread 5's wait began on hart 0 and ended on hart 2, after a switch. */
    const jval_t *b = find_event(&doc, "B", 2, TT(5), NULL, 0);
    const jval_t *e = find_event(&doc, "E", 2, TT(5), NULL, 0);
    assert_non_null(b);
    assert_non_null(e);
    assert_string_equal(jstr(b, "name"), "object_wait_one");
    assert_int_equal(ev_ns(b, "ts"), 1100);
    assert_int_equal(ev_ns(e, "ts"), 1700);
    assert_true(arg_num(e, "status") == (double)NX_ERR_TIMED_OUT);
    assert_string_equal(jstr(jget(e, "args"), "status_name"), "NX_ERR_TIMED_OUT");
    /* thread_exit never returns: its slice ends at the thread's exit. */
    b = find_event(&doc, "B", 2, TT(5), NULL, 1);
    e = find_event(&doc, "E", 2, TT(5), NULL, 1);
    assert_string_equal(jstr(b, "name"), "thread_exit");
    assert_int_equal(ev_ns(e, "ts"), 2310);
    /* Thread 6: a call that returned, one still open at the end. */
    e = find_event(&doc, "E", 2, TT(6), "channel_write", 0);
    assert_non_null(e);
    assert_int_equal(ev_ns(e, "ts"), 1500);
    assert_true(arg_num(e, "status") == 0.0);
    e = find_event(&doc, "E", 2, TT(6), "thread_sleep_until", 0);
    assert_non_null(e);
    assert_int_equal(ev_ns(e, "ts"), SYN_END_NS);
    assert_non_null(find_event(&doc, "M", 2, TT(5), "thread_name", 0));
    assert_string_equal(
        jstr(jget(find_event(&doc, "M", 2, TT(6), "thread_name", 0), "args"), "name"), "thread 6");

    /* Derived counters: the wake queued on hart 2, its switch took it. */
    const jval_t *c = find_event(&doc, "C", 1, 2, "hart 2", 0);
    assert_non_null(c);
    assert_int_equal(ev_ns(c, "ts"), 1450);
    assert_true(arg_num(c, "runnable") == 1.0);
    c = find_event(&doc, "C", 1, 2, "hart 2", 1);
    assert_int_equal(ev_ns(c, "ts"), 1620);
    assert_true(arg_num(c, "runnable") == 0.0);
    assert_null(find_event(&doc, "C", 1, 2, "hart 2", 2));
    c = find_event(&doc, "C", 1, NX_TRACE_JSON_MACHINE_TID, "ipi", 0);
    assert_non_null(c);
    assert_true(arg_num(c, "pending") == 1.0);
    assert_int_equal(ev_ns(c, "ts"), 1460); /* the IPI event has no time: the latest seen */
    c = find_event(&doc, "C", 1, NX_TRACE_JSON_MACHINE_TID, "ipi", 1);
    assert_true(arg_num(c, "pending") == 0.0);
    assert_int_equal(ev_ns(c, "ts"), 1600);

    /* Instants on the right tracks, raw values and names in args. */
    const jval_t *i = find_event(&doc, "i", 1, 1, "ipi-send", 0);
    assert_non_null(i);
    assert_true(arg_num(i, "target") == 2.0);
    assert_string_equal(jstr(jget(i, "args"), "class_name"), "correctness");
    i = find_event(&doc, "i", 1, 0, "ipi-coalesced", 0);
    assert_string_equal(jstr(jget(i, "args"), "class_name"), "best-effort");
    assert_true(arg_num(i, "reasons") == 2.0);
    assert_non_null(find_event(&doc, "i", 1, 2, "ipi-line", 0));
    assert_non_null(find_event(&doc, "i", 1, 2, "software-interrupt", 0));
    assert_non_null(find_event(&doc, "i", 1, 2, "ipi-receive", 0));
    assert_non_null(find_event(&doc, "i", 1, 0, "external-interrupt", 0));
    i = find_event(&doc, "i", 1, 0, "irq", 0);
    assert_true(arg_num(i, "source") == 7.0);
    i = find_event(&doc, "i", 1, 2, "audit", 0);
    assert_non_null(i);
    assert_true(arg_num(i, "op") == 1.0 && arg_num(i, "reason") == 2.0);
    assert_non_null(jstr(jget(i, "args"), "op_name"));
    i = find_event(&doc, "i", 1, 2, "thread-exit", 0);
    assert_true(arg_num(i, "code") == -256.0);
    i = find_event(&doc, "i", 1, NX_TRACE_JSON_MACHINE_TID, "inject", 0);
    assert_non_null(i);
    assert_string_equal(jstr(jget(i, "args"), "kind_name"), "ipi-drop");
    assert_string_equal(jstr(jget(i, "args"), "target"), "all harts");
    assert_true(arg_num(i, "value") == 3.0);
    i = find_event(&doc, "i", 1, NX_TRACE_JSON_MACHINE_TID, "raise", 0);
    assert_true(arg_num(i, "source") == 7.0);
    i = find_event(&doc, "i", 1, NX_TRACE_JSON_MACHINE_TID, "console", 0);
    assert_string_equal(jstr(jget(i, "args"), "fnv1a"), "0xdeadbeefcafef00d");
    i = find_event(&doc, "i", 1, 1, "timer-program", 0);
    assert_string_equal(jstr(jget(i, "args"), "deadline_ns"), "disarmed");
    assert_non_null(find_event(&doc, "i", 1, 1, "timer-fire", 0));
    assert_non_null(find_event(&doc, "i", 1, 1, "trace-unknown", 0));
    i = find_event(&doc, "i", 1, NX_TRACE_JSON_MACHINE_TID, "timer-program", 0);
    assert_non_null(i);
    assert_int_equal(ev_ns(i, "ts"), 500);

    const jval_t *other = jget(&doc, "otherData");
    assert_string_equal(jstr(other, "seed"), "0x2a");
    double d;
    assert_true(jnum(other, "syscall_exits_unmatched", &d) && d == 0.0);
    assert_true(jnum(other, "thread_overflow_events", &d) && d == 0.0);
    assert_true(jnum(other, "switches_inferred", &d) && d == 0.0);
    jfree(&doc);
}

/* More threads than the writer tracks: the rest are counted, not written,
 * and the output stays whole and balanced. */
static void thread_table_overflow(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nx_trace_json_t *tj = nx_trace_json_begin(f, 1);
    assert_non_null(tj);
    const uint32_t extra = 10;
    for (uint32_t id = 1; id <= NX_TRACE_JSON_MAX_THREADS + extra; id++) {
        uint64_t t = (uint64_t)id * 10u;
        trace(tj, t, 0, NX_TRACE_CONTEXT_SWITCH, 0, id);
        trace(tj, t + 1u, 0, NX_TRACE_SYSCALL_ENTER, NX_SYS_TIME_NOW, id);
        trace(tj, t + 2u, 0, NX_TRACE_SYSCALL_EXIT, NX_SYS_TIME_NOW, 0);
    }
    assert_int_equal(nx_trace_json_end(tj, 1000000), 0);
    jval_t doc;
    parse_output(f, &doc);
    fclose(f);
    summary_t s = check_structure(&doc, 1);
    assert_int_equal(s.b, NX_TRACE_JSON_MAX_THREADS);
    assert_int_equal(s.e, NX_TRACE_JSON_MAX_THREADS);
    const jval_t *other = jget(&doc, "otherData");
    double d;
    assert_true(jnum(other, "threads_tracked", &d) && d == NX_TRACE_JSON_MAX_THREADS);
    assert_true(jnum(other, "thread_overflow_events", &d) && d == extra);
    assert_true(jnum(other, "syscall_exits_unmatched", &d) && d == extra);
    jfree(&doc);
}

/* A thread id past what a uint32 tid can hold after the offset gets no
 * track either; its exit is unmatched, not misfiled. */
static void huge_thread_id_untracked(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nx_trace_json_t *tj = nx_trace_json_begin(f, 1);
    assert_non_null(tj);
    trace(tj, 10, 0, NX_TRACE_CONTEXT_SWITCH, 0, UINT32_MAX);
    trace(tj, 11, 0, NX_TRACE_SYSCALL_ENTER, NX_SYS_TIME_NOW, UINT32_MAX);
    trace(tj, 12, 0, NX_TRACE_SYSCALL_EXIT, NX_SYS_TIME_NOW, 0);
    trace(tj, 13, 0, NX_TRACE_SYSCALL_ENTER, 77, 1); /* no name: "syscall 77" */
    assert_int_equal(nx_trace_json_end(tj, 20), 0);
    jval_t doc;
    parse_output(f, &doc);
    fclose(f);
    summary_t s = check_structure(&doc, 1);
    assert_int_equal(s.b, 1);
    assert_non_null(find_event(&doc, "B", 2, TT(1), "syscall 77", 0));
    assert_non_null(find_event(&doc, "E", 2, TT(1), "syscall 77", 0));
    const jval_t *other = jget(&doc, "otherData");
    double d;
    assert_true(jnum(other, "thread_overflow_events", &d) && d == 1.0);
    assert_true(jnum(other, "syscall_exits_unmatched", &d) && d == 1.0);
    assert_true(jnum(other, "switches_inferred", &d) && d == 1.0);
    jfree(&doc);
}

/* A write that fails is reported by end(), errno kept. */
static void write_failure_reported(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        skip();
    nx_trace_json_t *tj = nx_trace_json_begin(f, 2);
    assert_non_null(tj);
    write_synthetic(tj);
    errno = 0;
    assert_int_equal(nx_trace_json_end(tj, SYN_END_NS), -1);
    assert_int_equal(errno, ENOSPC);
    fclose(f);
}

static void bad_arguments(void **state)
{
    (void)state;
    errno = 0;
    assert_null(nx_trace_json_begin(stdout, 0));
    assert_int_equal(errno, EINVAL);
    assert_null(nx_trace_json_begin(stdout, NX_SIM_MAX_HARTS + 1u));
    assert_null(nx_trace_json_begin(NULL, 1));
    nx_trace_json_event(NULL, NULL);
    assert_int_equal(nx_trace_json_end(NULL, 0), -1);
}

/* --- a real run ------------------------------------------------------------ */

#define RUN_HARTS 2u

static void real_run(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nx_trace_json_t *tj = nx_trace_json_begin(f, RUN_HARTS);
    assert_non_null(tj);
    nx_sim_config_t cfg = nx_test_machine_config(RUN_HARTS, 7);
    assert_int_equal(nx_sim_add_program(&cfg, "channels", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.tap = nx_trace_json_tap;
    cfg.ctx = tj;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(nx_trace_json_end(tj, r->end_time_ns), 0);

    jval_t doc;
    parse_output(f, &doc);
    fclose(f);
    summary_t s = check_structure(&doc, RUN_HARTS);
    /* A run that emits nothing is the regression this test exists for:
     * a failure, never a skip. */
    if (s.other_events == 0u)
        fail_msg("the %u-hart run put no events in the trace (%llu emitted)", RUN_HARTS,
                 (unsigned long long)r->events);
    assert_int_equal(s.other_events, r->events);
    assert_true(s.x > 0u); /* threads ran on the harts */
    assert_true(s.b > 0u); /* and made syscalls */
    assert_int_equal(s.b, s.e);
    for (uint32_t h = 0; h < RUN_HARTS; h++) {
        if (find_event(&doc, "X", 1, h, NULL, 0) == NULL)
            fail_msg("hart %u: no slice in a %u-hart run", h, RUN_HARTS);
    }
    jfree(&doc);
}

/* The kernel's own trace events of a real run, through the observer (the
 * tap's TRACE items carry the same words): real switch, syscall and wake
 * sequences, whether or not the machine calls the tap yet. */
static void observe(const nx_trace_event_t *event, void *ctx)
{
    nx_sim_event_t ev = { NX_SIM_EV_TRACE,
                          5,
                          { event->time_ns, event->hart, event->kind, event->a, event->b } };
    nx_trace_json_event((nx_trace_json_t *)ctx, &ev);
}

static void real_run_kernel_events(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nx_trace_json_t *tj = nx_trace_json_begin(f, RUN_HARTS);
    assert_non_null(tj);
    nx_sim_config_t cfg = nx_test_machine_config(RUN_HARTS, 7);
    assert_int_equal(nx_sim_add_program(&cfg, "channels", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.observer = observe;
    cfg.ctx = tj;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(nx_trace_json_end(tj, r->end_time_ns), 0);

    jval_t doc;
    parse_output(f, &doc);
    fclose(f);
    summary_t s = check_structure(&doc, RUN_HARTS);
    uint64_t kernel_events = 0;
    for (uint32_t k = 0; k < NX_TRACE_KIND_COUNT; k++)
        kernel_events += r->trace_events[k];
    assert_int_equal(s.other_events, kernel_events);
    assert_true(s.x > 0u);
    assert_true(s.b > 0u);
    assert_int_equal(s.b, s.e);
    for (uint32_t h = 0; h < RUN_HARTS; h++) {
        if (find_event(&doc, "X", 1, h, NULL, 0) == NULL)
            fail_msg("hart %u: no slice in a %u-hart run", h, RUN_HARTS);
    }
    /* Every exit found its thread through the hart's last switch. */
    const jval_t *other = jget(&doc, "otherData");
    double d;
    assert_true(jnum(other, "syscall_exits_unmatched", &d));
    if (d != 0.0)
        fail_msg("%g syscall exits matched no open syscall", d);
    jfree(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_is_strict),       cmocka_unit_test(synthetic_stream),
        cmocka_unit_test(thread_table_overflow),  cmocka_unit_test(huge_thread_id_untracked),
        cmocka_unit_test(write_failure_reported), cmocka_unit_test(bad_arguments),
        cmocka_unit_test(real_run_kernel_events), cmocka_unit_test(real_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
