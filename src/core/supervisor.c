// SPDX-License-Identifier: MIT
// Supervisor: PID 1 / subreaper duties, signals from a signalfd, the reap loop, the
// journal (with debounced fsync on a timer) and the control requests.
#include "supervisor.h"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "log.h"
#include "logs.h"
#include "meminfo.h"
#include "metrics.h"
#include "observe.h"
#include "service_int.h"

// Signals warden takes through its signalfd; the rest keep their defaults.
static const int handled_signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

uint32_t sup_random(struct supervisor *sup)
{
    uint64_t x = sup->rng; // xorshift64: jitter needs spread, not secrecy
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    sup->rng = x;
    return (uint32_t)(x >> 32);
}

static void journal_fail(struct supervisor *sup, int rc)
{
    // rate-limit: one line for the first error and then every 1000th
    if (sup->journal_errors++ % 1000 == 0) {
        log_warnx("unable to write the journal in %s: %s (%llu errors so far; %u events held "
                  "in memory until it can, %llu lost; events are still logged here)",
                  sup->journal.dir, strerror(-rc), (unsigned long long)sup->journal_errors,
                  sup->journal.spill_lines, (unsigned long long)sup->journal.dropped_count);
    }
}

static void note_written(struct supervisor *sup, unsigned held)
{
    if (held > 0 && sup->journal.spill_lines == 0) {
        log_info("journal in %s writable again: %u held events written", sup->journal.dir, held);
    }
}

void sup_journal_retry(struct supervisor *sup)
{
    if (!sup->journal_ok || sup->journal.spill_len == 0) {
        return;
    }
    unsigned held = sup->journal.spill_lines;
    if (journal_flush(&sup->journal) == 0) {
        note_written(sup, held);
        (void)journal_sync(&sup->journal);
    }
}

void sup_event(struct supervisor *sup, const struct service *svc, const char *type, json_t *fields,
               bool urgent)
{
    json_t *ev = json_object();
    if (svc) {
        (void)json_object_set_new(ev, "service", json_string(svc->cfg->name));
    }
    (void)json_object_set_new(ev, "type", json_string(type));
    if (fields) {
        (void)json_object_update(ev, fields);
        json_decref(fields);
    }
    if (sup->journal_ok) {
        unsigned held = sup->journal.spill_lines;
        int rc = journal_append(&sup->journal, ev, urgent);
        if (rc < 0) {
            journal_fail(sup, rc);
        } else {
            note_written(sup, held);
            if (!urgent && !sup->journal_timer_armed) {
                (void)timer_arm_ms(sup->journal_timer, JOURNAL_SYNC_MS);
                sup->journal_timer_armed = true;
            }
        }
    }
    json_decref(ev);
}

static void on_journal_timer(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    (void)timer_drain(fd);
    sup->journal_timer_armed = false;
    int rc = journal_sync(&sup->journal);
    if (rc < 0) {
        journal_fail(sup, rc);
    }
}

static struct service *find_pid(struct supervisor *sup, pid_t pid)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (sup->services[i].pid == pid) {
            return &sup->services[i];
        }
    }
    return NULL;
}

// Not capped per wakeup: each waitpid is O(1), and the zombies it can find are bounded by
// the processes that existed (pids_max per service, pid_max on the host).
void sup_reap(struct supervisor *sup)
{
    for (;;) {
        int st = 0;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno == EINTR) {
            continue;
        }
        if (pid <= 0) {
            return; // 0: children left but none exited; -1/ECHILD: none at all
        }
        if (service_retiree_reaped(sup, pid, st)) {
            continue; // an old instance that an overlap restart replaced
        }
        struct service *svc = find_pid(sup, pid);
        if (svc) {
            service_reaped(svc, st);
        } else {
            sup->orphans_reaped++; // a grandchild re-parented to us (PID 1 or subreaper)
        }
    }
}

static bool all_settled(struct supervisor *sup)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (!service_settled(&sup->services[i])) {
            return false;
        }
    }
    return true;
}

void sup_service_settled(struct supervisor *sup, struct service *svc)
{
    (void)svc;
    if ((sup->shutting_down || sup->run_mode) && all_settled(sup)) {
        loop_stop(sup->loop);
    }
}

static void shutdown_all(struct supervisor *sup, int sig)
{
    if (!sup->shutting_down) {
        log_info("received SIG%s: stopping %u service%s", sigabbrev_np(sig), sup->service_count,
                 sup->service_count == 1 ? "" : "s");
        sup_event(sup, NULL, "shutdown", json_pack("{s:s}", "signal", sigabbrev_np(sig)), false);
    }
    sup->shutting_down = true;
    sup->shutdown_signal = sig;
    for (unsigned i = 0; i < sup->service_count; i++) {
        // `warden run` forwards the very signal it got (tini); the daemon stops politely
        service_stop_with(&sup->services[i], sup->run_mode ? sig : SIGTERM, "shutdown");
    }
    if (all_settled(sup)) {
        loop_stop(sup->loop);
    }
}

// SIGHUP and `warden reload`: journalled either way. The result, for the control reply.
static json_t *reload(struct supervisor *sup)
{
    json_t *sum = NULL;
    char err[600];
    int rc = sup_reload(sup, &sum, err, sizeof(err));
    if (rc < 0) {
        log_warnx("reload refused: %s", err);
        sup_event(sup, NULL, "reload-failed", json_pack("{s:s}", "error", err), false);
        return json_pack("{s:b, s:s, s:i}", "ok", 0, "error", err, "exit_code",
                         rc == -EINVAL ? 2 : 1);
    }
    log_info("reloaded %s", sup->cfg->file);
    sup_event(sup, NULL, "reload", json_deep_copy(sum), false);
    (void)json_object_set_new(sum, "ok", json_true());
    return sum;
}

static void on_signal(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int sig = (int)si.ssi_signo;
        switch (sig) {
        case SIGCHLD:
            break; // reaped once below, after the whole batch
        case SIGTERM:
        case SIGINT:
        case SIGQUIT:
            shutdown_all(sup, sig);
            break;
        case SIGHUP:
            if (!sup->run_mode) { // the daemon reloads; `warden run` passes it on (tini)
                json_decref(reload(sup));
                break;
            }
            /* fall through */
        default: // SIGUSR1, SIGUSR2: pass through to every main process
            for (unsigned i = 0; i < sup->service_count; i++) {
                service_signal(&sup->services[i], sig);
            }
            break;
        }
    }
    sup_reap(sup); // signals coalesce: reap whatever is there
}

static int setup_signals(struct supervisor *sup)
{
    sigset_t set;
    (void)sigemptyset(&set);
    for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++) {
        (void)sigaddset(&set, handled_signals[i]);
    }
    if (sigprocmask(SIG_BLOCK, &set, &sup->orig_mask) < 0) {
        return -errno;
    }
    (void)signal(SIGPIPE, SIG_IGN); // a control client that hangs up must not kill us
    sup->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sup->sigfd < 0) {
        return -errno;
    }
    return loop_add(sup->loop, sup->sigfd, EPOLLIN, on_signal, sup);
}

static void protect_self(void)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "-1000", 5) != 5) {
        log_warn("unable to set oom_score_adj -1000 for warden (continuing)");
    }
    if (fd >= 0) {
        (void)close(fd);
    }
}

// mkdir -p for state_dir (0700 for what we create).
static int mkdir_p(const char *path)
{
    char buf[WARDEN_PATH_MAX]; // state_dir's bound: PATH_MAX here cost 4 kB of stack for good
    int n = snprintf(buf, sizeof(buf), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return -ENAMETOOLONG;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

// state_dir and its subdirectories (journal, logs, history) must be directories (not
// symlinks) owned by warden's user and writable by nobody else, or warden refuses them, as
// sshd refuses keys others can write: warden writes there as root, and a directory made
// beforehand by an unprivileged user (0777, a `logs` symlink, a planted journal segment)
// let that user redirect root's writes and forge events (issue 12).
static int check_state_dir(const char *dir, char *msg, size_t msg_len)
{
    static const char *const subs[] = {"", "/journal", "/logs", "/history"};
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        char path[WARDEN_PATH_MAX + 16];
        struct stat st;
        (void)snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
        if (lstat(path, &st) < 0) {
            if (errno == ENOENT && i > 0) {
                continue; // made by warden, 0700/0750, when first needed
            }
            (void)snprintf(msg, msg_len, "unable to use state_dir %s: %s", path, strerror(errno));
            return -errno;
        }
        const char *why = !S_ISDIR(st.st_mode)                 ? "is not a directory (a symlink?)"
                          : st.st_uid != geteuid()             ? "is owned by another user"
                          : (st.st_mode & (S_IWGRP | S_IWOTH)) ? "is writable by group or others"
                                                               : NULL;
        if (why && !S_ISDIR(st.st_mode)) {
            (void)snprintf(msg, msg_len,
                           "refusing state_dir: %s %s; remove it and warden makes a directory "
                           "there",
                           path, why);
            return -EPERM;
        }
        if (why) {
            (void)snprintf(msg, msg_len,
                           "refusing state_dir: %s %s (uid %u, mode %04o); it must be a "
                           "directory owned by uid %u and writable by it alone (chown %u %s; "
                           "chmod go-w %s)",
                           path, why, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
                           (unsigned)geteuid(), (unsigned)geteuid(), path, path);
            return -EPERM;
        }
    }
    return 0;
}

static void open_journal(struct supervisor *sup)
{
    char dir[WARDEN_PATH_MAX + sizeof("/journal")];
    int n = snprintf(dir, sizeof(dir), "%s/journal", sup->cfg->state_dir);
    int rc = (n < 0 || (size_t)n >= sizeof(dir)) ? -ENAMETOOLONG : mkdir_p(sup->cfg->state_dir);
    struct journal_opts o = {.dir = dir};
    if (rc == 0) {
        rc = journal_open(&sup->journal, &o);
    }
    if (rc < 0) {
        log_warnx("unable to open the journal in %s: %s (events will only be logged)", dir,
                  strerror(-rc));
        return;
    }
    sup->journal_ok = true;
    if (sup->journal.repaired_bytes) {
        log_warnx("journal: cut a torn last line (%llu bytes) left by an earlier crash",
                  (unsigned long long)sup->journal.repaired_bytes);
    }
}

static json_t *error_response(int exit_code, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static json_t *error_response(int exit_code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return json_pack("{s:b, s:s, s:i}", "ok", 0, "error", msg, "exit_code", exit_code);
}

static struct service *find_name(struct supervisor *sup, const char *name)
{
    for (unsigned i = 0; name && i < sup->service_count; i++) {
        if (!sup->services[i].removed && strcmp(sup->services[i].cfg->name, name) == 0) {
            return &sup->services[i];
        }
    }
    return NULL;
}

static json_t *warden_json(struct supervisor *sup)
{
    json_t *w = json_pack("{s:s, s:s, s:i, s:b, s:s}", "version", WARDEN_VERSION, "cgroup",
                          cgroup_kind_name(sup->cgs.kind), "pid", (int)getpid(), "limits_enforced",
                          sup->cgs.limits_enforced, "state_dir", sup->cfg->state_dir);
    if (sup->cgs.warning[0]) {
        (void)json_object_set_new(w, "cgroup_warning", json_string(sup->cgs.warning));
    }
    if (sup->journal_ok) {
        (void)json_object_set_new(w, "journal_dir", json_string(sup->journal.dir));
    }
    (void)json_object_set_new(w, "orphans_reaped", json_integer((json_int_t)sup->orphans_reaped));
    (void)json_object_set_new(w, "journal_errors", json_integer((json_int_t)sup->journal_errors));
    (void)json_object_set_new(w, "journal_reopened",
                              json_integer((json_int_t)sup->journal.reopened_count));
    (void)json_object_set_new(w, "log_lines_dropped",
                              json_integer((json_int_t)logs_dropped_count()));
    (void)json_object_set_new(w, "host_guard",
                              json_pack("{s:b, s:b, s:I}", "enabled", sup->host.enabled, "psi",
                                        sup->host.psi_fd >= 0, "actions",
                                        (json_int_t)sup->host.action_count));
    return w;
}

static json_t *status_response(struct supervisor *sup, const char *name)
{
    json_t *list = json_array();
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        if (!svc->removed && (!name || strcmp(svc->cfg->name, name) == 0)) {
            (void)json_array_append_new(list, service_status_json(svc));
        }
    }
    return json_pack("{s:b, s:o, s:o}", "ok", 1, "warden", warden_json(sup), "services", list);
}

// `warden metrics`: the /metrics text, in a buffer mapped for this request only.
static json_t *metrics_json(struct supervisor *sup)
{
    char *buf = mmap(NULL, METRICS_BODY_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (buf == MAP_FAILED) {
        return error_response(1, "out of memory for the metrics text");
    }
    int n = observe_metrics_text(sup, buf, METRICS_BODY_MAX);
    json_t *r = n < 0 ? error_response(1, "metrics text larger than %u bytes", METRICS_BODY_MAX)
                      : json_pack("{s:b, s:s#}", "ok", 1, "text", buf, (int)n);
    (void)munmap(buf, METRICS_BODY_MAX);
    return r;
}

// The report reads the history files next: the points held for one pwrite (history.h) go
// to disk first, so it sees the last seconds too.
static void flush_histories(struct supervisor *sup)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (sup->services[i].hist.fd >= 0) {
            (void)history_flush(&sup->services[i].hist);
        }
    }
}

static json_t *on_request(json_t *req, void *ctx)
{
    struct supervisor *sup = ctx;
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    const char *name = json_string_value(json_object_get(req, "service"));
    if (!cmd) {
        return error_response(2, "request has no \"cmd\"");
    }
    struct service *svc = find_name(sup, name);
    if (name && !svc) {
        return error_response(2, "unknown service \"%s\"", name);
    }
    if (strcmp(cmd, "status") == 0) {
        if (json_is_true(json_object_get(req, "flush_history"))) {
            flush_histories(sup);
        }
        return status_response(sup, name);
    }
    if (strcmp(cmd, "reload") == 0) {
        return reload(sup);
    }
    if (strcmp(cmd, "metrics") == 0) {
        return metrics_json(sup);
    }
    if (strcmp(cmd, "events") == 0) {
        return json_pack("{s:b, s:o}", "ok", 1, "warden", warden_json(sup));
    }
    enum svc_event ev = SVC_EVENT_COUNT;
    if (strcmp(cmd, "start") == 0) {
        ev = SVC_EV_START;
    } else if (strcmp(cmd, "stop") == 0) {
        ev = SVC_EV_STOP;
    } else if (strcmp(cmd, "restart") == 0) {
        ev = SVC_EV_RESTART;
    } else {
        return error_response(2, "unknown command \"%s\"", cmd);
    }
    if (!svc) {
        return error_response(2, "\"%s\" needs a service name", cmd);
    }
    if (sup->shutting_down) {
        return error_response(1, "warden is shutting down; \"%s\" refused", cmd);
    }
    sup_event(sup, svc, "operator", json_pack("{s:s}", "command", cmd), false);
    service_handle(svc, ev);
    return json_pack("{s:b, s:s, s:s}", "ok", 1, "service", svc->cfg->name, "state",
                     service_state_name(svc->state));
}

static void setup_cgroups(struct supervisor *sup)
{
    const char *force = getenv("WARDEN_CGROUP");
    int rc = cgroup_detect(&sup->cgs, force);
    if (rc < 0) {
        log_warnx("WARDEN_CGROUP=%s is not available here (accepted: v2, hybrid, none); "
                  "detecting instead",
                  force);
        (void)cgroup_detect(&sup->cgs, NULL);
    }
    rc = cgroup_setup(&sup->cgs);
    if (rc < 0) {
        log_warnx("unable to set up %s cgroups: %s; falling back to process groups",
                  cgroup_kind_name(sup->cgs.kind), strerror(-rc));
        (void)cgroup_detect(&sup->cgs, "none");
        (void)cgroup_setup(&sup->cgs);
    }
    if (sup->cgs.warning[0]) {
        log_warnx("cgroup %s: %s", cgroup_kind_name(sup->cgs.kind), sup->cgs.warning);
    }
    unsigned groups = 0, procs = 0;
    rc = cgroup_reap_stale(&sup->cgs, &groups, &procs);
    sup->stale_groups = groups;
    sup->stale_procs = procs;
    if (groups) {
        log_warnx("removed %u cgroup group%s left by a warden that died, killing %u "
                  "process%s still in them",
                  groups, groups == 1 ? "" : "s", procs, procs == 1 ? "" : "es");
    }
    if (rc < 0) {
        log_warnx("unable to remove every stale warden cgroup: %s (continuing)", strerror(-rc));
    }
}

// The one place the test-only knobs are read (struct test_hooks).
static void hooks_from_env(struct test_hooks *h)
{
    const char *trend = getenv("WARDEN_TREND_SAMPLE_MS");
    unsigned long v = trend ? strtoul(trend, NULL, 10) : 0;
    h->trend_sample_ms = v >= 10 && v <= 1000 ? (unsigned)v : 0;
    h->no_wakeups = getenv("WARDEN_TEST_NO_WAKEUPS") != NULL;
    h->no_threshold = getenv("WARDEN_TEST_NO_THRESHOLD") != NULL;
    h->meminfo_path = meminfo_path();
}

static void open_kmsg(struct supervisor *sup)
{
    static struct kmsg kmsg;
    int rc = kmsg_open(&kmsg);
    if (rc < 0) {
        log_warnx("/dev/kmsg: %s: an OOM kill's victim will be named main or child, without "
                  "its pid and command",
                  strerror(-rc));
    }
    sup->kmsg = rc < 0 ? NULL : &kmsg;
}

// The control socket: a daemon that cannot serve it refuses to start (and leaves no empty
// groups behind); `warden run` goes on without it.
static int open_control(struct supervisor *sup, char *msg, size_t msg_len)
{
    const char *path = sup->cfg->socket;
    int rc = control_open(&sup->ctl, sup->loop, path, on_request, sup);
    if (rc < 0 && !sup->run_mode) {
        (void)snprintf(msg, msg_len, "unable to open the control socket %s: %s%s", path,
                       strerror(-rc), rc == -EADDRINUSE ? " (another warden is serving it)" : "");
        cgroup_teardown(&sup->cgs);
        return rc;
    }
    sup->ctl_ok = rc == 0;
    if (rc < 0) {
        log_warnx("unable to open the control socket %s: %s (continuing without it)", path,
                  strerror(-rc));
    }
    return 0;
}

int sup_init(struct supervisor *sup, struct warden_config *cfg, bool run_mode, char *msg,
             size_t msg_len)
{
    // Zero the head only: the service table and the control socket's buffers follow it,
    // and zeroing them made ~700 kB resident for nothing (bench/run.sh rss).
    memset(sup, 0, offsetof(struct supervisor, services));
    sup->cfg = cfg;
    sup->run_mode = run_mode;
    hooks_from_env(&sup->hooks);
    sup->sigfd = sup->journal_timer = sup->devnull_fd = sup->notify_fd = -1;
    if (getrandom(&sup->rng, sizeof(sup->rng), GRND_NONBLOCK) != sizeof(sup->rng) || !sup->rng) {
        sup->rng = clock_mono_ms() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
    }
    int rc = loop_init(&sup->loop);
    if (rc == 0) {
        rc = setup_signals(sup); // before the first fork (STYLE 31)
    }
    if (rc < 0) {
        (void)snprintf(msg, msg_len, "unable to set up the event loop: %s", strerror(-rc));
        return rc;
    }
    sup->is_pid1 = getpid() == 1;
    if (!sup->is_pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        log_warn("unable to become a child subreaper (orphans will go to PID 1)");
    }
    protect_self();
    open_kmsg(sup);
    sup->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (cfg->state_dir[0]) {
        rc = mkdir_p(cfg->state_dir);
        rc = rc < 0 && rc != -EEXIST ? rc : check_state_dir(cfg->state_dir, msg, msg_len);
        if (rc < 0) {
            if (rc != -EPERM || !msg[0]) {
                (void)snprintf(msg, msg_len, "unable to use state_dir %s: %s", cfg->state_dir,
                               strerror(-rc));
            }
            return rc;
        }
    }
    setup_cgroups(sup); // after the checks that can refuse to start: nothing to undo
    open_journal(sup);
    sup->journal_timer = timer_create_fd();
    if (sup->journal_timer >= 0) {
        (void)loop_add(sup->loop, sup->journal_timer, EPOLLIN, on_journal_timer, sup);
    }
    sup->prefix_output = cfg->service_count > 1;
    logs_init(); // relayed output (prefixed, or captured) must never block the loop
    for (unsigned i = 0; i < cfg->service_count; i++) {
        rc = service_init(&sup->services[i], sup, &cfg->services[i]);
        if (rc < 0) {
            (void)snprintf(msg, msg_len, "unable to set up service %s: %s", cfg->services[i].name,
                           strerror(-rc));
            cgroup_teardown(&sup->cgs); // a refused start leaves no empty warden.* groups
            return rc;
        }
        sup->service_count++;
    }
    rc = service_notify_open(sup);
    if (rc < 0) {
        log_warnx("unable to open the sd_notify socket: %s (ready = notify services will time "
                  "out)",
                  strerror(-rc));
    }
    rc = guard_host_init(sup);
    if (rc < 0) {
        (void)snprintf(msg, msg_len, "unable to set up the host guard: %s", strerror(-rc));
        cgroup_teardown(&sup->cgs);
        return rc;
    }
    return cfg->socket[0] ? open_control(sup, msg, msg_len) : 0;
}

// The brk heap's start (field 47 of /proc/self/stat, "start_brk"), or NULL.
static char *heap_start(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0) {
        (void)close(fd);
    }
    if (n <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); // comm may hold spaces; fields restart after it
    for (int field = 2; p && field < 47; field++) {
        p = strchr(p + 1, ' ');
    }
    return p ? (char *)(uintptr_t)strtoull(p + 1, NULL, 10) : NULL;
}

int sup_run(struct supervisor *sup)
{
    // Start-up scratch (opendir's 32 KiB buffers for the journal and the stale-cgroup
    // sweep, config parsing) is free now: hand it back so the steady state stays small.
    (void)malloc_trim(0);
    // From now on, give freed heap back to the kernel as soon as 16 KiB sit free at its
    // top (glibc keeps 128 KiB by default): a status request's JSON must not leave the
    // heap bigger than before it.
    (void)mallopt(M_TRIM_THRESHOLD, 16 << 10);
    (void)mallopt(M_TOP_PAD, 0);
    // Never be paged out under the memory pressure we are here to handle: lock what is
    // mapped now (code, data, stack, heap), as pages are touched (MCL_ONFAULT, 4.4+) so
    // idle tables stay unmapped. Not MCL_FUTURE: it cost 68 kB (bench/run.sh rss) for
    // mappings warden does not make in its steady state.
    if (mlockall(MCL_CURRENT | MCL_ONFAULT) < 0) {
        log_warn("unable to lock warden's memory (continuing; needs CAP_IPC_LOCK)");
    }
    // ...except the malloc heap: it holds a few kB of live data between requests, and
    // locked pages cannot be handed back (MADV_DONTNEED refuses them), so every status
    // request's JSON left its pages resident: +8 kB per three requests, measured. Unlocked,
    // malloc_trim after each request returns them.
    char *heap = heap_start();
    char *brk_now = sbrk(0);
    if (heap && brk_now != (char *)-1 && brk_now > heap) {
        (void)munlock(heap, (size_t)(brk_now - heap));
    }
    // After the lock: libmicrohttpd (and GnuTLS behind it) is loaded only when metrics are
    // on, and its pages are not locked with warden's own.
    char msg[300];
    if (observe_init(sup, msg, sizeof(msg)) < 0) {
        log_warnx("%s", msg);
        observe_fini(sup);
        return 1;
    }
    sup_event(sup, NULL, "warden-start",
              json_pack("{s:s, s:s, s:i, s:I}", "version", WARDEN_VERSION, "cgroup",
                        cgroup_kind_name(sup->cgs.kind), "pid", (int)getpid(), "services",
                        (json_int_t)sup->service_count),
              false);
    if (sup->stale_groups) { // the kill of a dead warden's leftovers is on the record too
        sup_event(sup, NULL, "stale-cgroups",
                  json_pack("{s:I, s:I}", "groups", (json_int_t)sup->stale_groups,
                            "processes_killed", (json_int_t)sup->stale_procs),
                  true);
    }
    for (unsigned i = 0; i < sup->service_count; i++) {
        service_handle(&sup->services[i], SVC_EV_START);
    }
    int rc = sup->service_count ? loop_run(sup->loop) : 0;
    if (rc < 0) {
        log_warnx("event loop failed: %s", strerror(-rc));
    }
    int code = sup->run_mode && sup->service_count ? service_exit_code(&sup->services[0]) : 0;
    sup_event(sup, NULL, "warden-stop", json_pack("{s:i}", "exit_code", code), true);
    observe_fini(sup); // history written and closed before the services' slots go
    sup_fini(sup);
    return rc < 0 ? 1 : code;
}

void sup_fini(struct supervisor *sup)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        (void)cgroup_destroy(&sup->cgs, &sup->services[i].cg);
        service_fini(&sup->services[i]);
    }
    cgroup_teardown(&sup->cgs);
    guard_host_fini(sup);
    if (sup->ctl_ok) {
        control_close(&sup->ctl);
        sup->ctl_ok = false;
    }
    if (sup->journal_ok) {
        uint64_t dropped = sup->journal.dropped_count;
        journal_close(&sup->journal);
        sup->journal_ok = false;
        if (sup->journal.dropped_count > dropped) {
            log_warnx("%llu events held in memory could not be written to %s at exit (they "
                      "are in this log only)",
                      (unsigned long long)(sup->journal.dropped_count - dropped), sup->journal.dir);
        }
    }
    loop_close(sup->loop, &sup->journal_timer);
    loop_close(sup->loop, &sup->notify_fd);
    loop_close(sup->loop, &sup->sigfd);
    if (sup->devnull_fd >= 0) {
        (void)close(sup->devnull_fd);
        sup->devnull_fd = -1;
    }
    if (sup->kmsg) {
        kmsg_close(sup->kmsg);
        sup->kmsg = NULL;
    }
    loop_fini(sup->loop);
    sup->loop = NULL;
}
