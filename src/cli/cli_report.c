// SPDX-License-Identifier: MIT
// `warden report [NAME] [--json | --html FILE]`: gathers what report.c diagnoses: the
// journal's events, the history files, the config's limits and, when the daemon answers,
// its live status. Works with the daemon down (after a crash, after warden died): the
// journal and the history are files under state_dir.
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bounds.h"
#include "cli.h"
#include "config.h"
#include "control.h"
#include "history.h"
#include "journal.h"
#include "loop.h"
#include "report.h"
#include "runtime_heap.h"

struct report_opts {
    const char *config;
    const char *socket;
    const char *state_dir;
    const char *service;
    const char *html;
    bool json;
};

// The newest REPORT_EVENTS_MAX events of one service, oldest first once read.
struct event_ring {
    const char *service;
    json_t *ev[REPORT_EVENTS_MAX];
    size_t head, len;
    uint64_t dropped;
};

static int keep_event(json_t *ev, void *ctx)
{
    struct event_ring *r = ctx;
    const char *s = json_string_value(json_object_get(ev, "service"));
    if (!s || strcmp(s, r->service) != 0) {
        return 0;
    }
    size_t slot = (r->head + r->len) % REPORT_EVENTS_MAX;
    if (r->len == REPORT_EVENTS_MAX) {
        json_decref(r->ev[r->head]); // the oldest goes; the newest matter more
        r->head = (r->head + 1) % REPORT_EVENTS_MAX;
        r->dropped++;
    } else {
        r->len++;
    }
    r->ev[slot] = json_incref(ev);
    return 0;
}

static json_t *service_events(const char *state_dir, const char *name, uint64_t *bad)
{
    static struct event_ring ring; // 32 KiB of pointers: static, one service at a time
    memset(&ring, 0, sizeof(ring));
    ring.service = name;
    char dir[WARDEN_PATH_MAX + 16];
    (void)snprintf(dir, sizeof(dir), "%s/journal", state_dir);
    int rc = journal_read(dir, keep_event, &ring, bad);
    if (rc < 0 && rc != -ENOENT) {
        (void)fprintf(stderr, "warden: report: reading the journal in %s: %s (going on)\n", dir,
                      strerror(-rc));
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < ring.len; i++) {
        (void)json_array_append_new(arr, ring.ev[(ring.head + i) % REPORT_EVENTS_MAX]);
    }
    return arr;
}

static int parse_opts(int argc, char **argv, struct report_opts *o)
{
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},    {"socket", required_argument, NULL, 'S'},
            {"state-dir", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
            {"html", required_argument, NULL, 'H'},      {0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 'S':
            o->socket = optarg;
            break;
        case 'd':
            o->state_dir = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 'H':
            o->html = optarg;
            break;
        default:
            return CLI_USAGE;
        }
    }
    o->service = optind < argc ? argv[optind++] : NULL;
    if (optind < argc || (o->json && o->html)) {
        (void)fprintf(stderr, "warden: report [NAME] [--json | --html FILE] [-c FILE] "
                              "[--state-dir DIR] [--socket PATH]\n");
        return CLI_USAGE;
    }
    return 0;
}

// The daemon's status ({"warden": ..., "services": [...]}), or NULL when it does not answer.
static json_t *live_status(const struct report_opts *o, const struct warden_config *cfg)
{
    const char *path = cli_socket(o->socket, o->config ? cfg->socket : NULL, cfg->socket);
    // flush_history: the daemon writes the 1 s points it holds before answering
    json_t *req = json_pack("{s:s, s:b}", "cmd", "status", "flush_history", 1);
    json_t *resp = NULL;
    int rc = control_request(path, req, &resp);
    json_decref(req);
    if (rc < 0 || !json_is_true(json_object_get(resp, "ok"))) {
        json_decref(resp);
        return NULL;
    }
    return resp;
}

static json_t *find_status(json_t *status, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(status, "services"), i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && strcmp(n, name) == 0) {
            return s;
        }
    }
    return NULL;
}

// history points into the report's structs (heap; freed by the caller).
static void load_history(const char *state_dir, const char *name, struct report_input *in,
                         struct report_point **fine, struct report_minute **coarse)
{
    struct hist_view v;
    int rc = history_load(state_dir, name, &v);
    if (rc < 0) {
        if (rc != -ENOENT) {
            (void)fprintf(stderr, "warden: report: %s: history unreadable (%s); no charts\n", name,
                          strerror(-rc));
        }
        return;
    }
    if (v.dropped_records) {
        (void)fprintf(stderr,
                      "warden: report: %s: %llu damaged history records dropped (checksum or "
                      "range), not charted\n",
                      name, (unsigned long long)v.dropped_records);
    }
    struct report_point *f = v.nfine ? calloc(v.nfine, sizeof(*f)) : NULL;
    struct report_minute *c = v.ncoarse ? calloc(v.ncoarse, sizeof(*c)) : NULL;
    for (size_t i = 0; f && i < v.nfine; i++) {
        const struct hist_point *p = &v.fine[i];
        f[i] = (struct report_point){p->t_ms, p->mem_bytes, p->mem_peak_bytes, p->pids};
    }
    for (size_t i = 0; c && i < v.ncoarse; i++) {
        const struct hist_minute *m = &v.coarse[i];
        c[i] = (struct report_minute){m->t_ms,
                                      m->mem_min_bytes,
                                      m->mem_avg_bytes,
                                      m->mem_max_bytes,
                                      m->mem_peak_max_bytes,
                                      m->pids_min,
                                      m->pids_avg,
                                      m->pids_max};
    }
    in->fine = *fine = f;
    in->nfine = f ? v.nfine : 0;
    in->coarse = *coarse = c;
    in->ncoarse = c ? v.ncoarse : 0;
    history_view_free(&v);
}

static int render(json_t *r, const struct report_input *in, const struct report_opts *o, FILE *html)
{
    if (html) {
        return report_html(r, in, html);
    }
    if (o->json) {
        return json_dumpf(r, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : -EIO;
    }
    return report_text(r, stdout);
}

static int report_one(const struct report_opts *o, const char *state_dir,
                      const struct svc_config *sc, const char *name, json_t *status, FILE *html,
                      json_t *all)
{
    uint64_t bad = 0;
    struct report_input in = {
            .service = name,
            .command = sc ? sc->command : NULL,
            .status = find_status(status, name),
            .events = service_events(state_dir, name, &bad),
            .memory_max_bytes = sc ? sc->memory_max_bytes : 0,
            .memory_restart_bytes = sc ? sc->memory_restart_bytes : 0,
            .pids_max = sc ? sc->pids_max : 0,
            .stable_after_ms = sc ? sc->stable_after_ms : 0,
            .now_ms = clock_wall_ms(),
    };
    if (bad) {
        (void)fprintf(stderr, "warden: report: skipped %llu unreadable journal lines\n",
                      (unsigned long long)bad);
    }
    static struct runtime_heap_plan plan; // 12 kB, once per report
    struct runtime_heap_cap cap;
    if (sc) {
        struct runtime_heap_input hin; // the report's environment: the daemon's may differ
        runtime_heap_input_of(sc, &hin);
        if (runtime_heap_cap(&hin, RUNTIME_UNKNOWN, &cap) == 0) {
            in.heap_cap_bytes = cap.cap_bytes;
            in.heap_cap_source = cap.source;
        }
        if (runtime_heap_plan(&hin, &plan) == 0 && !plan.node.left) {
            in.heap_auto_flag = plan.node.flag;
        }
    }
    struct report_point *fine = NULL;
    struct report_minute *coarse = NULL;
    load_history(state_dir, name, &in, &fine, &coarse);
    json_t *r = report_build(&in);
    int rc = r ? 0 : -ENOMEM;
    if (r && all) {
        (void)json_array_append(all, r);
    } else if (r) {
        rc = render(r, &in, o, html);
    }
    json_decref(r);
    json_decref(in.events);
    free(fine);
    free(coarse);
    return rc;
}

// Service names with a history file under state_dir (the daemon down, no config given).
static size_t history_list(const char *state_dir, char (*store)[SERVICE_NAME_MAX], size_t max)
{
    char path[WARDEN_PATH_MAX + 16];
    (void)snprintf(path, sizeof(path), "%s/history", state_dir);
    DIR *d = opendir(path);
    size_t n = 0;
    struct dirent *de;
    while (d && n < max && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        struct errbuf eb;
        if (len <= 5 || len - 5 >= SERVICE_NAME_MAX || strcmp(de->d_name + len - 5, ".hist") != 0) {
            continue;
        }
        memcpy(store[n], de->d_name, len - 5);
        store[n][len - 5] = '\0';
        n += config_check_name(store[n], &eb) == 0;
    }
    if (d) {
        (void)closedir(d);
    }
    return n;
}

// Names to report on: NAME, else the config's services, else the daemon's, else the
// history files. At most SERVICES_MAX; returns the count.
static size_t service_names(const struct report_opts *o, const struct warden_config *cfg,
                            json_t *status, const char *state_dir, const char **names,
                            char (*store)[SERVICE_NAME_MAX])
{
    size_t n = 0;
    if (o->service) {
        names[n++] = o->service;
    } else if (o->config) {
        for (unsigned i = 0; i < cfg->service_count; i++) {
            names[n++] = cfg->services[i].name;
        }
    } else if (status) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(status, "services"), i, s)
        {
            const char *nm = json_string_value(json_object_get(s, "name"));
            if (nm && n < SERVICES_MAX) {
                names[n++] = nm;
            }
        }
    } else {
        n = history_list(state_dir, store, SERVICES_MAX);
        for (size_t i = 0; i < n; i++) {
            names[i] = store[i];
        }
    }
    return n;
}

// Whether anything knows NAME: the config, the daemon, a history file or the journal.
static bool known_service(const char *name, struct warden_config *cfg, bool have_cfg,
                          json_t *status, const char *state_dir)
{
    if ((have_cfg && config_find(cfg, name)) || find_status(status, name)) {
        return true;
    }
    struct hist_view v;
    int rc = history_load(state_dir, name, &v);
    history_view_free(&v);
    if (rc != -ENOENT && rc != -EINVAL) {
        return true;
    }
    uint64_t bad = 0;
    json_t *ev = service_events(state_dir, name, &bad);
    bool any = json_array_size(ev) > 0;
    json_decref(ev);
    return any;
}

static int report_all(const struct report_opts *o, struct warden_config *cfg, json_t *status,
                      const char *state_dir)
{
    static const char *names[SERVICES_MAX];
    static char store[SERVICES_MAX][SERVICE_NAME_MAX];
    size_t n = service_names(o, cfg, status, state_dir, names, store);
    if (o->service && !known_service(o->service, cfg, o->config != NULL, status, state_dir)) {
        (void)fprintf(stderr,
                      "warden: report: unknown service \"%s\" (not in the config, the daemon, "
                      "the journal or the history under %s)\n",
                      o->service, state_dir);
        return CLI_USAGE;
    }
    if (n == 0) {
        (void)fprintf(stderr, "warden: report: no services found (use -c FILE or NAME)\n");
        return CLI_USAGE;
    }
    if (o->html && n > 1) {
        (void)fprintf(stderr, "warden: report --html: name one service (%zu found)\n", n);
        return CLI_USAGE;
    }
    FILE *html = o->html ? fopen(o->html, "we") : NULL;
    if (o->html && !html) {
        (void)fprintf(stderr, "warden: report: unable to write %s: %s\n", o->html, strerror(errno));
        return CLI_RUNTIME;
    }
    json_t *all = o->json && !o->service ? json_array() : NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct svc_config *sc = o->config ? config_find(cfg, names[i]) : NULL;
        if (i > 0 && !all && !html) {
            (void)fputc('\n', stdout);
        }
        rc = report_one(o, state_dir, sc, names[i], status, html, all);
    }
    if (all && rc == 0) {
        json_t *doc = json_pack("{s:s, s:o}", "schema", REPORT_SCHEMA, "reports", all);
        rc = json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 ? 0 : -EIO;
        (void)fputc('\n', stdout);
        json_decref(doc);
    } else {
        json_decref(all);
    }
    if (html && fclose(html) != 0 && rc == 0) {
        rc = -errno;
    }
    if (rc < 0) {
        (void)fprintf(stderr, "warden: report: %s\n", strerror(-rc));
        return CLI_RUNTIME;
    }
    return CLI_OK;
}

int cli_report(int argc, char **argv)
{
    struct report_opts o = {0};
    int rc = parse_opts(argc, argv, &o);
    if (rc) {
        return rc;
    }
    static struct warden_config cfg;
    config_defaults(&cfg);
    if (o.config) {
        static struct errbuf errs[4];
        unsigned nerrs = 0;
        if (config_load(&cfg, o.config, errs, 4, &nerrs) < 0) {
            (void)fprintf(stderr, "warden: %s\n", nerrs ? errs[0].msg : "unable to read config");
            return CLI_USAGE;
        }
    }
    json_t *status = live_status(&o, &cfg);
    const char *live_dir =
            json_string_value(json_object_get(json_object_get(status, "warden"), "state_dir"));
    const char *state_dir =
            cli_state_dir(o.state_dir, o.config ? cfg.state_dir : NULL, live_dir, cfg.state_dir);
    if (!status) {
        (void)fprintf(stderr,
                      "warden: report: the daemon does not answer; reporting from the "
                      "journal and history in %s\n",
                      state_dir);
    }
    rc = report_all(&o, &cfg, status, state_dir);
    json_decref(status);
    return rc;
}
