// SPDX-License-Identifier: MIT
// streamload: C clients stream from 127.0.0.1:PORT for S seconds, each in a loop: connect,
// "GET /stream?kb=KB", read to EOF. Each attempt is counted once:
//   completed  the whole body arrived (header + KB KiB)
//   cut        connected, but the stream ended early (EOF, reset) or stalled 30 s
//   refused    the connection was refused or not accepted in 30 s
// and the worst wait for a stream's first byte is printed (queued during a restart).
//   streamload PORT CLIENTS SECONDS KB
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int port;
static long kb;
static double deadline;
static atomic_long completed, cut, refused, worst_wait_us;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void one(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    double t0 = now();
    if (connect(fd, (struct sockaddr *)&in, sizeof(in)) < 0) {
        atomic_fetch_add(&refused, 1);
        close(fd);
        usleep(10000); // a refused client retries after 10 ms, as a real one would
        return;
    }
    char req[64];
    int n = snprintf(req, sizeof(req), "GET /stream?kb=%ld HTTP/1.0\r\n\r\n", kb);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        atomic_fetch_add(&cut, 1);
        close(fd);
        return;
    }
    static __thread char buf[1 << 16];
    long long got = 0, body = -1;
    ssize_t r;
    bool first = true;
    while ((r = recv(fd, buf, sizeof(buf), 0)) > 0) {
        if (first) {
            long us = (long)((now() - t0) * 1e6);
            long w = atomic_load(&worst_wait_us);
            while (us > w && !atomic_compare_exchange_weak(&worst_wait_us, &w, us)) {
            }
            first = false;
        }
        got += r;
        if (body < 0) {
            char *end = memmem(buf, (size_t)r, "\r\n\r\n", 4);
            if (end) {
                body = got - r + (end + 4 - buf); // header length
            }
        }
    }
    long long want = body < 0 ? -1 : body + kb * 1024;
    if (got > 0 && got == want) {
        atomic_fetch_add(&completed, 1);
    } else if (got == 0 && first) {
        // accepted by the kernel, dropped before a byte: its listener closed (no one held it)
        atomic_fetch_add(&refused, 1);
    } else {
        atomic_fetch_add(&cut, 1);
    }
    close(fd);
}

static void *worker(void *arg)
{
    (void)arg;
    while (now() < deadline) {
        one();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: streamload PORT CLIENTS SECONDS KB\n");
        return 2;
    }
    port = atoi(argv[1]);
    int clients = atoi(argv[2]);
    deadline = now() + atof(argv[3]);
    kb = atol(argv[4]);
    pthread_t t[256];
    clients = clients > 256 ? 256 : clients;
    for (int i = 0; i < clients; i++) {
        pthread_create(&t[i], NULL, worker, NULL);
    }
    for (int i = 0; i < clients; i++) {
        pthread_join(t[i], NULL);
    }
    printf("completed %ld cut %ld refused %ld worst_first_byte_ms %ld\n", atomic_load(&completed),
           atomic_load(&cut), atomic_load(&refused), atomic_load(&worst_wait_us) / 1000);
    return 0;
}
