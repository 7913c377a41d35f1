/* SPDX-License-Identifier: MIT */
/* Per-service captured output: every relayed line is also appended to
 * STATE_DIR/logs/NAME.log, rotated by size through NAME.log.1 .. NAME.log.(count-1) and
 * rate-limited by two token buckets, so a service's logs take at most max_bytes * count of
 * disk and a flood costs a bounded amount of I/O. Also the reader of `warden logs`. */
#ifndef WARDEN_LOGFILE_H
#define WARDEN_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define LOGFILE_DIR           "logs"        /* under state_dir; created 0750 */
#define LOGFILE_DEFAULT_BYTES (16ull << 20) /* log_max = 16M x 4 */
#define LOGFILE_DEFAULT_COUNT 4u            /* */
#define LOGFILE_RATE_LINES    1000u         /* default lines/s per service into the file */
#define LOGFILE_RATE_BYTES    (1u << 20)    /* default file bytes/s per service */
#define LOGFILE_BURST_MS      1000u         /* bucket depth: one second's worth of the rate */
#define LOGFILE_CHECK_MS      1000u         /* NAME.log checked for deletion this often */
#define LOGFILE_RETRY_MS      1000u         /* a file that failed is reopened after this */
#define LOGFILE_LINE_BYTES                                                                         \
    (LOG_LINE_MAX + 128u) /* one formatted line: stamp, stream, line,                              \
                             cut note, '\n' (24+1+3+1+4096+19+1+1) */
#define LOGFILE_CUT_NOTE " [warden: line cut]"

/* logfile_line's stream argument. */
enum logfile_stream {
    LOGFILE_OUT = 1,
    LOGFILE_ERR = 2,
};

/* logfile_line's non-negative results. */
enum logfile_result {
    LOGFILE_DROPPED = 0, /* over the rate limit: not in the file, counted */
    LOGFILE_WRITTEN = 1,
};

/* One service's log file. 192 bytes on x86-64: no line buffer (lines are formatted on the
 * stack), so SERVICES_MAX of them cost nothing worth counting. Counters are cumulative. */
struct logfile {
    int dir_fd;         /* STATE_DIR/logs */
    int fd;             /* NAME.log, O_APPEND; -1 after an error until retry_ms */
    uint64_t bytes;     /* size of NAME.log */
    uint64_t max_bytes; /* a file is rotated before it would pass this */
    unsigned count;     /* files kept, NAME.log included */
    bool torn;          /* NAME.log does not end in '\n': the next line starts with one */
    int last_error;     /* errno of the last file failure, 0 if none */
    uint64_t retry_ms;  /* monotonic ms before which a failed file is not retried */
    /* token buckets, in thousandths of a line / byte (1 ms of refill at R/s is R) */
    uint64_t rate_lines, rate_bytes; /* per second; 0: unlimited */
    uint64_t line_tokens, byte_tokens;
    uint64_t refill_ms;          /* monotonic ms of the last refill */
    uint64_t dropped_pending[2]; /* out, err: dropped since the last marker line */
    char name[SERVICE_NAME_MAX];
    /* counters (exported by later metrics) */
    uint64_t written_lines; /* service lines written (marker lines not included) */
    uint64_t dropped_lines; /* service lines over the rate limit */
    uint64_t cut_lines;     /* pieces written with LOGFILE_CUT_NOTE */
    uint64_t write_errors;  /* file line writes failed (a failed marker stays pending) */
    uint64_t rotations;
    uint64_t reopened; /* NAME.log found deleted or replaced, and opened anew */
    uint64_t check_ms; /* monotonic ms of the next such check (LOGFILE_CHECK_MS apart) */
};

/* Open (creating) STATE_DIR/logs/NAME.log for appending; state_dir must exist. name is a
 * service name (no '/', no leading '.', < SERVICE_NAME_MAX bytes); max_bytes and count
 * within the LOGFILE_SIZE_* and LOGFILE_COUNT_* bounds (else -EINVAL). Files from a larger
 * count (NAME.log.count and up) are deleted so the disk cap holds at once. The rate limit
 * starts at LOGFILE_RATE_LINES / LOGFILE_RATE_BYTES with full buckets.
 * Returns 0 or -errno; on failure lf is closed (logfile_close is still safe). */
int logfile_open(struct logfile *lf, const char *state_dir, const char *name, uint64_t max_bytes,
                 unsigned count);

/* Change the rate limit (0: no limit on that bucket) and refill both buckets. */
void logfile_set_rate(struct logfile *lf, uint64_t lines_per_s, uint64_t bytes_per_s);

/* Append one line: "2026-11-23T05:00:00.123Z out|err LINE\n", with one write(2).
 * line: len <= LOG_LINE_MAX bytes without its '\n' (a '\n' inside is written as ' ').
 * cut: this piece is not the end of its line (the relay split a line longer than
 * LOG_LINE_MAX); the file line then ends with LOGFILE_CUT_NOTE. mono_ms (CLOCK_MONOTONIC)
 * drives the rate limit and retries; wall_ms (ms since the epoch) is the stamp.
 * A line over either bucket is not written and is counted; the next line written first
 * gets a marker line "STAMP err [warden: dropped N lines]" per stream that lost lines.
 * The file is rotated first when the line would take it past max_bytes (rename chain,
 * the oldest replaced). A write or rotation error (ENOSPC, EIO, ...) is counted, the
 * file closed, and reopened (or rotated) by the first line after LOGFILE_RETRY_MS; a
 * partial write is cut back, so the file stays whole lines. Never blocks on a reader.
 * Returns LOGFILE_WRITTEN, LOGFILE_DROPPED, or -errno (bad argument, or the file error;
 * the line is lost from the file, not from stdout, which is the caller's). */
int logfile_line(struct logfile *lf, uint64_t mono_ms, uint64_t wall_ms, int stream,
                 const char *line, size_t len, bool cut);

/* Write the pending "dropped N lines" markers now, ignoring the rate limit (e.g. when the
 * service stops, so a flood's tail is not left unreported). Returns 0 or -errno. */
int logfile_flush(struct logfile *lf, uint64_t mono_ms, uint64_t wall_ms);

/* Close the files. Safe on a logfile that failed to open or was closed already. */
void logfile_close(struct logfile *lf);

/* Parse a log_max value "SIZE x COUNT" ("16M x 4", "16Mx4", "1G x 2"): SIZE as
 * units_parse_size (K, M, G suffixes), LOGFILE_SIZE_MIN..LOGFILE_SIZE_MAX; COUNT a whole
 * number LOGFILE_COUNT_MIN..LOGFILE_COUNT_MAX. Pure. Returns 0, or -EINVAL with err (when
 * non-NULL) holding the bad value, the reason and the accepted forms. */
int logfile_parse_max(const char *s, uint64_t *bytes, unsigned *count, char *err, size_t errlen);

/* `warden logs NAME -n N`: write the last n lines of NAME's logs, across the rotated files,
 * oldest first, to out_fd. Memory is bounded (backward scan and copy in fixed blocks, at
 * most LOGFILE_COUNT_MAX files open); n larger than what is kept writes everything. A
 * file that does not end in '\n' gets one. Returns 0 (no files: nothing written), -ENOENT
 * when the logs directory is missing, -EPIPE when out_fd's reader went away, or -errno. */
int logfile_tail(const char *state_dir, const char *name, unsigned n, int out_fd);

/* `warden logs NAME -f [-n N]`: logfile_tail, then write new lines as they are appended,
 * woken by inotify on the logs directory (no polling), following rotations: when NAME.log
 * is a new file, the rest of the old one is written, then any rotated file not seen yet,
 * then the new one. Blocks until out_fd's reader goes away (returns 0: POLLERR/POLLHUP or
 * EPIPE; ignore SIGPIPE to get the latter) or a signal interrupts it (-EINTR, with a
 * handler installed without SA_RESTART). Other errors: -errno (-ENOENT: the logs directory
 * is missing, or was removed or renamed: state_dir is watched for that too). A rotated
 * file the follower never saw (several rotations between two wakeups) is written whole;
 * a file created and deleted between two wakeups is lost. */
int logfile_follow(const char *state_dir, const char *name, unsigned n, int out_fd);

/* Helpers shared by logfile.c (writer) and logfile_read.c (reader); not for other callers. */
#define LOGFILE_NAME_BYTES 64u /* NAME (<= 47) + ".log." + 2 digits + NUL = 55 */
#define LOGFILE_DIR_BYTES  (WARDEN_PATH_MAX + sizeof("/" LOGFILE_DIR)) /* STATE_DIR/logs */
/* "NAME.log" for index 0, "NAME.log.INDEX" otherwise. 0 or -ENAMETOOLONG. */
int logfile_file_name(char *buf, size_t size, const char *name, unsigned index);
/* A service name usable as a file name: 1..SERVICE_NAME_MAX-1 bytes, no '/', no leading '.'. */
bool logfile_name_ok(const char *name);
/* "STATE_DIR/logs". 0 or -ENAMETOOLONG. */
int logfile_dir_path(char *buf, size_t size, const char *state_dir);

#endif
