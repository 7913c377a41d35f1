// SPDX-License-Identifier: MIT
// The report's derived parts: the collapsed timeline, the classified exits, the memory_max
// sizing and the recommendations with their evidence. Sizing rule (stated in the report
// too): the Kubernetes VPA recommender's target, the 90th percentile of per-interval peak
// usage plus a 15% margin; after an OOM kill at least max(usage + 100 MiB, usage x 1.2),
// VPA's OOM bump (oom-min-bump-up-bytes, oom-bump-up-ratio); never below 6 MiB, the least
// memory Docker (hence ECS) accepts for a container.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"
#include "report.h"
#include "report_int.h"

#define VPA_PERCENTILE     90u  // percent
#define VPA_MARGIN_PCT     15u  // percent added to the percentile
#define OOM_BUMP_PCT       120u // usage at kill x 1.2
#define OOM_BUMP_MIN_BYTES (100ull * RPT_MIB)
#define MEM_FLOOR_BYTES    (6ull * RPT_MIB)
#define RESTART_SHARE_PCT  90u // memory_restart at most 90% of memory_max: room to drain

/* ---- timeline ---- */

static const char *const sev_names[] = {"ok", "info", "warning", "critical"};

// key and text of an exit: "exit code 2", "OOM-killed at memory_max (96.0 MiB)", ...
static enum rpt_sev exit_words(json_t *ev, char *key, size_t klen, char *text, size_t tlen)
{
    const char *kind = rpt_str(ev, "kind"), *err = rpt_str(ev, "errno");
    const char *reason = rpt_str(ev, "reason");
    long long code = -1, sig = 0;
    char lim[32];
    kind = kind ? kind : "?";
    reason = reason ? reason : "";
    (void)rpt_int(ev, "code", &code);
    (void)rpt_int(ev, "signal", &sig);
    int cut = (int)strcspn(reason, ";");
    cut = rpt_cut(reason, cut < RPT_QUOTE_MAX ? cut : RPT_QUOTE_MAX);
    (void)snprintf(key, klen, "exit|%s|%lld|%lld|%s|%.*s", kind, code, sig, err ? err : "",
                   strcmp(kind, "killed-by-warden") == 0 ? cut : 0, reason);
    const char *rt = rpt_str(json_object_get(ev, "runtime_oom"), "runtime");
    if (rt) {
        (void)snprintf(key + strlen(key), klen - strlen(key), "|%s", rt);
        (void)snprintf(text, tlen, "%s runtime out of memory (%s %lld)", rt,
                       sig ? "signal" : "exit code", sig ? sig : code);
        return RPT_CRITICAL;
    }
    if (strcmp(kind, "exited") == 0 && json_is_true(json_object_get(ev, "daemonized"))) {
        (void)snprintf(key + strlen(key), klen - strlen(key), "|daemonized");
        (void)snprintf(text, tlen, "exit code 0, daemonized (left %llu processes running)",
                       (unsigned long long)rpt_uint(ev, "left_processes"));
        return RPT_WARNING;
    }
    if (strcmp(kind, "exited") == 0) {
        (void)snprintf(text, tlen, "exit code %lld", code);
        return code ? RPT_WARNING : RPT_INFO;
    }
    if (strcmp(kind, "oom-killed") == 0) {
        rpt_mib(rpt_uint(ev, "memory_max_bytes"), lim, sizeof(lim));
        (void)snprintf(text, tlen, "OOM-killed at memory_max (%s)", lim);
        return RPT_CRITICAL;
    }
    if (strcmp(kind, "killed") == 0 || strcmp(kind, "killed-externally") == 0) {
        (void)snprintf(text, tlen, "killed by signal %lld (SIG%s), not by warden", sig,
                       sigabbrev_np((int)sig) ? sigabbrev_np((int)sig) : "?");
        return RPT_WARNING;
    }
    if (strcmp(kind, "exec-failed") == 0) {
        (void)snprintf(text, tlen, "exec failed (%s)", err ? err : "?");
        return RPT_CRITICAL;
    }
    if (strcmp(kind, "killed-by-warden") == 0) {
        (void)snprintf(text, tlen, "killed by warden: %.*s", cut, reason);
        return strstr(reason, ": the cgroup was killed") ? RPT_CRITICAL : RPT_INFO;
    }
    (void)snprintf(text, tlen, "%s: %.*s", kind, rpt_cut(reason, RPT_QUOTE_MAX), reason);
    return RPT_WARNING;
}

// Guard events: the fields that matter in a few words.
static enum rpt_sev guard_words(json_t *ev, const char *type, char *text, size_t tlen)
{
    char a[32], b[32];
    if (strcmp(type, "memory-restart") == 0 || strcmp(type, "memory-high") == 0) {
        rpt_mib(rpt_uint(ev, "usage_bytes"), a, sizeof(a));
        rpt_mib(rpt_uint(ev, "threshold_bytes"), b, sizeof(b));
        (void)snprintf(text, tlen, "%s: usage %s crossed %s", type, a, b);
        return type[7] == 'r' ? RPT_WARNING : RPT_INFO;
    }
    if (strcmp(type, "leak-suspected") == 0) {
        json_t *rate = json_object_get(ev, "rate_bytes_per_s");
        (void)snprintf(text, tlen, "leak suspected: +%.2f MiB/min",
                       json_is_number(rate) ? json_number_value(rate) * 60.0 / (double)RPT_MIB
                                            : 0.0);
        return RPT_WARNING;
    }
    if (strcmp(type, "pids-warn") == 0 || strcmp(type, "process-storm") == 0) {
        bool storm = type[1] == 'r';
        (void)snprintf(text, tlen, "%s: %llu processes (threshold %llu)%s", type,
                       (unsigned long long)rpt_uint(ev, "pids"),
                       (unsigned long long)rpt_uint(ev, "threshold"),
                       storm ? ", cgroup frozen and killed" : "");
        return storm ? RPT_CRITICAL : RPT_WARNING;
    }
    if (strcmp(type, "fork-failures") == 0) {
        (void)snprintf(text, tlen, "%llu forks refused at pids_max %llu",
                       (unsigned long long)rpt_uint(ev, "refused"),
                       (unsigned long long)rpt_uint(ev, "pids_max"));
        return RPT_WARNING;
    }
    if (strcmp(type, "host-pressure") == 0) {
        const char *trig = rpt_str(ev, "trigger"), *act = rpt_str(ev, "action");
        (void)snprintf(text, tlen, "host memory pressure (%s): %s", trig ? trig : "?",
                       act ? act : "?");
        return RPT_WARNING;
    }
    (void)snprintf(text, tlen, "port conflict on port %llu",
                   (unsigned long long)rpt_uint(ev, "port"));
    return RPT_CRITICAL;
}

// false: the event is routine (start, running, backoff, stopping) and stays off the timeline.
static bool describe(json_t *ev, const char *type, struct rpt_tl *e)
{
    static const char *const routine[] = {"start", "running", "ready", "backoff", "stopping"};
    static const char *const guards[] = {"memory-restart", "memory-high",   "leak-suspected",
                                         "pids-warn",      "process-storm", "fork-failures",
                                         "host-pressure",  "port-conflict"};
    const char *reason = rpt_str(ev, "reason");
    reason = reason ? reason : "";
    for (size_t i = 0; i < sizeof(routine) / sizeof(routine[0]); i++) {
        if (strcmp(type, routine[i]) == 0) {
            return false;
        }
    }
    (void)snprintf(e->key, sizeof(e->key), "%s", type);
    if (strcmp(type, "exit") == 0) {
        e->sev = exit_words(ev, e->key, sizeof(e->key), e->text, sizeof(e->text));
        return true;
    }
    for (size_t i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
        if (strcmp(type, guards[i]) == 0) {
            e->sev = guard_words(ev, type, e->text, sizeof(e->text));
            return true;
        }
    }
    e->sev = RPT_INFO;
    if (strcmp(type, "crash-looping") == 0) {
        e->sev = RPT_CRITICAL;
        (void)snprintf(e->text, sizeof(e->text), "crash-looping (%llu consecutive failures)",
                       (unsigned long long)rpt_uint(ev, "consecutive_failures"));
    } else if (strcmp(type, "failed") == 0) {
        e->sev = RPT_CRITICAL;
        (void)snprintf(e->text, sizeof(e->text), "failed: %.*s", rpt_cut(reason, RPT_QUOTE_MAX),
                       reason);
    } else if (strcmp(type, "operator") == 0) {
        const char *cmd = rpt_str(ev, "command");
        (void)snprintf(e->text, sizeof(e->text), "operator: %.*s",
                       rpt_cut(cmd ? cmd : "?", RPT_QUOTE_MAX), cmd ? cmd : "?");
    } else {
        (void)snprintf(e->text, sizeof(e->text), "%s%s%.*s", type, *reason ? ": " : "",
                       rpt_cut(reason, RPT_QUOTE_MAX), reason);
    }
    return true;
}

void rpt_timeline_add(struct rpt_scan *s, json_t *ev, const char *type, uint64_t t)
{
    struct rpt_tl e;
    memset(&e, 0, sizeof(e));
    if (!describe(ev, type, &e)) {
        return;
    }
    const char *when = rpt_str(ev, "time");
    (void)snprintf(e.first, sizeof(e.first), "%s", when ? when : "");
    (void)snprintf(e.last, sizeof(e.last), "%s", e.first);
    e.first_ms = e.last_ms = t;
    e.count = 1;
    // a repeat of one of the last few entries joins it: interleaved pairs (memory-restart,
    // its exit) and crash-looping notes between exits still collapse
    for (unsigned i = 0; i < REPORT_MERGE_LOOKBACK && i < s->ntl; i++) {
        struct rpt_tl *old = &s->tl[s->ntl - 1 - i];
        if (strcmp(old->key, e.key) == 0) {
            old->count++;
            old->last_ms = t;
            memcpy(old->last, e.last, sizeof(old->last));
            memcpy(old->text, e.text, sizeof(old->text));
            return;
        }
    }
    if (s->ntl == REPORT_TIMELINE_MAX) {
        memmove(&s->tl[0], &s->tl[1], sizeof(s->tl[0]) * (REPORT_TIMELINE_MAX - 1));
        s->ntl--;
        s->tl_omitted++; // drop-oldest: the newest incidents matter most
    }
    s->tl[s->ntl++] = e;
}

json_t *rpt_timeline_json(const struct rpt_scan *s)
{
    json_t *arr = json_array();
    for (unsigned i = 0; arr && i < s->ntl; i++) {
        const struct rpt_tl *e = &s->tl[i];
        rpt_add(arr, json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:s}", "text", e->text, "severity",
                               sev_names[e->sev], "first", e->first[0] ? e->first : NULL, "last",
                               e->last[0] ? e->last : NULL, "count", (json_int_t)e->count, "key",
                               e->key));
    }
    return arr;
}

/* ---- exits ---- */

static json_t *classify(json_t *ev, const char *kind, uint64_t peak, uint64_t limit)
{
    char up[32], p[32], l[32];
    const char *reason = rpt_str(ev, "reason");
    reason = reason ? reason : "?";
    rpt_dur(rpt_uint(ev, "uptime_ms"), up, sizeof(up));
    rpt_mib(peak, p, sizeof(p));
    rpt_mib(limit, l, sizeof(l));
    if (strcmp(kind, "oom-killed") == 0) {
        uint64_t kill = rpt_uint(ev, "usage_at_kill_bytes");
        const char *victim = rpt_str(ev, "victim");
        rpt_mib(kill ? kill : peak, p, sizeof(p));
        return json_sprintf(
                "OOM-killed by the kernel at memory_max: usage %s of limit %s (%llu%%), "
                "%s process killed, %s after start",
                p, l, limit ? (unsigned long long)((kill ? kill : peak) * 100 / limit) : 0ull,
                victim && strcmp(victim, "main") == 0 ? "main" : "a child", up);
    }
    if (strcmp(kind, "exec-failed") == 0) {
        const char *err = rpt_str(ev, "errno");
        return json_sprintf("could not start: %.*s (%s)", rpt_cut(reason, RPT_QUOTE_MAX), reason,
                            err ? err : "?");
    }
    return json_sprintf("%s: %.*s, %s after start%s%s", kind, rpt_cut(reason, RPT_QUOTE_MAX),
                        reason, up, peak ? ", peak " : "", peak ? p : "");
}

void rpt_exit_add(struct rpt_scan *s, json_t *ev, bool failure)
{
    static const char *const copy[] = {"time",
                                       "kind",
                                       "reason",
                                       "code",
                                       "signal",
                                       "errno",
                                       "uptime_ms",
                                       "memory_peak_bytes",
                                       "memory_max_bytes",
                                       "usage_at_kill_bytes",
                                       "victim",
                                       "pids_at_exit",
                                       "runtime_oom",
                                       "left_processes",
                                       "left_command",
                                       "daemonized",
                                       "memory_stat",
                                       "tail"};
    const char *kind = rpt_str(ev, "kind");
    uint64_t peak = rpt_uint(ev, "memory_peak_bytes");
    uint64_t limit = rpt_uint(ev, "memory_max_bytes");
    json_t *o = json_object();
    if (!o) {
        return;
    }
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
        json_t *v = json_object_get(ev, copy[i]);
        if (v) {
            (void)json_object_set(o, copy[i], v);
        }
    }
    (void)json_object_set_new(o, "failure", json_boolean(failure));
    (void)json_object_set_new(o, "peak_pct_of_limit",
                              peak && limit ? json_integer((json_int_t)(peak * 100 / limit))
                                            : json_null());
    json_t *c = classify(ev, kind ? kind : "?", peak, limit);
    (void)json_object_set_new(o, "classification", c ? c : json_string("?"));
    if (json_array_size(s->exits_json) == REPORT_EXITS_MAX) {
        (void)json_array_remove(s->exits_json, 0); // drop-oldest, counted
        s->exits_omitted++;
    }
    (void)json_array_append_new(s->exits_json, o);
}

/* ---- history: leak trend and peaks ---- */

bool rpt_history_leak(const struct report_input *in, uint64_t since_ms, uint64_t limit_bytes,
                      struct trend_fit *fit)
{
    struct trend tr; // 60 points: the last 10 min of 1 s samples, or the last hour of minutes
    if (in->nfine >= LEAK_POINTS) {
        trend_init(&tr, LEAK_WINDOW_SAMPLES);
        for (size_t i = 0; i < in->nfine; i++) {
            if (in->fine[i].t_ms >= since_ms) {
                (void)trend_add(&tr, in->fine[i].t_ms, in->fine[i].mem_bytes);
            }
        }
    } else {
        trend_init(&tr, 1);
        for (size_t i = 0; i < in->ncoarse; i++) {
            if (in->coarse[i].t_ms >= since_ms) {
                (void)trend_add(&tr, in->coarse[i].t_ms, in->coarse[i].mem_min);
            }
        }
    }
    return trend_fit(&tr, 6, limit_bytes, fit) && trend_is_leak(fit);
}

// The fine series' peak per minute (the larger of usage and the cgroup's high-water mark),
// into out when not NULL; at most REPORT_PEAKS_MAX. Returns the count.
static unsigned fine_minutes(const struct report_input *in, uint64_t *out)
{
    unsigned n = 0;
    uint64_t minute = UINT64_MAX, best = 0;
    for (size_t i = 0; i <= in->nfine && n < REPORT_PEAKS_MAX; i++) {
        const struct report_point *p = i < in->nfine ? &in->fine[i] : NULL;
        if (!p || p->t_ms / 60000u != minute) {
            if (best && out) {
                out[n] = best;
            }
            n += best ? 1 : 0;
            minute = p ? p->t_ms / 60000u : 0;
            best = 0;
        }
        if (p) {
            uint64_t v = p->mem_peak_bytes > p->mem_bytes ? p->mem_peak_bytes : p->mem_bytes;
            best = v > best ? v : best;
        }
    }
    return n;
}

// Per-minute peaks: the coarse series (newest REPORT_PEAKS_MAX minutes), or the fine one by
// minute when that has more. Minutes without memory (the service was down) are left out.
static unsigned minute_peaks(const struct report_input *in, uint64_t *out)
{
    unsigned n = 0;
    size_t from = in->ncoarse > REPORT_PEAKS_MAX ? in->ncoarse - REPORT_PEAKS_MAX : 0;
    for (size_t i = from; i < in->ncoarse; i++) {
        const struct report_minute *m = &in->coarse[i];
        uint64_t v = m->mem_peak_max ? m->mem_peak_max : m->mem_max;
        if (v) {
            out[n++] = v;
        }
    }
    if (n < REPORT_MIN_INTERVALS && fine_minutes(in, NULL) > n) {
        n = fine_minutes(in, out);
    }
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

// Nearest-rank percentile: the ceil(pct% x n)-th smallest. Sorts v.
static uint64_t percentile(uint64_t *v, unsigned n, unsigned pct)
{
    qsort(v, n, sizeof(v[0]), cmp_u64);
    unsigned rank = (unsigned)(((uint64_t)n * pct + 99u) / 100u);
    return v[rank ? rank - 1 : 0];
}

static uint64_t oom_bump(uint64_t usage)
{
    uint64_t add = usage + OOM_BUMP_MIN_BYTES;
    // usage x 1.2 rounded up, without overflow
    uint64_t mul = (usage / 100u) * OOM_BUMP_PCT + ((usage % 100u) * OOM_BUMP_PCT + 99u) / 100u;
    return usage ? (add > mul ? add : mul) : 0;
}

static bool live(const struct rpt_scan *s)
{
    return strcmp(s->state, "running") == 0 || strcmp(s->state, "starting") == 0;
}

void rpt_size_memory(struct rpt_scan *s)
{
    struct rpt_size *z = &s->size;
    // Only peaks that were not cut size memory: an instance ended by memory (OOM kill,
    // runtime OOM, memory_restart) gives a floor below; one that died within seconds was
    // never measured. The history's minutes are used only when nothing was cut lately and
    // some instance ran long enough.
    bool measured_now = live(s) && s->uptime_ms >= DETERMINISTIC_WINDOW_MS;
    unsigned n = 0;
    z->basis = "per-minute";
    if (!s->cut_hour && (s->npeaks || measured_now)) {
        n = minute_peaks(s->in, s->work);
    }
    if (n < REPORT_MIN_INTERVALS && (s->npeaks || measured_now)) {
        // history too short: each measured instance's peak
        memcpy(s->work, s->peaks, sizeof(s->peaks[0]) * s->npeaks);
        n = s->npeaks;
        uint64_t now_peak = rpt_uint(json_object_get(s->in->status, "memory"), "peak_bytes");
        if (measured_now && now_peak && n < REPORT_PEAKS_MAX) {
            s->work[n++] = now_peak; // the running instance, not exited yet
        }
        z->basis = "per-instance";
    } else if (n < REPORT_MIN_INTERVALS) {
        n = 0;
    }
    z->samples = n;
    for (unsigned i = 0; i < n; i++) {
        z->max_peak_bytes = s->work[i] > z->max_peak_bytes ? s->work[i] : z->max_peak_bytes;
    }
    if (n) {
        z->p90_bytes = percentile(s->work, n, VPA_PERCENTILE);
        z->vpa_bytes = z->p90_bytes + (z->p90_bytes / 100u) * VPA_MARGIN_PCT +
                       ((z->p90_bytes % 100u) * VPA_MARGIN_PCT + 99u) / 100u;
    } else {
        z->basis = "none";
    }
    z->oom_floor_bytes = oom_bump(s->max_kill_bytes);
    if (s->memrestart_quick) {
        // cut by memory_restart within seconds of start: its real need is unknown, so the
        // same bump, and memory_max with room above memory_restart
        z->restart_floor_bytes = oom_bump(s->restart_usage_max);
    }
    uint64_t r = z->vpa_bytes > z->oom_floor_bytes ? z->vpa_bytes : z->oom_floor_bytes;
    uint64_t rs = z->restart_floor_bytes / RESTART_SHARE_PCT * 100u;
    r = rs > r ? rs : r;
    r = r < MEM_FLOOR_BYTES ? MEM_FLOOR_BYTES : r;
    z->recommended_bytes = (r + RPT_MIB - 1) / RPT_MIB * RPT_MIB;
    if (!n && !s->max_kill_bytes && !s->memrestart_quick) {
        z->recommended_bytes = 0; // nothing observed: no advice
    }
}

json_t *rpt_memory_json(const struct rpt_scan *s)
{
    const struct rpt_size *z = &s->size;
    json_t *mem = json_object_get(s->in->status, "memory");
    json_t *sizing = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "basis", z->basis, "samples",
                               (json_int_t)z->samples, "p90_peak_bytes", (json_int_t)z->p90_bytes,
                               "vpa_bytes", (json_int_t)z->vpa_bytes, "oom_floor_bytes",
                               (json_int_t)z->oom_floor_bytes, "restart_floor_bytes",
                               (json_int_t)z->restart_floor_bytes, "recommended_bytes",
                               (json_int_t)z->recommended_bytes);
    if (sizing && !z->recommended_bytes && (s->short_instances || s->exits)) {
        (void)json_object_set_new(
                sizing, "note",
                json_sprintf("no memory_max number: no instance ran %u s without memory ending it "
                             "(%u ended within seconds), so none was measured",
                             DETERMINISTIC_WINDOW_MS / 1000u, s->short_instances));
    }
    if (sizing && s->runtime_floor_bytes) {
        (void)json_object_set_new(sizing, "runtime_oom_floor_bytes",
                                  json_integer((json_int_t)s->runtime_floor_bytes));
    }
    uint64_t peak = z->max_peak_bytes, cur_peak = rpt_uint(mem, "peak_bytes");
    peak = cur_peak > peak ? cur_peak : peak;
    peak = s->max_kill_bytes > peak ? s->max_kill_bytes : peak;
    json_t *o =
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:o*}", "limit_bytes", (json_int_t)s->limit_bytes,
                      "restart_bytes", (json_int_t)s->in->memory_restart_bytes, "current_bytes",
                      (json_int_t)rpt_uint(mem, "current_bytes"), "peak_bytes", (json_int_t)peak,
                      "max_kill_bytes", (json_int_t)s->max_kill_bytes, "sizing", sizing);
    return o;
}

json_t *rpt_pids_json(const struct rpt_scan *s)
{
    const struct report_input *in = s->in;
    json_t *pids = json_object_get(in->status, "pids");
    uint64_t peak = 0;
    for (size_t i = 0; i < in->nfine; i++) {
        peak = in->fine[i].pids > peak ? in->fine[i].pids : peak;
    }
    for (size_t i = 0; i < in->ncoarse; i++) {
        peak = in->coarse[i].pids_max > peak ? in->coarse[i].pids_max : peak;
    }
    return json_pack("{s:I, s:I, s:I}", "max",
                     (json_int_t)(in->pids_max ? in->pids_max : rpt_uint(pids, "max")), "current",
                     (json_int_t)rpt_uint(pids, "current"), "peak", (json_int_t)peak);
}

/* ---- recommendations ---- */

static const char *code_hint(const struct rpt_sig *g)
{
    static const struct {
        int code, signal;
        const char *hint;
    } hints[] = {
            {1, 0, "code 1 is a generic error: the first lines of its output say which"},
            {2, 0, "code 2 usually means a usage or configuration error (a bad flag or argument)"},
            {64, 0, "code 64 is EX_USAGE: a bad command line"},
            {78, 0, "code 78 is EX_CONFIG: a configuration error"},
            {126, 0, "code 126: a command it runs is not executable"},
            {127, 0, "code 127: a command it runs (through a shell?) was not found"},
            {-1, 4, "SIGILL: built for another CPU?"},
            {-1, 6, "SIGABRT: an assertion failed or abort() was called"},
            {-1, 7, "SIGBUS: a truncated mapped file or misaligned access"},
            {-1, 11, "SIGSEGV: a crash (invalid memory access)"},
    };
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        if ((g->signal && hints[i].signal == g->signal) ||
            (!g->signal && hints[i].code == g->code)) {
            return hints[i].hint;
        }
    }
    return "its first output lines say why";
}

static json_t *crash_rec(const struct rpt_scan *s)
{
    unsigned n = 0;
    if (!rpt_deterministic(s, &n)) {
        return NULL; // mixed causes: the findings and the exits list speak for themselves
    }
    const struct rpt_sig *g = rpt_last_sig(s);
    const char *svc = s->in->service ? s->in->service : "SERVICE";
    char what[64];
    if (strcmp(g->kind, "exited") == 0) {
        (void)snprintf(what, sizeof(what), "exit code %d", g->code);
    } else if (g->signal) {
        (void)snprintf(what, sizeof(what), "signal %d (SIG%s)", g->signal,
                       sigabbrev_np(g->signal) ? sigabbrev_np(g->signal) : "?");
    } else {
        (void)snprintf(what, sizeof(what), "%s", g->kind);
    }
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("the last %u failures: %s each time, each within %u s of start",
                                   n, what, DETERMINISTIC_WINDOW_MS / 1000u));
    rpt_add(evidence, json_sprintf("%u consecutive failures in all", s->run_count));
    json_t *tail = json_object_get(s->last_failure, "tail");
    size_t nt = json_array_size(tail);
    for (size_t i = nt > 5 ? nt - 5 : 0; i < nt; i++) {
        const char *l = json_string_value(json_array_get(tail, i));
        if (l) {
            rpt_add(evidence, json_sprintf("output: %.*s", rpt_cut(l, RPT_QUOTE_MAX), l));
        }
    }
    json_t *r =
            rpt_rec("deterministic-crash",
                    json_sprintf("%s on every start: deterministic for the program as it is; %s. "
                                 "warden keeps backing off (up to backoff's maximum), so it comes "
                                 "back by itself once what it needs is there (a database, a file); "
                                 "its output says what that is: `warden logs %.*s -n 50`",
                                 what, code_hint(g), rpt_cut(svc, RPT_QUOTE_MAX), svc),
                    evidence);
    if (r) {
        // "code" names the recommendation: the exit code goes in "exit_code"
        (void)json_object_set_new(r, "exit_code",
                                  g->code >= 0 ? json_integer(g->code) : json_null());
        (void)json_object_set_new(r, "signal", g->signal ? json_integer(g->signal) : json_null());
    }
    return r;
}

static json_t *storm_rec(const struct rpt_scan *s)
{
    json_t *ev = s->storm_hour ? s->last_storm : s->last_pidswarn;
    json_t *snap = json_object_get(ev, "snapshot");
    json_t *top = json_array_get(json_object_get(snap, "top"), 0);
    const char *cmd = rpt_str(top, "command"), *parent = rpt_str(top, "parent");
    const char *sum = rpt_str(snap, "summary");
    if (!cmd) {
        return NULL;
    }
    parent = parent ? parent : "?";
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("%s: %llu processes (threshold %llu)", rpt_str(ev, "type"),
                                   (unsigned long long)rpt_uint(ev, "pids"),
                                   (unsigned long long)rpt_uint(ev, "threshold")));
    if (sum) {
        rpt_add(evidence, json_sprintf("snapshot: %.*s", rpt_cut(sum, 400), sum));
    }
    json_t *r = rpt_rec(
            "process-storm",
            json_sprintf("the forking command is \"%.*s\" (%llu processes), whose parent is "
                         "pid %llu \"%.*s\": fix that parent's spawn loop (it starts "
                         "children faster than they end, or never reaps them); pids_max "
                         "keeps the cap meanwhile",
                         rpt_cut(cmd, RPT_QUOTE_MAX), cmd,
                         (unsigned long long)rpt_uint(top, "count"),
                         (unsigned long long)rpt_uint(top, "parent_pid"),
                         rpt_cut(parent, RPT_QUOTE_MAX), parent),
            evidence);
    if (r) {
        (void)json_object_set_new(r, "command", json_string(cmd));
        (void)json_object_set_new(r, "parent", json_string(parent));
        (void)json_object_set_new(r, "parent_pid",
                                  json_integer((json_int_t)rpt_uint(top, "parent_pid")));
        (void)json_object_set_new(r, "count", json_integer((json_int_t)rpt_uint(top, "count")));
    }
    return r;
}

// Until the leak is fixed, what keeps it serving: memory_restart's drain before the kill.
static const char *leak_meanwhile(const struct rpt_scan *s)
{
    if (s->runtime_oom_hour) {
        return s->in->memory_restart_bytes
                       ? "set runtime_heap = auto, so memory_restart is crossed before the "
                         "runtime's heap runs out and warden recycles each instance with a "
                         "drain instead of an abort"
                       : "set memory_restart (about 80% of memory_max) and runtime_heap = auto, "
                         "so warden recycles each instance with a drain before the runtime's "
                         "heap runs out";
    }
    if (!s->in->memory_restart_bytes) {
        return "set memory_restart (about 90% of memory_max) so warden recycles it with a "
               "drain before the OOM killer cuts its requests";
    }
    return "memory_restart recycles it with a drain before the OOM killer";
}

static json_t *leak_rec(const struct rpt_scan *s)
{
    char buys[32], eta[64] = "no limit set";
    double per_gib_s = (double)(1024u * RPT_MIB) / s->leak_rate;
    rpt_dur((uint64_t)(per_gib_s * 1000.0), buys, sizeof(buys));
    if (s->leak_eta_s >= 0) {
        char d[32];
        rpt_dur((uint64_t)(s->leak_eta_s * 1000.0), d, sizeof(d));
        (void)snprintf(eta, sizeof(eta), "limit reached in ~%s", d);
    }
    json_t *evidence = json_array();
    if (rpt_leak_across(s)) {
        char life[32];
        rpt_dur(rpt_uint(s->last_leak_across, "lifetime_ms"), life, sizeof(life));
        rpt_add(evidence,
                json_sprintf("%llu instances in a row, each growing ~%.1f MiB/s from "
                             "start to its end, each ended by memory after ~%s",
                             (unsigned long long)rpt_uint(s->last_leak_across, "instances"),
                             s->leak_rate / (double)RPT_MIB, life));
    } else {
        rpt_add(evidence,
                json_sprintf("trend of the memory floor: %.0f bytes/s, r2 %.2f (source: %s)",
                             s->leak_rate, s->leak_r2, s->leak_source));
        rpt_add(evidence, json_string(eta));
    }
    json_t *r =
            rpt_rec("leak",
                    json_sprintf("a bigger memory_max only postpones the crash: memory grows "
                                 "%.2f MiB/min, so each extra GiB buys about %s. Find what grows "
                                 "(a heap profile; unbounded caches, queues, event logs); until "
                                 "then %s",
                                 s->leak_rate * 60.0 / (double)RPT_MIB, buys, leak_meanwhile(s)),
                    evidence);
    if (r) {
        (void)json_object_set_new(r, "rate_bytes_per_s", json_real(s->leak_rate));
        (void)json_object_set_new(r, "eta_s",
                                  s->leak_eta_s >= 0 ? json_real(s->leak_eta_s) : json_null());
        (void)json_object_set_new(
                r, "scope",
                json_string(rpt_leak_across(s) ? "across-instances" : "within-instance"));
    }
    return r;
}

static json_t *memory_evidence(const struct rpt_scan *s)
{
    const struct rpt_size *z = &s->size;
    char a[32], b[32], c[32];
    json_t *ev = json_array();
    rpt_add(ev, json_string("rule: the 90th percentile of per-minute peaks (per-instance peaks "
                            "when the history is short) + 15%, the Kubernetes VPA recommender's "
                            "rule; after an OOM kill at least max(usage_at_kill + 100 MiB, "
                            "usage_at_kill x 1.2); never below 6 MiB"));
    if (z->samples) {
        rpt_mib(z->p90_bytes, a, sizeof(a));
        rpt_mib(z->vpa_bytes, b, sizeof(b));
        rpt_mib(z->max_peak_bytes, c, sizeof(c));
        rpt_add(ev, json_sprintf("90th percentile of %u %s peaks: %s, + 15%% = %s (largest %s)",
                                 z->samples, z->basis, a, b, c));
    }
    if (s->max_kill_bytes) {
        rpt_mib(s->max_kill_bytes, a, sizeof(a));
        rpt_mib(z->oom_floor_bytes, b, sizeof(b));
        rpt_add(ev, json_sprintf("largest usage at an OOM kill: %s, so at least %s", a, b));
    }
    if (z->restart_floor_bytes) {
        rpt_mib(z->restart_floor_bytes, b, sizeof(b));
        rpt_add(ev, json_sprintf("memory_restart cut %u instances within seconds of start: "
                                 "memory_restart at least %s, memory_max 1/0.9 of that",
                                 s->memrestart_quick, b));
    }
    if (strcmp(z->basis, "per-instance") == 0 && s->run_count) {
        rpt_add(ev, json_string("the peaks come from instances that died early: they size its "
                                "start; check again once it stays up"));
    }
    rpt_mib(s->limit_bytes, a, sizeof(a));
    rpt_add(ev, json_sprintf("current memory_max: %s", s->limit_bytes ? a : "unset"));
    if (s->leak_rate > 0) {
        rpt_add(ev, json_string("memory grows steadily (see the leak): this size is a snapshot"));
    }
    return ev;
}

static json_t *memory_rec(const struct rpt_scan *s)
{
    const struct rpt_size *z = &s->size;
    uint64_t mib = z->recommended_bytes / RPT_MIB;
    char cur[32];
    if (!z->recommended_bytes) {
        return NULL;
    }
    rpt_mib(s->limit_bytes, cur, sizeof(cur));
    bool enough = s->limit_bytes >= z->recommended_bytes && !s->oom_hour;
    json_t *text =
            enough ? json_sprintf("memory_max %s is enough by the rule below, which gives %llu "
                                  "MiB (ECS task definition \"memory\": %llu, Kubernetes "
                                  "resources.limits.memory: \"%lluMi\")",
                                  cur, (unsigned long long)mib, (unsigned long long)mib,
                                  (unsigned long long)mib)
                   : json_sprintf("set memory_max = %lluM (ECS task definition \"memory\": %llu, "
                                  "Kubernetes resources.limits.memory: \"%lluMi\")",
                                  (unsigned long long)mib, (unsigned long long)mib,
                                  (unsigned long long)mib);
    json_t *r = rpt_rec("memory-max", text, memory_evidence(s));
    if (r) {
        (void)json_object_set_new(
                r, "rule",
                json_string("p90(per-interval peaks) x 1.15; after OOM >= max(usage_at_kill + "
                            "100 MiB, usage_at_kill x 1.2); >= 6 MiB; rounded up to MiB"));
        (void)json_object_set_new(r, "recommended_bytes",
                                  json_integer((json_int_t)z->recommended_bytes));
        (void)json_object_set_new(r, "ecs_memory_mib", json_integer((json_int_t)mib));
        (void)json_object_set_new(r, "k8s_limits_memory",
                                  json_sprintf("%lluMi", (unsigned long long)mib));
        (void)json_object_set_new(r, "basis", json_string(z->basis));
        (void)json_object_set_new(r, "samples", json_integer(z->samples));
        (void)json_object_set_new(r, "sufficient", json_boolean(enough));
    }
    return r;
}

json_t *rpt_recommend(struct rpt_scan *s)
{
    json_t *arr = json_array();
    const char *verdict = rpt_str(json_array_get(s->findings, 0), "code");
    verdict = verdict ? verdict : "";
    bool exec = strcmp(verdict, "exec-failure") == 0;
    bool daemon = strcmp(verdict, "daemonized") == 0;
    bool healthy = strcmp(verdict, "healthy") == 0;
    if (!arr) {
        return NULL;
    }
    if (exec) {
        rpt_add(arr, rpt_exec_rec(s));
    }
    rpt_add(arr, rpt_port_rec(s));
    if (daemon) {
        rpt_add(arr, rpt_daemon_rec(s));
    }
    rpt_add(arr, rpt_runtime_rec(s));
    rpt_add(arr, rpt_bind_rec(s));
    if (!daemon) {
        rpt_add(arr, crash_rec(s));
    }
    if (s->storm_hour) {
        rpt_add(arr, storm_rec(s));
    }
    if (s->leak_rate > 0) {
        rpt_add(arr, leak_rec(s)); // and no advice to raise a limit: that only postpones it
    }
    if (healthy) {
        rpt_add(arr, rpt_shape_rec(s));
    }
    // sizing an instance that never ran, a daemon's stub, or a leak's snapshot means nothing;
    // a runtime's own heap death is not about memory_max
    if (!exec && !daemon && s->leak_rate <= 0 && !s->runtime_oom_hour) {
        rpt_add(arr, memory_rec(s));
        rpt_add(arr, rpt_restart_rec(s));
    }
    if (!s->storm_hour && s->pidswarn_hour) {
        rpt_add(arr, storm_rec(s)); // a warning only: after the memory advice
    }
    rpt_add(arr, rpt_pids_rec(s));
    return arr;
}
