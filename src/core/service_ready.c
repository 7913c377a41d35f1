// SPDX-License-Identifier: MIT
// Readiness (`ready = notify | tcp | http:/PATH`) and the sd_notify watchdog. notify: one
// datagram socket for all services (abstract "@warden/PID/notify", SO_PASSCRED), messages
// mapped to a service by the sender's pid (main process, or any process in its cgroup).
// tcp: a connection to the held listening socket is accepted (its accept queue, read with
// TCP_INFO, drains). http: GET PATH on it answers 200. Probes run every READY_PROBE_MS from
// the service's ready timer; the same timer is the watchdog once the service is ready.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "loop.h"
#include "probe_owner.h"
#include "service_int.h"
#include "supervisor.h"

#define READY_PROBE_MS   100u  // between probes while starting
#define READY_HTTP_MAX_S 2u    // an HTTP probe without an answer by then is tried afresh
#define NOTIFY_MSG_MAX   4096u // one sd_notify datagram (systemd allows larger; we cut)

static const char *const ready_names[] = {"none", "notify", "tcp", "http"};

const char *service_ready_name(enum ready_kind k)
{
    return (unsigned)k < sizeof(ready_names) / sizeof(ready_names[0]) ? ready_names[k] : "?";
}

/* ---- sd_notify ---- */

// The service a notification comes from: its main pid, or a pid inside its cgroup.
static struct service *sender(struct supervisor *sup, pid_t pid)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (sup->services[i].pid == pid && pid > 0) {
            return &sup->services[i];
        }
    }
    char path[64], line[512];
    (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(path, "re");
    struct service *found = NULL;
    while (f && !found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *cg = strchr(line, ':') ? strchr(strchr(line, ':') + 1, ':') : NULL;
        for (unsigned i = 0; cg && !found && i < sup->service_count; i++) {
            struct service *svc = &sup->services[i];
            const char *p[2] = {svc->cg.v2_path, svc->cg.mem_path};
            for (int k = 0; k < 2 && !found; k++) {
                size_t n = strlen(cg + 1), m = strlen(p[k]);
                found = svc->pid > 0 && n > 1 && m >= n && strcmp(p[k] + m - n, cg + 1) == 0 ? svc
                                                                                             : NULL;
            }
        }
    }
    if (f) {
        (void)fclose(f);
    }
    return found;
}

// The value of line (n bytes) when it is exactly KEY=VALUE for this key, else NULL.
static const char *notify_value(const char *line, size_t n, const char *key)
{
    size_t k = strlen(key);
    return n >= k && memcmp(line, key, k) == 0 ? line + k : NULL;
}

int service_notify_parse(const char *buf, size_t len, struct notify_msg *out)
{
    if (!buf || !out) {
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    const char *nul = memchr(buf, '\0', len);
    const char *end = nul ? nul : buf + len;
    for (const char *line = buf; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((nl ? nl : end) - line);
        const char *status = notify_value(line, n, "STATUS=");
        if (n == 0) {
            // an empty line (a trailing newline) says nothing
        } else if (n == 7 && memcmp(line, "READY=1", 7) == 0) {
            out->ready = true;
        } else if (n == 10 && memcmp(line, "WATCHDOG=1", 10) == 0) {
            out->watchdog = true;
        } else if (n == 10 && memcmp(line, "STOPPING=1", 10) == 0) {
            out->stopping = true;
        } else if (status) {
            size_t v = n - 7, cap = sizeof(out->status) - 1;
            memcpy(out->status, status, v < cap ? v : cap); // cut, as the snprintf did
            out->status[v < cap ? v : cap] = '\0';
            out->has_status = true;
        } else {
            out->unknown_count++;
        }
        line = nl ? nl + 1 : end;
    }
    return 0;
}

static void on_notify(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    static char msg[NOTIFY_MSG_MAX];
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(struct ucred))];
    } c;
    struct iovec iov = {msg, NOTIFY_MSG_MAX};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = c.buf,
                        .msg_controllen = sizeof(c.buf)};
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return;
    }
    struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
    struct ucred cred = {0};
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
        memcpy(&cred, CMSG_DATA(h), sizeof(cred));
    }
    struct service *svc = cred.pid > 0 ? sender(sup, cred.pid) : NULL;
    if (!svc) {
        sup->notify_ignored++; // not from a service of ours (or it is gone already)
        return;
    }
    struct notify_msg m;
    (void)service_notify_parse(msg, (size_t)n, &m); // cannot fail: both pointers are ours
    // STATUS= first, so a "STATUS=...\nREADY=1" is shown by the time it is ready; READY
    // before WATCHDOG, so "READY=1\nWATCHDOG=1" arms the watchdog of the now running service
    if (m.has_status) {
        (void)snprintf(svc->notify_status, sizeof(svc->notify_status), "%s", m.status);
    }
    if (m.ready) {
        svc->notified_ready = true;
        service_handle(svc, SVC_EV_READY);
    }
    if (m.watchdog && svc->cfg->watchdog_ms && svc->state == SVC_RUNNING &&
        svc->ready_timer_fd >= 0) {
        (void)timer_arm_ms(svc->ready_timer_fd, svc->cfg->watchdog_ms);
        svc->watchdog_pings++;
    }
    if (m.stopping) {
        log_debug("%s: notified STOPPING=1", svc->cfg->name);
    }
}

bool service_wants_notify(const struct service *svc)
{
    return svc->sup->notify_fd >= 0 && (svc->cfg->ready == READY_NOTIFY || svc->cfg->watchdog_ms);
}

int service_notify_open(struct supervisor *sup)
{
    sup->notify_fd = -1;
    bool wanted = false;
    for (unsigned i = 0; i < sup->service_count; i++) {
        wanted = wanted || sup->services[i].cfg->ready == READY_NOTIFY ||
                 sup->services[i].cfg->watchdog_ms;
    }
    if (!wanted) {
        return 0;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    int len = snprintf(sup->notify_path, sizeof(sup->notify_path), "@warden/%d/notify",
                       (int)getpid()); // fits: 40 bytes hold any pid
    memcpy(un.sun_path, sup->notify_path, (size_t)len);
    un.sun_path[0] = '\0'; // abstract: nothing on disk to clean up, nothing to collide with
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&un,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)len)) < 0 ||
        loop_add(sup->loop, fd, EPOLLIN, on_notify, sup) < 0) {
        int e = errno;
        (void)close(fd);
        return -e;
    }
    sup->notify_fd = fd;
    return 0;
}

/* ---- probes ---- */

// The first tcp listen address, as a loopback address to connect to.
static bool probe_addr(const struct service *svc, struct listen_addr *a, int *listen_fd)
{
    for (unsigned i = 0; i < svc->cfg->listen_count && i < svc->listen_open; i++) {
        if (listen_parse(svc->cfg->listen[i], a, NULL, 0) != 0 || a->is_unix) {
            continue;
        }
        if (a->sa.ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
            if (s4->sin_addr.s_addr == htonl(INADDR_ANY)) {
                s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            }
        } else {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
            if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)) {
                s6->sin6_addr = in6addr_loopback;
            }
        }
        *listen_fd = svc->listen_fds[i];
        return true;
    }
    return false;
}

static void close_probe(struct service *svc)
{
    service_close_fd(svc, &svc->probe_fd);
    svc->probe_sent_ms = 0;
    svc->probe_owned = false;
}

// HTTP probe: the answer's status line.
static void on_probe(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    buf[n > 0 ? n : 0] = '\0';
    bool ok = n >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0;
    close_probe(svc); // an answer other than 200, or none: the next tick tries again
    if (ok) {
        service_handle(svc, SVC_EV_READY);
    }
}

static bool send_http_probe(struct service *svc)
{
    char req[300];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n",
                     svc->cfg->ready_path);
    return send(svc->probe_fd, req, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n &&
           loop_add(svc->sup->loop, svc->probe_fd, EPOLLIN, on_probe, svc) == 0;
}

// During an overlap restart the old instance accepts from the same socket: a probe counts
// only once the replacement itself accepted it (probe_owner.h). Until then nothing is sent
// on it; one the old instance accepted is closed and the next tick tries again.
static void overlap_probe_step(struct service *svc, uint64_t now)
{
    uint64_t inode = 0;
    int rc = probe_accepted_inode(svc->probe_fd, &inode);
    struct sockaddr_storage peer;
    socklen_t pl = sizeof(peer);
    if (rc < 0 && rc != -ENOTCONN &&
        getpeername(svc->probe_fd, (struct sockaddr *)&peer, &pl) == 0) {
        // connected, yet the kernel cannot say who holds it (no inet_diag: a kernel
        // without tcp_diag): judged as without an overlap, and said once
        static bool said;
        if (!said) {
            said = true;
            log_warnx("%s: cannot tell which instance accepted the readiness probe (sock_diag: "
                      "%s): during overlap restarts an answer of the old instance may count",
                      svc->cfg->name, strerror(-rc));
        }
        svc->probe_owned = true;
        if (svc->cfg->ready == READY_HTTP && !send_http_probe(svc)) {
            close_probe(svc);
        }
        return;
    }
    if (rc == 0 && inode == 0) {
        if (now - svc->probe_sent_ms >= READY_HTTP_MAX_S * 1000ull) {
            close_probe(svc); // still in the accept queue: nobody accepts; afresh
        }
        return;
    }
    int mine = rc == 0 ? probe_cgroup_holds(cgroup_procs_dirfd(&svc->cg), "/proc", inode) : rc;
    if (mine <= 0) {
        svc->probe_foreign++; // the old instance took it (or it is gone): not evidence
        close_probe(svc);
        return;
    }
    if (svc->cfg->ready == READY_TCP) {
        close_probe(svc);
        service_handle(svc, SVC_EV_READY);
        return;
    }
    svc->probe_owned = true;
    svc->probe_sent_ms = now;
    if (!send_http_probe(svc)) {
        close_probe(svc);
    }
}

// One probe step, from the ready timer while starting.
static void probe_tick(struct service *svc)
{
    struct listen_addr a;
    int lfd = -1;
    if (!probe_addr(svc, &a, &lfd)) {
        return;
    }
    uint64_t now = clock_mono_ms();
    if (svc->probe_fd >= 0 && svc->retiring && !svc->probe_owned) {
        overlap_probe_step(svc, now);
        return;
    }
    if (svc->probe_fd >= 0) {
        if (svc->cfg->ready == READY_TCP) {
            // our connection waits in the held socket's accept queue until the service
            // accepts: an empty queue means it is accepting
            struct tcp_info ti;
            socklen_t tl = sizeof(ti);
            if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_unacked == 0) {
                close_probe(svc);
                service_handle(svc, SVC_EV_READY);
            }
            return;
        }
        if (now - svc->probe_sent_ms < READY_HTTP_MAX_S * 1000ull) {
            return; // still waiting for the answer
        }
        close_probe(svc);
    }
    int fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return;
    }
    // loopback: the handshake completes within connect(), even before the service accepts
    if (connect(fd, (struct sockaddr *)&a.sa, a.len) < 0 && errno != EINPROGRESS) {
        (void)close(fd);
        return;
    }
    svc->probe_fd = fd;
    svc->probe_sent_ms = now;
    svc->probe_owned = false;
    if (svc->retiring) {
        return; // the next tick asks who accepted it (overlap_probe_step)
    }
    if (svc->cfg->ready == READY_HTTP && !send_http_probe(svc)) {
        close_probe(svc);
    }
}

static void on_ready_timer(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    if (timer_drain(fd) == 0) {
        return;
    }
    if (svc->state == SVC_STARTING) {
        probe_tick(svc);
        (void)timer_arm_ms(fd, READY_PROBE_MS);
    } else if (svc->state == SVC_RUNNING && svc->cfg->watchdog_ms) {
        log_warnx("%s: no WATCHDOG=1 for %llu ms: killing it", svc->cfg->name,
                  (unsigned long long)svc->cfg->watchdog_ms);
        service_guard_kill(svc, "watchdog",
                           json_pack("{s:I, s:I}", "watchdog_ms", (json_int_t)svc->cfg->watchdog_ms,
                                     "pings", (json_int_t)svc->watchdog_pings));
    }
}

static int ready_timer(struct service *svc)
{
    if (svc->ready_timer_fd < 0) {
        int tfd = timer_create_fd();
        if (tfd < 0) {
            return tfd;
        }
        if (loop_add(svc->sup->loop, tfd, EPOLLIN, on_ready_timer, svc) < 0) {
            (void)close(tfd);
            return -EMFILE;
        }
        svc->ready_timer_fd = tfd;
    }
    return 0;
}

void service_ready_begin(struct service *svc)
{
    if ((svc->cfg->ready == READY_TCP || svc->cfg->ready == READY_HTTP) && ready_timer(svc) == 0) {
        (void)timer_arm_ms(svc->ready_timer_fd, 1);
    }
}

void service_ready_running(struct service *svc)
{
    close_probe(svc);
    if (svc->cfg->watchdog_ms && ready_timer(svc) == 0) {
        (void)timer_arm_ms(svc->ready_timer_fd, svc->cfg->watchdog_ms);
    } else if (svc->ready_timer_fd >= 0) {
        (void)timer_arm_ms(svc->ready_timer_fd, 0);
    }
}

void service_ready_end(struct service *svc)
{
    close_probe(svc);
    if (svc->ready_timer_fd >= 0) {
        (void)timer_arm_ms(svc->ready_timer_fd, 0);
    }
}

void service_ready_fini(struct service *svc)
{
    close_probe(svc);
    service_close_fd(svc, &svc->ready_timer_fd);
}
