/* SPDX-License-Identifier: MIT */
/* Process-tree snapshot of a cgroup for the process guard: the commands by count with
 * their parent, e.g. "1998 x sh, parent 1234 node /app/agent.js". Bounded: at most
 * SNAPSHOT_PIDS_MAX processes are read and SNAPSHOT_GROUPS_MAX (command, parent) pairs
 * counted; what does not fit is counted, not stored. */
#ifndef WARDEN_SNAPSHOT_H
#define WARDEN_SNAPSHOT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"

struct snapshot_group {
    char comm[16];
    pid_t ppid;
    uint32_t count;
};

struct snapshot {
    unsigned processes;  /* pids read from cgroup.procs */
    unsigned unreadable; /* gone before /proc/PID/stat could be read */
    unsigned ungrouped;  /* processes beyond SNAPSHOT_GROUPS_MAX distinct pairs */
    bool truncated;      /* cgroup.procs listed more than SNAPSHOT_PIDS_MAX */
    unsigned group_count;
    struct snapshot_group groups[SNAPSHOT_GROUPS_MAX];
};

/* Read dirfd's cgroup.procs and /proc (proc_root, "/proc" normally; a seam for tests).
 * 0 or -errno (cgroup.procs unreadable). */
int snapshot_take(int procs_dirfd, const char *proc_root, struct snapshot *s);

/* {"processes": N, "top": [{"count", "command", "parent_pid", "parent"}...], "summary"}
 * with the SNAPSHOT_TOP biggest groups. New reference. */
json_t *snapshot_json(const struct snapshot *s, const char *proc_root);

/* Parse one /proc/PID/stat line: comm (up to 15 bytes) and ppid. 0 or -EINVAL. */
int snapshot_parse_stat(const char *line, char comm[16], pid_t *ppid);

#endif
