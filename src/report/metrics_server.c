// SPDX-License-Identifier: MIT
// The /metrics HTTP server: libmicrohttpd in external epoll mode (MHD_USE_EPOLL without
// MHD_USE_INTERNAL_POLLING_THREAD), so warden's one loop watches MHD's epoll fd and calls
// MHD_run; no thread exists. The listening socket is made here (exact errors, close-on-
// exec, dual stack), connections are capped and counted here, and response bodies live in
// fixed slots allocated once. Also the listen address parser.
//
// libmicrohttpd is loaded with dlopen when a metrics address is configured, not linked:
// Debian builds it with GnuTLS, whose libraries (and their constructors) added 2.4 MB to
// warden's private memory when linked (bench/run.sh rss: 364 kB without, 2,832 kB with).
// Without `metrics`, warden never maps them. A static build (make static) cannot dlopen:
// it links a libmicrohttpd built without HTTPS (scripts/mhd_static.sh) and defines
// WARDEN_MHD_LINKED.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#ifndef WARDEN_MHD_LINKED
#include <dlfcn.h>
#endif

#include "metrics.h"

#ifndef WARDEN_MHD_LINKED
#define MHD_SONAME "libmicrohttpd.so.12"

// The libmicrohttpd calls this file makes, resolved by mhd_load().
static struct {
    void *handle;
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_run) *run;
    __typeof__(MHD_get_timeout) *get_timeout;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_buffer_with_free_callback_cls) *create_response_free_cls;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
} mhd;

#define MHD_start_daemon                                       (*mhd.start_daemon)
#define MHD_stop_daemon                                        (*mhd.stop_daemon)
#define MHD_run                                                (*mhd.run)
#define MHD_get_timeout                                        (*mhd.get_timeout)
#define MHD_get_daemon_info                                    (*mhd.get_daemon_info)
#define MHD_queue_response                                     (*mhd.queue_response)
#define MHD_destroy_response                                   (*mhd.destroy_response)
#define MHD_add_response_header                                (*mhd.add_response_header)
#define MHD_create_response_from_buffer                        (*mhd.create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback_cls (*mhd.create_response_free_cls)
#define MHD_get_connection_info                                (*mhd.get_connection_info)
#define MHD_lookup_connection_value                            (*mhd.lookup_connection_value)

#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define ADDR_FORMS                                                                                 \
    "expected IPV4:PORT (127.0.0.1:9101), [IPV6]:PORT ([::1]:9101) or :PORT (all "                 \
    "addresses), with PORT 0..65535"

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (!err || errlen == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): clang-tidy 14 multi-file bug
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int addr_error(const char *s, const char *why, char *err, size_t errlen)
{
    set_err(err, errlen, "invalid metrics address \"%.*s\" (%s): " ADDR_FORMS, ADDR_QUOTE_MAX, s,
            why);
    return -EINVAL;
}

// Decimal 0..65535, 1 to 5 digits, nothing else (no sign, space or suffix).
static int parse_port(const char *s, uint16_t *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5) {
        return -EINVAL;
    }
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -EINVAL;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535) {
        return -EINVAL;
    }
    *port = (uint16_t)v;
    return 0;
}

// Split s into host (copied to host, hsize bytes) and the text after the last ':'.
// *bracketed tells whether the host was written [IPV6].
static const char *split_host_port(const char *s, char *host, size_t hsize, bool *bracketed,
                                   const char **why)
{
    const char *host_start = s, *host_end;
    *bracketed = s[0] == '[';
    if (*bracketed) {
        host_start = s + 1;
        host_end = strchr(host_start, ']');
        if (!host_end || host_end[1] != ':') {
            *why = host_end ? "no ':' after ']'" : "no ']'";
            return NULL;
        }
    } else {
        host_end = strchr(s, ':');
        if (!host_end) {
            *why = "no port";
            return NULL;
        }
        if (strchr(host_end + 1, ':')) {
            *why = "an IPv6 address goes in brackets";
            return NULL;
        }
    }
    size_t hlen = (size_t)(host_end - host_start);
    if (hlen >= hsize) {
        *why = "address too long";
        return NULL;
    }
    memcpy(host, host_start, hlen);
    host[hlen] = '\0';
    return host_end + (*bracketed ? 2 : 1);
}

int metrics_parse_addr(const char *s, struct metrics_addr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!s) {
        return addr_error("", "empty", err, errlen);
    }
    char host[INET6_ADDRSTRLEN]; // the longest IPv6 text form, with NUL
    bool bracketed;
    const char *why = NULL;
    const char *port_s = split_host_port(s, host, sizeof(host), &bracketed, &why);
    uint16_t port;
    if (!port_s) {
        return addr_error(s, why, err, errlen);
    }
    if (parse_port(port_s, &port) < 0) {
        return addr_error(s, "port is not a number 0..65535", err, errlen);
    }
    if (bracketed) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
            return addr_error(s, "not an IPv6 address", err, errlen);
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        out->len = sizeof(*a6);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
    if (host[0] == '\0') { // ":PORT": IPv6 any, dual-stack; listen_on falls back to IPv4
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        a6->sin6_port = htons(port);
        out->len = sizeof(*a6);
        out->any = true;
        return 0;
    }
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
        return addr_error(s, "not an IPv4 address; host names are not resolved", err, errlen);
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    out->len = sizeof(*a4);
    return 0;
}

// Bind and listen on a; returns the non-blocking, close-on-exec socket or -errno.
static int listen_socket(const struct sockaddr *sa, socklen_t len, bool dual_stack)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1, zero = 0, rc = 0;
    // SO_REUSEADDR: a restarted warden binds again while old connections sit in TIME_WAIT.
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (dual_stack && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
        bind(fd, sa, len) < 0 || listen(fd, (int)METRICS_LISTEN_BACKLOG) < 0) {
        rc = -errno;
        (void)close(fd);
        return rc;
    }
    return fd;
}

// ":PORT" listens on [::] for IPv6 and IPv4 together; on a host without IPv6 (a kernel
// built without it, ipv6.disable=1) it falls back to 0.0.0.0.
static int listen_on(const struct metrics_addr *a)
{
    int fd = listen_socket((const struct sockaddr *)&a->ss, a->len, a->any);
    if (a->any && (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
        struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = a6->sin6_port};
        a4.sin_addr.s_addr = htonl(INADDR_ANY);
        fd = listen_socket((const struct sockaddr *)&a4, sizeof(a4), false);
    }
    return fd;
}

struct metrics_slot {
    struct metrics_server *m;
    bool busy;
    char *body; // METRICS_BODY_MAX bytes in struct metrics_server's bodies
};

// One open connection, for the request deadline. libmicrohttpd's timeout is an idle timeout
// (each byte received restarts it), so a client sending a header byte a second holds its
// slot for ever; this record is what closes it.
struct metrics_conn {
    struct MHD_Connection *conn; // NULL: record free
    int fd;
    int64_t deadline_ms; // monotonic; 0: a response is queued or being sent (no deadline)
    bool first;          // still on its first request (a cut of it is counted as rejected)
    bool cut;            // shut down by us; libmicrohttpd closes it on its next run
};

struct metrics_server {
    struct MHD_Daemon *daemon;
    metrics_fill_fn *fn;
    void *ctx;
    int epoll_fd;
    uint16_t port;
    unsigned open_count; // connections libmicrohttpd holds now
    unsigned cut_count;  // of those, shut down by us and not yet closed by libmicrohttpd
    uint64_t requests;
    uint64_t rejected;
    uint64_t errors;
    struct MHD_Response *not_found; // the fixed answers, made once and reused (refcounted)
    struct MHD_Response *bad_method;
    struct MHD_Response *too_long;
    struct MHD_Response *failed;
    char mhd_msg[MHD_MSG_MAX];
    struct metrics_conn conns[MHD_CONNECTIONS_MAX];
    // One body per possible connection: a connection holds one response at a time, so a
    // slot is always free. Last, so the pages stay untouched (not resident) until used.
    struct metrics_slot slots[METRICS_CONNECTIONS_MAX];
    char bodies[METRICS_CONNECTIONS_MAX][METRICS_BODY_MAX];
};

// Non-const so libmicrohttpd's (void *) buffer argument needs no cast; never written.
static char text_not_found[] = "not found: the only path is " METRICS_PATH "\n";
static char text_bad_method[] = "method not allowed: use GET or HEAD\n";
static char text_too_long[] = "URI too long: the only path is " METRICS_PATH "\n";
static char text_failed[] = "unable to format the metrics (see warden's log)\n";

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct metrics_server *m = cls;
    (void)vsnprintf(m->mhd_msg, sizeof(m->mhd_msg), fmt, ap);
    size_t n = strlen(m->mhd_msg);
    while (n > 0 && m->mhd_msg[n - 1] == '\n') {
        m->mhd_msg[--n] = '\0';
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts); // cannot fail with a valid clock and pointer
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Close c: shutdown() rather than close(), because libmicrohttpd owns the fd. The socket
// turns readable at once (EOF), so the next MHD_run reads the EOF, closes the connection and
// calls notify_connection(CLOSED). A first request cut short is counted as rejected; an idle
// keep-alive connection (a scraper between scrapes) is closed quietly.
static void conn_cut(struct metrics_server *m, struct metrics_conn *c)
{
    (void)shutdown(c->fd, SHUT_RDWR); // only fails for a socket already gone: nothing to do
    c->cut = true;
    m->cut_count++;
    if (c->first) {
        m->rejected++;
    }
}

// The record of conn (set by notify_connection), or NULL.
static struct metrics_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

// Cut every connection whose request is not in by its deadline. Returns the earliest
// deadline still pending (0: none), and in *oldest (if not NULL) the connection still
// waiting for its request with the earliest one (NULL: every connection is being answered).
static int64_t conns_sweep(struct metrics_server *m, int64_t now, struct metrics_conn **oldest)
{
    struct metrics_conn *first = NULL;
    for (size_t i = 0; i < MHD_CONNECTIONS_MAX; i++) {
        struct metrics_conn *c = &m->conns[i];
        if (!c->conn || c->cut || c->deadline_ms == 0) {
            continue;
        }
        if (now >= c->deadline_ms) {
            conn_cut(m, c);
        } else if (!first || c->deadline_ms < first->deadline_ms) {
            first = c;
        }
    }
    if (oldest) {
        *oldest = first;
    }
    return first ? first->deadline_ms : 0;
}

// The cap is enforced here rather than by MHD_OPTION_CONNECTION_LIMIT alone: at its limit
// libmicrohttpd 0.9.75 stops accepting, leaving the next client hanging in the backlog
// until it times out. At the cap, the oldest connection still waiting for its request is
// closed to make room (so slow clients holding every slot cannot keep a scrape out: a
// scrape's request arrives in milliseconds and is answered before 8 newer clients come);
// when all of them are being answered, the new one is closed at once. Both are counted.
static enum MHD_Result accept_connection(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct metrics_server *m = cls;
    (void)addr;
    (void)addrlen;
    struct metrics_conn *oldest;
    (void)conns_sweep(m, now_ms(), &oldest); // the expired ones first
    if (m->open_count - m->cut_count < METRICS_CONNECTIONS_MAX) {
        return MHD_YES;
    }
    if (!oldest) {
        m->rejected++;
        return MHD_NO;
    }
    conn_cut(m, oldest);
    return MHD_YES;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                              enum MHD_ConnectionNotificationCode code)
{
    struct metrics_server *m = cls;
    struct metrics_conn *c = *socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        m->open_count++;
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        // a record is always free: there is one per connection libmicrohttpd allows
        for (size_t i = 0; info && i < MHD_CONNECTIONS_MAX && !*socket_ctx; i++) {
            if (!m->conns[i].conn) {
                m->conns[i] =
                        (struct metrics_conn){.conn = conn,
                                              .fd = info->connect_fd,
                                              .deadline_ms = now_ms() + METRICS_REQUEST_DEADLINE_MS,
                                              .first = true};
                *socket_ctx = &m->conns[i];
            }
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (m->open_count > 0) {
            m->open_count--;
        }
        if (c && c->cut) {
            m->cut_count--;
        }
        if (c) {
            *c = (struct metrics_conn){.conn = NULL, .fd = -1};
        }
    }
}

// A request is over (its response sent, or the connection failed): a kept-alive connection
// now waits for the next one, under a fresh deadline.
static void request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)req_cls;
    (void)toe;
    struct metrics_conn *c = conn_of(conn);
    if (c) {
        c->deadline_ms = now_ms() + METRICS_REQUEST_DEADLINE_MS;
        c->first = false;
    }
}

// Called by libmicrohttpd when the last reference to a /metrics response goes.
static void slot_release(void *cls)
{
    struct metrics_slot *slot = cls;
    slot->busy = false;
}

static struct metrics_slot *slot_take(struct metrics_server *m)
{
    for (size_t i = 0; i < METRICS_CONNECTIONS_MAX; i++) {
        if (!m->slots[i].busy) { // the lowest free slot: normally slot 0, kept warm
            m->slots[i].busy = true;
            return &m->slots[i];
        }
    }
    return NULL;
}

static enum MHD_Result answer_failed(struct metrics_server *m, struct MHD_Connection *conn)
{
    m->errors++;
    return MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, m->failed);
}

static enum MHD_Result answer_metrics(struct metrics_server *m, struct MHD_Connection *conn)
{
    struct metrics_slot *slot = slot_take(m);
    if (!slot) {
        return answer_failed(m, conn); // impossible: one slot per connection
    }
    int n = m->fn(slot->body, METRICS_BODY_MAX, m->ctx);
    if (n < 0 || (size_t)n > METRICS_BODY_MAX) {
        slot->busy = false;
        return answer_failed(m, conn);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
            (size_t)n, slot->body, slot_release, slot);
    if (!r) {
        slot->busy = false;
        return answer_failed(m, conn);
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE) != MHD_YES) {
        MHD_destroy_response(r); // releases the slot
        return answer_failed(m, conn);
    }
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r); // the connection keeps its own reference until it has sent it
    return ret;
}

// What a request gets, decided when its headers are in: a marker's address in *req_cls.
static char req_metrics, req_not_found, req_bad_method, req_too_long, req_answered;

static char *answer_for(const char *url, const char *method)
{
    if (strlen(url) > METRICS_URL_MAX) {
        return &req_too_long;
    }
    if (strcmp(url, METRICS_PATH) != 0) {
        return &req_not_found;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        return &req_bad_method;
    }
    return &req_metrics;
}

static enum MHD_Result answer_queue(struct metrics_server *m, struct MHD_Connection *conn,
                                    const char *answer)
{
    struct metrics_conn *c = conn_of(conn);
    if (c) {
        c->deadline_ms = 0; // answered: from here only the idle timeout applies
    }
    m->requests++;
    if (answer == &req_not_found) {
        return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, m->not_found);
    }
    if (answer == &req_bad_method) {
        return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, m->bad_method);
    }
    if (answer == &req_too_long) {
        return MHD_queue_response(conn, MHD_HTTP_URI_TOO_LONG, m->too_long);
    }
    return answer_metrics(m, conn);
}

// Whether the request announces a body (a Content-Length other than 0, or chunked).
static bool has_body(struct MHD_Connection *conn)
{
    const char *len =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (len && strcmp(len, "0") != 0) ||
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

// libmicrohttpd calls the handler first when the headers are in, then once per piece of
// body, then once more with none left. Answers are queued on that last call, so the
// connection stays open for the next request (Prometheus keeps it alive, and a request
// pipelined behind a 404 is answered: queued earlier, libmicrohttpd would close the
// connection with that request unread, and the kernel would reset it). The exception is a
// refusal of a request that has a body: it is queued on the first call, before the body
// is read, and the connection closes after it. A body sent with a GET of /metrics is read
// and dropped, bounded by the request deadline.
static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    struct metrics_server *m = cls;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        char *answer = answer_for(url, method);
        if (answer != &req_metrics && has_body(conn)) {
            *req_cls = &req_answered;
            return answer_queue(m, conn, answer);
        }
        *req_cls = answer;
        return MHD_YES;
    }
    if (*upload_data_size != 0 || *req_cls == &req_answered) {
        *upload_data_size = 0; // dropped
        return MHD_YES;
    }
    char *answer = *req_cls;
    *req_cls = &req_answered;
    return answer_queue(m, conn, answer);
}

static struct MHD_Response *fixed_response(char *text, bool allow)
{
    struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        return NULL;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") !=
                MHD_YES ||
        (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES)) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

static void server_free(struct metrics_server *m)
{
    if (m->daemon) {
        MHD_stop_daemon(m->daemon); // closes the connections (releasing slots) and listen fd
    }
    struct MHD_Response *fixed[] = {m->not_found, m->bad_method, m->too_long, m->failed};
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
        if (fixed[i]) {
            MHD_destroy_response(fixed[i]);
        }
    }
    free(m);
}

// Start libmicrohttpd on the listening socket fd (it owns fd from then on, and closes it
// in MHD_stop_daemon; on failure the caller still owns it). 0 or -errno.
static int daemon_start(struct metrics_server *m, int fd)
{
    m->daemon = MHD_start_daemon(
            MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, accept_connection, m, handle_request, m,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m, // first, so it catches every message
            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)MHD_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)METRICS_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)METRICS_CONNECTION_POOL, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, m,
            MHD_OPTION_NOTIFY_COMPLETED, request_completed, m, MHD_OPTION_END);
    if (!m->daemon) {
        return errno ? -errno : -ENOMEM;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info || info->epoll_fd < 0) {
        return -EINVAL; // the daemon (and fd) are released by server_free
    }
    m->epoll_fd = info->epoll_fd;
    return 0;
}

static uint16_t socket_port(int fd)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } a;
    memset(&a, 0, sizeof(a));
    socklen_t len = sizeof(a);
    if (getsockname(fd, &a.sa, &len) < 0) {
        return 0;
    }
    return ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
}

static struct metrics_server *server_alloc(metrics_fill_fn *fn, void *ctx)
{
    // calloc of ~2 MiB is served by mmap: zero pages, not resident until a body is written.
    struct metrics_server *m = calloc(1, sizeof(*m));
    if (!m) {
        return NULL;
    }
    m->fn = fn;
    m->ctx = ctx;
    m->epoll_fd = -1;
    for (size_t i = 0; i < METRICS_CONNECTIONS_MAX; i++) {
        m->slots[i] = (struct metrics_slot){.m = m, .body = m->bodies[i]};
    }
    for (size_t i = 0; i < MHD_CONNECTIONS_MAX; i++) {
        m->conns[i].fd = -1;
    }
    m->not_found = fixed_response(text_not_found, false);
    m->bad_method = fixed_response(text_bad_method, true);
    m->too_long = fixed_response(text_too_long, false);
    m->failed = fixed_response(text_failed, false);
    if (!m->not_found || !m->bad_method || !m->too_long || !m->failed) {
        server_free(m);
        return NULL;
    }
    return m;
}

#ifdef WARDEN_MHD_LINKED
static int mhd_load(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0; // linked in
}
#else
// dlopen libmicrohttpd once; 0, or -ENOENT with err saying what to install.
static int mhd_load(char *err, size_t errlen)
{
    if (mhd.handle) {
        return 0;
    }
    void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        set_err(err, errlen,
                "unable to load %s for the metrics server (%s): install libmicrohttpd12, or "
                "leave metrics unset and use `warden metrics`",
                MHD_SONAME, why ? why : "?");
        return -ENOENT;
    }
    static const struct {
        const char *name;
        void **slot;
    } syms[] = {
            {"MHD_start_daemon", (void **)&mhd.start_daemon},
            {"MHD_stop_daemon", (void **)&mhd.stop_daemon},
            {"MHD_run", (void **)&mhd.run},
            {"MHD_get_timeout", (void **)&mhd.get_timeout},
            {"MHD_get_daemon_info", (void **)&mhd.get_daemon_info},
            {"MHD_queue_response", (void **)&mhd.queue_response},
            {"MHD_destroy_response", (void **)&mhd.destroy_response},
            {"MHD_add_response_header", (void **)&mhd.add_response_header},
            {"MHD_create_response_from_buffer", (void **)&mhd.create_response_from_buffer},
            {"MHD_create_response_from_buffer_with_free_callback_cls",
             (void **)&mhd.create_response_free_cls},
            {"MHD_get_connection_info", (void **)&mhd.get_connection_info},
            {"MHD_lookup_connection_value", (void **)&mhd.lookup_connection_value},
    };
    for (size_t i = 0; i < ARRAY_LEN(syms); i++) {
        *syms[i].slot = dlsym(h, syms[i].name);
        if (!*syms[i].slot) {
            set_err(err, errlen, "%s lacks %s: libmicrohttpd 0.9.71 or later is needed", MHD_SONAME,
                    syms[i].name);
            (void)dlclose(h);
            return -ENOENT;
        }
    }
    mhd.handle = h;
    return 0;
}
#endif

int metrics_server_start(struct metrics_server **out, const char *addr_port, metrics_fill_fn *fn,
                         void *ctx, char *err, size_t errlen)
{
    *out = NULL;
    if (!fn) {
        set_err(err, errlen, "no metrics fill function");
        return -EINVAL;
    }
    int lrc = mhd_load(err, errlen);
    if (lrc < 0) {
        return lrc;
    }
    struct metrics_addr a;
    int rc = metrics_parse_addr(addr_port, &a, err, errlen);
    if (rc < 0) {
        return rc;
    }
    int fd = listen_on(&a);
    if (fd < 0) {
        set_err(err, errlen, "unable to listen on %s: %s", addr_port, strerror(-fd));
        return fd;
    }
    struct metrics_server *m = server_alloc(fn, ctx);
    if (!m) {
        (void)close(fd);
        set_err(err, errlen, "unable to start the metrics server: %s", strerror(ENOMEM));
        return -ENOMEM;
    }
    m->port = socket_port(fd);
    errno = 0;
    rc = daemon_start(m, fd);
    if (rc < 0) {
        if (!m->daemon) {
            (void)close(fd); // libmicrohttpd did not take it
        }
        set_err(err, errlen, "unable to start the metrics server (libmicrohttpd): %s%s%s",
                strerror(-rc), m->mhd_msg[0] ? ": " : "", m->mhd_msg);
        server_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int metrics_server_fd(const struct metrics_server *m)
{
    return m->epoll_fd;
}

int metrics_server_run(struct metrics_server *m)
{
    // Deadlines first: the connections cut here are closed by this same MHD_run (their
    // sockets are already readable with EOF).
    (void)conns_sweep(m, now_ms(), NULL);
    return MHD_run(m->daemon) == MHD_YES ? 0 : -EINVAL;
}

int64_t metrics_server_timeout_ms(struct metrics_server *m)
{
    // A connection cut here or at the cap needs no timer: its EOF makes the fd readable.
    int64_t now = now_ms(), deadline = conns_sweep(m, now, NULL); // normally cuts nothing
    MHD_UNSIGNED_LONG_LONG ms;
    int64_t t = -1;
    if (MHD_get_timeout(m->daemon, &ms) == MHD_YES) {
        t = ms > (MHD_UNSIGNED_LONG_LONG)INT64_MAX ? INT64_MAX : (int64_t)ms;
    }
    return deadline != 0 && (t < 0 || deadline - now < t) ? deadline - now : t;
}

uint16_t metrics_server_port(const struct metrics_server *m)
{
    return m->port;
}

unsigned metrics_server_connections(const struct metrics_server *m)
{
    return m->open_count;
}

uint64_t metrics_server_requests(const struct metrics_server *m)
{
    return m->requests;
}

uint64_t metrics_server_rejected(const struct metrics_server *m)
{
    return m->rejected;
}

uint64_t metrics_server_errors(const struct metrics_server *m)
{
    return m->errors;
}

void metrics_server_stop(struct metrics_server *m)
{
    if (m) {
        server_free(m);
    }
}
