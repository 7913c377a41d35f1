// SPDX-License-Identifier: MIT
// Tests of config.c on real temp files (mkstemp under /tmp): a full valid config, every bad
// key and value with its line and message, section and name rules, limits, and sh-style
// command splitting.
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define GIB      (1ull << 30)
#define ERRS_MAX 16u

static struct warden_config cfg; // ~220 KiB: static, not on the stack
static struct errbuf errs[ERRS_MAX];
static unsigned nerrs;
static char path[64];

// Write text to a new temp file; its name goes to path.
static void write_tmp(const char *text, size_t len)
{
    (void)snprintf(path, sizeof(path), "/tmp/warden-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

// Load text as a config file with host memory host_bytes; the file is removed after.
static int load_n(const char *text, size_t len, uint64_t host_bytes)
{
    write_tmp(text, len);
    memset(errs, 0, sizeof(errs));
    nerrs = 12345;
    cfg.host_memory_bytes = host_bytes;
    int rc = config_load(&cfg, path, errs, ERRS_MAX, &nerrs);
    assert_int_equal(unlink(path), 0);
    return rc;
}

static int load(const char *text)
{
    return load_n(text, strlen(text), 8 * GIB);
}

// The only error is on line `line` and its message holds every given substring.
static void expect_one_error(int line, const char *sub1, const char *sub2)
{
    if (nerrs != 1) {
        fail_msg("%u errors, want 1; first: %d: %s", nerrs, errs[0].line, errs[0].msg);
    }
    assert_string_equal(errs[0].file, path);
    if (errs[0].line != line) {
        fail_msg("error on line %d, want %d: %s", errs[0].line, line, errs[0].msg);
    }
    if (!strstr(errs[0].msg, sub1) || (sub2 && !strstr(errs[0].msg, sub2))) {
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", errs[0].msg, sub1, sub2 ? sub2 : "");
    }
}

static const char full_text[] = "\xEF\xBB\xBF; warden config\n"
                                "[warden]\n"
                                "state_dir = /srv/warden   ; journal and history\n"
                                "socket    = /run/w.sock\n"
                                "\n"
                                "# services\n"
                                "[service api]\n"
                                "command      = /usr/bin/api --port 8080 'a b' \"c \\\"d\\\"\"\n"
                                "user         = root\n"
                                "memory_max   = 2G\n"
                                "pids_max     = 512\n"
                                "restart      = always\n"
                                "backoff      = 500ms..1m\n"
                                "stable_after = 1m30s\n"
                                "drain        = 10s\n"
                                "shell        = no\n"
                                "restart_max  = 3\n"
                                "fork_rate    = 250/s\n"
                                "log_max      = 1G x 16\n"
                                "log_rate     = 50/s, 64K/s\n"
                                "listen       = tcp:127.0.0.1:8080\n"
                                "listen       = tcp:[::1]:8080\n"
                                "listen       = unix:/run/api.sock\n"
                                "ready        = http:/healthz\n"
                                "watchdog     = 30s\n"
                                "[ service  web-1 ]\r\n"
                                "log_max = off\r\n"
                                "command = echo $HOME | wc -l\r\n"
                                "shell = yes\r\n"
                                "memory_max = 50%\r\n"
                                "restart = never\n"
                                "[service batch]\n"
                                "command=/bin/true\n"
                                "restart = on-failure\n";

// Every field of a full config: [warden] and the first service.
static void test_valid_full(void **state)
{
    (void)state;
    assert_int_equal(load(full_text), 0);
    assert_int_equal(nerrs, 0);
    assert_string_equal(cfg.file, path);
    assert_string_equal(cfg.state_dir, "/srv/warden");
    assert_string_equal(cfg.socket, "/run/w.sock");
    assert_int_equal(cfg.host_memory_bytes, 8 * GIB);
    assert_int_equal(cfg.service_count, 3);

    const struct svc_config *api = &cfg.services[0];
    assert_string_equal(api->name, "api");
    assert_int_equal(api->line, 7);
    assert_string_equal(api->command, "/usr/bin/api --port 8080 'a b' \"c \\\"d\\\"\"");
    assert_int_equal(api->argc, 5);
    assert_string_equal(api->argv[0], "/usr/bin/api");
    assert_string_equal(api->argv[1], "--port");
    assert_string_equal(api->argv[2], "8080");
    assert_string_equal(api->argv[3], "a b");
    assert_string_equal(api->argv[4], "c \"d\"");
    assert_null(api->argv[5]);
    assert_true(api->has_user);
    assert_string_equal(api->user, "root");
    assert_int_equal(api->uid, 0);
    assert_int_equal(api->gid, 0);
    assert_int_equal(api->memory_max_bytes, 2 * GIB);
    assert_int_equal(api->pids_max, 512);
    assert_int_equal(api->restart, RESTART_ALWAYS);
    assert_int_equal(api->backoff_min_ms, 500);
    assert_int_equal(api->backoff_max_ms, 60000);
    assert_int_equal(api->stable_after_ms, 90000);
    assert_int_equal(api->drain_ms, 10000);
    assert_false(api->shell);
    assert_int_equal(api->restart_max, 3);
    assert_int_equal(api->fork_rate, 250);
    assert_int_equal(api->log_max_bytes, GIB);
    assert_int_equal(api->log_max_count, 16);
    assert_int_equal(api->log_rate_lines, 50);
    assert_int_equal(api->log_rate_bytes, 64 * 1024);
    assert_int_equal(api->listen_count, 3); // listen is repeatable
    assert_string_equal(api->listen[0], "tcp:127.0.0.1:8080");
    assert_string_equal(api->listen[2], "unix:/run/api.sock");
    assert_int_equal(api->ready, READY_HTTP);
    assert_string_equal(api->ready_path, "/healthz");
    assert_int_equal(api->watchdog_ms, 30000);
    assert_int_equal(api->start_timeout_ms, 60000); // the default
    const struct svc_config *web = &cfg.services[1];
    assert_int_equal(web->log_max_bytes, 0); // off: not captured
    const struct svc_config *batch = &cfg.services[2];
    assert_int_equal(batch->log_max_bytes, 16 * 1024 * 1024); // the defaults: 16M x 4
    assert_int_equal(batch->log_max_count, 4);
    assert_int_equal(batch->log_rate_lines, 1000);
    assert_int_equal(batch->log_rate_bytes, 1024 * 1024);
}

// The same config: sh -c, percent of host memory, CRLF lines and defaults.
static void test_valid_full_more(void **state)
{
    (void)state;
    assert_int_equal(load(full_text), 0);
    assert_int_equal(nerrs, 0);
    const struct svc_config *web = &cfg.services[1];
    assert_string_equal(web->name, "web-1");
    assert_int_equal(web->line, 26);
    assert_true(web->shell);
    assert_int_equal(web->argc, 3);
    assert_string_equal(web->argv[0], "/bin/sh");
    assert_string_equal(web->argv[1], "-c");
    assert_string_equal(web->argv[2], "echo $HOME | wc -l");
    assert_null(web->argv[3]);
    assert_int_equal(web->memory_max_bytes, 4 * GIB);
    assert_int_equal(web->restart, RESTART_NEVER);
    assert_false(web->has_user);

    // Defaults where a key is absent.
    const struct svc_config *batch = &cfg.services[2];
    assert_string_equal(batch->name, "batch");
    assert_int_equal(batch->argc, 1);
    assert_string_equal(batch->argv[0], "/bin/true");
    assert_int_equal(batch->restart, RESTART_ON_FAILURE);
    assert_int_equal(batch->backoff_min_ms, 1000);
    assert_int_equal(batch->backoff_max_ms, 300000);
    assert_int_equal(batch->stable_after_ms, 600000);
    assert_int_equal(batch->drain_ms, 30000);
    assert_int_equal(batch->memory_max_bytes, 0);
    assert_int_equal(batch->pids_max, 0);
    assert_int_equal(batch->restart_max, 0);

    assert_ptr_equal(config_find(&cfg, "web-1"), web);
    assert_null(config_find(&cfg, "web"));
    assert_null(config_find(&cfg, NULL));
}

static void test_defaults_and_empty(void **state)
{
    (void)state;
    assert_int_equal(load(""), 0);
    assert_int_equal(nerrs, 0);
    assert_int_equal(cfg.service_count, 0);
    assert_string_equal(cfg.state_dir, "/var/lib/warden");
    assert_string_equal(cfg.socket, "/run/warden.sock");
    assert_int_equal(load("; only a comment\n\n[warden]\n"), 0);
    assert_int_equal(cfg.service_count, 0);
    // A last line without a newline still counts.
    assert_int_equal(load("[service a]\ncommand = /bin/true"), 0);
    assert_int_equal(cfg.service_count, 1);
    assert_string_equal(cfg.services[0].argv[0], "/bin/true");
}

struct bad_case {
    const char *key;
    const char *value;
    const char *sub1; // substrings the message must hold
    const char *sub2;
};

static const struct bad_case bad_service_cases[] = {
        {"memory_max", "12Q", "invalid size \"12Q\"", "or a percentage (e.g. 50%)"},
        {"memory_max", "-1M", "invalid size \"-1M\"", "K, M, G or T"},
        {"memory_max", "512", "(below 1M)", "at least 1M"},
        {"memory_max", "99999999999999999999G", "(too large)", "K, M, G or T"},
        {"memory_max", "200%", "(more than 100%)", NULL},
        {"memory_max", "", "invalid size \"\"", NULL},
        {"pids_max", "0", "invalid number \"0\" (out of range)", "from 1 to 4194304"},
        {"pids_max", "4194305", "(out of range)", "from 1 to 4194304"},
        {"pids_max", "many", "invalid number \"many\"", "from 1 to 4194304"},
        {"restart", "sometimes", "invalid policy \"sometimes\"", "always, on-failure or never"},
        {"restart", "Always", "invalid policy \"Always\"", NULL},
        {"backoff", "5m..1s", "(MIN is above MAX)", "MIN..MAX"},
        {"backoff", "5ms..1s", "(below 10ms)", "MIN..MAX with MIN at least 10ms"},
        {"backoff", "1s", "no \"..\"", NULL},
        {"backoff", "1..", "(MIN is not a duration)", NULL},
        {"stable_after", "10", "invalid duration \"10\" (no unit)", "ms, s, m or h"},
        {"stable_after", "1e3s", "invalid duration \"1e3s\"", NULL},
        {"drain", "2h", "invalid duration \"2h\" (above 1h)", "0ms to 1h"},
        {"drain", "1h1ms", "(above 1h)", NULL},
        {"shell", "maybe", "invalid boolean \"maybe\"", "yes/no, true/false, on/off or 1/0"},
        {"restart_max", "1000001", "(out of range)", "from 0 to 1000000"},
        {"restart_max", "-1", "invalid number \"-1\"", NULL},
        {"user", "nosuchuser-warden-test", "invalid user \"nosuchuser-warden-test\" (unknown user)",
         "exists on this host"},
        {"user", "abcdefghijklmnopqrstuvwxyz0123456", "(too long)", NULL},
        {"bogus", "1", "unknown key \"bogus\"",
         "expected one of command, user, memory_max, pids_max, restart, backoff, "
         "stable_after, drain, shell, restart_max"},
        {"Command", "/bin/true", "unknown key \"Command\"", NULL},
        {"fork_rate", "200", "invalid rate \"200\" (not N/s)", "e.g. 200/s"},
        {"fork_rate", "0/s", "(out of range)", "N from 1 to 4194304"},
        {"log_max", "16M", "invalid log_max \"16M\" (no \"x COUNT\")", "or off"},
        {"log_max", "16M x 1", "(count out of range)", "COUNT 2..16"},
        {"log_max", "2G x 4", "(size out of range)", "SIZE 64K..1G"},
        {"log_max", "no", "invalid log_max \"no\"", "e.g. \"16M x 4\""},
        {"log_rate", "1000", "invalid log rate \"1000\"", "LINES/s[, SIZE/s]"},
        {"log_rate", "0/s", "invalid log rate \"0/s\"", "LINES from 1 to 1000000"},
        {"log_rate", "10/s, 2G/s", "invalid log rate", "SIZE from 1K to 1G"},
        {"log_rate", "10/s, 1M", "invalid log rate", "e.g. 1000/s or 1000/s, 1M/s"},
        {"listen", "8080", "invalid listen address \"8080\" (no tcp: or unix: prefix)",
         "tcp:HOST:PORT"},
        {"listen", "tcp:127.0.0.1:0", "(port not 1..65535)", "tcp:[::1]:8080"},
        {"listen", "tcp:127.0.0.1", "(no :PORT)", NULL},
        {"listen", "tcp:1.2.3:80", "(not an IPv4 address", NULL},
        {"listen", "tcp:[::g]:80", "(not an IPv6 address)", NULL},
        {"listen", "unix:run/x.sock", "(not an absolute path)", "unix:/ABSOLUTE/PATH"},
        {"ready", "sometimes", "invalid readiness \"sometimes\"",
         "none, notify, tcp or http:/PATH"},
        {"ready", "http:healthz", "invalid readiness", "(e.g. http:/healthz)"},
        {"start_timeout", "50ms", "(below 100ms)", NULL},
        {"watchdog", "2d", "invalid duration", NULL},
};

// Each bad [service] key or value: one error, on its line, naming section, key and value.
static void test_bad_service_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_service_cases) / sizeof(bad_service_cases[0]); i++) {
        const struct bad_case *c = &bad_service_cases[i];
        char text[512];
        char prefix[64];
        bool pids = strcmp(c->key, "pids_max") == 0;
        (void)snprintf(text, sizeof(text),
                       "[warden]\n[service api]\ncommand = /bin/true\n%s = %s\n%s\n", c->key,
                       c->value, pids ? "restart_max = 7" : "pids_max = 7");
        assert_int_equal(load(text), -EINVAL);
        (void)snprintf(prefix, sizeof(prefix), "[service api] %s", c->key);
        expect_one_error(4, "[service api] ", c->sub1);
        if (!strstr(errs[0].msg, prefix) && !strstr(errs[0].msg, "unknown key")) {
            fail_msg("%s = %s: \"%s\" does not name the key", c->key, c->value, errs[0].msg);
        }
        if (c->sub2 && !strstr(errs[0].msg, c->sub2)) {
            fail_msg("%s = %s: \"%s\" lacks \"%s\"", c->key, c->value, errs[0].msg, c->sub2);
        }
        assert_int_equal(pids ? cfg.services[0].restart_max : cfg.services[0].pids_max, 7);
    }
}

static void test_bad_warden_values(void **state)
{
    (void)state;
    assert_int_equal(load("[warden]\nstate_dir = var/lib\n"), -EINVAL);
    expect_one_error(2, "[warden] state_dir: invalid path \"var/lib\" (not absolute)",
                     "an absolute path of at most 1023 bytes");
    assert_string_equal(cfg.state_dir, "/var/lib/warden"); // the default stays
    assert_int_equal(load("[warden]\nsocket =\n"), -EINVAL);
    expect_one_error(2, "[warden] socket: invalid path \"\" (not absolute)", NULL);
    char text[256];
    char long_path[121];
    memset(long_path, 'x', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    (void)snprintf(text, sizeof(text), "[warden]\n\nsocket = %s\n", long_path);
    assert_int_equal(load(text), -EINVAL);
    expect_one_error(3, "[warden] socket: invalid path",
                     "(too long): expected an absolute path "
                     "of at most 107 bytes");
    assert_int_equal(load("[warden]\nmetrics = 127.0.0.1:9464\n"), 0);
    assert_string_equal(cfg.metrics, "127.0.0.1:9464");
    assert_int_equal(load("[warden]\nmetrics = localhost:9464\n"), -EINVAL);
    expect_one_error(2, "[warden] metrics: invalid metrics address \"localhost:9464\"",
                     "expected IPV4:PORT");
    assert_int_equal(load("[warden]\nmetric = 1\n"), -EINVAL);
    expect_one_error(2,
                     "[warden] unknown key \"metric\": expected one of state_dir, socket, "
                     "metrics",
                     NULL);
    assert_int_equal(load("[warden]\nsocket = /a\nsocket = /b\n"), -EINVAL);
    expect_one_error(3, "[warden] socket: set twice (first on line 2)", NULL);
    assert_int_equal(load("[warden]\nsocket = /a\n[warden]\nsocket = /b\n"), -EINVAL);
    expect_one_error(3, "[warden] repeated: first on line 1", NULL);
}

static void test_percent_needs_host(void **state)
{
    (void)state;
    const char *text = "[service a]\ncommand = /bin/true\nmemory_max = 50%\n";
    assert_int_equal(load_n(text, strlen(text), 0), -EINVAL);
    expect_one_error(3, "percentages are not accepted here", NULL);
    assert_null(strstr(errs[0].msg, "or a percentage"));
}

static void test_missing_command(void **state)
{
    (void)state;
    assert_int_equal(load("[warden]\n\n[service api]\nuser = root\n[service b]\ncommand = x\n"),
                     -EINVAL);
    expect_one_error(3, "[service api]: missing required key \"command\"", NULL);
    assert_int_equal(load("[service api]\ncommand =\n"), -EINVAL);
    expect_one_error(2, "[service api] command: invalid command \"\" (empty)", NULL);
    assert_int_equal(load("[service api]\ncommand = \" \"\n"), 0); // one word: a space
    assert_string_equal(cfg.services[0].argv[0], " ");
}

static void test_sections(void **state)
{
    (void)state;
    assert_int_equal(load("[hosts]\nmin_available = 10%\n[service a]\ncommand = x\n"), -EINVAL);
    expect_one_error(1, "unknown section \"hosts\": expected [warden], [host] or [service NAME]",
                     NULL);
    assert_int_equal(cfg.service_count, 1);
    // [host]: the host guard's thresholds
    assert_int_equal(load("[host]\nmin_available = 512M\nmax_pressure = 40% over 10s\n"), 0);
    assert_int_equal(cfg.host_min_available_bytes, 512u << 20);
    assert_int_equal(cfg.host_max_pressure_pct, 40);
    assert_int_equal(cfg.host_pressure_window_ms, 10000);
    assert_int_equal(load("[host]\nmax_pressure = 40% over 1m\n"), -EINVAL);
    expect_one_error(2, "[host] max_pressure: invalid pressure \"40% over 1m\"", NULL);
    assert_int_equal(load("[host]\nmax_pressure = 0% over 1s\n"), -EINVAL);
    expect_one_error(2, "invalid pressure", NULL);
    assert_int_equal(load("[host]\n[host]\n"), -EINVAL);
    expect_one_error(2, "[host] repeated: first on line 1", NULL);
    assert_int_equal(load("[service]\ncommand = x\n"), -EINVAL);
    expect_one_error(1, "invalid service name \"\" (empty)", NULL);
    assert_int_equal(load("[services a]\n"), -EINVAL);
    expect_one_error(1, "unknown section \"services a\"", NULL);
    assert_int_equal(load("[service a\ncommand = x\n"), -EINVAL);
    expect_one_error(1, "has no closing ']'", NULL);
    assert_int_equal(load("[service a] x\ncommand = x\n"), -EINVAL);
    expect_one_error(1, "unexpected text \"x\" after ']'", NULL);
    assert_int_equal(load("[service a] ; comment\ncommand = x\n"), 0);
    assert_int_equal(load("command = x\n[service a]\ncommand = x\n"), -EINVAL);
    expect_one_error(1, "key \"command\" outside any section", NULL);
}

static void test_duplicates(void **state)
{
    (void)state;
    assert_int_equal(load("[service api]\ncommand = a\n\n[service api]\ncommand = b\nbogus = 1\n"),
                     -EINVAL);
    expect_one_error(4, "duplicate service \"api\": first defined on line 1", NULL);
    assert_int_equal(cfg.service_count, 1);
    assert_string_equal(cfg.services[0].command, "a");
    assert_int_equal(load("[service api]\ncommand = a\nmemory_max = 1G\nmemory_max = 2G\n"),
                     -EINVAL);
    expect_one_error(4, "[service api] memory_max: set twice (first on line 3)", NULL);
    assert_int_equal(cfg.services[0].memory_max_bytes, GIB);
}

static const char *const bad_names[] = {"../x", ".hidden", "a/b",          "-x",    "a..b",
                                        "a b",  "a:b",     "na\xc3\xafve", "x\x01", "..",
                                        ".",    "a\\b",    "$x",           "a*"};

static void test_names(void **state)
{
    (void)state;
    static const char *const good[] = {"api", "web-1", "a.b", "A_B", "a-", "a.", "0"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(config_check_name(good[i], NULL), 0);
    }
    struct errbuf eb;
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        if (config_check_name(bad_names[i], &eb) != -EINVAL) {
            fail_msg("name \"%s\" accepted", bad_names[i]);
        }
        assert_non_null(strstr(eb.msg, "invalid service name \""));
        assert_non_null(strstr(eb.msg, "expected 1 to 47 of A-Z a-z 0-9 _ . -"));
    }
    char name[101];
    memset(name, 'n', sizeof(name) - 1);
    name[47] = '\0';
    assert_int_equal(config_check_name(name, NULL), 0); // 47 bytes: the most that fits
    name[47] = 'n';
    name[48] = '\0';
    assert_int_equal(config_check_name(name, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(too long)"));
    assert_int_equal(config_check_name(NULL, &eb), -EINVAL);
    assert_int_equal(config_check_name("", &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(empty)"));
}

// Bad names in a file: refused on their line, no service made, their keys not reported.
static void test_names_in_file(void **state)
{
    (void)state;
    char text[256];
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        (void)snprintf(text, sizeof(text), "[warden]\n[service %s]\ncommand = x\nbogus = 1\n",
                       bad_names[i]);
        assert_int_equal(load(text), -EINVAL);
        expect_one_error(2, "[service NAME]: invalid service name", NULL);
        assert_int_equal(cfg.service_count, 0);
    }
    // inih cuts section names at 49 bytes; a 100-byte name must not pass as its first 41.
    char name[101];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    (void)snprintf(text, sizeof(text), "[service %s]\ncommand = x\n", name);
    assert_int_equal(load(text), -EINVAL);
    expect_one_error(1, "(too long)", NULL);
    assert_int_equal(cfg.service_count, 0);
}

static void test_user(void **state)
{
    (void)state;
    struct passwd *pw = getpwnam("nobody");
    if (pw) {
        assert_int_equal(load("[service a]\ncommand = x\nuser = nobody\n"), 0);
        assert_int_equal(cfg.services[0].uid, pw->pw_uid);
        assert_int_equal(cfg.services[0].gid, pw->pw_gid);
    }
    assert_int_equal(load("[service a]\ncommand = x\nuser = no-such-user-here\n"), -EINVAL);
    expect_one_error(3, "[service a] user: invalid user \"no-such-user-here\" (unknown user)",
                     NULL);
    assert_false(cfg.services[0].has_user);
}

static void test_too_many_services(void **state)
{
    (void)state;
    static char text[16384];
    size_t used = 0;
    for (unsigned i = 0; i < SERVICES_MAX + 2; i++) {
        int n = snprintf(text + used, sizeof(text) - used, "[service s%u]\ncommand = /bin/true\n",
                         i);
        assert_true(n > 0 && (size_t)n < sizeof(text) - used);
        used += (size_t)n;
    }
    assert_int_equal(load(text), -EINVAL);
    assert_int_equal(nerrs, 2);
    assert_int_equal(errs[0].line, 2 * SERVICES_MAX + 1);
    assert_non_null(
            strstr(errs[0].msg, "too many services: \"s64\" would be number 65, at most 64"));
    assert_int_equal(errs[1].line, 2 * SERVICES_MAX + 3);
    assert_int_equal(cfg.service_count, SERVICES_MAX);
    assert_string_equal(cfg.services[SERVICES_MAX - 1].name, "s63");
}

// Lines inih would cut or split: refused on their own line, later line numbers still right.
static void test_line_limits(void **state)
{
    (void)state;
    static char text[8192];
    char value[3000];
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    (void)snprintf(text, sizeof(text), "[service a]\ncommand = /bin/echo %s\nbogus = 1\n", value);
    assert_int_equal(load(text), -EINVAL);
    assert_int_equal(nerrs, 3);
    assert_int_equal(errs[0].line, 2);
    assert_string_equal(errs[0].msg, "line is longer than 2047 bytes");
    assert_int_equal(errs[1].line, 3);
    assert_non_null(strstr(errs[1].msg, "unknown key \"bogus\""));
    assert_int_equal(errs[2].line, 1);
    assert_non_null(strstr(errs[2].msg, "missing required key \"command\""));
    // 2047 bytes fit; the value is then too long for a command (1023 bytes).
    (void)snprintf(text, sizeof(text), "[service a]\ncommand = %.*s\n", 2047 - 10, value);
    assert_int_equal(load(text), -EINVAL);
    expect_one_error(2, "[service a] command: invalid command", "(too long)");
    // A NUL byte.
    static const char nul_text[] = "[service a]\ncommand = /bin/t\0rue\n";
    assert_int_equal(load_n(nul_text, sizeof(nul_text) - 1, GIB), -EINVAL);
    assert_int_equal(nerrs, 2);
    assert_int_equal(errs[0].line, 2);
    assert_string_equal(errs[0].msg, "line holds a NUL byte: expected text");
    // A line that is no "key = value", and an indented one (no multi-line values).
    assert_int_equal(load("[service a]\ncommand = /bin/true\njust junk\n  --flag\n"), -EINVAL);
    assert_int_equal(nerrs, 2);
    assert_int_equal(errs[0].line, 3);
    assert_string_equal(errs[0].msg, "unexpected line \"just junk\": expected \"key = value\", "
                                     "a [section] header or a comment");
    assert_int_equal(errs[1].line, 4);
    assert_non_null(strstr(errs[1].msg, "\"--flag\""));
}

static void test_file_limits(void **state)
{
    (void)state;
    size_t len = (1u << 20) + 100;
    char *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++) {
        big[i] = i % 64 == 63 ? '\n' : ';';
    }
    int rc = load_n(big, len, GIB);
    free(big);
    assert_int_equal(rc, -EINVAL);
    expect_one_error(16385, "file is larger than 1048576 bytes", NULL);

    nerrs = 0;
    assert_int_equal(config_load(&cfg, "/nonexistent/warden.ini", errs, ERRS_MAX, &nerrs), -ENOENT);
    assert_int_equal(nerrs, 1);
    assert_string_equal(errs[0].file, "/nonexistent/warden.ini");
    assert_non_null(strstr(errs[0].msg, "unable to open the file"));
    assert_int_equal(config_load(&cfg, "/tmp", errs, ERRS_MAX, &nerrs), -EISDIR);
    assert_non_null(strstr(errs[0].msg, "not a regular file (a directory)"));
    // a FIFO is refused at open, never waited on (issue 12: a reload froze the loop)
    char fifo[] = "/tmp/warden-test-fifo.XXXXXX";
    assert_non_null(mkdtemp(fifo));
    char fifo_path[64];
    (void)snprintf(fifo_path, sizeof(fifo_path), "%s/c.conf", fifo);
    assert_int_equal(mkfifo(fifo_path, 0600), 0);
    assert_int_equal(config_load(&cfg, fifo_path, errs, ERRS_MAX, &nerrs), -EINVAL);
    assert_non_null(strstr(errs[0].msg, "not a regular file (a FIFO)"));
    (void)unlink(fifo_path);
    (void)rmdir(fifo);
}

// More errors than slots: all counted, only errs_max stored, nothing written past them.
static void test_error_cap(void **state)
{
    (void)state;
    struct errbuf few[3];
    memset(few, 0, sizeof(few));
    few[2].line = -7;
    const char *text = "[service a]\na = 1\nb = 2\nc = 3\nd = 4\n";
    write_tmp(text, strlen(text));
    unsigned n = 0;
    assert_int_equal(config_load(&cfg, path, few, 2, &n), -EINVAL);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(n, 5); // four unknown keys and the missing command
    assert_int_equal(few[0].line, 2);
    assert_int_equal(few[1].line, 3);
    assert_int_equal(few[2].line, -7);
    assert_int_equal(config_load(&cfg, "/nonexistent", NULL, 0, &n), -ENOENT);
}

static void test_stream(void **state)
{
    (void)state;
    static char text[] = "[service s]\ncommand = /bin/true\n";
    FILE *f = fmemopen(text, strlen(text), "r");
    assert_non_null(f);
    assert_int_equal(config_load_stream(&cfg, f, "mem.ini", errs, ERRS_MAX, &nerrs), 0);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(cfg.file, "mem.ini");
    assert_int_equal(cfg.service_count, 1);
    static char name[PATH_MAX + 10];
    memset(name, 'x', sizeof(name) - 1);
    f = fmemopen(text, strlen(text), "r");
    assert_non_null(f);
    assert_int_equal(config_load_stream(&cfg, f, name, errs, ERRS_MAX, &nerrs), -ENAMETOOLONG);
    assert_int_equal(fclose(f), 0);
}

struct split_case {
    const char *command;
    bool shell;
    int argc; // -1: an error whose message holds want[0]
    const char *want[6];
};

static const struct split_case split_cases[] = {
        {"/bin/echo a b", false, 3, {"/bin/echo", "a", "b"}},
        {"  /bin/echo \t a\tb  ", false, 3, {"/bin/echo", "a", "b"}},
        {"echo 'a b' c", false, 3, {"echo", "a b", "c"}},
        {"echo \"a \\\"b\\\" \\$HOME \\` \\\\ \\n\"", false, 2, {"echo", "a \"b\" $HOME ` \\ \\n"}},
        {"echo a\\ b \\'", false, 3, {"echo", "a b", "'"}},
        {"echo '' \"\"", false, 3, {"echo", "", ""}},
        {"echo a''b\"\"c", false, 2, {"echo", "abc"}},
        {"echo 'it'\\''s'", false, 2, {"echo", "it's"}},
        {"echo '\\n' \"'\" '\"'", false, 4, {"echo", "\\n", "'", "\""}},
        {"echo $HOME *.c ~ `id` ;", false, 6, {"echo", "$HOME", "*.c", "~", "`id`", ";"}},
        {"echo 'unterminated", false, -1, {"(unterminated single quote)"}},
        {"echo \"unterminated", false, -1, {"(unterminated double quote)"}},
        {"echo \"a\\\"", false, -1, {"(unterminated double quote)"}},
        {"echo \\", false, -1, {"(trailing backslash)"}},
        {"", false, -1, {"invalid command \"\" (empty)"}},
        {" \t ", false, -1, {"(empty)"}},
        {"echo $HOME | wc -l", true, 3, {"/bin/sh", "-c", "echo $HOME | wc -l"}},
        {"  ", true, -1, {"(empty)"}},
};

static struct config_arena arena;

// argv[w] points into the arena and ends there.
static bool in_arena(const char *w)
{
    return w >= arena.buf && w < arena.buf + arena.used &&
           memchr(w, '\0', (size_t)(arena.buf + arena.used - w)) != NULL;
}

static void check_split_case(const struct split_case *c)
{
    static struct svc_config sc;
    struct errbuf eb = {{0}, NULL, 0};
    config_service_defaults(&sc);
    sc.command = c->command;
    sc.shell = c->shell;
    arena.used = 0;
    int rc = config_split_command(&arena, &sc, &eb);
    if (c->argc < 0) {
        if (rc != -EINVAL || !strstr(eb.msg, c->want[0]) || sc.argc != 0 || sc.argv[0]) {
            fail_msg("split [%s]: rc %d, \"%s\"", c->command, rc, eb.msg);
        }
        assert_non_null(strstr(eb.msg, "expected at most 64 words"));
        return;
    }
    if (rc != 0 || sc.argc != c->argc) {
        fail_msg("split [%s]: rc %d argc %d (%s)", c->command, rc, sc.argc, eb.msg);
    }
    for (int w = 0; w < c->argc; w++) {
        assert_true(in_arena(sc.argv[w]));
        if (strcmp(sc.argv[w], c->want[w]) != 0) {
            fail_msg("split [%s]: word %d is [%s], want [%s]", c->command, w, sc.argv[w],
                     c->want[w]);
        }
    }
    assert_null(sc.argv[c->argc]);
}

static void test_split_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        check_split_case(&split_cases[i]);
    }
}

// Word count and byte limits: the words and argv are never overrun.
static void test_split_limits(void **state)
{
    (void)state;
    static struct svc_config sc;
    static char cmd[COMMAND_BYTES_MAX];
    struct errbuf eb;
    char *p = cmd;
    config_service_defaults(&sc);
    sc.command = cmd;
    arena.used = 0;
    for (unsigned i = 0; i < COMMAND_ARGV_MAX; i++) {
        p += snprintf(p, 8, "w%u ", i % 10);
    }
    assert_int_equal(config_split_command(&arena, &sc, &eb), 0);
    assert_int_equal(sc.argc, COMMAND_ARGV_MAX);
    assert_string_equal(sc.argv[COMMAND_ARGV_MAX - 1], "w3");
    assert_null(sc.argv[COMMAND_ARGV_MAX]);
    (void)snprintf(p, 4, "one");
    assert_int_equal(config_split_command(&arena, &sc, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(too many words)"));
    assert_int_equal(sc.argc, 0);
    // The longest command, as one word and under sh -c.
    memset(cmd, 'x', sizeof(cmd) - 1);
    cmd[sizeof(cmd) - 1] = '\0';
    assert_int_equal(config_split_command(&arena, &sc, &eb), 0);
    assert_int_equal(strlen(sc.argv[0]), COMMAND_BYTES_MAX - 1);
    sc.shell = true;
    assert_int_equal(config_split_command(&arena, &sc, &eb), 0);
    assert_int_equal(strlen(sc.argv[2]), COMMAND_BYTES_MAX - 1);
    // Escapes shrink the output: 511 "\y" pairs; one more backslash dangles.
    sc.shell = false;
    for (size_t i = 0; i + 1 < sizeof(cmd); i++) {
        cmd[i] = i % 2 ? 'y' : '\\';
    }
    assert_int_equal(config_split_command(&arena, &sc, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(trailing backslash)"));
    cmd[COMMAND_BYTES_MAX - 2] = '\0';
    assert_int_equal(config_split_command(&arena, &sc, &eb), 0);
    assert_int_equal(strlen(sc.argv[0]), (COMMAND_BYTES_MAX - 2) / 2);
    // No NUL inside command: refused, not read past.
    memset(cmd, 'z', sizeof(cmd));
    assert_int_equal(config_split_command(&arena, &sc, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(too long)"));
}

// What a reload compares: every key, not the line numbers; listen order counts.
static void test_service_equal(void **state)
{
    (void)state;
    static struct warden_config a, b;
    const char *base = "[service x]\ncommand = /bin/sleep 1\nlisten = tcp:127.0.0.1:9\n";
    a.host_memory_bytes = b.host_memory_bytes = 8 * GIB;
    static struct errbuf e[4];
    unsigned n = 0;
    FILE *f = fmemopen((void *)(uintptr_t)base, strlen(base), "r");
    assert_int_equal(config_load_stream(&a, f, path, e, 4, &n), 0);
    (void)fclose(f);
    char other[256];
    (void)snprintf(other, sizeof(other), "\n\n%s", base); // same keys, other lines
    f = fmemopen(other, strlen(other), "r");
    assert_int_equal(config_load_stream(&b, f, path, e, 4, &n), 0);
    (void)fclose(f);
    assert_true(config_service_equal(&a.services[0], &b.services[0]));
    assert_false(config_listen_differs(&a.services[0], &b.services[0]));
    b.services[0].drain_ms++;
    assert_false(config_service_equal(&a.services[0], &b.services[0]));
    b.services[0].drain_ms--;
    b.services[0].command = "/bin/sleep 2";
    assert_false(config_service_equal(&a.services[0], &b.services[0]));
    b.services[0].command = a.services[0].command;
    b.services[0].listen_count = 0;
    assert_true(config_listen_differs(&a.services[0], &b.services[0]));
    assert_false(config_service_equal(&a.services[0], &b.services[0]));
}

// config_set_key, the path `warden run`'s options take: for each bad value of the file test
// above, the same refusal and the same words as the file's message after "[service api] KEY: ".
static void test_set_key_same_text(void **state)
{
    (void)state;
    static struct warden_config run;
    for (size_t i = 0; i < sizeof(bad_service_cases) / sizeof(bad_service_cases[0]); i++) {
        const struct bad_case *c = &bad_service_cases[i];
        char text[512];
        (void)snprintf(text, sizeof(text), "[service api]\ncommand = /bin/true\n%s = %s\n", c->key,
                       c->value);
        assert_int_equal(load(text), -EINVAL);
        config_defaults(&run);
        run.arena.used = 0;
        run.host_memory_bytes = 8 * GIB;
        config_service_defaults(&run.services[0]);
        struct errbuf eb = {{0}, NULL, 0};
        int rc = config_set_key(&run, &run.services[0], c->key, c->value, &eb);
        if (strstr(errs[0].msg, "unknown key")) {
            assert_int_equal(rc, -ENOENT);
            continue;
        }
        assert_int_equal(rc, -EINVAL);
        char want[sizeof(errs[0].msg) + 64];
        (void)snprintf(want, sizeof(want), "[service api] %s: %s", c->key, eb.msg);
        if (strcmp(want, errs[0].msg) != 0) {
            fail_msg("%s = %s: run says \"%s\", the file \"%s\"", c->key, c->value, eb.msg,
                     errs[0].msg);
        }
    }
    // good values land where the file puts them; [warden] keys go into the config
    config_defaults(&run);
    run.host_memory_bytes = 8 * GIB;
    struct svc_config *sc = &run.services[0];
    config_service_defaults(sc);
    struct errbuf eb = {{0}, NULL, 0};
    assert_int_equal(config_set_key(&run, sc, "memory_max", "1M", &eb), 0);
    assert_int_equal(sc->memory_max_bytes, 1u << 20);
    assert_int_equal(config_set_key(&run, sc, "backoff", "10ms..2s", &eb), 0);
    assert_int_equal(sc->backoff_min_ms, 10);
    assert_int_equal(sc->backoff_max_ms, 2000);
    assert_int_equal(config_set_key(&run, sc, "metrics", "127.0.0.1:9101", &eb), 0);
    assert_string_equal(run.metrics, "127.0.0.1:9101");
    assert_int_equal(config_set_key(&run, sc, "state_dir", "state", &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "invalid path \"state\" (not absolute)"));
    assert_string_equal(run.state_dir, "/var/lib/warden");
    assert_int_equal(config_set_key(&run, sc, "memory-max", "1G", &eb), -ENOENT);
    assert_int_equal(sc->memory_max_bytes, 1u << 20);
}

// config_check_service with an origin that records what it is told.
struct recorded {
    unsigned count;
    char key[8][32];
    char reason[8][256];
};

static void rec_where(void *ctx, const char *key, char *buf, size_t size)
{
    (void)ctx;
    if (strcmp(key, "pids_kill") != 0) { // one key of unknown origin: no ", WHERE"
        (void)snprintf(buf, size, "at %s", key);
    }
}

static void rec_report(void *ctx, const char *key, const char *reason)
{
    struct recorded *r = ctx;
    assert_true(r->count < 8);
    (void)snprintf(r->key[r->count], sizeof(r->key[0]), "%s", key);
    (void)snprintf(r->reason[r->count], sizeof(r->reason[0]), "%s", reason);
    r->count++;
}

struct check_case {
    uint64_t memory_max, memory_restart, memory_high, pids_max, pids_warn, pids_kill;
    enum ready_kind ready;
    const char *listen; // the one listen address, or NULL
    const char *key;    // the first (only) problem's key, NULL when none
    const char *reason;
};

static const struct check_case check_cases[] = {
        {0, 0, 0, 0, 0, 0, READY_NONE, NULL, NULL, NULL},
        {64, 32, 48, 10, 5, 10, READY_NONE, NULL, NULL, NULL}, // pids_kill may equal pids_max
        {0, 100, 100, 0, 20, 0, READY_NONE, NULL, NULL, NULL}, // unset means no bound
        {64, 64, 0, 0, 0, 0, READY_NONE, NULL, "memory_restart",
         "64 must be below memory_max (64, at memory_max), or it can never fire"},
        {64, 0, 100, 0, 0, 0, READY_NONE, NULL, "memory_high",
         "100 must be below memory_max (64, at memory_max), or it can never fire"},
        {0, 0, 0, 10, 10, 0, READY_NONE, NULL, "pids_warn",
         "10 must be below pids_max (10, at pids_max), or it can never fire"},
        {0, 0, 0, 0, 7, 7, READY_NONE, NULL, "pids_warn",
         "7 must be below pids_kill (7), or it can never fire"},
        {0, 0, 0, 10, 0, 11, READY_NONE, NULL, "pids_kill",
         "11 must be at most pids_max (10, at pids_max), or it can never fire"},
        {0, 0, 0, 0, 0, 0, READY_NOTIFY, NULL, NULL, NULL},
        {0, 0, 0, 0, 0, 0, READY_TCP, "tcp:127.0.0.1:80", NULL, NULL},
        {0, 0, 0, 0, 0, 0, READY_TCP, NULL, "ready",
         "tcp probes the service's listening socket: add listen = tcp:HOST:PORT, or use ready = "
         "notify"},
        {0, 0, 0, 0, 0, 0, READY_HTTP, "unix:/run/x.sock", "ready",
         "http probes the service's listening socket: add listen = tcp:HOST:PORT, or use ready = "
         "notify"},
};

static void test_check_service(void **state)
{
    (void)state;
    static struct svc_config sc;
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        const struct check_case *c = &check_cases[i];
        config_service_defaults(&sc);
        sc.memory_max_bytes = c->memory_max;
        sc.memory_restart_bytes = c->memory_restart;
        sc.memory_high_bytes = c->memory_high;
        sc.pids_max = c->pids_max;
        sc.pids_warn = c->pids_warn;
        sc.pids_kill = c->pids_kill;
        sc.ready = c->ready;
        sc.listen[0] = c->listen;
        sc.listen_count = c->listen ? 1 : 0;
        struct recorded r = {0};
        const struct config_origin o = {rec_where, rec_report, &r};
        unsigned found = config_check_service(&sc, &o);
        assert_int_equal(found, r.count);
        if (r.count != (c->key ? 1u : 0u)) {
            fail_msg("case %zu: %u problems, want %d; first %s", i, r.count, c->key ? 1 : 0,
                     r.count ? r.reason[0] : "-");
        }
        if (c->key) {
            assert_string_equal(r.key[0], c->key);
            assert_string_equal(r.reason[0], c->reason);
        }
    }
    // every contradiction at once, each reported
    config_service_defaults(&sc);
    sc.memory_max_bytes = 10;
    sc.memory_restart_bytes = sc.memory_high_bytes = 20;
    sc.pids_max = 5;
    sc.pids_warn = sc.pids_kill = 9;
    sc.ready = READY_TCP;
    struct recorded r = {0};
    const struct config_origin o = {rec_where, rec_report, &r};
    assert_int_equal(config_check_service(&sc, &o), 6);
    assert_string_equal(r.key[5], "ready");
}

// In a file, the contradictions name the other key's line; a refused value is not compared.
static void test_thresholds_in_file(void **state)
{
    (void)state;
    assert_int_equal(load("[service api]\ncommand = /bin/true\nmemory_max = 64M\n"
                          "memory_restart = 100M\n"),
                     -EINVAL);
    expect_one_error(4,
                     "[service api] memory_restart: 104857600 must be below memory_max "
                     "(67108864, line 3), or it can never fire",
                     NULL);
    assert_int_equal(load("[service api]\npids_kill = 20\ncommand = /bin/true\npids_max = 10\n"),
                     -EINVAL);
    expect_one_error(2, "[service api] pids_kill: 20 must be at most pids_max (10, line 4)", NULL);
    assert_int_equal(load("[service api]\ncommand = /bin/true\nready = tcp\n"), -EINVAL);
    expect_one_error(3, "[service api] ready: tcp probes the service's listening socket", NULL);
    // memory_max = 4K is refused (below 1M): memory_restart is not also said to be above it
    assert_int_equal(load("[service api]\ncommand = /bin/true\nmemory_max = 4K\n"
                          "memory_restart = 100M\n"),
                     -EINVAL);
    expect_one_error(3, "[service api] memory_max: invalid size \"4K\" (below 1M)", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_full),
            cmocka_unit_test(test_valid_full_more),
            cmocka_unit_test(test_defaults_and_empty),
            cmocka_unit_test(test_bad_service_values),
            cmocka_unit_test(test_bad_warden_values),
            cmocka_unit_test(test_percent_needs_host),
            cmocka_unit_test(test_missing_command),
            cmocka_unit_test(test_sections),
            cmocka_unit_test(test_duplicates),
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_names_in_file),
            cmocka_unit_test(test_user),
            cmocka_unit_test(test_too_many_services),
            cmocka_unit_test(test_line_limits),
            cmocka_unit_test(test_file_limits),
            cmocka_unit_test(test_error_cap),
            cmocka_unit_test(test_stream),
            cmocka_unit_test(test_split_table),
            cmocka_unit_test(test_split_limits),
            cmocka_unit_test(test_service_equal),
            cmocka_unit_test(test_set_key_same_text),
            cmocka_unit_test(test_check_service),
            cmocka_unit_test(test_thresholds_in_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
