/* SPDX-License-Identifier: MIT */
/* Pure restart policy: how an exit is classified, whether it is a failure, how long to
 * back off, and when a crash loop is deterministic enough to open the breaker.
 * No I/O, no clock, no RNG of its own: everything comes in as arguments. */
#ifndef WARDEN_POLICY_H
#define WARDEN_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "config.h"

enum exit_kind {
    EXIT_NONE,
    EXIT_EXITED,
    EXIT_OOM_KILLED,
    EXIT_KILLED_BY_WARDEN,
    EXIT_KILLED,
    EXIT_EXEC_FAILED,
    EXIT_STOP_TIMEOUT,
    EXIT_KIND_COUNT,
};

/* What warden knows when the main process of an instance has been reaped. */
struct exit_facts {
    int wait_status;  /* from waitpid */
    bool exec_failed; /* the child reported an exec (or pre-exec) failure */
    int exec_errno;
    const char *exec_stage;   /* "exec", "cgroup", "user", ... */
    uint64_t oom_delta;       /* oom_kill counter change over this instance's life */
    bool stop_requested;      /* warden asked it to stop (operator stop/restart, shutdown) */
    const char *stop_reason;  /* why warden stopped it ("stop", "restart", "shutdown") */
    bool drain_expired;       /* warden had to SIGKILL after the drain period */
    const char *guard_reason; /* a guard killed the instance ("process-storm"), or NULL */
    int runtime_oom;          /* enum oom_runtime (outtail.h): the runtime's own OOM death */
    uint64_t left_processes;  /* processes left in the cgroup when the main one exited */
};

struct exit_info {
    enum exit_kind kind;
    int code;           /* exit code when the main process exited, else -1 */
    int signal;         /* terminating signal of the main process, else 0 */
    int err;            /* errno of an exec failure, else 0 */
    bool main_oom;      /* the main process itself was the OOM victim */
    bool by_guard;      /* killed by a guard: a failure, unlike an operator stop */
    uint64_t oom_kills; /* OOM kills in the cgroup during this instance */
    int runtime_oom;    /* enum oom_runtime: the runtime died of its own heap limit; kind
                           stays what the kernel reported (killed by SIGABRT, exit code 1) */
    bool daemonized;    /* exited 0 on its own, leaving processes behind: it forked away */
    uint64_t left_processes;
    char reason[200];
};

/* A memory death: an OOM kill or the runtime's own out-of-memory death. Backed off like
 * each other, never made `failed` by the breaker. */
bool policy_is_memory_death(const struct exit_info *e);

/* Classify an exit (DESIGN "Exit classification"; never from 137 alone: OOM only when
 * the cgroup's own counter moved). */
void policy_classify(const struct exit_facts *f, struct exit_info *out);

const char *policy_exit_kind_name(enum exit_kind kind);

/* A wait status in words: "exit code 3", "signal 9 (SIGKILL)". */
void policy_describe_status(int st, char *buf, size_t len);

/* Does this exit count as a failure for restart purposes? */
bool policy_is_failure(const struct exit_info *e);

/* Should the service be started again after this exit, under its restart policy?
 * (Stops requested by warden are never restarted here.) */
bool policy_should_restart(enum restart_policy p, const struct exit_info *e);

/* Backoff before restart number `failures` (1-based count of consecutive failures):
 * base = min(max, min * 2^(failures-1)), then jitter to [0.9*base, 1.1*base] from rnd. */
uint64_t policy_backoff_ms(uint64_t min_ms, uint64_t max_ms, unsigned failures, uint32_t rnd);

/* The signature of a failure, for the breaker: same kind, code and signal. */
struct failure_sig {
    enum exit_kind kind;
    int code;
    int signal;
    int err;
    bool quick;  /* died within DETERMINISTIC_WINDOW_MS of start */
    bool memory; /* a memory death (policy_is_memory_death) */
};

/* Ring of the last CRASHLOOP_FAILURES consecutive failures. */
struct failure_ring {
    struct failure_sig sigs[CRASHLOOP_FAILURES];
    unsigned count; /* consecutive failures recorded (saturates at UINT32_MAX) */
    unsigned next;  /* slot the next failure goes to */
};

void policy_ring_reset(struct failure_ring *r);
void policy_ring_push(struct failure_ring *r, const struct exit_info *e, uint64_t uptime_ms);

enum breaker_verdict {
    BREAKER_RETRY,     /* back off and start again */
    BREAKER_CRASHLOOP, /* back off, and report the service as crash-looping */
    BREAKER_OPEN,      /* nothing can change without an operator: stop retrying (failed) */
    BREAKER_GIVE_UP,   /* restart_max reached */
};

/* Decide after a failure was pushed. why gets a human reason for OPEN/GIVE_UP/CRASHLOOP.
 * warden gives up on its own only where nothing can change without an operator: an exec
 * that fails with ENOENT, EACCES, ENOEXEC or ENOTDIR EXEC_FAIL_BREAKER times in a row.
 * Alike quick exits are crash-looping (*deterministic set) but keep backing off: the world
 * outside the service changes (a database comes back, a port's holder exits). */
enum breaker_verdict policy_breaker(const struct failure_ring *r, uint64_t restart_max, char *why,
                                    unsigned why_len, bool *deterministic);

/* The last CRASHLOOP_FAILURES failures alike (kind, code, signal, errno), each quick, and
 * none a memory death. */
bool policy_deterministic(const struct failure_ring *r);

#endif
