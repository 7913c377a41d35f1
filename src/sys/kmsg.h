/* SPDX-License-Identifier: MIT */
/* Which process the kernel OOM-killed: the cgroup's oom_kill counter says that a kill
 * happened, not who died. The kernel's log (/dev/kmsg) says it, one record per kill:
 *   oom-kill:constraint=CONSTRAINT_MEMCG,...,task_memcg=/a/b/api.3,task=worker,pid=812,uid=0
 *   Memory cgroup out of memory: Killed process 812 (worker) total-vm:..., anon-rss:65280kB, ...
 * Records are read only when an instance's exit shows an OOM kill, and the last
 * KMSG_VICTIMS kills are kept so that services OOM-killed together each find theirs. */
#ifndef WARDEN_KMSG_H
#define WARDEN_KMSG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h" // KMSG_VICTIMS, KMSG_MEMCG_BYTES, KMSG_RECORD_MAX, KMSG_READS_MAX

struct oom_victim {
    pid_t pid; /* as the kernel's log gives it (the initial PID namespace) */
    char comm[17];
    uint64_t anon_rss_bytes; /* 0 when the "Killed process" line was not seen */
    char memcg[KMSG_MEMCG_BYTES];
    bool claimed; /* already given to an exit */
};

struct kmsg {
    int fd; /* /dev/kmsg, non-blocking, positioned after what was logged before warden */
    struct oom_victim ring[KMSG_VICTIMS];
    unsigned head, len;
    uint64_t records_read;
    uint64_t records_lost; /* overwritten in the kernel's ring before warden read them */
};

/* Open /dev/kmsg (root, or CAP_SYSLOG where dmesg_restrict is set; often refused in a
 * container) and skip its history. km: zeroed storage (static). 0 or -errno (km->fd is
 * then -1: victims stay unknown). */
int kmsg_open(struct kmsg *km);
void kmsg_close(struct kmsg *km);

/* Pure: take one /dev/kmsg record ("PRI,SEQ,TS,FLAGS;MESSAGE\n[ KEY=VALUE\n...]") into
 * the ring: an oom-kill line adds a victim, a "Killed process" line fills its RSS. */
void kmsg_parse_record(struct kmsg *km, const char *rec, size_t len);

/* Read what was logged since the last call, then find the newest unclaimed victim whose
 * task_memcg ends with cg_suffix (a cgroup path below its hierarchy's root, "/a/b/api.3";
 * matching the end also works from inside a cgroup namespace). Marks it claimed.
 * Returns true and fills *v when found. */
bool kmsg_find_oom(struct kmsg *km, const char *cg_suffix, struct oom_victim *v);

#endif
