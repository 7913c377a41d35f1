// SPDX-License-Identifier: MIT
// Tests of the report module (report.c, report_rec.c, report_text.c, report_html.c) on
// journals built here, one event line at a time: a crash loop from the first second, OOM
// kills sized by the VPA rule and its OOM bump, a leak, a healthy service, a process storm,
// exec failures, hostile and missing input, and the HTML page's charts, escaping and bounds.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "journal.h"
#include "report.h"

#define MIB   (1024ull * 1024ull)
#define NOW   1800000000000ull // ms, about 2027
#define EVIL  "<script>alert(\\\"x\\\")</script> & \\\"q\\\""
#define NFINE 3600u

/* ---- building inputs ---- */

// Append {"time": ..., "service": "svc", <members>} to arr; members is printf-formatted.
__attribute__((format(printf, 3, 4))) static void ev(json_t *arr, uint64_t t_ms,
                                                     const char *members, ...)
{
    char ts[32], body[2048], line[2200];
    va_list ap;
    assert_int_equal(journal_format_time(t_ms, ts, sizeof(ts)), 0);
    va_start(ap, members);
    int n = vsnprintf(body, sizeof(body), members, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(body));
    n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"service\":\"svc\",%s}", ts, body);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    if (!o) {
        fail_msg("bad test event %s: %s", line, err.text);
    }
    assert_int_equal(json_array_append_new(arr, o), 0);
}

static void exit_code(json_t *arr, uint64_t t, int code, uint64_t uptime_ms, uint64_t peak)
{
    ev(arr, t - uptime_ms, "\"type\":\"start\",\"pid\":100");
    ev(arr, t - uptime_ms, "\"type\":\"running\",\"pid\":100");
    ev(arr, t,
       "\"type\":\"exit\",\"kind\":\"exited\",\"reason\":\"exit code %d\",\"code\":%d,"
       "\"signal\":null,\"uptime_ms\":%llu,\"memory_peak_bytes\":%llu,\"memory_max_bytes\":0",
       code, code, (unsigned long long)uptime_ms, (unsigned long long)peak);
}

static void oom(json_t *arr, uint64_t t, uint64_t usage, uint64_t limit, const char *reason)
{
    ev(arr, t - 60000, "\"type\":\"start\",\"pid\":100");
    ev(arr, t,
       "\"type\":\"exit\",\"kind\":\"oom-killed\",\"reason\":\"%s\",\"code\":null,\"signal\":9,"
       "\"victim\":\"main\",\"limit\":\"memory_max\",\"usage_at_kill_bytes\":%llu,"
       "\"memory_peak_bytes\":%llu,\"memory_max_bytes\":%llu,\"uptime_ms\":60000",
       reason, (unsigned long long)usage, (unsigned long long)usage, (unsigned long long)limit);
}

static struct report_input input(json_t *events)
{
    struct report_input in = {.service = "svc", .events = events, .now_ms = NOW};
    return in;
}

static json_t *status_running(double uptime_s)
{
    json_t *st = json_pack("{s:s, s:s, s:f, s:{s:I, s:I, s:I}}", "name", "svc", "state", "running",
                           "uptime_s", uptime_s, "memory", "current_bytes", (json_int_t)(20 * MIB),
                           "peak_bytes", (json_int_t)(30 * MIB), "max_bytes", (json_int_t)0);
    assert_non_null(st);
    return st;
}

/* ---- reading outputs ---- */

static const char *verdict_code(json_t *r)
{
    return json_string_value(json_object_get(json_object_get(r, "verdict"), "code"));
}

static const char *verdict_text(json_t *r)
{
    return json_string_value(json_object_get(json_object_get(r, "verdict"), "text"));
}

static json_t *find_rec(json_t *r, const char *code)
{
    json_t *rec;
    size_t i;
    json_array_foreach(json_object_get(r, "recommendations"), i, rec)
    {
        const char *c = json_string_value(json_object_get(rec, "code"));
        if (c && strcmp(c, code) == 0) {
            return rec;
        }
    }
    return NULL;
}

static const char *rec_text(json_t *r, const char *code)
{
    json_t *rec = find_rec(r, code);
    if (!rec) {
        fail_msg("no %s recommendation", code);
    }
    return json_string_value(json_object_get(rec, "text"));
}

static long long rec_int(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

// Render with report_text (html false) or report_html into a malloc'd string.
static char *render(json_t *r, const struct report_input *in, bool html)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(html ? report_html(r, in, f) : report_text(r, f), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

// strstr that says what it looked for and in what, when it fails
#define assert_contains(hay, needle) contains_(hay, needle, __FILE__, __LINE__)
static void contains_(const char *hay, const char *needle, const char *file, int line)
{
    if (!hay || !strstr(hay, needle)) {
        print_error("%s:%d: \"%s\" not in \"%.600s\"\n", file, line, needle, hay ? hay : "(null)");
        fail();
    }
}

/* ---- the cases ---- */

// Exit code 2 about 300 ms after every start, from the first second: crash-looping,
// deterministic, and a memory_max from the instances' own peaks (30..39 MiB: nearest-rank
// p90 of 10 is 38 MiB, x 1.15 = 43.7 MiB, rounded up to 44 MiB).
static void test_crash_loop_first_second(void **state)
{
    (void)state;
    json_t *evs = json_array();
    for (unsigned i = 0; i < 10; i++) {
        exit_code(evs, NOW - 60000 + i * 2000, 2, 300, (30 + i) * MIB);
    }
    ev(evs, NOW - 41000,
       "\"type\":\"crash-looping\",\"consecutive_failures\":10,"
       "\"reason\":\"10 consecutive failures\"");
    struct report_input in = input(evs);
    json_t *r = report_build(&in);
    assert_non_null(r);
    assert_string_equal(verdict_code(r), "crash-looping");
    assert_contains(verdict_text(r), "exits with code 2 every time");
    assert_contains(verdict_text(r), "deterministic");
    json_t *det = find_rec(r, "deterministic-crash");
    assert_non_null(det);
    assert_int_equal(rec_int(det, "exit_code"), 2);
    assert_contains(rec_text(r, "deterministic-crash"), "deterministic");
    // instances that died 300 ms after start were never measured: no memory_max number (issue
    // 11: it used to propose 44 MiB from them), and the sizing says why
    assert_null(find_rec(r, "memory-max"));
    json_t *sizing = json_object_get(json_object_get(r, "memory"), "sizing");
    assert_int_equal(json_integer_value(json_object_get(sizing, "recommended_bytes")), 0);
    assert_contains(json_string_value(json_object_get(sizing, "note")), "none was measured");
    // the timeline collapses the run: one entry, 10 times
    json_t *tl = json_object_get(r, "timeline");
    json_t *first = json_array_get(tl, 0);
    assert_string_equal(json_string_value(json_object_get(first, "text")), "exit code 2");
    assert_int_equal(json_integer_value(json_object_get(first, "count")), 10);
    char *text = render(r, &in, false);
    assert_memory_equal(text, "warden report: svc", 18);
    assert_contains(text, "VERDICT  crash-looping because it exits with code 2");
    assert_contains(text, "exit code 2 ×10 between");
    free(text);
    json_decref(r);
    json_decref(evs);
}

// 3 OOM kills in the last hour (and one 2 h ago, smaller): the OOM bump of the largest usage
// at a kill wins over p90 x 1.15. Both sides of max(usage + 100 MiB, usage x 1.2).
static void test_oom_three_in_hour(void **state)
{
    (void)state;
    static const struct {
        uint64_t usage, want;
    } cases[] = {
            {256 * MIB, 356 * MIB},   // + 100 MiB is larger
            {1000 * MIB, 1200 * MIB}, // x 1.2 is larger
            {501 * MIB, 602 * MIB},   // 601.2 MiB, rounded up to whole MiB
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint64_t u = cases[c].usage, limit = u;
        json_t *evs = json_array();
        oom(evs, NOW - 7200000, u / 2, limit, "main process OOM-killed");
        oom(evs, NOW - 3000000, u - MIB, limit, "main process OOM-killed");
        oom(evs, NOW - 2000000, u, limit, "main process OOM-killed");
        oom(evs, NOW - 1000000, u - 2 * MIB, limit, "main process OOM-killed");
        ev(evs, NOW - 999000, "\"type\":\"start\",\"pid\":101");
        ev(evs, NOW - 999000, "\"type\":\"running\",\"pid\":101");
        struct report_input in = input(evs);
        in.memory_max_bytes = limit;
        json_t *r = report_build(&in);
        assert_non_null(r);
        assert_string_equal(verdict_code(r), "oom-killed");
        assert_contains(verdict_text(r), "OOM-killed 3 times in the last hour");
        json_t *mem = find_rec(r, "memory-max");
        assert_non_null(mem);
        uint64_t got = (uint64_t)rec_int(mem, "recommended_bytes");
        uint64_t bump = u + 100 * MIB > u * 6 / 5 ? u + 100 * MIB : u * 6 / 5;
        assert_true(got >= bump);
        assert_int_equal(got, cases[c].want);
        char k8s[32];
        (void)snprintf(k8s, sizeof(k8s), "%lluMi", (unsigned long long)(cases[c].want / MIB));
        assert_int_equal(rec_int(mem, "ecs_memory_mib"), cases[c].want / MIB);
        assert_string_equal(json_string_value(json_object_get(mem, "k8s_limits_memory")), k8s);
        assert_contains(rec_text(r, "memory-max"), k8s);
        json_t *exits = json_object_get(r, "exits");
        assert_int_equal(json_array_size(exits), 4);
        json_t *e = json_array_get(exits, 2);
        assert_int_equal(json_integer_value(json_object_get(e, "peak_pct_of_limit")), 100);
        assert_contains(json_string_value(json_object_get(e, "classification")),
                        "OOM-killed by the kernel at memory_max");
        json_decref(r);
        json_decref(evs);
    }
}

// A leak-suspected event of 1 MiB/min with 30 min to the limit.
static void test_leak(void **state)
{
    (void)state;
    json_t *evs = json_array();
    ev(evs, NOW - 7200000, "\"type\":\"start\",\"pid\":100");
    ev(evs, NOW - 7200000, "\"type\":\"running\",\"pid\":100");
    ev(evs, NOW - 60000,
       "\"type\":\"leak-suspected\",\"rate_bytes_per_s\":%.4f,\"r2\":0.97,\"points\":60,"
       "\"usage_bytes\":%llu,\"limit_bytes\":%llu,\"eta_s\":1800.0",
       (double)MIB / 60.0, (unsigned long long)(200 * MIB), (unsigned long long)(230 * MIB));
    json_t *st = status_running(7200);
    struct report_input in = input(evs);
    in.status = st;
    in.memory_max_bytes = 256 * MIB;
    json_t *r = report_build(&in);
    assert_non_null(r);
    assert_string_equal(verdict_code(r), "leak");
    assert_contains(verdict_text(r), "leaking 1.00 MiB/min");
    assert_contains(verdict_text(r), "limit reached in ~30m");
    assert_contains(rec_text(r, "leak"), "a bigger memory_max only postpones the crash");
    assert_contains(rec_text(r, "leak"), "1.00 MiB/min");
    json_t *leak = json_object_get(r, "leak");
    assert_true(json_is_object(leak));
    assert_string_equal(json_string_value(json_object_get(leak, "source")), "event");
    json_decref(r);
    json_decref(st);
    json_decref(evs);
}

// Up for two hours, an old clean exit, no incidents: healthy.
static void test_healthy(void **state)
{
    (void)state;
    json_t *evs = json_array();
    exit_code(evs, NOW - 9000000, 0, 600000, 25 * MIB);
    ev(evs, NOW - 7200000, "\"type\":\"start\",\"pid\":100");
    ev(evs, NOW - 7200000, "\"type\":\"running\",\"pid\":100");
    json_t *st = status_running(7200);
    struct report_input in = input(evs);
    in.status = st;
    json_t *r = report_build(&in);
    assert_non_null(r);
    assert_string_equal(verdict_code(r), "healthy");
    assert_memory_equal(verdict_text(r), "healthy", 7);
    assert_int_equal(json_array_size(json_object_get(r, "findings")), 1);
    assert_null(find_rec(r, "deterministic-crash"));
    json_decref(r);
    json_decref(st);
    json_decref(evs);
}

// A process storm: the forking command and its parent, from the snapshot, are named.
static void test_process_storm(void **state)
{
    (void)state;
    json_t *evs = json_array();
    ev(evs, NOW - 600000, "\"type\":\"start\",\"pid\":100");
    ev(evs, NOW - 60000,
       "\"type\":\"process-storm\",\"pids\":1000,\"threshold\":1000,\"frozen\":true,"
       "\"snapshot\":{\"processes\":1000,\"truncated\":false,\"ungrouped\":0,\"top\":["
       "{\"count\":998,\"command\":\"sh\",\"parent_pid\":1234,\"parent\":\"node /app/agent.js\"},"
       "{\"count\":2,\"command\":\"node\",\"parent_pid\":1,\"parent\":\"warden\"}],"
       "\"summary\":\"998 x sh, parent 1234 node /app/agent.js; 2 x node, parent 1 warden\"}");
    ev(evs, NOW - 59000,
       "\"type\":\"exit\",\"kind\":\"killed-by-warden\",\"reason\":\"process-storm: the cgroup "
       "was killed; main process: signal 9 (SIGKILL)\",\"code\":null,\"signal\":9,"
       "\"uptime_ms\":541000");
    struct report_input in = input(evs);
    in.pids_max = 2000;
    json_t *r = report_build(&in);
    assert_non_null(r);
    assert_string_equal(verdict_code(r), "process-storm");
    const char *t = rec_text(r, "process-storm");
    assert_contains(t, "\"sh\"");
    assert_contains(t, "pid 1234 \"node /app/agent.js\"");
    json_t *rec = find_rec(r, "process-storm");
    assert_string_equal(json_string_value(json_object_get(rec, "parent")), "node /app/agent.js");
    assert_int_equal(rec_int(rec, "count"), 998);
    json_decref(r);
    json_decref(evs);
}

// Exec failures: the verdict says so and the recommendation names what to fix.
static void test_exec_failure(void **state)
{
    (void)state;
    static const struct {
        const char *err, *reason, *want;
    } cases[] = {
            {"ENOENT", "exec failed: No such file or directory", "check the path"},
            {"EACCES", "exec failed: Permission denied", "chmod +x"},
            {"EPERM", "user switch failed: Operation not permitted", "the user switch step"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        json_t *evs = json_array();
        for (unsigned i = 0; i < 3; i++) {
            ev(evs, NOW - 5000 + i * 1000, "\"type\":\"start\",\"pid\":0");
            ev(evs, NOW - 5000 + i * 1000,
               "\"type\":\"exit\",\"kind\":\"exec-failed\",\"reason\":\"%s\",\"errno\":\"%s\","
               "\"code\":127,\"signal\":null,\"uptime_ms\":0",
               cases[c].reason, cases[c].err);
        }
        ev(evs, NOW - 2000, "\"type\":\"failed\",\"reason\":\"exec failed 3 times in a row\"");
        struct report_input in = input(evs);
        in.command = "/opt/app/bin/server --port 8080";
        json_t *r = report_build(&in);
        assert_non_null(r);
        assert_string_equal(verdict_code(r), "exec-failure");
        assert_contains(verdict_text(r), cases[c].err);
        assert_contains(rec_text(r, "exec-failure"), cases[c].want);
        assert_null(find_rec(r, "memory-max")); // it never ran: no sizing
        json_decref(r);
        json_decref(evs);
    }
}

// Missing and hostile input: a report still comes back, and says there is no data.
static void test_hostile_input(void **state)
{
    (void)state;
    json_t *bad = json_loads("[1, \"x\", null, {}, {\"type\": 7}, {\"type\":\"exit\"},"
                             "{\"type\":\"exit\",\"kind\":\"oom-killed\",\"time\":\"garbage\","
                             "\"usage_at_kill_bytes\":-5,\"memory_max_bytes\":\"a lot\"},"
                             "{\"type\":\"process-storm\",\"snapshot\":[]},"
                             "{\"type\":\"leak-suspected\",\"rate_bytes_per_s\":\"fast\"}]",
                             0, NULL);
    assert_non_null(bad);
    json_t *inputs[] = {NULL, json_object(), bad};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct report_input in = input(inputs[i]);
        in.service = NULL;
        json_t *r = report_build(&in);
        assert_non_null(r);
        assert_non_null(verdict_code(r));
        if (i < 2) {
            assert_string_equal(verdict_code(r), "no-data");
        }
        char *text = render(r, &in, false), *html = render(r, &in, true);
        assert_contains(html, "<svg id=\"memory-chart\"");
        free(text);
        free(html);
        json_decref(r);
        json_decref(inputs[i]);
    }
}

// The JSON: schema, verdict, exits and recommendations, and it round-trips through text.
static void test_json_schema(void **state)
{
    (void)state;
    json_t *evs = json_array();
    oom(evs, NOW - 1000000, 100 * MIB, 100 * MIB, "main process OOM-killed");
    exit_code(evs, NOW - 500000, 1, 20000, 50 * MIB);
    struct report_input in = input(evs);
    json_t *r = report_build(&in);
    assert_non_null(r);
    char *dump = json_dumps(r, JSON_COMPACT);
    assert_non_null(dump);
    json_t *back = json_loads(dump, 0, NULL);
    assert_non_null(back);
    assert_string_equal(json_string_value(json_object_get(back, "schema")), "warden.report/1");
    assert_string_equal(json_string_value(json_object_get(back, "schema")), REPORT_SCHEMA);
    json_t *v = json_object_get(back, "verdict");
    assert_true(json_is_string(json_object_get(v, "code")));
    assert_true(json_is_string(json_object_get(v, "severity")));
    assert_true(json_is_string(json_object_get(v, "text")));
    assert_int_equal(json_array_size(json_object_get(back, "exits")), 2);
    assert_true(json_array_size(json_object_get(back, "recommendations")) >= 1);
    assert_true(json_is_array(json_object_get(back, "timeline")));
    assert_true(json_is_object(json_object_get(back, "memory")));
    assert_true(json_is_object(json_object_get(back, "summary")));
    assert_string_equal(json_string_value(json_object_get(back, "generated_at")),
                        "2027-01-15T08:00:00.000Z");
    json_t *e = json_array_get(json_object_get(back, "exits"), 1);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "exited");
    assert_true(json_is_true(json_object_get(e, "failure")));
    free(dump);
    json_decref(back);
    json_decref(r);
    json_decref(evs);
}

// The page: both charts, the limit line, OOM markers, escaping, no script, no URL, and
// the work bounded (3600 samples and 300 kills become at most REPORT_CHART_POINTS points
// and REPORT_MARKERS_MAX markers per chart).
static void test_html(void **state)
{
    (void)state;
    static struct report_point fine[NFINE];
    json_t *evs = json_array();
    for (unsigned i = 0; i < NFINE; i++) {
        fine[i].t_ms = NOW - (NFINE - i) * 1000ull;
        fine[i].mem_bytes = (100 + i % 150) * MIB;
        fine[i].mem_peak_bytes = fine[i].mem_bytes;
        fine[i].pids = 3 + i % 7;
    }
    oom(evs, NOW - 1800000, 256 * MIB, 256 * MIB, EVIL);
    for (unsigned i = 0; i < 300; i++) {
        oom(evs, NOW - 1700000 + i * 5000, 250 * MIB, 256 * MIB, "main process OOM-killed");
    }
    ev(evs, NOW - 1000,
       "\"type\":\"pids-warn\",\"pids\":9,\"threshold\":8,\"snapshot\":{\"top\":"
       "[{\"count\":6,\"command\":\"" EVIL "\",\"parent_pid\":1,\"parent\":\"x\"}],"
       "\"summary\":\"6 x " EVIL "\"}");
    struct report_input in = input(evs);
    in.service = "svc<b>";
    in.command = "/bin/app --name \"<i>\"";
    in.fine = fine;
    in.nfine = NFINE;
    in.memory_max_bytes = 256 * MIB;
    in.memory_restart_bytes = 200 * MIB;
    in.pids_max = 64;
    json_t *r = report_build(&in);
    assert_non_null(r);
    char *html = render(r, &in, true);
    assert_contains(html, "<svg id=\"memory-chart\"");
    assert_contains(html, "<svg id=\"pids-chart\"");
    assert_contains(html, "<svg id=\"restarts-chart\"");
    assert_contains(html, "<line class=\"lim\"");
    assert_contains(html, "memory_max 256.0 MiB");
    assert_contains(html, "memory_restart 200.0 MiB");
    assert_contains(html, "pids_max 64");
    assert_contains(html, "<line class=\"mk oom\"");
    assert_contains(html, "<title>OOM kill at ");
    assert_contains(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;");
    assert_contains(html, "svc&lt;b&gt;");
    assert_null(strcasestr(html, "<script"));
    assert_null(strstr(html, "<b>"));
    assert_null(strstr(html, "<i>"));
    assert_int_equal(count(html, "http"), count(html, "http://www.w3.org/2000/svg\""));
    assert_int_equal(count(html, "http://www.w3.org/2000/svg\""), 3);
    // bounds: the memory line has at most REPORT_CHART_POINTS vertices; markers are capped
    const char *line = strstr(html, "<path class=\"line\" d=\"");
    assert_non_null(line);
    size_t dlen = strcspn(line + 22, "\"");
    unsigned vertices = 0;
    for (size_t i = 0; i < dlen; i++) {
        vertices += line[22 + i] == 'L' || line[22 + i] == 'M';
    }
    assert_true(vertices > 100 && vertices <= REPORT_CHART_POINTS);
    const char *pids = strstr(html, "<svg id=\"pids-chart\"");
    unsigned oom_marks = 0;
    for (const char *p = strstr(html, "<line class=\"mk oom\""); p && p < pids;
         p = strstr(p + 1, "<line class=\"mk oom\"")) {
        oom_marks++;
    }
    assert_int_equal(oom_marks, REPORT_MARKERS_MAX);
    assert_contains(html, "Not drawn: ");
    assert_true(strlen(html) < 400000);
    free(html);
    json_decref(r);
    json_decref(evs);
}

// The coarse series draws a min/max band when the fine one is absent; no history at all
// still draws the axes and the markers over the journal's span.
static void test_html_coarse_and_empty(void **state)
{
    (void)state;
    static struct report_minute coarse[2880];
    for (unsigned i = 0; i < 2880; i++) {
        coarse[i] = (struct report_minute){.t_ms = NOW - (2880 - i) * 60000ull,
                                           .mem_min = 50 * MIB,
                                           .mem_avg = 60 * MIB,
                                           .mem_max = 70 * MIB,
                                           .mem_peak_max = 72 * MIB,
                                           .pids_min = 1,
                                           .pids_avg = 2,
                                           .pids_max = 3};
    }
    json_t *evs = json_array();
    oom(evs, NOW - 600000, 80 * MIB, 80 * MIB, "main process OOM-killed");
    struct report_input in = input(evs);
    in.coarse = coarse;
    in.ncoarse = 2880;
    json_t *r = report_build(&in);
    char *html = render(r, &in, true);
    assert_contains(html, "<path class=\"band\" d=\"M");
    assert_contains(html, "1 min min/avg/max");
    assert_contains(html, "<line class=\"mk oom\"");
    free(html);
    json_decref(r);
    in.coarse = NULL;
    in.ncoarse = 0;
    r = report_build(&in);
    html = render(r, &in, true);
    assert_contains(html, "no history for this window");
    assert_contains(html, "<line class=\"mk oom\"");
    free(html);
    json_decref(r);
    json_decref(evs);
}

static void test_parse_time(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int rc;
        uint64_t ms;
    } cases[] = {
            {"2027-01-15T08:00:00.000Z", 0, NOW},
            {"2027-01-15T08:00:00Z", 0, NOW},
            {"2027-01-15T08:00:00.5Z", 0, NOW + 500},
            {"2027-01-15T08:00:00.123456Z", 0, NOW + 123},
            {"2027-01-15T08:00:00", -EINVAL, 0},
            {"2027-01-15 08:00:00Z", -EINVAL, 0},
            {"2027-13-15T08:00:00Z", -EINVAL, 0},
            {"garbage", -EINVAL, 0},
            {"", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t ms = 0;
        assert_int_equal(report_parse_time(cases[i].s, &ms), cases[i].rc);
        if (cases[i].rc == 0) {
            assert_int_equal(ms, cases[i].ms);
        }
    }
    uint64_t ms;
    assert_int_equal(report_parse_time(NULL, &ms), -EINVAL);
}

// Issue 11: the judgement on real programs, from journals as the daemon writes them.
static void runtime_abort(json_t *arr, uint64_t t, uint64_t peak)
{
    ev(arr, t - 5000, "\"type\":\"start\",\"pid\":100");
    ev(arr, t,
       "\"type\":\"exit\",\"kind\":\"killed\",\"reason\":\"the node runtime ran out of "
       "memory\",\"code\":null,\"signal\":6,\"uptime_ms\":5000,\"memory_peak_bytes\":%llu,"
       "\"memory_max_bytes\":%llu,\"runtime_oom\":{\"runtime\":\"node\",\"line\":\"FATAL "
       "ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\"},"
       "\"tail\":[\"FATAL ERROR: Reached heap limit\"]",
       (unsigned long long)peak, (unsigned long long)(512 * MIB));
}

static void test_runtime_oom(void **state)
{
    (void)state;
    json_t *evs = json_array();
    for (unsigned i = 0; i < 6; i++) {
        runtime_abort(evs, NOW - 60000 + i * 6000, 265 * MIB);
    }
    struct report_input in = input(evs);
    in.memory_max_bytes = 512 * MIB;
    in.memory_restart_bytes = 400 * MIB;
    in.command = "/usr/bin/node server.js";
    in.heap_cap_bytes = 259 * MIB;
    in.heap_cap_source = "V8 default from the cgroup limit";
    json_t *r = report_build(&in);
    assert_string_equal(verdict_code(r), "runtime-oom");
    assert_contains(verdict_text(r), "JavaScript heap out of memory");
    json_t *first = json_array_get(json_object_get(r, "recommendations"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "code")), "runtime-heap");
    assert_contains(rec_text(r, "runtime-heap"), "259.0 MiB");
    assert_contains(rec_text(r, "runtime-heap"), "memory_restart never fires");
    assert_string_equal(json_string_value(json_object_get(first, "problem")), "heap");
    // never "deterministic" (signal 6 every time, within 10 s), and no memory_max number from
    // instances the heap cut short
    assert_null(find_rec(r, "deterministic-crash"));
    assert_null(find_rec(r, "memory-max"));
    json_decref(r);
    // the same with a leak across instances: the state is the problem
    ev(evs, NOW - 20000,
       "\"type\":\"leak-suspected\",\"scope\":\"across-instances\",\"rate_bytes_per_s\":"
       "50000000.0,\"instances\":3,\"lifetime_ms\":5300,\"limit\":\"runtime heap\","
       "\"eta_s\":5.3");
    r = report_build(&in);
    assert_string_equal(verdict_code(r), "runtime-oom");
    first = json_array_get(json_object_get(r, "recommendations"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "problem")), "state");
    assert_contains(rec_text(r, "leak"), "only postpones");
    assert_null(find_rec(r, "memory-restart")); // no advice to raise a limit for a leak
    json_decref(r);
    json_decref(evs);
}

static void test_daemon_and_port(void **state)
{
    (void)state;
    json_t *evs = json_array();
    for (unsigned i = 0; i < 5; i++) {
        ev(evs, NOW - 30000 + i * 2000, "\"type\":\"start\",\"pid\":100");
        ev(evs, NOW - 30000 + i * 2000 + 10,
           "\"type\":\"exit\",\"kind\":\"exited\",\"reason\":\"daemonized\",\"code\":0,"
           "\"signal\":null,\"uptime_ms\":10,\"memory_peak_bytes\":1048576,"
           "\"left_processes\":1,\"left_command\":\"nginx\",\"daemonized\":true");
    }
    struct report_input in = input(evs);
    in.command = "/usr/sbin/nginx";
    json_t *r = report_build(&in);
    assert_string_equal(verdict_code(r), "daemonized");
    json_t *first = json_array_get(json_object_get(r, "recommendations"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "code")), "daemonized");
    assert_contains(rec_text(r, "daemonized"), "daemon off;");
    assert_null(find_rec(r, "memory-max")); // a daemon's stub is no size
    json_decref(r);
    json_decref(evs);
    // a program binding the address warden holds for it: it does not take LISTEN_FDS
    evs = json_array();
    for (unsigned i = 0; i < 3; i++) {
        ev(evs, NOW - 9000 + i * 3000, "\"type\":\"start\",\"pid\":100");
        ev(evs, NOW - 9000 + i * 3000 + 50,
           "\"type\":\"exit\",\"kind\":\"exited\",\"reason\":\"exit code 1\",\"code\":1,"
           "\"signal\":null,\"uptime_ms\":50,\"bind_error\":\"Error: listen EADDRINUSE: "
           "address already in use :::8080\"");
    }
    in = input(evs);
    r = report_build(&in);
    assert_contains(rec_text(r, "listen-fds"), "does not take LISTEN_FDS");
    json_decref(r);
    json_decref(evs);
    // a held listen address: port-conflict, not exec-failure, and the holder named
    evs = json_array();
    for (unsigned i = 0; i < 3; i++) {
        ev(evs, NOW - 9000 + i * 3000,
           "\"type\":\"port-conflict\",\"address\":\"tcp:127.0.0.1:8080\",\"error\":"
           "\"EADDRINUSE\",\"holder\":\"pid 812 (nginx: master)\"");
        ev(evs, NOW - 9000 + i * 3000,
           "\"type\":\"exit\",\"kind\":\"exec-failed\",\"reason\":\"listen on "
           "tcp:127.0.0.1:8080 failed: Address already in use\",\"errno\":\"EADDRINUSE\","
           "\"code\":null,\"signal\":null,\"uptime_ms\":0");
    }
    in = input(evs);
    r = report_build(&in);
    assert_string_equal(verdict_code(r), "port-conflict");
    assert_contains(verdict_text(r), "pid 812 (nginx: master)");
    assert_non_null(find_rec(r, "port-conflict"));
    assert_null(find_rec(r, "exec-failure"));
    json_decref(r);
    json_decref(evs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_crash_loop_first_second),
            cmocka_unit_test(test_runtime_oom),
            cmocka_unit_test(test_daemon_and_port),
            cmocka_unit_test(test_oom_three_in_hour),
            cmocka_unit_test(test_leak),
            cmocka_unit_test(test_healthy),
            cmocka_unit_test(test_process_storm),
            cmocka_unit_test(test_exec_failure),
            cmocka_unit_test(test_hostile_input),
            cmocka_unit_test(test_json_schema),
            cmocka_unit_test(test_html),
            cmocka_unit_test(test_html_coarse_and_empty),
            cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
