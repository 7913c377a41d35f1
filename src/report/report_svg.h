/* SPDX-License-Identifier: MIT */
/* The SVG charts of `warden report --html` (report_svg.c), split from the page around them
 * (report_html.c). Internal to the report module: only report.h is a public API. */
#ifndef WARDEN_REPORT_SVG_H
#define WARDEN_REPORT_SVG_H

#include <stdio.h>

#include <jansson.h>

#include "report.h"

/* Write s to out with & < > " ' escaped, for HTML text, attributes and SVG alike; NULL
 * writes nothing. Write errors show in ferror(out). */
void report_svg_esc(FILE *out, const char *s);

/* The page's "Charts" section: memory (id "memory-chart"), pids ("pids-chart") and starts
 * ("restarts-chart") over one window that spans the history and the journal events near
 * it, each series downsampled into REPORT_CHART_POINTS buckets (a min-max band plus the
 * mean line, broken wherever no instance ran), with at most REPORT_MARKERS_MAX event
 * markers per chart (the rest counted on the page). report and in are borrowed. Returns 0,
 * or -ENOMEM (nothing written); write errors show in ferror(out). */
int report_svg_charts(json_t *report, const struct report_input *in, FILE *out);

#endif
