// SPDX-License-Identifier: MIT
// Reading history files back (split from history.c): a whole file image parsed and checked
// record by record (history_parse), loaded consistently while a writer runs, and the
// pruning of files of services gone from the config.
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "history.h"
#include "history_int.h"
#include "io.h"

// The part of a ring of valid records read back, as indexes from its oldest record: all of
// them, except under a busy mark (write_seq odd) left by a writer that died, or stalls,
// between the mark and the commit. The record it was writing may be torn: the newest of a ring
// (a merge) or the oldest of a full one (an append). Those are left out rather than the file
// failed, so the history of a crashed warden stays readable.
static void ring_span(const struct hist_header *hd, uint32_t valid, uint32_t count, uint32_t *lo,
                      uint32_t *hi)
{
    *lo = 0;
    *hi = valid;
    if (hd->write_seq & 1u) {
        *lo = valid == count;
        *hi -= *hi > *lo;
    }
}

static int fine_parse(const unsigned char *file, const struct hist_header *hd, uint64_t max_ms,
                      struct hist_view *out)
{
    uint32_t lo, hi,
            start = (hd->fine_next + HISTORY_FINE_COUNT - hd->fine_valid) % HISTORY_FINE_COUNT;
    ring_span(hd, hd->fine_valid, HISTORY_FINE_COUNT, &lo, &hi);
    out->fine = hi > lo ? calloc(hi - lo, sizeof(*out->fine)) : NULL;
    if (hi > lo && out->fine == NULL) {
        return -ENOMEM;
    }
    uint64_t prev_ms = 0; // of the last record kept: a dropped one does not set the order
    for (uint32_t i = lo; i < hi; i++) {
        struct hist_point p;
        memcpy(&p, file + hist_fine_off((start + i) % HISTORY_FINE_COUNT), sizeof(p));
        if (!hist_point_unpack(&p, max_ms) || !hist_order_ok(prev_ms, p.t_ms)) {
            out->dropped_records++;
            continue;
        }
        prev_ms = p.t_ms;
        out->fine[out->nfine++] = p;
    }
    return 0;
}

static int coarse_parse(const unsigned char *file, const struct hist_header *hd, uint64_t max_ms,
                        struct hist_view *out)
{
    uint32_t lo, hi,
            start = (hd->coarse_next + HISTORY_COARSE_COUNT - hd->coarse_valid) %
                    HISTORY_COARSE_COUNT;
    ring_span(hd, hd->coarse_valid, HISTORY_COARSE_COUNT, &lo, &hi);
    out->coarse = hi > lo ? calloc(hi - lo, sizeof(*out->coarse)) : NULL;
    if (hi > lo && out->coarse == NULL) {
        return -ENOMEM;
    }
    uint64_t prev_ms = 0;
    for (uint32_t i = lo; i < hi; i++) {
        struct hist_minute m;
        memcpy(&m, file + hist_coarse_off((start + i) % HISTORY_COARSE_COUNT), sizeof(m));
        if (!hist_minute_unpack(&m, max_ms) || !hist_order_ok(prev_ms, m.t_ms)) {
            out->dropped_records++;
            continue;
        }
        prev_ms = m.t_ms;
        out->coarse[out->ncoarse++] = m;
    }
    return 0;
}

int history_parse(const void *buf, size_t len, const char *name, uint64_t now_wall_ms,
                  struct hist_view *out)
{
    memset(out, 0, sizeof(*out));
    struct hist_header hd;
    if (len != HISTORY_FILE_BYTES) {
        return -EBADMSG;
    }
    memcpy(&hd, buf, sizeof(hd));
    if (!hist_header_unpack(&hd, name)) {
        return -EBADMSG;
    }
    uint64_t max_ms = UINT64_MAX;
    if (now_wall_ms != 0 && now_wall_ms < UINT64_MAX - HISTORY_FUTURE_MS) {
        max_ms = now_wall_ms + HISTORY_FUTURE_MS;
    }
    int rc = fine_parse(buf, &hd, max_ms, out);
    rc = rc == 0 ? coarse_parse(buf, &hd, max_ms, out) : rc;
    if (rc != 0) {
        history_view_free(out);
        return rc;
    }
    if (out->nfine == 0) { // all dropped: NULL, as documented for a count of 0
        free(out->fine);
        out->fine = NULL;
    }
    if (out->ncoarse == 0) {
        free(out->coarse);
        out->coarse = NULL;
    }
    return 0;
}

// One consistent read while the daemon may be writing: the whole file in one pread (which
// copies in file order, so the header at offset 0 is read before the rings), then the header
// again. When the totals or write_seq moved, or write_seq was odd (see record_write), or a
// header was read half-written, the rings may mix two states, so it is read again. The writer
// writes once a second and a read takes well under a millisecond, so a second try practically
// always succeeds. On the last try a busy mark that stays put is taken as a dead writer.
static int load_once(int fd, const char *name, unsigned char *file, struct hist_view *out,
                     bool last_try)
{
    struct hist_header hd = {0}, again = {0}; // filled by header_read (zeroed for the analyzer)
    int rc = hist_header_read(fd, name, &hd); // the size and file type; the header is reread
    if (rc == 0) {
        rc = io_pread_full(fd, file, HISTORY_FILE_BYTES, 0);
    }
    if (rc == 0) {
        memcpy(&hd, file, sizeof(hd));
        rc = hist_header_unpack(&hd, name) ? 0 : -EBADMSG;
    }
    if (rc == 0 && (hd.write_seq & 1u) && !last_try) {
        rc = -EAGAIN;
    }
    if (rc == 0) {
        rc = hist_header_read(fd, name, &again);
        rc = rc == -EBADMSG ? -EAGAIN : rc; // valid a moment ago: torn by a write
    }
    // Equal totals mean no append in between (the indexes follow from them, checked), an
    // equal write_seq no rewrite in place.
    if (rc == 0 && (hd.fine_total != again.fine_total || hd.coarse_total != again.coarse_total ||
                    hd.write_seq != again.write_seq)) {
        rc = -EAGAIN;
    }
    if (rc == 0) {
        struct timespec now = {0};
        (void)clock_gettime(CLOCK_REALTIME, &now); // cannot fail for this clock
        uint64_t now_ms = now.tv_sec > 0 ? (uint64_t)now.tv_sec * 1000u : 0;
        rc = history_parse(file, HISTORY_FILE_BYTES, name, now_ms, out);
    }
    return rc == -EINVAL ? -EBADMSG : rc; // -EINVAL: not a regular file
}

int history_load(const char *state_dir, const char *name, struct hist_view *out)
{
    memset(out, 0, sizeof(*out));
    int fd = hist_file_open(state_dir, name, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        return fd;
    }
    unsigned char *file = malloc(HISTORY_FILE_BYTES); // the copy parsed: 300 kB, freed here
    int rc = file == NULL ? -ENOMEM : -EAGAIN;
    bool seen_valid = false; // a valid header once: a later bad one was torn by a write
    for (unsigned i = 0; i < HIST_LOAD_TRIES && (rc == -EAGAIN || rc == -EBADMSG); i++) {
        if (i > 0) {
            // Give a writer preempted inside a pwrite time to finish (1 ms, then 2 ms): three
            // back-to-back reads can all fall inside one stalled write.
            struct timespec pause = {.tv_nsec = (long)i * 1000000L};
            (void)nanosleep(&pause, NULL); // EINTR: just try sooner
        }
        rc = load_once(fd, name, file, out, i + 1 == HIST_LOAD_TRIES);
        seen_valid = seen_valid || rc == -EAGAIN;
    }
    free(file);
    (void)close(fd); // read-only: nothing to lose
    return rc == -EBADMSG && seen_valid ? -EAGAIN : rc;
}

void history_view_free(struct hist_view *v)
{
    free(v->fine);
    free(v->coarse);
    memset(v, 0, sizeof(*v));
}

// A file name worth pruning: NAME.hist with a valid service name; NAME is copied to stem.
static bool prunable_name(const char *fname, char *stem, size_t stem_size)
{
    size_t len = strlen(fname), slen = strlen(HIST_SUFFIX);
    if (len <= slen || len - slen >= stem_size || strcmp(fname + len - slen, HIST_SUFFIX) != 0) {
        return false;
    }
    memcpy(stem, fname, len - slen);
    stem[len - slen] = '\0';
    return config_check_name(stem, NULL) == 0;
}

static bool name_kept(const char *stem, const char *const *keep, size_t nkeep)
{
    for (size_t i = 0; i < nkeep; i++) {
        if (keep[i] != NULL && strcmp(keep[i], stem) == 0) {
            return true;
        }
    }
    return false;
}

// Remove one entry if it is an old history file of a service not kept: 1, 0 or -errno.
static int prune_one(int dfd, const char *fname, const char *const *keep, size_t nkeep,
                     uint64_t retention_ms, uint64_t now_ms)
{
    char stem[SERVICE_NAME_MAX];
    if (!prunable_name(fname, stem, sizeof(stem)) || name_kept(stem, keep, nkeep)) {
        return 0;
    }
    struct stat st;
    if (fstatat(dfd, fname, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    if (!S_ISREG(st.st_mode) || st.st_mtim.tv_sec < 0) {
        return 0;
    }
    uint64_t mtime_ms =
            (uint64_t)st.st_mtim.tv_sec * 1000u + (uint64_t)st.st_mtim.tv_nsec / 1000000u;
    if (now_ms <= mtime_ms || now_ms - mtime_ms <= retention_ms) {
        return 0;
    }
    if (unlinkat(dfd, fname, 0) != 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    return 1;
}

int history_prune(const char *state_dir, const char *const *keep, size_t nkeep,
                  uint64_t retention_s, uint64_t now_wall_ms)
{
    uint64_t retention_ms;
    if (__builtin_mul_overflow(retention_s ? retention_s : HISTORY_RETENTION_S, (uint64_t)1000u,
                               &retention_ms)) {
        return 0; // a retention past 2^64 ms keeps everything
    }
    int dfd = hist_dir_open(state_dir, false);
    if (dfd < 0) {
        return dfd == -ENOENT ? 0 : dfd;
    }
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        int e = errno;
        (void)close(dfd);
        return -e;
    }
    int removed = 0, err = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL) {
            err = err ? err : -errno;
            break;
        }
        int rc = prune_one(dirfd(d), de->d_name, keep, nkeep, retention_ms, now_wall_ms);
        if (rc < 0) {
            err = err ? err : rc;
        } else if (removed < INT32_MAX) {
            removed += rc;
        }
    }
    (void)closedir(d); // read-only directory stream
    return err ? err : removed;
}
