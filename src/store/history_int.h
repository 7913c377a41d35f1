/* SPDX-License-Identifier: MIT */
/* Private to history.c (the writer) and history_read.c (the reader, the parser and the
 * pruning): the file layout and the record checks both sides use. */
#ifndef WARDEN_HISTORY_INT_H
#define WARDEN_HISTORY_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "history.h"

#define HIST_MAGIC         "WDNHIST1"
#define HIST_VERSION       2u  // 1: no record checksums, 56-byte minutes
#define HIST_NAME_BYTES    48u // service name incl. NUL, zero-padded
#define HIST_DIR           "history"
#define HIST_SUFFIX        ".hist"
#define HIST_FILE_NAME     (SERVICE_NAME_MAX + sizeof(HIST_SUFFIX)) // NAME + ".hist" + NUL
#define HIST_LOAD_TRIES    3u // reads of a file that changes (or looks torn) while loaded
#define HIST_FINE_OFFSET   ((off_t)HISTORY_HEADER_BYTES)
#define HIST_COARSE_OFFSET (HIST_FINE_OFFSET + (off_t)HISTORY_FINE_COUNT * HISTORY_POINT_BYTES)

// The on-disk header. Fields after magic are little-endian; checksum covers bytes 0..123.
struct hist_header {
    char magic[8];
    uint32_t version;
    uint32_t header_bytes;
    uint32_t fine_count;
    uint32_t coarse_count;
    uint32_t point_bytes;
    uint32_t minute_bytes;
    uint32_t fine_next;  // slot of the next fine point
    uint32_t fine_valid; // fine points written (<= fine_count)
    uint32_t coarse_next;
    uint32_t coarse_valid;
    char name[HIST_NAME_BYTES];
    uint64_t fine_total;   // fine points ever appended: next and valid follow from it, and a
    uint64_t coarse_total; // reader tells "unchanged" from "wrapped round exactly once"
    uint32_t write_seq;    // odd while a record readers may be reading is rewritten
    uint32_t reserved[2];  // 0
    uint32_t checksum;
};

bool hist_point_unpack(struct hist_point *p, uint64_t max_ms);
bool hist_minute_unpack(struct hist_minute *m, uint64_t max_ms);
bool hist_order_ok(uint64_t prev_ms, uint64_t t_ms);
off_t hist_fine_off(uint32_t slot);
off_t hist_coarse_off(uint32_t slot);
bool hist_header_unpack(struct hist_header *hd, const char *name);
int hist_header_read(int fd, const char *name, struct hist_header *hd);
int hist_dir_open(const char *state_dir, bool create);
int hist_file_open(const char *state_dir, const char *name, int flags);

#endif
