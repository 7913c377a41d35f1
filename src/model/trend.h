/* SPDX-License-Identifier: MIT */
/* Leak trend: a fixed ring of window minima of memory usage (the minima ignore garbage-
 * collector saw teeth), and a least-squares line through them giving the growth rate and
 * the time until a limit. Pure: no I/O, no clock; times come in as arguments. */
#ifndef WARDEN_TREND_H
#define WARDEN_TREND_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"

struct trend {
    uint64_t window_min_bytes; /* minimum of the window being filled */
    uint64_t window_start_ms;
    unsigned window_samples;
    unsigned samples_per_window;
    uint64_t t_ms[LEAK_POINTS]; /* ring of window minima: time (end of window) */
    uint64_t v_bytes[LEAK_POINTS];
    unsigned count; /* points in the ring (<= LEAK_POINTS) */
    unsigned next;
};

struct trend_fit {
    double rate_bytes_per_s; /* slope of the fitted line */
    double r2;               /* goodness of fit, 0..1 */
    unsigned points;
    double eta_s; /* seconds until the line reaches limit; < 0 when not growing or no limit */
};

/* Start empty; samples_per_window >= 1 samples make one minimum. */
void trend_init(struct trend *t, unsigned samples_per_window);
/* Add a sample; returns true when it closed a window (a new point exists). */
bool trend_add(struct trend *t, uint64_t now_ms, uint64_t usage_bytes);
/* Fit the points; false when fewer than min_points. limit_bytes 0: no ETA. */
bool trend_fit(const struct trend *t, unsigned min_points, uint64_t limit_bytes,
               struct trend_fit *fit);
/* A leak worth reporting: enough points, a good fit, real growth. */
bool trend_is_leak(const struct trend_fit *fit);

#endif
