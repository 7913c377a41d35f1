// SPDX-License-Identifier: MIT
// Unit tests of the journal: round trip, seq recovery, rotation under the disk cap, torn
// and hostile tails, overlong events and lines, and a 200,000-event run under default caps.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bounds.h"
#include "journal.h"

#define T0_MS 1795410000123ull // 2026-11-23T05:00:00.123Z

struct fixture {
    char dir[64];
};

static uint64_t fake_now_ms = T0_MS;

static uint64_t fake_clock(void)
{
    return fake_now_ms;
}

// snprintf into an array that fails the test on truncation. A macro, so that sizeof sees
// the array (and no va_list trips clang-tidy 14's valist checker across translation units).
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
    FMT(f->dir, "/tmp/test_journal.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    fake_now_ms = T0_MS;
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

static struct journal_opts opts_for(const char *dir, uint32_t seg_bytes, uint32_t seg_count)
{
    struct journal_opts o = {.dir = dir,
                             .segment_bytes = seg_bytes,
                             .segment_count = seg_count,
                             .now_ms = fake_clock};
    return o;
}

static int append_event(struct journal *j, const char *service, const char *type, int n)
{
    json_t *ev = json_pack("{s:s, s:s, s:i}", "service", service, "type", type, "n", n);
    assert_non_null(ev);
    int rc = journal_append(j, ev, false);
    json_decref(ev);
    return rc;
}

static void seg_path(char *buf, size_t size, const char *dir, uint64_t index)
{
    int n = snprintf(buf, size, "%s/events.%012" PRIu64 ".jsonl", dir, index);
    assert_true(n >= 0 && (size_t)n < size);
}

static void append_raw(const char *dir, uint64_t index, const char *bytes, size_t len)
{
    char path[PATH_MAX];
    seg_path(path, sizeof(path), dir, index);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static uint64_t file_size(const char *dir, uint64_t index)
{
    char path[PATH_MAX];
    seg_path(path, sizeof(path), dir, index);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

// Count segment files (and sum their sizes); other files are not counted.
static size_t count_segments(const char *dir, uint64_t *total_bytes)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    *total_bytes = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "events.", 7) == 0 && strlen(de->d_name) == 25 &&
            strspn(de->d_name + 7, "0123456789") == 12 && strcmp(de->d_name + 19, ".jsonl") == 0) {
            char path[PATH_MAX];
            FMT(path, "%s/%s", dir, de->d_name);
            struct stat st;
            assert_int_equal(stat(path, &st), 0);
            *total_bytes += (uint64_t)st.st_size;
            count++;
        }
    }
    assert_int_equal(closedir(d), 0);
    return count;
}

// Collects what journal_read visits: the seqs, and the first event kept whole.
struct seen {
    size_t count;
    size_t foreign; // objects without a non-negative integer seq
    uint64_t first_seq, last_seq;
    bool gap;
    json_t *first;
    size_t stop_after; // 0: never stop
};

static int collect(json_t *ev, void *ctx)
{
    struct seen *s = ctx;
    json_t *v = json_object_get(ev, "seq");
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        s->foreign++;
        return 0;
    }
    uint64_t seq = (uint64_t)json_integer_value(v);
    if (s->count == 0) {
        s->first_seq = seq;
        s->first = json_deep_copy(ev);
    } else if (seq != s->last_seq + 1) {
        s->gap = true;
    }
    s->last_seq = seq;
    s->count++;
    return s->stop_after && s->count == s->stop_after ? 7 : 0;
}

static struct seen read_all(const char *dir, uint64_t *bad)
{
    struct seen s = {0};
    assert_int_equal(journal_read(dir, collect, &s, bad), 0);
    return s;
}

static void seen_free(struct seen *s)
{
    json_decref(s->first);
    s->first = NULL;
}

static void test_empty_dir_created(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX];
    FMT(dir, "%s/a/b/journal", f->dir); // parents are created too
    struct journal_opts o = opts_for(dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.next_seq, 1);
    assert_int_equal(j.seg_index, 1);
    assert_int_equal(j.seg_bytes, 0);
    assert_int_equal(j.segment_bytes, JOURNAL_SEGMENT_BYTES);
    assert_int_equal(j.segment_count, JOURNAL_SEGMENT_COUNT);
    assert_int_equal(j.repaired_bytes, 0);
    journal_close(&j);
    assert_int_equal(j.fd, -1);
    assert_int_equal(j.dir_fd, -1);
    journal_close(&j); // twice is harmless
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(file_size(dir, 1), 0);
    uint64_t bad = 99;
    struct seen s = read_all(dir, &bad);
    assert_int_equal(s.count, 0);
    assert_int_equal(bad, 0);
}

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    json_t *ev = json_pack("{s:s, s:s, s:i, s:s}", "service", "api", "type", "exit", "code", 3,
                           "seq", "caller's own seq is replaced");
    assert_non_null(ev);
    assert_int_equal(journal_append(&j, ev, false), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "seq")), 1); // stamped in place
    assert_string_equal(json_string_value(json_object_get(ev, "time")), "2026-11-23T05:00:00.123Z");
    json_decref(ev);
    fake_now_ms = 1000;
    assert_int_equal(append_event(&j, "db", "start", 2), 0);
    assert_int_equal(j.next_seq, 3);
    assert_int_equal(j.appended_count, 2);
    assert_true(j.dirty);
    journal_close(&j);

    const char *want = "{\"seq\":1,\"time\":\"2026-11-23T05:00:00.123Z\",\"service\":\"api\","
                       "\"type\":\"exit\",\"code\":3}\n"
                       "{\"seq\":2,\"time\":\"1970-01-01T00:00:01.000Z\",\"service\":\"db\","
                       "\"type\":\"start\",\"n\":2}\n";
    char path[PATH_MAX];
    seg_path(path, sizeof(path), f->dir, 1);
    char got[512] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, got, sizeof(got) - 1), (ssize_t)strlen(want));
    assert_int_equal(close(fd), 0);
    assert_string_equal(got, want);

    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(s.count, 2);
    assert_int_equal(bad, 0);
    assert_int_equal(s.first_seq, 1);
    assert_int_equal(s.last_seq, 2);
    assert_string_equal(json_string_value(json_object_get(s.first, "service")), "api");
    assert_int_equal(json_integer_value(json_object_get(s.first, "code")), 3);
    seen_free(&s);
}

static void test_seq_continues_after_reopen(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(append_event(&j, "api", "start", i), 0);
    }
    journal_close(&j);
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.next_seq, 6);
    assert_int_equal(j.seg_bytes, file_size(f->dir, 1));
    assert_int_equal(append_event(&j, "api", "exit", 5), 0);
    journal_close(&j);
    struct seen s = read_all(f->dir, NULL);
    assert_int_equal(s.count, 6);
    assert_int_equal(s.last_seq, 6);
    assert_false(s.gap);
    seen_free(&s);
}

static void test_rotation_bounded(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 4096, 3);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(append_event(&j, "api", "memory-restart", i), 0);
        uint64_t total;
        assert_true(count_segments(f->dir, &total) <= 3);
        assert_true(total <= (uint64_t)3 * 4096);
    }
    assert_true(j.seg_index > 3);
    assert_int_equal(j.write_error_count, 0);
    uint64_t total;
    assert_int_equal(count_segments(f->dir, &total), 3);
    for (uint64_t i = j.seg_index - 2; i <= j.seg_index; i++) {
        assert_true(file_size(f->dir, i) <= 4096); // the three newest, by name
    }
    uint64_t last_index = j.seg_index;
    journal_close(&j);

    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(bad, 0);
    assert_false(s.gap);
    assert_int_equal(s.last_seq, 2000);
    assert_int_equal(s.count, 2000 - s.first_seq + 1);
    assert_true(s.count > 2 * 4096 / 100); // more than two segments' worth of lines remain
    seen_free(&s);

    assert_int_equal(journal_open(&j, &o), 0); // reopen continues in the newest segment
    assert_int_equal(j.seg_index, last_index);
    assert_int_equal(j.next_seq, 2001);
    journal_close(&j);
}

static void test_torn_tail_repaired(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(append_event(&j, "api", "start", i), 0);
    }
    journal_close(&j);
    uint64_t good = file_size(f->dir, 1);
    const char torn[] = "{\"seq\":11,\"time\":\"2026-11-23T05:00:00.123Z\",\"serv";
    append_raw(f->dir, 1, torn, strlen(torn));
    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad); // before repair: the torn tail reads as bad
    assert_int_equal(s.count, 10);
    assert_int_equal(bad, 1);
    seen_free(&s);

    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.repaired_bytes, strlen(torn));
    assert_int_equal(j.seg_bytes, good);
    assert_int_equal(file_size(f->dir, 1), good);
    assert_int_equal(j.next_seq, 11);
    s = read_all(f->dir, &bad);
    assert_int_equal(s.count, 10);
    assert_int_equal(bad, 0);
    seen_free(&s);
    assert_int_equal(append_event(&j, "api", "exit", 10), 0);
    journal_close(&j);
    s = read_all(f->dir, &bad);
    assert_int_equal(s.count, 11);
    assert_int_equal(s.last_seq, 11);
    assert_int_equal(bad, 0);
    assert_false(s.gap);
    seen_free(&s);
}

// Hostile tails after 5 good events: what is cut, what seq comes next, what reads as bad
// (not a JSON object) and what reads as foreign (an object without a usable seq).
struct tail_case {
    const char *tail;
    size_t len;
    uint64_t repaired;
    uint64_t next_seq;
    uint64_t bad;
    size_t foreign;
};

#define TAIL(s, rep, next, nbad, nforeign)                                                         \
    {                                                                                              \
        (s), sizeof(s) - 1, (rep), (next), (nbad), (nforeign)                                      \
    }

static const struct tail_case tail_cases[] = {
        TAIL("not json\n", 0, 6, 1, 0),
        TAIL("{\"seq\":\"7\"}\n", 0, 6, 0, 1),               // seq of the wrong type
        TAIL("{\"seq\":-4}\n", 0, 6, 0, 1),                  // negative seq
        TAIL("{\"seq\":9223372036854775807}\n", 0, 6, 0, 0), // no room for a next seq
        TAIL("[1,2]\n", 0, 6, 1, 0),                         // not an object
        TAIL("\n\n\n", 0, 6, 3, 0),                          // empty lines
        TAIL("{\"seq\":41}\n", 0, 42, 0, 0),                 // a valid foreign event sets seq
        TAIL("{\"seq\":41}", 10, 6, 0, 0),                   // valid JSON, but torn (no newline)
        TAIL("garbage\n{\"seq\":9", 8, 6, 1, 0),             // complete garbage, then torn
        TAIL("\0\0\0\0\0\0\0\0", 8, 6, 0, 0),                // zeros after a crash (delalloc)
        TAIL("{\"seq\":3}\nxx\n{\"a\":1}\n", 0, 4, 1, 1),    // newest line with a seq wins
};

static void test_hostile_tails(void **state)
{
    struct fixture *f = *state;
    for (size_t c = 0; c < sizeof(tail_cases) / sizeof(tail_cases[0]); c++) {
        const struct tail_case *tc = &tail_cases[c];
        char dir[PATH_MAX];
        FMT(dir, "%s/case%zu", f->dir, c);
        struct journal_opts o = opts_for(dir, 0, 0);
        struct journal j;
        assert_int_equal(journal_open(&j, &o), 0);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(append_event(&j, "api", "start", i), 0);
        }
        journal_close(&j);
        append_raw(dir, 1, tc->tail, tc->len);
        assert_int_equal(journal_open(&j, &o), 0);
        print_message("tail case %zu\n", c); // names the failing row
        assert_int_equal(j.repaired_bytes, tc->repaired);
        assert_int_equal(j.next_seq, tc->next_seq);
        assert_int_equal(append_event(&j, "api", "exit", 9), 0);
        journal_close(&j);
        uint64_t bad = 99;
        struct seen s = {0};
        assert_int_equal(journal_read(dir, collect, &s, &bad), 0);
        assert_int_equal(bad, tc->bad);
        assert_int_equal(s.foreign, tc->foreign);
        assert_int_equal(s.last_seq, tc->next_seq);
        seen_free(&s);
    }
}

static void test_empty_newest_segment(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(append_event(&j, "api", "start", i), 0);
    }
    journal_close(&j);
    append_raw(f->dir, 2, "", 0);     // rotated, then crashed before writing
    append_raw(f->dir, 4, "torn", 4); // a gap in the numbering, then only a torn line
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.seg_index, 4);
    assert_int_equal(j.repaired_bytes, 4);
    assert_int_equal(j.next_seq, 4);
    journal_close(&j);
}

static void test_stale_segments_pruned(void **state)
{
    struct fixture *f = *state;
    for (uint64_t i = 1; i <= 10; i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "{\"seq\":%" PRIu64 "}\n", i);
        append_raw(f->dir, i, line, (size_t)n);
    }
    append_raw(f->dir, 0, "", 0);
    struct journal_opts o = opts_for(f->dir, 4096, 3);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.seg_index, 10);
    assert_int_equal(j.next_seq, 11);
    journal_close(&j);
    uint64_t total;
    assert_int_equal(count_segments(f->dir, &total), 3);
    struct seen s = read_all(f->dir, NULL);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.first_seq, 8);
    seen_free(&s);
}

static void test_unrelated_files_ignored(void **state)
{
    struct fixture *f = *state;
    const char *names[] = {"notes.txt", "events.123.jsonl", "events.000000000009.jsonl.tmp",
                           "events.00000000000x.jsonl", "events.999999999999999999999.jsonl"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[PATH_MAX];
        FMT(path, "%s/%s", f->dir, names[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"seq\":50}\n", 11), 11);
        assert_int_equal(close(fd), 0);
    }
    struct journal_opts o = opts_for(f->dir, 4096, 2);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.seg_index, 1);
    assert_int_equal(j.next_seq, 1);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(append_event(&j, "api", "start", i), 0);
    }
    journal_close(&j);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[PATH_MAX];
        FMT(path, "%s/%s", f->dir, names[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0); // untouched by rotation
    }
    struct seen s = read_all(f->dir, NULL);
    assert_int_equal(s.last_seq, 300);
    assert_false(s.gap);
    seen_free(&s);
}

static void test_too_long_event_reduced(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_t *ev = json_pack("{s:s, s:s, s:s}", "service", "api", "type", "exit", "detail", big);
    assert_non_null(ev);
    assert_int_equal(journal_append(&j, ev, false), 0);
    json_decref(ev);
    // A long type is dropped from the reduced form too, so the line always fits.
    ev = json_pack("{s:s, s:s}", "service", "api", "type", big);
    assert_non_null(ev);
    assert_int_equal(journal_append(&j, ev, false), 0);
    json_decref(ev);
    assert_int_equal(j.truncated_count, 2);
    assert_int_equal(j.appended_count, 2);
    assert_true(j.seg_bytes < (uint64_t)2 * 200);
    journal_close(&j);

    struct seen s = read_all(f->dir, NULL);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.last_seq, 2);
    assert_int_equal(json_integer_value(json_object_get(s.first, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(s.first, "service")), "api");
    assert_string_equal(json_string_value(json_object_get(s.first, "type")), "exit");
    assert_true(json_is_true(json_object_get(s.first, "truncated")));
    assert_null(json_object_get(s.first, "detail"));
    seen_free(&s);
}

static void test_long_line_skipped_on_read(void **state)
{
    struct fixture *f = *state;
    static char big[3 * JOURNAL_LINE_MAX];
    memset(big, 'y', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    append_raw(f->dir, 1, "{\"seq\":1}\n", 10);
    append_raw(f->dir, 1, big, sizeof(big));
    append_raw(f->dir, 1, "{\"seq\":2}\n", 10);
    append_raw(f->dir, 2, big, sizeof(big)); // newest segment: only an overlong line
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(j.next_seq, 3);
    assert_int_equal(j.repaired_bytes, 0);
    journal_close(&j);
    uint64_t bad = 0;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(s.count, 2);
    assert_int_equal(bad, 2);
    seen_free(&s);
}

static void test_visitor_stops(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(append_event(&j, "api", "start", i), 0);
    }
    journal_close(&j);
    struct seen s = {.stop_after = 2};
    assert_int_equal(journal_read(f->dir, collect, &s, NULL), 7);
    assert_int_equal(s.count, 2);
    seen_free(&s);
    assert_int_equal(journal_read("/nonexistent/journal", collect, &s, NULL), -ENOENT);
}

static void test_sync_and_urgent(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(append_event(&j, "api", "start", 0), 0);
    assert_true(j.dirty);
    assert_int_equal(journal_sync(&j), 0);
    assert_false(j.dirty);
    json_t *ev = json_pack("{s:s, s:s}", "service", "api", "type", "crash-looping");
    assert_non_null(ev);
    assert_int_equal(journal_append(&j, ev, true), 0);
    assert_false(j.dirty);
    json_decref(ev);
    ev = json_array();
    assert_int_equal(journal_append(&j, ev, false), -EINVAL); // not an object
    json_decref(ev);
    assert_int_equal(j.write_error_count, 1);
    assert_int_equal(j.next_seq, 3);
    journal_close(&j);
}

// RLIMIT_FSIZE makes the kernel write only part of a line: it must not stay on disk.
static void test_short_write_cut_back(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(append_event(&j, "api", "start", 0), 0);
    uint64_t good = j.seg_bytes;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_sa;
    assert_int_equal(sigaction(SIGXFSZ, &ign, &old_sa), 0);
    struct rlimit old_rl, rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
    rl = old_rl;
    rl.rlim_cur = good + 20; // room for 20 bytes of the next line
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    int rc = append_event(&j, "api", "exit", 1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_rl), 0);
    assert_int_equal(sigaction(SIGXFSZ, &old_sa, NULL), 0);
    // the real errno (EFBIG here, ENOSPC on a full disk), not EIO (issue 12)
    assert_int_equal(rc, -EFBIG);
    assert_int_equal(j.write_error_count, 1);
    assert_int_equal(j.seg_bytes, good);
    assert_int_equal(file_size(f->dir, 1), good);
    assert_int_equal(j.spill_lines, 1); // held, not lost
    assert_int_equal(append_event(&j, "api", "exit", 2), 0);
    assert_int_equal(j.spill_lines, 0);
    journal_close(&j);
    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(s.count, 3);
    assert_int_equal(bad, 0);
    assert_int_equal(s.last_seq, 3); // the held event kept its seq, written before the next
    assert_false(s.gap);
    seen_free(&s);
}

// A full disk (the segment's fd pointed at /dev/full): events are held in memory in order
// and written, before anything newer, once the disk takes them again; past
// JOURNAL_SPILL_BYTES the newest are lost and counted, never the held ones reordered.
static void test_full_disk_held_then_written(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = opts_for(f->dir, 0, 0);
    struct journal j;
    assert_int_equal(journal_open(&j, &o), 0);
    assert_int_equal(append_event(&j, "api", "start", 0), 0);
    int saved = dup(j.fd);
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    assert_true(saved >= 0 && full >= 0);
    assert_int_equal(dup2(full, j.fd), j.fd);
    assert_int_equal(append_event(&j, "api", "exit", 1), -ENOSPC);
    assert_int_equal(append_event(&j, "api", "start", 2), -ENOSPC);
    assert_int_equal(j.spill_lines, 2);
    assert_int_equal(journal_flush(&j), -ENOSPC); // still full: still held
    assert_int_equal(j.spill_lines, 2);
    // the disk takes them again: the next append writes the held ones first
    assert_int_equal(dup2(saved, j.fd), j.fd);
    assert_int_equal(append_event(&j, "api", "exit", 3), 0);
    assert_int_equal(j.spill_lines, 0);
    assert_int_equal(j.spill_len, 0);
    // full again, past the hold's cap: bounded, and the overflow counted
    assert_int_equal(dup2(full, j.fd), j.fd);
    unsigned n = 0;
    while (j.dropped_count == 0) {
        assert_true(n < 10 * JOURNAL_SPILL_BYTES / 64);
        (void)append_event(&j, "api", "exit", (int)(100 + n++));
    }
    assert_true(j.spill_len <= JOURNAL_SPILL_BYTES);
    unsigned held = j.spill_lines;
    assert_true(held > 100);
    assert_int_equal(held + 1, n);
    // flushed by journal_flush alone (no new event)
    assert_int_equal(dup2(saved, j.fd), j.fd);
    assert_int_equal(journal_flush(&j), 0);
    assert_int_equal(j.spill_lines, 0);
    (void)close(full);
    (void)close(saved);
    journal_close(&j);
    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(bad, 0);
    assert_int_equal(s.count, 4 + held);
    assert_false(s.gap); // the dropped one took no seq
    seen_free(&s);
}

static void test_bad_opts(void **state)
{
    struct fixture *f = *state;
    struct journal j;
    struct journal_opts o = opts_for(f->dir, 4095, 3);
    assert_int_equal(journal_open(&j, &o), -EINVAL);
    journal_close(&j);
    o = opts_for(f->dir, 0, 1);
    assert_int_equal(journal_open(&j, &o), -EINVAL);
    o = opts_for(NULL, 0, 0);
    assert_int_equal(journal_open(&j, &o), -EINVAL);
    assert_int_equal(journal_open(&j, NULL), -EINVAL);
    char path[PATH_MAX];
    FMT(path, "%s/file", f->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    FMT(path, "%s/file/journal", f->dir);
    o = opts_for(path, 0, 0);
    assert_int_equal(journal_open(&j, &o), -ENOTDIR);
    journal_close(&j);
}

static double elapsed_s(const struct timespec *a)
{
    struct timespec b;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &b), 0);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void test_200k_default_caps(void **state)
{
    struct fixture *f = *state;
    struct journal_opts o = {.dir = f->dir}; // default caps and the real clock
    struct journal j;
    struct timespec t0;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
    assert_int_equal(journal_open(&j, &o), 0);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:i}", "service", "api", "type", "exit", "kind",
                           "oom-killed", "signal", 9, "memory_peak_bytes", 1073741824);
    assert_non_null(ev);
    for (int i = 0; i < 200000; i++) {
        assert_int_equal(journal_append(&j, ev, false), 0);
        if (i % 1000 == 999) {
            assert_int_equal(journal_sync(&j), 0); // what the loop's debounce timer does
        }
    }
    json_decref(ev);
    journal_close(&j);
    double write_s = elapsed_s(&t0);
    uint64_t total;
    size_t segs = count_segments(f->dir, &total);
    print_message("200000 events: %.2f s to write, %" PRIu64 " bytes on disk in %zu segments\n",
                  write_s, total, segs);
    assert_true(total <= (uint64_t)JOURNAL_SEGMENT_BYTES * JOURNAL_SEGMENT_COUNT);
    assert_int_equal(segs, JOURNAL_SEGMENT_COUNT);
    assert_true(write_s < 30.0);
    uint64_t bad = 99;
    struct seen s = read_all(f->dir, &bad);
    assert_int_equal(bad, 0);
    assert_false(s.gap);
    assert_int_equal(s.last_seq, 200000);
    assert_true(s.count > (size_t)7 * (JOURNAL_SEGMENT_BYTES / 200)); // lines are < 200 bytes
    seen_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_empty_dir_created, setup, teardown),
            cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_seq_continues_after_reopen, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rotation_bounded, setup, teardown),
            cmocka_unit_test_setup_teardown(test_torn_tail_repaired, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hostile_tails, setup, teardown),
            cmocka_unit_test_setup_teardown(test_empty_newest_segment, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stale_segments_pruned, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unrelated_files_ignored, setup, teardown),
            cmocka_unit_test_setup_teardown(test_too_long_event_reduced, setup, teardown),
            cmocka_unit_test_setup_teardown(test_long_line_skipped_on_read, setup, teardown),
            cmocka_unit_test_setup_teardown(test_visitor_stops, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sync_and_urgent, setup, teardown),
            cmocka_unit_test_setup_teardown(test_short_write_cut_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_full_disk_held_then_written, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_opts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_200k_default_caps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
