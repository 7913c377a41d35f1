// SPDX-License-Identifier: MIT
// The charts' markers: which journal events each chart marks, as which kind (the kind sets
// the line's colour and the symbol's shape), with a tooltip that quotes the event. A runtime
// OOM is an exit that carries a "runtime_oom" object {"runtime", "line"}; journals from
// before that field, or exits without it, have none, and that is not an error.
#include "report_marks.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"

const struct report_mark report_marks_oom = {"oom", REPORT_SYM_TRIANGLE};
const struct report_mark report_marks_rtoom = {"rtoom", REPORT_SYM_DIAMOND};
const struct report_mark report_marks_mrst = {"mrst", REPORT_SYM_CIRCLE};
const struct report_mark report_marks_leak = {"leak", REPORT_SYM_SQUARE};
const struct report_mark report_marks_warn = {"warn", REPORT_SYM_NONE};
const struct report_mark report_marks_exit = {"exit", REPORT_SYM_NONE};

static void kill_title(json_t *ev, const char *at, char *title, size_t len)
{
    char a[32], b[32], rt[RPT_QUOTE_MAX + 64] = "";
    uint64_t kill = rpt_uint(ev, "usage_at_kill_bytes");
    json_t *ro = json_object_get(ev, "runtime_oom");
    const char *runtime = rpt_str(ro, "runtime"), *said = rpt_str(ro, "line");
    if (json_is_object(ro)) {
        runtime = runtime ? runtime : "?";
        said = said ? said : "";
        (void)snprintf(rt, sizeof(rt), "; %.*s said: %.*s", rpt_cut(runtime, 16), runtime,
                       rpt_cut(said, RPT_QUOTE_MAX), said);
    }
    rpt_mib(kill ? kill : rpt_uint(ev, "memory_peak_bytes"), a, sizeof(a));
    rpt_mib(rpt_uint(ev, "memory_max_bytes"), b, sizeof(b));
    const char *victim = rpt_str(ev, "victim") ? rpt_str(ev, "victim") : "?";
    if (strcmp(rpt_str(ev, "kind") ? rpt_str(ev, "kind") : "", "oom-killed") == 0) {
        (void)snprintf(title, len, "OOM kill at %s UTC: usage %s, memory_max %s (%.*s process)%s",
                       at, a, b, rpt_cut(victim, 16), victim, rt);
    } else {
        (void)snprintf(title, len, "runtime OOM (%.*s) at %s UTC: peak %s, memory_max %s%s",
                       rpt_cut(runtime ? runtime : "?", 16), runtime ? runtime : "?", at, a, b, rt);
    }
}

// An exit's memory marker: an OOM kill by the kernel, else a runtime's own OOM death (the
// "runtime_oom" object, when the journal has it), else none.
static const struct report_mark *oom_mark(json_t *ev, const char *at, char *title, size_t len,
                                          double *value)
{
    const char *kind = rpt_str(ev, "kind");
    bool kernel = kind && strcmp(kind, "oom-killed") == 0;
    if (!kernel && !json_is_object(json_object_get(ev, "runtime_oom"))) {
        return NULL;
    }
    uint64_t kill = rpt_uint(ev, "usage_at_kill_bytes");
    uint64_t v = kill ? kill : rpt_uint(ev, "memory_peak_bytes");
    *value = v ? (double)v / (double)RPT_MIB : -1;
    kill_title(ev, at, title, len);
    return kernel ? &report_marks_oom : &report_marks_rtoom;
}

const struct report_mark *report_marks_memory(json_t *ev, const char *type, const char *at,
                                              char *title, size_t len, double *value)
{
    char a[32], b[32], eta[32] = "", when[80] = "";
    if (strcmp(type, "exit") == 0) {
        return oom_mark(ev, at, title, len, value);
    }
    bool restart = strcmp(type, "memory-restart") == 0;
    if (!restart && strcmp(type, "leak-suspected") != 0) {
        return NULL;
    }
    uint64_t usage = rpt_uint(ev, "usage_bytes");
    *value = usage ? (double)usage / (double)RPT_MIB : -1;
    rpt_mib(usage, a, sizeof(a));
    rpt_mib(rpt_uint(ev, restart ? "threshold_bytes" : "limit_bytes"), b, sizeof(b));
    if (restart) {
        (void)snprintf(title, len, "memory-restart at %s UTC: usage %s crossed %s", at, a, b);
        return &report_marks_mrst;
    }
    json_t *rate = json_object_get(ev, "rate_bytes_per_s"), *eta_s = json_object_get(ev, "eta_s");
    if (json_is_number(eta_s) && json_number_value(eta_s) >= 0) {
        rpt_dur((uint64_t)(json_number_value(eta_s) * 1000.0), eta, sizeof(eta));
        (void)snprintf(when, sizeof(when), ", limit %s in ~%s", b, eta);
    }
    (void)snprintf(title, len, "leak suspected at %s UTC: growing %.2f MiB/min, usage %s%s", at,
                   json_is_number(rate) ? json_number_value(rate) * 60.0 / (double)RPT_MIB : 0.0, a,
                   when);
    return &report_marks_leak;
}

const struct report_mark *report_marks_pids(json_t *ev, const char *type, const char *at,
                                            char *title, size_t len, double *value)
{
    bool storm = strcmp(type, "process-storm") == 0;
    if (storm || strcmp(type, "pids-warn") == 0) {
        const char *sum = rpt_str(json_object_get(ev, "snapshot"), "summary");
        sum = sum ? sum : "no snapshot";
        (void)snprintf(title, len, "%s at %s UTC: %llu processes (threshold %llu); %.*s", type, at,
                       (unsigned long long)rpt_uint(ev, "pids"),
                       (unsigned long long)rpt_uint(ev, "threshold"), rpt_cut(sum, RPT_QUOTE_MAX),
                       sum);
        *value = rpt_uint(ev, "pids") ? (double)rpt_uint(ev, "pids") : -1;
        return storm ? &report_marks_oom : &report_marks_warn;
    }
    if (strcmp(type, "fork-failures") == 0) {
        (void)snprintf(title, len, "%llu forks refused at pids_max, by %s UTC",
                       (unsigned long long)rpt_uint(ev, "refused"), at);
        return &report_marks_warn;
    }
    return NULL;
}

const struct report_mark *report_marks_starts(json_t *ev, const char *type, const char *at,
                                              char *title, size_t len, double *value)
{
    const char *kind = rpt_str(ev, "kind"), *reason = rpt_str(ev, "reason");
    long long code = -1;
    (void)value;
    if (strcmp(type, "exit") != 0) {
        return NULL;
    }
    reason = reason ? reason : "?";
    bool runtime = json_is_object(json_object_get(ev, "runtime_oom"));
    (void)snprintf(title, len, "exit at %s UTC: %s: %.*s%s", at, kind ? kind : "?",
                   rpt_cut(reason, RPT_QUOTE_MAX), reason, runtime ? " (runtime OOM)" : "");
    if (kind && strcmp(kind, "oom-killed") == 0) {
        return &report_marks_oom;
    }
    if (runtime) {
        return &report_marks_rtoom;
    }
    bool clean = kind && strcmp(kind, "exited") == 0 && rpt_int(ev, "code", &code) && code == 0;
    bool stop = kind && strcmp(kind, "killed-by-warden") == 0 && !strstr(reason, "killed");
    return clean || stop ? &report_marks_exit : &report_marks_warn;
}
