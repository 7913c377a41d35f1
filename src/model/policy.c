// SPDX-License-Identifier: MIT
// Exit classification, backoff schedule and the cause-aware crash-loop breaker.
#include "policy.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[EXIT_KIND_COUNT] = {
        "none",   "exited",      "oom-killed",  "killed-by-warden",
        "killed", "exec-failed", "stop-timeout"};

const char *policy_exit_kind_name(enum exit_kind kind)
{
    return (unsigned)kind < EXIT_KIND_COUNT ? kind_names[kind] : "?";
}

void policy_describe_status(int st, char *buf, size_t len)
{
    if (WIFEXITED(st)) {
        (void)snprintf(buf, len, "exit code %d", WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        (void)snprintf(buf, len, "signal %d (SIG%s)", WTERMSIG(st),
                       sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
    } else {
        (void)snprintf(buf, len, "status 0x%x", (unsigned)st);
    }
}

static const char *const runtime_names[] = {"", "node", "jvm", "go", "python", "dotnet"};

// What the kernel's view leaves out: the runtime's own heap death, and a main process that
// exited on its own leaving its work running (it daemonized).
static void classify_more(const struct exit_facts *f, struct exit_info *out, const char *how)
{
    out->left_processes = f->left_processes;
    bool own = out->kind == EXIT_EXITED || out->kind == EXIT_KILLED;
    if (own && f->runtime_oom > 0 &&
        (size_t)f->runtime_oom < sizeof(runtime_names) / sizeof(runtime_names[0])) {
        out->runtime_oom = f->runtime_oom;
        (void)snprintf(
                out->reason, sizeof(out->reason),
                "the %s runtime ran out of memory (its own out-of-memory error, not the kernel's "
                "OOM killer); main process: %s",
                runtime_names[f->runtime_oom], how);
    } else if (out->kind == EXIT_EXITED && out->code == 0 && f->left_processes > 0) {
        out->daemonized = true;
        (void)snprintf(out->reason, sizeof(out->reason),
                       "the main process exited with code 0 and left %llu process%s running in "
                       "its cgroup: it daemonized (forked into the background)",
                       (unsigned long long)f->left_processes, f->left_processes == 1 ? "" : "es");
    }
}

bool policy_is_memory_death(const struct exit_info *e)
{
    return e->kind == EXIT_OOM_KILLED || e->runtime_oom > 0;
}

void policy_classify(const struct exit_facts *f, struct exit_info *out)
{
    memset(out, 0, sizeof(*out));
    int st = f->wait_status;
    out->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    out->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    out->oom_kills = f->oom_delta;
    char how[64];
    policy_describe_status(st, how, sizeof(how));
    if (f->exec_failed) {
        out->kind = EXIT_EXEC_FAILED;
        out->err = f->exec_errno;
        (void)snprintf(out->reason, sizeof(out->reason), "%s failed: %s",
                       f->exec_stage ? f->exec_stage : "exec", strerror(f->exec_errno));
    } else if (f->oom_delta > 0) {
        out->kind = EXIT_OOM_KILLED;
        out->main_oom = out->signal == SIGKILL && !f->drain_expired;
        (void)snprintf(out->reason, sizeof(out->reason),
                       "%s OOM-killed at memory_max (%llu kill%s in the cgroup); main process: %s",
                       out->main_oom ? "main process" : "a process of the service",
                       (unsigned long long)f->oom_delta, f->oom_delta == 1 ? "" : "s", how);
    } else if (f->guard_reason) {
        out->kind = EXIT_KILLED_BY_WARDEN;
        out->by_guard = true;
        (void)snprintf(out->reason, sizeof(out->reason),
                       "%s: the cgroup was killed; main process: %s", f->guard_reason, how);
    } else if (f->drain_expired) {
        out->kind = EXIT_STOP_TIMEOUT;
        (void)snprintf(out->reason, sizeof(out->reason),
                       "did not stop within the drain period (%s): killed with SIGKILL",
                       f->stop_reason ? f->stop_reason : "stop");
    } else if (f->stop_requested) {
        out->kind = EXIT_KILLED_BY_WARDEN;
        (void)snprintf(out->reason, sizeof(out->reason), "%s requested; main process: %s",
                       f->stop_reason ? f->stop_reason : "stop", how);
    } else if (WIFSIGNALED(st)) {
        out->kind = EXIT_KILLED;
        (void)snprintf(out->reason, sizeof(out->reason), "killed by %s (not by warden)", how);
    } else {
        out->kind = EXIT_EXITED;
        (void)snprintf(out->reason, sizeof(out->reason), "%s", how);
    }
    classify_more(f, out, how);
}

bool policy_is_failure(const struct exit_info *e)
{
    switch (e->kind) {
    case EXIT_EXITED:
        return e->code != 0 || e->daemonized || e->runtime_oom > 0;
    case EXIT_OOM_KILLED:
    case EXIT_KILLED:
    case EXIT_EXEC_FAILED:
        return true;
    case EXIT_KILLED_BY_WARDEN:
        return e->by_guard; // a guard's kill is the service's failure; a stop is not
    case EXIT_STOP_TIMEOUT:
    case EXIT_NONE:
    case EXIT_KIND_COUNT:
        return false;
    }
    return false;
}

bool policy_should_restart(enum restart_policy p, const struct exit_info *e)
{
    if ((e->kind == EXIT_KILLED_BY_WARDEN && !e->by_guard) || e->kind == EXIT_STOP_TIMEOUT) {
        return false;
    }
    switch (p) {
    case RESTART_ALWAYS:
        return true;
    case RESTART_ON_FAILURE:
        return policy_is_failure(e);
    case RESTART_NEVER:
        return false;
    }
    return false;
}

uint64_t policy_backoff_ms(uint64_t min_ms, uint64_t max_ms, unsigned failures, uint32_t rnd)
{
    uint64_t base = min_ms < max_ms ? min_ms : max_ms;
    // double at most 64 times, and never past max_ms (no wrap, whatever the config says)
    for (unsigned i = 1; i < failures && i < 64 && base < max_ms; i++) {
        base = base > max_ms / 2 ? max_ms : base * 2;
    }
    // jitter in [-10%, +10%] in 0.1% steps, so restarts of many services spread out;
    // computed as base/1000*permille plus the remainder's share: no overflow at any base
    int64_t permille = (int64_t)(rnd % 201u) - 100;
    uint64_t step = base / 1000, rem = base % 1000;
    uint64_t mag = step * (uint64_t)(permille < 0 ? -permille : permille) +
                   rem * (uint64_t)(permille < 0 ? -permille : permille) / 1000;
    uint64_t ms = permille < 0 ? base - mag : (base > UINT64_MAX - mag ? UINT64_MAX : base + mag);
    return ms ? ms : 1; // 0 would disarm the timer
}

void policy_ring_reset(struct failure_ring *r)
{
    memset(r, 0, sizeof(*r));
}

void policy_ring_push(struct failure_ring *r, const struct exit_info *e, uint64_t uptime_ms)
{
    struct failure_sig s = {
            .kind = e->kind,
            .code = e->code,
            .signal = e->signal,
            .err = e->err,
            .quick = uptime_ms < DETERMINISTIC_WINDOW_MS,
            .memory = policy_is_memory_death(e),
    };
    r->sigs[r->next] = s;
    r->next = (r->next + 1) % CRASHLOOP_FAILURES; // wraps even when count saturates
    if (r->count < UINT32_MAX) {
        r->count++;
    }
}

static bool same_sig(const struct failure_sig *a, const struct failure_sig *b)
{
    return a->kind == b->kind && a->code == b->code && a->signal == b->signal && a->err == b->err;
}

// The i-th newest failure (0: the last one pushed).
static const struct failure_sig *ring_back(const struct failure_ring *r, unsigned i)
{
    return &r->sigs[(r->next + CRASHLOOP_FAILURES - 1 - i % CRASHLOOP_FAILURES) %
                    CRASHLOOP_FAILURES];
}

static const struct failure_sig *ring_last(const struct failure_ring *r)
{
    return ring_back(r, 0);
}

// All of the last n failures identical, quick and not about memory (n <= CRASHLOOP_FAILURES)?
static bool repeats(const struct failure_ring *r, unsigned n)
{
    if (r->count < n) {
        return false;
    }
    const struct failure_sig *last = ring_last(r);
    for (unsigned i = 0; i < n; i++) {
        const struct failure_sig *s = ring_back(r, i);
        if (!s->quick || s->memory || !same_sig(s, last)) {
            return false;
        }
    }
    return true;
}

bool policy_deterministic(const struct failure_ring *r)
{
    return repeats(r, CRASHLOOP_FAILURES);
}

// Exec errors that no retry can fix: the file is missing, not executable, or not a program.
static bool exec_permanent(int err)
{
    return err == ENOENT || err == EACCES || err == ENOEXEC || err == ENOTDIR;
}

// "7 consecutive failures; last 5, newest first: oom-killed, exit 2, signal 11, ..."
static void describe_recent(const struct failure_ring *r, char *why, unsigned why_len)
{
    int n = snprintf(why, why_len, "%u consecutive failures; last %u, newest first:", r->count,
                     CRASHLOOP_FAILURES);
    for (unsigned i = 0; i < CRASHLOOP_FAILURES && n > 0 && (unsigned)n < why_len; i++) {
        const struct failure_sig *s = ring_back(r, i);
        const char *sep = i ? "," : "";
        int m;
        if (s->kind == EXIT_EXITED) {
            m = snprintf(why + n, why_len - (unsigned)n, "%s exit %d", sep, s->code);
        } else if (s->kind == EXIT_KILLED) {
            m = snprintf(why + n, why_len - (unsigned)n, "%s signal %d", sep, s->signal);
        } else {
            m = snprintf(why + n, why_len - (unsigned)n, "%s %s", sep,
                         policy_exit_kind_name(s->kind));
        }
        n = m < 0 ? -1 : n + m;
    }
}

enum breaker_verdict policy_breaker(const struct failure_ring *r, uint64_t restart_max, char *why,
                                    unsigned why_len, bool *deterministic)
{
    *deterministic = false;
    if (r->count == 0) {
        return BREAKER_RETRY;
    }
    const struct failure_sig *last = ring_last(r);
    if (restart_max && r->count >= restart_max) {
        (void)snprintf(why, why_len, "gave up after %u consecutive failures (restart_max = %llu)",
                       r->count, (unsigned long long)restart_max);
        return BREAKER_GIVE_UP;
    }
    // A missing or non-executable binary will not fix itself between retries.
    if (last->kind == EXIT_EXEC_FAILED && exec_permanent(last->err) &&
        repeats(r, EXEC_FAIL_BREAKER)) {
        (void)snprintf(why, why_len, "exec failed %u times in a row (%s): fix the command",
                       EXEC_FAIL_BREAKER, strerror(last->err));
        return BREAKER_OPEN;
    }
    if (r->count < CRASHLOOP_FAILURES) {
        return BREAKER_RETRY;
    }
    // Alike quick exits are deterministic for the service as it is, but the world around it
    // changes (a database comes back): say so and keep backing off, up to backoff's maximum.
    if (repeats(r, CRASHLOOP_FAILURES)) {
        *deterministic = true;
        if (last->signal) {
            (void)snprintf(why, why_len,
                           "deterministic: killed by signal %d %u times in a row, each within "
                           "%us of start",
                           last->signal, CRASHLOOP_FAILURES, DETERMINISTIC_WINDOW_MS / 1000);
        } else {
            (void)snprintf(why, why_len,
                           "deterministic: exit code %d %u times in a row, each within %us of "
                           "start",
                           last->code, CRASHLOOP_FAILURES, DETERMINISTIC_WINDOW_MS / 1000);
        }
        return BREAKER_CRASHLOOP;
    }
    describe_recent(r, why, why_len);
    return BREAKER_CRASHLOOP;
}
