// SPDX-License-Identifier: MIT
// No usable cgroups: a service is its process group (the child calls setsid), limits
// become rlimits set by spawn. What is lost, and said at start: a grandchild that calls
// setsid() leaves the group and survives stop; memory_max is RLIMIT_AS (virtual memory);
// no OOM attribution and no pids.max.
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "cgroup.h"

static int none_setup(struct cgroup_sys *sys)
{
    sys->limits_enforced = false;
    (void)snprintf(sys->warning, sizeof(sys->warning),
                   "no cgroups: services are tracked by process group (a setsid() grandchild "
                   "escapes stop), memory_max is applied as RLIMIT_AS, pids_max is not enforced, "
                   "OOM kills cannot be attributed");
    return 0;
}

static int none_create(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name)
{
    (void)sys;
    (void)cg;
    (void)name;
    return 0;
}

static int none_set_limits(struct cgroup_svc *cg, uint64_t mem, uint64_t pids)
{
    (void)cg;
    (void)mem;
    (void)pids;
    return 0; // applied as rlimits in the child by spawn
}

static int none_kill(struct cgroup_svc *cg, int sig)
{
    if (cg->pgid <= 0) {
        return 0;
    }
    if (kill(-cg->pgid, sig) < 0 && errno != ESRCH) {
        return -errno;
    }
    return 0;
}

static int none_populated(struct cgroup_svc *cg, bool *populated)
{
    *populated = cg->pgid > 0 && kill(-cg->pgid, 0) == 0;
    return 0;
}

static int none_stats(struct cgroup_svc *cg, struct cgroup_stats *st)
{
    (void)cg;
    (void)st;
    return 0;
}

static int none_destroy(struct cgroup_sys *sys, struct cgroup_svc *cg)
{
    (void)sys;
    cg->pgid = 0;
    return 0;
}

static void none_teardown(struct cgroup_sys *sys)
{
    (void)sys;
}

static int none_sample(struct cgroup_svc *cg, uint64_t *mem, uint64_t *pids)
{
    (void)cg;
    (void)mem;
    (void)pids;
    return -EOPNOTSUPP;
}

static int none_set_high(struct cgroup_svc *cg, uint64_t bytes)
{
    (void)cg;
    (void)bytes;
    return -EOPNOTSUPP;
}

static int none_memory_stat(const struct cgroup_svc *cg, struct cgroup_memstat *out)
{
    (void)cg;
    (void)out;
    return -EOPNOTSUPP; // no cgroup: nothing accounts a service's memory by kind
}

const struct cgroup_ops cgroup_none_ops = {
        .name = "none",
        .setup = none_setup,
        .create = none_create,
        .set_limits = none_set_limits,
        .kill = none_kill,
        .populated = none_populated,
        .stats = none_stats,
        .destroy = none_destroy,
        .teardown = none_teardown,
        .sample = none_sample,
        .set_high = none_set_high,
        .mem_threshold = none_set_high,
        .memory_stat = none_memory_stat,
};
