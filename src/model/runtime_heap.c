// SPDX-License-Identifier: MIT
// Heap caps of Node (V8), the JVM and Go: what a service already sets, what the runtime
// picks by default (fitted to measurements on node 20 / V8 11.3 and JDK 17), and what
// `runtime_heap = auto` adds so the garbage collector works against the budget warden
// guards. The README's "runtime_heap" paragraph has the measurements behind every constant.
#include "runtime_heap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "runtime_heap_int.h"

#define MIB          (1ull << 20)
#define GIB          (1ull << 30)
#define HEAP_MIN_MIB 16u // below this a budget gives no runtime a useful heap: left alone

// V8's heap exhaustion, measured: cgroup usage at the abort ~= 1.07 x old space + 8 MiB
// (node -e retaining 1 KiB arrays, --max-old-space-size 64..768 under a 1 GiB v1 limit).
#define V8_USAGE_PER_100   107u
#define V8_USAGE_FIXED_MIB 8u
// JDK 17's MaxHeapSize before ergonomics (ScaleForWordSize(96M)), measured: 132120576 bytes.
#define JVM_DEFAULT_MAX_HEAP (126ull * MIB)

/* ---- defaults ---- */

static uint64_t v8_memory(uint64_t limit, uint64_t host)
{
    return limit && (!host || limit < host) ? limit : host; // node: min(total, constrained)
}

// V8's old generation from the memory node reports (Heap::HeapSizeFromPhysicalMemory),
// checked against heap_size_limit under v1 limits of 64M..16G: half of it, at least 256 MiB,
// at most 2 GiB, or 4 GiB when it rounds up to 16 GiB (measured: 15872M gives 4 GiB).
static uint64_t v8_old_default(uint64_t mem)
{
    uint64_t old = mem / 2;
    old = (old + (256u << 10) - 1) & ~(uint64_t)((256u << 10) - 1); // V8 pages: 256 KiB
    uint64_t max = mem >= 16 * GIB - 512 * MIB ? 4096 * MIB : 2048 * MIB;
    old = old < 256 * MIB ? 256 * MIB : old;
    return old > max ? max : old;
}

uint64_t runtime_heap_v8_young(uint64_t limit_bytes, uint64_t host_bytes)
{
    uint64_t mem = v8_memory(limit_bytes, host_bytes);
    if (!mem) {
        return 0;
    }
    uint64_t old = v8_old_default(mem);
    // a semi-space of old/256 up to 256 MiB of old space, old/128 above, rounded up to a
    // power of two, 1..16 MiB; the young generation is 3 of them (measured: 3, 12, 24, 48 MiB)
    uint64_t semi = old <= 256 * MIB ? old / 256 : old / 128;
    uint64_t pow2 = MIB;
    while (pow2 < semi && pow2 < 16 * MIB) {
        pow2 <<= 1;
    }
    return 3 * pow2;
}

uint64_t runtime_heap_v8_default(uint64_t limit_bytes, uint64_t host_bytes)
{
    uint64_t mem = v8_memory(limit_bytes, host_bytes);
    return mem ? v8_old_default(mem) + runtime_heap_v8_young(limit_bytes, host_bytes) : 0;
}

// JDK 17 (Arguments::set_heap_size): MaxRAMPercentage of the memory it sees, unless
// MinRAMPercentage of it is below the 126 MiB default, then that; at least 126 MiB otherwise;
// rounded up to 2 MiB. Measured (MaxHeapSize): 128M -> 64 MiB, 256M -> 126, 512M -> 128,
// 1G -> 256, 2G -> 512; MaxRAM=512m at 58.6 % -> 302, MaxRAM=200m -> 118, 1g / 3 -> 342.
static uint64_t jvm_heap(uint64_t mem, uint64_t max_milli, uint64_t min_milli)
{
    uint64_t lo = mem / 100000 * min_milli;
    uint64_t hi = mem / 100000 * max_milli;
    uint64_t heap = lo < JVM_DEFAULT_MAX_HEAP   ? lo
                    : hi > JVM_DEFAULT_MAX_HEAP ? hi
                                                : JVM_DEFAULT_MAX_HEAP;
    return heap > UINT64_MAX - 2 * MIB ? heap : (heap + 2 * MIB - 1) & ~(2 * MIB - 1);
}

/* ---- what auto sets ---- */

enum {
    RT_NODE,
    RT_GO,
    RT_JVM,
    RT_COUNT
}; // the plan's order

_Static_assert(SPAWN_ENV_MAX == 1024u, "decide() says 1024");
_Static_assert(RUNTIME_HEAP_VAR_BYTES == 4096u, "decide() says 4096");

struct decided {
    const char *left;
    uint64_t cap_bytes;
    char flag[sizeof(((struct runtime_heap_var *)0)->flag)];
    const char *env;      // the variable's name; NULL: the flag is the whole entry
    const char *existing; // its value now, merged before the flag (NULL: none)
};

struct decision {
    uint64_t budget_bytes, target_bytes;
    const char *budget_from, *error;
    struct decided rt[RT_COUNT];
};

// Cgroup usage at which the heap should be exhausted, in MiB (README "runtime_heap"). With
// memory_restart: halfway between it and memory_max (1.1 x memory_restart without
// memory_max), so a leak crosses memory_restart while V8 is still collecting and warden
// drains the instance instead of V8 aborting it. Measured here, V8 aborts anywhere from
// X + 10 MiB (a leak of 1 MiB arrays) to 1.07 x X + 8 MiB (small objects) of cgroup usage
// for --max-old-space-size=X; a 5 % margin above memory_restart let the first kind abort at
// 395 MiB under memory_restart 400M, before memory_restart could fire. Without
// memory_restart: 90 % of memory_max, so the runtime collects harder, or gives up with its
// own message, before the kernel's OOM killer sends SIGKILL.
static uint64_t target_mib(uint64_t restart_mib, uint64_t max_mib)
{
    if (!restart_mib) {
        return max_mib * 9 / 10; // at most 2^44 MiB: no overflow
    }
    return max_mib > restart_mib ? restart_mib / 2 + max_mib / 2 : restart_mib * 11 / 10;
}

static const char *jvm_explicit(const char *where)
{
    static const char *const texts[][2] = {
            {"argv", "explicit: a heap or RAM flag (-Xmx, MaxRAMPercentage, ...) in argv"},
            {"JAVA_TOOL_OPTIONS", "explicit: a heap or RAM flag in JAVA_TOOL_OPTIONS"},
            {"JDK_JAVA_OPTIONS", "explicit: a heap or RAM flag in JDK_JAVA_OPTIONS"},
            {"JAVA_OPTS", "explicit: a heap or RAM flag in JAVA_OPTS"}};
    for (size_t i = 0; where && i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (strcmp(where, texts[i][0]) == 0) {
            return texts[i][1];
        }
    }
    return texts[3][1]; // only JAVA_OPTS leaves jvm.where unset
}

static void decide_node(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                        struct decision *d)
{
    struct decided *v = &d->rt[RT_NODE];
    const struct node_seen *n = &s->node;
    uint64_t u = d->target_bytes >> 20;
    uint64_t x = u > V8_USAGE_FIXED_MIB ? (u - V8_USAGE_FIXED_MIB) * 100 / V8_USAGE_PER_100 : 0;
    // and never so small that the lowest usage at abort (X + 10 MiB) is below memory_restart
    uint64_t floor_x = in->memory_restart_bytes >> 20;
    floor_x = floor_x * 103 / 100 > 10 ? floor_x * 103 / 100 - 10 : 0;
    x = in->memory_restart_bytes && x < floor_x ? floor_x : x;
    v->env = "NODE_OPTIONS";
    v->existing = s->node_options;
    if (n->set[NODE_OLD_SPACE] || n->set[NODE_HEAP_SIZE]) {
        bool argv = n->from_argv[n->set[NODE_OLD_SPACE] ? NODE_OLD_SPACE : NODE_HEAP_SIZE];
        v->left = argv ? "explicit: --max-old-space-size or --max-heap-size in argv"
                       : "explicit: --max-old-space-size or --max-heap-size in NODE_OPTIONS";
    } else if (s->node_options_bad) {
        v->left = "NODE_OPTIONS is malformed (node refuses to start with it): left alone";
    } else if (x < HEAP_MIN_MIB) {
        v->left = "the budget is too small for a heap cap (below 16 MiB)";
    } else {
        (void)snprintf(v->flag, sizeof(v->flag), "--max-old-space-size=%llu",
                       (unsigned long long)x);
        v->cap_bytes = x * MIB + runtime_heap_v8_young(in->memory_max_bytes, in->host_memory_bytes);
    }
}

static void decide_go(const struct runtime_heap_seen *s, struct decision *d)
{
    struct decided *v = &d->rt[RT_GO];
    // GOMEMLIMIT is a soft limit on all the memory the Go runtime manages; Go never aborts at
    // it, it collects more often (at most ~50 % CPU) and then passes it. 90 % of the budget
    // keeps the rest for what Go does not count (binary, cgo, page cache, kernel buffers), as
    // the Go GC guide advises (5-10 % headroom), and a real leak still reaches memory_restart.
    uint64_t g = (d->budget_bytes >> 20) * 9 / 10;
    if (s->gomemlimit) {
        v->left = "explicit: GOMEMLIMIT is set";
    } else if (g < HEAP_MIN_MIB) {
        v->left = "the budget is too small for a heap cap (below 16 MiB)";
    } else {
        (void)snprintf(v->flag, sizeof(v->flag), "GOMEMLIMIT=%lluMiB", (unsigned long long)g);
        v->cap_bytes = g * MIB;
    }
}

static void decide_jvm(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                       struct decision *d)
{
    struct decided *v = &d->rt[RT_JVM];
    // 75 % of the budget for the heap: the JVM's non-heap (metaspace, code cache, threads, GC
    // structures) was 14 MiB for a toy (usage at OutOfMemoryError ~= 1.04 x -Xmx + 14 MiB
    // under G1, measured) but is 100-300 MiB for framework applications, and G1 keeps a heap
    // committed once grown: a heap near the budget would live above memory_restart.
    uint64_t heap = (d->budget_bytes >> 20) * 3 / 4;
    // MaxRAM pins what the percentage is of: memory_max is what the JVM would detect anyway;
    // without it the JVM would size from host memory, which warden does not guard.
    uint64_t ram = (in->memory_max_bytes ? in->memory_max_bytes : in->memory_restart_bytes) >> 20;
    uint64_t tenths = ram ? heap * 1000 / ram : 0;
    v->env = "JAVA_TOOL_OPTIONS";
    v->existing = s->java_tool_options;
    if (s->jvm.any || s->jvm_opts_explicit) {
        v->left = jvm_explicit(s->jvm.any ? s->jvm.where : "JAVA_OPTS");
    } else if (s->jto_bad) {
        v->left = "JAVA_TOOL_OPTIONS has an unmatched quote (the JVM refuses it): left alone";
    } else if (heap < HEAP_MIN_MIB || tenths == 0) {
        v->left = "the budget is too small for a heap cap (below 16 MiB)";
    } else {
        // Min and Max alike: below 252 MiB HotSpot takes MinRAMPercentage, not Max (measured:
        // MaxRAM=200m gives 100 MiB, 50 %, whatever MaxRAMPercentage says)
        unsigned t = tenths > 1000 ? 1000u : (unsigned)tenths; // <= 750: heap <= 3/4 of ram
        (void)snprintf(v->flag, sizeof(v->flag),
                       "-XX:MaxRAM=%llum -XX:MinRAMPercentage=%u.%u -XX:MaxRAMPercentage=%u.%u",
                       (unsigned long long)ram, t / 10, t % 10, t / 10, t % 10);
        v->cap_bytes = jvm_heap(ram * MIB, (uint64_t)t * 100, (uint64_t)t * 100);
    }
}

static size_t var_len(const struct decided *v)
{
    size_t n = (v->env ? strlen(v->env) + 1 : 0) + strlen(v->flag) + 1;
    return v->existing && v->existing[0] ? n + strlen(v->existing) + 1 : n;
}

static int decide(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                  struct decision *d)
{
    static const char no_budget[] = "no memory_restart or memory_max to derive a cap from";
    memset(d, 0, sizeof(*d));
    uint64_t restart = in->memory_restart_bytes, max = in->memory_max_bytes;
    d->budget_bytes = restart ? restart : max;
    d->budget_from = restart ? "memory_restart" : max ? "memory_max" : NULL;
    d->target_bytes = target_mib(restart >> 20, max >> 20) << 20;
    int rc = 0;
    if (!d->budget_bytes) {
        d->rt[RT_NODE].left = d->rt[RT_GO].left = d->rt[RT_JVM].left = no_budget;
    } else if (s->env_count > SPAWN_ENV_MAX) {
        d->error = "the environment has more entries than warden passes on (1024)";
        rc = -ENOSPC;
    } else {
        decide_node(in, s, d);
        decide_go(s, d);
        decide_jvm(in, s, d);
    }
    for (unsigned i = 0; i < RT_COUNT && rc == 0; i++) {
        if (!d->rt[i].left && var_len(&d->rt[i]) > RUNTIME_HEAP_VAR_BYTES) {
            d->error = i == RT_NODE ? "NODE_OPTIONS with the flag would exceed 4096 bytes"
                                    : "JAVA_TOOL_OPTIONS with the flags would exceed 4096 bytes";
            rc = -E2BIG;
        }
    }
    for (unsigned i = 0; i < RT_COUNT && rc < 0; i++) {
        d->rt[i].left = d->error; // nothing at all is added: said for each
        d->rt[i].flag[0] = '\0';
        d->rt[i].cap_bytes = 0;
    }
    return rc;
}

int runtime_heap_plan(const struct runtime_heap_input *in, struct runtime_heap_plan *out)
{
    if (!in || !out) {
        return -EINVAL;
    }
    struct runtime_heap_seen s;
    struct decision d;
    runtime_heap_scan(in, &s);
    int rc = decide(in, &s, &d);
    out->budget_bytes = d.budget_bytes;
    out->budget_from = d.budget_from;
    out->target_bytes = d.target_bytes;
    out->error = d.error;
    struct runtime_heap_var *vars[RT_COUNT] = {&out->node, &out->go, &out->jvm};
    for (unsigned i = 0; i < RT_COUNT; i++) {
        const struct decided *v = &d.rt[i];
        vars[i]->left = v->left;
        vars[i]->cap_bytes = v->cap_bytes;
        memcpy(vars[i]->flag, v->flag, sizeof(v->flag));
        vars[i]->var[0] = '\0';
        if (!v->left) { // fits: var_len checked it
            bool merge = v->existing && v->existing[0];
            (void)snprintf(vars[i]->var, sizeof(vars[i]->var), "%s%s%s%s%s", v->env ? v->env : "",
                           v->env ? "=" : "", merge ? v->existing : "", merge ? " " : "", v->flag);
        }
    }
    return rc;
}

/* ---- the cap, for the report ---- */

static int node_cap(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                    const struct decision *d, struct runtime_heap_cap *out)
{
    const struct node_seen *n = &s->node;
    // --max-old-space-size takes precedence over --max-heap-size (V8's flag help); argv is read
    // after NODE_OPTIONS, so the last one seen is the one node uses (measured)
    enum node_flag f = n->set[NODE_OLD_SPACE] ? NODE_OLD_SPACE : NODE_HEAP_SIZE;
    if (n->set[f]) {
        static const char *const src[NODE_FLAG_COUNT][2][2] = {
                {{"NODE_OPTIONS (a --max-old-space-size value V8 refuses)", "NODE_OPTIONS"},
                 {"argv --max-old-space-size (a value V8 refuses)", "argv --max-old-space-size"}},
                {{"NODE_OPTIONS --max-heap-size (node refuses to start with it there)",
                  "NODE_OPTIONS --max-heap-size (node refuses to start with it there)"},
                 {"argv --max-heap-size (a value V8 refuses)", "argv --max-heap-size"}}};
        bool ok = n->ok[f] && (f == NODE_OLD_SPACE || n->from_argv[f]);
        out->source = src[f][n->from_argv[f]][ok];
        uint64_t young = runtime_heap_v8_young(in->memory_max_bytes, in->host_memory_bytes);
        uint64_t b = runtime_heap_sat_mul(n->mib[f], MIB);
        b = f == NODE_HEAP_SIZE || b > UINT64_MAX - young ? b : b + young;
        out->cap_bytes = ok ? b : 0;
        return ok ? 0 : -ENOENT;
    }
    if (s->node_options_bad) {
        out->source = "NODE_OPTIONS (malformed: node refuses to start)";
        return -ENOENT;
    }
    if (in->heap_auto && d->rt[RT_NODE].flag[0]) {
        out->source = "runtime_heap = auto";
        out->cap_bytes = d->rt[RT_NODE].cap_bytes;
        return 0;
    }
    bool from_limit = in->memory_max_bytes &&
                      (!in->host_memory_bytes || in->memory_max_bytes < in->host_memory_bytes);
    out->source = from_limit ? "V8 default from the cgroup limit (measured, node 20: half of it as "
                               "old space, 256 MiB to 2 GiB, plus a 3-48 MiB young generation)"
                             : "V8 default from host memory (measured, node 20: half of it as old "
                               "space, 256 MiB to 2 GiB, 4 GiB from 15.5 GiB, plus a 3-48 MiB "
                               "young generation)";
    out->cap_bytes = runtime_heap_v8_default(in->memory_max_bytes, in->host_memory_bytes);
    return out->cap_bytes ? 0 : -ENOENT;
}

static int jvm_cap(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                   const struct decision *d, struct runtime_heap_cap *out)
{
    const struct jvm_seen *j = &s->jvm;
    uint64_t mem = v8_memory(in->memory_max_bytes, in->host_memory_bytes); // the same min()
    if (j->heap_set) { // an explicit MaxHeapSize wins over every percentage
        out->source = j->heap_ok ? "-Xmx" : "-Xmx (a value the JVM refuses)";
        out->cap_bytes = j->heap_ok ? j->heap_bytes : 0;
        return j->heap_ok ? 0 : -ENOENT;
    }
    if (j->any) {
        mem = j->ram_set ? j->ram_bytes : mem;
        out->source =
                j->pct_bad ? "MaxRAMPercentage (a value the JVM refuses)" : "MaxRAMPercentage";
        out->cap_bytes = j->pct_bad || !mem ? 0
                                            : jvm_heap(mem, j->max_set ? j->max_milli : 25000,
                                                       j->min_set ? j->min_milli : 50000);
        return out->cap_bytes ? 0 : -ENOENT;
    }
    if (s->jto_bad) {
        out->source = "JAVA_TOOL_OPTIONS (an unmatched quote: the JVM refuses it)";
        return -ENOENT;
    }
    if (in->heap_auto && d->rt[RT_JVM].flag[0]) {
        out->source = "runtime_heap = auto";
        out->cap_bytes = d->rt[RT_JVM].cap_bytes;
        return 0;
    }
    out->source = "JVM default from the memory limit (measured, JDK 17: 25 % of it, at least "
                  "126 MiB; 50 % below 252 MiB)";
    out->cap_bytes = mem ? jvm_heap(mem, 25000, 50000) : 0;
    return out->cap_bytes ? 0 : -ENOENT;
}

static int go_cap(const struct runtime_heap_input *in, const struct runtime_heap_seen *s,
                  const struct decision *d, struct runtime_heap_cap *out)
{
    if (s->gomemlimit) {
        uint64_t b = s->gomemlimit_bytes;
        bool ok = s->gomemlimit_ok;
        out->source = strcmp(s->gomemlimit, "off") == 0 ? "GOMEMLIMIT=off (no limit)"
                      : !s->gomemlimit[0]               ? "GOMEMLIMIT (empty: Go ignores it)"
                      : ok                              ? "GOMEMLIMIT"
                                                        : "GOMEMLIMIT (a value Go refuses)";
        out->cap_bytes = ok ? b : 0;
        return ok ? 0 : -ENOENT;
    }
    if (in->heap_auto && d->rt[RT_GO].flag[0]) {
        out->source = "runtime_heap = auto";
        out->cap_bytes = d->rt[RT_GO].cap_bytes;
        return 0;
    }
    out->source = "no GOMEMLIMIT: the Go heap has no cap (GOGC alone paces it)";
    return -ENOENT;
}

int runtime_heap_cap(const struct runtime_heap_input *in, enum runtime_kind hint,
                     struct runtime_heap_cap *out)
{
    if (!in || !out) {
        return -EINVAL;
    }
    struct runtime_heap_seen s;
    struct decision d;
    runtime_heap_scan(in, &s);
    (void)decide(in, &s, &d); // on error nothing is added: the flags are empty
    out->runtime = s.prog.kind != RUNTIME_UNKNOWN ? s.prog.kind : hint;
    out->cap_bytes = 0;
    switch (out->runtime) {
    case RUNTIME_NODE:
        return node_cap(in, &s, &d, out);
    case RUNTIME_JVM:
        return jvm_cap(in, &s, &d, out);
    case RUNTIME_GO:
        return go_cap(in, &s, &d, out);
    default:
        out->runtime = RUNTIME_UNKNOWN;
        out->source = "unknown runtime (a Go program cannot be told from its argv)";
        return -ENOENT;
    }
}

/* ---- status ---- */

static uint64_t host_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0; // MemTotal, as libuv
}

static json_t *var_json(const struct runtime_heap_var *v, const char *env, const char *cap_key)
{
    if (v->left) {
        return json_pack("{s:s}", "left", v->left);
    }
    const char *value = strchr(v->var, '=');
    return json_pack("{s:s, s:s, s:s, s:I}", "set", v->flag, "env", env, "value",
                     value ? value + 1 : "", cap_key, (json_int_t)v->cap_bytes);
}

void runtime_heap_input_of(const struct svc_config *sc, struct runtime_heap_input *in)
{
    extern char **environ;
    *in = (struct runtime_heap_input){
            .argv = sc->argv,
            .envp = environ,
            .memory_max_bytes = sc->memory_max_bytes,
            .memory_restart_bytes = sc->memory_restart_bytes,
            .host_memory_bytes = host_bytes(),
            .heap_auto = sc->runtime_heap == RUNTIME_HEAP_AUTO,
    };
}

json_t *runtime_heap_status_json(const struct svc_config *sc)
{
    static struct runtime_heap_plan plan; // 12 kB: static; status is served one at a time
    struct runtime_heap_input in;
    runtime_heap_input_of(sc, &in);
    struct runtime_heap_cap cap;
    int rc = runtime_heap_cap(&in, RUNTIME_UNKNOWN, &cap);
    json_t *o = json_pack("{s:s, s:{s:s, s:o, s:s}}", "mode", in.heap_auto ? "auto" : "off", "cap",
                          "runtime", runtime_heap_kind_name(cap.runtime), "bytes",
                          rc == 0 ? json_integer((json_int_t)cap.cap_bytes) : json_null(), "source",
                          cap.source);
    if (!o || !in.heap_auto) {
        return o;
    }
    (void)runtime_heap_plan(&in, &plan);
    enum runtime_kind kind = runtime_heap_detect(sc->argv);
    const struct runtime_heap_var *mine = kind == RUNTIME_NODE  ? &plan.node
                                          : kind == RUNTIME_JVM ? &plan.jvm
                                                                : NULL;
    (void)json_object_set_new(o, "budget_bytes", json_integer((json_int_t)plan.budget_bytes));
    (void)json_object_set_new(o, "budget_from",
                              plan.budget_from ? json_string(plan.budget_from) : json_null());
    (void)json_object_set_new(o, "heap_exhausted_at_bytes",
                              json_integer((json_int_t)plan.target_bytes));
    if (plan.error) {
        (void)json_object_set_new(o, "error", json_string(plan.error));
    }
    if (mine && !mine->left) {
        (void)json_object_set_new(o, "flag", json_string(mine->flag));
    }
    (void)json_object_set_new(o, "node",
                              var_json(&plan.node, "NODE_OPTIONS", "heap_size_limit_bytes"));
    (void)json_object_set_new(o, "go", var_json(&plan.go, "GOMEMLIMIT", "limit_bytes"));
    (void)json_object_set_new(o, "jvm", var_json(&plan.jvm, "JAVA_TOOL_OPTIONS", "max_heap_bytes"));
    return o;
}
