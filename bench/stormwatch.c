// SPDX-License-Identifier: MIT
// Bench helper for `stormkill`: watches, from outside, the cgroup of PID until it is empty.
// Opens PID's pids.current (v1 pids hierarchy, else v2) and, where the unified hierarchy is
// mounted, its cgroup.events; creates GO_FILE (the storm starts); then wakes on every
// cgroup.events change (POLLPRI) and at least every POLL_US microseconds, and writes
//
//   ge_ns unpop_ns zero_ns max_pids end freeze_ns frozen_ns
//
// (CLOCK_MONOTONIC) to RESULT_FILE: ge = first read of pids.current >= KILL_AT; unpop =
// first "populated 0" in cgroup.events (every process has exited; zombies no longer
// count: 0 when there is no unified hierarchy); zero = first pids.current of 0 (every
// process also reaped) or, end = "removed", the first failed read once warden removed
// the cgroup; freeze = first read of cgroup.freeze = 1 (warden asked for the freeze);
// frozen = first "frozen 1" in cgroup.events (every task stopped; may never come when the
// kill is faster). 0 for what was not seen before TIMEOUT_S (or without a unified tree).
//
//   stormwatch PID KILL_AT GO_FILE RESULT_FILE [POLL_US=100] [TIMEOUT_S=20]
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int has_word(const char *list, const char *w)
{
    char l[1100], ww[64];
    snprintf(l, sizeof(l), ",%s,", list);
    snprintf(ww, sizeof(ww), ",%s,", w);
    return strstr(l, ww) != NULL;
}

// cgroup v1 mount of the pids controller and the cgroup2 mount, from /proc/self/mounts
static void mounts(char *pids, char *v2, size_t len)
{
    FILE *f = fopen("/proc/self/mounts", "re");
    char src[256], mnt[512], type[64], opts[512];
    pids[0] = v2[0] = '\0';
    while (f && fscanf(f, "%255s %511s %63s %511s %*d %*d", src, mnt, type, opts) == 4) {
        if (strcmp(type, "cgroup2") == 0 && !v2[0]) {
            snprintf(v2, len, "%s", mnt);
        } else if (strcmp(type, "cgroup") == 0 && has_word(opts, "pids") && !pids[0]) {
            snprintf(pids, len, "%s", mnt);
        }
    }
    if (f) {
        fclose(f);
    }
}

static long long read_num(int fd, const char *key)
{
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    if (!key) {
        return strtoll(buf, NULL, 10);
    }
    for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        size_t kl = strlen(key);
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            return strtoll(p + kl + 1, NULL, 10);
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: stormwatch PID KILL_AT GO_FILE RESULT_FILE [POLL_US] [TIMEOUT_S]\n");
        return 2;
    }
    long kill_at = atol(argv[2]);
    long poll_us = argc > 5 ? atol(argv[5]) : 100;
    long timeout_s = argc > 6 ? atol(argv[6]) : 20;
    char pm[512], v2m[512], path[1400], pids_path[1024] = "", v2_path[1024] = "";
    int have_pids_v1 = 0, have_v2 = 0;
    mounts(pm, v2m, sizeof(pm));
    snprintf(path, sizeof(path), "/proc/%s/cgroup", argv[1]);
    FILE *f = fopen(path, "re");
    char line[1200];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) {
            continue;
        }
        *c2 = '\0';
        const char *p = strcmp(c2 + 1, "/") ? c2 + 1 : "";
        if (has_word(c1 + 1, "pids")) {
            snprintf(pids_path, sizeof(pids_path), "%s", p);
            have_pids_v1 = 1;
        } else if (c1[1] == '\0' && line[0] == '0') {
            snprintf(v2_path, sizeof(v2_path), "%s", p);
            have_v2 = 1;
        }
    }
    if (f) {
        fclose(f);
    }
    if (have_pids_v1 && pm[0]) {
        snprintf(path, sizeof(path), "%s%s/pids.current", pm, pids_path);
    } else if (have_v2 && v2m[0]) {
        snprintf(path, sizeof(path), "%s%s/pids.current", v2m, v2_path);
    } else {
        fprintf(stderr, "stormwatch: no cgroup for pid %s\n", argv[1]);
        return 3;
    }
    int pfd = open(path, O_RDONLY | O_CLOEXEC);
    if (pfd < 0) {
        perror(path);
        return 3;
    }
    int efd = -1, ffd = -1;
    if (have_v2 && v2m[0]) {
        snprintf(path, sizeof(path), "%s%s/cgroup.events", v2m, v2_path);
        efd = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof(path), "%s%s/cgroup.freeze", v2m, v2_path);
        ffd = open(path, O_RDONLY | O_CLOEXEC);
    }
    int go = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (go < 0) {
        perror(argv[3]);
        return 3;
    }
    close(go);

    long long end = now_ns() + timeout_s * 1000000000LL;
    long long ge = 0, unpop = 0, zero = 0, maxp = 0, freeze = 0, frozen = 0;
    const char *how = "timeout";
    struct timespec tmo = {.tv_sec = 0, .tv_nsec = poll_us * 1000};
    while (now_ns() < end) {
        struct pollfd pf = {.fd = efd, .events = POLLPRI};
        (void)ppoll(efd >= 0 ? &pf : NULL, efd >= 0 ? 1 : 0, &tmo, NULL);
        long long t = now_ns();
        long long p = read_num(pfd, NULL);
        if (p > maxp) {
            maxp = p;
        }
        if (!ge && p >= kill_at) {
            ge = t;
        }
        if (ffd >= 0 && !freeze && read_num(ffd, NULL) == 1) {
            freeze = t;
        }
        if (efd >= 0 && !frozen && read_num(efd, "frozen") == 1) {
            frozen = t;
        }
        if (efd >= 0 && !unpop && maxp > 0) {
            long long pop = read_num(efd, "populated");
            if (pop <= 0) {
                unpop = t;
            }
        }
        if (maxp > 0 && p <= 0) {
            zero = t;
            how = p == 0 ? "zero" : "removed";
            if (efd >= 0 && !unpop) {
                unpop = t;
            }
            break;
        }
    }
    FILE *out = fopen(argv[4], "we");
    if (!out) {
        perror(argv[4]);
        return 3;
    }
    fprintf(out, "%lld %lld %lld %lld %s %lld %lld\n", ge, unpop, zero, maxp, how, freeze, frozen);
    fclose(out);
    return 0;
}
