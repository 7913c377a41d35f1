// SPDX-License-Identifier: MIT
// Hybrid backend: memory and pids controllers on cgroup v1, plus the unified (v2)
// hierarchy when mounted, which gives cgroup.kill and cgroup.events without controllers.
// Services live in warden.PID/NAME in each hierarchy, below warden's own cgroups.
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

static int make_group(char *group, const char *mount, const char *self)
{
    char name[64], base[CGROUP_PATH_MAX];
    cgroup_group_name(name, sizeof(name));
    int rc = cgroup_path_join(base, mount, self, NULL);
    if (rc == 0) {
        rc = cgroup_path_join(group, base, name, NULL);
    }
    return rc < 0 ? rc : cgroup_mkdir(group, NULL);
}

static int v1_setup(struct cgroup_sys *sys)
{
    int rc = make_group(sys->mem_group, sys->mem_mount, sys->mem_self);
    if (rc == 0) {
        rc = make_group(sys->pids_group, sys->pids_mount, sys->pids_self);
    }
    if (rc < 0) {
        return rc;
    }
    if (sys->v2_mount[0] && make_group(sys->v2_group, sys->v2_mount, sys->v2_self) < 0) {
        sys->v2_group[0] = '\0'; // no unified hierarchy for us: fall back to procs walks
    }
    sys->limits_enforced = true;
    if (!sys->v2_group[0]) {
        (void)snprintf(
                sys->warning, sizeof(sys->warning),
                "no unified cgroup hierarchy: stop walks cgroup.procs instead of cgroup.kill");
    }
    return 0;
}

static int v1_create(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name)
{
    int rc = cgroup_path_join(cg->mem_path, sys->mem_group, name, NULL);
    if (rc == 0) {
        rc = cgroup_mkdir(cg->mem_path, &cg->mem_fd);
    }
    if (rc == 0) {
        rc = cgroup_path_join(cg->pids_path, sys->pids_group, name, NULL);
    }
    if (rc == 0) {
        rc = cgroup_mkdir(cg->pids_path, &cg->pids_fd);
    }
    if (rc == 0 && sys->v2_group[0]) {
        rc = cgroup_path_join(cg->v2_path, sys->v2_group, name, NULL);
        if (rc == 0) {
            rc = cgroup_mkdir(cg->v2_path, &cg->v2_fd);
        }
    }
    return rc;
}

static int v1_set_limits(struct cgroup_svc *cg, uint64_t mem, uint64_t pids)
{
    char buf[32];
    (void)snprintf(buf, sizeof(buf), "%lld", mem ? (long long)mem : -1LL);
    int rc = cgroup_write_at(cg->mem_fd, "memory.limit_in_bytes", buf);
    if (pids) {
        (void)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pids);
    } else {
        (void)snprintf(buf, sizeof(buf), "max");
    }
    int rc2 = cgroup_write_at(cg->pids_fd, "pids.max", buf);
    return rc < 0 ? rc : rc2;
}

static int v1_kill(struct cgroup_svc *cg, int sig)
{
    if (sig == SIGKILL && cg->v2_fd >= 0 && cgroup_write_at(cg->v2_fd, "cgroup.kill", "1") == 0) {
        return 0;
    }
    if (sig == SIGKILL && cg->v2_fd >= 0) {
        (void)cgroup_write_at(cg->v2_fd, "cgroup.freeze", "1");
    }
    int rc = cgroup_kill_procs_at(cg->pids_fd, sig);
    if (sig == SIGKILL && cg->v2_fd >= 0) {
        (void)cgroup_write_at(cg->v2_fd, "cgroup.freeze", "0");
    }
    return rc;
}

static int v1_populated(struct cgroup_svc *cg, bool *populated)
{
    if (cg->v2_fd >= 0) {
        uint64_t v = 0;
        int rc = cgroup_read_key_at(cg->v2_fd, "cgroup.events", "populated", &v);
        if (rc == 0) {
            *populated = v != 0;
            return 0;
        }
    }
    char buf[16];
    int rc = cgroup_read_at(cg->pids_fd, "cgroup.procs", buf, sizeof(buf));
    *populated = rc == 0 && buf[0] != '\0';
    return rc;
}

static int v1_stats(struct cgroup_svc *cg, struct cgroup_stats *st)
{
    int fd = cg->mem_fd;
    st->has_memory =
            cgroup_read_u64_at(fd, "memory.usage_in_bytes", &st->memory_current_bytes) == 0;
    if (st->has_memory) {
        (void)cgroup_read_u64_at(fd, "memory.max_usage_in_bytes", &st->memory_peak_bytes);
        (void)cgroup_read_u64_at(fd, "memory.limit_in_bytes", &st->memory_max_bytes);
        // v1 reports "no limit" as a page-rounded LLONG_MAX
        if (st->memory_max_bytes >= (1ULL << 62)) {
            st->memory_max_bytes = 0;
        }
        (void)cgroup_read_key_at(fd, "memory.oom_control", "oom_kill", &st->oom_kill_count);
    }
    fd = cg->pids_fd;
    st->has_pids = cgroup_read_u64_at(fd, "pids.current", &st->pids_current) == 0;
    if (st->has_pids) {
        (void)cgroup_read_u64_at(fd, "pids.max", &st->pids_max);
        (void)cgroup_read_key_at(fd, "pids.events", "max", &st->pids_max_hits);
    }
    return 0;
}

static int rm_one(int *fd, const char *path)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
    if (path[0] && rmdir(path) < 0 && errno != ENOENT) {
        return -errno;
    }
    return 0;
}

static int v1_destroy(struct cgroup_sys *sys, struct cgroup_svc *cg)
{
    (void)sys;
    int rc = rm_one(&cg->mem_fd, cg->mem_path);
    int rc2 = rm_one(&cg->pids_fd, cg->pids_path);
    int rc3 = rm_one(&cg->v2_fd, cg->v2_path);
    return rc < 0 ? rc : (rc2 < 0 ? rc2 : rc3);
}

static void v1_teardown(struct cgroup_sys *sys)
{
    (void)rmdir(sys->mem_group);
    (void)rmdir(sys->pids_group);
    if (sys->v2_group[0]) {
        (void)rmdir(sys->v2_group);
    }
}

static int v1_sample(struct cgroup_svc *cg, uint64_t *mem, uint64_t *pids)
{
    int rc = cgroup_read_u64_kept(&cg->mem_cur_fd, cg->mem_fd, "memory.usage_in_bytes", mem);
    int rc2 = cgroup_read_u64_kept(&cg->pids_cur_fd, cg->pids_fd, "pids.current", pids);
    return rc < 0 ? rc : rc2;
}

static int v1_set_high(struct cgroup_svc *cg, uint64_t bytes)
{
    char buf[32];
    (void)snprintf(buf, sizeof(buf), "%lld", bytes ? (long long)bytes : -1LL);
    return cgroup_write_at(cg->mem_fd, "memory.soft_limit_in_bytes", buf);
}

// v1 usage thresholds: "<eventfd> <fd of memory.usage_in_bytes> <bytes>" written to
// cgroup.event_control; the eventfd fires when usage crosses bytes in either direction.
// The registration holds its own reference, so the usage fd is closed right away.
static int v1_mem_threshold(struct cgroup_svc *cg, uint64_t bytes)
{
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) {
        return -errno;
    }
    int ufd = openat(cg->mem_fd, "memory.usage_in_bytes", O_RDONLY | O_CLOEXEC);
    if (ufd < 0) {
        int e = errno;
        (void)close(efd);
        return -e;
    }
    char buf[64];
    (void)snprintf(buf, sizeof(buf), "%d %d %llu", efd, ufd, (unsigned long long)bytes);
    int rc = cgroup_write_at(cg->mem_fd, "cgroup.event_control", buf);
    (void)close(ufd);
    if (rc < 0) {
        (void)close(efd);
        return rc;
    }
    return efd;
}

// memory.stat of the v1 memory controller; v1 puts kernel memory in a counter of its own
// (memory.kmem.usage_in_bytes: slab, stacks, page tables; absent where kmem accounting is
// compiled out), and its socket memory counter (kmem.tcp) counts only under a tcp limit, so
// sock stays unknown.
static int v1_memory_stat(const struct cgroup_svc *cg, struct cgroup_memstat *out)
{
    if (cg->mem_fd < 0) {
        return -EBADF;
    }
    int rc = cgroup_read_memory_stat_at(cg->mem_fd, true, out);
    if (rc < 0) {
        return rc;
    }
    uint64_t kmem = 0;
    if (cgroup_read_u64_at(cg->mem_fd, "memory.kmem.usage_in_bytes", &kmem) == 0) {
        out->kernel_bytes = kmem;
        out->has_kernel = true;
    }
    return 0;
}

const struct cgroup_ops cgroup_hybrid_ops = {
        .name = "hybrid",
        .setup = v1_setup,
        .create = v1_create,
        .set_limits = v1_set_limits,
        .kill = v1_kill,
        .populated = v1_populated,
        .stats = v1_stats,
        .destroy = v1_destroy,
        .teardown = v1_teardown,
        .sample = v1_sample,
        .set_high = v1_set_high,
        .mem_threshold = v1_mem_threshold,
        .memory_stat = v1_memory_stat,
};
