/* SPDX-License-Identifier: MIT */
/* Growth of one instance's memory from its start to its end, from its 1 s points, and the
 * run of instances that each grew at a like rate until memory ended them: a leak across
 * instances (incident 002's 595 restarts: a leak fast enough to be recycled every few
 * seconds never shows a trend within one instance). Pure: no I/O, no clock. */
#ifndef WARDEN_GROWTH_H
#define WARDEN_GROWTH_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"

struct growth_point {
    uint64_t t_ms; /* since the instance started */
    uint64_t mem_bytes;
};

/* One instance: its first point, and a ring of the newest GROWTH_POINTS - 1 after it. */
struct growth {
    struct growth_point first;
    struct growth_point ring[GROWTH_POINTS - 1];
    unsigned count; /* points added (the first included), saturating */
    unsigned next;  /* ring slot of the next point */
};

void growth_reset(struct growth *g);
/* A 1 s point of the running instance (t_ms since its start). */
void growth_add(struct growth *g, uint64_t t_ms, uint64_t mem_bytes);

/* The instance ended at end_ms (since start) with its peak usage end_bytes. true when it
 * grew all along: at least two points before the end, growth in the earlier and in the later
 * part of its life, the later rate at least half and at most three times the earlier (no
 * plateau, no late jump); rate (bytes/s) from its first point to the end. */
bool growth_linear(const struct growth *g, uint64_t end_ms, uint64_t end_bytes, double *rate);

/* The newest instances ended by memory (memory_restart, an OOM kill, a runtime OOM). */
struct growth_runs {
    double rate[LEAK_RUNS]; /* bytes/s */
    uint64_t life_ms[LEAK_RUNS];
    unsigned count; /* consecutive such instances (saturating) */
    unsigned next;
};

void growth_runs_reset(struct growth_runs *r);
/* An instance ended by memory that grew linearly at rate, living life_ms. */
void growth_runs_push(struct growth_runs *r, double rate, uint64_t life_ms);
/* LEAK_RUNS instances in a row, each rate within a factor 1.5 of their median: true, with the
 * median rate and the median life. */
bool growth_runs_leak(const struct growth_runs *r, double *rate, uint64_t *life_ms);

#endif
