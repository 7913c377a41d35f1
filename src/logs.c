// SPDX-License-Identifier: MIT
// Line-prefixing relay of service output to warden's stdout/stderr.
#include "logs.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum out_mode {
    OUT_AS_IS,  // regular file (never blocks) or not set up
    OUT_REOPEN, // pipe or tty, reopened non-blocking
    OUT_SOCKET, // socket: sendmsg with MSG_DONTWAIT
};

static struct {
    enum out_mode mode;
    int fd;
} outs[3] = {{OUT_AS_IS, 0}, {OUT_AS_IS, 1}, {OUT_AS_IS, 2}};
static uint64_t dropped_count;

void logs_init(void)
{
    for (int std = 1; std <= 2; std++) {
        struct stat st;
        outs[std].fd = std;
        outs[std].mode = OUT_AS_IS;
        if (fstat(std, &st) < 0 || S_ISREG(st.st_mode)) {
            continue;
        }
        if (S_ISSOCK(st.st_mode)) {
            outs[std].mode = OUT_SOCKET;
            continue;
        }
        char path[32];
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", std);
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0) {
            outs[std].fd = fd;
            outs[std].mode = OUT_REOPEN;
        }
    }
}

uint64_t logs_dropped_count(void)
{
    return dropped_count;
}

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
    int std = out_fd == STDERR_FILENO ? 2 : 1;
    ssize_t n;
    do {
        if (outs[std].mode == OUT_SOCKET) {
            struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 4};
            n = sendmsg(outs[std].fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            n = writev(outs[std].fd, iov, 4);
        }
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        dropped_count++; // EAGAIN: the reader is stalled; never wait for it
    }
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
    for (size_t total = 0; total < LOG_RELAY_BYTES;) {
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
        total += (size_t)n;
        emit_lines(out_fd, prefix, lb);
    }
    return 0; // more may be waiting: level-triggered epoll calls again
}

void logs_flush(int out_fd, const char *prefix, struct linebuf *lb)
{
    emit_lines(out_fd, prefix, lb);
    if (lb->len) {
        write_line(out_fd, prefix, lb->buf, lb->len);
        lb->len = 0;
    }
}
