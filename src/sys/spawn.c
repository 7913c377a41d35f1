// SPDX-License-Identifier: MIT
// fork/exec for services. Between fork and exec only async-signal-safe calls are made
// (warden is single-threaded, so this is belt and braces).
#include "spawn.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "listen.h"
#include "loop.h"

static const char *const stage_names[] = {"?",      "setsid",      "cgroup attach", "oom_score_adj",
                                          "rlimit", "user switch", "stdio",         "listen",
                                          "exec"};

const char *spawn_stage_name(int stage)
{
    return (stage > 0 && stage <= SPAWN_STAGE_EXEC) ? stage_names[stage] : "?";
}

static void child_fail(int fd, int stage, int err)
{
    int32_t msg[2] = {stage, err};
    ssize_t n = write(fd, msg, sizeof(msg));
    (void)n;
    // 127: command not found, 126: found but not runnable (shell and tini convention)
    _exit(stage == SPAWN_STAGE_EXEC && (err == ENOENT || err == ENOTDIR) ? 127 : 126);
}

static void write_oom_adj(int value)
{
    char buf[16];
    int len = snprintf(buf, sizeof(buf), "%d", value);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = write(fd, buf, (size_t)len);
        (void)n;
        (void)close(fd);
    }
}

static int dup_to(int from, int to)
{
    if (from < 0 || from == to) {
        return 0;
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

// Write n's decimal digits at p (async-signal-safe).
static void put_pid(char *p, pid_t n)
{
    char d[20];
    int k = 0;
    unsigned long v = (unsigned long)n;
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && k < (int)sizeof(d));
    while (k > 0) {
        *p++ = d[--k];
    }
    *p = '\0';
}

// The listening sockets to fds 3.. (LISTEN_FD_FIRST), without close-on-exec; errfd is
// moved above them first. Returns errfd's new number, or -1 (errno set).
static int pass_listen_fds(const struct spawn_req *req, int errfd)
{
    int hi = LISTEN_FD_FIRST + (int)req->listen_count;
    int tmp[LISTEN_MAX];
    if (errfd < hi) {
        int moved = fcntl(errfd, F_DUPFD_CLOEXEC, hi);
        if (moved < 0) {
            return -1;
        }
        errfd = moved;
    }
    for (unsigned i = 0; i < req->listen_count; i++) { // above the range first: no clobbering
        tmp[i] = fcntl(req->listen_fds[i], F_DUPFD_CLOEXEC, hi);
        if (tmp[i] < 0) {
            return -1;
        }
    }
    for (unsigned i = 0; i < req->listen_count; i++) {
        if (dup2(tmp[i], LISTEN_FD_FIRST + (int)i) < 0) {
            return -1;
        }
        (void)close(tmp[i]);
    }
    if (req->listen_pid_env) {
        put_pid(req->listen_pid_env + sizeof("LISTEN_PID=") - 1, getpid());
    }
    return errfd;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) // linux/close_range.h, 5.11
#endif

// Nothing of warden's, nor what warden itself inherited (a launcher's fd 9 onto a root-only
// file, fd 251 of a CI runner), reaches the service: every fd from `first` on is marked
// close-on-exec (not closed: the exec-result pipe must live until exec succeeds). One
// close_range(2) call (5.11+); else a bounded fcntl scan, which async-signal-safety allows.
static void cloexec_from(int first)
{
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
        return;
    }
    struct rlimit rl;
    int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < CLOEXEC_SCAN_MAX
                      ? (int)rl.rlim_cur
                      : CLOEXEC_SCAN_MAX;
    for (int fd = first; fd < max; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) {
            (void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }
}

static __attribute__((noreturn)) void child(const struct spawn_req *req, int errfd)
{
    // Dispositions: warden ignores SIGPIPE; everything else it blocks (signalfd).
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)signal(sig, SIG_DFL);
        }
    }
    if (sigprocmask(SIG_SETMASK, req->mask, NULL) < 0) {
        child_fail(errfd, SPAWN_STAGE_SETSID, errno);
    }
    if (setsid() < 0) {
        child_fail(errfd, SPAWN_STAGE_SETSID, errno);
    }
    int rc = cgroup_attach(req->cg, 0);
    if (rc < 0) {
        child_fail(errfd, SPAWN_STAGE_CGROUP, -rc);
    }
    write_oom_adj(req->oom_score_adj); // best effort: lowering needs privilege we may lack
    if (req->rlimit_as_bytes) {
        struct rlimit rl = {req->rlimit_as_bytes, req->rlimit_as_bytes};
        if (setrlimit(RLIMIT_AS, &rl) < 0) {
            child_fail(errfd, SPAWN_STAGE_RLIMIT, errno);
        }
    }
    if (req->has_user) {
        int sg = req->groups ? setgroups(req->group_count, req->groups) : setgroups(1, &req->gid);
        if (sg < 0 || setgid(req->gid) < 0 || setuid(req->uid) < 0) {
            child_fail(errfd, SPAWN_STAGE_USER, errno);
        }
    }
    if (dup_to(req->stdin_fd, 0) < 0 || dup_to(req->stdout_fd, 1) < 0 ||
        dup_to(req->stderr_fd, 2) < 0) {
        child_fail(errfd, SPAWN_STAGE_STDIO, errno);
    }
    if (req->listen_count) {
        int moved = pass_listen_fds(req, errfd);
        if (moved < 0) {
            child_fail(errfd, SPAWN_STAGE_LISTEN, errno);
        }
        errfd = moved;
    }
    cloexec_from(LISTEN_FD_FIRST + (int)req->listen_count); // scans up to warden's limit
    loop_nofile_restore(); // the service gets the fd limit warden was started with
    if (req->envp) {
        execvpe(req->argv[0], req->argv, req->envp);
    } else {
        execvp(req->argv[0], req->argv);
    }
    child_fail(errfd, SPAWN_STAGE_EXEC, errno);
    _exit(127);
}

int spawn_start(const struct spawn_req *req, struct spawn_res *res)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        (void)close(p[0]);
        (void)close(p[1]);
        return -e;
    }
    if (pid == 0) {
        (void)close(p[0]);
        child(req, p[1]);
    }
    (void)close(p[1]);
    if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
        // still usable: a blocking read only happens after EPOLLIN
    }
    res->pid = pid;
    res->exec_fd = p[0];
    // pidfd (5.3+): signals go to exactly this process even after pid reuse.
    res->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

int spawn_exec_result(int exec_fd, int *stage, int *err)
{
    int32_t msg[2];
    ssize_t n;
    do {
        n = read(exec_fd, msg, sizeof(msg));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN ? -EAGAIN : -errno;
    }
    if (n == 0) {
        return 1;
    }
    if ((size_t)n != sizeof(msg)) {
        *stage = SPAWN_STAGE_EXEC;
        *err = EIO;
        return 0;
    }
    *stage = msg[0];
    *err = msg[1];
    return 0;
}
