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

/* Read what is available on in_fd (non-blocking) and write whole lines to out_fd as
 * "prefix: line". Returns 0 while open, 1 on EOF (the rest was flushed), -errno. */
int logs_relay(int in_fd, int out_fd, const char *prefix, struct linebuf *lb);

/* Write out a partial last line, if any. */
void logs_flush(int out_fd, const char *prefix, struct linebuf *lb);

#endif
