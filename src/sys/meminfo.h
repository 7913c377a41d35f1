/* SPDX-License-Identifier: MIT */
/* The host's memory from /proc/meminfo (MemTotal, MemAvailable): one parser for the host
 * guard, the metrics and the config's "N%" sizes. Tests point it at a fake file with
 * WARDEN_TEST_MEMINFO, read in this one place. */
#ifndef WARDEN_MEMINFO_H
#define WARDEN_MEMINFO_H

#include <stdbool.h>
#include <stdint.h>

#define MEMINFO_READ_MAX 4096u /* bytes read: MemTotal and MemAvailable are lines 1 and 3 */

struct meminfo {
    uint64_t total_bytes;     /* MemTotal, when has_total */
    uint64_t available_bytes; /* MemAvailable, when has_available (kernels >= 3.14) */
    bool has_total;
    bool has_available;
};

/* Pure: the "MemTotal:" and "MemAvailable:" lines ("KEY: N kB", at a line's start) of a
 * /proc/meminfo text. 0, or -EINVAL (out zeroed) when neither is there. */
int meminfo_parse(const char *text, struct meminfo *out);
/* The file: "/proc/meminfo", or WARDEN_TEST_MEMINFO when set (tests). */
const char *meminfo_path(void);
/* Read and parse path (one read of MEMINFO_READ_MAX). 0 or -errno / -EINVAL. */
int meminfo_read(const char *path, struct meminfo *out);

#endif
