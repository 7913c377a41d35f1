/* SPDX-License-Identifier: MIT */
/* The heap caps of the runtimes warden knows (V8/Node, the JVM, Go): which cap a service
 * already sets (argv, NODE_OPTIONS, JAVA_TOOL_OPTIONS, GOMEMLIMIT), which one V8 or the JVM
 * picks by default, and what `runtime_heap = auto` adds to the environment. Everything but
 * runtime_heap_status_json is pure: no I/O, no allocation, caller-owned buffers. */
#ifndef WARDEN_RUNTIME_HEAP_H
#define WARDEN_RUNTIME_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"

struct svc_config;

enum runtime_kind {
    RUNTIME_UNKNOWN,
    RUNTIME_NODE,
    RUNTIME_JVM,
    RUNTIME_GO,
    RUNTIME_KIND_COUNT,
};

/* What every function below decides from; all borrowed. */
struct runtime_heap_input {
    char *const *argv;             /* the service's argv, NULL-terminated (NULL: none) */
    char *const *envp;             /* its environment before auto's additions (NULL: none) */
    uint64_t memory_max_bytes;     /* the cgroup limit the service runs under (0: none) */
    uint64_t memory_restart_bytes; /* 0: none */
    uint64_t host_memory_bytes;    /* what V8 and the JVM size from without a limit (0: unknown) */
    bool heap_auto;                /* runtime_heap = auto */
};

/* One runtime's part of what auto sets. */
struct runtime_heap_var {
    const char *left;   /* NULL: set; else why it was left alone ("explicit: ...") */
    uint64_t cap_bytes; /* the heap cap it gives (V8: heap_size_limit incl. young gen) */
    char flag[128];     /* what was added: "--max-old-space-size=385", "GOMEMLIMIT=360MiB" */
    char var[RUNTIME_HEAP_VAR_BYTES]; /* the whole environment entry, merged; "" when left */
};

struct runtime_heap_plan {
    uint64_t budget_bytes;        /* memory_restart, else memory_max; 0: nothing to derive from */
    const char *budget_from;      /* "memory_restart", "memory_max" or NULL */
    uint64_t target_bytes;        /* cgroup usage at which V8's heap should be exhausted */
    const char *error;            /* NULL, or why nothing at all is added (the return was < 0) */
    struct runtime_heap_var node; /* NODE_OPTIONS=... (the existing value + the flag) */
    struct runtime_heap_var go;   /* GOMEMLIMIT=... */
    struct runtime_heap_var jvm;  /* JAVA_TOOL_OPTIONS=... (the existing value + the flags) */
};

/* What auto adds for in (in->heap_auto is not looked at): each runtime's variable, or why it
 * is left alone (an explicit setting, a NODE_OPTIONS node itself would refuse, a budget too
 * small, no budget). Returns 0; -E2BIG when a merged variable would not fit
 * RUNTIME_HEAP_VAR_BYTES, -ENOSPC when envp has more than SPAWN_ENV_MAX entries: then nothing
 * is to be added (every var is "", out->error and every left say why); -EINVAL when in or out
 * is NULL. Bounded: envp is read up to SPAWN_ENV_MAX entries, words are cut at 127 bytes. */
int runtime_heap_plan(const struct runtime_heap_input *in, struct runtime_heap_plan *out);

struct runtime_heap_cap {
    enum runtime_kind runtime;
    uint64_t cap_bytes; /* V8: heap_size_limit (old space + young generation); 0: none known */
    const char *source; /* static */
};

/* The heap cap a service's runtime will have, for the report: which runtime (from argv[0],
 * through `env` and `sh -c`; hint, e.g. from an out-of-memory line, wins over
 * RUNTIME_UNKNOWN), the cap in bytes, and where it comes from ("argv --max-old-space-size",
 * "NODE_OPTIONS", "V8 default from the cgroup limit (measured: ...)", "runtime_heap = auto",
 * "GOMEMLIMIT", "-Xmx", "MaxRAMPercentage", "JVM default ..."). Returns 0 with a cap; -ENOENT
 * when there is none to name (unknown runtime, Go without GOMEMLIMIT, GOMEMLIMIT=off, a value
 * the runtime would refuse): out->source still says which. -EINVAL when in or out is NULL. */
int runtime_heap_cap(const struct runtime_heap_input *in, enum runtime_kind hint,
                     struct runtime_heap_cap *out);

/* The runtime argv starts (node, nodejs, java; the program after `env` or the first word of
 * `sh -c`). A Go binary cannot be told: RUNTIME_UNKNOWN. */
enum runtime_kind runtime_heap_detect(char *const *argv);

/* V8's own heap_size_limit for node 20 (V8 11.3) with no flag, and the young generation it
 * adds to any --max-old-space-size, from the memory it sees: the cgroup limit when below host
 * memory, else host memory (0 and 0: unknown). Fitted to measurements (runtime_heap.c). */
uint64_t runtime_heap_v8_default(uint64_t limit_bytes, uint64_t host_bytes);
uint64_t runtime_heap_v8_young(uint64_t limit_bytes, uint64_t host_bytes);

/* "node", "jvm", "go", "unknown". */
const char *runtime_heap_kind_name(enum runtime_kind k);

/* The input for a service as warden spawns it: its argv, warden's environment (which services
 * inherit), its limits, host memory (sysconf) and its runtime_heap. Not pure: reads environ. */
void runtime_heap_input_of(const struct svc_config *sc, struct runtime_heap_input *in);

/* What runtime_heap sets for this service, for `warden status --json`: {"mode": "off"|"auto",
 * "cap": {runtime, bytes, source}} and, for auto, the budget, "flag" (the detected runtime's
 * addition, else node's) and per runtime {"set", "value", ...} or {"left": why}. Computed from
 * warden's environment (which services inherit) and sysconf host memory, like a spawn. New
 * reference, or NULL when out of memory. */
json_t *runtime_heap_status_json(const struct svc_config *sc);

#endif
