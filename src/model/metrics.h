/* SPDX-License-Identifier: MIT */
/* Prometheus exposition of warden's state: a pure formatter over a snapshot the caller
 * fills, and a small /metrics HTTP server on libmicrohttpd that runs inside warden's one
 * epoll loop (no thread of its own, a fixed connection cap, fixed response buffers).
 *
 * Metric families (text format 0.0.4; every family has HELP and TYPE lines; the per-service
 * ones carry one label, service="NAME"):
 *
 *   warden_build_info{version,cgroup_mode}        gauge    always 1
 *   warden_start_time_seconds                     gauge    warden's start, Unix time
 *   warden_resident_memory_bytes                  gauge    warden's own RSS
 *   warden_journal_events_total                   counter  events appended to the journal
 *   warden_journal_write_errors_total             counter  journal writes that failed
 *   warden_journal_held_events                    gauge    events held in memory, disk full
 *   warden_journal_dropped_events_total           counter  events lost: the hold was full
 *   warden_metrics_requests_total                 counter  HTTP requests answered
 *   warden_metrics_rejected_connections_total     counter  connections closed at the cap or
 *                                                          at the request deadline
 *   warden_host_memory_available_bytes            gauge    MemAvailable
 *   warden_host_memory_total_bytes                gauge    MemTotal (or the container limit)
 *   warden_host_memory_pressure_full_avg10_ratio  gauge    PSI memory "full" avg10, 0..1;
 *                                                          absent when PSI is unavailable
 *   warden_service_state{service,state}           gauge    1 for the current state, 0 for
 *                                                          the six others (stopped, starting,
 *                                                          running, draining, backoff,
 *                                                          crash-looping, failed)
 *   warden_service_crash_looping{service}         gauge    1 while the service is crash-looping
 *                                                          (CRASHLOOP_FAILURES failures in a
 *                                                          row, not yet stable_after of healthy
 *                                                          uptime), brief instances included;
 *                                                          else 0
 *   warden_service_uptime_seconds{service}        gauge    since the current instance started
 *   warden_service_memory_bytes{service}          gauge    cgroup memory usage now
 *   warden_service_memory_peak_bytes{service}     gauge    highest usage seen
 *   warden_service_memory_limit_bytes{service}    gauge    hard cap; absent when unset
 *   warden_service_memory_restart_bytes{service}  gauge    graceful restart point; absent
 *                                                          when unset
 *   warden_service_pids{service}                  gauge    tasks in the cgroup now
 *   warden_service_pids_limit{service}            gauge    pids_max; absent when unset
 *   warden_service_restarts_total{service}        counter
 *   warden_service_exits_total{service}           counter  exits of the main process
 *   warden_service_oom_kills_total{service}       counter  kernel OOM kills in the cgroup
 *   warden_service_runtime_oom_kills_total{service} counter instances ended by the runtime's
 *                                                          own out-of-memory death (V8/Node
 *                                                          heap limit, JVM OutOfMemoryError,
 *                                                          Go, Python MemoryError)
 *   warden_service_daemonized_total{service}      counter  instances whose main process exited
 *                                                          leaving processes in the cgroup (a
 *                                                          daemon that forked away)
 *   warden_service_escapes_total{service}         counter  times the main process was found
 *                                                          outside the service's cgroup
 *   warden_service_memory_restarts_total{service} counter  restarts at memory_restart
 *   warden_service_process_storms_total{service}  counter  process storms stopped
 *   warden_service_log_dropped_lines_total{service} counter output lines dropped by the
 *                                                          rate limit
 *   warden_service_leak_suspected{service}        gauge    1 when the trend says leak, else 0
 *   warden_service_leak_bytes_per_second{service} gauge    growth rate; only while suspected
 *   warden_service_leak_seconds_to_limit{service} gauge    time until the limit at that rate;
 *                                                          only while suspected and known
 *
 * A family none of whose samples is present (say, no service has a pids limit) is left out
 * whole, HELP and TYPE included. */
#ifndef WARDEN_METRICS_H
#define WARDEN_METRICS_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h" // METRICS_CONNECTIONS_MAX, METRICS_BODY_MAX and the other caps

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_PATH         "/metrics"

/* One service, as the caller sees it at the moment of the scrape. Strings are borrowed for
 * the duration of metrics_format. */
struct metrics_service {
    const char *name;  /* the service name (escaped in the output) */
    const char *state; /* "stopped", "starting", "running", "draining", "backoff",
                          "crash-looping" or "failed"; anything else sets no state to 1 */
    uint64_t memory_bytes;
    uint64_t memory_peak_bytes;
    uint64_t memory_limit_bytes;   /* 0: none (series left out) */
    uint64_t memory_restart_bytes; /* 0: none (series left out) */
    uint64_t pids;
    uint64_t pids_limit; /* 0: none (series left out) */
    uint64_t restarts_total;
    uint64_t oom_kills_total;
    uint64_t runtime_ooms_total; /* instances ended by their runtime's own OOM death */
    uint64_t daemonized_total;   /* instances whose main process left processes behind */
    uint64_t escapes_total;      /* times the main process was found outside the cgroup */
    uint64_t memory_restarts_total;
    uint64_t process_storms_total;
    uint64_t exits_total;
    bool crash_looping; /* the condition, not the state: it holds while a brief instance
                           runs, until the service has been stable */
    bool leak_suspected;
    double leak_bytes_per_second; /* only exported while leak_suspected */
    double leak_seconds_to_limit; /* < 0: unknown (left out); only while leak_suspected */
    uint64_t log_dropped_lines_total;
    double uptime_seconds;
};

/* Everything one exposition shows. services points at nservices entries (may be NULL when
 * nservices is 0). */
struct metrics_snapshot {
    const struct metrics_service *services;
    size_t nservices;
    uint64_t host_memory_available_bytes;
    uint64_t host_memory_total_bytes;
    double host_memory_pressure_full_avg10; /* ratio 0..1; < 0: PSI unavailable (left out) */
    uint64_t warden_rss_bytes;
    uint64_t journal_events_total;
    uint64_t journal_write_errors_total;
    uint64_t journal_held_events;          /* held in memory while the disk refuses them */
    uint64_t journal_dropped_events_total; /* lost: the hold was full */
    uint64_t metrics_requests_total;       /* from metrics_server_requests, 0 without a server */
    uint64_t metrics_rejected_total;       /* from metrics_server_rejected */
    double warden_start_time_seconds;      /* Unix time, e.g. clock_wall_ms() / 1000.0 at start */
    const char *version;                   /* WARDEN_VERSION */
    const char *cgroup_mode;               /* "v2", "hybrid", "v1" or "none" */
};

/* Write the exposition text of s into buf (size bytes, NUL-terminated on success). Pure:
 * no I/O, no allocation. Returns the length written (without the NUL), -ENOSPC when it
 * does not fit (buf then holds ""), or -EINVAL for a NULL argument, size 0, or services
 * == NULL with nservices > 0. */
int metrics_format(const struct metrics_snapshot *s, char *buf, size_t size);

/* A parsed listen address. */
struct metrics_addr {
    struct sockaddr_storage ss; /* AF_INET or AF_INET6, port set */
    socklen_t len;
    bool any; /* ":PORT": every address, IPv6 and IPv4 (IPv4 only where IPv6 is missing) */
};

/* Parse "IPV4:PORT" (127.0.0.1:9101), "[IPV6]:PORT" ([::1]:9101) or ":PORT" (all
 * addresses), PORT 0..65535 (0: any free port, for tests). No host names: warden never
 * resolves names. 0, or -EINVAL with a message naming the accepted forms in err (errlen
 * bytes, may be NULL/0), e.g. for `[warden] metrics =` in the config checker. */
int metrics_parse_addr(const char *s, struct metrics_addr *out, char *err, size_t errlen);

/* The HTTP server. */
struct metrics_server;

/* Fill buf (size bytes) with the exposition, normally a metrics_format call; returns the
 * length or -errno. Called once per GET or HEAD of /metrics, from metrics_server_run. */
typedef int metrics_fill_fn(char *buf, size_t size, void *ctx);

/* Bind addr_port (metrics_parse_addr forms), listen, and start libmicrohttpd in external
 * epoll mode: it owns no thread. Allocates the server once (about METRICS_CONNECTIONS_MAX
 * body buffers of METRICS_BODY_MAX, untouched until used); nothing is allocated by this
 * module afterwards (libmicrohttpd itself allocates per connection, at most
 * METRICS_CONNECTIONS_MAX of METRICS_CONNECTION_POOL). Answers GET and HEAD of
 * METRICS_PATH with 200 and the filled text, another path with 404, another method on
 * METRICS_PATH with 405, a URL over METRICS_URL_MAX with 414, a fill error with 500; the
 * connection stays open after each (HTTP keep-alive, pipelining) unless a refused request
 * carries a body. A request not in whole within METRICS_REQUEST_DEADLINE_MS is closed; at
 * METRICS_CONNECTIONS_MAX a new connection closes the oldest one still waiting for its
 * request, or is itself closed when all are being answered. Every fd it makes is
 * close-on-exec.
 * Returns 0 and *out, or -errno with a message in err: -EINVAL (bad address),
 * -EADDRINUSE, -EACCES (port < 1024 without the capability), -EADDRNOTAVAIL, -ENOMEM... */
int metrics_server_start(struct metrics_server **out, const char *addr_port, metrics_fill_fn *fn,
                         void *ctx, char *err, size_t errlen);

/* The one fd to watch for EPOLLIN (libmicrohttpd's epoll fd; it stays the same). */
int metrics_server_fd(const struct metrics_server *m);

/* Accept, read, answer and time out connections; never blocks. Call it when the fd is
 * readable and when the timeout below expires. 0, or -EINVAL if libmicrohttpd refused. */
int metrics_server_run(struct metrics_server *m);

/* Milliseconds until metrics_server_run must be called even without fd activity: -1 none
 * (no connection open), 0 now (work is pending: call it again before waiting; with a
 * timerfd, arm 1 ms since 0 disarms), else up to METRICS_CONNECTION_TIMEOUT_S * 1000 (the
 * nearest request deadline when that is sooner).
 * Ask again after every run. */
int64_t metrics_server_timeout_ms(struct metrics_server *m);

/* The bound port (the real one when 0 was asked). */
uint16_t metrics_server_port(const struct metrics_server *m);
/* Connections open now (<= METRICS_CONNECTIONS_MAX). */
unsigned metrics_server_connections(const struct metrics_server *m);
/* Requests answered, any status. */
uint64_t metrics_server_requests(const struct metrics_server *m);
/* Connections closed without an answer: at the cap (the new one, or the oldest waiting one
 * it displaced while still on its first request) or at the request deadline of their first
 * request. Idle keep-alive connections closed after a response are not counted. */
uint64_t metrics_server_rejected(const struct metrics_server *m);
/* Requests answered 500 because the fill failed or did not fit METRICS_BODY_MAX. */
uint64_t metrics_server_errors(const struct metrics_server *m);

/* Close every connection and the listening socket, and free the server. NULL is a no-op.
 * The caller removes metrics_server_fd from its loop first. */
void metrics_server_stop(struct metrics_server *m);

#endif
