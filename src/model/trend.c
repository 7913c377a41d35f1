// SPDX-License-Identifier: MIT
// Least squares over window minima. Why minima: a garbage-collected heap saws up and down
// between collections; its floor is what grows when something leaks (incident 002: event
// state re-serialised on every mutation grew the floor to 4 GB).
#include "trend.h"

#include <string.h>

#define LEAK_MIN_R2       0.8   // the points lie close to a line
#define LEAK_MIN_RATE_BPS 4096. // below 4 KiB/s growth, ignore (allocator noise)

void trend_init(struct trend *t, unsigned samples_per_window)
{
    memset(t, 0, sizeof(*t));
    t->samples_per_window = samples_per_window ? samples_per_window : 1;
}

bool trend_add(struct trend *t, uint64_t now_ms, uint64_t usage_bytes)
{
    if (t->window_samples == 0 || usage_bytes < t->window_min_bytes) {
        t->window_min_bytes = usage_bytes;
    }
    if (t->window_samples == 0) {
        t->window_start_ms = now_ms;
    }
    if (++t->window_samples < t->samples_per_window) {
        return false;
    }
    t->t_ms[t->next] = now_ms;
    t->v_bytes[t->next] = t->window_min_bytes;
    t->next = (t->next + 1) % LEAK_POINTS;
    if (t->count < LEAK_POINTS) {
        t->count++;
    }
    t->window_samples = 0;
    return true;
}

bool trend_fit(const struct trend *t, unsigned min_points, uint64_t limit_bytes,
               struct trend_fit *fit)
{
    memset(fit, 0, sizeof(*fit));
    fit->eta_s = -1;
    fit->points = t->count;
    if (t->count < min_points || t->count < 2) {
        return false;
    }
    // Centre on the oldest point so doubles keep their precision with epoch-sized times.
    unsigned first = (t->next + LEAK_POINTS - t->count) % LEAK_POINTS;
    double t0 = (double)t->t_ms[first], v0 = (double)t->v_bytes[first];
    double n = t->count, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (unsigned i = 0; i < t->count; i++) {
        unsigned k = (first + i) % LEAK_POINTS;
        double x = ((double)t->t_ms[k] - t0) / 1000.0, y = (double)t->v_bytes[k] - v0;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
    }
    double vx = n * sxx - sx * sx, vy = n * syy - sy * sy, cxy = n * sxy - sx * sy;
    if (vx <= 0) {
        return false; // all points at one instant
    }
    fit->rate_bytes_per_s = cxy / vx;
    fit->r2 = vy > 0 ? (cxy * cxy) / (vx * vy) : 0;
    unsigned last = (t->next + LEAK_POINTS - 1) % LEAK_POINTS;
    double now_v = (double)t->v_bytes[last];
    if (limit_bytes && fit->rate_bytes_per_s > 0 && now_v < (double)limit_bytes) {
        fit->eta_s = ((double)limit_bytes - now_v) / fit->rate_bytes_per_s;
    }
    return true;
}

bool trend_is_leak(const struct trend_fit *fit)
{
    return fit->points >= 6 && fit->r2 >= LEAK_MIN_R2 && fit->rate_bytes_per_s >= LEAK_MIN_RATE_BPS;
}
