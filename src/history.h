/* SPDX-License-Identifier: MIT */
/* Per-service time series of memory and pids in one fixed-size file, STATE_DIR/history/
 * NAME.hist: a header and two rings (1 point a second for an hour, min/avg/max a minute for
 * two days). The file never grows, is written with pwrite(2) only (no mmap: it would count
 * against warden's resident memory) and survives warden and service restarts. */
#ifndef WARDEN_HISTORY_H
#define WARDEN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define HISTORY_FINE_COUNT   3600u   /* 1 s points kept: one hour */
#define HISTORY_COARSE_COUNT 2880u   /* 1 min aggregates kept: two days */
#define HISTORY_HEADER_BYTES 128u    /* file header, see history.c */
#define HISTORY_POINT_BYTES  32u     /* sizeof(struct hist_point) */
#define HISTORY_MINUTE_BYTES 56u     /* sizeof(struct hist_minute) */
#define HISTORY_RETENTION_S  604800u /* 7 days: files of removed services kept */
/* A sample older than the newest point by more than this is a wall-clock step back (taken
 * as new, so history never stalls behind a bad clock); by less, it is out of order. */
#define HISTORY_STEP_BACK_S 300u
/* The file size, fixed: 128 + 3600 * 32 + 2880 * 56 = 276,608 bytes per service. */
#define HISTORY_FILE_BYTES                                                                         \
    (HISTORY_HEADER_BYTES + HISTORY_FINE_COUNT * HISTORY_POINT_BYTES +                             \
     HISTORY_COARSE_COUNT * HISTORY_MINUTE_BYTES)

/* One second. On disk as is, little-endian. t_ms is the start of the wall-clock second. */
struct hist_point {
    uint64_t t_ms;
    uint64_t mem_bytes;      /* max of the second's samples */
    uint64_t mem_peak_bytes; /* max of the second's samples */
    uint32_t pids;           /* max of the second's samples */
    uint32_t pad;            /* 0 */
};

/* One minute. On disk as is, little-endian. t_ms is the start of the wall-clock minute. */
struct hist_minute {
    uint64_t t_ms;
    uint64_t mem_min_bytes, mem_avg_bytes, mem_max_bytes, mem_peak_max_bytes;
    uint32_t pids_min, pids_avg, pids_max;
    uint32_t samples; /* samples taken in the minute (averages are over these, floored) */
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
};

/* A loaded history, oldest first. fine and coarse are heap arrays of at most
 * HISTORY_FINE_COUNT and HISTORY_COARSE_COUNT entries (NULL when the count is 0). */
struct hist_view {
    struct hist_point *fine;
    size_t nfine;
    struct hist_minute *coarse;
    size_t ncoarse;
};

/* Open STATE_DIR/history/NAME.hist for recording, creating the history directory (0700)
 * and the file (0600, at its full HISTORY_FILE_BYTES) when missing. A file that fails any
 * check (size, magic, version, counts, header checksum, indexes, name) is rebuilt empty and
 * h->recreated is set. state_dir must exist; name must pass config_check_name (-EINVAL,
 * so no path tricks). Returns 0 or -errno; on failure h->fd is -1. */
int history_open(struct history *h, const char *state_dir, const char *name);

/* Record one sample taken at wall_ms (ms since the epoch). Samples are placed by wall-clock
 * second: a new second appends a fine point (2 pwrites: point, header; 3 once the ring is
 * full, the header marked busy first so readers never mix states); a sample in the newest
 * second merges into it, keeping the max of each field (memory peak semantics: a chart
 * must not hide a spike; 3 pwrites); a sample up to HISTORY_STEP_BACK_S older than the
 * newest second is ignored and counted in out_of_order_count; one older still is a clock
 * step back and starts a new point (clock_step_count). Gaps stay gaps. Every accepted
 * sample also goes into the minute's min/avg/max; the first sample of a later minute first
 * flushes the previous minute to the coarse ring. Returns 0 or -errno (-EBADF when closed;
 * a failed pwrite is counted in write_error_count and that point is lost). */
int history_record(struct history *h, uint64_t wall_ms, uint64_t mem_bytes, uint64_t mem_peak_bytes,
                   uint32_t pids);

/* Flush the running minute (a later open in the same minute merges into that record, so
 * restarts do not duplicate minutes) and close. Safe on a closed history (fd -1). */
void history_close(struct history *h);

/* Load STATE_DIR/history/NAME.hist read-only into *out (heap, freed by history_view_free):
 * the valid points of each tier, oldest first. The minute still running in a recording
 * process is not in the file yet. Allocation is bounded by the fixed counts (at most
 * 276 kB). Safe while the daemon writes: a read that raced a write is retried (3 tries, 3 ms in
 * all); a header left marked busy by a writer that died mid-record is read without the records that
 * write may have torn (the newest of each ring and the oldest of a full one). Returns 0, -ENOENT
 * (no file), -EBADMSG (a file that fails the checks), -EAGAIN (it kept changing), -EINVAL (bad
 * name), -ENOMEM or -errno. *out is zeroed on failure. */
int history_load(const char *state_dir, const char *name, struct hist_view *out);

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
