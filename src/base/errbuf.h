/* SPDX-License-Identifier: MIT */
/* Caller-owned error description filled by parsers and validators. */
#ifndef WARDEN_ERRBUF_H
#define WARDEN_ERRBUF_H

#include <errno.h>

struct errbuf {
    char msg[512];    /* human text: what is wrong, the bad value, the accepted forms */
    const char *file; /* config file, or NULL */
    int line;         /* 1-based line, or 0 */
};

/* Fill eb (if non-NULL) with a formatted message; returns -EINVAL for tail calls. */
int errbuf_set(struct errbuf *eb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
