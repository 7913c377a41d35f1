// SPDX-License-Identifier: MIT
// Bounded append-only event journal: one JSON line per event, appended with a single
// write(2) to numbered segment files; rotation deletes the oldest segment by its known
// index, so disk use is capped at segment_bytes * segment_count and nothing is rewritten.
// Choices: the directory is made like `mkdir -p` (0700 for each missing level); a line is
// {"seq","time", then ev's members in ev's order}; a failed append consumes no seq; only a
// torn tail is ever cut, complete lines that do not parse stay and read as bad.
#include "journal.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bounds.h"
#include "io.h"
#include "journal_int.h"

#define SEG_PREFIX      "events."
#define SEG_SUFFIX      ".jsonl"
#define SEG_DIGITS_MIN  12  // names are written with 12 digits; more only past 10^12 segments
#define SEG_DIGITS_MAX  20  // UINT64_MAX has 20 digits
#define SEG_NAME_MAX    64  // "events." + 20 digits + ".jsonl" + NUL = 34 bytes
#define TIME_STR_MAX    32  // "YYYY-MM-DDTHH:MM:SS.mmmZ" is 24 bytes + NUL; years > 9999 refused
#define REDUCED_STR_MAX 256 // service/type kept in a reduced event only up to this length
#define DUMP_FLAGS      (JSON_COMPACT | JSON_PRESERVE_ORDER)
// Backward scans read chunks of one maximal line plus the byte before it, so a line that
// may be valid (<= JOURNAL_LINE_MAX incl. '\n') is always seen whole with its left edge.
#define BACK_CHUNK (JOURNAL_LINE_MAX + 1u)

typedef int seg_visit_fn(uint64_t index, void *ctx);

static uint64_t clock_realtime_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int journal_format_time(uint64_t ms, char *buf, size_t size)
{
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || tm.tm_year > 9999 - 1900) {
        return -EOVERFLOW;
    }
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (unsigned)(ms % 1000u));
    if (n < 0 || (size_t)n >= size) {
        return -EOVERFLOW;
    }
    return 0;
}

static int seg_name(char *buf, size_t size, uint64_t index)
{
    int n = snprintf(buf, size, SEG_PREFIX "%012" PRIu64 SEG_SUFFIX, index);
    if (n < 0 || (size_t)n >= size) {
        return -ENAMETOOLONG;
    }
    return 0;
}

// Strict parse of "events.<12..20 digits>.jsonl"; anything else in the directory is ignored.
static bool seg_parse(const char *name, uint64_t *index)
{
    size_t plen = strlen(SEG_PREFIX);
    if (strncmp(name, SEG_PREFIX, plen) != 0) {
        return false;
    }
    const char *p = name + plen;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (digits >= SEG_DIGITS_MAX || v > (UINT64_MAX - d) / 10u) {
            return false;
        }
        v = v * 10u + d;
    }
    if (digits < SEG_DIGITS_MIN || strcmp(p, SEG_SUFFIX) != 0) {
        return false;
    }
    *index = v;
    return true;
}

// Call fn for every segment file in the directory (any order). An independent open of
// "." gives readdir its own offset, so dir_fd itself is never moved. 0, fn's value, -errno.
static int seg_foreach(int dir_fd, seg_visit_fn *fn, void *ctx)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        (void)close(fd);
        return -e;
    }
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL) {
            rc = errno ? -errno : 0;
            break;
        }
        uint64_t index;
        if (!seg_parse(de->d_name, &index)) {
            continue;
        }
        rc = fn(index, ctx);
        if (rc != 0) {
            break;
        }
    }
    if (closedir(d) != 0 && rc == 0) {
        rc = -errno;
    }
    return rc;
}

static int seg_range_visit(uint64_t index, void *ctx)
{
    struct seg_range *r = ctx;
    if (index >= r->from && index <= r->to) {
        r->lo = r->count == 0 || index < r->lo ? index : r->lo;
        r->hi = r->count == 0 || index > r->hi ? index : r->hi;
        r->count++;
    }
    return 0;
}

// Lowest and highest segment index in [from, to]; r->count is 0 when there is none.
int journal_seg_scan(int dir_fd, uint64_t from, uint64_t to, struct seg_range *r)
{
    *r = (struct seg_range){.from = from, .to = to};
    return seg_foreach(dir_fd, seg_range_visit, r);
}

static int seg_unlink(int dir_fd, uint64_t index)
{
    char name[SEG_NAME_MAX];
    int rc = seg_name(name, sizeof(name), index);
    if (rc != 0) {
        return rc;
    }
    if (unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
        return -errno;
    }
    return 0;
}

struct seg_prune {
    int dir_fd;
    uint64_t upto; // segments with index <= upto go
};

static int seg_prune_visit(uint64_t index, void *ctx)
{
    const struct seg_prune *p = ctx;
    return index <= p->upto ? seg_unlink(p->dir_fd, index) : 0;
}

// Open segment `index` (a regular file, never through a symlink): the fd, or -errno.
int journal_seg_open(int dir_fd, uint64_t index, int flags, uint64_t *size)
{
    char name[SEG_NAME_MAX];
    int rc = seg_name(name, sizeof(name), index);
    if (rc != 0) {
        return rc;
    }
    int fd = openat(dir_fd, name, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -errno;
    }
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : 0;
    if (e == 0 && !S_ISREG(st.st_mode)) {
        e = EINVAL; // a directory or device named like a segment
    }
    if (e != 0) {
        (void)close(fd);
        return -e;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static int sync_retry(int fd, bool data_only)
{
    int rc;
    do {
        rc = data_only ? fdatasync(fd) : fsync(fd);
    } while (rc != 0 && errno == EINTR);
    return rc != 0 ? -errno : 0;
}

static ptrdiff_t last_nl(const char *buf, size_t n)
{
    while (n > 0) {
        n--;
        if (buf[n] == '\n') {
            return (ptrdiff_t)n;
        }
    }
    return -1;
}

// *end = the offset just after the last '\n' before offset `before` (0 if none): the end of
// the complete lines there. Reads backwards in chunks of `size` bytes, never the whole file.
static int complete_end(int fd, uint64_t before, char *buf, size_t size, uint64_t *end)
{
    *end = 0;
    while (before > 0) {
        uint64_t start = before > size ? before - size : 0;
        size_t n = (size_t)(before - start);
        int rc = io_pread_full(fd, buf, n, (off_t)start);
        if (rc != 0) {
            return rc;
        }
        ptrdiff_t at = last_nl(buf, n);
        if (at >= 0) {
            *end = start + (uint64_t)at + 1;
            return 0;
        }
        before = start;
    }
    return 0;
}

// The "seq" of one line if it is a JSON object with an integer seq in [0, INT64_MAX), so
// that the next seq still fits a JSON integer.
static bool line_seq(const char *line, size_t len, uint64_t *seq)
{
    if (len >= JOURNAL_LINE_MAX) {
        return false; // longer than the journal ever writes
    }
    json_t *ev = json_loadb(line, len, 0, NULL);
    json_t *v = json_object_get(ev, "seq"); // NULL-safe
    bool ok = json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < INT64_MAX;
    if (ok) {
        *seq = (uint64_t)json_integer_value(v);
    }
    json_decref(ev);
    return ok;
}

enum back_step {
    BACK_FOUND,    // a line with a seq was found
    BACK_CONTINUE, // go on with the chunk that ends at *resume
    BACK_LONG,     // the line ending at buf[n-1] starts before chunk_start: too long, skip it
};

// Newest-first over the complete lines of buf[0, n), which ends with '\n' and starts at
// file offset chunk_start.
static enum back_step back_chunk(const char *buf, size_t n, uint64_t chunk_start, uint64_t *seq,
                                 uint64_t *resume)
{
    size_t e = n - 1; // buf[e] is the '\n' of the current line
    for (;;) {
        ptrdiff_t p = last_nl(buf, e);
        if (p < 0 && chunk_start == 0) {
            *resume = 0;
            return line_seq(buf, e, seq) ? BACK_FOUND : BACK_CONTINUE;
        }
        if (p < 0) {
            *resume = chunk_start + e + 1;
            return e + 1 < n ? BACK_CONTINUE : BACK_LONG;
        }
        size_t start = (size_t)p + 1;
        if (line_seq(buf + start, e - start, seq)) {
            return BACK_FOUND;
        }
        e = (size_t)p;
    }
}

// Seq of the last line that parses, scanning back from the end of a file of `size` bytes.
// An unterminated tail is not a line. *found is false when no line has a seq.
static int last_seq_in(int fd, uint64_t size, uint64_t *seq, bool *found)
{
    char buf[BACK_CHUNK]; // one maximal line plus its left neighbour (see BACK_CHUNK)
    uint64_t end = 0;
    *found = false;
    int rc = complete_end(fd, size, buf, sizeof(buf), &end);
    while (rc == 0 && end > 0) {
        uint64_t start = end > sizeof(buf) ? end - sizeof(buf) : 0;
        size_t n = (size_t)(end - start);
        rc = io_pread_full(fd, buf, n, (off_t)start);
        if (rc != 0) {
            break;
        }
        enum back_step step = back_chunk(buf, n, start, seq, &end);
        if (step == BACK_FOUND) {
            *found = true;
            break;
        }
        if (step == BACK_LONG) {
            rc = complete_end(fd, start, buf, sizeof(buf), &end);
        }
    }
    return rc;
}

static int seq_in_segment(int dir_fd, uint64_t index, uint64_t *seq, bool *found)
{
    *found = false;
    uint64_t size = 0;
    int fd = journal_seg_open(dir_fd, index, O_RDONLY, &size);
    if (fd < 0) {
        return fd == -ENOENT ? 0 : fd;
    }
    int rc = last_seq_in(fd, size, seq, found);
    (void)close(fd);
    return rc;
}

// Cut a torn last line (bytes after the last '\n') of the current segment, then fsync.
static int seg_repair(struct journal *j)
{
    char buf[JOURNAL_LINE_MAX]; // backward scan chunk
    uint64_t size = 0, end = 0;
    int rfd = journal_seg_open(j->dir_fd, j->seg_index, O_RDONLY, &size);
    if (rfd < 0) {
        return rfd;
    }
    int rc = complete_end(rfd, size, buf, sizeof(buf), &end);
    (void)close(rfd);
    if (rc != 0 || end == size) {
        j->seg_bytes = size;
        return rc;
    }
    if (ftruncate(j->fd, (off_t)end) != 0) {
        return -errno;
    }
    j->repaired_bytes += size - end;
    j->seg_bytes = end;
    return sync_retry(j->fd, false);
}

// Open the current segment for appending (creating it) and repair its tail.
static int seg_attach(struct journal *j)
{
    uint64_t size = 0;
    int fd = journal_seg_open(j->dir_fd, j->seg_index, O_WRONLY | O_APPEND | O_CREAT, &size);
    if (fd < 0) {
        return fd;
    }
    j->fd = fd;
    j->dirty = false;
    int rc = seg_repair(j);
    if (rc == 0) {
        rc = sync_retry(j->dir_fd, false); // the segment may have just been created
    }
    if (rc != 0) {
        (void)close(j->fd);
        j->fd = -1;
    }
    return rc;
}

// next_seq = 1 + the seq of the newest event on disk, looking back past empty segments.
static int recover_seq(struct journal *j)
{
    uint64_t seq = 0;
    bool found = false;
    uint64_t index = j->seg_index;
    int rc = seq_in_segment(j->dir_fd, index, &seq, &found);
    while (rc == 0 && !found && index > 0) {
        struct seg_range r;
        rc = journal_seg_scan(j->dir_fd, 0, index - 1, &r);
        if (rc != 0 || r.count == 0) {
            break;
        }
        index = r.hi;
        rc = seq_in_segment(j->dir_fd, index, &seq, &found);
    }
    j->next_seq = found ? seq + 1 : 1;
    return rc;
}

// mkdir -p with mode 0700 for every missing component; existing ones are left as they are.
static int dir_make(char *path)
{
    for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            return -e;
        }
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

static int opts_apply(struct journal *j, const struct journal_opts *o)
{
    if (o == NULL || o->dir == NULL || o->dir[0] == '\0') {
        return -EINVAL;
    }
    j->segment_bytes = o->segment_bytes ? o->segment_bytes : JOURNAL_SEGMENT_BYTES;
    j->segment_count = o->segment_count ? o->segment_count : JOURNAL_SEGMENT_COUNT;
    j->now_ms = o->now_ms ? o->now_ms : clock_realtime_ms;
    // A segment must hold the longest line, or a single event could pass the cap.
    if (j->segment_bytes < JOURNAL_LINE_MAX || j->segment_count < 2) {
        return -EINVAL;
    }
    int n = snprintf(j->dir, sizeof(j->dir), "%s", o->dir);
    if (n < 0 || (size_t)n >= sizeof(j->dir)) {
        return -ENAMETOOLONG;
    }
    return 0;
}

int journal_open(struct journal *j, const struct journal_opts *o)
{
    memset(j, 0, sizeof(*j));
    j->fd = -1;
    j->dir_fd = -1;
    int rc = opts_apply(j, o);
    if (rc == 0) {
        rc = dir_make(j->dir);
    }
    if (rc == 0) {
        j->dir_fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = j->dir_fd < 0 ? -errno : 0;
    }
    struct seg_range r = {0};
    if (rc == 0) {
        rc = journal_seg_scan(j->dir_fd, 0, UINT64_MAX, &r);
    }
    j->seg_index = r.count ? r.hi : 1;
    if (rc == 0 && r.count && r.hi - r.lo >= j->segment_count) {
        // Left over from a larger segment_count: bring the journal back under its cap.
        struct seg_prune p = {.dir_fd = j->dir_fd, .upto = r.hi - j->segment_count};
        rc = seg_foreach(j->dir_fd, seg_prune_visit, &p);
    }
    if (rc == 0) {
        rc = seg_attach(j);
    }
    if (rc == 0) {
        rc = recover_seq(j);
    }
    if (rc != 0) {
        journal_close(j);
    }
    return rc;
}

// Switch to segment index+1. The oldest segment goes first, by its known index (O(1)),
// so the journal never holds more than segment_count files even when a step fails.
static int rotate(struct journal *j)
{
    if (j->seg_index == UINT64_MAX) {
        return -EOVERFLOW;
    }
    uint64_t next = j->seg_index + 1;
    int rc = 0;
    if (next >= j->segment_count) {
        rc = seg_unlink(j->dir_fd, next - j->segment_count);
    }
    uint64_t bytes = 0;
    int fd =
            rc == 0 ? journal_seg_open(j->dir_fd, next, O_WRONLY | O_APPEND | O_CREAT, &bytes) : rc;
    if (fd < 0) {
        return fd;
    }
    rc = sync_retry(j->fd, false);
    if (close(j->fd) != 0 && rc == 0) {
        rc = -errno;
    }
    j->fd = fd;
    j->seg_index = next;
    j->seg_bytes = bytes;
    j->dirty = false;
    int drc = sync_retry(j->dir_fd, false);
    return rc != 0 ? rc : drc;
}

// "{"seq":N,"time":"T"" followed by the members of ev: the dump of ev has its '{' turned
// into ',' (or is just "}" when ev is empty). No allocation beyond jansson's dump.
static int format_line(json_t *ev, uint64_t seq, const char *ts, char *buf, size_t *len)
{
    int plen = snprintf(buf, JOURNAL_LINE_MAX, "{\"seq\":%" PRIu64 ",\"time\":\"%s\"", seq, ts);
    if (plen < 0 || (size_t)plen >= JOURNAL_LINE_MAX - 2) {
        return -EOVERFLOW;
    }
    size_t room = JOURNAL_LINE_MAX - 1 - (size_t)plen; // 1 byte kept for '\n'
    size_t n = json_dumpb(ev, buf + plen, room, DUMP_FLAGS);
    if (n == 0) {
        return -EINVAL; // not encodable (e.g. invalid UTF-8 from a _nocheck string)
    }
    if (n > room) {
        return -E2BIG;
    }
    size_t total = (size_t)plen + (n == 2 ? 1 : n);
    buf[plen] = n == 2 ? '}' : ',';
    buf[total] = '\n';
    *len = total + 1;
    return 0;
}

static int copy_short_string(json_t *dst, json_t *src, const char *key)
{
    json_t *v = json_object_get(src, key);
    if (!json_is_string(v) || json_string_length(v) > REDUCED_STR_MAX) {
        return 0;
    }
    return json_object_set(dst, key, v) == 0 ? 0 : -ENOMEM;
}

// The reduced form of an event too long for one line: seq, time, service, type, truncated.
static int format_reduced(json_t *ev, uint64_t seq, const char *ts, char *buf, size_t *len)
{
    json_t *small = json_object();
    if (small == NULL) {
        return -ENOMEM;
    }
    int rc = copy_short_string(small, ev, "service");
    if (rc == 0) {
        rc = copy_short_string(small, ev, "type");
    }
    if (rc == 0 && json_object_set_new(small, "truncated", json_true()) != 0) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        rc = format_line(small, seq, ts, buf, len);
    }
    json_decref(small);
    return rc;
}

static int build_line(struct journal *j, json_t *ev, const char *ts, char *buf, size_t *len)
{
    // The journal's own seq and time replace any the caller put in.
    (void)json_object_del(ev, "seq");
    (void)json_object_del(ev, "time");
    int rc = format_line(ev, j->next_seq, ts, buf, len);
    if (rc == -E2BIG) {
        rc = format_reduced(ev, j->next_seq, ts, buf, len);
        if (rc == 0) {
            j->truncated_count++;
        }
    }
    if (rc == 0 && (json_object_set_new(ev, "seq", json_integer((json_int_t)j->next_seq)) != 0 ||
                    json_object_set_new(ev, "time", json_string(ts)) != 0)) {
        rc = -ENOMEM;
    }
    return rc;
}

// One write(2) of the whole line. A short write is cut back off so no torn line stays;
// when even that fails the fd is dropped and the next append reopens and repairs.
static int write_line(struct journal *j, const char *line, size_t len)
{
    ssize_t n;
    do {
        n = write(j->fd, line, len);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)len) {
        j->seg_bytes += len;
        return 0;
    }
    int rc = n < 0 ? -errno : -EIO;
    if (n >= 0) {
        // a short write to a regular file is a full disk or quota: the rest says which
        // (ENOSPC was reported as "Input/output error")
        ssize_t m = write(j->fd, line + n, len - (size_t)n);
        rc = m < 0 ? -errno : -ENOSPC;
    }
    if (n > 0 && ftruncate(j->fd, (off_t)j->seg_bytes) != 0) {
        (void)close(j->fd);
        j->fd = -1;
        j->dirty = false;
    }
    return rc;
}

static int make_room(struct journal *j, size_t len)
{
    struct stat st;
    if (j->fd >= 0 && fstat(j->fd, &st) == 0 && st.st_nlink == 0) {
        // the segment was deleted under us: writing on would lose every event silently
        // (issue 12); it is made again, and counted
        (void)close(j->fd);
        j->fd = -1;
        j->dirty = false;
        j->reopened_count++;
    }
    if (j->fd < 0) {
        int rc = seg_attach(j);
        if (rc != 0) {
            return rc;
        }
    }
    if (j->seg_bytes > 0 && j->seg_bytes + len > j->segment_bytes) {
        return rotate(j);
    }
    return 0;
}

// Keep a line whose write failed (seq given: the journal stays in order). false: no room.
static bool hold(struct journal *j, const char *line, size_t len)
{
    if (!j->spill) {
        j->spill = malloc(JOURNAL_SPILL_BYTES);
    }
    if (!j->spill || j->spill_len + len > JOURNAL_SPILL_BYTES) {
        j->dropped_count++;
        return false;
    }
    memcpy(j->spill + j->spill_len, line, len);
    j->spill_len += (uint32_t)len;
    j->spill_lines++;
    j->spilled_count++;
    return true;
}

int journal_flush(struct journal *j)
{
    uint32_t off = 0;
    int rc = 0;
    while (off < j->spill_len) {
        const char *nl = memchr(j->spill + off, '\n', j->spill_len - off);
        size_t len = nl ? (size_t)(nl - (j->spill + off)) + 1 : j->spill_len - off;
        rc = make_room(j, len);
        if (rc == 0) {
            rc = write_line(j, j->spill + off, len);
        }
        if (rc != 0) {
            break;
        }
        off += (uint32_t)len;
        j->spill_lines--;
        j->dirty = true;
    }
    if (off > 0) {
        memmove(j->spill, j->spill + off, j->spill_len - off);
        j->spill_len -= off;
    }
    return rc;
}

int journal_append(struct journal *j, json_t *ev, bool urgent)
{
    char line[JOURNAL_LINE_MAX]; // one event line incl. '\n' (bounds.h)
    char ts[TIME_STR_MAX];
    size_t len = 0;
    int rc = !json_is_object(ev) ? -EINVAL : j->dir_fd < 0 ? -EBADF : 0; // EBADF: never opened
    if (rc == 0 && j->next_seq > INT64_MAX) {
        rc = -EOVERFLOW; // seq is a JSON integer (int64)
    }
    if (rc == 0) {
        rc = journal_format_time(j->now_ms(), ts, sizeof(ts));
    }
    if (rc == 0) {
        rc = build_line(j, ev, ts, line, &len);
    }
    bool built = rc == 0;
    if (rc == 0 && j->spill_len > 0) {
        rc = journal_flush(j); // what is held goes first: the journal stays in seq order
    }
    if (rc == 0) {
        rc = make_room(j, len);
    }
    if (rc == 0) {
        rc = write_line(j, line, len);
    }
    if (rc == 0) {
        j->next_seq++;
        j->appended_count++;
        j->dirty = true;
        if (urgent) {
            rc = journal_sync(j);
        }
    } else if (built && hold(j, line, len)) {
        j->next_seq++; // written later, with this seq
        j->appended_count++;
    }
    if (rc != 0) {
        j->write_error_count++;
    }
    return rc;
}

int journal_sync(struct journal *j)
{
    if (j->fd < 0 || !j->dirty) {
        return 0;
    }
    int rc = sync_retry(j->fd, true);
    if (rc == 0) {
        j->dirty = false;
    }
    return rc;
}

void journal_close(struct journal *j)
{
    if (j->spill_len > 0 && j->dir_fd >= 0) {
        (void)journal_flush(j);
    }
    j->dropped_count += j->spill_lines; // what the disk still refused is lost now
    j->spill_lines = j->spill_len = 0;
    free(j->spill);
    j->spill = NULL;
    (void)journal_sync(j);
    if (j->fd >= 0) {
        (void)close(j->fd);
        j->fd = -1;
    }
    if (j->dir_fd >= 0) {
        (void)close(j->dir_fd);
        j->dir_fd = -1;
    }
}
