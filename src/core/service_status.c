// SPDX-License-Identifier: MIT
// A service's status for `warden status` (DESIGN's stable JSON), its exit records (with
// the OOM victim from the kernel's log), and the exit status `warden run` passes on.
#include <sys/wait.h>

#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "kmsg.h"
#include "logfile.h"
#include "loop.h"
#include "outtail.h"
#include "runtime_heap.h"
#include "service.h"
#include "service_int.h"
#include "supervisor.h"

static json_t *live_json(struct service *svc)
{
    struct cgroup_stats st = svc->last_stats;
    bool live = svc->pid > 0 || svc->state == SVC_DRAINING;
    if (live) {
        (void)cgroup_stats(&svc->sup->cgs, &svc->cg, &st);
    }
    json_t *mem = json_pack("{s:I, s:I, s:I}", "current_bytes",
                            (json_int_t)(live ? st.memory_current_bytes : 0), "peak_bytes",
                            (json_int_t)st.memory_peak_bytes, "max_bytes",
                            (json_int_t)svc->cfg->memory_max_bytes);
    json_t *pids = json_pack("{s:I, s:I}", "current", (json_int_t)(live ? st.pids_current : 0),
                             "max", (json_int_t)svc->cfg->pids_max);
    return json_pack("{s:o, s:o}", "memory", mem, "pids", pids);
}

// The capture: where it goes and what it lost. {"captured": false, "error": ...} when
// log_max = off ("error" absent) or the file could not be opened.
static json_t *logs_json(const struct service *svc)
{
    const struct logfile *lf = svc->log;
    if (!lf) {
        json_t *o = json_pack("{s:b}", "captured", 0);
        if (svc->log_error) {
            (void)json_object_set_new(o, "error", json_string(strerror(svc->log_error)));
        }
        return o;
    }
    char path[WARDEN_PATH_MAX + 128];
    (void)snprintf(path, sizeof(path), "%s/" LOGFILE_DIR "/%s.log", svc->sup->cfg->state_dir,
                   svc->cfg->name);
    return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "captured", 1, "file", path,
                     "written_lines", (json_int_t)lf->written_lines, "dropped_lines",
                     (json_int_t)lf->dropped_lines, "cut_lines", (json_int_t)lf->cut_lines,
                     "write_errors", (json_int_t)lf->write_errors, "rotations",
                     (json_int_t)lf->rotations, "reopened", (json_int_t)lf->reopened);
}

json_t *service_status_json(struct service *svc)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", svc->cfg->name, "state",
                          service_state_name(svc->state), "restarts",
                          (json_int_t)(svc->starts ? svc->starts - 1 : 0), "oom_kills",
                          (json_int_t)svc->oom_kills_total, "consecutive_failures",
                          (json_int_t)svc->failures.count);
    (void)json_object_set_new(o, "pid", svc->pid > 0 ? json_integer(svc->pid) : json_null());
    double up = svc->pid > 0 ? (double)(clock_mono_ms() - svc->start_mono_ms) / 1000.0 : 0.0;
    (void)json_object_set_new(o, "uptime_s", json_real(up));
    if (svc->reason[0]) {
        (void)json_object_set_new(o, "reason", json_string(svc->reason));
    }
    // a condition of the service, not a state: it holds while a brief instance runs, until
    // one has stayed up for stable_after
    (void)json_object_set_new(o, "crash_looping", json_boolean(svc->crashloop));
    if (svc->escapes_total) { // its main process was found outside the cgroup (escape.h)
        (void)json_object_set_new(o, "escapes", json_integer((json_int_t)svc->escapes_total));
    }
    if (svc->crashloop) {
        (void)json_object_set_new(o, "deterministic", json_boolean(svc->deterministic));
    }
    if (svc->state == SVC_BACKOFF || svc->state == SVC_CRASHLOOP) {
        uint64_t now = clock_mono_ms();
        uint64_t left = svc->next_start_mono_ms > now ? svc->next_start_mono_ms - now : 0;
        (void)json_object_set_new(o, "next_start_s", json_real((double)left / 1000.0));
    }
    if (svc->has_last_exit) {
        json_t *le = service_exit_json(svc);
        char t[40];
        (void)journal_format_time(svc->last_exit_wall_ms, t, sizeof(t));
        (void)json_object_set_new(le, "time", json_string(t));
        (void)json_object_set_new(o, "last_exit", le);
    } else {
        (void)json_object_set_new(o, "last_exit", json_null());
    }
    json_t *guard = guard_status_json(svc);
    if (svc->leak_across) {
        (void)json_object_set_new(guard, "leak_across",
                                  json_pack("{s:f, s:I}", "rate_bytes_per_s", svc->leak_across_rate,
                                            "lifetime_ms", (json_int_t)svc->leak_across_life_ms));
    }
    (void)json_object_set_new(o, "guard", guard);
    json_t *heap = runtime_heap_status_json(svc->cfg);
    if (heap) {
        (void)json_object_set_new(o, "runtime_heap", heap);
    }
    (void)json_object_set_new(o, "logs", logs_json(svc));
    json_t *ready = json_pack("{s:s}", "method", service_ready_name(svc->cfg->ready));
    if (svc->notify_status[0]) {
        (void)json_object_set_new(ready, "status", json_string(svc->notify_status));
    }
    if (svc->cfg->watchdog_ms) {
        (void)json_object_set_new(ready, "watchdog_pings",
                                  json_integer((json_int_t)svc->watchdog_pings));
    }
    (void)json_object_set_new(o, "ready", ready);
    (void)json_object_set_new(o, "retiring", service_overlap_json(svc));
    json_t *live = live_json(svc);
    (void)json_object_update(o, live);
    json_decref(live);
    return o;
}

int service_exit_code(const struct service *svc)
{
    int st = svc->last_wait_status;
    if (!svc->has_last_exit) {
        return svc->state == SVC_FAILED ? 1 : 0; // failed before any process (port-conflict)
    }
    if (svc->last_exit.kind == EXIT_EXEC_FAILED && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        return 126; // start failed before a process existed
    }
    if (WIFEXITED(st)) {
        return WEXITSTATUS(st);
    }
    if (WIFSIGNALED(st)) {
        return 128 + WTERMSIG(st);
    }
    return 1;
}

json_t *service_exit_json(const struct service *svc)
{
    const struct exit_info *e = &svc->last_exit;
    const struct cgroup_stats *st = &svc->last_stats;
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "kind", policy_exit_kind_name(e->kind), "reason",
                          e->reason, "oom_kills", (json_int_t)e->oom_kills, "uptime_ms",
                          (json_int_t)svc->last_uptime_ms);
    (void)json_object_set_new(o, "code", e->code >= 0 ? json_integer(e->code) : json_null());
    (void)json_object_set_new(o, "signal", e->signal ? json_integer(e->signal) : json_null());
    if (e->err) {
        (void)json_object_set_new(o, "errno", json_string(strerrorname_np(e->err)));
    }
    if (e->kind == EXIT_OOM_KILLED) {
        (void)json_object_set_new(o, "victim", json_string(e->main_oom ? "main" : "child"));
        if (svc->oom_pid > 0) {
            (void)json_object_set_new(o, "victim_pid", json_integer(svc->oom_pid));
            (void)json_object_set_new(o, "victim_comm", json_string(svc->oom_comm));
            (void)json_object_set_new(o, "victim_anon_rss_bytes",
                                      json_integer((json_int_t)svc->oom_rss_bytes));
        }
        (void)json_object_set_new(o, "limit", json_string("memory_max"));
        // the cgroup's high-water mark: usage when the kernel killed at the limit
        (void)json_object_set_new(o, "usage_at_kill_bytes",
                                  json_integer((json_int_t)st->memory_peak_bytes));
    }
    if (st->has_memory) {
        (void)json_object_set_new(o, "memory_peak_bytes",
                                  json_integer((json_int_t)st->memory_peak_bytes));
        (void)json_object_set_new(o, "memory_max_bytes",
                                  json_integer((json_int_t)st->memory_max_bytes));
        (void)json_object_set_new(o, "memory_at_exit_bytes",
                                  json_integer((json_int_t)st->memory_current_bytes));
    }
    if (st->has_pids) {
        (void)json_object_set_new(o, "pids_at_exit", json_integer((json_int_t)st->pids_current));
        (void)json_object_set_new(o, "pids_max_hits", json_integer((json_int_t)st->pids_max_hits));
    }
    if (e->left_processes) {
        (void)json_object_set_new(o, "left_processes", json_integer((json_int_t)e->left_processes));
        (void)json_object_set_new(o, "left_command", json_string(svc->left_top));
    }
    if (svc->has_memstat) {
        const struct cgroup_memstat *m = &svc->last_memstat;
        json_t *ms =
                json_pack("{s:I, s:I, s:I, s:I}", "anon_bytes", (json_int_t)m->anon_bytes,
                          "file_bytes", (json_int_t)m->file_bytes, "slab_bytes",
                          (json_int_t)m->slab_bytes, "shmem_bytes", (json_int_t)m->shmem_bytes);
        if (m->has_kernel) {
            (void)json_object_set_new(ms, "kernel_bytes",
                                      json_integer((json_int_t)m->kernel_bytes));
        }
        if (m->has_sock) {
            (void)json_object_set_new(ms, "sock_bytes", json_integer((json_int_t)m->sock_bytes));
        }
        (void)json_object_set_new(ms, "at_usage_bytes",
                                  json_integer((json_int_t)svc->last_memstat_usage));
        (void)json_object_set_new(ms, "ms_before_exit",
                                  json_integer((json_int_t)svc->last_memstat_before_ms));
        (void)json_object_set_new(o, "memory_stat", ms);
    }
    if (e->daemonized) {
        (void)json_object_set_new(o, "daemonized", json_true());
    }
    if (e->runtime_oom) {
        (void)json_object_set_new(
                o, "runtime_oom",
                json_pack("{s:s}", "runtime",
                          outtail_runtime_name((enum oom_runtime)e->runtime_oom)));
    }
    return o;
}

// A string jansson takes: lines are bytes from a program, perhaps not UTF-8 (a latin-1 log,
// a binary dump); invalid bytes become '?'.
static json_t *line_json(const char *line, size_t len)
{
    json_t *v = json_stringn(line, len);
    if (v) {
        return v;
    }
    char buf[OUTTAIL_LINE_MAX];
    size_t n = len < sizeof(buf) ? len : sizeof(buf);
    for (size_t i = 0; i < n; i++) {
        buf[i] = line[i];
        if ((unsigned char)line[i] >= 0x80) {
            buf[i] = '?';
        }
    }
    return json_stringn(buf, n);
}

void service_exit_evidence(struct service *svc, json_t *ev)
{
    const struct exit_info *e = &svc->last_exit;
    const struct outtail *t = svc->tail;
    if (e->runtime_oom && t->oom_line[0]) {
        json_t *r = json_object_get(ev, "runtime_oom");
        (void)json_object_set_new(r, "line", line_json(t->oom_line, strlen(t->oom_line)));
    }
    if (t->bind_error && svc->cfg->listen_count) {
        (void)json_object_set_new(ev, "bind_error", line_json(t->bind_line, strlen(t->bind_line)));
    }
    if (!policy_is_failure(e) || t->count == 0) {
        return; // a clean exit or a stop: its output is in the log, not evidence
    }
    json_t *tail = json_array();
    for (unsigned i = 0; i < t->count; i++) {
        const char *line;
        size_t len;
        if (outtail_line(t, i, &line, &len)) {
            (void)json_array_append_new(tail, line_json(line, len));
        }
    }
    (void)json_object_set_new(ev, "tail", tail);
    (void)json_object_set_new(ev, "tail_lines_seen", json_integer((json_int_t)t->seen));
}

// The cgroup path the kernel's log names for this instance: below its hierarchy's mount.
static const char *memcg_suffix(const struct service *svc)
{
    const struct cgroup_sys *cgs = &svc->sup->cgs;
    const char *path = cgs->kind == CGROUP_HYBRID ? svc->cg.mem_path : svc->cg.v2_path;
    const char *mount = cgs->kind == CGROUP_HYBRID ? cgs->mem_mount : cgs->v2_mount;
    size_t m = strlen(mount);
    return m && strncmp(path, mount, m) == 0 && path[m] == '/' ? path + m : NULL;
}

// Which process the OOM killer took, from the kernel's log: the pid settles whether it was
// the main process (otherwise guessed from SIGKILL), and the reason names it.
void service_name_oom_victim(struct service *svc)
{
    struct exit_info *e = &svc->last_exit;
    struct oom_victim v;
    const char *suffix = memcg_suffix(svc);
    svc->oom_pid = 0;
    svc->oom_comm[0] = '\0';
    svc->oom_rss_bytes = 0;
    if (e->kind != EXIT_OOM_KILLED || !svc->sup->kmsg || !suffix ||
        !kmsg_find_oom(svc->sup->kmsg, suffix, &v)) {
        return;
    }
    svc->oom_pid = v.pid;
    (void)snprintf(svc->oom_comm, sizeof(svc->oom_comm), "%s", v.comm);
    svc->oom_rss_bytes = v.anon_rss_bytes;
    e->main_oom = v.pid == svc->pid;
    // policy_classify guessed who from the signal; say who, keeping "(N kills...); main
    // process: HOW" from its text
    char tail[sizeof(e->reason)];
    const char *at = strstr(e->reason, " OOM-killed at ");
    (void)snprintf(tail, sizeof(tail), "%s", at ? at : " OOM-killed at memory_max");
    int n = snprintf(e->reason, sizeof(e->reason), "%s %d (%s)%.150s",
                     e->main_oom ? "main process" : "process", (int)v.pid, v.comm, tail);
    (void)n; // cut to the reason's size if need be
}
