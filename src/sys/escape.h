/* SPDX-License-Identifier: MIT */
/* A service's main process that left its cgroup: found by the 1 s tick and before a stop,
 * moved back with the processes it has forked since (they were born outside), or killed
 * where it cannot be moved back. Only the main process is watched: its tree is walked
 * through /proc/PID/task/TID/children, at most ESCAPE_TREE_MAX processes. A process other
 * than the main one that leaves is not seen (that would need a scan of every process). */
#ifndef WARDEN_ESCAPE_H
#define WARDEN_ESCAPE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"

/* "memory:/user.slice" (hierarchy:path of the first one left) */
#define ESCAPE_WHERE_MAX (CGROUP_PATH_MAX + 16u)

struct escape {
    char where[ESCAPE_WHERE_MAX];
    char command[16]; /* the main process's comm */
    unsigned moved;   /* processes moved back into the service's cgroup */
    unsigned killed;  /* processes that could not be moved back, SIGKILLed */
    bool truncated;   /* the tree had more than ESCAPE_TREE_MAX processes: the rest stay out */
    int move_errno;   /* why the first move failed, 0 when none did */
};

/* Pure: is the process whose /proc/PID/cgroup text is `text` inside the service's cgroups?
 * v2_rel, mem_rel, pids_rel: the service's path inside the unified, memory and pids
 * hierarchies ("/warden.X/web"), "" for one it does not use. Inside means the same path or
 * one below it. 1 when outside (where gets "HIERARCHY:PATH": "0::" is written "unified:"),
 * 0 when inside, -EINVAL when a hierarchy the service uses has no line. */
int escape_parse(const char *text, const char *v2_rel, const char *mem_rel, const char *pids_rel,
                 char *where, size_t where_len);

/* Check pid (the main process) against cg and, when it left, bring it and its descendants
 * back (or kill them). 0: inside; 1: it had escaped (*e says what was done); -errno when
 * /proc/PID/cgroup cannot be read (the process is gone). proc_root: "/proc" (tests). */
int escape_check(const struct cgroup_sys *sys, const struct cgroup_svc *cg, pid_t pid,
                 const char *proc_root, struct escape *e);

#endif
