// SPDX-License-Identifier: MIT
// Instance growth and the leak across instances (growth.h).
#include "growth.h"

#include <string.h>

void growth_reset(struct growth *g)
{
    memset(g, 0, sizeof(*g));
}

void growth_add(struct growth *g, uint64_t t_ms, uint64_t mem_bytes)
{
    struct growth_point p = {t_ms, mem_bytes};
    if (g->count == 0) {
        g->first = p;
    } else {
        g->ring[g->next] = p;
        g->next = (g->next + 1) % (GROWTH_POINTS - 1);
    }
    if (g->count < UINT32_MAX) {
        g->count++;
    }
}

static double slope(const struct growth_point *a, const struct growth_point *b)
{
    if (b->t_ms <= a->t_ms) {
        return 0;
    }
    return ((double)b->mem_bytes - (double)a->mem_bytes) * 1000.0 / (double)(b->t_ms - a->t_ms);
}

bool growth_linear(const struct growth *g, uint64_t end_ms, uint64_t end_bytes, double *rate)
{
    if (g->count < 2) {
        return false;
    }
    // the kept points, oldest first: the first, then the ring from its oldest slot
    struct growth_point pts[GROWTH_POINTS + 1];
    unsigned n = 0, kept = g->count - 1 < GROWTH_POINTS - 1 ? g->count - 1 : GROWTH_POINTS - 1;
    pts[n++] = g->first;
    for (unsigned i = 0; i < kept; i++) {
        unsigned slot = (g->next + (GROWTH_POINTS - 1) - kept + i) % (GROWTH_POINTS - 1);
        pts[n++] = g->ring[slot];
    }
    struct growth_point end = {end_ms, end_bytes};
    if (end_ms <= pts[n - 1].t_ms) {
        return false;
    }
    pts[n++] = end;
    // the point nearest the middle of the span splits the life in an earlier and a later part
    uint64_t mid_t = pts[0].t_ms + (end_ms - pts[0].t_ms) / 2;
    unsigned mid = 1;
    for (unsigned i = 1; i + 1 < n; i++) {
        uint64_t d = pts[i].t_ms > mid_t ? pts[i].t_ms - mid_t : mid_t - pts[i].t_ms;
        uint64_t best = pts[mid].t_ms > mid_t ? pts[mid].t_ms - mid_t : mid_t - pts[mid].t_ms;
        mid = d < best ? i : mid;
    }
    double early = slope(&pts[0], &pts[mid]), late = slope(&pts[mid], &pts[n - 1]);
    if (early <= 0 || late <= 0 || late < early * 0.5 || late > early * 3.0) {
        return false;
    }
    *rate = slope(&pts[0], &pts[n - 1]);
    return *rate > 0;
}

void growth_runs_reset(struct growth_runs *r)
{
    memset(r, 0, sizeof(*r));
}

void growth_runs_push(struct growth_runs *r, double rate, uint64_t life_ms)
{
    r->rate[r->next] = rate;
    r->life_ms[r->next] = life_ms;
    r->next = (r->next + 1) % LEAK_RUNS;
    if (r->count < UINT32_MAX) {
        r->count++;
    }
}

// Median of LEAK_RUNS values (a copy sorted by insertion: LEAK_RUNS is small).
static double median_d(const double *v)
{
    double s[LEAK_RUNS];
    for (unsigned i = 0; i < LEAK_RUNS; i++) {
        unsigned j = i;
        for (; j > 0 && s[j - 1] > v[i]; j--) {
            s[j] = s[j - 1];
        }
        s[j] = v[i];
    }
    return s[LEAK_RUNS / 2];
}

bool growth_runs_leak(const struct growth_runs *r, double *rate, uint64_t *life_ms)
{
    if (r->count < LEAK_RUNS) {
        return false;
    }
    double med = median_d(r->rate);
    for (unsigned i = 0; i < LEAK_RUNS; i++) {
        if (!(r->rate[i] > 0) || r->rate[i] > med * 1.5 || r->rate[i] < med / 1.5) {
            return false;
        }
    }
    double lives[LEAK_RUNS];
    for (unsigned i = 0; i < LEAK_RUNS; i++) {
        lives[i] = (double)r->life_ms[i];
    }
    *rate = med;
    *life_ms = (uint64_t)median_d(lives);
    return true;
}
