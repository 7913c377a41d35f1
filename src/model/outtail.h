/* SPDX-License-Identifier: MIT */
/* The last lines of an instance's output, kept in memory (bounded: OUTTAIL_LINES lines,
 * OUTTAIL_BYTES bytes, each line cut at OUTTAIL_LINE_MAX), and the runtimes' own
 * out-of-memory deaths recognised in them as they stream past: V8/Node, the JVM, Go,
 * Python and .NET die with their own message, not by the kernel's OOM killer, and that
 * message is often followed by a long stack dump, so it is matched line by line rather
 * than searched for in the tail at exit. Pure: no I/O, no allocation. */
#ifndef WARDEN_OUTTAIL_H
#define WARDEN_OUTTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

enum oom_runtime {
    OOM_RT_NONE,
    OOM_RT_NODE,
    OOM_RT_JVM,
    OOM_RT_GO,
    OOM_RT_PYTHON,
    OOM_RT_DOTNET,
    OOM_RT_COUNT,
};

struct outtail {
    uint16_t len[OUTTAIL_LINES];     /* length of each kept line, oldest first */
    unsigned count;                  /* lines kept */
    size_t used;                     /* bytes of buf in use */
    uint64_t seen;                   /* lines seen in this instance (kept or not) */
    enum oom_runtime oom_runtime;    /* the first runtime OOM line of this instance */
    bool bind_error;                 /* a line said the address is already in use */
    char oom_line[RUNTIME_LINE_MAX]; /* that line, verbatim (cut), NUL-terminated */
    char bind_line[RUNTIME_LINE_MAX];
    /* the lines, oldest first, back to back (no NULs): OUTTAIL_BYTES from outtail_init, in
     * a table of their own so a service that prints nothing never makes them resident (the
     * tails were 48 kB of warden's private memory with 10 idle services) */
    char *buf;
};

/* Give t its line storage (OUTTAIL_BYTES), once; then outtail_reset. */
void outtail_init(struct outtail *t, char *buf);
/* Forget everything (a new instance starts). */
void outtail_reset(struct outtail *t);

/* Keep one line (without its newline; cut at OUTTAIL_LINE_MAX), dropping the oldest lines
 * to make room, and match it against the runtimes' OOM messages. */
void outtail_add(struct outtail *t, const char *line, size_t len);

/* Line i of the kept lines (0: the oldest) and its length; false when i >= count. */
bool outtail_line(const struct outtail *t, unsigned i, const char **line, size_t *len);

/* Which runtime's out-of-memory death this line is, or OOM_RT_NONE. */
enum oom_runtime outtail_match_oom(const char *line, size_t len);

/* Does this line say that an address is already in use (EADDRINUSE)? */
bool outtail_match_bind(const char *line, size_t len);

/* "node", "jvm", "go", "python", "dotnet"; "none". */
const char *outtail_runtime_name(enum oom_runtime k);

#endif
