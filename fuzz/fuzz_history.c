// SPDX-License-Identifier: MIT
// libFuzzer target for the history loader: the input patches a valid history file image (one
// with both rings in use, a wrapped fine ring and a clock step back) and history_parse must
// return only records in range and in ring order; with mode bit 1 the image also goes through
// the writer (history_open on it, samples, close) and history_load.
// Input: a mode byte (bit 0: make the header checksum right again after patching, so header
// fields are checked on their own; bit 1: the writer path), then patches of a 3-byte
// big-endian offset (taken modulo the file size), a length byte and that many bytes.
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0_MS 1795410000000ull // 2026-11-23T05:00:00Z

static char fuzz_dir[64];
static char fuzz_path[128];
static unsigned char base[HISTORY_FILE_BYTES]; // the valid image the input patches
static unsigned char image[HISTORY_FILE_BYTES];

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_history: %s\n", what);
        abort();
    }
}

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ p[i]) * 16777619u;
    }
    return hash;
}

static void file_io(unsigned char *buf, bool write)
{
    int fd = open(fuzz_path, write ? O_WRONLY | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
    check(fd >= 0, "open image");
    ssize_t n = write ? pwrite(fd, buf, sizeof(image), 0) : pread(fd, buf, sizeof(image), 0);
    check(n == (ssize_t)sizeof(image), "image i/o");
    check(close(fd) == 0, "close image");
}

// 4000 s of samples (the fine ring wraps), then a clock step back of 20 min.
static void make_base(void)
{
    (void)snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz_history.XXXXXX");
    check(mkdtemp(fuzz_dir) != NULL, "mkdtemp");
    (void)snprintf(fuzz_path, sizeof(fuzz_path), "%s/history/fz.hist", fuzz_dir);
    struct history h;
    check(history_open(&h, fuzz_dir, "fz") == 0, "history_open");
    for (uint64_t s = 0; s < 4000; s++) {
        uint64_t mem = (s * 7919u) % (64u << 20);
        check(history_record(&h, T0_MS + s * 1000u, mem, mem + 1, (uint32_t)(s % 50)) == 0,
              "record");
    }
    for (uint64_t s = 2800; s < 2900; s++) {
        check(history_record(&h, T0_MS + s * 1000u + 1, 1, 2, 3) == 0, "record after step");
    }
    history_close(&h);
    file_io(base, false);
}

static void check_view(const struct hist_view *v)
{
    check(v->nfine <= HISTORY_FINE_COUNT && v->ncoarse <= HISTORY_COARSE_COUNT, "counts");
    check(v->nfine + v->ncoarse + v->dropped_records <= HISTORY_FINE_COUNT + HISTORY_COARSE_COUNT,
          "dropped count");
    check((v->nfine == 0 || v->fine != NULL) && (v->ncoarse == 0 || v->coarse != NULL), "arrays");
    uint64_t prev = 0;
    for (size_t i = 0; i < v->nfine; i++) {
        const struct hist_point *p = &v->fine[i];
        check(p->t_ms >= HISTORY_TIME_MIN_MS && p->t_ms % 1000u == 0, "fine time");
        check(p->mem_bytes < HISTORY_MEM_MAX_BYTES && p->mem_peak_bytes < HISTORY_MEM_MAX_BYTES,
              "fine memory");
        check(p->pids <= HISTORY_PIDS_MAX, "fine pids");
        check(prev == 0 || p->t_ms > prev || prev - p->t_ms >= HISTORY_STEP_BACK_S * 1000ull,
              "fine order");
        prev = p->t_ms;
    }
    prev = 0;
    for (size_t i = 0; i < v->ncoarse; i++) {
        const struct hist_minute *m = &v->coarse[i];
        check(m->t_ms >= HISTORY_TIME_MIN_MS && m->t_ms % 60000u == 0 && m->samples > 0,
              "coarse time");
        check(m->mem_min_bytes <= m->mem_avg_bytes && m->mem_avg_bytes <= m->mem_max_bytes &&
                      m->mem_max_bytes < HISTORY_MEM_MAX_BYTES &&
                      m->mem_peak_max_bytes < HISTORY_MEM_MAX_BYTES,
              "coarse memory");
        check(m->pids_min <= m->pids_avg && m->pids_avg <= m->pids_max &&
                      m->pids_max <= HISTORY_PIDS_MAX,
              "coarse pids");
        check(prev == 0 || m->t_ms > prev || prev - m->t_ms >= HISTORY_STEP_BACK_S * 1000ull,
              "coarse order");
        prev = m->t_ms;
    }
}

static void patch(const uint8_t *data, size_t size)
{
    memcpy(image, base, sizeof(image));
    size_t i = 1;
    while (i + 4 <= size) {
        size_t off =
                ((size_t)data[i] << 16 | (size_t)data[i + 1] << 8 | data[i + 2]) % sizeof(image);
        size_t len = data[i + 3];
        i += 4;
        len = len > size - i ? size - i : len;
        len = len > sizeof(image) - off ? sizeof(image) - off : len;
        memcpy(image + off, data + i, len);
        i += len;
    }
    if (size > 0 && (data[0] & 1)) {
        size_t sum_at = HISTORY_HEADER_BYTES - 4;
        uint32_t sum = fnv1a(image, sum_at);
        for (int b = 0; b < 4; b++) {
            image[sum_at + (size_t)b] = (unsigned char)(sum >> (8 * b));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_dir[0] == '\0') {
        make_base();
    }
    patch(data, size);
    struct hist_view v;
    int rc = history_parse(image, sizeof(image), "fz", T0_MS + 7200ull * 1000u, &v);
    check(rc == 0 || rc == -EBADMSG, "history_parse result");
    check(rc == 0 || (v.fine == NULL && v.coarse == NULL && v.nfine == 0), "zeroed on failure");
    check_view(&v);
    history_view_free(&v);
    check(history_parse(image, sizeof(image) - 1, NULL, 0, &v) == -EBADMSG, "short buffer");
    if (size == 0 || !(data[0] & 2)) {
        return 0;
    }
    // The writer on the damaged file: it keeps or rebuilds it, never carries damage on.
    file_io(image, true);
    struct history h;
    check(history_open(&h, fuzz_dir, "fz") == 0, "history_open on the image");
    for (uint64_t s = 4000; s < 4070; s++) {
        check(history_record(&h, T0_MS + s * 1000u, s, s, 1) == 0, "record on the image");
    }
    history_close(&h);
    rc = history_load(fuzz_dir, "fz", &v);
    check(rc == 0, "history_load after the writer");
    check_view(&v);
    check(v.nfine >= 70, "the new points are read back");
    history_view_free(&v);
    return 0;
}
