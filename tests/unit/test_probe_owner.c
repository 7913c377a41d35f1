// SPDX-License-Identifier: MIT
// probe_owner.c: the server side of a loopback connection has inode 0 while it waits in the
// accept queue and the accepted socket's inode after accept(); the process holding it is
// found through a cgroup.procs list (a fake one naming this process, or another pid).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

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

#include "probe_owner.h"

static void test_link_text(void **state)
{
    (void)state;
    assert_true(probe_link_is_socket("socket:[1234]", 13, 1234));
    assert_false(probe_link_is_socket("socket:[1234]", 13, 123));
    assert_false(probe_link_is_socket("socket:[12345]", 14, 1234));
    assert_false(probe_link_is_socket("pipe:[1234]", 11, 1234));
    assert_false(probe_link_is_socket("socket:[1234]", 12, 1234));
}

static int listener(struct sockaddr_in *a)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(l >= 0);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(*a);
    assert_int_equal(bind(l, (struct sockaddr *)a, sizeof(*a)), 0);
    assert_int_equal(listen(l, 8), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)a, &al), 0);
    return l;
}

// a directory with a cgroup.procs listing pid
static int fake_cgroup(char *dir, size_t len, pid_t pid)
{
    (void)snprintf(dir, len, "/tmp/warden-probe-XXXXXX");
    assert_non_null(mkdtemp(dir));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = openat(dfd, "cgroup.procs", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(dfd >= 0 && fd >= 0);
    char line[32];
    int n = snprintf(line, sizeof(line), "%d\n", (int)pid);
    assert_int_equal(write(fd, line, (size_t)n), n);
    (void)close(fd);
    return dfd;
}

static void rm_fake(int dfd, const char *dir)
{
    (void)unlinkat(dfd, "cgroup.procs", 0);
    (void)close(dfd);
    (void)rmdir(dir);
}

static void test_queued_then_accepted(void **state)
{
    (void)state;
    struct sockaddr_in a;
    int l = listener(&a);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    uint64_t inode = 99;
    int rc = probe_accepted_inode(c, &inode);
    if (rc == -EPROTONOSUPPORT || rc == -EACCES || rc == -EPERM) {
        (void)close(c);
        (void)close(l);
        skip(); // no inet_diag here
    }
    assert_int_equal(rc, 0);
    assert_int_equal(inode, 0); // in the accept queue: nobody holds it
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    assert_true(s >= 0);
    assert_int_equal(probe_accepted_inode(c, &inode), 0);
    struct stat st;
    assert_int_equal(fstat(s, &st), 0);
    assert_int_equal(inode, (uint64_t)st.st_ino);
    char dir[64];
    int dfd = fake_cgroup(dir, sizeof(dir), getpid());
    assert_int_equal(probe_cgroup_holds(dfd, "/proc", inode), 1);
    rm_fake(dfd, dir);
    // a cgroup of another process (pid 1) does not hold it
    dfd = fake_cgroup(dir, sizeof(dir), 1);
    assert_int_equal(probe_cgroup_holds(dfd, "/proc", inode), 0);
    rm_fake(dfd, dir);
    (void)close(s);
    (void)close(c);
    (void)close(l);
}

static void test_unconnected(void **state)
{
    (void)state;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    uint64_t inode = 5;
    assert_true(probe_accepted_inode(c, &inode) < 0); // ENOTCONN
    assert_int_equal(inode, 0);
    (void)close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_link_text),
            cmocka_unit_test(test_queued_then_accepted),
            cmocka_unit_test(test_unconnected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
