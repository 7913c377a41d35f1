// SPDX-License-Identifier: MIT
// OOM victims from the kernel's log: parse the oom-kill records of /dev/kmsg.
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kmsg_open(struct kmsg *km)
{
    // The ring is not cleared: km is static storage (zero), and its pages stay untouched
    // until a kill is read. head and len are what make entries valid.
    km->head = km->len = 0;
    km->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (km->fd < 0) {
        int e = errno;
        km->fd = -1;
        return -e;
    }
    if (lseek(km->fd, 0, SEEK_END) < 0) { // only kills from now on are ours to explain
        int e = errno;
        (void)close(km->fd);
        km->fd = -1;
        return -e;
    }
    return 0;
}

void kmsg_close(struct kmsg *km)
{
    if (km->fd >= 0) {
        (void)close(km->fd);
        km->fd = -1;
    }
}

// The value of ",KEY=" (or "KEY=" at the start) in msg up to the next ',' or the end.
static const char *field(const char *msg, const char *end, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *p = msg; p + klen <= end; p++) {
        if ((p == msg || p[-1] == ',' || p[-1] == ':') && memcmp(p, key, klen) == 0) {
            const char *v = p + klen;
            const char *stop = memchr(v, ',', (size_t)(end - v));
            *len = (size_t)((stop ? stop : end) - v);
            return v;
        }
    }
    return NULL;
}

static void add_victim(struct kmsg *km, const char *msg, const char *end)
{
    size_t mlen = 0, tlen = 0, plen = 0;
    const char *memcg = field(msg, end, "task_memcg=", &mlen);
    const char *task = field(msg, end, "task=", &tlen);
    const char *pid = field(msg, end, "pid=", &plen);
    if (!memcg || !pid || plen == 0 || plen > 10) {
        return;
    }
    char num[12];
    memcpy(num, pid, plen);
    num[plen] = '\0';
    struct oom_victim *v = &km->ring[(km->head + km->len) % KMSG_VICTIMS];
    if (km->len == KMSG_VICTIMS) {
        km->head = (km->head + 1) % KMSG_VICTIMS; // the oldest goes
    } else {
        km->len++;
    }
    memset(v, 0, sizeof(*v));
    v->pid = (pid_t)strtol(num, NULL, 10);
    if (task) {
        size_t n = tlen < sizeof(v->comm) - 1 ? tlen : sizeof(v->comm) - 1;
        memcpy(v->comm, task, n);
    }
    if (mlen >= sizeof(v->memcg)) { // keep the end: that is what is matched
        memcg += mlen - (sizeof(v->memcg) - 1);
        mlen = sizeof(v->memcg) - 1;
    }
    memcpy(v->memcg, memcg, mlen);
}

// "...Killed process 812 (worker) total-vm:66796kB, anon-rss:65280kB, ..."
static void add_rss(struct kmsg *km, const char *msg, const char *end)
{
    static const char tag[] = "Killed process ";
    const char *p = memmem(msg, (size_t)(end - msg), tag, sizeof(tag) - 1);
    size_t len = 0;
    const char *rss = p ? field(p, end, " anon-rss:", &len) : NULL;
    if (!p || !rss) {
        return;
    }
    long pid = strtol(p + sizeof(tag) - 1, NULL, 10);
    unsigned long long kb = strtoull(rss, NULL, 10);
    for (unsigned i = km->len; i-- > 0;) {
        struct oom_victim *v = &km->ring[(km->head + i) % KMSG_VICTIMS];
        if (v->pid == pid) {
            v->anon_rss_bytes = (uint64_t)kb * 1024u;
            return;
        }
    }
}

void kmsg_parse_record(struct kmsg *km, const char *rec, size_t len)
{
    const char *semi = memchr(rec, ';', len);
    if (!semi) {
        return;
    }
    const char *msg = semi + 1;
    const char *nl = memchr(msg, '\n', len - (size_t)(msg - rec));
    const char *end = nl ? nl : rec + len;
    km->records_read++;
    if ((size_t)(end - msg) > 9 && memcmp(msg, "oom-kill:", 9) == 0) {
        add_victim(km, msg + 9, end);
    } else if (memmem(msg, (size_t)(end - msg), "Killed process ", 15)) {
        add_rss(km, msg, end);
    }
}

// s ends with suffix (which starts with '/', so only whole path components match). s may
// hold only the last bytes of a long path: then its last bytes are compared.
static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (m >= KMSG_MEMCG_BYTES) {
        suffix += m - (KMSG_MEMCG_BYTES - 1);
        m = KMSG_MEMCG_BYTES - 1;
    }
    return m > 1 && n >= m && strcmp(s + n - m, suffix) == 0;
}

bool kmsg_find_oom(struct kmsg *km, const char *cg_suffix, struct oom_victim *out)
{
    // One record per read(2). From the heap, and only now: OOM kills are rare, and a
    // static buffer's pages would stay resident (locked) beside warden's other data.
    char *rec = km->fd >= 0 ? malloc(KMSG_RECORD_MAX) : NULL;
    for (unsigned reads = 0; rec && reads < KMSG_READS_MAX; reads++) {
        ssize_t n = read(km->fd, rec, KMSG_RECORD_MAX - 1);
        if (n < 0 && errno == EPIPE) {
            km->records_lost++; // the kernel's ring overwrote records: go on with the rest
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; // EAGAIN: all read
        }
        rec[n < (ssize_t)KMSG_RECORD_MAX ? n : n - 1] = '\0';
        kmsg_parse_record(km, rec, (size_t)n);
    }
    free(rec);
    for (unsigned i = km->len; i-- > 0;) {
        struct oom_victim *v = &km->ring[(km->head + i) % KMSG_VICTIMS];
        if (!v->claimed && ends_with(v->memcg, cg_suffix)) {
            v->claimed = true;
            *out = *v;
            return true;
        }
    }
    return false;
}
