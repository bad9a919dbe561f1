/*
 * record.c - recordings of simulated runs and replaying them (see
 * nxsim/record.h; the file format is in docs/scenarios.md).
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r, fork, fmemopen: host tool code */

#include "nxsim/record.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nx/trace.h"
#include "nx_source_id.h"

#ifndef NX_BUILD_FLAVOUR
#define NX_BUILD_FLAVOUR "host"
#endif

#define LINE_BYTES 256u

const char *nx_record_source_id(void)
{
    return NX_SOURCE_ID;
}

const char *nx_record_flavour(void)
{
    return NX_BUILD_FLAVOUR;
}

void nx_recording_init(nx_recording_t *rec)
{
    memset(rec, 0, sizeof *rec);
    snprintf(rec->source_id, sizeof rec->source_id, "%s", NX_SOURCE_ID);
    snprintf(rec->flavour, sizeof rec->flavour, "%s", NX_BUILD_FLAVOUR);
}

void nx_recording_free(nx_recording_t *rec)
{
    free(rec->scenario_text);
    free(rec->events);
    memset(rec, 0, sizeof *rec);
}

nx_status_t nx_recording_set_scenario(nx_recording_t *rec, const char *name, const char *text,
                                      size_t len)
{
    if (len > NX_RECORD_MAX_SCENARIO)
        return NX_ERR_OUT_OF_RANGE;
    char *copy = malloc(len + 1u);
    if (copy == NULL)
        return NX_ERR_NO_RESOURCES;
    memcpy(copy, text, len);
    copy[len] = '\0';
    free(rec->scenario_text);
    rec->scenario_text = copy;
    rec->scenario_len = len;
    snprintf(rec->scenario_name, sizeof rec->scenario_name, "%s", name != NULL ? name : "-");
    return NX_OK;
}

static bool append(nx_recording_t *rec, const nx_sim_event_t *ev)
{
    if (rec->count == rec->cap) {
        if (rec->cap >= NX_RECORD_MAX_EVENTS)
            return false;
        uint64_t cap = rec->cap != 0u ? rec->cap * 2u : 4096u;
        nx_sim_event_t *grown = realloc(rec->events, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return false;
        rec->events = grown;
        rec->cap = cap;
    }
    rec->events[rec->count++] = *ev;
    return true;
}

void nx_recording_tap(const nx_sim_event_t *ev, void *ctx)
{
    nx_recording_t *rec = ctx;
    if (!rec->overflow && !append(rec, ev))
        rec->overflow = true; /* said at write time: such a recording cannot replay */
}

int nx_recording_write(const nx_recording_t *rec, FILE *to)
{
    fprintf(to, "nexus-recording %u\n", NX_RECORD_VERSION);
    fprintf(to, "source %s\nflavour %s\n", rec->source_id, rec->flavour);
    fprintf(to, "seed %" PRIu64 "\nharts %u\n", rec->seed, rec->harts);
    fprintf(to, "scenario %zu %s\n", rec->scenario_len, rec->scenario_name);
    if (rec->scenario_len > 0u)
        fwrite(rec->scenario_text, 1, rec->scenario_len, to);
    fprintf(to, "\nevents %" PRIu64 "\n", rec->count);
    for (uint64_t i = 0; i < rec->count; i++) {
        const nx_sim_event_t *ev = &rec->events[i];
        fprintf(to, "%u", ev->tag);
        for (uint32_t w = 0; w < ev->n && w < NX_SIM_EVENT_WORDS; w++)
            fprintf(to, " %" PRIx64, ev->w[w]);
        fputc('\n', to);
    }
    fprintf(to, "digest %016" PRIx64 "\nend-time %" PRIu64 "\nend\n", rec->digest,
            rec->end_time_ns);
    return ferror(to) ? -1 : 0;
}

/* --- Reading ------------------------------------------------------------- */

typedef struct reader {
    FILE *from;
    uint64_t line;
    char *err;
    size_t err_len;
} reader_t;

static nx_status_t bad(reader_t *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static nx_status_t bad(reader_t *rd, const char *fmt, ...)
{
    int n = snprintf(rd->err, rd->err_len, "line %" PRIu64 ": ", rd->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < rd->err_len)
        vsnprintf(rd->err + n, rd->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return NX_ERR_MALFORMED;
}

/* The next line, without its newline; false at the end or on a line too long. */
static bool next_line(reader_t *rd, char *buf, size_t len)
{
    if (fgets(buf, (int)len, rd->from) == NULL)
        return false;
    rd->line++;
    size_t n = strlen(buf);
    if (n > 0u && buf[n - 1u] == '\n')
        buf[--n] = '\0';
    else if (!feof(rd->from))
        return false;
    return true;
}

/* "key value": the value after `key ` or NULL. */
static const char *keyed(const char *line, const char *key)
{
    size_t k = strlen(key);
    return strncmp(line, key, k) == 0 && line[k] == ' ' ? line + k + 1 : NULL;
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
    /* A digit first: strtoull would also skip white space and take a sign
     * after it ("\t-1" is 2^64-1). */
    if (s == NULL || !(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    *out = v;
    return true;
}

static nx_status_t header_field(reader_t *rd, const char *key, char *line, const char **val)
{
    if (!next_line(rd, line, LINE_BYTES))
        return bad(rd, "the recording ends before '%s' (truncated?)", key);
    *val = keyed(line, key);
    if (*val == NULL)
        return bad(rd, "expected '%s ...'", key);
    return NX_OK;
}

static nx_status_t parse_event(reader_t *rd, char *line, nx_sim_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    char *save = NULL;
    char *tok = strtok_r(line, " ", &save);
    uint64_t v = 0;
    if (tok == NULL || !parse_u64(tok, 10, &v) || v == 0u || v > NX_SIM_EV_INJECT)
        return bad(rd, "an event starts with its tag, 1..%u", (unsigned)NX_SIM_EV_INJECT);
    ev->tag = (uint32_t)v;
    while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
        if (ev->n >= NX_SIM_EVENT_WORDS)
            return bad(rd, "an event has at most %u words", NX_SIM_EVENT_WORDS);
        if (!parse_u64(tok, 16, &ev->w[ev->n]))
            return bad(rd, "'%s' is not a hex word", tok);
        ev->n++;
    }
    return NX_OK;
}

nx_status_t nx_recording_read(FILE *from, nx_recording_t *rec, char *err, size_t err_len)
{
    reader_t rd = { from, 0, err, err_len };
    char line[LINE_BYTES];
    const char *val = NULL;
    uint64_t v = 0;
    nx_recording_init(rec);
    rec->source_id[0] = rec->flavour[0] = '\0';
    nx_status_t st = header_field(&rd, "nexus-recording", line, &val);
    if (st != NX_OK)
        return bad(&rd, "not a nexus-sim recording (it starts with 'nexus-recording 1')");
    if (!parse_u64(val, 10, &v) || v == 0u)
        return bad(&rd, "the format version is not a number");
    if (v > NX_RECORD_VERSION) {
        bad(&rd, "recorded by a newer nexus-sim (format %" PRIu64 "; this one reads %u)", v,
            NX_RECORD_VERSION);
        return NX_ERR_VERSION_MISMATCH;
    }
    if ((st = header_field(&rd, "source", line, &val)) != NX_OK)
        return st;
    snprintf(rec->source_id, sizeof rec->source_id, "%s", val);
    if ((st = header_field(&rd, "flavour", line, &val)) != NX_OK)
        return st;
    snprintf(rec->flavour, sizeof rec->flavour, "%s", val);
    if ((st = header_field(&rd, "seed", line, &val)) != NX_OK)
        return st;
    if (!parse_u64(val, 10, &rec->seed))
        return bad(&rd, "the seed is not a number");
    if ((st = header_field(&rd, "harts", line, &val)) != NX_OK)
        return st;
    if (!parse_u64(val, 10, &v) || v == 0u || v > NX_SIM_MAX_HARTS)
        return bad(&rd, "harts must be 1..%u", NX_SIM_MAX_HARTS);
    rec->harts = (uint32_t)v;
    if ((st = header_field(&rd, "scenario", line, &val)) != NX_OK)
        return st;
    char *name = strchr(val, ' ');
    if (name == NULL)
        return bad(&rd, "expected 'scenario BYTES NAME'");
    *name++ = '\0';
    if (!parse_u64(val, 10, &v) || v > NX_RECORD_MAX_SCENARIO)
        return bad(&rd, "the scenario's size must be 0..%u bytes", NX_RECORD_MAX_SCENARIO);
    snprintf(rec->scenario_name, sizeof rec->scenario_name, "%s", name);
    rec->scenario_text = malloc((size_t)v + 1u);
    if (rec->scenario_text == NULL)
        return NX_ERR_NO_RESOURCES;
    if (fread(rec->scenario_text, 1, (size_t)v, from) != (size_t)v)
        return bad(&rd, "the scenario text is cut short (truncated?)");
    rec->scenario_text[v] = '\0';
    rec->scenario_len = (size_t)v;
    for (size_t i = 0; i < rec->scenario_len; i++)
        rd.line += rec->scenario_text[i] == '\n';
    if (fgetc(from) != '\n')
        return bad(&rd, "the scenario text is not followed by a newline");
    if ((st = header_field(&rd, "events", line, &val)) != NX_OK)
        return st;
    uint64_t count = 0;
    if (!parse_u64(val, 10, &count) || count > NX_RECORD_MAX_EVENTS)
        return bad(&rd, "the event count must be 0..%llu",
                   (unsigned long long)NX_RECORD_MAX_EVENTS);
    for (uint64_t i = 0; i < count; i++) {
        nx_sim_event_t ev;
        if (!next_line(&rd, line, sizeof line))
            return bad(&rd, "event %" PRIu64 " of %" PRIu64 " is missing or too long", i, count);
        if ((st = parse_event(&rd, line, &ev)) != NX_OK)
            return st;
        if (!append(rec, &ev))
            return NX_ERR_NO_RESOURCES;
    }
    if ((st = header_field(&rd, "digest", line, &val)) != NX_OK)
        return st;
    if (!parse_u64(val, 16, &rec->digest))
        return bad(&rd, "the digest is not a hex number");
    if ((st = header_field(&rd, "end-time", line, &val)) != NX_OK)
        return st;
    if (!parse_u64(val, 10, &rec->end_time_ns))
        return bad(&rd, "the end time is not a number");
    if (!next_line(&rd, line, sizeof line) || strcmp(line, "end") != 0)
        return bad(&rd, "expected 'end' (truncated?)");
    return NX_OK;
}

/* --- Replaying ----------------------------------------------------------- */

void nx_replay_init(nx_replay_t *rp, const nx_recording_t *rec)
{
    memset(rp, 0, sizeof *rp);
    rp->rec = rec;
}

static bool same(const nx_sim_event_t *a, const nx_sim_event_t *b)
{
    if (a->tag != b->tag || a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n && i < NX_SIM_EVENT_WORDS; i++)
        if (a->w[i] != b->w[i])
            return false;
    return true;
}

void nx_replay_tap(const nx_sim_event_t *ev, void *ctx)
{
    nx_replay_t *rp = ctx;
    uint64_t i = rp->index++;
    const uint32_t ring = 2u * NX_RECORD_NEIGHBOURS + 1u;
    if (!rp->diverged) {
        /* Keep the last few events for the report's "before" lines. */
        rp->got[i % ring] = *ev;
        if (i < rp->rec->count && same(ev, &rp->rec->events[i]))
            return;
        rp->diverged = true;
        rp->at = i;
        /* Reorder the ring: got[0] is the oldest kept. */
        nx_sim_event_t tmp[2u * NX_RECORD_NEIGHBOURS + 1u];
        uint32_t kept = i < NX_RECORD_NEIGHBOURS ? (uint32_t)i : NX_RECORD_NEIGHBOURS;
        for (uint32_t k = 0; k <= kept; k++)
            tmp[k] = rp->got[(i - kept + k) % ring];
        memcpy(rp->got, tmp, sizeof tmp[0] * (kept + 1u));
        rp->got_first = kept;
        rp->got_count = kept + 1u;
        return;
    }
    if (rp->got_count < ring && i <= rp->at + NX_RECORD_NEIGHBOURS)
        rp->got[rp->got_count++] = *ev;
}

bool nx_replay_matched(nx_replay_t *rp, const nx_sim_result_t *r)
{
    if (!rp->diverged && rp->index < rp->rec->count) {
        /* The run ended early: it diverges where it stopped. */
        rp->diverged = true;
        rp->at = rp->index;
        rp->got_first = 0;
        rp->got_count = 0;
    }
    return !rp->diverged && r->digest == rp->rec->digest;
}

const char *nx_sim_event_tag_name(uint32_t tag)
{
    switch (tag) {
    case NX_SIM_EV_SEED:
        return "seed";
    case NX_SIM_EV_RESUME:
        return "resume";
    case NX_SIM_EV_TRACE:
        return "trace";
    case NX_SIM_EV_IRQ:
        return "interrupt";
    case NX_SIM_EV_IPI:
        return "ipi";
    case NX_SIM_EV_CONSOLE:
        return "console";
    case NX_SIM_EV_RAISE:
        return "raise";
    case NX_SIM_EV_INJECT:
        return "inject";
    default:
        return "?";
    }
}

void nx_sim_event_format(const nx_sim_event_t *ev, char *buf, size_t len)
{
    const uint64_t *w = ev->w;
    switch (ev->tag) {
    case NX_SIM_EV_RESUME:
        snprintf(buf, len, "t=%" PRIu64 "ns resume hart %" PRIu64, w[1], w[0]);
        return;
    case NX_SIM_EV_TRACE:
        snprintf(buf, len, "t=%" PRIu64 "ns hart %" PRIu64 " %s a=%" PRIu64 " b=%" PRIu64, w[0],
                 w[1], w[2] < NX_TRACE_KIND_COUNT ? nx_trace_kind_name((nx_trace_kind_t)w[2]) : "?",
                 w[3], w[4]);
        return;
    case NX_SIM_EV_IRQ:
        snprintf(buf, len, "t=%" PRIu64 "ns interrupt on hart %" PRIu64 " cause %" PRIu64, w[1],
                 w[0], w[2]);
        return;
    case NX_SIM_EV_IPI:
        snprintf(buf, len, "ipi hart %" PRIu64 " -> hart %" PRIu64 " class %" PRIu64, w[0], w[1],
                 w[2]);
        return;
    case NX_SIM_EV_CONSOLE:
        snprintf(buf, len, "console %" PRIu64 " bytes (hash %016" PRIx64 ")", w[0], w[1]);
        return;
    case NX_SIM_EV_RAISE:
        snprintf(buf, len, "t=%" PRIu64 "ns device raises source %" PRIu64, w[1], w[0]);
        return;
    case NX_SIM_EV_INJECT:
        snprintf(buf, len,
                 "t=%" PRIu64 "ns inject kind %" PRIu64 " target %" PRIu64 " value %" PRIu64, w[0],
                 w[1], w[2], w[3]);
        return;
    default:
        break;
    }
    int n = snprintf(buf, len, "%s", nx_sim_event_tag_name(ev->tag));
    for (uint32_t i = 0; i < ev->n && i < NX_SIM_EVENT_WORDS && n >= 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, " %" PRIx64, w[i]);
}

static void show(FILE *to, const char *side, uint64_t index, const nx_sim_event_t *ev, bool mark)
{
    char text[160];
    nx_sim_event_format(ev, text, sizeof text);
    fprintf(to, "  %s %s #%" PRIu64 " %s\n", mark ? ">" : " ", side, index, text);
}

void nx_replay_report(const nx_replay_t *rp, FILE *to)
{
    const nx_recording_t *rec = rp->rec;
    if (!rp->diverged) {
        fprintf(to,
                "nexus-sim: the events matched but the digest differs (recorded %016" PRIx64
                "): the recording's digest line was changed\n",
                rec->digest);
        return;
    }
    fprintf(to, "nexus-sim: replay diverged at event #%" PRIu64 " of %" PRIu64 "\n", rp->at,
            rec->count);
    uint64_t from = rp->at >= NX_RECORD_NEIGHBOURS ? rp->at - NX_RECORD_NEIGHBOURS : 0u;
    fprintf(to, "  recorded:\n");
    for (uint64_t i = from; i <= rp->at + NX_RECORD_NEIGHBOURS && i < rec->count; i++)
        show(to, "rec", i, &rec->events[i], i == rp->at);
    if (rp->at >= rec->count)
        fprintf(to, "    (the recording ends at #%" PRIu64 ")\n", rec->count);
    fprintf(to, "  this run:\n");
    for (uint32_t k = 0; k < rp->got_count; k++) {
        uint64_t i = rp->at - rp->got_first + k;
        show(to, "run", i, &rp->got[k], i == rp->at);
    }
    if (rp->got_count == 0u || rp->at - rp->got_first + rp->got_count <= rp->at)
        fprintf(to, "    (the run ended at #%" PRIu64 ")\n", rp->at);
}
