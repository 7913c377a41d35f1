// SPDX-License-Identifier: MIT
// The per-service guards (incidents 000-003): act before the kernel's OOM killer, stop a
// fork storm whole, and see a leak coming. Sampling is adaptive (earlyoom's approach):
// the interval shrinks with the distance to the nearest threshold, sized for 1 GiB/s of
// growth and 50 forks/ms, between GUARD_SAMPLE_MIN_MS and GUARD_SAMPLE_MAX_MS.
#include "guard.h"

#include <sys/epoll.h>
#include <sys/inotify.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "loop.h"
#include "service.h"
#include "snapshot.h"
#include "supervisor.h"

#define TREND_PERIOD_MS     1000u   // one trend sample a second (10 s windows)
#define FORK_FAIL_REPORT_MS 10000u  // at most one fork-failure event per 10 s
#define PIDS_WARN_REARM_PCT 90u     // below 90% of pids_warn, a new crossing warns again
#define PSI_STALL_US        20000u  // wake the sampler after 20 ms of memory stall...
#define PSI_WINDOW_US       500000u // ...within 500 ms (the kernel's shortest window)
#define WAKE_MIN_GAP_MS     10u     // woken samples closer than this are skipped

static bool has_guard(const struct svc_config *c)
{
    return c->memory_restart_bytes || c->memory_high_bytes || c->pids_warn || c->pids_kill ||
           c->fork_rate || c->memory_max_bytes || c->pids_max;
}

// Test-only (struct test_hooks): a shorter trend period, so a test sees a leak in seconds.
static uint64_t trend_period(const struct supervisor *sup)
{
    unsigned v = sup->hooks.trend_sample_ms;
    return v && v <= TREND_PERIOD_MS ? v : TREND_PERIOD_MS;
}

static void on_sample(struct loop *loop, int fd, uint32_t events, void *ctx);
static void on_mem_event(struct loop *loop, int fd, uint32_t events, void *ctx);
static void on_wake(struct loop *loop, int fd, uint32_t events, void *ctx);

int guard_init(struct service *svc)
{
    struct guard *g = &svc->guard;
    g->sample_fd = g->mem_event_fd = g->psi_fd = g->events_fd = -1;
    if (!has_guard(svc->cfg) || svc->sup->cgs.kind == CGROUP_NONE) {
        return 0;
    }
    g->trend_period_ms = trend_period(svc->sup);
    g->sample_fd = timer_create_fd();
    if (g->sample_fd < 0) {
        return g->sample_fd;
    }
    return loop_add(svc->sup->loop, g->sample_fd, EPOLLIN, on_sample, svc);
}

static void close_watch(struct service *svc, int *fd)
{
    loop_close(svc->sup->loop, fd);
}

static void close_event_fd(struct service *svc)
{
    struct guard *g = &svc->guard;
    close_watch(svc, &g->mem_event_fd);
    close_watch(svc, &g->psi_fd);
    close_watch(svc, &g->events_fd);
}

// fd from a cgroup_* watch call: add it to the loop, or close it; returns it or -1.
static int add_watch(struct service *svc, int fd, uint32_t events,
                     void (*cb)(struct loop *, int, uint32_t, void *))
{
    if (fd >= 0 && loop_add(svc->sup->loop, fd, events, cb, svc) == 0) {
        return fd;
    }
    if (fd >= 0) {
        (void)close(fd);
    }
    return -1;
}

/* Where the kernel gives no usage threshold (v2), memory pressure and memory.events changes
 * wake the sampler early; the adaptive timer stays the backstop. */
static void arm_wakeups(struct service *svc)
{
    struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    if (!(c->memory_restart_bytes || c->memory_high_bytes || c->memory_max_bytes) ||
        svc->sup->hooks.no_wakeups) { // test-only: measure the bare sampler
        return;
    }
    struct cgroup_sys *cgs = &svc->sup->cgs;
    g->psi_fd = add_watch(svc, cgroup_psi_trigger(cgs, &svc->cg, PSI_STALL_US, PSI_WINDOW_US),
                          EPOLLPRI, on_wake);
    g->events_fd = add_watch(svc, cgroup_memory_events_watch(cgs, &svc->cg), EPOLLIN, on_wake);
}

void guard_fini(struct service *svc)
{
    struct guard *g = &svc->guard;
    close_event_fd(svc);
    close_watch(svc, &g->sample_fd);
}

void guard_start(struct service *svc)
{
    struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    g->mem_seen_max = 0; // the last instance's peak is not this one's (history's peak column)
    if (g->sample_fd < 0) {
        return;
    }
    g->active = true;
    g->mem_fired = g->high_seen = g->pids_warned = g->storm_fired = g->leak_reported = false;
    g->last_trend_ms = 0;
    g->fork_fail_seen = 0;
    // The cgroup starts empty: a service that forks 500 processes in its first second
    // crosses fork_rate = 200/s as surely as one that does so later.
    g->rate[0] = (struct pids_point){clock_mono_ms(), 0};
    g->rate_head = 1;
    g->rate_len = 1;
    g->rate_growth = 0;
    trend_init(&g->trend, LEAK_WINDOW_SAMPLES);
    // hybrid: the kernel says when usage crosses memory_restart; sampling is the backstop.
    // WARDEN_TEST_NO_THRESHOLD (test-only) leaves it out to measure v2's path on hybrid.
    if (c->memory_restart_bytes && !svc->sup->hooks.no_threshold) {
        g->mem_event_fd = add_watch(
                svc, cgroup_mem_threshold(&svc->sup->cgs, &svc->cg, c->memory_restart_bytes),
                EPOLLIN, on_mem_event);
    }
    arm_wakeups(svc);
    (void)timer_arm_ms(g->sample_fd, GUARD_SAMPLE_MIN_MS);
}

void guard_stop(struct service *svc)
{
    struct guard *g = &svc->guard;
    g->active = false;
    close_event_fd(svc);
    if (g->sample_fd >= 0) {
        (void)timer_arm_ms(g->sample_fd, 0);
    }
}

/* ---- actions ---- */

static void memory_restart(struct service *svc, uint64_t usage, const char *how)
{
    struct guard *g = &svc->guard;
    g->mem_fired = true;
    g->memory_restart_count++;
    const struct svc_config *c = svc->cfg;
    log_warnx("%s: memory %llu bytes crossed memory_restart %llu: restarting before the OOM "
              "killer",
              c->name, (unsigned long long)usage, (unsigned long long)c->memory_restart_bytes);
    service_guard_restart(svc, "memory-restart",
                          json_pack("{s:I, s:I, s:I, s:s}", "usage_bytes", (json_int_t)usage,
                                    "threshold_bytes", (json_int_t)c->memory_restart_bytes,
                                    "max_bytes", (json_int_t)c->memory_max_bytes, "detected_by",
                                    how));
}

json_t *guard_snapshot(struct service *svc)
{
    static struct snapshot snap; // 1.6 KiB; one snapshot at a time (single-threaded)
    int dirfd = cgroup_procs_dirfd(&svc->cg);
    if (dirfd < 0 || snapshot_take(dirfd, "/proc", &snap) < 0) {
        return json_pack("{s:s}", "error", "unable to read the process list");
    }
    return snapshot_json(&snap, "/proc");
}

// trigger: "pids_kill" (pids >= threshold) or "fork_rate" (grew by >= threshold within 1 s).
static void process_storm(struct service *svc, uint64_t pids, const char *trigger,
                          uint64_t threshold, uint64_t growth)
{
    struct guard *g = &svc->guard;
    g->storm_fired = true;
    g->storm_count++;
    // Freeze first so nothing forks while we look and while the kill walks the tree.
    bool frozen = cgroup_freeze(&svc->sup->cgs, &svc->cg, true) == 0;
    json_t *snap = guard_snapshot(svc);
    const char *summary = json_string_value(json_object_get(snap, "summary"));
    log_warnx("%s: process storm: %llu processes (%llu more within 1 s), %s %llu (%s): killing "
              "the cgroup",
              svc->cfg->name, (unsigned long long)pids, (unsigned long long)growth, trigger,
              (unsigned long long)threshold, summary ? summary : "?");
    json_t *ev = json_pack("{s:I, s:I, s:s, s:I, s:b, s:o}", "pids", (json_int_t)pids, "threshold",
                           (json_int_t)threshold, "trigger", trigger, "growth_1s",
                           (json_int_t)growth, "frozen", frozen, "snapshot", snap);
    service_guard_kill(svc, "process-storm", ev);
}

static void pids_warn(struct service *svc, uint64_t pids)
{
    svc->guard.pids_warned = true;
    json_t *snap = guard_snapshot(svc);
    const char *summary = json_string_value(json_object_get(snap, "summary"));
    log_warnx("%s: %llu processes crossed pids_warn %llu: %s", svc->cfg->name,
              (unsigned long long)pids, (unsigned long long)svc->cfg->pids_warn,
              summary ? summary : "?");
    sup_event(svc->sup, svc, "pids-warn",
              json_pack("{s:I, s:I, s:o}", "pids", (json_int_t)pids, "threshold",
                        (json_int_t)svc->cfg->pids_warn, "snapshot", snap),
              false);
}

// Forks refused at pids_max: the service is in trouble even if it has not died.
static void check_fork_failures(struct service *svc, uint64_t now_ms)
{
    struct guard *g = &svc->guard;
    struct cgroup_stats st;
    if (cgroup_stats(&svc->sup->cgs, &svc->cg, &st) < 0 || st.pids_max_hits <= g->fork_fail_seen ||
        now_ms - g->fork_fail_report_ms < FORK_FAIL_REPORT_MS) {
        return;
    }
    uint64_t delta = st.pids_max_hits - g->fork_fail_seen;
    g->fork_fail_seen = st.pids_max_hits;
    g->fork_fail_report_ms = now_ms;
    log_warnx("%s: %llu forks refused at pids_max %llu", svc->cfg->name, (unsigned long long)delta,
              (unsigned long long)svc->cfg->pids_max);
    sup_event(svc->sup, svc, "fork-failures",
              json_pack("{s:I, s:I, s:I}", "refused", (json_int_t)delta, "refused_total",
                        (json_int_t)st.pids_max_hits, "pids_max", (json_int_t)svc->cfg->pids_max),
              false);
}

uint64_t guard_binding_limit(const struct service *svc, const char **name)
{
    const struct svc_config *c = svc->cfg;
    uint64_t best = 0;
    const char *which = NULL;
    const struct {
        uint64_t bytes;
        const char *name;
    } limits[] = {
            {svc->heap_cap_bytes, "runtime heap"},
            {c->memory_restart_bytes, "memory_restart"},
            {c->memory_max_bytes, "memory_max"},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        if (limits[i].bytes && (!best || limits[i].bytes < best)) {
            best = limits[i].bytes;
            which = limits[i].name;
        }
    }
    if (name) {
        *name = which;
    }
    return best;
}

static void check_leak(struct service *svc, uint64_t now_ms, uint64_t mem)
{
    struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    if (!trend_add(&g->trend, now_ms, mem)) {
        return;
    }
    uint64_t limit = guard_binding_limit(svc, NULL);
    struct trend_fit fit;
    bool fitted = trend_fit(&g->trend, 6, limit, &fit);
    if (g->leak_reported) {
        if (fitted && fit.rate_bytes_per_s > 0) {
            g->leak = fit; // status and the metrics follow each trend update
        }
        return;
    }
    if (!fitted || !trend_is_leak(&fit)) {
        return;
    }
    g->leak_reported = true;
    g->leak = fit;
    char advice[200];
    (void)snprintf(advice, sizeof(advice),
                   "memory grows steadily at %.0f KiB/s%s: a bigger limit only postpones the "
                   "crash",
                   fit.rate_bytes_per_s / 1024.0, fit.eta_s >= 0 ? " toward its limit" : "");
    log_warnx("%s: leak suspected: %s (ETA %.0f s)", c->name, advice, fit.eta_s);
    const char *lname = NULL;
    (void)guard_binding_limit(svc, &lname);
    json_t *ev = json_pack("{s:s, s:f, s:f, s:i, s:I, s:I, s:s, s:s}", "scope", "within-instance",
                           "rate_bytes_per_s", fit.rate_bytes_per_s, "r2", fit.r2, "points",
                           (int)fit.points, "usage_bytes", (json_int_t)mem, "limit_bytes",
                           (json_int_t)limit, "limit", lname ? lname : "none", "advice", advice);
    (void)json_object_set_new(ev, "eta_s", fit.eta_s >= 0 ? json_real(fit.eta_s) : json_null());
    sup_event(svc->sup, svc, "leak-suspected", ev, false);
}

/* Net growth of the process count over the last FORK_RATE_WINDOW_MS. The kernel keeps no
 * per-cgroup fork counter, so this is pids.current now against the least of the points kept
 * over the window (one per 1/16 of it): a process that is forked and exits between two
 * samples is not seen, a storm that accumulates processes (incident 003) is. */
static uint64_t pids_growth(struct guard *g, uint64_t now_ms, uint64_t pids)
{
    const uint64_t step = FORK_RATE_WINDOW_MS / FORK_RATE_POINTS;
    uint64_t least = pids;
    for (unsigned i = 0; i < g->rate_len; i++) {
        const struct pids_point *p =
                &g->rate[(g->rate_head + FORK_RATE_POINTS - 1 - i) % FORK_RATE_POINTS];
        if (now_ms - p->t_ms > FORK_RATE_WINDOW_MS) {
            break;
        }
        least = p->pids < least ? p->pids : least;
    }
    const struct pids_point *last =
            g->rate_len ? &g->rate[(g->rate_head + FORK_RATE_POINTS - 1) % FORK_RATE_POINTS] : NULL;
    if (!last || now_ms - last->t_ms >= step) { // at most one point per step: the ring spans 1 s
        g->rate[g->rate_head] = (struct pids_point){now_ms, pids};
        g->rate_head = (g->rate_head + 1) % FORK_RATE_POINTS;
        g->rate_len += g->rate_len < FORK_RATE_POINTS;
    }
    return pids - least;
}

// Time until the next sample: the nearest threshold decides.
static uint64_t next_interval(const struct service *svc, uint64_t mem, uint64_t pids,
                              uint64_t now_ms)
{
    const struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    uint64_t iv = g->trend_period_ms - (now_ms - g->last_trend_ms) % g->trend_period_ms;
    uint64_t mib = 1u << 20;
    if (c->memory_restart_bytes && !g->mem_fired && g->mem_event_fd < 0 &&
        mem < c->memory_restart_bytes) {
        uint64_t ms = (c->memory_restart_bytes - mem) / (mib * GUARD_ASSUMED_MIB_PER_MS);
        iv = ms < iv ? ms : iv;
    }
    if (c->pids_kill && !g->storm_fired && pids < c->pids_kill) {
        uint64_t ms = (c->pids_kill - pids) / GUARD_ASSUMED_FORKS_PER_MS;
        iv = ms < iv ? ms : iv;
    }
    if (c->pids_warn && !g->pids_warned && pids < c->pids_warn) {
        uint64_t ms = (c->pids_warn - pids) / GUARD_ASSUMED_FORKS_PER_MS;
        iv = ms < iv ? ms : iv;
    }
    if (c->fork_rate && !g->storm_fired) {
        // A point every 1/16 s keeps the window whole; once the count grows, sample as for
        // pids_kill, by the distance left to the limit.
        uint64_t ms = FORK_RATE_WINDOW_MS / FORK_RATE_POINTS;
        if (g->rate_growth && g->rate_growth < c->fork_rate) {
            uint64_t left = (c->fork_rate - g->rate_growth) / GUARD_ASSUMED_FORKS_PER_MS;
            ms = left < ms ? left : ms;
        }
        iv = ms < iv ? ms : iv;
    }
    return iv < GUARD_SAMPLE_MIN_MS ? GUARD_SAMPLE_MIN_MS
                                    : (iv > GUARD_SAMPLE_MAX_MS ? GUARD_SAMPLE_MAX_MS : iv);
}

static void check_memory_high(struct service *svc, uint64_t mem)
{
    struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    if (!c->memory_high_bytes || g->high_seen || mem < c->memory_high_bytes ||
        svc->sup->cgs.kind != CGROUP_HYBRID) {
        return;
    }
    // v1 cannot throttle: say it crossed (v2's memory.high throttles in the kernel)
    g->high_seen = true;
    sup_event(svc->sup, svc, "memory-high",
              json_pack("{s:I, s:I}", "usage_bytes", (json_int_t)mem, "threshold_bytes",
                        (json_int_t)c->memory_high_bytes),
              false);
}

// One sample: returns false when a guard acted (the instance is going away).
static bool sample(struct service *svc, uint64_t now_ms, const char *via, uint64_t *mem,
                   uint64_t *pids)
{
    struct guard *g = &svc->guard;
    const struct svc_config *c = svc->cfg;
    if (cgroup_sample(&svc->sup->cgs, &svc->cg, mem, pids) < 0) {
        return true; // the cgroup is being torn down; the next start re-arms
    }
    g->sample_count++;
    g->last_sample_ms = now_ms;
    g->mem_seen_max = *mem > g->mem_seen_max ? *mem : g->mem_seen_max;
    uint64_t growth = c->fork_rate ? pids_growth(g, now_ms, *pids) : 0;
    g->rate_growth = growth;
    if (c->pids_kill && !g->storm_fired && *pids >= c->pids_kill) {
        process_storm(svc, *pids, "pids_kill", c->pids_kill, growth);
        return false;
    }
    if (c->fork_rate && !g->storm_fired && growth >= c->fork_rate) {
        process_storm(svc, *pids, "fork_rate", c->fork_rate, growth);
        return false;
    }
    if (c->memory_restart_bytes && !g->mem_fired && *mem >= c->memory_restart_bytes) {
        memory_restart(svc, *mem, g->mem_event_fd >= 0 ? "sample (threshold raced)" : via);
        return false;
    }
    if (c->pids_warn && !g->pids_warned && *pids >= c->pids_warn) {
        pids_warn(svc, *pids);
    } else if (g->pids_warned && *pids * 100 < c->pids_warn * PIDS_WARN_REARM_PCT) {
        g->pids_warned = false;
    }
    check_memory_high(svc, *mem);
    if (now_ms - g->last_trend_ms >= g->trend_period_ms) {
        g->last_trend_ms = now_ms;
        if (c->memory_max_bytes || c->memory_restart_bytes) {
            check_leak(svc, now_ms, *mem);
        }
        if (c->pids_max) {
            check_fork_failures(svc, now_ms);
        }
    }
    return true;
}

static void on_sample(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    (void)timer_drain(fd);
    if (!svc->guard.active) {
        return;
    }
    uint64_t now = clock_mono_ms(), mem = 0, pids = 0;
    if (sample(svc, now, "sample", &mem, &pids) && svc->guard.active) {
        (void)timer_arm_ms(fd, next_interval(svc, mem, pids, now));
    }
}

// Memory pressure or a memory.events change: sample now, then re-arm the timer from there.
static void on_wake(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    struct guard *g = &svc->guard;
    bool psi = fd == g->psi_fd;
    if (!psi) {
        char buf[4 * sizeof(struct inotify_event)]; // a watch on a file: events carry no name
        while (read(fd, buf, sizeof(buf)) > 0) {
        }
    }
    uint64_t now = clock_mono_ms(), mem = 0, pids = 0;
    if (!g->active || now - g->last_sample_ms < WAKE_MIN_GAP_MS) {
        return; // bounded: at most one woken sample per WAKE_MIN_GAP_MS
    }
    (void)(psi ? g->wake_pressure++ : g->wake_events++);
    if (sample(svc, now, psi ? "pressure" : "memory.events", &mem, &pids) && g->active) {
        (void)timer_arm_ms(g->sample_fd, next_interval(svc, mem, pids, now));
    }
}

static void on_mem_event(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    uint64_t n;
    while (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
    }
    uint64_t mem = 0, pids = 0;
    if (!svc->guard.active || svc->guard.mem_fired ||
        cgroup_sample(&svc->sup->cgs, &svc->cg, &mem, &pids) < 0) {
        return;
    }
    if (mem >= svc->cfg->memory_restart_bytes) { // the eventfd fires on crossing either way
        memory_restart(svc, mem, "threshold");
    }
}

json_t *guard_status_json(const struct service *svc)
{
    const struct guard *g = &svc->guard;
    json_t *leak = json_null();
    if (g->leak_reported) {
        leak = json_pack("{s:f, s:f}", "rate_bytes_per_s", g->leak.rate_bytes_per_s, "r2",
                         g->leak.r2);
        (void)json_object_set_new(leak, "eta_s",
                                  g->leak.eta_s >= 0 ? json_real(g->leak.eta_s) : json_null());
    }
    return json_pack("{s:I, s:I, s:o, s:{s:s, s:I, s:I}}", "memory_restarts",
                     (json_int_t)g->memory_restart_count, "process_storms",
                     (json_int_t)g->storm_count, "leak", leak, "detection", "memory",
                     g->mem_event_fd >= 0 ? "threshold"
                     : g->psi_fd >= 0     ? "sampled+pressure"
                                          : "sampled",
                     "pressure_wakeups", (json_int_t)g->wake_pressure, "events_wakeups",
                     (json_int_t)g->wake_events);
}
