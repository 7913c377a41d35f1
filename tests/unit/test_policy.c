// SPDX-License-Identifier: MIT
// Table-driven tests of policy.c: exit classification (OOM only from the cgroup counter,
// never from 137 alone), failure/restart decisions for every kind x policy, the jittered
// backoff schedule and its cap, and the cause-aware crash-loop breaker over its ring.
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy.h"

#define EXITED_WITH(code) W_EXITCODE((code), 0)
#define KILLED_BY(sig)    W_EXITCODE(0, (sig))

/* ---- policy_classify ---- */

struct classify_case {
    const char *name;
    int wait_status;
    uint64_t oom_delta;
    int exec_errno; // non-zero: the child reported a failure at stage (NULL allowed)
    const char *stage;
    const char *stop; // non-NULL: stop requested, with this reason ("": none given)
    bool drain_expired;
    enum exit_kind kind;
    int code;
    int signal;
    bool main_oom;
    const char *has1; // substrings the reason must contain (NULL: none)
    const char *has2;
};

static const struct classify_case classify_cases[] = {
        {"exit 0", EXITED_WITH(0), 0, 0, NULL, NULL, false, EXIT_EXITED, 0, 0, false, "exit code 0",
         NULL},
        {"exit 1", EXITED_WITH(1), 0, 0, NULL, NULL, false, EXIT_EXITED, 1, 0, false, "exit code 1",
         NULL},
        {"exit 3", EXITED_WITH(3), 0, 0, NULL, NULL, false, EXIT_EXITED, 3, 0, false, "exit code 3",
         NULL},
        {"exit 255", EXITED_WITH(255), 0, 0, NULL, NULL, false, EXIT_EXITED, 255, 0, false,
         "exit code 255", NULL},
        {"shift form", 42 << 8, 0, 0, NULL, NULL, false, EXIT_EXITED, 42, 0, false, "exit code 42",
         NULL},
        // 137 and 143 look like 128+signal but are plain exit codes without a counter move
        {"137 alone is not OOM", EXITED_WITH(137), 0, 0, NULL, NULL, false, EXIT_EXITED, 137, 0,
         false, "exit code 137", NULL},
        {"143 alone", EXITED_WITH(143), 0, 0, NULL, NULL, false, EXIT_EXITED, 143, 0, false,
         "exit code 143", NULL},
        {"SIGKILL, no OOM", KILLED_BY(SIGKILL), 0, 0, NULL, NULL, false, EXIT_KILLED, -1, SIGKILL,
         false, "SIGKILL", "not by warden"},
        {"SIGTERM, no OOM", KILLED_BY(SIGTERM), 0, 0, NULL, NULL, false, EXIT_KILLED, -1, SIGTERM,
         false, "SIGTERM", "signal 15"},
        {"SIGSEGV, no OOM", KILLED_BY(SIGSEGV), 0, 0, NULL, NULL, false, EXIT_KILLED, -1, SIGSEGV,
         false, "SIGSEGV", "signal 11"},
        {"SIGSEGV with core", KILLED_BY(SIGSEGV) | WCOREFLAG, 0, 0, NULL, NULL, false, EXIT_KILLED,
         -1, SIGSEGV, false, "SIGSEGV", NULL},
        {"SIGKILL + 1 OOM: main victim", KILLED_BY(SIGKILL), 1, 0, NULL, NULL, false,
         EXIT_OOM_KILLED, -1, SIGKILL, true, "main process OOM-killed", "1 kill in"},
        {"exit 0 + 2 OOM: child victim", EXITED_WITH(0), 2, 0, NULL, NULL, false, EXIT_OOM_KILLED,
         0, 0, false, "a process of the service", "2 kills"},
        {"exit 143 + 1 OOM: child victim", EXITED_WITH(143), 1, 0, NULL, NULL, false,
         EXIT_OOM_KILLED, 143, 0, false, "a process of the service", "exit code 143"},
        {"SIGTERM + 1 OOM: not main", KILLED_BY(SIGTERM), 1, 0, NULL, NULL, false, EXIT_OOM_KILLED,
         -1, SIGTERM, false, "a process of the service", "SIGTERM"},
        {"huge OOM delta", KILLED_BY(SIGKILL), UINT64_MAX, 0, NULL, NULL, false, EXIT_OOM_KILLED,
         -1, SIGKILL, true, "18446744073709551615 kills", NULL},
        {"exec ENOENT", EXITED_WITH(127), 0, ENOENT, "exec", NULL, false, EXIT_EXEC_FAILED, 127, 0,
         false, "exec failed", "No such file"},
        {"exec stage NULL", EXITED_WITH(126), 0, EACCES, NULL, NULL, false, EXIT_EXEC_FAILED, 126,
         0, false, "exec failed", "Permission denied"},
        {"cgroup attach failed", EXITED_WITH(126), 0, EBUSY, "cgroup attach", NULL, false,
         EXIT_EXEC_FAILED, 126, 0, false, "cgroup attach failed", NULL},
        {"exec failure beats OOM", EXITED_WITH(127), 1, ENOENT, "exec", NULL, false,
         EXIT_EXEC_FAILED, 127, 0, false, "exec failed", NULL},
        {"stop requested", KILLED_BY(SIGTERM), 0, 0, NULL, "stop", false, EXIT_KILLED_BY_WARDEN, -1,
         SIGTERM, false, "stop requested", "SIGTERM"},
        {"restart, clean exit", EXITED_WITH(0), 0, 0, NULL, "restart", false, EXIT_KILLED_BY_WARDEN,
         0, 0, false, "restart requested", "exit code 0"},
        {"stop, no reason", EXITED_WITH(1), 0, 0, NULL, "", false, EXIT_KILLED_BY_WARDEN, 1, 0,
         false, "stop requested", "exit code 1"},
        {"drain expired", KILLED_BY(SIGKILL), 0, 0, NULL, "shutdown", true, EXIT_STOP_TIMEOUT, -1,
         SIGKILL, false, "drain period (shutdown)", "SIGKILL"},
        {"drain expired, no reason", KILLED_BY(SIGKILL), 0, 0, NULL, NULL, true, EXIT_STOP_TIMEOUT,
         -1, SIGKILL, false, "(stop)", NULL},
        {"OOM beats stop requested", KILLED_BY(SIGKILL), 1, 0, NULL, "stop", false, EXIT_OOM_KILLED,
         -1, SIGKILL, true, "main process OOM-killed", NULL},
        // warden's own SIGKILL after the drain is not the OOM killer's
        {"OOM during drain expiry", KILLED_BY(SIGKILL), 1, 0, NULL, "", true, EXIT_OOM_KILLED, -1,
         SIGKILL, false, "a process of the service", NULL},
};

static void test_classify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
        const struct classify_case *c = &classify_cases[i];
        struct exit_facts f = {
                .wait_status = c->wait_status,
                .exec_failed = c->exec_errno != 0,
                .exec_errno = c->exec_errno,
                .exec_stage = c->stage,
                .oom_delta = c->oom_delta,
                .stop_requested = c->stop != NULL,
                .stop_reason = c->stop && c->stop[0] ? c->stop : NULL,
                .drain_expired = c->drain_expired,
        };
        struct exit_info e;
        memset(&e, 0xa5, sizeof(e)); // classify must overwrite everything
        policy_classify(&f, &e);
        print_message("case %zu: %s -> %s: %s\n", i, c->name, policy_exit_kind_name(e.kind),
                      e.reason);
        assert_int_equal(e.kind, c->kind);
        assert_int_equal(e.code, c->code);
        assert_int_equal(e.signal, c->signal);
        assert_int_equal(e.err, c->exec_errno);
        assert_int_equal(e.main_oom, c->main_oom);
        assert_true(e.oom_kills == c->oom_delta);
        assert_non_null(memchr(e.reason, '\0', sizeof(e.reason)));
        assert_true(e.reason[0] != '\0');
        if (c->has1) {
            assert_non_null(strstr(e.reason, c->has1));
        }
        if (c->has2) {
            assert_non_null(strstr(e.reason, c->has2));
        }
    }
}

// tini's loop: every exit code classifies as exited with that code, failure iff non-zero.
static void test_classify_all_exit_codes(void **state)
{
    (void)state;
    for (int code = 0; code < 256; code++) {
        struct exit_facts f = {.wait_status = EXITED_WITH(code)};
        struct exit_info e;
        policy_classify(&f, &e);
        assert_int_equal(e.kind, EXIT_EXITED);
        assert_int_equal(e.code, code);
        assert_int_equal(e.signal, 0);
        assert_int_equal(policy_is_failure(&e), code != 0);
        char want[32];
        (void)snprintf(want, sizeof(want), "exit code %d", code);
        assert_string_equal(e.reason, want);
    }
    for (int sig = 1; sig < 65; sig++) {
        struct exit_facts f = {.wait_status = KILLED_BY(sig)};
        struct exit_info e;
        policy_classify(&f, &e);
        assert_int_equal(e.kind, EXIT_KILLED);
        assert_int_equal(e.signal, sig);
        assert_int_equal(e.code, -1);
        assert_true(policy_is_failure(&e));
    }
}

// A status waitpid never returns without WUNTRACED: described, not mistaken for a signal.
static void test_classify_garbage_status(void **state)
{
    (void)state;
    struct exit_facts f = {.wait_status = 0x137f}; // "stopped by SIGSTOP"
    struct exit_info e;
    policy_classify(&f, &e);
    assert_int_equal(e.signal, 0);
    assert_int_equal(e.code, -1);
    assert_non_null(strstr(e.reason, "status 0x137f"));
    assert_true(policy_is_failure(&e));
}

static void test_kind_names(void **state)
{
    (void)state;
    static const char *const want[EXIT_KIND_COUNT] = {
            "none",   "exited",      "oom-killed",  "killed-by-warden",
            "killed", "exec-failed", "stop-timeout"};
    for (int k = 0; k < EXIT_KIND_COUNT; k++) {
        assert_string_equal(policy_exit_kind_name((enum exit_kind)k), want[k]);
    }
    assert_string_equal(policy_exit_kind_name(EXIT_KIND_COUNT), "?");
    assert_string_equal(policy_exit_kind_name((enum exit_kind) - 1), "?");
    assert_string_equal(policy_exit_kind_name((enum exit_kind)1000), "?");
}

/* ---- policy_is_failure / policy_should_restart ---- */

struct restart_case {
    enum exit_kind kind;
    int code;
    bool failure;
    bool always, on_failure, never; // policy_should_restart under each policy
};

static const struct restart_case restart_cases[] = {
        {EXIT_NONE, -1, false, true, false, false},
        {EXIT_EXITED, 0, false, true, false, false},
        {EXIT_EXITED, 1, true, true, true, false},
        {EXIT_EXITED, 255, true, true, true, false},
        {EXIT_EXITED, -1, true, true, true, false},
        {EXIT_OOM_KILLED, -1, true, true, true, false},
        {EXIT_OOM_KILLED, 0, true, true, true, false}, // a child was OOM-killed, main exited 0
        {EXIT_KILLED_BY_WARDEN, -1, false, false, false, false},
        {EXIT_KILLED_BY_WARDEN, 0, false, false, false, false},
        {EXIT_KILLED, -1, true, true, true, false},
        {EXIT_EXEC_FAILED, 127, true, true, true, false},
        {EXIT_STOP_TIMEOUT, -1, false, false, false, false},
        {EXIT_KIND_COUNT, 0, false, true, false, false},
};

static void test_failure_restart_table(void **state)
{
    (void)state;
    bool seen[EXIT_KIND_COUNT + 1] = {false};
    for (size_t i = 0; i < sizeof(restart_cases) / sizeof(restart_cases[0]); i++) {
        const struct restart_case *c = &restart_cases[i];
        struct exit_info e = {.kind = c->kind, .code = c->code};
        print_message("case %zu: %s code %d\n", i, policy_exit_kind_name(c->kind), c->code);
        seen[c->kind] = true;
        assert_int_equal(policy_is_failure(&e), c->failure);
        assert_int_equal(policy_should_restart(RESTART_ALWAYS, &e), c->always);
        assert_int_equal(policy_should_restart(RESTART_ON_FAILURE, &e), c->on_failure);
        assert_int_equal(policy_should_restart(RESTART_NEVER, &e), c->never);
        assert_false(policy_should_restart((enum restart_policy)77, &e));
    }
    for (int k = 0; k <= EXIT_KIND_COUNT; k++) {
        assert_true(seen[k]); // the table covers every kind
    }
}

/* ---- policy_backoff_ms ---- */

static uint64_t expected_base(uint64_t min_ms, uint64_t max_ms, unsigned failures)
{
    uint64_t base = min_ms;
    for (unsigned i = 1; i < failures && base < max_ms; i++) {
        base *= 2; // test inputs stay far below overflow
    }
    return base < max_ms ? base : max_ms;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static void check_jitter(uint64_t min_ms, uint64_t max_ms, unsigned n, uint32_t rnd)
{
    uint64_t base = expected_base(min_ms, max_ms, n);
    uint64_t got = policy_backoff_ms(min_ms, max_ms, n, rnd);
    if (got * 10 < base * 9 || got * 10 > base * 11) {
        fail_msg("backoff(%llu, %llu, %u, %u) = %llu outside [0.9, 1.1] x %llu",
                 (unsigned long long)min_ms, (unsigned long long)max_ms, n, rnd,
                 (unsigned long long)got, (unsigned long long)base);
    }
    if (rnd % 201u == 100u) {
        assert_true(got == base);
    }
}

static void test_backoff_jitter_bounds(void **state)
{
    (void)state;
    static const uint32_t fixed[] = {0,           1,           99,         100, 101,
                                     199,         200,         201,        301, 0x7FFFFFFF,
                                     0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu};
    uint32_t seed = 12345;
    for (unsigned n = 1; n <= 12; n++) {
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
            check_jitter(1000, 300000, n, fixed[i]);
        }
        for (int i = 0; i < 2000; i++) {
            check_jitter(1000, 300000, n, lcg(&seed));
        }
    }
    // the extremes of the jitter are reached
    assert_true(policy_backoff_ms(1000, 300000, 1, 0) == 900);
    assert_true(policy_backoff_ms(1000, 300000, 1, 200) == 1100);
    assert_true(policy_backoff_ms(1000, 300000, 12, 0) == 270000);
    assert_true(policy_backoff_ms(1000, 300000, 12, 200) == 330000);
}

static void test_backoff_schedule(void **state)
{
    (void)state;
    static const uint64_t want[] = {1000,  1000,   2000,   4000,   8000,   16000, 32000,
                                    64000, 128000, 256000, 300000, 300000, 300000};
    for (unsigned n = 0; n <= 12; n++) { // failures 0 is treated as the first
        assert_true(policy_backoff_ms(1000, 300000, n, 100) == want[n]);
        assert_true(policy_backoff_ms(1000, 300000, n, 100 + 201u * 1000u) == want[n]);
    }
    // 0xFFFFFFFF % 201 == 99: -0.1%
    assert_int_equal(0xFFFFFFFFu % 201u, 99);
    assert_true(policy_backoff_ms(1000, 300000, 1, 0xFFFFFFFFu) == 999);
}

static void test_backoff_cap_large_n(void **state)
{
    (void)state;
    struct timespec t0, t1;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    static const unsigned ns[] = {
            13, 20, 31, 32, 33, 40, 63, 64, 65, 1000, 1u << 31, UINT32_MAX - 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        assert_true(policy_backoff_ms(1000, 300000, ns[i], 100) == 300000);
        check_jitter(1000, 300000, ns[i], 0);
        check_jitter(1000, 300000, ns[i], 200);
        // config floor (10 ms) and a long but sane cap
        assert_true(policy_backoff_ms(10, 86400000, ns[i], 100) ==
                    expected_base(10, 86400000, ns[i]));
    }
    (void)clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 0.5); // no loop over `failures` once the cap is reached
}

static void test_backoff_min_equals_max(void **state)
{
    (void)state;
    uint32_t seed = 7;
    for (unsigned n = 1; n <= 40; n++) {
        assert_true(policy_backoff_ms(5000, 5000, n, 100) == 5000);
        assert_true(policy_backoff_ms(10, 10, n, 100) == 10);
        for (int i = 0; i < 100; i++) {
            check_jitter(5000, 5000, n, lcg(&seed));
        }
    }
    assert_true(policy_backoff_ms(5000, 5000, UINT32_MAX, 0) == 4500);
    assert_true(policy_backoff_ms(5000, 5000, UINT32_MAX, 200) == 5500);
}

/* ---- failure ring and breaker ---- */

static struct exit_info exited(int code)
{
    struct exit_facts f = {.wait_status = EXITED_WITH(code)};
    struct exit_info e;
    policy_classify(&f, &e);
    return e;
}

static struct exit_info killed(int sig, uint64_t oom_delta)
{
    struct exit_facts f = {.wait_status = KILLED_BY(sig), .oom_delta = oom_delta};
    struct exit_info e;
    policy_classify(&f, &e);
    return e;
}

static struct exit_info exec_failed(int err)
{
    struct exit_facts f = {.wait_status = EXITED_WITH(127),
                           .exec_failed = true,
                           .exec_errno = err,
                           .exec_stage = "exec"};
    struct exit_info e;
    policy_classify(&f, &e);
    return e;
}

static bool last_det; // the deterministic flag of the last push_and_decide

static enum breaker_verdict push_and_decide(struct failure_ring *r, struct exit_info e,
                                            uint64_t uptime_ms, uint64_t restart_max, char *why,
                                            unsigned why_len)
{
    policy_ring_push(r, &e, uptime_ms);
    why[0] = '\0';
    return policy_breaker(r, restart_max, why, why_len, &last_det);
}

static void test_breaker_identical_quick_exits(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    for (int i = 1; i <= 4; i++) {
        assert_int_equal(push_and_decide(&r, exited(3), 100, 0, why, sizeof(why)), BREAKER_RETRY);
    }
    // alike quick exits are crash-looping and said to be deterministic, but keep backing off
    assert_int_equal(push_and_decide(&r, exited(3), 100, 0, why, sizeof(why)), BREAKER_CRASHLOOP);
    assert_true(last_det);
    assert_non_null(strstr(why, "deterministic"));
    assert_non_null(strstr(why, "exit code 3"));
    assert_non_null(strstr(why, "5 times"));
    assert_int_equal(r.count, 5);
}

static void test_breaker_identical_signals(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    enum breaker_verdict v = BREAKER_RETRY;
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, killed(SIGSEGV, 0), 50, 0, why, sizeof(why));
    }
    assert_int_equal(v, BREAKER_CRASHLOOP);
    assert_true(last_det);
    assert_non_null(strstr(why, "deterministic"));
    assert_non_null(strstr(why, "signal 11"));
}

static void test_breaker_varying_codes(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    static const int codes[] = {1, 2, 3, 4, 5};
    enum breaker_verdict v = BREAKER_RETRY;
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, exited(codes[i]), 100, 0, why, sizeof(why));
        if (i < 4) {
            assert_int_equal(v, BREAKER_RETRY);
        }
    }
    assert_int_equal(v, BREAKER_CRASHLOOP);
    assert_non_null(strstr(why, "5 consecutive failures"));
    assert_non_null(strstr(why, "exit 5, exit 4, exit 3, exit 2, exit 1")); // newest first
    // the same code with a different kind (signal vs exit) is not identical either
    policy_ring_reset(&r);
    for (int i = 0; i < 4; i++) {
        (void)push_and_decide(&r, exited(9), 100, 0, why, sizeof(why));
    }
    assert_int_equal(push_and_decide(&r, killed(9, 0), 100, 0, why, sizeof(why)),
                     BREAKER_CRASHLOOP);
    assert_non_null(strstr(why, "signal 9, exit 9"));
}

static void test_breaker_one_slow(void **state)
{
    (void)state;
    char why[200];
    for (int slow = 0; slow < 5; slow++) {
        struct failure_ring r;
        policy_ring_reset(&r);
        enum breaker_verdict v = BREAKER_RETRY;
        for (int i = 0; i < 5; i++) {
            v = push_and_decide(&r, exited(3), i == slow ? 20000 : 100, 0, why, sizeof(why));
        }
        assert_int_equal(v, BREAKER_CRASHLOOP);
        assert_false(last_det);
    }
    // the window's edge: DETERMINISTIC_WINDOW_MS itself is not quick
    struct failure_ring r;
    policy_ring_reset(&r);
    enum breaker_verdict v = BREAKER_RETRY;
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, exited(3), i == 2 ? DETERMINISTIC_WINDOW_MS : 0, 0, why,
                            sizeof(why));
    }
    assert_int_equal(v, BREAKER_CRASHLOOP);
    policy_ring_reset(&r);
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, exited(3), DETERMINISTIC_WINDOW_MS - 1, 0, why, sizeof(why));
    }
    assert_int_equal(v, BREAKER_CRASHLOOP);
    assert_true(last_det);
}

static void test_breaker_oom_never_opens(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    for (int i = 1; i <= 20; i++) {
        enum breaker_verdict v = push_and_decide(&r, killed(SIGKILL, 1), 100, 0, why, sizeof(why));
        assert_int_equal(v, i < 5 ? BREAKER_RETRY : BREAKER_CRASHLOOP);
    }
    assert_non_null(strstr(why, "20 consecutive failures"));
    assert_non_null(strstr(why, "oom-killed"));
}

static void test_breaker_exec_failures(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_RETRY);
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_RETRY);
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_OPEN);
    assert_non_null(strstr(why, "exec failed 3 times"));
    assert_non_null(strstr(why, "No such file"));
    // different errnos are different failures
    policy_ring_reset(&r);
    (void)push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why));
    (void)push_and_decide(&r, exec_failed(EACCES), 0, 0, why, sizeof(why));
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_RETRY);
    // an exit between them breaks the run
    policy_ring_reset(&r);
    (void)push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why));
    (void)push_and_decide(&r, exited(1), 0, 0, why, sizeof(why));
    (void)push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why));
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_RETRY);
    assert_int_equal(push_and_decide(&r, exec_failed(ENOENT), 0, 0, why, sizeof(why)),
                     BREAKER_OPEN);
}

static void test_breaker_restart_max(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    assert_int_equal(push_and_decide(&r, exited(1), 100000, 2, why, sizeof(why)), BREAKER_RETRY);
    assert_int_equal(push_and_decide(&r, exited(2), 100000, 2, why, sizeof(why)), BREAKER_GIVE_UP);
    assert_non_null(strstr(why, "gave up after 2 consecutive failures"));
    assert_non_null(strstr(why, "restart_max = 2"));
    // restart_max wins over an open breaker
    policy_ring_reset(&r);
    enum breaker_verdict v = BREAKER_RETRY;
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, exited(3), 100, 5, why, sizeof(why));
    }
    assert_int_equal(v, BREAKER_GIVE_UP);
    // restart_max = 0: unlimited
    policy_ring_reset(&r);
    for (int i = 0; i < 1000; i++) {
        v = push_and_decide(&r, exited(1 + i % 7), 100, 0, why, sizeof(why));
        assert_int_not_equal(v, BREAKER_GIVE_UP);
        assert_int_not_equal(v, BREAKER_OPEN);
    }
    assert_int_equal(r.count, 1000);
}

static void test_ring_wraps(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    char why[200];
    // 7 different failures, then 5 identical quick ones: only the last 5 decide
    for (int i = 0; i < 7; i++) {
        (void)push_and_decide(&r, exited(10 + i), 100, 0, why, sizeof(why));
    }
    enum breaker_verdict v = BREAKER_RETRY;
    for (int i = 0; i < 5; i++) {
        v = push_and_decide(&r, exited(42), 100, 0, why, sizeof(why));
        assert_int_equal(v, BREAKER_CRASHLOOP);
        assert_true(last_det == (i == 4));
    }
    assert_int_equal(r.count, 12);
    assert_non_null(strstr(why, "exit code 42"));
    // 11 identical then one different: crash-looping, newest listed first
    policy_ring_reset(&r);
    for (int i = 0; i < 11; i++) {
        (void)push_and_decide(&r, exited(42), 100, 0, why, sizeof(why));
    }
    v = push_and_decide(&r, killed(SIGABRT, 0), 100, 0, why, sizeof(why));
    assert_int_equal(v, BREAKER_CRASHLOOP);
    assert_non_null(strstr(why, "12 consecutive failures"));
    assert_non_null(strstr(why, "newest first: signal 6, exit 42, exit 42, exit 42, exit 42"));
    // a short why buffer is cut, never overrun
    char tiny[16];
    memset(tiny, 'x', sizeof(tiny));
    bool det = true;
    assert_int_equal(policy_breaker(&r, 0, tiny, 8, &det), BREAKER_CRASHLOOP);
    assert_false(det);
    assert_int_equal(strlen(tiny), 7);
    assert_int_equal(tiny[8], 'x');
}

static void test_ring_reset(void **state)
{
    (void)state;
    struct failure_ring r;
    memset(&r, 0x5a, sizeof(r)); // garbage before the first reset
    policy_ring_reset(&r);
    assert_int_equal(r.count, 0);
    char why[200] = "untouched";
    bool det = true;
    assert_int_equal(policy_breaker(&r, 1, why, sizeof(why), &det), BREAKER_RETRY);
    assert_false(det);
    for (int i = 0; i < 4; i++) {
        (void)push_and_decide(&r, exited(3), 100, 0, why, sizeof(why));
    }
    policy_ring_reset(&r);
    assert_int_equal(r.count, 0);
    // the old four do not count towards the next five
    for (int i = 0; i < 4; i++) {
        assert_int_equal(push_and_decide(&r, exited(3), 100, 0, why, sizeof(why)), BREAKER_RETRY);
    }
    assert_int_equal(push_and_decide(&r, exited(3), 100, 0, why, sizeof(why)), BREAKER_CRASHLOOP);
    assert_true(last_det);
}

static void test_ring_count_saturates(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    r.count = UINT32_MAX - 1;
    struct exit_info e = exited(1);
    policy_ring_push(&r, &e, 100);
    assert_true(r.count == UINT32_MAX);
    policy_ring_push(&r, &e, 100);
    assert_true(r.count == UINT32_MAX); // no wrap to 0
}

// Regression: a huge backoff cap wrapped base to 0 (disarming the timer) and overflowed
// the signed jitter product (UBSan abort).
static void test_backoff_huge_cap(void **state)
{
    (void)state;
    static const uint32_t rnds[] = {0, 100, 200};
    for (unsigned f = 1; f < 200; f += 7) {
        for (unsigned k = 0; k < 3; k++) {
            uint64_t ms = policy_backoff_ms(1000, UINT64_MAX, f, rnds[k]);
            assert_true(ms >= 1000 * 9 / 10);
        }
    }
    assert_int_equal(policy_backoff_ms(1000, UINT64_MAX, 62, 100), UINT64_MAX);
    assert_true(policy_backoff_ms(1000, 1ULL << 63, 60, 0) >= (1ULL << 63) / 10 * 9);
    assert_int_equal(policy_backoff_ms(1000, 1ULL << 63, UINT32_MAX, 100), 1ULL << 63);
    assert_true(policy_backoff_ms(0, 0, 1, 0) >= 1); // never 0: that disarms the timer
}

// Regression: once count saturated, pushes went to one slot while reads walked others.
static void test_ring_saturated_order(void **state)
{
    (void)state;
    struct failure_ring r;
    policy_ring_reset(&r);
    r.count = UINT32_MAX - 5;
    struct exit_info ex = {.kind = EXIT_EXEC_FAILED, .code = 127, .err = ENOENT};
    for (int i = 0; i < 5; i++) {
        policy_ring_push(&r, &ex, 10);
    }
    struct exit_info code = {.kind = EXIT_EXITED};
    for (int i = 0; i < 3; i++) {
        code.code = 2 + i;
        policy_ring_push(&r, &code, 10);
    }
    char why[200];
    bool det;
    assert_int_equal(policy_breaker(&r, 0, why, sizeof(why), &det), BREAKER_CRASHLOOP);
}

// Issue 11: only exec errors no retry can fix open the breaker; a runtime's own heap death
// is a memory death (never deterministic); a daemonizing exit 0 is a failure.
static void test_breaker_retry_judgement(void **state)
{
    (void)state;
    char why[200];
    struct failure_ring r;
    static const int transient[] = {EAGAIN, ENOMEM, EINTR, EADDRINUSE, EMFILE};
    for (size_t k = 0; k < sizeof(transient) / sizeof(transient[0]); k++) {
        policy_ring_reset(&r);
        for (int i = 0; i < 50; i++) {
            enum breaker_verdict v =
                    push_and_decide(&r, exec_failed(transient[k]), 0, 0, why, sizeof(why));
            assert_int_not_equal(v, BREAKER_OPEN);
        }
    }
    static const int permanent[] = {ENOENT, EACCES, ENOEXEC, ENOTDIR};
    for (size_t k = 0; k < sizeof(permanent) / sizeof(permanent[0]); k++) {
        policy_ring_reset(&r);
        enum breaker_verdict v = BREAKER_RETRY;
        for (unsigned i = 0; i < EXEC_FAIL_BREAKER; i++) {
            v = push_and_decide(&r, exec_failed(permanent[k]), 0, 0, why, sizeof(why));
        }
        assert_int_equal(v, BREAKER_OPEN);
    }
    // V8 aborting on its heap limit, 20 times within a second of start: never deterministic
    struct exit_facts f = {.wait_status = SIGABRT, .runtime_oom = 1};
    struct exit_info e;
    policy_classify(&f, &e);
    assert_int_equal(e.kind, EXIT_KILLED);
    assert_int_equal(e.runtime_oom, 1);
    assert_true(policy_is_memory_death(&e));
    assert_true(policy_is_failure(&e));
    assert_non_null(strstr(e.reason, "node runtime ran out of memory"));
    policy_ring_reset(&r);
    for (int i = 0; i < 20; i++) {
        enum breaker_verdict v = push_and_decide(&r, e, 300, 0, why, sizeof(why));
        assert_int_equal(v, i < 4 ? BREAKER_RETRY : BREAKER_CRASHLOOP);
        assert_false(last_det);
    }
    // Python's MemoryError ends in exit code 1: still a memory death
    struct exit_facts py = {.wait_status = 1 << 8, .runtime_oom = 4};
    policy_classify(&py, &e);
    assert_int_equal(e.kind, EXIT_EXITED);
    assert_true(policy_is_memory_death(&e));
    // a runtime OOM line in an instance warden stopped does not make the stop a failure
    struct exit_facts stopped = {.wait_status = SIGTERM, .runtime_oom = 1, .stop_requested = true};
    policy_classify(&stopped, &e);
    assert_int_equal(e.runtime_oom, 0);
    // exit 0 leaving processes: daemonized, a failure for restart = always
    struct exit_facts d = {.wait_status = 0, .left_processes = 3};
    policy_classify(&d, &e);
    assert_true(e.daemonized);
    assert_true(policy_is_failure(&e));
    assert_non_null(strstr(e.reason, "left 3 processes"));
    // exit 1 leaving processes: an ordinary failure, processes counted
    struct exit_facts d1 = {.wait_status = 1 << 8, .left_processes = 2};
    policy_classify(&d1, &e);
    assert_false(e.daemonized);
    assert_int_equal(e.left_processes, 2);
    // an out-of-range runtime is ignored
    struct exit_facts bad = {.wait_status = SIGABRT, .runtime_oom = 99};
    policy_classify(&bad, &e);
    assert_int_equal(e.runtime_oom, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_classify_table),
            cmocka_unit_test(test_classify_all_exit_codes),
            cmocka_unit_test(test_classify_garbage_status),
            cmocka_unit_test(test_kind_names),
            cmocka_unit_test(test_failure_restart_table),
            cmocka_unit_test(test_backoff_jitter_bounds),
            cmocka_unit_test(test_backoff_schedule),
            cmocka_unit_test(test_backoff_cap_large_n),
            cmocka_unit_test(test_backoff_min_equals_max),
            cmocka_unit_test(test_breaker_identical_quick_exits),
            cmocka_unit_test(test_breaker_identical_signals),
            cmocka_unit_test(test_breaker_varying_codes),
            cmocka_unit_test(test_breaker_one_slow),
            cmocka_unit_test(test_breaker_oom_never_opens),
            cmocka_unit_test(test_breaker_exec_failures),
            cmocka_unit_test(test_breaker_restart_max),
            cmocka_unit_test(test_breaker_retry_judgement),
            cmocka_unit_test(test_ring_wraps),
            cmocka_unit_test(test_ring_reset),
            cmocka_unit_test(test_ring_count_saturates),
            cmocka_unit_test(test_backoff_huge_cap),
            cmocka_unit_test(test_ring_saturated_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
