/* SPDX-License-Identifier: MIT */
/* Service output capture and pass-through: reads a service's stdout/stderr pipe, appends
 * each line to the service's log file (logfile.h, rate-limited) and writes it to warden's
 * own stdout/stderr, prefixed with the service name when several services share them.
 * Bounded: one line buffer per stream; a longer line is split, marked and counted. */
#ifndef WARDEN_LOGS_H
#define WARDEN_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

struct logfile;
struct outtail;

struct linebuf {
    size_t len;
    uint64_t split_count; /* lines longer than LOG_LINE_MAX, written in pieces */
    char buf[LOG_LINE_MAX];
};

/* Make warden's own stdout/stderr writes non-blocking for relayed lines: a stalled reader
 * (a blocked log driver, a paused pager) must never stop the supervisor. Pipes and ttys
 * are reopened through /proc/self/fd with O_NONBLOCK (a new file description, so the
 * service's shared one is untouched); sockets get MSG_DONTWAIT; regular files as they
 * are. A line that cannot be written at once is dropped and counted. */
void logs_init(void);
/* Lines dropped because warden's stdout/stderr would block. */
uint64_t logs_dropped_count(void);

/* Where one stream's lines go. */
struct relay_out {
    int out_fd;           /* 1 or 2: warden's stdout or stderr (and the log file's stream) */
    const char *prefix;   /* "prefix: line" on out_fd; NULL: the line as it is */
    struct logfile *lf;   /* NULL: no capture. Else lines over lf's rate limit are dropped
                           * from both outputs, and its "dropped N lines" marker goes to both */
    struct outtail *tail; /* NULL, or the instance's last lines (kept even when the rate
                           * limit drops them: a runtime's last words matter most) */
    uint64_t dropped;     /* out: lines the rate limit dropped in this call */
};

/* A stream over its rate limit is not read for this long (service.c): the pipe fills and
 * the flooding service waits, so a flood costs warden at most a pipe's worth of reading
 * (64 KiB) per pause instead of a CPU. */
#define LOGS_PAUSE_MS 100u

/* Read up to LOG_RELAY_BYTES of what is available on in_fd (non-blocking) and pass whole
 * lines to out; the rest waits for the next wakeup, so one chatty service cannot hold the
 * loop. Returns 0 while open, 1 on EOF (the rest was flushed), -errno. */
int logs_relay(int in_fd, struct relay_out *out, struct linebuf *lb);

/* Pass out a partial last line, if any, and the log file's pending drop marker. */
void logs_flush(struct relay_out *out, struct linebuf *lb);

#endif
