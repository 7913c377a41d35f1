// SPDX-License-Identifier: MIT
// The report as one self-contained HTML page, the file people attach to an incident: no
// script, no external resource (inline CSS and SVG only), every string from the journal or
// the caller escaped. This file writes the page (verdict, state, what to do, timeline,
// exits); report_svg.c draws the charts of memory, pids and restarts between them.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"
#include "report.h"
#include "report_int.h"
#include "report_svg.h"

struct html {
    FILE *out;
    json_t *report;
    const struct report_input *in;
};

/* ---- text ---- */

// pre, then text escaped, then post: most of the page is written this way
static void put(FILE *out, const char *pre, const char *text, const char *post)
{
    (void)fputs(pre, out);
    report_svg_esc(out, text);
    (void)fputs(post, out);
}

// "2026-11-23 10:52:56" from the journal's "2026-11-23T10:52:56.123Z"; other text as is.
static void put_time(FILE *out, const char *pre, const char *iso, const char *post)
{
    uint64_t ms = 0;
    (void)fputs(pre, out);
    if (!iso || report_parse_time(iso, &ms) < 0) {
        report_svg_esc(out, iso ? iso : "?");
    } else {
        (void)fprintf(out, "%.10s %.8s", iso, iso + 11);
    }
    (void)fputs(post, out);
}

// The severity as a CSS class: only the four known words get through.
static const char *sev_of(json_t *o)
{
    const char *s = rpt_str(o, "severity");
    bool known = s && strstr("ok info warning critical", s) && strlen(s) >= 2 && !strchr(s, ' ');
    return known ? s : "info";
}

/* ---- the page ---- */

// Kept short: one line per few rules; colours: red = critical, orange = warning.
static const char css[] =
        "body{font:15px/1.45 system-ui,sans-serif;color:#1d2430;background:#f6f7f9;margin:0}"
        "main{max-width:1000px;margin:0 auto;padding:20px 24px 40px}"
        "h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}"
        ".verdict{padding:14px 18px;border-radius:6px;border-left:8px solid #888;background:#fff}"
        ".verdict .v{font-size:18px;font-weight:600}.verdict ul{margin:8px 0 0;padding-left:20px}"
        ".sev-critical{border-color:#c62828}.sev-warning{border-color:#ef8f00}"
        ".sev-ok{border-color:#2e7d32}.sev-info{border-color:#546e7a}"
        ".tag{display:inline-block;font-size:12px;padding:0 "
        "6px;border-radius:3px;color:#fff;background:#546e7a;margin-right:6px}"
        ".tag.critical{background:#c62828}.tag.warning{background:#ef8f00}"
        ".tag.ok{background:#2e7d32}"
        "table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}"
        "td,th{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#eef0f3;font-weight:600}table.facts th{width:150px}"
        "td.n{text-align:right;white-space:nowrap}"
        "td.t{white-space:nowrap;font-variant-numeric:tabular-nums}"
        "tr.critical td:first-child{border-left:4px solid #c62828}"
        "tr.warning td:first-child{border-left:4px solid #ef8f00}"
        "ol.recs>li{background:#fff;margin:0 0 10px;padding:8px 12px;border-radius:4px}"
        "ol.recs ul{color:#4a5563;font-size:14px;margin:4px 0 0;padding-left:18px}"
        "code{font:13px ui-monospace,monospace;background:#eef0f3;padding:0 3px}"
        "figure{margin:0 0 18px;background:#fff;padding:8px 10px;border-radius:4px}"
        "figcaption{font-weight:600;margin-bottom:2px}svg{width:100%;height:auto;display:block}"
        ".note{color:#5f6b7a;font-size:13px;margin:4px 0 0}"
        ".key{display:inline-block;width:14px;height:3px;vertical-align:middle;margin:0 4px 0 12px}"
        ".grid{stroke:#e3e6ea;stroke-width:1}.frame{fill:none;stroke:#9aa4b1;stroke-width:1}"
        ".lbl,.ttl,.limt,.rstt{font:12px system-ui,sans-serif;fill:#4a5563}.ttl{fill:#1d2430}"
        ".band{fill:#90caf9;fill-opacity:.45;stroke:none}"
        ".line{fill:none;stroke:#1565c0;stroke-width:1.6;stroke-linejoin:round;"
        "stroke-linecap:round}"
        ".step{fill:none;stroke:#455a64;stroke-width:1.6}"
        ".lim,.rst{stroke:#c62828;stroke-width:1.5;stroke-dasharray:7 4}.rst{stroke:#ef8f00}"
        ".limt,.rstt{paint-order:stroke;stroke:#fff;stroke-width:3px}.limt{fill:#c62828}"
        ".rstt{fill:#b26a00}.mk{stroke-width:1.5;stroke-opacity:.75}.mk.oom{stroke:#d50000}"
        ".mk.warn{stroke:#ef8f00;stroke-dasharray:3 2}.mk.exit{stroke:#90a4ae}"
        ".mk.rtoom{stroke:#7b1fa2}.mk.mrst{stroke:#ef8f00;stroke-dasharray:6 3}"
        ".mk.leak{stroke:#795548;stroke-dasharray:2 3}.sym{stroke:#fff;stroke-width:1}"
        ".sym.oom{fill:#d50000}.sym.rtoom{fill:#7b1fa2}.sym.mrst{fill:#ef8f00}"
        ".sym.leak{fill:#795548}svg.icon{width:16px;height:16px;display:inline-block;"
        "vertical-align:middle;margin:0 3px 0 12px}.lg{white-space:nowrap}"
        ".nodata{font:14px system-ui,sans-serif;fill:#8a94a3}";

static void page_head(struct html *h)
{
    put(h->out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta "
        "name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>warden report: ",
        rpt_str(h->report, "service"), "</title>\n<style>");
    (void)fprintf(h->out, "%s</style></head>\n<body><main>\n", css);
}

static void verdict_html(struct html *h)
{
    json_t *v = json_object_get(h->report, "verdict");
    json_t *list = json_object_get(h->report, "findings");
    (void)fprintf(h->out, "<section class=\"verdict sev-%s\">\n", sev_of(v));
    put(h->out, "<h1>warden report: ", rpt_str(h->report, "service"), "</h1>\n");
    put(h->out, "<div class=\"v\">", rpt_str(v, "text"), "</div>\n<ul>\n");
    for (size_t i = 1; i < json_array_size(list); i++) { // the first is the verdict
        json_t *f = json_array_get(list, i);
        (void)fprintf(h->out, "<li><span class=\"tag %s\">%s</span>", sev_of(f), sev_of(f));
        put(h->out, "", rpt_str(f, "text"), "</li>\n");
    }
    (void)fprintf(h->out, "</ul>\n</section>\n");
}

// The newest exit, stopped or failed event: when a service that is not running stopped.
static json_t *last_stop(const struct html *h)
{
    for (size_t i = json_array_size(h->in->events); i-- > 0;) {
        json_t *ev = json_array_get(h->in->events, i);
        const char *type = rpt_str(ev, "type");
        if (type && rpt_ev_ms(ev) &&
            (!strcmp(type, "exit") || !strcmp(type, "stopped") || !strcmp(type, "failed"))) {
            return ev;
        }
    }
    return NULL;
}

// "running (from status), uptime 1.3s, 5 starts seen"; a service not running says since
// when instead of an uptime it does not have: "stopped since 11-23 11:16:44 UTC (40m ago),
// 6 starts seen (state from journal)"; backoff and crash-looping give the last exit's time.
static void state_text(const struct html *h, char *buf, size_t len)
{
    json_t *st = json_object_get(h->report, "state");
    const char *name = rpt_str(st, "name") ? rpt_str(st, "name") : "?";
    const char *src = rpt_str(st, "source") ? rpt_str(st, "source") : "?";
    unsigned long long starts = (unsigned long long)rpt_uint(st, "starts");
    char up[32], at[32] = "", ago[32];
    if (!strcmp(name, "running") || !strcmp(name, "starting") || !strcmp(name, "draining")) {
        rpt_dur(rpt_uint(st, "uptime_ms"), up, sizeof(up));
        (void)snprintf(buf, len, "%s (from %s), uptime %s, %llu starts seen", name, src, up,
                       starts);
        return;
    }
    json_t *ev = last_stop(h);
    uint64_t t = rpt_ev_ms(ev), now = h->in->now_ms;
    if (!ev || journal_format_time(t, at, sizeof(at)) < 0) {
        (void)snprintf(buf, len, "%s (from %s), %llu starts seen", name, src, starts);
        return;
    }
    at[10] = ' ';
    at[19] = '\0'; // "2026-11-23 11:16:44", printed from the month on
    rpt_dur(now > t ? now - t : 0, ago, sizeof(ago));
    bool since = !strcmp(name, "stopped") || !strcmp(name, "failed");
    (void)snprintf(buf, len, "%s%s %s UTC (%s ago), %llu starts seen (state from %s)", name,
                   since ? " since" : ", last exit", at + 5, ago, starts, src);
}

static void facts_html(struct html *h)
{
    json_t *r = h->report, *mem = json_object_get(r, "memory");
    json_t *pids = json_object_get(r, "pids"), *sum = json_object_get(r, "summary");
    char buf[256], a[32], b[32], c[32];
    state_text(h, buf, sizeof(buf));
    put(h->out, "<h2>State</h2>\n<table class=\"facts\">\n<tr><th>state</th><td>", buf,
        "</td></tr>\n");
    rpt_mib(rpt_uint(mem, "current_bytes"), a, sizeof(a));
    rpt_mib(rpt_uint(mem, "peak_bytes"), b, sizeof(b));
    rpt_mib(rpt_uint(mem, "limit_bytes"), c, sizeof(c));
    (void)fprintf(h->out, "<tr><th>memory</th><td>now %s, peak %s, memory_max %s</td></tr>\n", a, b,
                  rpt_uint(mem, "limit_bytes") ? c : "unset");
    (void)fprintf(
            h->out, "<tr><th>processes</th><td>now %llu, peak %llu, pids_max %llu</td></tr>\n",
            (unsigned long long)rpt_uint(pids, "current"),
            (unsigned long long)rpt_uint(pids, "peak"), (unsigned long long)rpt_uint(pids, "max"));
    if (rpt_str(r, "command")) {
        put(h->out, "<tr><th>command</th><td><code>", rpt_str(r, "command"), "</code></td></tr>\n");
    }
    put_time(h->out, "<tr><th>journal</th><td>", rpt_str(sum, "first_event"), " to ");
    put_time(h->out, "", rpt_str(sum, "last_event"), " UTC, ");
    (void)fprintf(h->out, "%llu events</td></tr>\n</table>\n",
                  (unsigned long long)rpt_uint(sum, "events"));
}

static void recs_html(struct html *h)
{
    json_t *list = json_object_get(h->report, "recommendations"), *rec, *e;
    size_t i, j;
    if (json_array_size(list)) {
        (void)fprintf(h->out, "<h2>What to do</h2>\n<ol class=\"recs\">\n");
    }
    json_array_foreach(list, i, rec)
    {
        put(h->out, "<li>", rpt_str(rec, "text"), "\n<ul>");
        json_array_foreach(json_object_get(rec, "evidence"), j, e)
        {
            put(h->out, "<li>", json_string_value(e), "</li>");
        }
        (void)fprintf(h->out, "</ul></li>\n%s", i + 1 == json_array_size(list) ? "</ol>\n" : "");
    }
}

static void omitted(struct html *h, const char *key, const char *what)
{
    if (rpt_uint(h->report, key)) {
        (void)fprintf(h->out, "<p class=\"note\">%llu older %s omitted.</p>\n",
                      (unsigned long long)rpt_uint(h->report, key), what);
    }
}

static void timeline_html(struct html *h)
{
    json_t *list = json_object_get(h->report, "timeline"), *e;
    size_t i;
    (void)fprintf(h->out, "<h2>Timeline</h2>\n<table>\n<tr><th>first (UTC)</th><th>last (UTC)"
                          "</th><th>count</th><th>what</th></tr>\n");
    json_array_foreach(list, i, e)
    {
        (void)fprintf(h->out, "<tr class=\"%s\">", sev_of(e));
        put_time(h->out, "<td class=\"t\">", rpt_str(e, "first"), "</td><td class=\"t\">");
        if (rpt_uint(e, "count") > 1) {
            put_time(h->out, "", rpt_str(e, "last"), "");
        }
        (void)fprintf(h->out, "</td><td class=\"n\">&times;%llu</td>",
                      (unsigned long long)rpt_uint(e, "count"));
        put(h->out, "<td>", rpt_str(e, "text"), "</td></tr>\n");
    }
    (void)fprintf(h->out, "</table>\n");
    omitted(h, "timeline_omitted", "entries");
}

static void exits_html(struct html *h)
{
    json_t *list = json_object_get(h->report, "exits");
    size_t n = json_array_size(list);
    json_t *sum = json_object_get(h->report, "summary");
    (void)fprintf(h->out,
                  "<h2>Exits: %llu, %llu failures (%llu in the last hour), %llu OOM kills"
                  "</h2>\n<table>\n<tr><th>time (UTC), newest first</th><th>kind</th><th>"
                  "classification</th><th>peak / limit</th></tr>\n%s",
                  (unsigned long long)rpt_uint(sum, "exits"),
                  (unsigned long long)rpt_uint(sum, "failures"),
                  (unsigned long long)rpt_uint(sum, "failures_last_hour"),
                  (unsigned long long)rpt_uint(sum, "oom_kills"), n ? "" : "</table>\n");
    for (size_t i = n; i-- > 0;) {
        json_t *e = json_array_get(list, i);
        char peak[32], lim[32];
        rpt_mib(rpt_uint(e, "memory_peak_bytes"), peak, sizeof(peak));
        rpt_mib(rpt_uint(e, "memory_max_bytes"), lim, sizeof(lim));
        bool bad = json_is_true(json_object_get(e, "failure"));
        (void)fprintf(h->out, "<tr class=\"%s\">", bad ? "warning" : "info");
        put_time(h->out, "<td class=\"t\">", rpt_str(e, "time"), "</td>");
        put(h->out, "<td class=\"t\">", rpt_str(e, "kind"), "</td>");
        put(h->out, "<td>", rpt_str(e, "classification"), "</td>");
        (void)fprintf(h->out, "<td class=\"n\">%s / %s</td></tr>\n%s",
                      rpt_uint(e, "memory_peak_bytes") ? peak : "?",
                      rpt_uint(e, "memory_max_bytes") ? lim : "unset", i ? "" : "</table>\n");
    }
    omitted(h, "exits_omitted", "exits");
}

static void foot_html(struct html *h)
{
    put(h->out, "<p class=\"note\">Schema ", rpt_str(h->report, "schema"), ", generated ");
    put_time(h->out, "", rpt_str(h->report, "generated_at"), "");
    (void)fprintf(h->out, " UTC by <code>warden report</code>; <code>--json</code> has every "
                          "field.</p>\n</main></body></html>\n");
}

// Without memory for the charts the page is still written whole, without them, and the
// call says -ENOMEM.
int report_html(json_t *report, const struct report_input *in, FILE *out)
{
    struct html page = {out, report, in}, *h = &page;
    page_head(h);
    verdict_html(h);
    facts_html(h);
    recs_html(h);
    int rc = report_svg_charts(report, in, out);
    timeline_html(h);
    exits_html(h);
    foot_html(h);
    if (ferror(out) || fflush(out) != 0) {
        return -EIO;
    }
    return rc;
}
