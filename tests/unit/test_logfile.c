// SPDX-License-Identifier: MIT
// Unit tests of the per-service log file writer: line format, rotation under the disk cap,
// the rate limit and its markers, write errors (RLIMIT_FSIZE), and the log_max parser.
// The reader (tail, follow) is tested in test_logfile_read.c.
#include <sys/resource.h>

#include <signal.h>

#include "logfile_test.h"

/* ---- format ---- */

static void test_line_format(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 2), 0);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, "hello", 5, false), 1);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_ERR, "a b", 3, true), 1);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, "x\ny", 3, false), 1);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, NULL, 0, false), 1);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, 3, "x", 1, false), -EINVAL);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, 0, "x", 1, false), -EINVAL);
    static char big[LOG_LINE_MAX + 1];
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, big, sizeof(big), false), -EINVAL);
    assert_int_equal(lf.written_lines, 4);
    assert_int_equal(lf.cut_lines, 1);
    logfile_close(&lf);
    logfile_close(&lf); // twice is safe

    // Reopening appends after what is there.
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 2), 0);
    assert_int_equal(logfile_line(&lf, 2, T0_MS + 1000, LOGFILE_ERR, "again", 5, false), 1);
    logfile_close(&lf);
    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_string_equal(got, STAMP " out hello\n" STAMP " err a b [warden: line cut]\n" STAMP
                                   " out x y\n" STAMP " out \n"
                                   "2026-11-23T05:00:01.123Z err again\n");
    free(got);

    struct stat st;
    char path[256];
    FMT(path, "%s/logs/svc.log", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0077 & ~0040, 0); // 0640 at most (umask may take more)
}

static void test_open_refuses(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    const char *bad_names[] = {
            "", ".hidden", "a/b", "..", NULL, "0123456789012345678901234567890123456789012345678"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        assert_int_equal(logfile_open(&lf, f->dir, bad_names[i], 64 << 10, 2), -EINVAL);
        logfile_close(&lf);
    }
    assert_int_equal(logfile_open(&lf, f->dir, "svc", (64 << 10) - 1, 2), -EINVAL);
    assert_int_equal(logfile_open(&lf, f->dir, "svc", (1ull << 30) + 1, 2), -EINVAL);
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 1), -EINVAL);
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 17), -EINVAL);
    char missing[128];
    FMT(missing, "%s/nope", f->dir);
    assert_int_equal(logfile_open(&lf, missing, "svc", 64 << 10, 2), -ENOENT);
    logfile_close(&lf);
}

/* ---- rotation ---- */

static void test_rotation_cap(void **state)
{
    struct fixture *f = *state;
    const uint64_t max = 64 << 10;
    const unsigned count = 4;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", max, count), 0);
    static char line[LOG_LINE_MAX];
    uint32_t rng = 1;
    uint64_t written = 0, mono = 0;
    unsigned seq = 0;
    while (written < 100 * max * count) {
        size_t len = make_line(line, seq, &rng);
        mono += 1000; // a full bucket for every line: this test is about size only
        assert_int_equal(
                logfile_line(&lf, mono, T0_MS, (int)(1 + seq % 2), line, len, seq % 3 == 0), 1);
        written += len;
        seq++;
        assert_true(lf.bytes <= max);
    }
    assert_int_equal(lf.write_errors, 0);
    assert_true(lf.rotations > 100);
    logfile_close(&lf);

    // Exactly count files, each under the cap, only whole lines, consecutive seqs.
    DIR *d;
    char path[256];
    FMT(path, "%s/logs", f->dir);
    assert_non_null(d = opendir(path));
    unsigned entries = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        entries += de->d_name[0] != '.';
    }
    assert_int_equal(closedir(d), 0);
    assert_int_equal(entries, count);
    uint64_t total = 0;
    const char *names[] = {"svc.log", "svc.log.1", "svc.log.2", "svc.log.3"};
    for (unsigned k = 0; k < count; k++) {
        size_t len;
        char *buf = slurp(f->dir, names[k], &len);
        assert_non_null(buf);
        assert_true(len <= max && len > 0);
        assert_true(k == 0 || len > max - LOGFILE_LINE_BYTES); // rotated only when full
        assert_int_equal(buf[len - 1], '\n');
        total += len;
        free(buf);
    }
    assert_true(total <= max * count);
    size_t len;
    char *all = all_logs(f->dir, "svc", count, &len);
    unsigned expect = 0, lines = 0;
    for (char *p = all; p < all + len; p = strchr(p, '\n') + 1, lines++) {
        unsigned got;
        assert_int_equal(sscanf(p + 29, "seq %07u", &got), 1);
        assert_true(lines == 0 || got == expect);
        expect = got + 1;
    }
    assert_int_equal(expect, seq); // the newest line is the last one
    free(all);
}

static void test_count_shrinks(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    static char line[LOG_LINE_MAX];
    memset(line, 'z', sizeof(line));
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 5), 0);
    for (uint64_t i = 0; lf.rotations < 6; i++) {
        assert_int_equal(logfile_line(&lf, i * 1000, T0_MS, 1, line, sizeof(line), false), 1);
    }
    logfile_close(&lf);
    assert_true(exists(f->dir, "svc.log.4"));
    assert_false(exists(f->dir, "svc.log.5"));
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 2), 0);
    logfile_close(&lf);
    assert_true(exists(f->dir, "svc.log"));
    assert_true(exists(f->dir, "svc.log.1"));
    assert_false(exists(f->dir, "svc.log.2"));
    assert_false(exists(f->dir, "svc.log.4"));
}

/* ---- rate limit ---- */

static void test_rate_limit_lines(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 16 << 20, 2), 0);
    unsigned written = 0, dropped = 0;
    for (unsigned i = 0; i < 10000; i++) {
        int rc = logfile_line(&lf, 5000, T0_MS, LOGFILE_ERR, "flood", 5, false);
        assert_true(rc == 0 || rc == 1);
        written += rc == 1;
        dropped += rc == 0;
    }
    assert_int_equal(written, LOGFILE_RATE_LINES); // burst: one second's worth
    assert_int_equal(dropped, 10000 - LOGFILE_RATE_LINES);
    assert_int_equal(lf.dropped_lines, dropped);
    // 1 ms later one line's worth has come back: the marker, then the line.
    assert_int_equal(logfile_line(&lf, 5001, T0_MS, LOGFILE_ERR, "resumed", 7, false), 1);
    assert_int_equal(logfile_line(&lf, 5001, T0_MS, LOGFILE_ERR, "over", 4, false), 0);
    assert_int_equal(logfile_line(&lf, 5002, T0_MS, LOGFILE_ERR, "next", 4, false), 1);
    logfile_close(&lf);

    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_int_equal(count_lines(got, len), 1000 + 4);
    assert_int_equal(count_str(got, "dropped"), 2);
    assert_non_null(strstr(got,
                           STAMP " err flood\n" STAMP " err [warden: dropped 9000 lines]\n" STAMP
                                 " err resumed\n" STAMP " err [warden: dropped 1 line]\n" STAMP
                                 " err next\n"));
    free(got);
}

// The bucket holds one second's worth at most, however long it was idle, and a partial
// refill earns exactly rate * elapsed.
static void test_rate_limit_burst_cap(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 16 << 20, 2), 0);
    const uint64_t steps[] = {999, 1998, 1998, 2000, 50000};
    const unsigned expect[] = {LOGFILE_RATE_LINES, 999, 0, 2, LOGFILE_RATE_LINES};
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        unsigned written = 0;
        for (unsigned i = 0; i < 3 * LOGFILE_RATE_LINES; i++) {
            written += logfile_line(&lf, steps[s], T0_MS, LOGFILE_OUT, "x", 1, false) == 1;
        }
        // The first line after a drop is preceded by its marker (not charged).
        assert_int_equal(written, expect[s]);
    }
    logfile_close(&lf);
}

static void test_rate_limit_bytes_and_streams(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 16 << 20, 2), 0);
    logfile_set_rate(&lf, 0, 10000); // bytes only: 1030-byte file lines, 9 per burst
    static char line[1000];
    memset(line, 'b', sizeof(line));
    unsigned written = 0;
    for (unsigned i = 0; i < 20; i++) {
        written += logfile_line(&lf, 100, T0_MS, (int)(1 + i % 2), line, sizeof(line), false) == 1;
    }
    assert_int_equal(written, 9); // lines 0..8; out lost 10,12,..,18 (5), err 9,..,19 (6)
    // 730 bytes were left; 29 ms earn 290 more: not enough; the 30th ms makes 1030.
    assert_int_equal(logfile_line(&lf, 129, T0_MS, LOGFILE_OUT, line, sizeof(line), false), 0);
    assert_int_equal(lf.dropped_pending[0], 6);
    assert_int_equal(logfile_line(&lf, 130, T0_MS, LOGFILE_OUT, line, sizeof(line), false), 1);
    assert_int_equal(lf.dropped_pending[0], 0);
    assert_int_equal(lf.dropped_pending[1], 0);
    // Markers are not charged to the buckets: both went in before the line at 130.
    assert_int_equal(logfile_flush(&lf, 130, T0_MS), 0);
    logfile_close(&lf);
    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_int_equal(count_lines(got, len), 9 + 3);
    const char *m = strstr(got, STAMP " out [warden: dropped 6 lines]\n" STAMP
                                      " err [warden: dropped 6 lines]\n" STAMP " out bbb");
    assert_non_null(m);
    free(got);
}

static void test_flush_markers(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 16 << 20, 2), 0);
    logfile_set_rate(&lf, 2, 0);
    for (unsigned i = 0; i < 5; i++) {
        (void)logfile_line(&lf, 7, T0_MS, LOGFILE_OUT, "o", 1, false);
    }
    assert_int_equal(logfile_flush(&lf, 7, T0_MS), 0);
    assert_int_equal(logfile_flush(&lf, 7, T0_MS), 0); // nothing pending: nothing written
    logfile_close(&lf);
    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_string_equal(got,
                        STAMP " out o\n" STAMP " out o\n" STAMP " out [warden: dropped 3 lines]\n");
    free(got);
}

/* ---- write errors ---- */

static void test_write_error_retry(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 16 << 20, 2), 0);
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, "ok", 2, false), 1);
    }
    uint64_t size = lf.bytes;
    static char line[200];
    memset(line, 'e', sizeof(line));

    // RLIMIT_FSIZE makes the kernel write 50 bytes and then fail with EFBIG (SIGXFSZ off).
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = size + 50;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc1 = logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, line, sizeof(line), false);
    int rc2 = logfile_line(&lf, 500, T0_MS, LOGFILE_OUT, "x", 1, false); // before the retry
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    (void)signal(SIGXFSZ, old_handler);
    assert_int_equal(rc1, -EFBIG);
    assert_int_equal(rc2, -EFBIG);
    assert_int_equal(lf.write_errors, 2);
    assert_int_equal(lf.fd, -1);
    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_int_equal(len, size); // the partial line was cut back
    free(got);

    // After LOGFILE_RETRY_MS the file is reopened and the line goes in after whole lines.
    assert_int_equal(logfile_line(&lf, 1 + LOGFILE_RETRY_MS, T0_MS, LOGFILE_ERR, "back", 4, false),
                     1);
    logfile_close(&lf);
    got = slurp(f->dir, "svc.log", &len);
    assert_int_equal(count_lines(got, len), 11);
    assert_non_null(strstr(got, STAMP " out ok\n" STAMP " err back\n"));
    free(got);
}

static void test_torn_tail_on_open(void **state)
{
    struct fixture *f = *state;
    write_file(f->dir, "svc.log", "old line\ntorn", 13);
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 2), 0);
    assert_int_equal(logfile_line(&lf, 1, T0_MS, LOGFILE_OUT, "new", 3, false), 1);
    logfile_close(&lf);
    size_t len;
    char *got = slurp(f->dir, "svc.log", &len);
    assert_string_equal(got, "old line\ntorn\n" STAMP " out new\n");
    free(got);
}

/* ---- log_max ---- */

static void test_parse_max(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t bytes;
        unsigned count;
    } good[] = {
            {"16M x 4", 16 << 20, 4},   {"16Mx4", 16 << 20, 4},          {"1G x 2", 1 << 30, 2},
            {"64K X 16", 64 << 10, 16}, {" 512MiB\tx 3 ", 512 << 20, 3}, {"1.5M x 2", 3 << 19, 2},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t bytes = 0;
        unsigned count = 0;
        char err[256] = "";
        assert_int_equal(logfile_parse_max(good[i].s, &bytes, &count, err, sizeof(err)), 0);
        assert_int_equal(bytes, good[i].bytes);
        assert_int_equal(count, good[i].count);
    }
    static const struct {
        const char *s;
        const char *why;
    } bad[] = {
            {"16M", "no \"x COUNT\""},
            {"0 x 4", "size out of range"},
            {"16M x 1", "count out of range"},
            {"16M x 99", "count out of range"},
            {"abc", "no \"x COUNT\""},
            {"", "no \"x COUNT\""},
            {"16M x", "bad count"},
            {"x 4", "bad size"},
            {"16M x 4x", "bad count"},
            {"2G x 2", "size out of range"},
            {"63K x 2", "size out of range"},
            {"16M x -1", "bad count"},
            {"16M x 4 5", "bad count"},
            {"50% x 4", "bad size"},
            {"16Q x 4", "bad size"},
            {"16M x 2.5", "bad count"},
            {"99999999999999999999999999999999999999 x 2", "bad size"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t bytes = 7;
        unsigned count = 7;
        char err[256] = "";
        assert_int_equal(logfile_parse_max(bad[i].s, &bytes, &count, err, sizeof(err)), -EINVAL);
        assert_int_equal(bytes, 7);
        assert_int_equal(count, 7);
        assert_non_null(strstr(err, bad[i].why));
        assert_non_null(strstr(err, "SIZE x COUNT"));
        assert_non_null(strstr(err, "64K..1G"));
        assert_non_null(strstr(err, "2..16"));
        char q[64];
        FMT(q, "\"%.20s", bad[i].s);
        assert_non_null(strstr(err, q));
    }
    uint64_t bytes;
    unsigned count;
    assert_int_equal(logfile_parse_max(NULL, &bytes, &count, NULL, 0), -EINVAL);
    char tiny[8];
    assert_int_equal(logfile_parse_max("1", &bytes, &count, tiny, sizeof(tiny)), -EINVAL);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rotation_cap, setup, teardown),
            cmocka_unit_test_setup_teardown(test_count_shrinks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rate_limit_lines, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rate_limit_burst_cap, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rate_limit_bytes_and_streams, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flush_markers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_error_retry, setup, teardown),
            cmocka_unit_test_setup_teardown(test_torn_tail_on_open, setup, teardown),
            cmocka_unit_test_setup_teardown(test_parse_max, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
