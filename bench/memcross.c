// SPDX-License-Identifier: MIT
// Bench helper for `memrestart`: a service whose memory grows at a steady rate and that
// timestamps, on its own CLOCK_MONOTONIC, (1) the moment its cgroup's memory usage first
// reads >= THRESHOLD and (2) the moment SIGTERM reaches it. On SIGTERM it appends one line
// to RESULT_FILE and exits 0:
//
//   cross_ns prev_ns term_ns usage_at_cross cross_realtime_ns
//
// prev_ns is the last check that still read below THRESHOLD, so the true crossing lies in
// (prev_ns, cross_ns]. Usage is checked after every CHUNK_KIB touched (64 KiB: ~10 us of
// work), not once per step, so that window is normally tens of microseconds. cross_ns is 0
// when SIGTERM came before the crossing was seen (the process was preempted between a
// touch and its read; prev_ns is then the last read, still below). cross_realtime_ns is
// the crossing on CLOCK_REALTIME, to place it against warden's journal times.
//
//   memcross THRESHOLD_BYTES RESULT_FILE [STEP_MS=5] [RAMP_MIB=0] [MAX_MIB=480] [CHUNK_KIB=64]
//
// Growth: RAMP_MIB are allocated and touched as fast as possible, then 1 MiB every STEP_MS
// (5 ms = 200 MiB/s), paced against an absolute clock so slow steps do not lower the rate.
// At MAX_MIB it stops growing and waits for a signal.
//
// The usage file comes from /proc/self/cgroup: the memory controller's v1 path
// (/sys/fs/cgroup/memory/<path>/memory.usage_in_bytes), else the v2 path
// (/sys/fs/cgroup/<path>/memory.current). The same counter the kernel compares with a v1
// usage threshold (page_counter, including per-CPU precharge).
#define _GNU_SOURCE
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t crossed;
static volatile long long cross_ns, prev_ns, cross_usage, cross_real, last_check;
static int result_fd = -1;

static long long clock_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

// async-signal-safe decimal formatting
static char *put_num(char *p, long long v)
{
    char tmp[24];
    int n = 0;
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        *p++ = tmp[--n];
    }
    return p;
}

static void on_term(int sig)
{
    (void)sig;
    long long t = now_ns();
    char line[128], *p = line;
    long long c = crossed ? cross_ns : 0;
    p = put_num(p, c);
    *p++ = ' ';
    p = put_num(p, crossed ? prev_ns : last_check);
    *p++ = ' ';
    p = put_num(p, t);
    *p++ = ' ';
    p = put_num(p, crossed ? cross_usage : 0);
    *p++ = ' ';
    p = put_num(p, crossed ? cross_real : 0);
    *p++ = '\n';
    (void)!write(result_fd, line, (size_t)(p - line));
    _exit(0);
}

// Path of this process's memory usage file, from /proc/self/cgroup.
static int usage_path(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) {
        return -1;
    }
    char line[1024], v1[1024] = "", v2[1024] = "";
    int have_v1 = 0, have_v2 = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) {
            continue;
        }
        *c2 = '\0';
        const char *ctrls = c1 + 1, *path = c2 + 1;
        // the controller list is comma separated: look for the word "memory"
        char list[256];
        snprintf(list, sizeof(list), ",%s,", ctrls);
        if (strstr(list, ",memory,")) {
            snprintf(v1, sizeof(v1), "%s", path);
            have_v1 = 1;
        } else if (*ctrls == '\0' && strncmp(line, "0", 1) == 0) {
            snprintf(v2, sizeof(v2), "%s", path);
            have_v2 = 1;
        }
    }
    fclose(f);
    int n;
    if (have_v1) {
        n = snprintf(out, len, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes",
                     strcmp(v1, "/") ? v1 : "");
    } else if (have_v2) {
        n = snprintf(out, len, "/sys/fs/cgroup%s/memory.current", strcmp(v2, "/") ? v2 : "");
    } else {
        return -1;
    }
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static long long read_usage(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: memcross THRESHOLD_BYTES RESULT_FILE [STEP_MS=5] [RAMP_MIB=0] "
                        "[MAX_MIB=480] [CHUNK_KIB=64]\n");
        return 2;
    }
    long long threshold = atoll(argv[1]);
    long step_ms = argc > 3 ? atol(argv[3]) : 5;
    long ramp_mib = argc > 4 ? atol(argv[4]) : 0;
    long max_mib = argc > 5 ? atol(argv[5]) : 480;
    long chunk = (argc > 6 ? atol(argv[6]) : 64) * 1024;
    if (chunk <= 0 || chunk > (1 << 20) || (1 << 20) % chunk) {
        chunk = 64 * 1024;
    }
    result_fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    char path[1200];
    if (result_fd < 0 || usage_path(path, sizeof(path)) < 0) {
        perror("memcross: setup");
        return 3;
    }
    int ufd = open(path, O_RDONLY | O_CLOEXEC);
    if (ufd < 0) {
        fprintf(stderr, "memcross: %s: %s\n", path, strerror(errno));
        return 3;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigfillset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);

    last_check = now_ns();
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long i = 0; i < max_mib; i++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("memcross: mmap");
            return 3;
        }
        for (long off = 0; off < (1 << 20); off += chunk) {
            memset(p + off, (int)(i & 0x7f) | 1, (size_t)chunk);
            if (!crossed) {
                long long u = read_usage(ufd);
                long long t = now_ns();
                if (u >= threshold) {
                    cross_real = clock_ns(CLOCK_REALTIME);
                    prev_ns = last_check;
                    cross_ns = t;
                    cross_usage = u;
                    crossed = 1;
                }
                last_check = t;
            }
        }
        if (i + 1 >= ramp_mib && step_ms > 0) {
            next.tv_nsec += step_ms * 1000000L;
            while (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
            }
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
            }
        } else {
            clock_gettime(CLOCK_MONOTONIC, &next); // pacing starts after the ramp
        }
    }
    for (;;) {
        pause();
    }
}
