// SPDX-License-Identifier: MIT
// Prometheus text exposition (format 0.0.4), pure and table-driven: one row per family,
// the samples of a family written together after its HELP and TYPE lines, into a caller
// buffer with a hard size. The HTTP side is metrics_server.c.
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t size; // capacity incl. the final NUL
    size_t len;
    bool full;
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
    if (o->full || n >= o->size - o->len) { // keep one byte for the NUL
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void out_fmt(struct out *o, const char *fmt, ...)
{
    if (o->full) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): clang-tidy 14 multi-file bug
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len) {
        o->full = true;
        return;
    }
    o->len += (size_t)n;
}

// A label value between quotes: the text format escapes only \, " and newline.
static void out_label_value(struct out *o, const char *v)
{
    out_bytes(o, "\"", 1);
    for (const char *p = v ? v : ""; *p != '\0'; p++) {
        if (*p == '\\') {
            out_bytes(o, "\\\\", 2);
        } else if (*p == '"') {
            out_bytes(o, "\\\"", 2);
        } else if (*p == '\n') {
            out_bytes(o, "\\n", 2);
        } else {
            out_bytes(o, p, 1);
        }
    }
    out_bytes(o, "\"", 1);
}

// A float the way Prometheus (Go's ParseFloat) reads it back exactly: the shortest of %.15g
// and %.17g that round-trips, and NaN/+Inf/-Inf spelled as the format wants.
static void out_double(struct out *o, double v)
{
    if (isnan(v)) {
        out_str(o, "NaN");
        return;
    }
    if (isinf(v)) {
        out_str(o, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    char tmp[32]; // "%.17g" of a double is at most 24 bytes ("-2.2250738585072014e-308")
    (void)snprintf(tmp, sizeof(tmp), "%.15g", v);
    if (strtod(tmp, NULL) != v) {
        (void)snprintf(tmp, sizeof(tmp), "%.17g", v);
    }
    out_str(o, tmp);
}

static void out_header(struct out *o, const char *name, const char *type, const char *help)
{
    out_fmt(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum field_kind {
    FIELD_U64,
    FIELD_F64,
    FIELD_BOOL,
};

enum field_show {
    SHOW_ALWAYS,
    SHOW_NONZERO,  // a limit: 0 means unset
    SHOW_NONNEG,   // < 0 means unknown
    SHOW_LEAK,     // only while the service's leak_suspected is set
    SHOW_LEAK_ETA, // SHOW_LEAK and >= 0
};

struct family {
    const char *name;
    const char *type;
    const char *help;
    size_t offset; // of the field in struct metrics_service or struct metrics_snapshot
    enum field_kind kind;
    enum field_show show;
};

#define SVC(f, k)  offsetof(struct metrics_service, f), k
#define SNAP(f, k) offsetof(struct metrics_snapshot, f), k

static const struct family global_families[] = {
        {"warden_start_time_seconds", "gauge", "Start time of warden since the Unix epoch.",
         SNAP(warden_start_time_seconds, FIELD_F64), SHOW_ALWAYS},
        {"warden_resident_memory_bytes", "gauge", "Resident memory of the warden process.",
         SNAP(warden_rss_bytes, FIELD_U64), SHOW_ALWAYS},
        {"warden_journal_events_total", "counter", "Events appended to the journal.",
         SNAP(journal_events_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_journal_write_errors_total", "counter",
         "Journal writes that failed (the event was held in memory, or lost when the hold was "
         "full).",
         SNAP(journal_write_errors_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_journal_held_events", "gauge",
         "Events held in memory because the journal's disk refused them; written once it "
         "takes them again.",
         SNAP(journal_held_events, FIELD_U64), SHOW_ALWAYS},
        {"warden_journal_dropped_events_total", "counter",
         "Events lost: the disk refused them and the in-memory hold was full.",
         SNAP(journal_dropped_events_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_metrics_requests_total", "counter", "HTTP requests answered by /metrics.",
         SNAP(metrics_requests_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_metrics_rejected_connections_total", "counter",
         "Metrics HTTP connections closed because the connection cap was reached.",
         SNAP(metrics_rejected_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_host_memory_available_bytes", "gauge",
         "Memory available to start new work (MemAvailable).",
         SNAP(host_memory_available_bytes, FIELD_U64), SHOW_ALWAYS},
        {"warden_host_memory_total_bytes", "gauge",
         "Total memory of the host or of warden's container.",
         SNAP(host_memory_total_bytes, FIELD_U64), SHOW_ALWAYS},
        {"warden_host_memory_pressure_full_avg10_ratio", "gauge",
         "Share of the last 10 s in which all tasks stalled on memory (PSI full avg10).",
         SNAP(host_memory_pressure_full_avg10, FIELD_F64), SHOW_NONNEG},
};

static const struct family service_families[] = {
        {"warden_service_uptime_seconds", "gauge",
         "Seconds since the current instance of the service started.",
         SVC(uptime_seconds, FIELD_F64), SHOW_ALWAYS},
        {"warden_service_memory_bytes", "gauge", "Memory used by the service's cgroup.",
         SVC(memory_bytes, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_memory_peak_bytes", "gauge", "Highest memory use seen for the service.",
         SVC(memory_peak_bytes, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_memory_limit_bytes", "gauge",
         "Hard memory limit of the service (memory_max).", SVC(memory_limit_bytes, FIELD_U64),
         SHOW_NONZERO},
        {"warden_service_memory_restart_bytes", "gauge",
         "Memory use at which warden restarts the service gracefully (memory_restart).",
         SVC(memory_restart_bytes, FIELD_U64), SHOW_NONZERO},
        {"warden_service_pids", "gauge", "Tasks in the service's cgroup.", SVC(pids, FIELD_U64),
         SHOW_ALWAYS},
        {"warden_service_pids_limit", "gauge", "Task limit of the service (pids_max).",
         SVC(pids_limit, FIELD_U64), SHOW_NONZERO},
        {"warden_service_restarts_total", "counter", "Restarts of the service.",
         SVC(restarts_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_exits_total", "counter", "Exits of the service's main process.",
         SVC(exits_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_oom_kills_total", "counter",
         "Processes of the service killed by the kernel OOM killer.",
         SVC(oom_kills_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_runtime_oom_kills_total", "counter",
         "Instances ended by the runtime's own out-of-memory death: V8/Node heap limit, JVM "
         "OutOfMemoryError, Go, Python MemoryError.",
         SVC(runtime_ooms_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_daemonized_total", "counter",
         "Instances whose main process exited leaving processes in the cgroup (it daemonized).",
         SVC(daemonized_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_escapes_total", "counter",
         "Times the main process was found outside the service's cgroup (and moved back).",
         SVC(escapes_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_memory_restarts_total", "counter",
         "Graceful restarts because memory use crossed memory_restart.",
         SVC(memory_restarts_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_process_storms_total", "counter",
         "Process storms (fork explosions) stopped by warden.",
         SVC(process_storms_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_log_dropped_lines_total", "counter",
         "Output lines of the service dropped by the log rate limit.",
         SVC(log_dropped_lines_total, FIELD_U64), SHOW_ALWAYS},
        {"warden_service_leak_suspected", "gauge",
         "1 when memory use grows like a leak (a steady rise of its floor), else 0.",
         SVC(leak_suspected, FIELD_BOOL), SHOW_ALWAYS},
        {"warden_service_leak_bytes_per_second", "gauge",
         "Growth rate of the service's memory floor while a leak is suspected.",
         SVC(leak_bytes_per_second, FIELD_F64), SHOW_LEAK},
        {"warden_service_leak_seconds_to_limit", "gauge",
         "Seconds until a suspected leak reaches the memory limit at its current rate.",
         SVC(leak_seconds_to_limit, FIELD_F64), SHOW_LEAK_ETA},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

// The seven states, in service.h's order (enum svc_state); DESIGN.md names them.
static const char *const state_names[] = {
        "stopped", "starting", "running", "draining", "backoff", "crash-looping", "failed",
};

static double field_value(const void *base, const struct family *f)
{
    const char *p = (const char *)base + f->offset;
    switch (f->kind) {
    case FIELD_U64: {
        uint64_t u;
        memcpy(&u, p, sizeof(u));
        return (double)u;
    }
    case FIELD_F64: {
        double d;
        memcpy(&d, p, sizeof(d));
        return d;
    }
    case FIELD_BOOL: {
        bool b;
        memcpy(&b, p, sizeof(b));
        return b ? 1 : 0;
    }
    }
    return 0;
}

// Whether the sample of f exists for base; leak_suspected gates the leak rows.
static bool field_present(const void *base, const struct family *f, bool leak_suspected)
{
    double v = field_value(base, f);
    switch (f->show) {
    case SHOW_ALWAYS:
        return true;
    case SHOW_NONZERO:
        return v != 0;
    case SHOW_NONNEG:
        return v >= 0;
    case SHOW_LEAK:
        return leak_suspected;
    case SHOW_LEAK_ETA:
        return leak_suspected && v >= 0;
    }
    return false;
}

// The value after the name and labels: integers stay exact (a double would round counters
// above 2^53), floats go through out_double.
static void out_value(struct out *o, const void *base, const struct family *f)
{
    if (f->kind == FIELD_U64) {
        uint64_t u;
        memcpy(&u, (const char *)base + f->offset, sizeof(u));
        out_fmt(o, " %" PRIu64 "\n", u);
        return;
    }
    out_bytes(o, " ", 1);
    out_double(o, field_value(base, f));
    out_bytes(o, "\n", 1);
}

static void format_globals(struct out *o, const struct metrics_snapshot *s)
{
    out_header(o, "warden_build_info", "gauge",
               "Build of warden and the cgroup mode it runs in; always 1.");
    out_str(o, "warden_build_info{version=");
    out_label_value(o, s->version);
    out_str(o, ",cgroup_mode=");
    out_label_value(o, s->cgroup_mode);
    out_str(o, "} 1\n");
    for (size_t i = 0; i < ARRAY_LEN(global_families); i++) {
        const struct family *f = &global_families[i];
        if (!field_present(s, f, false)) {
            continue;
        }
        out_header(o, f->name, f->type, f->help);
        out_str(o, f->name);
        out_value(o, s, f);
    }
}

static void format_states(struct out *o, const struct metrics_snapshot *s)
{
    out_header(o, "warden_service_state", "gauge",
               "Current state of the service: 1 for the state it is in, 0 for the others.");
    for (size_t i = 0; i < s->nservices; i++) {
        const struct metrics_service *sv = &s->services[i];
        for (size_t k = 0; k < ARRAY_LEN(state_names); k++) {
            bool cur = sv->state && strcmp(sv->state, state_names[k]) == 0;
            out_str(o, "warden_service_state{service=");
            out_label_value(o, sv->name);
            out_fmt(o, ",state=\"%s\"} %d\n", state_names[k], cur ? 1 : 0);
        }
    }
    // The condition, not the state string: a crash loop's brief instances are "running"
    // for a moment, and a gauge that dipped to 0 with each kept a `for:` alert from holding.
    out_header(o, "warden_service_crash_looping", "gauge",
               "1 while the service is crash-looping (failing right after every start, not yet "
               "stable), also while a brief instance runs; else 0.");
    for (size_t i = 0; i < s->nservices; i++) {
        const struct metrics_service *sv = &s->services[i];
        out_str(o, "warden_service_crash_looping{service=");
        out_label_value(o, sv->name);
        out_fmt(o, "} %d\n", sv->crash_looping ? 1 : 0);
    }
}

static void format_service_family(struct out *o, const struct metrics_snapshot *s,
                                  const struct family *f)
{
    bool header = false;
    for (size_t i = 0; i < s->nservices; i++) {
        const struct metrics_service *sv = &s->services[i];
        if (!field_present(sv, f, sv->leak_suspected)) {
            continue;
        }
        if (!header) { // a family without samples is left out whole
            out_header(o, f->name, f->type, f->help);
            header = true;
        }
        out_str(o, f->name);
        out_str(o, "{service=");
        out_label_value(o, sv->name);
        out_str(o, "}");
        out_value(o, sv, f);
    }
}

int metrics_format(const struct metrics_snapshot *s, char *buf, size_t size)
{
    if (!s || !buf || size == 0 || (s->nservices > 0 && !s->services)) {
        return -EINVAL;
    }
    struct out o = {.buf = buf, .size = size > INT32_MAX ? INT32_MAX : size};
    format_globals(&o, s);
    if (s->nservices > 0) {
        format_states(&o, s);
        for (size_t i = 0; i < ARRAY_LEN(service_families); i++) {
            format_service_family(&o, s, &service_families[i]);
        }
    }
    if (o.full) {
        buf[0] = '\0';
        return -ENOSPC;
    }
    buf[o.len] = '\0';
    return (int)o.len;
}
