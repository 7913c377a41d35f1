// SPDX-License-Identifier: MIT
// Test helper: connect to 127.0.0.1:PORT (or a unix socket PATH) once, print "connected"
// or "refused: ERROR", exit 0 or 1. With a byte count, also send "GET /\n" and read until
// EOF, printing how many bytes came back. Bounded by a 5 s timeout per step.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tcpconnect PORT|/UNIX/PATH [read]\n");
        return 2;
    }
    int fd;
    int rc;
    if (argv[1][0] == '/') {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        snprintf(un.sun_path, sizeof(un.sun_path), "%s", argv[1]);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
    } else {
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval tv = {5, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
    }
    if (rc < 0) {
        printf("refused: %s\n", strerror(errno));
        return 1;
    }
    printf("connected\n");
    if (argc > 2) {
        (void)!write(fd, "GET /\n", 6);
        char buf[65536];
        long long total = 0;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
            total += n;
        }
        printf("read %lld bytes%s\n", total, n < 0 ? " (error)" : "");
    }
    close(fd);
    return 0;
}
