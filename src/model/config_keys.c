// SPDX-License-Identifier: MIT
// The config keys: where each value goes, its bounds, and the parsers that check one value
// and say which forms are accepted when it is wrong.
#include <sys/un.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "logfile.h"
#include "metrics.h"

#define PWBUF_BYTES          4096u      // getpwnam_r scratch (glibc suggests 1024)
#define MEMORY_MAX_MIN_BYTES (1u << 20) // a smaller hard cap kills any service at start
#define PIDS_MAX_LIMIT       4194304u   // the kernel's PID_MAX_LIMIT on 64-bit
#define RESTART_MAX_LIMIT    1000000u
#define BACKOFF_MIN_FLOOR_MS 10u
#define DRAIN_MAX_MS         3600000u

#define SOCKET_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

#define W(field) offsetof(struct warden_config, field)
#define S(field) offsetof(struct svc_config, field)

const struct key_def config_keys[] = {
        {"state_dir", SECT_WARDEN, VAL_PATH, W(state_dir), 0, WARDEN_PATH_MAX},
        {"socket", SECT_WARDEN, VAL_PATH, W(socket), 0, SOCKET_PATH_MAX},
        {"metrics", SECT_WARDEN, VAL_ADDR, W(metrics), 0, 0},
        {"command", SECT_SERVICE, VAL_COMMAND, S(command), 0, 0},
        {"user", SECT_SERVICE, VAL_USER, S(user), 0, 0},
        {"memory_max", SECT_SERVICE, VAL_SIZE, S(memory_max_bytes), MEMORY_MAX_MIN_BYTES,
         UINT64_MAX},
        {"pids_max", SECT_SERVICE, VAL_UINT, S(pids_max), 1, PIDS_MAX_LIMIT},
        {"restart", SECT_SERVICE, VAL_POLICY, S(restart), 0, 0},
        {"backoff", SECT_SERVICE, VAL_RANGE, S(backoff_min_ms), BACKOFF_MIN_FLOOR_MS, UINT64_MAX},
        {"stable_after", SECT_SERVICE, VAL_DURATION, S(stable_after_ms), 0, UINT64_MAX},
        {"drain", SECT_SERVICE, VAL_DURATION, S(drain_ms), 0, DRAIN_MAX_MS},
        {"shell", SECT_SERVICE, VAL_BOOL, S(shell), 0, 0},
        {"restart_max", SECT_SERVICE, VAL_UINT, S(restart_max), 0, RESTART_MAX_LIMIT},
        {"memory_restart", SECT_SERVICE, VAL_SIZE, S(memory_restart_bytes), MEMORY_MAX_MIN_BYTES,
         UINT64_MAX},
        {"memory_high", SECT_SERVICE, VAL_SIZE, S(memory_high_bytes), MEMORY_MAX_MIN_BYTES,
         UINT64_MAX},
        {"pids_warn", SECT_SERVICE, VAL_UINT, S(pids_warn), 1, PIDS_MAX_LIMIT},
        {"pids_kill", SECT_SERVICE, VAL_UINT, S(pids_kill), 1, PIDS_MAX_LIMIT},
        {"fork_rate", SECT_SERVICE, VAL_RATE, S(fork_rate), 1, PIDS_MAX_LIMIT},
        {"priority", SECT_SERVICE, VAL_UINT, S(priority), 0, 1000},
        {"log_max", SECT_SERVICE, VAL_LOG_MAX, S(log_max_bytes), 0, 0},
        {"log_rate", SECT_SERVICE, VAL_LOG_RATE, S(log_rate_lines), 0, 0},
        {"listen", SECT_SERVICE, VAL_LISTEN, S(listen), 0, 0},
        {"ready", SECT_SERVICE, VAL_READY, S(ready), 0, 0},
        {"start_timeout", SECT_SERVICE, VAL_DURATION, S(start_timeout_ms), 100, 86400000},
        {"watchdog", SECT_SERVICE, VAL_DURATION, S(watchdog_ms), 100, 86400000},
        // a keyword like restart: VAL_POLICY, told apart by its field in config_set_value
        {"runtime_heap", SECT_SERVICE, VAL_POLICY, S(runtime_heap), 0, 0},
        {"min_available", SECT_HOST, VAL_SIZE, W(host_min_available_bytes), 1, UINT64_MAX},
        {"max_pressure", SECT_HOST, VAL_PRESSURE, W(host_max_pressure_pct), 1, 100},
};

const size_t config_key_count = sizeof(config_keys) / sizeof(config_keys[0]);
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX, "seen[] too small");
_Static_assert(S(backoff_max_ms) == S(backoff_min_ms) + sizeof(uint64_t), "VAL_RANGE layout");
_Static_assert(S(log_max_count) == S(log_max_bytes) + sizeof(uint64_t), "log_max layout");
_Static_assert(S(log_rate_bytes) == S(log_rate_lines) + sizeof(uint64_t), "log_rate layout");
_Static_assert(W(host_pressure_window_ms) == W(host_max_pressure_pct) + sizeof(uint64_t),
               "VAL_PRESSURE layout");

// Fill eb with "invalid KIND "VALUE" (WHY): expected FORMS".
static int bad_value(struct errbuf *eb, const char *kind, const char *value, const char *why,
                     const char *forms)
{
    char q[UNITS_QUOTE_BYTES];
    units_quote(value, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid %s %s (%s): expected %s", kind, q, why, forms);
}

static int set_path(char *dst, size_t max, const char *value, struct errbuf *eb)
{
    size_t n = strlen(value);
    char forms[64];
    if (value[0] == '/' && n < max) {
        memcpy(dst, value, n + 1); // max <= WARDEN_PATH_MAX, the size of dst
        return 0;
    }
    (void)snprintf(forms, sizeof(forms), "an absolute path of at most %zu bytes", max - 1);
    return bad_value(eb, "path", value, value[0] != '/' ? "not absolute" : "too long", forms);
}

static int set_addr(struct warden_config *cfg, const char *value, struct errbuf *eb)
{
    struct metrics_addr a;
    char err[sizeof(eb->msg)];
    if (strlen(value) >= sizeof(cfg->metrics) || metrics_parse_addr(value, &a, err, sizeof(err))) {
        return errbuf_set(eb, "%s",
                          strlen(value) >= sizeof(cfg->metrics) ? "address too long" : err);
    }
    memcpy(cfg->metrics, value, strlen(value) + 1);
    return 0;
}

static int set_user(struct svc_config *sc, const char *value, struct errbuf *eb)
{
    size_t n = strlen(value);
    if (n == 0 || n >= sizeof(sc->user)) {
        return bad_value(eb, "user", value, n ? "too long" : "empty",
                         "a user name of 1 to 32 bytes that exists on this host");
    }
    struct passwd pw;
    struct passwd *found = NULL;
    char buf[PWBUF_BYTES];
    int rc = getpwnam_r(value, &pw, buf, sizeof(buf), &found);
    if (rc != 0) {
        return bad_value(eb, "user", value, strerror(rc), "a user this host can look up");
    }
    if (!found) {
        return bad_value(eb, "user", value, "unknown user",
                         "a user that exists on this host (see getent passwd)");
    }
    memcpy(sc->user, value, n + 1);
    sc->uid = pw.pw_uid;
    sc->gid = pw.pw_gid;
    sc->has_user = true;
    return 0;
}

static int set_restart(struct svc_config *sc, const char *value, struct errbuf *eb)
{
    if (strcmp(value, "always") == 0) {
        sc->restart = RESTART_ALWAYS;
    } else if (strcmp(value, "on-failure") == 0) {
        sc->restart = RESTART_ON_FAILURE;
    } else if (strcmp(value, "never") == 0) {
        sc->restart = RESTART_NEVER;
    } else {
        return bad_value(eb, "policy", value, "unknown", "always, on-failure or never");
    }
    return 0;
}

int config_parse_runtime_heap(struct svc_config *sc, const char *value, struct errbuf *eb)
{
    if (strcmp(value, "off") == 0) {
        sc->runtime_heap = RUNTIME_HEAP_OFF;
    } else if (strcmp(value, "auto") == 0) {
        sc->runtime_heap = RUNTIME_HEAP_AUTO;
    } else {
        return bad_value(eb, "runtime_heap", value, "unknown",
                         "auto (a heap cap for Node, Go and the JVM from memory_restart, else "
                         "memory_max) or off");
    }
    return 0;
}

// A size or duration v outside [def->min, def->max]: say which bound, in the key's units.
static int out_of_bounds(const struct key_def *def, const char *value, uint64_t v,
                         struct errbuf *eb)
{
    char lo[32]; // 32 bytes hold any formatted uint64_t ("16777216T", "5124095576030h25m")
    char hi[32];
    char why[48];
    char forms[96];
    bool size = def->kind == VAL_SIZE;
    (void)(size ? units_format_bytes(def->min, lo, sizeof(lo))
                : units_format_duration(def->min, lo, sizeof(lo)));
    (void)(size ? units_format_bytes(def->max, hi, sizeof(hi))
                : units_format_duration(def->max, hi, sizeof(hi)));
    (void)snprintf(why, sizeof(why), "%s %s", v < def->min ? "below" : "above",
                   v < def->min ? lo : hi);
    (void)snprintf(forms, sizeof(forms), def->max == UINT64_MAX ? "%sat least %s" : "%s%s to %s",
                   def->kind == VAL_RANGE ? "MIN..MAX with MIN " : "", lo, hi);
    return bad_value(eb,
                     size                     ? "size"
                     : def->kind == VAL_RANGE ? "duration range"
                                              : "duration",
                     value, why, forms);
}

// Parse value for def into the current section's struct. Only a valid value is stored.
// "40% over 10s": memory PSI "full" share over a window the kernel's trigger accepts.
static int parse_pressure(const char *value, uint64_t *pct, uint64_t *window_ms, struct errbuf *eb)
{
    static const char forms[] = "expected PERCENT over DURATION, e.g. \"40% over 10s\" "
                                "(1..100%, 500ms..10s)";
    char q[UNITS_QUOTE_BYTES];
    units_quote(value, SIZE_MAX, q, sizeof(q));
    char *end = NULL;
    unsigned long p = strtoul(value, &end, 10);
    if (end == value || strncmp(end, "% over ", 7) != 0 || p < 1 || p > 100) {
        return errbuf_set(eb, "invalid pressure %s: %s", q, forms);
    }
    struct errbuf deb;
    if (units_parse_duration(end + 7, window_ms, &deb) != 0 || *window_ms < 500 ||
        *window_ms > 10000) {
        return errbuf_set(eb, "invalid pressure %s: %s", q, forms);
    }
    *pct = p;
    return 0;
}

int config_parse_log_max(struct svc_config *sc, const char *value, struct errbuf *eb)
{
    if (strcmp(value, "off") == 0) {
        sc->log_max_bytes = sc->log_max_count = 0;
        return 0;
    }
    uint64_t bytes = 0;
    unsigned count = 0;
    char err[sizeof(eb->msg)];
    if (logfile_parse_max(value, &bytes, &count, err, sizeof(err)) != 0) {
        return errbuf_set(eb, "%s, or off", err);
    }
    sc->log_max_bytes = bytes;
    sc->log_max_count = count;
    return 0;
}

// "1000/s" or "1000/s, 1M/s": lines per second, then optionally bytes per second.
int config_parse_log_rate(struct svc_config *sc, const char *value, struct errbuf *eb)
{
    static const char forms[] = "expected LINES/s[, SIZE/s] with LINES from 1 to 1000000 and "
                                "SIZE from 1K to 1G, e.g. 1000/s or 1000/s, 1M/s";
    char q[UNITS_QUOTE_BYTES];
    units_quote(value, SIZE_MAX, q, sizeof(q));
    char lines_s[32], size_s[32];
    const char *comma = strchr(value, ',');
    size_t n = comma ? (size_t)(comma - value) : strlen(value);
    if (n >= sizeof(lines_s)) {
        return errbuf_set(eb, "invalid log rate %s: %s", q, forms);
    }
    memcpy(lines_s, value, n);
    lines_s[n] = '\0';
    while (n > 0 && lines_s[n - 1] == ' ') {
        lines_s[--n] = '\0';
    }
    struct errbuf sub;
    uint64_t lines = 0, bytes = LOGFILE_RATE_BYTES;
    if (units_parse_rate(lines_s, 1, 1000000, &lines, &sub) != 0) {
        return errbuf_set(eb, "invalid log rate %s: %s", q, forms);
    }
    if (comma) {
        const char *p = comma + 1;
        while (*p == ' ') {
            p++;
        }
        size_t m = strlen(p);
        if (m < 3 || m - 2 >= sizeof(size_s) || strcmp(p + m - 2, "/s") != 0) {
            return errbuf_set(eb, "invalid log rate %s: %s", q, forms);
        }
        memcpy(size_s, p, m - 2);
        size_s[m - 2] = '\0';
        if (units_parse_size(size_s, 0, &bytes, &sub) != 0 || bytes < 1024 || bytes > (1u << 30)) {
            return errbuf_set(eb, "invalid log rate %s: %s", q, forms);
        }
    }
    sc->log_rate_lines = lines;
    sc->log_rate_bytes = bytes;
    return 0;
}

int config_add_listen(struct config_arena *a, struct svc_config *sc, const char *value,
                      struct errbuf *eb)
{
    struct listen_addr addr;
    char err[sizeof(eb->msg)];
    if (listen_parse(value, &addr, err, sizeof(err)) != 0) {
        return errbuf_set(eb, "%s", err);
    }
    for (unsigned i = 0; i < sc->listen_count; i++) {
        if (strcmp(sc->listen[i], value) == 0) {
            return errbuf_set(eb, "\"%s\" is listed twice", value);
        }
    }
    if (sc->listen_count == LISTEN_MAX) {
        return errbuf_set(eb, "more than %u listen addresses", LISTEN_MAX);
    }
    size_t n = strlen(value);
    char *copy = config_arena_alloc(a, n + 1);
    if (!copy) {
        return errbuf_set(eb, "no room left in this config for \"%s\"", value);
    }
    memcpy(copy, value, n + 1);
    sc->listen[sc->listen_count++] = copy;
    return 0;
}

int config_parse_ready(struct config_arena *a, struct svc_config *sc, const char *value,
                       struct errbuf *eb)
{
    static const char forms[] = "expected none, notify, tcp or http:/PATH (e.g. http:/healthz)";
    static const struct {
        const char *name;
        enum ready_kind kind;
    } plain[] = {{"none", READY_NONE}, {"notify", READY_NOTIFY}, {"tcp", READY_TCP}};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (strcmp(value, plain[i].name) == 0) {
            sc->ready = plain[i].kind;
            return 0;
        }
    }
    size_t n = strlen(value);
    if (strncmp(value, "http:/", 6) != 0 || n > 200 || strpbrk(value + 5, " \t\r\n")) {
        char q[UNITS_QUOTE_BYTES];
        units_quote(value, SIZE_MAX, q, sizeof(q));
        return errbuf_set(eb, "invalid readiness %s: %s", q, forms);
    }
    char *path = config_arena_alloc(a, n - 5 + 1);
    if (!path) {
        return errbuf_set(eb, "no room left in this config for %s", value);
    }
    memcpy(path, value + 5, n - 5 + 1);
    sc->ready = READY_HTTP;
    sc->ready_path = path;
    return 0;
}

int config_set_value(struct warden_config *cfg, struct svc_config *sc, const struct key_def *def,
                     const char *value, struct errbuf *eb)
{
    char *base = def->sect == SECT_SERVICE ? (char *)sc : (char *)cfg;
    uint64_t *field = (uint64_t *)(base + def->offset);
    uint64_t v = 0;
    uint64_t hi = 0;
    int rc;
    switch (def->kind) {
    case VAL_PATH:
        return set_path(base + def->offset, def->max, value, eb);
    case VAL_ADDR:
        return set_addr(cfg, value, eb);
    case VAL_COMMAND:
        return config_set_command(&cfg->arena, sc, value, eb);
    case VAL_USER:
        return set_user(sc, value, eb);
    case VAL_POLICY:
        return def->offset == S(runtime_heap) ? config_parse_runtime_heap(sc, value, eb)
                                              : set_restart(sc, value, eb);
    case VAL_LOG_MAX:
        return config_parse_log_max(sc, value, eb);
    case VAL_LOG_RATE:
        return config_parse_log_rate(sc, value, eb);
    case VAL_LISTEN:
        return config_add_listen(&cfg->arena, sc, value, eb);
    case VAL_READY:
        return config_parse_ready(&cfg->arena, sc, value, eb);
    case VAL_BOOL:
        return units_parse_bool(value, (bool *)(base + def->offset), eb);
    case VAL_UINT:
        return units_parse_uint(value, def->min, def->max, field, eb);
    case VAL_RATE:
        return units_parse_rate(value, def->min, def->max, field, eb);
    case VAL_SIZE:
        rc = units_parse_size(value, cfg->host_memory_bytes, &v, eb);
        break;
    case VAL_DURATION:
        rc = units_parse_duration(value, &v, eb);
        break;
    case VAL_PRESSURE:
        rc = parse_pressure(value, &v, &hi, eb);
        break;
    default: // VAL_RANGE
        rc = units_parse_duration_range(value, &v, &hi, eb);
        break;
    }
    if (rc == 0 && (v < def->min || v > def->max)) {
        rc = out_of_bounds(def, value, v, eb);
    }
    // min_available at or above the memory there is can never be met: the host guard would
    // drain every service at once (4T, or 100 %, on a 24 GiB host was accepted)
    if (rc == 0 && field == &cfg->host_min_available_bytes && cfg->host_memory_bytes &&
        v >= cfg->host_memory_bytes) {
        char total[32];
        (void)units_format_bytes(cfg->host_memory_bytes, total, sizeof(total));
        char why[64];
        (void)snprintf(why, sizeof(why), "not below the memory there is (%s)", total);
        rc = bad_value(eb, "size", value, why, "a size or percentage below the host's memory");
    }
    if (rc == 0) {
        field[0] = v;
        if (def->kind == VAL_RANGE || def->kind == VAL_PRESSURE) {
            field[1] = hi; // backoff_max_ms, host_pressure_window_ms follow their pair
        }
    }
    return rc;
}

int config_set_key(struct warden_config *cfg, struct svc_config *sc, const char *key,
                   const char *value, struct errbuf *eb)
{
    for (size_t k = 0; k < config_key_count; k++) {
        if (strcmp(config_keys[k].name, key) == 0) {
            return config_set_value(cfg, sc, &config_keys[k], value, eb);
        }
    }
    return -ENOENT;
}
