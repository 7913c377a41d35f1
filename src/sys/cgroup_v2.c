// SPDX-License-Identifier: MIT
// Pure cgroup v2 backend. Layout: warden leaves its own cgroup C for the leaf
// C/warden.PID.self (v2 forbids processes in a cgroup that distributes controllers,
// except at the root), enables memory and pids in C, and puts services in C/warden.PID/NAME.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

static int open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

// Enable +memory +pids below dir; true when both are (or already were) enabled.
static bool enable_controllers(int dirfd)
{
    (void)cgroup_write_at(dirfd, "cgroup.subtree_control", "+memory +pids");
    char buf[256];
    if (cgroup_read_at(dirfd, "cgroup.subtree_control", buf, sizeof(buf)) < 0) {
        return false;
    }
    return strstr(buf, "memory") && strstr(buf, "pids");
}

// Move warden into the leaf <self>/<name>.self (sys->v2_parking).
static int park_self(struct cgroup_sys *sys, const char *self, const char *name)
{
    char leaf[80];
    (void)snprintf(leaf, sizeof(leaf), "%s.self", name);
    int pfd = -1;
    int rc = cgroup_path_join(sys->v2_parking, self, leaf, NULL);
    if (rc == 0) {
        rc = cgroup_mkdir(sys->v2_parking, &pfd);
    }
    if (rc == 0) {
        rc = cgroup_attach(&(struct cgroup_svc){.v2_fd = pfd, .mem_fd = -1, .pids_fd = -1}, 0);
    }
    if (pfd >= 0) {
        (void)close(pfd);
    }
    if (rc < 0) {
        sys->v2_parking[0] = '\0';
    }
    return rc;
}

static int v2_setup(struct cgroup_sys *sys)
{
    char self[CGROUP_PATH_MAX], name[64];
    int rc = cgroup_path_join(self, sys->v2_mount, sys->v2_self, NULL);
    cgroup_group_name(name, sizeof(name));
    if (rc == 0) {
        rc = cgroup_path_join(sys->v2_group, self, name, NULL);
    }
    if (rc < 0) {
        return rc;
    }
    int selffd = open_dir(self);
    if (selffd < 0) {
        return selffd;
    }
    // v2 lets no cgroup both hold processes and distribute controllers, except the real
    // root. Below it, leave for a leaf first; at "/" try in place, and if that fails we are
    // at a cgroup namespace's root (a container's PID 1): leave for a leaf, then retry.
    if (strcmp(sys->v2_self, "/") != 0) {
        rc = park_self(sys, self, name);
    }
    bool parent_ok = rc == 0 && enable_controllers(selffd);
    if (!parent_ok && rc == 0 && !sys->v2_parking[0] && park_self(sys, self, name) == 0) {
        parent_ok = enable_controllers(selffd);
    }
    (void)close(selffd);
    if (rc < 0) {
        return rc;
    }
    int gfd = -1;
    rc = cgroup_mkdir(sys->v2_group, &gfd);
    if (rc < 0) {
        return rc;
    }
    sys->limits_enforced = parent_ok && enable_controllers(gfd);
    (void)close(gfd);
    if (!sys->limits_enforced) {
        (void)snprintf(sys->warning, sizeof(sys->warning),
                       "memory/pids controllers unavailable below %s (not delegated, or other "
                       "processes share it): limits are NOT enforced; containment still is",
                       self);
    }
    return 0;
}

static int v2_create(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name)
{
    int rc = cgroup_path_join(cg->v2_path, sys->v2_group, name, NULL);
    return rc < 0 ? rc : cgroup_mkdir(cg->v2_path, &cg->v2_fd);
}

static int write_limit(int fd, const char *file, uint64_t v)
{
    char buf[32];
    if (v == 0) {
        (void)snprintf(buf, sizeof(buf), "max");
    } else {
        (void)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    }
    return cgroup_write_at(fd, file, buf);
}

static int v2_set_limits(struct cgroup_svc *cg, uint64_t mem, uint64_t pids)
{
    int rc = write_limit(cg->v2_fd, "memory.max", mem);
    int rc2 = write_limit(cg->v2_fd, "pids.max", pids);
    return rc < 0 ? rc : rc2;
}

static int v2_kill(struct cgroup_svc *cg, int sig)
{
    if (sig == SIGKILL && cgroup_write_at(cg->v2_fd, "cgroup.kill", "1") == 0) {
        return 0;
    }
    // Before 5.14 (no cgroup.kill): freeze so nothing forks while we walk the list.
    bool frozen = sig == SIGKILL && cgroup_write_at(cg->v2_fd, "cgroup.freeze", "1") == 0;
    int rc = cgroup_kill_procs_at(cg->v2_fd, sig);
    if (frozen) {
        (void)cgroup_write_at(cg->v2_fd, "cgroup.freeze", "0");
    }
    return rc;
}

static int v2_populated(struct cgroup_svc *cg, bool *populated)
{
    uint64_t v = 0;
    int rc = cgroup_read_key_at(cg->v2_fd, "cgroup.events", "populated", &v);
    *populated = v != 0;
    return rc;
}

static int v2_stats(struct cgroup_svc *cg, struct cgroup_stats *st)
{
    int fd = cg->v2_fd;
    st->has_memory = cgroup_read_u64_at(fd, "memory.current", &st->memory_current_bytes) == 0;
    if (st->has_memory) {
        // memory.peak exists from 5.19; without it the peak stays 0 (unknown)
        (void)cgroup_read_u64_at(fd, "memory.peak", &st->memory_peak_bytes);
        (void)cgroup_read_u64_at(fd, "memory.max", &st->memory_max_bytes);
        (void)cgroup_read_key_at(fd, "memory.events", "oom_kill", &st->oom_kill_count);
    }
    st->has_pids = cgroup_read_u64_at(fd, "pids.current", &st->pids_current) == 0;
    if (st->has_pids) {
        (void)cgroup_read_u64_at(fd, "pids.max", &st->pids_max);
        (void)cgroup_read_key_at(fd, "pids.events", "max", &st->pids_max_hits);
    }
    return 0;
}

static int v2_destroy(struct cgroup_sys *sys, struct cgroup_svc *cg)
{
    (void)sys;
    if (cg->v2_fd >= 0) {
        (void)close(cg->v2_fd);
        cg->v2_fd = -1;
    }
    if (cg->v2_path[0] && rmdir(cg->v2_path) < 0 && errno != ENOENT) {
        return -errno;
    }
    return 0;
}

static void v2_teardown(struct cgroup_sys *sys)
{
    (void)rmdir(sys->v2_group);
    if (sys->v2_parking[0]) {
        char self[CGROUP_PATH_MAX];
        if (cgroup_path_join(self, sys->v2_mount, sys->v2_self, NULL) == 0) {
            int fd = open_dir(self);
            if (fd >= 0) {
                (void)cgroup_attach(&(struct cgroup_svc){.v2_fd = fd, .mem_fd = -1, .pids_fd = -1},
                                    0);
                (void)close(fd);
            }
        }
        (void)rmdir(sys->v2_parking);
    }
}

static int v2_sample(struct cgroup_svc *cg, uint64_t *mem, uint64_t *pids)
{
    int rc = cgroup_read_u64_kept(&cg->mem_cur_fd, cg->v2_fd, "memory.current", mem);
    int rc2 = cgroup_read_u64_kept(&cg->pids_cur_fd, cg->v2_fd, "pids.current", pids);
    return rc < 0 ? rc : rc2;
}

static int v2_set_high(struct cgroup_svc *cg, uint64_t bytes)
{
    return write_limit(cg->v2_fd, "memory.high", bytes);
}

static int v2_mem_threshold(struct cgroup_svc *cg, uint64_t bytes)
{
    (void)cg;
    (void)bytes;
    return -EOPNOTSUPP; // v2 notifies only at memory.high/max events: the guard samples
}

static int v2_memory_stat(const struct cgroup_svc *cg, struct cgroup_memstat *out)
{
    if (cg->v2_fd < 0) {
        return -EBADF;
    }
    // -ENOENT when the memory controller is not enabled for the cgroup
    return cgroup_read_memory_stat_at(cg->v2_fd, false, out);
}

const struct cgroup_ops cgroup_v2_ops = {
        .name = "v2",
        .setup = v2_setup,
        .create = v2_create,
        .set_limits = v2_set_limits,
        .kill = v2_kill,
        .populated = v2_populated,
        .stats = v2_stats,
        .destroy = v2_destroy,
        .teardown = v2_teardown,
        .sample = v2_sample,
        .set_high = v2_set_high,
        .mem_threshold = v2_mem_threshold,
        .memory_stat = v2_memory_stat,
};
