/* SPDX-License-Identifier: MIT */
/* Parsing and formatting of sizes, durations, ranges, counts and booleans.
 * Pure functions: no allocation, no global state. All return 0 or -EINVAL and fill
 * the caller's errbuf with the bad value and the accepted forms. */
#ifndef WARDEN_UNITS_H
#define WARDEN_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Size: "512", "64K", "1.5G", "2T" (binary units, optional trailing "B"/"iB", case-
 * insensitive), or "N%" of total_bytes when total_bytes > 0 (else % is refused).
 * Overflow past UINT64_MAX and negatives are errors. */
int units_parse_size(const char *s, uint64_t total_bytes, uint64_t *bytes, struct errbuf *eb);

/* Duration: "250ms", "10s", "5m", "1h", "1m30s" (sums), a bare "0". A bare non-zero
 * number without unit is refused (ambiguous). */
int units_parse_duration(const char *s, uint64_t *ms, struct errbuf *eb);

/* Range of durations "MIN..MAX" with MIN > 0 and MIN <= MAX. */
int units_parse_duration_range(const char *s, uint64_t *min_ms, uint64_t *max_ms,
                               struct errbuf *eb);

/* Unsigned decimal integer within [min, max]. */
int units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct errbuf *eb);

/* A rate "N/s" (processes per second, say) with N within [min, max]. */
int units_parse_rate(const char *s, uint64_t min, uint64_t max, uint64_t *per_s, struct errbuf *eb);

/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int units_parse_bool(const char *s, bool *out, struct errbuf *eb);

/* Bytes of a units_quote() result incl. NUL: 48 bytes of value, quotes, "..." and NUL. */
#define UNITS_QUOTE_BYTES 56u

/* Write the first n bytes of s (fewer when s ends first; SIZE_MAX for all of it) into buf
 * as a double-quoted excerpt for error messages: at most 48 bytes, "..." appended when cut,
 * control bytes shown as '?'. Always NUL-terminates when len > 0. */
void units_quote(const char *s, size_t n, char *buf, size_t len);

/* "1.5G", "512M", "700K", "12B": shortest binary form with at most one decimal.
 * Returns 0, or -ENOSPC when buf is too small (buf then holds a truncated string). */
int units_format_bytes(uint64_t bytes, char *buf, size_t len);

/* "250ms", "12.5s", "3m20s", "2h5m". Returns 0 or -ENOSPC. */
int units_format_duration(uint64_t ms, char *buf, size_t len);

#endif
