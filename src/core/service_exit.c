// SPDX-License-Identifier: MIT
// What warden learns from an instance (split from service.c): its exit record, the
// processes a daemonizing main process left, its growth and the leak across instances, the
// runtime's heap cap, and the 1 s tick that ends a crash loop once an instance is stable.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "growth.h"
#include "guard.h"
#include "log.h"
#include "loop.h"
#include "outtail.h"
#include "runtime_heap.h"
#include "service_int.h"
#include "supervisor.h"

// The cgroup usage at which the runtime's own heap cap will end an instance, when warden can
// tell (Node, the JVM; runtime_heap.h): measured here, V8 aborts at about 1.07 x its
// heap_size_limit + 8 MiB of cgroup usage, the JVM at about 1.04 x -Xmx + 14 MiB; taken as
// cap + cap/16 + 8 MiB. 0 when unknown. Feeds the leak ETA's binding limit.
uint64_t service_heap_cap_usage(const struct service *svc)
{
    struct runtime_heap_input in;
    runtime_heap_input_of(svc->cfg, &in);
    struct runtime_heap_cap cap;
    if (runtime_heap_cap(&in, RUNTIME_UNKNOWN, &cap) < 0 || !cap.cap_bytes ||
        (cap.runtime != RUNTIME_NODE && cap.runtime != RUNTIME_JVM)) {
        return 0;
    }
    return cap.cap_bytes + cap.cap_bytes / 16u + (8u << 20);
}

static void flush_history(struct service *svc)
{
    if (svc->hist.fd >= 0) {
        (void)history_flush(&svc->hist); // the seconds before the exit, for its report
    }
}

void service_record_exit(struct service *svc, const struct exit_facts *f, uint64_t uptime_ms)
{
    policy_classify(f, &svc->last_exit);
    flush_history(svc);
    service_name_oom_victim(svc);
    svc->has_last_exit = true;
    svc->last_exit_wall_ms = clock_wall_ms();
    svc->last_uptime_ms = uptime_ms;
    svc->last_wait_status = f->wait_status;
    svc->oom_kills_total += f->oom_delta;
    svc->runtime_oom_total += svc->last_exit.runtime_oom > 0;
    svc->daemonized_total += svc->last_exit.daemonized;
    json_t *ev = service_exit_json(svc);
    if (svc->pid > 0) {
        (void)json_object_set_new(ev, "pid", json_integer(svc->pid));
    }
    service_exit_evidence(svc, ev); // the last output lines, the runtime's OOM line
    bool urgent = policy_is_memory_death(&svc->last_exit);
    log_info("%s: %s: %s (uptime %llu ms)", svc->cfg->name,
             policy_exit_kind_name(svc->last_exit.kind), svc->last_exit.reason,
             (unsigned long long)uptime_ms);
    sup_event(svc->sup, svc, "exit", ev, urgent);
}

// The main process exited and left processes in its cgroup: name the biggest group (a
// daemon's own name: "memcached", "nginx") before they are killed.
// pids.current counts threads; the snapshot counts processes (cgroup.procs), which is what
// "left N processes" means (memcached -d leaves one process with 6 to 10 threads).
uint64_t service_name_left(struct service *svc, uint64_t tasks)
{
    json_t *snap = guard_snapshot(svc);
    json_t *top = json_array_get(json_object_get(snap, "top"), 0);
    const char *cmd = json_string_value(json_object_get(top, "command"));
    json_t *procs = json_object_get(snap, "processes");
    (void)snprintf(svc->left_top, sizeof(svc->left_top), "%s", cmd ? cmd : "");
    uint64_t n = json_is_integer(procs) && json_integer_value(procs) > 0
                         ? (uint64_t)json_integer_value(procs)
                         : tasks;
    json_decref(snap);
    return n;
}

// A leak across instances: this instance was ended by memory (memory_restart, an OOM kill,
// its runtime's own heap death) after growing all its life at about the rate of the ones
// before it. Any other end breaks the run.
void service_track_growth(struct service *svc)
{
    const struct exit_info *e = &svc->last_exit;
    bool by_memory = policy_is_memory_death(e) || svc->guard_restart;
    double rate = 0;
    if (svc->stop_requested && !svc->guard_restart) {
        return; // an operator's stop or restart says nothing about growth
    }
    if (!by_memory || !growth_linear(&svc->growth, svc->last_uptime_ms,
                                     svc->last_stats.memory_peak_bytes, &rate)) {
        growth_runs_reset(&svc->mem_runs);
        svc->leak_across = false;
        return;
    }
    growth_runs_push(&svc->mem_runs, rate, svc->last_uptime_ms);
    uint64_t life = 0;
    if (svc->leak_across || !growth_runs_leak(&svc->mem_runs, &rate, &life)) {
        return;
    }
    svc->leak_across = true;
    svc->leak_across_rate = rate;
    svc->leak_across_life_ms = life;
    const char *limit = e->runtime_oom               ? "runtime heap"
                        : e->kind == EXIT_OOM_KILLED ? "memory_max"
                                                     : "memory_restart";
    char advice[200];
    (void)snprintf(advice, sizeof(advice),
                   "every instance grows at about %.1f MiB/s until %s ends it after ~%.1f s: a "
                   "bigger limit only postpones the crash",
                   rate / (1024.0 * 1024.0), limit, (double)life / 1000.0);
    log_warnx("%s: leak suspected across instances: %s", svc->cfg->name, advice);
    sup_event(svc->sup, svc, "leak-suspected",
              json_pack("{s:s, s:f, s:I, s:I, s:s, s:f, s:s}", "scope", "across-instances",
                        "rate_bytes_per_s", rate, "instances", (json_int_t)svc->mem_runs.count,
                        "lifetime_ms", (json_int_t)life, "limit", limit, "eta_s",
                        (double)life / 1000.0, "advice", advice),
              false);
}

/* The 1 s tick of a live instance (observe.c): its growth, and the end of a crash loop once
 * an instance has stayed up for stable_after. */
void service_check_escape(struct service *svc, const char *when)
{
    struct escape e;
    if (svc->pid <= 0 || escape_check(&svc->sup->cgs, &svc->cg, svc->pid, "/proc", &e) != 1) {
        return;
    }
    svc->escapes_total++;
    json_t *ev = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I}", "pid", (int)svc->pid, "command",
                           e.command, "where", e.where, "found_at", when, "moved_back",
                           (json_int_t)e.moved, "killed", (json_int_t)e.killed);
    if (e.move_errno) {
        (void)json_object_set_new(ev, "move_error", json_string(strerror(e.move_errno)));
    }
    if (e.truncated) {
        (void)json_object_set_new(ev, "tree_truncated_at", json_integer(ESCAPE_TREE_MAX));
    }
    sup_event(svc->sup, svc, "escaped", ev, true);
}

void service_tick(struct service *svc, uint64_t mem_bytes, uint64_t pids)
{
    // The main process leaving takes one task out of the count; a change is the cue, and a
    // check every ESCAPE_CHECK_TICKS the backstop (an exit and a fork in the same second).
    if (pids != svc->escape_pids || ++svc->escape_ticks >= ESCAPE_CHECK_TICKS) {
        svc->escape_pids = pids;
        svc->escape_ticks = 0;
        service_check_escape(svc, "tick");
    }
    uint64_t up = clock_mono_ms() - svc->start_mono_ms;
    growth_add(&svc->growth, up, mem_bytes);
    // memory.stat at the instance's highest usage so far: one read a second while it grows
    // (a leak), none while it is flat; the exit record of a memory death quotes it
    if (mem_bytes > svc->inst_memstat_usage &&
        cgroup_memory_stat(&svc->sup->cgs, &svc->cg, &svc->inst_memstat) == 0) {
        svc->inst_memstat_usage = mem_bytes;
        svc->inst_memstat_ms = clock_mono_ms();
    }
    if (svc->crashloop && svc->state == SVC_RUNNING && up >= svc->cfg->stable_after_ms) {
        unsigned n = svc->failures.count;
        svc->crashloop = false;
        svc->deterministic = false;
        svc->reason[0] = '\0';
        policy_ring_reset(&svc->failures);
        sup_event(svc->sup, svc, "stable",
                  json_pack("{s:I, s:I}", "uptime_ms", (json_int_t)up, "failures_before",
                            (json_int_t)n),
                  false);
    }
}
