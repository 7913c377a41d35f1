/* SPDX-License-Identifier: MIT */
/* `warden report`: the diagnosis of one service from its journal events, its live status
 * and its memory/pids history: a one-line verdict, a collapsed timeline, every exit
 * classified, and recommendations with their evidence (memory_max sized by the Kubernetes
 * VPA recommender's rule). Pure: no I/O but the FILE the renderers write to, no clock
 * (now_ms comes in). One JSON document (schema "warden.report/1", docs/report-schema.md)
 * is rendered as text or as a self-contained HTML page with inline SVG charts. */
#ifndef WARDEN_REPORT_H
#define WARDEN_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define REPORT_SCHEMA "warden.report/1"

#include "bounds.h" // REPORT_TIMELINE_MAX, REPORT_EXITS_MAX and the report's other caps

#define REPORT_RECENT_MS     3600000u /* "in the last hour" */
#define REPORT_MIN_INTERVALS 10u      /* minutes of history before per-minute peaks are used */

/* One 1 s history sample. */
struct report_point {
    uint64_t t_ms; /* wall clock, ms since the epoch */
    uint64_t mem_bytes;
    uint64_t mem_peak_bytes;
    uint32_t pids;
};

/* One 1 min history aggregate. */
struct report_minute {
    uint64_t t_ms; /* start of the minute, wall clock ms */
    uint64_t mem_min, mem_avg, mem_max, mem_peak_max;
    uint32_t pids_min, pids_avg, pids_max;
};

/* What the caller gathers (all borrowed for the call). */
struct report_input {
    const char *service;
    const char *command; /* the service's configured command line, or NULL (optional) */
    json_t *status; /* this service's object from `warden status --json`, or NULL (daemon down) */
    json_t *events; /* JSON array of this service's journal events, oldest first (bounded by
                     * the caller); NULL or not an array reads as no events */
    const struct report_point *fine; /* oldest first, may be 0 */
    size_t nfine;
    const struct report_minute *coarse; /* oldest first, may be 0 */
    size_t ncoarse;
    uint64_t memory_max_bytes, memory_restart_bytes, pids_max; /* from config; 0 unknown/unset */
    uint64_t stable_after_ms;    /* from config; 0: unknown (10 min, the default, is assumed) */
    uint64_t heap_cap_bytes;     /* the runtime's heap cap (runtime_heap_cap), 0: unknown; status's
                                    runtime_heap.cap wins when the daemon answers */
    const char *heap_cap_source; /* where that cap comes from, or NULL */
    const char *heap_auto_flag;  /* what runtime_heap = auto would pass ("--max-old-space-size=
                                    385"), or NULL */
    uint64_t now_ms;             /* wall clock */
};

/* Build the report (schema in docs/report-schema.md). Returns a new reference, or NULL
 * when out of memory. Work and output are bounded by the REPORT_* caps whatever the
 * input's size; strings from the journal are copied as they are (the renderers escape). */
json_t *report_build(const struct report_input *in);

/* Human text: verdict first, then other findings, state, recommendations, timeline, the
 * newest REPORT_TEXT_EXITS exits. Returns 0 or -EIO (a write failed). */
int report_text(json_t *report, FILE *out);

/* One self-contained HTML page (inline CSS and SVG; no script, no external resource): the
 * report plus charts of memory (id "memory-chart"), pids (id "pids-chart") and restarts
 * (id "restarts-chart") drawn from in's series (fine when it has 2 points, else coarse),
 * each downsampled into REPORT_CHART_POINTS time buckets, with at most REPORT_MARKERS_MAX
 * event markers per chart. Every string is HTML-escaped. Returns 0, -ENOMEM or -EIO (a
 * write failed). */
int report_html(json_t *report, const struct report_input *in, FILE *out);

/* Parse the journal's time format ("2026-11-23T05:00:00.123Z"; the fraction is optional)
 * into wall-clock ms since the epoch. 0 or -EINVAL. */
int report_parse_time(const char *s, uint64_t *ms);

#endif
