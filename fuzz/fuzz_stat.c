// SPDX-License-Identifier: MIT
// libFuzzer target for snapshot_parse_stat: the input as one /proc/PID/stat line (a process
// name is any bytes but NUL, up to the last ')'). It either fails with -EINVAL or succeeds
// with a NUL-terminated name of at most 15 bytes: the start of the text between the first
// '(' and the last ')'. comm is a heap buffer of exactly 16 bytes so ASan sees any overrun.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

#define INPUT_MAX 4096u // /proc/PID/stat is well under 1 KiB; longer inputs add only time

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_stat: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX) {
        size = INPUT_MAX;
    }
    char *line = malloc(size + 1); // exact size: a read past the NUL is caught
    char *comm = malloc(16);
    check(line != NULL && comm != NULL, "malloc");
    memcpy(line, data, size); // an inner NUL just ends the line early
    line[size] = '\0';
    memset(comm, 'Z', 16);
    pid_t ppid = -999;
    int rc = snapshot_parse_stat(line, comm, &ppid);
    check(rc == 0 || rc == -EINVAL, "rc is 0 or -EINVAL");
    if (rc == 0) {
        check(memchr(comm, '\0', 16) != NULL, "comm is NUL-terminated");
        size_t len = strlen(comm);
        check(len <= 15, "comm is at most 15 bytes");
        const char *open = strchr(line, '(');
        const char *close = strrchr(line, ')');
        check(open != NULL && close != NULL && open < close, "comm lies between ( and )");
        size_t span = (size_t)(close - open - 1);
        check(len == (span < 15 ? span : 15) && memcmp(comm, open + 1, len) == 0,
              "comm is the start of the text between the first ( and the last )");
    } else {
        check(ppid == -999, "ppid untouched on failure");
    }
    free(comm);
    free(line);
    return 0;
}
