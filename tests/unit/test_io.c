// SPDX-License-Identifier: MIT
// io.c: whole reads and writes (a file that ends first is -EIO), small text files cut to
// the buffer and NUL-terminated, and errors leaving "" behind.
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

#include "io.h"

static void test_full_reads_and_writes(void **state)
{
    (void)state;
    char path[] = "/tmp/warden-io-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(io_write_full(fd, "hello ", 6), 0);
    assert_int_equal(io_pwrite_full(fd, "world", 5, 6), 0);
    char buf[16] = "";
    assert_int_equal(io_pread_full(fd, buf, 11, 0), 0);
    assert_memory_equal(buf, "hello world", 11);
    assert_int_equal(io_pread_full(fd, buf, 12, 0), -EIO); // the file ends first
    assert_int_equal(io_pread_full(-1, buf, 1, 0), -EBADF);
    assert_int_equal(io_write_full(-1, "x", 1), -EBADF);
    (void)close(fd);
    char text[8];
    assert_int_equal(io_read_text(path, text, sizeof(text)), 7); // cut to 7 + NUL
    assert_string_equal(text, "hello w");
    char big[64];
    assert_int_equal(io_read_text(path, big, sizeof(big)), 11);
    assert_string_equal(big, "hello world");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(io_read_text(path, big, sizeof(big)), -ENOENT);
    assert_string_equal(big, "");
}

static void test_proc_text(void **state)
{
    (void)state;
    char buf[256];
    assert_true(io_read_text("/proc/self/stat", buf, sizeof(buf)) > 0);
    assert_non_null(strchr(buf, ')'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_reads_and_writes),
            cmocka_unit_test(test_proc_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
