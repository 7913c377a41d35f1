// SPDX-License-Identifier: MIT
// libFuzzer target for units.c: every parser on the input as one string; a parser either
// fails with a message or succeeds, and what the formatters write parses back.
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define INPUT_MAX 4096u // longer inputs add nothing but time

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_units: %s\n", what);
        abort();
    }
}

// A failed parse must say what was wrong: a non-empty message naming the accepted forms.
static void check_error(int rc, const struct errbuf *eb)
{
    check(rc == 0 || rc == -EINVAL, "rc is 0 or -EINVAL");
    check(rc == 0 || (eb->msg[0] != '\0' && strstr(eb->msg, "expected") != NULL),
          "an error message with the accepted forms");
}

static void fuzz_size(const char *s)
{
    struct errbuf eb = {{0}, NULL, 0};
    char buf[32];
    uint64_t bytes = 0;
    int rc = units_parse_size(s, 8ull << 30, &bytes, &eb);
    check_error(rc, &eb);
    check(rc != 0 || strchr(s, '%') == NULL || bytes <= (8ull << 30), "N% is at most the total");
    rc = units_parse_size(s, 0, &bytes, &eb);
    check_error(rc, &eb);
    if (rc == 0 && bytes < (UINT64_MAX >> 1)) {
        uint64_t back = 0;
        check(units_format_bytes(bytes, buf, sizeof(buf)) == 0, "format_bytes fits 32 bytes");
        check(units_parse_size(buf, 0, &back, NULL) == 0, "format_bytes output parses");
    }
}

static void fuzz_duration(const char *s)
{
    struct errbuf eb = {{0}, NULL, 0};
    char buf[32];
    uint64_t ms = 0;
    uint64_t hi = 0;
    int rc = units_parse_duration(s, &ms, &eb);
    check_error(rc, &eb);
    if (rc == 0) {
        uint64_t back = 0;
        check(units_format_duration(ms, buf, sizeof(buf)) == 0, "format_duration fits");
        check(units_parse_duration(buf, &back, NULL) == 0, "format_duration output parses");
        check(back <= ms, "format_duration never rounds up");
    }
    rc = units_parse_duration_range(s, &ms, &hi, &eb);
    check_error(rc, &eb);
    check(rc != 0 || (ms > 0 && ms <= hi), "0 < MIN <= MAX");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char s[INPUT_MAX + 1];
    struct errbuf eb = {{0}, NULL, 0};
    uint64_t v = 0;
    bool b = false;
    if (size > INPUT_MAX) {
        size = INPUT_MAX;
    }
    memcpy(s, data, size); // an inner NUL just ends the string early
    s[size] = '\0';
    fuzz_size(s);
    fuzz_duration(s);
    int rc = units_parse_uint(s, 1, 1000000, &v, &eb);
    check_error(rc, &eb);
    check(rc != 0 || (v >= 1 && v <= 1000000), "uint within bounds");
    check_error(units_parse_bool(s, &b, &eb), &eb);
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, size, q, sizeof(q));
    check(strlen(q) < sizeof(q), "quote fits");
    return 0;
}
