/* SPDX-License-Identifier: MIT */
/* One supervised service: the state machine (state x event, one service_handle), its
 * process, cgroup, timer and output pipes. Every transition is journalled. */
#ifndef WARDEN_SERVICE_H
#define WARDEN_SERVICE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cgroup.h"
#include "config.h"
#include "growth.h"
#include "guard.h"
#include "history.h"
#include "logs.h"
#include "policy.h"

enum svc_state {
    SVC_STOPPED,
    SVC_STARTING,
    SVC_RUNNING,
    SVC_DRAINING,
    SVC_BACKOFF,
    SVC_CRASHLOOP,
    SVC_FAILED,
    SVC_STATE_COUNT,
};

enum svc_event {
    SVC_EV_START,   /* operator (or startup) asks for it to run */
    SVC_EV_STOP,    /* operator or shutdown asks for it to stop */
    SVC_EV_RESTART, /* operator asks for stop then start */
    SVC_EV_EXEC_OK, /* the child's exec succeeded */
    SVC_EV_EXIT,    /* the main process was reaped (wait_status set) */
    SVC_EV_TIMER,   /* the service timer fired (drain deadline, empty re-check, backoff,
                       start timeout) */
    SVC_EV_READY,   /* readiness came (sd_notify READY=1, or a tcp/http probe passed) */
    /* a guard's verdict (svc->verdict: why, and the journal event's fields): */
    SVC_EV_GUARD_RESTART, /* replace the instance gracefully (memory_restart) */
    SVC_EV_GUARD_KILL,    /* kill the whole cgroup, a failure (pids_kill, watchdog, host) */
    SVC_EV_GUARD_DRAIN,   /* SIGTERM, then SIGKILL after drain, a failure (host guard,
                             start_timeout of an overlap's replacement, a superseded one) */
    SVC_EVENT_COUNT,
};

/* The payload of a guard event: the reason (the journal event's type, e.g.
 * "process-storm") and its fields (owned until the event is handled or dropped). */
struct svc_verdict {
    const char *reason;
    json_t *fields;
};

struct supervisor;
struct outtail;

struct service {
    struct supervisor *sup;
    const struct svc_config *cfg;
    bool removed;    /* gone from the config at a reload: stopped, kept out of status */
    bool retiring;   /* an old instance drains beside this one (service_overlap.c) */
    unsigned cg_gen; /* 0: the cgroup is NAME, 1: NAME@1 (overlapping instances alternate) */
    enum svc_state state;
    pid_t pid; /* main process, 0 when none */
    int pidfd;
    int exec_fd;
    int timer_fd;
    int out_fd; /* read ends of the output pipes; -1 when output is inherited */
    int err_fd;
    int log_timer_fd;    /* resumes reading a stream paused by the rate limit; -1 until used */
    unsigned log_paused; /* bit 0: out_fd, bit 1: err_fd not read until log_timer_fd fires */
    struct cgroup_svc cg;
    uint64_t start_mono_ms;
    uint64_t start_wall_ms;
    uint64_t starts;
    uint64_t oom_kills_total;
    uint64_t oom_base; /* cgroup oom_kill count when this instance started */
    struct failure_ring failures;
    bool crashloop;              /* crash-looping: CRASHLOOP_FAILURES consecutive failures and not
                                    yet stable_after of healthy uptime (a condition, not a state:
                                    it holds while a brief instance runs) */
    uint64_t runtime_oom_total;  /* instances ended by their runtime's own out-of-memory death */
    uint64_t daemonized_total;   /* instances whose main process exited leaving processes behind */
    uint64_t escapes_total;      /* times the main process was found outside its cgroup */
    uint64_t escape_pids;        /* the task count at the last escape check, and the ticks */
    unsigned escape_ticks;       /* since: checked when it changes, else every 10 s */
    bool deterministic;          /* the crash loop's last failures are alike and quick */
    struct growth growth;        /* this instance's 1 s memory points (growth.h) */
    struct growth_runs mem_runs; /* the newest instances ended by memory, growing linearly */
    bool leak_across;            /* a leak across instances is suspected (journalled once) */
    double leak_across_rate;     /* its rate, bytes/s, and how long each instance lives */
    uint64_t leak_across_life_ms;
    char left_top[64];       /* the last exit left processes: the top command ("memcached") */
    uint64_t heap_cap_bytes; /* the runtime's heap cap warden knows of (runtime_heap.h), 0 */
    bool has_memstat;        /* last_memstat is the last memory death's breakdown */
    struct cgroup_memstat last_memstat;
    struct cgroup_memstat inst_memstat; /* this instance's, read at its highest 1 s usage */
    uint64_t inst_memstat_usage;        /* the usage it was read at; 0: none yet */
    uint64_t inst_memstat_ms;           /* when (monotonic) */
    uint64_t last_memstat_usage;        /* last_memstat's usage, and how long before the exit */
    uint64_t last_memstat_before_ms;
    bool has_last_exit;
    struct exit_info last_exit;
    uint64_t last_exit_wall_ms;
    uint64_t last_uptime_ms;
    int last_wait_status;
    struct cgroup_stats last_stats; /* at the last exit */
    pid_t oom_pid;                  /* the last exit's OOM victim from the kernel's log, */
    char oom_comm[17];              /* 0 / "" when unknown */
    uint64_t oom_rss_bytes;
    /* the instance being stopped or torn down */
    bool stop_requested;
    const char *stop_reason;
    bool restart_after; /* start again once the teardown is complete */
    bool drain_expired;
    bool exec_failed;
    int exec_stage;
    int exec_errno;
    int wait_status;
    unsigned empty_checks;
    uint64_t next_start_mono_ms;
    uint64_t last_backoff_ms;
    char reason[420];         /* why the service is failed or crash-looping */
    const char *guard_reason; /* a guard is killing this instance ("process-storm") */
    bool guard_restart;       /* this instance is being replaced by memory_restart */
    unsigned kill_graces;     /* KILL_GRACE_MS periods waited after SIGKILL */
    struct guard guard;
    struct svc_verdict verdict; /* the guard event being handled (SVC_EV_GUARD_*) */
    struct history hist;        /* memory and pids, a point a second (observe.c) */
    int listen_fds[LISTEN_MAX]; /* the cfg->listen sockets warden holds, once bound */
    unsigned listen_open;       /* how many are bound: all, or none after a failure */
    int probe_fd;               /* tcp/http readiness probe in flight, or -1 */
    uint64_t probe_sent_ms;     /* when it was sent */
    bool overlap_again;         /* a restart came during the overlap: another one once it settles */
    bool probe_owned;           /* overlap: the replacement itself accepted the probe */
    uint64_t probe_foreign;     /* overlap: probes the old instance accepted (status) */
    int ready_timer_fd;         /* probes while starting, the watchdog once ready; -1 until used */
    bool notified_ready;        /* READY=1 came for this instance */
    bool exec_ok;               /* this instance's exec succeeded */
    uint64_t watchdog_pings;    /* WATCHDOG=1 for this instance */
    char notify_status[64];     /* the last STATUS= it sent */
    struct logfile *log;        /* captured output; NULL when log_max = off or it failed */
    int log_error;              /* errno why the log file could not be opened, else 0 */
    /* output line buffers (pointers into a table of service.c: kept out of this struct so
     * idle services stay on few pages) */
    struct linebuf *out_lb;
    struct linebuf *err_lb;
    struct outtail *tail; /* the live instance's last output lines (outtail.h) */
};

const char *service_state_name(enum svc_state s);
const char *service_event_name(enum svc_event e);

/* Prepare svc (no process started). Creates its timerfd and registers it. 0 or -errno. */
int service_init(struct service *svc, struct supervisor *sup, const struct svc_config *cfg);
/* A reload gave svc a different config (cfg): from now on it is used; the guard, the log
 * file and (when the addresses changed) the listen sockets are set up anew. The running
 * instance, if any, is not touched: the caller restarts it. */
void service_reconfigure(struct service *svc, const struct svc_config *cfg);

/* Release fds (after the service has settled). */
void service_fini(struct service *svc);

/* The state machine: every (state, event) pair is handled here. */
void service_handle(struct service *svc, enum svc_event ev);

/* The 1 s tick of a live instance with its memory usage and task count (observe.c's history
 * tick). */
void service_tick(struct service *svc, uint64_t mem_bytes, uint64_t pids);

/* Called by the reaper when svc's main pid was reaped. */
void service_reaped(struct service *svc, int wait_status);

/* Send sig to the main process only (pidfd when available). */
void service_signal(struct service *svc, int sig);

/* Stop with a specific first signal (SIGTERM for stop; a forwarded SIGINT/SIGQUIT on
 * shutdown of `warden run`). */
void service_stop_with(struct service *svc, int sig, const char *reason);

/* A guard's verdict, handed to the state machine as the event ev (SVC_EV_GUARD_*): a
 * graceful restart (memory_restart: drain, then start again), a kill of the whole cgroup
 * that counts as the service's failure (pids_kill, watchdog), or a drain (SIGTERM, then
 * SIGKILL after `drain`) that also counts as one (host guard). fields (stolen) go into the
 * journal event named reason; in a state where the verdict does not apply it is dropped. */
void service_guard_event(struct service *svc, enum svc_event ev, const char *reason,
                         json_t *fields);
void service_guard_restart(struct service *svc, const char *reason, json_t *fields);
void service_guard_kill(struct service *svc, const char *reason, json_t *fields);
void service_guard_drain(struct service *svc, const char *reason, json_t *fields);

/* Settled: no process and nothing scheduled (stopped or failed). */
bool service_settled(const struct service *svc);

/* The last exit as a JSON object (journal "exit" events and status). New reference. */
json_t *service_exit_json(const struct service *svc);

/* Status object (DESIGN "warden status --json"). New reference. */
json_t *service_status_json(struct service *svc);

/* The exit status `warden run` passes on: code, or 128+signal. */
int service_exit_code(const struct service *svc);

#endif
