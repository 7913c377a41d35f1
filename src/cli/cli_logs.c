// SPDX-License-Identifier: MIT
// `warden logs NAME [-f] [-n N]`: a service's captured output from STATE_DIR/logs, read
// from the files (logfile_read.c), so it works with the daemon down. The daemon is asked
// only for where its state_dir is when nothing else says.
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "logfile.h"
#include "units.h"

struct logs_opts {
    const char *config;
    const char *socket;
    const char *state_dir;
    const char *service;
    unsigned lines; /* UINT_MAX: all that is kept */
    bool follow;
};

static const char logs_usage[] = "usage: warden logs NAME [-f] [-n N] [-c FILE] [--state-dir DIR] "
                                 "[--socket PATH]\n";

static int parse_opts(int argc, char **argv, struct logs_opts *o)
{
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},    {"socket", required_argument, NULL, 'S'},
            {"state-dir", required_argument, NULL, 'd'}, {"follow", no_argument, NULL, 'f'},
            {"lines", required_argument, NULL, 'n'},     {0}};
    optind = 1;
    int ch;
    uint64_t n = 0;
    struct errbuf eb;
    while ((ch = getopt_long(argc, argv, "c:fn:", opts, NULL)) != -1) {
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
        case 'f':
            o->follow = true;
            break;
        case 'n':
            if (units_parse_uint(optarg, 0, UINT_MAX - 1, &n, &eb) != 0) {
                (void)fprintf(stderr, "warden: logs: -n: %s\n", eb.msg);
                return CLI_USAGE;
            }
            o->lines = (unsigned)n;
            break;
        default:
            (void)fputs(logs_usage, stderr);
            return CLI_USAGE;
        }
    }
    if (optind + 1 != argc) {
        (void)fputs(logs_usage, stderr);
        return CLI_USAGE;
    }
    o->service = argv[optind];
    return 0;
}

// The running daemon's state_dir (copied into buf), or NULL when it does not answer.
static const char *daemon_state_dir(const char *socket, char *buf, size_t size)
{
    json_t *req = json_pack("{s:s}", "cmd", "status");
    json_t *resp = NULL;
    int rc = control_request(socket, req, &resp);
    json_decref(req);
    const char *dir = rc == 0 ? json_string_value(json_object_get(json_object_get(resp, "warden"),
                                                                  "state_dir"))
                              : NULL;
    if (dir && strlen(dir) < size) {
        memcpy(buf, dir, strlen(dir) + 1);
    } else {
        dir = NULL;
    }
    json_decref(resp);
    return dir ? buf : NULL;
}

// Any of NAME.log, NAME.log.1, ... present.
static bool has_files(const char *state_dir, const char *name)
{
    char dir[LOGFILE_DIR_BYTES];
    char file[LOGFILE_NAME_BYTES];
    if (logfile_dir_path(dir, sizeof(dir), state_dir) != 0) {
        return false;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool found = false;
    for (unsigned k = 0; dfd >= 0 && !found && k < LOGFILE_COUNT_MAX; k++) {
        struct stat st;
        found = logfile_file_name(file, sizeof(file), name, k) == 0 &&
                fstatat(dfd, file, &st, 0) == 0;
    }
    if (dfd >= 0) {
        (void)close(dfd);
    }
    return found;
}

int cli_logs(int argc, char **argv)
{
    struct logs_opts o = {.lines = UINT_MAX};
    int rc = parse_opts(argc, argv, &o);
    if (rc) {
        return rc;
    }
    static struct warden_config cfg;
    config_defaults(&cfg);
    const struct svc_config *sc = NULL;
    if (o.config) {
        static struct errbuf errs[4];
        unsigned nerrs = 0;
        if (config_load(&cfg, o.config, errs, 4, &nerrs) < 0) {
            (void)fprintf(stderr, "warden: %s\n", nerrs ? errs[0].msg : "unable to read config");
            return CLI_USAGE;
        }
        sc = config_find(&cfg, o.service);
        if (!sc) {
            (void)fprintf(stderr, "warden: logs: no service \"%s\" in %s\n", o.service, o.config);
            return CLI_USAGE;
        }
    }
    if (!logfile_name_ok(o.service)) {
        (void)fprintf(stderr, "warden: logs: \"%s\" is not a service name\n", o.service);
        return CLI_USAGE;
    }
    char live[WARDEN_PATH_MAX];
    const char *socket = cli_socket(o.socket, o.config ? cfg.socket : NULL, cfg.socket);
    const char *state_dir = cli_state_dir(o.state_dir, o.config ? cfg.state_dir : NULL, NULL, NULL);
    if (!state_dir) { // the daemon's, asked only when nothing else says
        state_dir = cli_state_dir(NULL, NULL, daemon_state_dir(socket, live, sizeof(live)),
                                  cfg.state_dir);
    }
    if (!has_files(state_dir, o.service) && !o.follow) {
        if (sc && !sc->log_max_bytes) {
            (void)fprintf(stderr, "warden: logs: %s has log_max = off: its output is not kept\n",
                          o.service);
            return CLI_RUNTIME;
        }
        (void)fprintf(stderr, "warden: logs: no logs of \"%s\" in %s/" LOGFILE_DIR "\n", o.service,
                      state_dir);
        return sc ? CLI_RUNTIME : CLI_USAGE; // known but never ran / not a service here
    }
    // A closed pager gives EPIPE, not a kill. SIGINT and SIGTERM keep their default
    // action: a follower has nothing to save, and a handler could miss a signal that
    // arrives between two polls.
    (void)signal(SIGPIPE, SIG_IGN);
    rc = o.follow ? logfile_follow(state_dir, o.service, o.lines, STDOUT_FILENO)
                  : logfile_tail(state_dir, o.service, o.lines, STDOUT_FILENO);
    if (rc == 0 || rc == -EPIPE || rc == -EINTR) {
        return CLI_OK;
    }
    (void)fprintf(stderr, "warden: logs: %s/" LOGFILE_DIR "/%s.log: %s\n", state_dir, o.service,
                  strerror(-rc));
    return rc == -EINVAL ? CLI_USAGE : CLI_RUNTIME;
}
