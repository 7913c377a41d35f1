// SPDX-License-Identifier: MIT
// The report's judgement on real programs (issue 11): a runtime that dies of its own heap
// limit (V8, the JVM, Go, Python, .NET) and which limit really binds; a program that forks
// into the background (nginx, redis-server, memcached ...) and the flag that keeps it in the
// foreground; a program that binds the address warden holds; and the shape of memory of a
// healthy service (spikes over a base, or steady) with advice that only uses instances that
// ran long enough to be measured.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "report_int.h"

#define SHAPE_MIN_POINTS  20u               // 1 s points of one instance before a shape is named
#define SPIKE_RATIO_PCT   150u              // bursts at least 1.5 x the base...
#define SPIKE_MIN_BYTES   (32ull * RPT_MIB) // ...and 32 MiB above it
#define SPIKE_HIGH_PCT    25u               // ...above the midpoint at most a quarter of the time
#define STEADY_SPREAD_PCT 20u               // p90 - p10 within 20 % of p90
#define MARGIN_PCT        115u              // sizing margin, the VPA recommender's 15 %
#define STABLE_DEFAULT_MS 600000u

static const char *runtime_of(json_t *ev)
{
    const char *r = rpt_str(json_object_get(ev, "runtime_oom"), "runtime");
    return r ? r : "?";
}

bool rpt_leak_across(const struct rpt_scan *s)
{
    return s->last_leak_across && (s->last_leak_across == s->last_leak);
}

/* ---- the runtime's own heap ---- */

// The heap cap the command line sets, in MiB ("--max-old-space-size=96", "-Xmx512m"), or 0.
static unsigned long long cmdline_cap_mib(const char *cmd, const char *runtime)
{
    if (!cmd) {
        return 0;
    }
    const char *p;
    if (strcmp(runtime, "node") == 0 && (p = strstr(cmd, "--max-old-space-size=")) != NULL) {
        return strtoull(p + 21, NULL, 10);
    }
    if (strcmp(runtime, "jvm") == 0 && (p = strstr(cmd, "-Xmx")) != NULL) {
        char *end;
        unsigned long long v = strtoull(p + 4, &end, 10);
        switch (*end) {
        case 'g':
        case 'G':
            return v * 1024u;
        case 'm':
        case 'M':
            return v;
        case 'k':
        case 'K':
            return v / 1024u;
        default:
            return v / (1024ull * 1024ull);
        }
    }
    return 0;
}

// "V8's heap limit (96.0 MiB: argv --max-old-space-size)", from status's runtime_heap.cap
// when the daemon answers, else from what the report computed from the config.
static void heap_words(const struct rpt_scan *s, const char *runtime, char *buf, size_t len)
{
    json_t *cap = json_object_get(json_object_get(s->in->status, "runtime_heap"), "cap");
    uint64_t bytes = rpt_uint(cap, "bytes");
    const char *source = rpt_str(cap, "source");
    const char *crt = rpt_str(cap, "runtime");
    if (!cap) {
        bytes = s->in->heap_cap_bytes;
        source = s->in->heap_cap_source;
    } else if (crt && strcmp(crt, runtime) != 0) {
        bytes = 0; // the cap warden knows is another runtime's
    }
    unsigned long long mib = cmdline_cap_mib(s->in->command, runtime);
    static const char *const names[][2] = {{"node", "V8's heap limit"},
                                           {"jvm", "the JVM's heap limit"},
                                           {"go", "a mapping the kernel refused the Go runtime"},
                                           {"python", "an allocation inside Python"},
                                           {"dotnet", "the .NET GC's heap limit"}};
    const char *name = "the runtime's own limit";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        name = strcmp(runtime, names[i][0]) == 0 ? names[i][1] : name;
    }
    char b[32];
    if (bytes) {
        rpt_mib(bytes, b, sizeof(b));
        (void)snprintf(buf, len, "%s (%s: %s)", name, b, source ? source : "?");
    } else if (mib) {
        (void)snprintf(buf, len, "%s (%llu MiB, set in the command)", name, mib);
    } else {
        (void)snprintf(buf, len, "%s", name);
    }
}

// What to set, in the runtime's own terms, for a cap of mib MiB.
static void flag_words(const char *runtime, unsigned long long mib, char *buf, size_t len)
{
    if (strcmp(runtime, "node") == 0) {
        (void)snprintf(buf, len, "--max-old-space-size=%llu in the command or NODE_OPTIONS", mib);
    } else if (strcmp(runtime, "jvm") == 0) {
        (void)snprintf(buf, len, "-Xmx%llum or -XX:MaxRAMPercentage in JAVA_TOOL_OPTIONS", mib);
    } else if (strcmp(runtime, "go") == 0) {
        (void)snprintf(buf, len, "GOMEMLIMIT=%lluMiB", mib);
    } else if (strcmp(runtime, "dotnet") == 0) {
        (void)snprintf(buf, len, "DOTNET_GCHeapHardLimit=0x%llx", mib * 1024u * 1024u);
    } else {
        (void)snprintf(buf, len, "a bound on the allocation that failed");
    }
}

json_t *rpt_runtime_text(const struct rpt_scan *s)
{
    json_t *ev = s->last_runtime_oom;
    const char *rt = runtime_of(ev);
    const char *line = rpt_str(json_object_get(ev, "runtime_oom"), "line");
    char peak[32], heap[160];
    rpt_mib(rpt_uint(ev, "memory_peak_bytes"), peak, sizeof(peak));
    heap_words(s, rt, heap, sizeof(heap));
    line = line ? line : "?";
    return json_sprintf("the %s runtime ran out of memory %u time%s in the last hour (\"%.*s\"), "
                        "at %s of cgroup usage: %s ended it, not the kernel's OOM killer",
                        rt, s->runtime_oom_hour, s->runtime_oom_hour == 1 ? "" : "s",
                        rpt_cut(line, RPT_QUOTE_MAX), line, peak, heap);
}

// Which limit ends the instance first, in words: "below memory_restart (400.0 MiB) and
// memory_max (512.0 MiB): the heap limit binds, so memory_restart never fires".
static void binding_words(const struct rpt_scan *s, uint64_t at, char *buf, size_t len)
{
    char r[32], m[32];
    uint64_t restart = s->in->memory_restart_bytes, max = s->limit_bytes;
    rpt_mib(restart, r, sizeof(r));
    rpt_mib(max, m, sizeof(m));
    if (restart && at < restart) {
        (void)snprintf(buf, len,
                       "below memory_restart (%s) and memory_max (%s): the runtime's limit binds, "
                       "so memory_restart never fires and every end is an abort, not a drain",
                       r, m);
    } else if (max && at < max) {
        (void)snprintf(buf, len, "below memory_max (%s): the runtime's limit binds", m);
    } else {
        (void)snprintf(buf, len, "at the cgroup's limit");
    }
}

// The runtime-heap recommendation's sentence: bind says where the memory ran out, heap the
// runtime's limit, flag what to pass it.
static json_t *runtime_text(const struct rpt_scan *s, const char *rt, bool leak, const char *bind,
                            const char *heap, const char *flag)
{
    if (strcmp(rt, "go") == 0) {
        return json_sprintf(
                "the Go runtime could not get memory from the kernel (\"fatal error: runtime: out "
                "of memory\": a mapping was refused: an address-space limit, the kernel refusing "
                "one huge request, or the cgroup at its limit), %s. GOMEMLIMIT is a soft target "
                "for the garbage collector and cannot prevent this; read the goroutine dump "
                "(`warden logs %s -n 50`) for the allocation that failed and bound it%s",
                bind, s->in->service ? s->in->service : "SERVICE",
                leak ? "; memory also grows in every instance: the state is the problem" : "");
    }
    if (strcmp(rt, "python") == 0) {
        return json_sprintf(
                "Python raised MemoryError: an allocation failed inside the process (an address-"
                "space limit such as ulimit -v, or the kernel refusing one huge request), %s. "
                "%sRead the traceback (`warden logs %s -n 50`) for the allocation that failed "
                "and bound it; a bigger memory_max does not help an allocation the process "
                "itself refuses",
                bind,
                leak ? "Memory also grows in every instance: the state is the problem, not the "
                       "limit. "
                     : "",
                s->in->service ? s->in->service : "SERVICE");
    }
    if (leak) {
        return json_sprintf("%s ends every instance, %s. The state is the problem, not the heap: "
                            "memory grows in every instance until the heap is full, so a bigger "
                            "heap or memory_max only postpones the crash. Find what the program "
                            "keeps (for Node: --heapsnapshot-near-heap-limit=2 writes a heap "
                            "snapshot before the abort); meanwhile %s",
                            heap, bind,
                            s->in->memory_restart_bytes
                                    ? "set runtime_heap = auto, so memory_restart is crossed "
                                      "before the heap runs out and warden recycles each "
                                      "instance with a drain instead of an abort"
                                    : "set memory_restart (about 80% of memory_max) and "
                                      "runtime_heap = auto, so warden recycles each instance "
                                      "with a drain before the heap runs out, instead of an "
                                      "abort");
    }
    return json_sprintf("%s ends the instance, %s. The heap is too small for the working set "
                        "at this load: set runtime_heap = auto (or %s) so the runtime uses "
                        "the budget warden guards, and size memory_max from the peaks then",
                        heap, bind, flag);
}

json_t *rpt_runtime_rec(const struct rpt_scan *s)
{
    json_t *ev = s->last_runtime_oom;
    if (!ev || !s->runtime_oom_hour) {
        return NULL;
    }
    const char *rt = runtime_of(ev);
    uint64_t at = rpt_uint(ev, "memory_peak_bytes");
    uint64_t budget = s->in->memory_restart_bytes ? s->in->memory_restart_bytes : s->limit_bytes;
    char bind[240], flag[96], heap[160], peak[32];
    binding_words(s, at, bind, sizeof(bind));
    heap_words(s, rt, heap, sizeof(heap));
    rpt_mib(at, peak, sizeof(peak));
    // what runtime_heap = auto would pass (status, else the report's own computation); else
    // a heap that runs out at the budget: V8 aborts at ~1.07 x its cap + 8 MiB (measured)
    const char *autoflag = rpt_str(json_object_get(s->in->status, "runtime_heap"), "flag");
    autoflag = autoflag ? autoflag : s->in->heap_auto_flag;
    if (autoflag && strcmp(rt, "node") == 0) {
        (void)snprintf(flag, sizeof(flag), "%s in the command or NODE_OPTIONS", autoflag);
    } else {
        uint64_t mib = budget / RPT_MIB;
        flag_words(rt, (unsigned long long)(mib > 8 ? (mib - 8) * 100u / 107u : mib), flag,
                   sizeof(flag));
    }
    bool leak = s->leak_rate > 0;
    json_t *evidence = json_array();
    rpt_add(evidence,
            json_sprintf("%u instance%s ended by the %s runtime's own out-of-memory "
                         "death in the last hour; the last at %s of cgroup usage",
                         s->runtime_oom_hour, s->runtime_oom_hour == 1 ? "" : "s", rt, peak));
    rpt_add(evidence, json_sprintf("limit: %s", heap));
    if (leak) {
        rpt_add(evidence, json_sprintf("memory grows %.1f MiB/s in every instance (leak-suspected)",
                                       s->leak_rate / (double)RPT_MIB));
    }
    json_t *text = runtime_text(s, rt, leak, bind, heap, flag);
    json_t *r = json_pack("{s:s, s:o, s:o}", "code", "runtime-heap", "text", text, "evidence",
                          evidence);
    if (r) {
        (void)json_object_set_new(r, "runtime", json_string(rt));
        (void)json_object_set_new(r, "problem", json_string(leak ? "state" : "heap"));
    }
    return r;
}

/* ---- daemons ---- */

static const char *const daemon_flags[][2] = {
        {"nginx", "run it with -g 'daemon off;' (or `daemon off;` in nginx.conf)"},
        {"redis-server", "run it with --daemonize no (or `daemonize no` in redis.conf)"},
        {"memcached", "run it without -d"},
        {"php-fpm", "run it with -F (--nodaemonize)"},
        {"sshd", "run it with -D"},
        {"apache2", "run it with -DFOREGROUND"},
        {"httpd", "run it with -DFOREGROUND"},
        {"haproxy", "run it without -D (-W keeps master-worker mode in the foreground)"},
        {"dnsmasq", "run it with -k (--keep-in-foreground)"},
        {"rsyslogd", "run it with -n"},
        {"cron", "run it with -f"},
        {"crond", "run it with -f"},
        {"named", "run it with -f"},
        {"squid", "run it with -N"},
        {"gunicorn", "run it without --daemon (-D)"},
        {"uwsgi", "run it without --daemonize"},
        {"openvpn", "run it without --daemon"},
        {"chronyd", "run it with -d"},
        {"ntpd", "run it with -n"},
        {"pg_ctl", "run postgres itself, not pg_ctl"},
        {"mysqld_safe", "run mysqld itself, not mysqld_safe"},
};

// The flag for a well-known program: by the command's first word or what it left running.
static const char *daemon_flag(const char *cmd, const char *left)
{
    char first[64] = "";
    if (cmd) {
        size_t n = strcspn(cmd, " \t");
        const char *base = cmd;
        for (size_t i = 0; i < n; i++) {
            base = cmd[i] == '/' ? cmd + i + 1 : base;
        }
        n -= (size_t)(base - cmd);
        (void)snprintf(first, sizeof(first), "%.*s", (int)(n < 63 ? n : 63), base);
    }
    for (size_t i = 0; i < sizeof(daemon_flags) / sizeof(daemon_flags[0]); i++) {
        size_t k = strlen(daemon_flags[i][0]);
        if (strncmp(first, daemon_flags[i][0], k) == 0 ||
            (left && strncmp(left, daemon_flags[i][0], k) == 0)) {
            return daemon_flags[i][1];
        }
    }
    return NULL;
}

json_t *rpt_daemon_text(const struct rpt_scan *s)
{
    const char *left = rpt_str(s->last_daemon, "left_command");
    return json_sprintf("daemonized: the main process exits with code 0 right after start and "
                        "leaves %llu process%s (%s) running; warden supervises the main process, "
                        "so it kills what was left and backs off (%u time%s in the last hour)",
                        (unsigned long long)rpt_uint(s->last_daemon, "left_processes"),
                        rpt_uint(s->last_daemon, "left_processes") == 1 ? "" : "es",
                        left && *left ? left : "?", s->daemon_hour, s->daemon_hour == 1 ? "" : "s");
}

json_t *rpt_daemon_rec(const struct rpt_scan *s)
{
    if (!s->last_daemon) {
        return NULL;
    }
    const char *left = rpt_str(s->last_daemon, "left_command");
    const char *flag = daemon_flag(s->in->command, left);
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("last exit: code 0 after %llu ms, %llu process%s left (%s)",
                                   (unsigned long long)rpt_uint(s->last_daemon, "uptime_ms"),
                                   (unsigned long long)rpt_uint(s->last_daemon, "left_processes"),
                                   rpt_uint(s->last_daemon, "left_processes") == 1 ? "" : "es",
                                   left && *left ? left : "?"));
    json_t *text = flag ? json_sprintf("run the program in the foreground: %s. warden is its "
                                       "supervisor; a daemon's own fork hides it from warden",
                                       flag)
                        : json_sprintf("run the program in the foreground (its \"no daemon\" / "
                                       "\"foreground\" option): it forks into the background and "
                                       "its main process exits, which warden sees as the end of "
                                       "the service");
    json_t *r =
            json_pack("{s:s, s:o, s:o}", "code", "daemonized", "text", text, "evidence", evidence);
    if (r && flag) {
        (void)json_object_set_new(r, "flag", json_string(flag));
    }
    return r;
}

json_t *rpt_bind_rec(const struct rpt_scan *s)
{
    const char *line = rpt_str(s->last_bind, "bind_error");
    if (!line || s->last_bind != s->last_failure) {
        return NULL;
    }
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("its output: \"%.*s\"", rpt_cut(line, RPT_QUOTE_MAX), line));
    return json_pack("{s:s, s:o, s:o}", "code", "listen-fds", "text",
                     json_string("the program binds the address itself, which warden already "
                                 "holds for it (`listen`): it does not take LISTEN_FDS. Either "
                                 "make it use the passed socket (sd_listen_fds, fd 3), or remove "
                                 "`listen` and let it bind"),
                     "evidence", evidence);
}

/* ---- exec failures, memory_restart, pids_max, port conflicts ---- */

static const char *exec_fix(const char *err)
{
    static const char *const fixes[][2] = {
            {"ENOENT", "the file in `command =` (or its #! interpreter) does not exist: check the "
                       "path (absolute, and inside the image when in a container)"},
            {"EACCES", "permission denied: make the file executable for the service's user "
                       "(chmod +x), check that every directory on its path is searchable, and "
                       "that its filesystem is not mounted noexec"},
            {"ENOEXEC", "not an executable format: add a #! line to the script, or build the "
                        "binary for this machine's CPU"},
            {"ENOTDIR", "a component of the command's path is not a directory: check the path"},
            {"EPERM", "not permitted: check `user =` and the privileges warden runs with"},
            {"ETXTBSY", "the file is still being written: install it with a rename"},
    };
    for (size_t i = 0; err && i < sizeof(fixes) / sizeof(fixes[0]); i++) {
        if (strcmp(err, fixes[i][0]) == 0) {
            return fixes[i][1];
        }
    }
    return "fix the command or the step named in the reason";
}

json_t *rpt_exec_rec(const struct rpt_scan *s)
{
    const char *err = rpt_str(s->last_exit, "errno"), *reason = rpt_str(s->last_exit, "reason");
    const char *cmd = s->in->command;
    reason = reason ? reason : "?";
    const char *failed = strstr(reason, " failed"); // stages have spaces: "user switch"
    int stage = failed ? (int)(failed - reason) : (int)strcspn(reason, ":");
    stage = rpt_cut(reason, stage < RPT_QUOTE_MAX ? stage : RPT_QUOTE_MAX);
    bool at_exec = strncmp(reason, "exec failed", 11) == 0;
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("last exit: %.*s (%s)", rpt_cut(reason, RPT_QUOTE_MAX), reason,
                                   err ? err : "?"));
    rpt_add(evidence,
            json_sprintf("%u exec failure%s in a row", s->run_count, s->run_count == 1 ? "" : "s"));
    if (cmd) {
        rpt_add(evidence, json_sprintf("command: %.*s", rpt_cut(cmd, RPT_QUOTE_MAX), cmd));
    }
    json_t *r = rpt_rec("exec-failure",
                        at_exec ? json_sprintf("%s (%s)", exec_fix(err), err ? err : "?")
                                : json_sprintf("the %.*s step failed before exec (%s): %s", stage,
                                               reason, err ? err : "?", exec_fix(err)),
                        evidence);
    if (r) {
        (void)json_object_set_new(r, "errno", err ? json_string(err) : json_null());
    }
    return r;
}

json_t *rpt_restart_rec(const struct rpt_scan *s)
{
    char thr[32], lo[32], hi[32];
    const struct rpt_size *z = &s->size;
    if (!s->memrestart_quick) {
        return NULL;
    }
    rpt_mib(rpt_uint(s->last_memrestart, "threshold_bytes"), thr, sizeof(thr));
    rpt_mib(z->restart_floor_bytes, lo, sizeof(lo));
    rpt_mib(z->recommended_bytes, hi, sizeof(hi));
    json_t *evidence = json_array();
    rpt_add(evidence,
            json_sprintf("%u restarts by memory_restart within %u s of start; %u in "
                         "the last hour",
                         s->memrestart_quick, DETERMINISTIC_WINDOW_MS / 1000u, s->memrestart_hour));
    return rpt_rec(
            "memory-restart",
            json_sprintf("memory_restart (%s) fires within seconds of start: the service needs "
                         "more to run; set memory_restart to at least %s and memory_max to at "
                         "least %s",
                         thr, lo, hi),
            evidence);
}

json_t *rpt_pids_rec(const struct rpt_scan *s)
{
    if (!s->forkfail_hour) {
        return NULL;
    }
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("%u forks refused in the last hour", s->forkfail_hour));
    return rpt_rec(
            "pids-max",
            json_sprintf("forks are refused at pids_max (%llu): raise it if the load is real, "
                         "else fix what forks",
                         (unsigned long long)rpt_uint(s->last_forkfail, "pids_max")),
            evidence);
}

// Hook for port conflicts (DESIGN: name the process holding the port); fields reserved in
// docs/report-schema.md until the event exists.
json_t *rpt_port_rec(const struct rpt_scan *s)
{
    const char *holder = rpt_str(s->last_port, "holder");
    const char *addr = rpt_str(s->last_port, "address");
    json_t *f = json_array_get(s->findings, 0);
    const char *code = rpt_str(f, "code");
    if (!s->last_port || !code || strcmp(code, "port-conflict") != 0) {
        return NULL;
    }
    holder = holder && *holder ? holder : "another process";
    return rpt_rec("port-conflict",
                   json_sprintf("%s is held by %.*s: stop that process or change `listen`; warden "
                                "keeps backing off and starts the service once the address is free",
                                addr ? addr : "the address", rpt_cut(holder, RPT_QUOTE_MAX),
                                holder),
                   json_array());
}

/* ---- the shape of a healthy service's memory ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

struct shape {
    unsigned n, high; // points; points above the midpoint of base and peak
    uint64_t p10, p50, p90, peak;
};

// The running instance's 1 s points (since its start), sorted into percentiles.
static bool instance_shape(const struct rpt_scan *s, struct shape *sh)
{
    const struct report_input *in = s->in;
    uint64_t *v = malloc(sizeof(uint64_t) * (in->nfine ? in->nfine : 1));
    memset(sh, 0, sizeof(*sh));
    for (size_t i = 0; v && i < in->nfine; i++) {
        const struct report_point *p = &in->fine[i];
        if (p->t_ms >= s->last_start_ms && p->mem_bytes) {
            uint64_t m = p->mem_peak_bytes > p->mem_bytes ? p->mem_peak_bytes : p->mem_bytes;
            v[sh->n++] = p->mem_bytes;
            sh->peak = m > sh->peak ? m : sh->peak;
        }
    }
    if (!v || sh->n < SHAPE_MIN_POINTS) {
        free(v);
        return false;
    }
    qsort(v, sh->n, sizeof(v[0]), cmp_u64);
    sh->p10 = v[sh->n / 10];
    sh->p50 = v[sh->n / 2];
    sh->p90 = v[sh->n * 9 / 10];
    uint64_t mid = sh->p10 + (sh->peak - sh->p10) / 2;
    for (unsigned i = 0; i < sh->n; i++) {
        sh->high += v[i] > mid;
    }
    free(v);
    return true;
}

static json_t *spikes_rec(const struct rpt_scan *s, const struct shape *sh)
{
    char base[32], peak[32], need[32], lim[32], med[32];
    uint64_t want = sh->peak / 100u * MARGIN_PCT;
    rpt_mib(sh->p50, med, sizeof(med));
    rpt_mib(sh->p10, base, sizeof(base));
    rpt_mib(sh->peak, peak, sizeof(peak));
    rpt_mib(want, need, sizeof(need));
    rpt_mib(s->limit_bytes, lim, sizeof(lim));
    bool enough = s->limit_bytes >= want;
    json_t *evidence = json_array();
    rpt_add(evidence, json_sprintf("%u s of the running instance: base (p10) %s, median %s", sh->n,
                                   base, med));
    rpt_add(evidence, json_sprintf("bursts up to %s, above the midpoint %u%% of the time", peak,
                                   sh->high * 100u / sh->n));
    return json_pack(
            "{s:s, s:o, s:o}", "code", "spikes", "text",
            json_sprintf("memory is a base of ~%s with bursts to %s: size memory_max to the "
                         "bursts, not the base (at least %s with the 15%% margin; memory_max %s "
                         "is %s), or smooth them (bound the memory one request or batch may "
                         "take)",
                         base, peak, need, s->limit_bytes ? lim : "unset",
                         enough ? "enough" : "too low"),
            "evidence", evidence);
}

static json_t *steady_rec(const struct rpt_scan *s, const struct shape *sh)
{
    char p10[32], p90[32], want[32], lim[32], up[32], st[32];
    rpt_mib(sh->p10, p10, sizeof(p10));
    uint64_t stable = s->in->stable_after_ms ? s->in->stable_after_ms : STABLE_DEFAULT_MS;
    uint64_t need = sh->peak / 100u * MARGIN_PCT;
    need = (need + RPT_MIB - 1) / RPT_MIB * RPT_MIB;
    rpt_mib(sh->p90, p90, sizeof(p90));
    rpt_mib(need, want, sizeof(want));
    rpt_mib(s->limit_bytes, lim, sizeof(lim));
    rpt_dur(s->uptime_ms, up, sizeof(up));
    rpt_dur(stable, st, sizeof(st));
    json_t *evidence = json_array();
    rpt_add(evidence,
            json_sprintf("%u s of the running instance within %s..%s (p10..p90)", sh->n, p10, p90));
    json_t *text;
    if (s->uptime_ms < stable) {
        text = json_sprintf("memory is steady at ~%s, with headroom; it has run %s, less than "
                            "stable_after (%s): too early to lower memory_max",
                            p90, up, st);
    } else if (s->limit_bytes > need + need / 4) {
        text = json_sprintf("memory is steady at ~%s after %s: memory_max may be lowered from "
                            "%s to %s (its peak + 15%%), if what it serves stays alike",
                            p90, up, lim, want);
    } else {
        text = json_sprintf("memory is steady at ~%s after %s: memory_max %s fits", p90, up,
                            s->limit_bytes ? lim : "unset");
    }
    json_t *r = json_pack("{s:s, s:o, s:o}", "code", "steady", "text", text, "evidence", evidence);
    if (r && s->uptime_ms >= stable) {
        (void)json_object_set_new(r, "recommended_bytes", json_integer((json_int_t)need));
    }
    return r;
}

json_t *rpt_shape_rec(const struct rpt_scan *s)
{
    struct shape sh;
    if (s->leak_rate > 0 || !instance_shape(s, &sh)) {
        return NULL;
    }
    if (sh.peak * 100u >= sh.p10 * SPIKE_RATIO_PCT && sh.peak - sh.p10 >= SPIKE_MIN_BYTES &&
        sh.high * 100u <= sh.n * SPIKE_HIGH_PCT) {
        return spikes_rec(s, &sh);
    }
    if ((sh.p90 - sh.p10) * 100u <= sh.p90 * STEADY_SPREAD_PCT) {
        return steady_rec(s, &sh);
    }
    return NULL;
}
