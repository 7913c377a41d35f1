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
#include <time.h>
#include <unistd.h>

#include "logfile.h"
#include "outtail.h"

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
            {(void *)(uintptr_t)(prefix ? prefix : ""), prefix ? strlen(prefix) : 0},
            {(void *)(uintptr_t) ": ", prefix ? 2 : 0},
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

struct clocks {
    uint64_t mono_ms, wall_ms;
};

static struct clocks now_clocks(void)
{
    struct timespec m, w;
    (void)clock_gettime(CLOCK_MONOTONIC, &m);
    (void)clock_gettime(CLOCK_REALTIME, &w);
    return (struct clocks){(uint64_t)m.tv_sec * 1000u + (uint64_t)m.tv_nsec / 1000000u,
                           (uint64_t)w.tv_sec * 1000u + (uint64_t)w.tv_nsec / 1000000u};
}

static uint64_t pending(const struct logfile *lf)
{
    return lf->dropped_pending[0] + lf->dropped_pending[1];
}

// The file wrote its "dropped N lines" marker: say the same on warden's stderr.
static void echo_marker(const struct relay_out *out, uint64_t dropped)
{
    char note[64];
    int n = snprintf(note, sizeof(note), "[warden: dropped %llu line%s]",
                     (unsigned long long)dropped, dropped == 1 ? "" : "s");
    write_line(STDERR_FILENO, out->prefix, note, (size_t)n);
}

// One line (or a piece of a longer one, cut) to the file, then to out_fd unless the
// file's rate limit dropped it.
static void pass_line(struct relay_out *out, const struct clocks *c, const char *line, size_t len,
                      bool cut)
{
    if (out->tail) {
        outtail_add(out->tail, line, len);
    }
    if (out->lf) {
        uint64_t before = pending(out->lf);
        int stream = out->out_fd == STDERR_FILENO ? LOGFILE_ERR : LOGFILE_OUT;
        int rc = logfile_line(out->lf, c->mono_ms, c->wall_ms, stream, line, len, cut);
        if (rc == LOGFILE_DROPPED) {
            out->dropped++;
            return;
        }
        if (before && pending(out->lf) == 0) {
            echo_marker(out, before);
        }
    }
    write_line(out->out_fd, out->prefix, line, len);
}

static void emit_lines(struct relay_out *out, struct linebuf *lb)
{
    struct clocks c = now_clocks();
    size_t start = 0;
    for (size_t i = 0; i < lb->len; i++) {
        if (lb->buf[i] == '\n') {
            pass_line(out, &c, lb->buf + start, i - start, false);
            start = i + 1;
        }
    }
    if (start == 0 && lb->len == sizeof(lb->buf)) {
        pass_line(out, &c, lb->buf, lb->len, true); // no newline in a full buffer: split
        lb->split_count++;
        start = lb->len;
    }
    memmove(lb->buf, lb->buf + start, lb->len - start);
    lb->len -= start;
}

int logs_relay(int in_fd, struct relay_out *out, struct linebuf *lb)
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
            logs_flush(out, lb);
            return 1;
        }
        lb->len += (size_t)n;
        total += (size_t)n;
        emit_lines(out, lb);
    }
    return 0; // more may be waiting: level-triggered epoll calls again
}

void logs_flush(struct relay_out *out, struct linebuf *lb)
{
    emit_lines(out, lb);
    struct clocks c = now_clocks();
    if (lb->len) {
        pass_line(out, &c, lb->buf, lb->len, false);
        lb->len = 0;
    }
    if (out->lf) {
        uint64_t before = pending(out->lf);
        if (before && logfile_flush(out->lf, c.mono_ms, c.wall_ms) == 0) {
            echo_marker(out, before);
        }
    }
}
