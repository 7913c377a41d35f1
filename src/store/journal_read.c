// SPDX-License-Identifier: MIT
// Reading the journal back (split from journal.c): every segment in index order, line by
// line through a fixed buffer, unreadable lines counted and skipped.
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bounds.h"
#include "journal.h"
#include "journal_int.h"

struct reader {
    journal_visit_fn *fn;
    void *ctx;
    uint64_t *bad_lines;
};

static int visit_line(struct reader *rd, const char *line, size_t len)
{
    json_t *ev = json_loadb(line, len, 0, NULL);
    if (!json_is_object(ev)) {
        json_decref(ev);
        (*rd->bad_lines)++;
        return 0;
    }
    int rc = rd->fn(ev, rd->ctx);
    json_decref(ev);
    return rc;
}

// Hand every complete line in buf[0, *have) to visit_line; keep the unfinished rest.
static int feed_lines(struct reader *rd, char *buf, size_t *have, bool *skipping)
{
    size_t start = 0;
    int rc = 0;
    while (rc == 0 && start < *have) {
        char *nl = memchr(buf + start, '\n', *have - start);
        if (nl == NULL) {
            break;
        }
        size_t len = (size_t)(nl - (buf + start));
        if (*skipping) {
            *skipping = false; // the end of an overlong line: one bad line
            (*rd->bad_lines)++;
        } else {
            rc = visit_line(rd, buf + start, len);
        }
        start += len + 1;
    }
    memmove(buf, buf + start, *have - start);
    *have -= start;
    if (*have == JOURNAL_LINE_MAX) {
        *skipping = true; // no '\n' in a full buffer: longer than any line written
        *have = 0;
    }
    return rc;
}

static int read_segment(struct reader *rd, int fd)
{
    char buf[JOURNAL_LINE_MAX]; // one line incl. '\n'; longer ones are skipped as bad
    size_t have = 0;
    bool skipping = false;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            break;
        }
        have += (size_t)n;
        int rc = feed_lines(rd, buf, &have, &skipping);
        if (rc != 0) {
            return rc;
        }
    }
    if (have > 0 || skipping) {
        (*rd->bad_lines)++; // an unterminated (torn) tail
    }
    return 0;
}

// *bad_lines is set to 0 first; an unterminated tail (not yet repaired) counts as bad.
int journal_read(const char *dir, journal_visit_fn *fn, void *ctx, uint64_t *bad_lines)
{
    uint64_t bad_local = 0;
    struct reader rd = {.fn = fn, .ctx = ctx, .bad_lines = bad_lines ? bad_lines : &bad_local};
    *rd.bad_lines = 0;
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        return -errno;
    }
    // Segments in index order: each step looks for the lowest index above the last one,
    // so memory stays fixed whatever the directory holds.
    uint64_t from = 0;
    int rc = 0;
    for (;;) {
        struct seg_range r;
        rc = journal_seg_scan(dir_fd, from, UINT64_MAX, &r);
        if (rc != 0 || r.count == 0) {
            break;
        }
        uint64_t size = 0;
        int fd = journal_seg_open(dir_fd, r.lo, O_RDONLY, &size);
        if (fd >= 0) {
            rc = read_segment(&rd, fd);
            (void)close(fd);
        } else if (fd != -ENOENT) {
            rc = fd; // ENOENT: rotated away since the scan
        }
        if (rc != 0 || r.lo == UINT64_MAX) {
            break;
        }
        from = r.lo + 1;
    }
    (void)close(dir_fd);
    return rc;
}
