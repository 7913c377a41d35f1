// SPDX-License-Identifier: MIT
// The supervising subcommands (run, daemon), config checking, version and help.
#include "cli.h"

#include <sys/sysinfo.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cgroup.h"
#include "config.h"
#include "journal.h"
#include "log.h"
#include "meminfo.h"
#include "supervisor.h"

static const char usage_text[] =
        "usage: warden COMMAND [OPTIONS]\n"
        "\n"
        "  run [OPTIONS] -- CMD [ARGS...]  supervise one command in the foreground\n"
        "  daemon [-c FILE]                 supervise the services of a config file\n"
        "  check -c FILE                    validate a config (errors name file:line)\n"
        "  status [SERVICE] [--json]        state, pid, uptime, memory, pids, restarts\n"
        "  start|stop|restart SERVICE       control a service of the daemon\n"
        "  reload                           read the config again; restart what changed\n"
        "                                   (also SIGHUP to the daemon)\n"
        "  events [SERVICE] [--since T] [--json]  the event journal; with the daemon down\n"
        "                                   it reads -c FILE's state_dir or --state-dir DIR\n"
        "  logs SERVICE [-f] [-n N]         captured output (STATE_DIR/logs, rotated)\n"
        "  report [SERVICE] [--json | --html FILE]  why it died and what to change\n"
        "  metrics                          the Prometheus text, once\n"
        "  version [--json]                 version and the cgroup mode detected here\n"
        "  help [COMMAND]\n"
        "\n"
        "Client commands find the daemon by --socket PATH, -c FILE ([warden] socket),\n"
        "$WARDEN_SOCKET, else /run/warden.sock.\n"
        "Exit codes: 0 ok, 1 runtime failure, 2 usage or config error; run exits with the\n"
        "service's status (128+signal when killed).\n";

static const char run_usage[] =
        "usage: warden run [OPTIONS] -- CMD [ARGS...]\n"
        "  --name NAME            service name (default: basename of CMD)\n"
        "  --memory-max SIZE      hard memory cap, at least 1M (e.g. 512M, 1G, 50%)\n"
        "  --memory-restart SIZE  graceful restart when usage crosses SIZE (< memory-max)\n"
        "  --memory-high SIZE     kernel throttle point (v2 memory.high; v1 soft limit)\n"
        "  --pids-warn N          journal a process-tree snapshot when N tasks are crossed\n"
        "  --pids-kill N          freeze, snapshot and kill the whole service at N tasks\n"
        "  --fork-rate N/s        the same when tasks grow by N within one second\n"
        "  --metrics ADDR:PORT    serve Prometheus /metrics (e.g. 127.0.0.1:9101)\n"
        "  --pids-max N           hard cap on processes and threads\n"
        "  --restart POLICY       always | on-failure (default) | never\n"
        "  --restart-max N        give up after N consecutive failures (0: never)\n"
        "  --backoff MIN..MAX     restart delay, doubling with jitter (default 1s..5m)\n"
        "  --stable-after DUR     uptime that resets the backoff (default 10m)\n"
        "  --drain DUR            SIGTERM, then SIGKILL of the cgroup after DUR (default 30s)\n"
        "  --user USER            run the service as USER\n"
        "  --listen ADDR          hold tcp:HOST:PORT or unix:PATH, pass it as LISTEN_FDS\n"
        "                         (repeatable; the socket stays open across restarts)\n"
        "  --ready KIND           none (default) | notify | tcp | http:/PATH: when a start\n"
        "                         counts as done (tcp and http probe a tcp --listen socket)\n"
        "  --start-timeout DUR    not ready by then: killed, a failed start (default 1m)\n"
        "  --watchdog DUR         kill an instance that sends no WATCHDOG=1 for DUR (off)\n"
        "  --log-max SIZExN|off   capture output to STATE_DIR/logs (default 16M x 4)\n"
        "  --log-rate N/s[,S/s]   lines (and bytes) per second kept (default 1000/s, 1M/s)\n"
        "  --runtime-heap MODE    auto: give Node, Go and the JVM a heap cap from\n"
        "                         --memory-restart (else --memory-max); off (default)\n"
        "  --state-dir DIR        journal directory root, an absolute path\n"
        "                         (default $WARDEN_STATE_DIR or /var/lib/warden)\n"
        "  --socket PATH          control socket, an absolute path\n"
        "                         (default $WARDEN_SOCKET or /run/warden.sock)\n"
        "  --debug                log debug messages too\n"
        "Each option but --name and --debug is the config key of the same name (- for _):\n"
        "its value is checked with the bounds and words `warden check` uses for that key.\n";

int cli_help(const char *topic)
{
    if (topic && strcmp(topic, "run") == 0) {
        (void)fputs(run_usage, stdout);
    } else {
        (void)fputs(usage_text, stdout);
    }
    return 0;
}

// The basis of "N%" sizes: the host's RAM, or warden's own cgroup limit when smaller (in
// a container the limit is the host that matters).
static uint64_t host_memory(void)
{
    // test-only: the host guard's fake /proc/meminfo (meminfo.h) is the host here too, so
    // a test's min_available is checked against the MemTotal the guard will see
    struct meminfo mi;
    if (getenv("WARDEN_TEST_MEMINFO") && meminfo_read(meminfo_path(), &mi) == 0 && mi.has_total &&
        mi.total_bytes) {
        return mi.total_bytes;
    }
    struct sysinfo si;
    uint64_t total = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
    struct cgroup_sys cgs; // 3.6 kB of start-up stack, reused: a static stayed resident
    if (cgroup_detect(&cgs, getenv("WARDEN_CGROUP")) == 0) {
        uint64_t limit = cgroup_self_memory_limit(&cgs);
        total = limit && (limit < total || !total) ? limit : total;
    }
    return total;
}

static void print_errors(const struct errbuf *errs, unsigned shown, unsigned total)
{
    for (unsigned i = 0; i < shown && i < total; i++) {
        if (errs[i].file) {
            (void)fprintf(stderr, "%s:%d: %s\n", errs[i].file, errs[i].line, errs[i].msg);
        } else {
            (void)fprintf(stderr, "warden: %s\n", errs[i].msg);
        }
    }
    if (total > shown) {
        (void)fprintf(stderr, "... and %u more errors\n", total - shown);
    }
}

#define ERRS_SHOWN 32u

// Load and validate; print every error. 0, or CLI_USAGE / CLI_RUNTIME.
static int load_config(struct warden_config *cfg, const char *path)
{
    static struct errbuf errs[ERRS_SHOWN];
    unsigned nerrs = 0;
    cfg->host_memory_bytes = host_memory();
    int rc = config_load(cfg, path, errs, ERRS_SHOWN, &nerrs);
    if (rc == -EINVAL || nerrs) {
        print_errors(errs, ERRS_SHOWN, nerrs);
        return CLI_USAGE;
    }
    if (rc < 0) {
        (void)fprintf(stderr, "warden: unable to read %s: %s\n", path, strerror(-rc));
        return CLI_USAGE;
    }
    return 0;
}

static int parse_config_opt(int argc, char **argv, const char **path)
{
    static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'}, {"debug", no_argument, NULL, 'd'}, {0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:d", opts, NULL)) != -1) {
        if (ch == 'c') {
            *path = optarg;
        } else if (ch == 'd') {
            log_init(true);
        } else {
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        (void)fprintf(stderr, "warden: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    return 0;
}

// Can addr of sc be bound now? Said on stderr (with who holds it) when not.
static bool listen_free(const char *path, const struct svc_config *sc, const char *addr)
{
    struct listen_addr a;
    int fd = listen_parse(addr, &a, NULL, 0);
    fd = fd < 0 ? fd : listen_open(&a);
    if (fd >= 0) {
        (void)close(fd);
        if (a.is_unix) {
            (void)unlink(((struct sockaddr_un *)&a.sa)->sun_path); // ours: a probe
        }
        return true;
    }
    char holder[256] = "";
    if (fd == -EADDRINUSE) {
        listen_holder(&a, holder, sizeof(holder));
    }
    (void)fprintf(stderr, "%s:%d: [service %s] listen: %s: %s%s%s\n", path, sc->line, sc->name,
                  addr, strerror(-fd), holder[0] ? "; held by " : "", holder);
    return false;
}

int cli_check(int argc, char **argv)
{
    const char *path = NULL;
    int rc = parse_config_opt(argc, argv, &path);
    if (rc) {
        return rc;
    }
    if (!path) {
        (void)fprintf(stderr, "warden: check needs -c FILE\n");
        return CLI_USAGE;
    }
    static struct warden_config cfg;
    rc = load_config(&cfg, path);
    if (rc) {
        return rc;
    }
    // Listen addresses another program holds: said now, with who, rather than at start.
    // (A running warden with this config holds its own: that is reported too.)
    unsigned taken = 0;
    for (unsigned i = 0; i < cfg.service_count; i++) {
        const struct svc_config *sc = &cfg.services[i];
        for (unsigned k = 0; k < sc->listen_count; k++) {
            taken += !listen_free(path, sc, sc->listen[k]);
        }
    }
    if (taken) {
        return CLI_RUNTIME;
    }
    (void)printf("%s: ok (%u service%s)\n", path, cfg.service_count,
                 cfg.service_count == 1 ? "" : "s");
    return CLI_OK;
}

static int supervise(struct warden_config *cfg, bool run_mode)
{
    static struct supervisor sup; // large (fixed tables): static, never on the stack
    char msg[512] = "";
    if (sup_init(&sup, cfg, run_mode, msg, sizeof(msg)) < 0) {
        (void)fprintf(stderr, "warden: %s\n", msg);
        return CLI_RUNTIME;
    }
    return sup_run(&sup);
}

int cli_daemon(int argc, char **argv)
{
    const char *path = "/etc/warden.conf";
    int rc = parse_config_opt(argc, argv, &path);
    if (rc) {
        return rc;
    }
    static struct warden_config cfg;
    rc = load_config(&cfg, path);
    if (rc) {
        return rc;
    }
    if (cfg.service_count == 0) {
        (void)fprintf(stderr, "%s: no [service NAME] section: nothing to supervise\n", path);
        return CLI_USAGE;
    }
    return supervise(&cfg, false);
}

// The command after `--`, into the config's arena.
static int set_argv(struct warden_config *cfg, struct svc_config *sc, int argc, char **argv)
{
    if (config_set_argv(&cfg->arena, sc, argc, argv) < 0) {
        (void)fprintf(stderr, "warden: the command has more than %u words or %u bytes\n",
                      COMMAND_ARGV_MAX, COMMAND_BYTES_MAX);
        return CLI_USAGE;
    }
    return 0;
}

/* `warden run` options that are config keys: each value goes through config_set_key, the
 * path a config file's "key = value" takes, so its parser, bounds and error text are the ones
 * `warden check` applies to the key, and config_check_service then refuses the same
 * contradictions. The option is the key with '-' for '_'. */
static const struct run_key {
    const char *opt;
    const char *key;
} run_keys[] = {
        {"memory-max", "memory_max"},
        {"pids-max", "pids_max"},
        {"memory-restart", "memory_restart"},
        {"memory-high", "memory_high"},
        {"pids-warn", "pids_warn"},
        {"pids-kill", "pids_kill"},
        {"fork-rate", "fork_rate"},
        {"restart", "restart"},
        {"restart-max", "restart_max"},
        {"backoff", "backoff"},
        {"stable-after", "stable_after"},
        {"drain", "drain"},
        {"user", "user"},
        {"log-max", "log_max"},
        {"log-rate", "log_rate"},
        {"listen", "listen"},
        {"ready", "ready"},
        {"start-timeout", "start_timeout"},
        {"watchdog", "watchdog"},
        {"runtime-heap", "runtime_heap"},
        // [warden] keys
        {"metrics", "metrics"},
        {"state-dir", "state_dir"},
        {"socket", "socket"},
};

#define RUN_KEYS_COUNT (sizeof(run_keys) / sizeof(run_keys[0]))
#define RUN_KEY_VAL    0x100 // getopt_long's val for run_keys[i] is RUN_KEY_VAL + i
#define RUN_OPTS_OTHER 2u    // --name and --debug: not config keys

// What `warden run` was given, for messages: the last value of each run_keys[] option.
struct run_given {
    const char *value[RUN_KEYS_COUNT];
};

// getopt_long's table: the options that are not keys, then run_keys[], then the end mark.
static void run_opts_fill(struct option *opts)
{
    opts[0] = (struct option){"name", required_argument, NULL, 'n'};
    opts[1] = (struct option){"debug", no_argument, NULL, 'D'};
    for (size_t i = 0; i < RUN_KEYS_COUNT; i++) {
        opts[RUN_OPTS_OTHER + i] =
                (struct option){run_keys[i].opt, required_argument, NULL, RUN_KEY_VAL + (int)i};
    }
    opts[RUN_OPTS_OTHER + RUN_KEYS_COUNT] = (struct option){0};
}

static int bad_opt(const char *opt, const char *arg, const char *why)
{
    (void)fprintf(stderr, "warden run: --%s %s: %s\n", opt, arg, why);
    return CLI_USAGE;
}

// One `warden run` option into cfg/sc. 0 or CLI_USAGE.
static int run_option(int ch, const char *arg, struct warden_config *cfg, struct svc_config *sc,
                      struct run_given *given)
{
    struct errbuf eb = {0};
    if (ch >= RUN_KEY_VAL && ch < RUN_KEY_VAL + (int)RUN_KEYS_COUNT) {
        size_t i = (size_t)(ch - RUN_KEY_VAL);
        int rc = config_set_key(cfg, sc, run_keys[i].key, arg, &eb);
        if (rc == -ENOENT) {
            BUG("a warden run option names no config key"); // run_keys[] out of step
        }
        given->value[i] = arg;
        return rc ? bad_opt(run_keys[i].opt, arg, eb.msg) : 0;
    }
    switch (ch) {
    case 'n':
        if (config_check_name(arg, &eb) != 0) {
            return bad_opt("name", arg, eb.msg);
        }
        (void)snprintf(sc->name, sizeof(sc->name), "%s", arg);
        return 0;
    case 'D':
        log_init(true);
        return 0;
    default:
        (void)fputs(run_usage, stderr);
        return CLI_USAGE;
    }
}

// run_keys[] index of key, or RUN_KEYS_COUNT.
static size_t run_key_index(const char *key)
{
    size_t i = 0;
    while (i < RUN_KEYS_COUNT && strcmp(run_keys[i].key, key) != 0) {
        i++;
    }
    return i;
}

// config_check_service's view of `warden run`: a key is named by its option and value.
static void run_where(void *ctx, const char *key, char *buf, size_t size)
{
    const struct run_given *given = ctx;
    size_t i = run_key_index(key);
    if (i < RUN_KEYS_COUNT && given->value[i]) {
        (void)snprintf(buf, size, "--%s %s", run_keys[i].opt, given->value[i]);
    }
}

static void run_report(void *ctx, const char *key, const char *reason)
{
    const struct run_given *given = ctx;
    size_t i = run_key_index(key);
    if (i < RUN_KEYS_COUNT && given->value[i]) {
        (void)bad_opt(run_keys[i].opt, given->value[i], reason);
    } else {
        (void)fprintf(stderr, "warden run: %s: %s\n", key, reason);
    }
}

// The defaults, then $WARDEN_STATE_DIR and $WARDEN_SOCKET (taken as they are, like the
// client commands take $WARDEN_SOCKET), before the options.
static void run_defaults(struct warden_config *cfg, struct svc_config *sc)
{
    config_defaults(cfg);
    cfg->host_memory_bytes = host_memory();
    const char *env = getenv("WARDEN_STATE_DIR");
    if (env && *env) {
        (void)snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", env);
    }
    env = getenv("WARDEN_SOCKET");
    if (env && *env) {
        (void)snprintf(cfg->socket, sizeof(cfg->socket), "%s", env);
    }
    config_service_defaults(sc);
}

// The command after the options, and the name from it unless --name gave one. 0 or CLI_USAGE.
static int run_command(struct warden_config *cfg, struct svc_config *sc, int argc, char **argv)
{
    if (argc < 1) {
        (void)fprintf(stderr, "warden: run needs a command: warden run [OPTIONS] -- CMD\n");
        return CLI_USAGE;
    }
    int rc = set_argv(cfg, sc, argc, argv);
    if (rc == 0 && !sc->name[0]) {
        char base[SERVICE_NAME_MAX + 1];
        (void)snprintf(base, sizeof(base), "%s", argv[0]);
        struct errbuf eb;
        const char *b = basename(base);
        (void)snprintf(sc->name, sizeof(sc->name), "%s",
                       config_check_name(b, &eb) == 0 ? b : "service");
    }
    return rc;
}

int cli_run(int argc, char **argv)
{
    static struct option opts[RUN_OPTS_OTHER + RUN_KEYS_COUNT + 1];
    static struct warden_config cfg;
    struct svc_config *sc = &cfg.services[0];
    struct run_given given = {{0}};
    run_opts_fill(opts);
    run_defaults(&cfg, sc);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        int rc = run_option(ch, optarg, &cfg, sc, &given);
        if (rc) {
            return rc;
        }
    }
    // every contradiction is printed, as `warden check` prints each one in a file
    const struct config_origin origin = {run_where, run_report, &given};
    if (config_check_service(sc, &origin) != 0) {
        return CLI_USAGE;
    }
    int rc = run_command(&cfg, sc, argc - optind, argv + optind);
    if (rc) {
        return rc;
    }
    cfg.service_count = 1;
    return supervise(&cfg, true);
}

int cli_version(int argc, char **argv)
{
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    static struct cgroup_sys cgs;
    (void)cgroup_detect(&cgs, getenv("WARDEN_CGROUP"));
    if (json) {
        (void)printf("{\"version\": \"%s\", \"cgroup\": \"%s\"}\n", WARDEN_VERSION,
                     cgroup_kind_name(cgs.kind));
    } else {
        (void)printf("warden %s (cgroup: %s)\n", WARDEN_VERSION, cgroup_kind_name(cgs.kind));
    }
    return CLI_OK;
}

int cli_journal_fill(int argc, char **argv)
{
    if (argc < 3) {
        (void)fprintf(stderr, "usage: warden _journal-fill DIR COUNT\n");
        return CLI_USAGE;
    }
    struct journal j;
    struct journal_opts o = {.dir = argv[1]};
    int rc = journal_open(&j, &o);
    if (rc < 0) {
        (void)fprintf(stderr, "warden: unable to open the journal in %s: %s\n", argv[1],
                      strerror(-rc));
        return CLI_RUNTIME;
    }
    unsigned long count = strtoul(argv[2], NULL, 10);
    uint64_t first = j.next_seq;
    for (unsigned long i = 0; i < count; i++) {
        json_t *ev =
                json_pack("{s:s, s:s, s:I, s:s}", "service", "fill", "type", "test", "n",
                          (json_int_t)i, "pad", "0123456789abcdef0123456789abcdef0123456789abcdef");
        rc = journal_append(&j, ev, i % 1000 == 999);
        json_decref(ev);
        if (rc < 0) {
            (void)fprintf(stderr, "warden: append %lu failed: %s\n", i, strerror(-rc));
            journal_close(&j);
            return CLI_RUNTIME;
        }
    }
    (void)printf("appended %lu events, seq %llu..%llu, repaired %llu bytes\n", count,
                 (unsigned long long)first, (unsigned long long)(j.next_seq - 1),
                 (unsigned long long)j.repaired_bytes);
    journal_close(&j);
    return CLI_OK;
}
