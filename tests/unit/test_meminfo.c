// SPDX-License-Identifier: MIT
// meminfo.c: MemTotal and MemAvailable from /proc/meminfo texts, a key only at a line's
// start (not inside another key's name), absent keys, garbage and overflow.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "meminfo.h"

static void test_real_text(void **state)
{
    (void)state;
    struct meminfo mi;
    const char *t = "MemTotal:       24567892 kB\nMemFree:         1000000 kB\n"
                    "MemAvailable:   12345678 kB\nBuffers:          100 kB\n";
    assert_int_equal(meminfo_parse(t, &mi), 0);
    assert_true(mi.has_total && mi.has_available);
    assert_int_equal(mi.total_bytes, 24567892ull * 1024u);
    assert_int_equal(mi.available_bytes, 12345678ull * 1024u);
}

static void test_missing_and_lookalike(void **state)
{
    (void)state;
    struct meminfo mi;
    // an old kernel without MemAvailable; a key inside another line does not count
    assert_int_equal(meminfo_parse("MemTotal: 1000 kB\nXMemAvailable: 5 kB\n", &mi), 0);
    assert_true(mi.has_total);
    assert_false(mi.has_available);
    assert_int_equal(meminfo_parse("", &mi), -EINVAL);
    assert_int_equal(meminfo_parse("MemTotal: lots\nMemAvailable:\n", &mi), -EINVAL);
    assert_int_equal(meminfo_parse("MemTotal: 99999999999999999999 kB\n", &mi), -EINVAL);
}

static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/warden-meminfo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *t = "MemTotal: 2048 kB\nMemFree: 1 kB\nMemAvailable: 1024 kB\n";
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    (void)close(fd);
    struct meminfo mi;
    assert_int_equal(meminfo_read(path, &mi), 0);
    assert_int_equal(mi.available_bytes, 1024u * 1024u);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(meminfo_read(path, &mi), -ENOENT);
    assert_int_equal(meminfo_read("/proc/meminfo", &mi), 0);
    assert_true(mi.has_total && mi.total_bytes > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_real_text),
            cmocka_unit_test(test_missing_and_lookalike),
            cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
