// SPDX-License-Identifier: MIT
// Output tail and runtime out-of-memory recognition (outtail.h). The messages matched are
// the runtimes' own, as they print them on a heap death (seen here: Node 20 prints "FATAL
// ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory" then a native
// stack and SIGABRT; Python ends its traceback with a bare "MemoryError" line and exit 1).
#include "outtail.h"

#include <string.h>

// A kept line is at most OUTTAIL_LINE_MAX; a uint16_t holds it.
_Static_assert(OUTTAIL_LINE_MAX < 65536u && OUTTAIL_LINE_MAX <= OUTTAIL_BYTES, "line size");

void outtail_init(struct outtail *t, char *buf)
{
    t->buf = buf;
    outtail_reset(t);
}

void outtail_reset(struct outtail *t)
{
    t->count = 0;
    t->used = 0;
    t->seen = 0;
    t->oom_runtime = OOM_RT_NONE;
    t->oom_line[0] = '\0';
    t->bind_error = false;
    t->bind_line[0] = '\0';
}

static void drop_oldest(struct outtail *t)
{
    size_t n = t->len[0];
    memmove(t->buf, t->buf + n, t->used - n);
    memmove(t->len, t->len + 1, (t->count - 1) * sizeof(t->len[0]));
    t->used -= n;
    t->count--;
}

static void quote(char *dst, const char *line, size_t len)
{
    size_t n = len < RUNTIME_LINE_MAX - 1 ? len : RUNTIME_LINE_MAX - 1;
    while (n > 0 && n < len && ((unsigned char)line[n] & 0xC0) == 0x80) {
        n--; // do not cut a UTF-8 sequence
    }
    memcpy(dst, line, n);
    dst[n] = '\0';
}

void outtail_add(struct outtail *t, const char *line, size_t len)
{
    t->seen++;
    if (t->oom_runtime == OOM_RT_NONE) {
        t->oom_runtime = outtail_match_oom(line, len);
        if (t->oom_runtime != OOM_RT_NONE) {
            quote(t->oom_line, line, len);
        }
    }
    if (!t->bind_error && outtail_match_bind(line, len)) {
        t->bind_error = true;
        quote(t->bind_line, line, len);
    }
    size_t n = len < OUTTAIL_LINE_MAX ? len : OUTTAIL_LINE_MAX;
    while (t->count > 0 && (t->count == OUTTAIL_LINES || t->used + n > OUTTAIL_BYTES)) {
        drop_oldest(t);
    }
    memcpy(t->buf + t->used, line, n);
    t->len[t->count++] = (uint16_t)n;
    t->used += n;
}

bool outtail_line(const struct outtail *t, unsigned i, const char **line, size_t *len)
{
    if (i >= t->count) {
        return false;
    }
    size_t off = 0;
    for (unsigned k = 0; k < i; k++) {
        off += t->len[k];
    }
    *line = t->buf + off;
    *len = t->len[i];
    return true;
}

static bool contains(const char *line, size_t len, const char *needle)
{
    return memmem(line, len, needle, strlen(needle)) != NULL;
}

// The line without leading and trailing blanks.
static void trim(const char **line, size_t *len)
{
    while (*len > 0 && (**line == ' ' || **line == '\t')) {
        (*line)++;
        (*len)--;
    }
    while (*len > 0 &&
           ((*line)[*len - 1] == ' ' || (*line)[*len - 1] == '\t' || (*line)[*len - 1] == '\r')) {
        (*len)--;
    }
}

enum oom_runtime outtail_match_oom(const char *line, size_t len)
{
    static const struct {
        enum oom_runtime kind;
        const char *needle;
    } table[] = {
            // V8: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of
            // memory", older: "... Ineffective mark-compacts near heap limit ...",
            // "CALL_AND_RETRY_LAST Allocation failed"
            {OOM_RT_NODE, "JavaScript heap out of memory"},
            {OOM_RT_NODE, "Reached heap limit Allocation failed"},
            {OOM_RT_NODE, "Ineffective mark-compacts near heap limit"},
            {OOM_RT_JVM, "java.lang.OutOfMemoryError"},
            {OOM_RT_GO, "fatal error: runtime: out of memory"},
            {OOM_RT_DOTNET, "System.OutOfMemoryException"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (contains(line, len, table[i].needle)) {
            return table[i].kind;
        }
    }
    // Python ends the traceback with the exception alone on its line: "MemoryError" or
    // "MemoryError: ...". A log line merely mentioning it does not count.
    trim(&line, &len);
    if ((len == 11 && memcmp(line, "MemoryError", 11) == 0) ||
        (len > 11 && memcmp(line, "MemoryError:", 12) == 0)) {
        return OOM_RT_PYTHON;
    }
    return OOM_RT_NONE;
}

bool outtail_match_bind(const char *line, size_t len)
{
    return contains(line, len, "EADDRINUSE") || contains(line, len, "Address already in use") ||
           contains(line, len, "address already in use");
}

const char *outtail_runtime_name(enum oom_runtime k)
{
    static const char *const names[OOM_RT_COUNT] = {"none", "node",   "jvm",
                                                    "go",   "python", "dotnet"};
    return (unsigned)k < OOM_RT_COUNT ? names[k] : "none";
}
