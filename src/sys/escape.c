// SPDX-License-Identifier: MIT
// A main process that moved itself out of its service's cgroup (echo $$ > cgroup.procs of
// another one) would run, and fork, outside every cap, and `warden stop` would not reach
// what it forked. The 1 s tick and every stop check where the main process is; one that
// left is moved back with its descendants (walked parent first, so a child forked after its
// parent moved back is born inside), or SIGKILLed where the kernel refuses the move.
#include "escape.h"

#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

// Is path `p` (length pl) rel itself or below it?
static bool under(const char *p, size_t pl, const char *rel)
{
    size_t rl = strlen(rel);
    if (rl == 1 && rel[0] == '/') {
        return true; // the root holds everything
    }
    return pl >= rl && memcmp(p, rel, rl) == 0 && (pl == rl || p[rl] == '/');
}

// Has the comma-separated controller list c (length cl) the word w?
static bool has_ctl(const char *c, size_t cl, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i < cl;) {
        size_t j = i;
        while (j < cl && c[j] != ',') {
            j++;
        }
        if (j - i == wl && memcmp(c + i, w, wl) == 0) {
            return true;
        }
        i = j + 1;
    }
    return false;
}

struct escape_scan {
    const char *want[3]; // the service's path in the unified, memory and pids hierarchies
    bool seen[3];
    char *where;
    size_t where_len;
};

static const char *const hier_label[3] = {"unified", "memory", "pids"};

// One "ID:CONTROLLERS:PATH" line (len bytes; the path may itself hold ':').
static void scan_line(struct escape_scan *sc, const char *line, size_t len)
{
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (!c2) {
        return;
    }
    const char *ctl = c1 + 1, *path = c2 + 1;
    size_t cl = (size_t)(c2 - ctl), pl = len - (size_t)(path - line);
    bool unified = cl == 0 && c1 - line == 1 && line[0] == '0';
    for (int h = 0; h < 3; h++) {
        bool match = h == 0 ? unified : (!unified && has_ctl(ctl, cl, hier_label[h]));
        if (!match || !sc->want[h] || !sc->want[h][0] || sc->seen[h]) {
            continue;
        }
        sc->seen[h] = true;
        if (!under(path, pl, sc->want[h]) && !sc->where[0]) {
            (void)snprintf(sc->where, sc->where_len, "%s:%.*s", hier_label[h], (int)pl, path);
        }
    }
}

int escape_parse(const char *text, const char *v2_rel, const char *mem_rel, const char *pids_rel,
                 char *where, size_t where_len)
{
    struct escape_scan sc = {{v2_rel, mem_rel, pids_rel}, {false, false, false}, where, where_len};
    const char *const *want = sc.want;
    const bool *seen = sc.seen;
    where[0] = '\0';
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        scan_line(&sc, line, len);
        line = nl ? nl + 1 : line + len;
    }
    for (int h = 0; h < 3; h++) {
        if (want[h] && want[h][0] && !seen[h]) {
            return -EINVAL;
        }
    }
    return where[0] ? 1 : 0;
}

// PATH relative to the hierarchy's mount: the part of abs after mount ("" when unused).
static const char *rel_of(const char *abs, const char *mount)
{
    size_t ml = strlen(mount);
    if (!abs[0] || !ml || strncmp(abs, mount, ml) != 0) {
        return "";
    }
    return abs[ml] ? abs + ml : "/";
}

struct walk {
    pid_t pids[ESCAPE_TREE_MAX];
    unsigned len;
    bool full;
};

static void push(struct walk *w, pid_t pid)
{
    for (unsigned i = 0; i < w->len; i++) {
        if (w->pids[i] == pid) {
            return;
        }
    }
    if (w->len < ESCAPE_TREE_MAX) {
        w->pids[w->len++] = pid;
    } else {
        w->full = true;
    }
}

// The children of every thread of pid, into w.
static void add_children(struct walk *w, const char *proc_root, pid_t pid)
{
    char path[WARDEN_PATH_MAX];
    (void)snprintf(path, sizeof(path), "%s/%d/task", proc_root, (int)pid);
    DIR *d = opendir(path);
    if (!d) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') {
            continue;
        }
        char file[WARDEN_PATH_MAX + 32], buf[CGROUP_FILE_MAX];
        if (snprintf(file, sizeof(file), "%s/%.16s/children", path, de->d_name) >=
            (int)sizeof(file)) {
            continue;
        }
        if (io_read_text(file, buf, sizeof(buf)) <= 0) {
            continue;
        }
        for (char *p = buf; *p;) {
            char *end = NULL;
            long v = strtol(p, &end, 10);
            if (end == p) {
                break;
            }
            if (v > 0) {
                push(w, (pid_t)v);
            }
            p = end;
        }
    }
    (void)closedir(d);
}

// SIGKILL through a pidfd where there is one: the pid came from a live parent's children
// list a moment ago, and the pidfd pins it while the signal goes.
static void kill_pid(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        (void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
        (void)close(fd);
    } else {
        (void)kill(pid, SIGKILL);
    }
}

int escape_check(const struct cgroup_sys *sys, const struct cgroup_svc *cg, pid_t pid,
                 const char *proc_root, struct escape *e)
{
    memset(e, 0, sizeof(*e));
    if (sys->kind == CGROUP_NONE || pid <= 0) {
        return 0;
    }
    char path[WARDEN_PATH_MAX], buf[CGROUP_FILE_MAX];
    (void)snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root, (int)pid);
    int rc = (int)io_read_text(path, buf, sizeof(buf));
    if (rc < 0) {
        return rc;
    }
    rc = escape_parse(buf, rel_of(cg->v2_path, sys->v2_mount), rel_of(cg->mem_path, sys->mem_mount),
                      rel_of(cg->pids_path, sys->pids_mount), e->where, sizeof(e->where));
    if (rc <= 0) {
        return rc == -EINVAL ? 0 : rc; // an unknown layout is no evidence of an escape
    }
    (void)snprintf(path, sizeof(path), "%s/%d/comm", proc_root, (int)pid);
    if (io_read_text(path, e->command, sizeof(e->command)) > 0) {
        e->command[strcspn(e->command, "\n")] = '\0';
    }
    static struct walk w; // 1 KiB of pids: off the stack, and the loop is single-threaded
    w.len = 0;
    w.full = false;
    push(&w, pid);
    for (unsigned i = 0; i < w.len; i++) {
        int mv = cgroup_attach(cg, w.pids[i]); // parent first: its later forks are born inside
        if (mv == 0) {
            e->moved++;
        } else if (mv != -ESRCH) {
            if (!e->move_errno) {
                e->move_errno = -mv;
            }
            kill_pid(w.pids[i]);
            e->killed++;
        }
        add_children(&w, proc_root, w.pids[i]);
    }
    e->truncated = w.full;
    return 1;
}
