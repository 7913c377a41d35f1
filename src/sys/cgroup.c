// SPDX-License-Identifier: MIT
// Backend detection from /proc/self/mountinfo and /proc/self/cgroup, the small file
// helpers every backend uses, and dispatch through the ops table.
#include "cgroup.h"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

static const char *const kind_names[CGROUP_KIND_COUNT] = {"v2", "hybrid", "none"};

const char *cgroup_kind_name(enum cgroup_kind kind)
{
    return (unsigned)kind < CGROUP_KIND_COUNT ? kind_names[kind] : "?";
}

void cgroup_svc_init(struct cgroup_svc *cg)
{
    memset(cg, 0, sizeof(*cg));
    cg->v2_fd = cg->mem_fd = cg->pids_fd = cg->mem_cur_fd = cg->pids_cur_fd = -1;
}

static void close_kept(struct cgroup_svc *cg)
{
    if (cg->mem_cur_fd >= 0) {
        (void)close(cg->mem_cur_fd);
    }
    if (cg->pids_cur_fd >= 0) {
        (void)close(cg->pids_cur_fd);
    }
    cg->mem_cur_fd = cg->pids_cur_fd = -1;
}

int cgroup_path_join(char *out, const char *a, const char *b, const char *c)
{
    int n = snprintf(out, CGROUP_PATH_MAX, "%s%s%s%s%s", a, (b && *b) ? "/" : "", b ? b : "",
                     (c && *c) ? "/" : "", c ? c : "");
    if (n < 0 || (unsigned)n >= CGROUP_PATH_MAX) {
        out[0] = '\0';
        return -ENAMETOOLONG;
    }
    // collapse "//" from a root self path ("/") so paths read cleanly
    char *w = out;
    for (const char *r = out; *r; r++) {
        if (!(r[0] == '/' && r[1] == '/')) {
            *w++ = *r;
        }
    }
    *w = '\0';
    return 0;
}

static int copy_str(char *dst, const char *src, size_t len)
{
    int n = snprintf(dst, len, "%s", src);
    return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

// Has the comma-separated option list opts the word w?
static bool has_opt(const char *opts, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = opts; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        if (l == wl && strncmp(p, w, wl) == 0) {
            return true;
        }
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

// One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SRC SUPER"
static void parse_mount_line(struct cgroup_sys *sys, char *line)
{
    char *sep = strstr(line, " - ");
    if (!sep) {
        return;
    }
    *sep = '\0';
    char *save = NULL;
    char *mountpoint = NULL;
    char *tok = strtok_r(line, " ", &save);
    for (int i = 0; tok && i < 4; i++) {
        tok = strtok_r(NULL, " ", &save);
        mountpoint = i == 3 ? tok : NULL;
    }
    char *fstype = strtok_r(sep + 3, " ", &save);
    char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
    char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
    if (!mountpoint || !fstype) {
        return;
    }
    if (strcmp(fstype, "cgroup2") == 0 && !sys->v2_mount[0]) {
        (void)copy_str(sys->v2_mount, mountpoint, sizeof(sys->v2_mount));
    } else if (strcmp(fstype, "cgroup") == 0 && super) {
        if (has_opt(super, "memory") && !sys->mem_mount[0]) {
            (void)copy_str(sys->mem_mount, mountpoint, sizeof(sys->mem_mount));
        }
        if (has_opt(super, "pids") && !sys->pids_mount[0]) {
            (void)copy_str(sys->pids_mount, mountpoint, sizeof(sys->pids_mount));
        }
    }
}

// One /proc/self/cgroup line: "ID:CONTROLLERS:PATH"
static void parse_cgroup_line(struct cgroup_sys *sys, char *line)
{
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) {
        return;
    }
    *c2 = '\0';
    char *path = c2 + 1;
    path[strcspn(path, "\n")] = '\0';
    const char *ctrls = c1 + 1;
    if (*ctrls == '\0' && strncmp(line, "0", 1) == 0) {
        (void)copy_str(sys->v2_self, path, sizeof(sys->v2_self));
    } else if (has_opt(ctrls, "memory")) {
        (void)copy_str(sys->mem_self, path, sizeof(sys->mem_self));
    } else if (has_opt(ctrls, "pids")) {
        (void)copy_str(sys->pids_self, path, sizeof(sys->pids_self));
    }
}

enum cgroup_kind cgroup_parse(struct cgroup_sys *sys, const char *mountinfo,
                              const char *proc_cgroup)
{
    char line[1024]; // a mountinfo or cgroup line; longer ones are not cgroup mounts we use
    for (const char *p = mountinfo; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l < sizeof(line)) {
            memcpy(line, p, l);
            line[l] = '\0';
            parse_mount_line(sys, line);
        }
        p = nl ? nl + 1 : NULL;
    }
    for (const char *p = proc_cgroup; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l < sizeof(line)) {
            memcpy(line, p, l);
            line[l] = '\0';
            parse_cgroup_line(sys, line);
        }
        p = nl ? nl + 1 : NULL;
    }
    if (sys->mem_mount[0] && sys->pids_mount[0]) {
        return CGROUP_HYBRID;
    }
    if (sys->v2_mount[0] && !sys->mem_mount[0] && !sys->pids_mount[0]) {
        return CGROUP_V2;
    }
    return CGROUP_NONE;
}

int cgroup_detect(struct cgroup_sys *sys, const char *force)
{
    memset(sys, 0, sizeof(*sys));
    (void)copy_str(sys->mountinfo_path, "/proc/self/mountinfo", sizeof(sys->mountinfo_path));
    (void)copy_str(sys->proc_cgroup_path, "/proc/self/cgroup", sizeof(sys->proc_cgroup_path));
    // mountinfo can be long on busy hosts; 64 KiB covers cgroup mounts, which come early
    // (they are mounted at boot), and the rest is ignored.
    static char mounts[64 << 10];
    char cgs[4096];
    int rc = io_read_text(sys->mountinfo_path, mounts, sizeof(mounts)) < 0 ? -1 : 0;
    if (rc == 0) {
        rc = io_read_text(sys->proc_cgroup_path, cgs, sizeof(cgs)) < 0 ? -1 : 0;
    }
    enum cgroup_kind kind = rc == 0 ? cgroup_parse(sys, mounts, cgs) : CGROUP_NONE;
    if (force && *force) {
        if (strcmp(force, "none") == 0) {
            kind = CGROUP_NONE;
        } else if (strcmp(force, "v2") == 0 && sys->v2_mount[0]) {
            kind = CGROUP_V2;
        } else if (strcmp(force, "hybrid") == 0 && sys->mem_mount[0]) {
            kind = CGROUP_HYBRID;
        } else {
            return -EINVAL;
        }
    }
    sys->kind = kind;
    sys->ops = kind == CGROUP_V2       ? &cgroup_v2_ops
               : kind == CGROUP_HYBRID ? &cgroup_hybrid_ops
                                       : &cgroup_none_ops;
    return 0;
}

int cgroup_write_at(int dirfd, const char *file, const char *text)
{
    int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    size_t len = strlen(text);
    ssize_t n;
    do {
        n = write(fd, text, len);
    } while (n < 0 && errno == EINTR);
    int e = n < 0 ? errno : ((size_t)n != len ? EIO : 0);
    (void)close(fd);
    return -e;
}

int cgroup_read_at(int dirfd, const char *file, char *buf, size_t len)
{
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    ssize_t n;
    do {
        n = read(fd, buf, len - 1);
    } while (n < 0 && errno == EINTR);
    int e = n < 0 ? errno : 0;
    (void)close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return -e;
}

static int parse_u64(const char *buf, uint64_t *out)
{
    if (strncmp(buf, "max", 3) == 0) {
        *out = 0;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int cgroup_read_u64_at(int dirfd, const char *file, uint64_t *out)
{
    char buf[64];
    int rc = cgroup_read_at(dirfd, file, buf, sizeof(buf));
    return rc < 0 ? rc : parse_u64(buf, out);
}

int cgroup_read_u64_kept(int *fd, int dirfd, const char *file, uint64_t *out)
{
    if (*fd < 0) {
        if (dirfd < 0) {
            return -EBADF;
        }
        *fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
        if (*fd < 0) {
            return -errno;
        }
    }
    char buf[64];
    ssize_t n;
    do {
        n = pread(*fd, buf, sizeof(buf) - 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        (void)close(*fd); // the cgroup went away: opened afresh next time
        *fd = -1;
        return -e;
    }
    buf[n] = '\0';
    return parse_u64(buf, out);
}

int cgroup_read_key_at(int dirfd, const char *file, const char *key, uint64_t *out)
{
    char buf[CGROUP_FILE_MAX];
    int rc = cgroup_read_at(dirfd, file, buf, sizeof(buf));
    if (rc < 0) {
        return rc;
    }
    size_t kl = strlen(key);
    for (char *p = buf; p && *p;) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            *out = strtoull(p + kl + 1, NULL, 10);
            return 0;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return -ENOENT;
}

// Signal every pid in dirfd/cgroup.procs, reading the whole file in chunks and acting
// only on newline-terminated entries (a pid cut at a chunk edge is never taken for a
// shorter one). Returns how many pids were listed, or -errno.
// Signal the pid on each newline-terminated line of buf[0..have); returns where the
// unfinished last line starts. *listed counts the pids.
static size_t kill_lines(char *buf, size_t have, int sig, int *listed)
{
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
        if (buf[i] != '\n') {
            continue;
        }
        buf[i] = '\0';
        pid_t pid = (pid_t)strtol(buf + start, NULL, 10);
        if (pid > 0) {
            (void)kill(pid, sig);
            (*listed)++;
        }
        start = i + 1;
    }
    return start;
}

static int kill_listed(int dirfd, int sig)
{
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    char buf[CGROUP_FILE_MAX];
    size_t have = 0;
    int listed = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
        size_t start = kill_lines(buf, have, sig, &listed);
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    (void)close(fd);
    return listed;
}

int cgroup_kill_procs_at(int dirfd, int sig)
{
    for (unsigned round = 0; round < CGROUP_KILL_ROUNDS; round++) {
        int listed = kill_listed(dirfd, sig);
        if (listed <= 0 || sig != SIGKILL) {
            return listed < 0 ? listed : 0; // empty, or one pass of a polite signal
        }
        // children forked between our read and the kill: walk again (the caller froze the
        // cgroup where it could, so this converges)
    }
    return -EAGAIN;
}

int cgroup_mkdir(const char *path, int *fd)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    if (fd) {
        *fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*fd < 0) {
            return -errno;
        }
    }
    return 0;
}

// Write "pid\n" to dirfd/cgroup.procs using only async-signal-safe calls.
static int attach_at(int dirfd, pid_t pid)
{
    if (dirfd < 0) {
        return 0;
    }
    char num[16];
    int i = (int)sizeof(num);
    num[--i] = '\0';
    unsigned v = (unsigned)(pid > 0 ? pid : getpid());
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    int fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    size_t len = strlen(num + i);
    ssize_t n = write(fd, num + i, len);
    int e = n < 0 ? errno : 0;
    (void)close(fd);
    return -e;
}

int cgroup_attach(const struct cgroup_svc *cg, pid_t pid)
{
    int rc = attach_at(cg->mem_fd, pid);
    if (rc == 0) {
        rc = attach_at(cg->pids_fd, pid);
    }
    if (rc == 0) {
        rc = attach_at(cg->v2_fd, pid);
    }
    return rc;
}

int cgroup_setup(struct cgroup_sys *sys)
{
    return sys->ops->setup(sys);
}

void cgroup_teardown(struct cgroup_sys *sys)
{
    sys->ops->teardown(sys);
}

int cgroup_create(struct cgroup_sys *sys, struct cgroup_svc *cg, const char *name)
{
    // cg may be a copy of another instance's (an overlap's retiree keeps the original):
    // the kept fds are that one's to close
    cg->mem_cur_fd = cg->pids_cur_fd = -1;
    return sys->ops->create(sys, cg, name);
}

int cgroup_set_limits(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t mem, uint64_t pids)
{
    // Without the controllers the files do not exist: said once at start, never a reason
    // to refuse to start the service.
    if (!sys->limits_enforced && sys->kind != CGROUP_NONE) {
        return 0;
    }
    return sys->ops->set_limits(cg, mem, pids);
}

int cgroup_kill(struct cgroup_sys *sys, struct cgroup_svc *cg, int sig)
{
    return sys->ops->kill(cg, sig);
}

int cgroup_populated(struct cgroup_sys *sys, struct cgroup_svc *cg, bool *populated)
{
    return sys->ops->populated(cg, populated);
}

int cgroup_stats(struct cgroup_sys *sys, struct cgroup_svc *cg, struct cgroup_stats *st)
{
    memset(st, 0, sizeof(*st));
    return sys->ops->stats(cg, st);
}

int cgroup_destroy(struct cgroup_sys *sys, struct cgroup_svc *cg)
{
    close_kept(cg);
    return sys->ops->destroy(sys, cg);
}

static unsigned long pidns_inode(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

void cgroup_group_name(char *buf, size_t len)
{
    (void)snprintf(buf, len, "warden.%lu-%d", pidns_inode(), (int)getpid());
}

// Has pid exited (a zombie not yet reaped, or being torn down)? The state is the field after
// the ")" that ends comm in /proc/PID/stat (comm may itself contain ") ").
static bool proc_dead(long pid)
{
    char path[64], buf[512];
    (void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return true;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *end = strrchr(buf, ')');
    return !end || end[1] != ' ' || end[2] == 'Z' || end[2] == 'X' || end[2] == 'x';
}

// Is pid a live warden? Its comm starts with "warden", or it runs our very binary (a
// renamed copy or a symlink): a recycled pid of another program is neither.
static bool is_live_warden(long pid)
{
    char path[64], comm[32] = "";
    if (proc_dead(pid)) {
        return false; // a zombie (its parent has not reaped it yet) still has its name
    }
    (void)snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = read(fd, comm, sizeof(comm) - 1);
    (void)close(fd);
    comm[n > 0 ? n : 0] = '\0';
    if (strncmp(comm, "warden", 6) == 0) {
        return true;
    }
    struct stat mine, theirs;
    (void)snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
    return stat("/proc/self/exe", &mine) == 0 && stat(path, &theirs) == 0 &&
           mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
}

// Count the pids in dirfd/cgroup.procs.
static unsigned count_procs(int dirfd)
{
    char buf[CGROUP_FILE_MAX];
    unsigned n = 0;
    if (cgroup_read_at(dirfd, "cgroup.procs", buf, sizeof(buf)) == 0) {
        for (const char *p = buf; *p; p++) {
            n += *p == '\n';
        }
    }
    return n;
}

// Kill and remove one stale group directory and its service subdirectories.
static int reap_group(const char *path, unsigned *procs)
{
    DIR *d = opendir(path);
    if (!d) {
        return -errno;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char sub[CGROUP_PATH_MAX];
        if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
            cgroup_path_join(sub, path, e->d_name, NULL) < 0) {
            continue;
        }
        int fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        *procs += count_procs(fd);
        if (cgroup_write_at(fd, "cgroup.kill", "1") < 0) {
            (void)cgroup_kill_procs_at(fd, SIGKILL);
        }
        (void)close(fd);
        // the kill is asynchronous: give the tasks a moment to leave before rmdir
        for (int tries = 0; tries < 100 && rmdir(sub) < 0 && errno == EBUSY; tries++) {
            (void)usleep(10000);
        }
    }
    (void)closedir(d);
    if (rmdir(path) < 0 && errno != ENOENT) {
        rc = -errno;
    }
    return rc;
}

// Sweep one hierarchy's parent directory (the one holding our warden.PID group).
static int reap_in(const char *group, unsigned *groups, unsigned *procs)
{
    char parent[CGROUP_PATH_MAX];
    if (!group[0] || copy_str(parent, group, sizeof(parent)) < 0) {
        return 0;
    }
    char *slash = strrchr(parent, '/');
    if (!slash) {
        return 0;
    }
    *slash = '\0';
    DIR *d = opendir(parent);
    if (!d) {
        return -errno;
    }
    int rc = 0;
    unsigned long ns = pidns_inode();
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end = NULL;
        if (strncmp(e->d_name, "warden.", 7) != 0) {
            continue;
        }
        unsigned long ino = strtoul(e->d_name + 7, &end, 10);
        if (ino != ns || *end != '-') {
            continue; // another pid namespace's warden: its pid means nothing here
        }
        long pid = strtol(end + 1, &end, 10);
        if (pid <= 0 || pid == (long)getpid() || (*end && strcmp(end, ".self") != 0) ||
            is_live_warden(pid)) {
            continue;
        }
        char path[CGROUP_PATH_MAX];
        if (cgroup_path_join(path, parent, e->d_name, NULL) < 0) {
            continue;
        }
        int r = *end ? (rmdir(path) < 0 ? -errno : 0) : reap_group(path, procs);
        if (r == 0 && !*end) {
            (*groups)++;
        }
        rc = rc ? rc : r;
    }
    (void)closedir(d);
    return rc;
}

int cgroup_reap_stale(struct cgroup_sys *sys, unsigned *groups, unsigned *procs)
{
    *groups = *procs = 0;
    if (sys->kind == CGROUP_NONE) {
        return 0;
    }
    // The same group exists in each hierarchy: count groups and processes in the first
    // (where the kill happens), only clean up in the others.
    unsigned g_other = 0, p_other = 0;
    int rc = reap_in(sys->v2_group, groups, procs);
    int rc2 = reap_in(sys->mem_group, *groups ? &g_other : groups, *procs ? &p_other : procs);
    int rc3 = reap_in(sys->pids_group, &g_other, &p_other);
    return rc ? rc : (rc2 ? rc2 : rc3);
}

int cgroup_sample(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t *mem, uint64_t *pids)
{
    *mem = *pids = 0;
    return sys->ops->sample(cg, mem, pids);
}

int cgroup_set_high(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t bytes)
{
    if (!sys->limits_enforced) {
        return -EOPNOTSUPP;
    }
    return sys->ops->set_high(cg, bytes);
}

int cgroup_mem_threshold(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t bytes)
{
    return sys->ops->mem_threshold(cg, bytes);
}

int cgroup_freeze(struct cgroup_sys *sys, struct cgroup_svc *cg, bool frozen)
{
    if (sys->kind == CGROUP_NONE || cg->v2_fd < 0) {
        return -EOPNOTSUPP;
    }
    return cgroup_write_at(cg->v2_fd, "cgroup.freeze", frozen ? "1" : "0");
}

int cgroup_psi_trigger(struct cgroup_sys *sys, struct cgroup_svc *cg, uint64_t stall_us,
                       uint64_t window_us)
{
    if (sys->kind == CGROUP_NONE || cg->v2_fd < 0) {
        return -EOPNOTSUPP;
    }
    int fd = psi_trigger_open(cg->v2_fd, "memory.pressure", "some", stall_us, &window_us);
    return fd == -ENOENT ? -EOPNOTSUPP : fd; // no CONFIG_PSI
}

#define PSI_UNPRIVILEGED_WINDOW_US 2000000u // the kernel's rule without CAP_SYS_RESOURCE

static int psi_write(int dirfd, const char *file, const char *kind, uint64_t stall_us,
                     uint64_t window_us)
{
    int fd = openat(dirfd, file, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    char spec[64];
    int n = snprintf(spec, sizeof(spec), "%s %llu %llu", kind, (unsigned long long)stall_us,
                     (unsigned long long)window_us);
    // The trigger lives as long as this fd; the write takes the whole spec or fails.
    if (n < 0 || (size_t)n >= sizeof(spec) || write(fd, spec, (size_t)n + 1) < 0) {
        int err = n < 0 || (size_t)n >= sizeof(spec) ? EINVAL : errno;
        (void)close(fd);
        return -err;
    }
    return fd;
}

int psi_trigger_open(int dirfd, const char *file, const char *kind, uint64_t stall_us,
                     uint64_t *window_us)
{
    int fd = psi_write(dirfd, file, kind, stall_us, *window_us);
    uint64_t w = *window_us;
    if (fd != -EINVAL || w % PSI_UNPRIVILEGED_WINDOW_US == 0) {
        return fd;
    }
    uint64_t up = (w / PSI_UNPRIVILEGED_WINDOW_US + 1) * PSI_UNPRIVILEGED_WINDOW_US;
    fd = psi_write(dirfd, file, kind, stall_us * up / w, up);
    if (fd >= 0) {
        *window_us = up;
    }
    return fd;
}

int cgroup_memory_events_watch(struct cgroup_sys *sys, struct cgroup_svc *cg)
{
    if (sys->kind != CGROUP_V2 || cg->v2_fd < 0) {
        return -EOPNOTSUPP; // hybrid: memory.events is v2's; v1 has the usage threshold
    }
    char path[CGROUP_PATH_MAX + 16];
    int n = snprintf(path, sizeof(path), "%s/memory.events", cg->v2_path);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return -ENAMETOOLONG;
    }
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
        int err = errno == ENOENT ? EOPNOTSUPP : errno; // no memory controller here
        (void)close(fd);
        return -err;
    }
    return fd;
}

int cgroup_procs_dirfd(const struct cgroup_svc *cg)
{
    return cg->v2_fd >= 0 ? cg->v2_fd : (cg->pids_fd >= 0 ? cg->pids_fd : cg->mem_fd);
}

uint64_t cgroup_self_memory_limit(const struct cgroup_sys *sys)
{
    char dir[CGROUP_PATH_MAX];
    const char *file = NULL;
    if (sys->kind == CGROUP_V2 && cgroup_path_join(dir, sys->v2_mount, sys->v2_self, NULL) == 0) {
        file = "memory.max";
    } else if (sys->kind == CGROUP_HYBRID &&
               cgroup_path_join(dir, sys->mem_mount, sys->mem_self, NULL) == 0) {
        file = "memory.limit_in_bytes";
    }
    int fd = file ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    uint64_t v = 0;
    if (fd >= 0) {
        if (cgroup_read_u64_at(fd, file, &v) < 0 || v >= (1ULL << 62)) {
            v = 0; // "max", or v1's page-rounded LLONG_MAX: no limit
        }
        (void)close(fd);
    }
    return v;
}
