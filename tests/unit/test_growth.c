// SPDX-License-Identifier: MIT
// growth.c: linear growth until the end (a leak recycled every few seconds), a plateau, a
// load at start, a late jump, too few points, ring wrap, and the run of like instances.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "growth.h"

#define MIB (1024ull * 1024ull)

static void test_linear(void **state)
{
    (void)state;
    struct growth g;
    double rate = 0;
    // 100 MiB/s, points at 1 s and 2 s, recycled at 3 s at 300 MiB
    growth_reset(&g);
    growth_add(&g, 1000, 100 * MIB);
    growth_add(&g, 2000, 200 * MIB);
    assert_true(growth_linear(&g, 3000, 300 * MIB, &rate));
    assert_true(rate > 99.0 * MIB && rate < 101.0 * MIB);
    // only one point before the end: not enough to tell a leak from a load
    growth_reset(&g);
    growth_add(&g, 1000, 100 * MIB);
    assert_false(growth_linear(&g, 3000, 300 * MIB, &rate));
    // a plateau: grows, then flat until the kill
    growth_reset(&g);
    for (unsigned t = 1; t <= 10; t++) {
        growth_add(&g, t * 1000, (t < 4 ? t * 50 : 200) * MIB);
    }
    assert_false(growth_linear(&g, 11000, 201 * MIB, &rate));
    // loaded at start, then flat: the working set, not a leak
    growth_reset(&g);
    growth_add(&g, 1000, 250 * MIB);
    growth_add(&g, 2000, 250 * MIB);
    assert_false(growth_linear(&g, 2500, 256 * MIB, &rate));
    // a late jump: flat, then a burst to the limit
    growth_reset(&g);
    for (unsigned t = 1; t <= 6; t++) {
        growth_add(&g, t * 1000, (50 + t) * MIB);
    }
    assert_false(growth_linear(&g, 7000, 400 * MIB, &rate));
    // an end before the last point is refused
    growth_reset(&g);
    growth_add(&g, 1000, MIB);
    growth_add(&g, 2000, 2 * MIB);
    assert_false(growth_linear(&g, 1500, 3 * MIB, &rate));
}

static void test_ring_wrap(void **state)
{
    (void)state;
    struct growth g;
    double rate = 0;
    growth_reset(&g);
    // 2 hours of points at 1 MiB/s: the first and the newest GROWTH_POINTS-1 are kept
    for (unsigned t = 1; t <= 7200; t++) {
        growth_add(&g, (uint64_t)t * 1000, (uint64_t)t * MIB);
    }
    assert_true(growth_linear(&g, 7201000, 7201 * MIB, &rate));
    assert_true(rate > 0.99 * MIB && rate < 1.01 * MIB);
    // small saw teeth on the way (4 MiB over 2 MiB/s) do not hide the growth
    growth_reset(&g);
    for (unsigned t = 1; t <= 30; t++) {
        growth_add(&g, (uint64_t)t * 1000, (uint64_t)t * 2 * MIB + (t % 3 ? 4 * MIB : 0));
    }
    assert_true(growth_linear(&g, 31000, 66 * MIB, &rate));
}

static void test_runs(void **state)
{
    (void)state;
    struct growth_runs r;
    double rate = 0;
    uint64_t life = 0;
    growth_runs_reset(&r);
    growth_runs_push(&r, 100.0 * MIB, 3000);
    growth_runs_push(&r, 110.0 * MIB, 2800);
    assert_false(growth_runs_leak(&r, &rate, &life));
    growth_runs_push(&r, 95.0 * MIB, 3100);
    assert_true(growth_runs_leak(&r, &rate, &life));
    assert_true(rate == 100.0 * MIB);
    assert_int_equal(life, 3000);
    // one unlike instance among the newest: no leak until it has left the ring
    growth_runs_push(&r, 400.0 * MIB, 800);
    assert_false(growth_runs_leak(&r, &rate, &life));
    growth_runs_push(&r, 100.0 * MIB, 3000);
    growth_runs_push(&r, 100.0 * MIB, 3000);
    assert_false(growth_runs_leak(&r, &rate, &life));
    growth_runs_push(&r, 100.0 * MIB, 3000);
    assert_true(growth_runs_leak(&r, &rate, &life));
    // saturating count
    r.count = UINT32_MAX;
    growth_runs_push(&r, 100.0 * MIB, 3000);
    assert_true(r.count == UINT32_MAX);
    growth_runs_reset(&r);
    assert_false(growth_runs_leak(&r, &rate, &life));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_linear),
            cmocka_unit_test(test_ring_wrap),
            cmocka_unit_test(test_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
