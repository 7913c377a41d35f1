// SPDX-License-Identifier: MIT
// Tests of cgroup_memstat.c: memory.stat texts of v2 kernels old and new and of v1 (real
// layouts), hostile lines (prefix keys, signs, spaces, CR, NUL, overflow, overlong lines,
// repeats) in one table; then the streaming reader on files in a scratch directory: every
// cut of a key line across the CGROUP_FILE_MAX chunk edge gives the whole-text result, an
// overlong line across the edge is skipped, the read cap holds; and the backends' ops.
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"

// A 6.x v2 memory.stat (a leaf running a small server), abridged after the keys we take.
static const char v2_6x[] = "anon 1523712\n"
                            "file 5382144\n"
                            "kernel 1126400\n"
                            "kernel_stack 16384\n"
                            "pagetables 65536\n"
                            "sec_pagetables 0\n"
                            "percpu 960\n"
                            "sock 4096\n"
                            "vmalloc 8192\n"
                            "shmem 135168\n"
                            "zswap 0\n"
                            "file_mapped 3649536\n"
                            "anon_thp 0\n"
                            "file_thp 0\n"
                            "shmem_thp 0\n"
                            "inactive_anon 1511424\n"
                            "active_anon 12288\n"
                            "slab_reclaimable 818128\n"
                            "slab_unreclaimable 208608\n"
                            "slab 1026736\n"
                            "workingset_refault_anon 0\n"
                            "pgfault 2838\n"
                            "thp_collapse_alloc 0\n";

// 5.15: no "kernel" line yet (5.18), so kernel is the sum of its parts.
static const char v2_515[] = "anon 1000\n"
                             "file 2000\n"
                             "kernel_stack 16384\n"
                             "pagetables 4096\n"
                             "percpu 960\n"
                             "sock 0\n"
                             "shmem 100\n"
                             "file_mapped 0\n"
                             "slab_reclaimable 300\n"
                             "slab_unreclaimable 200\n"
                             "slab 500\n";

// 5.4: no "slab" (5.9), no percpu (5.7), no vmalloc (5.13).
static const char v2_54[] = "anon 1000\n"
                            "file 2000\n"
                            "kernel_stack 16384\n"
                            "slab 0\n" // a repeat below keeps this first value
                            "sock 7\n"
                            "shmem 0\n"
                            "slab_reclaimable 300\n"
                            "slab_unreclaimable 200\n"
                            "slab 999\n";

// This machine's v1 memory controller (hybrid), abridged: local and total_* forms.
static const char v1_hybrid[] = "cache 14585856\n"
                                "rss 5775360\n"
                                "rss_huge 2097152\n"
                                "shmem 9797632\n"
                                "mapped_file 8175616\n"
                                "swap 0\n"
                                "hierarchical_memory_limit 9223372036854771712\n"
                                "total_cache 647335936\n"
                                "total_rss 11849728\n"
                                "total_rss_huge 0\n"
                                "total_shmem 9797632\n"
                                "total_mapped_file 11722752\n";

static const char v1_local[] = "cache 4096\nrss 8192\nrss_huge 0\nshmem 0\n";

struct want {
    int rc;
    uint64_t anon, file, kernel, slab, sock, shmem;
    bool has_kernel, has_sock;
};

struct memstat_case {
    const char *label;
    const char *text;
    size_t len; // 0: strlen(text)
    bool v1;
    struct want want;
};

#define BAD                                                                                        \
    {                                                                                              \
        .rc = -EINVAL                                                                              \
    }
#define U64MAX "18446744073709551615"

static const struct memstat_case cases[] = {
        {"v2 6.x",
         v2_6x,
         0,
         false,
         {0, 1523712, 5382144, 1126400, 1026736, 4096, 135168, true, true}},
        {"v2 5.15",
         v2_515,
         0,
         false,
         {0, 1000, 2000, 16384 + 4096 + 960 + 500, 500, 0, 100, true, true}},
        {"v2 5.4", v2_54, 0, false, {0, 1000, 2000, 16384, 0, 7, 0, true, true}},
        {"v2 slab from its halves",
         "anon 1\nfile 2\nslab_reclaimable 30\nslab_unreclaimable 12\n",
         0,
         false,
         {0, 1, 2, 42, 42, 0, 0, true, false}},
        {"v2 bare", "anon 1\nfile 2\n", 0, false, {0, 1, 2, 0, 0, 0, 0, false, false}},
        {"v2 no newline at the end",
         "file 2\nanon 1",
         0,
         false,
         {0, 1, 2, 0, 0, 0, 0, false, false}},
        {"v2 kernel parts saturate",
         "anon 1\nfile 2\nkernel_stack " U64MAX "\nslab 5\n",
         0,
         false,
         {0, 1, 2, UINT64_MAX, 5, 0, 0, true, false}},
        {"v2 max value",
         "anon " U64MAX "\nfile 0\n",
         0,
         false,
         {0, UINT64_MAX, 0, 0, 0, 0, 0, false, false}},
        {"v1 hybrid: total_* preferred, rss_huge inside rss",
         v1_hybrid,
         0,
         true,
         {0, 11849728, 647335936, 0, 0, 0, 9797632, false, false}},
        {"v1 leaf without total_*", v1_local, 0, true, {0, 8192, 4096, 0, 0, 0, 0, false, false}},
        {"v1 text read as v2", v1_hybrid, 0, false, BAD},
        {"v2 text read as v1", v2_6x, 0, true, BAD},
        {"v1 v2-only keys ignored",
         "rss 1\ncache 2\nsock 9\nkernel 9\nslab 9\n",
         0,
         true,
         {0, 1, 2, 0, 0, 0, 0, false, false}},
        // hostile
        {"empty", "", 0, false, BAD},
        {"no file line", "anon 1\n", 0, false, BAD},
        {"key without value", "anon\nfile 2\n", 0, false, BAD},
        {"empty value", "anon \nfile 2\n", 0, false, BAD},
        {"prefix keys only", "anon_thp 5\nfile_mapped 6\nanonx 1\nfil 2\n", 0, false, BAD},
        {"prefix keys first",
         "anon_thp 5\nanon 1\nfile_thp 6\nfile 2\n",
         0,
         false,
         {0, 1, 2, 0, 0, 0, 0, false, false}},
        {"leading space", " anon 1\nfile 2\n", 0, false, BAD},
        {"two spaces", "anon  1\nfile 2\n", 0, false, BAD},
        {"trailing space", "anon 1 \nfile 2\n", 0, false, BAD},
        {"tab", "anon\t1\nfile 2\n", 0, false, BAD},
        {"CRLF", "anon 1\r\nfile 2\r\n", 0, false, BAD},
        {"sign", "anon -1\nfile +2\n", 0, false, BAD},
        {"hex", "anon 0x10\nfile 2\n", 0, false, BAD},
        {"unit", "anon 1k\nfile 2\n", 0, false, BAD},
        {"overflow by one", "anon 18446744073709551616\nfile 2\n", 0, false, BAD},
        {"overflow long", "anon 99999999999999999999999999\nfile 2\n", 0, false, BAD},
        {"overflow then a good line",
         "anon 18446744073709551616\nanon 3\nfile 2\n",
         0,
         false,
         {0, 3, 2, 0, 0, 0, 0, false, false}},
        {"leading zeros",
         "anon 00000000000000000000000000000000000007\nfile 2\n",
         0,
         false,
         {0, 7, 2, 0, 0, 0, 0, false, false}},
        {"repeat keeps the first",
         "anon 1\nanon 999\nfile 2\nfile 888\n",
         0,
         false,
         {0, 1, 2, 0, 0, 0, 0, false, false}},
        {"NUL inside a key",
         "an\0on 5\nanon 1\nfile 2\n",
         22,
         false,
         {0, 1, 2, 0, 0, 0, 0, false, false}},
        {"NUL inside a value", "anon 5\0 9\nfile 2\n", 17, false, BAD},
        {"NUL after a value", "anon 1\nfile 2\0\n", 15, false, BAD},
        {"only newlines", "\n\n\n\n", 0, false, BAD},
        {"binary", "\xff\xfe\x01 \x80\n\x7f", 0, false, BAD},
        {"value is a key", "anon file\nfile anon\n", 0, false, BAD},
};

static void check_want(const char *label, int rc, const struct cgroup_memstat *m,
                       const struct want *w)
{
    if (rc != w->rc) {
        fail_msg("%s: rc %d, want %d", label, rc, w->rc);
    }
    const uint64_t got[] = {m->anon_bytes, m->file_bytes, m->kernel_bytes,
                            m->slab_bytes, m->sock_bytes, m->shmem_bytes};
    const uint64_t exp[] = {w->anon, w->file, w->kernel, w->slab, w->sock, w->shmem};
    static const char *const names[] = {"anon", "file", "kernel", "slab", "sock", "shmem"};
    for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++) {
        if (got[i] != exp[i]) {
            fail_msg("%s: %s %llu, want %llu", label, names[i], (unsigned long long)got[i],
                     (unsigned long long)exp[i]);
        }
    }
    if (m->has_kernel != w->has_kernel || m->has_sock != w->has_sock) {
        fail_msg("%s: has_kernel %d has_sock %d", label, m->has_kernel, m->has_sock);
    }
}

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct memstat_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        struct cgroup_memstat m;
        memset(&m, 0xa5, sizeof(m)); // stale garbage: a failure must zero it
        int rc = cgroup_parse_memory_stat(c->text, len, c->v1, &m);
        check_want(c->label, rc, &m, &c->want);
    }
}

// A line of exactly CGROUP_MEMSTAT_LINE_MAX bytes counts; one byte more is skipped whole,
// even when its tail would read as a good line.
static void test_parse_line_cap(void **state)
{
    (void)state;
    char text[3 * CGROUP_MEMSTAT_LINE_MAX];
    const size_t max = CGROUP_MEMSTAT_LINE_MAX;
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = 0;
        memcpy(text + n, "anon ", 5);
        n += 5;
        memset(text + n, '0', max + extra - 5 - 1); // zeros, then the last digit
        n += max + extra - 5 - 1;
        text[n++] = '9';
        memcpy(text + n, "\nfile 2\n", 8);
        n += 8;
        struct cgroup_memstat m;
        int rc = cgroup_parse_memory_stat(text, n, false, &m);
        assert_int_equal(rc, extra ? -EINVAL : 0);
        assert_int_equal(m.anon_bytes, extra ? 0 : 9);
    }
    // an overlong junk line ending in "anon 5" does not yield anon
    memset(text, 'x', 2 * max);
    memcpy(text + 2 * max, "anon 5\nanon 6\nfile 2\n", 21);
    struct cgroup_memstat m;
    assert_int_equal(cgroup_parse_memory_stat(text, 2 * max + 21, false, &m), 0);
    assert_int_equal(m.anon_bytes, 6);
}

static void test_parse_bad_args(void **state)
{
    (void)state;
    struct cgroup_memstat m;
    assert_int_equal(cgroup_parse_memory_stat(NULL, 5, false, &m), -EINVAL);
    assert_int_equal(cgroup_parse_memory_stat(NULL, 0, false, &m), -EINVAL); // empty
    assert_int_equal(cgroup_parse_memory_stat("anon 1\nfile 2\n", 14, false, NULL), -EINVAL);
    // len shorter than the text: only len bytes count ("anon 1\nfile 2" cut before file's digit)
    assert_int_equal(cgroup_parse_memory_stat("anon 1\nfile 2\n", 12, false, &m), -EINVAL);
    assert_int_equal(cgroup_parse_memory_stat("anon 1\nfile 23\n", 13, false, &m), 0);
    assert_int_equal(m.file_bytes, 2);
}

// ---- the streaming reader, on files in a scratch directory ----

static char dir[64];
static int dirfd_ = -1;
static char big[CGROUP_MEMSTAT_READ_MAX + 3 * CGROUP_FILE_MAX];

static int setup(void **state)
{
    (void)state;
    (void)snprintf(dir, sizeof(dir), "/tmp/warden-memstat.XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)unlinkat(dirfd_, "memory.stat", 0);
    (void)unlinkat(dirfd_, "memory.kmem.usage_in_bytes", 0);
    (void)close(dirfd_);
    return rmdir(dir);
}

static void put(const char *name, const char *text, size_t len)
{
    int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

// Filler up to exactly n bytes: 24-byte lines of a key we do not take, then one line of
// the rest without a space ("xxx\n": not "KEY VALUE", ignored).
static size_t filler(char *out, size_t n)
{
    size_t off = 0;
    unsigned i = 0;
    char line[32];
    while (n - off >= 24) {
        int w = snprintf(line, sizeof(line), "pgscan_%05u 1234567890\n", i++ % 100000);
        assert_int_equal(w, 24);
        memcpy(out + off, line, 24);
        off += 24;
    }
    if (n > off) {
        memset(out + off, 'x', n - off - 1);
        out[n - 1] = '\n';
    }
    return n;
}

// The key lines land across the first chunk edge at every offset: each read gives what the
// whole text gives.
static void test_read_every_cut(void **state)
{
    (void)state;
    static const char keys[] = "anon 123456789\nkernel 4242\nsock 77\nfile 987654321\n";
    const size_t klen = sizeof(keys) - 1;
    for (size_t before = CGROUP_FILE_MAX - klen - 2; before <= CGROUP_FILE_MAX + 1; before++) {
        size_t n = filler(big, before);
        memcpy(big + n, keys, klen);
        n += klen;
        n += filler(big + n, 2 * CGROUP_FILE_MAX + 17); // past the second edge too
        put("memory.stat", big, n);
        struct cgroup_memstat whole, streamed;
        assert_int_equal(cgroup_parse_memory_stat(big, n, false, &whole), 0);
        assert_int_equal(whole.anon_bytes, 123456789);
        assert_int_equal(whole.file_bytes, 987654321);
        assert_int_equal(whole.kernel_bytes, 4242);
        assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &streamed), 0);
        assert_memory_equal(&whole, &streamed, sizeof(whole));
    }
}

// A line longer than the cap that crosses the chunk edge is skipped whole; the next counts.
static void test_read_overlong_across_edge(void **state)
{
    (void)state;
    size_t n = filler(big, CGROUP_FILE_MAX - 100);
    memset(big + n, '9', 300); // 300 bytes, across the edge, ending like a value
    memcpy(big + n, "anon ", 5);
    n += 300;
    static const char tail[] = "\nanon 1\nfile 2\n";
    memcpy(big + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    put("memory.stat", big, n);
    struct cgroup_memstat m;
    assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &m), 0);
    assert_int_equal(m.anon_bytes, 1);
    assert_int_equal(m.file_bytes, 2);
}

// Reading stops at CGROUP_MEMSTAT_READ_MAX: a key beyond it is never seen, and a line cut
// by the cap is dropped rather than read short.
static void test_read_cap(void **state)
{
    (void)state;
    size_t n = 0;
    memcpy(big, "file 2\n", 7);
    n += 7;
    n += filler(big + n, CGROUP_MEMSTAT_READ_MAX - n - 4);
    memcpy(big + n, "anon 12345\n", 11); // "anon" inside the cap, its digits cut at 4
    n += 11;
    put("memory.stat", big, n);
    struct cgroup_memstat m;
    assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &m), -EINVAL);
    // the same text within the cap reads whole
    assert_int_equal(cgroup_parse_memory_stat(big, n, false, &m), 0);
    assert_int_equal(m.anon_bytes, 12345);
    // a file that ends exactly at the cap with its newline: all of it counts
    n = 7;
    n += filler(big + n, CGROUP_MEMSTAT_READ_MAX - n - 7);
    memcpy(big + n, "anon 5\n", 7);
    n += 7;
    assert_int_equal(n, CGROUP_MEMSTAT_READ_MAX);
    put("memory.stat", big, n);
    assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &m), 0);
    assert_int_equal(m.anon_bytes, 5);
}

static void test_read_errors(void **state)
{
    (void)state;
    struct cgroup_memstat m;
    (void)unlinkat(dirfd_, "memory.stat", 0);
    assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &m), -ENOENT);
    assert_int_equal(cgroup_read_memory_stat_at(-1, false, &m), -EBADF);
    put("memory.stat", "", 0);
    assert_int_equal(cgroup_read_memory_stat_at(dirfd_, false, &m), -EINVAL);
}

// The backends through the public entry point, with the scratch directory as the cgroup.
static void test_backends(void **state)
{
    (void)state;
    struct cgroup_sys sys = {.kind = CGROUP_V2, .ops = &cgroup_v2_ops};
    struct cgroup_svc cg;
    cgroup_svc_init(&cg);
    struct cgroup_memstat m;
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), -EBADF); // not created
    cg.v2_fd = dirfd_;
    put("memory.stat", v2_6x, sizeof(v2_6x) - 1);
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), 0);
    assert_int_equal(m.anon_bytes, 1523712);
    assert_true(m.has_sock);

    sys = (struct cgroup_sys){.kind = CGROUP_HYBRID, .ops = &cgroup_hybrid_ops};
    cgroup_svc_init(&cg);
    cg.v2_fd = dirfd_; // the unified dir of hybrid has no memory.stat of its own: unused
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), -EBADF);
    cg.mem_fd = dirfd_;
    put("memory.stat", v1_hybrid, sizeof(v1_hybrid) - 1);
    (void)unlinkat(dirfd_, "memory.kmem.usage_in_bytes", 0);
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), 0); // no kmem counter: kernel unknown
    assert_int_equal(m.anon_bytes, 11849728);
    assert_false(m.has_kernel);
    put("memory.kmem.usage_in_bytes", "79405056\n", 9);
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), 0);
    assert_true(m.has_kernel);
    assert_int_equal(m.kernel_bytes, 79405056);
    assert_false(m.has_sock);
    put("memory.stat", v2_6x, sizeof(v2_6x) - 1); // a v2 layout is not a v1 memory.stat
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), -EINVAL);
    assert_false(m.has_kernel);

    sys = (struct cgroup_sys){.kind = CGROUP_NONE, .ops = &cgroup_none_ops};
    memset(&m, 0xa5, sizeof(m));
    assert_int_equal(cgroup_memory_stat(&sys, &cg, &m), -EOPNOTSUPP);
    assert_int_equal(m.anon_bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_table),
            cmocka_unit_test(test_parse_line_cap),
            cmocka_unit_test(test_parse_bad_args),
            cmocka_unit_test(test_read_every_cut),
            cmocka_unit_test(test_read_overlong_across_edge),
            cmocka_unit_test(test_read_cap),
            cmocka_unit_test(test_read_errors),
            cmocka_unit_test(test_backends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
