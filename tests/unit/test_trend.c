// SPDX-License-Identifier: MIT
// Table-driven tests of trend.c: perfect lines, garbage-collector saw teeth (the minima follow
// the floor), flat and falling usage, deterministic noise, too few points, ring wrap-around,
// epoch-sized times, usage above the limit, and windows of 1 and 10 samples.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trend.h"

#define KIB   1024ull
#define MIB   (1024ull * 1024ull)
#define GIB   (1024ull * MIB)
#define EPOCH 1800000000000ull // ms, about 2027

// usage in bytes of sample i (samples 1 s apart unless the case says otherwise)
typedef uint64_t (*usage_fn)(unsigned i);

// Deterministic noise in [-amp, amp): splitmix64 of the sample index.
static int64_t noise(unsigned i, uint64_t amp)
{
    uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (int64_t)(z % (2 * amp)) - (int64_t)amp;
}

static uint64_t line_1mib(unsigned i)
{
    return (uint64_t)i * MIB; // 1 MiB/s * t
}

static uint64_t line_from_4gib(unsigned i)
{
    return 4 * GIB + (uint64_t)i * MIB;
}

// A GC heap: every 7 samples a collection drops usage back to the floor, which grows 8 KiB/s;
// between collections usage climbs 8 MiB per sample and the peaks themselves grow, so the
// mean of all samples grows 14 KiB/s while the floor grows 8 KiB/s.
static uint64_t sawtooth(unsigned i)
{
    uint64_t floor_bytes = 256 * MIB + 8 * KIB * i;
    return floor_bytes + (i % 7) * (8 * MIB + 2 * KIB * i);
}

static uint64_t flat(unsigned i)
{
    (void)i;
    return 300 * MIB;
}

static uint64_t falling(unsigned i)
{
    return 900 * MIB - (uint64_t)i * MIB;
}

static uint64_t noisy_small(unsigned i)
{
    return (uint64_t)((int64_t)(100 * MIB + (uint64_t)i * MIB) + noise(i, 256 * KIB));
}

static uint64_t noisy_dominant(unsigned i)
{
    return (uint64_t)((int64_t)(512 * MIB + (uint64_t)i * 8 * KIB) + noise(i, 64 * MIB));
}

// Windows 0..89 fall steeply from 5 GiB; windows 90..149 are a 1 MiB/s line. Only the
// newest LEAK_POINTS (60) may be fitted.
static uint64_t wrap(unsigned i)
{
    return i < 90 ? 5 * GIB - (uint64_t)i * 7 * MIB : (uint64_t)i * MIB;
}

struct trend_case {
    const char *name;
    unsigned spw; // samples per window
    unsigned samples;
    uint64_t t0_ms;
    uint64_t step_ms;
    usage_fn usage;
    unsigned min_points;
    uint64_t limit;
    bool fit_ok;
    unsigned points;
    double rate;     // bytes/s
    double rate_tol; // absolute
    double r2_min, r2_max;
    double eta;     // < 0: expect no ETA (eta_s < 0)
    double eta_tol; // absolute, seconds
    bool leak;
};

#define R1_MIN 0.999999
#define R1_MAX 1.000001

static const struct trend_case cases[] = {
        // 30 points at 1 s: the last is 29 MiB, so 1 GiB is (1024 - 29) s away
        {"perfect line", 1, 30, 0, 1000, line_1mib, 6, GIB, true, 30, 1048576., 1048.576, R1_MIN,
         R1_MAX, 995., 0.5, true},
        // 10-sample windows: minima are the windows' first samples, stamped at their ends;
        // the last minimum is 590 MiB, 434 s from 1 GiB
        {"perfect line, 10 per window", 10, 600, 0, 1000, line_1mib, 6, GIB, true, 60, 1048576.,
         1048.576, R1_MIN, R1_MAX, 434., 0.5, true},
        {"samples_per_window 0 means 1", 0, 30, 0, 1000, line_1mib, 6, GIB, true, 30, 1048576.,
         1048.576, R1_MIN, R1_MAX, 995., 0.5, true},
        {"no limit, no ETA", 1, 30, 0, 1000, line_1mib, 6, 0, true, 30, 1048576., 1048.576, R1_MIN,
         R1_MAX, -1, 0, true},
        {"usage above the limit", 1, 30, 0, 1000, line_1mib, 6, 10 * MIB, true, 30, 1048576.,
         1048.576, R1_MIN, R1_MAX, -1, 0, true},
        {"usage exactly at the limit", 1, 30, 0, 1000, line_1mib, 6, 29 * MIB, true, 30, 1048576.,
         1048.576, R1_MIN, R1_MAX, -1, 0, true},
        // floor 8 KiB/s; the mean of the samples grows 14 KiB/s and the peaks 20 KiB/s
        {"GC saw teeth: minima follow the floor", 10, 600, 0, 1000, sawtooth, 6, 0, true, 60, 8192.,
         8192. * 0.03, 0.99, R1_MAX, -1, 0, true},
        // without windows the teeth swamp the floor: no line, no leak
        {"GC saw teeth, 1 per window", 1, 60, 0, 1000, sawtooth, 6, 0, true, 60, 14336., 2. * MIB,
         0., 0.3, -1, 0, false},
        {"flat", 10, 200, 0, 1000, flat, 6, GIB, true, 20, 0., 1e-9, 0., 0., -1, 0, false},
        {"falling", 1, 60, 0, 1000, falling, 6, GIB, true, 60, -1048576., 1048.576, R1_MIN, R1_MAX,
         -1, 0, false},
        {"small noise on growth", 1, 60, 0, 1000, noisy_small, 6, 0, true, 60, 1048576.,
         1048576. * 0.02, 0.99, 0.99999, -1, 0, true},
        {"noise dominates", 1, 60, 0, 1000, noisy_dominant, 6, 0, true, 60, 8192., 2. * MIB, 0.,
         0.3, -1, 0, false},
        {"fewer than min_points", 1, 5, 0, 1000, line_1mib, 6, GIB, false, 5, 0., 0., 0., 0., -1, 0,
         false},
        {"min_points 0, one point", 1, 1, 0, 1000, line_1mib, 0, GIB, false, 1, 0., 0., 0., 0., -1,
         0, false},
        {"no samples", 1, 0, 0, 1000, line_1mib, 0, GIB, false, 0, 0., 0., 0., 0., -1, 0, false},
        {"all points at one instant", 1, 10, 5000, 0, line_1mib, 2, GIB, false, 10, 0., 0., 0., 0.,
         -1, 0, false},
        // a good fit of 5 points: fitted, but 6 points are needed to call it a leak
        {"five points: not a leak yet", 1, 5, 0, 1000, line_1mib, 2, GIB, true, 5, 1048576.,
         1048.576, R1_MIN, R1_MAX, 1020., 0.5, false},
        {"ring wrap keeps the newest", 1, 150, 0, 1000, wrap, 6, GIB, true, 60, 1048576., 1048.576,
         R1_MIN, R1_MAX, 875., 0.5, true},
        // 4 GiB + 59 MiB at the end: 4096 - 59 s until 8 GiB
        {"epoch-sized times", 1, 60, EPOCH, 1000, line_from_4gib, 6, 8 * GIB, true, 60, 1048576.,
         1048.576, R1_MIN, R1_MAX, 4037., 0.5, true},
        {"epoch-sized times, 10 per window", 10, 600, EPOCH, 1000, line_from_4gib, 6, 8 * GIB, true,
         60, 1048576., 1048.576, R1_MIN, R1_MAX, 3506., 0.5, true},
        // 1 ms apart at the epoch, 1 MiB per sample: 1000 MiB/s
        {"epoch-sized times, 1 ms steps", 1, 60, EPOCH + 1, 1, line_1mib, 6, 0, true, 60,
         1048576000., 1048576., R1_MIN, R1_MAX, -1, 0, true},
};

// Fail naming the case and showing the whole fit, so one table row can be found at once.
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s: %s (ok=%d points=%u rate=%.3f r2=%.9f eta=%.3f)", c->name, #cond, ok,    \
                     fit.points, fit.rate_bytes_per_s, fit.r2, fit.eta_s);                         \
        }                                                                                          \
    } while (0)

static void run_case(const struct trend_case *c)
{
    struct trend t;
    trend_init(&t, c->spw);
    for (unsigned i = 0; i < c->samples; i++) {
        (void)trend_add(&t, c->t0_ms + (uint64_t)i * c->step_ms, c->usage(i));
    }
    struct trend_fit fit;
    bool ok = trend_fit(&t, c->min_points, c->limit, &fit);
    CHECK(ok == c->fit_ok);
    CHECK(fit.points == c->points);
    CHECK(c->eta >= 0 || fit.eta_s < 0);
    CHECK(c->eta < 0 || (fit.eta_s >= c->eta - c->eta_tol && fit.eta_s <= c->eta + c->eta_tol));
    CHECK(trend_is_leak(&fit) == c->leak);
    if (!c->fit_ok) {
        CHECK(fit.rate_bytes_per_s == 0 && fit.r2 == 0);
        return;
    }
    CHECK(fit.rate_bytes_per_s >= c->rate - c->rate_tol &&
          fit.rate_bytes_per_s <= c->rate + c->rate_tol);
    CHECK(fit.r2 >= c->r2_min && fit.r2 <= c->r2_max);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_case(&cases[i]);
    }
}

// trend_add closes a window every samples_per_window samples with the window's minimum,
// stamped with the time of the window's last sample.
static void test_add_windows(void **state)
{
    (void)state;
    static const uint64_t usage[] = {50, 40, 45, 60, 41, 42, 43, 44, 39, 70,  // min 39
                                     10, 90, 90, 90, 90, 90, 90, 90, 90, 90}; // min 10
    struct trend t;
    trend_init(&t, 10);
    assert_int_equal(t.count, 0);
    for (unsigned i = 0; i < 20; i++) {
        bool closed = trend_add(&t, 1000 + i * 100, usage[i]);
        assert_int_equal(closed, i == 9 || i == 19);
        assert_int_equal(t.count, i < 9 ? 0 : i < 19 ? 1 : 2);
    }
    assert_int_equal(t.t_ms[0], 1900);
    assert_int_equal(t.v_bytes[0], 39);
    assert_int_equal(t.t_ms[1], 2900);
    assert_int_equal(t.v_bytes[1], 10);
    assert_int_equal(t.window_samples, 0);

    trend_init(&t, 1);
    for (unsigned i = 0; i < 3; i++) {
        assert_true(trend_add(&t, i, 7 - i));
        assert_int_equal(t.v_bytes[i], 7 - i);
    }
    assert_int_equal(t.count, 3);

    // usage 0 is a real minimum, not "no minimum yet"
    trend_init(&t, 3);
    assert_false(trend_add(&t, 1, 5));
    assert_false(trend_add(&t, 2, 0));
    assert_true(trend_add(&t, 3, 9));
    assert_int_equal(t.v_bytes[0], 0);
    // the next window starts afresh: its minimum is not the previous window's 0
    assert_false(trend_add(&t, 4, 8));
    assert_false(trend_add(&t, 5, 6));
    assert_true(trend_add(&t, 6, 7));
    assert_int_equal(t.v_bytes[1], 6);
}

// After more than LEAK_POINTS windows the ring holds exactly the newest LEAK_POINTS, oldest
// first from (next - count).
static void test_ring_wrap(void **state)
{
    (void)state;
    struct trend t;
    trend_init(&t, 1);
    const unsigned total = LEAK_POINTS * 2 + 17;
    for (unsigned i = 0; i < total; i++) {
        assert_true(trend_add(&t, 1000ull * i, (uint64_t)i * 3));
        assert_true(t.count <= LEAK_POINTS);
    }
    assert_int_equal(t.count, LEAK_POINTS);
    unsigned first = (t.next + LEAK_POINTS - t.count) % LEAK_POINTS;
    for (unsigned k = 0; k < LEAK_POINTS; k++) {
        unsigned i = total - LEAK_POINTS + k;
        assert_int_equal(t.t_ms[(first + k) % LEAK_POINTS], 1000ull * i);
        assert_int_equal(t.v_bytes[(first + k) % LEAK_POINTS], (uint64_t)i * 3);
    }
    struct trend_fit fit;
    assert_true(trend_fit(&t, LEAK_POINTS, 0, &fit));
    assert_int_equal(fit.points, LEAK_POINTS);
    assert_true(fit.rate_bytes_per_s > 2.999 && fit.rate_bytes_per_s < 3.001);
}

// A failed fit leaves a defined result: zero rate and r2, no ETA.
static void test_fit_result_reset(void **state)
{
    (void)state;
    struct trend t;
    trend_init(&t, 1);
    (void)trend_add(&t, 0, MIB);
    struct trend_fit fit;
    memset(&fit, 0x5a, sizeof(fit));
    assert_false(trend_fit(&t, 6, GIB, &fit));
    assert_true(fit.rate_bytes_per_s == 0 && fit.r2 == 0);
    assert_true(fit.eta_s < 0);
    assert_int_equal(fit.points, 1);
    assert_false(trend_is_leak(&fit));
}

struct leak_case {
    unsigned points;
    double r2;
    double rate;
    bool leak;
};

static const struct leak_case leak_cases[] = {
        {6, 0.8, 4096., true},       {60, 1.0, 1048576., true}, {5, 1.0, 1048576., false},
        {6, 0.79, 1048576., false},  {6, 1.0, 4095.9, false},   {6, 0.0, 0., false},
        {60, 1.0, -1048576., false}, {0, 0.0, 0., false},
};

static void test_is_leak_thresholds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(leak_cases) / sizeof(leak_cases[0]); i++) {
        const struct leak_case *c = &leak_cases[i];
        struct trend_fit fit = {
                .rate_bytes_per_s = c->rate, .r2 = c->r2, .points = c->points, .eta_s = -1};
        assert_int_equal(trend_is_leak(&fit), c->leak);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table),
            cmocka_unit_test(test_add_windows),
            cmocka_unit_test(test_ring_wrap),
            cmocka_unit_test(test_fit_result_reset),
            cmocka_unit_test(test_is_leak_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
