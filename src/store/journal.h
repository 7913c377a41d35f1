/* SPDX-License-Identifier: MIT */
/* Bounded append-only event journal: JSON Lines in numbered segment files under a
 * directory, fixed segment size and count, so the disk it takes has a hard cap.
 * Appending is O(1): one write(2) of one line; nothing is ever rewritten. */
#ifndef WARDEN_JOURNAL_H
#define WARDEN_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bounds.h"

struct journal_opts {
    const char *dir;          /* created 0700 when missing */
    uint32_t segment_bytes;   /* 0: JOURNAL_SEGMENT_BYTES */
    uint32_t segment_count;   /* 0: JOURNAL_SEGMENT_COUNT; >= 2 */
    uint64_t (*now_ms)(void); /* wall clock in ms since the epoch; NULL: CLOCK_REALTIME */
};

struct journal {
    char dir[WARDEN_PATH_MAX + 16]; /* STATE_DIR/journal (PATH_MAX made 3 kB more resident) */
    int dir_fd;
    int fd;             /* current segment, O_APPEND */
    uint64_t seg_index; /* number of the current segment */
    uint64_t seg_bytes; /* bytes in the current segment */
    uint64_t next_seq;  /* seq of the next event; continues across restarts */
    bool dirty;         /* written since the last fsync */
    uint32_t segment_bytes;
    uint32_t segment_count;
    uint64_t (*now_ms)(void);
    /* counters (exported by later metrics) */
    uint64_t appended_count;
    uint64_t truncated_count;   /* events too long for JOURNAL_LINE_MAX, written reduced */
    uint64_t write_error_count; /* failed writes (the event is lost; counted) */
    uint64_t reopened_count;    /* segments found deleted under warden, and made again */
    uint64_t repaired_bytes;    /* torn tail bytes cut at open */
    /* events whose write failed (a full disk, a quota, EIO): held in memory in order, seq
     * and time already given, and written before anything newer once the disk takes them
     * again (the next append, or journal_flush); at most JOURNAL_SPILL_BYTES, the newer
     * ones beyond it are lost and counted. Allocated on the first failure only. */
    char *spill;
    uint32_t spill_len;     /* bytes held */
    uint32_t spill_lines;   /* events held */
    uint64_t spilled_count; /* events that were held (written later, or still held) */
    uint64_t dropped_count; /* events lost: the hold was full, or warden exited with it */
};

/* Open (creating when missing) the journal in o->dir: find the newest segment, cut a torn
 * last line (a line without its final newline) and recover next_seq from the last event.
 * Returns 0 or -errno. */
int journal_open(struct journal *j, const struct journal_opts *o);

/* Append one event. Adds "seq" (integer) and "time" (RFC 3339 UTC with ms, e.g.
 * "2026-11-23T05:00:00.123Z") to ev in place (ev stays owned by the caller), serialises it
 * with jansson into a stack buffer of JOURNAL_LINE_MAX and writes it with one write(2).
 * An event longer than that is written reduced (seq, time, service, type, "truncated":
 * true) and counted. Rotates to a new segment when this one would pass segment_bytes,
 * deleting the oldest beyond segment_count. urgent: fdatasync now (OOM, crash-loop);
 * otherwise the caller calls journal_sync within JOURNAL_SYNC_MS.
 * Returns 0 or -errno (the write failed; counted in write_error_count). */
int journal_append(struct journal *j, json_t *ev, bool urgent);

/* The events' time format, RFC 3339 UTC with milliseconds ("2026-11-23T05:00:00.123Z"),
 * for wall-clock ms since the epoch; also used by status and `events --since` so every
 * time warden prints compares as text. 0 or -EOVERFLOW (year > 9999, or buf too small). */
int journal_format_time(uint64_t ms, char *buf, size_t size);

/* Write the held events (see spill), oldest first. 0 when none is left, or -errno (they
 * stay held). The supervisor calls it each second while any are held. */
int journal_flush(struct journal *j);
/* fdatasync the current segment if dirty. 0 or -errno. */
int journal_sync(struct journal *j);

/* Sync and close. Safe on a journal that failed to open (fd -1). */
void journal_close(struct journal *j);

/* Visit every event in dir, oldest first, across segments. Lines that do not parse are
 * skipped and counted in *bad_lines (may be NULL). fn returns 0 to go on, non-zero to
 * stop (journal_read then returns that value). ev is borrowed for the call only.
 * Memory is bounded: one line buffer of JOURNAL_LINE_MAX. Returns 0, fn's value, or -errno. */
typedef int journal_visit_fn(json_t *ev, void *ctx);
int journal_read(const char *dir, journal_visit_fn *fn, void *ctx, uint64_t *bad_lines);

#endif
