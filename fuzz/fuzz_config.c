// SPDX-License-Identifier: MIT
// libFuzzer target for config_load_stream: the input is a config file (read through
// fmemopen). Loading must not crash, every error must carry a line within the file and a
// message, and a config that loads must hold only valid services.
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define ERRS_MAX 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_config: %s\n", what);
        abort();
    }
}

static void check_service(const struct config_arena *a, const struct svc_config *sc)
{
    check(config_check_name(sc->name, NULL) == 0, "service names are valid");
    check(sc->argc > 0 && sc->argc <= (int)COMMAND_ARGV_MAX, "argc in 1..COMMAND_ARGV_MAX");
    check(sc->argv[sc->argc] == NULL, "argv ends with NULL");
    for (int i = 0; i < sc->argc; i++) {
        const char *w = sc->argv[i];
        check(w >= a->buf && w < a->buf + a->used, "argv in the config's arena");
        check(memchr(w, '\0', (size_t)(a->buf + a->used - w)) != NULL,
              "argv words end inside the arena");
    }
    check(sc->backoff_min_ms >= 10 && sc->backoff_min_ms <= sc->backoff_max_ms, "backoff");
    check(sc->drain_ms <= 3600000, "drain <= 1h");
    check(sc->pids_max <= 4194304 && sc->restart_max <= 1000000, "counts in bounds");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct warden_config cfg;
    static struct errbuf errs[ERRS_MAX];
    unsigned nerrs = 0;
    if (size == 0) {
        return 0; // fmemopen refuses an empty buffer
    }
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");
    if (!f) {
        return 0;
    }
    cfg.host_memory_bytes = 16ull << 30;
    int rc = config_load_stream(&cfg, f, "fuzz.ini", errs, ERRS_MAX, &nerrs);
    (void)fclose(f);
    check(rc == 0 || rc == -EINVAL, "rc is 0 or -EINVAL");
    check((rc == 0) == (nerrs == 0), "rc matches the error count");
    check(cfg.service_count <= SERVICES_MAX, "service_count <= SERVICES_MAX");
    for (unsigned i = 0; i < nerrs && i < ERRS_MAX; i++) {
        check(errs[i].msg[0] != '\0' && strlen(errs[i].msg) < sizeof(errs[i].msg), "message");
        check(errs[i].line >= 0 && (size_t)errs[i].line <= size + 1, "line within the file");
        check(errs[i].file == cfg.file, "file set");
    }
    for (unsigned i = 0; rc == 0 && i < cfg.service_count; i++) {
        check_service(&cfg.arena, &cfg.services[i]);
    }
    return 0;
}
