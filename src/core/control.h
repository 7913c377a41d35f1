/* SPDX-License-Identifier: MIT */
/* Control socket server: a Unix stream socket (mode 0600) taking one JSON request line
 * per connection and answering one JSON object. Peer credentials are checked (root or
 * warden's own uid); requests are capped in size and time; connections are capped, and
 * those over the cap wait in the listen backlog (CONTROL_BACKLOG) until a slot frees. */
#ifndef WARDEN_CONTROL_H
#define WARDEN_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"
#include "errbuf.h"
#include "loop.h"

/* Handle one request; return a new response object (must not be NULL). */
typedef json_t *control_handler_fn(json_t *req, void *ctx);

struct control_client {
    int fd; /* -1 when the slot is free */
    uint64_t deadline_ms;
    size_t len;
    char *buf; /* CONTROL_REQUEST_MAX bytes in struct control's bufs */
};

struct control {
    struct loop *loop;
    char path[WARDEN_PATH_MAX];
    int listen_fd;
    int timer_fd;
    bool timer_armed;
    bool accepting; /* listen_fd watched; false while every client slot is busy */
    control_handler_fn *fn;
    void *ctx;
    struct control_client clients[CONTROL_CLIENTS_MAX];
    uint64_t refused_count;  /* accepted but not servable (the loop could not watch it) */
    uint64_t paused_count;   /* times every slot was busy and accepting paused */
    uint64_t denied_count;   /* peers with the wrong uid */
    uint64_t oversize_count; /* requests over CONTROL_REQUEST_MAX */
    uint64_t timeout_count;  /* clients that did not finish in CONTROL_TIMEOUT_MS */
    /* last: untouched (not resident) until a client writes */
    char bufs[CONTROL_CLIENTS_MAX][CONTROL_REQUEST_MAX];
};

/* Bind path (a live socket there is an error: -EADDRINUSE; a stale one is replaced) and
 * register with loop. 0 or -errno. */
int control_open(struct control *c, struct loop *loop, const char *path, control_handler_fn *fn,
                 void *ctx);
void control_close(struct control *c);

/* Parse the request in buf[0..len), the bytes a client sent so far: the line up to the
 * first newline or, when eof (the client half-closed its side), all of len. Pure: no I/O,
 * no state. Returns 0 with *req a new reference to a JSON object; -EAGAIN when no newline
 * came yet and more may (len < CONTROL_REQUEST_MAX, !eof); -EMSGSIZE when
 * CONTROL_REQUEST_MAX bytes hold no newline; -ENODATA at eof with nothing sent; -EINVAL
 * with eb (may be NULL) filled when the line is not a JSON object. */
int control_parse_request(const char *buf, size_t len, bool eof, json_t **req, struct errbuf *eb);

/* Client side: send req (one line) to the socket at path, read the whole response (at
 * most CONTROL_RESPONSE_MAX) and parse it. A connection refused (ECONNREFUSED, EAGAIN: a
 * daemon restarting, a full backlog) or reset before any reply byte (ECONNRESET, EPIPE) is
 * retried for up to CONTROL_RETRY_MS with backoff; a reply once started is never resent.
 * 0 or -errno; *resp is a new reference. */
int control_request(const char *path, json_t *req, json_t **resp);

#endif
