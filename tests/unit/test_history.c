// SPDX-License-Identifier: MIT
// Unit tests of the history files: fixed size, ring wrap of both tiers, minute aggregates,
// reopen and same-minute merge, corrupt files rebuilt, gaps, same-second and out-of-order
// samples, clock steps, pruning, hostile names, the on-disk byte layout; damaged records
// (random bytes, one flipped bit, forged values and times) dropped and counted, and a file cut
// short while recording given its size back.
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounds.h"
#include "history.h"

#define T0_MS  1795410000000ull // 2026-11-23T05:00:00Z, on a minute boundary
#define MIB    (1ull << 20)
#define DAY_MS (24ull * 3600u * 1000u)

static_assert(sizeof(struct history) <= 256 + SERVICE_NAME_MAX, "struct history is small");
static_assert(HISTORY_FILE_BYTES == 299648u, "128 + 3600 * 32 + 2880 * 64");

struct fixture {
    char dir[64];
};

#define FMT(buf, ...)                                                                              \
    do {                                                                                           \
        int fmt_n = snprintf((buf), sizeof(buf), __VA_ARGS__);                                     \
        assert_true(fmt_n >= 0 && (size_t)fmt_n < sizeof(buf));                                    \
    } while (0)

static void rm_tree(int parent_fd, const char *name)
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

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    FMT(f->dir, "/tmp/test_history.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rm_tree(AT_FDCWD, f->dir);
    free(f);
    return 0;
}

static void hist_path(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/history/%s.hist", dir, name);
    assert_true(n >= 0 && (size_t)n < size);
}

static off_t path_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void record_ok(struct history *h, uint64_t ms, uint64_t mem, uint64_t peak, uint32_t pids)
{
    assert_int_equal(history_record(h, ms, mem, peak, pids), 0);
}

// Record n one-second samples from second `from` (relative to T0): mem = s * 4096.
static void record_seconds(struct history *h, uint64_t from, uint64_t n)
{
    for (uint64_t s = from; s < from + n; s++) {
        record_ok(h, T0_MS + s * 1000u, s * 4096u, s * 4096u + 1, (uint32_t)(s % 1000u));
    }
}

static void test_file_size_fixed(void **state)
{
    struct fixture *f = *state;
    struct history h;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    assert_true(h.created);
    assert_false(h.recreated);
    assert_true(fcntl(h.fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(path_size(path), (off_t)HISTORY_FILE_BYTES);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char dir[PATH_MAX];
    FMT(dir, "%s/history", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    record_seconds(&h, 0, 10000);
    assert_int_equal(path_size(path), (off_t)HISTORY_FILE_BYTES);
    history_close(&h);
    assert_int_equal(h.fd, -1);
    assert_int_equal(path_size(path), (off_t)HISTORY_FILE_BYTES);
}

static void test_fine_ring_wraps(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, HISTORY_FINE_COUNT + 500);
    assert_int_equal(h.fine_valid, HISTORY_FINE_COUNT);
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, HISTORY_FINE_COUNT);
    for (size_t i = 0; i < v.nfine; i++) {
        uint64_t s = 500 + i;
        assert_int_equal(v.fine[i].t_ms, T0_MS + s * 1000u);
        assert_int_equal(v.fine[i].mem_bytes, s * 4096u);
        assert_int_equal(v.fine[i].mem_peak_bytes, s * 4096u + 1);
        assert_int_equal(v.fine[i].pids, s % 1000u);
    }
    // 4100 s from a minute boundary: 68 full minutes and a 20 s one flushed by close.
    assert_int_equal(v.ncoarse, 69);
    assert_int_equal(v.coarse[68].samples, 20);
    history_view_free(&v);
    assert_null(v.fine);
}

// Three hours of 1 s samples: 180 minutes, each with exact min/avg/max.
static void test_coarse_minutes(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    for (uint64_t s = 0; s < 3ull * 3600u; s++) {
        uint64_t base = (s / 60 + 1) * MIB, mem = base + (s % 60) * 1000u;
        record_ok(&h, T0_MS + s * 1000u + 250, mem, mem + 7, (uint32_t)(s % 60 + 1));
    }
    assert_int_equal(h.coarse_valid, 179); // the last minute is still running
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.ncoarse, 180);
    for (size_t i = 0; i < v.ncoarse; i++) {
        uint64_t base = (i + 1) * MIB;
        assert_int_equal(v.coarse[i].t_ms, T0_MS + i * 60000u);
        assert_int_equal(v.coarse[i].mem_min_bytes, base);
        assert_int_equal(v.coarse[i].mem_avg_bytes, base + 29500u);
        assert_int_equal(v.coarse[i].mem_max_bytes, base + 59000u);
        assert_int_equal(v.coarse[i].mem_peak_max_bytes, base + 59007u);
        assert_int_equal(v.coarse[i].pids_min, 1);
        assert_int_equal(v.coarse[i].pids_avg, 30); // 30.5 floored
        assert_int_equal(v.coarse[i].pids_max, 60);
        assert_int_equal(v.coarse[i].samples, 60);
    }
    history_view_free(&v);
}

// One sample a minute for 2880 + 100 minutes: the coarse ring keeps the newest 2880.
static void test_coarse_ring_wraps(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    for (uint64_t m = 0; m < HISTORY_COARSE_COUNT + 100; m++) {
        record_ok(&h, T0_MS + m * 60000u, m, m, 1);
    }
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.ncoarse, HISTORY_COARSE_COUNT);
    for (size_t i = 0; i < v.ncoarse; i++) {
        assert_int_equal(v.coarse[i].t_ms, T0_MS + (100 + i) * 60000u);
        assert_int_equal(v.coarse[i].mem_avg_bytes, 100 + i);
        assert_int_equal(v.coarse[i].samples, 1);
    }
    assert_int_equal(v.nfine, HISTORY_COARSE_COUNT + 100); // 60 s apart: gaps, not filled
    assert_int_equal(v.fine[1].t_ms - v.fine[0].t_ms, 60000u);
    history_view_free(&v);
}

static void test_reopen_recovers(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, 100);
    history_close(&h);
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    assert_false(h.created);
    assert_false(h.recreated);
    assert_int_equal(h.fine_valid, 100);
    assert_int_equal(h.fine_next, 100);
    assert_int_equal(h.coarse_valid, 2); // minute 0, and minute 1 (40 s) flushed by close
    assert_int_equal(h.last.t_ms, T0_MS + 99000u);
    record_seconds(&h, 100, 100);
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 200);
    for (size_t i = 0; i < v.nfine; i++) {
        assert_int_equal(v.fine[i].t_ms, T0_MS + i * 1000u);
    }
    // Minute 1 was split by the restart but is one record with all its 60 samples.
    assert_int_equal(v.ncoarse, 4);
    assert_int_equal(v.coarse[1].t_ms, T0_MS + 60000u);
    assert_int_equal(v.coarse[1].samples, 60);
    assert_int_equal(v.coarse[1].mem_min_bytes, 60 * 4096u);
    assert_int_equal(v.coarse[1].mem_max_bytes, 119 * 4096u);
    assert_int_equal(v.coarse[3].samples, 20);
    history_view_free(&v);
}

// A restart within one minute (and within one second) merges instead of duplicating.
static void test_reopen_same_minute_merges(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    for (uint64_t s = 0; s < 30; s++) {
        record_ok(&h, T0_MS + s * 1000u, s * 2, s * 2, (uint32_t)s);
    }
    history_close(&h);
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_ok(&h, T0_MS + 29500u, 1000, 1000, 1); // second 29 again: merges, max kept
    for (uint64_t s = 30; s < 60; s++) {
        record_ok(&h, T0_MS + s * 1000u, s * 2, s * 2, (uint32_t)s);
    }
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 60);
    assert_int_equal(v.fine[29].mem_bytes, 1000);
    assert_int_equal(v.fine[29].pids, 29);
    assert_int_equal(v.ncoarse, 1);
    assert_int_equal(v.coarse[0].samples, 61);
    assert_int_equal(v.coarse[0].mem_min_bytes, 0);
    assert_int_equal(v.coarse[0].mem_max_bytes, 1000);
    assert_int_equal(v.coarse[0].mem_avg_bytes, (3540u + 1000u) / 61u);
    assert_int_equal(v.coarse[0].pids_min, 0);
    assert_int_equal(v.coarse[0].pids_max, 59);
    history_view_free(&v);
}

// FNV-1a as the file format defines it, to forge headers whose checksum is right.
static uint32_t fnv1a(const unsigned char *p, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ p[i]) * 16777619u;
    }
    return hash;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum corruption {
    BAD_MAGIC,
    BAD_VERSION,    // version 1 (no record checksums), checksum made right: started afresh
    BAD_COUNT,      // a file of another build's geometry, checksum right
    BAD_FINE_NEXT,  // out of range, checksum right
    BAD_NEXT_VALID, // next != valid before the ring wrapped, checksum right
    TORN_HEADER,    // second half of the header zeroed
    HALF_FILE,
    LONG_FILE,
    INTACT, // no corruption: the control case
};

static void corrupt(const char *path, enum corruption c)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    unsigned char hd[HISTORY_HEADER_BYTES];
    assert_int_equal(pread(fd, hd, sizeof(hd), 0), (ssize_t)sizeof(hd));
    bool fix = true;
    switch (c) {
    case BAD_MAGIC:
        hd[3] = 'X';
        break;
    case BAD_VERSION:
        put_le32(hd + 8, 1);
        break;
    case BAD_COUNT:
        put_le32(hd + 16, HISTORY_FINE_COUNT + 1);
        break;
    case BAD_FINE_NEXT:
        put_le32(hd + 32, HISTORY_FINE_COUNT);
        break;
    case BAD_NEXT_VALID:
        put_le32(hd + 32, get_le32(hd + 32) + 1);
        break;
    case TORN_HEADER:
        memset(hd + 64, 0, 64);
        fix = false;
        break;
    case HALF_FILE:
        assert_int_equal(ftruncate(fd, HISTORY_FILE_BYTES / 2), 0);
        break;
    case LONG_FILE:
        assert_int_equal(ftruncate(fd, HISTORY_FILE_BYTES + 1), 0);
        break;
    case INTACT:
        break;
    }
    if (fix) {
        put_le32(hd + HISTORY_HEADER_BYTES - 4, fnv1a(hd, HISTORY_HEADER_BYTES - 4));
    }
    assert_int_equal(pwrite(fd, hd, sizeof(hd), 0), (ssize_t)sizeof(hd));
    assert_int_equal(close(fd), 0);
}

static void test_corrupt_recreated(void **state)
{
    struct fixture *f = *state;
    const enum corruption cases[] = {BAD_MAGIC,     BAD_VERSION,    BAD_COUNT,
                                     BAD_FINE_NEXT, BAD_NEXT_VALID, TORN_HEADER,
                                     HALF_FILE,     LONG_FILE,      INTACT};
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct history h;
        assert_int_equal(history_open(&h, f->dir, "api"), 0);
        record_seconds(&h, 0, 10);
        history_close(&h);
        corrupt(path, cases[i]);
        bool bad = cases[i] != INTACT;
        struct hist_view v;
        assert_int_equal(history_load(f->dir, "api", &v), bad ? -EBADMSG : 0);
        history_view_free(&v);
        assert_int_equal(history_open(&h, f->dir, "api"), 0);
        assert_int_equal(h.recreated, bad);
        assert_false(h.created);
        assert_int_equal(h.fine_valid, bad ? 0 : 10);
        assert_int_equal(path_size(path), (off_t)HISTORY_FILE_BYTES);
        history_close(&h);
        assert_int_equal(history_load(f->dir, "api", &v), 0);
        assert_int_equal(v.nfine, bad ? 0 : 10);
        assert_int_equal(v.ncoarse, bad ? 0 : 1);
        history_view_free(&v);
        assert_int_equal(unlink(path), 0);
    }
}

// A file of another service (copied or renamed) is not trusted; an empty one is new.
static void test_wrong_name_and_empty_file(void **state)
{
    struct fixture *f = *state;
    struct history h;
    char a[PATH_MAX], b[PATH_MAX];
    hist_path(a, sizeof(a), f->dir, "api");
    hist_path(b, sizeof(b), f->dir, "web");
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, 10);
    history_close(&h);
    assert_int_equal(rename(a, b), 0);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "web", &v), -EBADMSG);
    assert_int_equal(history_open(&h, f->dir, "web"), 0);
    assert_true(h.recreated);
    history_close(&h);
    int fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    assert_true(h.created);
    assert_false(h.recreated);
    assert_int_equal(path_size(a), (off_t)HISTORY_FILE_BYTES);
    history_close(&h);
}

static void test_gaps_preserved(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, 10);
    record_seconds(&h, 300, 10); // warden was down for almost 5 minutes
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 20);
    for (size_t i = 0; i < 20; i++) {
        uint64_t s = i < 10 ? i : 290 + i;
        assert_int_equal(v.fine[i].t_ms, T0_MS + s * 1000u);
    }
    assert_int_equal(v.ncoarse, 2);
    assert_int_equal(v.coarse[0].t_ms, T0_MS);
    assert_int_equal(v.coarse[1].t_ms, T0_MS + 5ull * 60000u);
    assert_int_equal(v.coarse[1].samples, 10);
    history_view_free(&v);
}

static void test_same_second_and_out_of_order(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_ok(&h, T0_MS + 10100, 500, 50, 3);
    record_ok(&h, T0_MS + 10900, 300, 70, 9); // same second: max of each field
    assert_int_equal(h.fine_valid, 1);
    record_ok(&h, T0_MS + 5000, 1, 1, 1); // older second: ignored
    record_ok(&h, T0_MS + 9999, 1, 1, 1);
    record_ok(&h, T0_MS + 10000 - HISTORY_STEP_BACK_S * 1000ull, 1, 1, 1);
    assert_int_equal(h.out_of_order_count, 3);
    assert_int_equal(h.clock_step_count, 0);
    record_ok(&h, T0_MS + 11000, 400, 40, 4);
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 2);
    assert_int_equal(v.fine[0].t_ms, T0_MS + 10000);
    assert_int_equal(v.fine[0].mem_bytes, 500);
    assert_int_equal(v.fine[0].mem_peak_bytes, 70);
    assert_int_equal(v.fine[0].pids, 9);
    assert_int_equal(v.fine[1].t_ms, T0_MS + 11000);
    assert_int_equal(v.ncoarse, 1);
    assert_int_equal(v.coarse[0].samples, 3); // the ignored ones are in no aggregate
    assert_int_equal(v.coarse[0].mem_min_bytes, 300);
    assert_int_equal(v.coarse[0].mem_avg_bytes, 400);
    assert_int_equal(v.coarse[0].pids_min, 3);
    history_view_free(&v);
}

// The wall clock stepping back by more than HISTORY_STEP_BACK_S must not stop recording.
static void test_clock_step_back(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_ok(&h, T0_MS + 3600ull * 1000u, 7, 7, 7);
    record_ok(&h, T0_MS, 8, 8, 8);
    record_ok(&h, T0_MS + 1000, 9, 9, 9);
    assert_int_equal(h.clock_step_count, 1);
    assert_int_equal(h.out_of_order_count, 0);
    history_close(&h);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 3); // in the order written
    assert_int_equal(v.fine[0].t_ms, T0_MS + 3600ull * 1000u);
    assert_int_equal(v.fine[1].t_ms, T0_MS);
    assert_int_equal(v.fine[2].t_ms, T0_MS + 1000);
    assert_int_equal(v.ncoarse, 2);
    assert_int_equal(v.coarse[1].samples, 2);
    history_view_free(&v);
}

// A `warden report` reading while the daemon writes: every load that succeeds is one
// consistent state (contiguous seconds, oldest first), never a mix of two.
static void test_load_while_writing(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, 100);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (uint64_t s = 100; s < 100 + 4 * HISTORY_FINE_COUNT; s++) {
            if (history_record(&h, T0_MS + s * 1000u, s, s, 1) != 0) {
                _exit(1);
            }
        }
        _exit(0);
    }
    history_close(&h); // the parent's copy: the child writes
    unsigned ok = 0, busy = 0;
    for (int n = 0; n < 300; n++) {
        struct hist_view v;
        int rc = history_load(f->dir, "api", &v);
        if (rc != 0 && rc != -EAGAIN) {
            print_message("rc %d\n", rc);
        }
        assert_true(rc == 0 || rc == -EAGAIN);
        ok += rc == 0;
        busy += rc == -EAGAIN;
        for (size_t i = 1; i < v.nfine; i++) {
            assert_int_equal(v.fine[i].t_ms - v.fine[i - 1].t_ms, 1000u);
        }
        history_view_free(&v);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    print_message("loads: %u consistent, %u busy\n", ok, busy);
    assert_true(ok > 0);
}

static uint32_t header_seq(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    unsigned char seq[4];
    assert_int_equal(pread(fd, seq, sizeof(seq), 112), (ssize_t)sizeof(seq));
    assert_int_equal(close(fd), 0);
    return get_le32(seq);
}

// A writer that died between marking the header busy and the record after it: readers leave
// out the records it may have torn, and the next open clears the mark.
static void test_busy_mark_left_by_crash(void **state)
{
    struct fixture *f = *state;
    struct history h;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, HISTORY_FINE_COUNT + 10); // full fine ring, 61 minutes
    history_close(&h);
    uint32_t seq = header_seq(path);
    assert_int_equal(seq % 2, 0);
    assert_true(seq > 0); // full-ring appends were bracketed
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    unsigned char hd[HISTORY_HEADER_BYTES];
    assert_int_equal(pread(fd, hd, sizeof(hd), 0), (ssize_t)sizeof(hd));
    put_le32(hd + 112, seq + 1);
    put_le32(hd + HISTORY_HEADER_BYTES - 4, fnv1a(hd, HISTORY_HEADER_BYTES - 4));
    assert_int_equal(pwrite(fd, hd, sizeof(hd), 0), (ssize_t)sizeof(hd));
    assert_int_equal(close(fd), 0);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, HISTORY_FINE_COUNT - 2); // oldest and newest left out
    assert_int_equal(v.fine[0].t_ms, T0_MS + 11000u);
    assert_int_equal(v.fine[v.nfine - 1].t_ms, T0_MS + (HISTORY_FINE_COUNT + 8ull) * 1000u);
    assert_int_equal(v.ncoarse, 60); // not full: only the newest left out
    assert_int_equal(v.coarse[59].t_ms, T0_MS + 59ull * 60000u);
    history_view_free(&v);
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    assert_false(h.recreated);
    assert_int_equal(h.fine_valid, HISTORY_FINE_COUNT);
    assert_int_equal(header_seq(path), seq + 2);
    history_close(&h);
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, HISTORY_FINE_COUNT);
    assert_int_equal(v.ncoarse, 61);
    history_view_free(&v);
}

static void make_file(const char *dir, const char *name, uint64_t mtime_ms)
{
    char path[PATH_MAX];
    FMT(path, "%s/history/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    struct timespec ts[2] = {{.tv_sec = (time_t)(mtime_ms / 1000u)},
                             {.tv_sec = (time_t)(mtime_ms / 1000u)}};
    assert_int_equal(futimens(fd, ts), 0);
    assert_int_equal(close(fd), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    FMT(path, "%s/history/%s", dir, name);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void test_prune(void **state)
{
    struct fixture *f = *state;
    const char *keep[] = {"kept", "other"};
    uint64_t now = T0_MS, old = T0_MS - 8 * DAY_MS;
    assert_int_equal(history_prune(f->dir, keep, 2, 0, now), 0); // no history dir yet
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "gone"), 0);
    history_close(&h);
    make_file(f->dir, "gone.hist", old);
    make_file(f->dir, "kept.hist", old);
    make_file(f->dir, "recent.hist", now - DAY_MS);
    make_file(f->dir, "notes.txt", old);
    make_file(f->dir, "bad name.hist", old);
    make_file(f->dir, ".hidden.hist", old);
    make_file(f->dir, ".hist", old);
    make_file(f->dir, "gone.hist.bak", old);
    char path[PATH_MAX];
    FMT(path, "%s/history/dir.hist", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    struct timespec ts[2] = {{.tv_sec = (time_t)(old / 1000u)}, {.tv_sec = (time_t)(old / 1000u)}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    FMT(path, "%s/history/link.hist", f->dir);
    assert_int_equal(symlink("gone.hist", path), 0); // a link to a prunable file
    assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(history_prune(f->dir, keep, 2, 0, now), 1);
    assert_false(exists(f->dir, "gone.hist"));
    const char *stay[] = {"kept.hist",     "recent.hist",  "notes.txt",
                          "bad name.hist", ".hidden.hist", ".hist",
                          "gone.hist.bak", "dir.hist",     "link.hist"};
    for (size_t i = 0; i < sizeof(stay) / sizeof(stay[0]); i++) {
        assert_true(exists(f->dir, stay[i]));
    }
    // A shorter retention takes the recent one too; the kept one stays whatever its age.
    assert_int_equal(history_prune(f->dir, keep, 2, 3600, now), 1);
    assert_false(exists(f->dir, "recent.hist"));
    assert_int_equal(history_prune(f->dir, NULL, 0, 3600, now), 1);
    assert_false(exists(f->dir, "kept.hist"));
    assert_true(exists(f->dir, "notes.txt"));
}

static void test_bad_names_and_states(void **state)
{
    struct fixture *f = *state;
    char longname[SERVICE_NAME_MAX + 1];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    const char *bad[] = {"", "../x", "a/b", ".x", "-x", "a..b", "a b", longname, NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct history h;
        struct hist_view v;
        assert_int_equal(history_open(&h, f->dir, bad[i]), -EINVAL);
        assert_int_equal(h.fd, -1);
        assert_int_equal(history_load(f->dir, bad[i], &v), -EINVAL);
    }
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), -ENOENT);
    assert_null(v.fine);
    struct history h;
    char missing[PATH_MAX];
    FMT(missing, "%s/nope", f->dir);
    assert_int_equal(history_open(&h, missing, "api"), -ENOENT);
    assert_int_equal(history_record(&h, T0_MS, 1, 1, 1), -EBADF);
    history_close(&h); // closed: nothing happens
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    history_close(&h);
    history_close(&h);
    assert_int_equal(history_record(&h, T0_MS, 1, 1, 1), -EBADF);
}

// The layout is a file format (read by other processes, maybe other builds): check bytes.
static void test_disk_layout(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_ok(&h, T0_MS + 1500, 0x0102030405060708ull, 9, 0x0a0b0c0d);
    assert_int_equal(history_flush(&h), 0); // points are held for one pwrite per 10
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    unsigned char buf[HISTORY_HEADER_BYTES + HISTORY_POINT_BYTES];
    assert_int_equal(pread(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    assert_int_equal(close(fd), 0);
    assert_memory_equal(buf, "WDNHIST1", 8);
    assert_int_equal(get_le32(buf + 8), 2);             // version
    assert_int_equal(get_le32(buf + 16), 3600);         // fine count
    assert_int_equal(get_le32(buf + 20), 2880);         // coarse count
    assert_int_equal(get_le32(buf + 32), 1);            // fine next
    assert_int_equal(get_le32(buf + 36), 1);            // fine valid
    assert_int_equal(get_le32(buf + 112), 0);           // write_seq: no in-place write yet
    assert_string_equal((const char *)buf + 48, "api"); // name
    assert_int_equal(get_le32(buf + 124), fnv1a(buf, 124));
    const unsigned char *p = buf + HISTORY_HEADER_BYTES;
    uint64_t t = 0;
    for (int i = 7; i >= 0; i--) {
        t = t << 8 | p[i];
    }
    assert_int_equal(t, T0_MS + 1000);
    const unsigned char mem[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    assert_memory_equal(p + 8, mem, 8);
    assert_int_equal(get_le32(p + 24), 0x0a0b0c0d);
    assert_int_equal(get_le32(p + 28), fnv1a(p, 28)); // the point's checksum
    record_ok(&h, T0_MS + 1900, 1, 1, 1);             // a merge rewrites a visible point: bracketed
    assert_int_equal(history_flush(&h), 0);
    assert_int_equal(header_seq(path), 2);
    history_close(&h);
}

// Fine points go to disk HISTORY_PEND_MAX at a time (one pwrite instead of two a second):
// a reader of the live file is at most that many seconds behind, never sees a point the
// header does not count, and history_flush (an instance's exit) writes the rest.
static void test_points_batched(void **state)
{
    struct fixture *f = *state;
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    const unsigned n = HISTORY_PEND_MAX + 5; // within T0's minute: no minute flush
    record_seconds(&h, 0, n);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, HISTORY_PEND_MAX); // one batch written, 5 held
    assert_int_equal(v.dropped_records, 0);
    assert_int_equal(v.fine[HISTORY_PEND_MAX - 1].t_ms, T0_MS + (HISTORY_PEND_MAX - 1) * 1000u);
    history_view_free(&v);
    assert_int_equal(history_flush(&h), 0);
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, n);
    assert_int_equal(v.dropped_records, 0);
    history_view_free(&v);
    // a same-second merge into a point already written is written again, in place
    record_ok(&h, T0_MS + (n - 1) * 1000u + 500u, 1u << 30, 1u << 30, 7);
    assert_int_equal(history_flush(&h), 0);
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, n);
    assert_int_equal(v.fine[n - 1].mem_bytes, 1u << 30);
    history_view_free(&v);
    history_close(&h);
}

// Everything a loaded view holds is in range and in ring order (history.h's checks).
static void assert_view_sane(const struct hist_view *v)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < v->nfine; i++) {
        const struct hist_point *p = &v->fine[i];
        assert_true(p->t_ms >= HISTORY_TIME_MIN_MS && p->t_ms % 1000u == 0);
        assert_true(p->mem_bytes < HISTORY_MEM_MAX_BYTES);
        assert_true(p->mem_peak_bytes < HISTORY_MEM_MAX_BYTES);
        assert_true(p->pids <= HISTORY_PIDS_MAX);
        assert_true(prev == 0 || p->t_ms > prev || prev - p->t_ms >= HISTORY_STEP_BACK_S * 1000u);
        prev = p->t_ms;
    }
    prev = 0;
    for (size_t i = 0; i < v->ncoarse; i++) {
        const struct hist_minute *m = &v->coarse[i];
        assert_true(m->t_ms >= HISTORY_TIME_MIN_MS && m->t_ms % 60000u == 0);
        assert_true(m->mem_min_bytes <= m->mem_avg_bytes && m->mem_avg_bytes <= m->mem_max_bytes);
        assert_true(m->mem_max_bytes < HISTORY_MEM_MAX_BYTES);
        assert_true(m->mem_peak_max_bytes < HISTORY_MEM_MAX_BYTES);
        assert_true(m->pids_min <= m->pids_avg && m->pids_avg <= m->pids_max);
        assert_true(m->pids_max <= HISTORY_PIDS_MAX && m->samples > 0);
        assert_true(prev == 0 || m->t_ms > prev || prev - m->t_ms >= HISTORY_STEP_BACK_S * 1000u);
        prev = m->t_ms;
    }
}

#define FINE_AT(slot)   (HISTORY_HEADER_BYTES + (size_t)(slot)*HISTORY_POINT_BYTES)
#define COARSE_AT(slot) (FINE_AT(HISTORY_FINE_COUNT) + (size_t)(slot)*HISTORY_MINUTE_BYTES)

// 600 s from T0: 600 points in slots 0..599 and 10 minutes (the last flushed by close).
static void make_600(const struct fixture *f)
{
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    record_seconds(&h, 0, 600);
    history_close(&h);
}

static void file_bytes(const char *path, unsigned char *buf, bool write)
{
    int fd = open(path, write ? O_WRONLY : O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n =
            write ? pwrite(fd, buf, HISTORY_FILE_BYTES, 0) : pread(fd, buf, HISTORY_FILE_BYTES, 0);
    assert_int_equal(n, (ssize_t)HISTORY_FILE_BYTES);
    assert_int_equal(close(fd), 0);
}

// Random bytes over random spans of the rings (dd conv=notrunc while running, issue 12):
// nothing out of range comes back, and what is missing is exactly what was counted.
static void test_random_bytes_dropped(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    make_600(f);
    unsigned char *clean = malloc(HISTORY_FILE_BYTES), *buf = malloc(HISTORY_FILE_BYTES);
    assert_non_null(clean);
    assert_non_null(buf);
    file_bytes(path, clean, false);
    srandom(12);
    for (int round = 0; round < 200; round++) {
        memcpy(buf, clean, HISTORY_FILE_BYTES);
        size_t off = HISTORY_HEADER_BYTES + (size_t)random() % (COARSE_AT(12) - 128);
        size_t len = 1 + (size_t)random() % 4096;
        len = off + len > HISTORY_FILE_BYTES ? HISTORY_FILE_BYTES - off : len;
        for (size_t i = 0; i < len; i++) {
            buf[off + i] = (unsigned char)random();
        }
        struct hist_view v;
        assert_int_equal(history_parse(buf, HISTORY_FILE_BYTES, "api", T0_MS + DAY_MS, &v), 0);
        assert_view_sane(&v);
        assert_int_equal(v.nfine + v.ncoarse + v.dropped_records, 610);
        history_view_free(&v);
    }
    // The example in the issue, through the file: 100 points and 3 minutes scribbled over.
    memcpy(buf, clean, HISTORY_FILE_BYTES);
    for (size_t i = FINE_AT(100); i < FINE_AT(200); i++) {
        buf[i] = (unsigned char)random();
    }
    for (size_t i = COARSE_AT(2); i < COARSE_AT(5); i++) {
        buf[i] = (unsigned char)random();
    }
    file_bytes(path, buf, true);
    struct hist_view v;
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_view_sane(&v);
    assert_int_equal(v.nfine, 500);
    assert_int_equal(v.ncoarse, 7);
    assert_int_equal(v.dropped_records, 103);
    assert_int_equal(v.fine[99].t_ms + 101000u, v.fine[100].t_ms); // a gap where they were
    history_view_free(&v);
    // The writer goes on with the file as it is (not rebuilt) and readers keep dropping.
    struct history h;
    assert_int_equal(history_open(&h, f->dir, "api"), 0);
    assert_false(h.recreated);
    record_seconds(&h, 600, 10);
    history_close(&h);
    assert_int_equal(history_load(f->dir, "api", &v), 0);
    assert_int_equal(v.nfine, 510);
    assert_int_equal(v.dropped_records, 103);
    history_view_free(&v);
    free(clean);
    free(buf);
}

// One flipped bit anywhere in a point or a minute drops that record and only it.
static void test_flipped_bit(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    make_600(f);
    unsigned char *buf = malloc(HISTORY_FILE_BYTES);
    assert_non_null(buf);
    file_bytes(path, buf, false);
    const size_t recs[] = {FINE_AT(5), COARSE_AT(3)};
    const size_t sizes[] = {HISTORY_POINT_BYTES, HISTORY_MINUTE_BYTES};
    for (size_t r = 0; r < 2; r++) {
        for (size_t bit = 0; bit < sizes[r] * 8; bit++) {
            buf[recs[r] + bit / 8] ^= (unsigned char)(1u << (bit % 8));
            struct hist_view v;
            assert_int_equal(history_parse(buf, HISTORY_FILE_BYTES, "api", 0, &v), 0);
            assert_int_equal(v.dropped_records, 1);
            assert_int_equal(v.nfine, r == 0 ? 599 : 600);
            assert_int_equal(v.ncoarse, r == 0 ? 10 : 9);
            assert_view_sane(&v);
            history_view_free(&v);
            buf[recs[r] + bit / 8] ^= (unsigned char)(1u << (bit % 8));
        }
    }
    free(buf);
}

static uint64_t get_le64(const unsigned char *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

// Rewrite a field of a record and make its checksum right again: a forgery the checksum
// cannot catch, which the range and order checks must.
static void forge(unsigned char *buf, size_t rec, size_t rec_bytes, size_t field, uint64_t value,
                  bool wide)
{
    if (wide) {
        put_le64(buf + rec + field, value);
    } else {
        put_le32(buf + rec + field, (uint32_t)value);
    }
    put_le32(buf + rec + rec_bytes - 4, fnv1a(buf + rec, rec_bytes - 4));
}

static size_t parse_dropped(const unsigned char *buf, uint64_t now_ms)
{
    struct hist_view v;
    assert_int_equal(history_parse(buf, HISTORY_FILE_BYTES, "api", now_ms, &v), 0);
    assert_view_sane(&v);
    size_t dropped = v.dropped_records;
    history_view_free(&v);
    return dropped;
}

static void test_forged_values_and_times(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    make_600(f);
    unsigned char *clean = malloc(HISTORY_FILE_BYTES), *buf = malloc(HISTORY_FILE_BYTES);
    assert_non_null(clean);
    assert_non_null(buf);
    file_bytes(path, clean, false);
    uint64_t now = T0_MS + 600000u, t50 = get_le64(clean + FINE_AT(50));
    struct {
        size_t rec, bytes, field;
        uint64_t value;
        bool wide;
        size_t dropped;
    } cases[] = {
            {FINE_AT(50), HISTORY_POINT_BYTES, 8, HISTORY_MEM_MAX_BYTES, true, 1},
            {FINE_AT(50), HISTORY_POINT_BYTES, 8, HISTORY_MEM_MAX_BYTES - 1, true, 0},
            {FINE_AT(50), HISTORY_POINT_BYTES, 16, UINT64_MAX, true, 1}, // a "negative" peak
            {FINE_AT(50), HISTORY_POINT_BYTES, 24, HISTORY_PIDS_MAX + 1u, false, 1},
            {FINE_AT(50), HISTORY_POINT_BYTES, 24, HISTORY_PIDS_MAX, false, 0},
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, t50 + 1, true, 1},              // not on a second
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, t50 - 10000u, true, 1},         // 10 s back
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, t50 - 1000u, true, 1},          // same as before
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, t50 - 600000u, true, 0},        // a clock step
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, now + DAY_MS + 1000u, true, 1}, // future
            {FINE_AT(50), HISTORY_POINT_BYTES, 0, HISTORY_TIME_MIN_MS - 1000u, true, 1},
            {FINE_AT(599), HISTORY_POINT_BYTES, 0, now + 3600000u, true, 0},  // clock ahead
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 8, 1ull << 40, true, 1},     // min > avg
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 24, 1ull << 62, true, 1},    // max
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 32, 1ull << 55, true, 1},    // peak
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 48, 0, false, 1},            // pids_avg < min
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 52, 0, false, 1},            // no samples
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 56, 1, false, 1},            // reserved
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 0, T0_MS + 60000u, true, 1}, // minute 1 again
            {COARSE_AT(3), HISTORY_MINUTE_BYTES, 0, T0_MS + 3 * 60000u + 1000, true, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf, clean, HISTORY_FILE_BYTES);
        forge(buf, cases[i].rec, cases[i].bytes, cases[i].field, cases[i].value, cases[i].wide);
        if (parse_dropped(buf, now) != cases[i].dropped) {
            print_message("case %zu\n", i);
        }
        assert_int_equal(parse_dropped(buf, now), cases[i].dropped);
    }
    // A time far ahead drops only itself: the order is kept from the last record kept.
    memcpy(buf, clean, HISTORY_FILE_BYTES);
    forge(buf, FINE_AT(50), HISTORY_POINT_BYTES, 0, now + 30 * DAY_MS, true);
    assert_int_equal(parse_dropped(buf, now), 1);
    assert_int_equal(parse_dropped(buf, 0), 0); // no clock: no ceiling, and a 9 min step back
    free(clean);
    free(buf);
}

// A file cut short while recording (truncate -s) is given its size and header back within
// HISTORY_SIZE_CHECK_S; readers refuse it until then, and count what the cut took after.
static void test_truncated_while_recording(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    hist_path(path, sizeof(path), f->dir, "api");
    const off_t cuts[] = {1000, 0, HISTORY_FILE_BYTES - 1};
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        struct history h;
        assert_int_equal(history_open(&h, f->dir, "api"), 0);
        record_seconds(&h, 0, 95); // the size is checked at 0, 10, ... 90 s
        assert_int_equal(truncate(path, cuts[c]), 0);
        record_seconds(&h, 95, 1); // a pwrite past the cut: sparse, at a wrong size
        struct hist_view v;
        assert_int_equal(history_load(f->dir, "api", &v), -EBADMSG);
        assert_int_equal(h.repair_count, 0);
        record_seconds(&h, 96, 25); // checked at 100 s
        assert_int_equal(h.repair_count, 1);
        assert_int_equal(path_size(path), (off_t)HISTORY_FILE_BYTES);
        assert_int_equal(history_flush(&h), 0); // the held seconds
        assert_int_equal(history_load(f->dir, "api", &v), 0);
        assert_view_sane(&v);
        assert_true(v.dropped_records > 0 || cuts[c] == HISTORY_FILE_BYTES - 1);
        assert_int_equal(v.nfine + v.ncoarse + v.dropped_records, 121 + 2);
        assert_int_equal(v.fine[v.nfine - 1].t_ms, T0_MS + 120000u);
        history_view_free(&v);
        history_close(&h);
        assert_int_equal(history_load(f->dir, "api", &v), 0);
        assert_int_equal(v.ncoarse, 3 - (cuts[c] < (off_t)COARSE_AT(1)));
        history_view_free(&v);
        assert_int_equal(unlink(path), 0);
    }
}

// The loader of external bytes is pure: hostile lengths and headers, never a crash.
static void test_parse_bad_buffers(void **state)
{
    (void)state;
    unsigned char small[HISTORY_HEADER_BYTES] = {0};
    struct hist_view v;
    assert_int_equal(history_parse(small, sizeof(small), NULL, 0, &v), -EBADMSG);
    assert_null(v.fine);
    unsigned char *zero = calloc(1, HISTORY_FILE_BYTES);
    assert_non_null(zero);
    assert_int_equal(history_parse(zero, HISTORY_FILE_BYTES, NULL, 0, &v), -EBADMSG);
    free(zero);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_file_size_fixed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fine_ring_wraps, setup, teardown),
            cmocka_unit_test_setup_teardown(test_coarse_minutes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_coarse_ring_wraps, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reopen_recovers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reopen_same_minute_merges, setup, teardown),
            cmocka_unit_test_setup_teardown(test_corrupt_recreated, setup, teardown),
            cmocka_unit_test_setup_teardown(test_wrong_name_and_empty_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_gaps_preserved, setup, teardown),
            cmocka_unit_test_setup_teardown(test_same_second_and_out_of_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_clock_step_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_load_while_writing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_busy_mark_left_by_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_names_and_states, setup, teardown),
            cmocka_unit_test_setup_teardown(test_disk_layout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_points_batched, setup, teardown),
            cmocka_unit_test_setup_teardown(test_random_bytes_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flipped_bit, setup, teardown),
            cmocka_unit_test_setup_teardown(test_forged_values_and_times, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncated_while_recording, setup, teardown),
            cmocka_unit_test_setup_teardown(test_parse_bad_buffers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
