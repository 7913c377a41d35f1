// SPDX-License-Identifier: MIT
// Unit tests of the `warden logs` reader: tail -n across rotated and hostile files, and
// follow in a child process (through rotations, missed rotations, renames by hand and the
// directory's removal), waited on with poll() against a deadline, never a fixed sleep.
#include <sys/mman.h>
#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <time.h>

#include "logfile_test.h"

#define DEADLINE_MS 10000 // generous: a follow round trip takes well under 1 ms

/* ---- tail ---- */

static char *tail_to_mem(const char *dir, const char *name, unsigned n, int *rc, size_t *len)
{
    int fd = memfd_create("tail", MFD_CLOEXEC);
    assert_true(fd >= 0);
    *rc = logfile_tail(dir, name, n, fd);
    char *buf = slurp_fd(fd, len);
    assert_int_equal(close(fd), 0);
    return buf;
}

// The last n lines of ref (all when it has fewer).
static const char *last_lines(const char *ref, size_t len, unsigned n)
{
    const char *p = ref + len;
    for (unsigned seen = 0; p > ref; p--) {
        if (p[-1] == '\n' && p != ref + len && ++seen == n) {
            break;
        }
    }
    return n == 0 ? ref + len : p;
}

static void check_tail(const char *dir, const char *name, const char *ref, size_t ref_len,
                       unsigned n)
{
    int rc;
    size_t len;
    char *got = tail_to_mem(dir, name, n, &rc, &len);
    assert_int_equal(rc, 0);
    const char *want = last_lines(ref, ref_len, n);
    assert_int_equal(len, ref_len - (size_t)(want - ref));
    assert_memory_equal(got, want, len);
    free(got);
}

static void test_tail_across_rotation(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 3), 0);
    static char line[LOG_LINE_MAX];
    uint32_t rng = 7;
    for (unsigned seq = 0; lf.rotations < 3 || seq % 5 != 0; seq++) {
        size_t len = make_line(line, seq, &rng) / 4;
        assert_int_equal(logfile_line(&lf, seq * 1000ull, T0_MS, 1, line, len, false), 1);
    }
    logfile_close(&lf);
    size_t ref_len, cur_len, one_len;
    char *ref = all_logs(f->dir, "svc", 3, &ref_len);
    char *cur = slurp(f->dir, "svc.log", &cur_len);
    char *one = slurp(f->dir, "svc.log.1", &one_len);
    unsigned total = count_lines(ref, ref_len);
    unsigned in_cur = count_lines(cur, cur_len), in_one = count_lines(one, one_len);
    free(cur);
    free(one);
    assert_true(in_cur > 0 && in_one > 0 && total > in_cur + in_one);
    const unsigned ns[] = {0,
                           1,
                           2,
                           in_cur - 1,
                           in_cur,
                           in_cur + 1,
                           in_cur + 2,
                           in_cur + in_one,
                           in_cur + in_one + 1,
                           total - 1,
                           total,
                           total + 1,
                           100000};
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        check_tail(f->dir, "svc", ref, ref_len, ns[i]);
    }
    free(ref);
}

static void test_tail_hostile_files(void **state)
{
    struct fixture *f = *state;
    // Lines longer than the reader's block, an empty line, torn tails, a gap at .1.
    size_t big = 20000;
    char *buf = malloc(3 * big);
    assert_non_null(buf);
    memset(buf, 'L', 3 * big);
    buf[big] = '\n';
    buf[big + 1] = '\n';
    buf[2 * big] = '\n';
    write_file(f->dir, "h.log.2", buf, 2 * big + 1); // L*20000, "", L*(20000-2)
    write_file(f->dir, "h.log", "a\nb", 3);
    free(buf);
    size_t ref_len = 2 * big + 1 + 4;
    char *ref = malloc(ref_len + 1);
    assert_non_null(ref);
    memset(ref, 'L', 2 * big + 1);
    ref[big] = ref[big + 1] = ref[2 * big] = '\n';
    memcpy(ref + 2 * big + 1, "a\nb\n", 5); // with its NUL: ref has ref_len + 1 bytes
    for (unsigned n = 0; n <= 6; n++) {
        check_tail(f->dir, "h", ref, ref_len, n);
    }
    free(ref);

    int rc;
    size_t len;
    char *got = tail_to_mem(f->dir, "nobody", 10, &rc, &len); // no files: nothing
    assert_int_equal(rc, 0);
    assert_int_equal(len, 0);
    free(got);
    got = tail_to_mem(f->dir, "../h", 10, &rc, &len);
    assert_int_equal(rc, -EINVAL);
    free(got);
    char missing[128];
    FMT(missing, "%s/nope", f->dir);
    got = tail_to_mem(missing, "h", 10, &rc, &len);
    assert_int_equal(rc, -ENOENT);
    free(got);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(close(p[0]), 0);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    rc = logfile_tail(f->dir, "h", 3, p[1]);
    (void)signal(SIGPIPE, old);
    assert_int_equal(rc, -EPIPE);
    assert_int_equal(close(p[1]), 0);
}

/* ---- follow ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Read from fd until want bytes came or the deadline passed; returns the bytes read.
static size_t read_until(int fd, char *buf, size_t want, int64_t deadline)
{
    size_t got = 0;
    while (got < want) {
        int64_t left = deadline - now_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            break;
        }
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    return got;
}

// Wait for the child with a deadline, no sleeping: exit_fd is the read end of a pipe whose
// only write end the child holds, so it reports POLLHUP when the child is gone (a pidfd
// would do, but valgrind, which `make valgrind` runs this under, lacks pidfd_open).
// Returns its exit status, or -1 when it had to be killed or died of a signal.
static int wait_child(pid_t pid, int exit_fd, int64_t deadline)
{
    struct pollfd p = {exit_fd, POLLIN, 0};
    int64_t left = deadline - now_ms();
    int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
    assert_int_equal(close(exit_fd), 0);
    if (ready != 1) {
        (void)kill(pid, SIGKILL);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return ready == 1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// logfile_follow(dir, "svc", n) in a child writing into a pipe; *read_fd is its read end.
static pid_t start_follow(const char *dir, unsigned n, int *read_fd, int *exit_fd)
{
    int p[2], e[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(pipe2(e, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        (void)close(p[0]);
        (void)close(e[0]); // e[1] stays open until _exit
        (void)signal(SIGPIPE, SIG_IGN);
        int rc = logfile_follow(dir, "svc", n, p[1]);
        _exit(rc == 0 ? 0 : 100 + (-rc & 0x3f));
    }
    assert_int_equal(close(p[1]), 0);
    assert_int_equal(close(e[1]), 0);
    *read_fd = p[0];
    *exit_fd = e[0];
    return pid;
}

static void test_follow_rotation(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 3), 0);
    assert_int_equal(logfile_line(&lf, 0, T0_MS, LOGFILE_OUT, "before 1", 8, false), 1);
    assert_int_equal(logfile_line(&lf, 0, T0_MS, LOGFILE_OUT, "before 2", 8, false), 1);
    int rfd, efd;
    pid_t pid = start_follow(f->dir, 1, &rfd, &efd);
    int64_t deadline = now_ms() + DEADLINE_MS;

    // The tail line proves the child is watching: its watch is set before its snapshot.
    const char first[] = STAMP " out before 2\n";
    char buf[sizeof(first)];
    assert_int_equal(read_until(rfd, buf, sizeof(first) - 1, deadline), sizeof(first) - 1);
    assert_memory_equal(buf, first, sizeof(first) - 1);

    static char line[LOG_LINE_MAX];
    uint32_t rng = 3;
    unsigned seq = 0;
    for (; lf.rotations < 2 || seq % 7 != 0; seq++) {
        size_t len = make_line(line, seq, &rng) / 4;
        assert_int_equal(logfile_line(&lf, seq * 1000ull, T0_MS, 1, line, len, false), 1);
    }
    assert_int_equal(lf.rotations, 2); // count 3: nothing written was deleted
    size_t ref_len;
    char *ref = all_logs(f->dir, "svc", 3, &ref_len);
    size_t skip = strlen(STAMP " out before 1\n") + sizeof(first) - 1;
    char *got = malloc(ref_len + 1);
    assert_non_null(got);
    size_t want = ref_len - skip;
    assert_int_equal(read_until(rfd, got, want, deadline), want);
    assert_memory_equal(got, ref + skip, want);

    // Nothing more, then the reader leaves and follow returns 0.
    struct pollfd p = {rfd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_int_equal(close(rfd), 0);
    assert_int_equal(wait_child(pid, efd, deadline), 0);
    free(got);
    free(ref);
    logfile_close(&lf);
}

// Stopped, the follower sleeps through two rotations: when it runs again its file is
// svc.log.2 and svc.log.1 is one it never saw, which must come out whole, in order.
static void test_follow_missed_rotations(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "svc", 64 << 10, 3), 0);
    assert_int_equal(logfile_line(&lf, 0, T0_MS, LOGFILE_OUT, "start", 5, false), 1);
    int rfd, efd;
    pid_t pid = start_follow(f->dir, 1, &rfd, &efd);
    int64_t deadline = now_ms() + DEADLINE_MS;
    const char first[] = STAMP " out start\n";
    char buf[sizeof(first)];
    assert_int_equal(read_until(rfd, buf, sizeof(first) - 1, deadline), sizeof(first) - 1);
    assert_memory_equal(buf, first, sizeof(first) - 1);

    int status = 0;
    assert_int_equal(kill(pid, SIGSTOP), 0);
    assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
    assert_true(WIFSTOPPED(status));
    static char line[LOG_LINE_MAX];
    uint32_t rng = 11;
    for (unsigned seq = 0; lf.rotations < 2 || seq % 5 != 0; seq++) {
        size_t len = make_line(line, seq, &rng) / 4;
        assert_int_equal(logfile_line(&lf, seq * 1000ull, T0_MS, 2, line, len, false), 1);
    }
    assert_int_equal(lf.rotations, 2);
    assert_true(exists(f->dir, "svc.log.2"));
    assert_int_equal(kill(pid, SIGCONT), 0);

    size_t ref_len;
    char *ref = all_logs(f->dir, "svc", 3, &ref_len);
    assert_memory_equal(ref, first, sizeof(first) - 1);
    size_t want = ref_len - (sizeof(first) - 1);
    char *got = malloc(want + 1);
    assert_non_null(got);
    assert_int_equal(read_until(rfd, got, want, deadline), want);
    assert_memory_equal(got, ref + sizeof(first) - 1, want);
    struct pollfd p = {rfd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_int_equal(close(rfd), 0);
    assert_int_equal(wait_child(pid, efd, deadline), 0);
    free(got);
    free(ref);
    logfile_close(&lf);
}

// Files renamed by someone else: a torn last line of the followed file is ended with '\n'
// when the file is rotated away, before the new file's lines.
static void test_follow_torn_rename(void **state)
{
    struct fixture *f = *state;
    write_file(f->dir, "svc.log", "a\ntorn", 7);
    int rfd, efd;
    pid_t pid = start_follow(f->dir, 5, &rfd, &efd);
    int64_t deadline = now_ms() + DEADLINE_MS;
    char buf[64];
    assert_int_equal(read_until(rfd, buf, 7, deadline), 7); // a torn file is not ended yet
    assert_memory_equal(buf, "a\ntorn", 7);
    char from[256], to[256];
    FMT(from, "%s/logs/svc.log", f->dir);
    FMT(to, "%s/logs/svc.log.1", f->dir);
    int fd = open(from, O_WRONLY | O_APPEND | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, " end", 4), 4); // still torn
    assert_int_equal(close(fd), 0);
    assert_int_equal(rename(from, to), 0);
    write_file(f->dir, "svc.log", "b\n", 2);
    const char want[] = " end\nb\n";
    assert_int_equal(read_until(rfd, buf, sizeof(want) - 1, deadline), sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want) - 1);
    assert_int_equal(close(rfd), 0);
    assert_int_equal(wait_child(pid, efd, deadline), 0);
}

// The logs directory removed under a follower: nothing can come any more, so it returns.
static void test_follow_dir_removed(void **state)
{
    struct fixture *f = *state;
    write_file(f->dir, "svc.log", "a\n", 2);
    int rfd, efd;
    pid_t pid = start_follow(f->dir, 5, &rfd, &efd);
    int64_t deadline = now_ms() + DEADLINE_MS;
    char buf[4];
    assert_int_equal(read_until(rfd, buf, 2, deadline), 2); // watching from here
    char path[256];
    FMT(path, "%s/logs", f->dir);
    rm_tree(AT_FDCWD, path);
    assert_int_equal(wait_child(pid, efd, deadline), 100 + ENOENT);
    assert_int_equal(close(rfd), 0);
}

static void test_follow_from_nothing(void **state)
{
    struct fixture *f = *state;
    struct logfile lf;
    assert_int_equal(logfile_open(&lf, f->dir, "other", 64 << 10, 2), 0); // makes logs/
    int rfd, efd;
    pid_t pid = start_follow(f->dir, 10, &rfd, &efd);
    int64_t deadline = now_ms() + DEADLINE_MS;
    // No svc.log yet, and nothing to wait on from the child: whether its watch comes before
    // or after svc.log is created, the line arrives (by the event, or by the tail).
    struct logfile svc;
    assert_int_equal(logfile_open(&svc, f->dir, "svc", 64 << 10, 2), 0);
    assert_int_equal(logfile_line(&lf, 0, T0_MS, LOGFILE_OUT, "not me", 6, false), 1);
    assert_int_equal(logfile_line(&svc, 0, T0_MS, LOGFILE_ERR, "first", 5, false), 1);
    const char want[] = STAMP " err first\n";
    char buf[sizeof(want)];
    assert_int_equal(read_until(rfd, buf, sizeof(want) - 1, deadline), sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want) - 1);
    assert_int_equal(close(rfd), 0);
    assert_int_equal(wait_child(pid, efd, deadline), 0);
    logfile_close(&svc);
    logfile_close(&lf);

    char missing[128];
    FMT(missing, "%s/nope", f->dir);
    assert_int_equal(logfile_follow(missing, "svc", 0, STDOUT_FILENO), -ENOENT);
    assert_int_equal(logfile_follow(f->dir, "a/b", 0, STDOUT_FILENO), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_tail_across_rotation, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tail_hostile_files, setup, teardown),
            cmocka_unit_test_setup_teardown(test_follow_rotation, setup, teardown),
            cmocka_unit_test_setup_teardown(test_follow_missed_rotations, setup, teardown),
            cmocka_unit_test_setup_teardown(test_follow_torn_rename, setup, teardown),
            cmocka_unit_test_setup_teardown(test_follow_dir_removed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_follow_from_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
