/* SPDX-License-Identifier: MIT */
/* Per-service guards: restart before the OOM killer (memory_restart), the kernel throttle
 * point (memory_high), the leak trend, and the process guard (pids_warn snapshot,
 * pids_kill freeze + snapshot + kill, fork failures at pids_max). Driven by the v1 usage
 * threshold eventfd where the kernel has one, else by adaptive sampling: one timer per
 * service, faster as usage nears a threshold, two small cgroup reads a sample whatever the
 * number of processes in the service. */
#ifndef WARDEN_GUARD_H
#define WARDEN_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"
#include "trend.h"

struct service;

struct pids_point {
    uint64_t t_ms;
    uint64_t pids;
};

struct guard {
    int sample_fd;    /* timerfd; -1 when the service has no guard */
    int mem_event_fd; /* v1 usage-threshold eventfd for memory_restart, or -1 */
    int psi_fd;       /* PSI trigger on the service's memory.pressure: wakes the sampler */
    int events_fd;    /* v2: inotify on memory.events (high/max hit): wakes the sampler */
    bool active;      /* an instance is running and watched */
    bool mem_fired;   /* memory_restart fired for this instance */
    bool high_seen;   /* v1: memory_high crossed (journalled once) */
    bool pids_warned; /* above pids_warn (re-armed below 90% of it) */
    bool storm_fired; /* pids_kill fired for this instance */
    bool leak_reported;
    uint64_t trend_period_ms; /* sample period feeding the trend */
    uint64_t last_trend_ms;
    uint64_t fork_fail_seen; /* pids.events max at the last report */
    uint64_t fork_fail_report_ms;
    struct pids_point rate[FORK_RATE_POINTS]; /* fork_rate: recent pids, a ring */
    unsigned rate_head, rate_len;
    uint64_t rate_growth; /* growth over the window at the last sample */
    struct trend trend;
    struct trend_fit leak; /* the fit when the leak was reported */
    uint64_t sample_count;
    uint64_t last_sample_ms;
    uint64_t mem_seen_max;         /* highest usage sampled since the last history tick */
    uint64_t wake_pressure;        /* samples the PSI trigger asked for */
    uint64_t wake_events;          /* samples a memory.events change asked for */
    uint64_t memory_restart_count; /* over the service's life */
    uint64_t storm_count;
};

/* Create the sample timer when cfg enables a guard. 0 or -errno. */
int guard_init(struct service *svc);
void guard_fini(struct service *svc);
/* A new instance runs (cgroup created, process spawned): arm what is configured. */
void guard_start(struct service *svc);
/* The instance is ending: stop watching it. */
void guard_stop(struct service *svc);
/* The limit that will end an instance first: the runtime's heap cap (when warden knows it),
 * memory_restart or memory_max, whichever is lowest; 0 when none. *name (when not NULL):
 * "runtime heap", "memory_restart", "memory_max" or NULL. */
uint64_t guard_binding_limit(const struct service *svc, const char **name);
/* The process-tree snapshot of the instance's cgroup (snapshot_json), or {"error": ...}.
 * New reference. */
json_t *guard_snapshot(struct service *svc);
/* {"memory_restarts", "process_storms", "leak": {...} or null}. New reference. */
json_t *guard_status_json(const struct service *svc);

#endif
