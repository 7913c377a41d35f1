// SPDX-License-Identifier: MIT
// STYLE rule 35: walk every (state, event) pair of service_handle() with real processes.
// Each pair gets a fresh supervisor (no control socket, journal in a mkdtemp dir), reaches
// the state by driving the loop against a deadline, dispatches the event, checks the state
// right after against the table below, then stops the service and proves that no process
// it started is left. The whole table runs twice: on the none backend (WARDEN_CGROUP=none:
// process groups) and, as root where cgroups are usable, on the real one (v2 or hybrid),
// whose teardown kills and waits for the cgroup.
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "config.h"
#include "errbuf.h"
#include "loop.h"
#include "policy.h"
#include "service.h"
#include "supervisor.h"

#define REACH_MS       1500u // to reach a state from a fresh service
#define SETTLE_MS      1500u // to stop whatever runs and see every process reaped
#define PIDS_TRACKED   32u   // pids one case can start (a handful in practice)
#define BIT(s)         (1u << (s))
#define EXITED_WITH(c) W_EXITCODE((c), 0)
#define KILLED_BY(sig) W_EXITCODE(0, (sig))

/* The intended semantics: for every (state, event) pair, the set of states the service may
 * be in right after service_handle() returns. Every set is a single state today.
 *
 * STOPPED   START/RESTART spawn (STARTING); STOP, EXEC_OK, EXIT, TIMER are stale: ignored.
 * STARTING  START and TIMER ignored (no timer runs); STOP and RESTART begin the drain
 *           (SIGTERM, drain timer: DRAINING); EXEC_OK -> RUNNING; EXIT (main reaped) starts
 *           the teardown of the instance (DRAINING until the process group is empty).
 * RUNNING   as STARTING, but EXEC_OK is a stale duplicate and is ignored.
 * DRAINING  stays DRAINING for every event: START/RESTART only note "start again when
 *           gone", STOP cancels that, EXEC_OK is stale, EXIT goes on with the teardown
 *           (the group is not empty: the process is not reaped yet), TIMER with the main
 *           process alive is the drain expiry (SIGKILL the group, wait KILL_GRACE_MS).
 * BACKOFF   START/RESTART start now (STARTING), TIMER is the backoff expiry (STARTING),
 *           STOP -> STOPPED, EXEC_OK and EXIT are stale.
 * CRASHLOOP as BACKOFF.
 * FAILED    START/RESTART are an operator start that closes the breaker (STARTING), STOP
 *           -> STOPPED, EXEC_OK/EXIT/TIMER are stale (no timer is armed in failed).
 * The guards' verdicts (GUARD_RESTART, GUARD_KILL, GUARD_DRAIN) act only on a live
 * instance: in STARTING and RUNNING a restart drains it to start again (no listen here: no
 * overlap) and a drain drains it (DRAINING); a kill SIGKILLs the cgroup and the state moves
 * when the exit is reaped (STARTING/RUNNING right after). DRAINING takes a kill, drops the
 * others; every other state drops all three. */
struct pair_case {
    enum svc_state state;
    enum svc_event ev;
    unsigned expect;  // BIT() of each acceptable state right after the event
    unsigned also_cg; // ...and on a real cgroup backend: a synthetic EXIT's process is
                      // SIGKILLed with its cgroup, which the kernel empties at once (a
                      // zombie leaves its cgroup; its process group stays until reaped),
                      // so the teardown may end within the same call
};

static const struct pair_case pairs[] = {
        {SVC_STOPPED, SVC_EV_START, BIT(SVC_STARTING), 0},
        {SVC_STOPPED, SVC_EV_STOP, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_RESTART, BIT(SVC_STARTING), 0},
        {SVC_STOPPED, SVC_EV_EXEC_OK, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_EXIT, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_TIMER, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_READY, BIT(SVC_STOPPED), 0}, // ready = none: nothing to wait for
        {SVC_STOPPED, SVC_EV_GUARD_RESTART, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_GUARD_KILL, BIT(SVC_STOPPED), 0},
        {SVC_STOPPED, SVC_EV_GUARD_DRAIN, BIT(SVC_STOPPED), 0},
        {SVC_STARTING, SVC_EV_START, BIT(SVC_STARTING), 0},
        {SVC_STARTING, SVC_EV_STOP, BIT(SVC_DRAINING), 0},
        {SVC_STARTING, SVC_EV_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_STARTING, SVC_EV_EXEC_OK, BIT(SVC_RUNNING), 0},
        {SVC_STARTING, SVC_EV_EXIT, BIT(SVC_DRAINING), BIT(SVC_FAILED)},
        {SVC_STARTING, SVC_EV_TIMER, BIT(SVC_STARTING), 0},
        {SVC_STARTING, SVC_EV_READY, BIT(SVC_STARTING), 0}, // ready = none: nothing to wait for
        {SVC_STARTING, SVC_EV_GUARD_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_STARTING, SVC_EV_GUARD_KILL, BIT(SVC_STARTING), 0},
        {SVC_STARTING, SVC_EV_GUARD_DRAIN, BIT(SVC_DRAINING), 0},
        {SVC_RUNNING, SVC_EV_START, BIT(SVC_RUNNING), 0},
        {SVC_RUNNING, SVC_EV_STOP, BIT(SVC_DRAINING), 0},
        {SVC_RUNNING, SVC_EV_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_RUNNING, SVC_EV_EXEC_OK, BIT(SVC_RUNNING), 0},
        {SVC_RUNNING, SVC_EV_EXIT, BIT(SVC_DRAINING), BIT(SVC_FAILED)},
        {SVC_RUNNING, SVC_EV_TIMER, BIT(SVC_RUNNING), 0},
        {SVC_RUNNING, SVC_EV_READY, BIT(SVC_RUNNING), 0}, // ready = none: nothing to wait for
        {SVC_RUNNING, SVC_EV_GUARD_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_RUNNING, SVC_EV_GUARD_KILL, BIT(SVC_RUNNING), 0},
        {SVC_RUNNING, SVC_EV_GUARD_DRAIN, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_START, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_STOP, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_EXEC_OK, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_EXIT, BIT(SVC_DRAINING), BIT(SVC_STOPPED)},
        {SVC_DRAINING, SVC_EV_TIMER, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_READY, BIT(SVC_DRAINING), 0}, // ready = none: nothing to wait for
        {SVC_DRAINING, SVC_EV_GUARD_RESTART, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_GUARD_KILL, BIT(SVC_DRAINING), 0},
        {SVC_DRAINING, SVC_EV_GUARD_DRAIN, BIT(SVC_DRAINING), 0},
        {SVC_BACKOFF, SVC_EV_START, BIT(SVC_STARTING), 0},
        {SVC_BACKOFF, SVC_EV_STOP, BIT(SVC_STOPPED), 0},
        {SVC_BACKOFF, SVC_EV_RESTART, BIT(SVC_STARTING), 0},
        {SVC_BACKOFF, SVC_EV_EXEC_OK, BIT(SVC_BACKOFF), 0},
        {SVC_BACKOFF, SVC_EV_EXIT, BIT(SVC_BACKOFF), 0},
        {SVC_BACKOFF, SVC_EV_TIMER, BIT(SVC_STARTING), 0},
        {SVC_BACKOFF, SVC_EV_READY, BIT(SVC_BACKOFF), 0}, // ready = none: nothing to wait for
        {SVC_BACKOFF, SVC_EV_GUARD_RESTART, BIT(SVC_BACKOFF), 0},
        {SVC_BACKOFF, SVC_EV_GUARD_KILL, BIT(SVC_BACKOFF), 0},
        {SVC_BACKOFF, SVC_EV_GUARD_DRAIN, BIT(SVC_BACKOFF), 0},
        {SVC_CRASHLOOP, SVC_EV_START, BIT(SVC_STARTING), 0},
        {SVC_CRASHLOOP, SVC_EV_STOP, BIT(SVC_STOPPED), 0},
        {SVC_CRASHLOOP, SVC_EV_RESTART, BIT(SVC_STARTING), 0},
        {SVC_CRASHLOOP, SVC_EV_EXEC_OK, BIT(SVC_CRASHLOOP), 0},
        {SVC_CRASHLOOP, SVC_EV_EXIT, BIT(SVC_CRASHLOOP), 0},
        {SVC_CRASHLOOP, SVC_EV_TIMER, BIT(SVC_STARTING), 0},
        {SVC_CRASHLOOP, SVC_EV_READY, BIT(SVC_CRASHLOOP), 0}, // ready = none: nothing to wait for
        {SVC_CRASHLOOP, SVC_EV_GUARD_RESTART, BIT(SVC_CRASHLOOP), 0},
        {SVC_CRASHLOOP, SVC_EV_GUARD_KILL, BIT(SVC_CRASHLOOP), 0},
        {SVC_CRASHLOOP, SVC_EV_GUARD_DRAIN, BIT(SVC_CRASHLOOP), 0},
        {SVC_FAILED, SVC_EV_START, BIT(SVC_STARTING), 0},
        {SVC_FAILED, SVC_EV_STOP, BIT(SVC_STOPPED), 0},
        {SVC_FAILED, SVC_EV_RESTART, BIT(SVC_STARTING), 0},
        {SVC_FAILED, SVC_EV_EXEC_OK, BIT(SVC_FAILED), 0},
        {SVC_FAILED, SVC_EV_EXIT, BIT(SVC_FAILED), 0},
        {SVC_FAILED, SVC_EV_TIMER, BIT(SVC_FAILED), 0},
        {SVC_FAILED, SVC_EV_READY, BIT(SVC_FAILED), 0}, // ready = none: nothing to wait for
        {SVC_FAILED, SVC_EV_GUARD_RESTART, BIT(SVC_FAILED), 0},
        {SVC_FAILED, SVC_EV_GUARD_KILL, BIT(SVC_FAILED), 0},
        {SVC_FAILED, SVC_EV_GUARD_DRAIN, BIT(SVC_FAILED), 0},
};

#define PAIR_COUNT (sizeof(pairs) / sizeof(pairs[0]))

struct fixture {
    const struct pair_case *pc;
    char dir[64];
    struct warden_config cfg;
    struct supervisor sup;
    bool sup_up;
    pid_t pids[PIDS_TRACKED]; // every main pid seen, for the leftover check
    unsigned npids;
};

static sigset_t test_mask;           // the mask before any supervisor blocked its signals
static const char *backend = "none"; // WARDEN_CGROUP for this pass; NULL: detect

/* ---- helpers ---- */

static void track(struct fixture *f)
{
    pid_t pid = f->sup.services[0].pid;
    if (pid <= 0) {
        return;
    }
    for (unsigned i = 0; i < f->npids; i++) {
        if (f->pids[i] == pid) {
            return;
        }
    }
    assert_true(f->npids < PIDS_TRACKED);
    f->pids[f->npids++] = pid;
}

static void dispatch(struct fixture *f, enum svc_event ev)
{
    service_handle(&f->sup.services[0], ev);
    track(f);
}

typedef bool svc_pred(const struct service *svc, int arg);

static bool in_state(const struct service *svc, int state)
{
    return svc->state == (enum svc_state)state;
}

// Run the loop until pred holds or the absolute monotonic deadline passes; never sleeps
// longer than the time left. Returns whether pred held.
static bool pump_until(struct fixture *f, svc_pred *pred, int arg, uint64_t deadline_ms)
{
    struct service *svc = &f->sup.services[0];
    while (!pred(svc, arg)) {
        uint64_t now = clock_mono_ms();
        if (now >= deadline_ms) {
            return false;
        }
        uint64_t left = deadline_ms - now;
        assert_int_equal(loop_run_once(f->sup.loop, (int)(left < 50 ? left : 50)), 0);
        track(f);
    }
    return true;
}

static uint64_t deadline(unsigned ms)
{
    return clock_mono_ms() + ms;
}

static void reach(struct fixture *f, enum svc_state want)
{
    if (!pump_until(f, in_state, (int)want, deadline(REACH_MS))) {
        fail_msg("service did not reach %s (it is %s)", service_state_name(want),
                 service_state_name(f->sup.services[0].state));
    }
}

// Wait (no loop turn, so no state change) until the child has called setsid(): the none
// backend kills the group -pid, which does not exist before that.
static void wait_own_group(pid_t pid)
{
    uint64_t end = deadline(REACH_MS);
    while (getpgid(pid) != pid) {
        assert_true(clock_mono_ms() < end);
        (void)sched_yield();
    }
}

// Wait (no loop turn) until the child is in its cgroup (real backends: it attaches itself
// between fork and exec), so a synthetic EXIT finds the cgroup populated, as a real one would
// while processes remain.
static void wait_in_cgroup(struct fixture *f)
{
    struct service *svc = &f->sup.services[0];
    bool populated = false;
    uint64_t end = deadline(REACH_MS);
    while (f->sup.cgs.kind != CGROUP_NONE &&
           cgroup_populated(&f->sup.cgs, &svc->cg, &populated) == 0 && !populated) {
        assert_true(clock_mono_ms() < end);
        (void)sched_yield();
    }
}

// Wait (no loop turn) until pid runs the program named comm (after sh's exec).
static void wait_comm(pid_t pid, const char *comm)
{
    char path[64], buf[64];
    (void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    uint64_t end = deadline(REACH_MS);
    for (;;) {
        FILE *fp = fopen(path, "r");
        bool match = false;
        if (fp) {
            match = fgets(buf, sizeof(buf), fp) && strncmp(buf, comm, strlen(comm)) == 0 &&
                    buf[strlen(comm)] == '\n';
            (void)fclose(fp);
        }
        if (match) {
            return;
        }
        assert_true(clock_mono_ms() < end);
        (void)sched_yield();
    }
}

static bool has_children(void)
{
    int st;
    pid_t rc = waitpid(-1, &st, WNOHANG);
    return !(rc < 0 && errno == ECHILD);
}

// Stop whatever runs (STOP in every live or waiting state, then let the drain finish)
// until the service is settled and no child of ours is left. Returns whether it worked.
static bool stop_and_settle(struct fixture *f)
{
    struct service *svc = &f->sup.services[0];
    uint64_t end = deadline(SETTLE_MS);
    while (clock_mono_ms() < end) {
        switch (svc->state) {
        case SVC_STARTING:
        case SVC_RUNNING:
        case SVC_BACKOFF:
        case SVC_CRASHLOOP:
            dispatch(f, SVC_EV_STOP);
            break;
        case SVC_STOPPED:
        case SVC_FAILED:
            if (!has_children()) {
                return true;
            }
            break;
        case SVC_DRAINING:
        case SVC_STATE_COUNT:
            break;
        }
        (void)loop_run_once(f->sup.loop, 20);
        track(f);
    }
    return false;
}

// Last resort for a failed case: SIGKILL every pid we saw, by pid, and reap it.
static unsigned kill_leftovers(struct fixture *f)
{
    unsigned left = 0;
    for (unsigned i = 0; i < f->npids; i++) {
        int st;
        if (waitpid(f->pids[i], &st, WNOHANG) == 0) {
            left++;
            (void)kill(f->pids[i], SIGKILL);
            (void)waitpid(f->pids[i], &st, 0);
        }
    }
    return left;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- fixture ---- */

// Which command and restart policy reach each state.
static void configure(struct svc_config *sc, enum svc_state state)
{
    config_service_defaults(sc);
    (void)snprintf(sc->name, sizeof(sc->name), "svc");
    const char *cmd = "/bin/sleep 1000";
    sc->restart = RESTART_NEVER;
    if (state == SVC_BACKOFF || state == SVC_CRASHLOOP) {
        cmd = "/bin/false";
        sc->restart = RESTART_ON_FAILURE;
    } else if (state == SVC_FAILED) {
        cmd = "/bin/false";
    }
    // 0.9..1.1 s with jitter: long enough that the backoff timer cannot fire between
    // reaching BACKOFF/CRASHLOOP and dispatching the event under test
    sc->backoff_min_ms = sc->backoff_max_ms = 1000;
    static struct config_arena arena;
    struct errbuf eb = {0};
    assert_int_equal(config_set_command(&arena, sc, cmd, &eb), 0);
    assert_int_equal(config_split_command(&arena, sc, &eb), 0);
}

static int setup_pair(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->pc = *state;
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/test_service.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    config_defaults(&f->cfg);
    (void)snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s/state", f->dir);
    f->cfg.socket[0] = '\0'; // no control socket
    f->cfg.service_count = 1;
    configure(&f->cfg.services[0], f->pc ? f->pc->state : SVC_STOPPED);
    if (backend) {
        assert_int_equal(setenv("WARDEN_CGROUP", backend, 1), 0);
    } else {
        assert_int_equal(unsetenv("WARDEN_CGROUP"), 0);
    }
    char msg[256] = "";
    int rc = sup_init(&f->sup, &f->cfg, false, msg, sizeof(msg));
    if (rc < 0) {
        fail_msg("sup_init: %s", msg);
    }
    f->sup_up = true;
    *state = f;
    return 0;
}

static int teardown_pair(void **state)
{
    struct fixture *f = *state;
    if (f->sup_up) {
        (void)stop_and_settle(f); // a failed assertion may have left it mid-way
        unsigned left = kill_leftovers(f);
        sup_fini(&f->sup);
        if (left) {
            print_error("killed %u leftover process(es)\n", left);
        }
    }
    (void)sigprocmask(SIG_SETMASK, &test_mask, NULL);
    (void)nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* ---- reaching each state on a fresh service ---- */

static void reach_state(struct fixture *f, enum svc_state want)
{
    struct service *svc = &f->sup.services[0];
    assert_int_equal(svc->state, SVC_STOPPED);
    switch (want) {
    case SVC_STOPPED:
        break;
    case SVC_STARTING: // right after START, before the loop sees exec succeed
        dispatch(f, SVC_EV_START);
        break;
    case SVC_RUNNING:
        dispatch(f, SVC_EV_START);
        reach(f, SVC_RUNNING);
        break;
    case SVC_DRAINING: // RUNNING + STOP, not pumped: SIGTERM sent, not yet reaped
        dispatch(f, SVC_EV_START);
        reach(f, SVC_RUNNING);
        dispatch(f, SVC_EV_STOP);
        break;
    case SVC_BACKOFF: // /bin/false, restart on-failure: the first failure backs off
    case SVC_FAILED:  // /bin/false, restart never
        dispatch(f, SVC_EV_START);
        reach(f, want);
        break;
    case SVC_CRASHLOOP:
        // Choice: pre-load the failure ring by hand with 4 quick failures of other codes
        // after START (START closes the breaker, so not before), so /bin/false's exit 1 is
        // the 5th consecutive failure, not all identical: CRASHLOOP rather than OPEN.
        dispatch(f, SVC_EV_START);
        for (int code = 2; code <= 5; code++) {
            struct exit_facts facts = {.wait_status = EXITED_WITH(code)};
            struct exit_info e;
            policy_classify(&facts, &e);
            policy_ring_push(&svc->failures, &e, 10);
        }
        reach(f, SVC_CRASHLOOP);
        assert_non_null(strstr(svc->reason, "5 consecutive failures"));
        break;
    case SVC_STATE_COUNT:
        fail();
    }
    assert_int_equal(svc->state, want);
}

// A plausible wait status for a synthetic EXIT in each state.
static int synthetic_status(enum svc_state s)
{
    switch (s) {
    case SVC_STARTING:
    case SVC_RUNNING:
        return KILLED_BY(SIGKILL);
    case SVC_DRAINING:
        return KILLED_BY(SIGTERM); // it was sent SIGTERM
    default:
        return EXITED_WITH(1); // nothing runs: the EXIT is stale
    }
}

static void describe_set(unsigned set, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int s = 0; s < SVC_STATE_COUNT && n < len; s++) {
        if (set & BIT(s)) {
            int m = snprintf(buf + n, len - n, "%s%s", n ? "|" : "", service_state_name(s));
            n += m > 0 ? (size_t)m : 0;
        }
    }
}

static void test_pair(void **state)
{
    struct fixture *f = *state;
    struct service *svc = &f->sup.services[0];
    enum svc_state from = f->pc->state;
    enum svc_event ev = f->pc->ev;
    uint64_t t0 = clock_mono_ms();
    reach_state(f, from);
    if (ev == SVC_EV_EXIT) {
        if (svc->pid > 0) {
            wait_own_group(svc->pid);
            if (from != SVC_DRAINING) { // draining: SIGTERM may have ended it (and emptied
                wait_in_cgroup(f);      // its cgroup) already; the table allows both
            }
        }
        svc->wait_status = synthetic_status(from);
    }
    dispatch(f, ev);
    unsigned want = f->pc->expect | (f->sup.cgs.kind != CGROUP_NONE ? f->pc->also_cg : 0);
    if (!(want & BIT(svc->state))) {
        char set[128];
        describe_set(want, set, sizeof(set));
        fail_msg("%s x %s -> %s, expected %s", service_state_name(from), service_event_name(ev),
                 service_state_name(svc->state), set);
    }
    // then let it run or settle, stop it, and prove nothing is left
    assert_true(stop_and_settle(f));
    assert_int_equal(kill_leftovers(f), 0);
    for (unsigned i = 0; i < f->npids; i++) {
        assert_int_equal(kill(f->pids[i], 0), -1);
    }
    assert_true(clock_mono_ms() - t0 < 2000);
}

/* ---- scenarios beyond single pairs ---- */

static void configure_scenario(struct fixture *f, const char *cmd, enum restart_policy p,
                               uint64_t backoff_ms)
{
    struct svc_config *sc = &f->cfg.services[0];
    struct errbuf eb = {0};
    f->cfg.arena.used = 0;
    assert_int_equal(config_set_command(&f->cfg.arena, sc, cmd, &eb), 0);
    assert_int_equal(config_split_command(&f->cfg.arena, sc, &eb), 0);
    sc->restart = p;
    sc->backoff_min_ms = backoff_ms;
    sc->backoff_max_ms = backoff_ms * 2;
}

// A missing binary: three exec failures in a row open the breaker (FAILED), with a tiny
// backoff so the loop goes through BACKOFF -> STARTING twice.
static void test_exec_failure_opens_breaker(void **state)
{
    struct fixture *f = *state;
    struct service *svc = &f->sup.services[0];
    configure_scenario(f, "/nonexistent/warden-test-binary", RESTART_ON_FAILURE, 10);
    dispatch(f, SVC_EV_START);
    reach(f, SVC_FAILED);
    assert_int_equal(svc->failures.count, 3);
    assert_int_equal(svc->last_exit.kind, EXIT_EXEC_FAILED);
    assert_int_equal(svc->last_exit.err, ENOENT);
    assert_int_equal(service_exit_code(svc), 127);
    assert_non_null(strstr(svc->reason, "exec failed 3 times"));
    assert_true(stop_and_settle(f));
}

// A clean exit under on-failure settles in STOPPED, and exit code passes through.
static void test_clean_exit_stops(void **state)
{
    struct fixture *f = *state;
    struct service *svc = &f->sup.services[0];
    configure_scenario(f, "/bin/true", RESTART_ON_FAILURE, 10);
    dispatch(f, SVC_EV_START);
    reach(f, SVC_STOPPED);
    assert_int_equal(svc->last_exit.kind, EXIT_EXITED);
    assert_int_equal(service_exit_code(svc), 0);
    assert_int_equal(svc->failures.count, 0);
    assert_true(stop_and_settle(f));
}

// RESTART while running: the old instance is stopped by warden, a new one runs.
static void test_restart_running(void **state)
{
    struct fixture *f = *state;
    struct service *svc = &f->sup.services[0];
    dispatch(f, SVC_EV_START);
    reach(f, SVC_RUNNING);
    pid_t first = svc->pid;
    dispatch(f, SVC_EV_RESTART);
    assert_int_equal(svc->state, SVC_DRAINING);
    uint64_t end = deadline(REACH_MS);
    while (!(svc->state == SVC_RUNNING && svc->pid != first)) {
        assert_true(clock_mono_ms() < end);
        (void)loop_run_once(f->sup.loop, 20);
        track(f);
    }
    assert_int_equal(svc->last_exit.kind, EXIT_KILLED_BY_WARDEN);
    assert_int_equal(svc->starts, 2);
    assert_true(stop_and_settle(f));
    assert_int_equal(svc->last_exit.kind, EXIT_KILLED_BY_WARDEN);
}

// Drain expiry: a process that ignores SIGTERM is SIGKILLed when the drain timer fires.
static void test_drain_expiry(void **state)
{
    struct fixture *f = *state;
    struct service *svc = &f->sup.services[0];
    configure_scenario(f, "/bin/sh -c 'trap \"\" TERM; exec /bin/sleep 1000'", RESTART_NEVER, 1000);
    f->cfg.services[0].drain_ms = 50;
    dispatch(f, SVC_EV_START);
    reach(f, SVC_RUNNING);
    wait_comm(svc->pid, "sleep"); // the trap is set: SIGTERM is ignored from now on
    dispatch(f, SVC_EV_STOP);
    reach(f, SVC_STOPPED);
    assert_int_equal(svc->last_exit.kind, EXIT_STOP_TIMEOUT);
    assert_int_equal(svc->last_exit.signal, SIGKILL);
    assert_true(stop_and_settle(f));
}

// The table names each (state, event) pair exactly once.
static void test_table_complete(void **state)
{
    (void)state;
    assert_int_equal(PAIR_COUNT, SVC_STATE_COUNT * SVC_EVENT_COUNT);
    unsigned seen[SVC_STATE_COUNT][SVC_EVENT_COUNT] = {{0}};
    for (size_t i = 0; i < PAIR_COUNT; i++) {
        assert_true(pairs[i].state < SVC_STATE_COUNT && pairs[i].ev < SVC_EVENT_COUNT);
        assert_int_not_equal(pairs[i].expect, 0);
        seen[pairs[i].state][pairs[i].ev]++;
    }
    for (int s = 0; s < SVC_STATE_COUNT; s++) {
        for (int e = 0; e < SVC_EVENT_COUNT; e++) {
            assert_int_equal(seen[s][e], 1);
        }
    }
}

// The real backend where this runs as root and it is not none (else the pass is skipped).
static bool real_backend(void)
{
    struct cgroup_sys cgs;
    return geteuid() == 0 && cgroup_detect(&cgs, NULL) == 0 && cgs.kind != CGROUP_NONE;
}

static int run_pass(const char *label)
{
    static char names[2][PAIR_COUNT][64];
    static int pass;
    char(*nm)[64] = names[pass++ % 2];
    struct CMUnitTest tests[PAIR_COUNT + 5];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_table_complete);
    for (size_t i = 0; i < PAIR_COUNT; i++) {
        (void)snprintf(nm[i], sizeof(nm[i]), "%s: %s x %s", label,
                       service_state_name(pairs[i].state), service_event_name(pairs[i].ev));
        // initial_state is how cmocka hands the case to setup; it is never written through
        tests[n++] = (struct CMUnitTest){nm[i], test_pair, setup_pair, teardown_pair,
                                         (void *)(uintptr_t)&pairs[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_exec_failure_opens_breaker,
                                                                    setup_pair, teardown_pair);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_clean_exit_stops,
                                                                    setup_pair, teardown_pair);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_restart_running,
                                                                    setup_pair, teardown_pair);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_drain_expiry, setup_pair,
                                                                    teardown_pair);
    return _cmocka_run_group_tests(label, tests, n, NULL, NULL);
}

int main(void)
{
    (void)sigprocmask(SIG_SETMASK, NULL, &test_mask);
    int rc = run_pass("test_service (none)");
    if (real_backend()) {
        backend = NULL;
        rc |= run_pass("test_service (cgroups)");
    } else {
        (void)printf("test_service: no usable cgroups here (not root?): the real-backend pass "
                     "is skipped\n");
    }
    return rc;
}
