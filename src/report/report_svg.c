// SPDX-License-Identifier: MIT
// The report page's charts as inline SVG: memory, pids and starts against one time window
// that spans the history (plus the journal's events near it), not the time the report is
// made, so a service stopped for 40 minutes after 25 s of data gets a 25 s axis. Each series
// goes into REPORT_CHART_POINTS time buckets drawn as a min-max band plus the mean line; the
// band's top is the largest usage or peak in the bucket, and each exit's own peak is added
// at its time, so an instance that lived less than a history tick still shows its true
// height. Lines break wherever no instance ran (an exit or start between two samples, a
// hole in the samples, an idle sample) instead of joining across. Events are markers, each
// kind with its own symbol, legend entry and <title> tooltip, at most REPORT_MARKERS_MAX
// per chart. Every string from the journal is escaped.
#include "report_svg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounds.h"
#include "journal.h"
#include "report.h"
#include "report_int.h"
#include "report_marks.h"

#define SVG_W         960.0 // viewBox size; the page scales the chart to its column
#define SVG_H         240.0
#define PAD_L         64.0 // room for the value labels
#define PAD_R         16.0
#define PAD_T         14.0
#define PAD_B         42.0 // room for the time labels and the axis title
#define PLOT_W        (SVG_W - PAD_L - PAD_R)
#define PLOT_H        (SVG_H - PAD_T - PAD_B)
#define FINE_GAP_MS   3000u  // 1 s samples further apart than this: no instance ran between
#define COARSE_GAP_MS 90000u // a missing minute in the 1 min series
#define MIN_SPAN_MS   10000u // the narrowest window drawn, centred on the data
#define NEAR_MS       5000u  // events this close to the history's span widen the window
#define COL_HALF_PX   1.5    // a band column is at least 3 px wide: one sample still shows
#define LONE_HALF_PX  3.0    // a run of one column, 6 px: it shows beside a marker's line

// One time bucket of a chart, values in the chart's unit (MiB or processes).
struct bucket {
    double lo, hi; // the band: least usage, largest usage or peak (set when band)
    double sum;    // the line: sum of the n samples' values
    unsigned n;
    bool band;
    bool gap; // no instance ran just before this bucket: band and line restart here
};

struct chart {
    const char *id, *title, *unit;
    double vmax;      // top of the value axis
    unsigned outside; // marked events outside the window
    unsigned capped;  // marked events in the window beyond REPORT_MARKERS_MAX (the oldest)
};

struct charts {
    FILE *out;
    json_t *report;
    const struct report_input *in;
    uint64_t t0, t1;    // the charts' common window, wall-clock ms
    const char *source; // "1 s samples", "1 min min/avg/max", NULL: no history
    bool fine;          // drawing in->fine (else in->coarse)
    uint64_t gap_ms;    // samples further apart: a gap
    unsigned starts_before;
    double mem_top, pids_top; // the series' largest values
    struct bucket mem[REPORT_CHART_POINTS], pids[REPORT_CHART_POINTS];
    unsigned cum[REPORT_CHART_POINTS]; // starts in the window up to each bucket's end
};

// One sample of either series, in the charts' units.
struct sample {
    uint64_t t_ms;
    double mem_lo, mem_hi, mem_mid, pids_lo, pids_hi, pids_mid;
    bool idle; // 0 bytes and 0 processes: nothing ran
};

// The walk over the samples with the journal's events merged in by time.
struct walk {
    size_t next_ev;   // the next event of in->events to merge
    bool brk;         // an instance ended or started since the previous sample
    bool running;     // the journal's last word so far was a start, not an exit
    uint64_t prev_ms; // the previous sample drawn, 0: none
    double prev_lo;   // its least memory
};

static const double mib = (double)RPT_MIB;

/* ---- text ---- */

void report_svg_esc(FILE *out, const char *s)
{
    static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (const char *p = s ? s : ""; *p; p++) {
        const char *hit = strchr("&<>\"'", *p);
        (void)(hit ? fputs(ent[hit - "&<>\"'"], out) : fputc(*p, out));
    }
}

static void put(FILE *out, const char *pre, const char *text, const char *post)
{
    (void)fputs(pre, out);
    report_svg_esc(out, text);
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
static void text_at(struct charts *h, const char *cls, double x, double y, const char *anchor,
                    const char *text)
{
    (void)fprintf(h->out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls, x, y,
                  anchor);
    put(h->out, "", text, "</text>\n");
}

static void line_at(struct charts *h, const char *cls, double x1, double y1, double x2, double y2)
{
    (void)fprintf(h->out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", cls,
                  x1, y1, x2, y2);
}

static double maxd(double a, double b)
{
    return a > b ? a : b;
}

/* ---- the charts' data ---- */

static bool sample_at(const struct charts *h, size_t i, struct sample *s)
{
    const struct report_input *in = h->in;
    if (h->fine && i < in->nfine) {
        const struct report_point *p = &in->fine[i];
        double m = (double)p->mem_bytes / mib;
        double peak = (double)p->mem_peak_bytes / mib;
        *s = (struct sample){p->t_ms, m,       maxd(m, peak), m,
                             p->pids, p->pids, p->pids,       !p->mem_bytes && !p->pids};
        return true;
    }
    if (!h->fine && i < in->ncoarse) {
        const struct report_minute *m = &in->coarse[i];
        double top = (double)(m->mem_max > m->mem_peak_max ? m->mem_max : m->mem_peak_max);
        *s = (struct sample){m->t_ms,     (double)m->mem_min / mib,
                             top / mib,   (double)m->mem_avg / mib,
                             m->pids_min, m->pids_max,
                             m->pids_avg, !m->mem_max && !m->mem_peak_max && !m->pids_max};
        return true;
    }
    return false;
}

// The span of the samples that saw an instance (fine when it has 2 points, else coarse),
// and which series that is. *first stays 0 without one.
static void series_span(struct charts *h, uint64_t *first, uint64_t *last)
{
    h->fine = h->in->nfine >= 2;
    if (!h->fine && h->in->ncoarse < 2) {
        return;
    }
    h->gap_ms = h->fine ? FINE_GAP_MS : COARSE_GAP_MS;
    struct sample s;
    for (size_t i = 0; sample_at(h, i, &s); i++) {
        if (!s.idle && s.t_ms) {
            *first = *first && *first < s.t_ms ? *first : s.t_ms;
            *last = s.t_ms > *last ? s.t_ms : *last;
        }
    }
    if (*first) {
        *last += h->fine ? 0 : 60000u; // a minute's record covers the minute
        h->source = h->fine ? "1 s samples" : "1 min min/avg/max";
    }
}

// The window: the history's span widened to the events within NEAR_MS (or a twentieth of
// the span) of it, else the events' span; at least MIN_SPAN_MS; a fiftieth of it (at least
// half a second) added on each side so markers at the ends stay off the frame. Never
// stretched to now: the daemon may have been stopped long after the last sample.
static void window(struct charts *h)
{
    uint64_t first = 0, last = 0;
    series_span(h, &first, &last);
    bool have = first != 0;
    uint64_t near = (last - first) / 20 > NEAR_MS ? (last - first) / 20 : NEAR_MS;
    json_t *ev;
    size_t i;
    json_array_foreach(h->in->events, i, ev)
    {
        uint64_t t = rpt_ev_ms(ev);
        if (!t || (have && (t + near < first || t > last + near))) {
            continue;
        }
        first = first && first < t ? first : t;
        last = t > last ? t : last;
    }
    if (!first) { // nothing at all: the span before now
        last = h->in->now_ms > MIN_SPAN_MS ? h->in->now_ms : MIN_SPAN_MS;
        first = last - MIN_SPAN_MS;
    }
    if (last - first < MIN_SPAN_MS) {
        uint64_t mid = first + (last - first) / 2;
        first = mid > MIN_SPAN_MS / 2 ? mid - MIN_SPAN_MS / 2 : 0;
        last = first + MIN_SPAN_MS;
    }
    uint64_t pad = (last - first) / 50 > 500 ? (last - first) / 50 : 500;
    h->t0 = first > pad ? first - pad : 0;
    h->t1 = last + pad;
}

static unsigned bucket_of(const struct charts *h, uint64_t t)
{
    uint64_t i = (t - h->t0) * REPORT_CHART_POINTS / (h->t1 - h->t0 + 1u);
    return i < REPORT_CHART_POINTS ? (unsigned)i : REPORT_CHART_POINTS - 1u;
}

static void bucket_add(struct bucket *b, double lo, double hi, double mid, bool gap)
{
    if (!b->band) {
        *b = (struct bucket){.lo = lo, .hi = hi, .band = true, .gap = gap};
    }
    b->gap = b->gap || (gap && !b->n); // the bucket's first sample decides for the line
    b->lo = lo < b->lo ? lo : b->lo;
    b->hi = hi > b->hi ? hi : b->hi;
    b->sum += mid;
    b->n++;
}

// An exit's peak (the cgroup's, or the usage at an OOM kill) at its time: the band reaches
// it there, from the instance's last sample up (from 0 for an instance never sampled: it
// lived less than a tick). The usage at an OOM kill is a sample of usage too: the line
// goes up to it before it breaks.
static void exit_peak(struct charts *h, const struct walk *w, json_t *ev, uint64_t t)
{
    uint64_t peak = rpt_uint(ev, "memory_peak_bytes"), kill = rpt_uint(ev, "usage_at_kill_bytes");
    double v = (double)(kill > peak ? kill : peak) / mib;
    if (v <= 0 || t < h->t0 || t > h->t1) {
        return;
    }
    struct bucket *b = &h->mem[bucket_of(h, t)];
    bool joined = !w->brk && w->prev_ms && t - w->prev_ms <= h->gap_ms;
    double lo = !joined ? 0 : (w->prev_lo < v ? w->prev_lo : v);
    if (kill && h->fine) { // (a minute's bucket holds means: no point of its own there)
        bucket_add(b, lo, v, (double)kill / mib, !joined);
    } else if (b->band) {
        b->hi = maxd(b->hi, v);
        b->lo = lo < b->lo ? lo : b->lo;
    } else {
        *b = (struct bucket){.lo = lo, .hi = v, .band = true, .gap = !joined};
    }
    h->mem_top = maxd(h->mem_top, v);
}

// Merge the events up to upto_ms into the walk (with until_start, only up to the first
// start): in the 1 s series an exit or a start ends the previous instance's stretch; every
// exit's peak goes into the band.
static void walk_events(struct charts *h, struct walk *w, uint64_t upto_ms, bool until_start)
{
    json_t *ev;
    while ((ev = json_array_get(h->in->events, w->next_ev)) != NULL) {
        uint64_t t = rpt_ev_ms(ev);
        const char *type = rpt_str(ev, "type");
        if (t > upto_ms) {
            return;
        }
        w->next_ev++;
        bool exit = type && t && strcmp(type, "exit") == 0;
        bool start = type && t && strcmp(type, "start") == 0;
        if (exit) {
            exit_peak(h, w, ev, t);
        }
        w->running = start || (w->running && !exit);
        w->brk = w->brk || (h->fine && (exit || start));
        if (start && until_start) {
            return;
        }
    }
}

static void walk_sample(struct charts *h, struct walk *w, const struct sample *s)
{
    if (s->idle) {
        w->brk = true; // between an exit and a start: not a zero to draw
        return;
    }
    bool gap = w->brk || (w->prev_ms && s->t_ms - w->prev_ms > h->gap_ms);
    unsigned b = bucket_of(h, s->t_ms);
    bucket_add(&h->mem[b], s->mem_lo, s->mem_hi, s->mem_mid, gap);
    bucket_add(&h->pids[b], s->pids_lo, s->pids_hi, s->pids_mid, gap);
    h->mem_top = maxd(h->mem_top, s->mem_hi);
    h->pids_top = maxd(h->pids_top, s->pids_hi);
    w->brk = false;
    w->prev_ms = s->t_ms;
    w->prev_lo = s->mem_lo;
}

static void fill_series(struct charts *h)
{
    struct walk w = {0, false, false, 0, 0};
    struct sample s;
    if (!h->source) {
        return;
    }
    for (size_t i = 0; sample_at(h, i, &s); i++) {
        if (s.t_ms < h->t0 || s.t_ms > h->t1 || s.t_ms < w.prev_ms) {
            continue; // out of order: left out
        }
        // A 1 s sample is stamped with its whole second (history.c) but taken at some
        // moment in it: the events of that second come after it, unless nothing ran
        // before it, then it is of the instance that starts in that second.
        walk_events(h, &w, s.t_ms ? s.t_ms - 1 : 0, false);
        if (h->fine && !w.running) {
            walk_events(h, &w, s.t_ms + 999u, true);
        }
        walk_sample(h, &w, &s);
    }
    walk_events(h, &w, UINT64_MAX, false); // the exits after the last sample (and any
                                           // after an event stamped in the future)
}

static void fill_starts(struct charts *h)
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

static double px_x(const struct charts *h, uint64_t t)
{
    uint64_t c = t < h->t0 ? h->t0 : (t > h->t1 ? h->t1 : t);
    return PAD_L + PLOT_W * (double)(c - h->t0) / (double)(h->t1 - h->t0);
}

static double px_b(const struct charts *h, unsigned b)
{
    return px_x(h, h->t0 + (uint64_t)(((double)b + 0.5) * (double)(h->t1 - h->t0) /
                                      REPORT_CHART_POINTS));
}

static double px_y(const struct chart *c, double v)
{
    double f = v / c->vmax;
    f = f < 0 ? 0 : (f > 1 ? 1 : f);
    return PAD_T + PLOT_H * (1.0 - f);
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

static void y_axis(struct charts *h, const struct chart *c)
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

static void x_axis(struct charts *h)
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

static void chart_open(struct charts *h, const struct chart *c, const char *caption)
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

// One unbroken run of buckets [from, to) of the band: a column per bucket (at least
// 2 * COL_HALF_PX wide, 2 * LONE_HALF_PX when it is the only one), forward along the tops,
// back along the bottoms.
static void band_run(struct charts *h, const struct chart *c, const struct bucket *b, unsigned from,
                     unsigned to)
{
    unsigned cols = 0;
    for (unsigned k = from; k < to; k++) {
        cols += b[k].band;
    }
    const double half =
            maxd(PLOT_W / REPORT_CHART_POINTS / 2.0, cols > 1 ? COL_HALF_PX : LONE_HALF_PX);
    char pen = 'M';
    for (unsigned k = from; k < to; k++) {
        double x = px_b(h, k);
        if (b[k].band) {
            (void)fprintf(h->out, "%c%.1f %.1fH%.1f", pen, maxd(x - half, PAD_L), px_y(c, b[k].hi),
                          x + half > SVG_W - PAD_R ? SVG_W - PAD_R : x + half);
            pen = 'L';
        }
    }
    for (unsigned k = to; k-- > from;) {
        double x = px_b(h, k);
        if (b[k].band) {
            (void)fprintf(h->out, "L%.1f %.1fH%.1f",
                          x + half > SVG_W - PAD_R ? SVG_W - PAD_R : x + half, px_y(c, b[k].lo),
                          maxd(x - half, PAD_L));
        }
    }
    (void)fputc('Z', h->out);
}

static void band(struct charts *h, const struct chart *c, const struct bucket *b)
{
    (void)fprintf(h->out, "<path class=\"band\" d=\"");
    unsigned i = 0;
    while (i < REPORT_CHART_POINTS) {
        if (!b[i].band) {
            i++;
            continue;
        }
        unsigned end = i + 1;
        while (end < REPORT_CHART_POINTS && (!b[end].band || !b[end].gap)) {
            end++;
        }
        band_run(h, c, b, i, end);
        i = end;
    }
    (void)fprintf(h->out, "\"/>\n");
}

// The next bucket after i with samples, or REPORT_CHART_POINTS.
static unsigned next_sampled(const struct bucket *b, unsigned i)
{
    while (++i < REPORT_CHART_POINTS && !b[i].n) {
    }
    return i;
}

// The mean per bucket; a run of one sample is a 3 px dash.
static void line(struct charts *h, const struct chart *c, const struct bucket *b)
{
    (void)fprintf(h->out, "<path class=\"line\" d=\"");
    bool pen = false;
    for (unsigned i = b[0].n ? 0 : next_sampled(b, 0); i < REPORT_CHART_POINTS;) {
        unsigned next = next_sampled(b, i);
        double x = px_b(h, i), y = px_y(c, b[i].sum / b[i].n);
        bool start = !pen || b[i].gap;
        if (start && (next == REPORT_CHART_POINTS || b[next].gap)) {
            (void)fprintf(h->out, "M%.1f %.1fh3", x - 1.5, y); // alone
        } else {
            (void)fprintf(h->out, "%c%.1f %.1f", start ? 'M' : 'L', x, y);
        }
        pen = true;
        i = next;
    }
    (void)fprintf(h->out, "\"/>\n");
}

static void hline(struct charts *h, const struct chart *c, double v, const char *cls,
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

/* ---- the markers ---- */

// The symbol's outline around (x, y); a triangle points down at y.
static void sym_path(FILE *out, enum report_sym sym, double x, double y)
{
    switch (sym) {
    case REPORT_SYM_TRIANGLE:
        (void)fprintf(out, "M%.1f %.1fh11l-5.5 9z", x - 5.5, y - 9);
        break;
    case REPORT_SYM_DIAMOND:
        (void)fprintf(out, "M%.1f %.1fl5.5 6l-5.5 6l-5.5 -6z", x, y - 6);
        break;
    case REPORT_SYM_CIRCLE:
        (void)fprintf(out, "M%.1f %.1fa4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0z", x - 4.5, y);
        break;
    case REPORT_SYM_SQUARE:
        (void)fprintf(out, "M%.1f %.1fh9v9h-9z", x - 4.5, y - 4.5);
        break;
    case REPORT_SYM_NONE:
        break;
    }
}

static const struct report_mark *mark_of(json_t *ev, report_marks_fn *fn, char *title, size_t len,
                                         double *value)
{
    const char *type = rpt_str(ev, "type");
    char at[32];
    clock_of(rpt_ev_ms(ev), at);
    *value = -1;
    return type ? fn(ev, type, at, title, len, value) : NULL;
}

static void sym_at(FILE *out, const struct report_mark *m, double x, double y)
{
    if (m->sym != REPORT_SYM_NONE) {
        (void)fprintf(out, "<path class=\"sym %s\" d=\"", m->kind);
        sym_path(out, m->sym, x, y);
        (void)fputs("\"/>", out);
    }
}

// One marker: a group with the tooltip, the line across the plot and the symbol at the
// event's value (at the top when it has none; a triangle's tip stays inside the plot).
static void marker(struct charts *h, const struct chart *c, const struct report_mark *m, uint64_t t,
                   double value, const char *title)
{
    double x = px_x(h, t);
    double y = value >= 0 ? px_y(c, value) : PAD_T + 9;
    put(h->out, "<g><title>", title, "</title>");
    (void)fprintf(h->out, "<line class=\"mk %s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                  m->kind, x, PAD_T, x, SVG_H - PAD_B);
    sym_at(h->out, m, x, m->sym == REPORT_SYM_TRIANGLE && y < PAD_T + 9 ? PAD_T + 9 : y);
    (void)fprintf(h->out, "</g>\n");
}

// The markers fn picks, the newest REPORT_MARKERS_MAX of those in the window.
static void markers(struct charts *h, struct chart *c, report_marks_fn *fn)
{
    char title[TITLE_MAX];
    unsigned total = 0, seen = 0;
    double value;
    json_t *ev;
    size_t i;
    json_array_foreach(h->in->events, i, ev)
    {
        uint64_t t = rpt_ev_ms(ev);
        if (mark_of(ev, fn, title, sizeof(title), &value)) {
            bool in = t >= h->t0 && t <= h->t1;
            total += in;
            c->outside += !in;
        }
    }
    unsigned skip = total > REPORT_MARKERS_MAX ? total - REPORT_MARKERS_MAX : 0;
    c->capped = skip; // the oldest give way
    json_array_foreach(h->in->events, i, ev)
    {
        uint64_t t = rpt_ev_ms(ev);
        const struct report_mark *m = mark_of(ev, fn, title, sizeof(title), &value);
        if (!m || t < h->t0 || t > h->t1 || seen++ < skip) {
            continue;
        }
        marker(h, c, m, t, value, title);
    }
}

static void legend_key(struct charts *h, const char *colour, const char *text)
{
    (void)fprintf(h->out,
                  "<span class=\"lg\"><span class=\"key\" style=\"background:%s\"></span>%s</span>",
                  colour, text);
}

// A marker's legend entry: its line and symbol as a small inline SVG.
static void legend_mark(struct charts *h, const struct report_mark *m, const char *text)
{
    (void)fprintf(h->out,
                  "<span class=\"lg\"><svg class=\"icon\" viewBox=\"-8 -8 16 16\" width=\"16\" "
                  "height=\"16\" aria-hidden=\"true\"><path class=\"mk %s\" d=\"M0 -8V8\"/>",
                  m->kind);
    sym_at(h->out, m, 0, m->sym == REPORT_SYM_TRIANGLE ? 4.5 : 0);
    (void)fprintf(h->out, "</svg>%s</span>", text);
}

static void chart_close(struct charts *h, const struct chart *c)
{
    if (c->outside || c->capped) {
        (void)fprintf(h->out, " Not drawn:");
    }
    if (c->capped) {
        (void)fprintf(h->out, " %u older markers past the cap of %u per chart%s", c->capped,
                      REPORT_MARKERS_MAX, c->outside ? ";" : ".");
    }
    if (c->outside) {
        (void)fprintf(h->out, " %u marked events outside the window or without a time.",
                      c->outside);
    }
    (void)fprintf(h->out, "</p></figure>\n");
}

/* ---- the charts ---- */

// Open the chart and draw the series (band and line), or say there is none.
static void series_chart(struct charts *h, const struct chart *c, const char *caption,
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

// memory_restart when the caller has no config: the newest memory-restart's threshold.
static uint64_t restart_seen(const struct charts *h)
{
    for (size_t i = json_array_size(h->in->events); i-- > 0;) {
        json_t *ev = json_array_get(h->in->events, i);
        const char *type = rpt_str(ev, "type");
        if (type && strcmp(type, "memory-restart") == 0) {
            return rpt_uint(ev, "threshold_bytes");
        }
    }
    return 0;
}

static void memory_chart(struct charts *h)
{
    json_t *mem = json_object_get(h->report, "memory");
    uint64_t lim = h->in->memory_max_bytes ? h->in->memory_max_bytes : rpt_uint(mem, "limit_bytes");
    uint64_t rst = h->in->memory_restart_bytes ? h->in->memory_restart_bytes : restart_seen(h);
    struct chart c = {"memory-chart", "memory against time", "memory (MiB)", 0, 0, 0};
    double top = maxd(h->mem_top, maxd((double)lim, (double)rst) / mib);
    top = maxd(top, (double)rpt_uint(mem, "max_kill_bytes") / mib);
    c.vmax = top > 0 ? top * 1.1 : 1.0;
    series_chart(h, &c, "Memory (MiB) against time of day (UTC)", h->mem);
    char a[32], label[64];
    rpt_mib(lim, a, sizeof(a));
    (void)snprintf(label, sizeof(label), "memory_max %s", a);
    hline(h, &c, (double)lim / mib, "lim", label);
    rpt_mib(rst, a, sizeof(a));
    (void)snprintf(label, sizeof(label), "memory_restart %s", a);
    hline(h, &c, (double)rst / mib, "rst", label);
    markers(h, &c, report_marks_memory);
    (void)fprintf(h->out, "</svg>\n<p class=\"note\">");
    char usage[64];
    (void)snprintf(usage, sizeof(usage), "usage (%s; mean per point)",
                   h->source ? h->source : "no history");
    legend_key(h, "#1565c0", usage);
    legend_key(h, "#90caf9", "band: least to largest usage or peak, exits' peaks included");
    legend_mark(h, &report_marks_oom, "OOM kill");
    legend_mark(h, &report_marks_rtoom, "runtime OOM");
    legend_mark(h, &report_marks_mrst, "memory-restart");
    legend_mark(h, &report_marks_leak, "leak suspected");
    (void)fprintf(h->out, ". %s. Hover a marker for details.",
                  h->source ? "Gaps: no instance ran" : "No history");
    chart_close(h, &c);
}

static void pids_chart(struct charts *h)
{
    json_t *pids = json_object_get(h->report, "pids");
    uint64_t max = h->in->pids_max ? h->in->pids_max : rpt_uint(pids, "max");
    struct chart c = {"pids-chart", "processes against time", "processes", 0, 0, 0};
    double top = maxd(h->pids_top, (double)max);
    c.vmax = top > 0 ? top * 1.1 : 1.0;
    series_chart(h, &c, "Processes against time of day (UTC)", h->pids);
    char label[48];
    (void)snprintf(label, sizeof(label), "pids_max %llu", (unsigned long long)max);
    hline(h, &c, (double)max, "lim", label);
    markers(h, &c, report_marks_pids);
    (void)fprintf(h->out, "</svg>\n<p class=\"note\">");
    legend_key(h, "#1565c0", "processes");
    legend_mark(h, &report_marks_oom, "process storm (killed)");
    legend_mark(h, &report_marks_warn, "pids-warn, fork failures.");
    chart_close(h, &c);
}

static void restarts_chart(struct charts *h)
{
    unsigned last = h->cum[REPORT_CHART_POINTS - 1];
    struct chart c = {"restarts-chart", "starts against time", "starts", 0, 0, 0};
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
    markers(h, &c, report_marks_starts);
    char starts[64];
    (void)snprintf(starts, sizeof(starts), "starts (%u in the window, %u before it)", last,
                   h->starts_before);
    (void)fprintf(h->out, "</svg>\n<p class=\"note\">");
    legend_key(h, "#455a64", starts);
    legend_mark(h, &report_marks_oom, "OOM kill");
    legend_mark(h, &report_marks_rtoom, "runtime OOM");
    legend_mark(h, &report_marks_warn, "failed exit");
    legend_mark(h, &report_marks_exit, "clean exit.");
    chart_close(h, &c);
}

int report_svg_charts(json_t *report, const struct report_input *in, FILE *out)
{
    struct charts *h = calloc(1, sizeof(*h)); // ~41 KiB of buckets: off the stack
    if (!h) {
        return -ENOMEM;
    }
    h->out = out;
    h->report = report;
    h->in = in;
    window(h);
    fill_series(h);
    fill_starts(h);
    (void)fprintf(out, "<h2>Charts</h2>\n");
    memory_chart(h);
    pids_chart(h);
    restarts_chart(h);
    free(h);
    return 0;
}
