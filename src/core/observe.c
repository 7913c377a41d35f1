// SPDX-License-Identifier: MIT
// History tick and metrics: one timerfd samples every running service once a second (two
// cgroup reads each, whatever its process count) into its history file; the metrics server
// (libmicrohttpd, external epoll mode) answers scrapes from the same state as `status`.
#include "observe.h"

#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "io.h"
#include "log.h"
#include "logfile.h"
#include "loop.h"
#include "meminfo.h"
#include "metrics.h"
#include "supervisor.h"

#define HISTORY_TICK_MS 1000u
#define PROC_READ_BYTES 2048u // /proc/meminfo's first lines, /proc/pressure/memory

static void on_history_tick(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    (void)timer_drain(fd);
    uint64_t wall = clock_wall_ms();
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        uint64_t mem = 0, pids = 0;
        if (!(svc->pid > 0 || svc->state == SVC_DRAINING) ||
            cgroup_sample(&sup->cgs, &svc->cg, &mem, &pids) < 0) {
            continue; // not running: a gap, not a zero
        }
        if (svc->pid > 0) {
            service_tick(svc, mem, pids); // the instance's growth; the end of a crash loop
        }
        if (svc->hist.fd < 0) {
            continue;
        }
        // the peak of the second: the guard's samples since the last tick, and this one
        uint64_t peak = svc->guard.mem_seen_max > mem ? svc->guard.mem_seen_max : mem;
        svc->guard.mem_seen_max = 0;
        (void)history_record(&svc->hist, wall, mem, peak,
                             pids > UINT32_MAX ? UINT32_MAX : (uint32_t)pids);
    }
    sup_journal_retry(sup);
}

static void open_history(struct supervisor *sup)
{
    const char *dir = sup->cfg->state_dir;
    const char *names[SERVICES_MAX];
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        names[i] = svc->cfg->name;
        int rc = history_open(&svc->hist, dir, svc->cfg->name);
        if (rc < 0) {
            log_warnx("%s: no history (%s/history/%s.hist: %s); report will have no charts",
                      svc->cfg->name, dir, svc->cfg->name, strerror(-rc));
        } else if (svc->hist.recreated) {
            log_warnx("%s: history file was damaged and is started afresh", svc->cfg->name);
        }
    }
    int pruned = history_prune(dir, names, sup->service_count, 0, clock_wall_ms());
    if (pruned > 0) {
        log_info("removed %d history files of services gone for 7 days", pruned);
    }
}

// The 1 s tick runs with or without history files: it also feeds each instance's growth
// and ends crash loops (service_tick).
static void start_tick(struct supervisor *sup)
{
    sup->history_timer = timer_create_fd();
    if (sup->history_timer >= 0 &&
        loop_add(sup->loop, sup->history_timer, EPOLLIN, on_history_tick, sup) == 0) {
        (void)timer_arm_periodic_ms(sup->history_timer, HISTORY_TICK_MS); // no re-arm a tick
    }
}

static void run_metrics(struct supervisor *sup)
{
    (void)metrics_server_run(sup->metrics);
    int64_t t = metrics_server_timeout_ms(sup->metrics);
    // timer_arm_ms(.., 0) disarms: "now" is 1 ms
    (void)timer_arm_ms(sup->metrics_timer, t < 0 ? 0 : (t == 0 ? 1 : (uint64_t)t));
}

static void on_metrics(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    if (fd == sup->metrics_timer) {
        (void)timer_drain(fd);
    }
    run_metrics(sup);
}

static int fill_metrics(char *buf, size_t size, void *ctx)
{
    return observe_metrics_text(ctx, buf, size);
}

static int start_metrics(struct supervisor *sup, char *msg, size_t msg_len)
{
    char err[256];
    int rc = metrics_server_start(&sup->metrics, sup->cfg->metrics, fill_metrics, sup, err,
                                  sizeof(err));
    if (rc < 0) {
        (void)snprintf(msg, msg_len, "%s", err);
        return rc;
    }
    sup->metrics_timer = timer_create_fd();
    if (sup->metrics_timer < 0) {
        (void)snprintf(msg, msg_len, "metrics: %s", strerror(-sup->metrics_timer));
        return sup->metrics_timer;
    }
    rc = loop_add(sup->loop, metrics_server_fd(sup->metrics), EPOLLIN, on_metrics, sup);
    if (rc == 0) {
        rc = loop_add(sup->loop, sup->metrics_timer, EPOLLIN, on_metrics, sup);
    }
    if (rc < 0) {
        (void)snprintf(msg, msg_len, "metrics: %s", strerror(-rc));
        return rc;
    }
    log_info("serving metrics on http://%s/metrics", sup->cfg->metrics);
    run_metrics(sup);
    return 0;
}

void observe_add(struct supervisor *sup, struct service *svc)
{
    history_close(&svc->hist);
    int rc = history_open(&svc->hist, sup->cfg->state_dir, svc->cfg->name);
    if (rc < 0) {
        log_warnx("%s: no history (%s/history/%s.hist: %s); report will have no charts",
                  svc->cfg->name, sup->cfg->state_dir, svc->cfg->name, strerror(-rc));
    }
}

int observe_init(struct supervisor *sup, char *msg, size_t msg_len)
{
    sup->history_timer = sup->metrics_timer = -1;
    sup->metrics = NULL;
    sup->start_wall_ms = clock_wall_ms();
    for (unsigned i = 0; i < sup->service_count; i++) {
        sup->services[i].hist.fd = -1;
    }
    if (sup->cfg->state_dir[0]) {
        open_history(sup);
    }
    start_tick(sup);
    return sup->cfg->metrics[0] ? start_metrics(sup, msg, msg_len) : 0;
}

void observe_fini(struct supervisor *sup)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        history_close(&sup->services[i].hist);
    }
    loop_close(sup->loop, &sup->history_timer);
    if (sup->metrics) {
        loop_del(sup->loop, metrics_server_fd(sup->metrics));
        metrics_server_stop(sup->metrics);
        sup->metrics = NULL;
    }
    loop_close(sup->loop, &sup->metrics_timer);
}

/* ---- the snapshot ---- */

static void host_figures(const struct supervisor *sup, struct metrics_snapshot *s)
{
    char buf[PROC_READ_BYTES];
    struct meminfo mi;
    if (meminfo_read(sup->hooks.meminfo_path, &mi) == 0) { // the host guard's (its test fake)
        s->host_memory_total_bytes = mi.total_bytes;
        s->host_memory_available_bytes = mi.available_bytes;
    }
    s->host_memory_pressure_full_avg10 = -1; // no PSI: the family is left out
    if (io_read_text("/proc/pressure/memory", buf, sizeof(buf)) > 0) {
        const char *full = strstr(buf, "full avg10=");
        if (full) {
            s->host_memory_pressure_full_avg10 = strtod(full + 11, NULL) / 100.0;
        }
    }
    if (io_read_text("/proc/self/statm", buf, sizeof(buf)) > 0) {
        unsigned long long size = 0, resident = 0;
        if (sscanf(buf, "%llu %llu", &size, &resident) == 2) {
            s->warden_rss_bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
        }
    }
}

static void service_figures(struct service *svc, struct metrics_service *m)
{
    const struct guard *g = &svc->guard;
    struct cgroup_stats st = svc->last_stats;
    bool live = svc->pid > 0 || svc->state == SVC_DRAINING;
    if (live) {
        (void)cgroup_stats(&svc->sup->cgs, &svc->cg, &st);
    }
    *m = (struct metrics_service){
            .name = svc->cfg->name,
            .state = service_state_name(svc->state),
            .memory_bytes = live ? st.memory_current_bytes : 0,
            .memory_peak_bytes = st.memory_peak_bytes,
            .memory_limit_bytes = svc->cfg->memory_max_bytes,
            .memory_restart_bytes = svc->cfg->memory_restart_bytes,
            .pids = live ? st.pids_current : 0,
            .pids_limit = svc->cfg->pids_max,
            .restarts_total = svc->starts ? svc->starts - 1 : 0,
            .oom_kills_total = svc->oom_kills_total,
            .runtime_ooms_total = svc->runtime_oom_total,
            .daemonized_total = svc->daemonized_total,
            .escapes_total = svc->escapes_total,
            .memory_restarts_total = g->memory_restart_count,
            .process_storms_total = g->storm_count,
            .exits_total = svc->starts - (svc->pid > 0 ? 1 : 0),
            .crash_looping = svc->crashloop,
            .leak_suspected = g->leak_reported || svc->leak_across,
            .leak_bytes_per_second = g->leak_reported ? g->leak.rate_bytes_per_s : 0,
            .leak_seconds_to_limit = g->leak_reported ? g->leak.eta_s : -1,
            .log_dropped_lines_total = svc->log ? svc->log->dropped_lines : 0,
            .uptime_seconds =
                    svc->pid > 0 ? (double)(clock_mono_ms() - svc->start_mono_ms) / 1000.0 : 0,
    };
}

// A leak across instances: the rate the instances share, and the time the running one has
// left before the limit that ends them (refreshed at every scrape).
static void leak_across_figures(struct service *svc, struct metrics_service *m)
{
    if (!svc->leak_across || m->leak_bytes_per_second > 0) {
        return;
    }
    uint64_t limit = guard_binding_limit(svc, NULL);
    m->leak_bytes_per_second = svc->leak_across_rate;
    m->leak_seconds_to_limit =
            limit && svc->leak_across_rate > 0
                    ? (m->memory_bytes < limit ? (double)(limit - m->memory_bytes) : 0.0) /
                              svc->leak_across_rate
                    : -1;
}

int observe_metrics_text(struct supervisor *sup, char *buf, size_t size)
{
    struct metrics_service services[SERVICES_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (!sup->services[i].removed) { // gone from the config at a reload
            service_figures(&sup->services[i], &services[n]);
            leak_across_figures(&sup->services[i], &services[n++]);
        }
    }
    struct metrics_snapshot s = {
            .services = services,
            .nservices = n,
            .journal_events_total = sup->journal_ok ? sup->journal.appended_count : 0,
            .journal_write_errors_total = sup->journal_errors,
            .journal_held_events = sup->journal_ok ? sup->journal.spill_lines : 0,
            .journal_dropped_events_total = sup->journal_ok ? sup->journal.dropped_count : 0,
            .warden_start_time_seconds = (double)sup->start_wall_ms / 1000.0,
            .version = WARDEN_VERSION,
            .cgroup_mode = cgroup_kind_name(sup->cgs.kind),
    };
    host_figures(sup, &s);
    if (sup->metrics) {
        s.metrics_requests_total = metrics_server_requests(sup->metrics);
        s.metrics_rejected_total = metrics_server_rejected(sup->metrics);
    }
    return metrics_format(&s, buf, size);
}
