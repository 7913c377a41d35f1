// SPDX-License-Identifier: MIT
// Overlap restart: the replacement starts in a fresh cgroup while the old instance still
// serves; once the replacement is ready, the old one gets SIGTERM, finishes what it is
// doing within `drain`, and its cgroup is then killed whole. If the replacement never gets
// ready, the old instance keeps serving. Only for services that can share the work: warden
// holds their listening sockets (listen =) and knows when an instance is ready (ready =).
// The old instance is the service's "retiree", in a table of its own (touched only when
// used): its pid, pidfd, cgroup, output pipes and drain timer.
#include <sys/epoll.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logs.h"
#include "loop.h"
#include "policy.h"
#include "service_int.h"
#include "supervisor.h"

#define RETIRE_EMPTY_MS     10u  // re-check interval while the old cgroup empties
#define RETIRE_EMPTY_CHECKS 500u // 5 s, then it is left to the stale-cgroup sweep
#define OVERLAP_MIN_UPTIME                                                                         \
    DETERMINISTIC_WINDOW_MS // a guard replacing a younger instance:
                            // stop-then-start, and its backoff

struct retiree {
    pid_t pid;
    int pidfd;
    struct cgroup_svc cg;
    int out_fd, err_fd;
    int timer_fd;
    bool signalled; // SIGTERM sent: the replacement is ready (or warden is stopping)
    bool killed;    // drain ran out: its cgroup was killed
    unsigned empty_checks;
    uint64_t start_mono_ms;
    struct linebuf lb[2];
};

static struct retiree retirees[SERVICES_MAX];

static struct retiree *of(const struct service *svc)
{
    return svc->retiring ? &retirees[svc - svc->sup->services] : NULL;
}

bool service_overlap_possible(const struct service *svc, bool by_guard)
{
    const struct supervisor *sup = svc->sup;
    return svc->listen_open > 0 && svc->cfg->ready != READY_NONE && svc->state == SVC_RUNNING &&
           svc->pid > 0 && !svc->retiring && !sup->shutting_down && sup->cgs.kind != CGROUP_NONE &&
           (!by_guard || clock_mono_ms() - svc->start_mono_ms >= OVERLAP_MIN_UPTIME);
}

static void relay(struct service *svc, struct retiree *r, bool is_out, bool flush)
{
    int *fd = is_out ? &r->out_fd : &r->err_fd;
    if (*fd < 0) {
        return;
    }
    struct relay_out out = service_relay_for(svc, is_out);
    out.tail = NULL; // the retiree's lines are not the live instance's tail
    int rc = logs_relay(*fd, &out, &r->lb[is_out ? 0 : 1]);
    if (rc != 0 || flush) {
        logs_flush(&out, &r->lb[is_out ? 0 : 1]);
        service_close_fd(svc, fd);
    }
}

static void on_retiree_output(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    struct retiree *r = of(svc);
    if (r) {
        relay(svc, r, fd == r->out_fd, false);
    }
}

// Move fd's watch to handler fn (same ctx).
static void rewatch(struct service *svc, int fd, loop_fn *fn)
{
    if (fd >= 0) {
        loop_del(svc->sup->loop, fd);
        (void)loop_add(svc->sup->loop, fd, EPOLLIN, fn, svc);
    }
}

// A restart that came during the overlap, now that one instance serves alone: a new
// overlap restart (or, with no room for two, the usual stop then start).
static void overlap_again(struct service *svc)
{
    if (!svc->overlap_again) {
        return;
    }
    svc->overlap_again = false;
    if (svc->sup->shutting_down || svc->stop_requested || svc->state != SVC_RUNNING) {
        return;
    }
    service_handle(svc, SVC_EV_RESTART);
}

static void retiree_end(struct service *svc, struct retiree *r)
{
    relay(svc, r, true, true);
    relay(svc, r, false, true);
    service_close_fd(svc, &r->pidfd);
    service_close_fd(svc, &r->timer_fd);
    svc->retiring = false;
    sup_service_settled(svc->sup, svc); // a shutdown may have been waiting for it
    overlap_again(svc);
}

static void on_retiree_timer(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    struct retiree *r = of(svc);
    if (!r || timer_drain(fd) == 0) {
        return;
    }
    if (r->pid > 0) { // drain over: the old instance goes, whole
        log_warnx("%s: old instance %d did not finish within %llu ms: killing its cgroup",
                  svc->cfg->name, (int)r->pid, (unsigned long long)svc->cfg->drain_ms);
        r->killed = true;
        (void)cgroup_kill(&svc->sup->cgs, &r->cg, SIGKILL);
        (void)timer_arm_ms(fd, 1000);
        return;
    }
    // reaped: wait for the cgroup to empty, then remove it
    bool populated = true;
    if (cgroup_populated(&svc->sup->cgs, &r->cg, &populated) < 0 || !populated ||
        ++r->empty_checks >= RETIRE_EMPTY_CHECKS) {
        (void)cgroup_destroy(&svc->sup->cgs, &r->cg);
        retiree_end(svc, r);
        return;
    }
    (void)cgroup_kill(&svc->sup->cgs, &r->cg, SIGKILL); // what it left behind
    (void)timer_arm_ms(fd, RETIRE_EMPTY_MS);
}

bool service_overlap_room(struct service *svc)
{
    uint64_t usage = 0, pids = 0, available = 0;
    (void)cgroup_sample(&svc->sup->cgs, &svc->cg, &usage, &pids);
    if (guard_host_room_for(svc->sup, usage, &available)) {
        return true;
    }
    log_warnx("%s: no memory for a second instance (MemAvailable %llu MiB, it uses %llu MiB, "
              "[host] min_available %llu MiB): stop, then start",
              svc->cfg->name, (unsigned long long)(available >> 20),
              (unsigned long long)(usage >> 20),
              (unsigned long long)(svc->sup->cfg->host_min_available_bytes >> 20));
    sup_event(svc->sup, svc, "overlap-skipped",
              json_pack("{s:s, s:I, s:I, s:I}", "reason", "memory", "available_bytes",
                        (json_int_t)available, "usage_bytes", (json_int_t)usage,
                        "min_available_bytes", (json_int_t)svc->sup->cfg->host_min_available_bytes),
              false);
    return false;
}

void service_overlap_begin(struct service *svc, const char *reason, json_t *fields)
{
    struct retiree *r = &retirees[svc - svc->sup->services];
    memset(r, 0, offsetof(struct retiree, lb)); // the line buffers are empty already
    r->pid = svc->pid;
    r->pidfd = svc->pidfd;
    r->cg = svc->cg;
    r->out_fd = svc->out_fd;
    r->err_fd = svc->err_fd;
    r->start_mono_ms = svc->start_mono_ms;
    r->timer_fd = timer_create_fd();
    if (r->timer_fd >= 0) {
        (void)loop_add(svc->sup->loop, r->timer_fd, EPOLLIN, on_retiree_timer, svc);
    }
    rewatch(svc, r->out_fd, on_retiree_output);
    rewatch(svc, r->err_fd, on_retiree_output);
    guard_stop(svc); // the guard watches the replacement from its start
    svc->retiring = true;
    svc->pid = 0;
    svc->pidfd = svc->out_fd = svc->err_fd = -1;
    svc->cg_gen ^= 1u;      // the replacement's cgroup is NAME or NAME@1, the other one
    svc->probe_foreign = 0; // this overlap's count (status: probes_taken_by_old)
    if (!fields) {
        fields = json_object();
    }
    (void)json_object_set_new(fields, "old_pid", json_integer(r->pid));
    (void)json_object_set_new(fields, "mode", json_string("overlap"));
    sup_event(svc->sup, svc, reason, fields, true);
    log_info("%s: %s: starting a replacement beside pid %d", svc->cfg->name, reason, (int)r->pid);
    service_spawn_instance(svc);
}

void service_overlap_ready(struct service *svc)
{
    struct retiree *r = of(svc);
    if (!r || r->signalled) {
        return;
    }
    r->signalled = true;
    if (r->pidfd < 0 || syscall(SYS_pidfd_send_signal, r->pidfd, SIGTERM, NULL, 0) != 0) {
        (void)kill(r->pid, SIGTERM);
    }
    (void)timer_arm_ms(r->timer_fd, svc->cfg->drain_ms ? svc->cfg->drain_ms : 1);
    sup_event(svc->sup, svc, "retiring",
              json_pack("{s:i, s:i, s:I}", "old_pid", (int)r->pid, "new_pid", (int)svc->pid,
                        "drain_ms", (json_int_t)svc->cfg->drain_ms),
              false);
}

bool service_overlap_restore(struct service *svc)
{
    struct retiree *r = of(svc);
    if (!r || r->signalled || r->pid <= 0) {
        return false;
    }
    // the replacement is gone without getting ready: the old instance goes on serving
    svc->pid = r->pid;
    svc->pidfd = r->pidfd;
    svc->cg = r->cg;
    svc->start_mono_ms = r->start_mono_ms;
    svc->cg_gen ^= 1u;
    for (int i = 0; i < 2; i++) {
        struct relay_out out = service_relay_for(svc, i == 0);
        out.tail = NULL;
        logs_flush(&out, &r->lb[i]); // a partial line: out now, the live buffers take over
    }
    svc->out_fd = r->out_fd;
    svc->err_fd = r->err_fd;
    r->pidfd = r->out_fd = r->err_fd = -1;
    service_close_fd(svc, &r->timer_fd);
    svc->retiring = false;
    service_watch_output(svc);
    service_set_state(svc, SVC_RUNNING);
    guard_start(svc);
    svc->guard.mem_fired = true; // no memory_restart again for it: that would loop
    if (svc->overlap_again) {
        log_info("%s: the replacement was superseded: pid %d serves while the next starts",
                 svc->cfg->name, (int)svc->pid);
        overlap_again(svc);
        return true;
    }
    log_warnx("%s: the replacement did not get ready: pid %d keeps serving", svc->cfg->name,
              (int)svc->pid);
    sup_event(svc->sup, svc, "overlap-failed",
              json_pack("{s:i, s:s}", "pid", (int)svc->pid, "replacement_exit",
                        policy_exit_kind_name(svc->last_exit.kind)),
              true);
    return true;
}

bool service_retiree_reaped(struct supervisor *sup, pid_t pid, int wait_status)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        struct retiree *r = of(svc);
        if (!r || r->pid != pid) {
            continue;
        }
        char how[64];
        policy_describe_status(wait_status, how, sizeof(how));
        sup_event(sup, svc, "retired",
                  json_pack("{s:i, s:s, s:b, s:I}", "pid", (int)pid, "status", how, "killed",
                            r->killed, "uptime_ms",
                            (json_int_t)(clock_mono_ms() - r->start_mono_ms)),
                  false);
        r->pid = 0;
        r->empty_checks = 0;
        (void)cgroup_kill(&sup->cgs, &r->cg, SIGKILL); // what it left behind goes too
        (void)timer_arm_ms(r->timer_fd, RETIRE_EMPTY_MS);
        return true;
    }
    return false;
}

void service_overlap_stop(struct service *svc)
{
    struct retiree *r = of(svc);
    if (r && !r->signalled) {
        r->signalled = true;
        (void)kill(r->pid, SIGTERM);
        (void)timer_arm_ms(r->timer_fd, svc->cfg->drain_ms ? svc->cfg->drain_ms : 1);
    }
}

json_t *service_overlap_json(const struct service *svc)
{
    const struct retiree *r = of(svc);
    if (!r) {
        return json_null();
    }
    // probes_taken_by_old: readiness probes the old instance accepted (service_ready.c),
    // which say nothing of the replacement and were tried again
    return json_pack("{s:i, s:b, s:I}", "pid", (int)r->pid, "draining", r->signalled,
                     "probes_taken_by_old", (json_int_t)svc->probe_foreign);
}

void service_overlap_fini(struct service *svc)
{
    struct retiree *r = of(svc);
    if (r) {
        service_close_fd(svc, &r->pidfd);
        service_close_fd(svc, &r->timer_fd);
        service_close_fd(svc, &r->out_fd);
        service_close_fd(svc, &r->err_fd);
        svc->retiring = false;
    }
}
