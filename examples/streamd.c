// SPDX-License-Identifier: MIT
// streamd: an example streaming server for warden's zero-drop restarts, and the workload
// of bench/run.sh zerodrop and the listen/ready tests.
//
//   streamd [--port N] [--kb N] [--chunk-kb N] [--pace-ms N] [--leak-kb N]
//
// - Socket activation: uses fd 3 when LISTEN_FDS >= 1 and LISTEN_PID is its own pid (the
//   systemd convention warden follows); otherwise binds 127.0.0.1:PORT itself.
// - sd_notify: sends READY=1 once it accepts, STOPPING=1 when it drains, to NOTIFY_SOCKET
//   (a path, or an abstract name starting with '@').
// - Each connection: reads one request line, answers "HTTP/1.0 200 OK" with a body of
//   --kb KiB (or ?kb=N in the request), sent in --chunk-kb pieces every --pace-ms, so a
//   stream lasts a while. GET /healthz answers a short 200.
// - --leak-kb N: every streamed request allocates N KiB and never frees it (the leak that
//   drives memory_restart in the benchmark).
// - SIGTERM: stops accepting (closes its listening fd: warden's copy stays open), finishes
//   the streams in flight, exits 0.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    long kb, chunk_kb, pace_ms, leak_kb;
} opt = {4096, 64, 10, 0};

static char chunk[1 << 20]; // the body's bytes, filled once
static volatile sig_atomic_t stopping;
static atomic_int active;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static void notify(const char *msg)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) {
        return;
    }
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (n >= sizeof(un.sun_path)) {
        return;
    }
    memcpy(un.sun_path, path, n);
    if (un.sun_path[0] == '@') {
        un.sun_path[0] = '\0'; // abstract namespace
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        (void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&un,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
        (void)close(fd);
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[512];
    size_t got = 0;
    while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
        ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    req[got] = '\0';
    char head[160];
    if (strstr(req, "/healthz")) {
        static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        (void)write_all(fd, ok, sizeof(ok) - 1);
    } else {
        long kb = opt.kb;
        const char *q = strstr(req, "kb=");
        if (q) {
            kb = strtol(q + 3, NULL, 10);
        }
        if (opt.leak_kb > 0) { // never freed: the leak
            char *leak = malloc((size_t)opt.leak_kb * 1024);
            if (leak) {
                memset(leak, 0x5a, (size_t)opt.leak_kb * 1024);
            }
        }
        int hn = snprintf(head, sizeof(head),
                          "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %ld\r\n\r\n",
                          kb * 1024);
        size_t left = (size_t)kb * 1024, piece = (size_t)opt.chunk_kb * 1024;
        piece = piece > sizeof(chunk) ? sizeof(chunk) : piece;
        int rc = write_all(fd, head, (size_t)hn);
        struct timespec pace = {opt.pace_ms / 1000, (opt.pace_ms % 1000) * 1000000};
        while (rc == 0 && left > 0) {
            size_t n = left < piece ? left : piece;
            rc = write_all(fd, chunk, n);
            left -= n;
            if (left && opt.pace_ms) {
                (void)nanosleep(&pace, NULL);
            }
        }
    }
    (void)close(fd);
    atomic_fetch_sub(&active, 1);
    return NULL;
}

static int own_socket(long port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(fd, 128) < 0) {
        perror("streamd: bind");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    long port = 8080;
    for (int i = 1; i + 1 < argc; i += 2) {
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--port") == 0) {
            port = v;
        } else if (strcmp(argv[i], "--kb") == 0) {
            opt.kb = v;
        } else if (strcmp(argv[i], "--chunk-kb") == 0) {
            opt.chunk_kb = v > 0 ? v : 1;
        } else if (strcmp(argv[i], "--pace-ms") == 0) {
            opt.pace_ms = v;
        } else if (strcmp(argv[i], "--leak-kb") == 0) {
            opt.leak_kb = v;
        } else {
            fprintf(stderr, "usage: streamd [--port N] [--kb N] [--chunk-kb N] [--pace-ms N] "
                            "[--leak-kb N]\n");
            return 2;
        }
    }
    memset(chunk, 'x', sizeof(chunk));
    const char *fds = getenv("LISTEN_FDS"), *lpid = getenv("LISTEN_PID");
    bool activated = fds && lpid && atoi(fds) >= 1 && atol(lpid) == (long)getpid();
    int lfd = activated ? 3 : own_socket(port);
    unsetenv("LISTEN_FDS"); // as sd_listen_fds(1) does: not for our children
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDNAMES");
    struct sigaction sa = {.sa_handler = on_term}; // no SA_RESTART: poll returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "streamd: pid %d serving on %s\n", (int)getpid(),
            activated ? "fd 3 (socket activation)" : "its own socket");
    notify("READY=1\nSTATUS=serving");
    while (!stopping) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) {
            continue;
        }
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            continue;
        }
        pthread_t t;
        atomic_fetch_add(&active, 1);
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 64 << 10);
        if (pthread_create(&t, &at, serve, (void *)(intptr_t)c) != 0) {
            atomic_fetch_sub(&active, 1);
            close(c);
        }
        pthread_attr_destroy(&at);
    }
    notify("STOPPING=1");
    close(lfd); // stop accepting; warden's copy of a passed socket stays open
    fprintf(stderr, "streamd: draining %d streams\n", atomic_load(&active));
    while (atomic_load(&active) > 0) {
        struct timespec ms10 = {0, 10000000};
        nanosleep(&ms10, NULL);
    }
    fprintf(stderr, "streamd: drained, exiting\n");
    return 0;
}
