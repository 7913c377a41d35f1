// SPDX-License-Identifier: MIT
// Table-driven tests of runtime_heap.c: V8's default heap against the figures measured with
// node 20 under v1 limits, runtime detection, what auto sets (merged, never over an explicit
// setting), the cap the report is told and where it comes from, and hostile input (huge
// values, malformed NODE_OPTIONS, quotes, an oversized environment).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "runtime_heap.h"

#define MIB  (1ull << 20)
#define GIB  (1ull << 30)
#define HOST (24105ull * MIB) // MemTotal of the machine the V8 table was measured on

/* ---- V8's default, measured: node -e 'v8.getHeapStatistics().heap_size_limit' ---- */

struct v8_case {
    uint64_t limit_mib; // 0: no limit
    double limit_heap_mib;
    double young_mib; // added to --max-old-space-size=X (measured with X = 64..3000)
};

static const struct v8_case v8_cases[] = {
        {64, 259, 3},      {128, 259, 3},     {256, 259, 3},    {300, 259, 3},    {512, 259, 3},
        {513, 268.5, 12},  {600, 312, 12},    {640, 332, 12},   {700, 362, 12},   {768, 396, 12},
        {1000, 512, 12},   {1024, 524, 12},   {1100, 574, 24},  {1536, 792, 24},  {2048, 1048, 24},
        {3072, 1584, 48},  {4096, 2096, 48},  {5120, 2096, 48}, {6144, 2096, 48}, {15360, 2096, 48},
        {15872, 4144, 48}, {16384, 4144, 48}, {0, 4144, 48},
};

static void test_v8_default(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(v8_cases) / sizeof(v8_cases[0]); i++) {
        const struct v8_case *c = &v8_cases[i];
        uint64_t want = (uint64_t)(c->limit_heap_mib * (double)MIB);
        uint64_t young = (uint64_t)(c->young_mib * (double)MIB);
        if (runtime_heap_v8_default(c->limit_mib * MIB, HOST) != want ||
            runtime_heap_v8_young(c->limit_mib * MIB, HOST) != young) {
            print_error("limit %llu MiB: default %llu young %llu\n",
                        (unsigned long long)c->limit_mib,
                        (unsigned long long)runtime_heap_v8_default(c->limit_mib * MIB, HOST),
                        (unsigned long long)runtime_heap_v8_young(c->limit_mib * MIB, HOST));
            fail();
        }
    }
    assert_int_equal(runtime_heap_v8_default(0, 0), 0);
    assert_int_equal(runtime_heap_v8_young(0, 0), 0);
    // a limit above host memory: node takes host memory (uv_get_constrained_memory > total)
    assert_int_equal(runtime_heap_v8_default(64 * GIB, 2 * GIB), 1048 * MIB);
    assert_int_equal(runtime_heap_v8_default(UINT64_MAX, 0), 4144 * MIB);
    assert_int_equal(runtime_heap_v8_default(0, UINT64_MAX), 4144 * MIB);
}

/* ---- detection ---- */

#define ARGV_MAX 8

struct detect_case {
    char *argv[ARGV_MAX];
    enum runtime_kind want;
};

static const struct detect_case detect_cases[] = {
        {{"node", "server.js"}, RUNTIME_NODE},
        {{"/usr/bin/node", "-e", "1"}, RUNTIME_NODE},
        {{"/usr/bin/nodejs"}, RUNTIME_NODE},
        {{"/usr/bin/env", "NODE_ENV=production", "node", "x.js"}, RUNTIME_NODE},
        {{"env", "-i", "java", "-jar", "x.jar"}, RUNTIME_JVM},
        {{"/bin/sh", "-c", "NODE_ENV=1 exec /usr/bin/node x.js"}, RUNTIME_NODE},
        {{"bash", "-c", "  java -jar app.jar"}, RUNTIME_JVM},
        {{"sh", "-c", "exec env node x.js"}, RUNTIME_NODE},
        {{"sh", "-c", "./start.sh"}, RUNTIME_UNKNOWN},
        {{"sh", "-c", ""}, RUNTIME_UNKNOWN},
        {{"sh", "-c"}, RUNTIME_UNKNOWN},
        {{"sh", "x.sh"}, RUNTIME_UNKNOWN},
        {{"/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "-Xmx1g", "Main"}, RUNTIME_JVM},
        {{"./node_modules/.bin/next", "start"}, RUNTIME_UNKNOWN},
        {{"npm", "start"}, RUNTIME_UNKNOWN},
        {{"nodex"}, RUNTIME_UNKNOWN},
        {{"/srv/node/"}, RUNTIME_UNKNOWN},
        {{"javac"}, RUNTIME_UNKNOWN},
        {{"env"}, RUNTIME_UNKNOWN},
        {{"env", "A=1"}, RUNTIME_UNKNOWN},
        {{""}, RUNTIME_UNKNOWN},
        {{NULL}, RUNTIME_UNKNOWN},
};

static void test_detect(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
        enum runtime_kind got = runtime_heap_detect(detect_cases[i].argv);
        if (got != detect_cases[i].want) {
            print_error("case %zu (%s): %s\n", i, detect_cases[i].argv[0] ? "argv" : "NULL",
                        runtime_heap_kind_name(got));
            fail();
        }
    }
    assert_int_equal(runtime_heap_detect(NULL), RUNTIME_UNKNOWN);
    assert_string_equal(runtime_heap_kind_name(RUNTIME_JVM), "jvm");
    assert_string_equal(runtime_heap_kind_name(RUNTIME_KIND_COUNT), "unknown");
}

/* ---- what auto sets ---- */

struct plan_case {
    const char *what;
    char *argv[ARGV_MAX];
    char *envp[ARGV_MAX];
    uint64_t max_mib, restart_mib;
    int rc;
    const char *node; // the whole entry, or "!" + a substring of why it was left
    const char *go;
    const char *jvm;
    uint64_t node_cap_mib; // heap_size_limit auto gives (0: not checked)
};

#define JVM_512_400                                                                                \
    "JAVA_TOOL_OPTIONS=-XX:MaxRAM=512m -XX:MinRAMPercentage=58.5 -XX:MaxRAMPercentage=58.5"
#define GO_400 "GOMEMLIMIT=360MiB"

static const struct plan_case plan_cases[] = {
        {"the issue's service",
         {"node", "server.js"},
         {"PATH=/bin"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         JVM_512_400,
         421},
        {"memory_max only",
         {"node", "s.js"},
         {NULL},
         256,
         0,
         0,
         "NODE_OPTIONS=--max-old-space-size=207",
         "GOMEMLIMIT=230MiB",
         "JAVA_TOOL_OPTIONS=-XX:MaxRAM=256m -XX:MinRAMPercentage=75.0 -XX:MaxRAMPercentage=75.0",
         210},
        {"memory_restart only",
         {"node", "s.js"},
         {NULL},
         0,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=403",
         GO_400,
         "JAVA_TOOL_OPTIONS=-XX:MaxRAM=400m -XX:MinRAMPercentage=75.0 -XX:MaxRAMPercentage=75.0",
         403 + 48},
        {"restart close to max: the floor (X + 10 MiB above memory_restart) wins",
         {"node"},
         {NULL},
         512,
         500,
         0,
         "NODE_OPTIONS=--max-old-space-size=505",
         "GOMEMLIMIT=450MiB",
         "JAVA_TOOL_OPTIONS=-XX:MaxRAM=512m -XX:MinRAMPercentage=73.2 -XX:MaxRAMPercentage=73.2",
         508},
        {"merged into NODE_OPTIONS",
         {"node", "s.js"},
         {"NODE_OPTIONS=--require ./t.js"},
         512,
         400,
         0,
         "NODE_OPTIONS=--require ./t.js --max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
        {"empty NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS="},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
        {"explicit in NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=64"},
         512,
         400,
         0,
         "!in NODE_OPTIONS",
         GO_400,
         JVM_512_400,
         0},
        {"underscores, after a quoted word",
         {"node"},
         {"NODE_OPTIONS=--title=\"a b\" --max_old_space_size=64"},
         512,
         400,
         0,
         "!in NODE_OPTIONS",
         GO_400,
         JVM_512_400,
         0},
        {"quoted flag",
         {"node"},
         {"NODE_OPTIONS=\"--max-old-space-size=64\""},
         512,
         400,
         0,
         "!in NODE_OPTIONS",
         GO_400,
         JVM_512_400,
         0},
        {"escaped quote inside quotes",
         {"node"},
         {"NODE_OPTIONS=--title=\"a\\\" b\" --max-old-space-size=64"},
         512,
         400,
         0,
         "!in NODE_OPTIONS",
         GO_400,
         JVM_512_400,
         0},
        {"a value V8 refuses still counts",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=1e3"},
         512,
         400,
         0,
         "!in NODE_OPTIONS",
         GO_400,
         JVM_512_400,
         0},
        {"--max-heap-size",
         {"node", "--max-heap-size=300", "s.js"},
         {NULL},
         512,
         400,
         0,
         "!in argv",
         GO_400,
         JVM_512_400,
         0},
        {"unterminated quote",
         {"node"},
         {"NODE_OPTIONS=--title=\"a b --max-old-space-size=9"},
         512,
         400,
         0,
         "!malformed",
         GO_400,
         JVM_512_400,
         0},
        {"trailing backslash in quotes",
         {"node"},
         {"NODE_OPTIONS=\"abc\\"},
         512,
         400,
         0,
         "!malformed",
         GO_400,
         JVM_512_400,
         0},
        {"tab is no separator in NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS=--title=x\t--max-old-space-size=9"},
         512,
         400,
         0,
         "NODE_OPTIONS=--title=x\t--max-old-space-size=9 --max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
        {"inside another option's value",
         {"java", "Main"},
         {"JAVA_TOOL_OPTIONS=-Dx=-Xmx1g"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "JAVA_TOOL_OPTIONS=-Dx=-Xmx1g -XX:MaxRAM=512m -XX:MinRAMPercentage=58.5 "
         "-XX:MaxRAMPercentage=58.5",
         0},
        {"argv before the script",
         {"node", "--max-old-space-size=100", "s.js"},
         {NULL},
         512,
         400,
         0,
         "!in argv",
         GO_400,
         JVM_512_400,
         0},
        {"-e takes a value",
         {"node", "-e", "1", "--max-old-space-size=100"},
         {NULL},
         512,
         400,
         0,
         "!in argv",
         GO_400,
         JVM_512_400,
         0},
        {"after the script it is the script's",
         {"node", "s.js", "--max-old-space-size=100"},
         {NULL},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
        {"sh -c",
         {"/bin/sh", "-c", "exec node --max-old-space-size=100 s.js"},
         {NULL},
         512,
         400,
         0,
         "!in argv",
         GO_400,
         JVM_512_400,
         0},
        {"a wrapper: every word",
         {"npm", "start", "--", "--max-old-space-size=100"},
         {NULL},
         512,
         400,
         0,
         "!in argv",
         GO_400,
         JVM_512_400,
         0},
        {"GOMEMLIMIT set",
         {"./server"},
         {"GOMEMLIMIT=1GiB"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         "!GOMEMLIMIT is set",
         JVM_512_400,
         0},
        {"GOMEMLIMIT empty",
         {"./server"},
         {"GOMEMLIMIT="},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         "!GOMEMLIMIT is set",
         JVM_512_400,
         0},
        {"-Xmx in JAVA_TOOL_OPTIONS",
         {"java", "-jar", "a.jar"},
         {"JAVA_TOOL_OPTIONS=-Xmx1g"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "!JAVA_TOOL_OPTIONS",
         0},
        {"JAVA_OPTS",
         {"catalina.sh", "run"},
         {"JAVA_OPTS=-Xms64m -Xmx1g"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "!JAVA_OPTS",
         0},
        {"JDK_JAVA_OPTIONS",
         {"java", "Main"},
         {"JDK_JAVA_OPTIONS=-XX:MaxRAMPercentage=50"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "!JDK_JAVA_OPTIONS",
         0},
        {"MaxRAMFraction in argv",
         {"java", "-XX:MaxRAMFraction=2", "Main"},
         {NULL},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "!in argv",
         0},
        {"-Xmx after the jar is the program's",
         {"java", "-jar", "a.jar", "-Xmx2g"},
         {NULL},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
        {"merged into JAVA_TOOL_OPTIONS",
         {"java", "Main"},
         {"JAVA_TOOL_OPTIONS='-Dx=a b' -Dy=1"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "JAVA_TOOL_OPTIONS='-Dx=a b' -Dy=1 -XX:MaxRAM=512m -XX:MinRAMPercentage=58.5 "
         "-XX:MaxRAMPercentage=58.5",
         0},
        {"unmatched quote in JAVA_TOOL_OPTIONS",
         {"java", "Main"},
         {"JAVA_TOOL_OPTIONS='-Dx=a"},
         512,
         400,
         0,
         "NODE_OPTIONS=--max-old-space-size=418",
         GO_400,
         "!unmatched quote",
         0},
        {"no budget",
         {"node"},
         {NULL},
         0,
         0,
         0,
         "!no memory_restart",
         "!no memory_restart",
         "!no memory_restart",
         0},
        {"too small", {"node"}, {NULL}, 16, 0, 0, "!too small", "!too small", "!too small", 0},
        {"the first of two entries, as getenv",
         {"node"},
         {"NODE_OPTIONS=--require a.js", "NODE_OPTIONS=--max-old-space-size=9"},
         512,
         400,
         0,
         "NODE_OPTIONS=--require a.js --max-old-space-size=418",
         GO_400,
         JVM_512_400,
         0},
};

static void check_var(const char *what, const char *rt, const struct runtime_heap_var *v,
                      const char *want)
{
    if (want[0] == '!') {
        if (!v->left || !strstr(v->left, want + 1) || v->var[0]) {
            print_error("%s: %s left \"%s\", var \"%s\"; want left ~ \"%s\"\n", what, rt,
                        v->left ? v->left : "(null)", v->var, want + 1);
            fail();
        }
    } else if (v->left || strcmp(v->var, want) != 0) {
        print_error("%s: %s var \"%s\" (left %s); want \"%s\"\n", what, rt, v->var,
                    v->left ? v->left : "-", want);
        fail();
    }
}

static void test_plan(void **state)
{
    (void)state;
    static struct runtime_heap_plan plan;
    for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
        const struct plan_case *c = &plan_cases[i];
        struct runtime_heap_input in = {.argv = c->argv,
                                        .envp = c->envp,
                                        .memory_max_bytes = c->max_mib * MIB,
                                        .memory_restart_bytes = c->restart_mib * MIB,
                                        .host_memory_bytes = HOST,
                                        .heap_auto = true};
        int rc = runtime_heap_plan(&in, &plan);
        if (rc != c->rc) {
            print_error("%s: rc %d\n", c->what, rc);
            fail();
        }
        check_var(c->what, "node", &plan.node, c->node);
        check_var(c->what, "go", &plan.go, c->go);
        check_var(c->what, "jvm", &plan.jvm, c->jvm);
        if (c->node_cap_mib && plan.node.cap_bytes != c->node_cap_mib * MIB) {
            print_error("%s: node cap %llu\n", c->what, (unsigned long long)plan.node.cap_bytes);
            fail();
        }
    }
}

static void test_plan_budget(void **state)
{
    (void)state;
    static struct runtime_heap_plan plan;
    char *argv[] = {"node", NULL};
    struct runtime_heap_input in = {
            .argv = argv, .memory_max_bytes = 512 * MIB, .memory_restart_bytes = 400 * MIB};
    assert_int_equal(runtime_heap_plan(&in, &plan), 0);
    assert_int_equal(plan.budget_bytes, 400 * MIB);
    assert_string_equal(plan.budget_from, "memory_restart");
    assert_int_equal(plan.target_bytes, 456 * MIB); // halfway from memory_restart to memory_max
    assert_null(plan.error);
    in.memory_restart_bytes = 0;
    assert_int_equal(runtime_heap_plan(&in, &plan), 0);
    assert_string_equal(plan.budget_from, "memory_max");
    assert_int_equal(plan.target_bytes, 460 * MIB); // 90 % of memory_max
    // the jvm's cap is what HotSpot makes of the flags (2 MiB rounding): 75 % of 512 MiB
    assert_int_equal(plan.jvm.cap_bytes, 384 * MIB);
    assert_int_equal(plan.go.cap_bytes, 460 * MIB);
    assert_int_equal(runtime_heap_plan(NULL, &plan), -EINVAL);
    assert_int_equal(runtime_heap_plan(&in, NULL), -EINVAL);
}

// Huge limits: the arithmetic saturates or stays in range, the flags are numbers.
static void test_plan_huge(void **state)
{
    (void)state;
    static struct runtime_heap_plan plan;
    char *argv[] = {"node", NULL};
    const uint64_t limits[][2] = {{UINT64_MAX, 0}, {UINT64_MAX, UINT64_MAX - 1},
                                  {0, UINT64_MAX}, {1ull << 62, 1ull << 61},
                                  {1 * MIB, 0},    {17 * MIB, 0}};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct runtime_heap_input in = {.argv = argv,
                                        .memory_max_bytes = limits[i][0],
                                        .memory_restart_bytes = limits[i][1]};
        assert_int_equal(runtime_heap_plan(&in, &plan), 0);
        if (!plan.node.left) {
            assert_true(strncmp(plan.node.var, "NODE_OPTIONS=--max-old-space-size=", 34) == 0);
            assert_true(plan.node.var[34] >= '1' && plan.node.var[34] <= '9');
            assert_true(plan.node.cap_bytes >= 16 * MIB);
        }
        assert_true(plan.go.left || strncmp(plan.go.var, "GOMEMLIMIT=", 11) == 0);
    }
}

// Over a cap: nothing at all is added, and every runtime says why.
static void test_plan_caps(void **state)
{
    (void)state;
    static struct runtime_heap_plan plan;
    static char big[RUNTIME_HEAP_VAR_BYTES + 16];
    static char *envp[SPAWN_ENV_MAX + 2];
    char *argv[] = {"node", NULL};
    // "NODE_OPTIONS=" + 4070 bytes + " --max-old-space-size=422" + NUL: 4109 > 4096
    memcpy(big, "NODE_OPTIONS=", 13);
    memset(big + 13, 'a', 4070);
    big[13 + 4070] = '\0';
    envp[0] = big;
    struct runtime_heap_input in = {.argv = argv, .envp = envp, .memory_max_bytes = 512 * MIB};
    assert_int_equal(runtime_heap_plan(&in, &plan), -E2BIG);
    assert_non_null(plan.error);
    assert_non_null(strstr(plan.error, "NODE_OPTIONS"));
    assert_string_equal(plan.node.var, "");
    assert_string_equal(plan.go.var, "");
    assert_ptr_equal(plan.go.left, plan.error);
    big[13 + 4057] = '\0'; // 13 + 4057 + 1 + 24 + NUL = 4096: fits exactly
    assert_int_equal(runtime_heap_plan(&in, &plan), 0);
    assert_int_equal(strlen(plan.node.var), 4095);
    big[13 + 4057] = 'a'; // one byte more: refused
    big[13 + 4058] = '\0';
    assert_int_equal(runtime_heap_plan(&in, &plan), -E2BIG);

    for (size_t i = 0; i < SPAWN_ENV_MAX + 1; i++) {
        envp[i] = "A=1";
    }
    envp[SPAWN_ENV_MAX + 1] = NULL;
    assert_int_equal(runtime_heap_plan(&in, &plan), -ENOSPC);
    assert_non_null(strstr(plan.error, "1024"));
    assert_string_equal(plan.node.var, "");
    envp[SPAWN_ENV_MAX] = NULL; // exactly SPAWN_ENV_MAX entries: passed whole
    assert_int_equal(runtime_heap_plan(&in, &plan), 0);
}

/* ---- the cap, for the report ---- */

struct cap_case {
    const char *what;
    char *argv[ARGV_MAX];
    char *envp[ARGV_MAX];
    uint64_t max_mib, restart_mib;
    bool heap_auto;
    enum runtime_kind hint;
    int rc;
    enum runtime_kind runtime;
    double cap_mib;
    const char *source; // a prefix of out->source
};

static const struct cap_case cap_cases[] = {
        {"V8 default",
         {"node", "s.js"},
         {NULL},
         512,
         400,
         false,
         0,
         0,
         RUNTIME_NODE,
         259,
         "V8 default from the cgroup limit"},
        {"V8 default, no limit",
         {"node"},
         {NULL},
         0,
         400,
         false,
         0,
         0,
         RUNTIME_NODE,
         4144,
         "V8 default from host memory"},
        {"NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=100"},
         1024,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         112,
         "NODE_OPTIONS"},
        {"argv after NODE_OPTIONS",
         {"node", "--max-old-space-size=300", "s.js"},
         {"NODE_OPTIONS=--max-old-space-size=100"},
         1024,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         312,
         "argv --max-old-space-size"},
        {"the last of two",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=100 --max-old-space-size=200"},
         0,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         248,
         "NODE_OPTIONS"},
        {"--max-heap-size in argv",
         {"node", "--max-heap-size=300"},
         {NULL},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         300,
         "argv --max-heap-size"},
        {"old space wins over heap size",
         {"node", "--max-old-space-size=100", "--max-heap-size=300"},
         {NULL},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         103,
         "argv --max-old-space-size"},
        {"--max-heap-size in NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS=--max-heap-size=300"},
         512,
         0,
         false,
         0,
         -ENOENT,
         RUNTIME_NODE,
         0,
         "NODE_OPTIONS --max-heap-size"},
        {"a value V8 refuses",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=100m"},
         512,
         0,
         false,
         0,
         -ENOENT,
         RUNTIME_NODE,
         0,
         "NODE_OPTIONS (a --max-old-space-size value V8 refuses"},
        {"huge",
         {"node", "--max-old-space-size=99999999999"},
         {NULL},
         0,
         0,
         false,
         0,
         0,
         RUNTIME_NODE,
         99999999999.0 + 48,
         "argv --max-old-space-size"},
        {"malformed NODE_OPTIONS",
         {"node"},
         {"NODE_OPTIONS=\"x"},
         512,
         0,
         false,
         0,
         -ENOENT,
         RUNTIME_NODE,
         0,
         "NODE_OPTIONS (malformed"},
        {"auto",
         {"node", "s.js"},
         {NULL},
         512,
         400,
         true,
         0,
         0,
         RUNTIME_NODE,
         421,
         "runtime_heap = auto"},
        {"auto, but explicit",
         {"node"},
         {"NODE_OPTIONS=--max-old-space-size=100"},
         512,
         400,
         true,
         0,
         0,
         RUNTIME_NODE,
         103,
         "NODE_OPTIONS"},
        {"auto without a budget",
         {"node"},
         {NULL},
         0,
         0,
         true,
         0,
         0,
         RUNTIME_NODE,
         4144,
         "V8 default from host memory"},
        {"the hint names the runtime",
         {"./app"},
         {NULL},
         512,
         0,
         false,
         RUNTIME_NODE,
         0,
         RUNTIME_NODE,
         259,
         "V8 default"},
        {"JVM default 128M",
         {"java", "Main"},
         {NULL},
         128,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         64,
         "JVM default"},
        {"JVM default 256M",
         {"java", "Main"},
         {NULL},
         256,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         126,
         "JVM default"},
        {"JVM default 512M",
         {"java", "Main"},
         {NULL},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         128,
         "JVM default"},
        {"JVM default 1G",
         {"java", "Main"},
         {NULL},
         1024,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         256,
         "JVM default"},
        {"JVM default 2G",
         {"java", "Main"},
         {NULL},
         2048,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         512,
         "JVM default"},
        {"-Xmx",
         {"java", "-Xmx300m", "Main"},
         {NULL},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         300,
         "-Xmx"},
        {"-Xmx wins over a percentage",
         {"java", "-XX:MaxRAMPercentage=90", "-Xmx100m", "Main"},
         {"JAVA_TOOL_OPTIONS=-XX:MaxRAM=400m"},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         100,
         "-Xmx"},
        {"MaxRAM and a percentage",
         {"java", "Main"},
         {"JAVA_TOOL_OPTIONS=-XX:MaxRAM=400m -XX:MaxRAMPercentage=50"},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         200,
         "MaxRAMPercentage"},
        {"argv's percentage over JAVA_TOOL_OPTIONS': at least 126 MiB",
         {"java", "-XX:MaxRAMPercentage=25", "Main"},
         {"JAVA_TOOL_OPTIONS=-XX:MaxRAM=400m -XX:MaxRAMPercentage=50"},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         126,
         "MaxRAMPercentage"},
        {"small memory takes MinRAMPercentage",
         {"java", "Main"},
         {"JAVA_TOOL_OPTIONS=-XX:MaxRAM=200m -XX:MinRAMPercentage=58.6 -XX:MaxRAMPercentage=58.6"},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         118,
         "MaxRAMPercentage"},
        {"MaxRAMFraction",
         {"java", "-XX:MaxRAM=1g", "-XX:MaxRAMFraction=3", "Main"},
         {NULL},
         0,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         342,
         "MaxRAMPercentage"},
        {"a percentage the JVM refuses",
         {"java", "-XX:MaxRAMPercentage=abc", "Main"},
         {NULL},
         512,
         0,
         false,
         0,
         -ENOENT,
         RUNTIME_JVM,
         0,
         "MaxRAMPercentage (a value"},
        {"JAVA_OPTS is not the JVM's",
         {"java", "Main"},
         {"JAVA_OPTS=-Xmx1g"},
         512,
         0,
         false,
         0,
         0,
         RUNTIME_JVM,
         128,
         "JVM default"},
        {"JAVA_OPTS through a script",
         {"catalina.sh", "run"},
         {"JAVA_OPTS=-Xmx1g"},
         512,
         0,
         false,
         RUNTIME_JVM,
         0,
         RUNTIME_JVM,
         1024,
         "-Xmx"},
        {"JVM auto",
         {"java", "-jar", "a.jar"},
         {NULL},
         512,
         400,
         true,
         0,
         0,
         RUNTIME_JVM,
         300,
         "runtime_heap = auto"},
        {"GOMEMLIMIT",
         {"./srv"},
         {"GOMEMLIMIT=1GiB"},
         512,
         0,
         false,
         RUNTIME_GO,
         0,
         RUNTIME_GO,
         1024,
         "GOMEMLIMIT"},
        {"GOMEMLIMIT bytes",
         {"./srv"},
         {"GOMEMLIMIT=1048576"},
         512,
         0,
         false,
         RUNTIME_GO,
         0,
         RUNTIME_GO,
         1,
         "GOMEMLIMIT"},
        {"GOMEMLIMIT=off",
         {"./srv"},
         {"GOMEMLIMIT=off"},
         512,
         0,
         false,
         RUNTIME_GO,
         -ENOENT,
         RUNTIME_GO,
         0,
         "GOMEMLIMIT=off"},
        {"GOMEMLIMIT refused",
         {"./srv"},
         {"GOMEMLIMIT=12XB"},
         512,
         0,
         false,
         RUNTIME_GO,
         -ENOENT,
         RUNTIME_GO,
         0,
         "GOMEMLIMIT (a value Go refuses)"},
        {"GOMEMLIMIT overflow",
         {"./srv"},
         {"GOMEMLIMIT=99999999999TiB"},
         512,
         0,
         false,
         RUNTIME_GO,
         -ENOENT,
         RUNTIME_GO,
         0,
         "GOMEMLIMIT (a value Go refuses)"},
        {"Go without GOMEMLIMIT",
         {"./srv"},
         {NULL},
         512,
         0,
         false,
         RUNTIME_GO,
         -ENOENT,
         RUNTIME_GO,
         0,
         "no GOMEMLIMIT"},
        {"Go auto",
         {"./srv"},
         {NULL},
         512,
         400,
         true,
         RUNTIME_GO,
         0,
         RUNTIME_GO,
         360,
         "runtime_heap = auto"},
        {"unknown",
         {"./srv"},
         {"GOMEMLIMIT=1GiB"},
         512,
         0,
         false,
         0,
         -ENOENT,
         RUNTIME_UNKNOWN,
         0,
         "unknown runtime"},
};

static void test_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++) {
        const struct cap_case *c = &cap_cases[i];
        struct runtime_heap_input in = {.argv = c->argv,
                                        .envp = c->envp,
                                        .memory_max_bytes = c->max_mib * MIB,
                                        .memory_restart_bytes = c->restart_mib * MIB,
                                        .host_memory_bytes = HOST,
                                        .heap_auto = c->heap_auto};
        struct runtime_heap_cap cap;
        int rc = runtime_heap_cap(&in, c->hint, &cap);
        uint64_t want = (uint64_t)(c->cap_mib * (double)MIB);
        if (rc != c->rc || cap.runtime != c->runtime || cap.cap_bytes != want || !cap.source ||
            strncmp(cap.source, c->source, strlen(c->source)) != 0) {
            print_error("%s: rc %d runtime %s cap %llu (%.1f MiB) source \"%s\"\n", c->what, rc,
                        runtime_heap_kind_name(cap.runtime), (unsigned long long)cap.cap_bytes,
                        (double)cap.cap_bytes / (double)MIB, cap.source ? cap.source : "(null)");
            fail();
        }
    }
}

static void test_cap_hostile(void **state)
{
    (void)state;
    struct runtime_heap_cap cap;
    // 2^44 MiB is 2^64 bytes: saturated, not wrapped
    char *argv[] = {"node", "--max-old-space-size=17592186044416", NULL};
    struct runtime_heap_input in = {.argv = argv};
    assert_int_equal(runtime_heap_cap(&in, RUNTIME_UNKNOWN, &cap), 0);
    assert_int_equal(cap.cap_bytes, UINT64_MAX);
    char *argv2[] = {"node", "--max-old-space-size=999999999999999999999999999", NULL};
    in.argv = argv2;
    assert_int_equal(runtime_heap_cap(&in, RUNTIME_UNKNOWN, &cap), 0);
    assert_int_equal(cap.cap_bytes, UINT64_MAX);
    // a word longer than the matcher keeps: the flag is seen, its cut value refused
    static char opts[600];
    (void)snprintf(opts, sizeof(opts), "NODE_OPTIONS=--max-old-space-size=%0500d", 7);
    char *envp[] = {opts, NULL};
    char *argv3[] = {"node", NULL};
    in.argv = argv3;
    in.envp = envp;
    assert_int_equal(runtime_heap_cap(&in, RUNTIME_UNKNOWN, &cap), -ENOENT);
    assert_non_null(strstr(cap.source, "refuses"));
    // garbage everywhere: no crash, a sane answer
    char *junk[] = {"\x01\xff", "-", "--", "-=", "--max-old-space-size", "-Xmx", "=", NULL};
    char *junk_env[] = {"NODE_OPTIONS", "=x", "GOMEMLIMIT", "JAVA_TOOL_OPTIONS= \t ", NULL};
    in.argv = junk;
    in.envp = junk_env;
    assert_int_equal(runtime_heap_cap(&in, RUNTIME_JVM, &cap), -ENOENT); // -Xmx without a value
    assert_int_equal(runtime_heap_cap(NULL, RUNTIME_UNKNOWN, &cap), -EINVAL);
    assert_int_equal(runtime_heap_cap(&in, RUNTIME_UNKNOWN, NULL), -EINVAL);
}

/* ---- the key ---- */

static int load(const char *text, struct warden_config *cfg, struct errbuf *err, unsigned *n)
{
    FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
    assert_non_null(f);
    config_defaults(cfg);
    int rc = config_load_stream(cfg, f, "t.conf", err, 1, n);
    (void)fclose(f);
    return rc;
}

static void test_config_key(void **state)
{
    (void)state;
    static struct warden_config cfg;
    struct errbuf err = {0};
    unsigned n = 0;
    assert_int_equal(load("[service a]\ncommand = node s.js\nmemory_max = 512M\n", &cfg, &err, &n),
                     0);
    assert_int_equal(cfg.services[0].runtime_heap, RUNTIME_HEAP_OFF); // the default
    assert_int_equal(
            load("[service a]\ncommand = node s.js\nruntime_heap = auto\n", &cfg, &err, &n), 0);
    assert_int_equal(cfg.services[0].runtime_heap, RUNTIME_HEAP_AUTO);
    assert_int_equal(load("[service a]\ncommand = x\nruntime_heap = off\n", &cfg, &err, &n), 0);
    assert_int_equal(cfg.services[0].runtime_heap, RUNTIME_HEAP_OFF);
    static const char *const bad[] = {"yes", "Auto", "on", "auto ;x", "\"auto\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        (void)snprintf(text, sizeof(text), "[service a]\ncommand = x\nruntime_heap = %s\n", bad[i]);
        int rc = load(text, &cfg, &err, &n);
        if (strcmp(bad[i], "auto ;x") == 0) { // a comment after a space: the value is auto
            assert_int_equal(rc, 0);
            continue;
        }
        assert_int_equal(rc, -EINVAL);
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.msg, "runtime_heap"));
        assert_non_null(strstr(err.msg, "expected auto"));
        assert_non_null(strstr(err.msg, "or off"));
    }
    // the restart key still parses as before beside it
    assert_int_equal(load("[service a]\ncommand = x\nrestart = never\nruntime_heap = auto\n", &cfg,
                          &err, &n),
                     0);
    assert_int_equal(cfg.services[0].restart, RESTART_NEVER);
}

/* ---- status ---- */

static void test_status_json(void **state)
{
    (void)state;
    static struct svc_config sc;
    static char *argv[] = {"node", "server.js", NULL};
    config_service_defaults(&sc);
    sc.argv = argv;
    sc.argc = 2;
    sc.memory_max_bytes = 512 * MIB;
    sc.memory_restart_bytes = 400 * MIB;
    assert_int_equal(setenv("NODE_OPTIONS", "--require ./t.js", 1), 0);
    assert_int_equal(unsetenv("GOMEMLIMIT"), 0);
    json_t *o = runtime_heap_status_json(&sc);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "mode")), "off");
    json_t *cap = json_object_get(o, "cap");
    assert_string_equal(json_string_value(json_object_get(cap, "runtime")), "node");
    assert_int_equal(json_integer_value(json_object_get(cap, "bytes")), 259 * MIB);
    assert_null(json_object_get(o, "node"));
    json_decref(o);

    sc.runtime_heap = RUNTIME_HEAP_AUTO;
    o = runtime_heap_status_json(&sc);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "mode")), "auto");
    assert_string_equal(json_string_value(json_object_get(o, "flag")), "--max-old-space-size=418");
    assert_string_equal(json_string_value(json_object_get(o, "budget_from")), "memory_restart");
    json_t *node = json_object_get(o, "node");
    assert_string_equal(json_string_value(json_object_get(node, "value")),
                        "--require ./t.js --max-old-space-size=418");
    assert_int_equal(json_integer_value(json_object_get(node, "heap_size_limit_bytes")), 421 * MIB);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "go"), "set")),
                        "GOMEMLIMIT=360MiB");
    cap = json_object_get(o, "cap");
    assert_string_equal(json_string_value(json_object_get(cap, "source")), "runtime_heap = auto");
    json_decref(o);

    assert_int_equal(setenv("NODE_OPTIONS", "--max-old-space-size=64", 1), 0);
    o = runtime_heap_status_json(&sc);
    assert_null(json_object_get(o, "flag"));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(o, "node"), "left")),
                           "explicit"));
    json_decref(o);
    assert_int_equal(unsetenv("NODE_OPTIONS"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_v8_default), cmocka_unit_test(test_detect),
            cmocka_unit_test(test_plan),       cmocka_unit_test(test_plan_budget),
            cmocka_unit_test(test_plan_huge),  cmocka_unit_test(test_plan_caps),
            cmocka_unit_test(test_cap),        cmocka_unit_test(test_cap_hostile),
            cmocka_unit_test(test_config_key), cmocka_unit_test(test_status_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
