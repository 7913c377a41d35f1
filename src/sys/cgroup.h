/* SPDX-License-Identifier: MIT */
/* Containment: one interface over three backends. v2 (pure unified hierarchy), hybrid
 * (memory and pids on v1, plus the unified hierarchy for cgroup.kill/events where
 * mounted) and none (process groups and rlimits; daemonised grandchildren can escape).
 * Mechanism only: functions return 0 or -errno and never log. */
#ifndef WARDEN_CGROUP_H
#define WARDEN_CGROUP_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"

enum cgroup_kind {
    CGROUP_V2,
    CGROUP_HYBRID,
    CGROUP_NONE,
    CGROUP_KIND_COUNT,
};

struct cgroup_stats {
    bool has_memory;
    bool has_pids;
    uint64_t memory_current_bytes;
    uint64_t memory_peak_bytes; /* since the cgroup was created (one per instance) */
    uint64_t memory_max_bytes;  /* 0: unlimited */
    uint64_t oom_kill_count;    /* cumulative OOM kills inside this cgroup */
    uint64_t pids_current;
    uint64_t pids_max;      /* 0: unlimited */
    uint64_t pids_max_hits; /* forks refused at pids.max (pids.events "max") */
};

/* One service's cgroup. Directory fds are opened at create time so the child can attach
 * itself between fork and exec with openat+write only. -1 when absent. */
struct cgroup_svc {
    char v2_path[CGROUP_PATH_MAX];   /* unified dir (v2, or hybrid with unified mounted) */
    char mem_path[CGROUP_PATH_MAX];  /* v1 memory dir (hybrid) */
    char pids_path[CGROUP_PATH_MAX]; /* v1 pids dir (hybrid) */
    int v2_fd;
    int mem_fd;
    int pids_fd;
    int mem_cur_fd;  /* the usage file the sampler reads, kept open (pread at 0), or -1 */
    int pids_cur_fd; /* pids.current, likewise */
    pid_t pgid;      /* none backend: the service's process group (= main pid) */
};

/* Where a cgroup's memory is, from memory.stat: the evidence of a memory death (the exit
 * record quotes it). Bytes, charged to the cgroup and its descendants. file includes shmem
 * (tmpfs and shared memory are page cache to the kernel, on v1 and v2 alike), so the parts
 * overlap and are not meant to be summed. */
struct cgroup_memstat {
    uint64_t anon_bytes;   /* anonymous memory: heaps, stacks (v2 anon, v1 rss) */
    uint64_t file_bytes;   /* page cache, shmem included (v2 file, v1 cache) */
    uint64_t kernel_bytes; /* kernel memory charged to the cgroup; valid when has_kernel */
    uint64_t slab_bytes;   /* slab objects (dentries, inodes, ...), part of kernel; 0 on v1 */
    uint64_t sock_bytes;   /* network buffers; valid when has_sock (v2 only) */
    uint64_t shmem_bytes;  /* tmpfs and shared memory, part of file */
    bool has_kernel;       /* v2 kernel (or its parts), v1 memory.kmem.usage_in_bytes */
    bool has_sock;         /* v2 sock */
};

/* memory.stat is read in chunks of CGROUP_FILE_MAX and parsed line by line as it streams
 * (v2's has ~60 keys, 1.5-2.5 KiB on 6.x, and grows with kernel versions); a line longer
 * than CGROUP_MEMSTAT_LINE_MAX ("key value", the longest real one is ~40 bytes) is skipped,
 * and reading stops after CGROUP_MEMSTAT_READ_MAX bytes. */
#define CGROUP_MEMSTAT_LINE_MAX 128u        /* bytes of one memory.stat line, newline excl. */
#define CGROUP_MEMSTAT_READ_MAX (64u << 10) /* bytes of memory.stat read at most */

struct cgroup_sys;

struct cgroup_ops {
    const char *name; /* "v2", "hybrid", "none" */
    int (*setup)(struct cgroup_sys *sys);
    int (*create)(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name);
    int (*set_limits)(struct cgroup_svc *cg, uint64_t memory_max_bytes, uint64_t pids_max);
    int (*kill)(struct cgroup_svc *cg, int sig);
    int (*populated)(struct cgroup_svc *cg, bool *populated);
    int (*stats)(struct cgroup_svc *cg, struct cgroup_stats *st);
    int (*destroy)(struct cgroup_sys *sys, struct cgroup_svc *cg);
    /* guards: two cheap reads (usage, tasks); the throttle point; a usage-threshold
     * notification (an eventfd, or -EOPNOTSUPP where the kernel has none) */
    int (*sample)(struct cgroup_svc *cg, uint64_t *memory_bytes, uint64_t *pids);
    int (*set_high)(struct cgroup_svc *cg, uint64_t bytes);
    int (*mem_threshold)(struct cgroup_svc *cg, uint64_t bytes);
    void (*teardown)(struct cgroup_sys *sys);
    /* evidence: the memory.stat breakdown (-EOPNOTSUPP where there is none) */
    int (*memory_stat)(const struct cgroup_svc *cg, struct cgroup_memstat *out);
};

/* Where the hierarchies are (seams for tests: all paths are fields). */
struct cgroup_sys {
    enum cgroup_kind kind;
    const struct cgroup_ops *ops;
    char mountinfo_path[CGROUP_PATH_MAX];   /* default /proc/self/mountinfo */
    char proc_cgroup_path[CGROUP_PATH_MAX]; /* default /proc/self/cgroup */
    char v2_mount[CGROUP_PATH_MAX];         /* cgroup2 mount point, "" when none */
    char mem_mount[CGROUP_PATH_MAX];        /* v1 memory mount, "" when none */
    char pids_mount[CGROUP_PATH_MAX];       /* v1 pids mount, "" when none */
    char v2_self[CGROUP_PATH_MAX];          /* our cgroup path inside each hierarchy */
    char mem_self[CGROUP_PATH_MAX];
    char pids_self[CGROUP_PATH_MAX];
    char v2_group[CGROUP_PATH_MAX]; /* directory holding the service cgroups */
    char mem_group[CGROUP_PATH_MAX];
    char pids_group[CGROUP_PATH_MAX];
    char v2_parking[CGROUP_PATH_MAX]; /* v2: leaf warden moved itself into, "" if none */
    bool limits_enforced;             /* memory and pids controllers usable */
    char warning[512];                /* what is degraded, "" when nothing */
};

/* Fill sys with default paths, then detect the hierarchies from mountinfo and
 * /proc/self/cgroup. force: NULL, or "v2" / "hybrid" / "none" to choose a backend
 * (WARDEN_CGROUP in the environment; tests use it). 0 or -errno. */
int cgroup_detect(struct cgroup_sys *sys, const char *force);

/* Parse a mountinfo text and a /proc/PID/cgroup text into sys (pure; unit-tested).
 * Returns the detected kind. */
enum cgroup_kind cgroup_parse(struct cgroup_sys *sys, const char *mountinfo,
                              const char *proc_cgroup);

const char *cgroup_kind_name(enum cgroup_kind kind);

/* After setup: find groups left by a warden that died without cleaning up (directories
 * "warden.NSINO-PID" beside ours, from our pid namespace, whose PID is gone or is not a
 * warden), kill every process in
 * them and remove them. *groups and *procs count what was removed and killed. 0 or -errno
 * (the first error; the sweep goes on past it). */
int cgroup_reap_stale(struct cgroup_sys *sys, unsigned *groups, unsigned *procs);

/* The memory limit of warden's own cgroup (a container's limit), from the detected
 * hierarchies before setup; 0 when there is none. */
uint64_t cgroup_self_memory_limit(const struct cgroup_sys *sys);

/* Backend-independent entry points (dispatch through sys->ops). */
int cgroup_setup(struct cgroup_sys *sys);
void cgroup_teardown(struct cgroup_sys *sys);
int cgroup_create(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name);
int cgroup_set_limits(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t mem, uint64_t pids);
/* Move pid (0: the caller) into cg. Async-signal-safe: openat + write only; meant for the
 * child between fork and exec. For the none backend it does nothing (setsid does it). */
int cgroup_attach(const struct cgroup_svc *cg, pid_t pid);
int cgroup_kill(struct cgroup_sys *sys, struct cgroup_svc *cg, int sig);
int cgroup_populated(struct cgroup_sys *sys, struct cgroup_svc *cg, bool *populated);
int cgroup_stats(struct cgroup_sys *sys, struct cgroup_svc *cg, struct cgroup_stats *st);
int cgroup_destroy(struct cgroup_sys *sys, struct cgroup_svc *cg);
void cgroup_svc_init(struct cgroup_svc *cg);
/* Usage and task count now: two small reads, whatever the number of processes. */
int cgroup_sample(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t *mem, uint64_t *pids);
/* memory_high: memory.high on v2 (the kernel throttles past it); on hybrid v1 has no
 * throttle, so memory.soft_limit_in_bytes (reclaim preference under host pressure). */
int cgroup_set_high(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t bytes);
/* An eventfd that becomes readable when usage crosses bytes (v1 cgroup.event_control on
 * memory.usage_in_bytes). Returns the fd, or -EOPNOTSUPP (v2, none) / -errno. */
int cgroup_mem_threshold(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t bytes);
/* Freeze or thaw the whole cgroup (cgroup.freeze of the unified hierarchy). 0 or -errno;
 * -EOPNOTSUPP without one. */
int cgroup_freeze(struct cgroup_sys *sys, struct cgroup_svc *cg, bool frozen);
/* Early wake-ups for the sampler where the kernel has no usage threshold (v2):
 * a PSI trigger on the service's memory.pressure ("some STALL_US WINDOW_US"; poll for
 * EPOLLPRI), on v2 and on hybrid where the unified hierarchy accounts pressure; and an
 * inotify fd that becomes readable when the service's memory.events changes (v2: memory.high
 * or memory.max was hit). Each returns the fd or -EOPNOTSUPP / -errno. */
int cgroup_psi_trigger(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t stall_us,
                       uint64_t window_us);
/* A PSI trigger "KIND STALL WINDOW" on dirfd/file (AT_FDCWD and /proc/pressure/memory for
 * the host). Without CAP_SYS_RESOURCE the kernel takes only windows that are multiples of
 * 2 s: then the window is rounded up to one (the stall scaled with it) and *window_us says
 * what was armed. The fd, or -errno. */
int psi_trigger_open(int dirfd, const char *file, const char *kind, uint64_t stall_us,
                     uint64_t *window_us);
int cgroup_memory_events_watch(struct cgroup_sys *sys, struct cgroup_svc *cg);
/* Where the service's memory is now: memory.stat of its cgroup (v2; v1 memory controller
 * plus memory.kmem.usage_in_bytes on hybrid), for the exit record of a memory death: call it
 * before the cgroup is destroyed. Two or three bounded reads, no allocation. *out is zeroed
 * first. 0, or -errno: -EOPNOTSUPP (none backend), -EBADF (no cgroup created), -ENOENT (no
 * memory controller in the cgroup), -EINVAL (the file lacks the anon/file lines). */
int cgroup_memory_stat(const struct cgroup_sys *sys, const struct cgroup_svc *cg,
                       struct cgroup_memstat *out);

/* Parse a memory.stat text (len bytes, need not be NUL-terminated; a NUL byte just spoils
 * its line). v1 selects the keys: v2 anon, file, kernel (else kernel_stack + pagetables +
 * percpu + slab), slab (else slab_reclaimable + slab_unreclaimable), sock, shmem; v1 rss,
 * cache, shmem, their hierarchical total_* forms preferred where present (v1 has no kernel,
 * slab or sock lines: cgroup_memory_stat adds memory.kmem.usage_in_bytes). A line counts only
 * as exactly "KEY DIGITS": another form, a value above UINT64_MAX, or a line longer than
 * CGROUP_MEMSTAT_LINE_MAX is ignored, and a repeated key keeps its first value. Pure.
 * 0 with *out filled, or -EINVAL (out zeroed) when the anon or the file line is missing. */
int cgroup_parse_memory_stat(const char *text, size_t len, bool v1, struct cgroup_memstat *out);

/* The directory whose cgroup.procs lists the service's processes, or -1. */
int cgroup_procs_dirfd(const struct cgroup_svc *cg);

/* Helpers shared by the backends (cgroup.c). */
int cgroup_write_at(int dirfd, const char *file, const char *text);
int cgroup_read_at(int dirfd, const char *file, char *buf, size_t len);
/* "max" reads as 0 (unlimited). */
int cgroup_read_u64_at(int dirfd, const char *file, uint64_t *out);
/* The same through *fd, opened from dirfd on first use and kept: one pread a sample instead
 * of openat + read + close (the sampler's files, read every second or faster). */
int cgroup_read_u64_kept(int *fd, int dirfd, const char *file, uint64_t *out);
/* Value of "key N" line in a flat-keyed file (memory.events, memory.oom_control). */
int cgroup_read_key_at(int dirfd, const char *file, const char *key, uint64_t *out);
/* SIGKILL/signal every pid listed in dirfd's cgroup.procs, repeating until the list is
 * empty or CGROUP_KILL_ROUNDS passes (a forking tree can outrun a single pass). */
int cgroup_kill_procs_at(int dirfd, int sig);
int cgroup_mkdir(const char *path, int *fd);
/* Our group's directory name: "warden.NSINO-PID" (the pid namespace's inode makes the pid
 * meaningful when stale groups are judged). */
void cgroup_group_name(char *buf, size_t len);
int cgroup_path_join(char *out, const char *a, const char *b, const char *c);
/* dirfd/memory.stat parsed as cgroup_parse_memory_stat does, streamed through one
 * CGROUP_FILE_MAX buffer (the file may be longer). 0 or -errno. */
int cgroup_read_memory_stat_at(int dirfd, bool v1, struct cgroup_memstat *out);

extern const struct cgroup_ops cgroup_v2_ops;
extern const struct cgroup_ops cgroup_hybrid_ops;
extern const struct cgroup_ops cgroup_none_ops;

#endif
