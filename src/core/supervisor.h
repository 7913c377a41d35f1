/* SPDX-License-Identifier: MIT */
/* The supervisor: owns the loop, signals (signalfd), reaping (PID 1 / subreaper), the
 * cgroup backend, the journal and the control socket, and the table of services.
 * `warden run` and `warden daemon` are both a supervisor; run exits with its service. */
#ifndef WARDEN_SUPERVISOR_H
#define WARDEN_SUPERVISOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"
#include "cgroup.h"
#include "config.h"
#include "control.h"
#include "guard_host.h"
#include "journal.h"
#include "loop.h"
#include "service.h"

struct metrics_server;
struct kmsg;

/* Test-only knobs, read from the environment once, at sup_init (hooks_from_env), and only
 * there: the modules read these fields, never getenv. Unit tests set the fields directly. */
struct test_hooks {
    unsigned trend_sample_ms; /* WARDEN_TREND_SAMPLE_MS (10..1000): a leak seen in seconds */
    bool no_wakeups;          /* WARDEN_TEST_NO_WAKEUPS: the guard's bare sampler (no PSI,
                                 no memory.events watch) */
    bool no_threshold;        /* WARDEN_TEST_NO_THRESHOLD: no v1 usage eventfd (v2's path) */
    const char *meminfo_path; /* /proc/meminfo, or WARDEN_TEST_MEMINFO's fake (meminfo.h) */
};

struct supervisor {
    struct loop *loop;
    struct warden_config *cfg;
    struct warden_config *spare_cfg; /* the buffer the next reload reads into (reload.c) */
    struct cgroup_sys cgs;
    struct journal journal;
    bool journal_ok;
    int journal_timer;
    bool journal_timer_armed;
    int sigfd;
    int devnull_fd; /* stdin of daemon services */
    sigset_t orig_mask;
    unsigned service_count;
    bool prefix_output; /* more than one service: prefix each output line with the name */
    bool run_mode;      /* `warden run`: exit with the service */
    bool is_pid1;
    bool shutting_down;
    int shutdown_signal;
    bool ctl_ok;
    uint64_t rng;
    uint64_t orphans_reaped;
    uint64_t journal_errors;
    unsigned stale_groups, stale_procs; /* a dead warden's groups removed at start, and the
                                           processes killed in them (journalled) */
    struct host_guard host;
    int history_timer;              /* 1 s history tick (observe.c) */
    int metrics_timer;              /* libmicrohttpd's next timeout */
    struct metrics_server *metrics; /* NULL when [warden] metrics is unset */
    uint64_t start_wall_ms;
    struct kmsg *kmsg;    /* OOM victims from the kernel's log; NULL when it cannot be read */
    int notify_fd;        /* sd_notify datagrams (service_ready.c); -1 when no service wants it */
    char notify_path[40]; /* NOTIFY_SOCKET for services: "@warden/PID/notify" */
    uint64_t notify_ignored; /* datagrams from processes that are no service's */
    struct test_hooks hooks; /* test-only knobs, from the environment at sup_init */
    /* last, and not zeroed by sup_init (static storage is zero already; service_init and
     * control_open set up what they use), so idle slots and buffers stay unmapped */
    struct service services[SERVICES_MAX];
    struct control ctl;
};

/* Set up everything before the loop (fatal errors are returned, not raised). 0 or -errno;
 * msg gets a human reason on failure. */
int sup_init(struct supervisor *sup, struct warden_config *cfg, bool run_mode, char *msg,
             size_t msg_len);

/* Start services and run the loop until shutdown (daemon) or until the service settles
 * (run), then sup_fini. Returns the process exit code. */
int sup_run(struct supervisor *sup);

/* Release what a successful sup_init set up: the services' fds and cgroups, warden's group,
 * the host guard, the control and notify sockets, the journal (what it still holds in
 * memory is written if the disk takes it, else said on stderr), the signalfd and the loop.
 * For sup_run's end and for tests that drive a supervisor without sup_run. */
void sup_fini(struct supervisor *sup);

/* Read the config file again and apply the difference (reload.c). *summary: {"changed",
 * "added", "removed", "ignored": [names]} (new reference) on success. 0, or -errno with err
 * saying why (an invalid file: its first error, file:line; nothing was changed). */
int sup_reload(struct supervisor *sup, json_t **summary, char *err, size_t errlen);

/* Journal events held in memory while its disk refused them: write them now if it takes
 * them (observe.c's 1 s tick calls it). */
void sup_journal_retry(struct supervisor *sup);
/* Journal one event {"service": svc, "type": type, ...fields} (fields is stolen; may be
 * NULL). urgent: fsync now. Never fails the caller: errors are counted and logged. */
void sup_event(struct supervisor *sup, const struct service *svc, const char *type, json_t *fields,
               bool urgent);

/* 32 random bits (xorshift seeded from getrandom) for backoff jitter. */
uint32_t sup_random(struct supervisor *sup);

/* A service reached stopped or failed; the supervisor may finish a shutdown or a run. */
void sup_service_settled(struct supervisor *sup, struct service *svc);

/* Reap every exited child (waitpid(-1, WNOHANG) until none) and dispatch to services. */
void sup_reap(struct supervisor *sup);

#endif
