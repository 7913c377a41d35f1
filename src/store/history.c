// SPDX-License-Identifier: MIT
// Fixed-size history files: a 128-byte header and two rings at fixed offsets, written with
// pwrite(2) only. A new second costs two pwrites (the point, then the header with the new
// indexes) until the fine ring is full, three after (header marked busy, point, header: see
// record_write), as does a same-second merge; a minute boundary adds the same for the
// minute record. Nothing is fsynced (history, not the journal): a crash between the record
// and the header loses that record only.
// Choices: the header carries an FNV-1a checksum, so a torn header is detected and the file
// rebuilt rather than trusted; so does each record (format version 2), checked by readers
// with the ranges in history.h, because a scribbled record under a valid header was charted
// as is (issue 12: a memory_max of 2387530564325M and a negative peak in the report). Below
// count entries a ring has not wrapped, so next == valid and the count of appends are
// checked against each other; every integer is little-endian on disk (a no-op on x86 and
// arm64).
#include "history.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <assert.h>
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
#include "history_int.h"
#include "io.h"

static_assert(sizeof(struct hist_header) == HISTORY_HEADER_BYTES, "header layout");
static_assert(offsetof(struct hist_header, checksum) == HISTORY_HEADER_BYTES - 4, "checksum");
static_assert(sizeof(struct hist_point) == HISTORY_POINT_BYTES, "point layout");
static_assert(sizeof(struct hist_minute) == HISTORY_MINUTE_BYTES, "minute layout");
static_assert(SERVICE_NAME_MAX <= HIST_NAME_BYTES, "a service name fits the header");
static_assert(sizeof(struct history) <= 256 + SERVICE_NAME_MAX, "struct history stays small");

// Fine points held for one pwrite (history.h, HISTORY_PEND_MAX), as on disk, for
// consecutive slots from slot; the indexes of struct history count them already (the header
// is written only after them). Out of struct history, which stays small in struct service.
struct hist_pend {
    struct hist_point pts[HISTORY_PEND_MAX];
    uint32_t count, slot;
    bool visible; // one of them overwrites a slot a reader may be copying
};

// FNV-1a, 32 bits: enough to tell a torn or scribbled header from a written one.
static uint32_t fnv1a(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        // Read through memcpy: as p[i], clang-analyzer 14 calls a byte of a field it tracks
        // as a whole (a record's t_ms) a garbage value, a false positive. Same code.
        unsigned char c;
        memcpy(&c, p + i, 1);
        hash = (hash ^ c) * 16777619u;
    }
    return hash;
}

// Byte order: each conversion is its own inverse (htole == letoh), so one function serves
// both directions.
static void point_le(struct hist_point *p)
{
    p->t_ms = htole64(p->t_ms);
    p->mem_bytes = htole64(p->mem_bytes);
    p->mem_peak_bytes = htole64(p->mem_peak_bytes);
    p->pids = htole32(p->pids);
    p->check = htole32(p->check);
}

static void minute_le(struct hist_minute *m)
{
    m->t_ms = htole64(m->t_ms);
    m->mem_min_bytes = htole64(m->mem_min_bytes);
    m->mem_avg_bytes = htole64(m->mem_avg_bytes);
    m->mem_max_bytes = htole64(m->mem_max_bytes);
    m->mem_peak_max_bytes = htole64(m->mem_peak_max_bytes);
    m->pids_min = htole32(m->pids_min);
    m->pids_avg = htole32(m->pids_avg);
    m->pids_max = htole32(m->pids_max);
    m->samples = htole32(m->samples);
    m->reserved = htole32(m->reserved);
    m->check = htole32(m->check);
}

// Host-order record to disk order with its checksum (the bytes before check, as written).
static void point_pack(struct hist_point *p)
{
    point_le(p);
    p->check = htole32(fnv1a(p, offsetof(struct hist_point, check)));
}

static void minute_pack(struct hist_minute *m)
{
    m->reserved = 0;
    minute_le(m);
    m->check = htole32(fnv1a(m, offsetof(struct hist_minute, check)));
}

static bool time_ok(uint64_t t_ms, uint64_t unit_ms, uint64_t max_ms)
{
    return t_ms >= HISTORY_TIME_MIN_MS && t_ms <= max_ms && t_ms % unit_ms == 0;
}

// Disk-order record to host order: true when it is one the writer made (checksum, ranges).
bool hist_point_unpack(struct hist_point *p, uint64_t max_ms)
{
    uint32_t sum = fnv1a(p, offsetof(struct hist_point, check));
    point_le(p);
    return p->check == sum && time_ok(p->t_ms, 1000u, max_ms) &&
           p->mem_bytes < HISTORY_MEM_MAX_BYTES && p->mem_peak_bytes < HISTORY_MEM_MAX_BYTES &&
           p->pids <= HISTORY_PIDS_MAX;
}

bool hist_minute_unpack(struct hist_minute *m, uint64_t max_ms)
{
    uint32_t sum = fnv1a(m, offsetof(struct hist_minute, check));
    minute_le(m);
    // The average is of samples between min and max (acc_add, acc_start), so it lies between.
    return m->check == sum && m->reserved == 0 && time_ok(m->t_ms, 60000u, max_ms) &&
           m->samples > 0 && m->mem_min_bytes <= m->mem_avg_bytes &&
           m->mem_avg_bytes <= m->mem_max_bytes && m->mem_max_bytes < HISTORY_MEM_MAX_BYTES &&
           m->mem_peak_max_bytes < HISTORY_MEM_MAX_BYTES && m->pids_min <= m->pids_avg &&
           m->pids_avg <= m->pids_max && m->pids_max <= HISTORY_PIDS_MAX;
}

// Times along a ring as history_record writes them: later, or a clock step back (a sample
// less than HISTORY_STEP_BACK_S back is never written; a minute steps back by >= 5 min).
bool hist_order_ok(uint64_t prev_ms, uint64_t t_ms)
{
    return prev_ms == 0 || t_ms > prev_ms || prev_ms - t_ms >= HISTORY_STEP_BACK_S * 1000ull;
}

static void header_le(struct hist_header *hd)
{
    uint32_t *fields[] = {&hd->version,     &hd->header_bytes, &hd->fine_count, &hd->coarse_count,
                          &hd->point_bytes, &hd->minute_bytes, &hd->fine_next,  &hd->fine_valid,
                          &hd->coarse_next, &hd->coarse_valid, &hd->write_seq};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        *fields[i] = htole32(*fields[i]);
    }
    hd->fine_total = htole64(hd->fine_total);
    hd->coarse_total = htole64(hd->coarse_total);
}

off_t hist_fine_off(uint32_t slot)
{
    return HIST_FINE_OFFSET + (off_t)slot * HISTORY_POINT_BYTES;
}

off_t hist_coarse_off(uint32_t slot)
{
    return HIST_COARSE_OFFSET + (off_t)slot * HISTORY_MINUTE_BYTES;
}

// Header of h's indexes and name, in disk byte order with its checksum.
static void header_pack(const struct history *h, struct hist_header *hd)
{
    memset(hd, 0, sizeof(*hd));
    memcpy(hd->magic, HIST_MAGIC, sizeof(hd->magic));
    hd->version = HIST_VERSION;
    hd->header_bytes = HISTORY_HEADER_BYTES;
    hd->fine_count = HISTORY_FINE_COUNT;
    hd->coarse_count = HISTORY_COARSE_COUNT;
    hd->point_bytes = HISTORY_POINT_BYTES;
    hd->minute_bytes = HISTORY_MINUTE_BYTES;
    hd->fine_next = h->fine_next;
    hd->fine_valid = h->fine_valid;
    hd->coarse_next = h->coarse_next;
    hd->coarse_valid = h->coarse_valid;
    hd->fine_total = h->fine_total;
    hd->coarse_total = h->coarse_total;
    hd->write_seq = h->write_seq;
    memcpy(hd->name, h->name, sizeof(h->name)); // NUL-terminated, zero-padded
    header_le(hd);
    hd->checksum = htole32(fnv1a(hd, offsetof(struct hist_header, checksum)));
}

// One ring's indexes agree with the count of appends: next == total % count, and valid is
// total until the ring has wrapped, count after.
static bool ring_ok(uint32_t next, uint32_t valid, uint64_t total, uint32_t count)
{
    return next == total % count && valid == (total < count ? total : count);
}

// Check a header read from disk (converting it to host order); name NULL skips the name.
bool hist_header_unpack(struct hist_header *hd, const char *name)
{
    if (memcmp(hd->magic, HIST_MAGIC, sizeof(hd->magic)) != 0 ||
        le32toh(hd->checksum) != fnv1a(hd, offsetof(struct hist_header, checksum))) {
        return false;
    }
    header_le(hd);
    if (hd->version != HIST_VERSION || hd->header_bytes != HISTORY_HEADER_BYTES ||
        hd->fine_count != HISTORY_FINE_COUNT || hd->coarse_count != HISTORY_COARSE_COUNT ||
        hd->point_bytes != HISTORY_POINT_BYTES || hd->minute_bytes != HISTORY_MINUTE_BYTES) {
        return false;
    }
    if (!ring_ok(hd->fine_next, hd->fine_valid, hd->fine_total, HISTORY_FINE_COUNT) ||
        !ring_ok(hd->coarse_next, hd->coarse_valid, hd->coarse_total, HISTORY_COARSE_COUNT)) {
        return false;
    }
    if (memchr(hd->name, '\0', sizeof(hd->name)) == NULL) {
        return false;
    }
    return name == NULL || strcmp(hd->name, name) == 0;
}

// Read and check the header of an open file of the right size: 0, -EBADMSG or -errno.
int hist_header_read(int fd, const char *name, struct hist_header *hd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        return -EINVAL;
    }
    if (st.st_size != (off_t)HISTORY_FILE_BYTES) {
        return -EBADMSG;
    }
    int rc = io_pread_full(fd, hd, sizeof(*hd), 0);
    if (rc != 0) {
        return rc;
    }
    return hist_header_unpack(hd, name) ? 0 : -EBADMSG;
}

static int header_write(struct history *h)
{
    struct hist_header hd;
    header_pack(h, &hd);
    int rc = io_pwrite_full(h->fd, &hd, sizeof(hd), 0);
    if (rc != 0) {
        h->write_error_count++;
        h->size_check_sec = 0; // a cut file? look at the next sample
    }
    return rc;
}

// A record rewritten in place where a reader may be copying it (a same-second or same-minute
// merge, or the oldest record of a full ring, which an append replaces) is bracketed like a
// seqlock: the header's write_seq is odd from before the record's pwrite until the header
// that follows it, so a reader whose copy overlapped that write sees write_seq odd or
// changed. An append past the valid records needs no bracket: readers do not read there.
static int record_write(struct history *h, const void *rec, size_t len, off_t off, bool visible)
{
    if (visible) {
        h->write_seq |= 1u;
        int rc = header_write(h);
        if (rc != 0) {
            return rc;
        }
    }
    int rc = io_pwrite_full(h->fd, rec, len, off);
    if (rc != 0) {
        h->write_error_count++;
        h->size_check_sec = 0;
    }
    return rc;
}

// Write the header after a record (even when the record failed: it clears the busy mark).
static int header_commit(struct history *h)
{
    h->write_seq += h->write_seq & 1u;
    return header_write(h);
}

// Name of the file for a valid service name: 0 or -EINVAL.
static int file_name(const char *name, char *buf, size_t size)
{
    if (name == NULL || config_check_name(name, NULL) != 0) {
        return -EINVAL;
    }
    int n = snprintf(buf, size, "%s" HIST_SUFFIX, name);
    return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

// Open STATE_DIR/history, making it (0700) when create is set: the fd or -errno.
int hist_dir_open(const char *state_dir, bool create)
{
    int sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0) {
        return -errno;
    }
    if (create && mkdirat(sfd, HIST_DIR, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        (void)close(sfd);
        return -e;
    }
    int dfd = openat(sfd, HIST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    (void)close(sfd);
    return dfd < 0 ? -e : dfd;
}

// Open the file of name under state_dir (never through a symlink): the fd or -errno.
int hist_file_open(const char *state_dir, const char *name, int flags)
{
    char fname[HIST_FILE_NAME];
    int rc = file_name(name, fname, sizeof(fname));
    if (rc != 0) {
        return rc;
    }
    int dfd = hist_dir_open(state_dir, (flags & O_CREAT) != 0);
    if (dfd < 0) {
        return dfd;
    }
    int fd = openat(dfd, fname, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
    int e = errno;
    (void)close(dfd);
    return fd < 0 ? -e : fd;
}

// Empty the file and give it its full size, then write an empty header.
static int file_rebuild(struct history *h)
{
    if (ftruncate(h->fd, 0) != 0 || ftruncate(h->fd, (off_t)HISTORY_FILE_BYTES) != 0) {
        return -errno;
    }
    // Reserve the blocks now so a full disk later does not fail the pwrites into holes.
    // Best effort: some file systems (tmpfs before 3.5, NFS v3) refuse, and a sparse file
    // still works while there is room.
    (void)fallocate(h->fd, 0, 0, (off_t)HISTORY_FILE_BYTES);
    h->fine_next = h->fine_valid = h->coarse_next = h->coarse_valid = 0;
    h->fine_total = h->coarse_total = 0;
    return header_write(h);
}

// Recover the newest fine point and the newest coarse minute from a checked file. A damaged
// one is not merged into: the point is forgotten (the next sample appends), the minute is
// not matched (UINT64_MAX), so no scribbled value is carried into a new record.
static int tails_read(struct history *h)
{
    if (h->fine_valid > 0) {
        uint32_t slot = (h->fine_next + HISTORY_FINE_COUNT - 1) % HISTORY_FINE_COUNT;
        int rc = io_pread_full(h->fd, &h->last, sizeof(h->last), hist_fine_off(slot));
        if (rc != 0) {
            return rc;
        }
        if (!hist_point_unpack(&h->last, UINT64_MAX)) {
            memset(&h->last, 0, sizeof(h->last));
        }
    }
    if (h->coarse_valid > 0) {
        uint32_t slot = (h->coarse_next + HISTORY_COARSE_COUNT - 1) % HISTORY_COARSE_COUNT;
        struct hist_minute m;
        int rc = io_pread_full(h->fd, &m, sizeof(m), hist_coarse_off(slot));
        if (rc != 0) {
            return rc;
        }
        h->coarse_last_minute = hist_minute_unpack(&m, UINT64_MAX) ? m.t_ms / 60000u : UINT64_MAX;
    }
    return 0;
}

int history_open(struct history *h, const char *state_dir, const char *name)
{
    memset(h, 0, sizeof(*h));
    int fd = hist_file_open(state_dir, name, O_RDWR | O_CREAT);
    if (fd < 0) {
        h->fd = -1;
        return fd;
    }
    h->fd = fd;
    memcpy(h->name, name, strlen(name) + 1); // checked: shorter than SERVICE_NAME_MAX
    struct stat st;
    struct hist_header hd = {0}; // filled by header_read (zeroed for the analyzer)
    int rc = fstat(h->fd, &st) != 0 ? -errno : 0;
    if (rc == 0 && !S_ISREG(st.st_mode)) {
        rc = -EINVAL; // a device or fifo named like a history file
    } else if (rc == 0 && st.st_size == 0) {
        h->created = true; // new (or left empty by a crash right after creation)
        rc = file_rebuild(h);
    } else if (rc == 0) {
        rc = hist_header_read(h->fd, name, &hd);
        if (rc == -EBADMSG) {
            h->recreated = true;
            rc = file_rebuild(h);
        } else if (rc == 0) {
            h->fine_next = hd.fine_next;
            h->fine_valid = hd.fine_valid;
            h->coarse_next = hd.coarse_next;
            h->coarse_valid = hd.coarse_valid;
            h->fine_total = hd.fine_total;
            h->coarse_total = hd.coarse_total;
            h->write_seq = hd.write_seq; // odd: a writer died mid-record, cleared now
            rc = tails_read(h);
            rc = rc == 0 && (h->write_seq & 1u) ? header_commit(h) : rc;
        }
    }
    if (rc == 0) {
        h->pend = calloc(1, sizeof(*h->pend)); // NULL: written point by point
    }
    if (rc != 0) {
        (void)close(h->fd);
        h->fd = -1;
    }
    return rc;
}

// Write the running minute to the coarse ring (over the newest record when it is the same
// minute, merged at its first sample after a reopen) and empty the accumulator.
static int acc_flush(struct history *h)
{
    struct hist_acc *a = &h->acc;
    if (a->samples == 0) {
        return 0;
    }
    uint32_t n = a->avg_samples ? a->avg_samples : 1;
    struct hist_minute m = {.t_ms = a->minute * 60000u,
                            .mem_min_bytes = a->mem_min_bytes,
                            .mem_avg_bytes = a->mem_sum_bytes / n,
                            .mem_max_bytes = a->mem_max_bytes,
                            .mem_peak_max_bytes = a->peak_max_bytes,
                            .pids_min = a->pids_min,
                            .pids_avg = (uint32_t)(a->pids_sum / n),
                            .pids_max = a->pids_max,
                            .samples = a->samples};
    bool rewrite = a->rewrite && h->coarse_valid > 0;
    uint32_t slot = rewrite ? (h->coarse_next + HISTORY_COARSE_COUNT - 1) % HISTORY_COARSE_COUNT
                            : h->coarse_next;
    memset(a, 0, sizeof(*a));
    minute_pack(&m);
    bool visible = rewrite || h->coarse_valid == HISTORY_COARSE_COUNT;
    int rc = record_write(h, &m, sizeof(m), hist_coarse_off(slot), visible);
    if (rc == 0) {
        h->coarse_last_minute = le64toh(m.t_ms) / 60000u;
    }
    if (rc == 0 && !rewrite) {
        h->coarse_next = (h->coarse_next + 1) % HISTORY_COARSE_COUNT;
        h->coarse_total++;
        h->coarse_valid += h->coarse_valid < HISTORY_COARSE_COUNT;
    }
    int rc2 = header_commit(h);
    return rc ? rc : rc2;
}

// Start accumulating minute; when it is the newest coarse record already (warden closed
// and reopened within the minute), continue from that record so the minute is not split.
static int acc_start(struct history *h, uint64_t minute)
{
    struct hist_acc *a = &h->acc;
    memset(a, 0, sizeof(*a));
    a->minute = minute;
    if (h->coarse_valid == 0 || h->coarse_last_minute != minute) {
        return 0;
    }
    uint32_t slot = (h->coarse_next + HISTORY_COARSE_COUNT - 1) % HISTORY_COARSE_COUNT;
    struct hist_minute m;
    int rc = io_pread_full(h->fd, &m, sizeof(m), hist_coarse_off(slot));
    if (rc != 0) {
        return rc;
    }
    a->rewrite = true;
    if (!hist_minute_unpack(&m, UINT64_MAX)) {
        return 0; // damaged since the open: replaced, not merged into
    }
    a->mem_min_bytes = m.mem_min_bytes;
    a->mem_max_bytes = m.mem_max_bytes;
    a->peak_max_bytes = m.mem_peak_max_bytes;
    a->pids_min = m.pids_min;
    a->pids_max = m.pids_max;
    a->samples = m.samples;
    // The sums come back from the floored averages: off by less than one unit per sample.
    a->avg_samples = m.samples;
    a->pids_sum = (uint64_t)m.pids_avg * m.samples; // < 2^64: both factors < 2^32
    if (__builtin_mul_overflow(m.mem_avg_bytes, (uint64_t)m.samples, &a->mem_sum_bytes)) {
        a->mem_sum_bytes = m.mem_avg_bytes;
        a->avg_samples = 1;
    }
    return 0;
}

static void acc_add(struct hist_acc *a, uint64_t mem_bytes, uint64_t peak_bytes, uint32_t pids)
{
    if (a->samples == 0 || mem_bytes < a->mem_min_bytes) {
        a->mem_min_bytes = mem_bytes;
    }
    if (a->samples == 0 || pids < a->pids_min) {
        a->pids_min = pids;
    }
    a->mem_max_bytes = mem_bytes > a->mem_max_bytes ? mem_bytes : a->mem_max_bytes;
    a->peak_max_bytes = peak_bytes > a->peak_max_bytes ? peak_bytes : a->peak_max_bytes;
    a->pids_max = pids > a->pids_max ? pids : a->pids_max;
    if (a->samples < UINT32_MAX) {
        a->samples++;
    }
    // The average leaves out a sample whose memory would overflow the sum (2^64 bytes in a
    // minute: 30,000 samples at the 2 ms guard rate of 600 TB each) or past 2^32 samples.
    uint64_t sum;
    if (a->avg_samples < UINT32_MAX && !__builtin_add_overflow(a->mem_sum_bytes, mem_bytes, &sum)) {
        a->mem_sum_bytes = sum;
        a->pids_sum += pids; // < 2^64: fewer than 2^32 terms below 2^32
        a->avg_samples++;
    }
}

// Put a sample of second sec into the fine ring: merge into the newest point or append.

// Write the held fine points (consecutive slots: one pwrite), bracketed like one record
// when one of them overwrites a slot a reader may be copying, then the header counting them.
static int pend_flush(struct history *h)
{
    if (!h->pend || h->pend->count == 0) {
        return 0;
    }
    int rc = 0;
    if (h->pend->visible) {
        h->write_seq |= 1u;
        rc = header_write(h);
    }
    if (rc == 0) {
        rc = io_pwrite_full(h->fd, h->pend->pts, h->pend->count * sizeof(h->pend->pts[0]),
                            hist_fine_off(h->pend->slot));
        if (rc != 0) {
            h->write_error_count++;
            h->size_check_sec = 0;
        }
    }
    h->pend->count = 0;
    h->pend->visible = false;
    int rc2 = header_commit(h);
    return rc ? rc : rc2;
}

int history_flush(struct history *h)
{
    return h->fd < 0 ? -EBADF : pend_flush(h);
}

// Hold a packed point for slot: it replaces the newest held one (a same-second merge),
// follows it, or starts a new run after writing the held ones out.
static int pend_add(struct history *h, uint32_t slot, const struct hist_point *disk, bool visible)
{
    if (!h->pend) { // no memory for the batch: each point as it comes
        int rc = record_write(h, disk, sizeof(*disk), hist_fine_off(slot), visible);
        int rc2 = header_commit(h);
        return rc ? rc : rc2;
    }
    int rc = 0;
    if (h->pend->count > 0) {
        uint32_t last = h->pend->slot + h->pend->count - 1;
        if (slot == last) {
            h->pend->pts[h->pend->count - 1] = *disk;
            h->pend->visible = h->pend->visible || visible;
            return 0;
        }
        if (slot != last + 1) {
            rc = pend_flush(h); // not the next slot (the ring wrapped): a run of its own
        }
    }
    if (h->pend->count == 0) {
        h->pend->slot = slot;
    }
    h->pend->pts[h->pend->count++] = *disk;
    h->pend->visible = h->pend->visible || visible;
    if (h->pend->count == HISTORY_PEND_MAX) {
        int rc2 = pend_flush(h);
        rc = rc ? rc : rc2;
    }
    return rc;
}

static int fine_put(struct history *h, uint64_t sec, uint64_t mem_bytes, uint64_t peak_bytes,
                    uint32_t pids)
{
    bool merge = h->fine_valid > 0 && h->last.t_ms / 1000u == sec;
    struct hist_point p = {.t_ms = sec * 1000u,
                           .mem_bytes = mem_bytes,
                           .mem_peak_bytes = peak_bytes,
                           .pids = pids};
    if (merge) {
        p.mem_bytes = mem_bytes > h->last.mem_bytes ? mem_bytes : h->last.mem_bytes;
        p.mem_peak_bytes =
                peak_bytes > h->last.mem_peak_bytes ? peak_bytes : h->last.mem_peak_bytes;
        p.pids = pids > h->last.pids ? pids : h->last.pids;
    }
    uint32_t slot =
            merge ? (h->fine_next + HISTORY_FINE_COUNT - 1) % HISTORY_FINE_COUNT : h->fine_next;
    struct hist_point disk = p;
    point_pack(&disk);
    bool visible = merge || h->fine_valid == HISTORY_FINE_COUNT;
    h->last = p;
    if (!merge) {
        h->fine_next = (h->fine_next + 1) % HISTORY_FINE_COUNT;
        h->fine_total++;
        h->fine_valid += h->fine_valid < HISTORY_FINE_COUNT;
    }
    return pend_add(h, slot, &disk, visible);
}

// A file cut short (truncate, a full disk's cleanup) reads short to readers, who then
// refuse it, and pwrites past the cut leave it sparse at a wrong size: give it its size back
// and rewrite the header from memory. The records cut off read as zeros and fail their
// checksums, so readers drop and count them and keep the rest. One fstat per
// HISTORY_SIZE_CHECK_S (or after a failed write); a step back of the clock checks at once.
static void size_check(struct history *h, uint64_t sec)
{
    if (h->size_check_sec != 0 && sec >= h->size_check_sec &&
        sec - h->size_check_sec < HISTORY_SIZE_CHECK_S) {
        return;
    }
    h->size_check_sec = sec;
    struct stat st;
    if (fstat(h->fd, &st) != 0 || st.st_size == (off_t)HISTORY_FILE_BYTES) {
        return;
    }
    (void)pend_flush(h); // the header below counts them: they go first
    h->repair_count++;
    if (ftruncate(h->fd, (off_t)HISTORY_FILE_BYTES) != 0) {
        h->write_error_count++;
        h->size_check_sec = 0;
        return;
    }
    (void)fallocate(h->fd, 0, 0, (off_t)HISTORY_FILE_BYTES); // best effort, as in file_rebuild
    (void)header_write(h); // a failure is counted in write_error_count
}

int history_record(struct history *h, uint64_t wall_ms, uint64_t mem_bytes, uint64_t mem_peak_bytes,
                   uint32_t pids)
{
    if (h->fd < 0) {
        return -EBADF;
    }
    size_check(h, wall_ms / 1000u);
    uint64_t sec = wall_ms / 1000u, last_sec = h->last.t_ms / 1000u;
    if (h->fine_valid > 0 && sec < last_sec) {
        if (last_sec - sec <= HISTORY_STEP_BACK_S) {
            h->out_of_order_count++;
            return 0;
        }
        h->clock_step_count++;
    }
    uint64_t minute = sec / 60u;
    int rc = 0;
    if (h->acc.samples > 0 && h->acc.minute != minute) {
        rc = pend_flush(h); // the minute's header counts the fine points: they go first
        int rc1 = acc_flush(h);
        rc = rc ? rc : rc1;
    }
    if (h->acc.samples == 0) {
        int rc2 = acc_start(h, minute);
        rc = rc ? rc : rc2;
    }
    acc_add(&h->acc, mem_bytes, mem_peak_bytes, pids);
    int rc3 = fine_put(h, sec, mem_bytes, mem_peak_bytes, pids);
    return rc ? rc : rc3;
}

void history_close(struct history *h)
{
    if (h->fd < 0) {
        return;
    }
    (void)pend_flush(h); // failures are counted in write_error_count
    free(h->pend);
    h->pend = NULL;
    (void)acc_flush(h);
    (void)close(h->fd);
    h->fd = -1;
}
