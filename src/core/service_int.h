// SPDX-License-Identifier: MIT
// Private to service.c and the files it was split into (service_output.c, service_listen.c,
// service_ready.c): the helpers one transition calls in another file.
#ifndef WARDEN_SERVICE_INT_H
#define WARDEN_SERVICE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "logfile.h"
#include "service.h"

// service.c: the one writer of svc->state (for service_overlap.c's restore).
void service_set_state(struct service *svc, enum svc_state s);
// Stop watching and close *fd (then -1). Safe on -1.
void service_close_fd(struct service *svc, int *fd);
// Settle in stopped or failed (why: the reason), journalled.
void service_settle(struct service *svc, enum svc_state s, const char *why);

// service_status.c: after an OOM kill, name the victim from the kernel's log (pid, command,
// RSS; main or child) in svc->last_exit and svc->oom_*.
void service_name_oom_victim(struct service *svc);

// service_output.c: capture into STATE_DIR/logs (lf: the slot's logfile), the output pipes
// of a new instance (write ends for the child), and their last lines at teardown.
void service_open_log(struct service *svc, struct logfile *lf);
int service_open_output(struct service *svc, int *out_w, int *err_w);
void service_drain_output(struct service *svc);
// What the instance wrote before its main process was reaped, read now (pipes stay open), so
// that its exit record has its last lines.
void service_read_output(struct service *svc);
// Where a stream's lines go (warden's stdout/stderr, prefixed when shared; the log file).
struct relay_out service_relay_for(const struct service *svc, bool is_out);
// Watch svc->out_fd / err_fd with the live instance's relay.
void service_watch_output(struct service *svc);

// service.c: start a new instance now (fresh cgroup, spawn, starting).
void service_spawn_instance(struct service *svc);
// service_exit.c: the exit record (journalled), the processes left (returns their count, names
// the top command), the leak across instances, and the runtime heap cap's usage (0: unknown).
void service_record_exit(struct service *svc, const struct exit_facts *f, uint64_t uptime_ms);
uint64_t service_name_left(struct service *svc, uint64_t tasks);
void service_track_growth(struct service *svc);
uint64_t service_heap_cap_usage(const struct service *svc);
// service_exit.c: the main process is outside its cgroup? Then it and its tree are moved
// back (or killed) and an `escaped` event says so (escape.h). when: "tick" or "stop".
void service_check_escape(struct service *svc, const char *when);
// service.c: an instance could not be started (what: the step, err: why): recorded as an
// exec-failed exit and handed to the restart policy.
void service_start_failed(struct service *svc, const char *what, int err);
// service_status.c: the exit record's evidence, added to the journal's exit event ev: the
// instance's last output lines and, for a runtime's own OOM death, its line.
void service_exit_evidence(struct service *svc, json_t *ev);

// service_overlap.c: overlap restart. possible: listen + ready, not overlapping already,
// and for a guard's restart running for a while (else its backoff applies). begin: the running
// instance becomes the retiree and a replacement starts. ready: the replacement is ready, the
// retiree gets SIGTERM and `drain`. restore: the replacement is gone before it got ready: the
// retiree is the live instance again (false when there is none to restore). reaped: pid was a
// retiree's (true).
bool service_overlap_possible(const struct service *svc, bool by_guard);
// room: MemAvailable stays above [host] min_available with a second instance (else an
// overlap-skipped event, and the caller stops then starts).
bool service_overlap_room(struct service *svc);
void service_overlap_begin(struct service *svc, const char *reason, json_t *fields);
void service_overlap_ready(struct service *svc);
bool service_overlap_restore(struct service *svc);
bool service_retiree_reaped(struct supervisor *sup, pid_t pid, int wait_status);
void service_overlap_stop(struct service *svc);
json_t *service_overlap_json(const struct service *svc);
void service_overlap_fini(struct service *svc);

// service_listen.c: bind cfg->listen once (false: the service failed with port-conflict),
// close them, and the environment that passes them (LISTEN_PID filled in by the child).
bool service_ensure_listening(struct service *svc);
void service_close_listen(struct service *svc);
char *const *service_activation_env(const struct service *svc, char **pid_slot);
// The instance gets NOTIFY_SOCKET (ready = notify, or a watchdog) and the socket is open.
bool service_wants_notify(const struct service *svc);

// service_ready.c: readiness and the watchdog. begin: the instance exec'd (probes start);
// running: it is ready (the watchdog starts); end: the instance is gone; fini: at exit.
struct supervisor;
int service_notify_open(struct supervisor *sup);
void service_ready_begin(struct service *svc);
void service_ready_running(struct service *svc);
void service_ready_end(struct service *svc);
void service_ready_fini(struct service *svc);
const char *service_ready_name(enum ready_kind k);
/* One sd_notify datagram, parsed: the assignments warden acts on (newline-separated,
 * systemd's format). Lines it does not know are skipped (counted); the last STATUS= wins and
 * is cut to fit `status`, always NUL-terminated. */
struct notify_msg {
    bool ready;    /* READY=1 */
    bool watchdog; /* WATCHDOG=1 */
    bool stopping; /* STOPPING=1 */
    bool has_status;
    char status[sizeof(((struct service *)0)->notify_status)]; /* STATUS=, cut */
    unsigned unknown_count; /* other lines, empty ones not counted */
};
/* Parse len bytes of buf (need not be NUL-terminated; a NUL ends the message, as it did when
 * the datagram was read as a C string) into *out, which is reset first. Pure: no I/O, no
 * allocation, reads no more than len bytes. Returns 0, or -EINVAL when buf or out is NULL. */
int service_notify_parse(const char *buf, size_t len, struct notify_msg *out);

#endif
