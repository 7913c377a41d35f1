// SPDX-License-Identifier: MIT
// The report's small helpers: the journal's time format, JSON access that tolerates
// missing members and wrong types, and sizes and durations in words.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "report.h"
#include "report_int.h"
#include "units.h"

int report_parse_time(const char *s, uint64_t *ms)
{
    struct tm tm;
    int n = 0;
    unsigned frac = 0;
    memset(&tm, 0, sizeof(tm));
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n != 19) {
        return -EINVAL;
    }
    const char *p = s + n;
    if (*p == '.') {
        unsigned digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits < 3) {
                frac = frac * 10 + (unsigned)(*p - '0');
            }
        }
        for (; digits < 3; digits++) {
            frac *= 10;
        }
    }
    if (strcmp(p, "Z") != 0 || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return -EINVAL;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t secs = timegm(&tm);
    if (secs < 0) {
        return -EINVAL;
    }
    *ms = (uint64_t)secs * 1000u + frac;
    return 0;
}

/* ---- small JSON helpers (journal values may be missing or of the wrong type) ---- */

const char *rpt_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

uint64_t rpt_uint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        return (uint64_t)json_integer_value(v);
    }
    if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 1.8e19) {
        return (uint64_t)json_real_value(v);
    }
    return 0;
}

bool rpt_int(json_t *o, const char *key, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

int rpt_cut(const char *s, int max)
{
    int n = 0;
    while (s[n] && n < max) {
        n++;
    }
    while (n > 0 && s[n] && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--; // do not cut a UTF-8 sequence: jansson refuses invalid UTF-8
    }
    return n;
}

void rpt_mib(uint64_t bytes, char *buf, size_t len)
{
    if (bytes < RPT_MIB) {
        (void)snprintf(buf, len, "%.0f KiB", (double)bytes / 1024.0);
    } else {
        (void)snprintf(buf, len, "%.1f MiB", (double)bytes / (double)RPT_MIB);
    }
}

void rpt_dur(uint64_t ms, char *buf, size_t len)
{
    if (ms >= 600000u) {
        ms = (ms + 30000u) / 60000u * 60000u; // past 10 min, whole minutes read better
    } else if (ms >= 10000u) {
        ms = (ms + 500u) / 1000u * 1000u;
    }
    if (units_format_duration(ms, buf, len) < 0) {
        (void)snprintf(buf, len, "?");
    }
}

void rpt_add(json_t *arr, json_t *item)
{
    if (item) {
        (void)json_array_append_new(arr, item);
    }
}

json_t *rpt_rec(const char *code, json_t *text, json_t *evidence)
{
    if (!text || !evidence) {
        json_decref(text);
        json_decref(evidence);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:o}", "code", code, "text", text, "evidence", evidence);
}
