// SPDX-License-Identifier: MIT
// Client side of the control socket: status, start, stop, restart, events. `events` also
// works with the daemon down, like report and logs: the journal is files under state_dir.
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "journal.h"
#include "loop.h"
#include "units.h"

struct client_opts {
    const char *socket;
    const char *config;
    const char *state_dir; /* events only: read STATE_DIR/journal, daemon or not */
    const char *service;
    const char *since;
    bool json;
};

static int parse_client(int argc, char **argv, struct client_opts *o)
{
    static const struct option opts[] = {{"socket", required_argument, NULL, 'S'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"since", required_argument, NULL, 's'},
                                         {"state-dir", required_argument, NULL, 'd'},
                                         {0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
        switch (ch) {
        case 'S':
            o->socket = optarg;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 's':
            o->since = optarg;
            break;
        case 'd':
            o->state_dir = optarg;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        o->service = argv[optind++];
    }
    if (optind < argc) {
        (void)fprintf(stderr, "warden: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    return 0;
}

// -c FILE, loaded once (the socket and, with the daemon down, the state_dir come from it).
// NULL when it does not load (the error printed).
static struct warden_config *client_config(const char *file)
{
    static struct warden_config cfg;
    static bool loaded;
    if (!loaded) {
        static struct errbuf errs[4];
        unsigned nerrs = 0;
        int rc = config_load(&cfg, file, errs, 4, &nerrs);
        if (rc < 0) {
            (void)fprintf(stderr, "warden: %s: %s\n", file, nerrs ? errs[0].msg : strerror(-rc));
            return NULL;
        }
        loaded = true;
    }
    return &cfg;
}

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *cli_socket(const char *opt, const char *cfg_socket, const char *fallback)
{
    const char *env = env_value("WARDEN_SOCKET");
    return opt ? opt : cfg_socket ? cfg_socket : env ? env : fallback;
}

const char *cli_state_dir(const char *opt, const char *cfg_dir, const char *live,
                          const char *fallback)
{
    const char *env = env_value("WARDEN_STATE_DIR");
    return opt ? opt : cfg_dir ? cfg_dir : env ? env : live ? live : fallback;
}

// --socket, then -c FILE's [warden] socket, then $WARDEN_SOCKET, then the default.
static int socket_path(const struct client_opts *o, char *out, size_t len)
{
    const struct warden_config *cfg = o->config ? client_config(o->config) : NULL;
    if (o->config && !cfg) {
        return CLI_USAGE;
    }
    (void)snprintf(out, len, "%s",
                   cli_socket(o->socket, cfg ? cfg->socket : NULL, "/run/warden.sock"));
    return 0;
}

// Send {"cmd": cmd, "service": svc} to the daemon at path. 0 with *resp (its answer, ok or
// not), or -errno when nothing answers there.
static int request(const char *path, const struct client_opts *o, const char *cmd, json_t **resp)
{
    json_t *req = json_pack("{s:s}", "cmd", cmd);
    if (o->service) {
        (void)json_object_set_new(req, "service", json_string(o->service));
    }
    int rc = control_request(path, req, resp);
    json_decref(req);
    return rc;
}

// The daemon's answer: CLI_OK keeping *resp when it is ok, else its error printed, *resp
// freed and the exit code it asks for.
static int answer(json_t **resp)
{
    if (!json_is_true(json_object_get(*resp, "ok"))) {
        const char *err = json_string_value(json_object_get(*resp, "error"));
        json_int_t code = json_integer_value(json_object_get(*resp, "exit_code"));
        (void)fprintf(stderr, "warden: %s\n", err ? err : "request failed");
        json_decref(*resp);
        *resp = NULL;
        return code == CLI_USAGE ? CLI_USAGE : CLI_RUNTIME;
    }
    return 0;
}

// Send {"cmd": cmd, "service": svc}; on success *resp is the ok response.
static int ask(const struct client_opts *o, const char *cmd, json_t **resp)
{
    char path[4096];
    int rc = socket_path(o, path, sizeof(path));
    if (rc) {
        return rc;
    }
    rc = request(path, o, cmd, resp);
    if (rc < 0) {
        (void)fprintf(stderr,
                      "warden: unable to reach the daemon at %s: %s (is it running? use -c FILE, "
                      "--socket PATH or $WARDEN_SOCKET)\n",
                      path, strerror(-rc));
        return CLI_RUNTIME;
    }
    return answer(resp);
}

static void fmt_size(json_t *v, char *buf, size_t len)
{
    json_int_t n = json_integer_value(v);
    if (n <= 0) {
        (void)snprintf(buf, len, "-");
    } else {
        (void)units_format_bytes((uint64_t)n, buf, len);
    }
}

static void print_service(json_t *s)
{
    char cur[16], peak[16], max[16], up[24] = "-", mem[64], pids[48], pidbuf[16] = "-";
    json_t *m = json_object_get(s, "memory"), *p = json_object_get(s, "pids");
    fmt_size(json_object_get(m, "current_bytes"), cur, sizeof(cur));
    fmt_size(json_object_get(m, "peak_bytes"), peak, sizeof(peak));
    fmt_size(json_object_get(m, "max_bytes"), max, sizeof(max));
    (void)snprintf(mem, sizeof(mem), "%s/%s/%s", cur, peak, max);
    json_int_t pmax = json_integer_value(json_object_get(p, "max"));
    json_int_t pcur = json_integer_value(json_object_get(p, "current"));
    if (pmax) {
        (void)snprintf(pids, sizeof(pids), "%lld/%lld", (long long)pcur, (long long)pmax);
    } else {
        (void)snprintf(pids, sizeof(pids), "%lld/-", (long long)pcur);
    }
    json_t *pid = json_object_get(s, "pid");
    if (json_is_integer(pid)) {
        (void)snprintf(pidbuf, sizeof(pidbuf), "%lld", (long long)json_integer_value(pid));
        (void)units_format_duration(
                (uint64_t)(json_real_value(json_object_get(s, "uptime_s")) * 1000), up, sizeof(up));
    }
    json_t *le = json_object_get(s, "last_exit");
    bool has_le = le && !json_is_null(le);
    (void)printf("%-16s %-13s %-7s %-9s %-8lld %-22s %-11s %s\n",
                 json_string_value(json_object_get(s, "name")),
                 json_string_value(json_object_get(s, "state")), pidbuf, up,
                 (long long)json_integer_value(json_object_get(s, "restarts")), mem, pids,
                 has_le ? json_string_value(json_object_get(le, "kind")) : "-");
    const char *reason = json_string_value(json_object_get(s, "reason"));
    if (reason) {
        (void)printf("  why: %s\n", reason);
    }
    if (has_le) {
        (void)printf("  last exit: %s at %s: %s\n", json_string_value(json_object_get(le, "kind")),
                     json_string_value(json_object_get(le, "time")),
                     json_string_value(json_object_get(le, "reason")));
    }
}

static int cmd_status(const struct client_opts *o)
{
    json_t *resp = NULL;
    int rc = ask(o, "status", &resp);
    if (rc) {
        return rc;
    }
    if (o->json) {
        json_t *out = json_pack("{s:O, s:O}", "warden", json_object_get(resp, "warden"), "services",
                                json_object_get(resp, "services"));
        (void)json_dumpf(out, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        (void)putchar('\n');
        json_decref(out);
        json_decref(resp);
        return CLI_OK;
    }
    json_t *w = json_object_get(resp, "warden");
    (void)printf(
            "warden %s, pid %lld, cgroup %s%s\n", json_string_value(json_object_get(w, "version")),
            (long long)json_integer_value(json_object_get(w, "pid")),
            json_string_value(json_object_get(w, "cgroup")),
            json_is_true(json_object_get(w, "limits_enforced")) ? "" : " (limits NOT enforced)");
    (void)printf("%-16s %-13s %-7s %-9s %-8s %-22s %-11s %s\n", "SERVICE", "STATE", "PID", "UPTIME",
                 "RESTARTS", "MEMORY now/peak/max", "PIDS", "LAST EXIT");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(resp, "services"), i, s)
    {
        print_service(s);
    }
    json_decref(resp);
    return CLI_OK;
}

// `warden reload`: what changed.
static int cmd_reload(const struct client_opts *o)
{
    json_t *resp = NULL;
    int rc = ask(o, "reload", &resp);
    if (rc) {
        return rc;
    }
    static const char *const keys[] = {"changed", "added", "removed", "ignored"};
    (void)printf("reloaded");
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        json_t *list = json_object_get(resp, keys[k]);
        size_t i;
        json_t *v;
        (void)printf("%s %s:", k ? ";" : "", keys[k]);
        if (json_array_size(list) == 0) {
            (void)printf(" -");
        }
        json_array_foreach(list, i, v)
        {
            (void)printf(" %s", json_string_value(v));
        }
    }
    (void)printf("\n");
    json_decref(resp);
    return CLI_OK;
}

static int cmd_control(const struct client_opts *o, const char *cmd)
{
    if (!o->service) {
        (void)fprintf(stderr, "warden: usage: warden %s SERVICE\n", cmd);
        return CLI_USAGE;
    }
    json_t *resp = NULL;
    int rc = ask(o, cmd, &resp);
    if (rc) {
        return rc;
    }
    (void)printf("%s: %s\n", o->service, json_string_value(json_object_get(resp, "state")));
    json_decref(resp);
    return CLI_OK;
}

struct events_ctx {
    const char *service;
    char since[40]; // RFC 3339; events with an earlier "time" are skipped ("" = all)
    bool json;
    uint64_t seen; // events of the service, --since or not: none means it is unknown here
};

static void print_event_text(json_t *ev)
{
    const char *key;
    json_t *v;
    (void)printf("%s %-12s %-14s", json_string_value(json_object_get(ev, "time")),
                 json_is_string(json_object_get(ev, "service"))
                         ? json_string_value(json_object_get(ev, "service"))
                         : "-",
                 json_string_value(json_object_get(ev, "type")));
    json_object_foreach(ev, key, v)
    {
        if (strcmp(key, "time") == 0 || strcmp(key, "service") == 0 || strcmp(key, "type") == 0 ||
            strcmp(key, "seq") == 0) {
            continue;
        }
        char *txt = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        (void)printf(" %s=%s", key, txt ? txt : "?");
        free(txt);
    }
    (void)putchar('\n');
}

static int visit_event(json_t *ev, void *vctx)
{
    struct events_ctx *ctx = vctx;
    const char *svc = json_string_value(json_object_get(ev, "service"));
    if (ctx->service && (!svc || strcmp(svc, ctx->service) != 0)) {
        return 0;
    }
    ctx->seen++;
    const char *t = json_string_value(json_object_get(ev, "time"));
    if (ctx->since[0] && (!t || strcmp(t, ctx->since) < 0)) {
        return 0;
    }
    if (ctx->json) {
        (void)json_dumpf(ev, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        (void)putchar('\n');
    } else {
        print_event_text(ev);
    }
    return ferror(stdout) ? 1 : 0;
}

// --since: a duration back from now ("10m") or an RFC 3339 time ("2026-11-23T05:00:00Z").
static int parse_since(const char *arg, char *out, size_t len)
{
    struct errbuf eb;
    uint64_t ms;
    if (units_parse_duration(arg, &ms, &eb) == 0) {
        (void)journal_format_time(clock_wall_ms() - ms, out, len);
        return 0;
    }
    if (strlen(arg) >= 10 && arg[4] == '-' && arg[7] == '-') {
        (void)snprintf(out, len, "%s", arg);
        return 0;
    }
    (void)fprintf(stderr,
                  "warden: --since: invalid value \"%s\": expected a duration back from now (10m, "
                  "2h) or an RFC 3339 time (2026-11-23T05:00:00Z)\n",
                  arg);
    return CLI_USAGE;
}

// Print the events of dir (a journal directory). CLI_OK, or CLI_RUNTIME when it cannot be
// read; rc_out gets journal_read's result (-ENOENT: no journal there).
static int print_journal(const char *dir, struct events_ctx *ctx, int *rc_out)
{
    uint64_t bad = 0;
    int rc = journal_read(dir, visit_event, ctx, &bad);
    *rc_out = rc;
    if (rc < 0 && rc != -ENOENT) {
        (void)fprintf(stderr, "warden: unable to read the journal in %s: %s\n", dir, strerror(-rc));
    }
    if (bad) {
        (void)fprintf(stderr, "warden: skipped %llu unreadable journal lines\n",
                      (unsigned long long)bad);
    }
    return rc < 0 ? CLI_RUNTIME : CLI_OK;
}

// The daemon down, or --state-dir: STATE_DIR/journal read directly. The daemon is not there
// to say whether SERVICE exists: it does when -c FILE names it or the journal has events
// of it.
static int events_from_files(const struct client_opts *o, struct events_ctx *ctx,
                             const char *state_dir)
{
    struct errbuf eb;
    if (o->service && config_check_name(o->service, &eb) < 0) {
        (void)fprintf(stderr, "warden: events: \"%s\" is not a service name\n", o->service);
        return CLI_USAGE;
    }
    struct warden_config *cfg = o->config ? client_config(o->config) : NULL;
    if (o->config && !cfg) {
        return CLI_USAGE;
    }
    char dir[WARDEN_PATH_MAX + sizeof("/journal")];
    int n = snprintf(dir, sizeof(dir), "%s/journal", state_dir);
    if (n < 0 || (size_t)n >= sizeof(dir)) {
        (void)fprintf(stderr, "warden: events: state dir too long: %s\n", state_dir);
        return CLI_USAGE;
    }
    int jrc = 0;
    int rc = print_journal(dir, ctx, &jrc);
    if (o->service && ctx->seen == 0 && !(cfg && config_find(cfg, o->service))) {
        (void)fprintf(stderr,
                      "warden: events: unknown service \"%s\" (%s%s%sno events of it in %s)\n",
                      o->service, cfg ? "not in " : "", cfg ? o->config : "", cfg ? ", " : "", dir);
        return CLI_USAGE;
    }
    if (jrc == -ENOENT) {
        (void)fprintf(stderr,
                      "warden: events: no journal in %s (has a daemon run with this state_dir?)\n",
                      dir);
    }
    return rc;
}

// No daemon at path: the journal under -c FILE's state_dir, else $WARDEN_STATE_DIR's (as
// report and logs read theirs), else an error that says what to pass.
static int events_without_daemon(const struct client_opts *o, struct events_ctx *ctx,
                                 const char *path, int err)
{
    const struct warden_config *cfg = o->config ? client_config(o->config) : NULL;
    if (o->config && !cfg) {
        return CLI_USAGE;
    }
    const char *state_dir = cli_state_dir(NULL, cfg ? cfg->state_dir : NULL, NULL, NULL);
    if (!state_dir) {
        (void)fprintf(stderr,
                      "warden: events: unable to reach the daemon at %s: %s; to read the journal "
                      "without it, pass -c FILE (its state_dir) or --state-dir DIR (or set "
                      "$WARDEN_STATE_DIR)\n",
                      path, strerror(err));
        return CLI_RUNTIME;
    }
    (void)fprintf(
            stderr,
            "warden: events: the daemon does not answer at %s; reading the journal in %s/journal\n",
            path, state_dir);
    return events_from_files(o, ctx, state_dir);
}

static int cmd_events(const struct client_opts *o)
{
    struct events_ctx ctx = {.service = o->service, .json = o->json};
    if (o->since && parse_since(o->since, ctx.since, sizeof(ctx.since))) {
        return CLI_USAGE;
    }
    if (o->state_dir) { // named: those files, whether a daemon runs or not
        return events_from_files(o, &ctx, o->state_dir);
    }
    char path[4096];
    int rc = socket_path(o, path, sizeof(path));
    if (rc) {
        return rc;
    }
    json_t *resp = NULL;
    rc = request(path, o, "events", &resp); // the daemon also validates the service name
    if (rc < 0) {
        return events_without_daemon(o, &ctx, path, -rc);
    }
    rc = answer(&resp);
    if (rc) {
        return rc;
    }
    const char *dir =
            json_string_value(json_object_get(json_object_get(resp, "warden"), "journal_dir"));
    if (!dir) {
        (void)fprintf(stderr, "warden: the daemon has no journal (see its log)\n");
        json_decref(resp);
        return CLI_RUNTIME;
    }
    int jrc = 0;
    rc = print_journal(dir, &ctx, &jrc);
    if (jrc == -ENOENT) {
        (void)fprintf(stderr, "warden: unable to read the journal in %s: %s\n", dir,
                      strerror(-jrc));
    }
    json_decref(resp);
    return rc;
}

// `warden metrics`: what /metrics serves, printed once (no HTTP server needed).
static int cmd_metrics(const struct client_opts *o)
{
    json_t *resp = NULL;
    int rc = ask(o, "metrics", &resp);
    if (rc) {
        return rc;
    }
    const char *text = json_string_value(json_object_get(resp, "text"));
    (void)fputs(text ? text : "", stdout);
    json_decref(resp);
    return text ? CLI_OK : CLI_RUNTIME;
}

int cli_client(const char *cmd, int argc, char **argv)
{
    struct client_opts o = {0};
    int rc = parse_client(argc, argv, &o);
    if (rc) {
        return rc;
    }
    if (o.state_dir && strcmp(cmd, "events") != 0) {
        (void)fprintf(stderr,
                      "warden: %s: --state-dir is for events, report and logs (the "
                      "daemon's files); %s asks the daemon\n",
                      cmd, cmd);
        return CLI_USAGE;
    }
    if (strcmp(cmd, "status") == 0) {
        return cmd_status(&o);
    }
    if (strcmp(cmd, "events") == 0) {
        return cmd_events(&o);
    }
    if (strcmp(cmd, "metrics") == 0) {
        return cmd_metrics(&o);
    }
    if (strcmp(cmd, "reload") == 0) {
        return cmd_reload(&o);
    }
    return cmd_control(&o, cmd);
}
