// SPDX-License-Identifier: MIT
// libFuzzer target for journal replay and torn-line repair: the input becomes the segment
// files of a journal; open (repair), read, one append and a second read must not crash,
// the newest segment must be empty or end with '\n' after open, and the appended event
// must be the last one read back.
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static uint64_t fixed_clock(void)
{
    return 1795410000123ull;
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_journal: %s\n", what);
        abort();
    }
}

static void clear_dir(void)
{
    DIR *d = opendir(fuzz_dir);
    check(d != NULL, "opendir");
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            check(unlinkat(dirfd(d), de->d_name, 0) == 0, "unlink");
        }
    }
    check(closedir(d) == 0, "closedir");
}

static void write_segment(uint64_t index, const uint8_t *bytes, size_t len)
{
    char path[128];
    int n = snprintf(path, sizeof(path), "%s/events.%012" PRIu64 ".jsonl", fuzz_dir, index);
    check(n > 0 && (size_t)n < sizeof(path), "path");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    check(fd >= 0, "create segment");
    check(len == 0 || write(fd, bytes, len) == (ssize_t)len, "write segment");
    check(close(fd) == 0, "close segment");
}

struct tally {
    size_t count;
    json_int_t last_seq;
};

static int tally_visit(json_t *ev, void *ctx)
{
    struct tally *t = ctx;
    json_t *seq = json_object_get(ev, "seq");
    t->last_seq = json_is_integer(seq) ? json_integer_value(seq) : -1;
    t->count++;
    return 0;
}

// The newest segment is empty or ends with '\n' once journal_open has repaired it.
static void check_tail(const struct journal *j)
{
    char path[128];
    int n = snprintf(path, sizeof(path), "%s/events.%012" PRIu64 ".jsonl", fuzz_dir, j->seg_index);
    check(n > 0 && (size_t)n < sizeof(path), "path");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    check(fd >= 0, "open newest segment");
    struct stat st;
    check(fstat(fd, &st) == 0, "fstat");
    check((uint64_t)st.st_size == j->seg_bytes, "seg_bytes matches the file");
    char last = '\n';
    check(st.st_size == 0 || pread(fd, &last, 1, st.st_size - 1) == 1, "pread");
    check(last == '\n', "newest segment ends with a newline after open");
    check(close(fd) == 0, "close");
}

// The first input byte picks the layout: bit 0 splits the rest over two segments (so the
// look-back past an empty or garbage newest segment runs), bit 1 numbers them high enough
// that journal_open prunes, bit 2 adds an empty third segment.
static void lay_out(const uint8_t *data, size_t size)
{
    uint8_t mode = size > 0 ? data[0] : 0;
    const uint8_t *rest = size > 0 ? data + 1 : data;
    size_t len = size > 0 ? size - 1 : 0;
    uint64_t base = (mode & 2) ? 7 : 1;
    if (mode & 1) {
        write_segment(base - ((mode & 2) ? 6 : 0), rest, len / 2);
        write_segment(base + 1, rest + len / 2, len - len / 2);
    } else {
        write_segment(base, rest, len);
    }
    if (mode & 4) {
        write_segment(base + 2, rest, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_dir[0] == '\0') {
        (void)snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz_journal.XXXXXX");
        check(mkdtemp(fuzz_dir) != NULL, "mkdtemp");
    }
    clear_dir();
    lay_out(data, size);

    struct journal_opts o = {
            .dir = fuzz_dir, .segment_bytes = 4096, .segment_count = 2, .now_ms = fixed_clock};
    struct journal j;
    check(journal_open(&j, &o) == 0, "journal_open");
    check_tail(&j);
    struct tally t = {0};
    uint64_t bad = 0;
    check(journal_read(fuzz_dir, tally_visit, &t, &bad) == 0, "first read");

    json_t *ev = json_pack("{s:s, s:s}", "service", "fuzz", "type", "exit");
    check(ev != NULL, "json_pack");
    uint64_t seq = j.next_seq;
    int rc = journal_append(&j, ev, false);
    json_decref(ev);
    check(rc == 0, "journal_append");
    journal_close(&j);

    t = (struct tally){0};
    check(journal_read(fuzz_dir, tally_visit, &t, &bad) == 0, "second read");
    check(t.count >= 1 && t.last_seq == (json_int_t)seq, "the appended event is read last");
    return 0;
}
