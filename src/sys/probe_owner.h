/* SPDX-License-Identifier: MIT */
/* Who accepted a readiness probe: during an overlap restart the old instance and the
 * replacement accept from the same held listening socket, so a probe that gets an answer
 * says nothing about the replacement unless the replacement is the one that accepted it.
 * The server side of the probe's connection is found with one exact sock_diag lookup
 * (NETLINK_SOCK_DIAG, by the 4-tuple): inode 0 while it waits in the accept queue, the
 * socket's inode once a process accepted it. That inode is then looked for among the fds
 * of the replacement's processes (its cgroup.procs), at most PROBE_OWNER_PIDS_MAX processes
 * and PROBE_OWNER_FDS_MAX fds read per lookup. */
#ifndef WARDEN_PROBE_OWNER_H
#define WARDEN_PROBE_OWNER_H

#include <stddef.h>
#include <stdint.h>

/* The inode of the socket that accepted the connection of probe_fd (a connected TCP client
 * socket over loopback): 0 in *inode while none has (it waits in the accept queue).
 * 0, or -errno (-ENOENT: no such connection any more, it was closed or reset). */
int probe_accepted_inode(int probe_fd, uint64_t *inode);

/* 1 when a process listed in procs_dirfd's cgroup.procs holds socket inode among its fds,
 * 0 when none does, -errno when the list cannot be read. proc_root: "/proc". */
int probe_cgroup_holds(int procs_dirfd, const char *proc_root, uint64_t inode);

/* Pure: does readlink text `link` (len bytes, not NUL-terminated) name socket inode? */
int probe_link_is_socket(const char *link, size_t len, uint64_t inode);

#endif
