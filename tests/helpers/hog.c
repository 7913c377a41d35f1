// SPDX-License-Identifier: MIT
// Test helper: allocate and touch MIB mebibytes, 1 MiB at a time, then sleep (or exit 0
// with --exit). With --child, a child does the allocating and the parent exits 0 once the
// child is gone (the "child OOM-killed, main exits 0" case).
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hog(long mib, int step_ms)
{
    for (long i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (!p) {
            perror("malloc");
            exit(3);
        }
        memset(p, (int)(i & 0xff) | 1, 1 << 20);
        if (step_ms) {
            usleep((useconds_t)step_ms * 1000);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hog MIB [--step-ms N] [--exit] [--child]\n");
        return 2;
    }
    long mib = atol(argv[1]);
    int step_ms = 0, do_exit = 0, child = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--step-ms") == 0 && i + 1 < argc) {
            step_ms = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--exit") == 0) {
            do_exit = 1;
        } else if (strcmp(argv[i], "--child") == 0) {
            child = 1;
        }
    }
    if (child) {
        pid_t pid = fork();
        if (pid == 0) {
            hog(mib, step_ms);
            pause();
            _exit(0);
        }
        int st;
        (void)waitpid(pid, &st, 0);
        printf("hog: child ended (%s %d); parent exits 0\n", WIFSIGNALED(st) ? "signal" : "code",
               WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        return 0;
    }
    hog(mib, step_ms);
    printf("hog: holding %ld MiB\n", mib);
    fflush(stdout);
    if (do_exit) {
        return 0;
    }
    for (;;) {
        pause();
    }
}
