// SPDX-License-Identifier: MIT
// Table-driven tests of units.c: every accepted form, hostile input (overflow, negatives,
// garbage, whitespace, very long strings), the wording of errors, and format/parse round trips.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

#define GIB (1ull << 30)

#define SIZE_FORMS "expected a number with optional K, M, G or T suffix (binary, e.g. 512M, 1.5G)"
#define DUR_FORMS  "expected a number with unit ms, s, m or h"

struct size_case {
    const char *in;
    uint64_t total;
    int rc;
    uint64_t want;   // when rc == 0
    const char *why; // when rc != 0: a substring of the message, or NULL
};

static const struct size_case size_cases[] = {
        {"0", 0, 0, 0, NULL},
        {"512", 0, 0, 512, NULL},
        {"512B", 0, 0, 512, NULL},
        {"512b", 0, 0, 512, NULL},
        {"64K", 0, 0, 65536, NULL},
        {"64k", 0, 0, 65536, NULL},
        {"64KB", 0, 0, 65536, NULL},
        {"64KiB", 0, 0, 65536, NULL},
        {"64kib", 0, 0, 65536, NULL},
        {"1M", 0, 0, 1048576, NULL},
        {"1.5G", 0, 0, 1610612736, NULL},
        {"1.5g", 0, 0, 1610612736, NULL},
        {"2T", 0, 0, 2199023255552ull, NULL},
        {"0.5K", 0, 0, 512, NULL},
        {"1.1K", 0, 0, 1126, NULL}, // a fraction of a byte is dropped
        {"007M", 0, 0, 7340032, NULL},
        {"16777215T", 0, 0, 16777215ull << 40, NULL},
        {"18446744073709551615", 0, 0, UINT64_MAX, NULL},
        {"50%", 8 * GIB, 0, 4 * GIB, NULL},
        {"12.5%", 8 * GIB, 0, GIB, NULL},
        {"100%", 8 * GIB, 0, 8 * GIB, NULL},
        {"0%", 8 * GIB, 0, 0, NULL},
        {"100%", UINT64_MAX, 0, UINT64_MAX, NULL},
        {"50%", 0, -EINVAL, 0, "percentages are not accepted here"},
        {"101%", 8 * GIB, -EINVAL, 0, "more than 100%"},
        {"100.1%", 8 * GIB, -EINVAL, 0, "more than 100%"},
        {"99999999999999999999G", 0, -EINVAL, 0, "too large"},
        {"18446744073709551616", 0, -EINVAL, 0, "too large"},
        {"16777216T", 0, -EINVAL, 0, "too large"},
        {"17179869184G", 0, -EINVAL, 0, "too large"},
        {"1.0000000000000000001G", 0, -EINVAL, 0, "too many decimal places"},
        {"1.5", 0, -EINVAL, 0, "a fraction of a byte"},
        {"1.5B", 0, -EINVAL, 0, "a fraction of a byte"},
        {"", 0, -EINVAL, 0, NULL},
        {" ", 0, -EINVAL, 0, NULL},
        {"12Q", 0, -EINVAL, 0, NULL},
        {"-1M", 0, -EINVAL, 0, NULL},
        {"+1M", 0, -EINVAL, 0, NULL},
        {"1e3", 0, -EINVAL, 0, NULL},
        {"0x10", 0, -EINVAL, 0, NULL},
        {"1.", 0, -EINVAL, 0, NULL},
        {"1.G", 0, -EINVAL, 0, NULL},
        {".5G", 0, -EINVAL, 0, NULL},
        {"1..5G", 0, -EINVAL, 0, NULL},
        {"5iB", 0, -EINVAL, 0, NULL},
        {"1 G", 0, -EINVAL, 0, NULL},
        {" 1G", 0, -EINVAL, 0, NULL},
        {"1G ", 0, -EINVAL, 0, NULL},
        {"1GG", 0, -EINVAL, 0, NULL},
        {"1GBB", 0, -EINVAL, 0, NULL},
        {"1Gb2", 0, -EINVAL, 0, NULL},
        {"1P", 0, -EINVAL, 0, NULL},
        {"K", 0, -EINVAL, 0, NULL},
        {"%", 8 * GIB, -EINVAL, 0, NULL},
        {"50%%", 8 * GIB, -EINVAL, 0, NULL},
        {"1K%", 8 * GIB, -EINVAL, 0, NULL},
        {"50 %", 8 * GIB, -EINVAL, 0, NULL},
        {"abc", 0, -EINVAL, 0, NULL},
        {"1\tG", 0, -EINVAL, 0, NULL},
        {"1G\n", 0, -EINVAL, 0, NULL},
};

static void check_size_case(const struct size_case *c)
{
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t got = 12345;
    int rc = units_parse_size(c->in, c->total, &got, &eb);
    if (rc != c->rc) {
        fail_msg("size \"%s\": rc %d, want %d (%s)", c->in, rc, c->rc, eb.msg);
    }
    if (rc == 0 && got != c->want) {
        fail_msg("size \"%s\": %llu, want %llu", c->in, (unsigned long long)got,
                 (unsigned long long)c->want);
    }
    if (rc != 0) {
        assert_int_equal(got, 12345); // untouched on error
        assert_non_null(strstr(eb.msg, "invalid size \""));
        assert_non_null(strstr(eb.msg, SIZE_FORMS));
        assert_true((strstr(eb.msg, "or a percentage") != NULL) == (c->total != 0));
        if (c->why && !strstr(eb.msg, c->why)) {
            fail_msg("size \"%s\": message \"%s\" lacks \"%s\"", c->in, eb.msg, c->why);
        }
    }
}

static void test_size_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
        check_size_case(&size_cases[i]);
    }
}

static void test_size_message_exact(void **state)
{
    (void)state;
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v;
    assert_int_equal(units_parse_size("12Q", GIB, &v, &eb), -EINVAL);
    assert_string_equal(eb.msg, "invalid size \"12Q\": expected a number with optional K, M, G "
                                "or T suffix (binary, e.g. 512M, 1.5G) or a percentage (e.g. 50%)");
    assert_int_equal(units_parse_size(NULL, 0, &v, &eb), -EINVAL);
    assert_string_equal(eb.msg, "invalid size \"\": " SIZE_FORMS);
    // A NULL errbuf is allowed.
    assert_int_equal(units_parse_size("x", 0, &v, NULL), -EINVAL);
}

static void test_size_long_input(void **state)
{
    (void)state;
    static char big[8192];
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v = 7;
    memset(big, '9', sizeof(big) - 1);
    assert_int_equal(units_parse_size(big, 0, &v, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "too large"));
    assert_non_null(strstr(eb.msg, "...\"")); // the value is cut in the message
    assert_non_null(strstr(eb.msg, SIZE_FORMS));
    assert_int_equal(v, 7);
    memset(big, 'G', sizeof(big) - 1);
    assert_int_equal(units_parse_size(big, GIB, &v, &eb), -EINVAL);
    assert_true(strlen(eb.msg) < 300);
    // Control bytes are not echoed raw.
    assert_int_equal(units_parse_size("1\x1b[2J", 0, &v, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "\"1?[2J\""));
}

struct dur_case {
    const char *in;
    int rc;
    uint64_t want;
    const char *why;
};

static const struct dur_case dur_cases[] = {
        {"0", 0, 0, NULL},
        {"00", 0, 0, NULL},
        {"0s", 0, 0, NULL},
        {"0ms", 0, 0, NULL},
        {"250ms", 0, 250, NULL},
        {"10s", 0, 10000, NULL},
        {"5m", 0, 300000, NULL},
        {"1h", 0, 3600000, NULL},
        {"1m30s", 0, 90000, NULL},
        {"1h30m", 0, 5400000, NULL},
        {"2h5m10s250ms", 0, 7510250, NULL},
        {"1h1ms", 0, 3600001, NULL},
        {"1.5s", 0, 1500, NULL},
        {"0.5m", 0, 30000, NULL},
        {"1.5h", 0, 5400000, NULL},
        {"0.001s", 0, 1, NULL},
        {"5124095576030h", 0, 5124095576030ull * 3600000, NULL},
        {"10", -EINVAL, 0, "(no unit)"},
        {"1", -EINVAL, 0, "(no unit)"},
        {"1.5", -EINVAL, 0, "(no unit)"},
        {"1s1s", -EINVAL, 0, "units repeated or out of order"},
        {"30s1m", -EINVAL, 0, "units repeated or out of order"},
        {"1ms1s", -EINVAL, 0, "units repeated or out of order"},
        {"1.0005s", -EINVAL, 0, "finer than 1ms"},
        {"0.5ms", -EINVAL, 0, "finer than 1ms"},
        {"5124095576031h", -EINVAL, 0, "too large"},
        {"99999999999999999999h", -EINVAL, 0, "too large"},
        {"18446744073709551615ms1ms", -EINVAL, 0, "units repeated"},
        {"5124095576030h25m", 0, 5124095576030ull * 3600000 + 25ull * 60000, NULL},
        {"5124095576030h26m", -EINVAL, 0, "too large"},
        {"", -EINVAL, 0, NULL},
        {" ", -EINVAL, 0, NULL},
        {"10S", -EINVAL, 0, NULL},
        {"1H", -EINVAL, 0, NULL},
        {"-1s", -EINVAL, 0, NULL},
        {"1 s", -EINVAL, 0, NULL},
        {"1s ", -EINVAL, 0, NULL},
        {" 1s", -EINVAL, 0, NULL},
        {"s", -EINVAL, 0, NULL},
        {"ms", -EINVAL, 0, NULL},
        {"1d", -EINVAL, 0, NULL},
        {"1e3s", -EINVAL, 0, NULL},
        {"1m0", -EINVAL, 0, NULL},
        {"1.s", -EINVAL, 0, NULL},
        {".5s", -EINVAL, 0, NULL},
        {"1s..2s", -EINVAL, 0, NULL},
        {"1sec", -EINVAL, 0, NULL},
        {"1mss", -EINVAL, 0, NULL},
};

static void check_dur_case(const struct dur_case *c)
{
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t got = 12345;
    int rc = units_parse_duration(c->in, &got, &eb);
    if (rc != c->rc) {
        fail_msg("duration \"%s\": rc %d, want %d (%s)", c->in, rc, c->rc, eb.msg);
    }
    if (rc == 0 && got != c->want) {
        fail_msg("duration \"%s\": %llu, want %llu", c->in, (unsigned long long)got,
                 (unsigned long long)c->want);
    }
    if (rc != 0) {
        assert_int_equal(got, 12345);
        assert_non_null(strstr(eb.msg, "invalid duration \""));
        assert_non_null(strstr(eb.msg, DUR_FORMS));
        if (c->why && !strstr(eb.msg, c->why)) {
            fail_msg("duration \"%s\": message \"%s\" lacks \"%s\"", c->in, eb.msg, c->why);
        }
    }
}

static void test_duration_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
        check_dur_case(&dur_cases[i]);
    }
}

static void test_duration_message_exact(void **state)
{
    (void)state;
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v;
    assert_int_equal(units_parse_duration("10", &v, &eb), -EINVAL);
    assert_string_equal(eb.msg, "invalid duration \"10\" (no unit): expected a number with unit "
                                "ms, s, m or h, or a sum like 1m30s (e.g. 250ms, 1.5s, 10m)");
    assert_int_equal(units_parse_duration(NULL, &v, &eb), -EINVAL);
}

struct range_case {
    const char *in;
    int rc;
    uint64_t lo;
    uint64_t hi;
    const char *why;
};

static const struct range_case range_cases[] = {
        {"1s..5m", 0, 1000, 300000, NULL},
        {"500ms..1m30s", 0, 500, 90000, NULL},
        {"1s..1s", 0, 1000, 1000, NULL},
        {"1.5s..2h", 0, 1500, 7200000, NULL},
        {"1ms..0.5s", 0, 1, 500, NULL},
        {"1..", -EINVAL, 0, 0, "MIN is not a duration"},
        {"1s..", -EINVAL, 0, 0, "MAX is not a duration"},
        {"..5m", -EINVAL, 0, 0, "MIN is not a duration"},
        {"..", -EINVAL, 0, 0, "MIN is not a duration"},
        {"5m..1s", -EINVAL, 0, 0, "MIN is above MAX"},
        {"1001ms..1s", -EINVAL, 0, 0, "MIN is above MAX"},
        {"0..1s", -EINVAL, 0, 0, "MIN is 0"},
        {"0s..1s", -EINVAL, 0, 0, "MIN is 0"},
        {"1s", -EINVAL, 0, 0, "no \"..\""},
        {"", -EINVAL, 0, 0, "no \"..\""},
        {"1s...2s", -EINVAL, 0, 0, "MAX is not a duration"},
        {"1s..2s..3s", -EINVAL, 0, 0, "MAX is not a duration"},
        {"1..5m", -EINVAL, 0, 0, "MIN is not a duration"},
        {" 1s..5m", -EINVAL, 0, 0, "MIN is not a duration"},
        {"1s ..5m", -EINVAL, 0, 0, "MIN is not a duration"},
        {"1s.. 5m", -EINVAL, 0, 0, "MAX is not a duration"},
        {"-1s..5m", -EINVAL, 0, 0, "MIN is not a duration"},
        {"1s..99999999999999999999h", -EINVAL, 0, 0, "MAX is not a duration"},
        {"1s-5m", -EINVAL, 0, 0, "no \"..\""},
};

static void check_range_case(const struct range_case *c)
{
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t lo = 7;
    uint64_t hi = 7;
    int rc = units_parse_duration_range(c->in, &lo, &hi, &eb);
    if (rc != c->rc) {
        fail_msg("range \"%s\": rc %d, want %d (%s)", c->in, rc, c->rc, eb.msg);
    }
    if (rc == 0 && (lo != c->lo || hi != c->hi)) {
        fail_msg("range \"%s\": %llu..%llu", c->in, (unsigned long long)lo, (unsigned long long)hi);
    }
    if (rc != 0) {
        assert_true(lo == 7 && hi == 7);
        assert_non_null(strstr(eb.msg, "invalid duration range \""));
        assert_non_null(strstr(eb.msg, "expected MIN..MAX with 0 < MIN <= MAX"));
        if (c->why && !strstr(eb.msg, c->why)) {
            fail_msg("range \"%s\": message \"%s\" lacks \"%s\"", c->in, eb.msg, c->why);
        }
    }
}

static void test_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
        check_range_case(&range_cases[i]);
    }
}

struct uint_case {
    const char *in;
    uint64_t min;
    uint64_t max;
    int rc;
    uint64_t want;
};

static const struct uint_case uint_cases[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"007", 0, 10, 0, 7},
        {"4194304", 1, 4194304, 0, 4194304},
        {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
        {"11", 0, 10, -EINVAL, 0},
        {"0", 1, 10, -EINVAL, 0},
        {"4194305", 1, 4194304, -EINVAL, 0},
        {"18446744073709551616", 0, UINT64_MAX, -EINVAL, 0},
        {"99999999999999999999", 0, UINT64_MAX, -EINVAL, 0},
        {"-1", 0, 10, -EINVAL, 0},
        {"+1", 0, 10, -EINVAL, 0},
        {"", 0, 10, -EINVAL, 0},
        {" ", 0, 10, -EINVAL, 0},
        {" 1", 0, 10, -EINVAL, 0},
        {"1 ", 0, 10, -EINVAL, 0},
        {"1.5", 0, 10, -EINVAL, 0},
        {"1.0", 0, 10, -EINVAL, 0},
        {"1e3", 0, 10000, -EINVAL, 0},
        {"0x1", 0, 10, -EINVAL, 0},
        {"1K", 0, 10000, -EINVAL, 0},
};

static void test_uint_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]); i++) {
        const struct uint_case *c = &uint_cases[i];
        struct errbuf eb = {{0}, NULL, 0};
        uint64_t got = 12345;
        int rc = units_parse_uint(c->in, c->min, c->max, &got, &eb);
        if (rc != c->rc || (rc == 0 && got != c->want) || (rc != 0 && got != 12345)) {
            fail_msg("uint \"%s\": rc %d got %llu (%s)", c->in, rc, (unsigned long long)got,
                     eb.msg);
        }
    }
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v;
    assert_int_equal(units_parse_uint("11", 1, 10, &v, &eb), -EINVAL);
    assert_string_equal(
            eb.msg, "invalid number \"11\" (out of range): expected a whole number from 1 to 10");
    assert_int_equal(units_parse_uint("x", 0, 5, &v, &eb), -EINVAL);
    assert_string_equal(eb.msg, "invalid number \"x\": expected a whole number from 0 to 5");
}

static void test_rate(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        uint64_t want;
    } cases[] = {
            {"200/s", 0, 200},         {"1/s", 0, 1},
            {"4194304/s", 0, 4194304}, {"0/s", -EINVAL, 0},
            {"200", -EINVAL, 0},       {"200/m", -EINVAL, 0},
            {"200/s ", -EINVAL, 0},    {"1.5/s", -EINVAL, 0},
            {"/s", -EINVAL, 0},        {"", -EINVAL, 0},
            {"4194305/s", -EINVAL, 0}, {"-1/s", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errbuf eb = {{0}, NULL, 0};
        uint64_t got = 7;
        int rc = units_parse_rate(cases[i].in, 1, 4194304, &got, &eb);
        if (rc != cases[i].rc || got != (rc == 0 ? cases[i].want : 7)) {
            fail_msg("rate \"%s\": rc %d got %llu (%s)", cases[i].in, rc, (unsigned long long)got,
                     eb.msg);
        }
    }
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v;
    assert_int_equal(units_parse_rate("200/min", 1, 10, &v, &eb), -EINVAL);
    assert_string_equal(eb.msg, "invalid rate \"200/min\" (not N/s): expected N/s with N from 1 "
                                "to 10, e.g. 200/s");
    assert_int_equal(units_parse_rate("20/s", 1, 10, &v, &eb), -EINVAL);
    assert_non_null(strstr(eb.msg, "(out of range)"));
}

static void test_bool(void **state)
{
    (void)state;
    static const char *const yes[] = {"yes", "YES", "Yes", "true", "TRUE", "on", "On", "1"};
    static const char *const no[] = {"no", "NO", "false", "False", "off", "OFF", "0"};
    static const char *const bad[] = {"", " ", "y", "n", "2", "yes ", " no", "nope", "01", "-1"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        bool b = false;
        assert_int_equal(units_parse_bool(yes[i], &b, NULL), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        bool b = true;
        assert_int_equal(units_parse_bool(no[i], &b, NULL), 0);
        assert_false(b);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct errbuf eb = {{0}, NULL, 0};
        bool b = true;
        if (units_parse_bool(bad[i], &b, &eb) != -EINVAL || !b) {
            fail_msg("bool \"%s\" accepted", bad[i]);
        }
        assert_non_null(strstr(eb.msg, "expected yes/no, true/false, on/off or 1/0"));
    }
    struct errbuf eb = {{0}, NULL, 0};
    bool b;
    assert_int_equal(units_parse_bool(NULL, &b, &eb), -EINVAL);
    assert_int_equal(units_parse_bool("maybe", &b, &eb), -EINVAL);
    assert_string_equal(eb.msg,
                        "invalid boolean \"maybe\": expected yes/no, true/false, on/off or 1/0");
}

static void test_format_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t in;
        const char *out;
    } cases[] = {
            {0, "0B"},
            {12, "12B"},
            {972, "972B"},
            {973, "1K"}, // 0.95K rounds to 1.0K
            {1024, "1K"},
            {1536, "1.5K"},
            {716800, "700K"},
            {1048575, "1M"}, // rounds up into the next unit
            {512ull << 20, "512M"},
            {1610612736, "1.5G"},
            {2ull << 40, "2T"},
            {5ull << 50, "5120T"},
            {UINT64_MAX, "16777216T"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(units_format_bytes(cases[i].in, buf, sizeof(buf)), 0);
        assert_string_equal(buf, cases[i].out);
    }
    assert_int_equal(units_format_bytes(1610612736, buf, 3), -ENOSPC);
    assert_string_equal(buf, "1.");
    assert_int_equal(units_format_bytes(1610612736, buf, 5), 0);
    assert_int_equal(units_format_bytes(1, buf, 0), -ENOSPC);
}

static void test_format_duration(void **state)
{
    (void)state;
    static const struct {
        uint64_t in;
        const char *out;
    } cases[] = {
            {0, "0ms"},
            {250, "250ms"},
            {999, "999ms"},
            {1000, "1s"},
            {12500, "12.5s"},
            {12345, "12.3s"},
            {59999, "59.9s"},
            {60000, "1m"},
            {200000, "3m20s"},
            {3599999, "59m59s"},
            {3600000, "1h"},
            {7500000, "2h5m"},
            {UINT64_MAX, "5124095576030h25m"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(units_format_duration(cases[i].in, buf, sizeof(buf)), 0);
        assert_string_equal(buf, cases[i].out);
    }
    assert_int_equal(units_format_duration(12500, buf, 4), -ENOSPC);
    assert_string_equal(buf, "12.");
    assert_int_equal(units_format_duration(1, buf, 0), -ENOSPC);
}

// What format writes, parse reads back: exactly for round values, cut or rounded otherwise.
static void test_round_trip(void **state)
{
    (void)state;
    char buf[32];
    uint64_t v = 1;
    for (int i = 0; i < 2000; i++) {
        uint64_t ms = v % (UINT64_MAX / 2);
        uint64_t back = 0;
        assert_int_equal(units_format_duration(ms, buf, sizeof(buf)), 0);
        if (units_parse_duration(buf, &back, NULL) != 0) {
            fail_msg("format_duration(%llu) = \"%s\" does not parse", (unsigned long long)ms, buf);
        }
        assert_true(back <= ms && back >= ms - ms / 10);
        uint64_t bytes = v % (UINT64_MAX / 2);
        assert_int_equal(units_format_bytes(bytes, buf, sizeof(buf)), 0);
        if (units_parse_size(buf, 0, &back, NULL) != 0) {
            fail_msg("format_bytes(%llu) = \"%s\" does not parse", (unsigned long long)bytes, buf);
        }
        assert_true(back <= bytes + bytes / 10 + 1 && back + bytes / 10 + 1 >= bytes);
        v = v * 6364136223846793005ull + 1442695040888963407ull; // LCG: spread over all sizes
        v >>= (unsigned)(i % 60);
    }
}

static void test_quote(void **state)
{
    (void)state;
    char buf[UNITS_QUOTE_BYTES];
    units_quote("abc", SIZE_MAX, buf, sizeof(buf));
    assert_string_equal(buf, "\"abc\"");
    units_quote("abcdef", 3, buf, sizeof(buf));
    assert_string_equal(buf, "\"abc\""); // n bytes are the whole value: no "..."
    units_quote("a\tb\x7f", SIZE_MAX, buf, sizeof(buf));
    assert_string_equal(buf, "\"a?b?\"");
    units_quote(NULL, SIZE_MAX, buf, sizeof(buf));
    assert_string_equal(buf, "\"\"");
    char long_in[200];
    memset(long_in, 'x', sizeof(long_in) - 1);
    long_in[sizeof(long_in) - 1] = '\0';
    units_quote(long_in, SIZE_MAX, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 48 + 5);
    assert_memory_equal(buf + 49, "...\"", 5);
    for (size_t len = 1; len < 11; len++) {
        char small[12];
        memset(small, 'Z', sizeof(small));
        units_quote(long_in, SIZE_MAX, small, len);
        assert_true(strlen(small) < len);  // always terminated inside the buffer
        assert_int_equal(small[len], 'Z'); // and nothing written past it
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_size_table),
            cmocka_unit_test(test_size_message_exact),
            cmocka_unit_test(test_size_long_input),
            cmocka_unit_test(test_duration_table),
            cmocka_unit_test(test_duration_message_exact),
            cmocka_unit_test(test_range_table),
            cmocka_unit_test(test_uint_table),
            cmocka_unit_test(test_rate),
            cmocka_unit_test(test_bool),
            cmocka_unit_test(test_format_bytes),
            cmocka_unit_test(test_format_duration),
            cmocka_unit_test(test_round_trip),
            cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
