/* SPDX-License-Identifier: MIT */
/* Which journal events the report's charts mark, as what, with which tooltip
 * (report_marks.c); report_svg.c draws them. Internal to the report module: only report.h
 * is a public API. */
#ifndef WARDEN_REPORT_MARKS_H
#define WARDEN_REPORT_MARKS_H

#include <stddef.h>

#include <jansson.h>

/* The symbol drawn at a marker's value, one per kind of memory event. */
enum report_sym {
    REPORT_SYM_NONE,
    REPORT_SYM_TRIANGLE, /* pointing down at the value: OOM kill, process storm */
    REPORT_SYM_DIAMOND,  /* runtime OOM */
    REPORT_SYM_CIRCLE,   /* memory-restart */
    REPORT_SYM_SQUARE,   /* leak suspected */
};

/* A kind of marker: its CSS class ("mk KIND" on the line, "sym KIND" on the symbol). */
struct report_mark {
    const char *kind; /* one word: oom, rtoom, mrst, leak, warn, exit */
    enum report_sym sym;
};

extern const struct report_mark report_marks_oom, report_marks_rtoom, report_marks_mrst,
        report_marks_leak, report_marks_warn, report_marks_exit;

/* A chart's choice of markers: for one journal event of `type` (at = its "YYYY-MM-DD
 * HH:MM:SS" time), the kind of marker, or NULL when the chart does not mark it. Fills
 * title (NUL-terminated, cut at len; not escaped) and *value, the height of its symbol in
 * the chart's unit (MiB, processes), left alone (< 0: at the top) when the event has none.
 * Strings from the event are quoted at most RPT_QUOTE_MAX bytes. */
typedef const struct report_mark *report_marks_fn(json_t *ev, const char *type, const char *at,
                                                  char *title, size_t len, double *value);

/* Memory: OOM kills (exit kind "oom-killed"), runtime OOMs (an exit with a "runtime_oom"
 * object {"runtime", "line"}; the field may be absent), memory-restarts, leak-suspected. */
const struct report_mark *report_marks_memory(json_t *ev, const char *type, const char *at,
                                              char *title, size_t len, double *value);
/* Pids: process storms (killed), pids-warn, fork failures. */
const struct report_mark *report_marks_pids(json_t *ev, const char *type, const char *at,
                                            char *title, size_t len, double *value);
/* Starts chart: every exit, as OOM kill, runtime OOM, failed or clean. */
const struct report_mark *report_marks_starts(json_t *ev, const char *type, const char *at,
                                              char *title, size_t len, double *value);

#endif
