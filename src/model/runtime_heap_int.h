// SPDX-License-Identifier: MIT
// Private to runtime_heap.c and runtime_heap_scan.c: what a service's argv and environment
// already set for its runtime's heap, as the runtime itself would read it.
#ifndef WARDEN_RUNTIME_HEAP_INT_H
#define WARDEN_RUNTIME_HEAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime_heap.h"

static inline uint64_t runtime_heap_sat_mul(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

// Where the program is in argv: after `env [-i] [NAME=VALUE]...`; for `sh -c SCRIPT` (any
// of the usual shells), the first word of SCRIPT after `exec` and NAME=VALUE words.
struct runtime_heap_program {
    enum runtime_kind kind;
    size_t index; // of the program in argv; options follow it
    bool script;  // sh -c: argv[index] is the script; every word of it is scanned
};

enum node_flag {
    NODE_OLD_SPACE,
    NODE_HEAP_SIZE,
    NODE_FLAG_COUNT
};

struct node_seen {
    bool set[NODE_FLAG_COUNT];
    bool ok[NODE_FLAG_COUNT]; // a value V8 takes (digits, MiB)
    uint64_t mib[NODE_FLAG_COUNT];
    bool from_argv[NODE_FLAG_COUNT]; // the last one was in argv, else in NODE_OPTIONS
};

struct jvm_seen {
    bool any;               // any heap or RAM flag: auto leaves the JVM alone
    const char *where;      // of the first seen: "argv", "JAVA_TOOL_OPTIONS", ...
    bool heap_set, heap_ok; // -Xmx / -XX:MaxHeapSize
    uint64_t heap_bytes;
    bool ram_set, max_set, min_set, pct_bad;
    uint64_t ram_bytes; // -XX:MaxRAM
    uint64_t max_milli; // MaxRAMPercentage (or 100/MaxRAMFraction), thousandths
    uint64_t min_milli;
};

struct runtime_heap_seen {
    struct runtime_heap_program prog;
    size_t opt_start, opt_end; // argv words the runtime reads as options
    const char *node_options;  // values from the environment, NULL when absent
    bool node_options_bad;     // node would refuse it
    const char *java_tool_options;
    bool jto_bad;
    const char *gomemlimit;
    bool gomemlimit_ok; // a value Go takes (not "off", not empty)
    uint64_t gomemlimit_bytes;
    size_t env_count; // entries of envp, counted up to SPAWN_ENV_MAX + 1
    struct node_seen node;
    struct jvm_seen jvm;    // as the JVM reads it (argv, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS)
    bool jvm_opts_explicit; // JAVA_OPTS has a heap flag (launcher scripts pass it on)
};

// Fill s from in's argv and envp (read up to SPAWN_ENV_MAX entries; words cut at 127 bytes).
// Node reads NODE_OPTIONS before its argv, the JVM JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS,
// then argv: where a flag appears twice, the last one is kept, as the runtime does.
void runtime_heap_scan(const struct runtime_heap_input *in, struct runtime_heap_seen *s);

#endif
