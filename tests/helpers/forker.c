// SPDX-License-Identifier: MIT
// Test helper: a fork storm. Tries to fork N children that each sleep forever, as fast as it
// can or RATE a second when given; prints how many forks succeeded and failed, then sleeps
// (children and all) until killed. Usage: forker N [RATE]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    long rate = argc > 2 ? atol(argv[2]) : 0;
    long ok = 0, failed = 0;
    for (long i = 0; i < n; i++) {
        if (rate > 0 && i > 0) { // pacing the workload, not waiting for a condition
            struct timespec ts = {0, 1000000000L / rate};
            (void)nanosleep(&ts, NULL);
        }
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) {
                pause();
            }
        }
        if (pid < 0) {
            failed++;
        } else {
            ok++;
        }
    }
    printf("forker: forked %ld failed %ld\n", ok, failed);
    fflush(stdout);
    for (;;) {
        pause();
    }
}
