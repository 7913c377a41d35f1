// SPDX-License-Identifier: MIT
// The service state machine (s6-supervise's state x event table, made readable): one
// service_handle() with a switch per state. Helpers below do the work of a transition.
#include "service.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmsg.h"
#include "listen.h"
#include "log.h"
#include "logfile.h"
#include "loop.h"
#include "outtail.h"
#include "runtime_heap.h"
#include "service_int.h"
#include "spawn.h"
#include "supervisor.h"

#define EMPTY_CHECK_MS   10u   // re-check interval while a killed cgroup empties
#define EMPTY_CHECKS_MAX 1000u // 10 s of re-checks, then give up waiting and say so
#define KILL_GRACE_MS    5000u // after SIGKILL on drain expiry, wait this long for the reap
#define KILL_GRACES_MAX  3u    // then give up on a main process that SIGKILL cannot end

static const char *const state_names[SVC_STATE_COUNT] = {
        "stopped", "starting", "running", "draining", "backoff", "crash-looping", "failed"};
static const char *const event_names[SVC_EVENT_COUNT] = {
        "start", "stop",  "restart",       "exec-ok",    "exit",
        "timer", "ready", "guard-restart", "guard-kill", "guard-drain"};

const char *service_state_name(enum svc_state s)
{
    return (unsigned)s < SVC_STATE_COUNT ? state_names[s] : "?";
}

const char *service_event_name(enum svc_event e)
{
    return (unsigned)e < SVC_EVENT_COUNT ? event_names[e] : "?";
}

static void set_state(struct service *svc, enum svc_state s)
{
    if (svc->state != s) {
        log_debug("%s: %s -> %s", svc->cfg->name, service_state_name(svc->state),
                  service_state_name(s));
    }
    svc->state = s;
}

void service_set_state(struct service *svc, enum svc_state s)
{
    set_state(svc, s);
}

bool service_settled(const struct service *svc)
{
    return (svc->state == SVC_STOPPED || svc->state == SVC_FAILED) && !svc->retiring;
}

void service_signal(struct service *svc, int sig)
{
    if (svc->pid <= 0) {
        return;
    }
    if (svc->pidfd >= 0 && syscall(SYS_pidfd_send_signal, svc->pidfd, sig, NULL, 0) == 0) {
        return;
    }
    (void)kill(svc->pid, sig);
}

/* ---- starting ---- */

static void on_exec_fd(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)fd;
    (void)events;
    struct service *svc = ctx;
    int stage = 0, err = 0;
    int rc = spawn_exec_result(svc->exec_fd, &stage, &err);
    if (rc == -EAGAIN) {
        return;
    }
    service_close_fd(svc, &svc->exec_fd);
    if (rc == 0) {
        svc->exec_failed = true;
        svc->exec_stage = stage;
        svc->exec_errno = err;
        return; // the child exits 126/127 now; the reaper brings SVC_EV_EXIT
    }
    if (rc == 1) {
        service_handle(svc, SVC_EV_EXEC_OK);
    }
}

static void on_pidfd(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)fd;
    (void)events;
    struct service *svc = ctx;
    sup_reap(svc->sup);
}

static void reset_instance(struct service *svc)
{
    // normally closed already when the last instance was torn down
    service_close_fd(svc, &svc->exec_fd);
    service_close_fd(svc, &svc->pidfd);
    svc->stop_requested = false;
    svc->stop_reason = NULL;
    svc->restart_after = false;
    svc->drain_expired = false;
    svc->exec_failed = false;
    svc->exec_stage = 0;
    svc->exec_errno = 0;
    svc->wait_status = 0;
    svc->empty_checks = 0;
    svc->guard_reason = NULL;
    svc->guard_restart = false;
    svc->kill_graces = 0;
    svc->exec_ok = false;
    svc->notified_ready = false; // READY=1 may come before the exec result is read
    svc->watchdog_pings = 0;
    svc->notify_status[0] = '\0';
}

void service_settle(struct service *svc, enum svc_state s, const char *why);

static int prepare_cgroup(struct service *svc)
{
    struct supervisor *sup = svc->sup;
    const struct svc_config *c = svc->cfg;
    cgroup_svc_init(&svc->cg);
    char name[SERVICE_NAME_MAX + 4];
    (void)snprintf(name, sizeof(name), "%s%s", c->name, svc->cg_gen ? "@1" : "");
    int rc = cgroup_create(&sup->cgs, &svc->cg, name);
    if (rc == 0) {
        rc = cgroup_set_limits(&sup->cgs, &svc->cg, c->memory_max_bytes, c->pids_max);
    }
    if (rc == 0 && c->memory_high_bytes) {
        rc = cgroup_set_high(&sup->cgs, &svc->cg, c->memory_high_bytes);
        rc = rc == -EOPNOTSUPP ? 0 : rc; // none backend: said at start
    }
    if (rc < 0) {
        return rc;
    }
    struct cgroup_stats st;
    (void)cgroup_stats(&sup->cgs, &svc->cg, &st);
    svc->oom_base = st.oom_kill_count; // non-zero only if an old cgroup was reused
    return 0;
}

static void do_spawn(struct service *svc);

void service_spawn_instance(struct service *svc)
{
    do_spawn(svc);
}

static void do_spawn(struct service *svc)
{
    struct supervisor *sup = svc->sup;
    const struct svc_config *c = svc->cfg;
    if (!service_ensure_listening(svc)) {
        return;
    }
    reset_instance(svc);
    int rc = prepare_cgroup(svc);
    if (rc < 0) {
        service_start_failed(svc, "create the service cgroup", -rc);
        return;
    }
    int out_w, err_w;
    rc = service_open_output(svc, &out_w, &err_w);
    if (rc < 0) {
        service_start_failed(svc, "create output pipes", -rc);
        return;
    }
    struct spawn_req req = {
            .argv = c->argv,
            .cg = &svc->cg,
            .has_user = c->has_user,
            .uid = c->uid,
            .gid = c->gid,
            .stdin_fd = sup->run_mode ? -1 : sup->devnull_fd, // daemon: not its terminal
            .stdout_fd = out_w,
            .stderr_fd = err_w,
            .rlimit_as_bytes = sup->cgs.kind == CGROUP_NONE ? c->memory_max_bytes : 0,
            .mask = &sup->orig_mask,
            .oom_score_adj = 0,
            .listen_fds = svc->listen_fds,
            .listen_count = svc->listen_open,
    };
    if (svc->listen_open || service_wants_notify(svc) || c->runtime_heap == RUNTIME_HEAP_AUTO) {
        req.envp = service_activation_env(svc, &req.listen_pid_env);
    }
    gid_t groups[SPAWN_GROUPS_MAX];
    int ngroups = (int)SPAWN_GROUPS_MAX;
    if (c->has_user && getgrouplist(c->user, c->gid, groups, &ngroups) >= 0) {
        req.groups = groups; // the user's supplementary groups (ssl-cert, ...), as a login
        req.group_count = (size_t)ngroups;
    }
    struct spawn_res res;
    rc = spawn_start(&req, &res);
    if (out_w >= 0) {
        (void)close(out_w);
        (void)close(err_w);
    }
    if (rc < 0) {
        service_start_failed(svc, "fork", -rc);
        return;
    }
    svc->pid = res.pid;
    svc->cg.pgid = res.pid; // the child calls setsid(): its pid is its process group
    svc->pidfd = res.pidfd;
    svc->exec_fd = res.exec_fd;
    if (loop_add(sup->loop, svc->exec_fd, EPOLLIN, on_exec_fd, svc) < 0) {
        // cannot learn whether exec worked: end this instance (SIGCHLD brings the exit)
        log_warnx("%s: unable to watch the new process: killing it", c->name);
        (void)kill(svc->pid, SIGKILL);
    }
    if (svc->pidfd >= 0 && loop_add(sup->loop, svc->pidfd, EPOLLIN, on_pidfd, svc) < 0) {
        service_close_fd(svc, &svc->pidfd); // SIGCHLD still reaps it
    }
    svc->start_mono_ms = clock_mono_ms();
    svc->start_wall_ms = clock_wall_ms();
    svc->starts++;
    growth_reset(&svc->growth);
    svc->heap_cap_bytes = service_heap_cap_usage(svc);
    svc->inst_memstat_usage = 0;
    svc->escape_pids = UINT64_MAX; // the first tick checks
    svc->escape_ticks = 0;
    set_state(svc, SVC_STARTING);
    guard_start(svc);
    sup_event(sup, svc, "start",
              json_pack("{s:i, s:I, s:I}", "pid", (int)svc->pid, "attempt", (json_int_t)svc->starts,
                        "consecutive_failures", (json_int_t)svc->failures.count),
              false);
}

/* ---- stopping ---- */

static void begin_drain(struct service *svc, int sig, const char *reason)
{
    service_overlap_stop(svc); // an old instance beside this one stops too
    svc->stop_requested = true;
    svc->stop_reason = reason;
    service_check_escape(svc, "stop"); // what left the cgroup goes back into it, then stops
    service_signal(svc, sig);
    (void)timer_arm_ms(svc->timer_fd, svc->cfg->drain_ms ? svc->cfg->drain_ms : 1);
    set_state(svc, SVC_DRAINING);
    sup_event(svc->sup, svc, "stopping",
              json_pack("{s:s, s:i, s:s, s:I}", "reason", reason, "pid", (int)svc->pid, "signal",
                        sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", "drain_ms",
                        (json_int_t)svc->cfg->drain_ms),
              false);
}

void service_stop_with(struct service *svc, int sig, const char *reason)
{
    switch (svc->state) {
    case SVC_STARTING:
    case SVC_RUNNING:
        begin_drain(svc, sig, reason);
        break;
    case SVC_DRAINING:
        svc->restart_after = false;
        if (svc->pid > 0 && sig != SIGTERM) {
            service_signal(svc, sig);
        }
        break;
    default:
        service_handle(svc, SVC_EV_STOP);
        break;
    }
}

/* ---- after an exit ---- */

void service_start_failed(struct service *svc, const char *what, int err)
{
    log_warnx("%s: unable to %s: %s", svc->cfg->name, what, strerror(err));
    struct exit_facts f = {.exec_failed = true, .exec_errno = err, .exec_stage = what};
    memset(&svc->last_stats, 0, sizeof(svc->last_stats));
    svc->pid = 0;
    service_record_exit(svc, &f, 0);
    svc->starts++;
    (void)cgroup_destroy(&svc->sup->cgs, &svc->cg);
    set_state(svc, SVC_DRAINING); // so finish_instance runs the policy from a known state
    svc->empty_checks = 0;
    service_handle(svc, SVC_EV_TIMER);
}

static void enter_backoff(struct service *svc, bool crashloop, bool failure)
{
    uint64_t ms = policy_backoff_ms(svc->cfg->backoff_min_ms, svc->cfg->backoff_max_ms,
                                    failure ? svc->failures.count : 1, sup_random(svc->sup));
    svc->last_backoff_ms = ms;
    svc->next_start_mono_ms = clock_mono_ms() + ms;
    (void)timer_arm_ms(svc->timer_fd, ms);
    set_state(svc, crashloop ? SVC_CRASHLOOP : SVC_BACKOFF);
    json_t *ev = json_pack("{s:I, s:I, s:s}", "delay_ms", (json_int_t)ms, "consecutive_failures",
                           (json_int_t)svc->failures.count, "last_exit",
                           policy_exit_kind_name(svc->last_exit.kind));
    if (crashloop) {
        (void)json_object_set_new(ev, "reason", json_string(svc->reason));
        log_warnx("%s: crash-looping: %s (next start in %llu ms)", svc->cfg->name, svc->reason,
                  (unsigned long long)ms);
        sup_event(svc->sup, svc, "crash-looping", ev, true);
    } else {
        sup_event(svc->sup, svc, "backoff", ev, false);
    }
}

void service_settle(struct service *svc, enum svc_state s, const char *why)
{
    (void)timer_arm_ms(svc->timer_fd, 0);
    set_state(svc, s);
    (void)snprintf(svc->reason, sizeof(svc->reason), "%s", why ? why : "");
    if (s == SVC_FAILED) {
        log_warnx("%s: failed: %s", svc->cfg->name, svc->reason);
        sup_event(svc->sup, svc, "failed", json_pack("{s:s}", "reason", svc->reason), true);
    } else {
        sup_event(svc->sup, svc, "stopped", why ? json_pack("{s:s}", "reason", why) : NULL, false);
    }
    sup_service_settled(svc->sup, svc);
}

// What the breaker decided after a failure (or a clean exit under restart = always).
static void after_failure(struct service *svc, bool failure)
{
    const struct exit_info *e = &svc->last_exit;
    char why[200] = "";
    bool det = false;
    enum breaker_verdict v =
            failure ? policy_breaker(&svc->failures, svc->cfg->restart_max, why, sizeof(why), &det)
                    : BREAKER_RETRY;
    if (v == BREAKER_OPEN || v == BREAKER_GIVE_UP) {
        svc->crashloop = false;
        service_settle(svc, SVC_FAILED, why);
        return;
    }
    if (v == BREAKER_CRASHLOOP) {
        svc->crashloop = true;
        svc->deterministic = det;
        (void)snprintf(svc->reason, sizeof(svc->reason), "%s (%s)", why, e->reason);
    } else if (!svc->crashloop) {
        svc->reason[0] = '\0';
    }
    enter_backoff(svc, svc->crashloop, failure);
}

// The instance is gone (main reaped, cgroup empty): decide what comes next.
static void finish_instance(struct service *svc)
{
    (void)timer_arm_ms(svc->timer_fd, 0);
    service_ready_end(svc);
    service_drain_output(svc);
    (void)cgroup_destroy(&svc->sup->cgs, &svc->cg);
    if (!svc->sup->shutting_down && !svc->stop_requested && service_overlap_restore(svc)) {
        return; // the replacement failed: the old instance keeps serving
    }
    const struct exit_info *e = &svc->last_exit;
    service_track_growth(svc);
    bool quick_guard = svc->guard_restart && svc->last_uptime_ms < DETERMINISTIC_WINDOW_MS;
    if (svc->restart_after && !svc->sup->shutting_down && !quick_guard) {
        if (!svc->guard_restart) {
            policy_ring_reset(&svc->failures); // an operator's restart starts afresh
            svc->crashloop = false;
        }
        do_spawn(svc);
        return;
    }
    if (quick_guard && !svc->sup->shutting_down && !(svc->stop_requested && !svc->restart_after)) {
        // memory_restart within seconds of start, again and again: back off as for a
        // failure instead of replacing it in a tight loop
        policy_ring_push(&svc->failures, e, svc->last_uptime_ms);
        bool loop = svc->failures.count >= CRASHLOOP_FAILURES;
        if (loop) {
            svc->crashloop = true;
            (void)snprintf(svc->reason, sizeof(svc->reason),
                           "memory_restart fired %u times in a row, each within %u s of start",
                           svc->failures.count, DETERMINISTIC_WINDOW_MS / 1000);
        }
        enter_backoff(svc, svc->crashloop, true); // like OOM kills: never gives up
        return;
    }
    if (svc->stop_requested || svc->sup->shutting_down) {
        svc->crashloop = false;
        service_settle(svc, SVC_STOPPED, svc->stop_reason ? svc->stop_reason : "shutdown");
        return;
    }
    bool failure = policy_is_failure(e);
    if (svc->last_uptime_ms >= svc->cfg->stable_after_ms || !failure) {
        policy_ring_reset(&svc->failures); // stable long enough, or a clean exit
        svc->crashloop = false;
    }
    if (failure) {
        policy_ring_push(&svc->failures, e, svc->last_uptime_ms);
    }
    if (!policy_should_restart(svc->cfg->restart, e)) {
        svc->crashloop = false;
        service_settle(svc, failure ? SVC_FAILED : SVC_STOPPED,
                       failure ? e->reason : "exited cleanly; restart policy does not restart it");
        return;
    }
    after_failure(svc, failure);
}

// Wait for the cgroup to be empty after the main process is gone, killing stragglers.
static void check_empty(struct service *svc)
{
    bool populated = false;
    if (cgroup_populated(&svc->sup->cgs, &svc->cg, &populated) < 0 || !populated) {
        finish_instance(svc);
        return;
    }
    if (++svc->empty_checks > EMPTY_CHECKS_MAX) {
        log_warnx("%s: processes remain in the cgroup after %u ms of SIGKILL (stuck in the "
                  "kernel?); continuing",
                  svc->cfg->name, EMPTY_CHECK_MS * EMPTY_CHECKS_MAX);
        finish_instance(svc);
        return;
    }
    if (svc->empty_checks % 10 == 1) {
        (void)cgroup_kill(&svc->sup->cgs, &svc->cg, SIGKILL); // new forks since the last kill
    }
    (void)timer_arm_ms(svc->timer_fd, EMPTY_CHECK_MS);
}

void service_reaped(struct service *svc, int wait_status)
{
    svc->wait_status = wait_status;
    service_handle(svc, SVC_EV_EXIT);
}

static void on_main_exit(struct service *svc)
{
    struct supervisor *sup = svc->sup;
    if (svc->exec_fd >= 0) {
        on_exec_fd(sup->loop, svc->exec_fd, EPOLLIN, svc); // the child wrote before exiting
    }
    service_close_fd(svc, &svc->pidfd);
    guard_stop(svc);
    uint64_t uptime = clock_mono_ms() - svc->start_mono_ms;
    service_read_output(svc); // its last words, for the exit record
    // Read the counters (OOM kills, peak, processes left behind) before killing the rest,
    // so pids_at_exit says how many processes the main one left behind.
    (void)cgroup_stats(&sup->cgs, &svc->cg, &svc->last_stats);
    uint64_t left = svc->last_stats.has_pids ? svc->last_stats.pids_current : 0;
    svc->left_top[0] = '\0';
    if (svc->stop_requested || svc->guard_reason) {
        left = 0; // warden is ending it: what is left goes with the cgroup, as asked
    } else if (left > 0) {
        left = service_name_left(svc, left);
    }
    // where the memory was, for a memory death: the process is gone by now and its memory
    // freed, so the breakdown is the one read at the instance's highest 1 s usage
    bool memory_end = svc->last_stats.oom_kill_count > svc->oom_base ||
                      svc->tail->oom_runtime != OOM_RT_NONE || svc->guard_restart;
    svc->has_memstat = memory_end && svc->inst_memstat_usage > 0;
    if (svc->has_memstat) {
        svc->last_memstat = svc->inst_memstat;
        svc->last_memstat_usage = svc->inst_memstat_usage;
        svc->last_memstat_before_ms = clock_mono_ms() - svc->inst_memstat_ms;
    }
    (void)cgroup_kill(&sup->cgs, &svc->cg, SIGKILL);
    struct exit_facts f = {
            .wait_status = svc->wait_status,
            .exec_failed = svc->exec_failed,
            .exec_errno = svc->exec_errno,
            .exec_stage = spawn_stage_name(svc->exec_stage),
            .oom_delta = svc->last_stats.oom_kill_count - svc->oom_base,
            .stop_requested = svc->stop_requested,
            .stop_reason = svc->stop_reason,
            .drain_expired = svc->drain_expired,
            .guard_reason = svc->guard_reason,
            .runtime_oom = (int)svc->tail->oom_runtime,
            .left_processes = left,
    };
    if (svc->last_stats.oom_kill_count < svc->oom_base) {
        f.oom_delta = 0;
    }
    service_record_exit(svc, &f, uptime);
    svc->pid = 0;
    set_state(svc, SVC_DRAINING);
    svc->empty_checks = 0;
    check_empty(svc);
}

static void operator_start(struct service *svc)
{
    policy_ring_reset(&svc->failures); // an operator's start closes the breaker
    svc->reason[0] = '\0';
    svc->crashloop = false;
    svc->deterministic = false;
    do_spawn(svc);
}

void service_guard_event(struct service *svc, enum svc_event ev, const char *reason, json_t *fields)
{
    json_decref(svc->verdict.fields); // an earlier one never handled (cannot happen today)
    svc->verdict = (struct svc_verdict){reason, fields};
    service_handle(svc, ev);
}

void service_guard_restart(struct service *svc, const char *reason, json_t *fields)
{
    service_guard_event(svc, SVC_EV_GUARD_RESTART, reason, fields);
}

void service_guard_kill(struct service *svc, const char *reason, json_t *fields)
{
    service_guard_event(svc, SVC_EV_GUARD_KILL, reason, fields);
}

void service_guard_drain(struct service *svc, const char *reason, json_t *fields)
{
    service_guard_event(svc, SVC_EV_GUARD_DRAIN, reason, fields);
}

// The verdict of a guard event, taken (the event owns it from here).
static struct svc_verdict take_verdict(struct service *svc)
{
    struct svc_verdict v = svc->verdict;
    svc->verdict = (struct svc_verdict){NULL, NULL};
    if (!v.reason) {
        v.reason = "guard";
    }
    return v;
}

// A verdict the state does not act on: dropped (nothing journalled, nothing done).
static void drop_verdict(struct service *svc)
{
    json_decref(take_verdict(svc).fields);
}

// Live (starting, running): replace the instance. With listen + ready and room for two, an
// overlap restart; else drain it and start again.
static void act_restart(struct service *svc)
{
    struct svc_verdict v = take_verdict(svc);
    if (service_overlap_possible(svc, true) && service_overlap_room(svc)) {
        service_overlap_begin(svc, v.reason, v.fields);
        return;
    }
    begin_drain(svc, SIGTERM, v.reason); // signal first: the journal's fsync (~1 ms) can wait
    sup_event(svc->sup, svc, v.reason, v.fields, true);
    svc->restart_after = true; // a planned replacement, not a failure (unless it is quick)
    svc->guard_restart = true;
}

// Live or draining with a main process: SIGKILL the whole cgroup; the exit is a failure.
static void act_kill(struct service *svc)
{
    struct svc_verdict v = take_verdict(svc);
    if (svc->pid <= 0) {
        json_decref(v.fields);
        return;
    }
    svc->guard_reason = v.reason;
    (void)cgroup_kill(&svc->sup->cgs, &svc->cg, SIGKILL); // frozen or not: SIGKILL ends it
    sup_event(svc->sup, svc, v.reason, v.fields, true);   // then journal (fsync) it
}

// Live: SIGTERM and `drain`, as a stop, but the exit is the service's failure.
static void act_drain(struct service *svc)
{
    struct svc_verdict v = take_verdict(svc);
    sup_event(svc->sup, svc, v.reason, v.fields, true);
    svc->guard_reason = v.reason;
    service_signal(svc, SIGTERM);
    (void)timer_arm_ms(svc->timer_fd, svc->cfg->drain_ms ? svc->cfg->drain_ms : 1);
    set_state(svc, SVC_DRAINING);
}

/* ---- the state machine ---- */

static void handle_stopped(struct service *svc, enum svc_event ev)
{
    switch (ev) {
    case SVC_EV_START:
    case SVC_EV_RESTART:
        operator_start(svc);
        break;
    case SVC_EV_GUARD_RESTART:
    case SVC_EV_GUARD_KILL:
    case SVC_EV_GUARD_DRAIN:
        drop_verdict(svc); // nothing runs: a verdict on a gone instance
        break;
    case SVC_EV_STOP:
    case SVC_EV_EXEC_OK:
    case SVC_EV_EXIT:
    case SVC_EV_TIMER:
    case SVC_EV_READY:
    case SVC_EVENT_COUNT:
        break; // nothing runs: stale or redundant
    }
}

// Not ready within start_timeout. A replacement beside a serving old instance may be
// answering requests already (a probe that cannot pass under load): it gets SIGTERM and
// `drain`, not SIGKILL, and the old instance goes on serving (service_overlap_restore).
static void start_timeout(struct service *svc)
{
    json_t *f = json_pack("{s:s, s:I}", "method", service_ready_name(svc->cfg->ready), "timeout_ms",
                          (json_int_t)svc->cfg->start_timeout_ms);
    if (svc->retiring) {
        log_warnx("%s: replacement not ready (%s) within %llu ms: draining it, the old "
                  "instance keeps serving",
                  svc->cfg->name, service_ready_name(svc->cfg->ready),
                  (unsigned long long)svc->cfg->start_timeout_ms);
        service_guard_drain(svc, "start-timeout", f);
        return;
    }
    log_warnx("%s: not ready (%s) within %llu ms: killing it", svc->cfg->name,
              service_ready_name(svc->cfg->ready), (unsigned long long)svc->cfg->start_timeout_ms);
    service_guard_kill(svc, "start-timeout", f);
}

// A restart asked for during an overlap restart: the newest request wins, and an instance
// keeps serving throughout. A replacement not ready yet is drained (the old instance still
// serves) and a new one started once it is gone; a ready replacement serves while the old
// one drains, and the new overlap starts once that one is gone (service_overlap.c).
static void overlap_supersede(struct service *svc)
{
    svc->overlap_again = true;
    if (svc->state == SVC_STARTING) {
        service_guard_drain(svc, "superseded",
                            json_pack("{s:i, s:s}", "pid", (int)svc->pid, "by", "restart"));
    } else {
        sup_event(svc->sup, svc, "restart-queued",
                  json_pack("{s:s}", "until", "the old instance has drained"), false);
    }
}

static void handle_live(struct service *svc, enum svc_event ev)
{
    switch (ev) {
    case SVC_EV_EXEC_OK:
        svc->exec_ok = true;
        if (svc->state == SVC_STARTING && svc->cfg->ready == READY_NONE) {
            set_state(svc, SVC_RUNNING);
            sup_event(svc->sup, svc, "running", json_pack("{s:i}", "pid", (int)svc->pid), false);
        } else if (svc->state == SVC_STARTING) {
            (void)timer_arm_ms(svc->timer_fd, svc->cfg->start_timeout_ms);
            service_ready_begin(svc); // READY=1 may even have come already
            if (svc->notified_ready) {
                service_handle(svc, SVC_EV_READY);
            }
        }
        break;
    case SVC_EV_READY:
        if (svc->state == SVC_STARTING && svc->exec_ok) {
            (void)timer_arm_ms(svc->timer_fd, 0);
            set_state(svc, SVC_RUNNING);
            sup_event(svc->sup, svc, "ready",
                      json_pack("{s:i, s:s, s:I}", "pid", (int)svc->pid, "method",
                                service_ready_name(svc->cfg->ready), "after_ms",
                                (json_int_t)(clock_mono_ms() - svc->start_mono_ms)),
                      false);
            service_ready_running(svc);
            service_overlap_ready(svc); // an old instance beside it may go now
        }
        break;
    case SVC_EV_EXIT:
        on_main_exit(svc);
        break;
    case SVC_EV_STOP:
        begin_drain(svc, SIGTERM, "stop");
        break;
    case SVC_EV_RESTART:
        if (svc->retiring) {
            overlap_supersede(svc);
            break;
        }
        if (service_overlap_possible(svc, false) && service_overlap_room(svc)) {
            policy_ring_reset(&svc->failures); // an operator's restart starts afresh
            service_overlap_begin(svc, "restart", NULL);
            break;
        }
        begin_drain(svc, SIGTERM, "restart");
        svc->restart_after = true;
        break;
    case SVC_EV_TIMER:
        if (svc->state == SVC_STARTING && svc->cfg->ready != READY_NONE) { // start_timeout
            start_timeout(svc);
        }
        break;
    case SVC_EV_GUARD_RESTART:
        act_restart(svc);
        break;
    case SVC_EV_GUARD_KILL:
        act_kill(svc);
        break;
    case SVC_EV_GUARD_DRAIN:
        act_drain(svc);
        break;
    case SVC_EV_START:
    case SVC_EVENT_COUNT:
        break; // already running
    }
}

static void handle_draining(struct service *svc, enum svc_event ev)
{
    switch (ev) {
    case SVC_EV_EXIT:
        on_main_exit(svc);
        break;
    case SVC_EV_TIMER:
        if (svc->pid > 0 && svc->drain_expired && ++svc->kill_graces >= KILL_GRACES_MAX) {
            // SIGKILL did not end it (stuck in the kernel, D state): stop waiting for it,
            // or a shutdown would never finish. If it ever exits, it is reaped as an orphan.
            log_warnx("%s: main process %d survived SIGKILL for %u ms (stuck in the kernel?): "
                      "giving up on it",
                      svc->cfg->name, (int)svc->pid, KILL_GRACE_MS * KILL_GRACES_MAX);
            svc->wait_status = SIGKILL; // as if killed: W_EXITCODE(0, SIGKILL)
            on_main_exit(svc);
        } else if (svc->pid > 0) {
            // drain period over and the main process is still there: kill the cgroup
            svc->drain_expired = true;
            log_warnx("%s: did not stop within %llu ms: killing its cgroup", svc->cfg->name,
                      (unsigned long long)svc->cfg->drain_ms);
            (void)cgroup_kill(&svc->sup->cgs, &svc->cg, SIGKILL);
            service_signal(svc, SIGKILL);
            (void)timer_arm_ms(svc->timer_fd, KILL_GRACE_MS);
        } else {
            check_empty(svc);
        }
        break;
    case SVC_EV_START:
    case SVC_EV_RESTART:
        if (svc->retiring && !svc->stop_requested) {
            svc->overlap_again = true; // a replacement drained beside the old instance
        } else if (!svc->sup->shutting_down) {
            svc->restart_after = true; // start again once this instance is gone
        }
        break;
    case SVC_EV_STOP:
        // also ends a crashed instance's teardown in stopped instead of a restart
        svc->restart_after = false;
        svc->stop_requested = true;
        if (!svc->stop_reason) {
            svc->stop_reason = "stop";
        }
        break;
    case SVC_EV_GUARD_KILL:
        act_kill(svc); // a storm or a stuck drain: the cgroup goes now, not after `drain`
        break;
    case SVC_EV_GUARD_RESTART:
    case SVC_EV_GUARD_DRAIN:
        drop_verdict(svc); // it is going already
        break;
    case SVC_EV_EXEC_OK:
    case SVC_EV_READY:
    case SVC_EVENT_COUNT:
        break;
    }
}

static void handle_waiting(struct service *svc, enum svc_event ev)
{
    switch (ev) {
    case SVC_EV_TIMER:
        do_spawn(svc);
        break;
    case SVC_EV_START:
    case SVC_EV_RESTART:
        if (svc->state == SVC_FAILED) {
            operator_start(svc);
        } else {
            (void)timer_arm_ms(svc->timer_fd, 0);
            do_spawn(svc); // start now instead of waiting out the backoff
        }
        break;
    case SVC_EV_STOP:
        svc->crashloop = false;
        service_settle(svc, SVC_STOPPED, "stop");
        break;
    case SVC_EV_GUARD_RESTART:
    case SVC_EV_GUARD_KILL:
    case SVC_EV_GUARD_DRAIN:
        drop_verdict(svc); // nothing runs
        break;
    case SVC_EV_EXEC_OK:
    case SVC_EV_EXIT:
    case SVC_EV_READY:
    case SVC_EVENT_COUNT:
        break;
    }
}

void service_handle(struct service *svc, enum svc_event ev)
{
    log_debug("%s: %s in %s", svc->cfg->name, service_event_name(ev),
              service_state_name(svc->state));
    switch (svc->state) {
    case SVC_STOPPED:
        handle_stopped(svc, ev);
        break;
    case SVC_STARTING:
    case SVC_RUNNING:
        handle_live(svc, ev);
        break;
    case SVC_DRAINING:
        handle_draining(svc, ev);
        break;
    case SVC_BACKOFF:
    case SVC_CRASHLOOP:
        handle_waiting(svc, ev);
        break;
    case SVC_FAILED:
        if (ev == SVC_EV_TIMER) {
            break; // no timer is armed in failed
        }
        handle_waiting(svc, ev);
        break;
    case SVC_STATE_COUNT:
        BUG("service in an impossible state");
    }
}
