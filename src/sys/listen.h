/* SPDX-License-Identifier: MIT */
/* Listening sockets warden holds for a service (`listen = tcp:HOST:PORT | unix:PATH`) and
 * passes to each instance with the systemd socket-activation convention (fds from 3,
 * LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES). Open across restarts: while no instance runs,
 * connections wait in the kernel's backlog instead of being refused. When an address is
 * taken, who holds it (pid and command, from /proc/net and /proc/PID/fd). */
#ifndef WARDEN_LISTEN_H
#define WARDEN_LISTEN_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h" // LISTEN_MAX, LISTEN_BACKLOG, LISTEN_ADDR_TEXT

#define LISTEN_FD_FIRST 3 /* SD_LISTEN_FDS_START */

struct listen_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    bool is_unix;
};

/* Parse "tcp:HOST:PORT" (HOST: IPv4, [IPv6], or empty/"*" for all; PORT 1..65535) or
 * "unix:PATH" (absolute, shorter than sun_path). Pure. 0, or -EINVAL with err saying why
 * and the accepted forms. */
int listen_parse(const char *text, struct listen_addr *out, char *err, size_t errlen);

/* Bind and listen (SO_REUSEADDR; close-on-exec; a stale unix socket file nobody listens
 * on is replaced). Returns the fd, or -errno. */
int listen_open(const struct listen_addr *a);

/* Who holds a TCP port or unix socket: "pid 812 (nginx: master process ...)", or "" when
 * it cannot be found (another network namespace, no permission). Scans /proc/net/tcp,
 * tcp6 or unix for the listening socket's inode, then /proc/PID/fd for that inode. */
void listen_holder(const struct listen_addr *a, char *buf, size_t size);

#endif
