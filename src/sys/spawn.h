/* SPDX-License-Identifier: MIT */
/* Starting a service process: fork, then in the child restore the signal mask and
 * dispositions, start a new session, join the service cgroup, reset oom_score_adj, drop
 * to the service user, wire stdio, exec. A failure before or at exec is reported to the
 * parent through a close-on-exec pipe (stage + errno) and the child exits 126/127. */
#ifndef WARDEN_SPAWN_H
#define WARDEN_SPAWN_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bounds.h" // SPAWN_GROUPS_MAX
#include "cgroup.h"

struct spawn_req {
    char *const *argv;
    const struct cgroup_svc *cg;
    bool has_user;
    uid_t uid;
    gid_t gid;
    const gid_t *groups; /* supplementary groups for the user, or NULL: just gid */
    size_t group_count;
    int stdin_fd;             /* -1: inherit */
    int stdout_fd;            /* -1: inherit */
    int stderr_fd;            /* -1: inherit */
    uint64_t rlimit_as_bytes; /* 0: leave alone (the none backend's memory_max) */
    const sigset_t *mask;     /* signal mask to restore in the child */
    int oom_score_adj;        /* written to /proc/self/oom_score_adj in the child */
    /* socket activation: these fds become 3, 4, ... in the child; envp (NULL: environ)
     * holds LISTEN_FDS, LISTEN_FDNAMES and listen_pid_env, a "LISTEN_PID=" entry with
     * room for 20 digits that the child completes with its own pid */
    const int *listen_fds;
    unsigned listen_count;
    char *const *envp;
    char *listen_pid_env;
};

struct spawn_res {
    pid_t pid;
    int pidfd;   /* pidfd_open of the child (non-blocking, cloexec), or -1 */
    int exec_fd; /* read end: EOF means exec succeeded, 8 bytes mean failure */
};

enum spawn_stage {
    SPAWN_STAGE_SETSID = 1,
    SPAWN_STAGE_CGROUP,
    SPAWN_STAGE_OOM_ADJ,
    SPAWN_STAGE_RLIMIT,
    SPAWN_STAGE_USER,
    SPAWN_STAGE_STDIO,
    SPAWN_STAGE_LISTEN,
    SPAWN_STAGE_EXEC,
};

/* Fork and start. Returns 0 or -errno (fork/pipe failed; nothing was started). */
int spawn_start(const struct spawn_req *req, struct spawn_res *res);

/* Read the exec result. Returns 1 when exec succeeded (EOF), 0 when the child reported a
 * failure (stage and err filled), -EAGAIN when nothing yet, other -errno on error. */
int spawn_exec_result(int exec_fd, int *stage, int *err);

const char *spawn_stage_name(int stage);

#endif
