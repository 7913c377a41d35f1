// SPDX-License-Identifier: MIT
// The report as text for a terminal, read by someone woken at 3 a.m.: the verdict on the
// first line, then what to do, then what happened. Only the report JSON is read, so the
// text says nothing the JSON does not.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "report_int.h"

#define TEXT_WIDTH 100 // wrap long sentences here; the indent is kept on every line

static const char *str(json_t *o, const char *key)
{
    const char *v = rpt_str(o, key);
    return v ? v : "?";
}

// Print text wrapped at TEXT_WIDTH, the first line after `lead`, the rest indented by
// `indent` spaces. Words longer than a line are printed whole.
static void wrapped(FILE *out, const char *lead, unsigned indent, const char *text)
{
    size_t col = (size_t)fprintf(out, "%s", lead);
    const char *p = text ? text : "";
    bool first = true;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (!first && col + 1 + word > TEXT_WIDTH) {
            (void)fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            (void)fputc(' ', out);
            col++;
        }
        (void)fwrite(p, 1, word, out);
        col += word;
        first = false;
        p += word;
        p += strspn(p, " ");
    }
    (void)fputc('\n', out);
}

// "10:52:56" for today (the report's day), else "11-22 10:52:56"; "?" for garbage.
static void when(const char *iso, const char *today, char *buf, size_t len)
{
    uint64_t ms = 0;
    if (!iso || report_parse_time(iso, &ms) < 0) {
        (void)snprintf(buf, len, "?");
    } else if (today && strncmp(iso, today, 10) == 0) {
        (void)snprintf(buf, len, "%.8s", iso + 11);
    } else {
        (void)snprintf(buf, len, "%.5s %.8s", iso + 5, iso + 11);
    }
}

static void header(json_t *r, FILE *out)
{
    json_t *st = json_object_get(r, "state");
    json_t *mem = json_object_get(r, "memory");
    const char *svc = rpt_str(r, "service"), *cmd = rpt_str(r, "command");
    char gen[32], now[32], peak[32], lim[32], up[64];
    when(rpt_str(r, "generated_at"), NULL, gen, sizeof(gen));
    (void)fprintf(out, "warden report: %s (%s UTC)\n", svc ? svc : "?", gen);
    wrapped(out, "VERDICT  ", 9, rpt_str(json_object_get(r, "verdict"), "text"));
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        if (i > 0) {
            char lead[32];
            (void)snprintf(lead, sizeof(lead), "also     [%s] ", str(f, "severity"));
            wrapped(out, lead, 9, rpt_str(f, "text"));
        }
    }
    rpt_mib(rpt_uint(mem, "current_bytes"), now, sizeof(now));
    rpt_mib(rpt_uint(mem, "peak_bytes"), peak, sizeof(peak));
    rpt_mib(rpt_uint(mem, "limit_bytes"), lim, sizeof(lim));
    rpt_dur(rpt_uint(st, "uptime_ms"), up, sizeof(up));
    const char *since = rpt_str(st, "since");
    if (since) { // not running: since when, not an uptime
        char t[32];
        when(since, NULL, t, sizeof(t));
        (void)snprintf(up, sizeof(up), "last exit %.31s UTC", t);
    } else {
        char tmp[64];
        (void)snprintf(tmp, sizeof(tmp), "uptime %.40s", up);
        (void)snprintf(up, sizeof(up), "%s", tmp);
    }
    (void)fprintf(out, "state    %s (from %s), %llu starts, %s\n", str(st, "name"),
                  str(st, "source"), (unsigned long long)rpt_uint(st, "starts"), up);
    (void)fprintf(out, "memory   now %s, peak %s, memory_max %s\n", now, peak,
                  rpt_uint(mem, "limit_bytes") ? lim : "unset");
    if (cmd) {
        (void)fprintf(out, "command  %s\n", cmd);
    }
}

static void recommendations(json_t *r, FILE *out)
{
    json_t *list = json_object_get(r, "recommendations"), *rec, *e;
    size_t i, j;
    if (!json_array_size(list)) {
        return;
    }
    (void)fprintf(out, "\nWhat to do\n");
    json_array_foreach(list, i, rec)
    {
        char lead[32]; // "%3zu. ": at most 20 digits
        (void)snprintf(lead, sizeof(lead), "%3zu. ", i + 1);
        wrapped(out, lead, 5, rpt_str(rec, "text"));
        json_array_foreach(json_object_get(rec, "evidence"), j, e)
        {
            wrapped(out, "     - ", 7, json_string_value(e));
        }
    }
}

static void timeline(json_t *r, const char *today, FILE *out)
{
    json_t *list = json_object_get(r, "timeline"), *e;
    size_t i;
    unsigned long long omitted = rpt_uint(r, "timeline_omitted");
    (void)fprintf(out, "\nTimeline (oldest first, repeats collapsed%s)\n",
                  omitted ? "; older entries omitted" : "");
    if (!json_array_size(list)) {
        (void)fprintf(out, "  nothing happened\n");
    }
    json_array_foreach(list, i, e)
    {
        char a[32], b[32], lead[160];
        unsigned long long n = rpt_uint(e, "count");
        when(rpt_str(e, "first"), today, a, sizeof(a));
        when(rpt_str(e, "last"), today, b, sizeof(b));
        (void)snprintf(lead, sizeof(lead), "  %-14s  ", a);
        if (n > 1) {
            char text[400]; // the entry's text is at most 255 bytes (struct rpt_tl)
            (void)snprintf(text, sizeof(text), "%s ×%llu between %s and %s", str(e, "text"), n, a,
                           b);
            wrapped(out, lead, 18, text);
        } else {
            wrapped(out, lead, 18, str(e, "text"));
        }
    }
}

static void exits(json_t *r, const char *today, FILE *out)
{
    json_t *list = json_object_get(r, "exits"), *e;
    size_t n = json_array_size(list), i;
    size_t from = n > REPORT_TEXT_EXITS ? n - REPORT_TEXT_EXITS : 0;
    unsigned long long total = rpt_uint(json_object_get(r, "summary"), "exits");
    if (!n) {
        return;
    }
    (void)fprintf(out, "\nExits (newest %zu of %llu; all in --json)\n", n - from, total);
    json_array_foreach(list, i, e)
    {
        if (i < from) {
            continue;
        }
        char a[32], lead[64];
        when(rpt_str(e, "time"), today, a, sizeof(a));
        (void)snprintf(lead, sizeof(lead), "  %-14s  %-16s  ", a, str(e, "kind"));
        wrapped(out, lead, 36, rpt_str(e, "classification"));
    }
}

// The newest failure's evidence: where its memory was, and its last output lines.
static void last_failure(json_t *r, FILE *out)
{
    json_t *list = json_object_get(r, "exits"), *e = NULL;
    for (size_t i = json_array_size(list); i > 0 && !e; i--) {
        json_t *x = json_array_get(list, i - 1);
        e = json_is_true(json_object_get(x, "failure")) ? x : NULL;
    }
    json_t *ms = json_object_get(e, "memory_stat"), *tail = json_object_get(e, "tail");
    if (!e || (!ms && !json_array_size(tail))) {
        return;
    }
    (void)fprintf(out, "\nLast failure (%s)\n", str(e, "time"));
    if (ms) {
        static const char *const parts[][2] = {
                {"anon_bytes", "anon"}, {"file_bytes", "file"}, {"kernel_bytes", "kernel"},
                {"slab_bytes", "slab"}, {"sock_bytes", "sock"}, {"shmem_bytes", "shmem"}};
        char at[32], before[32];
        rpt_mib(rpt_uint(ms, "at_usage_bytes"), at, sizeof(at));
        rpt_dur(rpt_uint(ms, "ms_before_exit"), before, sizeof(before));
        (void)fprintf(out, "  memory at %s, %s before the exit:", at, before);
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            char b[32];
            if (json_object_get(ms, parts[i][0])) {
                rpt_mib(rpt_uint(ms, parts[i][0]), b, sizeof(b));
                (void)fprintf(out, " %s %s", parts[i][1], b);
            }
        }
        (void)fputc('\n', out);
    }
    size_t n = json_array_size(tail);
    for (size_t i = n > REPORT_TEXT_TAIL ? n - REPORT_TEXT_TAIL : 0; i < n; i++) {
        wrapped(out, "  | ", 4, json_string_value(json_array_get(tail, i)));
    }
}

int report_text(json_t *report, FILE *out)
{
    const char *today = rpt_str(report, "generated_at");
    header(report, out);
    recommendations(report, out);
    timeline(report, today, out);
    exits(report, today, out);
    last_failure(report, out);
    return ferror(out) || fflush(out) != 0 ? -EIO : 0;
}
