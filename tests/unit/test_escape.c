// SPDX-License-Identifier: MIT
// escape.c: whether a /proc/PID/cgroup text places a process inside the service's cgroups,
// on hybrid (v1 memory and pids, comma-joined controller lists, the unified line) and v2,
// with paths below the service's (its own subgroups), look-alike prefixes, and damage.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"

#define SVC "/box/warden.4026531836-99/web"

static const char *hybrid_inside = "12:pids:" SVC "\n"
                                   "7:cpu,cpuacct:/\n"
                                   "4:memory:" SVC "\n"
                                   "1:name=systemd:/user.slice\n"
                                   "0::" SVC "\n";

static void test_hybrid_inside(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    assert_int_equal(escape_parse(hybrid_inside, SVC, SVC, SVC, where, sizeof(where)), 0);
    assert_string_equal(where, "");
}

static void test_hybrid_escaped_memory(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    const char *t = "12:pids:" SVC "\n4:memory:/box\n0::" SVC "\n";
    assert_int_equal(escape_parse(t, SVC, SVC, SVC, where, sizeof(where)), 1);
    assert_string_equal(where, "memory:/box");
}

static void test_unified_escape_named(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    const char *t = "0::/\n";
    assert_int_equal(escape_parse(t, SVC, "", "", where, sizeof(where)), 1);
    assert_string_equal(where, "unified:/");
}

static void test_subgroup_is_inside(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    const char *t = "0::" SVC "/worker/1\n";
    assert_int_equal(escape_parse(t, SVC, "", "", where, sizeof(where)), 0);
}

static void test_prefix_lookalike_is_outside(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    // "web2" is not below "web"
    const char *t = "0::" SVC "2\n";
    assert_int_equal(escape_parse(t, SVC, "", "", where, sizeof(where)), 1);
    assert_string_equal(where, "unified:" SVC "2");
}

static void test_joined_controllers(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    // a v1 hierarchy with memory co-mounted with others
    const char *t = "3:memory,hugetlb:/elsewhere\n5:pids:" SVC "\n";
    assert_int_equal(escape_parse(t, "", SVC, SVC, where, sizeof(where)), 1);
    assert_string_equal(where, "memory:/elsewhere");
}

static void test_path_with_colon(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    const char *t = "0::/a:b\n";
    assert_int_equal(escape_parse(t, "/a:b", "", "", where, sizeof(where)), 0);
    assert_int_equal(escape_parse(t, "/a", "", "", where, sizeof(where)), 1);
    assert_string_equal(where, "unified:/a:b");
}

static void test_root_service_holds_all(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    assert_int_equal(escape_parse("0::/x/y\n", "/", "", "", where, sizeof(where)), 0);
}

static void test_missing_hierarchy_is_unknown(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    // the service uses the pids hierarchy but the text has no pids line: no evidence
    assert_int_equal(escape_parse("4:memory:" SVC "\n", "", SVC, SVC, where, sizeof(where)),
                     -EINVAL);
    assert_int_equal(escape_parse("", SVC, "", "", where, sizeof(where)), -EINVAL);
}

static void test_garbage(void **state)
{
    (void)state;
    char where[ESCAPE_WHERE_MAX];
    assert_int_equal(escape_parse("no colons here\n::\n:::\n\n", SVC, "", "", where, sizeof(where)),
                     -EINVAL);
    // no trailing newline, first line of a hierarchy wins
    assert_int_equal(escape_parse("0::" SVC "\n0::/other", SVC, "", "", where, sizeof(where)), 0);
}

static void test_where_cut(void **state)
{
    (void)state;
    char where[12];
    assert_int_equal(escape_parse("0::/a/very/long/path\n", SVC, "", "", where, sizeof(where)), 1);
    assert_int_equal(strlen(where), sizeof(where) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hybrid_inside),
            cmocka_unit_test(test_hybrid_escaped_memory),
            cmocka_unit_test(test_unified_escape_named),
            cmocka_unit_test(test_subgroup_is_inside),
            cmocka_unit_test(test_prefix_lookalike_is_outside),
            cmocka_unit_test(test_joined_controllers),
            cmocka_unit_test(test_path_with_colon),
            cmocka_unit_test(test_root_service_holds_all),
            cmocka_unit_test(test_missing_hierarchy_is_unknown),
            cmocka_unit_test(test_garbage),
            cmocka_unit_test(test_where_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
