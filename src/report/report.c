// SPDX-License-Identifier: MIT
// Diagnosis for `warden report` (incidents 000-003): one pass over the service's journal
// events gathers counts, the run of consecutive failures, per-instance peaks and a collapsed
// timeline; findings are then ranked (the first is the verdict) and recommendations derived
// with their evidence. Memory sizing follows the Kubernetes VPA recommender (report_rec.c).
#include "report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bounds.h"
#include "journal.h"
#include "report_int.h"
#include "units.h"

static void set_new(json_t *o, const char *key, json_t *v)
{
    if (v) {
        (void)json_object_set_new(o, key, v);
    }
}

/* ---- the pass over the journal ---- */

uint64_t rpt_ev_ms(json_t *ev)
{
    uint64_t ms = 0;
    return report_parse_time(rpt_str(ev, "time"), &ms) == 0 ? ms : 0;
}

static bool recent(const struct rpt_scan *s, uint64_t t)
{
    return t && t + REPORT_RECENT_MS >= s->now_ms;
}

static json_t *runtime_oom(json_t *ev)
{
    return json_object_get(ev, "runtime_oom");
}

static bool is_memrestart(json_t *ev)
{
    const char *reason = rpt_str(ev, "reason");
    return reason && strncmp(reason, "memory-restart", 14) == 0;
}

// The policy's failure: a guard kill or a quick memory-restart counts, an operator stop not.
static bool exit_is_failure(json_t *ev)
{
    const char *kind = rpt_str(ev, "kind");
    const char *reason = rpt_str(ev, "reason");
    long long code = 0;
    if (!kind) {
        return false;
    }
    if (strcmp(kind, "exited") == 0) {
        return (rpt_int(ev, "code", &code) && code != 0) || json_is_object(runtime_oom(ev)) ||
               json_is_true(json_object_get(ev, "daemonized"));
    }
    if (strcmp(kind, "killed-by-warden") == 0) {
        return reason && (strstr(reason, ": the cgroup was killed") ||
                          (strncmp(reason, "memory-restart", 14) == 0 &&
                           rpt_uint(ev, "uptime_ms") < DETERMINISTIC_WINDOW_MS));
    }
    return strcmp(kind, "stop-timeout") != 0;
}

static void run_push(struct rpt_scan *s, json_t *ev)
{
    struct rpt_sig *g = &s->run[s->run_next];
    long long v = 0;
    memset(g, 0, sizeof(*g));
    (void)snprintf(g->kind, sizeof(g->kind), "%s", rpt_str(ev, "kind"));
    (void)snprintf(g->err, sizeof(g->err), "%s", rpt_str(ev, "errno") ? rpt_str(ev, "errno") : "");
    g->code = rpt_int(ev, "code", &v) ? (int)v : -1;
    g->signal = rpt_int(ev, "signal", &v) ? (int)v : 0;
    g->uptime_ms = rpt_uint(ev, "uptime_ms");
    g->memory = json_is_object(runtime_oom(ev)) || strcmp(g->kind, "oom-killed") == 0 ||
                is_memrestart(ev);
    s->run_next = (s->run_next + 1) % CRASHLOOP_FAILURES;
    s->run_count++;
}

static void push_peak(struct rpt_scan *s, uint64_t peak)
{
    if (s->npeaks == REPORT_PEAKS_MAX) {
        s->peaks_dropped++; // a ring: the oldest instance gives way
    } else {
        s->npeaks++;
    }
    s->peaks[s->peaks_next] = peak;
    s->peaks_next = (s->peaks_next + 1) % REPORT_PEAKS_MAX;
}

// An instance's end by memory: its peak is a floor ("needs more than X"), never a size.
static void scan_cut(struct rpt_scan *s, json_t *ev, const char *kind, uint64_t t, uint64_t peak)
{
    uint64_t up = rpt_uint(ev, "uptime_ms");
    s->cut_hour += recent(s, t);
    if (kind && strcmp(kind, "oom-killed") == 0) { // a runtime OOM may come without a kind
        uint64_t kill = rpt_uint(ev, "usage_at_kill_bytes");
        kill = kill ? kill : peak;
        s->max_kill_bytes = kill > s->max_kill_bytes ? kill : s->max_kill_bytes;
        s->oom_total++;
        s->oom_hour += recent(s, t);
        s->last_oom = ev;
        s->kill_quick += up < DETERMINISTIC_WINDOW_MS;
        s->first_kill_ms = s->oom_total == 1 || up < s->first_kill_ms ? up : s->first_kill_ms;
        s->last_kill_ms = up > s->last_kill_ms ? up : s->last_kill_ms;
    } else if (json_is_object(runtime_oom(ev))) {
        s->runtime_oom_total++;
        s->runtime_oom_hour += recent(s, t);
        s->last_runtime_oom = ev;
        s->runtime_floor_bytes = peak > s->runtime_floor_bytes ? peak : s->runtime_floor_bytes;
    }
    if (is_memrestart(ev) && up < DETERMINISTIC_WINDOW_MS) {
        s->memrestart_quick++;
    }
}

static void scan_exit(struct rpt_scan *s, json_t *ev, uint64_t t)
{
    const char *kind = rpt_str(ev, "kind");
    bool fail = exit_is_failure(ev);
    uint64_t peak = rpt_uint(ev, "memory_peak_bytes");
    bool cut = (kind && strcmp(kind, "oom-killed") == 0) || json_is_object(runtime_oom(ev)) ||
               is_memrestart(ev);
    s->exits++;
    s->last_exit = ev;
    if (cut) {
        scan_cut(s, ev, kind, t, peak);
    } else if (peak && rpt_uint(ev, "uptime_ms") >= DETERMINISTIC_WINDOW_MS) {
        push_peak(s, peak); // ran long enough to be measured, and nothing cut it short
    } else if (peak) {
        s->short_instances++;
    }
    if (json_is_true(json_object_get(ev, "daemonized")) && recent(s, t)) {
        s->daemon_hour++;
        s->last_daemon = ev;
    }
    if (rpt_str(ev, "bind_error")) {
        s->last_bind = ev;
    }
    if (fail) {
        s->failures++;
        s->failures_hour += recent(s, t);
        // memory deaths, storm kills and daemons have findings of their own
        bool own =
                cut || json_is_true(json_object_get(ev, "daemonized")) ||
                (rpt_str(ev, "reason") && strncmp(rpt_str(ev, "reason"), "process-storm", 13) == 0);
        s->other_fail_hour += recent(s, t) && !own;
        s->last_failure = ev;
        run_push(s, ev);
    } else if (kind && strcmp(kind, "exited") == 0) {
        s->run_count = 0; // a clean exit ends the run, as policy_ring_reset does
    }
    rpt_exit_add(s, ev, fail);
}

static void scan_guard(struct rpt_scan *s, json_t *ev, const char *type, uint64_t t)
{
    bool r = recent(s, t);
    if (strcmp(type, "memory-restart") == 0) {
        uint64_t u = rpt_uint(ev, "usage_bytes");
        s->restart_usage_max = u > s->restart_usage_max ? u : s->restart_usage_max;
        s->memrestart_hour += r;
        s->memrestart_total++;
        s->last_memrestart = ev;
    } else if (strcmp(type, "process-storm") == 0) {
        s->storm_hour += r;
        s->last_storm = ev;
    } else if (strcmp(type, "pids-warn") == 0) {
        s->pidswarn_hour += r;
        s->last_pidswarn = ev;
    } else if (strcmp(type, "fork-failures") == 0) {
        s->forkfail_hour += r ? (unsigned)rpt_uint(ev, "refused") : 0;
        s->last_forkfail = ev;
    } else if (strcmp(type, "host-pressure") == 0) {
        s->host_hour += r;
    } else if (strcmp(type, "leak-suspected") == 0) {
        s->last_leak = ev;
        s->last_leak_ms = t;
        const char *scope = rpt_str(ev, "scope");
        if (scope && strcmp(scope, "across-instances") == 0) {
            s->last_leak_across = ev;
        }
    } else if (strcmp(type, "port-conflict") == 0) {
        s->last_port = ev; // hook: the event is planned (DESIGN), its fields in the schema doc
        s->last_port_ms = t;
    }
}

// The state the journal implies, for when the daemon cannot be asked.
static void scan_state(struct rpt_scan *s, json_t *ev, const char *type, uint64_t t)
{
    static const char *const map[][2] = {
            {"start", "starting"},
            {"running", "running"},
            {"backoff", "backoff"},
            {"stopping", "draining"},
            {"crash-looping", "crash-looping"},
            {"failed", "failed"},
            {"stopped", "stopped"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(type, map[i][0]) == 0) {
            (void)snprintf(s->state, sizeof(s->state), "%s", map[i][1]);
        }
    }
    if (strcmp(type, "start") == 0) {
        s->starts++;
        s->last_start_ms = t;
    } else if (strcmp(type, "crash-looping") == 0) {
        s->last_crashloop = ev;
    } else if (strcmp(type, "failed") == 0) {
        s->last_failed = ev;
    } else if (strcmp(type, "operator") == 0) {
        const char *cmd = rpt_str(ev, "command");
        if (cmd && (strcmp(cmd, "start") == 0 || strcmp(cmd, "restart") == 0)) {
            s->run_count = 0; // an operator's start closes the breaker
        }
    } else if (strcmp(type, "warden-stop") == 0) {
        (void)snprintf(s->state, sizeof(s->state), "stopped");
    } else if (strcmp(type, "stable") == 0) {
        s->run_count = 0; // an instance stayed up for stable_after: the crash loop is over
    }
}

static void scan_event(struct rpt_scan *s, json_t *ev)
{
    const char *type = rpt_str(ev, "type");
    if (!type) {
        s->skipped++;
        return;
    }
    uint64_t t = rpt_ev_ms(ev);
    s->events++;
    if (t && (!s->first_ms || t < s->first_ms)) {
        s->first_ms = t;
        s->first_time = rpt_str(ev, "time");
    }
    if (t >= s->last_ms && t) {
        s->last_ms = t;
        s->last_time = rpt_str(ev, "time");
    }
    scan_state(s, ev, type, t);
    if (strcmp(type, "exit") == 0) {
        scan_exit(s, ev, t);
    } else {
        scan_guard(s, ev, type, t);
    }
    rpt_timeline_add(s, ev, type, t);
}

/* ---- findings ---- */

static const char *const sev_names[] = {"ok", "info", "warning", "critical"};

static void finding(struct rpt_scan *s, const char *code, enum rpt_sev sev, json_t *text)
{
    if (!text) {
        return;
    }
    json_t *f =
            json_pack("{s:s, s:s, s:o}", "code", code, "severity", sev_names[sev], "text", text);
    rpt_add(s->findings, f);
    if (sev > s->worst) {
        s->worst = sev;
    }
}

// All of the newest n failures alike and within DETERMINISTIC_WINDOW_MS of start?
bool rpt_deterministic(const struct rpt_scan *s, unsigned *n_out)
{
    unsigned n = s->run_count < CRASHLOOP_FAILURES ? s->run_count : CRASHLOOP_FAILURES;
    *n_out = n;
    if (n < 3) {
        return false;
    }
    const struct rpt_sig *last =
            &s->run[(s->run_next + CRASHLOOP_FAILURES - 1) % CRASHLOOP_FAILURES];
    for (unsigned i = 0; i < n; i++) {
        const struct rpt_sig *g =
                &s->run[(s->run_next + CRASHLOOP_FAILURES - 1 - i) % CRASHLOOP_FAILURES];
        if (strcmp(g->kind, last->kind) != 0 || g->code != last->code ||
            g->signal != last->signal || strcmp(g->err, last->err) != 0 ||
            g->uptime_ms >= DETERMINISTIC_WINDOW_MS || strcmp(g->kind, "oom-killed") == 0 ||
            strcmp(g->kind, "killed-by-warden") == 0 || g->memory) {
            // an OOM kill or warden's own kill is about memory, not the program's logic
            return false;
        }
    }
    return true;
}

const struct rpt_sig *rpt_last_sig(const struct rpt_scan *s)
{
    return &s->run[(s->run_next + CRASHLOOP_FAILURES - 1) % CRASHLOOP_FAILURES];
}

static uint64_t run_max_uptime(const struct rpt_scan *s, unsigned n)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t u =
                s->run[(s->run_next + CRASHLOOP_FAILURES - 1 - i) % CRASHLOOP_FAILURES].uptime_ms;
        m = u > m ? u : m;
    }
    return m;
}

static bool crash_looping(const struct rpt_scan *s)
{
    const char *st = s->state;
    if (strcmp(st, "crash-looping") == 0 ||
        json_is_true(json_object_get(s->in->status, "crash_looping"))) {
        return true; // a condition that holds through brief instances (status)
    }
    if (s->in->status && strcmp(st, "failed") != 0) {
        return false; // the daemon says it is not
    }
    bool stuck = strcmp(st, "failed") == 0 || strcmp(st, "backoff") == 0;
    return stuck && s->run_count >= CRASHLOOP_FAILURES;
}

// "crash-looping because it exits with code 2 every time, ..."
static json_t *crashloop_text(const struct rpt_scan *s)
{
    unsigned n = 0;
    bool det = rpt_deterministic(s, &n);
    const struct rpt_sig *g = rpt_last_sig(s);
    char up[32], lim[32];
    rpt_dur(run_max_uptime(s, n), up, sizeof(up));
    const char *gave_up = strcmp(s->state, "failed") == 0 ? "; warden stopped retrying" : "";
    if (det && g->signal && strcmp(g->kind, "exited") != 0) {
        return json_sprintf("crash-looping because it is killed by signal %d (SIG%s) every time "
                            "(%u of %u), within %s of start: deterministic%s",
                            g->signal, sigabbrev_np(g->signal) ? sigabbrev_np(g->signal) : "?", n,
                            n, up, gave_up);
    }
    if (det && strcmp(g->kind, "exited") == 0) {
        json_t *tail = json_object_get(s->last_failure, "tail");
        const char *last = NULL;
        for (size_t i = json_array_size(tail); i > 0 && !last; i--) {
            const char *l = json_string_value(json_array_get(tail, i - 1));
            last = l && *l ? l : NULL;
        }
        return json_sprintf("crash-looping because it exits with code %d every time (%u of %u), "
                            "within %s of start: deterministic%s%s%.*s%s",
                            g->code, n, n, up, gave_up, last ? "; its last line: \"" : "",
                            last ? rpt_cut(last, RPT_QUOTE_MAX) : 0, last ? last : "",
                            last ? "\"" : "");
    }
    if (det) {
        return json_sprintf("crash-looping because it fails the same way every time (%s, %u of "
                            "%u), within %s of start: deterministic%s",
                            g->kind, n, n, up, gave_up);
    }
    if (s->last_oom && s->last_failure == s->last_oom) {
        rpt_mib(s->max_kill_bytes, lim, sizeof(lim));
        return json_sprintf("crash-looping because it is OOM-killed at memory_max (%s), %u "
                            "times in the last hour%s",
                            lim, s->oom_hour, gave_up);
    }
    const char *reason = s->last_failure ? rpt_str(s->last_failure, "reason") : NULL;
    reason = reason ? reason : "?";
    return json_sprintf("crash-looping because of %u consecutive failures (last: %.*s)%s",
                        s->run_count, rpt_cut(reason, RPT_QUOTE_MAX), reason, gave_up);
}

static json_t *exec_text(const struct rpt_scan *s)
{
    const char *reason = rpt_str(s->last_exit, "reason");
    const char *err = rpt_str(s->last_exit, "errno");
    reason = reason ? reason : "exec failed";
    return json_sprintf("exec failure: %.*s (%s)%s", rpt_cut(reason, RPT_QUOTE_MAX), reason,
                        err ? err : "?",
                        strcmp(s->state, "failed") == 0 ? "; warden stopped retrying" : "");
}

static bool exec_failing(const struct rpt_scan *s)
{
    const char *kind = s->last_exit ? rpt_str(s->last_exit, "kind") : NULL;
    const char *err = s->last_exit ? rpt_str(s->last_exit, "errno") : NULL;
    // a held listen address is a start failure of its own (port-conflict)
    return kind && strcmp(kind, "exec-failed") == 0 && strcmp(s->state, "running") != 0 &&
           !(err && strcmp(err, "EADDRINUSE") == 0);
}

static void storm_finding(struct rpt_scan *s)
{
    json_t *snap = json_object_get(s->last_storm, "snapshot");
    const char *sum = rpt_str(snap, "summary");
    sum = sum ? sum : "no snapshot";
    finding(s, "process-storm", RPT_CRITICAL,
            json_sprintf("process storm: %llu processes (pids_kill %llu), killed %u time%s in "
                         "the last hour; top: %.*s",
                         (unsigned long long)rpt_uint(s->last_storm, "pids"),
                         (unsigned long long)rpt_uint(s->last_storm, "threshold"), s->storm_hour,
                         s->storm_hour == 1 ? "" : "s", rpt_cut(sum, RPT_QUOTE_MAX), sum));
}

static void oom_finding(struct rpt_scan *s)
{
    char kill[32], lim[32];
    uint64_t limit = rpt_uint(s->last_oom, "memory_max_bytes");
    limit = limit ? limit : s->limit_bytes;
    rpt_mib(s->max_kill_bytes, kill, sizeof(kill));
    rpt_mib(limit, lim, sizeof(lim));
    char soon[160] = "";
    if (s->kill_quick == s->oom_total && s->oom_total >= 2) {
        char a[32], b[32];
        rpt_dur(s->first_kill_ms, a, sizeof(a));
        rpt_dur(s->last_kill_ms, b, sizeof(b));
        (void)snprintf(soon, sizeof(soon), ", each %s..%s after start%s", a, b,
                       crash_looping(s) ? ": crash-looping" : "");
    }
    finding(s, "oom-killed", RPT_CRITICAL,
            json_sprintf("OOM-killed %u time%s in the last hour (usage at kill %s, memory_max "
                         "%s)%s",
                         s->oom_hour, s->oom_hour == 1 ? "" : "s", kill, limit ? lim : "unset",
                         soon));
}

static void leak_finding(struct rpt_scan *s)
{
    char eta[32], when[48] = "";
    if (rpt_leak_across(s)) {
        json_t *ev = s->last_leak_across;
        const char *limit = rpt_str(ev, "limit");
        char life[32];
        rpt_dur(rpt_uint(ev, "lifetime_ms"), life, sizeof(life));
        finding(s, "leak", RPT_CRITICAL,
                json_sprintf("leaking: every instance grows ~%.1f MiB/s until %s ends it, after "
                             "~%s (%llu instances in a row); the restarts only hide it",
                             s->leak_rate / (double)RPT_MIB, limit ? limit : "a limit", life,
                             (unsigned long long)rpt_uint(ev, "instances")));
        return;
    }
    double mib_min = s->leak_rate * 60.0 / (double)RPT_MIB;
    if (s->leak_eta_s < 0) {
        finding(s, "leak", RPT_WARNING,
                json_sprintf("leaking %.2f MiB/min (no memory limit to reach)", mib_min));
        return;
    }
    rpt_dur((uint64_t)(s->leak_eta_s * 1000.0), eta, sizeof(eta));
    uint64_t at = s->leak_at_ms + (uint64_t)(s->leak_eta_s * 1000.0);
    char iso[32];
    if (s->leak_at_ms && journal_format_time(at, iso, sizeof(iso)) == 0) {
        (void)snprintf(when, sizeof(when), " (about %.5s UTC)", iso + 11);
    }
    finding(s, "leak", s->leak_eta_s < REPORT_RECENT_MS / 1000.0 ? RPT_CRITICAL : RPT_WARNING,
            json_sprintf("leaking %.2f MiB/min, limit reached in ~%s%s", mib_min, eta, when));
}

static void guard_findings(struct rpt_scan *s)
{
    char u[32];
    if (s->memrestart_hour) {
        rpt_mib(rpt_uint(s->last_memrestart, "threshold_bytes"), u, sizeof(u));
        finding(s, "memory-restart", RPT_WARNING,
                json_sprintf("restarted %u time%s in the last hour by memory_restart (%s) "
                             "before the OOM killer",
                             s->memrestart_hour, s->memrestart_hour == 1 ? "" : "s", u));
    }
    if (s->forkfail_hour) {
        finding(s, "fork-failures", RPT_WARNING,
                json_sprintf("%u forks refused at pids_max (%llu) in the last hour",
                             s->forkfail_hour,
                             (unsigned long long)rpt_uint(s->last_forkfail, "pids_max")));
    }
    if (s->pidswarn_hour && !s->storm_hour) {
        const char *sum = rpt_str(json_object_get(s->last_pidswarn, "snapshot"), "summary");
        sum = sum ? sum : "no snapshot";
        finding(s, "pids-warn", RPT_WARNING,
                json_sprintf("%llu processes crossed pids_warn (%llu); top: %.*s",
                             (unsigned long long)rpt_uint(s->last_pidswarn, "pids"),
                             (unsigned long long)rpt_uint(s->last_pidswarn, "threshold"),
                             rpt_cut(sum, RPT_QUOTE_MAX), sum));
    }
    if (s->host_hour) {
        finding(s, "host-pressure", RPT_WARNING,
                json_sprintf("stopped %u time%s in the last hour by the host memory guard",
                             s->host_hour, s->host_hour == 1 ? "" : "s"));
    }
}

static void other_findings(struct rpt_scan *s, bool looping)
{
    if (s->other_fail_hour && !looping && !exec_failing(s)) {
        const char *reason = rpt_str(s->last_failure, "reason");
        reason = reason ? reason : "?";
        finding(s, "failures", RPT_WARNING,
                json_sprintf("%u failure%s in the last hour (last: %.*s)", s->other_fail_hour,
                             s->other_fail_hour == 1 ? "" : "s", rpt_cut(reason, RPT_QUOTE_MAX),
                             reason));
    }
    if (strcmp(s->state, "failed") == 0 && !looping && !exec_failing(s)) {
        const char *reason = rpt_str(s->last_failed, "reason");
        reason = reason ? reason : "?";
        finding(s, "failed", RPT_CRITICAL,
                json_sprintf("failed: %.*s", rpt_cut(reason, RPT_QUOTE_MAX), reason));
    }
    if (s->oom_total > s->oom_hour && !s->oom_hour) {
        finding(s, "oom-earlier", RPT_INFO,
                json_sprintf("OOM-killed %u time%s earlier (none in the last hour)", s->oom_total,
                             s->oom_total == 1 ? "" : "s"));
    }
}

// The verdict when nothing is wrong: healthy, stopped, or no data.
static json_t *quiet_verdict(const struct rpt_scan *s)
{
    char up[32];
    const char *st = s->state;
    if (!s->events && !s->in->status) {
        return json_pack("{s:s, s:s, s:s}", "code", "no-data", "severity", "info", "text",
                         "no data: no journal events and no live status for this service");
    }
    if (strcmp(st, "running") == 0 || strcmp(st, "starting") == 0) {
        rpt_dur(s->uptime_ms, up, sizeof(up));
        return json_pack("{s:s, s:s, s:o}", "code", "healthy", "severity", "ok", "text",
                         json_sprintf("healthy: %s for %s, no failures in the last hour", st, up));
    }
    return json_pack("{s:s, s:s, s:o}", "code", "stopped", "severity", "info", "text",
                     json_sprintf("not running (%s), no failures in the last hour", st));
}

// The last failure was a memory death: its own finding names it (and the crash loop).
static bool memory_loop(const struct rpt_scan *s)
{
    return s->run_count && rpt_last_sig(s)->memory;
}

static void port_finding(struct rpt_scan *s)
{
    if (!s->last_port || !recent(s, s->last_port_ms) || strcmp(s->state, "running") == 0) {
        return;
    }
    const char *holder = rpt_str(s->last_port, "holder");
    const char *addr = rpt_str(s->last_port, "address");
    finding(s, "port-conflict", RPT_CRITICAL,
            json_sprintf("port conflict: %s is held by %s; warden keeps backing off and names "
                         "the holder each time",
                         addr ? addr : "?", holder && *holder ? holder : "another process"));
}

static void rank_findings(struct rpt_scan *s)
{
    bool exec = exec_failing(s);
    bool looping = crash_looping(s) && !exec;
    bool daemon = s->daemon_hour && s->last_failure == s->last_daemon;
    if (exec) {
        finding(s, "exec-failure", RPT_CRITICAL, exec_text(s));
    }
    port_finding(s);
    if (daemon) {
        finding(s, "daemonized", RPT_CRITICAL, rpt_daemon_text(s));
    }
    if (s->runtime_oom_hour) {
        finding(s, "runtime-oom", RPT_CRITICAL, rpt_runtime_text(s));
    }
    if (s->leak_rate > 0) {
        leak_finding(s);
    }
    if (s->oom_hour) {
        oom_finding(s);
    }
    if (looping && !daemon &&
        !(memory_loop(s) &&
          (s->oom_hour || s->runtime_oom_hour || s->leak_rate > 0 || s->memrestart_hour))) {
        finding(s, "crash-looping", RPT_CRITICAL, crashloop_text(s));
    }
    if (s->storm_hour) {
        storm_finding(s);
    }
    guard_findings(s);
    other_findings(s, looping || daemon);
    if (s->worst < RPT_WARNING) {
        json_t *v = quiet_verdict(s);
        if (v) {
            (void)json_array_insert_new(s->findings, 0, v);
        }
    }
}

/* ---- the state and the leak ---- */

static void read_status(struct rpt_scan *s)
{
    const struct report_input *in = s->in;
    json_t *st = in->status;
    const char *state = rpt_str(st, "state");
    if (state) {
        (void)snprintf(s->state, sizeof(s->state), "%s", state);
    } else if (!s->state[0]) {
        (void)snprintf(s->state, sizeof(s->state), "unknown");
    }
    json_t *mem = json_object_get(st, "memory");
    s->limit_bytes = in->memory_max_bytes ? in->memory_max_bytes : rpt_uint(mem, "max_bytes");
    if (!s->limit_bytes && s->last_exit) {
        s->limit_bytes = rpt_uint(s->last_exit, "memory_max_bytes");
    }
    json_t *up = json_object_get(st, "uptime_s");
    if (json_is_number(up) && json_number_value(up) > 0) {
        s->uptime_ms = (uint64_t)(json_number_value(up) * 1000.0);
    } else if (s->last_start_ms && s->now_ms > s->last_start_ms &&
               (strcmp(s->state, "running") == 0 || strcmp(s->state, "starting") == 0)) {
        s->uptime_ms = s->now_ms - s->last_start_ms; // a stopped service has no uptime
    }
    // the status's own leak (guard.leak) counts like a leak-suspected event now
    json_t *leak = json_object_get(json_object_get(st, "guard"), "leak");
    json_t *rate = json_object_get(leak, "rate_bytes_per_s");
    if (json_is_number(rate) && !s->last_leak) {
        json_t *eta = json_object_get(leak, "eta_s");
        s->leak_rate = json_number_value(rate);
        s->leak_eta_s = json_is_number(eta) ? json_number_value(eta) : -1;
        s->leak_at_ms = s->now_ms;
        s->leak_source = "status";
    }
}

static void choose_leak(struct rpt_scan *s)
{
    bool live = strcmp(s->state, "running") == 0 || strcmp(s->state, "starting") == 0;
    if (s->last_leak && (s->last_leak_ms >= s->last_start_ms || recent(s, s->last_leak_ms))) {
        json_t *eta = json_object_get(s->last_leak, "eta_s");
        json_t *rate = json_object_get(s->last_leak, "rate_bytes_per_s");
        json_t *r2 = json_object_get(s->last_leak, "r2");
        s->leak_rate = json_is_number(rate) ? json_number_value(rate) : 0;
        s->leak_eta_s = json_is_number(eta) ? json_number_value(eta) : -1;
        s->leak_r2 = json_is_number(r2) ? json_number_value(r2) : 0;
        s->leak_at_ms = s->last_leak_ms;
        s->leak_source = "event";
        return;
    }
    if (s->leak_rate > 0 || !live) {
        return;
    }
    uint64_t limit = s->in->memory_restart_bytes ? s->in->memory_restart_bytes : s->limit_bytes;
    struct trend_fit fit;
    if (rpt_history_leak(s->in, s->last_start_ms, limit, &fit)) {
        s->leak_rate = fit.rate_bytes_per_s;
        s->leak_eta_s = fit.eta_s;
        s->leak_r2 = fit.r2;
        s->leak_at_ms = s->now_ms;
        s->leak_source = "history";
    }
}

/* ---- assembly ---- */

static json_t *state_json(const struct rpt_scan *s)
{
    json_t *st = s->in->status;
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", s->state, "source",
                          rpt_str(st, "state") ? "status" : (s->events ? "journal" : "none"),
                          "uptime_ms", (json_int_t)s->uptime_ms, "starts", (json_int_t)s->starts);
    if (!o) {
        return NULL;
    }
    bool live = strcmp(s->state, "running") == 0 || strcmp(s->state, "starting") == 0;
    const char *since = s->last_exit ? rpt_str(s->last_exit, "time") : NULL;
    if (!live && since) {
        (void)json_object_set_new(o, "since", json_string(since)); // when it last ran
    }
    static const char *const copy[] = {
            "pid",    "restarts",     "oom_kills",     "consecutive_failures",
            "reason", "next_start_s", "crash_looping", "deterministic"};
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
        json_t *v = json_object_get(st, copy[i]);
        if (v) {
            (void)json_object_set(o, copy[i], v);
        }
    }
    return o;
}

static json_t *summary_json(const struct rpt_scan *s)
{
    json_t *o = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "events", (json_int_t)s->events,
            "events_skipped", (json_int_t)s->skipped, "starts", (json_int_t)s->starts, "exits",
            (json_int_t)s->exits, "failures", (json_int_t)s->failures, "failures_last_hour",
            (json_int_t)s->failures_hour, "oom_kills", (json_int_t)s->oom_total,
            "oom_kills_last_hour", (json_int_t)s->oom_hour, "memory_restarts_last_hour",
            (json_int_t)s->memrestart_hour, "consecutive_failures", (json_int_t)s->run_count);
    if (o) {
        set_new(o, "first_event", s->first_time ? json_string(s->first_time) : json_null());
        set_new(o, "last_event", s->last_time ? json_string(s->last_time) : json_null());
    }
    return o;
}

static json_t *leak_json(const struct rpt_scan *s)
{
    if (s->leak_rate <= 0) {
        return json_null();
    }
    char at[32] = "";
    json_t *o = json_pack("{s:f, s:f, s:f, s:s}", "rate_bytes_per_s", s->leak_rate,
                          "rate_mib_per_min", s->leak_rate * 60.0 / (double)RPT_MIB, "r2",
                          s->leak_r2, "source", s->leak_source);
    if (o) {
        bool ok = s->leak_at_ms && journal_format_time(s->leak_at_ms, at, sizeof(at)) == 0;
        set_new(o, "time", ok ? json_string(at) : json_null());
        set_new(o, "eta_s", s->leak_eta_s >= 0 ? json_real(s->leak_eta_s) : json_null());
    }
    return o;
}

static json_t *assemble(struct rpt_scan *s)
{
    char now[32] = "";
    (void)journal_format_time(s->now_ms, now, sizeof(now));
    json_t *verdict = json_array_get(s->findings, 0);
    json_t *r = json_pack("{s:s, s:s, s:s, s:O, s:O, s:o, s:o}", "schema", REPORT_SCHEMA, "service",
                          s->in->service ? s->in->service : "?", "generated_at", now, "verdict",
                          verdict, "findings", s->findings, "state", state_json(s), "summary",
                          summary_json(s));
    if (!r) {
        return NULL;
    }
    set_new(r, "command", s->in->command ? json_string(s->in->command) : json_null());
    set_new(r, "timeline", rpt_timeline_json(s));
    set_new(r, "timeline_omitted", json_integer((json_int_t)s->tl_omitted));
    (void)json_object_set(r, "exits", s->exits_json);
    set_new(r, "exits_omitted", json_integer((json_int_t)s->exits_omitted));
    rpt_size_memory(s);
    set_new(r, "memory", rpt_memory_json(s));
    set_new(r, "pids", rpt_pids_json(s));
    set_new(r, "leak", leak_json(s));
    set_new(r, "recommendations", rpt_recommend(s));
    return r;
}

json_t *report_build(const struct report_input *in)
{
    struct rpt_scan *s = calloc(1, sizeof(*s)); // ~60 KiB: peaks ring and timeline
    if (!s) {
        return NULL;
    }
    s->in = in;
    s->now_ms = in->now_ms;
    s->leak_eta_s = -1;
    s->findings = json_array();
    s->exits_json = json_array();
    json_t *r = NULL;
    if (!s->findings || !s->exits_json) {
        goto out;
    }
    size_t n = json_is_array(in->events) ? json_array_size(in->events) : 0;
    for (size_t i = 0; i < n && !in->now_ms; i++) {
        uint64_t t = rpt_ev_ms(json_array_get(in->events, i)); // no clock given: the journal's
        s->now_ms = t > s->now_ms ? t : s->now_ms;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_array_get(in->events, i);
        if (json_is_object(ev)) {
            scan_event(s, ev);
        } else {
            s->skipped++;
        }
    }
    read_status(s);
    choose_leak(s);
    rank_findings(s);
    r = assemble(s);
out:
    json_decref(s->findings);
    json_decref(s->exits_json);
    free(s);
    return r;
}
