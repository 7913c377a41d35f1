// SPDX-License-Identifier: MIT
// outtail.c: the runtimes' own out-of-memory lines (as they print them, and near misses that
// must not match), the tail's caps (lines, bytes, line length), and hostile bytes.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "outtail.h"

static enum oom_runtime match(const char *s)
{
    return outtail_match_oom(s, strlen(s));
}

static void test_match_table(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum oom_runtime want;
    } cases[] = {
            {"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
             OOM_RT_NODE},
            {"FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - "
             "JavaScript heap out of memory",
             OOM_RT_NODE},
            {"<--- JS stacktrace --->", OOM_RT_NONE},
            {"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
             OOM_RT_JVM},
            {"java.lang.OutOfMemoryError: Metaspace", OOM_RT_JVM},
            {"fatal error: runtime: out of memory", OOM_RT_GO},
            {"MemoryError", OOM_RT_PYTHON},
            {"  MemoryError  ", OOM_RT_PYTHON},
            {"MemoryError\r", OOM_RT_PYTHON},
            {"MemoryError: Unable to allocate 8.00 GiB for an array", OOM_RT_PYTHON},
            {"caught MemoryError in handler, retrying", OOM_RT_NONE},
            {"MemoryErrors", OOM_RT_NONE},
            {"Unhandled exception. System.OutOfMemoryException: Insufficient memory",
             OOM_RT_DOTNET},
            {"", OOM_RT_NONE},
            {"out of memory", OOM_RT_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (match(cases[i].line) != cases[i].want) {
            fail_msg("case %zu: \"%s\" matched %s", i, cases[i].line,
                     outtail_runtime_name(match(cases[i].line)));
        }
    }
    assert_string_equal(outtail_runtime_name(OOM_RT_NODE), "node");
    assert_string_equal(outtail_runtime_name((enum oom_runtime)77), "none");
    assert_true(outtail_match_bind("Error: listen EADDRINUSE: address already in use :::8080", 56));
    assert_false(outtail_match_bind("listening on :8080", 18));
}

static void test_tail_caps(void **state)
{
    (void)state;
    static struct outtail t;
    static char tbuf[OUTTAIL_BYTES];
    outtail_init(&t, tbuf);
    char line[64];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(line, sizeof(line), "line %d", i);
        outtail_add(&t, line, (size_t)n);
    }
    assert_int_equal(t.count, OUTTAIL_LINES);
    assert_int_equal(t.seen, 100);
    const char *l;
    size_t len;
    assert_true(outtail_line(&t, 0, &l, &len));
    assert_int_equal(len, 7);
    assert_memory_equal(l, "line 80", 7); // the oldest kept is the 20th from the end
    assert_true(outtail_line(&t, OUTTAIL_LINES - 1, &l, &len));
    assert_memory_equal(l, "line 99", 7);
    assert_false(outtail_line(&t, OUTTAIL_LINES, &l, &len));
    // long lines: each cut at OUTTAIL_LINE_MAX, the bytes cap holds
    static char big[10000];
    memset(big, 'a', sizeof(big));
    for (int i = 0; i < 30; i++) {
        outtail_add(&t, big, sizeof(big));
        assert_true(t.used <= OUTTAIL_BYTES);
    }
    assert_int_equal(t.count, OUTTAIL_BYTES / OUTTAIL_LINE_MAX);
    assert_true(outtail_line(&t, 0, &l, &len));
    assert_int_equal(len, OUTTAIL_LINE_MAX);
    // empty lines count and are kept
    outtail_add(&t, "", 0);
    assert_true(outtail_line(&t, t.count - 1, &l, &len));
    assert_int_equal(len, 0);
}

static void test_first_oom_line_kept(void **state)
{
    (void)state;
    static struct outtail t;
    static char tbuf[OUTTAIL_BYTES];
    outtail_init(&t, tbuf);
    const char *oom = "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of "
                      "memory";
    outtail_add(&t, oom, strlen(oom));
    // a Go dump after it, much longer than the tail, and a later different match
    for (int i = 0; i < 500; i++) {
        outtail_add(&t, "goroutine 1 [running]:", 22);
    }
    outtail_add(&t, "MemoryError", 11);
    assert_int_equal(t.oom_runtime, OOM_RT_NODE);
    assert_string_equal(t.oom_line, oom);
    // a huge line with a match is quoted cut, NUL-terminated, UTF-8 whole
    outtail_reset(&t);
    assert_int_equal(t.oom_runtime, OOM_RT_NONE);
    static char big[2000];
    memset(big, 0xc3, sizeof(big)); // lead bytes...
    for (size_t i = 1; i < sizeof(big); i += 2) {
        big[i] = (char)0xa9; // ...and continuations: "é" again and again
    }
    memcpy(big, "java.lang.OutOfMemoryError ", 27);
    outtail_add(&t, big, sizeof(big));
    assert_int_equal(t.oom_runtime, OOM_RT_JVM);
    size_t n = strlen(t.oom_line);
    assert_true(n < RUNTIME_LINE_MAX);
    assert_true(((unsigned char)t.oom_line[n - 1] & 0xC0) != 0xC0); // no lead byte left alone
    // NUL bytes inside a line neither crash nor end the match early
    const char nul[] = "x\0fatal error: runtime: out of memory";
    assert_int_equal(outtail_match_oom(nul, sizeof(nul) - 1), OOM_RT_GO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_table),
            cmocka_unit_test(test_tail_caps),
            cmocka_unit_test(test_first_oom_line_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
