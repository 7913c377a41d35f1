// SPDX-License-Identifier: MIT
// Who accepted a readiness probe (probe_owner.h): sock_diag for the server side's inode,
// then the replacement's processes' fd tables for that inode.
#include "probe_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"

int probe_link_is_socket(const char *link, size_t len, uint64_t inode)
{
    char want[40];
    int n = snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
    return n > 0 && (size_t)n == len && memcmp(link, want, len) == 0;
}

// The diag request for the server side of probe_fd's connection: its source is our peer.
static int fill_request(int probe_fd, struct inet_diag_req_v2 *req)
{
    struct sockaddr_storage self = {0}, peer = {0};
    socklen_t sl = sizeof(self), pl = sizeof(peer);
    if (getsockname(probe_fd, (struct sockaddr *)&self, &sl) < 0 ||
        getpeername(probe_fd, (struct sockaddr *)&peer, &pl) < 0) {
        return -errno; // ENOTCONN: the handshake did not complete (or it was reset)
    }
    memset(req, 0, sizeof(*req));
    req->sdiag_family = (uint8_t)self.ss_family;
    req->sdiag_protocol = IPPROTO_TCP;
    req->idiag_states = ~0u;
    req->id.idiag_cookie[0] = req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (self.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&self;
        const struct sockaddr_in *p = (const struct sockaddr_in *)&peer;
        req->id.idiag_sport = p->sin_port;
        req->id.idiag_dport = s->sin_port;
        memcpy(req->id.idiag_src, &p->sin_addr, 4);
        memcpy(req->id.idiag_dst, &s->sin_addr, 4);
    } else if (self.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&self;
        const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)&peer;
        req->id.idiag_sport = p->sin6_port;
        req->id.idiag_dport = s->sin6_port;
        memcpy(req->id.idiag_src, &p->sin6_addr, 16);
        memcpy(req->id.idiag_dst, &s->sin6_addr, 16);
    } else {
        return -EAFNOSUPPORT;
    }
    return 0;
}

// One reply of the exact lookup: its inode, or the kernel's error.
static int parse_reply(const char *buf, ssize_t n, uint64_t *inode)
{
    const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
    if (n < (ssize_t)sizeof(*h) || !NLMSG_OK(h, (size_t)n)) {
        return -EPROTO;
    }
    if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? e->error : -EPROTO;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
        return -EPROTO;
    }
    const struct inet_diag_msg *m = NLMSG_DATA(h);
    *inode = m->idiag_inode;
    return 0;
}

int probe_accepted_inode(int probe_fd, uint64_t *inode)
{
    struct {
        struct nlmsghdr h;
        struct inet_diag_req_v2 r;
    } msg;
    *inode = 0;
    int rc = fill_request(probe_fd, &msg.r);
    if (rc < 0) {
        return rc;
    }
    msg.h = (struct nlmsghdr){.nlmsg_len = sizeof(msg),
                              .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                              .nlmsg_flags = NLM_F_REQUEST};
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
        return -errno;
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char buf[PROBE_DIAG_REPLY_MAX];
    ssize_t n = -1;
    if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
        (ssize_t)sizeof(msg)) {
        do {
            n = recv(nl, buf, sizeof(buf), 0);
        } while (n < 0 && errno == EINTR);
    }
    rc = n < 0 ? -errno : parse_reply(buf, n, inode);
    (void)close(nl);
    return rc;
}

// Does process pid hold the socket? Reads at most *budget fd links (decremented).
static int pid_holds(const char *proc_root, const char *pid, uint64_t inode, unsigned *budget)
{
    char path[WARDEN_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%.16s/fd", proc_root, pid) >= (int)sizeof(path)) {
        return 0;
    }
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) {
            (void)close(dfd);
        }
        return 0; // gone, or not ours to read
    }
    int found = 0;
    struct dirent *de;
    while (!found && *budget > 0 && (de = readdir(d)) != NULL) {
        char link[64];
        if (de->d_name[0] == '.') {
            continue;
        }
        (*budget)--;
        ssize_t n = readlinkat(dfd, de->d_name, link, sizeof(link));
        found = n > 0 && probe_link_is_socket(link, (size_t)n, inode);
    }
    (void)closedir(d);
    return found;
}

int probe_cgroup_holds(int procs_dirfd, const char *proc_root, uint64_t inode)
{
    int fd = openat(procs_dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    char buf[PROBE_OWNER_PIDS_MAX * 8];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) != 0) {
        if (n < 0 && errno != EINTR) {
            int e = errno;
            (void)close(fd);
            return -e;
        }
        got += n > 0 ? (size_t)n : 0;
    }
    (void)close(fd);
    buf[got] = '\0';
    unsigned budget = PROBE_OWNER_FDS_MAX, pids = 0;
    int found = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "\n", &save);
         tok && !found && pids < PROBE_OWNER_PIDS_MAX; tok = strtok_r(NULL, "\n", &save)) {
        pids++;
        found = pid_holds(proc_root, tok, inode, &budget);
    }
    return found;
}
