/* SPDX-License-Identifier: MIT */
/* Service output pass-through: reads a service's stdout/stderr pipe and writes it to
 * warden's own stdout/stderr, each line prefixed with the service name. Bounded: one
 * line buffer per stream; a longer line is split and counted. */
#ifndef WARDEN_LOGS_H
#define WARDEN_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

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

/* Read up to LOG_RELAY_BYTES of what is available on in_fd (non-blocking) and write whole
 * lines to out_fd (1 or 2) as "prefix: line"; the rest waits for the next wakeup, so one
 * chatty service cannot hold the loop. Returns 0 while open, 1 on EOF (the rest was
 * flushed), -errno. */
int logs_relay(int in_fd, int out_fd, const char *prefix, struct linebuf *lb);

/* Write out a partial last line, if any. */
void logs_flush(int out_fd, const char *prefix, struct linebuf *lb);

#endif
