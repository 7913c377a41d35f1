// SPDX-License-Identifier: MIT
// Line-prefixing relay of service output to warden's stdout/stderr.
#include "logs.h"

#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static void write_line(int out_fd, const char *prefix, const char *line, size_t len)
{
    // iovec wants void *; writev does not write through it (uintptr_t drops const)
    struct iovec iov[4] = {
            {(void *)(uintptr_t)prefix, strlen(prefix)},
            {(void *)(uintptr_t) ": ", 2},
            {(void *)(uintptr_t)line, len},
            {(void *)(uintptr_t) "\n", 1},
    };
    // One writev per line keeps lines from different services from interleaving
    // mid-line (pipes and ttys take writes below PIPE_BUF atomically).
    ssize_t n;
    do {
        n = writev(out_fd, iov, 4);
    } while (n < 0 && errno == EINTR);
}

static void emit_lines(int out_fd, const char *prefix, struct linebuf *lb)
{
    size_t start = 0;
    for (size_t i = 0; i < lb->len; i++) {
        if (lb->buf[i] == '\n') {
            write_line(out_fd, prefix, lb->buf + start, i - start);
            start = i + 1;
        }
    }
    if (start == 0 && lb->len == sizeof(lb->buf)) {
        write_line(out_fd, prefix, lb->buf, lb->len); // no newline in a full buffer: split
        lb->split_count++;
        start = lb->len;
    }
    memmove(lb->buf, lb->buf + start, lb->len - start);
    lb->len -= start;
}

int logs_relay(int in_fd, int out_fd, const char *prefix, struct linebuf *lb)
{
    for (;;) {
        ssize_t n = read(in_fd, lb->buf + lb->len, sizeof(lb->buf) - lb->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno == EAGAIN ? 0 : -errno;
        }
        if (n == 0) {
            logs_flush(out_fd, prefix, lb);
            return 1;
        }
        lb->len += (size_t)n;
        emit_lines(out_fd, prefix, lb);
    }
}

void logs_flush(int out_fd, const char *prefix, struct linebuf *lb)
{
    emit_lines(out_fd, prefix, lb);
    if (lb->len) {
        write_line(out_fd, prefix, lb->buf, lb->len);
        lb->len = 0;
    }
}
