// SPDX-License-Identifier: MIT
// Test helper: a fork storm. Tries to fork N children that each sleep forever; prints how
// many forks succeeded and failed, then sleeps (children and all) until killed.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    long ok = 0, failed = 0;
    for (long i = 0; i < n; i++) {
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
