// SPDX-License-Identifier: MIT
// The report as one self-contained HTML page, the file people attach to an incident: no
// script, no external resource (inline CSS and SVG only), every string from the journal or
// the caller escaped. Charts of memory, pids and restarts share one time window and are
// drawn from the caller's history, downsampled into REPORT_CHART_POINTS time buckets, with
// the journal's incidents (OOM kills, memory-restarts, storms, exits) as marked lines.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"
#include "report.h"
#include "report_int.h"

#define SVG_W         960.0 // viewBox size; the page scales the chart to its column
#define SVG_H         240.0
#define PAD_L         64.0 // room for the value labels
#define PAD_R         16.0
#define PAD_T         14.0
#define PAD_B         42.0 // room for the time labels and the axis title
#define PLOT_W        (SVG_W - PAD_L - PAD_R)
#define PLOT_H        (SVG_H - PAD_T - PAD_B)
#define KEY(colour)   "<span class=\"key\" style=\"background:" colour "\"></span>"
#define FINE_GAP_MS   5000u   // a hole this long in the 1 s series (service down) breaks the line
#define COARSE_GAP_MS 180000u // three missing minutes in the 1 min series
#define MIN_SPAN_MS   60000u  // the narrowest time window drawn
#define X_TICKS_MAX   16u     // time labels per chart, whatever the span
#define TITLE_MAX     480     // bytes of a marker's tooltip before escaping

// One time bucket of a chart, values in the chart's unit (MiB or processes).
struct bucket {
    double lo, hi, sum;
    unsigned n;
    bool gap; // a hole in the data just before this bucket: the line breaks here
};

// Marker classes: red for an OOM kill or a process storm; orange for memory-restart,
// pids-warn, fork failures, a failed exit; grey for a clean or operator exit.
#define MARK_OOM  "mk oom"
#define MARK_WARN "mk warn"
#define MARK_EXIT "mk exit"

struct chart {
    const char *id, *title, *unit;
    double vmax;      // top of the value axis
    unsigned outside; // markers outside the window, or beyond REPORT_MARKERS_MAX
};

struct html {
    FILE *out;
    json_t *report;
    const struct report_input *in;
    uint64_t t0, t1;    // the charts' common window, wall-clock ms
    const char *source; // "1 s samples", "1 min min/avg/max", NULL: no history
    unsigned starts_before;
    double mem_top, pids_top; // the series' largest values
    struct bucket mem[REPORT_CHART_POINTS], pids[REPORT_CHART_POINTS];
    unsigned cum[REPORT_CHART_POINTS]; // starts in the window up to each bucket's end
};

// A marker's class (MARK_*) and tooltip for one journal event at time `at`, or NULL.
typedef const char *mark_fn(json_t *ev, const char *type, const char *at, char *title, size_t len);

/* ---- text ---- */

static void esc(FILE *out, const char *s)
{
    static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (const char *p = s ? s : ""; *p; p++) {
        const char *hit = strchr("&<>\"'", *p);
        (void)(hit ? fputs(ent[hit - "&<>\"'"], out) : fputc(*p, out));
    }
}

// pre, then text escaped, then post: most of the page is written this way
static void put(FILE *out, const char *pre, const char *text, const char *post)
{
    (void)fputs(pre, out);
    esc(out, text);
    (void)fputs(post, out);
}

// "2026-11-23 10:52:56" from the journal's "2026-11-23T10:52:56.123Z"; other text as is.
static void put_time(FILE *out, const char *pre, const char *iso, const char *post)
{
    uint64_t ms = 0;
    (void)fputs(pre, out);
    if (!iso || report_parse_time(iso, &ms) < 0) {
        esc(out, iso ? iso : "?");
    } else {
        (void)fprintf(out, "%.10s %.8s", iso, iso + 11);
    }
    (void)fputs(post, out);
}

// "2026-11-23 10:52:56" (UTC) of a wall-clock time; callers print the part they need.
static void clock_of(uint64_t ms, char buf[32])
{
    if (journal_format_time(ms, buf, 32) < 0) {
        (void)snprintf(buf, 32, "0000-00-00T00:00:00.000Z");
    }
    buf[10] = ' ';
    buf[19] = '\0'; // whole seconds
}

// <text> at x, y; text is escaped.
static void text_at(struct html *h, const char *cls, double x, double y, const char *anchor,
                    const char *text)
{
    (void)fprintf(h->out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls, x, y,
                  anchor);
    put(h->out, "", text, "</text>\n");
}

static void line_at(struct html *h, const char *cls, double x1, double y1, double x2, double y2)
{
    (void)fprintf(h->out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", cls,
                  x1, y1, x2, y2);
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
        ".line{fill:none;stroke:#1565c0;stroke-width:1.6;stroke-linejoin:round}"
        ".step{fill:none;stroke:#455a64;stroke-width:1.6}"
        ".lim,.rst{stroke:#c62828;stroke-width:1.5;stroke-dasharray:7 4}.rst{stroke:#ef8f00}"
        ".limt,.rstt{paint-order:stroke;stroke:#fff;stroke-width:3px}.limt{fill:#c62828}"
        ".rstt{fill:#b26a00}.mk{stroke-width:2}.mk.oom{stroke:#d50000}"
        ".mk.warn{stroke:#ef8f00;stroke-dasharray:3 2}.mk.exit{stroke:#90a4ae}"
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

static void facts_html(struct html *h)
{
    json_t *r = h->report, *st = json_object_get(r, "state"), *mem = json_object_get(r, "memory");
    json_t *pids = json_object_get(r, "pids"), *sum = json_object_get(r, "summary");
    char buf[256], a[32], b[32], c[32], up[32];
    rpt_dur(rpt_uint(st, "uptime_ms"), up, sizeof(up));
    (void)snprintf(buf, sizeof(buf), "%s (from %s), uptime %s, %llu starts seen",
                   rpt_str(st, "name") ? rpt_str(st, "name") : "?",
                   rpt_str(st, "source") ? rpt_str(st, "source") : "?", up,
                   (unsigned long long)rpt_uint(st, "starts"));
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

/* ---- the charts' data ---- */

// The window: the history's span (fine when it has 2 points, else coarse), else the
// journal's, up to now; at least MIN_SPAN_MS.
static void window(struct html *h)
{
    const struct report_input *in = h->in;
    uint64_t first = 0, last = 0;
    if (in->nfine >= 2) {
        first = in->fine[0].t_ms;
        last = in->fine[in->nfine - 1].t_ms;
        h->source = "1 s samples";
    } else if (in->ncoarse >= 2) {
        first = in->coarse[0].t_ms;
        last = in->coarse[in->ncoarse - 1].t_ms + 60000u;
        h->source = "1 min min/avg/max";
    } else {
        size_t n = json_is_array(in->events) ? json_array_size(in->events) : 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t t = rpt_ev_ms(json_array_get(in->events, i));
            first = t && (!first || t < first) ? t : first;
            last = t > last ? t : last;
        }
    }
    last = in->now_ms > last ? in->now_ms : last;
    if (!first || first > last || last - first < MIN_SPAN_MS) {
        first = last > MIN_SPAN_MS ? last - MIN_SPAN_MS : 0;
        last = first + MIN_SPAN_MS;
    }
    h->t0 = first;
    h->t1 = last;
}

static unsigned bucket_of(const struct html *h, uint64_t t)
{
    uint64_t i = (t - h->t0) * REPORT_CHART_POINTS / (h->t1 - h->t0 + 1u);
    return i < REPORT_CHART_POINTS ? (unsigned)i : REPORT_CHART_POINTS - 1u;
}

static void bucket_add(struct bucket *b, double lo, double hi, double mid, bool gap)
{
    if (!b->n) {
        *b = (struct bucket){.lo = lo, .hi = hi, .gap = gap};
    }
    b->lo = lo < b->lo ? lo : b->lo;
    b->hi = hi > b->hi ? hi : b->hi;
    b->sum += mid;
    b->n++;
}

static double maxd(double a, double b)
{
    return a > b ? a : b;
}

static void fill_series(struct html *h)
{
    const struct report_input *in = h->in;
    const double mib = (double)RPT_MIB;
    uint64_t prev = 0;
    if (in->nfine >= 2) {
        for (size_t i = 0; i < in->nfine; i++) {
            const struct report_point *p = &in->fine[i];
            if (p->t_ms < h->t0 || p->t_ms > h->t1) {
                continue; // out of order: left out
            }
            bool gap = prev && p->t_ms - prev > FINE_GAP_MS;
            unsigned b = bucket_of(h, p->t_ms);
            double m = (double)p->mem_bytes / mib;
            bucket_add(&h->mem[b], m, m, m, gap);
            bucket_add(&h->pids[b], p->pids, p->pids, p->pids, gap);
            h->mem_top = maxd(h->mem_top, m);
            h->pids_top = maxd(h->pids_top, p->pids);
            prev = p->t_ms;
        }
        return;
    }
    for (size_t i = 0; in->ncoarse >= 2 && i < in->ncoarse; i++) {
        const struct report_minute *m = &in->coarse[i];
        if (m->t_ms < h->t0 || m->t_ms > h->t1) {
            continue;
        }
        bool gap = prev && m->t_ms - prev > COARSE_GAP_MS;
        unsigned b = bucket_of(h, m->t_ms);
        bucket_add(&h->mem[b], (double)m->mem_min / mib, (double)m->mem_max / mib,
                   (double)m->mem_avg / mib, gap);
        bucket_add(&h->pids[b], m->pids_min, m->pids_max, m->pids_avg, gap);
        h->mem_top = maxd(h->mem_top, (double)m->mem_max / mib);
        h->pids_top = maxd(h->pids_top, m->pids_max);
        prev = m->t_ms;
    }
}

static void fill_starts(struct html *h)
{
    json_t *ev;
    size_t i;
    json_array_foreach(h->in->events, i, ev)
    {
        const char *type = rpt_str(ev, "type");
        uint64_t t = rpt_ev_ms(ev);
        if (!type || strcmp(type, "start") != 0 || !t || t > h->t1) {
            continue;
        }
        if (t < h->t0) {
            h->starts_before++;
        } else {
            h->cum[bucket_of(h, t)]++; // per bucket, summed below
        }
    }
    for (unsigned b = 1; b < REPORT_CHART_POINTS; b++) {
        h->cum[b] += h->cum[b - 1];
    }
}

/* ---- drawing ---- */

static double px_x(const struct html *h, uint64_t t)
{
    uint64_t c = t < h->t0 ? h->t0 : (t > h->t1 ? h->t1 : t);
    return PAD_L + PLOT_W * (double)(c - h->t0) / (double)(h->t1 - h->t0);
}

static double px_b(const struct html *h, unsigned b)
{
    return px_x(h, h->t0 + (uint64_t)(((double)b + 0.5) * (double)(h->t1 - h->t0) /
                                      REPORT_CHART_POINTS));
}

static double px_y(const struct chart *c, double v)
{
    double top = SVG_H - PAD_B - PAD_T;
    double f = v / c->vmax;
    f = f < 0 ? 0 : (f > 1 ? 1 : f);
    return PAD_T + top * (1.0 - f);
}

// 1, 2 or 5 times a power of ten, giving at most about 5 steps up to vmax.
static double nice_step(double vmax)
{
    double raw = vmax / 5.0, mag = 1e-3; // the smallest step drawn
    while (mag * 10.0 <= raw) {
        mag *= 10.0;
    }
    return raw <= mag ? mag : (raw <= 2 * mag ? 2 * mag : (raw <= 5 * mag ? 5 * mag : 10 * mag));
}

static void y_axis(struct html *h, const struct chart *c)
{
    double step = nice_step(c->vmax);
    for (unsigned i = 0; i <= 12 && step * i <= c->vmax * 1.0001; i++) {
        char lbl[32];
        double v = step * i, y = px_y(c, v);
        (void)snprintf(lbl, sizeof(lbl), "%.*f", step < 1 ? 1 : 0, v);
        line_at(h, "grid", PAD_L, y, SVG_W - PAD_R, y);
        (void)fprintf(h->out, "/>");
        text_at(h, "lbl", PAD_L - 6, y + 4, "end", lbl);
    }
    (void)fprintf(h->out, "<text class=\"ttl\" transform=\"translate(14 %.0f) rotate(-90)\" ",
                  PAD_T + PLOT_H / 2);
    put(h->out, "text-anchor=\"middle\">", c->unit, "</text>\n");
}

static void x_axis(struct html *h)
{
    static const uint64_t steps[] = {1000,     5000,     10000,    30000,    60000,
                                     300000,   600000,   1800000,  3600000,  10800000,
                                     21600000, 43200000, 86400000, 604800000};
    uint64_t span = h->t1 - h->t0, step = steps[0];
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && span / step > 8; i++) {
        step = steps[i];
    }
    // the part of "2026-11-23 10:52:56" to print: "10:52:56", "11-23 10:52" or "10:52"
    int off = step < 60000 ? 11 : (span >= 86400000u ? 5 : 11);
    int len = step < 60000 ? 8 : (span >= 86400000u ? 11 : 5);
    uint64_t t = (h->t0 + step - 1) / step * step;
    char lbl[32];
    for (unsigned i = 0; i < X_TICKS_MAX && t <= h->t1; i++, t += step) {
        double x = px_x(h, t);
        clock_of(t, lbl);
        lbl[off + len] = '\0';
        line_at(h, "grid", x, PAD_T, x, SVG_H - PAD_B + 4);
        (void)fprintf(h->out, "/>");
        text_at(h, "lbl", x, SVG_H - PAD_B + 17, "middle", lbl + off);
    }
    char title[64];
    clock_of(h->t0, lbl);
    (void)snprintf(title, sizeof(title), "time of day (UTC), from %.10s", lbl);
    text_at(h, "ttl", PAD_L + PLOT_W / 2, SVG_H - 6, "middle", title);
}

static void chart_open(struct html *h, const struct chart *c, const char *caption)
{
    (void)fprintf(h->out,
                  "<figure><figcaption>%s</figcaption>\n<svg id=\"%s\" "
                  "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                  "role=\"img\" aria-label=\"%s\">\n",
                  caption, c->id, SVG_W, SVG_H, c->title);
    y_axis(h, c);
    x_axis(h);
    (void)fprintf(h->out,
                  "<rect class=\"frame\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
                  "height=\"%.0f\"/>\n",
                  PAD_L, PAD_T, PLOT_W, PLOT_H);
}

// The min-max band of each unbroken run of buckets: forward along the tops, back along the
// bottoms.
static void band(struct html *h, const struct chart *c, const struct bucket *b)
{
    (void)fprintf(h->out, "<path class=\"band\" d=\"");
    unsigned i = 0;
    while (i < REPORT_CHART_POINTS) {
        if (!b[i].n) {
            i++;
            continue;
        }
        unsigned end = i + 1;
        while (end < REPORT_CHART_POINTS && (!b[end].n || !b[end].gap)) {
            end++;
        }
        char pen = 'M';
        for (unsigned k = i; k < end; k++) {
            if (b[k].n) {
                (void)fprintf(h->out, "%c%.1f %.1f", pen, px_b(h, k), px_y(c, b[k].hi));
                pen = 'L';
            }
        }
        for (unsigned k = end; k-- > i;) {
            if (b[k].n) {
                (void)fprintf(h->out, "L%.1f %.1f", px_b(h, k), px_y(c, b[k].lo));
            }
        }
        (void)fputc('Z', h->out);
        i = end;
    }
    (void)fprintf(h->out, "\"/>\n");
}

static void line(struct html *h, const struct chart *c, const struct bucket *b)
{
    bool pen = false;
    (void)fprintf(h->out, "<path class=\"line\" d=\"");
    for (unsigned i = 0; i < REPORT_CHART_POINTS; i++) {
        if (b[i].n) {
            pen = pen && !b[i].gap;
            (void)fprintf(h->out, "%c%.1f %.1f", pen ? 'L' : 'M', px_b(h, i),
                          px_y(c, b[i].sum / b[i].n));
            pen = true;
        }
    }
    (void)fprintf(h->out, "\"/>\n");
}

static void hline(struct html *h, const struct chart *c, double v, const char *cls,
                  const char *label)
{
    if (v <= 0) {
        return;
    }
    double y = px_y(c, v);
    char cls_text[16];
    (void)snprintf(cls_text, sizeof(cls_text), "%st", cls);
    line_at(h, cls, PAD_L, y, SVG_W - PAD_R, y);
    put(h->out, "><title>", label, "</title></line>");
    text_at(h, cls_text, SVG_W - PAD_R - 4, y - 4, "end", label);
}

// Vertical lines at the journal events fn picks, newest REPORT_MARKERS_MAX in the window.
// The marker fn gives ev (NULL: none), its tooltip in title.
static const char *mark_of(json_t *ev, mark_fn *fn, char *title, size_t len)
{
    const char *type = rpt_str(ev, "type");
    char at[32];
    clock_of(rpt_ev_ms(ev), at);
    return type ? fn(ev, type, at, title, len) : NULL;
}

static void markers(struct html *h, struct chart *c, mark_fn *fn)
{
    char title[TITLE_MAX];
    unsigned total = 0, seen = 0;
    json_t *ev;
    size_t i;
    json_array_foreach(h->in->events, i, ev)
    {
        uint64_t t = rpt_ev_ms(ev);
        if (mark_of(ev, fn, title, sizeof(title))) {
            bool in = t >= h->t0 && t <= h->t1;
            total += in;
            c->outside += !in;
        }
    }
    unsigned skip = total > REPORT_MARKERS_MAX ? total - REPORT_MARKERS_MAX : 0;
    c->outside += skip; // the oldest give way
    json_array_foreach(h->in->events, i, ev)
    {
        uint64_t t = rpt_ev_ms(ev);
        const char *cls = mark_of(ev, fn, title, sizeof(title));
        if (!cls || t < h->t0 || t > h->t1 || seen++ < skip) {
            continue;
        }
        line_at(h, cls, px_x(h, t), PAD_T, px_x(h, t), SVG_H - PAD_B);
        put(h->out, "><title>", title, "</title></line>\n");
    }
}

static void chart_close(struct html *h, const struct chart *c, const char *legend)
{
    (void)fprintf(h->out, "</svg>\n<p class=\"note\">%s", legend);
    if (c->outside) {
        (void)fprintf(h->out, " Not drawn: %u marked events outside the window or past %u.",
                      c->outside, REPORT_MARKERS_MAX);
    }
    (void)fprintf(h->out, "</p></figure>\n");
}

/* ---- the markers ---- */

static const char *mem_mark(json_t *ev, const char *type, const char *at, char *title, size_t len)
{
    char a[32], b[32];
    const char *kind = rpt_str(ev, "kind");
    if (strcmp(type, "exit") == 0 && kind && strcmp(kind, "oom-killed") == 0) {
        uint64_t kill = rpt_uint(ev, "usage_at_kill_bytes");
        rpt_mib(kill ? kill : rpt_uint(ev, "memory_peak_bytes"), a, sizeof(a));
        rpt_mib(rpt_uint(ev, "memory_max_bytes"), b, sizeof(b));
        (void)snprintf(title, len, "OOM kill at %s UTC: usage %s, memory_max %s (%s process)", at,
                       a, b, rpt_str(ev, "victim") ? rpt_str(ev, "victim") : "?");
        return MARK_OOM;
    }
    if (strcmp(type, "memory-restart") == 0) {
        rpt_mib(rpt_uint(ev, "usage_bytes"), a, sizeof(a));
        rpt_mib(rpt_uint(ev, "threshold_bytes"), b, sizeof(b));
        (void)snprintf(title, len, "memory-restart at %s UTC: usage %s crossed %s", at, a, b);
        return MARK_WARN;
    }
    return NULL;
}

static const char *pids_mark(json_t *ev, const char *type, const char *at, char *title, size_t len)
{
    bool storm = strcmp(type, "process-storm") == 0;
    if (storm || strcmp(type, "pids-warn") == 0) {
        const char *sum = rpt_str(json_object_get(ev, "snapshot"), "summary");
        (void)snprintf(title, len, "%s at %s UTC: %llu processes (threshold %llu); %s", type, at,
                       (unsigned long long)rpt_uint(ev, "pids"),
                       (unsigned long long)rpt_uint(ev, "threshold"), sum ? sum : "no snapshot");
        return storm ? MARK_OOM : MARK_WARN;
    }
    if (strcmp(type, "fork-failures") == 0) {
        (void)snprintf(title, len, "%llu forks refused at pids_max, by %s UTC",
                       (unsigned long long)rpt_uint(ev, "refused"), at);
        return MARK_WARN;
    }
    return NULL;
}

static const char *exit_mark(json_t *ev, const char *type, const char *at, char *title, size_t len)
{
    const char *kind = rpt_str(ev, "kind"), *reason = rpt_str(ev, "reason");
    long long code = -1;
    if (strcmp(type, "exit") != 0) {
        return NULL;
    }
    reason = reason ? reason : "?";
    (void)snprintf(title, len, "exit at %s UTC: %s: %.*s", at, kind ? kind : "?",
                   rpt_cut(reason, RPT_QUOTE_MAX), reason);
    if (kind && strcmp(kind, "oom-killed") == 0) {
        return MARK_OOM;
    }
    bool clean = kind && strcmp(kind, "exited") == 0 && rpt_int(ev, "code", &code) && code == 0;
    bool stop = kind && strcmp(kind, "killed-by-warden") == 0 && !strstr(reason, "killed");
    return clean || stop ? MARK_EXIT : MARK_WARN;
}

/* ---- the charts ---- */

// Open the chart and draw the series (band and line), or say there is none.
static void series_chart(struct html *h, const struct chart *c, const char *caption,
                         const struct bucket *b)
{
    chart_open(h, c, caption);
    if (h->source) {
        band(h, c, b);
        line(h, c, b);
    } else {
        text_at(h, "nodata", PAD_L + PLOT_W / 2, PAD_T + PLOT_H / 2, "middle",
                "no history for this window");
    }
}

static void memory_chart(struct html *h)
{
    json_t *mem = json_object_get(h->report, "memory");
    double mib = (double)RPT_MIB;
    uint64_t lim = h->in->memory_max_bytes ? h->in->memory_max_bytes : rpt_uint(mem, "limit_bytes");
    uint64_t rst = h->in->memory_restart_bytes;
    struct chart c = {"memory-chart", "memory against time", "memory (MiB)", 0, 0};
    double top = maxd(h->mem_top, maxd((double)lim, (double)rst) / mib);
    top = maxd(top, (double)rpt_uint(mem, "max_kill_bytes") / mib);
    c.vmax = top > 0 ? top * 1.1 : 1.0;
    series_chart(h, &c, "Memory (MiB) against time of day (UTC)", h->mem);
    char a[32], label[64], legend[256];
    rpt_mib(lim, a, sizeof(a));
    (void)snprintf(label, sizeof(label), "memory_max %s", a);
    hline(h, &c, (double)lim / mib, "lim", label);
    rpt_mib(rst, a, sizeof(a));
    (void)snprintf(label, sizeof(label), "memory_restart %s", a);
    hline(h, &c, (double)rst / mib, "rst", label);
    markers(h, &c, mem_mark);
    (void)snprintf(
            legend, sizeof(legend),
            KEY("#1565c0") "usage (%s; band: min to max per point)" KEY("#d50000") "OOM kill" KEY(
                    "#ef8f00") "memory-restart. Hover a marker for details.",
            h->source ? h->source : "no history");
    chart_close(h, &c, legend);
}

static void pids_chart(struct html *h)
{
    json_t *pids = json_object_get(h->report, "pids");
    uint64_t max = h->in->pids_max ? h->in->pids_max : rpt_uint(pids, "max");
    struct chart c = {"pids-chart", "processes against time", "processes", 0, 0};
    double top = maxd(h->pids_top, (double)max);
    c.vmax = top > 0 ? top * 1.1 : 1.0;
    series_chart(h, &c, "Processes against time of day (UTC)", h->pids);
    char label[48];
    (void)snprintf(label, sizeof(label), "pids_max %llu", (unsigned long long)max);
    hline(h, &c, (double)max, "lim", label);
    markers(h, &c, pids_mark);
    chart_close(h, &c,
                KEY("#1565c0") "processes" KEY("#d50000") "process storm (killed)" KEY(
                        "#ef8f00") "pids-warn, fork failures.");
}

static void restarts_chart(struct html *h)
{
    unsigned last = h->cum[REPORT_CHART_POINTS - 1];
    struct chart c = {"restarts-chart", "starts against time", "starts", 0, 0};
    c.vmax = last > 0 ? last * 1.1 + 0.5 : 1.0;
    chart_open(h, &c, "Starts in this window (cumulative) and exits");
    (void)fprintf(h->out, "<path class=\"step\" d=\"M%.1f %.1f", px_x(h, h->t0), px_y(&c, 0));
    unsigned prev = 0;
    for (unsigned b = 0; b < REPORT_CHART_POINTS; b++) {
        if (h->cum[b] != prev) {
            double x = px_b(h, b);
            (void)fprintf(h->out, "L%.1f %.1fL%.1f %.1f", x, px_y(&c, prev), x,
                          px_y(&c, h->cum[b]));
            prev = h->cum[b];
        }
    }
    (void)fprintf(h->out, "L%.1f %.1f\"/>\n", px_x(h, h->t1), px_y(&c, prev));
    markers(h, &c, exit_mark);
    char legend[400];
    (void)snprintf(
            legend, sizeof(legend),
            KEY("#455a64") "starts (%u in the window, %u before it)" KEY("#d50000") "OOM kill" KEY(
                    "#ef8f00") "failed exit" KEY("#90a4ae") "clean exit.",
            last, h->starts_before);
    chart_close(h, &c, legend);
}

static void foot_html(struct html *h)
{
    put(h->out, "<p class=\"note\">Schema ", rpt_str(h->report, "schema"), ", generated ");
    put_time(h->out, "", rpt_str(h->report, "generated_at"), "");
    (void)fprintf(h->out, " UTC by <code>warden report</code>; <code>--json</code> has every "
                          "field.</p>\n</main></body></html>\n");
}

int report_html(json_t *report, const struct report_input *in, FILE *out)
{
    struct html *h = calloc(1, sizeof(*h)); // ~31 KiB of buckets: off the stack
    if (!h) {
        return -ENOMEM;
    }
    h->out = out;
    h->report = report;
    h->in = in;
    window(h);
    fill_series(h);
    fill_starts(h);
    page_head(h);
    verdict_html(h);
    facts_html(h);
    recs_html(h);
    (void)fprintf(out, "<h2>Charts</h2>\n");
    memory_chart(h);
    pids_chart(h);
    restarts_chart(h);
    timeline_html(h);
    exits_html(h);
    foot_html(h);
    free(h);
    return ferror(out) || fflush(out) != 0 ? -EIO : 0;
}
