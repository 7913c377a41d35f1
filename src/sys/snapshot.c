// SPDX-License-Identifier: MIT
// Process-tree snapshot: group a cgroup's processes by (command, parent) and name the
// biggest groups with their parent's command line (incident 003: 73,217 shell processes,
// and nobody could say which parent was forking them).
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int snapshot_parse_stat(const char *line, char comm[16], pid_t *ppid)
{
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and ')' so take the last ')'
    const char *open = strchr(line, '(');
    const char *close = strrchr(line, ')');
    if (!open || !close || close < open || close[1] != ' ' || !close[2] || close[3] != ' ') {
        return -EINVAL;
    }
    size_t len = (size_t)(close - open - 1);
    len = len > 15 ? 15 : len;
    memcpy(comm, open + 1, len);
    comm[len] = '\0';
    char *end = NULL;
    errno = 0;
    long v = strtol(close + 4, &end, 10);
    if (end == close + 4 || errno || v < 0 || v > INT_MAX) { // pid_t is an int on Linux
        return -EINVAL;
    }
    *ppid = (pid_t)v;
    return 0;
}

// JSON strings must be UTF-8, and the kernel cuts comm at 15 bytes, even inside a
// multi-byte character: keep printable ASCII, show anything else as '?'.
static void to_ascii(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            *s = '?';
        }
    }
}

static void add_process(struct snapshot *s, const char *proc_root, pid_t pid)
{
    char path[96], line[512];
    (void)snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, line, sizeof(line) - 1) : -1;
    if (fd >= 0) {
        (void)close(fd);
    }
    char comm[16];
    pid_t ppid;
    if (n <= 0) {
        s->unreadable++;
        return;
    }
    line[n] = '\0';
    if (snapshot_parse_stat(line, comm, &ppid) < 0) {
        s->unreadable++;
        return;
    }
    to_ascii(comm);
    for (unsigned i = 0; i < s->group_count; i++) {
        struct snapshot_group *g = &s->groups[i];
        if (g->ppid == ppid && strcmp(g->comm, comm) == 0) {
            g->count++;
            return;
        }
    }
    if (s->group_count == SNAPSHOT_GROUPS_MAX) {
        s->ungrouped++;
        return;
    }
    struct snapshot_group *g = &s->groups[s->group_count++];
    memcpy(g->comm, comm, sizeof(g->comm));
    g->ppid = ppid;
    g->count = 1;
}

int snapshot_take(int procs_dirfd, const char *proc_root, struct snapshot *s)
{
    memset(s, 0, sizeof(*s));
    int fd = openat(procs_dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    char buf[4096];
    size_t have = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno; // e.g. ENODEV: the cgroup went away between open and read
            break;
        }
        if (n == 0) {
            break;
        }
        have += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            buf[i] = '\0';
            if (s->processes < SNAPSHOT_PIDS_MAX) {
                add_process(s, proc_root, (pid_t)strtol(buf + start, NULL, 10));
                s->processes++;
            } else {
                s->truncated = true;
            }
            start = i + 1;
        }
        memmove(buf, buf + start, have - start); // a pid cut by the chunk boundary
        have -= start;
    }
    (void)close(fd);
    return rc;
}

// "node /app/agent.js" from /proc/PPID/cmdline (NULs to spaces), at most len-1 bytes.
static void parent_cmd(const char *proc_root, pid_t ppid, char *out, size_t len)
{
    char path[96];
    (void)snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, (int)ppid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;
    if (fd >= 0) {
        (void)close(fd);
    }
    if (n <= 0) {
        (void)snprintf(out, len, "?");
        return;
    }
    out[n] = '\0';
    for (ssize_t i = 0; i < n; i++) {
        if (out[i] == '\0') {
            out[i] = ' ';
        }
    }
    to_ascii(out);
    for (ssize_t i = n - 1; i >= 0 && out[i] == ' '; i--) {
        out[i] = '\0';
    }
}

static int by_count_desc(const void *a, const void *b)
{
    const struct snapshot_group *x = a, *y = b;
    return (x->count < y->count) - (x->count > y->count);
}

json_t *snapshot_json(const struct snapshot *s, const char *proc_root)
{
    struct snapshot_group top[SNAPSHOT_GROUPS_MAX];
    memcpy(top, s->groups, sizeof(top[0]) * s->group_count);
    qsort(top, s->group_count, sizeof(top[0]), by_count_desc);
    json_t *list = json_array();
    char summary[512] = "";
    size_t used = 0;
    for (unsigned i = 0; i < s->group_count && i < SNAPSHOT_TOP; i++) {
        top[i].comm[sizeof(top[i].comm) - 1] = '\0';
        to_ascii(top[i].comm); // the copy: groups may come from anywhere
        char parent[128];
        parent_cmd(proc_root, top[i].ppid, parent, sizeof(parent));
        (void)json_array_append_new(
                list, json_pack("{s:i, s:s, s:i, s:s}", "count", (int)top[i].count, "command",
                                top[i].comm, "parent_pid", (int)top[i].ppid, "parent", parent));
        if (used + 1 < sizeof(summary)) {
            int n = snprintf(summary + used, sizeof(summary) - used, "%s%u x %s, parent %d %s",
                             i ? "; " : "", top[i].count, top[i].comm, (int)top[i].ppid, parent);
            // cut: keep the prefix snprintf wrote and add nothing after it
            used = (n < 0 || used + (size_t)n >= sizeof(summary)) ? sizeof(summary) - 1
                                                                  : used + (size_t)n;
        }
    }
    return json_pack("{s:i, s:b, s:i, s:o, s:s}", "processes", (int)s->processes, "truncated",
                     s->truncated, "ungrouped", (int)s->ungrouped, "top", list, "summary", summary);
}
