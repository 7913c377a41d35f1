/* SPDX-License-Identifier: MIT */
/* Control socket server: a Unix stream socket (mode 0600) taking one JSON request line
 * per connection and answering one JSON object. Peer credentials are checked (root or
 * warden's own uid); requests are capped in size and time; connections are capped. */
#ifndef WARDEN_CONTROL_H
#define WARDEN_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"
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
    control_handler_fn *fn;
    void *ctx;
    struct control_client clients[CONTROL_CLIENTS_MAX];
    uint64_t refused_count;  /* connections over CONTROL_CLIENTS_MAX */
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

/* Client side: send req (one line) to the socket at path, read the whole response (at
 * most CONTROL_RESPONSE_MAX) and parse it. 0 or -errno; *resp is a new reference. */
int control_request(const char *path, json_t *req, json_t **resp);

#endif
