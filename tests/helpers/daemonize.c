// SPDX-License-Identifier: MIT
// Test helper: escape like a classic daemon. Double-forks a grandchild that calls setsid()
// (leaving the process group and session), writes its pid to PIDFILE and sleeps forever.
// The main process then sleeps too (or exits 0 with --exit).
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: daemonize PIDFILE [--exit]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        (void)setsid();
        if (fork() == 0) {
            char tmp[4096];
            snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
            FILE *f = fopen(tmp, "w");
            if (f) {
                fprintf(f, "%d\n", (int)getpid());
                fclose(f);
                rename(tmp, argv[1]);
            }
            for (;;) {
                pause();
            }
        }
        _exit(0);
    }
    (void)waitpid(pid, NULL, 0);
    if (argc > 2 && strcmp(argv[2], "--exit") == 0) {
        return 0;
    }
    for (;;) {
        pause();
    }
}
