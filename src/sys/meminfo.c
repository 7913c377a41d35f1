// SPDX-License-Identifier: MIT
// /proc/meminfo's MemTotal and MemAvailable (meminfo.h).
#include "meminfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

// "KEY: N kB" at the start of a line of text: N * 1024 in *out.
static bool field(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) != 0) {
            continue;
        }
        char *end = NULL;
        errno = 0;
        unsigned long long kb = strtoull(p + kl, &end, 10);
        if (end == p + kl || errno || kb > UINT64_MAX / 1024u) {
            return false;
        }
        *out = (uint64_t)kb * 1024u;
        return true;
    }
    return false;
}

int meminfo_parse(const char *text, struct meminfo *out)
{
    memset(out, 0, sizeof(*out));
    out->has_total = field(text, "MemTotal:", &out->total_bytes);
    out->has_available = field(text, "MemAvailable:", &out->available_bytes);
    return out->has_total || out->has_available ? 0 : -EINVAL;
}

const char *meminfo_path(void)
{
    const char *fake = getenv("WARDEN_TEST_MEMINFO"); // test-only
    return fake && *fake ? fake : "/proc/meminfo";
}

int meminfo_read(const char *path, struct meminfo *out)
{
    memset(out, 0, sizeof(*out));
    char buf[MEMINFO_READ_MAX];
    ssize_t n = io_read_text(path, buf, sizeof(buf));
    return n < 0 ? (int)n : meminfo_parse(buf, out);
}
