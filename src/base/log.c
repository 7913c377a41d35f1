// SPDX-License-Identifier: MIT
// stderr logging with a fixed prefix; errno is preserved across every call.
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"

static bool log_debug_on;

void log_init(bool debug)
{
    log_debug_on = debug;
}

static void vlog(const char *fmt, va_list ap, int errnum) __attribute__((format(printf, 1, 0)));

static void vlog(const char *fmt, va_list ap, int errnum)
{
    char line[1024]; // one log line; longer messages are cut, never overflow
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0) {
        return;
    }
    if (errnum) {
        (void)fprintf(stderr, "warden: %s: %s\n", line, strerror(errnum));
    } else {
        (void)fprintf(stderr, "warden: %s\n", line);
    }
}

#define LOG_BODY(errnum)                                                                           \
    do {                                                                                           \
        int saved_errno = errno;                                                                   \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(fmt, ap, (errnum));                                                                   \
        va_end(ap);                                                                                \
        errno = saved_errno;                                                                       \
    } while (0)

void log_warn(const char *fmt, ...)
{
    int e = errno;
    LOG_BODY(e);
}

void log_warnx(const char *fmt, ...)
{
    LOG_BODY(0);
}

void log_info(const char *fmt, ...)
{
    LOG_BODY(0);
}

void log_debug(const char *fmt, ...)
{
    if (!log_debug_on) {
        return;
    }
    LOG_BODY(0);
}

void fatal(const char *fmt, ...)
{
    int e = errno;
    LOG_BODY(e);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    LOG_BODY(0);
    exit(1);
}

void log_bug(const char *file, int line, const char *msg)
{
    (void)fprintf(stderr, "warden: BUG at %s:%d: %s\n", file, line, msg);
    abort();
}

int errbuf_set(struct errbuf *eb, const char *fmt, ...)
{
    if (eb) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}
