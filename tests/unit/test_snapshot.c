// SPDX-License-Identifier: MIT
// Tests of snapshot.c: snapshot_parse_stat on hostile process names (spaces, ')' and fake
// fields inside COMM, over-long names, missing fields, garbage), snapshot_take on a fake tree
// (a mkdtemp dir holding cgroup.procs, opened O_DIRECTORY, and a fake proc root of PID/stat
// and PID/cmdline files), and snapshot_json's top list and summary.
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot.h"

#define FMT(buf, ...)                                                                              \
    do {                                                                                           \
        int fmt_n_ = snprintf((buf), sizeof(buf), __VA_ARGS__);                                    \
        assert_true(fmt_n_ >= 0 && (size_t)fmt_n_ < sizeof(buf));                                  \
    } while (0)

// ---- snapshot_parse_stat ----

struct stat_case {
    const char *line;
    int rc;
    const char *comm; // when rc == 0
    pid_t ppid;
};

#define TAIL " 123 123 0 -1 4194560 113 0 0 0 0 0 0 0 20 0 1 0 4217 2592768 221\n"

static const struct stat_case stat_cases[] = {
        {"123 (sh) S 45" TAIL, 0, "sh", 45},
        {"1 (a b) R 0" TAIL, 0, "a b", 0},
        {"7 (x) y) S 99" TAIL, 0, "x) y", 99},
        {"9 ()) S 3" TAIL, 0, ")", 3},
        {"9 (() S 3" TAIL, 0, "(", 3},
        {"9 ((a)) S 3" TAIL, 0, "(a)", 3},
        {"10 () S 4" TAIL, 0, "", 4},
        // a name that forges the fields after it: the last ')' is the real end
        {"11 (evil) S 777 ) S 8" TAIL, 0, "evil) S 777 ", 8},
        {"11 ()) S 1 ) Z 2" TAIL, 0, ")) S 1 ", 2},
        {"12 (a\nb) S 2" TAIL, 0, "a\nb", 2},
        {"13 (kworker/0:1H) I 2" TAIL, 0, "kworker/0:1H", 2},
        {"14 (abcdefghijklmno) S 5" TAIL, 0, "abcdefghijklmno", 5},            // 15 bytes
        {"15 (abcdefghijklmnop) S 6" TAIL, 0, "abcdefghijklmno", 6},           // 16: truncated
        {"16 (abcdefghijklmnopqrstuvwxyz) S 7" TAIL, 0, "abcdefghijklmno", 7}, // truncated
        {"17 (sh) S 4194304", 0, "sh", 4194304}, // last field, PID_MAX_LIMIT
        {"18 (sh) Z 1\n", 0, "sh", 1},
        {"2147483647 (sh) S 2147483647" TAIL, 0, "sh", 2147483647},
        // missing ')' or '(' or in the wrong order
        {"20 (sh S 45" TAIL, -EINVAL, NULL, 0},
        {"20 sh) S 45" TAIL, -EINVAL, NULL, 0},
        {"20 )sh( S 45" TAIL, -EINVAL, NULL, 0},
        // missing fields
        {"21 (sh)", -EINVAL, NULL, 0},
        {"21 (sh) ", -EINVAL, NULL, 0},
        {"21 (sh) S", -EINVAL, NULL, 0},
        {"21 (sh) S ", -EINVAL, NULL, 0},
        {"21 (sh) S \n", -EINVAL, NULL, 0},
        {"21 (sh) S x", -EINVAL, NULL, 0},
        {"21 (sh)S 45" TAIL, -EINVAL, NULL, 0},
        {"21 (sh)  S 45" TAIL, -EINVAL, NULL, 0},
        {"21 (sh) SS 45" TAIL, -EINVAL, NULL, 0},
        // negative parent
        {"22 (sh) S -1" TAIL, -EINVAL, NULL, 0},
        {"22 (sh) S -45" TAIL, -EINVAL, NULL, 0},
        // garbage
        {"", -EINVAL, NULL, 0},
        {"garbage", -EINVAL, NULL, 0},
        {"(", -EINVAL, NULL, 0},
        {")", -EINVAL, NULL, 0},
        {"()", -EINVAL, NULL, 0},
        {"\xff\xfe\x01", -EINVAL, NULL, 0},
        {"-1 (", -EINVAL, NULL, 0},
};

static void test_parse_stat_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(stat_cases) / sizeof(stat_cases[0]); i++) {
        const struct stat_case *c = &stat_cases[i];
        char comm[16];
        memset(comm, 'Z', sizeof(comm));
        pid_t ppid = -999;
        int rc = snapshot_parse_stat(c->line, comm, &ppid);
        if (rc != c->rc) {
            fail_msg("case %zu \"%s\": rc %d, want %d", i, c->line, rc, c->rc);
        }
        if (rc != 0) {
            assert_int_equal(ppid, -999); // untouched on failure
            continue;
        }
        assert_non_null(memchr(comm, '\0', sizeof(comm)));
        if (strcmp(comm, c->comm) != 0 || ppid != c->ppid) {
            fail_msg("case %zu \"%s\": comm \"%s\" ppid %d, want \"%s\" %d", i, c->line, comm,
                     (int)ppid, c->comm, (int)c->ppid);
        }
    }
}

// A parent pid that does not fit pid_t is as malformed as a negative one; truncating it
// turns 4294967297 into 1 and 2147483648 into a negative pid.
static void test_parse_stat_ppid_overflow(void **state)
{
    (void)state;
    static const char *const lines[] = {
            "1 (sh) S 2147483648" TAIL,
            "1 (sh) S 4294967297" TAIL,
            "1 (sh) S 99999999999999999999" TAIL,
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        char comm[16];
        pid_t ppid = -999;
        int rc = snapshot_parse_stat(lines[i], comm, &ppid);
        if (rc != -EINVAL) {
            fail_msg("\"%s\": rc %d ppid %d, want -EINVAL", lines[i], rc, (int)ppid);
        }
    }
}

// ---- fake tree ----

struct fixture {
    char root[64];
    char cg[96];
    char proc[96];
    int dirfd;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    FMT(f->root, "/tmp/test_snapshot.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    FMT(f->cg, "%s/cg", f->root);
    FMT(f->proc, "%s/proc", f->root);
    assert_int_equal(mkdir(f->cg, 0700), 0);
    assert_int_equal(mkdir(f->proc, 0700), 0);
    f->dirfd = open(f->cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->dirfd >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    (void)close(f->dirfd);
    (void)nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void put(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void proc_file(const struct fixture *f, int pid, const char *name, const void *data,
                      size_t len)
{
    char path[160];
    FMT(path, "%s/%d", f->proc, pid);
    assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
    FMT(path, "%s/%d/%s", f->proc, pid, name);
    put(path, data, len);
}

static void fake_stat(const struct fixture *f, int pid, const char *comm, int ppid)
{
    char line[256];
    FMT(line, "%d (%s) S %d" TAIL, pid, comm, ppid);
    proc_file(f, pid, "stat", line, strlen(line));
}

static void fake_cmdline(const struct fixture *f, int pid, const char *data, size_t len)
{
    proc_file(f, pid, "cmdline", data, len);
}

static void write_procs(const struct fixture *f, const char *text, size_t len)
{
    char path[160];
    FMT(path, "%s/cgroup.procs", f->cg);
    put(path, text, len);
}

// cgroup.procs listing first..last, one pid a line
static void write_procs_range(const struct fixture *f, int first, int last)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    for (int pid = first; pid <= last; pid++) {
        (void)fprintf(m, "%d\n", pid);
    }
    assert_int_equal(fclose(m), 0);
    write_procs(f, text, len);
    free(text);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d) != NULL) {
        n++;
    }
    assert_int_equal(closedir(d), 0);
    return n;
}

static const struct snapshot_group *find_group(const struct snapshot *s, const char *comm,
                                               pid_t ppid)
{
    for (unsigned i = 0; i < s->group_count; i++) {
        if (s->groups[i].ppid == ppid && strcmp(s->groups[i].comm, comm) == 0) {
            return &s->groups[i];
        }
    }
    return NULL;
}

// Every pid read is grouped, ungrouped or unreadable: nothing is lost or counted twice.
static void assert_accounted(const struct snapshot *s)
{
    unsigned sum = s->ungrouped + s->unreadable;
    for (unsigned i = 0; i < s->group_count; i++) {
        assert_true(s->groups[i].count >= 1);
        assert_non_null(memchr(s->groups[i].comm, '\0', sizeof(s->groups[i].comm)));
        sum += s->groups[i].count;
    }
    assert_int_equal(sum, s->processes);
    assert_true(s->group_count <= SNAPSHOT_GROUPS_MAX);
    assert_true(s->processes <= SNAPSHOT_PIDS_MAX);
}

static struct snapshot snap; // 1.6 KiB, as in guard.c

// Grouping by (comm, ppid) in order of first appearance; hostile names; unreadable pids.
static void test_take_groups(void **state)
{
    struct fixture *f = *state;
    fake_stat(f, 1234, "node", 1);
    fake_stat(f, 2001, "sh", 1234);
    fake_stat(f, 2002, "sh", 1234);
    fake_stat(f, 3001, "sh", 77); // same command, other parent: its own group
    fake_stat(f, 2003, "sh", 1234);
    fake_stat(f, 3002, "sh", 77);
    fake_stat(f, 4001, "a b", 1234);
    fake_stat(f, 4002, "x) S 777 ", 5);                  // forged fields in the name
    fake_stat(f, 4003, "verylongcommandname_cut", 1234); // stored as its first 15 bytes
    fake_stat(f, 4004, "verylongcommand", 1234);         // the same 15 bytes: same group
    proc_file(f, 5001, "stat", "garbage\n", 8);          // does not parse
    proc_file(f, 5002, "stat", "", 0);                   // empty
    // 9999 is listed but has no stat file (exited)
    static const char procs[] = "1234\n2001\n2002\n3001\n2003\n3002\n4001\n4002\n4003\n4004\n"
                                "5001\n5002\n9999\n";
    write_procs(f, procs, sizeof(procs) - 1);

    int fds = count_fds();
    memset(&snap, 0x5a, sizeof(snap));
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_int_equal(count_fds(), fds);         // nothing leaked
    assert_true(fcntl(f->dirfd, F_GETFD) >= 0); // the caller's dirfd stays open
    assert_int_equal(snap.processes, 13);
    assert_int_equal(snap.unreadable, 3);
    assert_int_equal(snap.ungrouped, 0);
    assert_false(snap.truncated);
    assert_int_equal(snap.group_count, 6);
    static const struct snapshot_group want[] = {
            {"node", 1, 1},   {"sh", 1234, 3},     {"sh", 77, 2},
            {"a b", 1234, 1}, {"x) S 777 ", 5, 1}, {"verylongcommand", 1234, 2},
    };
    for (unsigned i = 0; i < 6; i++) {
        assert_string_equal(snap.groups[i].comm, want[i].comm);
        assert_int_equal(snap.groups[i].ppid, want[i].ppid);
        assert_int_equal(snap.groups[i].count, want[i].count);
    }
    assert_accounted(&snap);
}

// ~2000 pids: cgroup.procs is several 4096-byte chunks and the boundaries split pids. Then
// the JSON names the storm and its parent's command line.
static void test_take_chunks_and_summary(void **state)
{
    struct fixture *f = *state;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    (void)fprintf(m, "1234\n");
    fake_stat(f, 1234, "node", 1);
    static const char agent[] = "node\0/app/agent.js\0";
    fake_cmdline(f, 1234, agent, sizeof(agent) - 1);
    for (int pid = 100000; pid < 100000 + 1998; pid++) {
        (void)fprintf(m, "%d\n", pid);
        fake_stat(f, pid, "sh", 1234);
        if (pid == 101000) {
            (void)fprintf(m, "4999999\n"); // listed, gone
        }
    }
    assert_int_equal(fclose(m), 0);
    assert_true(len > 3 * 4096);
    // the first chunk ends inside a pid
    assert_true(isdigit((unsigned char)text[4095]) && isdigit((unsigned char)text[4096]));
    write_procs(f, text, len);
    free(text);

    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_int_equal(snap.processes, 2000);
    assert_int_equal(snap.unreadable, 1);
    assert_int_equal(snap.group_count, 2);
    const struct snapshot_group *sh = find_group(&snap, "sh", 1234);
    assert_non_null(sh);
    assert_int_equal(sh->count, 1998);
    assert_accounted(&snap);

    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "processes")), 2000);
    assert_true(json_is_false(json_object_get(j, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(j, "ungrouped")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "summary")),
                        "1998 x sh, parent 1234 node /app/agent.js; 1 x node, parent 1 ?");
    json_t *top = json_object_get(j, "top");
    assert_int_equal(json_array_size(top), 2);
    json_t *first = json_array_get(top, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "count")), 1998);
    assert_string_equal(json_string_value(json_object_get(first, "command")), "sh");
    assert_int_equal(json_integer_value(json_object_get(first, "parent_pid")), 1234);
    assert_string_equal(json_string_value(json_object_get(first, "parent")), "node /app/agent.js");
    json_decref(j);
}

// More than SNAPSHOT_GROUPS_MAX distinct pairs: the rest are counted as ungrouped, while a
// process of a pair already held still counts in its group.
static void test_take_groups_full(void **state)
{
    struct fixture *f = *state;
    const int extra = 6;
    for (int k = 0; k < (int)SNAPSHOT_GROUPS_MAX + extra; k++) {
        char comm[16];
        FMT(comm, "p%02d", k);
        fake_stat(f, 10 + k, comm, 1);
    }
    const int last = 10 + (int)SNAPSHOT_GROUPS_MAX + extra;
    fake_stat(f, last, "p00", 1);     // an existing pair
    fake_stat(f, last + 1, "p69", 1); // a pair that did not fit
    write_procs_range(f, 10, last + 1);

    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_int_equal(snap.processes, SNAPSHOT_GROUPS_MAX + extra + 2);
    assert_int_equal(snap.group_count, SNAPSHOT_GROUPS_MAX);
    assert_int_equal(snap.ungrouped, extra + 1);
    assert_int_equal(snap.unreadable, 0);
    assert_int_equal(snap.groups[0].count, 2);
    assert_string_equal(snap.groups[SNAPSHOT_GROUPS_MAX - 1].comm, "p63");
    assert_null(find_group(&snap, "p64", 1));
    assert_accounted(&snap);

    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "ungrouped")), extra + 1);
    assert_int_equal(json_array_size(json_object_get(j, "top")), SNAPSHOT_TOP);
    json_decref(j);
}

// More than SNAPSHOT_PIDS_MAX pids: the first SNAPSHOT_PIDS_MAX are read, the rest only
// set the flag (pid 8200 has a stat file but lies beyond the limit).
static void test_take_truncated(void **state)
{
    struct fixture *f = *state;
    fake_stat(f, 1, "w", 1);
    fake_stat(f, 2, "w", 1);
    fake_stat(f, (int)SNAPSHOT_PIDS_MAX, "w", 1);
    fake_stat(f, (int)SNAPSHOT_PIDS_MAX + 8, "late", 1);
    write_procs_range(f, 1, (int)SNAPSHOT_PIDS_MAX + 100);
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_true(snap.truncated);
    assert_int_equal(snap.processes, SNAPSHOT_PIDS_MAX);
    assert_int_equal(snap.unreadable, SNAPSHOT_PIDS_MAX - 3);
    assert_int_equal(snap.group_count, 1);
    assert_int_equal(snap.groups[0].count, 3);
    assert_accounted(&snap);
    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "truncated")));
    json_decref(j);

    // exactly SNAPSHOT_PIDS_MAX: all read, not truncated
    write_procs_range(f, 1, (int)SNAPSHOT_PIDS_MAX);
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_false(snap.truncated);
    assert_int_equal(snap.processes, SNAPSHOT_PIDS_MAX);
    assert_int_equal(snap.groups[0].count, 3);
    assert_accounted(&snap);
}

// No cgroup.procs: -errno; an empty one: no processes; a stat line longer than the reader's
// buffer still parses (the name comes first).
static void test_take_edges(void **state)
{
    struct fixture *f = *state;
    memset(&snap, 0x5a, sizeof(snap));
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), -ENOENT);

    write_procs(f, "", 0);
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_int_equal(snap.processes, 0);
    assert_int_equal(snap.group_count, 0);
    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "summary")), "");
    assert_int_equal(json_array_size(json_object_get(j, "top")), 0);
    json_decref(j);

    char line[2048];
    int n = snprintf(line, sizeof(line), "42 (long) S 7");
    while (n < (int)sizeof(line) - 16) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %d", n);
    }
    proc_file(f, 42, "stat", line, (size_t)n);
    write_procs(f, "42\n", 3);
    assert_int_equal(snapshot_take(f->dirfd, f->proc, &snap), 0);
    assert_int_equal(snap.unreadable, 0);
    assert_int_equal(snap.group_count, 1);
    assert_string_equal(snap.groups[0].comm, "long");
    assert_int_equal(snap.groups[0].ppid, 7);
}

// A cgroup.procs that opens but cannot be read (EISDIR here; ENODEV when the cgroup is
// removed between open and read) is "cgroup.procs unreadable": -errno, not an empty tree.
static void test_take_read_error(void **state)
{
    struct fixture *f = *state;
    char path[160];
    FMT(path, "%s/cgroup.procs", f->cg);
    assert_int_equal(mkdir(path, 0700), 0);
    int rc = snapshot_take(f->dirfd, f->proc, &snap);
    if (rc != -EISDIR) {
        fail_msg("unreadable cgroup.procs: rc %d processes %u, want -EISDIR", rc, snap.processes);
    }
}

// ---- snapshot_json ----

static void add_group(struct snapshot *s, const char *comm, pid_t ppid, uint32_t count)
{
    struct snapshot_group *g = &s->groups[s->group_count++];
    FMT(g->comm, "%s", comm);
    g->ppid = ppid;
    g->count = count;
    s->processes += count;
}

// The SNAPSHOT_TOP biggest groups, biggest first, whatever order they were found in.
static void test_json_top(void **state)
{
    struct fixture *f = *state;
    memset(&snap, 0, sizeof(snap));
    static const uint32_t counts[] = {3, 9, 1, 7, 5, 2, 8};
    for (unsigned i = 0; i < 7; i++) {
        char comm[16];
        FMT(comm, "c%u", counts[i]);
        add_group(&snap, comm, (pid_t)(100 + counts[i]), counts[i]);
        char cmd[32];
        int n = snprintf(cmd, sizeof(cmd), "run%u%c--x%c", counts[i], '\0', '\0');
        fake_cmdline(f, 100 + (int)counts[i], cmd, (size_t)n);
    }
    snap.ungrouped = 4;
    snap.unreadable = 6;
    snap.processes += 10;
    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "processes")), 45);
    assert_int_equal(json_integer_value(json_object_get(j, "ungrouped")), 4);
    json_t *top = json_object_get(j, "top");
    assert_int_equal(json_array_size(top), SNAPSHOT_TOP);
    static const uint32_t want[] = {9, 8, 7, 5, 3};
    for (unsigned i = 0; i < SNAPSHOT_TOP; i++) {
        json_t *e = json_array_get(top, i);
        char comm[16], parent[32];
        FMT(comm, "c%u", want[i]);
        FMT(parent, "run%u --x", want[i]);
        assert_int_equal(json_integer_value(json_object_get(e, "count")), want[i]);
        assert_string_equal(json_string_value(json_object_get(e, "command")), comm);
        assert_int_equal(json_integer_value(json_object_get(e, "parent_pid")), 100 + want[i]);
        assert_string_equal(json_string_value(json_object_get(e, "parent")), parent);
    }
    assert_string_equal(json_string_value(json_object_get(j, "summary")),
                        "9 x c9, parent 109 run9 --x; 8 x c8, parent 108 run8 --x; "
                        "7 x c7, parent 107 run7 --x; 5 x c5, parent 105 run5 --x; "
                        "3 x c3, parent 103 run3 --x");
    json_decref(j);
    // the snapshot itself is not reordered
    assert_int_equal(snap.groups[0].count, 3);
    assert_int_equal(snap.groups[1].count, 9);
}

struct cmdline_case {
    const char *data; // NULL: no cmdline file
    size_t len;
    const char *want;
};

#define CL(s) s, sizeof(s) - 1

static const char long_cmd[] =
        "java\0-Xmx4g\0-jar\0/opt/app/very/long/path/to/the/application/server-all-in-one-1.2.3."
        "jar\0--config\0/etc/app/config.yaml\0--verbosity=high\0--and-more-arguments-than-fit\0";

static const struct cmdline_case cmdline_cases[] = {
        {CL("node\0/app/agent.js\0"), "node /app/agent.js"},
        {CL("sh\0-c\0sleep 1; echo hi\0"), "sh -c sleep 1; echo hi"},
        {CL("a\0\0\0"), "a"},
        {CL("no-trailing-nul"), "no-trailing-nul"},
        {CL("nginx: worker process"), "nginx: worker process"}, // rewritten argv
        {CL(""), "?"},                                          // kernel thread or zombie
        {NULL, 0, "?"},                                         // parent gone
        {CL(long_cmd),
         "java -Xmx4g -jar /opt/app/very/long/path/to/the/application/server-all-in-one-1.2.3.jar "
         "--config /etc/app/config.yaml --verbosi"}, // 127 bytes
};

static void test_json_parent_cmdline(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof(cmdline_cases) / sizeof(cmdline_cases[0]); i++) {
        const struct cmdline_case *c = &cmdline_cases[i];
        int ppid = 500 + (int)i;
        if (c->data) {
            fake_cmdline(f, ppid, c->data, c->len);
        }
        memset(&snap, 0, sizeof(snap));
        add_group(&snap, "sh", ppid, 2);
        json_t *j = snapshot_json(&snap, f->proc);
        assert_non_null(j);
        const char *parent = json_string_value(
                json_object_get(json_array_get(json_object_get(j, "top"), 0), "parent"));
        assert_non_null(parent);
        assert_true(strlen(parent) <= 127);
        if (strcmp(parent, c->want) != 0) {
            fail_msg("case %zu: parent \"%s\", want \"%s\"", i, parent, c->want);
        }
        char summary[256];
        FMT(summary, "2 x sh, parent %d %s", ppid, c->want);
        assert_string_equal(json_string_value(json_object_get(j, "summary")), summary);
        json_decref(j);
    }
}

// Five groups whose parents have long command lines do not fit the summary; it may be cut,
// but it must stay a prefix of the full text: never skip a bigger group and name a smaller one.
static void test_json_summary_long(void **state)
{
    struct fixture *f = *state;
    memset(&snap, 0, sizeof(snap));
    char full[2048] = "";
    size_t used = 0, three = 0;
    for (unsigned i = 0; i < SNAPSHOT_TOP; i++) {
        char cmd[200];
        memset(cmd, 'a' + (int)i, sizeof(cmd));
        fake_cmdline(f, 700 + (int)i, cmd, sizeof(cmd));
        char comm[16];
        FMT(comm, "g%u", i);
        add_group(&snap, comm, 700 + (pid_t)i, 50 - i);
        int n = snprintf(full + used, sizeof(full) - used, "%s%u x %s, parent %d %.127s",
                         i ? "; " : "", 50 - i, comm, 700 + (int)i, cmd);
        assert_true(n > 0 && used + (size_t)n < sizeof(full));
        used += (size_t)n;
        three = i == 2 ? used : three;
    }
    json_t *j = snapshot_json(&snap, f->proc);
    assert_non_null(j);
    char summary[1024];
    FMT(summary, "%s", json_string_value(json_object_get(j, "summary")));
    json_decref(j); // before any failure, so a failure leaks nothing under ASan
    assert_true(strlen(summary) < 512);
    assert_true(strlen(summary) >= three); // the three biggest groups fit
    if (strncmp(summary, full, strlen(summary)) != 0) {
        fail_msg("summary is not a prefix of the full text: \"%s\"", summary);
    }
}

// Process names are bytes, not UTF-8: the kernel cuts a 16-byte name to 15 bytes, even
// inside a multi-byte character, and prctl(PR_SET_NAME) takes any bytes; command lines too.
// The snapshot must still be produced (the storm is killed and reported either way).
static void test_json_non_utf8(void **state)
{
    struct fixture *f = *state;
    static const char cut[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3";
    memset(&snap, 0, sizeof(snap));
    add_group(&snap, cut, 1, 3);
    add_group(&snap, "sh", 600, 2);
    fake_cmdline(f, 600, CL("\xff\xfe\0arg\0"));
    json_t *j = snapshot_json(&snap, f->proc);
    if (j == NULL) {
        fail_msg("snapshot_json returned NULL for a name cut inside a UTF-8 character");
    }
    assert_int_equal(json_integer_value(json_object_get(j, "processes")), 5);
    assert_int_equal(json_array_size(json_object_get(j, "top")), 2);
    assert_non_null(json_string_value(json_object_get(j, "summary")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_stat_table),
            cmocka_unit_test(test_parse_stat_ppid_overflow),
            cmocka_unit_test_setup_teardown(test_take_groups, setup, teardown),
            cmocka_unit_test_setup_teardown(test_take_chunks_and_summary, setup, teardown),
            cmocka_unit_test_setup_teardown(test_take_groups_full, setup, teardown),
            cmocka_unit_test_setup_teardown(test_take_truncated, setup, teardown),
            cmocka_unit_test_setup_teardown(test_take_edges, setup, teardown),
            cmocka_unit_test_setup_teardown(test_take_read_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_json_top, setup, teardown),
            cmocka_unit_test_setup_teardown(test_json_parent_cmdline, setup, teardown),
            cmocka_unit_test_setup_teardown(test_json_summary_long, setup, teardown),
            cmocka_unit_test_setup_teardown(test_json_non_utf8, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
