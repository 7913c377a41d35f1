// SPDX-License-Identifier: MIT
// Bench helper for `stormkill`: a fork storm that timestamps its own crossing of a process
// count. Waits until GO_FILE exists (so an outside watcher is ready), then forks children
// that sleep, as fast as it can, up to N children. When the cgroup holds CROSS_AT
// processes by its own count (itself + CROSS_AT - 1 children) it writes, at once,
//
//   start_ns cross_ns cross_realtime_ns
//
// (CLOCK_MONOTONIC: start = GO seen, cross = the fork that made CROSS_AT; the crossing
// again on CLOCK_REALTIME, to place it against warden's journal times) to RESULT_FILE.
// After the loop it appends "forked OK failed FAILED end_ns" (rarely reached under a
// pids_kill guard), then sleeps until killed.
//
//   stormfork N CROSS_AT RESULT_FILE GO_FILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long clock_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: stormfork N CROSS_AT RESULT_FILE GO_FILE\n");
        return 2;
    }
    long n = atol(argv[1]), cross_at = atol(argv[2]);
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror("stormfork: result file");
        return 3;
    }
    for (int i = 0; access(argv[4], F_OK) != 0; i++) {
        if (i > 60000) {
            fprintf(stderr, "stormfork: no GO file after 60 s\n");
            return 3;
        }
        usleep(1000);
    }
    long long start = clock_ns(CLOCK_MONOTONIC);
    long ok = 0, failed = 0;
    char line[128];
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) {
                pause();
            }
        }
        if (pid < 0) {
            failed++;
            continue;
        }
        if (++ok == cross_at - 1) { // + itself = cross_at processes
            long long mono = clock_ns(CLOCK_MONOTONIC), real = clock_ns(CLOCK_REALTIME);
            int len = snprintf(line, sizeof(line), "%lld %lld %lld\n", start, mono, real);
            (void)!write(fd, line, (size_t)len);
        }
    }
    int len = snprintf(line, sizeof(line), "forked %ld failed %ld %lld\n", ok, failed,
                       clock_ns(CLOCK_MONOTONIC));
    (void)!write(fd, line, (size_t)len);
    for (;;) {
        pause();
    }
}
