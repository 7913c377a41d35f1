// SPDX-License-Identifier: MIT
// Control socket: one JSON request line in, one JSON object out, per connection. The
// listening socket is created with umask 0177 (mode 0600) before bind, as ntpd does;
// clients live in a fixed table and are cut off after CONTROL_TIMEOUT_MS. While all
// CONTROL_CLIENTS_MAX slots are busy the listening fd is not watched, so new connections
// wait in the kernel's backlog (CONTROL_BACKLOG) and are served in order as slots free:
// accepting them only to close them reset 34-81 of 200 parallel `warden status` (issue 12).
#include "control.h"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"

// A slot is free again: watch the listening fd again if every slot was busy (the backlog
// is level-triggered, so waiting connections are accepted on the next loop turn).
static void resume_accept(struct control *c)
{
    if (!c->accepting && c->listen_fd >= 0 && loop_mod(c->loop, c->listen_fd, EPOLLIN) == 0) {
        c->accepting = true;
    }
}

static void client_close(struct control *c, struct control_client *cl)
{
    if (cl->fd >= 0) {
        loop_del(c->loop, cl->fd);
        (void)close(cl->fd);
    }
    cl->fd = -1;
    cl->len = 0;
    resume_accept(c);
}

// Blocking send of all of buf with a 1 s send timeout and a 1 s total deadline. 0, or
// -errno (-ETIMEDOUT at the deadline).
static int send_all(int fd, const char *buf, size_t len)
{
    // The reply is sent blocking with a send timeout and a total deadline: a response is
    // at most CONTROL_RESPONSE_MAX and a client that reads slowly costs at most 1 s.
    struct timeval tv = {.tv_sec = 1};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    (void)fcntl(fd, F_SETFL, 0);
    uint64_t deadline = clock_mono_ms() + 1000;
    while (len > 0) {
        if (clock_mono_ms() >= deadline) {
            return -ETIMEDOUT;
        }
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EPIPE;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void reply(struct control *c, struct control_client *cl, json_t *resp)
{
    // A fresh anonymous mapping per reply, unmapped after: only the pages a reply touches
    // are ever resident, and none stay resident between requests (a static buffer's pages
    // would stay, locked by mlockall, for the daemon's life).
    char *out = mmap(NULL, CONTROL_RESPONSE_MAX, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (out == MAP_FAILED) {
        static const char nomem[] =
                "{\"ok\": false, \"error\": \"out of memory\", \"exit_code\": 1}\n";
        (void)send_all(cl->fd, nomem, sizeof(nomem) - 1);
        client_close(c, cl);
        return;
    }
    size_t n = json_dumpb(resp, out, CONTROL_RESPONSE_MAX - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (n == 0 || n >= CONTROL_RESPONSE_MAX - 1) {
        n = (size_t)snprintf(
                out, CONTROL_RESPONSE_MAX - 1,
                "{\"ok\": false, \"error\": \"response too large\", \"exit_code\": 1}");
    }
    out[n++] = '\n';
    (void)send_all(cl->fd, out, n);
    (void)munmap(out, CONTROL_RESPONSE_MAX);
    client_close(c, cl);
}

int control_parse_request(const char *buf, size_t len, bool eof, json_t **req, struct errbuf *eb)
{
    *req = NULL;
    const char *nl = memchr(buf, '\n', len);
    if (!nl && len >= CONTROL_REQUEST_MAX) {
        return -EMSGSIZE;
    }
    if (!nl && !eof) {
        return -EAGAIN;
    }
    if (!nl && len == 0) {
        return -ENODATA; // connected and closed: nothing to answer
    }
    // At eof without a newline the whole of what came is the request: a client that
    // half-closes after `printf '{"cmd":"status"}'` is answered, not dropped (issue 12).
    size_t line_len = nl ? (size_t)(nl - buf) : len;
    json_error_t jerr;
    json_t *obj = json_loadb(buf, line_len, 0, &jerr);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        return errbuf_set(eb, "request is not a JSON object");
    }
    *req = obj;
    return 0;
}

static void reply_error(struct control *c, struct control_client *cl, const char *msg)
{
    json_t *resp = json_pack("{s:b, s:s, s:i}", "ok", 0, "error", msg, "exit_code", 2);
    reply(c, cl, resp);
    json_decref(resp);
}

// Answer what cl sent so far if it is a whole request (a line, or anything at eof).
static void handle_request(struct control *c, struct control_client *cl, bool eof)
{
    struct errbuf eb = {{0}, NULL, 0};
    json_t *req = NULL;
    int rc = control_parse_request(cl->buf, cl->len, eof, &req, &eb);
    if (rc == -EAGAIN) {
        return;
    }
    if (rc == -ENODATA) {
        client_close(c, cl);
        return;
    }
    if (rc == -EMSGSIZE) {
        c->oversize_count++;
        reply_error(c, cl, "request too large");
        return;
    }
    if (rc < 0) {
        reply_error(c, cl, eb.msg);
        return;
    }
    json_t *resp = c->fn(req, c->ctx);
    json_decref(req);
    reply(c, cl, resp);
    json_decref(resp);
    // The request's JSON is freed now; hand its heap pages back (free chunks below a live
    // one are not trimmed by free() itself). Requests are rare, so this is cheap.
    (void)malloc_trim(0);
}

static void on_client(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct control *c = ctx;
    struct control_client *cl = NULL;
    for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
        if (c->clients[i].fd == fd) {
            cl = &c->clients[i];
        }
    }
    if (!cl) {
        return;
    }
    // cl->len < CONTROL_REQUEST_MAX here: a full buffer was answered as too large
    ssize_t n = read(fd, cl->buf + cl->len, CONTROL_REQUEST_MAX - cl->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n < 0) {
        client_close(c, cl);
        return;
    }
    cl->len += (size_t)n;
    handle_request(c, cl, n == 0);
}

static bool peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        return false;
    }
    return cred.uid == 0 || cred.uid == geteuid();
}

// Armed only when idle: re-arming on every accept would let a steady stream of
// connections postpone the sweep forever (and stalled clients would keep their slots).
static void arm_timeout(struct control *c)
{
    if (!c->timer_armed) {
        c->timer_armed = timer_arm_ms(c->timer_fd, CONTROL_TIMEOUT_MS / 4) == 0;
    }
}

static struct control_client *free_slot(struct control *c)
{
    for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
        if (c->clients[i].fd < 0) {
            return &c->clients[i];
        }
    }
    return NULL;
}

// Every slot is busy: stop watching the listening fd, so that further connections wait
// in the backlog (their connect() has succeeded and their request sits in the socket
// buffer) until client_close frees a slot. false if epoll would not have it (then the
// caller accepts and refuses, as before, rather than spin on a level-triggered fd).
static bool pause_accept(struct control *c)
{
    if (loop_mod(c->loop, c->listen_fd, 0) < 0) {
        return false;
    }
    c->accepting = false;
    c->paused_count++;
    return true;
}

static void on_accept(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)events;
    struct control *c = ctx;
    for (;;) {
        struct control_client *cl = free_slot(c);
        if (!cl && pause_accept(c)) {
            return;
        }
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            return; // EAGAIN, or an error that the next connection will retry
        }
        if (!peer_allowed(cfd)) {
            c->denied_count++;
            (void)close(cfd);
            continue;
        }
        if (!cl || loop_add(loop, cfd, EPOLLIN, on_client, c) < 0) {
            c->refused_count++;
            (void)close(cfd);
            continue;
        }
        cl->fd = cfd;
        cl->len = 0;
        cl->deadline_ms = clock_mono_ms() + CONTROL_TIMEOUT_MS;
        arm_timeout(c);
    }
}

static void on_timeout(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct control *c = ctx;
    (void)timer_drain(fd);
    c->timer_armed = false;
    uint64_t now = clock_mono_ms();
    bool any = false;
    for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
        struct control_client *cl = &c->clients[i];
        if (cl->fd >= 0 && now >= cl->deadline_ms) {
            c->timeout_count++;
            client_close(c, cl);
        }
        any = any || cl->fd >= 0;
    }
    if (any) {
        arm_timeout(c);
    }
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
    return (n < 0 || (size_t)n >= sizeof(sa->sun_path)) ? -ENAMETOOLONG : 0;
}

// A socket file nobody answers on is left over from a crash: replace it.
static int remove_stale(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    int e = errno;
    (void)close(fd);
    if (rc == 0) {
        return -EADDRINUSE;
    }
    if (e == ECONNREFUSED) {
        (void)unlink(sa->sun_path);
    }
    return 0;
}

int control_open(struct control *c, struct loop *loop, const char *path, control_handler_fn *fn,
                 void *ctx)
{
    // headers only: the request buffers (16 x 4 KiB) stay untouched until a client writes
    memset(c, 0, offsetof(struct control, bufs));
    c->loop = loop;
    c->fn = fn;
    c->ctx = ctx;
    c->listen_fd = c->timer_fd = -1;
    for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
        c->clients[i].fd = -1;
        c->clients[i].buf = c->bufs[i];
    }
    struct sockaddr_un sa;
    int rc = fill_addr(&sa, path);
    if (rc == 0) {
        rc = remove_stale(&sa);
    }
    if (rc < 0) {
        return rc;
    }
    (void)snprintf(c->path, sizeof(c->path), "%s", path);
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->listen_fd < 0) {
        return -errno;
    }
    mode_t old = umask(0177);
    rc = bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    (void)umask(old);
    if (rc < 0 || listen(c->listen_fd, (int)CONTROL_BACKLOG) < 0) {
        e = rc < 0 ? e : errno;
        (void)close(c->listen_fd);
        c->listen_fd = -1;
        return -e;
    }
    c->timer_fd = timer_create_fd();
    if (c->timer_fd < 0) {
        return c->timer_fd;
    }
    rc = loop_add(loop, c->timer_fd, EPOLLIN, on_timeout, c);
    if (rc == 0) {
        rc = loop_add(loop, c->listen_fd, EPOLLIN, on_accept, c);
    }
    c->accepting = rc == 0;
    return rc;
}

void control_close(struct control *c)
{
    for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
        client_close(c, &c->clients[i]);
    }
    if (c->listen_fd >= 0) {
        loop_del(c->loop, c->listen_fd);
        (void)close(c->listen_fd);
        (void)unlink(c->path);
    }
    if (c->timer_fd >= 0) {
        loop_del(c->loop, c->timer_fd);
        (void)close(c->timer_fd);
    }
    c->listen_fd = c->timer_fd = -1;
}

// One attempt: connect, send line, read the reply into buf (at most CONTROL_RESPONSE_MAX).
// 0 with *len, or -errno; *started tells whether any reply byte came (then no retry).
static int request_once(const struct sockaddr_un *sa, const char *line, size_t line_len, char *buf,
                        size_t *len, bool *started)
{
    *len = 0;
    *started = false;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    // The send timeout also bounds a blocking connect() to a full backlog (it then fails
    // with EAGAIN); the receive timeout covers a daemon that accepted and hangs.
    struct timeval tv = {.tv_sec = 10};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int rc = 0;
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
        rc = -errno;
    }
    if (rc == 0) {
        rc = send_all(fd, line, line_len);
    }
    while (rc == 0 && *len < CONTROL_RESPONSE_MAX) {
        ssize_t r = read(fd, buf + *len, CONTROL_RESPONSE_MAX - *len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            rc = -errno;
        } else if (r == 0) {
            break;
        } else {
            *len += (size_t)r;
            *started = true;
        }
    }
    (void)close(fd);
    return rc;
}

static bool retryable(int rc)
{
    return rc == -ECONNREFUSED || rc == -EAGAIN || rc == -ECONNRESET || rc == -EPIPE;
}

int control_request(const char *path, json_t *req, json_t **resp)
{
    struct sockaddr_un sa;
    int rc = fill_addr(&sa, path);
    if (rc < 0) {
        return rc;
    }
    char line[CONTROL_REQUEST_MAX];
    size_t n = json_dumpb(req, line, sizeof(line) - 1, JSON_COMPACT);
    if (n == 0 || n >= sizeof(line) - 1) {
        return -E2BIG;
    }
    line[n++] = '\n';
    char *buf = malloc(CONTROL_RESPONSE_MAX + 1);
    if (!buf) {
        return -ENOMEM;
    }
    // Bounded retry: a daemon that is restarting (ECONNREFUSED on a stale socket file) or
    // one that reset the connection before answering (the pre-issue-12 daemon did so past
    // CONTROL_CLIENTS_MAX) gets CONTROL_RETRY_MS in all; an absent socket (ENOENT) fails
    // at once, and a reply once started is never asked again (start/stop are not replayed).
    uint64_t deadline = clock_mono_ms() + CONTROL_RETRY_MS;
    uint64_t wait_ms = CONTROL_RETRY_FIRST_MS;
    size_t len = 0;
    bool started = false;
    for (;;) {
        rc = request_once(&sa, line, n, buf, &len, &started);
        uint64_t now = clock_mono_ms();
        if (rc == 0 || started || !retryable(rc) || now + wait_ms > deadline) {
            break;
        }
        struct timespec ts = {.tv_sec = (time_t)(wait_ms / 1000),
                              .tv_nsec = (long)(wait_ms % 1000) * 1000000L};
        (void)nanosleep(&ts, NULL);
        wait_ms = wait_ms * 2 > CONTROL_RETRY_STEP_MAX_MS ? CONTROL_RETRY_STEP_MAX_MS : wait_ms * 2;
    }
    if (rc == 0) {
        json_error_t jerr;
        *resp = json_loadb(buf, len, 0, &jerr);
        rc = *resp ? 0 : -EPROTO;
    }
    free(buf);
    return rc;
}
