/* SPDX-License-Identifier: MIT */
/* Fixture and file helpers shared by the logfile unit tests (test_logfile.c: the writer and
 * the log_max parser; test_logfile_read.c: tail and follow). A temporary state_dir per
 * test, removed afterwards; helpers read the files back whole (test files are small). */
#ifndef WARDEN_TEST_LOGFILE_H
#define WARDEN_TEST_LOGFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounds.h"
#include "logfile.h"

#define T0_MS 1795410000123ull // 2026-11-23T05:00:00.123Z
#define STAMP "2026-11-23T05:00:00.123Z"

struct fixture {
    char dir[64];
};

#define FMT(buf, ...)                                                                              \
    do {                                                                                           \
        int fmt_n = snprintf((buf), sizeof(buf), __VA_ARGS__);                                     \
        assert_true(fmt_n >= 0 && (size_t)fmt_n < sizeof(buf));                                    \
    } while (0)

static inline void rm_tree(int parent_fd, const char *name)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        (void)unlinkat(parent_fd, name, 0);
        return;
    }
    DIR *d = fdopendir(fd);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rm_tree(dirfd(d), de->d_name);
        }
    }
    assert_int_equal(closedir(d), 0);
    assert_int_equal(unlinkat(parent_fd, name, AT_REMOVEDIR), 0);
}

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    FMT(f->dir, "/tmp/test_logfile.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    rm_tree(AT_FDCWD, f->dir);
    free(f);
    return 0;
}

// Whole file into a malloc'd NUL-terminated buffer.
static inline char *slurp_fd(int fd, size_t *len)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

static inline char *slurp(const char *dir, const char *fname, size_t *len)
{
    char path[256];
    FMT(path, "%s/logs/%s", dir, fname);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        assert_int_equal(errno, ENOENT);
        *len = 0;
        return NULL;
    }
    char *buf = slurp_fd(fd, len);
    assert_int_equal(close(fd), 0);
    return buf;
}

static inline void write_file(const char *dir, const char *fname, const char *bytes, size_t len)
{
    char path[256];
    FMT(path, "%s/logs", dir);
    (void)mkdir(path, 0750);
    FMT(path, "%s/logs/%s", dir, fname);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static inline bool exists(const char *dir, const char *fname)
{
    char path[256];
    FMT(path, "%s/logs/%s", dir, fname);
    return access(path, F_OK) == 0;
}

// Concatenation of the rotated files, oldest first: what tail and follow must reproduce.
static inline char *all_logs(const char *dir, const char *name, unsigned count, size_t *len)
{
    char *out = NULL;
    *len = 0;
    for (unsigned k = count; k-- > 0;) {
        char fname[64];
        if (k) {
            FMT(fname, "%s.log.%u", name, k);
        } else {
            FMT(fname, "%s.log", name);
        }
        size_t n = 0;
        char *part = slurp(dir, fname, &n);
        out = realloc(out, *len + n + 1);
        assert_non_null(out);
        if (n) {
            memcpy(out + *len, part, n);
        }
        *len += n;
        out[*len] = '\0';
        free(part);
    }
    return out;
}

static inline unsigned count_lines(const char *buf, size_t len)
{
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) {
        n += buf[i] == '\n';
    }
    return n;
}

static inline unsigned count_str(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static inline uint32_t rng_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

// Line seq as text, padded to a pseudo-random length in [12, LOG_LINE_MAX].
static inline size_t make_line(char *buf, unsigned seq, uint32_t *rng)
{
    size_t len = 12 + rng_next(rng) % (LOG_LINE_MAX - 11);
    memset(buf, 'p', len);
    char head[16];
    int n = snprintf(head, sizeof(head), "seq %07u", seq);
    memcpy(buf, head, (size_t)n);
    return len;
}

#endif
