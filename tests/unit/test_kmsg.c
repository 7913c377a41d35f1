// SPDX-License-Identifier: MIT
// The kernel log's OOM records: victims parsed, matched by cgroup path, claimed once.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kmsg.h"

static const char oom_rec[] =
        "6,24652,23455709484,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
        "mems_allowed=0,oom_memcg=/host/warden.1/api,task_memcg=/host/warden.1/api,task=worker,"
        "pid=1591,uid=0\n";
static const char killed_rec[] =
        "3,24653,23455709508,-;Memory cgroup out of memory: Killed process 1591 (worker) "
        "total-vm:66796kB, anon-rss:65280kB, file-rss:564kB, shmem-rss:0kB, UID:0 "
        "pgtables:164kB oom_score_adj:0\n";

static void feed(struct kmsg *km, const char *rec)
{
    kmsg_parse_record(km, rec, strlen(rec));
}

// The two records of one kill give pid, command and RSS; the match is on the path's end.
static void test_parse_and_match(void **state)
{
    (void)state;
    static struct kmsg km = {.fd = -1};
    feed(&km, "6,1,1,-;some other line\n SUBSYSTEM=x\n");
    feed(&km, oom_rec);
    feed(&km, killed_rec);
    assert_int_equal(km.len, 1);
    struct oom_victim v;
    assert_false(kmsg_find_oom(&km, "/warden.1/ap", &v)); // not a whole component
    assert_false(kmsg_find_oom(&km, "/other/api", &v));
    assert_true(kmsg_find_oom(&km, "/warden.1/api", &v)); // seen from a cgroup namespace
    assert_int_equal(v.pid, 1591);
    assert_string_equal(v.comm, "worker");
    assert_int_equal(v.anon_rss_bytes, 65280ull * 1024);
    assert_false(kmsg_find_oom(&km, "/warden.1/api", &v)); // claimed once
}

// Malformed records are skipped; the ring keeps the newest KMSG_VICTIMS kills.
static void test_bad_records_and_ring(void **state)
{
    (void)state;
    static struct kmsg km = {.fd = -1};
    feed(&km, "no semicolon here");
    feed(&km, "6,2,2,-;oom-kill:task_memcg=/a,task=x\n");          // no pid
    feed(&km, "6,3,3,-;oom-kill:task=x,pid=12\n");                 // no memcg
    feed(&km, "6,4,4,-;oom-kill:task_memcg=/a,pid=99999999999\n"); // pid too long
    feed(&km, "3,5,5,-;Killed process 7 (x) total-vm:1kB\n");      // no RSS, no victim
    assert_int_equal(km.len, 0);
    char rec[200];
    for (int i = 0; i < 12; i++) {
        (void)snprintf(rec, sizeof(rec), "6,%d,1,-;oom-kill:task_memcg=/w/s%d,task=t%d,pid=%d\n",
                       10 + i, i, i, 100 + i);
        feed(&km, rec);
    }
    assert_int_equal(km.len, KMSG_VICTIMS);
    struct oom_victim v;
    assert_false(kmsg_find_oom(&km, "/w/s0", &v)); // pushed out
    assert_true(kmsg_find_oom(&km, "/w/s11", &v));
    assert_int_equal(v.pid, 111);
    assert_string_equal(v.comm, "t11");
    assert_int_equal(v.anon_rss_bytes, 0);
}

// A memcg path longer than what is kept still matches by its end.
static void test_long_path(void **state)
{
    (void)state;
    static struct kmsg km = {.fd = -1};
    char path[400], rec[600];
    memset(path, 'p', sizeof(path));
    path[0] = '/';
    path[200] = '/';
    (void)snprintf(path + 300, sizeof(path) - 300, "/svc");
    (void)snprintf(rec, sizeof(rec), "6,1,1,-;oom-kill:task_memcg=%s,task=x,pid=5\n", path);
    feed(&km, rec);
    struct oom_victim v;
    assert_true(kmsg_find_oom(&km, path, &v));
    assert_int_equal(v.pid, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_and_match),
            cmocka_unit_test(test_bad_records_and_ring),
            cmocka_unit_test(test_long_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
