/* SPDX-License-Identifier: MIT */
/* Internal to the report module (report.c, report_rec.c, report_text.c, report_html.c):
 * the state of one pass over a service's journal, and the helpers the files share.
 * Not a public API: only report.h is. */
#ifndef WARDEN_REPORT_INT_H
#define WARDEN_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"
#include "report.h"
#include "trend.h"

#define RPT_MIB       (1024ull * 1024ull)
#define RPT_QUOTE_MAX 160 /* bytes of a journal string quoted in a sentence */

enum rpt_sev {
    RPT_OK,
    RPT_INFO,
    RPT_WARNING,
    RPT_CRITICAL,
};

/* One failure of the current run, for "deterministic" (as policy.c's failure_sig). */
struct rpt_sig {
    char kind[24];
    char err[24];
    int code; /* -1: none */
    int signal;
    uint64_t uptime_ms;
    bool memory; /* a memory death (OOM kill, runtime OOM, quick memory-restart) */
};

/* One timeline entry: a run of like events collapsed ("exit code 2 x37 between T1, T2"). */
struct rpt_tl {
    char key[96];   /* what makes two events alike */
    char text[256]; /* the newest event's description */
    enum rpt_sev sev;
    char first[32], last[32]; /* journal times */
    uint64_t first_ms, last_ms;
    unsigned count;
};

/* The memory_max sizing (report_rec.c, the rule there). */
struct rpt_size {
    const char *basis; /* "per-minute", "per-instance", "none" */
    unsigned samples;
    uint64_t p90_bytes, vpa_bytes, oom_floor_bytes, restart_floor_bytes, recommended_bytes;
    uint64_t max_peak_bytes;
};

struct rpt_scan {
    const struct report_input *in;
    uint64_t now_ms;
    char state[24]; /* status's state, else the journal's last word, else "unknown" */
    /* counts over all events, and over the last REPORT_RECENT_MS */
    unsigned events, skipped, starts, exits, failures;
    unsigned oom_total, oom_hour, failures_hour, memrestart_total, memrestart_hour;
    unsigned other_fail_hour; /* failures in the last hour but OOM, memory-restart, storm */
    unsigned storm_hour, pidswarn_hour, forkfail_hour, host_hour, memrestart_quick;
    /* the newest event of each kind (borrowed from in->events) */
    json_t *last_exit, *last_failure, *last_oom, *last_storm, *last_pidswarn, *last_forkfail;
    json_t *last_memrestart, *last_leak, *last_crashloop, *last_failed, *last_port;
    uint64_t last_leak_ms, last_port_ms, last_start_ms, first_ms, last_ms;
    const char *first_time, *last_time;
    uint64_t max_kill_bytes; /* largest usage_at_kill of an OOM kill */
    /* issue 11's judgement: runtime heap deaths, daemons, cut instances, the leak across */
    unsigned runtime_oom_total, runtime_oom_hour, daemon_hour, cut_hour, short_instances;
    json_t *last_runtime_oom, *last_daemon, *last_bind, *last_leak_across;
    uint64_t runtime_floor_bytes;         /* largest peak of an instance its runtime's OOM ended */
    uint64_t first_kill_ms, last_kill_ms; /* uptimes of OOM kills: "soon after every start" */
    unsigned kill_quick;                  /* OOM kills within DETERMINISTIC_WINDOW_MS of start */
    uint64_t restart_usage_max;           /* largest usage at a memory-restart */
    uint64_t limit_bytes;                 /* memory_max: config, else status, else the last exit */
    uint64_t uptime_ms;
    /* the run of consecutive failures: a ring of the newest CRASHLOOP_FAILURES */
    struct rpt_sig run[CRASHLOOP_FAILURES];
    unsigned run_count, run_next;
    /* per-instance memory peaks from the exits: a ring of the newest REPORT_PEAKS_MAX */
    uint64_t peaks[REPORT_PEAKS_MAX];
    unsigned npeaks, peaks_next, peaks_dropped;
    uint64_t work[REPORT_PEAKS_MAX]; /* the percentile's scratch */
    struct rpt_size size;
    /* the leak: rate, ETA (s, < 0 none) as of leak_at_ms */
    double leak_rate, leak_eta_s, leak_r2;
    uint64_t leak_at_ms;
    const char *leak_source;
    /* output under construction */
    struct rpt_tl tl[REPORT_TIMELINE_MAX];
    unsigned ntl, tl_omitted;
    json_t *exits_json;
    unsigned exits_omitted;
    json_t *findings;
    enum rpt_sev worst;
};

/* report_util.c: JSON access that tolerates missing members and wrong types. */
const char *rpt_str(json_t *o, const char *key);
uint64_t rpt_uint(json_t *o, const char *key); /* 0 when absent, negative or not a number */
bool rpt_int(json_t *o, const char *key, long long *out);
uint64_t rpt_ev_ms(json_t *ev); /* the event's "time" in ms, 0 when missing or bad */
/* Length of s to quote, at most max bytes, never cutting a UTF-8 sequence. */
int rpt_cut(const char *s, int max);
void rpt_mib(uint64_t bytes, char *buf, size_t len); /* "96.0 MiB", "868 KiB" */
void rpt_dur(uint64_t ms, char *buf, size_t len);    /* "510ms", "3m20s" */
void rpt_add(json_t *arr, json_t *item);             /* append, stealing; NULL ignored */
bool rpt_deterministic(const struct rpt_scan *s, unsigned *n);
/* report_util.c: {"code", "text", "evidence"}, stealing text and evidence; NULL if either is. */
json_t *rpt_rec(const char *code, json_t *text, json_t *evidence);
const struct rpt_sig *rpt_last_sig(const struct rpt_scan *s);

/* report_judge.c: the runtime's heap, daemons, memory shapes (issue 11) */
json_t *rpt_runtime_rec(const struct rpt_scan *s);
json_t *rpt_daemon_rec(const struct rpt_scan *s);
json_t *rpt_bind_rec(const struct rpt_scan *s);
json_t *rpt_shape_rec(const struct rpt_scan *s);
json_t *rpt_runtime_text(const struct rpt_scan *s);
json_t *rpt_daemon_text(const struct rpt_scan *s);
bool rpt_leak_across(const struct rpt_scan *s);
json_t *rpt_exec_rec(const struct rpt_scan *s);
json_t *rpt_restart_rec(const struct rpt_scan *s);
json_t *rpt_pids_rec(const struct rpt_scan *s);
json_t *rpt_port_rec(const struct rpt_scan *s);

/* report_rec.c */
void rpt_timeline_add(struct rpt_scan *s, json_t *ev, const char *type, uint64_t t);
json_t *rpt_timeline_json(const struct rpt_scan *s);
void rpt_exit_add(struct rpt_scan *s, json_t *ev, bool failure);
bool rpt_history_leak(const struct report_input *in, uint64_t since_ms, uint64_t limit_bytes,
                      struct trend_fit *fit);
void rpt_size_memory(struct rpt_scan *s);
json_t *rpt_memory_json(const struct rpt_scan *s);
json_t *rpt_pids_json(const struct rpt_scan *s);
json_t *rpt_recommend(struct rpt_scan *s);

#endif
