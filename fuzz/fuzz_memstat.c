// SPDX-License-Identifier: MIT
// libFuzzer target for the memory.stat parser: the input as a v2 and as a v1 memory.stat
// text. Either layout fails with -EINVAL and a zeroed result, or succeeds with anon and file
// taken from "KEY DIGITS" lines of the input (checked against a naive re-parse) and with
// nothing v1 cannot know set. The same bytes written to a file and streamed through
// cgroup_read_memory_stat_at (CGROUP_FILE_MAX chunks) give the same result: inputs up to
// INPUT_MAX cross the chunk edge three times. The text lives in an exact-size heap buffer
// without a NUL, so ASan sees any read past len.
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

#define INPUT_MAX (4u * CGROUP_FILE_MAX) // three chunk edges; longer adds only time

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_memstat: %s\n", what);
        abort();
    }
}

static char dir[64];
static int dir_fd = -1;

static void remove_dir(void)
{
    (void)unlinkat(dir_fd, "memory.stat", 0);
    (void)close(dir_fd);
    (void)rmdir(dir);
}

// A scratch directory for the streamed copy, made once and removed at exit.
static void open_dir(void)
{
    if (dir_fd >= 0) {
        return;
    }
    (void)snprintf(dir, sizeof(dir), "/tmp/warden-fuzz-memstat.XXXXXX");
    check(mkdtemp(dir) != NULL, "mkdtemp");
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    check(dir_fd >= 0, "open scratch dir");
    check(atexit(remove_dir) == 0, "atexit");
}

// Is there a line exactly "key DIGITS" (no other bytes, at most CGROUP_MEMSTAT_LINE_MAX
// long) whose value is v? A naive oracle: copy each line, NUL-terminate it, strtoull.
static bool has_line(const char *text, size_t len, const char *key, uint64_t v)
{
    size_t klen = strlen(key);
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t l = nl ? (size_t)(nl - (text + at)) : len - at;
        char line[CGROUP_MEMSTAT_LINE_MAX + 1];
        if (l <= CGROUP_MEMSTAT_LINE_MAX && l > klen + 1) {
            memcpy(line, text + at, l);
            line[l] = '\0';
            const char *digits = line + klen + 1;
            bool ok = memcmp(line, key, klen) == 0 && line[klen] == ' ' &&
                      strspn(digits, "0123456789") == l - klen - 1;
            errno = 0;
            if (ok && strtoull(digits, NULL, 10) == v && errno == 0) {
                return true;
            }
        }
        at += l + 1;
    }
    return false;
}

static void check_layout(const char *text, size_t len, bool v1)
{
    struct cgroup_memstat m, again, streamed;
    memset(&m, 0xa5, sizeof(m));
    int rc = cgroup_parse_memory_stat(text, len, v1, &m);
    check(rc == 0 || rc == -EINVAL, "rc is 0 or -EINVAL");
    static const struct cgroup_memstat zero;
    if (rc < 0) {
        check(memcmp(&m, &zero, sizeof(m)) == 0, "a failure leaves the result zeroed");
    } else if (v1) {
        check(has_line(text, len, "total_rss", m.anon_bytes) ||
                      has_line(text, len, "rss", m.anon_bytes),
              "v1 anon comes from a total_rss or rss line");
        check(has_line(text, len, "total_cache", m.file_bytes) ||
                      has_line(text, len, "cache", m.file_bytes),
              "v1 file comes from a total_cache or cache line");
        check(!m.has_kernel && !m.has_sock && m.kernel_bytes == 0 && m.slab_bytes == 0 &&
                      m.sock_bytes == 0,
              "v1 memory.stat has no kernel, slab or sock");
    } else {
        check(has_line(text, len, "anon", m.anon_bytes), "v2 anon comes from an anon line");
        check(has_line(text, len, "file", m.file_bytes), "v2 file comes from a file line");
        check(m.has_sock || m.sock_bytes == 0, "sock is 0 when unknown");
        check(m.has_kernel || m.kernel_bytes == 0, "kernel is 0 when unknown");
        check(!m.has_kernel || m.kernel_bytes >= m.slab_bytes ||
                      has_line(text, len, "kernel", m.kernel_bytes),
              "a kernel sum includes slab");
    }
    check(cgroup_parse_memory_stat(text, len, v1, &again) == rc &&
                  memcmp(&m, &again, sizeof(m)) == 0,
          "the parse is deterministic");
    check(cgroup_read_memory_stat_at(dir_fd, v1, &streamed) == rc &&
                  memcmp(&m, &streamed, sizeof(m)) == 0,
          "streamed in chunks, the file parses as the whole text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX) {
        size = INPUT_MAX;
    }
    open_dir();
    char *text = malloc(size ? size : 1); // exactly size bytes, no NUL
    check(text != NULL, "malloc");
    memcpy(text, data, size);
    int fd = openat(dir_fd, "memory.stat", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    check(fd >= 0, "create memory.stat");
    check(write(fd, text, size) == (ssize_t)size, "write memory.stat");
    check(close(fd) == 0, "close memory.stat");
    check_layout(text, size, false);
    check_layout(text, size, true);
    free(text);
    return 0;
}
