/* SPDX-License-Identifier: MIT */
/* Per-service time series of memory and pids in one fixed-size file, STATE_DIR/history/
 * NAME.hist: a header and two rings (1 point a second for an hour, min/avg/max a minute for
 * two days). The file never grows, is written with pwrite(2) only (no mmap: it would count
 * against warden's resident memory) and survives warden and service restarts. Every record
 * carries its own checksum; readers drop (and count) a record that fails it or a range check,
 * so a damaged file shows gaps, never invented values. */
#ifndef WARDEN_HISTORY_H
#define WARDEN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define HISTORY_HEADER_BYTES 128u /* file header, see history.c */
#define HISTORY_POINT_BYTES  32u  /* sizeof(struct hist_point) */
#define HISTORY_MINUTE_BYTES 64u  /* sizeof(struct hist_minute) (56 in format version 1) */
/* A sample older than the newest point by more than this is a wall-clock step back (taken
 * as new, so history never stalls behind a bad clock); by less, it is out of order. */
#define HISTORY_STEP_BACK_S 300u
/* The file size, fixed: 128 + 3600 * 32 + 2880 * 64 = 299,648 bytes per service (format
 * version 2; version 1 files, 276,608 bytes without record checksums, are started afresh). */
#define HISTORY_FILE_BYTES                                                                         \
    (HISTORY_HEADER_BYTES + HISTORY_FINE_COUNT * HISTORY_POINT_BYTES +                             \
     HISTORY_COARSE_COUNT * HISTORY_MINUTE_BYTES)
/* What a loaded record must satisfy besides its checksum (anything else is damage): memory
 * below 1 PiB (no machine warden runs on has it; a scribbled 64-bit value almost always is
 * above), pids at most the kernel's PID_MAX_LIMIT, a time on its second (minute) boundary
 * between 2020-01-01 (an earlier clock is an unset one) and a day past the reader's clock,
 * and times increasing along a ring except for a clock step back of HISTORY_STEP_BACK_S or
 * more, which is what the writer makes of one. */
#define HISTORY_MEM_MAX_BYTES (1ull << 50)
#define HISTORY_PIDS_MAX      4194304u
#define HISTORY_TIME_MIN_MS   1577836800000ull /* 2020-01-01T00:00:00Z */
#define HISTORY_FUTURE_MS     86400000ull      /* ahead of the reader's clock: one day */
/* The writer checks the file's size this often (one fstat), and at the next sample after a
 * failed write: a file cut short or grown under it gets its size and header back. */
#define HISTORY_SIZE_CHECK_S 10u

/* One second. On disk as is, little-endian. t_ms is the start of the wall-clock second. */
struct hist_point {
    uint64_t t_ms;
    uint64_t mem_bytes;      /* max of the second's samples */
    uint64_t mem_peak_bytes; /* max of the second's samples */
    uint32_t pids;           /* max of the second's samples */
    uint32_t check;          /* 32-bit FNV-1a of the 28 bytes before it, as on disk */
};

/* One minute. On disk as is, little-endian. t_ms is the start of the wall-clock minute. */
struct hist_minute {
    uint64_t t_ms;
    uint64_t mem_min_bytes, mem_avg_bytes, mem_max_bytes, mem_peak_max_bytes;
    uint32_t pids_min, pids_avg, pids_max;
    uint32_t samples;  /* samples taken in the minute (averages are over these, floored) */
    uint32_t reserved; /* 0 */
    uint32_t check;    /* 32-bit FNV-1a of the 60 bytes before it, as on disk */
};

/* The minute being accumulated (in memory only until it is flushed). */
struct hist_acc {
    uint64_t minute; /* wall-clock minute number (ms / 60000) */
    uint64_t mem_min_bytes, mem_max_bytes, peak_max_bytes;
    uint64_t mem_sum_bytes, pids_sum;
    uint32_t pids_min, pids_max;
    uint32_t samples;     /* 0: empty */
    uint32_t avg_samples; /* samples in the sums (fewer only if mem_sum would overflow) */
    bool rewrite;         /* the minute is the newest coarse record already: overwrite it */
};

/* Fine points are written HISTORY_PEND_MAX at a time (one pwrite and the header, instead of
 * two pwrites a second: most of warden's idle cost), and at every minute's end, at
 * history_flush and at close: a reader of a live file is at most that many seconds behind,
 * and a crash of warden loses at most those seconds. */
#define HISTORY_PEND_MAX 30u

/* An open history: the fd, the ring indexes and the running minute, never the rings. */
struct history {
    int fd;                      /* -1 when closed */
    char name[SERVICE_NAME_MAX]; /* for the header, rewritten with the indexes */
    uint32_t fine_next, fine_valid, coarse_next, coarse_valid;
    uint64_t fine_total, coarse_total; /* appends ever made (in the header too) */
    uint32_t write_seq;                /* odd while a record a reader may be reading is rewritten */
    struct hist_point last;            /* newest fine point; same-second samples merge into it */
    uint64_t coarse_last_minute;       /* minute of the newest coarse record, if coarse_valid */
    struct hist_acc acc;
    bool created;   /* history_open made a new file */
    bool recreated; /* history_open found a bad file (magic, version, size, header) and
                       rebuilt it empty: the caller logs it */
    /* counters (exported by later metrics) */
    uint64_t out_of_order_count; /* samples older than the newest second, ignored */
    uint64_t clock_step_count;   /* samples past HISTORY_STEP_BACK_S back, taken as new */
    uint64_t write_error_count;  /* failed pwrites (that point or minute is lost) */
    uint64_t repair_count;       /* times the file was found cut short (or grown) and resized */
    uint64_t size_check_sec;     /* wall second of the last size check; 0: check at next */
    struct hist_pend *pend;      /* fine points not on disk yet (history.c); NULL: none held */
};

/* A loaded history, oldest first. fine and coarse are heap arrays of at most
 * HISTORY_FINE_COUNT and HISTORY_COARSE_COUNT entries (NULL when the count is 0). Every
 * record in them passed its checksum and the range and order checks above. */
struct hist_view {
    struct hist_point *fine;
    size_t nfine;
    struct hist_minute *coarse;
    size_t ncoarse;
    /* Records of the valid range that failed a check and were left out (both rings): not 0
     * means the file was damaged (scribbled over, or cut short and extended with zeros);
     * the caller says so beside the chart, which has gaps where they were. */
    size_t dropped_records;
};

/* Open STATE_DIR/history/NAME.hist for recording, creating the history directory (0700)
 * and the file (0600, at its full HISTORY_FILE_BYTES) when missing. A file that fails any
 * check (size, magic, version, counts, header checksum, indexes, name) is rebuilt empty and
 * h->recreated is set. state_dir must exist; name must pass config_check_name (-EINVAL,
 * so no path tricks). Returns 0 or -errno; on failure h->fd is -1. */
int history_open(struct history *h, const char *state_dir, const char *name);
/* Write the fine points still held (see HISTORY_PEND_MAX) and the header: at an instance's
 * exit, so the report of a crash has its last seconds. 0 or -errno. */
int history_flush(struct history *h);

/* Record one sample taken at wall_ms (ms since the epoch). Samples are placed by wall-clock
 * second: a new second appends a fine point (2 pwrites: point, header; 3 once the ring is
 * full, the header marked busy first so readers never mix states); a sample in the newest
 * second merges into it, keeping the max of each field (memory peak semantics: a chart
 * must not hide a spike; 3 pwrites); a sample up to HISTORY_STEP_BACK_S older than the
 * newest second is ignored and counted in out_of_order_count; one older still is a clock
 * step back and starts a new point (clock_step_count). Gaps stay gaps. Every accepted
 * sample also goes into the minute's min/avg/max; the first sample of a later minute first
 * flushes the previous minute to the coarse ring. Returns 0 or -errno (-EBADF when closed;
 * a failed pwrite is counted in write_error_count and that point is lost). Once every
 * HISTORY_SIZE_CHECK_S, and after a failed write, the file's size is checked: a file cut
 * short or grown meanwhile is set back to HISTORY_FILE_BYTES and its header rewritten from
 * memory (repair_count; the records cut off read as zeros, which readers drop and count).
 * Bounded: at most 3 pwrites per ring, plus an fstat, an ftruncate and a header pwrite. */
int history_record(struct history *h, uint64_t wall_ms, uint64_t mem_bytes, uint64_t mem_peak_bytes,
                   uint32_t pids);

/* Flush the running minute (a later open in the same minute merges into that record, so
 * restarts do not duplicate minutes) and close. Safe on a closed history (fd -1). */
void history_close(struct history *h);

/* Load STATE_DIR/history/NAME.hist read-only into *out (heap, freed by history_view_free):
 * the valid points of each tier, oldest first, through history_parse (so damaged records
 * are left out and counted in out->dropped_records, with the reader's clock as now). The
 * minute still running in a recording process is not in the file yet. Allocation is bounded
 * by the fixed size: a copy of the file while it is parsed, then at most 300 kB of view. Safe while
 * the daemon writes: a read that raced a write is retried (3 tries, 3 ms in all); a header left
 * marked busy by a writer that died mid-record is read without the records that write may have torn
 * (the newest of each ring and the oldest of a full one). Returns 0, -ENOENT (no file), -EBADMSG (a
 * file that fails the checks), -EAGAIN (it kept changing), -EINVAL (bad name), -ENOMEM or -errno.
 * *out is zeroed on failure. */
int history_load(const char *state_dir, const char *name, struct hist_view *out);

/* Parse the image of a whole history file, buf[0..len-1] (len must be HISTORY_FILE_BYTES),
 * into *out as history_load does: the header must pass every check history_open makes (name
 * NULL skips the name); then each ring's records, oldest first, are kept only when their
 * checksum, ranges and order pass (see HISTORY_MEM_MAX_BYTES; times up to now_wall_ms +
 * HISTORY_FUTURE_MS, no ceiling when now_wall_ms is 0), and the others are counted in
 * out->dropped_records. A header marked busy leaves out the records a dead writer may have
 * torn, uncounted. Pure: no I/O, no clock. Returns 0, -EBADMSG (bad size or header) or
 * -ENOMEM; *out is zeroed on failure. */
int history_parse(const void *buf, size_t len, const char *name, uint64_t now_wall_ms,
                  struct hist_view *out);

/* Free what history_load allocated and zero *v. Safe on a zeroed view. */
void history_view_free(struct hist_view *v);

/* Remove STATE_DIR/history/NAME.hist files whose NAME is not in keep[0..nkeep-1] and whose
 * mtime is more than retention_s (0: HISTORY_RETENTION_S) before now_wall_ms. Only regular
 * files named NAME.hist with a valid service name are considered; anything else is left
 * alone. Returns the count removed (>= 0; 0 when there is no history directory), or the
 * first -errno met (it still went on through the rest). */
int history_prune(const char *state_dir, const char *const *keep, size_t nkeep,
                  uint64_t retention_s, uint64_t now_wall_ms);

#endif
