// SPDX-License-Identifier: MIT
// Strict parsers and formatters for sizes, durations, ranges, counts and booleans. Every
// value is parsed whole (no leading or trailing junk) with overflow checks, and every
// error message quotes the bad value and lists the accepted forms.
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "errbuf.h"

#define FRAC_DIGITS_MAX 18u // 10^18 < 2^63: the fraction numerator always fits a uint64_t

#define SIZE_FORMS "a number with optional K, M, G or T suffix (binary, e.g. 512M, 1.5G)"
#define PCT_FORMS  " or a percentage (e.g. 50%)"
#define DURATION_FORMS                                                                             \
    "a number with unit ms, s, m or h, or a sum like 1m30s (e.g. 250ms, 1.5s, 10m)"

// A decimal number "W" or "W.F" before its unit: value = whole + frac / 10^frac_digits.
struct number {
    uint64_t whole;
    uint64_t frac;
    unsigned frac_digits;
};

static const uint64_t pow10_table[FRAC_DIGITS_MAX + 1] = {
        1ull,
        10ull,
        100ull,
        1000ull,
        10000ull,
        100000ull,
        1000000ull,
        10000000ull,
        100000000ull,
        1000000000ull,
        10000000000ull,
        100000000000ull,
        1000000000000ull,
        10000000000000ull,
        100000000000000ull,
        1000000000000000ull,
        10000000000000000ull,
        100000000000000000ull,
        1000000000000000000ull,
};

void units_quote(const char *s, size_t n, char *buf, size_t len)
{
    if (len == 0) {
        return;
    }
    if (!s) {
        s = "";
    }
    size_t cap = len > 6 ? len - 6 : 0; // room left for the quotes, "..." and NUL
    if (cap > QUOTE_VALUE_MAX) {
        cap = QUOTE_VALUE_MAX;
    }
    size_t out = 0;
    size_t in = 0;
    if (out + 1 < len) {
        buf[out++] = '"';
    }
    for (; in < n && s[in] != '\0' && in < cap; in++) {
        char c = s[in];
        if ((unsigned char)c < 0x20 || c == 0x7f) {
            c = '?';
        }
        buf[out++] = c;
    }
    const char *tail = in < n && s[in] != '\0' ? "...\"" : "\"";
    for (size_t i = 0; tail[i] != '\0' && out + 1 < len; i++) {
        buf[out++] = tail[i];
    }
    buf[out] = '\0';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parse "W" or "W.F" from [s, end). Returns the position after the number, or NULL when
 * there is no number there; *why gets a reason for errors other than plain syntax. */
static const char *parse_number(const char *s, const char *end, struct number *n, const char **why)
{
    const char *p = s;
    *n = (struct number){0};
    if (p >= end || !is_digit(*p)) {
        return NULL;
    }
    for (; p < end && is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n->whole > (UINT64_MAX - d) / 10) {
            *why = "too large";
            return NULL;
        }
        n->whole = n->whole * 10 + d;
    }
    if (p >= end || *p != '.') {
        return p;
    }
    p++;
    if (p >= end || !is_digit(*p)) {
        return NULL; // "1." and "1.G": a dot needs digits after it
    }
    for (; p < end && is_digit(*p); p++) {
        if (n->frac_digits == FRAC_DIGITS_MAX) {
            *why = "too many decimal places";
            return NULL;
        }
        n->frac = n->frac * 10 + (uint64_t)(*p - '0');
        n->frac_digits++;
    }
    return p;
}

/* n * mult, exactly, in 128 bits; *rest gets the remainder of the fractional part (non-zero
 * when the result is not a whole number of the base unit). */
static unsigned __int128 number_scale(const struct number *n, uint64_t mult, uint64_t *rest)
{
    unsigned __int128 frac = (unsigned __int128)n->frac * mult;
    uint64_t div = pow10_table[n->frac_digits];
    *rest = (uint64_t)(frac % div);
    return (unsigned __int128)n->whole * mult + frac / div;
}

static bool ascii_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

// The shift for a K/M/G/T letter, or -1.
static int size_shift(char c)
{
    switch (c) {
    case 'k':
    case 'K':
        return 10;
    case 'm':
    case 'M':
        return 20;
    case 'g':
    case 'G':
        return 30;
    case 't':
    case 'T':
        return 40;
    default:
        return -1;
    }
}

static int size_percent(const struct number *n, uint64_t total, uint64_t *bytes, const char **why)
{
    if (total == 0) {
        *why = "percentages are not accepted here";
        return -EINVAL;
    }
    if (n->whole > 100 || (n->whole == 100 && n->frac != 0)) {
        *why = "more than 100%";
        return -EINVAL;
    }
    // total * (whole + frac/10^d) / 100, exact in 128 bits: total < 2^64, factor <= 10^20.
    unsigned __int128 scaled = (unsigned __int128)n->whole * pow10_table[n->frac_digits] + n->frac;
    unsigned __int128 v = (unsigned __int128)total * scaled;
    v /= (unsigned __int128)pow10_table[n->frac_digits] * 100u;
    *bytes = (uint64_t)v;
    return 0;
}

static int size_parse(const char *s, uint64_t total, uint64_t *bytes, const char **why)
{
    struct number n;
    const char *end = s + strlen(s);
    const char *p = parse_number(s, end, &n, why);
    if (!p) {
        return -EINVAL;
    }
    if (*p == '%' && p[1] == '\0') {
        return size_percent(&n, total, bytes, why);
    }
    int shift = size_shift(*p);
    if (shift < 0) {
        shift = 0;
        if (!(*p == '\0' || ascii_ieq(p, "b"))) {
            return -EINVAL;
        }
        if (n.frac_digits > 0) {
            *why = "a fraction of a byte";
            return -EINVAL;
        }
    } else if (!(p[1] == '\0' || ascii_ieq(p + 1, "b") || ascii_ieq(p + 1, "ib"))) {
        return -EINVAL;
    }
    uint64_t rest;
    unsigned __int128 v = number_scale(&n, (uint64_t)1 << shift, &rest);
    if (v > UINT64_MAX) {
        *why = "too large";
        return -EINVAL;
    }
    *bytes = (uint64_t)v; // a fraction below one byte is dropped: 1.1K is 1126 bytes
    return 0;
}

int units_parse_size(const char *s, uint64_t total_bytes, uint64_t *bytes, struct errbuf *eb)
{
    const char *why = NULL;
    uint64_t v = 0;
    if (s && size_parse(s, total_bytes, &v, &why) == 0) {
        *bytes = v;
        return 0;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid size %s%s%s%s: expected " SIZE_FORMS "%s", q, why ? " (" : "",
                      why ? why : "", why ? ")" : "", total_bytes ? PCT_FORMS : "");
}

// Milliseconds per unit at p, its rank (h 4 > m 3 > s 2 > ms 1) and its length; 0 if none.
static uint64_t duration_unit(const char *p, const char *end, int *rank, size_t *len)
{
    if (p < end && *p == 'm' && p + 1 < end && p[1] == 's') {
        *rank = 1;
        *len = 2;
        return 1;
    }
    *len = 1;
    if (p < end && *p == 'h') {
        *rank = 4;
        return 3600000;
    }
    if (p < end && *p == 'm') {
        *rank = 3;
        return 60000;
    }
    if (p < end && *p == 's') {
        *rank = 2;
        return 1000;
    }
    *len = 0;
    return 0;
}

// Parse the duration in [s, end): sum of components with units in decreasing order.
static int duration_parse_n(const char *s, const char *end, uint64_t *ms, const char **why)
{
    unsigned __int128 total = 0;
    int last_rank = 5;
    const char *p = s;
    while (p < end) {
        struct number n;
        p = parse_number(p, end, &n, why);
        if (!p) {
            return -EINVAL;
        }
        int rank = 0;
        size_t len;
        uint64_t mult = duration_unit(p, end, &rank, &len);
        if (mult == 0) {
            if (p == end && last_rank == 5 && n.whole == 0 && n.frac == 0) {
                break; // a bare "0": zero needs no unit
            }
            *why = p == end && last_rank == 5 ? "no unit" : NULL;
            return -EINVAL;
        }
        if (rank >= last_rank) {
            *why = "units repeated or out of order";
            return -EINVAL;
        }
        last_rank = rank;
        p += len;
        uint64_t rest;
        total += number_scale(&n, mult, &rest);
        if (rest != 0) {
            *why = "finer than 1ms";
            return -EINVAL;
        }
        if (total > UINT64_MAX) {
            *why = "too large";
            return -EINVAL;
        }
    }
    if (p == s) {
        return -EINVAL; // empty
    }
    *ms = (uint64_t)total;
    return 0;
}

int units_parse_duration(const char *s, uint64_t *ms, struct errbuf *eb)
{
    const char *why = NULL;
    uint64_t v = 0;
    if (s && duration_parse_n(s, s + strlen(s), &v, &why) == 0) {
        *ms = v;
        return 0;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid duration %s%s%s%s: expected " DURATION_FORMS, q, why ? " (" : "",
                      why ? why : "", why ? ")" : "");
}

static int range_parse(const char *s, uint64_t *min_ms, uint64_t *max_ms, const char **why)
{
    const char *dots = strstr(s, "..");
    const char *sub = NULL;
    if (!dots) {
        *why = "no \"..\"";
        return -EINVAL;
    }
    if (duration_parse_n(s, dots, min_ms, &sub) != 0) {
        *why = "MIN is not a duration";
        return -EINVAL;
    }
    if (duration_parse_n(dots + 2, s + strlen(s), max_ms, &sub) != 0) {
        *why = "MAX is not a duration";
        return -EINVAL;
    }
    if (*min_ms == 0) {
        *why = "MIN is 0";
        return -EINVAL;
    }
    if (*min_ms > *max_ms) {
        *why = "MIN is above MAX";
        return -EINVAL;
    }
    return 0;
}

int units_parse_duration_range(const char *s, uint64_t *min_ms, uint64_t *max_ms, struct errbuf *eb)
{
    const char *why = NULL;
    uint64_t lo = 0;
    uint64_t hi = 0;
    if (s && range_parse(s, &lo, &hi, &why) == 0) {
        *min_ms = lo;
        *max_ms = hi;
        return 0;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(
            eb,
            "invalid duration range %s%s%s%s: expected MIN..MAX with 0 < MIN <= MAX, each a "
            "number with unit ms, s, m or h (e.g. 1s..5m, 500ms..1m30s)",
            q, why ? " (" : "", why ? why : "", why ? ")" : "");
}

int units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct errbuf *eb)
{
    const char *why = NULL;
    struct number n = {0};
    if (s) {
        const char *end = s + strlen(s);
        const char *p = parse_number(s, end, &n, &why);
        if (p == end && n.frac_digits == 0) {
            if (n.whole >= min && n.whole <= max) {
                *out = n.whole;
                return 0;
            }
            why = "out of range";
        }
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid number %s%s%s%s: expected a whole number from %llu to %llu", q,
                      why ? " (" : "", why ? why : "", why ? ")" : "", (unsigned long long)min,
                      (unsigned long long)max);
}

int units_parse_rate(const char *s, uint64_t min, uint64_t max, uint64_t *per_s, struct errbuf *eb)
{
    const char *why = "not N/s";
    struct number n = {0};
    if (s) {
        const char *end = s + strlen(s);
        const char *p = parse_number(s, end, &n, &why);
        if (p && end - p == 2 && memcmp(p, "/s", 2) == 0 && n.frac_digits == 0) {
            if (n.whole >= min && n.whole <= max) {
                *per_s = n.whole;
                return 0;
            }
            why = "out of range";
        } else if (p) {
            why = "not N/s";
        }
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid rate %s (%s): expected N/s with N from %llu to %llu, e.g. 200/s",
                      q, why ? why : "not N/s", (unsigned long long)min, (unsigned long long)max);
}

int units_parse_bool(const char *s, bool *out, struct errbuf *eb)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (ascii_ieq(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (ascii_ieq(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    return errbuf_set(eb, "invalid boolean %s: expected yes/no, true/false, on/off or 1/0", q);
}

// snprintf into buf; -ENOSPC when cut (buf then holds the truncated text).
static int format_check(int n, size_t len)
{
    if (n < 0) {
        return -EINVAL;
    }
    return (size_t)n >= len ? -ENOSPC : 0;
}

int units_format_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char letters[] = "KMGT";
    if (len == 0) {
        return -ENOSPC;
    }
    // The largest unit in which the value, rounded to tenths, is at least 1.0.
    for (int i = 3; i >= 0; i--) {
        unsigned __int128 unit = (unsigned __int128)1 << (10 * (i + 1));
        unsigned __int128 tenths = ((unsigned __int128)bytes * 10 + unit / 2) / unit;
        if (tenths < 10) {
            continue;
        }
        unsigned long long whole = (unsigned long long)(tenths / 10);
        unsigned frac = (unsigned)(tenths % 10);
        int n = frac ? snprintf(buf, len, "%llu.%u%c", whole, frac, letters[i])
                     : snprintf(buf, len, "%llu%c", whole, letters[i]);
        return format_check(n, len);
    }
    return format_check(snprintf(buf, len, "%lluB", (unsigned long long)bytes), len);
}

int units_format_duration(uint64_t ms, char *buf, size_t len)
{
    int n;
    if (len == 0) {
        return -ENOSPC;
    }
    // Cut, never rounded up, so the text is never longer than the real duration.
    if (ms < 1000) {
        n = snprintf(buf, len, "%llums", (unsigned long long)ms);
    } else if (ms < 60000) {
        unsigned long long s = ms / 1000;
        unsigned tenth = (unsigned)(ms % 1000 / 100);
        n = tenth ? snprintf(buf, len, "%llu.%us", s, tenth) : snprintf(buf, len, "%llus", s);
    } else if (ms < 3600000) {
        unsigned long long m = ms / 60000;
        unsigned s = (unsigned)(ms % 60000 / 1000);
        n = s ? snprintf(buf, len, "%llum%us", m, s) : snprintf(buf, len, "%llum", m);
    } else {
        unsigned long long h = ms / 3600000;
        unsigned m = (unsigned)(ms % 3600000 / 60000);
        n = m ? snprintf(buf, len, "%lluh%um", h, m) : snprintf(buf, len, "%lluh", h);
    }
    return format_check(n, len);
}
