// SPDX-License-Identifier: MIT
// Private to config.c and config_keys.c: the key table and the setters that parse one value.
#ifndef WARDEN_CONFIG_INT_H
#define WARDEN_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "units.h"

#define CONFIG_KEYS_MAX 32u // capacity of load_ctx.seen[]; config_keys.c asserts the table fits

enum section_kind {
    SECT_NONE, // before the first header
    SECT_WARDEN,
    SECT_SERVICE,
    SECT_HOST,
    SECT_IGNORED, // a header already reported as bad: its keys are skipped
};

enum value_kind {
    VAL_PATH, // absolute, shorter than max bytes
    VAL_ADDR, // a metrics listen address (metrics_parse_addr)
    VAL_COMMAND,
    VAL_USER,
    VAL_POLICY,
    VAL_BOOL,
    VAL_UINT,     // a count within [min, max]
    VAL_SIZE,     // bytes within [min, max]
    VAL_DURATION, // ms within [min, max]
    VAL_RANGE,    // MIN..MAX in ms with MIN >= min; the field is MIN and MAX follows it
    VAL_RATE,     // "N/s" within [min, max]
    VAL_PRESSURE, // "N% over DUR": the field is N, the window in ms follows it
    VAL_LOG_MAX,  // "SIZE x COUNT" or off (config_parse_log_max)
    VAL_LOG_RATE, // "LINES/s[, SIZE/s]" (config_parse_log_rate)
    VAL_LISTEN,   // tcp:HOST:PORT or unix:PATH, repeatable (listen_parse)
    VAL_READY,    // none | notify | tcp | http:/PATH
};

// A key: its section, where its value goes and its bounds (redis config.c style).
struct key_def {
    const char *name;
    enum section_kind sect;
    enum value_kind kind;
    size_t offset; // of the field in struct warden_config or struct svc_config
    uint64_t min;
    uint64_t max;
};

extern const struct key_def config_keys[];
extern const size_t config_key_count;

// Parse value for def into cfg (a [warden]/[host] key) or sc (a [service] key). Only a valid
// value is stored; otherwise eb says why and which forms are accepted. 0 or -EINVAL.
int config_set_value(struct warden_config *cfg, struct svc_config *sc, const struct key_def *def,
                     const char *value, struct errbuf *eb);

#endif
