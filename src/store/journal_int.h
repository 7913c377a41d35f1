/* SPDX-License-Identifier: MIT */
/* Private to journal.c and journal_read.c: the segment files' scan and open. */
#ifndef WARDEN_JOURNAL_INT_H
#define WARDEN_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

struct seg_range {
    uint64_t from, to; // inclusive bounds of the indexes looked at
    uint64_t lo, hi;   // lowest and highest index found in [from, to]
    size_t count;      // segments found in [from, to]
};

/* Lowest and highest segment index in [from, to]; r->count is 0 when there is none. 0 or
 * -errno. */
int journal_seg_scan(int dir_fd, uint64_t from, uint64_t to, struct seg_range *r);
/* Open segment `index` (a regular file, never through a symlink): the fd, or -errno; *size
 * its size. */
int journal_seg_open(int dir_fd, uint64_t index, int flags, uint64_t *size);

#endif
