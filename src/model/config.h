/* SPDX-License-Identifier: MIT */
/* The INI config (libinih): [warden] and [service NAME] sections, validated whole.
 * Storage is fixed-size (bounds.h); nothing is allocated after config_load returns. */
#ifndef WARDEN_CONFIG_H
#define WARDEN_CONFIG_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bounds.h"
#include "errbuf.h"
#include "listen.h"

enum restart_policy {
    RESTART_ALWAYS,
    RESTART_ON_FAILURE,
    RESTART_NEVER,
};

/* Where a config's commands and their argv live: allocated as the config is read, so a
 * service costs the bytes its command takes, not COMMAND_BYTES_MAX three times over (that
 * was 2.6 kB per service, resident). Sized for SERVICES_MAX of the longest commands. */
#define CONFIG_ARENA_BYTES                                                                         \
    (SERVICES_MAX * (2u * COMMAND_BYTES_MAX + 16u + (COMMAND_ARGV_MAX + 1u) * sizeof(char *)))
struct config_arena {
    size_t used;
    _Alignas(char *) char buf[CONFIG_ARENA_BYTES];
};

/* n bytes aligned for a pointer, from a; NULL when a is full. */
void *config_arena_alloc(struct config_arena *a, size_t n);

/* runtime_heap = off | auto: whether warden gives Node, Go and the JVM a heap cap derived
 * from memory_restart (else memory_max) through their environment (runtime_heap.h). */
enum runtime_heap_mode {
    RUNTIME_HEAP_OFF,
    RUNTIME_HEAP_AUTO,
};

/* How warden learns that an instance is ready (`ready =`). */
enum ready_kind {
    READY_NONE,   /* when exec succeeds */
    READY_NOTIFY, /* sd_notify READY=1 on NOTIFY_SOCKET */
    READY_TCP,    /* the service accepts a connection on its (first tcp) listen socket */
    READY_HTTP,   /* GET ready_path on its listen socket answers 200 */
};

struct svc_config {
    char name[SERVICE_NAME_MAX];
    int line;            /* line of the [service NAME] header, for messages */
    const char *command; /* the `command =` value ("" until set); in the arena */
    /* argv split from command (quotes and backslashes as in sh, no expansion), or
     * {"/bin/sh", "-c", command} when shell = yes. argv[argc] == NULL. In the arena. */
    char **argv;
    int argc;
    bool shell;
    bool has_user;
    char user[USER_NAME_MAX];
    uid_t uid; /* resolved at load time when has_user */
    gid_t gid;
    uint64_t memory_max_bytes; /* 0: no limit */
    uint64_t pids_max;         /* 0: no limit */
    enum restart_policy restart;
    uint64_t backoff_min_ms;
    uint64_t backoff_max_ms;
    uint64_t stable_after_ms;
    uint64_t drain_ms;
    uint64_t restart_max; /* 0: unlimited */
    /* guards (0: off) */
    uint64_t memory_restart_bytes; /* graceful restart when usage crosses it (< memory_max) */
    uint64_t memory_high_bytes;    /* kernel throttle point (memory.high; v1: soft limit) */
    uint64_t pids_warn;            /* event + process-tree snapshot when crossed */
    uint64_t pids_kill;            /* freeze, snapshot, kill the cgroup when crossed */
    uint64_t fork_rate;            /* the same when processes grow by this many within 1 s */
    uint64_t priority;             /* host guard: the lowest goes first (default 100) */
    /* captured output (logfile.h): STATE_DIR/logs/NAME.log, rotated */
    uint64_t log_max_bytes;  /* one file's cap; 0: no capture (log_max = off) */
    uint64_t log_max_count;  /* files kept, NAME.log included (follows log_max_bytes) */
    uint64_t log_rate_lines; /* lines per second into the logs and stdout */
    uint64_t log_rate_bytes; /* bytes per second (follows log_rate_lines) */
    /* listening sockets warden holds and passes (LISTEN_FDS), as configured; in the arena */
    const char *listen[LISTEN_MAX];
    unsigned listen_count;
    enum ready_kind ready;
    const char *ready_path;    /* READY_HTTP: "/healthz"; in the arena */
    uint64_t start_timeout_ms; /* not ready by then: the instance is killed, a failure */
    uint64_t watchdog_ms;      /* 0: off; else WATCHDOG=1 must come at least this often */
    int ready_line;            /* line of `ready =`, for messages */
    /* heap caps for Node, Go and the JVM from memory_restart / memory_max (default off) */
    enum runtime_heap_mode runtime_heap;
};

struct warden_config {
    char file[WARDEN_PATH_MAX]; /* path given to config_load, "" for `warden run` */
    char state_dir[WARDEN_PATH_MAX];
    char socket[WARDEN_PATH_MAX];
    char metrics[METRICS_ADDR_MAX]; /* "ADDR:PORT" of the /metrics server, "" when off */
    uint64_t host_memory_bytes;     /* input: basis for "N%" sizes; 0 refuses percentages */
    /* [host] guard (off when both are 0) */
    uint64_t host_min_available_bytes; /* act when MemAvailable drops below */
    uint64_t host_max_pressure_pct;    /* act when memory PSI "full" stays above (1..100)... */
    uint64_t host_pressure_window_ms;  /* ...over this window (500 ms..10 s, a PSI trigger) */
    unsigned service_count;
    struct svc_config services[SERVICES_MAX]; /* a slot is set up when its section starts */
    struct config_arena arena; /* commands and argv of services[]; reset by config_load */
};

/* Defaults (DESIGN.md): restart on-failure, backoff 1s..5m, stable_after 10m, drain 30s,
 * no limits, no user, no shell. */
void config_service_defaults(struct svc_config *sc);
/* Defaults for [warden]: state_dir /var/lib/warden, socket /run/warden.sock. */
void config_defaults(struct warden_config *cfg);

/* Split sc->command into sc->argv, allocated from a (or wrap it in sh -c when sc->shell).
 * command must end within COMMAND_BYTES_MAX bytes. 0, or -EINVAL with eb saying why. */
int config_split_command(struct config_arena *a, struct svc_config *sc, struct errbuf *eb);
/* sc->command = a copy of value in a (at most COMMAND_BYTES_MAX - 1 bytes, not empty).
 * 0 or -EINVAL with eb saying why. */
int config_set_command(struct config_arena *a, struct svc_config *sc, const char *value,
                       struct errbuf *eb);
/* sc->argv = a copy of argv[0..argc-1] in a, and sc->command their display form (words
 * joined by spaces, cut at COMMAND_BYTES_MAX - 1) for `warden run`. 0 or -E2BIG when
 * argc > COMMAND_ARGV_MAX or the words exceed COMMAND_BYTES_MAX bytes. */
int config_set_argv(struct config_arena *a, struct svc_config *sc, int argc, char *const *argv);

/* Validate a service name: 1..SERVICE_NAME_MAX-1 bytes of [A-Za-z0-9_.-], not starting
 * with '.' or '-', without "..". 0 or -EINVAL. */
int config_check_name(const char *name, struct errbuf *eb);

/* Load and validate path into cfg (cfg->host_memory_bytes set by the caller first; all
 * other fields are reset). Every problem found is written to errs[0..errs_max-1] with file,
 * line, key, value and accepted forms; *nerrs gets the total count (may exceed errs_max).
 * Returns 0 when valid, -EINVAL when any error, -errno when the file cannot be read (then
 * errs[0] says so too). */
int config_load(struct warden_config *cfg, const char *path, struct errbuf *errs, unsigned errs_max,
                unsigned *nerrs);

/* As config_load, from an open stream; name is used for messages and cfg->file (it must fit
 * WARDEN_PATH_MAX, else -ENAMETOOLONG). The stream is read to its end (at most 1 MiB) and not
 * closed. When reading fails, -errno is returned and the last error stored says so. */
int config_load_stream(struct warden_config *cfg, FILE *f, const char *name, struct errbuf *errs,
                       unsigned errs_max, unsigned *nerrs);

/* log_max = "SIZE x COUNT" | off, and log_rate = "LINES/s[, SIZE/s]" into sc (also the
 * --log-max and --log-rate options of `warden run`). 0 or -EINVAL with eb saying why. */
int config_parse_log_max(struct svc_config *sc, const char *value, struct errbuf *eb);
int config_parse_log_rate(struct svc_config *sc, const char *value, struct errbuf *eb);

/* Add a listen address (validated with listen_parse, copied into a; at most LISTEN_MAX,
 * no duplicates). 0 or -EINVAL with eb saying why. */
int config_add_listen(struct config_arena *a, struct svc_config *sc, const char *value,
                      struct errbuf *eb);

/* ready = none | notify | tcp | http:/PATH into sc (path copied into a). 0 or -EINVAL. */
int config_parse_ready(struct config_arena *a, struct svc_config *sc, const char *value,
                       struct errbuf *eb);

/* runtime_heap = off | auto into sc (also `warden run --runtime-heap`). 0 or -EINVAL with eb
 * naming the accepted forms. */
int config_parse_runtime_heap(struct svc_config *sc, const char *value, struct errbuf *eb);

/* Set the key named key from value as a config file's "key = value" line would: the same
 * table, parser, bounds and error text (`warden run` gives its options this way). A [service]
 * key goes into sc, a [warden] or [host] key into cfg; cfg->host_memory_bytes is the basis of
 * percentages and cfg->arena holds copied strings. Only a valid value is stored. 0, -ENOENT
 * when there is no such key, or -EINVAL with eb saying why (without naming the key). */
int config_set_key(struct warden_config *cfg, struct svc_config *sc, const char *key,
                   const char *value, struct errbuf *eb);

/* Where config_check_service's caller got a service's keys from, for its messages. */
struct config_origin {
    /* How the setting of key is named, e.g. "line 6" or "--memory-max 64M"; "" if unknown. */
    void (*where)(void *ctx, const char *key, char *buf, size_t size);
    /* One contradiction, reported on key; reason names the other key and where it was set:
     * "104857600 must be below memory_max (67108864, line 3), or it can never fire". */
    void (*report)(void *ctx, const char *key, const char *reason);
    void *ctx;
};

/* The contradictions between one service's keys that `warden check` and `warden run` both
 * refuse: memory_restart or memory_high not below memory_max, pids_warn not below pids_max or
 * pids_kill, pids_kill above pids_max (each only when both are set, i.e. not 0), and ready =
 * tcp or http:/PATH without a tcp listen address. Each is handed to o->report. Pure apart
 * from the callbacks. Returns how many were found. */
unsigned config_check_service(const struct svc_config *sc, const struct config_origin *o);

/* Do two services run the same way (every key the same; line numbers aside)? Pure. */
bool config_service_equal(const struct svc_config *a, const struct svc_config *b);
/* Do their listen addresses differ (then the sockets are bound anew)? Pure. */
bool config_listen_differs(const struct svc_config *a, const struct svc_config *b);

/* Find a service by name; NULL when absent. */
struct svc_config *config_find(struct warden_config *cfg, const char *name);

#endif
