// SPDX-License-Identifier: MIT
// Test helper for PID 1 duties: makes N orphans that exit soon after their parent, so
// they become zombies of PID 1 (or of the subreaper). Then counts zombies among /proc
// entries whose parent is PPID_OF_INTEREST (argv[2], default 1), after waiting up to 5 s
// for the reaper, and prints "zombies N". Exits 0.
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int count_zombies(int ppid)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            continue;
        }
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *rp = strrchr(buf, ')');
        char state;
        int pp;
        if (rp && sscanf(rp + 2, "%c %d", &state, &pp) == 2 && state == 'Z' && pp == ppid) {
            n++;
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int ppid = argc > 2 ? atoi(argv[2]) : 1;
    for (int i = 0; i < n; i++) {
        pid_t mid = fork();
        if (mid == 0) {
            if (fork() == 0) {
                usleep(50000); // outlive the parent: become an orphan, then exit
                _exit(0);
            }
            _exit(0);
        }
        (void)waitpid(mid, NULL, 0);
    }
    int z = -1;
    for (int tries = 0; tries < 250; tries++) { // up to 5 s
        usleep(20000);
        z = count_zombies(ppid);
        if (z == 0 && tries > 5) {
            break;
        }
    }
    printf("zombies %d\n", z);
    return 0;
}
