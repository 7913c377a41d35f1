// SPDX-License-Identifier: MIT
// Per-service log files, the writing side: one write(2) per formatted line into NAME.log,
// size rotation by a rename chain (NAME.log -> .1 -> ... -> .(count-1), the oldest
// replaced), token-bucket rate limiting with "dropped N lines" markers, and the log_max
// parser. Choices: no fsync (the journal is the durable record; a log line is worth a
// page-cache write, not a disk flush); a line never straddles files; a failed file is
// closed and retried after LOGFILE_RETRY_MS instead of every line. The reader of
// `warden logs` is logfile_read.c.
#include "logfile.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "errbuf.h"
#include "journal.h"
#include "units.h"

#define STAMP_BYTES    32u // "2026-11-23T05:00:00.123Z" is 24 bytes + NUL
#define STAMP_LEN      24u // its length: years > 9999 are refused by journal_format_time
#define STAMP_FALLBACK "0000-00-00T00:00:00.000Z" // a wall clock past year 9999
#define MARKER_BYTES   64u   // "[warden: dropped 18446744073709551615 lines]" is 44
#define MILLI          1000u // bucket tokens per line / byte
#define MAX_FORMS                                                                                  \
    "SIZE x COUNT, e.g. \"16M x 4\" or \"1G x 2\" (SIZE 64K..1G with K, M or G suffix; "           \
    "COUNT 2..16)"

static const char *const stream_names[3] = {"???", "out", "err"};

int logfile_file_name(char *buf, size_t size, const char *name, unsigned index)
{
    int n = index ? snprintf(buf, size, "%s.log.%u", name, index)
                  : snprintf(buf, size, "%s.log", name);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool logfile_name_ok(const char *name)
{
    size_t len = name ? strnlen(name, SERVICE_NAME_MAX) : 0;
    return len > 0 && len < SERVICE_NAME_MAX && name[0] != '.' && strchr(name, '/') == NULL;
}

int logfile_dir_path(char *buf, size_t size, const char *state_dir)
{
    int n = snprintf(buf, size, "%s/" LOGFILE_DIR, state_dir ? state_dir : "");
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- writer ---- */

static void bucket_fill(struct logfile *lf)
{
    lf->line_tokens = lf->rate_lines * LOGFILE_BURST_MS;
    lf->byte_tokens = lf->rate_bytes * LOGFILE_BURST_MS;
}

void logfile_set_rate(struct logfile *lf, uint64_t lines_per_s, uint64_t bytes_per_s)
{
    // Caps keep rate * LOGFILE_BURST_MS * MILLI-scaled arithmetic far from overflow.
    lf->rate_lines = lines_per_s < (1ull << 32) ? lines_per_s : (1ull << 32);
    lf->rate_bytes = bytes_per_s < (1ull << 40) ? bytes_per_s : (1ull << 40);
    bucket_fill(lf);
}

// Add what mono_ms - refill_ms earns. A clock that goes back earns nothing.
static void bucket_refill(struct logfile *lf, uint64_t mono_ms)
{
    if (mono_ms <= lf->refill_ms) {
        return;
    }
    uint64_t elapsed = mono_ms - lf->refill_ms;
    lf->refill_ms = mono_ms;
    if (elapsed >= LOGFILE_BURST_MS) {
        bucket_fill(lf);
        return;
    }
    uint64_t cap = lf->rate_lines * LOGFILE_BURST_MS;
    lf->line_tokens += elapsed * lf->rate_lines;
    lf->line_tokens = lf->line_tokens < cap ? lf->line_tokens : cap;
    cap = lf->rate_bytes * LOGFILE_BURST_MS;
    lf->byte_tokens += elapsed * lf->rate_bytes;
    lf->byte_tokens = lf->byte_tokens < cap ? lf->byte_tokens : cap;
}

// Take one line of `bytes` from both buckets, or nothing.
static bool bucket_take(struct logfile *lf, size_t bytes)
{
    bool lines_ok = lf->rate_lines == 0 || lf->line_tokens >= MILLI;
    bool bytes_ok = lf->rate_bytes == 0 || lf->byte_tokens >= (uint64_t)bytes * MILLI;
    if (!lines_ok || !bytes_ok) {
        return false;
    }
    if (lf->rate_lines) {
        lf->line_tokens -= MILLI;
    }
    if (lf->rate_bytes) {
        lf->byte_tokens -= (uint64_t)bytes * MILLI;
    }
    return true;
}

// Open NAME.log for appending (creating it) and learn its size and whether it ends torn.
static int file_attach(struct logfile *lf)
{
    char fname[LOGFILE_NAME_BYTES];
    int rc = logfile_file_name(fname, sizeof(fname), lf->name, 0);
    if (rc != 0) {
        return rc;
    }
    // O_RDWR only to read the last byte back; every write appends.
    int fd = openat(lf->dir_fd, fname, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        return -errno;
    }
    struct stat st;
    char last = '\n';
    int e = fstat(fd, &st) != 0 ? errno : 0;
    if (e == 0 && !S_ISREG(st.st_mode)) {
        e = EINVAL; // a directory or fifo named like the log
    }
    if (e == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1) {
        e = errno ? errno : EIO;
    }
    if (e != 0) {
        (void)close(fd);
        return -e;
    }
    lf->fd = fd;
    lf->bytes = (uint64_t)st.st_size;
    lf->torn = last != '\n';
    return 0;
}

// NAME.log.(k-1) -> NAME.log.k from the top down: each rename replaces the oldest kept file
// atomically, so at no point are there more than count files. A missing one is a gap.
static int rotate_files(struct logfile *lf)
{
    char from[LOGFILE_NAME_BYTES], to[LOGFILE_NAME_BYTES];
    for (unsigned k = lf->count - 1; k >= 1; k--) {
        int rc = logfile_file_name(from, sizeof(from), lf->name, k - 1);
        if (rc == 0) {
            rc = logfile_file_name(to, sizeof(to), lf->name, k);
        }
        if (rc != 0) {
            return rc;
        }
        if (renameat(lf->dir_fd, from, lf->dir_fd, to) != 0 && errno != ENOENT) {
            return -errno;
        }
    }
    return 0;
}

static void file_detach(struct logfile *lf)
{
    if (lf->fd >= 0) {
        (void)close(lf->fd); // nothing is buffered; a late error has nothing to lose
        lf->fd = -1;
    }
}

// Record a file failure: close, and leave the file alone until LOGFILE_RETRY_MS have passed.
static int file_fail(struct logfile *lf, uint64_t mono_ms, int rc)
{
    file_detach(lf);
    lf->last_error = -rc;
    lf->retry_ms = mono_ms + LOGFILE_RETRY_MS;
    lf->write_errors++;
    return rc;
}

// Make NAME.log ready to take need more bytes: reopen it after a failure, rotate it when the
// line would take it past max_bytes (an empty file takes any line: every line fits one).
static int file_ready(struct logfile *lf, uint64_t mono_ms, size_t need)
{
    // NAME.log deleted or replaced under warden (issue 12: lines went to a deleted inode
    // until the next rotation): checked once a second, not per line; reopened and counted
    struct stat st, now;
    if (lf->fd >= 0 && mono_ms >= lf->check_ms) {
        lf->check_ms = mono_ms + LOGFILE_CHECK_MS;
        char fname[SERVICE_NAME_MAX + 8];
        (void)snprintf(fname, sizeof(fname), "%s.log", lf->name);
        if (fstat(lf->fd, &st) == 0 &&
            (st.st_nlink == 0 || fstatat(lf->dir_fd, fname, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
             now.st_ino != st.st_ino || now.st_dev != st.st_dev)) {
            file_detach(lf);
            lf->reopened++;
        }
    }
    bool fits = lf->bytes == 0 || lf->bytes + need <= lf->max_bytes;
    if (lf->fd >= 0 && fits) {
        return 0;
    }
    if (lf->fd < 0) {
        if (mono_ms < lf->retry_ms) {
            lf->write_errors++; // still failed: no syscall until the retry time
            return -lf->last_error;
        }
        int rc = file_attach(lf);
        if (rc != 0) {
            return file_fail(lf, mono_ms, rc);
        }
        if (lf->bytes == 0 || lf->bytes + need <= lf->max_bytes) {
            return 0;
        }
    }
    file_detach(lf);
    int rc = rotate_files(lf);
    if (rc == 0) {
        rc = file_attach(lf);
    }
    if (rc != 0) {
        return file_fail(lf, mono_ms, rc);
    }
    lf->rotations++;
    return 0;
}

// Write buf whole. A failure after a partial write cuts the file back to whole lines; if
// that fails too, the torn tail is accounted and the next line starts on a fresh one.
static int file_write(struct logfile *lf, uint64_t mono_ms, const char *buf, size_t len)
{
    size_t done = 0;
    int e = 0;
    while (done < len) {
        ssize_t n = write(lf->fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    if (e == 0) {
        lf->bytes += len;
        lf->torn = false;
        return 0;
    }
    if (done > 0 && ftruncate(lf->fd, (off_t)lf->bytes) != 0) {
        lf->bytes += done;
        lf->torn = true;
    }
    return file_fail(lf, mono_ms, -e);
}

// Bytes of the file line for text of len bytes plus suffix, without a torn-fix '\n'.
static size_t line_bytes(size_t len, const char *suffix)
{
    return STAMP_LEN + 1u + 3u + 1u + len + strlen(suffix) + 1u; // stamp, stream, '\n'
}

// Format "STAMP STREAM TEXTSUFFIX\n" (after a '\n' if the file is torn) and write it.
static int emit(struct logfile *lf, uint64_t mono_ms, uint64_t wall_ms, int stream,
                const char *text, size_t len, const char *suffix)
{
    // LOG_LINE_MAX of text plus at most 103 bytes of framing (see LOGFILE_LINE_BYTES).
    char buf[LOGFILE_LINE_BYTES];
    int rc = file_ready(lf, mono_ms, line_bytes(len, suffix) + 1u);
    if (rc != 0) {
        return rc;
    }
    char stamp[STAMP_BYTES];
    if (journal_format_time(wall_ms, stamp, sizeof(stamp)) != 0) {
        (void)snprintf(stamp, sizeof(stamp), "%s", STAMP_FALLBACK);
    }
    size_t at = 0;
    if (lf->torn) {
        buf[at++] = '\n';
    }
    int n = snprintf(buf + at, sizeof(buf) - at, "%s %s ", stamp, stream_names[stream]);
    if (n < 0 || (size_t)n + len + strlen(suffix) + 2u > sizeof(buf) - at) { // '\n', NUL
        return file_fail(lf, mono_ms, -EOVERFLOW); // unreachable: len <= LOG_LINE_MAX
    }
    at += (size_t)n;
    if (len > 0) {
        memcpy(buf + at, text, len);
    }
    for (char *p = memchr(buf + at, '\n', len); p != NULL;
         p = memchr(p, '\n', (size_t)(buf + at + len - p))) {
        *p = ' '; // a file line is one line, whatever the caller passed
    }
    at += len;
    at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s\n", suffix); // fits: checked above
    return file_write(lf, mono_ms, buf, at);
}

// One marker line per stream that lost lines since its last marker.
int logfile_flush(struct logfile *lf, uint64_t mono_ms, uint64_t wall_ms)
{
    for (int stream = LOGFILE_OUT; stream <= LOGFILE_ERR; stream++) {
        uint64_t n = lf->dropped_pending[stream - 1];
        if (n == 0) {
            continue;
        }
        char text[MARKER_BYTES];
        int len = snprintf(text, sizeof(text), "[warden: dropped %" PRIu64 " line%s]", n,
                           n == 1 ? "" : "s");
        if (len < 0 || (size_t)len >= sizeof(text)) {
            return -EOVERFLOW; // unreachable: 20 digits fit
        }
        int rc = emit(lf, mono_ms, wall_ms, stream, text, (size_t)len, "");
        if (rc != 0) {
            return rc; // still pending: the next line retries it
        }
        lf->dropped_pending[stream - 1] = 0;
    }
    return 0;
}

int logfile_line(struct logfile *lf, uint64_t mono_ms, uint64_t wall_ms, int stream,
                 const char *line, size_t len, bool cut)
{
    if ((stream != LOGFILE_OUT && stream != LOGFILE_ERR) || len > LOG_LINE_MAX ||
        (line == NULL && len > 0)) {
        return -EINVAL;
    }
    const char *suffix = cut ? LOGFILE_CUT_NOTE : "";
    bucket_refill(lf, mono_ms);
    if (!bucket_take(lf, line_bytes(len, suffix))) {
        lf->dropped_pending[stream - 1]++;
        lf->dropped_lines++;
        return LOGFILE_DROPPED;
    }
    int rc = logfile_flush(lf, mono_ms, wall_ms);
    if (rc != 0) {
        lf->write_errors++; // the line goes with its marker, to keep the file in order
        return rc;
    }
    rc = emit(lf, mono_ms, wall_ms, stream, line, len, suffix);
    if (rc != 0) {
        return rc;
    }
    lf->written_lines++;
    lf->cut_lines += cut ? 1u : 0u;
    return LOGFILE_WRITTEN;
}

// Delete NAME.log.count .. NAME.log.(LOGFILE_COUNT_MAX-1), left by a larger count.
static int prune_extra(struct logfile *lf)
{
    char fname[LOGFILE_NAME_BYTES];
    for (unsigned k = lf->count; k < LOGFILE_COUNT_MAX; k++) {
        int rc = logfile_file_name(fname, sizeof(fname), lf->name, k);
        if (rc != 0) {
            return rc;
        }
        if (unlinkat(lf->dir_fd, fname, 0) != 0 && errno != ENOENT) {
            return -errno;
        }
    }
    return 0;
}

int logfile_open(struct logfile *lf, const char *state_dir, const char *name, uint64_t max_bytes,
                 unsigned count)
{
    memset(lf, 0, sizeof(*lf));
    lf->dir_fd = -1;
    lf->fd = -1;
    if (!logfile_name_ok(name) || max_bytes < LOGFILE_SIZE_MIN || max_bytes > LOGFILE_SIZE_MAX ||
        count < LOGFILE_COUNT_MIN || count > LOGFILE_COUNT_MAX) {
        return -EINVAL;
    }
    (void)snprintf(lf->name, sizeof(lf->name), "%s", name); // fits: checked by logfile_name_ok
    lf->max_bytes = max_bytes;
    lf->count = count;
    logfile_set_rate(lf, LOGFILE_RATE_LINES, LOGFILE_RATE_BYTES);
    char path[LOGFILE_DIR_BYTES];
    int rc = logfile_dir_path(path, sizeof(path), state_dir);
    if (rc == 0 && mkdir(path, 0750) != 0 && errno != EEXIST) {
        rc = -errno;
    }
    if (rc == 0) {
        lf->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = lf->dir_fd < 0 ? -errno : 0;
    }
    if (rc == 0) {
        rc = prune_extra(lf);
    }
    if (rc == 0) {
        rc = file_attach(lf);
    }
    if (rc != 0) {
        logfile_close(lf);
    }
    return rc;
}

void logfile_close(struct logfile *lf)
{
    file_detach(lf);
    if (lf->dir_fd >= 0) {
        (void)close(lf->dir_fd);
        lf->dir_fd = -1;
    }
}

/* ---- log_max parser ---- */

static int max_error(char *err, size_t errlen, const char *s, const char *why)
{
    char q[UNITS_QUOTE_BYTES];
    units_quote(s, SIZE_MAX, q, sizeof(q));
    if (err != NULL && errlen > 0) {
        (void)snprintf(err, errlen, "invalid log_max %s (%s): expected " MAX_FORMS, q, why);
    }
    return -EINVAL;
}

// Copy [s, end) without surrounding blanks into buf; false when empty or too long.
static bool copy_trimmed(const char *s, const char *end, char *buf, size_t size)
{
    while (s < end && (*s == ' ' || *s == '\t')) {
        s++;
    }
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= size) {
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

int logfile_parse_max(const char *s, uint64_t *bytes, unsigned *count, char *err, size_t errlen)
{
    char size_s[32], count_s[32]; // longer parts are not a valid size or count anyway
    const char *x = s ? strpbrk(s, "xX") : NULL;
    if (x == NULL) {
        return max_error(err, errlen, s, "no \"x COUNT\"");
    }
    if (!copy_trimmed(s, x, size_s, sizeof(size_s))) {
        return max_error(err, errlen, s, "bad size");
    }
    if (!copy_trimmed(x + 1, x + strlen(x), count_s, sizeof(count_s))) {
        return max_error(err, errlen, s, "bad count");
    }
    struct errbuf eb; // units' own message is replaced by one about log_max
    uint64_t b = 0, c = 0;
    if (units_parse_size(size_s, 0, &b, &eb) != 0) {
        return max_error(err, errlen, s, "bad size");
    }
    if (b < LOGFILE_SIZE_MIN || b > LOGFILE_SIZE_MAX) {
        return max_error(err, errlen, s, "size out of range");
    }
    if (units_parse_uint(count_s, 0, UINT64_MAX, &c, &eb) != 0) {
        return max_error(err, errlen, s, "bad count");
    }
    if (c < LOGFILE_COUNT_MIN || c > LOGFILE_COUNT_MAX) {
        return max_error(err, errlen, s, "count out of range");
    }
    *bytes = b;
    *count = (unsigned)c;
    return 0;
}
