// SPDX-License-Identifier: MIT
// memory.stat of a cgroup: where its memory is (anon, file, kernel, slab, sock, shmem), the
// evidence an exit record keeps for a memory death. A line parser that streams: the file is
// read through one CGROUP_FILE_MAX buffer and parsed line by line, so its length (v2's keeps
// growing with kernel versions) never needs a buffer of its size.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

// The keys taken, v2 first, then v1 (memory.stat of the v1 memory controller).
enum memstat_key {
    MS_ANON,
    MS_FILE,
    MS_KERNEL, // v2, since 5.18; before it, the sum of its parts below
    MS_KERNEL_STACK,
    MS_PAGETABLES,
    MS_PERCPU,
    MS_VMALLOC,
    MS_SLAB, // v2, since 5.9; before it, slab_reclaimable + slab_unreclaimable
    MS_SLAB_RECLAIMABLE,
    MS_SLAB_UNRECLAIMABLE,
    MS_SOCK,
    MS_SHMEM,
    MS_V1_RSS, // v1 rss includes rss_huge (THP): adding rss_huge would count it twice
    MS_V1_CACHE,
    MS_V1_SHMEM,
    MS_V1_TOTAL_RSS, // total_*: this cgroup and its descendants, like v2's figures
    MS_V1_TOTAL_CACHE,
    MS_V1_TOTAL_SHMEM,
    MS_KEY_COUNT,
};

struct memstat_name {
    const char *name;
    bool v1;
};

static const struct memstat_name key_names[MS_KEY_COUNT] = {
        [MS_ANON] = {"anon", false},
        [MS_FILE] = {"file", false},
        [MS_KERNEL] = {"kernel", false},
        [MS_KERNEL_STACK] = {"kernel_stack", false},
        [MS_PAGETABLES] = {"pagetables", false},
        [MS_PERCPU] = {"percpu", false},
        [MS_VMALLOC] = {"vmalloc", false},
        [MS_SLAB] = {"slab", false},
        [MS_SLAB_RECLAIMABLE] = {"slab_reclaimable", false},
        [MS_SLAB_UNRECLAIMABLE] = {"slab_unreclaimable", false},
        [MS_SOCK] = {"sock", false},
        [MS_SHMEM] = {"shmem", false},
        [MS_V1_RSS] = {"rss", true},
        [MS_V1_CACHE] = {"cache", true},
        [MS_V1_SHMEM] = {"shmem", true},
        [MS_V1_TOTAL_RSS] = {"total_rss", true},
        [MS_V1_TOTAL_CACHE] = {"total_cache", true},
        [MS_V1_TOTAL_SHMEM] = {"total_shmem", true},
};

// A parse in progress: the values seen so far and the line being assembled across chunks.
struct memstat_parser {
    bool v1;
    bool overlong; // the current line passed CGROUP_MEMSTAT_LINE_MAX: skipped to its newline
    uint32_t seen; // bit k: key k was seen (its first value is kept)
    uint64_t value[MS_KEY_COUNT];
    size_t line_len;
    char line[CGROUP_MEMSTAT_LINE_MAX];
};

_Static_assert(MS_KEY_COUNT <= 32, "seen is a 32-bit mask");

// "DIGITS" exactly (leading zeros allowed), at most UINT64_MAX. False for anything else.
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

// One whole line, newline excluded: "KEY VALUE", one space, nothing else.
static void parse_line(struct memstat_parser *p, const char *line, size_t len)
{
    const char *sp = memchr(line, ' ', len);
    if (!sp) {
        return;
    }
    size_t klen = (size_t)(sp - line);
    uint64_t v;
    if (!parse_u64(sp + 1, len - klen - 1, &v)) {
        return;
    }
    for (unsigned k = 0; k < MS_KEY_COUNT; k++) {
        const struct memstat_name *n = &key_names[k];
        if (n->v1 == p->v1 && strlen(n->name) == klen && memcmp(n->name, line, klen) == 0) {
            if (!(p->seen & (1u << k))) {
                p->value[k] = v;
                p->seen |= 1u << k;
            }
            return;
        }
    }
}

static void parser_init(struct memstat_parser *p, bool v1)
{
    memset(p, 0, sizeof(*p));
    p->v1 = v1;
}

// Add part of a line (no newline in it) to the line being assembled.
static void line_append(struct memstat_parser *p, const char *s, size_t len)
{
    if (p->overlong || len > sizeof(p->line) - p->line_len) {
        p->overlong = true;
        return;
    }
    memcpy(p->line + p->line_len, s, len);
    p->line_len += len;
}

// The line being assembled is whole: parse it (unless it was too long) and start afresh.
static void line_end(struct memstat_parser *p)
{
    if (!p->overlong) {
        parse_line(p, p->line, p->line_len);
    }
    p->line_len = 0;
    p->overlong = false;
}

// The next len bytes of the file, cut anywhere.
static void parser_feed(struct memstat_parser *p, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t part = nl ? (size_t)(nl - data) : len;
        line_append(p, data, part);
        if (!nl) {
            return;
        }
        line_end(p);
        data += part + 1;
        len -= part + 1;
    }
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool seen(const struct memstat_parser *p, enum memstat_key k)
{
    return (p->seen & (1u << k)) != 0;
}

// total_* where the file has it, else the cgroup's own figure; false when neither.
static bool v1_pick(const struct memstat_parser *p, enum memstat_key total, enum memstat_key own,
                    uint64_t *out)
{
    if (seen(p, total) || seen(p, own)) {
        *out = seen(p, total) ? p->value[total] : p->value[own];
        return true;
    }
    return false;
}

static int finish_v1(const struct memstat_parser *p, struct cgroup_memstat *out)
{
    bool anon = v1_pick(p, MS_V1_TOTAL_RSS, MS_V1_RSS, &out->anon_bytes);
    bool file = v1_pick(p, MS_V1_TOTAL_CACHE, MS_V1_CACHE, &out->file_bytes);
    (void)v1_pick(p, MS_V1_TOTAL_SHMEM, MS_V1_SHMEM, &out->shmem_bytes);
    return anon && file ? 0 : -EINVAL;
}

static int finish_v2(const struct memstat_parser *p, struct cgroup_memstat *out)
{
    if (!seen(p, MS_ANON) || !seen(p, MS_FILE)) {
        return -EINVAL;
    }
    const uint64_t *v = p->value;
    out->anon_bytes = v[MS_ANON];
    out->file_bytes = v[MS_FILE];
    out->shmem_bytes = v[MS_SHMEM];
    uint64_t slab_parts = add_sat(v[MS_SLAB_RECLAIMABLE], v[MS_SLAB_UNRECLAIMABLE]);
    out->slab_bytes = seen(p, MS_SLAB) ? v[MS_SLAB] : slab_parts;
    // "kernel" is the kmem counter (every __GFP_ACCOUNT allocation, sock excluded); before
    // 5.18 the sum of the parts the file shows is a floor of it.
    static const enum memstat_key kernel_parts[] = {MS_KERNEL_STACK, MS_PAGETABLES, MS_PERCPU,
                                                    MS_VMALLOC};
    bool parts = seen(p, MS_SLAB) || seen(p, MS_SLAB_RECLAIMABLE) || seen(p, MS_SLAB_UNRECLAIMABLE);
    uint64_t parts_bytes = out->slab_bytes;
    for (size_t i = 0; i < sizeof(kernel_parts) / sizeof(kernel_parts[0]); i++) {
        parts = parts || seen(p, kernel_parts[i]);
        parts_bytes = add_sat(parts_bytes, v[kernel_parts[i]]);
    }
    out->has_kernel = seen(p, MS_KERNEL) || parts;
    out->kernel_bytes = seen(p, MS_KERNEL) ? v[MS_KERNEL] : parts_bytes;
    out->has_sock = seen(p, MS_SOCK);
    out->sock_bytes = v[MS_SOCK];
    return 0;
}

// at_eof: the text ended there, so a last line without its newline is whole; otherwise it
// was cut by the read cap and is dropped. 0, or -EINVAL with *out zeroed.
static int parser_finish(struct memstat_parser *p, bool at_eof, struct cgroup_memstat *out)
{
    if (at_eof && p->line_len > 0) {
        line_end(p);
    }
    memset(out, 0, sizeof(*out));
    int rc = p->v1 ? finish_v1(p, out) : finish_v2(p, out);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

int cgroup_parse_memory_stat(const char *text, size_t len, bool v1, struct cgroup_memstat *out)
{
    if (!out) {
        return -EINVAL;
    }
    if (!text && len > 0) {
        memset(out, 0, sizeof(*out));
        return -EINVAL;
    }
    struct memstat_parser p;
    parser_init(&p, v1);
    if (len > 0) {
        parser_feed(&p, text, len);
    }
    return parser_finish(&p, true, out);
}

int cgroup_read_memory_stat_at(int dirfd, bool v1, struct cgroup_memstat *out)
{
    memset(out, 0, sizeof(*out));
    int fd = openat(dirfd, "memory.stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct memstat_parser p;
    parser_init(&p, v1);
    char buf[CGROUP_FILE_MAX];
    size_t total = 0;
    bool eof = false;
    int rc = 0;
    while (total < CGROUP_MEMSTAT_READ_MAX) {
        size_t want = CGROUP_MEMSTAT_READ_MAX - total;
        ssize_t n = read(fd, buf, want < sizeof(buf) ? want : sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        parser_feed(&p, buf, (size_t)n);
        total += (size_t)n;
    }
    (void)close(fd);
    return rc < 0 ? rc : parser_finish(&p, eof, out);
}

int cgroup_memory_stat(const struct cgroup_sys *sys, const struct cgroup_svc *cg,
                       struct cgroup_memstat *out)
{
    memset(out, 0, sizeof(*out));
    if (!sys->ops || !sys->ops->memory_stat) {
        return -EOPNOTSUPP;
    }
    return sys->ops->memory_stat(cg, out);
}
